"""Shared test configuration: headless matplotlib, and a CLI runner that captures output."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def cli():
    """Run ``hardlearn`` in-process: returns (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    from hardlearn.cli import app
    from hardlearn.errors import HardlearnError

    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(app, [str(a) for a in args])
        if isinstance(result.exception, HardlearnError):
            # What hardlearn.cli.main does: one line on stderr, exit status 2.
            return 2, result.stdout, f"error: {result.exception}"
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return invoke
