"""The ``threshold`` kind: the largest noise at which the lattice attack still succeeds.

A trial bisects over ``noise_bits`` (:func:`bisect_threshold`); each probed level runs
``attempts`` attacks on fresh secrets whose data depend on the level only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn._rng import task_generator
from hardlearn.errors import ParameterError, ReductionTimeout
from hardlearn.experiments.framework import Param, TaskKind
from hardlearn.experiments.kinds import _lattice

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = ["THRESHOLD", "bisect_threshold"]


def bisect_threshold(
    succeeds: Callable[[int], bool | None],
    *,
    bits_low: int,
    bits_high: int,
    resolution: int,
    deadline: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """The smallest ``noise_bits`` (largest noise ``2^-bits``) at which ``succeeds`` holds.

    Bisection on the levels ``bits_low + k * resolution`` between ``bits_low`` and
    ``bits_high``, assuming success is monotone in the bits (less noise is easier). Returns
    ``noise_bits`` (the threshold, or None when even ``bits_high`` fails), the final bracket
    ``bits_fail`` / ``bits_ok``, ``censored`` (``"none"``, ``"below_range"`` when
    ``bits_low`` already succeeds, ``"above_range"`` when ``bits_high`` fails, ``"timeout"``
    when a level could not be decided in time), ``converged`` and the ``probes`` made as
    ``[bits, success]`` pairs. ``succeeds`` returns ``None`` for a level it could not decide
    (attacks that ran out of time): the search stops there, never counting it as a failure,
    and ``noise_bits`` is then the smallest level known to succeed (an upper bound on the
    threshold; ``None`` if none is known) and ``timeout_bits`` the undecided level.
    ``deadline()`` returning True stops the search early (``converged`` False).

    Examples
    --------
    >>> out = bisect_threshold(lambda b: b >= 37.2, bits_low=0, bits_high=100, resolution=1)
    >>> out["noise_bits"], out["bits_fail"], out["censored"], out["converged"]
    (38, 37, 'none', True)
    >>> out = bisect_threshold(lambda b: None if b == 50 else b >= 37.2, bits_low=0,
    ...                        bits_high=100, resolution=1)
    >>> out["noise_bits"], out["censored"], out["timeout_bits"], out["converged"]
    (100, 'timeout', 50, False)
    """
    if not bits_high > bits_low:
        raise ParameterError(
            f"grid.bits_high must be > grid.bits_low; got {bits_high!r} <= {bits_low!r}."
        )
    levels = max(1, math.ceil((bits_high - bits_low) / resolution))
    probes: list[list[Any]] = []

    def level(k: int) -> int:
        return int(min(bits_low + k * resolution, bits_high))

    def probe(k: int) -> bool | None:
        result = succeeds(level(k))
        ok = None if result is None else bool(result)
        probes.append([level(k), ok])
        return ok

    out: dict[str, Any] = {"probes": probes, "converged": False, "timeout_bits": None}
    top = probe(levels)
    if top is None:
        out.update(noise_bits=None, bits_fail=None, bits_ok=None, censored="timeout",
                   timeout_bits=level(levels))
        return out
    if not top:
        out.update(noise_bits=None, bits_fail=level(levels), bits_ok=None, censored="above_range")
        out["converged"] = True
        return out
    bottom = probe(0)
    if bottom is None:
        out.update(noise_bits=level(levels), bits_fail=None, bits_ok=level(levels),
                   censored="timeout", timeout_bits=level(0))
        return out
    if bottom:
        out.update(noise_bits=level(0), bits_fail=None, bits_ok=level(0), censored="below_range")
        out["converged"] = True
        return out
    lo, hi = 0, levels  # lo fails, hi succeeds
    while hi - lo > 1:
        if deadline is not None and deadline():
            break
        mid = (lo + hi) // 2
        ok = probe(mid)
        if ok is None:
            out.update(noise_bits=level(hi), bits_fail=level(lo), bits_ok=level(hi),
                       censored="timeout", timeout_bits=level(mid))
            return out
        if ok:
            hi = mid
        else:
            lo = mid
    out.update(
        noise_bits=level(hi),
        bits_fail=level(lo),
        bits_ok=level(hi),
        censored="none",
        converged=hi - lo <= 1,
    )
    return out


def _threshold(task: Task, rng: np.random.Generator) -> dict[str, Any]:
    """Bisection over noise_bits; each level runs ``attempts`` attacks on fresh secrets."""
    p = task.params
    t0 = time.perf_counter()
    base = int(rng.integers(0, 2**63 - 1))
    needed = math.ceil(p["required"] * p["attempts"] - 1e-12)
    seconds: list[float] = []

    timeouts = [0]

    def succeeds(bits: int) -> bool | None:
        """True / False when enough attempts decided the level, None when timeouts left it
        undecided (a timed-out attack is censored, never a failure)."""
        hits = fails = 0
        for a in range(p["attempts"]):
            # the data at a level depend on the level only, not on the order of the probes
            level_rng = task_generator(base, {"noise_bits": bits, "attempt": a})
            remaining = _lattice.remaining(task, t0)
            if remaining <= 0:
                raise ReductionTimeout(
                    f"threshold search used its budget of {task.budget_seconds:g} s at "
                    f"noise_bits={bits:g}; raise budget_seconds or narrow bits_low..bits_high."
                )
            out = _lattice.attack_once(p, bits, level_rng, remaining)
            if out.get("attack_status") == "timeout" and _lattice.remaining(task, t0) <= 0:
                raise ReductionTimeout(
                    f"threshold search used its budget of {task.budget_seconds:g} s at "
                    f"noise_bits={bits}; raise budget_seconds or narrow bits_low..bits_high."
                )
            seconds.append(float(out.get("seconds", 0.0)))
            if out.get("attack_status") == "timeout":
                timeouts[0] += 1
            elif out["success"]:
                hits += 1
            else:
                fails += 1
            if hits >= needed or fails > p["attempts"] - needed:
                break
        if hits >= needed:
            return True
        if fails > p["attempts"] - needed:
            return False
        return None

    result = bisect_threshold(
        succeeds,
        bits_low=p["bits_low"],
        bits_high=p["bits_high"],
        resolution=p["resolution"],
        deadline=lambda: _lattice.remaining(task, t0) <= 0,
    )
    probes = result.pop("probes")
    result["probes"] = len(probes)
    result["probe_bits"] = [b for b, _ in probes]
    result["probe_success"] = [ok for _, ok in probes]
    result["attack_seconds"] = sum(seconds)
    result["attack_timeouts"] = timeouts[0]
    result["success"] = result["noise_bits"] is not None
    return result


def _check_threshold(params: dict[str, Any]) -> None:
    _lattice.check_samples(params)
    if not params["bits_high"] > params["bits_low"]:
        raise ParameterError(
            f"grid.bits_high must be > grid.bits_low; got bits_low={params['bits_low']!r}, "
            f"bits_high={params['bits_high']!r}."
        )


#: The kind, as the registry holds it.
THRESHOLD = TaskKind(
    name="threshold",
    fn=_threshold,
    params=(
        *_lattice.ATTACK_PARAMS,
        Param("bits_low", "int", 0, minimum=0, doc="largest noise tried: 2^-bits_low"),
        Param("bits_high", "int", minimum=1, doc="smallest noise tried: 2^-bits_high"),
        Param("resolution", "int", 1, minimum=1, doc="bisection stops at this many bits"),
        Param("attempts", "int", 3, minimum=1, doc="fresh secrets per noise level"),
        Param(
            "required",
            "real",
            1.0,
            minimum=0,
            maximum=1,
            open_min=True,
            doc="fraction of attempts that must recover the secret",
        ),
    ),
    learners="none",
    preload=("hardlearn.learners.lattice", "hardlearn.problems.exact"),
    description="largest noise at which the lattice attack still succeeds (bisection)",
    check_trial=_check_threshold,
)
