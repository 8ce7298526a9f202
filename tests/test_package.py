"""Packaging: one version, the files a depender expects, `hardlearn --version`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

import hardlearn

ROOT = Path(__file__).resolve().parents[1]


def test_version_has_one_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "hardlearn.__version__"}
    citation = (ROOT / "CITATION.cff").read_text()
    assert f'version: "{hardlearn.__version__}"' in citation


def test_license_citation_changelog_and_typed_marker_exist():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert (ROOT / "CHANGELOG.md").is_file()
    assert (ROOT / "src" / "hardlearn" / "py.typed").is_file()
    citation = (ROOT / "CITATION.cff").read_text()
    for ref in ("arXiv:2410.03477", "Continuous LWE", "Single Periodic Neurons"):
        assert ref in citation


def test_core_dependencies_and_lower_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    core = {d.split(">=")[0].split("[")[0]: d for d in project["project"]["dependencies"]}
    assert set(core) == {"numpy", "scipy", "scikit-learn", "threadpoolctl", "typer", "rich"}
    assert core["scikit-learn"].startswith("scikit-learn>=1.6")
    assert any(r.startswith("setuptools>=77") for r in project["build-system"]["requires"])


def test_cli_version():
    from hardlearn.cli import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"hardlearn {hardlearn.__version__}"
