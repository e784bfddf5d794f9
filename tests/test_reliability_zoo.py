"""The reliability "zoo": acsi.reliability against psych / semTools on data sets and arguments
beyond the first references (tests/data/psych/zoo_*.json, tests/data/semtools/zoo_*.json, made
by tests/reference/r_zoo_reliability.R from the CSVs written by tests/reference/zoo_data.py).

* psych::alpha on every block of mobi, satisfaction, corp_rep (psych's pairwise default with
  missing values, and complete cases = acsi's listwise default), servqual (22 items and
  subsets), the e-banking items, reverse keys, check.keys, two-item scales, items on very
  different scales, a singular item set, cumulative = TRUE: every statistic at 1e-10.
* psych::fa (ml, pa, minres x none, varimax, quartimax, geominT, promax, oblimin, geominQ) on
  mobi (3-7 factors), satisfaction, servqual, corp_rep (pairwise), HS, few-item sets and the
  e-banking items (n = 54, Heywood cases): loadings, Phi, rot.mat, communalities,
  eigenvalues, fit statistics at 1e-9; psych's warnings mirrored.
* psych::KMO / cortest.bartlett at 1e-12.
* semTools compRelSEM (obs.var, tau.eq) / AVE formulas on lavaan's estimates at 1e-12
  (second-order factors, MIMIC, cross-loadings, a single-indicator factor); omega against
  tight lavaan one-factor fits and psych::omega; CR/AVE of acsi's own CB-SEM fits.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import acsi
from acsi import AcsiWarning, ConvergenceWarning, InadmissibleSolutionWarning, MissingDataWarning
from acsi.reliability import ave, bartlett_sphericity, composite_reliability, cronbach_alpha, efa, kmo, omega

PSYCH = Path(__file__).parent / "data" / "psych"
SEMTOOLS = Path(__file__).parent / "data" / "semtools"
LOADERS = {
    "holzinger_swineford_1939.csv": acsi.datasets.load_holzinger_swineford,
    "mobi.csv": acsi.datasets.load_mobi,
    "satisfaction.csv": acsi.datasets.load_satisfaction,
    "servqual_sq.csv": acsi.datasets.load_servqual,
    "corp_rep_data.csv": acsi.datasets.load_corp_rep,  # -99 -> NA, as the R script does
}
_CACHE: dict[str, pd.DataFrame] = {}


def _data(name: str) -> pd.DataFrame:
    if name not in _CACHE:
        _CACHE[name] = pd.read_csv(PSYCH / name) if name.startswith("zoo_") else LOADERS[name]()
    return _CACHE[name]


def _ref(path: Path) -> dict:
    return json.loads(path.read_text())


def _list(x: object) -> list:
    """jsonlite writes a length-1 vector as a scalar."""
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def _mat(m: dict, nrow: int, ncol: int) -> np.ndarray:
    return np.array(m["values"], dtype=float).reshape(nrow, ncol)


# ----------------------------------------------------------------------------- alpha
ALPHA = sorted(PSYCH.glob("zoo_alpha_*.json"))


def _psych_keys(ref: dict) -> list[str]:
    k = ref.get("keys")
    vals = list(k.values()) if isinstance(k, dict) else _list(k)
    flat = [v for group in vals for v in _list(group)]
    return [str(v)[1:] for v in flat if str(v).startswith("-")]


def test_alpha_zoo_present() -> None:
    assert len(ALPHA) >= 38


@pytest.mark.parametrize("path", ALPHA, ids=lambda p: p.stem)
def test_alpha_equals_psych(path: Path) -> None:
    ref = _ref(path)
    df = _data(ref["data"])[ref["items"]]
    has_na = bool(df.isna().to_numpy().any())
    keys = _psych_keys(ref)
    missing = "listwise" if ref["mode"] == "complete" else ("pairwise" if has_na else "listwise")
    if ref["check_keys"] and keys:
        # psych reverses them itself; acsi names them in a warning and waits for keys=
        with pytest.warns(AcsiWarning, match="keys=" + repr(keys).replace("[", r"\[").replace("]", r"\]")):
            cronbach_alpha(df.dropna() if ref["mode"] == "complete" else df, missing=missing)
    if not keys and any("negatively correlated" in w for w in _list(ref.get("warnings"))):
        with pytest.warns(AcsiWarning, match="correlate negatively"):
            cronbach_alpha(df, missing=missing)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = cronbach_alpha(df, keys=keys or None, missing=missing, cumulative=bool(ref.get("cumulative", False)))
    if ref["mode"] == "complete" and has_na:
        assert any(issubclass(w.category, MissingDataWarning) for w in caught)
        assert res.n_dropped == len(df) - ref["nobs"]
    assert res.n == ref["nobs"]
    tot = ref["total"]
    tol = 1e-10
    for ours, theirs in [("alpha", "raw_alpha"), ("std_alpha", "std.alpha"), ("g6", "G6(smc)"),
                         ("average_r", "average_r"), ("ase", "ase"), ("total_mean", "mean"),
                         ("total_sd", "sd"), ("median_r", "median_r")]:
        assert_allclose(getattr(res, ours), tot[theirs], rtol=0, atol=tol, err_msg=ours)
    assert_allclose(res.signal_noise, tot["S/N"], rtol=1e-10)
    feldt = np.ravel([ref["feldt"]["lower.ci"], ref["feldt"]["upper.ci"]]).astype(float)
    assert_allclose([res.ci_lower, res.ci_upper], feldt, rtol=0, atol=tol)
    st = pd.DataFrame(ref["item_stats"])
    st.index = [s.rstrip("-") for s in st["item"]]
    it = res.items.loc[st.index]
    for ours, theirs in [("n", "n"), ("raw_r", "raw.r"), ("std_r", "std.r"), ("r_cor", "r.cor"),
                         ("r_drop", "r.drop"), ("mean", "mean"), ("sd", "sd")]:
        expected = pd.to_numeric(st[theirs], errors="coerce").to_numpy(float)
        assert_allclose(it[ours].to_numpy(float), expected, rtol=0, atol=tol, err_msg=ours, equal_nan=True)
    drop = pd.DataFrame(ref["alpha_drop"])
    drop.index = [s.rstrip("-") for s in drop["item"]]
    ad = res.alpha_drop.loc[drop.index]
    for ours, theirs in [("raw_alpha", "raw_alpha"), ("std_alpha", "std.alpha"), ("g6", "G6(smc)"),
                         ("average_r", "average_r"), ("signal_noise", "S/N"), ("alpha_se", "alpha se"),
                         ("var_r", "var.r"), ("med_r", "med.r")]:
        expected = pd.to_numeric(drop[theirs], errors="coerce").to_numpy(float)
        assert_allclose(ad[ours].to_numpy(float), expected, rtol=1e-9, atol=tol, err_msg=ours, equal_nan=True)
    assert sorted(it.index[it["reversed"]]) == sorted(keys)


def test_alpha_listwise_and_pairwise_differ_on_corp_rep() -> None:
    # psych's default (pairwise) and acsi's default (listwise) are different numbers
    pw = _ref(PSYCH / "zoo_alpha_corp_rep_cusl.json")["total"]["raw_alpha"]
    lw = _ref(PSYCH / "zoo_alpha_corp_rep_cusl_complete.json")["total"]["raw_alpha"]
    assert abs(pw - lw) > 1e-4
    items = _data("corp_rep_data.csv")[["cusl_1", "cusl_2", "cusl_3"]]
    with pytest.warns(MissingDataWarning, match="listwise"):
        assert_allclose(cronbach_alpha(items).alpha, lw, rtol=0, atol=1e-12)
    with pytest.warns(MissingDataWarning, match="pairwise"):
        assert_allclose(cronbach_alpha(items, missing="pairwise").alpha, pw, rtol=0, atol=1e-12)


def test_alpha_negative_total_gives_nan_as_psych() -> None:
    # CUSA1 with CUSCO reversed: negatively correlated pair; psych's r.cor is sqrt(<0) = NaN
    ref = _ref(PSYCH / "zoo_alpha_mobi_keys_pair.json")
    assert ref["item_stats"][0]["r.cor"] is None
    res = cronbach_alpha(_data("mobi.csv")[["CUSA1", "CUSCO"]], keys="CUSCO")
    assert np.isnan(res.items["r_cor"]).all() and res.alpha < 0


# ----------------------------------------------------------------------------- fa
FA = sorted(PSYCH.glob("zoo_fa_*.json"))


def test_fa_zoo_present() -> None:
    assert len(FA) >= 100


@pytest.mark.parametrize("path", FA, ids=lambda p: p.stem)
def test_fa_equals_psych(path: Path) -> None:
    ref = _ref(path)
    data = _data(ref["data"])[ref["items"]]
    missing = "pairwise" if data.isna().to_numpy().any() else "listwise"  # psych's default
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = efa(data, ref["nfactors"], method=ref["fm"], rotation=None if ref["rotate"] == "none" else ref["rotate"],
                  missing=missing)
    assert res.n == ref["nobs"]
    messages = [str(w.message) for w in caught]
    p, k = len(ref["items"]), ref["nfactors"]
    cols = _list(ref["loadings"]["colnames"])
    assert list(res.loadings.columns) == cols  # psych's names, order and signs
    tol = 1e-9
    assert_allclose(res.loadings.to_numpy(), _mat(ref["loadings"], p, k), rtol=0, atol=tol)
    assert_allclose(res.communalities.to_numpy(), list(ref["h2"].values()), rtol=0, atol=tol)
    assert_allclose(res.uniquenesses.to_numpy(), list(ref["u2"].values()), rtol=0, atol=tol)
    assert_allclose(res.eigenvalues.to_numpy(), ref["e.values"], rtol=0, atol=1e-12)
    assert_allclose(res.common_eigenvalues.to_numpy(), ref["values"], rtol=0, atol=tol)
    if ref.get("Phi"):
        assert_allclose(res.phi.to_numpy(), _mat(ref["Phi"], k, k), rtol=0, atol=tol)
    else:
        assert res.phi is None
    if ref.get("rot.mat"):  # psych's rot.mat: before its final reflection and ordering
        assert_allclose(res.rotation_matrix, np.array(ref["rot.mat"], dtype=float).reshape(k, k), rtol=0, atol=tol)
    va = np.array(ref["Vaccounted"]["values"], dtype=float).reshape(-1, k)
    assert_allclose(res.variance.to_numpy().T[: va.shape[0]], va, rtol=0, atol=tol)
    fit = res.fit
    assert fit["df"] == ref["dof"]
    for ours, theirs in [("objective", "objective"), ("chisq", "STATISTIC"), ("pvalue", "PVAL"),
                         ("baseline_chisq", "null.chisq"), ("tli", "TLI"), ("bic", "BIC"), ("rms", "rms"),
                         ("chisq_empirical", "chi")]:
        assert_allclose(fit[ours], ref[theirs], rtol=1e-8, atol=1e-300, err_msg=ours)
    assert_allclose(fit["rmsea"], ref["RMSEA"]["RMSEA"], rtol=1e-8)
    # psych's warnings are acsi's warnings
    r_warn = " ".join(_list(ref.get("warnings")) + _list(ref.get("messages")))
    if "ultra-Heywood" in r_warn:
        assert any("ultra-Heywood" in m for m in messages)
    if "maximum iteration exceeded" in r_warn:
        assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
    if (res.uniquenesses < 0.005 + 1e-4).any():
        assert any(issubclass(w.category, InadmissibleSolutionWarning) for w in caught)


def test_fa_heywood_path_is_r_lbfgsb() -> None:
    # e-banking, 3 ML factors: two uniquenesses end at psych's bound 0.005. scipy's L-BFGS-B
    # (version 3.0 of the algorithm) projects the subspace step onto the box and stops
    # 1e-6..1e-4 away from psych; acsi follows R's optim (version 2.3) and lands on psych's point.
    from scipy import optimize

    from acsi.reliability._common import smc
    from acsi.reliability._efa import _ml_gradient, _ml_loadings, _ml_objective, fa_ml_kernel

    ref = _ref(PSYCH / "zoo_fa_ebanking_3_ml_none.json")
    R = np.corrcoef(_data("zoo_ebanking.csv")[ref["items"]].to_numpy(float), rowvar=False)
    h2_psych = np.array(list(ref["h2"].values()))
    L, psi, _ = fa_ml_kernel(R, 3)
    assert np.sum(psi <= 0.005 + 1e-12) == 2
    assert_allclose((L**2).sum(axis=1), h2_psych, rtol=0, atol=1e-9)
    start = np.clip(1 - smc(R), 0.005, 1) / 0.01
    sp = optimize.minimize(lambda x: _ml_objective(x * 0.01, R, 3), start,
                           jac=lambda x: _ml_gradient(x * 0.01, R, 3) * 0.01, method="L-BFGS-B",
                           bounds=[(0.5, 100.0)] * len(start),
                           options={"ftol": 1e7 * np.finfo(float).eps, "gtol": 0.0, "maxcor": 5, "maxiter": 100})
    h2_scipy = (_ml_loadings(sp.x * 0.01, R, 3) ** 2).sum(axis=1)
    assert np.max(np.abs(h2_scipy - h2_psych)) > 1e-7


# ----------------------------------------------------------------------------- KMO / Bartlett
KMO = sorted(PSYCH.glob("zoo_kmo_*.json"))


@pytest.mark.parametrize("path", KMO, ids=lambda p: p.stem)
def test_kmo_bartlett_equal_psych(path: Path) -> None:
    ref = _ref(path)
    data = _data(ref["data"])[ref["items"]]
    missing = "pairwise" if data.isna().to_numpy().any() else "listwise"  # psych's default
    k = kmo(data, missing=missing)
    assert_allclose(k.msa, ref["kmo"]["MSA"], rtol=0, atol=1e-12)
    assert_allclose(k.msa_items.to_numpy(), list(ref["kmo"]["MSAi"].values()), rtol=0, atol=1e-12)
    b = bartlett_sphericity(data, missing=missing)
    assert_allclose(b.chisq, ref["bartlett"]["chisq"], rtol=1e-12)
    assert b.df == ref["bartlett"]["df"] and b.n == ref["nobs"]
    assert_allclose(b.pvalue, ref["bartlett"]["p.value"], rtol=1e-8, atol=1e-300)


# ----------------------------------------------------------------------------- semTools
ST = sorted(SEMTOOLS.glob("zoo_*.json"))


def _frame(m: dict) -> pd.DataFrame:
    names, cols = _list(m["names"]), _list(m["colnames"])
    return pd.DataFrame(_mat(m, len(names), len(cols)), index=names, columns=cols)


def _series(d: dict) -> pd.Series:
    return pd.Series({k: (math.nan if v is None else float(v)) for k, v in d.items()}, dtype=float)


def test_semtools_zoo_present() -> None:
    assert len(ST) >= 25


def _semtools_ave(est: pd.DataFrame, cov: pd.DataFrame, cov_lv: pd.DataFrame, shifted: bool) -> pd.Series:
    """AVE per multi-indicator factor, with the indicators' own variances (``shifted=False``)
    or as semTools 0.5-6 AVE() indexes them (``shifted=True``): the names of the indicators of
    the kept factors are indexed with row numbers of the full loading matrix, so a
    single-indicator factor's indicator ahead of them shifts the variances used (NA past the
    end)."""
    load = est[est["op"] == "=~"]
    facs = list(dict.fromkeys(load["lhs"]))
    load = load[~load["rhs"].isin(facs)]  # observed indicators only (not higher-order loadings)
    rows = list(dict.fromkeys(load["rhs"]))  # lavaan's ov order in the loading matrix
    keep = [f for f in facs if (load["lhs"] == f).sum() > 1]
    kept_rows = [r for r in rows if r in set(load.loc[load["lhs"].isin(keep), "rhs"])]
    out = {}
    for f in keep:
        sub = load[load["lhs"] == f]
        lam = sub["est"].to_numpy(float)
        names = list(sub["rhs"])
        if shifted:
            idx = [rows.index(r) for r in names]
            names = [kept_rows[i] if i < len(kept_rows) else None for i in idx]
        var = math.nan if None in names else float(np.diag(cov.loc[names, names]).sum())
        out[f] = float(cov_lv.loc[f, f]) * float((lam**2).sum()) / var
    return pd.Series(out, dtype=float)


@pytest.mark.parametrize("path", ST, ids=lambda p: p.stem)
def test_compRelSEM_AVE_formulas_on_lavaan_estimates(path: Path) -> None:
    ref = _ref(path)
    est = pd.DataFrame(ref["estimates"])
    S, Sigma, Phi = _frame(ref["sample_cov"]), _frame(ref["implied_cov"]), _frame(ref["cov_lv"])
    for ours, theirs in [(composite_reliability(est, cov=S), ref["compRelSEM"]),
                         (composite_reliability(est, cov=Sigma, obs_var=False), ref["compRelSEM_obs_var_FALSE"]),
                         (composite_reliability(est, cov=S, tau_eq=True), ref["compRelSEM_tau_eq_TRUE"])]:
        expected = _series(theirs)
        assert list(ours.index) == list(expected.index)  # single-indicator factors left out
        assert_allclose(ours.to_numpy(float), expected.to_numpy(), rtol=0, atol=1e-12, equal_nan=True)
    cross = (
        est[(est["op"] == "=~") & ~est["rhs"].isin(est.loc[est["op"] == "=~", "lhs"])].groupby("rhs").size() > 1
    ).any()
    for ours, theirs, cov in [
        (ave(est, cov=S), ref["AVE"], S),
        (ave(est, cov=Sigma, obs_var=False), ref["AVE_obs_var_FALSE"], Sigma),
    ]:
        expected = _series(theirs)
        assert list(ours.index) == list(expected.index)
        if cross:  # semTools: NA for a factor with a cross-loading indicator
            assert_allclose(ours.to_numpy(float), expected.to_numpy(), rtol=0, atol=1e-12, equal_nan=True)
            continue
        # semTools' own numbers are reproduced by its index arithmetic ...
        assert_allclose(
            _semtools_ave(est, cov, Phi, shifted=True).to_numpy(),
            expected.to_numpy(),
            rtol=0,
            atol=1e-12,
            equal_nan=True,
        )
        # ... and acsi gives every factor the variances of its own indicators (equal to
        # semTools whenever no single-indicator factor's indicator precedes others)
        assert_allclose(
            ours.to_numpy(float), _semtools_ave(est, cov, Phi, shifted=False).to_numpy(), rtol=0, atol=1e-12
        )
        same = ~np.isnan(expected.to_numpy()) & np.isclose(
            _semtools_ave(est, cov, Phi, shifted=True).to_numpy(),
            _semtools_ave(est, cov, Phi, shifted=False).to_numpy(),
            rtol=0,
            atol=0,
        )
        assert_allclose(ours.to_numpy(float)[same], expected.to_numpy()[same], rtol=0, atol=1e-12)


def test_ave_single_indicator_factor_first_differs_from_semtools_index_bug() -> None:
    ref = _ref(SEMTOOLS / "zoo_cr_mobi_single_first.json")
    assert ref["AVE"]["Loyalty"] is None  # semTools 0.5-6: NA (index past the end)
    est = pd.DataFrame(ref["estimates"])
    res = ave(est, cov=_frame(ref["sample_cov"]))
    assert list(res.index) == ["Satisfaction", "Loyalty"] and np.isfinite(res).all()
    assert abs(res["Satisfaction"] - ref["AVE"]["Satisfaction"]) > 0.1  # semTools used CUSA2, CUSA3, CUSL1


OMEGA = [p for p in ST if p.stem.startswith("zoo_omega_")]


def _ml_discrepancy(S: np.ndarray, lam: np.ndarray, theta: np.ndarray) -> float:
    Sigma = np.outer(lam, lam) + np.diag(theta)
    return float(np.linalg.slogdet(Sigma)[1] + np.trace(np.linalg.solve(Sigma, S)) - np.linalg.slogdet(S)[1] - len(lam))


@pytest.mark.parametrize("path", OMEGA, ids=lambda p: p.stem)
def test_omega_equals_compRelSEM(path: Path) -> None:
    ref = _ref(path)
    items = _list(ref["items"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = omega(_data(ref["data"])[items])
    assert res.converged
    heywood = any(issubclass(w.category, InadmissibleSolutionWarning) for w in caught)
    assert heywood == any("negative" in w for w in _list(ref.get("lavaan_warnings")))
    assert_allclose(res.alpha, ref["compRelSEM_tau_eq_TRUE"]["f"], rtol=0, atol=1e-12)
    assert res.df == ref["df"]
    # acsi's fit is at least as good as lavaan's (same ML discrepancy, divisor N)
    S = _frame(ref["sample_cov"]).loc[items, items].to_numpy()
    est = pd.DataFrame(ref["estimates"])
    fv = float(est.loc[(est["op"] == "~~") & (est["lhs"] == "f") & (est["rhs"] == "f"), "est"].iloc[0])
    lam_r = est.loc[est["op"] == "=~", "est"].to_numpy(float) * math.sqrt(fv)
    th_r = est.loc[(est["op"] == "~~") & (est["lhs"] == est["rhs"]) & (est["lhs"] != "f"), "est"].to_numpy(float)
    f_acsi = _ml_discrepancy(
        S, res.loadings["loading"].to_numpy() * math.sqrt(res.factor_variance), res.loadings["residual"].to_numpy()
    )
    f_lav = _ml_discrepancy(S, lam_r, th_r)
    assert f_acsi <= f_lav + 1e-13
    if ref["max_abs_gradient"] < 1e-7:  # lavaan converged tightly: the numbers agree
        tol = 2e-7
        assert_allclose(res.omega, ref["compRelSEM"]["f"], rtol=0, atol=tol)
        assert_allclose(res.omega_implied, ref["compRelSEM_obs_var_FALSE"]["f"], rtol=0, atol=tol)
        assert_allclose(res.ave, ref["AVE"]["f"], rtol=0, atol=tol)
        assert_allclose(res.chisq, ref["chisq"], rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("path", OMEGA, ids=lambda p: p.stem)
def test_omega_psych_equals_psych_omega(path: Path) -> None:
    ref = _ref(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InadmissibleSolutionWarning)
        res = omega(_data(ref["data"])[_list(ref["items"])])
    assert_allclose(res.omega_psych, ref["psych_omega_tot"], rtol=0, atol=1e-10)


CFA = [p for p in ST if p.stem.startswith("zoo_cr_")]


@pytest.mark.parametrize("path", CFA, ids=lambda p: p.stem)
def test_cr_ave_of_acsi_cbsem_fit(path: Path) -> None:
    # end to end: acsi's CB-SEM engine, then compRelSEM / AVE (depends on acsi.cbsem)
    ref = _ref(path)
    opts = ref.get("options") or {}
    model = ref["model"]
    if opts.get("orthogonal"):
        lv = list(dict.fromkeys(pd.DataFrame(ref["estimates"]).query("op == '=~'")["lhs"]))
        model += "".join(f"\n{a} ~~ 0*{b}" for i, a in enumerate(lv) for b in lv[i + 1:])
    fn = acsi.sem if ref["call"].startswith("fit <- sem(") else acsi.cfa
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InadmissibleSolutionWarning)
        fit = fn(model, _data(ref["data"]), std_lv=bool(opts.get("std.lv", False)))
    assert fit.converged
    S = _frame(ref["sample_cov"])
    names = list(S.index)
    S_np = S.to_numpy()
    f_acsi = float(np.linalg.slogdet(fit.implied_cov.loc[names, names].to_numpy())[1]
                   + np.trace(np.linalg.solve(fit.implied_cov.loc[names, names].to_numpy(), S_np)))
    f_lav = float(np.linalg.slogdet(_frame(ref["implied_cov"]).to_numpy())[1]
                  + np.trace(np.linalg.solve(_frame(ref["implied_cov"]).to_numpy(), S_np)))
    assert f_acsi <= f_lav + 1e-12  # acsi reaches the ML optimum at least as closely as lavaan
    est = pd.DataFrame(ref["estimates"])
    cr, av = composite_reliability(fit), ave(fit)
    assert list(cr.index) == list(_series(ref["compRelSEM"]).index)
    if f_lav - f_acsi < 1e-10:  # lavaan at the optimum too: the numbers agree
        assert_allclose(cr.to_numpy(), _series(ref["compRelSEM"]).to_numpy(), rtol=0, atol=1e-6)
        assert_allclose(composite_reliability(fit, obs_var=False).to_numpy(),
                        _series(ref["compRelSEM_obs_var_FALSE"]).to_numpy(), rtol=0, atol=1e-6)
        assert_allclose(av.to_numpy(), ave(est, cov=S).to_numpy(), rtol=0, atol=1e-6, equal_nan=True)


def test_integer_column_labels_are_accepted(hs: pd.DataFrame) -> None:
    hs = hs[[f"x{i}" for i in range(1, 10)]]
    unnamed = pd.DataFrame(hs.to_numpy())  # columns 0..8
    assert_allclose(cronbach_alpha(unnamed).alpha, cronbach_alpha(hs).alpha, rtol=0, atol=0)
    assert list(cronbach_alpha(unnamed, columns=[0, 1, 2]).items.index) == ["0", "1", "2"]
    assert_allclose(kmo(unnamed).msa, kmo(hs).msa, rtol=0, atol=0)
    assert_allclose(efa(unnamed, 3).loadings.to_numpy(), efa(hs, 3).loadings.to_numpy(), rtol=0, atol=0)
    assert_allclose(omega(unnamed.iloc[:, :3]).omega, omega(hs.iloc[:, :3]).omega, rtol=0, atol=0)


def test_missing_codes_equal_the_loaders_na() -> None:
    raw = pd.read_csv(Path(acsi.__file__).parent / "datasets" / "data" / "corp_rep_data.csv")
    items = ["qual_1", "qual_2", "qual_3", "perf_1", "perf_2", "cusa", "cusl_1", "cusl_2", "cusl_3"]
    clean = _data("corp_rep_data.csv")[items]
    assert (raw[items] == -99).to_numpy().any() and clean.isna().to_numpy().any()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        for missing in ("listwise", "pairwise"):
            a = efa(raw[items], 2, na_values=-99, missing=missing)
            b = efa(clean, 2, missing=missing)
            assert_allclose(a.loadings.to_numpy(), b.loadings.to_numpy(), rtol=0, atol=0)
            assert_allclose(
                kmo(raw[items], na_values=[-99], missing=missing).msa, kmo(clean, missing=missing).msa, rtol=0, atol=0
            )
            assert (
                bartlett_sphericity(raw[items], na_values=-99, missing=missing).chisq
                == bartlett_sphericity(clean, missing=missing).chisq
            )
            assert (
                cronbach_alpha(raw[items], na_values=-99, missing=missing).alpha
                == cronbach_alpha(clean, missing=missing).alpha
            )


def test_pairwise_matrix_not_positive_definite_is_a_clear_error() -> None:
    # a-b agree on rows 0-9, b-c on rows 10-19, a-c disagree on rows 20-29: no joint data
    rng = np.random.default_rng(1)
    n = 30
    cols = {k: np.full(n, np.nan) for k in "abc"}
    for (u, v, sign), rows in zip(
        [("a", "b", 1), ("b", "c", 1), ("a", "c", -1)], (slice(0, 10), slice(10, 20), slice(20, 30))
    ):
        z = rng.normal(size=10)
        cols[u][rows] = z
        cols[v][rows] = sign * z + 0.01 * rng.normal(size=10)
    df = pd.DataFrame({**cols, "d": rng.normal(size=n)})
    with pytest.warns(InadmissibleSolutionWarning, match="not positive definite"):
        with pytest.raises(acsi.DataError, match="pairwise correlation matrix is not positive definite.*listwise"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MissingDataWarning)
                efa(df, 1, missing="pairwise")
