"""Exhaustive search's time against the dimension (issue 16), next to a polynomial-time fit.

For each ``d`` the hard instance ``tri(freq <w, x>)`` with ``gamma = 2 sqrt d`` (``freq =
2 sqrt(d) / sqrt(2 pi)``) and polynomial label noise ``d^-2`` is sampled (``m`` samples),
and timed in the same run: the exhaustive learner's fit (net search + refinement; default
parameters: covering angle 0.3, 12 frequencies, 2,000 search samples) and, as the baseline,
kernel ridge on the same data. Each line reports the net size ``N(d)``, the evaluations,
the seconds and the advantage ``1 - MSE / Var f`` on 20,000 fresh inputs.

Usage::

    python benchmarks/bench_exhaustive.py            # d = 2..5
    python benchmarks/bench_exhaustive.py --quick    # d = 2..4

The last line is ``RESULT seconds_dD=... advantage_dD=... growth_per_dim=...
ratio_to_kernel_dD=... evals_per_second=...`` (growth_per_dim: the geometric mean of the
ratio of successive fit times).

Measured (shared 2-core machine, load average 8.6 to 9.9 during the run, 4,000 samples):
exhaustive fit 0.38 s, 0.50 s, 2.26 s, 26.1 s at d = 2, 3, 4, 5 (net 8, 109, 888, 21,121
directions; the search alone 0.00, 0.07, 1.01, 25.3 s), advantage 0.9945, 0.9992, 0.9996,
0.9996; kernel ridge on the same data 6.2-15 s, advantage -0.05 to -0.11;
growth_per_dim 4.11 (the last step, d = 4 to 5, is 11.5x, the net's 24x).
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

from hardlearn import NoisyRegression, PeriodicNeuron, random_direction
from hardlearn.learners import ExhaustiveSearchRegressor, KernelRidgeRegressor


def _advantage(est, f, problem, rng) -> float:
    Xt = problem.sample_inputs(20_000, rng=rng)
    return float(1 - np.mean((est.predict(Xt) - f(Xt)) ** 2) / problem.target_variance())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="d = 2..4")
    parser.add_argument("--samples", type=int, default=4000)
    args = parser.parse_args()
    dims = range(2, 5) if args.quick else range(2, 6)
    print(f"load average {os.getloadavg()}")
    result: dict[str, str] = {}
    times = []
    evals = []
    for d in dims:
        freq = 2 * math.sqrt(d) / math.sqrt(2 * math.pi)
        w = random_direction(d, rng=d)
        f = PeriodicNeuron(w, freq)
        problem = NoisyRegression(f, d**-2.0)
        X, y = problem.sample(args.samples, rng=100 + d)
        est = ExhaustiveSearchRegressor(rng=0)
        t0 = time.perf_counter()
        est.fit(X, y)
        t_exh = time.perf_counter() - t0
        kernel = KernelRidgeRegressor(max_samples=args.samples)
        t0 = time.perf_counter()
        kernel.fit(X, y)
        t_ker = time.perf_counter() - t0
        adv = _advantage(est, f, problem, 7)
        adv_k = _advantage(kernel, f, problem, 7)
        times.append(t_exh)
        evals.append(est.search_evaluations_ / max(est.search_seconds_, 1e-9))
        print(f"d={d} freq={freq:.3f} net={est.net_size_} evals={est.search_evaluations_:.3g} "
              f"exhaustive {t_exh:.2f}s (search {est.search_seconds_:.2f}s) advantage {adv:.4f}; "
              f"kernel {t_ker:.2f}s advantage {adv_k:.4f}", flush=True)
        result[f"seconds_d{d}"] = f"{t_exh:.3g}"
        result[f"advantage_d{d}"] = f"{adv:.4f}"
        result[f"kernel_advantage_d{d}"] = f"{adv_k:.4f}"
        result[f"ratio_to_kernel_d{d}"] = f"{t_exh / t_ker:.3g}"
    growth = math.exp(np.mean(np.diff(np.log(times))))
    result["growth_per_dim"] = f"{growth:.3g}"
    result["evals_per_second"] = f"{evals[-1]:.3g}"
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
