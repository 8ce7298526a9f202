"""
A learner's advantage against the frequency
===========================================

Random-features ridge regression (:class:`~hardlearn.learners.RandomFeaturesRegressor`)
trained on ``y = tri(freq <w, x>) + noise`` for a few frequencies, scored by
:func:`hardlearn.metrics.evaluate_learner` as ``advantage = 1 - MSE / Var f`` (1 is perfect,
0 is what the best constant gets; mathematics section 1), and drawn by
:func:`hardlearn.experiments.plots.advantage_vs_frequency` with Student-t bands over the
repetitions. The advantage falls as the frequency grows, sooner in the larger dimension;
the dashed lines mark each dimension's hard instance, ``freq = 2 sqrt(d) / sqrt(2 pi)``. A
small run (two dimensions, three repetitions), for the picture, not a measurement.
"""

import hardlearn as hl
from hardlearn.experiments.plots import advantage_vs_frequency
from hardlearn.learners import RandomFeaturesRegressor
from hardlearn.metrics import evaluate_learner

freqs = (0.125, 0.25, 0.5, 1.0, 2.0)
rows = []
for dim in (2, 4):
    for rep in range(3):
        w = hl.random_direction(dim, rng=100 * dim + rep)
        for freq in freqs:
            target = hl.PeriodicNeuron(w, freq=freq)
            problem = hl.NoisyRegression(target, noise_std=0.01)
            learner = RandomFeaturesRegressor(n_components=200)
            out = evaluate_learner(learner, problem, train_samples=1000,
                                   test_samples=2000, rng=rep)
            rows.append({"status": "ok", "dim": dim, "freq": freq,
                         "advantage": out["advantage"]})

fig = advantage_vs_frequency(
    rows, paper_freqs={d: hl.lzz_regime(d).freq for d in (2, 4)},
    title="Random-features ridge regression on tri(freq <w, x>)",
)
