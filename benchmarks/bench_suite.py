"""What ``hardlearn suite evaluate`` adds over the learner's own work and over a plain sweep.

On a subset of the suite written by ``make_suite`` (its time is reported as ``make_s``), one
learner with a fixed ``random_state`` (so every way below does the same computation) is
measured three ways, interleaved, each ``--repeat`` times, the minimum kept:

- ``own_s``: in this process, for each instance, the learner's ``fit`` and ``predict`` and
  nothing else (data already in memory; one BLAS / torch thread, as in a trial);
- ``sweep_s``: :func:`hardlearn.experiments.runner.run_sweep` of the same trials (the
  ``suite`` task kind, the spec ``suite evaluate`` builds), into a fresh run directory;
- ``evaluate_s``: the ``hardlearn suite evaluate`` command, in process (typer's runner),
  into a fresh run directory: spec, sweep, reading the store, the leaderboard row.

Figures: ``overhead_vs_fit_predict = evaluate_s / own_s - 1`` (everything the suite adds:
worker start-up, loading the files, scoring, the store, the row) and
``overhead_vs_sweep = evaluate_s / sweep_s - 1`` (what the command adds to the sweep
engine). Goal (issue 14): under 5% (0.05). Worker start-up is a fixed cost, so short
subsets (``--quick``) show more than long ones. To say where the time goes,
``trials_s`` is the sum of the trials' own ``seconds`` in the evaluate run's store (loading
the files, fit, predict, scoring, inside the worker): ``evaluate_s - trials_s`` is the
fixed part (worker start-up, store, row) and ``trials_s / own_s - 1`` the per-trial part.

On a shared machine wall times swing with the load, so each way's CPU time is measured too
(``*_cpu_s``: this process's CPU time plus that of the worker processes it waited for,
``resource.getrusage(RUSAGE_CHILDREN)``), with the same two ratios
(``cpu_overhead_vs_fit_predict``, ``cpu_overhead_vs_sweep``). The worker's first trial
imports torch (the parent imported it before ``own``), a fixed cost inside ``trials_s``.

Usage: ``python benchmarks/bench_suite.py [--quick] [--only v1/d32-] [--learner mlp]
[--param steps=2000] [--workers 1] [--repeat 1]`` (default: the six ``v1/d32-`` instances,
the MLP at its default settings; ``--quick``: two ``d = 8`` instances, 100 steps); the last
line is
``RESULT make_s=... own_s=... sweep_s=... evaluate_s=... trials_s=...
overhead_vs_fit_predict=... overhead_vs_sweep=... own_cpu_s=... sweep_cpu_s=...
evaluate_cpu_s=... cpu_overhead_vs_fit_predict=... cpu_overhead_vs_sweep=...``.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from hardlearn.experiments import parse_spec
from hardlearn.experiments.runner import run_sweep
from hardlearn.experiments.store import read_results
from hardlearn.learners.registry import make_learner
from hardlearn.suite import load_instance, make_suite


def parse_params(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        for cast in (int, float):
            try:
                out[key] = cast(value)
                break
            except ValueError:
                continue
        else:
            out[key] = value
    return out


def cpu_seconds() -> float:
    """CPU time of this process and of its waited-for children (the sweep's workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, *args):
    """``(wall seconds, cpu seconds, fn's result)`` of one call."""
    c0, t0 = cpu_seconds(), time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, cpu_seconds() - c0, out


def own(directory: Path, names: list[str], learner: str, params: dict) -> float:
    """Sums over instances of the learner's fit + predict wall and CPU time, in process."""
    total = cpu = 0.0
    for name in names:
        data = load_instance(directory, name)
        est = make_learner(learner, params)
        c0, t0 = time.process_time(), time.perf_counter()
        est.fit(data["X"], data["y"])
        est.predict(data["X_test"])
        total += time.perf_counter() - t0
        cpu += time.process_time() - c0
    return total, cpu


def sweep(directory: Path, names: list[str], learner: str, params: dict, workers: int,
          run: Path) -> None:
    spec = parse_spec({
        "task": "suite", "root_seed": 0, "budget_seconds": 600.0,
        "name": f"suite evaluate {learner}",
        "grid": {"instance": names, "data_dir": str(directory.resolve())},
        "learners": [{"name": learner, "params": params}],
    })
    summary = run_sweep(spec, run, workers=workers)
    if summary.counts.get("ok", 0) != len(names):
        raise SystemExit(f"sweep: not every trial ok: {summary.counts}")


def evaluate(directory: Path, learner: str, params: dict, workers: int, run: Path) -> float:
    from typer.testing import CliRunner

    from hardlearn.cli import app

    args = ["suite", "evaluate", str(directory), "--learner", learner, "--workers",
            str(workers), "--run-dir", str(run), "--json"]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    result = CliRunner().invoke(app, args)
    if result.exit_code != 0:
        raise SystemExit(f"suite evaluate failed: {result.exception or result.stdout}")
    return sum(float(r["seconds"]) for r in read_results(run))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two d = 8 instances, 100 steps")
    ap.add_argument("--only", action="append", default=None, help="instances (prefix)")
    ap.add_argument("--learner", default="mlp")
    ap.add_argument("--param", action="append", default=None, help="name=value")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    only = args.only or (["v1/d8-f0.25"] if args.quick else ["v1/d32-"])
    params = parse_params(args.param or (["steps=100"] if args.quick and args.learner == "mlp"
                                         else []))
    params.setdefault("random_state", 0)  # every way below does the same computation
    if args.learner == "mlp":
        params.setdefault("device", "cpu")
    repeat = args.repeat

    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # what a trial gets (run_sweep threads=1)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        manifest = make_suite(tmp_path / "suite", only=only)
        make_s = time.perf_counter() - t0
        names = list(manifest["instances"])
        print(f"{len(names)} instances ({', '.join(names)}), learner {args.learner} {params}, "
              f"workers {args.workers}, load {os.getloadavg()[0]:.2f}; make {make_s:.1f} s")
        keys = ("own", "sweep", "evaluate", "own_cpu", "sweep_cpu", "evaluate_cpu")
        best = dict.fromkeys(keys, float("inf"))
        best["trials"] = float("inf")
        suite_dir = tmp_path / "suite"
        for r in range(repeat):
            wall, cpu = own(suite_dir, names, args.learner, params)
            best["own"], best["own_cpu"] = min(best["own"], wall), min(best["own_cpu"], cpu)
            wall, cpu, _ = timed(sweep, suite_dir, names, args.learner, params, args.workers,
                                 tmp_path / f"sweep{r}")
            best["sweep"], best["sweep_cpu"] = min(best["sweep"], wall), min(best["sweep_cpu"], cpu)
            wall, cpu, trials = timed(evaluate, suite_dir, args.learner, params, args.workers,
                                      tmp_path / f"eval{r}")
            if wall < best["evaluate"]:
                best["evaluate"], best["trials"] = wall, trials
            best["evaluate_cpu"] = min(best["evaluate_cpu"], cpu)
            print(f"repeat {r + 1}: wall own {best['own']:.2f} s, sweep {best['sweep']:.2f} s, "
                  f"evaluate {best['evaluate']:.2f} s; cpu own {best['own_cpu']:.2f} s, "
                  f"sweep {best['sweep_cpu']:.2f} s, evaluate {best['evaluate_cpu']:.2f} s "
                  f"(best so far), load {os.getloadavg()[0]:.2f}")
    print(f"RESULT make_s={make_s:.2f} own_s={best['own']:.3f} sweep_s={best['sweep']:.3f} "
          f"evaluate_s={best['evaluate']:.3f} trials_s={best['trials']:.3f} "
          f"overhead_vs_fit_predict={best['evaluate'] / best['own'] - 1:.4f} "
          f"overhead_vs_sweep={best['evaluate'] / best['sweep'] - 1:.4f} "
          f"own_cpu_s={best['own_cpu']:.3f} sweep_cpu_s={best['sweep_cpu']:.3f} "
          f"evaluate_cpu_s={best['evaluate_cpu']:.3f} "
          f"cpu_overhead_vs_fit_predict={best['evaluate_cpu'] / best['own_cpu'] - 1:.4f} "
          f"cpu_overhead_vs_sweep={best['evaluate_cpu'] / best['sweep_cpu'] - 1:.4f}")


if __name__ == "__main__":
    main()
