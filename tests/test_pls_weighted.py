"""Weighted PLS (Becker & Ismail 2016): equal weights, row replication, a hand case,
bootstrap with weights, the index, and the weight checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.exceptions import DataError, SpecificationError

MODEL = """
Image        =~ IMAG1 + IMAG2 + IMAG3
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
Value ~ Expectation
"""

TABLES = ["paths", "loadings", "weights", "r_squared", "adj_r_squared", "reliability", "htmt",
          "fornell_larcker", "cross_loadings", "f_squared", "construct_correlations"]


def _same(a: acsi.plspm.results.PLSResult, b: acsi.plspm.results.PLSResult, rtol: float) -> None:
    for name in TABLES:
        x, y = getattr(a, name), getattr(b, name)
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float), rtol=rtol, atol=1e-13,
                                   err_msg=name)
    assert a.iterations == b.iterations


def test_equal_weights_is_unweighted(mobi: pd.DataFrame) -> None:
    data = mobi.assign(w=1.0)
    a = acsi.pls(MODEL, data, weights="w")
    b = acsi.pls(MODEL, mobi)
    _same(a, b, rtol=1e-13)
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-13, atol=1e-13)
    assert a.index(scale=(1, 10)).table.equals(b.index(scale=(1, 10)).table) or np.allclose(
        a.index(scale=(1, 10)).table, b.index(scale=(1, 10)).table, rtol=1e-13)
    assert a.settings.weights == "w" and "weighted PLS" in a.settings.to_frame().to_string()


def test_integer_weights_are_row_replication(mobi: pd.DataFrame) -> None:
    w = np.random.default_rng(1).integers(0, 4, size=len(mobi))
    a = acsi.pls(MODEL, mobi.assign(w=w), weights="w")
    rep = mobi.loc[mobi.index.repeat(w)].reset_index(drop=True)
    b = acsi.pls(MODEL, rep)
    _same(a, b, rtol=1e-11)
    # scores of the kept rows, repeated, are the replicated data's scores
    np.testing.assert_allclose(a.scores.to_numpy()[np.repeat(np.arange(len(mobi)), w)], b.scores,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.index(scale=(1, 10)).table, b.index(scale=(1, 10)).table, rtol=1e-11)
    # zero weight: the row is kept (nobs, scores) and contributes nothing
    assert a.nobs == len(mobi)


@pytest.mark.filterwarnings("ignore::acsi.DegenerateStatisticWarning")
def test_hand_case() -> None:
    """Two single items: the path is the weighted correlation, computed by hand."""
    x = np.array([1.0, 2.0, 3.0, 4.0, 6.0])
    y = np.array([2.0, 1.0, 4.0, 3.0, 7.0])
    w = np.array([1.0, 3.0, 0.5, 2.0, 1.5])
    df = pd.DataFrame({"x": x, "y": y, "w": w})
    res = acsi.pls("X =~ x\nY =~ y\nY ~ X", df, weights="w")
    mx, my = (w * x).sum() / w.sum(), (w * y).sum() / w.sum()
    r = (w * (x - mx) * (y - my)).sum() / np.sqrt((w * (x - mx) ** 2).sum() * (w * (y - my) ** 2).sum())
    assert res.paths.loc["X", "Y"] == pytest.approx(r, rel=1e-13)
    sx = np.sqrt((w * (x - mx) ** 2).sum() / (w.sum() - 1))
    np.testing.assert_allclose(res.scores["X"], (x - mx) / sx, rtol=1e-13)
    assert res.adj_r_squared["Y"] == pytest.approx(1 - (1 - r * r) * (w.sum() - 1) / (w.sum() - 2), rel=1e-12)


@pytest.mark.filterwarnings("ignore::acsi.DegenerateStatisticWarning")
def test_bootstrap_resamples_rows_with_weights(mobi: pd.DataFrame) -> None:
    w = np.random.default_rng(2).uniform(0.2, 3.0, size=len(mobi))
    data = mobi.assign(w=w)
    res = acsi.pls(MODEL, data, weights="w")
    idx = np.random.default_rng(3).integers(0, len(mobi), size=(4, len(mobi)))
    boot = res.bootstrap(indices=idx)
    est = boot.paths.set_index(["source", "target"])
    np.testing.assert_allclose(est.loc[("Image", "Satisfaction"), "est"], res.paths.loc["Image", "Satisfaction"],
                               rtol=1e-12)
    refits = [acsi.pls(MODEL, data.iloc[r].reset_index(drop=True), weights="w").paths.loc["Image", "Satisfaction"]
              for r in idx]
    assert est.loc[("Image", "Satisfaction"), "boot_mean"] == pytest.approx(np.mean(refits), rel=1e-10)
    assert any("case weight" in n for n in boot.notes)
    jack = res.bootstrap(n=100, seed=1, ci="bca")
    assert np.isfinite(jack.paths["ci_lower"]).all()


@pytest.mark.parametrize(
    ("weights", "exc", "match"),
    [
        ("nope", SpecificationError, "not in the data"),
        ("IMAG1", SpecificationError, "indicator"),
        (3, SpecificationError, "name of a data column"),
        ("txt", DataError, "numeric"),
        ("nan", DataError, "missing or infinite"),
        ("neg", DataError, "negative"),
        ("zero", DataError, "sum to more than 1"),
    ],
)
def test_bad_weights(mobi: pd.DataFrame, weights: object, exc: type, match: str) -> None:
    n = len(mobi)
    data = mobi.assign(txt="a", nan=np.r_[np.nan, np.ones(n - 1)], neg=np.r_[-1.0, np.ones(n - 1)],
                       zero=0.0)
    with pytest.raises(exc, match=match):
        acsi.pls(MODEL, data, weights=weights)


def test_weights_with_missing(corp_rep: pd.DataFrame) -> None:
    model = "COMP =~ comp_1 + comp_2 + comp_3\nCUSL =~ cusl_1 + cusl_2 + cusl_3\nCUSL ~ COMP"
    data = corp_rep.assign(w=np.linspace(0.5, 2, len(corp_rep)))
    with pytest.raises(SpecificationError, match="missing='mean'"):
        acsi.pls(model, data, weights="w", missing="mean")  # before any missing-data warning
    with pytest.warns(acsi.MissingDataWarning):
        res = acsi.pls(model, data, weights="w")
    keep = data.dropna(subset=["cusl_1", "cusl_2", "cusl_3"])
    ref = acsi.pls(model, keep, weights="w")
    np.testing.assert_allclose(res.paths, ref.paths, rtol=1e-13)
    with pytest.raises(SpecificationError, match="weighted"):
        ref.predict()


def test_preset(mobi: pd.DataFrame) -> None:
    assert acsi.pls(MODEL, mobi, preset="smartpls").settings.max_iter == 3000
    assert acsi.pls(MODEL, mobi).settings.max_iter == 300
    with pytest.raises(SpecificationError, match="preset"):
        acsi.pls(MODEL, mobi, preset="cSEM")


# ----------------------------------------------------------------------------- SmartPLS options
def test_se_divisor_and_preset(mobi: pd.DataFrame) -> None:
    res = acsi.pls(MODEL, mobi)
    a = res.bootstrap(n=100, seed=1)
    b = res.bootstrap(n=100, seed=1, se_divisor="n")
    np.testing.assert_allclose(b.paths["boot_se"], a.paths["boot_se"] * np.sqrt(99 / 100), rtol=1e-14)
    np.testing.assert_allclose(b.paths["t"], a.paths["t"] / np.sqrt(99 / 100), rtol=1e-14)
    np.testing.assert_array_equal(b.paths["ci_lower"], a.paths["ci_lower"])
    smart = acsi.pls(MODEL, mobi, preset="smartpls").bootstrap(n=100, seed=1)
    assert smart.settings["se_divisor"] == "n"
    np.testing.assert_allclose(smart.paths["boot_se"], b.paths["boot_se"], rtol=1e-14)
    with pytest.raises(SpecificationError, match="se_divisor"):
        res.bootstrap(n=10, seed=1, se_divisor="n-2")
    with pytest.raises(SpecificationError, match="sign_change"):
        res.bootstrap(n=10, seed=1, sign_change="yes")


def test_sign_change_rules(mobi: pd.DataFrame) -> None:
    from dataclasses import replace

    from acsi.plspm.batched import fit_batched, make_plan
    from acsi.plspm.bootstrap import BootstrapProblem, _sign_changed

    res = acsi.pls(MODEL, mobi)
    plan = make_plan(res.spec)
    kr = fit_batched(np.asarray(res.R)[None], plan)
    c = res.spec.constructs.index("Image")
    f = np.ones(res.spec.k)
    f[c] = -1.0
    flipped = replace(kr, W=kr.W * f, L=kr.L * f, B=kr.B * np.outer(f, f)[None], C=kr.C * np.outer(f, f)[None])
    prob = BootstrapProblem(D=np.zeros((1, 1)), center=np.zeros(1), raw=None, keep=None, plan=plan, layout=None,  # type: ignore[arg-type]
                            scheme="path", consistent=False, tol=1e-7, max_iter=300, sign_change="construct",
                            reference=(res.kernel.W, res.kernel.L, res.kernel.B))
    back = _sign_changed(flipped, prob)
    for name in ("W", "L", "B", "C"):
        np.testing.assert_allclose(getattr(back, name), getattr(kr, name), atol=1e-15)
    ind = _sign_changed(flipped, replace(prob, sign_change="individual"))
    np.testing.assert_allclose(ind.W, kr.W, atol=1e-15)
    np.testing.assert_allclose(ind.B, kr.B, atol=1e-15)
    # on data without reversals the corrections change nothing
    a = res.bootstrap(n=100, seed=2)
    b = res.bootstrap(n=100, seed=2, sign_change="construct")
    np.testing.assert_allclose(a.paths["boot_se"], b.paths["boot_se"], rtol=1e-14)
    assert b.settings["sign_change"] == "construct"
