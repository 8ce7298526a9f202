"""The command line starts without the numerical stack: structure, not timing.

``hardlearn --help`` must stay fast (benchmarks/bench_cli.py measures it); what keeps it
fast is that neither ``import hardlearn`` nor building the Typer app nor rendering the help
imports NumPy, SciPy, torch, fpylll, flint, scikit-learn or matplotlib. Each check runs in a
fresh interpreter, since this test process has long imported all of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "scipy", "torch", "fpylll", "flint", "sklearn", "matplotlib", "pandas",
         "pyarrow", "dask")

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _heavy_modules_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; the heavy top-level packages it left imported."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    )
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("code", [
    "import hardlearn",
    "import hardlearn.cli",
    "import contextlib, io\nfrom hardlearn.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])",
    "from hardlearn.cli import main\nmain(['--version'])",
], ids=["import hardlearn", "import hardlearn.cli", "hardlearn --help", "hardlearn --version"])
def test_startup_imports_no_numerical_package(code):
    assert _heavy_modules_after(code) == []


def test_lazy_package_attributes_resolve_and_are_listed():
    import hardlearn

    for name in hardlearn.__all__:
        assert getattr(hardlearn, name) is not None, name
    assert set(hardlearn.__all__) <= set(dir(hardlearn))
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        hardlearn.nonexistent  # noqa: B018


def test_help_name_lists_match_the_registries():
    from hardlearn.cli.foundation import CHECK_NAMES, PRESET_NAMES
    from hardlearn.regimes import PRESETS
    from hardlearn.verification import CHECKS

    assert PRESET_NAMES == tuple(PRESETS)
    assert CHECK_NAMES == tuple(CHECKS)
