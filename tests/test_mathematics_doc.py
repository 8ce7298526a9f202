"""docs/mathematics.md: every module and test it names exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "mathematics.md").read_text()


def test_sections_are_numbered_one_to_eight():
    numbers = [int(n) for n in re.findall(r"^## (\d+)\. ", DOC, flags=re.M)]
    assert numbers == list(range(1, 9))


def test_every_module_named_exists():
    names = set(re.findall(r"`(hardlearn(?:\.[A-Za-z_]+)+)", DOC))
    assert len(names) > 10
    for name in sorted(names):
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):  # a module, or an attribute of one
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
            break
        else:
            raise AssertionError(f"{name} does not exist")


def test_every_test_named_exists():
    files = set(re.findall(r"`(tests/test_[a-z_]+\.py)`", DOC))
    assert files
    for f in files:
        assert (ROOT / f).is_file(), f
    sources = "\n".join((ROOT / f).read_text() for f in files)
    named = set(re.findall(r"`(test_[a-z0-9_]+)`", DOC))
    assert len(named) > 20
    for name in named:
        assert f"def {name}(" in sources, name
