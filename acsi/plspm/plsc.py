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

The formulas live once, in the batched kernel (:func:`acsi.plspm.batched.rho_a_batched`,
:func:`acsi.plspm.batched.post_estimate`); the functions here apply them to a single fit.

Reference
---------
Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path modeling.
*MIS Quarterly*, 39(2), 297-316.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from acsi.plspm.batched import make_plan, post_estimate, rho_a_batched

if TYPE_CHECKING:
    from acsi.plspm.algorithm import KernelResult
    from acsi.plspm.spec import PLSSpec

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
    >>> from acsi.plspm.spec import PLSSpec
    >>> spec = PLSSpec.from_model("F =~ a + b")
    >>> R = np.array([[1.0, 0.64], [0.64, 1.0]])
    >>> w = np.full((2, 1), 1 / np.sqrt(2 * 1.64))
    >>> round(float(rho_a(R, w, spec)[0]), 6)   # two parallel items: rho_A = 2r/(1+r)
    0.780488
    """
    R = np.asarray(R, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    return rho_a_batched(R[None], W[None], make_plan(spec))[0]


def plsc_correct(R: np.ndarray, spec: PLSSpec, kernel: KernelResult) -> KernelResult:
    """Apply the PLSc correction to a :class:`~acsi.plspm.algorithm.KernelResult` (returns a
    new one).

    As R seminr's ``PLSc`` (2.5.0.9000 and the PyPI port): every multi-item Mode A
    construct's rho_A enters ``C*_ij = C_ij / sqrt(rho_i rho_j)``, also a Mode A construct
    that is not ``spec.reflective`` (seminr's ``composite(weights = mode_A)`` in a model with
    ``reflective()`` constructs); Mode B and single-item constructs have rho = 1. Only the
    reflective constructs (common factors) get consistent loadings. (Dijkstra & Henseler
    2015, and seminr after 2.6.0, take every composite as fully reliable instead; acsi
    follows the seminr the project is tested against.) Paths and R-squared are
    re-estimated from ``C*``; ``rho_a`` of the result holds the factors used. A rho_A that
    is not positive gives NaN correlations (the caller reports it as inadmissible).
    :func:`acsi.plspm.algorithm.fit_kernel` with ``consistent=True`` does the same in one call.
    """
    plan = make_plan(spec)
    R = np.asarray(R, dtype=np.float64)
    W = np.asarray(kernel.W, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        C, L, B, r2, rho = post_estimate(R[None], W[None], (R @ W)[None], plan, True)
    r2_0 = np.where(plan.inner.any(axis=0), r2[0], np.nan)
    return replace(kernel, C=C[0], B=B[0], L=L[0], r2=r2_0, consistent=True, rho_a=rho[0])
