"""The Dask executor: each unit is a Dask task, run in a sandbox on the Dask worker.

Each Dask worker thread starts a :class:`~hardlearn.experiments.sandbox.Sandbox` of its own
on first use, so budgets hold as in the local executor. With no scheduler address a
:class:`distributed.LocalCluster` is started on 127.0.0.1 (one single-threaded worker
process per ``workers``) and closed at the end. A running scheduler needs hardlearn
installed on its workers.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from hardlearn._optional import require
from hardlearn.errors import ParameterError
from hardlearn.experiments.framework import Record, environment, now_stamp
from hardlearn.experiments.sandbox import Sandbox, preload_modules
from hardlearn.experiments.spec import Task
from hardlearn.experiments.units import Unit, make_units, unit_tasks

__all__ = ["run_dask"]

#: The sandbox of each Dask worker thread, started on first use (lives in the Dask worker
#: process, which Dask starts and ends; the client process never fills it).
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
