"""The ``suite`` kind: one learner trained and scored on one written suite instance.

The grid names the instance (``instance = "v1/d8-f0.25-poly"``) and the directory that
``hardlearn suite make`` wrote (``data_dir``); the trial fits the learner on ``train`` and
scores its test predictions against the clean target with
:func:`hardlearn.suite.score_predictions`. The learner's seed is drawn from the trial's
generator (when the learner leaves it at None), as in ``learn``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn.experiments.framework import Param, TaskKind
from hardlearn.experiments.kinds._common import check_learner

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = ["SUITE"]


def _suite_trial(task: Task, rng: np.random.Generator) -> dict[str, Any]:
    """Fit on the instance's training file, score the test predictions."""
    from hardlearn.learners.registry import make_learner
    from hardlearn.metrics import seed_learner
    from hardlearn.suite import load_instance, score_predictions

    p = task.params
    data = load_instance(Path(p["data_dir"]), p["instance"])
    learner = seed_learner(make_learner(task.learner_name or "", task.learner_params), rng)
    t0 = time.perf_counter()
    learner.fit(data["X"], data["y"])
    seconds = time.perf_counter() - t0
    out = score_predictions(learner.predict(data["X_test"]), data["f_test"],
                            data["trivial_mse"])
    out["fit_seconds"] = seconds
    out["success"] = bool(out["advantage_lo"] > 0)
    return out


#: The kind, as the registry holds it.
SUITE = TaskKind(
    name="suite",
    fn=_suite_trial,
    params=(
        Param("instance", "str", doc="suite instance name (hardlearn suite list)"),
        Param("data_dir", "str", doc="directory written by hardlearn suite make"),
    ),
    learners="required",
    preload=("hardlearn.metrics", "hardlearn.learners", "hardlearn.suite"),
    description="test MSE and advantage of each learner on written suite instances",
    check_learner=check_learner,
)
