"""
CLWE samples seen along the secret
==================================

CLWE pairs ``(y, z)`` with ``z = gamma <w, y> + e mod 1`` and homogeneous CLWE samples (the
"Gaussian pancakes") drawn by :class:`~hardlearn.CLWE` and :class:`~hardlearn.HomogeneousCLWE`,
projected on the secret ``w`` and on one direction orthogonal to it
(:func:`~hardlearn.experiments.plots.pancakes`). At a small ``gamma`` the structure is plain
to see; at the hard instance's ``gamma = 2 sqrt(d)`` (:func:`~hardlearn.lzz_regime`) the
layers are too thin and too close together to see in a few hundred samples (mathematics
section 2).
"""

import numpy as np

import hardlearn as hl
from hardlearn.experiments.plots import pancakes

dim, samples = 16, 800
regime = hl.lzz_regime(dim)
rng = np.random.default_rng(0)
w = hl.random_direction(dim, rng=rng)
u = rng.standard_normal(dim)  # a unit vector orthogonal to w
u -= (u @ w) * w
u /= np.linalg.norm(u)

panels = []
for name, gamma in {"easy": 1.5, "hard": regime.gamma}.items():
    clwe = hl.CLWE(w, gamma, regime.beta).sample(samples, rng=rng)
    panels.append({"along": clwe.y @ w, "across": clwe.z,
                   "label": f"CLWE, {name} gamma = {gamma:.3g}",
                   "ylabel": "label z = gamma <w, y> + e mod 1"})
    y = hl.HomogeneousCLWE(w, gamma, regime.beta).sample(samples, rng=rng)
    panels.append({"along": y @ w, "across": y @ u,
                   "label": f"homogeneous CLWE, {name} gamma = {gamma:.3g}",
                   "period": gamma / (gamma**2 + regime.beta**2)})

fig = pancakes(panels, title=f"CLWE and homogeneous CLWE samples (d = {dim}, "
                             f"beta = {regime.beta:.2g})")
