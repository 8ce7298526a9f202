"""Progress of long commands: on stderr with the time left, off with --quiet, never in --json."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

_RUN = "import sys; from hardlearn.cli import main; sys.exit(main())"
_ARGS = ["distinguish", "--learner", "mean", "--dim", "4", "--trials", "30"]


def _run(*extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TTY_COMPATIBLE": "1"}  # rich: draw as on a terminal
    return subprocess.run([sys.executable, "-c", _RUN, *_ARGS, *extra], capture_output=True,
                          text=True, env=env, timeout=300)


def test_distinguish_shows_progress_with_time_left_on_stderr():
    done = _run()
    assert done.returncode == 0, done.stderr
    assert "trials" in done.stderr and re.search(r"\d:\d\d:\d\d", done.stderr)
    assert "trials" not in done.stdout.splitlines()[0]


def test_quiet_and_json_keep_progress_away():
    quiet = _run("--quiet")
    assert quiet.returncode == 0 and quiet.stderr.strip() == ""
    as_json = _run("--json")
    assert as_json.returncode == 0 and as_json.stderr.strip() == ""
    assert json.loads(as_json.stdout)["trials"] == 30
