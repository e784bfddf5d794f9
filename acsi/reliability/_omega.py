"""McDonald's omega from a one-factor ML model (lavaan's ML, semTools' compRelSEM)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from acsi._lazy import optimize, stats  # scipy's, imported on first use
from acsi._validation import check_choice
from acsi.exceptions import ConvergenceWarning, IdentificationError, InadmissibleSolutionWarning, warn
from acsi.reliability._common import check_variation, corr_from_cov, item_matrix, one_blas_thread
from acsi.reliability._efa import fa_minres_kernel, fa_ml_kernel
from acsi.results.base import CopyTables, ResultMixin, Summary, freeze_fields

__all__ = ["OmegaResult", "omega", "one_factor_ml"]


def _fml(theta: np.ndarray, S: np.ndarray, p: int) -> tuple[float, np.ndarray]:
    lam, th = theta[:p], theta[p:]
    Sigma = np.outer(lam, lam) + np.diag(th)
    sign, logdet = np.linalg.slogdet(Sigma)
    if sign <= 0:
        return 1e10, np.zeros_like(theta)
    Si = np.linalg.inv(Sigma)
    F = logdet + float(np.sum(S * Si))
    G = Si - Si @ S @ Si
    return F, np.concatenate([2.0 * G @ lam, np.diag(G)])


def _newton(x: np.ndarray, S: np.ndarray, p: int, iterations: int = 50) -> np.ndarray | None:
    """Newton steps on :func:`_fml` with a central-difference Hessian of the analytic gradient
    and step halving; the point where the gradient is below 1e-10 (``None`` when not reached
    in ``iterations`` steps; with ``iterations=3`` the last accepted point)."""
    F, g = _fml(x, S, p)
    h = 1e-6
    eye = np.eye(2 * p) * h
    for _ in range(iterations):
        if np.max(np.abs(g)) < 1e-10:
            return x
        H = np.column_stack([(_fml(x + e, S, p)[1] - _fml(x - e, S, p)[1]) / (2 * h) for e in eye])
        try:
            step = np.linalg.solve((H + H.T) / 2, g)
        except np.linalg.LinAlgError:
            break
        for _half in range(30):
            Fn, gn = _fml(x - step, S, p)
            if Fn <= F + 1e-14:
                x, F, g = x - step, Fn, gn
                break
            step = step / 2
        else:
            break
    if iterations <= 3:
        return x
    return x if np.max(np.abs(g)) < 1e-10 else None


def one_factor_ml(S: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, bool]:
    r"""ML one-factor model of a covariance matrix ``S`` (divisor N, as lavaan).

    Minimises ``F = log|Sigma| + tr(S Sigma^-1) - log|S| - p`` with ``Sigma = l l' + Theta``
    (factor variance 1), residual variances unconstrained (a negative one is a Heywood case,
    reported as lavaan does). Start: ML factor analysis of the correlation matrix.
    Returns (loadings l, residual variances, F_min, converged). No checks (kernel).
    """
    p = S.shape[0]
    sd = np.sqrt(np.diag(S))
    # start: R's L-BFGS-B on the correlation matrix (psych's settings; no scipy.optimize import)
    L, psi, _ = fa_ml_kernel(corr_from_cov(S), 1, lower=1e-4, convergence="psych")
    x = _newton(np.concatenate([L[:, 0] * sd, psi * sd**2]), S, p)
    if x is None:  # Newton did not reach the optimum from there: quasi-Newton first, then polish
        L, psi, _ = fa_ml_kernel(corr_from_cov(S), 1, lower=1e-4, convergence="strict")
        start = np.concatenate([L[:, 0] * sd, psi * sd**2])
        res = optimize.minimize(_fml, start, args=(S, p), jac=True, method="BFGS",
                                options={"gtol": 1e-12, "maxiter": 2000})
        polished = _newton(res.x, S, p, iterations=3)
        x = res.x if polished is None else polished
    F, g = _fml(x, S, p)
    lam = x[:p] * (1.0 if x[:p].sum() >= 0 else -1.0)
    return lam, x[p:], F - np.linalg.slogdet(S)[1] - p, bool(np.max(np.abs(g)) < 1e-7)


@dataclass(frozen=True, eq=False)
class OmegaResult(CopyTables, ResultMixin):
    """McDonald's omega of a one-factor (congeneric) scale.

    Attributes
    ----------
    omega : float
        ``(sum l)^2 / 1'S1``: common variance over the *observed* variance of the sum score
        (semTools::compRelSEM default, ``obs.var = TRUE``).
    omega_implied : float
        ``(sum l)^2 / ((sum l)^2 + sum theta)``: over the model-implied variance
        (compRelSEM ``obs.var = FALSE``; the textbook formula).
    alpha : float
        Raw Cronbach's alpha (compRelSEM ``tau.eq = TRUE``).
    ave : float
        Average variance extracted ``sum l^2 / sum diag(S)`` (semTools::AVE).
    loadings : DataFrame
        ``loading`` (marker scale: first item 1, as lavaan ``cfa``), ``std_loading`` (std.all),
        ``residual`` (theta) per item.
    factor_variance : float
        Factor variance in the marker scale.
    omega_psych : float
        What R ``psych::omega(items, nfactors = 1)`` reports as ``omega.tot``:
        ``1 - sum(u2) / 1'R1`` with minimum-residual uniquenesses ``u2`` of the correlation
        matrix ``R`` (a standardized coefficient; close to, not equal to, ``omega``).
    chisq, df, pvalue : float
        ML chi-square test of the one-factor model (``N F_ML``, lavaan's default).
    nobs : int
        Rows used (``n`` is an alias, the older name).
    """

    omega: float
    omega_implied: float
    alpha: float
    ave: float
    loadings: pd.DataFrame
    factor_variance: float
    omega_psych: float
    chisq: float
    df: int
    pvalue: float
    nobs: int
    n_dropped: int
    converged: bool

    def __post_init__(self) -> None:
        freeze_fields(self)

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs` (the older name)."""
        return self.nobs

    def _summary(self) -> Summary:
        return Summary(
            "McDonald's omega (one-factor ML model)",
            [
                ("items", int(self.loadings.shape[0])),
                ("observations", self.nobs),
                ("omega (observed variance)", self.omega),
                ("omega (model-implied variance)", self.omega_implied),
                ("alpha", self.alpha),
                ("omega (psych::omega, minres)", self.omega_psych),
                ("AVE", self.ave),
                ("one-factor chi-square", self.chisq),
                ("df", self.df),
                ("p-value", self.pvalue),
            ],
            [("Loadings", self.loadings)],
        )


@one_blas_thread
def omega(
    items: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    missing: Literal["listwise", "mean", "error"] = "listwise",
    na_values: float | str | Sequence[float | str] | None = None,
) -> OmegaResult:
    r"""McDonald's omega total from a one-factor ML model, equal to R semTools::compRelSEM.

    The congeneric model ``x = l f + e`` (``Var f = 1``) is fitted by maximum likelihood to the
    covariance matrix ``S`` (divisor N) exactly as ``lavaan::cfa("f =~ x1 + ... + xk")``, then

    .. math::

        \omega = \frac{(\sum_i \lambda_i)^2}{\mathbf 1' S \mathbf 1}, \qquad
        \omega_{implied} = \frac{(\sum_i \lambda_i)^2}{(\sum_i \lambda_i)^2 + \sum_i \theta_i}

    ``omega`` is semTools' default (``obs.var = TRUE``); ``omega_implied`` is McDonald's
    formula (``obs.var = FALSE``).

    Parameters
    ----------
    items : DataFrame
        At least three items (a one-factor model of two items is not identified).
    columns, missing, na_values
        As in :func:`cronbach_alpha` (no pairwise option: the ML fit needs one data set).

    Returns
    -------
    OmegaResult

    Notes
    -----
    Validated against R lavaan 0.6-14 and semTools 0.5-6 (``compRelSEM``, ``AVE``): omega
    agrees to 1e-7 with lavaan fits converged to a gradient of 1e-8 (and to 2e-6 with lavaan's
    default convergence). psych::omega factors the correlation matrix by minimum residuals
    and divides by its sum; that number is ``omega_psych`` (equal to psych 2.2.9 to 1e-12).

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum.
    Raykov, T. (1997). Estimation of composite reliability for congeneric measures. Applied
    Psychological Measurement, 21, 173-184.

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.reliability.omega(hs[["x1", "x2", "x3"]])
    >>> round(res.omega, 4), round(res.omega_implied, 4)
    (0.6326, 0.6326)
    """
    missing = check_choice(  # type: ignore[assignment]
        missing, ("listwise", "mean", "error"), "missing", case_sensitive=True,
        hint="the ML fit needs one complete data set; pairwise covariances are not offered",
    )
    X, names, n_dropped = item_matrix(
        items, columns, missing=missing, na_values=na_values, context="one-factor model", min_items=2
    )
    if len(names) < 3:
        raise IdentificationError(
            f"a one-factor model of {len(names)} items ({', '.join(names)}) is not identified; "
            "omega needs at least 3 items (use cronbach_alpha for two)"
        )
    check_variation(X, names, "one-factor model")
    n, p = X.shape
    S = np.cov(X, rowvar=False, ddof=0)
    lam, theta, fmin, converged = one_factor_ml(S)
    if not converged:
        warn("the one-factor ML model did not converge", ConvergenceWarning)
    if np.any(theta < 0):
        bad = [names[j] for j in np.where(theta < 0)[0]]
        warn(
            f"Heywood case in the one-factor model: negative residual variance of {', '.join(bad)}",
            InadmissibleSolutionWarning,
        )
    sl = lam.sum()
    om = float(sl**2 / S.sum())
    om_imp = float(sl**2 / (sl**2 + theta.sum()))
    k = p
    alpha = float((1 - np.trace(S) / S.sum()) * k / (k - 1))
    ave = float((lam**2).sum() / np.trace(S))
    implied_var = lam**2 + theta
    table = pd.DataFrame(
        {"loading": lam / lam[0], "std_loading": lam / np.sqrt(implied_var), "residual": theta},
        index=pd.Index(names, name="item"),
    )
    Rc = corr_from_cov(S)
    Lm, _, _ = fa_minres_kernel(Rc, 1)
    omega_psych = float(1.0 - (1.0 - (Lm[:, 0] ** 2)).sum() / Rc.sum())
    df = p * (p + 1) // 2 - 2 * p
    chisq = float(n * fmin)
    return OmegaResult(
        omega=om,
        omega_implied=om_imp,
        alpha=alpha,
        ave=ave,
        loadings=table,
        factor_variance=float(lam[0] ** 2),
        omega_psych=omega_psych,
        chisq=chisq,
        df=int(df),
        pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan,
        nobs=int(n),
        n_dropped=int(n_dropped),
        converged=converged,
    )
