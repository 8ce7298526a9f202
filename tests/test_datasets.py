"""Data files: lossless round trips, refusal of foreign or truncated files."""

from __future__ import annotations

import numpy as np
import pytest

from hardlearn.datasets import load_dataset, save_dataset
from hardlearn.errors import DataFileError, ParameterError


@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_round_trip_is_lossless(tmp_path, suffix):
    rng = np.random.default_rng(0)
    arrays = {"X": rng.standard_normal((20, 3)), "y": rng.random(20),
              "k": np.array([str(2**200 + i) for i in range(20)])}
    path = save_dataset(tmp_path / f"d{suffix}", arrays, {"kind": "test", "seed": 4})
    got, meta = load_dataset(path)
    assert meta["kind"] == "test" and meta["seed"] == 4
    for name, arr in arrays.items():
        np.testing.assert_array_equal(got[name], arr)
    assert int(got["k"][3]) == 2**200 + 3


def test_foreign_and_truncated_files_are_refused(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.ones(3))
    with pytest.raises(DataFileError, match="not a hardlearn data file"):
        load_dataset(foreign)
    good = save_dataset(tmp_path / "good.npz", {"a": np.ones(1000)}, {"kind": "t"})
    truncated = tmp_path / "cut.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(DataFileError, match="truncated or not ours"):
        load_dataset(truncated)
    pq = save_dataset(tmp_path / "good.parquet", {"a": np.ones(100)}, {"kind": "t"})
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(pq.read_bytes()[:50])
    with pytest.raises(DataFileError):
        load_dataset(cut)
    with pytest.raises(DataFileError, match="does not exist"):
        load_dataset(tmp_path / "missing.npz")


def test_bad_save_requests(tmp_path):
    with pytest.raises(ParameterError, match=".npz or .parquet"):
        save_dataset(tmp_path / "x.csv", {"a": np.ones(2)}, {})
    with pytest.raises(ParameterError, match="same number of rows"):
        save_dataset(tmp_path / "x.parquet", {"a": np.ones(2), "b": np.ones(3)}, {})
    with pytest.raises(ParameterError, match="without pickles"):
        save_dataset(tmp_path / "x.npz", {"a": np.array([object()])}, {})
