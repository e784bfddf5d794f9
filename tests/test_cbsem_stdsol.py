"""standardizedSolution() with delta-method SEs against lavaan 0.6-14 (issue 11, item 4).

lavaan's SEs come from a forward-difference Jacobian (step sqrt(eps)); acsi's Jacobian is
exact (complex step), so the SEs agree to about 1e-7 relative (tolerance 1e-6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _diag_cases import CASES, fitted, ref

import acsi


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", ["std.all", "std.lv", "std.nox"])
def test_standardized_solution_matches_lavaan(case: str, kind: str) -> None:
    R = pd.DataFrame(ref(case)["std_" + kind.split(".")[1]])
    P = fitted(case).standardized_solution(kind)
    assert list(P["lhs"]) == list(R["lhs"]) and list(P["op"]) == list(R["op"])
    assert list(P["rhs"]) == list(R["rhs"])
    assert ("label" in P.columns) == ("label" in R.columns)
    est = R["est.std"].astype(float).to_numpy()
    np.testing.assert_allclose(P["est_std"], est, rtol=1e-6, atol=1e-8)
    se = R["se"].astype(float).to_numpy()
    np.testing.assert_allclose(P["se"], se, rtol=1e-6, atol=1e-7)
    z = R["z"].astype(float).to_numpy()
    np.testing.assert_allclose(P["z"], z, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(P["pvalue"], R["pvalue"].astype(float), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(P["ci_lower"], R["ci.lower"].astype(float), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(P["ci_upper"], R["ci.upper"].astype(float), rtol=1e-6, atol=1e-7)


def test_standardized_solution_level_and_columns(hs: pd.DataFrame) -> None:
    res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs)
    a = res.standardized_solution(level=0.9)
    assert list(a.columns) == ["lhs", "op", "rhs", "est_std", "se", "z", "pvalue", "ci_lower", "ci_upper"]
    half = (a["ci_upper"] - a["ci_lower"]) / 2
    np.testing.assert_allclose(half[a["se"] > 0], 1.6448536269514722 * a["se"][a["se"] > 0])
    # point estimates equal the std_all column of the estimates table
    np.testing.assert_allclose(a["est_std"], res.estimates["std_all"], rtol=1e-12)


def test_standardized_solution_bad_arguments(hs: pd.DataFrame) -> None:
    res = acsi.cfa("visual =~ x1 + x2 + x3", hs)
    with pytest.raises(acsi.SpecificationError, match="type"):
        res.standardized_solution("std.everything")
    with pytest.raises(acsi.SpecificationError, match="level"):
        res.standardized_solution(level=95)
