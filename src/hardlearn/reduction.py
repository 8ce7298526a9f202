"""The reduction of mathematics 4: CLWE samples -> regression data; learner -> distinguisher.

**Forward map** (:func:`clwe_to_regression`): ``(y, z) -> (x, label)`` with
``x = sqrt(2 pi) y`` (:func:`hardlearn.conventions.brst_to_standard`) and
``label = phi(z) + xi``, ``xi`` fresh with standard deviation ``sigma`` (Gaussian unless
another law of :mod:`hardlearn.problems.noise` is asked for). Under CLWE the label is
``phi(freq <w, x> + e') + xi``; under the null it is ``phi(U) + xi`` with ``U`` independent
of ``x``.

**Distinguisher** (:class:`Distinguisher`): given ``N = m + m'`` samples, map them forward,
fit the learner on the first ``m``, clip its predictions to the range of ``phi``, compute the
mean squared loss ``L_hat`` on the last ``m'``, and answer ``"clwe"`` iff
``L_hat < Var_U phi(U) + sigma^2 - eps / 2``.

**Advantage** (:func:`estimate_advantage`): ``P[clwe | CLWE] - P[clwe | null]`` over
independent trials, each with a fresh secret, fresh data and a fresh seeded learner, with the
intervals of :mod:`hardlearn.metrics` (Wilson for each proportion, Newcombe's hybrid score
interval for the difference).

**Exponentially small noise** (``estimate_advantage(..., noise_bits=p)``): float64 cannot
carry CLWE noise ``2^-p`` for large ``p``, so the samples come from
:mod:`hardlearn.problems.exact` and the forward map runs in exact arithmetic
(:func:`~hardlearn.problems.exact.triangle_of_clwe`, triangle wave only, no added label noise:
``sigma = 0``, the labels are ``tri(freq <w, x> + e)`` with ``|e| ~ 2^-p``). A learner with
``fit_exact`` (the lattice learner) gets the exact labels; every other learner gets them
rounded to float64. The held-out loss and the decision rule are the same as above.

**Learners that report failure.** A learner whose ``recovered_`` attribute is False after
``fit`` (the lattice learner when no candidate is certified) predicts the mean of its
training labels: the trivial predictor, so its failure costs the distinguisher nothing but
its advantage.

Size: about 650 lines: the forward map, the distinguisher and the advantage estimate in both
noise regimes are the one reduction of LZZ, each step documented where it is computed.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from hardlearn._rng import as_generator, spawn
from hardlearn._validation import check_int, check_real
from hardlearn.conventions import brst_to_standard, gamma_to_freq
from hardlearn.errors import ParameterError
from hardlearn.metrics import (
    CI_METHODS,
    mean_ci,
    newcombe_difference_interval,
    seed_learner,
    wilson_interval,
)
from hardlearn.problems.clwe import CLWE, CLWESamples, NullCLWE, random_direction
from hardlearn.problems.exact import (
    ExactSamples,
    sample_exact,
    sample_exact_null,
    triangle_of_clwe,
)
from hardlearn.problems.noise import NoiseLaw, make_noise_law, noise_law_name
from hardlearn.problems.periodic import PeriodicActivation, PeriodicNeuron, get_activation

__all__ = [
    "clwe_to_regression",
    "distinguisher_threshold",
    "default_eps",
    "build_learner",
    "Decision",
    "Distinguisher",
    "AdvantageEstimate",
    "estimate_advantage",
]

#: Label kinds of the lattice learner that the forward map's activations give.
_LATTICE_LABELS = ("triangle", "cosine")


def clwe_to_regression(
    samples: CLWESamples,
    activation: str | PeriodicActivation,
    noise_std: float,
    *,
    rng: np.random.Generator | int,
    noise_law: str | NoiseLaw = "gaussian",
) -> tuple[np.ndarray, np.ndarray]:
    """Map CLWE (or null) samples to a regression data set (mathematics section 4, forward map).

    Parameters
    ----------
    samples : CLWESamples
        ``y`` of shape (m, n) in the BRST21 normalisation, ``z`` of shape (m,) in ``[0, 1)``.
    activation : str or PeriodicActivation
        ``phi``, e.g. ``"triangle"``.
    noise_std : float
        ``sigma >= 0`` of the fresh label noise ``xi``.
    rng : numpy.random.Generator or int
        Source of ``xi``.
    noise_law : str or NoiseLaw, default "gaussian"
        Law of ``xi`` (:func:`hardlearn.problems.noise.make_noise_law`), standard deviation
        ``noise_std``.

    Returns
    -------
    X : numpy.ndarray, shape (m, n)
        ``sqrt(2 pi) y``.
    labels : numpy.ndarray, shape (m,)
        ``phi(z) + xi``.

    Examples
    --------
    >>> s = CLWE([1.0, 0.0], gamma=2.0, beta=0.01).sample(4, rng=0)
    >>> X, y = clwe_to_regression(s, "triangle", 0.0, rng=1)
    >>> X.shape, bool(np.allclose(y, np.abs(s.z - np.round(s.z))))
    ((4, 2), True)
    """
    if not isinstance(samples, CLWESamples):
        raise ParameterError(
            f"samples must be a CLWESamples (from CLWE(...).sample or NullCLWE(...).sample); "
            f"got {type(samples).__name__}."
        )
    act = get_activation(activation)
    sigma = check_real("noise_std", noise_std, low=0.0)
    noise_law_name(noise_law)
    gen = as_generator(rng)
    X = brst_to_standard(samples.y)
    labels = act(samples.z)
    if sigma > 0:
        labels = labels + make_noise_law(noise_law, sigma).sample(labels.shape[0], gen)
    return X, labels


def distinguisher_threshold(activation: str | PeriodicActivation, noise_std: float,
                            eps: float) -> float:
    """``Var_U phi(U) + sigma^2 - eps / 2``: below it the held-out loss says "clwe".

    Examples
    --------
    >>> round(distinguisher_threshold("triangle", 0.01, 0.01), 6)    # 1/48 + 1e-4 - 0.005
    0.015933
    """
    act = get_activation(activation)
    return act.uniform_variance + float(noise_std) ** 2 - float(eps) / 2.0


def default_eps(regime_eps: float, activation: str | PeriodicActivation = "triangle") -> float:
    """The decision margin used when none is given: ``min(eps, Var_U phi(U) / 2)``.

    The regime's ``eps = 1/d`` is a margin on the MSE, but ``Var_U tri(U)`` is only 1/48, so
    for ``d < 96`` a margin of ``1/d`` would put the threshold below 0 and nothing could ever
    look like CLWE. The cap is half the null loss's signal (a learner explaining half the
    variance).

    Examples
    --------
    >>> default_eps(1 / 16) == 1 / 96
    True
    """
    return min(float(regime_eps), get_activation(activation).uniform_variance / 2.0)


def _accepts_argument(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL):
            return True
    return False


def build_learner(
    learner: Any,
    *,
    params: Mapping[str, Any] | None = None,
    target: Any = None,
    rng: np.random.Generator | None = None,
    activation: Any = None,
) -> Any:
    """A fresh estimator from a learner specification, seeded from ``rng``.

    ``learner`` may be a name (with ``params``), a ``(name, params)`` pair, a mapping
    ``{"name": ..., "params": {...}}``, an unfitted estimator (cloned), or a callable
    returning a fresh estimator (called with the trial's target if it takes an argument, so
    an oracle factory can use it). If the estimator has an ``rng`` parameter left at None, it
    gets a seed drawn from ``rng``. A learner by name with an ``activation`` hyper-parameter
    its params leave out gets ``activation`` (:func:`~hardlearn.learners.registry.make_learner`).

    Examples
    --------
    >>> build_learner("mlp", params={"width": 4}, rng=np.random.default_rng(0)).rng > 0
    True
    >>> type(build_learner(("ridge", {"alpha": 2.0}))).__name__
    'RidgeRegressor'
    """
    from sklearn.base import clone

    from hardlearn.learners.registry import copy_learner, make_learner

    if isinstance(learner, str):
        est = make_learner(learner, dict(params or {}), target=target, activation=activation)
    elif isinstance(learner, tuple) and len(learner) == 2 and isinstance(learner[0], str):
        est = make_learner(learner[0], dict(learner[1] or {}), target=target,
                           activation=activation)
    elif isinstance(learner, Mapping) and "name" in learner:
        est = make_learner(learner["name"], dict(learner.get("params") or {}), target=target,
                           activation=activation)
    elif hasattr(learner, "fit") and hasattr(learner, "get_params"):
        est = clone(learner)
    elif not inspect.isclass(learner) and hasattr(learner, "fit") and hasattr(learner, "predict"):
        est = copy_learner(learner)  # a plain instance without get_params: a deep copy
    elif callable(learner):
        est = learner(target) if _accepts_argument(learner) else learner()
        if not (hasattr(est, "fit") and hasattr(est, "predict")):
            raise ParameterError(
                f"learner factory must return an estimator with fit and predict; got "
                f"{type(est).__name__}."
            )
    else:
        raise ParameterError(
            "learner must be a learner name, a (name, params) pair, a {'name', 'params'} "
            f"mapping, an estimator or a callable returning one; got {learner!r}."
        )
    return seed_learner(est, rng) if rng is not None else est


def _heldout_predictions(
    est: Any, X: np.ndarray, y_train: np.ndarray, act: PeriodicActivation
) -> np.ndarray:
    """The learner's clipped predictions on ``X``; the trivial predictor if it reported failure
    (``recovered_`` False, module docstring)."""
    if getattr(est, "recovered_", True) is False:
        return np.full(X.shape[0], float(np.mean(y_train)))
    pred = act.clip(est.predict(X))
    if not np.all(np.isfinite(pred)):
        raise ParameterError(
            "the learner's predictions must be finite; got nan (the training diverged)."
        )
    return pred


def _learner_label(learner: Any) -> str:
    if isinstance(learner, str):
        return learner
    if isinstance(learner, tuple) and learner and isinstance(learner[0], str):
        return learner[0]
    if isinstance(learner, Mapping) and "name" in learner:
        return str(learner["name"])
    return str(getattr(learner, "__name__", type(learner).__name__))


@dataclass(frozen=True)
class Decision:
    """The distinguisher's answer on one set of samples.

    Attributes
    ----------
    label : {"clwe", "null"}
    loss : float
        Held-out mean squared loss ``L_hat`` of the clipped predictor.
    loss_se : float
        Its standard error (``sd / sqrt(m')``).
    threshold : float
        ``Var_U phi(U) + sigma^2 - eps / 2``.
    train_samples, holdout_samples : int
        ``m`` and ``m'``.
    seconds : float
        Time to fit the learner.
    """

    label: str
    loss: float
    loss_se: float
    threshold: float
    train_samples: int
    holdout_samples: int
    seconds: float


@dataclass(frozen=True)
class Distinguisher:
    """A learner turned into a CLWE distinguisher (mathematics section 4).

    Parameters
    ----------
    learner : str, (name, params), mapping, estimator or callable
        Anything :func:`build_learner` accepts; a fresh estimator is built for every call of
        :meth:`decide`.
    activation : str or PeriodicActivation
        ``phi``.
    noise_std : float
        ``sigma >= 0``, the fresh label noise of the forward map.
    eps : float
        Weak-learning margin ``eps > 0``.
    holdout : int or float
        ``m'``: a count ``>= 1``, or a fraction in ``(0, 1)`` of the samples.
    params : mapping, optional
        Hyper-parameters of a learner given by name.
    noise_law : str, default "gaussian"
        Law of the forward map's label noise (:mod:`hardlearn.problems.noise`); the
        threshold depends only on its standard deviation.

    Examples
    --------
    >>> w = random_direction(4, rng=0)
    >>> samples = CLWE(w, gamma=1.0, beta=0.01).sample(400, rng=1)
    >>> dist = Distinguisher("oracle", "triangle", 0.01, eps=0.01, holdout=0.5)
    >>> f = PeriodicNeuron(w, gamma_to_freq(1.0))
    >>> dist.decide(samples, rng=2, target=f).label
    'clwe'
    """

    learner: Any
    activation: str | PeriodicActivation = "triangle"
    noise_std: float = 0.0
    eps: float = 0.01
    holdout: int | float = 0.25
    params: Mapping[str, Any] | None = field(default=None)
    noise_law: str = "gaussian"

    def __post_init__(self) -> None:
        check_real("noise_std", self.noise_std, low=0.0)
        noise_law_name(self.noise_law)
        check_real("eps", self.eps, low=0.0, low_open=True)
        get_activation(self.activation)
        self._holdout_count(10**9)

    def _build(self, target: Any, rng: np.random.Generator, dim: int) -> Any:
        """A fresh learner. The lattice learner named by string is told the activation's label
        kind (its labels are the forward map's ``phi(z)``) and the label noise ``sigma`` (a
        public parameter of the problem, which sets its best scale), and, unless the caller
        says otherwise, uses its strongest setting: the prediction model's best sample count
        among the training samples (``max_samples="auto"``). ``lattice-pl`` (and any learner
        with an ``activation`` hyper-parameter) is told the activation, and ``sigma`` too."""
        params = dict(self.params or {})
        act = get_activation(self.activation)
        if isinstance(self.learner, str) and self.learner == "lattice":
            if act.name not in _LATTICE_LABELS:
                raise ParameterError(
                    "learner 'lattice' reads triangle or cosine labels only; for the "
                    f"piecewise-linear activation {act.name!r} use learner 'lattice-pl'."
                )
            params.setdefault("labels", act.name)
        if isinstance(self.learner, str) and self.learner in ("lattice", "lattice-pl") \
                and self.noise_std > 0:
            params.setdefault("noise_bits", -math.log2(self.noise_std))
        return build_learner(self.learner, params=params, target=target, rng=rng,
                             activation=act)

    @property
    def threshold(self) -> float:
        """``Var_U phi(U) + sigma^2 - eps / 2``."""
        return distinguisher_threshold(self.activation, self.noise_std, self.eps)

    def _holdout_count(self, n: int) -> int:
        h = self.holdout
        if isinstance(h, bool) or not isinstance(h, int | float | np.integer | np.floating):
            raise ParameterError(
                f"holdout must be a count >= 1 or a fraction in (0, 1); got {h!r}."
            )
        if float(h) >= 1:
            return check_int("holdout", h, minimum=1)
        frac = check_real("holdout", h, low=0.0, high=1.0, low_open=True, high_open=True)
        return max(1, round(frac * n))

    def split_sizes(self, n: int) -> tuple[int, int]:
        """``(m, m')`` for ``n`` samples; a clear error if either would be empty."""
        m_hold = self._holdout_count(n)
        if n - m_hold < 1:
            raise ParameterError(
                f"too few samples for the hold-out: {n} samples and holdout={self.holdout!r} "
                f"({m_hold} held out) leave {n - m_hold} to train on; need at least 1 "
                f"(give more samples or a smaller holdout)."
            )
        return n - m_hold, m_hold

    def decide(
        self, samples: CLWESamples, *, rng: np.random.Generator | int, target: Any = None
    ) -> Decision:
        """Run the learner on ``samples`` and answer ``"clwe"`` or ``"null"``.

        ``rng`` feeds the label noise of the forward map and the learner's seed (two child
        streams). ``target`` is passed to the learner factory (the oracle needs it).
        """
        if not isinstance(samples, CLWESamples):
            raise ParameterError(
                f"samples must be a CLWESamples; got {type(samples).__name__}."
            )
        gen = as_generator(rng)
        noise_rng, learner_rng = spawn(gen, 2)
        m, m_hold = self.split_sizes(len(samples))
        act = get_activation(self.activation)
        X, y = clwe_to_regression(samples, act, self.noise_std, rng=noise_rng,
                                  noise_law=self.noise_law)
        est = self._build(target, learner_rng, samples.dim)
        t0 = time.perf_counter()
        est.fit(X[:m], y[:m])
        seconds = time.perf_counter() - t0
        pred = _heldout_predictions(est, X[m:], y[:m], act)
        return self._decision(pred, y[m:], m, m_hold, seconds)

    def decide_exact(
        self, samples: ExactSamples, *, rng: np.random.Generator | int, target: Any = None
    ) -> Decision:
        """Like :meth:`decide` on exact CLWE (or exact null) samples (module docstring).

        The forward map is exact and adds no label noise, so ``noise_std`` must be 0 and the
        activation the triangle wave. A learner with ``fit_exact`` gets the exact training
        labels; others get float64 labels.
        """
        if not isinstance(samples, ExactSamples) or samples.kind != "clwe":
            got = (f"ExactSamples with {samples.kind!r} labels"
                   if isinstance(samples, ExactSamples) else type(samples).__name__)
            raise ParameterError(
                "samples must be ExactSamples with CLWE labels (hardlearn.problems.exact."
                f"sample_exact(..., labels='clwe')); got {got}."
            )
        act = get_activation(self.activation)
        if act.name != "triangle" or self.noise_std != 0:
            raise ParameterError(
                "the exact forward map is the triangle wave with no added label noise: "
                f"activation must be 'triangle' and noise_std 0; got {act.name!r} and "
                f"{self.noise_std!r}."
            )
        m, m_hold = self.split_sizes(samples.m)
        train = triangle_of_clwe(samples, slice(0, m))
        held = triangle_of_clwe(samples, slice(m, None))
        y_train, y_held = train.labels_float(), held.labels_float()
        est = self._build(target, as_generator(rng), samples.dim)
        t0 = time.perf_counter()
        if hasattr(est, "fit_exact"):
            est.fit_exact(train)
        else:
            est.fit(np.asarray(train.X), y_train)
        seconds = time.perf_counter() - t0
        pred = _heldout_predictions(est, np.asarray(held.X), y_train, act)
        return self._decision(pred, y_held, m, m_hold, seconds)

    def _decision(
        self, pred: np.ndarray, y_held: np.ndarray, m: int, m_hold: int, seconds: float
    ) -> Decision:
        est_loss = mean_ci((pred - y_held) ** 2)
        threshold = self.threshold
        return Decision(
            label="clwe" if est_loss.mean < threshold else "null",
            loss=est_loss.mean,
            loss_se=est_loss.se,
            threshold=threshold,
            train_samples=m,
            holdout_samples=m_hold,
            seconds=seconds,
        )


@dataclass(frozen=True)
class AdvantageEstimate:
    """The measured advantage of a distinguisher; :meth:`as_dict` gives a flat, JSON-ready dict.

    ``advantage = p_clwe_given_clwe - p_clwe_given_null``; intervals as in
    :data:`hardlearn.metrics.CI_METHODS` (Wilson for proportions, Newcombe for the
    difference). ``losses_clwe`` and ``losses_null`` are the held-out losses of each trial.
    """

    advantage: float
    advantage_ci: tuple[float, float]
    p_clwe_given_clwe: float
    p_clwe_given_clwe_ci: tuple[float, float]
    p_clwe_given_null: float
    p_clwe_given_null_ci: tuple[float, float]
    trials: int
    threshold: float
    mean_loss_clwe: float
    mean_loss_null: float
    losses_clwe: tuple[float, ...]
    losses_null: tuple[float, ...]
    trivial_loss: float
    seconds: float
    confidence: float
    parameters: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """Flat dict: the fields, the parameters merged in, and the CI methods."""
        out = asdict(self)
        params = out.pop("parameters")
        out.update(params)
        out["ci_method"] = CI_METHODS["difference"]
        out["proportion_ci_method"] = CI_METHODS["proportion"]
        return out


def estimate_advantage(
    learner: Any,
    *,
    dim: int,
    gamma: float,
    beta: float | None = None,
    noise_std: float,
    eps: float,
    samples: int,
    holdout: int | float = 0.25,
    trials: int = 20,
    activation: str | PeriodicActivation = "triangle",
    params: Mapping[str, Any] | None = None,
    rng: np.random.Generator | int,
    confidence: float = 0.95,
    progress: Callable[[int, int], None] | None = None,
    noise_bits: int | None = None,
    noise_law: str = "gaussian",
) -> AdvantageEstimate:
    """Run the distinguisher on ``trials`` CLWE draws and ``trials`` null draws.

    Each trial (CLWE or null) draws a fresh secret ``w`` (the null trial's secret is only
    shown to a learner factory that asks for the target, e.g. the oracle), fresh samples and a
    fresh learner seeded from its own stream. Trial ``t`` uses the ``t``-th child of ``rng``,
    split into a CLWE part and a null part, each split into (secret, samples, decision).

    Parameters
    ----------
    learner : str, (name, params), mapping, estimator or callable
        See :func:`build_learner`; with a name, ``params`` are its hyper-parameters.
    dim, gamma, beta : CLWE parameters (BRST21 normalisation). Give ``beta`` (float64 data)
        or ``noise_bits`` (exact data), not both.
    noise_std : float
        Label noise ``sigma`` of the forward map.
    eps : float
        Margin of the decision rule.
    samples : int
        ``N = m + m'`` samples per trial.
    holdout : int or float
        ``m'`` as a count or a fraction.
    trials : int
        Trials per hypothesis.
    activation : str or PeriodicActivation
    rng : numpy.random.Generator or int
    confidence : float
    progress : callable, optional
        ``progress(done, total)`` after each trial.
    noise_bits : int, optional
        Exact mode (module docstring): CLWE noise of standard deviation ``2^-noise_bits`` in
        the standard view, exact samples, triangle wave, ``noise_std`` 0.
    noise_law : str, default "gaussian"
        Law of the forward map's label noise (:mod:`hardlearn.problems.noise`).

    Examples
    --------
    >>> est = estimate_advantage("mean", dim=4, gamma=4.0, beta=0.01, noise_std=0.01,
    ...                          eps=0.01, samples=200, trials=3, rng=0)
    >>> est.trials, est.p_clwe_given_null
    (3, 0.0)
    """
    dim = check_int("dim", dim, minimum=1)
    trials = check_int("trials", trials, minimum=1)
    samples = check_int("samples", samples, minimum=2)
    act = get_activation(activation)
    noise_law = noise_law_name(noise_law)
    dist = Distinguisher(learner, act, noise_std, eps, holdout, params, noise_law)
    dist.split_sizes(samples)
    exact = noise_bits is not None
    if exact and act.name != "triangle":
        raise ParameterError(
            "noise_bits (exact samples) needs activation = 'triangle' (the exact forward map "
            "is tri(z) = min(z, 1 - z) in integers); for another activation give beta and a "
            f"small noise_std (float64 samples); got {act.name!r}."
        )
    if exact == (beta is not None):
        raise ParameterError(
            "give exactly one of beta (float64 CLWE samples) and noise_bits (exact samples, "
            f"noise 2^-noise_bits); got beta={beta!r}, noise_bits={noise_bits!r}."
        )
    clwe_beta = math.nan  # the float64 CLWE noise; exact samples carry theirs in noise_bits
    if noise_bits is not None:
        noise_bits = check_int("noise_bits", noise_bits, minimum=1)
        gamma = check_real("gamma", gamma, low=0.0, low_open=True)
    else:
        clwe_beta = check_real("beta", beta, low=0.0, low_open=True)
        CLWE(random_direction(dim, rng=0), gamma, clwe_beta)  # checks gamma and beta early
    freq = gamma_to_freq(gamma)
    null = NullCLWE(dim)
    gen = as_generator(rng)
    hits = {"clwe": 0, "null": 0}
    losses: dict[str, list[float]] = {"clwe": [], "null": []}
    t0 = time.perf_counter()
    for t, trial_rng in enumerate(spawn(gen, trials)):
        for hypothesis, part in zip(("clwe", "null"), spawn(trial_rng, 2), strict=True):
            secret_rng, sample_rng, decide_rng = spawn(part, 3)
            w = random_direction(dim, rng=secret_rng)
            target = PeriodicNeuron(w, freq, act)
            if noise_bits is not None:  # exact
                if hypothesis == "clwe":
                    exact_data = sample_exact(dim, samples, labels="clwe", noise_bits=noise_bits,
                                              rng=sample_rng, freq=freq, secret=w)
                else:
                    exact_data = sample_exact_null(dim, samples, noise_bits=noise_bits,
                                                   rng=sample_rng, freq=freq)
                decision = dist.decide_exact(exact_data, rng=decide_rng, target=target)
            else:
                if hypothesis == "clwe":
                    data = CLWE(w, gamma, clwe_beta).sample(samples, rng=sample_rng)
                else:
                    data = null.sample(samples, rng=sample_rng)
                decision = dist.decide(data, rng=decide_rng, target=target)
            hits[hypothesis] += decision.label == "clwe"
            losses[hypothesis].append(decision.loss)
        if progress is not None:
            progress(t + 1, trials)
    seconds = time.perf_counter() - t0
    k1, k0 = hits["clwe"], hits["null"]
    m, m_hold = dist.split_sizes(samples)
    name = _learner_label(learner)
    return AdvantageEstimate(
        advantage=(k1 - k0) / trials,
        advantage_ci=newcombe_difference_interval(k1, trials, k0, trials, confidence),
        p_clwe_given_clwe=k1 / trials,
        p_clwe_given_clwe_ci=wilson_interval(k1, trials, confidence),
        p_clwe_given_null=k0 / trials,
        p_clwe_given_null_ci=wilson_interval(k0, trials, confidence),
        trials=trials,
        threshold=dist.threshold,
        mean_loss_clwe=float(np.mean(losses["clwe"])),
        mean_loss_null=float(np.mean(losses["null"])),
        losses_clwe=tuple(losses["clwe"]),
        losses_null=tuple(losses["null"]),
        trivial_loss=act.uniform_variance + float(noise_std) ** 2,
        seconds=seconds,
        confidence=confidence,
        parameters={
            "learner": name,
            "dim": dim,
            "gamma": float(gamma),
            "beta": None if beta is None else float(beta),
            "noise_bits": noise_bits,
            "freq": freq,
            "noise_std": float(noise_std),
            "noise_law": noise_law,
            "eps": float(eps),
            "samples": samples,
            "train_samples": m,
            "holdout_samples": m_hold,
            "activation": act.name,
        },
    )
