"""The results store: one row per trial, resume without duplicates, refusal of other sweeps."""

from __future__ import annotations

import csv
import sqlite3

import pyarrow.parquet as pq
import pytest

from hardlearn.errors import StoreError
from hardlearn.experiments import parse_spec, run_task
from hardlearn.experiments.store import (
    DB_NAME,
    SPEC_NAME,
    Store,
    read_meta,
    read_results,
    write_table,
)


def spec_of(x=(1.0, 2.0, 3.0), **over):
    data = {"task": "selftest", "root_seed": 4, "grid": {"x": list(x)}}
    data.update(over)
    return parse_spec(data)


def test_create_writes_pending_rows_meta_and_resolved_file(tmp_path):
    spec = spec_of()
    run = tmp_path / "run"
    with Store.create(run, spec) as store:
        assert store.counts() == {"pending": 3}
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (run / SPEC_NAME).read_text().startswith("# Resolved")
    meta = read_meta(run)
    assert meta["spec_digest"] == spec.digest and meta["task"] == "selftest"
    assert "numpy" in meta["versions"]


def test_save_commits_each_record_and_resume_never_duplicates(tmp_path):
    spec = spec_of()
    tasks = spec.tasks()
    with Store.create(tmp_path, spec) as store:
        store.save(run_task(tasks[0]))
    # another connection sees the committed row at once
    rows = sqlite3.connect(tmp_path / DB_NAME).execute("SELECT status FROM trials").fetchall()
    assert sorted(r[0] for r in rows) == ["ok", "pending", "pending"]
    with Store.create(tmp_path, spec) as store:
        assert store.done_ids() == {tasks[0].task_id}
        store.save(run_task(tasks[1]))
        assert store.counts() == {"ok": 2, "pending": 1}
    assert len(read_results(tmp_path)) == 3


def test_retry_failed_only_skips_ok(tmp_path):
    spec = spec_of(grid={"x": [1.0], "fail": [False, True]})
    with Store.create(tmp_path, spec) as store:
        for t in spec.tasks():
            store.save(run_task(t))
        assert len(store.done_ids()) == 2
        assert len(store.done_ids(retry_failed=True)) == 1
        failed = [r for r in store.rows() if r["status"] == "failed"][0]
    assert failed["error_type"] == "ParameterError"
    assert "asked to fail" in failed["error_message"]


def test_a_different_sweep_file_is_refused(tmp_path):
    Store.create(tmp_path, spec_of()).close()
    with pytest.raises(StoreError, match="different sweep file"):
        Store.create(tmp_path, spec_of(x=(1.0, 2.0)))
    with pytest.raises(StoreError, match="different sweep file"):
        Store.create(tmp_path, spec_of(root_seed=5))
    assert read_meta(tmp_path)["spec_digest"] == spec_of().digest


def test_foreign_directory_and_busy_directory_are_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not a hardlearn run directory"):
        Store.create(tmp_path, spec_of())
    run = tmp_path / "run"
    first = Store.create(run, spec_of())
    try:
        with pytest.raises(StoreError, match="in use by another running sweep"):
            Store.create(run, spec_of())
    finally:
        first.close()
    with pytest.raises(StoreError, match="is not a run directory"):
        Store.open(tmp_path / "nowhere")


def test_results_columns_and_exports(tmp_path):
    spec = parse_spec(
        {"task": "selftest", "root_seed": 1, "grid": {"x": [1.0, 2.0]}, "learners": [{"name": "a"}]}
    )
    with Store.create(tmp_path / "run", spec) as store:
        for t in spec.tasks():
            store.save(run_task(t))
    rows = read_results(tmp_path / "run")
    first = rows[0]
    for col in ("task_id", "status", "x", "learner", "advantage", "seconds"):
        assert col in first
    assert list(first)[:3] == ["task_id", "status", "x"]  # swept keys first
    assert first["learner"] == "a"
    write_table(rows, tmp_path / "r.csv", "csv")
    with open(tmp_path / "r.csv", newline="") as handle:
        got = list(csv.DictReader(handle))
    assert [r["task_id"] for r in got] == [r["task_id"] for r in rows]
    write_table(rows, tmp_path / "r.parquet", "parquet")
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.num_rows == 2 and "advantage" in table.column_names


def test_run_directory_appears_atomically(tmp_path):
    """The run directory is renamed into place complete; no temporary sibling is left."""
    from hardlearn.experiments.spec import parse_spec
    from hardlearn.experiments.store import DB_NAME, SPEC_NAME, Store

    spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1, 2]}})
    with Store.create(tmp_path / "run", spec) as store:
        assert store.counts() == {"pending": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert {DB_NAME, SPEC_NAME} <= {p.name for p in (tmp_path / "run").iterdir()}


def test_directory_left_with_only_its_lock_resumes(tmp_path):
    """A crash of an older version between the lock file and the store is resumable."""
    from hardlearn.experiments.spec import parse_spec
    from hardlearn.experiments.store import Store

    spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1, 2]}})
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / ".lock").write_text("")
    with Store.create(tmp_path / "run", spec) as store:
        assert store.counts() == {"pending": 2}


def test_empty_directory_held_by_another_sweep_is_in_use(tmp_path):
    """While another sweep holds an empty run directory, a second one is told it is in use."""
    import fcntl

    from hardlearn.errors import StoreError
    from hardlearn.experiments.spec import parse_spec
    from hardlearn.experiments.store import Store

    spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1, 2]}})
    run = tmp_path / "run"
    run.mkdir()
    with open(run / ".lock", "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(StoreError, match="in use"):
            Store.create(run, spec)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_resume_accepts_new_budget_and_learner_order(tmp_path):
    """Budgets, learner order and the name change no trial, so the run resumes."""
    from hardlearn.experiments.spec import parse_spec
    from hardlearn.experiments.store import Store, read_meta

    base = {"task": "selftest", "root_seed": 1, "budget_seconds": 5, "grid": {"x": [1, 2]},
            "learners": [{"name": "a"}, {"name": "b"}]}
    with Store.create(tmp_path, parse_spec(base)) as store:
        ids = {r["task_id"] for r in store.rows()}
    changed = {**base, "budget_seconds": 50, "name": "renamed",
               "learners": [{"name": "b"}, {"name": "a"}]}
    with Store.create(tmp_path, parse_spec(changed)) as store:
        assert {r["task_id"] for r in store.rows()} == ids
    assert read_meta(tmp_path)["spec_digest"] == parse_spec(changed).digest
    assert "budget_seconds = 50" in (tmp_path / "sweep.toml").read_text()


def test_refused_change_names_the_first_difference(tmp_path):
    from hardlearn.errors import StoreError
    from hardlearn.experiments.spec import parse_spec
    from hardlearn.experiments.store import Store

    base = {"task": "selftest", "root_seed": 1, "grid": {"x": [1, 2]}}
    Store.create(tmp_path, parse_spec(base)).close()
    with pytest.raises(StoreError, match=r"grid\.x\[1\]: 2\.0 in the run directory, 3\.0 in this"):
        Store.create(tmp_path, parse_spec({**base, "grid": {"x": [1, 3]}}))
    with pytest.raises(StoreError, match="root_seed: 1 in the run directory, 2 in this file"):
        Store.create(tmp_path, parse_spec({**base, "root_seed": 2}))


def test_full_disk_is_one_clear_error(tmp_path):
    """SQLite's 'database or disk is full' becomes ENOSPC naming the store (exit status 1)."""
    import errno
    import sqlite3

    from hardlearn.experiments.registry import run_task
    from hardlearn.experiments.spec import parse_spec
    from hardlearn.experiments.store import Store

    spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1, 2]}})
    with Store.create(tmp_path, spec) as store:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
        record = run_task(spec.tasks()[0])
        record.error_message = "x" * 100_000  # needs pages the store may not grow to
        with pytest.raises(OSError) as info:
            store.save(record)
        assert info.value.errno == errno.ENOSPC and "results.sqlite" in info.value.filename
        assert not isinstance(info.value, sqlite3.Error)
