"""Periodic activations and the periodic neuron ``x -> phi(freq <w, x>)`` (SPEC section 3).

A :class:`PeriodicActivation` is a 1-periodic function together with the facts the rest of
the package needs about it: its Lipschitz constant (for the TV bound of SPEC section 4), its
range (to clip predictions), its mean and variance under ``U ~ U[0, 1)`` (the null loss),
and its exact moments under a Gaussian argument ``freq * g``, ``g ~ N(0, 1)`` (the trivial
MSE of the regression problem).

Two are built in:

* :data:`triangle_wave`, ``tri(t) = |t - round(t)|``, piecewise linear with breakpoints on
  ``(1/2) Z``, so a ReLU network equals it on any bounded interval;
* :data:`cosine_wave`, ``cos(2 pi t)``, SZB21's running example (no ReLU network equals it).

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

from hardlearn._validation import check_real, check_unit_vector

__all__ = [
    "PeriodicActivation",
    "triangle_wave",
    "cosine_wave",
    "ACTIVATIONS",
    "get_activation",
    "PeriodicNeuron",
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
        Lipschitz constant ``L`` of ``phi`` (enters the TV bound of SPEC section 4).
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
#: (1/2) Z; ``E tri(U) = 1/4``, ``Var tri(U) = 1/48`` (SPEC section 3).
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


def get_activation(activation: str | PeriodicActivation) -> PeriodicActivation:
    """Return the activation named ``activation`` (or the object itself).

    Examples
    --------
    >>> get_activation("cosine").lipschitz == 2 * math.pi
    True
    """
    from hardlearn._validation import check_choice

    if isinstance(activation, PeriodicActivation):
        return activation
    return ACTIVATIONS[check_choice("activation", activation, tuple(ACTIVATIONS))]


class PeriodicNeuron:
    """The periodic neuron ``f(x) = phi(freq <w, x>)`` on ``R^d`` (SPEC section 3).

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
