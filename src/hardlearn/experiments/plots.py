"""Pictures of a results table: phase diagrams (heatmaps) and curves with confidence bands.

Every function here is a pure function of the results table (a list of row dicts as
:func:`~hardlearn.experiments.store.read_results` returns, a :class:`pyarrow.Table`, or a
pandas DataFrame) and returns a :class:`matplotlib.figure.Figure`. None touches pyplot's
global state, so they are safe in servers, tests and worker processes. Only trials with
status ``ok`` enter the statistics; the cell and point counts are shown.

Confidence bands: for a 0/1 column (``success``) the Wilson score interval of the success
rate; for a real column the mean plus or minus ``z`` standard errors (normal approximation,
``z = 1.96`` for 95 %).

Examples
--------
>>> rows = [{"status": "ok", "dim": d, "noise_bits": b, "success": d < b, "learner": None}
...         for d in (8, 16) for b in (10, 20) for _ in range(3)]
>>> fig = heatmap(rows, x="dim", y="noise_bits", color="success")
>>> len(fig.axes)  # one panel and its colour bar
2
>>> fig = curves(rows, x="dim", y="success")
>>> fig.axes[0].get_xlabel()
'dim'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from hardlearn.errors import ParameterError
from hardlearn.metrics import mean_ci, wilson_interval

__all__ = [
    "as_rows",
    "filter_rows",
    "heatmap",
    "curves",
    "plot_results",
    "save_figure",
    "threshold_vs_regimes",
    "advantage_vs_frequency",
    "hard_width_vs_dim",
    "FIGURE_FORMATS",
]

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


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}
    for row in rows:
        for key in row:
            cols.setdefault(key, None)
    return list(cols)


def _need(rows: Sequence[Mapping[str, Any]], name: str, what: str) -> None:
    cols = _columns(rows)
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


def heatmap(
    table: Any,
    *,
    x: str,
    y: str,
    color: str,
    group: str | None = "learner",
    where: Mapping[str, Any] | None = None,
    title: str | None = None,
    cmap: str = "viridis",
) -> Figure:
    """Phase diagram: the mean of ``color`` in every (``x``, ``y``) cell, one panel per group.

    Cells are annotated with the mean and the number of trials. ``success``-like 0/1
    columns give the success rate on a fixed 0-1 scale.
    """
    rows = filter_rows(as_rows(table), where)
    for name, what in ((x, "--x"), (y, "--y"), (color, "--color")):
        _need(rows, name, what + " column")
    ok = _ok_values(rows, color)
    if not ok:
        raise ParameterError(f"no trial with status ok has a value of {color!r} to plot.")
    panels = _groups(ok, group)
    xs = sorted({r[x] for r in ok}, key=_sort_key)
    ys = sorted({r[y] for r in ok}, key=_sort_key)
    binary = _is_binary([r[color] for r in ok])
    means = []
    for _, prow in panels:
        grid = np.full((len(ys), len(xs)), np.nan)
        count = np.zeros((len(ys), len(xs)), dtype=int)
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                vals = [_number(r[color]) for r in prow if r[x] == xv and r[y] == yv]
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
    width = 1.6 + n * (0.6 * max(4, len(xs)) + 0.6) + 1.2
    fig = Figure(figsize=(width, 1.8 + 0.5 * max(4, len(ys))), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)[0]
    image = None
    for ax, (label, _), (grid, count) in zip(axes, panels, means, strict=True):
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
        ax.set_xlabel(x)
        if ax is axes[0]:
            ax.set_ylabel(y)
        if label is not None:
            ax.set_title(f"{group} = {label}", fontsize=10)
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
    label = f"{'rate of ' if binary else 'mean '}{color}"
    fig.colorbar(image, ax=list(axes), label=label, shrink=0.95)
    if title:
        fig.suptitle(title)
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
    where: Mapping[str, Any] | None = None,
    title: str | None = None,
    confidence: float = 0.95,
) -> Figure:
    """Mean of ``y`` against ``x``, one line per group, with a confidence band.

    0/1 columns get Wilson intervals, real columns the normal interval of the mean (both from
    :mod:`hardlearn.metrics`; a point with one value gets no band). ``x``
    is drawn on a log scale when its positive values span more than two decades.
    """
    rows = filter_rows(as_rows(table), where)
    for name, what in ((x, "--x"), (y, "--y")):
        _need(rows, name, what + " column")
    ok = [r for r in _ok_values(rows, y) if _number(r.get(x)) is not None]
    if not ok:
        raise ParameterError(f"no trial with status ok has numeric values of {x!r} and {y!r}.")
    binary = _is_binary([r[y] for r in ok])
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    for label, prow in _groups(ok, group):
        xs = sorted({_number(r[x]) for r in prow})
        mid, lo, hi = [], [], []
        for xv in xs:
            vals = [_number(r[y]) for r in prow if _number(r[x]) == xv]
            if binary:
                hits = int(round(sum(vals)))
                m = hits / len(vals)
                a, b = wilson_interval(hits, len(vals), confidence)
            elif len(vals) > 1:
                est = mean_ci(vals, confidence)
                m, (a, b) = est.mean, est.ci
            else:
                m = a = b = float(vals[0])
            mid.append(m)
            lo.append(a)
            hi.append(b)
        name = str(label) if label is not None else y
        (line,) = ax.plot(xs, mid, marker="o", label=name)
        ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
    xvals = [_number(r[x]) for r in ok]
    positive = [v for v in xvals if v is not None and v > 0]
    if positive and len(positive) == len(xvals) and max(positive) / min(positive) > 100:
        ax.set_xscale("log")
    if all(float(v).is_integer() for v in xvals if v is not None) and ax.get_xscale() == "linear":
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(x)
    ax.set_ylabel(f"{'rate of ' if binary else 'mean '}{y}")
    ax.grid(True, alpha=0.3)
    if group and any(r.get(group) is not None for r in ok):
        ax.legend(title=group, fontsize=8)
    band = "Wilson" if binary else "normal"
    ax.set_title(title or f"{y} vs {x} ({band} {confidence:.0%} band)", fontsize=10)
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


def threshold_vs_regimes(
    table: Any,
    *,
    etas: Sequence[float] = (0.25, 0.49),
    title: str | None = None,
) -> Figure:
    """The lattice attack's noise threshold against ``d``, on the axes of LZZ's noise regimes.

    ``table`` holds ``threshold`` trials (columns ``dim``, ``noise_bits``, optionally
    ``labels``). Each label kind gets the median threshold over its trials with the min-max
    range as error bars: the attack succeeds when the noise is below ``2^-noise_bits``. The
    regimes are drawn from :func:`hardlearn.regimes.lzz_regime`: polynomial noise
    ``sigma = d^-2`` (``2 log2 d`` bits) and super-polynomial noise ``2^(-d^eta)``
    (``d^eta`` bits) for each ``eta`` in ``etas``; LZZ's theorem says learning is hard at
    all of them. The float64 significand (53 bits) is marked for reference. The y axis is
    logarithmic.
    """
    from hardlearn.regimes import lzz_regime

    rows = [r for r in as_rows(table) if r.get("status") == "ok"]
    _need(rows, "noise_bits", "threshold column")
    _need(rows, "dim", "dimension column")
    ok = [r for r in rows if _number(r.get("noise_bits")) is not None]
    if not ok:
        raise ParameterError("no finished threshold trial has a numeric noise_bits.")
    fig = Figure(figsize=(8.8, 4.4), layout="constrained")
    ax = fig.subplots()
    for label, prow in _groups(ok, "labels"):
        dims = sorted({int(_number(r["dim"])) for r in prow})
        med, lo, hi = [], [], []
        for d in dims:
            vals = [_number(r["noise_bits"]) for r in prow if int(_number(r["dim"])) == d]
            med.append(float(np.median(vals)))
            lo.append(med[-1] - min(vals))
            hi.append(max(vals) - med[-1])
        name = f"lattice attack ({label} labels)" if label is not None else "lattice attack"
        ax.errorbar(dims, med, yerr=[lo, hi], marker="o", capsize=3, label=name)
    all_dims = sorted({int(_number(r["dim"])) for r in ok})
    grid = np.unique(np.linspace(max(2, min(all_dims)), max(all_dims), 60).round().astype(int))
    poly = [lzz_regime(int(d)).sigma_bits for d in grid]
    ax.plot(grid, poly, "k--", label="polynomial noise d^-2 (hard: LZZ)")
    for eta in etas:
        bits = [lzz_regime(int(d), eta=eta).sigma_bits for d in grid]
        ax.plot(grid, bits, ":", label=f"noise 2^-(d^{eta:g}) (hard: LZZ)")
    ax.axhline(53, color="grey", linewidth=0.8)
    ax.text(grid[-1], 55, "float64 significand (53 bits)", fontsize=7, color="grey",
            ha="right")
    ax.set_yscale("log")
    ax.set_xlabel("dimension d")
    ax.set_ylabel("noise exponent p (noise std 2^-p)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(
        title or "Lattice reduction learns only below its threshold noise; LZZ: hard above",
        fontsize=9,
    )
    return fig


def advantage_vs_frequency(
    table: Any, *, paper_freqs: Mapping[Any, float] | None = None, title: str | None = None
) -> Figure:
    """Learning advantage against the frequency, one line per dimension, with 95 % bands.

    ``paper_freqs`` maps a dimension to the frequency of the hard instance
    (``gamma / sqrt(2 pi)`` with ``gamma = 2 sqrt d``); each is marked by a dashed vertical
    line in its curve's colour.
    """
    fig = curves(table, x="freq", y="advantage", group="dim",
                 title=title or "Advantage 1 - MSE / Var f against the frequency")
    ax = fig.axes[0]
    colours = {line.get_label(): line.get_color() for line in ax.lines}
    for dim, freq in (paper_freqs or {}).items():
        colour = colours.get(str(dim), "grey")
        ax.axvline(freq, color=colour, linestyle="--", linewidth=1)
        ax.text(freq, 0.02, f" d={dim}: gamma=2 sqrt d", rotation=90, fontsize=7,
                color=colour, va="bottom", transform=ax.get_xaxis_transform())
    ax.axhline(0.0, color="black", linewidth=0.6)
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
    ax.plot(grid, [lzz_regime(int(d)).width for d in grid], "k-", marker=".",
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
    ax.set_xlabel("dimension d")
    ax.set_ylabel("width (hidden units)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(title or "Widths commonly trained already contain LZZ's hard instance",
                 fontsize=9)
    return fig
