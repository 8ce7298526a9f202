"""Log records of sweep workers reach the sweep's process, through its logging set-up.

Trials run in sandbox worker processes (and lattice reductions in a child of those); their
records are forwarded on the protocol pipe and handled by the parent's loggers, prefixed
with the worker's pid and trial (``hardlearn.experiments.sandbox``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hardlearn._logforward import ForwardingHandler, forward_to, handle_packed, pack_record
from hardlearn.cli import main
from hardlearn.experiments import parse_spec, read_results, run_sweep

KIND_LOGGER = "hardlearn.tests_logging_kind"
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _spec(**grid):
    return parse_spec({"plugins": ["_logging_kind"], "task": "s15_logging_kind",
                       "root_seed": 1, "budget_seconds": 60, "grid": {"x": [1.0, 2.0], **grid}})


def _kind_records(caplog):
    return [r for r in caplog.records if r.name == KIND_LOGGER]


def test_worker_records_reach_the_parent_with_name_level_and_origin(tmp_path, caplog):
    with caplog.at_level(logging.DEBUG, logger="hardlearn"):
        run_sweep(_spec(count=2), tmp_path / "run", workers=1)
    rows = {r["task_id"]: r for r in read_results(tmp_path / "run")}
    records = _kind_records(caplog)
    assert sorted((r.levelname, r.getMessage().split("] ", 1)[1]) for r in records) == [
        ("DEBUG", "debug of x = 1"), ("DEBUG", "debug of x = 2"),
        ("INFO", "record 0 of x = 1"), ("INFO", "record 0 of x = 2"),
        ("INFO", "record 1 of x = 1"), ("INFO", "record 1 of x = 2"),
    ]
    worker = {r["pid"] for r in rows.values()}
    assert len(worker) == 1 and worker != {os.getpid()}
    for record in records:  # marked with the worker's pid and the trial it came from
        (pid,) = worker
        assert record.worker_pid == pid and record.process == pid
        assert record.trial.removeprefix("trial ") in rows
        assert record.getMessage().startswith(f"[worker {pid}, {record.trial}] ")


def test_python_warnings_of_a_worker_reach_the_parent_as_one_line(tmp_path, caplog):
    """warnings.warn in a trial (an MLP's ConvergenceWarning, say) is logged in the worker as
    a WARNING record ``Category: message`` and forwarded, at the default level too."""
    run_sweep(_spec(pywarn=True), tmp_path / "run", workers=1)
    got = sorted(r.getMessage().split("] ", 1)[1] for r in caplog.records
                 if r.name == "hardlearn.warnings")
    assert got == ["UserWarning: python warning of x = 1",
                   "UserWarning: python warning of x = 2"]
    assert all(r["status"] == "ok" for r in read_results(tmp_path / "run"))


def test_at_the_default_level_only_warnings_are_forwarded(tmp_path, caplog):
    # the parent's hardlearn logger is not configured: WARNING, as for its own records
    assert logging.getLogger("hardlearn").getEffectiveLevel() == logging.WARNING
    run_sweep(_spec(count=3, warn=[False, True]), tmp_path / "run", workers=1)
    records = _kind_records(caplog)
    assert [(r.levelname, r.getMessage().split("] ", 1)[1]) for r in records] == [
        ("WARNING", "warning of x = 1"), ("WARNING", "warning of x = 2")]


def test_cli_sweep_prints_nothing_extra_without_v(tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text('plugins = ["_logging_kind"]\ntask = "s15_logging_kind"\nroot_seed = 1\n'
                     '[grid]\nx = [1.0, 2.0]\ncount = 3\n')
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "run"), "--workers", "1",
                 "-q"]) == 0
    err = capsys.readouterr().err
    assert "hardlearn." not in err and "record 0" not in err, err


def test_a_flood_of_records_does_not_corrupt_the_protocol(tmp_path, caplog):
    # 2 x 3000 records, each a frame on the pipe, interleaved with two workers' results;
    # more than a pipe's buffer, so a worker blocks until the parent reads; and one record
    # of 1 MB each, a frame larger than the buffer, read in pieces
    with caplog.at_level(logging.INFO, logger="hardlearn"):
        summary = run_sweep(_spec(count=3000, long=2**20), tmp_path / "run", workers=2)
    assert summary.counts == {"ok": 2}
    assert sorted(r["logged"] for r in read_results(tmp_path / "run")) == [3000, 3000]
    messages = [r.getMessage().split("] ", 1)[1] for r in _kind_records(caplog)]
    assert len(messages) == 6002
    assert messages.count("y" * 2**20) == 2
    assert set(messages) - {"y" * 2**20} == {
        f"record {i} of x = {x}" for i in range(3000) for x in (1, 2)}


def test_dask_workers_forward_through_dask(tmp_path, caplog):
    pytest.importorskip("distributed")
    with caplog.at_level(logging.INFO, logger="hardlearn"):
        run_sweep(_spec(count=2), tmp_path / "run", workers=1, executor="dask")
    messages = sorted(r.getMessage().split("] ", 1)[1] for r in _kind_records(caplog))
    assert messages == ["record 0 of x = 1", "record 0 of x = 2",
                        "record 1 of x = 1", "record 1 of x = 2"]
    assert all(r.worker_pid != os.getpid() for r in _kind_records(caplog))


def test_cli_sweep_v_shows_the_lattice_attempt_of_a_worker(tmp_path):
    pytest.importorskip("fpylll")
    pytest.importorskip("flint")
    sweep = tmp_path / "s.toml"
    sweep.write_text('task = "attack"\nroot_seed = 1\nbudget_seconds = 120\n'
                     '[grid]\ndim = 8\nnoise_bits = 60\n')
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    code = "import sys; from hardlearn.cli import main; sys.exit(main(sys.argv[1:]))"
    out = subprocess.run(
        [sys.executable, "-c", code, "sweep", str(sweep), "--out", str(tmp_path / "run"),
         "--workers", "1", "-q", "-v"],
        capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = [ln for ln in out.stderr.splitlines() if "hardlearn.learners.lattice INFO" in ln]
    assert len(lines) == 1, out.stderr
    assert "] lattice attempt 1 of 1: d = 8" in lines[0] and lines[0].endswith("recovered")
    assert ": [worker " in lines[0] and ", trial " in lines[0]


# ---------------------------------------------------------------------- the pieces


def test_a_packed_record_keeps_plain_values_and_formats_message_and_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("hardlearn.x", logging.ERROR, "f.py", 7, "%s and %d",
                                   ("a", 3), sys.exc_info())
    record.obj = object()  # an extra that would not pickle
    record.note = "kept"
    packed = pack_record(record)
    assert packed["msg"] == "a and 3" and packed["args"] is None
    assert packed["exc_info"] is None and "ValueError: boom" in packed["exc_text"]
    assert "obj" not in packed and packed["note"] == "kept"
    back = logging.makeLogRecord(packed)
    assert (back.name, back.levelno, back.lineno, back.getMessage()) == (
        "hardlearn.x", logging.ERROR, 7, "a and 3")


def test_forwarding_handler_sends_only_from_its_own_process(monkeypatch):
    sent = []
    handler = ForwardingHandler(sent.append)
    record = logging.LogRecord("hardlearn.x", logging.INFO, "f.py", 1, "m", None, None)
    handler.emit(record)
    monkeypatch.setattr(os, "getpid", lambda: handler.pid + 1)  # as in a forked child
    handler.emit(record)
    assert [p["msg"] for p in sent] == ["m"]


def test_forward_to_replaces_the_handlers_and_handle_packed_reemits(caplog):
    logger = logging.getLogger("hardlearn")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    sent = []
    try:
        forward_to(sent.append, logging.INFO)
        logging.getLogger("hardlearn.x").debug("not made")
        logging.getLogger("hardlearn.x").info("made %d", 1)
        assert logger.propagate is False and len(logger.handlers) == 1
    finally:
        for h in list(logger.handlers):
            logger.removeHandler(h)
        for h in saved[0]:
            logger.addHandler(h)
        logger.setLevel(saved[1])
        logger.propagate = saved[2]
    assert [p["msg"] for p in sent] == ["made 1"]
    with caplog.at_level(logging.INFO, logger="hardlearn"):
        handle_packed(sent[0], "[here] ", trial="t")
    (rec,) = [r for r in caplog.records if r.name == "hardlearn.x"]
    assert rec.getMessage() == "[here] made 1" and rec.trial == "t"


@pytest.mark.skipif(sys.platform != "linux", reason="the lattice child is forked on Linux")
def test_records_of_the_lattice_child_reach_its_parent(monkeypatch, caplog):
    pytest.importorskip("fpylll")
    from hardlearn.learners import _lattice_core as core

    def logging_loop(prob, cfg, report=None):  # runs in the forked child
        logging.getLogger("hardlearn.learners._lattice_core").debug("inside pid %d",
                                                                    os.getpid())
        return {"status": "not_recovered", "attempts": [], "engines": [], "best": None,
                "seconds": 0.0, "retries": 0}

    monkeypatch.setattr(core, "_reduce_loop", logging_loop)
    with caplog.at_level(logging.DEBUG, logger="hardlearn"):
        out = core._run_with_limit(None, None, time_limit=60.0)
    assert out["status"] == "not_recovered"
    inside = [r for r in caplog.records if r.getMessage().startswith("inside pid")]
    assert len(inside) == 1 and inside[0].process != os.getpid()
    assert inside[0].levelno == logging.DEBUG
