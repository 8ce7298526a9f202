"""The engine of :class:`~hardlearn.learners.lattice.LatticeRegressor`: the lattice, the
reduction and the certificate check, run in a killable child process.

The mathematics (the relation, the lattice, the scale rule, the certificate) is described in
:mod:`hardlearn.learners.lattice`, which builds the configuration and reads the result; this
module holds what runs inside the worker: the reduction engines (:func:`reduce_basis` over
fpylll and python-flint), the fixed-point columns of the lattice (:class:`_Problem`), the
progressive-precision loop with its candidate checks (:func:`_reduce_loop`) and the time
limit (:func:`_run_with_limit`).

Size: about 730 lines: the engines, the fixed-point lattice, the feeding loop, the time limit
and the exact finish (reading labels, least squares) are one pipeline over the same
integer representation; splitting it would only move private names across a boundary.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hardlearn._logforward import LOGGER_NAME, forward_to, handle_packed
from hardlearn._optional import require
from hardlearn._validation import check_array, check_choice
from hardlearn.errors import HardlearnError, ParameterError
from hardlearn.estimate import log2_expected_false
from hardlearn.problems.exact import dyadic_integers

_log = logging.getLogger(__name__)

_REDUCTIONS = ("lll", "bkz")
#: Delta of the bulk (big-entry) LLL pass; the small-entry polish uses the learner's delta.
BULK_DELTA = 0.75
#: Residual z-score limit when the noise level is known (a Gaussian exceeds 12 sd with
#: probability 4e-33).
NOISE_Z_MAX = 12.0
#: Relative pivot size below which ``X[:d]`` counts as singular (float64 LU).
_SINGULAR_RTOL = 1e-13
#: Process start method for the time-limited child ("fork": about 55 ms a fit, measured;
#: "spawn" would re-import numpy, flint and fpylll, about 0.5 s).
CHILD_START_METHOD = "fork"


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _log2_abs(v: int) -> float:
    if v == 0:
        return -math.inf
    b = abs(v).bit_length()
    if b <= 1000:
        return math.log2(abs(v))
    return math.log2(abs(v) >> (b - 60)) + (b - 60)


def _norm_of_ints(values: list[int], scale_bits: int) -> float:
    """``log2 |values| - scale_bits`` for a list of (big) ints."""
    big = max((abs(v).bit_length() for v in values), default=0)
    if big == 0:
        return -math.inf
    sh = max(big - 60, 0)
    s = sum(float(v >> sh if v >= 0 else -((-v) >> sh)) ** 2 for v in values)
    return 0.5 * math.log2(s) + sh - scale_bits if s > 0 else -math.inf


def _rshift(v: int, s: int) -> int:
    """Floor of ``v / 2^s`` (``s >= 0``), or ``v * 2^-s`` for ``s < 0``."""
    return v >> s if s >= 0 else v << (-s)


def _seed_fpylll(seed: int) -> None:
    """The one place that sets fplll's global seed, right before a BKZ call."""
    from fpylll import FPLLL

    FPLLL.set_random_seed(int(seed) % (2**31))


# --------------------------------------------------------------------------------------
# Reduction engines (run inside the worker)
# --------------------------------------------------------------------------------------


def _fpylll_lll(rows: list[list[int]], delta: float) -> tuple[list[list[int]], int]:
    """LLL with fpylll; on a precision failure retry with exact-enough MPFR. Returns retries."""
    require("fpylll", feature="lattice reduction")
    from fpylll import LLL, IntegerMatrix

    attempts: list[dict[str, Any]] = [
        {},
        {"method": "heuristic", "float_type": "ld"},
        {"method": "proved", "float_type": "mpfr", "precision": 0},
    ]
    last: Exception | None = None
    for retries, kw in enumerate(attempts):
        B = IntegerMatrix.from_matrix(rows)
        kwargs = dict(kw)
        if kwargs.get("precision") == 0:
            bits = max(abs(v).bit_length() for r in rows for v in r)
            kwargs["precision"] = 2 * bits + 200
        try:
            LLL.reduction(B, delta=delta, **kwargs)
        except RuntimeError as exc:  # fpylll.ReductionError: precision too low for the basis
            last = exc
            _log.debug("fpylll LLL failed with %s (%s); retrying with more precision",
                       kw or "default precision", exc)
            continue
        return [list(B[i]) for i in range(B.nrows)], retries
    raise HardlearnError(f"fpylll LLL failed at every precision: {last}")


#: BKZ 2.0 strategies: from this block size on, recursive preprocessing with block size
#: ``beta - BKZ_PREPROCESS_GAP`` and linear pruning of the last half of the enumeration
#: levels (the PyPI wheel of fpylll ships without fplll's tuned ``default.json``). Measured
#: on a 2-core machine under load 3: BKZ-30 on a rank-80 q-ary lattice 4.3 s, BKZ-40 51 s
#: (63 s without these strategies, with a longer first vector).
BKZ_STRATEGY_FROM = 21
BKZ_PREPROCESS_GAP = 16


def _bkz_strategies(block_size: int) -> list[Any]:
    """fpylll ``Strategy`` objects for block sizes ``0..block_size`` (see above)."""
    from fpylll.fplll.bkz_param import Strategy
    from fpylll.fplll.pruner import PruningParams

    out = []
    for b in range(block_size + 1):
        if b < BKZ_STRATEGY_FROM:
            out.append(Strategy(b))
            continue
        pre = [max(2, b - BKZ_PREPROCESS_GAP)]
        out.append(Strategy(b, preprocessing_block_sizes=pre,
                            pruning_parameters=[PruningParams.LinearPruningParams(b, b // 2)]))
    return out


def _fpylll_bkz(rows: list[list[int]], block_size: int, max_time: float, seed: int):
    require("fpylll", feature="lattice reduction")
    from fpylll import BKZ, IntegerMatrix

    B = IntegerMatrix.from_matrix(rows)
    bs = min(block_size, B.nrows)
    par = BKZ.Param(
        block_size=bs, strategies=_bkz_strategies(bs),
        flags=BKZ.AUTO_ABORT | BKZ.MAX_TIME, max_time=max(max_time, 0.5)
    )
    _seed_fpylll(seed)
    BKZ.reduction(B, par)
    return [list(B[i]) for i in range(B.nrows)]


def _flint_lll(rows: list[list[int]], delta: float) -> list[list[int]]:
    import flint

    R = flint.fmpz_mat(rows).lll(False, delta)  # (transform, delta): positional in the stub
    return [[int(v) for v in r] for r in R.tolist()]


def reduce_basis(
    rows: Any,
    *,
    engine: str = "flint",
    reduction: str = "lll",
    delta: float = 0.99,
    block_size: int = 20,
    max_time: float = 60.0,
    seed: int = 0,
) -> list[list[int]]:
    """Reduce the integer basis ``rows`` (one basis vector a row) and return the new rows.

    ``engine`` is ``"flint"`` or ``"fpylll"``; BKZ always runs in fpylll (after LLL in the
    chosen engine). No time limit is enforced here beyond BKZ's ``max_time``; the learner
    runs this in a worker it can kill.

    Examples
    --------
    >>> reduce_basis([[1, 0, 1000], [0, 1, 999]])
    [[-1, 1, -1], [..., ..., ...]]
    """
    engine = check_choice("engine", engine, ("flint", "fpylll"))
    reduction = check_choice("reduction", reduction, _REDUCTIONS)
    basis = [[int(v) for v in r] for r in rows]
    if engine == "flint":
        out = _flint_lll(basis, delta)
    else:
        out, _ = _fpylll_lll(basis, delta)
    if reduction == "bkz":
        out = _fpylll_bkz(out, block_size, max_time, seed)
    return out


# --------------------------------------------------------------------------------------
# The problem: fixed-point columns of the lattice
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReductionConfig:
    """What the worker needs to run the feeding loop (built by the estimator).

    ``schedule``: the ladder of ``log2 M``; ``bulk_engine`` / ``polish_engine``: ``"flint"``
    or ``"fpylll"``; ``deadline``: seconds from the loop's start, or None.
    """

    schedule: tuple[int, ...]
    bulk_engine: str
    polish_engine: str
    delta: float
    reduction: str
    block_size: int
    certify_bits: float
    seed: int
    noise_bits: float | None
    bkz_max_time: float
    deadline: float | None


@dataclass(frozen=True)
class Candidate:
    """A basis row of the planted shape: its certificate ``score`` (``log2 E``), integer
    coefficients ``coef``, ``log2`` of its residual norm and the residual ``L t`` itself
    (integers at scale ``2^hi``)."""

    score: float
    coef: list[int]
    log2_rho: float
    residual: list[int]


@dataclass
class _Problem:
    kind: str
    m: int
    d: int
    n: int  # rows of the lattice
    k: int  # big columns
    weights: list[int]
    cols: list[list[int]]  # n rows x k big columns at scale 2^hi
    hi: int
    targets: list[int]  # z (clwe) or u (triangle/cosine) at scale 2^P
    label_bits: int
    t_norm_scale: float = 1.0
    noise_amp: float = 1.0  # |L e| / sigma
    extra: dict[str, Any] = field(default_factory=dict)


def _solve_fixed(Xd: np.ndarray, A_int: Any, B_int: Any, bits: int, sx: int) -> list[list[int]]:
    """``round(2^bits A^-1 B)`` by mixed-precision iterative refinement (float64 + fmpz).

    ``A_int`` (d x d) and ``B_int`` (d x k) are fmpz matrices at scale ``2^sx`` of float64
    data; ``Xd`` is ``A / 2^sx`` in float64 (exact). Each round solves in float64 against the
    exact integer residual, gaining about ``52 - log2 cond(A)`` bits.
    """
    import flint
    import scipy.linalg

    d, k = B_int.nrows(), B_int.ncols()
    lu = scipy.linalg.lu_factor(Xd, check_finite=False)
    diag = np.abs(np.diag(lu[0]))
    if not np.all(diag > _SINGULAR_RTOL * max(float(diag.max()), 1e-300)):
        raise ParameterError(
            f"the first d = {Xd.shape[0]} rows of X must be linearly independent for the "
            "lattice attack (their matrix is singular to float64 precision). Reorder or "
            "resample the data."
        )
    R = [[int(v) << bits for v in row] for row in B_int.tolist()]  # residual, scale 2^(sx+bits)
    Y = [[0] * k for _ in range(d)]
    for _ in range(bits // 8 + 20):
        top = max((abs(v).bit_length() for row in R for v in row), default=0)
        if top <= sx + 1:
            break
        e = max(top - 60, 0)
        Rf = np.array([[float(_rshift(v, e)) for v in row] for row in R])
        Df = scipy.linalg.lu_solve(lu, Rf)  # ~ A^-1 R * 2^(sx - e)
        g = 52 - int(math.ceil(math.log2(max(np.max(np.abs(Df)), 1e-300))))
        # D = round(Df * 2^g) * 2^(e - sx - g) must be an integer matrix.
        sh = e - sx - g
        if sh < 0:
            g += sh
            sh = 0
        Dm = np.rint(np.ldexp(Df, g))
        D = [[int(v) << sh for v in row] for row in Dm.tolist()]
        if all(v == 0 for row in D for v in row):
            break
        for i in range(d):
            Yi, Di = Y[i], D[i]
            for j in range(k):
                Yi[j] += Di[j]
        AD = A_int * flint.fmpz_mat(D)
        R = [[r - int(a) for r, a in zip(rr, ar, strict=True)]
             for rr, ar in zip(R, AD.tolist(), strict=True)]
    return Y


def _dependences(X: np.ndarray, bits: int) -> tuple[list[list[int]], np.ndarray]:
    """Orthonormal dependence rows ``L`` ((m-d) x m) at scale ``2^bits``, and ``mu`` floats.

    ``mu_j = A^-T x_(d+j)`` for ``A = X[:d]``; the raw dependences are ``(mu_j, -e_j)`` and
    are orthonormalised with a float64 Cholesky factor (any invertible mix is exact: only the
    conditioning changes).
    """
    import flint

    m, d = X.shape
    Xi, sx = dyadic_integers(X)
    A = flint.fmpz_mat([[int(Xi[j, i]) for j in range(d)] for i in range(d)])  # X[:d]^T
    B = flint.fmpz_mat([[int(Xi[d + j, i]) for j in range(m - d)] for i in range(d)])
    Xd = np.ascontiguousarray(X[:d].T)
    wbits = bits + 16
    Y = _solve_fixed(Xd, A, B, wbits, sx)  # d x k, scale 2^wbits
    k = m - d
    mu = np.array([[float(_rshift(v, wbits - 60)) * 2.0**-60 for v in row] for row in Y])
    gram = np.eye(k) + mu.T @ mu
    C = np.linalg.cholesky(gram)
    G = np.linalg.inv(C)  # G gram G^T = I
    Gi, sg = dyadic_integers(G)
    # raw rows (k x m): [mu^T | -I] at scale 2^wbits
    raw = [[Y[i][j] for i in range(d)] + [(-(1 << wbits) if jj == j else 0) for jj in range(k)]
           for j in range(k)]
    Lm = flint.fmpz_mat([[int(v) for v in row] for row in Gi.tolist()]) * flint.fmpz_mat(raw)
    shift = sg + wbits - bits
    L = [[_rshift(int(v), shift) for v in row] for row in Lm.tolist()]
    return L, mu


def _arccos_labels(labels: list[int], P: int) -> tuple[list[int], list[float]]:
    """``round(2^P arccos(y) / (2 pi))`` in ball arithmetic, and the noise amplification
    ``1 / (2 pi sin(2 pi u))`` of each sample (float)."""
    import flint

    out, amp = [], []
    one = 1 << P
    with flint.ctx.workprec(P + 64):
        two_pi = 2 * flint.arb.pi()
        for v in labels:
            c = max(min(v, one), -one)
            u = flint.arb(flint.fmpq(c, one)).acos() / two_pi
            man, exp = u.mid().man_exp()
            sh = int(exp) + P
            ui = int(man) << sh if sh >= 0 else _rshift(int(man), -sh)
            out.append(ui)
            s = abs(math.sin(2 * math.pi * (ui / one)))
            amp.append(1.0 / (2 * math.pi * max(s, 1e-12)))
    return out, amp


def _build_problem(
    X: np.ndarray, labels: list[int], P: int, kind: str, hi: int, weight: int,
    offsets: list[int] | None = None,
) -> _Problem:
    """The lattice's fixed-point columns (:mod:`hardlearn.learners.lattice`, "The lattice").

    ``offsets`` (triangle labels only; integers at scale ``2^P``): known per-sample offsets
    ``o`` of the inhomogeneous relation ``t = k + s u + o``; they add one constant row
    ``(0, .., 0, 1, M L o)`` of weight 1 after the ``2 m`` rows, whose coefficient
    :func:`_candidate` requires to be ``+-1`` (as CLWE's constant row).
    """
    m, d = X.shape
    extra: dict[str, Any] = {}
    if offsets is not None and (kind != "triangle" or len(offsets) != m):
        raise ParameterError(
            f"offsets need triangle labels and one offset a sample ({m}); got kind {kind!r} "
            f"and {len(offsets)} offsets."
        )
    L, mu = _dependences(X, hi)
    k = m - d
    if kind == "clwe":
        z = [v % (1 << P) for v in labels]
        cols = [[L[c][i] for c in range(k)] for i in range(m)]
        const = [sum(L[c][i] * z[i] for i in range(m)) >> P for c in range(k)]
        cols.append(const)
        weights = [1] * (m + 1)
        targets = z
        amp = [1.0] * m
    else:
        if kind == "cosine":
            u, amp = _arccos_labels(labels, P)
        else:
            u, amp = list(labels), [1.0] * m
        cols = [[L[c][i] for c in range(k)] for i in range(m)]
        cols += [[(L[c][i] * u[i]) >> P for c in range(k)] for i in range(m)]
        weights = [1] * m + [weight] * m
        targets = u
        if offsets is not None:
            o = [int(v) for v in offsets]
            extra["offsets"] = o
            cols.append([sum(L[c][i] * o[i] for i in range(m)) >> P for c in range(k)])
            weights.append(1)
    # |L e| / sigma for e with independent entries of sd sigma * amp_i
    amp2 = sum(
        (L[c][i] / 2.0**hi if hi < 1000 else float(_rshift(L[c][i], hi - 60)) * 2.0**-60) ** 2
        * amp[i] ** 2 for c in range(k) for i in range(m)
    )
    return _Problem(
        kind=kind, m=m, d=d, n=len(cols), k=k, weights=weights, cols=cols, hi=hi,
        targets=targets, label_bits=P, noise_amp=math.sqrt(max(amp2, 1e-300)),
        extra={"amp": amp, **extra},
    )


# --------------------------------------------------------------------------------------
# The reduction loop (runs in the worker)
# --------------------------------------------------------------------------------------


def _candidate(prob: _Problem, row: list[int]) -> list[int] | None:
    """Coefficient vector of a basis row if it has the planted shape, else None."""
    coef = []
    for j in range(prob.n):
        w = prob.weights[j]
        v = row[j]
        if v % w:
            return None
        coef.append(v // w)
    if prob.kind == "clwe":
        if abs(coef[-1]) != 1:
            return None
        return [c * coef[-1] for c in coef]
    if "offsets" in prob.extra:  # the constant row: coefficient +-1, fixing the sign
        if abs(coef[-1]) != 1:
            return None
        coef = [c * coef[-1] for c in coef]
    s = coef[prob.m:2 * prob.m]
    if any(abs(v) != 1 for v in s):
        return None
    return coef


def _t_values(prob: _Problem, coef: list[int]) -> list[int]:
    """``t`` at scale 2^P: ``k + z`` (CLWE), ``k + s u`` (triangle/cosine) or ``k + s u + o``
    (triangle labels with known offsets, :func:`_build_problem`)."""
    P, m = prob.label_bits, prob.m
    if prob.kind == "clwe":
        return [(coef[i] << P) + prob.targets[i] for i in range(m)]
    t = [(coef[i] << P) + coef[m + i] * prob.targets[i] for i in range(m)]
    if "offsets" in prob.extra:
        t = [ti + oi for ti, oi in zip(t, prob.extra["offsets"], strict=True)]
    return t


def _log2_expected_false(prob: _Problem, log2_t: float, log2_rho: float) -> float:
    """``log2 E`` of :func:`hardlearn.estimate.log2_expected_false` (with the ``2^m`` sign
    patterns of even labels; known offsets shift the candidates' lattice ``Z^m + s u`` by
    ``o``, which leaves the count of its points in a ball, and so ``E``, as it is)."""
    signs = prob.m if prob.kind != "clwe" else 0
    return float(log2_expected_false(prob.d, prob.k, log2_t, log2_rho, signs))


def _resolution_bits(prob: _Problem, coef: list[int]) -> float:
    """Bits below which a residual ``L t`` is rounding, not noise.

    The columns are integers at scale ``2^hi`` (``L`` itself rounded to ``2^-hi``), so a
    candidate with coefficients ``coef`` has a residual of about ``sum |coef_j| + n`` units of
    ``2^-hi`` even when the noise is zero; two more bits make it a bound. Noise smaller than
    this cannot be seen in the residual, so the noise test compares with the larger of the two.
    """
    return prob.hi - math.log2(sum(abs(c) for c in coef) + prob.n) - 2.0


def _noise_z_ok(prob: _Problem, coef: list[int], res: list[int], noise_bits: float) -> bool:
    """Every entry of ``L t`` within ``NOISE_Z_MAX`` noise standard deviations (the noise
    taken no smaller than the columns' resolution, :func:`_resolution_bits`)."""
    bits = min(float(noise_bits), _resolution_bits(prob, coef))
    zmax = max((_log2_abs(r) for r in res), default=-math.inf) - prob.hi + bits
    return zmax <= math.log2(NOISE_Z_MAX)


def _check_rows(prob: _Problem, rows: list[list[int]], certify_bits: float,
                noise_bits: float | None = None):
    best = None
    for row in rows:
        coef = _candidate(prob, row)
        if coef is None:
            continue
        res = [sum(coef[j] * prob.cols[j][c] for j in range(prob.n)) for c in range(prob.k)]
        log2_rho = max(_norm_of_ints(res, prob.hi), -prob.hi + 0.5 * math.log2(prob.n))
        t = _t_values(prob, coef)
        log2_t = _norm_of_ints(t, prob.label_bits)
        score = _log2_expected_false(prob, log2_t, log2_rho)
        if noise_bits is not None and prob.kind != "cosine" and \
                not _noise_z_ok(prob, coef, res, noise_bits):
            # L has orthonormal rows, so L e has iid N(0, sigma^2) entries.
            continue  # explains the data, but not within the noise: not the neuron
        if best is None or score < best.score:
            best = Candidate(score, coef, log2_rho, res)
        if score <= -certify_bits:
            return best
    return best


def _basis_rows(prob: _Problem, U: list[list[int]], bits: int) -> list[list[int]]:
    import flint

    shift = prob.hi - bits
    C = flint.fmpz_mat([[_rshift(v, shift) for v in row] for row in prob.cols])
    UC = (flint.fmpz_mat(U) * C).tolist()
    w = prob.weights
    return [[U[i][j] * w[j] for j in range(prob.n)] + [int(v) for v in UC[i]]
            for i in range(prob.n)]


def _coef_rows(prob: _Problem, rows: list[list[int]]) -> list[list[int]]:
    w = prob.weights
    return [[row[j] // w[j] for j in range(prob.n)] for row in rows]


def _reduce_loop(prob: _Problem, cfg: ReductionConfig, report=None) -> dict[str, Any]:
    """Progressive-precision reduction; returns the outcome as a plain dict."""
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    deadline = cfg.deadline  # seconds from t_start, or None
    n = prob.n
    U = [[1 if i == j else 0 for j in range(n)] for i in range(n)]
    attempts: list[dict[str, Any]] = []
    engine_used: set[str] = set()
    best: Candidate | None = None
    retries = 0
    for bits in cfg.schedule:
        t0 = time.perf_counter()
        rows = _basis_rows(prob, U, bits)
        bulk = cfg.bulk_engine
        if bulk == "flint":
            rows = _flint_lll(rows, BULK_DELTA)
        else:
            rows, r = _fpylll_lll(rows, BULK_DELTA)
            retries += r
        engine_used.add(bulk)
        polish = cfg.polish_engine
        if polish == "flint":
            rows = _flint_lll(rows, cfg.delta)
        else:
            rows, r = _fpylll_lll(rows, cfg.delta)
            retries += r
        engine_used.add(polish)
        found = _check_rows(prob, rows, cfg.certify_bits, cfg.noise_bits)
        ok = found is not None and found.score <= -cfg.certify_bits
        # BKZ climbs the same ladder of scales as LLL: each rung starts from the basis the
        # last rung reduced, so the extra bits are cheap to absorb
        if not ok and cfg.reduction == "bkz":
            remaining = None if deadline is None else deadline - (time.perf_counter() - t_start)
            if remaining is None or remaining > 0.5:
                rows = _fpylll_bkz(rows, cfg.block_size,
                                   cfg.bkz_max_time if remaining is None else
                                   min(cfg.bkz_max_time, remaining), cfg.seed)
                engine_used.add("fpylll")
                found_b = _check_rows(prob, rows, cfg.certify_bits, cfg.noise_bits)
                if found_b is not None and (found is None or found_b.score < found.score):
                    found = found_b
                ok = found is not None and found.score <= -cfg.certify_bits
        U = _coef_rows(prob, rows)
        if found is not None and (best is None or found.score < best.score):
            best = found
        info = {"bits": bits, "seconds": time.perf_counter() - t0, "certified": ok,
                "log2_expected_false": None if found is None else found.score}
        attempts.append(info)
        if report is not None:
            report(info)
        if ok:
            break
        if deadline is not None and time.perf_counter() - t_start > deadline:
            return {"status": "timeout", "attempts": attempts, "engines": sorted(engine_used),
                    "best": best, "seconds": time.perf_counter() - t_start, "retries": retries,
                    "cpu_seconds": time.process_time() - cpu_start}
    status = "recovered" if best is not None and best.score <= -cfg.certify_bits else \
        "not_recovered"
    return {"status": status, "attempts": attempts, "engines": sorted(engine_used),
            "best": best, "seconds": time.perf_counter() - t_start, "retries": retries,
            "cpu_seconds": time.process_time() - cpu_start}


def _child_main(conn, prob, cfg, log_level=logging.WARNING) -> None:  # pragma: no cover
    # runs in the child process; its log records travel on the pipe (handled by the parent)
    forward_to(lambda packed: conn.send(("log", packed)), log_level)

    def report(info):
        conn.send(("progress", info))

    try:
        out = _reduce_loop(prob, cfg, report)
        conn.send(("done", out))
    except Exception as exc:  # noqa: BLE001 - shipped to the parent, which re-raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _run_with_limit(prob: _Problem, cfg: ReductionConfig, time_limit: float | None):
    """Run :func:`_reduce_loop` in a child killed at ``time_limit`` seconds."""
    if time_limit is None:
        return _reduce_loop(prob, cfg)
    if multiprocessing.current_process().daemon:
        # A daemonic process (a multiprocessing.Pool worker) may not start children: the
        # limit is then checked between feeding steps only (a "soft" limit).
        _log.info("lattice reduction in a daemonic process: its %.3g s limit is soft "
                  "(checked between feeding steps)", time_limit)
        out = _reduce_loop(prob, cfg)
        out["limit"] = "soft"
        return out
    methods = multiprocessing.get_all_start_methods()
    method = CHILD_START_METHOD if CHILD_START_METHOD in methods else "spawn"
    if method != CHILD_START_METHOD:
        _log.info("start method %r is not available here; the lattice child uses %r (slower "
                  "to start)", CHILD_START_METHOD, method)
    ctx = multiprocessing.get_context(method)
    parent, child = ctx.Pipe(duplex=False)
    # typeshed's BaseContext (the type of get_context(<a str>)) lacks Process; every
    # concrete context has it.
    proc = ctx.Process(  # type: ignore[attr-defined]
        target=_child_main, daemon=True,
        args=(child, prob, cfg, logging.getLogger(LOGGER_NAME).getEffectiveLevel()),
    )
    t0 = time.perf_counter()
    proc.start()
    child.close()
    attempts: list[dict[str, Any]] = []
    result = None
    try:
        while True:
            left = time_limit - (time.perf_counter() - t0)
            if left <= 0 or not parent.poll(left):
                break
            try:
                tag, payload = parent.recv()
            except EOFError:
                break
            if tag == "log":  # a record logged in the child
                handle_packed(payload)
            elif tag == "progress":
                attempts.append(payload)
                score = payload["log2_expected_false"]
                _log.debug("lattice rung log2 M = %s: %.3g s, certified %s, log2 E = %s",
                           payload["bits"], payload["seconds"], payload["certified"],
                           "none" if score is None else f"{score:.1f}")
            elif tag == "done":
                result = payload
                break
            else:
                raise HardlearnError(f"lattice reduction failed in the worker: {payload}")
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
    if result is None:
        if proc.exitcode not in (None, 0, -9) and time.perf_counter() - t0 < time_limit:
            _log.warning("the lattice child process died with exit code %s", proc.exitcode)
            raise HardlearnError(
                f"the lattice worker died with exit code {proc.exitcode} (out of memory?)."
            )
        _log.info("lattice reduction stopped at its time limit (%.3g s were left for this "
                  "attempt) after %d rung(s); the child process was killed", time_limit,
                  len(attempts))
        result = {"status": "timeout", "attempts": attempts, "engines": [], "best": None,
                  "seconds": time.perf_counter() - t0, "retries": 0}
    return result


# --------------------------------------------------------------------------------------
# Reading labels and finishing (called by the estimator in the parent process)
# --------------------------------------------------------------------------------------

#: Bits of the fixed-point solution ``v`` (more than float64 needs).
V_BITS = 80


def _labels_to_ints(y: Any, label_scale_bits: int | None, m: int) -> tuple[list[int], int]:
    if label_scale_bits is None:
        yf = check_array("y", y, ndim=1)
        if yf.shape[0] != m:
            raise ParameterError(f"y must have one label per row of X ({m}); got "
                                 f"{yf.shape[0]}.")
        ints, P = dyadic_integers(yf)
        return [int(v) for v in ints], P
    seq = list(np.asarray(y, dtype=object).ravel()) if not isinstance(y, list | tuple) \
        else list(y)
    if len(seq) != m:
        raise ParameterError(f"y must have one label per row of X ({m}); got {len(seq)}.")
    out = []
    for i, v in enumerate(seq):
        if isinstance(v, bool | np.bool_):
            raise ParameterError(f"y[{i}] must be an integer (label_scale_bits is set); "
                                 f"got {v!r}.")
        try:
            iv = int(v) if isinstance(v, int | np.integer | str) else None
        except ValueError:
            iv = None
        if iv is None:
            raise ParameterError(
                f"y[{i}] must be an integer or a decimal string when label_scale_bits is "
                f"set (label = y / 2^label_scale_bits); got {v!r}."
            )
        out.append(iv)
    return out, label_scale_bits


def _least_squares(X: np.ndarray, t: list[int], P: int, Y: list[list[int]],
                   amp: list[float] | None) -> np.ndarray:
    """``v`` minimising ``sum_i (x_i . v - t_i)^2 / amp_i^2`` over every recovered row.

    ``t`` (scale ``2^P``) holds ``freq <w, x_i>`` plus the noise for all ``m`` rows once
    their integers are known, so least squares over all of them averages the noise down
    (the first ``d`` rows alone fix ``v`` exactly but carry their noise in full). ``Y`` is
    the exact solution on the first ``d`` rows at scale ``2^V_BITS``; the residuals of all
    rows against it are formed in integers and only the small correction is solved in
    float64, so the result keeps float64's accuracy at any noise level. ``amp`` weights the
    rows (cosine labels: the noise of ``arccos``).
    """
    import flint

    m, d = X.shape
    Xi, sx = dyadic_integers(X)
    y0 = flint.fmpz_mat([[int(row[0])] for row in Y])
    XY = (flint.fmpz_mat([[int(v) for v in row] for row in Xi.tolist()]) * y0).tolist()
    scale = P + sx + V_BITS
    res = [(ti << (sx + V_BITS)) - (int(xy[0]) << P) for ti, xy in zip(t, XY, strict=True)]
    top = max((abs(r).bit_length() for r in res), default=0)
    sh = max(top - 60, 0)
    r = np.ldexp(np.array([float(_rshift(v, sh)) for v in res]), sh - scale)
    v0 = np.ldexp(np.array([float(_rshift(int(row[0]), 0)) if abs(int(row[0])).bit_length()
                            < 1000 else math.inf for row in Y]), -V_BITS)
    w = np.ones(m) if amp is None else 1.0 / np.asarray(amp, dtype=float)
    delta, *_ = np.linalg.lstsq(X * w[:, None], r * w, rcond=None)
    return v0 + delta
