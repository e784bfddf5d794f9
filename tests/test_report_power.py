"""Power of a path's test (report limitations) against statsmodels' F-test power."""

from __future__ import annotations

import pytest
from statsmodels.stats.power import FTestPowerF2

import acsi
from acsi.stats.power import inverse_sqrt_min_n, n_for_power, path_power


@pytest.mark.parametrize("f2,n,k", [(0.02, 54, 4), (0.15, 54, 4), (0.35, 30, 2), (0.185, 250, 3), (0.0, 100, 1)])
def test_power_equals_statsmodels(f2: float, n: int, k: int) -> None:
    # statsmodels' noncentrality is f2 (df_num + df_denom + ncc); ncc = k gives f2 * n
    expect = FTestPowerF2().power(effect_size=f2, df_num=1, df_denom=n - k - 1, alpha=0.05, ncc=k)
    assert path_power(f2, n, k) == pytest.approx(expect, rel=1e-10)


def test_n_for_power_is_the_smallest_n() -> None:
    for f2, k in [(0.15, 4), (0.02, 1), (0.35, 6)]:
        n = n_for_power(f2, k)
        assert path_power(f2, n, k) >= 0.8 > path_power(f2, n - 1, k)
    assert n_for_power(0.15, 4) == 55  # G*Power 3.1: f2 = .15, 1 tested of 4 predictors


def test_inverse_square_root_rule() -> None:
    # Kock and Hadaya (2018): n_min = (2.486 / p_min)^2
    assert inverse_sqrt_min_n(0.2) == 155
    assert inverse_sqrt_min_n(0.1) == 619


def test_bad_input() -> None:
    with pytest.raises(acsi.SpecificationError, match="residual degrees"):
        path_power(0.1, 5, 4)
    with pytest.raises(acsi.SpecificationError, match="f2"):
        path_power(-0.1, 50, 2)
    with pytest.raises(acsi.SpecificationError, match="p_min"):
        inverse_sqrt_min_n(0.0)
