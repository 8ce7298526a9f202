"""The inverse width rule, its table, figure and report section (issue 16)."""

from __future__ import annotations

import math

import pytest
from scipy.special import erfcinv

from hardlearn.errors import ParameterError
from hardlearn.experiments.plots import hard_width_vs_dim
from hardlearn.experiments.sections import hard_widths_section
from hardlearn.regimes import (
    TRAINED_WIDTHS,
    hard_dims_for_width,
    hard_width_table,
    lzz_regime,
    radius_for_tail,
)


@pytest.mark.parametrize("width", [9, 13, 64, 100, 1024, 4096])
def test_max_dim_is_the_edge_of_the_width_rule(width):
    h = hard_dims_for_width(width)
    assert h.radius == (width - 1) // 4
    assert lzz_regime(h.max_dim).width <= width < lzz_regime(h.max_dim + 1).width
    assert all(lzz_regime(d).width <= width for d in range(max(1, h.max_dim - 3), h.max_dim + 1))
    # the frequency window at max_dim: BRST21's lower end, the width rule's upper end
    assert h.freq_min <= h.freq_max
    assert radius_for_tail(h.freq_max * (1 - 1e-12), h.tail) <= h.radius
    assert h.freq_max == pytest.approx(h.radius / (math.sqrt(2) * float(erfcinv(h.tail))))


def test_fixed_tail_has_the_closed_form_edge():
    tail = 1e-6
    h = hard_dims_for_width(257, tail=tail)      # R = 64
    r = math.sqrt(2) * float(erfcinv(tail))
    # freq(d) = sqrt(2 d / pi) <= R / r  <=>  d <= (pi / 2) (R / r)^2
    assert h.max_dim == math.floor(math.pi / 2 * (64 / r) ** 2)


def test_too_narrow_and_bad_input():
    assert hard_dims_for_width(4).max_dim == 0 and list(hard_dims_for_width(4).dims) == []
    with pytest.raises(ParameterError, match="width must be an integer >= 1"):
        hard_dims_for_width(0)
    with pytest.raises(ParameterError, match="tail"):
        hard_dims_for_width(64, tail=1.5)


def test_table_and_figure_and_section():
    t = hard_width_table(dims=(16, 256), widths=(64, 4096))
    assert [r["dim"] for r in t["by_dim"]] == [16, 256]
    # the width does not depend on the label noise: the regimes agree
    for r in t["by_dim"]:
        assert r["lzz-polynomial"] == r["lzz-superpoly-0.25"] == r["lzz-superpoly-0.49"]
    assert [r["width"] for r in t["by_width"]] == [64, 4096]
    assert t["by_width"][0]["max_dim"] < t["by_width"][1]["max_dim"]
    fig = hard_width_vs_dim(dims=(4, 64, 1024), trained_widths=(64, 256))
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) >= 4
    html = hard_widths_section(dims=(16, 64), widths=(64,))
    assert "<table>" in html and "data:image/png;base64," in html and ">64<" in html
    assert TRAINED_WIDTHS[0] == 64 and TRAINED_WIDTHS[-1] == 4096


def test_advantage_by_section_renders_a_table():
    from hardlearn.experiments.sections import GAP_STATEMENT, advantage_by_section

    rows = [
        {"status": "ok", "learner": "exhaustive", "dim": 2, "advantage": 0.99, "seconds": 0.4},
        {"status": "ok", "learner": "exhaustive", "dim": 3, "advantage": 0.97, "seconds": 0.6},
        {"status": "ok", "learner": "mlp", "dim": 2, "advantage": 0.01, "seconds": 3.0},
        {"status": "failed", "learner": "mlp", "dim": 3},
    ]
    html = advantage_by_section(rows, by="dim", title="gap", statement=GAP_STATEMENT)
    assert "0.990 (0.4 s)" in html and "0.970 (0.6 s)" in html and "0.010 (3 s)" in html
    assert "finding it is what is hard" in html and "3 finished trials" in html


def test_advantage_by_noise_law_names_the_default_law():
    from hardlearn.experiments.sections import advantage_by_section

    rows = [
        {"status": "ok", "learner": "mlp", "noise_law": None, "advantage": 0.9},
        {"status": "ok", "learner": "mlp", "noise_law": "laplace", "advantage": 0.8},
    ]
    html = advantage_by_section(rows, by="noise_law", title="laws")
    assert '<td class="l">gaussian</td>' in html and '<td class="l">laplace</td>' in html
    assert "None" not in html and "<th>mlp</th>" in html


def test_advantage_by_section_within_a_key():
    from hardlearn.experiments.sections import advantage_by_section

    rows = [
        {"status": "ok", "learner": "mlp", "noise_law": None, "freq": 0.4, "advantage": 0.9},
        {"status": "ok", "learner": "mlp", "noise_law": None, "freq": 2.0, "advantage": 0.0},
    ]
    html = advantage_by_section(rows, by="noise_law", title="laws", within="freq")
    assert "freq = 0.4" in html and "freq = 2<" in html and html.count("<table>") == 2
    assert "0.900" in html and "0.000" in html
