"""Batched training (``BatchedMLP``) against the one-at-a-time ``MLPRegressor`` loop.

Cases (dim 32, width 256, 200 Adam steps, early stopping off so both train every step):

* (a) B = 64 networks, 10,000 samples each, full-batch steps;
* (b) B = 64 networks, 10,000 samples each, minibatch 256;
* on a CUDA GPU only: (c) B = 512 and (d) B = 4,096 networks with 4,096 samples each,
  minibatch 256.

Throughput is networks x samples x steps per second (samples = rows per network). The loop
and the batched version are timed alternately in the same run and the best of ``--repeats``
is kept (the machine is shared). For (c) the loop is timed on ``--gpu-loop-networks``
networks, and on the CPU the full-batch loop of (a) on ``--cpu-loop-networks`` (default 8:
it takes 2-3 s per network here); a loop's cost is linear in the number of
networks, so its throughput does not depend on how many it runs. For (d) only the batched
version is timed.

``--sweep-cache`` also times the batched version of (a) and (b) for several CPU block
budgets (the measurement behind ``hardlearn.learners.batched.CPU_BLOCK_BYTES``).

Usage::

    python benchmarks/bench_batched.py            # full sizes
    python benchmarks/bench_batched.py --quick    # CPU cases only, smaller
    python benchmarks/bench_batched.py --cuda-only --repeats 1   # GPU cases only

The last line is ``RESULT speedup_fullbatch=... speedup_minibatch=... ...``.

Measured (2-core AMD EPYC, AVX-512, torch 2.13 CPU, 2 threads, default options; the
machine's speed drifts by up to 2x between minutes, so each figure is one whole run):
(b) batched 1.49e8 vs loop 2.88e7 net*sample*step/s, 5.19x (chunks of 16 networks), 5.34x
in a second run, and 3.80x and 4.97x in two runs of the commit before (the batched time is
steady at 0.86-1.09 s, the loop's varies from 3.97 to 5.39 s); (a) 3.12x and 2.47x, before
2.28x and 1.71x (chunks of 1 network, 3 row blocks of 4,096). Before the engine's scratch
buffers, contiguous gradient product and fused Adam the same benchmark gave 2.72-2.78x for
(b) and 1.31x for (a). GPU cases not measured (no CUDA device in that session).
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import dataclass

import numpy as np
import torch

from hardlearn.learners import BatchedMLP, MLPRegressor
from hardlearn.learners.batched import plan_chunks


@dataclass
class Case:
    name: str
    networks: int
    samples: int
    batch_size: int
    steps: int
    device: str
    loop_networks: int | None  # None: no loop timing


def make_data(case: Case, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((case.networks, case.samples, dim))
    w = rng.standard_normal((case.networks, dim)) / np.sqrt(dim)
    y = np.maximum(np.einsum("bnd,bd->bn", X, w), 0.0) + 0.1 * rng.standard_normal(
        (case.networks, case.samples)
    )
    return X, y


def common(case: Case, width: int) -> dict:
    return dict(
        width=width, steps=case.steps, batch_size=case.batch_size, lr=1e-3,
        early_stopping=False, device=case.device,
    )


def time_loop(case: Case, X: np.ndarray, y: np.ndarray, width: int) -> float:
    k = case.loop_networks
    t0 = time.perf_counter()
    for i in range(k):
        MLPRegressor(**common(case, width), rng=i).fit(X[i], y[i])
    return time.perf_counter() - t0


def time_batched(case: Case, X: np.ndarray, y: np.ndarray, width: int,
                 **kwargs) -> tuple[float, dict]:
    t0 = time.perf_counter()
    est = BatchedMLP(**common(case, width), rng=list(range(case.networks)), **kwargs).fit(X, y)
    return time.perf_counter() - t0, est.chunking_


def throughput(networks: int, case: Case, seconds: float) -> float:
    return networks * case.samples * case.steps / seconds


def run_case(case: Case, dim: int, width: int, repeats: int) -> dict:
    X, y = make_data(case, dim)
    loop_t, batch_t, chunking = [], [], {}
    for _ in range(repeats):
        if case.loop_networks:
            loop_t.append(time_loop(case, X, y, width))
        t, chunking = time_batched(case, X, y, width)
        batch_t.append(t)
    out = {"batched": throughput(case.networks, case, min(batch_t)), "chunking": chunking}
    print(f"({case.name}) B={case.networks} samples={case.samples} batch={case.batch_size} "
          f"steps={case.steps} device={case.device}")
    print(f"    batched : {min(batch_t):8.3f} s  {out['batched']:.3e} net*sample*step/s")
    if case.loop_networks:
        out["loop"] = throughput(case.loop_networks, case, min(loop_t))
        out["ratio"] = out["batched"] / out["loop"]
        print(f"    loop    : {min(loop_t):8.3f} s  {out['loop']:.3e} net*sample*step/s "
              f"({case.loop_networks} networks)")
        print(f"    ratio   : {out['ratio']:.2f}x")
    print(f"    chunking: chunk_size={chunking['chunk_size']} n_chunks={chunking['n_chunks']} "
          f"block_rows={chunking['block_rows']} row_blocks={chunking['row_blocks']} "
          f"max_networks={chunking['max_networks']}  [{chunking['rule']}]")
    return out


def sweep_cache(cases: list[Case], dim: int, width: int, repeats: int) -> None:
    budgets = [1 << 18, 1 << 19, 1 << 20, 1 << 21, 1 << 22, 1 << 23, 1 << 24, 1 << 26]
    for case in cases:
        X, y = make_data(case, dim)
        print(f"cache sweep ({case.name}):")
        for budget in budgets:
            best = min(time_batched(case, X, y, width, block_bytes=budget)[0]
                       for _ in range(repeats))
            plan = plan_chunks(case.networks, n_train=case.samples, dim=dim, width=width,
                               batch=min(case.batch_size, case.samples), block_bytes=budget)
            print(f"    block_bytes={budget:>9d}: {best:7.3f} s "
                  f"{throughput(case.networks, case, best):.3e}/s chunk={plan['chunk_size']} "
                  f"rows={plan['block_rows']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CPU cases only, smaller")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timings per version, best kept (default 3, quick 2)")
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--steps", type=int, default=None, help="default 200 (quick 40)")
    parser.add_argument("--cpu-loop-networks", type=int, default=None,
                        help="networks the CPU loop runs in (a) (default 8 of the 64: the "
                        "full-batch loop takes 2-3 s per network; quick: all)")
    parser.add_argument("--gpu-loop-networks", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads for both versions (default: torch's); 1 "
                        "is steadier on a machine shared with other jobs")
    parser.add_argument("--sweep-cache", action="store_true",
                        help="also time (a) and (b) for several CPU block budgets")
    parser.add_argument("--cuda-only", action="store_true",
                        help="skip the CPU cases (a short run on a lent GPU machine); exits "
                        "with status 2 when no CUDA device is present")
    args = parser.parse_args()
    if args.cuda_only and (args.quick or not torch.cuda.is_available()):
        parser.error("--cuda-only needs a CUDA device and the full sizes (no --quick)")
    if args.threads:
        torch.set_num_threads(args.threads)  # benchmark process only, never the package
    repeats = args.repeats or (2 if args.quick else 3)
    steps = args.steps or (40 if args.quick else 200)
    B, n = (16, 2000) if args.quick else (64, 10_000)
    loop_a = min(B, args.cpu_loop_networks or (B if args.quick else 8))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{platform.processor() or platform.machine()}")
    cpu_cases = [
        Case("a", B, n, n, steps, "cpu", loop_a),
        Case("b", B, n, 256, steps, "cpu", B),
    ]
    fields: dict = {}
    if not args.cuda_only:
        results = {c.name: run_case(c, args.dim, args.width, repeats) for c in cpu_cases}
        if args.sweep_cache:
            sweep_cache(cpu_cases, args.dim, args.width, max(1, repeats - 1))
        fields.update({
            "speedup_fullbatch": results["a"]["ratio"],
            "speedup_minibatch": results["b"]["ratio"],
            "cpu_fullbatch_batched": results["a"]["batched"],
            "cpu_fullbatch_loop": results["a"]["loop"],
            "cpu_minibatch_batched": results["b"]["batched"],
            "cpu_minibatch_loop": results["b"]["loop"],
            "cpu_chunk_a": results["a"]["chunking"]["chunk_size"],
            "cpu_chunk_b": results["b"]["chunking"]["chunk_size"],
        })
    if not args.quick and torch.cuda.is_available():
        name = torch.cuda.get_device_name()
        print(f"GPU: {name}")
        gpu_cases = [
            Case("a_gpu", 64, 10_000, 10_000, steps, "cuda", 64),
            Case("b_gpu", 64, 10_000, 256, steps, "cuda", 64),
            Case("c", 512, 4096, 256, steps, "cuda", args.gpu_loop_networks),
            Case("d", 4096, 4096, 256, steps, "cuda", None),
        ]
        gpu = {c.name: run_case(c, args.dim, args.width, max(1, repeats - 1))
               for c in gpu_cases}
        fits = gpu["d"]["chunking"]["max_networks"]
        print(f"largest B in one chunk on {name} (4,096 samples, minibatch 256): {fits}")
        fields.update({
            "gpu_speedup_fullbatch": gpu["a_gpu"]["ratio"],
            "gpu_speedup_minibatch": gpu["b_gpu"]["ratio"],
            "gpu_speedup_c": gpu["c"]["ratio"],
            "gpu_throughput_d": gpu["d"]["batched"],
            "gpu_max_networks": fits,
            "gpu": name.replace(" ", "_"),
        })
    elif not args.quick:
        print("no CUDA device: cases (c) and (d) skipped")
    print("RESULT " + " ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items()
    ))


if __name__ == "__main__":
    main()
