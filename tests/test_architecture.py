"""The package's shape: the library never imports the command line, no import circles, no
module over about 500 lines without a reason written at its top.

All three checks read the source with :mod:`ast` (nothing is imported), so they see lazy
imports inside functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hardlearn

SRC = Path(hardlearn.__file__).resolve().parent
PACKAGE = "hardlearn"

#: Lines a module may have before its docstring must say why it is longer (a ``Size:`` line).
MAX_LINES = 500

#: Library modules that still import hardlearn.cli, each with the plan that removes it.
#: The test fails when an entry is no longer needed, so the list only shrinks.
KNOWN_CLI_IMPORTS: dict[str, str] = {}

#: Modules over MAX_LINES that carry no ``Size:`` line yet, each with who shortens it or why.
#: The test fails when an entry is no longer over the limit, so the list only shrinks.
KNOWN_LONG: dict[str, str] = {}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_pkg = MODULES[module].name == "__init__.py"
    base = module.split(".")
    base = base if is_pkg else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, *, top_level_only: bool) -> set[str]:
    """Package modules that ``module`` imports (``from a import b`` counts b if a module)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    nodes: list[ast.AST]
    if top_level_only:
        nodes = []
        for stmt in tree.body:
            if isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test):
                continue  # annotations only: never executed
            if isinstance(stmt, ast.Try):
                nodes.extend(stmt.body)
            nodes.append(stmt)
    else:
        nodes = list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES)
    return {m for m in out if m == PACKAGE or m.startswith(PACKAGE + ".")}


def _is_cli(name: str) -> bool:
    return name == "hardlearn.cli" or name.startswith("hardlearn.cli.")


def test_the_library_never_imports_the_command_line():
    offenders = {
        m: sorted(i for i in _imports(m, top_level_only=False) if _is_cli(i))
        for m in MODULES
        if not _is_cli(m)
    }
    offenders = {m: i for m, i in offenders.items() if i}
    unexpected = {m: i for m, i in offenders.items() if m not in KNOWN_CLI_IMPORTS}
    assert not unexpected, f"library modules import hardlearn.cli: {unexpected}"
    resolved = sorted(set(KNOWN_CLI_IMPORTS) - set(offenders))
    assert not resolved, f"remove from KNOWN_CLI_IMPORTS (no longer imports the CLI): {resolved}"


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _import_graph() -> dict[str, set[str]]:
    """Module -> package modules it imports at its top level (a package's
    ``__init__`` is not counted as an edge: importing ``a.b`` runs ``a`` first anyway)."""
    graph = {}
    for m in MODULES:
        deps = _imports(m, top_level_only=True) & set(MODULES)
        graph[m] = {d for d in deps if d != m and not m.startswith(d + ".")}
    return graph


def test_cycle_finder_finds_a_planted_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_between_package_modules():
    graph = _import_graph()
    assert graph["hardlearn.experiments.spec"], "the scan found no imports; it is broken"
    assert _find_cycle(graph) is None, f"import cycle: {' -> '.join(_find_cycle(graph))}"


def test_no_module_is_long_without_a_reason():
    long = []
    for name, path in MODULES.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if not any(line.strip().startswith("Size:") for line in doc.splitlines()):
            long.append(name)
    unexpected = sorted(set(long) - set(KNOWN_LONG))
    assert not unexpected, (
        f"modules over {MAX_LINES} lines without a 'Size:' line in their docstring: {unexpected}"
    )
    shortened = sorted(set(KNOWN_LONG) - set(long))
    assert not shortened, f"remove from KNOWN_LONG (now short or explained): {shortened}"
