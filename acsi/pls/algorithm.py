"""The PLS path modelling kernel (Wold 1982; Lohmoeller 1989), on moments only.

With indicators standardized (mean 0, variance 1 with divisor n-1) every quantity of the
PLS-PM iteration is a function of the indicator correlation matrix ``R``: for outer
weights ``W`` (p x k, zero outside the blocks) the construct scores ``Y = Z W`` have
covariance ``W' R W``, the indicator/score covariances are ``R W``, and so on. The kernel
therefore takes ``R`` and never sees the data; scores are computed separately
(:func:`construct_scores`). This keeps a fit to small-matrix algebra and lets the batched
bootstrap be checked against this reference implementation.

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
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from acsi.pls.spec import PLSSpec

__all__ = [
    "KernelResult",
    "fit_kernel",
    "inner_weights",
    "isolated_start",
    "paths_from_correlations",
    "construct_scores",
    "standardize",
    "correlation",
    "SCHEMES",
]

Scheme = Literal["path", "factorial", "centroid"]
SCHEMES: tuple[str, ...] = ("path", "factorial", "centroid")


@dataclass(frozen=True, eq=False)
class KernelResult:
    """Output of :func:`fit_kernel` (all arrays in spec order).

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


def standardize(X: np.ndarray) -> np.ndarray:
    """Center and scale columns with the n-1 standard deviation (R's ``scale``)."""
    X = np.asarray(X, dtype=np.float64)
    Z = X - X.mean(axis=0)
    sd = np.sqrt((Z * Z).sum(axis=0) / (X.shape[0] - 1))
    return Z / sd


def correlation(X: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of the columns of ``X`` (``Z'Z / (n-1)``)."""
    Z = standardize(X)
    R = Z.T @ Z / (Z.shape[0] - 1)
    return (R + R.T) / 2.0


def construct_scores(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Construct scores ``Z W`` from standardized indicators ``Z`` and outer weights ``W``."""
    return Z @ W


def inner_weights(S: np.ndarray, inner: np.ndarray, scheme: str) -> np.ndarray:
    """Inner weight matrix ``E`` (k x k) from score correlations ``S``.

    Column j holds the weights of the neighbours of construct j in its inner proxy
    ``v_j = sum_i E[i, j] y_i``.
    """
    adj = inner | inner.T
    if scheme == "factorial":
        E = np.where(adj, S, 0.0)
    elif scheme == "centroid":
        E = np.where(adj, np.sign(S), 0.0)
    else:  # path weighting
        E = np.where(inner.T, S, 0.0)
        for j in np.flatnonzero(inner.any(axis=0)):
            pred = np.flatnonzero(inner[:, j])
            E[pred, j] = np.linalg.solve(S[np.ix_(pred, pred)], S[pred, j])
    isolated = ~adj.any(axis=0)
    if isolated.any():
        E[isolated, isolated] = 1.0
    return E


def isolated_start(R: np.ndarray, idx: np.ndarray, mode: str) -> np.ndarray:
    """Weights (unit-variance score) of a construct without structural paths.

    Mode A: the eigenvector of the block's correlations with the largest eigenvalue (the
    fixed point of Mode A with the construct's own score as inner proxy), signed so that
    its elements sum to a positive number; Mode B and single items: unit weights.
    ``R`` may be a stack (B, p, p); the result is then (B, q).
    """
    Rb = R[..., idx[:, None], idx[None, :]]
    if mode == "B" or idx.size < 2:
        w = np.ones(Rb.shape[:-1])
    else:
        _, vecs = np.linalg.eigh(Rb)
        w = vecs[..., :, -1]
        w = w * np.where(w.sum(axis=-1, keepdims=True) < 0, -1.0, 1.0)
    var = np.einsum("...i,...ij,...j->...", w, Rb, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return w / np.sqrt(var)[..., None]


def paths_from_correlations(C: np.ndarray, inner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS path coefficients and R-squared from construct correlations.

    ``B[pred, j] = C[pred, pred]^-1 C[pred, j]`` and ``R^2_j = B[pred, j]' C[pred, j]``;
    ``R^2`` is NaN for exogenous constructs.
    """
    k = C.shape[0]
    B = np.zeros((k, k))
    r2 = np.full(k, np.nan)
    for j in np.flatnonzero(inner.any(axis=0)):
        pred = np.flatnonzero(inner[:, j])
        b = np.linalg.solve(C[np.ix_(pred, pred)], C[pred, j])
        B[pred, j] = b
        r2[j] = float(b @ C[pred, j])
    return B, r2


def fit_kernel(
    R: np.ndarray,
    spec: PLSSpec,
    scheme: str = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
) -> KernelResult:
    """Run the PLS-PM iteration on an indicator correlation matrix (no checks).

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

    Returns
    -------
    KernelResult
        Mode A / Mode B PLS estimates (no PLSc correction; see
        :func:`acsi.pls.plsc.plsc_correct`).

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.pls.spec import PLSSpec
    >>> spec = PLSSpec.from_model("X =~ x1 + x2\\nY =~ y1 + y2\\nY ~ X")
    >>> R = np.array([[1, .5, .3, .3], [.5, 1, .3, .3], [.3, .3, 1, .6], [.3, .3, .6, 1.]])
    >>> k = fit_kernel(R, spec)
    >>> round(float(k.B[0, 1]), 6), k.converged
    (0.387298, True)
    """
    mask = spec.mask
    inner = spec.inner
    mode_b = [c for c, m in enumerate(spec.mode) if m == "B"]
    blocks_b = [np.flatnonzero(spec.block == c) for c in mode_b]
    W = mask.copy()
    for c in np.flatnonzero(~(inner | inner.T).any(axis=0)):
        idx = np.flatnonzero(spec.block == c)
        W[idx, c] = isolated_start(R, idx, spec.mode[c])
    iterations = 0
    converged = False
    diff = float("inf")
    while True:
        RW = R @ W
        sd = np.sqrt(np.einsum("pk,pk->k", W, RW))
        S = (W.T @ RW) / np.outer(sd, sd)
        E = inner_weights(S, inner, scheme)
        # covariances of the indicators with the (unstandardized) inner proxies Y E
        G = (RW / sd) @ E
        vsd = np.sqrt(np.einsum("ik,ij,jk->k", E, S, E))
        G = G / vsd
        Wn = G * mask
        for c, idx in zip(mode_b, blocks_b):
            Wn[idx, c] = np.linalg.solve(R[np.ix_(idx, idx)], G[idx, c])
        Wn = Wn / np.sqrt(np.einsum("pk,pk->k", Wn, R @ Wn))
        diff = float(np.abs(Wn - W).sum())
        W = Wn
        if diff < tol:
            converged = True
            break
        if iterations >= max_iter:
            break
        iterations += 1
    RW = R @ W
    C = W.T @ RW
    C = (C + C.T) / 2.0
    L = RW * mask
    B, r2 = paths_from_correlations(C, inner)
    return KernelResult(
        W=W, iterations=iterations, converged=converged, C=C, B=B, L=L, r2=r2, weight_diff=diff
    )
