"""Task kinds: what one trial of a sweep computes, and :func:`run_task`, which never loses one.

A *task kind* (``learn``, ``distinguish``, ``attack``, ``threshold``, and the test-only
``selftest``) declares the grid parameters it accepts, with their rules and defaults, whether
it needs ``[[learners]]``, and a function ``fn(task, rng) -> metrics``. The sweep file parser
(:mod:`hardlearn.experiments.spec`) validates a file against these declarations, and
:func:`run_task` runs one frozen :class:`~hardlearn.experiments.spec.Task` into a
:class:`Record`: its metrics, or its error type and message. An exception never makes a trial
vanish.

The ``selftest`` kind exists for the engine's own tests and benchmark: it draws one number
from the trial's generator and can sleep, burn CPU, or fail on request. It touches no
mathematics of the package.

Examples
--------
>>> from hardlearn.experiments.spec import parse_spec
>>> spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1, 2]}})
>>> record = run_task(spec.tasks()[0])
>>> record.status, sorted(record.metrics)
('ok', ['advantage', 'success', 'value'])
"""

from __future__ import annotations

import math
import numbers
import platform
import socket
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn._rng import spawn, task_generator
from hardlearn._validation import check_choice, check_int, check_real
from hardlearn.errors import HardlearnError, ParameterError, ReductionTimeout

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = [
    "STATUSES",
    "Param",
    "TaskKind",
    "Record",
    "register_task_kind",
    "get_task_kind",
    "task_kinds",
    "run_task",
    "environment",
]

#: The outcomes a trial can have.
STATUSES = ("ok", "failed", "timeout")

_REQUIRED = object()

#: Packages whose versions every record carries.
_VERSIONED = ("hardlearn", "numpy", "scipy", "scikit-learn", "torch", "fpylll", "python-flint")


@dataclass(frozen=True)
class Param:
    """A grid parameter a task kind accepts: its type, rule and default.

    ``kind`` is one of ``"int"``, ``"real"``, ``"bool"``, ``"str"``. A parameter without a
    default is required in ``[grid]``.

    Examples
    --------
    >>> Param("dim", "int", minimum=1).check("grid.dim", 8)
    8
    >>> Param("dim", "int", minimum=1).check("grid.dim", 0)
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: grid.dim must be an integer >= 1; got 0.
    """

    name: str
    kind: str
    default: Any = _REQUIRED
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""
    open_min: bool = False

    @property
    def required(self) -> bool:
        """Whether the sweep file must give this parameter."""
        return self.default is _REQUIRED

    def check(self, key: str, value: Any) -> Any:
        """Return ``value`` checked against the rule; errors name ``key``."""
        if self.kind == "int":
            out = check_int(key, value, minimum=None if self.minimum is None else int(self.minimum))
            if self.maximum is not None and out > self.maximum:
                raise ParameterError(f"{key} must be an integer <= {self.maximum:g}; got {out}.")
            return out
        if self.kind == "real":
            return check_real(
                key, value, low=self.minimum, high=self.maximum, low_open=self.open_min
            )
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ParameterError(f"{key} must be true or false; got {value!r}.")
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise ParameterError(f"{key} must be a string; got {value!r}.")
            if self.choices is not None:
                check_choice(key, value, self.choices)
            return value
        raise ParameterError(f"parameter kind must be int, real, bool or str; got {self.kind!r}.")


@dataclass(frozen=True)
class TaskKind:
    """A kind of trial: its parameters, its learner policy and its function.

    Parameters
    ----------
    name : str
        The value of ``task`` in a sweep file.
    fn : callable
        ``fn(task, rng) -> dict`` of metrics (numbers, bools, strings or None). Raise
        :class:`~hardlearn.errors.ReductionTimeout` for a cooperative timeout.
    params : tuple of Param
        The ``[grid]`` keys the kind accepts.
    learners : {"required", "optional", "none"}
        Whether ``[[learners]]`` entries are needed, allowed, or refused.
    preload : tuple of str
        Modules a worker imports before its first trial, so import time is not charged to a
        trial's budget.
    description : str
        One line for ``--help`` and error messages.
    check_learner : callable, optional
        ``check_learner(name, params)`` raises :class:`ParameterError` for a learner the kind
        cannot run; called when the sweep file is read.
    check_trial : callable, optional
        ``check_trial(params)`` raises :class:`ParameterError` for a combination of grid
        values the kind cannot run; called for every grid point when the file is read.
    """

    name: str
    fn: Callable[[Task, np.random.Generator], Mapping[str, Any]]
    params: tuple[Param, ...]
    learners: str = "none"
    preload: tuple[str, ...] = ()
    description: str = ""
    check_learner: Callable[[str, dict[str, Any]], None] | None = None
    check_trial: Callable[[dict[str, Any]], None] | None = None

    def param(self, name: str) -> Param | None:
        """The declared parameter ``name``, or None."""
        for p in self.params:
            if p.name == name:
                return p
        return None


_REGISTRY: dict[str, TaskKind] = {}


def register_task_kind(kind: TaskKind) -> TaskKind:
    """Add ``kind`` to the registry (replacing one of the same name) and return it."""
    _REGISTRY[kind.name] = kind
    return kind


def task_kinds() -> tuple[str, ...]:
    """Names of the registered task kinds.

    Examples
    --------
    >>> {"learn", "distinguish", "attack", "threshold", "selftest"} <= set(task_kinds())
    True
    """
    return tuple(sorted(_REGISTRY))


def get_task_kind(name: Any, *, key: str = "task") -> TaskKind:
    """The registered kind ``name``; a :class:`ParameterError` naming ``key`` otherwise."""
    if not isinstance(name, str) or name not in _REGISTRY:
        options = ", ".join(repr(k) for k in sorted(_REGISTRY))
        raise ParameterError(f"{key} must be one of {options}; got {name!r}.")
    return _REGISTRY[name]


@dataclass
class Record:
    """The outcome of one trial, as stored: metrics on success, the error otherwise."""

    task_id: str
    status: str
    metrics: dict[str, Any] = field(default_factory=dict)
    error_type: str | None = None
    error_message: str | None = None
    traceback: str | None = None
    seconds: float = 0.0
    started: str = ""
    finished: str = ""
    host: str = ""
    versions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (for pickling across processes and for the store)."""
        return dict(self.__dict__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_ENVIRONMENT: dict[str, Any] | None = None


def environment() -> dict[str, Any]:
    """Host name and package versions of this process (computed once, then cached)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        versions = {"python": platform.python_version()}
        for pkg in _VERSIONED:
            try:
                versions[pkg] = metadata.version(pkg)
            except metadata.PackageNotFoundError:
                versions[pkg] = "absent"
        _ENVIRONMENT = {"host": socket.gethostname(), "versions": versions}
    return _ENVIRONMENT


def _jsonable(value: Any, key: str) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return _jsonable(value.item(), key)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        out = float(value)
        return out if math.isfinite(out) else None if math.isnan(out) else out
    if isinstance(value, list | tuple):
        return [_jsonable(v, key) for v in value]
    raise ParameterError(
        f"metric {key!r} must be a number, bool, string, None or a list of them; "
        f"got {type(value).__name__}."
    )


def run_task(task: Task) -> Record:
    """Run one trial in this process and return its :class:`Record`; never raises for it.

    The trial's generator is ``task.generator()``. A
    :class:`~hardlearn.errors.ReductionTimeout` becomes status ``"timeout"``; any other
    exception becomes status ``"failed"`` with its type, message and traceback. Hard budgets
    (killing a trial that never returns) are the runner's job.
    """
    env = environment()
    record = Record(task_id=task.task_id, status="ok", host=env["host"], versions=env["versions"])
    record.started = _now()
    t0 = time.perf_counter()
    try:
        kind = get_task_kind(task.kind)
        raw = kind.fn(task, task_generator(task.root_seed, task.key))
        record.metrics = {str(k): _jsonable(v, str(k)) for k, v in dict(raw).items()}
    except ReductionTimeout as exc:
        record.status = "timeout"
        record.error_type = type(exc).__name__
        record.error_message = str(exc)
    except Exception as exc:  # a failed trial is recorded with its error, never dropped
        record.status = "failed"
        record.error_type = type(exc).__name__
        record.error_message = str(exc) or repr(exc)
        if not isinstance(exc, HardlearnError):
            record.traceback = traceback.format_exc(limit=20)
    record.seconds = time.perf_counter() - t0
    record.finished = _now()
    return record


# --------------------------------------------------------------------------------------
# selftest: a cheap kind for the engine's own tests and benchmark (no mathematics).


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


register_task_kind(
    TaskKind(
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
)


# --------------------------------------------------------------------------------------
# shared helpers of the real kinds


def _check_learner(name: str, params: dict[str, Any]) -> None:
    """Build the learner once (cheap: no fitting) so bad names and parameters fail early."""
    from hardlearn.learners.registry import make_learner

    make_learner(name, params, target=_placeholder_target)


def _placeholder_target(X: Any) -> Any:  # pragma: no cover - never called
    return X


def _flatten(metrics: Mapping[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """``name_ci`` pairs become ``name_lo`` / ``name_hi``; ``seconds`` is renamed."""
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        if key in drop:
            continue
        if key.endswith("_ci") and isinstance(value, list | tuple) and len(value) == 2:
            out[f"{key[:-3]}_lo"], out[f"{key[:-3]}_hi"] = float(value[0]), float(value[1])
        elif key == "seconds":
            out["run_seconds"] = value
        else:
            out[key] = value
    return out


def _gamma(params: Mapping[str, Any]) -> float:
    """``gamma`` if > 0, else ``gamma_scale * sqrt(dim)`` (BRST21: ``gamma >= 2 sqrt n``)."""
    if params["gamma"] > 0:
        return float(params["gamma"])
    return float(params["gamma_scale"]) * math.sqrt(params["dim"])


# --------------------------------------------------------------------------------------
# learn: regression advantage of a learner on a periodic neuron or its capped ReLU network


def _learn_setup(task: Task, rng: np.random.Generator) -> tuple[Any, Any, np.random.Generator]:
    """Draw the secret and build ``(learner, problem, evaluation generator)`` of a learn trial."""
    from hardlearn.learners.registry import make_learner
    from hardlearn.problems.clwe import random_direction
    from hardlearn.problems.network import capped_periodic_network
    from hardlearn.problems.periodic import PeriodicNeuron
    from hardlearn.problems.regression import NoisyRegression

    p = task.params
    secret_rng, eval_rng = spawn(rng, 2)
    w = random_direction(p["dim"], rng=secret_rng)
    if p["target"] == "network":
        target: Any = capped_periodic_network(w, p["freq"], p["radius"])
    else:
        target = PeriodicNeuron(w, p["freq"], p["activation"])
    problem = NoisyRegression(target, p["noise"])
    learner = make_learner(task.learner_name or "", task.learner_params, target=target)
    return learner, problem, eval_rng


def _learn_metrics(out: Mapping[str, Any]) -> dict[str, Any]:
    metrics = _flatten(out, drop=("train_samples", "test_samples"))
    metrics["success"] = bool(metrics["advantage_lo"] > 0)
    return metrics


def _learn(task: Task, rng: np.random.Generator) -> dict[str, Any]:
    """Draw a secret, build the target, train the learner, measure its advantage."""
    from hardlearn.metrics import evaluate_learner

    learner, problem, eval_rng = _learn_setup(task, rng)
    p = task.params
    out = evaluate_learner(
        learner, problem, train_samples=p["samples"], test_samples=p["test_samples"],
        rng=eval_rng,
    )
    return _learn_metrics(out)


#: MLP parameters that may differ between the networks of one batch (BatchedMLP).
_PER_NETWORK = frozenset({"lr", "weight_decay", "momentum", "init_scale", "output_scale", "rng"})


def group_key(task: Task) -> tuple[Any, ...] | None:
    """Trials with the same key can be trained as one batch (:func:`run_task_group`).

    ``learn`` trials of the ``mlp`` learner whose dimension, sample counts and shared MLP
    parameters agree; None for every other trial.

    Examples
    --------
    >>> from hardlearn.experiments.spec import parse_spec
    >>> spec = parse_spec({"task": "learn", "root_seed": 0,
    ...     "grid": {"dim": 4, "freq": [0.5, 1.0], "samples": 100},
    ...     "learners": [{"name": "mlp", "params": {"width": 8}}, {"name": "mean"}]})
    >>> keys = [group_key(t) for t in spec.tasks()]
    >>> sum(k is not None for k in keys), len({k for k in keys if k is not None})
    (2, 1)
    """
    if task.kind != "learn" or task.learner_name != "mlp":
        return None
    p = task.params
    shared = tuple(sorted(
        (k, repr(v)) for k, v in task.learner_params.items() if k not in _PER_NETWORK
    ))
    return ("learn-mlp", p["dim"], p["samples"], p["test_samples"], shared)


def run_task_group(tasks: Sequence[Task]) -> list[Record]:
    """Run ``learn`` trials of equal :func:`group_key` with their MLPs trained as one batch.

    Each trial's learner, problem and generator are built exactly as :func:`run_task` builds
    them, and :func:`hardlearn.learners.batched.evaluate_learners_batched` returns what
    ``evaluate_learner`` would, so the stored metrics are those of the trials run one at a
    time (up to float rounding; ``seconds`` is the trial's share of the group's time). A
    trial whose set-up or evaluation raises, or every trial if the batched training itself
    fails, is run alone with :func:`run_task`, which records its error as usual.
    """
    from hardlearn.learners.batched import batch_key, evaluate_learners_batched

    tasks = list(tasks)
    t0 = time.perf_counter()
    started = _now()
    built: list[tuple[Task, Any, Any, np.random.Generator]] = []
    alone: list[Task] = []
    for task in tasks:
        try:
            learner, problem, eval_rng = _learn_setup(
                task, task_generator(task.root_seed, task.key)
            )
        except Exception:  # run alone below, where run_task records the error
            alone.append(task)
            continue
        if batch_key(learner, problem, train_samples=task.params["samples"]) is None:
            alone.append(task)
        else:
            built.append((task, learner, problem, eval_rng))
    records: dict[str, Record] = {}
    if len(built) >= 2:
        p = built[0][0].params
        try:
            outs = evaluate_learners_batched(
                [b[1] for b in built], [b[2] for b in built],
                train_samples=p["samples"], test_samples=p["test_samples"],
                rngs=[b[3] for b in built], return_exceptions=True,
            )
        except Exception:  # e.g. out of memory: fall back to one trial at a time
            outs = [None] * len(built)
        share = (time.perf_counter() - t0) / len(built)
        env = environment()
        for (task, *_), out in zip(built, outs, strict=True):
            if not isinstance(out, Mapping):
                alone.append(task)
                continue
            record = Record(task_id=task.task_id, status="ok", host=env["host"],
                            versions=env["versions"], started=started)
            record.metrics = {
                str(k): _jsonable(v, str(k)) for k, v in _learn_metrics(out).items()
            }
            record.seconds = share
            record.finished = _now()
            records[task.task_id] = record
    else:
        alone.extend(b[0] for b in built)
    for task in alone:
        records[task.task_id] = run_task(task)
    return [records[t.task_id] for t in tasks]


def _check_learn(params: dict[str, Any]) -> None:
    if params["target"] == "network" and params["activation"] != "triangle":
        raise ParameterError(
            "grid.target = 'network' needs grid.activation = 'triangle' (the capped ReLU "
            f"network equals the triangle wave; SPEC section 3); got {params['activation']!r}."
        )


register_task_kind(
    TaskKind(
        name="learn",
        fn=_learn,
        params=(
            Param("dim", "int", minimum=1, doc="input dimension d"),
            Param("freq", "real", minimum=0, open_min=True, doc="frequency of the neuron"),
            Param("samples", "int", minimum=1, doc="training samples m"),
            Param("test_samples", "int", 20_000, minimum=2, doc="fresh inputs for the MSE"),
            Param("noise", "real", 0.01, minimum=0, doc="label noise std sigma"),
            Param(
                "target",
                "str",
                "neuron",
                choices=("neuron", "network"),
                doc="the periodic neuron, or the capped ReLU network of width 4R+1",
            ),
            Param("radius", "int", 8, minimum=1, doc="R of the capped network"),
            Param("activation", "str", "triangle", choices=("triangle", "cosine")),
        ),
        learners="required",
        preload=("hardlearn.metrics", "hardlearn.learners"),
        description="regression advantage 1 - MSE / Var f of each learner (SPEC section 1)",
        check_learner=_check_learner,
        check_trial=_check_learn,
    )
)


# --------------------------------------------------------------------------------------
# distinguish: advantage of the learner-based CLWE distinguisher (SPEC section 4)


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
        gamma=_gamma(p),
        beta=None if exact else p["beta"],
        noise_bits=p["noise_bits"] if exact else None,
        noise_std=0.0 if exact else p["noise"],
        eps=p["eps"],
        samples=p["samples"],
        holdout=holdout,
        trials=p["trials"],
        activation=p["activation"],
        rng=rng,
    )
    out = _flatten(
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
                f"only; got {params['activation']!r}."
            )
        return
    if not 0 < params["beta"] < 1:
        raise ParameterError(
            "grid.beta must satisfy 0 < beta < 1 (or give grid.noise_bits > 0 for exact "
            f"samples); got {params['beta']!r}."
        )


register_task_kind(
    TaskKind(
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
            Param("activation", "str", "triangle", choices=("triangle", "cosine")),
        ),
        learners="required",
        preload=("hardlearn.reduction", "hardlearn.learners"),
        description="advantage P[clwe|CLWE] - P[clwe|null] of the learner-based distinguisher",
        check_learner=_check_learner,
        check_trial=_check_distinguish,
    )
)


# --------------------------------------------------------------------------------------
# attack and threshold: lattice recovery at exponentially small noise (SPEC section 5)

_ATTACK_PARAMS = (
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


def _attack_once(
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
            freq=gamma_to_freq(_gamma(params)),
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


def _remaining(task: Task, t0: float, share: float = 0.9) -> float:
    return share * task.budget_seconds - (time.perf_counter() - t0)


def _attack(task: Task, rng: np.random.Generator) -> dict[str, Any]:
    """Run the lattice attack once at the grid's ``noise_bits``."""
    t0 = time.perf_counter()
    out = _attack_once(task.params, task.params["noise_bits"], rng, _remaining(task, t0))
    if out.get("attack_status") == "timeout" and task.params["time_limit"] <= 0:
        raise ReductionTimeout(
            f"the lattice reduction did not finish within the trial's budget "
            f"({task.budget_seconds:g} s); raise budget_seconds."
        )
    return _flatten(out, drop=("dim", "noise_bits", "labels", "algorithm", "block_size"))


register_task_kind(
    TaskKind(
        name="attack",
        fn=_attack,
        params=(
            _ATTACK_PARAMS[0],
            Param("noise_bits", "int", minimum=0, doc="noise std = 2^-noise_bits"),
            *_ATTACK_PARAMS[1:],
        ),
        learners="none",
        preload=("hardlearn.learners.lattice", "hardlearn.problems.exact"),
        description="lattice recovery of the secret from exact samples (SPEC section 5)",
    )
)


def bisect_threshold(
    succeeds: Callable[[int], bool],
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
    ``bits_low`` already succeeds, ``"above_range"`` when ``bits_high`` fails), ``converged``
    and the ``probes`` made as ``[bits, success]`` pairs. ``deadline()`` returning True stops
    the search early (``converged`` False).

    Examples
    --------
    >>> out = bisect_threshold(lambda b: b >= 37.2, bits_low=0, bits_high=100, resolution=1)
    >>> out["noise_bits"], out["bits_fail"], out["censored"], out["converged"]
    (38, 37, 'none', True)
    """
    if not bits_high > bits_low:
        raise ParameterError(
            f"grid.bits_high must be > grid.bits_low; got {bits_high!r} <= {bits_low!r}."
        )
    levels = max(1, math.ceil((bits_high - bits_low) / resolution))
    probes: list[list[Any]] = []

    def level(k: int) -> int:
        return int(min(bits_low + k * resolution, bits_high))

    def probe(k: int) -> bool:
        ok = bool(succeeds(level(k)))
        probes.append([level(k), ok])
        return ok

    out: dict[str, Any] = {"probes": probes, "converged": False}
    if not probe(levels):
        out.update(noise_bits=None, bits_fail=level(levels), bits_ok=None, censored="above_range")
        out["converged"] = True
        return out
    if probe(0):
        out.update(noise_bits=level(0), bits_fail=None, bits_ok=level(0), censored="below_range")
        out["converged"] = True
        return out
    lo, hi = 0, levels  # lo fails, hi succeeds
    while hi - lo > 1:
        if deadline is not None and deadline():
            break
        mid = (lo + hi) // 2
        if probe(mid):
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

    def succeeds(bits: int) -> bool:
        hits = 0
        for a in range(p["attempts"]):
            # the data at a level depend on the level only, not on the order of the probes
            level_rng = task_generator(base, {"noise_bits": bits, "attempt": a})
            remaining = _remaining(task, t0)
            if remaining <= 0:
                raise ReductionTimeout(
                    f"threshold search used its budget of {task.budget_seconds:g} s at "
                    f"noise_bits={bits:g}; raise budget_seconds or narrow bits_low..bits_high."
                )
            out = _attack_once(p, bits, level_rng, remaining)
            if out.get("attack_status") == "timeout" and _remaining(task, t0) <= 0:
                raise ReductionTimeout(
                    f"threshold search used its budget of {task.budget_seconds:g} s at "
                    f"noise_bits={bits}; raise budget_seconds or narrow bits_low..bits_high."
                )
            seconds.append(float(out.get("seconds", 0.0)))
            hits += out["success"]
        return hits >= needed

    result = bisect_threshold(
        succeeds,
        bits_low=p["bits_low"],
        bits_high=p["bits_high"],
        resolution=p["resolution"],
        deadline=lambda: _remaining(task, t0) <= 0,
    )
    probes = result.pop("probes")
    result["probes"] = len(probes)
    result["probe_bits"] = [b for b, _ in probes]
    result["probe_success"] = [ok for _, ok in probes]
    result["attack_seconds"] = sum(seconds)
    result["success"] = result["noise_bits"] is not None
    return result


def _check_threshold(params: dict[str, Any]) -> None:
    if not params["bits_high"] > params["bits_low"]:
        raise ParameterError(
            f"grid.bits_high must be > grid.bits_low; got bits_low={params['bits_low']!r}, "
            f"bits_high={params['bits_high']!r}."
        )


register_task_kind(
    TaskKind(
        name="threshold",
        fn=_threshold,
        params=(
            *_ATTACK_PARAMS,
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
)
