"""Population MSE, advantage and their confidence intervals: the one home of these formulas.

Definitions (mathematics section 1):

* ``MSE(f_hat) = E_x (f_hat(x) - f(x))^2`` against the clean target on fresh inputs
  ``x ~ N(0, I_d)``, estimated by the mean over ``n`` fresh inputs;
* the trivial MSE is ``Var f``, computed exactly by
  :meth:`~hardlearn.problems.regression.NoisyRegression.target_variance`;
* ``advantage = 1 - MSE / Var f`` (1 = perfect, 0 = trivial, negative = worse than trivial).

Confidence intervals (all two-sided, level ``confidence``, default 0.95):

* **means** (MSE, held-out losses): normal approximation, ``mean +- z * s / sqrt(n)`` with
  ``s`` the sample standard deviation (ddof 1) and ``z = Phi^-1(1 - (1 - confidence) / 2)``;
* **means over a few repetitions** (figure bands, report tables): Student t,
  ``mean +- t_{n-1} * s / sqrt(n)`` (:func:`mean_t_interval`);
* **advantage**: the MSE interval mapped through ``1 - MSE / Var f`` (``Var f`` is exact, so
  the map is monotone and the interval keeps its level);
* **proportions** (``P[clwe | clwe]``, ``P[clwe | null]``): Wilson score interval;
* **difference of two independent proportions** (the distinguisher's advantage): Newcombe's
  hybrid score interval (Newcombe 1998, method 10), built from the two Wilson intervals:
  ``d - sqrt((p1 - l1)^2 + (u2 - p2)^2)`` to ``d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri, stdtrit

from hardlearn._rng import as_generator, draw_seed, spawn
from hardlearn._validation import check_array, check_int, check_real
from hardlearn.errors import ParameterError

__all__ = [
    "CI_METHODS",
    "MeanEstimate",
    "z_value",
    "t_value",
    "mean_ci",
    "mean_t_interval",
    "wilson_interval",
    "newcombe_difference_interval",
    "advantage",
    "advantage_interval",
    "population_mse",
    "evaluate_learner",
    "seed_learner",
    "learner_status",
    "predict_fitted",
]

#: How each interval is computed (stored with results so a reader knows the method).
CI_METHODS = {
    "mse": "normal approximation: mean +- z * sd / sqrt(n)",
    "repetitions": "Student t: mean +- t_(n-1) * sd / sqrt(n) over n repetitions",
    "advantage": "MSE interval mapped through 1 - MSE / Var f (Var f exact)",
    "proportion": "Wilson score interval",
    "difference": "Newcombe hybrid score interval (method 10) from Wilson intervals",
}

#: Test inputs evaluated at once when estimating a population MSE.
_EVAL_BLOCK_ROWS = 65_536


def z_value(confidence: float) -> float:
    """Two-sided normal quantile ``Phi^-1(1 - (1 - confidence) / 2)``.

    Examples
    --------
    >>> round(z_value(0.95), 4)
    1.96
    """
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True,
                            high_open=True)
    return float(ndtri(1.0 - (1.0 - confidence) / 2.0))


def t_value(confidence: float, df: int) -> float:
    """Two-sided Student's t quantile ``T_df^-1(1 - (1 - confidence) / 2)``.

    Parameters
    ----------
    confidence : float
        Two-sided level in ``(0, 1)``.
    df : int
        Degrees of freedom (``>= 1``); ``n - 1`` for the mean of ``n`` values.

    Examples
    --------
    >>> round(t_value(0.95, 1), 3), round(t_value(0.95, 9), 3)
    (12.706, 2.262)
    """
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True,
                            high_open=True)
    df = check_int("df", df, minimum=1)
    return float(stdtrit(df, 1.0 - (1.0 - confidence) / 2.0))


@dataclass(frozen=True)
class MeanEstimate:
    """A sample mean with its standard error and normal-approximation interval."""

    mean: float
    se: float
    ci: tuple[float, float]
    n: int


def mean_ci(values: Any, confidence: float = 0.95) -> MeanEstimate:
    """Mean of ``values`` with standard error ``sd / sqrt(n)`` and interval ``mean +- z se``.

    Examples
    --------
    >>> est = mean_ci([1.0, 2.0, 3.0, 4.0])
    >>> est.mean, round(est.se, 4), tuple(round(c, 3) for c in est.ci)
    (2.5, 0.6455, (1.235, 3.765))
    """
    v = check_array("values", values, ndim=1)
    n = v.shape[0]
    if n == 0:
        raise ParameterError("values must hold at least one number to estimate a mean; got 0.")
    mean = float(np.mean(v))
    se = float(np.std(v, ddof=1) / math.sqrt(n)) if n > 1 else math.inf
    half = z_value(confidence) * se
    return MeanEstimate(mean, se, (mean - half, mean + half), n)


def mean_t_interval(values: Any, confidence: float = 0.95) -> MeanEstimate:
    """Mean of ``values`` with the Student-t interval ``mean +- t_{n-1} sd / sqrt(n)``.

    For a handful of repetitions (figures and report tables pool 2-5 trials per point) the
    normal quantile of :func:`mean_ci` is too small: with ``n = 3`` the 95 % quantile is
    ``t_2 = 4.30``, not 1.96. One value gives an unbounded interval (``se = inf``).

    Examples
    --------
    >>> est = mean_t_interval([1.0, 2.0, 3.0])
    >>> est.n, round(est.se, 4), tuple(round(c, 3) for c in est.ci)
    (3, 0.5774, (-0.484, 4.484))
    """
    v = check_array("values", values, ndim=1)
    n = v.shape[0]
    if n == 0:
        raise ParameterError("values must hold at least one number to estimate a mean; got 0.")
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True,
                            high_open=True)
    mean = float(np.mean(v))
    if n == 1:
        return MeanEstimate(mean, math.inf, (-math.inf, math.inf), 1)
    se = float(np.std(v, ddof=1) / math.sqrt(n))
    half = t_value(confidence, n - 1) * se
    return MeanEstimate(mean, se, (mean - half, mean + half), n)


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    ``(p + z^2/(2n) +- z sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n)``.

    Examples
    --------
    >>> tuple(round(x, 4) for x in wilson_interval(20, 20))
    (0.8389, 1.0)
    >>> tuple(round(x, 4) for x in wilson_interval(0, 20))
    (0.0, 0.1611)
    """
    n = check_int("trials", trials, minimum=1)
    k = check_int("successes", successes, minimum=0)
    if k > n:
        raise ParameterError(f"successes must be <= trials ({n}); got {k}.")
    z = z_value(confidence)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe_difference_interval(
    k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``p1 - p2`` (independent samples).

    Examples
    --------
    >>> tuple(round(x, 4) for x in newcombe_difference_interval(20, 20, 0, 20))
    (0.7721, 1.0)
    >>> lo, hi = newcombe_difference_interval(10, 20, 10, 20)
    >>> lo < 0 < hi
    True
    """
    l1, u1 = wilson_interval(k1, n1, confidence)  # validates k1, n1 (n1 >= 1)
    l2, u2 = wilson_interval(k2, n2, confidence)
    p1, p2 = k1 / n1, k2 / n2
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (max(-1.0, lo), min(1.0, hi))


def advantage(mse: float, trivial_mse: float) -> float:
    """``1 - mse / trivial_mse`` (mathematics section 1).

    Examples
    --------
    >>> advantage(0.5, 2.0)
    0.75
    """
    trivial_mse = check_real("trivial_mse", trivial_mse, low=0.0, low_open=True,
                             hint="The target is constant: the advantage is undefined.")
    return 1.0 - float(mse) / trivial_mse


def advantage_interval(mse_ci: tuple[float, float], trivial_mse: float) -> tuple[float, float]:
    """The MSE interval mapped through ``1 - MSE / Var f`` (order reversed).

    Examples
    --------
    >>> advantage_interval((0.5, 1.0), 2.0)
    (0.5, 0.75)
    """
    return (advantage(mse_ci[1], trivial_mse), advantage(mse_ci[0], trivial_mse))


def population_mse(
    predict: Any, target: Any, X: np.ndarray, *, confidence: float = 0.95
) -> MeanEstimate:
    """``mean_i (predict(x_i) - target(x_i))^2`` over the rows of ``X``, with its interval.

    ``predict`` and ``target`` are vectorised callables; ``X`` is evaluated in blocks.

    Examples
    --------
    >>> X = np.zeros((10, 2))
    >>> population_mse(lambda A: np.ones(len(A)), lambda A: np.zeros(len(A)), X).mean
    1.0
    """
    errors = np.empty(X.shape[0])
    for start in range(0, X.shape[0], _EVAL_BLOCK_ROWS):
        block = X[start : start + _EVAL_BLOCK_ROWS]
        pred = np.asarray(predict(block), dtype=np.float64).reshape(-1)
        truth = np.asarray(target(block), dtype=np.float64).reshape(-1)
        errors[start : start + block.shape[0]] = (pred - truth) ** 2
    if not np.all(np.isfinite(errors)):
        raise ParameterError(
            "the learner's predictions must be finite; got nan or inf on the test inputs "
            "(the training diverged: lower the learning rate or the initialisation scale)."
        )
    return mean_ci(errors, confidence)


def seed_learner(learner: Any, rng: np.random.Generator) -> Any:
    """Give ``learner`` a seed drawn from ``rng`` if its seed is left at None.

    The seed goes into ``rng`` when the learner has it, else into ``random_state`` (a plain
    scikit-learn estimator). Returns the learner (modified in place through ``set_params``).
    A seed the caller chose explicitly, under either name, is kept.
    """
    params = learner.get_params(deep=False) if hasattr(learner, "get_params") else {}
    if params.get("random_state") is not None:
        return learner
    if "rng" in params:
        if params["rng"] is None:
            learner.set_params(rng=draw_seed(rng))
    elif "random_state" in params:
        learner.set_params(random_state=draw_seed(rng))
    return learner


def learner_status(estimator: Any) -> str | None:
    """The outcome of a fitted learner that may find nothing (one with ``recovered_``, the
    lattice attacks): its ``status_`` (``"recovered"``, ``"not_recovered"``, ``"timeout"``);
    None for every other learner.

    Examples
    --------
    >>> from hardlearn.learners import MeanRegressor
    >>> class Attack:
    ...     recovered_, status_ = False, "timeout"
    >>> learner_status(Attack()), learner_status(MeanRegressor())
    ('timeout', None)
    """
    recovered = getattr(estimator, "recovered_", None)
    if recovered is None:
        return None
    return str(getattr(estimator, "status_", "recovered" if recovered else "not_recovered"))


def predict_fitted(estimator: Any, X: Any) -> np.ndarray:
    """``estimator.predict(X)``; for an attack that found nothing, its fallback predictor
    (the training mean) without the warning that says so, since the caller records the
    outcome (:func:`learner_status`)."""
    with warnings.catch_warnings():
        if getattr(estimator, "recovered_", None) is False:
            warnings.filterwarnings("ignore", message=".*nothing was recovered")
        return estimator.predict(X)


def evaluate_learner(
    learner: Any,
    problem: Any,
    *,
    train_samples: int,
    test_samples: int,
    rng: np.random.Generator | int,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Train ``learner`` on ``problem`` and measure its population MSE and advantage.

    The generator is split into three streams (:func:`hardlearn._rng.spawn`): the training
    data, the fresh test inputs, and the learner's seed (used only if the learner's ``rng``
    is None). The learner is copied first (``clone``, or a deep copy of a plain object without
    ``get_params``), so the caller's object is not modified.

    Parameters
    ----------
    learner : estimator
        A scikit-learn regressor (``fit(X, y)``, ``predict(X)``).
    problem : NoisyRegression
        The data model; its ``target`` is the clean ``f`` and its ``target_variance()`` the
        trivial MSE.
    train_samples, test_samples : int
        Training pairs and fresh test inputs (``>= 1`` and ``>= 2``).
    rng : numpy.random.Generator or int
    confidence : float, default 0.95

    Returns
    -------
    dict
        ``mse``, ``mse_ci`` (tuple), ``trivial_mse``, ``advantage``, ``advantage_ci`` (tuple),
        ``seconds`` (fit time), ``train_samples``, ``test_samples``, ``confidence``,
        ``ci_method``, and ``fit_<key>`` for each entry of the learner's ``fit_summary()``
        when it has one (MLP: steps, epochs, stopped_reason, ...). A learner that may find
        nothing (one with ``recovered_``, the lattice attacks) also gives ``learner_status``,
        its ``status_`` (``"recovered"``, ``"not_recovered"``, ``"timeout"``): an attack
        that found nothing is an outcome, not an error, and its predictions (the training
        mean, the trivial predictor) are scored like any other, so its advantage is about 0.

    Examples
    --------
    >>> from hardlearn import NoisyRegression, PeriodicNeuron
    >>> from hardlearn.learners import MeanRegressor
    >>> problem = NoisyRegression(PeriodicNeuron([1.0, 0.0], freq=2.0), noise_std=0.01)
    >>> out = evaluate_learner(MeanRegressor(), problem, train_samples=500,
    ...                        test_samples=2000, rng=0)
    >>> abs(out["advantage"]) < 0.05, out["advantage_ci"][0] < 0 < out["advantage_ci"][1]
    (True, True)
    """
    from hardlearn.learners.registry import copy_learner

    train_samples = check_int("train_samples", train_samples, minimum=1)
    test_samples = check_int("test_samples", test_samples, minimum=2)
    gen = as_generator(rng)
    data_rng, test_rng, learner_rng = spawn(gen, 3)
    trivial = float(problem.target_variance())
    estimator = seed_learner(copy_learner(learner), learner_rng)
    X, y = problem.sample(train_samples, rng=data_rng)
    t0 = time.perf_counter()
    estimator.fit(X, y)
    seconds = time.perf_counter() - t0
    X_test = problem.sample_inputs(test_samples, rng=test_rng)
    mse = population_mse(lambda Z: predict_fitted(estimator, Z), problem.target, X_test,
                         confidence=confidence)
    out: dict[str, Any] = {
        "mse": mse.mean,
        "mse_ci": mse.ci,
        "mse_se": mse.se,
        "trivial_mse": trivial,
        "advantage": advantage(mse.mean, trivial),
        "advantage_ci": advantage_interval(mse.ci, trivial),
        "seconds": seconds,
        "train_samples": train_samples,
        "test_samples": test_samples,
        "confidence": confidence,
        "ci_method": CI_METHODS["mse"],
    }
    status = learner_status(estimator)
    if status is not None:
        out["learner_status"] = status
    summary = getattr(estimator, "fit_summary", None)
    if callable(summary):
        out.update({f"fit_{k}": v for k, v in summary().items()})
    return out
