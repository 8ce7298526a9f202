"""The ``distinguish`` kind: advantage of the learner-based CLWE distinguisher (mathematics 4).

A trial runs :func:`hardlearn.reduction.estimate_advantage` for one learner and grid point:
``trials`` decisions on CLWE samples and as many on null samples, mapped to regression data
by the forward map; the advantage is ``P[clwe | CLWE] - P[clwe | null]`` with its interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn.errors import ParameterError
from hardlearn.experiments.framework import Param, TaskKind
from hardlearn.experiments.kinds._common import (
    activation_param,
    check_learner,
    flatten,
    gamma_of,
    noise_law_param,
)

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = ["DISTINGUISH"]


def _distinguish(task: Task, rng: np.random.Generator) -> dict[str, Any]:
    """Run :func:`hardlearn.reduction.estimate_advantage` for one learner and grid point."""
    from hardlearn.reduction import estimate_advantage

    p = task.params
    holdout: int | float = p["holdout"]
    if float(holdout).is_integer() and holdout >= 1:
        holdout = int(holdout)
    exact = p["noise_bits"] > 0
    est = estimate_advantage(
        task.learner_name,
        params=task.learner_params,
        dim=p["dim"],
        gamma=gamma_of(p),
        beta=None if exact else p["beta"],
        noise_bits=p["noise_bits"] if exact else None,
        noise_std=0.0 if exact else p["noise"],
        eps=p["eps"],
        samples=p["samples"],
        holdout=holdout,
        trials=p["trials"],
        activation=p["activation"],
        rng=rng,
        noise_law=p.get("noise_law", "gaussian"),
    )
    out = flatten(
        est.as_dict(),
        drop=(
            "losses_clwe",
            "losses_null",
            "learner",
            "dim",
            "samples",
            "activation",
            "beta",
            "trials",
            "eps",
            "noise_std",
            "noise_bits",
        ),
    )
    out["gamma_used"] = out.pop("gamma")
    out["beta_used"] = None if exact else p["beta"]
    out["noise_used"] = 0.0 if exact else p["noise"]
    out["success"] = bool(out["advantage_lo"] > 0)
    return out


def _check_distinguish(params: dict[str, Any]) -> None:
    if params["noise_bits"] > 0:
        if params["activation"] != "triangle":
            raise ParameterError(
                "grid.noise_bits > 0 (exact samples) supports grid.activation = 'triangle' "
                "only (the exact forward map is tri(z) = min(z, 1 - z) in integers); for "
                "another activation give noise_bits = 0 with a small beta and noise (float64 "
                f"samples); got {params['activation']!r}."
            )
        return
    if not 0 < params["beta"] < 1:
        raise ParameterError(
            "grid.beta must satisfy 0 < beta < 1 (or give grid.noise_bits > 0 for exact "
            f"samples); got {params['beta']!r}."
        )


#: The kind, as the registry holds it.
DISTINGUISH = TaskKind(
    name="distinguish",
    fn=_distinguish,
    params=(
        Param("dim", "int", minimum=1, doc="CLWE dimension n"),
        Param("beta", "real", 0.0, minimum=0, maximum=1,
              doc="CLWE noise (BRST21); not used when noise_bits > 0"),
        Param("noise_bits", "int", 0, minimum=0,
              doc="> 0: exact samples, CLWE noise 2^-noise_bits, no label noise; "
                  "beta and noise are then not used (recorded as beta_used = None)"),
        Param("samples", "int", minimum=2, doc="samples N = m + m' per decision"),
        Param("gamma", "real", 0.0, minimum=0, doc="CLWE gamma; 0: gamma_scale*sqrt(dim)"),
        Param("gamma_scale", "real", 2.0, minimum=0, doc="gamma = gamma_scale * sqrt(dim)"),
        Param("noise", "real", 0.01, minimum=0, doc="label noise sigma of the forward map"),
        Param("eps", "real", 0.01, minimum=0, doc="margin of the decision rule"),
        Param("holdout", "real", 0.25, minimum=0, doc="m' as a fraction (< 1) or a count"),
        Param("trials", "int", 20, minimum=1, doc="decisions per hypothesis"),
        activation_param(),
        noise_law_param(),
    ),
    learners="required",
    preload=("hardlearn.reduction", "hardlearn.learners"),
    description="advantage P[clwe|CLWE] - P[clwe|null] of the learner-based distinguisher",
    check_learner=check_learner,
    check_trial=_check_distinguish,
)
