"""The ``suite`` kind: one learner trained and scored on one written suite instance.

The grid names the instance (``instance = "v1/d8-f0.25-poly"``) and the directory that
``hardlearn suite make`` wrote (``data_dir``); the trial fits the learner on ``train`` and
scores its test predictions against the clean target with
:func:`hardlearn.suite.score_predictions`. The learner's seed is drawn from the trial's
generator (when the learner leaves it at None), as in ``learn``.

**Exact data.** A learner with a ``fit_exact`` method (the lattice learner) is fitted on
the instance's exact training file (``train_exact``, :mod:`hardlearn.suite`) instead of the
float64 labels, and, when it has a ``labels`` parameter the learner's params leave unset, is
told the labels' kind (``"triangle"``: the suite's target is the capped triangle network).
The trial records ``exact_data`` (whether it did) and, for a learner that reports one,
``learner_status`` (``status_``: ``"recovered"``, ``"not_recovered"``, ``"timeout"``).
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


def _params_of(learner: Any) -> dict[str, Any]:
    get = getattr(learner, "get_params", None)
    return dict(get(deep=False)) if callable(get) else {}


def _suite_trial(task: Task, rng: np.random.Generator) -> dict[str, Any]:
    """Fit on the instance's training file, score the test predictions."""
    from hardlearn.learners.registry import make_learner
    from hardlearn.metrics import learner_status, predict_fitted, seed_learner
    from hardlearn.suite import load_instance, score_predictions

    p = task.params
    data = load_instance(Path(p["data_dir"]), p["instance"])
    learner = seed_learner(make_learner(task.learner_name or "", task.learner_params), rng)
    exact = callable(getattr(learner, "fit_exact", None)) and data["exact_path"] is not None
    if exact:
        from hardlearn.problems.exact import load_exact

        samples = load_exact(data["exact_path"])
        if "labels" in _params_of(learner) and "labels" not in task.learner_params:
            learner.set_params(labels=samples.kind)
    t0 = time.perf_counter()
    if exact:
        learner.fit_exact(samples)
    else:
        learner.fit(data["X"], data["y"])
    seconds = time.perf_counter() - t0
    pred = predict_fitted(learner, data["X_test"])  # a failed attack: the training mean
    out = score_predictions(pred, data["f_test"], data["trivial_mse"])
    out["fit_seconds"] = seconds
    out["exact_data"] = bool(exact)
    status = learner_status(learner)
    if status is not None:
        out["learner_status"] = status
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
