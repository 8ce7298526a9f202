"""``hardlearn demo``: the paper's story on small defaults."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hardlearn.cli._common import SEED_HELP
from hardlearn.regimes import lzz_regime
from hardlearn.verification import run_checks

__all__ = ["register"]


def demo(
    dim: Annotated[int, typer.Option(help="Dimension of the default instance.")] = 32,
    seed: Annotated[int, typer.Option(help=SEED_HELP)] = 0,
) -> None:
    """Build the hard instance for a default dimension, verify it, and print what was done."""
    console = Console()
    regime = lzz_regime(dim)
    console.rule(f"[bold]1. The hard instance, d = {dim}")
    table = Table(show_header=True)
    for col in ("gamma", "beta", "sigma", "freq", "radius R", "width 4R+1", "tail mass",
                "TV bound (m samples)"):
        table.add_column(col)
    table.add_row(*(f"{v:.4g}" for v in (
        regime.gamma, regime.beta, regime.sigma, regime.freq, regime.radius, regime.width,
        regime.tail_mass, regime.tv_total)))
    console.print(table)
    console.rule("[bold]2. The network equals the periodic neuron; the samplers are exact")
    checks = run_checks(seed=seed)
    for c in checks:
        mark = "[green]pass[/]" if c.passed else "[red]FAIL[/]"
        console.print(f"{mark}  {escape(c.claim)}: {escape(c.measured)}")
    if not all(c.passed for c in checks):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command()(demo)
