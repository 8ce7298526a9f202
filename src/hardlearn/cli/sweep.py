"""Commands ``sweep``, ``results``, ``plot`` and ``report``: run a sweep file, read its store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from hardlearn._format import fmt
from hardlearn.cli._common import Interrupted, emit_json, parse_params
from hardlearn.errors import ParameterError

__all__ = ["register"]

_EXECUTOR_HELP = "local: a pool of worker processes here; dask: a Dask cluster."
_FORMATS = ("table", "csv", "parquet")


def sweep(
    file: Path = typer.Argument(..., help="Sweep file (TOML); see examples/*.toml."),
    out: Path = typer.Option(..., "--out", "-o", help="Run directory (created or resumed)."),
    workers: int = typer.Option(
        None, "--workers", "-w", min=1, help="Parallel trials (default: number of CPUs)."
    ),
    executor: str = typer.Option("local", "--executor", help=_EXECUTOR_HELP),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Address of a running Dask scheduler (tcp://host:8786); without it, "
        "--executor dask starts a LocalCluster on 127.0.0.1.",
    ),
    keep_going: bool = typer.Option(
        True,
        "--keep-going/--fail-fast",
        help="Record failed trials and finish the others (default), or stop at the first.",
    ),
    retry_failed: bool = typer.Option(
        False, "--retry-failed", help="Rerun trials stored as failed or timeout."
    ),
    threads: int = typer.Option(1, "--threads", min=1, help="BLAS / torch threads per trial."),
    batch: bool = typer.Option(
        True, "--batch/--no-batch",
        help="Train MLP learn trials that share shapes as one batch (same results, faster).",
    ),
    allow_version_change: bool = typer.Option(
        False, "--allow-version-change",
        help="Resume RUN_DIR although it was made under other versions of hardlearn, NumPy, "
             "torch, fpylll or python-flint (their random streams and numbers may differ).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Run a sweep file: every grid point x learner x repetition is a trial.

    Each finished trial is committed to RUN_DIR/results.sqlite; rerunning the same command
    resumes (finished trials are skipped). Exit status 0 when every trial is ok, 1 when some
    failed or timed out, 2 when the file or the run directory is refused.
    """
    from hardlearn.experiments.runner import EXECUTORS, run_sweep
    from hardlearn.experiments.spec import load_spec

    if executor not in EXECUTORS:
        raise ParameterError(f"--executor must be one of 'local', 'dask'; got {executor!r}.")
    spec = load_spec(file)
    try:
        summary = _run_sweep(run_sweep, spec, out, executor, workers, scheduler, keep_going,
                             retry_failed, threads, batch, quiet, allow_version_change)
    except KeyboardInterrupt:
        raise Interrupted(_kept_line(file, out)) from None
    _summarise(summary, as_json)


def _run_sweep(run_sweep, spec, out, executor, workers, scheduler, keep_going, retry_failed,
               threads, batch, quiet, allow_version_change=False):
    return run_sweep(
        spec,
        out,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        fail_fast=not keep_going,
        retry_failed=retry_failed,
        threads=threads,
        batch=batch,
        progress=not quiet and sys.stderr.isatty(),
        allow_version_change=allow_version_change,
    )


def _kept_line(file: Path, out: Path) -> str:
    """What an interrupted sweep kept, and the command that resumes it."""
    from hardlearn.experiments.store import DB_NAME, Store

    kept = ""
    if (out / DB_NAME).is_file():
        try:
            store = Store.open(out)
            try:
                counts = store.counts()
            finally:
                store.close()
            done = sum(n for status, n in counts.items() if status != "pending")
            kept = f"{done} of {sum(counts.values())} trials are kept in {out / DB_NAME}; "
        except Exception:  # noqa: BLE001 - the line must be printed whatever the store says
            kept = ""
    return (f"interrupted: {kept or 'finished trials are kept; '}rerun "
            f"`hardlearn sweep {file} --out {out}` to resume.")


def _summarise(summary, as_json: bool) -> None:
    """Print the summary of a finished sweep; exit 1 when a trial failed."""
    failure = summary.first_failure
    if as_json:
        emit_json(
            {
                "run_dir": str(summary.run_dir),
                "total": summary.total,
                "skipped": summary.skipped,
                "ran": summary.ran,
                "counts": summary.counts,
                "seconds": summary.seconds,
                "stopped_early": summary.stopped_early,
            }
        )
    else:
        counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items())
        typer.echo(
            f"{summary.total} trials ({summary.skipped} already done, {summary.ran} run in "
            f"{summary.seconds:.1f} s): {counts}. Results in {summary.run_dir}."
        )
    if failure is not None:
        typer.echo(
            f"first problem: trial {failure.task_id} {failure.status}: "
            f"{failure.error_type}: {failure.error_message}",
            err=True,
        )
    if summary.stopped_early:
        typer.echo("stopped at the first failure (--fail-fast); rerun to resume.", err=True)
    if not summary.ok:
        raise typer.Exit(1)


def results(
    run_dir: Path = typer.Argument(..., help="Run directory of a sweep."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or parquet."),
    out: Path = typer.Option(None, "--out", "-o", help="Output file (default: stdout)."),
    status: list[str] = typer.Option(
        None, "--status", help="Keep only these statuses (ok, failed, timeout, pending)."
    ),
) -> None:
    """One row per trial: task_id, status, the parameters, learner, the metrics, seconds."""
    from hardlearn.experiments.store import read_results, write_table

    if fmt not in _FORMATS:
        raise ParameterError(f"--format must be one of 'table', 'csv', 'parquet'; got {fmt!r}.")
    rows = read_results(run_dir, statuses=status or None)
    if fmt == "parquet":
        if out is None:
            raise ParameterError("--format parquet needs --out FILE.parquet.")
        write_table(rows, out, "parquet")
    elif fmt == "csv":
        write_table(rows, out if out is not None else "-", "csv")
    else:
        _print_table(rows, out)


def _print_table(rows: list[dict], out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    hidden = {"learner_params", "seed", "host", "error_message"}
    fixed = {}
    if rows:
        for key in rows[0]:
            values = {json.dumps(r.get(key), sort_keys=True) for r in rows}
            if len(values) == 1 and key not in ("status", "task_id"):
                fixed[key] = rows[0][key]
        hidden |= set(fixed)
    from rich.markup import escape

    cols: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key not in hidden:
                cols.setdefault(key, None)
    if all(row.get("error_type") is None for row in rows):
        cols.pop("error_type", None)
    table = Table(show_lines=False, header_style="bold")
    for col in cols:
        table.add_column(escape(col), overflow="fold")
    for row in rows:
        cells = [escape(_fmt(row.get(c))) for c in cols]  # labels may hold [markup]
        cells[0] = cells[0][:12]  # the id's first 12 hex digits; csv/parquet hold all 32
        table.add_row(*cells)
    if fixed:
        table.caption = "same in every row: " + ", ".join(
            escape(f"{k}={_fmt(v)}") for k, v in fixed.items() if v is not None
        )
    if out is not None:
        with open(out, "w", encoding="utf-8") as handle:
            Console(file=handle, width=200).print(table)
    else:
        Console(width=max(120, 12 * len(cols))).print(table)


def _fmt(value: object) -> str:
    if isinstance(value, list | dict):  # nested values as JSON, so they can be read back
        return json.dumps(value)
    return fmt(value, none="")


def plot(
    run_dir: Path = typer.Argument(..., help="Run directory of a sweep."),
    x: str = typer.Option(..., "--x", help="Column on the horizontal axis (e.g. dim)."),
    y: str = typer.Option(..., "--y", help="Column on the vertical axis (e.g. noise_bits)."),
    color: str = typer.Option(
        None,
        "--color",
        help="Metric to colour a heatmap by (e.g. success, advantage); without it, a curve "
        "of the mean of --y against --x with a confidence band.",
    ),
    group: str = typer.Option(
        "learner", "--group", help="Column that splits curves or heatmap panels."
    ),
    where: list[str] = typer.Option(
        None, "--where", help="Keep rows with column=value (repeatable), e.g. --where freq=1."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .png, .svg or .pdf."),
    title: str = typer.Option(None, "--title", help="Figure title."),
) -> None:
    """Draw a phase diagram (heatmap) or curves with confidence bands from a run directory."""
    from hardlearn.experiments.plots import plot_results, save_figure
    from hardlearn.experiments.store import read_results

    rows = read_results(run_dir)
    with _plain_text():
        fig = plot_results(
            rows, x=x, y=y, color=color, group=group, where=parse_params(where), title=title
        )
        save_figure(fig, out)
    typer.echo(f"wrote {out}")


def report(
    run_dir: Path = typer.Argument(..., help="Run directory of a sweep."),
    out: Path = typer.Option(None, "--out", "-o", help="HTML file (default: RUN_DIR/report.html)."),
) -> None:
    """Write one self-contained HTML page: figures, summary, sweep file, versions, timing."""
    from hardlearn.experiments.report import write_report

    with _plain_text():
        path = write_report(run_dir, out)
    typer.echo(f"wrote {path}")


def _plain_text():
    """Matplotlib settings under which labels from a sweep file are drawn as written.

    Learner labels and titles come from the user; with math text on, a label such as
    ``$\\frac{x$`` would be parsed as TeX and fail when the figure is drawn.
    """
    import matplotlib

    return matplotlib.rc_context({"text.parse_math": False})


def register(app: typer.Typer) -> None:
    """Add ``sweep``, ``results``, ``plot`` and ``report`` to ``app``."""
    app.command("sweep")(sweep)
    app.command("results")(results)
    app.command("plot")(plot)
    app.command("report")(report)
