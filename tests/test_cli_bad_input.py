"""Bad input through the real entry point: one line on stderr, exit 2 (1 at runtime), no traceback.

Every case runs :func:`hardlearn.cli.main` in-process, exactly as the ``hardlearn`` script
does, and checks the exit status, that stderr holds exactly one line naming what was wrong,
and that no traceback escaped. The inputs are the ones an adversarial run of the command
line found (issues 15 and 18): unusable output paths, crafted data files, empty, corrupt and
foreign stores, negative seeds, non-UTF-8 sweep files, absurd sizes and budgets, and labels
holding rich markup or TeX.
"""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest

from hardlearn.cli import main

_SWEEP_OK = """task = "selftest"
root_seed = 1
[grid]
x = [1.0, 2.0]
[[learners]]
name = "a"
label = "[/x]"
[[learners]]
name = "b"
label = '$\\frac{x$'
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Crafted inputs, and one real run directory whose learner labels are hostile."""
    w = tmp_path_factory.mktemp("bad")
    (w / "empty").mkdir()
    (w / "empty" / "results.sqlite").write_bytes(b"")
    (w / "corrupt").mkdir()
    (w / "corrupt" / "results.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x13" * 200)
    (w / "foreign").mkdir()
    conn = sqlite3.connect(w / "foreign" / "results.sqlite")
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    (w / "text.npz").write_text("hello, not a zip archive")
    np.save(w / "arr.npy", np.eye(2))
    os.rename(w / "arr.npy", w / "arr.npz")
    np.savez(w / "metalist.npz", y=np.zeros(3), __hardlearn__=np.array("[1, 2]"))
    np.savez(w / "metanum.npz", y=np.zeros(3), __hardlearn__=np.array("3"))
    (w / "latin1.toml").write_bytes(
        'task = "selftest"\nroot_seed = 1\nname = "caf\xe9"\n[grid]\nx = [1]\n'.encode("latin-1")
    )
    (w / "bigbudget.toml").write_text(
        'task = "selftest"\nroot_seed = 1\nbudget_seconds = 1e300\n[grid]\nx = [1]\n'
    )
    (w / "reps.toml").write_text(
        'task = "selftest"\nroot_seed = 1\nrepetitions = 100000000000\n[grid]\nx = [1]\n'
    )
    (w / "wide.toml").write_text(
        'task = "learn"\nroot_seed = 1\n[grid]\ndim = 16\nfreq = 0.5\nsamples = 100\n'
        'target = "network"\nradius = 1000000000\n[[learners]]\nname = "mean"\n'
    )
    (w / "ok.toml").write_text(_SWEEP_OK)
    code = main(["sweep", str(w / "ok.toml"), "--out", str(w / "run"), "--workers", "1",
                 "--quiet"])
    assert code == 0
    return w


# (argv with {w} for the fixture directory, exit status, text the one line must hold)
CASES = [
    # unusable output paths, on every command that writes a file
    ("sample clwe --out /proc/x.npz", 2, "/proc/x.npz"),
    ("sample clwe --out {w}/o.npz --secret-out /proc/s.npz", 2, "/proc/s.npz"),
    ("sample clwe --out {w}", 2, ".npz or .parquet"),
    ("results {w}/run --out /proc/x.txt", 2, "/proc/x.txt"),
    ("results {w}/run -f csv --out /proc/x.csv", 2, "/proc/x.csv"),
    ("results {w}/run -f parquet --out /proc/x.parquet", 2, "/proc/x.parquet"),
    ("demo --quick --out /proc/demo", 2, "/proc/demo"),
    ("plot {w}/run --x x --y value --out /proc/p.png", 2, "/proc/p.png"),
    ("report {w}/run --out /proc/r.html", 2, "/proc/r.html"),
    ("sweep {w}/ok.toml --out /proc/run", 2, "/proc/run"),
    # sizes refused before anything is allocated, with the estimate and the limit
    ("sample regression --samples 1000000000000 --out {w}/big.npz", 2, "limit"),
    ("learn --learner mean --dim 10000000", 2, "--test-samples x --dim"),
    ("sample clwe --samples 0 --out {w}/z.npz", 2, "--samples"),
    ("construct --samples 1000000000000", 2, "limit"),
    ("sweep {w}/reps.toml --out {w}/r3", 2, "trials; the limit"),
    # network width: the capped network's 4R+1 units and the MLP's hidden layer
    ("construct --radius 1000000000", 2, "capped network width 4R+1 x d"),
    ("construct --freq 1e12", 2, "capped network width 4R+1 x d"),
    ("construct --dim 1 --radius 2000000 --samples 10", 2, "grid over"),
    ("sample regression --radius 1000000000 --out {w}/w.npz", 2, "radius R = 1000000000"),
    ("learn --learner mean --radius 1000000000 --samples 10", 2, "capped network width"),
    ("learn --learner mlp --param width=1000000000000 --samples 10 --test-samples 10", 2,
     "MLPRegressor.width x d"),
    ("sweep {w}/wide.toml --out {w}/r5", 2, "capped network width 4R+1 x d"),
    # click usage errors: one line, naming the option
    ("params --dim abc", 2, "--dim"),
    ("params --dim", 2, "--dim"),
    ("params --bogus", 2, "--bogus"),
    ("bogus", 2, "bogus"),
    ("verify --seed -1", 2, "--seed"),
    ("demo --quick --seed -1 --out {w}/demo", 2, "--seed"),
    ("demo --quick --workers 0 --out {w}/demo0", 2, "--workers"),
    # errors name the parameter the user gave, not a derived one
    ("learn --learner mean --freq 0", 2, "--freq"),
    ("learn --learner mean --freq nan", 2, "--freq"),
    # stores that are empty, corrupt, foreign or missing
    ("results {w}/empty", 2, "not a hardlearn results store"),
    ("results {w}/corrupt", 2, "results.sqlite"),
    ("results {w}/foreign", 2, "not a hardlearn results store"),
    ("results {w}/nothing", 2, "results.sqlite is missing"),
    ("plot {w}/empty --x x --y value --out {w}/p.png", 2, "not a hardlearn results store"),
    ("report {w}/corrupt", 2, "results.sqlite"),
    ("report {w}/foreign", 2, "not a hardlearn results store"),
    ("results {w}/run --status bogus", 2, "--status"),
    # crafted data files
    ("attack --data {w}/text.npz", 2, "not an .npz file"),
    ("attack --data {w}/arr.npz", 2, "not an .npz file"),
    ("attack --data {w}/metalist.npz", 2, "metadata"),
    ("attack --data {w}/metanum.npz", 2, "metadata"),
    # sweep files
    ("sweep {w}/latin1.toml --out {w}/r1", 2, "not UTF-8"),
    ("sweep {w}/bigbudget.toml --out {w}/r2", 2, "budget_seconds"),
    ("sweep {w}/ok.toml --out {w}/r4 --executor dask --scheduler bogus", 2, "--scheduler"),
]


@pytest.mark.parametrize("line, status, needle", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line(files, capsys, line, status, needle):
    argv = [part.replace("{w}", str(files)) for part in line.split()]
    code = main(argv)
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert code == status, captured.err
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ") and needle in lines[0], lines[0]


def test_hostile_labels_are_shown_as_written(files, capsys, tmp_path):
    """Labels with rich markup and broken TeX reach results, plot and report unharmed."""
    assert main(["results", str(files / "run")]) == 0
    out = capsys.readouterr().out
    assert "[/x]" in out and "$\\frac{x$" in out
    assert main(["plot", str(files / "run"), "--x", "x", "--y", "value",
                 "--out", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 0
    assert main(["report", str(files / "run"), "--out", str(tmp_path / "r.html")]) == 0
    assert "[/x]" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_reading_a_store_changes_nothing(files, tmp_path):
    """results opens stores read-only: a foreign database is not switched to WAL mode."""
    db = tmp_path / "foreign" / "results.sqlite"
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    assert main(["results", str(db.parent)]) == 2
    assert db.read_bytes() == before
    mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "delete"
    assert sorted(p.name for p in db.parent.iterdir()) == ["results.sqlite"]


def test_exact_samples_with_huge_labels_round_trip(tmp_path):
    """Labels with more than 4300 decimal digits are saved and loaded exactly."""
    code = main(["attack", "--dim", "3", "--noise-bits", "14500", "--save",
                 str(tmp_path / "f.npz"), "--time-limit", "5", "--json"])
    assert code == 0
    from hardlearn.problems.exact import load_exact

    samples = load_exact(tmp_path / "f.npz")
    assert max(abs(v) for v in samples.labels).bit_length() > 14500
