"""Run a sweep: a local pool of worker processes (default) or Dask, with per-trial budgets.

This module is the driver: :func:`run_tasks` picks an executor and :func:`run_sweep` adds the
store, resume and progress. The machinery lives in its own modules:

- :mod:`~hardlearn.experiments.pipe`: the framing of messages on a worker's pipes;
- :mod:`~hardlearn.experiments.units`: which trials are sent together as one unit (a batch);
- :mod:`~hardlearn.experiments.sandbox`: the worker process, both its sides;
- :mod:`~hardlearn.experiments.local_executor`: the event loop over local sandboxes;
- :mod:`~hardlearn.experiments.dask_executor`: the Dask path.

**Budgets.** Every trial runs in a *sandbox*: a long-lived child Python process that reads
trials from a pipe and writes back :class:`~hardlearn.experiments.framework.Record` objects.
The parent waits on the pipe for at most the trial's ``budget_seconds``; when the budget is
spent it kills the child (``SIGKILL``), records the trial as ``"timeout"``, and starts a
fresh child for the next trial. A child that dies (segfault, out of memory) is recorded as
``"failed"`` with error type ``WorkerDied``. The child imports the task kind's modules
before it reports ready, so import time is not charged to a trial. A batch of trials
(:mod:`~hardlearn.experiments.units`) is killed only after the sum of their budgets; inside
it each trial is held to its own (a network whose budget is spent stops, stored as
``"timeout"``, and the others go on).

**Local executor.** ``workers`` sandboxes driven by one loop in the calling process, which
commits each record to the store as it arrives. Overhead is one pipe round trip and one
SQLite commit per trial.

**Dask executor.** Each trial is a Dask task; the Dask worker process runs it in a sandbox
of its own (one per worker thread, started on first use), so budgets hold the same way.
With no scheduler address a :class:`distributed.LocalCluster` is started on 127.0.0.1
(one single-threaded worker process per ``workers``) and closed at the end. A running
scheduler needs hardlearn installed on its workers.

**Reproducibility.** A trial's numbers depend only on its :class:`~hardlearn.experiments.spec.Task`
(its generator comes from the root seed and the trial's identity), and every sandbox limits
BLAS and torch to ``threads`` threads (default 1), so the executor and the number of workers
change no result.

Examples
--------
>>> import tempfile
>>> from hardlearn.experiments.spec import parse_spec
>>> spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1, 2, 3]}})
>>> with tempfile.TemporaryDirectory() as d:
...     summary = run_sweep(spec, d, workers=1)
...     summary.counts
{'ok': 3}
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardlearn.errors import ParameterError
from hardlearn.experiments.dask_executor import run_dask
from hardlearn.experiments.framework import Record
from hardlearn.experiments.local_executor import run_local
from hardlearn.experiments.sandbox import Sandbox
from hardlearn.experiments.spec import SweepSpec, Task
from hardlearn.experiments.store import LOG_NAME, Store
from hardlearn.experiments.units import make_units

#: ``Sandbox`` and ``make_units`` are re-exported here for callers of the former single module.
__all__ = ["run_sweep", "run_tasks", "make_units", "SweepSummary", "Sandbox", "EXECUTORS"]

#: Executors :func:`run_sweep` accepts (``executor=``).
EXECUTORS = ("local", "dask")


def run_tasks(
    tasks: Sequence[Task],
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int = 1,
    log: str | Path | None = None,
    on_record: Callable[[Record], bool | None] | None = None,
    batch: bool = True,
) -> list[Record]:
    """Run ``tasks`` and return their records in completion order (no store).

    ``on_record(record)`` is called as each trial finishes; returning ``False`` stops the run
    (trials in flight are abandoned). See :func:`run_sweep` for the other parameters.
    """
    if executor not in EXECUTORS:
        raise ParameterError(f"executor must be one of 'local', 'dask'; got {executor!r}.")
    workers = _default_workers(workers)
    records: list[Record] = []

    def emit(record: Record) -> bool:
        records.append(record)
        return on_record(record) is not False if on_record is not None else True

    if not tasks:
        return records
    if executor == "local":
        run_local(tasks, workers, threads, Path(log) if log else None, emit, batch)
    else:
        run_dask(tasks, workers, threads, scheduler, emit, batch)
    return records


def _default_workers(workers: int | None) -> int:
    if workers is None:
        return max(
            1,
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else (os.cpu_count() or 1),
        )
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"workers must be an integer >= 1; got {workers!r}.")
    return workers


# --------------------------------------------------------------------------------------
# a whole sweep: store + resume + progress


@dataclass
class SweepSummary:
    """What :func:`run_sweep` did: counts by status in the store, and this run's work."""

    run_dir: Path
    total: int
    skipped: int
    ran: int
    counts: dict[str, int]
    seconds: float
    stopped_early: bool = False
    first_failure: Record | None = None
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every trial of the grid finished with status ok."""
        return self.counts.get("ok", 0) == self.total


class _Progress:
    """A rich progress bar on stderr with ok / failed / timeout counts and an ETA."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.counts = {"ok": 0, "failed": 0, "timeout": 0}
        self.bar: Any = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(stderr=True)
        self.bar = Progress(
            TextColumn("sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.bar.start()
        self.tid = self.bar.add_task("sweep", total=total, completed=done, status=self._text())

    def _text(self) -> str:
        c = self.counts
        return f"ok {c['ok']}  failed {c['failed']}  timeout {c['timeout']}"

    def update(self, record: Record) -> None:
        self.counts[record.status] = self.counts.get(record.status, 0) + 1
        if self.bar is not None:
            self.bar.update(self.tid, advance=1, status=self._text())

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run_sweep(
    spec: SweepSpec,
    run_dir: str | Path,
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    fail_fast: bool = False,
    retry_failed: bool = False,
    threads: int = 1,
    progress: bool = False,
    on_record: Callable[[Record], None] | None = None,
    batch: bool = True,
    allow_version_change: bool = False,
) -> SweepSummary:
    """Run (or resume) ``spec`` into ``run_dir`` and return a :class:`SweepSummary`.

    Parameters
    ----------
    spec : SweepSpec
        The validated sweep (:func:`~hardlearn.experiments.spec.load_spec`).
    run_dir : path
        Created if missing; resumed if ``spec`` made it; refused if another sweep did.
    executor : {"local", "dask"}
        Local process pool, or Dask (``scheduler`` address, or a loopback LocalCluster).
    workers : int, optional
        Parallel trials (local sandboxes or LocalCluster workers); default: CPU count.
    fail_fast : bool
        Stop at the first failed or timed-out trial (trials in flight are abandoned and
        stay pending). Default: keep going and record every failure.
    retry_failed : bool
        Rerun trials stored as failed or timeout (ok trials are always skipped).
    threads : int
        BLAS / torch threads per trial.
    progress : bool
        Show a progress bar on stderr.
    on_record : callable, optional
        Called with each stored record.
    batch : bool
        Train ``learn`` trials of the MLP that share shapes as one batch
        (:func:`~hardlearn.experiments.kinds.learn.run_task_group`; same results, less time). A
        batch's budget is the sum of its trials' budgets.
    allow_version_change : bool
        Resume a run directory made under other versions of hardlearn, NumPy, torch, fpylll
        or python-flint (:data:`~hardlearn.experiments.store.RESUME_VERSIONS`), with a
        warning; refused otherwise.
    """
    if executor not in EXECUTORS:
        raise ParameterError(f"executor must be one of 'local', 'dask'; got {executor!r}.")
    if scheduler is not None and executor != "dask":
        raise ParameterError("--scheduler needs --executor dask.")
    workers = _default_workers(workers)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ParameterError(f"threads must be an integer >= 1; got {threads!r}.")
    t0 = time.perf_counter()
    store = Store.create(run_dir, spec, allow_version_change=allow_version_change)
    try:
        all_tasks = spec.tasks()
        done = store.done_ids(retry_failed=retry_failed)
        todo = [t for t in all_tasks if t.task_id not in done]
        bar = _Progress(len(all_tasks), len(all_tasks) - len(todo), progress)
        first_failure: list[Record] = []

        def consume(record: Record) -> bool:
            store.save(record)
            bar.update(record)
            if on_record is not None:
                on_record(record)
            if record.status != "ok":
                if not first_failure:
                    first_failure.append(record)
                if fail_fast:
                    return False
            return True

        try:
            records = run_tasks(
                todo,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                threads=threads,
                log=store.run_dir / LOG_NAME,
                on_record=consume,
                batch=batch,
            )
        finally:
            bar.close()
        statuses: dict[str, int] = {}
        for rec in records:
            statuses[rec.status] = statuses.get(rec.status, 0) + 1
        return SweepSummary(
            run_dir=store.run_dir,
            total=len(all_tasks),
            skipped=len(all_tasks) - len(todo),
            ran=len(records),
            counts=store.counts(),
            seconds=time.perf_counter() - t0,
            stopped_early=len(records) < len(todo),
            first_failure=first_failure[0] if first_failure else None,
            statuses=statuses,
        )
    finally:
        store.close()
