"""The prediction model of hardlearn.estimate against independent computations."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hardlearn.cli import main
from hardlearn.errors import ParameterError
from hardlearn.estimate import (
    CERTIFY_BITS,
    LLL_DELTA,
    TAU_BITS,
    best_samples,
    block_size_needed,
    certificate_bits,
    core_svp_bits,
    default_freq,
    estimate_attack,
    gap_bits,
    instance_security,
    log2_expected_false,
    optimal_scale_bits,
    root_hermite_factor,
    threshold_bits,
)
from hardlearn.regimes import lzz_regime


def test_root_hermite_factor_table_and_asymptotic_formula():
    assert root_hermite_factor("lll") == 1.0219
    assert root_hermite_factor("bkz", 20) == 1.01420
    assert root_hermite_factor("bkz", 39) == 1.01331  # the table is a step function
    for beta in (41, 60, 100, 300):
        direct = (beta / (2 * math.pi * math.e) * (math.pi * beta) ** (1 / beta)) ** (
            1 / (2 * (beta - 1)))
        assert root_hermite_factor("bkz", beta) == pytest.approx(direct, rel=1e-15)
    # Chen's thesis: delta(100) about 1.0093, delta(50) about 1.0121 (as the estimator notes)
    assert root_hermite_factor("bkz", 100) == pytest.approx(1.0093, abs=1e-4)
    assert root_hermite_factor("bkz", 50) == pytest.approx(1.0121, abs=1e-4)


def _ratio_bits(d, m, labels, p, log2_m):
    """log2 GH / |v| computed from the lattice's definition (independent of the module)."""
    freq = default_freq(d)
    k = m - d
    if labels == "clwe":
        n, weights, vol_extra = m + 1, 0.0, 0.5 * math.log2(1 + k / 3)
        r0 = math.sqrt(m * (freq**2 + 1 / 3) + 1)
    else:
        w = max(1, round(freq))
        n, weights, vol_extra = 2 * m, m * math.log2(w), 0.0
        r0 = math.sqrt(m * (freq**2 + w**2))
    log2_vol = k * log2_m + weights + vol_extra
    gh = 0.5 * math.log2(n / (2 * math.pi * math.e)) + log2_vol / n
    v = 0.5 * float(np.logaddexp2(2 * math.log2(r0), 2 * (log2_m - p) + math.log2(k)))
    return gh - v, n


@pytest.mark.parametrize("labels", ["clwe", "triangle"])
@pytest.mark.parametrize("d,extra", [(20, 1), (20, 40), (40, 80), (64, 1)])
def test_threshold_is_where_the_best_scale_just_meets_the_gap(labels, d, extra):
    m = d + extra
    p = float(threshold_bits(d, m, labels, certify_bits=None))
    coarse = np.linspace(0, 3 * p + 200, 4001)
    b0 = coarse[int(np.argmax([_ratio_bits(d, m, labels, p, b)[0] for b in coarse]))]
    grid = np.linspace(b0 - 2, b0 + 2, 4001)
    ratios = [_ratio_bits(d, m, labels, p, b)[0] for b in grid]
    n = _ratio_bits(d, m, labels, p, 0)[1]
    assert max(ratios) == pytest.approx(TAU_BITS["lll"] + n * math.log2(LLL_DELTA), abs=1e-4)
    # and the best scale is the module's
    b_star = grid[int(np.argmax(ratios))]
    assert optimal_scale_bits(d, m, p, labels) == pytest.approx(b_star, abs=0.01)


@pytest.mark.parametrize("labels", ["clwe", "triangle", "cosine"])
@pytest.mark.parametrize("d,m", [(12, 13), (20, 21), (20, 60), (64, 65)])
def test_certificate_threshold_is_where_the_expected_false_count_meets_the_margin(labels, d, m):
    # E = 2^c V_d(|t|) V_k(rho) d ln(4 |t|), written out from the definition
    freq, k = default_freq(d), m - d
    signs = 0 if labels == "clwe" else m
    amp = math.sqrt(k * (max(1.0, m / math.pi**4) if labels == "cosine" else 1.0))
    t = math.sqrt(m) * freq

    def log2_ball(n, r):
        return math.log2(math.pi ** (n / 2) * r**n / math.gamma(n / 2 + 1))

    def log2_e(p):
        rho = amp * 2.0**-p
        return signs + log2_ball(d, t) + log2_ball(k, rho) + math.log2(d * math.log(4 * t))

    p_cert = float(certificate_bits(d, m, labels))
    assert log2_e(p_cert) == pytest.approx(-CERTIFY_BITS, abs=1e-9)
    assert float(certificate_bits(d, m, labels, certify_bits=0)) == pytest.approx(
        p_cert - CERTIFY_BITS / k)
    both = float(threshold_bits(d, m, labels))
    assert both == pytest.approx(max(p_cert, float(threshold_bits(d, m, labels,
                                                                  certify_bits=None))))


def test_certificate_binds_with_d_plus_1_samples_at_small_d_only():
    # k = 1: about d log2 |t| bits, above the reduction's threshold at d <= 20 ...
    for d in (12, 20):
        assert certificate_bits(d, d + 1) > threshold_bits(d, d + 1, certify_bits=None)
    # ... and below it from d = 40, and far below with the best count
    for d in (40, 80, 160):
        assert certificate_bits(d, d + 1) < threshold_bits(d, d + 1, certify_bits=None)
        m, _ = best_samples(d)
        assert certificate_bits(d, m) < threshold_bits(d, m, certify_bits=None)


def test_learner_certificate_uses_the_model_formula():
    from hardlearn.learners._lattice_core import _log2_expected_false, _Problem

    class Shape:  # the three fields the certificate reads
        d, k, m, kind = 20, 1, 21, "triangle"

    got = _log2_expected_false(Shape(), 4.0, -90.0)  # type: ignore[arg-type]
    assert got == pytest.approx(float(log2_expected_false(20, 1, 4.0, -90.0, signs=21)))
    assert _Problem  # the real problem class exists under this name


def test_bkz_gap_is_the_2016_estimate():
    n, beta = 150, 30
    delta = root_hermite_factor("bkz", beta)
    # sqrt(beta / n) |v| <= delta^(2 beta - n) vol^(1/n), with GH = sqrt(n / (2 pi e)) vol^(1/n)
    want = 0.5 * math.log2(beta / n) - (2 * beta - n) * math.log2(delta) + \
        0.5 * math.log2(n / (2 * math.pi * math.e))
    assert float(gap_bits(n, "bkz", beta)) == pytest.approx(want + TAU_BITS["bkz"], abs=1e-12)


def test_best_samples_is_the_argmin_and_near_2d_for_clwe():
    d = 40
    m, p = best_samples(d, 300)
    brute = min(range(d + 1, 301), key=lambda mm: float(threshold_bits(d, mm)))
    assert m == brute and p == pytest.approx(float(threshold_bits(d, brute)))
    assert 2 * d <= m <= 4 * d
    assert best_samples(d, d + 1) == (d + 1, pytest.approx(float(threshold_bits(d, d + 1))))


def test_block_size_needed_is_the_smallest_that_suffices():
    d, p = 40, 195.0  # LLL needs 198 bits, the certificate 191
    beta = block_size_needed(d, p, "clwe", available=d + 1)
    assert beta is not None and beta > 2
    def ok(b):
        return float(threshold_bits(d, d + 1, "clwe", "bkz", b)) <= p
    assert ok(beta) and not ok(beta - 1)
    assert block_size_needed(d, 1000.0, "clwe", available=d + 1) == 2
    # below the certificate's 191 bits no block size helps with d + 1 samples
    assert block_size_needed(d, 188.0, "clwe", available=d + 1) is None
    assert block_size_needed(64, 0.5, "triangle") is None


def test_core_svp_cost_and_estimate_fields():
    assert core_svp_bits(200) == {"classical": 58.4, "quantum": 53.0}
    e = estimate_attack(32, 10.0, "triangle", samples=1024)
    assert e.samples_available == 1024 and e.lll_recovers is False
    assert e.cost_bits_classical == pytest.approx(0.292 * e.block_size_needed)


def test_instance_security_of_the_regime():
    s = instance_security(lzz_regime(32))
    assert s["clwe"]["lll_recovers"] and not s["learning"]["lll_recovers"]
    assert s["clwe"]["lll_learnable_up_to_dim"] >= 32


@pytest.mark.parametrize("bad", [
    lambda: threshold_bits(10, 10), lambda: threshold_bits(0, 5),
    lambda: root_hermite_factor("bkz", 1), lambda: threshold_bits(10, 11, "sine"),
    lambda: best_samples(10, 5),
])
def test_bad_input_names_the_parameter(bad):
    with pytest.raises(ParameterError):
        bad()


def test_cli_estimate_json_and_bad_input(capsys):
    assert main(["estimate", "--dim", "24", "--noise-bits", "12", "--labels", "clwe",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)["estimates"][0]
    assert out["labels"] == "clwe" and out["lll_recovers"] is True
    assert main(["estimate", "--dim", "24", "--regime", "lzz", "--json"]) == 0
    regime = json.loads(capsys.readouterr().out)["estimates"]
    assert [e["labels"] for e in regime] == ["clwe", "triangle"]
    assert regime[0]["noise_bits"] == pytest.approx(-math.log2(lzz_regime(24).clwe_noise_std))
    assert regime[1]["noise_bits"] == pytest.approx(-math.log2(lzz_regime(24).sigma))
    assert main(["estimate", "--dim", "24", "--noise-bits", "-3"]) == 2
    err = capsys.readouterr().err
    assert "--noise-bits" in err and err.count("\n") == 1
    assert main(["estimate", "--dim", "24", "--block-size", "1"]) == 2


def test_cli_estimate_says_when_the_data_cannot_certify(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line
    # d + 1 samples at d = 20: the reduction reaches 2^-78.5, the certificate only 2^-92.7
    assert main(["estimate", "--dim", "20", "--samples", "21", "--noise-bits", "85",
                 "--labels", "clwe", "--json"]) == 0
    (e,) = json.loads(capsys.readouterr().out)["estimates"]
    assert e["block_size_needed"] is None
    assert e["certificate_bits"] == pytest.approx(float(certificate_bits(20, 21)), abs=1e-3)
    assert main(["estimate", "--dim", "20", "--samples", "21", "--noise-bits", "85",
                 "--labels", "clwe"]) == 0
    assert "the data certify only p >= 92.7" in " ".join(capsys.readouterr().out.split())
