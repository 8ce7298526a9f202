"""Helpers the built-in task kinds share: learner checks, metric flattening, gamma, and the
``activation`` parameter (a spec of :mod:`hardlearn.problems.activation_spec`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["check_learner", "flatten", "gamma_of", "activation_param", "canonical_activation",
           "noise_law_param", "canonical_noise_law", "ACTIVATION_DOC"]

#: Help of the ``activation`` grid parameter.
ACTIVATION_DOC = (
    "the periodic activation phi: triangle, cosine, trapezoid, tent:P, cosine-interpolant:Q "
    "or pl:B=V,B=V,... (values at breakpoints of one period), stored in its canonical form"
)


def canonical_activation(key: str, value: str) -> str:
    """The canonical spec of an activation (``Param.normalize`` of the ``activation``
    parameter): spellings of one function give one string, so one task id.

    Examples
    --------
    >>> canonical_activation("grid.activation", "pl:0=0, 0.25=0.5, 0.5=0.5, 0.75=0")
    'trapezoid'
    """
    from hardlearn.problems.activation_spec import activation_spec

    return activation_spec(value, key=key)


def activation_param() -> Any:
    """The ``activation`` grid parameter of the learn and distinguish kinds (default the
    triangle wave, whose canonical spec is ``"triangle"``: the ids of existing sweeps stay)."""
    from hardlearn.experiments.framework import Param

    return Param("activation", "str", "triangle", doc=ACTIVATION_DOC,
                 normalize=canonical_activation)


def canonical_noise_law(key: str, value: str) -> str:
    """The canonical spelling of a noise law (``Param.normalize`` of ``noise_law``):
    ``"Student-T:5.0"`` and ``"student-t:5"`` are one law, so one task id.

    Examples
    --------
    >>> canonical_noise_law("grid.noise_law", "Student-T:5.0")
    'student-t:5'
    """
    from hardlearn.errors import ParameterError
    from hardlearn.problems.noise import noise_law_name

    try:
        return noise_law_name(value)
    except ParameterError as exc:
        raise ParameterError(f"{key}: {exc}") from None


def noise_law_param() -> Any:
    """The ``noise_law`` grid parameter of the learn and distinguish kinds (omitted from the
    task identity at its default, Gaussian, so the ids of existing sweeps stay)."""
    from hardlearn.experiments.framework import Param

    return Param("noise_law", "str", "gaussian", omit_default=True,
                 doc="law of the label noise at std noise: gaussian, laplace, uniform, "
                     "student-t:NU, logistic, discrete (issue 16)",
                 normalize=canonical_noise_law)


def check_learner(name: str, params: dict[str, Any]) -> None:
    """Build the learner once (cheap: no fitting) so bad names and parameters fail early."""
    from hardlearn.learners.registry import make_learner

    make_learner(name, params, target=_placeholder_target)


def _placeholder_target(X: Any) -> Any:  # pragma: no cover - never called
    return X


def flatten(metrics: Mapping[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """``name_ci`` pairs become ``name_lo`` / ``name_hi``; ``seconds`` is renamed."""
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        if key in drop:
            continue
        if key.endswith("_ci") and isinstance(value, list | tuple) and len(value) == 2:
            out[f"{key[:-3]}_lo"], out[f"{key[:-3]}_hi"] = float(value[0]), float(value[1])
        elif key == "seconds":
            out["run_seconds"] = value
        else:
            out[key] = value
    return out


def gamma_of(params: Mapping[str, Any]) -> float:
    """``gamma`` if > 0, else ``gamma_scale * sqrt(dim)`` (BRST21: ``gamma >= 2 sqrt n``)."""
    if params["gamma"] > 0:
        return float(params["gamma"])
    return float(params["gamma_scale"]) * math.sqrt(params["dim"])
