"""The package's exceptions.

Every error the package raises on purpose derives from :class:`HardlearnError`, so a caller
(and the command line) can tell a refused request from a bug.
"""

from __future__ import annotations

__all__ = [
    "HardlearnError",
    "ParameterError",
    "PrecisionError",
    "ReductionTimeout",
    "StoreError",
    "DataFileError",
    "ExecutorError",
]


class HardlearnError(Exception):
    """Base class of every error hardlearn raises on purpose."""


class ParameterError(HardlearnError, ValueError):
    """A parameter broke a declared rule.

    The message names the parameter, the rule and the value received, and where it helps,
    what to do instead. It subclasses :class:`ValueError` so scikit-learn style callers that
    catch ``ValueError`` keep working.
    """


class PrecisionError(HardlearnError, ValueError):
    """The request needs more precision than the chosen representation carries.

    Raised, for example, when float64 samplers are asked for noise below what float64 can
    represent; the message points to the exact samplers of :mod:`hardlearn.problems.exact`.
    """


class ReductionTimeout(HardlearnError, TimeoutError):
    """A lattice reduction or a training run used up its time budget."""


class StoreError(HardlearnError):
    """The results store refused an operation (for example a run directory of another sweep)."""


class DataFileError(HardlearnError, ValueError):
    """A data file is not one of ours, is truncated, or is inconsistent with its metadata."""


class ExecutorError(HardlearnError, RuntimeError):
    """The machinery that runs trials failed, not a request: for example the Dask scheduler
    went away. What was stored is kept and the run resumes; the command line exits 1."""
