"""Lattice labels for piecewise-linear activations (issue 16): hardlearn.learners.lattice_pl."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone

from hardlearn.errors import ParameterError
from hardlearn.learners.lattice import LatticeRegressor
from hardlearn.learners.lattice_pl import (
    PiecewiseLinearLatticeRegressor,
    branches,
    lattice_labels,
)
from hardlearn.problems.periodic import (
    PeriodicNeuron,
    PiecewiseLinearActivation,
    cosine_interpolant,
    cosine_wave,
)

ACTS = {
    # min -0.5 at 0.375, max 1 at 0.625, falls in two pieces: columns 1 and c
    "offset": PiecewiseLinearActivation([0.125, 0.375, 0.625], [0.25, -0.5, 1.0]),
    # rises in one piece, falls in two: column c only
    "fall2": PiecewiseLinearActivation([0.0, 0.25, 0.5], [0.0, 1.0, 0.5]),
    # a triangle of height 2 with its minimum at 1/4: column 1 only
    "tri-shift": PiecewiseLinearActivation([0.25, 0.75], [0.0, 2.0]),
    # symmetric about its minimum at 1/2: column 1 only
    "cosine-8": cosine_interpolant(8),
    "cosine-6": cosine_interpolant(6),
    "triangle": "triangle",
}
COLUMNS = {"offset": ("1", "c"), "fall2": ("c",), "tri-shift": ("1",), "cosine-8": ("1",),
           "cosine-6": ("1",), "triangle": ()}


def _activation(act):
    return PiecewiseLinearActivation([0.0, 0.5], [0.0, 0.5]) if act == "triangle" else act


@pytest.mark.parametrize("name", ACTS)
def test_transform_satisfies_the_triangle_relation(name):
    """Independent check: for exact labels y = phi(t), t - b0 - c(y) = k +- u(y)."""
    act = _activation(ACTS[name])
    t = np.random.default_rng(0).uniform(-5, 5, 5000)
    y = act(t)
    X = t[:, None]
    Xl, u, info = lattice_labels(ACTS[name], X, y)
    assert info["columns"] == COLUMNS[name]
    assert np.all((u >= -1e-15) & (u <= 0.5 + 1e-15))
    c = Xl[:, -1] if "c" in info["columns"] else 0.0
    r = (t - info["b0"] - c) % 1.0
    dist = np.minimum(np.abs(r - u), np.abs(1.0 - r - u))   # k + u, or k + 1 - u = k' - u
    assert float(np.max(dist)) < 1e-12


def test_triangle_is_left_as_it_is():
    X = np.random.default_rng(1).standard_normal((10, 3))
    y = np.linspace(0.0, 0.5, 10)
    Xl, u, info = lattice_labels("triangle", X, y)
    np.testing.assert_array_equal(Xl, X)
    np.testing.assert_allclose(u, y, rtol=0, atol=1e-15)
    assert branches("triangle")["min_slope"] == 1.0 and info["noise_gain"] == 1.0


@pytest.mark.parametrize("name", ACTS)
@pytest.mark.parametrize("seed", [0, 1])
def test_lattice_recovers_the_neuron(name, seed):
    d = 4
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    freq = 2 * math.sqrt(d) / math.sqrt(2 * math.pi)    # gamma = 2 sqrt d
    f = PeriodicNeuron(w, freq, _activation(ACTS[name]))
    X = rng.standard_normal((60, d))
    y = f(X) + 2.0**-30 * rng.standard_normal(60)
    est = PiecewiseLinearLatticeRegressor(ACTS[name], noise_bits=30).fit(X, y)
    assert est.status_ == "recovered" and est.columns_ == COLUMNS[name]
    assert est.freq_ == pytest.approx(freq, rel=1e-6)
    assert abs(est.secret_ @ w) > 1 - 1e-9
    Xt = rng.standard_normal((2000, d))
    assert float(np.max(np.abs(est.predict(Xt) - f(Xt)))) < 1e-6   # the sign is right too
    for key, value in (est.extra_coef_ or {}).items():
        if key == "c":
            assert value == pytest.approx(-1.0, abs=1e-6)


class _FakeLattice(BaseEstimator):
    """Stands in for LatticeRegressor: finds the trivial relation of proportional branches
    (coefficient -5/3 on c, zero on x) at its first sample count, the neuron's relation
    ``truth`` when given more samples."""

    def __init__(self, labels="triangle", max_samples="auto", noise_bits=None, truth=None):
        self.labels = labels
        self.max_samples = max_samples
        self.noise_bits = noise_bits
        self.truth = truth

    def fit(self, X, y):
        v = np.zeros(X.shape[1])
        if self.max_samples == "auto":
            self.samples_used_ = 6
            v[-1] = -5.0 / 3.0
        else:
            assert self.max_samples == 12        # twice the samples of the first run
            self.samples_used_ = 12
            v = np.asarray(self.truth, dtype=float)
        self.recovered_, self.status_ = True, "recovered"
        self.freq_ = float(np.linalg.norm(v))
        self.secret_ = v / self.freq_
        return self


def test_a_relation_of_proportional_branches_is_retried_with_more_samples():
    d, act = 3, ACTS["fall2"]
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, d))
    truth = [0.3, -0.4, 1.2, -1.0]        # freq w, then -1 on the column c
    fake = _FakeLattice(truth=truth)
    est = PiecewiseLinearLatticeRegressor(act, estimator=fake).fit(X, act(X @ truth[:d]))
    assert est.retried_ and est.status_ == "recovered"
    np.testing.assert_allclose(est.freq_ * est.secret_, truth[:d])
    assert est.extra_coef_ == pytest.approx({"c": -1.0})
    # the same relation on the retry too: nothing is recovered, nothing wrong is predicted
    fake_again = _FakeLattice(truth=[0.0, 0.0, 0.0, -5.0 / 3.0])
    est = PiecewiseLinearLatticeRegressor(act, estimator=fake_again).fit(X, act(X @ truth[:d]))
    assert est.retried_ and est.status_ == "not_recovered" and est.secret_ is None


def test_labels_all_in_a_proportional_region_never_give_a_wrong_neuron():
    # fall2's branches have the constant ratio 1/4 for labels below 1/2: on such samples
    # alone the trivial relation holds too; the known coefficient tells the two apart
    d, act = 4, ACTS["fall2"]
    rng = np.random.default_rng(2)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    f = PeriodicNeuron(w, 2 * math.sqrt(d) / math.sqrt(2 * math.pi), act)
    X = rng.standard_normal((400, d))
    X = X[f(X) < 0.45][:60]
    y = f(X) + 2.0**-30 * rng.standard_normal(X.shape[0])
    est = PiecewiseLinearLatticeRegressor(act, noise_bits=30).fit(X, y)
    assert est.status_ in ("recovered", "not_recovered")
    if est.recovered_:
        Xt = rng.standard_normal((2000, d))
        assert float(np.max(np.abs(est.predict(Xt) - f(Xt)))) < 1e-6
    else:
        assert est.secret_ is None


def test_polynomial_noise_is_not_recovered_and_predicts_the_mean():
    d, act = 4, ACTS["offset"]
    rng = np.random.default_rng(3)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    X = rng.standard_normal((60, d))
    y = PeriodicNeuron(w, 1.6, act)(X) + 0.05 * rng.standard_normal(60)
    est = PiecewiseLinearLatticeRegressor(act).fit(X, y)
    assert est.status_ == "not_recovered" and est.secret_ is None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pred = est.predict(X[:5])
    np.testing.assert_array_equal(pred, np.full(5, np.mean(y)))
    assert any("nothing was recovered" in str(c.message) for c in caught)


def test_scikit_learn_parameters_and_clone():
    est = PiecewiseLinearLatticeRegressor(ACTS["fall2"], noise_bits=20,
                                          estimator=LatticeRegressor(labels="triangle"))
    params = clone(est).get_params(deep=False)
    assert params["noise_bits"] == 20 and params["activation"] == ACTS["fall2"]


@pytest.mark.parametrize("act, needle", [
    (PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 0.5, 0.5, 0.0]), "no flat piece"),
    (PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 1.0, 0.0, 1.0]),
     "one minimum, one maximum"),
    (PiecewiseLinearActivation([0.0, 0.25], [0.0, 1.0], name="tent"), "proportional branches"),
    (cosine_wave, "must be a PiecewiseLinearActivation"),
])
def test_activations_the_triangle_lattice_cannot_take(act, needle):
    X = np.random.default_rng(0).standard_normal((8, 2))
    with pytest.raises(ParameterError, match=needle):
        PiecewiseLinearLatticeRegressor(act).fit(X, np.zeros(8))


def test_the_inner_learner_must_take_triangle_labels():
    X = np.random.default_rng(0).standard_normal((8, 2))
    with pytest.raises(ParameterError, match=r"estimator must be a LatticeRegressor with "
                                             r"labels='triangle'.*got 'clwe'"):
        PiecewiseLinearLatticeRegressor(ACTS["fall2"],
                                        estimator=LatticeRegressor()).fit(X, np.zeros(8))
