"""Exact samples for the exponentially-small-noise regime (mathematics section 5).

The lattice attack of SZB21 needs labels whose noise is far below what float64 carries
(``2^-2000`` at dimension 160), so these samples are held exactly:

* inputs ``X`` are float64, i.e. exact dyadic rationals ``mantissa * 2^exponent``;
* the secret ``w`` and the frequency ``freq`` are float64 too, so ``freq <w, x>`` is an exact
  dyadic rational, computed in Python integers;
* a label is an integer ``L`` standing for ``L / 2^P`` (``P = label_bits``), with ``P`` at
  least :data:`GUARD_BITS` above the noise exponent ``p`` (noise std ``2^-p``), so the final
  rounding to the grid ``2^-P`` is ``2^-64`` of the noise and never hides it.

Label kinds (``t = freq <w, x>``, ``e ~ N(0, 2^-2p)``):

* ``"clwe"``: ``z = (t + e) mod 1`` (mathematics section 2, standard view);
* ``"triangle"``: ``y = tri(t) + e`` (the periodic-neuron regression problem, mathematics 3);
* ``"cosine"``: ``y = cos(2 pi t) + e``, ``cos`` evaluated in ball arithmetic
  (python-flint ``arb``) at ``P + 64`` bits.

**How the noise is made exact.** A float64 standard normal draw ``g`` has a 53-bit
significand; scaled by ``2^-p`` it lives on a grid of spacing ``ulp(g) 2^-p``, far coarser
than ``2^-P``. The sampler *dithers* it: it adds an independent uniform draw on
``[-ulp(g)/2, ulp(g)/2)`` made of random bits down to ``2^-P``. The result is a continuous-
looking value on the grid ``2^-P`` whose distribution differs from ``N(0, 1)`` scaled by
``2^-p`` by less than one float64 ulp in every quantile (a relative ``2^-52``), which no
attack can see. Only draws with ``|g| < 2^(53 + p - P)`` (``2^-11`` for the default guard,
probability below ``2^-11``) are rounded to the grid instead.

Float64 samplers call :func:`require_float64_noise` (or check
:func:`~hardlearn.conventions.float64_noise_floor` themselves) and raise a
:class:`~hardlearn.errors.PrecisionError` that points here and to ``hardlearn attack``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hardlearn._rng import as_generator
from hardlearn._validation import check_array, check_choice, check_int, check_unit_vector
from hardlearn.conventions import float64_noise_floor, gamma_to_freq
from hardlearn.errors import DataFileError, ParameterError, PrecisionError

__all__ = [
    "LABEL_KINDS",
    "GUARD_BITS",
    "ExactSamples",
    "sample_exact",
    "sample_exact_null",
    "triangle_of_clwe",
    "default_freq",
    "dyadic_integers",
    "require_float64_noise",
    "load_exact",
    "exact_projection",
]

#: The label kinds of the exact samplers.
LABEL_KINDS = ("clwe", "triangle", "cosine")

#: Bits of the label grid below the noise: ``P = p + GUARD_BITS`` by default. The rounding
#: error ``2^-P`` is then ``2^-64`` times the noise std, and every draw with ``|g| >= 2^-11``
#: (all but a fraction ``< 2^-11``) is dithered rather than rounded.
GUARD_BITS = 64

#: Bits carried by the ``cos`` evaluation beyond the label grid (ball arithmetic radius far
#: below ``2^-P``; the midpoint is then rounded to the grid).
_COS_EXTRA_BITS = 64

#: Value of ``kind`` in the metadata of a saved exact data file.
_FILE_KIND = "hardlearn.exact_samples"


def default_freq(dim: int) -> float:
    """Default frequency for dimension ``dim``: ``gamma = 2 sqrt(d)`` (BRST21), standard view.

    Examples
    --------
    >>> round(default_freq(16), 6)
    3.191538
    """
    dim = check_int("dim", dim, minimum=1)
    return gamma_to_freq(2.0 * math.sqrt(dim))


def require_float64_noise(noise_std: float, *, magnitude: float = 1.0, name: str = "noise_std"):
    """Refuse a noise level float64 cannot carry, pointing to the exact samplers.

    Zero noise is allowed (it is exact); positive noise below
    :func:`~hardlearn.conventions.float64_noise_floor` raises :class:`PrecisionError`.

    Examples
    --------
    >>> require_float64_noise(1e-3)
    >>> require_float64_noise(2.0**-100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hardlearn.errors.PrecisionError: noise_std = 7.9e-31 (2^-100.0) is below what float64 ...
    """
    floor = float64_noise_floor(magnitude)
    if 0.0 < noise_std < floor:
        raise PrecisionError(
            f"{name} = {noise_std:.2g} (2^{math.log2(noise_std):.1f}) is below what float64 "
            f"carries at magnitude {magnitude:g} (floor {floor:.2g} = 2^{math.log2(floor):.0f}); "
            "float64 would round the noise away. Use the exact samplers of "
            "hardlearn.problems.exact (sample_exact(..., noise_bits=...)) or the command "
            "`hardlearn attack --noise-bits ...`."
        )


def dyadic_integers(values: ArrayLike) -> tuple[np.ndarray, int]:
    """Exact integer form of float64 ``values``: ``(ints, s)`` with ``values == ints / 2^s``.

    ``ints`` is an object array of Python ints of the same shape; ``s >= 0`` is the smallest
    shift that makes every entry an integer.

    Examples
    --------
    >>> ints, s = dyadic_integers([0.75, -2.0, 0.0])
    >>> ints.tolist(), s
    ([3, -8, 0], 2)
    """
    arr = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ParameterError("values must be finite to be converted to exact dyadic integers.")
    mant, expo = np.frexp(arr)
    # arr = mant * 2^expo, |mant| in [0.5, 1): mant * 2^53 is an integer (int64-exact).
    imant = (mant * 2.0**53).astype(np.int64)
    nz = imant != 0
    if not nz.any():
        return np.zeros(arr.shape, dtype=object), 0
    # Strip trailing zero bits so the shift is as small as possible.
    tz = np.zeros(arr.shape, dtype=np.int64)
    low = imant & -imant
    tz[nz] = np.log2(np.abs(low[nz]).astype(np.float64)).astype(np.int64)
    need = np.where(nz, 53 - expo - tz, 0)
    shift = int(max(need.max(), 0))
    flat = np.empty(arr.size, dtype=object)
    for idx, (mm, ee) in enumerate(zip(imant.ravel().tolist(), expo.ravel().tolist(),
                                       strict=True)):
        k = ee - 53 + shift  # when k < 0, mm has at least -k trailing zero bits
        flat[idx] = (mm << k if k >= 0 else mm >> -k) if mm else 0
    return flat.reshape(arr.shape), shift


def _int_of_float(value: float) -> tuple[int, int]:
    ints, shift = dyadic_integers(np.array([value]))
    return int(ints[0]), shift


def _round_shift(value: int, shift: int) -> int:
    """``round(value / 2^shift)`` (ties up) for ``shift >= 0``; ``value * 2^-shift`` if < 0."""
    if shift <= 0:
        return value << (-shift)
    return (value + (1 << (shift - 1))) >> shift


@dataclass(frozen=True, eq=False)
class ExactSamples:
    """Samples whose labels are held exactly as integers on the grid ``2^-label_bits``.

    Parameters
    ----------
    X : ndarray, shape (m, d), float64
        Inputs (exact dyadic rationals), ``x ~ N(0, I_d)``.
    labels : tuple of int, length m
        Label ``i`` is ``labels[i] / 2^label_bits`` exactly.
    label_bits : int
        ``P``: the grid of the labels.
    noise_bits : int
        ``p``: the noise standard deviation is ``2^-p``.
    kind : {"clwe", "triangle", "cosine"}
        How the labels were made (module docstring).
    freq : float
        Frequency of the neuron (standard view).
    secret : ndarray, shape (d,), or None
        The true direction, kept for evaluation (``None`` when unknown).
    seed : int or None
        The seed that produced the samples, when known.

    Examples
    --------
    >>> s = sample_exact(4, 5, labels="clwe", noise_bits=100, rng=1)
    >>> s.X.shape, s.label_bits, s.kind
    ((5, 4), 164, 'clwe')
    >>> 0 <= s.labels[0] < 2**s.label_bits
    True
    """

    X: np.ndarray
    labels: tuple[int, ...]
    label_bits: int
    noise_bits: int
    kind: str
    freq: float
    secret: np.ndarray | None = None
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        X = check_array("X", self.X, ndim=2)
        X = X.copy()
        X.setflags(write=False)
        object.__setattr__(self, "X", X)
        labels = tuple(int(v) for v in self.labels)
        if len(labels) != X.shape[0]:
            raise ParameterError(
                f"labels must have one entry per row of X ({X.shape[0]}); got {len(labels)}."
            )
        object.__setattr__(self, "labels", labels)
        check_int("label_bits", self.label_bits, minimum=1)
        check_int("noise_bits", self.noise_bits, minimum=0)
        check_choice("kind", self.kind, LABEL_KINDS)
        if self.secret is not None:
            object.__setattr__(
                self, "secret", check_unit_vector("secret", self.secret, dim=X.shape[1])
            )

    @property
    def m(self) -> int:
        """Number of samples."""
        return int(self.X.shape[0])

    @property
    def dim(self) -> int:
        """Input dimension ``d``."""
        return int(self.X.shape[1])

    @property
    def noise_std(self) -> float:
        """Noise standard deviation ``2^-noise_bits`` (0.0 when it underflows float64)."""
        return math.ldexp(1.0, -self.noise_bits)

    def labels_float(self) -> np.ndarray:
        """The labels rounded to float64 (this loses the noise when it is below 2^-53)."""
        one = 1 << self.label_bits
        return np.array([v / one for v in self.labels], dtype=np.float64)

    def save(self, path: str | Path) -> Path:
        """Write the samples losslessly (.npz or .parquet via :mod:`hardlearn.datasets`)."""
        from hardlearn.datasets import save_dataset

        meta = {
            "kind": _FILE_KIND,
            "labels_kind": self.kind,
            "label_bits": int(self.label_bits),
            "noise_bits": int(self.noise_bits),
            "freq": float(self.freq).hex(),
            "secret": None if self.secret is None else [float(v).hex() for v in self.secret],
            "seed": self.seed,
            "extra": self.extra,
            "labels_encoding": "hex",  # str() refuses ints over 4300 digits; hex has no limit
        }
        arrays = {"X": self.X, "labels": np.array([f"{v:x}" for v in self.labels], dtype=str)}
        return save_dataset(path, arrays, meta)

    @classmethod
    def load(cls, path: str | Path) -> ExactSamples:
        """Read samples written by :meth:`save`; raises DataFileError on a foreign file."""
        return load_exact(path)


def load_exact(path: str | Path) -> ExactSamples:
    """Read an exact data file written by :meth:`ExactSamples.save`.

    Examples
    --------
    >>> import tempfile, os
    >>> s = sample_exact(3, 4, labels="triangle", noise_bits=80, rng=2)
    >>> p = s.save(os.path.join(tempfile.mkdtemp(), "s.npz"))
    >>> t = load_exact(p)
    >>> t.labels == s.labels and bool((t.X == s.X).all()) and t.freq == s.freq
    True
    """
    from hardlearn.datasets import load_dataset

    arrays, meta = load_dataset(path)
    if meta.get("kind") != _FILE_KIND:
        raise DataFileError(
            f"{str(path)!r} is a hardlearn data file of kind {meta.get('kind')!r}, not exact "
            f"samples ({_FILE_KIND!r}); write one with hardlearn.problems.exact.sample_exact."
        )
    try:
        base = 16 if meta.get("labels_encoding") == "hex" else 10  # older files: decimal
        labels = tuple(int(str(v), base) for v in arrays["labels"])
        secret = meta.get("secret")
        return ExactSamples(
            X=np.asarray(arrays["X"], dtype=np.float64),
            labels=labels,
            label_bits=int(meta["label_bits"]),
            noise_bits=int(meta["noise_bits"]),
            kind=str(meta["labels_kind"]),
            freq=float.fromhex(meta["freq"]),
            secret=None if secret is None else np.array([float.fromhex(v) for v in secret]),
            seed=meta.get("seed"),
            extra=dict(meta.get("extra") or {}),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise DataFileError(f"{str(path)!r} has inconsistent exact-sample content: {exc}") from None


def _dithered_noise(rng: np.random.Generator, m: int, noise_bits: int, label_bits: int):
    """Noise ``N(0, 2^-2p)`` as integers on the grid ``2^-P`` (module docstring)."""
    g = rng.standard_normal(m)
    mant, expo = np.frexp(g)
    imant = (mant * 2.0**53).astype(np.int64).tolist()
    out = []
    for mm, ee in zip(imant, expo.tolist(), strict=True):
        # g * 2^(P - p) = mm * 2^(ee - 53 + P - p)
        shift = ee - 53 + label_bits - noise_bits
        if shift >= 1:
            nbytes = (shift + 7) // 8
            dither = int.from_bytes(rng.bytes(nbytes), "little") & ((1 << shift) - 1)
            out.append((mm << shift) + dither - (1 << (shift - 1)))
        else:
            out.append(_round_shift(mm, -shift))
    return out


def _cos_2pi(num: int, shift: int, label_bits: int) -> int:
    """``round(2^P cos(2 pi num / 2^shift))`` via ball arithmetic at ``P + 64`` bits."""
    import flint

    frac = num % (1 << shift)  # cos is 1-periodic in t; keep the argument in [0, 1)
    with flint.ctx.workprec(label_bits + _COS_EXTRA_BITS):
        val = flint.arb(flint.fmpq(2 * frac, 1 << shift)).cos_pi()
        man, exp = val.mid().man_exp()
    return _round_shift(int(man), -(int(exp) + label_bits))


def sample_exact(
    dim: int,
    m: int,
    *,
    labels: str = "clwe",
    noise_bits: int,
    rng: Any,
    freq: float | None = None,
    secret: ArrayLike | None = None,
    label_bits: int | None = None,
) -> ExactSamples:
    """Draw ``m`` exact samples in dimension ``dim`` (module docstring for the recipe).

    Parameters
    ----------
    dim, m : int
        Dimension ``d >= 1`` and number of samples ``m >= 1``.
    labels : {"clwe", "triangle", "cosine"}
        Label kind.
    noise_bits : int
        ``p >= 0``: noise standard deviation ``2^-p`` (tested up to 10,000 bits).
    rng : numpy.random.Generator or int
        Source of ``X``, the secret (when not given), and the noise.
    freq : float, optional
        Frequency; default :func:`default_freq` (``gamma = 2 sqrt d``).
    secret : array_like, shape (d,), optional
        Unit vector; default a normalised standard normal draw.
    label_bits : int, optional
        Grid ``P`` of the labels; default ``noise_bits + GUARD_BITS``. Must exceed
        ``noise_bits`` by at least 8 so rounding cannot hide the noise.

    Examples
    --------
    >>> s = sample_exact(3, 4, labels="cosine", noise_bits=200, rng=0)
    >>> f = s.labels_float()
    >>> bool(np.all(np.abs(f) <= 1.0 + 1e-12))
    True
    """
    dim = check_int("dim", dim, minimum=1)
    m = check_int("m", m, minimum=1)
    kind = check_choice("labels", labels, LABEL_KINDS)
    noise_bits = check_int("noise_bits", noise_bits, minimum=0)
    if label_bits is None:
        label_bits = noise_bits + GUARD_BITS
    label_bits = check_int("label_bits", label_bits, minimum=1)
    if label_bits < noise_bits + 8:
        raise PrecisionError(
            f"label_bits must be at least noise_bits + 8 = {noise_bits + 8} so the label grid "
            f"2^-label_bits cannot hide the noise 2^-{noise_bits}; got {label_bits}."
        )
    gen = as_generator(rng)
    seed = int(rng) if not isinstance(rng, np.random.Generator) else None
    if freq is None:
        freq = default_freq(dim)
    freq = float(freq)
    if not (math.isfinite(freq) and freq > 0):
        raise ParameterError(f"freq must be a finite number > 0; got {freq!r}.")
    X = gen.standard_normal((m, dim))
    if secret is None:
        g = gen.standard_normal(dim)
        w = g / np.linalg.norm(g)
    else:
        w = np.array(check_unit_vector("secret", secret, dim=dim))
    Xi, sx = dyadic_integers(X)
    wi, sw = dyadic_integers(w)
    fi, sf = _int_of_float(freq)
    shift = sx + sw + sf  # t_i = T_i / 2^shift exactly
    T = [fi * int(v) for v in Xi.dot(wi)]
    noise = _dithered_noise(gen, m, noise_bits, label_bits)
    one = 1 << label_bits
    out: list[int] = []
    for t, e in zip(T, noise, strict=True):
        if kind == "cosine":
            out.append(_cos_2pi(t, shift, label_bits) + e)
            continue
        tp = _round_shift(t, shift - label_bits)  # round(2^P t)
        if kind == "clwe":
            out.append((tp + e) % one)
        else:
            r = tp % one
            out.append(min(r, one - r) + e)
    return ExactSamples(
        X=X, labels=tuple(out), label_bits=label_bits, noise_bits=noise_bits, kind=kind,
        freq=freq, secret=w, seed=seed,
    )


def exact_projection(X: ArrayLike, v: ArrayLike) -> tuple[list[int], int]:
    """Exact ``X @ v`` for float64 ``X`` and ``v``: ``(ints, s)`` meaning ``ints / 2^s``.

    Examples
    --------
    >>> exact_projection([[0.5, 1.0]], [2.0, 0.25])
    ([10], 3)
    """
    Xi, sx = dyadic_integers(np.asarray(X, dtype=np.float64))
    vi, sv = dyadic_integers(np.asarray(v, dtype=np.float64))
    return [int(t) for t in Xi.dot(vi)], sx + sv


def sample_exact_null(
    dim: int,
    m: int,
    *,
    noise_bits: int,
    rng: Any,
    freq: float | None = None,
    label_bits: int | None = None,
) -> ExactSamples:
    """The CLWE null in exact form: ``x ~ N(0, I_d)`` and ``z`` uniform on the grid ``2^-P``.

    The labels are independent of ``X``; ``noise_bits`` and ``freq`` only record the CLWE
    parameters the null stands against (a distinguisher is told them), and ``secret`` is None.
    ``P`` defaults to ``noise_bits + GUARD_BITS`` as in :func:`sample_exact`.

    Examples
    --------
    >>> s = sample_exact_null(3, 4, noise_bits=100, rng=0)
    >>> s.kind, s.label_bits, s.secret is None
    ('clwe', 164, True)
    """
    dim = check_int("dim", dim, minimum=1)
    m = check_int("m", m, minimum=1)
    noise_bits = check_int("noise_bits", noise_bits, minimum=0)
    label_bits = noise_bits + GUARD_BITS if label_bits is None else label_bits
    label_bits = check_int("label_bits", label_bits, minimum=1)
    gen = as_generator(rng)
    X = gen.standard_normal((m, dim))
    nbytes = (label_bits + 7) // 8
    mask = (1 << label_bits) - 1
    labels = tuple(int.from_bytes(gen.bytes(nbytes), "little") & mask for _ in range(m))
    return ExactSamples(
        X=X, labels=labels, label_bits=label_bits, noise_bits=noise_bits, kind="clwe",
        freq=default_freq(dim) if freq is None else float(freq), secret=None,
    )


def triangle_of_clwe(samples: ExactSamples, rows: slice = slice(None)) -> ExactSamples:
    """The forward map of mathematics section 4 in exact arithmetic, with no added label noise.

    CLWE labels ``z`` (integers ``Z`` on the grid ``2^-P``) become triangle-wave labels
    ``tri(z) = min(z, 1 - z)``, i.e. the integers ``min(Z, 2^P - Z)``: exactly
    ``tri(freq <w, x> + e)``. The secret is dropped, so a learner cannot peek at it.
    ``rows`` selects a subset of the samples.

    Examples
    --------
    >>> s = sample_exact(3, 5, labels="clwe", noise_bits=90, rng=4)
    >>> t = triangle_of_clwe(s)
    >>> t.kind, t.secret is None, max(t.labels) <= 2 ** (t.label_bits - 1)
    ('triangle', True, True)
    """
    if not isinstance(samples, ExactSamples) or samples.kind != "clwe":
        raise ParameterError(
            "samples must be ExactSamples with CLWE labels (kind 'clwe'); got "
            f"{getattr(samples, 'kind', type(samples).__name__)!r}."
        )
    one = 1 << samples.label_bits
    labels = [min(z, one - z) for z in samples.labels[rows]]
    return ExactSamples(
        X=samples.X[rows], labels=tuple(labels), label_bits=samples.label_bits,
        noise_bits=samples.noise_bits, kind="triangle", freq=samples.freq, secret=None,
    )
