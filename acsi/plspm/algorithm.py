"""The PLS path modelling kernel (Wold 1982; Lohmoeller 1989), on moments only.

With indicators standardized (mean 0, variance 1 with divisor n-1) every quantity of the
PLS-PM iteration is a function of the indicator correlation matrix ``R``: for outer
weights ``W`` (p x k, zero outside the blocks) the construct scores ``Y = Z W`` have
covariance ``W' R W``, the indicator/score covariances are ``R W``, and so on. The kernel
therefore takes ``R`` and never sees the data; scores are computed separately
(:func:`construct_scores`). This keeps a fit to small-matrix algebra.

There is one kernel: :func:`acsi.plspm.batched.fit_batched` runs the iteration on a stack
of correlation matrices (the bootstrap's resamples); a single fit is the stack of one,
``R[None]`` (:func:`fit_kernel`). An independent scalar implementation is kept as a test
oracle in ``tests/pls_oracle.py``.

The iteration is seminr's (``estimate_pls`` / ``simplePLS``):

1. start with unit weights ``W0 = mask`` (1 for every indicator of its block);
2. standardize the scores ``Y = Z W``; their correlations are ``S = D^-1 W'RW D^-1``;
3. inner weights ``E`` (k x k) from ``S`` by the inner scheme:

   * ``"path"`` (path weighting, seminr's default): for construct j, ``E[i, j]`` is the
     OLS coefficient of j on its predecessors i, and the correlation ``S[i, j]`` for
     its successors i;
   * ``"factorial"``: ``E[i, j] = S[i, j]`` for every neighbour i (predecessor or successor);
   * ``"centroid"``: ``E[i, j] = sign(S[i, j])`` for every neighbour i;

4. inner proxies ``V = Y E`` (standardized); outer weights: Mode A
   ``w_j = cov(z_b, v_j)``, Mode B ``w_j = R_bb^-1 cor(z_b, v_j)``;
5. rescale every weight column so its score has unit variance, ``w_j / sqrt(w_j' R w_j)``;
6. stop when ``sum |W_new - W_old| < tol`` (seminr's criterion, 1e-7) or after
   ``max_iter`` passes; the iteration count is reported as seminr does (0-based index of
   the last pass).

Afterwards the path coefficients are the OLS solutions on the construct correlations
``C = W' R W``: ``B[pred, j] = C[pred, pred]^-1 C[pred, j]``, ``R^2_j = B[:, j]' C[:, j]``,
and the loadings are ``L = (R W) * mask``.

A construct without any structural path (seminr leaves such a construct out of the
model) is its own inner proxy. Under Mode A its weights are then the first principal
component of its block (the limit of the iteration, sign such that the weights sum to a
positive number, as the iteration from unit weights gives); under Mode B the unit weights
rescaled. These are its starting weights, so it stays put and does not enter the stop
criterion or the iteration count, which equal seminr's for the other constructs.

References
----------
Lohmoeller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*.
Physica. Ray, S., Danks, N. P., & Calero Valdez, A. (2022). seminr: R package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from acsi.plspm.batched import BatchedKernelResult, BatchPlan, fit_batched, make_plan
from acsi.results.base import freeze

if TYPE_CHECKING:
    from acsi.plspm.spec import PLSSpec

__all__ = [
    "KernelResult",
    "fit_kernel",
    "construct_scores",
    "standardize",
    "correlation",
    "correlation_sd",
    "SCHEMES",
]

SCHEMES: tuple[str, ...] = ("path", "factorial", "centroid")


@dataclass(frozen=True, eq=False)
class KernelResult:
    """Output of :func:`fit_kernel` (all arrays in spec order, read-only).

    Attributes
    ----------
    W : ndarray (p, k)
        Outer weights, scaled so that the construct scores ``Z W`` have unit variance.
    iterations : int
        Index of the last pass (seminr's count: 0 when the first pass met the criterion).
    converged : bool
        Whether the weight change fell below ``tol`` within ``max_iter`` passes.
    C : ndarray (k, k)
        Construct (score) correlations ``W' R W``; for PLSc the disattenuated ones.
    B : ndarray (k, k)
        Path coefficients, ``B[i, j]`` the effect of construct i on construct j.
    L : ndarray (p, k)
        Loadings (indicator/score correlations within blocks; PLSc-corrected when
        ``consistent``).
    r2 : ndarray (k,)
        R-squared of each construct; NaN for exogenous constructs.
    weight_diff : float
        Final ``sum |W_new - W_old|``.
    consistent : bool
        Whether the PLSc correction was applied.
    rho_a : ndarray (k,) or None
        Dijkstra-Henseler rho_A per construct when ``consistent``.
    """

    W: np.ndarray
    iterations: int
    converged: bool
    C: np.ndarray
    B: np.ndarray
    L: np.ndarray
    r2: np.ndarray
    weight_diff: float = float("nan")
    consistent: bool = False
    rho_a: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("W", "C", "B", "L", "r2", "rho_a"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, freeze(np.asarray(value, dtype=np.float64)))

    @classmethod
    def from_batched(cls, out: BatchedKernelResult, plan: BatchPlan, i: int = 0) -> KernelResult:
        """Replicate ``i`` of a :class:`~acsi.plspm.batched.BatchedKernelResult` (R-squared
        NaN for exogenous constructs; rho_A only under PLSc)."""
        endo = plan.inner.any(axis=0)
        return cls(
            W=out.W[i],
            iterations=int(out.iterations[i]),
            converged=bool(out.converged[i]),
            C=out.C[i],
            B=out.B[i],
            L=out.L[i],
            r2=np.where(endo, out.r2[i], np.nan),
            weight_diff=float(out.weight_diff[i]),
            consistent=out.consistent,
            rho_a=out.rho_a[i] if out.consistent else None,
        )


def standardize(X: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Center and scale columns with the n-1 standard deviation (R's ``scale``).

    With case ``weights`` (frequency weights, Becker & Ismail 2016): the weighted mean
    ``m = sum w x / sum w`` and the weighted SD with divisor ``sum w - 1``, so integer
    weights give exactly the standardization of the data with every row repeated
    ``w`` times.
    """
    X = np.asarray(X, dtype=np.float64)
    if weights is None:
        Z = X - X.mean(axis=0)
        sd = np.sqrt((Z * Z).sum(axis=0) / (X.shape[0] - 1))
        return Z / sd
    w = np.asarray(weights, dtype=np.float64)
    tot = w.sum()
    Z = X - (w @ X) / tot
    sd = np.sqrt((w @ (Z * Z)) / (tot - 1.0))
    return Z / sd


def correlation(X: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Pearson correlation matrix of the columns of ``X`` (``Z'Z / (n-1)``); with case
    ``weights`` the weighted correlations ``Z' diag(w) Z / (sum w - 1)`` (Becker & Ismail
    2016: weighted PLS runs the PLS algorithm on them).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]])
    >>> bool(np.allclose(correlation(X, np.array([2.0, 1.0, 1.0])),
    ...                  correlation(X[[0, 0, 1, 2]])))
    True
    """
    if weights is None:
        return correlation_sd(X)[0]
    Z = standardize(X, weights)
    w = np.asarray(weights, dtype=np.float64)
    R = Z.T @ (Z * w[:, None]) / (w.sum() - 1.0)
    return (R + R.T) / 2.0


#: Rows per block of the centred cross-products (bounds the temporary to ~8 MB at p = 30).
_ROW_BLOCK = 1 << 15


def correlation_sd(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correlation matrix and standard deviations (divisor n-1) of the columns of ``X``.

    The column means in one pass, then the centred cross-products ``S = sum (x - m)(x - m)'``
    block by block of rows (a symmetric BLAS product per block), so no standardized copy of
    the data is made and the extra memory is one block; ``R = S / sqrt(s_ii s_jj)``,
    ``sd = sqrt(s_ii / (n - 1))``. A constant column has ``sd = 0`` and NaN correlations.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]])
    >>> R, sd = correlation_sd(X)
    >>> bool(np.allclose(R, np.corrcoef(X.T))), sd.round(4).tolist()
    (True, [1.0, 2.0817])
    """
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    mean = X.mean(axis=0)
    if n <= _ROW_BLOCK:
        D = X - mean
        S = D.T @ D
    else:
        S = np.zeros((p, p))
        for a in range(0, n, _ROW_BLOCK):
            D = X[a : a + _ROW_BLOCK] - mean
            S += D.T @ D
    d = np.sqrt(np.diag(S))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = S / np.outer(d, d)
    return (R + R.T) / 2.0, d / np.sqrt(n - 1.0)


def construct_scores(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Construct scores ``Z W`` from standardized indicators ``Z`` and outer weights ``W``."""
    return Z @ W


def fit_kernel(
    R: np.ndarray,
    spec: PLSSpec,
    scheme: str = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
    *,
    consistent: bool = False,
    plan: BatchPlan | None = None,
) -> KernelResult:
    """Run the PLS-PM iteration on one indicator correlation matrix (no checks).

    The batched kernel (:func:`acsi.plspm.batched.fit_batched`) on the stack ``R[None]``,
    with the regressions of all targets in one solve per pass (``joint=True``).

    Parameters
    ----------
    R : ndarray (p, p)
        Correlation matrix of the indicators in spec order (standardized with n-1).
    spec : PLSSpec
    scheme : {"path", "factorial", "centroid"}
        Inner weighting scheme.
    tol : float
        Stop when the summed absolute change of the outer weights is below ``tol``.
    max_iter : int
        Most passes after the first (seminr's ``maxIt``).
    consistent : bool, default False
        Apply the PLSc correction (:func:`acsi.plspm.batched.post_estimate`).
    plan : BatchPlan, optional
        ``make_plan(spec)``, when the caller has it already.

    Returns
    -------
    KernelResult

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.plspm.spec import PLSSpec
    >>> spec = PLSSpec.from_model("X =~ x1 + x2\\nY =~ y1 + y2\\nY ~ X")
    >>> R = np.array([[1, .5, .3, .3], [.5, 1, .3, .3], [.3, .3, 1, .6], [.3, .3, .6, 1.]])
    >>> k = fit_kernel(R, spec)
    >>> round(float(k.B[0, 1]), 6), k.converged
    (0.387298, True)
    """
    plan = make_plan(spec) if plan is None else plan
    out = fit_batched(
        np.asarray(R, dtype=np.float64)[None], plan, scheme=scheme, consistent=consistent,
        tol=tol, max_iter=max_iter, joint=True,  # one matrix: one solve per pass for all targets
    )
    return KernelResult.from_batched(out, plan)
