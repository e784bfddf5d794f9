"""FIML's per-row work on large data: pattern keys, pattern sums by blocks, and the
statistics taken from the patterns instead of the rows (issue 14).

Each route is checked against the definition computed row by row (numpy, pandas), to
1e-12 relative: the pattern codes against numpy's lexicographic unique of the packed
rows; the pattern means and covariances of the blocked route (data above the small-data
threshold, a pattern spanning several blocks, weights) against each pattern's rows; the
available-case means and pairwise covariances against pandas' pairwise ``cov``; the
baseline model's means and variances against the observed values of each column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from acsi.cbsem import missing
from acsi.cbsem.fiml_kernel import fiml_baseline, saturated_moments
from acsi.cbsem.missing import _pattern_codes, available_moments, missing_patterns

RTOL = 1e-12


def _holes(n: int, p: int, seed: int, blocks: bool = True) -> np.ndarray:
    """Correlated data with a few missing-data patterns (blocks of skipped items) and some
    single holes, on a non-zero offset (so that raw sums would lose digits)."""
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, 1))
    y = 50.0 + f @ rng.uniform(0.5, 1.0, (1, p)) + rng.standard_normal((n, p))
    if blocks:
        for j in range(0, p - 2, 3):
            y[rng.random(n) < 0.15, j : j + 2] = np.nan
    y[rng.random((n, p)) < 0.002] = np.nan
    y[rng.random(n) < 0.001] = np.nan  # a few empty rows
    return y


@pytest.mark.parametrize("p", [5, 30, 70])
def test_pattern_codes_sort_like_numpy_unique(p: int) -> None:
    rng = np.random.default_rng(p)
    obs = rng.random((5000, p)) < 0.8
    obs[:50] = True
    observed, inverse = _pattern_codes(obs)
    codes, inv = np.unique(np.packbits(obs, axis=1), axis=0, return_inverse=True)
    assert np.array_equal(observed, np.unpackbits(codes, axis=1, count=p).astype(bool))
    assert np.array_equal(inverse, inv.reshape(-1))
    assert np.array_equal(observed[inverse], obs)


def _by_definition(y: np.ndarray, w: np.ndarray, mp: missing.MissingPatterns) -> tuple[np.ndarray, np.ndarray]:
    pmean = np.zeros_like(mp.pmean)
    pcov = np.zeros_like(mp.pcov)
    for g in range(mp.n_patterns):
        rows = np.flatnonzero(mp.row_pattern == g)
        cols = np.flatnonzero(mp.observed[g])
        yg, wg = y[np.ix_(rows, cols)], w[rows]
        m = wg @ yg / wg.sum()
        d = yg - m
        pmean[g, cols] = m
        pcov[g, cols[:, None], cols[None, :]] = (d * wg[:, None]).T @ d / wg.sum()
    return pmean, pcov


@pytest.mark.parametrize("weighted", [False, True])
def test_blocked_pattern_sums_equal_the_definition(weighted: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(missing, "_PATTERN_BLOCK", 4096)  # the complete pattern spans many blocks
    y = _holes(30_000, 12, seed=3)
    assert y.shape[0] * 12 * 12 > 4_000_000  # the large-data route
    w = np.random.default_rng(4).uniform(0.2, 3.0, y.shape[0]) if weighted else np.ones(y.shape[0])
    mp = missing_patterns(y, w if weighted else None)
    assert int(np.bincount(mp.row_pattern[mp.row_pattern >= 0]).max()) > 3 * 4096
    pmean, pcov = _by_definition(y, w, mp)
    np.testing.assert_allclose(mp.pmean, pmean, rtol=RTOL, atol=1e-10)
    np.testing.assert_allclose(mp.pcov, pcov, rtol=RTOL, atol=1e-12)
    assert np.array_equal(mp.pcov, np.swapaxes(mp.pcov, 1, 2))


def test_blocked_and_small_routes_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    y = _holes(3000, 8, seed=5)
    small = missing_patterns(y)
    monkeypatch.setattr(missing, "_PATTERN_BLOCK", 256)
    real = missing._pattern_sums
    called = []

    def spy(*args: object) -> tuple[np.ndarray, np.ndarray]:
        called.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(missing, "_pattern_sums", spy)
    y_big = np.tile(y, (80, 1))  # 240,000 rows: the large-data route; the same pattern moments
    big = missing_patterns(y_big)
    assert called
    assert np.array_equal(small.observed, big.observed)
    np.testing.assert_allclose(big.pmean, small.pmean, rtol=RTOL, atol=1e-10)
    np.testing.assert_allclose(big.pcov, small.pcov, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(big.freq, 80 * small.freq, rtol=0, atol=0)


def test_available_moments_equal_pairwise_statistics() -> None:
    y = _holes(2000, 9, seed=6)
    mp = missing_patterns(y)
    mean, cov = available_moments(mp, y.shape[0])
    frame = pd.DataFrame(y)
    n = y.shape[0]
    np.testing.assert_allclose(mean, frame.mean().to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(cov, frame.cov().to_numpy() * (n - 1) / n, rtol=1e-11)


@pytest.mark.parametrize("weighted", [False, True])
def test_baseline_moments_equal_each_columns_observed_values(weighted: bool) -> None:
    y = _holes(2000, 7, seed=7)
    w = np.random.default_rng(8).uniform(0.5, 2.0, y.shape[0]) if weighted else None
    mp = missing_patterns(y, w)
    em = saturated_moments(y, mp, weights=w)
    base = fiml_baseline(y, mp, em, None, w)
    ww = np.ones(y.shape[0]) if w is None else w
    for j in range(y.shape[1]):
        ok = ~np.isnan(y[:, j])
        m = ww[ok] @ y[ok, j] / ww[ok].sum()
        v = ww[ok] @ (y[ok, j] - m) ** 2 / ww[ok].sum()
        assert base.mean[j] == pytest.approx(m, rel=RTOL)
        assert base.cov[j, j] == pytest.approx(v, rel=RTOL)


def _many_patterns(p: int, n: int, frac: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((p, p))
    sigma = a @ a.T + p * np.eye(p)
    y = rng.multivariate_normal(np.zeros(p), sigma, size=n)
    y[rng.random(y.shape) < frac] = np.nan
    y[:40, : p // 2] = np.nan  # patterns missing half the variables: the direct route
    return y, sigma


@pytest.mark.parametrize("p", [16, 24])
def test_schur_inverses_equal_the_direct_factorisation(p: int) -> None:
    y, sigma = _many_patterns(p, 4000, 0.08, seed=p)
    mp = missing_patterns(y)
    nmiss = p - mp.observed.sum(axis=1)
    assert mp.n_patterns >= missing._SCHUR_MIN_PATTERNS and p >= missing._SCHUR_MIN_P
    assert (nmiss > p // 4).any() and ((nmiss > 0) & (nmiss <= p // 4)).any()  # both routes
    inv, logdet, _ = missing._padded_terms(mp, np.zeros(p), sigma)
    inv_d, logdet_d = missing._direct_terms(mp.omask, sigma)
    np.testing.assert_allclose(inv, inv_d, rtol=0, atol=1e-13 * np.abs(inv_d).max())
    np.testing.assert_allclose(logdet, logdet_d, rtol=RTOL)
    assert np.array_equal(inv, np.swapaxes(inv, 1, 2))
    assert not inv[(mp.omask[:, :, None] * mp.omask[:, None, :]) == 0].any()  # exact zero padding


def test_schur_route_falls_back_when_sigma_is_not_positive_definite() -> None:
    y, sigma = _many_patterns(16, 3000, 0.08, seed=9)
    mp = missing_patterns(y)
    bad = sigma.copy()
    bad[0, 1] = bad[1, 0] = 2.0 * np.sqrt(bad[0, 0] * bad[1, 1])  # x0, x1 impossible together
    with pytest.raises(np.linalg.LinAlgError):
        missing._padded_terms(mp, np.zeros(16), bad)


@pytest.mark.parametrize(("p", "n"), [(6, 300), (16, 3000)])
def test_expected_quadratic_equals_the_information_matrix(p: int, n: int) -> None:
    """``z' I z`` without the matrix (O(G p^3), the FIML GFI's weight) equals the quadratic
    form of ``-moment_hessian(observed=False)`` (the p* x p* matrix), for several rows at
    once, with a few patterns (p = 6) and with many (p = 16: the Schur route)."""
    from acsi.cbsem.fiml_kernel import moment_hessian

    y, sigma = _many_patterns(p, n, 0.08, seed=p + 1)
    mp = missing_patterns(y)
    rng = np.random.default_rng(p)
    mu = rng.standard_normal(p)
    z = rng.standard_normal((3, p + p * (p + 1) // 2))
    full = -moment_hessian(mp, mu, sigma, observed=False)
    want = np.einsum("ri,ij,rj->r", z, full, z)
    np.testing.assert_allclose(missing.expected_quadratic(mp, mu, sigma, z), want, rtol=RTOL)
    np.testing.assert_allclose(missing.expected_quadratic(mp, mu, sigma, z[1]), want[1:2], rtol=RTOL)
