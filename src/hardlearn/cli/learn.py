"""Commands that run learners: ``learn`` (population MSE, advantage) and ``distinguish``
(the reduction of mathematics section 4: a learner as a CLWE distinguisher, with its advantage).

Problem parameters not given on the command line default to the regime calculator's values
for ``--dim`` (:func:`hardlearn.regimes.lzz_regime`); the ones given are passed to it, so the
derived ones (for example the radius of the capped network) stay consistent.
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hardlearn._format import fmt
from hardlearn.cli._common import (
    JSON_HELP,
    QUIET_HELP,
    SEED_HELP,
    emit_json,
    parse_params,
    progress_bar,
    time_limit_bar,
)
from hardlearn.cli.foundation import ACTIVATION_HELP
from hardlearn.errors import ParameterError

# NumPy, SciPy and the package's numerical modules are imported inside the commands, so
# that ``hardlearn --help`` loads none of them (tests/test_cli_startup.py checks it).

__all__ = ["register"]

_LEARNER_HELP = (
    "Learner: mean | oracle | ridge | kernel | rf | mlp | lattice | lattice-pl | exhaustive, "
    "a plug-in pkg.module:Name, "
    "or an entry point (`hardlearn learners` lists them; see `--param`)."
)
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
    return fmt(value, 6)


def _print_table(title: str, rows: dict[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("quantity")
    table.add_column("value")
    for key, value in rows.items():
        table.add_row(key, _fmt(value))
    Console().print(table)


def _check_learner_name(name: str) -> None:
    from hardlearn.learners.registry import LEARNERS, is_plugin_name

    if name not in LEARNERS and not is_plugin_name(name):
        options = ", ".join(repr(n) for n in LEARNERS)
        raise ParameterError(
            f"--learner must be one of {options}, a plug-in pkg.module:Name or an entry "
            f"point (see `hardlearn learners`); got {name!r}."
        )


def learners(
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """List the learners available by name: built-in ones and those plugged in.

    Any `pkg.module:Name` works too (a class, a factory or an instance with fit/predict).
    """
    from hardlearn.learners.registry import available_learners

    table = available_learners()
    if json_out:
        emit_json(table)
        return
    _print_table("learners (also: any pkg.module:Name)", table)


def learn(
    learner: Annotated[str, typer.Option(help=_LEARNER_HELP)] = "mlp",
    dim: Annotated[int, typer.Option(help="Input dimension d.")] = 16,
    freq: Annotated[
        float | None, typer.Option(help="Frequency of the target (default 2 sqrt(d) / sqrt(2 pi)).")
    ] = None,
    radius: Annotated[
        int | None, typer.Option(help="Radius R of the capped network (default: width rule).")
    ] = None,
    samples: Annotated[int | None, typer.Option(
        help="Training samples (default 4000, as the demo's learn curve).")] = None,
    test_samples: Annotated[
        int, typer.Option(help="Fresh inputs for the population MSE (the demo's 20000).")
    ] = 20_000,
    noise: Annotated[float | None, typer.Option(
        help="Label noise sigma (default 0.01, as the demo's learn curve).")] = None,
    noise_law: Annotated[str, typer.Option(help=_NOISE_LAW_HELP)] = "gaussian",
    target: Annotated[
        TargetKind,
        typer.Option(help="network: the capped ReLU network of the activation (g_R for the "
                          "triangle wave); neuron: phi(freq <w, x>)."),
    ] = TargetKind.network,
    activation: Annotated[str, typer.Option(help=ACTIVATION_HELP)] = "triangle",
    param: Annotated[list[str] | None, typer.Option("--param", help=_PARAM_HELP)] = None,
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    confidence: Annotated[float, typer.Option(help="Level of the intervals.")] = 0.95,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
    data: Annotated[
        Path | None,
        typer.Option(help="Train on this data file (X, y; from `hardlearn sample regression` "
                          "or `suite make`) instead of drawing data."),
    ] = None,
    test: Annotated[
        Path | None,
        typer.Option(help="With --data: the test file (X with y or clean f). Default: the "
                          "last quarter of --data is held out."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Train a learner on the network target and report MSE, trivial MSE and advantage.

    Defaults agree with the demo's learn curve (the MLP's advantage against the frequency):
    4000 training samples, 20000 test inputs, label noise 0.01 and, for `--learner mlp`,
    width 128, 1500 steps, batch 256, learning rate 0.003 (each `--param` overrides one). The
    frequency and the radius come from the regime calculator for `--dim`. The result lists
    every setting. A lattice learner reports its outcome (`recovered`, `not_recovered` or
    `timeout`); one that recovers nothing predicts the training mean, scored as such
    (advantage about 0), exit status 0.

    Example: `hardlearn learn --learner mlp --dim 16 --freq 0.5 --json`, or on the network of
    a piecewise-linear activation `hardlearn learn --learner lattice-pl --dim 6 --noise 1e-9
    --activation pl:0=0,0.25=0.5,0.5=0.25` (`lattice-pl` is told the activation). With
    `--data train.npz [--test test.npz]` the data come from files someone else wrote.
    """
    from hardlearn._rng import as_generator, spawn
    from hardlearn._validation import check_allocation, check_int, check_real
    from hardlearn.conventions import freq_to_gamma
    from hardlearn.experiments.kinds.learn import CURVE_MLP_PARAMS, CURVE_SAMPLES, LEARN
    from hardlearn.learners.registry import make_learner
    from hardlearn.metrics import evaluate_learner
    from hardlearn.problems.activation_spec import activation_spec, parse_activation
    from hardlearn.problems.clwe import random_direction
    from hardlearn.problems.network import capped_periodic_network
    from hardlearn.problems.periodic import PeriodicNeuron
    from hardlearn.problems.regression import NoisyRegression
    from hardlearn.regimes import lzz_regime

    _check_learner_name(learner)
    act = parse_activation(activation, key="--activation")
    if data is not None:  # someone else's data: the activation only tells the learner
        result = _learn_from_files(learner, parse_params(param), data, test, seed, confidence,
                                   activation=act)
        if json_out:
            emit_json(result)
        else:
            _print_table(f"{learner} on {data}", result)
        return
    if target is TargetKind.network and not act.piecewise_linear:
        raise ParameterError(
            "--target network needs a piecewise-linear --activation (a ReLU network equals "
            "only those; for the cosine take its interpolant cosine-interpolant:Q, or use "
            f"--target neuron); got --activation {activation}."
        )
    if test is not None:
        raise ParameterError("--test needs --data (the training file); got only --test.")
    if freq is not None:  # checked here so the message names --freq, not the derived gamma
        check_real("--freq", freq, low=0, low_open=True)
    check_int("--dim", dim, minimum=1)
    check_int("--test-samples", test_samples, minimum=1)
    check_allocation("--test-samples x --dim", (test_samples, dim))
    if samples is not None:
        check_allocation("--samples x --dim", (samples, dim))
    samples_v = CURVE_SAMPLES if samples is None else samples
    check_int("--samples", samples_v, minimum=1)
    check_allocation("training samples x --dim (default 4000 samples)", (samples_v, dim))
    # the radius's tail-mass target depends on the sample count, so the regime gets it too
    regime = lzz_regime(dim, gamma=None if freq is None else freq_to_gamma(freq),
                        samples=samples_v)
    freq_v = regime.freq
    noise_v = {p.name: p.default for p in LEARN.params}["noise"] if noise is None else noise
    radius_v = regime.radius if radius is None else radius
    gen = as_generator(seed)
    secret_rng, run_rng = spawn(gen, 2)
    w = random_direction(dim, rng=secret_rng)
    if target is TargetKind.network:
        f: Any = capped_periodic_network(w, freq_v, radius_v, activation=act)
    else:
        f = PeriodicNeuron(w, freq_v, act)
    problem = NoisyRegression(f, noise_v, noise_law=noise_law)
    params = parse_params(param)
    if learner == "mlp":
        params = {**CURVE_MLP_PARAMS, **params}
    shown = dict(params)  # what the user sees as settings (not the progress switch)
    show = not (quiet or json_out)
    if show and learner == "mlp":
        params.setdefault("progress", True)  # the MLP's own bar: steps, with the time left
    estimator = make_learner(learner, params, target=f, activation=act)
    if learner == "mlp":
        import torch  # noqa: F401  (imported here so its import time is not charged to the fit)
    limit = getattr(estimator, "time_limit", None) if learner == "lattice" else None
    t0 = time.perf_counter()
    with time_limit_bar("lattice attack", limit, enabled=show and limit is not None):
        out = evaluate_learner(
            estimator,
            problem,
            train_samples=samples_v,
            test_samples=test_samples,
            rng=run_rng,
            confidence=confidence,
        )
    if "learner_status" in out:  # an attack that found nothing is an outcome, not an error
        out = {"outcome": out.pop("learner_status"), **out}
    result = {
        "learner": learner,
        "params": shown if learner != "oracle" else {},
        "dim": dim,
        "freq": freq_v,
        "radius": radius_v if target is TargetKind.network else None,
        "width": f.width if target is TargetKind.network else None,
        "target": target.value,
        "activation": activation_spec(act),
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


#: Share of a --data file held out for testing when no --test file is given.
_HOLDOUT_SHARE = 0.25


def _learn_from_files(
    learner: str, params: dict[str, Any], data: Path, test: Path | None, seed: int,
    confidence: float, activation: Any = "triangle",
) -> dict[str, Any]:
    """Fit on the file ``data`` and score on ``test`` (or on a held-out part of ``data``).

    A learner with an ``activation`` parameter the params leave unset (``lattice-pl``,
    ``exhaustive``) is told ``activation``; one that may find nothing reports its outcome.

    The test MSE is against the clean target ``f`` when the test file has it, else against
    the noisy labels ``y``; the trivial MSE is the variance of that reference on the test
    rows (the metadata's exact ``target_variance`` when scoring against ``f``).
    """
    import numpy as np

    from hardlearn._rng import as_generator
    from hardlearn.datasets import load_dataset
    from hardlearn.learners.registry import make_learner
    from hardlearn.metrics import (
        advantage,
        advantage_interval,
        learner_status,
        mean_ci,
        predict_fitted,
        seed_learner,
    )

    arrays, meta = load_dataset(data)
    for name in ("X", "y"):
        if name not in arrays:
            raise ParameterError(
                f"--data {str(data)!r} must hold arrays X and y (a regression data file); it "
                f"holds {sorted(arrays)}."
            )
    X, y = np.asarray(arrays["X"], dtype=np.float64), np.asarray(arrays["y"], dtype=np.float64)
    if test is None:
        cut = X.shape[0] - max(2, int(round(_HOLDOUT_SHARE * X.shape[0])))
        if cut < 1:
            raise ParameterError(f"--data {str(data)!r} has too few rows to hold some out.")
        X, y, X_test, ref = X[:cut], y[:cut], X[cut:], y[cut:]
        reference, test_meta = "y", meta
    else:
        t_arrays, test_meta = load_dataset(test)
        reference = "f" if "f" in t_arrays else "y"
        if "X" not in t_arrays or reference not in t_arrays:
            raise ParameterError(
                f"--test {str(test)!r} must hold X and f (clean target) or y (labels); it "
                f"holds {sorted(t_arrays)}."
            )
        X_test = np.asarray(t_arrays["X"], dtype=np.float64)
        ref = np.asarray(t_arrays[reference], dtype=np.float64)
    if X_test.shape[1] != X.shape[1]:
        raise ParameterError(
            f"the test inputs have {X_test.shape[1]} columns, the training inputs {X.shape[1]}."
        )
    estimator = seed_learner(make_learner(learner, params, activation=activation),
                             as_generator(seed))
    t0 = time.perf_counter()
    estimator.fit(X, y)
    seconds = time.perf_counter() - t0
    pred = np.asarray(predict_fitted(estimator, X_test), dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(pred)):
        raise ParameterError(f"learner {learner!r} predicted nan or inf on the test inputs.")
    mse = mean_ci((pred - ref) ** 2, confidence)
    exact = reference == "f" and "target_variance" in test_meta
    trivial = float(test_meta["target_variance"]) if exact else float(np.var(ref))
    status = learner_status(estimator)
    return {
        "learner": learner, "params": params, "data": str(data),
        **({} if status is None else {"outcome": status}),
        "test": None if test is None else str(test), "reference": reference,
        "train_samples": int(X.shape[0]), "test_samples": int(X_test.shape[0]),
        "dim": int(X.shape[1]), "seed": seed,
        "mse": mse.mean, "mse_ci": mse.ci, "trivial_mse": trivial,
        "trivial_mse_exact": exact,
        "advantage": advantage(mse.mean, trivial),
        "advantage_ci": advantage_interval(mse.ci, trivial),
        "seconds": seconds,
    }


def _distinguish_file(
    learner: str, params: dict[str, Any], data: Path, noise: float, eps: float,
    holdout: int | float, seed: int, activation: Any = "triangle",
) -> dict[str, Any]:
    """One decision of the distinguisher on the CLWE (or null) samples in ``data``."""
    import numpy as np

    from hardlearn.datasets import load_dataset
    from hardlearn.problems.clwe import CLWESamples
    from hardlearn.reduction import Distinguisher

    arrays, meta = load_dataset(data)
    if "y" not in arrays or "z" not in arrays or np.asarray(arrays["y"]).ndim != 2:
        raise ParameterError(
            f"--data {str(data)!r} must hold CLWE samples y (m, d) and z (m,) (from `hardlearn "
            f"sample clwe` or `sample null`); it holds {sorted(arrays)}."
        )
    samples = CLWESamples(np.asarray(arrays["y"], dtype=np.float64),
                          np.asarray(arrays["z"], dtype=np.float64))
    dist = Distinguisher(learner, activation, noise, eps=eps, holdout=holdout, params=params)
    decision = dist.decide(samples, rng=seed)
    return {
        "learner": learner, "params": params, "data": str(data),
        "file_kind": meta.get("kind"), "dim": samples.dim, "seed": seed,
        "decision": decision.label, "loss": decision.loss, "loss_se": decision.loss_se,
        "threshold": decision.threshold, "train_samples": decision.train_samples,
        "holdout_samples": decision.holdout_samples, "seconds": decision.seconds,
    }


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
    activation: Annotated[str, typer.Option(
        help=ACTIVATION_HELP[:-1] + " (the forward map's labels phi(z); --noise-bits needs "
             "triangle).")] = "triangle",
    param: Annotated[list[str] | None, typer.Option("--param", help=_PARAM_HELP)] = None,
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    confidence: Annotated[float, typer.Option(help="Level of the intervals.")] = 0.95,
    noise_bits: Annotated[
        int | None,
        typer.Option(help="Exponentially small noise: exact CLWE samples with noise 2^-BITS "
                          "(triangle wave, no added label noise; replaces --beta/--noise)."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Decide once on the CLWE or null samples in this file (from "
                          "`hardlearn sample clwe|null`) instead of running trials."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Run a learner as a CLWE distinguisher and report its advantage with intervals.

    Example: `hardlearn distinguish --learner oracle --dim 20 --trials 20 --json`. With
    `--noise-bits 200` the samples are exact and the noise 2^-200: there the lattice learner
    (`--learner lattice`) distinguishes, at polynomial noise it does not.
    """
    from hardlearn.problems.activation_spec import parse_activation
    from hardlearn.reduction import default_eps, estimate_advantage
    from hardlearn.regimes import lzz_regime

    _check_learner_name(learner)
    act = parse_activation(activation, key="--activation")
    if noise_bits is not None and act.name != "triangle":
        raise ParameterError(
            "--noise-bits (exact samples) needs --activation triangle (the exact forward map "
            "is tri(z) = min(z, 1 - z) in integers); for another activation give --beta and a "
            f"small --noise; got --activation {activation}."
        )
    regime = lzz_regime(dim, gamma=gamma, sigma=noise, samples=samples, eps=eps,
                        noise_law=noise_law, activation=act)
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
    eps_v = default_eps(regime.eps, act) if eps is None else eps
    holdout_v: int | float = int(holdout) if holdout >= 1 else holdout
    params = parse_params(param)
    if data is not None:
        one = _distinguish_file(learner, params, data, regime.sigma if noise is None else noise,
                                eps_v, holdout_v, seed, act)
        if json_out:
            emit_json(one)
        else:
            _print_table(f"{learner} as a CLWE distinguisher on {data}", one)
        return
    with progress_bar("trials", trials, enabled=not (json_out or quiet)) as update:
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
            progress=lambda done, _total: update(done),
            noise_law=regime.noise_law,
            activation=act,
        )
    result = {"params": params, "seed": seed, **est.as_dict()}
    if json_out:
        emit_json(result)
        return
    shown = {k: v for k, v in result.items() if k not in ("losses_clwe", "losses_null")}
    _print_table(f"{learner} as a CLWE distinguisher, d = {dim}", shown)


def register(app: typer.Typer) -> None:
    """Add ``learn``, ``distinguish`` and ``learners`` to ``app``."""
    app.command()(learn)
    app.command()(distinguish)
    app.command()(learners)
