"""Log records across a process boundary: pack one in a child, handle it in the parent.

A sweep runs its trials in worker processes (:mod:`hardlearn.experiments.sandbox`) and the
lattice learner runs its reduction in a child of its own
(:func:`hardlearn.learners._lattice_core._run_with_limit`). Records logged there would reach
only that process's handlers, which the library never configures. Instead the child's entry
point installs a :class:`ForwardingHandler` on the ``hardlearn`` logger (:func:`forward_to`),
which packs each record (:func:`pack_record`: plain values only, the message already
formatted, a traceback as text) and hands it to a ``send`` function that writes it on the
child's pipe; the parent passes what it reads to :func:`handle_packed`, which hands the
record to the logger of the same name, so it goes through the parent's logging
configuration like the parent's own records (``-v`` on the command line, ``caplog`` in
tests, by default Python's last-resort handler for WARNING and above).

Python warnings (``warnings.warn``: an MLP stopped by its time budget, kernel ridge trained
on a subset) are not log records; :func:`forward_warnings` makes a worker log each one it
shows as a WARNING record of :data:`WARNINGS_LOGGER`, one line ``Category: message``, so it
is forwarded like the others (and still written to the worker's stderr).

Nothing here runs at import time; only a child process's entry point calls
:func:`forward_to` and :func:`forward_warnings`.

Examples
--------
>>> import logging
>>> record = logging.LogRecord("hardlearn.x", logging.INFO, "f.py", 3, "%d rung(s)", (2,), None)
>>> packed = pack_record(record)
>>> packed["msg"], packed["args"], packed["levelname"]
('2 rung(s)', None, 'INFO')
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["LOGGER_NAME", "WARNINGS_LOGGER", "ForwardingHandler", "pack_record", "forward_to",
           "forward_warnings", "handle_packed"]

#: The logger whose records (and its children's) a child process forwards.
LOGGER_NAME = "hardlearn"

#: The logger a worker's Python warnings are logged to (:func:`forward_warnings`).
WARNINGS_LOGGER = f"{LOGGER_NAME}.warnings"

#: Types of the record attributes that are shipped as they are; any other attribute (an
#: ``extra`` holding an arbitrary object) is left out, so a packed record always pickles.
_PLAIN = (str, int, float, bool, type(None))


def pack_record(record: logging.LogRecord) -> dict[str, Any]:
    """The attributes of ``record`` as a dict of plain values, ready to pickle.

    ``msg`` is the formatted message (``msg % args``) and ``args`` is None; a traceback
    (``exc_info``) and a stack (``stack_info``) become text in ``exc_text`` and
    ``stack_info``. :func:`logging.makeLogRecord` turns the dict back into a record.
    """
    out = {k: v for k, v in vars(record).items() if isinstance(v, _PLAIN)}
    out["msg"] = record.getMessage()
    out["args"] = None
    out["exc_info"] = None
    if record.exc_info and not record.exc_text:
        out["exc_text"] = logging.Formatter().formatException(record.exc_info)
    return out


class ForwardingHandler(logging.Handler):
    """A handler that hands each record, packed by :func:`pack_record`, to ``send``.

    It forwards only from the process that created it: a process forked from that one
    (a learner's own child, a data loader) inherits the handler, and its records are dropped
    rather than written onto a pipe that belongs to the parent (where two writers would
    interleave their bytes). A child that forwards its own records installs its own handler
    (:func:`forward_to`).

    Parameters
    ----------
    send : callable
        Called with each packed record; it writes the record on the pipe to the parent.
    """

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        super().__init__()
        self.send = send
        self.pid = os.getpid()

    def emit(self, record: logging.LogRecord) -> None:
        """Pack ``record`` and send it (nothing in a forked child; see the class)."""
        if os.getpid() != self.pid:
            return
        try:
            self.send(pack_record(record))
        except Exception:  # noqa: BLE001 - logging must never fail the caller
            self.handleError(record)


def forward_to(send: Callable[[dict[str, Any]], None], level: int) -> ForwardingHandler:
    """Make the ``hardlearn`` logger of this (child) process forward to ``send`` only.

    For a child process's entry point: the handlers the logger holds (inherited through
    ``fork``) are removed, a :class:`ForwardingHandler` is added, the logger's level is set
    to ``level`` (the parent's effective level, so a record the parent would not handle is
    not even made) and it stops propagating to the root (whose handlers, inherited or
    Python's last resort, would print in the child). Returns the handler.
    """
    logger = logging.getLogger(LOGGER_NAME)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    handler = ForwardingHandler(send)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return handler


def forward_warnings() -> None:
    """Make this (child) process log each Python warning it shows (module docstring).

    ``warnings.showwarning`` is wrapped: the warning is written as before (the worker's
    stderr) and logged as one WARNING record ``Category: message`` of
    :data:`WARNINGS_LOGGER`, which :func:`forward_to`'s handler sends to the parent. The
    warning filters still decide what is shown (by default each warning once per place in a
    worker's life).

    Examples
    --------
    >>> import subprocess, sys
    >>> code = ("import logging, warnings; from hardlearn._logforward import forward_warnings;"
    ...         "logging.getLogger('hardlearn').addHandler(logging.StreamHandler(sys.stdout));"
    ...         "forward_warnings(); warnings.warn('budget spent', RuntimeWarning)")
    >>> out = subprocess.run([sys.executable, "-c", "import sys;" + code],
    ...                      capture_output=True, text=True).stdout
    >>> out.strip()
    'RuntimeWarning: budget spent'
    """
    shown = warnings.showwarning
    log = logging.getLogger(WARNINGS_LOGGER)

    def show(message, category, filename, lineno, file=None, line=None):
        shown(message, category, filename, lineno, file, line)
        log.warning("%s: %s", category.__name__, message)

    warnings.showwarning = show


def handle_packed(packed: dict[str, Any], prefix: str = "",
                  **marks: str | int | None) -> logging.LogRecord:
    """Hand a packed record to the logger of its name in this process; returns the record.

    ``prefix`` is put before the message (where it came from, for a reader of the log
    line); ``marks`` become attributes of the record (for a handler or a filter). The
    record is handled whatever this process's logger levels are now: the child filtered it
    at the level it was given.

    Examples
    --------
    >>> import logging
    >>> rec = logging.LogRecord("hardlearn.x", logging.DEBUG, "f.py", 1, "hello", None, None)
    >>> out = handle_packed(pack_record(rec), "[worker 7] ", worker_pid=7)
    >>> out.getMessage(), out.worker_pid
    ('[worker 7] hello', 7)
    """
    record = logging.makeLogRecord({**packed, **marks})
    if prefix:
        record.msg = prefix + str(record.msg)
    logging.getLogger(record.name).handle(record)
    return record
