"""The problem objects: shapes, exact identities, validation (mathematics sections 2-3, 7)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import hardlearn as hl
from hardlearn.problems.network import capped_triangle_coefficients


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def test_random_direction_is_unit_and_reproducible():
    a = hl.random_direction(50, rng=3)
    b = hl.random_direction(50, rng=np.random.default_rng(3))
    assert a.shape == (50,) and a.dtype == np.float64
    assert abs(np.linalg.norm(a) - 1) < 1e-14
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("radius", [1, 2, 3, 7, 26, 40])
def test_capped_network_equals_clipped_triangle_exactly(radius):
    net = hl.capped_periodic_network(np.array([1.0]), freq=1.0, radius=radius)
    assert net.width == 4 * radius + 1
    t = np.arange(-(radius + 2) * 512, (radius + 2) * 512 + 1) / 512.0
    np.testing.assert_array_equal(net(t[:, None]), hl.triangle_wave(np.clip(t, -radius, radius)))


def test_capped_network_structure():
    w = hl.random_direction(5, rng=0)
    net = hl.capped_periodic_network(w, freq=2.5, radius=3)
    np.testing.assert_allclose(net.hidden_weights, np.tile(2.5 * w, (13, 1)))
    biases, out = capped_triangle_coefficients(3)
    np.testing.assert_array_equal(net.hidden_biases, biases)
    assert set(net.output_weights.tolist()) == {1.0, 2.0, -2.0}
    assert net.output_bias == 0.0
    assert set(net.hidden_biases.tolist()) <= {3.0, -3.0} | {-i / 2 for i in range(-5, 6)}


def test_network_matches_periodic_neuron_inside_radius(rng):
    w = hl.random_direction(10, rng=rng)
    net = hl.capped_periodic_network(w, freq=1.5, radius=20)
    neuron = hl.PeriodicNeuron(w, freq=1.5)
    X = rng.standard_normal((5000, 10))
    np.testing.assert_allclose(net(X), neuron(X), atol=1e-12)


def test_torch_module_equals_numpy(rng):
    W = rng.standard_normal((7, 4))
    net = hl.OneHiddenLayerReLU(W, rng.standard_normal(7), rng.standard_normal(7), 0.3)
    X = rng.standard_normal((100, 4))
    with torch.no_grad():
        out = net.to_torch()(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(out, net(X), rtol=0, atol=1e-12)
    assert out.shape == (100,)


def test_generic_network_and_moments(rng):
    net = hl.OneHiddenLayerReLU([[1.0, 0.0]], [0.0], [1.0])
    mean, second = net.gaussian_moments()
    assert abs(mean - 1 / math.sqrt(2 * math.pi)) < 1e-14
    assert abs(second - 0.5) < 1e-14
    not_ridge = hl.OneHiddenLayerReLU(rng.standard_normal((3, 2)), np.zeros(3), np.ones(3))
    assert not_ridge.ridge_profile() is None
    with pytest.raises(hl.ParameterError, match="ridge"):
        not_ridge.gaussian_moments()


def test_capped_moments_converge_to_neuron_moments():
    # Large radius: the capped network and the neuron agree except on a negligible tail.
    net = hl.capped_periodic_network(np.array([1.0, 0.0]), freq=0.8, radius=12)
    mean, second = net.gaussian_moments()
    m2, s2 = hl.triangle_wave.gaussian_moments(0.8)
    assert abs(mean - m2) < 1e-12 and abs(second - s2) < 1e-12


def test_periodic_activation_constants():
    tri, cos = hl.triangle_wave, hl.cosine_wave
    assert (tri.period, tri.lipschitz, tri.uniform_mean, tri.uniform_variance) == (
        1.0, 1.0, 0.25, 1 / 48)
    assert cos.lipschitz == 2 * math.pi and cos.uniform_variance == 0.5
    t = np.linspace(-3, 3, 1001)
    np.testing.assert_allclose(tri(t + 1), tri(t), atol=1e-12)
    assert tri(t).min() >= 0 and tri(t).max() <= 0.5
    # Gaussian moments: limits at freq -> 0 and freq -> inf.
    assert tri.gaussian_moments(1e-3)[0] < 1e-3
    mean, second = tri.gaussian_moments(20.0)
    assert abs(mean - 0.25) < 1e-14 and abs(second - mean**2 - 1 / 48) < 1e-14
    assert abs(cos.gaussian_moments(0.3)[0] - math.exp(-2 * math.pi**2 * 0.09)) < 1e-15


def test_clwe_shapes_and_range(rng):
    w = hl.random_direction(8, rng=rng)
    s = hl.CLWE(w, gamma=5.0, beta=0.05).sample(1000, rng=rng)
    assert s.y.shape == (1000, 8) and s.z.shape == (1000,)
    assert np.all((s.z >= 0) & (s.z < 1))
    null = hl.NullCLWE(8).sample(10, rng=rng)
    assert isinstance(null, hl.CLWESamples) and len(null) == 10 and null.dim == 8
    assert hl.HomogeneousCLWE(w, 5.0, 0.05).sample(3, rng=rng).shape == (3, 8)
    assert hl.CLWE(w, 5.0, 0.05).sample(0, rng=rng).y.shape == (0, 8)


def test_samplers_are_reproducible():
    w = hl.random_direction(6, rng=0)
    a = hl.CLWE(w, 4.0, 0.1).sample(50, rng=9)
    b = hl.CLWE(w, 4.0, 0.1).sample(50, rng=9)
    np.testing.assert_array_equal(a.z, b.z)
    np.testing.assert_array_equal(a.y, b.y)


def test_hclwe_marginal_cdf_is_a_cdf():
    h = hl.HomogeneousCLWE(np.array([1.0, 0.0]), gamma=3.0, beta=0.2)
    t = np.linspace(-3, 3, 501)
    cdf = h.marginal_cdf(t)
    assert np.all(np.diff(cdf) >= 0)
    assert cdf[0] < 1e-6 and cdf[-1] > 1 - 1e-6
    assert abs(float(h.marginal_cdf(0.0)) - 0.5) < 1e-12   # symmetric mixture


def test_regression_sample_and_exact_variance(rng):
    w = hl.random_direction(4, rng=rng)
    problem = hl.NoisyRegression(hl.PeriodicNeuron(w, 0.4), noise_std=0.1)
    X, y = problem.sample(100, rng=rng)
    assert X.shape == (100, 4) and y.shape == (100,)
    assert abs(problem.target_variance() - hl.triangle_wave.gaussian_variance(0.4)) < 1e-15
    clean = hl.NoisyRegression(hl.PeriodicNeuron(w, 0.4), noise_std=0.0)
    X, y = clean.sample(10, rng=1)
    np.testing.assert_array_equal(y, clean.target(X))


# --- bad input --------------------------------------------------------------------------

BAD = [
    (lambda: hl.random_direction(0, rng=0), "dim must be an integer >= 1; got 0"),
    (lambda: hl.random_direction(2.5, rng=0), "dim must be an integer >= 1; got 2.5"),
    (lambda: hl.CLWE([1.0, 0.0], gamma=0.0, beta=0.1), "gamma must satisfy 0 < gamma"),
    (lambda: hl.CLWE([1.0, 0.0], gamma=-1.0, beta=0.1), "got -1.0"),
    (lambda: hl.CLWE([1.0, 0.0], gamma=2.0, beta=1.0), "beta must satisfy 0 < beta < 1"),
    (lambda: hl.CLWE([1.0, 0.0], gamma=2.0, beta=0.0), "beta must satisfy 0 < beta < 1"),
    (lambda: hl.CLWE([1.0, 0.0], gamma=float("nan"), beta=0.1), "gamma must be a finite"),
    (lambda: hl.CLWE([1.0, 0.0], gamma=float("inf"), beta=0.1), "gamma must be a finite"),
    (lambda: hl.CLWE([1.0, 1.0], gamma=2.0, beta=0.1), "secret must be a unit vector"),
    (lambda: hl.CLWE([[1.0]], gamma=2.0, beta=0.1), "secret must have 1 axes"),
    (lambda: hl.CLWE([np.nan, 1.0], gamma=2.0, beta=0.1), "secret must hold finite"),
    (lambda: hl.HomogeneousCLWE([1.0], gamma=2.0, beta=2.0), "beta must satisfy"),
    (lambda: hl.NullCLWE(-3), "dim must be an integer >= 1; got -3"),
    (lambda: hl.NullCLWE(3).sample(-1, rng=0), "m must be an integer >= 0; got -1"),
    (lambda: hl.NullCLWE(3).sample(5, rng=None), "rng must be a numpy.random.Generator"),
    (lambda: hl.capped_periodic_network([1.0], 1.0, 0), "radius must be an integer >= 1"),
    (lambda: hl.capped_periodic_network([1.0], 1.0, 1.5), "radius must be an integer >= 1"),
    (lambda: hl.capped_periodic_network([1.0], -1.0, 2), "freq must satisfy 0 < freq"),
    (lambda: hl.capped_periodic_network([0.6, 0.6], 1.0, 2), "secret must be a unit vector"),
    (lambda: hl.OneHiddenLayerReLU(np.ones((2, 3)), np.ones(3), np.ones(2)),
     r"hidden_biases must have shape \(2,\)"),
    (lambda: hl.NoisyRegression(hl.PeriodicNeuron([1.0], 1.0), -0.1), "noise_std must satisfy"),
    (lambda: hl.NoisyRegression("not a target", 0.1), "target must be callable"),
    (lambda: hl.capped_periodic_network([1.0, 0.0], 1.0, 2)(np.ones((3, 5))),
     r"X must have shape \(any, 2\)"),
]


@pytest.mark.parametrize("call, message", BAD)
def test_bad_input_raises_parameter_error(call, message):
    with pytest.raises(hl.ParameterError, match=message):
        call()


def test_tiny_noise_raises_precision_error():
    with pytest.raises(hl.PrecisionError, match="hardlearn.problems.exact"):
        hl.CLWE([1.0, 0.0], gamma=10.0, beta=1e-16)
    with pytest.raises(hl.PrecisionError, match="hardlearn.problems.exact"):
        hl.NoisyRegression(hl.PeriodicNeuron([1.0], 1.0), noise_std=1e-17)
    # Noise just above the floor is accepted.
    hl.NoisyRegression(hl.PeriodicNeuron([1.0], 1.0), noise_std=1e-13)


@pytest.mark.parametrize("freq", [1e-10, 1e-5, 1e-3, 0.02, 0.049])
def test_triangle_moments_at_small_frequency(freq):
    # tri(f g) = f |g| while |f g| < 1/2: Var = f^2 (1 - 2/pi), E = f sqrt(2/pi).
    mean, second = hl.triangle_wave.gaussian_moments(freq)
    assert mean == pytest.approx(freq * math.sqrt(2 / math.pi), rel=1e-12)
    assert second - mean**2 == pytest.approx(freq**2 * (1 - 2 / math.pi), rel=1e-9)


def test_hclwe_refuses_noise_float64_cannot_carry():
    with pytest.raises(hl.PrecisionError, match="rounded flat"):
        hl.HomogeneousCLWE([1.0, 0.0], gamma=100.0, beta=1e-14)


def test_network_width_is_checked_before_building():
    """A capped network whose width x d is above the allocation limit is refused at once, with
    the width rule in the message; the bound is exact for the triangle and an upper bound
    on the measured width for another piecewise-linear activation."""
    from hardlearn._validation import MAX_ARRAY_ENTRIES
    from hardlearn.problems.network import check_network_size

    w = hl.random_direction(16, rng=0)
    with pytest.raises(hl.ParameterError, match=r"width 4R\+1 x d \(radius R = 1000000000\)"):
        hl.capped_periodic_network(w, 1.0, 10**9)
    assert check_network_size(7, 16) == hl.capped_periodic_network(w, 1.0, 7).width == 29
    trapezoid = hl.PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 0.5, 0.5, 0.0])
    for radius in (1, 3, 8):
        net = hl.capped_periodic_network(w, 1.0, radius, activation=trapezoid)
        assert net.width <= check_network_size(radius, 16, trapezoid.kink_positions.size)
    big = MAX_ARRAY_ENTRIES // (16 * 4) + 1
    with pytest.raises(hl.ParameterError, match=r"2\+\(2R\+2\)\*4 x d"):
        hl.capped_periodic_network(w, 1.0, big, activation=trapezoid)
