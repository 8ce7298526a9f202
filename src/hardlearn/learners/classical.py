"""Classical learners: ridge with polynomial features, kernel ridge, random features.

Thin wrappers over scikit-learn (``PolynomialFeatures``, ``StandardScaler``, ``Ridge``,
``KernelRidge``, ``RBFSampler``) that follow the package's conventions: ``rng`` resolved in
``fit`` (None means seed 0), errors as :class:`~hardlearn.errors.ParameterError` naming the
learner and the parameter, and memory guards stated up front instead of an out-of-memory
crash. mathematics section 6: these methods learn ``tri(freq <w, x>)`` at small ``freq`` and small
``d`` and stall at ``advantage ~ 0`` once ``freq`` is of order ``sqrt(d)``; the package
measures it.

The ReLU arc-cosine kernel (Cho and Saul 2009, degree 1) is the infinite-width kernel of a
ReLU layer with Gaussian weights: for ``u = (x / sqrt(d), 1)`` and ``v = (x' / sqrt(d), 1)``
(inputs scaled to norm about 1, plus a bias coordinate) and ``theta`` the angle between them,

``k(x, x') = E_{g ~ N(0, I)} ReLU(<g, u>) ReLU(<g, v>) = |u| |v| (sin theta + (pi - theta)
cos theta) / (2 pi)``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.kernel_approximation import RBFSampler
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import Ridge
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.utils.validation import check_is_fitted

from hardlearn._validation import check_choice, check_int, check_real
from hardlearn.errors import ParameterError
from hardlearn.learners.baselines import _validate_fit, _validate_predict, resolve_seed

__all__ = [
    "RidgeRegressor",
    "KernelRidgeRegressor",
    "RandomFeaturesRegressor",
    "arccos_kernel",
    "MAX_POLYNOMIAL_FEATURES",
]

#: Refuse polynomial expansions wider than this (20,000 float64 columns are 160 kB a row).
MAX_POLYNOMIAL_FEATURES = 20_000
#: Rows of the test set per kernel block when predicting (block of 2048 x max_samples).
_KERNEL_BLOCK_ROWS = 2048


def arccos_kernel(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The degree-1 arc-cosine (ReLU) kernel of the module docstring, shape (len(X), len(Y)).

    Examples
    --------
    >>> x = np.array([[1.0, 0.0]])
    >>> k = arccos_kernel(x, x)[0, 0]          # |u|^2 / 2 with u = (x / sqrt 2, 1)
    >>> bool(abs(k - 0.75) < 1e-12)
    True
    """
    d = X.shape[1]
    U = np.hstack([X / math.sqrt(d), np.ones((X.shape[0], 1))])
    V = np.hstack([Y / math.sqrt(d), np.ones((Y.shape[0], 1))])
    nu = np.linalg.norm(U, axis=1)
    nv = np.linalg.norm(V, axis=1)
    norms = np.outer(nu, nv)
    cos = np.clip((U @ V.T) / norms, -1.0, 1.0)
    theta = np.arccos(cos)
    return norms * (np.sin(theta) + (math.pi - theta) * cos) / (2.0 * math.pi)


class RidgeRegressor(RegressorMixin, BaseEstimator):
    """Ridge regression on standardised polynomial features of degree ``degree``.

    ``degree=1`` is plain linear ridge. The pipeline is ``PolynomialFeatures(degree,
    include_bias=False)`` (when ``degree > 1``), ``StandardScaler``, ``Ridge(alpha)``.

    Parameters
    ----------
    alpha : float, default 1.0
        Ridge penalty, ``>= 0``.
    degree : int, default 1
        Polynomial degree, ``>= 1``; expansions wider than :data:`MAX_POLYNOMIAL_FEATURES`
        columns are refused.
    random_state : ignored, default None
        Accepted for scikit-learn's meta-estimators; the fit is deterministic.

    Attributes
    ----------
    model_ : sklearn.pipeline.Pipeline
    n_output_features_ : int

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((50, 2))
    >>> est = RidgeRegressor(alpha=1e-6, degree=2).fit(X, X[:, 0] * X[:, 1])
    >>> bool(np.allclose(est.predict(X[:2]), X[:2, 0] * X[:2, 1], atol=1e-4))
    True
    """

    def __init__(self, alpha: float = 1.0, degree: int = 1, random_state: Any = None) -> None:
        self.alpha = alpha
        self.degree = degree
        self.random_state = random_state

    def _check_params(self) -> None:
        check_real("RidgeRegressor.alpha", self.alpha, low=0.0)
        check_int("RidgeRegressor.degree", self.degree, minimum=1)

    def fit(self, X: Any, y: Any) -> RidgeRegressor:
        """Fit on ``X`` (m, d), ``y`` (m,)."""
        self._check_params()
        X, y = _validate_fit(self, X, y)
        degree = int(self.degree)
        width = math.comb(X.shape[1] + degree, degree) - 1
        if width > MAX_POLYNOMIAL_FEATURES:
            raise ParameterError(
                f"RidgeRegressor.degree={degree} on {X.shape[1]} features gives {width} "
                f"polynomial features, above the limit {MAX_POLYNOMIAL_FEATURES}; lower degree."
            )
        steps: list[tuple[str, Any]] = []
        if degree > 1:
            steps.append(("poly", PolynomialFeatures(degree, include_bias=False)))
        steps += [("scale", StandardScaler()), ("ridge", Ridge(alpha=float(self.alpha)))]
        self.model_ = Pipeline(steps).fit(X, y)
        self.n_output_features_ = width
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, shape (m,)."""
        check_is_fitted(self, "model_")
        X = _validate_predict(self, X)
        return np.asarray(self.model_.predict(X), dtype=np.float64)


class KernelRidgeRegressor(RegressorMixin, BaseEstimator):
    """Kernel ridge regression with the RBF or the ReLU arc-cosine kernel.

    The labels are centred (their training mean is added back), the Gram matrix is computed
    here and handed to ``sklearn.kernel_ridge.KernelRidge(kernel="precomputed")``.

    Parameters
    ----------
    kernel : {"rbf", "arccos"}, default "rbf"
        ``"rbf"``: ``exp(-gamma |x - x'|^2)``; ``"arccos"``: :func:`arccos_kernel`.
    alpha : float, default 0.1
        Ridge penalty, ``> 0`` (unnormalised, as in scikit-learn).
    gamma : float, optional
        RBF width; default ``1 / d``.
    max_samples : int, default 5000
        Kernel ridge costs ``m^2`` memory and ``m^3`` time; only the first ``max_samples``
        training rows are used (the rows are i.i.d., so this is a random subsample).
        ``n_train_used_`` records how many.
    random_state : ignored, default None
        Accepted for scikit-learn's meta-estimators; the fit is deterministic.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((100, 2))
    >>> est = KernelRidgeRegressor(kernel="arccos", alpha=1e-3).fit(X, np.abs(X[:, 0]))
    >>> float(np.mean((est.predict(X) - np.abs(X[:, 0])) ** 2)) < 0.05
    True
    """

    def __init__(
        self,
        kernel: str = "rbf",
        alpha: float = 0.1,
        gamma: float | None = None,
        max_samples: int = 5000,
        random_state: Any = None,
    ) -> None:
        self.kernel = kernel
        self.alpha = alpha
        self.gamma = gamma
        self.max_samples = max_samples
        self.random_state = random_state

    def _check_params(self) -> None:
        check_choice("KernelRidgeRegressor.kernel", self.kernel, ("rbf", "arccos"))
        check_real("KernelRidgeRegressor.alpha", self.alpha, low=0.0, low_open=True)
        if self.gamma is not None:
            check_real("KernelRidgeRegressor.gamma", self.gamma, low=0.0, low_open=True)
        check_int("KernelRidgeRegressor.max_samples", self.max_samples, minimum=1)

    def _gram(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        if self.kernel == "arccos":
            return arccos_kernel(A, B)
        return rbf_kernel(A, B, gamma=self.gamma_)

    def fit(self, X: Any, y: Any) -> KernelRidgeRegressor:
        """Fit on the first ``max_samples`` rows of ``X`` (m, d), ``y`` (m,)."""
        self._check_params()
        X, y = _validate_fit(self, X, y)
        keep = min(X.shape[0], int(self.max_samples))
        if keep < X.shape[0]:
            warnings.warn(
                f"KernelRidgeRegressor trains on the first {keep} of its {X.shape[0]} rows "
                "(max_samples); raise max_samples to use them all.",
                UserWarning,
                stacklevel=2,
            )
        X, y = X[:keep], y[:keep]
        self.gamma_ = 1.0 / X.shape[1] if self.gamma is None else float(self.gamma)
        self.y_mean_ = float(np.mean(y))
        self.X_fit_ = X
        self.model_ = KernelRidge(alpha=float(self.alpha), kernel="precomputed")
        self.model_.fit(self._gram(X, X), y - self.y_mean_)
        self.n_train_used_ = keep
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, shape (m,), computed in blocks of rows."""
        check_is_fitted(self, "model_")
        X = _validate_predict(self, X)
        out = np.empty(X.shape[0])
        for start in range(0, X.shape[0], _KERNEL_BLOCK_ROWS):
            block = self._gram(X[start : start + _KERNEL_BLOCK_ROWS], self.X_fit_)
            out[start : start + _KERNEL_BLOCK_ROWS] = self.model_.predict(block)
        return out + self.y_mean_


class RandomFeaturesRegressor(RegressorMixin, BaseEstimator):
    """Ridge regression on random features: ReLU features or random Fourier (RBF) features.

    * ``features="relu"``: ``phi(x) = ReLU(x A^T + c) / sqrt(n_components)`` with
      ``A_ij ~ N(0, 1/d)`` and ``c_j ~ N(0, 1)`` drawn in ``fit`` from ``rng`` (A first, row by
      row, then c), then ``Ridge(alpha)``.
    * ``features="rbf"``: ``sklearn.kernel_approximation.RBFSampler(gamma, n_components)``
      seeded with a 32-bit seed drawn from ``rng``, then ``Ridge(alpha)``.

    Parameters
    ----------
    n_components : int, default 1000
    features : {"relu", "rbf"}, default "relu"
    gamma : float, optional
        RBF width for ``features="rbf"``; default ``1 / d``.
    alpha : float, default 1e-3
        Ridge penalty, ``>= 0``.
    rng : int, numpy.random.Generator or None, default None
        Seed, resolved in ``fit``; None means seed 0.
    random_state : int, numpy.random.Generator or None, default None
        scikit-learn's name for the seed; used instead of ``rng`` when not None
        (:func:`~hardlearn.learners.baselines.seed_parameter`).

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((200, 2))
    >>> est = RandomFeaturesRegressor(n_components=200, rng=0).fit(X, np.abs(X[:, 0]))
    >>> float(np.mean((est.predict(X) - np.abs(X[:, 0])) ** 2)) < 0.05
    True
    """

    def __init__(
        self,
        n_components: int = 1000,
        features: str = "relu",
        gamma: float | None = None,
        alpha: float = 1e-3,
        rng: Any = None,
        random_state: Any = None,
    ) -> None:
        self.n_components = n_components
        self.features = features
        self.gamma = gamma
        self.alpha = alpha
        self.rng = rng
        self.random_state = random_state

    def _check_params(self) -> None:
        p = "RandomFeaturesRegressor."
        check_int(p + "n_components", self.n_components, minimum=1)
        check_choice(p + "features", self.features, ("relu", "rbf"))
        if self.gamma is not None:
            check_real(p + "gamma", self.gamma, low=0.0, low_open=True)
        check_real(p + "alpha", self.alpha, low=0.0)
        resolve_seed(self)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        if self.features == "rbf":
            return self.sampler_.transform(X)
        Z = X @ self.weights_.T
        Z += self.offsets_
        np.maximum(Z, 0.0, out=Z)
        Z /= math.sqrt(self.weights_.shape[0])
        return Z

    def fit(self, X: Any, y: Any) -> RandomFeaturesRegressor:
        """Draw the features from ``rng`` and fit the ridge on ``X`` (m, d), ``y`` (m,)."""
        self._check_params()
        X, y = _validate_fit(self, X, y)
        gen = resolve_seed(self)
        k, d = int(self.n_components), X.shape[1]
        if self.features == "rbf":
            gamma = 1.0 / d if self.gamma is None else float(self.gamma)
            seed = int(gen.integers(0, 2**32))  # RBFSampler takes 32-bit seeds only
            self.sampler_ = RBFSampler(gamma=gamma, n_components=k, random_state=seed)
            self.sampler_.fit(X)
        else:
            self.weights_ = gen.standard_normal((k, d)) / math.sqrt(d)
            self.offsets_ = gen.standard_normal(k)
        self.ridge_ = Ridge(alpha=float(self.alpha)).fit(self._transform(X), y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, shape (m,)."""
        check_is_fitted(self, "ridge_")
        X = _validate_predict(self, X)
        return np.asarray(self.ridge_.predict(self._transform(X)), dtype=np.float64)
