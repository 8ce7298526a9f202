"""The demo's pictures and report page: pure functions of what the demo stored.

The figures (:func:`write_figures`) are drawn from the demo's result rows and its regime;
the page (:func:`render_demo_html`) from a :class:`~hardlearn.experiments.demo.DemoResult`,
with every figure's caption (:func:`figure_captions`) stating the settings behind it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn.experiments.demo_plan import (
    SIZES,
    DemoSize,
    control_gamma,
    demo_regime,
    paper_freq,
)
from hardlearn.experiments.lattice_plots import SECURITY_LEGEND, THRESHOLD_CAPTION, security_table
from hardlearn.reduction import default_eps

if TYPE_CHECKING:
    from hardlearn.experiments.demo import DemoResult

__all__ = ["network_picture_data", "pancake_data", "write_figures", "figure_captions",
           "render_demo_html"]


def network_picture_data(regime: Any, *, rng: np.random.Generator) -> dict[str, Any]:
    """What :func:`hardlearn.experiments.plots.network_along_secret` draws, for ``regime``.

    The capped network of the regime (radius ``R``, width ``4R + 1``) and the periodic neuron
    ``tri(freq t)`` at the points ``x = t w`` for ``t`` in ``[-1.25 R / freq, 1.25 R / freq]``.
    """
    from hardlearn.problems.clwe import random_direction
    from hardlearn.problems.network import capped_periodic_network
    from hardlearn.problems.periodic import get_activation

    w = random_direction(regime.dim, rng=rng)
    net = capped_periodic_network(w, regime.freq, regime.radius)
    cutoff = regime.radius / regime.freq
    t = np.linspace(-1.25 * cutoff, 1.25 * cutoff, 6001)
    return {
        "t": t, "network": np.asarray(net(t[:, None] * w[None, :])),
        "target": get_activation("triangle")(regime.freq * t), "cutoff": cutoff,
        "tail_mass": regime.tail_mass, "width": regime.width, "freq": regime.freq,
    }


def pancake_data(dim: int, gammas: Mapping[str, float], beta: float, samples: int, *,
                 rng: np.random.Generator) -> list[dict[str, Any]]:
    """Panels for :func:`hardlearn.experiments.plots.pancakes`: for each named ``gamma``, CLWE
    samples as (``<w, y>``, label ``z``) and hCLWE samples as (``<w, y>``, ``<u, y>``)."""
    from hardlearn.problems.clwe import CLWE, HomogeneousCLWE, random_direction

    w = random_direction(dim, rng=rng)
    u = rng.standard_normal(dim)
    u -= (u @ w) * w
    u /= np.linalg.norm(u)
    panels = []
    for name, gamma in gammas.items():
        clwe = CLWE(w, gamma, beta).sample(samples, rng=rng)
        panels.append({"along": clwe.y @ w, "across": clwe.z,
                       "label": f"CLWE, {name} gamma = {gamma:.3g}",
                       "ylabel": "label z = gamma <w, y> + e mod 1"})
        hom = HomogeneousCLWE(w, gamma, beta)
        y = hom.sample(samples, rng=rng)
        panels.append({"along": y @ w, "across": y @ u,
                       "label": f"homogeneous CLWE, {name} gamma = {gamma:.3g}",
                       "period": gamma / (gamma**2 + beta**2)})
    return panels


def write_figures(
    out: Path, rows: Mapping[str, list[dict[str, Any]]], preset: DemoSize, seed: int = 0
) -> list[Path]:
    from hardlearn._rng import task_generator
    from hardlearn.experiments import plots

    paths = []
    regime = demo_regime(preset)
    net_rng, cake_rng = (task_generator(seed, {"demo-picture": k}) for k in ("net", "cake"))
    fig = plots.network_along_secret(**network_picture_data(regime, rng=net_rng))
    paths.append(plots.save_figure(fig, out / "network_along_secret.png"))
    gammas = {"easy": control_gamma(preset), "hard": regime.gamma}
    fig = plots.pancakes(pancake_data(preset.dim, gammas, regime.beta, preset.picture_samples,
                                      rng=cake_rng),
                         title=f"CLWE and homogeneous CLWE samples (d = {preset.dim}) seen "
                               "along the secret w")
    paths.append(plots.save_figure(fig, out / "clwe_pancakes.png"))
    threshold_ok = [r for r in rows["threshold"] if r.get("status") == "ok"
                    and r.get("noise_bits") is not None]
    if threshold_ok:
        from hardlearn.experiments.lattice_plots import lattice_threshold_figure

        fig = lattice_threshold_figure(threshold_ok)
        paths.append(plots.save_figure(fig, out / "threshold_vs_dimension.png"))
    learn_ok = [r for r in rows["learn"] if r.get("status") == "ok"]
    if learn_ok:
        fig = plots.advantage_vs_frequency(
            learn_ok, paper_freqs={d: paper_freq(d) for d in preset.learn_dims}
        )
        paths.append(plots.save_figure(fig, out / "mlp_advantage_vs_frequency.png"))
    return paths


def figure_captions(size: DemoSize, regime: Mapping[str, Any]) -> dict[str, str]:
    """The caption of each demo figure, with every setting behind it."""
    from hardlearn.experiments.plots import settings_caption

    mlp = dict(size.mlp_curve_params)
    return {
        "network_along_secret.png": settings_caption(
            "Top: the capped one-hidden-layer ReLU network of the hard instance and the "
            "periodic neuron tri(freq <w, x>), along the secret direction (x = t w). They "
            "agree for |t| <= R / freq (dotted lines); beyond, the network is constant. "
            "Bottom: the density of <w, x> ~ N(0, 1) for x ~ N(0, I_d), log scale; the shaded "
            "tails |t| > R / freq have mass erfc(R / (sqrt 2 freq)) = tail_mass, the "
            "probability that the network and the neuron differ on a random input.",
            {"d": size.dim, "freq": regime["freq"], "R": regime["radius"],
             "width k = 4R + 1": regime["width"], "tail_mass": regime["tail_mass"]},
        ),
        "clwe_pancakes.png": settings_caption(
            f"{size.picture_samples} samples per panel, projected on the secret w and on one "
            "unit vector u orthogonal to it. CLWE (left): the label z follows gamma <w, y> "
            "mod 1 up to noise beta. Homogeneous CLWE (right): the samples lie on thin "
            "parallel layers ('pancakes') orthogonal to w, spaced gamma / (gamma^2 + beta^2) "
            "(grey lines); in every direction orthogonal to w they are N(0, I / (2 pi)). At "
            "the easy gamma (the positive control's) there are few layers; at the hard gamma "
            "= 2 sqrt(d) many, and a learner that does not know w sees a Gaussian.",
            {"d": size.dim, "easy gamma": control_gamma(size), "hard gamma": regime["gamma"],
             "beta": regime["beta"]},
        ),
        "threshold_vs_dimension.png": settings_caption(
            THRESHOLD_CAPTION,
            {"d (d + 1 samples)": ", ".join(str(d) for d in size.threshold_dims),
             "d (best sample count)": ", ".join(str(d) for d in size.best_dims),
             "labels": ", ".join(size.threshold_labels),
             "repetitions": size.threshold_reps, "attempts": size.threshold_attempts,
             "bisection resolution (bits)": f"{size.resolution} (d + 1), 1 (best m)",
             "highest bits": f"{size.bits_high} (d + 1), {size.best_bits_high} (best m)"},
        ),
        "mlp_advantage_vs_frequency.png": settings_caption(
            "Regression advantage 1 - MSE / Var f (MSE on 20,000 fresh inputs) of a "
            "one-hidden-layer ReLU network trained by Adam on the target tri(freq <w, x>), "
            "against the frequency (log scale), one line per dimension d; bands are Student-t "
            "95 % intervals over the repetitions (with 2-3 repetitions t is 12.7-4.3, so bands "
            "in the transition are wide and cut at the axis ends -0.25 and 1.1; the table "
            "below gives them in full). Dashed lines mark each d's hard-instance frequency "
            "2 sqrt(d) / sqrt(2 pi).",
            {"training samples": size.learn_samples, "label noise std": 0.01,
             "width": mlp.get("width"), "steps": mlp.get("steps"),
             "batch size": mlp.get("batch_size", "default"), "learning rate": mlp.get("lr",
                                                                                     "default"),
             "repetitions": size.learn_reps},
        ),
    }


def _samples_text(samples: Any) -> str:
    """How a threshold row's sample count reads in a table."""
    return "best m (model)" if str(samples) == "auto" else str(samples)


def render_demo_html(result: DemoResult, figures: Sequence[Path]) -> str:
    """The demo's report page (self-contained: inline CSS, figures embedded as PNG)."""
    import base64

    from hardlearn.experiments.report import _markup, column, fmt, render_template
    from hardlearn.experiments.sections import hard_widths_section
    from hardlearn.reduction import distinguisher_threshold
    from hardlearn.regimes import FIELDS

    size = SIZES[result.size]
    captions = figure_captions(size, result.regime)

    def fig(name: str) -> dict[str, str] | None:
        for path in figures:
            if Path(path).name == name:
                return {"caption": captions.get(name, name),
                        "data": base64.b64encode(Path(path).read_bytes()).decode()}
        return None

    def f3(value: Any) -> str:
        return fmt(value, 3)

    keys = ("dim", "gamma", "beta", "sigma", "freq", "radius", "width", "tail_mass",
            "tv_total", "gapsvp_factor")
    regime_table = {
        "columns": [column("quantity", left=True), column("value"),
                    column("formula", left=True), column("source", left=True)],
        "rows": [[k, f3(result.regime[k]), *FIELDS.get(k, ("", ""))] for k in keys],
        "legend": {
            "tail_mass": "probability over x ~ N(0, I_d) that the capped network differs from "
                         "the periodic neuron: P(|<w, x>| > R / freq)",
            "tv_total": "bound on the total-variation distance between the m samples the "
                        "reduction feeds the learner and true regression data; the "
                        "reduction's guarantee loses at most this much advantage",
            "gapsvp_factor": "approximation factor of the worst-case lattice problem (GapSVP) "
                             "that BRST21 reduce to this CLWE instance",
        },
    }
    checks = {
        "columns": [column("check", left=True), column("measured", left=True), column("pass")],
        "rows": [[c["claim"], c["measured"], "yes" if c["passed"] else "NO"]
                 for c in result.construction],
    }
    tau = distinguisher_threshold("triangle", result.regime["sigma"],
                                  default_eps(result.regime["eps"]))
    dist = {
        "columns": [column("learner", left=True), column("instance and noise", left=True),
                    column("n"), column("advantage"), column("95 % interval"),
                    column("P[clwe|CLWE]"), column("P[clwe|null]"), column("loss CLWE"),
                    column("loss null"), column("not finished")],
        "rows": [[r["learner"], r["noise"], str(r["trials"]), f3(r["advantage"]),
                  f"[{f3(r['advantage_lo'])}, {f3(r['advantage_hi'])}]",
                  f3(r["p_clwe_given_clwe"]), f3(r["p_clwe_given_null"]),
                  f3(r["mean_loss_clwe"]), f3(r["mean_loss_null"]), str(r["failed"])]
                 for r in result.distinguisher],
        "legend": {
            "n": "decisions per hypothesis: n CLWE draws and n null draws, each with a fresh "
                 "secret, fresh samples and a freshly trained learner",
            "advantage": "P[clwe|CLWE] - P[clwe|null]",
            "95 % interval": "Newcombe's hybrid score interval of the difference of the two "
                             "proportions (from their Wilson intervals)",
            "P[clwe|CLWE]": "fraction of CLWE draws on which the held-out loss fell below the "
                            "threshold tau = Var_U tri + sigma^2 - eps / 2 (so the decision "
                            f"said 'CLWE'); tau = {tau:.4g} at polynomial noise",
            "P[clwe|null]": "the same fraction on null draws (labels independent of the "
                            "inputs), where no learner can beat Var_U tri + sigma^2",
            "loss CLWE": "the learner's mean squared error on the held-out quarter of the "
                         "samples, averaged over the n CLWE draws",
            "loss null": "the same on the n null draws (about Var_U tri = 1/48 = 0.0208 plus "
                         "sigma^2)",
            "easy instance": "positive control: the same learners, budget and noise on CLWE "
                             "with a small gamma, which the MLP learns; the mean learner "
                             "beside it shows what no learning gives there",
            "not finished": "decisions that failed or ran out of time",
        },
    }
    thresholds = {
        "columns": [column("d"), column("labels", left=True), column("samples", left=True),
                    column("n"), column("threshold bits p (median)"), column("range"),
                    column("poly noise bits")],
        "rows": [[str(t["dim"]), t["labels"], _samples_text(t.get("samples")), str(t["trials"]),
                  f3(t["threshold_bits_median"]),
                  f"{f3(t['threshold_bits_min'])}-{f3(t['threshold_bits_max'])}",
                  f3(t["polynomial_noise_bits"])] for t in result.threshold],
        "legend": {
            "threshold bits p": "smallest p (to the bisection resolution) such that the attack "
                                "recovers the secret at noise std 2^-p (less noise is easier)",
            "samples": "d + 1 (SZB21's minimal attack) or the prediction model's best count",
            "poly noise bits": "2 log2 d: the exponent of LZZ's polynomial noise d^-2",
            "n": "repetitions (fresh secrets) at this d",
        },
    }
    learn = {
        "columns": [column("d"), column("freq"), column("hard instance", left=True),
                    column("n"), column("mean advantage"), column("95 % interval")],
        "rows": [[str(r["dim"]), f3(r["freq"]), "yes" if r["paper_freq"] else "",
                  str(r["trials"]), f3(r["advantage_mean"]),
                  "-" if r["advantage_lo"] is None else
                  f"[{f3(r['advantage_lo'])}, {f3(r['advantage_hi'])}]"]
                 for r in result.learn],
        "legend": {
            "freq": "frequency of the target tri(freq <w, x>), freq = gamma / sqrt(2 pi)",
            "hard instance": "freq = 2 sqrt(d) / sqrt(2 pi), the hard instance's frequency",
            "n": "independent trainings (fresh secret, data and initialisation)",
            "mean advantage": "1 - MSE / Var f, averaged over the n trainings",
            "95 % interval": "Student-t interval mean +- t_(n-1) sd / sqrt(n)",
        },
    }
    head, rows = security_table(result.security)
    security = {"columns": [column(h, left=i < 2) for i, h in enumerate(head)], "rows": rows,
                "legend": SECURITY_LEGEND}
    story = {
        "columns": [column("claim", left=True), column("expected"), column("measured"),
                    column("pass")],
        "rows": [[c["claim"], c["expected"], c["measured"], "yes" if c["passed"] else "NO"]
                 for c in result.story],
    }
    return render_template(
        "demo.html.j2",
        heading="Learning one-hidden-layer ReLU networks: where it stops",
        result=result, regime_table=regime_table, checks=checks, dist=dist,
        thresholds=thresholds, learn=learn, story=story, security=security,
        fig_network=fig("network_along_secret.png"), fig_pancakes=fig("clwe_pancakes.png"),
        fig_threshold=fig("threshold_vs_dimension.png"),
        fig_mlp=fig("mlp_advantage_vs_frequency.png"),
        hard_widths=_markup(hard_widths_section(level=3)),
    )
