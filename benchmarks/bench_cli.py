"""Start-up time of the command line: ``hardlearn --help`` and ``hardlearn estimate``.

Each command runs in a fresh interpreter (as the ``hardlearn`` script does), best and median
of ``--repeats`` runs, against two baselines timed in the same run and interleaved with the
commands so that a change of machine load affects all alike: ``python -c pass`` (the
interpreter's own start) and ``python -c "import numpy"``. The goals (issue 15): ``--help``
under 0.5 s, ``estimate --dim 64`` under 1 s.

    python benchmarks/bench_cli.py [--quick] [--repeats N]

Ends with ``RESULT help_s=<best> help_ratio=<best / python -c pass> estimate_s=<best> ...``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

#: The ``hardlearn`` console script's body, so the benchmark needs no installed script.
_ENTRY = "import sys; from hardlearn.cli import main; sys.exit(main(sys.argv[1:]))"

#: What is timed: a label and the argument vector after the interpreter.
CASES: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "python -c 'import numpy'": ["-c", "import numpy"],
    "hardlearn --help": ["-c", _ENTRY, "--help"],
    "hardlearn estimate --dim 64 --regime lzz": [
        "-c", _ENTRY, "estimate", "--dim", "64", "--regime", "lzz"],
    "hardlearn estimate --dim 64 --noise-bits 30 --json": [
        "-c", _ENTRY, "estimate", "--dim", "64", "--noise-bits", "30", "--json"],
}


def time_once(argv: list[str]) -> float:
    """Wall-clock seconds of one run of ``python argv`` (output discarded; must succeed)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=os.environ.copy())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 9)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load (1 min) {load:.2f}, best and median of {repeats}")
    times: dict[str, list[float]] = {label: [] for label in CASES}
    for argv in CASES.values():  # one warm-up each: the first run fills the file cache
        time_once(argv)
    for _ in range(repeats):
        for label, argv in CASES.items():
            times[label].append(time_once(argv))
    base = min(times["python -c pass"])
    print(f"{'command':<52}{'best s':>9}{'median s':>10}{'best / pass':>13}")
    for label, values in times.items():
        best = min(values)
        print(f"{label:<52}{best:>9.3f}{statistics.median(values):>10.3f}{best / base:>13.1f}")
    help_s = min(times["hardlearn --help"])
    est_s = min(times["hardlearn estimate --dim 64 --regime lzz"])
    est_bits_s = min(times["hardlearn estimate --dim 64 --noise-bits 30 --json"])
    numpy_s = min(times["python -c 'import numpy'"])
    print(f"RESULT help_s={help_s:.3f} help_ratio={help_s / base:.1f} "
          f"help_goal_met={help_s < 0.5} estimate_s={est_s:.3f} "
          f"estimate_bits_s={est_bits_s:.3f} estimate_goal_met={max(est_s, est_bits_s) < 1.0} "
          f"estimate_over_numpy={est_s / numpy_s:.1f} baseline_s={base:.3f} "
          f"numpy_import_s={numpy_s:.3f} load={load:.2f}")


if __name__ == "__main__":
    main()
