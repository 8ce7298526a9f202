"""What a sweep file may change between runs of one run directory, and what it may not.

A run directory is resumed by rerunning the sweep with the same file. Some edits change no
trial's identity (:attr:`hardlearn.experiments.spec.Task.key` holds the task kind, the
resolved parameters, the learner's name and parameters and the repetition): the per-trial
budget, the order of the ``[[learners]]`` tables, the file's ``name`` and ``description``,
and its comments (which never reach the parsed data). Those are accepted, so that raising
``budget_seconds`` after a timeout, as the timeout message advises, resumes the run. Any
other change is refused, naming the first difference.

**A parameter at its default is left out of the identity.** When a task kind gains a
parameter with a default, the trials of existing sweeps keep their ids, seeds and digest:
a sweep file that does not set the new parameter resolves to the same grid, and a trial at
the default hashes as it did before (:func:`neutral_defaults`). The kind still sees every
parameter, defaults filled in (:attr:`hardlearn.experiments.spec.Task.params`). The only
exception is :data:`IDENTITY_AT_DEFAULT`: the defaulted parameters the built-in kinds had
when this rule was made, which stay in the identity so that the ids already published (and
pinned by ``tests/test_structure_golden.py``) do not change. That table is frozen: a
parameter added later is never put there.

Examples
--------
>>> a = {"task": "selftest", "budget_seconds": 10.0, "grid": {"x": [1, 2]}}
>>> b = {"task": "selftest", "budget_seconds": 60.0, "grid": {"x": [1, 2]}}
>>> first_difference(identity(a), identity(b)) is None
True
>>> first_difference(identity(a), identity({**b, "grid": {"x": [1, 3]}}))
'grid.x[1]: 2 in the run directory, 3 in this file'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.framework import TaskKind

__all__ = ["MAY_CHANGE", "IDENTITY_AT_DEFAULT", "identity", "first_difference",
           "neutral_defaults"]

#: Top-level keys of a resolved sweep file that no trial's identity depends on.
MAY_CHANGE = ("budget_seconds", "name", "description")

#: Defaulted parameters of the built-in kinds that stay in a trial's identity at their
#: default: the ones each kind had (hardlearn 0.1.0, with ``noise_law`` already left out)
#: when the rule "a parameter at its default is left out" was made. Frozen: never add to it.
IDENTITY_AT_DEFAULT: dict[str, frozenset[str]] = {
    "selftest": frozenset({"x", "sleep", "work", "fail", "fail_message"}),
    "learn": frozenset({"test_samples", "noise", "target", "radius", "activation"}),
    "distinguish": frozenset({"beta", "noise_bits", "gamma", "gamma_scale", "noise", "eps",
                              "holdout", "trials", "activation"}),
    "attack": frozenset({"gamma", "gamma_scale", "labels", "samples", "algorithm",
                         "block_size", "engine", "time_limit"}),
    "threshold": frozenset({"gamma", "gamma_scale", "labels", "samples", "algorithm",
                            "block_size", "engine", "time_limit", "bits_low", "resolution",
                            "attempts", "required"}),
}


def neutral_defaults(kind: TaskKind) -> dict[str, Any]:
    """The parameters of ``kind`` that a trial's identity leaves out at their default.

    Every parameter with a default, except those :data:`IDENTITY_AT_DEFAULT` keeps for a
    built-in kind (a parameter declared ``omit_default=True`` is always left out).

    Examples
    --------
    >>> from hardlearn.experiments.registry import get_task_kind
    >>> sorted(neutral_defaults(get_task_kind("learn")))
    ['noise_law']
    """
    kept = IDENTITY_AT_DEFAULT.get(kind.name, frozenset())
    return {p.name: p.default for p in kind.params
            if not p.required and (p.omit_default or p.name not in kept)}


def identity(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a resolved sweep file (``SweepSpec.to_dict()``) that fixes its trials."""
    out = {k: v for k, v in data.items() if k not in MAY_CHANGE}
    if isinstance(out.get("learners"), list):
        out["learners"] = sorted(out["learners"], key=lambda lr: json.dumps(lr, sort_keys=True))
    return out


def first_difference(old: Any, new: Any, where: str = "") -> str | None:
    """The first place where ``old`` (stored) and ``new`` (this file) differ, in words."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in list(old) + [k for k in new if k not in old]:
            path = f"{where}.{key}" if where else str(key)
            if key not in new:
                return f"{path} is set in the run directory ({_show(old[key])}), not in this file"
            if key not in old:
                return f"{path} is set in this file ({_show(new[key])}), not in the run directory"
            found = first_difference(old[key], new[key], path)
            if found is not None:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list):
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            found = first_difference(a, b, f"{where}[{i}]")
            if found is not None:
                return found
        if len(old) != len(new):
            return f"{where} has {len(old)} entries in the run directory, {len(new)} in this file"
        return None
    if old != new or type(old) is not type(new):
        return f"{where}: {_show(old)} in the run directory, {_show(new)} in this file"
    return None


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."
