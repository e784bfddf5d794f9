"""Test oracle: the scalar PLS-PM kernel and PLSc, one correlation matrix at a time.

This is the straightforward loop-per-construct implementation acsi used to ship as
``acsi.plspm.algorithm.fit_kernel`` / ``acsi.plspm.plsc``. Production code runs the batched
kernel (:mod:`acsi.plspm.batched`) only; this independent implementation stays here so tests
can check the batched kernel against it (to 1e-12) on every fixture model, scheme and mode.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from acsi.plspm.algorithm import KernelResult


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
    spec: Any,
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
        :func:`acsi.plspm.plsc.plsc_correct`).

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


def rho_a(R: np.ndarray, W: np.ndarray, spec: Any) -> np.ndarray:
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


def plsc_correct(R: np.ndarray, spec: Any, kernel: KernelResult) -> KernelResult:
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
