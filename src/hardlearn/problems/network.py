"""One-hidden-layer ReLU networks, and the capped network that equals the periodic neuron.

mathematics section 3 (reconstructed): for an integer ``R >= 1``,

``g_R(t) = ReLU(t + R) + sum_{i=-2R+1}^{2R-1} c_i ReLU(t - i/2) + ReLU(t - R)``,
``c_i = +2`` for even ``i`` and ``-2`` for odd ``i``,

equals ``tri(clip(t, -R, R))`` for every real ``t``. With every hidden weight vector
``freq * w`` the network ``x -> g_R(freq <w, x>)`` has ``4R + 1`` hidden units and agrees with
the periodic neuron ``tri(freq <w, x>)`` whenever ``|freq <w, x>| <= R``, which fails with
probability ``erfc(R / (sqrt 2 freq))`` (:func:`hardlearn.regimes.tail_mass`).

Any continuous piecewise-linear 1-periodic ``phi``
(:class:`~hardlearn.problems.periodic.PiecewiseLinearActivation`) works the same way: with
``s(t)`` its slope just right of ``t`` and ``J_k`` its slope change at a kink ``k``,

``g(t) = phi(-R) + s(-R) ReLU(t + R) + sum_{k in (-R, R)} J_k ReLU(t - k) - s(R-) ReLU(t - R)``

equals ``phi(clip(t, -R, R))``: below ``-R`` every unit is off; between, the slope is
``s(-R)`` plus the changes passed, which is ``phi``'s slope; above ``R`` the slopes cancel.
Width ``2 + (kinks in (-R, R))``, about ``2 R p + 2`` for ``p`` kinks a period; for the
triangle wave (``p = 2``) this is ``g_R`` above, width ``4R + 1``. The constant ``phi(-R)``
is the output bias.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

from hardlearn._validation import (
    check_allocation,
    check_array,
    check_int,
    check_real,
    check_unit_vector,
)
from hardlearn.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "OneHiddenLayerReLU",
    "capped_periodic_network",
    "capped_triangle_coefficients",
    "capped_piecewise_linear_coefficients",
    "gaussian_piecewise_linear_moments",
    "check_network_size",
]

#: Rows of ``X`` evaluated at once, so the (rows, width) activation block stays near 16 MiB.
_CHUNK_ELEMENTS = 1 << 21

#: Relative tolerance for treating two hidden weight vectors as parallel (ridge detection).
_PARALLEL_RTOL = 1e-12


class OneHiddenLayerReLU:
    """``f(x) = sum_j v_j ReLU(<a_j, x> + b_j) + c`` on ``R^d``.

    Parameters
    ----------
    hidden_weights : array_like, shape (k, d)
        Rows ``a_j``.
    hidden_biases : array_like, shape (k,)
        ``b_j``.
    output_weights : array_like, shape (k,)
        ``v_j``.
    output_bias : float, default 0.0
        ``c``.

    Examples
    --------
    >>> net = OneHiddenLayerReLU([[1.0, 0.0], [-1.0, 0.0]], [0.0, 0.0], [1.0, 1.0])
    >>> net(np.array([[2.0, 5.0], [-3.0, 1.0]]))      # |x_1|
    array([2., 3.])
    >>> net.width, net.dim
    (2, 2)
    """

    def __init__(
        self,
        hidden_weights: ArrayLike,
        hidden_biases: ArrayLike,
        output_weights: ArrayLike,
        output_bias: float = 0.0,
    ) -> None:
        W = check_array("hidden_weights", hidden_weights, ndim=2)
        k = W.shape[0]
        if k < 1 or W.shape[1] < 1:
            raise ParameterError(
                f"hidden_weights must have shape (k, d) with k, d >= 1; got {W.shape}."
            )
        b = check_array("hidden_biases", hidden_biases, shape=(k,))
        v = check_array("output_weights", output_weights, shape=(k,))
        for arr in (W, b, v):
            arr.setflags(write=False)
        self.hidden_weights = W
        self.hidden_biases = b
        self.output_weights = v
        self.output_bias = check_real("output_bias", output_bias)
        self._ridge = self.ridge_profile()

    @property
    def width(self) -> int:
        """Number of hidden units ``k``."""
        return int(self.hidden_weights.shape[0])

    @property
    def dim(self) -> int:
        """Input dimension ``d``."""
        return int(self.hidden_weights.shape[1])

    def __call__(self, X: ArrayLike) -> np.ndarray:
        X = check_array("X", X, shape=(None, self.dim))
        out = np.empty(X.shape[0])
        rows = max(1, _CHUNK_ELEMENTS // self.width)
        # A ridge network (all hidden weights parallel to u, as the capped network is) needs
        # one projection t = <u, x> instead of k: unit j is ReLU(scale_j t + b_j).
        ridge = self._ridge
        t = X @ ridge[0] if ridge is not None else None
        for start in range(0, X.shape[0], rows):
            if ridge is not None and t is not None:
                pre = np.multiply.outer(t[start : start + rows], ridge[1])
            else:
                pre = X[start : start + rows] @ self.hidden_weights.T
            pre += self.hidden_biases
            np.maximum(pre, 0.0, out=pre)
            out[start : start + rows] = pre @ self.output_weights
        out += self.output_bias
        return out

    def ridge_profile(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Write ``f(x) = h(<u, x>)`` (``u`` a unit vector) if all hidden weights are parallel.

        Returns ``(u, scales, biases)`` with ``a_j = scales_j * u`` (so unit ``j`` is
        ``ReLU(scales_j t + b_j)`` in ``t = <u, x>``), or ``None`` if the network is not a
        ridge function of one direction.
        """
        W = self.hidden_weights
        norms = np.linalg.norm(W, axis=1)
        if not np.any(norms > 0):
            u = np.zeros(self.dim)
            u[0] = 1.0
            return u, np.zeros(self.width), self.hidden_biases.copy()
        u = W[int(np.argmax(norms))] / norms.max()
        scales = W @ u
        residual = W - np.outer(scales, u)
        if np.max(np.abs(residual)) > _PARALLEL_RTOL * max(1.0, float(norms.max())):
            return None
        return u, scales, self.hidden_biases.copy()

    def gaussian_moments(self) -> tuple[float, float]:
        """``(E f(x), E f(x)^2)`` for ``x ~ N(0, I)``, exactly, for ridge networks.

        The network is then a piecewise-linear function of ``t = <u, x> ~ N(0, 1)``; the moments
        are sums of closed-form Gaussian integrals over its linear pieces
        (:func:`gaussian_piecewise_linear_moments`).

        Raises
        ------
        ParameterError
            If the hidden weights are not all parallel (then the expectation is not 1-D).
        """
        profile = self._ridge
        if profile is None:
            raise ParameterError(
                "exact Gaussian moments need a ridge network (every hidden weight vector parallel "
                "to one direction); this network's hidden weights span more than one direction. "
                "Estimate the variance by Monte Carlo instead."
            )
        _, scales, biases = profile
        return gaussian_piecewise_linear_moments(
            scales, biases, self.output_weights, self.output_bias
        )

    def to_torch(self, dtype: Any = None, device: Any = "cpu") -> torch.nn.Module:
        """A torch module computing the same function, output shape (m,).

        ``dtype`` defaults to ``torch.float64`` so the module equals the numpy network to
        rounding. Torch is imported here, not at package import.
        """
        import torch

        dtype = torch.float64 if dtype is None else dtype
        module = _torch_module_class()(self.dim, self.width).to(dtype=dtype, device=device)
        with torch.no_grad():
            module.hidden.weight.copy_(torch.tensor(self.hidden_weights))
            module.hidden.bias.copy_(torch.tensor(self.hidden_biases))
            module.output.weight.copy_(torch.tensor(self.output_weights)[None, :])
            module.output.bias.fill_(self.output_bias)
        return module

    def __repr__(self) -> str:
        return f"OneHiddenLayerReLU(dim={self.dim}, width={self.width})"


@functools.cache
def _torch_module_class() -> type:
    import torch

    class TorchOneHiddenLayerReLU(torch.nn.Module):
        """``x -> output(ReLU(hidden(x))).squeeze(-1)``."""

        def __init__(self, dim: int, width: int) -> None:
            super().__init__()
            self.hidden = torch.nn.Linear(dim, width)
            self.output = torch.nn.Linear(width, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.output(torch.relu(self.hidden(x))).squeeze(-1)

    # Found by pickle as hardlearn.problems.network.TorchOneHiddenLayerReLU through the module
    # __getattr__ below, so the module pickles and torch.saves without importing torch at
    # package import.
    TorchOneHiddenLayerReLU.__module__ = __name__
    TorchOneHiddenLayerReLU.__qualname__ = "TorchOneHiddenLayerReLU"
    return TorchOneHiddenLayerReLU


def __getattr__(name: str) -> Any:
    """``TorchOneHiddenLayerReLU``, the torch module class, built on first use (PEP 562)."""
    if name == "TorchOneHiddenLayerReLU":
        return _torch_module_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def capped_triangle_coefficients(radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Biases and output weights of ``g_R`` (mathematics section 3), in the order of its units.

    Units: ``ReLU(t + R)``, then ``ReLU(t - i/2)`` for ``i = -2R+1, ..., 2R-1`` with output
    weight ``+2`` for even ``i`` and ``-2`` for odd ``i``, then ``ReLU(t - R)``.

    Examples
    --------
    >>> b, v = capped_triangle_coefficients(1)
    >>> b.tolist(), v.tolist()
    ([1.0, 0.5, -0.0, -0.5, -1.0], [1.0, -2.0, 2.0, -2.0, 1.0])
    """
    radius = check_int("radius", radius, minimum=1)
    i = np.arange(-2 * radius + 1, 2 * radius)
    biases = np.concatenate([[float(radius)], -i / 2.0, [-float(radius)]])
    weights = np.concatenate([[1.0], np.where(i % 2 == 0, 2.0, -2.0), [1.0]])
    return biases, weights


def capped_piecewise_linear_coefficients(
    activation: Any, radius: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Biases, output weights and output bias of the capped network of a piecewise-linear
    activation (module docstring), units in the order ``t + R``, the kinks, ``t - R``.

    Examples
    --------
    >>> from hardlearn.problems.periodic import PiecewiseLinearActivation
    >>> tri = PiecewiseLinearActivation([0.0, 0.5, 1.0], [0.0, 0.5, 0.0])
    >>> b, v, c = capped_piecewise_linear_coefficients(tri, 1)
    >>> b.tolist(), v.tolist(), c
    ([1.0, 0.5, -0.0, -0.5, -1.0], [1.0, -2.0, 2.0, -2.0, 1.0], 0.0)
    """
    radius = check_int("radius", radius, minimum=1)
    if not hasattr(activation, "kinks_in"):
        raise ParameterError(
            "activation must be a PiecewiseLinearActivation (or 'triangle'); a ReLU network "
            "equals only piecewise-linear activations (for the cosine, take its interpolant "
            f"'cosine-interpolant:Q'); got {getattr(activation, 'name', activation)!r}."
        )
    kinks, jumps = activation.kinks_in(-radius, radius)
    r = float(radius)
    biases = np.concatenate([[r], -kinks, [-r]])
    weights = np.concatenate([[activation.slope_after(-r)], jumps,
                              [-activation.slope_before(r)]])
    return biases, weights, float(activation(-r))


def check_network_size(radius: int, dim: int, kinks_per_period: int = 2) -> int:
    """Refuse a capped network whose hidden weights would not fit before building any of it.

    The capped network of an activation with ``p`` kinks a period has at most
    ``2 + (2R + 2) p`` units (the kinks of the ``2R + 2`` periods that meet ``(-R, R)``;
    exactly ``4R + 1`` for the triangle wave, ``p = 2``), each with a ``d``-vector of hidden
    weights. Returns that bound on the width; raises
    :class:`~hardlearn.errors.ParameterError` through
    :func:`~hardlearn._validation.check_allocation` when width x d is above its limit.

    Examples
    --------
    >>> check_network_size(2, 16)
    9
    >>> check_network_size(10**9, 16)
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: capped network width 4R+1 x d (radius R = 1000000000) = ...
    """
    radius = check_int("radius", radius, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    if kinks_per_period == 2:
        width, rule = 4 * radius + 1, "4R+1"
    else:
        width, rule = 2 + (2 * radius + 2) * kinks_per_period, f"2+(2R+2)*{kinks_per_period}"
    check_allocation(f"capped network width {rule} x d (radius R = {radius})", (width, dim))
    return width


def capped_periodic_network(
    secret: ArrayLike, freq: float, radius: int, activation: Any = None
) -> OneHiddenLayerReLU:
    """The width-``4R + 1`` ReLU network ``x -> tri(clip(freq <w, x>, -R, R))`` (maths 3),
    or the capped network of another piecewise-linear activation (module docstring).

    Parameters
    ----------
    secret : array_like, shape (d,)
        Unit vector ``w``.
    freq : float
        ``freq > 0``; every hidden weight vector is ``freq * w``.
    radius : int
        ``R >= 1``; the network equals the periodic neuron where ``|freq <w, x>| <= R``.
        :func:`hardlearn.regimes.radius_for_tail` picks ``R`` for a target tail mass.
    activation : PiecewiseLinearActivation, str or None
        ``phi``; None or ``"triangle"`` give ``g_R`` of mathematics section 3 exactly as before.
        A :class:`~hardlearn.problems.periodic.PiecewiseLinearActivation`, or a spec such as
        ``"trapezoid"`` or ``"pl:0=0,0.25=0.5,0.5=0.25"``
        (:mod:`hardlearn.problems.activation_spec`), gives its network of width
        ``2 + (kinks in (-R, R))``.

    Examples
    --------
    >>> net = capped_periodic_network([1.0, 0.0], freq=1.0, radius=2)
    >>> net.width
    9
    >>> net(np.array([[0.25, 0.0], [1.5, 3.0], [7.0, 0.0]]))
    array([0.25, 0.5 , 0.  ])
    """
    w = check_unit_vector("secret", secret)
    freq = check_real("freq", freq, low=0.0, low_open=True)
    offset = 0.0
    if isinstance(activation, str):
        from hardlearn.problems.periodic import get_activation

        activation = get_activation(activation)
    name = getattr(activation, "name", None)
    triangle = activation is None or (name == "triangle" and not hasattr(activation, "kinks_in"))
    kinks = getattr(activation, "kink_positions", None)
    check_network_size(radius, w.shape[0], 2 if triangle or kinks is None else int(np.size(kinks)))
    if triangle:
        biases, out_weights = capped_triangle_coefficients(radius)
    else:
        biases, out_weights, offset = capped_piecewise_linear_coefficients(activation, radius)
    hidden = np.broadcast_to(freq * w, (biases.shape[0], w.shape[0]))
    return OneHiddenLayerReLU(hidden, biases, out_weights, offset)


def gaussian_piecewise_linear_moments(
    scales: ArrayLike, biases: ArrayLike, weights: ArrayLike, offset: float = 0.0
) -> tuple[float, float]:
    """``E h(t)`` and ``E h(t)^2`` for ``t ~ N(0, 1)``, ``h(t) = sum_j v_j ReLU(s_j t + b_j) + c``.

    ``h`` is linear, ``alpha + beta t``, between consecutive breakpoints ``-b_j / s_j``. On a
    piece ``[a, b]``, with ``Phi``/``phi`` the standard normal CDF/density,

    * ``int (alpha + beta t) phi = alpha (Phi(b) - Phi(a)) + beta (phi(a) - phi(b))``,
    * ``int (alpha + beta t)^2 phi = alpha^2 dPhi + 2 alpha beta (phi(a) - phi(b))
      + beta^2 (dPhi + a phi(a) - b phi(b))``.

    Examples
    --------
    >>> m, s = gaussian_piecewise_linear_moments([1.0], [0.0], [1.0])   # ReLU(t)
    >>> bool(abs(m - 1 / np.sqrt(2 * np.pi)) < 1e-15), round(s, 12)
    (True, 0.5)
    """
    s = np.asarray(scales, dtype=np.float64)
    b = np.asarray(biases, dtype=np.float64)
    v = np.asarray(weights, dtype=np.float64)
    moving = s != 0
    # Units with s_j = 0 are constants ReLU(b_j).
    const = float(offset) + float(np.sum(v[~moving] * np.maximum(b[~moving], 0.0)))
    s, b, v = s[moving], b[moving], v[moving]
    cuts = np.unique(-b / s)
    edges = np.concatenate([[-np.inf], cuts, [np.inf]])
    lo, hi = edges[:-1], edges[1:]
    mid = np.where(
        np.isinf(lo), hi - 1.0, np.where(np.isinf(hi), lo + 1.0, 0.5 * (lo + hi))
    )
    active = (np.outer(mid, s) + b) > 0  # (pieces, units)
    beta = active @ (v * s)
    alpha = active @ (v * b) + const
    finite = np.where(np.isinf(edges), 0.0, edges)
    dens = np.where(np.isinf(edges), 0.0, np.exp(-0.5 * finite**2) / np.sqrt(2 * np.pi))
    cdf = ndtr(edges)
    phi_lo, phi_hi = dens[:-1], dens[1:]
    d_cdf = cdf[1:] - cdf[:-1]
    # t * phi(t) -> 0 as |t| -> inf; write the limit instead of inf * 0.
    lo_phi = np.where(np.isinf(lo), 0.0, lo) * phi_lo
    hi_phi = np.where(np.isinf(hi), 0.0, hi) * phi_hi
    first = float(np.sum(alpha * d_cdf + beta * (phi_lo - phi_hi)))
    second = float(
        np.sum(
            alpha**2 * d_cdf
            + 2 * alpha * beta * (phi_lo - phi_hi)
            + beta**2 * (d_cdf + lo_phi - hi_phi)
        )
    )
    return first, second
