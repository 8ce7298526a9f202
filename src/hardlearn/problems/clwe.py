"""Continuous LWE, homogeneous CLWE and their null distributions (mathematics section 2).

All three take their parameters exactly as Bruna, Regev, Song and Tang define them
(BRST21, "Continuous LWE", STOC 2021), so numbers from the literature can be typed in:
inputs ``y ~ N(0, I_n / (2 pi))``, noise ``e ~ N(0, beta^2 / (2 pi))``.

* :class:`CLWE` draws ``(y, z)`` with ``z = (gamma <w, y> + e) mod 1``.
* :class:`NullCLWE` draws ``(y, z)`` with ``z ~ U[0, 1)`` independent of ``y``.
* :class:`HomogeneousCLWE` ("Gaussian pancakes") draws ``y`` whose density is proportional
  to ``rho(y) sum_i rho_beta(i - gamma <w, y>)``, exactly: a discrete-Gaussian layer index
  ``i`` with weights ``exp(-pi i^2 / (beta^2 + gamma^2))``, then a Gaussian inside the layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import blas
from scipy.special import ndtr

from hardlearn._rng import as_generator
from hardlearn._validation import check_int, check_real, check_unit_vector
from hardlearn.conventions import (
    beta_to_noise_std,
    brst_draw_scale,
    float64_noise_floor,
    wrap_unit,
)
from hardlearn.errors import PrecisionError

__all__ = [
    "random_direction",
    "CLWESamples",
    "CLWE",
    "NullCLWE",
    "HomogeneousCLWE",
]

#: Layers of the hCLWE mixture kept on each side: ``|i| <= ceil(LAYER_TAILS * s)`` with
#: ``s = sqrt(beta^2 + gamma^2)``. The dropped weight is below ``exp(-pi * LAYER_TAILS^2)``,
#: i.e. below 1e-136 for 10: far below float64's resolution of the kept weights.
LAYER_TAILS = 10.0

#: Magnitude, in standard deviations of ``gamma <w, y>``, up to which the phase is carried
#: before reduction mod 1; sets the float64 noise floor of :class:`CLWE` (8 sd: a tail of 1e-15).
_PHASE_TAIL_SDS = 8.0


def random_direction(dim: int, *, rng: np.random.Generator | int) -> np.ndarray:
    """A uniformly random unit vector in ``R^dim`` (a normalised standard Gaussian vector).

    Parameters
    ----------
    dim : int
        Dimension, ``dim >= 1``.
    rng : numpy.random.Generator or int
        Source of randomness.

    Returns
    -------
    numpy.ndarray, shape (dim,)
        float64 unit vector.

    Examples
    --------
    >>> w = random_direction(5, rng=0)
    >>> w.shape, round(float(np.linalg.norm(w)), 12)
    ((5,), 1.0)
    """
    dim = check_int("dim", dim, minimum=1)
    gen = as_generator(rng)
    while True:
        g = gen.standard_normal(dim)
        norm = float(np.linalg.norm(g))
        if norm > 0.0:
            return g / norm


def _brst_inputs(m: int, dim: int, gen: np.random.Generator) -> np.ndarray:
    """``m`` draws of ``N(0, I_dim / (2 pi))`` (one Gaussian pass and one in-place scale)."""
    y = gen.standard_normal((m, dim))
    y *= brst_draw_scale()
    return y


@dataclass(frozen=True)
class CLWESamples:
    """Samples ``(y, z)`` of CLWE or of its null, in the BRST21 normalisation.

    Attributes
    ----------
    y : numpy.ndarray, shape (m, dim)
        Inputs, ``N(0, I / (2 pi))``.
    z : numpy.ndarray, shape (m,)
        Labels in ``[0, 1)``.
    """

    y: np.ndarray
    z: np.ndarray

    def __len__(self) -> int:
        return int(self.z.shape[0])

    @property
    def dim(self) -> int:
        """Dimension of the inputs."""
        return int(self.y.shape[1])

    def split(self, index: int) -> tuple[CLWESamples, CLWESamples]:
        """The first ``index`` samples and the rest."""
        return (
            CLWESamples(self.y[:index], self.z[:index]),
            CLWESamples(self.y[index:], self.z[index:]),
        )


class CLWE:
    """CLWE(gamma, beta) with secret ``w`` (BRST21 normalisation, mathematics section 2).

    Parameters
    ----------
    secret : array_like, shape (dim,)
        Unit vector ``w``.
    gamma : float
        ``gamma > 0``; hardness needs ``gamma >= 2 sqrt(dim)`` (BRST21).
    beta : float
        ``0 < beta < 1``; noise ``e ~ N(0, beta^2 / (2 pi))``. ``beta`` must stay above what
        float64 carries at the phase's magnitude (:func:`float64_noise_floor`); for smaller
        noise use :mod:`hardlearn.problems.exact`.

    Examples
    --------
    >>> w = random_direction(4, rng=1)
    >>> s = CLWE(w, gamma=4.0, beta=0.01).sample(3, rng=2)
    >>> s.y.shape, s.z.shape, bool(((0 <= s.z) & (s.z < 1)).all())
    ((3, 4), (3,), True)
    """

    def __init__(self, secret: ArrayLike, gamma: float, beta: float) -> None:
        self.secret = check_unit_vector("secret", secret)
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)
        self.beta = check_real("beta", beta, low=0.0, high=1.0, low_open=True, high_open=True)
        phase_scale = self.gamma * brst_draw_scale() * _PHASE_TAIL_SDS
        floor = float64_noise_floor(phase_scale)
        if beta_to_noise_std(self.beta) < floor:
            raise PrecisionError(
                f"beta={self.beta!r} gives noise std {beta_to_noise_std(self.beta):.3g}, below "
                f"what float64 carries at phases of size {phase_scale:.3g} (floor {floor:.3g}): "
                "the noise would be rounded away. Use the exact samplers of "
                "hardlearn.problems.exact (or `hardlearn attack --noise-bits ...`) instead."
            )

    @property
    def dim(self) -> int:
        """Dimension ``n`` of the secret."""
        return int(self.secret.shape[0])

    def sample(self, m: int, *, rng: np.random.Generator | int) -> CLWESamples:
        """Draw ``m`` CLWE samples ``(y, z)``; ``z = (gamma <w, y> + e) mod 1``."""
        m = check_int("m", m, minimum=0)
        gen = as_generator(rng)
        y = _brst_inputs(m, self.dim, gen)
        phase = y @ self.secret
        phase *= self.gamma
        phase += gen.standard_normal(m) * beta_to_noise_std(self.beta)
        return CLWESamples(y, wrap_unit(phase))

    def __repr__(self) -> str:
        return f"CLWE(dim={self.dim}, gamma={self.gamma:g}, beta={self.beta:g})"


class NullCLWE:
    """The CLWE null: ``y ~ N(0, I / (2 pi))`` and ``z ~ U[0, 1)`` independent.

    Examples
    --------
    >>> s = NullCLWE(3).sample(5, rng=0)
    >>> s.y.shape, s.z.shape
    ((5, 3), (5,))
    """

    def __init__(self, dim: int) -> None:
        self.dim = check_int("dim", dim, minimum=1)

    def sample(self, m: int, *, rng: np.random.Generator | int) -> CLWESamples:
        """Draw ``m`` null samples."""
        m = check_int("m", m, minimum=0)
        gen = as_generator(rng)
        y = _brst_inputs(m, self.dim, gen)
        return CLWESamples(y, gen.random(m))

    def __repr__(self) -> str:
        return f"NullCLWE(dim={self.dim})"


class HomogeneousCLWE:
    """Homogeneous CLWE ("Gaussian pancakes") with secret ``w`` (mathematics section 2).

    Along ``w`` the distribution is a mixture over layers ``i in Z`` with weights proportional
    to ``exp(-pi i^2 / (beta^2 + gamma^2))``, means ``gamma i / (beta^2 + gamma^2)`` and
    standard deviation ``beta / (sqrt(2 pi) sqrt(beta^2 + gamma^2))``; orthogonal to ``w`` it is
    ``N(0, I / (2 pi))``. Its null is ``N(0, I / (2 pi))``.

    Examples
    --------
    >>> h = HomogeneousCLWE([1.0, 0.0], gamma=2.0, beta=0.1)
    >>> h.sample(4, rng=0).shape
    (4, 2)
    >>> round(float(h.marginal_cdf(0.0)), 6)
    0.5
    """

    def __init__(self, secret: ArrayLike, gamma: float, beta: float) -> None:
        self.secret = check_unit_vector("secret", secret)
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)
        self.beta = check_real("beta", beta, low=0.0, high=1.0, low_open=True, high_open=True)
        s2 = self.beta**2 + self.gamma**2
        layer_std = beta_to_noise_std(self.beta) / math.sqrt(s2)
        # Layer centres reach |gamma i / s2| <= LAYER_TAILS gamma / sqrt(s2) (plus one layer).
        floor = float64_noise_floor(LAYER_TAILS * self.gamma / math.sqrt(s2) + 1.0)
        if layer_std < floor:
            raise PrecisionError(
                f"beta={self.beta!r} gives layers of width {layer_std:.3g}, below what float64 "
                f"carries next to their centres (floor {floor:.3g}): the pancakes would be "
                "rounded flat. Use larger beta, or exact arithmetic (hardlearn.problems.exact)."
            )
        half = math.ceil(LAYER_TAILS * math.sqrt(s2))
        self._layers = np.arange(-half, half + 1)
        logw = -math.pi * self._layers.astype(np.float64) ** 2 / s2
        weights = np.exp(logw - logw.max())
        self._weights = weights / weights.sum()
        self._cdf = np.cumsum(self._weights)
        self._cdf[-1] = 1.0
        self._means = self.gamma * self._layers / s2
        self._layer_std = layer_std

    @property
    def dim(self) -> int:
        """Dimension ``n`` of the secret."""
        return int(self.secret.shape[0])

    @property
    def layer_std(self) -> float:
        """Standard deviation of ``<w, y>`` inside one layer."""
        return self._layer_std

    def sample(self, m: int, *, rng: np.random.Generator | int) -> np.ndarray:
        """Draw ``m`` points, shape (m, dim), exactly (layer index, then Gaussian in the layer)."""
        m = check_int("m", m, minimum=0)
        gen = as_generator(rng)
        y = _brst_inputs(m, self.dim, gen)
        layer = self._means[np.searchsorted(self._cdf, gen.random(m), side="right")]
        along = layer + self._layer_std * gen.standard_normal(m)
        along -= y @ self.secret
        # Replace the component along w in place: y += along w^T (a rank-one BLAS update on
        # the Fortran view of y, so no (m, dim) temporary is allocated).
        blas.dger(1.0, self.secret, along, a=y.T, overwrite_a=True)
        return y

    def marginal_cdf(self, t: ArrayLike) -> np.ndarray:
        """CDF of ``<w, y>`` under this distribution, at ``t`` (vectorised).

        ``sum_i p_i Phi((t - mu_i) / s_layer)`` over the kept layers.
        """
        t = np.asarray(t, dtype=np.float64)
        z = (t[..., None] - self._means) / self._layer_std
        return np.asarray(ndtr(z) @ self._weights)

    def __repr__(self) -> str:
        return f"HomogeneousCLWE(dim={self.dim}, gamma={self.gamma:g}, beta={self.beta:g})"
