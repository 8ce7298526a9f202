"""``hardlearn demo``: the paper's whole argument, run and measured, with a report."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hardlearn.cli._common import SEED_HELP, to_jsonable

__all__ = ["register"]


def demo(
    quick: Annotated[bool, typer.Option("--quick", help="Toy sizes (under a minute).")] = False,
    full: Annotated[bool, typer.Option("--full", help="Bigger dimensions (tens of minutes).")]
    = False,
    out: Annotated[Path, typer.Option(help="Directory for the report, figures and stores.")]
    = Path("hardlearn-demo"),
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    workers: Annotated[
        int | None, typer.Option(help="Parallel trials (default: CPU count).", min=1)
    ] = None,
    allow_version_change: Annotated[bool, typer.Option(
        "--allow-version-change",
        help="Resume stores made under other versions of hardlearn, NumPy, torch, fpylll or "
             "python-flint.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print demo.json instead.")] = False,
) -> None:
    """Run the paper's story end to end and write a report you can open.

    1. builds the hard instance (regime, network == periodic neuron);
    2. runs every learner (oracle, mean, ridge, kernel, random features, MLP, lattice) as a
    CLWE distinguisher at polynomial and at exponentially small noise;
    3. measures the lattice attack's noise threshold against d and the MLP's advantage
    against the frequency;
    4. writes report.html, the PNGs, demo.json and the result stores into --out.

    Rerunning the same command resumes from the stores. Exit status 1 if a check of what
    the paper predicts fails on this run's numbers.
    """
    from hardlearn.errors import ParameterError
    from hardlearn.experiments.demo import SIZES, run_demo

    if quick and full:
        raise ParameterError("choose at most one of --quick and --full; got both.")
    size = "quick" if quick else ("full" if full else "default")
    console = Console(stderr=json_out)
    console.rule(f"[bold]hardlearn demo ({size}: {SIZES[size].budget_note})")
    result = run_demo(
        size, out=out, seed=seed, workers=workers, progress=not json_out,
        say=lambda line: console.print(escape(line)), allow_version_change=allow_version_change,
    )
    if json_out:
        typer.echo(json.dumps(to_jsonable(asdict(result)), indent=2))
    else:
        _print_tables(console, result)
    if not result.passed:
        raise typer.Exit(code=1)


def _print_tables(console: Console, result) -> None:
    table = Table(title="every learner as a CLWE distinguisher (advantage, 95 % interval)")
    for col in ("learner", "noise", "n", "advantage", "interval", "P[clwe|CLWE]",
                "P[clwe|null]"):
        table.add_column(escape(col), overflow="fold")
    for r in result.distinguisher:
        table.add_row(
            r["learner"], r["noise"], str(r["trials"]), f"{r['advantage']:.2f}",
            f"[{r['advantage_lo']:.2f}, {r['advantage_hi']:.2f}]",
            f"{r['p_clwe_given_clwe']:.2f}", f"{r['p_clwe_given_null']:.2f}",
        )
    console.print(table)
    th = Table(title="lattice attack: recovers at noise 2^-p for p >= the threshold")
    for col in ("d", "labels", "samples", "p (median)", "range", "poly noise bits (d^-2)"):
        th.add_column(col)
    for t in result.threshold:
        med = t["threshold_bits_median"]
        samples = "best m (model)" if t.get("samples") == "auto" else str(t.get("samples"))
        th.add_row(str(t["dim"]), t["labels"], samples, "-" if med is None else f"{med:g}",
                   "-" if med is None else
                   f"{t['threshold_bits_min']:g}-{t['threshold_bits_max']:g}",
                   f"{t['polynomial_noise_bits']:.1f}")
    console.print(th)
    lt = Table(title="MLP advantage against the frequency")
    for col in ("d", "freq", "hard instance", "n", "advantage", "Student-t interval"):
        lt.add_column(col)
    for r in result.learn:
        if r["advantage_mean"] is None:
            continue
        interval = ("-" if r["advantage_lo"] is None
                    else f"[{r['advantage_lo']:.3f}, {r['advantage_hi']:.3f}]")
        lt.add_row(str(r["dim"]), f"{r['freq']:g}", "yes" if r["paper_freq"] else "",
                   str(r["trials"]), f"{r['advantage_mean']:.3f}", interval)
    console.print(lt)
    st = Table(title="what the paper predicts, on this run's numbers")
    for col in ("claim", "expected", "measured", "pass"):
        st.add_column(col)
    for c in result.story:
        st.add_row(escape(c["claim"]), c["expected"], c["measured"],
                   "[green]pass[/]" if c["passed"] else "[red]FAIL[/]")
    console.print(st)
    console.print(f"report: [bold]{escape(result.report)}[/] (open it in a browser, e.g. "
                  f"`xdg-open {escape(result.report)}`); figures and result stores in "
                  f"{escape(result.out)}/ ({result.seconds:.0f} s)")


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command()(demo)
