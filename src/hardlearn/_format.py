"""Small text helpers for showing results: one table cell, and the columns of a list of rows.

Used by the report and the demo pages, the results store's exports and the command line's
tables, so a number looks the same wherever it is printed. Only the standard library is
imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["fmt", "column_names"]


def fmt(value: Any, digits: int = 4, *, none: str = "-") -> str:
    """One cell: a float to ``digits`` significant digits (``nan``, ``inf`` and ``-inf`` as
    words), a list or tuple element by element, None as ``none``, anything else ``str``.

    Examples
    --------
    >>> fmt(0.123456), fmt(None), fmt(float("nan")), fmt(3), fmt(2.0 ** 0.5, 6)
    ('0.1235', '-', 'nan', '3', '1.41421')
    >>> fmt([1 / 3, None], none="")
    '[0.3333, ]'
    """
    if value is None:
        return none
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(fmt(v, digits, none=none) for v in value) + "]"
    return str(value)


def column_names(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key of ``rows``, in the order of first appearance.

    Examples
    --------
    >>> column_names([{"a": 1}, {"b": 2, "a": 3}])
    ['a', 'b']
    """
    cols: dict[str, None] = {}
    for row in rows:
        for key in row:
            cols.setdefault(key, None)
    return list(cols)
