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

Other label-noise laws (``noise_law``, :mod:`hardlearn.problems.noise`): the per-sample
noise bound becomes ``L f(0) E|e'|`` with ``f(0)`` the law's density at 0 at standard
deviation ``sigma``, so ``beta`` scales with ``1 / f(0)``. For the discrete law (no density)
the TV argument gives nothing; the regime then holds ``beta = None`` and says so in its
``reduction`` field.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from scipy.special import erfc, erfcinv

from hardlearn._validation import check_int, check_real
from hardlearn.conventions import beta_to_noise_std, gamma_to_freq
from hardlearn.errors import ParameterError
from hardlearn.problems.noise import NoiseLaw, make_noise_law
from hardlearn.problems.periodic import get_activation

__all__ = [
    "Regime",
    "FIELDS",
    "lzz_regime",
    "radius_for_tail",
    "tail_mass",
    "width_for_radius",
    "network_width",
    "noise_tv_bound",
    "gaussian_shift_tv",
    "REDUCTION_GIVES_NOTHING",
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
#: What the calculator says, instead of a number, for a label-noise law without a density.
REDUCTION_GIVES_NOTHING = (
    "gives nothing: the {law} law has no density, so a label shifted by the continuous CLWE "
    "noise is at total-variation distance 1 from the clean label (hardlearn.problems.noise)"
)


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


def network_width(radius: int, activation: Any = "triangle") -> int:
    """Width of the capped ReLU network of ``activation`` at radius ``R``: ``4R + 1`` for the
    triangle wave, ``2 + (kinks in (-R, R))`` (about ``2 R p + 2``) for a
    :class:`~hardlearn.problems.periodic.PiecewiseLinearActivation` with ``p`` kinks a period
    (:mod:`hardlearn.problems.network`).

    Examples
    --------
    >>> from hardlearn.problems.periodic import PiecewiseLinearActivation
    >>> trap = PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 0.5, 0.5, 0.0])
    >>> network_width(26), network_width(26, trap)
    (105, 209)
    """
    act = get_activation(activation)
    radius = check_int("radius", radius, minimum=1)
    if hasattr(act, "kinks_in"):
        return 2 + int(act.kinks_in(-radius, radius)[0].size)
    return width_for_radius(radius)


def noise_tv_bound(
    beta: float, sigma: float, lipschitz: float = 1.0, noise_law: str | NoiseLaw = "gaussian"
) -> float:
    """Per-sample TV bound of SPEC section 4: ``L f(0) E|e'|``.

    ``f(0)`` is the label-noise density at 0 at standard deviation ``sigma``
    (:mod:`hardlearn.problems.noise`: a symmetric unimodal law's shift by ``a`` has distance
    ``2 F(|a|/2) - 1 <= |a| f(0)``). ``e' ~ N(0, s^2)`` with ``s = beta / sqrt(2 pi)`` has
    ``E|e'| = s sqrt(2 / pi) = beta / pi``. For Gaussian noise ``f(0) = 1 / (sigma sqrt(2 pi))``
    and the bound is SPEC's ``L beta / (pi sqrt(2 pi) sigma)``.

    Raises
    ------
    ParameterError
        For the discrete law, which has no density: the argument gives no bound.

    Examples
    --------
    >>> round(noise_tv_bound(1e-3, 1e-2), 6)
    0.012699
    >>> round(noise_tv_bound(1e-3, 1e-2, noise_law="uniform"), 6)   # f(0) = 1/(2 sqrt3 sigma)
    0.009189
    """
    beta = check_real("beta", beta, low=0.0)
    sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    law = make_noise_law(noise_law, sigma)
    f0 = law.density_at_zero
    if f0 is None:
        raise ParameterError(
            f"noise_law {law.spec!r}: the reduction's TV bound "
            + REDUCTION_GIVES_NOTHING.format(law=law.spec) + "."
        )
    mean_abs = beta_to_noise_std(beta) * math.sqrt(2.0 / math.pi)
    return lipschitz * f0 * mean_abs


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
    return make_noise_law("gaussian", s).shift_tv(float(a) - float(b))


@dataclass(frozen=True)
class Regime:
    """Parameters of the hard instance for one dimension; see :data:`FIELDS` for each formula."""

    dim: int
    regime: str
    eta: float | None
    gamma: float
    beta: float | None
    freq: float
    clwe_noise_std: float | None
    sigma: float
    sigma_bits: float
    samples: int
    eps: float
    tail_target: float
    radius: int
    width: int
    tail_mass: float
    tv_noise_per_sample: float | None
    tv_tail_per_sample: float
    tv_total: float | None
    gamma_over_beta: float | None
    gapsvp_factor: float | None
    activation: str
    noise_law: str = "gaussian"
    noise_density_at_zero: float | None = None
    reduction: str = "applies"

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-ready)."""
        return asdict(self)


#: Field -> (formula, source). Printed by ``hardlearn params``.
FIELDS: dict[str, tuple[str, str]] = {
    "dim": ("d", "input"),
    "regime": ("polynomial (sigma = d^-2) or super-polynomial (sigma = 2^-d^eta)", "LZZ Thm"),
    "eta": ("exponent of the super-polynomial regime, in (0, 1/2)", "LZZ extension"),
    "gamma": ("2 sqrt(d) unless given", "BRST21 Thm 1.1"),
    "beta": ("tv_budget pi / (2 m L f(0)), at most 1/2; Gaussian: "
             "tv_budget pi sqrt(2 pi) sigma / (2 m L)", "SPEC 4; issue 16"),
    "freq": ("gamma / sqrt(2 pi)", "SPEC 2"),
    "clwe_noise_std": ("beta / sqrt(2 pi): std of e' in the standard view", "SPEC 2"),
    "sigma": ("d^-2, or 2^(-d^eta)", "LZZ; SPEC 1"),
    "sigma_bits": ("-log2 sigma", "SPEC 1"),
    "samples": ("m = d^2 unless given", "SPEC 4"),
    "eps": ("weak-learning margin, 1/d unless given", "SPEC 1"),
    "tail_target": ("tv_budget / (2 m)", "SPEC 3-4"),
    "radius": ("R = ceil(freq sqrt(2) erfcinv(tail_target))", "SPEC 3 width rule"),
    "width": ("k = 4R + 1 (triangle); 2 + kinks in (-R, R) for piecewise-linear phi", "SPEC 3"),
    "tail_mass": ("erfc(R / (sqrt 2 freq))", "SPEC 3"),
    "tv_noise_per_sample": ("L f(0) beta / pi; Gaussian: L beta / (pi sqrt(2 pi) sigma)",
                            "SPEC 4; issue 16"),
    "tv_tail_per_sample": ("erfc(R / (sqrt 2 freq))", "SPEC 4"),
    "tv_total": ("m (tv_noise_per_sample + tv_tail_per_sample)", "SPEC 4"),
    "gamma_over_beta": ("gamma / beta (polynomial in d for BRST21 hardness)", "BRST21"),
    "gapsvp_factor": ("about d / beta (up to polylog factors)", "BRST21 Thm 1.1"),
    "activation": ("the periodic activation phi", "SPEC 3"),
    "noise_law": ("law of the label noise, standard deviation sigma", "issue 16"),
    "noise_density_at_zero": ("f(0) of the label-noise law at std sigma", "problems/noise.py"),
    "reduction": ("whether the TV argument of SPEC 4 applies to this noise law", "issue 16"),
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
    activation: Any = "triangle",
    noise_law: str | NoiseLaw = "gaussian",
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
    activation : str or PeriodicActivation
        ``"triangle"`` (a ReLU network equals it), ``"cosine"``, or a
        :class:`~hardlearn.problems.periodic.PiecewiseLinearActivation` (then ``width`` is
        its capped network's, :func:`network_width`).
    noise_law : str or NoiseLaw, default "gaussian"
        Law of the label noise (:mod:`hardlearn.problems.noise`) at standard deviation
        ``sigma``. For ``"discrete"`` the reduction gives nothing: ``beta`` and the TV fields
        are None and ``reduction`` says why.

    Examples
    --------
    >>> r = lzz_regime(64)
    >>> r.gamma, r.samples, r.width == 4 * r.radius + 1
    (16.0, 4096, True)
    >>> r.tv_total <= 0.1 + 1e-12
    True
    >>> lzz_regime(64, noise_law="discrete").beta is None
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
    law = make_noise_law(noise_law, sigma)
    tv_tail = tail_mass(freq, radius)
    beta: float | None = None
    tv_noise: float | None = None
    reduction = "applies"
    if law.density_at_zero is None:
        reduction = REDUCTION_GIVES_NOTHING.format(law=law.spec)
    else:
        per_unit_beta = noise_tv_bound(1.0, sigma, act.lipschitz, law)
        beta = min(tv_budget / (2.0 * m * per_unit_beta), 0.5)
        tv_noise = noise_tv_bound(beta, sigma, act.lipschitz, law)
    return Regime(
        dim=dim,
        regime="super-polynomial" if eta is not None else "polynomial",
        eta=eta,
        gamma=gamma,
        beta=beta,
        freq=freq,
        clwe_noise_std=None if beta is None else beta_to_noise_std(beta),
        sigma=sigma,
        sigma_bits=-math.log2(sigma),
        samples=m,
        eps=eps,
        tail_target=tail,
        radius=radius,
        width=network_width(radius, act),
        tail_mass=tv_tail,
        tv_noise_per_sample=tv_noise,
        tv_tail_per_sample=tv_tail,
        tv_total=None if tv_noise is None else m * (tv_noise + tv_tail),
        gamma_over_beta=None if beta is None else gamma / beta,
        gapsvp_factor=None if beta is None else dim / beta,
        activation=act.name,
        noise_law=law.spec,
        noise_density_at_zero=law.density_at_zero,
        reduction=reduction,
    )
