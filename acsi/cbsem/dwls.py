"""Least-squares estimators for ordinal (and mixed) indicators: WLSMV, DWLS, ULS, WLS.

lavaan's estimators for ``ordered=`` data (Muthén 1984; Muthén, du Toit & Spisic 1997):
the sample statistics :math:`s` (thresholds, means of continuous items with their sign
flipped, variances of continuous items, polychoric/polyserial/Pearson correlations; see
:mod:`acsi.cbsem.ordinal`) are fitted by minimising

.. math:: F(\\theta) = \\tfrac12 (s - \\sigma(\\theta))^\\top W (s - \\sigma(\\theta))

with :math:`W = \\operatorname{diag}(\\Gamma)^{-1}` (DWLS, WLSMV), :math:`W = I` (ULS,
ULSMV) or :math:`W = \\Gamma^{-1}` (WLS); :math:`\\Gamma` is the asymptotic covariance
matrix of :math:`\\sqrt N s`. The model part :math:`\\sigma(\\theta)` of the latent
responses :math:`y^*` is

.. math::
    \\tau^*_{jc} = d_j (\\tau_{jc} - \\mu_j), \\qquad
    \\Sigma^* = D \\Sigma D, \\qquad D = \\operatorname{diag}(d)

with :math:`\\Sigma = \\Lambda (I-B)^{-1} \\Psi (I-B)^{-\\top} \\Lambda^\\top + \\Theta`
and :math:`\\mu = \\nu + \\Lambda (I-B)^{-1} \\alpha`. In the *delta* parameterization
(lavaan's default) the scale factors :math:`d_j` (rows ``y ~*~ y``) are fixed to 1 and the
residual variances of ordinal items follow as :math:`\\theta_{jj} = 1/d_j^2 -
[\\Lambda \\Psi \\Lambda^\\top]_{jj}`; in the *theta* parameterization the residual
variances are fixed to 1 and :math:`d_j = \\Sigma_{jj}^{-1/2}`. Continuous items have
:math:`d_j = 1`.

Standard errors: with :math:`\\Delta = \\partial \\sigma / \\partial \\theta^\\top` and
:math:`E = \\Delta^\\top W \\Delta`, ``"standard"`` is :math:`E^{-1}/N`, ``"robust.sem"``
(WLSMV, ULSMV, ...) the sandwich :math:`E^{-1} \\Delta^\\top W \\Gamma W \\Delta E^{-1}/N`.
The test statistic is :math:`T = 2 N F`; with
:math:`U = W - W \\Delta E^{-1} \\Delta^\\top W` the mean-adjusted test divides it by
:math:`c = \\operatorname{tr}(U\\Gamma)/df` (Satorra & Bentler), the mean-and-variance
adjusted one by :math:`c = \\operatorname{tr}(U\\Gamma) / df^*` with
:math:`df^* = \\operatorname{tr}(U\\Gamma)^2 / \\operatorname{tr}((U\\Gamma)^2)`, and the
scaled-shifted one (WLSMV's default, Asparouhov & Muthén 2010) is :math:`a T + b` with
:math:`a = \\sqrt{df / \\operatorname{tr}((U\\Gamma)^2)}`, :math:`b = df - a
\\operatorname{tr}(U\\Gamma)`.

References
----------
Asparouhov, T., & Muthén, B. (2010). Simple second order chi-square correction. Mplus
technical appendix.

Muthén, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. *Psychometrika*, 49, 115-132.

Muthén, B., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using weighted least
squares and quadratic estimating equations in latent variable modeling with categorical
and continuous outcomes. Unpublished manuscript.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from acsi.cbsem.matrices import LisrelModel
from acsi.cbsem.ml import MLKernel
from acsi.cbsem.ordinal import OrdinalMoments
from acsi.results.base import freeze
from acsi.spec.partable import ParameterTable

if TYPE_CHECKING:
    from acsi.cbsem.core import EstimationCore

__all__ = [
    "DWLSKernel", "DWLSState", "ESTIMATORS", "ScaledTest", "baseline_chisq", "dwls_vcov", "estimate_dwls",
    "scaled_test",
]

#: lavaan's estimator names -> (fitting function, standard errors, test)
ESTIMATORS: dict[str, tuple[str, str, str]] = {
    "WLSMV": ("DWLS", "robust.sem", "scaled.shifted"),
    "WLSM": ("DWLS", "robust.sem", "satorra.bentler"),
    "WLSMVS": ("DWLS", "robust.sem", "mean.var.adjusted"),
    "DWLS": ("DWLS", "standard", "standard"),
    "ULSMV": ("ULS", "robust.sem", "scaled.shifted"),
    "ULSM": ("ULS", "robust.sem", "satorra.bentler"),
    "ULSMVS": ("ULS", "robust.sem", "mean.var.adjusted"),
    "ULS": ("ULS", "standard", "standard"),
    "WLS": ("WLS", "standard", "standard"),
}


def threshold_positions(pt: ParameterTable, th_rows: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index in the stacked sample statistics of every threshold row ``y | tk``: the item's
    first position ``start[j]`` plus ``k - 1``."""
    ov = {v: i for i, v in enumerate(pt.ov_names)}
    return np.array([int(start[ov[pt.lhs[k]]]) + int(pt.rhs[k][1:]) - 1 for k in th_rows], dtype=np.intp)


class DWLSKernel:
    """The least-squares problem of one model on ordinal/mixed sample statistics.

    Immutable after construction (no state between calls). ``theta`` is the reduced
    free-parameter vector of the ordinal parameter table
    (:func:`acsi.spec.partable.ordinal_partable`).

    Parameters
    ----------
    pt : ParameterTable
        The ordinal table (threshold rows ``|``, scale rows ``~*~``).
    model : LisrelModel
    x_base : ndarray
        Values of every table row (fixed values; computed rows 0).
    moments : OrdinalMoments
    weight : ndarray
        The weight matrix :math:`W` (full).
    parameterization : {"delta", "theta"}
    """

    def __init__(
        self, pt: ParameterTable, model: LisrelModel, x_base: np.ndarray, moments: OrdinalMoments,
        weight: np.ndarray, parameterization: str,
    ) -> None:
        free_rows = pt.free_rows
        par = np.asarray(pt.par)[free_rows]
        p = len(pt.ov_names)
        self.p = p
        self.q = pt.npar
        self.ml = MLKernel(model, x_base, free_rows, par, pt.npar, np.asarray(moments.cov),
                           np.zeros(p))
        self.theta_param = parameterization == "theta"
        ordm = np.asarray(moments.ordered, dtype=bool)
        self.ordered = ordm
        ov = {v: i for i, v in enumerate(pt.ov_names)}
        n_tab = model.n_rows
        th_rows = np.array([k for k in range(n_tab) if pt.op[k] == "|"], dtype=np.intp)
        self.th_rows = th_rows
        self.th_var = np.array([ov[pt.lhs[k]] for k in th_rows], dtype=np.intp)
        # positions in the stacked statistics: per item its thresholds or its (negative) mean
        nth = np.array([int((self.th_var == j).sum()) if ordm[j] else 1 for j in range(p)])
        start = np.concatenate([[0], np.cumsum(nth)[:-1]])
        # the position of each threshold row by its item and index (rows the user wrote in
        # the model text come first, in the text's order)
        self.th_pos = threshold_positions(pt, th_rows, start)
        self.num = np.flatnonzero(~ordm)
        self.mean_pos = start[self.num].astype(np.intp)
        ntot = int(nth.sum())
        self.var_pos = ntot + np.arange(self.num.size)
        r, c = np.tril_indices(p, -1)
        order = np.lexsort((r, c))
        self.ci, self.cj = r[order], c[order]
        self.cov_pos = ntot + self.num.size + np.arange(self.ci.size)
        self.nk = ntot + self.num.size + self.ci.size
        # vech coordinates of (i, j) in the Jacobian of the LISREL kernel (mean rows first)
        vpos = np.full((p, p), -1, dtype=np.intp)
        vpos[model.vech_r, model.vech_c] = np.arange(model.vech_r.size)
        vpos = np.maximum(vpos, vpos.T)
        self.v_cov = p + vpos[self.ci, self.cj]
        self.v_diag = p + vpos[np.arange(p), np.arange(p)]
        # threshold parameters: the reduced index of each threshold row (-1 when fixed)
        pos = np.full(n_tab, -1, dtype=np.intp)
        pos[free_rows] = par
        self.th_par = pos[th_rows]
        scale_rows = {pt.lhs[k]: k for k in range(n_tab) if pt.op[k] == "~*~"}
        self.scale_fixed = np.array(
            [x_base[scale_rows[v]] if v in scale_rows and not self.theta_param else 1.0 for v in pt.ov_names]
        )
        self.obs = freeze(np.asarray(moments.wls_obs, dtype=float))
        self.weight = freeze(np.asarray(weight, dtype=float))
        self._sealed = True

    def __setattr__(self, name: str, value: object) -> None:
        if getattr(self, "_sealed", False):
            raise AttributeError(f"DWLSKernel is immutable: cannot set {name!r}")
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ model
    def scales(self, Sigma: np.ndarray) -> np.ndarray:
        """The scale factors :math:`d` (fixed ones, or :math:`\\Sigma_{jj}^{-1/2}` of the
        ordinal items in the theta parameterization)."""
        if not self.theta_param:
            return self.scale_fixed
        d = np.ones(self.p)
        dg = np.diag(Sigma)[self.ordered]
        d[self.ordered] = 1.0 / np.sqrt(np.where(dg > 0, dg, np.nan))
        return d

    def _d(self, theta: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
        """The scale factors at ``theta`` (functions of ``Sigma`` here; free parameters in a
        subclass, :class:`acsi.cbsem.mg_dwls.MGDWLSKernel`)."""
        return self.scales(Sigma)

    def implied(
        self, theta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
        """``(kappa, Sigma, mu, parts, d)``: the implied statistics, the unscaled implied
        covariance and mean, the LISREL matrices and the scale factors."""
        Sigma, mu, parts = self.ml.implied(theta)
        d = self._d(theta, Sigma)
        x = self.ml.x_of(theta)
        kappa = np.empty(self.nk)
        tv = self.th_var
        kappa[self.th_pos] = d[tv] * (x[self.th_rows] - mu[tv])
        kappa[self.mean_pos] = -mu[self.num]
        kappa[self.var_pos] = Sigma[self.num, self.num]
        kappa[self.cov_pos] = d[self.ci] * d[self.cj] * Sigma[self.ci, self.cj]
        return kappa, Sigma, mu, parts, d

    def jacobian(self, theta: np.ndarray, Sigma: np.ndarray, mu: np.ndarray, parts: dict[str, np.ndarray],
                 d: np.ndarray) -> np.ndarray:
        """:math:`\\Delta = \\partial \\kappa / \\partial \\theta^\\top` (analytic)."""
        D = self.ml.delta(parts)  # (p + p*, q): d mu, d vech Sigma
        p, q = self.p, self.q
        dd = np.zeros((p, q))
        if self.theta_param and self.ordered.any():
            o = np.flatnonzero(self.ordered)
            s = np.diag(Sigma)[o]
            dd[o] = (-0.5 * s ** -1.5)[:, None] * D[self.v_diag[o]]
        J = np.empty((self.nk, q))
        tv = self.th_var
        x = self.ml.x_of(theta)
        T = np.zeros((tv.size, q))
        has = self.th_par >= 0
        T[np.flatnonzero(has), self.th_par[has]] = 1.0
        J[self.th_pos] = d[tv, None] * (T - D[tv]) + (x[self.th_rows] - mu[tv])[:, None] * dd[tv]
        J[self.mean_pos] = -D[self.num]
        J[self.var_pos] = D[self.v_diag[self.num]]
        ci, cj = self.ci, self.cj
        J[self.cov_pos] = (d[ci] * d[cj])[:, None] * D[self.v_cov] + Sigma[ci, cj][:, None] * (
            dd[ci] * d[cj][:, None] + d[ci][:, None] * dd[cj]
        )
        return J

    def objective(self, theta: np.ndarray) -> float:
        """lavaan's ``fmin``: :math:`\\tfrac12 (s - \\kappa)^\\top W (s - \\kappa)`."""
        kappa = self.implied(theta)[0]
        r = self.obs - kappa
        return 0.5 * float(r @ self.weight @ r)

    # ------------------------------------------------------------------ fitting
    def fit(
        self, theta0: np.ndarray, *, max_iter: int = 500, tol: float = 1e-10
    ) -> tuple[np.ndarray, float, int, bool, float]:
        """Gauss-Newton steps with step halving from ``theta0``.

        Returns ``(theta, fmin, iterations, converged, largest absolute gradient)``.
        """
        theta = np.asarray(theta0, dtype=float).copy()
        W = self.weight
        f = math.inf
        gmax = math.inf
        it = 0
        for it in range(1, max_iter + 1):
            kappa, Sigma, mu, parts, d = self.implied(theta)
            r = self.obs - kappa
            f = 0.5 * float(r @ W @ r)
            if not math.isfinite(f):
                return theta, f, it, False, math.inf
            J = self.jacobian(theta, Sigma, mu, parts, d)
            WJ = W @ J
            g = WJ.T @ r  # minus the gradient of fmin
            gmax = float(np.max(np.abs(g))) if g.size else 0.0
            if gmax < tol:
                return theta, f, it - 1, True, gmax
            H = J.T @ WJ
            try:
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(H, g, rcond=None)[0]
            t = 1.0
            for _ in range(30):
                cand = theta + t * step
                fc = self.objective(cand)
                if math.isfinite(fc) and fc <= f + 1e-15 * max(1.0, abs(f)):
                    break
                t *= 0.5
            else:
                return theta, f, it, False, gmax
            theta = cand
        return theta, f, it, gmax < tol, gmax

    def x_final(self, theta: np.ndarray, pt: ParameterTable) -> np.ndarray:
        """Row values at ``theta`` with the computed rows filled in (residual variances of
        ordinal items in the delta parameterization, scale factors in the theta one)."""
        x = self.ml.x_of(theta)
        Sigma, _, _ = self.ml.implied(theta)
        for k in range(len(x)):
            a, o, b = pt.lhs[k], pt.op[k], pt.rhs[k]
            if pt.free[k] or not math.isnan(pt.ustart[k]):
                continue
            j = pt.ov_names.index(a) if a in pt.ov_names else -1
            if j < 0 or not self.ordered[j]:
                continue
            if o == "~~" and a == b and not self.theta_param:
                x[k] = 1.0 / self.scale_fixed[j] ** 2 - Sigma[j, j]  # Sigma with theta_jj = 0
            elif o == "~*~" and self.theta_param:
                x[k] = 1.0 / math.sqrt(Sigma[j, j])
        return x


@dataclass(frozen=True)
class ScaledTest:
    """A scaled test statistic of a least-squares fit and of its baseline model.

    Attributes follow lavaan's names: ``test`` (``"scaled.shifted"``,
    ``"mean.var.adjusted"``, ``"satorra.bentler"``), ``chisq_scaled``, ``df_scaled``,
    ``scaling_factor``, ``shift`` (0 unless scaled-shifted), ``trace_ugamma``,
    ``trace_ugamma2``, and the same for the baseline (``baseline_*``).
    """

    test: str
    chisq_scaled: float
    df_scaled: float
    scaling_factor: float
    shift: float
    trace_ugamma: float
    trace_ugamma2: float
    baseline_chisq_scaled: float = math.nan
    baseline_df_scaled: float = math.nan
    baseline_scaling_factor: float = math.nan


def _adjust(test: str, x2: float, df: float, tr1: float, tr2: float) -> tuple[float, float, float, float]:
    """(stat, df, scaling factor, shift) of lavaan's ``lav_test_sb`` for one statistic."""
    if df <= 0:
        return math.nan, df, math.nan, math.nan
    if test == "scaled.shifted":
        a = math.sqrt(df / tr2) if tr2 > 0 else math.nan
        shift = df - a * tr1
        return x2 * a + shift, df, 1.0 / a, shift
    if test == "mean.var.adjusted":
        dfs = tr1 * tr1 / tr2
        c = tr1 / dfs
        return x2 / c, dfs, c, 0.0
    c = tr1 / df  # satorra.bentler
    return x2 / c, df, c, 0.0


def _traces(W: np.ndarray, J: np.ndarray, gamma: np.ndarray) -> tuple[float, float, np.ndarray]:
    WJ = W @ J
    E = J.T @ WJ
    U = W - WJ @ np.linalg.solve(E, WJ.T) if J.shape[1] else W
    UG = U @ gamma
    return float(np.trace(UG)), float(np.sum(UG * UG.T)), U


def baseline_design(kern: DWLSKernel) -> np.ndarray:
    """Jacobian of the baseline model (free thresholds, means and variances, no covariances)."""
    free = np.concatenate([kern.th_pos, kern.mean_pos, kern.var_pos]).astype(np.intp)
    J0 = np.zeros((kern.nk, free.size))
    J0[free, np.arange(free.size)] = 1.0
    return J0


def scaled_test(kern: DWLSKernel, J: np.ndarray, gamma: np.ndarray, test: str, chisq: float, df: float,
                baseline_chisq: float, baseline_df: float) -> ScaledTest:
    """The scaled test of the model and of its baseline (lavaan's ``lav_test_sb``)."""
    W = np.asarray(kern.weight)
    tr1, tr2, _ = _traces(W, J, gamma)
    stat, dfs, c, shift = _adjust(test, chisq, df, tr1, tr2)
    b1, b2, _ = _traces(W, baseline_design(kern), gamma)
    bstat, bdf, bc, _ = _adjust(test, baseline_chisq, baseline_df, b1, b2)
    return ScaledTest(test, stat, dfs, c, shift, tr1, tr2, bstat, bdf, bc)


def baseline_chisq(kern: DWLSKernel, n: int) -> tuple[float, float]:
    """Chi-square and df of the baseline model (its fit is linear: :math:`(N-1) s^\\top U_0 s`)."""
    W = np.asarray(kern.weight)
    J0 = baseline_design(kern)
    _, _, U0 = _traces(W, J0, np.eye(kern.nk))
    s = np.asarray(kern.obs)
    return float((n - 1) * s @ U0 @ s), float(kern.nk - J0.shape[1])


def dwls_vcov(W: np.ndarray, J: np.ndarray, gamma: np.ndarray, n: int, se: str) -> np.ndarray:
    """Covariance of the estimates: ``E^-1 / (N-1)`` (``"standard"``) or the sandwich
    ``E^-1 J'W Gamma W J E^-1 / (N-1)`` (``"robust.sem"``), ``E = J'WJ`` (lavaan divides
    by ``N - 1`` for every estimator but ML)."""
    WJ = W @ J
    E = J.T @ WJ
    Einv = np.linalg.inv(E)
    if se == "robust.sem":
        V = Einv @ (WJ.T @ gamma @ WJ) @ Einv / (n - 1)
    else:
        V = Einv / (n - 1)
    return 0.5 * (V + V.T)


@dataclass(frozen=True, eq=False)
class DWLSState:
    """What a least-squares fit of ordinal data keeps for standard errors and fit measures.

    Attributes
    ----------
    moments : OrdinalMoments
        Thresholds, correlations, :math:`\\Gamma`.
    estimator : str
        The user's estimator (``"WLSMV"``, ...); ``fitting``, ``se``, ``test`` lavaan's
        options it stands for.
    parameterization : {"delta", "theta"}
    kernel : DWLSKernel
    kappa : ndarray
        Implied statistics at the estimates (lavaan's ``wls.est``).
    jacobian : ndarray
        :math:`\\Delta` at the estimates.
    sigma_star, scales : ndarray
        Implied covariance of the latent responses (:math:`D\\Sigma D`) and :math:`d`.
    """

    moments: OrdinalMoments
    estimator: str
    fitting: str
    se: str
    test: str
    parameterization: str
    kernel: DWLSKernel = field(repr=False)
    kappa: np.ndarray = field(repr=False)
    jacobian: np.ndarray = field(repr=False)
    sigma_star: np.ndarray = field(repr=False)
    scales: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("kappa", "jacobian", "sigma_star", "scales"):
            object.__setattr__(self, name, freeze(np.asarray(getattr(self, name))))


def estimate_dwls(
    pt: ParameterTable,
    moments: OrdinalMoments,
    X: np.ndarray,
    *,
    estimator: str = "WLSMV",
    parameterization: str = "delta",
    max_iter: int = 500,
    tol: float = 1e-10,
) -> EstimationCore:
    """Fit the ordinal table ``pt`` to the sample statistics ``moments``.

    Parameters
    ----------
    pt : ParameterTable
        From :func:`acsi.spec.partable.ordinal_partable`.
    moments : OrdinalMoments
        :func:`acsi.cbsem.ordinal.ordinal_moments` of the data ``X``.
    X : ndarray
        The data (kept on the core).
    estimator : str
        A key of :data:`ESTIMATORS`.
    parameterization : {"delta", "theta"}
    max_iter, tol : int, float
        Gauss-Newton iterations; convergence when the largest absolute gradient element
        of ``fmin`` is below ``tol``.

    Returns
    -------
    EstimationCore
        ``fmin`` lavaan's, ``chisq = 2 N fmin``, ``S`` the polychoric covariance matrix,
        ``Sigma`` the unscaled implied covariance and ``dwls`` the :class:`DWLSState`.

    Examples
    --------
    >>> import numpy as np, acsi
    >>> from acsi.spec.partable import build_partable, ordinal_partable
    >>> from acsi.cbsem.ordinal import ordinal_moments
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> X = np.column_stack([np.digitize(hs[f"x{i}"], np.quantile(hs[f"x{i}"], [1/3, 2/3]))
    ...                      for i in range(1, 7)]).astype(float)
    >>> om = ordinal_moments(X, [True] * 6, names=[f"x{i}" for i in range(1, 7)])
    >>> pt = build_partable("f =~ x1 + x2 + x3; g =~ x4 + x5 + x6", meanstructure=True)
    >>> opt = ordinal_partable(pt, {f"x{i}": 2 for i in range(1, 7)})
    >>> core = estimate_dwls(opt, om, X)
    >>> core.converged, core.df
    (True, 8)
    """
    from acsi.cbsem.core import EstimationCore, start_values

    fitting, se, test = ESTIMATORS[estimator]
    model = LisrelModel.from_partable(pt)
    p = len(pt.ov_names)
    ordm = np.asarray(moments.ordered, dtype=bool)
    mean = np.zeros(p)
    mean[~ordm] = np.asarray(moments.th)[~ordm[moments.th_item]]
    S = np.asarray(moments.cov)
    x0 = start_values(pt, model, S, mean)
    th_rows = np.array([k for k in range(model.n_rows) if pt.op[k] == "|"], dtype=np.intp)
    nth = np.array([int((np.asarray(moments.th_item) == j).sum()) if ordm[j] else 1 for j in range(p)])
    pos = threshold_positions(pt, th_rows, np.concatenate([[0], np.cumsum(nth)[:-1]]))
    sample_th = np.asarray(moments.th)[pos]
    given = np.asarray(pt.ustart, dtype=float)[th_rows]  # fixed values and start() of the model text
    x0[th_rows] = np.where(np.isnan(given), sample_th, given)
    gamma = np.asarray(moments.nacov)
    if fitting == "DWLS":
        W = np.diag(1.0 / np.diag(gamma))
    elif fitting == "ULS":
        W = np.eye(gamma.shape[0])
    else:
        W = np.linalg.inv(gamma)
    kern = DWLSKernel(pt, model, x0, moments, W, parameterization)
    theta0 = kern.ml.theta_of(x0)
    theta, fmin, iters, conv, gmax = kern.fit(theta0, max_iter=max_iter, tol=tol)
    x = kern.x_final(theta, pt)
    # the implied moments with the computed rows in place
    model_sigma, mu, parts = model.implied(x)
    kappa, _, _, parts0, d = kern.implied(theta)
    J = kern.jacobian(theta, *kern.ml.implied(theta), d)
    sigma_star = model_sigma * d[:, None] * d[None, :]
    parts = dict(parts)
    n = int(moments.nobs)
    fmin *= (n - 1) / n  # lavaan's fmin of the least-squares family: (N-1)/N (s-k)'W(s-k)/2
    state = DWLSState(moments=moments, estimator=estimator, fitting=fitting, se=se, test=test,
                      parameterization=parameterization, kernel=kern, kappa=kappa, jacobian=J,
                      sigma_star=sigma_star, scales=d)
    return EstimationCore(
        ov_names=pt.ov_names, X=np.asarray(X, dtype=float), N=n, S=S, mean=mean,
        meanstructure=True, fixed_x=(), theta=theta, x=x, Sigma=model_sigma, mu=mu, Delta=J,
        fmin=fmin, chisq=2.0 * n * fmin, df=int(kern.nk - pt.npar), npar=pt.npar,
        converged=conv, iterations=iters, grad_max=gmax, partable=pt, model=model,
        kernel=kern.ml, parts=parts, dwls=state,
    )


@dataclass(frozen=True)
class CatML:
    """lavaan's "catML" statistics behind ``cfi.robust``/``rmsea.robust`` of an ordinal fit
    (Savalei 2021): the normal-theory ML discrepancy of the polychoric correlations at the
    least-squares estimates (``chisq``, ``df``), its scaling ``c`` and scaled statistic, and
    the same for the baseline (independence) model."""

    chisq: float
    df: float
    c: float
    chisq_scaled: float
    baseline_chisq: float
    baseline_df: float
    baseline_c: float


def catml(state: DWLSState, n: int, df: float) -> CatML | None:
    """The catML statistics of an all-ordinal fit (``None`` with continuous items, a
    polychoric matrix that is not positive definite or thresholds constrained equal, where
    lavaan reports NA).

    With :math:`R` the polychoric and :math:`\\Sigma^*` the implied correlation matrix,
    :math:`T_3 = N [\\log|\\Sigma^*| + \\operatorname{tr}(R \\Sigma^{*-1}) - \\log|R| - p]`;
    with :math:`V` the normal-theory weight of the correlations at :math:`\\Sigma^*`,
    :math:`W_c`, :math:`\\Delta_c`, :math:`\\Gamma_c` the correlation parts of the DWLS
    weight, Jacobian and :math:`\\Gamma`, and :math:`M = I - \\Delta_c E^{-1} \\Delta_c^\\top
    W_c`: :math:`c_3 = \\operatorname{tr}(M^\\top V M \\Gamma_c) / df`; the baseline
    :math:`T_{3,0} = -N \\log|R|` with :math:`c_{3,0} = \\operatorname{tr}(\\Gamma_c) / df_0`.
    """
    kern = state.kernel
    if not np.all(kern.ordered):
        return None
    th_par = np.asarray(kern.th_par)
    th_free = th_par[th_par >= 0]
    if np.unique(th_free).size < th_free.size:
        # thresholds constrained equal (a label shared by threshold rows): lavaan's catML
        # refit drops the threshold rows but keeps their equality constraints and fails, so
        # lavaan reports the robust CFI/TLI/RMSEA as NA
        return None
    # the catML model has no thresholds: its df are the correlations minus the other free
    # parameters (equal to the least-squares df unless thresholds are fixed in the model)
    df = float(kern.cov_pos.size - (np.asarray(state.jacobian).shape[1] - th_free.size))
    R = np.asarray(state.moments.cov)
    if np.linalg.eigvalsh(R)[0] < np.sqrt(np.finfo(float).eps):
        return None
    S = np.asarray(state.sigma_star)
    p = kern.p
    Si = np.linalg.inv(S)
    _, ld_s = np.linalg.slogdet(S)
    _, ld_r = np.linalg.slogdet(R)
    x3 = n * (ld_s + float(np.sum(R * Si)) - ld_r - p)
    ci, cj = kern.ci, kern.cj
    V = Si[ci][:, ci] * Si[cj][:, cj] + Si[ci][:, cj] * Si[cj][:, ci]
    c = kern.cov_pos
    W = np.asarray(kern.weight)
    J = np.asarray(state.jacobian)
    E_inv = np.linalg.inv(J.T @ W @ J)
    Jc = J[c]
    Wc = W[np.ix_(c, c)]
    G = np.asarray(state.moments.nacov)[np.ix_(c, c)]
    M = np.eye(c.size) - Jc @ E_inv @ Jc.T @ Wc
    c3 = float(np.trace(M.T @ V @ M @ G)) / df if df > 0 else math.nan
    x0 = -n * ld_r
    df0 = float(c.size)
    return CatML(x3, df, c3, x3 / c3, x0, df0, float(np.trace(G)) / df0)
