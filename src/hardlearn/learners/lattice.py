"""Learning the periodic neuron by lattice reduction when the noise is exponentially small.

Size: about 800 lines, most of them the documentation of one estimator with three entry
points (``fit``, ``fit_exact``, and ``export_basis`` / ``fit_reduced`` for other solvers),
and the known-offset entry of :mod:`hardlearn.learners.lattice_pl`, that share one
validation and one finish; the engine is already in its own module.

SZB21's attack (mathematics section 5), built for speed and certified from the data alone.

**The relation.** With ``t_i = freq <w, x_i>`` and ``m >= d + 1`` samples, ``t`` lies (up to
the noise) in the column space of ``X``. Let the rows of ``L`` ((m - d) x m) be an
orthonormal basis of the dependences (``L X = 0``). Then

* CLWE labels ``z = (t + e) mod 1``: ``t = z + k`` with ``k`` in ``Z^m``, so
  ``L (k + z) ~ 0``;
* triangle labels ``y = tri(t) + e``: ``t = k + s y`` with ``s`` in ``{+1, -1}^m``, so
  ``L (k + s y) ~ 0`` (an integer relation among ``L``'s columns and ``L``'s columns times
  ``y``: ``2m`` rows, ``2d + 2`` for ``m = d + 1``);
* cosine labels ``y = cos(2 pi t) + e``: the same with ``u = arccos(y) / (2 pi)`` in place
  of ``y`` (``cos(2 pi t) = cos(2 pi tri(t))``).

**The lattice.** Rows ``(weight_j e_j, M C_j)`` where ``C_j`` is column ``j`` of ``L`` (and,
for CLWE, one more row ``(0, .., 1, M L z)``; for triangle/cosine the rows of the ``s``
coordinates carry ``L_j y_j`` and the weight ``W = round(freq)``, which balances the two
halves of the planted vector ``(k, W s)``). Its dimension is ``m + 1`` (CLWE) or ``2 m``.
Triangle labels with known per-sample offsets ``o``, ``t = k + s y + o`` (the
piecewise-linear activations of :mod:`hardlearn.learners.lattice_pl`, through the private
entry point ``_fit_with_offsets``), add one constant row ``(0, .., 0, 1, M L o)`` as CLWE's:
dimension ``2 m + 1``, planted vector ``(k, W s, 1)``, a candidate's coefficient on that row
must be ``+-1`` and fixes its sign; the model is :mod:`hardlearn.estimate`'s
``"triangle-offset"`` lattice and the certificate is unchanged (the offsets shift the
candidates' lattice, not its density).
The planted vector is short (norm about ``freq sqrt(m)``); reduction finds it when
``M`` is large enough that nothing else is that short.

**The scale M and the sample count (the model).** :mod:`hardlearn.estimate` predicts, from
the lattice's rank, volume and planted norm (Gaussian heuristic with the unique-SVP rule of
LLL or BKZ-``block_size``), the ``log2 M`` at which reduction exposes the noise-free
planted vector (:func:`predicted_scale_bits`) and the best scale at a given noise, where the
planted vector's noise part ``M L e`` is ``sqrt(k / (n - k))`` times its integer part
(:func:`hardlearn.estimate.optimal_scale_bits`; ``noise_bits`` from the data file or the
``noise_bits`` parameter; without it, the label grid ``label_scale_bits`` stands in for the
noise, and for cosine labels ``|L e|`` is measured on the data with the ``1 / (2 pi sin)``
amplification of ``arccos``). That best scale caps ``M``. ``fit`` starts at
:data:`START_FRACTION` of the prediction and, while no candidate is certified, feeds
:data:`FEED_STEP` more bits of ``M`` into the already reduced basis (progressive precision:
``[U | U (C >> s)]`` is the lattice ``[I | C >> s]`` in the reduced basis ``U``, so each
step only absorbs the new bits), up to the cap. ``scale_bits`` fixes ``log2 M`` instead
(one attempt). ``max_samples="auto"`` uses the model's sample plan (:func:`_sample_plan`):
the count that tolerates the most noise among those given
(:func:`hardlearn.estimate.best_samples`), preceded by a cheaper, smaller count when that
one is already predicted to recover with room to spare.

**Reduction.** The big-entry phase runs LLL at ``delta = 0.75`` (:data:`BULK_DELTA`; on
these knapsack-like bases it costs about half of ``delta = 0.99``), then the small-entry
basis is polished with LLL at ``delta``. ``reduction="bkz"`` adds BKZ-``block_size``
(fpylll, BKZ 2.0 with the strategies of :func:`~hardlearn.learners._lattice_core._bkz_strategies`,
auto-abort, ``max_time`` from the time limit) after the LLL polish at every rung of the
ladder of scales that has not yet succeeded, its ladder starting from BKZ's own (smaller)
predicted scale. ``engine="flint"`` does all LLL in python-flint, ``"fpylll"`` in fpylll
(retried with ``long double`` and then MPFR at twice the entry size when fplll reports a
precision failure; the retries are counted in ``fpylll_retries_``), ``"auto"`` uses flint
for the big entries (measured 2x faster than fpylll at 1,700-bit entries, n = 162) and
fpylll for the polish (2x faster on the small entries), or fpylll alone when ``M`` is below
:data:`AUTO_FLINT_MIN_BITS`.

**The secret.** Once a candidate is certified, the integers of every used row are known,
so ``t_i = freq <w, x_i>`` plus noise for all ``m`` rows; ``secret_`` and ``freq_`` come from
least squares over all of them (weighted by the ``arccos`` amplification for cosine labels),
not from the first ``d`` rows alone.

**Certificate.** A candidate ``t`` (integers plus labels) is accepted only when its
distance ``rho`` to the column space of ``X`` (the norm of ``L t``) is too small to be
chance: the expected number of spurious candidates at least as good,
``E = 2^c V_d(|t|) V_(m-d)(rho) d ln(4 |t|)`` (integer points in the region
``|t'| <= |t|``, ``dist <= rho``; ``c = m`` sign patterns for triangle/cosine labels, 0 for
CLWE; the last factor is the union over the candidates' norms), must satisfy
``log2 E <= -certify_bits`` (:func:`hardlearn.estimate.log2_expected_false`, whose
:func:`~hardlearn.estimate.certificate_bits` predicts the noise above which no candidate
can be certified). When the noise level is known, every entry of ``L t`` (iid
``N(0, sigma^2)`` under the model) must also lie within :data:`NOISE_Z_MAX` standard
deviations, otherwise the candidate is discarded and feeding continues. At polynomial noise
``E >> 1``, so the learner reports failure rather than a false recovery. The true secret is
never consulted.

**Time limits.** python-flint's LLL is one C call that cannot be interrupted, so the
reduction runs in a forked child process that the parent kills at ``time_limit`` (measured
overhead: about 55 ms a fit with ``fork`` from a process that has imported torch, on the
2-core test machine under load; see :data:`CHILD_START_METHOD`). The outcome is
recorded as ``status_ = "timeout"`` (or raised as :class:`ReductionTimeout` with
``raise_on_timeout=True``). ``time_limit=None`` runs in process without a limit. Inside a
daemonic process (a ``multiprocessing.Pool`` worker, which may not start children) the
limit is checked between feeding steps only, and BKZ gets it as ``max_time``.

**Float64 labels.** ``fit(X, y)`` with float64 ``y`` treats the labels as exact dyadic
numbers; they carry 53 bits, which caps the attack near ``d = 10`` (mathematics section 5).

This module holds the rules and the estimator; what runs in the worker (the engines, the
lattice's fixed-point columns, the feeding loop and its candidate checks, the time limit)
is in :mod:`hardlearn.learners._lattice_core`.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from hardlearn._rng import int_seed
from hardlearn._validation import check_choice, check_int, check_real
from hardlearn.conventions import wrap_unit
from hardlearn.errors import ParameterError, ReductionTimeout
from hardlearn.estimate import (
    CERTIFY_BITS,
    best_samples,
    optimal_scale_bits,
    scale_bits_needed,
    threshold_bits,
)
from hardlearn.learners._lattice_core import (
    _REDUCTIONS,
    BULK_DELTA,
    CHILD_START_METHOD,
    NOISE_Z_MAX,
    V_BITS,
    Candidate,
    ReductionConfig,
    _basis_rows,
    _build_problem,
    _check_rows,
    _labels_to_ints,
    _least_squares,
    _noise_z_ok,
    _norm_of_ints,
    _Problem,
    _rshift,
    _run_with_limit,
    _solve_fixed,
    _t_values,
    reduce_basis,
)
from hardlearn.learners.baselines import _validate_fit, _validate_predict, seed_parameter
from hardlearn.problems.exact import ExactSamples, default_freq, dyadic_integers

_log = logging.getLogger(__name__)

__all__ = [
    "LatticeRegressor",
    "reduce_basis",
    "predicted_scale_bits",
    "STATUSES",
    "NotRecoveredWarning",
    "BULK_DELTA",
    "NOISE_Z_MAX",
    "CHILD_START_METHOD",
]

#: Outcomes recorded in ``status_``.
STATUSES = ("recovered", "not_recovered", "timeout")
_KINDS = ("clwe", "triangle", "cosine")
_ENGINES = ("auto", "flint", "fpylll")

#: Bits of M fed per progressive step: ``max(FEED_STEP * bits, FEED_MIN_BITS / sqrt(k), 1)``
#: with ``k = m - d`` big columns. Each fed bit costs LLL work in every big column, so the
#: floor shrinks with ``k``: with ``k = 112`` (d = 64, 176 samples) one step of 16 bits (13
#: to 29) took 88 s on the 2-core machine under load 8, where 1.5-bit steps reach the same
#: scale in a few seconds; with ``k = 1`` (``d + 1`` samples) 16 bits stay cheap.
FEED_STEP = 0.04
FEED_MIN_BITS = 16
#: First attempt at this fraction of the predicted bits.
START_FRACTION = 0.92
#: ``engine="auto"`` uses fpylll alone below this many bits of M (flint's LLL was slower than
#: fpylll's below about 100-bit entries at n <= 42, faster above; measured on this machine).
AUTO_FLINT_MIN_BITS = 100
#: Extra fixed-point bits carried beyond the largest M.
_GUARD_BITS = 32
#: ``max_samples="auto"`` first tries the fewest samples predicted to recover with room to
#: spare: a predicted threshold of at most this fraction of the noise bits and at least
#: :data:`SAMPLE_MARGIN_BITS` below them (the model is within about 15% or 4 bits of the
#: measured thresholds, ``benchmarks/bench_lattice.py --table``).
SAMPLE_MARGIN = 0.85
SAMPLE_MARGIN_BITS = 4.0
#: The best count follows a failed cheap count only when the cheap count's predicted
#: threshold is above this fraction of the noise bits: when it is predicted to tolerate twice
#: the noise, its failure is not a matter of noise (on null data there is no planted vector
#: at all) and the larger lattice would only cost time (the demo's distinguishers at 2^-400
#: took 111 s with the fallback on every null decision).
SAMPLE_FALLBACK_FRACTION = 0.5


def predicted_scale_bits(
    dim: int, m: int, *, labels: str = "clwe", reduction: str = "lll", freq: float | None = None,
    block_size: int = 20,
) -> float:
    """``log2 M`` at which reduction is predicted to expose the planted vector.

    :func:`hardlearn.estimate.scale_bits_needed` (the noise-free planted vector), floored at
    8 bits.

    Examples
    --------
    >>> b = predicted_scale_bits(160, 161)
    >>> 1000 < b < 2200
    True
    >>> predicted_scale_bits(160, 320) < b / 20
    True
    """
    return max(scale_bits_needed(dim, m, labels, reduction, block_size, freq), 8.0)


class NotRecoveredWarning(UserWarning):
    """``LatticeRegressor.predict`` fell back to the trivial predictor (nothing recovered)."""


def _label_mean(labels: Any, label_bits: int) -> float:
    """Mean of integer labels on the grid ``2^-label_bits``, as float64 (exact sum first)."""
    return float(sum(int(v) for v in labels) / (len(labels) << label_bits))


def _weight_for(freq: float) -> int:
    return max(1, int(round(freq)))


def _freq_guess(freq_hint: float | None, d: int) -> float:
    """The frequency the scale rule plans for: ``freq_hint``, else ``gamma = 2 sqrt d``."""
    return default_freq(d) if freq_hint is None else freq_hint


def _lattice_model(kind: str, with_offsets: bool) -> str:
    """:mod:`hardlearn.estimate`'s name of the lattice reduced: the labels' kind, or
    ``"triangle-offset"`` (triangle labels with known offsets: one constant row more)."""
    return "triangle-offset" if with_offsets else kind


def _noise_cap(d: int, m: int, kind: str, freq: float, noise_level: float,
               noise_amp: float | None = None) -> float:
    """Largest useful ``log2 M`` at noise ``2^-noise_level``: the best scale of
    :func:`hardlearn.estimate.optimal_scale_bits`."""
    return optimal_scale_bits(d, m, noise_level, kind, freq, noise_amp)


def _sample_plan(d: int, m_all: int, kind: str, freq: float, noise_level: float,
                 reduction: str, block_size: int,
                 certify_bits: float = CERTIFY_BITS) -> list[int]:
    """Sample counts ``max_samples="auto"`` tries, in order (at most two).

    The model's best count among ``d + 1 .. m_all`` (:func:`hardlearn.estimate.best_samples`)
    tolerates the most noise, but its lattice is the largest. When a smaller count is
    predicted to recover with room to spare (:data:`SAMPLE_MARGIN`), it goes first (faster:
    rank ``d + 2`` against about ``3 d`` at noise ``2^-2000``, d = 160), and the best count
    follows only if it fails and the cheap count was not predicted to tolerate far more
    noise than there is (:data:`SAMPLE_FALLBACK_FRACTION`).
    """
    m_best, _ = best_samples(d, m_all, kind, reduction, block_size, freq, certify_bits)
    counts = np.arange(d + 1, m_best + 1)
    p = threshold_bits(d, counts, kind, reduction, block_size, freq, certify_bits)
    fits = counts[p <= min(SAMPLE_MARGIN * noise_level, noise_level - SAMPLE_MARGIN_BITS)]
    if fits.size and int(fits[0]) < m_best:
        cheap = int(fits[0])
        if p[cheap - d - 1] <= SAMPLE_FALLBACK_FRACTION * noise_level:
            return [cheap]  # a failure there is not a matter of noise (null data, say)
        return [cheap, m_best]
    return [m_best]


# --------------------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------------------


class LatticeRegressor(RegressorMixin, BaseEstimator):
    """Recover the periodic neuron ``phi(freq <w, x>)`` exactly by lattice reduction.

    Parameters
    ----------
    labels : {"clwe", "triangle", "cosine"}, default "clwe"
        What the labels are: ``(freq <w, x> + e) mod 1``, ``tri(freq <w, x>) + e`` or
        ``cos(2 pi freq <w, x>) + e``.
    engine : {"auto", "flint", "fpylll"}, default "auto"
        LLL implementation (module docstring).
    reduction : {"lll", "bkz"}, default "lll"
        ``"bkz"`` adds BKZ-``block_size`` (fpylll) after each LLL polish that fails, at every
        rung of the ladder of scales.
    block_size : int, default 20
    time_limit : float or None, default 300.0
        Seconds for the whole reduction; ``None`` runs in process without a limit.
    delta : float, default 0.99
        LLL parameter of the polish pass.
    scale_bits : int or None, default None
        Fix ``log2 M``; ``None`` chooses it by the module rule (progressive).
    noise_bits : float or None, default None
        Known noise level ``2^-noise_bits`` (caps ``M``, tightens the certificate).
    freq_hint : float or None, default None
        Prior guess of the frequency for the scale rule; ``None``: ``gamma = 2 sqrt d``.
    label_scale_bits : int or None, default None
        ``y`` holds integers meaning ``y / 2^label_scale_bits``; ``None``: ``y`` is float64.
    max_samples : int, "auto" or None, default "auto"
        How many samples (the first ones) to use. ``"auto"``: the model's plan (module
        docstring): the best count among those given, after a cheaper one when that is
        predicted to recover with room to spare. ``None``: all; an int: at most that many.
        The whole space of dependences of the used samples enters the lattice.
    certify_bits : float, default 10.0
        Accept a candidate when ``log2 E <= -certify_bits`` (module docstring).
    raise_on_timeout : bool, default False
        Raise :class:`ReductionTimeout` instead of recording ``status_ = "timeout"``.
    rng : int, Generator or None, default None
        Seed for BKZ's randomisation (None: seed 0).
    random_state : int, Generator or None, default None
        scikit-learn's name for the seed; used instead of ``rng`` when not None.

    Attributes
    ----------
    recovered_ : bool
    status_ : {"recovered", "not_recovered", "timeout"}
    mean_ : float
        Mean of the training labels: what ``predict`` returns when nothing was recovered.
    secret_ : ndarray (d,) or None
        Unit vector (for triangle/cosine labels, defined up to sign: both give the same
        function).
    freq_ : float or None
    phases_ : ndarray of int or None
        CLWE: the integers ``k_i`` with ``freq <w, x_i> = z_i + k_i`` (up to the noise).
    lattice_dim_ : int
    lattice_model_ : str
        :mod:`hardlearn.estimate`'s model of the lattice reduced: ``labels``, or
        ``"triangle-offset"`` when known offsets added their constant row.
    engine_ : str
    scale_bits_ : int or None
        ``log2 M`` of the last attempt.
    reduction_seconds_ : float
    attempts_ : list of dict
    certificate_ : dict

    Examples
    --------
    >>> from hardlearn.problems.exact import sample_exact
    >>> s = sample_exact(8, 9, labels="clwe", noise_bits=80, rng=1)
    >>> est = LatticeRegressor(labels="clwe", time_limit=None).fit_exact(s)
    >>> est.status_, bool(abs(est.secret_ @ s.secret) > 1 - 1e-9)
    ('recovered', True)
    """

    def __init__(
        self,
        labels: str = "clwe",
        engine: str = "auto",
        reduction: str = "lll",
        block_size: int = 20,
        time_limit: float | None = 300.0,
        delta: float = 0.99,
        scale_bits: int | None = None,
        noise_bits: float | None = None,
        freq_hint: float | None = None,
        label_scale_bits: int | None = None,
        max_samples: int | str | None = "auto",
        certify_bits: float = CERTIFY_BITS,
        raise_on_timeout: bool = False,
        rng: Any = None,
        random_state: Any = None,
    ) -> None:
        self.labels = labels
        self.engine = engine
        self.reduction = reduction
        self.block_size = block_size
        self.time_limit = time_limit
        self.delta = delta
        self.scale_bits = scale_bits
        self.noise_bits = noise_bits
        self.freq_hint = freq_hint
        self.label_scale_bits = label_scale_bits
        self.max_samples = max_samples
        self.certify_bits = certify_bits
        self.raise_on_timeout = raise_on_timeout
        self.rng = rng
        self.random_state = random_state

    # ---------------------------------------------------------------- validation
    def _params(self) -> dict[str, Any]:
        name = type(self).__name__
        out = {
            "labels": check_choice(f"{name}.labels", self.labels, _KINDS),
            "engine": check_choice(f"{name}.engine", self.engine, _ENGINES),
            "reduction": check_choice(f"{name}.reduction", self.reduction, _REDUCTIONS),
            "block_size": check_int(f"{name}.block_size", self.block_size, minimum=2),
            "delta": check_real(f"{name}.delta", self.delta, low=0.25, high=1.0,
                                low_open=True, high_open=True),
            "certify_bits": check_real(f"{name}.certify_bits", self.certify_bits, low=0.0),
        }
        if self.time_limit is not None:
            out["time_limit"] = check_real(f"{name}.time_limit", self.time_limit, low=0.0,
                                           low_open=True)
        else:
            out["time_limit"] = None
        out["scale_bits"] = None if self.scale_bits is None else check_int(
            f"{name}.scale_bits", self.scale_bits, minimum=1)
        out["noise_bits"] = None if self.noise_bits is None else check_real(
            f"{name}.noise_bits", self.noise_bits, low=0.0)
        out["freq_hint"] = None if self.freq_hint is None else check_real(
            f"{name}.freq_hint", self.freq_hint, low=0.0, low_open=True)
        out["label_scale_bits"] = None if self.label_scale_bits is None else check_int(
            f"{name}.label_scale_bits", self.label_scale_bits, minimum=0)
        if self.max_samples is None or self.max_samples == "auto":
            out["max_samples"] = self.max_samples
        else:
            out["max_samples"] = check_int(f"{name}.max_samples", self.max_samples, minimum=2,
                                           hint='Or pass "auto" or None (all samples).')
        seed_name, rng = seed_parameter(self)  # random_state wins when set
        out["seed"] = int_seed(rng, name=f"{name}.{seed_name}")
        return out

    # ---------------------------------------------------------------- fitting
    def fit(self, X: Any, y: Any) -> LatticeRegressor:
        """Recover the neuron from ``X`` (m, d) and labels ``y`` (module docstring).

        ``y`` is float64 (``label_scale_bits=None``) or integers / decimal strings meaning
        ``y / 2^label_scale_bits``. Returns ``self``; look at ``status_``.
        """
        p = self._params()
        if y is None:  # scikit-learn's wording, which its estimator checks look for
            raise ParameterError(f"{type(self).__name__}.fit requires y to be passed, but the "
                                 "target y is None.")
        if p["label_scale_bits"] is None:  # float64 labels: scikit-learn's checks of X and y
            Xa, y = _validate_fit(self, X, y)
        else:  # integer labels: scikit-learn's checks of X, the labels' own below
            try:
                Xa = validate_data(self, X, reset=True, dtype=np.float64)
            except ValueError as exc:
                raise ParameterError(f"{type(self).__name__}.fit: {exc}") from None
        labels, P = _labels_to_ints(y, p["label_scale_bits"], Xa.shape[0])
        return self._fit(Xa, labels, P, p, p["noise_bits"])

    def fit_exact(self, samples: ExactSamples) -> LatticeRegressor:
        """Fit on :class:`~hardlearn.problems.exact.ExactSamples` (uses their grid and noise).

        The learner's ``labels`` must match ``samples.kind``; ``noise_bits`` defaults to the
        samples' noise level (a property of the problem, not of the secret).
        """
        p, noise = self._exact_inputs(samples)
        return self._fit(np.asarray(samples.X), list(samples.labels), samples.label_bits, p,
                         noise)

    def _fit_with_offsets(self, X: Any, u: Any, offsets: Any) -> LatticeRegressor:
        """Fit triangle labels ``u`` of the inhomogeneous relation ``t = k + s u + o`` with
        known float64 offsets ``o`` (one a sample): the lattice gains one constant row (module
        docstring, "The lattice"). The entry point of
        :class:`~hardlearn.learners.lattice_pl.PiecewiseLinearLatticeRegressor`; ``labels``
        must be ``"triangle"`` and the labels float64. ``u`` and ``o`` are read as exact
        dyadic numbers on one grid (offsets all 0: the homogeneous lattice, as ``fit``; an
        offset meant as 0 must be exactly 0, as
        :func:`~hardlearn.learners.lattice_pl.lattice_labels` makes those within its
        tolerance).
        ``secret_`` and ``freq_`` are then those of
        ``t = freq <w, x>`` itself (the offsets fix its sign); ``predict`` still gives
        ``tri(t)``, which is not what these labels are.
        """
        p = self._params()
        name = type(self).__name__
        if p["labels"] != "triangle" or p["label_scale_bits"] is not None:
            raise ParameterError(
                f"{name}: known offsets need labels='triangle' and float64 labels "
                f"(label_scale_bits=None); got labels={p['labels']!r}, label_scale_bits="
                f"{p['label_scale_bits']!r}."
            )
        Xa, ua = _validate_fit(self, X, u)
        oa = np.asarray(offsets, dtype=np.float64)
        if oa.shape != ua.shape or not np.all(np.isfinite(oa)):
            raise ParameterError(f"{name}: offsets must be {ua.shape[0]} finite numbers, one "
                                 f"a sample; got shape {oa.shape}.")
        ints, P = dyadic_integers(np.r_[ua, oa])
        m = ua.shape[0]
        labels = [int(v) for v in ints[:m]]
        # all offsets 0: the constant row would be a unit vector, shorter than the planted
        # one and never part of it; the relation is the homogeneous one
        return self._fit(Xa, labels, P, p, p["noise_bits"],
                         offsets=[int(v) for v in ints[m:]] if np.any(oa) else None)

    def _fit(self, X: np.ndarray, labels: list[int], P: int, p: dict[str, Any],
             noise_bits: float | None, offsets: list[int] | None = None) -> LatticeRegressor:
        m_all, d = X.shape
        if m_all < d + 1:
            raise ParameterError(
                f"the lattice attack needs at least d + 1 = {d + 1} samples in dimension {d}; "
                f"got m = {m_all}."
            )
        model = _lattice_model(p["labels"], offsets is not None)
        freq_guess = _freq_guess(p["freq_hint"], d)
        weight = _weight_for(freq_guess)
        # noise cap (without it the label grid stands in for the noise)
        noise_level = P if noise_bits is None else min(float(noise_bits), float(P))
        if p["max_samples"] == "auto":
            plan = _sample_plan(d, m_all, model, freq_guess, noise_level, p["reduction"],
                                p["block_size"], p["certify_bits"])
        elif p["max_samples"] is None:
            plan = [m_all]
        else:
            plan = [min(m_all, max(p["max_samples"], d + 1))]
        self.n_features_in_ = d
        self.lattice_model_ = model
        self.label_scale_bits_ = P
        self.mean_ = _label_mean(labels, P)
        self.attempts_: list[dict[str, Any]] = []
        self.reduction_seconds_ = 0.0
        self.reduction_cpu_seconds_ = 0.0
        self.fpylll_retries_ = 0
        t_begin = time.perf_counter()
        for i, m in enumerate(plan):
            status = self._attempt(X, labels, P, p, m, noise_level, noise_bits, freq_guess,
                                   weight, t_begin, offsets)
            _log.info("lattice attempt %d of %d: d = %d, m = %d samples, lattice dimension "
                      "%d, %s, engine %s, last log2 M = %s: %s", i + 1, len(plan), d, m,
                      self.lattice_dim_, p["reduction"], self.engine_, self.scale_bits_,
                      status)
            left = None if p["time_limit"] is None else \
                p["time_limit"] - (time.perf_counter() - t_begin)
            # a failure at the cheap count is retried at the best count (module docstring)
            if status != "not_recovered" or (left is not None and left <= 0) or \
                    i == len(plan) - 1:
                break
        self.status_ = status
        self.recovered_ = status == "recovered"
        self.fit_seconds_ = time.perf_counter() - t_begin
        if status == "timeout" and self.raise_on_timeout:
            raise ReductionTimeout(
                f"lattice reduction exceeded time_limit = {p['time_limit']} s "
                f"(d = {d}, lattice dimension {self.lattice_dim_}, last log2 M = "
                f"{self.scale_bits_})."
            )
        return self

    def _attempt(self, X, labels, P, p, m, noise_level, noise_bits, freq_guess, weight,
                 t_begin, offsets=None):
        """One reduction run on the first ``m`` samples; sets the per-run attributes."""
        d = X.shape[1]
        kind, model = p["labels"], self.lattice_model_
        Xm, lab = X[:m], labels[:m]
        self.lattice_dim_ = m + 1 if kind == "clwe" else 2 * m + (offsets is not None)
        self.samples_used_ = m
        pred = predicted_scale_bits(d, m, labels=model, reduction=p["reduction"],
                                    freq=freq_guess, block_size=p["block_size"])
        # fixed-point precision of the columns: past the noise cap nothing is fed, and far
        # past the prediction (3x) LLL would long have succeeded
        hi = int(min(noise_level + 160, max(3 * pred, 256))) + _GUARD_BITS
        prob = _build_problem(Xm, lab, P, kind, hi, weight,
                              None if offsets is None else offsets[:m])
        cap = _noise_cap(d, m, model, freq_guess, noise_level, prob.noise_amp)
        cap = int(math.floor(min(cap, hi - _GUARD_BITS)))
        if p["scale_bits"] is not None:
            schedule = [min(p["scale_bits"], hi)]
        else:
            b = int(max(min(START_FRACTION * pred, cap), 8))
            schedule = [b]
            while b < cap:
                b = int(min(cap, b + max(FEED_STEP * b, FEED_MIN_BITS / math.sqrt(m - d), 1)))
                schedule.append(b)
        big_bits = max(schedule)
        if p["engine"] == "flint":
            bulk, polish = "flint", "flint"
        elif p["engine"] == "fpylll":
            bulk, polish = "fpylll", "fpylll"
        else:
            bulk = "flint" if big_bits >= AUTO_FLINT_MIN_BITS else "fpylll"
            polish = "fpylll"
        deadline = None if p["time_limit"] is None else \
            p["time_limit"] - (time.perf_counter() - t_begin)
        cfg = ReductionConfig(
            schedule=tuple(schedule), bulk_engine=bulk, polish_engine=polish,
            delta=p["delta"], reduction=p["reduction"], block_size=p["block_size"],
            certify_bits=p["certify_bits"], seed=p["seed"], noise_bits=noise_bits,
            bkz_max_time=p["time_limit"] or 3600.0, deadline=deadline,
        )
        limit = None if deadline is None else max(deadline, 0.01)
        _log.debug("lattice attempt at m = %d: scale schedule log2 M = %s (predicted %.1f, cap "
                   "%s), engines %s/%s, time left %s s", m, list(schedule), pred, cap, bulk,
                   polish, None if limit is None else f"{limit:.3g}")
        out = _run_with_limit(prob, cfg, limit)
        self.predicted_scale_bits_ = pred
        self.scale_bits_cap_ = cap
        self.attempts_ += [dict(a, samples=m) for a in out["attempts"]]
        self.scale_bits_ = out["attempts"][-1]["bits"] if out["attempts"] else None
        self.engine_ = "+".join(out["engines"]) if out["engines"] else \
            ("+".join(sorted({bulk, polish})))
        self.reduction_seconds_ += float(out["seconds"])
        self.reduction_cpu_seconds_ += float(out.get("cpu_seconds", math.nan))
        self.fpylll_retries_ += int(out["retries"])
        self.secret_ = None
        self.freq_ = None
        self.phases_ = None
        self.signs_ = None
        best = out["best"]
        self.certificate_ = {
            "log2_expected_false": None if best is None else best.score,
            "log2_residual": None if best is None else best.log2_rho,
            "rule": f"log2 E <= -{p['certify_bits']:g}",
        }
        status = out["status"]
        if status == "recovered":
            status = self._finish(Xm, prob, out["best"], noise_bits, p["certify_bits"])
        return status

    def _finish(self, X: np.ndarray, prob: _Problem, best: Candidate, noise_bits,
                certify_bits) -> str:
        """Check the accepted candidate against the noise; set the learned attributes.

        The certificate ``log2 E`` was computed in exact integer arithmetic at scale
        ``2^hi`` (the residual ``L t``); here ``v`` with ``X[:d] v = t[:d]`` is solved by
        iterative refinement to :data:`V_BITS` bits and the residuals are compared with the
        noise level when it is known.
        """
        import flint

        score, coef, log2_rho, res = best.score, best.coef, best.log2_rho, best.residual
        m, d = X.shape
        P = prob.label_bits
        t = _t_values(prob, coef)  # scale 2^P
        Xi, sx = dyadic_integers(X[:d])
        A = flint.fmpz_mat([[int(v) for v in row] for row in Xi.tolist()])
        B = flint.fmpz_mat([[_rshift(ti, P - sx)] for ti in t[:d]])
        Y = _solve_fixed(np.ascontiguousarray(X[:d]), A, B, V_BITS, sx)
        vf = _least_squares(X, t, P, Y, prob.extra.get("amp"))
        freq = float(np.linalg.norm(vf))
        z_ok = True
        if noise_bits is not None and prob.kind != "cosine" and res:
            # L has orthonormal rows, so L e has iid N(0, sigma^2) entries.
            z_ok = _noise_z_ok(prob, coef, res, noise_bits)
        self.certificate_ = {
            "log2_expected_false": score,
            "log2_residual": log2_rho,
            "log2_t_norm": _norm_of_ints(t, P),
            "noise_consistent": z_ok,
            "rule": f"log2 E <= -{certify_bits:g}",
        }
        if score > -certify_bits or not z_ok or not math.isfinite(freq) or freq == 0:
            return "not_recovered"
        self.freq_ = freq
        self.secret_ = vf / freq
        self.phases_ = np.array(coef[:m], dtype=object)
        if prob.kind != "clwe":
            self.signs_ = np.array(coef[m:2 * m], dtype=np.int64)
        return "recovered"

    # ---------------------------------------------------------------- other solvers
    def _exact_inputs(self, samples: ExactSamples) -> tuple[dict[str, Any], float]:
        if not isinstance(samples, ExactSamples):
            raise ParameterError(f"samples must be an ExactSamples; got {type(samples)!r}.")
        p = self._params()
        if p["labels"] != samples.kind:
            raise ParameterError(
                f"{type(self).__name__}.labels is {p['labels']!r} but the samples hold "
                f"{samples.kind!r} labels; construct LatticeRegressor(labels={samples.kind!r})."
            )
        noise = p["noise_bits"] if p["noise_bits"] is not None else float(samples.noise_bits)
        return p, noise

    def _export_problem(self, samples: ExactSamples, samples_used: int, scale_bits: int):
        X = np.asarray(samples.X)
        d = X.shape[1]
        m = check_int("samples_used", samples_used, minimum=d + 1)
        if m > X.shape[0]:
            raise ParameterError(f"samples_used must be at most the {X.shape[0]} samples "
                                 f"given; got {m}.")
        bits = check_int("scale_bits", scale_bits, minimum=1)
        p, _ = self._exact_inputs(samples)
        freq = _freq_guess(p["freq_hint"], d)
        prob = _build_problem(X[:m], list(samples.labels)[:m], samples.label_bits,
                              p["labels"], bits + _GUARD_BITS, _weight_for(freq))
        return p, prob

    def export_basis(self, samples: ExactSamples) -> tuple[list[list[int]], dict[str, Any]]:
        """The embedding basis ``fit_exact`` would reduce last, for another solver.

        The sample count is the model's best (``max_samples="auto"``) or ``max_samples``;
        the scale is ``scale_bits`` or the best scale at the samples' noise (the top rung
        of the ladder). Returns the rows (one basis vector a row, ``n`` rows of length
        ``n + k``) and what :meth:`fit_reduced` needs to read a reduced basis back.
        """
        p, noise = self._exact_inputs(samples)
        X = np.asarray(samples.X)
        m_all, d = X.shape
        freq = _freq_guess(p["freq_hint"], d)
        level = min(noise, float(samples.label_bits))
        if p["max_samples"] == "auto":
            m = _sample_plan(d, m_all, p["labels"], freq, level, p["reduction"],
                             p["block_size"], p["certify_bits"])[-1]
        else:
            m = m_all if p["max_samples"] is None else min(m_all, max(p["max_samples"], d + 1))
        if p["scale_bits"] is not None:
            bits = p["scale_bits"]
        else:
            # |L e| / sigma is sqrt(k) for orthonormal L; arccos (cosine labels) amplifies it
            amp = None
            if p["labels"] == "cosine":
                amp = _build_problem(X[:m], list(samples.labels)[:m], samples.label_bits,
                                     "cosine", int(level) + 160, _weight_for(freq)).noise_amp
            bits = int(max(8, math.floor(_noise_cap(d, m, p["labels"], freq, level, amp))))
        _, prob = self._export_problem(samples, m, bits)
        n = prob.n
        rows = _basis_rows(prob, [[int(i == j) for j in range(n)] for i in range(n)], bits)
        info = {"samples_used": m, "scale_bits": bits, "rows": n, "columns": n + prob.k,
                "labels": p["labels"], "weights": sorted(set(prob.weights))}
        return rows, info

    def fit_reduced(self, samples: ExactSamples, rows: Any, *, samples_used: int,
                    scale_bits: int) -> LatticeRegressor:
        """Finish the attack from a basis of the exported lattice reduced elsewhere.

        ``rows`` must be a basis of the lattice :meth:`export_basis` wrote for the same
        samples, ``samples_used`` and ``scale_bits`` (checked: the right shape, every row in
        the lattice, and a unimodular change of basis). Candidate extraction, the
        certificate and the least-squares secret are those of :meth:`fit_exact`.
        """
        import flint

        p, noise = self._exact_inputs(samples)
        _, prob = self._export_problem(samples, samples_used, scale_bits)
        n, k = prob.n, prob.k
        try:
            R = [[int(v) for v in row] for row in rows]
        except (TypeError, ValueError):
            raise ParameterError("the reduced basis must hold integers only.") from None
        if len(R) != n or any(len(r) != n + k for r in R):
            shape = f"{len(R)} x {len(R[0]) if R else 0}"
            raise ParameterError(
                f"the reduced basis must be {n} x {n + k} (the exported lattice: "
                f"samples_used = {samples_used}, {p['labels']} labels); got {shape}."
            )
        w = prob.weights
        if any(r[j] % w[j] for r in R for j in range(n)):
            raise ParameterError("the reduced basis is not a basis of the exported lattice "
                                 "(a row is not in it: its first coordinates are not "
                                 "multiples of the exported weights).")
        U = [[r[j] // w[j] for j in range(n)] for r in R]
        expect = _basis_rows(prob, U, scale_bits)
        if expect != R:
            raise ParameterError("the reduced basis is not a basis of the exported lattice "
                                 "(a row is not in it: its last coordinates do not match).")
        if abs(int(flint.fmpz_mat(U).det())) != 1:
            raise ParameterError("the reduced basis spans a sublattice of the exported lattice "
                                 "(the change of basis has determinant other than +-1).")
        self.n_features_in_ = prob.d
        self.label_scale_bits_ = samples.label_bits
        self.mean_ = _label_mean(samples.labels, samples.label_bits)
        self.lattice_dim_ = n
        self.samples_used_ = samples_used
        self.scale_bits_ = scale_bits
        self.attempts_ = [{"bits": scale_bits, "samples": samples_used, "external": True}]
        self.engine_ = "external"
        self.reduction_seconds_ = 0.0
        self.secret_ = self.freq_ = self.phases_ = self.signs_ = None
        best = _check_rows(prob, R, p["certify_bits"], noise)
        self.certificate_ = {"log2_expected_false": None if best is None else best.score,
                             "rule": f"log2 E <= -{p['certify_bits']:g}"}
        status = "not_recovered"
        if best is not None and best.score <= -p["certify_bits"]:
            status = self._finish(np.asarray(samples.X)[:samples_used], prob, best, noise,
                                  p["certify_bits"])
        self.status_ = status
        self.recovered_ = status == "recovered"
        return self

    # ---------------------------------------------------------------- prediction
    def predict(self, X: Any) -> np.ndarray:
        """``phi(freq_ <secret_, x>)`` in float64 (CLWE: the mod-1 value in [0, 1)).

        When nothing was recovered (``status_`` other than ``"recovered"``) the prediction is
        the trivial predictor, the training labels' mean ``mean_``, with a
        :class:`NotRecoveredWarning` (the reduction treats a failed attack the same way).
        Raises :class:`~sklearn.exceptions.NotFittedError` before ``fit``.
        """
        check_is_fitted(self, "status_",
                        msg="%(name)s.predict: call fit (or fit_exact) first.")
        Xa = _validate_predict(self, X)
        if not self.recovered_:
            warnings.warn(
                f"{type(self).__name__}.predict: nothing was recovered (status "
                f"{self.status_!r}); predicting the training mean {self.mean_:.6g} (the "
                "trivial predictor).",
                NotRecoveredWarning,
                stacklevel=2,
            )
            return np.full(Xa.shape[0], self.mean_)
        t = self.freq_ * (Xa @ self.secret_)
        if self.labels == "clwe":
            return wrap_unit(t)
        from hardlearn.problems.periodic import get_activation

        return get_activation(self.labels)(t)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # On data without a planted periodic neuron (scikit-learn's generic checks) nothing is
        # recovered and the prediction is the training mean: a poor score by design.
        tags.regressor_tags.poor_score = True
        return tags
