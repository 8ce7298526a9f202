"""``hardlearn learn`` and ``hardlearn distinguish``: JSON output, defaults, errors."""

from __future__ import annotations

import json

import pytest


def test_learn_json_has_the_promised_keys(cli):
    code, out, err = cli("learn", "--learner", "mean", "--dim", "8", "--freq", "0.5",
                         "--radius", "4", "--samples", "500", "--test-samples", "2000",
                         "--noise", "0.01", "--seed", "0", "--json")
    assert code == 0, err
    data = json.loads(out)
    for key in ("mse", "trivial_mse", "advantage", "advantage_ci", "seconds"):
        assert key in data
    assert data["width"] == 17 and data["freq"] == 0.5
    assert abs(data["advantage"]) < 0.05


def test_learn_mlp_with_params_and_regime_defaults(cli):
    code, out, err = cli("learn", "--learner", "mlp", "--dim", "8", "--freq", "0.25",
                         "--samples", "2000", "--test-samples", "2000", "--param", "width=32",
                         "--param", "steps=300", "--param", "lr=0.01", "--param", "device=cpu",
                         "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["params"]["width"] == 32 and data["fit_steps"] <= 300
    assert data["advantage"] > 0.5
    # The radius came from the regime calculator for d = 8 and freq 0.25; the noise is the
    # demo's learn curve's 0.01.
    from hardlearn.conventions import freq_to_gamma
    from hardlearn.regimes import lzz_regime

    regime = lzz_regime(8, gamma=freq_to_gamma(0.25), samples=2000)
    assert data["radius"] == regime.radius and data["noise"] == 0.01


def test_learn_oracle_table_output(cli):
    code, out, err = cli("learn", "--learner", "oracle", "--dim", "4", "--test-samples", "100")
    assert code == 0, err
    assert "advantage" in out and "oracle" in out


def test_distinguish_json_oracle_and_mean(cli):
    code, out, err = cli("distinguish", "--learner", "oracle", "--dim", "8", "--trials", "5",
                         "--json")
    assert code == 0, err
    data = json.loads(out)
    for key in ("advantage", "advantage_ci", "p_clwe_given_clwe", "p_clwe_given_null",
                "trials"):
        assert key in data
    assert data["trials"] == 5 and data["advantage"] == 1.0
    code, out, err = cli("distinguish", "--learner", "mean", "--dim", "8", "--trials", "5",
                         "--samples", "2000", "--json")
    assert code == 0, err
    assert json.loads(out)["advantage"] == 0.0


def test_distinguish_table_output(cli):
    code, out, err = cli("distinguish", "--learner", "mean", "--dim", "6", "--trials", "2")
    assert code == 0, err
    assert "p_clwe_given_null" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["learn", "--learner", "svm"], "--learner must be one of"),
        (["distinguish", "--learner", "svm"], "--learner must be one of"),
        (["learn", "--learner", "mlp", "--param", "depth=3"],
         "learner 'mlp' has no parameter 'depth'; valid parameters:"),
        (["learn", "--learner", "mlp", "--param", "width=-1"], "MLPRegressor.width must be"),
        (["learn", "--learner", "mlp", "--param", "width"], "--param must look like name=value"),
        (["distinguish", "--learner", "mean", "--samples", "10", "--holdout", "10"],
         "too few samples for the hold-out"),
        (["distinguish", "--learner", "mean", "--dim", "0"], "dim must be an integer >= 1"),
    ],
)
def test_errors_are_one_clear_line(cli, args, message):
    code, out, err = cli(*args)
    assert code == 2
    assert message in err
