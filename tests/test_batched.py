"""BatchedMLP: each network of a batch == MLPRegressor alone (same seed, same data)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hardlearn import NoisyRegression, PeriodicNeuron
from hardlearn.errors import ParameterError
from hardlearn.learners import BatchedMLP, MeanRegressor, MLPRegressor, evaluate_learners_batched
from hardlearn.learners.batched import plan_chunks
from hardlearn.learners.batched_eval import batch_key
from hardlearn.metrics import evaluate_learner

B, N, D = 4, 160, 5
LRS = [1e-2, 3e-3, 2e-2, 5e-3]
WDS = [0.0, 1e-3, 0.0, 1e-2]



@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((B, N, D))
    y = np.sin(2 * X[..., 0]) + np.maximum(X[..., 1], 0) + 0.1 * rng.standard_normal((B, N))
    return X, y


def alone(X, y, i, **kw):
    return MLPRegressor(**kw, rng=100 + i).fit(X[i], y[i])


def batched(X, y, **kw):
    return BatchedMLP(**kw, rng=[100 + i for i in range(X.shape[0])]).fit(X, y)


def assert_same(est, regs, atol, rtol=1e-4):
    for i, reg in enumerate(regs):
        for name in ("W1_", "b1_", "w2_"):
            np.testing.assert_allclose(getattr(est, name)[i], getattr(reg, name), atol=atol,
                                       err_msg=f"network {i} {name}")
        np.testing.assert_allclose(est.b2_[i], reg.b2_, atol=atol)
        assert est.n_steps_[i] == reg.n_steps_
        assert est.stopped_reason_[i] == reg.stopped_reason_
        assert est.best_step_[i] == reg.best_step_
        np.testing.assert_allclose(est.loss_curve_[i], reg.loss_curve_, rtol=rtol)
        np.testing.assert_allclose(est.validation_curve_[i], reg.validation_curve_, rtol=rtol)
        assert est.n_epochs_[i] == pytest.approx(reg.n_epochs_)


# Float64 agrees to rounding, float32 to ~1e-6 (rows are summed in MLPRegressor's order; see
# the module docstring for the output_scale=0 case where row blocks would break this).
@pytest.mark.parametrize(
    "optimizer, batch_size, dtype, output_scale, atol",
    [
        ("adam", 32, "float64", 0.0, 1e-9),
        ("adam", 1000, "float64", 0.0, 1e-8),
        ("adam", 32, "float32", 0.0, 1e-5),
        ("adam", 1000, "float32", 1.0, 1e-5),
        ("adam", 1000, "float32", 0.0, 1e-5),
        ("sgd", 32, "float64", 1.0, 1e-10),
        ("sgd", 1000, "float32", 1.0, 1e-5),
    ],
)
def test_each_network_equals_mlpregressor_alone(data, optimizer, batch_size, dtype,
                                                output_scale, atol):
    X, y = data
    momentum = [0.0, 0.5, 0.9, 0.0] if optimizer == "sgd" else 0.0
    lrs = LRS if optimizer == "adam" else [5e-3, 1e-2, 2e-3, 5e-3]
    common = dict(width=12, optimizer=optimizer, steps=30, batch_size=batch_size,
                  early_stopping=False, output_scale=output_scale, dtype=dtype,
                  device="cpu", eval_every=7)
    est = batched(X, y, **common, lr=lrs, weight_decay=WDS, momentum=momentum, chunk_size=3)
    regs = [
        alone(X, y, i, **common, lr=lrs[i], weight_decay=WDS[i],
              momentum=momentum[i] if isinstance(momentum, list) else 0.0)
        for i in range(B)
    ]
    assert_same(est, regs, atol)
    assert est.W1_.dtype == np.dtype(dtype)


@pytest.mark.parametrize(
    "dtype, batch_size, block_bytes, atol",
    [("float64", 32, None, 1e-9), ("float32", 1000, None, 1e-5),
     ("float64", 1000, 12 * 40 * 8, 1e-9)],  # the last one cuts each step into row blocks
)
def test_shared_adam_hyperparameters_take_the_fused_kernel(data, monkeypatch, dtype,
                                                           batch_size, block_bytes, atol):
    # One lr and one weight decay for the whole batch: torch's fused Adam, one rounding
    # away from the single-tensor formulas MLPRegressor's optimiser runs.
    calls = []
    real_kernel = torch._fused_adam_

    def spy(*args, **kwargs):
        calls.append(kwargs["lr"])
        return real_kernel(*args, **kwargs)

    X, y = data
    common = dict(width=12, steps=30, batch_size=batch_size, early_stopping=False,
                  output_scale=1.0, dtype=dtype, device="cpu", eval_every=7, lr=1e-2,
                  weight_decay=1e-3)
    monkeypatch.setattr(torch, "_fused_adam_", spy)
    est = batched(X, y, **common, block_bytes=block_bytes)
    assert calls == [1e-2] * (30 * est.chunking_["n_chunks"])  # every step of every chunk
    monkeypatch.undo()
    if block_bytes is not None:
        assert est.chunking_["row_blocks"] > 1
    assert_same(est, [alone(X, y, i, **common) for i in range(B)], atol)


def test_early_stopping_is_per_network(data):
    X, y = data
    common = dict(width=12, steps=60, batch_size=32, early_stopping=True, eval_every=5,
                  patience=2, dtype="float64", device="cpu")
    est = batched(X, y, **common, lr=[1e-2, 1e-3, 5e-2, 2e-2])
    regs = [alone(X, y, i, **common, lr=lr) for i, lr in enumerate([1e-2, 1e-3, 5e-2, 2e-2])]
    assert_same(est, regs, atol=1e-9)
    assert len(set(est.n_steps_.tolist())) > 1  # networks stopped at different steps
    assert "early_stopping" in est.stopped_reason_


def test_results_do_not_depend_on_the_chunking(data):
    X, y = data
    common = dict(width=16, steps=25, early_stopping=True, eval_every=5, dtype="float64",
                  device="cpu", lr=LRS)
    for batch_size in (32, 1000):
        runs = [
            batched(X, y, **common, batch_size=batch_size, chunk_size=c, block_bytes=bb)
            for c, bb in ((None, None), (1, None), (B, None), (3, 16 * 8 * 8), (2, 16 * 50 * 8))
        ]
        plans = {(r.chunking_["chunk_size"], r.chunking_["block_rows"]) for r in runs}
        assert len(plans) >= 4  # the chunks and row blocks really differ
        for r in runs[1:]:
            for name in ("W1_", "b1_", "w2_", "b2_"):
                np.testing.assert_allclose(getattr(r, name), getattr(runs[0], name),
                                           atol=1e-11)
            assert r.n_steps_.tolist() == runs[0].n_steps_.tolist()


def test_epochs_budget_and_time_budget(data):
    X, y = data
    est = batched(X, y, width=8, epochs=3, batch_size=50, early_stopping=False, device="cpu")
    reg = alone(X, y, 0, width=8, epochs=3, batch_size=50, early_stopping=False, device="cpu")
    assert est.n_steps_.tolist() == [reg.n_steps_] * B == [12] * B
    timed = batched(X, y, width=8, steps=10**6, batch_size=16, max_seconds=0.05,
                    early_stopping=False, device="cpu", chunk_size=2)
    assert timed.stopped_reason_ == ["time"] * B
    assert all(0 < s < 10**6 for s in timed.n_steps_)
    assert timed.chunking_["n_chunks"] == 2
    assert len(timed.loss_curve_[0]) >= 1


def test_predict_and_to_regressors(data):
    X, y = data
    est = batched(X, y, width=8, steps=5, device="cpu")
    regs = est.to_regressors()
    pred = est.predict(X[:, :7])
    assert pred.shape == (B, 7)
    for i, reg in enumerate(regs):
        np.testing.assert_array_equal(reg.predict(X[i, :7]), pred[i])
        assert reg.fit_summary()["steps"] == 5
        assert reg.lr == pytest.approx(1e-3)
    shared = est.predict(X[0, :3])
    assert shared.shape == (B, 3)
    assert est.network_seconds_.sum() == pytest.approx(est.fit_seconds_)


def test_from_regressors_and_batch_key():
    nets = [MLPRegressor(width=4, lr=lr, rng=i) for i, lr in enumerate([1e-2, 1e-3])]
    bat = BatchedMLP.from_regressors(nets, chunk_size=1)
    assert bat.lr == [1e-2, 1e-3] and bat.rng == [0, 1] and bat.chunk_size == 1
    with pytest.raises(ParameterError, match="width"):
        BatchedMLP.from_regressors([MLPRegressor(width=4), MLPRegressor(width=8)])
    with pytest.raises(ParameterError, match="MLPRegressor"):
        BatchedMLP.from_regressors([MLPRegressor(), MeanRegressor()])
    problem = NoisyRegression(PeriodicNeuron([1.0, 0.0], freq=1.0), noise_std=0.1)
    assert batch_key(MeanRegressor(), problem, train_samples=10) is None
    key = batch_key(MLPRegressor(lr=0.1, weight_decay=1.0), problem, train_samples=10)
    assert key == batch_key(MLPRegressor(rng=5), problem, train_samples=10)
    assert key != batch_key(MLPRegressor(), problem, train_samples=11)


@pytest.mark.parametrize(
    "kwargs, X_shape, y_shape, match",
    [
        ({}, (B, N), (B, N), "shape"),
        ({}, (B, N, D), (B, N + 1), "y must have shape"),
        ({"lr": [1e-3] * 3}, (B, N, D), (B, N), "one number per network"),
        ({"lr": -1.0}, (B, N, D), (B, N), "BatchedMLP.lr"),
        ({"weight_decay": [0, 0, -1, 0]}, (B, N, D), (B, N), r"weight_decay\[2\]"),
        ({"rng": [0, 1]}, (B, N, D), (B, N), "one seed per network"),
        ({"rng": [0, 1, 2, "x"]}, (B, N, D), (B, N), r"rng\[3\]"),
        ({"optimizer": "rmsprop"}, (B, N, D), (B, N), "optimizer"),
        ({"steps": 3, "epochs": 2}, (B, N, D), (B, N), "exclusive"),
        ({"chunk_size": 0}, (B, N, D), (B, N), "chunk_size"),
        ({"momentum": 1.0}, (B, N, D), (B, N), "momentum"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, X_shape, y_shape, match):
    params = dict(width=4, steps=2, device="cpu") | kwargs
    with pytest.raises(ParameterError, match=match):
        BatchedMLP(**params).fit(np.zeros(X_shape), np.zeros(y_shape))


def test_non_finite_data_and_missing_gpu_are_clear_errors():
    X = np.zeros((2, 5, 3))
    X[1, 2, 0] = np.nan
    with pytest.raises(ParameterError, match="finite"):
        BatchedMLP(steps=1, device="cpu").fit(X, np.zeros((2, 5)))
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match="cuda"):
            BatchedMLP(steps=1, device="cuda").fit(np.zeros((2, 5, 3)), np.zeros((2, 5)))


def test_plan_chunks_rules():
    cpu = plan_chunks(64, n_train=10_000, dim=32, width=256, batch=256, block_bytes=4 << 20)
    assert (cpu["chunk_size"], cpu["block_rows"], cpu["n_chunks"]) == (16, 256, 4)
    full = plan_chunks(64, n_train=10_000, dim=32, width=256, batch=10_000,
                       block_bytes=4 << 20)
    assert (full["chunk_size"], full["block_rows"], full["row_blocks"]) == (1, 4096, 3)
    gpu = plan_chunks(4096, n_train=4096, dim=32, width=256, batch=256, device="cuda",
                      free_bytes=80 << 30)
    assert gpu["chunk_size"] == 4096 and gpu["max_networks"] > 4096
    small = plan_chunks(4096, n_train=4096, dim=32, width=256, batch=256, device="cuda",
                        free_bytes=1 << 30)
    assert small["n_chunks"] > 1
    assert small["chunk_size"] * small["bytes_per_network"] <= 0.7 * (1 << 30)
    with pytest.raises(ParameterError, match="CUDA memory"):
        plan_chunks(2, n_train=10**6, dim=32, width=256, batch=256, device="cuda",
                    free_bytes=1 << 20)


def test_evaluate_learners_batched_matches_evaluate_learner():
    problems = [
        NoisyRegression(PeriodicNeuron([1.0, 0.0, 0.0], freq=f), noise_std=0.1)
        for f in (0.5, 1.0, 1.5)
    ]
    nets = [MLPRegressor(width=8, steps=20, lr=lr, dtype="float64", device="cpu")
            for lr in (1e-2, 3e-3, 1e-2)]
    rngs = [np.random.default_rng(s) for s in (1, 2, 3)]
    twins = [np.random.default_rng(s) for s in (1, 2, 3)]
    out = evaluate_learners_batched(nets, problems, train_samples=64, test_samples=200,
                                    rngs=rngs)
    for i in range(3):
        ref = evaluate_learner(nets[i], problems[i], train_samples=64, test_samples=200,
                               rng=twins[i])
        assert set(out[i]) == set(ref) | {"fit_batch_networks"}
        assert out[i]["fit_batch_networks"] == 3
        for key, value in ref.items():
            if key in ("seconds", "fit_train_seconds"):
                continue
            if isinstance(value, float):
                assert out[i][key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
            elif isinstance(value, tuple):
                np.testing.assert_allclose(out[i][key], value, rtol=1e-9)
            else:
                assert out[i][key] == value, key
        # the caller's generators end in the same state as with evaluate_learner
        assert rngs[i].random() == twins[i].random()


def test_evaluate_learners_batched_keeps_other_trials_when_one_fails():
    problem = NoisyRegression(PeriodicNeuron([1.0, 0.0], freq=1.0), noise_std=0.1)
    nets = [MLPRegressor(width=8, steps=30, optimizer="sgd", lr=lr, output_scale=1.0,
                         early_stopping=False, device="cpu") for lr in (1e-2, 1e9)]
    out = evaluate_learners_batched(nets, [problem, problem], train_samples=64,
                                    test_samples=50, rngs=[0, 1], return_exceptions=True)
    assert isinstance(out[0], dict) and isinstance(out[1], ParameterError)
    with pytest.raises(ParameterError, match="finite"):
        evaluate_learners_batched(nets, [problem, problem], train_samples=64,
                                  test_samples=50, rngs=[0, 1])
    with pytest.raises(ParameterError, match="batch_key"):
        evaluate_learners_batched([nets[0], MLPRegressor(width=4)], [problem, problem],
                                  train_samples=64, test_samples=50, rngs=[0, 1])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("lr", [LRS, 1e-2])  # per-network formulas; shared: fused kernel
def test_cuda_equals_cpu(data, lr):
    X, y = data
    common = dict(width=12, steps=30, batch_size=32, dtype="float64", lr=lr, eval_every=5)
    cpu = batched(X, y, **common, device="cpu")
    gpu = batched(X, y, **common, device="cuda")
    assert gpu.device_ == "cuda" and gpu.chunking_["device"] == "cuda"
    for name in ("W1_", "b1_", "w2_", "b2_"):
        np.testing.assert_allclose(getattr(gpu, name), getattr(cpu, name), atol=1e-9)
    reg = alone(X, y, 1, width=12, steps=30, batch_size=32, dtype="float64",
                lr=lr[1] if isinstance(lr, list) else lr, eval_every=5, device="cuda")
    np.testing.assert_allclose(gpu.W1_[1], reg.W1_, atol=1e-9)


def test_cuda_permutation_prefetch_keeps_each_generators_order():
    """The threaded prefetch used on CUDA, run on CPU tensors: same permutations, in order."""
    from hardlearn.learners._batched_core import EpochPermutations

    class OnCPU(EpochPermutations):
        def _draw(self, gens):
            return torch.stack([torch.randperm(self.n, generator=g) for g in gens])

        def next(self):
            perm = torch.cat([f.result() for f in self.pending])
            self._submit()
            return perm

    gens = [torch.Generator().manual_seed(i) for i in range(13)]
    twins = [torch.Generator().manual_seed(i) for i in range(13)]
    with OnCPU(gens, 20, "cuda") as perms:
        assert perms.pool is not None
        for _ in range(3):
            expected = torch.stack([torch.randperm(20, generator=g) for g in twins])
            assert torch.equal(perms.next(), expected)


def test_hidden_layer_size_is_checked_before_allocating():
    """A hidden layer above the allocation limit is refused before torch allocates it."""
    X, y = np.zeros((4, 8)), np.zeros(4)
    with pytest.raises(ParameterError, match=r"MLPRegressor.width x d .* = 1000000000000 x 8"):
        MLPRegressor(width=10**12, steps=1, device="cpu").fit(X, y)
    with pytest.raises(ParameterError, match=r"BatchedMLP networks x width x d"):
        BatchedMLP(width=10**9, steps=1, device="cpu").fit(np.zeros((3, 4, 8)), np.zeros((3, 4)))


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_network_past_its_own_limit_stops_and_the_rest_go_on(data, early_stopping):
    """network_max_seconds: the limited network stops on time with the weights it had at that
    step; the others train to their step budget with exactly the weights of a batch without
    limits (gradients never mix between networks)."""
    X, y = data
    kw = dict(width=8, steps=400, batch_size=16, early_stopping=early_stopping, eval_every=5,
              patience=10**6, device="cpu", dtype="float64")
    free = batched(X, y, **kw)
    limited = BatchedMLP(**kw, rng=[100 + i for i in range(B)],
                         network_max_seconds=[None, 1e-9, None, None]).fit(X, y)
    assert limited.stopped_reason_ == ["steps", "time", "steps", "steps"]
    stopped = int(limited.n_steps_[1])
    assert stopped < 400
    for i in (0, 2, 3):
        for name in ("W1_", "b1_", "w2_", "b2_"):
            assert np.array_equal(getattr(limited, name)[i], getattr(free, name)[i]), (i, name)
    if early_stopping:  # it keeps its best weights among the evaluations made by then
        assert limited.best_step_[1] <= stopped
        n_evals = len(limited.validation_curve_[1])
        assert limited.validation_curve_[1] == free.validation_curve_[1][:n_evals]
    else:  # it holds the weights a batch trained for exactly that many steps ends with
        short = batched(X, y, **{**kw, "steps": stopped})
        for name in ("W1_", "b1_", "w2_", "b2_"):
            assert np.array_equal(getattr(limited, name)[1], getattr(short, name)[1]), name
    with pytest.raises(ParameterError, match="one limit per network"):
        BatchedMLP(**kw, network_max_seconds=[1.0]).fit(X, y)
