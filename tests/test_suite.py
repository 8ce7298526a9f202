"""The hardlearn suite: shipped hashes reproduced, scores, commitments, evaluate (tiny subset)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hardlearn.datasets import load_dataset
from hardlearn.errors import ParameterError
from hardlearn.suite import (
    commitment,
    expected_hashes,
    load_instance,
    make_suite,
    score_directory,
    suite_instances,
    verify_secrets,
)

ONE = "v1/d8-f0.25-poly"


def test_instances_span_the_axes():
    every = suite_instances()
    assert {i.dim for i in every} == {8, 32, 128}
    assert min(i.freq for i in every) == 0.25
    assert max(i.freq for i in every) == pytest.approx(2 * np.sqrt(128) / np.sqrt(2 * np.pi))
    assert {i.noise_std for i in every if i.dim == 8} == {8**-2, 2.0**-40}
    assert set(expected_hashes()) == {i.name for i in every}
    with pytest.raises(ParameterError, match="matches no suite instance"):
        suite_instances(["v9/"])


def test_make_reproduces_the_shipped_hashes_and_catches_a_change(tmp_path, monkeypatch):
    a = make_suite(tmp_path / "a", only=[ONE])
    b = make_suite(tmp_path / "b", only=[ONE], fmt="parquet")
    for key in ("train", "test"):
        shipped = expected_hashes()[ONE][key]
        assert a["instances"][ONE]["files"][key]["content_sha256"] == shipped
        assert b["instances"][ONE]["files"][key]["content_sha256"] == shipped
    entry = a["instances"][ONE]
    assert len(entry["files"]["train"]["sha256"]) == 64 and entry["params"]["seed"] > 0
    assert a["versions"]["numpy"] == np.__version__
    import hardlearn.suite as suite

    monkeypatch.setattr(suite, "expected_hashes", lambda: {ONE: {"train": "0" * 64}})
    with pytest.raises(ParameterError, match="the sampler or the random stream changed"):
        make_suite(tmp_path / "c", only=[ONE])


def _predict(directory, out, how):
    out.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((directory / "manifest.json").read_text())
    for name, entry in manifest["instances"].items():
        arrays, _ = load_dataset(directory / entry["files"]["test"]["path"])
        train, _ = load_dataset(directory / entry["files"]["train"]["path"])
        pred = arrays["f"] if how == "oracle" else np.full(len(arrays["X"]), train["y"].mean())
        path = out / f"{name}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, pred)


def test_score_oracle_is_one_and_constant_is_zero(tmp_path, cli):
    make_suite(tmp_path / "s", only=[ONE])
    _predict(tmp_path / "s", tmp_path / "oracle", "oracle")
    _predict(tmp_path / "s", tmp_path / "const", "constant")
    oracle = score_directory(tmp_path / "s", tmp_path / "oracle")["instances"][ONE]
    const = score_directory(tmp_path / "s", tmp_path / "const")["instances"][ONE]
    assert oracle["advantage"] == pytest.approx(1.0)
    assert const["advantage_lo"] < 0 < const["advantage_hi"] and abs(const["advantage"]) < 0.1
    code, out, err = cli("suite", "score", str(tmp_path / "s"), str(tmp_path / "const"),
                         "--json", "--out", str(tmp_path / "row.json"))
    assert code == 0, err
    assert json.loads(out)["instances"][ONE]["advantage"] == pytest.approx(const["advantage"])
    code, _, err = cli("suite", "leaderboard", str(tmp_path / "row.json"), "--html",
                       str(tmp_path / "lb.html"))
    assert code == 0, err
    assert ONE in (tmp_path / "lb.html").read_text()


def test_private_commitments_verify_and_reveal(tmp_path, cli):
    d = tmp_path / "p"
    manifest = make_suite(d, only=[ONE], private=True)
    test, _ = load_dataset(d / manifest["instances"][ONE]["files"]["test"]["path"])
    assert "f" not in test  # the test targets are not public
    secrets = json.loads((d / "secrets.json").read_text())
    assert verify_secrets(d, d / "secrets.json") == {ONE: True}
    wrong_secret = {ONE: {**secrets[ONE], "secret": list(-np.asarray(secrets[ONE]["secret"]))}}
    wrong_salt = {ONE: {**secrets[ONE], "salt": "00" * 16}}
    for bad in (wrong_secret, wrong_salt):
        (tmp_path / "bad.json").write_text(json.dumps(bad))
        assert verify_secrets(d, tmp_path / "bad.json") == {ONE: False}
        code, out, _ = cli("suite", "verify", str(d), str(tmp_path / "bad.json"))
        assert code == 1 and "MISMATCH" in out
    assert commitment(np.asarray(secrets[ONE]["secret"]), secrets[ONE]["salt"]) == \
        manifest["instances"][ONE]["commitment"]
    with pytest.raises(ParameterError, match="run `hardlearn suite reveal`"):
        load_instance(d, ONE)
    code, _, err = cli("suite", "reveal", str(d), str(d / "secrets.json"))
    assert code == 0, err
    np.testing.assert_allclose(load_instance(d, ONE)["f_test"], secrets[ONE]["f_test"])


def test_evaluate_a_plugin_learner_through_the_sweep_engine(tmp_path, cli):
    make_suite(tmp_path / "s", only=["v1/d8-f0.25"])
    code, out, err = cli("suite", "evaluate", str(tmp_path / "s"), "--learner",
                         "test_plugins:PlainMean", "--workers", "2", "--json")
    assert code == 0, err
    row = json.loads(out)
    assert row["learner"] == "test_plugins:PlainMean" and len(row["instances"]) == 2
    for r in row["instances"].values():
        assert r["status"] == "ok" and abs(r["advantage"]) < 0.15
    code, out, err = cli("suite", "evaluate", str(tmp_path / "s"), "--learner", "rf",
                         "--param", "n_components=200", "--workers", "2", "--json")
    assert code == 0, err
    assert all(r["advantage"] > 0.3 for r in json.loads(out)["instances"].values())


def _fraction_label(x, v, radius, noise):
    """tri(clip(<v, x>, -R, R)) + noise in exact rational arithmetic (independent of
    hardlearn.problems.exact): the definition of an exact suite label."""
    from fractions import Fraction

    t = sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(v, x, strict=True))
    if abs(t) >= radius:
        tri = Fraction(0)
    else:
        r = t - (t.numerator // t.denominator)
        tri = min(r, 1 - r)
    return tri + Fraction(float(noise))


def test_exact_training_file_holds_the_float64_draws_exactly(tmp_path):
    import copy

    from hardlearn.problems.exact import load_exact
    from hardlearn.suite import generate_instance

    name = "v1/d8-fgamma-tiny"
    manifest = make_suite(tmp_path / "s", only=[name])
    entry = manifest["instances"][name]["files"]["train_exact"]
    assert entry["content_sha256"] == expected_hashes()[name]["train_exact"]
    data = load_instance(tmp_path / "s", name)
    s = load_exact(data["exact_path"])
    assert (s.kind, s.noise_bits, s.label_bits, s.secret) == ("triangle", 40, 104, None)
    np.testing.assert_array_equal(s.X, data["X"])
    inst = suite_instances([name])[0]
    gen = generate_instance(inst)
    replay = copy.deepcopy(np.random.default_rng(inst.seed).spawn(3)[1])
    replay.standard_normal(s.X.shape)
    noise = inst.noise_std * replay.standard_normal(s.m)  # exact: noise_std is 2^-40
    v = inst.freq * gen["secret"]
    for i in range(0, s.m, 997):
        want = _fraction_label(s.X[i], v, inst.radius, noise[i])
        assert abs(s.labels[i] - want * 2**s.label_bits) <= 1  # one unit of the 2^-104 grid
    # the float64 labels are these up to the network's float64 evaluation error
    assert np.max(np.abs(s.labels_float() - data["y"])) < 2.0**-40


def test_lattice_learner_is_scored_on_exact_data_and_falls_back_where_it_fails(tmp_path, cli):
    make_suite(tmp_path / "s", only=["v1/d8-f1.0"])
    code, out, err = cli("suite", "evaluate", str(tmp_path / "s"), "--learner", "lattice",
                         "--param", "time_limit=60", "--workers", "1", "--json")
    assert code == 0, err
    rows = json.loads(out)["instances"]
    tiny, poly = rows["v1/d8-f1.0-tiny"], rows["v1/d8-f1.0-poly"]
    assert tiny["exact_data"] and tiny["learner_status"] == "recovered"
    assert tiny["advantage_lo"] > 0.999
    # sigma = d^-2: nothing to recover; the learner predicts the training mean
    assert poly["exact_data"] and poly["learner_status"] == "not_recovered"
    assert poly["advantage_lo"] < 0 < poly["advantage_hi"] and abs(poly["advantage"]) < 0.05
