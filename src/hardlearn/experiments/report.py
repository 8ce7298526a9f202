"""One self-contained HTML page from a run directory: figures, summary, sweep file, versions.

The page has no external resources: CSS is inline and every figure is an embedded base64
PNG, so it can be mailed, archived, or opened offline. Figures are chosen from the task
kind and the swept keys (:func:`default_figures`); each is drawn by a pure function of
:mod:`hardlearn.experiments.plots`.

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
import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from hardlearn.errors import ParameterError
from hardlearn.experiments import plots

__all__ = ["write_report", "render_html", "default_figures", "figure_to_base64"]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1d2430; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff;
       min-height: 100vh; box-shadow: 0 0 12px rgba(0,0,0,.06); }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #e3e6ea; padding-bottom: 4px; }
.sub { color: #5b6675; margin: 0 0 16px; }
.badges span { display: inline-block; padding: 3px 10px; border-radius: 12px; margin-right: 6px;
               font-size: .9rem; font-weight: 600; }
.ok { background: #dff3e4; color: #1b6b34; } .failed { background: #fbe0e0; color: #9b1c1c; }
.timeout { background: #fff1cc; color: #7a5600; } .pending { background: #e8ebef; color: #444; }
table { border-collapse: collapse; margin: 8px 0; font-size: .9rem; }
th, td { border: 1px solid #dfe3e8; padding: 4px 10px; text-align: right; }
th { background: #f0f2f5; } td.l, th.l { text-align: left; }
figure { margin: 16px 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #5b6675; font-size: .9rem; }
pre { background: #f4f5f7; padding: 12px; overflow-x: auto; font-size: .85rem;
      border-radius: 4px; }
"""


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


def default_figures(
    rows: Sequence[Mapping[str, Any]], *, task: str, swept: Sequence[str]
) -> list[tuple[str, Figure]]:
    """Figures that fit a sweep: a phase diagram over the first two swept keys, and curves.

    Returns ``(caption, figure)`` pairs; an empty list when nothing numeric finished.
    """
    metric = _main_metric(rows, task)
    axes = [k for k in swept if _numeric_column(rows, k)]
    out: list[tuple[str, Figure]] = []
    if metric is None:
        return out
    if task == "threshold":
        x = "dim" if "dim" in axes else (axes[0] if axes else None)
        if x is not None:
            fig = plots.curves(rows, x=x, y=metric, title=f"noise threshold (bits) vs {x}")
            out.append(
                (
                    f"Largest noise at which the attack still succeeds, as -log2(noise), "
                    f"against {x}; mean over trials with a 95 % band.",
                    fig,
                )
            )
        return out
    if len(axes) >= 2:
        x, y = axes[0], axes[1]
        rest = [k for k in axes[2:]]
        note = f" (averaged over {', '.join(rest)})" if rest else ""
        out.append(
            (
                f"Phase diagram: mean {metric} over {x} and {y}{note}; cells show the mean "
                "and the number of trials.",
                plots.heatmap(rows, x=x, y=y, color=metric, title=f"{metric}: {y} vs {x}"),
            )
        )
    per = ", one line per learner" if any(r.get("learner") for r in rows) else ""
    for x in axes[:2]:
        out.append(
            (
                f"{metric} against {x}{per}; mean over trials with a 95 % confidence band.",
                plots.curves(rows, x=x, y=metric),
            )
        )
    return out


def _esc(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return html.escape(f"{value:.4g}")
    return html.escape(str(value))


def _summary_rows(rows: Sequence[Mapping[str, Any]], metric: str | None) -> list[list[str]]:
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r.get("learner"), []).append(r)
    out = []
    for label, grp in groups.items():
        counts = {
            s: sum(1 for r in grp if r.get("status") == s)
            for s in ("ok", "failed", "timeout", "pending")
        }
        vals = [
            float(r[metric])
            for r in grp
            if metric and r.get("status") == "ok" and isinstance(r.get(metric), int | float)
        ]
        secs = [float(r["seconds"]) for r in grp if isinstance(r.get("seconds"), int | float)]
        out.append(
            [
                _esc(label if label is not None else "(none)"),
                str(len(grp)),
                *(str(counts[s]) for s in ("ok", "failed", "timeout", "pending")),
                _esc(sum(vals) / len(vals)) if vals else "",
                _esc(sum(secs) / len(secs)) if secs else "",
            ]
        )
    return out


def render_html(
    rows: Sequence[Mapping[str, Any]],
    *,
    meta: Mapping[str, str],
    spec_text: str,
    figures: Sequence[tuple[str, Figure]],
    title: str | None = None,
) -> str:
    """The report page as a string (pure: no file access)."""
    task = meta.get("task", "?")
    metric = _main_metric(rows, task)
    status_counts = {
        s: sum(1 for r in rows if r.get("status") == s)
        for s in ("ok", "failed", "timeout", "pending")
    }
    secs = [float(r["seconds"]) for r in rows if isinstance(r.get("seconds"), int | float)]
    hosts = sorted({str(r.get("host")) for r in rows if r.get("host")})
    heading = title or f"hardlearn sweep: {task}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(heading)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_esc(heading)}</h1>",
        f'<p class="sub">{len(rows)} trials &middot; created {_esc(meta.get("created", ""))}'
        f" &middot; sweep digest <code>{_esc(meta.get('spec_digest', '')[:16])}</code></p>",
        '<div class="badges">'
        + "".join(f'<span class="{s}">{s} {n}</span>' for s, n in status_counts.items() if n)
        + "</div>",
        "<h2>Figures</h2>",
    ]
    if not figures:
        parts.append("<p>No finished trial has a numeric metric to plot yet.</p>")
    for caption, fig in figures:
        parts.append(
            f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,'
            f'{figure_to_base64(fig)}"><figcaption>{_esc(caption)}</figcaption></figure>'
        )
    parts += [
        "<h2>Summary</h2><table><thead><tr>",
        '<th class="l">learner</th><th>trials</th><th>ok</th><th>failed</th><th>timeout</th>'
        f"<th>pending</th><th>mean {_esc(metric or 'metric')}</th><th>mean seconds</th>",
        "</tr></thead><tbody>",
    ]
    for cells in _summary_rows(rows, metric):
        parts.append(
            '<tr><td class="l">'
            + cells[0]
            + "</td>"
            + "".join(f"<td>{c}</td>" for c in cells[1:])
            + "</tr>"
        )
    parts.append("</tbody></table>")
    problems = [r for r in rows if r.get("status") in ("failed", "timeout")]
    if problems:
        parts.append(f"<h2>Failures ({len(problems)})</h2><table><thead><tr>")
        parts.append(
            '<th class="l">task_id</th><th class="l">status</th><th class="l">learner</th>'
            '<th class="l">error</th></tr></thead><tbody>'
        )
        for r in problems[:50]:
            parts.append(
                f'<tr><td class="l"><code>{_esc(r.get("task_id"))[:12]}</code></td>'
                f'<td class="l">{_esc(r.get("status"))}</td>'
                f'<td class="l">{_esc(r.get("learner"))}</td>'
                f'<td class="l">{_esc(r.get("error_type"))}: {_esc(r.get("error_message"))}'
                "</td></tr>"
            )
        parts.append("</tbody></table>")
        if len(problems) > 50:
            parts.append(f"<p>... and {len(problems) - 50} more (see `hardlearn results`).</p>")
    parts.append("<h2>Timing</h2><table><tbody>")
    timing = [
        ("trials timed", str(len(secs))),
        ("total trial seconds", _esc(sum(secs)) if secs else ""),
        ("mean seconds per trial", _esc(sum(secs) / len(secs)) if secs else ""),
        ("slowest trial (s)", _esc(max(secs)) if secs else ""),
        ("first trial started", _esc(meta.get("first_started", ""))),
        ("last trial finished", _esc(meta.get("last_finished", ""))),
        ("hosts", _esc(", ".join(hosts))),
    ]
    parts += [f'<tr><th class="l">{k}</th><td>{v}</td></tr>' for k, v in timing]
    parts.append("</tbody></table>")
    parts.append("<h2>Sweep file (resolved)</h2>")
    parts.append(f"<pre>{html.escape(spec_text)}</pre>")
    parts.append("<h2>Versions</h2><table><tbody>")
    try:
        versions = json.loads(meta.get("versions", "{}"))
    except json.JSONDecodeError:
        versions = {}
    parts += [
        f'<tr><th class="l">{_esc(k)}</th><td>{_esc(v)}</td></tr>'
        for k, v in sorted(versions.items())
    ]
    parts.append("</tbody></table>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


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
    figures = default_figures(rows, task=spec.task, swept=spec.swept)
    page = render_html(
        rows,
        meta=meta,
        spec_text=spec_text,
        figures=figures,
        title=f"hardlearn sweep: {spec.name or spec.task}",
    )
    path = Path(out) if out is not None else Path(run_dir) / "report.html"
    if path.suffix.lower() not in (".html", ".htm"):
        raise ParameterError(f"--out must end in .html; got {path.name!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def hard_widths_section(
    dims: Sequence[int] = (16, 64, 256, 1024, 4096, 16384, 65536),
    widths: Sequence[int] | None = None,
) -> str:
    """A self-contained HTML section (issue 16): the hard width against ``d`` for the regimes
    of :data:`hardlearn.regimes.PRESETS`, the largest ``d`` at which each trained width is a
    hard instance, and the figure :func:`hardlearn.experiments.plots.hard_width_vs_dim`.
    Computed from the regime calculator, nothing measured."""
    from hardlearn.regimes import PRESETS, TRAINED_WIDTHS, hard_width_table

    ws = tuple(TRAINED_WIDTHS if widths is None else widths)
    table = hard_width_table(tuple(int(d) for d in dims), ws)
    head = "".join(f"<th>{_esc(n)}</th>" for n in PRESETS)
    rows = "".join(
        f'<tr><td class="l">{r["dim"]}</td><td>{r["sqrt(d log d)"]:.1f}</td>'
        + "".join(f"<td>{r[n]}</td>" for n in PRESETS) + "</tr>" for r in table["by_dim"])
    rows2 = "".join(
        f'<tr><td class="l">{r["width"]}</td><td>{r["radius"]}</td><td>{r["max_dim"]}</td>'
        f'<td>{_esc(r["freq_min"])}</td><td>{_esc(r["freq_max"])}</td></tr>'
        for r in table["by_width"])
    fig = plots.hard_width_vs_dim(dims=None, trained_widths=ws)
    return (
        "<h2>Hard widths against trained ones</h2>"
        "<p>Width 4R + 1 of the capped network that is LZZ's hard instance at dimension d "
        "(gamma = 2 sqrt d, m = d<sup>2</sup> samples, tail target 0.05 / m). The width does "
        "not depend on the label noise, so the regimes agree.</p>"
        f'<table><thead><tr><th class="l">d</th><th>sqrt(d log d)</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        "<p>For a width k commonly trained: every d up to max d has its hard instance inside a "
        "width-k network, at frequencies freq_min (gamma = 2 sqrt d) to freq_max "
        "(R / (sqrt 2 erfcinv(tail))) at max d.</p>"
        '<table><thead><tr><th class="l">width k</th><th>R</th><th>max d</th>'
        f"<th>freq_min</th><th>freq_max</th></tr></thead><tbody>{rows2}</tbody></table>"
        f'<figure><img alt="hard width against d" src="data:image/png;base64,'
        f'{figure_to_base64(fig)}"><figcaption>Hard width against d, with widths 64 to '
        f"4,096.</figcaption></figure>"
    )
