"""Results that stay comparable: format versions of data files and stores, package versions."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from hardlearn.cli import main
from hardlearn.datasets import FORMAT_VERSION, load_dataset, save_dataset
from hardlearn.errors import DataFileError, StoreError
from hardlearn.experiments import parse_spec
from hardlearn.experiments.store import DB_NAME, RESUME_VERSIONS, Store, read_meta

SWEEP = 'task = "selftest"\nroot_seed = 1\n[grid]\nx = [1.0, 2.0]\n'


def _npz_with_meta(path, meta) -> None:
    np.savez(path, X=np.zeros((3, 2)), y=np.zeros(3), __hardlearn__=np.array(json.dumps(meta)))


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_data_file_records_and_checks_its_format(tmp_path):
    path = save_dataset(tmp_path / "a.npz", {"X": np.eye(2)}, {"kind": "demo"})
    assert load_dataset(path)[1]["format_version"] == FORMAT_VERSION
    newer = tmp_path / "newer.npz"
    _npz_with_meta(newer, {"format_version": FORMAT_VERSION + 1,
                           "arrays": {"X": [3, 2], "y": [3]}})
    with pytest.raises(DataFileError, match=r"newer hardlearn \(data format 2; .* reads "
                                            r"format 1 and older\); upgrade hardlearn"):
        load_dataset(newer)
    for bad in ("1", 0, True, None):
        odd = tmp_path / "odd.npz"
        _npz_with_meta(odd, {"format_version": bad, "arrays": {"X": [3, 2], "y": [3]}})
        with pytest.raises(DataFileError, match="format_version must be an integer >= 1"):
            load_dataset(odd)


def test_newer_data_file_through_the_cli_is_one_line(tmp_path, capsys):
    newer = tmp_path / "newer.npz"
    _npz_with_meta(newer, {"format_version": 7, "arrays": {"X": [3, 2], "y": [3]}})
    assert main(["learn", "--learner", "mean", "--data", str(newer)]) == 2
    line = _one_error_line(capsys)
    assert "newer hardlearn" in line and "data format 7" in line and str(newer) in line


def _make_store(run, spec):
    with Store.create(run, spec):
        pass


def _set_meta(run, key, value) -> None:
    conn = sqlite3.connect(run / DB_NAME)
    with conn:
        conn.execute("UPDATE meta SET value=? WHERE key=?", (value, key))
    conn.close()


def test_store_of_a_newer_format_is_refused(tmp_path, capsys):
    spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1.0]}})
    run = tmp_path / "run"
    _make_store(run, spec)
    _set_meta(run, "format", "2")
    with pytest.raises(StoreError, match=r"newer hardlearn \(store format 2"):
        Store.create(run, spec)
    with pytest.raises(StoreError, match=r"newer hardlearn \(store format 2"):
        Store.open(run)
    assert main(["results", str(run)]) == 2
    assert "store format 2" in _one_error_line(capsys)
    _set_meta(run, "format", "one")
    with pytest.raises(StoreError, match="corrupt format entry 'one'"):
        Store.open(run)


def test_store_records_the_versions_that_matter():
    assert set(RESUME_VERSIONS) == {"hardlearn", "numpy", "torch", "fpylll", "python-flint"}


def test_resume_under_other_versions_is_refused_unless_allowed(tmp_path):
    spec = parse_spec({"task": "selftest", "root_seed": 1, "grid": {"x": [1.0]}})
    run = tmp_path / "run"
    _make_store(run, spec)
    versions = json.loads(read_meta(run)["versions"])
    assert set(RESUME_VERSIONS) <= set(versions)
    real_numpy = versions["numpy"]
    _set_meta(run, "versions", json.dumps({**versions, "numpy": "1.0.0"}))
    with pytest.raises(StoreError, match=rf"numpy 1\.0\.0 -> {real_numpy}.*"
                                         "--allow-version-change"):
        Store.create(run, spec)
    with pytest.warns(UserWarning, match=rf"numpy 1\.0\.0 -> {real_numpy}"):
        Store.create(run, spec, allow_version_change=True).close()
    meta = read_meta(run)
    assert json.loads(meta["versions"])["numpy"] == real_numpy  # now the store's versions
    (change,) = json.loads(meta["version_changes"])
    assert change["changed"] == [f"numpy 1.0.0 -> {real_numpy}"]
    Store.create(run, spec).close()  # the same versions again: no permission needed


def test_cli_sweep_refuses_then_allows_a_version_change(tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text(SWEEP)
    run = tmp_path / "run"
    assert main(["sweep", str(sweep), "--out", str(run), "--workers", "1", "-q"]) == 0
    capsys.readouterr()
    versions = json.loads(read_meta(run)["versions"])
    _set_meta(run, "versions", json.dumps({**versions, "hardlearn": "0.0.1"}))
    assert main(["sweep", str(sweep), "--out", str(run), "--workers", "1", "-q"]) == 2
    line = _one_error_line(capsys)
    assert "hardlearn 0.0.1 ->" in line and "--allow-version-change" in line
    assert main(["sweep", str(sweep), "--out", str(run), "--workers", "1", "-q",
                 "--allow-version-change"]) == 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1 and err[0].startswith("warning (UserWarning): resuming"), err
