"""Moment kernels of normal-theory covariance structure analysis (single group, complete data).

Casewise scores of the normal log-likelihood, the ADF covariance ``Gamma`` of the sample
moments, the h1 (unrestricted) information as a quadratic form, the fixed.x moment mask and
lavaan's independence (baseline) model. Shared by the robust (MLR) standard errors and test
(:mod:`acsi.cbsem.robust`) and the fit measures (:mod:`acsi.cbsem.fit_measures`).

Conventions (lavaan's): ``vech`` stacks the lower triangle column by column
(:func:`acsi._linalg.vech`); a moment vector is ``[mean (if meanstructure), vech(Sigma)]``;
information matrices are per observation.

References
----------
Browne, M. W. (1984). Asymptotically distribution-free methods for the analysis of covariance
structures. *British Journal of Mathematical and Statistical Psychology*, 37, 62-83.

Examples
--------
>>> import numpy as np
>>> from acsi.cbsem.moments import gamma_adf
>>> x = np.random.default_rng(0).standard_normal((500, 2))
>>> gamma_adf(x, False, np.array([], dtype=np.intp)).shape
(3, 3)
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from acsi._linalg import unvech, vech_indices

__all__ = [
    "CoreLike",
    "baseline_moments",
    "casewise_scores",
    "exo_indices",
    "gamma_adf",
    "h1_quadratic",
    "moment_deviations",
    "x_indices",
    "x_mask",
]

Array = NDArray[Any]


class CoreLike(Protocol):
    """What the fit-measure and robust kernels read from a fitted model (an EstimationCore)."""

    @property
    def ov_names(self) -> tuple[str, ...]: ...
    @property
    def X(self) -> Array: ...
    @property
    def N(self) -> int: ...
    @property
    def S(self) -> Array: ...
    @property
    def mean(self) -> Array: ...
    @property
    def meanstructure(self) -> bool: ...
    @property
    def fixed_x(self) -> tuple[str, ...]: ...
    @property
    def theta(self) -> Array: ...
    @property
    def Sigma(self) -> Array: ...
    @property
    def mu(self) -> Array: ...
    @property
    def Delta(self) -> Array: ...
    @property
    def fmin(self) -> float: ...
    @property
    def chisq(self) -> float: ...
    @property
    def df(self) -> float: ...
    @property
    def npar(self) -> int: ...

    def information(self, kind: Literal["expected", "observed"] = ...) -> Any: ...


def h1_quadratic(w: Array, v: Array, meanstructure: bool) -> Array:
    """``z' A z`` for rows ``z`` of ``v`` and ``A = diag(W, 1/2 D'(W kron W) D)``.

    Uses ``vech(Z)' D'(W kron W) D vech(Z) = tr(W Z W Z)`` (``Z`` symmetric), so the
    ``p* x p*`` matrix is never formed.
    """
    p = w.shape[0]
    out = np.zeros(v.shape[0])
    if meanstructure:
        m = v[:, :p]
        out += np.einsum("ij,jk,ik->i", m, w, m)
        v = v[:, p:]
    wz = w @ unvech(v, p)
    out += 0.5 * np.einsum("nij,nji->n", wz, wz)
    return out


def x_indices(core: CoreLike) -> NDArray[np.intp]:
    pos = {name: k for k, name in enumerate(core.ov_names)}
    return np.asarray(sorted(pos[x] for x in tuple(core.fixed_x or ())), dtype=np.intp)


def x_mask(p: int, x_idx: NDArray[np.intp], meanstructure: bool) -> NDArray[np.bool_]:
    """True for the moments of the fixed.x block (x means, x-x covariances)."""
    is_x = np.zeros(p, dtype=bool)
    is_x[x_idx] = True
    r, c = vech_indices(p)
    cov_mask = is_x[r] & is_x[c]
    return np.concatenate([is_x, cov_mask]) if meanstructure else cov_mask


def casewise_scores(
    x: Array, mu: Array, sigma: Array, meanstructure: bool, x_idx: NDArray[np.intp]
) -> Array:
    """Casewise scores of the normal log-likelihood in ``[mu, vech(Sigma)]``.

    Row ``i``: ``W d_i`` for the means (``W = Sigma^-1``, ``d_i = x_i - mu``) and, for vech
    element ``(j, k)``, ``(W d_i)_j (W d_i)_k - W_jk``, halved on the diagonal.
    """
    w = np.linalg.inv(sigma)
    p = sigma.shape[0]
    r, c = vech_indices(p)
    yc = (x - mu) @ w
    sc = yc[:, r] * yc[:, c] - w[r, c]
    sc[:, r == c] *= 0.5
    if not meanstructure:
        return sc
    out = np.hstack([yc, sc])
    mask = x_mask(p, x_idx, True)
    if mask.any():
        out[:, mask] = 0.0
    return out


def moment_deviations(x: Array, meanstructure: bool, x_idx: NDArray[np.intp]) -> Array:
    """Centered casewise moments ``z_i - zbar`` whose cross-product / N is the ADF ``Gamma``.

    ``z_i = [x_i, vech(c_i c_i')]`` with ``c_i = x_i - xbar``.  With fixed.x covariates the
    moments of the regression fitted values (y regressed on the x's, x left as is) are
    subtracted from ``z_i`` first (lavaan's fixed.x ``Gamma``).
    """
    n, p = x.shape
    r, c = vech_indices(p)

    def moments(y: Array) -> Array:
        yc = y - y.mean(axis=0)
        z = yc[:, r] * yc[:, c]
        return np.hstack([y, z]) if meanstructure else z

    z = moments(x)
    if x_idx.size:
        y_idx = np.setdiff1d(np.arange(p), x_idx)
        design = np.hstack([np.ones((n, 1)), x[:, x_idx]])
        coef, *_ = np.linalg.lstsq(design, x[:, y_idx], rcond=None)
        yhat = x.copy()
        yhat[:, y_idx] = design @ coef
        z = z - moments(yhat)
    return z - z.mean(axis=0)


def gamma_adf(x: Array, meanstructure: bool, x_idx: NDArray[np.intp]) -> Array:
    """Unstructured asymptotic covariance of the sample moments (divisor ``N``).

    ``Gamma = 1/N sum (z_i - zbar)(z_i - zbar)'`` (see :func:`moment_deviations`).
    """
    zc = moment_deviations(x, meanstructure, x_idx)
    return (zc.T @ zc) / x.shape[0]


def exo_indices(core: CoreLike) -> NDArray[np.intp]:
    """Positions of the exogenous observed covariates (lavaan's ``ov.x``), fixed.x or not."""
    names = getattr(core, "ov_x", None)
    if names is None:
        names = getattr(getattr(core, "partable", None), "ov_x", None)
    if names is None:
        names = core.fixed_x or ()
    pos = {name: k for k, name in enumerate(core.ov_names)}
    return np.asarray(sorted(pos[x] for x in tuple(names) if x in pos), dtype=np.intp)


def baseline_moments(
    core: CoreLike, x_idx: NDArray[np.intp]
) -> tuple[Array, NDArray[np.intp]]:
    """Implied covariance of lavaan's independence (baseline) model and its free moments.

    Free: the variances (and means, with a mean structure) of all variables, plus the
    covariances among the exogenous observed covariates; with fixed.x those covariates'
    block is instead fixed at the sample values (no free parameters). The estimates are the
    sample values, so ``Sigma0`` is ``diag(S)`` with the covariates' block of ``S``; each free
    parameter is one moment of ``[mean, vech(Sigma)]``, returned as positions (its Delta
    column is the unit vector there).
    """
    p = core.S.shape[0]
    exo = exo_indices(core)
    sigma0 = np.diag(np.diag(core.S)).astype(float)
    if exo.size:
        sigma0[np.ix_(exo, exo)] = core.S[np.ix_(exo, exo)]
    fixed = np.zeros(p, dtype=bool)
    fixed[x_idx] = True
    is_exo = np.zeros(p, dtype=bool)
    is_exo[exo] = True
    r, c = vech_indices(p)
    free_cov = ~fixed[r] & ~fixed[c] & ((r == c) | (is_exo[r] & is_exo[c]))
    nmean = p if core.meanstructure else 0
    cov_cols = np.flatnonzero(free_cov)
    mean_cols = np.flatnonzero(~fixed) if core.meanstructure else np.array([], dtype=np.intp)
    return sigma0, np.concatenate([mean_cols, nmean + cov_cols]).astype(np.intp)
