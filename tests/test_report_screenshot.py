"""The reports rendered in headless Chromium at 1280 and 760 px: screenshots, nothing wider
than the window, no text under 11 px, no missing glyph.

Needs Debian's chromium (``apt-get install chromium``; ``.ci/run`` installs it, and the test
reports itself skipped where it could not). Every report in :data:`REPORTS` is checked at
every width in :data:`WIDTHS`; a new report (another language, another family) is one more
entry. The screenshots are written to ``$ACSI_SCREENSHOTS`` when set (kept for a person to
look at), else to pytest's temporary folder. By hand::

    acsi demo --out /tmp/r.html
    chromium --headless --no-sandbox --disable-gpu --screenshot=/tmp/r.png \\
        --window-size=1280,4000 file:///tmp/r.html

Missing glyphs are looked for twice: Matplotlib's "Glyph ... missing from font" warnings
while the report's figures are drawn, and in the browser, where every distinct character of
the page's text (HTML and inline SVG) is drawn on a canvas in the font of the element that
holds it and compared with the "tofu" box the browser draws for a code point no font has.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]

WIDTHS = [1280, 760]


def _demo_en() -> Any:
    from acsi.report import demo_report

    return demo_report(bootstrap=200, seed=1)


#: (id, builder) of every report checked in the browser; the builder returns a Report
REPORTS: list[tuple[str, Callable[[], Any]]] = [
    ("demo-en", _demo_en),
]

# Measures, after layout, every element that sticks out of the viewport (elements inside a
# horizontally scrolling table box are allowed to be wider: the box scrolls), images wider
# than their section, text below 11 px, and characters drawn as the missing-glyph box.
PROBE = """
<script>
(function () {
  var vw = document.documentElement.clientWidth, bad = [];
  document.querySelectorAll('body *').forEach(function (el) {
    if (el.closest('.scroll') && !el.classList.contains('scroll')) return;
    if (el.tagName === 'SCRIPT' || el.closest('svg') && el.tagName !== 'svg') return;
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 1 || r.left < -1))
      bad.push(el.tagName + '.' + el.className + ':' + Math.round(r.right));
    else if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible')
      bad.push(el.tagName + '.' + el.className + ' content ' + el.scrollWidth + '>' + el.clientWidth);
  });
  var imgs = [];
  document.querySelectorAll('img, svg').forEach(function (im) {
    var s = im.closest('section') || document.body;
    if (im.getBoundingClientRect().width > s.getBoundingClientRect().width + 1)
      imgs.push(im.getAttribute('alt') || im.tagName);
  });
  // every element holding visible text of its own, with its font
  var holders = [], small = [];
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    var node = walker.currentNode, el = node.parentElement;
    if (!el || !node.nodeValue.trim() || el.closest('script,style,#probe')) continue;
    var cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    var size = parseFloat(cs.fontSize);
    if (el.closest('svg')) {  // SVG text scales with its drawing
      var box = el.getBoundingClientRect(), svg = el.closest('svg'), vb = svg.viewBox && svg.viewBox.baseVal;
      if (vb && vb.width) size = size * svg.getBoundingClientRect().width / vb.width;
    }
    if (size < 11) small.push(el.tagName + ':' + node.nodeValue.trim().slice(0, 30) + ' (' + size.toFixed(1) + 'px)');
    holders.push([node.nodeValue, cs.fontStyle + ' ' + cs.fontWeight + ' 32px ' + cs.fontFamily]);
  }
  var canvas = document.createElement('canvas'); canvas.width = 64; canvas.height = 64;
  var ctx = canvas.getContext('2d', {willReadFrequently: true});
  function draw(ch, font) {
    ctx.clearRect(0, 0, 64, 64); ctx.font = font; ctx.textBaseline = 'top'; ctx.fillStyle = '#000';
    ctx.fillText(ch, 8, 8);
    var d = ctx.getImageData(0, 0, 64, 64).data, s = '';
    for (var i = 3; i < d.length; i += 16) s += d[i] > 127 ? '1' : '0';
    return s + '|' + ctx.measureText(ch).width.toFixed(2);
  }
  var tofu = {}, missing = {}, seen = {};
  holders.forEach(function (h) {
    var font = h[1];
    if (!(font in tofu)) tofu[font] = [draw('\\u{10FFFD}', font), draw('\\u{E0FFF}', font), draw('\\uFFFF', font)];
    Array.from(h[0]).forEach(function (ch) {
      if (/\\s/.test(ch) || seen[font + ch]) return;
      seen[font + ch] = 1;
      if (tofu[font].indexOf(draw(ch, font)) >= 0) missing[ch] = (missing[ch] || 0) + 1;
    });
  });
  var out = {vw: vw, sw: document.documentElement.scrollWidth, bad: bad, imgs: imgs, small: small,
             missing: Object.keys(missing), chars: Object.keys(seen).length};
  var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


@pytest.fixture(scope="module", params=[r[0] for r in REPORTS])
def report(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(id, HTML) of one report, built with Matplotlib's Agg backend; no glyph of its figures
    may be missing from the fonts Matplotlib found."""
    import matplotlib

    matplotlib.use("Agg")
    builder = dict(REPORTS)[request.param]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rep = builder()
    glyphs = sorted({str(w.message) for w in caught if "missing from" in str(w.message) and "Glyph" in str(w.message)})
    assert glyphs == [], glyphs[:5]
    return request.param, rep.html


def _chromium(args: list[str]) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],  # type: ignore[list-item]
                              capture_output=True, text=True, timeout=120)


def _shots(tmp_path: Path) -> Path:
    where = os.environ.get("ACSI_SCREENSHOTS")
    folder = Path(where) if where else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("width", WIDTHS)
def test_report_in_the_browser(report: tuple[str, str], tmp_path: Path, width: int) -> None:
    name, html = report
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    proc = _chromium([f"--window-size={width},3000", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()])
    m = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, proc.stderr[-2000:]
    out = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                     .replace("&gt;", ">"))
    assert out["bad"] == []
    assert out["sw"] <= out["vw"]  # no horizontal page scrollbar
    assert out["imgs"] == []
    assert out["small"] == []  # no text below 11 px
    assert out["chars"] > 40  # the glyph check saw the page's text
    assert out["missing"] == []  # every character has a glyph in some font
    # the screenshot a person looks at
    shot = _shots(tmp_path) / f"report-{name}-{width}.png"
    page.write_text(html, encoding="utf-8")
    _chromium([f"--screenshot={shot}", f"--window-size={width},4000", "--virtual-time-budget=3000", page.as_uri()])
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_the_glyph_probe_finds_a_missing_glyph(tmp_path: Path) -> None:
    """The probe itself: a private-use character no font draws is reported, Latin text is not."""
    page = tmp_path / "g.html"
    text = "<p>" + "Satisfaction and loyalty 0123456789 " * 3 + "\U000F0001</p>"
    page.write_text(f"<!DOCTYPE html><html><body>{text}{PROBE}</body></html>", encoding="utf-8")
    proc = _chromium(["--window-size=800,600", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()])
    m = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, proc.stderr[-2000:]
    out = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert out["missing"] == ["\U000F0001"]
