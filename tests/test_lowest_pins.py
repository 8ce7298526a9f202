"""tools/lowest_pins.py: the constraints `make test-lowest` installs."""

import importlib.util
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("lowest_pins", ROOT / "tools" / "lowest_pins.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pins_of_this_pyproject_follow_every_extra_and_skip_torch():
    tool = _tool()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = tool.lowest_pins(pyproject, ["all", "dev", "docs"], {"torch"})  # as the Makefile
    declared = {}
    reqs = list(pyproject["project"]["dependencies"])
    for items in pyproject["project"]["optional-dependencies"].values():
        reqs += [r for r in items if not r.startswith("hardlearn")]
    reqs += pyproject["build-system"]["requires"]
    for req in reqs:
        name, _, low = tool._parse(req)
        if low is not None and name != "torch":
            declared[name] = low
    assert pins == declared
    assert "torch" not in pins and "hardlearn" not in pins
    assert pins["dask"] == pyproject["project"]["optional-dependencies"]["dask"][0].split(">=")[1]


def test_parse_reads_extras_markers_and_ranges():
    tool = _tool()
    assert tool._parse("dask[distributed]>=2024.1") == ("dask", ["distributed"], "2024.1")
    assert tool._parse("Jinja2 >= 3.1, <4 ; python_version >= '3.11'") == ("jinja2", [], "3.1")
    assert tool._parse("wheel") == ("wheel", [], None)


def test_self_reference_and_unknown_extra():
    tool = _tool()
    pyproject = {
        "project": {
            "name": "pkg",
            "dependencies": ["numpy>=2.0"],
            "optional-dependencies": {"a": ["scipy>=1.13"], "all": ["pkg[a]", "rich"]},
        }
    }
    assert tool.lowest_pins(pyproject, ["all"], set()) == {"numpy": "2.0", "scipy": "1.13"}
    assert tool.lowest_pins(pyproject, [], set()) == {"numpy": "2.0"}
    with pytest.raises(ValueError, match="extra 'b'"):
        tool.lowest_pins(pyproject, ["b"], set())
