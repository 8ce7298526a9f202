"""A task kind defined outside hardlearn, registered when this module is imported.

``test_plugins`` runs it in sweep workers through a sweep file's ``plugins`` key.
"""

from __future__ import annotations

import os

from hardlearn.experiments import Param, TaskKind, register_task_kind


def _double(task, rng):
    """Twice the grid value, plus one draw from the trial's generator, and the worker's pid."""
    return {"doubled": 2 * task.params["x"], "draw": float(rng.random()), "pid": os.getpid()}


KIND = register_task_kind(
    TaskKind(name="h14_plugin_double", fn=_double, params=(Param("x", "real"),),
             description="test-only plug-in kind")
)
