"""The reduction's mechanics: forward map, decision rule, learner factories, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hardlearn import CLWE, NullCLWE, PeriodicNeuron, random_direction
from hardlearn.conventions import SQRT_2PI, gamma_to_freq, wrap_centered
from hardlearn.errors import ParameterError, PrecisionError
from hardlearn.learners import MeanRegressor, OracleRegressor
from hardlearn.problems.periodic import triangle_wave
from hardlearn.reduction import (
    AdvantageEstimate,
    Distinguisher,
    build_learner,
    clwe_to_regression,
    distinguisher_threshold,
    estimate_advantage,
)


def test_forward_map_inputs_and_label_noise():
    w = random_direction(5, rng=0)
    s = CLWE(w, gamma=3.0, beta=1e-4).sample(20_000, rng=1)
    X, y = clwe_to_regression(s, "triangle", 0.05, rng=2)
    np.testing.assert_allclose(X, s.y * SQRT_2PI)
    resid = y - triangle_wave(s.z)
    assert abs(resid.std() - 0.05) < 5 * 0.05 / math.sqrt(2 * len(resid))
    # Under CLWE the clean label is tri(freq <w, x> + e'): e' is tiny here.
    clean = triangle_wave(gamma_to_freq(3.0) * (X @ w))
    assert np.max(np.abs(wrap_centered(triangle_wave(s.z) - clean))) < 1e-3


def test_forward_map_without_noise_and_bad_input():
    s = NullCLWE(3).sample(10, rng=0)
    X, y = clwe_to_regression(s, "cosine", 0.0, rng=0)
    np.testing.assert_array_equal(y, np.cos(2 * np.pi * s.z))
    with pytest.raises(ParameterError, match="CLWESamples"):
        clwe_to_regression((s.y, s.z), "triangle", 0.0, rng=0)
    with pytest.raises(ParameterError, match="noise_std"):
        clwe_to_regression(s, "triangle", -1.0, rng=0)
    with pytest.raises(ParameterError, match="activation must be one of"):
        clwe_to_regression(s, "sine", 0.0, rng=0)


def test_threshold_is_the_spec_rule():
    assert distinguisher_threshold("triangle", 0.1, 0.02) == pytest.approx(1 / 48 + 0.01 - 0.01)
    assert Distinguisher("mean", noise_std=0.1, eps=0.04).threshold == pytest.approx(1 / 48 - 0.01)


def test_decision_reports_loss_and_split():
    s = NullCLWE(4).sample(100, rng=0)
    d = Distinguisher("mean", "triangle", 0.01, eps=0.01, holdout=30).decide(s, rng=1)
    assert (d.train_samples, d.holdout_samples) == (70, 30)
    assert d.label == ("clwe" if d.loss < d.threshold else "null")
    assert d.loss_se > 0
    d2 = Distinguisher("mean", "triangle", 0.01, eps=0.01, holdout=0.2).decide(s, rng=1)
    assert d2.holdout_samples == 20


def test_predictions_are_clipped_to_the_activation_range():
    s = NullCLWE(2).sample(200, rng=0)

    def far_off(target):
        return OracleRegressor(target=lambda X: np.full(len(X), 7.0))

    d = Distinguisher(far_off, "triangle", 0.0, eps=0.01, holdout=100).decide(s, rng=0)
    # Predictions clipped to 0.5: loss = E (0.5 - tri(U))^2 = 1/12, not (7 - tri)^2.
    assert d.loss == pytest.approx(1 / 12, abs=0.02)


@pytest.mark.parametrize(
    "kwargs, samples, match",
    [
        ({"holdout": 100}, 100, "too few samples for the hold-out"),
        ({"holdout": 0}, 100, "holdout must"),
        ({"holdout": "half"}, 100, "holdout must be a count"),
        ({"eps": 0.0}, 100, "eps must satisfy"),
        ({"noise_std": -0.1}, 100, "noise_std"),
    ],
)
def test_distinguisher_errors(kwargs, samples, match):
    s = NullCLWE(3).sample(samples, rng=0)
    with pytest.raises(ParameterError, match=match):
        Distinguisher("mean", **kwargs).decide(s, rng=0)


def test_distinguisher_refuses_other_data():
    with pytest.raises(ParameterError, match="CLWESamples"):
        Distinguisher("mean").decide(np.zeros((5, 2)), rng=0)


def test_build_learner_accepts_every_form():
    f = PeriodicNeuron([1.0, 0.0], 1.0)
    gen = np.random.default_rng(0)
    assert isinstance(build_learner("mean"), MeanRegressor)
    assert build_learner(("mlp", {"width": 3}), rng=gen).width == 3
    assert build_learner({"name": "ridge", "params": {"alpha": 2.0}}).alpha == 2.0
    assert build_learner("oracle", target=f).target is f
    assert isinstance(build_learner(MeanRegressor()), MeanRegressor)
    assert build_learner(lambda target: OracleRegressor(target), target=f).target is f
    assert isinstance(build_learner(lambda: MeanRegressor()), MeanRegressor)
    # A seed chosen by the caller is kept; a None seed is filled from the trial's stream.
    assert build_learner(("rf", {"rng": 3}), rng=gen).rng == 3
    assert build_learner("rf", rng=gen).rng is not None
    with pytest.raises(ParameterError, match="learner must be"):
        build_learner(3.5)
    with pytest.raises(ParameterError, match="must return an estimator"):
        build_learner(lambda: 3)


def test_estimate_advantage_result_and_reproducibility():
    kw = dict(dim=6, gamma=2 * math.sqrt(6), beta=0.01, noise_std=0.01, eps=0.01,
              samples=200, holdout=50, trials=4, rng=5)
    a = estimate_advantage("oracle", **kw)
    b = estimate_advantage("oracle", **kw)
    assert isinstance(a, AdvantageEstimate)
    assert a.losses_clwe == b.losses_clwe and a.losses_null == b.losses_null
    d = a.as_dict()
    for key in ("advantage", "advantage_ci", "p_clwe_given_clwe", "p_clwe_given_clwe_ci",
                "p_clwe_given_null", "p_clwe_given_null_ci", "trials", "dim", "learner"):
        assert key in d
    assert d["advantage"] == d["p_clwe_given_clwe"] - d["p_clwe_given_null"]
    assert d["learner"] == "oracle" and d["trials"] == 4
    with pytest.raises(dataclasses_error()):
        a.trials = 5  # frozen


def dataclasses_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_estimate_advantage_errors():
    kw = dict(dim=4, gamma=4.0, beta=0.01, noise_std=0.01, eps=0.01, rng=0)
    with pytest.raises(ParameterError, match="too few samples"):
        estimate_advantage("mean", samples=10, holdout=10, **kw)
    with pytest.raises(ParameterError, match="learner 'mlp' has no parameter 'depth'"):
        estimate_advantage("mlp", params={"depth": 2}, samples=100, trials=1, **kw)
    with pytest.raises(PrecisionError):
        estimate_advantage("mean", samples=100, **{**kw, "beta": 1e-17})
