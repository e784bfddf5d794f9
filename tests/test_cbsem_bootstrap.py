"""CB-SEM bootstrap against lavaan 0.6-14 (tests/reference/make_reference_bootstrap.R).

Replicates are compared with tightly converged lavaan refits on lavaan's own resample rows
(``tight_coef``: BFGS with reltol 1e-20, twice) at 1e-6 relative; lavaan's bootstrap refits
themselves stop at its default tolerance (gradients up to ~1e-6), so the standard errors
and intervals, which lavaan computes from those, are compared at 1e-4 relative: the
difference there is lavaan's optimisation error, shown by the replicate comparison.
"""

from __future__ import annotations

import json
import pickle
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.exceptions import SpecificationError
from acsi.inference.intervals import norm_inter

REF = Path(__file__).parent / "data" / "lavaan_boot"
CI_TYPES = ("perc", "norm", "basic", "bca.simple")


def _ref(name: str) -> dict:
    return json.loads((REF / f"{name}.json").read_text())


def _fit(name: str, ref: dict, hs: pd.DataFrame, poldem: pd.DataFrame) -> acsi.cbsem.results.SEMResult:
    if name == "poldem_indirect":
        return acsi.sem(ref["model"], poldem)
    if name == "hs_path_fixedx":
        return acsi.sem(ref["model"], hs)
    return acsi.cfa(ref["model"], hs, meanstructure=name == "hs_cfa_means")


CASES = ("hs_cfa", "poldem_indirect", "hs_path_fixedx", "hs_cfa_means")


@pytest.fixture(scope="module")
def boots(hs, poldem):
    out = {}
    for name in CASES:
        ref = _ref(name)
        res = _fit(name, ref, hs, poldem)
        idx = np.asarray(ref["idx"]) - 1
        out[name] = (ref, res, {ci: res.bootstrap(indices=idx, ci=ci, level=0.9) for ci in CI_TYPES})
    return out


@pytest.mark.parametrize("name", CASES)
def test_replicates_equal_tight_lavaan_refits(boots, name):
    ref, res, b = boots[name]
    got = b["perc"].draws.to_numpy()
    tight = np.asarray(ref["tight_coef"], dtype=float)
    assert ref["tight_grad_max"] < 1e-6
    if name == "hs_path_fixedx":
        # the tight refits were started from the full-sample fit (start = fit), which makes
        # lavaan free the fixed.x (co)variances; their ML estimates are the resample's moments
        # and the six model parameters come first, in the same order
        assert len(ref["coef_names"]) == 6
        tight = tight[:, :6]
    assert got.shape == tight.shape
    np.testing.assert_allclose(got, tight, rtol=1e-6, atol=1e-9)
    # and lavaan's own (less tightly converged) replicates, at its convergence
    np.testing.assert_allclose(got, np.asarray(ref["coef"], dtype=float), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_failed_and_inadmissible_as_lavaan(boots, name):
    ref, _, b = boots[name]
    boot = b["perc"]
    assert boot.n_failed == len(ref["error_idx"]) == 0
    lav = np.atleast_1d(np.asarray(ref["nonadmissible"], dtype=int)) if ref["nonadmissible"] != [] else np.zeros(0)
    assert list(np.flatnonzero(boot.inadmissible_mask) + 1) == list(lav)
    assert boot.n_inadmissible == len(lav)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("ci", CI_TYPES)
def test_se_and_intervals_as_lavaan(boots, name, ci):
    ref, res, b = boots[name]
    pe = pd.DataFrame(ref[f"pe_{ci}"])
    e = b[ci].estimates
    assert list(e.lhs) == list(pe.lhs) and list(e.op) == list(pe.op) and list(e.rhs) == list(pe.rhs)
    free = (pe.se.to_numpy() > 0) & (pe.op != ":=").to_numpy()
    defined = (pe.op == ":=").to_numpy()
    stat = free | defined
    # (the point estimates themselves are checked against tightly converged lavaan fits in
    # test_cbsem*.py; lavaan's se = "bootstrap" fit here stops at its default tolerance)
    np.testing.assert_allclose(e.est, pe.est, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(e.se[stat], pe.se[stat], rtol=1e-4)
    scale = np.abs(pe.est[stat]).to_numpy() + pe.se[stat].to_numpy()
    for col, lcol in (("ci_lower", "ci.lower"), ("ci_upper", "ci.upper")):
        np.testing.assert_array_less(np.abs(e[col][stat].to_numpy() - pe[lcol][stat].to_numpy()), 1e-4 * scale)
    # fixed rows: no SE, the interval is the value
    fixed = ~stat
    assert e.se[fixed].isna().all()
    np.testing.assert_array_equal(e.ci_lower[fixed], e.est[fixed])


@pytest.mark.parametrize("name", ("hs_cfa", "poldem_indirect", "hs_path_fixedx"))
def test_standardized_replicates_equal_lavaan(boots, name):
    ref, res, b = boots[name]
    boot = b["perc"]
    lav = np.asarray(ref["std_boot"], dtype=float)
    if name == "hs_path_fixedx":
        # bootstrapLavaan(FUN = standardizedSolution) standardizes with other covariate
        # variances than a refit of the same rows; compare with the direct refits
        # (tests/reference/make_reference_bootstrap_fixedx.R)
        lav = np.asarray(_ref("hs_path_fixedx_direct")["std_direct"], dtype=float)
    got = boot.standardized_draws.to_numpy()
    std_est = pd.DataFrame(ref["std_est"])
    # lavaan's standardizedSolution drops nothing here: same rows, same order
    assert got.shape == lav.shape
    # lavaan's replicates carry its optimisation error (see the module docstring)
    np.testing.assert_allclose(got, lav, rtol=1e-3, atol=1e-5)
    # the point values are the fit's std_all (tested against tight lavaan fits elsewhere); the
    # lavaan fit stored here stops at lavaan's default tolerance
    np.testing.assert_array_equal(boot.standardized.est_std, res.estimates.std_all)
    np.testing.assert_allclose(boot.standardized.est_std, std_est["est.std"], rtol=1e-5, atol=1e-9)


def test_bollen_stine_as_lavaan(hs):
    ref = _ref("hs_bollen_stine")
    res = acsi.cfa(ref["model"], hs)
    boot = res.bootstrap(indices=np.asarray(ref["idx"]) - 1, type="bollen.stine")
    bs = boot.bollen_stine
    assert bs is not None
    np.testing.assert_allclose(bs.chisq, ref["chisq"], rtol=1e-5)
    assert bs.stat == pytest.approx(ref["stat"], rel=1e-6)
    assert bs.boot_larger == ref["boot_larger"] and bs.boot_length == ref["boot_length"]
    assert bs.pvalue == pytest.approx(ref["pvalue"], abs=1e-15)
    with pytest.raises(SpecificationError, match="type='ordinary'"):
        boot.estimates  # noqa: B018


def test_norm_inter_is_the_boot_package_rule():
    t = np.array([3.0, 1.0, 2.0, 5.0, 4.0])
    # (R + 1) alpha = 3 exactly: the third order statistic
    assert norm_inter(t, [0.5])[0] == 3.0
    # below the first / above the last rank: the extreme draws
    assert norm_inter(t, [0.01, 0.99]).tolist() == [1.0, 5.0]
    from scipy.stats import norm

    a = 0.4  # rank 2.4: normal-scale interpolation between t(2) and t(3)
    z = (norm.ppf(a) - norm.ppf(2 / 6)) / (norm.ppf(3 / 6) - norm.ppf(2 / 6))
    assert norm_inter(t, [a])[0] == pytest.approx(2.0 + z, rel=1e-14)


def test_seeded_runs_identical_serial_threads_processes(hs):
    res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs)
    a = res.bootstrap(n=120, seed=7)
    b = res.bootstrap(n=120, seed=7, chunk_size=17)
    with ThreadPoolExecutor(2) as ex:
        c = res.bootstrap(n=120, seed=7, executor=ex, chunk_size=30)
    with ProcessPoolExecutor(2) as ex:
        d = res.bootstrap(n=120, seed=7, executor=ex, chunk_size=50)
    for other in (b, c, d):
        np.testing.assert_array_equal(a.draws_array, other.draws_array)
        pd.testing.assert_frame_equal(a.estimates, other.estimates)
    assert a == d
    assert res.bootstrap(n=120, seed=8).draws_array.tolist() != a.draws_array.tolist()
    assert pickle.loads(pickle.dumps(a)) == a


def test_bca_uses_a_jackknife_and_brackets_the_estimate(hs):
    res = acsi.cfa("visual =~ x1 + x2 + x3", hs)
    simple = res.bootstrap(n=200, seed=1, ci="bca.simple")
    full = res.bootstrap(n=200, seed=1, ci="bca")
    e1, e2 = simple.estimates, full.estimates
    free = e1.se.notna()
    np.testing.assert_array_equal(e1.se, e2.se)
    assert (e2.ci_lower[free] < e2.est[free]).all() and (e2.est[free] < e2.ci_upper[free]).all()
    assert not np.allclose(e1.ci_lower[free], e2.ci_lower[free])  # the acceleration moves the bounds


def test_result_is_immutable_and_compact(hs):
    res = acsi.cfa("visual =~ x1 + x2 + x3", hs)
    boot = res.bootstrap(n=100, seed=2)
    t = boot.estimates
    t.loc[0, "est"] = 99.0
    assert boot.estimates.loc[0, "est"] != 99.0
    with pytest.raises(ValueError):
        boot.draws_array[0, 0] = 1.0
    assert len(repr(boot)) < 300
    assert "CB-SEM bootstrap" in str(boot.summary())


def test_bad_input(hs):
    res = acsi.cfa("visual =~ x1 + x2 + x3", hs)
    with pytest.raises(SpecificationError, match="0-based"):
        res.bootstrap(indices=np.full((3, res.nobs), res.nobs))
    with pytest.raises(SpecificationError, match=r"shape \(n_boot, 301\)"):
        res.bootstrap(indices=np.zeros((3, 10), dtype=int))
    with pytest.raises(SpecificationError, match="n=5 but indices holds 3"):
        res.bootstrap(n=5, indices=np.zeros((3, res.nobs), dtype=int))
    with pytest.raises(SpecificationError, match="ci"):
        res.bootstrap(n=10, ci="studentized")
    with pytest.raises(SpecificationError, match="type"):
        res.bootstrap(n=10, type="parametric")
    holes = hs.copy()
    holes.loc[:20, "x1"] = np.nan
    fiml = acsi.cfa("visual =~ x1 + x2 + x3", holes, missing="ml")
    with pytest.raises(SpecificationError, match="not available for missing data"):
        fiml.bootstrap(n=10, type="bollen.stine")
    mg = acsi.cfa("visual =~ x1 + x2 + x3", hs, group="school")
    with pytest.raises(SpecificationError, match="one integer array of shape"):
        mg.bootstrap(indices=np.zeros((3, res.nobs), dtype=int))
    with pytest.raises(SpecificationError, match="group 'Grant-White'"):
        mg.bootstrap(indices=[np.zeros((3, 156), dtype=int), np.zeros((3, 10), dtype=int)])
    with pytest.raises(SpecificationError, match="different numbers of resamples"):
        mg.bootstrap(indices=[np.zeros((3, 156), dtype=int), np.zeros((4, 145), dtype=int)])


# ---------------------------------------------------------------------------- several groups
# tests/reference/make_reference_issue11_mgdiag.R: bootstrapLavaan(fit, R = 100, keep.idx = TRUE,
# iseed = 1) of the HS CFA by school with group.equal = "loadings"; lavaan draws each group's
# rows separately (boot.idx: one (R, N_g) matrix per group, 1-based within the group).
MG_REF = Path(__file__).parent / "data" / "lavaan_issue11" / "mgdiag_boot_hs_metric.json"


@pytest.fixture(scope="module")
def mg_boots(hs):
    ref = json.loads(MG_REF.read_text())
    res = acsi.cfa(ref["model"], hs, group="school", group_equal=["loadings"])
    idx = [np.asarray(m) - 1 for m in ref["idx"]]
    return ref, res, idx, {ci: res.bootstrap(indices=idx, ci=ci, level=0.9) for ci in CI_TYPES}


def test_multigroup_replicates_equal_tight_lavaan_refits(mg_boots):
    ref, res, _, b = mg_boots
    assert list(res._free_names) == ref["coef_names"]
    got = b["perc"].draws.to_numpy()
    assert ref["tight_grad_max"] < 1e-6 and ref["error_idx"] == []
    np.testing.assert_allclose(got, np.asarray(ref["tight_coef"], dtype=float), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(got, np.asarray(ref["coef"], dtype=float), rtol=1e-3, atol=1e-5)
    assert b["perc"].n_failed == 0 and b["perc"].n_inadmissible == 0


@pytest.mark.parametrize("ci", CI_TYPES)
def test_multigroup_se_and_intervals_as_lavaan(mg_boots, ci):
    ref, res, _, b = mg_boots
    pe = pd.DataFrame(ref[f"pe_{ci}"])
    pe = pe[pe.op != "=="].reset_index(drop=True)  # lavaan's equality rows
    e = b[ci].estimates
    assert list(e.columns) == ["lhs", "op", "rhs", "group", "label", "est", "se", "ci_lower", "ci_upper"]
    assert list(zip(e.lhs, e.op, e.rhs, e.group)) == list(zip(pe.lhs, pe.op, pe.rhs, pe.group))
    stat = (pe.se.to_numpy() > 0) & (pe.op != ":=").to_numpy()
    np.testing.assert_allclose(e.se[stat], pe.se[stat], rtol=1e-4)
    scale = np.abs(pe.est[stat]).to_numpy() + pe.se[stat].to_numpy()
    check = np.ones(int(stat.sum()), dtype=bool)
    if ci == "bca.simple":
        # bca.simple counts the replicates below the estimate: an intercept estimate is the
        # group's sample mean, and a resample of these discrete scores can have exactly that
        # mean (a tie, up to rounding); lavaan's count then differs by its optimisation noise.
        # Those rows are checked for a count within the ties, the others at 1e-4.
        draws = b[ci].draws.to_numpy()
        est = e.est[stat].to_numpy()
        ties = (np.abs(draws - est) < 1e-6).sum(axis=0)
        lav = np.asarray(ref["coef"], dtype=float)
        below_lav = (lav < est).sum(axis=0)
        below = (draws < est).sum(axis=0)
        assert (np.abs(below - below_lav) <= ties).all()
        check = ties == 0
        assert check.sum() >= stat.sum() - 6
    for col, lcol in (("ci_lower", "ci.lower"), ("ci_upper", "ci.upper")):
        diff = np.abs(e[col][stat].to_numpy() - pe[lcol][stat].to_numpy())[check]
        np.testing.assert_array_less(diff, 1e-4 * scale[check])


def test_multigroup_standardized_replicates_are_refits(mg_boots, hs):
    ref, res, idx, b = mg_boots
    sd = b["perc"].standardized_draws.to_numpy()
    labs = res.group_labels
    for r in (0, 57):
        parts = [hs[hs.school == lab].iloc[ix[r]] for lab, ix in zip(labs, idx)]
        refit = acsi.cfa(ref["model"], pd.concat(parts), group="school", group_equal=["loadings"])
        np.testing.assert_allclose(sd[r], refit.estimates["std_all"], rtol=1e-6, atol=1e-9)
    st = b["perc"].standardized
    assert "group" in st.columns
    np.testing.assert_array_equal(st.est_std, res.estimates.std_all)


def test_multigroup_seeded_runs_identical(hs):
    res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs, group="school",
                   group_equal=["loadings"])
    a = res.bootstrap(n=80, seed=3)
    b = res.bootstrap(n=80, seed=3, chunk_size=7)
    with ThreadPoolExecutor(2) as ex:
        c = res.bootstrap(n=80, seed=3, executor=ex, chunk_size=20)
    with ProcessPoolExecutor(2) as ex:
        d = res.bootstrap(n=80, seed=3, executor=ex, chunk_size=40)
    for other in (b, c, d):
        np.testing.assert_array_equal(a.draws_array, other.draws_array)
        pd.testing.assert_frame_equal(a.estimates, other.estimates)
    assert a.n_failed == 0
    assert res.bootstrap(n=80, seed=4).draws_array.tolist() != a.draws_array.tolist()
