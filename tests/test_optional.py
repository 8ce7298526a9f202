"""Optional dependencies: a missing extra is named in one line (hardlearn._optional)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hardlearn._optional import EXTRAS, MissingDependencyError, require
from hardlearn.errors import HardlearnError


@pytest.fixture
def no_module(monkeypatch):
    """Make ``import NAME`` fail as it does when NAME is not installed."""

    def hide(name: str) -> None:
        for key in list(sys.modules):
            if key == name or key.startswith(name + "."):
                monkeypatch.delitem(sys.modules, key)
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError

    return hide


def test_require_names_the_extra_in_one_line(no_module):
    no_module("torch")
    with pytest.raises(MissingDependencyError) as info:
        require("torch", feature="the MLP learner")
    message = str(info.value)
    assert message == ("the MLP learner needs torch, which is not installed: "
                       "pip install 'hardlearn[nn]'.")
    assert "\n" not in message
    assert isinstance(info.value, ImportError) and isinstance(info.value, HardlearnError)


def test_require_submodule_and_explicit_extra(no_module):
    no_module("pyarrow")
    with pytest.raises(MissingDependencyError, match=r"hardlearn\[parquet\]"):
        require("pyarrow.parquet")
    with pytest.raises(MissingDependencyError, match=r"hardlearn\[custom\]"):
        require("pyarrow", extra="custom")


def test_every_extra_named_is_declared_in_pyproject():
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS.values()) <= set(extras)
    assert extras["all"] == ["hardlearn[nn,lattice,dask,plots,parquet]"]


def test_mlp_fit_without_torch_says_install_nn(no_module):
    from hardlearn.learners.mlp import MLPRegressor

    no_module("torch")
    X = np.zeros((4, 2))
    with pytest.raises(MissingDependencyError, match=r"pip install 'hardlearn\[nn\]'"):
        MLPRegressor(width=2, steps=1).fit(X, np.zeros(4))


def test_parquet_without_pyarrow_says_install_parquet(no_module, tmp_path):
    from hardlearn.datasets import save_dataset

    no_module("pyarrow")
    with pytest.raises(MissingDependencyError, match=r"hardlearn\[parquet\]"):
        save_dataset(tmp_path / "d.parquet", {"X": np.zeros((2, 2)), "y": np.zeros(2)}, {})


def test_present_module_is_returned():
    assert require("numpy") is np
