"""Piecewise-linear periodic activations and their capped ReLU networks (issue 16)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

import hardlearn as hl
from hardlearn.errors import ParameterError
from hardlearn.problems.network import capped_periodic_network
from hardlearn.reduction import estimate_advantage
from hardlearn.regimes import lzz_regime, network_width

TRI = hl.PiecewiseLinearActivation([0.0, 0.5, 1.0], [0.0, 0.5, 0.0])
TRAPEZOID = hl.PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 0.5, 0.5, 0.0])
OFFSET = hl.PiecewiseLinearActivation([0.125, 0.375, 0.625], [0.25, -0.5, 1.0])
#: slopes 4 and -4/3: not dyadic, so the network equals it only to rounding
TENT = hl.PiecewiseLinearActivation([0.0, 0.25], [0.0, 1.0], name="tent")
DYADIC = {"triangle": TRI, "trapezoid": TRAPEZOID, "offset": OFFSET}
ALL = {**DYADIC, "tent": TENT, "cosine-8": hl.cosine_interpolant(8)}


@pytest.mark.parametrize("name", DYADIC)
@pytest.mark.parametrize("radius", [1, 2, 5, 26])
def test_network_equals_clipped_activation_on_a_dyadic_grid(name, radius):
    act = DYADIC[name]
    net = capped_periodic_network(np.array([1.0]), 1.0, radius, activation=act)
    t = np.arange(-(radius + 3) * 1024, (radius + 3) * 1024 + 1) / 1024.0
    np.testing.assert_array_equal(net(t[:, None]), act(np.clip(t, -radius, radius)))
    assert net.width <= 2 * radius * act.kinks_per_period + 2
    assert net.width == network_width(radius, act)


@pytest.mark.parametrize("name", ["tent", "cosine-8"])
def test_network_equals_non_dyadic_activation_to_rounding(name):
    act = ALL[name]
    net = capped_periodic_network(np.array([1.0]), 1.0, 6, activation=act)
    t = np.arange(-9 * 1024, 9 * 1024 + 1) / 1024.0
    np.testing.assert_allclose(net(t[:, None]), act(np.clip(t, -6, 6)), rtol=0, atol=1e-12)


def test_triangle_as_piecewise_linear_gives_the_spec_network():
    w = hl.random_direction(5, rng=0)
    a = capped_periodic_network(w, 1.7, 4)
    b = capped_periodic_network(w, 1.7, 4, activation=TRI)
    np.testing.assert_array_equal(a.hidden_biases, b.hidden_biases)
    np.testing.assert_array_equal(a.output_weights, b.output_weights)
    assert b.output_bias == 0.0 and b.width == 17


def test_network_on_gaussian_inputs_matches_the_neuron_off_the_tail():
    w = hl.random_direction(6, rng=1)
    net = capped_periodic_network(w, 1.3, 7, activation=TRAPEZOID)
    X = np.random.default_rng(2).standard_normal((20_000, 6))
    t = 1.3 * (X @ w)
    np.testing.assert_allclose(net(X), TRAPEZOID(np.clip(t, -7, 7)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_lipschitz_range_and_uniform_moments(name):
    act = ALL[name]
    t = np.linspace(-1, 2, 300_001)
    v = act(t)
    assert act.lipschitz == pytest.approx(np.max(np.abs(np.diff(v) / np.diff(t))), rel=1e-6)
    assert act.low == pytest.approx(v.min()) and act.high == pytest.approx(v.max())
    knots = sorted(set(np.concatenate([act.breakpoints, [0.0, 1.0]]).tolist()))
    mean = sum(integrate.quad(lambda u: float(act(u)), a, b)[0]
               for a, b in zip(knots[:-1], knots[1:], strict=False))
    second = sum(integrate.quad(lambda u: float(act(u)) ** 2, a, b)[0]
                 for a, b in zip(knots[:-1], knots[1:], strict=False))
    assert act.uniform_mean == pytest.approx(mean, abs=1e-12)
    assert act.uniform_variance == pytest.approx(second - mean**2, abs=1e-12)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("freq", [0.01, 0.2, 1.5])
def test_gaussian_moments_against_quadrature(name, freq):
    act = ALL[name]
    span = 9.0
    # integrate phi(freq g) phi_N(g) piece by piece between the breakpoints in g
    periods = np.arange(math.floor(-span * freq) - 1, math.ceil(span * freq) + 2)
    cuts = (periods[:, None] + act.breakpoints[None, :]).ravel() / freq
    cuts = np.unique(np.concatenate([cuts[np.abs(cuts) < span], [-span, span]]))
    if cuts.size > 4000:
        pytest.skip("too many pieces for scalar quadrature")
    m = s = 0.0
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        m += integrate.quad(lambda g: float(act(freq * g)) * stats.norm.pdf(g), a, b)[0]
        s += integrate.quad(lambda g: float(act(freq * g)) ** 2 * stats.norm.pdf(g), a, b)[0]
    mean, second = act.gaussian_moments(freq)
    assert mean == pytest.approx(m, abs=1e-10) and second == pytest.approx(s, abs=1e-10)


@pytest.mark.parametrize("name", ALL)
def test_gaussian_moments_become_uniform_at_high_frequency(name):
    act = ALL[name]
    flat = act.gaussian_moments(2.5)
    assert flat == (act.uniform_mean, act.uniform_mean**2 + act.uniform_variance) or flat == (
        pytest.approx((act.uniform_mean, act.uniform_mean**2 + act.uniform_variance), abs=1e-15))
    assert act.gaussian_moments(1.99) == pytest.approx(flat, abs=1e-12)


def test_triangle_gaussian_moments_agree_with_the_fourier_series():
    for freq in (0.05, 0.3, 1.0, 3.0):
        a = TRI.gaussian_moments(freq)
        b = hl.triangle_wave.gaussian_moments(freq)
        assert a == pytest.approx(b, abs=1e-12)


def test_network_target_variance_by_monte_carlo():
    w = hl.random_direction(4, rng=3)
    net = capped_periodic_network(w, 0.6, 2, activation=OFFSET)
    problem = hl.NoisyRegression(net, 0.0)
    X, y = problem.sample(200_000, rng=4)
    centred = (y - problem.target_mean()) ** 2
    se = centred.std(ddof=1) / math.sqrt(y.size)
    assert abs(centred.mean() - problem.target_variance()) <= 5 * se
    neuron = hl.PeriodicNeuron(w, 0.6, OFFSET)
    assert abs(float(np.mean(neuron(X))) - neuron.mean()) <= 5 * np.std(neuron(X)) / math.sqrt(
        y.size)


@pytest.mark.parametrize("q", [4, 8, 16, 64])
def test_cosine_interpolant_sup_error_meets_the_bound(q):
    act = hl.cosine_interpolant(q)
    t = np.linspace(0.0, 1.0, 400_001)
    err = float(np.max(np.abs(act(t) - hl.cosine_wave(t))))
    bound = math.pi**2 / (2 * q**2)
    assert err <= bound
    # tight to leading order: cos(pi/q) (1 - cos(pi/q)) at t = 1/(2q)
    assert err >= math.cos(math.pi / q) * (1 - math.cos(math.pi / q)) - 1e-12
    # cos is odd about 1/4 and 3/4, so for q divisible by 4 the pieces there are collinear
    assert act.kinks_per_period == (q - 2 if q % 4 == 0 else q)


def test_piecewise_linear_works_in_the_reduction():
    est = estimate_advantage("oracle", dim=4, gamma=1.0, beta=0.01, noise_std=0.01, eps=0.01,
                             samples=400, trials=3, rng=0, activation=TRAPEZOID)
    assert est.advantage == 1.0 and est.parameters["activation"] == TRAPEZOID.name


def test_regime_width_for_a_piecewise_linear_activation():
    r = lzz_regime(16, activation=TRAPEZOID)
    assert r.width == network_width(r.radius, TRAPEZOID) == 8 * r.radius + 1


@pytest.mark.parametrize("bp, vals, match", [
    ([0.0, 0.5, 0.25], [0, 1, 0], "strictly increasing"),
    ([0.0, 0.5, 0.5], [0, 1, 0], "strictly increasing"),
    ([-0.25, 0.5], [0, 1], "inside one period"),
    ([0.5, 1.5], [0, 1], "inside one period"),
    ([0.0, 0.5, 1.0], [0.0, 0.5, 0.25], "continuous across the period"),
    ([0.0], [1.0], "at least 2 points"),
    ([0.0, 0.5], [0.0, float("nan")], "finite"),
    ([0.0, 0.5], [0.0, 1.0, 2.0], "shape"),
])
def test_bad_breakpoints(bp, vals, match):
    with pytest.raises(ParameterError, match=match):
        hl.PiecewiseLinearActivation(bp, vals)


def test_no_relu_network_for_the_cosine():
    with pytest.raises(ParameterError, match="piecewise-linear"):
        capped_periodic_network(np.array([1.0]), 1.0, 2, activation=hl.cosine_wave)
    with pytest.raises(ParameterError, match="pieces"):
        hl.cosine_interpolant(1)


def test_verify_check_passes():
    from hardlearn.verification import run_checks

    (check,) = run_checks(names=["piecewise_linear"])
    assert check.passed, check
