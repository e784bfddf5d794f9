"""The synthetic e-banking data set reproduces every figure the seed report published."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from acsi.datasets import load_ebanking
from acsi.datasets.ebanking import (
    CATEGORIES,
    DEFAULT_SEED,
    DIMENSIONS,
    PUBLISHED,
    SATISFACTION_ITEMS,
    generate_ebanking,
)

SEEDS = [DEFAULT_SEED, 1, 2, 12345]


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return load_ebanking()


def _counts(s: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in s.value_counts(sort=False).items()}


def test_shipped_file_is_the_generator_output(shipped):
    pd.testing.assert_frame_equal(shipped, generate_ebanking(DEFAULT_SEED))
    assert shipped.attrs["seed"] == DEFAULT_SEED


def test_labelled_synthetic(shipped):
    a = shipped.attrs
    assert a["synthetic"] is True
    assert "SYNTHETIC" in a["source"]
    assert a["note"] == "synthetic reconstruction; reproduces published marginals only"
    assert a["scale"] == (1, 10)
    assert set(a["questions"]) == set(shipped.columns)
    assert "SYNTHETIC" in load_ebanking.__doc__ and "SYNTHETIC" in generate_ebanking.__doc__


def test_columns_and_types(shipped):
    assert shipped.shape == (54, 21)
    for q, labels in CATEGORIES.items():
        assert isinstance(shipped[q].dtype, pd.CategoricalDtype)
        assert list(shipped[q].cat.categories) == labels
        assert shipped[q].cat.ordered == (q != "Q1")
        assert shipped[q].notna().all()
    for c in ["Q7_shopping", "Q7_topup", "Q7_transfer", "Q7_tickets", "Q7_investing"]:
        assert set(shipped[c].unique()) <= {0, 1}
    for k in range(8, 18):
        col = shipped[f"Q{k}"]
        assert col.dtype == np.int64 and col.between(1, 10).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_profile_figures(seed):
    df = generate_ebanking(seed)
    assert _counts(df["Q1"]) == {"male": 30, "female": 24}
    assert round(100 * 30 / 54) == 56 and round(100 * 24 / 54) == 44
    q2 = _counts(df["Q2"])
    assert q2["18-29"] == 44 and round(100 * 44 / 54) == 81
    assert sum(q2.values()) == 54 and all(v > 0 for v in q2.values())  # the rest spread
    q3 = _counts(df["Q3"])
    assert (q3["associate/bachelor"], q3["master's"], q3["high school"]) == (34, 8, 6)
    assert [round(100 * x / 54) for x in (34, 8, 6)] == [63, 15, 11]
    assert q3["below high school"] + q3["above master's"] == 6
    q4 = _counts(df["Q4"])
    assert q4["<1000"] == 26 and q4["2000-3000"] == 10
    assert round(100 * 26 / 54) == 48 and round(100 * 10 / 54) == 19
    others = [q4["1000-2000"], q4["3000-5000"], q4[">5000"]]
    assert sum(others) == 18 and max(others) - min(others) <= 2  # "differ little"


@pytest.mark.parametrize("seed", SEEDS)
def test_usage_figures(seed):
    df = generate_ebanking(seed)
    assert _counts(df["Q5"]) == PUBLISHED["Q5"] == dict(zip(CATEGORIES["Q5"], [26, 16, 4, 4, 4]))
    assert _counts(df["Q6"]) == PUBLISHED["Q6"] == dict(zip(CATEGORIES["Q6"], [36, 10, 4, 2, 2]))
    # printed percentages (the report prints 31 % for 16/54 = 29.6 %)
    assert [round(100 * x / 54) for x in (26, 4)] == [48, 7]
    # (10/54 = 18.5 % is printed as 18 %)
    assert [round(100 * x / 54) for x in (36, 4, 2)] == [67, 7, 4] and int(100 * 10 / 54) == 18
    # this bank's use never exceeds use of online banking in general
    assert (df["Q6"].cat.codes <= df["Q5"].cat.codes).all()
    # and it is not a fixed pairing: some respondents use other banks more
    assert (df["Q6"].cat.codes < df["Q5"].cat.codes).sum() > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_functions_used(seed):
    df = generate_ebanking(seed)
    q7 = df[["Q7_shopping", "Q7_topup", "Q7_transfer", "Q7_tickets", "Q7_investing"]]
    assert q7.sum().to_dict() == PUBLISHED["Q7"] == {
        "Q7_shopping": 48, "Q7_topup": 20, "Q7_transfer": 8, "Q7_tickets": 8, "Q7_investing": 6}
    assert [round(100 * x / 54) for x in (48, 20, 8, 6)] == [89, 37, 15, 11]
    assert (q7.sum(axis=1) >= 1).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_item_bins(seed):
    df = generate_ebanking(seed)
    for item, (dis, neu, agr) in PUBLISHED["bins"].items():
        x = df[item]
        assert (int((x <= 4).sum()), int(x.between(5, 6).sum()), int((x >= 7).sum())) == (dis, neu, agr), item
    # the "as printed" readings
    assert int((df["Q8"] >= 5).sum()) == 44 and int((df["Q9"] >= 5).sum()) == 46
    assert int((df["Q10"] >= 5).sum()) == 44 and int((df["Q11"] >= 5).sum()) == 40
    assert int((df["Q13"] <= 6).sum()) == 39 and round(100 * 21 / 54) == 39


@pytest.mark.parametrize("seed", SEEDS)
def test_pooled_satisfaction(seed):
    df = generate_ebanking(seed)
    x = df[SATISFACTION_ITEMS].to_numpy()
    assert x.size == 432
    agree, disagree = int((x >= 7).sum()), int((x <= 4).sum())
    assert (agree, disagree) == (251, 73)
    assert round(100 * agree / 432) == 58 and round(100 * disagree / 432) == 17
    rest = df[["Q12", "Q14", "Q15"]].to_numpy()
    assert int((rest >= 7).sum()) == 108 and int((rest <= 4).sum()) == 10
    # Q12 "fairly good": most agree, few disagree
    assert (df["Q12"] >= 7).mean() > 0.6 and (df["Q12"] <= 4).mean() < 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_satisfied_but_not_loyal(seed):
    df = generate_ebanking(seed)
    sat = df[SATISFACTION_ITEMS].mean(axis=1)
    satisfied = sat >= 7
    loyal = (df["Q16"] >= 7) & (df["Q17"] >= 7)
    assert satisfied.sum() >= 10
    assert (satisfied & ~loyal).sum() >= 3
    # loyalty is rarer than satisfaction, as the report concludes
    assert (df[["Q16", "Q17"]] >= 7).to_numpy().mean() < (df[SATISFACTION_ITEMS] >= 7).to_numpy().mean()


def test_generator_is_seeded():
    a, b = generate_ebanking(7), generate_ebanking(7)
    pd.testing.assert_frame_equal(a, b)
    assert not generate_ebanking(8)[["Q8", "Q9"]].equals(a[["Q8", "Q9"]])


def test_correlations_plausible(shipped):
    items = [f"Q{k}" for k in range(8, 18)]
    r = shipped[items].corr().to_numpy()
    assert (r[np.triu_indices(len(items), 1)] > 0).all()
    for dim, its in DIMENSIONS.items():
        if len(its) > 1:
            sub = shipped[its].corr().to_numpy()
            assert sub[np.triu_indices(len(its), 1)].min() > 0.4, dim
    # satisfaction drives loyalty
    sat = shipped[SATISFACTION_ITEMS].mean(axis=1)
    assert np.corrcoef(sat, shipped[["Q16", "Q17"]].mean(axis=1))[0, 1] > 0.5


def _pls_mode_a(X: np.ndarray, blocks: list[list[int]], inner: np.ndarray, tol: float = 1e-10):
    """A minimal Wold PLS (mode A, path weighting scheme) written for this test only."""
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    n = Z.shape[0]
    W = [np.ones(len(b)) for b in blocks]
    for it in range(1, 301):
        Y = np.column_stack([Z[:, b] @ w for b, w in zip(blocks, W)])
        Y = (Y - Y.mean(0)) / Y.std(0, ddof=1)
        C = np.corrcoef(Y, rowvar=False)
        E = np.zeros_like(C)
        for j in range(len(blocks)):
            pred = np.where(inner[j] == 1)[0]  # predecessors of j
            succ = np.where(inner[:, j] == 1)[0]
            E[succ, j] = C[succ, j]
            if len(pred):
                E[pred, j] = np.linalg.solve(C[np.ix_(pred, pred)], C[pred, j])
        T = Y @ E
        new = [Z[:, b].T @ T[:, j] / (n - 1) for j, b in enumerate(blocks)]
        new = [w / np.std(Z[:, b] @ w, ddof=1) for w, b in zip(new, blocks)]
        if max(np.max(np.abs(a - b)) for a, b in zip(new, W)) < tol:
            return new, C, it
        W = new
    raise AssertionError("PLS did not converge")


def test_pls_on_ebanking_positive_paths(shipped):
    """SERVQUAL dimensions -> loyalty by PLS: converges, positive paths, high loadings."""
    lvs = ["tangibles", "responsiveness", "empathy", "loyalty"]
    cols = [c for lv in lvs for c in DIMENSIONS[lv]]
    blocks, k = [], 0
    for lv in lvs:
        blocks.append(list(range(k, k + len(DIMENSIONS[lv]))))
        k += len(DIMENSIONS[lv])
    inner = np.zeros((4, 4), dtype=int)
    inner[3, :3] = 1  # loyalty <- the three dimensions
    X = shipped[cols].to_numpy(float)
    W, C, iterations = _pls_mode_a(X, blocks, inner)
    beta = np.linalg.solve(C[:3, :3], C[:3, 3])
    r2 = float(C[:3, 3] @ beta)
    assert iterations < 100
    assert (beta > 0).all() and r2 > 0.3
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    for w, b in zip(W, blocks):
        score = Z[:, b] @ w
        loadings = [np.corrcoef(score, Z[:, j])[0, 1] for j in b]
        assert min(loadings) > 0.7


@pytest.mark.parametrize("consistent", [False, True])
def test_acsi_pls_on_ebanking(shipped, consistent):
    """acsi.pls on the shipped SERVQUAL -> loyalty model: converges without any warning,
    positive paths, R-squared of loyalty above 0.3."""
    import warnings

    import acsi
    from acsi.datasets.ebanking import MODEL

    assert shipped.attrs["model"] == MODEL
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = acsi.pls(MODEL, shipped, consistent=consistent)
    assert res.converged
    paths = res.paths.loc[["Tangibles", "Assurance", "Responsiveness", "Empathy"], "Loyalty"]
    assert (paths > 0).all()
    assert res.r_squared["Loyalty"] > 0.3


def test_answers_keep_the_latent_ordering():
    """Each rating item is a non-decreasing function of its latent score (the rank assignment)."""
    from acsi.datasets.ebanking import RATING_ITEMS, _latent

    for seed in (DEFAULT_SEED, 3):
        df = generate_ebanking(seed)
        latent = _latent(np.random.default_rng(seed), 54)  # the generator draws these first
        for item in RATING_ITEMS:
            order = np.argsort(latent[item])
            assert (np.diff(df[item].to_numpy()[order]) >= 0).all(), item
