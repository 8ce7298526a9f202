"""``hardlearn demo --quick`` runs the paper's story end to end and shows what it predicts."""

from __future__ import annotations

import json

import pytest

from hardlearn.experiments.demo import SIZES, demo_sweeps
from hardlearn.experiments.spec import parse_spec


@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory):
    from typer.testing import CliRunner

    from hardlearn.cli import app

    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", "--quick", "--out", str(out), "--json"])
    return result, out


def test_quick_demo_shows_the_papers_story(quick_demo):
    result, out = quick_demo
    assert result.exit_code == 0, result.output
    data = json.loads((out / "demo.json").read_text())
    table = {(r["learner"], r["regime"]): r for r in data["distinguisher"]}
    assert table["oracle", "polynomial"]["advantage"] >= 0.9
    assert table["oracle", "exponential"]["advantage"] >= 0.9
    assert abs(table["mean", "polynomial"]["advantage"]) <= 0.1
    assert table["lattice", "exponential"]["advantage"] >= 0.9
    assert table["lattice", "polynomial"]["advantage"] <= 0.1
    assert table["mlp", "polynomial"]["advantage"] <= 0.1
    at_paper = [r for r in data["learn"] if r["paper_freq"]]
    assert at_paper and all(r["advantage_mean"] < 0.05 for r in at_paper)
    assert all(c["passed"] for c in data["construction"] + data["story"])
    # The d + 1 threshold curve found a threshold for every dimension, far above polynomial
    # noise; the best sample count tolerates far more noise than d + 1 samples.
    plus1 = {t["dim"]: t for t in data["threshold"] if t["samples"] == "d+1"}
    best = {t["dim"]: t for t in data["threshold"] if t["samples"] == "auto"}
    assert plus1 and best
    assert all(t["threshold_bits_median"] > 3 * t["polynomial_noise_bits"]
               for t in plus1.values())
    for dim in set(plus1) & set(best):
        assert best[dim]["threshold_bits_median"] < plus1[dim]["threshold_bits_median"] / 3


def test_quick_demo_writes_a_report(quick_demo):
    _, out = quick_demo
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("data:image/png;base64,") == 5
    assert "<h3>Hard widths against trained ones</h3>" in page   # issue 16's table and figure
    for name in ("threshold_vs_dimension", "mlp_advantage_vs_frequency",
                 "network_along_secret", "clwe_pancakes"):
        assert (out / f"{name}.png").stat().st_size > 10_000
    assert len(list((out / "runs").iterdir())) == 6
    # every table column that is not plain English is explained in a legend row
    for name in ("tail_mass", "tv_total", "gapsvp_factor", "loss CLWE", "loss null"):
        assert f"<dt>{name}</dt>" in page
    # the MLP table is in the page, the threshold table right after its figure
    assert "mean advantage" in page
    assert page.index("threshold bits p (median)") < page.index("A trained network against")
    assert page.index("Lattice reduction against the noise") < page.index(
        "threshold bits p (median)")


def test_quick_demo_states_how_hard_its_instance_is(quick_demo):
    from hardlearn.estimate import instance_security
    from hardlearn.regimes import lzz_regime

    _, out = quick_demo
    data = json.loads((out / "demo.json").read_text())
    # the stored prediction is the model's for the demo's own regime instance
    regime = lzz_regime(data["regime"]["dim"], samples=data["regime"]["samples"])
    assert data["security"] == json.loads(json.dumps(instance_security(regime)))
    page = (out / "report.html").read_text()
    assert "How hard is this instance for lattice reduction" in page
    for name in ("CLWE layer", "learning problem", "<dt>core-SVP bits</dt>",
                 "<dt>LLL learns up to d</dt>"):
        assert name in page
    learning = data["security"]["learning"]
    # the learning problem: LLL fails at sigma = d^-2 and the block size needed is stated
    assert learning["lll_recovers"] is False and learning["block_size_needed"] > 2
    assert f">{learning['block_size_needed']}<" in page


def test_quick_demo_has_the_mlp_positive_control(quick_demo):
    _, out = quick_demo
    data = json.loads((out / "demo.json").read_text())
    control = {r["learner"]: r for r in data["distinguisher"] if r["regime"] == "control"}
    assert set(control) == {"mlp", "mean"}
    assert control["mlp"]["advantage"] >= 0.9
    size = SIZES["quick"]
    assert control["mlp"]["trials"] == size.trials


def test_quick_demo_page_fits_in_a_browser(quick_demo, tmp_path):
    from test_report_browser import _chromium, check_page

    if _chromium() is None:
        pytest.skip("no headless Chromium on this machine")
    _, out = quick_demo
    check_page(out / "report.html", tmp_path)


def test_quick_demo_resumes_without_recomputing(quick_demo):
    from typer.testing import CliRunner

    from hardlearn.cli import app
    from hardlearn.experiments.store import Store

    def stamps():
        out_rows = {}
        for run in sorted((out / "runs").iterdir()):
            with Store.open(run) as store:
                out_rows.update({tid: (started, attempts) for tid, started, attempts in
                                 store.conn.execute("SELECT task_id, started, attempts "
                                                    "FROM trials")})
        return out_rows

    first, out = quick_demo
    before = json.loads((out / "demo.json").read_text())
    started = stamps()
    again = CliRunner().invoke(app, ["demo", "--quick", "--out", str(out), "--json"])
    assert again.exit_code == 0
    after = json.loads((out / "demo.json").read_text())
    assert after["distinguisher"] == before["distinguisher"]
    assert stamps() == started  # every trial was read back from its store, none ran again
    assert len(started) > 0


@pytest.mark.parametrize("size", list(SIZES))
def test_every_demo_size_is_a_valid_set_of_sweeps(size):
    for spec in demo_sweeps(SIZES[size], seed=0).values():
        assert parse_spec(spec).tasks()


def test_quick_and_full_are_exclusive(cli):
    code, _, err = cli("demo", "--quick", "--full")
    assert code == 2 and "at most one of --quick and --full" in err


def test_story_fails_when_decisions_are_missing():
    from hardlearn.experiments.demo import DEMO_LEARNERS, AdvantageRow, story_checks

    size = SIZES["quick"]

    def row(learner, regime, adv, trials=size.trials, failed=0):
        return AdvantageRow(learner, regime, "-", trials, adv, adv, adv, max(adv, 0.0), 0.0,
                            0.0, 0.0, failed)

    good = [row(n, r, 1.0 if n == "oracle" or (n, r) == ("lattice", "exponential") else 0.0)
            for r in ("polynomial", "exponential") for n in DEMO_LEARNERS]
    assert all(c.passed for c in story_checks(good, [], size))
    # The lattice learner finished one decision of three and timed out in the others.
    partial = [r if (r.learner, r.regime) != ("lattice", "exponential")
               else row("lattice", "exponential", 1.0, trials=1, failed=2) for r in good]
    failed = [c for c in story_checks(partial, [], size) if not c.passed]
    assert [c.name for c in failed] == ["lattice_exponential_complete"]
