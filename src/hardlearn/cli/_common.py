"""Helpers shared by the command modules: JSON output, seeds, ``--param`` parsing."""

from __future__ import annotations

import json
import logging
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from hardlearn.errors import ParameterError

__all__ = ["Interrupted", "emit_json", "to_jsonable", "parse_params", "SEED_HELP", "JSON_HELP",
           "configure_logging", "VERBOSE_HELP", "QUIET_HELP", "progress_bar", "time_limit_bar"]

class Interrupted(BaseException):  # noqa: N818 - a signal, not an error
    """Ctrl-C or SIGTERM reached a command; the message says what was kept.

    A :class:`BaseException` so that Typer, which turns :class:`KeyboardInterrupt` into a
    silent exit, lets it through to :func:`hardlearn.cli.main`.
    """


SEED_HELP = "Root seed: the same seed gives the same numbers on every run."
JSON_HELP = "Print one JSON object instead of a table."
QUIET_HELP = "No progress bar (it is drawn on stderr, and never with --json)."
VERBOSE_HELP = (
    "Log what the package does on stderr: -v for INFO (sandbox restarts, timeouts, lattice "
    "attempts), -vv for DEBUG (every reduction rung, worker starts); records of sweep worker "
    "processes included. May follow the command."
)

#: Log line format of ``-v`` / ``-vv``: time, logger (the module), level, message.
LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s: %(message)s"


class _CliLogHandler(logging.StreamHandler):
    """The handler ``-v`` installs on the ``hardlearn`` logger; writes to the current stderr."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)


def configure_logging(verbosity: int) -> None:
    """Send the package's log records to stderr: 0 nothing, 1 INFO, 2 or more DEBUG.

    The library itself never configures logging (its modules only call
    ``logging.getLogger(__name__)``); only the command line does, here. Calling it again
    replaces the handler it installed before, so repeated invocations in one process (tests)
    do not stack handlers; ``configure_logging(0)`` removes it.
    """
    logger = logging.getLogger("hardlearn")
    for handler in [h for h in logger.handlers if isinstance(h, _CliLogHandler)]:
        logger.removeHandler(handler)
        handler.close()
    if verbosity <= 0:
        logger.setLevel(logging.NOTSET)
        return
    handler = _CliLogHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars and arrays, tuples and non-finite floats for ``json.dumps``."""
    import numpy as np  # here, not at the top: ``hardlearn --help`` does not load NumPy

    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    return obj


def emit_json(obj: Any) -> None:
    """Print ``obj`` as one JSON object on stdout."""
    typer.echo(json.dumps(to_jsonable(obj), indent=2, sort_keys=False))


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """Parse ``--param name=value`` items; values are read as JSON when they parse, else text.

    Examples
    --------
    >>> parse_params(["width=256", "lr=1e-3", "optimizer=adam"])
    {'width': 256, 'lr': 0.001, 'optimizer': 'adam'}
    """
    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(
                f"--param must look like name=value (for example --param width=256); got {item!r}."
            )
        try:
            value: Any = json.loads(text)
        except json.JSONDecodeError:
            value = text
        out[name.strip()] = value
    return out


@contextmanager
def progress_bar(label: str, total: int, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr with the estimated time left; yields ``update(done)``.

    Rich's default columns: the bar, the percentage and the time remaining estimated from
    the pace so far. ``enabled=False`` (``--quiet``, ``--json``) draws nothing and yields a
    no-op, so callers need no branch.
    """
    if not enabled:
        yield lambda _done: None
        return
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=total)
    bar.start()
    try:
        yield lambda done: bar.update(task, completed=done)
    finally:
        bar.stop()


#: Seconds between redraws of :func:`time_limit_bar`.
_LIMIT_BAR_REFRESH_S = 0.25


@contextmanager
def time_limit_bar(label: str, limit: float | None, *, enabled: bool) -> Iterator[None]:
    """A bar on stderr for work whose length is unknown but bounded by ``limit`` seconds.

    A lattice reduction stops when it recovers the secret, which no model predicts in
    seconds; what is known is its time limit. The bar shows the time spent and the time left
    *until the limit*, an upper bound on the time left (it usually ends sooner). No bar
    without a limit.
    """
    if not enabled or limit is None:
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(bar_width=20),
        TimeElapsedColumn(), TextColumn("<= {task.fields[left]:.0f} s left (limit)"),
        console=Console(stderr=True), transient=True,
    )
    task = bar.add_task(label, total=limit, left=limit)
    stop = threading.Event()
    t0 = time.monotonic()

    def tick() -> None:
        while not stop.wait(_LIMIT_BAR_REFRESH_S):
            spent = min(time.monotonic() - t0, limit)
            bar.update(task, completed=spent, left=limit - spent)

    bar.start()
    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        bar.stop()
