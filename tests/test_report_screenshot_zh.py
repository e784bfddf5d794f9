"""A Chinese report rendered in headless Chromium at 1280 and 760 px: nothing wider than the
window, no text under 11 px, no missing glyph (issue 13, item 9; the English demo report is
checked by ``tests/test_report_screenshot.py``, whose probe and browser call are reused).

A missing glyph is found by drawing every distinct character of the page's text on a canvas
in the page's font stack and comparing the pixels with those of an unassigned code point
(U+0378, which no font has): Chromium draws every missing glyph as the same box. A canary
U+0378 is put in the page, so the check shows it can fail.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_report_screenshot import CHROMIUM, PROBE, _chromium

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")

FILES = Path(__file__).parent / "data" / "files"

GLYPHS = """
<span id="canary">\u0378</span>
<script>
(function () {
  var c = document.createElement('canvas'); c.width = 48; c.height = 48;
  var g = c.getContext('2d');
  var fam = getComputedStyle(document.body).fontFamily;
  function pix(ch) {
    g.clearRect(0, 0, 48, 48); g.font = '28px ' + fam; g.fillText(ch, 6, 36);
    return Array.prototype.join.call(g.getImageData(0, 0, 48, 48).data, '');
  }
  var box = pix('\\u0378'), seen = {}, missing = [];
  var text = document.body.innerText;
  for (var i = 0; i < text.length; i++) {
    var ch = text[i];
    if (seen[ch] || ch.charCodeAt(0) < 128 || /\\s/.test(ch)) continue;
    seen[ch] = 1;
    if (pix(ch) === box) missing.push(ch);
  }
  var pre = document.createElement('pre'); pre.id = 'glyphs';
  pre.textContent = JSON.stringify({checked: Object.keys(seen).length, missing: missing});
  document.body.appendChild(pre);
})();
</script>
"""


@pytest.fixture(scope="module")
def zh_html() -> str:
    import matplotlib

    matplotlib.use("Agg")
    from acsi.cli import read_data, read_model_file
    from acsi.report import build_report

    data = read_data(FILES / "zh_gbk.csv")
    model, _ = read_model_file(FILES / "zh_model_bom.txt")
    return build_report(data, model, bootstrap=50, lang="zh", segment="性别", value="价值", recommend="忠诚1",
                        source="zh_gbk.csv").html


def _probe(html: str, tmp_path: Path, width: int) -> tuple[dict, dict]:
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", PROBE + GLYPHS + "</body>"), encoding="utf-8")
    proc = _chromium([f"--window-size={width},3000", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()])
    out = []
    for key in ("probe", "glyphs"):
        m = re.search(rf'<pre id="{key}">(.*?)</pre>', proc.stdout, re.S)
        assert m, proc.stderr[-2000:]
        out.append(json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&")))
    return out[0], out[1]


@pytest.mark.parametrize("width", [1280, 760])
def test_zh_report_fits_and_has_every_glyph(zh_html: str, tmp_path: Path, width: int) -> None:
    layout, glyphs = _probe(zh_html, tmp_path, width)
    assert layout["bad"] == []
    assert layout["sw"] <= layout["vw"]  # no horizontal page scrollbar
    assert layout["imgs"] == []
    assert layout["small"] == []  # no text below 11 px (the probe lists the offending nodes)
    assert glyphs["checked"] > 300  # the page's Chinese characters were all drawn
    assert glyphs["missing"] == ["\u0378"]  # only the canary


def test_zh_screenshot_is_written(zh_html: str, tmp_path: Path) -> None:
    page = tmp_path / "zh.html"
    page.write_text(zh_html, encoding="utf-8")
    shot = tmp_path / "zh.png"
    _chromium([f"--screenshot={shot}", "--window-size=760,4000", page.as_uri()])
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
