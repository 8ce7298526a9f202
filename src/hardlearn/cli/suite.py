"""``hardlearn suite``: list, make, evaluate, score, verify, reveal, leaderboard.

The instances and their files are :mod:`hardlearn.suite`; ``evaluate`` runs the ``suite``
task kind through the sweep engine (workers, resume, budgets).
"""

from __future__ import annotations

import html
import json
import platform
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hardlearn.cli._common import JSON_HELP, emit_json, parse_params, to_jsonable
from hardlearn.errors import ParameterError

__all__ = ["register"]

suite_app = typer.Typer(help="The hardlearn suite: fixed named instances, scores, leaderboard.",
                        no_args_is_help=True)

_ONLY_HELP = "Only these instances (a full name or a prefix such as v1/d8-; repeatable)."


@suite_app.command("list")
def list_(
    only: Annotated[list[str] | None, typer.Option("--only", help=_ONLY_HELP)] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Show the instances with their parameters, public seeds and sizes."""
    from dataclasses import asdict

    from hardlearn.suite import predicted_attack_cost, suite_instances

    rows = [{**asdict(i), "predicted_attack_cost": predicted_attack_cost(i)}
            for i in suite_instances(only)]
    if json_out:
        emit_json(rows)
        return
    table = Table(title="hardlearn suite (predicted_attack_cost: core-SVP bits of the cheapest "
                        "lattice attack, hardlearn estimate; none: beyond full enumeration)")
    for col in ("name", "dim", "freq", "radius", "noise_std", "train", "test",
                "predicted_attack_cost"):
        table.add_column(col, overflow="fold")
    for r in rows:
        cost = r["predicted_attack_cost"]
        table.add_row(r["name"], str(r["dim"]), f"{r['freq']:.4g}", str(r["radius"]),
                      f"{r['noise_std']:.3g}", str(r["train_samples"]), str(r["test_samples"]),
                      "none" if cost is None else f"{cost:.1f}")
    Console().print(table)


@suite_app.command()
def make(
    directory: Annotated[Path, typer.Argument(help="Output directory.")],
    only: Annotated[list[str] | None, typer.Option("--only", help=_ONLY_HELP)] = None,
    private: Annotated[
        bool, typer.Option(help="Secrets from OS entropy; commitments in the manifest, secrets "
                                "in DIR/secrets.json (keep it apart).")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="npz | parquet.")] = "npz",
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Write the instances' train/test files and a manifest; check the shipped hashes."""
    from hardlearn.suite import make_suite

    manifest = make_suite(directory, only=only, private=private, fmt=fmt)
    if json_out:
        emit_json(manifest)
        return
    checked = "" if private else " (content hashes match the package's)"
    typer.echo(f"wrote {len(manifest['instances'])} instances to {directory}{checked}")


@suite_app.command()
def evaluate(
    directory: Annotated[Path, typer.Argument(help="A directory written by suite make.")],
    learner: Annotated[str, typer.Option(help="Learner name or pkg.module:Name.")] = "mean",
    param: Annotated[list[str] | None, typer.Option("--param", help="name=value.")] = None,
    run_dir: Annotated[
        Path | None, typer.Option(help="Sweep run directory (default DIR/runs/LEARNER).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    executor: Annotated[str, typer.Option(help="local | dask.")] = "local",
    budget: Annotated[float, typer.Option(help="Seconds per instance.")] = 600.0,
    out: Annotated[Path | None, typer.Option(help="Write the leaderboard row here.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Train and score a learner on every instance in DIR through the sweep engine."""
    from hardlearn.experiments import parse_spec, read_results, run_sweep

    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file():
        raise ParameterError(f"{str(directory)!r} has no manifest.json (run suite make first).")
    manifest = json.loads(manifest_path.read_text())
    params = parse_params(param)
    spec = parse_spec({
        "task": "suite", "root_seed": 0, "budget_seconds": budget,
        "name": f"suite evaluate {learner}",
        "grid": {"instance": list(manifest["instances"]),
                 "data_dir": str(directory.resolve())},
        "learners": [{"name": learner, "params": params}],
    })
    label = learner.replace(":", "_").replace("/", "_")
    run = run_dir or directory / "runs" / label
    run_sweep(spec, run, workers=workers, executor=executor)
    keep = ("status", "mse", "mse_lo", "mse_hi", "trivial_mse", "advantage", "advantage_lo",
            "advantage_hi", "fit_seconds", "seconds", "exact_data", "learner_status",
            "error_message")
    per = {r["instance"]: {k: r.get(k) for k in keep} for r in read_results(run)}
    row = _row(learner, params, manifest, per)
    _emit_row(row, out, json_out)


def _row(learner: str, params: dict[str, Any], manifest: dict[str, Any],
         per: dict[str, Any]) -> dict[str, Any]:
    from hardlearn.experiments.framework import environment

    env = environment()
    return {"learner": learner, "params": params, "suite": manifest["suite"],
            "versions": env["versions"], "machine": f"{platform.machine()} {env['host']}",
            "instances": per}


def _emit_row(row: dict[str, Any], out: Path | None, json_out: bool) -> None:
    if out is not None:
        out.write_text(json.dumps(to_jsonable(row), indent=1))
    if json_out:
        emit_json(row)
        return
    table = Table(title=f"{row['learner']} on suite {row['suite']}")
    for col in ("instance", "status", "advantage", "interval", "mse"):
        table.add_column(col)
    for name, r in row["instances"].items():
        adv = r.get("advantage")
        table.add_row(name, str(r.get("status")), "-" if adv is None else f"{adv:.4f}",
                      "-" if adv is None else f"[{r['advantage_lo']:.4f}, {r['advantage_hi']:.4f}]",
                      "-" if adv is None else f"{r['mse']:.4g}")
    Console().print(table)


@suite_app.command()
def score(
    directory: Annotated[Path, typer.Argument(help="A directory written by suite make.")],
    predictions: Annotated[
        Path, typer.Argument(help="Folder of INSTANCE.npy (or .npz with 'pred') test predictions.")
    ],
    learner: Annotated[str, typer.Option(help="Name to put in the leaderboard row.")] = "external",
    out: Annotated[Path | None, typer.Option(help="Write the leaderboard row here.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Score predictions made elsewhere (one file per instance) without running anything."""
    from hardlearn.suite import score_directory

    scored = score_directory(directory, predictions)
    manifest = json.loads((directory / "manifest.json").read_text())
    _emit_row(_row(learner, {}, manifest, scored["instances"]), out, json_out)


@suite_app.command()
def verify(
    directory: Annotated[Path, typer.Argument(help="A private suite directory.")],
    secrets_file: Annotated[Path, typer.Argument(help="The revealed secrets.json.")],
) -> None:
    """Check each revealed secret and salt against the manifest's commitment (exit 1 if not)."""
    from hardlearn.suite import verify_secrets

    checks = verify_secrets(directory, secrets_file)
    for name, ok in checks.items():
        typer.echo(f"{name}: {'ok' if ok else 'MISMATCH'}")
    if not all(checks.values()):
        raise typer.Exit(1)


@suite_app.command()
def reveal(
    directory: Annotated[Path, typer.Argument(help="A private suite directory.")],
    secrets_file: Annotated[Path, typer.Argument(help="The revealed secrets.json.")],
) -> None:
    """Verify the secrets, then write the test targets so `suite score` works."""
    from hardlearn.suite import reveal as do_reveal

    typer.echo(f"verified; wrote {do_reveal(directory, secrets_file)}")


@suite_app.command()
def leaderboard(
    rows: Annotated[list[Path], typer.Argument(help="Leaderboard row files (JSON).")],
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Also write an HTML page.")
    ] = None,
) -> None:
    """Render leaderboard rows side by side: advantage per instance and learner."""
    data = [json.loads(p.read_text()) for p in rows]
    names: list[str] = []
    for d in data:
        names += [n for n in d["instances"] if n not in names]
    table = Table(title="hardlearn suite leaderboard (advantage 1 - MSE / Var f)")
    table.add_column("instance")
    for d in data:
        table.add_column(d["learner"])

    def cell(d: dict[str, Any], n: str) -> str:
        adv = d["instances"].get(n, {}).get("advantage")
        return "-" if adv is None else f"{adv:.3f}"

    for n in names:
        table.add_row(n, *[cell(d, n) for d in data])
    Console().print(table)
    if html_out is not None:
        head = "".join(f"<th>{html.escape(d['learner'])}</th>" for d in data)
        body = "".join(
            f"<tr><td>{html.escape(n)}</td>" + "".join(f"<td>{cell(d, n)}</td>" for d in data)
            + "</tr>" for n in names)
        html_out.write_text(
            "<!doctype html><meta charset='utf-8'><title>hardlearn suite leaderboard</title>"
            f"<table><thead><tr><th>instance</th>{head}</tr></thead><tbody>{body}</tbody>"
            "</table>\n")


def register(app: typer.Typer) -> None:
    """Add the ``suite`` command group to ``app``."""
    app.add_typer(suite_app, name="suite")
