"""Activations written as text, for sweep files and the command line (issue 16).

A *spec* names a 1-periodic activation in one short string, easy to type in TOML and in a
shell (no quotes needed, spaces ignored):

* ``triangle``, ``cosine``: the built-in :data:`~hardlearn.problems.periodic.triangle_wave`
  and :data:`~hardlearn.problems.periodic.cosine_wave`;
* ``trapezoid``: ``pl:0=0,0.25=0.5,0.5=0.5,0.75=0`` (rises to 1/2, stays, falls, stays);
* ``tent:P``: the tent ``pl:0=0,P=0.5`` with its peak 1/2 at ``P`` in ``(0, 1)`` (``tent:0.5``
  is the triangle wave);
* ``cosine-interpolant:Q``: :func:`~hardlearn.problems.periodic.cosine_interpolant` with
  ``Q >= 2`` pieces a period;
* ``pl:B=V,B=V,...``: the continuous piecewise-linear activation with value ``V`` at
  breakpoint ``B`` (numbers as decimals or fractions ``a/b``), with the rules of
  :class:`~hardlearn.problems.periodic.PiecewiseLinearActivation` (breakpoints strictly
  increasing inside one period ``[0, 1]``, equal values at breakpoints one period apart).

**The canonical form** (:func:`activation_spec`) depends only on the function: the
piecewise-linear ones are written by their kinks (the breakpoints where the slope changes,
taken modulo 1 and sorted; breakpoints where nothing bends are dropped), each number in the
shortest decimal that reads back to the same float64, and the result is the shortest name
of the list above that gives that function. So ``pl:0=0, 0.5=0.5``, ``pl:0=0,0.25=0.25,0.5=0.5``
and ``tent:0.5`` all read as ``triangle``: equal activations give equal strings, which is
what keeps a sweep's task ids stable however the file spells them.
:func:`parse_activation` returns the activation of the canonical form, named by it.

Examples
--------
>>> activation_spec("pl:0=0, 0.25=0.5, 0.5=0.5, 0.75=0")
'trapezoid'
>>> activation_spec("pl:0.5=0.5,1=0")
'triangle'
>>> act = parse_activation("pl:0=0,1/3=1,1/2=0.5")
>>> act.name, act.kinks_per_period
('pl:0=0,0.3333333333333333=1,0.5=0.5', 3)
>>> parse_activation("pl:0=0,0.5=0.5,0.25=1")
Traceback (most recent call last):
...
hardlearn.errors.ParameterError: activation = 'pl:0=0,0.5=0.5,0.25=1': breakpoints must be ...
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from hardlearn._validation import check_int
from hardlearn.errors import ParameterError
from hardlearn.problems.periodic import (
    ACTIVATIONS,
    PeriodicActivation,
    PiecewiseLinearActivation,
    cosine_interpolant,
)

__all__ = ["ACTIVATION_SYNTAX", "NAMED_SHAPES", "parse_activation", "activation_spec"]

#: The forms a spec can take, as error messages and help texts list them.
ACTIVATION_SYNTAX = (
    "triangle, cosine, trapezoid, tent:P, cosine-interpolant:Q or pl:B=V,B=V,... "
    "(values V at breakpoints B of one period, e.g. pl:0=0,0.25=0.5,0.5=0.5,0.75=0)"
)

#: Named piecewise-linear shapes: name -> (breakpoints, values) of one period.
NAMED_SHAPES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "trapezoid": ((0.0, 0.25, 0.5, 0.75), (0.0, 0.5, 0.5, 0.0)),
}

#: The tent's peak value: 1/2, so that ``tent:0.5`` is the triangle wave.
_TENT_PEAK = 0.5

_Pairs = tuple[tuple[float, float], ...]


def _num(x: float) -> str:
    """The shortest decimal that reads back to the float ``x`` (``0`` for 0 and -0)."""
    x = float(x)
    if x == 0:
        return "0"
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def _read_number(text: str, key: str, spec: str) -> float:
    try:
        value = float(Fraction(text)) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        value = math.nan
    if not math.isfinite(value):
        raise ParameterError(
            f"{key} = {spec!r}: every breakpoint and value must be a finite number (a decimal "
            f"or a fraction a/b); got {text!r}."
        )
    return value


def _kinks(act: PiecewiseLinearActivation) -> _Pairs:
    """``(position mod 1, value)`` of every kink of ``act``, sorted by position."""
    pos = np.mod(np.asarray(act.kink_positions, dtype=np.float64), 1.0) + 0.0
    vals = np.asarray(act(pos), dtype=np.float64) + 0.0
    order = np.argsort(pos, kind="stable")
    return tuple((float(p), float(v)) for p, v in zip(pos[order], vals[order], strict=True))


def _pairs_of(breakpoints: Any, values: Any) -> _Pairs:
    return _kinks(PiecewiseLinearActivation(breakpoints, values))


_TRIANGLE: _Pairs = ((0.0, 0.0), (0.5, 0.5))


def _canonical_name(pairs: _Pairs) -> str:
    """The shortest spec (module docstring) of the piecewise-linear function with these kinks."""
    if pairs == _TRIANGLE:
        return "triangle"
    for name, (b, v) in NAMED_SHAPES.items():
        if pairs == _pairs_of(b, v):
            return name
    if len(pairs) == 2 and pairs[0] == (0.0, 0.0) and pairs[1][1] == _TENT_PEAK:
        return f"tent:{_num(pairs[1][0])}"
    # the interpolant with q pieces has q kinks, or q - 2 when 4 | q (quarter periods straight)
    for q in (len(pairs), len(pairs) + 2):
        if q >= 2 and _kinks(cosine_interpolant(q)) == pairs:
            return f"cosine-interpolant:{q}"
    return "pl:" + ",".join(f"{_num(b)}={_num(v)}" for b, v in pairs)


def _from_pairs(pairs: _Pairs, key: str, spec: str) -> PeriodicActivation:
    if not pairs:
        raise ParameterError(
            f"{key} = {spec!r}: a constant activation has variance 0, so no loss or advantage "
            "can be measured against it; give values that change within the period."
        )
    name = _canonical_name(pairs)
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]
    b, v = zip(*pairs, strict=True)
    return PiecewiseLinearActivation(b, v, name=name)


def _parse_pl(body: str, key: str, spec: str) -> _Pairs:
    items = [item for item in body.split(",") if item]
    b, v = [], []
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left or not right or "=" in right:
            raise ParameterError(
                f"{key} = {spec!r}: a piecewise-linear spec is pl: then breakpoint=value pairs "
                f"separated by commas (e.g. pl:0=0,0.25=0.5,0.5=0.5,0.75=0); got {item!r}."
            )
        b.append(_read_number(left, key, spec))
        v.append(_read_number(right, key, spec))
    try:
        return _pairs_of(b, v)
    except ParameterError as exc:
        raise ParameterError(f"{key} = {spec!r}: {exc}") from None


def parse_activation(spec: str | PeriodicActivation, *, key: str = "activation"
                     ) -> PeriodicActivation:
    """The activation a spec names (module docstring); an activation object is returned as is.

    Parameters
    ----------
    spec : str or PeriodicActivation
        ``triangle``, ``cosine``, ``trapezoid``, ``tent:P``, ``cosine-interpolant:Q`` or
        ``pl:B=V,B=V,...``; spaces are ignored, names are case-insensitive.
    key : str, default "activation"
        The parameter's name in error messages (``grid.activation``, ``--activation``).

    Returns
    -------
    PeriodicActivation
        The built-in object for ``triangle`` and ``cosine`` (also when a ``pl:`` spec equals
        the triangle wave), else a :class:`PiecewiseLinearActivation` named by its
        canonical spec (:func:`activation_spec`).

    Raises
    ------
    ParameterError
        One line naming ``key``, the rule broken and the spec given.

    Examples
    --------
    >>> parse_activation("tent:0.25").lipschitz
    2.0
    >>> parse_activation("cosine-interpolant:8").name
    'cosine-interpolant:8'
    >>> parse_activation("sine", key="--activation")
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: --activation must be one of triangle, cosine, ...
    """
    if isinstance(spec, PeriodicActivation):
        return spec
    if not isinstance(spec, str):
        raise ParameterError(f"{key} must be a string: one of {ACTIVATION_SYNTAX}; "
                             f"got {spec!r}.")
    text = "".join(spec.split())
    head, sep, body = text.partition(":")
    head = head.lower()
    if not sep and head in ACTIVATIONS:
        return ACTIVATIONS[head]
    if not sep and head in NAMED_SHAPES:
        return _from_pairs(_pairs_of(*NAMED_SHAPES[head]), key, spec)
    if sep and head == "pl":
        return _from_pairs(_parse_pl(body, key, spec), key, spec)
    if sep and head == "tent":
        peak = _read_number(body, key, spec)
        if not 0 < peak < 1:
            raise ParameterError(f"{key} = {spec!r}: the peak P of tent:P must lie in (0, 1); "
                                 f"got {body!r}.")
        return _from_pairs(_pairs_of([0.0, peak], [0.0, _TENT_PEAK]), key, spec)
    if sep and head == "cosine-interpolant":
        q = check_int(f"{key} = {spec!r}: the pieces Q of cosine-interpolant:Q",
                      int(body) if body.lstrip("-").isdigit() else body, minimum=2)
        return _from_pairs(_kinks(cosine_interpolant(q)), key, spec)
    raise ParameterError(f"{key} must be one of {ACTIVATION_SYNTAX}; got {spec!r}.")


def activation_spec(activation: str | PeriodicActivation, *, key: str = "activation") -> str:
    """The canonical spec of an activation (module docstring): equal functions, equal strings.

    Parameters
    ----------
    activation : str or PeriodicActivation
        A spec, a built-in activation or any
        :class:`~hardlearn.problems.periodic.PiecewiseLinearActivation`.
    key : str, default "activation"
        The parameter's name in error messages.

    Examples
    --------
    >>> activation_spec("PL: 0=0, 0.5=0.5"), activation_spec("tent:0.30")
    ('triangle', 'tent:0.3')
    >>> activation_spec(PiecewiseLinearActivation([0, 0.25, 0.75], [0, 1, 0.5]))
    'pl:0=0,0.25=1,0.75=0.5'
    >>> parse_activation(activation_spec("pl:0.1=0,0.6=1")) == parse_activation("pl:0.1=0,0.6=1")
    True
    """
    if isinstance(activation, PiecewiseLinearActivation):
        if not activation.kinks_per_period:
            _from_pairs((), key, repr(activation))   # raises: a constant has no spec
        return _canonical_name(_kinks(activation))
    act = parse_activation(activation, key=key)
    if isinstance(act, PiecewiseLinearActivation):
        return act.name
    for name, builtin in ACTIVATIONS.items():
        if act is builtin:
            return name
    raise ParameterError(
        f"{key} has no text spec: it is neither one of {ACTIVATION_SYNTAX} nor a "
        f"PiecewiseLinearActivation; got {getattr(act, 'name', act)!r}."
    )
