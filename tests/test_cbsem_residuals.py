"""residuals() against lavaan 0.6-14 (issue 11, item 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _diag_cases import CASES, fitted, ref

import acsi


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", ["raw", "cor", "normalized", "standardized"])
def test_residuals_match_lavaan(case: str, kind: str) -> None:
    res = fitted(case)
    rr = ref(case)["resid_" + kind]
    names = rr["cov"]["names"]
    p = len(names)
    R = np.array(rr["cov"]["values"], dtype=float).reshape(p, p)
    out = res.residuals(kind)
    P = out.cov.loc[names, names].to_numpy()
    atol = 1e-9
    np.testing.assert_allclose(P, R, rtol=1e-6, atol=atol)
    if "mean" in rr:
        assert out.mean is not None
        np.testing.assert_allclose(out.mean.loc[names], np.array(rr["mean"], dtype=float), rtol=1e-6, atol=atol)
    else:
        assert out.mean is None


def test_residuals_result_is_typed_and_read_only(hs: pd.DataFrame) -> None:
    res = fitted("hs_ml")
    r = res.residuals("standardized")
    assert r.type == "standardized"
    c = r.cov
    c.iloc[0, 1] = 99.0
    assert r.cov.iloc[0, 1] != 99.0
    big = r.largest
    assert list(big.columns) == ["lhs", "rhs", "residual"]
    assert abs(big["residual"].iloc[0]) == np.nanmax(np.abs(r.cov.to_numpy()))
    assert "Residuals" in str(r.summary())
    with pytest.raises(acsi.SpecificationError, match="type"):
        res.residuals("cor.pearson")


def test_residuals_mlr_with_fixed_x_is_not_available(hs: pd.DataFrame) -> None:
    res = acsi.sem("visual =~ x1 + x2 + x3\nvisual ~ ageyr", hs, estimator="MLR")
    with pytest.raises(acsi.SpecificationError, match=r"MLR fits with fixed observed covariates \(ageyr\)"):
        res.residuals("normalized")
    assert np.isfinite(res.residuals("cor").cov.to_numpy()).all()
