"""Conversions between the BRST21 normalisation of CLWE and the standard-Gaussian view.

CLWE (Bruna, Regev, Song, Tang, STOC 2021) draws ``y ~ N(0, I / (2 pi))`` and noise
``e ~ N(0, beta^2 / (2 pi))``, and writes ``z = (gamma <w, y> + e) mod 1``. The learning view
(mathematics section 2) rescales to ``x = sqrt(2 pi) y ~ N(0, I)``; then
``z = (freq <w, x> + e') mod 1`` with ``freq = gamma / sqrt(2 pi)`` and
``e' ~ N(0, s^2)``, ``s = beta / sqrt(2 pi)``.

This is the only module that multiplies or divides by ``sqrt(2 pi)``; every other module
calls these functions.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "SQRT_2PI",
    "gamma_to_freq",
    "freq_to_gamma",
    "beta_to_noise_std",
    "noise_std_to_beta",
    "brst_to_standard",
    "standard_to_brst",
    "brst_draw_scale",
    "wrap_unit",
    "wrap_centered",
    "float64_noise_floor",
]

#: ``sqrt(2 pi)``: the ratio between the standard deviation of ``N(0, 1)`` and that of the
#: BRST21 Gaussian ``rho``, whose density is proportional to ``exp(-pi t^2)``.
SQRT_2PI = math.sqrt(2.0 * math.pi)

#: float64 carries a 53-bit significand; its spacing near a value of magnitude ``a`` is at most
#: ``a * 2**-52``. Noise whose standard deviation spans fewer than 2**4 = 16 such steps is
#: visibly quantised, so that is the floor :func:`float64_noise_floor` enforces.
_FLOAT64_STEPS_PER_NOISE_STD = 16


def gamma_to_freq(gamma: float) -> float:
    """Frequency of the periodic neuron in the standard-Gaussian view: ``gamma / sqrt(2 pi)``.

    Examples
    --------
    >>> round(gamma_to_freq(2 * math.sqrt(2 * math.pi)), 12)
    2.0
    """
    return gamma / SQRT_2PI


def freq_to_gamma(freq: float) -> float:
    """Inverse of :func:`gamma_to_freq`: ``gamma = sqrt(2 pi) freq``.

    Examples
    --------
    >>> round(freq_to_gamma(gamma_to_freq(8.0)), 12)
    8.0
    """
    return freq * SQRT_2PI


def beta_to_noise_std(beta: float) -> float:
    """Standard deviation of the CLWE noise in the standard view: ``beta / sqrt(2 pi)``.

    Examples
    --------
    >>> round(beta_to_noise_std(SQRT_2PI), 12)
    1.0
    """
    return beta / SQRT_2PI


def noise_std_to_beta(noise_std: float) -> float:
    """Inverse of :func:`beta_to_noise_std`: ``beta = sqrt(2 pi) s``.

    Examples
    --------
    >>> round(noise_std_to_beta(beta_to_noise_std(0.01)), 12)
    0.01
    """
    return noise_std * SQRT_2PI


def brst_to_standard(y: ArrayLike) -> np.ndarray:
    """Map BRST21 inputs ``y ~ N(0, I / (2 pi))`` to standard inputs ``x = sqrt(2 pi) y``.

    Examples
    --------
    >>> brst_to_standard([1.0 / SQRT_2PI])
    array([1.])
    """
    return np.asarray(y, dtype=np.float64) * SQRT_2PI


def standard_to_brst(x: ArrayLike) -> np.ndarray:
    """Inverse of :func:`brst_to_standard`: ``y = x / sqrt(2 pi)``.

    Examples
    --------
    >>> standard_to_brst(brst_to_standard([0.25, -1.0]))
    array([ 0.25, -1.  ])
    """
    return np.asarray(x, dtype=np.float64) / SQRT_2PI


def brst_draw_scale() -> float:
    """Scale that turns a standard normal draw into a BRST21 Gaussian draw: ``1 / sqrt(2 pi)``.

    Samplers draw ``N(0, 1)`` and multiply by this factor in place.

    Examples
    --------
    >>> round(brst_draw_scale() * SQRT_2PI, 12)
    1.0
    """
    return 1.0 / SQRT_2PI


def wrap_unit(t: ArrayLike) -> np.ndarray:
    """Reduce modulo 1 into ``[0, 1)``.

    ``np.mod`` can return exactly 1.0 for a tiny negative input (``-1e-20 mod 1`` rounds up);
    such values are mapped to 0 so the result always lies in ``[0, 1)``.

    Examples
    --------
    >>> wrap_unit([1.25, -0.25, -1e-20])
    array([0.25, 0.75, 0.  ])
    >>> float(wrap_unit(2.5))
    0.5
    """
    out = np.mod(np.asarray(t, dtype=np.float64), 1.0)
    return np.where(out >= 1.0, 0.0, out)


def wrap_centered(t: ArrayLike) -> np.ndarray:
    """Reduce modulo 1 into ``[-1/2, 1/2)``: the signed distance to the nearest integer.

    Examples
    --------
    >>> wrap_centered([0.75, 1.25, 0.5])
    array([-0.25,  0.25, -0.5 ])
    """
    return wrap_unit(np.asarray(t, dtype=np.float64) + 0.5) - 0.5


def float64_noise_floor(magnitude: float) -> float:
    """Smallest noise standard deviation that float64 carries faithfully at ``magnitude``.

    Values of size up to ``magnitude`` are stored with spacing up to ``magnitude * 2**-52``;
    the floor is 16 such steps, ``magnitude * 2**-48``. Float64 samplers refuse smaller
    positive noise with a :class:`~hardlearn.errors.PrecisionError` pointing to the exact
    samplers.

    Examples
    --------
    >>> float64_noise_floor(1.0) == 2.0**-48
    True
    """
    return float(max(magnitude, 1.0)) * _FLOAT64_STEPS_PER_NOISE_STD * 2.0**-52
