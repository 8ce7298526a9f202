"""Learners by name: :data:`LEARNERS` and :func:`make_learner` (the CLI and sweeps use these).

Names: ``mean``, ``oracle`` (needs the target), ``ridge``, ``kernel``, ``rf``, ``mlp``,
``exhaustive`` (exponential time, :mod:`hardlearn.learners.exhaustive`), and ``lattice``
and ``lattice-pl`` (lattice labels of a piecewise-linear activation,
:mod:`hardlearn.learners.lattice_pl`) when :mod:`hardlearn.learners.lattice` is present
(loaded on first use, so their heavy dependencies are imported only by whoever asks).

A learner with an ``activation`` hyper-parameter (``lattice-pl``, ``exhaustive``) that its
params leave out gets the problem's activation when the caller passes it
(``make_learner(name, params, activation=...)``: the sweep kinds pass the trial's).

Plug-in learners
----------------
Wherever a learner name is accepted, a *plug-in* is accepted too:

* ``"pkg.module:Name"``: ``Name`` (a dotted attribute path) is imported from ``pkg.module``;
* a name registered by an installed package under the entry-point group
  ``hardlearn.learners`` (:data:`ENTRY_POINT_GROUP`).

The object found may be a class (instantiated with the learner's params), a factory (called
with the params as keyword arguments) or an estimator instance (copied for every trial:
``sklearn.base.clone`` when it has ``get_params``, else ``copy.deepcopy``; params are set
with ``set_params``). Whatever it gives must have ``fit`` and ``predict``; scikit-learn's
base classes are not required.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import inspect
from collections.abc import Iterator, Mapping
from importlib import metadata
from typing import Any

from hardlearn.errors import ParameterError
from hardlearn.learners.baselines import MeanRegressor, OracleRegressor
from hardlearn.learners.classical import (
    KernelRidgeRegressor,
    RandomFeaturesRegressor,
    RidgeRegressor,
)
from hardlearn.learners.mlp import MLPRegressor

__all__ = [
    "ENTRY_POINT_GROUP",
    "LEARNERS",
    "available_learners",
    "copy_learner",
    "is_plugin_name",
    "learner_parameters",
    "load_plugin",
    "make_learner",
]

#: Entry-point group under which installed packages register learners (name -> object).
ENTRY_POINT_GROUP = "hardlearn.learners"

#: Learners defined in other modules, loaded lazily: name -> (module, class name).
_LAZY = {
    "lattice": ("hardlearn.learners.lattice", "LatticeRegressor"),
    "exhaustive": ("hardlearn.learners.exhaustive", "ExhaustiveSearchRegressor"),
    "lattice-pl": ("hardlearn.learners.lattice_pl", "PiecewiseLinearLatticeRegressor"),
}


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


def is_plugin_name(name: Any) -> bool:
    """Whether ``name`` names a plug-in: ``"pkg.module:Name"`` or an entry point.

    Examples
    --------
    >>> is_plugin_name("mlp"), is_plugin_name("mypkg.models:Net")
    (False, True)
    """
    if not isinstance(name, str) or name in LEARNERS:
        return False
    return ":" in name or name in _entry_points()


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def load_plugin(name: str) -> Any:
    """The object a plug-in name refers to (class, factory or instance), imported now.

    Raises
    ------
    ParameterError
        One line naming the learner, what was expected and what was found.

    Examples
    --------
    >>> load_plugin("hardlearn.learners.baselines:MeanRegressor").__name__
    'MeanRegressor'
    >>> load_plugin("no_such_module_xyz:Net")
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: learner 'no_such_module_xyz:Net': cannot import module ...
    """
    if ":" not in name:
        eps = _entry_points()
        if name not in eps:
            raise ParameterError(
                f"learner {name!r} is neither built in ({', '.join(LEARNERS)}), nor "
                "'pkg.module:Name', nor registered under the entry-point group "
                f"{ENTRY_POINT_GROUP!r}."
            )
        try:
            return eps[name].load()
        except Exception as exc:
            raise ParameterError(
                f"learner {name!r}: entry point {eps[name].value!r} failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from None
    module_name, _, attr = name.partition(":")
    if not module_name or not attr:
        raise ParameterError(
            f"learner {name!r} must look like 'pkg.module:Name' (module, colon, attribute)."
        )
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise ParameterError(
            f"learner {name!r}: cannot import module {module_name!r} "
            f"({type(exc).__name__}: {exc}); is it installed or on PYTHONPATH?"
        ) from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ParameterError(
                f"learner {name!r}: module {module_name!r} has no attribute {attr!r}."
            )
        obj = getattr(obj, part)
    return obj


def available_learners() -> dict[str, str]:
    """Built-in and entry-point learners: name -> where it comes from.

    Examples
    --------
    >>> available_learners()["mlp"]
    'built-in: hardlearn.learners.mlp.MLPRegressor'
    """
    out = {n: f"built-in: {LEARNERS[n].__module__}.{LEARNERS[n].__name__}" for n in LEARNERS}
    for name, ep in sorted(_entry_points().items()):
        out.setdefault(name, f"entry point ({ENTRY_POINT_GROUP}): {ep.value}")
    return out


def copy_learner(learner: Any) -> Any:
    """An unfitted copy of ``learner``: ``clone`` when it has ``get_params``, else a deep copy.

    Examples
    --------
    >>> class Plain:
    ...     def fit(self, X, y): return self
    ...     def predict(self, X): return X[:, 0]
    >>> a = Plain(); copy_learner(a) is a
    False
    """
    if hasattr(learner, "get_params"):
        from sklearn.base import clone

        return clone(learner)
    return copy.deepcopy(learner)


def _is_regressor(obj: Any) -> bool:
    return callable(getattr(obj, "fit", None)) and callable(getattr(obj, "predict", None))


def _found(obj: Any) -> str:
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return f"{obj.__module__}.{obj.__qualname__}"
    return f"an object of type {type(obj).__name__}"


def _make_plugin(name: str, params: dict[str, Any]) -> Any:
    obj = load_plugin(name)
    if not inspect.isclass(obj) and _is_regressor(obj):
        est = copy_learner(obj)
        if params:
            if not hasattr(est, "set_params"):
                raise ParameterError(
                    f"learner {name!r} is an instance without set_params, so it takes no "
                    f"params; got {sorted(params)}."
                )
            est.set_params(**params)
        return est
    if not callable(obj):
        raise ParameterError(
            f"learner {name!r} must be a regressor class, a factory returning one, or an "
            f"instance with fit and predict; found {_found(obj)}."
        )
    try:
        est = obj(**params)
    except TypeError as exc:
        raise ParameterError(f"learner {name!r} refused params {params}: {exc}") from None
    if not _is_regressor(est):
        raise ParameterError(
            f"learner {name!r} must give a regressor with fit and predict; {_found(obj)} "
            f"gave {_found(est)}."
        )
    return est


def learner_parameters(name: str) -> dict[str, Any]:
    """The hyper-parameters of learner ``name`` with their defaults.

    Examples
    --------
    >>> learner_parameters("ridge")
    {'alpha': 1.0, 'degree': 1, 'random_state': None}
    """
    if is_plugin_name(name):
        est = make_learner(name)
        return est.get_params(deep=False) if hasattr(est, "get_params") else {}
    return _learner_class(name)().get_params(deep=False)


def _learner_class(name: Any) -> type:
    if not isinstance(name, str) or name not in LEARNERS:
        options = ", ".join(repr(n) for n in LEARNERS)
        raise ParameterError(
            f"learner must be one of {options}, a plug-in 'pkg.module:Name' or an entry "
            f"point of {ENTRY_POINT_GROUP!r}; got {name!r}."
        )
    return LEARNERS[name]


def make_learner(name: str, params: dict[str, Any] | None = None, *, target: Any = None,
                 activation: Any = None) -> Any:
    """A fresh, unfitted learner ``name`` with hyper-parameters ``params``, checked now.

    Parameters
    ----------
    name : str
        One of :data:`LEARNERS`, or a plug-in (``"pkg.module:Name"`` or an entry point of
        :data:`ENTRY_POINT_GROUP`; module docstring).
    params : dict, optional
        Hyper-parameters (``{"width": 256, "lr": 1e-3}``); unknown names and invalid values
        raise a :class:`~hardlearn.errors.ParameterError` naming the learner, the parameter
        and the valid ones.
    target : callable, optional
        The target ``f``; required by (and only used by) ``"oracle"``.
    activation : str or PeriodicActivation, optional
        The problem's activation: the default of an ``activation`` hyper-parameter that
        ``params`` leave out (``"lattice-pl"``, ``"exhaustive"``); ignored by the others.

    Examples
    --------
    >>> make_learner("mlp", {"width": 8}).width
    8
    >>> make_learner("mlp", {"widht": 8})
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: learner 'mlp' has no parameter 'widht'; ...
    """
    if params is not None and not isinstance(params, Mapping):
        raise ParameterError(f"params of learner {name!r} must be a dict; got {params!r}.")
    params = dict(params or {})
    if is_plugin_name(name):
        return _make_plugin(name, params)
    cls = _learner_class(name)
    valid = cls().get_params(deep=False)
    for key in params:
        if key not in valid:
            options = ", ".join(sorted(valid)) or "(none)"
            raise ParameterError(
                f"learner {name!r} has no parameter {key!r}; valid parameters: {options}."
            )
    if activation is not None and "activation" in valid:
        params.setdefault("activation", activation)
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
