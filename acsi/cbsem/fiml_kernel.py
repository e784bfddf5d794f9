"""FIML kernel: lavaan's ``missing = "ml"`` objective, its exact information, MLR pieces.

Used by :func:`acsi.sem` / :func:`acsi.cfa` with ``missing="ml"`` (through
:func:`acsi.cbsem.core.estimate_fiml`; method note ``docs/methods/fiml.md``). The objective
is lavaan 0.6-14's ``fmin`` for ``missing = "ml"``,

.. math::

    F(\\theta) = -\\frac{1}{N}\\big[\\ell(\\mu(\\theta), \\Sigma(\\theta)) - \\ell_{h1}\\big],

with :math:`\\ell` the observed-data log-likelihood (:func:`acsi.cbsem.missing.fiml_loglik`,
Arbuckle 1996) and :math:`\\ell_{h1}` that of the saturated model estimated by EM
(:func:`acsi.cbsem.missing.em_saturated`), so that the likelihood-ratio statistic is
:math:`2 N F`. Its gradient is
:math:`-\\frac1N \\Delta(\\theta)^\\top (\\partial\\ell/\\partial\\mu,
\\partial\\ell/\\partial\\operatorname{vech}\\Sigma)` with :math:`\\Delta` the Jacobian of
the implied moments (:meth:`acsi.cbsem.matrices.LisrelModel.delta_plan`).

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
In G. A. Marcoulides & R. E. Schumacker (Eds.), *Advanced Structural Equation Modeling*.
Erlbaum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_solve
from scipy.special import chdtrc  # chi-square upper tail (what scipy.stats.chi2.sf computes)

from acsi.cbsem.matrices import LisrelModel, vech_indices
from acsi.cbsem.missing import (
    EMResult,
    MissingPatterns,
    _em_iterate,
    available_moments,
    em_saturated,
    fiml_casewise,
    fiml_loglik,
    fiml_loglik_gradient,
    fiml_pieces,
)
from acsi.cbsem.robust import RobustTest
from acsi.results.base import freeze

__all__ = [
    "FIMLFit", "FIMLKernel", "FIMLRobust", "FIMLState", "FIMLBaseline", "fiml_baseline", "fiml_robust",
    "fixed_x_loglik", "moment_curvature", "moment_hessian", "saturated_moments",
]


@dataclass(frozen=True, eq=False)
class FIMLFit:
    """Result of :meth:`FIMLKernel.fit`.

    Attributes
    ----------
    theta : ndarray
        Free parameters (after equality constraints).
    fmin : float
        lavaan's ``fmin`` at ``theta``.
    loglik : float
        :math:`\\ell` at ``theta`` (lavaan's ``logl``).
    iterations : int
    converged : bool
    grad_max : float
        Largest absolute gradient element of ``fmin`` at ``theta``.
    information : ndarray or None
        The observed information (exact Hessian of ``fmin``) at ``theta``, from the last
        evaluation of the fit (None if not available).
    """

    theta: np.ndarray
    fmin: float
    loglik: float
    iterations: int
    converged: bool
    grad_max: float
    information: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class FIMLState:
    """What a FIML fit keeps besides the estimates (``EstimationCore.fiml``).

    Attributes
    ----------
    patterns : MissingPatterns
    em : EMResult
        The saturated (h1) model by EM.
    kernel : FIMLKernel
    loglik : float
        The model's observed-data log-likelihood (lavaan's ``logl``).
    information : {"observed", "expected"}
        The information of the standard errors (``se="expected"``: the expected one, which
        lavaan also uses in the FIML-corrected robust CFI/RMSEA).
    weights : ndarray or None
        Sampling weights of the rows (normalised to sum to N), if any.
    x_idx : tuple of int
        Positions of the fixed.x covariates among the observed variables (their moments are
        fixed at the h1 values and leave the h1 information matrices).
    observed_information : ndarray or None
        The observed information at the estimates, kept from the fit's last Newton step.
    missing : {"ml", "ml.x"}
        The ``missing=`` option as the user chose it (``"ml.x"``: rows with missing fixed.x
        covariates kept, the covariates in the likelihood), shown in the summary header.
    """

    patterns: MissingPatterns
    em: EMResult
    kernel: FIMLKernel
    loglik: float
    information: str = "observed"
    weights: np.ndarray | None = None
    x_idx: tuple[int, ...] = ()
    observed_information: np.ndarray | None = None
    missing: str = "ml"

    def __post_init__(self) -> None:
        for name in ("weights", "observed_information"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, freeze(getattr(self, name)))


class FIMLKernel:
    """FIML objective and gradient for a LISREL model with a mean structure.

    Parameters
    ----------
    model : LisrelModel
        Compiled from a parameter table with ``meanstructure=True``.
    x_base : ndarray
        Values of every parameter-table row (fixed values; free rows are overwritten).
    free_rows, par_of_free : ndarray of int
        Table rows of the free parameters and their reduced index.
    q : int
        Number of reduced parameters.
    patterns : MissingPatterns
        The data's missing-data patterns (:func:`acsi.cbsem.missing.missing_patterns`).
    h1_loglik : float
        :math:`\\ell_{h1}` (``EMResult.loglik``).

    Notes
    -----
    Holds only precomputed, read-only index maps and data summaries; every method is a pure
    function of its arguments (reentrant).
    """

    def __init__(
        self,
        model: LisrelModel,
        x_base: np.ndarray,
        free_rows: np.ndarray,
        par_of_free: np.ndarray,
        q: int,
        patterns: MissingPatterns,
        h1_loglik: float,
    ) -> None:
        self.model = model
        self.q = int(q)
        self.patterns = patterns
        self.h1_loglik = float(h1_loglik)
        self._buf0, self._tgt, self._par = model.free_scatter(
            np.asarray(x_base, float), np.asarray(free_rows, np.intp), np.asarray(par_of_free, np.intp)
        )
        self._plan = model.delta_plan(np.asarray(free_rows, np.intp))
        fr = np.asarray(free_rows, np.intp)
        self._rows = (model.rows_mat[fr], model.rows_i[fr].astype(np.intp), model.rows_j[fr].astype(np.intp))
        k = np.zeros((len(free_rows), self.q))
        k[np.arange(len(free_rows)), np.asarray(par_of_free)] = 1.0
        self._k = k

    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Implied covariance, mean and the model matrices at ``theta``."""
        buf = self._buf0.copy()
        buf[self._tgt] = np.asarray(theta, float)[self._par]
        return self.model.implied_packed(buf)

    def objective(self, theta: np.ndarray) -> float:
        """lavaan's ``fmin`` (``inf`` where a pattern's implied covariance is not positive definite)."""
        sigma, mu, _ = self.implied(theta)
        try:
            ll = fiml_loglik(self.patterns, mu, sigma)
        except np.linalg.LinAlgError:
            return float("inf")
        return -(ll - self.h1_loglik) / self.patterns.nobs

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """Gradient of :meth:`objective` with respect to ``theta``."""
        return self.objective_gradient(theta)[1]

    def objective_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """:meth:`objective` and :meth:`gradient` from one evaluation of the implied moments."""
        sigma, mu, parts = self.implied(theta)
        try:
            ll, dmu, dvech = fiml_loglik_gradient(self.patterns, mu, sigma)
        except np.linalg.LinAlgError:
            return float("inf"), np.full(self.q, np.nan)
        delta = self._plan(parts)  # (p + p*, n_free): mean rows first
        n = self.patterns.nobs
        return -(ll - self.h1_loglik) / n, -(np.concatenate([dmu, dvech]) @ delta @ self._k) / n

    def fit(
        self, theta0: np.ndarray, *, max_iter: int = 500, tol: float = 1e-10, newton_below: float = np.inf
    ) -> FIMLFit:
        """Minimise :meth:`objective` from ``theta0``.

        Newton steps with the exact observed information (:meth:`information`) once the
        largest gradient element is below ``newton_below`` (default: from the start). Fisher scoring
        (expected information) before ``newton_below`` and wherever the observed information
        is not positive definite; step halving until ``fmin`` does not increase; stops when the
        largest gradient element of ``fmin`` is below ``tol``.
        """
        theta = np.asarray(theta0, float).copy()
        f, g, info = self._evaluate(theta)
        if not np.isfinite(f):
            return FIMLFit(theta=theta, fmin=f, loglik=float("nan"), iterations=0, converged=False,
                           grad_max=float("inf"))
        it = 0
        for it in range(1, max_iter + 1):  # noqa: B007 (it is reported)
            gmax = float(np.abs(g).max())
            if gmax < tol:
                it -= 1
                break
            step = None
            if gmax < newton_below and info is not None:  # the exact Hessian, from the same pass
                chol = _cholesky(info)
                if chol is not None:
                    step = np.asarray(cho_solve((chol, True), g))
            if step is None:
                step = _solve_spd(self.information(theta, "expected"), g)
            if step is None:
                step = g
            alpha = 1.0
            for _ in range(30):
                new = theta - alpha * step
                f_new, g_new, info_new = self._evaluate(new)
                if np.isfinite(f_new) and f_new <= f + 1e-12 * abs(f):
                    break
                alpha *= 0.5
            else:
                break
            if not np.isfinite(f_new):
                break
            theta, f, g, info = new, f_new, g_new, info_new
        gmax = float(np.abs(g).max())
        ll = self.h1_loglik - f * self.patterns.nobs
        return FIMLFit(theta=theta, fmin=f, loglik=ll, iterations=it, converged=gmax < tol, grad_max=gmax,
                       information=info)

    def moments_jacobian(self, theta: np.ndarray) -> np.ndarray:
        """:math:`\\Delta = \\partial(\\mu, \\operatorname{vech}\\Sigma)/\\partial\\theta'`, shape (p + p*, q)."""
        _, _, parts = self.implied(theta)
        return self._plan(parts) @ self._k

    def information(self, theta: np.ndarray, kind: str = "observed") -> np.ndarray:
        """Unit information of ``fmin`` (its Hessian for ``"observed"``), shape (q, q).

        ``"expected"``: :math:`-\\Delta^\\top H^{E}\\Delta / N` with :math:`H^E` the
        expected second derivatives of :math:`\\ell` in :math:`(\\mu,
        \\operatorname{vech}\\Sigma)` (:func:`moment_hessian`). ``"observed"``: the exact
        Hessian of ``fmin``, :math:`-\\big[\\Delta^\\top H\\Delta + \\sum_k g_k
        \\partial^2 m_k/\\partial\\theta\\partial\\theta^\\top\\big]/N` with :math:`H` the
        observed per-pattern second derivatives and :math:`g` the gradient of :math:`\\ell` in
        the moments :math:`m`; the curvature term is analytic (:func:`moment_curvature`). The
        covariance matrix of the estimates is ``inv(information) / N``.
        """
        theta = np.asarray(theta, float)
        sigma, mu, parts = self.implied(theta)
        ll, dmu, dvech, hm = fiml_pieces(self.patterns, mu, sigma, "expected" if kind == "expected" else "observed")
        return self._information(parts, dmu, dvech, hm, kind)

    def _information(
        self, parts: dict[str, np.ndarray], dmu: np.ndarray, dvech: np.ndarray, hm: np.ndarray | None, kind: str
    ) -> np.ndarray:
        """:meth:`information` from the moment derivatives already computed at the point."""
        assert hm is not None
        delta = self._plan(parts) @ self._k
        n = self.patterns.nobs
        info = -(delta.T @ hm @ delta)
        if kind == "observed":
            p = self.model.p
            r, c = vech_indices(p)
            g_sig = np.zeros((p, p))
            g_sig[r, c] = dvech / np.where(r == c, 1.0, 2.0)
            g_sig[c, r] = g_sig[r, c]
            curv = self._k.T @ moment_curvature(parts, g_sig, dmu, *self._rows) @ self._k
            info = info - curv
        info = info / n
        return 0.5 * (info + info.T)

    def _evaluate(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray | None]:
        """``fmin``, its gradient and its exact Hessian (observed information) at ``theta``, from
        one factorisation of the patterns (``inf``, NaN, None where a pattern's implied
        covariance is not positive definite)."""
        sigma, mu, parts = self.implied(theta)
        try:
            ll, dmu, dvech, hm = fiml_pieces(self.patterns, mu, sigma, "observed")
        except np.linalg.LinAlgError:
            return float("inf"), np.full(self.q, np.nan), None
        delta = self._plan(parts)
        n = self.patterns.nobs
        grad = -(np.concatenate([dmu, dvech]) @ delta @ self._k) / n
        return -(ll - self.h1_loglik) / n, grad, self._information(parts, dmu, dvech, hm, "observed")

    def hessian(self, theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
        """Central-difference Jacobian of :meth:`gradient` (symmetrised; a check on
        :meth:`information`)."""
        theta = np.asarray(theta, float)
        h = np.empty((self.q, self.q))
        for j in range(self.q):
            e = np.zeros(self.q)
            step = eps * max(1.0, abs(theta[j]))
            e[j] = step
            h[:, j] = (self.gradient(theta + e) - self.gradient(theta - e)) / (2 * step)
        return 0.5 * (h + h.T)


def moment_curvature(
    parts: dict[str, np.ndarray], g_sigma: np.ndarray, g_mu: np.ndarray,
    code: np.ndarray, ri: np.ndarray, rj: np.ndarray,
) -> np.ndarray:
    """:math:`\\sum_k g_k \\partial^2 m_k / \\partial x_a \\partial x_b` over the free rows.

    ``m = (mu, Sigma)`` of the LISREL model :math:`\\Sigma = \\Lambda V \\Lambda^\\top +
    \\Theta`, :math:`V = A\\Psi A^\\top`, :math:`A = (I - B)^{-1}`, :math:`\\mu = \\nu +
    \\Lambda A \\alpha`; ``g_sigma`` (symmetric, ``dl = tr(G dSigma)``) and ``g_mu`` the
    gradient of the log-likelihood in the moments. With :math:`Q = \\Lambda^\\top G
    \\Lambda`, :math:`P = A^\\top Q A`, :math:`R = A^\\top\\Lambda^\\top G`,
    :math:`a = A\\alpha`, :math:`h = A^\\top\\Lambda^\\top g_\\mu` the non-zero pairs are
    (:math:`\\Psi_{kl}` symmetric: both orders for :math:`k \\ne l`)

    * :math:`\\Lambda_{ij}, \\Lambda_{kl}`: :math:`2 G_{ki} V_{jl}`;
    * :math:`\\Lambda_{ij}, \\Psi_{kl}`: :math:`2 A_{jk} R_{li}`;
    * :math:`\\Lambda_{ij}, B_{kl}`: :math:`2 [A_{jk} (V\\Lambda^\\top G)_{li} + V_{jl}
      R_{ki}] + g_{\\mu,i} A_{jk} a_l`;
    * :math:`\\Lambda_{ij}, \\alpha_k`: :math:`g_{\\mu,i} A_{jk}`;
    * :math:`\\Psi_{kl}, B_{mn}`: :math:`2 A_{nk} P_{lm}`;
    * :math:`B_{mn}, B_{kl}`: :math:`2 [A_{nk} (VQA)_{lm} + A_{lm} (VQA)_{nk} + V_{nl} P_{km}]
      + h_m A_{nk} a_l + h_k A_{lm} a_n`;
    * :math:`B_{mn}, \\alpha_k`: :math:`h_m A_{nk}`.

    Returns
    -------
    ndarray, shape (n_free, n_free)
    """
    from acsi.cbsem.matrices import _ALPHA, _BETA, _LAMBDA, _PSI

    L = parts["Lambda"]
    A = parts["A"]
    V = parts["Veta"]
    al = np.asarray(parts["alpha"], dtype=float).reshape(-1)
    aa = A @ al
    G = g_sigma
    LtG = L.T @ G
    Q = LtG @ L
    R = A.T @ LtG  # (m, p)
    VLtG = V @ LtG
    P = A.T @ Q @ A
    VQA = V @ Q @ A
    h = A.T @ (L.T @ g_mu)
    nf = code.size
    out = np.zeros((nf, nf))
    iL = np.flatnonzero(code == _LAMBDA)
    iP = np.flatnonzero(code == _PSI)
    iB = np.flatnonzero(code == _BETA)
    iA = np.flatnonzero(code == _ALPHA)

    def put(ia: np.ndarray, ib: np.ndarray, block: np.ndarray) -> None:
        if ia.size and ib.size:
            out[np.ix_(ia, ib)] += block
            if ia is not ib:
                out[np.ix_(ib, ia)] += block.T

    if iL.size:
        i, j = ri[iL], rj[iL]
        put(iL, iL, 2.0 * G[np.ix_(i, i)].T * V[np.ix_(j, j)])
    if iL.size and iP.size:
        i, j = ri[iL][:, None], rj[iL][:, None]
        k, l_ = ri[iP][None, :], rj[iP][None, :]
        blk = 2.0 * A[j, k] * R[l_, i]
        blk = blk + np.where(k != l_, 2.0 * A[j, l_] * R[k, i], 0.0)
        put(iL, iP, blk)
    if iL.size and iB.size:
        i, j = ri[iL][:, None], rj[iL][:, None]
        k, l_ = ri[iB][None, :], rj[iB][None, :]
        put(iL, iB, 2.0 * (A[j, k] * VLtG[l_, i] + V[j, l_] * R[k, i]) + g_mu[i] * A[j, k] * aa[l_])
    if iL.size and iA.size:
        i, j = ri[iL][:, None], rj[iL][:, None]
        put(iL, iA, g_mu[i] * A[j, ri[iA][None, :]])
    if iP.size and iB.size:
        k, l_ = ri[iP][:, None], rj[iP][:, None]
        m, n = ri[iB][None, :], rj[iB][None, :]
        blk = 2.0 * A[n, k] * P[l_, m]
        blk = blk + np.where(k != l_, 2.0 * A[n, l_] * P[k, m], 0.0)
        put(iP, iB, blk)
    if iB.size:
        m, n = ri[iB][:, None], rj[iB][:, None]
        k, l_ = ri[iB][None, :], rj[iB][None, :]
        blk = 2.0 * (A[n, k] * VQA[l_, m] + A[l_, m] * VQA[n, k] + V[n, l_] * P[k, m])
        blk = blk + h[m] * A[n, k] * aa[l_] + h[k] * A[l_, m] * aa[n]
        out[np.ix_(iB, iB)] += blk
    if iB.size and iA.size:
        m, n = ri[iB][:, None], rj[iB][:, None]
        put(iB, iA, h[m] * A[n, ri[iA][None, :]])
    return 0.5 * (out + out.T)


def _x_keep(p: int, x_idx: np.ndarray) -> np.ndarray:
    """Positions in ``(mu, vech Sigma)`` that are not moments of the fixed.x block alone."""
    is_x = np.zeros(p, dtype=bool)
    is_x[np.asarray(x_idx, dtype=np.intp)] = True
    r, c = vech_indices(p)
    return np.flatnonzero(~np.concatenate([is_x, is_x[r] & is_x[c]]))


def fixed_x_loglik(cov_x: np.ndarray, n: float) -> float:
    """Complete-data normal log-likelihood of the covariates at their own moments,
    :math:`-\\frac n2 (p_x \\log 2\\pi + \\log|S_{xx}| + p_x)`.

    lavaan 0.6-14 subtracts it from ``logl`` and ``unrestricted.logl`` of a ``fixed.x`` fit
    (``lav_mvnorm_missing_loglik_samplestats`` with ``x.idx``): for ``logl`` with the h1 (EM)
    covariates' block, for ``unrestricted.logl`` with ``cov.x``, their pairwise-complete
    covariance times ``(N - 1) / N`` (the same matrix when no covariate has a hole).
    """
    cov_x = np.atleast_2d(np.asarray(cov_x, dtype=float))
    px = cov_x.shape[0]
    if px == 0:
        return 0.0
    _, logdet = np.linalg.slogdet(cov_x)
    return -0.5 * float(n) * (px * math.log(2.0 * math.pi) + float(logdet) + px)


def pairwise_cov(y: np.ndarray) -> np.ndarray:
    """Pairwise-complete covariances (R's ``cov(use = "pairwise")``) times ``(N - 1) / N``."""
    y = np.asarray(y, dtype=float)
    o = (~np.isnan(y)).astype(float)
    yz = np.where(o > 0, y, 0.0)
    n = y.shape[0]
    npair = o.T @ o
    s_given = yz.T @ o
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = (yz.T @ yz - s_given * s_given.T / npair) / (npair - 1.0)
    return np.asarray(cov * (n - 1.0) / n)


@dataclass(frozen=True, eq=False)
class FIMLBaseline:
    """lavaan's independence (baseline) model fitted by FIML (:func:`fiml_baseline`).

    Attributes
    ----------
    mean, cov : ndarray
        Its estimated moments.
    delta : ndarray, shape (p + p*, n_free)
        Jacobian of ``(mu, vech Sigma)`` in its free parameters (unit columns).
    loglik : float
        Its observed-data log-likelihood (without the fixed.x correction).
    df : int
        Its degrees of freedom.
    """

    mean: np.ndarray
    cov: np.ndarray
    delta: np.ndarray
    loglik: float
    df: int


def fiml_baseline(
    y: np.ndarray, mp: MissingPatterns, em: EMResult, x_idx: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> FIMLBaseline:
    """The independence model of a FIML fit, in closed form.

    Free: the mean and variance of every variable that is not a fixed.x covariate; every
    covariance zero, except the covariates' block, fixed at their sample values (lavaan's
    ``lav_object_independence`` with ``fixed.x = TRUE``: available-case means and the
    pairwise-complete covariances times ``(N - 1) / N``, which differ from the h1 (EM) values
    when a covariate has holes, ``missing="ml.x"``). The implied
    covariance is block diagonal, so the observed-data likelihood factors and the ML estimates
    are each variable's (weighted) mean and ML variance over its observed values.
    ``df = p* + p - (moments of the covariates' block) - 2 (p - p_x)``.
    """
    p = mp.p
    x_idx = np.asarray([] if x_idx is None else x_idx, dtype=np.intp)
    # each variable's (weighted) mean and ML variance over its observed values, from the
    # pattern statistics (within-pattern variance plus the spread of the pattern means)
    fo = mp.freq[:, None] * mp.omask
    nvar = fo.sum(axis=0)
    m0 = (fo * mp.pmean).sum(axis=0) / nvar
    dev = (mp.pmean - m0) * mp.omask
    v0 = (fo * (np.diagonal(mp.pcov, axis1=1, axis2=2) + dev * dev)).sum(axis=0) / nvar
    sigma0 = np.diag(v0)
    if x_idx.size:  # lavaan: the covariates' sample moments (pairwise), not the h1 (EM) ones
        sigma0[np.ix_(x_idx, x_idx)] = pairwise_cov(np.asarray(y, dtype=float)[:, x_idx])
    y_idx = np.setdiff1d(np.arange(p), x_idx)
    r, c = vech_indices(p)
    ps = r.size
    diag_pos = np.full(p, -1, dtype=np.intp)
    diag_pos[r[r == c]] = np.flatnonzero(r == c)
    ny = y_idx.size
    delta0 = np.zeros((p + ps, 2 * ny))
    delta0[y_idx, np.arange(ny)] = 1.0
    delta0[p + diag_pos[y_idx], ny + np.arange(ny)] = 1.0
    px = x_idx.size
    df0 = p * (p - 1) // 2 - px * (px - 1) // 2
    return FIMLBaseline(mean=m0, cov=sigma0, delta=delta0, loglik=fiml_loglik(mp, m0, sigma0), df=df0)


def _cholesky(a: np.ndarray) -> np.ndarray | None:
    """Lower Cholesky factor of ``a``; None if ``a`` is not positive definite."""
    try:
        return np.asarray(np.linalg.cholesky(a))
    except np.linalg.LinAlgError:
        return None


def _solve_spd(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``a^-1 b`` by Cholesky; None if ``a`` is not positive definite."""
    c = _cholesky(a)
    return None if c is None else np.asarray(cho_solve((c, True), b))


def moment_hessian(mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray, *, observed: bool = True) -> np.ndarray:
    """Second derivatives of the FIML log-likelihood in :math:`(\\mu, \\operatorname{vech}\\Sigma)`.

    For pattern :math:`g` (frequency :math:`f`, :math:`W = \\Sigma_{oo}^{-1}`, residual
    :math:`d = \\bar y_g - \\mu_o`, :math:`T = S_g + dd^\\top`, :math:`A = WTW`, :math:`u = Wd`,
    all padded with zeros to :math:`p` variables):

    .. math::

        \\frac{\\partial^2\\ell}{\\partial\\mu\\partial\\mu^\\top} = -fW,\\quad
        \\frac{\\partial^2\\ell}{\\partial\\mu_m\\partial\\Sigma_{kl}} = -f u_k W_{lm},\\quad
        \\frac{\\partial^2\\ell}{\\partial\\Sigma_{ij}\\partial\\Sigma_{kl}} =
        \\tfrac f2\\big(W_{jk}W_{li} - A_{jk}W_{li} - W_{jk}A_{li}\\big),

    summed over patterns and mapped to :math:`\\operatorname{vech}\\Sigma` with the
    duplication matrix (:math:`D^\\top H D`). ``observed=False`` gives the expectations
    (:math:`T = \\Sigma_{oo}`: no cross term, :math:`-\\tfrac f2 W_{jk}W_{li}`).

    Returns
    -------
    ndarray, shape (p + p*, p + p*)
        Mean rows first, then vech in the order of :func:`acsi.cbsem.matrices.vech_indices`.
    """
    h = fiml_pieces(mp, np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float),
                    "observed" if observed else "expected")[3]
    assert h is not None
    return h


def _available_case_start(
    y: np.ndarray, mp: MissingPatterns, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Available-case means and pairwise-complete covariances (ML divisor) as an EM start,
    closer to the ML moments than lavaan's diagonal start; None if not positive definite or
    weighted (then lavaan's start is used)."""
    if weights is not None:
        return None
    mean, cov = available_moments(mp, np.asarray(y).shape[0])
    if not np.all(np.isfinite(cov)) or _cholesky(cov) is None:
        return None
    return mean, cov


def saturated_moments(
    y: np.ndarray, mp: MissingPatterns, *, tol: float = 1e-11, em_tol: float = 3e-2, max_iter: int = 500,
    weights: np.ndarray | None = None,
) -> EMResult:
    """ML mean vector and covariance matrix of incomplete normal data (the h1 model).

    EM (:func:`acsi.cbsem.missing.em_saturated`, started at the available-case means and
    pairwise-complete covariances when those are positive definite) to ``em_tol``, then
    Newton steps on
    :math:`(\\mu, \\operatorname{vech}\\Sigma)` with the exact second derivatives
    (:func:`moment_hessian`) until the largest change is below ``tol``: the same maximum as
    EM run to ``tol``, in a handful of steps instead of hundreds of EM iterations.
    Falls back to EM to ``tol`` if a Newton step does not increase the likelihood.

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.cbsem.missing import em_saturated, missing_patterns
    >>> rng = np.random.default_rng(1)
    >>> y = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=200)
    >>> y[rng.random(200) < 0.3, 1] = np.nan
    >>> mp = missing_patterns(y)
    >>> h1 = saturated_moments(y, mp)
    >>> bool(np.allclose(h1.cov, em_saturated(y, mp, tol=1e-13, max_iter=5000).cov, atol=1e-10))
    True
    """
    mu, sigma, em_it, _ = _em_iterate(y, mp, weights, em_tol, max_iter, _available_case_start(y, mp, weights))
    p = mp.p
    r, c = vech_indices(p)
    ll, dmu, dvech, hess = fiml_pieces(mp, mu, sigma, "observed")
    for it in range(1, 51):
        assert hess is not None
        step = _solve_spd(-hess, np.concatenate([dmu, dvech]))
        if step is None:
            break
        mu_new = mu + step[:p]
        sig_new = sigma.copy()
        sig_new[r, c] += step[p:]
        sig_new[c, r] = sig_new[r, c]
        try:
            ll_new, dmu, dvech, hess = fiml_pieces(mp, mu_new, sig_new, "observed")
        except np.linalg.LinAlgError:
            break
        if not ll_new >= ll - 1e-9 * abs(ll):
            break
        mu, sigma, ll = mu_new, sig_new, ll_new
        # Newton converges quadratically: after a full step of size s the error is of the
        # order s^2, so a step below sqrt(tol) leaves the moments within ~tol
        if float(np.abs(step).max()) < math.sqrt(tol):
            return EMResult(mean=mu, cov=sigma, loglik=ll, iterations=em_it + it, converged=True, hessian=hess)
    return em_saturated(y, mp, weights, tol=tol, max_iter=100 * max_iter)


@dataclass(frozen=True, eq=False)
class FIMLRobust:
    """Pieces of lavaan's MLR with missing data (Huber-White SEs, Yuan-Bentler test).

    Attributes
    ----------
    vcov : ndarray, shape (q, q)
        ``E^-1 B0 E^-1 / N``: ``E`` the observed information (:meth:`FIMLKernel.information`),
        ``B0 = Delta' B1(mu, Sigma) Delta`` the first-order information of the casewise
        scores at the implied moments.
    test : RobustTest
        The Yuan-Bentler (Mplus) scaled statistic of the model and of the baseline.
    """

    vcov: np.ndarray
    test: RobustTest


def _first_order(
    y: np.ndarray, mp: MissingPatterns, mu: np.ndarray, sigma: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """``B1 = sum_i s_i s_i' / N`` of the (weighted) casewise scores in ``(mu, vech Sigma)``."""
    _, sc = fiml_casewise(y, mp, mu, sigma, weights)
    return np.asarray(sc.T @ sc / mp.nobs)


def fiml_robust(
    y: np.ndarray, mp: MissingPatterns, em: EMResult, kernel: FIMLKernel, theta: np.ndarray, chisq: float, df: int,
    x_idx: np.ndarray | None = None, weights: np.ndarray | None = None,
) -> FIMLRobust:
    """Huber-White covariance and Yuan-Bentler (Mplus) test of a FIML fit, as lavaan's MLR.

    With ``A1 = -H(mu_h1, Sigma_h1) / N`` (observed h1 information, unstructured),
    ``B1`` the first-order h1 information at the EM moments, ``E`` the observed information
    of the model and ``B0`` its first-order information at the implied moments (lavaan 0.6-14,
    ``lav_test_yuan_bentler_mplus_trace``): ``trace(U Gamma) = tr(A1^-1 B1) - tr(E^-1 B0)``,
    ``c = trace / df``, ``chisq_scaled = chisq / c``; ``scaling_factor_h1 = tr(A1^-1 B1) /
    (p + p*)``, ``scaling_factor_h0 = tr(E^-1 B0) / q``. The baseline (independence model:
    each variable's FIML mean and variance, :func:`fiml_baseline`) gets the same with its own
    ``E`` and ``B0``. With fixed.x covariates (``x_idx``) the h1 matrices lose the rows and
    columns of the covariates' own moments (lavaan's ``x.idx``), and ``p + p*`` counts the
    others. With sampling weights every casewise score is multiplied by its row's weight.
    """
    n = mp.nobs
    p = mp.p
    x_idx = np.asarray([] if x_idx is None else x_idx, dtype=np.intp)
    keep = _x_keep(p, x_idx)
    sigma, mu, _ = kernel.implied(theta)
    delta = kernel.moments_jacobian(theta)
    e_inv = np.linalg.inv(kernel.information(theta, "observed"))
    b0 = delta.T @ _first_order(y, mp, mu, sigma, weights) @ delta
    vcov = e_inv @ b0 @ e_inv / n
    h1 = em.hessian if em.hessian is not None else moment_hessian(mp, np.asarray(em.mean), np.asarray(em.cov))
    a1 = -np.asarray(h1)[np.ix_(keep, keep)] / n
    b1 = _first_order(y, mp, np.asarray(em.mean), np.asarray(em.cov), weights)[np.ix_(keep, keep)]
    tr_h1 = float(np.sum(b1 * np.linalg.inv(a1).T))
    ndat = keep.size
    tr_h0 = float(np.sum(b0 * e_inv.T))
    tr = tr_h1 - tr_h0
    c = tr / df if df > 0 else math.nan
    if c < 0:
        c = math.nan
    # baseline: independence model fitted by FIML (closed form), linear in the moments
    base = fiml_baseline(y, mp, em, x_idx, weights)
    m0, s0, d0 = base.mean, base.cov, base.delta
    e0 = -(d0.T @ moment_hessian(mp, m0, s0, observed=True) @ d0) / n
    b00 = d0.T @ _first_order(y, mp, m0, s0, weights) @ d0
    tr0 = tr_h1 - float(np.sum(b00 * np.linalg.inv(e0).T))
    df0 = base.df
    chisq0 = 2.0 * (em.loglik - base.loglik)
    c0 = tr0 / df0 if df0 > 0 else math.nan
    chisq_s = chisq / c
    test = RobustTest(
        chisq=float(chisq), df=float(df), chisq_scaled=float(chisq_s), scaling_factor=float(c),
        pvalue_scaled=float(chdtrc(df, chisq_s)) if df > 0 else math.nan, trace_ugamma=float(tr),
        scaling_factor_h1=tr_h1 / ndat, scaling_factor_h0=tr_h0 / kernel.q,
        baseline_chisq=float(chisq0), baseline_df=float(df0), baseline_chisq_scaled=float(chisq0 / c0),
        baseline_scaling_factor=float(c0), baseline_pvalue_scaled=float(chdtrc(df0, chisq0 / c0)),
    )
    return FIMLRobust(vcov=0.5 * (vcov + vcov.T), test=test)
