"""Shared test configuration: headless matplotlib, and a CLI runner that captures output."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tiny networks on a shared 2-core machine run far faster on one torch thread."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


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
