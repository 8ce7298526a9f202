"""The main job: the paper's whole argument, run and measured (``hardlearn demo``).

1. **The hard instance.** The regime of :func:`hardlearn.regimes.lzz_regime` for a default
   dimension, and a check that the capped ReLU network equals the periodic neuron.
2. **The reduction as a program.** Every learner (oracle, mean, ridge, kernel ridge, random
   features, MLP, lattice) is turned into a CLWE distinguisher
   (:func:`hardlearn.reduction.estimate_advantage`) at polynomially small noise and at
   exponentially small noise (exact samples, ``2^-noise_bits``).
3. **Two curves.** The lattice attack's noise threshold against the dimension, drawn on the
   axes of LZZ's noise regimes, and the MLP's advantage against the frequency.
4. **A report.** An HTML page with the figures and tables, the PNGs, the four run
   directories (results stores) and ``demo.json`` with every number, in ``out``.

Every part runs through the experiment engine (:func:`hardlearn.experiments.run_sweep`), so
the trials are seeded from the task, run on a process pool, committed one by one, and a
rerun of the same command resumes instead of recomputing. Each distinguisher trial is one
repetition (one CLWE and one null decision); the advantage pools the repetitions with the
intervals of :mod:`hardlearn.metrics`.

What runs is :mod:`hardlearn.experiments.demo_plan` (sizes, regime, sweeps); this module
reads the results into the story checks and :class:`DemoResult`;
:mod:`hardlearn.experiments.demo_report` draws the figures and the page.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hardlearn._rng import stable_key
from hardlearn._validation import check_choice
from hardlearn.errors import HardlearnError, ParameterError
from hardlearn.estimate import instance_security
from hardlearn.experiments.demo_plan import (
    CONTROL_LEARNERS,
    DEMO_LEARNERS,
    SIZES,
    DemoSize,
    control_gamma,
    demo_regime,
    demo_sweeps,
    paper_freq,
)
from hardlearn.experiments.demo_report import render_demo_html, write_figures
from hardlearn.experiments.runner import run_sweep
from hardlearn.experiments.spec import parse_spec
from hardlearn.experiments.store import read_results
from hardlearn.metrics import mean_t_interval, newcombe_difference_interval
from hardlearn.regimes import lzz_regime
from hardlearn.verification import Check, check_instance, run_checks

__all__ = ["DemoSize", "SIZES", "demo_sweeps", "run_demo", "DemoResult", "story_checks"]

@dataclass(frozen=True)
class AdvantageRow:
    """One row of the distinguisher table: a learner in one noise regime."""

    learner: str
    regime: str
    noise: str
    trials: int
    advantage: float
    advantage_lo: float
    advantage_hi: float
    p_clwe_given_clwe: float
    p_clwe_given_null: float
    mean_loss_clwe: float
    mean_loss_null: float
    failed: int


def pool_advantage(
    rows: Sequence[Mapping[str, Any]], regime: str, noise: str,
    learners: Sequence[str] = DEMO_LEARNERS,
) -> list[AdvantageRow]:
    """Pool one-decision repetitions into an advantage per learner (Newcombe interval).

    ``noise`` describes the regime's noise for the table.
    """
    out = []
    for name in learners:
        mine = [r for r in rows if r.get("learner") == name]
        ok = [r for r in mine if r.get("status") == "ok"]
        n = len(ok)
        if n == 0:
            out.append(AdvantageRow(name, regime, noise, 0, *(float("nan"),) * 7,
                                    failed=len(mine)))
            continue
        n = sum(int(r["trials"]) for r in ok)
        k1 = int(round(sum(float(r["p_clwe_given_clwe"]) * int(r["trials"]) for r in ok)))
        k0 = int(round(sum(float(r["p_clwe_given_null"]) * int(r["trials"]) for r in ok)))
        lo, hi = newcombe_difference_interval(k1, n, k0, n)
        out.append(AdvantageRow(
            learner=name, regime=regime, noise=noise, trials=n, advantage=(k1 - k0) / n,
            advantage_lo=lo, advantage_hi=hi, p_clwe_given_clwe=k1 / n,
            p_clwe_given_null=k0 / n,
            mean_loss_clwe=float(np.mean([float(r["mean_loss_clwe"]) for r in ok])),
            mean_loss_null=float(np.mean([float(r["mean_loss_null"]) for r in ok])),
            failed=len(mine) - n,
        ))
    return out


def _advantage(rows: Sequence[AdvantageRow], learner: str, regime: str) -> AdvantageRow:
    for r in rows:
        if r.learner == learner and r.regime == regime:
            return r
    raise ParameterError(f"no distinguisher row for learner {learner!r} in regime {regime!r}.")


def story_checks(
    table: Sequence[AdvantageRow], learn_rows: Sequence[Mapping[str, Any]],
    size: DemoSize,
    threshold_rows: Sequence[Mapping[str, Any]] = (),
) -> list[Check]:
    """The qualitative outcomes the paper predicts, checked on this run's numbers.

    A distinguisher claim counts only if every planned decision finished (``size.trials``
    per hypothesis, none failed or timed out); otherwise it fails and says so.
    """
    checks = []

    def add(name: str, claim: str, expected: str, value: float, passed: bool) -> None:
        checks.append(Check(name, claim, expected, f"{value:.3g}", bool(passed)))

    def complete(row: AdvantageRow) -> bool:
        if row.failed or row.trials < size.trials:
            checks.append(Check(
                f"{row.learner}_{row.regime}_complete",
                f"all {size.trials} decisions of {row.learner} ({row.regime} noise) finished",
                str(size.trials), f"{row.trials} ok, {row.failed} failed or timed out", False,
            ))
            return False
        return True

    for row in table:
        complete(row)
    for regime in ("polynomial", "exponential"):
        o = _advantage(table, "oracle", regime)
        add(f"oracle_{regime}", f"oracle distinguishes ({regime} noise)", ">= 0.9",
            o.advantage, o.advantage >= 0.9)
        m = _advantage(table, "mean", regime)
        add(f"mean_{regime}", f"the trivial learner does not ({regime} noise)", "<= 0.1",
            abs(m.advantage), abs(m.advantage) <= 0.1)
    lat_e = _advantage(table, "lattice", "exponential")
    add("lattice_exponential",
        f"lattice reduction distinguishes at noise 2^-{size.exact_noise_bits}", ">= 0.9",
        lat_e.advantage, lat_e.advantage >= 0.9)
    lat_p = _advantage(table, "lattice", "polynomial")
    add("lattice_polynomial", "lattice reduction fails at polynomial noise", "<= 0.1",
        lat_p.advantage, lat_p.advantage <= 0.1)
    best = [r for r in threshold_rows if r.get("status") == "ok" and
            str(r.get("samples")) == "auto" and r.get("noise_bits") is not None]
    for labels, claim in (
        ("clwe", "lattice reduction (best sample count) breaks the CLWE layer: its threshold "
                 "is below the regime's CLWE noise beta / sqrt(2 pi)"),
        ("triangle", "and still fails on the learning problem: its threshold is above the "
                     "label noise sigma = d^-2"),
    ):
        for dim in sorted({int(r["dim"]) for r in best if r.get("labels") == labels}):
            bits = float(np.median([float(r["noise_bits"]) for r in best
                                    if r.get("labels") == labels and int(r["dim"]) == dim]))
            reg = lzz_regime(dim)
            if labels == "clwe":
                if reg.clwe_noise_std is None:  # the default (Gaussian) regime has a beta
                    raise HardlearnError(f"the regime at d = {dim} has no CLWE noise beta.")
                target = -math.log2(reg.clwe_noise_std)
                add(f"lattice_clwe_layer_{dim}", f"{claim} (d = {dim})",
                    f"<= {target:.1f} bits", bits, bits <= target)
            else:
                add(f"lattice_learning_{dim}", f"{claim} (d = {dim})",
                    f"> {reg.sigma_bits:.1f} bits", bits, bits > reg.sigma_bits)
    mlp_p = _advantage(table, "mlp", "polynomial")
    add("mlp_distinguisher", f"the MLP fails as a distinguisher at d = {size.dim}", "<= 0.1",
        mlp_p.advantage, mlp_p.advantage <= 0.1)
    control = [r for r in table if r.learner == "mlp" and r.regime == "control"]
    if control:
        add("mlp_control",
            f"the same MLP distinguisher succeeds on the easy instance gamma = "
            f"{control_gamma(size):.3g} (positive control)", ">= 0.9",
            control[0].advantage, control[0].advantage >= 0.9)
    ok = [r for r in learn_rows if r.get("status") == "ok"]
    for dim in size.learn_dims:
        at_paper = [float(r["advantage"]) for r in ok
                    if int(r["dim"]) == dim and abs(float(r["freq"]) - paper_freq(dim)) < 1e-3]
        if at_paper:
            value = float(np.mean(at_paper))
            add(f"mlp_paper_freq_{dim}",
                f"the MLP does not learn at the paper's frequency (d = {dim})", "< 0.05",
                value, value < 0.05)
        low = [float(r["advantage"]) for r in ok
               if int(r["dim"]) == dim and float(r["freq"]) == min(size.learn_freqs)]
        if low:
            value = float(np.mean(low))
            add(f"mlp_low_freq_{dim}",
                f"the MLP learns at frequency {min(size.learn_freqs):g} (d = {dim})", "> 0.5",
                value, value > 0.5)
    return checks


@dataclass
class DemoResult:
    """Everything the demo measured (written to ``demo.json``)."""

    size: str
    seed: int
    out: str
    regime: dict[str, Any]
    construction: list[dict[str, Any]]
    distinguisher: list[dict[str, Any]]
    threshold: list[dict[str, Any]]
    learn: list[dict[str, Any]]
    story: list[dict[str, Any]]
    seconds: float
    report: str
    figures: list[str] = field(default_factory=list)
    runs: dict[str, str] = field(default_factory=dict)
    security: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Whether every construction and story check passed."""
        return all(c["passed"] for c in self.construction + self.story)


def _threshold_summary(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    ok = [r for r in rows if r.get("status") == "ok"]
    keys = sorted({(int(r["dim"]), str(r["labels"]), str(r.get("samples"))) for r in rows})
    for dim, labels, samples in keys:
        mine = [r for r in ok if int(r["dim"]) == dim and str(r["labels"]) == labels
                and str(r.get("samples")) == samples]
        bits = [float(r["noise_bits"]) for r in mine if r.get("noise_bits") is not None]
        out.append({
            "dim": dim, "labels": labels, "samples": samples, "trials": len(mine),
            "threshold_bits_median": float(np.median(bits)) if bits else None,
            "threshold_bits_min": min(bits) if bits else None,
            "threshold_bits_max": max(bits) if bits else None,
            "censored": sorted({str(r.get("censored")) for r in mine}),
            "polynomial_noise_bits": lzz_regime(dim).sigma_bits,
            "not_finished": sum(1 for r in rows if int(r["dim"]) == dim
                                and str(r["labels"]) == labels and r.get("status") != "ok"
                                and str(r.get("samples")) == samples),
        })
    return out


def _learn_summary(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per (d, freq): the mean advantage over the trainings with its Student-t interval
    (none for one training)."""
    out = []
    ok = [r for r in rows if r.get("status") == "ok"]
    for dim, freq in sorted({(int(r["dim"]), float(r["freq"])) for r in rows}):
        mine = [r for r in ok if int(r["dim"]) == dim and float(r["freq"]) == freq]
        adv = [float(r["advantage"]) for r in mine]
        est = mean_t_interval(adv) if len(adv) > 1 else None
        out.append({
            "dim": dim, "freq": freq, "paper_freq": abs(freq - paper_freq(dim)) < 1e-3,
            "trials": len(mine), "advantage_mean": float(np.mean(adv)) if adv else None,
            "advantage_lo": est.ci[0] if est else None,
            "advantage_hi": est.ci[1] if est else None,
        })
    return out


def run_demo(
    size: str = "default",
    *,
    out: str | Path = "hardlearn-demo",
    seed: int = 0,
    workers: int | None = None,
    progress: bool = False,
    say: Callable[[str], None] | None = None,
    allow_version_change: bool = False,
) -> DemoResult:
    """Run the demo at ``size`` ("quick", "default", "full"), write the report into ``out``.

    ``say`` receives one line per step (the CLI prints them). Rerunning with the same
    arguments resumes the four sweeps from their stores (under other package versions only
    with ``allow_version_change``; see :func:`~hardlearn.experiments.run_sweep`).
    """
    preset = SIZES[check_choice("size", size, tuple(SIZES))]
    say = say or (lambda _line: None)
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    regime = demo_regime(preset)
    say(f"1. the hard instance, d = {preset.dim}: gamma {regime.gamma:.3g}, beta "
        f"{regime.beta:.3g}, sigma {regime.sigma:.3g}, width {regime.width}, tail mass "
        f"{regime.tail_mass:.2g}, TV bound {regime.tv_total:.3g}")
    construction = [
        check_instance(preset.dim, regime.freq, regime.radius, seed=seed),
        *run_checks(seed=seed, names=["network_identity", "network_torch"]),
    ]
    for c in construction:
        say(f"   {'pass' if c.passed else 'FAIL'}  {c.claim}: {c.measured}")
    runs: dict[str, str] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    steps = {
        "distinguish-polynomial": "2. distinguishers at polynomial noise",
        "distinguish-exponential": f"   distinguishers at noise 2^-{preset.exact_noise_bits}",
        "distinguish-control": "   positive control: the MLP on an easy instance (small gamma)",
        "threshold": "3. lattice noise threshold against the dimension (d + 1 samples)",
        "threshold-best": "   ... and with the prediction model's best sample count",
        "learn": "   MLP advantage against the frequency",
    }
    for name, spec_dict in demo_sweeps(preset, seed).items():
        say(f"{steps[name]} ...")
        spec = parse_spec(spec_dict, source=f"demo:{name}")
        # the sweep's digest in the name: a changed demo never collides with an old store
        digest = f"{stable_key(spec_dict)[0]:08x}"
        run_dir = out / "runs" / f"{preset.name}-seed{seed}-{name}-{digest}"
        summary = run_sweep(spec, run_dir, workers=workers, progress=progress,
                            allow_version_change=allow_version_change)
        runs[name] = str(run_dir)
        rows[name] = read_results(run_dir)
        say(f"   {summary.counts.get('ok', 0)} ok, {summary.counts.get('failed', 0)} failed, "
            f"{summary.counts.get('timeout', 0)} timed out ({summary.seconds:.1f} s)")
    poly_noise = f"beta={regime.beta:.2g} sigma={regime.sigma:.2g}"
    exp_noise = f"2^-{preset.exact_noise_bits} exact"
    control_noise = (f"easy instance gamma={control_gamma(preset):.3g} "
                     f"(freq {preset.control_freq:g}), {poly_noise}")
    table = (pool_advantage(rows["distinguish-polynomial"], "polynomial", poly_noise)
             + pool_advantage(rows["distinguish-exponential"], "exponential", exp_noise)
             + pool_advantage(rows["distinguish-control"], "control", control_noise,
                              CONTROL_LEARNERS))
    rows["threshold"] = rows["threshold"] + rows.pop("threshold-best")
    story = story_checks(table, rows["learn"], preset, rows["threshold"])
    figures = write_figures(out, rows, preset, seed)
    result = DemoResult(
        size=preset.name, seed=seed, out=str(out), regime=regime.as_dict(),
        construction=[c.as_dict() for c in construction],
        distinguisher=[asdict(r) for r in table],
        threshold=_threshold_summary(rows["threshold"]),
        learn=_learn_summary(rows["learn"]),
        story=[c.as_dict() for c in story],
        seconds=0.0, report=str(out / "report.html"), figures=[str(p) for p in figures],
        runs=runs, security=instance_security(regime),
    )
    result.seconds = time.perf_counter() - t0
    (out / "report.html").write_text(render_demo_html(result, figures))
    (out / "demo.json").write_text(json.dumps(asdict(result), indent=2, default=str))
    return result
