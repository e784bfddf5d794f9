"""Multigroup diagnostics against lavaan 0.6-14 (issue 11): standardizedSolution with
delta-method SEs, modindices with the group column, residuals per group.

References: tests/reference/make_reference_issue11_mgdiag.R -> tests/data/lavaan_issue11/mgdiag_*.json
(lavaan fits polished by Newton steps to a projected gradient below 1e-12).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.exceptions import SpecificationError

REF = Path(__file__).parent / "data" / "lavaan_issue11"
HS3 = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
CASES = {
    "hs_metric": (acsi.cfa, {"group": "school", "group_equal": ["loadings"]}),
    "hs_scalar_partial_mlr": (acsi.cfa, {"group": "school", "group_equal": ["loadings", "intercepts"],
                                         "group_partial": ["visual=~x2"], "estimator": "MLR"}),
    "hs_reg": (acsi.sem, {"group": "school"}),
}


def _num(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.fixture(scope="module")
def fits() -> dict:
    hs = acsi.datasets.load_holzinger_swineford()
    out = {}
    for name, (fn, kw) in CASES.items():
        ref = json.loads((REF / f"mgdiag_{name}.json").read_text())
        out[name] = (ref, fn(ref["model"], hs, **kw))
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_fit_is_lavaans(fits, name):
    ref, res = fits[name]
    assert ref["polish"]["grad_max"] < 1e-12
    assert res.core.chisq == pytest.approx(ref["chisq"], rel=1e-10)
    assert res.core.df == ref["df"]


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("kind", ["all", "lv", "nox"])
def test_standardized_solution_as_lavaan(fits, name, kind):
    ref, res = fits[name]
    r = pd.DataFrame(ref[f"std_{kind}"])
    r = r[r["op"] != "=="].reset_index(drop=True)  # lavaan's remove.eq
    st = res.standardized_solution(f"std.{kind}")
    assert list(st["lhs"]) == list(r["lhs"]) and list(st["op"]) == list(r["op"])
    assert list(st["rhs"]) == list(r["rhs"])
    np.testing.assert_array_equal(st["group"].to_numpy(), r["group"].to_numpy())
    np.testing.assert_allclose(st["est_std"], _num(list(r["est.std"])), rtol=1e-9, atol=1e-11)
    # lavaan's Jacobian is a forward difference (h = sqrt(eps)): ~1e-8 relative
    np.testing.assert_allclose(st["se"], _num(list(r["se"])), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(st["ci_lower"], _num(list(r["ci.lower"])), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_modindices_as_lavaan(fits, name):
    ref, res = fits[name]
    r = pd.DataFrame(ref["mi"])
    mi = res.modindices()
    assert list(mi.columns) == ["lhs", "op", "rhs", "group", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"]
    assert list(zip(mi["lhs"], mi["op"], mi["rhs"], mi["group"])) == list(
        zip(r["lhs"], r["op"], r["rhs"], r["group"]))
    for col, mc in (("mi", "mi"), ("epc", "epc"), ("sepc.lv", "sepc_lv"), ("sepc.all", "sepc_all"),
                    ("sepc.nox", "sepc_nox")):
        np.testing.assert_allclose(mi[mc], _num(list(r[col])), rtol=1e-8, atol=1e-10)
    top = res.modindices(sort=True, minimum_value=3.84)
    assert (np.diff(top["mi"].to_numpy()) <= 0).all() and (top["mi"] > 3.84).all()


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("kind", ["raw", "cor", "normalized", "standardized"])
def test_residuals_per_group_as_lavaan(fits, name, kind):
    ref, res = fits[name]
    out = res.residuals(kind)
    assert list(out) == list(res.group_labels)
    for rg, rr in zip(out.values(), ref[f"resid_{kind}"]):
        names = rr["cov"]["names"]
        p = len(names)
        A = _num(rr["cov"]["values"]).reshape(p, p, order="F")
        np.testing.assert_allclose(rg.cov.loc[names, names].to_numpy(), A, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(rg.mean[names].to_numpy(), _num(rr["mean"]), rtol=1e-8, atol=1e-10)


def test_defined_parameter_standardized_across_groups(fits):
    _, res = fits["hs_reg"]
    st = res.standardized_solution()
    d = st[st["op"] == ":="].iloc[0]
    a1 = st[(st["label"] == "a1")]["est_std"].iloc[0]
    a2 = st[(st["label"] == "a2")]["est_std"].iloc[0]
    assert d["group"] == 0 and d["est_std"] == pytest.approx(a1 - a2, abs=1e-14)


def test_bad_input(fits):
    _, res = fits["hs_metric"]
    with pytest.raises(SpecificationError, match="type"):
        res.standardized_solution("std.bogus")
    with pytest.raises(SpecificationError, match="minimum_value"):
        res.modindices(minimum_value=-1)
    with pytest.raises(SpecificationError, match="type"):
        res.residuals("bogus")


@pytest.mark.parametrize("est", ["ml", "mlr"])
def test_compare_and_invariance_lrt_as_lavtestlrt(est):
    """acsi.compare on the invariance sequence equals lavTestLRT (inv_hs_<est>_lrt.json, from
    make_reference_issue11_mg.R), including the RMSEA of the difference with lavaan's sqrt(G)."""
    ref = json.loads((REF / f"inv_hs_{est}_lrt.json").read_text())
    hs = acsi.datasets.load_holzinger_swineford()
    inv = acsi.invariance(HS3, hs, group="school", estimator=est.upper())
    fits = [inv.fits[k] for k in inv.levels]
    tab = acsi.compare(*fits, names=list(inv.levels)).table
    lav = pd.DataFrame(ref["table"], index=ref["rows"])
    assert list(tab.index) == list(lav.index) == list(inv.levels)
    cols = ["Df", "AIC", "BIC", "Chisq", "Chisq diff", "Df diff", "Pr(>Chisq)"] + (["RMSEA"] if est == "ml" else [])
    for col in cols:
        np.testing.assert_allclose(tab[col].to_numpy(dtype=float), _num(list(lav[col])), rtol=1e-6, atol=1e-12)
    pd.testing.assert_frame_equal(inv.lrt, tab)
    # the invariance table's tests are the same numbers
    np.testing.assert_allclose(inv.table["chisq_diff"].to_numpy()[1:], tab["Chisq diff"].to_numpy()[1:], rtol=1e-12)
    np.testing.assert_allclose(inv.table["p_diff"].to_numpy()[1:], tab["Pr(>Chisq)"].to_numpy()[1:], rtol=1e-10)


def test_compare_satorra_bentler_2010_multigroup():
    """lavTestLRT(method = "satorra.bentler.2010") on the MLR invariance sequence
    (mgdiag_lrt_sb2010.json): the M10 scaling factor with the multigroup Yuan-Bentler test."""
    ref = json.loads((REF / "mgdiag_lrt_sb2010.json").read_text())
    hs = acsi.datasets.load_holzinger_swineford()
    inv = acsi.invariance(HS3, hs, group="school", estimator="MLR")
    tab = acsi.compare(*[inv.fits[k] for k in inv.levels], names=list(inv.levels),
                       method="satorra.bentler.2010").table
    lav = pd.DataFrame(ref["table"])
    assert list(tab.index) == list(lav["model"])
    for col, lcol in (("Chisq", "Chisq"), ("Chisq diff", "Chisq.diff"), ("Pr(>Chisq)", "Pr..Chisq.")):
        np.testing.assert_allclose(tab[col].to_numpy(dtype=float), _num(list(lav[lcol])), rtol=1e-6)


def test_summary_shows_group_diagnostics(fits):
    _, res = fits["hs_metric"]
    text = str(res.summary())
    assert "Modification indices (largest 10 above 3.84)" in text
    assert "visual =~ x9 [group 2]" in text
    assert "Residuals by group" in text and "Grant-White" in text


def _holes(hs: pd.DataFrame) -> pd.DataFrame:
    h = hs.copy()
    h.loc[h.id % 7 == 0, "x1"] = np.nan
    h.loc[h.id % 11 == 3, "x5"] = np.nan
    h.loc[h.id % 5 == 1, "x9"] = np.nan
    h.loc[(h.id % 13 == 2) & (h.school == "Grant-White"), "x4"] = np.nan
    return h


def test_fiml_in_groups_standardized_solution_and_residuals():
    """missing='ml' in groups (mgdiag_hs_fiml_scalar.json): lavaan's FIML fit could be
    polished to a gradient of ~1e-8 only, so the comparison is at its optimisation error."""
    ref = json.loads((REF / "mgdiag_hs_fiml_scalar.json").read_text())
    assert ref["polish"]["grad_max"] < 1e-7
    hs = acsi.datasets.load_holzinger_swineford()
    res = acsi.cfa(ref["model"], _holes(hs), group="school", group_equal=["loadings", "intercepts"], missing="ml")
    for kind in ("all", "lv", "nox"):
        r = pd.DataFrame(ref[f"std_{kind}"])
        r = r[r["op"] != "=="].reset_index(drop=True)
        st = res.standardized_solution(f"std.{kind}")
        assert list(zip(st.lhs, st.op, st.rhs, st.group)) == list(zip(r.lhs, r.op, r.rhs, r.group))
        np.testing.assert_allclose(st["est_std"], _num(list(r["est.std"])), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(st["se"], _num(list(r["se"])), rtol=1e-6, atol=1e-7)
    for kind in ("raw", "cor"):
        for rg, rr in zip(res.residuals(kind).values(), ref[f"resid_{kind}"]):
            names = rr["cov"]["names"]
            A = _num(rr["cov"]["values"]).reshape(len(names), len(names), order="F")
            np.testing.assert_allclose(rg.cov.loc[names, names].to_numpy(), A, atol=1e-7)
            np.testing.assert_allclose(rg.mean[names].to_numpy(), _num(rr["mean"]), atol=1e-7)
    # modindices and normalized/standardized residuals of FIML fits: test_cbsem_mgfiml.py
    assert np.isfinite(res.modindices()["mi"]).all()


def test_general_constraints_in_groups_are_refused_not_dropped():
    hs = acsi.datasets.load_holzinger_swineford()
    m = "visual =~ x1 + c(a1, a2)*x2 + x3; textual =~ x4 + x5 + x6\n"
    for line in ("a1 == 2*a2", "a1 > 0.5"):
        with pytest.raises(SpecificationError, match=r"line 2: .*several groups"):
            acsi.cfa(m + line, hs, group="school")
        with pytest.raises(SpecificationError, match=r"line 2: .*several groups"):
            acsi.invariance(m + line, hs, group="school")
    # a label equality is a shared label: one more df than without it
    free = acsi.cfa(m, hs, group="school")
    assert acsi.cfa(m + "a1 == a2", hs, group="school").core.df == free.core.df + 1
