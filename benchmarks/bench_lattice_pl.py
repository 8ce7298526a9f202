"""Lattice labels of piecewise-linear activations (issue 16): recovery rate against the noise.

For the triangle wave (the baseline, the plain triangle lattice), the asymmetric tent with
its peak at 0.3 and the trapezoid with breakpoints 0, 1/4, 1/2, 3/4 (values 0, 1, 1, 0; both
through the known-offset lattice), at ``d = 6`` and ``freq = 2 sqrt(d / (2 pi))``: the
neuron's labels with Gaussian noise ``2^-p``, 400 samples given (the lattice's sample plan
picks how many it uses), ``noise_bits = p`` known. A trial counts as recovered when the
secret and the frequency are within ``2^(12 - p)`` (and ``1e-9``) of the truth; a recovered
neuron outside that is counted as wrong (the certificate should make it never happen).

Usage::

    python benchmarks/bench_lattice_pl.py            # 20 seeds, p = 14, 12, 11, ..., 7
    python benchmarks/bench_lattice_pl.py --quick    # 5 seeds, p = 14, 10, 8

One line per activation and noise, then ``RESULT largest_p_half_<act>=... rate_<act>_pP=...
wrong=... seconds_per_fit_ratio_<act>=...`` (``largest_p_half``: the largest noise, as the
least ``p``, with a rate of at least 1/2 among those run; the time ratio is to the triangle's
in the same run).

Measured (shared 2-core machine, load average 4.3 to 5.7, 20 seeds): rates 1.0, 0.9, 0.85,
0.6, 0.4, 0.2, 0.0 (triangle), 1.0, 0.95, 0.85, 0.55, 0.5, 0.15, 0.0 (tent) and 1.0, 1.0,
1.0, 0.9, 0.6, 0.6, 0.25 (trapezoid) at p = 14, 12, 11, 10, 9, 8, 7, so largest_p_half 10, 9
and 8; no wrong neuron; 0.06 to 0.14 s a fit, the tent's time 0.99x the triangle's and the
trapezoid's 1.48x. The trapezoid's slope is 4, so its ``t`` carries a quarter of the label
noise: 2 bits of its lead.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

from hardlearn.learners.lattice_pl import PiecewiseLinearLatticeRegressor
from hardlearn.problems.periodic import PeriodicNeuron, PiecewiseLinearActivation

ACTIVATIONS = {
    "triangle": PiecewiseLinearActivation([0.0, 0.5], [0.0, 0.5], name="triangle"),
    "tent": PiecewiseLinearActivation([0.0, 0.3], [0.0, 1.0], name="tent"),
    "trapezoid": PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 1.0, 1.0, 0.0],
                                           name="trapezoid"),
}


def _trial(act, d: int, bits: float, seed: int, samples: int) -> tuple[str, float]:
    rng = np.random.default_rng(1000 + seed)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    freq = 2 * math.sqrt(d) / math.sqrt(2 * math.pi)
    X = rng.standard_normal((samples, d))
    y = PeriodicNeuron(w, freq, act)(X) + 2.0**-bits * rng.standard_normal(samples)
    t0 = time.perf_counter()
    est = PiecewiseLinearLatticeRegressor(act, noise_bits=bits).fit(X, y)
    seconds = time.perf_counter() - t0
    if not est.recovered_:
        return "missed", seconds
    secret = est.secret_ if est.secret_ @ w > 0 or act.name != "triangle" else -est.secret_
    tol = max(1e-9, 2.0 ** (12 - bits))
    ok = np.linalg.norm(secret - w) < tol and abs(est.freq_ - freq) < tol * freq
    return ("recovered" if ok else "wrong"), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 seeds, p = 14, 10, 8")
    parser.add_argument("--dim", type=int, default=6)
    parser.add_argument("--samples", type=int, default=400)
    args = parser.parse_args()
    seeds = 5 if args.quick else 20
    levels = [14.0, 10.0, 8.0] if args.quick else [14.0, 12.0, 11.0, 10.0, 9.0, 8.0, 7.0]
    print(f"load average {os.getloadavg()}")
    result: dict[str, str] = {}
    wrong = 0
    per_fit: dict[str, float] = {}
    for name, act in ACTIVATIONS.items():
        half = None
        seconds = []
        for bits in levels:
            outcomes = []
            for seed in range(seeds):
                outcome, s = _trial(act, args.dim, bits, seed, args.samples)
                outcomes.append(outcome)
                seconds.append(s)
            rate = outcomes.count("recovered") / seeds
            wrong += outcomes.count("wrong")
            if rate >= 0.5:
                half = bits
            result[f"rate_{name}_p{bits:g}"] = f"{rate:.3g}"
            print(f"{name:10s} d = {args.dim} noise 2^-{bits:g}: recovered {rate:.2f} "
                  f"({outcomes.count('wrong')} wrong), {np.mean(seconds[-seeds:]):.3f} s a fit",
                  flush=True)
        per_fit[name] = float(np.mean(seconds))
        result[f"largest_p_half_{name}"] = "none" if half is None else f"{half:g}"
    for name in ACTIVATIONS:
        result[f"seconds_per_fit_ratio_{name}"] = f"{per_fit[name] / per_fit['triangle']:.3g}"
    result["wrong"] = str(wrong)
    print(f"load average {os.getloadavg()}")
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
