"""Many independent one-hidden-layer ReLU networks trained as one batched computation.

:class:`BatchedMLP` trains ``B`` networks, each on its own data set ``(X_i, y_i)`` of the
same shape, each with its own seed and (where shapes allow) its own learning rate, weight
decay, momentum and initialisation scale. Network ``i`` follows the recipe of
:mod:`hardlearn.learners.mlp` exactly, so it ends with the weights that
:class:`~hardlearn.learners.mlp.MLPRegressor` reaches alone with the same seed and data (up to
float rounding: sums are taken in another order):

* **Randomness.** Network ``i`` owns a CPU :class:`torch.Generator` seeded with
  ``draw_seed(G_i)`` (``G_i`` from its ``rng`` exactly as ``MLPRegressor`` resolves it; the
  seeds are drawn in network order at the start of ``fit``). From it come, in the recipe's
  order, the validation permutation (with ``early_stopping``), the initialisation
  (:func:`~hardlearn.learners.mlp.init_parameters` itself is called) and one permutation of
  the training rows per epoch. All networks have the same number of training rows, so their
  epochs line up, and each network's minibatches hold its rows in the order
  ``MLPRegressor`` visits them (full-batch steps included), so every step sums the same rows.
* **Step.** The forward and backward passes are written out by hand on stacked tensors
  (``torch.bmm`` / ``baddbmm``): for pre-activations ``P = [X_b | 1] [W1^T; b1]``,
  ``M = [P > 0]``, ``r = f(X_b) - y_b`` and ``dL/df = 2 r / |b|``: ``dL/db2 = sum dL/df``,
  ``G = [X_b | 1]^T (M * dL/df)``, ``dL/d[W1^T; b1] = G * w2`` and ``dL/dw2 = relu(P)^T dL/df``,
  taken as the column sums of ``[W1^T; b1] * G`` (the same number, since ``relu(P) = M * P``,
  without a second pass over the ``rows x width`` activations). Each network's loss is its
  own mean, so gradients never mix between networks. Scratch tensors are allocated once per
  chunk, not per step.
* **Optimisers.** Adam and SGD (with momentum and torch's coupled L2 weight decay) are applied
  to one flat ``(B, P)`` buffer holding every network's ``[W1^T; b1], w2, b2``. Both updates
  are elementwise, so this is ``torch.optim.Adam`` / ``torch.optim.SGD`` per network. When
  the chunk shares one Adam ``lr`` and ``weight_decay`` it runs torch's fused Adam kernel
  (one pass instead of seven); otherwise the per-network coefficients are ``(B, 1)`` columns
  in the formulas of torch's single-tensor implementations, in their order of operations.
* **Budgets.** ``steps`` / ``epochs`` as in ``MLPRegressor``. ``max_seconds`` bounds the
  training loop of each chunk (below): every network trains for at most ``max_seconds`` of
  wall time, as it would alone, and the batch as a whole for at most ``n_chunks *
  max_seconds``. ``network_max_seconds`` gives each network its own limit of wall time from
  the start of ``fit`` (so a later chunk's wait counts): a network whose limit is spent
  stops with reason ``"time"`` and keeps the weights it had then (its best ones under early
  stopping), the others go on (the sweep's ``learn`` batches hold each trial to its own
  ``budget_seconds`` so). ``early_stopping`` works per network: each keeps its own
  validation split, best weights and patience count; a network that stops keeps its best
  weights (the chunk goes on computing it until all its networks have stopped, which costs
  time, not results).

**Chunking.** The batch is cut into chunks of networks trained together from the first step
to the last, one chunk after another; inside a step a chunk's rows may be cut into blocks
whose gradients are summed. The rule (:func:`plan_chunks`, reported as ``chunking_``):

* CPU: the activations of one block, ``networks * rows * width * itemsize`` bytes, stay
  within :data:`CPU_BLOCK_BYTES` (a cache-sized budget measured with
  ``benchmarks/bench_batched.py``). A naive batched version whose ``(B, n, width)``
  activations fell out of cache ran 4x slower than the one-at-a-time loop at full batch.
* CUDA: as many networks per chunk as fit in :data:`CUDA_MEMORY_FRACTION` of the free device
  memory (``torch.cuda.mem_get_info`` plus the memory torch's allocator holds in reserve),
  with the per-network footprint of :func:`plan_chunks`; rows are cut into blocks only when
  a single network's activations would not fit.

The chunking changes nothing that is drawn, only the order of some sums (row blocks), so
the results do not depend on it beyond rounding (tested).

**How close is "the same weights".** In float64 the networks agree with ``MLPRegressor`` to
about 1e-10, in float32 to about 1e-6 (tested), with one exception that belongs to the
recipe, not to batching: with ``output_scale = 0`` the network starts at ``b2 =
mean(y_train)``, so the first gradient of ``b2`` is pure rounding noise, and Adam's first step
moves ``b2`` by ``+-lr`` following its sign. Sums taken in another order can give the other
sign, and the two runs then differ by a few ``lr``. Rows are visited in ``MLPRegressor``'s
order, so this happens only when a step's rows are cut into blocks (full-batch steps on more
than ``block_bytes / (width * itemsize)`` rows; 4,096 at width 256 in float32) or when the
two run on different devices (``MLPRegressor`` on CPU against CUDA has the same issue).

The chunk planner lives in :mod:`hardlearn.learners._batched_plan` and the training loop in
:mod:`hardlearn.learners._batched_core` (``plan_chunks`` and its two constants are
re-exported here). :func:`~hardlearn.learners.batched_eval.evaluate_learners_batched` is
:func:`hardlearn.metrics.evaluate_learner` for a group of ``MLPRegressor`` trials trained
together; :func:`~hardlearn.learners.batched_eval.batch_key` says which trials can be
grouped.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from hardlearn._rng import as_generator, draw_seed
from hardlearn._validation import check_allocation, check_int, check_real
from hardlearn.errors import ParameterError
from hardlearn.learners._batched_core import train_chunk
from hardlearn.learners._batched_plan import CPU_BLOCK_BYTES, CUDA_MEMORY_FRACTION, plan_chunks
from hardlearn.learners._mlp_params import (
    KNOWN,
    PER_NETWORK,
    SHARED,
    TrainConfig,
    check_per_network,
    check_shared,
    n_validation,
    train_config,
)
from hardlearn.learners.mlp import MLPRegressor

__all__ = [
    "BatchedMLP",
    "plan_chunks",
    "CPU_BLOCK_BYTES",
    "CUDA_MEMORY_FRACTION",
]

_NAME = "BatchedMLP"

def _per_network(name: str, value: Any, n: int) -> np.ndarray:
    """A scalar or a length-``n`` sequence of reals -> float64 array of length ``n``."""
    full = f"{_NAME}.{name}"
    if np.ndim(value) == 0:
        return np.full(n, check_per_network(full, name, value))
    arr = list(value)
    if len(arr) != n:
        raise ParameterError(
            f"{full} must be a number or one number per network ({n}); got {len(arr)} values."
        )
    return np.array([check_per_network(f"{full}[{i}]", name, v) for i, v in enumerate(arr)])


class BatchedMLP(BaseEstimator):
    """``B`` independent :class:`~hardlearn.learners.mlp.MLPRegressor` networks trained at once.

    Network ``i`` is trained on ``X[i]``, ``y[i]`` exactly as ``MLPRegressor(**shared,
    lr=lr[i], weight_decay=weight_decay[i], momentum=momentum[i], init_scale=init_scale[i],
    output_scale=output_scale[i], rng=rng[i])`` would be (module docstring), in chunks sized
    by :func:`plan_chunks`.

    Parameters
    ----------
    width, optimizer, batch_size, steps, epochs, max_seconds, early_stopping, \
validation_fraction, eval_every, patience, dtype, device
        Shared by all networks; as in ``MLPRegressor`` (``max_seconds`` bounds each chunk's
        training loop, so each network's, as alone).
    lr, weight_decay, momentum, init_scale, output_scale : float or sequence of float
        One value for all networks, or one per network (length ``B``).
    network_max_seconds : sequence of (float or None), optional
        One limit per network on the wall time from the start of ``fit`` (None: none), on
        top of ``max_seconds``; a network that reaches it stops alone (module docstring).
    rng : sequence, optional
        One seed per network: int, ``numpy.random.Generator`` or None (seed 0), resolved as
        ``MLPRegressor`` resolves its ``rng``. None means seed 0 for every network.
    chunk_size : int, optional
        Networks per chunk; default from :func:`plan_chunks` (cache on CPU, memory on CUDA).
    block_bytes : int, optional
        CPU activation budget per block (bytes); default :data:`CPU_BLOCK_BYTES`.

    Attributes
    ----------
    W1_, b1_, w2_, b2_ : numpy.ndarray
        Stacked weights, shapes (B, width, d), (B, width), (B, width), (B,), in ``dtype``.
    n_steps_ : numpy.ndarray of int, shape (B,)
    n_epochs_ : numpy.ndarray of float, shape (B,)
    stopped_reason_ : list of str
        ``"steps"``, ``"time"`` or ``"early_stopping"`` per network.
    loss_curve_, validation_curve_ : list of list of float
        Per network, as ``MLPRegressor``'s ``loss_curve_`` and ``validation_curve_``.
    best_step_ : list of int or None
    fit_seconds_ : float
        Wall time of all the chunks' training loops.
    network_seconds_ : numpy.ndarray, shape (B,)
        Each network's share: its chunk's loop time divided by the chunk's size.
    chunking_ : dict
        The plan of :func:`plan_chunks` that was used.
    device_ : str
    n_networks_, n_features_in_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((3, 64, 2))
    >>> y = X[..., 0] ** 2
    >>> est = BatchedMLP(width=8, steps=20, batch_size=16, lr=[1e-2, 1e-3, 1e-2],
    ...                  device="cpu", rng=[0, 1, 2]).fit(X, y)
    >>> est.W1_.shape, est.predict(X).shape, est.n_steps_.tolist()
    ((3, 8, 2), (3, 64), [20, 20, 20])
    >>> alone = MLPRegressor(width=8, steps=20, batch_size=16, lr=1e-2, device="cpu",
    ...                      rng=2).fit(X[2], y[2])
    >>> bool(np.allclose(alone.W1_, est.W1_[2], atol=1e-5))
    True
    """

    def __init__(
        self,
        width: int = 256,
        optimizer: str = "adam",
        lr: Any = 1e-3,
        momentum: Any = 0.0,
        batch_size: int = 256,
        steps: int | None = None,
        epochs: int | None = None,
        weight_decay: Any = 0.0,
        init_scale: Any = 1.0,
        output_scale: Any = 0.0,
        max_seconds: float | None = None,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        eval_every: int = 100,
        patience: int = 10,
        dtype: str = "float32",
        device: str = "auto",
        rng: Sequence[Any] | None = None,
        chunk_size: int | None = None,
        block_bytes: int | None = None,
        network_max_seconds: Sequence[float | None] | None = None,
    ) -> None:
        self.network_max_seconds = network_max_seconds
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
        self.rng = rng
        self.chunk_size = chunk_size
        self.block_bytes = block_bytes

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_regressors(cls, learners: Sequence[MLPRegressor], **kwargs: Any) -> BatchedMLP:
        """The batch of ``learners`` (unfitted ``MLPRegressor`` s that differ at most in
        ``lr``, ``weight_decay``, ``momentum``, ``init_scale``, ``output_scale`` and
        ``rng``).

        ``kwargs`` (``chunk_size``, ``block_bytes``) are passed on. A learner whose other
        parameters differ from the first one's raises :class:`ParameterError` naming them.

        Examples
        --------
        >>> nets = [MLPRegressor(width=4, steps=3, lr=lr, rng=i)
        ...         for i, lr in enumerate([1e-2, 1e-3])]
        >>> BatchedMLP.from_regressors(nets).lr
        [0.01, 0.001]
        """
        learners = list(learners)
        if not learners:
            raise ParameterError(f"{_NAME}.from_regressors needs at least one learner; got 0.")
        params = [est.get_params(deep=False) for est in learners]
        for i, p in enumerate(params):
            if not isinstance(learners[i], MLPRegressor):
                raise ParameterError(
                    f"{_NAME}.from_regressors takes MLPRegressor learners; learner {i} is a "
                    f"{type(learners[i]).__name__}."
                )
            unknown = sorted(set(p) - KNOWN)
            if unknown:
                raise ParameterError(
                    f"{_NAME}.from_regressors: learner {i} has parameters this batched trainer "
                    f"does not implement ({', '.join(unknown)}); train it alone."
                )
            diff = [k for k in SHARED if p[k] != params[0][k]]
            if diff:
                raise ParameterError(
                    f"{_NAME}.from_regressors: learner {i} differs from learner 0 in "
                    f"{', '.join(diff)}; only {', '.join(PER_NETWORK)} and rng may differ "
                    "within a batch."
                )
        shared = {k: params[0][k] for k in SHARED}
        per: dict[str, Any] = {k: [p[k] for p in params] for k in PER_NETWORK}
        # Each network's seed as MLPRegressor resolves it: random_state when set, else rng.
        seeds = [p["rng"] if p.get("random_state") is None else p["random_state"] for p in params]
        return cls(**shared, **per, rng=seeds, **kwargs)

    # ------------------------------------------------------------------ checks
    def _check(self, n_networks: int, n: int) -> tuple[TrainConfig, dict[str, np.ndarray]]:
        """Check the hyper-parameters (:mod:`hardlearn.learners._mlp_params`, the rules
        ``MLPRegressor`` shares) and resolve them: the config and the per-network arrays."""
        p = _NAME + "."
        shared = {k: getattr(self, k) for k in SHARED}
        check_shared(p, shared)
        if self.chunk_size is not None:
            check_int(p + "chunk_size", self.chunk_size, minimum=1)
        if self.block_bytes is not None:
            check_int(p + "block_bytes", self.block_bytes, minimum=1)
        hyper = {k: _per_network(k, getattr(self, k), n_networks) for k in PER_NETWORK}
        n_train = n - n_validation(n, self.early_stopping, self.validation_fraction)
        if n_train < 1:
            raise ParameterError(
                f"{_NAME} with early_stopping=True needs at least 2 samples per network to "
                f"split off a validation set (validation_fraction={self.validation_fraction:g})"
                f"; got n_samples = {n}."
            )
        return train_config(shared, n), hyper

    def _network_limits(self, n_networks: int) -> np.ndarray | None:
        """``network_max_seconds`` as a (B,) array (inf for None), or None when not set."""
        if self.network_max_seconds is None:
            return None
        limits = list(self.network_max_seconds)
        if len(limits) != n_networks:
            raise ParameterError(
                f"{_NAME}.network_max_seconds must hold one limit per network ({n_networks}); "
                f"got {len(limits)}."
            )
        out = np.empty(n_networks)
        for i, v in enumerate(limits):
            out[i] = np.inf if v is None else check_real(
                f"{_NAME}.network_max_seconds[{i}]", v, low=0.0, low_open=True)
        return out

    def _check_data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        try:
            X = np.asarray(X if not isinstance(X, list | tuple) else np.stack(X),
                           dtype=np.float64)
            y = np.asarray(y if not isinstance(y, list | tuple) else np.stack(y),
                           dtype=np.float64)
        except (ValueError, TypeError) as exc:
            raise ParameterError(
                f"{_NAME}.fit: X and y must be arrays (or lists of equally shaped arrays) of "
                f"numbers; {exc}"
            ) from None
        if X.ndim != 3 or X.shape[0] < 1 or X.shape[1] < 1 or X.shape[2] < 1:
            raise ParameterError(
                f"{_NAME}.fit: X must have shape (networks, samples, features), each >= 1; "
                f"got shape {X.shape}."
            )
        if y.shape != X.shape[:2]:
            raise ParameterError(
                f"{_NAME}.fit: y must have shape (networks, samples) = {X.shape[:2]}; got "
                f"shape {y.shape}."
            )
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise ParameterError(f"{_NAME}.fit: X and y must be finite; got nan or inf.")
        return X, y

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any) -> BatchedMLP:
        """Train network ``i`` on ``X[i]`` (n, d) and ``y[i]`` (n,); returns self.

        ``X`` has shape (B, n, d) (or is a list of B arrays (n, d)); ``y`` (B, n).
        """
        fit_start = time.perf_counter()
        X, y = self._check_data(X, y)
        B, n, dim = X.shape
        config, hyper = self._check(B, n)
        check_allocation(f"{_NAME} networks x width x d (hidden weights)",
                         (B, config.width, dim))
        rngs = self.rng if self.rng is not None else [None] * B
        rngs = list(rngs)
        if len(rngs) != B:
            raise ParameterError(
                f"{_NAME}.rng must hold one seed per network ({B}); got {len(rngs)}."
            )
        seeds = [  # as MLPRegressor resolves its rng (None -> seed 0)
            draw_seed(as_generator(r, name=f"{_NAME}.rng[{i}]", none_is_zero=True))
            for i, r in enumerate(rngs)
        ]
        limits = self._network_limits(B)
        n_val = n_validation(n, config.early_stopping, config.validation_fraction)
        plan = plan_chunks(
            B, n_train=n - n_val, n_val=n_val, dim=dim, width=config.width,
            batch=config.batch_size, dtype=config.dtype, device=config.device,
            chunk_size=self.chunk_size, block_bytes=self.block_bytes,
            early_stopping=config.early_stopping,
        )
        flat = np.empty((B, dim + 1, config.width), dtype=config.dtype)
        w2 = np.empty((B, config.width), dtype=config.dtype)
        b2 = np.empty(B, dtype=config.dtype)
        out: dict[str, list[Any]] = {k: [] for k in (
            "steps", "reason", "loss", "val", "best")}
        net_seconds = np.empty(B)
        total = 0.0
        size = plan["chunk_size"]
        for start in range(0, B, size):
            sl = slice(start, min(B, start + size))
            res = train_chunk(
                X[sl], y[sl], config, {k: v[sl] for k, v in hyper.items()}, seeds[sl],
                block_rows=plan["block_rows"],
                deadlines=None if limits is None else fit_start + limits[sl],
            )
            flat[sl], w2[sl], b2[sl] = res["WT"], res["w2"], res["b2"]
            for k in out:
                out[k].extend(res[k])
            total += res["seconds"]
            net_seconds[sl] = res["seconds"] / (sl.stop - sl.start)
        self.W1_ = np.ascontiguousarray(flat[:, :dim, :].transpose(0, 2, 1))
        self.b1_ = np.ascontiguousarray(flat[:, dim, :])
        self.w2_, self.b2_ = w2, b2
        self.n_steps_ = np.array(out["steps"], dtype=np.int64)
        self.n_epochs_ = self.n_steps_ * config.batch_size / (n - n_val)
        self.stopped_reason_ = out["reason"]
        self.loss_curve_ = out["loss"]
        self.validation_curve_ = out["val"]
        self.best_step_ = out["best"]
        self.fit_seconds_ = total
        self.network_seconds_ = net_seconds
        self.chunking_ = plan
        self.device_ = config.device
        self.n_networks_ = B
        self.n_features_in_ = dim
        return self

    # ------------------------------------------------------------------ outputs
    def to_regressors(self) -> list[MLPRegressor]:
        """Network ``i`` as a fitted ``MLPRegressor`` with the attributes its own ``fit``
        would set (``fit_seconds_`` is the network's share, ``network_seconds_[i]``).

        Examples
        --------
        >>> X = np.random.default_rng(0).standard_normal((2, 32, 3))
        >>> est = BatchedMLP(width=4, steps=2, device="cpu", rng=[0, 1]).fit(X, X[..., 0])
        >>> regs = est.to_regressors()
        >>> regs[1].predict(X[1, :2]).shape, regs[1].n_steps_
        ((2,), 2)
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "W1_")
        regs = []
        per = {k: np.broadcast_to(np.asarray(getattr(self, k), dtype=np.float64),
                                  (self.n_networks_,)) for k in PER_NETWORK}
        rngs = list(self.rng) if self.rng is not None else [None] * self.n_networks_
        shared = {k: getattr(self, k) for k in SHARED}
        for i in range(self.n_networks_):
            own: dict[str, Any] = {k: float(v[i]) for k, v in per.items()}
            reg = MLPRegressor(**shared, **own, rng=rngs[i])
            reg.W1_, reg.b1_, reg.w2_ = self.W1_[i], self.b1_[i], self.w2_[i]
            reg.b2_ = np.asarray(self.b2_[i])
            reg.n_steps_ = int(self.n_steps_[i])
            reg.n_epochs_ = float(self.n_epochs_[i])
            reg.stopped_reason_ = self.stopped_reason_[i]
            reg.loss_curve_ = list(self.loss_curve_[i])
            reg.validation_curve_ = list(self.validation_curve_[i])
            reg.best_step_ = self.best_step_[i]
            reg.fit_seconds_ = float(self.network_seconds_[i])
            reg.device_ = self.device_
            reg.n_features_in_ = self.n_features_in_
            regs.append(reg)
        return regs

    def predict(self, X: Any) -> np.ndarray:
        """Each network's output, in float64 as ``MLPRegressor.predict`` computes it.

        ``X`` is (B, m, d) (network ``i`` sees ``X[i]``) or (m, d) (all see it); returns
        (B, m).
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "W1_")
        X = np.asarray(X, dtype=np.float64)
        B, d = self.n_networks_, self.n_features_in_
        if not ((X.ndim == 2 and X.shape[1] == d) or (X.ndim == 3 and X.shape[0] == B
                                                     and X.shape[2] == d)):
            raise ParameterError(
                f"{_NAME}.predict: X must have shape (m, {d}) or ({B}, m, {d}); got shape "
                f"{X.shape}."
            )
        regs = self.to_regressors()
        return np.stack([reg.predict(X if X.ndim == 2 else X[i]) for i, reg in
                         enumerate(regs)])
