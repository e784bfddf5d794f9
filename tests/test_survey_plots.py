"""Survey plots: they return Figures with the right bars, labels and annotations (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from acsi.exceptions import DataError  # noqa: E402
from acsi.plotting import correlation_heatmap, frequency_bars, likert_bars  # noqa: E402
from acsi.survey import frequencies, likert_table, multi_select  # noqa: E402

ITEMS = [f"Q{k}" for k in range(8, 18)]


@pytest.fixture(scope="module")
def eb(ebanking: pd.DataFrame) -> pd.DataFrame:
    return ebanking


def _bars(ax) -> list[Rectangle]:
    return [p for c in ax.containers if hasattr(c, "patches") for p in c.patches]


def test_likert_bars_structure(eb):
    fig = likert_bars(eb, ITEMS)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    bars = _bars(ax)
    assert len(ax.containers) == 5 and len(bars) == 10 * 5
    assert [t.get_text() for t in ax.get_yticklabels()] == ITEMS
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "strongly disagree", "disagree", "neutral", "agree", "strongly agree"]
    # widths are the shares in percent; the neutral bar is centred on 0
    shares = likert_table(eb, ITEMS, normalize=True)
    neutral = ax.containers[2].patches
    for rect, item in zip(neutral, ITEMS):
        w = 100 * shares.loc[item, "neutral"]
        assert rect.get_width() == pytest.approx(w)
        assert rect.get_x() == pytest.approx(-w / 2)
    # the agree segment starts where neutral ends
    agree = ax.containers[3].patches
    for rn, ra in zip(neutral, agree):
        assert ra.get_x() == pytest.approx(rn.get_x() + rn.get_width())
    fig.savefig(__import__("io").BytesIO(), format="png")


def test_likert_bars_options(eb):
    fig = likert_bars(eb, ["Q8", "Q13"], bins={"1-4": (1, 4), "5-6": (5, 6), "7-10": (7, 10)},
                      item_labels={"Q8": "easy to apply"}, sort=True, annotate=False, title="t")
    ax = fig.axes[0]
    assert len(_bars(ax)) == 2 * 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["easy to apply", "Q13"]  # Q8 agrees more
    assert ax.get_title() == "t" and not ax.texts
    # even number of bins: split in the middle, nothing straddles 0
    fig2 = likert_bars(eb, ["Q8"], bins=[(1, 3), (4, 5), (6, 7), (8, 10)])
    first_positive = fig2.axes[0].containers[2].patches[0]
    assert first_positive.get_x() == pytest.approx(0.0)
    with pytest.raises(DataError, match="neutral="):
        likert_bars(eb, ["Q8"], neutral="meh")
    # into a given Axes
    fig3 = Figure()
    ax3 = fig3.add_subplot()
    assert likert_bars(eb, ["Q8"], ax=ax3) is ax3


def test_frequency_bars_with_ci(eb):
    fig = frequency_bars(eb["Q5"])
    ax = fig.axes[0]
    bars = _bars(ax)
    assert len(bars) == 5
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fewer than 3", "3-5", "6-8", "9-10", "more than 10"]
    t = frequencies(eb["Q5"])
    np.testing.assert_allclose([b.get_height() for b in bars], 100 * t["share"].to_numpy())
    # whiskers: one errorbar container with the Wilson limits
    err = [c for c in ax.containers if c.__class__.__name__ == "ErrorbarContainer"]
    assert len(err) == 1
    segs = err[0].lines[2][0].get_segments()
    np.testing.assert_allclose([s[0][1] for s in segs], 100 * t["ci_lower"].to_numpy())
    np.testing.assert_allclose([s[1][1] for s in segs], 100 * t["ci_upper"].to_numpy())
    assert ax.get_title() == "Q5"


def test_frequency_bars_table_and_horizontal(eb):
    ms = multi_select(eb, ["Q7_shopping", "Q7_topup", "Q7_transfer", "Q7_tickets", "Q7_investing"])
    fig = frequency_bars(ms, horizontal=True, title="Q7")
    ax = fig.axes[0]
    assert len(_bars(ax)) == 5
    assert [t.get_text() for t in ax.get_yticklabels()] == list(ms.index)
    assert [b.get_width() for b in _bars(ax)] == pytest.approx(list(100 * ms["share_of_respondents"]))
    fig2 = frequency_bars(eb["Q1"], ci=None)
    assert not [c for c in fig2.axes[0].containers if c.__class__.__name__ == "ErrorbarContainer"]


def test_correlation_heatmap(eb):
    fig = correlation_heatmap(eb, ITEMS)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # heatmap + colorbar
    img = ax.images[0]
    R = eb[ITEMS].corr().to_numpy()
    np.testing.assert_allclose(np.asarray(img.get_array()), R, rtol=1e-12)
    assert img.get_clim() == (-1, 1)
    assert len(ax.texts) == 100
    assert ax.texts[1].get_text() == f"{R[0, 1]:.2f}"
    assert [t.get_text() for t in ax.get_xticklabels()] == ITEMS
    low = correlation_heatmap(eb, ITEMS[:4], lower=True, method="spearman", digits=1)
    assert len(low.axes[0].texts) == 4 * 5 // 2
    rho = eb[ITEMS[:4]].corr(method="spearman").to_numpy()
    assert low.axes[0].texts[1].get_text() == f"{rho[1, 0]:.1f}"
    with pytest.raises(DataError, match="'Q1' is not numeric"):
        correlation_heatmap(eb, ["Q1", "Q8"])
    with pytest.raises(DataError, match="constant"):
        correlation_heatmap(pd.DataFrame({"a": [1, 1, 1], "b": [1, 2, 3]}))
