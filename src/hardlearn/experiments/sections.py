"""Report sections of issue 16, each one self-contained HTML: hard widths, the noise laws, the gap.

* :func:`hard_widths_section`: the hard instance's width against ``d`` next to widths
  commonly trained (computed by the regime calculator; the demo page shows it);
* :func:`advantage_by_section`: mean advantage per learner and value of a key (the
  noise law, or ``d``), with the trials that did not finish counted;
* :func:`sweep_sections`: which of them a sweep's report carries
  (:func:`hardlearn.experiments.report.write_report` places them after the figures), with
  :data:`NOISE_LAW_STATEMENT` and :data:`GAP_STATEMENT` saying plainly what they show.

They render through the report's templates (:func:`~hardlearn.experiments.report.render_template`,
autoescaped), so a learner label or a key value holding markup is shown as written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from hardlearn.experiments import plots
from hardlearn.experiments.report import column, figure_to_base64, fmt, render_template

__all__ = [
    "hard_widths_section",
    "advantage_by_section",
    "sweep_sections",
    "GAP_STATEMENT",
    "NOISE_LAW_STATEMENT",
]


def hard_widths_section(
    dims: Sequence[int] = (16, 64, 256, 1024, 4096, 16384, 65536),
    widths: Sequence[int] | None = None,
    level: int = 2,
) -> str:
    """A self-contained HTML section (issue 16): the hard width against ``d`` for the regimes
    of :data:`hardlearn.regimes.PRESETS`, the largest ``d`` at which each trained width is a
    hard instance, and the figure :func:`hardlearn.experiments.plots.hard_width_vs_dim`.
    Computed from the regime calculator, nothing measured; ``level`` is its heading's
    (``<h2>``, or ``<h3>`` inside the demo page's first section)."""
    from hardlearn.regimes import PRESETS, TRAINED_WIDTHS, hard_width_table

    ws = tuple(TRAINED_WIDTHS if widths is None else widths)
    table = hard_width_table(tuple(int(d) for d in dims), ws)
    fig = plots.hard_width_vs_dim(dims=None, trained_widths=ws)
    by_dim = {
        "columns": [column("d"), column("sqrt(d log d)"), *(column(n) for n in PRESETS)],
        "rows": [[str(r["dim"]), f"{r['sqrt(d log d)']:.1f}", *(fmt(r[n]) for n in PRESETS)]
                 for r in table["by_dim"]],
    }
    by_width = {
        "columns": [column("width k"), column("R"), column("max d"), column("freq_min"),
                    column("freq_max")],
        "rows": [[str(r["width"]), str(r["radius"]), str(r["max_dim"]), fmt(r["freq_min"]),
                  fmt(r["freq_max"])] for r in table["by_width"]],
        "legend": {"R": "cap radius of the width-k network, k = 4R + 1",
                   "max d": "largest dimension whose hard instance fits in width k",
                   "freq_min": "gamma / sqrt(2 pi) with gamma = 2 sqrt(max d)",
                   "freq_max": "R / (sqrt 2 erfcinv(tail)) at max d"},
    }
    return render_template(
        "hard_widths.html.j2", by_dim=by_dim, by_width=by_width, level=int(level),
        fig={"caption": "Hard width against d, with widths 64 to 4,096.",
             "alt": "hard width against d", "data": figure_to_base64(fig)},
    )


#: What the exhaustive-vs-polynomial sweep shows, said plainly (issue 16).
GAP_STATEMENT = (
    "Exhaustive search fits a phi(freq <w, x>) + b by least squares over a net of directions "
    "and frequencies; the net has N(d) = (n^d - (n-2)^d) / 2 points, so its time grows "
    "exponentially with d. Where it reaches advantage near 1 and the polynomial-time "
    "learners do not, on the same samples, the data determine the network: finding it is "
    "what is hard. This agrees with LZZ's theorem, which is about polynomial time; it does "
    "not test it at large d."
)


#: What the noise-law sweep compares, said plainly (issue 16).
NOISE_LAW_STATEMENT = (
    "LZZ's theorem is for Gaussian label noise. Each row is one law of the label noise at "
    "the same standard deviation (the grid's noise): Gaussian, Laplace, uniform, Student-t, "
    "logistic, and the discrete law (plus or minus sigma), for which the reduction's "
    "total-variation argument gives nothing (hardlearn params --noise-law LAW prints what it "
    "gives for each). Equal cells down a column mean the learner did not notice the law; the "
    "theorem says nothing about the other laws, so a difference would be a finding, not a "
    "contradiction."
)


def advantage_by_section(
    rows: Sequence[Mapping[str, Any]], *, by: str, title: str, statement: str = "",
    within: str | None = None, figure: tuple[str, Figure] | None = None,
) -> str:
    """A self-contained HTML section (issue 16): mean advantage (and mean seconds) per value
    of ``by`` (a row; ``"dim"`` for the exhaustive-vs-polynomial sweep, ``"noise_law"`` for
    the noise-law sweep) and learner (a column), from the ``learn`` trials in ``rows``; with
    ``within`` (e.g. ``"freq"``) one table per value of that key instead of pooling. A cell
    also counts the trials there that did not finish ok (failed, timed out, pending), so a
    learner that failed is not mistaken for one that was not run, and, for a learner that
    reports ``learner_status`` (the lattice attacks), how many of its trials recovered the
    neuron (a trial that did not is scored as the training mean). ``figure`` is a
    ``(caption, Figure)`` drawn under the tables.

    Examples
    --------
    >>> rows = [{"status": "ok", "learner": "mlp", "dim": 2, "advantage": 0.5, "seconds": 1.0},
    ...         {"status": "failed", "learner": "mlp", "dim": 2}]
    >>> html = advantage_by_section(rows, by="dim", title="gap")
    >>> "0.500 (1 s) [1 of 2 not ok]" in html
    True
    >>> rows = [{"status": "ok", "learner": "lattice", "dim": 6, "advantage": a,
    ...          "learner_status": s} for a, s in ((1.0, "recovered"), (0.0, "timeout"))]
    >>> "0.500 recovered 1 of 2" in advantage_by_section(rows, by="dim", title="gap")
    True
    """
    ok = [r for r in rows if r.get("status") == "ok" and r.get("advantage") is not None]
    default = "gaussian" if by == "noise_law" else ""   # the law omitted at its default
    raw: dict[str, Any] = {}

    def key(r: Mapping[str, Any]) -> str:
        value = r.get(by)
        name = default if value is None else fmt(value)
        raw.setdefault(name, value)
        return name

    def order(k: str) -> tuple:
        if by == "noise_law":   # the package's order of the laws, Gaussian first
            from hardlearn.problems.noise import NOISE_LAWS

            names = list(NOISE_LAWS)
            base = k.split(":")[0]
            return (names.index(base) if base in names else len(names), k)
        return plots._sort_key(raw.get(k))

    def one_table(sel_rows: Sequence[Mapping[str, Any]], heading: str | None) -> dict[str, Any]:
        good = [r for r in sel_rows if r in ok]
        keys = sorted({key(r) for r in sel_rows}, key=order)
        learners = sorted({str(r.get("learner")) for r in sel_rows})
        out_rows = []
        for k in keys:            # one row per value of ``by``, one column per learner
            cells = [k]
            for name in learners:
                here = [r for r in sel_rows if str(r.get("learner")) == name and key(r) == k]
                sel = [r for r in here if r in good]
                bad = len(here) - len(sel)
                text = ""
                if sel:
                    adv = sum(float(r["advantage"]) for r in sel) / len(sel)
                    secs = [float(r["seconds"]) for r in sel
                            if isinstance(r.get("seconds"), int | float)]
                    text = f"{adv:.3f}" + (f" ({sum(secs) / len(secs):.2g} s)" if secs else "")
                    told = [r["learner_status"] for r in sel if r.get("learner_status")]
                    if told:   # an attack that may find nothing: how often it found the neuron
                        text += f" recovered {told.count('recovered')} of {len(told)}"
                if bad:
                    text += (" " if text else "") + f"[{bad} of {len(here)} not ok]"
                cells.append(text)
            out_rows.append(cells)
        return {"heading": heading, "n_ok": len(good),
                "columns": [column(by, left=True), *(column(n) for n in learners)],
                "rows": out_rows}

    if within is not None:
        values = sorted({r.get(within) for r in rows if r.get("status") == "ok"},
                        key=lambda v: (str(type(v)), v))
        tables = [one_table([r for r in rows if r.get(within) == v],
                            f"{title}: {within} = {fmt(v)}") for v in values]
    else:
        tables = [one_table(rows, None)]
    fig = None if figure is None else {"caption": figure[0], "alt": figure[0],
                                       "data": figure_to_base64(figure[1])}
    return render_template("advantage_by.html.j2", title=title, statement=statement, by=by,
                           tables=tables, n_ok=len(ok), fig=fig)


def sweep_sections(rows: Sequence[Mapping[str, Any]], *, task: str, swept: Sequence[str],
                   learner_names: Sequence[str]) -> list[str]:
    """The sections of issue 16 that a sweep's report carries, as HTML: the noise-law table
    (:data:`NOISE_LAW_STATEMENT`) when ``noise_law`` is swept, and the statistical-computational
    gap (:data:`GAP_STATEMENT`, with the learners' time against ``d`` on a log scale) when an
    ``exhaustive`` learner runs over several ``dim``. Only ``learn`` sweeps; empty otherwise.

    Examples
    --------
    >>> rows = [{"status": "ok", "learner": "mlp", "noise_law": law, "advantage": 0.1}
    ...         for law in (None, "laplace")]
    >>> sections = sweep_sections(rows, task="learn", swept=("noise_law",),
    ...                           learner_names=("mlp",))
    >>> len(sections), "Learners under each label-noise law" in sections[0]
    (1, True)
    """
    if task != "learn":
        return []
    out = []
    if "noise_law" in swept:
        within = next((k for k in ("freq", "noise", "dim", "samples") if k in swept), None)
        out.append(advantage_by_section(rows, by="noise_law",
                                        title="Learners under each label-noise law",
                                        statement=NOISE_LAW_STATEMENT, within=within))
    if "dim" in swept and "exhaustive" in learner_names:
        fig = None
        timed = [r for r in rows if r.get("status") == "ok"
                 and isinstance(r.get("seconds"), int | float) and r.get("dim") is not None]
        if timed:
            fig = ("Mean wall seconds of one trial (fit and evaluation) against d, one line "
                   "per learner, log scale, n trials a point: exhaustive search's net has "
                   "N(d) points, so its time grows exponentially with d.",
                   plots.seconds_against(timed, x="dim"))
        others = [k for k in swept if k not in ("dim",)]
        out.append(advantage_by_section(rows, by="dim",
                                        title="The statistical-computational gap",
                                        statement=GAP_STATEMENT,
                                        within=others[0] if others else None, figure=fig))
    return out
