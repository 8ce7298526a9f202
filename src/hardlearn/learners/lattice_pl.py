"""Lattice labels for piecewise-linear activations (issue 16), through the triangle lattice.

:class:`~hardlearn.learners.lattice.LatticeRegressor` solves triangle labels
``y = tri(t) + e`` from the relation ``t = k + s y`` (``k`` integer, ``s = +-1``). This module
brings any continuous, piecewise-linear, 1-periodic activation whose inverse on a period is
two piecewise-linear branches to that form, so the same lattice learns it.

**Which activations.** ``phi`` must rise strictly from its minimum (at ``b0``) to its
maximum (at ``b1``) and fall strictly back to the minimum at ``b0 + 1``: one minimum and one
maximum a period, no flat piece (a flat piece loses ``t`` on an interval, and a second
maximum needs a third branch). Triangle waves of any height and offset and
:func:`~hardlearn.problems.periodic.cosine_interpolant` qualify, and so does any such
activation with a branch of two or more pieces; a trapezoid does not, and neither does an
asymmetric tent (two single pieces of unequal lengths): there ``c`` below is a multiple of
``u``, so ``x'`` holds the trivial relation ``<v, x'> = u`` (``v`` zero on ``x``), which the
lattice would find first; it needs an inhomogeneous embedding (a constant row, as for CLWE
labels), which the triangle lattice does not have.

**The transform.** Let ``g_up(y) = phi_up^-1(y) - b0`` in ``[0, b1 - b0]`` (the rising
branch) and ``g_down(y) = b0 + 1 - phi_down^-1(y)`` in ``[0, b0 + 1 - b1]`` (the falling
branch), both piecewise linear in ``y``. A label on the rising branch has
``t = k + b0 + g_up(y)``; on the falling one ``t = k + b0 + 1 - g_down(y)``. With
``c(y) = (g_up - g_down) / 2`` and ``u(y) = (g_up + g_down) / 2`` (in ``[0, 1/2]``) both are

``t - b0 - c(y) = k' + s u(y)``,  ``s = +1`` (rising) or ``-1`` (falling).

Since ``t = freq <w, x>``, the left side is ``<v, x'>`` for ``x' = (x, 1, c(y))`` and
``v = (freq w, -b0, -1)``: triangle labels ``u`` of a neuron in dimension ``d + 2``. The
column ``1`` is dropped when ``b0`` is an integer, the column ``c`` when ``phi`` is symmetric
about ``b0`` (then ``c = 0``). The lattice recovers ``+-v``; the sign is fixed by the
coefficient ``-1`` of ``c`` (or ``-b0`` modulo 1 of the constant), and ``freq w`` is the
rest. A label noise ``e`` moves the relation by at most ``|e| / min |slope|``
(:attr:`PiecewiseLinearLatticeRegressor.noise_gain_`), so the noise bits handed to the
lattice are the label's less ``log2`` of that gain.

Examples
--------
>>> import numpy as np
>>> from hardlearn.problems.periodic import PiecewiseLinearActivation
>>> act = PiecewiseLinearActivation([0.0, 0.25, 0.5], [0.0, 1.0, 0.5])  # falls in 2 pieces
>>> Xa, u, info = lattice_labels(act, np.ones((2, 3)), np.array([0.5, 0.5]))
>>> Xa.shape, info["columns"], float(u[0])      # g_up = 1/8, g_down = 1/2
((2, 4), ('c',), 0.3125)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone

from hardlearn._validation import check_array, check_real
from hardlearn.errors import HardlearnError, ParameterError
from hardlearn.problems.periodic import PiecewiseLinearActivation, triangle_wave

__all__ = ["lattice_labels", "PiecewiseLinearLatticeRegressor", "branches"]

#: Relative tolerance for "the same value" when reading an activation's branches (float64
#: breakpoint values; the activations' own continuity tolerance).
_RTOL = 1e-12
#: A recovered relation is the neuron's only if its coefficients on the appended columns are
#: the known ones (``-1`` on ``c``, ``-b0`` modulo 1 on ``1``) within this much. Relations
#: that use a subset's proportional branches instead (``c = lambda u`` on the labels used, when
#: all of them fall where the branches' ratio is constant) have coefficient ``1 / lambda``
#: with ``|lambda| < 1``, at least 0.02 from 1 unless one branch is 100 times longer; the
#: neuron's own were within 2e-9 of the known ones at noise 2^-30 (tests/test_lattice_pl.py).
KNOWN_COEF_TOL = 0.01


def _as_piecewise(activation: Any) -> PiecewiseLinearActivation:
    if activation is triangle_wave or activation == "triangle":
        return PiecewiseLinearActivation([0.0, 0.5], [0.0, 0.5], name="triangle")
    if not isinstance(activation, PiecewiseLinearActivation):
        raise ParameterError(
            "activation must be a PiecewiseLinearActivation (or 'triangle') for lattice labels; "
            f"got {getattr(activation, 'name', activation)!r}."
        )
    return activation


def branches(activation: Any) -> dict[str, Any]:
    """The two branches of a unimodal piecewise-linear activation (module docstring).

    Returns ``b0`` (position of the minimum, in ``[0, 1)``), the rising knots ``up_t`` /
    ``up_y`` (positions from ``b0``, values increasing), the falling knots ``down_t`` /
    ``down_y`` (distances back from ``b0 + 1``, values increasing), and ``min_slope``.

    Raises
    ------
    ParameterError
        When ``phi`` is not strictly rising then strictly falling in one period.

    Examples
    --------
    >>> b = branches("triangle")
    >>> b["b0"], b["up_t"].tolist(), b["down_t"].tolist(), b["min_slope"]
    (0.0, [0.0, 0.5], [0.0, 0.5], 1.0)
    """
    act = _as_piecewise(activation)
    xp, fp = np.asarray(act.breakpoints, float), np.asarray(act.values, float)
    scale = max(1.0, float(np.max(np.abs(fp))))
    i0 = int(np.argmin(fp))
    # one period of knots from the minimum, closed by its copy one period later
    order = np.r_[np.arange(i0, xp.size), np.arange(0, i0)]
    t = np.r_[xp[order] + np.where(order < i0, 1.0, 0.0), xp[i0] + 1.0]
    v = np.r_[fp[order], fp[i0]]
    j1 = int(np.argmax(v))
    rise, fall = np.diff(v[: j1 + 1]), np.diff(v[j1:])
    if j1 == 0 or np.any(rise <= _RTOL * scale) or np.any(fall >= -_RTOL * scale):
        raise ParameterError(
            f"activation {act.name!r} must rise strictly from its minimum to its maximum and "
            "fall strictly back within one period (one minimum, one maximum, no flat piece) "
            "for lattice labels: its inverse on a period is then two piecewise-linear "
            f"branches; got values {act.values.tolist()} at {act.breakpoints.tolist()}."
        )
    b0 = float(t[0] % 1.0)
    slopes = np.abs(np.diff(v) / np.diff(t))
    return {
        "b0": b0,
        "up_t": t[: j1 + 1] - t[0], "up_y": v[: j1 + 1],
        "down_t": (t[-1] - t[j1:])[::-1], "down_y": v[j1:][::-1],
        "low": float(v[0]), "high": float(v[j1]),
        "min_slope": float(np.min(slopes)),
    }


def _check_not_proportional(activation: Any, b: dict[str, Any], knots: np.ndarray) -> None:
    """Refuse ``c`` affine in ``u`` (and not 0): then ``x' = (x, [1,] c)`` holds the trivial
    relation ``<v, x'> = u`` with ``v`` zero on ``x``, which the lattice finds first."""
    up = np.interp(knots, b["up_y"], b["up_t"])
    down = np.interp(knots, b["down_y"], b["down_t"])
    A = np.column_stack([0.5 * (up + down), np.ones_like(knots)])
    c = 0.5 * (up - down)
    coef, *_ = np.linalg.lstsq(A, c, rcond=None)
    if np.max(np.abs(A @ coef - c)) <= _RTOL * max(1.0, float(np.max(np.abs(c)))):
        name = _as_piecewise(activation).name
        raise ParameterError(
            f"activation {name!r} has proportional branches (each one linear piece, of unequal "
            "lengths), so its shift c(y) is affine in the triangle label u(y) and the triangle "
            "lattice finds the trivial relation first; lattice labels need a branch of two or "
            "more pieces, or a symmetric activation (an asymmetric tent needs an inhomogeneous "
            "embedding, not implemented)."
        )


def lattice_labels(activation: Any, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, dict]:
    """Triangle-lattice data ``(x', u)`` of labels ``y = phi(freq <w, x>) + e`` (module docstring).

    Parameters
    ----------
    activation : PiecewiseLinearActivation or "triangle"
    X : array_like, shape (m, d)
    y : array_like, shape (m,)
        Labels; clipped to the range of ``phi`` first.

    Returns
    -------
    X_lattice : ndarray, shape (m, d + len(columns))
        ``X`` with the columns ``columns`` appended (``"1"``, ``"c"``, each only when needed).
    u : ndarray, shape (m,)
        Triangle labels in ``[0, 1/2]``.
    info : dict
        ``b0``, ``columns``, ``noise_gain`` (``1 / min |slope|``).
    """
    b = branches(activation)
    Xa = check_array("X", X, ndim=2)
    ya = check_array("y", y, shape=(Xa.shape[0],))
    yc = np.clip(ya, b["low"], b["high"])
    g_up = np.interp(yc, b["up_y"], b["up_t"])
    g_down = np.interp(yc, b["down_y"], b["down_t"])
    c = 0.5 * (g_up - g_down)
    u = 0.5 * (g_up + g_down)
    # symmetric about b0 when the two branches agree at every knot value (c is linear between)
    knots = np.union1d(b["up_y"], b["down_y"])
    symmetric = np.allclose(np.interp(knots, b["up_y"], b["up_t"]),
                            np.interp(knots, b["down_y"], b["down_t"]), rtol=0, atol=_RTOL)
    if not symmetric:
        _check_not_proportional(activation, b, knots)
    columns: list[str] = []
    extra = []
    if b["b0"] != 0.0:
        columns.append("1")
        extra.append(np.ones(Xa.shape[0]))
    if not symmetric:
        columns.append("c")
        extra.append(c)
    out = np.column_stack([Xa, *extra]) if extra else Xa.copy()
    return out, u, {"b0": b["b0"], "columns": tuple(columns), "noise_gain": 1.0 / b["min_slope"]}


class PiecewiseLinearLatticeRegressor(RegressorMixin, BaseEstimator):
    """The lattice learner on labels of a piecewise-linear activation (module docstring).

    Parameters
    ----------
    activation : PiecewiseLinearActivation or "triangle", default "triangle"
        ``phi``; it must rise then fall strictly once a period (:func:`branches`).
    estimator : LatticeRegressor or None, default None
        The lattice learner to use, with ``labels="triangle"`` (cloned at ``fit``); None:
        ``LatticeRegressor(labels="triangle")``.
    noise_bits : float or None, default None
        Label noise ``2^-noise_bits`` if known; the lattice gets it less
        ``log2 noise_gain`` (the transform's amplification).

    Attributes
    ----------
    status_, recovered_ : as the lattice learner's
    secret_ : ndarray (d,) or None
    freq_ : float or None
    estimator_ : the fitted lattice learner (in dimension ``d + len(columns_)``)
    columns_ : tuple of str
        Columns appended to ``X`` (``"1"``, ``"c"``).
    noise_gain_ : float
    extra_coef_ : dict or None
        The recovered coefficients of the appended columns (known: ``-1``, ``-b0`` mod 1).
    retried_ : bool
        Whether the first relation found had other coefficients there, and the lattice was
        run again on twice the samples (:data:`KNOWN_COEF_TOL`).

    Examples
    --------
    >>> import numpy as np
    >>> from hardlearn.problems.periodic import PiecewiseLinearActivation, PeriodicNeuron
    >>> act = PiecewiseLinearActivation([0.0, 0.25, 0.5], [0.0, 1.0, 0.5])
    >>> rng = np.random.default_rng(0)
    >>> w = rng.standard_normal(4); w /= np.linalg.norm(w)
    >>> X = rng.standard_normal((40, 4))
    >>> y = PeriodicNeuron(w, 1.6, act)(X) + 2.0**-40 * rng.standard_normal(40)
    >>> est = PiecewiseLinearLatticeRegressor(act, noise_bits=40).fit(X, y)
    >>> est.status_, bool(abs(est.secret_ @ w) > 1 - 1e-9), round(est.freq_, 6)
    ('recovered', True, 1.6)
    """

    def __init__(self, activation: Any = "triangle", estimator: Any = None,
                 noise_bits: float | None = None) -> None:
        self.activation = activation
        self.estimator = estimator
        self.noise_bits = noise_bits

    def _inner(self, gain: float) -> Any:
        from hardlearn.learners.lattice import LatticeRegressor

        est = LatticeRegressor(labels="triangle") if self.estimator is None \
            else clone(self.estimator)
        if getattr(est, "labels", None) != "triangle":
            raise ParameterError(
                f"{type(self).__name__}.estimator must be a LatticeRegressor with "
                f"labels='triangle' (the transform gives triangle labels); got "
                f"{getattr(est, 'labels', type(est).__name__)!r}."
            )
        if self.noise_bits is not None:
            bits = check_real(f"{type(self).__name__}.noise_bits", self.noise_bits, low=0.0)
            est.set_params(noise_bits=max(bits - math.log2(max(gain, 1.0)), 0.0))
        return est

    def fit(self, X: Any, y: Any) -> PiecewiseLinearLatticeRegressor:
        """Transform the labels (:func:`lattice_labels`) and run the lattice learner."""
        act = _as_piecewise(self.activation)
        Xa = check_array("X", X, ndim=2)
        Xl, u, info = lattice_labels(act, Xa, y)
        d = Xa.shape[1]
        est = self._inner(info["noise_gain"]).fit(Xl, u)
        self.retried_ = False
        if est.recovered_ and self._orient(est, d, info) is None and \
                est.get_params()["max_samples"] is not None:
            # a relation of the used samples' proportional branches: twice the samples break
            # it unless all of them fall there too (the chance squares)
            more = min(Xa.shape[0], 2 * int(est.samples_used_))
            est = clone(est).set_params(max_samples=more).fit(Xl, u)
            self.retried_ = True
        self.activation_ = act
        self.estimator_ = est
        self.columns_ = info["columns"]
        self.noise_gain_ = info["noise_gain"]
        self.n_features_in_ = d
        self.mean_ = float(np.mean(np.asarray(y, dtype=float)))
        self.status_ = est.status_
        self.recovered_ = bool(est.recovered_)
        self.secret_ = self.freq_ = None
        self.extra_coef_ = None
        if self.recovered_:
            found = self._orient(est, d, info)
            if found is None:
                self.status_, self.recovered_ = "not_recovered", False
            else:
                v, self.extra_coef_ = found
                self.freq_ = float(np.linalg.norm(v[:d]))
                self.secret_ = v[:d] / self.freq_
        return self

    def _orient(self, est: Any, d: int, info: dict) -> tuple[np.ndarray, dict] | None:
        """``v`` with the sign that gives the appended columns their known coefficients, or
        None when no sign does (:data:`KNOWN_COEF_TOL`)."""
        v = est.freq_ * np.asarray(est.secret_, dtype=float)
        extra = dict(zip(info["columns"], v[d:], strict=True))

        def miss(sign: float) -> float:
            out = 0.0
            if "c" in extra:
                out = max(out, abs(sign * extra["c"] + 1.0))
            if "1" in extra:
                r = (sign * extra["1"] + info["b0"]) % 1.0
                out = max(out, min(r, 1.0 - r))
            return out

        sign = 1.0 if miss(1.0) <= miss(-1.0) else -1.0   # no column: phi even, w ~ -w
        if miss(sign) > KNOWN_COEF_TOL or not np.any(v[:d]):
            return None
        return sign * v, {k: float(sign * val) for k, val in extra.items()}

    def predict(self, X: Any) -> np.ndarray:
        """``phi(freq_ <secret_, x>)``; when nothing was recovered, the training mean (the
        trivial predictor), with a warning."""
        if not hasattr(self, "status_"):
            raise ParameterError(f"{type(self).__name__}.predict: call fit first.")
        Xa = check_array("X", X, shape=(None, self.n_features_in_))
        if not self.recovered_:
            warnings.warn(
                f"{type(self).__name__}: nothing was recovered (status {self.status_!r}); "
                "predicting the training mean.", RuntimeWarning, stacklevel=2)
            return np.full(Xa.shape[0], self.mean_)
        freq, secret = self.freq_, self.secret_
        if freq is None or secret is None:  # recovered_ is only set with both
            raise HardlearnError(f"{type(self).__name__}: recovered_ without freq_ and secret_.")
        return self.activation_(freq * (Xa @ secret))
