"""The MLP recipe of :mod:`hardlearn.learners.mlp` as functions on torch tensors.

:func:`init_parameters`, :func:`forward`, :func:`make_optimizer`, :func:`train_step`,
:func:`epoch_batches` and :func:`train_network` are the numbered steps of the recipe written
in the docstring of :mod:`hardlearn.learners.mlp` (which re-exports them); the estimator
there, :class:`~hardlearn.learners.mlp.MLPRegressor`, is their scikit-learn face, and
:mod:`hardlearn.learners._batched_core` reproduces them for many networks at once.

Torch is imported inside the functions, so importing this module stays light.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn._validation import check_choice
from hardlearn.errors import ParameterError
from hardlearn.learners._mlp_params import TrainConfig, n_validation

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "TrainResult",
    "init_parameters",
    "forward",
    "make_optimizer",
    "train_step",
    "epoch_batches",
    "train_network",
    "PARAM_NAMES",
]

#: The four tensors of a network, in the order of the optimiser's parameter list.
PARAM_NAMES = ("W1", "b1", "w2", "b2")


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
    for name, t in zip(PARAM_NAMES, (W1, b1, w2, b2), strict=True):
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
    params: dict[str, torch.Tensor] | list[torch.Tensor],
    optimizer: str = "adam",
    *,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
) -> torch.optim.Optimizer:
    """``torch.optim.Adam`` (betas 0.9, 0.999, eps 1e-8) or ``torch.optim.SGD`` over
    ``[W1, b1, w2, b2]`` (or over a module's list of parameters), with torch's coupled L2
    ``weight_decay``."""
    import torch

    optimizer = check_choice("optimizer", optimizer, ("adam", "sgd"))
    plist = [params[k] for k in PARAM_NAMES] if isinstance(params, dict) else list(params)
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


def split_for_validation(
    X: np.ndarray, y: np.ndarray, config: TrainConfig, generator: torch.Generator
) -> tuple[np.ndarray, np.ndarray, tuple[torch.Tensor, torch.Tensor] | None]:
    """The recipe's training rows and, with early stopping, its validation rows as tensors:
    ``(X_train, y_train, (X_val, y_val))`` (None for the last without early stopping). The
    split is drawn first from ``generator``, before the initial weights."""
    if not config.early_stopping:
        return X, y, None
    train_idx, val_idx = _split_validation(X.shape[0], config.validation_fraction, generator)
    val = (_to_tensor(X[val_idx.numpy()], config.dtype, config.device),
           _to_tensor(y[val_idx.numpy()], config.dtype, config.device))
    return X[train_idx.numpy()], y[train_idx.numpy()], val


def validation_loss(
    predict: Callable[[torch.Tensor], torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor] | None,
) -> Callable[[], float] | None:
    """The mean squared error of ``predict`` on the validation rows ``val``, as the function
    :func:`run_schedule` evaluates (without gradients); None without validation rows."""
    if val is None:
        return None
    import torch

    X_val, y_val = val

    def loss() -> float:
        with torch.no_grad():
            return float((predict(X_val) - y_val).square().mean())

    return loss


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

    device = config.device
    dim = X.shape[1]
    X_np, y_np, val = split_for_validation(X, y, config, generator)
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

    def snapshot() -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in params.items()}

    def step_fn(idx: torch.Tensor) -> torch.Tensor:
        return train_step(params, opt, X_t[idx], y_t[idx])

    run = run_schedule(config, n_train, batch, generator, step_fn, snapshot,
                       validation_loss(lambda Z: forward(params, Z), val), "training MLP")
    step, reason, best_state = run.steps, run.stopped_reason, run.best_state
    loss_curve, val_curve, best_step, seconds = (run.loss_curve, run.validation_curve,
                                                 run.best_step, run.seconds)
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


@dataclass
class Schedule:
    """What :func:`run_schedule` did: steps taken, why it stopped, the curves and the best
    snapshot (early stopping), and the seconds it took."""

    steps: int
    stopped_reason: str
    loss_curve: list[float]
    validation_curve: list[float]
    best_step: int | None
    best_state: dict[str, Any] | None
    seconds: float


def run_schedule(
    config: TrainConfig,
    n_train: int,
    batch: int,
    generator: torch.Generator,
    step_fn: Callable[[torch.Tensor], torch.Tensor],
    snapshot: Callable[[], dict[str, Any]],
    val_loss: Callable[[], float] | None,
    label: str,
) -> Schedule:
    """The recipe's stopping rules, written once for :func:`train_network` and
    :class:`~hardlearn.learners.TorchRegressor`.

    Epochs of shuffled minibatches (:func:`epoch_batches`) each passed to ``step_fn``
    (one optimiser step; returns the minibatch loss, detached), until ``config.steps``,
    early stopping on ``val_loss`` (every ``eval_every`` steps, ``patience`` evaluations
    without a gain of ``tol``; the best ``snapshot`` is kept) or the time budget
    ``max_seconds``. The running training loss is averaged over each ``eval_every`` steps.
    """
    import torch

    device = config.device
    on_cpu = device == "cpu"
    loss_curve: list[float] = []
    val_curve: list[float] = []
    best_state: dict[str, torch.Tensor] | None = None
    best_loss, best_step, bad_evals = math.inf, None, 0
    if val_loss is not None:
        best_loss, best_step, best_state = val_loss(), 0, snapshot()
        val_curve.append(best_loss)

    bar, task = _progress_bar(config, label)
    step, reason = 0, "steps"
    running = torch.zeros((), dtype=_torch_dtype(config.dtype), device=device)
    running_count = 0
    t0 = time.perf_counter()
    try:
        while step < config.steps and reason == "steps":
            for idx in epoch_batches(n_train, batch, generator):
                if not on_cpu:
                    idx = idx.to(device, non_blocking=True)
                running += step_fn(idx)
                running_count += 1
                step += 1
                if step % config.eval_every == 0 or step == config.steps:
                    loss_curve.append(float(running) / running_count)
                    running.zero_()
                    running_count = 0
                    if bar is not None:
                        bar.update(task, completed=step)
                    if val_loss is not None:
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
    return Schedule(step, reason, loss_curve, val_curve, best_step, best_state, seconds)


def _progress_bar(config: TrainConfig, label: str = "training MLP") -> tuple[Any, Any]:
    if not config.progress:
        return None, None
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)  # stdout stays for results
    task = bar.add_task(label, total=config.steps)
    bar.start()
    return bar, task
