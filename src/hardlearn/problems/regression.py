"""Noisy regression data ``y = f(x) + xi`` with Gaussian inputs (mathematics section 1).

``x ~ N(0, I_d)``, ``xi`` independent with standard deviation ``sigma``: Gaussian (LZZ's
law, the default) or any law of :mod:`hardlearn.problems.noise` (issue 16).

The targets of this package (the periodic neuron and the capped ReLU network) depend on
``x`` only through ``<w, x>``, so their mean and variance under the Gaussian are
one-dimensional integrals computed exactly; that makes the trivial MSE ``Var f`` and the
advantage ``1 - MSE / Var f`` exact too.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from hardlearn._rng import as_generator
from hardlearn._validation import check_int, check_real
from hardlearn.conventions import float64_noise_floor
from hardlearn.errors import ParameterError, PrecisionError
from hardlearn.problems.noise import NoiseLaw, make_noise_law, noise_law_name

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
    """The regression problem ``y = target(x) + xi``, ``x ~ N(0, I_d)``, ``sd(xi) = noise_std``.

    Parameters
    ----------
    target : Target
        For example :class:`~hardlearn.problems.periodic.PeriodicNeuron` or the network of
        :func:`~hardlearn.problems.network.capped_periodic_network`.
    noise_std : float
        ``sigma >= 0``. Positive values below what float64 carries next to labels of size 1
        (:func:`~hardlearn.conventions.float64_noise_floor`) raise a
        :class:`~hardlearn.errors.PrecisionError`: use :mod:`hardlearn.problems.exact`.
    noise_law : str or NoiseLaw, default "gaussian"
        The law of ``xi`` (:func:`~hardlearn.problems.noise.make_noise_law`): ``"gaussian"``,
        ``"laplace"``, ``"uniform"``, ``"student-t:NU"``, ``"logistic"`` or ``"discrete"``,
        always scaled to standard deviation ``noise_std``. The Gaussian draws are the same
        as before the option existed.

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
    >>> NoisyRegression(net, noise_std=0.01, noise_law="laplace").noise_law
    'laplace'
    """

    def __init__(
        self, target: Any, noise_std: float, noise_law: str | NoiseLaw = "gaussian"
    ) -> None:
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
        #: Canonical name of the noise law (``"gaussian"``, ``"student-t:5"``, ...).
        self.noise_law = noise_law_name(noise_law)
        self._law = make_noise_law(noise_law, self.noise_std) if self.noise_std > 0 else None

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
        if self._law is not None:
            y += self._law.sample(m, gen)
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
        """``Var f(x)``, exactly: the trivial estimator's population MSE (mathematics section 1)."""
        mean, second = self._moments()
        return max(float(second - mean * mean), 0.0)

    def __repr__(self) -> str:
        law = "" if self.noise_law == "gaussian" else f", noise_law={self.noise_law!r}"
        return f"NoisyRegression(target={self.target!r}, noise_std={self.noise_std:g}{law})"
