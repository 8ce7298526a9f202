"""Periodic activations and the periodic neuron ``x -> phi(freq <w, x>)`` (mathematics section 3).

A :class:`PeriodicActivation` is a 1-periodic function together with the facts the rest of
the package needs about it: its Lipschitz constant (for the TV bound of mathematics section 4), its
range (to clip predictions), its mean and variance under ``U ~ U[0, 1)`` (the null loss),
and its exact moments under a Gaussian argument ``freq * g``, ``g ~ N(0, 1)`` (the trivial
MSE of the regression problem).

Two are built in:

* :data:`triangle_wave`, ``tri(t) = |t - round(t)|``, piecewise linear with breakpoints on
  ``(1/2) Z``, so a ReLU network equals it on any bounded interval;
* :data:`cosine_wave`, ``cos(2 pi t)``, SZB21's running example (no ReLU network equals it).

Any other continuous, piecewise-linear, 1-periodic activation is a
:class:`PiecewiseLinearActivation` (issue 16): given by its breakpoints and values in one
period, with its Lipschitz constant, range and uniform moments in closed form and its
Gaussian moments from exact piecewise-linear Gaussian integrals.
:func:`cosine_interpolant` is the one with ``q`` equal pieces interpolating the cosine; its
sup error is at most ``(1/q)^2 / 8 * max|phi''| = pi^2 / (2 q^2)`` (the error bound of linear
interpolation).

Gaussian moments come from the Fourier series (``g ~ N(0, 1)``, ``E cos(2 pi n f g) =
exp(-2 pi^2 n^2 f^2)``):

* ``tri(t) = 1/4 - (2 / pi^2) sum_{n odd} cos(2 pi n t) / n^2``
* ``tri(t)^2 = 1/12 + sum_{n >= 1} (-1)^n cos(2 pi n t) / (pi^2 n^2)``
* ``cos(2 pi t)^2 = (1 + cos(4 pi t)) / 2``
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from hardlearn._validation import check_array, check_int, check_real, check_unit_vector
from hardlearn.errors import ParameterError

__all__ = [
    "PeriodicActivation",
    "triangle_wave",
    "cosine_wave",
    "ACTIVATIONS",
    "get_activation",
    "PeriodicNeuron",
    "PiecewiseLinearActivation",
    "cosine_interpolant",
]

#: Fourier terms kept in the Gaussian moments. The n-th term is at most
#: ``exp(-2 pi^2 n^2 f^2) / n^2``; for ``f >= 0.05`` and n = 400 this is below 1e-300, so the
#: series is exact to float64 there.
_FOURIER_TERMS = 2000
#: Below this frequency the triangle wave's moments come from the piecewise-linear Gaussian
#: integrals instead (the Fourier series converges too slowly there: at f = 1e-4 its 2,000
#: terms overstate the variance 2.3-fold).
_FOURIER_MIN_FREQ = 0.05
#: Standard deviations of ``g`` covered by the piecewise-linear integrals; the neglected
#: tail is below ``erfc(40 / sqrt 2) < 1e-300``.
_GAUSS_SDS = 40.0


def _tri(t: ArrayLike) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)
    return np.abs(t - np.round(t))


def _cos(t: ArrayLike) -> np.ndarray:
    return np.cos(2.0 * math.pi * np.asarray(t, dtype=np.float64))


def _damping(freq: float, n: np.ndarray) -> np.ndarray:
    """``E cos(2 pi n freq g)`` for ``g ~ N(0, 1)``: ``exp(-2 pi^2 n^2 freq^2)``."""
    return np.exp(-2.0 * math.pi**2 * (n * freq) ** 2)


def _tri_gaussian_moments(freq: float) -> tuple[float, float]:
    if freq < _FOURIER_MIN_FREQ:
        # tri(freq g) = g_R(freq g) for |g| <= R / freq: the capped network's exact integrals.
        from hardlearn.problems.network import (
            capped_triangle_coefficients,
            gaussian_piecewise_linear_moments,
        )

        biases, weights = capped_triangle_coefficients(max(1, math.ceil(_GAUSS_SDS * freq)))
        return gaussian_piecewise_linear_moments(np.full(biases.shape, freq), biases, weights)
    n = np.arange(1, _FOURIER_TERMS + 1, dtype=np.float64)
    damp = _damping(freq, n)
    odd = n % 2 == 1
    mean = 0.25 - (2.0 / math.pi**2) * float(np.sum(damp[odd] / n[odd] ** 2))
    sign = np.where(odd, -1.0, 1.0)
    second = 1.0 / 12.0 + float(np.sum(sign * damp / n**2)) / math.pi**2
    return mean, second


def _cos_gaussian_moments(freq: float) -> tuple[float, float]:
    mean = float(_damping(freq, np.array(1.0)))
    second = 0.5 * (1.0 + float(_damping(2.0 * freq, np.array(1.0))))
    return mean, second


@dataclass(frozen=True)
class PeriodicActivation:
    """A 1-periodic activation ``phi`` with the constants the reduction and the bounds use.

    Parameters
    ----------
    name : str
        Short name used on the command line and in stored results.
    function : callable
        Vectorised ``phi``: array in, float64 array of the same shape out.
    lipschitz : float
        Lipschitz constant ``L`` of ``phi`` (enters the TV bound of mathematics section 4).
    low, high : float
        Range of ``phi``; predictions are clipped to it.
    uniform_mean, uniform_variance : float
        ``E phi(U)`` and ``Var phi(U)`` for ``U ~ U[0, 1)``.
    piecewise_linear : bool
        Whether ``phi`` is piecewise linear (then a ReLU network can equal it).
    breakpoints_per_period : int
        Breakpoints of ``phi`` in one period (0 if not piecewise linear).
    gaussian_moments : callable
        ``freq -> (E phi(freq g), E phi(freq g)^2)`` for ``g ~ N(0, 1)``, exactly.

    Examples
    --------
    >>> triangle_wave([0.0, 0.25, 0.5, 1.75])
    array([0.  , 0.25, 0.5 , 0.25])
    >>> triangle_wave.uniform_variance == 1 / 48
    True
    """

    name: str
    function: Callable[[ArrayLike], np.ndarray] = field(repr=False)
    lipschitz: float
    low: float
    high: float
    uniform_mean: float
    uniform_variance: float
    piecewise_linear: bool
    breakpoints_per_period: int
    _moments: Callable[[float], tuple[float, float]] = field(repr=False)
    period: float = 1.0

    def __call__(self, t: ArrayLike) -> np.ndarray:
        return self.function(t)

    def gaussian_moments(self, freq: float) -> tuple[float, float]:
        """``(E phi(freq g), E phi(freq g)^2)`` for ``g ~ N(0, 1)``, from the Fourier series.

        Examples
        --------
        >>> m, s = triangle_wave.gaussian_moments(50.0)
        >>> round(m, 12), round(s - m * m, 12) == round(1 / 48, 12)
        (0.25, True)
        """
        freq = abs(check_real("freq", freq))
        return self._moments(freq)

    def gaussian_variance(self, freq: float) -> float:
        """``Var phi(freq g)`` for ``g ~ N(0, 1)``: the trivial MSE of the periodic neuron."""
        mean, second = self.gaussian_moments(freq)
        return max(second - mean * mean, 0.0)

    def clip(self, values: ArrayLike) -> np.ndarray:
        """Clip ``values`` to the range ``[low, high]`` of the activation."""
        return np.clip(np.asarray(values, dtype=np.float64), self.low, self.high)


#: ``tri(t) = |t - round(t)|``: 1-periodic, 1-Lipschitz, values in [0, 1/2], breakpoints on
#: (1/2) Z; ``E tri(U) = 1/4``, ``Var tri(U) = 1/48`` (mathematics section 3).
triangle_wave = PeriodicActivation(
    name="triangle",
    function=_tri,
    lipschitz=1.0,
    low=0.0,
    high=0.5,
    uniform_mean=0.25,
    uniform_variance=1.0 / 48.0,
    piecewise_linear=True,
    breakpoints_per_period=2,
    _moments=_tri_gaussian_moments,
)

#: ``cos(2 pi t)``: 1-periodic, Lipschitz constant 2 pi, values in [-1, 1],
#: ``E cos(2 pi U) = 0``, ``Var cos(2 pi U) = 1/2`` (SZB21's running example).
cosine_wave = PeriodicActivation(
    name="cosine",
    function=_cos,
    lipschitz=2.0 * math.pi,
    low=-1.0,
    high=1.0,
    uniform_mean=0.0,
    uniform_variance=0.5,
    piecewise_linear=False,
    breakpoints_per_period=0,
    _moments=_cos_gaussian_moments,
)

#: The built-in activations by name.
ACTIVATIONS: dict[str, PeriodicActivation] = {"triangle": triangle_wave, "cosine": cosine_wave}


#: Above this frequency the Gaussian argument ``freq g`` is uniform modulo 1 to float64: the
#: Fourier coefficient ``n`` of the density of ``freq g mod 1`` is ``exp(-2 pi^2 n^2 freq^2)``,
#: and ``exp(-2 pi^2 * 2^2) = exp(-79) < 1e-34``, so the moments differ from the uniform ones
#: by less than 1e-34 times ``max phi^2``. (Below it the piece sums are used; above it they
#: would lose digits to cancellation, about 1e-11 at frequency 6, measured.)
_FLAT_FREQ = 2.0
#: Tolerance for continuity across the period and for dropping a kink whose slope change is
#: float64 rounding (relative to the largest slope).
_PL_RTOL = 1e-12


def _gaussian_piece_moments(edges: np.ndarray, alpha: np.ndarray, beta: np.ndarray
                            ) -> tuple[float, float]:
    """``E h(g)``, ``E h(g)^2`` for ``g ~ N(0, 1)`` and ``h = alpha_j + beta_j g`` on
    ``[edges_j, edges_{j+1}]`` (outside the edges ``h`` is taken as 0): the closed forms of
    :func:`hardlearn.problems.network.gaussian_piecewise_linear_moments`, one piece at a time."""
    from scipy.special import ndtr

    dens = np.exp(-0.5 * edges**2) / math.sqrt(2 * math.pi)
    cdf = ndtr(edges)
    d_cdf = np.diff(cdf)
    lo, hi = edges[:-1], edges[1:]
    d_phi = dens[:-1] - dens[1:]
    first = float(np.sum(alpha * d_cdf + beta * d_phi))
    second = float(np.sum(alpha**2 * d_cdf + 2 * alpha * beta * d_phi
                          + beta**2 * (d_cdf + lo * dens[:-1] - hi * dens[1:])))
    return first, second


class PiecewiseLinearActivation(PeriodicActivation):
    """A continuous, piecewise-linear, 1-periodic activation given on one period (issue 16).

    Parameters
    ----------
    breakpoints : array_like, shape (p,) or (p + 1,)
        Strictly increasing points of ``[0, 1]``, at most one period apart, where ``phi``
        may change slope. If the last is the first plus 1 (e.g. ``[0, 0.5, 1]``), their
        values must agree: that is continuity across the period. Otherwise ``phi`` runs
        linearly from the last breakpoint to the first plus 1.
    values : array_like, same shape
        ``phi`` at the breakpoints.
    name : str, optional
        Name stored in results; default ``"piecewise-linear"``.

    The kinks (breakpoints where the slope really changes) number ``p`` a period;
    :func:`hardlearn.problems.network.capped_periodic_network` builds the ReLU network of
    width about ``2 R p + 2`` equal to ``phi(clip(t, -R, R))``.

    Examples
    --------
    >>> tri = PiecewiseLinearActivation([0.0, 0.5, 1.0], [0.0, 0.5, 0.0])
    >>> tri([0.25, 0.75, 3.5]), tri.lipschitz, tri.kinks_per_period
    (array([0.25, 0.25, 0.5 ]), 1.0, 2)
    >>> abs(tri.uniform_variance - 1 / 48) < 1e-15
    True
    >>> trap = PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 0.5, 0.5, 0.0])
    >>> float(trap.uniform_mean)
    0.25
    """

    # Set once in __init__ (object.__setattr__: the dataclass base is frozen); not fields.
    breakpoints: np.ndarray
    values: np.ndarray
    kink_positions: np.ndarray
    kink_jumps: np.ndarray
    _uniform_second: float

    def __init__(self, breakpoints: ArrayLike, values: ArrayLike,
                 name: str = "piecewise-linear") -> None:
        b = check_array("breakpoints", breakpoints, ndim=1)
        v = check_array("values", values, shape=(b.shape[0],))
        if b.size < 2:
            raise ParameterError(
                f"breakpoints must hold at least 2 points of one period; got {b.tolist()}."
            )
        if np.any(np.diff(b) <= 0):
            raise ParameterError(
                f"breakpoints must be strictly increasing; got {b.tolist()}."
            )
        if b[0] < 0 or b[-1] > 1 or b[-1] - b[0] > 1:
            raise ParameterError(
                f"breakpoints must lie inside one period, in [0, 1]; got {b.tolist()}."
            )
        if b[-1] - b[0] == 1:
            scale = max(1.0, float(np.max(np.abs(v))))
            if abs(v[-1] - v[0]) > _PL_RTOL * scale:
                raise ParameterError(
                    "values must be continuous across the period: the breakpoints "
                    f"{b[0]:g} and {b[-1]:g} are one period apart, so their values must agree; "
                    f"got {float(v[0])!r} and {float(v[-1])!r}."
                )
            b, v = b[:-1], v[:-1]
        # one period of knots starting at the first breakpoint, closed by its copy one later
        knots = np.concatenate([b, [b[0] + 1.0]])
        vals = np.concatenate([v, [v[0]]])
        slopes = np.diff(vals) / np.diff(knots)
        jumps = slopes - np.roll(slopes, 1)          # slope change at each knot b_j
        smax = float(np.max(np.abs(slopes)))
        kink = np.abs(jumps) > _PL_RTOL * max(smax, 1e-300)
        if not np.any(kink):   # constant: no kinks at all
            kink_pos, kink_jumps = np.empty(0), np.empty(0)
        else:
            kink_pos, kink_jumps = b[kink], jumps[kink]
        xp, fp = b.copy(), v.copy()

        def function(t: ArrayLike, xp=xp, fp=fp) -> np.ndarray:
            t = np.asarray(t, dtype=np.float64)
            return np.interp(t, xp, fp, period=1.0)

        lengths = np.diff(knots)
        mean = float(np.sum(lengths * (vals[:-1] + vals[1:]) / 2.0))
        second = float(np.sum(lengths * (vals[:-1] ** 2 + vals[:-1] * vals[1:]
                                         + vals[1:] ** 2) / 3.0))
        super().__init__(
            name=name, function=function, lipschitz=smax, low=float(np.min(v)),
            high=float(np.max(v)), uniform_mean=mean,
            uniform_variance=max(second - mean * mean, 0.0), piecewise_linear=True,
            breakpoints_per_period=int(kink_pos.size), _moments=self._gaussian,
        )
        for attr, value in (("breakpoints", xp), ("values", fp), ("kink_positions", kink_pos),
                            ("kink_jumps", kink_jumps), ("_uniform_second", second)):
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            object.__setattr__(self, attr, value)

    @property
    def kinks_per_period(self) -> int:
        """``p``: points a period where the slope changes."""
        return int(self.kink_positions.size)

    def _slope(self, t: float, side: str) -> float:
        xp, fp = self.breakpoints, self.values
        knots = np.concatenate([xp, [xp[0] + 1.0]])
        vals = np.concatenate([fp, [fp[0]]])
        slopes = np.diff(vals) / np.diff(knots)
        u = (float(t) - xp[0]) % 1.0 + xp[0]       # in [xp[0], xp[0] + 1)
        if side == "left" and u == xp[0]:
            u = xp[0] + 1.0
        j = int(np.searchsorted(knots, u, side=side)) - 1   # type: ignore[call-overload]
        return float(slopes[min(max(j, 0), slopes.size - 1)])

    def slope_after(self, t: float) -> float:
        """The right derivative ``phi'(t+)``.

        Examples
        --------
        >>> tri = PiecewiseLinearActivation([0.0, 0.5], [0.0, 0.5])
        >>> tri.slope_after(0.5), tri.slope_before(0.5), tri.slope_before(-3.0)
        (-1.0, 1.0, -1.0)
        """
        return self._slope(t, "right")

    def slope_before(self, t: float) -> float:
        """The left derivative ``phi'(t-)``."""
        return self._slope(t, "left")

    def kinks_in(self, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
        """Kink positions in the open interval ``(low, high)`` and their slope changes."""
        if self.kink_positions.size == 0:
            return np.empty(0), np.empty(0)
        periods = np.arange(math.floor(low) - 1, math.ceil(high) + 1)
        pos = (periods[:, None] + self.kink_positions[None, :]).ravel()
        jumps = np.broadcast_to(self.kink_jumps, (periods.size, self.kink_positions.size)).ravel()
        keep = (pos > low) & (pos < high)
        order = np.argsort(pos[keep])
        return pos[keep][order], jumps[keep][order]

    def _gaussian(self, freq: float) -> tuple[float, float]:
        """Exact piecewise-linear Gaussian integrals of ``phi(freq g)`` over ``|g| <= 40``
        (the rest has mass below 1e-300), or the uniform moments above ``_FLAT_FREQ``."""
        if freq >= _FLAT_FREQ:
            return self.uniform_mean, self._uniform_second
        if freq == 0:
            value = float(self(0.0))
            return value, value * value
        span = _GAUSS_SDS * freq
        xp = self.breakpoints
        # every breakpoint (kink or not) bounds a linear piece
        periods = np.arange(math.floor(-span) - 1, math.ceil(span) + 1)
        cuts = (periods[:, None] + xp[None, :]).ravel()
        cuts = np.unique(np.concatenate([cuts[(cuts > -span) & (cuts < span)], [-span, span]]))
        vals = self(cuts)
        slope = np.diff(vals) / np.diff(cuts)            # in t = freq g
        alpha = vals[:-1] - slope * cuts[:-1]              # h(t) = alpha + slope t
        return _gaussian_piece_moments(cuts / freq, alpha, slope * freq)

    def __repr__(self) -> str:
        return (f"PiecewiseLinearActivation(breakpoints={self.breakpoints.tolist()}, "
                f"values={self.values.tolist()}, name={self.name!r})")

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, PiecewiseLinearActivation)
                and np.array_equal(self.breakpoints, other.breakpoints)
                and np.array_equal(self.values, other.values))


def cosine_interpolant(pieces: int) -> PiecewiseLinearActivation:
    """The piecewise-linear interpolant of ``cos(2 pi t)`` at ``k / q``, ``k = 0..q-1``.

    Its sup error against the cosine is at most ``pi^2 / (2 q^2)`` (linear interpolation on
    pieces of length ``1/q`` errs by at most ``h^2 max|phi''| / 8`` with ``max|phi''| =
    4 pi^2``); near the peak, at ``t = 1/(2q)``, it errs by
    ``cos(pi/q) (1 - cos(pi/q)) ~ pi^2 / (2 q^2)``, so the bound is tight to leading order.

    Examples
    --------
    >>> act = cosine_interpolant(8)
    >>> t = np.linspace(0, 1, 10_001)
    >>> err = float(np.max(np.abs(act(t) - cosine_wave(t))))
    >>> err <= math.pi**2 / (2 * 8**2)
    True
    """
    q = check_int("pieces", pieces, minimum=2)
    k = np.arange(q + 1) / q
    values = np.cos(2 * math.pi * k)
    values[-1] = values[0]
    return PiecewiseLinearActivation(k, values, name=f"cosine-interpolant:{q}")


def get_activation(activation: str | PeriodicActivation) -> PeriodicActivation:
    """The activation a spec names, or the object itself: ``triangle``, ``cosine``,
    ``trapezoid``, ``tent:P``, ``cosine-interpolant:Q`` or ``pl:B=V,...``
    (:func:`hardlearn.problems.activation_spec.parse_activation`).

    Examples
    --------
    >>> get_activation("cosine").lipschitz == 2 * math.pi, get_activation("tent:0.25").name
    (True, 'tent:0.25')
    """
    from hardlearn.problems.activation_spec import parse_activation

    return parse_activation(activation)


class PeriodicNeuron:
    """The periodic neuron ``f(x) = phi(freq <w, x>)`` on ``R^d`` (mathematics section 3).

    Parameters
    ----------
    secret : array_like, shape (d,)
        Unit vector ``w``.
    freq : float
        Frequency ``freq > 0`` in the standard-Gaussian view (``gamma / sqrt(2 pi)``).
    activation : PeriodicActivation or str, default "triangle"
        The 1-periodic ``phi``.

    Examples
    --------
    >>> f = PeriodicNeuron([1.0, 0.0], freq=2.0)
    >>> f(np.array([[0.125, 5.0], [0.25, -1.0]]))
    array([0.25, 0.5 ])
    >>> round(f.variance(), 6) == round(triangle_wave.gaussian_variance(2.0), 6)
    True
    """

    def __init__(
        self, secret: ArrayLike, freq: float, activation: str | PeriodicActivation = "triangle"
    ) -> None:
        self.secret = check_unit_vector("secret", secret)
        self.freq = check_real("freq", freq, low=0.0, low_open=True)
        self.activation = get_activation(activation)

    @property
    def dim(self) -> int:
        """Input dimension ``d``."""
        return int(self.secret.shape[0])

    def projection(self, X: ArrayLike) -> np.ndarray:
        """``<w, x>`` for each row of ``X``; shape (m,)."""
        return np.asarray(X, dtype=np.float64) @ self.secret

    def __call__(self, X: ArrayLike) -> np.ndarray:
        return self.activation(self.freq * self.projection(X))

    def mean(self) -> float:
        """``E f(x)`` for ``x ~ N(0, I)``, exactly."""
        return self.activation.gaussian_moments(self.freq)[0]

    def variance(self) -> float:
        """``Var f(x)`` for ``x ~ N(0, I)``, exactly: the trivial MSE."""
        return self.activation.gaussian_variance(self.freq)

    def gaussian_moments(self) -> tuple[float, float]:
        """``(E f(x), E f(x)^2)`` for ``x ~ N(0, I)``, exactly."""
        return self.activation.gaussian_moments(self.freq)

    def __repr__(self) -> str:
        return (
            f"PeriodicNeuron(dim={self.dim}, freq={self.freq:g}, "
            f"activation={self.activation.name!r})"
        )
