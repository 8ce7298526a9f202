"""The package is mypy-clean ([tool.mypy] in pyproject.toml), checked in the default suite too.

`make test` runs mypy itself; this test makes a change that breaks the types fail the fast
suite as well, before it is merged. `make test-lowest` leaves it out: there the stubs are
those of the lowest versions, while the package is kept clean against the current ones.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_package_is_mypy_clean():
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout
