"""``acsi.sem/cfa(..., sampling_weights="w")`` against lavaan 0.6-14's ``sampling.weights``.

References: tests/data/lavaan_issue10/{hs,mobi}_weighted_{ml,mlr}.json, made by
tests/reference/make_reference_issue10.R (weights normalised to sum to N; lavaan's ML with
sampling weights already uses Huber-White standard errors and the Yuan-Bentler test).

Tolerances (issue 2's; never loosened): est, se, std_lv, std_all rtol 1e-6 (measured
<= 3e-7, on a Heywood regression of the mobi chain), every fitMeasures() name rtol 1e-6,
atol 1e-12.
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
from acsi.exceptions import DataError, InadmissibleSolutionWarning, SpecificationError

REF = Path(__file__).parent / "data" / "lavaan_issue10"
CASES = ["hs_weighted_ml", "hs_weighted_mlr", "mobi_weighted_ml", "mobi_weighted_mlr"]
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _ref(case: str) -> tuple[dict, pd.DataFrame]:
    ref = json.loads((REF / f"{case}.json").read_text())
    return ref, pd.read_csv(REF / ref["data"])


@pytest.fixture(scope="module", params=CASES)
def fitted(request: pytest.FixtureRequest) -> tuple[dict, acsi.cbsem.results.SEMResult]:
    ref, data = _ref(request.param)
    fun = acsi.cfa if ref["fun"] == "cfa" else acsi.sem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InadmissibleSolutionWarning)  # mobi chain: a Heywood case
        res = fun(ref["model"], data, sampling_weights="w", estimator=ref["args"]["estimator"])
    return ref, res


def test_estimates_and_standard_errors(fitted: tuple[dict, acsi.cbsem.results.SEMResult]) -> None:
    ref, res = fitted
    assert res.converged and res.se_type == "robust"
    est = res.estimates
    p = pd.DataFrame(ref["params"]).fillna({"rhs": ""})
    assert est[["lhs", "op", "rhs"]].values.tolist() == p[["lhs", "op", "rhs"]].values.tolist()
    for theirs, col in (("est", "est"), ("std.lv", "std_lv"), ("std.all", "std_all")):
        np.testing.assert_allclose(est[col], p[theirs], rtol=1e-6, atol=1e-12, err_msg=col)
    free = p["se"].to_numpy() > 0
    np.testing.assert_allclose(est["se"].to_numpy()[free], p["se"].to_numpy()[free], rtol=1e-6)


def test_every_fit_measure(fitted: tuple[dict, acsi.cbsem.results.SEMResult]) -> None:
    ref, res = fitted
    fm = res.fit_measures.to_series(lavaan_names=True)
    assert set(ref["fit"]) <= set(fm.index)
    for name, theirs in ref["fit"].items():
        if theirs is None:
            assert math.isnan(fm[name]), name
        else:
            assert fm[name] == pytest.approx(theirs, rel=1e-6, abs=1e-12), name


def test_weighted_moments(fitted: tuple[dict, acsi.cbsem.results.SEMResult]) -> None:
    ref, res = fitted
    np.testing.assert_allclose(res.sample_cov.to_numpy(), ref["sampstat"]["cov"], rtol=1e-10)
    assert res.core.weights is not None and res.core.weights.sum() == pytest.approx(res.nobs)


def test_equal_weights_are_no_weights() -> None:
    hs = acsi.datasets.load_holzinger_swineford().assign(w=3.0)
    a = acsi.cfa(HS, hs, sampling_weights="w")
    b = acsi.cfa(HS, hs, estimator="MLR")
    np.testing.assert_allclose(a.estimates.est, b.estimates.est, rtol=1e-10)
    np.testing.assert_allclose(a.estimates.se, b.estimates.se, rtol=1e-8)


# ------------------------------------------------------------------------------ bad input
def _hs(w: object) -> pd.DataFrame:
    return acsi.datasets.load_holzinger_swineford().assign(w=w)


@pytest.mark.parametrize(
    ("w", "match"),
    [
        (-1.0, r"'w' has 301 negative value"),
        (np.nan, r"'w' has 301 missing or infinite"),
        (0.0, r"'w' is zero for every row"),
        ("heavy", r"'w' is not numeric"),
    ],
)
def test_bad_weights(w: object, match: str) -> None:
    with pytest.raises(DataError, match=match):
        acsi.cfa(HS, _hs(w), sampling_weights="w")


def test_weights_not_a_column() -> None:
    with pytest.raises(DataError, match=r"sampling_weights='ww' is not a column.*'w'"):
        acsi.cfa(HS, _hs(1.0), sampling_weights="ww")


def test_weights_combinations_refused() -> None:
    # sampling_weights with missing="ml" is implemented (tests/test_cbsem_fimlx.py)
    with pytest.raises(SpecificationError, match="is a variable of the model"):
        acsi.cfa(HS, _hs(1.0), sampling_weights="x1")
