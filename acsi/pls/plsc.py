"""Consistent PLS (PLSc; Dijkstra & Henseler 2015), on moments only.

PLS composites of reflective constructs are attenuated by measurement error. PLSc
estimates the reliability of each composite with Dijkstra-Henseler's rho_A,

.. math::

    \\rho_A = (w'w)^2 \\, \\frac{w'(S - \\operatorname{diag} S)\\, w}
                              {w'(ww' - \\operatorname{diag} ww')\\, w},

(``w`` the outer weights scaled to unit-variance scores, ``S`` the block's indicator
correlations), disattenuates the construct correlations,
``C*_ij = C_ij / sqrt(rho_A,i rho_A,j)`` (i != j), re-estimates the paths and R-squared
by OLS on ``C*`` and replaces the loadings of reflective constructs by the consistent
loadings ``w sqrt(rho_A) / (w'w)``. rho_A is 1 for Mode B and single-indicator
constructs, which are therefore not corrected. This is what seminr does for constructs
declared ``reflective()``.

Reference
---------
Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path modeling.
*MIS Quarterly*, 39(2), 297-316.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from acsi.pls.algorithm import KernelResult, paths_from_correlations

if TYPE_CHECKING:
    from acsi.pls.spec import PLSSpec

__all__ = ["rho_a", "plsc_correct"]


def rho_a(R: np.ndarray, W: np.ndarray, spec: PLSSpec) -> np.ndarray:
    """Dijkstra-Henseler rho_A of every construct (1 for Mode B and single items).

    Parameters
    ----------
    R : ndarray (p, p)
        Indicator correlations.
    W : ndarray (p, k)
        Outer weights scaled to unit-variance scores.
    spec : PLSSpec

    Returns
    -------
    ndarray (k,)

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.pls.spec import PLSSpec
    >>> spec = PLSSpec.from_model("F =~ a + b")
    >>> R = np.array([[1.0, 0.64], [0.64, 1.0]])
    >>> w = np.full((2, 1), 1 / np.sqrt(2 * 1.64))
    >>> round(float(rho_a(R, w, spec)[0]), 6)   # two parallel items: rho_A = 2r/(1+r)
    0.780488
    """
    out = np.ones(spec.k)
    for c in range(spec.k):
        idx = np.flatnonzero(spec.block == c)
        if spec.mode[c] == "B" or idx.size < 2:
            continue
        w = W[idx, c]
        S = R[np.ix_(idx, idx)]
        ww = np.outer(w, w)
        num = w @ (S - np.diag(np.diag(S))) @ w
        den = w @ (ww - np.diag(np.diag(ww))) @ w
        out[c] = float((w @ w) ** 2 * num / den)
    return out


def plsc_correct(R: np.ndarray, spec: PLSSpec, kernel: KernelResult) -> KernelResult:
    """Apply the PLSc correction to a :class:`KernelResult` (returns a new one).

    As R seminr's ``PLSc`` (2.5.0.9000 and the PyPI port): every multi-item Mode A
    construct's rho_A enters ``C*_ij = C_ij / sqrt(rho_i rho_j)``, also a Mode A construct
    that is not ``spec.reflective`` (seminr's ``composite(weights = mode_A)`` in a model with
    ``reflective()`` constructs); Mode B and single-item constructs have rho = 1. Only the
    reflective constructs (common factors) get consistent loadings. (Dijkstra & Henseler
    2015, and seminr after 2.6.0, take every composite as fully reliable instead; acsi
    follows the seminr the project is tested against.) Paths and R-squared are
    re-estimated from ``C*``; ``rho_a`` of the result holds the factors used. A rho_A that
    is not positive gives NaN correlations (the caller reports it as inadmissible).
    """
    rho = rho_a(R, kernel.W, spec)
    with np.errstate(invalid="ignore"):
        s = np.sqrt(rho)
    C = kernel.C / np.outer(s, s)
    np.fill_diagonal(C, 1.0)
    if np.isfinite(C).all():
        B, r2 = paths_from_correlations(C, spec.inner)
    else:
        B = np.where(spec.inner, np.nan, 0.0)
        r2 = np.where(spec.inner.any(axis=0), np.nan, np.nan)
    L = kernel.L.copy()
    for c in range(spec.k):
        if not spec.reflective[c]:
            continue
        idx = np.flatnonzero(spec.block == c)
        w = kernel.W[idx, c]
        L[idx, c] = w * s[c] / (w @ w)
    return replace(kernel, C=C, B=B, L=L, r2=r2, consistent=True, rho_a=rho)
