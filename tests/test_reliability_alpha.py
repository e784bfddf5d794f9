"""cronbach_alpha against R psych::alpha (tests/data/psych, see PROVENANCE.md)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import acsi
from acsi import DataError, MissingDataWarning
from acsi.reliability import cronbach_alpha

DATA = Path(__file__).parent / "data" / "psych"
TOL = 1e-10  # psych prints full precision; the formulas are closed form

LOADERS = {
    "holzinger_swineford_1939.csv": acsi.datasets.load_holzinger_swineford,
    "mobi.csv": acsi.datasets.load_mobi,
    "satisfaction.csv": acsi.datasets.load_satisfaction,
}


def _load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def _keys(ref: dict) -> list[str] | None:
    k = ref.get("keys")
    if not k:
        return None
    if isinstance(k, str):
        return [k]
    if isinstance(k, (dict, list)):  # psych's keys list: items with a "-" prefix are reversed
        vals = k.values() if isinstance(k, dict) else k
        flat = [v for group in vals for v in (group if isinstance(group, list) else [group])]
        out = [str(v)[1:] for v in flat if str(v).startswith("-")]
        return out or None
    return None


def _data(ref: dict) -> pd.DataFrame:
    if ref["data"] == "c_hs_missing.csv":
        return pd.read_csv(DATA / "c_hs_missing.csv")
    return LOADERS[ref["data"]]()


# every psych::alpha reference in tests/data/psych (REF's and helper C's c_* cases)
CASES = sorted(
    p.stem
    for p in DATA.glob("*.json")
    if json.loads(p.read_text()).get("kind") == "alpha" and not p.stem.startswith("zoo_")
)  # zoo_*: test_reliability_zoo.py


def test_alpha_cases_present() -> None:
    assert {"hs_alpha_visual", "alpha_keys", "c_alpha_pairwise", "c_alpha_two_items"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_alpha_equals_psych(case: str) -> None:
    ref = _load(case)
    df = _data(ref)
    missing = "pairwise" if df[ref["items"]].isna().any().any() else "listwise"  # psych's default
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        res = cronbach_alpha(df[ref["items"]], keys=_keys(ref), missing=missing)
    tot = ref["total"]
    assert_allclose(res.alpha, tot["raw_alpha"], rtol=0, atol=TOL)
    assert_allclose(res.std_alpha, tot["std.alpha"], rtol=0, atol=TOL)
    assert_allclose(res.g6, tot["G6(smc)"], rtol=0, atol=TOL)
    assert_allclose(res.average_r, tot["average_r"], rtol=0, atol=TOL)
    assert_allclose(res.signal_noise, tot["S/N"], rtol=1e-10)
    assert_allclose(res.ase, tot["ase"], rtol=0, atol=TOL)
    assert_allclose(res.total_mean, tot["mean"], rtol=0, atol=TOL)
    assert_allclose(res.total_sd, tot["sd"], rtol=0, atol=TOL)
    assert_allclose(res.median_r, tot["median_r"], rtol=0, atol=TOL)
    assert_allclose(
        [res.ci_lower, res.ci_upper], np.ravel([ref["feldt"]["lower.ci"], ref["feldt"]["upper.ci"]]), rtol=0, atol=1e-10
    )
    stats = pd.DataFrame(ref["item_stats"])
    stats.index = [s.rstrip("-") for s in stats["item"]]
    it = res.items.loc[stats.index]
    for ours, theirs in [("n", "n"), ("raw_r", "raw.r"), ("std_r", "std.r"), ("r_cor", "r.cor"),
                         ("r_drop", "r.drop"), ("mean", "mean"), ("sd", "sd")]:
        assert_allclose(it[ours].to_numpy(float), stats[theirs].to_numpy(float), rtol=0, atol=TOL, err_msg=ours)
    drop = pd.DataFrame(ref["alpha_drop"])
    drop.index = [s.rstrip("-") for s in drop["item"]]
    ad = res.alpha_drop.loc[drop.index]
    for ours, theirs in [("raw_alpha", "raw_alpha"), ("std_alpha", "std.alpha"), ("g6", "G6(smc)"),
                         ("average_r", "average_r"), ("signal_noise", "S/N"), ("alpha_se", "alpha se"),
                         ("var_r", "var.r"), ("med_r", "med.r")]:
        expected = pd.to_numeric(drop[theirs], errors="coerce").to_numpy(float)
        assert_allclose(ad[ours].to_numpy(float), expected, rtol=1e-9, atol=TOL, err_msg=ours, equal_nan=True)
    assert_allclose(it["alpha_if_deleted"], ad["raw_alpha"])
    assert list(it.index[it["reversed"]]) == (_keys(ref) or [])


def test_reverse_constant_is_global_range_as_psych(mobi: pd.DataFrame) -> None:
    res = cronbach_alpha(mobi[["CUSA1", "CUSA2", "CUSA3", "CUSCO"]], keys="CUSCO")
    items = mobi[["CUSA1", "CUSA2", "CUSA3", "CUSCO"]].to_numpy()
    assert res.reverse_constant == items.min() + items.max()
    # an explicit response scale changes the means of reversed items only, not alpha
    res2 = cronbach_alpha(mobi[["CUSA1", "CUSA2", "CUSA3", "CUSCO"]], keys="CUSCO", scale=(1, 10))
    assert res2.reverse_constant == 11
    assert_allclose(res2.alpha, res.alpha, atol=1e-14)
    assert_allclose(res2.items.loc["CUSCO", "mean"], 11 - mobi["CUSCO"].mean(), atol=1e-12)


@pytest.mark.parametrize("case", [c for c in CASES if "duhachek_ci" in _load(c)])
def test_duhachek_ci_equals_psych_print(case: str) -> None:
    ref = _load(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        res = cronbach_alpha(_data(ref)[ref["items"]], keys=_keys(ref), ci="duhachek")
    d = ref["duhachek_ci"]
    assert_allclose([res.ci_lower, res.ci_upper], np.ravel([d["lower"], d["upper"]]), rtol=0, atol=1e-12)


def test_feldt_level(hs: pd.DataFrame) -> None:
    r95 = cronbach_alpha(hs[["x1", "x2", "x3"]])
    r90 = cronbach_alpha(hs[["x1", "x2", "x3"]], level=0.90)
    assert r95.ci_lower < r90.ci_lower < r90.alpha < r90.ci_upper < r95.ci_upper


def test_bootstrap_ci_is_seeded_and_brackets_alpha(hs: pd.DataFrame) -> None:
    a = cronbach_alpha(hs[["x1", "x2", "x3"]], ci="bootstrap", n_boot=300, seed=7)
    b = cronbach_alpha(hs[["x1", "x2", "x3"]], ci="bootstrap", n_boot=300, seed=7)
    c = cronbach_alpha(hs[["x1", "x2", "x3"]], ci="bootstrap", n_boot=300, seed=8)
    assert (a.ci_lower, a.ci_upper) == (b.ci_lower, b.ci_upper)
    assert (a.ci_lower, a.ci_upper) != (c.ci_lower, c.ci_upper)
    assert a.ci_lower < a.alpha < a.ci_upper
    assert a.n_boot == 300 and a.n_boot_failed == 0
    # close to Feldt's interval for these well-behaved items
    f = cronbach_alpha(hs[["x1", "x2", "x3"]])
    assert abs(a.ci_lower - f.ci_lower) < 0.03 and abs(a.ci_upper - f.ci_upper) < 0.03


def test_listwise_default_warns_and_matches_complete_case_psych_formula() -> None:
    df = pd.read_csv(DATA / "c_hs_missing.csv")
    with pytest.warns(MissingDataWarning, match="listwise"):
        res = cronbach_alpha(df)
    full = cronbach_alpha(df.dropna())
    assert res.n == len(df.dropna()) == full.n
    assert_allclose(res.alpha, full.alpha, atol=1e-15)


def test_errors(hs: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="at least 2"):
        cronbach_alpha(hs[["x1"]])
    with pytest.raises(DataError, match="'x10'.*did you mean"):
        cronbach_alpha(hs, columns=["x1", "x10"])
    const = hs[["x1", "x2"]].assign(c=3.0)
    with pytest.raises(DataError, match="'c' is constant"):
        cronbach_alpha(const)
    with pytest.raises(DataError, match="keys.*'x9'"):
        cronbach_alpha(hs[["x1", "x2", "x3"]], keys=["x9"])
    with pytest.raises(ValueError, match="ci="):
        cronbach_alpha(hs[["x1", "x2", "x3"]], ci="wald")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="scale"):
        cronbach_alpha(hs[["x1", "x2", "x3"]], keys=["x1"], scale=(1, 5))


def test_renders(hs: pd.DataFrame) -> None:
    res = cronbach_alpha(hs[["x1", "x2", "x3"]], keys=["x2"])
    assert "Cronbach's alpha" in str(res) and "reverse-keyed" in str(res)
    assert "<table" in res._repr_html_()
    with pytest.raises(AttributeError):
        res.alpha = 1.0  # type: ignore[misc]


def test_negatively_correlated_item_warns_and_names_keys(mobi: pd.DataFrame) -> None:
    df = mobi[["CUSA1", "CUSA2", "CUSA3"]].assign(REV=11 - mobi["CUSL1"])
    with pytest.warns(acsi.AcsiWarning, match=r"REV.*keys=\['REV'\]"):
        cronbach_alpha(df)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cronbach_alpha(df, keys=["REV"])
    assert res.items.loc["REV", "r_drop"] > 0


def test_bootstrap_counts_undefined_resamples() -> None:
    # an item with 3 non-zero answers in 60 rows is constant in about 5% of resamples
    rng = np.random.default_rng(0)
    base = rng.normal(size=60)
    rare = np.zeros(60)
    rare[:3] = 1.0
    df = pd.DataFrame({"a": base + rng.normal(size=60), "b": base + rng.normal(size=60), "rare": rare})
    res = cronbach_alpha(df, ci="bootstrap", n=400, seed=1)
    assert 0 < res.n_boot_failed < 400
    assert "bootstrap resamples gave no alpha" in str(res)
    assert np.isfinite([res.ci_lower, res.ci_upper]).all()
