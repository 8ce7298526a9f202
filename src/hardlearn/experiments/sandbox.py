"""The sandbox: a long-lived worker process that runs units of trials and can be killed.

Both sides live here. The parent side is :class:`Sandbox`: it starts the child, sends it a
unit (:mod:`hardlearn.experiments.units`) over the pipe (:mod:`hardlearn.experiments.pipe`)
and waits at most the unit's budget. The child side is :func:`worker_main`: it imports the
modules of :func:`preload_modules` before it reports ready (so import time is not charged to
a trial), limits BLAS and torch to ``threads`` threads, runs units from its stdin and answers
on its original stdout; what trials print goes to stderr, never into the protocol. The child
exits when its parent goes away.

Log records: the parent gives the child the effective level of its ``hardlearn`` logger
when it starts it; the child forwards each record of a ``hardlearn`` logger at or above that
level as a ``("log", record)`` message (:mod:`hardlearn._logforward`) and the parent hands it
to its own logger of that name, its message prefixed with the worker's pid and trial. So
``-v`` shows what happens inside workers, and by default a worker's warnings appear where
the parent's own do.

:func:`timeout_record` and :func:`died_record` are the records of a trial killed at its
budget and of one whose worker died.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import wait as _wait
from pathlib import Path
from typing import IO, Any

from hardlearn._logforward import LOGGER_NAME, forward_to, forward_warnings, handle_packed
from hardlearn.errors import HardlearnError
from hardlearn.experiments.framework import Record, environment, now_stamp
from hardlearn.experiments.pipe import recv, send
from hardlearn.experiments.registry import get_task_kind
from hardlearn.experiments.spec import Task
from hardlearn.experiments.units import Unit, run_unit, unit_budget, unit_tasks

_log = logging.getLogger(__name__)

__all__ = [
    "Sandbox",
    "STARTUP_TIMEOUT_S",
    "worker_main",
    "preload_modules",
    "timeout_record",
    "died_record",
    "wait_ready",
    "handle_log",
]

#: Seconds a fresh worker process may take to import its modules and report ready.
STARTUP_TIMEOUT_S = 300.0


def wait_ready(streams: Sequence[IO[bytes]], timeout: float | None) -> list[IO[bytes]]:
    """The ``streams`` that have data to read within ``timeout`` seconds.

    ``multiprocessing.connection.wait`` takes any object with ``fileno()`` on POSIX; its
    typeshed signature lists only connections, sockets and integers.
    """
    return _wait(streams, timeout)  # type: ignore[arg-type,return-value]


# --------------------------------------------------------------------------------------
# the child side


def _limit_threads(threads: int) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


#: ``prctl`` option that has the kernel send a signal to a process when its parent dies
#: (``PR_SET_PDEATHSIG`` in ``<linux/prctl.h>``).
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel kill this process (SIGKILL) the moment its parent dies, so
    a sandbox does not outlive a sweep killed with ``kill -9`` (the 1 s poll of
    :func:`_watch_parent` stays as the fallback elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(3)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(3)


def _unit_label(unit: Unit) -> str:
    """How a forwarded log line names the unit it came from."""
    tasks = unit_tasks(unit)
    if len(tasks) == 1:
        return f"trial {tasks[0].task_id}"
    return f"batch of {len(tasks)} trials from {tasks[0].task_id}"


def worker_main() -> None:
    """Entry point of a sandbox process: run trials from stdin, answer on the original stdout.

    What trials print goes to stderr (the run directory's ``workers.log``), never into the
    protocol; records of the ``hardlearn`` loggers at or above the parent's level
    (``HARDLEARN_SANDBOX_LOG_LEVEL``) are sent to the parent as ``("log", record)``
    messages, and so are the Python warnings the trials raise (logged as WARNING records,
    :func:`hardlearn._logforward.forward_warnings`). The process exits when its parent goes
    away.
    """
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    proto_in = sys.stdin.buffer
    lock = threading.Lock()  # a record logged by a trial's thread: one whole frame at a time
    current: list[str | None] = [None]  # the unit being run, for the records' marks

    def answer(message: tuple[Any, ...]) -> None:
        with lock:
            send(proto_out, message)

    def forward(packed: dict[str, Any]) -> None:
        answer(("log", {**packed, "worker_pid": os.getpid(), "trial": current[0]}))

    level = os.environ.get("HARDLEARN_SANDBOX_LOG_LEVEL")
    if level is not None:
        forward_to(forward, int(level))
        forward_warnings()
    parent = int(os.environ.get("HARDLEARN_SANDBOX_PARENT", "0"))
    if parent:
        if os.environ.get("HARDLEARN_SANDBOX_DEATHSIG") == "1":
            _die_with_parent(parent)
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
    answer(("ready", os.getpid()))
    while True:
        try:
            message = recv(proto_in)
        except EOFError:
            return
        if message[0] == "stop":
            return
        current[0] = _unit_label(message[1])
        records = run_unit(message[1])
        current[0] = None
        if "torch" in sys.modules:  # a trial may import torch after the first limit
            sys.modules["torch"].set_num_threads(threads)
        answer(("done", [r.to_dict() for r in records]))


_WORKER_CODE = "from hardlearn.experiments.sandbox import worker_main; worker_main()"


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
    die_with_parent : bool, default True
        On Linux the kernel kills the worker the moment this process dies (``kill -9``
        included); otherwise it notices within a second. The Dask executor turns it off:
        there the worker is started from a thread of a pool, and the kernel's rule follows
        the thread that started it.
    log_level : int, optional
        Level from which the worker forwards the records of its ``hardlearn`` loggers to
        this process; default: the effective level of this process's ``hardlearn`` logger
        when the worker starts.
    """

    def __init__(
        self, preload: Sequence[str] = (), threads: int = 1, log: str | Path | None = None,
        path: Sequence[str] | None = None, die_with_parent: bool = True,
        log_level: int | None = None,
    ) -> None:
        self.die_with_parent = die_with_parent
        self.log_level = log_level
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
            HARDLEARN_SANDBOX_DEATHSIG="1" if self.die_with_parent else "0",
            HARDLEARN_SANDBOX_LOG_LEVEL=str(self.forward_level()),
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
        _log.debug("started sandbox worker process %d", self.proc.pid)

    def forward_level(self) -> int:
        """The level from which the worker forwards its log records (see ``log_level``)."""
        if self.log_level is not None:
            return self.log_level
        return logging.getLogger(LOGGER_NAME).getEffectiveLevel()

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
        send(self.proc.stdin, ("run", task))

    def receive(self) -> tuple[str, Any]:
        """Read one message (``("ready", pid)``, ``("done", record_dicts)`` or ``("log",
        record)``); EOFError if dead.

        A ``"log"`` message is handled here (:func:`handle_log`) before it is returned;
        callers skip it and wait for the next message.
        """
        message = recv(self.stdout)
        if message[0] == "log":
            handle_log(message[1])
        return message

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
                send(self.proc.stdin, ("stop",))
            self.proc.wait(timeout=1.0)
        except (OSError, subprocess.TimeoutExpired):
            pass  # killed just below
        self.kill()

    def wait_ready(self) -> None:
        """Block until the worker reports ready (raises if it dies or takes too long)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            if not wait_ready([self.stdout], timeout=max(0.0, left)):
                self.kill()
                raise HardlearnError(
                    f"a worker process did not start in {STARTUP_TIMEOUT_S:g} s.")
            try:
                kind, _ = self.receive()
            except EOFError:
                code = self.proc.wait() if self.proc is not None else None
                self.kill()
                raise HardlearnError(
                    f"a worker process exited while starting (status {code}); see its stderr "
                    f"({self.log or 'inherited'})."
                ) from None
            if kind != "log":
                self.ready = kind == "ready"
                return

    def run(self, task: Unit) -> list[Record]:
        """Run one unit with its budget, blocking; restart the worker as needed."""
        if self.proc is None:
            self.start()
        if not self.ready:
            self.wait_ready()
        self.submit(task)
        while True:
            remaining = max(0.0, self.deadline - time.monotonic())
            if not wait_ready([self.stdout], timeout=remaining):
                self.kill()
                return [timeout_record(t) for t in unit_tasks(task)]
            try:
                kind, payload = self.receive()
            except EOFError:
                code = self.proc.wait() if self.proc is not None else None
                self.kill()
                return [died_record(t, code) for t in unit_tasks(task)]
            if kind == "done":
                self.task = None
                return [Record(**p) for p in payload]


def handle_log(packed: dict[str, Any]) -> None:
    """Hand a record forwarded by a worker to this process's logger of the same name.

    The message is prefixed with where it came from (``[worker PID, trial ID]``), also kept
    as the record's ``worker_pid`` and ``trial`` attributes.
    """
    where = f"worker {packed.get('worker_pid')}"
    if packed.get("trial"):  # None between units (a record from preloading, or a thread)
        where += f", {packed['trial']}"
    handle_packed(packed, f"[{where}] ")


def timeout_record(task: Task) -> Record:
    """The record of a trial killed at its budget."""
    _log.info("trial %s exceeded its budget of %g s; its worker was killed and a new one "
              "starts for the next trial", task.task_id, task.budget_seconds)
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
    _log.warning("the worker running trial %s exited with status %s; the trial is recorded "
                 "as failed and a new worker starts", task.task_id, code)
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


#: Heavy modules a built-in learner imports when it first fits, imported by the worker
#: before it reports ready so that the import is not charged to a trial's budget (importing
#: torch took 5-7 s on a loaded 2-core machine, more than many MLP trials' budgets).
_LEARNER_PRELOAD: dict[str, tuple[str, ...]] = {"mlp": ("torch",)}


def preload_modules(tasks: Sequence[Task]) -> tuple[str, ...]:
    """Modules a worker imports first: the kinds' preloads and every plug-in (the sweep
    file's ``plugins``, the module that defines a registered kind's function, and the module
    of each ``pkg.module:Name`` learner), so plug-ins work in workers as in this process."""
    mods: dict[str, None] = {"hardlearn.experiments.registry": None}
    for task in tasks:
        mods.update(dict.fromkeys(task.plugins))
        mods.update(dict.fromkeys(_LEARNER_PRELOAD.get(task.learner_name or "", ())))
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
