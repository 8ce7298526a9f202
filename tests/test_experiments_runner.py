"""Executors: identical results across executors and worker counts, budgets, crash safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hardlearn.cli import main
from hardlearn.errors import ParameterError
from hardlearn.experiments import parse_spec
from hardlearn.experiments.runner import run_sweep, run_tasks
from hardlearn.experiments.sandbox import Sandbox
from hardlearn.experiments.store import DB_NAME, read_results

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def spec_of(grid, **over):
    data = {"task": "selftest", "root_seed": 11, "budget_seconds": 20, "grid": grid}
    data.update(over)
    return parse_spec(data)


def metrics_by_id(run_dir):
    keep = ("status", "value", "advantage", "success", "error_type")
    return {r["task_id"]: tuple(r.get(k) for k in keep) for r in read_results(run_dir)}


SMALL = {"x": [0.0, 1.0, 2.0, 3.0]}


def test_worker_counts_give_identical_results(tmp_path):
    spec = spec_of(SMALL, repetitions=3, learners=[{"name": "a"}, {"name": "b"}])
    one = run_sweep(spec, tmp_path / "one", workers=1)
    two = run_sweep(spec, tmp_path / "two", workers=2)
    assert one.counts == two.counts == {"ok": 24}
    assert metrics_by_id(tmp_path / "one") == metrics_by_id(tmp_path / "two")


def test_local_and_dask_give_identical_results(tmp_path):
    spec = spec_of({"x": [0.0, 1.0, 2.0], "fail": [False, True]}, repetitions=2)
    local = run_sweep(spec, tmp_path / "local", workers=2)
    dask = run_sweep(spec, tmp_path / "dask", workers=2, executor="dask")
    assert local.counts == dask.counts == {"failed": 6, "ok": 6}
    assert metrics_by_id(tmp_path / "local") == metrics_by_id(tmp_path / "dask")


def test_a_failing_trial_is_recorded_and_keep_going_finishes_the_rest(tmp_path):
    spec = spec_of({"x": [0.0, 1.0, 2.0, 3.0], "fail": [False, True]})
    summary = run_sweep(spec, tmp_path / "run", workers=2)
    assert summary.counts == {"failed": 4, "ok": 4}
    failed = [r for r in read_results(tmp_path / "run") if r["status"] == "failed"]
    assert {r["error_type"] for r in failed} == {"ParameterError"}
    assert all("selftest asked to fail" in r["error_message"] for r in failed)
    assert summary.first_failure is not None and not summary.ok


def test_fail_fast_stops_and_a_rerun_resumes(tmp_path):
    spec = spec_of({"x": [float(i) for i in range(8)], "fail": [True, False]})
    first = run_sweep(spec, tmp_path / "run", workers=1, fail_fast=True)
    assert first.stopped_early and first.ran < 16
    assert first.counts.get("pending", 0) > 0
    second = run_sweep(spec, tmp_path / "run", workers=2)
    assert second.skipped == first.ran
    assert second.counts == {"failed": 8, "ok": 8}
    third = run_sweep(spec, tmp_path / "run", workers=2, retry_failed=True)
    assert third.ran == 8 and third.counts == {"failed": 8, "ok": 8}
    attempts = (
        sqlite3.connect(tmp_path / "run" / DB_NAME)
        .execute("SELECT MAX(attempts) FROM trials WHERE status='failed'")
        .fetchone()[0]
    )
    assert attempts == 2


def test_a_hanging_trial_becomes_a_timeout_and_the_sweep_goes_on(tmp_path):
    spec = spec_of({"x": [0.0, 1.0, 2.0], "sleep": [0.0, 60.0]}, budget_seconds=0.5)
    t0 = time.monotonic()
    summary = run_sweep(spec, tmp_path / "run", workers=2)
    assert time.monotonic() - t0 < 20
    assert summary.counts == {"ok": 3, "timeout": 3}
    rows = [r for r in read_results(tmp_path / "run") if r["status"] == "timeout"]
    assert all(r["sleep"] == 60.0 and r["error_type"] == "Timeout" for r in rows)
    assert all(r["seconds"] == 0.5 for r in rows)


def test_sandbox_runs_kills_and_restarts(tmp_path):
    spec = spec_of({"sleep": [0.0, 30.0]}, budget_seconds=0.5)
    quick, slow = sorted(spec.tasks(), key=lambda t: t.params["sleep"])
    box = Sandbox(log=tmp_path / "log")
    try:
        (first,) = box.run(quick)
        assert first.status == "ok"
        pid = box.proc.pid
        assert [r.status for r in box.run(slow)] == ["timeout"]
        assert box.proc is None
        (again,) = box.run(quick)
        assert again.status == "ok" and box.proc.pid != pid
    finally:
        box.kill()


def test_run_tasks_validates_its_arguments():
    with pytest.raises(ParameterError, match="executor must be one of"):
        run_tasks([], executor="ray")
    with pytest.raises(ParameterError, match="workers must be an integer >= 1"):
        run_tasks([], workers=0)


def _cli_process(args):
    code = "import sys; from hardlearn.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def test_sigkill_mid_run_then_resume_gives_exactly_the_grid(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        'task = "selftest"\nroot_seed = 5\nrepetitions = 4\nbudget_seconds = 30\n'
        "[grid]\nx = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]\nsleep = 0.05\n"
    )
    run = tmp_path / "run"
    proc = _cli_process(["sweep", sweep, "--out", run, "--workers", "2", "--quiet"])
    done = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (run / DB_NAME).exists():
            try:
                done = (
                    sqlite3.connect(run / DB_NAME)
                    .execute("SELECT COUNT(*) FROM trials WHERE status='ok'")
                    .fetchone()[0]
                )
            except sqlite3.OperationalError:
                done = 0
            if done >= 5:
                break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-run
    proc.wait()
    assert 5 <= done < 40
    partial = read_results(run)
    assert len(partial) == 40 and 0 < sum(r["status"] == "ok" for r in partial) < 40

    resumed = _cli_process(["sweep", sweep, "--out", run, "--workers", "2", "--quiet"])
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err.decode()
    rows = read_results(run)
    assert len(rows) == 40 and len({r["task_id"] for r in rows}) == 40
    assert all(r["status"] == "ok" for r in rows)
    # and the numbers are those of an uninterrupted run
    clean = tmp_path / "clean"
    assert main(["sweep", str(sweep), "--out", str(clean), "--workers", "2", "--quiet"]) == 0
    assert metrics_by_id(run) == metrics_by_id(clean)


def test_cli_sweep_exit_codes_and_errors(tmp_path, capsys):
    smoke = EXAMPLES / "smoke.toml"
    assert main(["sweep", str(smoke), "--out", str(tmp_path / "a"), "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "18 trials" in out and "ok 18" in out
    assert main(["sweep", str(smoke), "--out", str(tmp_path / "a"), "--json"]) == 0
    assert '"skipped": 18' in capsys.readouterr().out
    other = tmp_path / "other.toml"
    other.write_text(smoke.read_text().replace("root_seed = 1", "root_seed = 2"))
    assert main(["sweep", str(other), "--out", str(tmp_path / "a")]) == 2
    assert "different sweep file" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('task = "selftest"\nroot_seed = 1\n[grid]\nx = "a"\n')
    assert main(["sweep", str(bad), "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "grid.x must be a real number" in err
    failing = tmp_path / "fail.toml"
    failing.write_text('task = "selftest"\nroot_seed = 1\n[grid]\nfail = [true, false]\n')
    assert main(["sweep", str(failing), "--out", str(tmp_path / "c"), "--workers", "1"]) == 1
    assert "ParameterError: selftest asked to fail" in capsys.readouterr().err


def test_cli_results_formats(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["sweep", str(EXAMPLES / "smoke.toml"), "--out", str(run), "-q"]) == 0
    capsys.readouterr()
    assert main(["results", str(run)]) == 0
    table = capsys.readouterr().out
    assert "task_id" in table and "advantage" in table
    assert main(["results", str(run), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 19 and lines[0].startswith("task_id,status,x,")
    assert main(["results", str(run), "--format", "parquet", "--out", str(tmp_path / "r.pq")]) == 0
    assert (tmp_path / "r.pq").stat().st_size > 0
    assert main(["results", str(run), "--format", "xml"]) == 2


@pytest.mark.slow
def test_dask_with_a_running_scheduler(tmp_path):
    from distributed import LocalCluster

    spec = spec_of({"x": [0.0, 1.0], "sleep": [0.0, 30.0]}, budget_seconds=1.0)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        summary = run_sweep(
            spec, tmp_path / "run", executor="dask", scheduler=cluster.scheduler_address
        )
    assert summary.counts == {"ok": 2, "timeout": 2}
    local = run_sweep(spec, tmp_path / "local", workers=2)
    assert local.counts == summary.counts
    assert metrics_by_id(tmp_path / "run") == metrics_by_id(tmp_path / "local")
