"""One self-contained HTML page from a run directory: figures, tables, sweep file, versions.

The page has no external resources: the stylesheet is inline and every figure is an
embedded base64 PNG, so it can be mailed, archived, or opened offline. Pages are jinja2
templates (package data in ``hardlearn/experiments/templates``: one stylesheet
``hardlearn.css``, a base page, shared macros) rendered with autoescaping on, by
:func:`render_template`; the demo's page uses the same. Figures are chosen from the task
kind and the swept keys (:func:`default_figures`) and follow the rules of
:mod:`hardlearn.experiments.plots`: a swept key a figure does not draw becomes lines or
panels, and what is still pooled is named in the caption.

Examples
--------
>>> rows = [{"task_id": str(i), "status": "ok", "x": float(i % 3), "learner": None,
...          "advantage": 0.1 * i, "seconds": 0.01} for i in range(6)]
>>> page = render_html(rows, meta={"task": "selftest"}, spec_text="task = 'selftest'",
...                    figures=default_figures(rows, task="selftest", swept=("x",)))
>>> page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
True
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from hardlearn._format import fmt
from hardlearn.errors import ParameterError
from hardlearn.experiments import plots

__all__ = [
    "write_report",
    "render_html",
    "render_template",
    "default_figures",
    "figure_to_base64",
    "column",
    "fmt",
]

#: At most this many panels (lines x facets) before a figure pools the remaining axes.
MAX_PANELS = 9
#: At most this many rows in the per-grid-point table of a sweep report.
MAX_TABLE_ROWS = 300
#: Statuses of a trial, in the order the page lists them.
STATUSES = ("ok", "failed", "timeout", "pending")


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("hardlearn.experiments", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_template(name: str, **context: Any) -> str:
    """Render the page template ``name`` (autoescaped) with ``context``.

    Examples
    --------
    >>> page = render_template("sweep.html.j2", heading="<x>", n_trials=0, meta={},
    ...     status_counts={}, figures=[], per_point=None, problems=[], timing=[],
    ...     spec_text="", versions=[], summary={"columns": [], "rows": []})
    >>> "&lt;x&gt;" in page and "<x>" not in page
    True
    """
    return _environment().get_template(name).render(**context)


def column(name: str, *, left: bool = False) -> dict[str, Any]:
    """A table column for the page templates (``left`` aligns text columns left)."""
    return {"name": name, "left": left}


def figure_to_base64(fig: Figure, *, dpi: int = 110) -> str:
    """PNG bytes of ``fig``, base64-encoded (for a ``data:`` URI)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _numeric_column(rows: Sequence[Mapping[str, Any]], name: str) -> bool:
    vals = [r.get(name) for r in rows if r.get("status") == "ok" and r.get(name) is not None]
    return bool(vals) and all(
        isinstance(v, int | float) and not (isinstance(v, float) and math.isnan(v)) for v in vals
    )


def _main_metric(rows: Sequence[Mapping[str, Any]], task: str) -> str | None:
    preferred = {
        "threshold": ("noise_bits", "success"),
        "attack": ("success", "cosine"),
        "learn": ("advantage",),
        "distinguish": ("advantage",),
    }.get(task, ("advantage", "success"))
    for name in preferred:
        if _numeric_column(rows, name):
            return name
    return None


def _distinct(rows: Sequence[Mapping[str, Any]], key: str) -> list[Any]:
    return sorted({r.get(key) for r in rows if r.get("status") == "ok"}, key=plots._sort_key)


def _split_undrawn(
    rows: Sequence[Mapping[str, Any]], undrawn: Sequence[str], room: int
) -> tuple[list[str], list[str]]:
    """Keys that fit as panels (their value combinations <= ``room``) and keys left pooled."""
    shown: list[str] = []
    pooled: list[str] = []
    combos = 1
    for key in undrawn:
        n = len(_distinct(rows, key))
        if n <= 1:
            continue
        if combos * n <= room:
            shown.append(key)
            combos *= n
        else:
            pooled.append(key)
    return shown, pooled


def _pooled_note(pooled: Sequence[str]) -> str:
    if not pooled:
        return ""
    return (f" Pooled over {', '.join(pooled)} (too many values to draw): each point mixes "
            "their values; see the per-grid-point table.")


def _settings_text(fixed: Mapping[str, Any] | None, learners: Mapping[str, Any] | None) -> dict:
    settings = dict(fixed or {})
    for name, params in (learners or {}).items():
        if params:
            inner = ", ".join(f"{k}={plots._tick(v)}" for k, v in sorted(params.items()))
            settings[f"learner {name}"] = inner
    return settings


def default_figures(
    rows: Sequence[Mapping[str, Any]],
    *,
    task: str,
    swept: Sequence[str],
    fixed: Mapping[str, Any] | None = None,
    learners: Mapping[str, Mapping[str, Any]] | None = None,
    repetitions: int | None = None,
) -> list[tuple[str, Figure]]:
    """Figures that fit a sweep: a phase diagram over the first two numeric swept keys, and
    one curve figure per numeric swept key; for ``threshold`` sweeps first the lattice
    threshold figure (measured against :mod:`hardlearn.estimate`'s prediction).

    No figure averages over a swept key it does not draw: the other swept keys (and the
    learner) become lines and panels, up to :data:`MAX_PANELS`; a key that does not fit is
    named in the caption as pooled. Captions end with every fixed setting (``fixed``, and
    the learners' parameters). Returns ``(caption, figure)`` pairs; an empty list when
    nothing numeric finished.
    """
    metric = _main_metric(rows, task)
    if metric is None:
        return []
    axes = [k for k in swept if _numeric_column(rows, k)]
    several_learners = len(_distinct(rows, "learner")) > 1
    settings = _settings_text(fixed, learners)
    if repetitions:
        settings["repetitions"] = repetitions
    meaning = plots.ADVANTAGE_MEANING.get(task) if metric == "advantage" else None
    what_metric = meaning or plots.QUANTITY_LABELS.get(metric, metric)
    out: list[tuple[str, Figure]] = []
    if task == "threshold" and _numeric_column(rows, "dim"):
        # the measured thresholds beside the prediction model and LZZ's regimes
        from hardlearn.experiments.lattice_plots import THRESHOLD_CAPTION, lattice_threshold_figure

        out.append((plots.settings_caption(THRESHOLD_CAPTION, settings),
                    lattice_threshold_figure(rows)))
    if len(axes) >= 2 and task != "threshold":
        x, y = axes[0], axes[1]
        undrawn = (["learner"] if several_learners else []) + [k for k in swept
                                                              if k not in (x, y)]
        shown, pooled = _split_undrawn(rows, undrawn, MAX_PANELS)
        panels = f" One panel per {', '.join(shown)}." if shown else ""
        out.append((
            plots.settings_caption(
                f"Phase diagram of the mean {what_metric} over {x} and {y}; each cell shows "
                f"the mean and its number of trials.{panels}{_pooled_note(pooled)}", settings),
            plots.heatmap(rows, x=x, y=y, color=metric, group=None, facet=shown),
        ))
    for x in (axes[:1] if task == "threshold" else axes[:2]):
        others = [k for k in swept if k != x]
        group = "learner" if several_learners else None
        if group is None:
            lines = [k for k in others if 1 < len(_distinct(rows, k)) <= MAX_PANELS]
            group = lines[0] if lines else None
        rest = [k for k in others if k != group]
        room = max(1, MAX_PANELS // max(1, len(_distinct(rows, group)) if group else 1))
        shown, pooled = _split_undrawn(rows, rest, min(room, 6))
        desc = f"Mean {what_metric} against {x}"
        if group:
            desc += f", one line per {group}"
        if shown:
            desc += f", one panel per {', '.join(shown)}"
        desc += (". Bands: Student-t 95 % intervals of the mean over the trials at each point "
                 "(Wilson for 0/1 columns); n is in the title.")
        out.append((
            plots.settings_caption(desc + _pooled_note(pooled), settings),
            plots.curves(rows, x=x, y=metric, group=group, facet=shown, task=task),
        ))
    return out


def _per_point_table(
    rows: Sequence[Mapping[str, Any]], metric: str | None, keys: Sequence[str], task: str
) -> dict[str, Any] | None:
    """Mean of ``metric`` at every grid point (swept keys and learner), with its interval."""
    if metric is None:
        return None
    keys = list(keys)
    if len(_distinct(rows, "learner")) > 1 or any(r.get("learner") for r in rows):
        keys = ["learner", *[k for k in keys if k != "learner"]]
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in keys), []).append(r)
    ordered = sorted(groups, key=lambda k: tuple(plots._sort_key(v) for v in k))
    out_rows = []
    binary = plots._is_binary([r.get(metric) for r in rows if r.get("status") == "ok"
                               and r.get(metric) is not None])
    for key in ordered[:MAX_TABLE_ROWS]:
        grp = groups[key]
        vals = [float(r[metric]) for r in grp if r.get("status") == "ok"
                and plots._number(r.get(metric)) is not None]
        if vals:
            m, lo, hi = plots.point_interval(vals, binary=binary)
            interval = "-" if len(vals) == 1 and not binary else f"[{fmt(lo)}, {fmt(hi)}]"
        else:
            m, interval = None, "-"
        out_rows.append([*(fmt(v) for v in key), str(len(vals)), fmt(m), interval,
                         str(len(grp) - len(vals))])
    what = plots.ADVANTAGE_MEANING.get(task, metric) if metric == "advantage" else metric
    legend = {
        "n": "trials with status ok at this grid point (repetitions)",
        f"mean {metric}": f"{what}, averaged over the n trials",
        "95 % interval": ("Wilson score interval of the rate" if binary else
                          "Student-t interval mean +- t_(n-1) sd / sqrt(n); none for n = 1"),
        "not ok": "trials failed, timed out or pending at this point",
    }
    for k in keys:
        if k in plots.QUANTITY_LABELS and plots.QUANTITY_LABELS[k] != k:
            legend[k] = plots.QUANTITY_LABELS[k]
    note = ("Every combination of the swept keys, so nothing here is averaged over an axis "
            "of the sweep.")
    if len(ordered) > MAX_TABLE_ROWS:
        note += f" The first {MAX_TABLE_ROWS} of {len(ordered)} points are shown."
    return {
        "columns": [*(column(k, left=True) for k in keys), column("n"),
                    column(f"mean {metric}"), column("95 % interval"), column("not ok")],
        "rows": out_rows, "legend": legend, "note": note,
    }


def _learner_summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r.get("learner"), []).append(r)
    out = []
    for label, grp in groups.items():
        secs = [float(r["seconds"]) for r in grp if isinstance(r.get("seconds"), int | float)]
        out.append([
            fmt(label if label is not None else "(none)"), str(len(grp)),
            *(str(sum(1 for r in grp if r.get("status") == s)) for s in STATUSES),
            fmt(sum(secs) / len(secs)) if secs else "-",
        ])
    return {
        "columns": [column("learner", left=True), column("trials"),
                    *(column(s) for s in STATUSES), column("mean seconds")],
        "rows": out,
        "legend": {"mean seconds": "wall time of one trial, averaged over its trials "
                                   "(a timing, not a result)"},
    }


def render_html(
    rows: Sequence[Mapping[str, Any]],
    *,
    meta: Mapping[str, str],
    spec_text: str,
    figures: Sequence[tuple[str, Figure]],
    title: str | None = None,
    swept: Sequence[str] = (),
    sections: Sequence[str] = (),
) -> str:
    """The report page as a string (pure: no file access); ``sections`` are HTML sections
    (:func:`hardlearn.experiments.sections.sweep_sections`) placed after the figures."""
    task = meta.get("task", "?")
    metric = _main_metric(rows, task)
    status_counts = {s: sum(1 for r in rows if r.get("status") == s) for s in STATUSES}
    secs = [float(r["seconds"]) for r in rows if isinstance(r.get("seconds"), int | float)]
    hosts = sorted({str(r.get("host")) for r in rows if r.get("host")})
    problems = [r for r in rows if r.get("status") in ("failed", "timeout")]
    try:
        versions = json.loads(meta.get("versions", "{}"))
    except json.JSONDecodeError:
        versions = {}
    timing = [
        ("trials timed", str(len(secs))),
        ("total trial seconds", fmt(sum(secs)) if secs else ""),
        ("mean seconds per trial", fmt(sum(secs) / len(secs)) if secs else ""),
        ("slowest trial (s)", fmt(max(secs)) if secs else ""),
        ("first trial started", meta.get("first_started", "")),
        ("last trial finished", meta.get("last_finished", "")),
        ("hosts", ", ".join(hosts)),
    ]
    failures = {
        "columns": [column("task_id", left=True), column("status", left=True),
                    column("learner", left=True), column("error", left=True)],
        "rows": [[str(r.get("task_id"))[:12], fmt(r.get("status")), fmt(r.get("learner")),
                  f"{fmt(r.get('error_type'))}: {fmt(r.get('error_message'))}"]
                 for r in problems[:50]],
    }
    return render_template(
        "sweep.html.j2",
        heading=title or f"hardlearn sweep: {task}",
        n_trials=len(rows), meta=dict(meta), status_counts=status_counts,
        figures=[{"caption": c, "data": figure_to_base64(f)} for c, f in figures],
        per_point=_per_point_table(rows, metric, swept, task),
        summary=_learner_summary(rows), problems=problems, failures=failures,
        timing=timing, spec_text=spec_text,
        versions=[(k, fmt(v)) for k, v in sorted(versions.items())],
        sections=[_markup(x) for x in sections],  # our own autoescaped templates' output
    )


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the HTML report of ``run_dir`` to ``out`` (default ``RUN_DIR/report.html``)."""
    from hardlearn.experiments.store import SPEC_NAME, Store

    store = Store.open(run_dir)
    try:
        rows = store.rows()
        meta = store.meta()
        first, last = store.conn.execute(
            "SELECT MIN(started), MAX(finished) FROM trials WHERE status != 'pending'"
        ).fetchone()
        meta.update(first_started=first or "", last_finished=last or "")
        spec = store.spec()
    finally:
        store.close()
    spec_path = Path(run_dir) / SPEC_NAME
    spec_text = spec_path.read_text(encoding="utf-8") if spec_path.is_file() else spec.to_toml()
    learners = {ls.label or ls.name: ls.params for ls in spec.learners}
    figures = default_figures(rows, task=spec.task, swept=spec.swept, fixed=spec.fixed,
                              learners=learners, repetitions=spec.repetitions)
    from hardlearn.experiments.sections import sweep_sections

    sections = sweep_sections(rows, task=spec.task, swept=spec.swept,
                              learner_names=[ls.name for ls in spec.learners])
    page = render_html(
        rows,
        meta=meta,
        spec_text=spec_text,
        figures=figures,
        title=f"hardlearn sweep: {spec.name or spec.task}",
        swept=spec.swept,
        sections=sections,
    )
    path = Path(out) if out is not None else Path(run_dir) / "report.html"
    if path.suffix.lower() not in (".html", ".htm"):
        raise ParameterError(f"--out must end in .html; got {path.name!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _markup(html: str) -> Any:
    """HTML our own autoescaped templates rendered, marked safe for the page template."""
    from markupsafe import Markup

    return Markup(html)
