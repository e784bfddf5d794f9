"""Power of the test of a structural path (Cohen 1988; Faul et al. 2009).

From its f-squared effect size (PLS): for the regression of an endogenous construct on
``k`` predecessors estimated on ``n`` cases, the test of one coefficient is ``F(1, n - k - 1)`` with noncentrality
``lambda = f2 * n``: G*Power's "R-squared increase" convention (Faul et al. 2009); Cohen
(1988, ch. 9) writes ``lambda = f2 (u + v + 1)``, which is the same when ``k = 1``.

From its z statistic (CB-SEM): the power of the two-sided Wald z test at level ``alpha``
if the true effect equalled the estimate, ``Phi(|z| - z_c) + Phi(-|z| - z_c)`` with
``z_c = z_{1 - alpha/2}``, and the sample size at which ``|z|`` (growing with sqrt(n))
reaches the power asked for.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from acsi.exceptions import SpecificationError

__all__ = ["path_power", "n_for_power", "f2_for_power", "inverse_sqrt_min_n", "z_test_power", "z_test_n_for_power"]


def _check(n: int, k: int, alpha: float) -> None:
    if k < 1:
        raise SpecificationError(f"path power: k (number of predictors) must be >= 1; got {k}")
    if n - k - 1 < 1:
        raise SpecificationError(
            f"path power: n = {n} cases leave no residual degrees of freedom for {k} predictors"
        )
    if not 0 < alpha < 1:
        raise SpecificationError(f"path power: alpha must be in (0, 1); got {alpha}")


def path_power(f2: float, n: int, k: int, alpha: float = 0.05) -> float:
    """Power of the F test (equivalently the two-sided t test) of one path coefficient.

    .. math:: 1 - \\beta = P\\{F(1, n-k-1; \\lambda) > F_{1-\\alpha}(1, n-k-1)\\},\\quad \\lambda = f^2 n

    Parameters
    ----------
    f2 : float
        Cohen's effect size of the predictor, ``(R2_incl - R2_excl) / (1 - R2_incl)``.
    n : int
        Sample size.
    k : int
        Number of predictors of the endogenous construct (including this one).
    alpha : float
        Significance level.

    Returns
    -------
    float

    References
    ----------
    Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., ch. 9.
    Faul, F., Erdfelder, E., Buchner, A. and Lang, A.-G. (2009). Statistical power analyses
    using G*Power 3.1. *Behavior Research Methods* 41, 1149-1160.

    Examples
    --------
    >>> round(path_power(0.15, 54, 4), 4)  # a medium effect, 4 predictors, n = 54
    0.7967
    """
    _check(n, k, alpha)
    if not np.isfinite(f2) or f2 < 0:
        raise SpecificationError(f"path power: f2 must be a finite number >= 0; got {f2}")
    df2 = n - k - 1
    crit = special.fdtri(1, df2, 1.0 - alpha)  # F quantile
    # noncentral F upper tail (1 - CDF: the power is at least alpha, so no cancellation)
    if f2 <= 0:
        return float(alpha)
    power = float(1.0 - special.ncfdtr(1, df2, f2 * n, crit))
    if not np.isfinite(power):
        # cephes' ncfdtr fails (NaN) for some large noncentralities; scipy.stats' ncf.sf
        # (imported here only) handles them
        from acsi._lazy import stats

        power = float(stats.ncf.sf(crit, 1, df2, f2 * n))
    return power


def n_for_power(f2: float, k: int, power: float = 0.8, alpha: float = 0.05, n_max: int = 100_000) -> int:
    """Smallest sample size whose :func:`path_power` reaches ``power`` (``n_max + 1`` if none).

    Examples
    --------
    >>> n_for_power(0.15, 4)  # medium effect, 4 predictors (G*Power: 55)
    55
    """
    if not 0 < power < 1:
        raise SpecificationError(f"n_for_power: power must be in (0, 1); got {power}")
    if not np.isfinite(f2) or f2 <= 0:
        return n_max + 1
    lo, hi = k + 2, k + 2
    while path_power(f2, hi, k, alpha) < power:
        lo, hi = hi, hi * 2
        if hi > n_max:
            return n_max + 1
    while lo < hi:  # power increases with n: bisection
        mid = (lo + hi) // 2
        if path_power(f2, mid, k, alpha) >= power:
            hi = mid
        else:
            lo = mid + 1
    return int(lo)


def f2_for_power(n: int, k: int, power: float = 0.8, alpha: float = 0.05) -> float:
    r"""Smallest effect size ``f2`` whose :func:`path_power` at ``n`` reaches ``power``.

    Solves :math:`1 - F_{nc}(F_{1-\alpha}(1, n-k-1);\, 1, n-k-1, f^2 n) = \text{power}` for
    :math:`f^2` by bisection to rounding level (power increases with :math:`f^2`); cephes'
    ``ncfdtrinc`` inverts only to about 1e-6 and is not used.

    Examples
    --------
    >>> f2 = f2_for_power(54, 4)
    >>> round(f2, 4), round(path_power(f2, 54, 4), 10)
    (0.1513, 0.8)
    """
    _check(n, k, alpha)
    if not 0 < power < 1:
        raise SpecificationError(f"f2_for_power: power must be in (0, 1); got {power}")
    lo, hi = 0.0, 1.0
    while not path_power(hi, n, k, alpha) >= power:
        lo, hi = hi, hi * 2
        if hi > 1e6:
            return float("nan")
    while True:
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            return hi
        lo, hi = (lo, mid) if path_power(mid, n, k, alpha) >= power else (mid, hi)


def inverse_sqrt_min_n(p_min: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Kock and Hadaya's (2018) inverse square root minimum sample size for PLS.

    ``n_min = ((z_{1-alpha} + z_{power}) / |p_min|)^2`` (one-sided test, as the authors use;
    2.486^2 / p_min^2 at 5% and 80%), rounded up.

    Examples
    --------
    >>> inverse_sqrt_min_n(0.2)
    155
    """
    if not np.isfinite(p_min) or p_min == 0:
        raise SpecificationError(f"inverse_sqrt_min_n: p_min must be a nonzero number; got {p_min}")
    z = special.ndtri(1 - alpha) + special.ndtri(power)
    return int(math.ceil((z / abs(p_min)) ** 2))


def z_test_power(z: float, alpha: float = 0.05) -> float:
    r"""Power of the two-sided z test at level ``alpha`` when the true standardized effect is ``z``.

    .. math:: 1 - \beta = \Phi(|z| - z_{1-\alpha/2}) + \Phi(-|z| - z_{1-\alpha/2})

    NaN for a non-finite ``z`` (a fixed parameter has no test).

    Examples
    --------
    >>> round(z_test_power(1.959963984540054), 3)  # an estimate just at the 5% cut-off
    0.5
    >>> round(z_test_power(2.8), 3)  # z_(0.975) + z_(0.8) = 2.80: about 80% power
    0.8
    """
    if not 0 < alpha < 1:
        raise SpecificationError(f"z_test_power: alpha must be in (0, 1); got {alpha}")
    if not np.isfinite(z):
        return float("nan")
    zc = special.ndtri(1.0 - alpha / 2.0)
    a = abs(float(z))
    return float(special.ndtr(-(zc - a)) + special.ndtr(-zc - a))


def z_test_n_for_power(z: float, n: int, power: float = 0.8, alpha: float = 0.05) -> float:
    r"""Sample size at which a z statistic ``z`` observed on ``n`` cases reaches ``power``.

    ``z`` grows with ``sqrt(n)``, so ``n_power = ceil(n ((z_{1-\alpha/2} + z_{power}) / |z|)^2)``
    (ignoring the negligible opposite tail). NaN when ``z`` is zero or not finite.

    Examples
    --------
    >>> z_test_n_for_power(1.4, 100)  # half the z needed: four times the sample
    401
    """
    if not 0 < power < 1:
        raise SpecificationError(f"z_test_n_for_power: power must be in (0, 1); got {power}")
    if not 0 < alpha < 1:
        raise SpecificationError(f"z_test_n_for_power: alpha must be in (0, 1); got {alpha}")
    if not np.isfinite(z) or z == 0:
        return float("nan")
    need = (special.ndtri(1.0 - alpha / 2.0) + special.ndtri(power)) / abs(float(z))
    return int(math.ceil(n * need**2))
