"""The cosine's regime width (issue 16): its interpolating network, not the triangle's 4R + 1."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hardlearn.cli import main
from hardlearn.errors import ParameterError
from hardlearn.problems.network import capped_periodic_network
from hardlearn.problems.noise import make_noise_law
from hardlearn.problems.periodic import cosine_interpolant, cosine_wave
from hardlearn.regimes import (
    INTERPOLATION_SHARES,
    cosine_network_width,
    cosine_pieces_for_error,
    lzz_regime,
    network_width,
)


@pytest.mark.parametrize("pieces", [2, 3, 4, 5, 6, 8, 12, 13])
@pytest.mark.parametrize("radius", [1, 2, 4])
def test_closed_form_width_is_the_built_network(pieces, radius):
    # independent: the width of the network actually built from the interpolant's kinks
    net = capped_periodic_network(np.array([1.0]), 1.0, radius,
                                  activation=cosine_interpolant(pieces))
    assert cosine_network_width(radius, pieces) == net.width
    assert network_width(radius, "cosine", pieces=pieces) == net.width


def test_pieces_is_the_fewest_within_the_error():
    for error in (0.3, 1e-2, 1e-5, 3e-9):
        q = cosine_pieces_for_error(error)
        assert math.pi**2 / (2 * q * q) <= error
        assert q == 2 or math.pi**2 / (2 * (q - 1) ** 2) > error


@pytest.mark.parametrize("dim", [4, 16, 64])
def test_cosine_regime_uses_the_interpolating_network(dim):
    r = lzz_regime(dim, activation="cosine")
    assert r.activation == "cosine" and r.pieces is not None
    assert r.width == cosine_network_width(r.radius, r.pieces)
    assert r.width != 4 * r.radius + 1 and r.width > 2 * r.radius * r.pieces - 4 * r.radius
    # the error fits its third of the budget through f(0) times the error, and q is minimal
    f0 = make_noise_law("gaussian", r.sigma).density_at_zero
    share = 0.1 / (INTERPOLATION_SHARES * r.samples)
    assert r.interpolation_error == pytest.approx(math.pi**2 / (2 * r.pieces**2))
    assert f0 * r.interpolation_error <= share
    assert f0 * math.pi**2 / (2 * (r.pieces - 1) ** 2) > share
    # the per-sample TV is the closed-form Gaussian shift distance, and the total stays in budget
    assert r.tv_interpolation_per_sample == pytest.approx(
        2 * make_noise_law("gaussian", r.sigma).cdf(r.interpolation_error / 2) - 1, rel=1e-9)
    assert r.tv_total <= 0.1 + 1e-12
    assert r.tail_target == pytest.approx(0.1 / (3 * r.samples))


def test_interpolation_error_bound_holds_for_the_chosen_pieces():
    r = lzz_regime(3, activation="cosine")
    t = np.linspace(0.0, 1.0, 200_001)
    err = float(np.max(np.abs(cosine_interpolant(r.pieces)(t) - cosine_wave(t))))
    assert err <= r.interpolation_error


def test_triangle_regime_is_unchanged():
    r = lzz_regime(32)
    assert r.width == 4 * r.radius + 1 and r.pieces is None
    assert r.interpolation_error is None and r.tv_interpolation_per_sample is None


def test_discrete_law_gives_no_pieces_unless_asked():
    r = lzz_regime(16, activation="cosine", noise_law="discrete")
    assert r.width is None and r.pieces is None and "gives nothing" in r.reduction
    given = lzz_regime(16, activation="cosine", noise_law="discrete", pieces=16)
    assert given.width == cosine_network_width(given.radius, 16)
    assert given.tv_interpolation_per_sample == 1.0 and given.tv_total is None


def test_bad_pieces_and_activation():
    with pytest.raises(ParameterError, match=r"pieces must be given for activation 'cosine'"):
        network_width(5, "cosine")
    with pytest.raises(ParameterError, match=r"pieces applies to activation 'cosine' only"):
        lzz_regime(8, pieces=8)
    with pytest.raises(ParameterError, match=r"pieces must be an integer >= 2; got 1"):
        lzz_regime(8, activation="cosine", pieces=1)


def test_cli_params_prints_the_cosine_width(capsys):
    assert main(["params", "--dim", "16", "--activation", "cosine", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    r = lzz_regime(16, activation="cosine")
    assert out["width"] == r.width and out["pieces"] == r.pieces
    assert out["width"] != 4 * out["radius"] + 1


@pytest.mark.parametrize("argv, needle", [
    (["params", "--dim", "8", "--pieces", "8"], "--pieces applies to --activation cosine"),
    (["params", "--dim", "8", "--activation", "cosine", "--pieces", "1"],
     "--pieces must be an integer >= 2; got 1"),
    (["params", "--dim", "8", "--activation", "sine"], "--activation must be one of"),
])
def test_cli_bad_input_is_one_line(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err
