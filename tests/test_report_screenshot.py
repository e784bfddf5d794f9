"""The demo report rendered in headless Chromium: nothing wider than the window.

Runs only where Debian's chromium is installed (``apt-get install chromium``); CI does not
install it, so ``tests/test_report.py`` checks the structure without a browser. By hand::

    acsi demo --out /tmp/r.html
    chromium --headless --no-sandbox --disable-gpu --screenshot=/tmp/r.png \\
        --window-size=1280,4000 file:///tmp/r.html
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]

# Measures, after layout, every element that sticks out of the viewport (elements inside a
# horizontally scrolling table box are allowed to be wider: the box scrolls), and images
# wider than their section.
PROBE = """
<script>
(function () {
  var vw = document.documentElement.clientWidth, bad = [];
  document.querySelectorAll('body *').forEach(function (el) {
    if (el.closest('.scroll') && !el.classList.contains('scroll')) return;
    if (el.tagName === 'SCRIPT') return;
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 1 || r.left < -1))
      bad.push(el.tagName + '.' + el.className + ':' + Math.round(r.right));
    else if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible')
      bad.push(el.tagName + '.' + el.className + ' content ' + el.scrollWidth + '>' + el.clientWidth);
  });
  var imgs = [];
  document.querySelectorAll('img').forEach(function (im) {
    var s = im.closest('section').getBoundingClientRect();
    if (im.getBoundingClientRect().width > s.width) imgs.push(im.alt);
  });
  var out = {vw: vw, sw: document.documentElement.scrollWidth, bad: bad, imgs: imgs,
             small: Array.from(document.querySelectorAll('td,th,p,li')).filter(function (e) {
               return parseFloat(getComputedStyle(e).fontSize) < 11; }).length};
  var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


@pytest.fixture(scope="module")
def report_html() -> str:
    import matplotlib

    matplotlib.use("Agg")
    from acsi.report import demo_report

    return demo_report(bootstrap=200, seed=1).html


def _chromium(args: list[str]) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("width", [1280, 760])
def test_nothing_overflows_the_window(report_html: str, tmp_path: Path, width: int) -> None:
    page = tmp_path / "probe.html"
    page.write_text(report_html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    proc = _chromium([f"--window-size={width},3000", "--virtual-time-budget=5000", "--dump-dom",
                      page.as_uri()])
    m = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, proc.stderr[-2000:]
    out = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert out["bad"] == []
    assert out["sw"] <= out["vw"]  # no horizontal page scrollbar
    assert out["imgs"] == []
    assert out["small"] == 0  # no text below 11 px


def test_screenshot_is_written(report_html: str, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    page.write_text(report_html, encoding="utf-8")
    shot = tmp_path / "r.png"
    _chromium([f"--screenshot={shot}", "--window-size=1280,4000", page.as_uri()])
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
