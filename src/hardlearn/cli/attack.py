"""``hardlearn attack``: learn the neuron exactly by lattice reduction (mathematics section 5)."""

from __future__ import annotations

import math
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from hardlearn.cli._common import JSON_HELP, SEED_HELP, emit_json
from hardlearn.errors import ParameterError

__all__ = ["register", "parse_samples", "run_attack"]


class LabelKind(StrEnum):
    """Label kinds of the exact samplers."""

    clwe = "clwe"
    triangle = "triangle"
    cosine = "cosine"


class Engine(StrEnum):
    """LLL engines."""

    auto = "auto"
    flint = "flint"
    fpylll = "fpylll"


class Reduction(StrEnum):
    """Reduction algorithms."""

    lll = "lll"
    bkz = "bkz"


def parse_samples(text: str, dim: int) -> int:
    """Read ``--samples``: an integer, or ``d+K`` / ``Kd`` / ``Kd+J`` in terms of ``d``.

    Examples
    --------
    >>> parse_samples("d+1", 60), parse_samples("2d", 60), parse_samples("75", 60)
    (61, 120, 75)
    """
    raw = str(text).replace(" ", "").lower()
    try:
        if "d" not in raw:
            value = int(raw)
        else:
            head, _, tail = raw.partition("d")
            factor = int(head) if head else 1
            offset = int(tail) if tail else 0
            value = factor * dim + offset
    except ValueError:
        raise ParameterError(
            f"--samples must be an integer or an expression like d+1, 2d, 2d+5; got {text!r}."
        ) from None
    if value < dim + 1:
        raise ParameterError(
            f"--samples must be at least d + 1 = {dim + 1} (the attack needs a dependence); "
            f"got {text!r} = {value}."
        )
    return value


def run_attack(
    samples: Any,
    *,
    engine: str = "auto",
    reduction: str = "lll",
    block_size: int = 20,
    time_limit: float | None = 300.0,
    scale_bits: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit a :class:`~hardlearn.learners.LatticeRegressor` on exact samples; report a dict.

    ``cosine`` and ``freq_error`` compare with the samples' true secret when they carry it
    (``None`` otherwise); for triangle and cosine labels ``w`` and ``-w`` give the same
    function, so the absolute cosine is reported.
    """
    from hardlearn.learners.lattice import LatticeRegressor

    est = LatticeRegressor(
        labels=samples.kind, engine=engine, reduction=reduction, block_size=block_size,
        time_limit=time_limit, scale_bits=scale_bits, rng=seed,
    )
    t0 = time.perf_counter()
    est.fit_exact(samples)
    seconds = time.perf_counter() - t0
    cosine = freq_error = None
    if est.recovered_ and samples.secret is not None:
        c = float(np.dot(est.secret_, samples.secret))
        cosine = abs(c) if samples.kind != "clwe" else c
        freq_error = abs(est.freq_ - samples.freq)
    return {
        "recovered": bool(est.recovered_),
        "status": est.status_,
        "cosine": cosine,
        "freq_error": freq_error,
        "lattice_dim": int(est.lattice_dim_),
        "engine": est.engine_,
        "reduction": reduction,
        "seconds": seconds,
        "reduction_seconds": est.reduction_seconds_,
        "dim": samples.dim,
        "samples": samples.m,
        "samples_used": int(est.samples_used_),
        "labels": samples.kind,
        "noise_bits": samples.noise_bits,
        "label_bits": samples.label_bits,
        "scale_bits": est.scale_bits_,
        "predicted_scale_bits": round(float(est.predicted_scale_bits_), 1),
        "attempts": len(est.attempts_),
        "log2_expected_false": est.certificate_.get("log2_expected_false"),
        "freq": est.freq_,
    }


def attack(
    dim: Annotated[int | None, typer.Option(help="Input dimension d (generated data).")] = None,
    noise_bits: Annotated[
        int | None, typer.Option(help="Noise standard deviation 2^-noise_bits.")
    ] = None,
    labels: Annotated[LabelKind, typer.Option(help="Label kind.")] = LabelKind.clwe,
    samples: Annotated[str, typer.Option(help="Samples: an integer, d+1, 2d, ...")] = "d+1",
    engine: Annotated[Engine, typer.Option(help="LLL engine.")] = Engine.auto,
    reduction: Annotated[Reduction, typer.Option(help="LLL or BKZ.")] = Reduction.lll,
    block_size: Annotated[int, typer.Option(help="BKZ block size.")] = 20,
    time_limit: Annotated[float, typer.Option(help="Seconds for the reduction.")] = 300.0,
    scale_bits: Annotated[
        int | None, typer.Option(help="Fix log2 M (default: chosen by the rule).")
    ] = None,
    freq: Annotated[
        float | None, typer.Option(help="Frequency (default gamma = 2 sqrt d).")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="Attack a saved exact data file (.npz / .parquet).")
    ] = None,
    save: Annotated[
        Path | None, typer.Option(help="Also save the generated data to this file.")
    ] = None,
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Recover the periodic neuron exactly by lattice reduction (exponentially small noise).

    Example: `hardlearn attack --dim 60 --noise-bits 500 --labels clwe --json`, or
    `hardlearn attack --data samples.npz`.
    """
    from hardlearn.problems.exact import load_exact, sample_exact

    if data is not None:
        if dim is not None or noise_bits is not None:
            raise ParameterError(
                "--data attacks a saved file; do not combine it with --dim or --noise-bits "
                f"(got --dim {dim}, --noise-bits {noise_bits})."
            )
        exact = load_exact(data)
    else:
        if dim is None or noise_bits is None:
            raise ParameterError(
                "attack needs --dim and --noise-bits to generate data, or --data FILE; "
                f"got --dim {dim}, --noise-bits {noise_bits}."
            )
        if dim < 1:
            raise ParameterError(f"--dim must be an integer >= 1; got {dim}.")
        if noise_bits < 1:
            raise ParameterError(f"--noise-bits must be an integer >= 1; got {noise_bits}.")
        m = parse_samples(samples, dim)
        exact = sample_exact(dim, m, labels=labels.value, noise_bits=noise_bits, rng=seed,
                             freq=freq)
        if save is not None:
            exact.save(save)
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise ParameterError(f"--time-limit must be a positive number of seconds; got "
                             f"{time_limit}.")
    report = run_attack(
        exact, engine=engine.value, reduction=reduction.value, block_size=block_size,
        time_limit=time_limit, scale_bits=scale_bits, seed=seed,
    )
    if json_out:
        emit_json(report)
        return
    table = Table(title=f"lattice attack: d = {exact.dim}, {exact.kind} labels, "
                        f"noise 2^-{exact.noise_bits}, m = {exact.m}")
    table.add_column("quantity")
    table.add_column("value")
    for key in ("status", "recovered", "cosine", "freq_error", "samples_used", "lattice_dim",
                "engine",
                "reduction", "scale_bits", "predicted_scale_bits", "attempts", "seconds",
                "log2_expected_false"):
        value = report[key]
        text = f"{value:.6g}" if isinstance(value, float) else str(value)
        table.add_row(key, text)
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``attack`` to the application."""
    app.command("attack")(attack)
