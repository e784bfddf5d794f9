"""acsi.compare against lavTestLRT (lavaan 0.6-14; issue 11, item 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference

import acsi

_COLS = [("Df", "Df"), ("AIC", "AIC"), ("BIC", "BIC"), ("Chisq", "Chisq"), ("Chisq.diff", "Chisq diff"),
         ("Df.diff", "Df diff"), ("Pr..Chisq.", "Pr(>Chisq)"), ("RMSEA", "RMSEA")]


@pytest.mark.parametrize("case,estimator,method", [
    ("hs_ml", "ML", None), ("hs_mlr_2001", "MLR", None), ("hs_mlr_2010", "MLR", "satorra.bentler.2010"),
])
def test_compare_matches_lavtestlrt(hs: pd.DataFrame, case: str, estimator: str, method: str | None) -> None:
    ref = load_reference(f"lavaan_issue11/diag_lrt_{case}.json")
    M = ref["models"]
    fits = {k: acsi.cfa(M[k], hs, estimator=estimator) for k in ("eqorth", "free", "eq")}
    out = acsi.compare(fits["eqorth"], fits["free"], fits["eq"], names=["eqorth", "free", "eq"], method=method)
    R = pd.DataFrame(ref["table"])
    assert list(out.table.index) == list(R["model"])  # ordered by df
    assert out.order == (1, 2, 0)
    for cr, cp in _COLS:
        if cr not in R.columns:
            assert cp not in out.table.columns
            continue
        np.testing.assert_allclose(out.table[cp], R[cr].astype(float), rtol=1e-7, atol=1e-12, err_msg=cp)
    sf = np.array([np.nan if v is None else v for v in ref["scaling_factor"]], dtype=float)
    np.testing.assert_allclose(out.scaling_factors, sf, rtol=1e-7)
    assert out.method == (method or ("satorra.bentler.2001" if estimator == "MLR" else "standard"))
    assert "nested" in str(out.summary())


def test_compare_agrees_with_chisq_diff(hs: pd.DataFrame) -> None:
    m = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"
    for est in ("ML", "MLR"):
        free, orth = acsi.cfa(m, hs, estimator=est), acsi.cfa(m + "; visual ~~ 0*textual", hs, estimator=est)
        a = acsi.chisq_diff(orth, free).table
        b = acsi.compare(orth, free, names=["restricted", "unrestricted"]).table
        np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12)


def test_compare_bad_input(hs: pd.DataFrame) -> None:
    m = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"
    ml = acsi.cfa(m, hs)
    mlr = acsi.cfa(m + "; visual ~~ 0*textual", hs, estimator="MLR")
    with pytest.raises(acsi.SpecificationError, match="at least two"):
        acsi.compare(ml)
    with pytest.raises(acsi.SpecificationError, match="same estimator"):
        acsi.compare(ml, mlr)
    with pytest.raises(acsi.SpecificationError, match="not a fitted CB-SEM"):
        acsi.compare(ml, "model")
    with pytest.raises(acsi.SpecificationError, match="needs scaled"):
        acsi.compare(ml, acsi.cfa(m + "; visual ~~ 0*textual", hs), method="satorra.bentler.2010")
    with pytest.raises(acsi.SpecificationError, match="names"):
        acsi.compare(ml, acsi.cfa(m + "; visual ~~ 0*textual", hs), names=["a"])
    with pytest.raises(acsi.SpecificationError, match="same data"):
        acsi.compare(ml, acsi.cfa(m, hs.iloc[:200]))
