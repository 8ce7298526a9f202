"""Activation specs (issue 16): parsing, the canonical form, and every place that takes one
(the learn and distinguish kinds, the reduction, the learner registry, the command line)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hardlearn.errors import ParameterError
from hardlearn.experiments.registry import run_task
from hardlearn.experiments.spec import parse_spec
from hardlearn.problems.activation_spec import activation_spec, parse_activation
from hardlearn.problems.periodic import (
    PiecewiseLinearActivation,
    cosine_interpolant,
    cosine_wave,
    triangle_wave,
)

#: A grid of dyadic points over three periods, where float64 evaluates both sides exactly.
T = np.arange(-3 * 1024, 3 * 1024 + 1) / 1024.0
#: The three-piece unimodal activation of examples/piecewise-linear.toml.
THREE = "pl:0=0,0.25=0.5,0.5=0.25"


@pytest.mark.parametrize("spec, reference", [
    ("trapezoid", PiecewiseLinearActivation([0, 0.25, 0.5, 0.75], [0, 0.5, 0.5, 0])),
    ("tent:0.3", PiecewiseLinearActivation([0, 0.3], [0, 0.5])),
    ("tent:1/4", PiecewiseLinearActivation([0, 0.25], [0, 0.5])),
    (THREE, PiecewiseLinearActivation([0, 0.25, 0.5, 1.0], [0, 0.5, 0.25, 0])),
    ("pl:0.25=1,0.75=0", PiecewiseLinearActivation([0.25, 0.75], [1, 0])),
    ("cosine-interpolant:8", cosine_interpolant(8)),
    ("cosine-interpolant:12", cosine_interpolant(12)),
])
def test_spec_gives_the_activation_it_names(spec, reference):
    act = parse_activation(spec)
    np.testing.assert_allclose(act(T), reference(T), rtol=0, atol=1e-15)
    assert act.lipschitz == pytest.approx(reference.lipschitz, rel=1e-12)
    assert act.kinks_per_period == reference.kinks_per_period
    assert act.name == activation_spec(spec)


def test_built_in_names_give_the_built_in_objects():
    assert parse_activation("triangle") is triangle_wave
    assert parse_activation(" Cosine ") is cosine_wave
    # a pl: spec equal to the triangle wave is the triangle wave, so it works wherever it does
    assert parse_activation("pl:0=0,0.5=0.5") is triangle_wave
    assert parse_activation("tent:0.5") is triangle_wave


@pytest.mark.parametrize("spellings, canonical", [
    (["pl:0=0,0.5=0.5", "pl:0=0, 0.5=0.5", "PL: 0 = 0 , 0.5 = 0.5", "pl:0=0,0.5=0.5,1=0",
      "pl:0.5=0.5,1=0", "pl:0=0,0.25=0.25,0.5=0.5", "tent:0.5", "triangle"], "triangle"),
    (["trapezoid", "pl:0=0,0.25=0.5,0.5=0.5,0.75=0", "pl:0.25=0.5,0.5=0.5,0.75=0,1=0",
      "pl:0=0,0.125=0.25,0.25=0.5,0.5=0.5,0.75=0,1=0"], "trapezoid"),
    (["tent:0.3", "tent:0.30", "tent:3/10", "pl:0=0,0.3=0.5"], "tent:0.3"),
    ([THREE, "pl:0=0,1/4=1/2,1/2=1/4,1=0", "pl:0.25=0.5,0.5=0.25,1=0",
      "pl:0=0,0.25=0.5,0.5=0.25,0.75=0.125"], THREE),
    (["cosine-interpolant:8", activation_spec(cosine_interpolant(8))], "cosine-interpolant:8"),
])
def test_equal_functions_give_one_canonical_string(spellings, canonical):
    assert {activation_spec(s) for s in spellings} == {canonical}
    assert activation_spec(canonical) == canonical            # a fixed point
    first = parse_activation(spellings[0])
    assert parse_activation(canonical) == first or parse_activation(canonical) is first


def test_canonical_form_of_any_piecewise_linear_activation_round_trips():
    rng = np.random.default_rng(16)
    for _ in range(50):
        p = int(rng.integers(2, 7))
        b = np.sort(rng.choice(np.arange(64), size=p, replace=False)) / 64.0
        v = rng.integers(-8, 9, size=p) / 8.0
        if np.all(v == v[0]):
            continue
        act = PiecewiseLinearActivation(b, v)
        spec = activation_spec(act)
        again = parse_activation(spec)
        np.testing.assert_allclose(again(T), act(T), rtol=0, atol=1e-12)
        assert activation_spec(again) == spec


@pytest.mark.parametrize("spec, needle", [
    ("sine", r"^--activation must be one of triangle, cosine, .*; got 'sine'\.$"),
    ("pl:0=0,0.5=0.5,0.25=1", r"^--activation = 'pl:0=0,0\.5=0\.5,0\.25=1': breakpoints must be "
                              r"strictly increasing"),
    ("pl:0=0,1.5=1", r"must lie inside one period"),
    ("pl:0=0,1=1", r"must be continuous across the period.*got 0\.0 and 1\.0\.$"),
    ("pl:0=1,0.5=1", r"a constant activation has variance 0"),
    ("pl:0=x", r"must be a finite number .*got 'x'"),
    ("pl:0=nan,0.5=1", r"must be a finite number .*got 'nan'"),
    ("pl:0=0;0.5=1", r"breakpoint=value pairs separated by commas"),
    ("tent:1", r"the peak P of tent:P must lie in \(0, 1\); got '1'"),
    ("cosine-interpolant:1", r"the pieces Q of cosine-interpolant:Q must be an integer >= 2; "
                             r"got 1\."),
])
def test_bad_specs_are_one_line_naming_the_parameter_rule_and_value(spec, needle):
    with pytest.raises(ParameterError, match=needle) as info:
        parse_activation(spec, key="--activation")
    assert "\n" not in str(info.value) and "--activation" in str(info.value)


def learn_data(activation, *, target="neuron", learners=None, noise=0.01, radius=3):
    return {
        "task": "learn", "root_seed": 5,
        "grid": {"dim": 4, "freq": 1.0, "samples": 400, "test_samples": 1000,
                 "target": target, "radius": radius, "noise": noise, "activation": activation},
        "learners": learners or [{"name": "oracle"}, {"name": "mean"}],
    }


def test_task_ids_do_not_depend_on_how_the_activation_is_spelled():
    ids = {tuple(t.task_id for t in parse_spec(learn_data(s)).tasks())
           for s in ("pl:0=0, 0.25=0.5, 0.5=0.25", THREE, "pl:0=0,1/4=1/2,1/2=1/4,1=0")}
    assert len(ids) == 1
    spec = parse_spec(learn_data("tent:0.50"))
    assert spec.fixed["activation"] == "triangle"
    # the triangle, spelled out or left at its default, is the default trial
    default = learn_data("triangle")
    del default["grid"]["activation"]
    assert [t.task_id for t in spec.tasks()] == [t.task_id for t in parse_spec(default).tasks()]
    other = parse_spec(learn_data("trapezoid")).tasks()
    assert {t.task_id for t in other}.isdisjoint(t.task_id for t in spec.tasks())


def test_a_sweep_listing_one_activation_twice_is_refused():
    with pytest.raises(ParameterError, match="grid.activation lists a value twice"):
        parse_spec(learn_data(["pl:0=0,0.5=0.5", "triangle"]))
    with pytest.raises(ParameterError, match=r"grid.activation\[1\] = 'pl:0=1'"):
        parse_spec(learn_data(["triangle", "pl:0=1"]))


@pytest.mark.parametrize("activation", [THREE, "trapezoid", "cosine-interpolant:6"])
def test_learn_trial_on_the_network_of_a_piecewise_linear_activation(activation):
    from hardlearn.problems.network import capped_periodic_network
    from hardlearn.problems.regression import NoisyRegression

    spec = parse_spec(learn_data(activation, target="network"))
    records = {t.learner: run_task(t) for t in spec.tasks()}
    for rec in records.values():
        assert rec.status == "ok", rec.error_message
    assert records["oracle"].metrics["advantage"] == pytest.approx(1.0, abs=1e-12)
    assert abs(records["mean"].metrics["advantage"]) < 0.1
    # the trivial MSE is the exact variance of that activation's capped network
    act = parse_activation(activation)
    net = capped_periodic_network(np.eye(4)[0], 1.0, 3, activation=act)
    assert net.width == 2 + act.kinks_in(-3, 3)[0].size
    expected = NoisyRegression(net, 0.01).target_variance()
    assert records["mean"].metrics["trivial_mse"] == pytest.approx(expected, rel=1e-9)


def test_learn_network_target_refuses_the_cosine_with_the_way_out():
    with pytest.raises(ParameterError, match="needs a piecewise-linear grid.activation.*"
                                             "cosine-interpolant:Q.*got 'cosine'"):
        parse_spec(learn_data("cosine", target="network"))


def test_lattice_pl_is_a_registry_learner_told_the_trial_activation():
    from hardlearn.learners.lattice_pl import PiecewiseLinearLatticeRegressor
    from hardlearn.learners.registry import LEARNERS, available_learners, make_learner

    assert LEARNERS["lattice-pl"] is PiecewiseLinearLatticeRegressor
    assert "lattice-pl" in available_learners()
    assert make_learner("lattice-pl", activation=THREE).activation == THREE
    assert make_learner("lattice-pl", {"activation": "triangle"},
                        activation=THREE).activation == "triangle"      # params win
    assert not hasattr(make_learner("ridge", activation=THREE), "activation")
    # radius 8 at frequency 1: the network is the neuron but for a mass below 1e-15
    spec = parse_spec(learn_data(THREE, target="network", noise=2.0**-30, radius=8,
                                 learners=[{"name": "lattice-pl", "params": {"noise_bits": 30}}]))
    (task,) = spec.tasks()
    rec = run_task(task)
    assert rec.status == "ok", rec.error_message
    assert rec.metrics["advantage"] > 0.999


def test_lattice_pl_reads_a_spec_string():
    from hardlearn.learners.lattice_pl import branches

    assert branches(THREE)["b0"] == 0.0
    assert branches("pl:0=0,0.5=0.5")["up_t"].tolist() == [0.0, 0.5]


def test_distinguish_takes_a_spec_and_refuses_exact_samples_for_it():
    from hardlearn.reduction import estimate_advantage

    data = {"task": "distinguish", "root_seed": 2,
            "grid": {"dim": 4, "beta": 0.01, "samples": 200, "trials": 2,
                     "activation": "pl:0=0, 0.3=0.5"},
            "learners": [{"name": "oracle"}]}
    (task,) = parse_spec(data).tasks()
    assert task.params["activation"] == "tent:0.3"
    rec = run_task(task)
    assert rec.status == "ok", rec.error_message
    assert rec.metrics["p_clwe_given_clwe"] == 1.0
    # the threshold is that activation's null loss less half the margin
    act = parse_activation("tent:0.3")
    assert rec.metrics["threshold"] == pytest.approx(act.uniform_variance + 1e-4 - 0.005)
    data["grid"].update(noise_bits=60)
    with pytest.raises(ParameterError, match="supports grid.activation = 'triangle' only"):
        parse_spec(data)
    with pytest.raises(ParameterError, match="noise_bits .* needs activation = 'triangle'"):
        estimate_advantage("mean", dim=4, gamma=4.0, noise_bits=60, noise_std=0.0, eps=0.01,
                           samples=20, trials=1, activation="trapezoid", rng=0)
    with pytest.raises(ParameterError, match="use learner 'lattice-pl'"):
        estimate_advantage("lattice", dim=4, gamma=4.0, beta=1e-6, noise_std=1e-6, eps=0.01,
                           samples=20, trials=1, activation="trapezoid", rng=0)


def test_cli_params_gives_the_width_of_the_spec_network(cli):
    from hardlearn.regimes import lzz_regime, network_width

    code, out, err = cli("params", "--dim", "16", "--activation", THREE, "--json")
    assert code == 0, err
    data = json.loads(out)
    regime = lzz_regime(16)
    assert data["activation"] == THREE and data["radius"] == regime.radius
    assert data["width"] == network_width(regime.radius, THREE)
    # about 2 R p + O(1) for p = 3 kinks a period
    assert abs(data["width"] - 2 * regime.radius * 3) <= 2
    code, _, err = cli("params", "--dim", "16", "--activation", "pl:0=0,1=1")
    assert code == 2 and err.count("\n") == 0 and "--activation = 'pl:0=0,1=1'" in err


def test_cli_learn_on_a_spec_network_end_to_end(cli):
    code, out, err = cli("learn", "--learner", "oracle", "--dim", "6", "--freq", "1.0",
                         "--radius", "4", "--samples", "200", "--test-samples", "1000",
                         "--activation", "pl:0=0, 0.25=0.5, 0.5=0.25", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["activation"] == THREE and data["target"] == "network"
    assert data["width"] == 2 + parse_activation(THREE).kinks_in(-4, 4)[0].size
    assert data["advantage"] == pytest.approx(1.0, abs=1e-12)
    code, _, err = cli("learn", "--learner", "mean", "--activation", "cosine")
    assert code == 2 and "cosine-interpolant:Q" in err


def test_cli_help_teaches_the_syntax(cli):
    for command in ("params", "learn", "distinguish"):
        code, out, _ = cli(command, "--help")
        assert code == 0
        text = " ".join(out.split())
        assert "pl:B=V" in text and "tent:P" in text and "cosine-interpolant:Q" in text


def test_the_uniform_moments_of_a_spec_match_quadrature():
    act = parse_activation(THREE)
    t = (np.arange(1 << 16) + 0.5) / (1 << 16)
    assert act.uniform_mean == pytest.approx(float(np.mean(act(t))), abs=1e-9)
    assert act.uniform_variance == pytest.approx(float(np.var(act(t))), abs=1e-9)
    assert act.lipschitz == 2.0 and not math.isnan(act.gaussian_variance(1.0))


def test_lattice_pl_distinguishes_through_the_reduction_at_small_noise():
    """The distinguisher tells lattice-pl the activation and the label noise (reduction.py)."""
    from hardlearn.reduction import estimate_advantage

    est = estimate_advantage("lattice-pl", dim=4, gamma=4.0, beta=2.0**-24, noise_std=2.0**-20,
                             eps=0.005, samples=200, trials=2, activation=THREE, rng=0)
    assert est.p_clwe_given_clwe == 1.0 and est.p_clwe_given_null == 0.0
