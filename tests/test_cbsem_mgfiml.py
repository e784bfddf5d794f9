"""MLR with FIML in several groups, and the diagnostics of FIML fits, against lavaan 0.6-14.

References: tests/reference/make_reference_mgfiml.R -> tests/data/lavaan_mgfiml/*.json, on
HolzingerSwineford1939 with holes planted from a fixed seed (hs_missing.csv); every lavaan fit
polished by Newton steps to a projected gradient below 1e-13 (EM h1 moments to 1e-11).
Complete-data references of the residual types lavaan adds to the four of issue 11
(cor.bentler, standardized.mplus): make_reference_residual_types.R.

Tolerances: 1e-6 relative on every number; the standardized solution's SEs carry lavaan's
forward-difference Jacobian (~1e-8 relative), so they are compared at 1e-6 too.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.exceptions import SpecificationError

REF = Path(__file__).parent / "data" / "lavaan_mgfiml"
TYPES = ("raw", "cor", "cor.bentler", "normalized", "standardized", "standardized.mplus")
SCALAR = {"group_equal": ["loadings", "intercepts"]}
CASES = {
    "mgfiml_mlr_configural": (acsi.cfa, {"group": "school", "estimator": "MLR"}),
    "mgfiml_mlr_scalar": (acsi.cfa, {"group": "school", "estimator": "MLR", **SCALAR}),
    "mgfiml_mlr_reg_partial": (acsi.sem, {"group": "school", "estimator": "MLR", **SCALAR,
                                          "group_partial": ["visual=~x2"]}),
    "mgfiml_ml_scalar": (acsi.cfa, {"group": "school", **SCALAR}),
    "fiml_ml_reg": (acsi.sem, {}),
    "fiml_mlr_cfa": (acsi.cfa, {"estimator": "MLR"}),
}
MG = [k for k in CASES if k.startswith("mg")]
MLR = [k for k in CASES if "mlr" in k]


def _num(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _close(actual, desired, rtol: float = 1e-6, atol: float = 1e-10) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(desired, dtype=float),
                               rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def hs_missing() -> pd.DataFrame:
    return pd.read_csv(REF / "hs_missing.csv")


@pytest.fixture(scope="module")
def fits(hs_missing: pd.DataFrame) -> dict:
    out = {}
    for name, (fn, kw) in CASES.items():
        ref = json.loads((REF / f"{name}.json").read_text())
        out[name] = (ref, fn(ref["model"], hs_missing, missing="ml", **kw))
    return out


def test_planted_holes(hs_missing: pd.DataFrame) -> None:
    hs = acsi.datasets.load_holzinger_swineford()
    x = [f"x{i}" for i in range(1, 10)]
    assert hs_missing["id"].tolist() == hs["id"].tolist()
    holes = hs_missing[x].isna()
    assert 0.05 < holes.to_numpy().mean() < 0.1 and not holes.all(axis=1).any()
    kept = ~holes.to_numpy()
    np.testing.assert_allclose(hs_missing[x].to_numpy()[kept], hs[x].to_numpy()[kept], rtol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_estimates_and_ses_as_lavaan(fits, name):
    ref, res = fits[name]
    assert ref["polish"]["grad_max"] < 1e-13
    r = pd.DataFrame(ref["est"])
    r = r[r["op"] != "=="].reset_index(drop=True)
    est = res.estimates
    assert list(zip(est.lhs, est.op, est.rhs)) == list(zip(r.lhs, r.op, r.rhs))
    if name in MG:
        np.testing.assert_array_equal(est["group"].to_numpy(), r["group"].to_numpy())
    _close(est["est"], r["est"], atol=1e-9)
    se, rse = est["se"].to_numpy(), _num(list(r["se"]))
    free = np.isfinite(se)  # fixed rows: NaN in acsi, 0 in lavaan
    assert (rse[~free] == 0).all()
    _close(se[free], rse[free], atol=1e-10)
    _close(est["ci_lower"].to_numpy()[free], _num(list(r["ci.lower"]))[free], atol=1e-9)
    assert res.se_type == ("robust" if name in MLR else "observed")


@pytest.mark.parametrize("name", MLR)
def test_vcov_and_scaled_test_as_lavaan(fits, name):
    ref, res = fits[name]
    v = ref["vcov"]
    k = len(v["names"])
    V = _num(v["values"]).reshape(k, k, order="F")
    assert list(res.vcov.index) == v["names"]
    # near-zero covariances compared on the matrix's scale (1e-8 of its largest entry)
    _close(res.vcov.to_numpy(), V, rtol=1e-6, atol=1e-8 * float(np.abs(V).max()))
    rt = res.robust_test
    assert rt.chisq_scaled == pytest.approx(ref["scaled"]["stat"], rel=1e-8)
    assert rt.scaling_factor == pytest.approx(ref["scaled"]["scaling"], rel=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_every_fit_measure_as_lavaan(fits, name):
    """Every name of lavaan's fitMeasures(), scaled and robust ones included (the robust
    CFI/TLI/RMSEA of a FIML fit are lavaan's FIML-corrected ones, V3 for MLR)."""
    ref, res = fits[name]
    fm = res.fit_measures.to_series(lavaan_names=True)
    missing = [k for k in ref["fit"] if k not in fm.index]
    assert not missing
    names = list(ref["fit"])
    _close(fm[names].to_numpy(), _num([ref["fit"][k] for k in names]), rtol=1e-6, atol=1e-10)
    if name in MG:
        _close(res.chisq_group.to_numpy(), ref["stat_group"], rtol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_modindices_as_lavaan(fits, name):
    """modindices() of a FIML fit: lavaan's score test with the incomplete-data gradient and
    the structured expected information of the FIML likelihood."""
    ref, res = fits[name]
    r = pd.DataFrame(ref["mi"])
    mi = res.modindices()
    group = mi["group"] if "group" in mi else pd.Series(1, index=mi.index)
    assert list(zip(mi.lhs, mi.op, mi.rhs, group)) == list(zip(r.lhs, r.op, r.rhs, r.group))
    for col, mc in (("mi", "mi"), ("epc", "epc"), ("sepc.lv", "sepc_lv"), ("sepc.all", "sepc_all"),
                    ("sepc.nox", "sepc_nox")):
        _close(mi[mc], _num(list(r[col])), rtol=1e-6, atol=1e-9)
    top = res.modindices(sort=True, minimum_value=3.84)
    assert (np.diff(top["mi"].to_numpy()) <= 0).all() and (top["mi"] > 3.84).all()


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("kind", TYPES)
def test_residuals_as_lavaan(fits, name, kind):
    """residuals(type=...) of a FIML fit: sample moments are the EM (h1) ones; normalized and
    standardized with the incomplete-data h1 information (sandwich for MLR)."""
    ref, res = fits[name]
    out = res.residuals(kind)
    groups = list(out.values()) if isinstance(out, dict) else [out]
    refs = ref["resid_" + kind.replace(".", "_")]
    assert len(groups) == len(refs)
    for rg, rr in zip(groups, refs):
        names = rr["cov"]["names"]
        p = len(names)
        A = _num(rr["cov"]["values"]).reshape(p, p, order="F")
        B = rg.cov.loc[names, names].to_numpy()
        np.testing.assert_array_equal(np.isnan(B), np.isnan(A))
        # standardized.mplus divides by sqrt(Gamma/N - Delta V Delta'), a difference of two
        # close numbers for some moments: compared relative to the residual's size
        _close(B, A, rtol=1e-6, atol=1e-9)
        _close(rg.mean[names].to_numpy(), _num(rr["mean"]), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("kind", ["all", "lv", "nox"])
def test_standardized_solution_as_lavaan(fits, name, kind):
    ref, res = fits[name]
    r = pd.DataFrame(ref[f"std_{kind}"])
    r = r[r["op"] != "=="].reset_index(drop=True)
    st = res.standardized_solution(f"std.{kind}")
    assert list(zip(st.lhs, st.op, st.rhs)) == list(zip(r.lhs, r.op, r.rhs))
    _close(st["est_std"], _num(list(r["est.std"])), rtol=1e-9, atol=1e-11)
    # lavaan's Jacobian is a forward difference (h = sqrt(eps)): ~1e-8 relative
    _close(st["se"], _num(list(r["se"])), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["resid_hs_ml", "resid_hs_mg_mlr"])
@pytest.mark.parametrize("kind", TYPES)
def test_residual_types_complete_data(name, kind):
    ref = json.loads((REF / f"{name}.json").read_text())
    hs = acsi.datasets.load_holzinger_swineford()
    if name == "resid_hs_ml":
        res = acsi.sem(ref["model"], hs, meanstructure=True)
    else:
        res = acsi.cfa(ref["model"], hs, group="school", group_equal=["loadings"], estimator="MLR")
    assert res.core.chisq == pytest.approx(ref["chisq"], rel=1e-10)
    out = res.residuals(kind)
    groups = list(out.values()) if isinstance(out, dict) else [out]
    for rg, rr in zip(groups, ref["resid_" + kind.replace(".", "_")]):
        names = rr["cov"]["names"]
        p = len(names)
        _close(rg.cov.loc[names, names].to_numpy(), _num(rr["cov"]["values"]).reshape(p, p, order="F"),
               rtol=1e-6, atol=1e-10)
        _close(rg.mean[names].to_numpy(), _num(rr["mean"]), rtol=1e-6, atol=1e-10)


def test_residual_type_aliases(fits):
    _, res = fits["fiml_ml_reg"]
    for alias, canonical in (("cor.bollen", "cor"), ("crmr", "cor"), ("srmr", "cor.bentler"),
                             ("cor.eqs", "cor.bentler"), ("rmr", "raw")):
        r = res.residuals(alias)
        assert r.type == canonical
        pd.testing.assert_frame_equal(r.cov, res.residuals(canonical).cov)
    assert "n_above_1.96" in res.residuals("standardized.mplus").summary_stats()
    with pytest.raises(SpecificationError, match=r"type='cor\.pearson' is not one of"):
        res.residuals("cor.pearson")


def test_summaries_of_fiml_fits_show_diagnostics(fits):
    _, res = fits["mgfiml_mlr_scalar"]
    text = str(res.summary())
    assert "FIML" in text and "Yuan-Bentler" in text
    assert "Modification indices (largest 10 above 3.84)" in text and "Residuals by group" in text
    assert res.group_labels == ("Pasteur", "Grant-White")
    single = str(fits["fiml_ml_reg"][1].summary())
    assert "Modification indices (largest 10 above 3.84)" in single


def test_mlr_fiml_in_groups_inside_invariance(hs_missing):
    """acsi.invariance with estimator='MLR' and missing='ml' fits every step (scaled tests)."""
    ref = json.loads((REF / "mgfiml_mlr_scalar.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = acsi.invariance(ref["model"], hs_missing, group="school", levels=("configural", "scalar"),
                              estimator="MLR", missing="ml")
    assert inv.fits["scalar"].fit_measures.chisq_scaled == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-8)


@pytest.mark.parametrize("method", ["satorra.bentler.2001", "satorra.bentler.2010"])
def test_compare_mlr_fiml_as_lavtestlrt(hs_missing, method):
    """acsi.compare on MLR-FIML fits equals lavTestLRT (mgfiml_mlr_lrt.json): the invariance
    steps in groups and a labelled equality in one group (lavaan fits polished to a gradient
    below 1e-13); Satorra-Bentler 2010 evaluates the FIML robust pieces at lavaan's M10 point."""
    ref = json.loads((REF / "mgfiml_mlr_lrt.json").read_text())
    key = method.replace(".", "_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = acsi.invariance(ref["model"], hs_missing, group="school",
                              levels=("configural", "metric", "scalar"), estimator="MLR", missing="ml")
        a = acsi.cfa(ref["model"], hs_missing, missing="ml", estimator="MLR")
        b = acsi.cfa(ref["single_model_eq"], hs_missing, missing="ml", estimator="MLR")
    assert max(ref["grad_max"]) < 1e-13 and max(ref["single_grad_max"]) < 1e-13
    for fits, names, lav in (
        ([inv.fits[k] for k in inv.levels], list(inv.levels), pd.DataFrame(ref[key])),
        ([a, b], ["free", "equal"], pd.DataFrame(ref["single_" + key])),
    ):
        tab = acsi.compare(*fits, names=names, method=method).table
        assert list(tab.index) == list(lav["model"])
        for col, lcol in (("Chisq", "Chisq"), ("AIC", "AIC"), ("Chisq diff", "Chisq.diff"),
                          ("Pr(>Chisq)", "Pr..Chisq.")):
            _close(tab[col].to_numpy(dtype=float), _num(list(lav[lcol])), rtol=1e-6, atol=0)
