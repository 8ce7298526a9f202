"""Helpers shared by the command modules: JSON output, seeds, ``--param`` parsing."""

from __future__ import annotations

import json
import math
from typing import Any

import typer

from hardlearn.errors import ParameterError

__all__ = ["Interrupted", "emit_json", "to_jsonable", "parse_params", "SEED_HELP", "JSON_HELP"]

class Interrupted(BaseException):  # noqa: N818 - a signal, not an error
    """Ctrl-C or SIGTERM reached a command; the message says what was kept.

    A :class:`BaseException` so that Typer, which turns :class:`KeyboardInterrupt` into a
    silent exit, lets it through to :func:`hardlearn.cli.main`.
    """


SEED_HELP = "Root seed: the same seed gives the same numbers on every run."
JSON_HELP = "Print one JSON object instead of a table."


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
