"""acsi.pls against the PyPI seminr port (fixtures tests/data/seminr_port, made by
tests/reference/make_seminr_port.py): the bank ``satisfaction`` data under the centroid
and factorial schemes (Mode A and with a Mode B block), and seminr's corporate reputation
example with -99 declared missing, mean replacement and listwise deletion. 1e-6 absolute.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.datasets import load_corp_rep, load_satisfaction
from acsi.exceptions import MissingDataWarning

DATA = Path(__file__).parent / "data" / "seminr_port"
ATOL = 1e-6


def _tab(t: dict) -> pd.DataFrame:
    return pd.DataFrame(np.array(t["values"], dtype=float), index=t["rows"], columns=t["cols"])


def _check(res, ref: dict) -> None:
    def close(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
        e = expected.loc[actual.index, actual.columns].to_numpy()
        np.testing.assert_allclose(actual.to_numpy(dtype=float), e, atol=ATOL, rtol=0, equal_nan=True)

    close(res.paths, _tab(ref["pathCoef"]))
    close(res.weights, _tab(ref["outerWeights"]))
    close(res.loadings, _tab(ref["outerLoadings"]))
    r2 = _tab(ref["rSquared"])
    np.testing.assert_allclose(res.r_squared.to_numpy(), r2.loc["Rsq", res.r_squared.index].to_numpy(), atol=ATOL)
    np.testing.assert_allclose(
        res.adj_r_squared.to_numpy(), r2.loc["AdjRsq", res.adj_r_squared.index].to_numpy(), atol=ATOL
    )
    rel = _tab(ref["reliability"]).rename(columns={"rhoA": "rho_a", "rhoC": "rho_c", "AVE": "ave"})
    close(res.reliability, rel)
    close(res.htmt, _tab(ref["htmt"]))
    head = pd.DataFrame(ref["scoresHead"], columns=ref["scoresCols"])
    np.testing.assert_allclose(res.scores.iloc[:5][head.columns].to_numpy(), head.to_numpy(), atol=ATOL)
    assert res.iterations == ref["iterations"]
    assert res.n == ref["n"]
    assert res.converged


@pytest.mark.parametrize(
    "case",
    [
        "satisfaction_centroid",
        "satisfaction_factorial",
        "satisfaction_path_modeB",
        "satisfaction_factorial_modeB",
        "satisfaction_centroid_modeB",
    ],
)
def test_satisfaction_schemes(case):
    ref = json.loads((DATA / f"{case}.json").read_text())
    res = acsi.pls(ref["acsi_model"], load_satisfaction(), scheme=ref["scheme"])
    assert res.settings.scheme == ref["scheme"]
    _check(res, ref)


def test_schemes_differ():
    """The three schemes give different weights on these data (the scheme is really used)."""
    ref = json.loads((DATA / "satisfaction_centroid.json").read_text())
    df = load_satisfaction()
    w = {s: acsi.pls(ref["acsi_model"], df, scheme=s).weights.to_numpy() for s in ("path", "factorial", "centroid")}
    assert np.abs(w["path"] - w["centroid"]).max() > 1e-4
    assert np.abs(w["factorial"] - w["centroid"]).max() > 1e-4


def test_corp_rep_mean_replacement_with_na_code():
    ref = json.loads((DATA / "corp_rep_mean.json").read_text())
    raw = load_corp_rep(na_code=None)  # the file's -99 codes kept
    assert (raw == -99).any().any()
    with pytest.warns(MissingDataWarning, match="replaced by column means"):
        res = acsi.pls(ref["acsi_model"], raw, missing="mean", na_values=-99)
    assert res.data.n_replaced > 0 and res.data.n_dropped == 0
    _check(res, ref)


def test_corp_rep_listwise_with_na_code():
    ref = json.loads((DATA / "corp_rep_naomit.json").read_text())
    raw = load_corp_rep(na_code=None)
    with pytest.warns(MissingDataWarning, match="removed") as rec:
        res = acsi.pls(ref["acsi_model"], raw, na_values=-99)
    assert any(f"{res.data.n_dropped} of 344" in str(w.message) for w in rec)
    assert res.data.n_dropped == 344 - ref["n"]
    _check(res, ref)


def test_corp_rep_without_declaring_code_uses_it_as_a_value():
    """-99 is only missing when declared: undeclared, the rows are kept as numbers."""
    ref = json.loads((DATA / "corp_rep_mean.json").read_text())
    raw = load_corp_rep(na_code=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingDataWarning)
        res = acsi.pls(ref["acsi_model"], raw)
    assert res.n == 344
    expected = _tab(ref["pathCoef"]).loc[res.paths.index, res.paths.columns].to_numpy()
    assert np.abs(res.paths.to_numpy() - expected).max() > 1e-3


def test_mobi_full_ecsi_plsc_evaluation():
    """Full ECSI model, all constructs reflective (PLSc), with seminr's summary() tables."""
    ref = json.loads((DATA / "mobi_m2_plsc.json").read_text())
    from acsi.datasets import load_mobi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", acsi.InadmissibleSolutionWarning)
        res = acsi.pls(ref["acsi_model"], load_mobi(), consistent=True)
    _check(res, ref)

    def close(actual: pd.DataFrame, key: str) -> None:
        e = _tab(ref[key]).loc[actual.index, actual.columns].to_numpy()
        np.testing.assert_allclose(actual.to_numpy(dtype=float), e, atol=ATOL, rtol=0, equal_nan=True)

    close(res.fornell_larcker, "flCriteria")
    close(res.cross_loadings, "crossLoadings")
    close(res.f_squared, "fSquare")
    close(res.total_effects, "totalEffects")
    vif = res.vif
    for row in vif[vif["kind"] == "indicator"].itertuples():
        assert row.vif == pytest.approx(ref["itemVifs"][row.construct][row.variable], abs=ATOL)
    for row in vif[vif["kind"] == "inner"].itertuples():
        expected = ref["antecedentVifs"][row.construct][row.variable]
        if expected is None or np.isnan(expected):
            assert np.isnan(row.vif)
        else:
            assert row.vif == pytest.approx(expected, abs=ATOL)
