"""The parameter calculator: LZZ's regimes, the width rule, tail mass and TV bounds.

Every formula that turns a dimension into the parameters of the hard instance lives here
(SPEC sections 1-4). :func:`lzz_regime` returns a frozen :class:`Regime`; each field is
documented in :data:`FIELDS` with its formula and source, and ``hardlearn params --dim D``
prints that table.

Defaults (all polynomial in ``d``, so the polynomial regime of LZZ's main theorem):

* ``gamma = 2 sqrt(d)``: the smallest ``gamma`` of BRST21's hardness theorem (SPEC section 2);
* ``samples m = d^2``;
* ``sigma = d^-2`` (polynomial regime) or ``2^(-d^eta)`` when ``eta`` is given
  (LZZ's super-polynomial extension, ``eta in (0, 1/2)``);
* a total-variation budget ``tv_budget = 0.1`` split evenly between the CLWE noise and the
  tail of the capped network: ``beta`` and the radius ``R`` are the largest noise and the
  smallest radius for which ``m * (TV_noise + tail) <= tv_budget`` (SPEC section 4).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from scipy.special import erfc, erfcinv, ndtr

from hardlearn._validation import check_int, check_real
from hardlearn.conventions import SQRT_2PI, beta_to_noise_std, gamma_to_freq
from hardlearn.problems.periodic import get_activation

__all__ = [
    "Regime",
    "FIELDS",
    "lzz_regime",
    "radius_for_tail",
    "tail_mass",
    "width_for_radius",
    "noise_tv_bound",
    "gaussian_shift_tv",
    "DEFAULT_TV_BUDGET",
    "PRESETS",
]

#: Total-variation distance allowed between the reduction's data and the clean network model,
#: over all ``m`` samples. 0.1 keeps a weak learner's advantage visible after the reduction.
DEFAULT_TV_BUDGET = 0.1
#: BRST21 (Thm 1.1): CLWE is hard for ``gamma >= 2 sqrt(n)``.
_BRST_GAMMA_FACTOR = 2.0
#: Polynomial exponents of the default regime: ``m = d^2`` samples, noise ``sigma = d^-2``.
_SAMPLES_EXPONENT = 2
_SIGMA_EXPONENT = 2


def tail_mass(freq: float, radius: float) -> float:
    """``P(|freq g| > R) = erfc(R / (sqrt 2 freq))`` for ``g ~ N(0, 1)`` (SPEC section 3).

    The capped network and the periodic neuron differ only there.

    Examples
    --------
    >>> round(tail_mass(1.0, 1.959963984540054), 6)
    0.05
    """
    freq = check_real("freq", freq, low=0.0, low_open=True)
    radius = check_real("radius", radius, low=0.0)
    return float(erfc(radius / (math.sqrt(2.0) * freq)))


def radius_for_tail(freq: float, tail: float) -> int:
    """Smallest integer ``R >= 1`` with ``tail_mass(freq, R) <= tail``: ``ceil(freq r)``,
    ``r = sqrt(2) erfcinv(tail)`` (SPEC section 3, width rule).

    Examples
    --------
    >>> radius_for_tail(1.0, 0.05)
    2
    """
    freq = check_real("freq", freq, low=0.0, low_open=True)
    tail = check_real("tail", tail, low=0.0, high=1.0, low_open=True, high_open=True)
    return max(1, math.ceil(freq * math.sqrt(2.0) * float(erfcinv(tail))))


def width_for_radius(radius: int) -> int:
    """Width ``k = 4R + 1`` of the capped triangle network (SPEC section 3).

    Examples
    --------
    >>> width_for_radius(26)
    105
    """
    return 4 * check_int("radius", radius, minimum=1) + 1


def noise_tv_bound(beta: float, sigma: float, lipschitz: float = 1.0) -> float:
    """Per-sample TV bound of SPEC section 4: ``L E|e'| / (sigma sqrt(2 pi))``.

    ``e' ~ N(0, s^2)`` with ``s = beta / sqrt(2 pi)`` has ``E|e'| = s sqrt(2 / pi)``, so the
    bound is ``L beta / (pi sqrt(2 pi) sigma)``. It follows from
    ``TV(N(a, sigma^2), N(b, sigma^2)) <= |a - b| / (sigma sqrt(2 pi))``.

    Examples
    --------
    >>> round(noise_tv_bound(1e-3, 1e-2), 6)
    0.012699
    """
    beta = check_real("beta", beta, low=0.0)
    sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    mean_abs = beta_to_noise_std(beta) * math.sqrt(2.0 / math.pi)
    return lipschitz * mean_abs / (sigma * SQRT_2PI)


def gaussian_shift_tv(a: float, b: float, s: float) -> float:
    """``d_TV(N(a, s^2), N(b, s^2)) = 2 Phi(|a - b| / (2 s)) - 1`` (SPEC section 7).

    Examples
    --------
    >>> gaussian_shift_tv(0.0, 0.0, 1.0)
    0.0
    >>> round(gaussian_shift_tv(0.0, 2.0, 1.0), 6)
    0.682689
    """
    s = check_real("s", s, low=0.0, low_open=True)
    return float(2.0 * ndtr(abs(a - b) / (2.0 * s)) - 1.0)


@dataclass(frozen=True)
class Regime:
    """Parameters of the hard instance for one dimension; see :data:`FIELDS` for each formula."""

    dim: int
    regime: str
    eta: float | None
    gamma: float
    beta: float
    freq: float
    clwe_noise_std: float
    sigma: float
    sigma_bits: float
    samples: int
    eps: float
    tail_target: float
    radius: int
    width: int
    tail_mass: float
    tv_noise_per_sample: float
    tv_tail_per_sample: float
    tv_total: float
    gamma_over_beta: float
    gapsvp_factor: float
    activation: str

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-ready)."""
        return asdict(self)


#: Field -> (formula, source). Printed by ``hardlearn params``.
FIELDS: dict[str, tuple[str, str]] = {
    "dim": ("d", "input"),
    "regime": ("polynomial (sigma = d^-2) or super-polynomial (sigma = 2^-d^eta)", "LZZ Thm"),
    "eta": ("exponent of the super-polynomial regime, in (0, 1/2)", "LZZ extension"),
    "gamma": ("2 sqrt(d) unless given", "BRST21 Thm 1.1"),
    "beta": ("tv_budget pi sqrt(2 pi) sigma / (2 m L), capped below 1", "SPEC 4"),
    "freq": ("gamma / sqrt(2 pi)", "SPEC 2"),
    "clwe_noise_std": ("beta / sqrt(2 pi): std of e' in the standard view", "SPEC 2"),
    "sigma": ("d^-2, or 2^(-d^eta)", "LZZ; SPEC 1"),
    "sigma_bits": ("-log2 sigma", "SPEC 1"),
    "samples": ("m = d^2 unless given", "SPEC 4"),
    "eps": ("weak-learning margin, 1/d unless given", "SPEC 1"),
    "tail_target": ("tv_budget / (2 m)", "SPEC 3-4"),
    "radius": ("R = ceil(freq sqrt(2) erfcinv(tail_target))", "SPEC 3 width rule"),
    "width": ("k = 4R + 1", "SPEC 3"),
    "tail_mass": ("erfc(R / (sqrt 2 freq))", "SPEC 3"),
    "tv_noise_per_sample": ("L beta / (pi sqrt(2 pi) sigma)", "SPEC 4"),
    "tv_tail_per_sample": ("erfc(R / (sqrt 2 freq))", "SPEC 4"),
    "tv_total": ("m (tv_noise_per_sample + tv_tail_per_sample)", "SPEC 4"),
    "gamma_over_beta": ("gamma / beta (polynomial in d for BRST21 hardness)", "BRST21"),
    "gapsvp_factor": ("about d / beta (up to polylog factors)", "BRST21 Thm 1.1"),
    "activation": ("the periodic activation phi", "SPEC 3"),
}

#: Named regimes; each cites where it comes from.
PRESETS: dict[str, dict[str, Any]] = {
    # LZZ main theorem: sigma = 1/poly(d); here sigma = d^-2, gamma = 2 sqrt(d) (BRST21).
    "lzz-polynomial": {},
    # LZZ extension: sigma = 2^(-d^eta) for eta in (0, 1/2); the two ends drawn in the demo.
    "lzz-superpoly-0.25": {"eta": 0.25},
    "lzz-superpoly-0.49": {"eta": 0.49},
}


def lzz_regime(
    dim: int,
    *,
    gamma: float | None = None,
    sigma: float | None = None,
    samples: int | None = None,
    eps: float | None = None,
    eta: float | None = None,
    tail: float | None = None,
    tv_budget: float = DEFAULT_TV_BUDGET,
    activation: str = "triangle",
) -> Regime:
    """Parameters of the hard learning instance for dimension ``dim`` (module docstring).

    Parameters
    ----------
    dim : int
        ``d >= 1``.
    gamma : float, optional
        CLWE ``gamma`` (BRST21 normalisation); default ``2 sqrt(d)``.
    sigma : float, optional
        Label noise; default ``d^-2``, or ``2^(-d^eta)`` when ``eta`` is given.
    samples : int, optional
        Number of samples ``m``; default ``d^2``.
    eps : float, optional
        Weak-learning margin; default ``1/d``.
    eta : float, optional
        Super-polynomial regime exponent, ``0 < eta < 1/2``.
    tail : float, optional
        Tail mass target of the capped network; default ``tv_budget / (2 m)``.
    tv_budget : float
        Total-variation budget over the ``m`` samples, ``0 < tv_budget < 1``.
    activation : str
        ``"triangle"`` (a ReLU network equals it) or ``"cosine"``.

    Examples
    --------
    >>> r = lzz_regime(64)
    >>> r.gamma, r.samples, r.width == 4 * r.radius + 1
    (16.0, 4096, True)
    >>> r.tv_total <= 0.1 + 1e-12
    True
    """
    dim = check_int("dim", dim, minimum=1)
    act = get_activation(activation)
    tv_budget = check_real("tv_budget", tv_budget, low=0.0, high=1.0, low_open=True, high_open=True)
    if gamma is None:
        gamma = _BRST_GAMMA_FACTOR * math.sqrt(dim)
    gamma = check_real("gamma", gamma, low=0.0, low_open=True)
    if eta is not None:
        eta = check_real(
            "eta", eta, low=0.0, high=0.5, low_open=True, high_open=True,
            hint="LZZ's super-polynomial regime takes eta in (0, 1/2).",
        )
    if sigma is None:
        sigma = 2.0 ** (-(dim**eta)) if eta is not None else float(dim) ** (-_SIGMA_EXPONENT)
    sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    m = dim**_SAMPLES_EXPONENT if samples is None else check_int("samples", samples, minimum=1)
    eps = 1.0 / dim if eps is None else check_real("eps", eps, low=0.0, low_open=True)
    tail = tv_budget / (2.0 * m) if tail is None else tail
    freq = gamma_to_freq(gamma)
    radius = radius_for_tail(freq, tail)
    per_unit_beta = noise_tv_bound(1.0, sigma, act.lipschitz)
    beta = min(tv_budget / (2.0 * m * per_unit_beta), 0.5)
    tv_noise = noise_tv_bound(beta, sigma, act.lipschitz)
    tv_tail = tail_mass(freq, radius)
    return Regime(
        dim=dim,
        regime="super-polynomial" if eta is not None else "polynomial",
        eta=eta,
        gamma=gamma,
        beta=beta,
        freq=freq,
        clwe_noise_std=beta_to_noise_std(beta),
        sigma=sigma,
        sigma_bits=-math.log2(sigma),
        samples=m,
        eps=eps,
        tail_target=tail,
        radius=radius,
        width=width_for_radius(radius),
        tail_mass=tv_tail,
        tv_noise_per_sample=tv_noise,
        tv_tail_per_sample=tv_tail,
        tv_total=m * (tv_noise + tv_tail),
        gamma_over_beta=gamma / beta,
        gapsvp_factor=dim / beta,
        activation=act.name,
    )
