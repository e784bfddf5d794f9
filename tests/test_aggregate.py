"""acsi.aggregate: revenue-weighted industries, GDP-weighted nation, intervals from the
aggregated company replicates, change over periods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.national import NationalIndex
from acsi.simulation import simulate

MODEL = "Quality =~ q1 + q2 + q3; Satisfaction =~ s1 + s2 + s3; Satisfaction ~ Quality"
POP = """
Quality =~ 0.8*q1 + 0.8*q2 + 0.7*q3
Satisfaction =~ 0.8*s1 + 0.85*s2 + 0.8*s3
Satisfaction ~ 0.6*Quality
Quality ~~ 1*Quality
Satisfaction ~~ 0.64*Satisfaction
q1 ~~ 0.36*q1
q2 ~~ 0.36*q2
q3 ~~ 0.51*q3
s1 ~~ 0.36*s1
s2 ~~ 0.2775*s2
s3 ~~ 0.36*s3
"""
INDUSTRY = {"A": "banks", "B": "banks", "C": "insurance", "D": "airlines", "E": "hotels"}
SECTOR = {"banks": "finance", "insurance": "finance", "airlines": "transport", "hotels": "transport"}
REVENUE = {"A": 3.0, "B": 1.0, "C": 2.0, "D": 5.0, "E": 2.0}
GDP = {"finance": 0.3, "transport": 0.7}


def companies(year: int = 2024, lift: dict[str, float] | None = None, n: int = 80) -> pd.DataFrame:
    frames = []
    for j, c in enumerate(INDUSTRY):
        raw = simulate(POP, n, seed=100 * year + j)
        f = np.clip(np.round(6.5 + 0.3 * j + 1.3 * raw), 1, 10)
        if lift and c in lift:
            f[["s1", "s2", "s3"]] = np.clip(f[["s1", "s2", "s3"]] + lift[c], 1, 10)
        f.insert(0, "company", c)
        frames.append(f)
    d = pd.concat(frames, ignore_index=True)
    d["industry"] = d.company.map(INDUSTRY)
    d["sector"] = d.industry.map(SECTOR)
    d["revenue"] = d.company.map(REVENUE)
    d["year"] = year
    return d


@pytest.fixture(scope="module")
def fm() -> acsi.many.FitManyResult:
    return acsi.fit_many(MODEL, companies(), by="company", bootstrap=150, seed=4)


@pytest.fixture(scope="module")
def nat(fm: acsi.many.FitManyResult) -> NationalIndex:
    return acsi.aggregate(fm, weights="revenue", levels=["company", "industry", "sector", "nation"],
                          level_weights={"sector": GDP})


def test_weighted_means_up_the_hierarchy(fm: acsi.many.FitManyResult, nat: NationalIndex) -> None:
    ind = fm.indices.query("construct == 'Satisfaction'").set_index("company")["index"]
    t = nat.table.query("construct == 'Satisfaction'").set_index(["level", "unit"])
    banks = (3 * ind["A"] + 1 * ind["B"]) / 4
    assert t.loc[("industry", "banks"), "index"] == pytest.approx(banks, abs=1e-12)
    finance = (4 * banks + 2 * ind["C"]) / 6  # industries weighted by their revenue
    transport = (5 * ind["D"] + 2 * ind["E"]) / 7
    assert t.loc[("sector", "finance"), "index"] == pytest.approx(finance, abs=1e-12)
    nation = 0.3 * finance + 0.7 * transport  # sectors weighted by GDP share
    assert t.loc[("nation", "nation"), "index"] == pytest.approx(nation, abs=1e-12)
    assert t.loc[("company", "A"), "share"] == pytest.approx(0.75)
    assert t.loc[("sector", "transport"), "share"] == pytest.approx(0.7)
    assert t.loc[("nation", "nation"), "n_companies"] == 5


def test_intervals_from_aggregated_replicates(fm: acsi.many.FitManyResult, nat: NationalIndex) -> None:
    D = {c: fm.index_draws(c)["Satisfaction"].to_numpy() for c in INDUSTRY}
    B = min(len(v) for v in D.values())
    banks = (3 * D["A"][:B] + D["B"][:B]) / 4
    fin = (4 * banks + 2 * D["C"][:B]) / 6
    tra = (5 * D["D"][:B] + 2 * D["E"][:B]) / 7
    nation = 0.3 * fin + 0.7 * tra
    np.testing.assert_allclose(nat.draws("nation", "nation", "Satisfaction"), nation, rtol=0, atol=1e-12)
    row = nat.table.query("level == 'nation' and construct == 'Satisfaction'").iloc[0]
    lo, hi = np.quantile(nation[np.isfinite(nation)], [0.025, 0.975])
    assert (row.ci_lower, row.ci_upper) == pytest.approx((lo, hi), abs=1e-12)
    # shared draws: the nation is far more precise than one company, and no wider than its sectors
    t = nat.table.query("construct == 'Satisfaction'").set_index(["level", "unit"])
    assert t.loc[("nation", "nation"), "boot_se"] < t.loc[("company", "D"), "boot_se"]
    # company rows carry the fit's own intervals
    mine = fm.indices.query("company == 'A' and construct == 'Satisfaction'").iloc[0]
    assert t.loc[("company", "A"), "ci_lower"] == mine.ci_lower


def test_change_over_periods_and_significance() -> None:
    both = pd.concat([companies(2024), companies(2025, lift={"D": 1.5})], ignore_index=True)
    fmy = acsi.fit_many(MODEL, both, by=["company", "year"], bootstrap=150, seed=4)
    nat = acsi.aggregate(fmy, weights="revenue", period="year", level_weights={"sector": GDP})
    ch = nat.change.query("construct == 'Satisfaction'").set_index(["level", "unit"])
    assert ch.loc[("company", "D"), "significant"] and ch.loc[("company", "D"), "change"] > 5
    assert ch.loc[("industry", "airlines"), "significant"]
    assert ch.loc[("nation", "nation"), "pvalue"] < 0.05
    assert ch.loc[("company", "D"), "period_from"] == 2024 and ch.loc[("company", "D"), "period_to"] == 2025
    tab = nat.table.query("construct == 'Satisfaction' and level == 'company' and unit == 'D'")
    assert list(tab.period) == [2024, 2025]
    fig = nat.plot("Satisfaction", "sector")
    assert fig.axes[0].get_xlabel() == "year"


def test_frame_input_and_gdp_column() -> None:
    idx = pd.DataFrame({"company": list("ABCD"), "index": [80.0, 70.0, 60.0, 75.0],
                        "industry": ["banks", "banks", "airlines", "hotels"],
                        "sector": ["finance", "finance", "transport", "transport"],
                        "revenue": [3.0, 1.0, 2.0, 2.0], "gdp": [0.4, 0.4, 0.6, 0.6]})
    nat = acsi.aggregate(idx, weights="revenue", level_weights={"sector": "gdp"})
    assert nat.table.query("level == 'nation'")["index"].iloc[0] == pytest.approx(0.4 * 77.5 + 0.6 * 67.5)
    assert nat.table["ci_lower"].isna().all() and "no bootstrap" in nat.notes[0]
    by_map = acsi.aggregate(idx, weights={"A": 3, "B": 1, "C": 2, "D": 2}, level_weights={"sector": "gdp"})
    pd.testing.assert_frame_equal(by_map.table, nat.table)
    ex = acsi.aggregate(idx, weights="revenue", levels=["company", "industry", "nation"], exclude=["A"])
    assert ex.table.query("level == 'industry' and unit == 'banks'")["index"].iloc[0] == 70.0
    assert "excluded" in ex.notes[-1]


def test_errors(fm: acsi.many.FitManyResult) -> None:
    idx = pd.DataFrame({"company": list("AB"), "index": [80.0, np.nan], "industry": ["x", "x"],
                        "revenue": [1.0, 2.0]})
    with pytest.raises(acsi.DataError, match="no index for company B.*exclude"):
        acsi.aggregate(idx, levels=["company", "industry", "nation"])
    neg = idx.assign(index=[80.0, 70.0], revenue=[1.0, -2.0])
    with pytest.raises(acsi.DataError, match="weight of 'B' must be a finite number >= 0"):
        acsi.aggregate(neg, levels=["company", "industry", "nation"])
    with pytest.raises(acsi.DataError, match="'revnue' is not a column.*did you mean 'revenue'"):
        acsi.aggregate(neg.assign(revenue=1.0), weights="revnue", levels=["company", "industry", "nation"])
    with pytest.raises(acsi.DataError, match="has no weight for 'B'"):
        acsi.aggregate(neg, weights={"A": 1.0}, levels=["company", "industry", "nation"])
    nested = pd.DataFrame({"company": list("ABC"), "index": [1.0, 2.0, 3.0], "industry": ["x", "x", "y"],
                           "sector": ["s", "t", "t"], "revenue": 1.0})
    with pytest.raises(acsi.DataError, match="belongs to two sector units"):
        acsi.aggregate(nested)
    with pytest.raises(acsi.SpecificationError, match="level_weights names 'nation'"):
        acsi.aggregate(fm, level_weights={"nation": {}})
    with pytest.raises(acsi.DataError, match="takes several values within company"):
        bad = companies()
        bad.loc[0, "industry"] = "hotels"
        acsi.aggregate(acsi.fit_many(MODEL, bad, by="company", bootstrap=0), levels=["company", "industry", "nation"])
    full = companies()
    tiny = full[(full.company != "E") | (full.index < full.index[full.company == "E"][2])]  # E keeps 2 rows
    fmf = acsi.fit_many(MODEL, tiny, by="company", bootstrap=0)
    assert fmf.status.set_index("company").loc["E", "status"] == "failed"
    with pytest.raises(acsi.DataError, match="no index for company E"):
        acsi.aggregate(fmf, levels=["company", "industry", "nation"])
    ok = acsi.aggregate(fmf, levels=["company", "industry", "nation"], exclude=["E"])
    assert "E" not in set(ok.table.unit)
    with pytest.raises(acsi.SpecificationError, match="levels must list"):
        acsi.aggregate(fm, levels="company")
    with pytest.raises(acsi.SpecificationError, match="FitManyResult"):
        acsi.aggregate([1, 2])
    with pytest.raises(acsi.SpecificationError, match="level must lie"):
        acsi.aggregate(fm, level=95)


def test_immutable_and_printable(nat: NationalIndex) -> None:
    t = nat.table
    t["index"] = 0.0
    assert (nat.table["index"] > 0).all()
    d = nat.draws("nation", "nation", "Quality")
    with pytest.raises(ValueError):
        d[0] = 1.0
    with pytest.raises(AttributeError):
        nat.level = 0.9  # type: ignore[misc]
    assert "Aggregated ACSI index" in str(nat)
    fig = nat.plot("Satisfaction", "industry")
    assert len(fig.axes[0].get_yticklabels()) == 4
    with pytest.raises(acsi.SpecificationError, match="did you mean 'Satisfaction'"):
        nat.plot("Satisfction")
