"""The sweep report carries issue 16's sections: learners under each noise law, and the gap."""

from __future__ import annotations

import re

import pytest

from hardlearn.cli import main
from hardlearn.experiments.report import write_report
from hardlearn.experiments.sections import GAP_STATEMENT, NOISE_LAW_STATEMENT, sweep_sections

NOISE_SWEEP = """task = "learn"
name = "laws"
root_seed = 5
[grid]
dim = 2
freq = [0.3, 2.0]
samples = 300
test_samples = 500
noise = 0.05
noise_law = ["gaussian", "laplace", "discrete"]
[[learners]]
name = "mean"
[[learners]]
name = "ridge"
params = { degree = 6 }
"""

GAP_SWEEP = """task = "learn"
name = "gap"
root_seed = 6
[grid]
dim = [2, 3]
freq = 0.5
samples = 300
test_samples = 500
noise = 0.05
[[learners]]
name = "exhaustive"
[[learners]]
name = "mean"
"""


def _run(tmp_path, name, text):
    spec = tmp_path / f"{name}.toml"
    spec.write_text(text)
    run = tmp_path / name
    assert main(["sweep", str(spec), "--out", str(run), "--workers", "1", "-q"]) == 0
    return run


@pytest.fixture(scope="module")
def noise_page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("laws")
    return write_report(_run(tmp, "laws", NOISE_SWEEP))


def _section(page: str, title: str) -> str:
    found = re.search(rf'<section class="by-key">\s*<h2>{re.escape(title)}</h2>(.*?)</section>',
                      page, re.S)
    assert found, f"no section {title!r} in the page"
    return found.group(1)


def test_noise_law_sweep_report_shows_the_table_by_law(noise_page):
    page = noise_page.read_text(encoding="utf-8")
    body = _section(page, "Learners under each label-noise law")
    assert NOISE_LAW_STATEMENT[8:60] in body      # past the apostrophe the page escapes
    # one table per frequency
    assert body.count("<table>") == 2 and "freq = 0.3" in body and "freq = 2<" in body
    for law in ("gaussian", "laplace", "discrete"):     # a row per law, the default named
        assert body.count(f'<td class="l">{law}</td>') == 2
    assert "<th>mean</th>" in body and "<th>ridge</th>" in body   # a column per learner
    assert body.index('"l">gaussian<') < body.index('"l">laplace<') < body.index('"l">discrete<')
    cells = re.findall(r"<td>(-?[0-9.]+) \(([0-9.e-]+) s\)</td>", body)
    assert len(cells) == 2 * 2 * 3    # learners x freqs x laws, every one a number
    # the section sits between the figures and the per-point table
    assert page.index("<h2>Figures</h2>") < page.index("label-noise law") < \
        page.index("<h2>Results per grid point</h2>")


def test_gap_sweep_report_shows_the_statement_and_the_time_figure(tmp_path):
    page = write_report(_run(tmp_path, "gap", GAP_SWEEP)).read_text(encoding="utf-8")
    body = _section(page, "The statistical-computational gap")
    assert "finding it is what is hard" in body and GAP_STATEMENT[:30] in body
    assert '<td class="l">2</td>' in body and '<td class="l">3</td>' in body
    assert "<th>exhaustive</th>" in body
    assert "Mean wall seconds of one trial" in body and "data:image/png;base64," in body


def test_other_sweeps_carry_no_section():
    rows = [{"status": "ok", "learner": "mlp", "dim": 2, "advantage": 0.1}]
    assert sweep_sections(rows, task="learn", swept=("dim",), learner_names=("mlp",)) == []
    assert sweep_sections(rows, task="distinguish", swept=("noise_law",),
                          learner_names=("mlp",)) == []


def test_noise_law_page_fits_the_browser(noise_page, tmp_path):
    browser = pytest.importorskip("test_report_browser")
    if browser._chromium() is None:
        pytest.skip("no headless Chromium on this machine")
    browser.check_page(noise_page, tmp_path)
