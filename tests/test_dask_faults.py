"""The Dask executor under faults: Ctrl-C, a worker or the scheduler that dies.

A unit whose future was cancelled (the client lost its scheduler) is sent again while the
client is connected, else left pending with one line saying how to resume; a worker that
dies is Dask's to re-run; a unit that killed every worker it met is a failed trial.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not Path("/proc/self/environ").exists(),
    reason="POSIX signals and /proc",
)

_SLOW_SWEEP = """task = "selftest"
root_seed = 1
repetitions = {reps}
[grid]
x = [1.0]
sleep = {sleep}
"""


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _count(run: Path, status: str) -> int:
    try:
        with sqlite3.connect(run / "results.sqlite") as conn:
            return conn.execute("SELECT count(*) FROM trials WHERE status = ?",
                                (status,)).fetchone()[0]
    except sqlite3.Error:
        return 0


def _wait_ok(run: Path, n: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while _count(run, "ok") < n:
        assert time.monotonic() < deadline, f"fewer than {n} trials finished in {timeout} s"
        time.sleep(0.2)


def _sweep(tmp_path: Path, env: dict, *extra: str, reps: int = 40, sleep: float = 0.3):
    sweep = tmp_path / "slow.toml"
    sweep.write_text(_SLOW_SWEEP.format(reps=reps, sleep=sleep))
    run = tmp_path / "run"
    argv = [sys.executable, "-c", "import sys; from hardlearn.cli import main; sys.exit(main())",
            "sweep", str(sweep), "--out", str(run), "--executor", "dask", "--quiet", *extra]
    return argv, run


def _marked_env() -> tuple[str, dict]:
    marker = uuid.uuid4().hex
    return f"HARDLEARN_DASK_TEST={marker}", {**os.environ, "HARDLEARN_DASK_TEST": marker}


def test_records_of_a_lost_or_killed_unit():
    from distributed import KilledWorker

    from hardlearn.experiments.dask_executor import _records
    from hardlearn.experiments.spec import parse_spec

    task = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1]}}).tasks()[0]
    assert _records(task, "cancelled", None) is None  # lost: sent again or left pending
    from types import SimpleNamespace

    exc = KilledWorker("trial-x", SimpleNamespace(address="tcp://127.0.0.1:1"),
                       allowed_failures=3)
    (record,) = _records(task, "error", (KilledWorker, exc, None))
    assert record.status == "failed" and record.error_type == "WorkerDied"
    (record,) = _records(task, "error", (OSError, OSError("no route"), None))
    assert record.error_type == "OSError" and "no route" in record.error_message


def test_ctrl_c_under_dask_is_one_line_and_leaves_no_process(tmp_path):
    """Ctrl-C reaches the whole process group (the Dask workers too): one line, exit 130."""
    marker, env = _marked_env()
    argv, run = _sweep(tmp_path, env, "--workers", "2")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        _wait_ok(run, 2)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert proc.returncode == 130, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("interrupted: ") and "to resume" in lines[0]
    assert _processes_with(marker) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cluster(env: dict, port: int) -> list[subprocess.Popen]:
    dask = str(Path(sys.executable).parent / "dask")
    quiet = dict(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                 start_new_session=True)
    sched = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                              "--no-dashboard"], **quiet)
    time.sleep(2.0)
    work = subprocess.Popen([dask, "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                             "--nworkers", "2", "--no-dashboard"], **quiet)
    return [sched, work]


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


@pytest.mark.slow
def test_a_dead_scheduler_leaves_trials_pending_and_the_run_resumes(tmp_path):
    marker, env = _marked_env()
    port = _free_port()
    argv, run = _sweep(tmp_path, env, "--scheduler", f"tcp://127.0.0.1:{port}", reps=30,
                       sleep=0.5)
    cluster = _cluster(env, port)
    try:
        sweep = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=env)
        _wait_ok(run, 3)
        os.killpg(cluster[0].pid, signal.SIGKILL)  # the scheduler
        _, err = sweep.communicate(timeout=180)
    finally:
        _stop(cluster)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert sweep.returncode == 1, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "went away" in lines[0] and "resume" in lines[0]
    assert _count(run, "failed") == 0 and _count(run, "pending") > 0
    cluster = _cluster(env, port)
    try:
        again = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    finally:
        _stop(cluster)
    assert again.returncode == 0, again.stderr
    assert _count(run, "ok") == 30


@pytest.mark.slow
def test_a_dead_worker_is_rerun_by_dask(tmp_path):
    marker, env = _marked_env()
    port = _free_port()
    argv, run = _sweep(tmp_path, env, "--scheduler", f"tcp://127.0.0.1:{port}", reps=30,
                       sleep=0.5)
    cluster = _cluster(env, port)
    try:
        sweep = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=env)
        _wait_ok(run, 3)
        # a Dask worker process: the parent of one of the sandboxes it started
        for pid in _processes_with(marker):
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            parents = [e for e in environ if e.startswith(b"HARDLEARN_SANDBOX_PARENT=")]
            if parents:
                os.kill(int(parents[0].split(b"=")[1]), signal.SIGKILL)
                break
        else:
            pytest.fail("no sandbox found")
        _, err = sweep.communicate(timeout=180)
    finally:
        _stop(cluster)
    assert sweep.returncode == 0, err
    assert _count(run, "ok") == 30 and _count(run, "failed") == 0
