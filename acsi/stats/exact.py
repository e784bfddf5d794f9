"""Fisher's exact test of a 2 x 2 table without ``scipy.stats`` (whose import costs more than the
test: the report and ``acsi.survey.conversion`` need only this one).

The two-sided p value is R's ``fisher.test``: the sum of the hypergeometric probabilities of
every table with the observed margins that is no more probable than the observed one
(relative tolerance ``1e-7``). The probabilities are computed by the ratio recursion
``p(x + 1) / p(x) = (r1 - x)(c1 - x) / ((x + 1)(n - r1 - c1 + x + 1))``, multiplied outward
from the mode and normalised by their sum (no factorials, no logarithms: accurate to about
1e-14 relative also for tables of thousands).

Examples
--------
>>> round(fisher_exact_2x2(30, 12, 4, 8), 6)
0.038561
"""

from __future__ import annotations

import numpy as np

__all__ = ["fisher_exact_2x2"]


def _hypergeom_probs(r1: int, c1: int, n: int) -> tuple[int, np.ndarray]:
    """(lowest x, probabilities of x = lo..hi) of the first cell given the margins, relative
    to the mode (1 there), by products of the ratios outward from the mode."""
    lo, hi = max(0, c1 - (n - r1)), min(r1, c1)
    mode = min(max((r1 + 1) * (c1 + 1) // (n + 2), lo), hi)
    x = np.arange(lo, hi, dtype=float)
    # ratio[i] = p(x_i + 1) / p(x_i), x_i = lo .. hi - 1
    ratio = (r1 - x) * (c1 - x) / ((x + 1.0) * (n - r1 - c1 + x + 1.0))
    p = np.ones(hi - lo + 1)
    m = mode - lo
    with np.errstate(under="ignore"):
        p[m + 1:] = np.multiply.accumulate(ratio[m:])
        p[:m] = np.multiply.accumulate(1.0 / ratio[:m][::-1])[::-1]
    return lo, p


def fisher_exact_2x2(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p value of Fisher's exact test of ``[[a, b], [c, d]]`` (as R's ``fisher.test``).

    Parameters
    ----------
    a, b, c, d : int
        The cell counts (non-negative integers).

    Returns
    -------
    float
    """
    a, b, c, d = (int(v) for v in (a, b, c, d))
    r1, c1, n = a + b, a + c, a + b + c + d
    if n == 0 or r1 in (0, n) or c1 in (0, n):
        return 1.0
    lo, p = _hypergeom_probs(r1, c1, n)
    observed = p[a - lo]
    if observed == 0.0:  # beyond double precision from the mode: p is 0 to 300 digits
        return 0.0
    return float(min(1.0, p[p <= observed * (1.0 + 1e-7)].sum() / p.sum()))
