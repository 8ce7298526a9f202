"""The HTML pages in a real browser: headless Chromium at 1400 px and 800 px.

At both widths the page must not overflow horizontally (wide tables scroll inside their own
box) and every image must have loaded. Skipped only where no Chromium is installed
(``apt-get install chromium`` on Debian; CI without it skips).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hardlearn.cli import main
from hardlearn.experiments.report import write_report

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
WIDTHS = (1400, 800)

#: Appended to a copy of the page: after load, measure and write the result into the DOM,
#: which ``--dump-dom`` prints. An element overflows when its right edge passes the window,
#: unless it sits inside a box that scrolls (``.scroll`` tables, ``pre``).
PROBE = """<script>
window.addEventListener("load", function () {
  var w = window.innerWidth, over = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.closest(".scroll") && !el.classList.contains("scroll")) return;
    if (el.closest("pre") && el.tagName !== "PRE") return;
    var r = el.getBoundingClientRect();
    if (r.right > w + 1) over.push(el.tagName + "." + el.className + ":" + Math.round(r.right));
  });
  var imgs = Array.prototype.slice.call(document.images);
  var out = {width: w, scroll: document.documentElement.scrollWidth, overflowing: over,
             images: imgs.length,
             loaded: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length};
  var pre = document.createElement("pre"); pre.id = "layout-probe";
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script>"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


needs_chromium = pytest.mark.skipif(_chromium() is None,
                                    reason="no headless Chromium on this machine")


def layout(page: Path, width: int, tmp_path: Path) -> dict:
    """Load ``page`` at ``width`` px in headless Chromium and return the probe's numbers."""
    probed = tmp_path / f"probe-{width}-{page.name}"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
                      encoding="utf-8")
    done = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={width},1000", "--virtual-time-budget=10000", "--dump-dom",
         probed.as_uri()],
        check=True, capture_output=True, text=True, timeout=120,
    )
    found = re.search(r'id="layout-probe">([^<]*)<', done.stdout)
    assert found, f"the probe did not run; chromium printed {done.stdout[:300]!r}"
    return json.loads(found.group(1).replace("&quot;", '"'))


def check_page(page: Path, tmp_path: Path) -> None:
    for width in WIDTHS:
        got = layout(page, width, tmp_path)
        assert got["width"] == width
        assert got["scroll"] <= width, f"page scrolls sideways at {width} px: {got}"
        assert got["overflowing"] == [], f"elements overflow at {width} px: {got}"
        assert got["images"] > 0 and got["loaded"] == got["images"], got


@needs_chromium
def test_probe_catches_an_overflowing_page(tmp_path):
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><html><body><div style="width:2000px">x</div>'
                    '<img src="missing.png"></body></html>')
    got = layout(page, 800, tmp_path)
    assert got["scroll"] > 800 and got["overflowing"]
    assert got["loaded"] < got["images"]


@needs_chromium
def test_sweep_report_fits_1400_and_800_px(tmp_path):
    run = tmp_path / "run"
    assert main(["sweep", str(EXAMPLES / "smoke.toml"), "--out", str(run), "-q"]) == 0
    check_page(write_report(run), tmp_path)

# The demo page is checked in test_demo.py, on the quick demo that file runs once.
