"""Any user ``torch.nn.Module`` as a scikit-learn regressor, trained by the package's recipe.

:class:`TorchRegressor` takes a network (``module``) and trains it exactly as
:class:`~hardlearn.learners.mlp.MLPRegressor` trains its one-hidden-layer network (the
recipe of :mod:`hardlearn.learners.mlp`): the same optimisers, minibatches, step and epoch
budgets, time budget, early stopping on a held-out fraction, dtype and device, and the same
order of draws from one CPU :class:`torch.Generator` seeded from the learner's seed:

1. the validation split (with ``early_stopping``): ``torch.randperm(n, g)``;
2. the network: built by ``module`` (below); a factory that accepts a ``generator`` keyword
   is given ``g`` to draw its initial weights from;
3. each epoch's minibatch order: ``torch.randperm(n_train, g)``.

The loss is ``mean((module(X_b) - y_b)^2)``; the optimiser runs over
``module.parameters()`` in their registration order. The module's output must be one number
per row (shape ``(b,)`` or ``(b, 1)``); it is the prediction (no offset is added, so a network
whose output starts at 0 starts at the constant 0, not at the training mean).

**What ``module`` may be.**

* ``None``: MLPRegressor's default network (width :data:`DEFAULT_WIDTH`, ``init_scale``
  1, ``output_scale`` 0, the output bias at the training mean), so ``TorchRegressor()``
  trains the same weights as ``MLPRegressor()``;
* a callable ``factory(dim)`` or ``factory(dim, generator=g)`` returning a module for inputs
  of dimension ``dim``. Whatever a factory draws from torch's global CPU generator (the
  default initialisation of ``torch.nn.Linear`` does) comes from a fork of it
  (:func:`torch.random.fork_rng`) seeded from the seed of ``g`` (without drawing from
  ``g``), so the initial weights follow the learner's seed and torch's global state is
  restored afterwards: nothing outside the fit changes. (A factory that initialises on a
  CUDA device directly would draw from CUDA's generator, which is not forked: build on the
  CPU; ``fit`` moves the module to ``device``.)
* a ``torch.nn.Module`` instance: copied (``copy.deepcopy``) at every fit, so the given
  weights are the starting point of each fit and the instance itself is never trained;
* a string ``"pkg.module:factory"``: the factory is imported at fit time (how a command line
  or a sweep file names a network: ``--param module=mypkg.nets:deep``).

Size: about 530 lines: the estimator documents and checks the recipe's sixteen options (as
:class:`~hardlearn.learners.mlp.MLPRegressor` does), and the training loop over a module sits
next to it (it mirrors :func:`~hardlearn.learners.mlp.train_network`, which trains a dict of
four tensors, not a module).

Examples
--------
>>> import torch
>>> def net(dim):
...     return torch.nn.Sequential(torch.nn.Linear(dim, 16), torch.nn.Tanh(),
...                                torch.nn.Linear(16, 1))
>>> X = np.random.default_rng(0).standard_normal((200, 3))
>>> est = TorchRegressor(net, steps=50, lr=1e-2, device="cpu", random_state=0).fit(X, X[:, 0])
>>> est.predict(X[:2]).shape, est.n_steps_, est.stopped_reason_ in ("steps", "early_stopping")
((2,), 50, True)
"""

from __future__ import annotations

import copy
import importlib
import inspect
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from hardlearn._optional import require
from hardlearn._rng import torch_generator
from hardlearn._validation import check_choice, check_int, check_real
from hardlearn.errors import ParameterError
from hardlearn.learners._mlp_core import (
    _to_tensor,
    _torch_dtype,
    forward,
    init_parameters,
    make_optimizer,
    run_schedule,
    split_for_validation,
    validation_loss,
)
from hardlearn.learners._mlp_params import (
    TrainConfig,
    check_device,
    n_validation,
    resolve_device,
    step_count,
)
from hardlearn.learners.baselines import _validate_fit, _validate_predict, resolve_seed

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["TorchRegressor", "DEFAULT_WIDTH"]

#: Width of the network ``module=None`` builds: MLPRegressor's default ``width``.
DEFAULT_WIDTH = 256
#: Rows per block when predicting (a bound on the memory of one forward pass).
_PREDICT_ROWS = 1 << 14


def _default_network(dim: int, generator: torch.Generator, y_mean: float) -> torch.nn.Module:
    """MLPRegressor's default network as a module: ``init_parameters`` then ``forward``."""
    import torch

    class _OneHiddenLayer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            p = init_parameters(dim, DEFAULT_WIDTH, generator=generator, output_bias=y_mean,
                                dtype="float64")
            for name in ("W1", "b1", "w2", "b2"):
                self.register_parameter(name, torch.nn.Parameter(p[name].detach()))

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return forward({k: self.get_parameter(k) for k in ("W1", "b1", "w2", "b2")}, X)

    return _OneHiddenLayer()


def _import_factory(text: str) -> Any:
    module_name, _, attr = text.partition(":")
    if not module_name or not attr:
        raise ParameterError(
            f"TorchRegressor.module as a string must look like 'pkg.module:factory'; got "
            f"{text!r}."
        )
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ParameterError(
            f"TorchRegressor.module {text!r} cannot be imported ({type(exc).__name__}: {exc})."
        ) from None
    return obj


def _takes_generator(factory: Any) -> bool:
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return False
    return "generator" in sig.parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()
    )


def _global_seed(generator: torch.Generator) -> int:
    """A seed for the forked global generator, derived from ``generator``'s seed without
    drawing from it (so the recipe's draws are unchanged) and distinct from it."""
    seq = np.random.SeedSequence(generator.initial_seed(), spawn_key=(1,))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


def _check_module_param(module: Any) -> None:
    """Refuse a ``module`` that is none of the four accepted forms (module docstring)."""
    if module is None or isinstance(module, str) or callable(module):
        return
    raise ParameterError(
        "TorchRegressor.module must be None, a torch.nn.Module, a callable building one from "
        f"the input dimension, or 'pkg.module:factory'; got {type(module).__name__}."
    )


def _build_module(spec: Any, dim: int, generator: torch.Generator, y_mean: float) -> Any:
    """The network to train (module docstring): built, imported or copied."""
    import torch

    if spec is None:
        return _default_network(dim, generator, y_mean)
    if isinstance(spec, torch.nn.Module):
        return copy.deepcopy(spec)
    factory = _import_factory(spec) if isinstance(spec, str) else spec
    if isinstance(factory, torch.nn.Module):
        return copy.deepcopy(factory)
    if not callable(factory):
        raise ParameterError(
            f"TorchRegressor.module {spec!r} must name a callable or a torch.nn.Module; found "
            f"{type(factory).__name__}."
        )
    # whatever the factory draws from torch's global generator (nn.Linear's default
    # initialisation does) comes from a fork seeded from the learner's seed, restored on exit
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(_global_seed(generator))
        net = factory(dim, generator=generator) if _takes_generator(factory) else factory(dim)
    if not isinstance(net, torch.nn.Module):
        raise ParameterError(
            f"TorchRegressor.module must build a torch.nn.Module from the input dimension; "
            f"{getattr(factory, '__qualname__', factory)!r} returned {type(net).__name__}."
        )
    return net


def _outputs(net: Any, X: torch.Tensor) -> torch.Tensor:
    """``net(X)`` as shape (b,); refuses any other output shape."""
    out = net(X)
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.ndim != 1 or out.shape[0] != X.shape[0]:
        raise ParameterError(
            "TorchRegressor.module must output one number per row, shape (b,) or (b, 1); got "
            f"shape {tuple(out.shape)} for {X.shape[0]} rows."
        )
    return out


class TorchRegressor(RegressorMixin, BaseEstimator):
    """A user ``torch.nn.Module`` trained by the package's recipe (module docstring).

    Parameters
    ----------
    module : None, torch.nn.Module, callable or str, default None
        The network: None (MLPRegressor's default network), an instance (copied at every
        fit), ``factory(dim)`` / ``factory(dim, generator=g)``, or ``"pkg.module:factory"``.
    optimizer : {"adam", "sgd"}, default "adam"
    lr : float, default 1e-3
        Learning rate, ``> 0``.
    momentum : float, default 0.0
        SGD momentum in ``[0, 1)`` (ignored by Adam).
    batch_size : int, default 256
        Minibatch size (capped at the number of training rows).
    steps : int, optional
        Minibatch updates; at most one of ``steps`` and ``epochs``; neither means
        :data:`~hardlearn.learners.mlp.DEFAULT_STEPS`.
    epochs : int, optional
        Passes over the training rows.
    weight_decay : float, default 0.0
        torch's coupled L2 coefficient, on every parameter of the module.
    max_seconds : float, optional
        Time budget of the training loop (``stopped_reason_ == "time"`` when hit).
    early_stopping : bool, default True
        Hold out ``validation_fraction`` of the rows; keep the weights best on it (the
        step-0 network is a candidate).
    validation_fraction : float, default 0.1
    eval_every : int, default 100
        Steps between loss records (and validation evaluations).
    patience : int, default 10
        Evaluations without improvement before early stopping.
    dtype : {"float32", "float64"}, default "float32"
        The module's floating-point parameters and the data are cast to it.
    device : {"auto", "cpu", "cuda", "cuda:N"}, default "auto"
    progress : bool, default False
        Show a progress bar (rich) during training.
    rng, random_state : int, numpy.random.Generator or None, default None
        The seed (``random_state`` wins when set; None means seed 0).

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network (the best one on the validation rows with ``early_stopping``).
    n_steps_ : int
    n_epochs_ : float
    stopped_reason_ : {"steps", "time", "early_stopping"}
    loss_curve_, validation_curve_ : list of float
    best_step_ : int or None
    fit_seconds_ : float
    device_ : str
    n_features_in_ : int

    Examples
    --------
    >>> X = np.random.default_rng(1).standard_normal((128, 2))
    >>> est = TorchRegressor(steps=20, device="cpu").fit(X, X[:, 1])
    >>> type(est.module_).__name__, est.predict(X[:4]).dtype
    ('_OneHiddenLayer', dtype('float64'))
    """

    def __init__(
        self,
        module: Any = None,
        optimizer: str = "adam",
        lr: float = 1e-3,
        momentum: float = 0.0,
        batch_size: int = 256,
        steps: int | None = None,
        epochs: int | None = None,
        weight_decay: float = 0.0,
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
        self.module = module
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.steps = steps
        self.epochs = epochs
        self.weight_decay = weight_decay
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
        """Check every hyper-parameter; errors name ``TorchRegressor.<param>``."""
        p = "TorchRegressor."
        _check_module_param(self.module)
        check_choice(p + "optimizer", self.optimizer, ("adam", "sgd"))
        check_real(p + "lr", self.lr, low=0.0, low_open=True)
        check_real(p + "momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        check_int(p + "batch_size", self.batch_size, minimum=1)
        if self.steps is not None and self.epochs is not None:
            raise ParameterError(
                f"{p}steps and {p}epochs are exclusive: give one; got steps={self.steps!r}, "
                f"epochs={self.epochs!r}."
            )
        if self.steps is not None:
            check_int(p + "steps", self.steps, minimum=1)
        if self.epochs is not None:
            check_int(p + "epochs", self.epochs, minimum=1)
        check_real(p + "weight_decay", self.weight_decay, low=0.0)
        if self.max_seconds is not None:
            check_real(p + "max_seconds", self.max_seconds, low=0.0, low_open=True)
        for flag in ("early_stopping", "progress"):
            value = getattr(self, flag)
            if not isinstance(value, bool | np.bool_):
                raise ParameterError(f"{p}{flag} must be true or false; got {value!r}.")
        check_real(
            p + "validation_fraction", self.validation_fraction, low=0.0, high=1.0,
            low_open=True, high_open=True,
        )
        check_int(p + "eval_every", self.eval_every, minimum=1)
        check_int(p + "patience", self.patience, minimum=1)
        check_choice(p + "dtype", self.dtype, ("float32", "float64"))
        check_device(p + "device", self.device)
        resolve_seed(self)

    def _config(self, n: int) -> TrainConfig:
        n_train = n - n_validation(n, bool(self.early_stopping), float(self.validation_fraction))
        batch = min(int(self.batch_size), max(n_train, 1))
        steps = step_count(self.steps, self.epochs, n_train, batch)
        return TrainConfig(
            optimizer=self.optimizer, lr=float(self.lr), momentum=float(self.momentum),
            batch_size=batch, steps=steps, weight_decay=float(self.weight_decay),
            max_seconds=None if self.max_seconds is None else float(self.max_seconds),
            early_stopping=bool(self.early_stopping),
            validation_fraction=float(self.validation_fraction),
            eval_every=int(self.eval_every), patience=int(self.patience), dtype=self.dtype,
            device=resolve_device(self.device), progress=bool(self.progress),
        )

    def fit(self, X: Any, y: Any) -> TorchRegressor:
        """Build (or copy) the module and train it on ``X`` (m, d), ``y`` (m,); returns self."""
        require("torch", feature="TorchRegressor")

        self._check_params()
        X, y = _validate_fit(self, X, y)
        config = self._config(X.shape[0])
        generator = torch_generator(resolve_seed(self), "cpu")
        result = _train(self.module, X, y, config, generator)
        self.module_ = result["module"]
        self.n_steps_ = result["steps"]
        self.n_epochs_ = result["epochs"]
        self.stopped_reason_ = result["stopped_reason"]
        self.loss_curve_ = result["loss_curve"]
        self.validation_curve_ = result["validation_curve"]
        self.best_step_ = result["best_step"]
        self.fit_seconds_ = result["seconds"]
        self.device_ = config.device
        if result["stopped_reason"] == "time":
            warnings.warn(
                f"TorchRegressor stopped on its time budget (max_seconds={self.max_seconds}) "
                f"after {result['steps']} steps, before its step budget; raise max_seconds or "
                "lower steps.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The trained module's output on ``X`` (m, d), in blocks, as float64; shape (m,)."""
        import torch

        check_is_fitted(self, "module_")
        X = _validate_predict(self, X)
        out = np.empty(X.shape[0])
        was_training = self.module_.training
        self.module_.eval()
        try:
            with torch.no_grad():
                for start in range(0, X.shape[0], _PREDICT_ROWS):
                    block = _to_tensor(X[start : start + _PREDICT_ROWS], self.dtype, self.device_)
                    out[start : start + block.shape[0]] = (
                        _outputs(self.module_, block).double().cpu().numpy()
                    )
        finally:
            self.module_.train(was_training)
        return out

    def fit_summary(self) -> dict[str, Any]:
        """Scalars describing the last fit (steps, epochs, why it stopped, seconds, device)."""
        check_is_fitted(self, "module_")
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


def _train(spec: Any, X: np.ndarray, y: np.ndarray, config: TrainConfig,
           generator: torch.Generator) -> dict[str, Any]:
    """The recipe's loop (:func:`hardlearn.learners.mlp.train_network`) over a module."""

    device = config.device
    X_np, y_np, val = split_for_validation(X, y, config, generator)
    n_train = X_np.shape[0]
    net = _build_module(spec, X.shape[1], generator, float(np.mean(y_np)))
    net = net.to(device=device, dtype=_torch_dtype(config.dtype))
    net.train()
    params = list(net.parameters())
    opt = make_optimizer(params, config.optimizer, lr=config.lr,
                         weight_decay=config.weight_decay, momentum=config.momentum)
    X_t = _to_tensor(X_np, config.dtype, device)
    y_t = _to_tensor(y_np, config.dtype, device)
    batch = min(config.batch_size, n_train)

    def snapshot() -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in net.state_dict().items()}

    def evaluate(Z: torch.Tensor) -> torch.Tensor:   # in eval mode (dropout, batch norm)
        net.eval()
        try:
            return _outputs(net, Z)
        finally:
            net.train()

    def step_fn(idx: torch.Tensor) -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        loss = (_outputs(net, X_t[idx]) - y_t[idx]).square().mean()
        loss.backward()
        opt.step()
        return loss.detach()

    run = run_schedule(config, n_train, batch, generator, step_fn, snapshot,
                       validation_loss(evaluate, val), "training TorchRegressor")
    step, reason, best_state, best_step = (run.steps, run.stopped_reason, run.best_state,
                                           run.best_step)
    loss_curve, val_curve, seconds = run.loss_curve, run.validation_curve, run.seconds
    if best_state is not None:
        net.load_state_dict(best_state)
    return {"module": net, "steps": step, "epochs": step * batch / n_train,
            "stopped_reason": reason, "seconds": seconds, "loss_curve": loss_curve,
            "validation_curve": val_curve, "best_step": best_step}
