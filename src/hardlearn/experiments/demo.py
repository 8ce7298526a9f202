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
from hardlearn.errors import ParameterError
from hardlearn.estimate import instance_security
from hardlearn.experiments.lattice_plots import SECURITY_LEGEND, THRESHOLD_CAPTION, security_table
from hardlearn.experiments.runner import run_sweep
from hardlearn.experiments.spec import parse_spec
from hardlearn.experiments.store import read_results
from hardlearn.metrics import mean_t_interval, newcombe_difference_interval
from hardlearn.reduction import default_eps
from hardlearn.regimes import lzz_regime
from hardlearn.verification import Check, check_instance, run_checks

__all__ = ["DemoSize", "SIZES", "demo_sweeps", "run_demo", "DemoResult", "story_checks"]

#: Learners of the distinguisher table, in the order printed.
DEMO_LEARNERS = ("oracle", "mean", "ridge", "kernel", "rf", "mlp", "lattice")


@dataclass(frozen=True)
class DemoSize:
    """How big each part of the demo is (one preset per ``--quick`` / default / ``--full``).

    ``exact_noise_bits`` is the exponentially small noise of the second distinguisher
    column: chosen well below the lattice attack's threshold at ``dim`` for triangle labels
    (mathematics section 5: 2^-150 suffices at d = 14, 2^-400 at d = 20). The distinguisher's
    lattice learner uses its strongest setting, the prediction model's best sample count.
    The threshold curve is measured twice: with ``d + 1`` samples over ``threshold_dims``
    (SZB21's minimal attack, for reference) and with the model's best sample count over
    ``best_dims`` (where learning really stops; its thresholds are a few to tens of bits,
    hence the small ``best_bits_high`` and a 1-bit resolution).

    ``control_freq`` is the frequency of the positive control: the MLP distinguisher, with
    the same learner, budget and noise, on an easy CLWE instance
    ``gamma = control_freq sqrt(2 pi)``. At 0.25 the learn curve's MLP reaches an advantage
    of at least 0.99 for d = 8, 16, 32 (default demo, seed 0). ``picture_samples`` is the
    number of points per panel of the pancake picture.
    """

    name: str
    dim: int
    trials: int
    samples: int
    exact_noise_bits: int
    learner_params: Mapping[str, Mapping[str, Any]]
    threshold_dims: tuple[int, ...]
    threshold_labels: tuple[str, ...]
    threshold_reps: int
    threshold_attempts: int
    bits_high: int
    resolution: int
    learn_dims: tuple[int, ...]
    learn_freqs: tuple[float, ...]
    learn_samples: int
    learn_reps: int
    mlp_curve_params: Mapping[str, Any]
    budget_seconds: float = 300.0
    budget_note: str = ""
    control_freq: float = 0.25
    picture_samples: int = 3000
    best_dims: tuple[int, ...] = ()
    best_bits_high: int = 64


_FAST_MLP = {"width": 64, "steps": 400, "batch_size": 128, "lr": 3e-3}

#: Quarter-octave frequencies 0.125 ... 1, then 1.41 and 2: the default demo (seed 0) saw
#: the MLP's advantage fall from about 1 to 0 between 0.25 and 1 for d = 8, 16, 32, so the
#: grid is dense there; the hard instances' frequencies are added by :func:`demo_sweeps`.
DENSE_FREQS = (*(round(0.125 * 2 ** (k / 4), 4) for k in range(13)), 1.4142, 2.0)

SIZES: dict[str, DemoSize] = {
    "quick": DemoSize(
        name="quick", dim=10, trials=3, samples=300, exact_noise_bits=200,
        learner_params={
            "kernel": {"max_samples": 300}, "rf": {"n_components": 200},
            "mlp": {"width": 32, "steps": 200, "batch_size": 128, "lr": 3e-3},
            "lattice": {"time_limit": 10},
        },
        threshold_dims=(6, 10), threshold_labels=("clwe",), threshold_reps=1,
        threshold_attempts=1, bits_high=160, resolution=16,
        learn_dims=(8,), learn_freqs=(0.25, 0.5, 1.0), learn_samples=2000, learn_reps=2,
        mlp_curve_params={"width": 64, "steps": 600, "batch_size": 128, "lr": 3e-3},
        budget_seconds=60.0, budget_note="under 1 minute on 2 cores", best_dims=(6, 10),
    ),
    "default": DemoSize(
        name="default", dim=16, trials=20, samples=1000, exact_noise_bits=400,
        learner_params={
            "kernel": {"max_samples": 1000}, "rf": {"n_components": 500}, "mlp": _FAST_MLP,
            "lattice": {"time_limit": 20},
        },
        threshold_dims=(8, 12, 16, 24, 32, 48), threshold_labels=("clwe", "triangle"),
        threshold_reps=3, threshold_attempts=2, bits_high=1000, resolution=8,
        learn_dims=(8, 16, 32), learn_freqs=DENSE_FREQS, learn_samples=4000, learn_reps=3,
        mlp_curve_params={"width": 128, "steps": 1500, "batch_size": 256, "lr": 3e-3},
        budget_seconds=240.0, budget_note="under 5 minutes on 2 cores",
        best_dims=(8, 12, 16, 24),
    ),
    "full": DemoSize(
        name="full", dim=32, trials=20, samples=4000, exact_noise_bits=1200,
        learner_params={
            "kernel": {"max_samples": 4000}, "rf": {"n_components": 2000},
            "mlp": {"width": 256, "steps": 2000},
            "lattice": {"time_limit": 120},
        },
        threshold_dims=(10, 20, 30, 40, 60, 80), threshold_labels=("clwe", "triangle"),
        threshold_reps=3, threshold_attempts=3, bits_high=4000, resolution=16,
        learn_dims=(8, 16, 32), learn_freqs=DENSE_FREQS, learn_samples=20000,
        learn_reps=3, mlp_curve_params={"width": 256, "steps": 3000},
        budget_seconds=1800.0, budget_note="tens of minutes", best_dims=(10, 20, 30, 40),
    ),
}


def paper_freq(dim: int) -> float:
    """Frequency of the hard instance, ``gamma / sqrt(2 pi)`` with ``gamma = 2 sqrt d``."""
    return lzz_regime(dim).freq



def demo_regime(size: DemoSize) -> Any:
    """The regime of the demo's instance, for the ``samples`` each decision actually uses
    (so ``beta`` and the TV bound cover every training and held-out sample)."""
    return lzz_regime(size.dim, samples=size.samples)


def control_gamma(size: DemoSize) -> float:
    """``gamma`` of the positive control's easy instance: ``control_freq sqrt(2 pi)``."""
    return size.control_freq * math.sqrt(2.0 * math.pi)


#: Learners of the positive control: the MLP, and the trivial learner beside it.
CONTROL_LEARNERS = ("mlp", "mean")


def demo_sweeps(size: DemoSize, seed: int) -> dict[str, dict[str, Any]]:
    """The five sweep files of the demo, as dicts for :func:`parse_spec`."""
    regime = demo_regime(size)
    learners = [
        {"name": n, "params": dict(size.learner_params.get(n, {}))} for n in DEMO_LEARNERS
    ]
    common = {
        "dim": size.dim, "samples": size.samples, "trials": 1, "eps": default_eps(regime.eps),
        "holdout": 0.25,
    }
    freqs = sorted(set(size.learn_freqs) | {round(paper_freq(d), 4) for d in size.learn_dims})
    return {
        "distinguish-polynomial": {
            "task": "distinguish", "root_seed": seed, "repetitions": size.trials,
            "budget_seconds": size.budget_seconds,
            "grid": {**common, "beta": regime.beta, "noise": regime.sigma},
            "learners": learners,
        },
        "distinguish-exponential": {
            "task": "distinguish", "root_seed": seed, "repetitions": size.trials,
            "budget_seconds": size.budget_seconds,
            "grid": {**common, "noise_bits": size.exact_noise_bits},
            "learners": learners,
        },
        "distinguish-control": {
            "task": "distinguish", "root_seed": seed, "repetitions": size.trials,
            "budget_seconds": size.budget_seconds,
            "grid": {**common, "beta": regime.beta, "noise": regime.sigma,
                     "gamma": round(control_gamma(size), 6)},
            "learners": [lr for lr in learners if lr["name"] in CONTROL_LEARNERS],
        },
        "threshold": {
            "task": "threshold", "root_seed": seed, "repetitions": size.threshold_reps,
            "budget_seconds": size.budget_seconds,
            "grid": {
                "dim": list(size.threshold_dims), "labels": list(size.threshold_labels),
                "samples": "d+1",
                "bits_low": 4, "bits_high": size.bits_high, "resolution": size.resolution,
                "attempts": size.threshold_attempts,
            },
        },
        "threshold-best": {
            "task": "threshold", "root_seed": seed, "repetitions": size.threshold_reps,
            "budget_seconds": size.budget_seconds,
            "grid": {
                "dim": list(size.best_dims), "labels": list(size.threshold_labels),
                "samples": "auto", "bits_low": 1, "bits_high": size.best_bits_high,
                "resolution": 1, "attempts": size.threshold_attempts,
            },
        },
        "learn": {
            "task": "learn", "root_seed": seed, "repetitions": size.learn_reps,
            "budget_seconds": size.budget_seconds,
            "grid": {
                "dim": list(size.learn_dims), "freq": freqs, "samples": size.learn_samples,
                "test_samples": 20_000, "noise": 0.01,
            },
            "learners": [{"name": "mlp", "params": dict(size.mlp_curve_params)}],
        },
    }


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
                assert reg.clwe_noise_std is not None  # the default (Gaussian) regime has a beta
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
) -> DemoResult:
    """Run the demo at ``size`` ("quick", "default", "full"), write the report into ``out``.

    ``say`` receives one line per step (the CLI prints them). Rerunning with the same
    arguments resumes the four sweeps from their stores.
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
        summary = run_sweep(spec, run_dir, workers=workers, progress=progress)
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
    figures = _write_figures(out, rows, preset, seed)
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


def _write_figures(
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

    from hardlearn.experiments.report import column, fmt, render_template
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
    )
