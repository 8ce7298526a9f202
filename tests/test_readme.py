"""The README's Python quick start runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_opens_with_the_two_commands():
    head = README.read_text().splitlines()[:10]
    assert any("make demo" in line for line in head)
    assert any("make test" in line for line in head)


def test_readme_quick_start_runs(capsys):
    blocks = python_blocks()
    assert blocks, "README has no python block"
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
