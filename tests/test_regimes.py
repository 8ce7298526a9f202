"""The regime calculator (mathematics sections 1-4)."""

from __future__ import annotations

import math

import pytest
from scipy.special import erfc

import hardlearn as hl
from hardlearn import regimes


@pytest.mark.parametrize("dim", [4, 16, 64, 256])
def test_default_regime_is_consistent(dim):
    r = hl.lzz_regime(dim)
    assert r.gamma == pytest.approx(2 * math.sqrt(dim))
    assert r.freq == pytest.approx(r.gamma / math.sqrt(2 * math.pi))
    assert r.sigma == pytest.approx(dim**-2)
    assert r.samples == dim**2
    assert r.width == 4 * r.radius + 1
    assert r.tail_mass == pytest.approx(erfc(r.radius / (math.sqrt(2) * r.freq)))
    assert r.tail_mass <= r.tail_target
    # The smallest radius meeting the tail target.
    assert regimes.tail_mass(r.freq, r.radius - 1) > r.tail_target or r.radius == 1
    assert r.tv_noise_per_sample == pytest.approx(r.beta / (math.pi * math.sqrt(2 * math.pi)
                                                            * r.sigma))
    assert r.tv_total == pytest.approx(r.samples * (r.tv_noise_per_sample + r.tail_mass))
    assert r.tv_total <= regimes.DEFAULT_TV_BUDGET * (1 + 1e-12)
    assert 0 < r.beta < 1
    assert r.gapsvp_factor == pytest.approx(dim / r.beta)


def test_super_polynomial_regime():
    r = hl.lzz_regime(256, eta=0.25)
    assert r.regime == "super-polynomial"
    assert r.sigma == pytest.approx(2.0 ** -(256**0.25))
    assert r.sigma_bits == pytest.approx(4.0)


def test_overrides_and_fields_documented():
    r = hl.lzz_regime(20, gamma=3.0, sigma=0.05, samples=1000, eps=0.2, tail=1e-3)
    assert (r.gamma, r.sigma, r.samples, r.eps, r.tail_target) == (3.0, 0.05, 1000, 0.2, 1e-3)
    assert set(r.as_dict()) == set(regimes.FIELDS)


def test_width_rule_formula():
    freq, tail = 6.0, 1e-6
    r = regimes.radius_for_tail(freq, tail)
    assert regimes.tail_mass(freq, r) <= tail < regimes.tail_mass(freq, r - 1)


@pytest.mark.parametrize("kwargs, message", [
    ({"dim": 0}, "dim must be an integer >= 1"),
    ({"dim": 8, "eta": 0.7}, "eta must satisfy 0 < eta < 0.5"),
    ({"dim": 8, "gamma": -2.0}, "gamma must satisfy"),
    ({"dim": 8, "sigma": 0.0}, "sigma must satisfy"),
    ({"dim": 8, "samples": 0}, "samples must be an integer >= 1"),
    ({"dim": 8, "activation": "relu"}, "activation must be one of"),
])
def test_bad_regime_input(kwargs, message):
    with pytest.raises(hl.ParameterError, match=message):
        hl.lzz_regime(**kwargs)
