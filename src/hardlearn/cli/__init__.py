"""The ``hardlearn`` command line (Typer).

Each group of commands lives in its own module with a ``register(app)`` function; this
module assembles them and turns every :class:`~hardlearn.errors.HardlearnError` into one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

from hardlearn.errors import HardlearnError

__all__ = ["app", "main", "build_app"]

#: Modules of :mod:`hardlearn.cli` that contribute commands, in ``--help`` order.
_COMMAND_MODULES = ("demo", "foundation", "learn", "sweep", "attack",)


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
) -> None:
    """Options that come before the command."""


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
    return application


app = build_app()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hardlearn`` script; returns the exit status."""
    try:
        app(args=argv, standalone_mode=True)
    except SystemExit as exc:  # click's standalone mode ends with SystemExit
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except HardlearnError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
