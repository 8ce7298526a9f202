"""Numerical checks of the closed forms of mathematics section 7, run by ``hardlearn verify``.

Each check draws with its own generator (derived from the root seed and the check's name),
compares a measured quantity with its closed form, and returns a :class:`Check` holding the
claim, the expected and measured values and the tolerance used. Monte Carlo comparisons use
five standard errors; distribution comparisons use a Kolmogorov-Smirnov test at level
``KS_LEVEL``. The same functions back the test suite, so the CLI and the tests cannot drift.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy import integrate, stats

from hardlearn._rng import task_generator
from hardlearn._validation import check_allocation, check_int
from hardlearn.conventions import (
    beta_to_noise_std,
    brst_to_standard,
    gamma_to_freq,
    wrap_centered,
)
from hardlearn.problems.clwe import CLWE, HomogeneousCLWE, NullCLWE, random_direction
from hardlearn.problems.network import capped_periodic_network
from hardlearn.problems.noise import DiscreteNoise, make_noise_law
from hardlearn.problems.periodic import (
    PeriodicNeuron,
    PiecewiseLinearActivation,
    cosine_interpolant,
    cosine_wave,
    triangle_wave,
)
from hardlearn.problems.regression import NoisyRegression
from hardlearn.regimes import gaussian_shift_tv, tail_mass

__all__ = ["Check", "CHECKS", "run_checks", "Z_TOLERANCE", "KS_LEVEL"]

#: Monte Carlo tolerance in standard errors (ARCHITECTURE habit 8).
Z_TOLERANCE = 5.0
#: Grid points per unit of ``t`` on the dyadic grids the network checks use (step 2^-10: every
#: kink ``i/2`` of ``g_R`` and the points between are exact binary fractions).
GRID_STEPS_PER_UNIT = 1024


def _dyadic_grid(half_width: int) -> np.ndarray:
    """``[-h, h]`` at step ``1 / GRID_STEPS_PER_UNIT``, refused before allocating if too long."""
    steps = int(half_width) * GRID_STEPS_PER_UNIT
    check_allocation("grid over [-(R+2), R+2] at step 2^-10 (radius R)", (2 * steps + 1,))
    return np.arange(-steps, steps + 1) / GRID_STEPS_PER_UNIT


#: Significance level of the KS tests: a correct sampler fails one with this probability.
KS_LEVEL = 1e-4


@dataclass(frozen=True)
class Check:
    """Outcome of one check: the claim, what the closed form says, what was measured."""

    name: str
    claim: str
    expected: str
    measured: str
    passed: bool
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        """The fields as a JSON-ready dict."""
        return asdict(self)


def _mc_check(name: str, claim: str, expected: float, values: np.ndarray) -> Check:
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(values.size))
    z = abs(mean - expected) / se if se > 0 else (0.0 if mean == expected else math.inf)
    return Check(
        name, claim, f"{expected:.6g}", f"{mean:.6g} ± {se:.2g} (SE)", z <= Z_TOLERANCE,
        f"|z| = {z:.2f} <= {Z_TOLERANCE:g}",
    )


def check_network_identity(scale: int, rng: np.random.Generator) -> Check:
    """``g_R(t) == tri(clip(t, -R, R))`` exactly on a dyadic grid, for several radii."""
    worst = 0.0
    grid_points = 0
    for radius in (1, 2, 5, 26):
        net = capped_periodic_network(np.array([1.0]), freq=1.0, radius=radius)
        t = _dyadic_grid(radius + 3)
        t = t[:: max(1, t.size // (20_000 * scale))]
        diff = np.abs(net(t[:, None]) - triangle_wave(np.clip(t, -radius, radius)))
        worst = max(worst, float(diff.max()))
        grid_points += t.size
    return Check(
        "network_identity", "g_R(t) = tri(clip(t, -R, R)), R in {1, 2, 5, 26}, dyadic grid",
        "0 (exact)", f"max |diff| = {worst:.3g} on {grid_points} points", worst == 0.0,
    )


def check_network_torch(scale: int, rng: np.random.Generator) -> Check:
    """The torch module of a network equals the numpy network on random inputs."""
    w = random_direction(16, rng=rng)
    net = capped_periodic_network(w, freq=2.3, radius=12)
    X = rng.standard_normal((2000 * scale, 16))
    import torch

    with torch.no_grad():
        out = net.to_torch()(torch.as_tensor(X)).numpy()
    worst = float(np.max(np.abs(out - net(X))))
    return Check(
        "network_torch", "torch module == numpy network (float64)", "< 1e-12",
        f"max |diff| = {worst:.3g}", worst < 1e-12,
    )


def check_mismatch_rate(scale: int, rng: np.random.Generator) -> Check:
    """Rate of ``f_net(x) != tri(freq <w, x>)`` equals ``erfc(R / (sqrt 2 freq))``."""
    d, freq, radius = 8, 3.0, 5
    w = random_direction(d, rng=rng)
    net = capped_periodic_network(w, freq, radius)
    neuron = PeriodicNeuron(w, freq)
    X = rng.standard_normal((200_000 * scale, d))
    differs = (np.abs(net(X) - neuron(X)) > 1e-9).astype(np.float64)
    return _mc_check(
        "mismatch_rate",
        f"P[net != tri(freq<w,x>)] = erfc(R/(sqrt2 freq)), freq={freq}, R={radius}",
        tail_mass(freq, radius), differs,
    )


def check_triangle_uniform(scale: int, rng: np.random.Generator) -> Check:
    """``Var tri(U) = 1/48`` for ``U ~ U[0, 1)``."""
    v = triangle_wave(rng.random(400_000 * scale))
    centred = (v - 0.25) ** 2
    return _mc_check("tri_uniform_variance", "Var tri(U) = 1/48", 1 / 48, centred)


def check_cosine_gaussian(scale: int, rng: np.random.Generator) -> Check:
    """``E cos(2 pi freq g) = exp(-2 pi^2 freq^2)`` for ``g ~ N(0, 1)``."""
    freq = 0.2
    v = cosine_wave(freq * rng.standard_normal(400_000 * scale))
    return _mc_check(
        "cos_gaussian_mean", f"E cos(2 pi f g) = exp(-2 pi^2 f^2), f={freq}",
        math.exp(-2 * math.pi**2 * freq**2), v,
    )


def check_target_variance(scale: int, rng: np.random.Generator) -> Check:
    """``NoisyRegression.target_variance()`` (exact) agrees with Monte Carlo."""
    w = random_direction(6, rng=rng)
    problem = NoisyRegression(capped_periodic_network(w, freq=0.7, radius=2), noise_std=0.0)
    X, y = problem.sample(400_000 * scale, rng=rng)
    centred = (y - problem.target_mean()) ** 2
    return _mc_check(
        "target_variance", "exact Var f of a capped network (freq 0.7, R 2) vs Monte Carlo",
        problem.target_variance(), centred,
    )


def check_hclwe_marginal(scale: int, rng: np.random.Generator) -> Check:
    """hCLWE: ``<w, y>`` follows ``marginal_cdf`` (KS test)."""
    w = random_direction(10, rng=rng)
    h = HomogeneousCLWE(w, gamma=2.0, beta=0.25)
    proj = h.sample(20_000 * scale, rng=rng) @ w
    result = stats.kstest(proj, h.marginal_cdf)
    return Check(
        "hclwe_marginal", "hCLWE <w,y> ~ layer mixture (KS), gamma=2, beta=0.25",
        f"p-value >= {KS_LEVEL:g}", f"KS D = {result.statistic:.4f}, p = {result.pvalue:.3g}",
        bool(result.pvalue >= KS_LEVEL),
    )


def check_hclwe_density(scale: int, rng: np.random.Generator) -> Check:
    """hCLWE: ``marginal_cdf`` equals the CDF of the defining density (mathematics section 2),
    ``rho(t) sum_i rho_beta(i - gamma t)``, integrated numerically (independent of the
    sampler's layer constants, which the KS check shares with ``marginal_cdf``)."""
    worst = 0.0
    for gamma, beta in ((2.0, 0.25), (3.0, 0.1), (0.7, 0.9)):
        h = HomogeneousCLWE(np.array([1.0]), gamma=gamma, beta=beta)
        layers = np.arange(-60, 61)

        def density(t, gamma=gamma, beta=beta, layers=layers):
            return math.exp(-math.pi * t * t) * float(
                np.sum(np.exp(-math.pi * (layers - gamma * t) ** 2 / beta**2)))

        # integrate piece by piece between layer centres so quad sees every pancake
        knots = np.concatenate([[-6.0], layers[np.abs(layers / gamma) < 6] / gamma, [6.0]])
        pieces = [integrate.quad(density, a, b, limit=200)[0] for a, b in zip(
            knots[:-1], knots[1:], strict=True)]
        cdf = np.cumsum(pieces) / np.sum(pieces)
        worst = max(worst, float(np.max(np.abs(cdf - h.marginal_cdf(knots[1:])))))
    return Check(
        "hclwe_density", "hCLWE marginal_cdf = CDF of rho(t) sum_i rho_beta(i - gamma t)",
        "quadrature within 1e-8", f"max |diff| = {worst:.2g}", worst < 1e-8,
    )


def check_hclwe_orthogonal(scale: int, rng: np.random.Generator) -> Check:
    """hCLWE: directions orthogonal to the secret have variance ``1 / (2 pi)``."""
    d = 10
    w = random_direction(d, rng=rng)
    y = HomogeneousCLWE(w, gamma=3.0, beta=0.1).sample(100_000 * scale, rng=rng)
    u = random_direction(d, rng=rng)
    u -= (u @ w) * w
    u /= np.linalg.norm(u)
    return _mc_check(
        "hclwe_orthogonal_variance", "hCLWE Var <u,y> = 1/(2 pi) for u orthogonal to w",
        1 / (2 * math.pi), (y @ u) ** 2,
    )


def check_clwe_residual(scale: int, rng: np.random.Generator) -> Check:
    """CLWE: the wrapped residual ``z - gamma <w, y>`` has std ``beta / sqrt(2 pi)``."""
    d, gamma, beta = 12, 2 * math.sqrt(12), 0.01
    w = random_direction(d, rng=rng)
    s = CLWE(w, gamma, beta).sample(100_000 * scale, rng=rng)
    resid = wrap_centered(s.z - gamma * (s.y @ w))
    sd = beta_to_noise_std(beta)
    check = _mc_check(
        "clwe_residual", f"CLWE residual variance = (beta/sqrt(2 pi))^2, beta={beta}",
        sd**2, resid**2,
    )
    return Check(
        check.name, check.claim, f"sd {sd:.6g}",
        f"sd {math.sqrt(float(np.mean(resid**2))):.6g}", check.passed, check.detail,
    )


def check_null_uniform(scale: int, rng: np.random.Generator) -> Check:
    """Null CLWE: ``z ~ U[0, 1)`` (KS) and inputs with variance ``1 / (2 pi)``."""
    s = NullCLWE(5).sample(50_000 * scale, rng=rng)
    result = stats.kstest(s.z, "uniform")
    x = brst_to_standard(s.y)
    var_ok = abs(float(x.var()) - 1.0) < Z_TOLERANCE * math.sqrt(2.0 / x.size)
    return Check(
        "null_uniform", "null z ~ U[0,1) (KS) and sqrt(2 pi) y ~ N(0, I)",
        f"p-value >= {KS_LEVEL:g}, Var x = 1",
        f"p = {result.pvalue:.3g}, Var x = {float(x.var()):.4f}",
        bool(result.pvalue >= KS_LEVEL and var_ok),
    )


def check_gaussian_shift_tv(scale: int, rng: np.random.Generator) -> Check:
    """``d_TV(N(a, s^2), N(b, s^2)) = 2 Phi(|a - b| / (2 s)) - 1`` against quadrature."""
    worst = 0.0
    for a, b, s in ((0.0, 0.3, 1.0), (1.0, -0.5, 0.25), (0.0, 1e-3, 1e-2)):
        half_l1, _ = integrate.quad(
            lambda t, a=a, b=b, s=s: abs(stats.norm.pdf(t, a, s) - stats.norm.pdf(t, b, s)),
            min(a, b) - 12 * s, max(a, b) + 12 * s, points=[(a + b) / 2], limit=200,
        )
        worst = max(worst, abs(0.5 * half_l1 - gaussian_shift_tv(a, b, s)))
    return Check(
        "gaussian_shift_tv", "d_TV(N(a,s^2), N(b,s^2)) = 2 Phi(|a-b|/(2s)) - 1",
        "quadrature within 1e-8", f"max |diff| = {worst:.2g}", worst < 1e-8,
    )


#: The continuous noise laws the closed-form checks cover (issue 16).
_CONTINUOUS_LAWS = ("gaussian", "laplace", "uniform", "student-t:3", "student-t:5", "logistic")


def _piecewise_quad(fn: Callable[[float], float], knots: list[float], hi: float = math.inf
                    ) -> float:
    """``int_{-inf}^{hi} fn`` by quadrature, split at ``knots`` (where ``fn`` may jump)."""
    cuts = sorted({k for k in knots if k < hi})
    edges = [-math.inf, *cuts, hi]
    return sum(integrate.quad(fn, a, b, limit=400)[0] for a, b in zip(
        edges[:-1], edges[1:], strict=True) if a < b)


def check_noise_laws(scale: int, rng: np.random.Generator) -> Check:
    """Every noise law's closed forms against quadrature of its density: total mass 1,
    variance ``std^2``, ``cdf`` = integral of ``density``, and ``shift_tv(a)`` =
    ``(1/2) int |f(t) - f(t - a)| dt``; the discrete law's shift distance against the
    distance of its two-atom law computed atom by atom."""
    worst = 0.0
    for spec in _CONTINUOUS_LAWS:
        for std in (0.3, 1.0):
            law = make_noise_law(spec, std)
            edge = std * math.sqrt(3.0)   # the uniform law's jumps
            knots = [-edge, 0.0, edge]

            def f(t: float, law=law) -> float:
                return float(law.density(t))

            def second(t: float, f=f) -> float:
                return t * t * f(t)

            mass = _piecewise_quad(f, knots)
            var = _piecewise_quad(second, knots)
            worst = max(worst, abs(mass - 1.0), abs(var - std**2) / std**2)
            for t in (-0.7 * std, 0.2 * std, 1.5 * std):
                worst = max(worst, abs(_piecewise_quad(f, knots, hi=t) - float(law.cdf(t))))
            for a in (0.01 * std, 0.5 * std, 2.0 * std, 5.0 * std):

                def gap(t: float, f=f, a=a) -> float:
                    return abs(f(t) - f(t - a))

                half_l1 = 0.5 * _piecewise_quad(gap, knots + [k + a for k in knots] + [a / 2])
                worst = max(worst, abs(half_l1 - law.shift_tv(a)))
    disc = DiscreteNoise(0.5)
    for a in (0.0, 0.3, 1.0, -1.0, 2.0):
        atoms = {-0.5: 0.5, 0.5: 0.5}
        shifted = {k + a: v for k, v in atoms.items()}
        direct = 0.5 * sum(abs(atoms.get(k, 0.0) - shifted.get(k, 0.0))
                           for k in set(atoms) | set(shifted))
        worst = max(worst, abs(direct - disc.shift_tv(a)))
    return Check(
        "noise_laws",
        "noise laws: mass 1, variance std^2, cdf, shift TV closed forms (6 laws + discrete)",
        "quadrature within 1e-7", f"max |diff| = {worst:.2g}", worst < 1e-7,
    )


def check_piecewise_linear(scale: int, rng: np.random.Generator) -> Check:
    """A trapezoid wave and an offset three-piece wave: the capped network equals
    ``phi(clip(t, -R, R))`` exactly on a dyadic grid; Gaussian moments equal quadrature; the
    cosine interpolant with ``q`` pieces errs by at most ``pi^2 / (2 q^2)``."""
    acts = (PiecewiseLinearActivation([0.0, 0.25, 0.5, 0.75], [0.0, 0.5, 0.5, 0.0]),
            PiecewiseLinearActivation([0.125, 0.375, 0.625], [0.25, -0.5, 1.0]))
    grid_err = moment_err = 0.0
    for act in acts:
        for radius in (1, 3, 8):
            net = capped_periodic_network(np.array([1.0]), 1.0, radius, activation=act)
            t = _dyadic_grid(radius + 2)
            grid_err = max(grid_err, float(np.max(np.abs(
                net(t[:, None]) - act(np.clip(t, -radius, radius))))))
        for freq in (0.3, 1.2):
            cuts = np.arange(-10 * freq - 1, 10 * freq + 1, 0.125) / freq

            def moment(k: int, act=act, freq=freq, cuts=cuts) -> float:
                return sum(integrate.quad(lambda g: float(act(freq * g)) ** k
                                          * stats.norm.pdf(g), a, b)[0]
                           for a, b in zip(cuts[:-1], cuts[1:], strict=True))

            mean, second = act.gaussian_moments(freq)
            moment_err = max(moment_err, abs(mean - moment(1)), abs(second - moment(2)))
    t = np.linspace(0.0, 1.0, 100_001 * scale)
    ratio = max(float(np.max(np.abs(cosine_interpolant(q)(t) - cosine_wave(t))))
                / (math.pi**2 / (2 * q * q)) for q in (4, 16, 64))
    return Check(
        "piecewise_linear",
        "piecewise-linear activations: network = phi(clip) on a dyadic grid, Gaussian "
        "moments = quadrature, cosine interpolant error <= pi^2/(2q^2)",
        "grid 0, moments within 1e-9, error ratio <= 1",
        f"grid {grid_err:.2g}, moments {moment_err:.2g}, error ratio {ratio:.4f}",
        grid_err == 0.0 and moment_err < 1e-9 and ratio <= 1.0,
    )


#: sqrt(2 pi) written out (not computed by hardlearn.conventions), for the conventions check.
_SQRT_2PI_LITERAL = 2.5066282746310002


def check_conventions(scale: int, rng: np.random.Generator) -> Check:
    """The BRST21 <-> standard conversions against a literal ``sqrt(2 pi)``, and the standard
    view of CLWE inputs has unit variance."""
    exact = max(
        abs(gamma_to_freq(5.0) - 5.0 / _SQRT_2PI_LITERAL),
        abs(beta_to_noise_std(0.3) - 0.3 / _SQRT_2PI_LITERAL),
        abs(float(brst_to_standard([1.0])[0]) - _SQRT_2PI_LITERAL),
    )
    w = random_direction(5, rng=rng)
    x = brst_to_standard(CLWE(w, 5.0, 0.1).sample(100_000 * scale, rng=rng).y)
    var_err = abs(float(x.var()) - 1.0)
    tol = Z_TOLERANCE * math.sqrt(2.0 / x.size)
    return Check(
        "conventions", "freq = gamma/sqrt(2 pi), s = beta/sqrt(2 pi), x = sqrt(2 pi) y ~ N(0, I)",
        f"conversions < 1e-15, |Var x - 1| < {tol:.2g}",
        f"conversions {exact:.2g}, |Var x - 1| = {var_err:.2g}",
        exact < 1e-15 and var_err < tol,
    )


def measure_network(
    secret: np.ndarray, freq: float, radius: int, samples: int, rng: np.random.Generator
) -> dict[str, float]:
    """Measure how well the capped network of ``(secret, freq, radius)`` equals the neuron.

    Returns the width, the largest ``|g_R(t) - tri(clip(t, -R, R))|`` on a dyadic grid of
    step ``2^-10`` covering ``[-R-2, R+2]``, the largest ``|net(x) - tri(clip(freq <w, x>))|``
    on ``samples`` Gaussian inputs, the measured rate of ``net(x) != tri(freq <w, x>)``, its
    closed form ``erfc(R / (sqrt 2 freq))`` and the z-score of the difference.
    """
    net = capped_periodic_network(secret, freq, radius)
    grid = _dyadic_grid(radius + 2)
    on_line = capped_periodic_network(np.array([1.0]), 1.0, radius)
    grid_err = float(np.max(np.abs(
        on_line(grid[:, None]) - triangle_wave(np.clip(grid, -radius, radius)))))
    X = rng.standard_normal((samples, secret.shape[0]))
    values = net(X)
    t = freq * (X @ secret)
    gauss_err = float(np.max(np.abs(values - triangle_wave(np.clip(t, -radius, radius)))))
    rate = float(np.mean(np.abs(values - triangle_wave(t)) > 1e-9))
    expected = tail_mass(freq, radius)
    se = math.sqrt(max(expected * (1 - expected), 1e-300) / samples)
    return {
        "width": net.width, "max_err_grid": grid_err, "grid_points": int(grid.size),
        "max_err_gaussian": gauss_err, "samples": samples, "mismatch_rate": rate,
        "mismatch_expected": expected, "mismatch_z": (rate - expected) / se,
    }


def check_instance(
    dim: int, freq: float, radius: int, *, samples: int = 200_000, seed: int = 0
) -> Check:
    """The hard instance's own network equals the periodic neuron (:func:`measure_network`):
    exact on the grid, to rounding on Gaussian inputs, mismatch rate within 5 SE of the tail.
    """
    rng = task_generator(seed, {"check": "instance", "dim": dim, "freq": freq, "R": radius})
    w = random_direction(dim, rng=rng)
    m = measure_network(w, freq, radius, samples, rng)
    passed = (m["max_err_grid"] == 0.0 and m["max_err_gaussian"] < 1e-9
              and abs(m["mismatch_z"]) <= Z_TOLERANCE)
    return Check(
        "instance_network",
        f"network of width {m['width']} = tri(freq<w,x>) off the tail (d={dim}, R={radius})",
        f"grid error 0, mismatch {m['mismatch_expected']:.3g}",
        f"grid error {m['max_err_grid']:.2g}, Gaussian error {m['max_err_gaussian']:.2g}, "
        f"mismatch {m['mismatch_rate']:.3g} (z = {m['mismatch_z']:.2f})",
        passed,
    )


#: The checks in the order ``hardlearn verify`` prints them.
CHECKS: dict[str, Callable[[int, np.random.Generator], Check]] = {
    "network_identity": check_network_identity,
    "network_torch": check_network_torch,
    "mismatch_rate": check_mismatch_rate,
    "tri_uniform_variance": check_triangle_uniform,
    "cos_gaussian_mean": check_cosine_gaussian,
    "target_variance": check_target_variance,
    "hclwe_marginal": check_hclwe_marginal,
    "hclwe_density": check_hclwe_density,
    "hclwe_orthogonal_variance": check_hclwe_orthogonal,
    "clwe_residual": check_clwe_residual,
    "null_uniform": check_null_uniform,
    "gaussian_shift_tv": check_gaussian_shift_tv,
    "noise_laws": check_noise_laws,
    "piecewise_linear": check_piecewise_linear,
    "conventions": check_conventions,
}


def run_checks(
    *, seed: int = 0, scale: int = 1, names: list[str] | None = None
) -> list[Check]:
    """Run the checks (all, or those in ``names``); ``scale`` multiplies the sample sizes.

    Examples
    --------
    >>> [c.passed for c in run_checks(names=["network_identity", "gaussian_shift_tv"])]
    [True, True]
    """
    scale = check_int("scale", scale, minimum=1)
    chosen = list(CHECKS) if names is None else names
    unknown = [n for n in chosen if n not in CHECKS]
    if unknown:
        from hardlearn.errors import ParameterError

        raise ParameterError(
            f"unknown check(s) {unknown}; the checks are {', '.join(CHECKS)}."
        )
    return [CHECKS[n](scale, task_generator(seed, {"check": n})) for n in chosen]
