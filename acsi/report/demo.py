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
>>> "Satisfaction =~ Tangibles + Assurance + Responsiveness + Empathy" in DEMO_MODEL
True
"""

from __future__ import annotations

from typing import Any

from acsi.datasets.ebanking import LOYALTY_ITEMS, SATISFACTION_ITEMS
from acsi.report import i18n
from acsi.report.build import Report, build_report
from acsi.report.i18n import t

__all__ = ["DEMO_MODEL", "DEMO_STORY", "demo_report", "chain_notes"]

#: The e-banking demo model, the ACSI chain quality -> satisfaction -> loyalty: the four
#: SERVQUAL dimensions of the questionnaire (seed report, Q8-Q15; assurance has one item)
#: form Satisfaction, a higher-order construct (PLS two-stage: the dimensions' scores are its
#: indicators; CB-SEM: a second-order factor), which drives loyalty intention (Q16 recommend,
#: Q17 first choice). The questionnaire has no separate overall-satisfaction item, so
#: Satisfaction is measured through its quality dimensions.
DEMO_MODEL = """\
Tangibles =~ Q8 + Q9
Assurance =~ Q10
Responsiveness =~ Q11 + Q14 + Q15
Empathy =~ Q12 + Q13
Satisfaction =~ Tangibles + Assurance + Responsiveness + Empathy
Loyalty =~ Q16 + Q17
Loyalty ~ Satisfaction
"""

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


def chain_notes(lang: str = "en") -> dict[str, str]:
    """What the demo's numbers mean, by report section (in ``lang``): Satisfaction is the
    higher-order construct of the quality items, and "satisfied" is computed from them too.

    Examples
    --------
    >>> sorted(chain_notes())
    ['findings', 'index', 'loyalty']
    """
    with i18n.use(lang):
        sat = t("satisfied: mean of Q8-Q15 at least 7 on the 1-10 scale")
        loy = t("loyal: mean of Q16-Q17 at least 7 on the 1-10 scale")
        source = t("The questionnaire has no separate satisfaction item: Satisfaction is the higher-order construct "
                   "of the quality items Q8-Q15 (its four SERVQUAL dimensions), and the satisfied share is computed "
                   "from the same items.")
        return {
            "findings": f"<p class='muted'>{source} ({sat}; {loy})</p>",
            "index": "<p class='muted'>" + t(
                "The headline index is Satisfaction's, computed from the items of its four dimensions (Q8-Q15) "
                "with their effective weights (the dimensions' stage-1 weights times their stage-2 weights in "
                "Satisfaction); Loyalty's index (Q16, Q17) is shown in the table.") + "</p>",
            "loyalty": f"<p class='muted'>{source} ({sat}; {loy})</p>",
        }


def demo_report(bootstrap: int = 1000, seed: int = 1, progress: Any = None, lang: str = "en") -> Report:
    """The report of the shipped (synthetic) e-banking survey: the ACSI chain
    :data:`DEMO_MODEL` (SERVQUAL dimensions -> Satisfaction, a higher-order construct ->
    Loyalty) by PLS with a ``bootstrap``-resample bootstrap, the same model as a second-order
    factor by CB-SEM side by side, Satisfaction's 0-100 index as the headline; with the seed
    study's story (:data:`DEMO_STORY`, English only; ``lang="zh"`` gives the report in
    Simplified Chinese without it) and what the numbers mean (:func:`chain_notes`).

    The items are on the seed study's 1-10 scale; "satisfied" and "loyal" are the seed
    study's "agree or better": a mean of Q8-Q15 (the quality items: the questionnaire has no
    separate satisfaction item) and of Q16-Q17 of at least 7.

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
        notes=_merge(chain_notes(lang), DEMO_STORY if lang == "en" else {}),
    )


def _merge(*notes: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in notes:
        for k, v in n.items():
            out[k] = out.get(k, "") + v
    return out
