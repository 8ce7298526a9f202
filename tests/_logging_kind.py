"""A task kind that logs, registered when this module is imported (``plugins`` of a sweep).

``test_worker_logging`` runs it in sweep workers: each trial logs ``count`` INFO records,
one DEBUG, with ``warn`` one WARNING and with ``long`` > 0 one INFO record of ``long``
characters to the ``hardlearn.tests_logging_kind`` logger (with ``pywarn`` it also raises
one Python warning, ``warnings.warn``),
so forwarding from a worker to the sweep's process can be checked without a lattice.
"""

from __future__ import annotations

import logging
import os
import warnings

from hardlearn.experiments import Param, TaskKind, register_task_kind

LOGGER = "hardlearn.tests_logging_kind"


def _log_records(task, rng):
    """Log the records, then return how many and the worker's pid."""
    log = logging.getLogger(LOGGER)
    for i in range(task.params["count"]):
        log.info("record %d of x = %g", i, task.params["x"])
    log.debug("debug of x = %g", task.params["x"])
    if task.params["warn"]:
        log.warning("warning of x = %g", task.params["x"])
    if task.params["pywarn"]:
        warnings.warn(f"python warning of x = {task.params['x']:g}", UserWarning, stacklevel=1)
    if task.params["long"]:
        log.info("%s", "y" * task.params["long"])
    return {"logged": task.params["count"], "pid": os.getpid()}


KIND = register_task_kind(
    TaskKind(name="s15_logging_kind", fn=_log_records,
             params=(Param("x", "real"), Param("count", "int", default=1, minimum=0),
                     Param("warn", "bool", default=False),
                     Param("long", "int", default=0, minimum=0),
                     Param("pywarn", "bool", default=False)),
             description="test-only kind that logs")
)
