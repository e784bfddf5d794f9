"""acsi.survey on edge inputs: proportion intervals against statsmodels at the boundaries
(0, 1, n - 1, n successes; n = 1), NPS on degenerate samples, cross-tabs with unused
categories, pandas categorical and nullable dtypes, and clear errors naming the column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from acsi import DataError, MissingDataWarning, SpecificationError
from acsi.survey import crosstab, frequencies, nps, nps_test, proportion_ci, top_box

METHODS = [("wilson", "wilson"), ("wald", "normal"), ("agresti_coull", "agresti_coull"),
           ("clopper_pearson", "beta"), ("jeffreys", "jeffreys")]
EDGE = [(n, x) for n in (1, 2, 3, 5, 10, 54, 1000) for x in sorted({0, 1, n // 2, n - 1, n}) if 0 <= x <= n]


@pytest.mark.parametrize("ours, theirs", METHODS)
@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.99])
def test_proportion_ci_equals_statsmodels_at_the_edges(ours: str, theirs: str, level: float) -> None:
    n = np.array([e[0] for e in EDGE])
    x = np.array([e[1] for e in EDGE])
    lo, hi = proportion_ci(x, n, ours, level)
    elo, ehi = proportion_confint(x, n, alpha=1 - level, method=theirs)
    assert_allclose(lo, elo, rtol=0, atol=1e-12)
    assert_allclose(hi, ehi, rtol=0, atol=1e-12)
    for (ni, xi), a, b in zip(EDGE, lo, hi):  # scalar calls give the same numbers
        s_lo, s_hi = proportion_ci(xi, ni, ours, level)
        assert (float(s_lo), float(s_hi)) == (a, b)


@pytest.mark.parametrize("alias, method", [("normal", "wald"), ("beta", "clopper_pearson")])
def test_statsmodels_method_names_are_accepted(alias: str, method: str) -> None:
    x = np.array([0, 1, 7, 9, 10])
    assert_allclose(np.array(proportion_ci(x, 10, alias)), np.array(proportion_ci(x, 10, method)), rtol=0, atol=0)
    assert_allclose(
        np.array(proportion_ci(x, 10, alias, 0.9)),
        np.array(proportion_confint(x, 10, alpha=0.1, method=alias)),
        rtol=0,
        atol=1e-12,
    )


def test_jeffreys_modified_sets_the_boundary_limits() -> None:
    lo, hi = proportion_ci(np.array([0, 3, 10]), 10, "jeffreys_modified")
    jlo, jhi = proportion_ci(np.array([0, 3, 10]), 10, "jeffreys")
    assert lo[0] == 0.0 and hi[2] == 1.0 and jlo[0] > 0.0 and jhi[2] < 1.0
    assert_allclose([lo[1], hi[1], hi[0], lo[2]], [jlo[1], jhi[1], jhi[0], jlo[2]], rtol=0, atol=0)
    assert_allclose(jlo[0], stats.beta.ppf(0.025, 0.5, 10.5), rtol=1e-14)


def test_proportion_ci_rejects_what_statsmodels_returns_nan_for() -> None:
    with pytest.raises(DataError, match="n > 0"):
        proportion_ci(0, 0)
    with pytest.raises(DataError, match="between 0 and n"):
        proportion_ci(-1, 5)
    with pytest.raises(SpecificationError, match="not one of"):
        proportion_ci(1, 5, "exact")


# ----------------------------------------------------------------------------- NPS
def test_nps_single_respondent_and_unanimous_groups() -> None:
    for answers, value in [
        ([10], 100.0),
        ([0], -100.0),
        ([7], 0.0),
        ([9, 10, 9], 100.0),
        ([0, 6, 3], -100.0),
        ([7, 8], 0.0),
    ]:
        r = nps(answers)
        assert r.nps == value and r.se == 0.0 and r.ci_lower == r.ci_upper == value
        assert r.n_promoters + r.n_passives + r.n_detractors == len(answers)
    b = nps([10, 10], ci="bootstrap", seed=3)
    assert b.ci_lower == b.ci_upper == 100.0
    with pytest.raises(DataError, match="zero NPS variance"):
        nps_test([10], [3])
    t = nps_test([10, 10], [3, 9])
    assert_allclose(t.se, nps([3, 9]).se, rtol=1e-15)


def test_nps_variance_formula_on_small_sample() -> None:
    r = nps([10, 9, 8, 3])
    pp, pd_ = 0.5, 0.25
    assert r.nps == 25.0
    assert_allclose(r.se, 100 * np.sqrt((pp + pd_ - (pp - pd_) ** 2) / 4), rtol=1e-15)
    z = stats.norm.ppf(0.975)
    assert_allclose([r.ci_lower, r.ci_upper], [25 - z * r.se, 25 + z * r.se], rtol=1e-15)


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([10, 9, pd.NA, 3, 7], dtype="Int64", name="rec"),
        pd.Series([10.0, 9.0, None, 3.0, 7.0], dtype="Float64", name="rec"),
        pd.Series(["10", "9", None, "3", "7"], dtype="string", name="rec"),
        pd.Series(pd.Categorical([10, 9, None, 3, 7], categories=list(range(11)), ordered=True), name="rec"),
        pd.Series([10, 9, np.nan, 3, 7], name="rec"),
    ],
    ids=["Int64", "Float64", "string", "categorical", "float"],
)
def test_nps_nullable_and_categorical_inputs(series: pd.Series) -> None:
    with pytest.warns(MissingDataWarning, match="1 of 5 answers in 'rec'"):
        r = nps(series)
    expected = nps([10, 9, 3, 7])
    assert (r.nps, r.se, r.n) == (expected.nps, expected.se, 4)


@pytest.mark.parametrize(
    "series, match",
    [
        (pd.Series(["10", "nine", "3"], name="rec"), r"'rec' is not numeric .*'nine'"),
        (pd.Series(["10", "nine", "3"], dtype="string", name="rec"), r"'rec' is not numeric .*'nine'"),
        (
            pd.Series(pd.Categorical(["high", "low"]), name="rec"),
            r"'rec' is categorical with text labels \('high', 'low'\)",
        ),
        (pd.Series([10, 11, 3], name="rec"), r"'rec' holds .*11.* outside the scale 0-10"),
        (pd.Series([10, 9.5, 3], name="rec"), r"'rec' holds .*9.5.* not a scale point"),
        (pd.Series([10, np.inf], name="rec"), r"'rec' holds an infinite value \(inf\) in row 1.*fix or remove"),
        (pd.Series([np.nan, np.nan], name="rec"), r"'rec' has no answer"),
        (pd.Series([], dtype=float, name="rec"), r"'rec' has no answer"),
    ],
)
def test_nps_errors_name_the_column(series: pd.Series, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        with pytest.raises(DataError, match=match):
            nps(series)


def test_top_box_on_nullable_and_categorical() -> None:
    plain = top_box(pd.Series([10, 9, 3, 8], name="q"))
    with pytest.warns(MissingDataWarning):
        r = top_box(pd.Series([10, 9, pd.NA, 3, 8], dtype="Int64", name="q"))
    assert (r.count, r.n, r.ci_lower, r.ci_upper) == (plain.count, plain.n, plain.ci_lower, plain.ci_upper)
    c = top_box(pd.Series(pd.Categorical([10, 9, 3, 8], categories=list(range(1, 11))), name="q"))
    assert (c.count, c.n) == (2, 4)
    with pytest.raises(DataError, match=r"'q' holds .*0.* outside the scale 1-10"):
        top_box(pd.Series([10, 0], name="q"))


# ----------------------------------------------------------------------------- frequencies, crosstab
def test_frequencies_keeps_unused_categories_with_statsmodels_intervals() -> None:
    s = pd.Series(pd.Categorical(["a", "a", "b", None], categories=["a", "b", "c"]), name="q")
    with pytest.warns(MissingDataWarning):
        t = frequencies(s)
    assert list(t.index) == ["a", "b", "c"] and t["count"].tolist() == [2, 1, 0]
    lo, hi = proportion_confint(np.array([2, 1, 0]), 3, method="wilson")
    assert_allclose(t["ci_lower"], lo, rtol=0, atol=1e-12)
    assert_allclose(t["ci_upper"], hi, rtol=0, atol=1e-12)
    assert t.attrs["n"] == 3 and t.attrs["n_missing"] == 1


def test_crosstab_unused_categories_are_named_in_a_note() -> None:
    a = pd.Series(pd.Categorical(["a", "b", "a", "b"] * 5, categories=["a", "b", "z"]), name="A")
    b = pd.Series(pd.Categorical(["x", "x", "y", "y"] * 5, categories=["x", "y", "w"]), name="B")
    r = crosstab(a, b)
    assert r.observed.shape == (2, 2)
    assert any("'A' = 'z'" in n and "'B' = 'w'" in n for n in r.notes)
    plain = crosstab(a.astype(str), b.astype(str))
    assert (r.statistic, r.pvalue) == (plain.statistic, plain.pvalue)
    assert not plain.notes or all("left out" not in n for n in plain.notes)


@pytest.mark.parametrize("dtype", ["Int64", "string", "boolean"])
def test_crosstab_nullable_dtypes_equal_plain(dtype: str) -> None:
    base_a = [1, 2, 1, 2, 1, 1, 2, 2, 1, 2] * 3
    base_b = [1, 1, 2, 2, 1, 2, 1, 1, 2, 2] * 3
    if dtype == "string":
        va, vb = [str(v) for v in base_a], [str(v) for v in base_b]
    elif dtype == "boolean":
        va, vb = [v == 1 for v in base_a], [v == 1 for v in base_b]
    else:
        va, vb = base_a, base_b
    a = pd.Series(va + [None], dtype=dtype, name="A")
    b = pd.Series(vb + [vb[0]], dtype=dtype, name="B")
    with pytest.warns(MissingDataWarning, match="1 of 31"):
        r = crosstab(a, b)
    plain = crosstab(pd.Series(va, name="A"), pd.Series(vb, name="B"))
    assert_allclose([r.statistic, r.pvalue, r.cramers_v], [plain.statistic, plain.pvalue, plain.cramers_v], rtol=1e-15)
    assert int(r.observed.to_numpy().sum()) == 30


def test_crosstab_single_level_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="'A' by 'B' is 1 x 2"):
        crosstab(pd.Series(["a"] * 6, name="A"), pd.Series(["x", "y"] * 3, name="B"))
