"""Sphinx helpers for the hardlearn site: the API pages, the command line, the gallery scraper.

What "public" means here (and in ``tests/test_docs.py``): a module is public when no part of
its dotted name starts with ``_``; its public names are its ``__all__`` (a module without
``__all__`` exports the names it defines that do not start with ``_``). Every public name
gets a page: at its defining module when that module is public and exports it, otherwise at
the first public module that exports it. The other modules that re-export it link there.

The pages are written into ``api/`` of the source directory when the build starts (before
autosummary reads them and writes one stub per name into ``api/generated/``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from pathlib import Path
from typing import Any

PACKAGE = "hardlearn"
API_DIR = "api"


def public_modules(package: str = PACKAGE) -> list[str]:
    """Dotted names of the package's public modules, the package first, then sorted."""
    root = importlib.import_module(package)
    names = [m.name for m in pkgutil.walk_packages(root.__path__, f"{package}.")]
    public = [n for n in names if not any(part.startswith("_") for part in n.split("."))]
    return [package, *sorted(public)]


def exported_names(module: Any) -> list[str]:
    """The public names of ``module``: its ``__all__``, or what it defines without a ``_``."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        n for n, v in vars(module).items()
        if not n.startswith("_") and not inspect.ismodule(v)
        and getattr(v, "__module__", module.__name__) == module.__name__
    ]


def _is_code(obj: Any) -> bool:
    return inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj)


def homes(package: str = PACKAGE) -> dict[tuple[str, str], str]:
    """Map each (module, public name) to the full name of the page that documents it."""
    modules = {m: importlib.import_module(m) for m in public_modules(package)}
    exports = {m: exported_names(mod) for m, mod in modules.items()}
    out: dict[tuple[str, str], str] = {}
    # Data: the deepest public module exporting the same object (the one that defines it).
    by_id: dict[int, str] = {}
    for m in sorted(modules, key=lambda m: (-m.count("."), m)):
        for n in exports[m]:
            obj = getattr(modules[m], n)
            if not _is_code(obj) and not inspect.ismodule(obj):
                by_id.setdefault(id(obj), f"{m}.{n}")
    for m, names in exports.items():
        for n in names:
            obj = getattr(modules[m], n)
            if inspect.ismodule(obj):
                out[(m, n)] = obj.__name__
            elif _is_code(obj):
                where = getattr(obj, "__module__", None)
                qual = getattr(obj, "__qualname__", n)
                if where in exports and qual in exports[where]:
                    out[(m, n)] = f"{where}.{qual}"
                else:
                    out[(m, n)] = f"{m}.{n}"
            else:
                out[(m, n)] = by_id[id(obj)]
    return out


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def module_page(module: str, names: list[str], home: dict[tuple[str, str], str],
                submodules: list[str]) -> str:
    """The reStructuredText of one module's page."""
    mod = importlib.import_module(module)
    here = [n for n in names if home[(module, n)] == f"{module}.{n}"
            and not inspect.ismodule(getattr(mod, n))]
    elsewhere = [n for n in names if n not in here]
    lines = [_title(f"``{module}``"), f".. automodule:: {module}", ""]
    if here:
        lines += [".. rubric:: Defined here", "", ".. autosummary::", "   :toctree: generated/",
                  "   :nosignatures:", "", *(f"   {n}" for n in here), ""]
    if elsewhere:
        lines += [".. rubric:: Re-exported here", ""]
        for n in elsewhere:
            target = home[(module, n)]
            role = "mod" if inspect.ismodule(getattr(mod, n)) else "obj"
            lines.append(f"* :py:{role}:`{n} <{target}>` (``{target}``)")
        lines.append("")
    if submodules:
        lines += [".. rubric:: Submodules", "", ".. toctree::", "   :maxdepth: 1", "",
                  *(f"   {s}" for s in submodules), ""]
    return "\n".join(lines)


def write_api_pages(srcdir: Path, package: str = PACKAGE) -> list[str]:
    """Write ``api/<module>.rst`` for every public module; return the module names."""
    target = srcdir / API_DIR
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    mods = public_modules(package)
    home = homes(package)
    for m in mods:
        names = exported_names(importlib.import_module(m))
        children = [s for s in mods if s.rsplit(".", 1)[0] == m and s != m]
        (target / f"{m}.rst").write_text(module_page(m, names, home, children))
    (target / "index.rst").write_text("\n".join([
        _title("API reference"),
        "Every public module and name of the package, generated from the docstrings. Modules "
        "list the names they define (each with its own page) and the names they re-export "
        "(linked to where they are defined). The top-level package re-exports the names most "
        "programs need.",
        "", ".. toctree::", "   :maxdepth: 1", "", f"   {package}",
        *(f"   {s}" for s in mods if s.count(".") == 1), "",
    ]))
    return mods


def _help_sections(command: Any, path: list[str], depth: int) -> list[str]:
    from typer.testing import CliRunner

    runner = CliRunner()
    from hardlearn.cli import build_app

    result = runner.invoke(build_app(), [*path, "--help"], env={"COLUMNS": "96"})
    if result.exit_code != 0:
        raise RuntimeError(f"hardlearn {' '.join(path)} --help failed: {result.output}")
    underline = "=-~^"[depth]
    title = " ".join(["hardlearn", *path])
    lines = [_title(f"``{title}``", underline), ".. code-block:: text", ""]
    lines += [f"   {line}".rstrip() for line in result.output.splitlines()]
    lines.append("")
    children = getattr(command, "commands", {})
    for name in children:
        lines += _help_sections(children[name], [*path, name], depth + 1)
    return lines


def write_cli_page(srcdir: Path) -> None:
    """Write ``_generated/cli_commands.inc``: the ``--help`` text of every command.

    Typer reads ``TYPER_USE_RICH`` when it is first imported; conf.py sets it to 0 so the
    text is Click's plain layout.
    """
    import typer.main

    from hardlearn.cli import build_app

    group = typer.main.get_command(build_app())
    lines: list[str] = []
    for name in group.commands:
        lines += _help_sections(group.commands[name], [name], 1)
    target = srcdir / "_generated"
    target.mkdir(exist_ok=True)
    (target / "cli_commands.inc").write_text("\n".join(lines))


def _on_config_inited(app: Any, config: Any) -> None:
    write_api_pages(Path(app.srcdir))
    write_cli_page(Path(app.srcdir))
    app.hardlearn_aliases = {f"{m}.{n}": target for (m, n), target in homes().items()
                                     if target != f"{m}.{n}"}


def _resolve_alias(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a cross-reference to a re-exported name (``hardlearn.CLWE``) to the page of
    the object (``hardlearn.problems.clwe.CLWE``)."""
    if node.get("refdomain") != "py":
        return None
    target = getattr(app, "hardlearn_aliases", {}).get(node.get("reftarget"))
    if target is None:
        return None
    found = env.get_domain("py").resolve_any_xref(env, node["refdoc"], app.builder, target,
                                                  node, contnode)
    return found[0][1] if found else None


def figure_scraper(block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:
    """sphinx-gallery scraper for the :class:`matplotlib.figure.Figure` objects an example
    holds in its globals (the package's plot functions return figures without pyplot)."""
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    seen = block_vars.setdefault("_hardlearn_seen", set())
    paths = []
    for value in list(block_vars["example_globals"].values()):
        if isinstance(value, Figure) and id(value) not in seen:
            seen.add(id(value))
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=96)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


def _drop_type_docstring(app: Any, what: str, name: str, obj: Any, options: Any,
                         lines: list[str]) -> None:
    """A constant without a ``#:`` comment would show its type's docstring (``int``'s,
    ``Typer``'s): show none instead."""
    if what in ("data", "attribute") and not _is_code(obj) and lines:
        own = inspect.cleandoc(type(obj).__doc__ or "")
        if own and "\n".join(lines).strip() == own.strip():
            lines.clear()


def _skip_foreign_member(app: Any, what: str, name: str, obj: Any, skip: bool,
                         options: Any) -> bool | None:
    """Leave out class members that other packages put there (scikit-learn's generated
    ``set_fit_request``); inherited members are not documented either."""
    module = getattr(obj, "__module__", None)
    if what in ("class", "exception") and callable(obj) and module is not None \
            and not module.startswith(f"{PACKAGE}.") and module != PACKAGE:
        return True
    return None


def setup(app: Any) -> dict[str, Any]:
    app.connect("autodoc-skip-member", _skip_foreign_member)
    app.connect("missing-reference", _resolve_alias)
    app.connect("autodoc-process-docstring", _drop_type_docstring, priority=100)
    # Before Sphinx lists the source files (and autosummary reads them to write its stubs).
    app.connect("config-inited", _on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
