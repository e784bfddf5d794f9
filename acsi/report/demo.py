"""The demo report: the shipped (synthetic) e-banking survey and the story of its seed study.

Everything that is about the seed study (its questions, its claims, its sample) lives here
and reaches the report only through :func:`demo_report`, as notes appended to the generic
sections (:func:`acsi.report.build_report`'s ``notes``); a report on a user's own data never
shows it.

Examples
--------
>>> from acsi.report.demo import DEMO_MODEL, DEMO_STORY
>>> sorted(DEMO_STORY)
['limitations', 'loyalty']
>>> "Loyalty =~ Q16 + Q17" in DEMO_MODEL
True
"""

from __future__ import annotations

from typing import Any

from acsi.datasets.ebanking import LOYALTY_ITEMS, SATISFACTION_ITEMS
from acsi.datasets.ebanking import MODEL as EBANKING_MODEL
from acsi.report.build import Report, build_report

__all__ = ["DEMO_MODEL", "DEMO_STORY", "demo_report"]

#: The e-banking demo model: the SERVQUAL dimensions of the questionnaire (seed report,
#: Q8-Q15) as drivers of loyalty intention (Q16 recommend, Q17 first choice); the model
#: shipped with the data set (``acsi.datasets.ebanking.MODEL``).
DEMO_MODEL = EBANKING_MODEL

#: The seed study's context, by report section (HTML appended to the generic section).
DEMO_STORY: dict[str, str] = {
    "loyalty": (
        "<p class='muted'>The seed study claimed that dissatisfied customers are six times as likely "
        "not to be loyal as satisfied ones: the risk ratio above is tested against that 'six times "
        "as likely' claim.</p>"
    ),
    "limitations": (
        "<h3>The seed study</h3><ul>"
        "<li>The seed study worried that its 1-10 scale invites answers in the middle: the response "
        "styles above check it.</li>"
        "<li>Loyalty is measured as intention (would recommend, would choose first), not as "
        "behaviour (repurchase, retention, share of wallet).</li>"
        "<li>A convenience sample (the seed study: about half students of one university) does "
        "not represent the bank's customers; weights by segment and customer value would be needed "
        "for population figures.</li></ul>"
    ),
}


def demo_report(bootstrap: int = 1000, seed: int = 1, progress: Any = None, lang: str = "en") -> Report:
    """The report of the shipped (synthetic) e-banking survey, :data:`DEMO_MODEL` by PLS,
    with the seed study's story (:data:`DEMO_STORY`, English only; ``lang="zh"`` gives the
    report in Simplified Chinese without it).

    The items are on the seed study's 1-10 scale; "satisfied" and "loyal" are the seed
    study's "agree or better": a mean of at least 7.

    Examples
    --------
    >>> from acsi.report import demo_report
    >>> rep = demo_report(bootstrap=200)  # doctest: +SKIP
    """
    from acsi.datasets import load_ebanking

    data = load_ebanking()
    return build_report(
        data, DEMO_MODEL, method="pls", bootstrap=bootstrap, seed=seed, scale=data.attrs.get("scale", (1, 10)),
        title="E-banking customer satisfaction and loyalty" if lang == "en" else "网上银行顾客满意度与忠诚度",
        source=("acsi.datasets.load_ebanking(): SYNTHETIC reconstruction of the 54-respondent e-banking "
                "survey of the seed study" if lang == "en" else
                "acsi.datasets.load_ebanking()：种子研究中 54 位受访者网上银行调查的合成重构数据"),
        recommend="Q16",
        satisfaction_items=list(SATISFACTION_ITEMS), loyalty_items=list(LOYALTY_ITEMS),
        satisfied=7, loyal=7, progress=progress, lang=lang,
        notes=DEMO_STORY if lang == "en" else None,
    )
