"""Learners: scikit-learn's estimator checks, the MLP's documented recipe, and clear errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from hardlearn.errors import ParameterError
from hardlearn.learners import (
    LEARNERS,
    KernelRidgeRegressor,
    LatticeRegressor,
    MeanRegressor,
    MLPRegressor,
    OracleRegressor,
    RandomFeaturesRegressor,
    RidgeRegressor,
    make_learner,
)
from hardlearn.learners.classical import arccos_kernel
from hardlearn.learners.mlp import (
    epoch_batches,
    init_parameters,
    make_optimizer,
    train_step,
)


def sum_target(X):
    """A picklable, dimension-free target for the oracle's estimator checks."""
    return np.asarray(X).sum(axis=1)


@parametrize_with_checks(
    [
        MeanRegressor(),
        OracleRegressor(target=sum_target),
        RidgeRegressor(),
        RidgeRegressor(degree=2),
        KernelRidgeRegressor(),
        KernelRidgeRegressor(kernel="arccos"),
        RandomFeaturesRegressor(n_components=50),
        RandomFeaturesRegressor(n_components=50, features="rbf"),
        MLPRegressor(width=32, steps=200, lr=1e-2, device="cpu"),
        # nothing is recovered on the checks' generic data: the fallback (the training mean)
        LatticeRegressor(time_limit=None),
        LatticeRegressor(labels="triangle", time_limit=None),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _data(n=300, d=3, seed=0):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X, np.abs(X[:, 0])


def test_mlp_same_seed_same_weights_and_different_seed_differs():
    X, y = _data()
    kw = dict(width=16, steps=60, batch_size=32, device="cpu")
    a = MLPRegressor(rng=5, **kw).fit(X, y)
    b = MLPRegressor(rng=5, **kw).fit(X, y)
    c = MLPRegressor(rng=6, **kw).fit(X, y)
    for name in ("W1_", "b1_", "w2_", "b2_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.W1_, c.W1_)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_mlp_follows_the_documented_recipe_exactly(early_stopping):
    """Re-implement the module recipe by hand; the weights must agree bit for bit."""
    from hardlearn._rng import draw_seed

    X, y = _data(n=200, d=4)
    est = MLPRegressor(
        width=8, steps=23, batch_size=32, lr=1e-2, early_stopping=early_stopping,
        eval_every=1000, device="cpu", rng=11, output_scale=0.5,
    ).fit(X, y)
    g = torch.Generator().manual_seed(draw_seed(np.random.default_rng(11)))
    Xn, yn = X, y
    if early_stopping:
        perm = torch.randperm(200, generator=g).numpy()
        Xn, yn = X[perm[20:]], y[perm[20:]]
    params = init_parameters(4, 8, generator=g, init_scale=1.0, output_scale=0.5,
                             output_bias=float(np.mean(yn)))
    opt = make_optimizer(params, "adam", lr=1e-2)
    Xt = torch.tensor(Xn, dtype=torch.float32)
    yt = torch.tensor(yn, dtype=torch.float32)
    step = 0
    while step < 23:
        for idx in epoch_batches(len(yn), 32, g):
            train_step(params, opt, Xt[idx], yt[idx])
            step += 1
            if step == 23:
                break
    if early_stopping and est.best_step_ == 0:
        pytest.skip("early stopping kept the initial network; nothing to compare")
    np.testing.assert_array_equal(est.W1_, params["W1"].detach().numpy())
    np.testing.assert_array_equal(est.w2_, params["w2"].detach().numpy())
    np.testing.assert_array_equal(est.b2_, params["b2"].detach().numpy())


def test_mlp_starts_at_the_constant_predictor_and_early_stopping_can_keep_it():
    p = init_parameters(3, 5, generator=torch.Generator().manual_seed(0), output_bias=0.7)
    from hardlearn.learners.mlp import forward

    out = forward(p, torch.randn(4, 3, generator=torch.Generator().manual_seed(1)))
    np.testing.assert_allclose(out.detach().numpy(), 0.7)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 8))
    y = rng.standard_normal(3000)  # labels independent of X: nothing to learn
    est = MLPRegressor(width=64, steps=2000, lr=1e-2, eval_every=20, patience=5,
                       device="cpu").fit(X, y)
    X_new = rng.standard_normal((1000, 8))
    assert est.stopped_reason_ == "early_stopping"
    # The kept network adds little variance to the constant (labels have variance 1) ...
    assert np.var(est.predict(X_new)) < 0.05
    # ... while training to the end fits the noise.
    full = MLPRegressor(width=64, steps=2000, lr=1e-2, early_stopping=False,
                        device="cpu").fit(X, y)
    assert np.var(full.predict(X_new)) > 2 * np.var(est.predict(X_new))


def test_mlp_time_budget_stops_training():
    X, y = _data(n=2000)
    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="time budget"):
        est = MLPRegressor(width=16, steps=10**7, max_seconds=0.2, device="cpu").fit(X, y)
    assert est.stopped_reason_ == "time"
    assert est.n_steps_ < 10**7


def test_mlp_learns_an_easy_target():
    X, y = _data(n=2000, d=2)
    est = MLPRegressor(width=32, steps=800, lr=1e-2, device="cpu").fit(X, y)
    assert np.mean((est.predict(X) - y) ** 2) < 0.05 * np.var(y)


def test_mlp_epochs_and_steps():
    X, y = _data(n=100)
    est = MLPRegressor(width=4, epochs=3, batch_size=30, early_stopping=False,
                       device="cpu").fit(X, y)
    assert est.n_steps_ == 3 * 4
    with pytest.raises(ParameterError, match="exclusive"):
        MLPRegressor(steps=3, epochs=3).fit(X, y)


def test_mlp_cuda_without_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ParameterError, match="cuda"):
        MLPRegressor(device="cuda", steps=1).fit(*_data(n=10))


def test_arccos_kernel_is_the_relu_expectation():
    rng = np.random.default_rng(1)
    x, z = rng.standard_normal((1, 3)), rng.standard_normal((1, 3))
    u = np.append(x / np.sqrt(3), 1.0)
    v = np.append(z / np.sqrt(3), 1.0)
    g = rng.standard_normal((400_000, 4))
    mc = np.maximum(g @ u, 0) * np.maximum(g @ v, 0)
    k = arccos_kernel(x, z)[0, 0]
    assert abs(mc.mean() - k) < 5 * mc.std() / np.sqrt(len(mc))


def test_classical_learners_fit_an_easy_target():
    X, y = _data(n=600, d=2)
    Xt, yt = _data(n=500, d=2, seed=1)
    for est in (RidgeRegressor(degree=4, alpha=1e-3), KernelRidgeRegressor(alpha=1e-2),
                KernelRidgeRegressor(kernel="arccos", alpha=1e-3),
                RandomFeaturesRegressor(n_components=300, rng=0),
                RandomFeaturesRegressor(n_components=300, features="rbf", gamma=0.5, rng=0)):
        mse = np.mean((est.fit(X, y).predict(Xt) - yt) ** 2)
        assert mse < 0.2 * np.var(yt), type(est).__name__


def test_kernel_ridge_caps_its_training_rows():
    X, y = _data(n=300)
    with pytest.warns(UserWarning, match="first 100 of its 300 rows"):
        est = KernelRidgeRegressor(max_samples=100).fit(X, y)
    assert est.n_train_used_ == 100


def test_ridge_refuses_huge_polynomial_expansions():
    X = np.zeros((3, 40))
    with pytest.raises(ParameterError, match="degree"):
        RidgeRegressor(degree=5).fit(X, np.zeros(3))


def test_registry_names_and_params():
    assert {"mean", "oracle", "ridge", "kernel", "rf", "mlp"} <= set(LEARNERS)
    assert make_learner("mlp", {"width": 8, "lr": 0.1}).get_params()["lr"] == 0.1
    assert make_learner("oracle", target=sum_target).target is sum_target
    assert isinstance(make_learner("ridge"), RidgeRegressor)


@pytest.mark.parametrize(
    "name, params, match",
    [
        ("svm", None, r"learner must be one of .*'mlp'.*got 'svm'"),
        ("mlp", {"widht": 3}, r"learner 'mlp' has no parameter 'widht'; valid parameters: .*width"),
        ("mlp", {"width": 0}, r"learner 'mlp': MLPRegressor.width must be an integer >= 1; got 0"),
        ("mlp", {"optimizer": "rmsprop"}, r"optimizer must be one of 'adam', 'sgd'"),
        ("mlp", {"lr": -1.0}, r"MLPRegressor.lr must satisfy 0 < .*; got -1.0"),
        ("kernel", {"kernel": "poly"}, r"kernel must be one of 'rbf', 'arccos'"),
        ("rf", {"rng": -3}, r"rng must be a non-negative int seed"),
        ("oracle", None, r"needs the target"),
    ],
)
def test_registry_errors_name_learner_parameter_and_rule(name, params, match):
    with pytest.raises(ParameterError, match=match):
        make_learner(name, params)


@pytest.mark.parametrize("est", [MeanRegressor(), RidgeRegressor(),
                                 MLPRegressor(steps=2, device="cpu")])
def test_bad_input_is_a_clear_error(est):
    X, y = _data(n=20)
    y_nan = y.copy()
    y_nan[3] = np.nan
    name = type(est).__name__
    with pytest.raises(ParameterError, match=rf"{name}.fit: Input y contains NaN"):
        est.fit(X, y_nan)
    with pytest.raises(ParameterError, match=rf"{name}.fit: .*inconsistent numbers of samples"):
        est.fit(X, y[:-1])
    with pytest.raises(ParameterError, match=r"y should be a 1d array"):
        est.fit(X, np.stack([y, y], axis=1))
    est.fit(X, y)
    with pytest.raises(ParameterError, match=rf"{name}.predict: X has 2 features, but"):
        est.predict(X[:, :2])


def test_oracle_checks_the_target_dimension():
    from hardlearn import PeriodicNeuron

    f = PeriodicNeuron([1.0, 0.0, 0.0], freq=1.0)
    with pytest.raises(ParameterError, match="3 columns"):
        OracleRegressor(f).fit(np.zeros((4, 2)), np.zeros(4))


def test_importing_hardlearn_does_not_import_torch():
    code = "import sys, hardlearn, hardlearn.metrics; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
