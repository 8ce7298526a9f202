"""Statistical checks of mathematics section 7 (fixed seeds; 5 standard errors; KS at 1e-4).

The checks live in :mod:`hardlearn.verification` so that ``hardlearn verify`` and the tests
run the same code; here each one must pass, and a broken sampler must make it fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from hardlearn.verification import CHECKS, check_hclwe_marginal, run_checks


@pytest.mark.parametrize("name", list(CHECKS))
def test_spec_check_passes(name):
    (check,) = run_checks(seed=2026, names=[name])
    assert check.passed, check


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spec_checks_pass_at_larger_scale(seed):
    checks = run_checks(seed=seed, scale=5)
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


def test_hclwe_check_detects_a_wrong_sampler(monkeypatch):
    # Shift every layer by half a spacing: the KS test must reject it.
    from hardlearn.problems import clwe

    original = clwe.HomogeneousCLWE.sample

    def shifted(self, m, *, rng):
        y = original(self, m, rng=rng)
        return y + 0.5 * (self.gamma / (self.beta**2 + self.gamma**2)) * self.secret

    monkeypatch.setattr(clwe.HomogeneousCLWE, "sample", shifted)
    assert not check_hclwe_marginal(1, np.random.default_rng(0)).passed


def test_hclwe_density_check_detects_wrong_layer_constants(monkeypatch):
    # The KS check shares the layer constants with marginal_cdf; the density check does not.
    from hardlearn.problems import clwe
    from hardlearn.verification import check_hclwe_density

    original = clwe.HomogeneousCLWE.__init__

    def wrong(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self._means = 1.3 * self._means

    monkeypatch.setattr(clwe.HomogeneousCLWE, "__init__", wrong)
    assert not check_hclwe_density(1, np.random.default_rng(0)).passed


def test_conventions_check_detects_a_wrong_constant(monkeypatch):
    import math

    from hardlearn import conventions
    from hardlearn.verification import check_conventions

    monkeypatch.setattr(conventions, "SQRT_2PI", 2 * math.pi)
    assert not check_conventions(1, np.random.default_rng(0)).passed
