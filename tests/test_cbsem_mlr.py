"""MLR (Huber-White sandwich SEs, Yuan-Bentler Mplus scaled test) against R lavaan 0.6-14.

References: tests/data/lavaan/a2_<case>.json (tests/reference/a2_make_reference.R) hold
lavaan's solution with ``lavInspect(fit, "delta")``, the unit information matrices
(``information.observed``, ``information.first.order``), ``vcov(fit)`` and
``lavInspect(fit, "test")``; tests/data/lavaan/<case>.json (tests/reference/make_reference.R)
hold ``parameterEstimates()``.

Kernels are evaluated at lavaan's solution and must agree to ``rtol = 1e-8`` (they agree to
~1e-13); acsi's own MLR fits must give lavaan's est/se/z/pvalue/ci to ``rtol = 1e-4``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from acsi._linalg import vech as _vech
from acsi._linalg import vech_indices as _vech_indices
from acsi.cbsem.moments import gamma_adf as _gamma_adf
from acsi.cbsem.robust import (
    RobustTest,
    first_order_information,
    huber_white_vcov,
    yuan_bentler_mplus,
)
from acsi.exceptions import AcsiError

_spec = importlib.util.spec_from_file_location(
    "_a2_fit_measures_tests", Path(__file__).with_name("test_cbsem_fit_measures.py")
)
assert _spec is not None and _spec.loader is not None
_fm_tests = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("_a2_fit_measures_tests", _fm_tests)
_spec.loader.exec_module(_fm_tests)
lavaan_core = _fm_tests.lavaan_core
LAV = _fm_tests.LAV
CSV = _fm_tests.CSV

MLR_CASES = [
    "hs_cfa_mlr",
    "hs_cfa_mlr_meanstructure",
    "poldem_sem_mlr",
    "poldem_equal_mlr",
    "hs_fixedx_mlr",
    "hs_path_fixedx_mlr",
    "hs_path_randomx_mlr",
    "mobi_acsi_mlr",
]
ALL_CASES = MLR_CASES + ["hs_cfa_ml", "poldem_sem_ml", "hs_fixedx", "mobi_acsi_ml"]


def _mat(d: dict[str, Any]) -> np.ndarray:
    return np.array(d["values"], dtype=float)


def test_vech_is_lavaans_column_major_lower_triangle() -> None:
    r, c = _vech_indices(3)
    assert list(zip(r.tolist(), c.tolist(), strict=True)) == [
        (0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (2, 2)
    ]
    a = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(_vech(a), [0.0, 3.0, 6.0, 4.0, 7.0, 8.0])


def test_gamma_is_the_covariance_of_the_casewise_moments() -> None:
    rng = np.random.default_rng(20260101)
    x = rng.normal(size=(50, 3))
    g = _gamma_adf(x, meanstructure=True, x_idx=np.array([], dtype=np.intp))
    xc = x - x.mean(axis=0)
    r, c = _vech_indices(3)
    z = np.hstack([x, xc[:, r] * xc[:, c]])
    np.testing.assert_allclose(g, np.cov(z.T, bias=True), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", ALL_CASES)
def test_first_order_information_matches_lavaan(case: str) -> None:
    core, _ = lavaan_core(case)
    np.testing.assert_allclose(
        first_order_information(core), core.information("first.order"), rtol=1e-8, atol=1e-12
    )


@pytest.mark.parametrize("case", MLR_CASES)
def test_huber_white_vcov_matches_lavaan(case: str) -> None:
    core, ref = lavaan_core(case)
    v = huber_white_vcov(core)
    # lavaan's vcov is over its free parameters before equality constraints: K V K'
    np.testing.assert_allclose(core.K @ v @ core.K.T, _mat(ref["vcov"]), rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("case", MLR_CASES)
def test_yuan_bentler_mplus_matches_lavaan(case: str) -> None:
    core, ref = lavaan_core(case)
    rt = yuan_bentler_mplus(core)
    t = ref["test"]["yuan.bentler.mplus"]
    fit = ref["fit"]
    assert rt.chisq_scaled == pytest.approx(t["stat"], rel=1e-8)
    assert rt.scaling_factor == pytest.approx(t["scaling.factor"], rel=1e-8)
    assert rt.scaling_factor_h1 == pytest.approx(t["scaling.factor.h1"], rel=1e-8)
    assert rt.scaling_factor_h0 == pytest.approx(t["scaling.factor.h0"], rel=1e-8)
    assert rt.trace_ugamma == pytest.approx(t["trace.UGamma"], rel=1e-8)
    assert rt.pvalue_scaled == pytest.approx(t["pvalue"], rel=1e-6)
    assert rt.df == t["df"]
    # baseline: lavaan refits the independence model numerically, hence 1e-8 not 1e-12
    assert rt.baseline_chisq == pytest.approx(fit["baseline.chisq"], rel=1e-8)
    assert rt.baseline_df == fit["baseline.df"]
    assert rt.baseline_chisq_scaled == pytest.approx(fit["baseline.chisq.scaled"], rel=1e-8)
    assert rt.baseline_scaling_factor == pytest.approx(
        fit["baseline.chisq.scaling.factor"], rel=1e-8
    )


def test_saturated_model_has_no_scaling_factor() -> None:
    core, _ = lavaan_core("heywood")  # df = 0
    rt = yuan_bentler_mplus(core)
    assert math.isnan(rt.scaling_factor) and math.isnan(rt.pvalue_scaled)
    assert rt.chisq_scaled == rt.chisq
    assert rt.baseline_scaling_factor > 0


def test_singular_information_raises_a_clear_error() -> None:
    core, _ = lavaan_core("hs_cfa_mlr")

    class Singular:
        def __getattr__(self, name: str) -> Any:
            return getattr(core, name)

        def information(self, kind: str = "expected") -> np.ndarray:
            return np.zeros_like(core.information(kind))

    with pytest.raises(AcsiError, match="singular"):
        huber_white_vcov(Singular())
    with pytest.raises(AcsiError, match="identified"):
        yuan_bentler_mplus(Singular())


def test_robust_test_renders() -> None:
    core, _ = lavaan_core("hs_cfa_mlr")
    rt = yuan_bentler_mplus(core)
    assert isinstance(rt, RobustTest)
    s = rt.to_series()
    assert s["df"] == 24.0
    assert "scaling_factor" in rt._repr_html_()


# ------------------------------------------------------------------------------------------
# end to end: acsi.sem(..., estimator="MLR") against lavaan's parameterEstimates()
# ------------------------------------------------------------------------------------------

# case -> (function, data, reference file). mobi: lavaan's default optimiser stops ~1e-4 short
# of the optimum on this model (gradient 3e-6; acsi's chisq is lower by 9e-8), so the reference
# is lavaan with BFGS at reltol 1e-14, which reaches the optimum (a2_make_reference.R).
E2E = {
    "hs_cfa_mlr": ("cfa", "hs", "hs_cfa_mlr.json"),
    "poldem_sem_mlr": ("sem", "poldem", "poldem_sem_mlr.json"),
    "mobi_acsi_mlr": ("sem", "mobi", "a2_mobi_acsi_mlr_bfgs.json"),
}


@pytest.mark.parametrize("case", sorted(E2E))
def test_acsi_mlr_estimates_match_lavaan(case: str) -> None:
    import acsi

    fun, key, file = E2E[case]
    ref = json.loads((LAV / file).read_text())
    res = getattr(acsi, fun)(ref["model"], pd.read_csv(CSV[key]), estimator="MLR")
    lav = pd.DataFrame(ref["params"]).rename(columns={"ci.lower": "ci_lower",
                                                      "ci.upper": "ci_upper"})
    lav = lav[lav["op"] != ":="]
    mine = res.estimates
    keys = ["lhs", "op", "rhs"]
    merged = lav.merge(mine, on=keys, how="left", suffixes=("_lav", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", keys]
    assert len(mine) == len(lav)
    free = merged["se_lav"].fillna(0) > 0
    for col in ("est", "se", "z", "pvalue"):
        a = merged.loc[free, col].to_numpy(float)
        b = merged.loc[free, f"{col}_lav"].to_numpy(float)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-10, err_msg=f"{case}: {col}")
    # a bound est -/+ 1.96 se near 0 has no relative precision of its own: 1e-4 relative to
    # max(|bound|, se), the scale of the est and se it is made of
    se_lav = merged.loc[free, "se_lav"].to_numpy(float)
    for col in ("ci_lower", "ci_upper"):
        a = merged.loc[free, col].to_numpy(float)
        b = merged.loc[free, f"{col}_lav"].to_numpy(float)
        scale = np.maximum(np.abs(b), se_lav)
        assert np.all(np.abs(a - b) <= 1e-4 * scale), f"{case}: {col}"
    # fixed parameters: est equal, no SE
    np.testing.assert_allclose(
        merged.loc[~free, "est"].to_numpy(float), merged.loc[~free, "est_lav"].to_numpy(float),
        rtol=1e-4, atol=1e-10,
    )
    assert merged.loc[~free, "se"].isna().all()


VARIANTS = json.loads((LAV / "a2_mlr_variants.json").read_text())["cases"]


@pytest.mark.parametrize("case", sorted(VARIANTS))
def test_acsi_mlr_variants_match_lavaan(case: str) -> None:
    """More model shapes under MLR: user intercepts (mean structure), fixed.x = FALSE,
    second-order factor, equal residual variances, indicator regressed on a covariate, observed
    outcome. All of lavaan's fit measures and est/se at rtol 1e-4."""
    import acsi

    ref = VARIANTS[case]
    data = pd.read_csv(Path(CSV["hs"]).parent / ref["data"])
    res = getattr(acsi, ref["fun"])(ref["model"], data, estimator="MLR", fixed_x=ref["fixed_x"])
    mine = res.fit_measures.to_series(lavaan_names=True)
    bad = _fm_tests._compare(mine, ref["fit"], rtol=1e-4, atol=1e-10)
    assert not bad, "\n".join(bad)
    lav = pd.DataFrame(ref["params"])
    lav = lav[lav["op"] != ":="]
    merged = lav.merge(res.estimates, on=["lhs", "op", "rhs"], suffixes=("_lav", ""))
    assert len(merged) == len(lav)
    free = merged["se_lav"].fillna(0) > 0
    for col in ("est", "se"):
        np.testing.assert_allclose(
            merged.loc[free, col].to_numpy(float), merged.loc[free, f"{col}_lav"].to_numpy(float),
            rtol=1e-4, atol=1e-10, err_msg=f"{case}: {col}",
        )
