"""Learners by name: :data:`LEARNERS` and :func:`make_learner` (the CLI and sweeps use these).

Names: ``mean``, ``oracle`` (needs the target), ``ridge``, ``kernel``, ``rf``, ``mlp``, and
``lattice`` when :mod:`hardlearn.learners.lattice` is present (loaded on first use, so its
heavy dependencies are imported only by whoever asks for it).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping
from typing import Any

from hardlearn.errors import ParameterError
from hardlearn.learners.baselines import MeanRegressor, OracleRegressor
from hardlearn.learners.classical import (
    KernelRidgeRegressor,
    RandomFeaturesRegressor,
    RidgeRegressor,
)
from hardlearn.learners.mlp import MLPRegressor

__all__ = ["LEARNERS", "make_learner", "learner_parameters"]

#: Learners defined in other modules, loaded lazily: name -> (module, class name).
_LAZY = {"lattice": ("hardlearn.learners.lattice", "LatticeRegressor")}


class _LearnerTable(Mapping[str, type]):
    """Name -> learner class; lazy entries are imported on first access."""

    def __init__(self, eager: dict[str, type]) -> None:
        self._eager = dict(eager)

    def _lazy_names(self) -> list[str]:
        return [n for n, (mod, _) in _LAZY.items() if importlib.util.find_spec(mod) is not None]

    def __getitem__(self, name: str) -> type:
        if name in self._eager:
            return self._eager[name]
        if name in _LAZY and name in self._lazy_names():
            module, cls = _LAZY[name]
            return getattr(importlib.import_module(module), cls)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        yield from self._eager
        yield from (n for n in self._lazy_names() if n not in self._eager)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"LEARNERS({', '.join(self)})"


#: Learner name -> class (a read-only mapping; ``"lattice"`` appears once its module exists).
LEARNERS: Mapping[str, type] = _LearnerTable(
    {
        "mean": MeanRegressor,
        "oracle": OracleRegressor,
        "ridge": RidgeRegressor,
        "kernel": KernelRidgeRegressor,
        "rf": RandomFeaturesRegressor,
        "mlp": MLPRegressor,
    }
)


def learner_parameters(name: str) -> dict[str, Any]:
    """The hyper-parameters of learner ``name`` with their defaults.

    Examples
    --------
    >>> learner_parameters("ridge")
    {'alpha': 1.0, 'degree': 1}
    """
    return _learner_class(name)().get_params(deep=False)


def _learner_class(name: Any) -> type:
    if not isinstance(name, str) or name not in LEARNERS:
        options = ", ".join(repr(n) for n in LEARNERS)
        raise ParameterError(f"learner must be one of {options}; got {name!r}.")
    return LEARNERS[name]


def make_learner(name: str, params: dict[str, Any] | None = None, *, target: Any = None) -> Any:
    """A fresh, unfitted learner ``name`` with hyper-parameters ``params``, checked now.

    Parameters
    ----------
    name : str
        One of :data:`LEARNERS`.
    params : dict, optional
        Hyper-parameters (``{"width": 256, "lr": 1e-3}``); unknown names and invalid values
        raise a :class:`~hardlearn.errors.ParameterError` naming the learner, the parameter
        and the valid ones.
    target : callable, optional
        The target ``f``; required by (and only used by) ``"oracle"``.

    Examples
    --------
    >>> make_learner("mlp", {"width": 8}).width
    8
    >>> make_learner("mlp", {"widht": 8})
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: learner 'mlp' has no parameter 'widht'; ...
    """
    cls = _learner_class(name)
    if params is not None and not isinstance(params, Mapping):
        raise ParameterError(f"params of learner {name!r} must be a dict; got {params!r}.")
    params = dict(params or {})
    valid = cls().get_params(deep=False)
    for key in params:
        if key not in valid:
            options = ", ".join(sorted(valid)) or "(none)"
            raise ParameterError(
                f"learner {name!r} has no parameter {key!r}; valid parameters: {options}."
            )
    if name == "oracle":
        params.setdefault("target", target)
        if params["target"] is None:
            raise ParameterError(
                "learner 'oracle' needs the target f (make_learner('oracle', target=f)); it is "
                "the reference that knows f, so it only exists where f is known."
            )
    estimator = cls(**params)
    check = getattr(estimator, "_check_params", None)
    if check is not None:
        try:
            check()
        except ParameterError as exc:
            raise ParameterError(f"learner {name!r}: {exc}") from None
    return estimator
