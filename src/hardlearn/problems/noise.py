"""Label-noise laws, each parameterised by its standard deviation (issue 16; mathematics section 4).

LZZ's theorem is for Gaussian label noise. The laws here let the package ask whether the
measured picture changes under other noise of the same standard deviation ``sigma``. Each law
is a frozen dataclass with

* ``sample(m, rng)``: ``m`` independent draws, mean 0, standard deviation ``std``;
* ``density(t)`` and ``cdf(t)`` (the discrete law has no density);
* ``shift_tv(a)``: the total-variation distance between the law and its shift by ``a``, in
  closed form;
* ``density_at_zero``: ``f(0)``, the constant of the per-sample bound below (``None`` for the
  discrete law).

**The shift TV of a symmetric unimodal law.** Let ``f`` be a density symmetric about 0 and
non-increasing in ``|t|``, ``F`` its CDF, ``a > 0``. Then ``f(t) >= f(t - a)`` exactly when
``|t| <= |t - a|``, i.e. ``t <= a / 2``, so

``d_TV(f, f(. - a)) = int_{t <= a/2} (f(t) - f(t - a)) dt = F(a/2) - F(-a/2) = 2 F(|a|/2) - 1``

``= int_{-|a|/2}^{|a|/2} f <= |a| f(0)``.

Every continuous law here is symmetric and unimodal, which gives (scale in brackets):

========== ===================================== ============================ ===============
law        scale from std                        ``shift_tv(a)``              ``f(0)``
========== ===================================== ============================ ===============
gaussian   ``s = std``                           ``2 Phi(|a| / 2s) - 1``      ``1/(s sqrt(2 pi))``
laplace    ``b = std / sqrt 2``                  ``1 - exp(-|a| / 2b)``       ``1 / (2b)``
uniform    ``h = std sqrt 3`` (on ``[-h, h]``)   ``min(1, |a| / 2h)``         ``1 / (2h)``
student-t  ``c = std sqrt((nu - 2) / nu)``       ``2 F_nu(|a| / 2c) - 1``     ``F_nu'(0) / c``
logistic   ``s_l = std sqrt 3 / pi``             ``tanh(|a| / (4 s_l))``      ``1 / (4 s_l)``
========== ===================================== ============================ ===============

(``F_nu`` is the standard Student-t CDF; ``nu > 2`` so the standard deviation is finite.)
The **discrete** law (``+-std`` with probability 1/2 each) is supported on two points: its
shift by ``a`` has distance 0 for ``a = 0``, 1/2 for ``|a| = 2 std`` (one atom overlaps), and
1 otherwise. Under the reduction the shift ``phi(t + e') - phi(t)`` has a continuous law, so
it avoids ``0`` and ``+-2 std`` almost surely and the per-sample distance is 1: the argument
of mathematics section 4 gives nothing (:func:`hardlearn.regimes.lzz_regime` says so).

**The per-sample bound of mathematics section 4, for any of the continuous laws.** The reduction's
label is ``phi(t + e') + xi`` where the clean model has ``phi(t) + xi``. Conditioning on
``x`` and ``e'``, the two labels differ by a shift ``a = phi(t + e') - phi(t)`` with
``|a| <= L |e'|``, and ``shift_tv`` is non-decreasing in ``|a|``, so the per-sample distance
is at most ``E shift_tv(L |e'|) <= L f(0) E|e'|``. For the Gaussian this is the mathematics page's
``L E|e'| / (sigma sqrt(2 pi))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln, ndtr, stdtr

from hardlearn._rng import as_generator
from hardlearn._validation import check_int, check_real
from hardlearn.errors import ParameterError

__all__ = [
    "NoiseLaw",
    "GaussianNoise",
    "LaplaceNoise",
    "UniformNoise",
    "StudentTNoise",
    "LogisticNoise",
    "DiscreteNoise",
    "NOISE_LAWS",
    "make_noise_law",
    "noise_law_name",
]

_SQRT2 = math.sqrt(2.0)
_SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True)
class NoiseLaw:
    """Base class: a mean-zero noise law with standard deviation ``std > 0``.

    Subclasses set ``name`` and implement the methods below; see the module docstring for
    each closed form.
    """

    std: float
    name: ClassVar[str] = ""
    #: Whether the law has a density (the discrete law has none).
    has_density: ClassVar[bool] = True

    def __post_init__(self) -> None:
        check_real("noise_std", self.std, low=0.0, low_open=True,
                   hint=f"the {self.name} noise law is parameterised by its standard deviation.")

    @property
    def spec(self) -> str:
        """The law's name as written in sweep files and on the command line."""
        return self.name

    def with_std(self, std: float) -> NoiseLaw:
        """The same law with standard deviation ``std``."""
        return replace(self, std=std)

    def sample(self, m: int, rng: np.random.Generator | int) -> np.ndarray:
        """``m`` independent draws, shape (m,)."""
        raise NotImplementedError

    def density(self, t: ArrayLike) -> np.ndarray:
        """The density ``f(t)``."""
        raise NotImplementedError

    def cdf(self, t: ArrayLike) -> np.ndarray:
        """The CDF ``F(t)``."""
        raise NotImplementedError

    def shift_tv(self, a: float) -> float:
        """``d_TV(law, law shifted by a)``; for these symmetric unimodal laws ``2 F(|a|/2) - 1``."""
        a = abs(check_real("a", a))
        return float(2.0 * self.cdf(a / 2.0) - 1.0)

    @property
    def density_at_zero(self) -> float | None:
        """``f(0)``: the constant in ``shift_tv(a) <= |a| f(0)`` (module docstring)."""
        return float(self.density(0.0))


@dataclass(frozen=True)
class GaussianNoise(NoiseLaw):
    """``N(0, std^2)``, the law of LZZ's theorem.

    Examples
    --------
    >>> law = GaussianNoise(1.0)
    >>> round(law.shift_tv(2.0), 6)                 # 2 Phi(1) - 1
    0.682689
    >>> law.sample(3, rng=0).shape
    (3,)
    """

    name: ClassVar[str] = "gaussian"

    def sample(self, m: int, rng: np.random.Generator | int) -> np.ndarray:
        # std * standard_normal keeps the draws of the package's Gaussian noise bit for bit.
        return self.std * as_generator(rng).standard_normal(check_int("m", m, minimum=0))

    def density(self, t: ArrayLike) -> np.ndarray:
        z = np.asarray(t, dtype=np.float64) / self.std
        return np.exp(-0.5 * z * z) / (self.std * math.sqrt(2.0 * math.pi))

    def cdf(self, t: ArrayLike) -> np.ndarray:
        return ndtr(np.asarray(t, dtype=np.float64) / self.std)


@dataclass(frozen=True)
class LaplaceNoise(NoiseLaw):
    """Laplace law with scale ``b = std / sqrt 2``: density ``exp(-|t| / b) / (2b)``.

    Examples
    --------
    >>> law = LaplaceNoise(math.sqrt(2.0))          # b = 1
    >>> round(law.shift_tv(2.0), 6)                 # 1 - exp(-1)
    0.632121
    """

    name: ClassVar[str] = "laplace"

    @property
    def scale(self) -> float:
        """``b = std / sqrt 2``."""
        return self.std / _SQRT2

    def sample(self, m: int, rng: np.random.Generator | int) -> np.ndarray:
        return as_generator(rng).laplace(0.0, self.scale, check_int("m", m, minimum=0))

    def density(self, t: ArrayLike) -> np.ndarray:
        b = self.scale
        return np.exp(-np.abs(np.asarray(t, dtype=np.float64)) / b) / (2.0 * b)

    def cdf(self, t: ArrayLike) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        half = 0.5 * np.exp(-np.abs(t) / self.scale)
        return np.where(t < 0, half, 1.0 - half)

    def shift_tv(self, a: float) -> float:
        """``1 - exp(-|a| / 2b)``."""
        return float(-math.expm1(-abs(check_real("a", a)) / (2.0 * self.scale)))


@dataclass(frozen=True)
class UniformNoise(NoiseLaw):
    """Uniform law on ``[-h, h]``, ``h = std sqrt 3``.

    Examples
    --------
    >>> law = UniformNoise(1.0 / math.sqrt(3.0))    # h = 1
    >>> law.shift_tv(0.5), law.shift_tv(5.0)
    (0.25, 1.0)
    """

    name: ClassVar[str] = "uniform"

    @property
    def half_width(self) -> float:
        """``h = std sqrt 3``."""
        return self.std * _SQRT3

    def sample(self, m: int, rng: np.random.Generator | int) -> np.ndarray:
        h = self.half_width
        return as_generator(rng).uniform(-h, h, check_int("m", m, minimum=0))

    def density(self, t: ArrayLike) -> np.ndarray:
        h = self.half_width
        return np.where(np.abs(np.asarray(t, dtype=np.float64)) <= h, 1.0 / (2.0 * h), 0.0)

    def cdf(self, t: ArrayLike) -> np.ndarray:
        h = self.half_width
        return np.clip((np.asarray(t, dtype=np.float64) + h) / (2.0 * h), 0.0, 1.0)

    def shift_tv(self, a: float) -> float:
        """``min(1, |a| / 2h)``."""
        return float(min(1.0, abs(check_real("a", a)) / (2.0 * self.half_width)))


@dataclass(frozen=True)
class StudentTNoise(NoiseLaw):
    """Student-t law with ``nu > 2`` degrees of freedom, scaled to standard deviation ``std``.

    A standard ``t_nu`` variable has variance ``nu / (nu - 2)``, so the scale is
    ``c = std sqrt((nu - 2) / nu)``.

    Examples
    --------
    >>> law = StudentTNoise(1.0, nu=5.0)
    >>> round(law.density_at_zero, 6) > round(GaussianNoise(1.0).density_at_zero, 6)
    True
    >>> law.spec
    'student-t:5'
    """

    nu: float = 5.0
    name: ClassVar[str] = "student-t"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_real("nu", self.nu, low=2.0, low_open=True,
                   hint="the Student-t law has a finite standard deviation only for nu > 2.")

    @property
    def spec(self) -> str:
        return f"student-t:{self.nu:g}"

    @property
    def scale(self) -> float:
        """``c = std sqrt((nu - 2) / nu)``."""
        return self.std * math.sqrt((self.nu - 2.0) / self.nu)

    def sample(self, m: int, rng: np.random.Generator | int) -> np.ndarray:
        return self.scale * as_generator(rng).standard_t(self.nu, check_int("m", m, minimum=0))

    def density(self, t: ArrayLike) -> np.ndarray:
        nu, c = self.nu, self.scale
        z = np.asarray(t, dtype=np.float64) / c
        log_norm = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * math.log(nu * math.pi)
        return np.exp(log_norm - (nu + 1) / 2 * np.log1p(z * z / nu)) / c

    def cdf(self, t: ArrayLike) -> np.ndarray:
        return stdtr(self.nu, np.asarray(t, dtype=np.float64) / self.scale)


@dataclass(frozen=True)
class LogisticNoise(NoiseLaw):
    """Logistic law with scale ``s_l = std sqrt 3 / pi``: CDF ``1 / (1 + exp(-t / s_l))``.

    Examples
    --------
    >>> law = LogisticNoise(math.pi / math.sqrt(3.0))   # s_l = 1
    >>> round(law.shift_tv(4.0), 6)                     # tanh(1)
    0.761594
    """

    name: ClassVar[str] = "logistic"

    @property
    def scale(self) -> float:
        """``s_l = std sqrt 3 / pi``."""
        return self.std * _SQRT3 / math.pi

    def sample(self, m: int, rng: np.random.Generator | int) -> np.ndarray:
        return as_generator(rng).logistic(0.0, self.scale, check_int("m", m, minimum=0))

    def density(self, t: ArrayLike) -> np.ndarray:
        s = self.scale
        e = np.exp(-np.abs(np.asarray(t, dtype=np.float64)) / s)
        return e / (s * (1.0 + e) ** 2)

    def cdf(self, t: ArrayLike) -> np.ndarray:
        s = self.scale
        return 0.5 * (1.0 + np.tanh(np.asarray(t, dtype=np.float64) / (2.0 * s)))

    def shift_tv(self, a: float) -> float:
        """``tanh(|a| / (4 s_l))``."""
        return float(math.tanh(abs(check_real("a", a)) / (4.0 * self.scale)))


@dataclass(frozen=True)
class DiscreteNoise(NoiseLaw):
    """``+std`` or ``-std`` with probability 1/2 each: no density, so the reduction's TV
    argument gives nothing (module docstring).

    Examples
    --------
    >>> law = DiscreteNoise(0.5)
    >>> law.shift_tv(0.0), law.shift_tv(1.0), law.shift_tv(0.3)
    (0.0, 0.5, 1.0)
    >>> law.density_at_zero is None
    True
    """

    name: ClassVar[str] = "discrete"
    has_density: ClassVar[bool] = False

    def sample(self, m: int, rng: np.random.Generator | int) -> np.ndarray:
        signs = 2.0 * as_generator(rng).integers(0, 2, check_int("m", m, minimum=0)) - 1.0
        return self.std * signs

    def density(self, t: ArrayLike) -> np.ndarray:
        raise ParameterError(
            "the discrete noise law (+-std with probability 1/2) has no density; "
            "use cdf() or shift_tv()."
        )

    def cdf(self, t: ArrayLike) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        return np.where(t < -self.std, 0.0, np.where(t < self.std, 0.5, 1.0))

    def shift_tv(self, a: float) -> float:
        """0 for ``a = 0``, 1/2 for ``|a| = 2 std`` (one atom in common), 1 otherwise."""
        a = abs(check_real("a", a))
        if a == 0.0:
            return 0.0
        return 0.5 if a == 2.0 * self.std else 1.0

    @property
    def density_at_zero(self) -> float | None:
        return None


#: The laws by name (the names of sweep files, ``--noise-law`` and ``NoisyRegression``).
NOISE_LAWS: dict[str, type[NoiseLaw]] = {
    cls.name: cls
    for cls in (GaussianNoise, LaplaceNoise, UniformNoise, StudentTNoise, LogisticNoise,
                DiscreteNoise)
}

_SPEC_RULE = (
    "one of 'gaussian', 'laplace', 'uniform', 'student-t:NU' (NU > 2, e.g. 'student-t:5'), "
    "'logistic', 'discrete'"
)


def make_noise_law(spec: str | NoiseLaw, std: float) -> NoiseLaw:
    """The law named by ``spec`` with standard deviation ``std > 0``.

    ``spec`` is a name of :data:`NOISE_LAWS`; the Student-t law takes its degrees of freedom
    after a colon (``"student-t:5"``; plain ``"student-t"`` means ``nu = 5``). A
    :class:`NoiseLaw` instance keeps its shape and gets standard deviation ``std``.

    Examples
    --------
    >>> make_noise_law("student-t:3", 0.1)
    StudentTNoise(std=0.1, nu=3.0)
    >>> make_noise_law("cauchy", 0.1)
    Traceback (most recent call last):
    ...
    hardlearn.errors.ParameterError: noise_law must be one of 'gaussian', ...; got 'cauchy'.
    """
    if isinstance(spec, NoiseLaw):
        return spec.with_std(std)
    if not isinstance(spec, str):
        raise ParameterError(f"noise_law must be {_SPEC_RULE}; got {spec!r}.")
    name, _, arg = spec.strip().lower().partition(":")
    if name not in NOISE_LAWS or (arg and name != "student-t"):
        raise ParameterError(f"noise_law must be {_SPEC_RULE}; got {spec!r}.")
    if name == "student-t" and arg:
        try:
            nu = float(arg)
        except ValueError:
            raise ParameterError(
                f"noise_law 'student-t:NU' needs a number NU > 2; got {spec!r}."
            ) from None
        return StudentTNoise(std, nu=nu)
    return NOISE_LAWS[name](std)


def noise_law_name(spec: str | NoiseLaw) -> str:
    """Check ``spec`` and return its canonical spelling (``"student-t:5"``, ``"laplace"``).

    Examples
    --------
    >>> noise_law_name(" Laplace "), noise_law_name("student-t")
    ('laplace', 'student-t:5')
    """
    return make_noise_law(spec, 1.0).spec
