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
    "MissingPatterns",
    "em_saturated",
    "fiml_casewise",
    "fiml_gradient",
    "fiml_loglik",
    "fiml_loglik_gradient",
    "missing_patterns",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True, eq=False)
class _PatternGroup:
    """Patterns with the same number ``k`` of observed variables, stacked."""

    obs: np.ndarray  # (G, k) indices of the observed variables
    mis: np.ndarray  # (G, p - k) indices of the missing variables
    freq: np.ndarray  # (G,) frequencies (sums of weights)
    mean: np.ndarray  # (G, k) pattern means of the observed variables
    cov: np.ndarray  # (G, k, k) pattern ML covariance matrices
    pattern: np.ndarray  # (G,) positions of these patterns in MissingPatterns
    flat1: np.ndarray  # (G * p,) variable of each element of [observed, missing] per pattern
    flat2: np.ndarray  # (G * p * p,) flat p x p position of each element of the permuted matrix


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
    groups : tuple of _PatternGroup
        Patterns grouped by their number of observed variables (internal).
    """

    p: int
    nobs: float
    observed: np.ndarray
    freq: np.ndarray
    row_pattern: np.ndarray
    empty_rows: np.ndarray
    groups: tuple[_PatternGroup, ...]

    def __post_init__(self) -> None:
        for name in ("observed", "freq", "row_pattern", "empty_rows"):
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
    # one integer code per row (bits of the observed mask), then unique codes = patterns;
    # lavaan orders patterns by their "0101..." strings, which is the order of
    # ``observed`` rows compared lexicographically with False < True
    packed = np.packbits(obs, axis=1)
    codes, inverse = np.unique(packed[nonempty], axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    observed = np.unpackbits(codes, axis=1, count=p).astype(bool)
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
    order = np.argsort(row_pattern, kind="stable")
    starts = np.searchsorted(row_pattern[order], np.arange(npat))
    stops = np.append(starts[1:], n)
    nobs_var = observed.sum(axis=1)
    groups = []
    for k in np.unique(nobs_var):
        pats = np.flatnonzero(nobs_var == k)
        oi = np.stack([np.flatnonzero(observed[g]) for g in pats]).astype(np.intp)
        mi = np.stack([np.flatnonzero(~observed[g]) for g in pats]).astype(np.intp)
        mean = np.empty((pats.size, k))
        cov = np.empty((pats.size, k, k))
        for t, g in enumerate(pats):  # once, at set-up
            rows = order[starts[g] : stops[g]]
            x = y[np.ix_(rows, oi[t])]
            wg = w[rows]
            mean[t] = wg @ x / freq[g]
            xc = x - mean[t]
            cov[t] = (xc * wg[:, None]).T @ xc / freq[g]
        perm = np.concatenate([oi, mi], axis=1)
        groups.append(
            _PatternGroup(
                obs=freeze(oi), mis=freeze(mi), freq=freeze(freq[pats]),
                mean=freeze(mean), cov=freeze(cov), pattern=freeze(pats),
                flat1=freeze(perm.reshape(-1)),
                flat2=freeze((perm[:, :, None] * p + perm[:, None, :]).reshape(-1)),
            )
        )
    return MissingPatterns(
        p=p, nobs=nobs, observed=observed, freq=freq, row_pattern=row_pattern,
        empty_rows=empty_rows, groups=tuple(groups),
    )


def _sub(a: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Stacked submatrices ``a[r[g]][:, c[g]]`` for every row ``g`` of the index arrays."""
    return a[r[:, :, None], c[:, None, :]]


def _group_terms(
    grp: _PatternGroup, mu: np.ndarray, sigma: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse, log-determinant and mean residual of every pattern of a group."""
    s_oo = _sub(sigma, grp.obs, grp.obs)
    chol = np.linalg.cholesky(s_oo)
    logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    inv = np.linalg.inv(s_oo)
    inv = 0.5 * (inv + np.swapaxes(inv, 1, 2))
    resid = grp.mean - mu[grp.obs]
    return inv, logdet, resid


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
    total = 0.0
    for grp in mp.groups:
        inv, logdet, resid = _group_terms(grp, mu, sigma)
        k = grp.obs.shape[1]
        quad = np.einsum("gij,gji->g", inv, grp.cov) + np.einsum("gi,gij,gj->g", resid, inv, resid)
        total += float(grp.freq @ (k * _LOG_2PI + logdet + quad))
    return -0.5 * total


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
    mu, sigma = _check_moments(mp, mu, sigma)
    p = mp.p
    dmu = np.zeros(p)
    dsig = np.zeros(p * p)
    total = 0.0
    for grp in mp.groups:
        inv, logdet, resid = _group_terms(grp, mu, sigma)
        f = grp.freq
        k = grp.obs.shape[1]
        a = np.einsum("gij,gj->gi", inv, resid)  # Sigma_g^{-1} (ybar_g - mu_g)
        t = grp.cov + resid[:, :, None] * resid[:, None, :]
        quad = np.einsum("gij,gji->g", inv, t)
        total += float(f @ (k * _LOG_2PI + logdet + quad))
        obs_flat = grp.flat1.reshape(-1, p)[:, :k]
        dmu += np.bincount(obs_flat.reshape(-1), weights=(f[:, None] * a).reshape(-1), minlength=p)
        g = 0.5 * f[:, None, None] * (inv @ t @ inv - inv)
        flat = (obs_flat[:, :, None] * p + obs_flat[:, None, :]).reshape(-1)
        dsig += np.bincount(flat, weights=g.reshape(-1), minlength=p * p)
    r, c = vech_indices(p)
    dvech = np.where(r == c, 1.0, 2.0) * dsig.reshape(p, p)[r, c]
    return -0.5 * total, dmu, dvech


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
    mult = np.where(r == c, 1.0, 2.0)
    loglik = np.full(n, np.nan)
    scores = np.zeros((n, p + r.size))
    where = np.full(mp.n_patterns, -1, dtype=np.intp)  # position of a pattern in its group
    for grp in mp.groups:
        where[grp.pattern] = np.arange(grp.pattern.size)
    group_of = np.empty(mp.n_patterns, dtype=np.intp)
    for gi, grp in enumerate(mp.groups):
        group_of[grp.pattern] = gi
    rows_all = np.flatnonzero(mp.row_pattern >= 0)
    pat_all = mp.row_pattern[rows_all]
    for gi, grp in enumerate(mp.groups):
        sel = group_of[pat_all] == gi
        rows = rows_all[sel]
        t = where[pat_all[sel]]
        inv, logdet, _ = _group_terms(grp, mu, sigma)
        obs = grp.obs[t]  # (R, k)
        d = y[rows[:, None], obs] - mu[obs]
        inv_r = inv[t]
        a = np.einsum("rij,rj->ri", inv_r, d)
        k = obs.shape[1]
        loglik[rows] = -0.5 * (k * _LOG_2PI + logdet[t] + np.einsum("ri,ri->r", d, a))
        smu = np.zeros((rows.size, p))
        smu[np.arange(rows.size)[:, None], obs] = a
        ssig = np.zeros((rows.size, p, p))
        ssig[np.arange(rows.size)[:, None, None], obs[:, :, None], obs[:, None, :]] = 0.5 * (
            a[:, :, None] * a[:, None, :] - inv_r
        )
        scores[rows, :p] = smu
        scores[rows, p:] = ssig[:, r, c] * mult
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
    """

    mean: np.ndarray
    cov: np.ndarray
    loglik: float
    iterations: int
    converged: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", freeze(self.mean))
        object.__setattr__(self, "cov", freeze(self.cov))


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
    w = None if weights is None else np.asarray(weights, dtype=float)
    mu, var0 = _em_start(y, w)
    var0 = np.where(~np.isfinite(var0) | (var0 == 0.0), 1.0, var0)
    sigma = np.diag(var0)
    p = mp.p
    nobs = mp.nobs
    r, c = vech_indices(p)
    old = np.concatenate([mu, sigma[r, c]])
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is reported)
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for grp in mp.groups:
            _estep_group(grp, mu, sigma, t1, t2)
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
    return EMResult(
        mean=mu, cov=sigma, loglik=fiml_loglik(mp, mu, sigma), iterations=it, converged=converged
    )


def _estep_group(
    grp: _PatternGroup, mu: np.ndarray, sigma: np.ndarray, t1: np.ndarray, t2: np.ndarray
) -> None:
    """Add the expected sufficient statistics of one group of patterns to ``t1``, ``t2``.

    Works in each pattern's permuted order (observed variables, then missing ones) and
    scatters the whole group back with one ``bincount`` per statistic.
    """
    obs, mis, f = grp.obs, grp.mis, grp.freq
    p = t1.size
    mom2 = grp.cov + grp.mean[:, :, None] * grp.mean[:, None, :]  # mean over rows of y_o y_o'
    if mis.shape[1] == 0:
        vec, mat = grp.mean, mom2
    else:
        s_oo = _sub(sigma, obs, obs)
        s_mo = _sub(sigma, mis, obs)
        s_mm = _sub(sigma, mis, mis)
        b = np.swapaxes(np.linalg.solve(s_oo, np.swapaxes(s_mo, 1, 2)), 1, 2)  # (G, q, k)
        cond = s_mm - b @ np.swapaxes(s_mo, 1, 2)
        a = mu[mis] - np.einsum("gqk,gk->gq", b, mu[obs])  # E(y_m | y_o) = a + B y_o
        bmean = np.einsum("gqk,gk->gq", b, grp.mean)
        bm = b @ mom2  # (G, q, k)
        mo = a[:, :, None] * grp.mean[:, None, :] + bm  # mean of y_m y_o'
        amb = a[:, :, None] * bmean[:, None, :]
        mm = a[:, :, None] * a[:, None, :] + amb + np.swapaxes(amb, 1, 2) + bm @ np.swapaxes(b, 1, 2) + cond
        vec = np.concatenate([grp.mean, a + bmean], axis=1)
        mat = np.concatenate(
            [np.concatenate([mom2, np.swapaxes(mo, 1, 2)], axis=2), np.concatenate([mo, mm], axis=2)], axis=1
        )
    t1 += np.bincount(grp.flat1, weights=(f[:, None] * vec).reshape(-1), minlength=p)
    t2 += np.bincount(grp.flat2, weights=(f[:, None, None] * mat).reshape(-1), minlength=p * p).reshape(p, p)
