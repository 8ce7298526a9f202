"""``learn`` defaults agree with the demo; a lattice learner's failure is an outcome; progress
of ``attack`` and ``learn`` on stderr (off with --quiet, never with --json)."""

from __future__ import annotations

import json
import re

import pytest

from hardlearn.cli import main
from hardlearn.experiments.demo import SIZES, demo_sweeps
from hardlearn.experiments.kinds.learn import CURVE_MLP_PARAMS, CURVE_SAMPLES, LEARN

HAS_LATTICE = all(__import__("importlib").util.find_spec(m) for m in ("fpylll", "flint"))
lattice = pytest.mark.skipif(not HAS_LATTICE, reason="needs fpylll and python-flint")


def test_the_demo_learn_curve_uses_the_shared_settings():
    size = SIZES["default"]
    assert size.learn_samples == CURVE_SAMPLES
    assert dict(size.mlp_curve_params) == dict(CURVE_MLP_PARAMS)
    learn = demo_sweeps(size, 0)["learn"]
    assert learn["grid"]["test_samples"] == LEARN.param("test_samples").default == 20_000
    assert learn["grid"]["noise"] == LEARN.param("noise").default == 0.01


def test_learn_mlp_defaults_are_the_demo_settings(capsys):
    # steps overridden (to keep the test fast); every other setting is the default
    code = main(["learn", "--learner", "mlp", "--dim", "16", "--freq", "0.5",
                 "--param", "steps=3", "--param", "device=cpu", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["params"] == {**CURVE_MLP_PARAMS, "steps": 3, "device": "cpu"}
    assert out["train_samples"] == CURVE_SAMPLES and out["test_samples"] == 20_000
    assert out["noise"] == 0.01 and out["freq"] == 0.5 and out["fit_steps"] == 3


@pytest.mark.slow
def test_learn_mlp_with_every_default_learns_at_freq_half(capsys):
    """The README's example: the demo measured an advantage near 0.9 at d = 16, freq 0.5."""
    assert main(["learn", "--learner", "mlp", "--dim", "16", "--freq", "0.5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["advantage"] > 0.5


@lattice
@pytest.mark.parametrize(("limit", "outcome"), [(30, "not_recovered"), (0.001, "timeout")])
def test_lattice_learner_that_recovers_nothing_reports_the_outcome(capsys, limit, outcome):
    # polynomial label noise 0.01: far above what the lattice attack tolerates
    code = main(["learn", "--learner", "lattice", "--dim", "8", "--samples", "200",
                 "--test-samples", "100", "--param", f"time_limit={limit}", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)
    assert out["outcome"] == outcome
    # scored as what it predicts, the training mean: advantage about 0 (100 test points)
    assert abs(out["advantage"]) < 0.2 and out["mse"] > 0
    assert out["train_samples"] == 200 and captured.err == ""


@lattice
def test_lattice_outcome_in_the_table(capsys):
    assert main(["learn", "--learner", "lattice", "--dim", "8", "--samples", "200",
                 "--test-samples", "100", "--param", "time_limit=30", "-q"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"outcome\s*│\s*not_recovered", out), out


def test_evaluate_learner_scores_an_attack_that_found_nothing_as_an_outcome():
    """A learner with ``recovered_ = False`` is scored through its fallback predictor (the
    training mean), its warning is not repeated, and its status is the trial's outcome."""
    import warnings

    import numpy as np

    from hardlearn import NoisyRegression, PeriodicNeuron
    from hardlearn.metrics import evaluate_learner

    class Fails:
        def fit(self, X, y):
            self.recovered_, self.status_, self.mean_ = False, "timeout", float(np.mean(y))
            return self

        def predict(self, X):
            warnings.warn("Fails.predict: nothing was recovered (status 'timeout')",
                          UserWarning, stacklevel=2)
            return np.full(len(X), self.mean_)

    problem = NoisyRegression(PeriodicNeuron(np.array([1.0, 0.0]), 0.5), 0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = evaluate_learner(Fails(), problem, train_samples=400, test_samples=4000, rng=0)
    assert out["learner_status"] == "timeout"
    assert out["train_samples"] == 400 and out["seconds"] >= 0
    assert abs(out["advantage"]) < 0.05          # the mean of 400 labels: advantage ~ -1/400
    assert out["advantage_ci"][0] < 0.0 < out["advantage_ci"][1] + 0.01


def test_evaluate_learner_gives_no_status_for_a_learner_without_one():
    import numpy as np

    from hardlearn import NoisyRegression, PeriodicNeuron
    from hardlearn.learners import MeanRegressor
    from hardlearn.metrics import evaluate_learner

    problem = NoisyRegression(PeriodicNeuron(np.array([1.0, 0.0]), 0.5), 0.01)
    out = evaluate_learner(MeanRegressor(), problem, train_samples=50, test_samples=50, rng=0)
    assert "learner_status" not in out


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _drawn(capsys) -> tuple[str, str]:
    """(stdout, stderr without colour and cursor codes) of the last command."""
    captured = capsys.readouterr()
    return captured.out, _ANSI.sub("", captured.err)


@lattice
def test_attack_shows_time_spent_and_left_until_its_limit_on_stderr(capsys, monkeypatch):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich draws as on a terminal
    args = ["attack", "--dim", "8", "--noise-bits", "60", "--time-limit", "100"]
    assert main(args) == 0
    out, err = _drawn(capsys)
    assert "lattice attack d=8" in err and "lattice attack d=8" not in out
    assert re.search(r"\d:\d\d:\d\d <= \d+ s left \(limit\)", err), err
    for quiet in (["-q"], ["--json"]):
        assert main(args + quiet) == 0
        out, err = _drawn(capsys)
        assert err == "", err
    assert json.loads(out)["status"] == "recovered"


def test_learn_mlp_shows_training_progress_with_time_left_on_stderr(capsys, monkeypatch):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    args = ["learn", "--learner", "mlp", "--dim", "4", "--freq", "0.5", "--samples", "200",
            "--test-samples", "100", "--param", "steps=300", "--param", "width=8",
            "--param", "device=cpu"]
    assert main(args) == 0
    out, err = _drawn(capsys)
    assert "training MLP" in err and re.search(r"\d:\d\d:\d\d", err), err
    assert "training MLP" not in out
    for quiet in (["--quiet"], ["--json"]):
        assert main(args + quiet) == 0
        assert _drawn(capsys)[1] == ""


@lattice
def test_learn_from_a_data_file_tells_the_learner_the_activation(capsys, tmp_path):
    """``--data`` with ``--activation``: lattice-pl fits the file's trapezoid labels (it
    fitted the triangle before) and the outcome is reported; the network-target check on
    generated data does not apply to someone else's file."""
    import numpy as np

    from hardlearn import NoisyRegression, PeriodicNeuron
    from hardlearn.datasets import save_dataset

    rng = np.random.default_rng(5)
    w = rng.standard_normal(5)
    problem = NoisyRegression(PeriodicNeuron(w / np.linalg.norm(w), 1.8, "trapezoid"), 2.0**-30)
    X, y = problem.sample(400, rng=rng)
    save_dataset(tmp_path / "t.npz", {"X": X, "y": y}, {"kind": "regression"})
    argv = ["learn", "--learner", "lattice-pl", "--data", str(tmp_path / "t.npz"),
            "--param", "noise_bits=30", "--json"]
    assert main([*argv, "--activation", "trapezoid"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["outcome"] == "recovered" and out["advantage"] > 0.999
    assert main([*argv, "--activation", "triangle"]) == 0  # the wrong activation: no neuron
    assert json.loads(capsys.readouterr().out)["outcome"] != "recovered"
    assert main(["learn", "--learner", "mean", "--data", str(tmp_path / "t.npz"),
                 "--activation", "cosine", "--json"]) == 0
