"""Sweep files (TOML) -> a validated :class:`SweepSpec` -> frozen :class:`Task` objects.

A sweep file names a task kind, a grid (a list is swept, a scalar is fixed; every
combination is a trial), optional ``[[learners]]`` crossed with the grid, a number of
repetitions, a root seed and a per-trial budget in seconds::

    task = "learn"
    root_seed = 1
    repetitions = 3
    budget_seconds = 60
    [grid]
    dim = [8, 16]
    freq = [0.25, 1.0]
    samples = 20000
    [[learners]]
    name = "mlp"
    params = { width = 256, steps = 2000 }

Every trial is a :class:`Task` whose identity is its task kind, its resolved parameters, its
learner's name and parameters, and its repetition; never its position in the grid. Its id
is a hash of that identity, and its generator is
``SeedSequence(root_seed, spawn_key=stable_key(identity))`` (:func:`hardlearn._rng.task_generator`),
so adding grid points, reordering them, or changing the number of workers changes no
trial's numbers.

Examples
--------
>>> spec = parse_spec({"task": "selftest", "root_seed": 3, "repetitions": 2,
...                    "grid": {"x": [0.5, 1.5], "sleep": 0}})
>>> [t.params["x"] for t in spec.tasks()]
[0.5, 0.5, 1.5, 1.5]
>>> spec.tasks()[0].task_id == parse_spec(spec.to_dict()).tasks()[0].task_id
True
>>> parse_spec({"task": "selftest", "root_seed": 1, "grid": {"y": 1}})
Traceback (most recent call last):
...
hardlearn.errors.ParameterError: sweep file <dict>: grid.y is not a parameter of task ...
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from hardlearn._rng import stable_key, task_generator
from hardlearn._validation import check_int, check_real
from hardlearn.errors import ParameterError
from hardlearn.experiments.framework import TaskKind
from hardlearn.experiments.identity import neutral_defaults
from hardlearn.experiments.registry import get_task_kind, load_plugins

__all__ = ["LearnerSpec", "Task", "SweepSpec", "load_spec", "parse_spec", "RESERVED_COLUMNS"]

_TOP_KEYS = (
    "task",
    "name",
    "description",
    "root_seed",
    "repetitions",
    "budget_seconds",
    "grid",
    "learners",
    "plugins",
)
_LEARNER_KEYS = ("name", "label", "params")

#: Column names of the results table that a grid parameter may not take.
RESERVED_COLUMNS = (
    "task_id",
    "status",
    "learner",
    "learner_params",
    "repetition",
    "seconds",
    "error_type",
    "error_message",
    "host",
)

#: Default per-trial budget in seconds when the file gives none.
DEFAULT_BUDGET_SECONDS = 600.0

#: Largest per-trial budget, 30 days (1e300 would overflow the runner's monotonic deadline).
MAX_BUDGET_SECONDS = 30 * 24 * 3600.0
#: Most trials per sweep: each is an object and a store row (~1 kB), so 10^7 is ~10 GB.
MAX_TRIALS = 10**7


@dataclass(frozen=True)
class LearnerSpec:
    """One ``[[learners]]`` entry: a learner name, its parameters, and its display label."""

    name: str
    params_items: tuple[tuple[str, Any], ...] = ()
    label: str = ""

    @property
    def params(self) -> dict[str, Any]:
        """The learner's hyper-parameters as a dict."""
        return {k: _thaw(v) for k, v in self.params_items}


@dataclass(frozen=True)
class Task:
    """One trial: frozen, picklable, and identified by a hash of what it computes.

    Examples
    --------
    >>> t = Task("selftest", (("x", 1.0),), repetition=0, root_seed=1)
    >>> len(t.task_id), t.params
    (32, {'x': 1.0})
    >>> t.task_id == Task("selftest", (("x", 1),), repetition=0, root_seed=9).task_id
    True
    """

    kind: str
    params_items: tuple[tuple[str, Any], ...]
    learner_name: str | None = None
    learner_items: tuple[tuple[str, Any], ...] = ()
    learner_label: str | None = None
    repetition: int = 0
    root_seed: int = 0
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    #: Modules a worker imports before the trial (the sweep file's ``plugins``); not part
    #: of the trial's identity.
    plugins: tuple[str, ...] = ()
    #: Left out of :attr:`key` at these values (:func:`.identity.neutral_defaults`).
    neutral_items: tuple[tuple[str, Any], ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        """The trial's grid parameters (defaults filled in)."""
        return dict(self.params_items)

    @property
    def learner(self) -> str | None:
        """The learner's label in the results table (its name unless the file set a label)."""
        return self.learner_label or self.learner_name

    @property
    def learner_params(self) -> dict[str, Any]:
        """The learner's hyper-parameters."""
        return {k: _thaw(v) for k, v in self.learner_items}

    @cached_property
    def key(self) -> dict[str, Any]:
        """The trial's identity: kind, parameters, learner, repetition (not the grid index)."""
        neutral = dict(self.neutral_items)
        return {
            "task": self.kind,
            "params": {k: v for k, v in self.params_items if k not in neutral or v != neutral[k]},
            "learner": self.learner_name,
            "learner_params": self.learner_params,
            "repetition": self.repetition,
        }

    @cached_property
    def task_id(self) -> str:
        """32 hex digits: the 128-bit stable hash of :attr:`key`."""
        return "".join(f"{w:08x}" for w in stable_key(self.key))

    @property
    def seed(self) -> dict[str, Any]:
        """What reproduces the generator: the root seed and the spawn key."""
        return {"root_seed": self.root_seed, "spawn_key": list(stable_key(self.key))}

    def generator(self) -> np.random.Generator:
        """The trial's generator: ``task_generator(root_seed, key)``."""
        return task_generator(self.root_seed, self.key)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep file. Build it with :func:`load_spec` or :func:`parse_spec`."""

    task: str
    root_seed: int
    repetitions: int
    budget_seconds: float
    grid: tuple[tuple[str, tuple[Any, ...] | Any], ...]
    learners: tuple[LearnerSpec, ...] = ()
    name: str = ""
    description: str = ""
    plugins: tuple[str, ...] = ()

    @property
    def swept(self) -> tuple[str, ...]:
        """Grid keys given as lists (the axes of the sweep), in file order."""
        return tuple(k for k, v in self.grid if isinstance(v, tuple))

    @property
    def fixed(self) -> dict[str, Any]:
        """Grid keys given as scalars, defaults included."""
        return {k: v for k, v in self.grid if not isinstance(v, tuple)}

    def tasks(self) -> list[Task]:
        """Every trial: grid combinations x learners x repetitions, in a stable order."""
        keys = [k for k, _ in self.grid]
        axes = [v if isinstance(v, tuple) else (v,) for _, v in self.grid]
        learners: tuple[LearnerSpec | None, ...] = self.learners or (None,)
        out = []
        kind = get_task_kind(self.task)
        neutral = tuple(sorted(neutral_defaults(kind).items()))
        for combo in itertools.product(*axes):  # the kind sees every default:
            items = tuple(sorted({**dict(neutral), **dict(zip(keys, combo, strict=True))}.items()))
            for learner in learners:
                for rep in range(self.repetitions):
                    out.append(
                        Task(
                            kind=self.task,
                            params_items=items,
                            learner_name=learner.name if learner else None,
                            learner_items=learner.params_items if learner else (),
                            learner_label=learner.label if learner else None,
                            repetition=rep,
                            root_seed=self.root_seed,
                            budget_seconds=self.budget_seconds,
                            plugins=self.plugins,
                            neutral_items=neutral,
                        )
                    )
        return out

    def to_dict(self) -> dict[str, Any]:
        """The resolved sweep file as plain data (defaults filled in); parses back to self."""
        out: dict[str, Any] = {"task": self.task}
        if self.plugins:  # only when given, so the digest of older files is unchanged
            out["plugins"] = list(self.plugins)
        if self.name:
            out["name"] = self.name
        if self.description:
            out["description"] = self.description
        out["root_seed"] = self.root_seed
        out["repetitions"] = self.repetitions
        out["budget_seconds"] = self.budget_seconds
        out["grid"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.grid}
        if self.learners:
            out["learners"] = [
                {"name": lr.name, "label": lr.label, "params": _thaw(lr.params_items)}
                for lr in self.learners
            ]
        return out

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`to_dict`: a run directory's identity."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def to_toml(self) -> str:
        """The resolved sweep file as TOML text (``tomllib`` reads it back to :meth:`to_dict`)."""
        data = self.to_dict()
        lines = ["# Resolved by hardlearn: every default filled in."]
        for key in ("plugins", "task", "name", "description", "root_seed", "repetitions",
                    "budget_seconds"):
            if key in data:
                lines.append(f"{key} = {_toml_value(data[key])}")
        lines += ["", "[grid]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in data["grid"].items()]
        for lr in data.get("learners", []):
            lines += ["", "[[learners]]", *(f"{k} = {_toml_value(v)}" for k, v in lr.items())]
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise ParameterError(f"cannot write {value!r} ({type(value).__name__}) to TOML.")


def _freeze(value: Any, key: str) -> Any:
    """Learner parameters -> hashable, JSON-like nested tuples (checked)."""
    if isinstance(value, dict):
        return tuple((str(k), _freeze(v, f"{key}.{k}")) for k, v in value.items())
    if isinstance(value, list):
        return ("__list__", tuple(_freeze(v, key) for v in value))
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"{key} must be finite; got {value!r}.")
        return value
    raise ParameterError(
        f"{key} must be a number, bool, string, list or table; got {type(value).__name__}."
    )


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple):
        if len(value) == 2 and value[0] == "__list__":
            return [_thaw(v) for v in value[1]]
        return {k: _thaw(v) for k, v in value}
    return value


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file; errors name the file and the key.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "s.toml")
    ...     _ = open(p, "w").write('task = "selftest"\\nroot_seed = 1\\n[grid]\\nx = [1, 2]\\n')
    ...     len(load_spec(p).tasks())
    2
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParameterError(f"sweep file {p} cannot be read: {exc.strerror or exc}.") from None
    except UnicodeDecodeError as exc:
        raise ParameterError(f"sweep file {p} is not UTF-8 text (TOML must be): byte "
                             f"{exc.object[exc.start]:#04x} at offset {exc.start}.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"sweep file {p} is not valid TOML: {exc}.") from None
    return parse_spec(data, source=str(p))


def parse_spec(data: Mapping[str, Any], *, source: str = "<dict>") -> SweepSpec:
    """Validate a sweep file's data (as ``tomllib`` returns it) into a :class:`SweepSpec`."""
    try:
        return _parse(data)
    except ParameterError as exc:
        raise ParameterError(f"sweep file {source}: {exc}") from None


def _parse(data: Mapping[str, Any]) -> SweepSpec:
    if not isinstance(data, Mapping):
        raise ParameterError(f"the top level must be a table; got {type(data).__name__}.")
    for key in data:
        if key not in _TOP_KEYS:
            raise ParameterError(
                f"{key} is not a sweep file key; the keys are {', '.join(_TOP_KEYS)}."
            )
    if "task" not in data:
        raise ParameterError('task is required (one of the task kinds, e.g. task = "learn").')
    plugins = load_plugins(data.get("plugins", []))
    kind = get_task_kind(data["task"], key="task")
    if "root_seed" not in data:
        raise ParameterError(
            "root_seed is required (a non-negative integer), so that every trial can be "
            "reproduced from the file alone."
        )
    root_seed = check_int("root_seed", data["root_seed"], minimum=0)
    repetitions = check_int("repetitions", data.get("repetitions", 1), minimum=1)
    budget = check_real("budget_seconds", data.get("budget_seconds", DEFAULT_BUDGET_SECONDS),
                        low=0, low_open=True, high=MAX_BUDGET_SECONDS, hint="(30 days at most)")
    for key in ("name", "description"):
        if not isinstance(data.get(key, ""), str):
            raise ParameterError(f"{key} must be a string; got {data[key]!r}.")
    grid = _parse_grid(kind, data.get("grid", {}))
    learners = _parse_learners(kind, data.get("learners"))
    points = math.prod(len(v) if isinstance(v, tuple) else 1 for _, v in grid)
    trials = points * max(len(learners), 1) * repetitions
    if trials > MAX_TRIALS:
        raise ParameterError(f"the sweep has {points} grid points x {max(len(learners), 1)} "
                             f"learners x {repetitions} repetitions = {trials:.3g} trials; the "
                             f"limit is {MAX_TRIALS:.3g}. Lower repetitions or the grid.")
    if kind.check_trial is not None:
        keys = [k for k, _ in grid]
        axes = [v if isinstance(v, tuple) else (v,) for _, v in grid]
        for combo in itertools.product(*axes):
            kind.check_trial(dict(zip(keys, combo, strict=True)))
    return SweepSpec(
        task=kind.name,
        root_seed=root_seed,
        repetitions=repetitions,
        budget_seconds=budget,
        grid=grid,
        learners=learners,
        name=data.get("name", ""),
        description=data.get("description", ""),
        plugins=plugins,
    )



def _parse_grid(kind: TaskKind, raw: Any) -> tuple[tuple[str, Any], ...]:
    if not isinstance(raw, Mapping):
        raise ParameterError(f"grid must be a table ([grid]); got {type(raw).__name__}.")
    names = ", ".join(p.name for p in kind.params)
    for key in raw:
        if kind.param(key) is None:
            raise ParameterError(
                f"grid.{key} is not a parameter of task {kind.name!r}; it takes {names}."
            )
        if key in RESERVED_COLUMNS:
            raise ParameterError(f"grid.{key} clashes with a results column; rename it.")
    out, neutral = [], neutral_defaults(kind)
    for param in kind.params:
        key = f"grid.{param.name}"
        if param.name not in raw:
            if param.required:
                doc = f" ({param.doc})" if param.doc else ""
                raise ParameterError(f"{key} is required for task {kind.name!r}{doc}.")
            if param.name not in neutral:  # a neutral default stays out of the digest too
                out.append((param.name, param.default))
            continue
        value = raw[param.name]
        if isinstance(value, list):
            if not value:
                raise ParameterError(f"{key} must be a value or a non-empty list; got [].")
            values = tuple(param.check(f"{key}[{i}]", v) for i, v in enumerate(value))
            if len(set(map(repr, values))) != len(values):
                raise ParameterError(f"{key} lists a value twice; got {value!r}.")
            out.append((param.name, values))
        else:
            out.append((param.name, param.check(key, value)))
    return tuple(out)


def _parse_learners(kind: TaskKind, raw: Any) -> tuple[LearnerSpec, ...]:
    if raw is None:
        if kind.learners == "required":
            raise ParameterError(
                f"learners is required for task {kind.name!r}: add at least one "
                '[[learners]] table with a name (for example name = "mean").'
            )
        return ()
    if kind.learners == "none":
        raise ParameterError(f"learners is not used by task {kind.name!r}; remove [[learners]].")
    if not isinstance(raw, list) or not raw:
        raise ParameterError("learners must be a non-empty array of tables ([[learners]]).")
    parsed = []
    for i, entry in enumerate(raw):
        key = f"learners[{i}]"
        if not isinstance(entry, Mapping):
            raise ParameterError(f"{key} must be a table; got {entry!r}.")
        for k in entry:
            if k not in _LEARNER_KEYS:
                raise ParameterError(
                    f"{key}.{k} is not a learner key; the keys are {', '.join(_LEARNER_KEYS)}."
                )
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ParameterError(f"{key}.name is required and must be a string; got {name!r}.")
        params = entry.get("params", {})
        if not isinstance(params, Mapping):
            raise ParameterError(f"{key}.params must be a table; got {params!r}.")
        label = entry.get("label", "")
        if not isinstance(label, str):
            raise ParameterError(f"{key}.label must be a string; got {label!r}.")
        if kind.check_learner is not None:
            try:
                kind.check_learner(name, dict(params))
            except ParameterError as exc:
                raise ParameterError(f"{key} ({name}): {exc}") from None
        items = tuple(sorted(_freeze(dict(params), f"{key}.params")))
        parsed.append((name, items, label))
    seen: dict[tuple[str, Any], int] = {}
    for i, (name, items, _) in enumerate(parsed):
        if (name, items) in seen:
            raise ParameterError(
                f"learners[{i}] repeats learners[{seen[(name, items)]}] ({name} with the same "
                "params); use repetitions for more trials."
            )
        seen[(name, items)] = i
    names = [n for n, _, _ in parsed]
    out = []
    for name, items, label in parsed:
        if not label:
            label = name
            if names.count(name) > 1:
                inner = ",".join(f"{k}={json.dumps(_thaw(v))}" for k, v in items)
                label = f"{name}({inner})"
        out.append(LearnerSpec(name=name, params_items=items, label=label))
    labels = [lr.label for lr in out]
    for i, label in enumerate(labels):
        if labels.index(label) != i:
            raise ParameterError(
                f"learners[{i}].label {label!r} is used twice; labels must differ."
            )
    return tuple(out)
