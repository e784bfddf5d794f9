"""Chi-square difference test against R lavaan 0.6-14 ``lavTestLRT()``.

Reference: tests/data/lavaan/a2_lrt.json (tests/reference/a2_make_reference.R): for two nested
pairs (HS CFA with orthogonal factors vs the free CFA; Political Democracy with the equal
loadings a, b, c vs free loadings), fitted with ML and with MLR, lavaan's lavTestLRT table and
both models' fitMeasures().

* kernel: :func:`chisq_diff` on FitMeasures holding lavaan's own values must reproduce the
  table to ``rtol = 1e-10``;
* end to end: acsi.cfa / acsi.sem fits of the same models, ``rtol = 1e-4``.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.cbsem.compare import ChisqDiffTest, _same_data, chisq_diff
from acsi.cbsem.fit_measures import LAVAAN_NAMES, FitMeasures
from acsi.exceptions import AcsiWarning, SpecificationError

LAV = Path(__file__).parent / "data" / "lavaan"
DATASETS = Path(__file__).parent.parent / "acsi" / "datasets" / "data"
LRT = json.loads((LAV / "a2_lrt.json").read_text())["cases"]
_FROM_LAVAAN = {v: k for k, v in LAVAAN_NAMES.items()}


def _fm(fit: dict[str, Any]) -> FitMeasures:
    return FitMeasures(
        **{
            _FROM_LAVAAN[k]: (math.nan if v is None else float(v))
            for k, v in fit.items()
            if k in _FROM_LAVAAN
        }
    )


def _check(result: ChisqDiffTest, ref: dict[str, Any], rtol: float) -> None:
    table = ref["table"]
    cols = {"Chisq.diff": "Chisq diff", "Df.diff": "Df diff", "Pr..Chisq.": "Pr(>Chisq)"}
    assert list(result.table.index) == ["unrestricted", "restricted"]
    expected_cols = ["Df", "AIC", "BIC", "Chisq", "Chisq diff"]
    expected_cols += ["RMSEA"] if "RMSEA" in table else []
    expected_cols += ["Df diff", "Pr(>Chisq)"]
    assert list(result.table.columns) == expected_cols
    for k, values in table.items():
        col = cols.get(k, k)
        got = result.table[col].to_numpy(float)
        want = np.array([math.nan if v is None else v for v in values], dtype=float)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12, err_msg=col)


@pytest.mark.parametrize("key", sorted(LRT))
def test_table_matches_lavtestlrt_from_lavaans_fit_measures(key: str) -> None:
    ref = LRT[key]
    res = chisq_diff(_fm(ref["fit_restricted"]), _fm(ref["fit_unrestricted"]))
    _check(res, ref, rtol=1e-10)
    scaled = ref["estimator"] == "MLR"
    assert res.method == ("satorra.bentler.2001" if scaled else "standard")
    assert res.chisq_diff == res.table["Chisq diff"].iloc[1]
    assert res.df_diff == 3.0
    assert 0.0 <= res.pvalue <= 1.0
    assert math.isnan(res.scaling_factor) != scaled


def test_standard_method_forces_the_plain_difference_for_mlr() -> None:
    ref = LRT["poldem_equal_vs_free_mlr"]
    res = chisq_diff(_fm(ref["fit_restricted"]), _fm(ref["fit_unrestricted"]), method="standard")
    ml = LRT["poldem_equal_vs_free_ml"]["table"]
    assert res.method == "standard"
    assert res.chisq_diff == pytest.approx(ml["Chisq.diff"][1], rel=1e-10)


def test_sb2001_on_ml_fits_warns_and_uses_the_plain_difference() -> None:
    ref = LRT["hs_orth_vs_cfa_ml"]
    with pytest.warns(AcsiWarning, match="standard difference"):
        res = chisq_diff(
            _fm(ref["fit_restricted"]), _fm(ref["fit_unrestricted"]),
            method="satorra.bentler.2001",
        )
    assert res.method == "standard"


def test_saturated_unrestricted_model_uses_unit_scaling() -> None:
    ref = LRT["hs_orth_vs_cfa_mlr"]
    fm0 = _fm(ref["fit_restricted"])
    sat = FitMeasures(chisq=0.0, df=0.0, chisq_scaled=0.0, scaling_factor=math.nan,
                      nobs=fm0.nobs, aic=1.0, bic=2.0)
    res = chisq_diff(fm0, sat)
    # Satorra-Bentler with c1 = 1 for df1 = 0 gives the model's own scaled statistic
    assert res.chisq_diff == pytest.approx(fm0.chisq / fm0.scaling_factor, rel=1e-12)
    assert res.scaling_factor == pytest.approx(fm0.scaling_factor, rel=1e-12)


def test_negative_difference_scaling_factor_warns_and_gives_nan() -> None:
    fm1 = FitMeasures(chisq=10.0, df=10.0, chisq_scaled=5.0, scaling_factor=2.0, nobs=100.0)
    fm0 = FitMeasures(chisq=12.0, df=11.0, chisq_scaled=12.0, scaling_factor=1.0, nobs=100.0)
    with pytest.warns(AcsiWarning, match="negative"):
        res = chisq_diff(fm0, fm1)
    assert math.isnan(res.chisq_diff) and math.isnan(res.pvalue)


@pytest.fixture
def pair() -> tuple[FitMeasures, FitMeasures]:
    ref = LRT["hs_orth_vs_cfa_ml"]
    return _fm(ref["fit_restricted"]), _fm(ref["fit_unrestricted"])


def test_swapped_models_raise(pair: tuple[FitMeasures, FitMeasures]) -> None:
    with pytest.raises(SpecificationError, match="more restricted model first"):
        chisq_diff(pair[1], pair[0])


def test_equal_df_raises(pair: tuple[FitMeasures, FitMeasures]) -> None:
    with pytest.raises(SpecificationError, match="degrees of freedom"):
        chisq_diff(pair[0], replace(pair[1], df=pair[0].df))


def test_restricted_fitting_better_raises(pair: tuple[FitMeasures, FitMeasures]) -> None:
    with pytest.raises(SpecificationError, match="not nested"):
        chisq_diff(replace(pair[0], chisq=pair[1].chisq - 1.0), pair[1])


def test_different_numbers_of_observations_raise(pair: tuple[FitMeasures, FitMeasures]) -> None:
    with pytest.raises(SpecificationError, match="observations"):
        chisq_diff(pair[0], replace(pair[1], nobs=pair[1].nobs - 1))


def test_ml_against_mlr_raises(pair: tuple[FitMeasures, FitMeasures]) -> None:
    mlr = _fm(LRT["hs_orth_vs_cfa_mlr"]["fit_unrestricted"])
    with pytest.raises(SpecificationError, match="same estimator"):
        chisq_diff(pair[0], mlr)


def test_different_data_or_variables_are_detected() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(size=(4, 4))
    s = a @ a.T + np.eye(4)
    core0 = SimpleNamespace(ov_names=("x1", "x2", "x3", "x4"), S=s, meanstructure=False)
    # same data, variables in another order: accepted
    perm = [2, 0, 3, 1]
    core1 = SimpleNamespace(ov_names=tuple(core0.ov_names[i] for i in perm),
                            S=s[np.ix_(perm, perm)], meanstructure=False)
    assert _same_data(core0, core1) is None
    other = SimpleNamespace(ov_names=core0.ov_names, S=s * 1.01, meanstructure=False)
    assert "different data" in _same_data(core0, other)
    renamed = SimpleNamespace(ov_names=("x1", "x2", "x3", "x5"), S=s, meanstructure=False)
    assert "x5" in _same_data(core0, renamed)
    ms = SimpleNamespace(ov_names=core0.ov_names, S=s, meanstructure=True)
    assert "mean structure" in _same_data(core0, ms)


def test_fits_on_different_data_raise(hs) -> None:
    m0 = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; visual ~~ 0*textual"
    m1 = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"
    assert chisq_diff(acsi.cfa(m0, hs), acsi.cfa(m1, hs)).df_diff == 1.0
    changed = hs.copy()
    changed.loc[changed.index[0], "x1"] += 1.0
    with pytest.raises(SpecificationError, match="different data"):
        chisq_diff(acsi.cfa(m0, hs), acsi.cfa(m1, changed))


def test_bad_method_and_bad_objects_raise(pair: tuple[FitMeasures, FitMeasures]) -> None:
    with pytest.raises(SpecificationError, match="method"):
        chisq_diff(pair[0], pair[1], method="satorra2000")
    with pytest.raises(SpecificationError, match="restricted"):
        chisq_diff(object(), pair[1])


def test_result_renders_and_is_read_only(pair: tuple[FitMeasures, FitMeasures]) -> None:
    res = chisq_diff(*pair, names=("orthogonal", "oblique"))
    assert list(res.table.index) == ["oblique", "orthogonal"]
    text = str(res)
    assert "Chi-squared difference test" in text and "orthogonal" in text
    assert "<table" in res._repr_html_()
    frame = res.to_frame()
    frame.iloc[0, 0] = -1.0
    assert res.table.iloc[0, 0] == 24.0
    with pytest.raises(AttributeError):
        res.method = "x"  # type: ignore[misc]


# ------------------------------------------------------------------------------------------
# end to end with acsi's own fits
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(LRT))
def test_acsi_fits_match_lavtestlrt(key: str) -> None:
    import acsi

    ref = LRT[key]
    data = pd.read_csv(DATASETS / ref["data"])
    fun = acsi.cfa if ref["data"].startswith("holzinger") else acsi.sem
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit0 = fun(ref["restricted"], data, estimator=ref["estimator"])
        fit1 = fun(ref["unrestricted"], data, estimator=ref["estimator"])
    res = acsi.chisq_diff(fit0, fit1)
    _check(res, ref, rtol=1e-4)
