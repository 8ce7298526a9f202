"""Exact samples for the lattice regime: exactness, noise level, files, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hardlearn.conventions import wrap_centered
from hardlearn.errors import DataFileError, ParameterError, PrecisionError
from hardlearn.problems.exact import (
    GUARD_BITS,
    ExactSamples,
    dyadic_integers,
    exact_projection,
    load_exact,
    require_float64_noise,
    sample_exact,
)
from hardlearn.problems.periodic import cosine_wave, triangle_wave


def _exact_t(s: ExactSamples) -> tuple[list[int], int]:
    """freq <w, x_i> exactly: ints / 2^shift."""
    ints, shift = exact_projection(s.X, s.secret)
    f, sf = dyadic_integers(np.array([s.freq]))
    return [int(f[0]) * v for v in ints], shift + sf


@pytest.mark.parametrize("kind", ["clwe", "triangle", "cosine"])
def test_shapes_ranges_and_reproducibility(kind):
    a = sample_exact(5, 7, labels=kind, noise_bits=120, rng=4)
    b = sample_exact(5, 7, labels=kind, noise_bits=120, rng=4)
    assert a.X.shape == (7, 5) and a.m == 7 and a.dim == 5
    assert a.label_bits == 120 + GUARD_BITS
    assert a.labels == b.labels and np.array_equal(a.X, b.X)
    assert abs(np.linalg.norm(a.secret) - 1) < 1e-12
    f = a.labels_float()
    if kind == "clwe":
        assert all(0 <= v < 2**a.label_bits for v in a.labels)
    elif kind == "triangle":
        assert np.all((f > -1e-6) & (f < 0.5 + 1e-6))
    else:
        assert np.all(np.abs(f) < 1 + 1e-6)


@pytest.mark.parametrize("kind", ["clwe", "triangle", "cosine"])
def test_noise_standard_deviation(kind):
    # 2^-20 noise is visible in float64: the residual has sd 2^-20 within 5 standard errors.
    m = 4000
    s = sample_exact(6, m, labels=kind, noise_bits=20, rng=11)
    t = s.freq * (s.X @ s.secret)
    y = s.labels_float()
    if kind == "clwe":
        r = wrap_centered(y - t)
    elif kind == "triangle":
        r = y - triangle_wave(t)
    else:
        r = y - cosine_wave(t)
    sd = float(np.std(r)) * 2**20
    assert abs(sd - 1.0) < 5 / math.sqrt(2 * m)
    assert abs(float(np.mean(r)) * 2**20) < 5 / math.sqrt(m)


def test_labels_are_exact_at_ten_thousand_bits():
    p = 10_000
    s = sample_exact(4, 6, labels="triangle", noise_bits=p, rng=2)
    T, shift = _exact_t(s)
    P = s.label_bits
    for v, t in zip(s.labels, T):
        tp = (t << P) >> shift if P >= shift else t >> (shift - P)
        r = tp % (1 << P)
        clean = min(r, (1 << P) - r)
        noise = v - clean  # = 2^(P - p) g: about 64 bits for a N(0,1) draw g
        assert 40 < abs(noise).bit_length() <= P - p + 5


def test_clwe_noise_is_exact_and_small():
    p = 3000
    s = sample_exact(8, 9, labels="clwe", noise_bits=p, rng=5)
    T, shift = _exact_t(s)
    P = s.label_bits
    for v, t in zip(s.labels, T):
        tp = (t << P) >> shift if P >= shift else t >> (shift - P)
        diff = (v - tp) % (1 << P)
        diff = diff - (1 << P) if diff >= 1 << (P - 1) else diff
        assert abs(diff).bit_length() <= P - p + 5


def test_dyadic_integers_roundtrip():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(50), [1e-300, -5e-324, 0.0, 2.0**60]])
    ints, shift = dyadic_integers(x)
    from fractions import Fraction

    for v, i in zip(x, ints):
        assert Fraction(v) == Fraction(int(i), 2**shift)


@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
@pytest.mark.parametrize("kind", ["clwe", "cosine"])
def test_save_load_roundtrip(tmp_path, suffix, kind):
    s = sample_exact(6, 9, labels=kind, noise_bits=700, rng=8)
    path = s.save(tmp_path / f"data{suffix}")
    t = load_exact(path)
    assert t.labels == s.labels
    assert np.array_equal(t.X, s.X) and t.X.dtype == np.float64
    assert t.freq == s.freq and np.array_equal(t.secret, s.secret)
    assert (t.kind, t.noise_bits, t.label_bits) == (s.kind, s.noise_bits, s.label_bits)
    assert ExactSamples.load(path).labels == s.labels


def test_load_refuses_foreign_files(tmp_path):
    from hardlearn.datasets import save_dataset

    p = save_dataset(tmp_path / "other.npz", {"X": np.eye(2)}, {"kind": "demo"})
    with pytest.raises(DataFileError, match="not exact"):
        load_exact(p)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(DataFileError):
        load_exact(bad)


def test_parameter_and_precision_errors():
    with pytest.raises(ParameterError, match="labels must be one of"):
        sample_exact(3, 4, labels="sine", noise_bits=10, rng=0)
    with pytest.raises(ParameterError, match="dim must be an integer >= 1"):
        sample_exact(0, 4, noise_bits=10, rng=0)
    with pytest.raises(ParameterError, match="noise_bits"):
        sample_exact(3, 4, noise_bits=-1, rng=0)
    with pytest.raises(PrecisionError, match="label_bits must be at least"):
        sample_exact(3, 4, noise_bits=100, label_bits=104, rng=0)
    with pytest.raises(ParameterError, match="unit vector"):
        sample_exact(2, 4, noise_bits=10, rng=0, secret=[1.0, 1.0])
    with pytest.raises(ParameterError, match="rng"):
        sample_exact(2, 4, noise_bits=10, rng=None)


def test_float64_floor_points_to_exact_mode():
    require_float64_noise(0.0)
    require_float64_noise(1e-6)
    with pytest.raises(PrecisionError) as info:
        require_float64_noise(2.0**-60)
    text = str(info.value)
    assert "hardlearn.problems.exact" in text and "hardlearn attack" in text
