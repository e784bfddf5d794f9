"""Missing data for CB-SEM: patterns, the saturated (h1) model by EM, and the FIML likelihood.

Full-information maximum likelihood (FIML, "direct ML", Arbuckle 1996) evaluates the
multivariate normal likelihood of every row on the variables observed in that row.
Rows that share a *missing-data pattern* (the set of observed variables) share the
submatrix :math:`\\Sigma_{oo}` of the model-implied covariance matrix, so the
log-likelihood is a sum over patterns of terms that depend on the data only through
the pattern's frequency :math:`f_g`, mean :math:`\\bar y_g` and (ML) covariance
matrix :math:`S_g` of its observed variables:

.. math::

    \\ell(\\mu, \\Sigma) = -\\frac12 \\sum_g f_g \\Big[ p_g \\log 2\\pi
        + \\log|\\Sigma_g| + \\operatorname{tr}\\big(\\Sigma_g^{-1}
        \\{S_g + (\\bar y_g - \\mu_g)(\\bar y_g - \\mu_g)^\\top\\}\\big) \\Big],

with :math:`\\mu_g, \\Sigma_g` the parts of :math:`\\mu, \\Sigma` on the observed
variables of pattern :math:`g` and :math:`p_g` their number (lavaan's
``lav_mvnorm_missing_loglik_samplestats``). The patterns are found once
(:func:`missing_patterns`); every later evaluation works on patterns grouped by their
number of observed variables, so that each group is one batched (stacked) numpy
computation and nothing loops over rows.

The saturated (h1) model, an unrestricted mean vector and covariance matrix, is fitted by
the EM algorithm (Dempster, Laird & Rubin 1977; Enders 2010, ch. 4) with lavaan 0.6-14's
conventions (``lav_mvnorm_missing_h1_estimate_moments``): start at the observed means and
(ML) variances with zero covariances, stop when the largest absolute change of
:math:`(\\mu, \\operatorname{vech}\\Sigma)` is below ``tol`` (lavaan's ``em.h1.tol``,
default ``1e-5``), at most ``max_iter`` (``em.h1.iter.max``, 500) iterations.

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
In G. A. Marcoulides & R. E. Schumacker (Eds.), *Advanced Structural Equation Modeling*
(pp. 243-277). Erlbaum.

Dempster, A. P., Laird, N. M., & Rubin, D. B. (1977). Maximum likelihood from incomplete
data via the EM algorithm. *JRSS B*, 39(1), 1-38.

Enders, C. K. (2010). *Applied Missing Data Analysis*. Guilford Press.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from acsi.cbsem.matrices import vech_indices
from acsi.exceptions import DataError
from acsi.results.base import freeze

__all__ = [
    "EMResult",
    "available_moments",
    "MissingPatterns",
    "em_saturated",
    "expected_quadratic",
    "fiml_casewise",
    "fiml_gradient",
    "fiml_loglik",
    "fiml_loglik_gradient",
    "fiml_pieces",
    "missing_patterns",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True, eq=False)
class MissingPatterns:
    """Missing-data patterns of a data matrix and their sufficient statistics.

    Built once by :func:`missing_patterns`; read-only afterwards.

    Attributes
    ----------
    p : int
        Number of variables (columns).
    nobs : float
        Number of rows that are not empty (with weights: the sum of their weights).
    observed : ndarray of bool, shape (n_patterns, p)
        ``observed[g, j]`` is True if variable ``j`` is observed in pattern ``g``.
    freq : ndarray, shape (n_patterns,)
        Rows (sum of weights) per pattern.
    row_pattern : ndarray of int, shape (n,)
        Pattern of every row, ``-1`` for empty rows.
    empty_rows : ndarray of int
        Rows with every variable missing (they take no part in the likelihood).
    omask : ndarray, shape (n_patterns, p)
        ``observed`` as 0.0/1.0 (internal).
    pmean : ndarray, shape (n_patterns, p)
        Pattern means, zero where not observed (internal).
    pcov : ndarray, shape (n_patterns, p, p)
        Pattern ML covariance matrices, zero outside the observed block (internal).

    Notes
    -----
    The likelihood and its derivatives work on the *padded* pattern statistics: every
    pattern's :math:`\\Sigma_{oo}` is embedded in the :math:`p \\times p` matrix
    :math:`M_g = \\Sigma \\circ o o^\\top + \\operatorname{diag}(1 - o)` (identity on the
    missing variables), so that :math:`M_g^{-1}` is :math:`\\Sigma_{oo}^{-1}` padded with
    the identity and :math:`|M_g| = |\\Sigma_{oo}|`; all patterns are then one stacked
    Cholesky factorisation and inversion (one numpy call, no loop over patterns).
    """

    p: int
    nobs: float
    observed: np.ndarray
    freq: np.ndarray
    row_pattern: np.ndarray
    empty_rows: np.ndarray
    omask: np.ndarray
    pmean: np.ndarray
    pcov: np.ndarray

    def __post_init__(self) -> None:
        for name in ("observed", "freq", "row_pattern", "empty_rows", "omask", "pmean", "pcov"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

    @property
    def n_patterns(self) -> int:
        """Number of distinct (non-empty) missing-data patterns."""
        return int(self.observed.shape[0])

    @property
    def coverage(self) -> np.ndarray:
        """Proportion of rows (weights) observing each pair of variables (lavaan's coverage)."""
        o = self.observed.astype(float)
        return (o * self.freq[:, None]).T @ o / self.nobs


def _pattern_codes(obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of the boolean matrix ``obs`` (sorted as lavaan sorts its patterns,
    lexicographically with False < True) and the position of every row among them.

    Up to 64 columns each row's bits are one unsigned 64-bit key (big-endian, so the keys
    sort like the rows): one sort of ``n`` integers. Wider data sort the packed rows.
    """
    n, p = obs.shape
    packed = np.packbits(obs, axis=1)
    if p <= 64:
        wide = np.zeros((n, 8), dtype=np.uint8)
        wide[:, : packed.shape[1]] = packed
        keys = wide.view(">u8").reshape(n)
        ukeys, inverse = np.unique(keys, return_inverse=True)
        codes = ukeys.astype(">u8").view(np.uint8).reshape(-1, 8)
    else:
        codes, inverse = np.unique(packed, axis=0, return_inverse=True)
    observed = np.unpackbits(codes, axis=1, count=p).astype(bool)
    return observed, inverse.reshape(-1)


#: Rows per block when the pattern sums of a large data set are accumulated.
_PATTERN_BLOCK = 32768


def _pattern_sums(
    y: np.ndarray, w: np.ndarray | None, observed: np.ndarray, srt: np.ndarray, starts: np.ndarray,
    fsafe: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted pattern means and centred cross-products (not yet divided) of a large data
    set, one pattern at a time and by blocks of its rows (``w`` None: unweighted), so that the
    memory held is one block of rows, not a copy of the data.

    One pass: the sums are taken about the first block's mean ``c`` (``z = y - c``), and
    ``mean = c + sum(w z) / f``, ``cross = sum(w z z') - sum(w z) sum(w z)' / f``; with
    ``c`` that close to the mean the correction is tiny, so there is no cancellation (a
    pattern of one block is centred at its exact mean, as the small-data route does).
    """
    npat, p = observed.shape
    pmean = np.zeros((npat, p))
    pcov = np.zeros((npat, p, p))
    stops = np.append(starts[1:], srt.size)
    for g in range(npat):
        cols = np.flatnonzero(observed[g])
        k = cols.size
        c: np.ndarray | None = None
        s1 = np.zeros(k)
        s2 = np.zeros((k, k))
        for a in range(starts[g], stops[g], _PATTERN_BLOCK):
            rows = srt[a : min(a + _PATTERN_BLOCK, stops[g])]
            Y = np.take(y, rows, axis=0)
            if k < p:
                Y = Y[:, cols]
            wb = None if w is None else w[rows]
            if c is None:
                c = Y.mean(axis=0) if wb is None or not wb.sum() > 0 else wb @ Y / wb.sum()
            Y -= c
            if wb is None:
                s1 += Y.sum(axis=0)
                s2 += Y.T @ Y
            else:
                s1 += wb @ Y
                s2 += (Y * wb[:, None]).T @ Y
        assert c is not None  # every pattern has a row
        d = s1 / fsafe[g]
        cross = s2 - np.outer(s1, d)
        pmean[g, cols] = c + d
        pcov[g, cols[:, None], cols[None, :]] = 0.5 * (cross + cross.T)
    return pmean, pcov


def available_moments(mp: MissingPatterns, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Available-case means and pairwise-complete covariances times ``(n - 1) / n`` (R's
    ``colMeans(na.rm = TRUE)`` and ``cov(use = "pairwise")``; lavaan's sample statistics of
    incomplete data), from the pattern statistics of unweighted data: no pass over the rows.

    For variables ``i, j`` the rows observing both are the patterns observing both, so with
    pattern frequencies ``f_g``, means ``m_g`` and ML covariances ``S_g`` (each variable
    shifted by its available-case mean, which leaves covariances unchanged and keeps the
    sums free of cancellation): ``n_ij = sum f_g``, ``s_i|j = sum f_g m_gi``,
    ``C_ij = sum f_g (S_g,ij + m_gi m_gj)`` and
    ``cov_ij = (C_ij - s_i|j s_j|i / n_ij) / (n_ij - 1)``. ``n`` is the number of rows.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [np.nan, 4.0], [5.0, 7.0]])
    >>> mean, cov = available_moments(missing_patterns(y), y.shape[0])
    >>> bool(np.allclose(mean, np.nanmean(y, axis=0)))
    True
    >>> bool(np.allclose(cov, pd.DataFrame(y).cov().to_numpy() * 4 / 5))
    True
    """
    o = mp.omask
    f = mp.freq
    fo = f[:, None] * o
    nvar = fo.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (fo * mp.pmean).sum(axis=0) / nvar
        pm = (mp.pmean - mean) * o
        fpm = f[:, None] * pm
        npair = fo.T @ o
        s_given = fpm.T @ o
        raw = np.tensordot(f, mp.pcov, axes=1) + fpm.T @ pm
        cov = (raw - s_given * s_given.T / npair) / (npair - 1.0)
    return mean, cov * (n - 1.0) / n


def missing_patterns(
    y: np.ndarray,
    weights: np.ndarray | None = None,
    names: list[str] | tuple[str, ...] | None = None,
) -> MissingPatterns:
    """Group the rows of ``y`` by missing-data pattern and compute each pattern's moments.

    For pattern :math:`g` with rows :math:`R_g` and observed variables :math:`O_g`:
    :math:`f_g = \\sum_{i \\in R_g} w_i`, :math:`\\bar y_g = \\sum w_i y_{i,O_g} / f_g`,
    :math:`S_g = \\sum w_i (y_{i,O_g} - \\bar y_g)(y_{i,O_g} - \\bar y_g)^\\top / f_g`
    (ML divisor; lavaan's ``lav_samplestats_missing_patterns``, ``cov.wt(method = "ML")``
    with weights). Rows missing on every variable are not part of any pattern.

    Parameters
    ----------
    y : ndarray, shape (n, p)
        Data with ``nan`` for missing values.
    weights : ndarray, shape (n,), optional
        Sampling weights (already normalised as wanted); default: all 1.
    names : sequence of str, optional
        Variable names, used in error messages.

    Returns
    -------
    MissingPatterns

    Raises
    ------
    DataError
        If no row has an observed value, or two variables are never observed together
        (their covariance is not identified).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, 2.0], [np.nan, 1.0], [2.0, 4.0], [3.0, np.nan]])
    >>> mp = missing_patterns(y)
    >>> mp.n_patterns, mp.observed.tolist(), mp.freq.tolist()
    (3, [[False, True], [True, False], [True, True]], [1.0, 1.0, 2.0])
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise DataError(f"the data must be a 2-d array (rows x variables), got {y.ndim} dimensions")
    n, p = y.shape
    labels = list(names) if names is not None else [f"column {j}" for j in range(p)]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise DataError(f"weights must have one value per row ({n}), got shape {w.shape}")
    obs = ~np.isnan(y)
    nonempty = obs.any(axis=1)
    empty_rows = np.flatnonzero(~nonempty)
    if not nonempty.any():
        raise DataError("every row is missing on every variable; nothing to analyse")
    observed, inverse = _pattern_codes(obs[nonempty])
    row_pattern = np.full(n, -1, dtype=np.intp)
    row_pattern[nonempty] = inverse
    npat = observed.shape[0]
    freq = np.bincount(inverse, weights=w[nonempty], minlength=npat)
    nobs = float(freq.sum())
    cover = (observed.astype(float) * freq[:, None]).T @ observed.astype(float)
    never_alone = np.flatnonzero(np.diag(cover) == 0.0)  # a variable never observed first
    never = (
        np.array([[never_alone[0], never_alone[0]]]) if never_alone.size else np.argwhere(np.triu(cover == 0.0))
    )
    if never.size:
        i, j = never[0]
        what = (
            f"variable {labels[i]!r} is never observed"
            if i == j
            else f"variables {labels[i]!r} and {labels[j]!r} are never observed together"
        )
        raise DataError(
            f"{what}, so their covariance cannot be estimated by FIML; drop one of them "
            "or collect data that observe them together"
        )
    fsafe = np.where(freq > 0, freq, 1.0)  # a pattern whose rows all weigh 0 adds nothing
    # the rows sorted by pattern (every pattern has at least one row)
    srt = np.argsort(row_pattern, kind="stable")[empty_rows.size:]
    starts = np.searchsorted(row_pattern[srt], np.arange(npat))
    if srt.size * p * p <= 4_000_000:  # small data: every pattern's sums in a few array operations
        o = obs[srt]
        y0 = np.where(o, y[srt], 0.0)
        ws = w[srt]
        pmean = np.add.reduceat(ws[:, None] * y0, starts, axis=0) / fsafe[:, None]
        yc = (y0 - pmean[row_pattern[srt]]) * o
        pcov = np.add.reduceat(ws[:, None, None] * yc[:, :, None] * yc[:, None, :], starts, axis=0)
    else:  # large data: pattern by pattern, by blocks of rows (no copy of the whole data)
        pmean, pcov = _pattern_sums(y, None if weights is None else w, observed, srt, starts, fsafe)
    pcov = pcov / fsafe[:, None, None]
    return MissingPatterns(
        p=p, nobs=nobs, observed=observed, freq=freq, row_pattern=row_pattern,
        empty_rows=empty_rows, omask=observed.astype(float), pmean=pmean, pcov=pcov,
    )


def _padded_terms(
    mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pattern's :math:`\\Sigma_{oo}^{-1}` (zero-padded to p x p), log-determinant and
    mean residual (zero where not observed), from one stacked factorisation.

    With many patterns, those missing few variables take their inverse from the full one
    (:func:`_schur_terms`: ``O(p^2 k)`` for ``k`` missing variables instead of ``O(p^3)``);
    the others (and all patterns when there are few, or when ``Sigma`` itself is not
    positive definite) are factorised directly.

    Raises ``numpy.linalg.LinAlgError`` if a pattern's :math:`\\Sigma_{oo}` is not positive
    definite.
    """
    o = mp.omask
    resid = (mp.pmean - mu) * o
    gn, p = o.shape
    if gn >= _SCHUR_MIN_PATTERNS and p >= _SCHUR_MIN_P:
        full = _schur_terms(mp, sigma)
        if full is not None:
            inv, logdet, done = full
            rest = np.flatnonzero(~done)
            if rest.size:
                inv[rest], logdet[rest] = _direct_terms(o[rest], sigma)
            return inv, logdet, resid
    inv, logdet = _direct_terms(o, sigma)
    return inv, logdet, resid


#: Fewest patterns and variables for which :func:`_schur_terms` is used (below, the direct
#: stacked factorisation is as fast or faster: measured at 9 and 12 variables).
_SCHUR_MIN_PATTERNS = 32
_SCHUR_MIN_P = 16


def _direct_terms(o: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Zero-padded inverses and log-determinants of the observed blocks ``o`` (0/1 rows) of
    ``sigma``: the blocks padded with the identity, one stacked Cholesky factorisation."""
    oo = o[:, :, None] * o[:, None, :]
    m = sigma[None, :, :] * oo
    d = np.arange(sigma.shape[0])
    m[:, d, d] += 1.0 - o
    chol = np.linalg.cholesky(m)
    diag = np.diagonal(chol, axis1=1, axis2=2)
    logdet = 2.0 * np.log(diag).sum(axis=1)
    linv = _lower_inverse(chol, 1.0 / diag)
    inv = (np.swapaxes(linv, 1, 2) @ linv) * oo  # M^-1 = L^-T L^-1 (symmetric by construction)
    return inv, logdet


def _schur_terms(mp: MissingPatterns, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The patterns missing at most a quarter of the variables, from ``W = Sigma^-1``.

    For missing variables ``m`` and observed ``o``: ``Sigma_oo^-1 = W_oo - W_om W_mm^-1 W_mo``
    and ``log|Sigma_oo| = log|Sigma| + log|W_mm|`` (the Schur complement), for all patterns
    with the same number of missing variables in one stacked ``k x k`` factorisation.
    Returns the (inverse, log-determinant) arrays and which patterns were done; ``None``
    when ``Sigma`` is not positive definite (then every pattern is factorised directly,
    which raises for the first block that is not).
    """
    o = mp.omask
    gn, p = o.shape
    try:
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return None
    diag = np.diagonal(chol)
    logdet_s = 2.0 * float(np.log(diag).sum())
    linv = _lower_inverse(chol[None], 1.0 / diag[None])[0]
    w = linv.T @ linv
    inv = np.zeros((gn, p, p))
    logdet = np.zeros(gn)
    nmiss = p - mp.observed.sum(axis=1)
    done = nmiss <= max(1, p // 4)
    complete = np.flatnonzero(nmiss == 0)
    inv[complete] = w
    logdet[complete] = logdet_s
    for k in np.unique(nmiss[done & (nmiss > 0)]):
        idx = np.flatnonzero(nmiss == k)
        miss = np.nonzero(~mp.observed[idx])[1].reshape(idx.size, k)
        wmm = w[miss[:, :, None], miss[:, None, :]]  # (g, k, k)
        wmp = w[miss]  # (g, k, p): the rows of W for the missing variables
        try:
            cm = np.linalg.cholesky(wmm)
        except np.linalg.LinAlgError:  # W_mm numerically singular: leave these to the direct route
            done[idx] = False
            continue
        logdet[idx] = logdet_s + 2.0 * np.log(np.diagonal(cm, axis1=1, axis2=2)).sum(axis=1)
        y = np.linalg.solve(cm, wmp)  # C^-1 W_mp: W_pm W_mm^-1 W_mp = Y'Y (symmetric products)
        block = w[None] - np.swapaxes(y, 1, 2) @ y
        # the missing rows and columns are zero up to round-off: set them exactly
        rows = np.arange(idx.size)[:, None]
        block[rows, miss, :] = 0.0
        np.swapaxes(block, 1, 2)[rows, miss, :] = 0.0
        inv[idx] = block
    return inv, logdet, done


def _lower_inverse(chol: np.ndarray, dinv: np.ndarray) -> np.ndarray:
    """Inverses of a stack of lower-triangular matrices by forward substitution, one row of
    all matrices at a time (``p`` vectorised steps; cheaper than a stacked LU inverse)."""
    gn, p, _ = chol.shape
    x = np.zeros_like(chol)
    x[:, 0, 0] = dinv[:, 0]
    for k in range(1, p):
        row = -(chol[:, k : k + 1, :k] @ x[:, :k, :])[:, 0, :]
        row[:, k] += 1.0
        x[:, k, :] = row * dinv[:, k : k + 1]
    return x


def _check_moments(mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu = np.asarray(mu, dtype=float).reshape(-1)
    sigma = np.asarray(sigma, dtype=float)
    if mu.shape != (mp.p,) or sigma.shape != (mp.p, mp.p):
        raise DataError(
            f"mu and sigma must have shapes ({mp.p},) and ({mp.p}, {mp.p}), "
            f"got {mu.shape} and {sigma.shape}"
        )
    return mu, sigma


def fiml_loglik(mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray) -> float:
    """Observed-data (FIML) log-likelihood of normal moments ``mu``, ``sigma``.

    .. math::

        \\ell = -\\frac12 \\sum_g f_g \\big[ p_g \\log 2\\pi + \\log|\\Sigma_g|
        + \\operatorname{tr}(\\Sigma_g^{-1} S_g)
        + (\\bar y_g - \\mu_g)^\\top \\Sigma_g^{-1} (\\bar y_g - \\mu_g) \\big]

    (Arbuckle 1996; lavaan's ``lav_mvnorm_missing_loglik_samplestats`` with
    ``log2pi = TRUE``). At the model-implied moments this is lavaan's ``logl``; at the EM
    estimates it is ``unrestricted.logl``. lavaan's FIML discrepancy (``fmin`` before the
    h1 correction) is :math:`-2\\ell/N` without the :math:`\\log 2\\pi` terms.

    Parameters
    ----------
    mp : MissingPatterns
    mu : ndarray, shape (p,)
    sigma : ndarray, shape (p, p)
        Positive definite.

    Returns
    -------
    float

    Raises
    ------
    numpy.linalg.LinAlgError
        If a pattern's :math:`\\Sigma_g` is not positive definite (the caller decides).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 1.0], [1.0, np.nan], [-1.0, -1.0], [np.nan, 0.5]])
    >>> mp = missing_patterns(y)
    >>> round(fiml_loglik(mp, np.zeros(2), np.eye(2)), 6)
    -7.638631
    """
    mu, sigma = _check_moments(mp, mu, sigma)
    inv, logdet, resid = _padded_terms(mp, mu, sigma)
    quad = (inv * mp.pcov).sum(axis=(1, 2)) + (resid * (inv @ resid[:, :, None])[:, :, 0]).sum(axis=1)
    k = mp.omask.sum(axis=1)
    return -0.5 * float(mp.freq @ (k * _LOG_2PI + logdet + quad))


def fiml_gradient(mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of :func:`fiml_loglik` with respect to ``mu`` and ``vech(sigma)``.

    .. math::

        \\frac{\\partial \\ell}{\\partial \\mu_g} = f_g \\Sigma_g^{-1} (\\bar y_g - \\mu_g),
        \\qquad
        \\frac{\\partial \\ell}{\\partial \\Sigma_g} = \\frac{f_g}{2} \\big[
        \\Sigma_g^{-1} T_g \\Sigma_g^{-1} - \\Sigma_g^{-1} \\big],
        \\quad T_g = S_g + (\\bar y_g - \\mu_g)(\\bar y_g - \\mu_g)^\\top,

    summed over patterns into the full :math:`p`-vector and :math:`p \\times p` matrix
    :math:`G`; the derivative with respect to :math:`\\operatorname{vech}\\Sigma` is
    :math:`D_p^\\top \\operatorname{vec} G` (off-diagonal elements counted twice; lavaan's
    ``lav_mvnorm_missing_dlogl_dvechSigma``), in the order of
    :func:`acsi.cbsem.matrices.vech_indices`.

    Parameters
    ----------
    mp : MissingPatterns
    mu : ndarray, shape (p,)
    sigma : ndarray, shape (p, p)

    Returns
    -------
    dmu : ndarray, shape (p,)
    dvech : ndarray, shape (p (p + 1) / 2,)

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 1.0], [1.0, np.nan], [-1.0, -1.0], [np.nan, 0.5]])
    >>> dmu, dvech = fiml_gradient(missing_patterns(y), np.zeros(2), np.eye(2))
    >>> dmu.tolist(), dvech.tolist()
    ([0.0, 0.5], [-0.5, 1.0, -0.375])
    """
    _, dmu, dvech = fiml_loglik_gradient(mp, mu, sigma)
    return dmu, dvech


def fiml_loglik_gradient(
    mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """:func:`fiml_loglik` and :func:`fiml_gradient` in one pass (one factorisation per group).

    Returns
    -------
    loglik : float
    dmu : ndarray, shape (p,)
    dvech : ndarray, shape (p (p + 1) / 2,)

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 1.0], [1.0, np.nan], [-1.0, -1.0], [np.nan, 0.5]])
    >>> ll, dmu, dvech = fiml_loglik_gradient(missing_patterns(y), np.zeros(2), np.eye(2))
    >>> round(ll, 6), dvech.tolist()
    (-7.638631, [-0.5, 1.0, -0.375])
    """
    ll, dmu, dvech, _ = fiml_pieces(mp, *_check_moments(mp, mu, sigma))
    return ll, dmu, dvech


def _hessian_gathers(p: int) -> tuple[np.ndarray, ...]:
    """Index arrays of :func:`fiml_pieces`' covariance block (cached per ``p``).

    For vech coordinates ``u = (r, c)``, ``v = (s, t)`` the block is
    ``K[{c, s}, {t, r}] + [s != t] K[{c, t}, {s, r}] + [r != c] (K[{r, s}, {t, c}] +
    [s != t] K[{r, t}, {s, c}])`` (the duplication matrix on both sides of the
    ``(i, j), (k, l)`` Hessian ``sum_g f_g W_g[j, k] X_g[l, i]``); returns the row and column
    indices into ``K`` of the four terms and the two masks.
    """
    hit = _HESSIAN_GATHERS.get(p)
    if hit is None:
        r, c = vech_indices(p)
        pos = np.empty((p, p), dtype=np.intp)
        pos[r, c] = np.arange(r.size)
        pos[c, r] = np.arange(r.size)
        R, C = r[:, None], c[:, None]  # u along rows
        S, T = r[None, :], c[None, :]  # v along columns
        hit = (
            pos[C, S], pos[C, T], pos[R, S], pos[R, T],
            pos[T, R], pos[S, R], pos[T, C], pos[S, C],
            (R != C).astype(float), (S != T).astype(float),
        )
        for arr in hit:
            arr.flags.writeable = False
        _HESSIAN_GATHERS[p] = hit
    return hit


_HESSIAN_GATHERS: dict[int, tuple[np.ndarray, ...]] = {}


def fiml_pieces(
    mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray, hessian: str | None = None
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray | None]:
    """Log-likelihood, gradient and (``hessian="observed"`` or ``"expected"``) the second
    derivatives in ``(mu, vech Sigma)``, all from one stacked factorisation of the patterns.

    The value and gradient are those of :func:`fiml_loglik_gradient`, the second
    derivatives those of :func:`acsi.cbsem.fiml_kernel.moment_hessian` (which calls this).
    No argument checks (a kernel function).
    """
    p = mp.p
    f = mp.freq
    gn = f.size
    inv, logdet, resid = _padded_terms(mp, mu, sigma)
    a = (inv @ resid[:, :, None])[:, :, 0]  # Sigma_g^{-1} (ybar_g - mu_g), zero-padded
    t = mp.pcov + resid[:, :, None] * resid[:, None, :]
    quad = (inv * t).sum(axis=(1, 2))
    k = mp.omask.sum(axis=1)
    total = float(f @ (k * _LOG_2PI + logdet + quad))
    dmu = f @ a
    itt = inv @ t @ inv
    g = np.tensordot(f, itt - inv, axes=1)  # 2 x dl/dSigma
    r, c = vech_indices(p)
    dvech = np.where(r == c, 0.5, 1.0) * g[r, c]
    if hessian is None:
        return -0.5 * total, dmu, dvech, None
    fw = (f[:, None, None] * inv).reshape(gn, p * p)
    hmm = -fw.sum(axis=0).reshape(p, p)
    observed = hessian == "observed"
    ps = r.size
    # K[{a, b}, {c, d}] = sum_g f_g W_g[a, b] X_g[c, d] with X_g = W_g - 2 W_g T_g W_g
    # (observed) or W_g (expected): both symmetric, so one product of the vech columns
    # (p*^2 per pattern instead of p^4); the covariance block then gathers four entries of
    # K per pair of vech coordinates (:func:`_hessian_gathers`)
    flat = r * p + c
    x = (inv - 2.0 * itt) if observed else inv
    k = fw[:, flat].T @ x.reshape(gn, p * p)[:, flat]
    i1, i2, i3, i4, j1, j2, j3, j4, mu_, mv_ = _hessian_gathers(p)
    block = k[i1, j1] + mv_ * k[i2, j2] + mu_ * (k[i3, j3] + mv_ * k[i4, j4])
    out = np.zeros((p + ps, p + ps))
    out[:p, :p] = hmm
    out[p:, p:] = (0.5 if observed else -0.5) * block
    if observed:
        cross = -(f[:, None] * a).T @ inv.reshape(gn, p * p)  # [k, (l, m)]
        cm3 = cross.reshape(p, p, p).transpose(2, 0, 1)  # [m, k, l]
        # times the duplication matrix: the (k, l) and (l, k) entries of each vech coordinate
        cm = cm3[:, r, c] + np.where(r == c, 0.0, 1.0) * cm3[:, c, r]
        out[:p, p:] = cm
        out[p:, :p] = cm.T
    return -0.5 * total, dmu, dvech, out


def expected_quadratic(mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray, z: np.ndarray) -> np.ndarray:
    r"""``z_r' I z_r`` for each row ``z_r`` of ``z``, with ``I`` the expected information of the
    incomplete data in :math:`(\mu, \operatorname{vech}\Sigma)` (``-moment_hessian(...,
    observed=False)``), without forming ``I``.

    For pattern :math:`g` (frequency :math:`f_g`, :math:`W_g = \Sigma_{oo}^{-1}` padded with
    zeros) and ``z = [m, vech Z]`` (``Z`` symmetric):

    .. math::

        z^\top I z = \sum_g f_g \big(m^\top W_g m + \tfrac12 \operatorname{tr}(W_g Z W_g Z)\big),

    ``O(G p^3)`` for ``G`` patterns instead of the ``O(G p^4)`` of the matrix ``I`` (the
    duplication matrix on both sides of ``W_g \otimes W_g`` gives the trace).

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.cbsem.fiml_kernel import moment_hessian
    >>> y = np.array([[0.0, 1.0], [1.0, np.nan], [-1.0, -1.0], [np.nan, 0.5], [0.3, 0.2]])
    >>> mp, sig = missing_patterns(y), np.array([[1.0, 0.3], [0.3, 2.0]])
    >>> z = np.array([[0.5, -1.0, 0.2, 0.4, -0.3]])
    >>> full = -moment_hessian(mp, np.zeros(2), sig, observed=False)
    >>> bool(np.isclose(expected_quadratic(mp, np.zeros(2), sig, z)[0], z[0] @ full @ z[0]))
    True
    """
    z = np.atleast_2d(np.asarray(z, dtype=float))
    p = mp.p
    k = z.shape[0]
    inv, _, _ = _padded_terms(mp, np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float))
    f = mp.freq
    zm = z[:, :p]
    out = np.einsum("ri,ij,rj->r", zm, np.tensordot(f, inv, axes=1), zm)
    r, c = vech_indices(p)
    zs = np.zeros((k, p, p))
    zs[:, r, c] = z[:, p:]
    zs[:, c, r] = z[:, p:]
    zcols = zs.transpose(1, 0, 2).reshape(p, k * p)  # [Z_1 | Z_2 | ...]
    step = 2048  # patterns at a time: the products stay about 2048 x p x k x p numbers
    for a in range(0, inv.shape[0], step):
        w = inv[a : a + step]
        m = (w.reshape(-1, p) @ zcols).reshape(w.shape[0], p, k, p).transpose(0, 2, 1, 3)  # W_g Z_r
        tr = (m * m.transpose(0, 1, 3, 2)).sum(axis=(2, 3))  # tr(W_g Z_r W_g Z_r), (g, r)
        out += 0.5 * (f[a : a + step] @ tr)
    return out


def fiml_casewise(
    y: np.ndarray,
    mp: MissingPatterns,
    mu: np.ndarray,
    sigma: np.ndarray,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Casewise log-likelihoods and scores of incomplete normal data.

    For row :math:`i` with observed variables :math:`o`, residual
    :math:`d_i = y_{i,o} - \mu_o` and :math:`a_i = \Sigma_{oo}^{-1} d_i`:

    .. math::

        \ell_i = -\tfrac12\big[p_i \log 2\pi + \log|\Sigma_{oo}| + d_i^\top a_i\big],
        \quad
        \frac{\partial \ell_i}{\partial \mu_o} = a_i, \quad
        \frac{\partial \ell_i}{\partial \Sigma_{oo}} = \tfrac12\big(a_i a_i^\top -
        \Sigma_{oo}^{-1}\big),

    the latter returned as :math:`D_p^\top \operatorname{vec}` (off-diagonal elements
    twice), all multiplied by the row's weight (lavaan's
    ``lav_mvnorm_missing_llik_casewise`` and ``lav_mvnorm_missing_scores_mu_vech_sigma``;
    the scores are the building block of the robust, Huber-White, standard errors of
    ``estimator = "MLR"`` with missing data). Rows are handled a group of patterns at a time
    (no loop over rows).

    Parameters
    ----------
    y : ndarray, shape (n, p)
        The data the patterns ``mp`` were built from.
    mp : MissingPatterns
    mu : ndarray, shape (p,)
    sigma : ndarray, shape (p, p)
    weights : ndarray, shape (n,), optional

    Returns
    -------
    loglik : ndarray, shape (n,)
        ``nan`` for rows missing on every variable.
    scores : ndarray, shape (n, p + p (p + 1) / 2)
        Derivatives with respect to ``mu`` then ``vech(sigma)``; zero for empty rows.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 1.0], [1.0, np.nan], [-1.0, -1.0], [np.nan, 0.5]])
    >>> ll, sc = fiml_casewise(y, missing_patterns(y), np.zeros(2), np.eye(2))
    >>> bool(np.isclose(ll.sum(), fiml_loglik(missing_patterns(y), np.zeros(2), np.eye(2))))
    True
    >>> sc.sum(axis=0).tolist()
    [0.0, 0.5, -0.5, 1.0, -0.375]
    """
    y = np.asarray(y, dtype=float)
    mu, sigma = _check_moments(mp, mu, sigma)
    n, p = y.shape
    if n != mp.row_pattern.size or p != mp.p:
        raise DataError(f"y has shape {y.shape}, but the patterns were built from ({mp.row_pattern.size}, {mp.p})")
    r, c = vech_indices(p)
    mult = np.where(r == c, 0.5, 1.0)
    loglik = np.full(n, np.nan)
    scores = np.zeros((n, p + r.size))
    inv, logdet, _ = _padded_terms(mp, mu, sigma)
    rows = np.flatnonzero(mp.row_pattern >= 0)
    pat = mp.row_pattern[rows]
    yr = y[rows]
    d = np.where(np.isnan(yr), 0.0, yr - mu)  # zero where not observed
    inv_r = inv[pat]
    a = (inv_r @ d[:, :, None])[:, :, 0]
    k = mp.omask.sum(axis=1)[pat]
    loglik[rows] = -0.5 * (k * _LOG_2PI + logdet[pat] + np.einsum("ri,ri->r", d, a))
    scores[rows, :p] = a
    # 2 x dl_i/dSigma = a a' - Sigma_oo^{-1} (zero outside the observed block), on vech
    scores[rows, p:] = (a[:, r] * a[:, c] - inv_r[:, r, c]) * mult
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        loglik = loglik * w
        scores = scores * w[:, None]
    return loglik, scores


@dataclass(frozen=True, eq=False)
class EMResult:
    """Saturated (h1) moments estimated by EM.

    Attributes
    ----------
    mean : ndarray, shape (p,)
    cov : ndarray, shape (p, p)
        ML estimates of the mean vector and covariance matrix under MAR.
    loglik : float
        :func:`fiml_loglik` at (``mean``, ``cov``): lavaan's ``unrestricted.logl``.
    iterations : int
    converged : bool
        Whether the change fell below ``tol`` within ``max_iter`` iterations.
    hessian : ndarray or None
        The observed second derivatives of the log-likelihood in ``(mean, vech cov)`` at the
        estimates, when the estimator computed them (the h1 Newton steps), else None.
    """

    mean: np.ndarray
    cov: np.ndarray
    loglik: float
    iterations: int
    converged: bool
    hessian: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", freeze(self.mean))
        object.__setattr__(self, "cov", freeze(self.cov))
        if self.hessian is not None:
            object.__setattr__(self, "hessian", freeze(self.hessian))


def _em_start(y: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's EM start: observed means and ML variances (complete rows if weighted)."""
    if weights is not None:
        complete = ~np.isnan(y).any(axis=1)
        if complete.sum() > 2:
            x, w = y[complete], weights[complete]
            m = w @ x / w.sum()
            v = w @ (x - m) ** 2 / w.sum()
            return m, v
    m = np.nanmean(y, axis=0)
    v = np.nanmean((y - m) ** 2, axis=0)
    return m, v


def em_saturated(
    y: np.ndarray,
    mp: MissingPatterns | None = None,
    weights: np.ndarray | None = None,
    *,
    tol: float = 1e-5,
    max_iter: int = 500,
) -> EMResult:
    """ML mean vector and covariance matrix of incomplete normal data by EM.

    E-step, for pattern :math:`g` with observed part :math:`o` and missing part
    :math:`m`: :math:`B_g = \\Sigma_{mo} \\Sigma_{oo}^{-1}`,
    :math:`E(y_m \\mid y_o) = \\mu_m + B_g (y_o - \\mu_o)`,
    :math:`\\operatorname{Var}(y_m \\mid y_o) = \\Sigma_{mm} - B_g \\Sigma_{om}`; the
    expected sums :math:`T_1 = \\sum_i E(y_i)`, :math:`T_2 = \\sum_i E(y_i y_i^\\top)` are
    accumulated per pattern from the pattern moments (no loop over rows).
    M-step: :math:`\\mu = T_1/N`, :math:`\\Sigma = T_2/N - \\mu\\mu^\\top`; if an eigenvalue
    of :math:`\\Sigma` is below ``1e-6``, ``1e-8`` times its largest diagonal element is
    added to the diagonal (as lavaan). Stops when
    :math:`\\max|\\Delta(\\mu, \\operatorname{vech}\\Sigma)| <` ``tol``
    (Enders 2010, ch. 4; lavaan 0.6-14 ``lav_mvnorm_missing_h1_estimate_moments``).

    Parameters
    ----------
    y : ndarray, shape (n, p)
        Data with ``nan`` for missing values.
    mp : MissingPatterns, optional
        The patterns of ``y`` (computed if not given).
    weights : ndarray, optional
        Sampling weights (used for the patterns and the start values).
    tol : float
        lavaan's ``em.h1.tol`` (default 1e-5). Use ``1e-12`` or smaller for exact moments.
    max_iter : int
        lavaan's ``em.h1.iter.max``.

    Returns
    -------
    EMResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> y = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=200)
    >>> y[rng.random(200) < 0.3, 1] = np.nan
    >>> em = em_saturated(y, tol=1e-12)
    >>> bool(em.converged), round(float(em.cov[0, 1]), 4)
    (True, 0.4899)
    """
    y = np.asarray(y, dtype=float)
    if mp is None:
        mp = missing_patterns(y, weights)
    mu, sigma, it, converged = _em_iterate(y, mp, weights, tol, max_iter)
    return EMResult(
        mean=mu, cov=sigma, loglik=fiml_loglik(mp, mu, sigma), iterations=it, converged=converged
    )


def _em_iterate(
    y: np.ndarray, mp: MissingPatterns, weights: np.ndarray | None, tol: float, max_iter: int,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """The EM iterations of :func:`em_saturated`: ``(mean, cov, iterations, converged)``,
    from lavaan's start or from ``start`` (mean, covariance)."""
    if start is None:
        w = None if weights is None else np.asarray(weights, dtype=float)
        mu, var0 = _em_start(y, w)
        var0 = np.where(~np.isfinite(var0) | (var0 == 0.0), 1.0, var0)
        sigma = np.diag(var0)
    else:
        mu, sigma = np.array(start[0], dtype=float), np.array(start[1], dtype=float)
    p = mp.p
    nobs = mp.nobs
    r, c = vech_indices(p)
    old = np.concatenate([mu, sigma[r, c]])
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is reported)
        t1, t2 = _estep(mp, mu, sigma)
        mu = t1 / nobs
        sigma = t2 / nobs - np.outer(mu, mu)
        sigma = 0.5 * (sigma + sigma.T)
        if np.linalg.eigvalsh(sigma).min() < 1e-6:
            sigma[np.diag_indices(p)] += sigma.diagonal().max() * 1e-8
        new = np.concatenate([mu, sigma[r, c]])
        delta = float(np.max(np.abs(new - old)))
        old = new
        if delta < tol:
            converged = True
            break
    return mu, sigma, it, converged


def _estep(mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected sufficient statistics :math:`T_1 = \\sum_i E(y_i)`, :math:`T_2 = \\sum_i
    E(y_i y_i^\top)` of all patterns at once.

    With :math:`W_g` the zero-padded :math:`\\Sigma_{oo}^{-1}` and :math:`B_g = \\Sigma W_g`
    (whose observed block is the identity and missing rows are the regression weights
    :math:`\\Sigma_{mo}\\Sigma_{oo}^{-1}`), the conditional mean of a row is
    :math:`\\mu + B_g (y_{i,o} - \\mu_o)` and the conditional covariance
    :math:`C_g = \\Sigma - \\Sigma W_g \\Sigma` (zero outside the missing block), so a pattern
    adds :math:`f_g e_g` and :math:`f_g (e_g e_g^\top + B_g S_g B_g^\top + C_g)` with
    :math:`e_g = \\mu + B_g(\\bar y_g - \\mu)`.
    The sums over the patterns are taken between the two Sigma factors that every term
    carries (two stacked products per pattern instead of four).
    """
    inv, _, resid = _padded_terms(mp, mu, sigma)
    f = mp.freq
    n = float(f.sum())
    # every term is Sigma (...) Sigma around a per-pattern matrix, so the sums over the
    # patterns are taken inside: with a_g = W_g (ybar_g - mu), e_g = mu + Sigma a_g and
    # B_g S_g B_g' + C_g = Sigma (W_g S_g W_g - W_g) Sigma + Sigma, the totals are
    # T_1 = N mu + v and T_2 = N (mu mu' + Sigma) + mu v' + v mu' + Sigma M Sigma with
    # v = Sigma sum_g f_g a_g and M = sum_g f_g (a_g a_g' + W_g S_g W_g - W_g)
    a = (inv @ resid[:, :, None])[:, :, 0]  # (G, p)
    v = sigma @ (f @ a)
    m = (a.T * f) @ a + np.tensordot(f, inv @ mp.pcov @ inv - inv, axes=1)
    m = 0.5 * (m + m.T)
    t2 = n * (np.outer(mu, mu) + sigma) + np.outer(mu, v) + np.outer(v, mu) + sigma @ m @ sigma
    return n * mu + v, t2
