"""Reference learners: the trivial estimator and the oracle that knows the target.

:class:`MeanRegressor` predicts the mean of its training labels; its population MSE is about
``Var f``, so its advantage ``1 - MSE / Var f`` is about 0 (mathematics section 1).
:class:`OracleRegressor` predicts ``target(x)`` itself; it is the sanity reference of the
distinguisher (mathematics section 4): on CLWE data its held-out loss is about ``sigma^2``.

This module also holds the input checks every learner of :mod:`hardlearn.learners` shares:
scikit-learn's own validation (so ``check_estimator`` passes), with any refusal re-raised as
a :class:`~hardlearn.errors.ParameterError` that names the learner and the method.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from hardlearn._rng import as_generator
from hardlearn.errors import ParameterError

__all__ = ["MeanRegressor", "OracleRegressor", "resolve_seed", "seed_parameter"]


def _validate_fit(estimator: BaseEstimator, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``validate_data(estimator, X, y)`` with errors naming the learner (``fit``)."""
    try:
        X, y = validate_data(estimator, X, y, reset=True, y_numeric=True, dtype=np.float64)
    except ValueError as exc:
        raise ParameterError(f"{type(estimator).__name__}.fit: {exc}") from None
    return X, y


def _validate_predict(estimator: BaseEstimator, X: Any) -> np.ndarray:
    """``validate_data(estimator, X, reset=False)`` with errors naming the learner."""
    try:
        return validate_data(estimator, X, reset=False, dtype=np.float64)
    except ValueError as exc:
        raise ParameterError(f"{type(estimator).__name__}.predict: {exc}") from None


def seed_parameter(estimator: Any) -> tuple[str, Any]:
    """The seed a learner uses: ``("random_state", value)`` when ``random_state`` is not None,
    else ``("rng", value)``.

    Every learner takes both names. ``random_state`` is scikit-learn's: its meta-estimators
    (``BaggingRegressor``, ``GridSearchCV`` with ``clone``) set only that name, so it wins
    when given, and bagged members differ. ``rng`` is hardlearn's own: the sweep engine seeds
    it (only when both are None), so the stored results of existing sweep files do not change.

    Examples
    --------
    >>> seed_parameter(MeanRegressor(random_state=4))
    ('random_state', 4)
    """
    state = getattr(estimator, "random_state", None)
    if state is not None:
        return "random_state", state
    return "rng", getattr(estimator, "rng", None)


def resolve_seed(estimator: Any) -> np.random.Generator:
    """The generator of a learner's seed (:func:`seed_parameter`): an int seed, a Generator,
    or None (meaning seed 0).

    Learners resolve it in ``fit``, with :func:`hardlearn._rng.as_generator` (the package's
    one seed rule: ``None`` means seed 0, not fresh entropy, so every number hardlearn
    produces can be reproduced). A Generator is drawn from (so two fits with the same
    Generator differ).

    Examples
    --------
    >>> est = MeanRegressor()
    >>> est.rng = 3
    >>> float(resolve_seed(est).random()) == float(np.random.default_rng(3).random())
    True
    >>> est.random_state = 5  # scikit-learn's name wins when set
    >>> float(resolve_seed(est).random()) == float(np.random.default_rng(5).random())
    True
    """
    name, rng = seed_parameter(estimator)
    return as_generator(rng, name=f"{type(estimator).__name__}.{name}", none_is_zero=True)


class MeanRegressor(RegressorMixin, BaseEstimator):
    """The trivial estimator: predicts the mean of the training labels.

    Its population MSE against the clean target is ``Var f + (mean_ - E f)^2``, i.e. the
    trivial MSE of mathematics section 1 up to the error of the sample mean.

    Parameters
    ----------
    random_state : ignored, default None
        Accepted for scikit-learn's meta-estimators; the fit is deterministic.

    Attributes
    ----------
    mean_ : float
        Mean of the training labels.
    n_features_in_ : int
        Number of input features seen in ``fit``.

    Examples
    --------
    >>> m = MeanRegressor().fit([[0.0], [1.0], [2.0]], [1.0, 2.0, 6.0])
    >>> m.predict([[5.0], [7.0]])
    array([3., 3.])
    """

    def __init__(self, random_state: Any = None) -> None:
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> MeanRegressor:
        """Store the mean of ``y``; ``X`` (shape (m, d)) is only checked."""
        X, y = _validate_fit(self, X, y)
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """``mean_`` for every row of ``X``; shape (m,)."""
        check_is_fitted(self)
        X = _validate_predict(self, X)
        return np.full(X.shape[0], self.mean_)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class OracleRegressor(RegressorMixin, BaseEstimator):
    """Knows the target: ``predict(X) = target(X)``. The distinguisher's sanity reference.

    Parameters
    ----------
    target : callable, optional
        Vectorised ``f``: ``(m, d)`` array in, ``(m,)`` out; for example a
        :class:`~hardlearn.problems.periodic.PeriodicNeuron`. Required by ``fit`` (``None``
        is only the scikit-learn default). If it has an integer ``dim``, ``fit`` checks the
        number of features against it.

    Attributes
    ----------
    n_features_in_ : int
        Number of input features seen in ``fit``.

    Examples
    --------
    >>> from hardlearn import PeriodicNeuron
    >>> f = PeriodicNeuron([1.0, 0.0], freq=1.0)
    >>> o = OracleRegressor(target=f).fit([[0.1, 3.0], [0.2, 1.0]], [0.0, 0.0])
    >>> o.predict([[0.25, 9.0]])
    array([0.25])
    """

    def __init__(self, target: Any = None, random_state: Any = None) -> None:
        self.target = target
        self.random_state = random_state

    def _check_params(self) -> None:
        if self.target is None or not callable(self.target):
            raise ParameterError(
                "OracleRegressor.target must be a callable target f (for example a "
                f"PeriodicNeuron); got {self.target!r}. The oracle is the learner that knows f."
            )

    def fit(self, X: Any, y: Any) -> OracleRegressor:
        """Check the data (shape (m, d), labels (m,)) and the target; learns nothing."""
        self._check_params()
        X, y = _validate_fit(self, X, y)
        dim = getattr(self.target, "dim", None)
        if isinstance(dim, int) and X.shape[1] != dim:
            raise ParameterError(
                f"OracleRegressor.fit: X must have {dim} columns (the target's dim); "
                f"got {X.shape[1]}."
            )
        return self

    def predict(self, X: Any) -> np.ndarray:
        """``target(X)`` as float64, shape (m,)."""
        check_is_fitted(self, "n_features_in_")
        X = _validate_predict(self, X)
        return np.asarray(self.target(X), dtype=np.float64).reshape(X.shape[0])

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags
