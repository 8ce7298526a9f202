"""The local executor: ``workers`` sandboxes driven by one event loop in this process.

The loop hands units (:func:`~hardlearn.experiments.units.make_units`) to idle sandboxes,
waits on their pipes until the nearest deadline, and emits each record as it arrives (the
sweep driver commits it to the store). A sandbox past its deadline is killed and its trials
are recorded as ``"timeout"``; one that dies is recorded as ``"failed"`` (``WorkerDied``)
and replaced. Overhead is one pipe round trip per unit. Log records a worker forwards
(:mod:`~hardlearn.experiments.sandbox`) are handed to this process's loggers as they arrive.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from hardlearn.errors import HardlearnError
from hardlearn.experiments.framework import Record
from hardlearn.experiments.sandbox import (
    STARTUP_TIMEOUT_S,
    Sandbox,
    died_record,
    preload_modules,
    timeout_record,
    wait_ready,
)
from hardlearn.experiments.spec import Task
from hardlearn.experiments.units import make_units, unit_tasks

_log = logging.getLogger(__name__)

__all__ = ["run_local"]


def run_local(
    tasks: Sequence[Task],
    workers: int,
    threads: int,
    log: Path | None,
    emit: Callable[[Record], bool],
    batch: bool = True,
) -> None:
    """Run ``tasks`` on ``workers`` sandboxes; ``emit(record)`` returns False to stop."""
    pending = deque(make_units(tasks, workers, batch))
    preload = preload_modules(tasks)
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
                        _log.info("an idle worker exited with status %s; starting another",
                                  code)
                        continue  # an idle worker died: start another on the next pass
                    if task is None:
                        raise HardlearnError(
                            f"a worker process exited while starting (status {code}); "
                            f"see {log or 'its stderr'}."
                        ) from None
                    if not all(emit(died_record(t, code)) for t in unit_tasks(task)):
                        return
                    continue
                if kind == "log":  # handled by receive(); the unit is still running
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
    except BaseException:  # an interrupt or an error: no worker is waited for
        for box in boxes:
            box.kill()
        raise
    finally:
        for box in boxes:
            if box.task is None and box.ready:
                box.stop()
            else:
                box.kill()
