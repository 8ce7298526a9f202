"""Check declared constraints at the package's boundary and word the errors for a person.

Every public entry point validates its inputs with these helpers, so that a violation always
raises :class:`~hardlearn.errors.ParameterError` naming the parameter, the rule and the
value received. Nothing here uses ``assert``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from hardlearn.errors import ParameterError

__all__ = [
    "check_int",
    "check_real",
    "check_array",
    "check_unit_vector",
    "check_choice",
    "check_allocation",
    "MAX_ARRAY_ENTRIES",
]

#: Tolerance on ``|‖w‖ - 1|`` for a vector to count as a unit vector (float64 rounding of a
#: normalised vector of dimension up to 10^6 stays far below it).
UNIT_NORM_TOLERANCE = 1e-9

#: Largest array (in entries) a request may make the package allocate: 2^31 float64 entries
#: are 16 GiB, above every size the demo and the benchmarks use (the full demo's largest
#: array is about 10^8 entries) and below what a laptop or a CI runner holds. A request above
#: it is refused before anything is allocated instead of ending in a ``MemoryError``.
MAX_ARRAY_ENTRIES = 2**31


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return repr(value)


def check_int(name: str, value: Any, *, minimum: int | None = None, hint: str = "") -> int:
    """Return ``value`` as an ``int`` after checking it is an integer ``>= minimum``.

    Integral floats such as ``4.0`` are accepted; ``2.5``, ``True``, strings and nan are not.

    Examples
    --------
    >>> check_int("dim", 4.0, minimum=1)
    4
    >>> check_int("dim", 2.5, minimum=1)
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: dim must be an integer >= 1; got 2.5.
    """
    rule = "an integer" + (f" >= {minimum}" if minimum is not None else "")
    suffix = f" {hint}" if hint else ""
    if isinstance(value, bool | np.bool_):
        raise ParameterError(f"{name} must be {rule}; got {value!r}.{suffix}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        out = int(math.trunc(value))  # int(value) for an integer-valued Real (typed: __trunc__)
    else:
        raise ParameterError(f"{name} must be {rule}; got {_describe(value)}.{suffix}")
    if minimum is not None and out < minimum:
        raise ParameterError(f"{name} must be {rule}; got {out}.{suffix}")
    return out


def check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    hint: str = "",
) -> float:
    """Return ``value`` as a finite ``float`` inside the declared interval.

    Examples
    --------
    >>> check_real("beta", 0.5, low=0, high=1, low_open=True, high_open=True)
    0.5
    >>> check_real("beta", 1.5, low=0, high=1, low_open=True, high_open=True)
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: beta must satisfy 0 < beta < 1; got 1.5.
    """
    parts = []
    if low is not None:
        parts.append(f"{low:g} {'<' if low_open else '<='} ")
    parts.append(name)
    if high is not None:
        parts.append(f" {'<' if high_open else '<='} {high:g}")
    rule = "".join(parts) if (low is not None or high is not None) else f"{name} finite"
    suffix = f" {hint}" if hint else ""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ParameterError(
            f"{name} must be a real number ({rule}); got {_describe(value)}.{suffix}"
        )
    out = float(value)
    if not math.isfinite(out):
        raise ParameterError(f"{name} must be a finite real number; got {out!r}.{suffix}")
    bad_low = low is not None and (out <= low if low_open else out < low)
    bad_high = high is not None and (out >= high if high_open else out > high)
    if bad_low or bad_high:
        raise ParameterError(f"{name} must satisfy {rule}; got {out!r}.{suffix}")
    return out


def check_array(
    name: str,
    value: Any,
    *,
    ndim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    finite: bool = True,
    dtype: Any = np.float64,
) -> np.ndarray:
    """Return ``value`` as a numpy array of ``dtype`` after checking its shape and entries.

    ``shape`` may hold ``None`` for a free axis. Non-numeric input, a wrong number of axes, a
    wrong length, and (with ``finite=True``) nan or inf entries each raise a
    :class:`ParameterError` that says which.

    Examples
    --------
    >>> check_array("X", [[1.0, 2.0]], shape=(None, 2)).shape
    (1, 2)
    >>> check_array("y", [1.0, float("nan")], ndim=1)
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: y must hold finite numbers; found 1 nan or inf entries ...
    """
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"{name} must be a numeric array; got {_describe(value)} ({exc})."
        ) from None
    want_ndim = len(shape) if shape is not None else ndim
    if want_ndim is not None and arr.ndim != want_ndim:
        raise ParameterError(
            f"{name} must have {want_ndim} axes"
            + (f" (shape {_shape_text(shape)})" if shape is not None else "")
            + f"; got shape {arr.shape}."
        )
    if shape is not None:
        for axis, (want, got) in enumerate(zip(shape, arr.shape, strict=True)):
            if want is not None and want != got:
                raise ParameterError(
                    f"{name} must have shape {_shape_text(shape)}; got {arr.shape} "
                    f"(axis {axis} has length {got}, expected {want})."
                )
    # One allocation-free pass: the sum of finite entries is finite unless it overflows, so
    # the element-wise scan (which allocates a mask) runs only when something may be wrong.
    if finite and arr.dtype.kind in "fc" and not np.isfinite(np.sum(arr)):
        bad = ~np.isfinite(arr)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ParameterError(
                f"{name} must hold finite numbers; found {int(bad.sum())} nan or inf entries "
                f"(first at index {first})."
            )
    return arr


def _shape_text(shape: tuple[int | None, ...]) -> str:
    inner = ", ".join("any" if s is None else str(s) for s in shape)
    return f"({inner}{',' if len(shape) == 1 else ''})"


def check_unit_vector(name: str, value: Any, *, dim: int | None = None) -> np.ndarray:
    """Return ``value`` as a read-only float64 unit vector, checking length and norm.

    Examples
    --------
    >>> check_unit_vector("secret", [0.6, 0.8])
    array([0.6, 0.8])
    >>> check_unit_vector("secret", [1.0, 1.0])
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: secret must be a unit vector ...; got norm 1.414...
    """
    vec = check_array(name, value, shape=(dim,) if dim is not None else None, ndim=1)
    if vec.size == 0:
        raise ParameterError(f"{name} must have at least one entry; got an empty vector.")
    norm = float(np.linalg.norm(vec))
    if abs(norm - 1.0) > UNIT_NORM_TOLERANCE:
        raise ParameterError(
            f"{name} must be a unit vector (Euclidean norm 1 within {UNIT_NORM_TOLERANCE:g}); "
            f"got norm {norm!r}. Normalise it, or draw one with "
            "hardlearn.random_direction(dim, rng=...)."
        )
    vec = vec.copy()
    vec.setflags(write=False)
    return vec


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise name them all.

    Examples
    --------
    >>> check_choice("labels", "clwe", ("clwe", "triangle"))
    'clwe'
    >>> check_choice("labels", "sine", ("clwe", "triangle"))
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: labels must be one of 'clwe', 'triangle'; got 'sine'.
    """
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"{name} must be one of {options}; got {value!r}.")
    return value


def check_allocation(what: str, shape: tuple[int, ...], *, limit: int = MAX_ARRAY_ENTRIES) -> int:
    """Refuse a request whose array of ``shape`` would hold more than ``limit`` entries.

    ``what`` names the parameters that set the shape (for example ``"--samples x --dim"``).
    Returns the number of entries; the message gives the estimate, in entries and GiB of
    float64, and the limit.

    Examples
    --------
    >>> check_allocation("samples x dim", (1000, 16))
    16000
    >>> check_allocation("samples x dim", (10**12, 16))
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: samples x dim = 1000000000000 x 16 would allocate ...
    """
    entries = 1
    for n in shape:
        entries *= int(n)
    if entries > limit:
        dims = " x ".join(str(int(n)) for n in shape)
        raise ParameterError(
            f"{what} = {dims} would allocate {entries:.3g} float64 entries "
            f"({entries * 8 / 2**30:.3g} GiB); the limit is {limit:.3g} entries "
            f"({limit * 8 / 2**30:.3g} GiB). Choose smaller sizes."
        )
    return entries
