"""hardlearn: the hardness of learning one-hidden-layer ReLU networks, as measured software.

Li, Zadik and Zampetakis (ALT 2025, arXiv 2410.03477) show that learning a one-hidden-layer
ReLU network from Gaussian inputs with polynomially small Gaussian label noise is as hard as
Continuous LWE (hence worst-case GapSVP). This package builds that hard instance exactly,
runs the reduction as a program, and measures where learning stops.

The public names are re-exported here explicitly; see ``hardlearn.__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: The package version: its one source (pyproject.toml and ``hardlearn --version`` read it).
__version__ = "0.1.0"

#: Where each public name lives. The names are imported on first use (PEP 562), so that
#: ``import hardlearn`` (and with it ``hardlearn --help``) does not load NumPy and SciPy.
_EXPORTS: dict[str, str] = {
    "DataFileError": "hardlearn.errors",
    "HardlearnError": "hardlearn.errors",
    "ParameterError": "hardlearn.errors",
    "PrecisionError": "hardlearn.errors",
    "ReductionTimeout": "hardlearn.errors",
    "StoreError": "hardlearn.errors",
    "CLWE": "hardlearn.problems.clwe",
    "CLWESamples": "hardlearn.problems.clwe",
    "HomogeneousCLWE": "hardlearn.problems.clwe",
    "NullCLWE": "hardlearn.problems.clwe",
    "random_direction": "hardlearn.problems.clwe",
    "OneHiddenLayerReLU": "hardlearn.problems.network",
    "capped_periodic_network": "hardlearn.problems.network",
    "NoiseLaw": "hardlearn.problems.noise",
    "make_noise_law": "hardlearn.problems.noise",
    "PeriodicActivation": "hardlearn.problems.periodic",
    "PeriodicNeuron": "hardlearn.problems.periodic",
    "PiecewiseLinearActivation": "hardlearn.problems.periodic",
    "cosine_interpolant": "hardlearn.problems.periodic",
    "cosine_wave": "hardlearn.problems.periodic",
    "triangle_wave": "hardlearn.problems.periodic",
    "NoisyRegression": "hardlearn.problems.regression",
    "Regime": "hardlearn.regimes",
    "lzz_regime": "hardlearn.regimes",
}

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from hardlearn import regimes
    from hardlearn.errors import (
        DataFileError,
        HardlearnError,
        ParameterError,
        PrecisionError,
        ReductionTimeout,
        StoreError,
    )
    from hardlearn.problems.clwe import (
        CLWE,
        CLWESamples,
        HomogeneousCLWE,
        NullCLWE,
        random_direction,
    )
    from hardlearn.problems.network import OneHiddenLayerReLU, capped_periodic_network
    from hardlearn.problems.noise import NoiseLaw, make_noise_law
    from hardlearn.problems.periodic import (
        PeriodicActivation,
        PeriodicNeuron,
        PiecewiseLinearActivation,
        cosine_interpolant,
        cosine_wave,
        triangle_wave,
    )
    from hardlearn.problems.regression import NoisyRegression
    from hardlearn.regimes import Regime, lzz_regime


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562); later uses find it in the namespace."""
    if name == "regimes":
        value: Any = importlib.import_module("hardlearn.regimes")
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'hardlearn' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "CLWE",
    "CLWESamples",
    "DataFileError",
    "HardlearnError",
    "HomogeneousCLWE",
    "NoiseLaw",
    "NoisyRegression",
    "NullCLWE",
    "OneHiddenLayerReLU",
    "ParameterError",
    "PeriodicActivation",
    "PeriodicNeuron",
    "PiecewiseLinearActivation",
    "PrecisionError",
    "ReductionTimeout",
    "Regime",
    "StoreError",
    "__version__",
    "capped_periodic_network",
    "cosine_interpolant",
    "cosine_wave",
    "lzz_regime",
    "make_noise_law",
    "random_direction",
    "regimes",
    "triangle_wave",
]
