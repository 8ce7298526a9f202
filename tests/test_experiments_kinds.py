"""The real task kinds at toy size: every example file runs, learn and distinguish are sane."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest

from hardlearn.errors import ParameterError
from hardlearn.experiments import parse_spec, run_task
from hardlearn.experiments.kinds import _lattice
from hardlearn.experiments.kinds.threshold import bisect_threshold
from hardlearn.experiments.runner import run_sweep
from hardlearn.experiments.store import read_results

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

#: Caps that shrink an example to toy size (a key is capped only where the kind takes it).
TOY_GRID = {"samples": 300, "test_samples": 500, "trials": 2, "dim": 6, "bits_high": 120}
HAS_LATTICE = all(
    importlib.util.find_spec(m) is not None
    for m in ("hardlearn.learners.lattice", "hardlearn.problems.exact", "hardlearn.cli.attack")
)
TOY_LEARNER = {"steps": 20, "width": 16, "n_components": 50}


def toy(data: dict) -> dict:
    """The first grid point of a sweep file, shrunk, one repetition, a short budget."""
    data = dict(data)
    grid = {}
    for key, value in data.get("grid", {}).items():
        value = value[0] if isinstance(value, list) else value
        if key in TOY_GRID and isinstance(value, int | float) and not isinstance(value, bool):
            value = min(value, TOY_GRID[key])
        grid[key] = value
    data["grid"] = grid
    data["repetitions"] = 1
    data["budget_seconds"] = 60
    learners = []
    for entry in data.get("learners", []):
        params = {
            k: (min(v, TOY_LEARNER[k]) if k in TOY_LEARNER else v)
            for k, v in entry.get("params", {}).items()
        }
        learners.append({**entry, "params": params})
    if learners:
        data["learners"] = learners
    return data


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_example_runs_at_toy_size(path):
    spec = parse_spec(toy(tomllib.loads(path.read_text())), source=str(path))
    if spec.task in ("attack", "threshold") and not HAS_LATTICE:
        pytest.skip("the lattice attack has not landed")
    for task in spec.tasks():
        record = run_task(task)
        assert record.status == "ok", (record.error_type, record.error_message)
        assert isinstance(record.metrics.get("success"), bool)


def learn_spec(**grid):
    return parse_spec(
        {
            "task": "learn",
            "root_seed": 3,
            "grid": {"dim": 4, "freq": [0.25, 2.0], "samples": 1000, "test_samples": 2000, **grid},
            "learners": [
                {"name": "oracle"},
                {"name": "mean"},
                {"name": "mlp", "params": {"width": 16, "steps": 30}},
            ],
        }
    )


def test_learn_oracle_is_perfect_and_mean_is_trivial():
    rows = {}
    for task in learn_spec().tasks():
        rec = run_task(task)
        assert rec.status == "ok", rec.error_message
        rows[(task.learner, task.params["freq"])] = rec.metrics
    assert rows[("oracle", 0.25)]["advantage"] == pytest.approx(1.0)
    assert abs(rows[("mean", 2.0)]["advantage"]) < 0.05
    assert rows[("mean", 2.0)]["advantage_lo"] < 0 < rows[("mean", 2.0)]["advantage_hi"]
    assert "run_seconds" in rows[("mean", 0.25)]


@pytest.mark.skipif(not HAS_LATTICE, reason="the lattice learner needs the lattice extra")
def test_learn_trial_of_an_attack_that_finds_nothing_is_an_outcome():
    """At polynomial noise the lattice learner finds nothing: the trial is ok, scored as the
    training mean it predicts, with its status; at 2^-30 the same trial recovers."""
    spec = parse_spec({
        "task": "learn", "root_seed": 1,
        "grid": {"dim": 4, "freq": 1.6, "samples": 200, "test_samples": 2000,
                 "noise": [0.1, 2.0**-30]},
        "learners": [{"name": "lattice", "params": {"labels": "triangle", "time_limit": 30}}],
    })
    got = {}
    for task in spec.tasks():
        rec = run_task(task)
        assert rec.status == "ok", (rec.error_type, rec.error_message)
        got[task.params["noise"]] = rec.metrics
    assert got[0.1]["learner_status"] == "not_recovered"
    assert abs(got[0.1]["advantage"]) < 0.05 and got[0.1]["success"] is False
    assert got[2.0**-30]["learner_status"] == "recovered"
    assert got[2.0**-30]["advantage"] > 1 - 1e-6


def test_learn_results_match_in_process_and_in_workers(tmp_path):
    spec = learn_spec()
    here = {t.task_id: run_task(t).metrics for t in spec.tasks()}
    run_sweep(spec, tmp_path / "two", workers=2, batch=False)
    there = {r["task_id"]: r for r in read_results(tmp_path / "two")}
    assert set(here) == set(there)
    for task_id, metrics in here.items():
        assert there[task_id]["status"] == "ok"
        assert there[task_id]["mse"] == metrics["mse"]
        assert there[task_id]["advantage"] == metrics["advantage"]
    # Batched MLP training (the default) agrees up to float32 rounding of the training sums.
    run_sweep(spec, tmp_path / "batched", workers=2)
    batched = {r["task_id"]: r for r in read_results(tmp_path / "batched")}
    for task_id, metrics in here.items():
        assert batched[task_id]["mse"] == pytest.approx(metrics["mse"], rel=1e-6)


def test_learn_and_distinguish_validate_when_the_file_is_read():
    with pytest.raises(ParameterError, match=r"learners\[0\] \(mlp\): .*width"):
        parse_spec(
            {
                "task": "learn",
                "root_seed": 1,
                "grid": {"dim": 4, "freq": 1.0, "samples": 10},
                "learners": [{"name": "mlp", "params": {"width": 0}}],
            }
        )
    with pytest.raises(ParameterError, match="learner must be one of"):
        parse_spec(
            {
                "task": "learn",
                "root_seed": 1,
                "grid": {"dim": 4, "freq": 1.0, "samples": 10},
                "learners": [{"name": "svm"}],
            }
        )
    with pytest.raises(ParameterError, match="learners is required for task 'learn'"):
        parse_spec(
            {"task": "learn", "root_seed": 1, "grid": {"dim": 4, "freq": 1.0, "samples": 10}}
        )
    with pytest.raises(ParameterError, match="needs a piecewise-linear grid.activation"):
        parse_spec(
            {
                "task": "learn",
                "root_seed": 1,
                "grid": {
                    "dim": 4,
                    "freq": 1.0,
                    "samples": 10,
                    "target": "network",
                    "activation": ["triangle", "cosine"],
                },
                "learners": [{"name": "mean"}],
            }
        )
    with pytest.raises(ParameterError, match=r"grid.beta must satisfy 0 < beta < 1"):
        parse_spec(
            {
                "task": "distinguish",
                "root_seed": 1,
                "grid": {"dim": 4, "beta": [0.1, 0.0], "samples": 100},
                "learners": [{"name": "mean"}],
            }
        )


def test_distinguish_reports_both_proportions():
    spec = parse_spec(
        {
            "task": "distinguish",
            "root_seed": 1,
            "grid": {"dim": 4, "beta": 0.01, "samples": 300, "trials": 3},
            "learners": [{"name": "mean"}],
        }
    )
    rec = run_task(spec.tasks()[0])
    assert rec.status == "ok", rec.error_message
    m = rec.metrics
    assert m["advantage"] == m["p_clwe_given_clwe"] - m["p_clwe_given_null"]
    assert m["advantage_lo"] <= m["advantage"] <= m["advantage_hi"]
    assert m["gamma_used"] == pytest.approx(4.0)


def fake_attack(**kw):
    """Recovers exactly when the noise is below 2^-(3 * dim): a known threshold."""
    return {"recovered": kw["noise_bits"] >= 3 * kw["dim"], "cosine": 1.0, "seconds": 0.0}


def test_threshold_bisects_to_the_known_edge(monkeypatch):
    monkeypatch.setattr(_lattice, "_lattice_attack", lambda: fake_attack)
    spec = parse_spec(
        {
            "task": "threshold",
            "root_seed": 1,
            "grid": {
                "dim": [5, 9],
                "bits_low": 0,
                "bits_high": 100,
                "resolution": 1,
                "attempts": 2,
            },
        }
    )
    got = {}
    for task in spec.tasks():
        rec = run_task(task)
        assert rec.status == "ok", rec.error_message
        got[task.params["dim"]] = rec.metrics
    assert got[5]["noise_bits"] == 15.0 and got[5]["bits_fail"] == 14.0
    assert got[9]["noise_bits"] == 27.0 and got[9]["converged"] and got[9]["success"]
    assert got[9]["probes"] == len(got[9]["probe_bits"]) <= 9


def test_threshold_censoring_and_attack_kind(monkeypatch):
    monkeypatch.setattr(_lattice, "_lattice_attack", lambda: fake_attack)
    out = bisect_threshold(lambda b: False, bits_low=0, bits_high=10, resolution=1)
    assert out["noise_bits"] is None and out["censored"] == "above_range"
    out = bisect_threshold(lambda b: True, bits_low=3, bits_high=10, resolution=1)
    assert out["noise_bits"] == 3.0 and out["censored"] == "below_range"
    spec = parse_spec(
        {"task": "attack", "root_seed": 1, "grid": {"dim": 4, "noise_bits": [10, 20]}}
    )
    recs = [run_task(t) for t in spec.tasks()]
    assert [r.metrics["success"] for r in recs] == [False, True]
    with pytest.raises(ParameterError, match="grid.bits_high must be > grid.bits_low"):
        parse_spec(
            {
                "task": "threshold",
                "root_seed": 1,
                "grid": {"dim": 4, "bits_low": 50, "bits_high": 10},
            }
        )
    with pytest.raises(ParameterError, match="learners is not used by task 'attack'"):
        parse_spec(
            {
                "task": "attack",
                "root_seed": 1,
                "grid": {"dim": 4, "noise_bits": 9},
                "learners": [{"name": "mean"}],
            }
        )
