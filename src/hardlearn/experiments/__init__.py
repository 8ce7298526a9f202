"""Experiments: declarative sweeps, a crash-safe results store, executors, plots, reports.

A sweep file (TOML) names a task kind and a grid; :func:`load_spec` turns it into frozen
:class:`Task` objects with stable ids; :func:`run_sweep` runs them on a local process pool or
on Dask and commits every finished trial to the SQLite store of the run directory;
:func:`read_results` returns one row per trial; :mod:`~hardlearn.experiments.plots` and
:func:`write_report` turn the rows into figures and an HTML page.
"""

from __future__ import annotations

from typing import Any

from hardlearn.experiments.framework import Param, Record, TaskKind
from hardlearn.experiments.registry import (
    get_task_kind,
    register_task_kind,
    run_task,
    task_kinds,
)
from hardlearn.experiments.runner import SweepSummary, run_sweep, run_tasks
from hardlearn.experiments.spec import LearnerSpec, SweepSpec, Task, load_spec, parse_spec
from hardlearn.experiments.store import Store, read_meta, read_results

__all__ = [
    "run_sweep",
    "run_tasks",
    "SweepSummary",
    "Store",
    "read_results",
    "read_meta",
    "write_report",
    "plot_results",
    "LearnerSpec",
    "SweepSpec",
    "Task",
    "load_spec",
    "parse_spec",
    "Param",
    "Record",
    "TaskKind",
    "get_task_kind",
    "register_task_kind",
    "run_task",
    "task_kinds",
]


def __getattr__(name: str) -> Any:
    # matplotlib is imported only when a picture is asked for
    if name == "write_report":
        from hardlearn.experiments.report import write_report

        return write_report
    if name == "plot_results":
        from hardlearn.experiments.plots import plot_results

        return plot_results
    raise AttributeError(f"module 'hardlearn.experiments' has no attribute {name!r}")
