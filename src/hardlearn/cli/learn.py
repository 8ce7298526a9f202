"""Commands that run learners: ``learn`` (population MSE, advantage) and ``distinguish``
(the reduction of SPEC section 4: a learner as a CLWE distinguisher, with its advantage).

Problem parameters not given on the command line default to the regime calculator's values
for ``--dim`` (:func:`hardlearn.regimes.lzz_regime`); the ones given are passed to it, so the
derived ones (for example the radius of the capped network) stay consistent.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hardlearn._rng import as_generator, spawn
from hardlearn.cli._common import JSON_HELP, SEED_HELP, emit_json, parse_params
from hardlearn.conventions import freq_to_gamma
from hardlearn.errors import ParameterError
from hardlearn.problems.clwe import random_direction
from hardlearn.problems.network import capped_periodic_network
from hardlearn.problems.periodic import PeriodicNeuron
from hardlearn.problems.regression import NoisyRegression
from hardlearn.regimes import lzz_regime

__all__ = ["register"]

_LEARNER_HELP = "Learner: mean | oracle | ridge | kernel | rf | mlp | lattice (see `--param`)."
_NOISE_LAW_HELP = (
    "Label-noise law at standard deviation sigma: gaussian | laplace | uniform | "
    "student-t:NU (NU > 2) | logistic | discrete."
)
_PARAM_HELP = (
    "Learner hyper-parameter as name=value (repeatable), e.g. --param width=256 "
    "--param lr=1e-3. Values are read as JSON when they parse."
)


class TargetKind(StrEnum):
    """Targets ``hardlearn learn`` can use."""

    network = "network"
    neuron = "neuron"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return "-" if value is None else str(value)


def _print_table(title: str, rows: dict[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("quantity")
    table.add_column("value")
    for key, value in rows.items():
        table.add_row(key, _fmt(value))
    Console().print(table)


def _check_learner_name(name: str) -> None:
    from hardlearn.learners.registry import LEARNERS

    if name not in LEARNERS:
        options = ", ".join(repr(n) for n in LEARNERS)
        raise ParameterError(f"--learner must be one of {options}; got {name!r}.")


def learn(
    learner: Annotated[str, typer.Option(help=_LEARNER_HELP)] = "mlp",
    dim: Annotated[int, typer.Option(help="Input dimension d.")] = 16,
    freq: Annotated[
        float | None, typer.Option(help="Frequency of the target (default 2 sqrt(d) / sqrt(2 pi)).")
    ] = None,
    radius: Annotated[
        int | None, typer.Option(help="Radius R of the capped network (default: width rule).")
    ] = None,
    samples: Annotated[int | None, typer.Option(help="Training samples (default d^2).")] = None,
    test_samples: Annotated[
        int, typer.Option(help="Fresh inputs for the population MSE.")
    ] = 100_000,
    noise: Annotated[float | None, typer.Option(help="Label noise sigma (default d^-2).")] = None,
    noise_law: Annotated[str, typer.Option(help=_NOISE_LAW_HELP)] = "gaussian",
    target: Annotated[
        TargetKind,
        typer.Option(help="network: the capped ReLU network g_R; neuron: tri(freq <w, x>)."),
    ] = TargetKind.network,
    param: Annotated[list[str] | None, typer.Option("--param", help=_PARAM_HELP)] = None,
    seed: Annotated[int, typer.Option(help=SEED_HELP)] = 0,
    confidence: Annotated[float, typer.Option(help="Level of the intervals.")] = 0.95,
    progress: Annotated[bool, typer.Option(help="Show a progress bar while training.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Train a learner on the network target and report MSE, trivial MSE and advantage.

    Example: `hardlearn learn --learner mlp --dim 16 --freq 0.5 --radius 8 --samples 20000
    --noise 0.01 --seed 0 --json`.
    """
    from hardlearn.learners.registry import make_learner
    from hardlearn.metrics import evaluate_learner

    _check_learner_name(learner)
    regime = lzz_regime(
        dim,
        gamma=None if freq is None else freq_to_gamma(freq),
        sigma=noise if noise is None or noise > 0 else None,
        samples=samples,
    )
    freq_v = regime.freq
    noise_v = regime.sigma if noise is None else noise
    samples_v = regime.samples
    radius_v = regime.radius if radius is None else radius
    gen = as_generator(seed)
    secret_rng, run_rng = spawn(gen, 2)
    w = random_direction(dim, rng=secret_rng)
    if target is TargetKind.network:
        f: Any = capped_periodic_network(w, freq_v, radius_v)
    else:
        f = PeriodicNeuron(w, freq_v)
    problem = NoisyRegression(f, noise_v, noise_law=noise_law)
    params = parse_params(param)
    if progress and learner == "mlp":
        params.setdefault("progress", True)
    estimator = make_learner(learner, params, target=f)
    if learner == "mlp":
        import torch  # noqa: F401  (imported here so its import time is not charged to the fit)
    t0 = time.perf_counter()
    out = evaluate_learner(
        estimator,
        problem,
        train_samples=samples_v,
        test_samples=test_samples,
        rng=run_rng,
        confidence=confidence,
    )
    result = {
        "learner": learner,
        "params": params if learner != "oracle" else {},
        "dim": dim,
        "freq": freq_v,
        "radius": radius_v if target is TargetKind.network else None,
        "width": (4 * radius_v + 1) if target is TargetKind.network else None,
        "target": target.value,
        "noise": noise_v,
        "noise_law": problem.noise_law,
        "seed": seed,
        **out,
        "total_seconds": time.perf_counter() - t0,
    }
    if json_out:
        emit_json(result)
        return
    _print_table(f"{learner} on the d = {dim} {target.value} target", result)


def distinguish(
    learner: Annotated[str, typer.Option(help=_LEARNER_HELP)] = "mlp",
    dim: Annotated[int, typer.Option(help="CLWE dimension n.")] = 20,
    gamma: Annotated[float | None, typer.Option(help="CLWE gamma (default 2 sqrt(d)).")] = None,
    beta: Annotated[
        float | None, typer.Option(help="CLWE beta (default: regime's TV budget).")
    ] = None,
    noise: Annotated[float | None, typer.Option(help="Label noise sigma (default d^-2).")] = None,
    noise_law: Annotated[str, typer.Option(help=_NOISE_LAW_HELP)] = "gaussian",
    eps: Annotated[
        float | None,
        typer.Option(help="Decision margin eps (default min(1/d, Var_U phi(U) / 2)).")
    ] = None,
    samples: Annotated[
        int | None, typer.Option(help="Samples per trial, m + m' (default d^2).")
    ] = None,
    holdout: Annotated[
        float, typer.Option(help="Held-out part m': a fraction in (0, 1) or a count >= 1.")
    ] = 0.25,
    trials: Annotated[int, typer.Option(help="Trials per hypothesis (CLWE and null).")] = 20,
    param: Annotated[list[str] | None, typer.Option("--param", help=_PARAM_HELP)] = None,
    seed: Annotated[int, typer.Option(help=SEED_HELP)] = 0,
    confidence: Annotated[float, typer.Option(help="Level of the intervals.")] = 0.95,
    noise_bits: Annotated[
        int | None,
        typer.Option(help="Exponentially small noise: exact CLWE samples with noise 2^-BITS "
                          "(triangle wave, no added label noise; replaces --beta/--noise)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Run a learner as a CLWE distinguisher and report its advantage with intervals.

    Example: `hardlearn distinguish --learner oracle --dim 20 --trials 20 --json`. With
    `--noise-bits 200` the samples are exact and the noise 2^-200: there the lattice learner
    (`--learner lattice`) distinguishes, at polynomial noise it does not.
    """
    from hardlearn.reduction import default_eps, estimate_advantage

    _check_learner_name(learner)
    regime = lzz_regime(dim, gamma=gamma, sigma=noise, samples=samples, eps=eps,
                        noise_law=noise_law)
    if noise_bits is None and beta is None and regime.beta is None:
        raise ParameterError(
            f"--noise-law {regime.noise_law}: the regime calculator has no beta to offer (the "
            f"reduction {regime.reduction}); give --beta explicitly."
        )
    if noise_bits is not None and (beta is not None or noise is not None):
        raise ParameterError(
            "--noise-bits replaces --beta and --noise (exact samples carry the noise 2^-BITS "
            f"and no label noise is added); got --beta {beta!r}, --noise {noise!r}."
        )
    beta_v = None if noise_bits is not None else (regime.beta if beta is None else beta)
    eps_v = default_eps(regime.eps) if eps is None else eps
    holdout_v: int | float = int(holdout) if holdout >= 1 else holdout
    params = parse_params(param)
    bar = None
    if not json_out:
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task("trials", total=trials)
        bar.start()
    try:
        est = estimate_advantage(
            learner,
            params=params,
            dim=dim,
            gamma=regime.gamma,
            beta=beta_v,
            noise_bits=noise_bits,
            noise_std=0.0 if noise_bits is not None else regime.sigma,
            eps=eps_v,
            samples=regime.samples,
            holdout=holdout_v,
            trials=trials,
            rng=seed,
            confidence=confidence,
            progress=None if bar is None else (lambda done, _t: bar.update(task, completed=done)),
            noise_law=regime.noise_law,
        )
    finally:
        if bar is not None:
            bar.stop()
    result = {"params": params, "seed": seed, **est.as_dict()}
    if json_out:
        emit_json(result)
        return
    shown = {k: v for k, v in result.items() if k not in ("losses_clwe", "losses_null")}
    _print_table(f"{learner} as a CLWE distinguisher, d = {dim}", shown)


def register(app: typer.Typer) -> None:
    """Add ``learn`` and ``distinguish`` to ``app``."""
    app.command()(learn)
    app.command()(distinguish)
