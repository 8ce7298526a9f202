"""The lattice-threshold figure and the instance-security table.

The figure is a pure function of stored ``threshold`` trials (measured thresholds, the
model's curves from :mod:`hardlearn.estimate`, LZZ's regimes from
:func:`hardlearn.regimes.lzz_regime`); the table a pure function of a stored
:func:`hardlearn.estimate.instance_security` dict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from hardlearn.errors import HardlearnError, ParameterError

__all__ = ["lattice_threshold_figure", "THRESHOLD_CAPTION", "security_table",
           "SECURITY_LEGEND"]

#: What each column of :func:`security_table` means (the report prints it under the table).
SECURITY_LEGEND = {
    "target": "the CLWE layer (labels z mod 1 with the CLWE noise beta / sqrt(2 pi)) or the "
              "learning problem (the network's labels with label noise sigma)",
    "noise bits": "p with noise standard deviation 2^-p (larger p: less noise, easier)",
    "LLL threshold": "the model's smallest p that LLL recovers and certifies, at its best "
                     "sample count m among those available (hardlearn estimate)",
    "block size": "the smallest BKZ block size predicted to recover this noise with the "
                  "samples available (2: LLL suffices; 'none': not even full enumeration)",
    "core-SVP bits": "cost of that block size, 0.292 beta classical (sieving, BDGL16) / "
                     "0.265 beta quantum, in bits (ADPS16's core-SVP model; 0 cost: LLL, "
                     "polynomial time)",
    "LLL learns up to d": "the largest d at which LLL is predicted to learn this target at "
                          "the regime's own noise law and sample count (0: at no d searched)",
}


def security_table(security: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the predicted cheapest lattice attack on one regime instance.

    ``security`` is a stored :func:`hardlearn.estimate.instance_security` result (its keys
    ``clwe`` and ``learning``); the columns are explained by :data:`SECURITY_LEGEND`.

    Examples
    --------
    >>> from hardlearn.estimate import instance_security
    >>> from hardlearn.regimes import lzz_regime
    >>> head, rows = security_table(instance_security(lzz_regime(16)))
    >>> head[0], [r[0] for r in rows]
    ('target', ['CLWE layer', 'learning problem'])
    """
    head = ["target", "labels", "noise bits", "samples", "LLL threshold", "LLL recovers",
            "block size", "core-SVP bits", "LLL learns up to d"]
    names = {"clwe": "CLWE layer", "learning": "learning problem"}
    rows = []
    for key, name in names.items():
        t = security.get(key)
        if not t:
            rows.append([name, "-", "-", "-", "-", "-", "-", "-", "-"])
            continue
        beta = t["block_size_needed"]
        if beta is None:
            block, cost = "none", "-"
        elif beta == 2:
            block, cost = "2 (LLL)", "0 (polynomial)"
        else:
            block = str(beta)
            cost = f"{t['cost_bits_classical']:.1f} / {t['cost_bits_quantum']:.1f}"
        learns = t["lll_learnable_up_to_dim"]
        rows.append([
            name, t["labels"], f"{t['noise_bits']:.2f}", str(t["samples"]),
            f"{t['lll_threshold_bits']:.1f} (m = {t['best_samples']})",
            "yes" if t["lll_recovers"] else "no", block, cost,
            f">= {learns} (searched to {t['searched_up_to_dim']})"
            if learns == t["searched_up_to_dim"] else str(learns),
        ])
    return head, rows

#: The caption that goes with :func:`lattice_threshold_figure` (what the reader needs).
THRESHOLD_CAPTION = (
    "Noise exponent p (the label noise is 2^-p: higher means less noise, an easier problem) "
    "against the dimension d, both on log scales. Markers: the measured threshold of the "
    "package's lattice attack (the smallest p at which the stated fraction of fresh secrets "
    "is recovered), filled for the prediction model's best sample count, hollow for d + 1 "
    "samples (SZB21's minimal attack); a downward triangle marks a search stopped by a "
    "timeout (its value is an upper bound). Solid and dashed lines: the model's predicted "
    "thresholds (hardlearn estimate) for LLL and BKZ, at the best sample count, extrapolated "
    "to d = 1024; dotted: LLL with d + 1 samples. Black: LZZ's label-noise regimes, polynomial "
    "sigma = d^-2 and 2^-(d^eta); grey dash-dot: the CLWE noise beta / sqrt(2 pi) of the "
    "regime's own instance. Above the model's LLL curve for triangle labels (green) the "
    "network is learnable by LLL; on and below LZZ's polynomial regime (red) learning is as "
    "hard as lattice problems. The polynomial curve lies below the super-polynomial ones at "
    "small d only because d^eta < 2 log2 d there; from d of about 10^4 on it is above them."
)


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def lattice_threshold_figure(
    table: Any,
    *,
    max_dim: int = 1024,
    block_sizes: Sequence[int] = (40,),
    etas: Sequence[float] = (0.25, 0.49),
) -> Figure:
    """Measured lattice thresholds beside the model's curves and LZZ's regimes.

    ``table`` holds ``threshold`` trials (anything :func:`~hardlearn.experiments.plots.as_rows`
    reads): columns ``dim``, ``noise_bits``, ``labels``, ``samples``
    (``"auto"`` / ``"d+1"`` / an integer), ``censored`` and ``status``.

    Examples
    --------
    >>> fig = lattice_threshold_figure([{"dim": 10, "noise_bits": 40, "labels": "clwe",
    ...                                  "samples": "d+1", "censored": "none",
    ...                                  "status": "ok"}], max_dim=64)
    >>> fig.axes[0].get_yscale()
    'log'
    """
    from hardlearn.estimate import best_samples, threshold_bits
    from hardlearn.experiments.plots import as_rows, plain_log_ticks
    from hardlearn.regimes import lzz_regime

    rows = [r for r in as_rows(table) if r.get("status", "ok") == "ok" and _num(r.get("noise_bits"))
            is not None and _num(r.get("dim")) is not None]
    if not rows:
        raise ParameterError("no finished threshold trial with a numeric noise_bits to plot.")
    fig = Figure(figsize=(9.6, 5.2), layout="constrained")
    ax = fig.subplots()
    grid = np.unique(np.geomspace(4, max_dim, 48).round().astype(int))
    colours = {"clwe": "tab:blue", "triangle": "tab:orange", "cosine": "tab:purple"}
    kinds = sorted({str(r.get("labels", "clwe")) for r in rows})
    curves: dict[str, np.ndarray] = {}
    for kind in sorted(set(kinds) | {"triangle"}):
        colour = colours.get(kind, "tab:grey")
        lll = np.array([best_samples(int(d), None, kind, "lll")[1] for d in grid])
        curves[kind] = lll
        ax.plot(grid, lll, "-", color=colour, linewidth=1.2,
                label=f"model: LLL, best m ({kind} labels)")
        for beta in block_sizes:
            bkz = [best_samples(int(d), None, kind, "bkz", beta)[1] for d in grid]
            ax.plot(grid, bkz, "--", color=colour, linewidth=1.0,
                    label=f"model: BKZ-{beta}, best m ({kind})")
        plus1 = [float(threshold_bits(int(d), int(d) + 1, kind)) for d in grid]
        ax.plot(grid, plus1, ":", color=colour, linewidth=1.0,
                label=f"model: LLL, d + 1 samples ({kind})")
    for kind in kinds:
        colour = colours.get(kind, "tab:grey")
        for which, face in (("best", colour), ("d+1", "none")):
            pts = [r for r in rows if str(r.get("labels", "clwe")) == kind and
                   (str(r.get("samples")) in ("d+1", "0")) == (which == "d+1")]
            for censored in (False, True):
                sel = [r for r in pts if (str(r.get("censored")) == "timeout") == censored]
                if not sel:
                    continue
                # numeric: rows are filtered with _num above
                ax.scatter([float(r["dim"]) for r in sel], [float(r["noise_bits"]) for r in sel],
                           marker="v" if censored else "o", s=36, facecolors=face,
                           edgecolors=colour, zorder=5,
                           label=f"measured: {kind}, {'best m' if which == 'best' else 'd + 1'}"
                           + (" (timeout: upper bound)" if censored else ""))
    poly = np.array([lzz_regime(int(d)).sigma_bits for d in grid])
    ax.plot(grid, poly, "k-", linewidth=1.6, label="LZZ: sigma = d^-2 (polynomial)")
    for eta in etas:
        ax.plot(grid, [lzz_regime(int(d), eta=eta).sigma_bits for d in grid], "k-.",
                linewidth=0.9, label=f"LZZ: sigma = 2^-(d^{eta:g})")
    clwe = []
    for d in grid:
        std = lzz_regime(int(d)).clwe_noise_std
        if std is None:  # the default (Gaussian) regime always has a beta
            raise HardlearnError(f"the regime at d = {int(d)} has no CLWE noise beta.")
        clwe.append(-math.log2(std))
    ax.plot(grid, clwe, color="grey", linestyle="-.", linewidth=1.0,
            label="regime's CLWE noise beta / sqrt(2 pi)")
    top = max(float(np.max(curves["triangle"])) * 4, 100.0)
    ax.fill_between(grid, curves["triangle"], top, color="tab:green", alpha=0.08)
    ax.fill_between(grid, 0.5, poly, color="tab:red", alpha=0.08)
    ax.text(grid[1], float(curves["triangle"][1]) * 4, "learnable by LLL\n(triangle labels)",
            fontsize=8, color="tab:green")
    ax.text(grid[-1], 0.7, "LZZ: learning the network is hard at noise >= d^-2 (asymptotic)",
            fontsize=8, color="tab:red",
            ha="right")
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax, axis="both")
    ax.set_ylim(0.5, top)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel("dimension d (log scale)")
    ax.set_ylabel("noise exponent p, label noise 2^-p (log scale; up = less noise)")
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title("Where lattice reduction learns: the noise it tolerates against d, "
                 "measured and predicted", fontsize=9)
    return fig
