"""Metrics: intervals (method and coverage), advantage, evaluate_learner."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hardlearn import NoisyRegression, PeriodicNeuron, capped_periodic_network
from hardlearn.errors import ParameterError
from hardlearn.learners import MeanRegressor, OracleRegressor, RidgeRegressor
from hardlearn.metrics import (
    CI_METHODS,
    advantage,
    advantage_interval,
    evaluate_learner,
    mean_ci,
    mean_t_interval,
    newcombe_difference_interval,
    population_mse,
    t_value,
    wilson_interval,
    z_value,
)


def test_z_value():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    with pytest.raises(ParameterError, match="confidence"):
        z_value(1.0)


def test_wilson_interval_known_values_and_symmetry():
    # Wilson (1927) interval for 3 successes out of 10, 95%: (0.1078, 0.6032).
    lo, hi = wilson_interval(3, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.1078, 0.6032)
    for k in range(11):
        a = wilson_interval(k, 10)
        b = wilson_interval(10 - k, 10)
        assert a[0] == pytest.approx(1 - b[1]) and a[1] == pytest.approx(1 - b[0])
    with pytest.raises(ParameterError, match="successes must be <= trials"):
        wilson_interval(11, 10)


def test_wilson_coverage_by_simulation():
    rng = np.random.default_rng(0)
    n, p, reps = 30, 0.2, 4000
    ks = rng.binomial(n, p, size=reps)
    covered = np.mean([lo <= p <= hi for lo, hi in (wilson_interval(int(k), n) for k in ks)])
    assert abs(covered - 0.95) < 5 * math.sqrt(0.95 * 0.05 / reps) + 0.02


def test_newcombe_difference_interval():
    # Newcombe (1998), Table II, example (a): 56/70 - 48/80, method 10: (0.0524, 0.3339).
    lo, hi = newcombe_difference_interval(56, 70, 48, 80)
    assert (round(lo, 4), round(hi, 4)) == (0.0524, 0.3339)
    lo, hi = newcombe_difference_interval(5, 20, 5, 20)
    assert lo < 0 < hi and lo == pytest.approx(-hi)


def test_t_value_against_scipy_and_tables():
    from scipy import stats

    for conf in (0.8, 0.9, 0.95, 0.99):
        for df in (1, 2, 3, 5, 10, 30, 1000):
            assert t_value(conf, df) == pytest.approx(stats.t.ppf(0.5 + conf / 2, df), rel=1e-10)
    # Printed tables (Student 1908 / Fisher): t_{0.975, 1} = 12.706, t_{0.975, 4} = 2.776.
    assert round(t_value(0.95, 1), 3) == 12.706
    assert round(t_value(0.95, 4), 3) == 2.776
    # Two repetitions: the interval is t/z = 6.48 times the normal-approximation one.
    assert t_value(0.95, 1) / z_value(0.95) == pytest.approx(6.483, abs=1e-3)
    with pytest.raises(ParameterError, match="df"):
        t_value(0.95, 0)
    with pytest.raises(ParameterError, match="confidence"):
        t_value(1.5, 3)


def test_mean_t_interval_matches_scipy_t_interval():
    from scipy import stats

    rng = np.random.default_rng(3)
    for n in (2, 3, 5, 20):
        v = rng.normal(1.0, 2.0, size=n)
        est = mean_t_interval(v, 0.9)
        lo, hi = stats.t.interval(0.9, n - 1, loc=np.mean(v), scale=stats.sem(v))
        assert est.ci == pytest.approx((lo, hi), rel=1e-10)
        assert est.se == pytest.approx(stats.sem(v), rel=1e-12)
    try:  # an independent implementation where installed
        from statsmodels.stats.weightstats import DescrStatsW
    except ImportError:
        pass
    else:
        v = rng.normal(size=4)
        assert mean_t_interval(v).ci == pytest.approx(DescrStatsW(v).tconfint_mean(0.05), rel=1e-10)
    one = mean_t_interval([3.0])
    assert one.mean == 3.0 and one.se == math.inf and one.ci == (-math.inf, math.inf)


def test_mean_t_interval_coverage_few_values_by_simulation():
    # Normal values, n = 2: Student's t keeps 95 %; the normal quantile would give ~70 %.
    rng = np.random.default_rng(2)
    reps = 4000
    hits = 0
    for _ in range(reps):
        est = mean_t_interval(rng.normal(0.0, 1.0, size=2))
        hits += est.ci[0] <= 0.0 <= est.ci[1]
    assert abs(hits / reps - 0.95) < 5 * math.sqrt(0.95 * 0.05 / reps)


def test_mean_ci_coverage_by_simulation():
    rng = np.random.default_rng(1)
    reps = 2000
    hits = 0
    for _ in range(reps):
        est = mean_ci(rng.exponential(2.0, size=200))
        hits += est.ci[0] <= 2.0 <= est.ci[1]
    assert abs(hits / reps - 0.95) < 5 * math.sqrt(0.95 * 0.05 / reps)
    with pytest.raises(ParameterError, match="at least one"):
        mean_ci([])


def test_advantage_and_interval():
    assert advantage(0.0, 0.5) == 1.0
    assert advantage(0.5, 0.5) == 0.0
    assert advantage_interval((0.1, 0.3), 0.4) == pytest.approx((0.25, 0.75))
    with pytest.raises(ParameterError, match="trivial_mse"):
        advantage(1.0, 0.0)


def test_population_mse_refuses_nonfinite_predictions():
    X = np.zeros((3, 2))
    with pytest.raises(ParameterError, match="finite"):
        population_mse(lambda A: np.full(len(A), np.nan), lambda A: np.zeros(len(A)), X)


def _problem(freq=0.5, dim=4):
    w = np.eye(dim)[0]
    return NoisyRegression(capped_periodic_network(w, freq, 8), noise_std=0.01)


def test_evaluate_learner_keys_and_oracle_is_perfect():
    problem = _problem()
    out = evaluate_learner(OracleRegressor(problem.target), problem, train_samples=10,
                           test_samples=1000, rng=0)
    for key in ("mse", "mse_ci", "trivial_mse", "advantage", "advantage_ci", "seconds",
                "train_samples", "test_samples"):
        assert key in out
    assert out["mse"] == 0.0 and out["advantage"] == 1.0
    assert isinstance(out["mse_ci"], tuple) and isinstance(out["advantage_ci"], tuple)
    assert out["trivial_mse"] == problem.target_variance()
    assert out["ci_method"] == CI_METHODS["mse"]


def test_evaluate_learner_mean_is_trivial_within_its_interval():
    problem = NoisyRegression(PeriodicNeuron(np.eye(6)[2], freq=1.0), noise_std=0.05)
    out = evaluate_learner(MeanRegressor(), problem, train_samples=20_000,
                           test_samples=50_000, rng=3)
    lo, hi = out["advantage_ci"]
    assert lo < out["advantage"] < hi and lo < 0.0 < hi  # the trivial learner: 0 inside
    assert abs(out["advantage"]) < 0.01


def test_evaluate_learner_is_reproducible_and_does_not_touch_the_learner():
    problem = _problem()
    est = RidgeRegressor(degree=2)
    a = evaluate_learner(est, problem, train_samples=500, test_samples=500, rng=7)
    b = evaluate_learner(est, problem, train_samples=500, test_samples=500, rng=7)
    assert a["mse"] == b["mse"]
    assert not hasattr(est, "model_")
    with pytest.raises(ParameterError, match="test_samples"):
        evaluate_learner(est, problem, train_samples=5, test_samples=1, rng=0)


def test_mean_t_interval_uses_the_student_quantile_for_its_n():
    from hardlearn.metrics import mean_t_interval

    # t_{9, 0.975} = 2.262157163 (printed tables).
    # Two degrees of freedom have a closed-form quantile: t_2(p) = (2p - 1) / sqrt(2 p (1 - p)).
    p = 0.975
    t2 = (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    est = mean_t_interval([1.0, 2.0, 3.0])
    assert est.n == 3
    # rel 1e-9: scipy's stdtrit before 1.14 is off by 4e-11 relative here (1.13 measured)
    assert est.ci[1] - est.mean == pytest.approx(t2 / math.sqrt(3), rel=1e-9)
    vals = np.arange(10.0)
    est = mean_t_interval(vals)
    half = 2.262157163 * np.std(vals, ddof=1) / math.sqrt(10)
    assert est.ci == pytest.approx((4.5 - half, 4.5 + half), rel=1e-9)
    one = mean_t_interval([0.3])
    assert one.mean == 0.3 and one.ci == (-math.inf, math.inf)
