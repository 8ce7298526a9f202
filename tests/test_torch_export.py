"""Torch modules as PyTorch users expect: picklable, torch.save-able, devices by name."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hardlearn import capped_periodic_network  # noqa: E402
from hardlearn.errors import ParameterError  # noqa: E402
from hardlearn.learners.mlp import MLPRegressor, check_device, resolve_device  # noqa: E402
from hardlearn.problems.network import TorchOneHiddenLayerReLU  # noqa: E402


def _network():
    return capped_periodic_network([0.6, 0.8], freq=1.5, radius=2)


def test_network_module_pickles_and_torch_saves():
    net = _network()
    module = net.to_torch()
    assert type(module) is TorchOneHiddenLayerReLU
    x = torch.tensor(np.random.default_rng(0).normal(size=(16, 2)))
    again = pickle.loads(pickle.dumps(module))
    assert torch.equal(again(x), module(x))
    buffer = io.BytesIO()
    torch.save(module, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    assert torch.equal(loaded(x), module(x))
    np.testing.assert_allclose(module(x).detach().numpy(), net(x.numpy()), rtol=1e-12, atol=1e-14)


def test_mlp_regressor_exports_its_trained_network():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(128, 3)), rng.normal(size=128)
    est = MLPRegressor(width=8, steps=20, random_state=0).fit(X, y)
    module = est.to_torch()
    out = module(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(out, est.predict(X), rtol=1e-10, atol=1e-12)
    state = pickle.loads(pickle.dumps(module)).state_dict()
    np.testing.assert_array_equal(state["hidden.weight"].numpy(), est.W1_.astype(np.float64))


def test_devices_by_name_and_torch_device():
    assert check_device("device", torch.device("cpu")) == "cpu"
    assert check_device("device", "cuda:1") == "cuda:1"
    assert resolve_device(torch.device("cpu")) == "cpu"
    for bad in ("gpu", "cuda:x", "cpu:0", 3):
        with pytest.raises(ParameterError, match="device"):
            check_device("device", bad)
    if torch.cuda.device_count() < 2:
        with pytest.raises(ParameterError, match="cuda:1"):
            resolve_device("cuda:1")
    X = np.random.default_rng(2).normal(size=(32, 2))
    est = MLPRegressor(width=4, steps=3, device=torch.device("cpu"), random_state=0)
    assert est.fit(X, X[:, 0]).device_ == "cpu"


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fused_adam_fallback_gives_the_same_numbers(dtype):
    from hardlearn.learners._batched_core import FlatOptimizer, fused_adam_kernel

    gen = torch.Generator().manual_seed(0)
    start = torch.randn(4, 50, generator=gen, dtype=dtype)
    grads = [torch.randn(4, 50, generator=gen, dtype=dtype) for _ in range(6)]
    hyper = {"lr": np.full(4, 1e-2), "weight_decay": np.full(4, 1e-3), "momentum": np.zeros(4)}
    results = []
    for use_kernel in (True, False):
        theta = start.clone()
        opt = FlatOptimizer("adam", theta, hyper, dtype, "cpu", use_kernel=use_kernel)
        assert opt.fused
        assert (opt.public_adam is None) == (use_kernel and fused_adam_kernel() is not None)
        for g in grads:
            opt.step(theta, g.clone())
        results.append(theta)
    assert not torch.equal(results[0], start)
    torch.testing.assert_close(results[0], results[1], rtol=0, atol=0)


def test_fused_adam_capability_check_falls_back_when_the_kernel_is_gone(monkeypatch):
    from hardlearn.learners import _batched_core

    assert _batched_core.fused_adam_kernel() is getattr(torch, "_fused_adam_", None)
    # A torch without the private name (public Adam(fused=True) still has its kernel).
    monkeypatch.setattr(_batched_core, "fused_adam_kernel", lambda: None)
    theta = torch.zeros(2, 3, dtype=torch.float64)
    hyper = {"lr": np.full(2, 0.1), "weight_decay": np.zeros(2), "momentum": np.zeros(2)}
    opt = _batched_core.FlatOptimizer("adam", theta, hyper, torch.float64, "cpu")
    assert opt.public_adam is not None
    opt.step(theta, torch.ones(2, 3, dtype=torch.float64))
    torch.testing.assert_close(theta, torch.full((2, 3), -0.1, dtype=torch.float64))


def test_time_budget_stop_is_a_convergence_warning():
    from sklearn.exceptions import ConvergenceWarning

    X = np.random.default_rng(3).normal(size=(64, 2))
    est = MLPRegressor(width=4, steps=10_000, max_seconds=1e-9, early_stopping=False,
                       random_state=0)
    with pytest.warns(ConvergenceWarning, match="time budget"):
        est.fit(X, X[:, 0])
    assert est.stopped_reason_ == "time"


def test_kernel_ridge_on_a_subset_warns():
    import warnings

    from hardlearn.learners import KernelRidgeRegressor

    X = np.random.default_rng(4).normal(size=(50, 2))
    with pytest.warns(UserWarning, match="first 20 of its 50 rows"):
        KernelRidgeRegressor(max_samples=20).fit(X, X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KernelRidgeRegressor(max_samples=50).fit(X, X[:, 0])
