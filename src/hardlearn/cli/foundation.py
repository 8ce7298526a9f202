"""Commands for the hard instance itself: ``params``, ``sample``, ``construct``, ``verify``."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hardlearn._format import fmt
from hardlearn.cli._common import JSON_HELP, SEED_HELP, emit_json

# The commands import NumPy, SciPy and the package's modules inside their bodies, so that
# ``hardlearn --help`` loads none of them (tests/test_cli_startup.py checks it).

__all__ = ["register", "ACTIVATION_HELP"]

#: Help of every ``--activation`` option (the syntax of hardlearn.problems.activation_spec,
#: written out: importing it costs NumPy's import time).
ACTIVATION_HELP = (
    "Periodic activation: triangle | cosine | trapezoid | tent:P (peak 1/2 at P) | "
    "cosine-interpolant:Q | pl:B=V,B=V,... (value V at breakpoint B of one period, "
    "e.g. pl:0=0,0.25=0.5,0.5=0.25)."
)

#: Names of :data:`hardlearn.regimes.PRESETS` and :data:`hardlearn.verification.CHECKS`,
#: written out for the option help (importing those modules costs SciPy's import time);
#: tests/test_cli_startup.py checks they are the registries' keys, in order.
PRESET_NAMES = ("lzz-polynomial", "lzz-superpoly-0.25", "lzz-superpoly-0.49")
CHECK_NAMES = (
    "network_identity", "network_torch", "mismatch_rate", "tri_uniform_variance",
    "cos_gaussian_mean", "target_variance", "hclwe_marginal", "hclwe_density",
    "hclwe_orthogonal_variance", "clwe_residual", "null_uniform", "gaussian_shift_tv",
    "noise_laws", "piecewise_linear", "conventions",
)


class SampleKind(StrEnum):
    """Distributions ``hardlearn sample`` can draw."""

    clwe = "clwe"
    hclwe = "hclwe"
    null = "null"
    regression = "regression"


def _fmt(value: Any) -> str:
    return fmt(value, 6)


def params(
    dim: Annotated[int, typer.Option(help="Input dimension d.")],
    gamma: Annotated[float | None, typer.Option(help="CLWE gamma (default 2 sqrt(d)).")] = None,
    sigma: Annotated[float | None, typer.Option(help="Label noise (default d^-2).")] = None,
    samples: Annotated[int | None, typer.Option(help="Samples m (default d^2).")] = None,
    eps: Annotated[float | None, typer.Option(help="Weak-learning margin (default 1/d).")] = None,
    eta: Annotated[
        float | None, typer.Option(help="Super-polynomial regime: sigma = 2^(-d^eta).")
    ] = None,
    tail: Annotated[float | None, typer.Option(help="Tail-mass target of the network.")] = None,
    preset: Annotated[
        str | None, typer.Option(help=f"A named regime: {', '.join(PRESET_NAMES)}.")
    ] = None,
    noise_law: Annotated[
        str,
        typer.Option(help="Label-noise law at std sigma: gaussian | laplace | uniform | "
                          "student-t:NU | logistic | discrete."),
    ] = "gaussian",
    activation: Annotated[
        str,
        typer.Option(help=ACTIVATION_HELP[:-1] + "; the width is its capped network's (the "
                          "cosine's, that of its q-piece interpolating network)."),
    ] = "triangle",
    pieces: Annotated[
        int | None,
        typer.Option(help="Cosine only: pieces q a period of the interpolating network "
                          "(default: the fewest whose error fits a third of the TV budget)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Print the parameters of the hard instance for a dimension, each with its formula.

    Example: `hardlearn params --dim 64`, `hardlearn params --dim 64 --eta 0.25`,
    `hardlearn params --dim 64 --preset lzz-superpoly-0.49`, or
    `hardlearn params --dim 64 --activation pl:0=0,0.25=0.5,0.5=0.25`.
    """
    from hardlearn._validation import check_choice, check_int
    from hardlearn.errors import ParameterError
    from hardlearn.estimate import instance_security
    from hardlearn.regimes import FIELDS, PRESETS, lzz_regime

    named = dict(PRESETS[check_choice("preset", preset, tuple(PRESETS))]) if preset else {}
    if eta is not None:
        named["eta"] = eta
    from hardlearn.problems.activation_spec import parse_activation

    act = parse_activation(activation, key="--activation")
    if pieces is not None:
        if act.name != "cosine":
            raise ParameterError(f"--pieces applies to --activation cosine only; got "
                                 f"--activation {activation} --pieces {pieces}.")
        check_int("--pieces", pieces, minimum=2)
    regime = lzz_regime(
        dim, gamma=gamma, sigma=sigma, samples=samples, eps=eps, tail=tail,
        noise_law=noise_law, activation=act, pieces=pieces, **named
    )
    security = instance_security(regime)
    if json_out:
        emit_json({**regime.as_dict(), "predicted_attack": security})
        return
    table = Table(title=f"LZZ hard instance, d = {dim}")
    for col in ("field", "value", "formula", "source"):
        table.add_column(col)
    for name, value in regime.as_dict().items():
        formula, source = FIELDS[name]
        table.add_row(name, _fmt(value), escape(formula), source)
    Console().print(table)
    Console().print(_security_table(dim, security))


def _security_table(dim: int, security: dict) -> Table:
    """The predicted cheapest lattice attack on the instance (``hardlearn.estimate``)."""
    table = Table(title=f"predicted cheapest lattice attack at d = {dim} (hardlearn estimate; "
                        f"{security['cost_model']})")
    table.add_column("quantity")
    targets = {"clwe": "CLWE layer (noise beta / sqrt(2 pi), labels mod 1)",
               "learning": "learning problem (label noise sigma, triangle labels)"}
    live = {k: v for k, v in security.items() if k in targets and v is not None}
    for key in live:
        table.add_column(targets[key])

    def row(name: str, fmt) -> None:
        table.add_row(name, *(fmt(v) for v in live.values()))

    row("noise bits p (noise 2^-p)", lambda v: f"{v['noise_bits']:.2f}")
    row("LLL threshold at the best sample count (bits)",
        lambda v: f"{v['lll_threshold_bits']:.1f} (m = {v['best_samples']})")
    row("LLL recovers", lambda v: "yes" if v["lll_recovers"] else "no")
    row("BKZ block size needed", lambda v: "beyond full enumeration"
        if v["block_size_needed"] is None else str(v["block_size_needed"]))
    row("cost, core-SVP bits (classical / quantum)", lambda v: "-"
        if v["block_size_needed"] is None else
        f"{v['cost_bits_classical']:.1f} / {v['cost_bits_quantum']:.1f}")
    row("LLL learns this regime up to d =", lambda v: str(v["lll_learnable_up_to_dim"])
        if v["lll_learnable_up_to_dim"] else f"at no d <= {v['searched_up_to_dim']}")
    return table


def sample(
    kind: Annotated[SampleKind, typer.Argument(help="clwe | hclwe | null | regression.")],
    out: Annotated[Path, typer.Option(help="Output file, .npz or .parquet.")],
    dim: Annotated[int, typer.Option(help="Dimension.")] = 16,
    samples: Annotated[int, typer.Option(help="Number of samples.")] = 1000,
    gamma: Annotated[float | None, typer.Option(help="gamma (default 2 sqrt(d)).")] = None,
    beta: Annotated[float | None, typer.Option(help="beta (default: regime).")] = None,
    freq: Annotated[
        float | None, typer.Option(help="regression: frequency (default gamma/sqrt(2 pi)).")
    ] = None,
    radius: Annotated[
        int | None, typer.Option(help="regression: network radius R (default: regime).")
    ] = None,
    noise: Annotated[float | None, typer.Option(help="regression: label noise sigma.")] = None,
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    secret_out: Annotated[
        Path | None, typer.Option(help="Also write the secret to this file (.npz/.parquet).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Draw a data set and write it with its parameters as metadata.

    The secret is not stored in the data file; `--secret-out` writes it to a separate file.
    Example: `hardlearn sample clwe --dim 32 --samples 10000 --seed 1 --out clwe.npz`.
    """
    from hardlearn._rng import as_generator
    from hardlearn._validation import check_allocation, check_int
    from hardlearn.datasets import save_dataset
    from hardlearn.errors import HardlearnError
    from hardlearn.problems.clwe import CLWE, HomogeneousCLWE, NullCLWE, random_direction
    from hardlearn.problems.network import capped_periodic_network
    from hardlearn.problems.regression import NoisyRegression
    from hardlearn.regimes import lzz_regime, radius_for_tail

    check_int("--dim", dim, minimum=1)
    check_int("--samples", samples, minimum=1, hint="(an empty data file is of no use)")
    check_allocation("--samples x --dim", (samples, dim))
    regime = lzz_regime(dim, gamma=gamma, sigma=noise)
    gen = as_generator(seed)
    secret_gen, data_gen = gen.spawn(2)
    secret = random_direction(dim, rng=secret_gen)
    gamma_v = regime.gamma
    beta_v = regime.beta if beta is None else beta
    if beta_v is None:  # the (Gaussian) regime always has a beta
        raise HardlearnError(f"the regime at d = {dim} has no CLWE noise beta.")
    meta: dict[str, Any] = {"kind": kind.value, "dim": dim, "samples": samples, "seed": seed}
    if kind is SampleKind.clwe:
        s = CLWE(secret, gamma_v, beta_v).sample(samples, rng=data_gen)
        arrays = {"y": s.y, "z": s.z}
        meta.update(gamma=gamma_v, beta=beta_v, normalisation="BRST21")
    elif kind is SampleKind.null:
        s = NullCLWE(dim).sample(samples, rng=data_gen)
        arrays = {"y": s.y, "z": s.z}
        meta.update(normalisation="BRST21")
    elif kind is SampleKind.hclwe:
        arrays = {"y": HomogeneousCLWE(secret, gamma_v, beta_v).sample(samples, rng=data_gen)}
        meta.update(gamma=gamma_v, beta=beta_v, normalisation="BRST21")
    else:
        freq_v = regime.freq if freq is None else freq
        radius_v = radius if radius is not None else radius_for_tail(freq_v, regime.tail_target)
        problem = NoisyRegression(capped_periodic_network(secret, freq_v, radius_v), regime.sigma)
        X, y = problem.sample(samples, rng=data_gen)
        arrays = {"X": X, "y": y}
        meta.update(
            freq=freq_v, radius=radius_v, width=4 * radius_v + 1, noise_std=regime.sigma,
            target="capped triangle network", target_variance=problem.target_variance(),
        )
    path = save_dataset(out, arrays, meta)
    if secret_out is not None:
        save_dataset(secret_out, {"secret": secret}, {"kind": "secret", "for": str(path)})
    summary = {"out": str(path), **{k: v for k, v in meta.items()}}
    if secret_out is not None:
        summary["secret_out"] = str(secret_out)
    if json_out:
        emit_json(summary)
    else:
        typer.echo(f"wrote {samples} {kind.value} samples (dim {dim}) to {path}")


def construct(
    dim: Annotated[int, typer.Option(help="Dimension d.")] = 32,
    freq: Annotated[float | None, typer.Option(help="Frequency (default 2 sqrt(d)/sqrt(2 pi)).")]
    = None,
    radius: Annotated[int | None, typer.Option(help="Radius R (default: regime width rule).")]
    = None,
    samples: Annotated[int, typer.Option(help="Gaussian inputs for the mismatch rate.")] = 200_000,
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Build the capped ReLU network that equals the periodic neuron and measure the match.

    Reports the width 4R+1, the largest |net - tri(clip)| on a dense grid and on Gaussian
    inputs, and the measured mismatch rate against erfc(R / (sqrt 2 freq)).
    """
    from hardlearn._rng import as_generator
    from hardlearn._validation import check_allocation, check_int
    from hardlearn.problems.clwe import random_direction
    from hardlearn.regimes import lzz_regime, radius_for_tail
    from hardlearn.verification import measure_network

    regime = lzz_regime(dim)
    freq_v = regime.freq if freq is None else freq
    radius_v = radius if radius is not None else radius_for_tail(freq_v, regime.tail_target)
    check_int("samples", samples, minimum=1)
    check_allocation("--samples x --dim", (samples, dim))
    gen = as_generator(seed)
    secret = random_direction(dim, rng=gen)
    start = time.perf_counter()
    measured = measure_network(secret, freq_v, radius_v, samples, gen)
    result = {"dim": dim, "freq": freq_v, "radius": radius_v, **measured,
              "seconds": time.perf_counter() - start}
    if json_out:
        emit_json(result)
        return
    table = Table(title="capped periodic network")
    table.add_column("quantity")
    table.add_column("value")
    for k, v in result.items():
        table.add_row(k, _fmt(v))
    Console().print(table)


def verify(
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    scale: Annotated[int, typer.Option(help="Multiply every sample size by this.")] = 1,
    check: Annotated[
        list[str] | None, typer.Option(help=f"Run only these checks: {', '.join(CHECK_NAMES)}.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Check every closed form of mathematics section 7 numerically; exit status 1 on a failure.

    Monte Carlo checks pass within 5 standard errors, KS tests at level 1e-4.
    """
    from hardlearn.verification import run_checks

    checks = run_checks(seed=seed, scale=scale, names=check)
    failed = [c for c in checks if not c.passed]
    if json_out:
        emit_json({"passed": not failed, "checks": [c.as_dict() for c in checks]})
    else:
        table = Table(title="mathematics section 7 checks")
        for col in ("claim", "expected", "measured", "pass"):
            table.add_column(col)
        for c in checks:
            table.add_row(escape(c.claim), escape(c.expected), escape(c.measured),
                          "[green]pass[/]" if c.passed else "[red]FAIL[/]")
        Console().print(table)
    if failed:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(params)
    app.command()(sample)
    app.command()(construct)
    app.command()(verify)
