"""acsi.survey importance, response styles and segments: independent computations and known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from acsi.exceptions import DataError, MissingDataWarning, SpecificationError
from acsi.survey import (
    by_segment,
    derived_importance,
    longest_string,
    relative_weights,
    response_styles,
    stated_importance,
    value_weighted_index,
)

SAT = [f"Q{k}" for k in range(8, 16)]


@pytest.fixture(scope="module")
def eb(ebanking: pd.DataFrame) -> pd.DataFrame:
    return ebanking


# ---------------------------------------------------------------- stated importance
def test_stated_importance_counts_known_answer():
    counts = pd.DataFrame(
        [[20, 25, 10, 5, 4], [35, 20, 5, 3, 1], [5, 10, 30, 12, 7]],
        index=["return", "safety", "brand"],
        columns=["very important", "important", "neutral", "not very", "not at all"],
    )
    t = stated_importance(counts)
    assert t.loc["return", "score"] == 20 * 5 + 25 * 4 + 10 * 3 + 5 * 2 + 4
    assert t.loc["safety", "score"] == 35 * 5 + 20 * 4 + 5 * 3 + 3 * 2 + 1
    assert t.loc["brand", "score"] == 5 * 5 + 10 * 4 + 30 * 3 + 12 * 2 + 7
    assert list(t.index) == ["safety", "return", "brand"]
    assert t["rank"].tolist() == [1, 2, 3]
    assert t.loc["safety", "mean_score"] == pytest.approx(277 / 64)
    assert (t["n"] == 64).all()
    # other weights
    t2 = stated_importance(counts, weights=(2, 1, 0, -1, -2))
    assert t2.loc["brand", "score"] == 5 * 2 + 10 - 12 - 14


def test_stated_importance_ties_and_errors():
    counts = pd.DataFrame([[1, 0], [1, 0], [0, 1]], index=list("abc"), columns=["hi", "lo"])
    t = stated_importance(counts, weights=(2, 1))
    assert t["rank"].tolist() == [1, 1, 3]
    with pytest.raises(DataError, match="3 columns but 5 weights"):
        stated_importance(pd.DataFrame([[1, 2, 3]]))
    with pytest.raises(DataError, match="whole non-negative"):
        stated_importance(pd.DataFrame([[1.5, 2]]), weights=(2, 1))
    with pytest.raises(SpecificationError, match="kind="):
        stated_importance(counts, weights=(2, 1), kind="ranks")


def test_stated_importance_ratings_equals_counts():
    rng = np.random.default_rng(2)
    ratings = pd.DataFrame(rng.integers(1, 6, size=(64, 4)), columns=["a", "b", "c", "d"])
    t = stated_importance(ratings, kind="ratings")
    for c in ratings.columns:
        assert t.loc[c, "score"] == ratings[c].sum()  # score = sum of weight x count = sum of codes
        assert t.loc[c, "n"] == 64
    lab = ratings.replace({5: "very", 4: "imp", 3: "neu", 2: "little", 1: "none"})
    t2 = stated_importance(lab, kind="ratings", levels=["very", "imp", "neu", "little", "none"])
    pd.testing.assert_series_equal(t2["score"], t["score"], check_names=False)
    bad = ratings.copy().astype(float)
    bad.iloc[0, 0] = 9
    with pytest.raises(DataError, match="'a' holds"):
        stated_importance(bad, kind="ratings")
    bad.iloc[0, 0] = np.nan
    with pytest.warns(MissingDataWarning, match="1 missing answers in 'a'"):
        t3 = stated_importance(bad, kind="ratings")
    assert t3.loc["a", "n"] == 63


# ---------------------------------------------------------------- derived importance
def _johnson_by_data(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) step by step on the data: orthogonal counterparts by SVD, OLS by statsmodels."""
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    yz = (y - y.mean()) / y.std(ddof=1)
    P, _, Qt = np.linalg.svd(Z, full_matrices=False)
    Zs = P @ Qt * np.sqrt(len(y) - 1)  # the orthonormal (scaled) matrix closest to Z
    beta = sm.OLS(yz, sm.add_constant(Zs)).fit().params[1:]
    Lam = np.column_stack([sm.OLS(Z[:, j], sm.add_constant(Zs)).fit().params[1:] for j in range(Z.shape[1])])
    return (Lam**2).T @ (beta**2)


def test_relative_weights_equal_johnson_by_data(eb):
    drivers = ["Q8", "Q9", "Q10", "Q11", "Q12", "Q13"]
    res = derived_importance(eb, drivers, "Q16")
    X = eb[drivers].to_numpy(float)
    y = eb["Q16"].to_numpy(float)
    eps = _johnson_by_data(X, y)
    np.testing.assert_allclose(res.table["raw_weight"], eps, rtol=1e-10)
    ols = sm.OLS(y, sm.add_constant(X)).fit()
    assert res.r2 == pytest.approx(ols.rsquared, rel=1e-12)
    assert res.table["raw_weight"].sum() == pytest.approx(ols.rsquared, rel=1e-12)
    assert res.table["rescaled_weight"].sum() == pytest.approx(1.0)


def test_relative_weights_orthogonal_predictors_are_r_squared():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 3))
    X = np.linalg.qr(X - X.mean(0))[0]  # exactly uncorrelated, centred
    y = X @ np.array([3.0, 1.0, 0.5]) + rng.standard_normal(100) * 0.01
    R = np.corrcoef(np.column_stack([X, y]), rowvar=False)
    eps, r2 = relative_weights(R)
    np.testing.assert_allclose(eps, R[:3, 3] ** 2, rtol=1e-10)


def test_regression_betas_equal_statsmodels(eb):
    drivers = ["Q8", "Q10", "Q11", "Q13"]
    res = derived_importance(eb, drivers, "Q17")
    Z = eb[drivers + ["Q17"]].astype(float)
    Z = (Z - Z.mean()) / Z.std(ddof=1)
    ols = sm.OLS(Z["Q17"], sm.add_constant(Z[drivers])).fit()
    np.testing.assert_allclose(res.table["beta"], ols.params[drivers], rtol=1e-10)
    np.testing.assert_allclose(res.table["se"], ols.bse[drivers], rtol=1e-10)
    np.testing.assert_allclose(res.table["t"], ols.tvalues[drivers], rtol=1e-10)
    np.testing.assert_allclose(res.table["pvalue"], ols.pvalues[drivers], rtol=1e-8)
    np.testing.assert_allclose(res.table["correlation"], eb[drivers].corrwith(eb["Q17"]), rtol=1e-12)
    # ranks: 1 = largest
    assert res.table["correlation_rank"].tolist() == list(
        stats.rankdata(-res.table["correlation"].to_numpy(), method="min").astype(int))
    assert "R-squared" in res.summary()


def test_derived_importance_errors(eb):
    with pytest.raises(DataError, match="'Q99'"):
        derived_importance(eb, ["Q8", "Q99"], "Q16")
    with pytest.raises(SpecificationError, match="also listed"):
        derived_importance(eb, ["Q8", "Q16"], "Q16")
    with pytest.raises(SpecificationError, match="methods"):
        derived_importance(eb, ["Q8"], "Q16", methods=("shapley",))
    d = eb[["Q8", "Q9", "Q16"]].copy()
    d["Q8b"] = d["Q8"] * 2
    with pytest.raises(DataError, match="linearly dependent"):
        derived_importance(d, ["Q8", "Q8b"], "Q16")
    only = derived_importance(eb, ["Q8", "Q9"], "Q16", methods=("correlation",))
    assert list(only.table.columns) == ["correlation", "correlation_rank"]


# ---------------------------------------------------------------- response styles
def test_response_styles_known_answer():
    d = pd.DataFrame(
        [[5, 5, 5, 5], [1, 10, 9, 2], [7, 8, 6, 3], [6, 6, 6, 7]],
        columns=["a", "b", "c", "d"],
    )
    rs = response_styles(d, ["a", "b", "c", "d"], scale=(1, 10))
    r = rs.respondents
    assert r["midpoint_share"].tolist() == [1.0, 0.0, 0.25, 0.75]
    assert r["extreme_share"].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert r["agree_share"].tolist() == [0.0, 0.5, 0.5, 0.25]
    assert r["disagree_share"].tolist() == [0.0, 0.5, 0.25, 0.0]
    assert r["straightlining"].tolist() == [True, False, False, False]
    assert r["longest_string"].tolist() == [4, 1, 1, 3]
    assert rs.n_straightliners == 1
    it = rs.items
    assert it.loc["a", "midpoint_share"] == 0.5 and it.loc["b", "extreme_share"] == 0.25
    o = rs.overall
    assert o.loc["midpoint", "count"] == 8 and o.loc["midpoint", "share"] == 0.5
    assert o.loc["midpoint", "uniform_share"] == pytest.approx(0.2)
    assert o.loc["extreme", "uniform_share"] == pytest.approx(0.4)
    per = r["midpoint_share"].to_numpy()
    half = stats.t.ppf(0.975, 3) * per.std(ddof=1) / 2
    assert (o.loc["midpoint", "ci_lower"], o.loc["midpoint", "ci_upper"]) == (
        pytest.approx(0.5 - half), pytest.approx(0.5 + half))


def test_response_styles_scales():
    d = pd.DataFrame([[1, 3, 5], [2, 3, 4]], columns=["x", "y", "z"])
    rs = response_styles(d, ["x", "y", "z"], scale=(1, 5))
    assert rs.ranges["midpoint"] == (3.0, 3.0)
    assert rs.ranges["extreme_low"] == (1.0, 1.0) and rs.ranges["extreme_high"] == (5.0, 5.0)
    assert rs.ranges["agree"] == (4.0, 5.0)
    assert rs.respondents["extreme_share"].tolist() == [pytest.approx(2 / 3), 0.0]
    r11 = response_styles(pd.DataFrame([[0, 5, 10], [1, 1, 1]], columns=list("abc")), list("abc"), scale=(0, 10))
    assert r11.ranges["midpoint"] == (5.0, 5.0) and r11.ranges["extreme_low"] == (0.0, 1.0)
    with pytest.raises(DataError, match="'y' holds 7"):
        response_styles(pd.DataFrame([[1, 7], [1, 2]], columns=["x", "y"]), ["x", "y"], scale=(1, 5))
    with pytest.raises(SpecificationError, match="at least two items"):
        response_styles(d, ["x"])
    assert longest_string(np.array([[1, 1, 2, 2, 2, 1]])).tolist() == [3]


def test_response_styles_on_ebanking_measure_central_tendency(eb):
    rs = response_styles(eb, SAT)
    assert rs.overall.loc["midpoint", "count"] == 108
    assert rs.overall.loc["agree", "count"] == 251 and rs.overall.loc["disagree", "count"] == 73
    text = str(rs.summary())
    assert "Midpoint answers are 25.0% of all answers" in text


# ---------------------------------------------------------------- segments
def test_by_segment_matches_scipy(eb):
    d = pd.DataFrame({"sat": eb[SAT].mean(axis=1), "income": eb["Q4"]})
    t = by_segment(d, "sat", "income", threshold=7)
    assert list(t.index) == ["<1000", "1000-2000", "2000-3000", "3000-5000", ">5000", "all"]
    for g in ["<1000", "2000-3000", "all"]:
        x = d["sat"] if g == "all" else d.loc[d["income"] == g, "sat"]
        assert t.loc[g, "n"] == len(x)
        assert t.loc[g, "mean"] == pytest.approx(x.mean())
        lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert (t.loc[g, "ci_lower"], t.loc[g, "ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
        assert t.loc[g, "share"] == pytest.approx((x >= 7).mean())


def test_by_segment_weighted():
    d = pd.DataFrame({"sat": [8.0, 6, 7, 3, 5], "seg": list("aaabb"), "w": [1.0, 1, 2, 1, 3]})
    t = by_segment(d, "sat", "seg", weights="w")
    assert t.loc["a", "mean"] == pytest.approx((8 + 6 + 14) / 4)
    assert t.loc["a", "n_effective"] == pytest.approx(16 / 6)
    equal = by_segment(d.assign(w=2.0), "sat", "seg", weights="w")
    plain = by_segment(d, "sat", "seg")
    np.testing.assert_allclose(equal[["mean", "sd", "se", "ci_lower"]], plain[["mean", "sd", "se", "ci_lower"]])
    with pytest.raises(DataError, match="negative weights"):
        by_segment(d.assign(w=-1.0), "sat", "seg", weights="w")
    with pytest.raises(DataError, match="'segg'"):
        by_segment(d, "sat", "segg")


def test_value_weighted_index_reproduces_the_trap():
    d = pd.DataFrame({
        "wave": [1, 1, 1, 1, 2, 2, 2, 2],
        "tier": ["high", "high", "other", "other"] * 2,
        "satisfied": [1, 0, 1, 0] * 2,
        "customers": [90, 10, 830, 70, 87, 13, 863, 37],
        "value": [20, 20, 1, 1] * 2,
    })
    r = value_weighted_index(d, "satisfied", "tier", "value", period="wave", count="customers")
    assert r.table.loc[1, "overall"] == pytest.approx(0.92)
    assert r.table.loc[2, "overall"] == pytest.approx(0.95)
    assert r.table.loc[1, "high"] == pytest.approx(0.90) and r.table.loc[2, "high"] == pytest.approx(0.87)
    assert r.changes.loc[2, "high"] == pytest.approx(-3.0)
    assert r.changes.loc[2, "overall"] == pytest.approx(3.0)
    assert r.table.loc[1, "value_weighted"] == pytest.approx((90 * 20 + 830) / (100 * 20 + 900))
    assert r.table.loc[2, "value_weighted"] == pytest.approx((87 * 20 + 863) / 2900)
    assert r.trap and "high changed -3.0 points" in r.notes[0]
    # the same with one row per customer
    rows = d.loc[d.index.repeat(d["customers"])].drop(columns="customers")
    r2 = value_weighted_index(rows, "satisfied", "tier", "value", period="wave")
    pd.testing.assert_frame_equal(r.table, r2.table)
    assert "Value-weighted" in r.summary()


def test_value_weighted_index_scores_and_no_trap():
    d = pd.DataFrame({"s": [9, 4, 8, 6], "seg": ["a", "a", "b", "b"], "v": [1, 1, 2, 2]})
    r = value_weighted_index(d, "s", "seg", "v", threshold=7)
    assert r.table.loc["all", "overall"] == 0.5 and r.changes is None and not r.trap
    r2 = value_weighted_index(d, "s", "seg", "v")
    assert r2.table.loc["all", "value_weighted"] == pytest.approx((9 + 4 + 16 + 12) / 6)
    with pytest.raises(DataError, match="negative customer values"):
        value_weighted_index(d.assign(v=-1), "s", "seg", "v")


def test_general_dominance_equals_all_subsets_by_statsmodels(eb):
    from itertools import combinations
    from math import comb

    drivers = ["Q8", "Q10", "Q11", "Q13"]
    res = derived_importance(eb, drivers, "Q16", methods=("dominance", "relative_weights"))
    y = eb["Q16"].to_numpy(float)

    def r2(sub):
        if not sub:
            return 0.0
        return sm.OLS(y, sm.add_constant(eb[list(sub)].to_numpy(float))).fit().rsquared

    p = len(drivers)
    expected = []
    for d in drivers:
        others = [o for o in drivers if o != d]
        by_size = [np.mean([r2((*s, d)) - r2(s) for s in combinations(others, k)]) for k in range(p)]
        expected.append(np.mean(by_size))
        assert len(list(combinations(others, 1))) == comb(p - 1, 1)
    np.testing.assert_allclose(res.table["dominance"], expected, rtol=1e-10)
    assert res.table["dominance"].sum() == pytest.approx(res.r2, rel=1e-12)
    # relative weights and general dominance rank these drivers alike
    assert res.table["dominance_rank"].tolist() == res.table["relative_weight_rank"].tolist()


def test_by_segment_segment_called_all():
    d = pd.DataFrame({"s": [1.0, 2, 3, 4], "g": ["all", "all", "x", "x"]})
    t = by_segment(d, "s", "g")
    assert list(t.index) == ["all", "x", "all (pooled)"]
