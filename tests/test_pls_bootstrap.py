"""PLS bootstrap: seminr's M6b with R's resample rows, batched kernel = single kernel, seeds.

References: tests/data/seminr/M6b_bootstrap_ecsi.json (R seminr 2.5.0.9000,
``bootstrap_model(M2, nboot = 100, seed = 456, cores = 1)``) and the rows R drew,
tests/data/seminr/boot_indices_m2.json (1-based); see tests/data/seminr/PROVENANCE.md.
"""

from __future__ import annotations

import json
import warnings
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ECSI_MOBI as M2
from conftest import ECSI_MOBI_BASIC as M1
from pls_oracle import fit_kernel, plsc_correct

import acsi
from acsi.plspm import batched
from acsi.plspm.algorithm import correlation
from acsi.plspm.bootstrap import bootstrap_pls

DATA = Path(__file__).parent / "data" / "seminr"



TABLES = {
    "paths": "paths",
    "loadings": "loadings",
    "weights": "weights",
    "htmt": "htmt",
    "total_effects": "totalPaths",
    "total_indirect": "totalIndirectPaths",
}
COLS = {
    "est": "Original Est.",
    "boot_mean": "Bootstrap Mean",
    "boot_se": "Bootstrap SD",
    "t": "T Stat.",
    "ci_lower": "2.5% CI",
    "ci_upper": "97.5% CI",
    "pvalue": "Bootstrap P Val",
}


@pytest.fixture(scope="module")
def m2(mobi):
    return acsi.pls(M2, mobi)


@pytest.fixture(scope="module")
def r_indices() -> np.ndarray:
    with open(DATA / "boot_indices_m2.json") as fh:
        return np.asarray(json.load(fh)["indices"], dtype=np.intp) - 1


@pytest.fixture(scope="module")
def m6b_boot(m2, r_indices):
    return m2.bootstrap(indices=r_indices)


@pytest.mark.parametrize("table", list(TABLES))
def test_m6b_matches_seminr_with_r_indices(m6b_boot, table):
    with open(DATA / "M6b_bootstrap_ecsi.json") as fh:
        ref = json.load(fh)["bootSummary"][TABLES[table]]
    ref = pd.DataFrame(ref["values"], index=ref["rows"], columns=ref["cols"], dtype=float)
    mine = getattr(m6b_boot, table)
    labels = list(mine.source + "  ->  " + mine.target)
    assert labels == list(ref.index)  # same rows, same order as seminr's summary
    for col, rcol in COLS.items():
        np.testing.assert_allclose(
            mine[col].to_numpy(float), ref[rcol].to_numpy(float), rtol=0, atol=1e-6, err_msg=f"{table}.{col}"
        )


def test_m6b_counts(m6b_boot):
    assert m6b_boot.n == 100
    assert m6b_boot.n_failed == 0
    assert m6b_boot.n_inadmissible == 0
    assert m6b_boot.seed is None
    assert m6b_boot.draws.shape[0] == 100


def _single(R, spec, scheme, consistent):
    k = fit_kernel(R, spec, scheme=scheme)
    return plsc_correct(R, spec, k) if consistent else k


@pytest.mark.parametrize(
    "model,scheme,consistent",
    [(M2, "path", False), (M2, "factorial", False), (M2, "centroid", False), (M1, "path", False),
     (M1, "path", True), (M2, "path", True)],
)
def test_batched_equals_single_kernel(mobi, r_indices, model, scheme, consistent):
    spec = acsi.pls(model, mobi).spec
    X = mobi[list(spec.indicators)].to_numpy(float)
    plan = batched.make_plan(spec)
    idx = r_indices[:25]
    counts = batched.counts_from_indices(idx, X.shape[0])
    mu = X.mean(axis=0)
    _, _, Rb = batched.resample_moments(X - mu, counts, mu)
    out = batched.fit_batched(Rb, plan, scheme=scheme, consistent=consistent)
    for b in range(idx.shape[0]):
        R = correlation(X[idx[b]])
        np.testing.assert_allclose(Rb[b], R, rtol=0, atol=1e-13)
        k = _single(R, spec, scheme, consistent)
        assert out.iterations[b] == k.iterations
        assert bool(out.converged[b]) == k.converged
        np.testing.assert_allclose(out.W[b], k.W, rtol=0, atol=1e-12)
        np.testing.assert_allclose(out.B[b], k.B, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(out.L[b], k.L, rtol=0, atol=1e-12)
        np.testing.assert_allclose(out.C[b], k.C, rtol=1e-11, atol=1e-12)


def test_resample_moments_equal_refit(mobi, r_indices):
    X = mobi.iloc[:, :24].to_numpy(float)
    counts = batched.counts_from_indices(r_indices[:10], X.shape[0])
    mu = X.mean(axis=0)
    means, sds, R = batched.resample_moments(X - mu, counts, mu)
    for b, rows in enumerate(r_indices[:10]):
        np.testing.assert_allclose(means[b], X[rows].mean(axis=0), rtol=1e-14)
        np.testing.assert_allclose(sds[b], X[rows].std(axis=0, ddof=1), rtol=1e-12)
        np.testing.assert_allclose(R[b], np.corrcoef(X[rows], rowvar=False), atol=1e-13)


def _same(a, b):
    assert np.array_equal(a.draws_array, b.draws_array, equal_nan=True)
    for name in ("paths", "loadings", "weights", "htmt", "total_indirect", "total_effects", "index"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_seed_reproducible_across_chunking_and_executors(m2):
    ref = m2.bootstrap(n=230, seed=11)
    assert ref.seed == 11
    _same(ref, m2.bootstrap(n=230, seed=11, chunk_size=37))
    _same(ref, m2.bootstrap(n=230, seed=11, chunk_size=100))
    with ThreadPoolExecutor(max_workers=2) as ex:
        _same(ref, m2.bootstrap(n=230, seed=11, executor=ex, chunk_size=60))
    with ProcessPoolExecutor(max_workers=2) as ex:
        _same(ref, m2.bootstrap(n=230, seed=11, executor=ex, chunk_size=45))
    other = m2.bootstrap(n=230, seed=12)
    assert not np.allclose(other.paths.boot_se, ref.paths.boot_se)


def test_fit_groups_within_a_chunk_change_nothing(m2, mobi, monkeypatch):
    """A chunk is fitted in groups of seed blocks (cache-sized stacks): any grouping gives
    the same bits as one stack of the whole chunk."""
    from acsi.plspm import bootstrap as bs

    monkeypatch.setattr(bs, "_FIT_ELEMENTS", 1 << 40)  # one group per chunk
    ref = m2.bootstrap(n=230, seed=11)
    for cap in (1, 576 * 100, 576 * 150):  # one block per group; 100 and 150 resamples
        monkeypatch.setattr(bs, "_FIT_ELEMENTS", cap)
        _same(ref, m2.bootstrap(n=230, seed=11))
        _same(ref, m2.bootstrap(n=230, seed=11, chunk_size=37))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PLSc replicates may be inadmissible
        plsc = acsi.pls(M2, mobi, consistent=True)
    monkeypatch.setattr(bs, "_FIT_ELEMENTS", 1 << 40)
    ref = plsc.bootstrap(n=230, seed=11)
    monkeypatch.setattr(bs, "_FIT_ELEMENTS", 576 * 100)
    _same(ref, plsc.bootstrap(n=230, seed=11, chunk_size=37))
    blocks = [(np.zeros((100, 3)), None, 0, 100), (np.zeros((100, 3)), None, 30, 100), (np.zeros((30, 3)), None, 0, 30)]
    monkeypatch.setattr(bs, "_FIT_ELEMENTS", 4 * 100)
    assert [len(g) for g in bs._fit_groups(blocks, 2)] == [1, 2]  # 100 | 70 + 30


def test_seed_none_records_entropy(m2):
    a = m2.bootstrap(n=50)
    b = m2.bootstrap(n=50, seed=a.seed)
    _same(a, b)


def test_progress_callable(m2):
    seen = []
    m2.bootstrap(n=120, seed=1, chunk_size=50, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(50, 120), (100, 120), (120, 120)]


def test_failed_replicates_counted_not_silent(mobi):
    # a resample that draws one row only has no variance: it must be counted as failed
    res = acsi.pls("A =~ IMAG1 + IMAG2; B =~ CUSA1 + CUSA2; B ~ A", mobi)
    n = res.data.X.shape[0]
    idx = np.random.default_rng(3).integers(0, n, size=(30, n))
    idx[4] = 7
    boot = res.bootstrap(indices=idx)
    assert boot.n_failed == 1
    assert boot.draws.shape[0] == 29
    assert "1 of 30 resamples failed" in boot.summary()


def test_bad_arguments(m2):
    with pytest.raises(acsi.SpecificationError, match="ci="):
        m2.bootstrap(n=10, ci="basic")
    with pytest.raises(acsi.SpecificationError, match="0-based"):
        m2.bootstrap(indices=np.ones((3, 250), dtype=int) * 250)
    with pytest.raises(acsi.SpecificationError, match="shape"):
        m2.bootstrap(indices=np.zeros((3, 10), dtype=int))
    with pytest.raises(acsi.SpecificationError, match="level"):
        m2.bootstrap(n=10, level=95)
    with pytest.raises(acsi.SpecificationError, match="seed"):
        m2.bootstrap(n=10, seed=-1)
    with pytest.raises(acsi.SpecificationError, match="n=7 but indices holds 3"):
        m2.bootstrap(n=7, indices=np.zeros((3, 250), dtype=int))
    with pytest.raises(acsi.SpecificationError, match="n_inner"):
        m2.bootstrap(n=10, ci="studentized", n_inner=1)
    with pytest.raises(acsi.SpecificationError, match="chunk_size"):
        m2.bootstrap(n=10, chunk_size=0)
    with pytest.raises(acsi.SpecificationError, match="progress"):
        m2.bootstrap(n=10, progress="yes")


def test_result_is_immutable_and_renders(m6b_boot):
    with pytest.raises(AttributeError):
        m6b_boot.n = 3  # type: ignore[misc]
    with pytest.raises(ValueError):
        m6b_boot.paths["est"].to_numpy()[0] = 0.0
    text = str(m6b_boot.summary())
    assert "paths" in text and "Image" in text
    assert "<table" in m6b_boot._repr_html_()


def test_missing_mean_is_redone_in_every_resample(mobi):
    """seminr refits each resample with its own mean replacement; so does acsi."""
    from types import SimpleNamespace

    model = "Image =~ IMAG1 + IMAG2 + IMAG3; Sat =~ CUSA1 + CUSA2 + CUSA3; Sat ~ Image"
    cols = ["IMAG1", "IMAG2", "IMAG3", "CUSA1", "CUSA2", "CUSA3"]
    df = mobi[cols].copy()
    rng = np.random.default_rng(9)
    holes = rng.random(df.shape) < 0.05
    df = df.mask(holes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", acsi.MissingDataWarning)
        res = acsi.pls(model, df, missing="mean")
    assert res.missing_mask is not None and res.missing_mask.sum() == holes.sum()
    # a result that does not record the missing values cannot be bootstrapped with "mean"
    bare = SimpleNamespace(spec=res.spec, data=SimpleNamespace(X=res.data.X, index=res.data.index),
                           settings=res.settings, kernel=res.kernel)
    with pytest.raises(acsi.AcsiError, match="missing_mask"):
        bootstrap_pls(bare, n=10, seed=1)
    idx = rng.integers(0, len(df), size=(4, len(df)))
    boot = res.bootstrap(indices=idx)
    paths = boot.draws["paths"].iloc[:, 0].to_numpy()
    weights = boot.draws["weights"].to_numpy()
    for b in range(4):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", acsi.MissingDataWarning)
            refit = acsi.pls(model, df.iloc[idx[b]].reset_index(drop=True), missing="mean")
        assert paths[b] == pytest.approx(refit.kernel.B[0, 1], abs=1e-12)
        np.testing.assert_allclose(weights[b], refit.kernel.W[refit.spec.mask.astype(bool)], atol=1e-12)
        np.testing.assert_allclose(boot.draws["index"].iloc[b].to_numpy(),
                                   refit.index().table["index"].to_numpy(), atol=1e-10)
    assert boot.settings["missing"] == "mean"


def test_inadmissible_replicates_are_counted(mobi):
    # PLSc on the full ECSI model is inadmissible (|path| > 1) in many resamples
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", acsi.InadmissibleSolutionWarning)
        res = acsi.pls(M2, mobi, consistent=True)
    boot = res.bootstrap(n=60, seed=5)
    big = (boot.draws["paths"].abs() > 1).any(axis=1).sum()
    assert big > 0
    assert boot.n_inadmissible >= big
    assert boot.n_inadmissible <= boot.n - boot.n_failed
    assert "inadmissible" in boot.summary()


def test_progress_bar_with_tqdm(m2):
    pytest.importorskip("tqdm")
    boot = m2.bootstrap(n=50, seed=2, progress=True)
    assert boot.n == 50


def test_large_sample_uses_smaller_seed_blocks_and_stays_exact():
    from acsi.plspm.bootstrap import seed_block_size

    rng = np.random.default_rng(0)
    n = 60_000
    f = rng.normal(size=n)
    g = 0.5 * f + rng.normal(size=n)
    df = pd.DataFrame({"a1": f + rng.normal(size=n), "a2": f + rng.normal(size=n),
                       "b1": g + rng.normal(size=n), "b2": g + rng.normal(size=n)})
    res = acsi.pls("A =~ a1 + a2; B =~ b1 + b2; B ~ A", df)
    assert seed_block_size(n) < 100
    boot = res.bootstrap(n=12, seed=4, scale=(-100, 100))
    assert boot.settings["seed_block"] == seed_block_size(n)
    _same(boot, res.bootstrap(n=12, seed=4, scale=(-100, 100), chunk_size=5))
    # replicate 0 equals a refit on its rows (the first block's generator draws them)
    child = np.random.SeedSequence(4).spawn(1)[0]
    rows = np.random.default_rng(child).integers(0, n, size=(seed_block_size(n), n))[0]
    refit = acsi.pls("A =~ a1 + a2; B =~ b1 + b2; B ~ A", df.iloc[rows].reset_index(drop=True))
    assert boot.draws["paths"].iloc[0, 0] == pytest.approx(refit.kernel.B[0, 1], abs=1e-12)


def test_excel_export(m6b_boot, tmp_path):
    pytest.importorskip("openpyxl")
    path = m6b_boot.to_excel(tmp_path / "boot.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert {"paths", "loadings", "weights", "htmt", "total_indirect", "total_effects", "index"} <= set(sheets)


def test_bootstrap_result_is_immutable_and_comparable(m2):
    boot = m2.bootstrap(n=40, seed=11)
    before = boot.paths.copy()
    table = boot.paths
    table.loc[0, "est"] = 99.0
    draws = boot.draws
    draws.iloc[0, 0] = 99.0
    assert boot.draws.iloc[0, 0] != 99.0
    pd.testing.assert_frame_equal(boot.paths, before)
    with pytest.raises(ValueError):
        boot.draws_array[0, 0] = 99.0
    with pytest.raises(AttributeError):
        boot.n = 3  # type: ignore[misc]
    again = m2.bootstrap(n=40, seed=11, chunk_size=7)
    assert boot == again  # value equality (settings such as chunk_size are not compared)
    assert boot != m2.bootstrap(n=40, seed=12)


def test_inadmissible_count_uses_the_warning_rule(mobi):
    """n_inadmissible counts exactly the resamples whose refit acsi.pls warns about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", acsi.InadmissibleSolutionWarning)
        res = acsi.pls(M1, mobi, consistent=True)
    idx = np.random.default_rng(21).integers(0, len(mobi), size=(16, len(mobi)))
    boot = res.bootstrap(indices=idx)
    warned = 0
    for rows in idx:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            acsi.pls(M1, mobi.iloc[rows].reset_index(drop=True), consistent=True)
        warned += any(issubclass(w.category, acsi.InadmissibleSolutionWarning) for w in rec)
    assert boot.n_failed == 0
    assert 0 < warned < 16
    assert boot.n_inadmissible == warned


def test_resample_moments_one_row_block_equals_blockwise(mobi, r_indices):
    """With the products given and the data in one row block the sums are one product (no
    accumulation): the same numbers as the row-blocked route."""
    X = mobi.iloc[:, :24].to_numpy(float)
    mu = X.mean(axis=0)
    D = X - mu
    counts = batched.counts_from_indices(r_indices[:20], X.shape[0])
    one = batched.resample_moments(D, counts, mu, products=batched.pair_products(D))
    blocked = batched.resample_moments(D, counts, mu, row_block=64)
    plain = batched.resample_moments(D, counts, mu)
    for a, b, c in zip(one, blocked, plain):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)
        assert np.array_equal(a, c)  # same product, same bits
