"""Self-contained HTML building blocks: page template, tables, embedded figures.

Nothing here refers to an external resource: the CSS is inline, figures are embedded as
base64 PNG (or SVG, see :func:`figure_img`), and no script is used, so a report opens offline and can be mailed.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from acsi.results.base import format_value

__all__ = ["esc", "figure_img", "table", "page", "section", "callout", "kv_table"]

CSS = """
*{box-sizing:border-box}
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","DejaVu Sans","PingFang SC",
"Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",
"Droid Sans Fallback",sans-serif;
margin:0;background:#f5f6f8;color:#1d2433;line-height:1.5;font-size:15px}
header.top{background:#1f4e8c;color:#fff;padding:22px 0}
.wrap{max-width:1100px;margin:0 auto;padding:0 20px}
header.top h1{margin:0 0 4px 0;font-size:26px;font-weight:600}
header.top p{margin:0;opacity:.9;font-size:14px}
nav.toc{background:#fff;border-bottom:1px solid #dde2ea;padding:8px 0;font-size:13px}
nav.toc a{color:#1f4e8c;text-decoration:none;margin-right:14px;white-space:nowrap;display:inline-block}
section{background:#fff;border:1px solid #dde2ea;border-radius:6px;margin:18px 0;padding:14px 20px 18px}
section h2{margin:4px 0 10px;font-size:21px;color:#1f4e8c;border-bottom:2px solid #e8eef7;padding-bottom:4px}
section h3{margin:18px 0 6px;font-size:16px}
p,li{overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%;margin:6px 0 10px}
table.t{border-collapse:collapse;font-size:13px;min-width:40%}
table.t th,table.t td{padding:4px 9px;border-bottom:1px solid #e4e7ec;text-align:right;vertical-align:top}
table.t th{background:#f0f3f8;font-weight:600}
table.t th:first-child,table.t td:first-child{text-align:left}
table.t tbody th{text-align:left;font-weight:500;background:#fafbfc;max-width:260px;overflow-wrap:anywhere}
table.t thead th{text-align:right}table.t thead th:first-child,table.t thead th.ix{text-align:left}
table.t td.txt{text-align:left;max-width:420px;overflow-wrap:anywhere}
caption{caption-side:top;text-align:left;font-weight:600;padding:2px 0 6px;font-size:13px;color:#374151}
figure{margin:10px 0;text-align:center}
figure img{max-width:100%;height:auto;border:1px solid #eef0f3}
figcaption{font-size:12.5px;color:#4b5563;margin-top:4px}
.callout{border-left:4px solid #1f4e8c;background:#f3f7fd;padding:8px 12px;margin:10px 0;font-size:14px}
.callout.warn{border-left-color:#b45309;background:#fff8eb}
.callout.bad{border-left-color:#b22222;background:#fdf1f1}
.ok{color:#166534;font-weight:600}.no{color:#b22222;font-weight:600}
.muted{color:#6b7280;font-size:13px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px}
.big{font-size:30px;font-weight:700;color:#1f4e8c}
footer{color:#6b7280;font-size:12px;padding:18px 0 30px}
"""


def esc(text: Any) -> str:
    """HTML-escape any value (formatted with :func:`acsi.results.base.format_value`)."""
    return html.escape(format_value(text) if not isinstance(text, str) else text)


def _translate_figure(fig: Any) -> bool:
    """Figure texts in the report's language (:func:`acsi.report.i18n.label`); True when a
    text needs a CJK font."""
    from matplotlib.text import Text

    from acsi.plotting._fonts import needs_cjk
    from acsi.report import i18n

    cjk = False
    for txt in fig.findobj(Text):
        s = txt.get_text()
        if s:
            new = i18n.label(s)
            if new != s:
                txt.set_text(new)
            cjk = cjk or needs_cjk(new)
    return cjk


def figure_img(fig: Any, caption: str = "", *, dpi: int = 110, close: bool = True) -> str:
    """A matplotlib figure as an ``<figure>`` with an embedded image.

    The figure's texts are put in the report's language first. The image is a base64 PNG
    drawn with the font chain of :mod:`acsi.plotting._fonts` (CJK labels included); on a
    machine without a CJK font, a figure with CJK text is embedded as SVG with its text kept
    as text (``svg.fonttype = "none"``), so the reader's browser draws the glyphs.
    """
    import warnings

    import matplotlib

    from acsi.plotting._fonts import font_chain, has_cjk_font

    cjk = _translate_figure(fig)
    buf = io.BytesIO()
    # a figure with a layout engine is laid out by the one draw of savefig; only one without
    # it is cropped to its contents, which costs matplotlib a second pass over every artist
    bbox = "tight" if fig.get_layout_engine() is None else None
    if cjk and not has_cjk_font():
        with warnings.catch_warnings(), matplotlib.rc_context({"svg.fonttype": "none"}):
            # the glyphs are the browser's business: the layout's font lacks them, which is expected
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
            fig.savefig(buf, format="svg", bbox_inches=bbox)
        mime = "image/svg+xml"
    else:
        with matplotlib.rc_context({"font.family": font_chain()}):
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches=bbox)
        mime = "image/png"
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    alt = esc(caption or "figure")
    return f'<figure><img alt="{alt}" src="data:{mime};base64,{data}">{cap}</figure>'


def _cell(v: Any, digits: int) -> tuple[str, bool]:
    numeric = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
    return html.escape(format_value(v, digits)), numeric


def _is_p(col: Any) -> bool:
    return isinstance(col, str) and (col == "pvalue" or col.endswith("_pvalue") or col == "p")


def table(df: pd.DataFrame, caption: str = "", *, digits: int = 3, index: bool = True) -> str:
    """A DataFrame as a scrolling HTML table (numbers right-aligned with ``digits`` decimals,
    NaN blank, text left-aligned and wrapping)."""
    from acsi.report.i18n import label

    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    idx_names = [("" if n is None else str(label(n))) for n in df.index.names] if index else []
    head = "".join(f"<th class='ix'>{html.escape(n)}</th>" for n in idx_names)
    head += "".join(f"<th>{html.escape(str(label(c)))}</th>" for c in df.columns)
    rows = []
    for i, key in enumerate(df.index):
        keys = key if isinstance(key, tuple) else (key,)
        cells = "".join(f"<th>{html.escape(format_value(label(k), digits))}</th>" for k in keys) if index else ""
        for j, col in enumerate(df.columns):
            v = df.iat[i, j]  # per cell: keeps integer columns integer
            if _is_p(col) and isinstance(v, (float, np.floating)) and 0 <= v < 0.001:
                text, num = "&lt;0.001", True
            else:
                text, num = _cell(v, digits)
            cells += f"<td>{text}</td>" if num else f"<td class='txt'>{text}</td>"
        rows.append(f"<tr>{cells}</tr>")
    return (f'<div class="scroll"><table class="t">{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def kv_table(rows: Iterable[tuple[str, Any]], caption: str = "") -> str:
    """A two-column label/value table."""
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    trs = "".join(f"<tr><th>{esc(k)}</th><td class='txt'>{esc(v)}</td></tr>" for k, v in rows)
    return f'<div class="scroll"><table class="t">{cap}<tbody>{trs}</tbody></table></div>'


def callout(text: str, kind: str = "") -> str:
    """A highlighted paragraph; ``kind`` is '', 'warn' or 'bad'. ``text`` is HTML."""
    return f'<div class="callout {kind}">{text}</div>'


def section(anchor: str, title: str, body: str) -> str:
    """A titled report section with an anchor for the table of contents."""
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def page(title: str, subtitle: str, sections: list[tuple[str, str, str]], footer: str = "",
         lang: str = "en") -> str:
    """The whole document: ``sections`` is a list of ``(anchor, title, body_html)``."""
    toc = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t, _ in sections)
    body = "".join(section(a, t, b) for a, t, b in sections)
    return (
        f"<!DOCTYPE html>\n<html lang=\"{'zh-Hans' if lang == 'zh' else esc(lang)}\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<header class="top"><div class="wrap"><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></div></header>'
        f'<nav class="toc"><div class="wrap">{toc}</div></nav>'
        f'<main class="wrap">{body}</main>'
        f'<footer class="wrap">{footer}</footer></body></html>\n'
    )
