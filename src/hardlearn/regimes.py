"""The parameter calculator: LZZ's regimes, the width rule, tail mass and TV bounds.

Every formula that turns a dimension into the parameters of the hard instance lives here
(mathematics sections 1-4). :func:`lzz_regime` returns a frozen :class:`Regime`; each field is
documented in :data:`FIELDS` with its formula and source, and ``hardlearn params --dim D``
prints that table.

Defaults (all polynomial in ``d``, so the polynomial regime of LZZ's main theorem):

* ``gamma = 2 sqrt(d)``: the smallest ``gamma`` of BRST21's hardness theorem (maths 2);
* ``samples m = d^2``;
* ``sigma = d^-2`` (polynomial regime) or ``2^(-d^eta)`` when ``eta`` is given
  (LZZ's super-polynomial extension, ``eta in (0, 1/2)``);
* a total-variation budget ``tv_budget = 0.1`` split evenly between the CLWE noise and the
  tail of the capped network: ``beta`` and the radius ``R`` are the largest noise and the
  smallest radius for which ``m * (TV_noise + tail) <= tv_budget`` (mathematics section 4).

The cosine, which no ReLU network equals (issue 16): the network of the hard instance is the
capped network of :func:`~hardlearn.problems.periodic.cosine_interpolant` with ``q`` pieces a
period (sup error at most ``pi^2 / (2 q^2)``, so each label moves by at most that much). The
budget is then shared in thirds (:data:`INTERPOLATION_SHARES`): CLWE noise, tail, and the
interpolation, whose per-sample TV is the label law's shift distance at the error bound;
``q`` is the fewest pieces for which ``m`` times that distance (bounded by ``f(0)`` times the
error) fits its third, and the width is that network's, about ``2 R q``
(:func:`cosine_network_width`), not the triangle's ``4 R + 1``.

Other label-noise laws (``noise_law``, :mod:`hardlearn.problems.noise`): the per-sample
noise bound becomes ``L f(0) E|e'|`` with ``f(0)`` the law's density at 0 at standard
deviation ``sigma``, so ``beta`` scales with ``1 / f(0)``. For the discrete law (no density)
the TV argument gives nothing; the regime then holds ``beta = None`` and says so in its
``reduction`` field.

Size: about 600 lines, one calculator: every formula of the regime's accounting (width rule
for the triangle, piecewise-linear and cosine networks, the TV bounds of each noise law, the
inverse width rule) with its docstring and example; split, one regime's arithmetic would be
spread over modules.
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
    "cosine_network_width",
    "cosine_pieces_for_error",
    "INTERPOLATION_SHARES",
    "noise_tv_bound",
    "gaussian_shift_tv",
    "REDUCTION_GIVES_NOTHING",
    "DEFAULT_TV_BUDGET",
    "PRESETS",
    "HardWidth",
    "hard_dims_for_width",
    "hard_width_table",
    "TRAINED_WIDTHS",
]

#: Widths commonly trained for one hidden layer, 64 to 4,096 (powers of two), for the
#: comparison of issue 16; a reference grid, not a measured quantity.
TRAINED_WIDTHS = (64, 128, 256, 512, 1024, 2048, 4096)

#: Total-variation distance allowed between the reduction's data and the clean network model,
#: over all ``m`` samples. 0.1 keeps a weak learner's advantage visible after the reduction.
DEFAULT_TV_BUDGET = 0.1
#: BRST21 (Thm 1.1): CLWE is hard for ``gamma >= 2 sqrt(n)``.
_BRST_GAMMA_FACTOR = 2.0
#: Polynomial exponents of the default regime: ``m = d^2`` samples, noise ``sigma = d^-2``.
_SAMPLES_EXPONENT = 2
_SIGMA_EXPONENT = 2
#: Shares of the TV budget for an activation no ReLU network equals (the cosine): CLWE noise,
#: cap tail and interpolation error, one third each (a piecewise-linear activation has two).
INTERPOLATION_SHARES = 3
#: What the calculator says, instead of a number, for a label-noise law without a density.
REDUCTION_GIVES_NOTHING = (
    "gives nothing: the {law} law has no density, so a label shifted by the continuous CLWE "
    "noise is at total-variation distance 1 from the clean label (hardlearn.problems.noise)"
)


def tail_mass(freq: float, radius: float) -> float:
    """``P(|freq g| > R) = erfc(R / (sqrt 2 freq))`` for ``g ~ N(0, 1)`` (mathematics section 3).

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
    ``r = sqrt(2) erfcinv(tail)`` (mathematics section 3, width rule).

    Examples
    --------
    >>> radius_for_tail(1.0, 0.05)
    2
    """
    freq = check_real("freq", freq, low=0.0, low_open=True)
    tail = check_real("tail", tail, low=0.0, high=1.0, low_open=True, high_open=True)
    return max(1, math.ceil(freq * math.sqrt(2.0) * float(erfcinv(tail))))


def width_for_radius(radius: int) -> int:
    """Width ``k = 4R + 1`` of the capped triangle network (mathematics section 3).

    Examples
    --------
    >>> width_for_radius(26)
    105
    """
    return 4 * check_int("radius", radius, minimum=1) + 1


def network_width(radius: int, activation: Any = "triangle", pieces: int | None = None) -> int:
    """Width of the capped ReLU network of ``activation`` at radius ``R``: ``4R + 1`` for the
    triangle wave, ``2 + (kinks in (-R, R))`` (about ``2 R p + 2``) for a
    :class:`~hardlearn.problems.periodic.PiecewiseLinearActivation` with ``p`` kinks a period
    (:mod:`hardlearn.problems.network`); for the cosine, which no ReLU network equals, the
    network of its interpolant with ``pieces`` pieces a period (:func:`cosine_network_width`).

    Examples
    --------
    >>> from hardlearn.problems.periodic import PiecewiseLinearActivation
    >>> trap = PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 0.5, 0.5, 0.0])
    >>> network_width(26), network_width(26, trap), network_width(26, "cosine", pieces=8)
    (105, 209, 313)
    """
    act = get_activation(activation)
    radius = check_int("radius", radius, minimum=1)
    if hasattr(act, "kinks_in"):
        return 2 + int(act.kinks_in(-radius, radius)[0].size)
    if act.name == "cosine" and not act.piecewise_linear:
        if pieces is None:
            raise ParameterError(
                "pieces must be given for activation 'cosine': no ReLU network equals it, so "
                "the width is that of its interpolating network with q pieces a period "
                "(sup error pi^2 / (2 q^2)); got pieces=None."
            )
        return cosine_network_width(radius, pieces)
    if not act.piecewise_linear:
        raise ParameterError(
            f"activation must be piecewise linear (or the cosine, through its interpolant) for "
            f"the width rule: a ReLU network has to equal it on [-R, R]; got {act.name!r}."
        )
    return width_for_radius(radius)


def cosine_network_width(radius: int, pieces: int) -> int:
    """Width of the capped network of ``cosine_interpolant(q)`` at radius ``R`` (issue 16).

    The interpolant's knots are ``j / q``; its slope changes at every knot except the quarter
    periods when ``4 | q`` (there the two chords of the cosine, odd about the point, have one
    slope). The knots in ``(-R, R)`` number ``2 R q - 1``, the quarter periods ``4 R``, and
    the network has 2 units more than kinks (:func:`network_width`).

    Examples
    --------
    >>> from hardlearn.problems.periodic import cosine_interpolant
    >>> cosine_network_width(3, 6) == network_width(3, cosine_interpolant(6)) == 2 + 35
    True
    >>> cosine_network_width(3, 8)    # 4 | q: 12 quarter periods are not kinks
    37
    """
    radius = check_int("radius", radius, minimum=1)
    q = check_int("pieces", pieces, minimum=2)
    kinks = 2 * radius * q - 1
    if q % 4 == 0:
        kinks -= 4 * radius
    return 2 + kinks


def cosine_pieces_for_error(error: float) -> int:
    """The fewest pieces ``q >= 2`` a period whose interpolant of ``cos(2 pi t)`` errs by at
    most ``error``, by the bound ``pi^2 / (2 q^2)``: ``q = ceil(pi / sqrt(2 error))``.

    Examples
    --------
    >>> q = cosine_pieces_for_error(1e-3); q, math.pi**2 / (2 * q**2) <= 1e-3
    (71, True)
    """
    error = check_real("error", error, low=0.0, low_open=True)
    q = max(2, math.ceil(math.pi / math.sqrt(2.0 * error)))
    while math.pi**2 / (2.0 * q * q) > error:    # float rounding at the edge
        q += 1
    return q


def noise_tv_bound(
    beta: float, sigma: float, lipschitz: float = 1.0, noise_law: str | NoiseLaw = "gaussian"
) -> float:
    """Per-sample TV bound of mathematics section 4: ``L f(0) E|e'|``.

    ``f(0)`` is the label-noise density at 0 at standard deviation ``sigma``
    (:mod:`hardlearn.problems.noise`: a symmetric unimodal law's shift by ``a`` has distance
    ``2 F(|a|/2) - 1 <= |a| f(0)``). ``e' ~ N(0, s^2)`` with ``s = beta / sqrt(2 pi)`` has
    ``E|e'| = s sqrt(2 / pi) = beta / pi``. For Gaussian noise ``f(0) = 1 / (sigma sqrt(2 pi))``
    and the bound is the mathematics page's ``L beta / (pi sqrt(2 pi) sigma)``.

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
    """``d_TV(N(a, s^2), N(b, s^2)) = 2 Phi(|a - b| / (2 s)) - 1`` (mathematics section 7).

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
    width: int | None
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
    pieces: int | None = None
    interpolation_error: float | None = None
    tv_interpolation_per_sample: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-ready)."""
        return asdict(self)


#: Field -> (formula, source). Printed by ``hardlearn params``.
FIELDS: dict[str, tuple[str, str]] = {
    "dim": ("d", "input"),
    "regime": ("polynomial (sigma = d^-2) or super-polynomial (sigma = 2^-d^eta)", "LZZ Thm"),
    "eta": ("exponent of the super-polynomial regime, in (0, 1/2)", "LZZ extension"),
    "gamma": ("2 sqrt(d) unless given", "BRST21 Thm 1.1"),
    "beta": ("tv_budget pi / (2 m L f(0)), at most 1/2 (3 m for the cosine); Gaussian: "
             "tv_budget pi sqrt(2 pi) sigma / (2 m L)", "mathematics 4; issue 16"),
    "freq": ("gamma / sqrt(2 pi)", "mathematics 2"),
    "clwe_noise_std": ("beta / sqrt(2 pi): std of e' in the standard view", "mathematics 2"),
    "sigma": ("d^-2, or 2^(-d^eta)", "LZZ; mathematics 1"),
    "sigma_bits": ("-log2 sigma", "mathematics 1"),
    "samples": ("m = d^2 unless given", "mathematics 4"),
    "eps": ("weak-learning margin, 1/d unless given", "mathematics 1"),
    "tail_target": ("tv_budget / (2 m); tv_budget / (3 m) for the cosine", "mathematics 3-4"),
    "radius": ("R = ceil(freq sqrt(2) erfcinv(tail_target))", "mathematics 3 width rule"),
    "width": ("k = 4R + 1 (triangle); 2 + kinks in (-R, R) for piecewise-linear phi; cosine: "
              "2 R q + 1, less 4R when 4 | q (its q-piece interpolant's network)",
              "maths 3; issue 16"),
    "tail_mass": ("erfc(R / (sqrt 2 freq))", "mathematics 3"),
    "tv_noise_per_sample": ("L f(0) beta / pi; Gaussian: L beta / (pi sqrt(2 pi) sigma)",
                            "mathematics 4; issue 16"),
    "tv_tail_per_sample": ("erfc(R / (sqrt 2 freq))", "mathematics 4"),
    "tv_total": ("m (tv_noise_per_sample + tv_tail_per_sample [+ tv_interpolation_per_sample])",
                 "mathematics 4"),
    "gamma_over_beta": ("gamma / beta (polynomial in d for BRST21 hardness)", "BRST21"),
    "gapsvp_factor": ("about d / beta (up to polylog factors)", "BRST21 Thm 1.1"),
    "activation": ("the periodic activation phi", "mathematics 3"),
    "noise_law": ("law of the label noise, standard deviation sigma", "issue 16"),
    "noise_density_at_zero": ("f(0) of the label-noise law at std sigma", "problems/noise.py"),
    "reduction": ("whether the TV argument of mathematics 4 applies to this noise law", "issue 16"),
    "pieces": ("cosine only: q = ceil(pi / sqrt(2 delta)), delta = tv_budget / (3 m f(0)), "
               "pieces a period of the interpolating network", "issue 16"),
    "interpolation_error": ("cosine only: pi^2 / (2 q^2), the interpolant's sup error bound",
                            "problems/periodic.py; issue 16"),
    "tv_interpolation_per_sample": ("cosine only: the label law's shift distance at "
                                    "interpolation_error", "problems/noise.py; issue 16"),
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
    pieces: int | None = None,
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
    pieces : int, optional
        Cosine only: pieces a period of the interpolating network; default the fewest whose
        error fits a third of the budget (module docstring). Without a density (discrete
        law) and without ``pieces``, the cosine's ``width`` is None.

    Examples
    --------
    >>> r = lzz_regime(64)
    >>> r.gamma, r.samples, r.width == 4 * r.radius + 1
    (16.0, 4096, True)
    >>> r.tv_total <= 0.1 + 1e-12
    True
    >>> lzz_regime(64, noise_law="discrete").beta is None
    True
    >>> c = lzz_regime(64, activation="cosine")    # no ReLU network equals the cosine
    >>> c.width > 2 * c.radius * c.pieces > 1000 * (4 * c.radius + 1)
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
    # the cosine: its interpolating network stands in, and the budget has a third share
    interpolated = act.name == "cosine" and not act.piecewise_linear
    shares = INTERPOLATION_SHARES if interpolated else 2
    if pieces is not None:
        if not interpolated:
            raise ParameterError(
                f"pieces applies to activation 'cosine' only (its interpolating network); "
                f"activation {act.name!r} has its exact network; got pieces={pieces!r}."
            )
        pieces = check_int("pieces", pieces, minimum=2)
    tail = tv_budget / (shares * m) if tail is None else tail
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
        beta = min(tv_budget / (shares * m * per_unit_beta), 0.5)
        tv_noise = noise_tv_bound(beta, sigma, act.lipschitz, law)
    error = tv_interp = None
    if interpolated:
        if pieces is None and law.density_at_zero is not None:
            pieces = cosine_pieces_for_error(tv_budget / (shares * m * law.density_at_zero))
        if pieces is not None:
            error = math.pi**2 / (2.0 * pieces * pieces)
            tv_interp = law.shift_tv(error)
    width = None if interpolated and pieces is None else network_width(radius, act, pieces)
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
        width=width,
        tail_mass=tv_tail,
        tv_noise_per_sample=tv_noise,
        tv_tail_per_sample=tv_tail,
        tv_total=None if tv_noise is None else m * (tv_noise + tv_tail + (tv_interp or 0.0)),
        gamma_over_beta=None if beta is None else gamma / beta,
        gapsvp_factor=None if beta is None else dim / beta,
        activation=act.name,
        noise_law=law.spec,
        noise_density_at_zero=law.density_at_zero,
        reduction=reduction,
        pieces=pieces,
        interpolation_error=error,
        tv_interpolation_per_sample=tv_interp,
    )


@dataclass(frozen=True)
class HardWidth:
    """Where a width-``k`` capped triangle network is a hard instance (issue 16).

    Attributes
    ----------
    width : int
        ``k``.
    radius : int
        The largest ``R`` with ``4R + 1 <= k``: the network uses ``4R + 1`` of its units.
    max_dim : int
        The largest ``d`` whose hard instance (``gamma = 2 sqrt(d)``, tail target of
        :func:`lzz_regime`) has width at most ``k``; 0 if none.
    dims : tuple of int
        ``1..max_dim`` is the set of such ``d`` (the regime's width grows with ``d``).
    freq_min, freq_max : float or None
        At ``d = max_dim``: the frequencies of hard instances a width-``k`` network realises,
        from BRST21's ``gamma >= 2 sqrt d`` (``freq_min = 2 sqrt(d) / sqrt(2 pi)``) up to
        ``R / r`` with ``r = sqrt(2) erfcinv(tail)`` (the width rule).
    tail : float or None
        The tail target used at ``max_dim``.
    """

    width: int
    radius: int
    max_dim: int
    freq_min: float | None
    freq_max: float | None
    tail: float | None

    @property
    def dims(self) -> range:
        """The dimensions ``1..max_dim``."""
        return range(1, self.max_dim + 1)

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return asdict(self)


def _tail_for(dim: int, tail: float | None, samples: int | None, tv_budget: float) -> float:
    m = dim**_SAMPLES_EXPONENT if samples is None else samples
    return tv_budget / (2.0 * m) if tail is None else tail


def hard_dims_for_width(
    width: int,
    *,
    tail: float | None = None,
    samples: int | None = None,
    tv_budget: float = DEFAULT_TV_BUDGET,
) -> HardWidth:
    """The inverse of the width rule: the dimensions (and frequencies) at which a network of
    width ``k`` is LZZ's hard instance (triangle wave, ``gamma = 2 sqrt d``).

    The hard instance at ``d`` needs ``R = ceil(freq(d) r(d))`` with ``freq(d) = 2 sqrt(d) /
    sqrt(2 pi)`` and ``r(d) = sqrt(2) erfcinv(tail(d))``; both grow with ``d``, so the
    dimensions a width-``k`` network covers are ``1..max_dim``, found by bisection.
    ``tail`` defaults to :func:`lzz_regime`'s ``tv_budget / (2 m)`` with ``m = d^2`` (or
    ``samples``).

    Examples
    --------
    >>> h = hard_dims_for_width(1024)
    >>> lzz_regime(h.max_dim).width <= 1024 < lzz_regime(h.max_dim + 1).width
    True
    >>> hard_dims_for_width(3).max_dim     # narrower than the smallest network (R = 1)
    0
    """
    width = check_int("width", width, minimum=1)
    tv_budget = check_real("tv_budget", tv_budget, low=0.0, high=1.0, low_open=True,
                           high_open=True)
    if tail is not None:
        tail = check_real("tail", tail, low=0.0, high=1.0, low_open=True, high_open=True)
    if samples is not None:
        samples = check_int("samples", samples, minimum=1)
    radius = (width - 1) // 4
    if radius < 1:
        return HardWidth(width, radius, 0, None, None, None)

    def fits(d: int) -> bool:
        freq = gamma_to_freq(_BRST_GAMMA_FACTOR * math.sqrt(d))
        return radius_for_tail(freq, _tail_for(d, tail, samples, tv_budget)) <= radius

    if not fits(1):
        return HardWidth(width, radius, 0, None, None, None)
    lo, hi = 1, 2
    while fits(hi):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    t = _tail_for(lo, tail, samples, tv_budget)
    r = math.sqrt(2.0) * float(erfcinv(t))
    return HardWidth(
        width=width, radius=radius, max_dim=lo,
        freq_min=gamma_to_freq(_BRST_GAMMA_FACTOR * math.sqrt(lo)), freq_max=radius / r,
        tail=t,
    )


def hard_width_table(dims: tuple[int, ...] = (16, 64, 256, 1024, 4096, 16384, 65536),
                     widths: tuple[int, ...] = TRAINED_WIDTHS) -> dict[str, list[dict[str, Any]]]:
    """Two small tables (issue 16): the hard width ``4R + 1`` against ``d`` for the regimes of
    :data:`PRESETS`, and, for each trained width, the largest ``d`` it is hard at.

    The width depends only on ``gamma`` and the number of samples (through the tail target),
    not on the label noise, so LZZ's polynomial and super-polynomial regimes (both with
    ``m = d^2``) give the same widths; the table shows them side by side to make that visible.

    Examples
    --------
    >>> t = hard_width_table(dims=(64,), widths=(256,))
    >>> t["by_dim"][0]["lzz-polynomial"] == lzz_regime(64).width
    True
    >>> t["by_width"][0]["max_dim"] == hard_dims_for_width(256).max_dim
    True
    """
    by_dim = []
    for d in dims:
        row: dict[str, Any] = {"dim": int(d), "sqrt(d log d)": math.sqrt(d * math.log(d))}
        for name, preset in PRESETS.items():
            row[name] = lzz_regime(int(d), **preset).width
        by_dim.append(row)
    by_width = [hard_dims_for_width(int(k)).as_dict() for k in widths]
    return {"by_dim": by_dim, "by_width": by_width}
