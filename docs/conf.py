"""Sphinx configuration of the hardlearn documentation site (``make docs``).

The API pages are generated from the package's public names (docs/_ext/hardlearn_api.py),
the command line from the Typer application (each command's ``--help``), and the gallery
by running the scripts of examples/gallery/ at build time (sphinx-gallery). Warnings are
errors (``-W``, set by ``make docs`` and the test).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
# The command-line page shows Click's plain --help layout (read when typer is imported).
os.environ.setdefault("TYPER_USE_RICH", "0")
# The gallery's small fits on a loaded two-core machine: one BLAS thread was 3x faster than
# the default (plot_advantage_curve.py, 7.6 s against 21.7 s, load 10). Read when numpy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import hardlearn  # noqa: E402  (after the path: the extension modules import it too)

project = "hardlearn"
author = "the hardlearn authors"
copyright = "the hardlearn authors, MIT licence"  # noqa: A001  (Sphinx's name)
version = release = hardlearn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "hardlearn_api",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "_generated"]
templates_path = ["_templates"]

html_theme = "alabaster"
html_title = f"hardlearn {release}"
html_theme_options = {"description": "The hardness of learning one-hidden-layer ReLU networks, "
                                     "as measured software", "page_width": "1100px"}

autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_member_order = "bysource"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples" / "gallery"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"plot_",
    "abort_on_example_error": True,
    "image_scrapers": ("hardlearn_api.figure_scraper",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
}
