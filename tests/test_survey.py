"""acsi.survey descriptives, conversion and NPS: against statsmodels/scipy and known answers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import proportion_confint

from acsi.exceptions import AcsiWarning, DataError, MissingDataWarning, SpecificationError
from acsi.survey import (
    bottom_box,
    conversion,
    crosstab,
    frequencies,
    likert_bins,
    likert_table,
    multi_select,
    nps,
    nps_test,
    proportion_ci,
    top_box,
)

TOL = 1e-12


@pytest.fixture(scope="module")
def eb(ebanking: pd.DataFrame) -> pd.DataFrame:
    return ebanking


# ---------------------------------------------------------------- proportions
@pytest.mark.parametrize(
    "ours, theirs",
    [("wilson", "wilson"), ("wald", "normal"), ("agresti_coull", "agresti_coull"),
     ("clopper_pearson", "beta"), ("jeffreys", "jeffreys")],
)
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_proportion_ci_equals_statsmodels(ours, theirs, level):
    x = np.array([0, 1, 3, 17, 28, 50, 53, 54])
    lo, hi = proportion_ci(x, 54, ours, level)
    elo, ehi = proportion_confint(x, 54, alpha=1 - level, method=theirs)
    np.testing.assert_allclose(lo, elo, rtol=0, atol=TOL)
    np.testing.assert_allclose(hi, ehi, rtol=0, atol=TOL)


def test_proportion_ci_errors():
    with pytest.raises(SpecificationError, match="not one of"):
        proportion_ci(1, 2, "exact")
    with pytest.raises(DataError, match="between 0 and n"):
        proportion_ci(3, 2)
    with pytest.raises(SpecificationError, match="level"):
        proportion_ci(1, 2, level=95)


# ---------------------------------------------------------------- frequencies
def test_frequencies_categorical_order_and_wilson(eb):
    t = frequencies(eb["Q5"])
    assert list(t.index) == ["fewer than 3", "3-5", "6-8", "9-10", "more than 10"]
    assert t["count"].tolist() == [26, 16, 4, 4, 4]
    lo, hi = proportion_confint(t["count"].to_numpy(), 54, method="wilson")
    np.testing.assert_allclose(t["ci_lower"], lo, atol=TOL)
    np.testing.assert_allclose(t["ci_upper"], hi, atol=TOL)
    np.testing.assert_allclose(t["share"], t["count"] / 54)
    assert t["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert t.attrs["n"] == 54 and t.attrs["n_missing"] == 0


def test_frequencies_zero_categories_and_labels():
    s = pd.Series([1, 1, 2, 5], name="q")
    t = frequencies(s, labels={1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}, ci="clopper_pearson", level=0.9)
    assert list(t.index) == ["one", "two", "three", "four", "five"]
    assert t["count"].tolist() == [2, 1, 0, 0, 1]
    lo, hi = proportion_confint(t["count"].to_numpy(), 4, alpha=0.1, method="beta")
    np.testing.assert_allclose(t["ci_lower"], lo, atol=TOL)
    np.testing.assert_allclose(t["ci_upper"], hi, atol=TOL)
    with pytest.raises(DataError, match="'q' holds .*5"):
        frequencies(s, labels=[1, 2])
    assert "ci_lower" not in frequencies(s, ci=None).columns


def test_frequencies_missing_warns():
    s = pd.Series([1, np.nan, 2, 2], name="q")
    with pytest.warns(MissingDataWarning, match="1 of 4 answers in 'q'"):
        t = frequencies(s)
    assert t.attrs["n"] == 3 and t.attrs["n_missing"] == 1
    assert t["share"].sum() == pytest.approx(1.0)


# ---------------------------------------------------------------- Likert bins
def test_likert_bins_default_labels_and_edges():
    s = pd.Series(range(1, 11), name="Q8")
    b = likert_bins(s)
    assert b.cat.ordered
    assert list(b.cat.categories) == ["strongly disagree", "disagree", "neutral", "agree", "strongly agree"]
    assert (
        b.tolist()
        == ["strongly disagree"] * 2 + ["disagree"] * 2 + ["neutral"] * 2 + ["agree"] * 2 + ["strongly agree"] * 2
    )


def test_likert_bins_configurable_and_errors():
    b = likert_bins([1, 4, 5, 7, np.nan], bins=[(1, 4), (5, 6), (7, 10)], labels=["low", "mid", "high"])
    assert b.tolist()[:4] == ["low", "low", "mid", "high"] and pd.isna(b.iloc[4])
    assert likert_bins([3], bins=[(1, 3), (4, 5)]).tolist() == ["1-3"]
    with pytest.raises(DataError, match="'Q8' holds 11"):
        likert_bins(pd.Series([1, 11], name="Q8"))
    with pytest.raises(DataError, match="falls in no bin"):
        likert_bins(pd.Series([2.5], name="x"))
    with pytest.raises(SpecificationError, match="overlap"):
        likert_bins([1], bins=[(1, 3), (3, 5)])
    with pytest.raises(SpecificationError, match="2 labels were given for 3 bins"):
        likert_bins([1], bins=[(1, 3), (4, 5), (6, 7)], labels=["a", "b"])
    with pytest.raises(DataError, match="categorical"):
        likert_bins(pd.Series(["a"], dtype="category", name="c"))


def test_likert_table_reproduces_seed_table(eb):
    t = likert_table(eb, ["Q8", "Q9", "Q10", "Q11", "Q13"], bins={"1-4": (1, 4), "5-6": (5, 6), "7-10": (7, 10)})
    assert t.to_dict("index") == {
        "Q8": {"1-4": 10, "5-6": 16, "7-10": 28},
        "Q9": {"1-4": 8, "5-6": 8, "7-10": 38},
        "Q10": {"1-4": 10, "5-6": 10, "7-10": 34},
        "Q11": {"1-4": 14, "5-6": 12, "7-10": 28},
        "Q13": {"1-4": 21, "5-6": 18, "7-10": 15},
    }
    five = likert_table(eb, [f"Q{k}" for k in range(8, 16)], normalize=True)
    np.testing.assert_allclose(five.sum(axis=1), 1.0)
    pooled = likert_table(eb, [f"Q{k}" for k in range(8, 16)]).sum()
    assert int(pooled["agree"] + pooled["strongly agree"]) == 251
    assert int(pooled["strongly disagree"] + pooled["disagree"]) == 73
    with pytest.raises(DataError, match="'Q99'"):
        likert_table(eb, ["Q99"])


# ---------------------------------------------------------------- boxes
def test_top_bottom_box_known_answer():
    x = [10, 9, 8, 3, 9, 1, 2, 10]
    r = top_box(x, k=2, scale=(1, 10))
    assert (r.count, r.n) == (4, 8)
    lo, hi = proportion_confint(4, 8, method="wilson")
    assert r.ci_lower == pytest.approx(lo, abs=TOL) and r.ci_upper == pytest.approx(hi, abs=TOL)
    assert top_box(x, k=3).count == 5
    assert bottom_box(x, k=2).count == 2
    assert bottom_box(x, k=3).count == 3
    assert bottom_box([0, 1, 2], k=1, scale=(0, 10)).count == 1
    assert "top-2 box (9-10)" in r.summary()
    with pytest.raises(DataError, match="outside the scale"):
        top_box([0, 5], scale=(1, 10))
    with pytest.raises(SpecificationError, match="k must be an integer.*not 0"):
        top_box([1, 5], k=0)


# ---------------------------------------------------------------- multi-select
def test_multi_select(eb):
    cols = ["Q7_shopping", "Q7_topup", "Q7_transfer", "Q7_tickets", "Q7_investing"]
    t = multi_select(eb, cols)
    assert t["count"].tolist() == [48, 20, 8, 8, 6]
    assert [round(100 * v) for v in t["share_of_respondents"]] == [89, 37, 15, 15, 11]
    np.testing.assert_allclose(t["share_of_mentions"], np.array([48, 20, 8, 8, 6]) / 90)
    lo, hi = proportion_confint(np.array([48, 20, 8, 8, 6]), 54, method="wilson")
    np.testing.assert_allclose(t["ci_lower"], lo, atol=TOL)
    np.testing.assert_allclose(t["ci_upper"], hi, atol=TOL)
    assert t.attrs["n_mentions"] == 90 and t.attrs["n_none"] == 0
    assert t.attrs["mean_mentions"] == pytest.approx(90 / 54)
    bad = eb[cols].copy()
    bad.loc[3, "Q7_topup"] = 2
    with pytest.raises(DataError, match="'Q7_topup' holds .*2"):
        multi_select(bad, cols)
    bad.loc[3, "Q7_topup"] = np.nan
    with pytest.raises(DataError, match="missing"):
        multi_select(bad, cols)


# ---------------------------------------------------------------- crosstab
def test_crosstab_chi2_equals_scipy(eb):
    rng = np.random.default_rng(3)
    a = rng.choice(["x", "y", "z"], size=200)
    b = rng.choice(["p", "q", "r", "s"], size=200, p=[0.4, 0.3, 0.2, 0.1])
    res = crosstab(a, b, test="chi2")
    tab = pd.crosstab(a, b).to_numpy()
    ref = stats.chi2_contingency(tab)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.df == ref.dof == 6
    np.testing.assert_allclose(res.expected.to_numpy(), ref.expected_freq, rtol=1e-12)
    v = stats.contingency.association(tab, method="cramer")
    assert res.cramers_v == pytest.approx(v, rel=1e-12)
    # bias-corrected V (Bergsma 2013), computed by hand
    n, r, c = 200, 3, 4
    phi2 = ref.statistic / n
    phi2c = max(0, phi2 - (r - 1) * (c - 1) / (n - 1))
    rc, cc = r - (r - 1) ** 2 / (n - 1), c - (c - 1) ** 2 / (n - 1)
    assert res.cramers_v_corrected == pytest.approx(np.sqrt(phi2c / min(rc - 1, cc - 1)), rel=1e-12)
    assert "Pearson chi-square" in res.summary()


def test_crosstab_2x2_yates_and_fisher():
    a = np.repeat(["s", "s", "n", "n"], [30, 10, 12, 18])
    b = np.repeat(["l", "x", "l", "x"], [30, 10, 12, 18])
    res = crosstab(a, b)
    ref = stats.chi2_contingency(np.array([[18, 12], [10, 30]]), correction=True)
    assert res.test == "chi2"
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    uncorrected = crosstab(a, b, correction=False)
    assert uncorrected.statistic == pytest.approx(
        stats.chi2_contingency(np.array([[18, 12], [10, 30]]), correction=False).statistic
    )
    # a small 2x2 table goes to Fisher
    small = crosstab(["a"] * 3 + ["b"] * 5, ["y", "y", "n", "n", "n", "n", "n", "y"])
    assert small.test == "fisher"
    assert small.pvalue == pytest.approx(stats.fisher_exact([[1, 2], [4, 1]]).pvalue, rel=1e-12)
    assert small.notes and "Fisher" in small.notes[0]


def test_crosstab_sparse_warns_and_fisher_rxc(eb):
    with pytest.warns(AcsiWarning, match="expected counts are below 5"):
        res = crosstab(eb["Q1"], eb["Q5"], test="chi2")
    assert res.n_small_expected > 0
    f = crosstab(eb["Q1"], eb["Q5"], test="fisher", seed=4, n=20000)
    assert f.pvalue == crosstab(eb["Q1"], eb["Q5"], test="fisher", seed=4, n=20000).pvalue
    assert "Monte Carlo" in f.notes[0]
    # against an exact enumeration of 2 x 3 tables with the margins of a small table
    tab = np.array([[3, 1, 2], [1, 4, 2]])
    a = np.repeat(["r1", "r1", "r1", "r2", "r2", "r2"], tab.ravel())
    b = np.repeat(["c1", "c2", "c3"] * 2, tab.ravel())
    mc = crosstab(a, b, test="fisher", seed=1, n=200_000)
    rs, cs, n = tab.sum(1), tab.sum(0), tab.sum()
    from scipy.special import gammaln

    def logp(t):
        return (gammaln(rs + 1).sum() + gammaln(cs + 1).sum() - gammaln(n + 1) - gammaln(t + 1).sum())

    p_obs = logp(tab)
    exact = 0.0
    for x1 in range(0, rs[0] + 1):
        for x2 in range(0, rs[0] - x1 + 1):
            x3 = rs[0] - x1 - x2
            t = np.array([[x1, x2, x3], [cs[0] - x1, cs[1] - x2, cs[2] - x3]])
            if (t >= 0).all() and logp(t) <= p_obs + 1e-9:
                exact += np.exp(logp(t))
    assert mc.pvalue == pytest.approx(exact, abs=0.005)
    with pytest.raises(DataError, match="at least two different answers"):
        crosstab([1, 1, 1], [1, 2, 1])
    with pytest.raises(DataError, match="same respondents"):
        crosstab([1, 2], [1, 2, 3])
    with pytest.raises(SpecificationError, match="test="):
        crosstab([1, 2], [1, 2], test="g")


# ---------------------------------------------------------------- conversion
def _table(a, b, c, d):
    sat = np.repeat([9, 9, 3, 3], [a, b, c, d])
    loy = np.repeat([9, 2, 9, 2], [a, b, c, d])
    return sat, loy


def test_conversion_against_statsmodels():
    sat, loy = _table(30, 12, 4, 8)
    r = conversion(sat, loy, satisfied=7, loyal=7)
    t = Table2x2(np.array([[30, 12], [4, 8]]))
    assert r.odds_ratio == pytest.approx(t.oddsratio, rel=1e-12)
    lo, hi = t.oddsratio_confint()
    assert (r.or_ci_lower, r.or_ci_upper) == (pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12))
    assert r.risk_ratio == pytest.approx(t.riskratio, rel=1e-12)
    lo, hi = t.riskratio_confint()
    assert (r.rr_ci_lower, r.rr_ci_upper) == (pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12))
    assert r.rr_pvalue == pytest.approx(t.riskratio_pvalue(null=6), rel=1e-12)
    assert r.fisher_pvalue == pytest.approx(stats.fisher_exact([[30, 12], [4, 8]]).pvalue, rel=1e-12)
    assert r.n_satisfied == 42 and r.n_satisfied_not_loyal == 12
    lo, hi = proportion_confint(12, 42, method="wilson")
    assert r.not_loyal.estimate == pytest.approx(12 / 42)
    assert (r.not_loyal.ci_lower, r.not_loyal.ci_upper) == (pytest.approx(lo), pytest.approx(hi))
    assert not r.haldane
    # known answer: RR = (30/42) / (4/12) = 2.142857...
    assert r.risk_ratio == pytest.approx((30 / 42) / (4 / 12), rel=1e-14)
    assert r.rr_z == pytest.approx((np.log(30 / 42 / (4 / 12)) - np.log(6)) /
                                   np.sqrt(1 / 30 - 1 / 42 + 1 / 4 - 1 / 12), rel=1e-12)
    assert "risk ratio" in r.summary()


def test_conversion_haldane_when_zero_cell():
    sat, loy = _table(20, 5, 0, 9)
    r = conversion(sat, loy)
    assert r.haldane and any("because a cell is 0" in n for n in r.notes)
    # Haldane: 0.5 added to every cell (statsmodels' shift_zeros shifts only the zero cell)
    t = Table2x2(np.array([[20.5, 5.5], [0.5, 9.5]]), shift_zeros=False)
    assert r.odds_ratio == pytest.approx(20.5 * 9.5 / (5.5 * 0.5), rel=1e-14)
    assert r.odds_ratio == pytest.approx(t.oddsratio, rel=1e-12)
    assert r.or_ci_lower == pytest.approx(t.oddsratio_confint()[0], rel=1e-12)
    assert r.risk_ratio == pytest.approx(t.riskratio, rel=1e-12)
    assert r.rr_ci_upper == pytest.approx(t.riskratio_confint()[1], rel=1e-12)
    assert r.fisher_pvalue == pytest.approx(stats.fisher_exact([[20, 5], [0, 9]]).pvalue)
    asked = conversion(*_table(30, 12, 4, 8), haldane=True)
    assert asked.haldane and asked.odds_ratio == pytest.approx(30.5 * 8.5 / (12.5 * 4.5))
    assert any("asked for" in n for n in asked.notes)


def test_conversion_dissatisfied_group_and_callables():
    sat = np.array([9, 9, 8, 8, 5, 5, 2, 2, 3, 1])
    loy = np.array([9, 9, 3, 8, 9, 2, 2, 8, 1, 1])
    r = conversion(sat, loy, dissatisfied=4)
    assert r.table.to_numpy().tolist() == [[3, 1], [1, 3]]
    assert "2 neither" in r.comparison
    r2 = conversion(sat, loy, satisfied=lambda s: s >= 8, loyal=lambda y: y >= 8, dissatisfied=lambda s: s <= 4)
    assert r2.table.to_numpy().tolist() == [[3, 1], [1, 3]]
    with pytest.raises(DataError, match="overlaps"):
        conversion(sat, loy, dissatisfied=9)
    with pytest.raises(DataError, match="no respondent is satisfied"):
        conversion(sat, loy, satisfied=11)
    with pytest.raises(DataError, match="missing"):
        conversion([1, np.nan], [1, 2])


def test_conversion_on_ebanking_finds_satisfied_not_loyal(eb):
    sat = eb[[f"Q{k}" for k in range(8, 16)]].mean(axis=1)
    r = conversion(sat, eb["Q16"], satisfied=7, loyal=7)
    assert r.n_satisfied_not_loyal > 0 and r.risk_ratio > 1


# ---------------------------------------------------------------- NPS
def test_nps_known_answer():
    x = [10, 9, 9, 8, 7, 6, 3, 10, 9, 5]  # 5 promoters, 3 detractors
    r = nps(x)
    assert (r.n_promoters, r.n_passives, r.n_detractors) == (5, 2, 3)
    assert r.nps == pytest.approx(20.0)
    se = 100 * np.sqrt((0.5 + 0.3 - 0.2**2) / 10)
    assert r.se == pytest.approx(se, rel=1e-14)
    z = stats.norm.ppf(0.975)
    assert (r.ci_lower, r.ci_upper) == (pytest.approx(20 - z * se), pytest.approx(20 + z * se))
    assert not r.proxy and r.note == ""


def test_nps_variance_is_multinomial():
    # the variance formula equals the variance of (I_P - I_D) per respondent / n
    rng = np.random.default_rng(11)
    x = rng.integers(0, 11, size=500)
    r = nps(x)
    d = (x >= 9).astype(float) - (x <= 6).astype(float)
    assert r.se == pytest.approx(100 * d.std(ddof=0) / np.sqrt(len(x)), rel=1e-12)


def test_nps_bootstrap_seeded():
    x = np.random.default_rng(5).integers(0, 11, size=120)
    a = nps(x, ci="bootstrap", n_boot=2000, seed=1)
    b = nps(x, ci="bootstrap", n_boot=2000, seed=1)
    assert (a.ci_lower, a.ci_upper) == (b.ci_lower, b.ci_upper)
    w = nps(x)
    assert abs(a.ci_lower - w.ci_lower) < 4 and abs(a.ci_upper - w.ci_upper) < 4
    with pytest.raises(SpecificationError, match="n_boot"):
        nps(x, ci="bootstrap", n_boot=10)
    with pytest.raises(SpecificationError, match="n must be"):
        nps(x, ci="bootstrap", n=10)
    c = nps(x, ci="bootstrap", n=2000, seed=1)
    assert (c.ci_lower, c.ci_upper) == (a.ci_lower, a.ci_upper)


def test_nps_other_scales_need_mapping(eb):
    with pytest.raises(SpecificationError, match="explicit mapping"):
        nps(eb["Q16"], scale=(1, 10))
    r = nps(eb["Q16"], scale=(1, 10), mapping={"promoter": (9, 10), "detractor": (1, 6)})
    assert r.proxy and "proxy" in r.note
    assert r.n_promoters == int((eb["Q16"] >= 9).sum()) and r.n_detractors == int((eb["Q16"] <= 6).sum())
    assert "(proxy)" in r.summary()
    with pytest.raises(DataError, match="outside the scale"):
        nps([11, 3])
    with pytest.raises(SpecificationError, match="overlap"):
        nps([1, 2], mapping={"promoter": (6, 10), "detractor": (0, 6)})
    custom = nps([1, 9], mapping={"promoter": (8, 10), "detractor": (0, 6)})
    assert custom.proxy


def test_nps_test_known_answer():
    a = [10, 9, 9, 8, 3]
    b = [6, 5, 9, 7, 2]
    t = nps_test(a, b)
    ra, rb = nps(a), nps(b)
    assert t.difference == pytest.approx(80.0)
    assert t.se == pytest.approx(np.sqrt(ra.se**2 + rb.se**2))
    assert t.pvalue == pytest.approx(2 * stats.norm.sf(80 / t.se))
    with pytest.raises(DataError, match="different NPS definitions"):
        nps_test(a, nps([9, 2, 5], scale=(1, 10), mapping={"promoter": (9, 10), "detractor": (1, 6)}))


def test_results_render():
    r = nps([10, 9, 3])
    assert "<table" in r._repr_html_() and "Net Promoter Score" in str(r)
    c = crosstab(["a", "b"] * 10, ["x", "x", "y", "y"] * 5)
    assert "Cramer" in c._repr_html_()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        str(conversion(*_table(5, 3, 2, 6)))


def test_nps_rejects_non_integer_answers():
    with pytest.raises(DataError, match="not a scale point"):
        nps([9.5, 3])


def test_likert_table_warns_about_missing():
    d = pd.DataFrame({"a": [1, np.nan, 9], "b": [5, 6, 7]})
    with pytest.warns(MissingDataWarning, match=r"a \(1\)"):
        t = likert_table(d)
    assert t.attrs["n_missing"] == {"a": 1, "b": 0}
    assert t.loc["a"].sum() == 2


# ---------------------------------------------------------------- properties
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=80))
def test_nps_properties(x):
    r = nps(x)
    assert -100 <= r.nps <= 100
    assert r.n_promoters + r.n_passives + r.n_detractors == len(x)
    assert r.ci_lower <= r.nps <= r.ci_upper
    assert r.se >= 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 10), min_size=1, max_size=80),
    st.sampled_from(["wilson", "clopper_pearson", "jeffreys_modified"]),
)
def test_frequencies_properties(x, ci):
    t = frequencies(pd.Series(x, name="q"), ci=ci)
    assert t["count"].sum() == len(x)
    assert t["share"].sum() == pytest.approx(1.0)
    assert ((t["ci_lower"] <= t["share"] + 1e-12) & (t["share"] <= t["ci_upper"] + 1e-12)).all()
    assert ((t["ci_lower"] >= -1e-12) & (t["ci_upper"] <= 1 + 1e-12)).all()


def test_describe_items(eb):
    from acsi.survey import describe_items

    d = eb[["Q8", "Q13"]].astype(float).copy()
    d.loc[1, "Q8"] = np.nan
    t = describe_items(d)
    x = d["Q8"].dropna()
    assert t.loc["Q8", "n"] == 53 and t.loc["Q8", "n_missing"] == 1
    assert t.loc["Q8", "mean"] == pytest.approx(x.mean()) and t.loc["Q8", "sd"] == pytest.approx(x.std())
    lo, hi = stats.t.interval(0.95, 52, loc=x.mean(), scale=stats.sem(x))
    assert (t.loc["Q8", "ci_lower"], t.loc["Q8", "ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    assert t.loc["Q13", "top2"] == pytest.approx((eb["Q13"] >= 9).mean())
    assert t.loc["Q13", "bottom2"] == pytest.approx((eb["Q13"] <= 2).mean())
    assert t.loc["Q13", "median"] == eb["Q13"].median()
    assert "top3" in describe_items(d, k=3).columns
    with pytest.raises(DataError, match="outside the scale"):
        describe_items(d, scale=(1, 5))
