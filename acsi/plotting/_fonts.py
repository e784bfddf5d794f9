"""Fonts for labels in any script: a fallback chain with the CJK fonts installed on the machine.

Matplotlib draws each glyph from the first family of ``font.family`` that has it (per-glyph
fallback, matplotlib >= 3.6), so a chain of DejaVu Sans followed by a CJK font renders
Chinese column names and a Chinese report's axis labels without boxes. :func:`font_context`
sets that chain for a block of drawing; :func:`has_cjk_font` tells whether the machine has
such a font (when it has none, the report embeds its figures as SVG with the text kept as
text, so the reader's browser supplies the glyphs).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator

__all__ = ["CJK_FAMILIES", "cjk_families", "has_cjk_font", "font_chain", "font_context", "needs_cjk"]

#: CJK families tried in this order (the first installed ones join the chain).
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
    "Droid Sans Fallback", "AR PL UMing CN", "Noto Sans CJK JP", "Arial Unicode MS",
)

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def needs_cjk(text: str) -> bool:
    """True when ``text`` holds a CJK character (or a full-width form).

    Examples
    --------
    >>> needs_cjk("满意度"), needs_cjk("Q1 mean")
    (True, False)
    """
    return bool(_CJK.search(text))


@functools.lru_cache(maxsize=1)
def cjk_families() -> tuple[str, ...]:
    """The installed CJK families of :data:`CJK_FAMILIES`, in that order."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(f for f in CJK_FAMILIES if f in installed)


def has_cjk_font() -> bool:
    """Whether matplotlib can draw Chinese characters on this machine."""
    return bool(cjk_families())


def font_chain() -> list[str]:
    """The ``font.family`` chain: matplotlib's default sans-serif first, then the CJK fonts."""
    import matplotlib

    first = [f for f in matplotlib.rcParams["font.sans-serif"][:1]] or ["DejaVu Sans"]
    return list(dict.fromkeys(first + ["DejaVu Sans", *cjk_families()]))


@contextlib.contextmanager
def font_context() -> Iterator[None]:
    """Draw with :func:`font_chain` (a no-op chain change when no CJK font is installed).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> with font_context():
    ...     fig, ax = plt.subplots(); _ = ax.set_title("满意度"); fig.canvas.draw(); plt.close(fig)
    """
    import matplotlib.pyplot as plt

    with plt.rc_context({"font.family": font_chain()}):
        yield
