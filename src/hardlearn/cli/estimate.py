"""``hardlearn estimate``: what the prediction model says about a lattice attack."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated

import typer

from hardlearn.cli._common import JSON_HELP, emit_json
from hardlearn.cli.attack import LabelKind
from hardlearn.errors import HardlearnError, ParameterError

__all__ = ["register"]


class RegimeName(StrEnum):
    """Noise levels taken from a regime."""

    lzz = "lzz"


def estimate(
    dim: Annotated[int, typer.Option(help="Input dimension d.")],
    noise_bits: Annotated[float | None, typer.Option(
        help="Noise standard deviation 2^-noise_bits of the instance.")] = None,
    regime: Annotated[RegimeName | None, typer.Option(
        help="Take the noise from LZZ's regime at this d (hardlearn params): the CLWE noise "
             "beta / sqrt(2 pi) for clwe labels, the label noise sigma for triangle and "
             "cosine labels, and its samples d^2.")] = None,
    labels: Annotated[list[LabelKind] | None, typer.Option(
        help="Label kinds (repeat the option; default: clwe and triangle).")] = None,
    samples: Annotated[int | None, typer.Option(
        help="Samples available (default: as many as help, up to 8 d).")] = None,
    block_size: Annotated[list[int] | None, typer.Option(
        help="BKZ block sizes to list (repeat; default 20, 30, 40).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Predict the lattice attack: thresholds, best sample count, block size and cost.

    For each label kind: the largest noise (in bits: noise 2^-p with p at least the
    threshold is recovered) that LLL and BKZ-beta tolerate with the best sample count, and
    with d + 1 samples; with a noise level, whether LLL recovers it, the block size beta
    needed and its core-SVP cost (0.292 beta classical, 0.265 beta quantum). The model:
    `python -c "import hardlearn.estimate; help(hardlearn.estimate)"`.

    Example: `hardlearn estimate --dim 64 --regime lzz`.
    """
    from hardlearn.estimate import estimate_attack

    if dim < 1:
        raise ParameterError(f"--dim must be an integer >= 1; got {dim}.")
    if noise_bits is not None and regime is not None:
        raise ParameterError("give --noise-bits or --regime, not both; got --noise-bits "
                             f"{noise_bits} and --regime {regime.value}.")
    if noise_bits is not None and not (math.isfinite(noise_bits) and noise_bits >= 0):
        raise ParameterError(f"--noise-bits must be a finite number >= 0; got {noise_bits}.")
    kinds = [k.value for k in labels] if labels else ["clwe", "triangle"]
    sizes = tuple(block_size) if block_size else (20, 30, 40)
    for b in sizes:
        if b < 2:
            raise ParameterError(f"--block-size must be an integer >= 2; got {b}.")
    out = []
    for kind in kinds:
        bits, avail = noise_bits, samples
        if regime is not None:
            from hardlearn.regimes import lzz_regime  # SciPy, only when a regime is asked for

            r = lzz_regime(dim)
            std = r.clwe_noise_std if kind == "clwe" else r.sigma
            if std is None:  # the default (Gaussian) regime always has a beta
                raise HardlearnError(f"the regime at d = {dim} has no {kind} noise level.")
            bits = -math.log2(std)
            avail = r.samples if samples is None else samples
        out.append(estimate_attack(dim, bits, kind, avail, block_sizes=sizes).as_dict())
    if json_out:
        emit_json({"estimates": out})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"lattice attack predicted at d = {dim} (noise 2^-p is recovered "
                        "when p >= the threshold)")
    table.add_column("quantity")
    for e in out:
        table.add_column(f"{e['labels']} labels")

    def row(name, fmt):
        table.add_row(name, *(fmt(e) for e in out))

    row("noise bits p of the instance",
        lambda e: "-" if e["noise_bits"] is None else f"{e['noise_bits']:.2f}")
    row("samples available", lambda e: str(e["samples_available"] or "up to 8 d"))
    row("LLL: best sample count m", lambda e: str(e["lll_samples"]))
    row("LLL: threshold at best m (bits)", lambda e: f"{e['lll_threshold_bits']:.1f}")
    row("LLL: threshold at m = d + 1 (bits)", lambda e: f"{e['lll_threshold_bits_d_plus_1']:.0f}")
    row("certificate: least p the data certify", lambda e: f"{e['certificate_bits']:.1f}")
    for b in sizes:
        row(f"BKZ-{b}: threshold (bits) at best m",
            lambda e, b=b: f"{e['bkz_thresholds'][str(b)]['threshold_bits']:.1f} "
                           f"(m = {e['bkz_thresholds'][str(b)]['samples']})")
    if any(e["noise_bits"] is not None for e in out):
        row("LLL recovers this noise", lambda e: str(e["lll_recovers"]))
        row("block size beta needed", lambda e: str(e["block_size_needed"])
            if e["block_size_needed"] is not None else
            f"none: the data certify only p >= {e['certificate_bits']:.1f}"
            if e["noise_bits"] < e["certificate_bits"] else "none (not even full enumeration)")
        row("cost, core-SVP bits (classical / quantum)", lambda e: "-"
            if e["block_size_needed"] is None else
            f"{e['cost_bits_classical']:.1f} / {e['cost_bits_quantum']:.1f}")
    Console().print(table)
    typer.echo("Cost model: core-SVP (ADPS16), one SVP call in dimension beta; beta 2 means "
               "LLL-strength reduction suffices.")


def register(app: typer.Typer) -> None:
    """Add ``estimate`` to the application."""
    app.command("estimate")(estimate)
