"""acsi.pls: validation, warnings, result object, model builders."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ECSI_MOBI_BASIC as M1

import acsi
from acsi.datasets import load_satisfaction
from acsi.exceptions import (
    ConvergenceWarning,
    DataError,
    InadmissibleSolutionWarning,
    MissingDataWarning,
    ModelSyntaxError,
    SpecificationError,
)
from acsi.plspm.spec import PLSSpec
from acsi.spec import models

SEMINR = Path(__file__).parent / "data" / "seminr"



@pytest.fixture(scope="module")
def m1(mobi):
    return acsi.pls(M1, mobi)


# ---------------------------------------------------------------- specification errors
@pytest.mark.parametrize(
    "model, match",
    [
        ("A =~ x1 + x2\nB =~ x2 + x3\nB ~ A", r"line 2.*'x2' is already in the block of 'A'"),
        ("A =~ x1 + x2\nA =~ x1", r"line 2.*listed twice"),
        ("A =~ x1 + x2\nB =~ x3\nB ~ A\nA ~ B", r"cycle.*recursive"),
        ("A =~ x1 + x2\nC =~ x4\nB ~ A\nC ~ B", r"line 3.*'B'.*not a construct.*'B =~ B'"),
        ("A =~ x1 + x2\nB =~ x3\nB ~ x1", r"'x1'.*indicator of 'A'"),
        ("A =~ x1 + x2\nx1 ~~ x2", r"line 2.*'~~'"),
        ("A =~ x1 + x2\nB =~ x3\nB ~ a*A\nd := a*2", r"line 4.*':='"),
        ("A =~ 1*x1 + x2", r"line 1.*fixed values"),
        ("A =~ x1 + x2\nA <~ x3", r"both '=~' and '<~'"),
        ("A =~ x1 + B\nB =~ x2", r"'B' is a construct and cannot be an indicator"),
        ("A =~ x1\nB =~ x2\nB ~ A\nB ~ A", r"line 4.*written twice"),
        ("A =~ x1 + x2\nA ~ 1", r"intercepts"),
    ],
)
def test_specification_errors(model, match):
    with pytest.raises(SpecificationError, match=match):
        PLSSpec.from_model(model)


def test_construct_order_is_seminrs():
    """seminr orders constructs by the structural model: sources in the order the paths
    are written, then targets; constructs without paths come last (zoo case
    mobi_scrambled_order checks the tables against seminr)."""
    spec = PLSSpec.from_model("Y ~ X + M\nM ~ X\nX =~ x1 + x2\nM =~ m1\nY =~ y1 + y2\nZ =~ z1 + z2")
    assert spec.constructs == ("X", "M", "Y", "Z")
    assert spec.indicators == ("x1", "x2", "m1", "y1", "y2", "z1", "z2")
    assert spec.block.tolist() == [0, 0, 1, 2, 2, 3, 3]
    c = spec.constructs
    assert {(c[i], c[j]) for i, j in zip(*np.nonzero(spec.inner))} == {("X", "Y"), ("M", "Y"), ("X", "M")}
    assert spec.topological_order() == [0, 3, 1, 2]
    assert spec.item_order == ("x1", "x2", "m1", "y1", "y2", "z1", "z2")


def test_syntax_error_passes_through():
    with pytest.raises(ModelSyntaxError):
        PLSSpec.from_model("A =~ x1 +")


def test_spec_arrays():
    spec = PLSSpec.from_model(M1)
    assert spec.constructs == ("Image", "Expectation", "Value", "Satisfaction")
    assert spec.mode == ("A", "A", "B", "A")
    assert spec.reflective == (True, True, False, True)
    assert spec.indicators[:6] == ("IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5", "CUEX1")
    assert spec.block.tolist() == [0] * 5 + [1] * 3 + [2] * 2 + [3] * 3
    assert (spec.mask.sum(axis=0) == [5, 3, 2, 3]).all()
    assert spec.inner[:, 3].tolist() == [True, True, True, False]
    assert not spec.inner[3].any()
    with pytest.raises(ValueError):
        spec.mask[0, 0] = 0.0  # read-only arrays


# ---------------------------------------------------------------- argument and data errors
def test_unknown_column_suggests(mobi):
    with pytest.raises(DataError, match=r"'IMAG9'.*not a column"):
        acsi.pls(M1.replace("IMAG5", "IMAG9"), mobi)
    with pytest.raises(DataError, match=r"did you mean 'CUSA1'"):
        acsi.pls(M1.replace("CUSA1", "cusa1"), mobi)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"scheme": "pathweighting"}, "scheme="),
        ({"tol": 0}, "tol must be"),
        ({"tol": float("nan")}, "tol must be"),
        ({"max_iter": -1}, "max_iter"),
        ({"max_iter": 2.5}, "max_iter"),
        ({"missing": "drop"}, "missing="),
        ({"consistent": "yes"}, "consistent"),
    ],
)
def test_bad_arguments(mobi, kw, match):
    with pytest.raises(SpecificationError, match=match):
        acsi.pls(M1, mobi, **kw)


def test_non_numeric_and_constant_columns(mobi):
    df = mobi.copy()
    df["CUSA1"] = df["CUSA1"].astype(str) + "x"
    with pytest.raises(DataError, match="CUSA1.*not numeric"):
        acsi.pls(M1, df)
    df = mobi.copy()
    df["CUSA1"] = 5.0
    with pytest.raises(DataError, match="CUSA1.*no variance"):
        acsi.pls(M1, df)


def test_mode_b_collinear_block(mobi):
    df = mobi.copy()
    df["PERV3"] = df["PERV1"] + df["PERV2"]
    with pytest.raises(DataError, match="Mode B construct 'Value'.*collinear"):
        acsi.pls(M1.replace("PERV1 + PERV2", "PERV1 + PERV2 + PERV3"), df)


def test_mode_b_single_indicator_ok(mobi):
    res = acsi.pls(M1.replace("PERV1 + PERV2", "PERV1"), mobi)
    assert res.weights.loc["PERV1", "Value"] == pytest.approx(1.0, abs=1e-12)
    assert res.loadings.loc["PERV1", "Value"] == pytest.approx(1.0, abs=1e-12)
    assert res.converged


def test_missing_values_listwise_warns_with_count(mobi):
    df = mobi.copy()
    df.loc[[3, 7, 7], "CUSA2"] = np.nan
    df.loc[10, "IMAG1"] = np.nan
    with pytest.warns(MissingDataWarning, match=r"3 of 250 rows"):
        res = acsi.pls(M1, df)
    assert res.n == 247 and res.data.n_dropped == 3
    assert list(res.scores.index[:4]) == [0, 1, 2, 4]
    with pytest.raises(DataError, match="missing"):
        acsi.pls(M1, df, missing="error")


def test_missing_mean_matches_manual_replacement(mobi):
    df = mobi.copy()
    df.loc[[3, 8], "CUSA2"] = np.nan
    with pytest.warns(MissingDataWarning, match="replaced by column means"):
        res = acsi.pls(M1, df, missing="mean")
    assert res.raw is not None and np.isnan(res.raw).sum() == 2
    assert res.missing_mask.sum() == 2 and acsi.pls(M1, mobi).missing_mask is None
    assert np.isnan(res.raw[[3, 8], list(res.spec.indicators).index("CUSA2")]).all()
    manual = df.fillna({"CUSA2": df["CUSA2"].mean()})
    ref = acsi.pls(M1, manual)
    np.testing.assert_allclose(res.paths.to_numpy(), ref.paths.to_numpy(), atol=1e-13)
    assert res.n == 250


def test_convergence_warning(mobi):
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=1") as rec:
        res = acsi.pls(M1, mobi, max_iter=1)
    assert rec[0].filename == __file__  # points at the caller
    assert not res.converged and res.iterations == 1


def test_inadmissible_plsc():
    """Two unreliable blocks whose items correlate more across than within: the PLSc
    correlation exceeds 1 and the path X -> Y is above 1."""
    R = np.array(
        [[1, 0.2, 0.3, 0.3], [0.2, 1, 0.3, 0.3], [0.3, 0.3, 1, 0.2], [0.3, 0.3, 0.2, 1.0]]
    )
    rng = np.random.default_rng(7)
    Z = rng.standard_normal((400, 4))
    Z = (Z - Z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(Z, rowvar=False)).T)
    X = Z @ np.linalg.cholesky(R).T
    df = pd.DataFrame(X, columns=["x1", "x2", "y1", "y2"])
    model = "X =~ x1 + x2\nY =~ y1 + y2\nY ~ X"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        acsi.pls(model, df)  # Mode A: admissible, no warning
    with pytest.warns(InadmissibleSolutionWarning, match=r"X -> Y \(1\.500\)"):
        res = acsi.pls(model, df, consistent=True)
    assert res.paths.loc["X", "Y"] == pytest.approx(1.5, abs=1e-10)


# ---------------------------------------------------------------- result object
def test_result_is_immutable_and_fresh(mobi, m1):
    with pytest.raises(dataclasses.FrozenInstanceError):
        m1.kernel = None  # type: ignore[misc]
    again = acsi.pls(M1, mobi)
    assert again is not m1
    np.testing.assert_array_equal(again.paths.to_numpy(), m1.paths.to_numpy())


def test_scores_standardized(m1):
    s = m1.scores
    np.testing.assert_allclose(s.mean().to_numpy(), 0, atol=1e-12)
    np.testing.assert_allclose(s.std(ddof=1).to_numpy(), 1, atol=1e-12)
    np.testing.assert_allclose(s.corr().to_numpy(), m1.construct_correlations.to_numpy(), atol=1e-12)


def test_paths_layout(m1):
    p = m1.paths
    assert list(p.index) == list(p.columns) == ["Image", "Expectation", "Value", "Satisfaction"]
    assert (p.loc["Satisfaction"] == 0).all() and p.loc["Image", "Satisfaction"] != 0
    assert list(m1.r_squared.index) == ["Satisfaction"]


def test_effects_long_table(m1):
    e = m1.effects
    assert list(e.columns) == ["source", "target", "direct", "indirect", "total"]
    assert len(e) == 3
    np.testing.assert_allclose(e["indirect"], 0, atol=1e-14)


def test_settings_record(m1):
    s = m1.settings
    assert (s.scheme, s.consistent, s.max_iter, s.tol, s.missing) == ("path", False, 300, 1e-7, "listwise")
    assert {"seminr", "SmartPLS", "plspm"} <= set(s.peers)
    frame = s.to_frame()
    assert "vs SmartPLS" in frame.index and "centroid" in frame.loc["vs plspm", "value"]


def test_summary_html_excel(m1, tmp_path):
    text = str(m1.summary())
    assert "PLS path model" in text and "Satisfaction" in text and "Reliability" in text
    assert str(m1) == text
    assert "<table" in m1._repr_html_()
    path = m1.to_excel(tmp_path / "pls.xlsx")
    with pd.ExcelFile(path) as book:
        sheets = book.sheet_names
    for name in ["paths", "loadings", "weights", "r_squared", "reliability", "htmt",
                 "fornell_larcker", "cross_loadings", "vif", "f_squared", "effects", "scores", "settings"]:
        assert name in sheets
    back = pd.read_excel(path, sheet_name="paths", index_col=0)
    np.testing.assert_allclose(back.to_numpy(), m1.paths.to_numpy(), atol=1e-12)


def test_kernel_matches_tables(m1):
    k = m1.kernel
    assert k.W.shape == (13, 4) and k.B.shape == (4, 4) and k.L.shape == (13, 4)
    assert np.isnan(k.r2[:3]).all()
    np.testing.assert_allclose(np.diag(k.W.T @ m1.R @ k.W), 1, atol=1e-12)
    assert m1.data.columns == m1.spec.indicators


def test_pls_is_the_function_after_submodule_import(mobi):
    import acsi.plspm.spec  # noqa: F401  (binds acsi.plspm, never acsi.pls)
    from acsi.plspm.api import pls

    assert acsi.pls is pls
    res = acsi.pls(M1, mobi)
    assert res.converged


def test_factorial_and_centroid_run(mobi):
    for scheme in ("factorial", "centroid"):
        res = acsi.pls(M1, mobi, scheme=scheme)
        assert res.converged and res.settings.scheme == scheme


# ---------------------------------------------------------------- model builders
def _cols(df, prefix):
    return [c for c in df.columns if c.startswith(prefix)]


def test_ecsi_builder_is_m2(mobi):
    model = models.ecsi(
        image=_cols(mobi, "IMAG"), expectations=_cols(mobi, "CUEX"), quality=_cols(mobi, "PERQ"),
        value=_cols(mobi, "PERV"), satisfaction=_cols(mobi, "CUSA"), complaints=["CUSCO"],
        loyalty=_cols(mobi, "CUSL"),
    )
    ref = json.loads((SEMINR / "M2_full_ecsi.json").read_text())["pathCoef"]
    P = pd.DataFrame(ref["values"], index=ref["rows"], columns=ref["cols"])
    res = acsi.pls(model, mobi)
    np.testing.assert_allclose(res.paths.to_numpy(), P.loc[res.paths.index, res.paths.columns].to_numpy(), atol=1e-6)
    assert res.spec.constructs == ("Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty")
    assert int(res.spec.inner.sum()) == 12


def test_ecsi_without_complaints(mobi):
    model = models.ecsi(
        image=_cols(mobi, "IMAG"), expectations=_cols(mobi, "CUEX"), quality=_cols(mobi, "PERQ"),
        value=_cols(mobi, "PERV"), satisfaction=_cols(mobi, "CUSA"), loyalty=_cols(mobi, "CUSL"),
    )
    assert "Complaints" not in model and "Loyalty ~ Image + Satisfaction" in model
    with pytest.raises(SpecificationError, match="needs items for image"):
        models.ecsi(quality=["a"], satisfaction=["b"])


def test_acsi_builder_paths():
    df = load_satisfaction()
    model = models.acsi(
        expectations=_cols(df, "expe"), quality=_cols(df, "qual"), value=_cols(df, "val"),
        satisfaction=_cols(df, "sat"), complaints=["imag1"], loyalty=_cols(df, "loy"),
    )
    spec = PLSSpec.from_model(model)
    c = spec.constructs
    edges = {(c[i], c[j]) for i, j in zip(*np.nonzero(spec.inner))}
    assert edges == {
        ("Expectations", "Quality"), ("Expectations", "Value"), ("Expectations", "Satisfaction"),
        ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
    }
    res = acsi.pls(model, df)
    assert res.converged
    reduced = models.acsi(quality=["q1", "q2"], satisfaction=["s1"], loyalty=["l1"])
    assert reduced.splitlines()[-2:] == ["Satisfaction ~ Quality", "Loyalty ~ Satisfaction"]


def test_builder_modes_and_errors():
    m = models.acsi(quality=["q1", "q2"], value=["v1", "v2"], satisfaction=["s1"], mode={"value": "B"})
    assert "Value <~ v1 + v2" in m and "Quality =~ q1 + q2" in m
    assert "<~" in models.acsi(quality=["q1"], satisfaction=["s1"], mode="B")
    with pytest.raises(SpecificationError, match=r"quality=\[\] has no items"):
        models.acsi(quality=[], satisfaction=["s1"])
    with pytest.raises(SpecificationError, match="needs satisfaction"):
        models.acsi(quality=["q1"])
    with pytest.raises(SpecificationError, match=r"'q1' is given for both quality and satisfaction"):
        models.acsi(quality=["q1", "q2"], satisfaction=["q1"])
    with pytest.raises(SpecificationError, match="more than once"):
        models.acsi(quality=["q1", "q1"], satisfaction=["s1"])
    with pytest.raises(SpecificationError, match="cannot be used in model syntax"):
        models.acsi(quality=["q 1"], satisfaction=["s1"])
    with pytest.raises(SpecificationError, match="mode 'C'"):
        models.acsi(quality=["q1"], satisfaction=["s1"], mode="C")
    with pytest.raises(SpecificationError, match="not constructs of the model"):
        models.acsi(quality=["q1"], satisfaction=["s1"], mode={"Loyality": "B"})


def test_servqual_builder():
    from acsi.datasets import load_servqual

    df = load_servqual()
    a = [f"a{i:02d}" for i in range(1, 23)]
    model = models.servqual(
        tangibles=a[0:4], reliability=a[4:9], responsiveness=a[9:13], assurance=a[13:17],
        empathy=a[17:22], satisfaction="sat",
    )
    res = acsi.pls(model, df)
    assert res.converged
    assert list(res.r_squared.index) == ["Satisfaction"]
    with pytest.raises(SpecificationError, match="at least one dimension"):
        models.servqual(satisfaction="sat")


def test_builder_output_parses_for_sem():
    from acsi.spec.syntax import parse_model

    model = models.acsi(quality=["q1", "q2", "q3"], value=["v1", "v2"], satisfaction=["s1", "s2"])
    ops = {s.op for s in parse_model(model).statements}
    assert ops == {"=~", "~"}


def test_consistent_subset(mobi):
    """consistent=[...] gives consistent loadings to the named common factors only; as in
    seminr 2.5 (PLSc with composite(mode_A) constructs, see the zoo fixture
    mobi_plsc_modeA_composites) the correlations of every multi-item Mode A block are
    disattenuated by its rho_A."""
    m3 = M1.replace("Value        <~", "Value        =~")
    full = acsi.pls(m3, mobi, consistent=True)
    same = acsi.pls(m3, mobi, consistent=["Image", "Expectation", "Value", "Satisfaction"])
    np.testing.assert_allclose(same.paths.to_numpy(), full.paths.to_numpy(), atol=1e-14)
    part = acsi.pls(m3, mobi, consistent=["Image"])
    plain = acsi.pls(m3, mobi)
    rho = plain.reliability["rho_a"].to_numpy()
    C = plain.construct_correlations.to_numpy() / np.sqrt(np.outer(rho, rho))
    np.fill_diagonal(C, 1.0)
    np.testing.assert_allclose(part.construct_correlations.to_numpy(), C, atol=1e-14)
    np.testing.assert_allclose(part.paths.to_numpy(), full.paths.to_numpy(), atol=1e-14)
    np.testing.assert_allclose(
        part.loadings.drop(columns="Image").to_numpy(), plain.loadings.drop(columns="Image").to_numpy(), atol=1e-14
    )
    np.testing.assert_allclose(part.loadings["Image"].to_numpy(), full.loadings["Image"].to_numpy(), atol=1e-14)
    # a Mode B block keeps rho = 1 (its correlations are not disattenuated)
    mixed = acsi.pls(M1, mobi, consistent=["Image"])
    rho_b = acsi.pls(M1, mobi).reliability["rho_a"]
    assert rho_b["Value"] == 1.0
    assert mixed.construct_correlations.loc["Value", "Satisfaction"] == pytest.approx(
        acsi.pls(M1, mobi).construct_correlations.loc["Value", "Satisfaction"] / np.sqrt(rho_b["Satisfaction"]),
        abs=1e-14,
    )
    assert part.settings.consistent == ("Image",)
    np.testing.assert_allclose(part.reliability.to_numpy()[:, :2], plain.reliability.to_numpy()[:, :2], atol=1e-14)
    with pytest.raises(SpecificationError, match="Mode B"):
        acsi.pls(M1, mobi, consistent=["Value"])
    with pytest.raises(SpecificationError, match="not a construct"):
        acsi.pls(M1, mobi, consistent=["Imag"])


def test_rho_a_not_positive_is_reported():
    """Weights that disagree with the item correlations give rho_A < 0: PLSc is undefined
    for that construct (NaN) and the problem names it."""
    from acsi.plspm.algorithm import KernelResult
    from acsi.plspm.api import admissibility_problems
    from acsi.plspm.plsc import plsc_correct

    spec = PLSSpec.from_model("X =~ x1 + x2\nY =~ y1 + y2\nY ~ X")
    R = np.array([[1, -0.3, 0.2, 0.2], [-0.3, 1, 0.2, 0.2], [0.2, 0.2, 1, 0.5], [0.2, 0.2, 0.5, 1.0]])
    W = spec.mask / np.sqrt(np.einsum("pk,pk->k", spec.mask, R @ spec.mask))
    C = W.T @ R @ W
    k = KernelResult(
        W=W, iterations=0, converged=True, C=C, B=np.zeros((2, 2)), L=R @ W * spec.mask, r2=np.full(2, np.nan)
    )
    out = plsc_correct(R, spec, k)
    assert out.rho_a[0] < 0 and np.isnan(out.B[0, 1])
    problems = admissibility_problems(spec, out)
    assert any("rho_A is not positive for X" in p for p in problems)


def test_acsi_builder_runs_in_sem_and_pls():
    """The same builder output estimates with acsi.sem (CB-SEM) and acsi.pls."""
    df = load_satisfaction()
    model = models.acsi(
        expectations=_cols(df, "expe"), quality=_cols(df, "qual"), value=_cols(df, "val"),
        satisfaction=_cols(df, "sat"), loyalty=_cols(df, "loy"),
    )
    sem = acsi.sem(model, df)
    assert sem.converged
    pls = acsi.pls(model, df)
    assert pls.converged and int(pls.spec.inner.sum()) == 7
