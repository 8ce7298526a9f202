"""The ``selftest`` kind: a cheap kind for the engine's own tests and benchmark.

It draws one number from the trial's generator and can sleep, burn CPU, or fail on request.
It touches no mathematics of the package.

Examples
--------
>>> from hardlearn.experiments.spec import parse_spec
>>> from hardlearn.experiments.registry import run_task
>>> task = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": 2.0}}).tasks()[0]
>>> run_task(task).metrics["success"] in (True, False)
True
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn.errors import ParameterError
from hardlearn.experiments.framework import Param, TaskKind

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = ["SELFTEST"]


def _selftest(task: Task, rng: np.random.Generator) -> dict[str, Any]:
    """Draw one normal number; optionally sleep, burn CPU, or fail (for tests only)."""
    p = task.params
    value = float(rng.standard_normal())
    if p["sleep"] > 0:
        time.sleep(p["sleep"])
    acc = 0
    for i in range(p["work"]):
        acc = (acc + i * i) % 1_000_003
    if p["fail"]:
        raise ParameterError(f"selftest asked to fail: {p['fail_message']}")
    scale = float(task.learner_params.get("scale", 1.0)) if task.learner else 1.0
    return {
        "value": scale * value,
        "advantage": p["x"] + 0.1 * scale * value,
        "success": bool(value > 0),
    }


#: The kind, as the registry holds it.
SELFTEST = TaskKind(
    name="selftest",
    fn=_selftest,
    params=(
        Param("x", "real", 0.0, doc="a number copied into the metrics"),
        Param("sleep", "real", 0.0, minimum=0, doc="seconds to sleep (hang tests)"),
        Param("work", "int", 0, minimum=0, doc="iterations of a CPU loop (speed-up tests)"),
        Param("fail", "bool", False, doc="raise a ParameterError"),
        Param("fail_message", "str", "requested", doc="message of that error"),
    ),
    learners="optional",
    description="test-only: draws one number from the trial's generator (engine tests)",
)
