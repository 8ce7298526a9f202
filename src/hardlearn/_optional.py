"""Optional dependencies: import one, or say in one line which extra installs it.

The core install (numpy, scipy, scikit-learn, threadpoolctl, typer, rich) gives the samplers,
the network, the regimes, the reduction, the classical learners and the command line. The
heavier features live behind extras declared in ``pyproject.toml``:

========== ============================== ==========================================
extra      modules                        features
========== ============================== ==========================================
``nn``     torch                          MLP learners, BatchedMLP, ``to_torch()``
``lattice`` fpylll, cysignals, flint      lattice learners and attacks, exact sums
``dask``   dask, distributed              ``--scheduler dask`` sweeps
``plots``  matplotlib, jinja2             figures, the HTML report and demo pages
``parquet`` pyarrow                       results stores and ``.parquet`` data files
========== ============================== ==========================================

``pip install 'hardlearn[all]'`` installs every extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from hardlearn.errors import HardlearnError

__all__ = ["EXTRAS", "MissingDependencyError", "require"]

#: Top-level module name -> the extra of ``pyproject.toml`` that installs it.
EXTRAS = {
    "torch": "nn",
    "fpylll": "lattice",
    "cysignals": "lattice",
    "flint": "lattice",
    "dask": "dask",
    "distributed": "dask",
    "matplotlib": "plots",
    "jinja2": "plots",
    "pyarrow": "parquet",
}


class MissingDependencyError(HardlearnError, ImportError):
    """An optional dependency is not installed; the message names the extra to install.

    It is an :class:`ImportError` (code that guards ``import torch`` keeps working) and a
    :class:`~hardlearn.errors.HardlearnError`, so the command line prints its one line and
    exits 2.
    """


def require(module: str, *, extra: str | None = None, feature: str | None = None) -> ModuleType:
    """Import ``module`` or raise one line naming the extra that installs it.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"torch"`` or ``"pyarrow.parquet"``.
    extra : str, optional
        The extra of ``pyproject.toml``; looked up in :data:`EXTRAS` from the top-level name
        when omitted.
    feature : str, optional
        What needs it, for the message (``"the MLP learner"``).

    Raises
    ------
    MissingDependencyError
        When the module cannot be imported.

    Examples
    --------
    >>> require("math").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        name = extra or EXTRAS.get(top, "all")
        what = f"{feature} needs" if feature else "this feature needs"
        raise MissingDependencyError(
            f"{what} {top}, which is not installed: pip install 'hardlearn[{name}]'."
        ) from exc
