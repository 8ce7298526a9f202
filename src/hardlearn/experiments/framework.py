"""The task-kind framework: what a kind declares, what a trial returns, and how it is run.

A *task kind* declares the grid parameters it accepts (:class:`Param`, with their rules and
defaults), whether it needs ``[[learners]]``, and a function ``fn(task, rng) -> metrics``
(:class:`TaskKind`). :func:`execute` runs one frozen :class:`~hardlearn.experiments.spec.Task`
with a given kind into a :class:`Record`: its metrics, or its error type and message. An
exception never makes a trial vanish.

This module knows no particular kind and no registry: the built-in kinds live in
:mod:`hardlearn.experiments.kinds` (one module each) and import this one; the registry and
:func:`~hardlearn.experiments.registry.run_task` live in :mod:`hardlearn.experiments.registry`,
which imports both. So the import graph has no circle.

Examples
--------
>>> def fn(task, rng):
...     return {"value": float(rng.standard_normal()), "success": True}
>>> kind = TaskKind("toy", fn, params=(Param("x", "real", 0.0),))
>>> from hardlearn.experiments.spec import Task
>>> record = execute(Task("toy", (("x", 1.0),)), lambda name: kind)
>>> record.status, sorted(record.metrics)
('ok', ['success', 'value'])
"""

from __future__ import annotations

import math
import numbers
import platform
import socket
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn._rng import task_generator
from hardlearn._validation import check_choice, check_int, check_real
from hardlearn.errors import HardlearnError, ParameterError, ReductionTimeout

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = [
    "STATUSES",
    "Param",
    "TaskKind",
    "Record",
    "environment",
    "execute",
    "jsonable_metrics",
    "now_stamp",
]

#: The outcomes a trial can have.
STATUSES = ("ok", "failed", "timeout")

_REQUIRED = object()

#: Packages whose versions every record carries.
_VERSIONED = ("hardlearn", "numpy", "scipy", "scikit-learn", "torch", "fpylll", "python-flint")


@dataclass(frozen=True)
class Param:
    """A grid parameter a task kind accepts: its type, rule and default.

    ``kind`` is one of ``"int"``, ``"real"``, ``"bool"``, ``"str"``. A parameter without a
    default is required in ``[grid]``.

    Examples
    --------
    >>> Param("dim", "int", minimum=1).check("grid.dim", 8)
    8
    >>> Param("dim", "int", minimum=1).check("grid.dim", 0)
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: grid.dim must be an integer >= 1; got 0.
    """

    name: str
    kind: str
    default: Any = _REQUIRED
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""
    open_min: bool = False
    #: Left out of a trial's identity when at its default. Every parameter added to a kind
    #: now is (:func:`hardlearn.experiments.identity.neutral_defaults`); the flag remains
    #: for the declarations written before that rule.
    omit_default: bool = False
    #: ``normalize(key, value) -> value``: a str parameter's canonical form (checked and
    #: rewritten when the file is read), so that spellings of one value share a task id.
    normalize: Callable[[str, Any], Any] | None = None

    @property
    def required(self) -> bool:
        """Whether the sweep file must give this parameter."""
        return self.default is _REQUIRED

    def check(self, key: str, value: Any) -> Any:
        """Return ``value`` checked against the rule; errors name ``key``."""
        if self.kind == "int":
            out = check_int(key, value, minimum=None if self.minimum is None else int(self.minimum))
            if self.maximum is not None and out > self.maximum:
                raise ParameterError(f"{key} must be an integer <= {self.maximum:g}; got {out}.")
            return out
        if self.kind == "real":
            return check_real(
                key, value, low=self.minimum, high=self.maximum, low_open=self.open_min
            )
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ParameterError(f"{key} must be true or false; got {value!r}.")
            return value
        if self.kind == "int|str":
            if isinstance(value, str):
                return value
            out = check_int(key, value, minimum=None if self.minimum is None else int(self.minimum),
                            hint="Or a string.")
            return out
        if self.kind == "str":
            if not isinstance(value, str):
                raise ParameterError(f"{key} must be a string; got {value!r}.")
            if self.choices is not None:
                check_choice(key, value, self.choices)
            return value if self.normalize is None else self.normalize(key, value)
        raise ParameterError(
            f"parameter kind must be int, real, bool, str or int|str; got {self.kind!r}."
        )


@dataclass(frozen=True)
class TaskKind:
    """A kind of trial: its parameters, its learner policy and its function.

    Parameters
    ----------
    name : str
        The value of ``task`` in a sweep file.
    fn : callable
        ``fn(task, rng) -> dict`` of metrics (numbers, bools, strings or None). Raise
        :class:`~hardlearn.errors.ReductionTimeout` for a cooperative timeout.
    params : tuple of Param
        The ``[grid]`` keys the kind accepts.
    learners : {"required", "optional", "none"}
        Whether ``[[learners]]`` entries are needed, allowed, or refused.
    preload : tuple of str
        Modules a worker imports before its first trial, so import time is not charged to a
        trial's budget.
    description : str
        One line for ``--help`` and error messages.
    check_learner : callable, optional
        ``check_learner(name, params)`` raises :class:`ParameterError` for a learner the kind
        cannot run; called when the sweep file is read.
    check_trial : callable, optional
        ``check_trial(params)`` raises :class:`ParameterError` for a combination of grid
        values the kind cannot run; called for every grid point when the file is read.
    group_key : callable, optional
        ``group_key(task)`` -> a hashable key, or None; trials of equal key may be run
        together by ``run_group`` (the runner groups them into one unit of work).
    run_group : callable, optional
        ``run_group(tasks) -> list[Record]`` (one per task, in order): runs trials of equal
        ``group_key`` at once, with the records they would have alone.
    """

    name: str
    fn: Callable[[Task, np.random.Generator], Mapping[str, Any]]
    params: tuple[Param, ...]
    learners: str = "none"
    preload: tuple[str, ...] = ()
    description: str = ""
    check_learner: Callable[[str, dict[str, Any]], None] | None = None
    check_trial: Callable[[dict[str, Any]], None] | None = None
    group_key: Callable[[Task], Any] | None = None
    run_group: Callable[[Sequence[Task]], list[Record]] | None = None

    def param(self, name: str) -> Param | None:
        """The declared parameter ``name``, or None."""
        for p in self.params:
            if p.name == name:
                return p
        return None


@dataclass
class Record:
    """The outcome of one trial, as stored: metrics on success, the error otherwise."""

    task_id: str
    status: str
    metrics: dict[str, Any] = field(default_factory=dict)
    error_type: str | None = None
    error_message: str | None = None
    traceback: str | None = None
    seconds: float = 0.0
    started: str = ""
    finished: str = ""
    host: str = ""
    versions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (for pickling across processes and for the store)."""
        return dict(self.__dict__)



def now_stamp() -> str:
    """The current UTC time as ISO 8601 with milliseconds (the records' time stamps)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_ENVIRONMENT: dict[str, Any] | None = None


def environment() -> dict[str, Any]:
    """Host name and package versions of this process (computed once, then cached)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        versions = {"python": platform.python_version()}
        for pkg in _VERSIONED:
            try:
                versions[pkg] = metadata.version(pkg)
            except metadata.PackageNotFoundError:
                versions[pkg] = "absent"
        _ENVIRONMENT = {"host": socket.gethostname(), "versions": versions}
    return _ENVIRONMENT


def _jsonable(value: Any, key: str) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return _jsonable(value.item(), key)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        out = float(value)
        return out if math.isfinite(out) else None if math.isnan(out) else out
    if isinstance(value, list | tuple):
        return [_jsonable(v, key) for v in value]
    raise ParameterError(
        f"metric {key!r} must be a number, bool, string, None or a list of them; "
        f"got {type(value).__name__}."
    )


def jsonable_metrics(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A kind's metrics as stored: string keys, plain numbers (NaN -> None), lists.

    Examples
    --------
    >>> jsonable_metrics({"a": np.float64(0.5), "b": float("nan"), "c": (1, 2)})
    {'a': 0.5, 'b': None, 'c': [1, 2]}
    """
    return {str(k): _jsonable(v, str(k)) for k, v in dict(raw).items()}


def execute(task: Task, lookup: Callable[[str], TaskKind]) -> Record:
    """Run one trial with the kind ``lookup(task.kind)``; return its :class:`Record`, never raise.

    The trial's generator is ``task_generator(task.root_seed, task.key)``. A
    :class:`~hardlearn.errors.ReductionTimeout` becomes status ``"timeout"``; any other
    exception (a failing ``lookup`` included) becomes status ``"failed"`` with its type,
    message and traceback. Hard budgets (killing a trial that never returns) are the
    runner's job.
    """
    env = environment()
    record = Record(task_id=task.task_id, status="ok", host=env["host"], versions=env["versions"])
    record.started = now_stamp()
    t0 = time.perf_counter()
    try:
        kind = lookup(task.kind)
        raw = kind.fn(task, task_generator(task.root_seed, task.key))
        record.metrics = jsonable_metrics(raw)
    except ReductionTimeout as exc:
        record.status = "timeout"
        record.error_type = type(exc).__name__
        record.error_message = str(exc)
    except Exception as exc:  # a failed trial is recorded with its error, never dropped
        record.status = "failed"
        record.error_type = type(exc).__name__
        record.error_message = str(exc) or repr(exc)
        if not isinstance(exc, HardlearnError):
            record.traceback = traceback.format_exc(limit=20)
    record.seconds = time.perf_counter() - t0
    record.finished = now_stamp()
    return record
