"""TorchRegressor: MLPRegressor's recipe over any module, the four forms of ``module``, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from hardlearn.errors import ParameterError
from hardlearn.learners import MLPRegressor, TorchRegressor, make_learner
from hardlearn.learners.mlp import forward, init_parameters


def small(dim):
    """A picklable factory without a generator: torch's default initialisation."""
    return torch.nn.Sequential(torch.nn.Linear(dim, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))


def deep(dim, generator=None):
    """A deeper network with another activation, initialised from the learner's generator."""
    layers, width = [], dim
    for out in (32, 32):
        lin = torch.nn.Linear(width, out)
        torch.nn.init.normal_(lin.weight, std=1 / np.sqrt(width), generator=generator)
        torch.nn.init.zeros_(lin.bias)
        layers += [lin, torch.nn.GELU()]
        width = out
    layers.append(torch.nn.Linear(width, 1))
    return torch.nn.Sequential(*layers)


class Recipe(torch.nn.Module):
    """MLPRegressor's network written as a user module (same parameters, same forward)."""

    def __init__(self, dim, width, generator, bias):
        super().__init__()
        p = init_parameters(dim, width, generator=generator, output_bias=bias, dtype="float64",
                            output_scale=0.5)
        for name in ("W1", "b1", "w2", "b2"):
            self.register_parameter(name, torch.nn.Parameter(p[name].detach()))

    def forward(self, X):
        return forward({"W1": self.W1, "b1": self.b1, "w2": self.w2, "b2": self.b2}, X)


def _data(n=300, d=4, seed=0):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X, np.abs(X[:, 0]) + 0.1 * X[:, 1]


@parametrize_with_checks([TorchRegressor(module=small, steps=200, lr=1e-2, device="cpu")])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_a_custom_module_of_the_mlp_architecture_trains_the_mlp_weights_bit_for_bit():
    X, y = _data()
    bias = float(np.mean(y))
    kw = dict(steps=37, batch_size=32, lr=1e-2, early_stopping=False, eval_every=10,
              device="cpu", random_state=7)
    mlp = MLPRegressor(width=8, output_scale=0.5, **kw).fit(X, y)
    net = TorchRegressor(lambda dim, generator: Recipe(dim, 8, generator, bias), **kw).fit(X, y)
    for name in ("W1", "b1", "w2", "b2"):
        np.testing.assert_array_equal(getattr(net.module_, name).detach().numpy(),
                                      getattr(mlp, name + "_"))
    np.testing.assert_allclose(net.predict(X), mlp.predict(X), rtol=1e-5, atol=1e-6)
    assert net.loss_curve_ == mlp.loss_curve_ and net.n_steps_ == mlp.n_steps_ == 37


def test_the_default_module_is_mlpregressors_default_network_with_early_stopping():
    X, y = _data(n=400)
    kw = dict(steps=120, batch_size=64, lr=1e-2, eval_every=20, patience=2, device="cpu",
              random_state=3)
    mlp = MLPRegressor(**kw).fit(X, y)
    net = TorchRegressor(**kw).fit(X, y)
    np.testing.assert_array_equal(net.module_.W1.detach().numpy(), mlp.W1_)
    assert net.validation_curve_ == mlp.validation_curve_
    assert (net.best_step_, net.stopped_reason_) == (mlp.best_step_, mlp.stopped_reason_)


def test_seeds_decide_the_weights_and_torch_global_state_is_untouched():
    X, y = _data()
    before = torch.random.get_rng_state()
    a = TorchRegressor(small, steps=30, device="cpu", random_state=1).fit(X, y)
    assert torch.equal(torch.random.get_rng_state(), before)
    b = TorchRegressor(small, steps=30, device="cpu", random_state=1).fit(X, y)
    c = TorchRegressor(small, steps=30, device="cpu", random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert not np.array_equal(a.predict(X), c.predict(X))
    d = TorchRegressor(deep, steps=30, device="cpu", random_state=1).fit(X, y)
    e = TorchRegressor(deep, steps=30, device="cpu", random_state=1).fit(X, y)
    np.testing.assert_array_equal(d.predict(X), e.predict(X))


def test_an_instance_is_copied_and_never_trained_in_place():
    X, y = _data()
    start = small(4)
    w0 = start[0].weight.detach().clone()
    est = TorchRegressor(start, steps=40, lr=1e-2, device="cpu").fit(X, y)
    assert torch.equal(start[0].weight, w0)
    assert not torch.equal(est.module_[0].weight, w0)


def test_a_named_factory_works_through_make_learner_and_a_pipeline():
    X, y = _data()
    est = make_learner("hardlearn.learners:TorchRegressor",
                       {"module": "test_torch_module:deep", "steps": 60, "lr": 1e-2,
                        "device": "cpu"})
    est.fit(X, y)
    assert len(est.module_) == 5 and est.score(X, y) > 0.3
    pipe = make_pipeline(StandardScaler(), TorchRegressor(small, steps=60, lr=1e-2,
                                                          device="cpu"))
    assert pipe.fit(X, y).predict(X[:5]).shape == (5,)


def test_budgets_time_and_early_stopping():
    X, y = _data()
    with pytest.warns(ConvergenceWarning, match="time budget"):
        est = TorchRegressor(small, steps=10**6, max_seconds=0.05, device="cpu").fit(X, y)
    assert est.stopped_reason_ == "time" and est.n_steps_ < 10**6
    noise = np.random.default_rng(9).standard_normal(300)
    est = TorchRegressor(small, steps=5000, lr=1e-2, eval_every=10, patience=3,
                         device="cpu").fit(X, noise)
    assert est.stopped_reason_ == "early_stopping"
    assert min(est.validation_curve_) == est.validation_curve_[est.best_step_ // 10]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"module": 5}, "TorchRegressor.module must be None, a torch.nn.Module"),
        ({"module": "nope"}, "must look like 'pkg.module:factory'; got 'nope'"),
        ({"module": "no_such_pkg_xyz:f"}, "'no_such_pkg_xyz:f' cannot be imported"),
        ({"module": lambda dim: "a string"}, "returned str"),
        ({"module": lambda dim: torch.nn.Linear(dim, 3)}, r"one number per row.*\(\d+, 3\)"),
        ({"lr": -1.0}, "TorchRegressor.lr"),
        ({"steps": 5, "epochs": 2}, "exclusive"),
        ({"device": "tpu"}, "TorchRegressor.device"),
    ],
)
def test_bad_input_is_one_line_naming_the_parameter(kwargs, match):
    X, y = _data()
    with pytest.raises(ParameterError, match=match) as info:
        TorchRegressor(**{"steps": 5, "device": "cpu", **kwargs}).fit(X, y)
    assert "\n" not in str(info.value)


def test_bagging_reseeds_members_through_random_state():
    from sklearn.ensemble import BaggingRegressor

    X, y = _data()
    bag = BaggingRegressor(TorchRegressor(small, steps=20, device="cpu"), n_estimators=2,
                           bootstrap=False, random_state=0).fit(X, y)
    a, b = (m.predict(X) for m in bag.estimators_)
    assert {m.random_state for m in bag.estimators_} != {None} and not np.array_equal(a, b)
