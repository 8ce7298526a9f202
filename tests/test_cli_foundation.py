"""The foundation commands: params, sample, construct, verify, and error handling."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from hardlearn.datasets import load_dataset


def test_params_json(cli):
    code, out, _ = cli("params", "--dim", "64", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["dim"] == 64 and data["gamma"] == 16.0 and data["width"] == 4 * data["radius"] + 1


def test_params_table(cli):
    code, out, _ = cli("params", "--dim", "16")
    assert code == 0 and "gamma" in out and "erfcinv" in out


@pytest.mark.parametrize("kind, names", [("clwe", {"y", "z"}), ("null", {"y", "z"}),
                                         ("hclwe", {"y"}), ("regression", {"X", "y"})])
def test_sample_writes_data_without_secret(cli, tmp_path, kind, names):
    out = tmp_path / f"{kind}.npz"
    code, _, _ = cli("sample", kind, "--dim", "6", "--samples", "50", "--seed", "3",
                     "--out", out)
    assert code == 0
    arrays, meta = load_dataset(out)
    assert set(arrays) == names and meta["kind"] == kind and meta["seed"] == 3
    assert "secret" not in arrays


def test_sample_secret_file_and_reproducibility(cli, tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    cli("sample", "clwe", "--dim", "5", "--samples", "30", "--seed", "1", "--out", a,
        "--secret-out", tmp_path / "s.npz")
    cli("sample", "clwe", "--dim", "5", "--samples", "30", "--seed", "1", "--out", b)
    np.testing.assert_array_equal(load_dataset(a)[0]["z"], load_dataset(b)[0]["z"])
    secret = load_dataset(tmp_path / "s.npz")[0]["secret"]
    assert secret.shape == (5,) and abs(np.linalg.norm(secret) - 1) < 1e-12


def test_construct_json(cli):
    code, out, _ = cli("construct", "--dim", "8", "--freq", "3.0", "--radius", "4",
                       "--samples", "50000", "--json")
    data = json.loads(out)
    assert code == 0 and data["width"] == 17 and data["max_err_grid"] == 0.0
    assert data["max_err_gaussian"] < 1e-10
    assert abs(data["mismatch_z"]) < 5


def test_verify_subset(cli):
    code, out, _ = cli("verify", "--check", "network_identity", "--check", "conventions",
                       "--json")
    data = json.loads(out)
    assert code == 0 and data["passed"] and len(data["checks"]) == 2


@pytest.mark.parametrize("args, message", [
    (["params", "--dim", "0"], "dim must be an integer >= 1; got 0"),
    (["params", "--dim", "8", "--gamma", "-1"], "gamma must satisfy"),
    (["sample", "clwe", "--beta", "1.5", "--out", "x.npz"], "beta must satisfy 0 < beta < 1"),
    (["sample", "clwe", "--samples", "-4", "--out", "x.npz"], "--samples must be an integer >= 1"),
    (["sample", "clwe", "--out", "x.txt"], ".npz or .parquet"),
    (["construct", "--radius", "0"], "radius must be an integer >= 1"),
    (["verify", "--check", "nonsense"], "unknown check"),
])
def test_bad_input_one_line_exit_2(cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(*args)
    assert code == 2 and message in err


def test_console_script_prints_one_line_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from hardlearn.cli import main; "
         "sys.exit(main(['params', '--dim', '0']))"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: dim must be an integer >= 1; got 0."
    assert "Traceback" not in proc.stderr


def test_params_presets(cli):
    code, out, _ = cli("params", "--dim", "256", "--preset", "lzz-superpoly-0.25", "--json")
    assert code == 0 and json.loads(out)["regime"] == "super-polynomial"
    assert json.loads(out)["sigma_bits"] == pytest.approx(4.0)
    code, _, err = cli("params", "--dim", "8", "--preset", "nonsense")
    assert code == 2 and "preset must be one of" in err
