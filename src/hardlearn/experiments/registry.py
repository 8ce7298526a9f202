"""The registry of task kinds, and :func:`run_task`, which runs a trial of any of them.

The built-in kinds (``selftest``, ``learn``, ``distinguish``, ``attack``, ``threshold``)
come from :data:`hardlearn.experiments.kinds.BUILTIN_KINDS`; :func:`register_task_kind`
adds one more (or replaces one of the same name) for this process.

Examples
--------
>>> from hardlearn.experiments.spec import parse_spec
>>> spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1, 2]}})
>>> record = run_task(spec.tasks()[0])
>>> record.status, sorted(record.metrics)
('ok', ['advantage', 'success', 'value'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hardlearn.errors import ParameterError
from hardlearn.experiments.framework import Record, TaskKind, execute
from hardlearn.experiments.kinds import BUILTIN_KINDS

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = [
    "register_task_kind",
    "get_task_kind",
    "task_kinds",
    "run_task",
    "group_key",
    "run_group",
    "load_plugins",
]

_REGISTRY: dict[str, TaskKind] = {kind.name: kind for kind in BUILTIN_KINDS}


def register_task_kind(kind: TaskKind) -> TaskKind:
    """Add ``kind`` to the registry (replacing one of the same name) and return it."""
    _REGISTRY[kind.name] = kind
    return kind


def task_kinds() -> tuple[str, ...]:
    """Names of the registered task kinds.

    Examples
    --------
    >>> {"learn", "distinguish", "attack", "threshold", "selftest"} <= set(task_kinds())
    True
    """
    return tuple(sorted(_REGISTRY))


def get_task_kind(name: Any, *, key: str = "task") -> TaskKind:
    """The registered kind ``name``; a :class:`ParameterError` naming ``key`` otherwise."""
    if not isinstance(name, str) or name not in _REGISTRY:
        options = ", ".join(repr(k) for k in sorted(_REGISTRY))
        raise ParameterError(f"{key} must be one of {options}; got {name!r}.")
    return _REGISTRY[name]


def run_task(task: Task) -> Record:
    """Run one trial in this process and return its :class:`Record`; never raises for it.

    See :func:`hardlearn.experiments.framework.execute`: a timeout becomes status
    ``"timeout"``, any other exception status ``"failed"`` with its type and message.
    """
    return execute(task, get_task_kind)


def group_key(task: Task) -> tuple[Any, ...] | None:
    """Trials with the same key can be run together by :func:`run_group`; None: alone.

    The kind's ``group_key`` decides (for example ``learn`` trials of the MLP that share
    shapes); a kind without one, or an unknown kind, gives None.

    Examples
    --------
    >>> from hardlearn.experiments.spec import parse_spec
    >>> spec = parse_spec({"task": "learn", "root_seed": 0,
    ...     "grid": {"dim": 4, "freq": [0.5, 1.0], "samples": 100},
    ...     "learners": [{"name": "mlp", "params": {"width": 8}}, {"name": "mean"}]})
    >>> keys = [group_key(t) for t in spec.tasks()]
    >>> sum(k is not None for k in keys), len({k for k in keys if k is not None})
    (2, 1)
    """
    kind = _REGISTRY.get(task.kind)
    if kind is None or kind.group_key is None:
        return None
    key = kind.group_key(task)
    return None if key is None else (task.kind, key)


def run_group(tasks: Sequence[Task]) -> list[Record]:
    """Run trials of equal :func:`group_key` together; one record per trial, in order."""
    tasks = list(tasks)
    kind = _REGISTRY.get(tasks[0].kind) if tasks else None
    if kind is None or kind.run_group is None or len(tasks) < 2:
        return [run_task(t) for t in tasks]
    return kind.run_group(tasks)


def load_plugins(raw: Any) -> tuple[str, ...]:
    """Import the modules of a sweep file's ``plugins`` list here (they may register task
    kinds or learners) and return their names; every worker imports them again before its
    first trial (:mod:`hardlearn.experiments.runner`)."""
    import importlib

    if not isinstance(raw, list) or not all(isinstance(m, str) and m for m in raw):
        raise ParameterError(
            f'plugins must be a list of module names (plugins = ["mypkg.kinds"]); got {raw!r}.'
        )
    for i, module in enumerate(raw):
        try:
            importlib.import_module(module)
        except Exception as exc:
            raise ParameterError(
                f"plugins[{i}]: cannot import module {module!r} ({type(exc).__name__}: "
                f"{exc}); is it installed or on PYTHONPATH?"
            ) from None
    return tuple(raw)
