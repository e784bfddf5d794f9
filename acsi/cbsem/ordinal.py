"""Ordinal items for CB-SEM: thresholds, polychoric and polyserial correlations, and their
asymptotic covariance matrix (the sample statistics of lavaan's WLSMV/DWLS/WLS estimators).

An ordinal item :math:`y` with categories :math:`1, \\dots, K` is a coarsened standard
normal latent response :math:`y^*`: :math:`y = c \\iff \\tau_{c-1} < y^* \\le \\tau_c`,
:math:`\\tau_0 = -\\infty`, :math:`\\tau_K = +\\infty`. The sample statistics are
estimated in steps (Olsson 1979; Muthén 1984; lavaan's ``lav_samplestats_step1`` and
``lav_samplestats_step2``):

1. **Thresholds** from the marginal proportions,
   :math:`\\hat\\tau_c = \\Phi^{-1}(\\sum_{j \\le c} n_j / n)` (the univariate ML
   estimates); for a continuous item its ML mean and variance.
2. **Polychoric correlation** of two ordinal items: with both items' thresholds fixed,
   :math:`\\hat\\rho` maximises :math:`\\sum_{a,b} n_{ab} \\log \\pi_{ab}(\\rho)`, where
   :math:`\\pi_{ab} = \\Phi_2(\\tau_a, \\tau_b) - \\Phi_2(\\tau_{a-1}, \\tau_b) -
   \\Phi_2(\\tau_a, \\tau_{b-1}) + \\Phi_2(\\tau_{a-1}, \\tau_{b-1})` are the
   bivariate-normal rectangle probabilities of the cells (Olsson 1979, two-step).
   **Polyserial** correlation of a continuous :math:`x` (standardised
   :math:`z = (x - \\hat\\mu)/\\hat\\sigma`) with an ordinal :math:`y`: :math:`\\hat\\rho`
   maximises :math:`\\sum_i \\log[\\Phi(\\tau^*_{y_i}) - \\Phi(\\tau^*_{y_i - 1})]`,
   :math:`\\tau^*_c = (\\tau_c - \\rho z_i)/\\sqrt{1-\\rho^2}` (Olsson, Drasgow & Dorans
   1982). Pearson correlation for two continuous items.
3. **Asymptotic covariance matrix** (lavaan's ``NACOV``, ``lavInspect(fit, "gamma")``) of
   :math:`\\hat\\kappa = (\\hat\\tau, \\hat\\sigma^2_{\\text{cont}}, \\hat\\rho)` from the
   estimating equations of the steps (Muthén 1984; Muthén, du Toit & Spisic 1997): with
   casewise scores :math:`s_i` of all univariate and bivariate likelihoods,
   :math:`A = \\begin{pmatrix} A_{11} & 0 \\\\ A_{21} & A_{22} \\end{pmatrix}` (their
   outer-product derivatives: :math:`A_{11}` block diagonal per item,
   :math:`A_{22}` diagonal, :math:`A_{21}` the cross products of the bivariate
   correlation scores with the bivariate threshold/mean/variance scores) and
   :math:`B = \\sum_i s_i s_i^\\top`,
   :math:`\\Gamma = N A^{-1} B A^{-\\top}`; correlations involving continuous items are
   turned into covariances by the delta method. The DWLS weight matrix is
   :math:`\\operatorname{diag}(\\Gamma)^{-1}`.

Everything is computed once per data set (not per iteration of an estimator). The
bivariate normal distribution function is Genz's (2004) algorithm (Drezner & Wesolowsky
1990 with Gauss-Legendre quadrature), the algorithm of the ``pbivnorm`` package lavaan
uses, vectorised over all cells of all item pairs.

References
----------
Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal and
t probabilities. *Statistics and Computing*, 14, 251-260.

Muthén, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. *Psychometrika*, 49, 115-132.

Muthén, B., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using weighted least
squares and quadratic estimating equations in latent variable modeling with categorical
and continuous outcomes. Unpublished manuscript.

Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
coefficient. *Psychometrika*, 44, 443-460.

Olsson, U., Drasgow, F., & Dorans, N. J. (1982). The polyserial correlation coefficient.
*Psychometrika*, 47, 337-347.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from acsi.exceptions import DataError
from acsi.results.base import freeze

__all__ = [
    "OrdinalMoments",
    "bvn_cdf",
    "bvn_pdf",
    "ordinal_codes",
    "ordinal_moments",
    "polychoric",
    "polyserial",
    "thresholds",
]

_SQRT_EPS = float(np.sqrt(np.finfo(float).eps))
_TWO_PI = 2.0 * np.pi
# 20-point Gauss-Legendre rule on [-1, 1], the ten negative nodes (Genz's largest rule)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(20)
_GL_X, _GL_W = _GL_X[:10], _GL_W[:10]


def _phi(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / np.sqrt(_TWO_PI)


def _bvn_upper(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X > h, Y > k) for finite h, k and |r| < 1 (Genz's BVNU), vectorised."""
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float), np.asarray(r, float))
    h, k, r = h.ravel(), k.ravel(), r.ravel()
    out = np.empty(h.shape)
    small = np.abs(r) < 0.925
    if small.any():
        hs, ks, rs = h[small], k[small], r[small]
        hk = hs * ks
        hsq = 0.5 * (hs * hs + ks * ks)
        asr = np.arcsin(rs)
        sn1 = np.sin(asr[:, None] * (1.0 + _GL_X) / 2.0)
        sn2 = np.sin(asr[:, None] * (1.0 - _GL_X) / 2.0)
        tot = (
            _GL_W * np.exp((sn1 * hk[:, None] - hsq[:, None]) / (1.0 - sn1 * sn1))
        ).sum(axis=1) + (
            _GL_W * np.exp((sn2 * hk[:, None] - hsq[:, None]) / (1.0 - sn2 * sn2))
        ).sum(axis=1)
        out[small] = tot * asr / (2.0 * _TWO_PI) + ndtr(-hs) * ndtr(-ks)
    big = ~small
    if big.any():
        hb, kb, rb = h[big], k[big].copy(), r[big]
        neg = rb < 0
        kb[neg] = -kb[neg]
        hk = hb * kb
        bvn = np.zeros(hb.shape)
        inner = np.abs(rb) < 1.0
        if inner.any():
            hi, ki, hki, ri = hb[inner], kb[inner], hk[inner], rb[inner]
            as_ = (1.0 - ri) * (1.0 + ri)
            a = np.sqrt(as_)
            bs = (hi - ki) ** 2
            c = (4.0 - hki) / 8.0
            d = (12.0 - hki) / 16.0
            asr = -(bs / as_ + hki) / 2.0
            val = np.where(
                asr > -100.0,
                a * np.exp(asr) * (1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as_ * as_ / 5.0),
                0.0,
            )
            b = np.sqrt(bs)
            sp = np.sqrt(_TWO_PI) * ndtr(-b / a)
            val = val - np.where(
                hki > -100.0,
                np.exp(-hki / 2.0) * sp * b * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0),
                0.0,
            )
            a2 = a / 2.0
            for sgn in (-1.0, 1.0):
                xs = (a2[:, None] * (sgn * _GL_X + 1.0)) ** 2
                rs = np.sqrt(1.0 - xs)
                asr2 = -(bs[:, None] / xs + hki[:, None]) / 2.0
                sp2 = 1.0 + c[:, None] * xs * (1.0 + d[:, None] * xs)
                ep = np.exp(-hki[:, None] * xs / (2.0 * (1.0 + rs) ** 2)) / rs
                term = np.where(asr2 > -100.0, np.exp(asr2) * (ep - sp2), 0.0)
                val = val + a2 * (_GL_W * term).sum(axis=1)
            bvn[inner] = -val / _TWO_PI
        pos = rb > 0
        res = np.empty(hb.shape)
        res[pos] = bvn[pos] + ndtr(-np.maximum(hb[pos], kb[pos]))
        ng = ~pos
        hn, kn, bn = hb[ng], kb[ng], bvn[ng]
        lo = np.where(hn < 0, ndtr(kn) - ndtr(hn), ndtr(-hn) - ndtr(-kn))
        res[ng] = np.where(hn >= kn, -bn, lo - bn)
        out[big] = res
    return np.clip(out, 0.0, 1.0)


def bvn_cdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray | float) -> np.ndarray:
    """Bivariate standard normal distribution function :math:`\\Phi_2(h, k; \\rho)`.

    Genz's (2004) algorithm (absolute error below ``1e-15``), vectorised and broadcast over
    ``h``, ``k`` and ``rho``; infinite limits are handled exactly
    (:math:`\\Phi_2(\\infty, k) = \\Phi(k)`, :math:`\\Phi_2(-\\infty, k) = 0`).

    Parameters
    ----------
    h, k : array_like
        Upper limits.
    rho : array_like
        Correlations in ``(-1, 1)``.

    Returns
    -------
    ndarray
        The probabilities, shape of the broadcast inputs.

    Examples
    --------
    >>> round(float(bvn_cdf(0.0, 0.0, 0.5)), 12)  # 1/4 + asin(0.5)/(2 pi)
    0.333333333333
    >>> float(bvn_cdf(np.inf, 1.0, 0.3)) == float(ndtr(1.0))
    True
    """
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float), np.asarray(rho, float))
    out = np.zeros(h.shape)
    fin = np.isfinite(h) & np.isfinite(k)
    if fin.any():
        out[fin] = _bvn_upper(-h[fin], -k[fin], r[fin])
    hinf = (h == np.inf) & (k > -np.inf)
    out[hinf] = ndtr(k[hinf])
    kinf = (k == np.inf) & np.isfinite(h)
    out[kinf] = ndtr(h[kinf])
    return out


def bvn_pdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray | float) -> np.ndarray:
    """Bivariate standard normal density :math:`\\phi_2(h, k; \\rho)` (0 at infinite limits).

    .. math::

        \\phi_2 = \\frac{1}{2\\pi\\sqrt{1-\\rho^2}}
        \\exp\\Big(-\\frac{h^2 - 2\\rho h k + k^2}{2(1-\\rho^2)}\\Big)

    Examples
    --------
    >>> round(float(bvn_pdf(0.0, 0.0, 0.0)), 12)
    0.159154943092
    """
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float), np.asarray(rho, float))
    out = np.zeros(h.shape)
    fin = np.isfinite(h) & np.isfinite(k)
    hf, kf, rf = h[fin], k[fin], r[fin]
    s = 1.0 - rf * rf
    out[fin] = np.exp(-(hf * hf - 2.0 * rf * hf * kf + kf * kf) / (2.0 * s)) / (_TWO_PI * np.sqrt(s))
    return out


def _dbvn_pdf_drho(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """:math:`\\partial\\phi_2/\\partial\\rho` (0 at infinite limits)."""
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float), np.asarray(r, float))
    f = bvn_pdf(h, k, r)
    fin = np.isfinite(h) & np.isfinite(k)
    s = 1.0 - r * r
    hh = np.where(fin, h, 0.0)
    kk = np.where(fin, k, 0.0)
    fac = r / s + (hh * kk * (1.0 + r * r) - r * (hh * hh + kk * kk)) / (s * s)
    return np.where(fin, f * fac, 0.0)


def ordinal_codes(
    x: np.ndarray, name: str = "item", levels: Sequence[float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Codes ``0 .. K-1`` of an ordinal item and its categories.

    Without ``levels`` the categories are the distinct observed values in increasing
    order (lavaan: ``ordered(x)``), so a scale point no one chose at either end of the scale
    simply has no threshold. With ``levels`` (the scale, e.g. ``range(1, 11)``) every value
    must be one of them, and a level between two observed ones that no one chose is an
    error (its threshold would not exist).

    Parameters
    ----------
    x : ndarray
        The answers (no missing values).
    name : str
        The item, for error messages.
    levels : sequence of float, optional
        The scale points in order.

    Returns
    -------
    codes : ndarray of int
    categories : ndarray
        The observed categories (values), ``categories[codes] == x``.

    Raises
    ------
    DataError
        Missing or non-finite answers, a value outside ``levels``, an empty category between
        used ones, or fewer than two observed categories.

    Examples
    --------
    >>> codes, cats = ordinal_codes(np.array([2, 4, 4, 3, 2]))
    >>> codes.tolist(), cats.tolist()
    ([0, 2, 2, 1, 0], [2.0, 3.0, 4.0])
    """
    x = np.asarray(x, dtype=float)
    if not np.isfinite(x).all():
        raise DataError(
            f"ordinal item {name!r} has missing or non-finite values; ordinal estimation "
            "(WLSMV) needs complete rows: remove them first"
        )
    cats, codes = np.unique(x, return_inverse=True)
    if levels is not None:
        lev = np.asarray(levels, dtype=float)
        outside = ~np.isin(cats, lev)
        if outside.any():
            raise DataError(
                f"ordinal item {name!r} has values {cats[outside].tolist()} that are not among "
                f"its levels {lev.tolist()}"
            )
        pos = np.searchsorted(lev, cats) if np.all(np.diff(lev) > 0) else np.array(
            [int(np.flatnonzero(lev == c)[0]) for c in cats]
        )
        gaps = np.flatnonzero(np.diff(pos) > 1)
        if gaps.size:
            empty = [lev[j].item() for g in gaps for j in range(pos[g] + 1, pos[g + 1])]
            raise DataError(
                f"ordinal item {name!r}: no one chose category {empty} between used "
                f"categories; its threshold cannot be estimated: merge it with a neighbour "
                f"(recode) or treat the item as continuous"
            )
    if cats.size < 2:
        raise DataError(
            f"ordinal item {name!r} has only one observed value ({cats.tolist()}); it carries "
            "no information for a correlation: remove it from the model"
        )
    return codes.reshape(-1).astype(np.intp), cats


def thresholds(codes: np.ndarray, ncat: int | None = None) -> np.ndarray:
    """Thresholds of an ordinal item from its marginal proportions.

    .. math:: \\hat\\tau_c = \\Phi^{-1}\\Big(\\sum_{j \\le c} n_j / n\\Big), \\quad c = 1, \\dots, K-1

    the univariate ML estimates (lavaan's ``lav_uvord_th``; Olsson 1979).

    Parameters
    ----------
    codes : ndarray of int
        Categories coded ``0 .. K-1`` (see :func:`ordinal_codes`).
    ncat : int, optional
        Number of categories (default ``codes.max() + 1``).

    Returns
    -------
    ndarray, shape (K - 1,)

    Examples
    --------
    >>> thresholds(np.array([0, 0, 1, 1, 1, 2, 2, 2])).round(6).tolist()
    [-0.67449, 0.318639]
    """
    counts = np.bincount(np.asarray(codes), minlength=ncat or 0).astype(float)
    return np.asarray(ndtri(np.cumsum(counts)[:-1] / counts.sum()))


def _weighted_thresholds(codes: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Thresholds from the weighted marginal proportions (lavaan's ``lav_uvord_th`` with
    ``wt``); ``codes`` of the observed rows only."""
    counts = np.bincount(np.asarray(codes), weights=w)
    return np.asarray(ndtri(np.cumsum(counts)[:-1] / counts.sum()))


def _cell_tables(
    t1: np.ndarray, t2: np.ndarray, rho: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell probabilities and their first two rho-derivatives for many pairs at once.

    ``t1``, ``t2`` (P, K+1): thresholds with -inf first and +inf after the last (padded
    with +inf); ``rho`` (P,). Returns arrays (P, K, K).
    """
    h = t1[:, :, None]
    k = t2[:, None, :]
    r = rho[:, None, None]
    cdf = bvn_cdf(h, k, r)
    pdf = bvn_pdf(h, k, r)
    dpdf = _dbvn_pdf_drho(h, k, r)

    def rect(a: np.ndarray) -> np.ndarray:
        return a[:, 1:, 1:] - a[:, :-1, 1:] - a[:, 1:, :-1] + a[:, :-1, :-1]

    return rect(cdf), rect(pdf), rect(dpdf)


def _solve_score(
    score: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    npair: int,
    scale: np.ndarray,
    tol: float = 1e-13,
    max_iter: int = 200,
) -> np.ndarray:
    """Roots of many scalar score functions in ``[-0.999, 0.999]`` (lavaan's bounds).

    Safeguarded Newton steps inside a bracket kept by the sign of the score (a step that
    leaves the bracket or meets a non-negative curvature is replaced by bisection), all
    pairs at once, starting at 0 (the scores are not evaluated at the bounds, where lavaan's
    clamping of tiny cell probabilities can flip their sign). ``score(r)`` returns the scores
    and their derivatives; iterations stop when ``|score| <= tol * scale`` or the bracket is
    narrower than ``1e-15``. A score that keeps its sign over the whole interval ends at the
    bound (as lavaan's box constraint).
    """
    lo = np.full(npair, -0.999)
    hi = np.full(npair, 0.999)
    rho = np.zeros(npair)
    active = np.ones(npair, dtype=bool)
    g, h = score(rho)
    for _ in range(max_iter):
        active &= (np.abs(g) > tol * scale) & (hi - lo > 1e-15)
        if not active.any():
            break
        lo = np.where(active & (g > 0), rho, lo)
        hi = np.where(active & (g < 0), rho, hi)
        newton = rho - g / np.where(h < 0, h, -1.0)
        ok = (h < 0) & (newton > lo) & (newton < hi)
        new = np.where(ok, newton, 0.5 * (lo + hi))
        rho = np.where(active, new, rho)
        g, h = score(rho)
    return rho


def _fit_polychoric(t1: np.ndarray, t2: np.ndarray, freq: np.ndarray) -> np.ndarray:
    """Two-step ML polychoric correlations of P pairs (roots of the scores).

    The score is :math:`\\sum n_{ab} \\pi'_{ab}/\\pi_{ab}` with
    :math:`\\pi'_{ab} = \\partial\\pi_{ab}/\\partial\\rho` the rectangle sum of
    :math:`\\phi_2`; cell probabilities below :math:`\\sqrt{\\epsilon}` are raised to it
    (as lavaan), their derivatives set to 0.
    """

    def score(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pi, d1, d2 = _cell_tables(t1, t2, r)
        clamp = pi < _SQRT_EPS
        pi = np.where(clamp, _SQRT_EPS, pi)
        d1 = np.where(clamp, 0.0, d1)
        d2 = np.where(clamp, 0.0, d2)
        g = (freq * d1 / pi).sum(axis=(1, 2))
        hess = (freq * (d2 / pi - (d1 / pi) ** 2)).sum(axis=(1, 2))
        return g, hess

    return _solve_score(score, freq.shape[0], freq.sum(axis=(1, 2)))


def polychoric(c1: np.ndarray, c2: np.ndarray, th1: np.ndarray | None = None,
               th2: np.ndarray | None = None) -> float:
    """Two-step ML polychoric correlation of two ordinal items (Olsson 1979).

    Thresholds are fixed at their univariate estimates (:func:`thresholds`); :math:`\\rho`
    maximises :math:`\\sum_{a,b} n_{ab} \\log \\pi_{ab}(\\rho)` (see the module notes).
    lavaan's ``lavCor(..., ordered = ...)`` and the sample statistics of
    ``sem(..., ordered = ...)``. A 2 x 2 table with one empty cell gets 0.5 added to the
    cells of its diagonal (keeping the margins, as lavaan's ``zero.add``).

    Parameters
    ----------
    c1, c2 : ndarray of int
        Category codes ``0 .. K-1`` (:func:`ordinal_codes`).
    th1, th2 : ndarray, optional
        Thresholds (default: :func:`thresholds`).

    Returns
    -------
    float

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> z = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=2000)
    >>> c1 = np.digitize(z[:, 0], [-1.0, 0.0, 1.0]); c2 = np.digitize(z[:, 1], [-0.5, 0.7])
    >>> round(polychoric(c1, c2), 2)
    0.63
    """
    return float(_pair_fit_tables([np.asarray(c1), np.asarray(c2)], [th1, th2], [(0, 1)])[0][0])


def _pair_fit_tables(
    codes: list[np.ndarray], ths: Sequence[np.ndarray | None], pairs: list[tuple[int, int]],
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit the polychoric correlations of ``pairs``; return rho, padded thresholds, freq.

    ``weights``: case weights (the cell counts are weighted sums); a code ``-1`` (a missing
    answer) leaves the row out of the pair's table (pairwise deletion)."""
    th = [thresholds(c) if t is None else np.asarray(t, float) for c, t in zip(codes, ths)]
    kmax = max(t.size for t in th) + 1
    ext = np.full((len(th), kmax + 1), np.inf)
    ext[:, 0] = -np.inf
    for j, t in enumerate(th):
        ext[j, 1 : t.size + 1] = t
    ii = np.array([a for a, _ in pairs], dtype=np.intp)
    jj = np.array([b for _, b in pairs], dtype=np.intp)
    freq = np.zeros((len(pairs), kmax, kmax))
    for q, (a, b) in enumerate(pairs):
        ok = (codes[a] >= 0) & (codes[b] >= 0)
        np.add.at(freq[q], (codes[a][ok], codes[b][ok]), 1.0 if weights is None else weights[ok])
    # lavaan's zero.add for 2 x 2 tables with one empty cell (keeping the margins)
    for q, (a, b) in enumerate(pairs):
        if th[a].size == 1 and th[b].size == 1:
            f = freq[q, :2, :2]
            zero = f == 0
            if zero.sum() == 1:
                sgn = 1.0 if (zero[0, 0] or zero[1, 1]) else -1.0
                f += sgn * np.array([[0.5, -0.5], [-0.5, 0.5]])
    rho = _fit_polychoric(ext[ii], ext[jj], freq)
    return rho, ext, freq, np.asarray(kmax)


def _uvreg(x: np.ndarray) -> tuple[float, float]:
    m = float(x.mean())
    return m, float(((x - m) ** 2).mean())


def _polyserial_terms(
    z: np.ndarray, lo: np.ndarray, up: np.ndarray, rho: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-case conditional probability, its rho-score and the two standardised limits."""
    r = np.sqrt(1.0 - rho * rho)
    u = (up - rho * z) / r
    lw = (lo - rho * z) / r
    prob = np.maximum(ndtr(u) - ndtr(lw), np.finfo(float).eps)
    fu = np.where(np.isfinite(u), _phi(np.where(np.isfinite(u), u, 0.0)), 0.0)
    fl = np.where(np.isfinite(lw), _phi(np.where(np.isfinite(lw), lw, 0.0)), 0.0)
    upf = np.where(np.isfinite(up), up, 0.0)
    lof = np.where(np.isfinite(lo), lo, 0.0)
    score = (fu * (upf * rho - z) - fl * (lof * rho - z)) / (prob * r**3)
    return prob, score, fu, fl


def _fit_polyserial(z: np.ndarray, lo: np.ndarray, up: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Two-step polyserial correlations, columns of ``z``/``lo``/``up`` (n, P) one per pair.

    Roots of the summed scores :func:`_polyserial_terms` (weighted by ``w`` (n, P): case
    weights, 0 for a row missing on either item); the derivative of the score is taken by a
    central difference (it only steers the Newton steps).
    """
    eps = 1e-6
    ww = np.ones(z.shape) if w is None else w

    def score(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = (ww * _polyserial_terms(z, lo, up, r)[1]).sum(axis=0)
        gp = (ww * _polyserial_terms(z, lo, up, np.minimum(r + eps, 0.9999))[1]).sum(axis=0)
        gm = (ww * _polyserial_terms(z, lo, up, np.maximum(r - eps, -0.9999))[1]).sum(axis=0)
        return g, (gp - gm) / (np.minimum(r + eps, 0.9999) - np.maximum(r - eps, -0.9999))

    return _solve_score(score, z.shape[1], ww.sum(axis=0))


def _pearson_score(z1: np.ndarray, z2: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Casewise rho-score of the bivariate normal with fixed means and variances."""
    s = 1.0 - r * r
    quad = z1 * z1 - 2.0 * r * z1 * z2 + z2 * z2
    return r / s + (z1 * z2 / s - quad * r / (s * s))


def _fit_pearson_pairwise(z1: np.ndarray, z2: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Two-step ML correlations of continuous pairs with missing rows (lavaan's
    ``lav_bvreg_cor_twostep_fit``): the means and variances fixed at their (available-case)
    univariate estimates, :math:`\rho` the root of the weighted score over the rows where
    both are observed (``w`` 0 elsewhere)."""
    eps = 1e-6

    def score(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = (w * _pearson_score(z1, z2, r)).sum(axis=0)
        rp, rm = np.minimum(r + eps, 0.9999), np.maximum(r - eps, -0.9999)
        gp = (w * _pearson_score(z1, z2, rp)).sum(axis=0)
        gm = (w * _pearson_score(z1, z2, rm)).sum(axis=0)
        return g, (gp - gm) / (rp - rm)

    return _solve_score(score, z1.shape[1], w.sum(axis=0))


def polyserial(x: np.ndarray, codes: np.ndarray, th: np.ndarray | None = None) -> float:
    """Two-step ML polyserial correlation of a continuous and an ordinal item.

    The mean and (ML) variance of ``x`` and the thresholds of the ordinal item are fixed at
    their univariate estimates; :math:`\\rho` maximises
    :math:`\\sum_i \\log[\\Phi(\\tau^*_{y_i}) - \\Phi(\\tau^*_{y_i-1})]`,
    :math:`\\tau^*_c = (\\tau_c - \\rho z_i)/\\sqrt{1-\\rho^2}` (Olsson, Drasgow & Dorans
    1982; lavaan's ``lav_bvmix_cor_twostep_fit``).

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> z = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=3000)
    >>> round(polyserial(3 + 2 * z[:, 0], np.digitize(z[:, 1], [-0.5, 0.5])), 2)
    0.51
    """
    x = np.asarray(x, float)
    codes = np.asarray(codes)
    t = thresholds(codes) if th is None else np.asarray(th, float)
    ext = np.concatenate([[-np.inf], t, [np.inf]])
    m, v = _uvreg(x)
    z = ((x - m) / np.sqrt(v))[:, None]
    return float(_fit_polyserial(z, ext[codes][:, None], ext[codes + 1][:, None])[0])


@dataclass(frozen=True, eq=False)
class OrdinalMoments:
    """Sample statistics of ordinal (and continuous) items for WLS-type estimators.

    The layout is lavaan 0.6-14's (``lavInspect(fit, "sampstat")``, ``"gamma"``,
    ``"wls.v"``): :math:`\\kappa` stacks, per item in order, its thresholds (an ordinal item)
    or its mean (a continuous item), then the variances of the continuous items, then the
    correlations/covariances below the diagonal column by column
    (:math:`(2,1), (3,1), \\dots, (p,1), (3,2), \\dots`).

    Attributes
    ----------
    names : tuple of str
    ordered : ndarray of bool
        Which items are ordinal.
    th : ndarray
        Thresholds of the ordinal items and means of the continuous items, in item order.
    th_item : ndarray of int
        The item of every element of ``th``.
    th_names : tuple of str
        ``"x1|t1"``, ... for thresholds, the item name for a mean (lavaan's TH.NAMES).
    var : ndarray
        Variances (1 for ordinal items, the ML variance for continuous ones).
    cor : ndarray, shape (p, p)
        Polychoric / polyserial / Pearson correlations.
    cov : ndarray, shape (p, p)
        ``cor`` rescaled by the standard deviations (equal to ``cor`` without continuous
        items): lavaan's ``sampstat$cov``.
    nacov : ndarray
        :math:`\\Gamma`, the asymptotic covariance matrix of :math:`\\sqrt{N}\\hat\\kappa`
        (lavaan's ``NACOV``, ``lavInspect(fit, "gamma")``).
    nobs : int
    """

    names: tuple[str, ...]
    ordered: np.ndarray
    th: np.ndarray
    th_item: np.ndarray
    th_names: tuple[str, ...]
    var: np.ndarray
    cor: np.ndarray
    cov: np.ndarray
    nacov: np.ndarray
    nobs: int

    def __post_init__(self) -> None:
        for name in ("ordered", "th", "th_item", "var", "cor", "cov", "nacov"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

    @property
    def wls_obs(self) -> np.ndarray:
        """The stacked statistics :math:`\\kappa` (lavaan's ``wls.obs``): thresholds (means of
        continuous items with their sign flipped, as lavaan), variances of continuous items,
        covariances below the diagonal."""
        p = len(self.names)
        th = np.where(self.ordered[self.th_item], self.th, -self.th)
        r, c = np.tril_indices(p, -1)
        order = np.lexsort((r, c))
        return np.concatenate([th, self.var[~self.ordered], self.cov[r[order], c[order]]])

    @property
    def wls_v_diag(self) -> np.ndarray:
        """The diagonal DWLS weight, :math:`1/\\operatorname{diag}(\\Gamma)` (lavaan's
        ``WLS.VD`` for ``estimator = "DWLS"``/``"WLSMV"``)."""
        return 1.0 / np.diag(self.nacov)


def ordinal_moments(
    data: np.ndarray,
    ordered: Sequence[bool] | np.ndarray,
    names: Sequence[str] | None = None,
    levels: dict[str, Sequence[float]] | None = None,
    *,
    weights: np.ndarray | None = None,
    pairwise: bool = False,
) -> OrdinalMoments:
    """Thresholds, polychoric/polyserial/Pearson correlations and their NACOV (one group).

    See the module notes for the estimating equations (Olsson 1979; Muthén 1984; Muthén,
    du Toit & Spisic 1997). The result equals lavaan 0.6-14's sample statistics for
    ``estimator = "WLSMV"`` (``lavInspect(fit, "sampstat")``, ``"gamma"``), without
    exogenous covariates.

    With ``weights`` (lavaan's ``sampling.weights``, normalised to sum to ``n``) every
    univariate and bivariate likelihood is weighted: thresholds from weighted proportions,
    weighted means and ML variances, polychoric tables of weighted counts; in the sandwich
    the casewise scores :math:`s_i` enter as :math:`B = \\sum_i w_i^2 s_i s_i^\\top`
    and :math:`A` from :math:`\\sum_i w_i s_i s_i^\\top` (lavaan's ``muthen1984``).
    With ``pairwise=True`` (lavaan's ``missing = "pairwise"``) missing answers (NaN) are
    allowed: the thresholds, means and variances of an item come from the rows that answered
    it, each correlation from the rows that answered both items (the other rows' scores are
    0), and :math:`\\Gamma` keeps the divisor ``n``, the number of rows.

    Parameters
    ----------
    data : ndarray, shape (n, p)
        Complete data (NaN allowed with ``pairwise``); ordinal items coded by any increasing
        numbers.
    ordered : sequence of bool, length p
        Which columns are ordinal.
    names : sequence of str, optional
        Item names (error messages, threshold names).
    levels : dict, optional
        Scale points per ordinal item (see :func:`ordinal_codes`).
    weights : ndarray, shape (n,), optional
        Case weights (non-negative; the caller normalises them).
    pairwise : bool, default False
        Pairwise deletion of missing answers.

    Returns
    -------
    OrdinalMoments

    Raises
    ------
    DataError
        Missing values, an ordinal item with one observed value or an empty category between
        used ones (naming the item).

    Examples
    --------
    >>> rng = np.random.default_rng(7)
    >>> z = rng.multivariate_normal(np.zeros(3), 0.5 + 0.5 * np.eye(3), size=500)
    >>> y = np.column_stack([np.digitize(z[:, 0], [-1, 0, 1]), np.digitize(z[:, 1], [0.2]), z[:, 2]])
    >>> om = ordinal_moments(y, [True, True, False], names=["a", "b", "c"])
    >>> om.th_names
    ('a|t1', 'a|t2', 'a|t3', 'b|t1', 'c')
    >>> om.nacov.shape
    (9, 9)
    """
    y = np.asarray(data, dtype=float)
    n, p = y.shape
    ordm = np.asarray(ordered, dtype=bool)
    labels = tuple(names) if names is not None else tuple(f"V{j + 1}" for j in range(p))
    if ordm.shape != (p,):
        raise DataError(f"ordered must give one flag per column ({p}), got {ordm.shape}")
    lv = levels or {}
    codes: list[np.ndarray] = []
    th_list: list[np.ndarray] = []
    means = np.zeros(p)
    var = np.ones(p)
    obs = np.isfinite(y) if pairwise else np.ones((n, p), dtype=bool)
    wt = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    for j in range(p):
        oj = obs[:, j]
        if ordm[j]:
            c_obs, _ = ordinal_codes(y[oj, j], labels[j], lv.get(labels[j]))
            c = np.full(n, -1, dtype=np.intp)
            c[oj] = c_obs
            codes.append(c)
            th_list.append(thresholds(c_obs) if weights is None else _weighted_thresholds(c_obs, wt[oj]))
        else:
            if not np.isfinite(y[oj, j]).all():
                raise DataError(f"item {labels[j]!r} has missing values; remove those rows first")
            codes.append(np.zeros(n, dtype=np.intp))
            if weights is None:
                means[j], var[j] = _uvreg(y[oj, j])
            else:
                ww = wt[oj]
                means[j] = float(ww @ y[oj, j] / ww.sum())
                var[j] = float(ww @ (y[oj, j] - means[j]) ** 2 / ww.sum())
            th_list.append(np.array([means[j]]))
    if pairwise:
        both = obs.T.astype(float) @ obs.astype(float)
        never = [(labels[i], labels[j]) for i in range(p) for j in range(i) if both[i, j] == 0]
        if never:
            first, second = never[0]
            raise DataError(
                f"items {first!r} and {second!r} are never answered by the same respondent"
                f"{f' (and {len(never) - 1} more pairs)' if len(never) > 1 else ''}; their "
                "correlation cannot be estimated with missing='pairwise': remove one of them "
                "from the model"
            )
    nth = np.array([t.size for t in th_list])
    th_end = np.cumsum(nth)
    th_start = th_end - nth
    th_all = np.concatenate(th_list)
    th_item = np.repeat(np.arange(p), nth)
    th_names = tuple(
        name for j in range(p)
        for name in ([f"{labels[j]}|t{t + 1}" for t in range(nth[j])] if ordm[j] else [labels[j]])
    )
    num = np.flatnonzero(~ordm)
    sd = np.sqrt(var)
    zc = np.where(obs, (y - means) / sd, 0.0)  # standardised continuous columns (0 when missing)

    # ---- univariate scores (n, nth + nnum)
    ntot_th = int(nth.sum())
    sc_th = np.zeros((n, ntot_th))
    sc_var = np.zeros((n, num.size))
    ext = {}
    for j in range(p):
        if ordm[j]:
            e = np.concatenate([[-np.inf], th_list[j], [np.inf]])
            ext[j] = e
            c = np.maximum(codes[j], 0)
            up, lo = e[c + 1], e[c]
            prob = ndtr(up) - ndtr(lo)
            k = nth[j]
            rows = np.arange(n)
            fu = _phi(np.where(np.isfinite(up), up, 0.0)) * np.isfinite(up)
            fl = _phi(np.where(np.isfinite(lo), lo, 0.0)) * np.isfinite(lo)
            block = np.zeros((n, k))
            hasup = c < k
            block[rows[hasup], c[hasup]] = fu[hasup] / prob[hasup]
            haslo = c > 0
            block[rows[haslo], c[haslo] - 1] = -fl[haslo] / prob[haslo]
            block[~obs[:, j]] = 0.0
            sc_th[:, th_start[j] : th_end[j]] = block
        else:
            res = np.where(obs[:, j], y[:, j] - means[j], 0.0)
            sc_th[:, th_start[j]] = res / var[j]
            sc_var[:, int(np.searchsorted(num, j))] = np.where(
                obs[:, j], -1.0 / (2.0 * var[j]) + res * res / (2.0 * var[j] ** 2), 0.0)

    # ---- correlations, pair by kind
    rr, cc = np.tril_indices(p, -1)
    order = np.lexsort((rr, cc))
    pi_, pj_ = rr[order], cc[order]  # pair q: (i, j), i > j, column-major
    npair = pi_.size
    cor = np.eye(p)
    kind_oo = ordm[pi_] & ordm[pj_]
    kind_nn = ~ordm[pi_] & ~ordm[pj_]
    kind_mix = ~kind_oo & ~kind_nn
    sc_cor = np.zeros((n, npair))
    a21 = np.zeros((npair, ntot_th + num.size))
    h21 = np.zeros((npair, ntot_th + num.size))
    h22 = np.ones(npair)
    var_pos = {int(j): ntot_th + t for t, j in enumerate(num)}

    qs = np.flatnonzero(kind_oo)
    if qs.size:
        rho, ext_pad, freq, _ = _pair_fit_tables(
            codes, [th_list[j] if ordm[j] else None for j in range(p)],
            [(int(pi_[q]), int(pj_[q])) for q in qs], weights=weights,
        )
        cor[pi_[qs], pj_[qs]] = cor[pj_[qs], pi_[qs]] = rho
        t1, t2 = ext_pad[pi_[qs]], ext_pad[pj_[qs]]
        pi, d1, _ = _cell_tables(t1, t2, rho)
        lik = np.where(pi <= _SQRT_EPS, np.nan, pi)
        dx = d1 / lik  # rho-score per cell (P, K, K)
        r_ = np.sqrt(1.0 - rho * rho)[:, None, None]
        kk = t1.shape[1] - 1  # number of categories (padded)
        # bivariate threshold scores per cell: derivative of log pi_ab w.r.t. tau_a (upper of
        # y1's category) and tau_{a-1} (its lower), likewise for y2
        a_up = t1[:, 1:]  # (P, K) upper threshold of y1 category a
        a_lo = t1[:, :-1]
        b_up = t2[:, 1:]
        b_lo = t2[:, :-1]

        def margin_part(x: np.ndarray, w_up: np.ndarray, w_lo: np.ndarray) -> np.ndarray:
            """phi(x) [Phi((w_up - r x)/R) - Phi((w_lo - r x)/R)] on (P, K, K)."""
            xf = np.where(np.isfinite(x), x, 0.0)
            rr_ = rho[:, None, None]
            val = _phi(xf) * (ndtr((w_up - rr_ * xf) / r_) - ndtr((w_lo - rr_ * xf) / r_))
            return np.where(np.isfinite(x), val, 0.0)

        y1z1 = margin_part(a_up[:, :, None], b_up[:, None, :], b_lo[:, None, :])
        y1z2 = margin_part(a_lo[:, :, None], b_up[:, None, :], b_lo[:, None, :])
        y2z1 = margin_part(b_up[:, None, :], a_up[:, :, None], a_lo[:, :, None])
        y2z2 = margin_part(b_lo[:, None, :], a_up[:, :, None], a_lo[:, :, None])
        for t, q in enumerate(qs):
            i, j = int(pi_[q]), int(pj_[q])
            ok = (codes[i] >= 0) & (codes[j] >= 0)
            ci, cj = codes[i][ok], codes[j][ok]
            sc_cor[ok, q] = dx[t][ci, cj]
            # A21: sum over cases of w_i s_rho * (bivariate threshold score)
            w = np.zeros((kk, kk))
            np.add.at(w, (ci, cj), wt[ok])
            ws = w * np.nan_to_num(dx[t]) / np.where(np.isnan(lik[t]), np.inf, lik[t])
            ki, kj = nth[i], nth[j]
            # y1 threshold m: + for cells with a == m (upper), - for a == m + 1 (lower)
            g1 = (ws * y1z1[t]).sum(axis=1)[:ki] - (ws * y1z2[t]).sum(axis=1)[1 : ki + 1]
            g2 = (ws * y2z1[t]).sum(axis=0)[:kj] - (ws * y2z2[t]).sum(axis=0)[1 : kj + 1]
            a21[q, th_start[i] : th_end[i]] = g1
            a21[q, th_start[j] : th_end[j]] = g2

    qs = np.flatnonzero(kind_mix)
    if qs.size:
        nums = np.where(~ordm[pi_[qs]], pi_[qs], pj_[qs])
        ords = np.where(~ordm[pi_[qs]], pj_[qs], pi_[qs])
        okm = obs[:, nums] & obs[:, ords]
        up = np.column_stack([ext[int(o)][np.maximum(codes[int(o)], 0) + 1] for o in ords])
        lo = np.column_stack([ext[int(o)][np.maximum(codes[int(o)], 0)] for o in ords])
        up = np.where(okm, up, np.inf)  # a row missing on either item: probability 1, score 0
        lo = np.where(okm, lo, -np.inf)
        z = np.where(okm, zc[:, nums], 0.0)
        wm = wt[:, None] * okm
        rho = _fit_polyserial(z, lo, up, wm if (pairwise or weights is not None) else None)
        cor[pi_[qs], pj_[qs]] = cor[pj_[qs], pi_[qs]] = rho
        prob, s_rho, fu, fl = _polyserial_terms(z, lo, up, rho)
        r_ = np.sqrt(1.0 - rho * rho)
        sdn = sd[nums]
        dmu = (z + (rho / r_) * (fu - fl) / prob) / sdn
        dvar = ((z * z - 1.0) + (rho * z / r_) * (fu - fl) / prob) / (2.0 * var[nums])
        sc_cor[:, qs] = s_rho
        for t, q in enumerate(qs):
            o, m = int(ords[t]), int(nums[t])
            c = np.maximum(codes[o], 0)
            k = nth[o]
            rows = np.arange(n)
            dth = np.zeros((n, k))
            hasup = c < k
            dth[rows[hasup], c[hasup]] = fu[hasup, t] / (r_[t] * prob[hasup, t])
            haslo = c > 0
            dth[rows[haslo], c[haslo] - 1] = -fl[haslo, t] / (r_[t] * prob[haslo, t])
            ws = wm[:, t] * s_rho[:, t]
            a21[q, th_start[m]] = ws @ dmu[:, t]
            a21[q, th_start[o] : th_end[o]] = ws @ np.where(okm[:, t, None], dth, 0.0)
            a21[q, var_pos[m]] = ws @ dvar[:, t]
            h21[q, var_pos[m]] = rho[t] / (2.0 * sdn[t])
            h22[q] = sdn[t]

    qs = np.flatnonzero(kind_nn)
    if qs.size:
        iq, jq = pi_[qs], pj_[qs]
        z1, z2 = zc[:, iq], zc[:, jq]
        okn = obs[:, iq] & obs[:, jq]
        wn = wt[:, None] * okn
        if pairwise and not okn.all():
            rho = _fit_pearson_pairwise(z1, z2, wn)
        elif weights is not None:
            rho = (wn * z1 * z2).sum(axis=0) / wn.sum(axis=0)
        else:
            rho = (z1 * z2).mean(axis=0)
        cor[iq, jq] = cor[jq, iq] = rho
        s = 1.0 - rho * rho
        sd1, sd2 = sd[iq], sd[jq]
        y1c, y2c = z1 * sd1, z2 * sd2
        quad = z1 * z1 - 2.0 * rho * z1 * z2 + z2 * z2
        s_rho = np.where(okn, rho / s + (z1 * z2 / s - quad * rho / (s * s)), 0.0)
        dmu1 = (2 * y1c / var[iq] - 2 * rho * y2c / (sd1 * sd2)) / (2 * s)
        dmu2 = -(2 * rho * y1c / (sd1 * sd2) - 2 * y2c / var[jq]) / (2 * s)
        dv1 = -(0.5 / var[iq] - ((y1c * y1c) / var[iq] ** 2 - rho * y1c * y2c / (var[iq] * sd1 * sd2)) / (2 * s))
        dv2 = -(0.5 / var[jq] + (rho * y1c * y2c / (var[jq] * sd1 * sd2) - (y2c * y2c) / var[jq] ** 2) / (2 * s))
        sc_cor[:, qs] = s_rho
        for t, q in enumerate(qs):
            a, b = int(iq[t]), int(jq[t])
            ws = wt * s_rho[:, t]
            a21[q, th_start[a]] = ws @ dmu1[:, t]
            a21[q, th_start[b]] = ws @ dmu2[:, t]
            a21[q, var_pos[a]] = ws @ dv1[:, t]
            a21[q, var_pos[b]] = ws @ dv2[:, t]
            h21[q, var_pos[a]] = sd2[t] * rho[t] / (2.0 * sd1[t])
            h21[q, var_pos[b]] = sd1[t] * rho[t] / (2.0 * sd2[t])
            h22[q] = sd1[t] * sd2[t]

    # ---- sandwich: Gamma = N * Binv INNER Binv'
    sc = np.concatenate([sc_th, sc_var, sc_cor], axis=1)
    if weights is None:
        inner = sc.T @ sc
        inner_a = inner
    else:  # lavaan: B from the weighted scores w_i s_i, A from w_i s_i s_i'
        scw = sc * wt[:, None]
        inner = scw.T @ scw
        inner_a = scw.T @ sc
    n1 = ntot_th + num.size
    a11 = np.zeros((n1, n1))
    for j in range(p):
        idx = list(range(th_start[j], th_end[j]))
        if not ordm[j]:
            idx.append(var_pos[j])
        ix = np.array(idx)
        a11[np.ix_(ix, ix)] = inner_a[np.ix_(ix, ix)]
    a22 = (wt[:, None] * sc_cor * sc_cor).sum(axis=0)
    a11_inv = np.linalg.inv(a11)
    binv = np.zeros((n1 + npair, n1 + npair))
    binv[:n1, :n1] = a11_inv
    binv[n1:, :n1] = -(a21 / a22[:, None]) @ a11_inv
    binv[n1:, n1:] = np.diag(1.0 / a22)
    gamma = binv @ inner @ binv.T
    if num.size:
        hmat = np.eye(n1 + npair)
        hmat[n1:, :n1] = h21
        hmat[n1:, n1:] = np.diag(h22)
        gamma = hmat @ gamma @ hmat.T
        flip = np.flatnonzero(~ordm[th_item])
        gamma[flip, :] *= -1.0
        gamma[:, flip] *= -1.0
    gamma = n * gamma
    gamma = 0.5 * (gamma + gamma.T)
    covm = cor * np.outer(sd, sd)
    return OrdinalMoments(
        names=labels, ordered=ordm, th=th_all, th_item=th_item, th_names=th_names,
        var=var, cor=cor, cov=covm, nacov=gamma, nobs=n,
    )
