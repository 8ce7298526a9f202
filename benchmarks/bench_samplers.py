"""Samples per second of each sampler against plain ``rng.standard_normal((m, dim))``.

A sampler must draw its own Gaussians, so the raw Gaussian rate is its ceiling; the goal is
every sampler at >= 0.6 of it. Both are measured in this run, on this machine, best of
``--repeats`` timings each.

    python benchmarks/bench_samplers.py [--quick]

Ends with ``RESULT min_ratio=<smallest sampler/raw ratio> ...``.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import hardlearn as hl


def paired_rates(fn, raw, m: int, repeats: int) -> tuple[float, float]:
    """Best-of-``repeats`` rates of ``fn`` and ``raw``, timed alternately so that a change in
    machine load during the run affects both alike."""
    best_fn = best_raw = float("inf")
    for _ in range(repeats):
        for which in (0, 1):
            start = time.perf_counter()
            (fn if which == 0 else raw)()
            elapsed = time.perf_counter() - start
            if which == 0:
                best_fn = min(best_fn, elapsed)
            else:
                best_raw = min(best_raw, elapsed)
    return m / best_fn, m / best_raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    m = 20_000 if args.quick else 200_000
    repeats = args.repeats or (3 if args.quick else 7)
    dims = (64, 512)
    print(f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}, "
          f"m = {m}, best of {repeats}")
    print(f"{'sampler':<24}{'dim':>6}{'samples/s':>14}{'raw samples/s':>16}{'ratio':>8}")
    ratios: dict[str, float] = {}
    for dim in dims:
        rng = np.random.default_rng(0)
        w = hl.random_direction(dim, rng=rng)
        gamma = 2 * np.sqrt(dim)
        net = hl.capped_periodic_network(w, gamma / np.sqrt(2 * np.pi), 8)
        samplers = {
            "clwe": lambda w=w, g=gamma, r=rng: hl.CLWE(w, g, 1e-3).sample(m, rng=r),
            "null": lambda dim=dim, r=rng: hl.NullCLWE(dim).sample(m, rng=r),
            "hclwe": lambda w=w, g=gamma, r=rng: hl.HomogeneousCLWE(w, g, 1e-3).sample(m, rng=r),
            "regression(net,k=33)": lambda net=net, r=rng: hl.NoisyRegression(net, 0.01).sample(
                m, rng=r),
        }
        for name, fn in samplers.items():
            rate, raw = paired_rates(
                fn, lambda dim=dim, r=rng: r.standard_normal((m, dim)), m, repeats
            )
            ratios[f"{name.split('(')[0]}_{dim}"] = rate / raw
            print(f"{name:<24}{dim:>6}{rate:>14.3e}{raw:>16.3e}{rate / raw:>8.2f}")
    worst = min(ratios.values())
    fields = " ".join(f"{k}={v:.3f}" for k, v in ratios.items())
    print(f"RESULT min_ratio={worst:.3f} {fields}")


if __name__ == "__main__":
    main()
