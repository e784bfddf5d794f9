"""Small dense linear algebra shared by the covariance-structure kernels.

One home for the half-vectorisation of symmetric matrices (lavaan's ``vech`` order), the
duplication-matrix products of the normal-theory weight matrices, and the Cholesky-based
positive-definiteness checks and inverses. Everything here is a pure function of its
arguments (index arrays are cached read-only per size).

Conventions
-----------
``vech(A)`` stacks the lower triangle of a symmetric ``p x p`` matrix column by column,
``(0,0), (1,0), ..., (p-1,0), (1,1), (2,1), ...``, as lavaan's ``lav_matrix_vech``;
``p* = p (p + 1) / 2``. ``D`` is the duplication matrix with ``vec(A) = D vech(A)``.

Determinism
-----------
The inverses are computed as ``L^-T L^-1`` from the Cholesky factor ``L`` with LAPACK's
triangular inverse and a symmetric rank-k product (small matrices), or with triangular
solves (large ones). Unlike LAPACK's ``dpotri`` (whose ``dlauum`` step depends on the
number of BLAS threads in OpenBLAS), these give the same bits whatever the BLAS thread
count, so a fit in a worker thread (where OpenBLAS may ignore a thread limit) equals the
serial fit.

References
----------
Magnus, J. R., & Neudecker, H. (1999). *Matrix Differential Calculus with Applications in
Statistics and Econometrics* (rev. ed.). Wiley, ch. 3 (duplication matrix).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.linalg.lapack import dpotrf as _dpotrf
from scipy.linalg.lapack import dpotrs as _dpotrs
from scipy.linalg.lapack import dtrtri as _dtrtri

__all__ = [
    "vech_indices",
    "vech_positions",
    "vech",
    "unvech",
    "duplication_pre_post_kron",
    "cholesky",
    "spd_inverse",
    "spd_inverse_logdet",
    "scaled_spd_inverse",
    "near_singular_direction",
    "dominant_indices",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]

# above this size the inverse uses triangular solves (the triangular inverse of OpenBLAS
# splits its work by thread count for large matrices)
_SMALL = 64


@lru_cache(maxsize=128)
def vech_indices(p: int) -> tuple[IntArray, IntArray]:
    """Row and column indices of ``vech`` for a ``p x p`` matrix (read-only arrays).

    Parameters
    ----------
    p : int
        Matrix order.

    Returns
    -------
    rows, cols : ndarray of intp, shape (p*,)

    Examples
    --------
    >>> r, c = vech_indices(3)
    >>> list(zip(r.tolist(), c.tolist()))
    [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (2, 2)]
    """
    counts = np.arange(p, 0, -1, dtype=np.intp)  # column j holds rows j..p-1
    cols = np.repeat(np.arange(p, dtype=np.intp), counts)
    start = np.cumsum(counts) - counts  # position of (j, j) in the vech
    rows = np.arange(cols.size, dtype=np.intp) - start[cols] + cols
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols


@lru_cache(maxsize=128)
def vech_positions(p: int) -> IntArray:
    """``(p, p)`` matrix whose ``[i, j]`` is the ``vech`` position of element ``(i, j)``.

    Symmetric: ``(i, j)`` and ``(j, i)`` share a position (read-only array).

    Examples
    --------
    >>> vech_positions(3).tolist()
    [[0, 1, 2], [1, 3, 4], [2, 4, 5]]
    """
    r, c = vech_indices(p)
    out = np.empty((p, p), dtype=np.intp)
    out[r, c] = np.arange(r.size)
    out[c, r] = np.arange(r.size)
    out.flags.writeable = False
    return out


def vech(a: Array) -> Array:
    """Half-vectorisation of a symmetric matrix (or a stack of them, ``(..., p, p)``).

    Examples
    --------
    >>> vech(np.array([[1.0, 2.0], [2.0, 3.0]])).tolist()
    [1.0, 2.0, 3.0]
    """
    r, c = vech_indices(a.shape[-1])
    return a[..., r, c]


def unvech(v: Array, p: int | None = None) -> Array:
    """Symmetric matrix (or stack ``(..., p, p)``) from its ``vech`` (``(..., p*)``).

    Parameters
    ----------
    v : ndarray, shape (..., p*)
    p : int, optional
        Matrix order (solved from ``p*`` when omitted).

    Examples
    --------
    >>> unvech(np.array([1.0, 2.0, 3.0])).tolist()
    [[1.0, 2.0], [2.0, 3.0]]
    """
    v = np.asarray(v, dtype=float)
    if p is None:
        p = int(round((math.sqrt(8 * v.shape[-1] + 1) - 1) / 2))
    if p * (p + 1) // 2 != v.shape[-1]:
        raise ValueError(f"a vech of length {v.shape[-1]} does not belong to a {p} x {p} matrix")
    r, c = vech_indices(p)
    out = np.zeros(v.shape[:-1] + (p, p))
    out[..., r, c] = v
    out[..., c, r] = v
    return out


def duplication_pre_post_kron(a: Array, b: Array, sel: IntArray | None = None) -> Array:
    """``D' (a kron b) D`` for the duplication matrix ``D``, without forming either.

    For ``vech`` positions ``(i, j)`` and ``(k, l)`` the element is

    .. math:: \\frac{a_{jl} b_{ik} + a_{jk} b_{il} + a_{il} b_{jk} + a_{ik} b_{jl}}
              {(1 + [i=j])(1 + [k=l])}

    (for symmetric ``a`` and ``b``). ``sel`` restricts rows and columns to those ``vech``
    positions. With ``a = b = W`` this is ``2 x`` the covariance block of the normal-theory
    information ``1/2 D'(W kron W) D``.

    Examples
    --------
    >>> w = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> D = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    >>> bool(np.allclose(duplication_pre_post_kron(w, w), D.T @ np.kron(w, w) @ D))
    True
    """
    r, c = vech_indices(a.shape[0])
    if sel is not None:
        r, c = r[sel], c[sel]
    i, j = r[:, None], c[:, None]
    k, l_ = r[None, :], c[None, :]
    out = a[j, l_] * b[i, k] + a[j, k] * b[i, l_] + a[i, l_] * b[j, k] + a[i, k] * b[j, l_]
    wa = np.where(r == c, 0.5, 1.0)
    return out * wa[:, None] * wa[None, :]


def cholesky(a: Array, *, min_pivot_sq: float = 0.0) -> Array | None:
    """Lower Cholesky factor of a symmetric matrix, or ``None`` if it is not positive definite.

    Parameters
    ----------
    a : ndarray, shape (p, p)
        Symmetric; only the lower triangle is read.
    min_pivot_sq : float, default 0
        Also ``None`` when the smallest squared pivot ``min(diag(L))^2`` is at most this
        (for a unit-diagonal matrix a cheap lower bound on near-singularity).

    Returns
    -------
    ndarray or None
        ``L`` with ``a = L L'`` (upper triangle zero); ``None`` when the factorisation
        fails, a pivot is not finite (NaN/Inf in ``a``) or the pivot test fails.

    Examples
    --------
    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]])).tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    >>> cholesky(np.array([[1.0, 2.0], [2.0, 1.0]])) is None
    True
    """
    C, info = _dpotrf(a, lower=1, clean=1, overwrite_a=0)
    if info != 0:
        return None
    dmin = float(np.min(np.diagonal(C))) if C.shape[0] else math.inf
    if not math.isfinite(float(np.sum(np.log(np.diagonal(C))))) or dmin * dmin <= min_pivot_sq:
        return None
    return C


def _inverse_from_cholesky(C: Array) -> Array | None:
    """``(C C')^-1`` from the lower factor ``C`` (same bits for any BLAS thread count)."""
    p = C.shape[0]
    if p <= _SMALL:
        Li, info = _dtrtri(C, lower=1)
        if info != 0:
            return None
        return Li.T @ Li  # a symmetric rank-k product: exactly symmetric
    X, info = _dpotrs(C, np.eye(p), lower=1)
    if info != 0:
        return None
    return 0.5 * (X + X.T)


def spd_inverse_logdet(a: Array) -> tuple[Array, float] | None:
    """Inverse and log-determinant of a symmetric positive definite matrix via Cholesky.

    Returns
    -------
    (inverse, logdet) or None
        ``None`` when ``a`` is not positive definite or holds NaN/Inf.

    Examples
    --------
    >>> inv, logdet = spd_inverse_logdet(np.array([[4.0, 2.0], [2.0, 2.0]]))
    >>> inv.tolist(), round(logdet, 12) == round(float(np.log(4.0)), 12)
    ([[0.5, -0.5], [-0.5, 1.0]], True)
    """
    C, info = _dpotrf(a, lower=1, clean=1, overwrite_a=0)
    if info != 0:
        return None
    # a successful Cholesky has a positive diagonal; NaN or Inf in ``a`` give a
    # non-finite log-determinant (NaN/Inf propagate to the diagonal)
    logdet = 2.0 * float(np.log(C.diagonal()).sum())
    if not math.isfinite(logdet):
        return None
    inv = _inverse_from_cholesky(C)
    if inv is None:
        return None
    return inv, logdet


def spd_inverse(a: Array) -> Array | None:
    """Inverse of a symmetric positive definite matrix via Cholesky (``None`` if not PD).

    Examples
    --------
    >>> np.round(spd_inverse(np.array([[2.0, 0.0], [0.0, 4.0]])), 12).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    out = spd_inverse_logdet(a)
    return None if out is None else out[0]


def scaled_spd_inverse(a: Array, *, min_pivot_sq: float = 1e-10) -> Array | None:
    """Inverse of a well-conditioned positive definite matrix, else ``None``.

    The matrix is scaled to unit diagonal, ``R = a / (d d')`` with ``d = sqrt(diag(a))``;
    ``None`` when ``a`` holds NaN/Inf, a diagonal element is zero, the Cholesky factor of
    ``R`` fails, or its smallest squared pivot is at most ``min_pivot_sq`` (then the
    smallest eigenvalue of ``R`` is at most that too: ``a`` is singular or nearly so).
    Otherwise ``a^-1 = R^-1 / (d d')``.

    Examples
    --------
    >>> scaled_spd_inverse(np.array([[4.0, 0.0], [0.0, 1.0]])).tolist()
    [[0.25, 0.0], [0.0, 1.0]]
    >>> scaled_spd_inverse(np.array([[1.0, 1.0], [1.0, 1.0]])) is None
    True
    """
    if not np.all(np.isfinite(a)):
        return None
    d = np.sqrt(np.abs(np.diag(a)))
    if not np.all(d > 0):
        return None
    dd = np.outer(d, d)
    C = cholesky(a / dd, min_pivot_sq=min_pivot_sq)
    if C is None:
        return None
    Ri = _inverse_from_cholesky(C)
    return None if Ri is None else Ri / dd


def near_singular_direction(a: Array, *, rel_tol: float = 1e-10) -> tuple[float, Array] | None:
    """Smallest eigenvalue and its eigenvector when ``a`` is (nearly) singular, else ``None``.

    (Nearly) singular means ``lambda_min <= rel_tol * max(1, |lambda_max|)`` for the
    eigenvalues of ``(a + a') / 2``; the eigenvector shows which variables or parameters
    are (nearly) collinear (see :func:`dominant_indices`).

    Examples
    --------
    >>> w, v = near_singular_direction(np.array([[1.0, 1.0], [1.0, 1.0]]))
    >>> round(w, 12), sorted(np.round(np.abs(v), 6).tolist())
    (0.0, [0.707107, 0.707107])
    >>> near_singular_direction(np.eye(2)) is None
    True
    """
    w, V = np.linalg.eigh(0.5 * (a + a.T))
    if w[0] <= rel_tol * max(1.0, abs(float(w[-1]))):
        return float(w[0]), V[:, 0]
    return None


def dominant_indices(v: Array, *, rel: float = 0.1, limit: int = 6) -> list[int]:
    """Indices of the largest ``|v|`` elements (those above ``rel * max|v|``), at most ``limit``.

    Examples
    --------
    >>> dominant_indices(np.array([0.01, -0.7, 0.7, 0.1]))
    [1, 2, 3]
    """
    a = np.abs(v)
    top = a.max() if a.size else 0.0
    return [int(j) for j in np.argsort(-a) if a[j] > rel * top][:limit]
