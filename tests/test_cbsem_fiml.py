"""``acsi.sem/cfa(..., missing="ml")`` (FIML) against lavaan 0.6-14.

References: tests/data/lavaan_issue10/{hs_mcar,hs_mar,mobi_skip}_{ml,mlr}.json, made by
tests/reference/make_reference_issue10.R (lavaan's fit polished by Newton steps to a gradient
below 1e-13, EM h1 to em.h1.tol = 1e-11).

Tolerances (issue 2's; never loosened)
--------------------------------------
- est, se, std_lv, std_all of every parameterEstimates row: rtol 1e-6 (measured <= 1e-9;
  the standard errors come from the exact observed information, lavaan's from a numerical
  Hessian, hence the ~1e-9).
- Every name of ``fitMeasures()`` (cfi.robust and rmsea.robust included: lavaan's
  FIML-corrected statistics; with MLR the Yuan-Bentler scaled test and every scaled
  measure): rtol 1e-6, atol 1e-12 for values that are 0 (measured <= 1e-7).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.cbsem.fiml_kernel import moment_hessian, saturated_moments
from acsi.cbsem.missing import em_saturated, fiml_loglik_gradient, missing_patterns
from acsi.exceptions import DataError, MissingDataWarning, SpecificationError

REF = Path(__file__).parent / "data" / "lavaan_issue10"
ML_CASES = ["hs_mcar_ml", "hs_mar_ml", "mobi_skip_ml", "hs_mcar_mlr", "hs_mar_mlr", "mobi_skip_mlr"]
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _records(params: dict | list) -> list[dict]:
    if isinstance(params, dict):
        keys = list(params)
        return [dict(zip(keys, row)) for row in zip(*(params[k] for k in keys))]
    return list(params)


def _ref(case: str) -> tuple[dict, pd.DataFrame]:
    ref = json.loads((REF / f"{case}.json").read_text())
    return ref, pd.read_csv(REF / ref["data"])


def _fit(ref: dict, data: pd.DataFrame, **kw: object) -> acsi.cbsem.results.SEMResult:
    fun = acsi.cfa if ref["fun"] == "cfa" else acsi.sem
    return fun(ref["model"], data, **kw)


@pytest.fixture(scope="module", params=ML_CASES)
def fitted(request: pytest.FixtureRequest) -> tuple[dict, acsi.cbsem.results.SEMResult]:
    ref, data = _ref(request.param)
    return ref, _fit(ref, data, missing="ml", estimator=ref["args"]["estimator"])


def test_estimates_and_standard_errors(fitted: tuple[dict, acsi.cbsem.results.SEMResult]) -> None:
    ref, res = fitted
    assert res.converged
    est = res.estimates.set_index(["lhs", "op", "rhs"])
    rows = _records(ref["params"])
    assert len(rows) == len(est)
    for p in rows:
        mine = est.loc[(p["lhs"], p["op"], p["rhs"])]
        for theirs, col in (("est", "est"), ("std.lv", "std_lv"), ("std.all", "std_all")):
            assert mine[col] == pytest.approx(p[theirs], rel=1e-6, abs=1e-12), (p["lhs"], p["op"], p["rhs"], col)
        if p["se"]:
            assert mine["se"] == pytest.approx(p["se"], rel=1e-6), (p["lhs"], p["op"], p["rhs"])
        else:
            assert math.isnan(mine["se"])


def test_every_fit_measure(fitted: tuple[dict, acsi.cbsem.results.SEMResult]) -> None:
    ref, res = fitted
    fm = res.fit_measures.to_series(lavaan_names=True)
    assert set(ref["fit"]) <= set(fm.index)
    for name, value in ref["fit"].items():
        assert fm[name] == pytest.approx(value, rel=1e-6, abs=1e-12), name


def test_sample_moments_are_the_h1_moments(fitted: tuple[dict, acsi.cbsem.results.SEMResult]) -> None:
    ref, res = fitted
    h1 = ref["sampstat_h1"]
    np.testing.assert_allclose(res.sample_cov.to_numpy(), h1["cov"], rtol=1e-8)
    assert res.nobs == ref["nobs"]
    assert res.core.fiml is not None
    assert res.core.fiml.em.loglik == pytest.approx(ref["loglik"]["unrestricted_logl"], rel=1e-10)


@pytest.mark.parametrize("alias", ["fiml", "direct", "ML", "FIML"])
def test_aliases(alias: str) -> None:
    ref, data = _ref("hs_mar_ml")
    a = _fit(ref, data, missing="ml")
    b = _fit(ref, data, missing=alias)
    np.testing.assert_array_equal(a.estimates["est"].to_numpy(), b.estimates["est"].to_numpy())


def test_observed_information_is_the_hessian() -> None:
    """The analytic observed information equals the numerical Jacobian of the gradient."""
    ref, data = _ref("hs_mcar_ml")
    res = _fit(ref, data, missing="ml")
    fiml = res.core.fiml
    assert fiml is not None
    exact = res.core.information("observed")
    numeric = fiml.kernel.hessian(res.core.theta)
    np.testing.assert_allclose(exact, numeric, atol=1e-7 * np.abs(numeric).max())
    expected = res.core.information("expected")
    assert np.linalg.eigvalsh(expected).min() > 0


def test_moment_hessian_is_the_second_derivative() -> None:
    ref, data = _ref("mobi_skip_ml")
    y = data[ref["ov_names"]].to_numpy(float)[:, :5]
    mp = missing_patterns(y)
    em = em_saturated(y, mp)
    mu, sig = em.mean + 0.1, em.cov * 1.1
    h = moment_hessian(mp, mu, sig)
    p = 5
    r, c = np.tril_indices(p)
    order = np.lexsort((r, c))  # vech: column by column
    r, c = c[order], r[order]
    eps = 1e-6
    num = np.empty_like(h)
    for j in range(h.shape[0]):
        grads = []
        for sgn in (1.0, -1.0):
            m2, s2 = mu.copy(), sig.copy()
            if j < p:
                m2[j] += sgn * eps
            else:
                a, b = r[j - p], c[j - p]
                s2[a, b] += sgn * eps
                if a != b:
                    s2[b, a] += sgn * eps
            _, dmu, dvech = fiml_loglik_gradient(mp, m2, s2)
            grads.append(np.concatenate([dmu, dvech]))
        num[:, j] = (grads[0] - grads[1]) / (2 * eps)
    np.testing.assert_allclose(h, num, atol=1e-5 * np.abs(num).max())


def test_saturated_moments_equal_tight_em() -> None:
    ref, data = _ref("hs_mar_ml")
    y = data[ref["ov_names"]].to_numpy(float)
    mp = missing_patterns(y)
    fast = saturated_moments(y, mp)
    np.testing.assert_allclose(fast.cov, ref["h1_tight"]["cov"], rtol=1e-10)
    np.testing.assert_allclose(fast.mean, ref["h1_tight"]["mean"], rtol=1e-10)


def test_empty_rows_dropped_with_count() -> None:
    ref, data = _ref("hs_mcar_ml")
    extra = pd.DataFrame(np.nan, index=range(3), columns=data.columns)
    both = pd.concat([data, extra], ignore_index=True)
    with pytest.warns(MissingDataWarning, match="3 of 304 rows are missing on every model variable"):
        res = _fit(ref, both, missing="ml")
    assert res.nobs == 301
    assert res.n_dropped == 3
    base = _fit(ref, data, missing="ml")
    np.testing.assert_allclose(res.estimates["est"], base.estimates["est"], rtol=1e-12)


def test_pair_never_observed_together_names_them() -> None:
    ref, data = _ref("hs_mcar_ml")
    d = data.copy()
    d.loc[d["x1"].notna(), "x2"] = np.nan
    with pytest.raises(DataError, match="'x1' and 'x2' are never observed together"):
        _fit(ref, d, missing="ml")


def test_variable_never_observed_and_constant_named() -> None:
    ref, data = _ref("hs_mcar_ml")
    with pytest.raises(DataError, match="variable 'x3' is never observed"):
        _fit(ref, data.assign(x3=np.nan), missing="ml")
    const = data.assign(x3=np.where(data["x3"].isna(), np.nan, 1.0))
    with pytest.raises(DataError, match="x3 have zero variance"):
        _fit(ref, const, missing="ml")
    with pytest.raises(DataError, match="only 8 rows"):
        _fit(ref, data.iloc[:8], missing="ml")


def test_listwise_unchanged() -> None:
    ref, data = _ref("hs_mar_ml")
    with pytest.warns(MissingDataWarning, match="listwise"):
        a = acsi.cfa(HS, data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingDataWarning)
        b = acsi.cfa(HS, data.dropna().reset_index(drop=True))
    np.testing.assert_array_equal(a.estimates["est"].to_numpy(), b.estimates["est"].to_numpy())
    assert a.core.fiml is None
    assert not (a.estimates["op"] == "~1").any()


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"missing": "ml", "meanstructure": False}, "needs the mean structure"),
        ({"missing": "pairwise"}, "missing"),
    ],
)
def test_errors_named(kw: dict, match: str) -> None:
    ref, data = _ref("hs_mcar_ml")
    with pytest.raises(SpecificationError, match=match):
        _fit(ref, data, **kw)


def test_expected_information_standard_errors() -> None:
    """se="expected" with FIML: lavaan's information = "expected" (structured, at the implied
    moments) for the standard errors, and in the FIML-corrected robust CFI/RMSEA (its U)."""
    ref, data = _ref("hs_mcar_ml_expected")
    res = _fit(ref, data, missing="ml", se="expected")
    est = res.estimates
    p = pd.DataFrame(_records(ref["params"])).fillna({"rhs": ""})
    assert est[["lhs", "op", "rhs"]].values.tolist() == p[["lhs", "op", "rhs"]].values.tolist()
    np.testing.assert_allclose(est["est"], p["est"], rtol=1e-6, atol=1e-12)
    free = p["se"].to_numpy() > 0
    np.testing.assert_allclose(est["se"].to_numpy()[free], p["se"].to_numpy()[free], rtol=1e-6)
    fm = res.fit_measures.to_series(lavaan_names=True)
    for name, value in ref["fit"].items():
        assert fm[name] == pytest.approx(value, rel=1e-6, abs=1e-12), name


def test_mlr_se_observed_keeps_the_scaled_test() -> None:
    """estimator="MLR", se="observed": ML standard errors, the same scaled test."""
    ref, data = _ref("hs_mar_mlr")
    ml = _fit(ref, data, missing="ml")
    mixed = _fit(ref, data, missing="ml", estimator="MLR", se="observed")
    np.testing.assert_allclose(mixed.estimates["se"], ml.estimates["se"], rtol=1e-12)
    fm = mixed.fit_measures.to_series(lavaan_names=True)
    assert fm["chisq.scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-6)


def test_summary_and_repr() -> None:
    ref, data = _ref("hs_mar_ml")
    res = _fit(ref, data, missing="ml")
    text = str(res.summary())
    assert "Chi-square" in text and "FIML" in text and "Missing-data patterns" in text
    assert "ML" in repr(res)


def test_complete_data_equals_ml_with_means(hs: pd.DataFrame) -> None:
    """Without holes FIML is ML with a mean structure (same estimates, chi-square, logl)."""
    a = acsi.cfa(HS, hs, missing="ml")
    b = acsi.cfa(HS, hs, meanstructure=True, se="observed")
    np.testing.assert_allclose(a.estimates["est"], b.estimates["est"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(a.estimates["se"], b.estimates["se"], rtol=1e-6)
    fa = a.fit_measures.to_series(lavaan_names=True)
    fb = b.fit_measures.to_series(lavaan_names=True)
    for name in ("chisq", "df", "logl", "unrestricted.logl", "baseline.chisq", "cfi", "tli", "rmsea", "srmr"):
        assert fa[name] == pytest.approx(fb[name], rel=1e-8), name
