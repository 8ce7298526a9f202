"""The ``learn`` kind: regression advantage of a learner on a periodic neuron or its network.

A trial draws a secret direction, builds the target (the periodic neuron, or the capped ReLU
network of mathematics section 3), trains the learner on noisy samples and measures its advantage
``1 - MSE / Var f`` on fresh inputs (:func:`hardlearn.metrics.evaluate_learner`).

Trials of the ``mlp`` learner that agree in shapes and shared hyper-parameters
(:func:`group_key`) can be trained as one batch (:func:`run_task_group`, built on
:mod:`hardlearn.learners.batched_eval`), with the metrics they would have alone.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn._rng import spawn, task_generator
from hardlearn.errors import ParameterError
from hardlearn.experiments.framework import (
    Param,
    Record,
    TaskKind,
    environment,
    execute,
    jsonable_metrics,
    now_stamp,
)
from hardlearn.experiments.kinds._common import (
    activation_param,
    check_learner,
    flatten,
    noise_law_param,
)

if TYPE_CHECKING:  # pragma: no cover
    from hardlearn.experiments.spec import Task

__all__ = ["LEARN", "group_key", "run_task_group", "CURVE_SAMPLES", "CURVE_MLP_PARAMS"]

#: Training samples and MLP hyper-parameters of the default demo's learn curve (the MLP's
#: advantage against the frequency, :data:`hardlearn.experiments.demo.SIZES` ``"default"``,
#: with this kind's defaults ``test_samples`` 20000 and ``noise`` 0.01). ``hardlearn learn``
#: defaults to them too, so that its numbers and the demo's figure agree (issue 15).
CURVE_SAMPLES = 4000
CURVE_MLP_PARAMS: Mapping[str, Any] = {"width": 128, "steps": 1500, "batch_size": 256,
                                       "lr": 3e-3}


def _learn_setup(task: Task, rng: np.random.Generator) -> tuple[Any, Any, np.random.Generator]:
    """Draw the secret and build ``(learner, problem, evaluation generator)`` of a learn trial."""
    from hardlearn.learners.registry import make_learner
    from hardlearn.problems.clwe import random_direction
    from hardlearn.problems.network import capped_periodic_network
    from hardlearn.problems.periodic import PeriodicNeuron, get_activation
    from hardlearn.problems.regression import NoisyRegression

    p = task.params
    secret_rng, eval_rng = spawn(rng, 2)
    w = random_direction(p["dim"], rng=secret_rng)
    act = get_activation(p["activation"])
    if p["target"] == "network":
        target: Any = capped_periodic_network(w, p["freq"], p["radius"], activation=act)
    else:
        target = PeriodicNeuron(w, p["freq"], act)
    problem = NoisyRegression(target, p["noise"], noise_law=p.get("noise_law", "gaussian"))
    # a learner with an activation hyper-parameter (lattice-pl, exhaustive) gets the trial's
    learner = make_learner(task.learner_name or "", task.learner_params, target=target,
                           activation=p["activation"])
    return learner, problem, eval_rng


def _learn_metrics(out: Mapping[str, Any]) -> dict[str, Any]:
    metrics = flatten(out, drop=("train_samples", "test_samples"))
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


def group_key(task: Task) -> tuple[Any, ...] | None:
    """Trials with the same key can be trained as one batch (:func:`run_task_group`).

    ``learn`` trials of the ``mlp`` learner whose dimension, sample counts and shared MLP
    parameters agree (all but :data:`hardlearn.learners._mlp_params.BATCH_FREE`, the rule
    :func:`~hardlearn.learners.batched_eval.batch_key` applies to the learners); None for every
    other trial.

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
    from hardlearn.learners._mlp_params import BATCH_FREE

    p = task.params
    shared = tuple(sorted(
        (k, repr(v)) for k, v in task.learner_params.items() if k not in BATCH_FREE
    ))
    return ("learn-mlp", p["dim"], p["samples"], p["test_samples"], shared)


def run_task_group(tasks: Sequence[Task]) -> list[Record]:
    """Run ``learn`` trials of equal :func:`group_key` with their MLPs trained as one batch.

    Each trial's learner, problem and generator are built exactly as a trial run alone builds
    them, and :func:`hardlearn.learners.batched_eval.evaluate_learners_batched` returns what
    ``evaluate_learner`` would, so the stored metrics are those of the trials run one at a
    time (up to float rounding; ``seconds`` is the trial's share of the group's time). A
    trial whose set-up or evaluation raises, or every trial if the batched training itself
    fails, is run alone, which records its error as usual.

    Each trial is held to its own ``budget_seconds``: its network may train for what is left
    of it once the group's set-up is done, and one that reaches it stops while the others go
    on (``BatchedMLP``'s ``network_max_seconds``). Such a trial is stored with status
    ``"timeout"`` (the budget is a safety net; steps and early stopping are the stopping
    rules that reproduce), keeping the metrics of the network it had then, whose
    ``fit_stopped_reason`` is ``"time"``.
    """
    from hardlearn.learners.batched_eval import batch_key, evaluate_learners_batched

    tasks = list(tasks)
    t0 = time.perf_counter()
    started = now_stamp()
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
        spent = time.perf_counter() - t0
        limits = [max(b[0].budget_seconds - spent, _MIN_TRAINING_SECONDS) for b in built]
        try:
            outs = evaluate_learners_batched(
                [b[1] for b in built], [b[2] for b in built],
                train_samples=p["samples"], test_samples=p["test_samples"],
                rngs=[b[3] for b in built], return_exceptions=True, time_limits=limits,
            )
        except Exception:  # e.g. out of memory: fall back to one trial at a time
            outs = [None] * len(built)
        share = (time.perf_counter() - t0) / len(built)
        env = environment()
        for (task, *_), out, limit in zip(built, outs, limits, strict=True):
            if not isinstance(out, Mapping):
                alone.append(task)
                continue
            record = Record(task_id=task.task_id, status="ok", host=env["host"],
                            versions=env["versions"], started=started)
            record.metrics = jsonable_metrics(_learn_metrics(out))
            if out.get("fit_stopped_reason") == "time" and _budget_binds(task, limit):
                record.status = "timeout"
                record.error_type = "Timeout"
                record.error_message = (
                    f"trial reached budget_seconds={task.budget_seconds:g} while its network "
                    f"trained in a batch (stopped after {out.get('fit_steps')} steps; the "
                    "batch's other networks went on); raise budget_seconds or lower steps"
                )
            record.seconds = share
            record.finished = now_stamp()
            records[task.task_id] = record
    else:
        alone.extend(b[0] for b in built)
    for task in alone:
        records[task.task_id] = execute(task, lambda _: LEARN)
    return [records[t.task_id] for t in tasks]


#: Least training time (s) a batched network is given when the group's set-up has already
#: used up its trial's budget: it then stops at its first step, and the trial is stored as
#: a timeout. A floor, not a measurement: ``network_max_seconds`` must be positive.
_MIN_TRAINING_SECONDS = 1e-3


def _budget_binds(task: Task, limit: float) -> bool:
    """Whether a stop on time at ``limit`` is the trial's budget, not the learner's own
    ``max_seconds`` (a rule it follows alone too, stored as a normal ``ok`` trial)."""
    own = task.learner_params.get("max_seconds")
    return own is None or limit < float(own)


def _check_learn(params: dict[str, Any]) -> None:
    from hardlearn._validation import check_allocation
    from hardlearn.problems.network import check_network_size
    from hardlearn.problems.periodic import get_activation

    # sizes refused when the sweep file is read, before any trial allocates them
    check_allocation("grid.samples x grid.dim", (params["samples"], params["dim"]))
    check_allocation("grid.test_samples x grid.dim", (params["test_samples"], params["dim"]))
    if params["target"] == "network":
        act = get_activation(params["activation"])
        if not act.piecewise_linear:
            raise ParameterError(
                "grid.target = 'network' needs a piecewise-linear grid.activation (a ReLU "
                "network equals only those, mathematics 3; for the cosine take its interpolant "
                f"'cosine-interpolant:Q'); got {params['activation']!r}."
            )
        check_network_size(params["radius"], params["dim"], act.breakpoints_per_period)


#: The kind, as the registry holds it.
LEARN = TaskKind(
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
            doc="the periodic neuron, or its capped ReLU network (width 4R+1 for the "
                "triangle wave, about 2Rp+2 for p kinks a period)",
        ),
        Param("radius", "int", 8, minimum=1, doc="R of the capped network"),
        activation_param(),
        noise_law_param(),
    ),
    learners="required",
    preload=("hardlearn.metrics", "hardlearn.learners"),
    description="regression advantage 1 - MSE / Var f of each learner (mathematics section 1)",
    check_learner=check_learner,
    check_trial=_check_learn,
    group_key=group_key,
    run_group=run_task_group,
)
