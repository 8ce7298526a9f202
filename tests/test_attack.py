"""The attack as a library call and the hand-over of the lattice to other solvers."""

from __future__ import annotations

import json

import pytest

from hardlearn.attack import export_lattice, finish_reduced, parse_samples, run_attack
from hardlearn.cli import main
from hardlearn.errors import ParameterError
from hardlearn.problems.exact import sample_exact


@pytest.mark.parametrize("text,want", [("auto", "auto"), ("d+1", 21), ("3d", 60),
                                       ("2d+5", 45), ("21", 21), (30, 30), ("D + 2", 22)])
def test_parse_samples(text, want):
    assert parse_samples(text, 20) == want


@pytest.mark.parametrize("text", ["d", "20", "x", "2.5d", True, "-d"])
def test_parse_samples_refuses(text):
    with pytest.raises(ParameterError, match="samples"):
        parse_samples(text, 20)


def test_auto_attack_beats_d_plus_1_at_moderate_noise():
    # d = 20 at noise 2^-20: far above the d + 1 threshold (about 2^-90), below the best-m one
    data = sample_exact(20, 200, labels="clwe", noise_bits=20, rng=5)
    assert run_attack(data, samples_used="d+1")["status"] == "not_recovered"
    out = run_attack(data, samples_used="auto")
    assert out["correct"] and out["samples_used"] > 21 and out["phase_error"] < 1e-3


def test_export_reduce_with_fpylll_and_finish(tmp_path):
    from fpylll import LLL, IntegerMatrix

    data = sample_exact(12, 40, labels="triangle", noise_bits=60, rng=2)
    samples_file = data.save(tmp_path / "data.npz")
    side = export_lattice(data, tmp_path / "basis.txt", samples_file=samples_file)
    assert json.loads((tmp_path / "basis.txt.json").read_text())["rows"] == side["rows"]
    B = IntegerMatrix.from_file(str(tmp_path / "basis.txt"))
    assert (B.nrows, B.ncols) == (side["rows"], side["columns"])
    LLL.reduction(B)
    (tmp_path / "reduced.txt").write_text(str(B) + "\n")
    got, report = finish_reduced(tmp_path / "reduced.txt", tmp_path / "basis.txt")
    assert report["status"] == "recovered" and report["correct"]

    # not the same lattice: a row scaled (a sublattice), a row changed, the wrong shape
    rows = [list(B[i]) for i in range(B.nrows)]
    for bad, match in (
        ([[2 * v for v in rows[0]]] + rows[1:], "sublattice"),
        ([[v + 1 for v in rows[0]]] + rows[1:], "not a basis"),
        (rows[:-1], "must be"),
    ):
        text = "[" + "\n".join("[" + " ".join(map(str, r)) + "]" for r in bad) + "\n]\n"
        (tmp_path / "bad.txt").write_text(text)
        with pytest.raises(ParameterError, match=match):
            finish_reduced(tmp_path / "bad.txt", tmp_path / "basis.txt")


def test_cli_export_and_reduced(tmp_path, capsys):
    from fpylll import LLL, IntegerMatrix

    basis = tmp_path / "b.txt"
    assert main(["attack", "--dim", "10", "--noise-bits", "80", "--samples", "d+1",
                 "--export-lattice", str(basis)]) == 0
    assert (tmp_path / "b.txt.json").exists() and (tmp_path / "b.txt.samples.npz").exists()
    B = IntegerMatrix.from_file(str(basis))
    LLL.reduction(B)
    (tmp_path / "r.txt").write_text(str(B) + "\n")
    capsys.readouterr()
    assert main(["attack", "--reduced", str(tmp_path / "r.txt"), "--lattice", str(basis),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "recovered"


@pytest.mark.parametrize("argv,word", [
    (["attack", "--dim", "10", "--noise-bits", "80", "--samples", "d"], "samples"),
    (["attack", "--dim", "10", "--noise-bits", "80", "--export-lattice",
      "/proc/hardlearn-x/b.txt"], "/proc/hardlearn-x/b.txt"),
    (["attack", "--reduced", "r.txt"], "--lattice"),
    (["attack", "--reduced", "missing.txt", "--lattice", "missing.txt"], "missing.txt"),
])
def test_cli_bad_input_is_one_line(argv, word, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert word in err and err.count("\n") == 1
    assert not list(tmp_path.glob("*.txt*"))  # nothing half written
