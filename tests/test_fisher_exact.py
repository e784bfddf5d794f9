"""Fisher's exact test of a 2 x 2 table (acsi.stats.exact, used by survey.conversion so that the
report needs no scipy.stats): R's fisher.test values (tests/reference/fisher_exact_2x2.R) and
scipy's on many random tables."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from acsi.stats.exact import fisher_exact_2x2

R = [((30, 12, 4, 8), 0.038561474299920386), ((20, 5, 0, 9), 3.8168771401775449e-05),
     ((1291, 1874, 1330, 709), 4.2725031402227246e-67), ((1, 2, 4, 1), 0.4642857142857143),
     ((3, 3, 3, 3), 1.0)]


@pytest.mark.parametrize(("table", "p"), R)
def test_against_r(table: tuple[int, int, int, int], p: float) -> None:
    assert fisher_exact_2x2(*table) == pytest.approx(p, rel=1e-13)


def test_against_scipy_on_random_tables() -> None:
    rng = np.random.default_rng(1)
    for m in (3, 8, 30, 300, 3000):
        for _ in range(60):
            a, b, c, d = (int(v) for v in rng.integers(0, m, 4))
            expect = stats.fisher_exact([[a, b], [c, d]]).pvalue
            assert fisher_exact_2x2(a, b, c, d) == pytest.approx(expect, rel=1e-12, abs=1e-300)


def test_degenerate_margins() -> None:
    assert fisher_exact_2x2(0, 0, 0, 0) == 1.0
    assert fisher_exact_2x2(5, 0, 3, 0) == 1.0
    assert fisher_exact_2x2(0, 5, 0, 3) == 1.0
