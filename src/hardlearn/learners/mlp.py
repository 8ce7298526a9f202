"""A one-hidden-layer ReLU network trained by SGD or Adam in PyTorch (CPU or CUDA).

The model is ``f(x) = sum_j w2_j ReLU(<W1_j, x> + b1_j) + b2``, held as four tensors
``W1 (width, d)``, ``b1 (width,)``, ``w2 (width,)``, ``b2 ()`` (float32 by default). The
functions below (:func:`init_parameters`, :func:`forward`, :func:`make_optimizer`,
:func:`train_step`, :func:`epoch_batches`, :func:`train_network`) are the whole algorithm;
:class:`MLPRegressor` is the scikit-learn face of :func:`train_network`. A batched trainer
that reproduces each network's weights exactly must follow this recipe:

**Randomness.** One CPU :class:`torch.Generator` ``g``, seeded with
``hardlearn._rng.draw_seed(G)`` where ``G`` is the learner's numpy generator (``rng`` int
seed ``s`` -> ``numpy.random.default_rng(s)``; ``None`` -> seed 0). Every draw below comes
from ``g`` on the CPU, in this order, whatever the training device, so CPU and CUDA runs
start from the same weights and visit the same minibatches.

1. *Validation split* (only with ``early_stopping=True``): ``p = torch.randperm(n, g)``;
   the first ``n_val = max(1, round(validation_fraction * n))`` indices of ``p`` are the
   validation set, the rest (in the order of ``p``) the training set.
2. *Initialisation* (draws in float64, then cast to ``dtype``):
   ``W1 = randn(width, d, g) * init_scale / sqrt(d)``; ``b1 = randn(width, g) * init_scale``;
   ``w2 = randn(width, g) * output_scale / sqrt(width)``; ``b2 = mean(y_train)`` (no
   draw). The draws happen whatever the scales (so a scale of 0 changes no other draw).
   With ``x ~ N(0, I_d)`` every pre-activation is about ``N(0, 2 init_scale^2)``. The default
   ``output_scale = 0`` starts the network at the constant ``mean(y_train)``, the trivial
   predictor, so training can only be judged by what it adds to it.
3. *Minibatches*: each epoch draws ``q = torch.randperm(n_train, g)`` and visits the
   consecutive slices ``q[0:B], q[B:2B], ...`` of the training set (sampling without
   replacement; the last slice of an epoch may be shorter). ``B = min(batch_size,
   n_train)``. Training stops after ``steps`` minibatch updates (``epochs`` E means
   ``E * ceil(n_train / B)`` steps), possibly inside an epoch.

**Step.** ``loss = mean((f(X_b) - y_b)^2)`` (no factor 1/2), ``zero_grad``, ``backward``,
``optimizer.step()``. Optimizers: ``torch.optim.Adam(lr, betas=(0.9, 0.999), eps=1e-8,
weight_decay)`` or ``torch.optim.SGD(lr, momentum, weight_decay)``; ``weight_decay`` is
torch's coupled L2 term on all four tensors. The parameter list is ``[W1, b1, w2, b2]``.

**Budgets and early stopping.** ``max_seconds`` stops training at the first step after the
budget (``stopped_reason_ = "time"``). With ``early_stopping``, the mean squared loss on the
validation set is computed at step 0 and every ``eval_every`` steps; the best parameters are
kept (strict improvement by more than ``tol``) and restored at the end, and training stops
after ``patience`` evaluations without improvement (``stopped_reason_ = "early_stopping"``).
Evaluations draw nothing from ``g``.

**Hyper-parameters.** Their names, checks, the validation split and the epochs-to-steps
rule are in :mod:`hardlearn.learners._mlp_params`, shared with
:class:`~hardlearn.learners.batched.BatchedMLP` (``TrainConfig``, ``DEFAULT_STEPS``,
``check_device`` and ``resolve_device`` are re-exported here).

Torch is imported inside the functions, so importing this module stays light.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from hardlearn._optional import require
from hardlearn._rng import torch_generator
from hardlearn._validation import check_allocation, check_choice
from hardlearn.errors import ParameterError
from hardlearn.learners._mlp_params import (
    DEFAULT_STEPS,
    PER_NETWORK,
    SHARED,
    TrainConfig,
    check_device,
    check_flag,
    check_per_network,
    check_shared,
    n_validation,
    resolve_device,
    train_config,
)
from hardlearn.learners.baselines import _validate_fit, _validate_predict, resolve_seed

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "MLPRegressor",
    "TrainConfig",
    "TrainResult",
    "init_parameters",
    "forward",
    "make_optimizer",
    "train_step",
    "epoch_batches",
    "train_network",
    "resolve_device",
    "check_device",
    "DEFAULT_STEPS",
]

#: Rows per block when predicting, so the (rows, width) activations stay near 32 MiB.
_PREDICT_ELEMENTS = 1 << 22
_PARAM_NAMES = ("W1", "b1", "w2", "b2")


def _torch_dtype(dtype: str) -> torch.dtype:
    import torch

    return {"float32": torch.float32, "float64": torch.float64}[
        check_choice("dtype", dtype, ("float32", "float64"))
    ]


def init_parameters(
    dim: int,
    width: int,
    *,
    generator: torch.Generator,
    init_scale: float = 1.0,
    output_scale: float = 0.0,
    output_bias: float = 0.0,
    dtype: str = "float32",
    device: str = "cpu",
) -> dict[str, torch.Tensor]:
    """Draw ``W1, b1, w2`` from ``generator`` (step 2 of the module recipe) and set ``b2``.

    Returns a dict of leaf tensors with ``requires_grad=True``, keys ``W1`` (width, dim),
    ``b1`` (width,), ``w2`` (width,), ``b2`` (), on ``device`` in ``dtype``.

    Examples
    --------
    >>> import torch
    >>> p = init_parameters(3, 4, generator=torch.Generator().manual_seed(0))
    >>> tuple(p["W1"].shape), p["b2"].item(), p["W1"].dtype
    ((4, 3), 0.0, torch.float32)
    """
    import torch

    tdtype = _torch_dtype(dtype)
    f64 = torch.float64
    W1 = torch.randn(width, dim, generator=generator, dtype=f64) * (init_scale / math.sqrt(dim))
    b1 = torch.randn(width, generator=generator, dtype=f64) * init_scale
    w2 = torch.randn(width, generator=generator, dtype=f64) * (output_scale / math.sqrt(width))
    b2 = torch.tensor(float(output_bias), dtype=f64)
    out = {}
    for name, t in zip(_PARAM_NAMES, (W1, b1, w2, b2), strict=True):
        out[name] = t.to(device=device, dtype=tdtype).requires_grad_(True)
    return out


def forward(params: dict[str, torch.Tensor], X: torch.Tensor) -> torch.Tensor:
    """``ReLU(X W1^T + b1) w2 + b2``: shape (m,) for ``X`` of shape (m, d).

    Examples
    --------
    >>> import torch
    >>> p = {"W1": torch.eye(2), "b1": torch.zeros(2), "w2": torch.ones(2),
    ...      "b2": torch.tensor(0.5)}
    >>> forward(p, torch.tensor([[1.0, -2.0]]))
    tensor([1.5000])
    """
    import torch

    hidden = torch.relu(torch.addmm(params["b1"], X, params["W1"].t()))
    return torch.mv(hidden, params["w2"]) + params["b2"]


def make_optimizer(
    params: dict[str, torch.Tensor],
    optimizer: str = "adam",
    *,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
) -> torch.optim.Optimizer:
    """``torch.optim.Adam`` (betas 0.9, 0.999, eps 1e-8) or ``torch.optim.SGD`` over
    ``[W1, b1, w2, b2]``, with torch's coupled L2 ``weight_decay``."""
    import torch

    optimizer = check_choice("optimizer", optimizer, ("adam", "sgd"))
    plist = [params[k] for k in _PARAM_NAMES]
    if optimizer == "adam":
        return torch.optim.Adam(
            plist, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay
        )
    return torch.optim.SGD(plist, lr=lr, momentum=momentum, weight_decay=weight_decay)


def train_step(
    params: dict[str, torch.Tensor],
    optimizer: torch.optim.Optimizer,
    X_batch: torch.Tensor,
    y_batch: torch.Tensor,
) -> torch.Tensor:
    """One update on a minibatch: ``mean((f(X_b) - y_b)^2)``, backward, ``optimizer.step()``.

    Returns the batch loss before the update (a detached 0-d tensor; no device sync).
    """
    optimizer.zero_grad(set_to_none=True)
    loss = (forward(params, X_batch) - y_batch).square().mean()
    loss.backward()
    optimizer.step()
    return loss.detach()


def epoch_batches(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """One epoch's minibatches: slices of ``torch.randperm(n, generator)`` of length
    ``batch_size`` (the last may be shorter), as CPU index tensors.

    Examples
    --------
    >>> import torch
    >>> [len(b) for b in epoch_batches(5, 2, torch.Generator().manual_seed(0))]
    [2, 2, 1]
    """
    import torch

    perm = torch.randperm(n, generator=generator)
    return list(torch.split(perm, batch_size))


@dataclass
class TrainResult:
    """What :func:`train_network` returns: final (or best) weights as numpy, and a log."""

    params: dict[str, np.ndarray]
    steps: int
    epochs: float
    stopped_reason: str
    seconds: float
    loss_curve: list[float] = field(default_factory=list)
    validation_curve: list[float] = field(default_factory=list)
    best_step: int | None = None


def _to_tensor(arr: np.ndarray, dtype: str, device: str) -> torch.Tensor:
    """A writable, contiguous copy of ``arr`` in ``dtype`` on ``device``."""
    import torch

    return torch.from_numpy(np.array(arr, dtype=dtype, order="C", copy=True)).to(device)


def _split_validation(
    n: int, fraction: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    n_val = n_validation(n, True, fraction)
    if n - n_val < 1:
        raise ParameterError(
            "MLPRegressor with early_stopping=True needs at least 2 samples to split off a "
            f"validation set (validation_fraction={fraction:g}); got n_samples = {n}."
        )
    perm = torch.randperm(n, generator=generator)
    return perm[n_val:], perm[:n_val]


def train_network(
    X: np.ndarray, y: np.ndarray, config: TrainConfig, generator: torch.Generator
) -> TrainResult:
    """Train the network on ``X`` (m, d), ``y`` (m,) following the module recipe exactly.

    ``generator`` is the CPU torch generator all draws come from; ``config.device`` must be
    resolved already (``"cpu"`` or ``"cuda"``).

    Examples
    --------
    >>> import torch
    >>> X = np.random.default_rng(0).standard_normal((64, 2))
    >>> res = train_network(X, X[:, 0] ** 2, TrainConfig(width=8, steps=5, batch_size=16),
    ...                     torch.Generator().manual_seed(1))
    >>> res.steps, res.stopped_reason, res.params["W1"].shape
    (5, 'steps', (8, 2))
    """
    import torch

    device = config.device
    tdtype = _torch_dtype(config.dtype)
    n, dim = X.shape
    if config.early_stopping:
        train_idx, val_idx = _split_validation(n, config.validation_fraction, generator)
        X_val = _to_tensor(X[val_idx.numpy()], config.dtype, device)
        y_val = _to_tensor(y[val_idx.numpy()], config.dtype, device)
        X_np, y_np = X[train_idx.numpy()], y[train_idx.numpy()]
    else:
        X_np, y_np = X, y
    n_train = X_np.shape[0]
    params = init_parameters(
        dim,
        config.width,
        generator=generator,
        init_scale=config.init_scale,
        output_scale=config.output_scale,
        output_bias=float(np.mean(y_np)),
        dtype=config.dtype,
        device=device,
    )
    opt = make_optimizer(
        params,
        config.optimizer,
        lr=config.lr,
        weight_decay=config.weight_decay,
        momentum=config.momentum,
    )
    X_t = _to_tensor(X_np, config.dtype, device)
    y_t = _to_tensor(y_np, config.dtype, device)
    batch = min(config.batch_size, n_train)
    on_cpu = device == "cpu"

    def snapshot() -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in params.items()}

    def val_loss() -> float:
        with torch.no_grad():
            return float((forward(params, X_val) - y_val).square().mean())

    loss_curve: list[float] = []
    val_curve: list[float] = []
    best_state: dict[str, torch.Tensor] | None = None
    best_loss, best_step, bad_evals = math.inf, None, 0
    if config.early_stopping:
        best_loss, best_step, best_state = val_loss(), 0, snapshot()
        val_curve.append(best_loss)

    bar, task = _progress_bar(config)
    step, reason = 0, "steps"
    running = torch.zeros((), dtype=tdtype, device=device)
    running_count = 0
    t0 = time.perf_counter()
    try:
        while step < config.steps and reason == "steps":
            for idx in epoch_batches(n_train, batch, generator):
                if not on_cpu:
                    idx = idx.to(device, non_blocking=True)
                running += train_step(params, opt, X_t[idx], y_t[idx])
                running_count += 1
                step += 1
                if step % config.eval_every == 0 or step == config.steps:
                    loss_curve.append(float(running) / running_count)
                    running.zero_()
                    running_count = 0
                    if bar is not None:
                        bar.update(task, completed=step)
                    if config.early_stopping:
                        current = val_loss()
                        val_curve.append(current)
                        if current < best_loss - config.tol:
                            best_loss, best_step, bad_evals = current, step, 0
                            best_state = snapshot()
                        else:
                            bad_evals += 1
                            if bad_evals >= config.patience:
                                reason = "early_stopping"
                                break
                if step >= config.steps:
                    break
                if config.max_seconds is not None and (
                    time.perf_counter() - t0 > config.max_seconds
                ):
                    reason = "time"
                    break
    finally:
        if bar is not None:
            bar.stop()
    if running_count:
        loss_curve.append(float(running) / running_count)
    if not on_cpu:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    final = best_state if best_state is not None else snapshot()
    return TrainResult(
        params={k: v.detach().cpu().numpy() for k, v in final.items()},
        steps=step,
        epochs=step * batch / n_train,
        stopped_reason=reason,
        seconds=seconds,
        loss_curve=loss_curve,
        validation_curve=val_curve,
        best_step=best_step,
    )


def _progress_bar(config: TrainConfig) -> tuple[Any, Any]:
    if not config.progress:
        return None, None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("training MLP", total=config.steps)
    bar.start()
    return bar, task


class MLPRegressor(RegressorMixin, BaseEstimator):
    """One-hidden-layer ReLU network trained by Adam or SGD in PyTorch (module recipe).

    Parameters
    ----------
    width : int, default 256
        Hidden units.
    optimizer : {"adam", "sgd"}, default "adam"
    lr : float, default 1e-3
        Learning rate, ``> 0``.
    momentum : float, default 0.0
        SGD momentum in ``[0, 1)`` (ignored by Adam).
    batch_size : int, default 256
        Minibatch size (capped at the number of training rows).
    steps : int, optional
        Minibatch updates. At most one of ``steps`` and ``epochs``; neither means
        :data:`DEFAULT_STEPS`.
    epochs : int, optional
        Passes over the training rows (``epochs * ceil(n_train / batch)`` steps).
    weight_decay : float, default 0.0
        torch's coupled L2 coefficient.
    init_scale : float, default 1.0
        Scale of the hidden layer's initialisation (module recipe, step 2).
    output_scale : float, default 0.0
        Scale of the output weights' initialisation; 0 starts at the constant predictor.
    max_seconds : float, optional
        Time budget of the training loop; when hit, training stops and
        ``stopped_reason_ == "time"``.
    early_stopping : bool, default True
        Hold out ``validation_fraction`` of the rows; keep the weights that were best on it
        (the step-0 network, the constant ``mean(y_train)``, is a candidate), so a network
        that learns nothing returns the trivial predictor instead of one that fits the noise.
    validation_fraction : float, default 0.1
    eval_every : int, default 100
        Steps between loss records (and validation evaluations).
    patience : int, default 10
        Evaluations without improvement before early stopping.
    dtype : {"float32", "float64"}, default "float32"
    device : {"auto", "cpu", "cuda"}, default "auto"
    progress : bool, default False
        Show a progress bar (rich) during training.
    rng : int, numpy.random.Generator or None, default None
        Seed, resolved in ``fit``; None means seed 0.
    random_state : int, numpy.random.Generator or None, default None
        scikit-learn's name for the seed; used instead of ``rng`` when not None
        (:func:`~hardlearn.learners.baselines.seed_parameter`).

    Attributes
    ----------
    W1_, b1_, w2_, b2_ : numpy.ndarray
        Trained weights, shapes (width, d), (width,), (width,), () in ``dtype``.
    n_steps_ : int
    n_epochs_ : float
    stopped_reason_ : {"steps", "time", "early_stopping"}
    loss_curve_ : list of float
        Mean training loss of each block of ``eval_every`` steps.
    validation_curve_ : list of float
        Validation losses (with ``early_stopping``), the first at step 0.
    best_step_ : int or None
    fit_seconds_ : float
        Time of the training loop.
    device_ : str

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((200, 2))
    >>> est = MLPRegressor(width=16, steps=50, lr=1e-2, device="cpu", rng=0).fit(X, X[:, 0])
    >>> est.predict(X[:3]).shape, est.n_steps_
    ((3,), 50)
    """

    def __init__(
        self,
        width: int = 256,
        optimizer: str = "adam",
        lr: float = 1e-3,
        momentum: float = 0.0,
        batch_size: int = 256,
        steps: int | None = None,
        epochs: int | None = None,
        weight_decay: float = 0.0,
        init_scale: float = 1.0,
        output_scale: float = 0.0,
        max_seconds: float | None = None,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        eval_every: int = 100,
        patience: int = 10,
        dtype: str = "float32",
        device: str = "auto",
        progress: bool = False,
        rng: Any = None,
        random_state: Any = None,
    ) -> None:
        self.width = width
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.steps = steps
        self.epochs = epochs
        self.weight_decay = weight_decay
        self.init_scale = init_scale
        self.output_scale = output_scale
        self.max_seconds = max_seconds
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.eval_every = eval_every
        self.patience = patience
        self.dtype = dtype
        self.device = device
        self.progress = progress
        self.rng = rng
        self.random_state = random_state

    def _check_params(self) -> None:
        """Check every hyper-parameter (:mod:`hardlearn.learners._mlp_params`, the rules
        ``BatchedMLP`` shares); errors name ``MLPRegressor.<param>``."""
        p = "MLPRegressor."
        check_shared(p, {k: getattr(self, k) for k in SHARED})
        for k in PER_NETWORK:
            check_per_network(p + k, k, getattr(self, k))
        check_flag(p + "progress", self.progress)
        resolve_seed(self)

    def _config(self, n: int) -> TrainConfig:
        return train_config(
            {k: getattr(self, k) for k in SHARED}, n, progress=self.progress,
            **{k: getattr(self, k) for k in PER_NETWORK},
        )

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on ``X`` (m, d) and ``y`` (m,) following the module recipe; returns self."""
        require("torch", feature="the MLP learner")
        self._check_params()
        X, y = _validate_fit(self, X, y)
        config = self._config(X.shape[0])
        check_allocation("MLPRegressor.width x d (hidden weights)", (config.width, X.shape[1]))
        check_allocation("MLPRegressor batch rows x width (activations)",
                         (config.batch_size, config.width))
        generator = torch_generator(resolve_seed(self), "cpu")
        result = train_network(X, y, config, generator)
        for name in _PARAM_NAMES:
            setattr(self, name + "_", result.params[name])
        self.n_steps_ = result.steps
        self.n_epochs_ = result.epochs
        self.stopped_reason_ = result.stopped_reason
        self.loss_curve_ = result.loss_curve
        self.validation_curve_ = result.validation_curve
        self.best_step_ = result.best_step
        self.fit_seconds_ = result.seconds
        self.device_ = config.device
        if result.stopped_reason == "time":
            warnings.warn(
                f"MLPRegressor stopped on its time budget (max_seconds={self.max_seconds}) "
                f"after {result.steps} steps, before its step budget; raise max_seconds or "
                "lower steps.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def to_torch(self, dtype: Any = None, device: Any = "cpu") -> torch.nn.Module:
        """The trained network as a picklable torch module (``x -> f(x)``, shape (m,)).

        The module is :meth:`hardlearn.problems.network.OneHiddenLayerReLU.to_torch` of the
        learned weights (``float64`` by default, so it equals :meth:`predict` to rounding);
        it can be saved with ``torch.save`` and loaded where hardlearn is installed.

        Examples
        --------
        >>> import torch
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(64, 3)), rng.normal(size=64)
        >>> est = MLPRegressor(width=4, steps=5, random_state=0).fit(X, y)
        >>> net = est.to_torch()
        >>> bool(np.allclose(net(torch.tensor(X)).detach().numpy(), est.predict(X)))
        True
        """
        from hardlearn.problems.network import OneHiddenLayerReLU

        check_is_fitted(self, "W1_")
        network = OneHiddenLayerReLU(
            np.asarray(self.W1_, dtype=np.float64),
            np.asarray(self.b1_, dtype=np.float64),
            np.asarray(self.w2_, dtype=np.float64),
            float(self.b2_),
        )
        return network.to_torch(dtype=dtype, device=device)

    def predict(self, X: Any) -> np.ndarray:
        """The network's output on ``X`` (m, d), computed in float64 numpy; shape (m,)."""
        check_is_fitted(self, "W1_")
        X = _validate_predict(self, X)
        W1 = self.W1_.astype(np.float64)
        b1 = self.b1_.astype(np.float64)
        w2 = self.w2_.astype(np.float64)
        out = np.empty(X.shape[0])
        rows = max(1, _PREDICT_ELEMENTS // W1.shape[0])
        for start in range(0, X.shape[0], rows):
            h = X[start : start + rows] @ W1.T
            h += b1
            np.maximum(h, 0.0, out=h)
            out[start : start + rows] = h @ w2
        out += float(self.b2_)
        return out

    def fit_summary(self) -> dict[str, Any]:
        """Scalars describing the last fit (steps, epochs, why it stopped, seconds, device)."""
        check_is_fitted(self, "W1_")
        return {
            "steps": self.n_steps_,
            "epochs": self.n_epochs_,
            "stopped_reason": self.stopped_reason_,
            "train_seconds": self.fit_seconds_,
            "device": self.device_,
        }

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
