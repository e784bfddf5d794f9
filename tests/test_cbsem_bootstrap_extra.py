"""CB-SEM bootstrap of FIML, weighted and ordinal fits, multigroup Bollen-Stine and BCa.

References: tests/reference/make_reference_bootstrap_extra.R and
make_reference_bootstrap_ordinal.R (lavaan 0.6-14). As in test_cbsem_bootstrap.py, every
replicate is compared at 1e-6 with a tightly converged lavaan refit on lavaan's own resample
rows; lavaan's bootstrap refits stop at its default tolerance, so the SEs and intervals it
computes from them are compared at 1e-4 (the difference is lavaan's optimisation error).
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.cbsem.bootstrap import _group_jackknife, _GroupProblem, _tables
from acsi.exceptions import SpecificationError

REF = Path(__file__).parent / "data" / "lavaan_boot_extra"
I10 = Path(__file__).parent / "data" / "lavaan_issue10"
CI_TYPES = ("perc", "norm", "basic", "bca.simple")
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ORD = [f"x{i}" for i in range(1, 10)]


def _ref(name: str) -> dict:
    return json.loads((REF / f"{name}.json").read_text())


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(I10 / f"{name}.csv")


def _fit(name: str, ref: dict) -> acsi.cbsem.results.SEMResult:
    if name == "fiml_hs_mcar":
        return acsi.cfa(ref["model"], _csv("hs_mcar"), missing="ml")
    if name == "fiml_hs_mar_sem":
        return acsi.sem(ref["model"], _csv("hs_mar"), missing="ml")
    if name == "weighted_hs":
        return acsi.cfa(ref["model"], _csv("hs_weighted"), sampling_weights="w")
    assert name == "ordinal_hs_cat3"
    return acsi.cfa(ref["model"], _csv("hs_cat3"), ordered=ORD)


CASES = ("fiml_hs_mcar", "fiml_hs_mar_sem", "weighted_hs", "ordinal_hs_cat3")


class _Boots(dict):
    """Each case's (reference, fit, bootstrap on lavaan's rows), computed when first asked for."""

    def __missing__(self, name: str) -> tuple:
        ref = _ref(name)
        res = _fit(name, ref)
        self[name] = (ref, res, res.bootstrap(indices=np.asarray(ref["idx"]) - 1, level=0.9))
        return self[name]


@pytest.fixture(scope="module")
def boots():
    return _Boots()


@pytest.mark.parametrize("name", CASES)
def test_replicates_equal_tight_lavaan_refits(boots, name):
    ref, res, boot = boots[name]
    assert len(ref["coef_names"]) == boot.draws.shape[1]
    got = boot.draws.to_numpy()
    tight = np.asarray(ref["tight_coef"], dtype=float)
    assert ref["tight_grad_max"] < 1e-6
    assert got.shape == tight.shape
    np.testing.assert_allclose(got, tight, rtol=1e-6, atol=1e-9)
    # and lavaan's own (less tightly converged) replicates, at its convergence
    np.testing.assert_allclose(got, np.asarray(ref["coef"], dtype=float), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_failed_and_inadmissible_as_lavaan(boots, name):
    ref, _, boot = boots[name]
    assert boot.n_failed == len(ref["error_idx"]) == 0
    lav = [] if ref["nonadmissible"] == [] else list(np.atleast_1d(np.asarray(ref["nonadmissible"], dtype=int)))
    assert list(np.flatnonzero(boot.inadmissible_mask) + 1) == lav
    assert boot.n_inadmissible == len(lav)


@pytest.mark.parametrize("name", ("fiml_hs_mcar", "fiml_hs_mar_sem", "ordinal_hs_cat3"))
@pytest.mark.parametrize("ci", CI_TYPES)
def test_se_and_intervals_as_lavaan(boots, name, ci):
    ref, res, boot = boots[name]
    pe = pd.DataFrame(ref[f"pe_{ci}"])
    ok = ~boot.failed_mask
    # the same replicates summarised with each interval type (what res.bootstrap(ci=...) does)
    K = np.asarray(res.core.K)
    assert K.shape[0] == K.shape[1] and (K == np.eye(K.shape[0])).all()  # no equality constraints: theta
    e, _ = _tables(res, boot.draws_array[ok], boot.std_draws_array, ci, 0.9, None)
    if name == "ordinal_hs_cat3":
        pe = pe[pe.op != "~*~"].reset_index(drop=True)  # lavaan prints the scale rows separately
        e = e[e.op != "~*~"].reset_index(drop=True)
    assert list(e.lhs) == list(pe.lhs) and list(e.op) == list(pe.op) and list(e.rhs) == list(pe.rhs)
    stat = ((pe.se.to_numpy() > 0) & (pe.op != ":=").to_numpy()) | (pe.op == ":=").to_numpy()
    np.testing.assert_allclose(e.est, pe.est, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(e.se[stat], pe.se[stat], rtol=1e-4)
    scale = np.abs(pe.est[stat]).to_numpy() + pe.se[stat].to_numpy()
    check = np.ones(int(stat.sum()), dtype=bool)
    if ci == "bca.simple":
        # bca.simple counts the replicates below the estimate; a threshold's replicate equals the
        # estimate whenever the resample has the same marginal counts of that item (a tie, up to
        # rounding), and lavaan's count then differs by its optimisation noise: such rows are
        # checked for a count within the ties, the others at 1e-4
        free_cols = [k for k, st in enumerate(stat) if st and pe.op[k] != ":="]
        draws = boot.draws.to_numpy()[ok]
        lav = np.asarray(ref["coef"], dtype=float)
        est = e.est.to_numpy()[free_cols]
        ties = (np.abs(draws - est) < 1e-6).sum(axis=0)
        assert (np.abs((draws < est).sum(axis=0) - (lav < est).sum(axis=0)) <= ties).all()
        check[: len(free_cols)] = ties == 0
        assert check.sum() >= 10  # (thresholds tie often: 3 categories, 301 rows)
    for col, lcol in (("ci_lower", "ci.lower"), ("ci_upper", "ci.upper")):
        diff = np.abs(e[col][stat].to_numpy() - pe[lcol][stat].to_numpy())[check]
        np.testing.assert_array_less(diff, 1e-4 * scale[check])


@pytest.mark.parametrize("name", ("fiml_hs_mcar", "ordinal_hs_cat3"))
def test_standardized_replicates_equal_lavaan(boots, name):
    ref, res, boot = boots[name]
    lav = np.asarray(ref["std_boot"], dtype=float)
    std_est = pd.DataFrame(ref["std_est"])
    got = boot.standardized_draws.to_numpy()
    e = res.estimates
    lav_rows = set(zip(std_est.lhs, std_est.op, std_est.rhs))
    keep = np.array([row in lav_rows for row in zip(e.lhs, e.op, e.rhs)])
    got = got[:, keep]
    assert got.shape == lav.shape
    np.testing.assert_allclose(got, lav, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(e.std_all[keep], std_est["est.std"], rtol=1e-5, atol=1e-8)


def test_weighted_se_is_lavaans_formula(boots):
    ref, res, boot = boots["weighted_hs"]
    tight = np.asarray(ref["tight_coef"], dtype=float)
    e = boot.estimates
    free = e.se.notna().to_numpy()
    # lavaan: sqrt(diag(cov(COEF)) (n - 1) / n)
    np.testing.assert_allclose(e.se[free], tight.std(axis=0, ddof=0), rtol=1e-6)


@pytest.mark.parametrize("name", ("bs_weighted_hs", "bs_mg_hs", "bs_mg_hs_means"))
def test_bollen_stine_as_lavaan(hs, name):
    ref = _ref(name)
    if name == "bs_weighted_hs":
        res = acsi.cfa(ref["model"], _csv("hs_weighted"), sampling_weights="w")
        idx = np.asarray(ref["idx"][0]) - 1
    else:
        eq = ["loadings"] if name == "bs_mg_hs" else ["loadings", "intercepts"]
        res = acsi.cfa(ref["model"], hs, group="school", group_equal=eq)
        idx = [np.asarray(m) - 1 for m in ref["idx"]]
    boot = res.bootstrap(indices=idx, type="bollen.stine")
    bs = boot.bollen_stine
    assert bs is not None and ref["error_idx"] == [] and boot.n_failed == 0
    assert bs.stat == pytest.approx(ref["stat"], rel=1e-6)
    np.testing.assert_allclose(bs.chisq, ref["chisq"], rtol=1e-5)
    assert bs.pvalue == pytest.approx(ref["pvalue"], abs=1e-15)
    if "lavaan_pvalue" in ref:  # lavaan's test = "bollen.stine" with the same seed
        assert bs.pvalue == pytest.approx(ref["lavaan_pvalue"], abs=1e-15)
        np.testing.assert_allclose(bs.chisq, ref["boot_T"], rtol=1e-5)


def test_fiml_replicates_are_fiml_refits():
    # (each refit's FIML estimates are tested against lavaan in the FIML tests; here the
    # replicate must be that refit of the resample's raw rows, holes included)
    d = _csv("hs_mar")
    model = HS_MODEL + "\ntextual ~ a*visual\nspeed ~ b*textual + visual\nind := a*b"
    res = acsi.sem(model, d, missing="ml")
    rng = np.random.default_rng(11)
    idx = rng.integers(0, res.nobs, size=(3, res.nobs))
    boot = res.bootstrap(indices=idx, ci="norm")
    assert boot.n_failed == 0
    for r in (0, 2):
        refit = acsi.sem(model, d.iloc[idx[r]].reset_index(drop=True), missing="ml")
        np.testing.assert_allclose(boot.draws.to_numpy()[r], refit.estimates.est.to_numpy()[refit.partable.free_rows],
                                   rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(boot.standardized_draws.to_numpy()[r], refit.estimates.std_all, rtol=1e-7,
                                   atol=1e-9)


def test_multigroup_fiml_replicates_are_fiml_refits(hs):
    d = _csv("hs_mcar")
    d["school"] = hs["school"].to_numpy()
    res = acsi.cfa(HS_MODEL, d, group="school", missing="ml", group_equal=["loadings"])
    parts = [d[d.school == g].reset_index(drop=True) for g in res.group_labels]
    rng = np.random.default_rng(3)
    idx = [rng.integers(0, len(p), size=(2, len(p))) for p in parts]
    boot = res.bootstrap(indices=idx)
    assert boot.n_failed == 0
    for r in range(2):
        dd = pd.concat([p.iloc[ix[r]] for p, ix in zip(parts, idx)]).reset_index(drop=True)
        refit = acsi.cfa(HS_MODEL, dd, group="school", missing="ml", group_equal=["loadings"])
        np.testing.assert_allclose(boot.draws.to_numpy()[r], refit.estimates.est.to_numpy()[refit.partable.free_rows],
                                   rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(boot.standardized_draws.to_numpy()[r], refit.estimates.std_all, rtol=1e-7,
                                   atol=1e-9)


def test_multigroup_bca_uses_a_stratified_jackknife(hs):
    model = "visual =~ x1 + x2 + x3"
    res = acsi.cfa(model, hs, group="school", group_equal=["loadings"])
    full = res.bootstrap(n=60, seed=1, ci="bca")
    e = full.estimates
    free = e.se.notna().to_numpy()
    # the jackknife rows are leave-one-row-out refits within a group
    groups = res.core.groups
    prob = _GroupProblem(partable=res.core.partable, Xs=tuple(np.asarray(c.X) for c in groups),
                         x_full=tuple(np.asarray(c.x) for c in groups), theta0=np.asarray(res.core.theta),
                         max_iter=500, tol=1e-10)
    th, _, strata = _group_jackknife(prob, 1)
    assert list(np.bincount(strata)) == [c.X.shape[0] for c in groups]
    labs = res.group_labels
    for i in (0, groups[0].X.shape[0] + 4):
        g = int(strata[i])
        r = i - (0 if g == 0 else groups[0].X.shape[0])
        part = hs[hs.school == labs[g]].drop(hs[hs.school == labs[g]].index[r])
        other = hs[hs.school == labs[1 - g]]
        refit = acsi.cfa(model, pd.concat([part, other] if g == 0 else [other, part]), group="school",
                         group_equal=["loadings"])
        np.testing.assert_allclose(th[i], refit.core.theta, rtol=1e-7, atol=1e-10)
    # the interval: the boot package's BCa points with a = sum l^3 / (6 (sum l^2)^1.5),
    # l_i = (N_g - 1)(mean_g - t_(-i)) within each group
    from scipy.stats import norm

    j = int(np.flatnonzero(free)[0])
    k = list(res.partable.free_rows).index(j)
    t = full.draws.to_numpy()[:, k]
    jt = (th @ np.asarray(res.core.K).T)[:, k]
    ll = np.empty_like(jt)
    for g in range(2):
        m = strata == g
        ll[m] = (m.sum() - 1) * (jt[m].mean() - jt[m])
    a = (ll**3).sum() / (6 * ((ll**2).sum()) ** 1.5)
    est = e.est[j]
    w = norm.ppf((t < est).mean())
    z = norm.ppf([0.025, 0.975])
    adj = norm.cdf(w + (w + z) / (1 - a * (w + z)))
    from acsi.inference.intervals import norm_inter

    assert abs(a) > 1e-4  # an acceleration that moves the bounds
    np.testing.assert_allclose([e.ci_lower[j], e.ci_upper[j]], norm_inter(t, adj), rtol=1e-12)


def test_seeded_runs_identical_serial_threads_processes(hs):
    fiml = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", _csv("hs_mcar"), missing="ml")
    ordinal = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", _csv("hs_cat3"), ordered=ORD[:6])
    mg = acsi.cfa("visual =~ x1 + x2 + x3", hs, group="school")
    cases = ((fiml, {}), (ordinal, {}), (mg, {"type": "bollen.stine"}))
    serial = [res.bootstrap(n=12, seed=5, **kw) for res, kw in cases]
    with ThreadPoolExecutor(2) as threads, ProcessPoolExecutor(2) as procs:
        for (res, kw), a in zip(cases, serial):
            assert a.n_failed == 0
            for other in (res.bootstrap(n=12, seed=5, chunk_size=5, **kw),
                          res.bootstrap(n=12, seed=5, executor=threads, chunk_size=4, **kw),
                          res.bootstrap(n=12, seed=5, executor=procs, chunk_size=6, **kw)):
                assert other == a
                np.testing.assert_array_equal(a.draws_array, other.draws_array)


def test_dask_local_cluster_bit_identical():
    distributed = pytest.importorskip("distributed")
    fiml = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", _csv("hs_mcar"), missing="ml")
    serial = fiml.bootstrap(n=8, seed=9)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        on_cluster = fiml.bootstrap(n=8, seed=9, executor=client, chunk_size=4)
    assert on_cluster == serial
    np.testing.assert_array_equal(on_cluster.draws_array, serial.draws_array)


def test_refusals_name_the_reason(hs):
    fiml = acsi.cfa("visual =~ x1 + x2 + x3", _csv("hs_mcar"), missing="ml")
    with pytest.raises(SpecificationError, match="not available for missing data"):
        fiml.bootstrap(n=10, type="bollen.stine")
    ordinal = acsi.cfa("visual =~ x1 + x2 + x3", _csv("hs_cat3"), ordered=ORD[:3])
    with pytest.raises(SpecificationError, match="categorical/ordinal data"):
        ordinal.bootstrap(n=10, type="bollen.stine")
    constrained = acsi.cfa("visual =~ a*x1 + b*x2 + c*x3\nb == 2*c", hs)
    with pytest.raises(SpecificationError, match=r"general constraints \(line 2: b == 2\*c\)"):
        constrained.bootstrap(n=10)
    x = acsi.sem("x3 ~ x1 + x2", _csv("hs_mcar"), missing="ml", fixed_x=False)
    assert x.bootstrap(n=4, seed=1, ci="norm").n == 4  # random covariates: available
