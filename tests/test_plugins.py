"""Plug-in learners (``pkg.module:Name``), ``random_state``, scikit-learn meta-estimators.

The plug-ins used by name below are defined in this module, so they are reached as
``test_plugins:Name`` (pytest puts ``tests/`` on ``sys.path``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from hardlearn.errors import ParameterError
from hardlearn.learners import (
    MLPRegressor,
    RandomFeaturesRegressor,
    RidgeRegressor,
    make_learner,
)
from hardlearn.learners.registry import available_learners, copy_learner, learner_parameters


class PlainMean:
    """A user's learner: fit / predict only, no scikit-learn base class, no get_params."""

    def __init__(self, shift: float = 0.0) -> None:
        self.shift = shift

    def fit(self, X, y):
        self.mean = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(np.asarray(X).shape[0], self.mean + self.shift)


def plain_factory(shift: float = 0.0) -> PlainMean:
    """A factory returning a fresh learner."""
    return PlainMean(shift)


PLAIN_INSTANCE = PlainMean(0.0)
NOT_A_LEARNER = 42


class FailsInFit(PlainMean):
    """Builds fine (the sweep file is accepted) and fails in the worker."""

    def fit(self, X, y):
        raise RuntimeError("this plug-in always fails in fit")


def not_a_regressor_factory():
    return "a string"


@pytest.mark.parametrize(
    "name", ["test_plugins:PlainMean", "test_plugins:plain_factory", "test_plugins:PLAIN_INSTANCE"]
)
def test_the_three_ways_give_a_fresh_learner(name):
    est = make_learner(name)
    assert est is not PLAIN_INSTANCE
    assert est.fit(np.zeros((3, 2)), [1.0, 2.0, 3.0]).predict(np.zeros((2, 2))).tolist() == [
        2.0, 2.0
    ]
    assert not hasattr(PLAIN_INSTANCE, "mean")  # the instance itself is never fitted


def test_params_pass_through_and_bad_ones_are_refused():
    assert make_learner("test_plugins:PlainMean", {"shift": 1.5}).shift == 1.5
    assert make_learner("test_plugins:plain_factory", {"shift": 2.0}).shift == 2.0
    with pytest.raises(ParameterError, match="refused params"):
        make_learner("test_plugins:PlainMean", {"nope": 1})
    with pytest.raises(ParameterError, match="without set_params"):
        make_learner("test_plugins:PLAIN_INSTANCE", {"shift": 1.0})
    # A scikit-learn estimator class from another package works the same way.
    est = make_learner("sklearn.linear_model:Ridge", {"alpha": 3.0})
    assert est.alpha == 3.0


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("no_such_module_h14:Net", "cannot import module 'no_such_module_h14'"),
        ("test_plugins:Missing", "has no attribute 'Missing'"),
        ("test_plugins:NOT_A_LEARNER", "found an object of type int"),
        ("test_plugins:not_a_regressor_factory", "gave an object of type str"),
        ("test_plugins:", "must look like 'pkg.module:Name'"),
        ("nonesuch", "must be one of"),
    ],
)
def test_bad_plugins_fail_with_one_line_naming_the_learner(name, match):
    with pytest.raises(ParameterError, match=match) as info:
        make_learner(name)
    assert "\n" not in str(info.value)


def test_copy_learner_clones_or_deep_copies():
    a = RidgeRegressor(alpha=2.0)
    b = copy_learner(a)
    assert b is not a and b.alpha == 2.0
    p = PlainMean(1.0)
    q = copy_learner(p)
    assert q is not p and q.shift == 1.0


def test_learners_command_lists_built_in(cli):
    code, out, err = cli("learners", "--json")
    assert code == 0, err
    table = json.loads(out)
    assert set(table) >= {"mean", "ridge", "mlp"}
    assert table == available_learners()
    assert learner_parameters("test_plugins:PlainMean") == {}


def test_plugin_through_learn_and_distinguish(cli, tmp_path):
    code, out, err = cli("learn", "--learner", "test_plugins:PlainMean", "--dim", "4",
                         "--samples", "200", "--test-samples", "1000", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["learner"] == "test_plugins:PlainMean" and abs(data["advantage"]) < 0.1
    code, out, err = cli("distinguish", "--learner", "test_plugins:plain_factory", "--dim", "4",
                         "--trials", "3", "--json")
    assert code == 0, err
    assert json.loads(out)["trials"] == 3
    code, _, err = cli("learn", "--learner", "test_plugins:NOT_A_LEARNER", "--dim", "4")
    assert code == 2 and "NOT_A_LEARNER" in err


def test_learn_and_distinguish_on_data_files(cli, tmp_path):
    train, test, clwe = tmp_path / "train.npz", tmp_path / "test.parquet", tmp_path / "c.npz"
    for path, n in ((train, 2000), (test, 500)):
        code, _, err = cli("sample", "regression", "--dim", "4", "--samples", str(n),
                           "--freq", "0.25", "--out", str(path))
        assert code == 0, err
    code, out, err = cli("learn", "--learner", "rf", "--param", "n_components=300",
                         "--data", str(train), "--test", str(test), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["train_samples"] == 2000 and data["test_samples"] == 500
    assert data["reference"] == "y" and data["advantage"] > 0.3  # freq 0.25 is easy
    code, out, err = cli("learn", "--learner", "test_plugins:PlainMean", "--data", str(train),
                         "--json")
    assert code == 0, err
    held = json.loads(out)
    assert held["test_samples"] == 500 and abs(held["advantage"]) < 0.05
    code, _, err = cli("sample", "clwe", "--dim", "4", "--samples", "300", "--out", str(clwe))
    assert code == 0, err
    code, out, err = cli("distinguish", "--learner", "oracle", "--data", str(clwe), "--json")
    assert code == 2 and "needs the target" in err
    code, out, err = cli("distinguish", "--learner", "test_plugins:PlainMean", "--data",
                         str(clwe), "--json")
    assert code == 0, err
    assert json.loads(out)["decision"] in ("clwe", "null")
    code, _, err = cli("distinguish", "--learner", "mean", "--data", str(train))
    assert code == 2 and "must hold CLWE samples" in err


# ----------------------------------------------------------------------------- random_state


@pytest.mark.parametrize("name", ["mean", "ridge", "kernel", "rf", "mlp", "lattice"])
def test_every_learner_accepts_random_state(name):
    params = make_learner(name, target=lambda X: X[:, 0]).get_params()
    assert "random_state" in params and params["random_state"] is None


def test_random_state_wins_over_rng_and_seed_learner_keeps_old_streams():
    from hardlearn.metrics import seed_learner

    X = np.random.default_rng(0).standard_normal((50, 3))
    y = X[:, 0]
    a = RandomFeaturesRegressor(n_components=20, rng=1, random_state=7).fit(X, y)
    b = RandomFeaturesRegressor(n_components=20, rng=7).fit(X, y)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    # The sweep engine still seeds rng (as before), so stored results do not change.
    seeded = seed_learner(RandomFeaturesRegressor(), np.random.default_rng(3))
    assert seeded.random_state is None and isinstance(seeded.rng, int)
    kept = seed_learner(RandomFeaturesRegressor(random_state=5), np.random.default_rng(3))
    assert kept.rng is None and kept.random_state == 5


def test_bagging_over_random_features_builds_different_members():
    from sklearn.ensemble import BaggingRegressor

    X = np.random.default_rng(0).standard_normal((200, 3))
    y = np.abs(X[:, 0])
    bag = BaggingRegressor(RandomFeaturesRegressor(n_components=30), n_estimators=3,
                           random_state=0).fit(X, y)
    weights = [m.weights_ for m in bag.estimators_]
    assert not np.allclose(weights[0], weights[1])
    assert bag.predict(X[:5]).shape == (5,)


def test_grid_search_and_pipeline_over_package_learners():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.random.default_rng(1).standard_normal((120, 2))
    y = X[:, 0] * X[:, 1]
    search = GridSearchCV(RidgeRegressor(), {"degree": [1, 2]}, cv=3).fit(X, y)
    assert search.best_params_ == {"degree": 2}
    pipe = make_pipeline(StandardScaler(), MLPRegressor(width=8, steps=20, device="cpu"))
    pipe.set_params(mlpregressor__random_state=3)
    assert pipe.fit(X, y).predict(X[:4]).shape == (4,)


# ----------------------------------------------------------------------------- in workers


def test_plugin_learner_in_a_two_worker_sweep(tmp_path):
    from hardlearn.experiments import parse_spec, read_results, run_sweep

    spec = parse_spec({
        "task": "learn", "root_seed": 3, "budget_seconds": 60,
        "grid": {"dim": 4, "freq": [0.5, 1.0], "samples": 200, "test_samples": 500},
        "learners": [{"name": "test_plugins:PlainMean"}, {"name": "test_plugins:FailsInFit"}],
    })
    summary = run_sweep(spec, tmp_path / "run", workers=2)
    assert summary.total == 4
    rows = read_results(tmp_path / "run")
    ok = [r for r in rows if r["learner"] == "test_plugins:PlainMean"]
    bad = [r for r in rows if r["learner"] == "test_plugins:FailsInFit"]
    assert [r["status"] for r in ok] == ["ok", "ok"]
    assert all(abs(r["advantage"]) < 0.2 for r in ok)
    # A learner failing inside the worker: a recorded failed trial with its message.
    assert [r["status"] for r in bad] == ["failed", "failed"]
    assert all("always fails in fit" in r["error_message"] for r in bad)
    # One that is not a regressor is refused when the file is read, naming it.
    with pytest.raises(ParameterError, match="NOT_A_LEARNER"):
        parse_spec({"task": "learn", "root_seed": 0, "grid": {"dim": 4, "freq": 1.0,
                    "samples": 10}, "learners": [{"name": "test_plugins:NOT_A_LEARNER"}]})


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_plugin_task_kind_runs_in_workers(tmp_path, executor):
    from hardlearn.experiments import parse_spec, read_results, run_sweep

    spec = parse_spec({
        "plugins": ["_plugin_kind"], "task": "h14_plugin_double", "root_seed": 1,
        "grid": {"x": [1.0, 2.0, 3.0]},
    })
    assert spec.plugins == ("_plugin_kind",) and "plugins" in spec.to_toml()
    run_sweep(spec, tmp_path / "run", workers=2, executor=executor)
    rows = read_results(tmp_path / "run")
    assert sorted(r["doubled"] for r in rows) == [2.0, 4.0, 6.0]
    assert all(r["status"] == "ok" for r in rows)
    assert all(r["pid"] != __import__("os").getpid() for r in rows)  # ran in workers


def test_plugins_key_refuses_a_missing_module():
    from hardlearn.experiments import parse_spec

    with pytest.raises(ParameterError, match=r"plugins\[0\]: cannot import module"):
        parse_spec({"plugins": ["no_such_mod_h14"], "task": "selftest", "root_seed": 0})
    with pytest.raises(ParameterError, match="plugins must be a list"):
        parse_spec({"plugins": "x", "task": "selftest", "root_seed": 0})
