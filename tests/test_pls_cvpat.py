"""CVPAT (res.cvpat) against seminrExtras's formulas applied to the seminr port's predictions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import acsi
from acsi.exceptions import SpecificationError
from acsi.plspm.cvpat import cvpat_compare
from acsi.plspm.predict import cut_folds

PORT = Path(__file__).parent / "data" / "seminr_port"


@pytest.fixture(scope="module")
def corp(corp_rep_raw: pd.DataFrame) -> tuple[dict, acsi.plspm.results.PLSResult, np.ndarray]:
    fx = json.loads((PORT / "predict_corp_rep_da.json").read_text())
    with pytest.warns(acsi.MissingDataWarning):
        res = acsi.pls(fx["acsi_model"], corp_rep_raw, missing="mean", na_values=-99)
    cut = cut_folds(fx["n"], fx["folds"])
    folds = np.empty((fx["reps"], fx["n"]), dtype=int)
    for r, order in enumerate(fx["orderings"]):
        folds[r, np.asarray(order)] = cut
    return fx, res, folds


def _extras_losses(err: np.ndarray, items: list[str], constructs: dict[str, list[str]]) -> np.ndarray:
    """seminrExtras's calculate_lv_losses + overall_loss: (n, c + 1)."""
    cols = [np.mean(err[:, [items.index(i) for i in its]] ** 2, axis=1) for its in constructs.values()]
    lv = np.column_stack(cols)
    return np.column_stack([lv, lv.mean(axis=1)])


CONSTRUCTS = {
    "COMP": ["comp_1", "comp_2", "comp_3"], "LIKE": ["like_1", "like_2", "like_3"],
    "CUSA": ["cusa"], "CUSL": ["cusl_1", "cusl_2", "cusl_3"],
}


@pytest.mark.parametrize("test", ["t", "bootstrap"])
def test_equal_to_seminrextras_formulas(corp: tuple, test: str) -> None:
    fx, res, folds = corp
    items = fx["items"]
    actual = res.data.X[:, [res.spec.indicators.index(i) for i in items]]
    boot = np.random.default_rng(3).integers(0, fx["n"], size=(500, fx["n"]))
    out = res.cvpat(folds_indices=folds, test=test, boot_indices=boot if test == "bootstrap" else None)
    tab = out.table.set_index(["benchmark", "construct"])
    pls = _extras_losses(actual - np.asarray(fx["pls"]), items, CONSTRUCTS)
    benches = {"LM": actual - np.asarray(fx["lm"]), "IA": actual - actual.mean(axis=0)}
    n = fx["n"]
    for name, err in benches.items():
        bl = _extras_losses(err, items, CONSTRUCTS)
        for c, label in enumerate([*CONSTRUCTS, "Overall"]):
            row = tab.loc[(name, label)]
            d = bl[:, c] - pls[:, c]
            if test == "t":
                ref = stats.ttest_rel(bl[:, c], pls[:, c])
                t_ref, p_ref = ref.statistic, ref.pvalue
            else:  # bootstrap_cvpat's "Boot T value" / "Boot P Value"
                t_ref = d.mean() / np.std((d - d.mean())[boot].mean(axis=1), ddof=1)
                p_ref = 2 * stats.t.cdf(-abs(t_ref), n - 1)
            np.testing.assert_allclose(row["pls_loss"], pls[:, c].mean(), rtol=1e-10)
            np.testing.assert_allclose(row["benchmark_loss"], bl[:, c].mean(), rtol=1e-10)
            np.testing.assert_allclose(row["diff"], pls[:, c].mean() - bl[:, c].mean(), rtol=1e-8, atol=1e-13)
            np.testing.assert_allclose(row["t"], t_ref, rtol=1e-8)
            np.testing.assert_allclose(row["pvalue"], p_ref, rtol=1e-7, atol=1e-300)
            assert row["df"] == n - 1


def test_textbook_conclusion(corp: tuple) -> None:
    """The extended corporate reputation model beats the IA benchmark overall."""
    _, res, folds = corp
    tab = res.cvpat(folds_indices=folds).table.set_index(["benchmark", "construct"])
    assert tab.loc[("IA", "Overall"), "diff"] < 0
    assert tab.loc[("IA", "Overall"), "pvalue"] < 0.001
    assert list(tab.columns) == ["pls_loss", "benchmark_loss", "diff", "t", "df", "pvalue"]


def test_seeded_greater_and_compare(mobi: pd.DataFrame) -> None:
    base = "Image =~ IMAG1 + IMAG2 + IMAG3\nSatisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
    a = acsi.pls(base + "Value =~ PERV1 + PERV2\nSatisfaction ~ Image + Value", mobi)
    b = acsi.pls(base + "Satisfaction ~ Image", mobi)
    x = a.cvpat(seed=5, reps=2, test="bootstrap", n_boot=200, alternative="greater")
    y = a.cvpat(seed=5, reps=2, test="bootstrap", n_boot=200, alternative="greater")
    assert x.table.equals(y.table)
    two = a.cvpat(seed=5, reps=2, test="bootstrap", n_boot=200)
    np.testing.assert_allclose(two.table["t"], x.table["t"])
    pos = x.table["t"] > 0
    np.testing.assert_allclose(two.table["pvalue"][pos], 2 * x.table["pvalue"][pos])
    cmp = a.cvpat_compare(b, seed=5, reps=2)
    assert cmp.table["benchmark"].tolist() == ["model2", "model2"]
    # same folds for both models: model 2's loss equals its own CVPAT with model 1's folds
    own = b.cvpat(folds_indices=cmp.prediction.folds, benchmark="LM").table
    np.testing.assert_allclose(cmp.table["benchmark_loss"], own["pls_loss"])
    assert "CVPAT" in str(cmp.summary())


def test_bad_input(mobi: pd.DataFrame) -> None:
    res = acsi.pls("X =~ IMAG1 + IMAG2\nY =~ CUSA1 + CUSA2\nY ~ X", mobi)
    with pytest.raises(SpecificationError, match="test"):
        res.cvpat(test="z")
    with pytest.raises(SpecificationError, match="benchmark"):
        res.cvpat(benchmark="PLS")
    with pytest.raises(SpecificationError, match="boot_indices"):
        res.cvpat(test="bootstrap", boot_indices=np.zeros((3, 4), dtype=int))
    other = acsi.pls("X =~ IMAG1 + IMAG2\nY =~ CUSL1 + CUSL2\nY ~ X", mobi)
    with pytest.raises(SpecificationError, match="same endogenous"):
        cvpat_compare(res, other, seed=1, reps=1)
    with pytest.raises(SpecificationError, match="same rows"):
        cvpat_compare(res, acsi.pls("X =~ IMAG1 + IMAG2\nY =~ CUSA1 + CUSA2\nY ~ X", mobi.iloc[:200]))
