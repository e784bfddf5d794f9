"""PLS multigroup analysis (res.mga) against R seminr's fixture, the seminr PyPI port given the
same resample rows, and loop-based oracles written here from the published formulas."""

from __future__ import annotations

import json
import warnings
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import acsi
from acsi.exceptions import DataError, SpecificationError
from acsi.plspm.mga import adjust_pvalues, henseler_p, permutation_test_paths, row_problem
from tests.conftest import ECSI_MOBI

DATA = Path(__file__).parent / "data" / "seminr"
R_FIX = json.loads((DATA / "mga_mobi_100.json").read_text())
PORT = json.loads((DATA / "mga_port_mobi.json").read_text())
COND = np.array(R_FIX["condition"])
SMALL = (
    "Image =~ IMAG1 + IMAG2 + IMAG3; Sat =~ CUSA1 + CUSA2 + CUSA3; Loy =~ CUSL1 + CUSL2; Sat ~ Image; Loy ~ Sat + Image"
)


@pytest.fixture(scope="module")
def m2(mobi_module: pd.DataFrame) -> acsi.plspm.results.PLSResult:
    return acsi.pls(ECSI_MOBI, mobi_module, missing="mean")


@pytest.fixture(scope="module")
def mobi_module() -> pd.DataFrame:
    return acsi.datasets.load_mobi()


@pytest.fixture(scope="module")
def port_mga(m2: acsi.plspm.results.PLSResult) -> acsi.plspm.mga.MGAResult:
    g = PORT["mga"]
    idx = (np.array(g["group1_indices"]), np.array(g["group2_indices"]))
    return m2.mga(COND, n=100, indices=idx, n_perm=50, seed=3)


def test_contract_columns(port_mga: acsi.plspm.mga.MGAResult) -> None:
    assert list(port_mga.table.columns) == [
        "source", "target", "group1", "group2", "diff", "p_mga", "p_parametric", "p_welch", "p_permutation"
    ]
    assert port_mga.groups == ("True", "False") and port_mga.nobs == (115, 135)
    assert "PLS multigroup analysis" in str(port_mga.summary())


def test_group_estimates_equal_r_seminr_fixture(port_mga: acsi.plspm.mga.MGAResult) -> None:
    """seminr's own fixture (R): per-group paths of the same split, to 1e-10."""
    tab = port_mga.table
    ref = pd.DataFrame(R_FIX["table"])
    assert list(zip(tab.source, tab.target)) == list(zip(ref.source, ref.target))
    np.testing.assert_allclose(tab.group1, ref.group1_beta, atol=1e-10, rtol=0)
    np.testing.assert_allclose(tab.group2, ref.group2_beta, atol=1e-10, rtol=0)
    np.testing.assert_allclose(tab["diff"], ref["diff"], atol=1e-10, rtol=0)


def test_pls_mga_p_equals_seminr_port_given_the_same_rows(port_mga: acsi.plspm.mga.MGAResult) -> None:
    ref = pd.DataFrame(PORT["mga"]["table"])
    det = port_mga.details
    np.testing.assert_allclose(det.boot_mean1, ref.group1_beta_mean, atol=1e-10, rtol=0)
    np.testing.assert_allclose(det.boot_mean2, ref.group2_beta_mean, atol=1e-10, rtol=0)
    np.testing.assert_array_equal(port_mga.table.p_mga.to_numpy(), ref.pls_mga_p.to_numpy())


def test_pls_mga_equals_r_seminr_fixture_with_rs_resample_rows(m2: acsi.plspm.results.PLSResult) -> None:
    """seminr's own fixture (R): with the resample rows R drew (redrawn with base R from the
    seeds estimate_pls_mga used), bootstrap means to 1e-12 and pls_mga_p exactly."""
    idx = (np.array(R_FIX["group1_indices_1based"]) - 1, np.array(R_FIX["group2_indices_1based"]) - 1)
    mga = m2.mga(COND, n=100, indices=idx, n_perm=0)
    ref = pd.DataFrame(R_FIX["table"])
    np.testing.assert_allclose(mga.details.boot_mean1, ref.group1_beta_mean, atol=1e-12, rtol=0)
    np.testing.assert_allclose(mga.details.boot_mean2, ref.group2_beta_mean, atol=1e-12, rtol=0)
    # the JSON keeps 15 significant digits: compare the counts of favourable pairs exactly
    np.testing.assert_allclose(mga.table.p_mga, ref.pls_mga_p, atol=1e-14, rtol=0)
    np.testing.assert_array_equal(np.round(mga.table.p_mga * 1e4), np.round(ref.pls_mga_p * 1e4))
    assert mga.table.p_permutation.isna().all()


def _grid_p(b1: np.ndarray, b2: np.ndarray) -> float:
    """seminr's formula written literally: expand.grid of all pairs, unit step, 1 - share."""
    J = b1.size
    m1, m2 = b1.mean(), b2.mean()
    count = 0
    for x, y in product(b1, b2):
        count += (2 * m1 - x - 2 * m2 + y) > 0
    return 1 - count / J**2


@pytest.mark.parametrize("discrete", [False, True])
def test_henseler_p_equals_the_grid(discrete: bool) -> None:
    rng = np.random.default_rng(5)
    b1 = rng.normal(0.3, 0.1, size=(60, 3))
    b2 = rng.normal(0.25, 0.12, size=(60, 3))
    if discrete:  # many exact ties
        b1, b2 = np.round(b1, 1), np.round(b2, 1)
    got = henseler_p(b1, b2)
    want = [_grid_p(b1[:, c], b2[:, c]) for c in range(3)]
    np.testing.assert_array_equal(got, want)


def test_parametric_and_welch_from_the_formulas(port_mga: acsi.plspm.mga.MGAResult) -> None:
    det = port_mga.details
    n1, n2 = port_mga.nobs
    se1, se2, d = det.boot_se1.to_numpy(), det.boot_se2.to_numpy(), det["diff"].to_numpy()
    boots = port_mga.bootstraps
    np.testing.assert_allclose(se1, boots[0].paths.boot_se, rtol=1e-12)
    # Keil et al. (2000) with Henseler's pooled SE, n1 + n2 - 2 df (cSEM "Keil")
    sp = np.sqrt((n1 - 1) ** 2 / (n1 + n2 - 2) * se1**2 + (n2 - 1) ** 2 / (n1 + n2 - 2) * se2**2)
    sp = sp * np.sqrt(1 / n1 + 1 / n2)
    p_keil = 2 * (1 - stats.t.cdf(np.abs(d / sp), n1 + n2 - 2))
    np.testing.assert_allclose(port_mga.table.p_parametric, p_keil, rtol=1e-9)
    # Welch-Satterthwaite (cSEM "Nitzl": rounded df)
    v = (n1 - 1) / n1 * se1**2 + (n2 - 1) / n2 * se2**2
    df = np.round(v**2 / ((n1 - 1) / n1**2 * se1**4 + (n2 - 1) / n2**2 * se2**4) - 2)
    np.testing.assert_allclose(det.df_welch, df)
    np.testing.assert_allclose(port_mga.table.p_welch, 2 * (1 - stats.t.cdf(np.abs(d / np.sqrt(v)), df)), rtol=1e-9)


def test_permutation_test_equals_refits_in_a_loop(mobi_module: pd.DataFrame) -> None:
    """Chin & Dibbern: the batched permuted-group fits equal acsi.pls on the permuted rows."""
    res = acsi.pls(SMALL, mobi_module)
    mask = mobi_module["CUEX1"].to_numpy() >= 8
    rows_a, rows_b = np.flatnonzero(mask), np.flatnonzero(~mask)
    pooled = np.concatenate([rows_a, rows_b])
    rng = np.random.default_rng(11)
    perms = np.array([rng.permutation(pooled.size) for _ in range(6)])
    paths = np.argwhere(res.spec.inner)
    ref, failed = permutation_test_paths(row_problem(res), rows_a, rows_b, paths, 6, np.random.SeedSequence(0), perms)
    assert not failed.any()
    C = res.spec.constructs
    for b in range(6):
        ga = acsi.pls(SMALL, mobi_module.iloc[pooled[perms[b, : rows_a.size]]])
        gb = acsi.pls(SMALL, mobi_module.iloc[pooled[perms[b, rows_a.size :]]])
        want = [ga.paths.loc[C[i], C[j]] - gb.paths.loc[C[i], C[j]] for i, j in paths]
        np.testing.assert_allclose(ref[b], want, atol=1e-12)
    mga = res.mga(mask, n=80, seed=1, perm_indices=perms)
    d = mga.table["diff"].to_numpy()
    want_p = (ref >= np.abs(d)).mean(axis=0) + (ref <= -np.abs(d)).mean(axis=0)
    np.testing.assert_allclose(mga.table.p_permutation, want_p)
    assert mga.n_perm == 6


def test_group_by_column_name_equals_mask() -> None:
    sat = acsi.datasets.load_satisfaction()
    model = "IMAG =~ imag1 + imag2 + imag3; SAT =~ sat1 + sat2 + sat3; LOY =~ loy1 + loy2; SAT ~ IMAG; LOY ~ SAT + IMAG"
    res = acsi.pls(model, sat)
    by_name = res.mga("gender", n=80, n_perm=40, seed=7)
    levels = sorted(sat["gender"].unique())
    by_labels = res.mga(sat["gender"].to_numpy(), n=80, n_perm=40, seed=7)
    assert by_name.groups == tuple(str(x) for x in levels)
    pd.testing.assert_frame_equal(by_name.table, by_labels.table)
    g0 = acsi.pls(model, sat[sat.gender == levels[0]])
    assert by_name.table.group1.iloc[0] == pytest.approx(g0.paths.loc["IMAG", "SAT"], abs=1e-12)


def test_three_groups_all_pairs_with_holm(mobi_module: pd.DataFrame) -> None:
    res = acsi.pls(SMALL, mobi_module)
    tier = pd.cut(mobi_module["CUEX1"], [0, 6, 8, 10], labels=["low", "mid", "high"])
    mga = res.mga(tier, n=80, n_perm=30, seed=2)
    assert mga.groups == ("low", "mid", "high")
    t = mga.table
    assert set(zip(t.level1, t.level2)) == {("low", "mid"), ("low", "high"), ("mid", "high")}
    for (_, _), grp in t.groupby(["source", "target"]):
        np.testing.assert_allclose(grp.p_welch_adj, adjust_pvalues(grp.p_welch.to_numpy(), "holm"))
        two = 2 * np.minimum(grp.p_mga, 1 - grp.p_mga)
        np.testing.assert_allclose(grp.p_mga_adj, adjust_pvalues(two.to_numpy(), "holm"))
    bonf = res.mga(tier, n=80, n_perm=0, seed=2, correction="bonferroni")
    assert bonf.table.p_permutation.isna().all()


def test_adjust_pvalues_equal_r_p_adjust() -> None:
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") = 0.05 0.08 0.09 0.09 0.09
    p = np.array([0.01, 0.02, 0.03, 0.04, 0.05])
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), [0.05, 0.08, 0.09, 0.09, 0.09])
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni"), [0.05, 0.10, 0.15, 0.20, 0.25])


def test_seeded_runs_are_equal_and_the_result_is_read_only(mobi_module: pd.DataFrame) -> None:
    res = acsi.pls(SMALL, mobi_module)
    mask = mobi_module["CUEX1"].to_numpy() >= 8
    a = res.mga(mask, n=80, n_perm=30, seed=4)
    b = res.mga(mask, n=80, n_perm=30, seed=4)
    assert a == b
    t = a.table
    t.iloc[0, 2] = 99.0
    assert a.table.iloc[0, 2] != 99.0


def test_bad_input(mobi_module: pd.DataFrame) -> None:
    res = acsi.pls(SMALL, mobi_module)
    mask = mobi_module["CUEX1"].to_numpy() >= 8
    with pytest.raises(SpecificationError, match="group must be a column name.*250"):
        res.mga(mask[:-1], n=10)
    with pytest.raises(SpecificationError, match="1 level.*at least two groups"):
        res.mga(np.ones(250, dtype=bool), n=10)
    with pytest.raises(SpecificationError, match="not a column of the data"):
        res.mga("gender", n=10)
    tiny = np.zeros(250, dtype=bool)
    tiny[:3] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match="cannot be estimated in group 'True' \\(3 rows\\)"):
            res.mga(tiny, n=10)
    n1, n2 = int(mask.sum()), int((~mask).sum())
    msg = r"indices\[1\] \(group 'False'\) must be an integer array of shape \(n, 108\)"
    with pytest.raises(SpecificationError, match=msg):
        res.mga(mask, indices=(np.zeros((5, n1), int), np.zeros((5, n1), int)))
    with pytest.raises(SpecificationError, match=r"within the group, in \[0, 141\]"):
        res.mga(mask, indices=(np.full((5, n1), n1), np.zeros((5, n2), int)))
    with pytest.raises(SpecificationError, match="tuple of 2 integer arrays"):
        res.mga(mask, indices=np.zeros((5, n1), int))
    with pytest.raises(SpecificationError, match="n=7 but indices hold 5"):
        res.mga(mask, n=7, indices=(np.zeros((5, n1), int), np.zeros((5, n2), int)))
    with pytest.raises(SpecificationError, match="correction="):
        res.mga(mask, n=10, correction="fdr")
    with pytest.raises(SpecificationError, match="permutation of 0..249"):
        res.mga(mask, n=10, perm_indices=np.zeros((3, 250), int))


CORP = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""


@pytest.mark.parametrize("missing", ["listwise", "mean"])
def test_missing_data_is_handled_within_each_group(missing: str) -> None:
    """Hair et al.'s corporate reputation data (-99 missing), grouped by servicetype: each
    group's fit equals acsi.pls on that group's rows with the same missing-data policy, and
    the permuted-group kernel redoes the treatment within each permuted group."""
    corp = acsi.datasets.load_corp_rep()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = acsi.pls(CORP, corp, missing=missing)
        mga = res.mga("servicetype", n=80, n_perm=20, seed=1)
        levels = sorted(corp.servicetype.unique())
        want = [acsi.pls(CORP, corp[corp.servicetype == v], missing=missing) for v in levels]
        mask_all = (corp.servicetype == 1).to_numpy()
        by_mask = res.mga(mask_all, n=80, n_perm=20, seed=1)  # one entry per row given (rows dropped or not)
    assert mga.nobs == tuple(w.nobs for w in want)
    t = mga.table
    for w, col in zip(want, ("group1", "group2")):
        got = [w.paths.loc[s, tg] for s, tg in zip(t.source, t.target)]
        np.testing.assert_allclose(t[col], got, atol=1e-12)
    np.testing.assert_allclose(by_mask.table.group1, t.group1, atol=0)
    assert mga.bootstraps[0].n == 80
    # permuted groups: the batched kernel equals a refit of the permuted rows
    rows_a, rows_b = mga_rows = (np.flatnonzero(res.data.index.isin(corp.index[mask_all])),
                                 np.flatnonzero(~res.data.index.isin(corp.index[mask_all])))
    pooled = np.concatenate(mga_rows)
    perms = np.array([np.random.default_rng(s).permutation(pooled.size) for s in range(3)])
    paths = np.argwhere(res.spec.inner)
    ref, _ = permutation_test_paths(row_problem(res), rows_a, rows_b, paths, 3, np.random.SeedSequence(0), perms)
    kept = corp.loc[res.data.index]
    C = res.spec.constructs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in range(3):
            ga = acsi.pls(CORP, kept.iloc[pooled[perms[b, : rows_a.size]]], missing=missing)
            gb = acsi.pls(CORP, kept.iloc[pooled[perms[b, rows_a.size :]]], missing=missing)
            want_d = [ga.paths.loc[C[i], C[j]] - gb.paths.loc[C[i], C[j]] for i, j in paths]
            np.testing.assert_allclose(ref[b], want_d, atol=1e-12)
