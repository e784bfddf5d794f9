"""General constraints (==, <, >) against lavaan 0.6-14 (issue 11, item 7).

References: tests/reference/make_reference_issue11_diag.R (lavaan's nlminb.constr fit,
polished by Newton steps on the KKT system to a residual below 1e-12).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference

import acsi

CASES = [f"{c}_{e}" for c in ("c_linear", "c_nonlinear", "c_ineq", "c_mixed") for e in ("ml", "mlr")]
FIT = ["npar", "chisq", "df", "pvalue", "aic", "bic", "cfi", "tli", "rmsea", "srmr", "chisq.scaled",
       "chisq.scaling.factor"]


@pytest.mark.parametrize("case", CASES)
def test_constrained_fit_matches_lavaan(hs: pd.DataFrame, case: str) -> None:
    ref = load_reference(f"lavaan_issue11/diag_{case}.json")
    res = acsi.cfa(ref["model"], hs, estimator=ref["estimator"])
    assert res.converged
    R = pd.DataFrame(ref["est"])
    R = R[~R["op"].isin(["==", "<", ">"])].reset_index(drop=True)
    P = res.estimates
    assert list(P["lhs"] + P["op"] + P["rhs"]) == list(R["lhs"] + R["op"] + R["rhs"])
    np.testing.assert_allclose(P["est"], R["est"].astype(float), rtol=1e-7, atol=1e-9)
    se_r = R["se"].astype(float).to_numpy()
    se_p = P["se"].to_numpy()
    free = se_r > 1e-6  # lavaan: 0 for fixed rows and for parameters held by active constraints
    np.testing.assert_allclose(se_p[free], se_r[free], rtol=1e-7)
    held = ~free & np.isfinite(se_p)
    np.testing.assert_allclose(se_p[held], 0.0, atol=1e-6)
    fm = res.fit_measures.to_series(lavaan_names=True)
    for k in FIT:
        if k in ref["fit"]:
            np.testing.assert_allclose(fm[k], ref["fit"][k], rtol=1e-7, atol=1e-12, err_msg=k)


def test_inequalities_active_and_inactive(hs: pd.DataFrame) -> None:
    base = "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + c*x5 + d*x6\nspeed =~ x7 + e*x8 + f*x9\n"
    free = acsi.cfa(base, hs)
    # an inactive inequality changes nothing (not even the df)
    inactive = acsi.cfa(base + "b < 1", hs)
    np.testing.assert_allclose(inactive.estimates["est"], free.estimates["est"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(inactive.estimates["se"], free.estimates["se"], rtol=1e-6)
    assert inactive.core.df == free.core.df
    # an active one holds the parameter at its bound, with no standard error
    active = acsi.cfa(base + "a > 0.7", hs)
    row = active.estimates.query("label == 'a'")
    assert abs(float(row["est"].iloc[0]) - 0.7) < 1e-10
    assert float(row["se"].iloc[0]) < 1e-6
    assert active.core.df == free.core.df


def test_equality_constraint_counts_in_df_and_diagnostics(hs: pd.DataFrame) -> None:
    model = "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + c*x5 + d*x6\nc == 2*a"
    res = acsi.cfa(model, hs)
    free = acsi.cfa(model.replace("\nc == 2*a", ""), hs)
    assert res.core.df == free.core.df + 1
    est = res.estimates.set_index("label")["est"]
    assert abs(est["c"] - 2 * est["a"]) < 1e-10
    # the diagnostics run on the constrained fit
    assert len(res.modindices()) > 0
    st = res.standardized_solution()
    assert np.isfinite(st["se"]).all()
    out = acsi.compare(res, free)
    assert out.table["Df diff"].iloc[1] == 1
