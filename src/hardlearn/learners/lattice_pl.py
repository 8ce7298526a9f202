"""Lattice labels for piecewise-linear activations (issue 16), through the triangle lattice.

:class:`~hardlearn.learners.lattice.LatticeRegressor` solves triangle labels
``y = tri(t) + e`` from the relation ``t = k + s y`` (``k`` integer, ``s = +-1``). This module
brings any continuous, piecewise-linear, 1-periodic activation whose inverse on a period is
two piecewise-linear branches to that form, so the same lattice learns it.

**Which activations.** ``phi`` must rise strictly from its minimum to its maximum and fall
strictly back within one period, flat (if at all) only at the minimum and the maximum: one
minimum and one maximum a period. Triangle waves of any height and offset,
:func:`~hardlearn.problems.periodic.cosine_interpolant`, asymmetric tents (two single pieces
of unequal lengths), trapezoids (a flat top and/or a flat bottom) and any such activation
with branches of several pieces qualify. Refused, with one line naming the rule that broke:
a constant, a flat piece at another level (``t`` is lost on an interval there, on one branch
only) and a second maximum a period (a third branch).

**The transform.** Let the rise start at ``b0`` (the end of the flat bottom, if any), let
``g_up(y)`` be the distance from ``b0`` to the rising branch's point of value ``y`` and
``g_down(y)`` the distance from the falling branch's point back to where the fall ends
(``b0 + 1 - bottom``, ``bottom`` the flat bottom's length), both piecewise linear in ``y``.
A label allows ``t mod 1`` in two places near ``b0``: ``b0 + p_up`` with ``p_up = g_up`` and
``b0 + p_down`` with ``p_down = -bottom - g_down``. With the offset
``o(y) = b0 + (p_up + p_down) / 2`` and ``u(y) = (p_up - p_down) / 2`` (in ``[0, 1/2]``) both are

``t = k + s u(y) + o(y)``,  ``s = +1`` (rising) or ``-1`` (falling).

**The embeddings.** The offsets are known, sample by sample, so they need no unknown
coefficient: :meth:`LatticeRegressor._fit_with_offsets
<hardlearn.learners.lattice.LatticeRegressor._fit_with_offsets>` adds one constant row
``(0, .., 0, 1, M L o)`` to the triangle lattice (as CLWE's), the planted vector becomes
``(k, W s, 1, M L e)``, and its coefficient ``+-1`` on that row fixes the sign of ``t``; the
neuron is found in dimension ``d`` itself, with nothing to orient. Every activation that is
not symmetric about ``b0`` (or has a flat piece) takes this embedding. A symmetric one
(``o = b0`` constant: triangle waves, cosine interpolants) keeps the homogeneous triangle
lattice on ``x' = (x, 1)`` with the coefficient ``-b0`` (mod 1) on the column ``1``, which
is dropped when ``b0`` is an integer; its sign is free (``phi`` is even about ``b0``) or set
by that coefficient. Offsets all 0 (``phi`` even about 0 with a flat piece, as
``pl:0.2=0,0.4=1,0.6=1,0.8=0``; an offset within ``_RTOL`` of 0, the float error of ``b0 -
bottom / 2``, is 0) leave the relation homogeneous, and the lattice the one on ``x``. The
known-offset embedding replaced an earlier one that appended a column ``c(y) = o(y) - b0``
with the coefficient ``-1``: that one had the trivial relation ``<v, x'> = u`` when ``c`` is
affine in ``u`` (asymmetric tents), and it needed two more unknowns. Measured at d = 6 (10
seeds, 2 cores under load about 1), the two recovered at the same noise levels, the offsets
from fewer samples (11 against 13 to 15 at noise 2^-15).

**Flat pieces.** A label on a flat level says nothing about ``t`` (any point of the flat
piece gives it), so labels within :data:`FLAT_Z_MAX` noise standard deviations of a flat
level are dropped before the lattice (``samples_dropped_``). The noise is ``noise_bits``
when given; without it, the root mean square of the labels' excursions beyond the flat
levels (no neuron label lies above the maximum or below the minimum, so those are noise,
half of the flat labels' own; ``flat_noise_bits_``), or the labels' dyadic grid when none
crosses (noise-free labels). Measured on the trapezoid at d = 6 with 400 samples and unknown
noise: 10 of 10 seeds recovered at noise 2^-40, 2^-30 and 2^-14, 9 of 10 at 2^-10; with the
grid alone as the band, 0 of 10 at 2^-30 (the noisy flat labels stayed and broke the
relation). The lattice itself is still not told an estimated noise.

**Noise.** A label noise ``e`` moves ``t`` by at most ``|e| / min |slope|`` over the pieces
that are not flat (:attr:`PiecewiseLinearLatticeRegressor.noise_gain_`), so the noise bits
handed to the lattice are the label's less ``log2`` of that gain (more bits when every
piece is steeper than 1: a trapezoid of slope 4 tolerates 2 bits more label noise).

**Measured** (``benchmarks/bench_lattice_pl.py``: d = 6, ``freq = 2 sqrt(d / (2 pi))``, 400
samples given, the lattice's sample plan, 20 seeds, 2 cores under load 4 to 8): the rate
of exact recovery (secret and frequency within ``2^(12 - p)``; no wrong neuron was ever
returned) at label noise ``2^-p``:

=========================  ====  ====  ====  ====  ====  ====  ====
p                          14    12    11    10    9     8     7
=========================  ====  ====  ====  ====  ====  ====  ====
triangle wave              1.0   0.9   0.85  0.6   0.4   0.2   0.0
tent, peak at 0.3          1.0   0.95  0.85  0.55  0.5   0.15  0.0
trapezoid, flats of 1/4    1.0   1.0   1.0   0.9   0.6   0.6   0.25
=========================  ====  ====  ====  ====  ====  ====  ====

(all 1.0 at p = 30 and 40, from the first ``d + 2`` samples; 20 or 21 samples at p <= 10).

Examples
--------
>>> import numpy as np
>>> from hardlearn.problems.periodic import PiecewiseLinearActivation
>>> act = PiecewiseLinearActivation([0.0, 0.25, 0.5], [0.0, 1.0, 0.5])  # falls in 2 pieces
>>> Xa, u, info = lattice_labels(act, np.ones((2, 3)), np.array([0.5, 0.5]))
>>> Xa.shape, info["columns"], float(u[0]), float(info["offset"][0])  # g_up 1/8, g_down 1/2
((2, 3), (), 0.3125, -0.1875)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone

from hardlearn._validation import check_array, check_real
from hardlearn.errors import HardlearnError, ParameterError
from hardlearn.learners._lattice_core import NOISE_Z_MAX
from hardlearn.problems.exact import dyadic_integers
from hardlearn.problems.periodic import PiecewiseLinearActivation, triangle_wave

__all__ = ["lattice_labels", "PiecewiseLinearLatticeRegressor", "branches"]

#: Relative tolerance for "the same value" when reading an activation's branches (float64
#: breakpoint values; the activations' own continuity tolerance).
_RTOL = 1e-12
#: A relation recovered by the symmetric embedding is the neuron's only if its coefficient on
#: the column ``1`` is the known ``-b0`` modulo 1 within this much (the neuron's own were
#: within 2e-9 at noise 2^-30, tests/test_lattice_pl.py).
KNOWN_COEF_TOL = 0.01
#: Labels within this many noise standard deviations of a flat level are dropped: a label
#: on a flat piece says nothing about ``t``, and such a label lies more than 12 sigma from
#: the level with probability 4e-33 (Gaussian noise), so the band loses none of them (the
#: residual test's own bound, :data:`~hardlearn.learners._lattice_core.NOISE_Z_MAX`).
FLAT_Z_MAX = NOISE_Z_MAX


def _as_piecewise(activation: Any) -> PiecewiseLinearActivation:
    """``activation`` as a :class:`PiecewiseLinearActivation`: one, the triangle wave, or a
    spec string (:mod:`hardlearn.problems.activation_spec`) that reads as one."""
    if isinstance(activation, str):  # a spec: triangle, tent:P, pl:B=V,... (activation_spec)
        from hardlearn.problems.activation_spec import parse_activation

        activation = parse_activation(activation)
    if activation is triangle_wave:
        return PiecewiseLinearActivation([0.0, 0.5], [0.0, 0.5], name="triangle")
    if not isinstance(activation, PiecewiseLinearActivation):
        raise ParameterError(
            "activation must be a PiecewiseLinearActivation or a spec string of one "
            "(triangle, trapezoid, tent:P, cosine-interpolant:Q or pl:B=V,B=V,...) for lattice "
            f"labels; got {getattr(activation, 'name', activation)!r}."
        )
    return activation


def branches(activation: Any) -> dict[str, Any]:
    """The two branches of a unimodal piecewise-linear activation (module docstring).

    Returns ``b0`` (where the rise from the minimum starts, in ``[0, 1)``), the rising knots
    ``up_t`` / ``up_y`` (positions from ``b0``, values increasing), the falling knots
    ``down_t`` / ``down_y`` (distances back from where the fall ends, ``b0 + 1 - bottom``,
    values increasing), the lengths ``top`` and ``bottom`` of the flat pieces at the maximum
    and the minimum (0 when there is none), ``low``, ``high`` and ``min_slope`` (over the
    pieces that are not flat).

    Raises
    ------
    ParameterError
        When ``phi`` is not strictly rising then strictly falling in one period, flat only at
        its minimum and its maximum.

    Examples
    --------
    >>> b = branches("triangle")
    >>> b["b0"], b["up_t"].tolist(), b["down_t"].tolist(), b["min_slope"], b["top"]
    (0.0, [0.0, 0.5], [0.0, 0.5], 1.0, 0.0)
    >>> from hardlearn.problems.periodic import PiecewiseLinearActivation
    >>> b = branches(PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 1.0, 1.0, 0.0]))
    >>> b["b0"], b["top"], b["bottom"], b["min_slope"]
    (0.0, 0.25, 0.25, 4.0)
    """
    act = _as_piecewise(activation)
    xp, fp = np.asarray(act.breakpoints, float), np.asarray(act.values, float)
    scale = max(1.0, float(np.max(np.abs(fp))))
    tol = _RTOL * scale
    low, high = float(np.min(fp)), float(np.max(fp))
    at_low = np.abs(fp - low) <= tol
    # start where the rise leaves the minimum: a knot at the minimum whose successor is above
    starts = np.flatnonzero(at_low & ~np.roll(at_low, -1))

    def refuse(why: str) -> ParameterError:   # the rule that broke, then the rule itself
        return ParameterError(
            f"activation {act.name!r} {why}; lattice labels need it to rise strictly from its "
            "minimum to its maximum and fall strictly back within one period, flat only there "
            "(its inverse on a period is then two piecewise-linear branches); got values "
            f"{act.values.tolist()} at {act.breakpoints.tolist()}."
        )

    if high - low <= tol:
        raise refuse("is constant")
    if starts.size != 1:
        raise refuse(f"has {starts.size} minima and as many maxima a period (its inverse "
                     f"would need {2 * starts.size} branches)")
    i0 = int(starts[0])
    # one period of knots from there, closed by its copy one period later
    order = np.r_[np.arange(i0, xp.size), np.arange(0, i0)]
    t = np.r_[xp[order] + np.where(order < i0, 1.0, 0.0), xp[i0] + 1.0]
    v = np.r_[fp[order], fp[i0]]
    top_run = np.flatnonzero(np.abs(v - high) <= tol)
    j1, j2 = int(top_run[0]), int(top_run[-1])
    low_run = np.flatnonzero(np.abs(v - low) <= tol)
    j3 = int(low_run[low_run > j2][0])
    if top_run.size != j2 - j1 + 1:
        raise refuse(f"reaches its maximum {high:g} at {t[j1] % 1:g} and again at "
                     f"{t[j2] % 1:g}, a second maximum a period (a third branch)")
    steps = np.r_[np.diff(v[: j1 + 1]), -np.diff(v[j2: j3 + 1])]   # > 0 when monotone
    at = np.r_[np.arange(j1), np.arange(j2, j3)]                    # each step's first knot
    bad = np.flatnonzero(steps <= tol)
    if bad.size:
        i = int(at[bad[0]])
        if abs(steps[bad[0]]) <= tol:
            raise refuse(f"is flat at {v[i]:g} from {t[i] % 1:g} to {t[i + 1] % 1:g}, neither "
                         "its minimum nor its maximum (t is lost there, on one branch only)")
        raise refuse(f"turns back at {t[i] % 1:g} (value {v[i]:g}) between its minimum and "
                     "its maximum, a second maximum a period (a third branch)")
    rise, fall = np.diff(v[: j1 + 1]), np.diff(v[j2: j3 + 1])
    slopes = np.abs(np.r_[rise / np.diff(t[: j1 + 1]), fall / np.diff(t[j2: j3 + 1])])
    return {
        "b0": float(t[0] % 1.0),
        "up_t": t[: j1 + 1] - t[0], "up_y": v[: j1 + 1],
        "down_t": (t[j3] - t[j2: j3 + 1])[::-1], "down_y": v[j2: j3 + 1][::-1],
        "top": float(t[j2] - t[j1]), "bottom": float(t[-1] - t[j3]),
        "low": low, "high": high,
        "min_slope": float(np.min(slopes)),
    }


def _symmetric(b: dict[str, Any]) -> bool:
    """``phi`` symmetric about ``b0`` with no flat piece: the two branches agree at every knot
    value (both are linear between), so ``c = 0`` and the offset is the constant ``b0``."""
    if b["top"] > 0 or b["bottom"] > 0:
        return False
    knots = np.union1d(b["up_y"], b["down_y"])
    return bool(np.allclose(np.interp(knots, b["up_y"], b["up_t"]),
                            np.interp(knots, b["down_y"], b["down_t"]), rtol=0, atol=_RTOL))


def lattice_labels(activation: Any, X: Any, y: Any, *,
                   noise_bits: float | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Triangle-lattice data of labels ``y = phi(freq <w, x>) + e`` (module docstring).

    Parameters
    ----------
    activation : PiecewiseLinearActivation or str
        ``phi``, or a spec string that reads as a piecewise-linear one (``"triangle"``,
        ``"trapezoid"``, ``"tent:P"``, ``"pl:B=V,..."``: :mod:`hardlearn.problems.activation_spec`).
    X : array_like, shape (m, d)
    y : array_like, shape (m,)
        Labels; clipped to the range of ``phi`` first.
    noise_bits : float or None, default None
        Label noise ``2^-noise_bits``; labels within :data:`FLAT_Z_MAX` of it of a flat
        level are dropped (None: the labels' dyadic grid stands in for the noise).

    Returns
    -------
    X_lattice : ndarray, shape (m_kept, d + len(columns))
        The kept rows of ``X``, with the columns ``columns`` appended (symmetric activations:
        ``"1"`` when ``b0`` is not an integer).
    u : ndarray, shape (m_kept,)
        Triangle labels in ``[0, 1/2]``.
    info : dict
        ``b0``, ``columns``, ``noise_gain`` (``1 / min |slope|``), ``offset`` (the known
        offsets ``o`` of ``t = k + s u + o``, or None for the symmetric embedding) and
        ``keep`` (the mask of kept samples: those not on a flat level).
    """
    b = branches(activation)
    Xa = check_array("X", X, ndim=2)
    ya = check_array("y", y, shape=(Xa.shape[0],))
    yc = np.clip(ya, b["low"], b["high"])
    g_up = np.interp(yc, b["up_y"], b["up_t"])
    g_down = np.interp(yc, b["down_y"], b["down_t"])
    info: dict[str, Any] = {"b0": b["b0"], "noise_gain": 1.0 / b["min_slope"]}
    if _symmetric(b):
        extra = [np.ones(Xa.shape[0])] if b["b0"] != 0.0 else []
        out = np.column_stack([Xa, *extra]) if extra else Xa.copy()
        info.update(columns=("1",) if extra else (), offset=None,
                    keep=np.ones(Xa.shape[0], dtype=bool))
        return out, 0.5 * (g_up + g_down), info
    # the two places of t mod 1 a label allows, both near b0: on the rise and on the fall
    p_up = g_up
    p_down = -b["bottom"] - g_down
    keep = np.ones(Xa.shape[0], dtype=bool)
    if b["top"] > 0 or b["bottom"] > 0:
        bits = float(dyadic_integers(ya)[1]) if noise_bits is None else float(noise_bits)
        near = FLAT_Z_MAX * 2.0**-bits
        if b["top"] > 0:
            keep &= np.abs(ya - b["high"]) > near
        if b["bottom"] > 0:
            keep &= np.abs(ya - b["low"]) > near
    offset = (b["b0"] + 0.5 * (p_up + p_down))[keep]
    offset[np.abs(offset) <= _RTOL] = 0.0   # b0 - bottom / 2 = 5.6e-17 is 0 (module docstring)
    info.update(columns=(), offset=offset, keep=keep)
    return Xa[keep], (0.5 * (p_up - p_down))[keep], info


class PiecewiseLinearLatticeRegressor(RegressorMixin, BaseEstimator):
    """The lattice learner on labels of a piecewise-linear activation (module docstring).

    Parameters
    ----------
    activation : PiecewiseLinearActivation or str, default "triangle"
        ``phi``, or a spec string that reads as a piecewise-linear one (``"trapezoid"``,
        ``"tent:P"``, ``"pl:B=V,..."``: :mod:`hardlearn.problems.activation_spec`); it must
        rise then fall strictly once a period, flat only at its minimum and maximum
        (:func:`branches`).
    estimator : LatticeRegressor or None, default None
        The lattice learner to use, with ``labels="triangle"`` (cloned at ``fit``); None:
        ``LatticeRegressor(labels="triangle")``.
    noise_bits : float or None, default None
        Label noise ``2^-noise_bits`` if known; the lattice gets it less
        ``log2 noise_gain`` (the transform's amplification), and labels within
        :data:`FLAT_Z_MAX` of it of a flat level are dropped.

    Attributes
    ----------
    status_, recovered_ : as the lattice learner's
    secret_ : ndarray (d,) or None
    freq_ : float or None
    estimator_ : the fitted lattice learner (in dimension ``d + len(columns_)``)
    embedding_ : {"offsets", "columns"}
        The known-offset lattice, or (symmetric activations, offsets all 0) the homogeneous
        one on ``x' = (x, [1])`` (module docstring).
    columns_ : tuple of str
        Columns appended to ``X`` (``"1"`` or none).
    samples_dropped_ : int
        Labels on a flat level, dropped (:data:`FLAT_Z_MAX`).
    flat_noise_bits_ : float or None
        The noise level of that band: ``noise_bits``, or without it the root mean square of
        the labels' excursions beyond the flat levels (:meth:`_flat_noise_bits`); None when
        there is neither (the labels' grid is used).
    noise_gain_ : float
    retried_ : bool
        Whether the lattice ran a second time at a larger sample count (no ``noise_bits``
        and nothing recovered at the first, :meth:`_retry_samples`).
    extra_coef_ : dict or None
        The recovered coefficient of the column ``1`` (known: ``-b0`` mod 1); None for the
        known-offset embedding.

    Examples
    --------
    >>> import numpy as np
    >>> from hardlearn.problems.periodic import PiecewiseLinearActivation, PeriodicNeuron
    >>> act = PiecewiseLinearActivation([0.0, 0.25, 0.5], [0.0, 1.0, 0.5])
    >>> rng = np.random.default_rng(0)
    >>> w = rng.standard_normal(4); w /= np.linalg.norm(w)
    >>> X = rng.standard_normal((40, 4))
    >>> y = PeriodicNeuron(w, 1.6, act)(X) + 2.0**-40 * rng.standard_normal(40)
    >>> est = PiecewiseLinearLatticeRegressor(act, noise_bits=40).fit(X, y)
    >>> est.status_, bool(abs(est.secret_ @ w) > 1 - 1e-9), round(est.freq_, 6)
    ('recovered', True, 1.6)
    """

    def __init__(self, activation: Any = "triangle", estimator: Any = None,
                 noise_bits: float | None = None) -> None:
        self.activation = activation
        self.estimator = estimator
        self.noise_bits = noise_bits

    def _inner(self, gain: float) -> Any:
        from hardlearn.learners.lattice import LatticeRegressor

        est = LatticeRegressor(labels="triangle") if self.estimator is None \
            else clone(self.estimator)
        if getattr(est, "labels", None) != "triangle":
            raise ParameterError(
                f"{type(self).__name__}.estimator must be a LatticeRegressor with "
                f"labels='triangle' (the transform gives triangle labels); got "
                f"{getattr(est, 'labels', type(est).__name__)!r}."
            )
        bits = self._noise_bits()
        if bits is not None:
            est.set_params(noise_bits=max(bits - math.log2(gain), 0.0))
        return est

    def _noise_bits(self) -> float | None:
        if self.noise_bits is None:
            return None
        return check_real(f"{type(self).__name__}.noise_bits", self.noise_bits, low=0.0)

    def fit(self, X: Any, y: Any) -> PiecewiseLinearLatticeRegressor:
        """Transform the labels (:func:`lattice_labels`) and run the lattice learner."""
        act = _as_piecewise(self.activation)
        Xa = check_array("X", X, ndim=2)
        ya = check_array("y", y, shape=(Xa.shape[0],))
        b = branches(act)
        gain = 1.0 / b["min_slope"]
        est = self._inner(gain)
        self.flat_noise_bits_ = self._noise_bits()
        if self.flat_noise_bits_ is None:
            self.flat_noise_bits_ = self._flat_noise_bits(b, ya)
        Xl, u, info = lattice_labels(act, Xa, ya, noise_bits=self.flat_noise_bits_)
        m, d = Xl.shape[0], Xa.shape[1]
        if m < d + 1:
            raise ParameterError(
                f"{type(self).__name__}.fit: the lattice needs at least d + 1 = {d + 1} "
                f"labels off the flat levels of {act.name!r}; {m} of the {Xa.shape[0]} given "
                "are off them (labels on a flat piece say nothing about t)."
            )
        if info["offset"] is not None and not hasattr(est, "_fit_with_offsets"):
            raise ParameterError(
                f"{type(self).__name__}.estimator must be a LatticeRegressor for activation "
                f"{act.name!r} (it takes the known offsets); got {type(est).__name__}."
            )

        def run(est: Any) -> Any:
            if info["offset"] is None:
                return est.fit(Xl, u)
            return est._fit_with_offsets(Xl, u, info["offset"])

        run(est)
        more = self._retry_samples(est, Xl.shape)
        self.retried_ = more is not None
        if more is not None:
            est = run(clone(est).set_params(max_samples=more))
        self.activation_ = act
        self.estimator_ = est
        # offsets that are all 0 (phi symmetric about 0) leave the lattice homogeneous
        with_offsets = getattr(est, "lattice_model_", None) == "triangle-offset"
        self.embedding_ = "offsets" if with_offsets else "columns"
        self.columns_ = info["columns"]
        self.samples_dropped_ = int(Xa.shape[0] - m)
        self.noise_gain_ = info["noise_gain"]
        self.n_features_in_ = d
        self.mean_ = float(np.mean(ya))
        self.status_ = est.status_
        self.recovered_ = bool(est.recovered_)
        self.secret_ = self.freq_ = None
        self.extra_coef_ = None
        if self.recovered_:
            found = self._orient(est, d, info, with_offsets)
            if found is None:
                self.status_, self.recovered_ = "not_recovered", False
            else:
                v, self.extra_coef_ = found
                self.freq_ = float(np.linalg.norm(v[:d]))
                self.secret_ = v[:d] / self.freq_
        return self

    @staticmethod
    def _flat_noise_bits(b: dict[str, Any], y: np.ndarray) -> float | None:
        """Label noise bits of the band around a flat level when the noise is unknown,
        read off the labels beyond a flat level: no label of the neuron lies above its
        maximum or below its minimum, so those excursions are noise, mostly of the labels
        on the flats, half of which cross (a half-normal's root mean square is its sigma).
        None when no label crosses (noise-free labels: the labels' grid rule)."""
        out = []
        if b["top"] > 0:
            out.append(y[y > b["high"]] - b["high"])
        if b["bottom"] > 0:
            out.append(b["low"] - y[y < b["low"]])
        excess = np.concatenate(out) if out else np.empty(0)
        if excess.size == 0:
            return None
        return float(-0.5 * math.log2(float(np.mean(excess**2))))

    def _retry_samples(self, est: Any, shape: tuple[int, int]) -> int | None:
        """The sample count of a second run, or None: without ``noise_bits`` the lattice
        plans for noise at the labels' grid, so its first count (``d + 1`` or so) fails at a
        noise it cannot see; the count the model predicts to tolerate the most noise gets one
        more run. (At d = 4, freq 1, unknown noise 2^-30, ``pl:0=0,0.25=0.5,0.5=0.25``: 5 of
        10 seeds recovered at the first count, the other 5 at the second.)"""
        from hardlearn.estimate import best_samples
        from hardlearn.learners.lattice import _freq_guess

        if est.recovered_ or est.status_ == "timeout" or self.noise_bits is not None or \
                est.get_params().get("max_samples") != "auto":
            return None
        m_all, dim = shape
        p = est.get_params()
        m_best, _ = best_samples(dim, m_all, est.lattice_model_, p["reduction"], p["block_size"],
                                 _freq_guess(p["freq_hint"], dim), p["certify_bits"])
        return int(m_best) if m_best > int(est.samples_used_) else None

    def _orient(self, est: Any, d: int, info: dict,
                with_offsets: bool) -> tuple[np.ndarray, dict | None] | None:
        """``v`` with its sign: the one the offsets fixed, or (homogeneous lattice) the one
        that gives the column ``1`` its known coefficient ``-b0`` modulo 1 (None when no sign
        does, :data:`KNOWN_COEF_TOL`)."""
        v = est.freq_ * np.asarray(est.secret_, dtype=float)
        if with_offsets:
            return (v, None) if np.any(v) else None
        extra = dict(zip(info["columns"], v[d:], strict=True))

        def miss(sign: float) -> float:
            if "1" not in extra:
                return 0.0
            r = (sign * extra["1"] + info["b0"]) % 1.0
            return min(r, 1.0 - r)

        sign = 1.0 if miss(1.0) <= miss(-1.0) else -1.0   # no column: phi even, w ~ -w
        if miss(sign) > KNOWN_COEF_TOL or not np.any(v[:d]):
            return None
        return sign * v, {k: float(sign * val) for k, val in extra.items()}

    def predict(self, X: Any) -> np.ndarray:
        """``phi(freq_ <secret_, x>)``; when nothing was recovered, the training mean (the
        trivial predictor), with a warning."""
        if not hasattr(self, "status_"):
            raise ParameterError(f"{type(self).__name__}.predict: call fit first.")
        Xa = check_array("X", X, shape=(None, self.n_features_in_))
        if not self.recovered_:
            warnings.warn(
                f"{type(self).__name__}: nothing was recovered (status {self.status_!r}); "
                "predicting the training mean.", RuntimeWarning, stacklevel=2)
            return np.full(Xa.shape[0], self.mean_)
        freq, secret = self.freq_, self.secret_
        if freq is None or secret is None:  # recovered_ is only set with both
            raise HardlearnError(f"{type(self).__name__}: recovered_ without freq_ and secret_.")
        return self.activation_(freq * (Xa @ secret))
