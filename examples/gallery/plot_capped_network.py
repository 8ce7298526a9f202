"""
The capped ReLU network and the triangle wave
=============================================

The hard instance's network (:func:`~hardlearn.capped_periodic_network`): ``4R + 1`` ReLU
units whose sum equals the periodic neuron ``tri(freq <w, x>)`` wherever
``|<w, x>| <= R / freq`` and is constant beyond. Drawn along the secret direction with
:func:`~hardlearn.experiments.plots.network_along_secret`; the lower panel shades the
Gaussian tail where the two functions differ (mathematics sections 3 and 4).
"""

import numpy as np

import hardlearn as hl
from hardlearn.experiments.plots import network_along_secret

dim = 16
regime = hl.lzz_regime(dim)
w = hl.random_direction(dim, rng=0)
net = hl.capped_periodic_network(w, regime.freq, regime.radius)

cutoff = regime.radius / regime.freq
t = np.linspace(-1.25 * cutoff, 1.25 * cutoff, 4001)
fig = network_along_secret(
    t, net(t[:, None] * w[None, :]), hl.triangle_wave(regime.freq * t),
    cutoff=cutoff, tail_mass=regime.tail_mass, width=net.width, freq=regime.freq,
)
print(f"d = {dim}: radius R = {regime.radius}, width 4R + 1 = {net.width}, "
      f"tail mass {regime.tail_mass:.2g}")
