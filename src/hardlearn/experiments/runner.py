"""Run a sweep: a local pool of worker processes (default) or Dask, with per-trial budgets.

**Budgets.** Every trial runs in a *sandbox*: a long-lived child Python process that reads
trials from a pipe and writes back :class:`~hardlearn.experiments.framework.Record` objects.
The parent waits on the pipe for at most the trial's ``budget_seconds``; when the budget is
spent it kills the child (``SIGKILL``), records the trial as ``"timeout"``, and starts a
fresh child for the next trial. A child that dies (segfault, out of memory) is recorded as
``"failed"`` with error type ``WorkerDied``. The child imports the task kind's modules
before it reports ready, so import time is not charged to a trial.

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
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_ready
from pathlib import Path
from typing import IO, Any

from hardlearn._optional import require
from hardlearn.errors import HardlearnError, ParameterError
from hardlearn.experiments.framework import Record, environment, now_stamp
from hardlearn.experiments.registry import get_task_kind, group_key, run_group, run_task
from hardlearn.experiments.spec import SweepSpec, Task
from hardlearn.experiments.store import LOG_NAME, Store

__all__ = ["run_sweep", "run_tasks", "make_units", "SweepSummary", "Sandbox", "EXECUTORS"]

EXECUTORS = ("local", "dask")

#: Seconds a fresh worker process may take to import its modules and report ready.
STARTUP_TIMEOUT_S = 300.0

_HEADER = struct.Struct("<Q")


# --------------------------------------------------------------------------------------
# framing: 8-byte little-endian length + pickle


def _send(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError("worker pipe closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _recv(stream: IO[bytes]) -> Any:
    (size,) = _HEADER.unpack(_read_exact(stream, _HEADER.size))
    return pickle.loads(_read_exact(stream, size))


# --------------------------------------------------------------------------------------
# the child side


def _limit_threads(threads: int) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(3)


def _worker_main() -> None:
    """Entry point of a sandbox process: run trials from stdin, answer on the original stdout.

    What trials print goes to stderr (the run directory's ``workers.log``), never into the
    protocol. The process exits when its parent goes away.
    """
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    proto_in = sys.stdin.buffer
    parent = int(os.environ.get("HARDLEARN_SANDBOX_PARENT", "0"))
    if parent:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    threads = int(os.environ.get("HARDLEARN_SANDBOX_THREADS", "1"))
    for entry in os.environ.get("HARDLEARN_SANDBOX_PATH", "").split(os.pathsep):
        if entry and entry not in sys.path:  # where the parent found its plug-ins
            sys.path.append(entry)
    for module in filter(None, os.environ.get("HARDLEARN_SANDBOX_PRELOAD", "").split(",")):
        try:
            __import__(module)
        except Exception as exc:  # the trials that need it will fail and record why
            print(f"hardlearn worker: cannot preload {module}: {exc}", file=sys.stderr)
    _limit_threads(threads)
    environment()
    _send(proto_out, ("ready", os.getpid()))
    while True:
        try:
            message = _recv(proto_in)
        except EOFError:
            return
        if message[0] == "stop":
            return
        records = run_unit(message[1])
        if "torch" in sys.modules:  # a trial may import torch after the first limit
            sys.modules["torch"].set_num_threads(threads)
        _send(proto_out, ("done", [r.to_dict() for r in records]))


_WORKER_CODE = "from hardlearn.experiments.runner import _worker_main; _worker_main()"

#: A unit of work sent to a worker: one trial, or a tuple of trials trained as one batch.
Unit = Task | tuple[Task, ...]


def unit_tasks(unit: Unit) -> tuple[Task, ...]:
    """The trials of a unit."""
    return unit if isinstance(unit, tuple) else (unit,)


def unit_budget(unit: Unit) -> float:
    """A unit's budget: the sum of its trials' budgets (a batch does their work at once)."""
    return float(sum(t.budget_seconds for t in unit_tasks(unit)))


def run_unit(unit: Unit) -> list[Record]:
    """Run one unit in this process: :func:`run_task`, or :func:`run_group` for a batch."""
    if isinstance(unit, tuple):
        return run_group(unit)
    return [run_task(unit)]


#: Most trials trained as one batch. A choice, not a measurement: large enough that a
#: sweep's repetitions of one grid point usually share a batch, small enough that a group of
#: dozens of trials still spreads over several workers.
BATCH_NETWORKS = 8


def make_units(tasks: Sequence[Task], workers: int, batch: bool = True) -> list[Unit]:
    """Group trials that can be trained as one batch (:func:`group_key`) into units.

    A group is cut, in the sweep's order, into units of at most :data:`BATCH_NETWORKS`
    trials; trials without a key stay alone. Which trials share a batch therefore depends on
    the sweep file alone, never on ``workers`` or the executor, so the stored numbers are the
    same bits for any worker count (``workers`` is kept for the callers' signature). A
    unit's records are stored together, so a resumed run meets whole units again. With
    ``batch=False`` every trial is its own unit.

    Examples
    --------
    >>> from hardlearn.experiments.spec import parse_spec
    >>> spec = parse_spec({"task": "learn", "root_seed": 0, "repetitions": 4,
    ...     "grid": {"dim": 4, "freq": 0.5, "samples": 100},
    ...     "learners": [{"name": "mlp"}, {"name": "mean"}]})
    >>> [len(unit_tasks(u)) for u in make_units(spec.tasks(), workers=2)]
    [4, 1, 1, 1, 1]
    >>> make_units(spec.tasks(), workers=1) == make_units(spec.tasks(), workers=8)
    True
    """
    if not batch:
        return list(tasks)
    groups: dict[Any, list[Task]] = {}
    order: list[Any] = []
    for task in tasks:
        key = group_key(task)
        key = ("alone", task.task_id) if key is None else key
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(task)
    units: list[Unit] = []
    for key in order:
        members = groups[key]
        if key[0] == "alone" or len(members) < 2:
            units.extend(members)
            continue
        size = BATCH_NETWORKS
        units.extend(tuple(members[i : i + size]) for i in range(0, len(members), size))
    return [u[0] if isinstance(u, tuple) and len(u) == 1 else u for u in units]


# --------------------------------------------------------------------------------------
# the parent side


class Sandbox:
    """One worker process that runs trials and can be killed at a deadline.

    Parameters
    ----------
    preload : sequence of str
        Modules to import before reporting ready.
    threads : int
        BLAS / torch threads inside the worker.
    log : path or None
        File that receives the worker's stderr (appended); None inherits this process's.
    path : sequence of str, optional
        Import path entries the worker appends to its own (default this process's
        ``sys.path``), so a plug-in found here is found there.
    """

    def __init__(
        self, preload: Sequence[str] = (), threads: int = 1, log: str | Path | None = None,
        path: Sequence[str] | None = None,
    ) -> None:
        self.preload = tuple(preload)
        self.path = tuple(sys.path if path is None else path)
        self.threads = threads
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready = False
        self.task: Unit | None = None
        self.deadline = 0.0
        self.started_at = 0.0

    def start(self) -> None:
        """Start the process (returns at once; it reports ready on its pipe)."""
        env = dict(os.environ)
        env.update(
            HARDLEARN_SANDBOX_PARENT=str(os.getpid()),
            HARDLEARN_SANDBOX_THREADS=str(self.threads),
            HARDLEARN_SANDBOX_PRELOAD=",".join(self.preload),
            HARDLEARN_SANDBOX_PATH=os.pathsep.join(self.path),
            OMP_NUM_THREADS=str(self.threads),
            OPENBLAS_NUM_THREADS=str(self.threads),
            MKL_NUM_THREADS=str(self.threads),
            PYTHONUNBUFFERED="1",
        )
        stderr: Any = None
        if self.log is not None:
            stderr = open(self.log, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                bufsize=0,
            )
        finally:
            if stderr is not None:
                stderr.close()
        self.ready = False
        self.task = None
        self.started_at = time.monotonic()

    @property
    def stdout(self) -> IO[bytes]:
        """The pipe the worker answers on."""
        if self.proc is None or self.proc.stdout is None:
            raise HardlearnError("sandbox is not started")
        return self.proc.stdout

    def submit(self, task: Unit) -> None:
        """Send a unit (a trial or a batch) to the (ready, idle) worker; its deadline starts
        now and is :func:`unit_budget` away."""
        if self.proc is None or self.proc.stdin is None:
            raise HardlearnError("sandbox is not started")
        self.task = task
        self.deadline = time.monotonic() + unit_budget(task)
        _send(self.proc.stdin, ("run", task))

    def receive(self) -> tuple[str, Any]:
        """Read one message (``("ready", pid)`` or ``("done", record_dict)``); EOFError if dead."""
        return _recv(self.stdout)

    def kill(self) -> None:
        """Kill the process at once and reap it."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
            self.proc = None
        self.ready = False
        self.task = None

    def stop(self) -> None:
        """Ask an idle worker to exit; kill it if it does not within a second."""
        if self.proc is None:
            return
        try:
            if self.proc.stdin is not None:
                _send(self.proc.stdin, ("stop",))
            self.proc.wait(timeout=1.0)
        except (OSError, subprocess.TimeoutExpired):
            pass  # killed just below
        self.kill()

    def wait_ready(self) -> None:
        """Block until the worker reports ready (raises if it dies or takes too long)."""
        ready = wait_ready([self.stdout], timeout=STARTUP_TIMEOUT_S)
        if not ready:
            self.kill()
            raise HardlearnError(f"a worker process did not start in {STARTUP_TIMEOUT_S:g} s.")
        try:
            kind, _ = self.receive()
        except EOFError:
            code = self.proc.wait() if self.proc is not None else None
            self.kill()
            raise HardlearnError(
                f"a worker process exited while starting (status {code}); see its stderr "
                f"({self.log or 'inherited'})."
            ) from None
        self.ready = kind == "ready"

    def run(self, task: Unit) -> list[Record]:
        """Run one unit with its budget, blocking; restart the worker as needed."""
        if self.proc is None:
            self.start()
        if not self.ready:
            self.wait_ready()
        self.submit(task)
        remaining = max(0.0, self.deadline - time.monotonic())
        if not wait_ready([self.stdout], timeout=remaining):
            self.kill()
            return [timeout_record(t) for t in unit_tasks(task)]
        try:
            _, payload = self.receive()
        except EOFError:
            code = self.proc.wait() if self.proc is not None else None
            self.kill()
            return [died_record(t, code) for t in unit_tasks(task)]
        self.task = None
        return [Record(**p) for p in payload]


def timeout_record(task: Task) -> Record:
    """The record of a trial killed at its budget."""
    env = environment()
    return Record(
        task_id=task.task_id,
        status="timeout",
        error_type="Timeout",
        error_message=(
            f"trial exceeded budget_seconds={task.budget_seconds:g} and its worker was killed"
        ),
        seconds=float(task.budget_seconds),
        finished=now_stamp(),
        host=env["host"],
        versions=env["versions"],
    )


def died_record(task: Task, code: int | None) -> Record:
    """The record of a trial whose worker process died."""
    env = environment()
    return Record(
        task_id=task.task_id,
        status="failed",
        error_type="WorkerDied",
        error_message=f"the worker process running this trial exited with status {code}",
        finished=now_stamp(),
        host=env["host"],
        versions=env["versions"],
    )


# --------------------------------------------------------------------------------------
# executors: iterate records as trials finish


def _preload(tasks: Sequence[Task]) -> tuple[str, ...]:
    """Modules a worker imports first: the kinds' preloads and every plug-in (the sweep
    file's ``plugins``, the module that defines a registered kind's function, and the module
    of each ``pkg.module:Name`` learner), so plug-ins work in workers as in this process."""
    mods: dict[str, None] = {"hardlearn.experiments.registry": None}
    for task in tasks:
        mods.update(dict.fromkeys(task.plugins))
        if task.learner_name and ":" in task.learner_name:
            mods[task.learner_name.partition(":")[0]] = None
    for kind in {t.kind for t in tasks}:
        k = get_task_kind(kind)
        for mod in k.preload:
            mods[mod] = None
        module = getattr(k.fn, "__module__", None)
        if module and module != "__main__" and not module.startswith("hardlearn."):
            mods[module] = None
    return tuple(mods)


def _run_local(
    tasks: Sequence[Task],
    workers: int,
    threads: int,
    log: Path | None,
    emit: Callable[[Record], bool],
    batch: bool = True,
) -> None:
    """Run ``tasks`` on ``workers`` sandboxes; ``emit(record)`` returns False to stop."""
    pending = deque(make_units(tasks, workers, batch))
    preload = _preload(tasks)
    boxes = [Sandbox(preload, threads, log) for _ in range(min(workers, len(pending)))]
    for box in boxes:
        box.start()
    try:
        while pending or any(b.task is not None for b in boxes):
            for box in boxes:
                if box.proc is None and pending:
                    box.start()
                if box.ready and box.task is None and pending:
                    box.submit(pending.popleft())
            busy = [b for b in boxes if b.task is not None]
            now = time.monotonic()
            timeout = min((b.deadline for b in busy), default=now + 1.0) - now
            watched = {b.stdout: b for b in boxes if b.proc is not None}
            for stream in wait_ready(list(watched), timeout=max(0.0, timeout)):
                box = watched[stream]
                task = box.task
                try:
                    kind, payload = box.receive()
                except EOFError:
                    code = box.proc.wait() if box.proc is not None else None
                    was_ready = box.ready
                    box.kill()
                    if task is None and was_ready:
                        continue  # an idle worker died: start another on the next pass
                    if task is None:
                        raise HardlearnError(
                            f"a worker process exited while starting (status {code}); "
                            f"see {log or 'its stderr'}."
                        ) from None
                    if not all(emit(died_record(t, code)) for t in unit_tasks(task)):
                        return
                    continue
                if kind == "ready":
                    box.ready = True
                    continue
                box.task = None
                if not all(emit(Record(**p)) for p in payload):
                    return
            now = time.monotonic()
            for box in boxes:
                if box.task is not None and now >= box.deadline:
                    task = box.task
                    box.kill()
                    if not all(emit(timeout_record(t)) for t in unit_tasks(task)):
                        return
                starting = box.proc is not None and not box.ready
                if starting and now - box.started_at > STARTUP_TIMEOUT_S:
                    raise HardlearnError(
                        f"a worker process did not start in {STARTUP_TIMEOUT_S:g} s."
                    )
    finally:
        for box in boxes:
            if box.task is None and box.ready:
                box.stop()
            else:
                box.kill()


_DASK_BOXES: dict[int, Sandbox] = {}


def _dask_trial(
    task: Unit, threads: int, preload: tuple[str, ...], path: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """Run one unit inside a Dask worker, in that worker thread's sandbox (``path``: the
    client's import path, for plug-ins)."""
    ident = threading.get_ident()
    box = _DASK_BOXES.get(ident)
    if box is None:
        box = _DASK_BOXES[ident] = Sandbox(preload, threads, None, path)
    return [r.to_dict() for r in box.run(task)]


def _dask_cluster(workers: int) -> Any:
    require("distributed", feature="the dask scheduler")
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )


def _run_dask(
    tasks: Sequence[Task],
    workers: int,
    threads: int,
    scheduler: str | None,
    emit: Callable[[Record], bool],
    batch: bool = True,
) -> None:
    from distributed import Client, as_completed

    cluster = None
    if scheduler is None:
        cluster = _dask_cluster(max(1, min(workers, len(tasks))))  # no idle worker processes
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise ParameterError(
                f"--scheduler {scheduler!r} cannot be reached or is not a Dask scheduler "
                f"address (tcp://host:8786): {type(exc).__name__}: {exc}".rstrip(": ")
            ) from None
    preload = _preload(tasks)
    by_key = {}
    try:
        futures = []
        for unit in make_units(tasks, workers, batch):
            first = unit_tasks(unit)[0]
            fut = client.submit(
                _dask_trial, unit, threads, preload, tuple(sys.path), pure=False,
                key=f"trial-{first.task_id}",
            )
            by_key[fut.key] = unit
            futures.append(fut)
        stream = as_completed(futures, with_results=False)
        for fut in stream:
            unit = by_key[fut.key]
            if fut.status == "finished":
                records = [Record(**p) for p in fut.result()]
            else:
                exc = fut.exception()
                env = environment()
                records = [
                    Record(
                        task_id=task.task_id,
                        status="failed",
                        error_type=type(exc).__name__,
                        error_message=f"Dask could not run this trial: {exc}",
                        finished=now_stamp(),
                        host=env["host"],
                        versions=env["versions"],
                    )
                    for task in unit_tasks(unit)
                ]
            fut.release()
            if not all(emit(record) for record in records):
                client.cancel(futures)
                return
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


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
        _run_local(tasks, workers, threads, Path(log) if log else None, emit, batch)
    else:
        _run_dask(tasks, workers, threads, scheduler, emit, batch)
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
    """
    if executor not in EXECUTORS:
        raise ParameterError(f"executor must be one of 'local', 'dask'; got {executor!r}.")
    if scheduler is not None and executor != "dask":
        raise ParameterError("--scheduler needs --executor dask.")
    workers = _default_workers(workers)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ParameterError(f"threads must be an integer >= 1; got {threads!r}.")
    t0 = time.perf_counter()
    store = Store.create(run_dir, spec)
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
