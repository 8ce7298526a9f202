"""Pictures of a results table, and the rules every figure of hardlearn follows.

Every function here is a pure function of its data (a results table: a list of row dicts as
:func:`~hardlearn.experiments.store.read_results` returns, a :class:`pyarrow.Table`, or a
pandas DataFrame; or arrays) and returns a :class:`matplotlib.figure.Figure`. None touches
pyplot's global state, so they are safe in servers, tests and worker processes. Only trials
with status ``ok`` enter the statistics; the cell and point counts are shown.

The lattice-threshold figure lives in :mod:`hardlearn.experiments.lattice_plots` (it draws
the prediction model's curves beside the measurements).

Size: about 830 lines: the figure rules and every figure that follows them, kept together so
that a rule changed here changes every figure.

The rules, written once here and used by every figure:

* the title states what is shown (:func:`title_for`), not a formula to be parsed;
* each axis names the quantity, its unit and its scale (:func:`axis_label`); an axis whose
  values form a geometric grid is drawn on a log scale (:func:`is_geometric`);
* legends sit outside the data (:func:`legend_outside`); no text is placed under markers;
* nothing is averaged over an axis the figure does not draw: the swept keys a figure does
  not show become panels (``facet``), and whatever is still pooled is named in its title;
* bands: for a 0/1 column (``success``) the Wilson score interval of the rate; for a real
  column the Student-t interval of the mean over the ``n`` trials at that point
  (:func:`hardlearn.metrics.mean_t_interval`), and ``n`` is printed;
* the caption lists every setting behind the figure (:func:`settings_caption`).

Examples
--------
>>> rows = [{"status": "ok", "dim": d, "noise_bits": b, "success": d < b, "learner": None}
...         for d in (8, 16) for b in (10, 20) for _ in range(3)]
>>> fig = heatmap(rows, x="dim", y="noise_bits", color="success")
>>> len(fig.axes)  # one panel and its colour bar
2
>>> fig = curves(rows, x="dim", y="success")
>>> fig.axes[0].get_xlabel()
'dimension d'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from hardlearn._format import column_names
from hardlearn.errors import HardlearnError, ParameterError
from hardlearn.metrics import mean_t_interval, wilson_interval

__all__ = [
    "seconds_against",
    "as_rows",
    "filter_rows",
    "heatmap",
    "curves",
    "plot_results",
    "save_figure",
    "advantage_vs_frequency",
    "hard_width_vs_dim",
    "FIGURE_FORMATS",
    "QUANTITY_LABELS",
    "axis_label",
    "is_geometric",
    "legend_outside",
    "plain_log_ticks",
    "settings_caption",
    "title_for",
    "point_interval",
    "network_along_secret",
    "pancakes",
]

#: File formats :func:`save_figure` writes, chosen by the file suffix.
FIGURE_FORMATS = ("png", "svg", "pdf")



def as_rows(table: Any) -> list[dict[str, Any]]:
    """Normalise a results table (rows, pyarrow Table, pandas DataFrame) to a list of dicts."""
    if hasattr(table, "to_pylist"):
        return list(table.to_pylist())
    if hasattr(table, "to_dict") and hasattr(table, "columns"):
        return list(table.to_dict(orient="records"))
    if isinstance(table, Sequence) and all(isinstance(r, Mapping) for r in table):
        return [dict(r) for r in table]
    raise ParameterError(
        "table must be a list of row dicts, a pyarrow Table or a pandas DataFrame; "
        f"got {type(table).__name__}."
    )


def _need(rows: Sequence[Mapping[str, Any]], name: str, what: str) -> None:
    cols = column_names(rows)
    if name not in cols:
        raise ParameterError(
            f"{what} {name!r} is not a column of the results; the columns are "
            f"{', '.join(cols) or '(none: the table is empty)'}."
        )


def filter_rows(
    rows: Sequence[Mapping[str, Any]], where: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """Rows whose columns equal every ``where`` value (numbers compare by value).

    Examples
    --------
    >>> filter_rows([{"a": 1.0}, {"a": 2}], {"a": 1})
    [{'a': 1.0}]
    """
    out = [dict(r) for r in rows]
    for key, value in (where or {}).items():
        _need(rows, key, "--where column")
        out = [r for r in out if _same(r.get(key), value)]
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return float(a) == float(b)
    return a == b or str(a) == str(b)


def _number(value: Any) -> float | None:
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, numbers.Real) and math.isfinite(float(value)):
        return float(value)
    return None


def _sort_key(value: Any) -> tuple[int, Any]:
    num = _number(value)
    return (0, num) if num is not None else (1, str(value))


def _is_binary(values: Sequence[Any]) -> bool:
    return all(isinstance(v, bool | np.bool_) or v in (0, 1) for v in values) and any(
        isinstance(v, bool | np.bool_) for v in values
    )


def _ok_values(rows: Sequence[Mapping[str, Any]], name: str) -> list[dict[str, Any]]:
    return [
        dict(r) for r in rows if r.get("status", "ok") == "ok" and _number(r.get(name)) is not None
    ]


def _groups(rows: Sequence[Mapping[str, Any]], group: str | None) -> list[tuple[Any, list]]:
    if not group or all(r.get(group) is None for r in rows):
        return [(None, list(rows))]
    keys = sorted({r.get(group) for r in rows}, key=_sort_key)
    return [(k, [r for r in rows if r.get(group) == k]) for k in keys]


# --------------------------------------------------------------------------------------
# the rules every figure follows

#: Axis label (quantity, symbol, unit) of the columns a reader meets most. Columns without
#: an entry are labelled by their name.
QUANTITY_LABELS: dict[str, str] = {
    "dim": "dimension d",
    "freq": "frequency freq = gamma / sqrt(2 pi)",
    "gamma": "CLWE frequency gamma",
    "beta": "CLWE noise beta",
    "noise": "label noise std sigma",
    "noise_bits": "noise exponent p (noise std 2^-p)",
    "samples": "training samples m",
    "width": "hidden width k",
    "radius": "cap radius R",
    "advantage": "advantage (1 = perfect, 0 = trivial)",
    "success": "success rate",
    "seconds": "time per trial (s)",
    "run_seconds": "time per trial (s)",
    "cosine": "|cos(secret, recovered)|",
    "mse": "test MSE",
}

#: What ``advantage`` means in each task kind (for titles and table legends).
ADVANTAGE_MEANING: dict[str, str] = {
    "learn": "regression advantage 1 - MSE / Var f",
    "distinguish": "distinguishing advantage P[clwe | CLWE] - P[clwe | null]",
}


def axis_label(name: str, *, log: bool = False) -> str:
    """The axis label of column ``name``: quantity and unit, and ``(log scale)`` if log.

    Examples
    --------
    >>> axis_label("freq", log=True)
    'frequency freq = gamma / sqrt(2 pi) (log scale)'
    >>> axis_label("other")
    'other'
    """
    label = QUANTITY_LABELS.get(name, name)
    return f"{label} (log scale)" if log else label


def is_geometric(values: Sequence[Any]) -> bool:
    """Whether the distinct values are a geometric grid (to be drawn on a log scale).

    True when every value is positive, there are at least three distinct values spanning at
    least a factor 4, and their logarithms are more evenly spaced than the values are.

    Examples
    --------
    >>> is_geometric([0.25, 0.5, 1.0, 2.0]), is_geometric([1, 2, 3, 4]), is_geometric([8, 16, 32])
    (True, False, True)
    """
    nums = sorted({v for v in (_number(x) for x in values) if v is not None})
    if len(nums) < 3 or nums[0] <= 0 or nums[-1] / nums[0] < 4:
        return False

    def spread(xs: np.ndarray) -> float:
        steps = np.diff(xs)
        return float(np.std(steps) / np.mean(steps))

    return spread(np.log(nums)) < spread(np.asarray(nums))


def plain_log_ticks(ax: Any, values: Sequence[float] | None = None, *,
                    axis: str = "x") -> None:
    """On a log axis (``axis`` "x", "y" or "both"): ticks at ``values`` (or the axis' own)
    written as plain numbers (``0.25``, not ``2.5 x 10^-1``), minor ticks unlabelled, so
    labels never overlap. The labels need no math text, so they read the same when a
    report turns math text off (user labels are drawn as written there)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for name in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if name == "x" else ax.yaxis
        if values is not None:
            target.set_ticks(sorted(set(values)))
        target.set_major_formatter(FuncFormatter(_plain_tick))
        target.set_minor_formatter(NullFormatter())
        if name == "x" and values is not None and len(set(values)) >= 3 and \
                max(len(_plain_tick(v)) for v in values) >= SLANT_TICK_CHARS:
            # long labels side by side run into each other (0.000244 next to 0.000977)
            ax.tick_params(axis="x", labelrotation=30)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")


def _plain_tick(v: float, _pos: Any = None) -> str:
    """Three digits below 1 (0.000244, not 0.000244141), all above (1024, not 1.02e+03)."""
    return f"{v:.3g}" if v < 1 else f"{v:g}"


def legend_outside(ax: Any, *, title: str | None = None, fontsize: float = 8) -> Any:
    """Place the legend of ``ax`` to the right of the plotting area (never over data)."""
    return ax.legend(title=title, fontsize=fontsize, title_fontsize=fontsize,
                     loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def settings_caption(what: str, settings: Mapping[str, Any]) -> str:
    """A caption: what is shown, then every setting behind it as ``name = value``.

    Examples
    --------
    >>> settings_caption("Advantage against d.", {"samples": 4000, "noise": 0.01})
    'Advantage against d. Settings: samples = 4000; noise = 0.01.'
    """
    if not settings:
        return what
    items = "; ".join(f"{k} = {_tick(v) if _number(v) is not None else v}"
                      for k, v in settings.items())
    return f"{what} Settings: {items}."


def title_for(y: str, x: str, *, task: str | None = None) -> str:
    """A title saying what is drawn: ``"<quantity of y> against <quantity of x>"``.

    Examples
    --------
    >>> title_for("advantage", "freq", task="learn")
    'regression advantage 1 - MSE / Var f against frequency freq = gamma / sqrt(2 pi)'
    """
    what = ADVANTAGE_MEANING.get(task or "", QUANTITY_LABELS.get(y, y)) \
        if y == "advantage" else QUANTITY_LABELS.get(y, y)
    return f"{what} against {QUANTITY_LABELS.get(x, x)}"


def point_interval(
    values: Sequence[float], *, binary: bool, confidence: float = 0.95
) -> tuple[float, float, float]:
    """``(estimate, low, high)`` of one plotted point: Wilson for 0/1, Student t for means.

    One real value gets no band (low = high = the value).

    Examples
    --------
    >>> point_interval([1.0, 0.0, 1.0, 1.0], binary=True)[0]
    0.75
    >>> m, lo, hi = point_interval([1.0, 2.0, 3.0], binary=False)
    >>> m, round(hi - m, 3)   # t_2 = 4.303, not the normal 1.96
    (2.0, 2.484)
    """
    if binary:
        hits = int(round(sum(values)))
        lo, hi = wilson_interval(hits, len(values), confidence)
        return hits / len(values), lo, hi
    if len(values) > 1:
        est = mean_t_interval(list(values), confidence)
        return est.mean, est.ci[0], est.ci[1]
    return float(values[0]), float(values[0]), float(values[0])


#: At most this many labelled ticks on a log axis of powers of two (more overlap at the
#: figures' 4.4-inch width: a noise axis from 2^-12 to 0.1 had 10 labels of 11 characters).
MAX_LOG_TICKS = 5
#: From this many characters, x tick labels are drawn slanted: five labels of 8 characters
#: (0.000244 to 0.0625, a noise axis) ran into each other at the figures' width, while the
#: 4-character labels of a dimension or frequency axis (0.25 to 16) do not.
SLANT_TICK_CHARS = 6


def _octaves(values: Sequence[float | None]) -> list[float]:
    """Powers of two covering the positive ``values`` (tick positions of a log axis), every
    k-th one when there are more than :data:`MAX_LOG_TICKS`."""
    nums = [v for v in values if v is not None and v > 0]
    lo, hi = math.floor(math.log2(min(nums))), math.ceil(math.log2(max(nums)))
    ticks = [2.0**k for k in range(lo, hi + 1)]
    inside = [t for t in ticks if min(nums) <= t <= max(nums)]
    out = inside if len(inside) >= 2 else ticks
    return out[:: math.ceil(len(out) / MAX_LOG_TICKS)]


def _n_text(counts: Sequence[int]) -> str:
    lo, hi = min(counts), max(counts)
    return f"n = {lo}" if lo == hi else f"n = {lo}-{hi}"


def _facet_rows(
    rows: Sequence[Mapping[str, Any]], facet: Sequence[str]
) -> list[tuple[str | None, list[dict[str, Any]]]]:
    """One (label, rows) pair per combination of the ``facet`` columns' values."""
    facet = [f for f in facet if any(r.get(f) is not None for r in rows)]
    if not facet:
        return [(None, [dict(r) for r in rows])]
    keys = sorted({tuple(r.get(f) for f in facet) for r in rows},
                  key=lambda k: tuple(_sort_key(v) for v in k))
    out: list[tuple[str | None, list[dict[str, Any]]]] = []
    for key in keys:
        label = ", ".join(f"{f} = {_tick(v)}" for f, v in zip(facet, key, strict=True))
        out.append((label, [dict(r) for r in rows
                            if tuple(r.get(f) for f in facet) == key]))
    return out


def heatmap(
    table: Any,
    *,
    x: str,
    y: str,
    color: str,
    group: str | None = "learner",
    facet: Sequence[str] = (),
    where: Mapping[str, Any] | None = None,
    title: str | None = None,
    cmap: str = "viridis",
) -> Figure:
    """Phase diagram: the mean of ``color`` in every (``x``, ``y``) cell.

    One panel per value of ``group`` and of the ``facet`` columns (the swept keys not on an
    axis), so no cell averages over an undrawn axis. Cells are annotated with the mean and
    the number of trials. ``success``-like 0/1 columns give the rate on a fixed 0-1 scale.
    """
    rows = filter_rows(as_rows(table), where)
    for name, what in ((x, "--x"), (y, "--y"), (color, "--color")):
        _need(rows, name, what + " column")
    ok = _ok_values(rows, color)
    if not ok:
        raise ParameterError(f"no trial with status ok has a value of {color!r} to plot.")
    keys = [k for k in ([group] if group else []) + list(facet) if k not in (x, y)]
    panels = _facet_rows(ok, keys)
    xs = sorted({r[x] for r in ok}, key=_sort_key)
    ys = sorted({r[y] for r in ok}, key=_sort_key)
    binary = _is_binary([r[color] for r in ok])
    means = []
    for _, prow in panels:
        grid = np.full((len(ys), len(xs)), np.nan)
        count = np.zeros((len(ys), len(xs)), dtype=int)
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                vals = [float(r[color]) for r in prow if r[x] == xv and r[y] == yv]
                if vals:
                    grid[i, j] = float(np.mean(vals))
                    count[i, j] = len(vals)
        means.append((grid, count))
    finite = np.concatenate([g[np.isfinite(g)] for g, _ in means])
    vmin, vmax = (0.0, 1.0) if binary else (float(finite.min()), float(finite.max()))
    if not binary and 0.0 <= vmin and vmax <= 1.0:
        vmin, vmax = 0.0, 1.0
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    n = len(panels)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    width = 1.6 + ncols * (0.6 * max(4, len(xs)) + 0.6) + 1.2
    height = 1.0 + nrows * (0.9 + 0.5 * max(4, len(ys)))
    fig = Figure(figsize=(width, height), layout="constrained")
    grid_axes = fig.subplots(nrows, ncols, squeeze=False)
    axes = list(grid_axes.ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    image = None
    for k, (ax, (label, _), (grid, count)) in enumerate(
        zip(axes, panels, means, strict=False)
    ):
        image = ax.imshow(
            np.ma.masked_invalid(grid),
            origin="lower",
            aspect="auto",
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            interpolation="nearest",
        )
        ax.set_xticks(range(len(xs)), [_tick(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_tick(v) for v in ys])
        if k // ncols == nrows - 1 or k + ncols >= n:
            ax.set_xlabel(axis_label(x))
        if k % ncols == 0:
            ax.set_ylabel(axis_label(y))
        if label is not None:
            ax.set_title(label, fontsize=9)
        if len(xs) * len(ys) <= 150:
            for i in range(len(ys)):
                for j in range(len(xs)):
                    if count[i, j]:
                        shade = (grid[i, j] - vmin) / (vmax - vmin)
                        ax.text(
                            j,
                            i,
                            f"{grid[i, j]:.2g}\nn={count[i, j]}",
                            ha="center",
                            va="center",
                            fontsize=7,
                            color="black" if shade > 0.6 else "white",
                        )
    label = f"{'rate of ' if binary else 'mean '}{QUANTITY_LABELS.get(color, color)}"
    if image is None:  # the caller draws at least one panel
        raise HardlearnError("heatmap: no panel was drawn.")
    fig.colorbar(image, ax=axes[:n], label=label, shrink=0.95)
    fig.suptitle(title or f"{label} over {QUANTITY_LABELS.get(x, x)} and "
                 f"{QUANTITY_LABELS.get(y, y)}", fontsize=10)
    return fig


def _tick(value: Any) -> str:
    num = _number(value)
    if num is None or isinstance(value, bool):
        return str(value)
    return f"{num:g}"


def curves(
    table: Any,
    *,
    x: str,
    y: str,
    group: str | None = "learner",
    facet: Sequence[str] = (),
    where: Mapping[str, Any] | None = None,
    title: str | None = None,
    confidence: float = 0.95,
    task: str | None = None,
) -> Figure:
    """Mean of ``y`` against ``x``, one line per ``group`` value, one panel per ``facet`` value.

    Bands: Wilson intervals for 0/1 columns, Student-t intervals of the mean for real columns
    (:func:`point_interval`; a point with one value gets no band); the number of trials per
    point is in the title. ``x`` is drawn on a log scale when its values form a geometric
    grid (:func:`is_geometric`). The legend sits outside the data.
    """
    rows = filter_rows(as_rows(table), where)
    for name, what in ((x, "--x"), (y, "--y")):
        _need(rows, name, what + " column")
    ok = [r for r in _ok_values(rows, y) if _number(r.get(x)) is not None]
    if not ok:
        raise ParameterError(f"no trial with status ok has numeric values of {x!r} and {y!r}.")
    binary = _is_binary([r[y] for r in ok])
    panels = _facet_rows(ok, [f for f in facet if f not in (x, group)])
    ncols = min(len(panels), 3)
    nrows = math.ceil(len(panels) / ncols)
    fig = Figure(figsize=(1.6 + 4.4 * ncols, 0.8 + 3.4 * nrows), layout="constrained")
    axes = list(fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel())
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    xvals = [_number(r[x]) for r in ok]
    log_x = is_geometric(xvals)
    counts: list[int] = []
    has_groups = any(r.get(group) is not None for r in ok) if group else False
    for k, (ax, (panel_label, prows)) in enumerate(zip(axes, panels, strict=False)):
        for label, grows in _groups(prows, group):
            xs = sorted({float(r[x]) for r in grows})  # numeric: filtered with _number above
            mid, lo, hi = [], [], []
            for xv in xs:
                vals = [float(r[y]) for r in grows if float(r[x]) == xv]
                counts.append(len(vals))
                m, a, b = point_interval(vals, binary=binary, confidence=confidence)
                mid.append(m)
                lo.append(a)
                hi.append(b)
            name = f"{group} = {label}" if label is not None else QUANTITY_LABELS.get(y, y)
            (line,) = ax.plot(xs, mid, marker="o", label=name)
            ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
        if log_x:
            ax.set_xscale("log")
            plain_log_ticks(ax, _octaves(xvals))
        elif all(float(v).is_integer() for v in xvals if v is not None):
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if k + ncols >= len(panels):
            ax.set_xlabel(axis_label(x, log=log_x))
        if k % ncols == 0:
            ax.set_ylabel(f"{'rate: ' if binary else 'mean '}{QUANTITY_LABELS.get(y, y)}")
        ax.grid(True, which="both", alpha=0.3)
        if panel_label is not None:
            ax.set_title(panel_label, fontsize=9)
    if has_groups or len(panels) == 1:
        legend_outside(axes[min(len(panels), ncols) - 1])
    band = "Wilson" if binary else "Student-t"
    fig.suptitle(
        f"{title or title_for(y, x, task=task)}\n(mean of {_n_text(counts)} trials per point, "
        f"{band} {confidence:.0%} band)",
        fontsize=10,
    )
    return fig


def plot_results(
    table: Any,
    *,
    x: str,
    y: str,
    color: str | None = None,
    group: str | None = "learner",
    where: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> Figure:
    """A heatmap of ``color`` over (``x``, ``y``) if ``color`` is given, else curves of ``y``."""
    if color:
        return heatmap(table, x=x, y=y, color=color, group=group, where=where, title=title)
    return curves(table, x=x, y=y, group=group, where=where, title=title)


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 130) -> Path:
    """Write ``fig`` to ``path``; the suffix (.png, .svg, .pdf) picks the format."""
    out = Path(path)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        raise ParameterError(f"--out must end in .png, .svg or .pdf; got {out.name!r}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format=fmt, dpi=dpi, bbox_inches="tight")
    return out


#: The advantage axis of :func:`advantage_vs_frequency`: 0 (trivial) to 1 (perfect) with a
#: margin; a Student-t band over 2-3 trainings can be far wider and runs off the axis.
ADVANTAGE_AXIS = (-0.25, 1.1)


def advantage_vs_frequency(
    table: Any,
    *,
    paper_freqs: Mapping[Any, float] | None = None,
    title: str | None = None,
    confidence: float = 0.95,
) -> Figure:
    """The MLP's regression advantage against the frequency, one line per dimension.

    ``paper_freqs`` maps a dimension to the frequency of its hard instance
    (``freq = gamma / sqrt(2 pi)`` with ``gamma = 2 sqrt d``); each is drawn as a dashed
    vertical line in its curve's colour and named in the legend (outside the data), so no
    label sits on the markers. The frequency axis is logarithmic (the grid is geometric);
    the advantage axis is :data:`ADVANTAGE_AXIS` (wider bands are cut at its ends).
    Bands: Student-t intervals over the repetitions at each point; ``n`` is in the title.
    """
    rows = [r for r in _ok_values(as_rows(table), "advantage")
            if _number(r.get("freq")) is not None and _number(r.get("dim")) is not None]
    if not rows:
        raise ParameterError("no trial with status ok has numeric freq, dim and advantage.")
    fig = Figure(figsize=(9.2, 4.4), layout="constrained")
    ax = fig.subplots()
    counts: list[int] = []
    for dim, drows in _groups(rows, "dim"):
        xs = sorted({float(r["freq"]) for r in drows})  # numeric: filtered with _number above
        mid, lo, hi = [], [], []
        for xv in xs:
            vals = [float(r["advantage"]) for r in drows if float(r["freq"]) == xv]
            counts.append(len(vals))
            m, a, b = point_interval(vals, binary=False, confidence=confidence)
            mid.append(m)
            lo.append(a)
            hi.append(b)
        (line,) = ax.plot(xs, mid, marker="o", label=f"d = {_tick(dim)}")
        ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
        if paper_freqs and dim in paper_freqs:
            freq = float(paper_freqs[dim])
            ax.axvline(freq, color=line.get_color(), linestyle="--", linewidth=1,
                       label=f"d = {_tick(dim)}: hard instance, 2 sqrt(d) / sqrt(2 pi) = "
                             f"{freq:.3g}")
    ax.set_xscale("log")
    plain_log_ticks(ax, _octaves([_number(r["freq"]) for r in rows]))
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_ylim(*ADVANTAGE_AXIS)
    ax.set_xlabel(axis_label("freq", log=True))
    ax.set_ylabel("regression advantage 1 - MSE / Var f")
    ax.grid(True, which="both", alpha=0.3)
    legend_outside(ax)
    default = "Where a trained one-hidden-layer ReLU network stops learning tri(freq <w, x>)"
    ax.set_title(
        f"{title or default}\n(mean of {_n_text(counts)} trainings per point, "
        f"Student-t {confidence:.0%} band)",
        fontsize=10,
    )
    return fig


def network_along_secret(
    t: Sequence[float],
    network: Sequence[float],
    target: Sequence[float],
    *,
    cutoff: float,
    tail_mass: float,
    width: int,
    freq: float,
    title: str | None = None,
) -> Figure:
    """The capped ReLU network against the periodic neuron along the secret direction.

    ``t`` are values of ``<w, x>``; ``network`` and ``target`` the two functions there. The
    network equals ``tri(freq t)`` for ``|t| <= cutoff = R / freq`` and is constant beyond; a
    second panel draws the density of ``<w, x> ~ N(0, 1)`` with the region ``|t| > cutoff``
    shaded: its mass ``erfc(cutoff / sqrt 2)`` (``tail_mass``) is the probability that the
    two functions differ.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(-3, 3, 61)
    >>> fig = network_along_secret(t, np.clip(t, -1, 1), t, cutoff=1.0, tail_mass=0.3173,
    ...                            width=9, freq=2.0)
    >>> len(fig.axes)
    2
    """
    ts = np.asarray(t, dtype=float)
    fig = Figure(figsize=(9.2, 5.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1.0))
    top.plot(ts, np.asarray(target, dtype=float), color="0.55", linewidth=2.4,
             label=f"periodic neuron tri(freq t), freq = {freq:.3g}")
    top.plot(ts, np.asarray(network, dtype=float), color="C3", linewidth=1.1,
             label=f"capped ReLU network, width k = {width}")
    for ax in (top, bottom):
        for side in (-1, 1):
            ax.axvline(side * cutoff, color="black", linestyle=":", linewidth=0.9)
    top.set_ylabel("output")
    top.grid(True, alpha=0.3)
    legend_outside(top)
    density = np.exp(-ts * ts / 2.0) / math.sqrt(2.0 * math.pi)
    bottom.plot(ts, density, color="C0", label="density of <w, x> ~ N(0, 1)")
    outside = np.abs(ts) >= cutoff
    floor = max(float(density.min()), 1e-300)
    bottom.fill_between(ts, floor, density, where=outside, color="C3", alpha=0.35,
                        label=f"|t| > R / freq = {cutoff:.3g}: mass {tail_mass:.2g}")
    bottom.set_xlabel("t = <w, x> (position along the secret direction w)")
    bottom.set_yscale("log")
    plain_log_ticks(bottom, axis="y")
    bottom.set_ylabel("density (log scale)")
    bottom.set_ylim(floor, 1.0)
    bottom.grid(True, alpha=0.3)
    legend_outside(bottom)
    fig.suptitle(title or "The capped network equals the periodic neuron except on the "
                 "shaded tail of <w, x>", fontsize=10)
    return fig


def pancakes(
    panels: Sequence[Mapping[str, Any]], *, title: str | None = None
) -> Figure:
    """CLWE and homogeneous CLWE samples projected on the secret and one orthogonal direction.

    Each panel is a mapping with ``along`` and ``across`` (the two plotted coordinates of the
    samples: for hCLWE ``<w, y>`` and ``<u, y>`` with ``u`` a unit vector orthogonal to
    ``w``; for CLWE ``<w, y>`` and the label ``z``), ``label`` (the panel title, e.g. the
    problem and its ``gamma``), optionally ``xlabel`` / ``ylabel``, and optionally
    ``period``: the spacing of the layers along ``w`` (``gamma / (beta^2 + gamma^2)`` for
    hCLWE), drawn as grey lines.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = {"along": rng.normal(size=50), "across": rng.normal(size=50), "label": "null"}
    >>> len(pancakes([p, p]).axes)
    2
    """
    n = len(panels)
    if n == 0:
        raise ParameterError("panels must hold at least one panel to draw; got 0.")
    ncols = min(n, 2)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.6 * ncols + 0.6, 4.0 * nrows + 0.6), layout="constrained")
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax, panel in zip(axes, panels, strict=False):
        along = np.asarray(panel["along"], dtype=float)
        across = np.asarray(panel["across"], dtype=float)
        period = panel.get("period")
        if period:
            lim = float(np.max(np.abs(along))) if along.size else 1.0
            for k in range(-int(lim / period) - 1, int(lim / period) + 2):
                ax.axvline(k * period, color="0.85", linewidth=0.6, zorder=0)
        ax.scatter(along, across, s=3, alpha=0.5, color="C0", linewidths=0)
        ax.set_title(str(panel.get("label", "")), fontsize=9)
        ax.set_xlabel(str(panel.get("xlabel", "<w, y> (along the secret w)")))
        ax.set_ylabel(str(panel.get("ylabel", "<u, y> (u orthogonal to w)")))
    fig.suptitle(title or "Samples seen along the secret and across it", fontsize=10)
    return fig


def hard_width_vs_dim(
    dims: Sequence[int] | None = None,
    *,
    trained_widths: Sequence[int] | None = None,
    title: str | None = None,
) -> Figure:
    """The hard instance's width ``4R + 1`` against ``d`` next to widths commonly trained.

    Pure: computed by :func:`hardlearn.regimes.lzz_regime` (polynomial regime; the width
    does not depend on the label noise, so the super-polynomial regimes draw the same
    curve) and :func:`hardlearn.regimes.hard_dims_for_width`. Each trained width ``k`` is a
    horizontal line, marked where it crosses the curve: below that ``d`` a width-``k``
    network already contains LZZ's hard instance. ``sqrt(d log d)`` is drawn for the shape
    of the theorem's ``omega(sqrt(d log d))``. Log-log axes.
    """
    from hardlearn.regimes import TRAINED_WIDTHS, hard_dims_for_width, lzz_regime

    widths = tuple(TRAINED_WIDTHS if trained_widths is None else trained_widths)
    grid = (np.unique(np.geomspace(4, 65536, 60).round().astype(int)) if dims is None
            else np.asarray(sorted({int(d) for d in dims})))
    if grid.size == 0 or grid[0] < 2:
        raise ParameterError(f"dims must be integers >= 2; got {list(grid)}.")
    fig = Figure(figsize=(8.0, 4.4), layout="constrained")
    ax = fig.subplots()
    # the triangle's width is always a number (only the cosine's can be None)
    ax.plot(grid, [float(lzz_regime(int(d)).width or 0) for d in grid], "k-", marker=".",
            label="hard width 4R + 1 (gamma = 2 sqrt d, m = d^2)")
    ax.plot(grid, np.sqrt(grid * np.log(grid)), "k:", label="sqrt(d log d)")
    for k in widths:
        h = hard_dims_for_width(int(k))
        ax.axhline(k, color="tab:blue", linewidth=0.6, alpha=0.6)
        if h.max_dim >= grid[0]:
            ax.plot([h.max_dim], [k], "o", color="tab:blue")
            ax.text(h.max_dim, k * 1.08, f"width {k}: hard up to d = {h.max_dim}", fontsize=7,
                    ha="right")
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax, axis="both")
    ax.set_xlabel("dimension d")
    ax.set_ylabel("width (hidden units)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(title or "Widths commonly trained already contain LZZ's hard instance",
                 fontsize=9)
    return fig


def seconds_against(table: Any, *, x: str = "dim", group: str = "learner",
                    title: str | None = None) -> Figure:
    """Mean wall seconds of a trial against ``x``, one line per ``group``, log ``y`` axis
    (issue 16: exhaustive search's time against ``d``). Each point is marked with its number
    of trials; no band (with two or three trials a band on a log axis says little, and the
    report's table holds the means). Tick labels are plain numbers, so the figure reads the
    same with math text off (the CLI's setting).

    Examples
    --------
    >>> rows = [{"status": "ok", "learner": "a", "dim": d, "seconds": 0.1 * 3**d}
    ...         for d in (2, 3, 4)]
    >>> fig = seconds_against(rows)
    >>> fig.axes[0].get_yscale(), len(fig.axes[0].lines)
    ('log', 1)
    """
    rows = [r for r in _ok_values(as_rows(table), "seconds")
            if _number(r.get(x)) is not None and float(r["seconds"]) > 0]
    if not rows:
        raise ParameterError(f"no trial with status ok has numeric {x!r} and seconds > 0.")
    fig = Figure(figsize=(7.0, 3.8), layout="constrained")
    ax = fig.subplots()
    for label, grows in _groups(rows, group):
        xs = sorted({v for r in grows if (v := _number(r[x])) is not None})
        means, counts = [], []
        for xv in xs:
            vals = [float(r["seconds"]) for r in grows if _number(r[x]) == xv]
            means.append(sum(vals) / len(vals))
            counts.append(len(vals))
        (line,) = ax.plot(xs, means, marker="o", label=f"{group} = {label}")
        for xv, m, n in zip(xs, means, counts, strict=True):
            ax.annotate(f"n={n}", (xv, m), textcoords="offset points", xytext=(4, 4),
                        fontsize=6, color=line.get_color())
    ax.set_yscale("log")
    plain_log_ticks(ax, axis="y")
    if all(float(_number(r[x]) or 0.0).is_integer() for r in rows):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel("mean seconds a trial (log scale)")
    ax.grid(True, which="both", alpha=0.3)
    legend_outside(ax)
    ax.set_title(title or f"Wall seconds of a trial against {x}", fontsize=9)
    return fig

