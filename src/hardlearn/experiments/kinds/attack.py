"""The ``attack`` kind: lattice recovery of the secret from exact samples (mathematics section 5).

A trial runs the lattice attack once at the grid's ``noise_bits``
(:func:`hardlearn.experiments.kinds._lattice.attack_once`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn.errors import ReductionTimeout
from hardlearn.experiments.framework import Param, TaskKind
from hardlearn.experiments.kinds import _lattice
from hardlearn.experiments.kinds._common import flatten

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = ["ATTACK"]


def _attack(task: Task, rng: np.random.Generator) -> dict[str, Any]:
    """Run the lattice attack once at the grid's ``noise_bits``."""
    t0 = time.perf_counter()
    budget = _lattice.remaining(task, t0)
    out = _lattice.attack_once(task.params, task.params["noise_bits"], rng, budget)
    if out.get("attack_status") == "timeout" and task.params["time_limit"] <= 0:
        raise ReductionTimeout(
            f"the lattice reduction did not finish within the trial's budget "
            f"({task.budget_seconds:g} s); raise budget_seconds."
        )
    return flatten(out, drop=("dim", "noise_bits", "labels", "algorithm", "block_size"))


#: The kind, as the registry holds it.
ATTACK = TaskKind(
    name="attack",
    fn=_attack,
    params=(
        _lattice.ATTACK_PARAMS[0],
        Param("noise_bits", "int", minimum=0, doc="noise std = 2^-noise_bits"),
        *_lattice.ATTACK_PARAMS[1:],
    ),
    learners="none",
    preload=("hardlearn.learners.lattice", "hardlearn.problems.exact"),
    description="lattice recovery of the secret from exact samples (mathematics section 5)",
    check_trial=_lattice.check_samples,
)
