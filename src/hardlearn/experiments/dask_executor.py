"""The Dask executor: each unit is a Dask task, run in a sandbox on the Dask worker.

Each Dask worker thread starts a :class:`~hardlearn.experiments.sandbox.Sandbox` of its own
on first use, so budgets hold as in the local executor. With no scheduler address a
:class:`distributed.LocalCluster` is started on 127.0.0.1 (one single-threaded worker
process per ``workers``) and closed at the end. A running scheduler needs hardlearn
installed on its workers.

Log records: the sandbox forwards its records to its Dask worker (at the client's level of
the ``hardlearn`` logger, passed with each unit), and Dask's own forwarding
(:meth:`distributed.Client.forward_logging`, registered for the ``hardlearn`` logger while
the sweep runs) sends them on to the client, where they are handled by its loggers.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from hardlearn._logforward import LOGGER_NAME
from hardlearn._optional import require
from hardlearn.errors import ExecutorError, ParameterError
from hardlearn.experiments.framework import Record, environment, now_stamp
from hardlearn.experiments.sandbox import Sandbox, preload_modules
from hardlearn.experiments.spec import Task
from hardlearn.experiments.units import Unit, make_units, unit_tasks

__all__ = ["run_dask", "dask_setup"]

#: The sandbox of each Dask worker thread, started on first use (lives in the Dask worker
#: process, which Dask starts and ends; the client process never fills it).
_DASK_BOXES: dict[int, Sandbox] = {}


def _dask_trial(
    task: Unit, threads: int, preload: tuple[str, ...], path: tuple[str, ...] | None = None,
    log_level: int = logging.WARNING,
) -> list[dict[str, Any]]:
    """Run one unit inside a Dask worker, in that worker thread's sandbox (``path``: the
    client's import path, for plug-ins; ``log_level``: the client's level, from which the
    sandbox forwards its log records to this Dask worker, which forwards them on to the
    client, see :func:`run_dask`)."""
    ident = threading.get_ident()
    box = _DASK_BOXES.get(ident)
    if box is not None and box.log_level != log_level:
        box.stop()  # a later sweep on the same cluster, at another level
        box = None
    if box is None:
        box = _DASK_BOXES[ident] = Sandbox(preload, threads, None, path, die_with_parent=False,
                                           log_level=log_level)
    return [r.to_dict() for r in box.run(task)]


def dask_setup(worker: Any) -> None:
    """Worker preload of the built-in cluster: its worker processes ignore SIGINT.

    A terminal sends Ctrl-C to the whole process group; the sweep's own process handles it
    (stops the cluster, prints one line), and worker processes that also raised
    ``KeyboardInterrupt`` printed one traceback each. The sandboxes they start inherit the
    disposition; they are killed with their worker.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _dask_cluster(workers: int) -> Any:
    require("distributed", feature="the dask scheduler")
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # a free loopback port (8787 may be taken)
        silence_logs=40,
        preload=[__name__],  # dask_setup above
    )


def run_dask(
    tasks: Sequence[Task],
    workers: int,
    threads: int,
    scheduler: str | None,
    emit: Callable[[Record], bool],
    batch: bool = True,
) -> None:
    """Run ``tasks`` as Dask tasks (on ``scheduler``, or a loopback LocalCluster);
    ``emit(record)`` returns False to stop (the remaining futures are cancelled)."""
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
    preload = preload_modules(tasks)
    log_level = logging.getLogger(LOGGER_NAME).getEffectiveLevel()
    client.forward_logging(LOGGER_NAME, level=log_level)
    units = {f"trial-{unit_tasks(u)[0].task_id}": u for u in make_units(tasks, workers, batch)}
    attempts = dict.fromkeys(units, 0)
    futures: dict[str, Any] = {}  # unit key -> its current future
    owner: dict[Any, str] = {}  # Dask key (typed as any dask Key) -> unit key

    def submit(key: str) -> Any:
        attempts[key] += 1
        fut = client.submit(
            _dask_trial, units[key], threads, preload, tuple(sys.path), log_level, pure=False,
            key=key if attempts[key] == 1 else f"{key}-again-{attempts[key]}",
        )
        futures[key] = fut
        owner[fut.key] = key
        return fut

    lost: list[str] = []
    with _quiet_dask_logs():
        try:
            # Results are gathered on Dask's event loop (with_results), so an interrupt
            # lands here, never inside one of distributed's blocking calls.
            stream = as_completed([submit(k) for k in units], with_results=True,
                                  raise_errors=False)
            for fut, result in stream:
                key = owner.pop(fut.key)
                records = _records(units[key], fut.status, result)
                fut.release()
                if records is None:  # lost with the scheduler, or cancelled
                    if client.status == "running" and attempts[key] < MAX_SUBMISSIONS:
                        stream.add(submit(key))
                    else:
                        lost.append(key)
                    continue
                del futures[key]
                if not all(emit(record) for record in records):
                    client.cancel(list(futures.values()))
                    return
        finally:
            if scheduler is not None and client.status == "running":
                with contextlib.suppress(Exception):  # a cluster that went away has none
                    client.unregister_worker_plugin(_FORWARD_PLUGIN)
            client.close()
            if cluster is not None:
                cluster.close()
    if lost:
        n = sum(len(unit_tasks(units[k])) for k in lost)
        where = "the built-in cluster's scheduler" if scheduler is None else repr(scheduler)
        raise ExecutorError(
            f"the Dask scheduler ({where}) went away with {n} trials in flight; none of "
            "them is stored as failed, they are still to run: rerun the same command "
            "(with a live scheduler) to resume."
        )


#: The name :meth:`distributed.Client.forward_logging` gives its worker plug-in for the
#: ``hardlearn`` logger (``forward-logging-<name>``), unregistered from a running cluster
#: at the end of a sweep.
_FORWARD_PLUGIN = f"forward-logging-{LOGGER_NAME}"

#: Times a unit is sent to the scheduler before it counts as lost: Dask itself re-runs a
#: unit whose worker died (up to ``distributed.scheduler.allowed-failures``); this counts
#: submissions the client saw cancelled (the connection to the scheduler was lost and came
#: back). A choice, not a measurement.
MAX_SUBMISSIONS = 3


def _records(unit: Unit, status: str, result: Any) -> list[Record] | None:
    """The records of a unit whose future ended with ``status``; None when it was lost
    (cancelled: the scheduler went away), so that it is sent again or left to run."""
    if status == "finished":
        return [Record(**p) for p in result]
    if status != "error":
        return None
    exc = result[1] if isinstance(result, tuple) and len(result) == 3 else result
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        kind, message = "WorkerDied", (
            "every Dask worker that ran this trial died (distributed.KilledWorker); it may "
            f"use more memory than a worker has: {exc}"
        )
    else:
        kind, message = type(exc).__name__, f"Dask could not run this trial: {exc}"
    env = environment()
    return [
        Record(task_id=task.task_id, status="failed", error_type=kind, error_message=message,
               finished=now_stamp(), host=env["host"], versions=env["versions"])
        for task in unit_tasks(unit)
    ]


@contextlib.contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    """Silence distributed's and tornado's log records below CRITICAL while a sweep runs: a
    lost scheduler or an interrupt made them print tracebacks, and what they report is
    told once by the sweep (a lost trial is sent again or left to resume). Restored after."""
    names = [n for n in logging.root.manager.loggerDict
             if n.split(".")[0] in ("distributed", "tornado")]
    loggers = [logging.getLogger(n) for n in ("distributed", "tornado", *names)]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
