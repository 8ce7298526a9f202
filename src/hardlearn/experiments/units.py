"""Units of work: one trial, or a tuple of trials that a task kind runs together as a batch.

:func:`make_units` groups trials of equal :func:`~hardlearn.experiments.registry.group_key`
into units of at most :data:`BATCH_NETWORKS` trials; :func:`run_unit` runs one unit in this
process. A unit's budget is the sum of its trials' budgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hardlearn.experiments.framework import Record
from hardlearn.experiments.registry import group_key, run_group, run_task
from hardlearn.experiments.spec import Task

__all__ = ["Unit", "unit_tasks", "unit_budget", "run_unit", "make_units", "BATCH_NETWORKS"]

#: A unit of work sent to a worker: one trial, or a tuple of trials trained as one batch.
Unit = Task | tuple[Task, ...]


def unit_tasks(unit: Unit) -> tuple[Task, ...]:
    """The trials of a unit."""
    return unit if isinstance(unit, tuple) else (unit,)


def unit_budget(unit: Unit) -> float:
    """A unit's budget, after which its worker is killed: the sum of its trials' budgets.

    Only a safety net for a batch: inside it each trial is held to its own budget (its
    network stops when that is spent; :func:`hardlearn.experiments.kinds.learn.run_task_group`),
    so a batch ends near its largest budget; the sum covers a batch that falls back to
    running its trials one after another."""
    return float(sum(t.budget_seconds for t in unit_tasks(unit)))


def run_unit(unit: Unit) -> list[Record]:
    """Run one unit in this process: :func:`run_task`, or :func:`run_group` for a batch."""
    if isinstance(unit, tuple):
        return run_group(unit)
    return [run_task(unit)]


#: Most trials trained as one batch. A choice, not a measurement: large enough that a
#: sweep's repetitions of one grid point usually share a batch, small enough that a group of
#: dozens of trials still spreads over several workers.
BATCH_NETWORKS = 8


def make_units(tasks: Sequence[Task], workers: int, batch: bool = True) -> list[Unit]:
    """Group trials that can be trained as one batch (:func:`group_key`) into units.

    A group is cut, in the sweep's order, into units of at most :data:`BATCH_NETWORKS`
    trials; trials without a key stay alone. Which trials share a batch therefore depends on
    the sweep file alone, never on ``workers`` or the executor, so the stored numbers are the
    same bits for any worker count (``workers`` is kept for the callers' signature). A
    unit's records are stored together, so a resumed run meets whole units again. With
    ``batch=False`` every trial is its own unit.

    Examples
    --------
    >>> from hardlearn.experiments.spec import parse_spec
    >>> spec = parse_spec({"task": "learn", "root_seed": 0, "repetitions": 4,
    ...     "grid": {"dim": 4, "freq": 0.5, "samples": 100},
    ...     "learners": [{"name": "mlp"}, {"name": "mean"}]})
    >>> [len(unit_tasks(u)) for u in make_units(spec.tasks(), workers=2)]
    [4, 1, 1, 1, 1]
    >>> make_units(spec.tasks(), workers=1) == make_units(spec.tasks(), workers=8)
    True
    """
    if not batch:
        return list(tasks)
    groups: dict[Any, list[Task]] = {}
    order: list[Any] = []
    for task in tasks:
        key = group_key(task)
        key = ("alone", task.task_id) if key is None else key
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(task)
    units: list[Unit] = []
    for key in order:
        members = groups[key]
        if key[0] == "alone" or len(members) < 2:
            units.extend(members)
            continue
        size = BATCH_NETWORKS
        units.extend(tuple(members[i : i + size]) for i in range(0, len(members), size))
    return [u[0] if isinstance(u, tuple) and len(u) == 1 else u for u in units]
