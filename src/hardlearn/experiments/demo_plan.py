"""What the demo runs: its sizes, its regime, and its sweeps (``hardlearn demo``).

:class:`DemoSize` fixes every setting of one size (``quick``, ``default``, ``full``);
:func:`demo_sweeps` turns a size into the sweep files the experiment engine runs. The story
the demo tells from their results is :mod:`hardlearn.experiments.demo`; its pictures and
page are :mod:`hardlearn.experiments.demo_report`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hardlearn.experiments.kinds.learn import CURVE_MLP_PARAMS, CURVE_SAMPLES
from hardlearn.reduction import default_eps
from hardlearn.regimes import lzz_regime

__all__ = ["DemoSize", "SIZES", "DEMO_LEARNERS", "CONTROL_LEARNERS", "DENSE_FREQS",
           "demo_sweeps", "demo_regime", "paper_freq", "control_gamma"]

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
        learn_dims=(8, 16, 32), learn_freqs=DENSE_FREQS, learn_samples=CURVE_SAMPLES,
        learn_reps=3, mlp_curve_params=dict(CURVE_MLP_PARAMS),  # also `hardlearn learn`'s
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
    """The sweep files of the demo, as dicts for
    :func:`~hardlearn.experiments.spec.parse_spec`."""
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
