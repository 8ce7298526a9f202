"""Overhead of the sweep engine per trial, and the speed-up of 2 workers over 1.

Runs the test-only ``selftest`` task kind (no mathematics) through :func:`run_sweep`, so the
times include everything a real sweep pays per trial: dispatch to a worker process, the
pipe round trip, and one SQLite commit.

- ``local_overhead_ms``: wall time / trials for trivial trials on the local executor
  (2 workers; worker start-up included).
- ``dask_overhead_ms``: the same through Dask on a LocalCluster (2 workers), counted from
  the moment the cluster is up; ``dask_startup_s`` is the cluster's start-up time.
- ``speedup_2_workers``: wall time with 1 worker / wall time with 2 workers on a
  CPU-bound sweep (24 trials of ~0.5 s of pure-Python work; 10 of ~0.3 s with --quick).
  Worker start-up is included, so short sweeps show less than the steady-state ratio, and
  other processes on the machine take cores away: ``machine_speedup_2_procs`` measures
  the same loop in 2 bare processes (2 in parallel vs 2 in a row), the ceiling right now.

Goals (issue 5): local < 5 ms, Dask < 20 ms, speed-up >= 1.8 on 2 cores.

Usage: ``python benchmarks/bench_sweep.py [--quick]``; the last line is
``RESULT local_overhead_ms=... dask_overhead_ms=... speedup_2_workers=...``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from hardlearn.experiments import parse_spec
from hardlearn.experiments.runner import run_sweep


def trivial_spec(n: int, seed: int):
    return parse_spec(
        {
            "task": "selftest",
            "root_seed": seed,
            "budget_seconds": 60,
            "grid": {"x": [float(i) for i in range(n)]},
        }
    )


def cpu_spec(n: int, work: int):
    return parse_spec(
        {
            "task": "selftest",
            "root_seed": 3,
            "budget_seconds": 600,
            "grid": {"x": [float(i) for i in range(n)], "work": work},
        }
    )


def calibrate_work(target_s: float) -> int:
    """Iterations of the selftest CPU loop that take about ``target_s`` seconds here."""
    n = 200_000
    t0 = time.perf_counter()
    acc = 0
    for i in range(n):
        acc = (acc + i * i) % 1_000_003
    per = (time.perf_counter() - t0) / n
    return max(1, int(target_s / per))


_SPIN = "a = 0\nfor i in range({n}):\n    a = (a + i * i) % 1_000_003\n"


def machine_speedup(work: int) -> float:
    """What the machine offers right now: 2 bare Python processes running the same loop.

    Wall time of 2 loops one after the other / the 2 loops in 2 parallel processes. Below 2
    when other processes use the cores; the engine's speed-up cannot beat it.
    """
    import subprocess
    import sys

    code = _SPIN.format(n=2 * work)

    def run(k: int) -> float:
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(k)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - t0

    return 2 * run(1) / run(2)


def timed(spec, root: Path, name: str, **kw) -> float:
    t0 = time.perf_counter()
    summary = run_sweep(spec, root / name, **kw)
    wall = time.perf_counter() - t0
    if not summary.ok:
        raise SystemExit(f"benchmark sweep {name} did not finish cleanly: {summary.counts}")
    return wall


def dask_overhead(spec, root: Path, workers: int) -> tuple[float, float]:
    """Per-trial wall time through Dask, excluding the cluster's start-up; and that start-up."""
    from hardlearn.experiments import dask_executor

    real = dask_executor._dask_cluster
    box: dict[str, float] = {}

    def cluster(n: int):
        t0 = time.perf_counter()
        out = real(n)
        box["startup"] = time.perf_counter() - t0
        return out

    dask_executor._dask_cluster = cluster
    try:
        wall = timed(spec, root, "dask", executor="dask", workers=workers)
    finally:
        dask_executor._dask_cluster = real
    return wall - box["startup"], box["startup"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials (about 30 s)")
    parser.add_argument("--trials", type=int, default=None, help="trivial trials (default 2000)")
    args = parser.parse_args()
    n = args.trials or (600 if args.quick else 2000)
    n_cpu = 10 if args.quick else 24
    trial_s = 0.3 if args.quick else 0.5
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{n} trivial trials, {n_cpu} CPU-bound trials, {cores} cores, load {load:.2f}")
    if load > 0.5:
        print("note: the machine is busy; the speed-up is limited by the free cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        local = timed(trivial_spec(n, 1), root, "local", workers=2)
        local_ms = 1000 * local / n
        print(f"local: {local:.2f} s for {n} trials = {local_ms:.2f} ms/trial")
        dask_wall, startup = dask_overhead(trivial_spec(n, 2), root, 2)
        dask_ms = 1000 * dask_wall / n
        print(
            f"dask:  {dask_wall:.2f} s for {n} trials = {dask_ms:.2f} ms/trial "
            f"(+ {startup:.1f} s LocalCluster start-up)"
        )
        work = calibrate_work(trial_s)
        one = timed(cpu_spec(n_cpu, work), root, "cpu1", workers=1)
        two = timed(cpu_spec(n_cpu, work), root, "cpu2", workers=2)
        speedup = one / two
        print(f"CPU-bound: 1 worker {one:.2f} s, 2 workers {two:.2f} s, speed-up {speedup:.2f}x")
        bare = machine_speedup(work)
        print(f"bare processes: 2 parallel loops vs 2 sequential: {bare:.2f}x (the ceiling now)")
    print(
        f"RESULT local_overhead_ms={local_ms:.3f} dask_overhead_ms={dask_ms:.3f} "
        f"speedup_2_workers={speedup:.3f} machine_speedup_2_procs={bare:.3f} "
        f"dask_startup_s={startup:.2f} trials={n} load={load:.2f}"
    )


if __name__ == "__main__":
    main()
