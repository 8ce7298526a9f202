"""Plots and the report: pure functions of a small results table, smoke-tested under Agg."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from matplotlib.figure import Figure

from hardlearn.cli import main
from hardlearn.errors import ParameterError
from hardlearn.experiments.plots import (
    curves,
    filter_rows,
    heatmap,
    plot_results,
    save_figure,
)
from hardlearn.experiments.report import default_figures, render_html, write_report

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def table():
    rng = np.random.default_rng(0)
    rows = []
    for learner in ("mlp", "mean"):
        for dim in (8, 16, 32):
            for bits in (10, 20, 40):
                for rep in range(3):
                    ok = not (dim == 32 and bits == 10 and rep == 0)
                    rows.append(
                        {
                            "task_id": f"{learner}-{dim}-{bits}-{rep}",
                            "status": "ok" if ok else "failed",
                            "dim": dim,
                            "noise_bits": bits,
                            "learner": learner,
                            "repetition": rep,
                            "success": bool(bits > dim) if ok else None,
                            "advantage": float(rng.normal(0.1, 0.05)) if ok else None,
                            "seconds": 0.1,
                        }
                    )
    return rows


def test_heatmap_is_a_pure_function_of_the_table():
    rows = table()
    before = [dict(r) for r in rows]
    fig = heatmap(rows, x="dim", y="noise_bits", color="success")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3  # two learners + colour bar
    assert rows == before
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (3, 3)
    assert image[0, 0] == 1.0 and image[0, 2] == 0.0  # dim 8, 10 bits; dim 32, 10 bits


def test_curves_and_bands():
    fig = curves(table(), x="dim", y="advantage")
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    assert ax.get_legend() is not None
    # A band is drawn for every group; it brackets the plotted means.
    for line, band in zip(ax.lines, ax.collections, strict=True):
        ys = line.get_ydata()
        verts = band.get_paths()[0].vertices[:, 1]
        assert verts.min() <= min(ys) and verts.max() >= max(ys)


def test_accepts_arrow_tables_and_filters():
    arrow = pa.Table.from_pylist(table())
    fig = plot_results(arrow, x="dim", y="noise_bits", color="advantage", where={"learner": "mlp"})
    assert len(fig.axes) == 2
    assert len(filter_rows(table(), {"dim": 8.0})) == 18


def test_plot_errors_name_the_column():
    with pytest.raises(ParameterError, match="'width' is not a column"):
        heatmap(table(), x="width", y="noise_bits", color="success")
    with pytest.raises(ParameterError, match="no trial with status ok"):
        curves([{"status": "failed", "dim": 1, "advantage": None}], x="dim", y="advantage")


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_save_figure_formats(tmp_path, suffix):
    path = save_figure(curves(table(), x="dim", y="success"), tmp_path / f"f{suffix}")
    assert path.stat().st_size > 1000
    with pytest.raises(ParameterError, match=r"must end in \.png"):
        save_figure(Figure(), tmp_path / "f.gif")


def test_threshold_sweep_report_draws_the_model_beside_the_measurements():
    rows = [{"status": "ok", "dim": d, "labels": lab, "samples": smp, "noise_bits": bits,
             "censored": None}
            for d, lab, smp, bits in [(12, "clwe", "d+1", 55.0), (20, "clwe", "d+1", 95.0),
                                      (12, "clwe", "auto", 7.0), (20, "clwe", "auto", 8.0)]]
    figs = default_figures(rows, task="threshold", swept=("dim", "samples"))
    caption, fig = figs[0]
    assert caption.startswith("Noise exponent p") and "hardlearn estimate" in caption
    labels = [line.get_label() for ax in fig.axes for line in ax.get_lines()]
    assert any("LLL" in lab for lab in labels)  # the predicted curves are drawn
    assert len(figs) == 2  # and the generic curve over dim after it


def test_report_page_is_self_contained():
    rows = table()
    figs = default_figures(rows, task="attack", swept=("dim", "noise_bits"))
    assert len(figs) == 3  # phase diagram and two curves
    page = render_html(
        rows,
        meta={"task": "attack", "versions": '{"numpy": "2.0"}'},
        spec_text="task = 'attack' <&>",
        figures=figs,
    )
    assert page.count("data:image/png;base64,") == 3
    assert "task = &#39;attack&#39; &lt;&amp;&gt;" in page and "<&>" not in page
    assert "http://" not in page and "https://" not in page
    assert "failed 2" in page and "Failures (2)" in page


def test_cli_plot_and_report(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["sweep", str(EXAMPLES / "smoke.toml"), "--out", str(run), "-q"]) == 0
    png = tmp_path / "p.png"
    assert main(["plot", str(run), "--x", "x", "--y", "advantage", "--out", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    heat = tmp_path / "h.svg"
    args = ["plot", str(run), "--x", "x", "--y", "repetition", "--color", "success"]
    assert main([*args, "--out", str(heat), "--where", "learner=a"]) == 0
    assert main(["plot", str(run), "--x", "nope", "--y", "x", "--out", str(png)]) == 2
    assert "'nope' is not a column" in capsys.readouterr().err
    assert main(["report", str(run)]) == 0
    page = (run / "report.html").read_text()
    assert "<img" in page and "engine smoke test" in page


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.skipif(_chromium() is None, reason="no headless Chromium on this machine")
def test_report_renders_in_headless_chromium(tmp_path):
    run = tmp_path / "run"
    assert main(["sweep", str(EXAMPLES / "smoke.toml"), "--out", str(run), "-q"]) == 0
    page = write_report(run)
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.shape[0] >= 1000
    # not a blank page: many distinct colours from the figures and the table
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1])[::97], axis=0)) > 50


def test_figure_rules_log_scale_legend_outside_and_n_shown():
    rows = [{"status": "ok", "freq": f, "dim": d, "advantage": a, "learner": None}
            for d in (8, 16) for f in (0.25, 0.5, 1.0, 2.0) for a in (0.1, 0.3, 0.2)]
    fig = curves(rows, x="freq", y="advantage", group="dim", task="learn")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "log scale" in ax.get_xlabel()
    assert "n = 3" in fig._suptitle.get_text() and "Student-t" in fig._suptitle.get_text()
    legend = ax.get_legend()
    assert legend is not None and legend.get_bbox_to_anchor().x0 > ax.bbox.x1 - 1
    # the band is the Student-t interval (t_2 = 4.303), not the normal one
    verts = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert verts.max() == pytest.approx(0.2 + 4.302652729 * 0.1 / np.sqrt(3), rel=1e-6)


def test_undrawn_axes_become_panels_not_averages():
    rows = [{"task_id": f"{d}-{f}-{r}", "status": "ok", "dim": d, "freq": f, "samples": m,
             "advantage": float(f < 1), "learner": "mlp", "seconds": 0.1}
            for d in (8, 16) for f in (0.25, 2.0) for m in (100, 1000) for r in range(2)]
    figs = default_figures(rows, task="learn", swept=("dim", "freq", "samples"))
    heat_caption, heat = figs[0]
    assert "One panel per samples" in heat_caption and "Pooled" not in heat_caption
    assert len([a for a in heat.axes if a.get_visible() and a.images]) == 2
    curve_caption, curve = figs[1]
    assert "one line per freq" in curve_caption and "one panel per samples" in curve_caption
    page = render_html(rows, meta={"task": "learn"}, spec_text="", figures=[],
                       swept=("dim", "freq", "samples"))
    assert "Results per grid point" in page and "mean advantage" not in page.split(
        "Trials per learner")[1]


def test_new_pictures_are_pure_functions_of_their_data():
    from hardlearn.experiments.demo_plan import SIZES, demo_regime
    from hardlearn.experiments.demo_report import network_picture_data, pancake_data
    from hardlearn.experiments.plots import network_along_secret, pancakes

    regime = demo_regime(SIZES["quick"])
    data = network_picture_data(regime, rng=np.random.default_rng(0))
    inside = np.abs(data["t"]) <= data["cutoff"]
    assert np.max(np.abs(data["network"][inside] - data["target"][inside])) < 1e-9
    fig = network_along_secret(**data)
    assert fig.axes[1].get_yscale() == "log" and len(fig.axes[1].collections) == 1
    panels = pancake_data(6, {"easy": 0.6, "hard": 4.9}, 0.01, 200,
                          rng=np.random.default_rng(1))
    assert len(panels) == 4 and all(len(p["along"]) == 200 for p in panels)
    assert len([a for a in pancakes(panels).axes if a.get_visible()]) == 4


def test_log_axes_read_as_numbers_when_a_report_turns_math_text_off():
    # the sweep report draws with text.parse_math off (user labels as written); log axes'
    # default tick labels are math text ("$\mathdefault{10^{2}}$") and would show raw
    import matplotlib

    from hardlearn.experiments.demo_plan import SIZES, demo_regime
    from hardlearn.experiments.demo_report import network_picture_data
    from hardlearn.experiments.lattice_plots import lattice_threshold_figure
    from hardlearn.experiments.plots import hard_width_vs_dim, network_along_secret

    rows = [{"status": "ok", "dim": 12, "labels": "clwe", "samples": "d+1", "noise_bits": 55.0}]
    data = network_picture_data(demo_regime(SIZES["quick"]), rng=np.random.default_rng(0))
    with matplotlib.rc_context({"text.parse_math": False}):
        for fig in (lattice_threshold_figure(rows), hard_width_vs_dim(),
                    network_along_secret(**data)):
            fig.canvas.draw()
            ticks = [t.get_text() for ax in fig.axes for t in
                     ax.get_xticklabels() + ax.get_yticklabels()]
            assert ticks and not any("$" in t for t in ticks), ticks


def test_long_log_tick_labels_are_slanted_so_they_do_not_run_together():
    """A noise axis's labels (0.000244 ...) are drawn at 30 degrees; short ones stay level."""
    from hardlearn.experiments.plots import plain_log_ticks

    def rotations(values):
        ax = Figure(figsize=(4.4, 3)).subplots()
        ax.set_xscale("log")
        ax.plot(values, range(len(values)))
        plain_log_ticks(ax, values)
        return {label.get_text(): label.get_rotation() for label in ax.get_xticklabels()}

    noise = rotations([2.0**-12, 2.0**-10, 2.0**-8, 2.0**-6])
    assert set(noise) == {"0.000244", "0.000977", "0.00391", "0.0156"}
    assert set(noise.values()) == {30.0}
    assert set(rotations([2.0, 4.0, 8.0, 16.0]).values()) == {0.0}
