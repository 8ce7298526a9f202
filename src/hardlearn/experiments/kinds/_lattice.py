"""What the ``attack`` and ``threshold`` kinds share: lattice recovery at tiny noise (maths 5).

:func:`exact_attack` draws exact samples on a fresh secret and runs the attack once;
:func:`attack_once` is what both kinds call for one attack at a given ``noise_bits``, through
the seam :func:`_lattice_attack` (which the tests replace with a fake). The attack's
orchestration (``run_attack``) is imported in :func:`exact_attack` only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn._rng import spawn
from hardlearn.errors import HardlearnError
from hardlearn.experiments.framework import Param
from hardlearn.experiments.kinds._common import gamma_of

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = ["ATTACK_PARAMS", "exact_attack", "attack_once", "remaining"]


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
    Param("samples", "int", 0, minimum=0, doc="samples given to the attack; 0: dim + 1"),
    Param("algorithm", "str", "lll", choices=("lll", "bkz"), doc="lattice reduction"),
    Param("block_size", "int", 20, minimum=2, doc="BKZ block size"),
    Param("engine", "str", "auto", choices=("auto", "flint", "fpylll"), doc="LLL library"),
    Param(
        "time_limit",
        "real",
        0.0,
        minimum=0,
        doc="seconds per attack (a slower attack counts as not recovered); 0: the budget",
    ),
)


def _lattice_attack() -> Callable[..., Mapping[str, Any]]:
    """The function that runs one attack (a seam the tests replace with a fake)."""
    return exact_attack


def exact_attack(
    *,
    dim: int,
    freq: float,
    noise_bits: int,
    labels: str,
    samples: int | None,
    algorithm: str,
    block_size: int,
    engine: str,
    time_limit: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Draw exact samples on a fresh secret and run the attack of ``hardlearn attack``.

    Calls :func:`hardlearn.problems.exact.sample_exact` and
    :func:`hardlearn.cli.attack.run_attack` (a :class:`LatticeRegressor` fitted on the exact
    samples, scored against their true secret afterwards). Adds ``correct``: the recovered
    direction has ``cosine > 1 - 1e-9``. Output keys that name grid parameters are renamed
    (``status`` -> ``attack_status``, ``engine`` -> ``engine_used``, ``freq`` ->
    ``freq_found``, ``samples`` -> ``samples_used``).
    """
    try:
        # the one place the attack's orchestration is imported from
        from hardlearn.cli.attack import run_attack
        from hardlearn.problems.exact import sample_exact
    except ImportError as exc:
        raise HardlearnError(
            f"the lattice attack is not available in this installation ({exc}); task kinds "
            "'attack' and 'threshold' need hardlearn.problems.exact and hardlearn attack."
        ) from None
    data_rng, attack_rng = spawn(rng, 2)
    m = samples if samples else dim + 1
    data = sample_exact(dim, m, labels=labels, noise_bits=noise_bits, rng=data_rng, freq=freq)
    out = dict(
        run_attack(
            data,
            engine=engine,
            reduction=algorithm,
            block_size=block_size,
            time_limit=max(time_limit, 1e-3),
            seed=int(attack_rng.integers(0, 2**63 - 1)),
        )
    )
    for old, new in (
        ("status", "attack_status"),
        ("engine", "engine_used"),
        ("freq", "freq_found"),
        ("samples", "samples_used"),
    ):
        if old in out:
            out[new] = out.pop(old)
    for key in ("dim", "labels", "noise_bits", "reduction"):
        out.pop(key, None)
    cosine = out.get("cosine")
    out["correct"] = bool(cosine is not None and cosine > 1 - 1e-9)
    return out


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
            samples=params["samples"] or None,
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
