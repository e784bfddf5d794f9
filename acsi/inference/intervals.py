"""Bootstrap summaries and confidence intervals as pure functions of the replicates.

Every function takes the replicates as a ``(B, m)`` array (one column per statistic, NaN
for a replicate in which a statistic is undefined, ignored column by column) and returns
one value per column; nothing here knows which model produced them.

=====================  ===============================================================
function               interval
=====================  ===============================================================
percentile_ci          quantiles ``a/2`` and ``1 - a/2`` of the replicates (R type 7)
basic_ci               ``2 est - q(1 - a/2)``, ``2 est - q(a/2)`` (Davison & Hinkley 1997)
normal_ci              ``est -/+ z(1 - a/2) se`` (se from the replicates)
bca_ci                 bias-corrected and accelerated percentiles (Efron 1987)
studentized_ci         bootstrap-t: ``est - t*(1 - a/2) se``, ``est - t*(a/2) se``
=====================  ===============================================================

Sums are computed as running sums (:func:`colsum`), so the same replicates give
bit-identical summaries wherever the arrays sit in memory.

References
----------
Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
Davison, A. C., & Hinkley, D. V. (1997). *Bootstrap Methods and their Application*.
Cambridge University Press. Hyndman, R. J., & Fan, Y. (1996). Sample quantiles in
statistical packages. *The American Statistician*, 50(4), 361-365.

Examples
--------
>>> import numpy as np
>>> draws = np.arange(1.0, 101.0)[:, None]
>>> lo, hi = percentile_ci(draws, 0.9)
>>> round(float(lo[0]), 6), round(float(hi[0]), 6)
(5.95, 95.05)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = [
    "colsum",
    "mean_sd",
    "quantile7",
    "percentile_ci",
    "basic_ci",
    "normal_ci",
    "bca_ci",
    "studentized_ci",
    "norm_inter",
]


def colsum(x: np.ndarray, axis: int) -> np.ndarray:
    """Sum along ``axis`` in row order, bit-for-bit independent of memory alignment.

    numpy's reductions may reassociate (SIMD, pairwise) depending on where an array sits in
    memory; a running sum cannot, so the same replicates always give the same summaries.
    """
    if x.shape[axis] == 0:
        return np.zeros(np.delete(x.shape, axis))
    return np.take(np.add.accumulate(x, axis=axis), -1, axis=axis)


def mean_sd(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, SD (divisor n-1) and count of the finite values along ``axis``.

    Examples
    --------
    >>> import numpy as np
    >>> m, s, n = mean_sd(np.array([[1.0], [2.0], [np.nan], [3.0]]))
    >>> float(m[0]), float(s[0]), int(n[0])
    (2.0, 1.0, 3)
    """
    fin = np.isfinite(x)
    nb = fin.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = colsum(np.where(fin, x, 0.0), axis) / nb
        dev = np.where(fin, x - np.expand_dims(mean, axis), 0.0)
        sd = np.sqrt(colsum(dev * dev, axis) / (nb - 1))
    return mean, sd, nb


def quantile7(x: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """Type-7 quantiles (R's default, numpy's ``linear``) per column, NaN ignored.

    Returns an array ``(len(probs), m)``; a column without finite values gives NaN.

    Examples
    --------
    >>> import numpy as np
    >>> quantile7(np.array([[1.0, 1.0], [2.0, np.nan], [3.0, 3.0], [4.0, 5.0]]), [0.5]).tolist()
    [[2.5, 3.0]]
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.full((len(probs), x.shape[1]), np.nan)
    full = np.isfinite(x).all(axis=0)
    if full.any():
        out[:, full] = np.quantile(x[:, full], probs, axis=0)
    for j in np.flatnonzero(~full):
        col = x[:, j]
        col = col[np.isfinite(col)]
        if col.size:
            out[:, j] = np.quantile(col, probs)
    return out


def _alpha(level: float) -> float:
    return (1.0 - level) / 2.0


def percentile_ci(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column: type-7 quantiles at ``(1 -/+ level) / 2``."""
    q = quantile7(draws, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return q[0], q[1]


def basic_ci(draws: np.ndarray, est: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Basic (reverse percentile) interval ``[2 est - q(1 - a/2), 2 est - q(a/2)]``.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = basic_ci(np.arange(1.0, 101.0)[:, None], np.array([50.0]), 0.9)
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (4.95, 94.05)
    """
    lo, hi = percentile_ci(draws, level)
    est = np.asarray(est, dtype=np.float64)
    return 2.0 * est - hi, 2.0 * est - lo


def normal_ci(est: np.ndarray, se: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Normal-approximation interval ``est -/+ z_(1 - a/2) se``.

    Centred on the estimate itself (R ``boot.ci``'s ``"norm"`` interval also subtracts the
    bootstrap bias estimate ``mean(theta*) - est``; pass ``est - bias`` for that one).

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = normal_ci(np.array([1.0]), np.array([0.5]))
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.02, 1.98)
    """
    z = float(ndtri(1.0 - _alpha(level)))
    est = np.asarray(est, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    return est - z * se, est + z * se


def bca_ci(draws: np.ndarray, est: np.ndarray, jack: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated (BCa) percentile interval per column.

    ``z0 = Phi^-1((#{b < est} + #{b <= est}) / 2B)``; acceleration from the jackknife
    values ``theta_(i)``: ``a = sum U^3 / (6 (sum U^2)^(3/2))``, ``U = mean(theta_(.)) -
    theta_(i)``; the interval is the type-7 quantiles at
    ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` for ``z = Phi^-1(alpha/2), Phi^-1(1-alpha/2)``
    (Efron & Tibshirani 1993, ch. 14; the tie handling of ``scipy.stats.bootstrap``).

    Parameters
    ----------
    draws : ndarray (B, m)
    est : ndarray (m,)
        Full-sample estimates.
    jack : ndarray (n, m)
        Leave-one-out estimates.
    level : float

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.linspace(-2, 2, 401)[:, None]
    >>> jack = np.array([[-0.1], [0.0], [0.1]])     # symmetric: no acceleration
    >>> lo, hi = bca_ci(draws, np.array([0.0]), jack, 0.9)
    >>> round(float(lo[0]), 2), round(float(hi[0]), 2)
    (-1.8, 1.8)
    """
    a_ = _alpha(level)
    lo = np.full(draws.shape[1], np.nan)
    hi = np.full(draws.shape[1], np.nan)
    for j in range(draws.shape[1]):
        d = draws[:, j]
        d = d[np.isfinite(d)]
        jk = jack[:, j]
        jk = jk[np.isfinite(jk)]
        if d.size < 2 or jk.size < 2 or not np.isfinite(est[j]):
            continue
        z0 = ndtri((np.count_nonzero(d < est[j]) + np.count_nonzero(d <= est[j])) / (2.0 * d.size))
        U = jk.mean() - jk
        den = (U**2).sum() ** 1.5
        acc = (U**3).sum() / (6.0 * den) if den > 0 else 0.0
        out = []
        for z in (ndtri(a_), ndtri(1.0 - a_)):
            num = z0 + z
            out.append(ndtr(z0 + num / (1.0 - acc * num)))
        if not np.all(np.isfinite(out)):
            continue
        lo[j], hi[j] = np.quantile(d, out)
    return lo, hi


def studentized_ci(
    draws: np.ndarray, est: np.ndarray, se: np.ndarray, inner_se: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap-t interval ``[est - t*_(1-a/2) se, est - t*_(a/2) se]``.

    ``t*_b = (theta_b - est) / se_b`` with ``se_b`` each replicate's own standard error (from
    an inner bootstrap) and ``se`` the bootstrap SE of the estimate (Efron & Tibshirani 1993,
    ch. 12). Undefined ``t*_b`` are ignored.

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.array([[0.8], [1.0], [1.2], [1.1], [0.9]])
    >>> lo, hi = studentized_ci(draws, np.array([1.0]), np.array([0.16]), np.full((5, 1), 0.2), 0.5)
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.92, 1.08)
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        tstar = (draws - est) / inner_se
    tstar[~np.isfinite(tstar)] = np.nan
    a = _alpha(level)
    q = quantile7(tstar, [a, 1.0 - a])
    return est - q[1] * se, est - q[0] * se


def norm_inter(t: np.ndarray, alpha: np.ndarray | Sequence[float]) -> np.ndarray:
    """Quantiles of the draws ``t`` by the boot package's ``norm.inter`` (lavaan's intervals).

    With ``R`` finite draws sorted as ``t_(1) <= ... <= t_(R)`` and ``r = (R + 1) alpha``:
    an integer ``r`` gives ``t_(r)``; otherwise, with ``k = floor(r)``, the order statistics
    ``t_(k)`` and ``t_(k+1)`` are interpolated on the normal scale,
    ``t_(k) + (z_alpha - z_k) / (z_(k+1) - z_k) (t_(k+1) - t_(k))`` with
    ``z_j = Phi^-1(j / (R + 1))``; ``k = 0`` and ``k = R`` give the extreme draws.

    References
    ----------
    Davison, A. C., & Hinkley, D. V. (1997). *Bootstrap Methods and their Application*,
    eq. 5.8. Cambridge University Press.

    Examples
    --------
    >>> norm_inter(np.arange(1.0, 100.0), [0.25, 0.5])
    array([25., 50.])
    """
    x = np.sort(np.asarray(t, dtype=float)[np.isfinite(t)])
    R = x.size
    a = np.atleast_1d(np.asarray(alpha, dtype=float))
    rk = (R + 1) * a
    k = np.trunc(rk).astype(np.intp)
    out = np.empty(a.shape)
    ints = k == rk
    for i in range(a.size):
        if k[i] <= 0:
            out[i] = x[0]
        elif k[i] >= R:
            out[i] = x[R - 1]
        elif ints[i]:
            out[i] = x[k[i] - 1]
        else:
            z = ndtri(a[i])
            z1 = ndtri(k[i] / (R + 1))
            z2 = ndtri((k[i] + 1) / (R + 1))
            out[i] = x[k[i] - 1] + (z - z1) / (z2 - z1) * (x[k[i]] - x[k[i] - 1])
    return out
