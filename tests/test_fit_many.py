"""acsi.fit_many: one model per company, seeds keyed by group, executors (threads,
processes, a real dask.distributed LocalCluster) giving bit-identical numbers."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.many import FitManyResult, group_seed
from acsi.simulation import simulate

MODEL = """
Quality =~ q1 + q2 + q3
Satisfaction =~ s1 + s2 + s3
Loyalty =~ l1 + l2
Satisfaction ~ Quality
Loyalty ~ Satisfaction
"""
POP = """
Quality =~ 0.8*q1 + 0.8*q2 + 0.7*q3
Satisfaction =~ 0.8*s1 + 0.85*s2 + 0.8*s3
Loyalty =~ 0.8*l1 + 0.75*l2
Satisfaction ~ 0.6*Quality
Loyalty ~ 0.5*Satisfaction
Quality ~~ 1*Quality
Satisfaction ~~ 0.64*Satisfaction
Loyalty ~~ 0.75*Loyalty
q1 ~~ 0.36*q1
q2 ~~ 0.36*q2
q3 ~~ 0.51*q3
s1 ~~ 0.36*s1
s2 ~~ 0.2775*s2
s3 ~~ 0.36*s3
l1 ~~ 0.36*l1
l2 ~~ 0.4375*l2
"""


def make_companies(n: int = 120, companies: str = "ABC", seed: int = 11, shift: float = 0.4) -> pd.DataFrame:
    """Survey-like data (1-10 ratings) of several companies from one population model."""
    frames = []
    for j, c in enumerate(companies):
        raw = simulate(POP, n, seed=seed + j)
        f = np.clip(np.round(7.0 + shift * (j - 1) + 1.3 * raw), 1, 10)
        f.insert(0, "company", c)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return make_companies()


@pytest.fixture(scope="module")
def fm(data: pd.DataFrame) -> FitManyResult:
    return acsi.fit_many(MODEL, data, by="company", method="pls", bootstrap=200, seed=1)


def test_contract_results_equal_single_fits(data: pd.DataFrame, fm: FitManyResult) -> None:
    for g in "ABC":
        single = acsi.pls(MODEL, data[data.company == g])
        got = fm.results[g]
        assert np.array_equal(got.paths.to_numpy(), single.paths.to_numpy())
        assert np.array_equal(got.weights.to_numpy(), single.weights.to_numpy())
        # the long path table holds the same numbers
        p = fm.paths[fm.paths.company == g]
        for s, t, est in zip(p.source, p.target, p.est):
            assert est == single.paths.loc[s, t]
        # the index from the group's own weights
        idx = single.index(scale=(1, 10)).table["index"]
        mine = fm.indices[fm.indices.company == g].set_index("construct")["index"]
        assert np.array_equal(mine.reindex(idx.index).to_numpy(), idx.to_numpy())


def test_contract_default_call_has_bootstrap_intervals(data: pd.DataFrame) -> None:
    small = data[data.company.isin(["A", "B"])]
    fm = acsi.fit_many(MODEL, small, by="company", method="pls", seed=1)
    assert fm.bootstrap == 1000  # documented default for PLS
    ind = fm.indices
    assert {"index", "ci_lower", "ci_upper"} <= set(ind.columns)
    assert len(ind) == 2 * 3  # one row per company and construct
    assert ind[["company", "construct"]].duplicated().sum() == 0
    assert (ind.ci_lower < ind["index"]).all() and (ind["index"] < ind.ci_upper).all()
    assert (ind.n_draws == 1000).all()


def test_intervals_equal_the_groups_own_bootstrap(data: pd.DataFrame, fm: FitManyResult) -> None:
    boot = fm.bootstraps["B"]
    bi = boot.index.set_index("source")
    mine = fm.indices[fm.indices.company == "B"].set_index("construct")
    for c in mine.index:
        assert mine.loc[c, "ci_lower"] == bi.loc[c, "ci_lower"]
        assert mine.loc[c, "ci_upper"] == bi.loc[c, "ci_upper"]
    # and the same bootstrap as a direct call with the group's seed
    direct = acsi.pls(MODEL, data[data.company == "B"]).bootstrap(
        n=200, seed=group_seed(np.random.SeedSequence(1), "B"), scale=(1, 10))
    assert np.array_equal(direct.draws_array, boot.draws_array)
    draws = fm.index_draws("B")
    assert draws.shape == (200, 3)
    lo, hi = np.quantile(draws["Satisfaction"], [0.025, 0.975])
    assert lo == mine.loc["Satisfaction", "ci_lower"] and hi == mine.loc["Satisfaction", "ci_upper"]


def test_seeds_keyed_by_group_not_order(data: pd.DataFrame, fm: FitManyResult) -> None:
    shuffled = data.sample(frac=1.0, random_state=3)
    # same rows per company in the same order, companies interleaved differently
    shuffled = shuffled.sort_values("company", kind="stable", key=lambda s: s.map({"C": 0, "A": 1, "B": 2}))
    shuffled = shuffled.groupby("company", group_keys=False)[list(shuffled.columns)].apply(
        lambda g: g.sort_index())
    fm2 = acsi.fit_many(MODEL, shuffled, by="company", bootstrap=200, seed=1)
    pd.testing.assert_frame_equal(fm.indices, fm2.indices)
    # dropping a company changes nothing for the others
    fm3 = acsi.fit_many(MODEL, data[data.company != "A"], by="company", bootstrap=200, seed=1)
    pd.testing.assert_frame_equal(fm.indices[fm.indices.company != "A"].reset_index(drop=True), fm3.indices)


def test_threads_and_processes_bit_identical(data: pd.DataFrame, fm: FitManyResult) -> None:
    with ThreadPoolExecutor(2) as ex:
        t = acsi.fit_many(MODEL, data, by="company", bootstrap=200, seed=1, executor=ex)
    with ProcessPoolExecutor(2) as ex:
        p = acsi.fit_many(MODEL, data, by="company", bootstrap=200, seed=1, executor=ex)
    for other in (t, p):
        assert other == fm
        pd.testing.assert_frame_equal(other.indices, fm.indices, check_exact=True)
        pd.testing.assert_frame_equal(other.paths, fm.paths, check_exact=True)
        assert np.array_equal(other.index_draws("C").to_numpy(), fm.index_draws("C").to_numpy(), equal_nan=True)


def pls_mobi() -> tuple[Any, pd.Series]:
    mobi = acsi.datasets.load_mobi()
    res = acsi.pls("Image =~ IMAG1 + IMAG2 + IMAG3; Sat =~ CUSA1 + CUSA2 + CUSA3; Sat ~ Image", mobi)
    return res, mobi["CUEX1"] >= 8


def test_dask_local_cluster_bit_identical(data: pd.DataFrame, fm: FitManyResult) -> None:
    import distributed  # in the dev extra: the Dask test always runs in CI
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        d = acsi.fit_many(MODEL, data, by="company", bootstrap=200, seed=1, executor=client)
        pw_d = acsi.power("y ~ b*x", population="y ~ 0.25*x", n=[40, 60], reps=20, seed=5, executor=client,
                          chunk_size=10)
        # PLS-MGA (group bootstraps and permutations), MICOM and the CB-SEM bootstrap on the cluster
        pls_res, group = pls_mobi()
        mga_d = pls_res.mga(group, n=120, n_perm=350, seed=11, executor=client)
        mi_d = pls_res.micom(group, n_perm=350, seed=12, executor=client)
        sem_res = acsi.sem(MODEL, data[data.company == "A"])
        sb_d = sem_res.bootstrap(n=80, seed=7, executor=client)
    mga = pls_res.mga(group, n=120, n_perm=350, seed=11)
    mi = pls_res.micom(group, n_perm=350, seed=12)
    pd.testing.assert_frame_equal(mga_d.table, mga.table, check_exact=True)
    pd.testing.assert_frame_equal(mga_d.details, mga.details, check_exact=True)
    pd.testing.assert_frame_equal(mi_d.table, mi.table, check_exact=True)
    assert np.array_equal(mi_d.permutation_draws, mi.permutation_draws, equal_nan=True)
    sb = sem_res.bootstrap(n=80, seed=7)
    assert np.array_equal(sb_d.draws_array, sb.draws_array, equal_nan=True)
    pd.testing.assert_frame_equal(sb_d.estimates, sb.estimates, check_exact=True)
    assert d == fm
    pd.testing.assert_frame_equal(d.indices, fm.indices, check_exact=True)
    pw = acsi.power("y ~ b*x", population="y ~ 0.25*x", n=[40, 60], reps=20, seed=5)
    pd.testing.assert_frame_equal(pw_d.table, pw.table, check_exact=True)


def test_failed_and_flagged_groups_are_listed(data: pd.DataFrame) -> None:
    tiny = make_companies(n=2, companies="T", seed=99)
    const = data[data.company == "B"].copy()
    const["company"] = "K"
    const["q1"] = 5.0
    both = pd.concat([data, tiny, const], ignore_index=True)
    fm = acsi.fit_many(MODEL, both, by="company", bootstrap=0, seed=1)
    st = fm.status.set_index("company")
    assert st.loc["T", "status"] == "failed" and st.loc["K", "status"] == "failed"
    assert "q1" in st.loc["K", "reason"] and "variance" in st.loc["K", "reason"]
    assert st.loc["T", "nobs"] == 2
    assert set(fm.problems.company) == {"T", "K"}
    assert set(fm.indices.company) == {"A", "B", "C"}
    assert fm.indices.ci_lower.isna().all()  # bootstrap=0: no intervals
    with pytest.raises(acsi.DataError):
        fm.results["T"]


def test_every_group_failing_raises(data: pd.DataFrame) -> None:
    with pytest.raises(acsi.AcsiError, match="every group failed"):
        acsi.fit_many("F =~ nope1 + nope2 + nope3", data, by="company", bootstrap=0)


def test_ml_groups(data: pd.DataFrame) -> None:
    fm = acsi.fit_many(MODEL, data, by="company", method="ml")
    with pytest.warns(acsi.InadmissibleSolutionWarning, match="l1 ~~ l1"):
        single = acsi.sem(MODEL, data[data.company == "C"])
    st = fm.status.set_index("company")
    assert st.loc["C", "status"] == "inadmissible" and "l1 ~~ l1" in st.loc["C", "reason"]
    assert (fm.problems.company == "C").any()
    reg = single.estimates.query("op == '~'")
    mine = fm.paths[fm.paths.company == "C"]
    assert np.array_equal(mine.est.to_numpy(), reg.est.to_numpy())
    assert np.array_equal(mine.se.to_numpy(), reg.se.to_numpy())
    fit = fm.fit.set_index("company")
    assert fit.loc["C", "chisq"] == single.fit_measures.chisq
    assert len(fm.indices) == 0
    assert {"omega", "ave"} <= set(fm.reliability.columns)
    mlr = acsi.fit_many(MODEL, data, by="company", method="mlr")
    assert not np.array_equal(mlr.paths.se.to_numpy(), fm.paths.se.to_numpy())


def test_two_group_columns(data: pd.DataFrame) -> None:
    d = data.assign(year=np.where(np.arange(len(data)) % 2 == 0, 2024, 2025))
    fm = acsi.fit_many(MODEL, d, by=["company", "year"], bootstrap=0, seed=1)
    assert fm.groups[0] == ("A", 2024) and len(fm.groups) == 6
    assert list(fm.indices.columns[:3]) == ["company", "year", "construct"]
    single = acsi.pls(MODEL, d[(d.company == "A") & (d.year == 2025)])
    assert np.array_equal(fm.results[("A", 2025)].paths.to_numpy(), single.paths.to_numpy())


def test_bad_arguments(data: pd.DataFrame) -> None:
    with pytest.raises(acsi.DataError, match="'compnay' is not a column.*did you mean 'company'"):
        acsi.fit_many(MODEL, data, by="compnay")
    holes = data.copy()
    holes.loc[3, "company"] = None
    with pytest.raises(acsi.DataError, match="group column 'company' has 1 missing"):
        acsi.fit_many(MODEL, holes, by="company")
    with pytest.raises(acsi.DataError, match="DataFrame"):
        acsi.fit_many(MODEL, data.to_numpy(), by="company")
    with pytest.raises(acsi.SpecificationError, match="method"):
        acsi.fit_many(MODEL, data, by="company", method="gsca")
    with pytest.raises(acsi.SpecificationError, match="bootstrap=1"):
        acsi.fit_many(MODEL, data, by="company", bootstrap=1)
    with pytest.raises(acsi.SpecificationError, match="bootstrap"):
        acsi.fit_many(MODEL, data, by="company", method="ml", bootstrap=100)
    with pytest.raises(acsi.SpecificationError, match="seed"):
        acsi.fit_many(MODEL, data, by="company", seed=-1)
    with pytest.raises(acsi.SpecificationError, match="executor"):
        acsi.fit_many(MODEL, data, by="company", executor="threads")
    with pytest.raises(acsi.SpecificationError, match="scale"):
        acsi.fit_many(MODEL, data, by="company", scale=(10, 1))
    with pytest.raises(acsi.DataError, match="item 'q1' has values from 3 to 10, outside scale=\\(1, 7\\)"):
        acsi.fit_many(MODEL, data, by="company", scale=(1, 7))
    with pytest.raises(acsi.ModelSyntaxError):
        acsi.fit_many("Q =~ q1 +", data, by="company")


def test_immutable_and_comparable(fm: FitManyResult) -> None:
    for name in ("status", "problems", "paths", "indices", "reliability", "fit"):
        table = getattr(fm, name)
        before = table.copy()
        table[table.columns[-1]] = 0
        table.index = range(100, 100 + len(table))
        pd.testing.assert_frame_equal(getattr(fm, name), before)
    with pytest.raises(AttributeError):
        fm.method = "ml"  # type: ignore[misc]
    with pytest.raises(TypeError):
        fm.results["A"] = None  # type: ignore[index]
    with pytest.raises(KeyError, match="not a group"):
        fm.results["Z"]
    assert fm == fm and "PLS model fitted per company" in str(fm)
    assert "indices" in fm._repr_html_()


def test_pickle_round_trip(fm: FitManyResult) -> None:
    import pickle

    back = pickle.loads(pickle.dumps(fm))
    assert back == fm
    pd.testing.assert_frame_equal(back.indices, fm.indices, check_exact=True)
    assert np.array_equal(back.results["A"].paths.to_numpy(), fm.results["A"].paths.to_numpy())


def test_progress_callback(data: pd.DataFrame) -> None:
    seen: list[tuple[int, int]] = []
    acsi.fit_many(MODEL, data, by="company", bootstrap=0, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
