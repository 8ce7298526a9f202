"""Module loggers: silent by default, on stderr with ``-v`` (INFO) and ``-vv`` (DEBUG)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hardlearn.cli import _verbosity_first, main
from hardlearn.cli._common import _CliLogHandler

pytest.importorskip("fpylll")
pytest.importorskip("flint")

SRC = str(Path(__file__).resolve().parents[1] / "src")
_ATTACK = ["attack", "--dim", "8", "--noise-bits", "60", "--json"]


def test_library_configures_no_logging():
    """Importing every layer installs no handler, neither on the root nor on 'hardlearn'."""
    probe = (
        "import logging, hardlearn.learners.lattice, hardlearn.experiments.runner, "
        "hardlearn.cli\n"
        "print(len(logging.getLogger().handlers), len(logging.getLogger('hardlearn').handlers),"
        " logging.getLogger('hardlearn').level)"
    )
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, check=True, timeout=120)
    assert out.stdout.split() == ["0", "0", "0"]


def test_lattice_attempts_are_logged(caplog):
    from hardlearn.learners.lattice import LatticeRegressor
    from hardlearn.problems.exact import sample_exact

    data = sample_exact(8, 12, labels="clwe", noise_bits=60, rng=0)
    with caplog.at_level(logging.DEBUG, logger="hardlearn"):
        LatticeRegressor(time_limit=60).fit_exact(data)
    by_logger = {(r.name, r.levelno) for r in caplog.records}
    assert ("hardlearn.learners.lattice", logging.INFO) in by_logger
    assert ("hardlearn.learners._lattice_core", logging.DEBUG) in by_logger  # each rung
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("lattice attempt 1 of" in m and m.endswith("recovered") for m in info), info


def test_timeout_is_logged(caplog):
    from hardlearn.learners.lattice import LatticeRegressor
    from hardlearn.problems.exact import sample_exact

    # d = 160 at 2^-2000 takes seconds (README), far past a 0.1 s limit on any machine; a
    # d = 40 attack could finish inside a short limit on an idle one
    data = sample_exact(160, 161, labels="clwe", noise_bits=2000, rng=0)
    with caplog.at_level(logging.INFO, logger="hardlearn"):
        model = LatticeRegressor(max_samples=161, time_limit=0.1).fit_exact(data)
    assert model.status_ == "timeout"
    assert any("stopped at its time limit" in r.getMessage() for r in caplog.records)


def test_cli_is_silent_without_v(capsys):
    assert main(_ATTACK) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["status"] == "recovered"
    assert err == ""


@pytest.mark.parametrize(("flags", "levels"), [
    (["-v"], {"INFO"}),
    (["-vv"], {"INFO", "DEBUG"}),
    (["--verbose", "--verbose"], {"INFO", "DEBUG"}),
])
def test_cli_v_logs_on_stderr_and_json_stays_clean(capsys, flags, levels):
    for argv in (flags + _ATTACK, _ATTACK + flags):  # before or after the command
        assert main(argv) == 0
        out, err = capsys.readouterr()
        assert json.loads(out)["status"] == "recovered"  # stdout: the JSON object only
        lines = err.strip().splitlines()
        assert lines and all(" hardlearn." in line for line in lines), err
        assert {line.split()[2].rstrip(":") for line in lines} == levels
    assert not any(isinstance(h, _CliLogHandler)
                   for h in logging.getLogger("hardlearn").handlers)  # removed after main


def test_verbosity_moves_only_before_double_dash():
    assert _verbosity_first(["-v", "attack"]) == ["-v", "attack"]
    assert _verbosity_first(["attack", "--dim", "8", "-v"]) == ["-v", "attack", "--dim", "8"]
    assert _verbosity_first(["x", "--", "-vv"]) == ["x", "--", "-vv"]


def test_sweep_timeout_and_worker_restart_are_logged(tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text('task = "selftest"\nroot_seed = 1\nbudget_seconds = 0.5\n'
                     '[grid]\nx = [1.0, 2.0]\nsleep = 30.0\n')
    code = main(["-v", "sweep", str(sweep), "--out", str(tmp_path / "run"), "--workers", "1",
                 "-q"])
    assert code == 1  # the trials timed out
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "hardlearn.experiments.sandbox INFO" in ln]
    assert len(lines) == 2 and all("exceeded its budget of 0.5 s" in ln for ln in lines), err
