"""acsi.pls against R seminr 2.5.0.9000 (fixtures in tests/data/seminr, see PROVENANCE.md).

All comparisons at 1e-6 absolute (measured deviations are ~1e-14).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ECSI_MOBI as M2
from conftest import ECSI_MOBI_BASIC as M1

import acsi

DATA = Path(__file__).parent / "data" / "seminr"
ATOL = 1e-6

M3 = M1.replace("Value        <~", "Value        =~")
REDUCED = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""


def _load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def _tab(t: dict) -> pd.DataFrame:
    vals = np.array(t["values"], dtype=float)
    if isinstance(t["cols"], str):
        vals = vals[:, None]
    cols = [t["cols"]] if isinstance(t["cols"], str) else t["cols"]
    return pd.DataFrame(vals, index=t["rows"], columns=cols)


def _close(actual: pd.DataFrame | pd.Series, expected: pd.DataFrame | pd.Series) -> None:
    if isinstance(actual, pd.Series):
        expected = expected.loc[actual.index]
    else:
        expected = expected.loc[actual.index, actual.columns]
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), atol=ATOL, rtol=0
    )


@pytest.fixture(scope="module")
def m2(mobi):
    return acsi.pls(M2, mobi)


@pytest.mark.parametrize(
    "name, model, consistent",
    [("M1_basic_composite", M1, False), ("M2_full_ecsi", M2, False), ("M3_reflective_plsc", M3, True)],
)
def test_estimates_match_seminr(mobi, name, model, consistent):
    ref = _load(name)
    res = acsi.pls(model, mobi, consistent=consistent)
    _close(res.paths, _tab(ref["pathCoef"]))
    _close(res.loadings, _tab(ref["outerLoadings"]))
    _close(res.weights, _tab(ref["outerWeights"]))
    r2 = _tab(ref["rSquared"]).T
    _close(res.r_squared, r2["Rsq"])
    _close(res.adj_r_squared, r2["AdjRsq"])
    assert res.iterations == ref["iterations"]
    assert res.converged
    head = _tab(ref["constructScoresHead"])
    np.testing.assert_allclose(
        res.scores.iloc[: len(head)][head.columns].to_numpy(), head.to_numpy(), atol=ATOL, rtol=0
    )
    absmean = pd.Series(ref["constructScoresAbsMean"])
    _close(res.scores.abs().mean(), absmean)
    if consistent:
        rho = _tab(ref["rhoA"])["rhoA"]
        _close(res.rho_a, rho)
        assert res.settings.consistent


def test_m2_total_effects(m2):
    ref = _load("M2_full_ecsi")
    _close(m2.total_effects, _tab(ref["totalEffects"]))


def test_m7_evaluation(m2):
    ref = _load("M7_evaluation_m2")
    rel = _tab(ref["reliability"]).rename(columns={"rhoA": "rho_a", "rhoC": "rho_c", "AVE": "ave"})
    _close(m2.reliability, rel)
    # HTMT: upper triangle only, NaN elsewhere in both
    h_ref = _tab(ref["htmt"]).loc[m2.htmt.index, m2.htmt.columns]
    assert (np.isnan(h_ref.to_numpy()) == np.isnan(m2.htmt.to_numpy())).all()
    np.testing.assert_allclose(m2.htmt.to_numpy(), h_ref.to_numpy(), atol=ATOL, equal_nan=True)
    fl_ref = _tab(ref["flCriteria"]).loc[m2.fornell_larcker.index, m2.fornell_larcker.columns]
    np.testing.assert_allclose(m2.fornell_larcker.to_numpy(), fl_ref.to_numpy(), atol=ATOL, equal_nan=True)
    assert (np.isnan(fl_ref.to_numpy()) == np.isnan(m2.fornell_larcker.to_numpy())).all()
    _close(m2.cross_loadings, _tab(ref["crossLoadings"]))
    # item VIFs
    vif = m2.vif
    items = vif[vif["kind"] == "indicator"]
    for _, row in items.iterrows():
        assert row["vif"] == pytest.approx(ref["itemVifs"][row["construct"]][row["variable"]], abs=ATOL)
    assert len(items) == sum(len(v) for v in ref["itemVifs"].values())
    inner = vif[vif["kind"] == "inner"]
    assert len(inner) == sum(len(v) for v in ref["antecedentVifs"].values())
    for _, row in inner.iterrows():
        expected = ref["antecedentVifs"][row["construct"]][row["variable"]]
        if expected is None:
            assert np.isnan(row["vif"])
        else:
            assert row["vif"] == pytest.approx(expected, abs=ATOL)
    _close(m2.f_squared, _tab(ref["fSquare"]))
    _close(m2.total_effects, _tab(ref["totalEffects"]))
    tie = _tab(ref["totalIndirectEffects"])
    eff = m2.effects.set_index(["source", "target"])
    for (s, t), row in eff.iterrows():
        assert row["indirect"] == pytest.approx(tie.loc[s, t], abs=ATOL)
        assert row["total"] == pytest.approx(_tab(ref["totalEffects"]).loc[s, t], abs=ATOL)
        assert row["direct"] == pytest.approx(m2.paths.loc[s, t], abs=ATOL)
    # every nonzero total effect of seminr is in the long table
    tot = _tab(ref["totalEffects"])
    nz = {(s, t) for s in tot.index for t in tot.columns if abs(tot.loc[s, t]) > 0}
    assert nz == set(eff.index)
    rep = _tab(ref["pathsReport"])
    _close(m2.r_squared, rep.loc["R^2"])
    _close(m2.adj_r_squared, rep.loc["AdjR^2"])


def test_reliability_and_htmt_csv(mobi):
    res = acsi.pls(REDUCED, mobi)
    rel = pd.read_csv(DATA / "reliability.csv", index_col=0).rename(
        columns={"rhoA": "rho_a", "rhoC": "rho_c", "AVE": "ave"}
    )
    _close(res.reliability, rel)
    h = pd.read_csv(DATA / "htmt.csv", index_col=0)
    np.testing.assert_allclose(
        res.htmt.to_numpy(), h.loc[res.htmt.index, res.htmt.columns].to_numpy(), atol=ATOL, equal_nan=True
    )
