"""Multigroup CB-SEM (``group=``) against lavaan 0.6-14.

References: tests/reference/make_reference_issue11_mg.R (tightly converged lavaan fits of
Holzinger-Swineford by school: the invariance levels with ML and MLR, partial invariance,
``c()`` labels and values, a categorical group order, a structural model with ``std.lv``,
three groups). Estimates, standard errors, standardized values, vcov and every
``fitMeasures()`` value are compared at 1e-6 relative.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.exceptions import DataError, ModelSyntaxError, SpecificationError
from acsi.spec.partable import build_multigroup_partable, build_partable

DATA = Path(__file__).parent / "data" / "lavaan_issue11"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
LEVELS = {
    "configural": [],
    "metric": ["loadings"],
    "scalar": ["loadings", "intercepts"],
    "strict": ["loadings", "intercepts", "residuals"],
}
RTOL = 1e-6


def _ref(name: str) -> dict:
    with open(DATA / f"{name}.json") as fh:
        return json.load(fh)


def _three(hs: pd.DataFrame) -> pd.DataFrame:
    h3 = hs.copy()
    h3["g3"] = np.where(h3.school == "Pasteur", "P", np.where(h3.grade == 7, "GW7", "GW8"))
    return h3[~((h3.school != "Pasteur") & h3.grade.isna())]


def _holes(hs: pd.DataFrame) -> pd.DataFrame:
    """The holes of the R script (from the id column)."""
    h = hs.copy()
    h.loc[h.id % 7 == 0, "x1"] = np.nan
    h.loc[h.id % 11 == 3, "x5"] = np.nan
    h.loc[h.id % 5 == 1, "x9"] = np.nan
    h.loc[(h.id % 13 == 2) & (h.school == "Grant-White"), "x4"] = np.nan
    return h


def _fit(name: str, hs: pd.DataFrame) -> acsi.cbsem.results.SEMResult:
    if name.startswith("inv_hs_"):
        _, _, est, level = name.split("_")
        return acsi.cfa(HS_MODEL, hs, group="school", group_equal=LEVELS[level], estimator=est.upper())
    if name.startswith("mg_hs_partial"):
        est = "MLR" if name.endswith("mlr") else "ML"
        return acsi.cfa(HS_MODEL, hs, group="school", group_equal=["loadings", "intercepts"],
                        group_partial=["visual=~x2", "x7 ~ 1"], estimator=est)
    if name == "mg_hs_clabels":
        with pytest.warns(acsi.AcsiWarning, match=r"label\(s\) b \(line 2: .*\) apply to every group"):
            return acsi.cfa(_ref(name)["model"], hs, group="school")
    if name == "mg_hs_factor":
        h2 = hs.copy()
        h2["school"] = pd.Categorical(h2["school"], categories=["Grant-White", "Pasteur"])
        return acsi.cfa(HS_MODEL, h2, group="school", group_equal="loadings")
    if name == "mg_hs_stdlv_sem":
        return acsi.sem(_ref(name)["model"], hs, group="school", std_lv=True,
                        group_equal=["loadings", "regressions", "lv.covariances"])
    if name.startswith("mg_hs_fiml_"):
        level = name.rsplit("_", 1)[1]
        return acsi.cfa(HS_MODEL, _holes(hs), group="school", group_equal=LEVELS[level], missing="ml")
    if name == "mg_hs_three":
        return acsi.cfa(_ref(name)["model"], _three(hs), group="g3",
                        group_equal=["loadings", "intercepts", "means", "lv.variances"])
    raise KeyError(name)


CASES = sorted(p.stem for p in DATA.glob("*.json")
               if not p.stem.endswith("_lrt") and not p.stem.startswith(("diag_", "mgdiag_")))


@pytest.fixture(scope="module")
def fits(request: pytest.FixtureRequest) -> dict:
    hs = acsi.datasets.load_holzinger_swineford()
    return {name: _fit(name, hs) for name in CASES}


def _close(a: object, b: object, what: str) -> None:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if what.endswith(" se"):  # lavaan's se of a fixed parameter is 0, acsi's NaN
        b = np.where(b == 0.0, np.nan, b)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{what}: NaN pattern")
    ok = ~np.isnan(b)
    np.testing.assert_allclose(a[ok], b[ok], rtol=RTOL, atol=1e-7, err_msg=what)


def test_reference_cases_present() -> None:
    assert len(CASES) == 16


@pytest.mark.parametrize("name", CASES)
def test_estimates_equal_lavaan(name: str, fits: dict) -> None:
    ref = _ref(name)
    res = fits[name]
    p = pd.DataFrame(ref["params"])
    e = res.estimates
    assert list(e.columns[:5]) == ["lhs", "op", "rhs", "group", "label"]
    assert e["group"].dtype == np.int64
    assert list(e["lhs"]) == list(p["lhs"]) and list(e["op"]) == list(p["op"])
    assert list(e["rhs"]) == list(p["rhs"])
    assert list(e["group"]) == list(p["group"])
    assert list(e["label"]) == list(p["label"])
    assert res.group_labels == tuple(ref["group_labels"])
    assert res.core.nobs_group == tuple(ref["nobs"])
    assert res.core.K.shape[0] == ref["npar"]  # lavInspect "npar": free rows before equalities
    assert res.core.npar == ref["fit"]["npar"]
    for ours, theirs in (("est", "est"), ("se", "se"), ("std_lv", "std.lv"), ("std_all", "std.all"),
                         ("ci_lower", "ci.lower"), ("ci_upper", "ci.upper")):
        _close(e[ours], p[theirs].astype(float), f"{name} {ours}")


@pytest.mark.parametrize("name", CASES)
def test_fit_measures_equal_lavaan(name: str, fits: dict) -> None:
    ref = _ref(name)
    res = fits[name]
    fm = res.fit_measures.to_series(lavaan_names=True)
    checked = 0
    for key, val in ref["fit"].items():
        if key not in fm.index or val is None:
            continue
        checked += 1
        assert np.isfinite(fm[key]), f"{name}: {key} is NaN, lavaan {val}"
        np.testing.assert_allclose(fm[key], val, rtol=RTOL, atol=1e-9, err_msg=f"{name} {key}")
    assert checked >= (60 if "mlr" in name else 40)
    _close(res.chisq_group.to_numpy(), ref["stat_group"], f"{name} chisq per group")
    assert list(res.chisq_group.index) == ref["group_labels"]


@pytest.mark.parametrize("name", ["inv_hs_ml_scalar", "mg_hs_clabels", "inv_hs_mlr_metric"])
def test_vcov_equal_lavaan(name: str, fits: dict) -> None:
    ref = _ref(name)["vcov"]
    v = fits[name].vcov
    assert list(v.index) == ref["names"]
    _close(v.to_numpy(), np.array(ref["values"], dtype=float), f"{name} vcov")


def test_group_order_first_appearance_and_categorical(hs) -> None:
    res = acsi.cfa(HS_MODEL, hs, group="school")
    assert res.group_labels == ("Pasteur", "Grant-White")
    h2 = hs.copy()
    h2["school"] = pd.Categorical(h2["school"], categories=["Grant-White", "Pasteur"])
    res2 = acsi.cfa(HS_MODEL, h2, group="school")
    assert res2.group_labels == ("Grant-White", "Pasteur")
    assert res2.ngroups == 2 and res.ngroups == 2
    np.testing.assert_allclose(res2.core.chisq, res.core.chisq, rtol=1e-10)


def test_single_group_result_has_no_groups(hs) -> None:
    res = acsi.cfa(HS_MODEL, hs)
    assert res.group_labels == () and res.ngroups == 1
    assert "group" not in res.estimates.columns


def test_tables_by_group_and_summary(fits: dict) -> None:
    res = fits["inv_hs_ml_metric"]
    assert list(res.implied_cov.index.get_level_values(0).unique()) == ["Pasteur", "Grant-White"]
    assert res.implied_cov.shape == (18, 9)
    assert res.sample_cov.loc["Grant-White"].shape == (9, 9)
    assert res.implied_mean.loc["Pasteur"].shape == (9,)
    assert res.latent_cov.shape == (6, 3)
    assert res.r_squared.index.names == ["group", "variable"]
    text = res.summary().as_text()
    assert "Group 2 [Grant-White]: Latent variables" in text
    assert "Chi-square, group Pasteur" in text
    assert "groups=('Pasteur', 'Grant-White')" in repr(res)


def test_tables_are_frozen(fits: dict) -> None:
    res = fits["mg_hs_clabels"]
    before = res.estimates.copy()
    t = res.estimates
    t.loc[0, "est"] = 99.0
    pd.testing.assert_frame_equal(res.estimates, before)
    with pytest.raises(ValueError):
        res.core.theta[0] = 1.0
    with pytest.raises(ValueError):
        res.core.groups[0].S[0, 0] = 1.0


def test_defined_parameter_group_zero(fits: dict) -> None:
    e = fits["mg_hs_clabels"].estimates
    row = e[e["op"] == ":="].iloc[0]
    assert row["group"] == 0 and row["lhs"] == "d"


def test_shared_label_is_equal_across_groups(fits: dict) -> None:
    e = fits["mg_hs_clabels"].estimates
    b = e[e["label"] == "b"]
    assert len(b) == 2 and b["est"].nunique() == 1


def test_c_vector_fixed_value_per_group() -> None:
    pt = build_multigroup_partable("f =~ y1 + y2 + c(1, NA)*y3", 2)
    rows = [k for k in range(len(pt)) if pt.rhs[k] == "y3" and pt.op[k] == "=~"]
    assert [pt.free[k] == 0 for k in rows] == [True, False]
    assert pt.ustart[rows[0]] == 1.0


def test_group_equal_frees_latent_means_in_later_groups() -> None:
    pt = build_multigroup_partable("f =~ y1 + y2 + y3", 3, group_equal=["loadings", "intercepts"])
    means = [(pt.group[k], pt.free[k] > 0) for k in range(len(pt)) if pt.op[k] == "~1" and pt.lhs[k] == "f"]
    assert means == [(1, False), (2, True), (3, True)]
    pt2 = build_multigroup_partable("f =~ y1 + y2 + y3", 2, group_equal=["loadings", "intercepts", "means"])
    assert all(pt2.free[k] == 0 for k in range(len(pt2)) if pt2.op[k] == "~1" and pt2.lhs[k] == "f")


def test_group_partial_is_free(fits: dict) -> None:
    e = fits["mg_hs_partial"].estimates
    x2 = e[(e.lhs == "visual") & (e.rhs == "x2")]
    assert x2["label"].tolist() == ["", ""] and x2["est"].nunique() == 2
    x7 = e[(e.lhs == "x7") & (e.op == "~1")]
    assert x7["est"].nunique() == 2


def test_mlr_robust_test(fits: dict) -> None:
    rt = fits["inv_hs_mlr_configural"].robust_test
    ref = _ref("inv_hs_mlr_configural")["fit"]
    np.testing.assert_allclose(rt.chisq_scaled, ref["chisq.scaled"], rtol=RTOL)
    assert fits["inv_hs_ml_configural"].robust_test is None


# ------------------------------------------------------------------ bad input
def test_missing_group_column(hs) -> None:
    with pytest.raises(DataError, match=r"group='schol' is not a column.*'school'"):
        acsi.cfa(HS_MODEL, hs, group="schol")


def test_group_column_with_one_level(hs) -> None:
    one = hs.assign(school="Pasteur")
    with pytest.raises(DataError, match=r"single value \('Pasteur'.*at least two groups"):
        acsi.cfa(HS_MODEL, one, group="school")


def test_na_in_group_column_is_an_error(hs) -> None:
    h = hs.copy()
    h["school"] = h["school"].astype(object)
    h.loc[h.index[[3, 10]], "school"] = None
    with pytest.raises(DataError, match=r"group column 'school' is missing for 2 row\(s\).*dropna"):
        acsi.cfa(HS_MODEL, h, group="school")


def test_unused_category_is_an_error(hs) -> None:
    h = hs.copy()
    h["school"] = pd.Categorical(h["school"], categories=["Pasteur", "Grant-White", "Other"])
    with pytest.raises(DataError, match=r"categories without rows: 'Other'.*remove_unused_categories"):
        acsi.cfa(HS_MODEL, h, group="school")


def test_group_with_fewer_rows_than_variables(hs) -> None:
    h = hs.copy()
    h["school"] = h["school"].astype(object)
    h.loc[h.index[:5], "school"] = "tiny"
    with pytest.raises(DataError, match=r"group 'tiny' \(school\) has only 5 complete row\(s\) for 9"):
        acsi.cfa(HS_MODEL, h, group="school")


def test_group_partial_unknown_parameter(hs) -> None:
    with pytest.raises(SpecificationError, match=r"group_partial names 'visual=~x5'.*visual=~x1"):
        acsi.cfa(HS_MODEL, hs, group="school", group_equal=["loadings"], group_partial=["visual=~x5"])


def test_c_vector_wrong_length(hs) -> None:
    m = HS_MODEL.replace("x2", "c(a, b, c)*x2", 1)
    msg = r"line 1.*gives 3 labels but the data have 2 groups \(Pasteur, Grant-White\)"
    with pytest.raises(SpecificationError, match=msg):
        acsi.cfa(m, hs, group="school")


def test_c_vector_without_groups(hs) -> None:
    m = HS_MODEL.replace("x2", "c(a, b)*x2", 1)
    with pytest.raises(SpecificationError, match=r"line 1.*single group; pass group="):
        acsi.cfa(m, hs)
    assert build_partable(HS_MODEL.replace("x2", "c(a)*x2", 1)).label[1] == "a"


def test_c_vector_mixing_numbers_and_labels() -> None:
    with pytest.raises(ModelSyntaxError, match=r"mixes numbers and labels"):
        acsi.parse_model("f =~ y1 + c(1, a)*y2")


def test_group_equal_unknown_keyword(hs) -> None:
    with pytest.raises(SpecificationError, match=r"unknown keyword 'loading' \(did you mean 'loadings'\?\)"):
        acsi.cfa(HS_MODEL, hs, group="school", group_equal=["loading"])


def test_group_equal_without_group(hs) -> None:
    with pytest.raises(SpecificationError, match=r"pass group='column'"):
        acsi.cfa(HS_MODEL, hs, group_equal=["loadings"])


def test_fiml_mlr_in_groups(hs) -> None:
    """MLR with missing='ml' in groups gives robust SEs and the scaled test (equal to lavaan:
    test_cbsem_mgfiml.py)."""
    res = acsi.cfa(HS_MODEL, _holes(hs), group="school", missing="ml", estimator="MLR")
    assert res.se_type == "robust" and res.robust_test.scaling_factor > 0


def test_fiml_in_groups_records_patterns(fits: dict) -> None:
    res = fits["mg_hs_fiml_configural"]
    assert all(c.fiml is not None and c.fiml.patterns.n_patterns > 1 for c in res.core.groups)
    assert res.se_type == "observed"


def test_group_column_in_model(hs) -> None:
    h = hs.assign(g=(hs["school"] == "Pasteur").astype(float))
    with pytest.raises(SpecificationError, match=r"group column 'g' is also a variable"):
        acsi.cfa(HS_MODEL + "\nspeed =~ g", h, group="g")


def test_heywood_warning_names_group(hs) -> None:
    m = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nx7 ~~ x8"
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        acsi.cfa(m, _three(hs), group="g3", group_equal=["loadings", "residual.covariances", "lv.covariances"])
    msgs = [str(w.message) for w in rec if isinstance(w.message, acsi.InadmissibleSolutionWarning)]
    assert len(msgs) == 1 and "(group 'GW8')" in msgs[0]
