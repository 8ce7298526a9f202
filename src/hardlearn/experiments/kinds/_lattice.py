"""What the ``attack`` and ``threshold`` kinds share: lattice recovery at tiny noise (maths 5).

:func:`attack_once` is what both kinds call for one attack at a given ``noise_bits``, through
the seam :func:`_lattice_attack` (which the tests replace with a fake); the attack itself is
:func:`hardlearn.attack.exact_attack`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn.errors import HardlearnError
from hardlearn.experiments.framework import Param
from hardlearn.experiments.kinds._common import gamma_of

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = ["ATTACK_PARAMS", "attack_once", "check_samples", "remaining"]


ATTACK_PARAMS = (
    Param("dim", "int", minimum=1, doc="dimension d of the secret"),
    Param("gamma", "real", 0.0, minimum=0, doc="CLWE gamma; 0: gamma_scale * sqrt(dim)"),
    Param("gamma_scale", "real", 2.0, minimum=0, doc="gamma = gamma_scale * sqrt(dim)"),
    Param(
        "labels",
        "str",
        "clwe",
        choices=("clwe", "triangle", "cosine"),
        doc="labels mod 1 (CLWE) or periodic-neuron labels",
    ),
    Param(
        "samples",
        "int|str",
        "auto",
        minimum=0,
        doc="samples drawn for the attack: auto (the prediction model's best count), d+1, "
        "3d, 2d+5 or an integer (0: d+1)",
    ),
    Param("algorithm", "str", "lll", choices=("lll", "bkz"), doc="lattice reduction"),
    Param("block_size", "int", 20, minimum=2, doc="BKZ block size"),
    Param("engine", "str", "auto", choices=("auto", "flint", "fpylll"), doc="LLL library"),
    Param(
        "time_limit",
        "real",
        0.0,
        minimum=0,
        doc="seconds per attack (a slower attack is recorded as censored, not as a failure); "
        "0: the budget",
    ),
)


def _lattice_attack() -> Callable[..., Mapping[str, Any]]:
    """The function that runs one attack (a seam the tests replace with a fake):
    :func:`hardlearn.attack.exact_attack`."""
    try:
        from hardlearn.attack import exact_attack
    except ImportError as exc:
        raise HardlearnError(
            f"the lattice attack is not available in this installation ({exc}); task kinds "
            "'attack' and 'threshold' need hardlearn.attack and the lattice libraries."
        ) from None
    return exact_attack


def check_samples(params: Mapping[str, Any]) -> None:
    """Refuse a ``samples`` request the attack cannot read, before any work."""
    from hardlearn.attack import parse_samples

    value = params["samples"]
    if value != 0:
        parse_samples(value, params["dim"])


def attack_once(
    params: Mapping[str, Any], noise_bits: int, rng: np.random.Generator, time_limit: float
) -> dict[str, Any]:
    """One attack on a fresh secret at noise ``2^-noise_bits``, within ``time_limit`` s."""
    from hardlearn.conventions import gamma_to_freq

    attack = _lattice_attack()
    if params["time_limit"] > 0:
        time_limit = min(time_limit, params["time_limit"])
    out = dict(
        attack(
            dim=params["dim"],
            freq=gamma_to_freq(gamma_of(params)),
            noise_bits=int(noise_bits),
            labels=params["labels"],
            samples=params["samples"] or None,  # 0 (older sweep files): d + 1
            algorithm=params["algorithm"],
            block_size=params["block_size"],
            engine=params["engine"],
            time_limit=time_limit,
            rng=rng,
        )
    )
    out["recovered"] = bool(out.get("recovered", False))
    out.setdefault("correct", out["recovered"])
    out["success"] = bool(out["recovered"] and out["correct"])
    return out


def remaining(task: Task, t0: float, share: float = 0.9) -> float:
    return share * task.budget_seconds - (time.perf_counter() - t0)
