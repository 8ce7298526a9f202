"""Exhaustive search over a net of directions and frequencies (issue 16).

A learner that is statistically efficient but takes time exponential in ``d``: it fits the
model ``a * phi(freq <w, x>) + b`` by least squares at every point of a net of unit
directions ``w`` and a grid of frequencies, keeps the best few, and refines each by a local
search (Nelder-Mead) on all the samples. It shows that the data determine the network; what
LZZ say is hard is finding it in polynomial time.

**The net.** The points of the grid ``{-1, -1 + h, ..., 1}^d`` on the surface of the cube
``[-1, 1]^d``, one of each antipodal pair (``phi`` is even for the triangle wave and the
cosine, and the least-squares coefficient absorbs a sign otherwise), normalised to the
sphere. With ``n = 2 ceil(1/h) + 1`` grid values per axis the net has

``N(d) = (n^d - (n - 2)^d) / 2``

points. Every unit vector is within angle ``h sqrt(d - 1) / 2`` of one (it points through a
face of the cube, where the nearest grid point is within ``h sqrt(d - 1) / 2``, and the
projection onto the sphere only shrinks distances from points of norm at least 1). The
learner picks ``h = 2 angle / sqrt(d - 1)`` for a covering angle ``angle``, so ``n`` and
``N(d)`` grow like ``(sqrt(d) / angle)^d``: exponential in ``d``.

**The cost** is ``N(d) * len(freqs) * min(m, search_samples)`` evaluations of ``phi``
(:func:`search_cost`); ``fit`` refuses, before any work, a net whose cost exceeds
``max_evaluations`` or whose chunk would not fit ``max_memory_mb``. The time per evaluation
is measured in ``benchmarks/bench_exhaustive.py``.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from hardlearn._validation import check_int, check_real
from hardlearn.errors import ParameterError
from hardlearn.learners.baselines import _validate_fit, _validate_predict, resolve_seed
from hardlearn.problems.periodic import get_activation

__all__ = [
    "ExhaustiveSearchRegressor",
    "net_size",
    "net_spacing",
    "search_cost",
    "direction_net",
    "DEFAULT_MAX_EVALUATIONS",
]

#: Refuse searches above this many ``phi`` evaluations: 1.5 to 4 minutes at the 5.6e7 (load
#: average 1.9) and 2.0e7 (load 8.6) evaluations a second measured at d = 5 on the project's
#: shared 2-core machine (benchmarks/bench_exhaustive.py). The default net at d = 6 costs
#: 4.97e9 and is allowed; at d = 7 it costs 1.8e11 and is refused.
DEFAULT_MAX_EVALUATIONS = 5 * 10**9
#: Candidates (direction, frequency) kept from the net for local refinement.
_KEEP = 8
#: Net directions evaluated at once; the block ``(search_samples, chunk)`` stays near 16 MiB.
_BLOCK_ELEMENTS = 1 << 21
#: Net points built at once when enumerating the cube surface.
_NET_BATCH = 1 << 16


def net_spacing(dim: int, angle: float) -> float:
    """Grid step ``h = 2 angle / sqrt(d - 1)`` (``h = 2`` for ``d = 1``) for covering angle
    ``angle``, capped at 1 (module docstring).

    Examples
    --------
    >>> round(net_spacing(5, 0.3), 6)
    0.3
    """
    dim = check_int("dim", dim, minimum=1)
    angle = check_real("angle", angle, low=0.0, high=1.0, low_open=True)
    return 1.0 if dim == 1 else min(1.0, 2.0 * angle / math.sqrt(dim - 1))


def _grid_values(h: float) -> np.ndarray:
    k = math.ceil(1.0 / h - 1e-12)
    return np.linspace(-1.0, 1.0, 2 * k + 1)


def net_size(dim: int, angle: float) -> int:
    """``N(d) = (n^d - (n - 2)^d) / 2`` with ``n = 2 ceil(1/h) + 1``, ``h = net_spacing``.

    Examples
    --------
    >>> [net_size(d, 0.3) for d in (2, 3, 4, 5, 6)]
    [8, 109, 888, 21121, 206896]
    >>> net_size(6, 0.15) > 30 * net_size(6, 0.3)
    True
    """
    n = _grid_values(net_spacing(dim, angle)).size
    return (n**dim - (n - 2) ** dim) // 2


def search_cost(dim: int, samples: int, angle: float, n_freqs: int,
                search_samples: int) -> int:
    """Evaluations of ``phi`` in the net search: ``N(d) * n_freqs * min(m, search_samples)``.

    Examples
    --------
    >>> search_cost(3, 10_000, 0.3, 4, 2000)
    872000
    """
    return net_size(dim, angle) * n_freqs * min(samples, search_samples)


def direction_net(dim: int, angle: float) -> np.ndarray:
    """The net of the module docstring, shape ``(N(d), d)``, rows unit vectors.

    Examples
    --------
    >>> W = direction_net(2, 0.3)
    >>> W.shape, bool(np.allclose(np.linalg.norm(W, axis=1), 1.0))
    ((8, 2), True)
    """
    vals = _grid_values(net_spacing(dim, angle))
    out = []
    batch: list[tuple[float, ...]] = []
    for p in itertools.product(vals, repeat=dim):
        if max(abs(v) for v in p) < 1.0:       # interior point: not on the cube's surface
            continue
        # keep one of each antipodal pair: the first non-zero coordinate positive
        first = next(v for v in p if v != 0.0)
        if first < 0:
            continue
        batch.append(p)
        if len(batch) >= _NET_BATCH:
            out.append(np.array(batch))
            batch = []
    if batch:
        out.append(np.array(batch))
    W = np.concatenate(out, axis=0)
    return W / np.linalg.norm(W, axis=1, keepdims=True)


class ExhaustiveSearchRegressor(RegressorMixin, BaseEstimator):
    """Least squares over a net of directions and frequencies, then local refinement.

    Parameters
    ----------
    activation : str, default "triangle"
        ``phi`` of the model ``a phi(freq <w, x>) + b``.
    freqs : tuple of float, optional
        Candidate frequencies; default ``freq_grid``.
    freq_grid : (low, high, count), default (0.25, 3.0, 12)
        Evenly spaced candidates used when ``freqs`` is None.
    angle : float, default 0.3
        Covering angle of the direction net (radians); the net has ``net_size(d, angle)``
        points.
    search_samples : int, default 2000
        Samples used in the net search (the refinement uses all).
    refine_iter : int, default 400
        Nelder-Mead iterations per kept candidate (times ``d + 1``).
    max_evaluations : int, default ``DEFAULT_MAX_EVALUATIONS``
        Refuse (before any work) a search costing more ``phi`` evaluations.
    max_memory_mb : float, default 512
        Refuse a net whose points alone would take more memory.
    rng : int, Generator or None
        Picks the search subsample.

    Attributes
    ----------
    direction_ : ndarray, shape (d,)
    freq_, coef_, intercept_ : float
    net_size_ : int
    search_evaluations_ : int
    search_seconds_, refine_seconds_ : float

    Examples
    --------
    >>> from hardlearn import NoisyRegression, PeriodicNeuron
    >>> w = np.array([0.6, 0.8])
    >>> X, y = NoisyRegression(PeriodicNeuron(w, 1.1), 0.01).sample(1000, rng=0)
    >>> est = ExhaustiveSearchRegressor(freqs=(1.0, 1.1, 1.2)).fit(X, y)
    >>> bool(abs(abs(est.direction_ @ w) - 1) < 1e-3), round(est.freq_, 2)
    (True, 1.1)
    """

    def __init__(
        self,
        activation: str = "triangle",
        freqs: tuple[float, ...] | None = None,
        freq_grid: tuple[float, float, int] = (0.25, 3.0, 12),
        angle: float = 0.3,
        search_samples: int = 2000,
        refine_iter: int = 400,
        max_evaluations: int = DEFAULT_MAX_EVALUATIONS,
        max_memory_mb: float = 512.0,
        rng: Any = None,
    ) -> None:
        self.activation = activation
        self.freqs = freqs
        self.freq_grid = freq_grid
        self.angle = angle
        self.search_samples = search_samples
        self.refine_iter = refine_iter
        self.max_evaluations = max_evaluations
        self.max_memory_mb = max_memory_mb
        self.rng = rng

    def _freq_list(self) -> np.ndarray:
        if self.freqs is not None:
            f = np.atleast_1d(np.asarray(self.freqs, dtype=np.float64))
            if f.size == 0 or not np.all(np.isfinite(f)) or np.any(f <= 0):
                raise ParameterError(
                    f"ExhaustiveSearchRegressor.freqs must be positive frequencies; "
                    f"got {self.freqs!r}."
                )
            return f
        try:
            lo, hi, count = self.freq_grid
        except (TypeError, ValueError):
            raise ParameterError(
                f"ExhaustiveSearchRegressor.freq_grid must be (low, high, count); "
                f"got {self.freq_grid!r}."
            ) from None
        lo = check_real("freq_grid low", lo, low=0.0, low_open=True)
        hi = check_real("freq_grid high", hi, low=lo)
        return np.linspace(lo, hi, check_int("freq_grid count", count, minimum=1))

    def check_budget(self, dim: int, samples: int) -> int:
        """Refuse, before any work, a search over budget; return its cost (evaluations)."""
        check_real("angle", self.angle, low=0.0, high=1.0, low_open=True)
        m_search = check_int("search_samples", self.search_samples, minimum=10)
        budget = check_int("max_evaluations", self.max_evaluations, minimum=1)
        mem = check_real("max_memory_mb", self.max_memory_mb, low=0.0, low_open=True)
        n_net = net_size(dim, self.angle)
        cost = n_net * self._freq_list().size * min(samples, m_search)
        net_mb = n_net * dim * 8 / 2**20
        if cost > budget or net_mb > mem:
            raise ParameterError(
                f"ExhaustiveSearchRegressor: dim={dim} needs a net of {n_net:,} directions "
                f"({net_mb:,.0f} MiB) and {cost:.3g} evaluations; the rule is at most "
                f"max_evaluations={budget:.3g} and max_memory_mb={mem:g}. The net grows like "
                "(sqrt(d) / angle)^d: use a smaller dim, a larger angle or fewer freqs."
            )
        return cost

    def fit(self, X: Any, y: Any) -> ExhaustiveSearchRegressor:
        """Search the net, refine the best candidates, keep the best least-squares fit."""
        X, y = _validate_fit(self, X, y)
        act = get_activation(self.activation)
        freqs = self._freq_list()
        m, d = X.shape
        self.search_evaluations_ = self.check_budget(d, m)
        refine_iter = check_int("refine_iter", self.refine_iter, minimum=0)
        gen = resolve_seed(self)
        m_s = min(m, int(self.search_samples))
        idx = gen.choice(m, size=m_s, replace=False) if m_s < m else np.arange(m)
        Xs, ys = X[idx], y[idx] - y[idx].mean()
        t0 = time.perf_counter()
        W = direction_net(d, self.angle)
        self.net_size_ = int(W.shape[0])
        chunk = max(1, _BLOCK_ELEMENTS // max(m_s, 1))
        scores = np.empty((freqs.size, W.shape[0]))
        for start in range(0, W.shape[0], chunk):
            P = Xs @ W[start : start + chunk].T
            for i, f in enumerate(freqs):
                F = act(f * P)
                F -= F.mean(axis=0)
                var = np.einsum("ij,ij->j", F, F)
                cov = ys @ F
                # explained sum of squares of the one-feature least-squares fit
                scores[i, start : start + chunk] = np.where(var > 0, cov * cov / np.where(
                    var > 0, var, 1.0), 0.0)
        self.search_seconds_ = time.perf_counter() - t0
        flat = np.argsort(scores, axis=None)[::-1][:_KEEP]
        t1 = time.perf_counter()
        cands = []
        for k in flat:
            i, j = np.unravel_index(k, scores.shape)
            cands.append(self._refine(X, y, act, W[j], float(freqs[i]), refine_iter))
        self.refine_seconds_ = time.perf_counter() - t1
        _, w, f = min(cands, key=lambda c: c[0])
        self.direction_, self.freq_ = w, f
        self.coef_, self.intercept_ = self._lstsq(X, y, act, w, f)[1:]
        return self

    @staticmethod
    def _lstsq(X: np.ndarray, y: np.ndarray, act: Any, w: np.ndarray, f: float
               ) -> tuple[float, float, float]:
        F = act(f * (X @ w))
        Fc = F - F.mean()
        var = float(Fc @ Fc)
        a = float(Fc @ (y - y.mean())) / var if var > 0 else 0.0
        b = float(y.mean() - a * F.mean())
        resid = y - (a * F + b)
        return float(resid @ resid), a, b

    def _refine(self, X: np.ndarray, y: np.ndarray, act: Any, w0: np.ndarray, f0: float,
                iters: int) -> tuple[float, np.ndarray, float]:
        from scipy.optimize import minimize

        def loss(p: np.ndarray) -> float:
            v = p[:-1]
            n = float(np.linalg.norm(v))
            if n == 0 or p[-1] <= 0:
                return math.inf
            return self._lstsq(X, y, act, v / n, float(p[-1]))[0]

        p0 = np.concatenate([w0, [f0]])
        if iters > 0:
            res = minimize(loss, p0, method="Nelder-Mead",
                           options={"maxiter": iters * (p0.size), "xatol": 1e-7,
                                    "fatol": 1e-12, "initial_simplex": _simplex(p0, 0.05)})
            p = res.x if res.fun <= loss(p0) else p0
        else:
            p = p0
        w = p[:-1] / np.linalg.norm(p[:-1])
        f = float(p[-1])
        return loss(p), w, f

    def predict(self, X: Any) -> np.ndarray:
        """``coef_ * phi(freq_ <direction_, x>) + intercept_``, shape (m,)."""
        check_is_fitted(self, "direction_")
        X = _validate_predict(self, X)
        act = get_activation(self.activation)
        return self.coef_ * act(self.freq_ * (X @ self.direction_)) + self.intercept_


def _simplex(p0: np.ndarray, step: float) -> np.ndarray:
    """An initial Nelder-Mead simplex of relative size ``step`` around ``p0``."""
    k = p0.size
    out = np.tile(p0, (k + 1, 1))
    for i in range(k):
        out[i + 1, i] += step * max(abs(p0[i]), 0.5)
    return out
