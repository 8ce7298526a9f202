"""hardlearn: the hardness of learning one-hidden-layer ReLU networks, as measured software.

Li, Zadik and Zampetakis (ALT 2025, arXiv 2410.03477) show that learning a one-hidden-layer
ReLU network from Gaussian inputs with polynomially small Gaussian label noise is as hard as
Continuous LWE (hence worst-case GapSVP). This package builds that hard instance exactly,
runs the reduction as a program, and measures where learning stops.

The public names are re-exported here explicitly; see ``hardlearn.__all__``.
"""

from __future__ import annotations

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

#: The package version: its one source (pyproject.toml and ``hardlearn --version`` read it).
__version__ = "0.1.0"

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
