"""Residuals of a CB-SEM fit, as lavaan's ``residuals()`` / ``lavResiduals()``.

Six types (and lavaan's aliases), each for the covariance part and (with a mean structure) the mean part:

``"raw"``
    ``S - Sigma`` and ``ybar - mu`` (sample moments with divisor N).
``"cor"``
    lavaan's ``"cor.bollen"`` (alias ``"crmr"``): the difference of the sample and the
    implied correlation matrices; mean residuals divided by the sample standard deviations.
    As lavaan, entries whose moment is below 1e-5 in absolute value are not rescaled.
``"cor.bentler"``
    (aliases ``"cor.eqs"``, ``"srmr"``) both the sample and the implied moments rescaled by
    the *sample* standard deviations.
``"normalized"``
    raw residuals divided by the standard errors of the sample moments, ``sqrt(diag(Gamma)
    / N)``, with ``Gamma`` the normal-theory asymptotic covariance of ``(ybar, vech S)``
    for ML fits (``Gamma_NT = H(S)^-1``) and the distribution-free one (the covariance of
    the casewise ``(x_i, vech((x_i - ybar)(x_i - ybar)'))``) for MLR fits, as lavaan's
    ``h1.acov = "unstructured"`` with the fit's ``se``.
``"standardized"``
    raw residuals divided by their own standard errors, ``sqrt(diag(Q Gamma Q') / N)``
    with ``Q = I - Delta A0^-1 Delta' A1`` (``A0`` the model's information, expected for
    ML and observed for MLR, inverted under the equality constraints; ``A1`` the
    saturated model's information at the implied moments; Ogasawara 2001, lavaan's
    ``lav_residuals_acov``). A residual whose variance is negative has no standardized
    value (NaN).
``"standardized.mplus"``
    raw residuals divided by ``sqrt(diag(Gamma / N - Delta V Delta'))`` with ``V`` the
    covariance of the estimates (robust for MLR), as Mplus and lavaan do; NaN where that
    variance is negative.

Missing data (``missing="ml"``): the sample moments are the EM (h1) estimates; ``Gamma``
is the inverse of the incomplete-data information of the saturated model at them
(observed, or expected with ``se="expected"``; the sandwich with the casewise first-order
information for MLR) and ``A1`` that information at the implied moments (lavaan's
``lav_mvnorm_missing_information_*``); :func:`fiml_h1_acov`, :func:`fiml_h1_information`.

In the normalized and standardized types a raw residual below 1e-5 in absolute value is
left as it is (its divisor set to 1), as lavaan does.

References
----------
Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley, p. 257-261.
Ogasawara, H. (2001). Standard errors of fit indices using residuals in structural equation
modeling. *Psychometrika*, 66, 421-436.
Examples
--------
>>> import acsi
>>> hs = acsi.datasets.load_holzinger_swineford()
>>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", hs)
>>> r = res.residuals("standardized")
>>> r.largest.iloc[0].tolist()[:2], round(float(r.largest.iloc[0]["residual"]), 2)
(['x7', 'x8'], 4.82)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi.results.base import ResultMixin, Summary, freeze, frozen_table

__all__ = ["RESIDUAL_TYPES", "ResidualsResult", "fiml_h1_acov", "fiml_h1_information", "residual_moments"]

#: accepted ``type=`` spellings -> the canonical type (lavaan's names and aliases)
RESIDUAL_TYPES = {
    "raw": "raw", "rmr": "raw", "cor": "cor", "cor.bollen": "cor", "crmr": "cor",
    "cor.bentler": "cor.bentler", "cor.eqs": "cor.bentler", "srmr": "cor.bentler",
    "normalized": "normalized", "standardized": "standardized",
    "standardized.mplus": "standardized.mplus",
}
_NEAR_ZERO = 1e-5


def _vech_to_sym(v: np.ndarray, vr: np.ndarray, vc: np.ndarray, p: int) -> np.ndarray:
    M = np.zeros((p, p))
    M[vr, vc] = v
    M[vc, vr] = v
    return M


def _rescale(mat: np.ndarray, diag: np.ndarray) -> np.ndarray:
    """lavaan's ``lav_residuals_rescale`` of a covariance matrix (near-zero entries kept)."""
    d = np.where(np.isfinite(diag) & (diag >= np.finfo(float).eps), diag, np.nan)
    scale = np.outer(1.0 / np.sqrt(d), 1.0 / np.sqrt(d))
    scale = np.where(np.abs(mat) < _NEAR_ZERO, 1.0, scale)
    return mat * scale


def _rescale_mean(vec: np.ndarray, diag: np.ndarray) -> np.ndarray:
    d = np.where(np.isfinite(diag) & (diag >= np.finfo(float).eps), diag, np.nan)
    scale = np.where(np.abs(vec) < _NEAR_ZERO, 1.0, 1.0 / np.sqrt(d))
    return vec * scale


def gamma_adf(X: np.ndarray, vr: np.ndarray, vc: np.ndarray, meanstructure: bool) -> np.ndarray:
    """Distribution-free covariance of ``(x_i, vech((x_i - ybar)(x_i - ybar)'))`` (divisor N)."""
    Xc = X - X.mean(axis=0)
    Z = Xc[:, vr] * Xc[:, vc]
    Z = Z - Z.mean(axis=0)
    if meanstructure:
        Z = np.concatenate([Xc, Z], axis=1)
    return (Z.T @ Z) / X.shape[0]


def fiml_h1_acov(fiml: Any, X: np.ndarray, se_type: str, x_mask: np.ndarray | None = None) -> np.ndarray:
    """``Gamma`` (per observation) of the h1 moments ``(mu, vech Sigma)`` of a FIML fit, as
    lavaan's ``lav_model_h1_acov`` with ``h1.information = "unstructured"``.

    ``I1`` is the information of the incomplete-data likelihood of the saturated model at its
    EM estimates (observed, or expected for ``se="expected"``; :func:`acsi.cbsem.fiml_kernel.moment_hessian`
    divided by ``-N``); ``Gamma = I1^-1`` for ML and the sandwich ``I1^-1 J1 I1^-1`` for MLR
    (``J1`` the first-order information of the casewise scores at the EM moments, each
    multiplied by its row's sampling weight if any).

    With fixed.x covariates (``x_mask``: their moments among ``(mu, vech Sigma)``, for
    ``missing="ml"`` and ``"ml.x"``) lavaan zeroes their rows and columns of ``I1`` and ``J1``
    and inverts the rest (``lav_matrix_symmetric_inverse``): their entries of ``Gamma`` are 0.
    """
    from acsi.cbsem.fiml_kernel import _first_order, moment_hessian

    mp, em = fiml.patterns, fiml.em
    m, s = np.asarray(em.mean), np.asarray(em.cov)
    i1 = -moment_hessian(mp, m, s, observed=se_type != "expected") / mp.nobs
    i1_inv = _inverse_without(i1, x_mask)
    if se_type == "robust":
        j1 = _zero_rows(_first_order(np.asarray(X, dtype=float), mp, m, s, fiml.weights), x_mask)
        return np.asarray(i1_inv @ j1 @ i1_inv)
    return np.asarray(i1_inv)


def _zero_rows(a: np.ndarray, x_mask: np.ndarray | None) -> np.ndarray:
    """``a`` with the rows and columns of ``x_mask`` set to zero (a copy; ``a`` if no mask)."""
    if x_mask is None or not np.any(x_mask):
        return a
    a = np.array(a, dtype=float, copy=True)
    a[x_mask, :] = 0.0
    a[:, x_mask] = 0.0
    return a


def _inverse_without(a: np.ndarray, x_mask: np.ndarray | None) -> np.ndarray:
    """Inverse of ``a`` on the rows/columns outside ``x_mask``, zero on those inside."""
    if x_mask is None or not np.any(x_mask):
        return np.asarray(np.linalg.inv(a))
    keep = ~np.asarray(x_mask, dtype=bool)
    out = np.zeros_like(a, dtype=float)
    out[np.ix_(keep, keep)] = np.linalg.inv(a[np.ix_(keep, keep)])
    return out


def fiml_h1_information(fiml: Any, mu: np.ndarray, sigma: np.ndarray, se_type: str,
                        x_mask: np.ndarray | None = None) -> np.ndarray:
    """lavaan's ``A1`` of a FIML fit (``h1.information = "structured"``): the information
    per observation of the incomplete-data likelihood in ``(mu, vech Sigma)`` at the implied
    moments (observed, or expected for ``se="expected"``); the fixed.x covariates' rows and
    columns (``x_mask``) zero, as lavaan."""
    from acsi.cbsem.fiml_kernel import moment_hessian

    mp = fiml.patterns
    a1 = -moment_hessian(mp, np.asarray(mu), np.asarray(sigma), observed=se_type != "expected") / mp.nobs
    return np.asarray(_zero_rows(np.asarray(a1), x_mask))


def residual_moments(
    kind: str,
    *,
    S: np.ndarray,
    ybar: np.ndarray,
    Sigma: np.ndarray,
    mu: np.ndarray,
    meanstructure: bool,
    vech: tuple[np.ndarray, np.ndarray],
    N: float,
    acov_obs: np.ndarray | None = None,
    delta: np.ndarray | None = None,
    a0_inv: np.ndarray | None = None,
    a1: np.ndarray | None = None,
    acov_est: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Residual covariance matrix and mean vector of one group.

    Parameters
    ----------
    kind : {"raw", "cor", "normalized", "standardized"}
    S, ybar, Sigma, mu : ndarray
        Sample (divisor N) and implied moments.
    meanstructure : bool
    vech : (rows, cols)
        The vech coordinates of the moment layout.
    N : float
    acov_obs : ndarray, optional
        ``Gamma`` (per observation) of ``([ybar,] vech S)`` (normalized, standardized).
    delta, a0_inv, a1 : ndarray, optional
        ``Delta`` (moments by free parameters after constraints), the inverse model
        information and the saturated information at the implied moments (standardized).
    acov_est : ndarray, optional
        ``Delta V Delta'`` with ``V`` the covariance of the estimates (standardized.mplus).

    Returns
    -------
    cov : (p, p) ndarray
    mean : (p,) ndarray or None
    """
    p = S.shape[0]
    vr, vc = vech
    cov = S - Sigma
    mean = (ybar - mu) if meanstructure else None
    if kind == "raw":
        return cov, mean
    if kind in ("cor", "cor.bentler"):
        var_obs, var_est = np.diag(S), np.diag(Sigma)
        cov = _rescale(S, var_obs) - _rescale(Sigma, var_est if kind == "cor" else var_obs)
        if meanstructure:
            mean = _rescale_mean(ybar, var_obs) - _rescale_mean(mu, var_obs)
        return cov, mean
    assert acov_obs is not None
    if kind == "normalized":
        acov = acov_obs / N
    elif kind == "standardized.mplus":
        assert acov_est is not None
        acov = acov_obs / N - acov_est
    else:
        assert delta is not None and a0_inv is not None and a1 is not None
        Q = np.eye(acov_obs.shape[0]) - delta @ a0_inv @ delta.T @ a1
        acov = Q @ (acov_obs / N) @ Q.T
    d = np.diag(acov).copy()
    d[~np.isfinite(d) | (d < 0)] = np.nan
    se = np.sqrt(d)
    off = p if meanstructure else 0
    se_cov = _vech_to_sym(se[off:], vr, vc, p)
    se_cov = np.where(np.abs(cov) < _NEAR_ZERO, 1.0, se_cov)
    cov = cov / se_cov
    if meanstructure:
        assert mean is not None
        se_mean = np.where(np.abs(mean) < _NEAR_ZERO, 1.0, se[:p])
        mean = mean / se_mean
    return cov, mean


@dataclass(frozen=True, eq=False)
class ResidualsResult(ResultMixin):
    """Residuals of a CB-SEM fit (:meth:`acsi.cbsem.results.SEMResult.residuals`).

    Attributes
    ----------
    type : str
        ``"raw"``, ``"cor"`` (lavaan's ``"cor.bollen"``), ``"cor.bentler"``,
        ``"normalized"``, ``"standardized"`` or ``"standardized.mplus"``.
    cov : DataFrame
        Residual covariance (or correlation) matrix, observed variables in the fit's order.
    mean : Series or None
        Residual means (None without a mean structure, as lavaan).
    """

    type: str
    _cov: pd.DataFrame
    _mean: pd.Series | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cov", freeze(self._cov))
        if self._mean is not None:
            object.__setattr__(self, "_mean", freeze(self._mean))

    @frozen_table
    def cov(self) -> pd.DataFrame:
        """Residual covariance (correlation) matrix (a copy)."""
        return self._cov

    @property
    def mean(self) -> pd.Series | None:
        """Residual means (a copy; None without a mean structure)."""
        return None if self._mean is None else self._mean.copy()

    @frozen_table
    def largest(self) -> pd.DataFrame:
        """The off-diagonal and diagonal residuals of the covariance part, largest absolute
        value first (``lhs``, ``rhs``, ``residual``)."""
        c = self._cov
        names = list(c.index)
        ii, jj = np.tril_indices(len(names))
        vals = c.to_numpy()[ii, jj]
        out = pd.DataFrame({"lhs": [names[j] for j in jj], "rhs": [names[i] for i in ii], "residual": vals})
        order = np.argsort(-np.abs(np.nan_to_num(vals, nan=-np.inf)), kind="stable")
        return out.iloc[order].reset_index(drop=True)

    def summary_stats(self) -> pd.Series:
        """Count, mean absolute and largest absolute residual of the covariance part
        (lower triangle with the diagonal), and for the standardized types the number
        above 1.96 in absolute value."""
        c = self._cov.to_numpy()
        ii, jj = np.tril_indices(c.shape[0])
        v = c[ii, jj]
        v = v[np.isfinite(v)]
        out = {"n": float(v.size), "mean_abs": float(np.mean(np.abs(v))) if v.size else np.nan,
               "max_abs": float(np.max(np.abs(v))) if v.size else np.nan}
        if self.type in ("normalized", "standardized", "standardized.mplus"):
            out["n_above_1.96"] = float(np.sum(np.abs(v) > 1.96))
        return pd.Series(out, name=self.type)

    def _summary(self) -> Summary:
        label = {"raw": "raw (S - Sigma)", "cor": "correlation (cor.bollen)",
                 "cor.bentler": "correlation (cor.bentler)", "normalized": "normalized",
                 "standardized": "standardized", "standardized.mplus": "standardized (Mplus)"}[self.type]
        tables: list[tuple[str, Any]] = [("Covariance part", self._cov)]
        if self._mean is not None:
            tables.append(("Mean part", self._mean.to_frame()))
        return Summary(f"Residuals: {label}", header=list(self.summary_stats().items()), tables=tables)
