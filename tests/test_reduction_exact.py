"""The reduction at exponentially small noise: exact samples, exact forward map, lattice learner."""

from __future__ import annotations

import numpy as np
import pytest

from hardlearn.errors import ParameterError
from hardlearn.problems.exact import sample_exact, sample_exact_null, triangle_of_clwe
from hardlearn.problems.periodic import triangle_wave
from hardlearn.reduction import Distinguisher, estimate_advantage

DIM = 10
GAMMA = 2 * np.sqrt(DIM)


def test_exact_forward_map_is_tri_of_the_clwe_label():
    s = sample_exact(DIM, 30, labels="clwe", noise_bits=120, rng=3)
    t = triangle_of_clwe(s)
    z = s.labels_float()
    np.testing.assert_allclose(t.labels_float(), triangle_wave(z), atol=2.0**-60)
    t_clean = triangle_wave(s.freq * (s.X @ s.secret))
    np.testing.assert_allclose(t.labels_float(), t_clean, atol=1e-9)
    assert t.secret is None and t.kind == "triangle"
    part = triangle_of_clwe(s, slice(5, 9))
    assert part.m == 4 and part.labels == t.labels[5:9]


def test_exact_null_is_uniform_and_independent():
    s = sample_exact_null(4, 4000, noise_bits=100, rng=1)
    z = s.labels_float()
    assert s.secret is None
    assert abs(z.mean() - 0.5) < 5 * np.sqrt(1 / 12 / z.size)
    assert abs(np.corrcoef(z, s.X[:, 0])[0, 1]) < 5 / np.sqrt(z.size)


@pytest.mark.parametrize("noise_bits, expected", [(150, 1.0), (12, 0.0)])
def test_lattice_distinguisher_succeeds_only_at_exponentially_small_noise(noise_bits, expected):
    est = estimate_advantage(
        "lattice", params={"time_limit": 30}, dim=DIM, gamma=GAMMA, noise_bits=noise_bits,
        noise_std=0.0, eps=0.01, samples=DIM + 1 + 60, holdout=60, trials=3, rng=5,
    )
    assert est.advantage == expected
    assert est.p_clwe_given_null == 0.0  # never a false "clwe" on null data


@pytest.mark.parametrize("learner, expected", [("oracle", 1.0), ("mean", 0.0)])
def test_reference_learners_in_exact_mode(learner, expected):
    est = estimate_advantage(
        learner, dim=DIM, gamma=GAMMA, noise_bits=100, noise_std=0.0, eps=0.01,
        samples=400, trials=3, rng=0,
    )
    assert est.advantage == expected


def test_exact_mode_bad_input():
    kwargs = dict(dim=DIM, gamma=GAMMA, noise_std=0.0, eps=0.01, samples=50, trials=1, rng=0)
    with pytest.raises(ParameterError, match="exactly one of beta"):
        estimate_advantage("mean", beta=0.1, noise_bits=100, **kwargs)
    with pytest.raises(ParameterError, match="exactly one of beta"):
        estimate_advantage("mean", **kwargs)
    s = sample_exact(DIM, 50, labels="clwe", noise_bits=100, rng=0)
    with pytest.raises(ParameterError, match="noise_std 0"):
        Distinguisher("mean", "triangle", 0.01, eps=0.01).decide_exact(s, rng=0)
    with pytest.raises(ParameterError, match="activation must be 'triangle'"):
        Distinguisher("mean", "cosine", 0.0, eps=0.01).decide_exact(s, rng=0)
    with pytest.raises(ParameterError, match="CLWE labels"):
        Distinguisher("mean", "triangle", 0.0, eps=0.01).decide_exact(triangle_of_clwe(s), rng=0)


def test_distinguish_task_in_exact_mode():
    from hardlearn.experiments.registry import run_task
    from hardlearn.experiments.spec import parse_spec

    spec = parse_spec({
        "task": "distinguish", "root_seed": 2,
        "grid": {"dim": 8, "samples": 300, "noise_bits": 80, "trials": 2},
        "learners": [{"name": "oracle"}],
    })
    (task,) = spec.tasks()
    record = run_task(task)
    assert record.status == "ok", record
    assert record.metrics["advantage"] == 1.0
    assert record.metrics["beta_used"] is None and record.metrics["noise_used"] == 0.0
    # One file can sweep both regimes: beta is used where noise_bits = 0 only.
    spec = parse_spec({
        "task": "distinguish", "root_seed": 2,
        "grid": {"dim": 8, "samples": 300, "noise_bits": [0, 80], "beta": 0.1, "trials": 1},
        "learners": [{"name": "mean"}],
    })
    assert len(spec.tasks()) == 2
    with pytest.raises(ParameterError, match="activation = 'triangle'"):
        parse_spec({
            "task": "distinguish", "root_seed": 2,
            "grid": {"dim": 8, "samples": 300, "noise_bits": 80, "activation": "cosine"},
            "learners": [{"name": "mean"}],
        })


def test_lattice_learner_in_a_distinguisher_uses_its_strongest_setting():
    # the model's best sample count among the training samples, and the known label noise
    dist = Distinguisher("lattice", "triangle", 0.0, eps=0.01)
    est = dist._build(None, np.random.default_rng(0), dim=12)
    assert (est.labels, est.max_samples, est.noise_bits) == ("triangle", "auto", None)
    noisy = Distinguisher("lattice", "triangle", 2.0**-10, eps=0.01)
    assert noisy._build(None, np.random.default_rng(0), dim=12).noise_bits == 10.0
    explicit = Distinguisher("lattice", "triangle", 0.0, eps=0.01, params={"max_samples": 40})
    assert explicit._build(None, np.random.default_rng(0), dim=12).max_samples == 40
