"""Predict where lattice reduction learns the periodic neuron: noise thresholds, sample
counts, block sizes and their cost.

Size: about 710 lines: one model (shape, scale, gap, certificate, threshold, sample count,
block size, cost) whose formulas are documented beside each other so they can be checked as
one.

The lattice attack of :class:`~hardlearn.learners.LatticeRegressor` hides a short planted
vector in a lattice built from ``m`` samples (docs/mathematics.md, section 5). This module
predicts, from the lattice's shape alone, when reduction exposes it. Every formula is here,
once; the learner's scale schedule and sample choice, the ``attack`` and ``threshold`` task
kinds, ``hardlearn estimate`` and ``hardlearn params`` all call it.

**The lattice** (``d`` the dimension, ``m >= d + 1`` samples, ``k = m - d`` dependences,
``M`` the scale, noise standard deviation ``sigma = 2^-p``):

* CLWE labels: rank ``n = m + 1``, unit weights, ``log2 vol = k log2 M + 1/2 log2(1 + k/3)``
  (the constant row ``L z`` with ``z ~ U[0, 1)`` has ``E |L z|^2 = k / 3``); planted vector
  ``(k_1..k_m, 1, M L e)`` with ``|k|^2 = m (freq^2 + 1/3) + 1`` (``k_i = t_i - z_i``);
* triangle / cosine labels: rank ``n = 2 m``, weights ``1`` (m times) and
  ``W = round(freq)`` (m times), ``log2 vol = m log2 W + k log2 M``; planted vector
  ``(k, W s, M L e)`` with ``|k, W s|^2 = m (freq^2 + W^2)``;
* triangle labels with known offsets (``"triangle-offset"``, the inhomogeneous embedding
  of :mod:`hardlearn.learners.lattice_pl`): one constant row more, rank ``n = 2 m + 1``,
  planted vector ``(k, W s, 1, M L e)`` with ``|k, W s, 1|^2 = m (freq^2 + W^2) + 1``, the
  volume taken as the triangle lattice's (the row's ``L o`` is not modelled);
* the noise part has norm ``M sigma a`` with ``a = sqrt(k)`` (``L`` has orthonormal rows);
  for cosine labels ``arccos`` amplifies the noise by ``1 / (2 pi sin(2 pi u))``, whose mean
  square over ``m`` samples (truncated at the nearest of them to the poles, ``1 / (4 m)``) is
  about ``m / pi^4``, so ``a = sqrt(k max(1, m / pi^4))`` (a heuristic, not measured).

**The best scale.** ``GH / |v|`` with ``GH = sqrt(n / (2 pi e)) vol^(1/n)`` (the Gaussian
heuristic) is largest at ``M sigma a = R0 sqrt(k / (n - k))`` (``R0`` the noise-free planted
norm), where ``|v| = R0 sqrt(n / (n - k))``: :func:`optimal_scale_bits`.

**Success conditions** (``log2`` of the gap ``GH / |v|`` that reduction needs, :func:`gap_bits`):

* LLL, the unique-SVP rule of Gama and Nguyen (EUROCRYPT 2008, section 4.2):
  ``GH / |v| >= tau delta^n`` with root-Hermite factor ``delta = 1.0219`` and the constant
  ``tau`` fitted here (:data:`TAU_BITS`);
* BKZ-``beta``, the 2016 estimate (Alkim, Ducas, Poppelmann, Schwabe, USENIX Security 2016,
  section 6.3): success when ``sqrt(beta / n) |v| <= delta_beta^(2 beta - n) vol^(1/n)``, i.e.
  ``GH / |v| >= sqrt(beta / (2 pi e)) delta_beta^(n - 2 beta)``. In small ranks this bound is
  not monotone in ``beta``; since BKZ-``beta`` does what any smaller block size (and LLL)
  does, the gap it needs is the least of LLL's and the bound over block sizes from
  :data:`BKZ_SMALLEST_TRUSTED` to ``beta`` (below 10 the bound, with LLL's own delta at
  ``beta = 2``, claims more than the LLL measurements give);
  ``delta_beta`` by
  :func:`root_hermite_factor` (the lattice estimator's table below ``beta = 40``, measured
  with fpylll BKZ 2.0, and the asymptotic formula
  ``((pi beta)^(1/beta) beta / (2 pi e))^(1 / (2 (beta - 1)))`` of Chen's thesis (2013) above).

**The threshold.** Solving the condition for ``p`` at the best scale gives the largest noise
``2^-p`` the reduction recovers from ``m`` samples (:func:`threshold_bits`)::

    p*(m) = [n (g + log2 |v| - 1/2 log2(n / (2 pi e))) - log2 weights - log2 vol_extra] / k
            - log2 R0 + log2 a - 1/2 log2(k / (n - k))

with ``g`` the required gap.

**The certificate.** The learner accepts a candidate only when the data certify it: the
expected number of spurious integer candidates at least as good,
``E = 2^c V_d(|t|) V_k(rho) d ln(4 |t|)`` (:func:`log2_expected_false`; ``t`` the
candidate's phases, ``|t| ~ sqrt(m) freq``; ``rho = |L e| ~ sigma a`` its distance to the
column space of the inputs; ``c = m`` sign patterns for triangle and cosine labels, 0 for
CLWE), must satisfy ``log2 E <= -certify_bits``. Solved for the noise::

    p_cert(m) = [c + log2 V_d(|t|) + log2 V_k(1) + log2(d ln(4 |t|)) + certify_bits] / k + log2 a

With ``k = 1`` (``d + 1`` samples) this is about ``d log2 |t|``: for CLWE labels it lies above
the reduction's threshold below d = 36 (LLL; 44 for BKZ-20, 54 for BKZ-40), and there no
reduction, however strong, is certified below it (README: 10 such cells measured).

**The threshold** is the larger of the two: noise ``2^-p`` with ``p >= max(p*, p_cert)`` is
predicted recovered and certified (:func:`threshold_bits`). The best ``m``
(:func:`best_samples`) minimises it: about ``2 d`` for CLWE labels, where
``p* ~ 4 d log2 delta ~ 0.13 d``.

**Cost.** The core-SVP model (ADPS16): one SVP call in dimension ``beta`` costs
``2^(0.292 beta)`` classically (sieving, Becker-Ducas-Gama-Laarhoven, SODA 2016) and
``2^(0.265 beta)`` quantumly (Laarhoven's thesis, 2015); the number of calls is ignored, as
in that model. LLL's cost is polynomial (``cost_bits`` 0).

Examples
--------
>>> round(threshold_bits(40, 41), 0) > 150         # d + 1 samples: far below float64
True
>>> m, bits = best_samples(40, labels="clwe")
>>> 2 * 40 <= m <= 4 * 40 and bits < 15            # a few times d samples: a few bits
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from hardlearn._validation import check_choice, check_int, check_real
from hardlearn.conventions import gamma_to_freq
from hardlearn.errors import ParameterError

__all__ = [
    "LABELS",
    "REDUCTIONS",
    "LLL_DELTA",
    "TAU_BITS",
    "CORE_SVP",
    "BKZ_SMALLEST_TRUSTED",
    "MAX_SAMPLE_FACTOR",
    "CERTIFY_BITS",
    "log2_ball",
    "log2_expected_false",
    "certificate_bits",
    "root_hermite_factor",
    "gap_bits",
    "scale_bits_needed",
    "optimal_scale_bits",
    "threshold_bits",
    "best_samples",
    "block_size_needed",
    "core_svp_bits",
    "AttackEstimate",
    "estimate_attack",
    "instance_security",
    "default_freq",
]

#: Label kinds an estimate can be made for (``labels=``).
LABELS = ("clwe", "triangle", "cosine", "triangle-offset")
#: Lattice reductions an estimate can assume (``reduction=``).
REDUCTIONS = ("lll", "bkz")
#: LLL's root-Hermite factor (Gama and Nguyen, EUROCRYPT 2008, section 3.2).
LLL_DELTA = 1.0219
#: ``log2 tau``, the constant of the unique-SVP rule ``GH / |v| >= tau delta^n``, per
#: reduction. LLL: least-squares fit (slope fixed by ``LLL_DELTA``) to the smallest
#: ``log2 M`` with recovery in pass 1 of ``benchmarks/bench_lattice.py`` (noise-free
#: planted vector, lattice ranks 42, 82, 122, 162; measured ``log2 GH / R0`` of 0.35, 1.7,
#: 3.1, 3.9). BKZ: 0 (the 2016 estimate as published; the measured thresholds of
#: ``bench_lattice.py --table`` are printed beside it).
TAU_BITS = {"lll": -0.93, "bkz": 0.0}
#: The smallest block size whose 2016 bound enters BKZ's requirement (:func:`gap_bits`).
BKZ_SMALLEST_TRUSTED = 10
#: Core-SVP exponents (bits per unit of block size): BDGL16 sieving, Laarhoven 2015.
CORE_SVP = {"classical": 0.292, "quantum": 0.265}
#: The certificate's default margin, ``log2 E <= -CERTIFY_BITS`` (an expected 2^-10 spurious
#: candidates: :class:`~hardlearn.learners.LatticeRegressor`'s ``certify_bits``).
CERTIFY_BITS = 10.0
#: Sample counts searched when none is given: up to this many times ``d`` (the best count
#: is near ``2 d`` for CLWE labels and below ``4 d`` for triangle labels at every ``d``).
MAX_SAMPLE_FACTOR = 8
#: BKZ block sizes of the estimator's measured table (fpylll BKZ 2.0, q-ary lattices of
#: dimension 320; lattice-estimator, ``estimator/reduction.py``) and their root-Hermite
#: factors; above 40 the asymptotic formula applies.
_SMALL_BKZ = ((2, 1.02190), (5, 1.01862), (10, 1.01616), (15, 1.01485), (20, 1.01420),
              (25, 1.01342), (28, 1.01331), (40, 1.01295))
_TWO_PI_E = 2 * math.pi * math.e
#: Sample counts (evenly spaced over the range) on which :func:`block_size_needed` searches:
#: the threshold is flat in ``m`` near its minimum, and the full range made
#: ``hardlearn estimate --dim 1024`` take seconds.
_BLOCK_SEARCH_COUNTS = 97
#: Block sizes evaluated at once in :func:`gap_bits` (memory: this many times the ranks).
_BETA_CHUNK = 128


def default_freq(dim: int) -> float:
    """The frequency of ``gamma = 2 sqrt(d)``: ``2 sqrt(d) / sqrt(2 pi)``."""
    return gamma_to_freq(2.0 * math.sqrt(dim))


def root_hermite_factor(reduction: str = "lll", block_size: int = 20) -> float:
    """Root-Hermite factor ``delta`` of LLL or BKZ-``block_size``.

    Examples
    --------
    >>> root_hermite_factor("lll")
    1.0219
    >>> root_hermite_factor("bkz", 20), round(root_hermite_factor("bkz", 60), 5)
    (1.0142, 1.01145)
    """
    reduction = check_choice("reduction", reduction, REDUCTIONS)
    if reduction == "lll":
        return LLL_DELTA
    beta = check_int("block_size", block_size, minimum=2)
    if beta <= 40:
        return [f for b, f in _SMALL_BKZ if b <= beta][-1]
    return ((math.pi * beta) ** (1 / beta) * beta / _TWO_PI_E) ** (1 / (2 * (beta - 1)))


def gap_bits(n: Any, reduction: str = "lll", block_size: int = 20) -> Any:
    """``log2`` of the gap ``GH / |v|`` reduction needs in rank ``n`` (module docstring).

    Examples
    --------
    >>> round(float(gap_bits(162)), 2)
    4.13
    >>> bool(gap_bits(162, "bkz", 40) < gap_bits(162, "bkz", 20) < gap_bits(162))
    True
    """
    n = np.asarray(n, dtype=float)
    lll = TAU_BITS["lll"] + n * math.log2(LLL_DELTA)
    if reduction == "lll":
        return lll
    top = check_int("block_size", block_size, minimum=2)
    betas = np.arange(BKZ_SMALLEST_TRUSTED, top + 1, dtype=float)
    if betas.size == 0:
        return lll
    log2_delta = np.log2([root_hermite_factor("bkz", int(b)) for b in betas])
    flat = n.reshape(1, -1)
    need = lll.reshape(-1).copy()
    for lo in range(0, betas.size, _BETA_CHUNK):  # bounded memory: chunk x ranks
        b = np.minimum(betas[lo:lo + _BETA_CHUNK, None], flat)
        adps = TAU_BITS["bkz"] + 0.5 * np.log2(b / _TWO_PI_E) + \
            (flat - 2 * b) * log2_delta[lo:lo + _BETA_CHUNK, None]
        need = np.minimum(need, adps.min(axis=0))
    return need.reshape(n.shape)


@dataclass(frozen=True)
class _Shape:
    """Rank, dependences and the planted vector's parts, as arrays over ``m``."""

    n: np.ndarray
    k: np.ndarray
    log2_weights: np.ndarray
    log2_vol_extra: np.ndarray
    log2_r0: np.ndarray
    log2_amp: np.ndarray


def _shape(dim: int, m: np.ndarray, labels: str, freq: float) -> _Shape:
    m = m.astype(float)
    k = m - dim
    if labels == "clwe":
        n = m + 1
        log2_weights = np.zeros_like(m)
        log2_vol_extra = 0.5 * np.log2(1 + k / 3)
        r0_sq = m * (freq**2 + 1 / 3) + 1
    else:
        const = 1.0 if labels == "triangle-offset" else 0.0   # the constant row
        n = 2 * m + const
        weight = max(1, round(freq))
        log2_weights = m * math.log2(weight)
        log2_vol_extra = np.zeros_like(m)
        r0_sq = m * (freq**2 + weight**2) + const
    amp_sq = k * (np.maximum(1.0, m / math.pi**4) if labels == "cosine" else 1.0)
    return _Shape(n, k, log2_weights, log2_vol_extra, 0.5 * np.log2(r0_sq),
                  0.5 * np.log2(amp_sq))


def _checked(dim: Any, labels: str, reduction: str, block_size: int, freq: float | None):
    dim = check_int("dim", dim, minimum=1)
    labels = check_choice("labels", labels, LABELS)
    reduction = check_choice("reduction", reduction, REDUCTIONS)
    block_size = check_int("block_size", block_size, minimum=2)
    freq = default_freq(dim) if freq is None else check_real("freq", freq, low=0.0,
                                                               low_open=True)
    return dim, labels, reduction, block_size, freq


def _samples_array(dim: int, samples: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(samples))
    if arr.dtype.kind not in "iu" or arr.size == 0 or int(arr.min()) < dim + 1:
        raise ParameterError(
            f"samples must be integers >= d + 1 = {dim + 1} (the attack needs a dependence); "
            f"got {samples!r}."
        )
    return arr.astype(np.int64)


def log2_ball(n: Any, r: Any) -> Any:
    """``log2`` of the volume of the ``n``-ball of radius ``r`` (exact: ``Gamma``, not Stirling).

    Examples
    --------
    >>> round(float(log2_ball(2, 1.0)), 6) == round(math.log2(math.pi), 6)
    True
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore"):
        log2_r = np.log2(np.asarray(r, dtype=float))
    lgam = np.vectorize(math.lgamma, otypes=[float])(n / 2 + 1)
    out = np.where(n == 0, 0.0, (n / 2) * math.log2(math.pi) + n * log2_r - lgam / math.log(2))
    return float(out) if out.ndim == 0 else out


def log2_expected_false(dim: int, k: Any, log2_t: Any, log2_rho: Any, signs: Any = 0) -> Any:
    """``log2 E``, the expected number of spurious candidates at least as good as one with
    phases of norm ``2^log2_t`` at distance ``2^log2_rho`` from the inputs' column space.

    ``E = 2^signs V_dim(|t|) V_k(rho) dim ln(4 |t|)`` (module docstring, "The
    certificate"); the learner's certificate and :func:`certificate_bits` both use it.

    Examples
    --------
    >>> round(float(log2_expected_false(20, 1, 4.0, -90.0)), 2)
    -7.9
    """
    log2_t = np.minimum(np.asarray(log2_t, dtype=float), 1000.0)
    union = np.log2(np.maximum(1.0, dim * np.log(np.maximum(4.0 * 2.0**log2_t, 2.0))))
    rho = log2_ball(k, 1.0) + np.asarray(k, dtype=float) * np.asarray(log2_rho, dtype=float)
    out = np.asarray(signs, dtype=float) + log2_ball(dim, 2.0**log2_t) + rho + union
    return float(out) if np.ndim(out) == 0 else out


def _certificate_array(dim: int, m: np.ndarray, labels: str, freq: float,
                       certify_bits: float) -> np.ndarray:
    s = _shape(dim, m, labels, freq)
    signs = np.zeros_like(s.k) if labels == "clwe" else m.astype(float)
    log2_t = 0.5 * np.log2(m * freq**2)
    # log2 E is linear in log2 rho = log2 a - p with slope k: solve log2 E = -certify_bits
    at_unit = log2_expected_false(dim, s.k, log2_t, 0.0, signs)
    return (at_unit + certify_bits) / s.k + s.log2_amp


def _threshold_array(dim, m, labels, reduction, block_size, freq,
                     certify_bits: float | None = CERTIFY_BITS) -> np.ndarray:
    s = _shape(dim, m, labels, freq)
    log2_v = s.log2_r0 + 0.5 * np.log2(s.n / (s.n - s.k))
    reduce = _scale_for(s, log2_v, reduction, block_size) - s.log2_r0 + s.log2_amp \
        - 0.5 * np.log2(s.k / (s.n - s.k))
    if certify_bits is None:
        return reduce
    return np.maximum(reduce, _certificate_array(dim, m, labels, freq, certify_bits))


def certificate_bits(
    dim: int,
    samples: Any,
    labels: str = "clwe",
    freq: float | None = None,
    certify_bits: float = CERTIFY_BITS,
) -> Any:
    """``p_cert``: the noise ``2^-p`` above which the planted candidate, even when found, is
    not certified by the data (module docstring, "The certificate").

    Examples
    --------
    >>> round(float(certificate_bits(20, 21)), 0), round(float(certificate_bits(20, 40)), 1)
    (93.0, 7.0)
    """
    dim, labels, _, _, freq = _checked(dim, labels, "lll", 20, freq)
    certify_bits = check_real("certify_bits", certify_bits, low=0.0)
    m = _samples_array(dim, samples)
    out = _certificate_array(dim, m, labels, freq, certify_bits)
    return float(out[0]) if np.ndim(samples) == 0 else out


def _scale_for(s: _Shape, log2_v: np.ndarray, reduction: str, block_size: int) -> np.ndarray:
    """``log2 M`` at which ``GH / |v|`` reaches the required gap, for a planted norm
    ``2^log2_v`` (``GH`` grows as ``M^(k / n)``)."""
    g = gap_bits(s.n, reduction, block_size)
    need = s.n * (g + log2_v - 0.5 * np.log2(s.n / _TWO_PI_E)) - s.log2_weights \
        - s.log2_vol_extra
    return need / s.k


def threshold_bits(
    dim: int,
    samples: Any,
    labels: str = "clwe",
    reduction: str = "lll",
    block_size: int = 20,
    freq: float | None = None,
    certify_bits: float | None = CERTIFY_BITS,
) -> Any:
    """Predicted threshold: noise ``2^-p`` with ``p >= max(p*, p_cert)`` is recovered and
    certified from ``samples`` (module docstring).

    ``samples`` is an int or an array of ints (then an array is returned); ``certify_bits``
    is the learner's certificate margin (``None``: the reduction's threshold ``p*`` alone).

    Examples
    --------
    >>> round(float(threshold_bits(20, 21)), 1), round(float(threshold_bits(20, 40)), 1)
    (92.7, 7.3)
    >>> round(float(threshold_bits(20, 21, certify_bits=None)), 1)   # the reduction alone
    78.5
    """
    dim, labels, reduction, block_size, freq = _checked(dim, labels, reduction, block_size,
                                                        freq)
    if certify_bits is not None:
        certify_bits = check_real("certify_bits", certify_bits, low=0.0)
    m = _samples_array(dim, samples)
    out = _threshold_array(dim, m, labels, reduction, block_size, freq, certify_bits)
    return float(out[0]) if np.ndim(samples) == 0 else out


def scale_bits_needed(
    dim: int,
    samples: int,
    labels: str = "clwe",
    reduction: str = "lll",
    block_size: int = 20,
    freq: float | None = None,
) -> float:
    """``log2 M`` at which reduction exposes a noise-free planted vector (the LLL schedule's
    target; ``GH / R0`` equal to the required gap).

    Examples
    --------
    >>> 1000 < scale_bits_needed(160, 161) < 2200
    True
    """
    dim, labels, reduction, block_size, freq = _checked(dim, labels, reduction, block_size,
                                                        freq)
    m = _samples_array(dim, samples)
    s = _shape(dim, m, labels, freq)
    return float(_scale_for(s, s.log2_r0, reduction, block_size)[0])


def optimal_scale_bits(
    dim: int,
    samples: int,
    noise_bits: float,
    labels: str = "clwe",
    freq: float | None = None,
    noise_amp: float | None = None,
) -> float:
    """The scale ``log2 M`` that maximises ``GH / |v|`` at noise ``2^-noise_bits``.

    ``noise_amp`` is ``|L e| / sigma`` when it is known from the data (default: the model's).

    Examples
    --------
    >>> round(optimal_scale_bits(20, 21, 100), 1)
    101.9
    """
    dim, labels, _, _, freq = _checked(dim, labels, "lll", 20, freq)
    m = _samples_array(dim, samples)
    s = _shape(dim, m, labels, freq)
    log2_amp = s.log2_amp[0] if noise_amp is None else math.log2(noise_amp)
    k, n = float(s.k[0]), float(s.n[0])
    return float(noise_bits + s.log2_r0[0] - log2_amp + 0.5 * math.log2(k / (n - k)))


def _sample_range(dim: int, available: int | None) -> np.ndarray:
    """Counts searched: ``d + 1`` to ``available``, at most :data:`MAX_SAMPLE_FACTOR` ``d``
    (past it the threshold only grows: the larger lattice outweighs the extra relations)."""
    top = MAX_SAMPLE_FACTOR * dim + 8
    if available is not None:
        top = min(top, check_int("available", available, minimum=dim + 1))
    return np.arange(dim + 1, top + 1, dtype=np.int64)


def best_samples(
    dim: int,
    available: int | None = None,
    labels: str = "clwe",
    reduction: str = "lll",
    block_size: int = 20,
    freq: float | None = None,
    certify_bits: float = CERTIFY_BITS,
) -> tuple[int, float]:
    """The sample count from ``d + 1`` to ``available`` with the largest tolerated noise.

    Returns ``(m, threshold_bits)``. ``available=None`` searches up to
    :data:`MAX_SAMPLE_FACTOR` ``d``.

    Examples
    --------
    >>> best_samples(20, available=21)[0]
    21
    >>> m, bits = best_samples(20, labels="triangle")
    >>> m > 21 and bits < threshold_bits(20, 21, labels="triangle")
    True
    """
    dim, labels, reduction, block_size, freq = _checked(dim, labels, reduction, block_size,
                                                        freq)
    certify_bits = check_real("certify_bits", certify_bits, low=0.0)
    m = _sample_range(dim, available)
    p = _threshold_array(dim, m, labels, reduction, block_size, freq, certify_bits)
    i = int(np.argmin(p))
    return int(m[i]), float(p[i])


def block_size_needed(
    dim: int,
    noise_bits: float,
    labels: str = "clwe",
    available: int | None = None,
    freq: float | None = None,
) -> int | None:
    """Smallest BKZ block size predicted to recover noise ``2^-noise_bits`` at its best ``m``.

    ``None`` when even full enumeration (block size = rank) is predicted to fail with the
    samples available, or when the noise is above what the data can certify
    (:func:`certificate_bits`). Returns 2 when LLL-like reduction (BKZ-2) already suffices. The
    counts searched are :data:`_BLOCK_SEARCH_COUNTS` evenly spaced ones when the range is
    longer.

    Examples
    --------
    >>> block_size_needed(40, 300)
    2
    >>> b = block_size_needed(64, 8.0)
    >>> b is None or b > 40
    True
    """
    dim, labels, _, _, freq = _checked(dim, labels, "bkz", 20, freq)
    noise_bits = check_real("noise_bits", noise_bits)
    m = _sample_range(dim, available)
    if m.size > _BLOCK_SEARCH_COUNTS:  # the threshold is flat in m near its minimum
        m = np.unique(np.linspace(m[0], m[-1], _BLOCK_SEARCH_COUNTS).round().astype(np.int64))

    def ok(beta: int) -> bool:
        return bool(np.min(_threshold_array(dim, m, labels, "bkz", beta, freq)) <= noise_bits)

    top = int(_shape(dim, m[-1:], labels, freq).n[0])   # the lattice's rank at the most samples
    if not ok(top):
        return None
    if ok(2):
        return 2
    lo, hi = 2, top  # lo fails, hi succeeds (success is monotone in the block size)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def core_svp_bits(block_size: int) -> dict[str, float]:
    """Core-SVP cost of BKZ-``block_size`` in bits: ``{"classical": .., "quantum": ..}``.

    Examples
    --------
    >>> core_svp_bits(100)
    {'classical': 29.2, 'quantum': 26.5}
    """
    beta = check_int("block_size", block_size, minimum=2)
    return {name: round(c * beta, 6) for name, c in CORE_SVP.items()}


@dataclass(frozen=True)
class AttackEstimate:
    """One prediction of :func:`estimate_attack` (fields documented there)."""

    dim: int
    labels: str
    freq: float
    noise_bits: float | None
    samples_available: int | None
    lll_samples: int
    lll_threshold_bits: float
    lll_threshold_bits_d_plus_1: float
    certificate_bits: float
    bkz_thresholds: dict[int, dict[str, float]]
    lll_recovers: bool | None
    block_size_needed: int | None
    cost_bits_classical: float | None
    cost_bits_quantum: float | None
    cost_model: str

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["bkz_thresholds"] = {str(b): v for b, v in self.bkz_thresholds.items()}
        return out


def estimate_attack(
    dim: int,
    noise_bits: float | None = None,
    labels: str = "clwe",
    samples: int | None = None,
    freq: float | None = None,
    block_sizes: tuple[int, ...] = (20, 30, 40),
) -> AttackEstimate:
    """Everything the model predicts for one instance (what ``hardlearn estimate`` prints).

    Parameters
    ----------
    dim : int
    noise_bits : float, optional
        The instance's noise ``2^-noise_bits``; without it only thresholds are reported.
    labels : {"clwe", "triangle", "cosine", "triangle-offset"}
    samples : int, optional
        Samples available (default: up to :data:`MAX_SAMPLE_FACTOR` ``d``).
    freq : float, optional
        Default ``2 sqrt(d) / sqrt(2 pi)`` (``gamma = 2 sqrt d``).
    block_sizes : tuple of int
        BKZ block sizes whose thresholds are listed.

    Returns
    -------
    AttackEstimate
        ``lll_samples`` / ``lll_threshold_bits``: LLL's best ``m`` and its threshold;
        ``certificate_bits``: the least ``p_cert`` over the counts available (below it no
        reduction's answer can be certified by the data);
        ``bkz_thresholds[beta] = {"samples", "threshold_bits"}``; with ``noise_bits``:
        ``lll_recovers``, the ``block_size_needed`` (2 means LLL-strength reduction
        suffices; None: not even full enumeration, with these samples) and its core-SVP
        cost in bits.

    Examples
    --------
    >>> e = estimate_attack(64, noise_bits=8, labels="triangle")
    >>> e.lll_recovers, e.cost_model
    (False, 'core-SVP (ADPS16): 0.292 beta classical (BDGL16), 0.265 beta quantum')
    """
    dim, labels, _, _, freq = _checked(dim, labels, "lll", 20, freq)
    if samples is not None:
        samples = check_int("samples", samples, minimum=dim + 1)
    m_lll, p_lll = best_samples(dim, samples, labels, "lll", freq=freq)
    bkz = {}
    for beta in block_sizes:
        m_b, p_b = best_samples(dim, samples, labels, "bkz", beta, freq)
        bkz[int(beta)] = {"samples": m_b, "threshold_bits": round(p_b, 3)}
    counts = _sample_range(dim, samples)
    cert = float(np.min(_certificate_array(dim, counts, labels, freq, CERTIFY_BITS)))
    recovers = beta_needed = classical = quantum = None
    if noise_bits is not None:
        noise_bits = check_real("noise_bits", noise_bits)
        recovers = bool(p_lll <= noise_bits)
        beta_needed = block_size_needed(dim, noise_bits, labels, samples, freq)
        if beta_needed is not None:
            cost = core_svp_bits(beta_needed)
            classical, quantum = cost["classical"], cost["quantum"]
    return AttackEstimate(
        dim=dim, labels=labels, freq=freq, noise_bits=noise_bits, samples_available=samples,
        lll_samples=m_lll, lll_threshold_bits=round(p_lll, 3),
        lll_threshold_bits_d_plus_1=round(float(threshold_bits(dim, dim + 1, labels,
                                                               freq=freq)), 3),
        certificate_bits=round(cert, 3), bkz_thresholds=bkz, lll_recovers=recovers,
        block_size_needed=beta_needed,
        cost_bits_classical=classical, cost_bits_quantum=quantum,
        cost_model="core-SVP (ADPS16): 0.292 beta classical (BDGL16), 0.265 beta quantum",
    )


def _lll_learnable_below(labels: str, noise_bits_of, samples_of, top: int) -> int:
    """Largest ``d <= top`` at which LLL is predicted to recover (0 when none).

    The threshold grows linearly in ``d`` and the regimes' noise bits logarithmically or as
    ``d^eta`` with ``eta < 1/2``, so learnability holds below one crossing: a geometric scan
    finds its bracket and bisection the crossing.
    """
    def ok(d: int) -> bool:
        return best_samples(d, samples_of(d), labels, "lll")[1] <= noise_bits_of(d)

    grid = sorted({int(round(2 * 1.5**i)) for i in range(64) if 2 * 1.5**i <= top} | {top})
    last = 0
    for i, d in enumerate(grid):
        if ok(d):
            last = i + 1
        elif last:
            break
    if last == 0:
        return 0
    lo = grid[last - 1]
    if last == len(grid):
        return lo
    hi = grid[last]  # lo learnable, hi not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def instance_security(regime: Any) -> dict[str, Any]:
    """The predicted cheapest lattice attack on a :class:`~hardlearn.regimes.Regime`.

    Two targets: the CLWE layer (labels ``z mod 1`` with noise ``beta / sqrt(2 pi)``) and the
    learning problem (triangle labels with label noise ``sigma``), each with the regime's
    ``samples``. For each: the block size needed, its core-SVP cost, and the dimension up to
    which LLL is predicted to learn at that regime's noise law (``gamma = 2 sqrt d`` and
    ``samples`` scaled as ``d^2``, as in :func:`~hardlearn.regimes.lzz_regime`), searched up
    to ``searched_up_to_dim`` (0: at no dimension searched).

    Examples
    --------
    >>> from hardlearn.regimes import lzz_regime
    >>> s = instance_security(lzz_regime(64))
    >>> s["learning"]["lll_recovers"], s["clwe"]["lll_recovers"]
    (False, True)
    """
    from hardlearn.regimes import lzz_regime

    d = regime.dim
    out: dict[str, Any] = {}
    targets = {
        "clwe": ("clwe", lambda r: -math.log2(r.clwe_noise_std)),
        "learning": ("triangle", lambda r: -math.log2(r.sigma)),
    }
    for name, (labels, bits_of) in targets.items():
        if name == "clwe" and not (regime.clwe_noise_std or 0) > 0:
            out[name] = None  # the reduction gives no CLWE noise for this label law
            continue
        noise = bits_of(regime)
        est = estimate_attack(d, noise, labels, samples=max(regime.samples, d + 1),
                              freq=regime.freq, block_sizes=())
        kw = {"eta": regime.eta} if regime.eta is not None else {}

        def noise_at(dd: int, bits_of=bits_of, kw=kw) -> float:
            return bits_of(lzz_regime(dd, **kw))

        def samples_at(dd: int, kw=kw) -> int:
            return max(lzz_regime(dd, **kw).samples, dd + 1)

        out[name] = {
            "labels": labels,
            "noise_bits": round(noise, 3),
            "samples": est.samples_available,
            "lll_recovers": est.lll_recovers,
            "lll_threshold_bits": est.lll_threshold_bits,
            "best_samples": est.lll_samples,
            "block_size_needed": est.block_size_needed,
            "cost_bits_classical": est.cost_bits_classical,
            "cost_bits_quantum": est.cost_bits_quantum,
            "lll_learnable_up_to_dim": _lll_learnable_below(labels, noise_at, samples_at,
                                                            top=max(4 * d, 256)),
            "searched_up_to_dim": max(4 * d, 256),
        }
    out["cost_model"] = "core-SVP (ADPS16): 0.292 beta classical, 0.265 beta quantum"
    return out
