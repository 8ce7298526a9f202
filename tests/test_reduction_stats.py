"""Statistical checks of the reduction and the learners, with fixed seeds (maths 4, 6).

Tolerances are 5 standard errors unless stated. The ``slow`` ones are the full-size versions.
"""

from __future__ import annotations

import math

import pytest

from hardlearn import CLWE, NoisyRegression, NullCLWE, PeriodicNeuron, random_direction
from hardlearn.conventions import gamma_to_freq
from hardlearn.learners import MLPRegressor
from hardlearn.metrics import evaluate_learner
from hardlearn.reduction import Distinguisher, estimate_advantage


def paper_freq(dim: int) -> float:
    """gamma = 2 sqrt(d) (BRST21) as a frequency of the learning view."""
    return gamma_to_freq(2 * math.sqrt(dim))



def test_spec4_sanity_values():
    """d = 20, gamma = 2 sqrt d, beta = 1e-3, sigma = 1e-2, 2e5 samples (mathematics section 4)."""
    d, sigma, beta = 20, 1e-2, 1e-3
    gamma = 2 * math.sqrt(d)
    w = random_direction(d, rng=0)
    f = PeriodicNeuron(w, gamma_to_freq(gamma))
    clwe = CLWE(w, gamma, beta).sample(200_000, rng=1)
    null = NullCLWE(d).sample(200_000, rng=2)

    def loss(learner, data):
        dist = Distinguisher(learner, "triangle", sigma, eps=0.01, holdout=0.5)
        return dist.decide(data, rng=3, target=f)

    # Oracle: sigma^2 + E(tri(t + e') - tri(t))^2 = 1e-4 + (beta / sqrt(2 pi))^2 on CLWE.
    oc = loss("oracle", clwe)
    assert abs(oc.loss - (sigma**2 + beta**2 / (2 * math.pi))) < 5 * oc.loss_se
    assert oc.loss == pytest.approx(1e-4, rel=0.02) and oc.label == "clwe"
    # Oracle on null: E(tri(U) - tri(V))^2 + sigma^2 = 2/48 + 1e-4 (maths 4: about 0.0416).
    on = loss("oracle", null)
    assert abs(on.loss - (2 / 48 + sigma**2)) < 5 * on.loss_se and on.label == "null"
    # Trivial predictor: Var tri(U) + sigma^2 = 1/48 + 1e-4 (about 0.0209) on both.
    for data in (clwe, null):
        m = loss("mean", data)
        assert abs(m.loss - (1 / 48 + sigma**2)) < 5 * m.loss_se and m.label == "null"


def test_oracle_and_mean_distinguishers():
    kw = dict(dim=20, gamma=2 * math.sqrt(20), beta=1e-3, noise_std=1e-2, eps=0.01,
              samples=2000, holdout=0.5, trials=20, rng=0)
    oracle = estimate_advantage("oracle", **kw)
    assert oracle.advantage == 1.0 and oracle.advantage_ci[0] > 0.75
    mean = estimate_advantage("mean", **kw)
    assert mean.advantage == 0.0
    assert mean.advantage_ci[0] < 0 < mean.advantage_ci[1]


@pytest.mark.parametrize(
    "learner, params",
    [
        ("mean", {}),
        ("ridge", {"degree": 2}),
        ("kernel", {"alpha": 0.1}),
        ("kernel", {"kernel": "arccos", "alpha": 0.1}),
        ("rf", {"n_components": 300}),
        ("mlp", {"width": 64, "steps": 300, "lr": 1e-2, "device": "cpu"}),
        ("mlp", {"width": 64, "steps": 300, "lr": 1e-2, "device": "cpu",
                 "early_stopping": False}),
    ],
)
def test_no_learner_beats_the_trivial_loss_on_null_data(learner, params):
    """Labels independent of x: E L_hat = Var_U phi + sigma^2 + E(f_hat - E phi)^2 >= trivial."""
    sigma = 0.01
    trivial = 1 / 48 + sigma**2
    dist = Distinguisher(learner, "triangle", sigma, eps=0.01, holdout=2000, params=params)
    for rep in range(3):
        data = NullCLWE(8).sample(4000, rng=100 + rep)
        d = dist.decide(data, rng=rep)
        assert d.loss > trivial - 5 * d.loss_se, (learner, rep, d.loss, d.loss_se)
        assert d.label == "null"


def _mlp_advantage(dim, freq, samples, **params):
    problem = NoisyRegression(PeriodicNeuron(random_direction(dim, rng=1), freq), 0.01)
    est = MLPRegressor(device="cpu", **params)
    return evaluate_learner(est, problem, train_samples=samples, test_samples=20_000, rng=0)


def test_mlp_learns_at_low_frequency_small():
    out = _mlp_advantage(8, 0.25, 4000, width=64, steps=1000, lr=3e-3)
    assert out["advantage_ci"][0] > 0.5, out


def test_mlp_stalls_at_the_paper_frequency_small():
    out = _mlp_advantage(32, paper_freq(32), 4000, width=64, steps=1000, lr=3e-3)
    lo, hi = out["advantage_ci"]
    assert lo < 0 < hi and hi < 0.05, out


@pytest.mark.slow
def test_mlp_learns_at_low_frequency_full():
    out = _mlp_advantage(8, 0.25, 20_000, width=256, steps=2000, lr=1e-3)
    assert out["advantage_ci"][0] > 0.5, out


@pytest.mark.slow
def test_mlp_stalls_at_the_paper_frequency_full():
    out = _mlp_advantage(32, paper_freq(32), 20_000, width=256, steps=2000, lr=1e-3)
    lo, hi = out["advantage_ci"]
    assert lo < 0 < hi and hi < 0.05, out


@pytest.mark.slow
def test_mlp_stalls_at_the_paper_frequency_without_early_stopping_too():
    """Without early stopping the network fits the noise: worse than trivial, never better."""
    out = _mlp_advantage(32, paper_freq(32), 20_000, width=256, steps=2000, lr=1e-3,
                         early_stopping=False)
    assert out["advantage_ci"][1] < 0.05, out


@pytest.mark.slow
def test_mlp_distinguisher_at_low_and_paper_gamma():
    params = {"width": 64, "steps": 1000, "lr": 3e-3, "device": "cpu"}
    kw = dict(beta=1e-3, noise_std=1e-2, eps=0.01, samples=4000, holdout=0.25, trials=20,
              params=params, rng=0)
    easy = estimate_advantage("mlp", dim=8, gamma=0.25 * math.sqrt(2 * math.pi), **kw)
    assert easy.advantage_ci[0] > 0.5, easy
    hard = estimate_advantage("mlp", dim=32, gamma=2 * math.sqrt(32), **kw)
    assert hard.advantage_ci[0] < 0 < hard.advantage_ci[1], hard
    assert hard.p_clwe_given_clwe == 0.0
