"""acsi.cbsem.ordinal against lavaan 0.6-14 (tests/reference/make_reference_issue10.R).

Tolerances (and why)
--------------------
- Thresholds: rtol 1e-12 (closed form; measured ~4e-15).
- Correlations against ``cor_tight`` (lavaan's own two-step objective solved to the root of
  its gradient by uniroot, tol 1e-15): atol 1e-11 (measured <= 1.6e-13).
- Correlations against lavaan's ``sampstat`` (what a fit uses): lavaan's step 2 stops
  nlminb at rel.tol 1e-10, which leaves its correlations up to ~2.5e-8 from the root of the
  score (the score at lavaan's rho is ~1e-6, ours ~1e-14): atol 1e-7 (measured <= 2.5e-8).
- NACOV (Gamma): it is a function of the correlations, so lavaan's stopping error carries
  into it: rtol 1e-5 with atol 1e-7 * max|Gamma| for elements near zero (measured: largest
  difference <= 2.2e-8 * max|Gamma|). DWLS weights 1/diag(Gamma): rtol 1e-6 (measured
  <= 1e-7).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from acsi.cbsem.ordinal import (
    bvn_cdf,
    bvn_pdf,
    ordinal_codes,
    ordinal_moments,
    polychoric,
    polyserial,
    thresholds,
)
from acsi.exceptions import DataError

REF = Path(__file__).parent / "data" / "lavaan_issue10"
CASES = [
    "hs_cat3_wlsmv_delta", "hs_cat3_wlsmv_theta", "hs_cat5_wlsmv_delta", "hs_cat5_wlsmv_theta",
    "hs_cat7_wlsmv_delta", "hs_cat7_wlsmv_theta", "mobi_ord10_wlsmv", "hs_mixed_wlsmv",
]


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> tuple[dict, object]:
    ref = json.loads((REF / f"{request.param}.json").read_text())
    names = ref["ov_names"]
    data = pd.read_csv(REF / ref["data"])[names].to_numpy(float)
    om = ordinal_moments(data, [v in ref["ordered"] for v in names], names)
    return ref, om


def test_thresholds(case: tuple[dict, object]) -> None:
    ref, om = case
    th = ref["sampstat"]["th"]
    mine = om.th[om.ordered[om.th_item]]
    names = [n for n in om.th_names if "|" in n]
    assert names == list(th)
    np.testing.assert_allclose(mine, list(th.values()), rtol=1e-12)
    np.testing.assert_allclose(mine, np.concatenate([ref["th_marginal"][v] for v in ref["ordered"]]), rtol=1e-12)


def test_means_and_variances_of_continuous_items(case: tuple[dict, object]) -> None:
    ref, om = case
    mean = ref["sampstat"]["mean"]
    cont = ~om.ordered
    np.testing.assert_allclose(om.th[cont[om.th_item]], [mean[v] for v, c in zip(om.names, cont) if c], rtol=1e-12)
    np.testing.assert_allclose(np.diag(om.cov), np.diag(np.asarray(ref["sampstat"]["cov"])), rtol=1e-9)


def test_correlations_tight(case: tuple[dict, object]) -> None:
    ref, om = case
    np.testing.assert_allclose(om.cor, ref["cor_tight"], rtol=0, atol=1e-11)


def test_correlations_lavaan_sampstat(case: tuple[dict, object]) -> None:
    ref, om = case
    np.testing.assert_allclose(om.cov, ref["sampstat"]["cov"], rtol=0, atol=1e-7)


def test_nacov(case: tuple[dict, object]) -> None:
    ref, om = case
    gamma = np.asarray(ref["gamma"])
    assert om.nacov.shape == gamma.shape
    np.testing.assert_allclose(om.nacov, gamma, rtol=1e-5, atol=1e-7 * np.abs(gamma).max())


def test_dwls_weight_and_wls_obs(case: tuple[dict, object]) -> None:
    ref, om = case
    np.testing.assert_allclose(om.wls_v_diag, ref["wls_v_diag"], rtol=1e-6)
    np.testing.assert_allclose(om.wls_obs, ref["wls_obs"], rtol=0, atol=1e-7)


def test_bvn_cdf_against_scipy() -> None:
    rng = np.random.default_rng(0)
    h = rng.normal(scale=1.5, size=40)
    k = rng.normal(scale=1.5, size=40)
    fixed = [0.93, -0.95, 0.999, -0.999, 0.0, 0.5, -0.5, 0.3, 0.75, -0.75]
    r = np.concatenate([rng.uniform(-0.99, 0.99, size=30), fixed])
    mine = bvn_cdf(h, k, r)
    ref = [
        multivariate_normal.cdf([a, b], cov=[[1, c], [c, 1]], abseps=1e-12, releps=1e-12)
        for a, b, c in zip(h, k, r)
    ]
    np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-9)


def test_bvn_cdf_identities() -> None:
    assert bvn_cdf(0.0, 0.0, 0.5) == pytest.approx(1 / 4 + np.arcsin(0.5) / (2 * np.pi), abs=1e-15)
    assert bvn_cdf(0.0, 0.0, -0.95) == pytest.approx(1 / 4 + np.arcsin(-0.95) / (2 * np.pi), abs=1e-15)
    assert bvn_cdf(-np.inf, 1.0, 0.2) == 0.0
    assert bvn_cdf(np.inf, np.inf, 0.2) == 1.0
    # the density integrates to the distribution function: d^2 Phi2 / dh dk = phi2
    e = 1e-4
    num = (bvn_cdf(0.3 + e, -0.2 + e, 0.4) - bvn_cdf(0.3 - e, -0.2 + e, 0.4)
           - bvn_cdf(0.3 + e, -0.2 - e, 0.4) + bvn_cdf(0.3 - e, -0.2 - e, 0.4)) / (4 * e * e)
    assert num == pytest.approx(float(bvn_pdf(0.3, -0.2, 0.4)), rel=1e-6)


def test_polychoric_pair_function_matches_moments() -> None:
    d = pd.read_csv(REF / "hs_cat5.csv")
    c1, _ = ordinal_codes(d["x1"].to_numpy())
    c2, _ = ordinal_codes(d["x2"].to_numpy())
    om = ordinal_moments(d[["x1", "x2"]].to_numpy(float), [True, True])
    assert polychoric(c2, c1) == pytest.approx(om.cor[1, 0], abs=1e-13)


def test_polyserial_pair_function_matches_moments() -> None:
    d = pd.read_csv(REF / "hs_mixed.csv")
    c, _ = ordinal_codes(d["x1"].to_numpy())
    om = ordinal_moments(d[["x1", "x5"]].to_numpy(float), [True, False])
    assert polyserial(d["x5"].to_numpy(), c) == pytest.approx(om.cor[1, 0], abs=1e-13)


def test_thresholds_closed_form() -> None:
    np.testing.assert_allclose(thresholds(np.array([0, 1, 1, 2])), [-0.6744897501960817, 0.6744897501960817])


def test_empty_category_between_used_ones_names_the_item() -> None:
    x = np.array([1, 2, 2, 4, 5, 5, 1], dtype=float)
    with pytest.raises(DataError, match=r"'Q7'.*category \[3\.0\]"):
        ordinal_codes(x, "Q7", levels=[1, 2, 3, 4, 5])
    codes, cats = ordinal_codes(x, "Q7")  # without a scale: observed values are categories
    assert cats.tolist() == [1, 2, 4, 5]


def test_value_outside_levels() -> None:
    with pytest.raises(DataError, match="'Q1' has values \\[6.0\\]"):
        ordinal_codes(np.array([1.0, 6.0, 2.0]), "Q1", levels=[1, 2, 3, 4, 5])


def test_binary_item_with_one_observed_value_names_the_item() -> None:
    y = np.column_stack([np.ones(10), np.arange(10) % 2])
    with pytest.raises(DataError, match="'b1' has only one observed value"):
        ordinal_moments(y, [True, True], names=["b1", "b2"])


def test_missing_values_are_an_error() -> None:
    y = np.column_stack([np.array([1, 2, np.nan, 1]), np.array([1, 2, 2, 1])])
    with pytest.raises(DataError, match="'a' has missing"):
        ordinal_moments(y, [True, True], names=["a", "b"])


def test_two_by_two_with_an_empty_cell() -> None:
    # lavaan's zero.add = 0.5 on the diagonal keeping the margins
    c1 = np.array([0] * 20 + [1] * 10)
    c2 = np.array([0] * 15 + [1] * 5 + [1] * 10)  # cell (1, 0) empty
    # lavaan:::lav_bvord_cor_twostep_fit(c1 + 1, c2 + 1) = 0.896181147433 (printed to 12
    # digits; its nlminb stop leaves ~1e-9)
    assert polychoric(c1, c2) == pytest.approx(0.896181147433, abs=2e-9)


def test_results_are_read_only() -> None:
    d = pd.read_csv(REF / "hs_cat3.csv")[["x1", "x2", "x3"]].to_numpy(float)
    om = ordinal_moments(d, [True] * 3)
    with pytest.raises(ValueError):
        om.nacov[0, 0] = 1.0
