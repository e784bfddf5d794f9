"""PLS model fit (SRMR, d_ULS, d_G; Bollen-Stine quantiles) against an independent numpy oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.linalg as sla

import acsi
from acsi.exceptions import SpecificationError

MODEL = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Expectation  ~ Image
Value        ~ Expectation
Satisfaction ~ Image + Expectation + Value
Loyalty      ~ Satisfaction + Image
"""


def oracle(res: acsi.plspm.results.PLSResult, saturated: bool, composite_all: bool = False) -> np.ndarray:
    """Implied indicator correlations written element by element."""
    S = np.asarray(res.R)
    C = np.asarray(res.kernel.C)
    B = np.asarray(res.kernel.B)  # B[i, j]: i -> j
    k = C.shape[0]
    if saturated:
        V = C
    else:
        endo = B.any(axis=0)
        Psi = np.zeros((k, k))
        ex = ~endo
        Psi[np.ix_(ex, ex)] = C[np.ix_(ex, ex)]
        r2 = np.asarray(res.kernel.r2)
        for j in np.flatnonzero(endo):
            Psi[j, j] = 1 - r2[j]
        T = np.linalg.inv(np.eye(k) - B.T)  # eta = B' eta + zeta
        V = T @ Psi @ T.T
        np.fill_diagonal(V, 1.0)
    block = np.asarray(res.spec.block)
    lam = np.asarray(res.kernel.L)[np.arange(len(block)), block]
    comp = [composite_all or m == "B" for m in res.spec.mode]
    p = len(block)
    Sig = np.empty((p, p))
    for i in range(p):
        for j in range(p):
            a, b = block[i], block[j]
            if i == j:
                Sig[i, j] = 1.0
            elif a == b:
                Sig[i, j] = S[i, j] if comp[a] else lam[i] * lam[j]
            else:
                Sig[i, j] = lam[i] * V[a, b] * lam[j]
    return Sig


def measures(S: np.ndarray, Sig: np.ndarray) -> tuple[float, float, float]:
    p = S.shape[0]
    il = np.tril_indices(p)
    srmr = np.sqrt(np.mean((S - Sig)[il] ** 2))
    duls = 0.5 * np.sum((S - Sig) ** 2)
    phi = sla.eigvalsh(Sig, S)
    return srmr, duls, 0.5 * np.sum(np.log(phi) ** 2)


@pytest.mark.parametrize("consistent", [False, True])
@pytest.mark.parametrize("composites", ["formative", "all"])
def test_against_oracle(mobi: pd.DataFrame, consistent: bool, composites: str) -> None:
    with np.errstate(all="ignore"):
        res = acsi.pls(MODEL, mobi, consistent=consistent)
    fm = res.model_fit(composites=composites) if composites != "formative" else res.fit_measures
    S = np.asarray(res.R)
    for m, sat in enumerate((True, False)):
        ref = measures(S, oracle(res, sat, composites == "all"))
        np.testing.assert_allclose(fm.values[:, m], ref, rtol=1e-10)
    s = fm.to_series()
    assert s["srmr"] == fm.table.loc["srmr", "estimated"]
    assert s["d_g_saturated"] == fm.table.loc["d_g", "saturated"]


def test_cross_check_csem_formulas_by_hand(mobi: pd.DataFrame) -> None:
    """cSEM: SRMR over the lower triangle with the diagonal of cov2cor(S) - cov2cor(Sigma);
    dL = 0.5 sum (S - Sigma)^2; dG = 0.5 sum log10(eig(solve(S) Sigma))^2 (base 10 in
    cSEM, natural log in acsi: ratio ln(10)^2)."""
    res = acsi.pls(MODEL, mobi)
    S = np.asarray(res.R)
    Sig = oracle(res, saturated=False)
    diff = S - Sig
    lower = [diff[i, j] for i in range(S.shape[0]) for j in range(i + 1)]
    srmr = (sum(x * x for x in lower) / len(lower)) ** 0.5
    ev = np.linalg.eigvals(np.linalg.solve(S, Sig)).real
    dg_csem = 0.5 * sum(np.log10(ev) ** 2)
    t = res.fit_measures.table
    assert t.loc["srmr", "estimated"] == pytest.approx(srmr, rel=1e-12)
    assert t.loc["d_uls", "estimated"] == pytest.approx(0.5 * float((diff**2).sum()), rel=1e-12)
    assert t.loc["d_g", "estimated"] / np.log(10) ** 2 == pytest.approx(dg_csem, rel=1e-9)


def test_bollen_stine_against_refits(mobi: pd.DataFrame) -> None:
    """Quantiles from given resample rows equal refits of acsi.pls on the transformed rows."""
    res = acsi.pls(MODEL, mobi)
    rng = np.random.default_rng(2)
    idx = rng.integers(0, 250, size=(12, 250))
    fm = res.model_fit(indices=idx)
    X = mobi[list(res.indicators)].to_numpy(float)
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    S = np.asarray(res.R)
    for m, sat in enumerate((True, False)):
        Sig = oracle(res, sat)
        Xt = Z @ np.real(sla.inv(sla.sqrtm(S))) @ np.real(sla.sqrtm(Sig))
        np.testing.assert_allclose(np.corrcoef(Xt, rowvar=False), Sig, atol=1e-10)
        vals = []
        for rows in idx:
            r = acsi.pls(MODEL, pd.DataFrame(Xt[rows], columns=res.indicators))
            vals.append(measures(np.asarray(r.R), oracle(r, sat)))
        q = np.quantile(np.array(vals), [0.95, 0.99], axis=0).T
        np.testing.assert_allclose(fm.quantiles[:, m, :], q, rtol=1e-8)
    assert fm.n_boot.tolist() == [12, 12] and fm.n_dropped.tolist() == [0, 0]
    assert list(fm.table.columns) == ["saturated", "estimated", "saturated_q95", "saturated_q99",
                                      "estimated_q95", "estimated_q99"]
    assert "Dijkstra" in str(fm.summary())


def test_seeded_and_bad_input(mobi: pd.DataFrame) -> None:
    res = acsi.pls(MODEL, mobi)
    a = res.model_fit(n=30, seed=3)
    assert a.table.equals(res.model_fit(n=30, seed=3).table)
    with pytest.raises(SpecificationError, match="composites"):
        res.model_fit(composites="none")
    with pytest.raises(SpecificationError, match="n must be"):
        res.model_fit(n=-1)
    with pytest.raises(SpecificationError, match="indices"):
        res.model_fit(indices=np.zeros((2, 3), dtype=int))
