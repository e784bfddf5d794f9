"""Bad input to acsi.sem / acsi.cfa: each case raises or warns with a specific acsi class."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import HS_MODEL

import acsi

DATA = Path(__file__).parent / "data" / "lavaan"


def test_unknown_variable_names_it_and_suggests(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.DataError, match=r"'x10'.*line 1.*did you mean"):
        acsi.cfa("visual =~ x1 + x2 + x10", hs)


def test_non_numeric_column(hs: pd.DataFrame) -> None:
    df = hs.copy()
    df["x2"] = df["x2"].astype(str) + "a"
    with pytest.raises(acsi.DataError, match="'x2' is not numeric"):
        acsi.cfa("visual =~ x1 + x2 + x3", df)


def test_missing_values_listwise_with_count(hs: pd.DataFrame) -> None:
    df = hs.copy()
    df.loc[[0, 5, 7], "x3"] = np.nan
    with pytest.warns(acsi.MissingDataWarning, match="3 of 301 rows"):
        res = acsi.cfa(HS_MODEL, df)
    assert res.nobs == 298
    assert res.n_dropped == 3


def test_missing_error_policy(hs: pd.DataFrame) -> None:
    df = hs.copy()
    df.loc[0, "x3"] = np.nan
    with pytest.raises(acsi.DataError, match="missing"):
        acsi.cfa(HS_MODEL, df, missing="error")


def test_fiml_ml_x_without_covariates_is_ml(hs: pd.DataFrame) -> None:
    # missing="ml.x" differs from "ml" only with fixed.x covariates (tests/test_cbsem_fimlx.py)
    a = acsi.cfa(HS_MODEL, hs, missing="ml.x")
    b = acsi.cfa(HS_MODEL, hs, missing="ml")
    np.testing.assert_array_equal(a.estimates["est"].to_numpy(), b.estimates["est"].to_numpy())


def test_fewer_rows_than_variables(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.DataError, match="only 8 complete rows for 9 observed variables"):
        acsi.cfa(HS_MODEL, hs.iloc[:8])


def test_sample_covariance_not_positive_definite(hs: pd.DataFrame) -> None:
    df = hs.copy()
    df["x10"] = df["x1"] + df["x2"]
    with pytest.raises(acsi.DataError, match=r"not positive definite.*x10"):
        acsi.cfa("visual =~ x1 + x2 + x3 + x10", df)


def test_constant_column(hs: pd.DataFrame) -> None:
    df = hs.copy()
    df["x3"] = 1.0
    with pytest.raises(acsi.DataError, match=r"x3.*zero variance"):
        acsi.cfa("visual =~ x1 + x2 + x3", df)


def test_not_identified_negative_df(hs: pd.DataFrame) -> None:
    ref = json.loads((DATA / "not_identified.json").read_text())
    assert ref["fit"]["df"] == -1  # lavaan fits it and reports df = -1
    with pytest.raises(acsi.IdentificationError, match=r"not identified.*4 free parameters.*3 distinct.*df = -1"):
        acsi.cfa(ref["model"], hs)


def test_factor_without_scale(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.IdentificationError, match=r"'visual' has no scale.*std_lv=True"):
        acsi.cfa("visual =~ NA*x1 + x2 + x3", hs)
    # freeing the marker and fixing the variance is fine
    res = acsi.cfa("visual =~ NA*x1 + x2 + x3\nvisual ~~ 1*visual", hs)
    ref = acsi.cfa("visual =~ x1 + x2 + x3", hs, std_lv=True)
    key = ["lhs", "op", "rhs"]
    a = res.estimates.set_index(key)["est"]
    b = ref.estimates.set_index(key)["est"].reindex(a.index)
    np.testing.assert_allclose(a, b, rtol=1e-7)


def test_singular_information_at_solution(hs: pd.DataFrame) -> None:
    # two uncorrelated two-indicator factors: df = 2 but loadings and variances trade off
    with pytest.raises(acsi.IdentificationError, match=r"information matrix is singular"):
        acsi.cfa("f =~ x1 + x2; g =~ x4 + x5; f ~~ 0*g", hs)


def test_no_convergence_warns_with_iterations_and_gradient(hs: pd.DataFrame) -> None:
    with pytest.warns(acsi.ConvergenceWarning, match=r"did not converge in 2 iterations.*gradient"):
        res = acsi.cfa(HS_MODEL, hs, max_iter=2)
    assert res.converged is False
    assert res.iterations == 2


def test_heywood_case_warns_and_is_not_clamped() -> None:
    df = pd.read_csv(DATA / "heywood.csv")
    ref = json.loads((DATA / "heywood.json").read_text())
    with pytest.warns(acsi.InadmissibleSolutionWarning, match=r"Heywood.*y1 ~~ y1 = -"):
        res = acsi.cfa("f =~ y1 + y2 + y3", df)
    row = res.estimates.query("lhs == 'y1' and op == '~~'")
    assert row["est"].iloc[0] < 0
    want = [p["est"] for p in ref["params"] if p["lhs"] == "y1" and p["op"] == "~~"][0]
    assert row["est"].iloc[0] == pytest.approx(want, rel=1e-6)


def test_latent_covariance_not_positive_definite(hs: pd.DataFrame) -> None:
    # factor covariance fixed beyond the product of the variances: correlation > 1
    model = "f =~ x1 + x2 + x3; g =~ x4 + x5 + x6; f ~~ 1*f; g ~~ 1*g; f ~~ 1.5*g"
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            acsi.cfa(model, hs, std_lv=True)
        except acsi.AcsiError:
            pass
    msgs = [str(w.message) for w in rec if issubclass(w.category, acsi.InadmissibleSolutionWarning)]
    assert any("latent variables" in m and "not positive definite" in m for m in msgs)


def test_latent_name_clashes_with_column(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.SpecificationError, match=r"'x4'.*also columns"):
        acsi.cfa("x4 =~ x1 + x2 + x3", hs)


def test_label_of_different_kinds(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.SpecificationError, match=r"label 'a'.*different kinds.*line 2"):
        acsi.cfa("visual =~ x1 + a*x2 + x3\nx1 ~~ a*x1", hs)


def test_defined_parameter_with_unknown_label(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.SpecificationError, match=r"'ind'.*line 2.*'b'.*not a label"):
        acsi.cfa("visual =~ x1 + a*x2 + x3\nind := a*b", hs)


def test_composite_and_constraints_rejected(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.SpecificationError, match="acsi.pls"):
        acsi.sem("f <~ x1 + x2 + x3", hs)
    # general constraints are estimated (issue 11, tests/test_cbsem_constraints.py); a
    # constraint on a name that is not a label is an error naming the line
    with pytest.raises(acsi.SpecificationError, match=r"line 2: a == 2\*zz\) uses 'zz', which is not a label"):
        acsi.sem("f =~ x1 + a*x2 + b*x3\na == 2*zz", hs)


def test_formula_written_twice(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.SpecificationError, match=r"written twice.*line 2.*line 3"):
        acsi.cfa("f =~ x1 + x2 + x3\nx1 ~~ x2\nx2 ~~ x1", hs)


def test_syntax_error_passes_through(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.ModelSyntaxError):
        acsi.cfa("visual =~ x1 + + x2", hs)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"estimator": "WLSMV"}, "is for ordinal items: name them with ordered="),  # WLSMV needs ordered=
        ({"estimator": "GLS"}, r"estimator=.GLS. is not one of"),
        ({"se": "bootstrap"}, "se="),
        ({"level": 1.5}, "level"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1.0}, "tol"),
    ],
)
def test_bad_options(hs: pd.DataFrame, kwargs: dict, match: str) -> None:
    with pytest.raises(acsi.SpecificationError, match=match):
        acsi.cfa(HS_MODEL, hs, **kwargs)


def test_not_a_dataframe() -> None:
    with pytest.raises(acsi.DataError, match="DataFrame"):
        acsi.cfa(HS_MODEL, [[1, 2, 3]])


def test_latent_without_indicators(hs: pd.DataFrame) -> None:
    with pytest.raises(acsi.SpecificationError, match=r"'Satisfaction' \(line 2.*neither a column.*Satisfaction =~"):
        acsi.sem("visual =~ x1 + x2 + x3\nSatisfaction ~ visual", hs)
    # a near-miss of a column is a data error with a suggestion
    with pytest.raises(acsi.DataError, match="did you mean 'ageyr'"):
        acsi.sem("visual =~ x1 + x2 + x3\nvisual ~ agyr", hs)


def test_no_convergence_with_indefinite_information_gives_nan_se(hs: pd.DataFrame) -> None:
    with pytest.warns(acsi.ConvergenceWarning):
        res = acsi.cfa(HS_MODEL, hs, max_iter=1, se="observed")
    assert res.converged is False
    free = res.estimates["op"] != "~~"
    assert res.estimates["est"].notna().all()
    # either finite SEs (information happened to be positive definite) or all NaN
    se = res.estimates.loc[free & res.estimates["se"].notna(), "se"]
    assert np.isfinite(se).all()


def test_warnings_point_at_the_callers_line(hs: pd.DataFrame) -> None:
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        acsi.cfa(HS_MODEL, hs, max_iter=2)
    conv = [w for w in got if issubclass(w.category, acsi.ConvergenceWarning)]
    assert conv and all(w.filename == __file__ for w in conv)


@pytest.mark.parametrize(
    "kwargs,same_as",
    [
        ({"se": "standard"}, {"se": "expected"}),
        ({"se": "robust.huber.white"}, {"se": "robust"}),
        ({"estimator": "mlr"}, {"estimator": "MLR"}),
        ({"se": "Observed"}, {"se": "observed"}),
    ],
)
def test_option_aliases(hs: pd.DataFrame, kwargs: dict, same_as: dict) -> None:
    a, b = acsi.cfa(HS_MODEL, hs, **kwargs), acsi.cfa(HS_MODEL, hs, **same_as)
    assert a.se_type == b.se_type and a.estimator == b.estimator
    np.testing.assert_array_equal(a.estimates["se"], b.estimates["se"])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"missing": "pairwise"}, "missing='pairwise' is not one of"),
        ({"max_iter": 2.5}, "max_iter must be an integer"),
        ({"tol": 2.0}, "below 1"),
        ({"level": 95}, "write 0.95"),
    ],
)
def test_bad_options_messages(hs: pd.DataFrame, kwargs: dict, match: str) -> None:
    with pytest.raises(acsi.SpecificationError, match=match):
        acsi.cfa(HS_MODEL, hs, **kwargs)
