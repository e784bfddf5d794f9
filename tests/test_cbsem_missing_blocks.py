"""acsi.cbsem.missing against lavaan 0.6-14 (tests/reference/make_reference_issue10.R).

Tolerances
----------
- EM h1 moments with lavaan's default rule (tol 1e-5): same start, same stopping rule, so the
  same iterate; compared at rtol 1e-9 (measured ~1e-14).
- EM h1 moments run to tol 1e-12 against lavaan's run to tol 1e-12: rtol 1e-10
  (measured ~1e-14); against the fit's ``sampstat.h1`` (em.h1.tol = 1e-11): rtol 1e-8.
- FIML log-likelihood at lavaan's implied moments (``logl``) and at the h1 moments
  (``unrestricted.logl``): rtol 1e-10 (measured ~1e-15).
- Gradient w.r.t. (mu, vech Sigma) at a point away from the optimum: rtol 1e-10 of the
  largest element (measured ~5e-15).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from acsi.cbsem.matrices import vech_indices
from acsi.cbsem.missing import em_saturated, fiml_casewise, fiml_gradient, fiml_loglik, missing_patterns
from acsi.exceptions import DataError

REF = Path(__file__).parent / "data" / "lavaan_issue10"
CASES = ["hs_mcar_ml", "hs_mar_ml", "mobi_skip_ml", "hs_mcar_mlr", "hs_mar_mlr", "mobi_skip_mlr"]


def _load(case: str) -> tuple[dict, np.ndarray]:
    ref = json.loads((REF / f"{case}.json").read_text())
    data = pd.read_csv(REF / ref["data"])[ref["ov_names"]].to_numpy(float)
    return ref, data


def _vec(d: dict | list, names: list[str]) -> np.ndarray:
    return np.array([d[v] for v in names]) if isinstance(d, dict) else np.asarray(d, float)


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> tuple[dict, np.ndarray]:
    return _load(request.param)


def test_patterns(case: tuple[dict, np.ndarray]) -> None:
    ref, y = case
    mp = missing_patterns(y)
    assert mp.n_patterns == ref["patterns"]["npatterns"]
    assert mp.nobs == ref["nobs"]
    assert mp.freq.sum() == y.shape[0]
    # every row's pattern reproduces its observed mask
    np.testing.assert_array_equal(mp.observed[mp.row_pattern], ~np.isnan(y))


def test_em_default_rule(case: tuple[dict, np.ndarray]) -> None:
    ref, y = case
    em = em_saturated(y)
    h = ref["h1_default"]
    np.testing.assert_allclose(em.mean, h["mean"], rtol=1e-9)
    np.testing.assert_allclose(em.cov, h["cov"], rtol=1e-9)
    np.testing.assert_allclose(em.loglik, h["logl"], rtol=1e-10)


def test_em_tight(case: tuple[dict, np.ndarray]) -> None:
    ref, y = case
    names = ref["ov_names"]
    em = em_saturated(y, tol=1e-12, max_iter=20000)
    assert em.converged
    np.testing.assert_allclose(em.mean, ref["h1_tight"]["mean"], rtol=1e-10)
    np.testing.assert_allclose(em.cov, ref["h1_tight"]["cov"], rtol=1e-10)
    h1 = ref["sampstat_h1"]
    np.testing.assert_allclose(em.mean, _vec(h1["mean"], names), rtol=1e-8)
    np.testing.assert_allclose(em.cov, h1["cov"], rtol=1e-8)
    np.testing.assert_allclose(em.loglik, ref["loglik"]["unrestricted_logl"], rtol=1e-10)


def test_loglik_at_lavaan_solution(case: tuple[dict, np.ndarray]) -> None:
    ref, y = case
    mp = missing_patterns(y)
    imp = ref["implied"]
    mu = _vec(imp["mean"], ref["ov_names"])
    ll = fiml_loglik(mp, mu, np.asarray(imp["cov"]))
    np.testing.assert_allclose(ll, ref["loglik"]["logl"], rtol=1e-10)
    assert ref["fit"]["logl"] == pytest.approx(ref["loglik"]["logl"], rel=1e-14)


def test_fmin_is_lavaans(case: tuple[dict, np.ndarray]) -> None:
    """lavaan's fmin for missing = "ml": (-2 logl / N - (-2 logl_h1 / N)) / 2."""
    ref, y = case
    mp = missing_patterns(y)
    imp = ref["implied"]
    ll = fiml_loglik(mp, _vec(imp["mean"], ref["ov_names"]), np.asarray(imp["cov"]))
    fmin = (ll - ref["loglik"]["unrestricted_logl"]) / -mp.nobs
    np.testing.assert_allclose(fmin, ref["fmin"], rtol=1e-9)


def test_gradient(case: tuple[dict, np.ndarray]) -> None:
    ref, y = case
    mp = missing_patterns(y)
    g = ref["grad_check"]
    mu, sig = np.asarray(g["mean"]), np.asarray(g["cov"])
    np.testing.assert_allclose(fiml_loglik(mp, mu, sig), g["logl"], rtol=1e-12)
    dmu, dvech = fiml_gradient(mp, mu, sig)
    scale = max(np.abs(g["dmu"]).max(), np.abs(g["dvechSigma"]).max())
    np.testing.assert_allclose(dmu, g["dmu"], rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(dvech, g["dvechSigma"], rtol=0, atol=1e-10 * scale)


def test_casewise_loglik_and_scores(case: tuple[dict, np.ndarray]) -> None:
    """lavaan's lav_mvnorm_missing_llik_casewise and _scores_mu_vech_sigma: rtol 1e-10 of
    the largest element (measured ~1e-14)."""
    ref, y = case
    mp = missing_patterns(y)
    g = ref["grad_check"]
    ll, sc = fiml_casewise(y, mp, np.asarray(g["mean"]), np.asarray(g["cov"]))
    np.testing.assert_allclose(ll, g["casewise_logl"], rtol=1e-10)
    # lavaan leaves the scores of unobserved elements NA; they are 0 here
    ref_sc = np.array([[np.nan if v is None else v for v in row] for row in g["scores"]])
    na = np.isnan(ref_sc)
    assert na.any()
    assert not sc[na].any()
    ref_sc[na] = 0.0
    np.testing.assert_allclose(sc, ref_sc, rtol=0, atol=1e-10 * np.abs(ref_sc).max())
    dmu, dvech = fiml_gradient(mp, np.asarray(g["mean"]), np.asarray(g["cov"]))
    np.testing.assert_allclose(sc.sum(axis=0), np.concatenate([dmu, dvech]), rtol=0,
                               atol=1e-10 * np.abs(ref_sc).max())


def test_casewise_with_weights_and_empty_rows() -> None:
    rng = np.random.default_rng(8)
    y = rng.normal(size=(40, 3))
    y[rng.random(y.shape) < 0.2] = np.nan
    y[5] = np.nan
    w = rng.uniform(0.5, 2.0, size=40)
    mp = missing_patterns(y, weights=w)
    mu, sig = np.zeros(3), 0.2 + np.eye(3)
    ll, sc = fiml_casewise(y, mp, mu, sig, weights=w)
    assert np.isnan(ll[5]) and not sc[5].any()
    assert np.nansum(ll) == pytest.approx(fiml_loglik(mp, mu, sig), rel=1e-12)
    dmu, dvech = fiml_gradient(mp, mu, sig)
    np.testing.assert_allclose(sc.sum(axis=0), np.concatenate([dmu, dvech]), rtol=1e-11, atol=1e-12)


def test_gradient_is_derivative() -> None:
    rng = np.random.default_rng(11)
    y = rng.multivariate_normal(np.zeros(4), 0.4 + 0.6 * np.eye(4), size=80)
    y[rng.random(y.shape) < 0.25] = np.nan
    mp = missing_patterns(y)
    mu = np.array([0.1, -0.2, 0.0, 0.3])
    sig = 0.3 + 0.9 * np.eye(4)
    dmu, dvech = fiml_gradient(mp, mu, sig)
    r, c = vech_indices(4)
    eps = 1e-6
    for t in range(4):
        e = np.zeros(4)
        e[t] = eps
        num = (fiml_loglik(mp, mu + e, sig) - fiml_loglik(mp, mu - e, sig)) / (2 * eps)
        assert num == pytest.approx(dmu[t], rel=1e-6, abs=1e-7)
    for t in range(r.size):
        e = np.zeros((4, 4))
        e[r[t], c[t]] = e[c[t], r[t]] = eps
        num = (fiml_loglik(mp, mu, sig + e) - fiml_loglik(mp, mu, sig - e)) / (2 * eps)
        assert num == pytest.approx(dvech[t], rel=1e-6, abs=1e-7)


def test_weighted_patterns_match_replication() -> None:
    """Integer weights act like replicated rows."""
    rng = np.random.default_rng(2)
    y = rng.normal(size=(30, 3))
    y[rng.random(y.shape) < 0.2] = np.nan
    y[0] = [1.0, np.nan, 2.0]
    w = rng.integers(1, 4, size=30).astype(float)
    rep = np.repeat(y, w.astype(int), axis=0)
    a = em_saturated(y, weights=w, tol=1e-13, max_iter=10000)
    b = em_saturated(rep, tol=1e-13, max_iter=10000)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-10)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)


def test_complete_data_em_is_ml_moments() -> None:
    rng = np.random.default_rng(4)
    y = rng.normal(size=(50, 3))
    em = em_saturated(y, tol=1e-14)
    np.testing.assert_allclose(em.mean, y.mean(0), rtol=1e-13)
    np.testing.assert_allclose(em.cov, np.cov(y.T, bias=True), rtol=1e-12)


def test_empty_rows_are_not_in_any_pattern() -> None:
    y = np.array([[1.0, 2.0], [np.nan, np.nan], [2.0, 1.0], [3.0, np.nan], [1.5, 0.5]])
    mp = missing_patterns(y)
    assert mp.empty_rows.tolist() == [1]
    assert mp.nobs == 4
    assert mp.row_pattern[1] == -1


def test_never_observed_together_names_the_pair() -> None:
    y = np.array([[1.0, np.nan, 1.0], [np.nan, 2.0, 0.0], [2.0, np.nan, 1.0], [np.nan, 1.0, 2.0]])
    with pytest.raises(DataError, match="'a' and 'b' are never observed together"):
        missing_patterns(y, names=["a", "b", "c"])


def test_all_missing_is_an_error() -> None:
    with pytest.raises(DataError, match="every row is missing"):
        missing_patterns(np.full((3, 2), np.nan))


def test_results_are_read_only() -> None:
    rng = np.random.default_rng(1)
    y = rng.normal(size=(20, 2))
    y[::4, 1] = np.nan
    em = em_saturated(y)
    with pytest.raises(ValueError):
        em.cov[0, 0] = 1.0
    mp = missing_patterns(y)
    with pytest.raises(ValueError):
        mp.freq[0] = 3.0


@pytest.mark.parametrize("case", ["hs_weighted_ml", "hs_weighted_mlr", "mobi_weighted_ml", "mobi_weighted_mlr"])
def test_sampling_weights_moments_and_loglik(case: str) -> None:
    """lavaan's sampling.weights: weights normalised to sum to n, weighted ML moments, and the
    weighted log-likelihood sum_i w_i log f(y_i) (logl and unrestricted.logl)."""
    ref = json.loads((REF / f"{case}.json").read_text())
    d = pd.read_csv(REF / ref["data"])
    y = d[ref["ov_names"]].to_numpy(float)
    w = d["w"].to_numpy(float)
    w = w * w.size / w.sum()
    mp = missing_patterns(y, weights=w)
    assert mp.n_patterns == 1
    np.testing.assert_allclose(mp.pcov[0], ref["sampstat"]["cov"], rtol=1e-12)
    np.testing.assert_allclose(fiml_loglik(mp, mp.pmean[0], mp.pcov[0]), ref["fit"]["unrestricted.logl"], rtol=1e-12)
    # the model has no mean structure: lavaan's implied mean is the weighted sample mean
    np.testing.assert_allclose(fiml_loglik(mp, mp.pmean[0], np.asarray(ref["implied"]["cov"])), ref["fit"]["logl"],
                               rtol=1e-12)


@pytest.mark.parametrize("case", ["hs_mcar_ml", "hs_mar_ml", "mobi_skip_ml"])
def test_fiml_kernel_prototype_reaches_lavaans_solution(case: str) -> None:
    """acsi.cbsem.fiml_kernel (not wired into acsi.sem yet): estimates rtol 1e-8 against the
    polished lavaan fit (measured <= 3e-12), logl and fmin rtol 1e-10."""
    from acsi.cbsem.core import start_values
    from acsi.cbsem.fiml_kernel import FIMLKernel
    from acsi.cbsem.matrices import LisrelModel
    from acsi.spec.partable import build_partable

    ref, y = _load(case)
    pt = build_partable(ref["model"], meanstructure=True)
    assert list(pt.ov_names) == ref["ov_names"]
    model = LisrelModel.from_partable(pt)
    mp = missing_patterns(y)
    em = em_saturated(y, mp, tol=1e-11, max_iter=20000)
    x0 = start_values(pt, model, em.cov, em.mean)
    free = pt.free_rows
    par = np.asarray(pt.par)[free]
    kern = FIMLKernel(model, x0, free, par, pt.npar, mp, em.loglik)
    theta0 = np.zeros(pt.npar)
    theta0[par] = x0[free]
    fit = kern.fit(theta0)
    assert fit.converged
    x = x0.copy()
    x[free] = fit.theta[par]
    rows = {k: i for i, k in enumerate(zip(pt.lhs, pt.op, pt.rhs))}
    est = [p for p in _records(ref["params"]) if p["op"] in ("=~", "~~", "~", "~1")]
    mine = np.array([x[rows[(p["lhs"], p["op"], p["rhs"])]] for p in est])
    np.testing.assert_allclose(mine, [p["est"] for p in est], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(fit.loglik, ref["fit"]["logl"], rtol=1e-10)
    np.testing.assert_allclose(fit.fmin, ref["fmin"], rtol=1e-10)
    np.testing.assert_allclose(2 * mp.nobs * fit.fmin, ref["fit"]["chisq"], rtol=1e-9)


def _records(params: dict | list) -> list[dict]:
    """parameterEstimates as written by jsonlite (column-wise dict or row list)."""
    if isinstance(params, list):
        return params
    keys = list(params)
    return [dict(zip(keys, vals)) for vals in zip(*(params[k] for k in keys))]
