"""The hyper-parameters that :class:`~hardlearn.learners.mlp.MLPRegressor` and
:class:`~hardlearn.learners.batched.BatchedMLP` share: their names, their checks, and the
rules that turn them into a :class:`TrainConfig` (the validation split and the step count).

Both learners take the same 17 hyper-parameters (``MLPRegressor`` also ``progress``), and
they must mean the same thing in both, because a network trained in a batch must end with
the weights it reaches alone. They fall into groups that also say which trials may share a
batch (:data:`SHARED` equal; :data:`BATCH_FREE` may differ): that rule is used both by
:func:`hardlearn.learners.batched_eval.batch_key` (on learners) and by the ``learn`` task kind's
``group_key`` (on a sweep's learner parameters).

Nothing here imports torch at import time.

Examples
--------
>>> config = train_config(DEFAULTS, 1000)
>>> config.batch_size, config.steps
(256, 2000)
>>> train_config({**DEFAULTS, "steps": None, "epochs": 2}, 1000).steps  # 2 * ceil(900/256)
8
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hardlearn._validation import check_choice, check_int, check_real
from hardlearn.errors import ParameterError

__all__ = [
    "DEFAULT_STEPS",
    "SHARED",
    "PER_NETWORK",
    "NO_EFFECT",
    "SEEDS",
    "BATCH_FREE",
    "KNOWN",
    "DEFAULTS",
    "TrainConfig",
    "check_device",
    "resolve_device",
    "check_shared",
    "check_per_network",
    "check_flag",
    "n_validation",
    "step_count",
    "train_config",
]

#: Minibatch updates when neither ``steps`` nor ``epochs`` is given.
DEFAULT_STEPS = 2000

#: Hyper-parameters every network of one batch has in common (the shapes of the batched
#: computation and its schedule).
SHARED = (
    "width", "optimizer", "batch_size", "steps", "epochs", "max_seconds", "early_stopping",
    "validation_fraction", "eval_every", "patience", "dtype", "device",
)
#: Hyper-parameters that may differ between the networks of one batch (each network's
#: optimiser coefficients and initialisation scales are columns of the batched update).
PER_NETWORK = ("lr", "weight_decay", "momentum", "init_scale", "output_scale")
#: Parameters that do not change the trained weights.
NO_EFFECT = ("progress",)
#: The seed parameters (``random_state`` wins when set; baselines.seed_parameter).
SEEDS = ("rng", "random_state")
#: Parameters that may differ between trials trained as one batch.
BATCH_FREE = frozenset(PER_NETWORK + NO_EFFECT + SEEDS)
#: Every parameter of ``MLPRegressor`` this module knows; a learner with another one (a newer
#: or a derived ``MLPRegressor``) is not batched.
KNOWN = frozenset(SHARED) | BATCH_FREE

#: The defaults of both learners' hyper-parameters (``rng`` aside).
DEFAULTS: Mapping[str, Any] = {
    "width": 256, "optimizer": "adam", "lr": 1e-3, "momentum": 0.0, "batch_size": 256,
    "steps": None, "epochs": None, "weight_decay": 0.0, "init_scale": 1.0,
    "output_scale": 0.0, "max_seconds": None, "early_stopping": True,
    "validation_fraction": 0.1, "eval_every": 100, "patience": 10, "dtype": "float32",
    "device": "auto",
}

#: The range of each per-network hyper-parameter (keywords of ``check_real``).
_PER_NETWORK_RANGE: dict[str, dict[str, Any]] = {
    "lr": {"low": 0.0, "low_open": True},
    "weight_decay": {"low": 0.0},
    "momentum": {"low": 0.0, "high": 1.0, "high_open": True},
    "init_scale": {"low": 0.0},
    "output_scale": {"low": 0.0},
}


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of :func:`~hardlearn.learners.mlp.train_network`, resolved: the
    batch size capped at the training rows, ``epochs`` turned into ``steps``, the device
    chosen (see the recipe of :mod:`hardlearn.learners.mlp` for their meaning)."""

    width: int = 256
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    batch_size: int = 256
    steps: int = DEFAULT_STEPS
    weight_decay: float = 0.0
    init_scale: float = 1.0
    output_scale: float = 0.0
    max_seconds: float | None = None
    early_stopping: bool = False
    validation_fraction: float = 0.1
    eval_every: int = 100
    patience: int = 10
    tol: float = 0.0
    dtype: str = "float32"
    device: str = "cpu"
    progress: bool = False


def check_device(name: str, device: Any) -> str:
    """The device as a string (``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``); refuses others.

    A :class:`torch.device` is accepted and written as its string. Nothing is imported.

    Examples
    --------
    >>> check_device("device", "cuda:1")
    'cuda:1'
    """
    text = str(device) if type(device).__name__ == "device" else device
    if isinstance(text, str):
        kind, _, index = text.partition(":")
        if (kind in ("auto", "cpu", "cuda") and not index) or (
            kind == "cuda" and index.isdigit()
        ):
            return text
    raise ParameterError(
        f"{name} must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device; got {device!r}."
    )


def resolve_device(device: Any) -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``; checks the others.

    ``"cuda:N"`` and :class:`torch.device` are accepted; a CUDA index torch cannot see is
    refused.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    import torch

    device = check_device("device", device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ParameterError(
                f"device={device!r} was asked for but torch sees no CUDA device; use "
                "device='cpu' or 'auto'."
            )
        index = int(device.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise ParameterError(
                f"device={device!r} names CUDA device {index} but torch sees "
                f"{torch.cuda.device_count()}; use an index below that."
            )
    return device


def check_flag(name: str, value: Any) -> bool:
    """A true-or-false parameter (numpy booleans accepted)."""
    if not isinstance(value, bool | np.bool_):
        raise ParameterError(f"{name} must be true or false; got {value!r}.")
    return bool(value)


def check_shared(prefix: str, params: Mapping[str, Any]) -> None:
    """Check the :data:`SHARED` hyper-parameters; errors name ``prefix + name``.

    Examples
    --------
    >>> check_shared("MLPRegressor.", {**DEFAULTS, "steps": 10, "epochs": 2})
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: MLPRegressor.steps and MLPRegressor.epochs are exclusive: ...
    """
    p = prefix
    check_int(p + "width", params["width"], minimum=1)
    check_choice(p + "optimizer", params["optimizer"], ("adam", "sgd"))
    check_int(p + "batch_size", params["batch_size"], minimum=1)
    steps, epochs = params["steps"], params["epochs"]
    if steps is not None and epochs is not None:
        raise ParameterError(
            f"{p}steps and {p}epochs are exclusive: give one; got steps={steps!r}, "
            f"epochs={epochs!r}."
        )
    if steps is not None:
        check_int(p + "steps", steps, minimum=1)
    if epochs is not None:
        check_int(p + "epochs", epochs, minimum=1)
    if params["max_seconds"] is not None:
        check_real(p + "max_seconds", params["max_seconds"], low=0.0, low_open=True)
    check_flag(p + "early_stopping", params["early_stopping"])
    check_real(
        p + "validation_fraction", params["validation_fraction"], low=0.0, high=1.0,
        low_open=True, high_open=True,
    )
    check_int(p + "eval_every", params["eval_every"], minimum=1)
    check_int(p + "patience", params["patience"], minimum=1)
    check_choice(p + "dtype", params["dtype"], ("float32", "float64"))
    check_device(p + "device", params["device"])


def check_per_network(name: str, key: str, value: Any) -> float:
    """Check one value of the :data:`PER_NETWORK` hyper-parameter ``key`` (error names ``name``).

    Examples
    --------
    >>> check_per_network("MLPRegressor.momentum", "momentum", 0.9)
    0.9
    """
    return check_real(name, value, **_PER_NETWORK_RANGE[key])


def n_validation(n: int, early_stopping: bool, validation_fraction: float) -> int:
    """Rows held out for early stopping: ``max(1, round(validation_fraction * n))``, or 0.

    Examples
    --------
    >>> n_validation(1000, True, 0.1), n_validation(1000, False, 0.1)
    (100, 0)
    """
    return max(1, round(validation_fraction * n)) if early_stopping else 0


def step_count(steps: int | None, epochs: int | None, n_train: int, batch: int) -> int:
    """Minibatch updates: ``steps``, or ``epochs * ceil(n_train / batch)``, or
    :data:`DEFAULT_STEPS` when neither is given.

    Examples
    --------
    >>> step_count(None, 3, 1000, 256), step_count(50, None, 1000, 256)
    (12, 50)
    """
    if epochs is not None:
        return int(epochs) * math.ceil(n_train / batch)
    return DEFAULT_STEPS if steps is None else int(steps)


def train_config(
    params: Mapping[str, Any], n: int, *, progress: bool = False, **per_network: Any
) -> TrainConfig:
    """The :class:`TrainConfig` of checked hyper-parameters ``params`` for ``n`` rows.

    ``params`` holds at least :data:`SHARED`; ``per_network`` optionally the scalar values of
    :data:`PER_NETWORK` (a batch keeps them per network, outside the config). The batch size
    is capped at the training rows (:func:`n_validation` rows are held out) and the device is
    resolved (:func:`resolve_device`; this imports torch).
    """
    n_train = n - n_validation(n, params["early_stopping"], params["validation_fraction"])
    batch = min(int(params["batch_size"]), max(n_train, 1))
    return TrainConfig(
        width=int(params["width"]),
        optimizer=params["optimizer"],
        batch_size=batch,
        steps=step_count(params["steps"], params["epochs"], n_train, batch),
        max_seconds=None if params["max_seconds"] is None else float(params["max_seconds"]),
        early_stopping=bool(params["early_stopping"]),
        validation_fraction=float(params["validation_fraction"]),
        eval_every=int(params["eval_every"]),
        patience=int(params["patience"]),
        dtype=params["dtype"],
        device=resolve_device(params["device"]),
        progress=bool(progress),
        **{k: float(v) for k, v in per_network.items()},
    )
