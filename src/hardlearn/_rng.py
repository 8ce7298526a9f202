"""Randomness as an argument: generators, task seeds, and bridges to torch and fpylll.

The package never touches global random state. Public entry points accept ``rng`` as a
:class:`numpy.random.Generator` or an int seed and convert it once with
:func:`as_generator`; :func:`int_seed` is the same rule for code that needs an integer seed.

**The rule for None.** A library function (a problem's ``sample``, ``evaluate_learner``, ...)
refuses ``rng=None``: the caller chooses the seed. A learner's ``rng`` / ``random_state``
parameter defaults to None, and there None means **seed 0**, not fresh entropy (unlike
scikit-learn, where ``random_state=None`` draws from the operating system): every number
hardlearn produces can be reproduced, and results stored by earlier versions stay the same.
Both are :func:`as_generator`, with ``none_is_zero=True`` for learners.

A trial of an experiment gets its generator from :func:`task_generator`, which depends on
the root seed and the trial's identity only, so adding grid points or changing the worker
count changes no other trial's numbers.
"""

from __future__ import annotations

import hashlib
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from hardlearn.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "RngLike",
    "as_generator",
    "spawn",
    "task_generator",
    "stable_key",
    "torch_generator",
    "draw_seed",
    "int_seed",
]

RngLike = np.random.Generator | int | np.integer

#: Number of 32-bit words in a stable key derived from a task's description (128 bits).
_KEY_WORDS = 4


def as_generator(
    rng: Any, *, name: str = "rng", none_is_zero: bool = False
) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``rng`` (a Generator or an int seed).

    A Generator is returned as is (so drawing from it advances the caller's stream); a
    non-negative int ``s`` becomes ``numpy.random.default_rng(s)``. ``None`` is refused,
    unless ``none_is_zero`` (a learner's seed parameter, module docstring), where it means
    seed 0. The error names ``name``.

    Examples
    --------
    >>> g = as_generator(7)
    >>> isinstance(g, np.random.Generator)
    True
    >>> as_generator(g) is g
    True
    >>> as_generator(None, none_is_zero=True).random() == np.random.default_rng(0).random()
    True
    """
    if rng is None and none_is_zero:
        return np.random.default_rng(0)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and int(rng) >= 0:
        return np.random.default_rng(int(rng))
    if none_is_zero:
        raise ParameterError(
            f"{name} must be a non-negative int seed, a numpy.random.Generator or None "
            f"(seed 0); got {rng!r}."
        )
    raise ParameterError(
        f"{name} must be a numpy.random.Generator or a non-negative int seed; got {rng!r}. "
        "Pass rng=np.random.default_rng(seed) or an int, so the result can be reproduced."
    )


def int_seed(rng: Any, *, name: str = "rng") -> int:
    """An integer seed for code that takes one (a learner's seed parameter; None -> 0).

    A non-negative int is kept as it is; a Generator gives :func:`draw_seed` of it (so it
    advances); None is 0, as for :func:`as_generator` with ``none_is_zero``.

    Examples
    --------
    >>> int_seed(None), int_seed(5)
    (0, 5)
    >>> int_seed(np.random.default_rng(0)) == draw_seed(np.random.default_rng(0))
    True
    """
    if rng is None:
        return 0
    if isinstance(rng, np.random.Generator):
        return draw_seed(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and int(rng) >= 0:
        return int(rng)
    raise ParameterError(
        f"{name} must be a non-negative int seed, a numpy.random.Generator or None "
        f"(seed 0); got {rng!r}."
    )


def spawn(rng: np.random.Generator, n: int) -> list[np.random.Generator]:
    """Split ``rng`` into ``n`` independent child generators (data, init, learner, ...)."""
    return list(rng.spawn(n))


def stable_key(obj: Any) -> tuple[int, ...]:
    """Hash a JSON-like description to a tuple of 32-bit words, stable across runs.

    Python's ``hash`` is salted per process; this uses SHA-256 of the canonical ``repr`` of
    the object with dict keys sorted, so it is the same on every machine and every run.

    Examples
    --------
    >>> stable_key({"dim": 8, "rep": 0}) == stable_key({"rep": 0, "dim": 8})
    True
    """
    digest = hashlib.sha256(_canonical(obj).encode()).digest()
    return tuple(int.from_bytes(digest[4 * i : 4 * i + 4], "little") for i in range(_KEY_WORDS))


def _canonical(obj: Any) -> str:
    if isinstance(obj, dict):
        items = ",".join(f"{_canonical(k)}:{_canonical(obj[k])}" for k in sorted(obj, key=str))
        return "{" + items + "}"
    if isinstance(obj, list | tuple):
        return "[" + ",".join(_canonical(v) for v in obj) + "]"
    if isinstance(obj, float) and obj.is_integer():
        return repr(int(obj))
    if isinstance(obj, np.generic):
        return _canonical(obj.item())
    return repr(obj)


def task_generator(root_seed: int, key: Any) -> np.random.Generator:
    """The generator of one trial: ``SeedSequence(root_seed, spawn_key=stable_key(key))``.

    Examples
    --------
    >>> a = task_generator(1, {"dim": 8, "rep": 0}).standard_normal()
    >>> b = task_generator(1, {"rep": 0, "dim": 8}).standard_normal()
    >>> a == b
    True
    """
    seq = np.random.SeedSequence(int(root_seed), spawn_key=stable_key(key))
    return np.random.default_rng(seq)


def draw_seed(rng: np.random.Generator) -> int:
    """Draw a 63-bit seed from ``rng`` for a library that only takes integer seeds."""
    return int(rng.integers(0, 2**63 - 1))


def torch_generator(rng: np.random.Generator, device: Any = "cpu") -> torch.Generator:
    """A :class:`torch.Generator` on ``device`` seeded from ``rng`` (torch is imported lazily)."""
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(draw_seed(rng))
    return gen
