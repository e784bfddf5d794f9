"""ACSI index (Fornell et al. 1996): formula checked by an independent computation from
seminr's M2 outer weights (tests/data/seminr/M2_full_ecsi.json), invariances, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ECSI_MOBI as M2

import acsi
from acsi.plspm.index import IndexUndefinedError, acsi_index

DATA = Path(__file__).parent / "data" / "seminr"



@pytest.fixture(scope="module")
def m2(mobi):
    return acsi.pls(M2, mobi)


def test_index_equals_hand_computation_from_seminr_weights(m2, mobi):
    with open(DATA / "M2_full_ecsi.json") as fh:
        w = json.load(fh)["outerWeights"]
    W = pd.DataFrame(w["values"], index=w["rows"], columns=w["cols"])
    out = acsi_index(m2, scale=(1, 10))
    for construct in W.columns:
        items = [i for i in W.index if W.loc[i, construct] != 0]
        x = mobi[items]
        unstd = W.loc[items, construct] / x.std(ddof=1)  # Fornell: w_i / s_i
        v = unstd / unstd.sum()
        expected = 100 * ((v * x.mean()).sum() - 1) / (10 - 1)
        assert out[construct] == pytest.approx(expected, abs=1e-10)
        unit = 100 * (x.mean().mean() - 1) / 9
        assert out.table.loc[construct, "unit_weighted_index"] == pytest.approx(unit, abs=1e-12)
        got_v = out.weights.set_index("indicator").loc[items, "rescaled"]
        np.testing.assert_allclose(got_v.to_numpy(), v.to_numpy(), atol=1e-10)


def test_scores_average_to_the_index(m2):
    out = m2.index(scale=(1, 10))
    np.testing.assert_allclose(out.scores.mean().to_numpy(), out.table["index"].to_numpy(), atol=1e-10)
    assert out.scores.shape == (250, 7)
    assert (out.scores.min() >= -1e-9).all() and (out.scores.max() <= 100 + 1e-9).all()


def test_item_scale_override_is_invariant_to_linear_rescaling(mobi):
    model = "Sat =~ CUSA1 + CUSA2 + CUSA3; Loy =~ CUSL1 + CUSL3; Loy ~ Sat"
    base = acsi_index(acsi.pls(model, mobi), scale=(1, 10))
    other = mobi.copy()
    other["CUSA2"] = (other["CUSA2"] - 1) * 4 / 9 + 1  # the same answers on a 1-5 scale
    got = acsi_index(acsi.pls(model, other), scale=(1, 10), item_scales={"CUSA2": (1, 5)})
    np.testing.assert_allclose(got.table.to_numpy(), base.table.to_numpy(), atol=1e-10)


def test_negative_weight_raises_and_unit_weighting_works(mobi):
    df = mobi.copy()
    df["CUSA3"] = 11 - df["CUSA3"]  # reverse-worded item
    res = acsi.pls("Sat =~ CUSA1 + CUSA2 + CUSA3; Loy =~ CUSL1 + CUSL3; Loy ~ Sat", df)
    with pytest.raises(IndexUndefinedError, match="CUSA3") as err:
        acsi_index(res)
    msg = str(err.value)
    assert "weighted average" in msg and "weighting='unit'" in msg
    assert isinstance(err.value, acsi.SpecificationError)
    # the other construct alone is defined, and follows the formula
    loy = acsi_index(res, constructs=["Loy"])
    assert list(loy.table.index) == ["Loy"]
    w = res.kernel.W[[3, 4], 1] / df[["CUSL1", "CUSL3"]].std(ddof=1).to_numpy()
    expected = 100 * ((w / w.sum()) @ df[["CUSL1", "CUSL3"]].mean().to_numpy() - 1) / 9
    assert loy["Loy"] == pytest.approx(expected, abs=1e-10)
    unit = acsi_index(res, weighting="unit")
    x = df[["CUSA1", "CUSA2", "CUSA3"]]
    assert unit["Sat"] == pytest.approx(100 * (x.mean().mean() - 1) / 9, abs=1e-12)


def test_errors_name_the_problem(m2):
    with pytest.raises(acsi.DataError, match="outside its scale"):
        acsi_index(m2, scale=(1, 5))
    with pytest.raises(acsi.SpecificationError, match="did you mean 'Loyalty'"):
        acsi_index(m2, constructs=["Loyality"])
    with pytest.raises(acsi.SpecificationError, match="not an indicator"):
        acsi_index(m2, item_scales={"CUSA9": (1, 10)})
    with pytest.raises(acsi.SpecificationError, match="min < max"):
        acsi_index(m2, scale=(10, 1))


def test_bootstrap_index_equals_refit_on_resampled_rows(m2, mobi):
    rows = np.random.default_rng(5).integers(0, 250, size=(3, 250))
    boot = m2.bootstrap(indices=rows)
    full = acsi_index(m2)
    np.testing.assert_allclose(boot.index["est"].to_numpy(), full.table["index"].to_numpy(), atol=1e-10)
    draws = boot.draws["index"]
    for b in range(3):
        refit = acsi.pls(M2, mobi.iloc[rows[b]].reset_index(drop=True))
        try:
            expected = acsi_index(refit).table["index"]
        except IndexUndefinedError:
            continue
        got = draws.iloc[b].droplevel("target")
        np.testing.assert_allclose(got[expected.index].to_numpy(), expected.to_numpy(), atol=1e-9)


def test_index_result_renders(m2):
    out = m2.index()
    assert "ACSI index" in out.summary()
    assert "<table" in out._repr_html_()


def test_bootstrap_skips_index_when_the_default_scale_does_not_fit(mobi):
    df = mobi[["CUSA1", "CUSA2", "CUSL1", "CUSL2"]] * 10  # 10-100
    res = acsi.pls("Sat =~ CUSA1 + CUSA2; Loy =~ CUSL1 + CUSL2; Loy ~ Sat", df)
    boot = res.bootstrap(n=20, seed=1)
    assert boot.index.empty
    assert any("index not bootstrapped" in note for note in boot.notes)
    with pytest.raises(acsi.DataError, match="outside its scale"):
        res.bootstrap(n=20, seed=1, scale=(1, 10))
    ok = res.bootstrap(n=20, seed=1, scale=(0, 100))
    assert ok.index["est"].to_numpy() == pytest.approx(acsi_index(res, scale=(0, 100)).table["index"].to_numpy())
