"""BCa and studentized (bootstrap-t) intervals of the PLS bootstrap.

BCa is checked against scipy.stats.bootstrap (method="BCa") on the same resamples: a
model of two single-item constructs, whose path is the correlation of the two items.
The studentized interval is checked against a direct computation with numpy from the
documented seed scheme (one SeedSequence child per block of SEED_BLOCK resamples; the
block's outer rows, then each resample's inner rows in turn, drawn from it)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import acsi
from acsi.plspm.bootstrap import SEED_BLOCK


def _corr(a, b, axis=-1):
    a = a - a.mean(axis=axis, keepdims=True)
    b = b - b.mean(axis=axis, keepdims=True)
    return (a * b).sum(axis) / np.sqrt((a * a).sum(axis) * (b * b).sum(axis))


@pytest.mark.parametrize("method", ["BCa", "percentile"])
def test_intervals_equal_scipy_on_the_same_resamples(mobi, method):
    x = mobi["CUSA1"].to_numpy(float)
    y = mobi["CUSL1"].to_numpy(float)
    n = len(x)
    ref = st.bootstrap((x, y), _corr, paired=True, vectorized=True, n_resamples=999,
                       method=method, rng=np.random.default_rng(7))
    idx = np.random.default_rng(7).integers(0, n, (999, n))  # scipy's draws for paired data
    res = acsi.pls("X =~ CUSA1; Y =~ CUSL1; Y ~ X", mobi)
    boot = res.bootstrap(indices=idx, ci="bca" if method == "BCa" else "percentile")
    row = boot.paths.iloc[0]
    assert row["est"] == pytest.approx(_corr(x, y), abs=1e-14)
    assert row["boot_se"] == pytest.approx(ref.standard_error, abs=1e-12)
    assert row["ci_lower"] == pytest.approx(ref.confidence_interval.low, abs=1e-12)
    assert row["ci_upper"] == pytest.approx(ref.confidence_interval.high, abs=1e-12)
    assert boot.settings["ci"] == ("bca" if method == "BCa" else "percentile")


def test_bca_jackknife_uses_leave_one_out_refits(mobi):
    from acsi.plspm import bootstrap as bs

    model = (
        "Image =~ IMAG1 + IMAG2 + IMAG3; Sat =~ CUSA1 + CUSA2 + CUSA3; Loy =~ CUSL1 + CUSL3; "
        "Sat ~ Image; Loy ~ Sat + Image"
    )
    res = acsi.pls(model, mobi)
    boot = res.bootstrap(n=300, seed=3, ci="bca")
    X = res.data.X
    plan = bs.make_plan(res.spec)
    layout = bs._make_layout(res.spec, [], np.zeros(X.shape[1]), np.ones(X.shape[1]))
    problem = bs.BootstrapProblem(
        D=X - X.mean(0), center=X.mean(0), raw=None, keep=None, plan=plan, layout=layout,
        scheme="path", consistent=False, tol=1e-7, max_iter=300,
    )
    jack = bs._jackknife(problem, X.shape[0])
    for i in (0, 101, 249):
        refit = acsi.pls(model, mobi.drop(index=mobi.index[i]))
        np.testing.assert_allclose(jack[i, :3], refit.kernel.B[res.spec.inner], atol=1e-12)
    # BCa bounds differ from the percentile ones but bracket the estimate here
    pct = res.bootstrap(n=300, seed=3)
    assert not np.allclose(boot.paths.ci_lower, pct.paths.ci_lower)
    assert (boot.paths.ci_lower < boot.paths.est).all() and (boot.paths.est < boot.paths.ci_upper).all()


def test_studentized_equals_direct_bootstrap_t(mobi):
    x = mobi["CUSA1"].to_numpy(float)
    y = mobi["CUSL1"].to_numpy(float)
    n, nboot, m, seed = len(x), 230, 15, 42
    res = acsi.pls("X =~ CUSA1; Y =~ CUSL1; Y ~ X", mobi)
    boot = res.bootstrap(n=nboot, seed=seed, ci="studentized", n_inner=m, level=0.9)
    children = np.random.SeedSequence(seed).spawn(-(-nboot // SEED_BLOCK))
    theta, se_in = [], []
    for blk, child in enumerate(children):
        size = min(SEED_BLOCK, nboot - blk * SEED_BLOCK)
        rng = np.random.default_rng(child)
        rows = rng.integers(0, n, (size, n))
        for b in range(size):
            r = rows[b]
            theta.append(_corr(x[r], y[r]))
            ri = r[rng.integers(0, n, (m, n))]  # (m, n) rows of the inner resamples
            se_in.append(np.std(_corr(x[ri], y[ri], axis=1), ddof=1))
    theta = np.array(theta)
    est = _corr(x, y)
    se = theta.std(ddof=1)
    tstar = (theta - est) / np.array(se_in)
    q = np.quantile(tstar, [0.05, 0.95])
    row = boot.paths.iloc[0]
    assert row["boot_se"] == pytest.approx(se, abs=1e-12)
    assert row["ci_lower"] == pytest.approx(est - q[1] * se, abs=1e-10)
    assert row["ci_upper"] == pytest.approx(est - q[0] * se, abs=1e-10)
    # the same seed gives the same interval however it is chunked
    again = res.bootstrap(n=nboot, seed=seed, ci="studentized", n_inner=m, level=0.9, chunk_size=70)
    assert again.paths.iloc[0]["ci_lower"] == row["ci_lower"]
