"""The exhaustive-search learner (issue 16): net size, learning at small d, refusal."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hardlearn import NoisyRegression, PeriodicNeuron, random_direction
from hardlearn.errors import ParameterError
from hardlearn.learners import ExhaustiveSearchRegressor, make_learner
from hardlearn.learners.exhaustive import direction_net, net_size, net_spacing, search_cost


@pytest.mark.parametrize("dim", [2, 3, 4])
def test_net_has_the_stated_size_and_covering_angle(dim):
    angle = 0.3
    W = direction_net(dim, angle)
    assert W.shape == (net_size(dim, angle), dim)
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 1.0)
    # random unit vectors (up to sign) are within the covering angle of the net
    U = np.random.default_rng(0).standard_normal((2000, dim))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    cos = np.max(np.abs(U @ W.T), axis=1)
    assert np.arccos(np.clip(cos, -1, 1)).max() <= angle + 1e-12


def test_net_size_grows_exponentially_with_dim():
    sizes = [net_size(d, 0.3) for d in range(2, 9)]
    ratios = [b / a for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    assert all(r > 8 for r in ratios)
    assert search_cost(5, 10**6, 0.3, 12, 2000) == net_size(5, 0.3) * 12 * 2000
    assert net_spacing(1, 0.3) == 1.0


def _hard_instance(dim, m, seed=0):
    freq = 2 * math.sqrt(dim) / math.sqrt(2 * math.pi)   # gamma = 2 sqrt d
    w = random_direction(dim, rng=seed)
    f = PeriodicNeuron(w, freq)
    problem = NoisyRegression(f, dim**-2.0)                # polynomial noise
    X, y = problem.sample(m, rng=seed + 1)
    return f, w, problem, X, y


def test_learns_the_hard_instance_at_d2():
    f, w, problem, X, y = _hard_instance(2, 2000)
    est = make_learner("exhaustive", {"rng": 0}).fit(X, y)
    Xt = problem.sample_inputs(20_000, rng=5)
    advantage = 1 - np.mean((est.predict(Xt) - f(Xt)) ** 2) / problem.target_variance()
    assert advantage > 0.99
    assert abs(abs(est.direction_ @ w) - 1) < 1e-4 and est.freq_ == pytest.approx(f.freq, rel=5e-3)
    assert est.net_size_ == net_size(2, 0.3)


def test_same_seed_same_fit():
    _, _, _, X, y = _hard_instance(3, 3000)
    kw = dict(freqs=(1.3, 1.4), search_samples=500, rng=3)
    a = ExhaustiveSearchRegressor(**kw).fit(X, y)
    b = ExhaustiveSearchRegressor(**kw).fit(X, y)
    np.testing.assert_array_equal(a.direction_, b.direction_)


def test_refuses_a_net_over_budget_before_work():
    X = np.zeros((100, 9))
    y = np.zeros(100)
    est = ExhaustiveSearchRegressor()
    with pytest.raises(ParameterError, match=r"dim=9 needs a net of .* max_evaluations"):
        est.fit(X, y)
    assert not hasattr(est, "search_seconds_")
    with pytest.raises(ParameterError, match="max_memory_mb"):
        ExhaustiveSearchRegressor(max_memory_mb=1e-6, freqs=(1.0,)).fit(X[:, :3], y)


@pytest.mark.parametrize("params, match", [
    ({"freqs": (0.0,)}, "freqs must be positive"),
    ({"freq_grid": (1.0, 0.5, 3)}, "freq_grid high"),
    ({"angle": 0.0}, "angle"),
    ({"search_samples": 1}, "search_samples"),
])
def test_bad_parameters(params, match):
    X = np.random.default_rng(0).standard_normal((50, 2))
    with pytest.raises(ParameterError, match=match):
        ExhaustiveSearchRegressor(**params).fit(X, X[:, 0])


@pytest.mark.slow
def test_sklearn_compatible():
    """scikit-learn's estimator checks (slow: some fit 10-feature data, a 5-million-point net)."""
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(ExhaustiveSearchRegressor(freqs=(1.0,), angle=1.0, refine_iter=2,
                                              search_samples=50))
