"""MICOM (res.micom) against a loop-based oracle written here from Henseler, Ringle & Sarstedt
(2016) and cSEM's testMICOM formulas (R/postestimate_test_MICOM.R: c = diag(cor(X W_a', X W_b'))
on the standardized pooled data, p = mean(c* <= c); step 3 on the pooled estimation's scores,
mean difference and log variance ratio, p = mean(d* > |d|) + mean(d* < -|d|)), given the same
permutations. No R cSEM is installed, so the oracle refits every permuted group with acsi.pls."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.exceptions import DataError, SpecificationError
from acsi.plspm.micom import composite_correlation

MODEL = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4
Exp   =~ CUEX1 + CUEX2 + CUEX3
Val   <~ PERV1 + PERV2
Sat   =~ CUSA1 + CUSA2 + CUSA3
Comp  =~ CUSCO
Exp ~ Image
Sat ~ Image + Exp + Val
Comp ~ Sat
"""


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return acsi.datasets.load_mobi()


def _scores_std(frame: pd.DataFrame, W: pd.DataFrame, cols: list[str]) -> np.ndarray:
    X = frame[cols].to_numpy(float)
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    return Z @ W.loc[cols].to_numpy()


def _oracle(mobi: pd.DataFrame, mask: np.ndarray, perms: np.ndarray) -> dict[str, np.ndarray]:
    """Straightforward MICOM, one acsi.pls per group and permutation."""
    res = acsi.pls(MODEL, mobi)
    cols = list(res.indicators)
    ga, gb = acsi.pls(MODEL, mobi[mask]), acsi.pls(MODEL, mobi[~mask])

    def c_of(wa: pd.DataFrame, wb: pd.DataFrame) -> np.ndarray:
        ha, hb = _scores_std(mobi, wa, cols), _scores_std(mobi, wb, cols)
        return np.array([np.corrcoef(ha[:, j], hb[:, j])[0, 1] for j in range(ha.shape[1])])

    Y = _scores_std(mobi, res.weights, cols)
    Y = Y / Y.std(0, ddof=1)

    def step3(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ya, yb = Y[lab], Y[~lab]
        return ya.mean(0) - yb.mean(0), np.log(ya.var(0, ddof=1)) - np.log(yb.var(0, ddof=1))

    c0 = c_of(ga.weights, gb.weights)
    m0, v0 = step3(mask)
    cs, ms, vs = [], [], []
    for perm in perms:
        lab = mask[perm]
        pa, pb = acsi.pls(MODEL, mobi[lab]), acsi.pls(MODEL, mobi[~lab])
        cs.append(c_of(pa.weights, pb.weights))
        m, v = step3(lab)
        ms.append(m)
        vs.append(v)
    return {"c": c0, "mean": m0, "var": v0, "c_ref": np.array(cs), "m_ref": np.array(ms), "v_ref": np.array(vs)}


def test_micom_equals_the_loop_oracle(mobi: pd.DataFrame) -> None:
    mask = mobi["CUEX1"].to_numpy() >= 8
    rng = np.random.default_rng(3)
    perms = np.array([rng.permutation(250) for _ in range(12)])
    want = _oracle(mobi, mask, perms)
    res = acsi.pls(MODEL, mobi)
    mi = res.micom(mask, perm_indices=perms, level=0.9)
    t = mi.table
    single = t.construct == "Comp"
    np.testing.assert_allclose(t.c, want["c"], atol=1e-12)
    np.testing.assert_allclose(t.mean_diff, want["mean"], atol=1e-12)
    np.testing.assert_allclose(t.log_var_ratio, want["var"], atol=1e-12)
    draws = pd.DataFrame(np.asarray(mi.permutation_draws), columns=pd.MultiIndex.from_tuples(mi.draw_labels))
    multi = ~single.to_numpy()
    np.testing.assert_allclose(draws["c"].to_numpy()[:, multi], want["c_ref"][:, multi], atol=1e-10)
    np.testing.assert_allclose(draws["mean_diff"].to_numpy(), want["m_ref"], atol=1e-12)
    np.testing.assert_allclose(draws["log_var_ratio"].to_numpy(), want["v_ref"], atol=1e-12)
    # p-values and quantiles by cSEM's rules from the oracle's permutation distributions
    pc = (want["c_ref"] <= want["c"]).mean(0)
    np.testing.assert_allclose(t.c_pvalue[~single], pc[~single])
    assert (t.c_pvalue[single] == 1.0).all()
    pm = (want["m_ref"] > np.abs(want["mean"])).mean(0) + (want["m_ref"] < -np.abs(want["mean"])).mean(0)
    np.testing.assert_allclose(t.mean_pvalue, pm)
    np.testing.assert_allclose(t.var_ci_lower, np.quantile(want["v_ref"], 0.05, axis=0), atol=1e-12)
    np.testing.assert_allclose(t.c_quantile[~single], np.quantile(want["c_ref"], 0.1, axis=0)[~single], atol=1e-10)
    # decisions and verdict
    assert (t.compositional == (t.c_pvalue >= 0.1)).all()
    assert (t.equal_means == (t.mean_pvalue >= 0.1)).all()
    expect = np.where(~t.compositional, "no", np.where(t.equal_means & t.equal_variances, "full", "partial"))
    assert (t.invariance == expect).all()
    assert "MICOM" in str(mi.summary())


def test_composite_correlation_is_the_score_correlation(mobi: pd.DataFrame) -> None:
    """c from the correlation matrix equals cSEM's cor(X w_a, X w_b) on the data."""
    rng = np.random.default_rng(0)
    X = mobi[["IMAG1", "IMAG2", "IMAG3"]].to_numpy(float)
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    wa, wb = rng.uniform(0.2, 1, 3), rng.uniform(0.2, 1, 3)
    c = composite_correlation(wa[:, None], wb[:, None], np.corrcoef(X.T))
    assert c[0] == pytest.approx(np.corrcoef(Z @ wa, Z @ wb)[0, 1], abs=1e-13)


def test_seeded_three_groups_and_immutability(mobi: pd.DataFrame) -> None:
    res = acsi.pls(MODEL, mobi)
    tier = pd.cut(mobi["CUEX1"], [0, 6, 8, 10], labels=["low", "mid", "high"])
    a = res.micom(tier, n_perm=60, seed=5)
    b = res.micom(tier, n_perm=60, seed=5)
    assert a == b
    assert set(zip(a.table.level1, a.table.level2)) == {("low", "mid"), ("low", "high"), ("mid", "high")}
    assert "c_pvalue_adj" in a.table.columns
    assert a.verdict in ("full measurement invariance", "partial measurement invariance", "no measurement invariance")
    t = a.table
    t.loc[0, "c"] = 5.0
    assert a.table.loc[0, "c"] != 5.0
    assert list(a.step2.columns[:3]) == ["level1", "level2", "construct"]


def test_bad_input(mobi: pd.DataFrame) -> None:
    res = acsi.pls(MODEL, mobi)
    mask = mobi["CUEX1"].to_numpy() >= 8
    with pytest.raises(SpecificationError, match="n_perm must be an integer >= 1"):
        res.micom(mask, n_perm=0)
    with pytest.raises(SpecificationError, match="perm_indices must be an integer array of shape \\(n_perm, 250\\)"):
        res.micom(mask, perm_indices=np.zeros((4, 10), int))
    with pytest.raises(SpecificationError, match="1 level"):
        res.micom(np.zeros(250, dtype=bool), n_perm=10)
    few = np.zeros(250, dtype=bool)
    few[:3] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match="group 'True' \\(3 rows\\)"):
            res.micom(few, n_perm=10)
