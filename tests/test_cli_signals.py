"""Ctrl-C and SIGTERM during a sweep: one line saying what was kept, and no process left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

_SLOW_SWEEP = """task = "selftest"
root_seed = 1
repetitions = 40
[grid]
x = [1.0]
sleep = 0.3
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


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 130)])
def test_interrupted_sweep_says_what_was_kept(tmp_path, signum, status):
    sweep = tmp_path / "slow.toml"
    sweep.write_text(_SLOW_SWEEP)
    run = tmp_path / "run"
    marker = f"HARDLEARN_SIGNAL_TEST={uuid.uuid4().hex}"
    env = {**os.environ, marker.split("=")[0]: marker.split("=")[1]}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from hardlearn.cli import main; sys.exit(main())",
         "sweep", str(sweep), "--out", str(run), "--workers", "1", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.monotonic() + 60
    while not (run / "results.sqlite").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.0)  # a few trials finish
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert proc.returncode == status, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("interrupted: ") and "to resume" in lines[0], lines[0]
    assert "trials are kept" in lines[0]
    time.sleep(0.5)
    assert _processes_with(marker) == []
