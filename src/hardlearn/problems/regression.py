"""Noisy regression data ``y = f(x) + xi`` with Gaussian inputs (SPEC section 1).

``x ~ N(0, I_d)``, ``xi ~ N(0, sigma^2)`` independent. The targets of this package (the
periodic neuron and the capped ReLU network) depend on ``x`` only through ``<w, x>``, so
their mean and variance under the Gaussian are one-dimensional integrals computed exactly;
that makes the trivial MSE ``Var f`` and the advantage ``1 - MSE / Var f`` exact too.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from hardlearn._rng import as_generator
from hardlearn._validation import check_int, check_real
from hardlearn.conventions import float64_noise_floor
from hardlearn.errors import ParameterError, PrecisionError

__all__ = ["Target", "NoisyRegression"]


@runtime_checkable
class Target(Protocol):
    """What :class:`NoisyRegression` needs of a target: a dimension and vectorised evaluation.

    Targets that also offer ``gaussian_moments() -> (E f, E f^2)`` (the periodic neuron, ridge
    ReLU networks) get exact trivial MSEs.
    """

    @property
    def dim(self) -> int: ...

    def __call__(self, X: np.ndarray) -> np.ndarray: ...


class NoisyRegression:
    """The regression problem ``y = target(x) + xi``, ``x ~ N(0, I_d)``, ``xi ~ N(0, noise_std^2)``.

    Parameters
    ----------
    target : Target
        For example :class:`~hardlearn.problems.periodic.PeriodicNeuron` or the network of
        :func:`~hardlearn.problems.network.capped_periodic_network`.
    noise_std : float
        ``sigma >= 0``. Positive values below what float64 carries next to labels of size 1
        (:func:`~hardlearn.conventions.float64_noise_floor`) raise a
        :class:`~hardlearn.errors.PrecisionError`: use :mod:`hardlearn.problems.exact`.

    Examples
    --------
    >>> from hardlearn.problems.network import capped_periodic_network
    >>> net = capped_periodic_network([0.6, 0.8], freq=0.5, radius=4)
    >>> problem = NoisyRegression(net, noise_std=0.01)
    >>> X, y = problem.sample(3, rng=0)
    >>> X.shape, y.shape
    ((3, 2), (3,))
    >>> round(problem.target_variance(), 5)
    0.02083
    """

    def __init__(self, target: Any, noise_std: float) -> None:
        if not callable(target) or not isinstance(getattr(target, "dim", None), int):
            raise ParameterError(
                "target must be callable on an (m, d) array and have an integer attribute dim "
                f"(a PeriodicNeuron or a OneHiddenLayerReLU); got {type(target).__name__}."
            )
        self.target = target
        self.noise_std = check_real("noise_std", noise_std, low=0.0)
        floor = float64_noise_floor(1.0)
        if 0.0 < self.noise_std < floor:
            raise PrecisionError(
                f"noise_std={self.noise_std!r} is below what float64 carries next to labels of "
                f"size 1 (floor {floor:.3g}); the noise would be rounded away. Use the exact "
                "samplers of hardlearn.problems.exact (or `hardlearn attack --noise-bits ...`)."
            )

    @property
    def dim(self) -> int:
        """Input dimension ``d``."""
        return int(self.target.dim)

    def sample(self, m: int, *, rng: np.random.Generator | int) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``m`` pairs: ``X`` of shape (m, d) and ``y`` of shape (m,)."""
        m = check_int("m", m, minimum=0)
        gen = as_generator(rng)
        X = gen.standard_normal((m, self.dim))
        y = np.asarray(self.target(X), dtype=np.float64)
        if self.noise_std > 0:
            y += self.noise_std * gen.standard_normal(m)
        return X, y

    def sample_inputs(self, m: int, *, rng: np.random.Generator | int) -> np.ndarray:
        """Fresh inputs ``x ~ N(0, I_d)``, shape (m, d), for population estimates."""
        m = check_int("m", m, minimum=0)
        return as_generator(rng).standard_normal((m, self.dim))

    def _moments(self) -> tuple[float, float]:
        moments = getattr(self.target, "gaussian_moments", None)
        if moments is None:
            raise ParameterError(
                f"the exact target mean and variance need a target with gaussian_moments(); "
                f"{type(self.target).__name__} has none. Estimate them by Monte Carlo."
            )
        return moments()

    def target_mean(self) -> float:
        """``E f(x)``, exactly: the prediction of the trivial estimator."""
        return float(self._moments()[0])

    def target_variance(self) -> float:
        """``Var f(x)``, exactly: the trivial estimator's population MSE (SPEC section 1)."""
        mean, second = self._moments()
        return max(float(second - mean * mean), 0.0)

    def __repr__(self) -> str:
        return f"NoisyRegression(target={self.target!r}, noise_std={self.noise_std:g})"
