"""The benchmark scripts still fit the package: their imports and the attributes they reach.

``make bench`` runs them (minutes), the default suite does not; this check is static and fast.
It imports each script (their work sits behind ``if __name__ == "__main__"``) and resolves
every ``alias.name`` the script takes from a module it imported, so a renamed or moved
function fails here instead of in the next benchmark run.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import types
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("bench_*.py"))


def _load(path: Path) -> types.ModuleType:
    name = f"_bench_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being defined
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def test_there_are_benchmarks():
    assert len(BENCHMARKS) >= 5


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.stem)
def test_benchmark_imports_and_module_attributes_resolve(path):
    module = _load(path)
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"
    tree = ast.parse(path.read_text())
    missing = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = getattr(module, node.value.id, None)
            if isinstance(owner, types.ModuleType) and owner.__name__.startswith("hardlearn"):
                if not hasattr(owner, node.attr):
                    missing.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
    assert not missing, f"{path.name} uses names its modules no longer have: {missing}"
