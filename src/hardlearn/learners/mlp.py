"""A one-hidden-layer ReLU network trained by SGD or Adam in PyTorch (CPU or CUDA).

The model is ``f(x) = sum_j w2_j ReLU(<W1_j, x> + b1_j) + b2``, held as four tensors
``W1 (width, d)``, ``b1 (width,)``, ``w2 (width,)``, ``b2 ()`` (float32 by default). The
functions :func:`init_parameters`, :func:`forward`, :func:`make_optimizer`,
:func:`train_step`, :func:`epoch_batches` and :func:`train_network` are the whole algorithm
(written in :mod:`hardlearn.learners._mlp_core`, re-exported here);
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

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from hardlearn._optional import require
from hardlearn._rng import torch_generator
from hardlearn._validation import check_allocation
from hardlearn.learners._mlp_core import (
    PARAM_NAMES,
    TrainResult,
    epoch_batches,
    forward,
    init_parameters,
    make_optimizer,
    train_network,
    train_step,
)
from hardlearn.learners._mlp_params import (
    DEFAULT_STEPS,
    PER_NETWORK,
    SHARED,
    TrainConfig,
    check_device,
    check_flag,
    check_per_network,
    check_shared,
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
        for name in PARAM_NAMES:
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
