"""``hardlearn attack``: learn the neuron exactly by lattice reduction (mathematics section 5).

Options are parsed and results printed here; the attack itself is :mod:`hardlearn.attack`.
"""

from __future__ import annotations

import math
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hardlearn.cli._common import JSON_HELP, QUIET_HELP, SEED_HELP, emit_json, time_limit_bar
from hardlearn.errors import ParameterError

__all__ = ["register"]


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


def attack(
    dim: Annotated[int | None, typer.Option(help="Input dimension d (generated data).")] = None,
    noise_bits: Annotated[
        int | None, typer.Option(help="Noise standard deviation 2^-noise_bits.")
    ] = None,
    labels: Annotated[LabelKind, typer.Option(help="Label kind.")] = LabelKind.clwe,
    samples: Annotated[str, typer.Option(
        help="Samples: auto (the prediction model's best count, the default), d+1, 3d, 2d+5 "
             "or an integer. With --data: how many of the file's samples to use.")] = "auto",
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
    export_lattice: Annotated[Path | None, typer.Option(
        help="Write the embedding basis in fplll's text format to this file (and FILE.json "
             "with what --reduced needs) instead of reducing it.")] = None,
    reduced: Annotated[Path | None, typer.Option(
        help="Finish the attack from this basis, reduced elsewhere (flatter, G6K, fplll), "
             "of the lattice written by --export-lattice (named by --lattice).")] = None,
    lattice: Annotated[Path | None, typer.Option(
        help="With --reduced: the --export-lattice FILE the basis was reduced from.")] = None,
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Recover the periodic neuron exactly by lattice reduction (exponentially small noise).

    Example: `hardlearn attack --dim 60 --noise-bits 500 --labels clwe --json`, or
    `hardlearn attack --data samples.npz`. By default the attack uses the sample count the
    prediction model (`hardlearn estimate`) finds best; `--samples d+1` is SZB21's minimal
    attack. Other solvers: `--export-lattice basis.txt`, reduce `basis.txt` elsewhere, then
    `--reduced reduced.txt --lattice basis.txt`. While it reduces, a bar on stderr shows the
    time spent and the time left until `--time-limit` (an upper bound; `--quiet` hides it).
    """
    from hardlearn.attack import export_lattice as write_lattice
    from hardlearn.attack import finish_reduced, parse_samples, run_attack
    from hardlearn.problems.exact import load_exact, sample_exact

    if reduced is not None:
        if lattice is None or data is not None or dim is not None or export_lattice:
            raise ParameterError(
                "--reduced needs --lattice FILE (the --export-lattice file it was reduced "
                "from) and takes no --data, --dim or --export-lattice; got --lattice "
                f"{lattice}, --data {data}, --dim {dim}."
            )
        exact, report = finish_reduced(reduced, lattice)
        _print(report, exact, json_out)
        return
    if lattice is not None:
        raise ParameterError(f"--lattice goes with --reduced; got --lattice {lattice} alone.")
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise ParameterError(f"--time-limit must be a positive number of seconds; got "
                             f"{time_limit}.")
    if export_lattice is not None:
        folder = export_lattice.parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise ParameterError(f"--export-lattice {str(export_lattice)!r}: the folder "
                                 f"{str(folder)!r} does not exist or is not writable.")
    if data is not None:
        if dim is not None or noise_bits is not None:
            raise ParameterError(
                "--data attacks a saved file; do not combine it with --dim or --noise-bits "
                f"(got --dim {dim}, --noise-bits {noise_bits})."
            )
        exact = load_exact(data)
        used = parse_samples(samples, exact.dim, name="--samples")
        if isinstance(used, int) and used > exact.m:  # else "auto"
            raise ParameterError(f"--samples {samples} = {used} is more than the {exact.m} "
                                 f"samples in {str(data)!r}.")
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
        used = parse_samples(samples, dim, name="--samples")
        if isinstance(used, int):
            m = used
        else:  # "auto"
            from hardlearn.estimate import best_samples

            m = best_samples(dim, None, labels.value, reduction.value, block_size, freq)[0]
        exact = sample_exact(dim, m, labels=labels.value, noise_bits=noise_bits, rng=seed,
                             freq=freq)
        if save is not None:
            exact.save(save)
    if export_lattice is not None:
        samples_file = data if data is not None else save
        if samples_file is None:
            samples_file = Path(f"{export_lattice}.samples.npz")
            exact.save(samples_file)
        side = write_lattice(exact, export_lattice, samples_file=samples_file,
                             samples_used=used, scale_bits=scale_bits,
                             reduction=reduction.value, block_size=block_size)
        if json_out:
            emit_json(side)
        else:
            typer.echo(f"wrote {export_lattice} ({side['rows']} x {side['columns']}, log2 M = "
                       f"{side['scale_bits']}, {side['samples_used']} samples) and "
                       f"{export_lattice}.json; finish with: hardlearn attack --reduced FILE "
                       f"--lattice {export_lattice}")
        return
    with time_limit_bar(f"lattice attack d={exact.dim}", time_limit,
                        enabled=not (quiet or json_out)):
        report = run_attack(
            exact, samples_used=used, engine=engine.value, reduction=reduction.value,
            block_size=block_size, time_limit=time_limit, scale_bits=scale_bits, seed=seed,
        )
    _print(report, exact, json_out)


def _print(report: dict, exact, json_out: bool) -> None:
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
