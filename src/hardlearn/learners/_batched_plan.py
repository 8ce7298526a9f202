"""How :class:`~hardlearn.learners.batched.BatchedMLP` cuts a batch of networks into chunks
trained together and a step's rows into blocks (the rule is in the docstring of
:mod:`hardlearn.learners.batched`, section *Chunking*).

The rule only decides what is computed together, never what is drawn, so it changes the
results by rounding at most.
"""

from __future__ import annotations

import math
from typing import Any

from hardlearn._validation import check_int
from hardlearn.errors import ParameterError

__all__ = ["plan_chunks", "CPU_BLOCK_BYTES", "CUDA_MEMORY_FRACTION"]

#: CPU activation budget of one block (bytes). Measured with ``benchmarks/bench_batched.py
#: --sweep-cache`` and interleaved best-of-4 runs (2-core AMD EPYC, 1 MiB L2 per core,
#: 32 MiB shared L3, torch 2.13 CPU, width 256, dim 32): full-batch steps on 10,000 rows ran
#: at 1.46, 1.65, 1.80, 1.93, 1.92, 1.93, 1.94 and 1.39 (x 1e6 net*sample*step/s) for 0.25,
#: 0.5, 1, 2, 4, 8, 16 and 64 MiB; minibatch-256 steps were flat from 1 MiB up (0.25 MiB:
#: 30% slower). 4 MiB sits in the middle of the plateau. Re-measured with the current engine
#: (scratch buffers, contiguous gradient product, fused Adam; best of 3): minibatch-256 steps
#: at 1.22, 1.33, 1.34 and 1.03 (x 1e8) for 2, 4, 8 and 16 MiB, full-batch steps flat at
#: 3.2-3.3 (x 1e6) over the same range.
CPU_BLOCK_BYTES = 4 << 20
#: Share of the free CUDA memory a chunk may plan to use (the rest is headroom for torch's
#: allocator, fragmentation and the caller).
CUDA_MEMORY_FRACTION = 0.7
_NAME = "BatchedMLP"


def _itemsize(dtype: str) -> int:
    return {"float32": 4, "float64": 8}[dtype]


def plan_chunks(
    n_networks: int,
    *,
    n_train: int,
    n_val: int = 0,
    dim: int,
    width: int,
    batch: int,
    dtype: str = "float32",
    device: str = "cpu",
    chunk_size: int | None = None,
    block_bytes: int | None = None,
    early_stopping: bool = False,
    free_bytes: int | None = None,
) -> dict[str, Any]:
    """How :class:`BatchedMLP` cuts ``n_networks`` networks into chunks and row blocks.

    Parameters
    ----------
    n_networks : int
        Networks in the batch (``B``).
    n_train, n_val : int
        Training and validation rows per network.
    dim, width, batch : int
        Input dimension, hidden units and rows per step (``min(batch_size, n_train)``).
    dtype : {"float32", "float64"}
    device : {"cpu", "cuda"}
        Resolved device.
    chunk_size : int, optional
        Networks per chunk, overriding the rule (rows are still cut into blocks to fit).
    block_bytes : int, optional
        CPU activation budget per block; default :data:`CPU_BLOCK_BYTES`.
    early_stopping : bool
        Counts the extra copy of the weights kept for early stopping (CUDA memory rule).
    free_bytes : int, optional
        CUDA memory available; default ``torch.cuda.mem_get_info`` free bytes plus the bytes
        torch's caching allocator holds unused.

    Returns
    -------
    dict
        ``device``, ``n_networks``, ``chunk_size`` (networks trained together),
        ``n_chunks``, ``block_rows`` (rows per block in a step), ``row_blocks`` (blocks per
        full step), ``block_bytes`` (activations of one block), ``budget_bytes`` (the budget
        the rule used), ``bytes_per_network`` (CUDA footprint estimate, all devices),
        ``max_networks`` (the largest chunk the budget allows: on CUDA, the most networks
        that fit in memory at once) and ``rule`` (one line of text).

    Examples
    --------
    >>> plan = plan_chunks(64, n_train=10_000, dim=32, width=256, batch=256,
    ...                    block_bytes=1 << 20)
    >>> plan["chunk_size"], plan["n_chunks"], plan["block_rows"]
    (4, 16, 256)
    >>> plan_chunks(64, n_train=10_000, dim=32, width=256, batch=10_000,
    ...             block_bytes=1 << 20)["block_rows"]
    1024
    """
    n_networks = check_int("n_networks", n_networks, minimum=1)
    isz = _itemsize(dtype)
    row_bytes = width * isz
    params = width * (dim + 1) + width + 1
    # Device footprint of one network: data (rows with a ones column, labels), up to four
    # copies of an epoch's row indices (permutation, global index, the steps' stacked copy,
    # the next epoch's permutation), seven parameter-sized buffers (weights, gradient, two
    # optimiser states, Adam's scratch, the W1 gradient product and its product with the
    # weights; + best weights), and activations per row of a block (pre-activation, gathered
    # inputs and their product with dL/df).
    fixed = (n_train + n_val) * (dim + 2) * isz + 4 * 8 * n_train
    fixed += (7 + int(early_stopping)) * params * isz
    per_row = row_bytes + 2 * (dim + 2) * isz + 4 * isz
    if str(device).startswith("cuda"):
        if free_bytes is None:
            free_bytes = _cuda_free_bytes()
        budget = int(CUDA_MEMORY_FRACTION * free_bytes)
        rows = batch
        if fixed + rows * per_row > budget:
            rows = max(1, (budget - fixed) // per_row) if budget > fixed else 1
        per_net = fixed + rows * per_row
        fit = max(1, budget // per_net)
        if fixed + per_row > budget:
            raise ParameterError(
                f"{_NAME}: one network (n_train={n_train}, dim={dim}, width={width}) needs "
                f"about {per_net} bytes of CUDA memory but {budget} bytes are available "
                f"({CUDA_MEMORY_FRACTION:g} of {free_bytes} free); use device='cpu' or fewer "
                "samples."
            )
        rule = (
            f"CUDA: networks per chunk <= {CUDA_MEMORY_FRACTION:g} * free memory "
            f"({budget} B) / per-network footprint ({per_net} B)"
        )
    else:
        budget = CPU_BLOCK_BYTES if block_bytes is None else check_int(
            "block_bytes", block_bytes, minimum=1
        )
        rows = min(batch, max(1, budget // row_bytes))
        fit = max(1, budget // (rows * row_bytes))
        per_net = fixed + rows * per_row
        rule = (
            f"CPU: networks per chunk * rows per block * width * itemsize <= {budget} B "
            "(cache budget)"
        )
    chunk = min(n_networks, fit) if chunk_size is None else min(
        n_networks, check_int("chunk_size", chunk_size, minimum=1)
    )
    return {
        "device": device,
        "n_networks": n_networks,
        "chunk_size": int(chunk),
        "n_chunks": math.ceil(n_networks / chunk),
        "block_rows": int(rows),
        "row_blocks": math.ceil(batch / rows),
        "block_bytes": int(chunk * rows * row_bytes),
        "budget_bytes": int(budget),
        "bytes_per_network": int(per_net),
        "max_networks": int(fit),
        "rule": rule,
    }


def _cuda_free_bytes() -> int:
    import torch

    free, _total = torch.cuda.mem_get_info()
    return int(free + torch.cuda.memory_reserved() - torch.cuda.memory_allocated())
