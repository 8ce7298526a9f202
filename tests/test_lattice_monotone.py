"""Less noise never hurts: the attack recovers the secret far below its noise threshold.

Regression test: the noise test of the certificate once compared residuals (which cannot be
smaller than the columns' fixed-point resolution) with the noise itself, so exact data with
noise far below that resolution (2^-400 at d = 16) was rejected as "not within the noise".
"""

from __future__ import annotations

import numpy as np
import pytest

from hardlearn.learners import LatticeRegressor
from hardlearn.problems.exact import sample_exact


@pytest.mark.parametrize("labels", ["clwe", "triangle", "cosine"])
@pytest.mark.parametrize("dim, noise_bits", [(8, 800), (8, 3000), (16, 400), (16, 1000)])
def test_recovery_far_below_the_threshold(labels, dim, noise_bits):
    data = sample_exact(dim, dim + 1, labels=labels, noise_bits=noise_bits, rng=dim + noise_bits)
    est = LatticeRegressor(labels=labels, time_limit=30, max_samples=dim + 1).fit_exact(data)
    assert est.recovered_, est.status_
    assert abs(float(np.dot(est.secret_, data.secret))) > 1 - 1e-9
    assert est.certificate_["noise_consistent"]
