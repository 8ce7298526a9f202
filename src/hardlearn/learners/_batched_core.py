"""The training loop of :class:`~hardlearn.learners.batched.BatchedMLP`: one chunk of
networks, stacked, through the recipe of :mod:`hardlearn.learners.mlp`.

The mathematics, the chunking rule and the equivalence with ``MLPRegressor`` are described
in :mod:`hardlearn.learners.batched`; this module holds the engine: the step
(:func:`train_chunk`), each epoch's row order (:class:`EpochPermutations`,
:func:`stacked_epoch_batches`) and the optimisers on a flat parameter buffer
(:class:`FlatOptimizer`).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn.errors import HardlearnError
from hardlearn.learners._mlp_core import init_parameters
from hardlearn.learners._mlp_params import TrainConfig

if TYPE_CHECKING:  # pragma: no cover
    import torch

#: Adam's coefficients, as ``torch.optim.Adam``'s defaults (``MLPRegressor`` uses those).
_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8
#: Host threads drawing the next epoch's permutations while a CUDA chunk trains.
_PERM_THREADS = 8


def train_chunk(
    X: np.ndarray,
    y: np.ndarray,
    config: TrainConfig,
    hyper: dict[str, np.ndarray],
    seeds: list[int],
    *,
    block_rows: int,
    deadlines: np.ndarray | None = None,
) -> dict[str, Any]:
    """Train the ``b`` networks of one chunk (the module recipe); numpy results.

    ``deadlines`` (shape (b,), ``time.perf_counter()`` values, inf for none): a network past
    its deadline stops with reason ``"time"``; its weights at that step are kept (its best ones
    under early stopping) while the others train on.
    """
    import torch

    b, n, dim = X.shape
    width, device = config.width, config.device
    tdtype = {"float32": torch.float32, "float64": torch.float64}[config.dtype]
    gens = [torch.Generator(device="cpu").manual_seed(s) for s in seeds]

    # Draws 1 and 2 of the recipe, network by network: validation split, initialisation.
    Xtr, ytr, Xva, yva = [], [], [], []
    inits = []
    for i in range(b):
        Xi, yi = X[i], y[i]
        if config.early_stopping:
            n_val = max(1, round(config.validation_fraction * n))
            perm = torch.randperm(n, generator=gens[i]).numpy()
            Xva.append(Xi[perm[:n_val]])
            yva.append(yi[perm[:n_val]])
            Xi, yi = Xi[perm[n_val:]], yi[perm[n_val:]]
        Xtr.append(Xi)
        ytr.append(yi)
        p = init_parameters(
            dim, width, generator=gens[i], init_scale=float(hyper["init_scale"][i]),
            output_scale=float(hyper["output_scale"][i]), output_bias=float(np.mean(yi)),
            dtype=config.dtype, device="cpu",
        )
        inits.append(p)
    n_train = Xtr[0].shape[0]

    def stack_inputs(parts: list[np.ndarray]) -> torch.Tensor:
        # One pass: each network's rows are cast into place beside the ones column.
        arr = np.empty((len(parts), parts[0].shape[0], dim + 1), dtype=config.dtype)
        for i, part in enumerate(parts):
            arr[i, :, :dim] = part
        arr[:, :, dim] = 1.0
        return torch.from_numpy(arr).to(device)

    Xt = stack_inputs(Xtr)  # (b, n_train, d + 1): a ones column carries b1
    yt = torch.from_numpy(np.stack(ytr).astype(config.dtype)).to(device)
    if config.early_stopping:
        Xv = stack_inputs(Xva)
        yv = torch.from_numpy(np.stack(yva).astype(config.dtype)).to(device)

    # Flat parameters: [W1^T ; b1] (d + 1, width), w2 (width), b2 (1) per network.
    nW = (dim + 1) * width
    P = nW + width + 1
    with torch.no_grad():
        host = torch.empty(b, P, dtype=tdtype)
        for i, p in enumerate(inits):
            host[i, : dim * width] = p["W1"].detach().t().reshape(-1)
            host[i, dim * width : nW] = p["b1"].detach()
            host[i, nW : nW + width] = p["w2"].detach()
            host[i, -1] = p["b2"].detach()
    theta = host.to(device)
    grad = torch.zeros_like(theta)
    WT, w2, b2 = theta[:, :nW].view(b, dim + 1, width), theta[:, nW:-1], theta[:, -1]
    gWT, gw2, gb2 = grad[:, :nW].view(b, dim + 1, width), grad[:, nW:-1], grad[:, -1:]
    w2_row, b2_col = w2.unsqueeze(1), b2.view(b, 1, 1)

    opt = FlatOptimizer(config.optimizer, theta, hyper, tdtype, device)

    # Scratch buffers for the step, allocated once: a fresh multi-megabyte tensor per step
    # costs page faults on CPU (measured at B = 64, width 256: Adam's formulas with fresh
    # temporaries took 1.5 ms a step, the fused kernel 0.1 ms; over a whole minibatch step
    # the buffers saved 2-8%, more when the machine was busy).
    max_rows = min(config.batch_size, n_train)
    block_cap = min(block_rows, max_rows)
    buf_X = torch.empty(b * max_rows * (dim + 1), dtype=tdtype, device=device)
    buf_y = torch.empty(b * max_rows, dtype=tdtype, device=device)
    buf_H = torch.empty(b * block_cap * width, dtype=tdtype, device=device)
    buf_Z = torch.empty(b * block_cap * (dim + 1), dtype=tdtype, device=device)
    buf_r = torch.empty(b * block_cap, dtype=tdtype, device=device)
    # G below, contiguous: torch.bmm into the strided gradient view ran 25% slower.
    buf_G = torch.empty(b, dim + 1, width, dtype=tdtype, device=device)
    buf_WG = torch.empty_like(buf_G)

    def view(buf: torch.Tensor, *shape: int) -> torch.Tensor:
        return buf[: math.prod(shape)].view(shape)

    def loss_and_grad(Xb: torch.Tensor, yb: torch.Tensor, loss_sum: torch.Tensor) -> None:
        """Gradient of each network's mean loss on its rows into ``grad``; that mean loss
        is added to ``loss_sum``."""
        rows = Xb.shape[1]
        for r0 in range(0, rows, block_rows):
            Xr, yr = Xb[:, r0 : r0 + block_rows], yb[:, r0 : r0 + block_rows]
            nr = Xr.shape[1]
            H = torch.bmm(Xr, WT, out=view(buf_H, b, nr, width))  # pre-activations
            H.relu_()
            res = torch.baddbmm(b2_col, w2_row, H.transpose(1, 2), out=view(buf_r, b, 1, nr))
            res.sub_(yr.unsqueeze(1))
            loss_sum.add_(torch.linalg.vecdot(res, res).squeeze(1), alpha=1.0 / rows)
            res.mul_(2.0 / rows)  # dL/df for this network's mean loss
            first = r0 == 0
            if first:
                torch.sum(res, dim=2, out=gb2)
            else:
                gb2.add_(res.sum(dim=2))
            torch.gt(H, 0, out=H)  # ReLU'(pre-activation) as 0 / 1, as autograd's
            Z = torch.mul(Xr, res.transpose(1, 2), out=view(buf_Z, b, nr, dim + 1))
            if first:
                torch.bmm(Z.transpose(1, 2), H, out=buf_G)
            else:
                buf_G.baddbmm_(Z.transpose(1, 2), H)
        # buf_G holds G = [X | 1]^T (M * dL/df). Since relu(P) = M * P and P = [X | 1] WT,
        # dL/dw2 = relu(P)^T dL/df is the column sum of WT * G: no second pass over the
        # (rows x width) activations.
        torch.sum(torch.mul(WT, buf_G, out=buf_WG), dim=1, out=gw2)
        torch.mul(buf_G, w2_row, out=gWT)

    def val_losses() -> torch.Tensor:
        with torch.no_grad():
            total = torch.zeros(b, dtype=tdtype, device=device)
            for r0 in range(0, Xv.shape[1], block_rows):
                Xr, yr = Xv[:, r0 : r0 + block_rows], yv[:, r0 : r0 + block_rows]
                H = torch.bmm(Xr, WT).relu_()
                res = torch.baddbmm(b2_col, w2_row, H.transpose(1, 2)).sub_(yr.unsqueeze(1))
                total += torch.linalg.vecdot(res, res).squeeze(1)
            return total / Xv.shape[1]

    steps_done = [0] * b
    reason = ["steps"] * b
    active = np.ones(b, dtype=bool)
    loss_curves: list[list[float]] = [[] for _ in range(b)]
    val_curves: list[list[float]] = [[] for _ in range(b)]
    best_step: list[int | None] = [None] * b
    best_theta = None
    frozen = None  # weights of networks stopped on their own time limit (no early stopping)
    frozen_rows = np.zeros(b, dtype=bool)
    if config.early_stopping:
        best_loss = val_losses().cpu().numpy().astype(np.float64)
        for i in range(b):
            val_curves[i].append(float(best_loss[i]))
        best_step = [0] * b
        best_theta = theta.clone()
        bad_evals = np.zeros(b, dtype=np.int64)

    batch = config.batch_size
    offsets = (torch.arange(b, device=device) * n_train).unsqueeze(1)
    Xflat, yflat = Xt.view(b * n_train, dim + 1), yt.view(-1)
    running = torch.zeros(b, dtype=tdtype, device=device)
    running_count = 0
    step = 0
    t0 = time.perf_counter()
    perms = EpochPermutations(gens, n_train, device)
    with perms, torch.no_grad():
        while step < config.steps and active.any():
            # Draw 3 of the recipe (also with full-batch steps, where it only orders the
            # rows: the same order gives the same sums as MLPRegressor).
            epoch_steps = stacked_epoch_batches(perms.next() + offsets, batch)
            stop = False
            for flat_idx in epoch_steps:
                nb = flat_idx.numel() // b
                Xb = torch.index_select(Xflat, 0, flat_idx, out=view(buf_X, b * nb, dim + 1))
                Xb = Xb.view(b, nb, dim + 1)
                yb = torch.index_select(yflat, 0, flat_idx, out=view(buf_y, b * nb)).view(b, nb)
                loss_and_grad(Xb, yb, running)
                opt.step(theta, grad)
                running_count += 1
                step += 1
                if step % config.eval_every == 0 or step == config.steps:
                    means = (running / running_count).cpu().numpy().astype(np.float64)
                    running.zero_()
                    running_count = 0
                    for i in np.flatnonzero(active).tolist():
                        loss_curves[i].append(float(means[i]))
                    if config.early_stopping:
                        current = val_losses().cpu().numpy().astype(np.float64)
                        for i in np.flatnonzero(active).tolist():
                            val_curves[i].append(float(current[i]))
                        better = active & (current < best_loss - config.tol)
                        worse = active & ~better
                        if better.any():
                            best_loss[better] = current[better]
                            bad_evals[better] = 0
                            rows_t = torch.from_numpy(np.flatnonzero(better)).to(device)
                            if best_theta is None:  # set with early_stopping
                                raise HardlearnError("BatchedMLP: early stopping without "
                                                     "its best-weights snapshot.")
                            best_theta.index_copy_(0, rows_t, theta.index_select(0, rows_t))
                            for i in np.flatnonzero(better).tolist():
                                best_step[i] = step
                        bad_evals[worse] += 1
                        for i in np.flatnonzero(worse & (bad_evals >= config.patience)).tolist():
                            reason[i] = "early_stopping"
                            steps_done[i] = step
                            active[i] = False
                        if not active.any():
                            stop = True
                            break
                if step >= config.steps:
                    break
                if config.max_seconds is not None and (
                    time.perf_counter() - t0 > config.max_seconds
                ):
                    for i in np.flatnonzero(active).tolist():
                        reason[i] = "time"
                    stop = True
                    break
                if deadlines is not None:
                    spent = active & (time.perf_counter() > deadlines)
                    if spent.any():
                        rows = np.flatnonzero(spent)
                        if best_theta is None:
                            if frozen is None:
                                frozen = theta.clone()
                            rows_t = torch.from_numpy(rows).to(device)
                            frozen.index_copy_(0, rows_t, theta.index_select(0, rows_t))
                            frozen_rows[rows] = True
                        for i in rows.tolist():
                            reason[i] = "time"
                            steps_done[i] = step
                            active[i] = False
                        if not active.any():
                            stop = True
                            break
            if stop:
                break
    if running_count:
        means = (running / running_count).cpu().numpy().astype(np.float64)
        for i in np.flatnonzero(active).tolist():
            loss_curves[i].append(float(means[i]))
    for i in np.flatnonzero(active).tolist():
        steps_done[i] = step
    if device != "cpu":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    final_t = best_theta if best_theta is not None else theta
    if frozen is not None:
        rows_t = torch.from_numpy(np.flatnonzero(frozen_rows)).to(device)
        final_t = final_t.index_copy(0, rows_t, frozen.index_select(0, rows_t))
    final = final_t.cpu().numpy()
    return {
        "WT": final[:, :nW].reshape(b, dim + 1, width),
        "w2": final[:, nW:-1],
        "b2": final[:, -1],
        "steps": steps_done,
        "reason": reason,
        "loss": loss_curves,
        "val": val_curves,
        "best": best_step,
        "seconds": seconds,
    }


def stacked_epoch_batches(order: torch.Tensor, batch: int) -> list[torch.Tensor]:
    """The flat row indices of each step of an epoch, from the ``(b, n_train)`` global row
    order: step ``k`` takes rows ``k * batch`` to ``(k + 1) * batch`` of every network,
    network after network. One copy per epoch (two when a short last step remains); each
    step's indices are then a view."""
    b, n = order.shape
    full = n // batch
    out: list[torch.Tensor] = []
    if full:
        grid = order[:, : full * batch].reshape(b, full, batch).transpose(0, 1)
        out.extend(grid.reshape(full, b * batch).unbind(0))
    if n > full * batch:
        out.append(order[:, full * batch :].reshape(-1))
    return out


class EpochPermutations:
    """Each network's next epoch permutation ``torch.randperm(n_train, g_i)``, stacked.

    On CPU they are drawn when asked for. On CUDA, where drawing thousands of permutations
    on the host would leave the GPU idle, a few threads (torch releases the GIL while it
    draws) prepare the next epoch while the current one runs; every generator still draws
    its permutations one after the other, in epoch order.
    """

    def __init__(self, gens: list[torch.Generator], n: int, device: str) -> None:
        self.gens, self.n, self.device = gens, n, device
        self.pool: ThreadPoolExecutor | None = None
        self.pending: list[Any] = []
        if device != "cpu":
            import os

            workers = max(1, min(_PERM_THREADS, os.cpu_count() or 1, len(gens)))
            self.pool = ThreadPoolExecutor(max_workers=workers)
            step = math.ceil(len(gens) / workers)
            self.parts = [gens[i : i + step] for i in range(0, len(gens), step)]
            self._submit()

    def _draw(self, gens: list[torch.Generator]) -> torch.Tensor:
        import torch

        out = torch.stack([torch.randperm(self.n, generator=g) for g in gens])
        return out.pin_memory() if self.device != "cpu" else out

    def _submit(self) -> None:
        if self.pool is None:  # only on CUDA, where the pool exists
            raise HardlearnError("BatchedMLP: the data-drawing pool is used on CUDA only.")
        self.pending = [self.pool.submit(self._draw, part) for part in self.parts]

    def next(self) -> torch.Tensor:
        import torch

        if self.pool is None:
            return self._draw(self.gens)
        perm = torch.cat([f.result() for f in self.pending])
        self._submit()
        return perm.to(self.device, non_blocking=True)

    def __enter__(self) -> EpochPermutations:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def fused_adam_kernel() -> Any:
    """The private ``torch._fused_adam_`` kernel when this torch has it, else None.

    Capability check for :class:`FlatOptimizer`: a private name can vanish in any torch
    release, and then the public ``torch.optim.Adam(fused=True)`` (same kernel, per-step
    Python work on top) is used instead.
    """
    import torch

    kernel = getattr(torch, "_fused_adam_", None)
    return kernel if callable(kernel) else None


class FlatOptimizer:
    """torch.optim.Adam / SGD on a flat (b, P) parameter buffer, with per-network ``lr``,
    ``weight_decay`` and ``momentum`` as (b, 1) columns.

    Adam with one ``lr`` and one ``weight_decay`` for the whole chunk runs the kernel of
    ``torch.optim.Adam(fused=True)``, ``torch._fused_adam_``, called directly: one pass over
    the buffer instead of seven, the same formula rounded differently in the last bit, and
    neither the optimiser's per-step Python work nor its import of ``torch._dynamo`` (1.2 s
    on first use). Where this torch has no such kernel (:func:`fused_adam_kernel`), or when
    ``use_kernel=False``, the public ``torch.optim.Adam(fused=True)`` runs instead, with the
    same numbers. Otherwise the formulas of torch's single-tensor implementations are
    written out, in the same order of operations.
    """

    def __init__(self, kind: str, theta: torch.Tensor, hyper: dict[str, np.ndarray],
                 tdtype: torch.dtype, device: str, *, use_kernel: bool = True) -> None:
        import torch

        self.kind = kind
        self.t = 0

        def column(values: np.ndarray) -> float | torch.Tensor:
            if np.all(values == values[0]):
                return float(values[0])
            return torch.tensor(values, dtype=tdtype, device=device).unsqueeze(1)

        self.lr = column(hyper["lr"])
        self.wd = column(hyper["weight_decay"])
        self.momentum = column(hyper["momentum"])
        self.fused = kind == "adam" and isinstance(self.lr, float) and isinstance(self.wd, float)
        self.kernel = fused_adam_kernel() if (self.fused and use_kernel) else None
        self.public_adam = None
        if self.fused and self.kernel is None:
            self.public_adam = torch.optim.Adam(
                [theta], lr=self.lr, betas=(_BETA1, _BETA2), eps=_EPS,
                weight_decay=float(self.wd), fused=True,  # a float when fused
            )
        if self.fused:
            # torch.optim.Adam(fused=True) keeps its step count as a float32 tensor.
            self.t_tensor = torch.zeros((), dtype=torch.float32, device=device)
        elif kind == "adam":
            self.denom = torch.empty_like(theta)  # scratch, reused every step
            # float64 copy: Adam's step size lr / (1 - beta1^t) is formed in float64 as
            # torch forms it from the Python float, then cast (on the device: no host copy
            # per step).
            self.lr64 = torch.tensor(hyper["lr"], dtype=torch.float64,
                                     device=device).unsqueeze(1)
        if kind == "adam":
            self.m = torch.zeros_like(theta)
            self.v = torch.zeros_like(theta)
        self.buf: torch.Tensor | None = None
        if kind != "adam" and not (isinstance(self.momentum, float) and self.momentum == 0.0):
            self.buf = torch.zeros_like(theta)

    def step(self, theta: torch.Tensor, grad: torch.Tensor) -> None:
        import torch

        if self.public_adam is not None:  # no private kernel: the public fused optimiser
            theta.grad = grad
            self.public_adam.step()
            theta.grad = None
            return
        if self.kernel is not None:  # fused: the step count lives in t_tensor, as it reads it
            self.t_tensor.add_(1)
            self.kernel(
                [theta], [grad], [self.m], [self.v], [], [self.t_tensor], lr=self.lr,
                beta1=_BETA1, beta2=_BETA2, weight_decay=self.wd, eps=_EPS, amsgrad=False,
                maximize=False,
            )
            return
        self.t += 1
        if isinstance(self.wd, float):
            if self.wd != 0.0:
                grad.add_(theta, alpha=self.wd)
        else:
            grad.addcmul_(theta, self.wd)
        if self.kind == "adam":
            self.m.lerp_(grad, 1 - _BETA1)
            self.v.mul_(_BETA2).addcmul_(grad, grad, value=1 - _BETA2)
            bc1 = 1 - _BETA1**self.t
            bc2_sqrt = (1 - _BETA2**self.t) ** 0.5
            denom = torch.sqrt(self.v, out=self.denom).div_(bc2_sqrt).add_(_EPS)
            if isinstance(self.lr, float):
                theta.addcdiv_(self.m, denom, value=-(self.lr / bc1))
            else:
                step = torch.div(self.lr64, -bc1).to(theta.dtype)
                theta.addcmul_(torch.div(self.m, denom, out=denom), step)
            return
        direction = grad
        if self.buf is not None:
            # buf = momentum * buf + grad; the first step gives grad exactly, as torch's
            # clone of the first gradient.
            self.buf.mul_(self.momentum).add_(grad)
            direction = self.buf
        if isinstance(self.lr, float):
            theta.add_(direction, alpha=-self.lr)
        else:
            theta.addcmul_(direction, -self.lr)
