"""Rating scales: declared, from metadata or inferred and stated; the report on 0-10, 1-10, 1-7,
1-5, 1-6 and decimal scores (issue 13, item 2)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.report import build_report
from acsi.survey.scales import ItemScale, default_bins, default_threshold, infer_scale, resolve_scales

FILES = Path(__file__).parent / "data" / "files"
BFI = Path(__file__).parent / "data" / "lavaan_orientation" / "bfi_subset.csv"
ITEMS_17 = "quality =~ q1 + q2 + q3\nsatisfaction =~ s1 + s2 + s3\nloyalty =~ l1 + l2\n" \
           "satisfaction ~ quality\nloyalty ~ satisfaction\n"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(("values", "expected"), [
    ([1, 3, 5], (1, 5)), ([2, 6], (1, 6)), ([1, 7], (1, 7)), ([3, 9], (1, 10)), ([0, 4], (0, 10)),
    ([1.5, 4.25], (1, 5)),
])
def test_inferred_scale_snaps_to_the_smallest_common_scale(values: list[float], expected: tuple[int, int]) -> None:
    sc = infer_scale(values)
    assert sc.bounds == tuple(float(v) for v in expected) and sc.source == "inferred"
    assert sc.continuous == any(v != int(v) for v in values)


@pytest.mark.parametrize(("values", "shown"), [([1, 11], "holds 11"), ([-99, 3, 5], "holds -99")])
def test_no_common_scale_is_an_error_naming_the_value(values: list[float], shown: str) -> None:
    with pytest.raises(acsi.DataError, match=shown + r": .*fit none of the common rating scales.*--scale"):
        infer_scale(values, "item 'q1'")


def test_resolve_order_and_out_of_scale_answers() -> None:
    df = pd.DataFrame({"a": [1, 7, 4], "b": [2, 5, 3], "c": [1, 2, 3]})
    got = resolve_scales(df, ["a", "b", "c"], scale=(1, 7), item_scales={"b": (1, 5)},
                         value_labels={"c": {1: "no", 2: "maybe", 3: "yes"}})
    assert {k: (v.text, v.source) for k, v in got.items()} == {"a": ("1-7", "declared"), "b": ("1-5", "item"),
                                                             "c": ("1-7", "declared")}
    got = resolve_scales(df, ["c"], value_labels={"c": {1: "no", 2: "maybe", 3: "yes", 4: "surely"}})
    assert (got["c"].text, got["c"].source) == ("1-4", "metadata")
    with pytest.raises(acsi.DataError, match=r"item 'a' holds 7, outside its scale 1-5 \(declared\)"):
        resolve_scales(df, ["a"], scale=(1, 5))
    with pytest.raises(acsi.DataError, match=r"item 'b' holds 5, outside its scale 1-4 \(declared for it\)"):
        resolve_scales(df, ["b"], item_scales={"b": (1, 4)})
    with pytest.raises(acsi.SpecificationError, match="item_scales names 'z'"):
        resolve_scales(df, ["a"], item_scales={"z": (1, 5)})


def test_bins_and_thresholds_per_scale() -> None:
    assert default_bins(ItemScale(1, 10))[1] == ["1-2", "3-4", "5-6", "7-8", "9-10"]
    assert default_bins(ItemScale(0, 10))[1] == ["0-2", "3-4", "5", "6-7", "8-10"]
    assert default_bins(ItemScale(1, 7))[1] == [str(k) for k in range(1, 8)]
    assert default_bins(ItemScale(1, 6))[1] == [str(k) for k in range(1, 7)]
    assert default_bins(ItemScale(1, 5))[1] == [str(k) for k in range(1, 6)]
    bins, labels = default_bins(ItemScale(1, 5, continuous=True))
    assert len(bins) == 5 and bins[0][0] == 1 and bins[-1][1] == 5
    assert [default_threshold(ItemScale(lo, hi)) for lo, hi in [(1, 10), (0, 10), (1, 7), (1, 5), (1, 6)]] == \
        [7.3, 7.0, 5.2, 3.8, 4.5]


@pytest.fixture(scope="module")
def report_17() -> acsi.report.Report:
    data = pd.read_csv(FILES / "scale_1_7.csv")
    return build_report(data, ITEMS_17, bootstrap=0)


def test_a_1_7_file_gets_its_own_scale_and_says_so(report_17) -> None:
    """Issue 13: a 1-7 file without --scale ran as 1-10 (49.4 instead of 74.1: the index of a
    1-7 item mean m is 100 (m-1)/6, not 100 (m-1)/9)."""
    res = report_17.result
    idx = report_17.tables["index"].loc["satisfaction", "index"]
    right = res.index(scale=(1, 7)).table.loc["satisfaction", "index"]
    wrong = res.index(scale=(1, 10)).table.loc["satisfaction", "index"]
    assert idx == pytest.approx(right, abs=1e-12)
    assert wrong == pytest.approx(right * 6 / 9, rel=1e-12)  # what the 1-10 assumption gave
    text = _text(report_17.html)
    assert "scale inferred from the data: 1-7" in text
    stats = report_17.tables["item statistics"]
    assert set(stats["scale"]) == {"1-7"}
    lik = report_17.tables["likert bins"]
    assert list(lik.columns) == [str(k) for k in range(1, 8)]
    # satisfied / loyal relative to the scale, stated next to the numbers
    assert "at least 5.2 on 1-7" in text


def test_descriptives_use_every_answer_of_an_item() -> None:
    data = pd.read_csv(FILES / "scale_1_7.csv")
    data.loc[:9, "s1"] = np.nan  # 10 missing answers in one item
    rep = build_report(data, ITEMS_17, bootstrap=0)
    stats = rep.tables["item statistics"]
    assert stats.loc["q1", "n"] == 120 and stats.loc["q1", "missing"] == 0  # not 110 (listwise)
    assert stats.loc["s1", "n"] == 110 and stats.loc["s1", "missing"] == 10
    assert stats.loc["q1", "mean"] == pytest.approx(data["q1"].mean())
    assert rep.result.nobs == 110  # the model itself is listwise


def test_bfi_1_6_no_central_tendency_at_the_top() -> None:
    """Issue 13: psych's bfi (1-6) gave 36.3 instead of 65.3 and 'central tendency' about answers
    at the top of the scale."""
    data = pd.read_csv(BFI).iloc[:400]
    model = "satisfaction =~ A2 + A3 + A4 + A5\nloyalty =~ E3\nloyalty ~ satisfaction\n"
    rep = build_report(data, model, bootstrap=0)
    idx = rep.tables["index"].loc["satisfaction", "index"]
    assert idx == pytest.approx(rep.result.index(scale=(1, 6)).table.loc["satisfaction", "index"], abs=1e-12)
    assert 60 < idx < 75
    text = _text(rep.html)
    assert "scale inferred from the data: 1-6" in text
    assert "central tendency is present" not in text
    assert rep.tables["response styles"].loc["midpoint"].name == "midpoint"


@pytest.mark.parametrize(("lo", "hi"), [(0, 10), (1, 10), (1, 5), (1, 6)])
def test_every_common_scale_reports(lo: int, hi: int) -> None:
    rng = np.random.default_rng(lo + hi)
    n = 80
    f = rng.normal(size=n)
    mid = (lo + hi) / 2
    spread = (hi - lo) / 4
    cols = {f"{p}{j}": np.clip(np.round(mid + spread * (f + 0.6 * rng.normal(size=n))), lo, hi)
            for p in "qsl" for j in (1, 2)}
    data = pd.DataFrame(cols)
    data.loc[0, "q1"], data.loc[1, "q1"] = lo, hi  # the whole range is observed
    model = "quality =~ q1 + q2\nsatisfaction =~ s1 + s2\nloyalty =~ l1 + l2\nsatisfaction ~ quality\n" \
            "loyalty ~ satisfaction\n"
    rep = build_report(data, model, bootstrap=0, recommend="l1")
    text = _text(rep.html)
    assert f"scale inferred from the data: {lo}-{hi}" in text
    thr = default_threshold(ItemScale(lo, hi))
    assert f"at least {thr:g} on {lo}-{hi}" in text
    assert "likert bins" in rep.tables and rep.tables["likert bins"].to_numpy().sum() == 6 * n
    assert ("Proxy." in text) == ((lo, hi) != (0, 10))
    assert 0 <= rep.tables["index"].loc["satisfaction", "index"] <= 100


def test_decimal_scores_are_a_continuous_scale() -> None:
    """Issue 13: decimal data stopped with 'widen the bins'."""
    data = pd.read_csv(FILES / "scale_1_7.csv")
    for c in ("q1", "s1", "l1"):
        data[c] = data[c] - 0.5 * (data.index % 2) * (data[c] > 1)
    rep = build_report(data, ITEMS_17, bootstrap=0, satisfied=5, loyal=5)
    text = _text(rep.html)
    assert "1-7 (continuous score)" in text
    assert "answer ranges 1-7" in rep.tables
    assert "at least 5 on 1-7" in text


def test_thresholds_as_set_are_stated() -> None:
    data = pd.read_csv(FILES / "scale_1_7.csv")
    rep = build_report(data, ITEMS_17, bootstrap=0, satisfied=6, loyal=6.5)
    text = _text(rep.html)
    assert "at least 6 on its scale 1-7 (as set)" in text and "at least 6.5 on 1-7 (as set)" in text
    sat = data[["s1", "s2", "s3"]].mean(axis=1) >= 6
    assert rep.tables["conversion counts"].loc["satisfied"].drop("total", errors="ignore").sum() == sat.sum()


def test_nobody_satisfied_is_said_not_fatal() -> None:
    data = pd.read_csv(FILES / "scale_1_7.csv")
    data[["s1", "s2", "s3"]] = data[["s1", "s2", "s3"]].clip(upper=6)
    rep = build_report(data, ITEMS_17, bootstrap=0, satisfied=6.5, scale=(1, 7))
    text = _text(rep.html)
    assert "No respondent is satisfied" in text and "--satisfied" in text


def test_everybody_satisfied_is_said_not_fatal() -> None:
    data = pd.read_csv(FILES / "scale_1_7.csv")
    rep = build_report(data, ITEMS_17, bootstrap=0, satisfied=1.5)
    text = _text(rep.html)
    assert "Every respondent is satisfied" in text and "conversion" not in rep.tables
    k = int((data[["l1", "l2"]].mean(axis=1) < 5.2).sum())
    assert f"{k} of 120 satisfied respondents" in text
