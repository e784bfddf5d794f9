"""Higher-order constructs in acsi.pls against seminr's fixtures and the seminr port.

References: seminr's own test fixtures (tests/data/seminr/hoc-*.csv, full double
precision, written by R seminr's test-hoc.R) and bootstrap replicates of the PyPI seminr
port on given resamples (port_hoc_interaction_boot.json, tests/reference/make_seminr_port_hoc.py).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import SEMINR_DIR
from numpy.testing import assert_allclose

import acsi
from acsi.exceptions import SpecificationError
from acsi.plspm.hoc import ExtendedPLSResult

HOC = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ Image + Value
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Expectation + Quality
Complaints   ~ Satisfaction
Loyalty      ~ Satisfaction
"""

HOC_2SI = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Value        =~ PERV1 + PERV2
Nick         =~ Quality + Loyalty
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value + Nick + Image:Expectation
"""

#: seminr's fixtures carry full double precision; its own tests use 1e-5. acsi computes the
#: same algorithm, so the comparison is at round-off.
TOL = 1e-10


def _fixture(name: str) -> pd.DataFrame:
    return pd.read_csv(SEMINR_DIR / f"{name}.csv", index_col=0)


@pytest.fixture(scope="module")
def hoc_res(mobi: pd.DataFrame) -> ExtendedPLSResult:
    res = acsi.pls(HOC, mobi)
    assert isinstance(res, ExtendedPLSResult)
    return res


@pytest.mark.parametrize("table,fixture", [("paths", "hoc-paths"), ("loadings", "hoc-loadings"),
                                           ("weights", "hoc-weights")])
def test_two_stage_equals_seminr_higher_composite(hoc_res: ExtendedPLSResult, table: str, fixture: str) -> None:
    ref = _fixture(fixture)
    mine = getattr(hoc_res, table)
    assert list(mine.columns) == list(ref.columns)  # seminr's layout: stage 2, then the LOCs
    assert list(mine.index) == list(ref.index)
    assert_allclose(mine.to_numpy(), ref.to_numpy(), atol=TOL, rtol=0)


@pytest.mark.parametrize("table,fixture", [("paths", "hoc_2si-paths"), ("loadings", "hoc_2si-loadings"),
                                           ("weights", "hoc-_2siweights")])
def test_hoc_with_two_stage_interaction_equals_seminr(mobi: pd.DataFrame, table: str, fixture: str) -> None:
    res = acsi.pls(HOC_2SI, mobi, interaction="two_stage")
    ref = _fixture(fixture)
    ref.columns = [c.replace("Image.Expectation", "Image*Expectation") for c in ref.columns]
    mine = getattr(res, table).loc[ref.index, ref.columns]
    assert_allclose(mine.to_numpy(), ref.to_numpy(), atol=TOL, rtol=0)


def test_disjoint_two_stage_is_seminrs_method(mobi: pd.DataFrame, hoc_res: ExtendedPLSResult) -> None:
    res = acsi.pls(HOC, mobi, hoc="disjoint_two_stage")
    assert_allclose(res.paths.to_numpy(), hoc_res.paths.to_numpy(), atol=0)


def test_result_shape_and_evaluation(hoc_res: ExtendedPLSResult) -> None:
    res = hoc_res
    assert res.constructs == ("Expectation", "Quality", "Satisfaction", "Complaints", "Loyalty")
    assert res.blocks["Satisfaction"] == ("Image", "Value")
    assert res.higher_order == {"Satisfaction": ("Image", "Value")}
    # HOC reliability from the LOC scores as its indicators; LOC rows from stage 1
    rel = res.reliability
    assert list(rel.index) == [*res.constructs, "Image", "Value"]
    low = res.lower_order
    assert low is not None
    assert_allclose(rel.loc["Image"].to_numpy(), low.reliability.loc["Image"].to_numpy())
    Rloc = np.corrcoef(low.scores[["Image", "Value"]].to_numpy(), rowvar=False)
    assert_allclose(rel.loc["Satisfaction", "alpha"], 2 * Rloc[0, 1] / (1 + Rloc[0, 1]), rtol=1e-12)
    # scores: stage 2 and the LOCs; the HOC score is the weighted LOC scores
    sc = res.scores
    w = res.weights.loc[["Image", "Value"], "Satisfaction"].to_numpy()
    assert_allclose(sc["Satisfaction"].to_numpy(), sc[["Image", "Value"]].to_numpy() @ w, atol=1e-12)
    assert set(res.effects.source) >= {"Expectation", "Satisfaction"}
    assert res.r_squared.index.tolist() == ["Satisfaction", "Complaints", "Loyalty"]
    assert res.f_squared.loc["Quality", "Satisfaction"] > 0
    assert res.htmt.shape == (5, 5) and res.vif.shape[0] > 0
    text = str(res.summary())
    assert "Higher-order constructs" in text and "Lower-order reliability" in text


def test_tables_are_read_only(hoc_res: ExtendedPLSResult) -> None:
    before = hoc_res.loadings.copy()
    tab = hoc_res.loadings
    tab.iloc[0, 0] = 99.0
    pd.testing.assert_frame_equal(hoc_res.loadings, before)
    with pytest.raises((ValueError, TypeError, AttributeError)):
        hoc_res.kernel.B[0, 1] = 7.0


def test_repeated_indicators_and_embedded(mobi: pd.DataFrame) -> None:
    rep = acsi.pls(HOC, mobi, hoc="repeated_indicators")
    # the HOC block repeats the LOC items; the LOCs are constructs with paths HOC -> LOC
    assert rep.blocks["Satisfaction"] == tuple(f"{x}@Satisfaction" for x in
                                               ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5", "PERV1", "PERV2"])
    assert rep.spec.inner[rep.constructs.index("Satisfaction"), rep.constructs.index("Image")]
    emb = acsi.pls(HOC, mobi, hoc="embedded_two_stage")
    assert emb.lower_order is not None
    # stage 1 of the embedded approach is the repeated-indicators model: same LOC weights
    assert_allclose(emb.lower_order.weights.loc["IMAG1", "Image"], rep.weights.loc["IMAG1", "Image"], atol=1e-12)
    # stage 2 measures the HOC by the LOC scores of that stage
    assert emb.blocks["Satisfaction"] == ("Image", "Value")
    corr = np.corrcoef(emb.scores["Image"], rep.scores["Image"])[0, 1]
    assert corr > 1 - 1e-12
    # Mode B HOC
    modeb = acsi.pls(HOC.replace("Satisfaction =~ Image + Value", "Satisfaction <~ Image + Value"), mobi)
    assert modeb.spec.mode[modeb.constructs.index("Satisfaction")] == "B"


def test_bootstrap_redoes_both_stages_like_seminr_port(mobi: pd.DataFrame, hoc_res: ExtendedPLSResult) -> None:
    ref = json.loads((SEMINR_DIR / "port_hoc_interaction_boot.json").read_text())
    idx = np.asarray(ref["indices_0based"])
    case = ref["cases"]["hoc"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = hoc_res.bootstrap(indices=idx)
    d = boot.draws
    mine = np.column_stack([d[("paths", s, t)].to_numpy() for s, t in case["paths"]])
    assert_allclose(mine, np.asarray(case["boot_paths"]), atol=1e-10, rtol=0)
    wp = [(s, t) for s, t in case["weights"] if ("weights", s, t) in d.columns]
    assert ("weights", "Image", "Satisfaction") in d.columns
    cols = [case["weights"].index([s, t]) for s, t in wp]
    mine_w = np.column_stack([d[("weights", s, t)].to_numpy() for s, t in wp])
    assert_allclose(mine_w, np.asarray(case["boot_weights"])[:, cols], atol=1e-10, rtol=0)


def test_bootstrap_seeded_and_est(hoc_res: ExtendedPLSResult) -> None:
    b1 = hoc_res.bootstrap(n=120, seed=5)
    b2 = hoc_res.bootstrap(n=120, seed=5, chunk_size=50)
    pd.testing.assert_frame_equal(b1.paths, b2.paths)
    est = [hoc_res.paths.loc[s, t] for s, t in zip(b1.paths.source, b1.paths.target)]
    assert_allclose(b1.paths.est.to_numpy(), est, atol=1e-12)
    assert b1.n_failed == 0
    bca = hoc_res.bootstrap(n=120, seed=5, ci="bca")
    assert np.isfinite(bca.paths.ci_lower).all()


def test_missing_values_handled_before_the_stages(corp_rep_raw: pd.DataFrame) -> None:
    model = """
    COMP =~ comp_1 + comp_2 + comp_3
    LIKE =~ like_1 + like_2 + like_3
    REP  =~ COMP + LIKE
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    CUSL ~ REP
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = acsi.pls(model, corp_rep_raw, missing="mean", na_values=-99)
        boot = res.bootstrap(n=60, seed=1)
    assert res.nobs == len(corp_rep_raw)
    assert boot.n_failed == 0 and np.isfinite(boot.paths.boot_se).all()


BAD = [
    ("one LOC", "A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nH =~ A\nY =~ CUSA1 + CUSA2\nY ~ H",
     r"line 3: H =~ A: the higher-order construct 'H' has one lower-order construct"),
    ("LOC in two HOCs", "A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nC =~ PERV1 + PERV2\nH =~ A + B\nG =~ A + C\n"
     "Y =~ CUSA1 + CUSA2\nY ~ H + G",
     r"line 5: G =~ A \+ C: the lower-order construct 'A' is already a dimension of 'H'"),
    ("mixed", "A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nH =~ A + B + PERV1\nY =~ CUSA1 + CUSA2\nY ~ H",
     r"line 3: .*measured by constructs \(A, B\) and by items \(PERV1\)"),
    ("LOC with a path", "A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nH =~ A + B\nY =~ CUSA1 + CUSA2\nY ~ H + A",
     r"line 5: Y ~ H \+ A: 'A' is a lower-order construct of 'H'"),
    ("third order", "A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nC =~ PERV1 + PERV2\nH =~ A + B\nG =~ H + C\n"
     "Y =~ CUSA1 + CUSA2\nY ~ G", r"'H' is itself a higher-order construct"),
]


@pytest.mark.parametrize("what,model,match", BAD, ids=[b[0] for b in BAD])
def test_bad_hoc_models(mobi: pd.DataFrame, what: str, model: str, match: str) -> None:
    with pytest.raises(SpecificationError, match=match):
        acsi.pls(model, mobi)


def test_unknown_hoc_method(mobi: pd.DataFrame) -> None:
    with pytest.raises(SpecificationError, match=r"hoc='three_stage' is not one of 'two_stage'"):
        acsi.pls(HOC, mobi, hoc="three_stage")
    with pytest.raises(SpecificationError, match=r"consistent \(PLSc\) is not available for models with higher-order"):
        acsi.pls(HOC, mobi, consistent=True)
    with pytest.raises(SpecificationError, match=r"'Image' is a construct and cannot be an indicator.*acsi.pls"):
        acsi.plspm.spec.PLSSpec.from_model(HOC)


def test_index_and_ipma_of_a_hoc(mobi: pd.DataFrame, hoc_res: ExtendedPLSResult) -> None:
    idx = hoc_res.index(scale=(1, 10))
    low = hoc_res.lower_order
    assert low is not None
    # a LOC's index is its stage-1 index
    assert_allclose(idx["Image"], low.index(scale=(1, 10))["Image"], rtol=1e-12)
    # the HOC's: its score is sum_l w_l LOC_l = sum_i (sum_l w_l w_il) z_i
    items = [f"IMAG{i}" for i in range(1, 6)] + ["PERV1", "PERV2"]
    W = hoc_res.weights
    w_eff = np.array([W.loc[x, "Image" if x.startswith("IMAG") else "Value"]
                      * W.loc["Image" if x.startswith("IMAG") else "Value", "Satisfaction"] for x in items])
    X = mobi[items].to_numpy(dtype=float)
    v = w_eff / X.std(axis=0, ddof=1)
    v = v / v.sum()
    assert_allclose(idx["Satisfaction"], float(v @ (100 * (X.mean(axis=0) - 1) / 9)), rtol=1e-12)
    assert min(idx["Image"], idx["Value"]) < idx["Satisfaction"] < max(idx["Image"], idx["Value"])
    # IPMA of Loyalty: the LOCs act through the HOC with their stage-2 weights
    ip = hoc_res.ipma("Loyalty")
    te = hoc_res.paths.loc["Satisfaction", "Loyalty"] * W.loc["Image", "Satisfaction"]
    assert_allclose(ip.table.loc["Image", "total_effect"], te, rtol=1e-12)
    assert {"Expectation", "Quality", "Satisfaction", "Image", "Value"} == set(ip.table.index)


@pytest.mark.parametrize("hoc", ["two_stage", "embedded_two_stage", "repeated_indicators"])
def test_bootstrap_index_of_a_hoc(mobi: pd.DataFrame, hoc: str) -> None:
    res = acsi.pls(HOC, mobi, hoc=hoc)
    idx = np.random.default_rng(3).integers(0, len(mobi), (3, len(mobi)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = res.bootstrap(indices=idx)
        refit = acsi.pls(HOC, mobi.iloc[idx[1]].reset_index(drop=True), hoc=hoc)
    point = res.index().table["index"]
    tab = boot.index.set_index("source")
    assert_allclose(tab.est.to_numpy(), point.loc[tab.index].to_numpy(), atol=1e-10)
    got = boot.draws[("index", "Satisfaction", "Satisfaction")].iloc[1]
    assert_allclose(got, refit.index()["Satisfaction"], atol=1e-10)


def test_features_not_yet_available_for_extended_models_say_so(mobi):
    import pytest as _pytest

    from acsi.exceptions import SpecificationError as _SE

    res = acsi.pls(
        "Image =~ IMAG1 + IMAG2 + IMAG3\nValue =~ PERV1 + PERV2\nSatisfaction =~ Image + Value\n"
        "Loyalty =~ CUSL1 + CUSL2 + CUSL3\nLoyalty ~ Satisfaction",
        mobi,
    )
    mask = np.arange(res.nobs) % 2 == 0
    for call in (lambda: res.mga(mask, n=10), lambda: res.micom(mask, n_perm=10),
                 lambda: res.predict(folds=2, reps=1, seed=1), lambda: res.cvpat(seed=1),
                 lambda: res.bootstrap(n=10, seed=1, sign_change="construct")):
        with _pytest.raises(_SE, match="higher-order constructs or interaction terms"):
            call()
    mobi_w = mobi.assign(w=1.0)
    with _pytest.raises(_SE, match="weights="):
        acsi.pls("Image =~ IMAG1 + IMAG2\nValue =~ PERV1 + PERV2\nSat =~ Image + Value\n"
                 "L =~ CUSL1 + CUSL2\nL ~ Sat", mobi_w, weights="w")
