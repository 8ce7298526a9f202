"""Learn sweeps train MLPs that share shapes as one batch, with the same stored results."""

from __future__ import annotations

import pytest

from hardlearn.experiments import run_sweep
from hardlearn.experiments.kinds.learn import group_key, run_task_group
from hardlearn.experiments.registry import run_task
from hardlearn.experiments.spec import parse_spec
from hardlearn.experiments.store import read_results
from hardlearn.experiments.units import make_units, unit_tasks

#: Columns that measure time or place, not mathematics.
TIMING = {"seconds", "started", "finished", "run_seconds", "fit_seconds", "fit_train_seconds",
          "host", "versions"}


def learn_spec(**extra):
    return parse_spec({
        "task": "learn", "root_seed": 11, "repetitions": 2,
        "grid": {"dim": 4, "freq": [0.25, 1.0], "samples": 300, "test_samples": 500},
        "learners": [
            {"name": "mlp", "params": {"width": 8, "steps": 40, "dtype": "float64", **extra}},
            {"name": "mlp", "params": {"width": 8, "steps": 40, "dtype": "float64",
                                       "lr": 0.01, **extra}},
            {"name": "mean"},
        ],
    })


def test_grouping_keys_and_units():
    tasks = learn_spec().tasks()
    keys = {group_key(t) for t in tasks if t.learner_name == "mlp"}
    assert len(keys) == 1  # lr may differ inside a batch
    assert all(group_key(t) is None for t in tasks if t.learner_name == "mean")
    units = make_units(tasks, workers=2)
    assert sorted(len(unit_tasks(u)) for u in units) == [1, 1, 1, 1, 8]
    # which trials share a batch depends on the sweep file alone, not on the workers
    assert all(make_units(tasks, workers=w) == units for w in (1, 3, 16))
    assert sorted(t.task_id for u in units for t in unit_tasks(u)) == sorted(
        t.task_id for t in tasks)
    assert all(len(unit_tasks(u)) == 1 for u in make_units(tasks, workers=2, batch=False))


def stripped(record):
    # fit_batch_networks says how the trial was run (batched records only), not its result.
    return {k: v for k, v in record.metrics.items()
            if k not in TIMING and k != "fit_batch_networks"}


def test_group_equals_one_at_a_time():
    mlp_tasks = [t for t in learn_spec().tasks() if t.learner_name == "mlp"]
    together = run_task_group(mlp_tasks)
    alone = [run_task(t) for t in mlp_tasks]
    assert [r.metrics["fit_batch_networks"] for r in together] == [len(mlp_tasks)] * len(
        mlp_tasks)
    assert all("fit_batch_networks" not in r.metrics for r in alone)
    for a, b in zip(together, alone, strict=True):
        assert a.task_id == b.task_id and a.status == b.status == "ok"
        sa, sb = stripped(a), stripped(b)
        assert sa.keys() == sb.keys()
        for key in sa:
            if isinstance(sa[key], float):
                assert sa[key] == pytest.approx(sb[key], rel=1e-7, abs=1e-9), key
            else:
                assert sa[key] == sb[key], key


def test_a_failed_batch_falls_back_to_one_trial_at_a_time(monkeypatch):
    from hardlearn.learners import batched_eval as batched

    def broken(*args, **kwargs):
        raise MemoryError("pretend the batch does not fit")

    monkeypatch.setattr(batched, "evaluate_learners_batched", broken)
    tasks = [t for t in learn_spec().tasks() if t.learner_name == "mlp"][:2]
    records = run_task_group(tasks)
    assert [r.status for r in records] == ["ok", "ok"]
    assert stripped(records[0]) == stripped(run_task(tasks[0]))


def test_sweep_with_and_without_batching_stores_the_same_results(tmp_path):
    spec = learn_spec()
    run_sweep(spec, tmp_path / "batched", workers=2)
    run_sweep(spec, tmp_path / "alone", workers=2, batch=False)
    a = {r["task_id"]: r for r in read_results(tmp_path / "batched")}
    b = {r["task_id"]: r for r in read_results(tmp_path / "alone")}
    assert a.keys() == b.keys()
    for tid in a:
        assert a[tid]["status"] == b[tid]["status"] == "ok"
        assert a[tid]["advantage"] == pytest.approx(b[tid]["advantage"], rel=1e-7, abs=1e-9)


def test_stored_results_are_the_same_bits_for_any_worker_count(tmp_path):
    """Batches depend on the sweep file alone, so 1 and 2 workers store identical numbers."""
    from hardlearn.experiments.runner import run_sweep
    from hardlearn.experiments.store import read_results

    spec = learn_spec()
    tables = []
    for workers in (1, 2):
        run_sweep(spec, tmp_path / f"w{workers}", workers=workers, progress=False)
        rows = read_results(tmp_path / f"w{workers}")
        tables.append({r["task_id"]: {k: v for k, v in r.items()
                                      if k not in TIMING and k not in ("seconds", "host")}
                       for r in rows})
    assert tables[0] == tables[1]
    batched = [r for r in tables[0].values() if r["learner"].startswith("mlp")]
    assert batched and all(r["fit_batch_networks"] == 8 for r in batched)


def test_each_trial_of_a_batch_is_held_to_its_own_budget():
    """A trial whose budget is spent stops (stored as a timeout, with the metrics of the
    network it had); the other trials of its batch go on and store what they would have
    stored in a batch where no budget was reached."""
    import dataclasses

    tasks = [t for t in learn_spec(steps=2000).tasks() if t.learner_name == "mlp"]
    reference = run_task_group(tasks)
    assert all(r.status == "ok" for r in reference)
    spent = dataclasses.replace(tasks[1], budget_seconds=1e-6)
    records = run_task_group([tasks[0], spent, *tasks[2:]])
    assert records[1].status == "timeout" and records[1].error_type == "Timeout"
    assert "budget_seconds=1e-06" in records[1].error_message
    assert records[1].metrics["fit_stopped_reason"] == "time"
    assert records[1].metrics["fit_steps"] < reference[1].metrics["fit_steps"]
    for i in (0, *range(2, len(tasks))):
        assert records[i].status == "ok"
        assert stripped(records[i]) == stripped(reference[i]), i


def test_local_and_dask_store_the_same_bits(tmp_path):
    """The same learn sweep (batched MLP trials, and learners run alone) on the local
    executor with 1 worker and on the built-in Dask cluster with 2: every stored column that
    is not a time or a place is identical."""
    pytest.importorskip("distributed")
    spec = learn_spec()
    run_sweep(spec, tmp_path / "local", workers=1, progress=False)
    run_sweep(spec, tmp_path / "dask", workers=2, executor="dask", progress=False)
    tables = [
        {r["task_id"]: {k: v for k, v in r.items() if k not in TIMING}
         for r in read_results(tmp_path / name)}
        for name in ("local", "dask")
    ]
    assert tables[0] == tables[1]
    assert {r["status"] for r in tables[0].values()} == {"ok"}
    assert sum(r.get("fit_batch_networks") == 8 for r in tables[0].values()) == 8
