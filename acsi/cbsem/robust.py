"""Robust (MLR) inference: Huber-White sandwich covariance and the Yuan-Bentler scaled test.

This reproduces lavaan's ``estimator = "MLR"`` for complete data: standard errors from the
sandwich ``A^-1 B A^-1 / N`` (``A`` the observed information of the model, ``B`` the
first-order information from casewise scores) and the Yuan-Bentler (Mplus variant) scaled
chi-square with its scaling factor, for the model and for the independence (baseline) model.

The moment kernels (casewise scores, the ADF ``Gamma``, the h1 information, the baseline
model) live in :mod:`acsi.cbsem.moments`, shared with :mod:`acsi.cbsem.fit_measures`.

Conventions (lavaan's): ``vech`` stacks the lower triangle column by column; a moment vector
is ``[mean (if meanstructure), vech(Sigma)]``; information matrices are per observation.

References
----------
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance
structure analysis with nonnormal missing data. *Sociological Methodology*, 30, 165-200.

Asparouhov, T., & Muthen, B. (2005). Multivariate statistical modeling with survey data.
Proceedings of the FCSM Research Conference (the Mplus variant of the trace).

Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2), 1-36.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from acsi._linalg import duplication_pre_post_kron, vech_indices
from acsi._validation import check_choice
from acsi.cbsem.moments import (
    CoreLike,
    baseline_moments,
    h1_quadratic,
    x_indices,
    x_mask,
)
from acsi.exceptions import AcsiError

__all__ = ["CoreLike", "RobustTest", "huber_white_vcov", "yuan_bentler_mplus", "first_order_information"]

Array = NDArray[Any]


# --------------------------------------------------------------------------------------------
# moment kernels
# --------------------------------------------------------------------------------------------


def _r_divide(a: float, b: float) -> float:
    """``a / b`` with R's semantics (``x / 0`` is ``Inf`` or ``NaN``, never an exception)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / np.float64(b))


def _inv_information(info: Array, what: str) -> Array:
    try:
        inv = np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise AcsiError(
            f"the {what} information matrix is singular: the model may not be identified; "
            "robust (MLR) standard errors and test statistics need an invertible information"
        ) from exc
    return inv


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def first_order_information(core: CoreLike, *, chunk_rows: int | None = None) -> Array:
    """Unit first-order information ``B0 = Delta' B1 Delta`` of the model's free parameters.

    ``B1 = 1/N sum s_i s_i'`` from the casewise scores ``s_i`` of the normal log-likelihood in
    ``[mu, vech(Sigma)]`` at the model-implied moments (the sample mean when there is no mean
    structure); this is lavaan's ``lavInspect(fit, "information.first.order")`` for MLR.

    The casewise gradients ``g_i = Delta' s_i`` are accumulated over blocks of rows
    (``sum g_i g_i'``), so memory does not grow with ``N``. For a LISREL model every
    ``g_ik`` is a product of two columns of ``[y_i, y_i' Lambda A, y_i' Lambda Veta]``
    (``y_i = Sigma^-1 (x_i - mu)``) plus a mean term and a constant (see
    :func:`_score_plan`), which costs ``O(p m + q)`` per row instead of ``O(p* q)``.

    Parameters
    ----------
    core : EstimationCore
        The fitted model.
    chunk_rows : int, optional
        Rows per block (default: about 4096; the result does not depend on it beyond
        round-off).

    Returns
    -------
    ndarray, shape (q, q)
    """
    src = _stored(core)
    if src is not None:  # fitted to acsi.moments: B1 from the stored fourth-order moments
        mu = core.mu if core.meanstructure else core.mean
        delta = np.asarray(core.Delta, dtype=float)
        b1 = src.score_information(mu, np.linalg.inv(core.Sigma), core.meanstructure)
        x_idx = x_indices(core)
        if core.meanstructure and x_idx.size:  # the fixed.x moments' scores are zero
            mask = x_mask(len(core.ov_names), x_idx, True)
            b1[mask, :] = 0.0
            b1[:, mask] = 0.0
        return delta.T @ b1 @ delta
    key = _cache_key(core) if chunk_rows is None else None
    if key is not None:
        hit = _FIRST_ORDER.get(key[0])
        if hit is not None and hit[0] == key[1]:
            return hit[1]
    b0 = _first_order(core, chunk_rows)
    if key is not None:
        b0.flags.writeable = False
        _FIRST_ORDER[key[0]] = (key[1], b0)
    return b0


# B0 of a fitted model is needed by both the sandwich and the scaled test: kept (read-only)
# with the model's immutable kernel while it lives, tagged with the estimates and the data
# buffer it was computed from, so one fit makes one pass over its rows for it
_FIRST_ORDER: weakref.WeakKeyDictionary[Any, tuple[tuple[Any, ...], Array]] = weakref.WeakKeyDictionary()


def _stored(core: CoreLike) -> Any:
    """The :class:`acsi.Moments` a core was fitted to (no rows), or None."""
    from acsi.cbsem.from_moments import stored_moments

    return stored_moments(core)


def _cache_key(core: CoreLike) -> tuple[Any, tuple[Any, ...]] | None:
    from acsi.cbsem.core import EstimationCore

    if not isinstance(core, EstimationCore):
        return None
    x = core.X
    tag = (
        np.asarray(core.theta).tobytes(), x.__array_interface__["data"][0], x.shape, x.strides,
        core.meanstructure, tuple(core.fixed_x or ()),
        None if _weights(core) is None else np.asarray(_weights(core)).tobytes(),
    )
    return core.kernel, tag


def _first_order(core: CoreLike, chunk_rows: int | None) -> Array:
    """:func:`first_order_information` without the cache."""
    mu = core.mu if core.meanstructure else core.mean
    x_idx = x_indices(core)
    si = np.linalg.inv(core.Sigma)
    delta = np.asarray(core.Delta, dtype=float)
    plan = _score_plan(core, si, delta, x_idx)
    x = core.X
    n, p = x.shape
    q = delta.shape[1]
    acc = np.zeros((q, q))
    wt = _weights(core)  # sampling weights: the casewise scores are weighted
    if plan is None:
        # the general path: casewise scores times Delta, block by block
        r, c = vech_indices(p)
        half = np.where(r == c, 0.5, 1.0)
        mask = x_mask(p, x_idx, True) if core.meanstructure else None
        wv = si[r, c] * half
        for lo, hi in _blocks(n, chunk_rows):
            yc = (x[lo:hi] - mu) @ si
            sc = yc[:, r] * yc[:, c] * half - wv
            if core.meanstructure:
                sc = np.hstack([yc, sc])
                if mask is not None and mask.any():
                    sc[:, mask] = 0.0
            g = sc @ delta
            if wt is not None:
                g *= wt[lo:hi, None]
            acc += g.T @ g
        return acc / n
    la, gm, ia, ib, half, im, em, const, kmat = plan
    m = la.shape[1]
    step = _blocks(n, chunk_rows)[0][1] if n else 0
    zbuf = np.empty((step, p + 2 * m + 2))
    zbuf[:, -2] = 1.0
    zbuf[:, -1] = 0.0
    gbuf = np.empty((step, ia.size))
    tbuf = np.empty((step, ia.size))
    for lo, hi in _blocks(n, chunk_rows):
        k = hi - lo
        z, g, t = zbuf[:k], gbuf[:k], tbuf[:k]
        y = z[:, :p]
        np.matmul(x[lo:hi] - mu, si, out=y)
        np.matmul(y, la, out=z[:, p : p + m])
        np.matmul(y, gm, out=z[:, p + m : p + 2 * m])
        np.take(z, ia, axis=1, out=g)
        np.take(z, ib, axis=1, out=t)
        g *= t
        if half.size:
            g[:, half] *= 0.5
        if im is not None:
            np.take(z, im, axis=1, out=t)
            t *= em
            g += t
        g -= const
        gk = g @ kmat if kmat is not None else g
        if wt is not None:
            gk = gk * wt[lo:hi, None]
        acc += gk.T @ gk
    return acc / n


def _weights(core: CoreLike) -> Array | None:
    """The sampling weights of the rows of ``core.X`` (sum ``N``), or None."""
    w = getattr(core, "weights", None)
    return None if w is None else np.asarray(w, dtype=float)


_CHUNK_ROWS = 4096


def _blocks(n: int, chunk_rows: int | None) -> list[tuple[int, int]]:
    """``(lo, hi)`` row ranges of at most ``chunk_rows`` rows covering ``range(n)``."""
    step = max(1, int(chunk_rows) if chunk_rows is not None else _CHUNK_ROWS)
    return [(lo, min(n, lo + step)) for lo in range(0, n, step)]


def _score_plan(
    core: CoreLike, si: Array, delta: Array, x_idx: NDArray[np.intp]
) -> tuple[Any, ...] | None:
    """Gathers giving the casewise gradients ``g_i = Delta' s_i`` from small products.

    With ``y = Sigma^-1 (x - mu)``, ``v = y' Lambda A`` and ``u = y' Lambda Veta`` (one row
    each), ``g_k = 1/2 y' dSigma_k y + y' dmu_k - 1/2 tr(Sigma^-1 dSigma_k)``, and
    ``1/2 y' dSigma_k y`` is ``y_i u_j`` for ``Lambda_ij``, ``y_i y_j`` for ``Theta_ij``
    (half on the diagonal), ``v_i v_j`` for ``Psi_ij`` (half on the diagonal) and
    ``v_i u_j`` for ``B_ij``; ``y' dmu_k`` is ``y_i (A alpha)_j`` for ``Lambda_ij``,
    ``v_i (A alpha)_j`` for ``B_ij``, ``y_i`` for ``nu_i`` and ``v_i`` for ``alpha_i``.
    The constant is ``Delta_k`` applied to the half-diagonal ``vech(Sigma^-1)`` (the same
    as in the general path). ``None`` (use the general path) when the model is not an
    :class:`~acsi.cbsem.core.EstimationCore` or fixed.x moments with a non-zero ``Delta``
    row are masked.
    """
    from acsi.cbsem.core import EstimationCore
    from acsi.cbsem.matrices import _ALPHA, _BETA, _LAMBDA, _NU, _PSI, _THETA

    if not isinstance(core, EstimationCore):
        return None
    p = si.shape[0]
    ms = core.meanstructure
    nmean = p if ms else 0
    if ms and x_idx.size:
        mask = x_mask(p, x_idx, True)
        if np.any(delta[mask] != 0.0):
            return None
    kern = core.kernel
    model = core.model
    parts = core.parts
    rows = np.asarray(kern.free_rows)
    code = model.rows_mat[rows]
    ii = model.rows_i[rows].astype(np.intp)
    jj = model.rows_j[rows].astype(np.intp)
    m = model.m
    la = np.asarray(parts["LA"], dtype=float)
    gm = np.asarray(parts["G"], dtype=float) if "G" in parts else parts["Lambda"] @ parts["Veta"]
    o_v, o_u, one = p, p + m, p + 2 * m
    zero = one + 1  # z = [y, v, u, 1, 0]
    nf = rows.size
    ia = np.full(nf, zero, dtype=np.intp)
    ib = np.full(nf, one, dtype=np.intp)
    fac = np.ones(nf)
    for c_, a_off, b_off in ((_LAMBDA, 0, o_u), (_THETA, 0, 0), (_PSI, o_v, o_v), (_BETA, o_v, o_u)):
        sel = code == c_
        ia[sel] = a_off + ii[sel]
        ib[sel] = b_off + jj[sel]
        if c_ in (_THETA, _PSI):
            fac[sel & (ii == jj)] = 0.5
    im = em = None
    if ms:
        aal = parts["A"] @ np.asarray(parts["alpha"], dtype=float).reshape(-1)
        im = np.full(nf, zero, dtype=np.intp)
        em = np.zeros(nf)
        for c_, off in ((_LAMBDA, 0), (_BETA, o_v), (_NU, 0), (_ALPHA, o_v)):
            sel = code == c_
            im[sel] = off + ii[sel]
            em[sel] = aal[jj[sel]] if c_ in (_LAMBDA, _BETA) else 1.0
    r, c = vech_indices(p)
    wv = si[r, c] * np.where(r == c, 0.5, 1.0)
    k = np.asarray(kern.K)
    identity = k.shape[0] == k.shape[1] and bool(np.all(k == np.eye(k.shape[0])))
    # the constant from Delta w.r.t. the free rows (theta's columns are sums of them)
    draw = kern.delta_rows(parts)
    const = wv @ draw[nmean:]
    half = np.flatnonzero(fac == 0.5)
    return la, gm, ia, ib, half, im, em, const, None if identity else k


def huber_white_vcov(core: CoreLike) -> Array:
    """Huber-White (sandwich) covariance matrix of the free parameters, as lavaan's MLR.

    .. math:: \\widehat{V} = \\frac{1}{N} A^{-1} B A^{-1}

    with ``A`` the unit observed information (the Hessian of lavaan's fit function) and
    ``B = Delta' B1 Delta`` the unit first-order information from the casewise scores of the
    normal log-likelihood at the model-implied moments (see :func:`first_order_information`).

    Parameters
    ----------
    core : EstimationCore
        The fitted model (``core.information("observed")`` gives ``A``).

    Returns
    -------
    ndarray, shape (q, q)

    References
    ----------
    White, H. (1982). Maximum likelihood estimation of misspecified models. *Econometrica*,
    50, 1-25.  Yuan, K.-H., & Bentler, P. M. (2000), *Sociological Methodology*, 30, 165-200.

    Examples
    --------
    >>> import acsi
    >>> from acsi.cbsem.robust import huber_white_vcov
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs, estimator="MLR")
    >>> huber_white_vcov(res.core).shape
    (13, 13)
    """
    a_inv = _inv_information(np.asarray(core.information("observed"), dtype=float), "observed")
    b0 = first_order_information(core)
    v = a_inv @ b0 @ a_inv / core.N
    return 0.5 * (v + v.T)


@dataclass(frozen=True)
class RobustTest:
    """The Yuan-Bentler (Mplus variant) scaled chi-square of a model and of its baseline.

    Attributes
    ----------
    chisq : float
        The ML chi-square ``T`` (unscaled).
    df : float
    chisq_scaled : float
        ``T / c`` with ``c = trace(U Gamma) / df``.
    scaling_factor : float
        ``c`` (NaN when ``df = 0``).
    pvalue_scaled : float
    trace_ugamma : float
        ``trace(U Gamma) = trace_h1 - trace_h0``.
    scaling_factor_h1, scaling_factor_h0 : float
        ``trace_h1 / ndat_h1`` and ``trace_h0 / npar`` (lavaan's ``scaling.factor.h1/h0``).
    baseline_chisq, baseline_df, baseline_chisq_scaled, baseline_scaling_factor,
    baseline_pvalue_scaled : float
        The same for lavaan's independence (baseline) model.
    """

    chisq: float = math.nan
    df: float = math.nan
    chisq_scaled: float = math.nan
    scaling_factor: float = math.nan
    pvalue_scaled: float = math.nan
    trace_ugamma: float = math.nan
    scaling_factor_h1: float = math.nan
    scaling_factor_h0: float = math.nan
    baseline_chisq: float = math.nan
    baseline_df: float = math.nan
    baseline_chisq_scaled: float = math.nan
    baseline_scaling_factor: float = math.nan
    baseline_pvalue_scaled: float = math.nan

    def to_series(self) -> pd.Series:
        """All fields as a float Series."""
        return pd.Series({f.name: float(getattr(self, f.name)) for f in fields(self)})

    def _repr_html_(self) -> str:
        return self.to_series().to_frame("value").to_html()


def _h1_trace(
    core: CoreLike, x_idx: NDArray[np.intp], *, chunk_rows: int | None = None
) -> tuple[float, int]:
    """``trace(A1^-1 B1)`` of the unstructured h1 model and the number of its moments.

    ``A1`` is the h1 information at the sample moments and ``B1 = A1 Gamma A1`` (``Gamma``
    the ADF covariance of the moments), both without the fixed.x block, so the trace is
    ``tr(Gamma A1) = 1/N sum z_i' A1 z_i`` over the centered casewise moments ``z_i``.

    Without fixed.x covariates ``z_i' A1 z_i = [d_i] + 1/2 (d_i^2 - 2 d_i + p)`` with the
    squared Mahalanobis distance ``d_i = c_i' S^-1 c_i`` (``c_i = x_i - xbar``; the first
    term with a mean structure only), because ``tr(W (cc' - S) W (cc' - S))`` with
    ``W = S^-1`` is ``d^2 - 2 d + p``: one pass over the rows, ``O(p^2)`` each.
    """
    p = core.S.shape[0]
    mask = x_mask(p, x_idx, core.meanstructure)
    ndat = int((~mask).sum())
    w = np.linalg.inv(core.S)
    src = _stored(core)
    if src is not None and x_idx.size:  # fitted to acsi.moments, fixed.x covariates
        return src.h1_trace_fixed_x(w, core.meanstructure, x_idx, mask), ndat
    if src is not None:  # fitted to acsi.moments: mean(d), mean(d^2)
        m1, m2 = src.mahalanobis_moments(w)
        return float(0.5 * (m2 - 2.0 * m1 + p) + (m1 if core.meanstructure else 0.0)), ndat
    if x_idx.size:
        return _h1_trace_fixed_x(core.X, w, core.meanstructure, x_idx, mask, chunk_rows), ndat
    x = core.X
    n = x.shape[0]
    wt = _weights(core)
    if wt is not None:
        # sampling weights: the scores are weighted, 1/N sum w_i^2 z_i' A1 z_i at the
        # weighted moments
        w2 = wt * wt
        tot = 0.0
        for lo, hi in _blocks(n, chunk_rows):
            c = x[lo:hi] - core.mean
            d = np.einsum("ij,ij->i", c @ w, c)
            q_ = 0.5 * (d * d - 2.0 * d + p) + (d if core.meanstructure else 0.0)
            tot += float(w2[lo:hi] @ q_)
        return tot / n, ndat
    xbar = x.mean(axis=0)
    s1 = s2 = 0.0
    for lo, hi in _blocks(n, chunk_rows):
        c = x[lo:hi] - xbar
        d = np.einsum("ij,ij->i", c @ w, c)
        s1 += float(d.sum())
        s2 += float(d @ d)
    m1, m2 = s1 / n, s2 / n
    tr = 0.5 * (m2 - 2.0 * m1 + p)
    if core.meanstructure:
        tr += m1
    return float(tr), ndat


def _h1_trace_fixed_x(
    x: Array, w: Array, meanstructure: bool, x_idx: NDArray[np.intp], mask: NDArray[np.bool_],
    chunk_rows: int | None,
) -> float:
    """``1/N sum z_i' A1 z_i`` with fixed.x covariates, block by block.

    The centered moments of :func:`acsi.cbsem.moments.moment_deviations` (the moments of
    the data minus those of the regression fitted values), built per block of rows from
    the global means and regression coefficients (one pass for the mean of the fitted
    values, one for the mean moment vector, one for the quadratic forms).
    """
    n, p = x.shape
    r, c = vech_indices(p)
    y_idx = np.setdiff1d(np.arange(p), x_idx)
    design = np.hstack([np.ones((n, 1)), x[:, x_idx]])
    coef, *_ = np.linalg.lstsq(design, x[:, y_idx], rcond=None)
    blocks = _blocks(n, chunk_rows)

    def fitted(lo: int, hi: int) -> Array:
        yhat = x[lo:hi].copy()
        yhat[:, y_idx] = design[lo:hi] @ coef
        return yhat

    def moments(y: Array, centre: Array) -> Array:
        yc = y - centre
        z = yc[:, r] * yc[:, c]
        return np.hstack([y, z]) if meanstructure else z

    xbar = x.mean(axis=0)
    hbar = sum((fitted(lo, hi).sum(axis=0) for lo, hi in blocks), np.zeros(p)) / n

    def z_of(lo: int, hi: int) -> Array:
        return moments(x[lo:hi], xbar) - moments(fitted(lo, hi), hbar)

    zbar = sum((z_of(lo, hi).sum(axis=0) for lo, hi in blocks), np.zeros(mask.size)) / n
    total = 0.0
    for lo, hi in blocks:
        zc = z_of(lo, hi) - zbar
        zc[:, mask] = 0.0
        total += float(h1_quadratic(w, zc, meanstructure).sum())
    return total / n


def _baseline_first_order(
    core: CoreLike, sigma0: Array, sel: NDArray[np.intp], *, chunk_rows: int | None = None
) -> Array:
    """``1/N sum s_i s_i'`` over the baseline model's free moments ``sel`` (block by block).

    The scores of :func:`acsi.cbsem.moments.casewise_scores` at the sample mean and
    ``Sigma0``, only for the columns ``sel`` (means and variances, and the covariances
    among exogenous covariates): ``O(len(sel))`` per row.
    """
    src = _stored(core)
    if src is not None:  # fitted to acsi.moments: B1 at the sample mean and Sigma0
        b1 = src.score_information(core.mean, np.linalg.inv(sigma0), core.meanstructure)
        return np.asarray(b1[np.ix_(sel, sel)])
    x = core.X
    n, p = x.shape
    w = np.linalg.inv(sigma0)
    nmean = p if core.meanstructure else 0
    msel = sel[sel < nmean]
    r_all, c_all = vech_indices(p)
    csel = sel[sel >= nmean] - nmean
    r, c = r_all[csel], c_all[csel]
    half = np.where(r == c, 0.5, 1.0)
    wv = w[r, c] * half
    acc = np.zeros((sel.size, sel.size))
    wt = _weights(core)
    for lo, hi in _blocks(n, chunk_rows):
        y = (x[lo:hi] - core.mean) @ w
        sc = np.hstack([y[:, msel], y[:, r] * y[:, c] * half - wv])
        if wt is not None:
            sc *= wt[lo:hi, None]
        acc += sc.T @ sc
    return acc / n


def _baseline_information(
    core: CoreLike, sigma0: Array, sel: NDArray[np.intp], kind: str = "observed"
) -> Array:
    """Unit observed (or expected) information of the baseline model, whose free parameters
    are the moments ``sel`` of ``[mean, vech(Sigma)]`` (its ``Delta`` holds unit columns).

    The observed information of the normal log-likelihood in ``[mu, vech(Sigma)]`` at
    ``Sigma0`` (mean at the sample mean): ``W`` for the means, ``1/2 D'(W kron W(2S - Sigma0)W) D``
    for the covariances, no cross terms; ``W = Sigma0^-1``. The expected information has
    ``W`` in place of ``W(2S - Sigma0)W``.
    """
    p = sigma0.shape[0]
    w = np.linalg.inv(sigma0)
    aaa = w if kind == "expected" else w @ (2.0 * core.S - sigma0) @ w
    nmean = p if core.meanstructure else 0
    msel = sel[sel < nmean]
    csel = sel[sel >= nmean] - nmean
    i22 = 0.5 * duplication_pre_post_kron(w, aaa, csel)
    i22 = 0.5 * (i22 + i22.T)
    out = np.zeros((sel.size, sel.size))
    out[: msel.size, : msel.size] = w[np.ix_(msel, msel)]
    out[msel.size :, msel.size :] = i22
    return out


def yuan_bentler_mplus(core: CoreLike, information: str = "observed") -> RobustTest:
    """Yuan-Bentler (Mplus variant) scaled chi-square, as lavaan's ``estimator = "MLR"``.

    .. math::

        c = \\frac{\\operatorname{tr}(A_1^{-1} B_1) - \\operatorname{tr}(A_0^{-1} B_0)}{df},
        \\qquad T_{scaled} = T / c

    ``A1``/``B1``: information and first-order information of the unrestricted (h1) model at
    the sample moments (``B1 = A1 Gamma A1``, ``Gamma`` the ADF covariance of the moments);
    ``A0``: the model's observed information; ``B0 = Delta' B1s Delta`` its first-order
    information at the implied moments.  The same is done for lavaan's independence model
    (free variances, and means with a mean structure; fixed.x covariates' block kept at the
    sample values) to give the baseline scaling factor used by the robust CFI/TLI.

    Parameters
    ----------
    core : EstimationCore
        A model fitted by ML.
    information : {"observed", "expected"}, default "observed"
        The information matrix ``A0`` of the model and of the baseline model: observed for
        lavaan's ``estimator = "MLR"``; expected when MLR is combined with standard errors
        from the expected information (lavaan's ``estimator = "MLR", se = "standard"``,
        which sets ``information = "expected"`` for the test as well).

    Returns
    -------
    RobustTest

    References
    ----------
    Yuan, K.-H., & Bentler, P. M. (2000). *Sociological Methodology*, 30, 165-200.
    Muthen, L. K., & Muthen, B. O. Mplus technical appendices (MLR chi-square).

    Examples
    --------
    >>> import acsi
    >>> from acsi.cbsem.robust import yuan_bentler_mplus
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
    ...                "speed =~ x7 + x8 + x9", hs)
    >>> test = yuan_bentler_mplus(res.core)
    >>> round(test.scaling_factor, 4), round(test.chisq_scaled, 2)
    (0.979, 87.13)
    """
    kind: Literal["observed", "expected"] = (
        "observed" if check_choice(information, ("observed", "expected"), "information") == "observed" else "expected"
    )
    x_idx = x_indices(core)
    n = core.N
    chisq = float(core.chisq)
    df = float(core.df)
    trace_h1, ndat = _h1_trace(core, x_idx)

    # model
    a0_inv = _inv_information(np.asarray(core.information(kind), dtype=float), kind)
    b0 = first_order_information(core)
    trace_h0 = float(np.sum(b0 * a0_inv.T))
    trace_ug = trace_h1 - trace_h0
    # lavaan divides trace_h0 by its number of free parameters before equality constraints
    k = getattr(core, "K", None)
    npar = int(np.shape(k)[0]) if k is not None else b0.shape[0]
    if df > 0:
        c = trace_ug / df
        if c < 0:
            c = math.nan
        chisq_scaled = _r_divide(chisq, c)
        p_scaled = 1.0 - float(special.chdtr(df, chisq_scaled))  # lavaan's 1 - pchisq
        sf_h1, sf_h0, trace_reported = trace_h1 / ndat, trace_h0 / npar, trace_ug
    else:
        # lavaan stops before the traces when df = 0: no scaling factor, the unscaled statistic
        c = math.nan
        chisq_scaled = chisq
        p_scaled = math.nan
        sf_h1 = sf_h0 = trace_reported = math.nan

    # independence (baseline) model
    sigma0, sel0 = baseline_moments(core, x_idx)
    _, logdet_s = np.linalg.slogdet(core.S)
    _, logdet_0 = np.linalg.slogdet(sigma0)
    base_chisq = float(n * (logdet_0 - logdet_s))
    base_df = float(ndat - sel0.size)
    e0 = _baseline_information(core, sigma0, sel0, kind)
    b00 = _baseline_first_order(core, sigma0, sel0)
    trace_h0_base = float(np.sum(b00 * np.linalg.inv(e0).T))
    if base_df > 0:
        c0 = (trace_h1 - trace_h0_base) / base_df
        if c0 < 0:
            c0 = math.nan
        base_scaled = _r_divide(base_chisq, c0)
        base_p = 1.0 - float(special.chdtr(base_df, base_scaled))
    else:
        c0, base_scaled, base_p = math.nan, base_chisq, math.nan
    return RobustTest(
        chisq=chisq,
        df=df,
        chisq_scaled=float(chisq_scaled),
        scaling_factor=float(c),
        pvalue_scaled=p_scaled,
        trace_ugamma=float(trace_reported),
        scaling_factor_h1=float(sf_h1),
        scaling_factor_h0=float(sf_h0),
        baseline_chisq=base_chisq,
        baseline_df=base_df,
        baseline_chisq_scaled=float(base_scaled),
        baseline_scaling_factor=float(c0),
        baseline_pvalue_scaled=base_p,
    )
