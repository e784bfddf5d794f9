"""PLSpredict (res.predict) against the seminr port's predict_pls given the same folds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.exceptions import DataError, SpecificationError
from acsi.plspm.predict import cut_folds

PORT = Path(__file__).parent / "data" / "seminr_port"
TOL = 1e-9


def _load(name: str) -> dict:
    return json.loads((PORT / f"{name}.json").read_text())


def _folds(fx: dict) -> np.ndarray:
    """The port's orderings (rows in shuffled order, cut into contiguous folds) as fold ids."""
    n = fx["n"]
    cut = cut_folds(n, fx["folds"])
    out = np.empty((fx["reps"], n), dtype=int)
    for r, order in enumerate(fx["orderings"]):
        out[r, np.asarray(order)] = cut
    return out


def _fit(fx: dict, data: pd.DataFrame) -> acsi.plspm.results.PLSResult:
    kw = {"missing": "mean", "na_values": fx["missing_value"]} if fx["missing_value"] is not None else {}
    return acsi.pls(fx["acsi_model"], data, consistent=fx["consistent"], **kw)


@pytest.mark.parametrize("name", ["predict_corp_rep_da", "predict_mobi_ea", "predict_mobi_plsc_da"])
def test_equal_to_seminr_port(name: str, mobi: pd.DataFrame, corp_rep_raw: pd.DataFrame) -> None:
    fx = _load(name)
    data = corp_rep_raw if "corp" in name else mobi
    res = _fit(fx, data)
    pr = res.predict(technique=fx["technique"], folds_indices=_folds(fx))
    assert sorted(pr.indicators) == sorted(fx["items"])
    order = [pr.indicators.index(i) for i in fx["items"]]
    for ours, key in ((pr.pls, "pls"), (pr.pls_in_sample, "pls_in"), (pr.lm, "lm"), (pr.lm_in_sample, "lm_in")):
        np.testing.assert_allclose(ours[:, order], np.asarray(fx[key]), rtol=0, atol=TOL, err_msg=key)
    # metrics are functions of the predictions: RMSE of the port's residuals
    actual = pr.actual[:, order]
    rmse = np.sqrt(np.mean((actual - np.asarray(fx["pls"])) ** 2, axis=0))
    np.testing.assert_allclose(pr.table["pls_rmse"].to_numpy()[order], rmse, rtol=1e-12)


def test_textbook_table_shape(corp_rep_raw: pd.DataFrame) -> None:
    """Hair et al., PLS-SEM using R, ch. 6: predict_pls(DA, 10 folds, 10 reps) on the
    corporate reputation model: one row per endogenous indicator with PLS and LM
    out-of-sample RMSE/MAE; here against the port's numbers for the same folds."""
    fx = _load("predict_corp_rep_da")
    res = _fit(fx, corp_rep_raw)
    pr = res.predict(folds_indices=_folds(fx))
    t = pr.table
    assert list(t.index) == ["comp_1", "comp_2", "comp_3", "like_1", "like_2", "like_3", "cusa",
                             "cusl_1", "cusl_2", "cusl_3"]
    assert list(t.columns) == ["construct", "q2_predict", "pls_rmse", "pls_mae", "lm_rmse", "lm_mae",
                               "ia_rmse", "ia_mae", "pls_minus_lm_rmse"]
    port = np.asarray(fx["lm"])
    e = pr.actual[:, [pr.indicators.index(i) for i in fx["items"]]] - port
    np.testing.assert_allclose(t.loc[fx["items"], "lm_mae"].to_numpy(), np.mean(np.abs(e), axis=0), rtol=1e-12)
    assert (t["q2_predict"] > 0).all()  # the textbook: every indicator beats the naive mean
    assert pr.folds.shape == (10, 344)


def test_oracle_one_fold_by_hand(mobi: pd.DataFrame) -> None:
    """Direct-antecedent prediction of one held-out fold, recomputed with a plain refit."""
    model = "Image =~ IMAG1 + IMAG2 + IMAG3\nSatisfaction =~ CUSA1 + CUSA2 + CUSA3\nSatisfaction ~ Image"
    res = acsi.pls(model, mobi)
    folds = np.arange(250) % 2
    pr = res.predict(folds_indices=folds)
    for f in (0, 1):
        tr = mobi.iloc[np.flatnonzero(folds != f)]
        te = mobi.iloc[np.flatnonzero(folds == f)]
        fit = acsi.pls(model, tr)
        cols = list(fit.indicators)
        m, s = tr[cols].mean(), tr[cols].std()
        z = (te[cols] - m) / s
        y = z.to_numpy() @ fit.weights.to_numpy()
        yhat = y @ fit.paths.to_numpy()
        yhat[:, 0] = y[:, 0]
        x = yhat @ fit.loadings.to_numpy().T * s.to_numpy() + m.to_numpy()
        np.testing.assert_allclose(pr.pls[folds == f], x[:, 3:], rtol=0, atol=1e-10)
        np.testing.assert_allclose(pr.ia[folds == f], np.broadcast_to(m.to_numpy()[3:], (125, 3)), atol=1e-12)


def test_seeded_and_shapes(mobi: pd.DataFrame) -> None:
    res = acsi.pls("X =~ IMAG1 + IMAG2\nY =~ CUSA1 + CUSA2\nY ~ X", mobi)
    a = res.predict(folds=5, reps=3, seed=4)
    b = res.predict(folds=5, reps=3, seed=4)
    assert a.table.equals(b.table)
    assert a.folds.shape == (3, 250) and a.n_folds == 5 and a.reps == 3
    assert np.bincount(a.folds[0]).tolist() == [50] * 5
    assert "PLSpredict" in str(a.summary())
    with pytest.raises(ValueError):
        a.pls[0, 0] = 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"folds": 1}, "folds must be an integer >= 2"),
        ({"folds": 251}, "more than the 250 rows"),
        ({"reps": 0}, "reps must be an integer >= 1"),
        ({"technique": "DA"}, "technique"),
        ({"folds_indices": np.zeros(250, dtype=int)}, "at least 2"),
        ({"folds_indices": np.zeros(10, dtype=int)}, "one fold label per row"),
    ],
)
def test_bad_arguments(mobi: pd.DataFrame, kwargs: dict, match: str) -> None:
    res = acsi.pls("X =~ IMAG1 + IMAG2\nY =~ CUSA1 + CUSA2\nY ~ X", mobi)
    with pytest.raises(SpecificationError, match=match):
        res.predict(**kwargs)


def test_no_paths_and_degenerate_fold(mobi: pd.DataFrame) -> None:
    res = acsi.pls("X =~ IMAG1 + IMAG2", mobi)
    with pytest.raises(SpecificationError, match="structural paths"):
        res.predict()
    small = acsi.pls("X =~ IMAG1 + IMAG2\nY =~ CUSA1 + CUSA2\nY ~ X", mobi.iloc[:12])
    with pytest.raises((DataError, SpecificationError)):
        small.predict(folds_indices=np.r_[np.zeros(10, int), 1, 1])


def test_lm_on_exogenous_indicators(mobi: pd.DataFrame) -> None:
    """lm_predictors="exogenous" (Shmueli et al. 2019, SmartPLS) with direct prediction gives
    the LM benchmark of the port's predict_EA run (same folds): it does not depend on the
    PLS technique."""
    fx = _load("predict_mobi_ea")
    res = _fit(fx, mobi)
    pr = res.predict(technique="direct", lm_predictors="exogenous", folds_indices=_folds(fx))
    order = [pr.indicators.index(i) for i in fx["items"]]
    np.testing.assert_allclose(pr.lm[:, order], np.asarray(fx["lm"]), rtol=0, atol=TOL)
    assert pr.lm_predictors == "exogenous"
    with pytest.raises(SpecificationError, match="lm_predictors"):
        res.predict(lm_predictors="all")
