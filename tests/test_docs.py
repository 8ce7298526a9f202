"""The documentation site: built from a copy of docs/ and examples/gallery/ with warnings as
errors, then read back.

"Public" is what the package's modules export: every module with no part of its dotted name
starting with ``_``, and the names in its ``__all__`` (a module without ``__all__``: the names
it defines that do not start with ``_``). Each must have a page: an element whose id is the
object's full name (where it is defined, or where it is exported), and the page of every
module that exports it must link there. The browser checks run where headless Chromium is
installed and skip elsewhere. Those tests are slow: the build runs the gallery and autodoc
imports everything (``make docs`` is the same build). One fast test parses every public
docstring the way the site renders it (numpydoc, then docutils), so a docstring that would
break ``make docs`` fails the default suite too.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hardlearn

NO_DOCS = "the docs extra is not installed: pip install -e '.[docs]'"

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ("_build", "api", "auto_examples", "_generated", "sg_execution_times.rst")
ID = re.compile(r'\bid="([^"]+)"')
HREF = re.compile(r'\bhref="([^"]+)"')


def public_exports() -> dict[str, dict[str, object]]:
    """{module: {name: object}} for every public module of the package."""
    names = ["hardlearn"] + [m.name for m in pkgutil.walk_packages(hardlearn.__path__,
                                                                    "hardlearn.")]
    out = {}
    for name in names:
        if any(part.startswith("_") for part in name.split(".")):
            continue
        module = importlib.import_module(name)
        if hasattr(module, "__all__"):
            exported = list(module.__all__)
        else:
            exported = [n for n, v in vars(module).items() if not n.startswith("_")
                        and not inspect.ismodule(v)
                        and getattr(v, "__module__", name) == name]
        out[name] = {n: getattr(module, n) for n in exported}
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    for name in ("sphinx", "numpydoc", "sphinx_gallery", "myst_parser"):
        pytest.importorskip(name, reason=NO_DOCS)
    work = tmp_path_factory.mktemp("docs")
    shutil.copytree(ROOT / "docs", work / "docs", ignore=shutil.ignore_patterns(*GENERATED))
    shutil.copytree(ROOT / "examples" / "gallery", work / "examples" / "gallery")
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(Path(hardlearn.__file__).parents[1]),
                                           os.environ.get("PYTHONPATH", "")]))
    html = work / "html"
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(work / "docs"), str(html)],
        capture_output=True, text=True, env=env, timeout=1500,
    )
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stdout[-3000:]}\n" \
                                 f"{done.stderr[-6000:]}"
    return html


def _ids_and_links(html: Path) -> tuple[dict[str, list[Path]], dict[Path, set[str]]]:
    ids: dict[str, list[Path]] = {}
    links: dict[Path, set[str]] = {}
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for found in ID.findall(text):
            ids.setdefault(found, []).append(page)
        links[page] = {(page.parent / h.split("#")[0]).resolve().as_posix() + "#"
                       + h.split("#", 1)[1] for h in HREF.findall(text) if "#" in h
                       and not h.startswith(("http:", "https:"))}
    return ids, links


def _candidates(module: str, name: str, obj: object, exports) -> list[str]:
    """The full names under which ``module.name`` may be documented."""
    if inspect.ismodule(obj):
        return [f"module-{obj.__name__}"]
    found = []
    home = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None)
    if (inspect.isclass(obj) or inspect.isfunction(obj)) and home in exports \
            and qual in exports[home]:
        found.append(f"{home}.{qual}")
    found.append(f"{module}.{name}")
    found += [f"{m}.{n}" for m, names in exports.items() for n, v in names.items()
              if v is obj and (m, n) != (module, name)]
    return found


@pytest.mark.slow
def test_every_public_name_has_a_page_linked_from_its_module(site):
    exports = public_exports()
    ids, links = _ids_and_links(site)
    missing, unlinked = [], []
    for module, names in exports.items():
        page = site / "api" / f"{module}.html"
        assert page in ids.get(f"module-{module}", []), module
        for name, obj in names.items():
            where = [c for c in _candidates(module, name, obj, exports) if c in ids]
            if not where:
                missing.append(f"{module}.{name}")
                continue
            targets = {p.resolve().as_posix() + "#" + where[0] for p in ids[where[0]]}
            if not targets & links[page] and not inspect.ismodule(obj):
                unlinked.append(f"{module}.{name} -> {where[0]}")
    count = sum(len(n) for n in exports.values())
    assert count > 200 and not missing, f"no page for {missing}"
    assert not unlinked, f"module pages that do not link their names: {unlinked}"


@pytest.mark.slow
def test_front_page_mathematics_architecture_cli_and_gallery(site):
    front = (site / "index.html").read_text(encoding="utf-8")
    for page in ("mathematics.html", "architecture.html", "cli.html", "api/index.html",
                 "auto_examples/index.html"):
        assert f'href="{page}' in front, page
    maths = (site / "mathematics.html").read_text(encoding="utf-8")
    assert "The mathematics hardlearn implements" in maths and "CLWE" in maths
    cli = (site / "cli.html").read_text(encoding="utf-8")
    import typer.main

    from hardlearn.cli import build_app

    for command in typer.main.get_command(build_app()).commands:
        assert f"Usage: hardlearn {command}" in cli, command
    scripts = sorted((ROOT / "examples" / "gallery").glob("plot_*.py"))
    assert len(scripts) >= 3
    for script in scripts:
        page = (site / "auto_examples" / f"{script.stem}.html").read_text(encoding="utf-8")
        images = re.findall(r'<img[^>]+src="([^"]+\.png)"', page)
        assert images, f"{script.name} drew no figure"
        for src in images:
            png = (site / "auto_examples" / src).resolve()
            assert png.stat().st_size > 10_000, png


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="no headless Chromium on this machine")
@pytest.mark.parametrize("page, title", [
    ("index.html", "hardlearn"),
    ("api/generated/hardlearn.problems.clwe.CLWE.html", "hardlearn.problems.clwe.CLWE"),
])
def test_pages_render_in_chromium(site, tmp_path, page, title):
    import matplotlib.image

    args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=1200,900", "--virtual-time-budget=5000"]
    url = (site / page).as_uri()
    dom = subprocess.run([*args, "--dump-dom", url], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", dom, re.S)
    assert heading and title in re.sub(r"<[^>]+>", "", heading.group(1)), dom[:500]
    shot = tmp_path / "shot.png"
    subprocess.run([*args, f"--screenshot={shot}", url], capture_output=True, timeout=120,
                   check=True)
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (900, 1200)
    # Rendered text and styles: many distinct grey levels, not a blank page.
    assert pixels[..., :3].std() > 0.05 and len(set(pixels[::7, ::7, 0].ravel())) > 20


def _documented_objects() -> dict[str, object]:
    """Every module, public name and public method or property the site renders."""
    out: dict[str, object] = {}
    for module, names in public_exports().items():
        out[module] = importlib.import_module(module)
        for obj in names.values():
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            full = f"{obj.__module__}.{obj.__qualname__}"
            out[full] = obj
            for key, value in vars(obj).items() if inspect.isclass(obj) else ():
                func = value.fget if isinstance(value, property) else getattr(
                    value, "__func__", value)
                if not key.startswith("_") and (inspect.isfunction(func)
                                                or isinstance(value, property)):
                    out[f"{full}.{key}"] = func
    return out


def test_every_public_docstring_is_valid_restructuredtext():
    """numpydoc turns each docstring into reStructuredText, as on the site; docutils must
    parse it without a warning (Sphinx's cross-reference roles stand in as literals)."""
    pytest.importorskip("numpydoc", reason=NO_DOCS)
    import io
    import warnings

    import docutils.core
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles
    from numpydoc.docscrape_sphinx import get_doc_object

    for role in ("class", "func", "meth", "mod", "data", "attr", "obj", "exc", "ref", "term"):
        roles.register_generic_role(role, nodes.literal)
        roles.register_generic_role(f"py:{role}", nodes.literal)

    class Skipped(Directive):  # Sphinx-only directives numpydoc may write (See Also, ...)
        has_content, optional_arguments, final_argument_whitespace = True, 9, True
        option_spec = {name: directives.unchanged for name in ("toctree", "nosignatures")}

        def run(self):
            return []

    for name in ("only", "autosummary", "seealso", "versionadded", "versionchanged",
                 "deprecated"):
        directives.register_directive(name, Skipped)
    objects = _documented_objects()
    bad = []
    for name, obj in objects.items():
        doc = inspect.getdoc(obj)
        if not doc:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Unknown section" of a module
            text = str(get_doc_object(obj, doc=doc, config={"show_class_members": False}))
        stream = io.StringIO()
        docutils.core.publish_doctree(text, settings_overrides={
            "report_level": 2, "halt_level": 5, "warning_stream": stream})
        if stream.getvalue().strip():
            bad.append(f"{name}: {stream.getvalue().strip()}")
    assert len(objects) > 300
    assert not bad, "\n".join(bad)
