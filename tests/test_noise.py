"""Label-noise laws (issue 16): sampling, closed forms, the regime calculator, the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from hardlearn import NoisyRegression, PeriodicNeuron, random_direction
from hardlearn.errors import ParameterError
from hardlearn.problems.clwe import CLWE
from hardlearn.problems.noise import NOISE_LAWS, DiscreteNoise, make_noise_law
from hardlearn.reduction import clwe_to_regression, estimate_advantage
from hardlearn.regimes import lzz_regime, noise_tv_bound
from hardlearn.verification import run_checks

CONTINUOUS = ["gaussian", "laplace", "uniform", "student-t:3", "student-t:5", "logistic"]
ALL = [*CONTINUOUS, "discrete"]
Z = 5.0


@pytest.mark.parametrize("spec", ALL)
def test_sample_has_mean_zero_and_the_given_std(spec):
    std = 0.37
    x = make_noise_law(spec, std).sample(200_000, np.random.default_rng(1))
    assert abs(x.mean()) <= Z * std / math.sqrt(x.size)
    if spec != "student-t:3":  # infinite fourth moment: no standard error for the variance
        sq = x * x
        assert abs(sq.mean() - std**2) <= Z * sq.std(ddof=1) / math.sqrt(x.size) + 1e-12


@pytest.mark.parametrize("spec", CONTINUOUS)
def test_sample_follows_the_cdf(spec):
    law = make_noise_law(spec, 0.8)
    x = law.sample(20_000, np.random.default_rng(2))
    assert stats.kstest(x, law.cdf).pvalue > 1e-4


@pytest.mark.parametrize("spec", CONTINUOUS)
def test_shift_tv_is_increasing_and_below_the_linear_bound(spec):
    law = make_noise_law(spec, 0.5)
    shifts = np.linspace(0.0, 4.0, 41)
    tv = np.array([law.shift_tv(a) for a in shifts])
    assert tv[0] == 0.0 and np.all(np.diff(tv) >= -1e-15) and np.all(tv <= 1.0)
    assert np.all(tv <= shifts * law.density_at_zero + 1e-15)
    # the bound is tight to first order at a -> 0
    a = 1e-6
    assert law.shift_tv(a) == pytest.approx(a * law.density_at_zero, rel=1e-4)
    assert law.shift_tv(-1.3) == law.shift_tv(1.3)


def test_closed_forms_against_the_formulas_written_in_the_issue():
    s, a = 0.7, 0.4
    assert make_noise_law("gaussian", s).shift_tv(a) == pytest.approx(
        2 * stats.norm.cdf(a / (2 * s)) - 1, abs=1e-15)
    b = s / math.sqrt(2)
    assert make_noise_law("laplace", s).shift_tv(a) == pytest.approx(
        1 - math.exp(-a / (2 * b)), abs=1e-15)
    h = s * math.sqrt(3)
    assert make_noise_law("uniform", s).shift_tv(a) == pytest.approx(a / (2 * h), abs=1e-15)
    sl = s * math.sqrt(3) / math.pi
    assert make_noise_law("logistic", s).shift_tv(a) == pytest.approx(
        math.tanh(a / (4 * sl)), abs=1e-15)
    c = s * math.sqrt(3 / 5)
    assert make_noise_law("student-t:5", s).shift_tv(a) == pytest.approx(
        2 * stats.t.cdf(a / (2 * c), 5) - 1, abs=1e-12)
    assert make_noise_law("student-t:5", s).density(0.3) == pytest.approx(
        stats.t.pdf(0.3, 5, scale=c), rel=1e-12)


def test_discrete_law_shift_distance():
    law = DiscreteNoise(0.25)
    assert law.shift_tv(0.0) == 0.0
    assert law.shift_tv(0.5) == 0.5 and law.shift_tv(-0.5) == 0.5
    assert law.shift_tv(1e-9) == 1.0 and law.shift_tv(3.0) == 1.0
    assert set(np.unique(law.sample(100, 0))) == {-0.25, 0.25}


def test_verify_check_passes():
    (check,) = run_checks(names=["noise_laws"])
    assert check.passed, check


def test_gaussian_default_keeps_the_old_draws():
    f = PeriodicNeuron(random_direction(5, rng=0), freq=1.3)
    X, y = NoisyRegression(f, 0.05).sample(50, rng=7)
    gen = np.random.default_rng(7)
    X0 = gen.standard_normal((50, 5))
    y0 = f(X0) + 0.05 * gen.standard_normal(50)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    X1, y1 = NoisyRegression(f, 0.05, noise_law="gaussian").sample(50, rng=7)
    np.testing.assert_array_equal(y1, y)


@pytest.mark.parametrize("spec", ALL)
def test_noisy_regression_residuals_have_the_law(spec):
    f = PeriodicNeuron(random_direction(3, rng=0), freq=1.0)
    problem = NoisyRegression(f, 0.2, noise_law=spec)
    X, y = problem.sample(100_000, rng=3)
    resid = y - f(X)
    sq = resid**2
    if spec != "student-t:3":
        assert abs(sq.mean() - 0.04) <= Z * sq.std(ddof=1) / math.sqrt(sq.size) + 1e-12
    if spec == "discrete":
        np.testing.assert_allclose(np.abs(resid), 0.2, rtol=0, atol=1e-12)
    assert problem.noise_law == make_noise_law(spec, 1.0).spec


def test_forward_map_uses_the_law():
    w = random_direction(4, rng=0)
    s = CLWE(w, gamma=2.0, beta=1e-6).sample(50_000, rng=1)
    X, y = clwe_to_regression(s, "triangle", 0.1, rng=2, noise_law="uniform")
    resid = y - np.abs(s.z - np.round(s.z))
    assert np.max(np.abs(resid)) <= 0.1 * math.sqrt(3)
    assert stats.kstest(resid, make_noise_law("uniform", 0.1).cdf).pvalue > 1e-4


def test_estimate_advantage_records_the_law():
    est = estimate_advantage("mean", dim=3, gamma=2.0, beta=0.01, noise_std=0.05, eps=0.01,
                             samples=40, trials=2, rng=0, noise_law="laplace")
    assert est.as_dict()["noise_law"] == "laplace"


def test_regime_scales_beta_with_the_density_at_zero():
    g = lzz_regime(32)
    assert g.noise_law == "gaussian" and g.reduction == "applies"
    # the Gaussian regime is the formula of mathematics section 4
    assert g.beta == pytest.approx(
        0.1 * math.pi * math.sqrt(2 * math.pi) * g.sigma / (2 * g.samples), rel=1e-12)
    for spec in CONTINUOUS:
        r = lzz_regime(32, noise_law=spec)
        law = make_noise_law(spec, r.sigma)
        assert r.beta * law.density_at_zero == pytest.approx(g.beta * (
            make_noise_law("gaussian", r.sigma).density_at_zero), rel=1e-12)
        assert r.tv_total <= 0.1 + 1e-12


def test_regime_says_the_reduction_gives_nothing_for_discrete_noise():
    r = lzz_regime(32, noise_law="discrete")
    assert r.beta is None and r.tv_total is None and r.gamma_over_beta is None
    assert r.reduction.startswith("gives nothing")
    with pytest.raises(ParameterError, match="gives nothing"):
        noise_tv_bound(1e-3, 1e-2, noise_law="discrete")


@pytest.mark.parametrize("spec, match", [
    ("cauchy", "noise_law must be one of"),
    ("laplace:3", "noise_law must be one of"),
    ("student-t:2", "nu must satisfy 2 < nu"),
    ("student-t:x", "needs a number NU > 2"),
    (3, "noise_law must be one of"),
])
def test_bad_law_names(spec, match):
    with pytest.raises(ParameterError, match=match):
        make_noise_law(spec, 1.0)


@pytest.mark.parametrize("std", [0.0, -1.0, float("nan")])
def test_bad_scales(std):
    with pytest.raises(ParameterError, match="noise_std"):
        make_noise_law("laplace", std)


def test_every_law_is_named_in_the_registry():
    assert set(NOISE_LAWS) == {"gaussian", "laplace", "uniform", "student-t", "logistic",
                               "discrete"}


def test_cli_params_noise_law(cli):
    code, out, _ = cli("params", "--dim", "16", "--noise-law", "discrete", "--json")
    data = json.loads(out)
    assert code == 0 and data["beta"] is None and data["reduction"].startswith("gives nothing")
    code, out, _ = cli("params", "--dim", "16", "--noise-law", "discrete")
    assert code == 0 and "gives nothing" in out
    code, _, err = cli("params", "--dim", "16", "--noise-law", "cauchy")
    assert code == 2 and "noise_law must be one of" in err and "\n" not in err.strip()


def test_cli_learn_and_distinguish_noise_law(cli):
    code, out, _ = cli("learn", "--learner", "mean", "--dim", "3", "--samples", "50",
                       "--test-samples", "100", "--noise-law", "student-t:4", "--json")
    assert code == 0 and json.loads(out)["noise_law"] == "student-t:4"
    code, out, _ = cli("distinguish", "--learner", "mean", "--dim", "3", "--samples", "40",
                       "--trials", "2", "--noise-law", "logistic", "--json")
    assert code == 0 and json.loads(out)["noise_law"] == "logistic"
    code, _, err = cli("distinguish", "--learner", "mean", "--dim", "3", "--samples", "40",
                       "--trials", "2", "--noise-law", "discrete", "--json")
    assert code == 2 and "give --beta" in err
    code, out, _ = cli("distinguish", "--learner", "mean", "--dim", "3", "--samples", "40",
                       "--trials", "2", "--noise-law", "discrete", "--beta", "0.01", "--json")
    assert code == 0 and json.loads(out)["noise_law"] == "discrete"


def test_sweep_grid_noise_law_keeps_old_task_ids():
    from hardlearn.experiments.registry import run_task
    from hardlearn.experiments.spec import parse_spec

    base = {"task": "learn", "root_seed": 1, "learners": [{"name": "mean"}],
            "grid": {"dim": 3, "freq": 1.0, "samples": 50, "test_samples": 100}}
    old = parse_spec(base).tasks()
    same = parse_spec({**base, "grid": {**base["grid"], "noise_law": "gaussian"}}).tasks()
    laws = parse_spec({**base, "grid": {**base["grid"],
                                        "noise_law": ["gaussian", "laplace"]}}).tasks()
    assert [t.task_id for t in old] == [t.task_id for t in same] == [laws[0].task_id]
    assert laws[1].task_id != laws[0].task_id and laws[1].params["noise_law"] == "laplace"
    assert run_task(laws[1]).status == "ok"
    with pytest.raises(ParameterError, match="noise_law must be one of"):
        parse_spec({**base, "grid": {**base["grid"], "noise_law": "cauchy"}}).tasks()
