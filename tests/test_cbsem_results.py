"""SEMResult behaviour and the EstimationCore contract used by fit measures / MLR."""

from __future__ import annotations

import warnings
from dataclasses import FrozenInstanceError

import numpy as np
import pandas as pd
import pytest
from conftest import HS_MODEL

import acsi
from acsi.cbsem.core import EstimationCore, estimate
from acsi.inference.delta import complex_step_jacobian, delta_method
from acsi.spec.partable import build_partable

PD_MODEL = """
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ a*ind60
  dem65 ~ c*ind60 + b*dem60
  y1 ~~ y5
  ind := a*b
"""


@pytest.fixture(scope="module")
def res_hs(hs: pd.DataFrame) -> acsi.cbsem.results.SEMResult:
    return acsi.cfa(HS_MODEL, hs)


@pytest.fixture(scope="module")
def res_pd() -> acsi.cbsem.results.SEMResult:
    return acsi.sem(PD_MODEL, acsi.datasets.load_political_democracy())


def test_result_is_immutable(res_hs) -> None:
    with pytest.raises(FrozenInstanceError):
        res_hs.level = 0.9  # type: ignore[misc]


def test_second_fit_is_independent(hs: pd.DataFrame, res_hs) -> None:
    again = acsi.cfa(HS_MODEL, hs)
    pd.testing.assert_frame_equal(again.estimates, res_hs.estimates)
    assert again.core is not res_hs.core


def test_summary_sections_and_html(res_pd) -> None:
    text = str(res_pd.summary())
    for part in ("Estimator", "ML", "Converged", "Iterations", "Chi-square", "Degrees of freedom",
                 "Latent variables", "Regressions", "Covariances", "Variances",
                 "Defined parameters", "R-squared", "ind := a*b"):
        assert part in text
    assert str(res_pd) == text
    html = res_pd._repr_html_()
    assert html.startswith("<div") and "Latent variables" in html and "<table" in html


def test_conf_int_levels(res_hs) -> None:
    ci95 = res_hs.conf_int()
    ci80 = res_hs.conf_int(0.80)
    free = res_hs.estimates["se"].notna()
    assert (ci80.loc[free, "ci_lower"] > ci95.loc[free, "ci_lower"]).all()
    est, se = res_hs.estimates["est"], res_hs.estimates["se"]
    np.testing.assert_allclose(ci80["ci_upper"][free], (est + 1.2815515655446004 * se)[free], rtol=1e-12)
    with pytest.raises(acsi.SpecificationError, match="level"):
        res_hs.conf_int(95)


def test_vcov_matches_se_and_names(res_pd) -> None:
    V = res_pd.vcov
    E = res_pd.estimates
    free = E[E["se"].notna() & (E["op"] != ":=")]
    np.testing.assert_allclose(np.sqrt(np.diag(V)), free["se"], rtol=1e-12)
    assert "a" in V.index and "ind60=~x2" in V.index


def test_r_squared_series(res_pd) -> None:
    r2 = res_pd.r_squared
    assert isinstance(r2, pd.Series) and r2.name == "r_squared"
    assert "dem65" in r2.index and "ind60" not in r2.index
    assert ((r2 > 0) & (r2 < 1)).all()


def test_fit_measures_come_from_fit_measure_module(res_hs) -> None:
    fm = res_hs.fit_measures
    assert fm.df == 24
    assert fm.chisq == pytest.approx(res_hs.core.chisq, rel=1e-14)
    assert isinstance(fm.to_series(), pd.Series)


def test_mlr_uses_robust_vcov_and_scaled_test(hs: pd.DataFrame) -> None:
    from acsi.cbsem.robust import huber_white_vcov

    res = acsi.cfa(HS_MODEL, hs, estimator="MLR")
    assert res.se_type == "robust"
    np.testing.assert_allclose(res.theta_vcov, huber_white_vcov(res.core), rtol=1e-12)
    assert np.isfinite(res.fit_measures.chisq_scaled)
    ml = acsi.cfa(HS_MODEL, hs)
    np.testing.assert_allclose(res.estimates["est"], ml.estimates["est"], rtol=1e-12)


# ------------------------------------------------------------------ EstimationCore contract


@pytest.fixture(scope="module", params=[False, True], ids=["cov", "meanstructure"])
def core(request, hs: pd.DataFrame) -> EstimationCore:
    pt = build_partable(HS_MODEL + "; x1 ~~ x4", meanstructure=request.param)
    return estimate(pt, hs[list(pt.ov_names)].to_numpy(float))


def test_core_fields(core: EstimationCore, hs: pd.DataFrame) -> None:
    p = len(core.ov_names)
    assert core.X.shape == (core.N, p) == (301, 9)
    np.testing.assert_allclose(core.S, np.cov(core.X.T, bias=True), rtol=1e-12)
    np.testing.assert_allclose(core.mean, core.X.mean(axis=0), rtol=1e-14)
    nrow = p * (p + 1) // 2 + (p if core.meanstructure else 0)
    assert core.Delta.shape == (nrow, core.npar)
    assert core.theta.shape == (core.npar,)
    assert core.fmin == pytest.approx(core.chisq / (2 * core.N), rel=1e-14)
    assert core.fixed_x == ()
    if not core.meanstructure:
        np.testing.assert_array_equal(core.mu, core.mean)


def test_core_delta_is_the_jacobian(core: EstimationCore) -> None:
    kern = core.kernel
    r, c = core.model.vech_r, core.model.vech_c

    def moments(theta: np.ndarray) -> np.ndarray:
        Sigma, mu, _ = core.model.implied(kern.x_of(theta))
        v = Sigma[r, c]
        return np.concatenate([mu, v]) if core.meanstructure else v

    h = 1e-6
    num = np.column_stack([(moments(core.theta + h * e) - moments(core.theta - h * e)) / (2 * h)
                           for e in np.eye(core.npar)])
    np.testing.assert_allclose(core.Delta, num, rtol=1e-6, atol=1e-8)


def test_core_gradient_and_information(core: EstimationCore) -> None:
    assert np.max(np.abs(core.gradient())) < 1e-9
    kern = core.kernel
    h = 1e-4
    # expected information = Delta' H Delta; observed = Hessian of F/2 (central differences of F)
    q = core.npar
    H = np.empty((q, q))
    for i in range(q):
        for j in range(q):
            ei, ej = np.eye(q)[i] * h, np.eye(q)[j] * h
            H[i, j] = (kern.objective(core.theta + ei + ej) - kern.objective(core.theta + ei - ej)
                       - kern.objective(core.theta - ei + ej) + kern.objective(core.theta - ei - ej)) / (4 * h * h)
    np.testing.assert_allclose(core.information("observed"), H / 2, rtol=1e-5, atol=1e-6)
    exp = core.information("expected")
    assert exp.shape == (q, q)
    np.testing.assert_allclose(exp, exp.T, rtol=1e-12, atol=1e-14 * np.abs(exp).max())
    # Fisher information of the exact model: expected == E[observed]; here they differ by misfit
    assert not np.allclose(exp, core.information("observed"), rtol=1e-3)
    with pytest.raises(ValueError):
        core.information("sandwich")  # type: ignore[arg-type]


# ------------------------------------------------------------------ delta method


def test_complex_step_jacobian_exact() -> None:
    f = lambda t: np.array([t[0] * t[1] ** 2, np.exp(t[0]) / t[1]])  # noqa: E731
    x = np.array([0.3, 1.7])
    J = complex_step_jacobian(f, x)
    want = np.array([[x[1] ** 2, 2 * x[0] * x[1]], [np.exp(x[0]) / x[1], -np.exp(x[0]) / x[1] ** 2]])
    np.testing.assert_allclose(J, want, rtol=1e-14)


def test_delta_method_sobel() -> None:
    a, b, va, vb = 0.5, 0.8, 0.01, 0.04
    est, se, _ = delta_method(lambda t: np.array([t[0] * t[1]]), np.array([a, b]), np.diag([va, vb]))
    assert est[0] == pytest.approx(a * b)
    assert se[0] == pytest.approx(np.sqrt(b**2 * va + a**2 * vb), rel=1e-14)


@pytest.mark.parametrize(
    "model,ms",
    [
        (PD_MODEL.replace("ind := a*b", ""), False),
        ("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; textual ~ visual; x6 ~ x7; x1 ~~ x4", True),
        ("f =~ x1 + x2 + x3; g =~ x4 + x5 + x6; h =~ f + g + x7", False),
    ],
)
def test_analytic_hessian_matches_numeric(model: str, ms: bool) -> None:
    data = acsi.datasets.load_political_democracy() if "ind60" in model else acsi.datasets.load_holzinger_swineford()
    pt = build_partable(model, meanstructure=ms)
    c = estimate(pt, data[list(pt.ov_names)].to_numpy(float))
    k = c.kernel
    for theta in (c.theta, c.theta * (1 + 0.05 * np.sin(np.arange(c.npar)))):
        num = k.observed_information_numeric(theta)
        np.testing.assert_allclose(k.observed_information(theta), num, rtol=0, atol=1e-8 * np.abs(num).max())


@pytest.mark.parametrize("scale", [1e-4, 1e4])
def test_scale_invariance(hs: pd.DataFrame, res_hs, scale: float) -> None:
    """Rescaled indicators: same fit, same standardized solution; converged without warning."""
    d = hs.copy()
    cols = [f"x{i}" for i in range(1, 10)]
    d[cols] = d[cols] * scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = acsi.cfa(HS_MODEL, d)
    assert res.converged
    assert res.core.chisq == pytest.approx(res_hs.core.chisq, rel=1e-9)
    np.testing.assert_allclose(res.estimates["std_all"], res_hs.estimates["std_all"], rtol=1e-6)
    np.testing.assert_allclose(res.estimates["z"], res_hs.estimates["z"], rtol=1e-5)


def test_ml_with_robust_se_and_mlr_with_std_lv_and_defined() -> None:
    from acsi.cbsem.robust import huber_white_vcov

    pdem = acsi.datasets.load_political_democracy()
    ml_rob = acsi.sem(PD_MODEL, pdem, se="robust")
    assert ml_rob.estimator == "ML" and ml_rob.se_type == "robust"
    np.testing.assert_allclose(ml_rob.theta_vcov, huber_white_vcov(ml_rob.core), rtol=1e-12)
    assert ml_rob.robust_test is None
    mlr = acsi.sem(PD_MODEL, pdem, estimator="MLR", std_lv=True)
    E = mlr.estimates
    assert E.loc[E["op"] == ":=", "se"].notna().all()
    lv_var = E[(E["op"] == "~~") & (E["lhs"] == "ind60") & (E["rhs"] == "ind60")]
    assert lv_var["est"].iloc[0] == 1.0 and np.isnan(lv_var["se"].iloc[0])


def test_mlr_with_explicit_expected_se(hs: pd.DataFrame, res_hs) -> None:
    res = acsi.cfa(HS_MODEL, hs, estimator="MLR", se="expected")
    assert res.estimator == "MLR" and res.se_type == "expected"
    np.testing.assert_allclose(res.estimates["se"], res_hs.estimates["se"], rtol=1e-12)
    assert np.isfinite(res.fit_measures.chisq_scaled)


def test_summary_object_renders_text_html_latex_and_frame(res_pd) -> None:
    from acsi.results.base import Summary

    s = res_pd.summary()
    assert isinstance(s, Summary)
    assert str(s) == str(res_pd) and "Regressions" in s  # substring of the text
    assert s._repr_html_() == res_pd._repr_html_()
    tex = s.to_latex()
    assert tex.startswith("\\section*{Structural equation model (ML)}")
    assert tex.count("\\begin{tabular}") == len(s.tables) + 1 and "ind := a*b" in tex
    long = s.to_frame()
    assert list(long.columns) == ["table", "row", "column", "value"]
    reg = long[(long["table"] == "Regressions") & (long["column"] == "est")]
    est = res_pd.estimates
    np.testing.assert_array_equal(reg["value"].to_numpy(float), est.loc[est["op"] == "~", "est"].to_numpy())


def test_tables_and_core_are_read_only(res_pd) -> None:
    text = str(res_pd.summary())
    est = res_pd.estimates
    est.loc[1, "est"] = 99.0
    est["new"] = 1
    assert str(res_pd.summary()) == text and "new" not in res_pd.estimates.columns
    for arr in (res_pd.core.S, res_pd.core.Sigma, res_pd.core.theta, res_pd.theta_vcov, res_pd.core.parts["Veta"]):
        with pytest.raises(ValueError, match="read-only"):
            arr[(0,) * arr.ndim] = 7.0
    with pytest.raises(TypeError, match="read-only"):
        res_pd.core.parts["Veta"] = np.zeros((1, 1))
    assert str(res_pd.summary()) == text


def test_repr_is_compact(res_pd, res_hs) -> None:
    for r in (res_pd, res_hs):
        text = repr(r)
        assert text.startswith("SEMResult(") and len(text) < 2000 and "array" not in text
