"""Chinese end to end: the catalogue, a zh report with no English sentence left, CJK labels in
charts without a missing glyph (issue 13, item 3)."""

from __future__ import annotations

import ast
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import acsi
from acsi.cli import read_data, read_model_file
from acsi.report import build_report, i18n
from acsi.report.families import METHODS, PLS_POWER_TEXT, Z_POWER_TEXT, CBSEMPart, PLSPart

FILES = Path(__file__).parent / "data" / "files"
REPORT_DIR = Path(acsi.__file__).parent / "report"

#: Words a Chinese report may keep in Latin letters: statistics' names, methods, software,
#: cited authors and the code a user types.
ALLOWED = {
    "ACSI", "PLS", "CB-SEM", "SEM", "NPS", "HTMT", "AVE", "IPMA", "CFI", "TLI", "RMSEA", "SRMR", "GFI", "AGFI",
    "AIC", "BIC", "ML", "MLR", "alpha", "omega", "rho_A", "rho_C", "Cronbach's", "Mode", "A", "F", "R", "z", "t", "p",
    "df", "f", "n", "CI", "sig", "std_all", "acsi", "seminr", "lavaan", "sem", "Fornell-Larcker", "Huber-White",
    "Yuan-Bentler", "Wilson", "Hair", "Henseler", "Ringle", "Sarstedt", "Fornell", "Larcker", "Nunnally",
    "Bernstein", "Hu", "Bentler", "Cohen", "Faul", "Kock", "Hadaya", "Reichheld", "csv", "txt", "robust",
    "scaled", "MIN", "MAX", "scale", "min", "max", "quality", "q", "method", "pls", "ml", "satisfaction",
    "loyalty", "code", "satisfied", "N", "zh_gbk",
}


class _Text(HTMLParser):
    """Visible text nodes (not style, pre or code)."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "pre", "code", "script"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "pre", "code", "script"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.out.append(data.strip())


def english_left(html: str, allowed: set[str]) -> list[str]:
    p = _Text()
    p.feed(html)
    bad = []
    for node in p.out:
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z_']*(?:-[A-Za-z]+)*", node) if w not in allowed]
        if words:
            bad.append(f"{node[:80]!r}: {words[:5]}")
    return bad


def _literal_calls() -> list[tuple[str, str]]:
    """(file, text) of every t("literal") in acsi/report/."""
    out = []
    for path in REPORT_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                out.append((path.name, node.args[0].value))
    return out


def test_every_text_of_the_report_has_its_translation() -> None:
    calls = _literal_calls()
    assert len(calls) > 100
    missing = sorted({f"{f}: {s[:70]}" for f, s in calls if s not in i18n.ZH})
    assert missing == []
    # texts passed through t() by name
    dynamic = list(METHODS.values()) + [PLSPart.path_caption, CBSEMPart("ml").path_caption]
    dynamic += [PLS_POWER_TEXT, Z_POWER_TEXT]
    dynamic.append("Fornell-Larcker: diagonal sqrt(AVE), off-diagonal construct correlations")
    assert [s for s in dynamic if s not in i18n.ZH] == []


def test_placeholders_agree_between_languages() -> None:
    fields = re.compile(r"{(\w*)[^}]*}")
    for en, zh in i18n.ZH.items():
        assert sorted(fields.findall(en)) == sorted(fields.findall(zh)), en


def test_lang_is_checked_and_scoped() -> None:
    assert i18n.check_lang("zh-CN") == "zh"
    with pytest.raises(acsi.SpecificationError, match="lang"):
        i18n.check_lang("fr")
    with i18n.use("zh"):
        assert i18n.t("Rating items") == "评分题项"
    assert i18n.t("Rating items") == "Rating items"


@pytest.fixture(scope="module")
def zh_data() -> tuple[pd.DataFrame, str]:
    data = read_data(FILES / "zh_gbk.csv")
    model, _ = read_model_file(FILES / "zh_model_bom.txt")
    return data, model


@pytest.fixture(scope="module")
def zh_report(zh_data: tuple[pd.DataFrame, str]) -> tuple[acsi.report.Report, list[str]]:
    from matplotlib.text import Text

    from acsi.report import html as H

    data, model = zh_data
    drawn: list[str] = []
    translate = H._translate_figure

    def spy(fig):  # the texts of every figure, after translation
        out = translate(fig)
        drawn.extend(x.get_text() for x in fig.findobj(Text) if x.get_text())
        return out

    H._translate_figure = spy
    try:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            rep = build_report(data, model, bootstrap=100, lang="zh", recommend="忠诚1", segment="性别",
                               value="价值", source="zh_gbk.csv")
    finally:
        H._translate_figure = translate
    FIGURE_TEXTS[:] = drawn
    return rep, [str(w.message) for w in rec]


FIGURE_TEXTS: list[str] = []


def test_zh_report_has_no_english_sentence(zh_report) -> None:
    rep, _ = zh_report
    assert FIGURE_TEXTS
    figures = "".join(f"<p>{x}</p>" for x in FIGURE_TEXTS)
    assert english_left(figures, ALLOWED) == []  # axis labels, legends, titles
    assert '<html lang="zh-Hans">' in rep.html
    assert english_left(rep.html, ALLOWED) == []
    heads = ("主要发现", "评分题项", "信度与效度", "结构模型", "从满意到忠诚", "细分群体比较", "局限性", "方法说明")
    for head in heads:
        assert f"<h2>{head}</h2>" in rep.html


@pytest.mark.parametrize("method", ["ml"])
def test_zh_cbsem_and_measurement_only_reports(zh_data, method: str) -> None:
    data, model = zh_data
    rep = build_report(data, model, method=method, lang="zh", bootstrap=0)
    assert english_left(rep.html, ALLOWED) == []
    assert "达标" in rep.html or "未达标" in rep.html
    only = "\n".join(line for line in model.splitlines() if "=~" in line)
    rep = build_report(data, only, lang="zh", bootstrap=0)
    assert english_left(rep.html, ALLOWED) == []
    assert "仅测量模型" in rep.html and "structural" not in rep.sections


def test_cjk_labels_draw_without_missing_glyphs(zh_report) -> None:
    rep, caught = zh_report
    assert not [w for w in caught if "Glyph" in w]
    assert not [w for w in rep.warnings if "Glyph" in w]
    imgs = re.findall(r'<img [^>]*src="data:([^;]+);base64', rep.html)
    assert imgs and set(imgs) == {"image/png"}  # this machine has a CJK font


def test_without_a_cjk_font_figures_keep_their_text(zh_data, monkeypatch: pytest.MonkeyPatch) -> None:
    """No CJK font installed: figures with Chinese text are SVG with text as text (the browser
    draws the glyphs), and no missing-glyph warning is reported."""
    from acsi.plotting import _fonts

    monkeypatch.setattr(_fonts, "cjk_families", lambda: ())
    data, model = zh_data
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        rep = build_report(data, model, bootstrap=0, lang="zh")
    assert not [w for w in rec if "Glyph" in str(w.message)]
    svgs = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', rep.html)
    assert svgs
    import base64

    assert "满意" in base64.b64decode(svgs[0]).decode("utf-8") or "质量" in base64.b64decode(svgs[0]).decode("utf-8")


def test_plotting_functions_draw_chinese_names(zh_data) -> None:
    import matplotlib.pyplot as plt

    import acsi.plotting as P

    data, _ = zh_data
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fig = P.likert_bars(data, ["满意1", "满意2", "忠诚1"], bins=[(k, k) for k in range(1, 8)])
        fig.savefig(__import__("io").BytesIO(), format="png")
        plt.close(fig)
    assert not [w for w in rec if "Glyph" in str(w.message)]


def test_demo_in_chinese() -> None:
    from acsi.report import demo_report
    from acsi.report.demo import DEMO_STORY

    rep = demo_report(bootstrap=0, lang="zh")
    assert "<h2>主要发现</h2>" in rep.html and "网上银行" in rep.html
    assert all(story not in rep.html for story in DEMO_STORY.values())  # the English story stays in English reports
