"""The ``hardlearn`` command line (Typer).

Each group of commands lives in its own module with a ``register(app)`` function; this
module assembles them and turns every :class:`~hardlearn.errors.HardlearnError` into one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import functools
import importlib
import signal
import sys
from collections.abc import Callable
from typing import Any

import typer

from hardlearn.cli._common import VERBOSE_HELP, Interrupted, configure_logging
from hardlearn.errors import ExecutorError, HardlearnError

__all__ = ["app", "main", "build_app"]

#: Modules of :mod:`hardlearn.cli` that contribute commands, in ``--help`` order.
_COMMAND_MODULES = ("demo", "foundation", "learn", "sweep", "attack", "estimate", "suite")


def _print_version(value: bool) -> None:
    if value:
        from hardlearn import __version__

        typer.echo(f"hardlearn {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True,
        help="Print the package version and exit.",
    ),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help=VERBOSE_HELP),
) -> None:
    """Options that come before the command."""
    configure_logging(verbose)


def build_app() -> typer.Typer:
    """Assemble the Typer application from the command modules."""
    application = typer.Typer(
        name="hardlearn",
        help=(
            "Learning one-hidden-layer ReLU networks is as hard as lattice cryptography "
            "(Li, Zadik, Zampetakis, ALT 2025). Build the hard instance exactly, run the "
            "reduction, and measure where learning stops.\n\n"
            "Start with `hardlearn demo`, or `hardlearn params --dim 64` for the regime table."
        ),
        no_args_is_help=True,
        add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish)
        pretty_exceptions_enable=False,
        rich_markup_mode="markdown",
    )
    application.callback()(_root)
    for name in _COMMAND_MODULES:
        importlib.import_module(f"hardlearn.cli.{name}").register(application)
    for command in application.registered_commands:
        if command.callback is not None:
            command.callback = _interruptible(command.callback)
    return application


def _interruptible(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Let Ctrl-C out of a command as :class:`Interrupted` (Typer would swallow it)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt:
            raise Interrupted("interrupted; nothing was kept") from None

    return wrapper


#: Signals handled as Ctrl-C while a command runs: workers are stopped, the line is
#: printed, and the exit status is ``128 + signal number`` as a shell reports a death by it
#: (143 for SIGTERM, 129 for SIGHUP; 130 for Ctrl-C).
_STOP_SIGNALS = ("SIGTERM", "SIGHUP")

#: Exit status of a command stopped by SIGINT (Ctrl-C): 128 + 2, the shell convention.
_INTERRUPTED_STATUS = 128 + signal.SIGINT


#: The Typer application that the ``hardlearn`` console script runs (:func:`main`).
app = build_app()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hardlearn`` script; returns the exit status.

    Exit status 0 on success, 1 for a runtime failure (a check that failed, a trial that
    failed, an out-of-memory or operating-system error that is not about a path the user
    gave), 2 for bad input (a :class:`~hardlearn.errors.HardlearnError`, a usage error, an
    output or input path that cannot be used), 130 on Ctrl-C, and 143 (129) when SIGTERM
    (SIGHUP) stops it: those two are handled as Ctrl-C while it runs (the same one line,
    workers stopped), with the status a shell reports for a death by the signal. Every error
    is one line on stderr, never a traceback.
    """
    import threading
    import warnings

    received: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        received.append(signum)
        if len(received) == 1:  # a second signal must not cut the cleanup of the first short
            raise KeyboardInterrupt

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for name in _STOP_SIGNALS:
            if hasattr(signal, name):
                signum = getattr(signal, name)
                previous[signum] = signal.signal(signum, on_signal)
    try:
        with warnings.catch_warnings():  # restores the warning machinery on the way out
            warnings.showwarning = _show_warning
            code = _run(_verbosity_first(sys.argv[1:] if argv is None else list(argv)))
    finally:
        configure_logging(0)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if code == _INTERRUPTED_STATUS and received:
        return 128 + received[0]
    return code


#: Spellings of the verbosity option that :func:`_verbosity_first` moves before the command.
_VERBOSE_FLAGS = ("--verbose", "-v", "-vv", "-vvv")


def _verbosity_first(argv: list[str]) -> list[str]:
    """Move ``-v`` / ``-vv`` / ``--verbose`` given after the command to before it.

    Click reads a group's options only before the command name; this lets
    ``hardlearn attack ... -v`` mean ``hardlearn -v attack ...``. Nothing after ``--`` moves.

    Examples
    --------
    >>> _verbosity_first(["attack", "--dim", "8", "-vv"])
    ['-vv', 'attack', '--dim', '8']
    >>> _verbosity_first(["sweep", "f.toml", "--", "-v"])
    ['sweep', 'f.toml', '--', '-v']
    """
    end = argv.index("--") if "--" in argv else len(argv)
    flags = [a for a in argv[:end] if a in _VERBOSE_FLAGS]
    rest = [a for a in argv[:end] if a not in _VERBOSE_FLAGS]
    return flags + rest + argv[end:]


def _run(argv: list[str] | None) -> int:
    from typer._click import exceptions as click  # Typer vendors click

    try:
        code = app(args=argv, standalone_mode=False, prog_name="hardlearn")
    except Interrupted as exc:
        _say(str(exc))
        return _INTERRUPTED_STATUS
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except click.ClickException as exc:
        if exc.format_message():  # no_args_is_help has printed the help and has no message
            _say(_click_message(exc))
        return exc.exit_code
    except typer.Abort:
        _say("interrupted")
        return _INTERRUPTED_STATUS
    except ExecutorError as exc:
        _say(f"error: {exc}")
        return 1
    except HardlearnError as exc:
        _say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        _say("interrupted")
        return _INTERRUPTED_STATUS
    except MemoryError as exc:
        _say(f"error: out of memory ({exc or 'MemoryError'}); choose smaller sizes.")
        return 1
    except OSError as exc:
        return _os_error(exc)
    return code if isinstance(code, int) else 0


def _show_warning(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, file: Any = None, line: str | None = None) -> None:
    """A Python warning as one line on stderr: ``warning (ConvergenceWarning): ...``."""
    _say(f"warning ({category.__name__}): {message}")


def _say(line: str) -> None:
    """Print one line on stderr (newlines inside a message are folded)."""
    typer.echo(" ".join(str(line).split()), err=True)


def _click_message(exc: Exception) -> str:
    """A click usage error as one line naming the option, e.g. ``--dim: 'abc' is not ...``."""
    from typer._click import exceptions as click

    text = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
    hint = ""
    if isinstance(exc, click.BadParameter) and exc.param is not None and exc.param_hint is None:
        opts = getattr(exc.param, "opts", None) or [exc.param.name]
        hint = f" (option {opts[0]})" if opts[0] not in text else ""
    return f"error: {text}{hint}"


def _os_error(exc: OSError) -> int:
    """An operating-system error: a path the user gave (exit 2) or the system (exit 1)."""
    import errno

    path = exc.filename
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        _say(f"error: no space left on the device{f' writing {path}' if path else ''}; "
             "free some space and rerun (committed results are kept).")
        return 1
    if path is not None:
        _say(f"error: cannot use the path {path}: {reason}.")
        return 2
    _say(f"error: {type(exc).__name__}: {reason}")
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
