"""PLS vs CB-SEM sanity check on data simulated from a known model (seeded).

Population (standardized latent variables): M = 0.5 X + e, Y = 0.3 X + 0.4 M + e, three or
four indicators per construct with loadings 0.6-0.85. n = 5000, so a standardized path
estimate has a sampling SD of about 1/sqrt(n) * 1.2 ~ 0.017: PLSc (consistent) must be
within 0.06 (~3.5 SD) of the true paths and loadings. PLSc and ML CB-SEM (semopy 2.3,
standardized) estimate the same population values from the same data, so they must agree
more tightly (0.02). Mode A PLS without correction is attenuated by measurement error:
its paths must lie clearly below the PLSc ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import acsi

MODEL = """
X =~ x1 + x2 + x3
M =~ m1 + m2 + m3 + m4
Y =~ y1 + y2 + y3
M ~ X
Y ~ X + M
"""
TRUE_PATHS = {("X", "M"): 0.5, ("X", "Y"): 0.3, ("M", "Y"): 0.4}
LAMBDA = {"x": [0.8, 0.7, 0.75], "m": [0.85, 0.7, 0.6, 0.75], "y": [0.8, 0.8, 0.65]}


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    rng = np.random.default_rng(20261122)
    n = 5000
    X = rng.standard_normal(n)
    M = 0.5 * X + np.sqrt(1 - 0.25) * rng.standard_normal(n)
    var_y = 0.3**2 + 0.4**2 + 2 * 0.3 * 0.4 * 0.5
    Y = 0.3 * X + 0.4 * M + np.sqrt(1 - var_y) * rng.standard_normal(n)
    cols = {}
    for name, eta in (("x", X), ("m", M), ("y", Y)):
        for i, lam in enumerate(LAMBDA[name]):
            cols[f"{name}{i + 1}"] = lam * eta + np.sqrt(1 - lam * lam) * rng.standard_normal(n)
    return pd.DataFrame(cols)


def test_plsc_recovers_true_values(simulated):
    res = acsi.pls(MODEL, simulated, consistent=True)
    for (s, t), b in TRUE_PATHS.items():
        assert res.paths.loc[s, t] == pytest.approx(b, abs=0.06)
    for name, lams in LAMBDA.items():
        for i, lam in enumerate(lams):
            assert res.loadings.loc[f"{name}{i + 1}", name.upper()] == pytest.approx(lam, abs=0.06)
    # population R2 of Y: b' Sigma b = 0.37
    assert res.r_squared["Y"] == pytest.approx(0.37, abs=0.06)


def test_mode_a_is_attenuated(simulated):
    plsc = acsi.pls(MODEL, simulated, consistent=True)
    mode_a = acsi.pls(MODEL, simulated)
    assert mode_a.paths.loc["X", "M"] < plsc.paths.loc["X", "M"] - 0.05
    assert mode_a.r_squared["Y"] < plsc.r_squared["Y"]


def test_plsc_agrees_with_cbsem(simulated):
    semopy = pytest.importorskip("semopy")
    res = acsi.pls(MODEL, simulated, consistent=True)
    m = semopy.Model(MODEL)
    m.fit(simulated)
    est = m.inspect(std_est=True)
    paths = est[est["op"] == "~"]
    for (s, t) in TRUE_PATHS:
        row = paths[(paths["lval"] == t) & (paths["rval"] == s)]
        assert res.paths.loc[s, t] == pytest.approx(float(row["Est. Std"].iloc[0]), abs=0.02)
    loads = est[(est["op"] == "~") & est["rval"].isin(["X", "M", "Y"]) & est["lval"].str.match(r"[xmy]\d")]
    for _, row in loads.iterrows():
        assert res.loadings.loc[row["lval"], row["rval"]] == pytest.approx(row["Est. Std"], abs=0.02)
    assert len(loads) == 10
