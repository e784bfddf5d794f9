"""The PLS iteration run for many correlation matrices at once (the bootstrap's kernel).

PLS path modelling with standardized indicators depends on the data only through the
indicator correlation matrix ``R``: with outer weights ``W`` (p x k) giving unit-variance
scores, the score correlations are ``C = W' R W``; the inner proxies' covariances with the
indicators are ``R W E`` (``E`` the inner weights of the scheme); a Mode A block takes
those covariances as its new weights, a Mode B block solves ``R_bb w_b = (R W E)_b``; each
column is then rescaled to ``w' R w = 1``. Paths are least squares on ``C``, loadings are
``(R W)`` masked to the blocks. This module runs exactly that iteration on a stack of
``B`` correlation matrices with batched matmul and solve, freezing each replicate when its
summed absolute weight change falls below ``tol`` (seminr's stop rule), so a bootstrap of
``B`` resamples is a handful of ``(B, p, p)`` array operations per iteration.

:func:`resample_moments` gives the ``B`` correlation matrices (plus means and SDs) of
resamples described by row-count vectors: resample ``b`` drew row ``i`` ``c[b, i]`` times,
its sums are ``c_b D`` and its cross-products ``c_b P`` with ``P`` the row-wise products of
the distinct column pairs, so a block of resamples comes from one ``(B x n) @ (n x
p(p+1)/2)`` product (:func:`resample_moments_mean_replaced` does the same with each
resample's own mean replacement). Correlations are the same for the n and n-1 divisors, so the numbers equal a refit
on the resampled rows (seminr's bootstrap) up to round-off.

Nothing here validates its input: the API (``acsi.pls``) has done that once.

References
----------
Lohmoeller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*.
Physica. Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path
modeling. *MIS Quarterly*, 39(2), 297-316.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from acsi.exceptions import SpecificationError
from acsi.results.base import freeze

if TYPE_CHECKING:
    from acsi.plspm.spec import PLSSpec

__all__ = [
    "ADMISSIBILITY_SLACK",
    "AdmissibilityChecks",
    "BatchPlan",
    "BatchedKernelResult",
    "admissibility_checks",
    "counts_from_indices",
    "fit_batched",
    "htmt_batched",
    "inadmissible",
    "isolated_start",
    "make_plan",
    "pair_products",
    "post_estimate",
    "resample_moments",
    "resample_moments_mean_replaced",
    "refit_r2",
    "rho_a_batched",
    "StructureStack",
    "make_structures",
]


@dataclass(frozen=True)
class BatchPlan:
    """The model as index arrays for the batched kernel (built once from a ``PLSSpec``)."""

    p: int
    k: int
    block: np.ndarray  # (p,) construct index of each indicator
    starts: np.ndarray  # (k,) first indicator of each block (indicators grouped by block)
    ar: np.ndarray  # arange(p)
    mask: np.ndarray  # (p, k) float
    inner: np.ndarray  # (k, k) bool, i -> j
    adjacency: np.ndarray  # (k, k) float, inner | inner.T
    isolated: np.ndarray  # (k,) bool: constructs without any path (own score is the proxy)
    mode_b: tuple[tuple[int, np.ndarray], ...]  # (construct, indicator indices)
    endogenous: tuple[tuple[int, np.ndarray], ...]  # (construct, predecessor indices)
    blocks: tuple[np.ndarray, ...]  # indicator indices per construct
    reflective: np.ndarray  # (k,) bool
    rho_corrected: np.ndarray  # (k,) bool: PLSc computes rho_A for these (multi-item, Mode A)
    inner_t: np.ndarray | None = None  # (k, k) float: inner transposed (successors)
    pred_index: tuple[tuple[int, int, np.ndarray, np.ndarray], ...] = ()  # (j, single pred or -1, rows, cols)
    joint: _JointSystem | None = None  # every regression of the inner model as one padded system
    cells: np.ndarray | None = None  # (p,) flat position of (indicator, its construct) in p x k


def make_plan(spec: PLSSpec) -> BatchPlan:
    """Index arrays of a :class:`~acsi.plspm.spec.PLSSpec` for :func:`fit_batched`."""
    mask = np.asarray(spec.mask, dtype=np.float64)
    inner = np.asarray(spec.inner, dtype=bool)
    p, k = mask.shape
    block = np.asarray(spec.block)
    blocks = tuple(np.flatnonzero(block == c) for c in range(k))
    if np.any(np.diff(block) < 0) or any(b.size == 0 for b in blocks):
        raise SpecificationError(
            "the spec's indicators must be grouped by construct, in construct order "
            "(build it with PLSSpec.from_model)"
        )
    modes = tuple(spec.mode)
    mode_b = tuple((c, blocks[c]) for c in range(k) if modes[c] == "B")
    endo = tuple((j, np.flatnonzero(inner[:, j])) for j in range(k) if inner[:, j].any())
    reflective = np.asarray(spec.reflective, dtype=bool)
    rho_corr = np.array([modes[c] == "A" and len(blocks[c]) > 1 for c in range(k)], dtype=bool)
    return BatchPlan(
        p=p,
        k=k,
        block=block.astype(np.intp),
        starts=np.array([b[0] for b in blocks], dtype=np.intp),
        ar=np.arange(p),
        mask=mask,
        inner=inner,
        adjacency=(inner | inner.T).astype(np.float64),
        isolated=~(inner | inner.T).any(axis=0),
        mode_b=mode_b,
        endogenous=endo,
        blocks=blocks,
        reflective=reflective,
        rho_corrected=rho_corr,
        inner_t=inner.T.astype(np.float64),
        pred_index=tuple(
            (j, int(pred[0]) if pred.size == 1 else -1, pred[:, None], pred[None, :]) for j, pred in endo
        ),
        joint=_joint_system(tuple((j, pred, np.ones((1, pred.size), dtype=bool)) for j, pred in endo), 1)
        if endo else None,
        cells=np.arange(p) * k + block.astype(np.intp),
    )


@dataclass(frozen=True, eq=False)
class BatchedKernelResult:
    """Stacked results of :func:`fit_batched` for ``B`` correlation matrices.

    Attributes
    ----------
    W : ndarray (B, p, k)
        Outer weights (unit-variance scores).
    B : ndarray (B, k, k)
        Path coefficients, ``B[b, i, j]`` for the path i -> j (PLSc-corrected when
        ``consistent``).
    L : ndarray (B, p, k)
        Loadings (PLSc-corrected for reflective blocks when ``consistent``).
    C : ndarray (B, k, k)
        Construct correlations (disattenuated when ``consistent``).
    r2 : ndarray (B, k)
        R-squared of the endogenous constructs (0 for exogenous ones).
    rho_a : ndarray (B, k)
        Dijkstra-Henseler rho_A (1 where not computed); only filled when ``consistent``.
    iterations : ndarray (B,) int
        Index of the last pass (seminr's count: 0 when the first pass met the criterion).
    converged : ndarray (B,) bool
    failed : ndarray (B,) bool
        Non-convergence or a non-finite result (singular matrix, zero variance).
    inadmissible : ndarray (B,) bool
        Admissible by :func:`admissibility_checks` (only for replicates not ``failed``).
    weight_diff : ndarray (B,)
        Final ``sum |W_new - W_old|`` of each replicate.
    consistent : bool
        Whether the PLSc correction was applied.
    """

    W: np.ndarray
    B: np.ndarray
    L: np.ndarray
    C: np.ndarray
    r2: np.ndarray
    rho_a: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    failed: np.ndarray
    inadmissible: np.ndarray
    weight_diff: np.ndarray
    consistent: bool = False

    def __post_init__(self) -> None:
        for name in ("W", "B", "L", "C", "r2", "rho_a", "iterations", "converged", "failed",
                     "inadmissible", "weight_diff"):
            object.__setattr__(self, name, freeze(getattr(self, name)))


# ----------------------------------------------------------------------------- moments
def counts_from_indices(indices: np.ndarray, n: int) -> np.ndarray:
    """Row-count vectors (B, n) float64 from a (B, m) array of 0-based row positions."""
    idx = np.asarray(indices, dtype=np.intp)
    b = idx.shape[0]
    flat = (idx + (np.arange(b, dtype=np.intp) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


@functools.lru_cache(maxsize=32)
def _pairs(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The column pairs ``i <= j`` (upper-triangle order) of ``p`` columns, the positions of
    the pairs ``i == j`` among them and, for every cell of a ``p x p`` matrix, the position
    of its pair (read-only; a pure function of ``p``, kept for the bootstrap's many blocks)."""
    iu, ju = np.triu_indices(p)
    diag = np.flatnonzero(iu == ju)
    sym = np.empty((p, p), dtype=np.intp)
    sym[iu, ju] = np.arange(iu.size)
    sym[ju, iu] = np.arange(iu.size)
    out = (iu, ju, diag, sym.ravel())
    for a in out:
        a.flags.writeable = False
    return out


def _pair_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    return _pairs(p)[:2]


def pair_products(D: np.ndarray) -> np.ndarray:
    """Row-wise products ``D[:, i] * D[:, j]`` (n, p(p+1)/2) of the column pairs ``i <= j``
    (upper-triangle order), the right factor of :func:`resample_moments`."""
    iu, ju = _pair_index(D.shape[1])
    return D[:, iu] * D[:, ju]


def resample_moments(
    D: np.ndarray,
    counts: np.ndarray,
    center: np.ndarray | None = None,
    row_block: int = 1 << 14,
    products: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means, SDs (n-1) and correlation matrices of resamples given as row counts.

    Parameters
    ----------
    D : ndarray (n, p)
        The data, preferably centred (subtracting the full-sample means once keeps the
        cross-products well conditioned); ``center`` is added back to the means.
    counts : ndarray (B, n)
        ``counts[b, i]``: how many times resample b drew row i.
    center : ndarray (p,), optional
        Column means subtracted from ``D``.
    row_block : int
        Rows of the products matrix built at a time (bounds memory for large n).
    products : ndarray (n, p(p+1)/2), optional
        :func:`pair_products` of ``D``, when the caller keeps it (small data, many calls).

    Returns
    -------
    means : (B, p), sds : (B, p), R : (B, p, p)
        SDs are 0 for a column constant in a resample (its correlations are NaN).
    """
    n, p = D.shape
    iu, ju, diag, _ = _pairs(p)
    nb = counts.shape[0]
    tot = counts.sum(axis=1)
    S1 = counts @ D
    if products is not None and n <= row_block:
        S2 = counts @ products
    else:
        S2 = np.zeros((nb, iu.size))
        for r0 in range(0, n, row_block):
            r1 = min(n, r0 + row_block)
            Db = D[r0:r1]
            S2 += counts[:, r0:r1] @ (Db[:, iu] * Db[:, ju] if products is None else products[r0:r1])
    m = S1 / tot[:, None]
    S2 -= tot[:, None] * m[:, iu] * m[:, ju]  # sums of centred cross-products
    return _moments_from_cov(S2, tot, m, center, iu, ju, diag, p)


def resample_moments_mean_replaced(
    D: np.ndarray,
    observed: np.ndarray,
    counts: np.ndarray,
    center: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moments of resamples whose missing values are replaced by the resample's own means.

    seminr's bootstrap refits every resample, so its mean replacement uses the resample's
    column means. With ``x~_ij = x_ij`` when observed and ``m_j`` (the mean of the observed
    values of column j in the resample) otherwise, the replaced column's mean is ``m_j``
    and its centred cross-products are

    ``sum c x~_j x~_k - N m_j m_k``, where ``sum c x~_j x~_k = sum c x_j x_k [both observed]
    + m_k sum c x_j [k missing] + m_j sum c x_k [j missing] + m_j m_k sum c [both missing]``,

    all linear in the count vector ``c``: one product with a matrix of row features.

    Parameters
    ----------
    D : ndarray (n, p)
        Data centred by the observed column means, 0 where missing.
    observed : ndarray (n, p) bool
    counts : ndarray (B, n)
    center : ndarray (p,), optional
        Added back to the means.

    Returns
    -------
    means, sds (n-1), R : as :func:`resample_moments`
    """
    n, p = D.shape
    iu, ju, diag, _ = _pairs(p)
    O = observed.astype(np.float64)
    M = 1.0 - O
    nb = counts.shape[0]
    tot = counts.sum(axis=1)
    Nobs = counts @ O  # observed count per column
    S1 = counts @ D
    DD = counts @ (D[:, iu] * D[:, ju])  # both observed (D is 0 where missing)
    DM = (counts @ (D[:, :, None] * M[:, None, :]).reshape(n, p * p)).reshape(nb, p, p)  # x_j, k missing
    MM = counts @ (M[:, iu] * M[:, ju])
    with np.errstate(invalid="ignore", divide="ignore"):
        m = S1 / Nobs
    mi, mj = m[:, iu], m[:, ju]
    cross = DD + mj * DM[:, iu, ju] + mi * DM[:, ju, iu] + mi * mj * MM
    cov = cross - tot[:, None] * mi * mj
    return _moments_from_cov(cov, tot, m, center, iu, ju, diag, p)


# ----------------------------------------------------------------------------- kernel
def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve of A x = b for b of shape (B, m); NaN rows where A is singular."""
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for i in range(A.shape[0]):
            try:
                out[i] = np.linalg.solve(A[i], b[i])
            except np.linalg.LinAlgError:
                continue  # left NaN: counted as a failed replicate by the caller
        return out


def _ldl_solve(C: np.ndarray, pred: np.ndarray, j: int) -> np.ndarray:
    """The regression (B, q) of ``j`` on ``pred``: ``C[pred, pred] x = C[pred, j]`` for every
    matrix of the stack, by a symmetric ``L D L'`` elimination written element by element
    over the stack (each step one array operation on the B values of an entry).

    For the few predecessors of a target this takes a few dozen vector operations instead
    of one LAPACK call per matrix, and it is batch-invariant (elementwise). Only the lower
    triangle of ``C[pred, pred]`` is read (a score correlation matrix; symmetric up to
    round-off); no pivoting, which is stable for these positive (semi)definite matrices; a
    zero pivot gives inf/NaN, counted as a failed replicate by the caller."""
    q = pred.size
    A = np.ascontiguousarray(np.moveaxis(C[:, pred[:, None], pred[None, :]], 0, -1))  # (q, q, B)
    b = np.ascontiguousarray(C[:, pred, j].T)  # (q, B)
    L: list[list[np.ndarray]] = [[] for _ in range(q)]  # L[i][k], k < i (unit diagonal)
    D: list[np.ndarray] = []
    for i in range(q):
        for m in range(i):  # L[i][m] = (A[i, m] - sum_k L[i][k] D[k] L[m][k]) / D[m]
            v = A[i, m]
            for k in range(m):
                v = v - L[i][k] * D[k] * L[m][k]
            L[i].append(v / D[m])
        v = A[i, i]
        for k in range(i):
            v = v - L[i][k] * L[i][k] * D[k]
        D.append(v)
    y: list[np.ndarray] = []
    for i in range(q):  # L y = b
        v = b[i]
        for k in range(i):
            v = v - L[i][k] * y[k]
        y.append(v)
    x: list[np.ndarray] = [np.empty(0)] * q
    for i in range(q - 1, -1, -1):  # D L' x = y
        v = y[i] / D[i]
        for k in range(i + 1, q):
            v = v - L[k][i] * x[k]
        x[i] = v
    return np.stack(x, axis=1)


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


def _inner_weights(
    C: np.ndarray, plan: BatchPlan, scheme: str, stack: StructureStack | None = None,
    joint: bool = False,
) -> np.ndarray:
    """Inner weights E (B, k, k); column j combines the neighbours of construct j (with a
    :class:`StructureStack`, each replicate's own inner model). ``joint``: the path
    scheme's regressions as one padded batched solve (fewest calls, for small batches)
    instead of one solve per target (fewest operations, for large ones)."""
    if stack is not None:
        return _inner_weights_stack(C, stack, scheme)
    if scheme == "path" and joint and plan.joint is not None:
        sy = plan.joint
        E = C * plan.inner_t if plan.inner_t is not None else C * plan.inner.T.astype(np.float64)
        E[:, sy.src, sy.dst] = _joint_ols(C, sy)[0]
    elif scheme == "factorial":
        E = C * plan.adjacency
    elif scheme == "centroid":
        E = np.sign(C) * plan.adjacency
    else:
        # path weighting: successors get correlations, predecessors regression coefficients
        E = C * (plan.inner.T.astype(np.float64) if plan.inner_t is None else plan.inner_t)
        for j, one, _rows, cols in plan.pred_index:
            if one >= 0:
                E[:, one, j] = C[:, one, j] / C[:, one, one]
            elif cols.size == 2:  # two predecessors: the 2 x 2 system in closed form
                a, b = int(cols[0, 0]), int(cols[0, 1])
                caa, cab, cba, cbb = C[:, a, a], C[:, a, b], C[:, b, a], C[:, b, b]
                ua, ub = C[:, a, j], C[:, b, j]
                det = caa * cbb - cab * cba
                E[:, a, j] = (cbb * ua - cab * ub) / det
                E[:, b, j] = (caa * ub - cba * ua) / det
            else:
                E[:, cols[0], j] = _ldl_solve(C, cols[0], j)
    if plan.isolated.any():
        iso = np.flatnonzero(plan.isolated)
        E[:, iso, iso] = 1.0
    return E


# Every operation below works matrix by matrix (stacked matmul and LAPACK calls, which
# numpy runs one matrix at a time; elementwise products; sums within a matrix), so a
# replicate's numbers do not depend on which other replicates share its batch: the
# bootstrap gives identical results however it is chunked. (One big gemm over the
# reshaped stack would be faster but is not batch-invariant.)
def _blockdiag(w: np.ndarray, plan: BatchPlan) -> np.ndarray:
    """The block-diagonal weights W (B, p, k) of compact weights w (B, p): zeros with each
    indicator's weight in its construct's column (a scatter; the same numbers as
    ``w[:, :, None] * mask`` for finite weights, at a fraction of the cost)."""
    nb = w.shape[0]
    if plan.cells is None:
        return w[:, :, None] * plan.mask
    W = np.zeros((nb, plan.p * plan.k))
    W[:, plan.cells] = w
    return W.reshape(nb, plan.p, plan.k)


def _rw(R: np.ndarray, w: np.ndarray, plan: BatchPlan) -> np.ndarray:
    """``R W`` (B, p, k) for block-diagonal weights given compactly as w (B, p)."""
    return np.matmul(R, _blockdiag(w, plan))


def _wtx(plan: BatchPlan, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``W' X`` (B, k, l) for compact weights w (B, p) and X (B, p, l)."""
    return np.matmul(np.swapaxes(_blockdiag(w, plan), 1, 2), X)


def _outer_update(
    R: np.ndarray, w: np.ndarray, RW: np.ndarray, S: np.ndarray, d: np.ndarray, plan: BatchPlan,
    scheme: str, stack: StructureStack | None = None, joint: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One PLS pass from compact weights ``w`` (B, p) of any column scale, their ``R W``,
    ``S = W'RW`` and the scores' standard deviations ``d = sqrt(diag(S))`` (B, k): the new
    weights (not rescaled) with their ``R W``, ``S`` and ``d``.

    The scale of a weight column cancels in the score correlations ``C = S / dd'`` and in
    ``R W / d``, so the weights are rescaled to unit-variance scores only where they are
    compared and returned (``w / d``), not in every pass; the next pass's ``S`` gives
    their scale."""
    # (runs inside fit_batched's / refit_r2's errstate: NaN from a singular resample is
    # detected and counted by the caller, not warned)
    C = S / (d[:, :, None] * d[:, None, :])
    E = _inner_weights(C, plan, scheme, stack, joint)
    # covariance of indicator i with the inner proxy of its own construct
    Gfull = np.matmul(RW, E / d[:, :, None])
    wn = Gfull[:, plan.ar, plan.block]
    for c, idx in plan.mode_b:
        # Mode B: solve with the block's covariances with the proxy of construct c
        wn[:, idx] = _solve(R[:, idx[:, None], idx[None, :]], Gfull[:, idx, c])
    Wn = _blockdiag(wn, plan)  # shared by R W and W'RW
    RWn = np.matmul(R, Wn)
    Sn = np.matmul(np.swapaxes(Wn, 1, 2), RWn)
    return wn, RWn, Sn, np.sqrt(np.diagonal(Sn, axis1=1, axis2=2))


def _scores_cov(w: np.ndarray, RW: np.ndarray, plan: BatchPlan) -> tuple[np.ndarray, np.ndarray]:
    """``S = W'RW`` (B, k, k) of compact weights ``w`` and the scores' standard deviations
    ``sqrt(diag(S))``."""
    S = _wtx(plan, w, RW)
    return S, np.sqrt(np.diagonal(S, axis1=1, axis2=2))


def fit_batched(
    R: np.ndarray,
    plan: BatchPlan,
    *,
    scheme: str = "path",
    consistent: bool = False,
    tol: float = 1e-7,
    max_iter: int = 300,
    joint: bool = False,
) -> BatchedKernelResult:
    """Run the PLS algorithm on a stack of correlation matrices.

    Parameters
    ----------
    R : ndarray (B, p, p)
        Indicator correlation matrices, indicators in the plan's order.
    plan : BatchPlan
        From :func:`make_plan`.
    scheme : {"path", "factorial", "centroid"}
    consistent : bool
        Apply PLSc (Dijkstra-Henseler rho_A correction of construct correlations, paths
        and reflective loadings).
    tol, max_iter : float, int
        Stop rule of seminr: a replicate stops when the summed absolute change of its
        weights is below ``tol``; ``max_iter`` iterations at most (the count excludes the
        first pass, as seminr reports it).
    joint : bool, default False
        Solve the path scheme's regressions (and the paths) of all targets in one padded
        batched solve instead of one solve per target: fewer calls, more operations, so
        faster for one matrix (:func:`acsi.plspm.algorithm.fit_kernel`) and slower for a
        large stack. The numbers agree to round-off; a replicate's numbers do not depend
        on the batch either way.

    Returns
    -------
    BatchedKernelResult

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.plspm.spec import PLSSpec
    >>> spec = PLSSpec.from_model("X =~ x1 + x2; Y =~ y1 + y2; Y ~ X")
    >>> R = np.array([[1, .5, .3, .3], [.5, 1, .3, .3], [.3, .3, 1, .6], [.3, .3, .6, 1]])
    >>> out = fit_batched(R[None], make_plan(spec))
    >>> round(float(out.B[0, 0, 1]), 6), bool(out.converged[0])
    (0.387298, True)
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # failures (NaN from a singular resample) are detected and counted, not warned
        return _fit_batched(np.asarray(R, dtype=np.float64), plan, scheme, consistent, tol, max_iter, joint)


def _fit_batched(
    R: np.ndarray, plan: BatchPlan, scheme: str, consistent: bool, tol: float, max_iter: int,
    joint: bool = False,
) -> BatchedKernelResult:
    nb, p, _ = R.shape
    w = np.ones((nb, p))
    for c in np.flatnonzero(plan.isolated):
        # no structural path: fixed point of its own proxy (see isolated_start)
        bl = plan.blocks[c]
        w[:, bl] = isolated_start(R, bl, "B" if any(c == cb for cb, _ in plan.mode_b) else "A")
    RW = _rw(R, w, plan)
    iterations = np.zeros(nb, dtype=np.intp)
    converged = np.zeros(nb, dtype=bool)
    weight_diff = np.full(nb, np.nan)
    # the batch being iterated: rows `active` of the inputs; `alive` marks the rows not yet
    # stopped (stopped rows are saved when they stop and dropped from the batch once they
    # are a third of it: copying the batch costs more than a few wasted updates)
    active = np.arange(nb)
    alive = np.ones(nb, dtype=bool)
    it = 0
    # wa, RWa, Sa, da: the last pass's weights (unscaled), R W, W'RW and score SDs; wc: its
    # weights scaled to unit-variance scores (the start: unit weights, compared as they are)
    Ra, wa, RWa, wc = R, w, RW, w
    Sa, da = _scores_cov(w, RW, plan)
    while True:
        wn, RWn, Sn, dn = _outer_update(Ra, wa, RWa, Sa, da, plan, scheme, None, joint)
        ws = wn / dn[:, plan.block]
        diff = np.abs(ws - wc).sum(axis=1)
        done = diff < tol
        stop = alive & (done | ~np.isfinite(diff) | (it >= max_iter))
        if stop.any():
            rows = active[stop]
            w[rows] = ws[stop]
            RW[rows] = RWn[stop] / dn[stop][:, None, :]
            converged[rows] = done[stop]
            iterations[rows] = it
            weight_diff[rows] = diff[stop]
            alive &= ~stop
            if not alive.any():
                break
            failed_now = (stop & ~done).any()  # drop NaN rows at once (slow solve fallback)
            if failed_now or alive.sum() < 2 * alive.size // 3:
                active, Ra, wn, RWn, Sn, dn, ws = (
                    active[alive], Ra[alive], wn[alive], RWn[alive], Sn[alive], dn[alive], ws[alive]
                )
                alive = np.ones(active.size, dtype=bool)
        wa, RWa, Sa, da, wc = wn, RWn, Sn, dn, ws
        it += 1

    W = _blockdiag(w, plan)
    C, L, Bm, r2, rho = post_estimate(R, W, RW, plan, consistent, joint)
    finite = (
        np.isfinite(W).all(axis=(1, 2))
        & np.isfinite(Bm).all(axis=(1, 2))
        & np.isfinite(L).all(axis=(1, 2))
        & np.isfinite(r2).all(axis=1)
    )
    failed = ~(converged & finite)
    inadm = inadmissible(admissibility_checks(C, Bm, L, r2, rho, plan, consistent)) & ~failed
    return BatchedKernelResult(
        W=W, B=Bm, L=L, C=C, r2=r2, rho_a=rho, iterations=iterations,
        converged=converged, failed=failed, inadmissible=inadm, weight_diff=weight_diff,
        consistent=consistent,
    )


# ----------------------------------------------------------------------------- PLSc
def rho_a_batched(R: np.ndarray, W: np.ndarray, plan: BatchPlan, RW: np.ndarray | None = None) -> np.ndarray:
    """Dijkstra-Henseler rho_A (B, k) of every construct; 1 for Mode B and single items.

    .. math::

        \\rho_A = (w'w)^2 \\, \\frac{w'(S - \\operatorname{diag} S)\\, w}
                                  {w'(ww' - \\operatorname{diag} ww')\\, w}

    with ``w`` the block's outer weights (unit-variance scores) and ``S`` its indicator
    correlations (Dijkstra & Henseler 2015, eq. 13). This is the only implementation in
    acsi (:func:`acsi.plspm.plsc.rho_a` and the PLSc correction call it).

    Parameters
    ----------
    R : ndarray (B, p, p)
    W : ndarray (B, p, k)
        Zero outside the blocks.
    plan : BatchPlan
    RW : ndarray (B, p, k), optional
        ``R W``, when the caller has it.

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.plspm.spec import PLSSpec
    >>> plan = make_plan(PLSSpec.from_model("F =~ a + b"))
    >>> R = np.array([[[1.0, 0.64], [0.64, 1.0]]])
    >>> W = np.full((1, 2, 1), 1 / np.sqrt(2 * 1.64))
    >>> round(float(rho_a_batched(R, W, plan)[0, 0]), 6)   # parallel items: 2r / (1 + r)
    0.780488
    """
    # every block at once: with W zero outside the blocks, column c of W'(RW) holds
    # w_c' R_bb w_c, and the other terms are column sums of W^2 and W^4
    if RW is None:
        RW = np.matmul(R, W)
    W2 = W * W
    wtw = W2.sum(axis=1)
    wsw = (W * RW).sum(axis=1) - (W2 * np.diagonal(R, axis1=1, axis2=2)[:, :, None]).sum(axis=1)
    waw = wtw * wtw - (W2 * W2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(plan.rho_corrected, wtw * wtw * wsw / waw, 1.0)


def post_estimate(
    R: np.ndarray, W: np.ndarray, RW: np.ndarray, plan: BatchPlan, consistent: bool,
    joint: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Construct correlations, loadings, paths and R-squared from converged weights.

    ``C = W'RW`` (symmetrized), loadings ``L = (R W)`` on the blocks, paths
    ``B[pred, j] = C[pred, pred]^-1 C[pred, j]`` and ``R^2_j = B[pred, j]' C[pred, j]``.
    With ``consistent`` the PLSc correction (Dijkstra & Henseler 2015) as R seminr 2.5
    applies it: every multi-item Mode A construct's rho_A enters ``C*_ij = C_ij /
    sqrt(rho_i rho_j)`` (i != j), reflective constructs get the consistent loadings
    ``w sqrt(rho_A) / (w'w)``, and the paths are re-estimated from ``C*``. A rho_A that
    is not positive gives NaN correlations (reported as inadmissible / failed).

    Parameters
    ----------
    R : ndarray (B, p, p)
    W : ndarray (B, p, k)
        Outer weights (unit-variance scores, zero outside the blocks).
    RW : ndarray (B, p, k)
        ``R W``.
    plan : BatchPlan
    consistent : bool
    joint : bool, default False
        All regressions in one padded batched solve (see :func:`fit_batched`).

    Returns
    -------
    C (B, k, k), L (B, p, k), B (B, k, k), r2 (B, k) (0 for exogenous constructs) and
    rho_A (B, k) (ones unless ``consistent``).
    """
    nb = R.shape[0]
    k = plan.k
    S = np.matmul(np.swapaxes(W, 1, 2), RW)
    C = (S + np.swapaxes(S, 1, 2)) / 2.0
    L = RW * plan.mask
    if consistent:
        rho = rho_a_batched(R, W, plan, RW)
        with np.errstate(invalid="ignore"):
            adj = np.sqrt(rho[:, :, None] * rho[:, None, :])
        idx = np.arange(k)
        adj[:, idx, idx] = 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            C = C / adj
        for c in np.flatnonzero(plan.reflective & plan.rho_corrected):
            bl = plan.blocks[c]
            w = W[:, bl, c]
            wtw = (w * w).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                L[:, bl, c] = w * (np.sqrt(rho[:, c]) / wtw)[:, None]
    else:
        rho = np.ones((nb, k))
    Bm = np.zeros((nb, k, k))
    r2 = np.zeros((nb, k))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if joint and plan.joint is not None:
            sy = plan.joint
            x, rhs = _joint_ols(C, sy)
            Bm[:, sy.src, sy.dst] = x
            r2[:, sy.targets] = (x * rhs) @ sy.to_target
            return C, L, Bm, r2, rho
        for j, pred in plan.endogenous:
            cxy = C[:, pred, j]
            # score correlations: the elementwise elimination; PLSc's disattenuated ones
            # may be indefinite: LAPACK's pivoted solve
            beta = _solve(C[:, pred[:, None], pred[None, :]], cxy) if consistent else _ldl_solve(C, pred, j)
            Bm[:, pred, j] = beta
            r2[:, j] = (beta * cxy).sum(axis=1)
    return C, L, Bm, r2, rho


# ----------------------------------------------------------------------------- structures
@dataclass(frozen=True)
class StructureStack:
    """One inner model per replicate over one measurement model (built by
    :func:`make_structures`; used by :func:`refit_r2`).

    Attributes
    ----------
    inner : ndarray (B, k, k) bool
    inner_t : ndarray (B, k, k) float
        ``inner`` transposed (successors of each construct).
    adjacency : ndarray (B, k, k) float
    isolated : ndarray (B, k) bool
        Constructs without any path in that replicate's model.
    endogenous : tuple of (j, P, M)
        Construct ``j``, the union ``P`` of its predecessors over the replicates and
        ``M`` (B, |P|) bool, which of them are predecessors in each replicate.
    system : _JointSystem or None
        Every regression of ``endogenous`` as one padded system (:func:`_joint_ols`);
        None without endogenous constructs.
    """

    inner: np.ndarray
    inner_t: np.ndarray
    adjacency: np.ndarray
    isolated: np.ndarray
    endogenous: tuple[tuple[int, np.ndarray, np.ndarray], ...]
    system: _JointSystem | None = None


@dataclass(frozen=True)
class _JointSystem:
    """The regressions of every endogenous construct ``j`` (``J`` of them) on the union
    ``P_j`` of its predecessors over the replicates, solved together.

    A target with one predecessor ``p`` gets ``C[p, j] / C[p, p]`` (``one_src``,
    ``one_dst``, its mask ``one_mf`` (B, m1)). The others are padded to ``q = max |P_j|``
    rows and solved in one batched call: the system of replicate ``b`` and target ``j`` is
    ``C[P_j, P_j]`` with the rows and columns of the predecessors ``j`` lacks in ``b`` (and
    the padding) replaced by those of the identity and their right-hand sides by 0, which
    leaves the solution of the others unchanged and gives 0 for them: ``rows``/``cols``
    (J2, q, q) and ``prow``/``tcol`` (J2, q) index the construct correlations (padding: 0);
    ``keep``/``fill`` (B, J2, q, q) and ``mf`` (B, J2, q) mask them; ``valid`` (J2, q) marks
    the non-padding entries.

    ``src``/``dst`` (m,) are every (predecessor, target) pair, the single ones first, in
    the order of :func:`_joint_ols`'s columns; ``to_target`` (m, J) maps a pair to the
    position of its target in ``targets`` (J,)."""

    one_src: np.ndarray
    one_dst: np.ndarray
    one_mf: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    prow: np.ndarray
    tcol: np.ndarray
    keep: np.ndarray
    fill: np.ndarray
    mf: np.ndarray
    valid: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    to_target: np.ndarray
    targets: np.ndarray
    one_full: bool = False  # every single predecessor present in every replicate (no masking)
    many_full: bool = False  # the same for the padded systems (only the padding is masked)


def _joint_system(endo: tuple[tuple[int, np.ndarray, np.ndarray], ...], nb: int) -> _JointSystem:
    ones = [(j, P, M) for j, P, M in endo if P.size == 1]
    many = [(j, P, M) for j, P, M in endo if P.size > 1]
    one_src = np.array([P[0] for _, P, _ in ones], dtype=np.intp)
    one_dst = np.array([j for j, _, _ in ones], dtype=np.intp)
    one_mf = np.array([M[:, 0] for _, _, M in ones], dtype=np.float64).T.reshape(nb, len(ones))
    J = len(many)
    q = max((P.size for _, P, _ in many), default=0)
    prow = np.zeros((J, q), dtype=np.intp)
    tcol = np.zeros((J, q), dtype=np.intp)
    mf = np.zeros((nb, J, q))
    valid = np.zeros((J, q), dtype=bool)
    for t, (j, P, M) in enumerate(many):
        prow[t, : P.size] = P
        tcol[t] = j
        mf[:, t, : P.size] = M
        valid[t, : P.size] = True
    keep = mf[:, :, :, None] * mf[:, :, None, :]
    fill = np.zeros(keep.shape)
    fill[:, :, np.arange(q), np.arange(q)] = 1.0 - mf
    src = np.concatenate([one_src, prow[valid]])
    dst = np.concatenate([one_dst, tcol[valid]])
    targets = np.array([j for j, _, _ in endo], dtype=np.intp)
    to_target = (dst[:, None] == targets[None, :]).astype(np.float64)
    return _JointSystem(
        one_src=one_src, one_dst=one_dst, one_mf=one_mf,
        rows=np.repeat(prow[:, :, None], q, axis=2), cols=np.repeat(prow[:, None, :], q, axis=1),
        prow=prow, tcol=tcol, keep=keep, fill=fill, mf=mf, valid=valid, src=src, dst=dst,
        to_target=to_target, targets=targets, one_full=bool(np.all(one_mf == 1.0)),
        many_full=all(bool(M.all()) for _, _, M in many),
    )


def make_structures(inner: np.ndarray) -> StructureStack:
    """A :class:`StructureStack` from a (B, k, k) bool stack of inner models."""
    inner = np.asarray(inner, dtype=bool)
    adj = inner | np.swapaxes(inner, 1, 2)
    endo = []
    for j in np.flatnonzero(inner.any(axis=(0, 1))):
        P = np.flatnonzero(inner[:, :, j].any(axis=0))
        endo.append((int(j), P, inner[:, P, j]))
    endo_t = tuple(endo)
    return StructureStack(
        inner=inner,
        inner_t=np.swapaxes(inner, 1, 2).astype(np.float64),
        adjacency=adj.astype(np.float64),
        isolated=~adj.any(axis=1),
        endogenous=endo_t,
        system=_joint_system(endo_t, inner.shape[0]) if endo_t else None,
    )


def _joint_ols(C: np.ndarray, sy: _JointSystem) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients (B, m) of every (predecessor, target) pair of ``sy`` (0 for a
    predecessor the replicate lacks), with one division for the single predecessors and
    one batched solve for the rest, and the right-hand sides ``C[p, j]`` (masked).
    (Called inside an errstate that ignores invalid values and division by zero.)"""
    nb = C.shape[0]
    xs, rs = [], []
    if sy.one_src.size:
        r1 = C[:, sy.one_src, sy.one_dst]
        if not sy.one_full:
            r1 = r1 * sy.one_mf
        xs.append(r1 / C[:, sy.one_src, sy.one_src])
        rs.append(r1)
    J, q = sy.prow.shape
    if J:
        A = C[:, sy.rows, sy.cols] * sy.keep + sy.fill
        rhs = C[:, sy.prow, sy.tcol]
        if not sy.many_full:  # a lacking predecessor: right-hand side 0, coefficient 0
            rhs = rhs * sy.mf  # (the padding's solution is never returned)
        x = _solve(A.reshape(nb * J, q, q), rhs.reshape(nb * J, q)).reshape(nb, J, q)
        xs.append(x[:, sy.valid])
        rs.append(rhs[:, sy.valid])
    if len(xs) == 1:
        return xs[0], rs[0]
    return np.concatenate(xs, axis=1), np.concatenate(rs, axis=1)


def _inner_weights_stack(C: np.ndarray, st: StructureStack, scheme: str) -> np.ndarray:
    """:func:`_inner_weights` with each replicate's own inner model."""
    if scheme == "factorial":
        E = C * st.adjacency
    elif scheme == "centroid":
        E = np.sign(C) * st.adjacency
    else:
        E = C * st.inner_t
        sy = st.system
        if sy is not None:
            E[:, sy.src, sy.dst] = _joint_ols(C, sy)[0]
    if st.isolated.any():
        b, c = np.nonzero(st.isolated)
        E[b, c, c] = 1.0
    return E


def refit_r2(
    R: np.ndarray,
    plan: BatchPlan,
    inner: np.ndarray | StructureStack,
    *,
    scheme: str = "path",
    consistent: bool = False,
    tol: float = 1e-7,
    max_iter: int = 300,
) -> np.ndarray:
    """R-squared (B, k) of the model refitted with each of ``B`` inner models, in one batch.

    Cohen's f-squared re-estimates the model without one path at a time (seminr); the
    measurement model and the data stay, so the ``B`` refits share ``R`` and run as one
    stack, each replicate with its own inner weights, isolated constructs and paths. With
    ``consistent`` the PLSc correction is applied to the converged weights (as
    :func:`acsi.plspm.plsc.plsc_correct`). R-squared is 0 where a construct has no
    predecessor in a replicate.

    Parameters
    ----------
    R : ndarray (p, p)
        Indicator correlations.
    plan : BatchPlan
        The full model's plan (its measurement model is used).
    inner : ndarray (B, k, k) bool or StructureStack
        The inner models (or their :func:`make_structures`, when the caller keeps it).
    scheme, consistent, tol, max_iter
        As :func:`fit_batched`.

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.plspm.spec import PLSSpec
    >>> spec = PLSSpec.from_model("X =~ x1 + x2; M =~ m1; Y =~ y1 + y2; Y ~ X + M")
    >>> R = np.eye(5) * 0.5 + 0.5
    >>> inner = np.array(spec.inner)[None].repeat(2, 0)
    >>> inner[1, 1, 2] = False  # without M -> Y
    >>> r2 = refit_r2(R, make_plan(spec), inner)
    >>> r2.shape
    (2, 3)
    """
    st = inner if isinstance(inner, StructureStack) else make_structures(inner)
    nb = st.inner.shape[0]
    Rs = np.repeat(np.asarray(R, dtype=np.float64)[None], nb, axis=0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        w = np.ones((nb, plan.p))
        modes_b = {c for c, _ in plan.mode_b}
        for c in np.flatnonzero(st.isolated.any(axis=0)):
            rows = st.isolated[:, c]
            bl = plan.blocks[c]
            w[np.ix_(rows, bl)] = isolated_start(Rs[rows], bl, "B" if c in modes_b else "A")
        RW = _rw(Rs, w, plan)
        out_w, out_rw = w.copy(), RW.copy()
        alive = np.ones(nb, dtype=bool)
        it = 0
        wc = w  # as in _fit_batched
        S, d = _scores_cov(w, RW, plan)
        while alive.any():  # stopped replicates ride along (a handful of small matrices)
            wn, RWn, S, d = _outer_update(Rs, w, RW, S, d, plan, scheme, st)
            ws = wn / d[:, plan.block]
            diff = np.abs(ws - wc).sum(axis=1)
            stop = alive & ((diff < tol) | ~np.isfinite(diff) | (it >= max_iter))
            if stop.any():
                out_w[stop], out_rw[stop] = ws[stop], RWn[stop] / d[stop][:, None, :]
                alive &= ~stop
            w, RW, wc = wn, RWn, ws
            it += 1
        W = _blockdiag(out_w, plan)
        RW = np.matmul(Rs, W) if consistent else out_rw  # as plsc_correct / fit_batched
        S = np.matmul(np.swapaxes(W, 1, 2), RW)
        C = (S + np.swapaxes(S, 1, 2)) / 2.0
        if consistent:
            rho = rho_a_batched(Rs, W, plan)
            adj = np.sqrt(rho[:, :, None] * rho[:, None, :])
            idx = np.arange(plan.k)
            adj[:, idx, idx] = 1.0
            C = C / adj
        r2 = np.zeros((nb, plan.k))
        if st.system is not None:
            x, rhs = _joint_ols(C, st.system)
            r2[:, st.system.targets] = (x * rhs) @ st.system.to_target
    return r2


# ----------------------------------------------------------------------------- admissibility
#: Rounding slack of the "> 1" checks (a single-item loading is 1 up to ~1e-16).
ADMISSIBILITY_SLACK = 1e-10


@dataclass(frozen=True)
class AdmissibilityChecks:
    """Element-wise admissibility checks of a batch of fits (True marks a violation).

    Attributes
    ----------
    paths : ndarray (B, k, k) bool
        ``|B_ij| > 1`` on a structural path.
    r2 : ndarray (B, k) bool
        ``R^2 > 1``.
    rho_a : ndarray (B, k) bool
        PLSc: rho_A not positive (NaN counts as not positive).
    not_pd : ndarray (B,) bool
        PLSc: a finite construct correlation matrix that is not positive definite.
    min_eigenvalue : ndarray (B,)
        PLSc: its smallest eigenvalue (NaN when not computed).
    correlations : ndarray (B, k, k) bool
        PLSc: a disattenuated correlation above 1 in absolute value (upper triangle).
    loadings : ndarray (B, p) bool
        PLSc: a loading above 1 in absolute value.
    """

    paths: np.ndarray
    r2: np.ndarray
    rho_a: np.ndarray
    not_pd: np.ndarray
    min_eigenvalue: np.ndarray
    correlations: np.ndarray
    loadings: np.ndarray


def admissibility_checks(
    C: np.ndarray,
    Bm: np.ndarray,
    L: np.ndarray,
    r2: np.ndarray,
    rho: np.ndarray,
    plan: BatchPlan,
    consistent: bool,
) -> AdmissibilityChecks:
    """The one admissibility rule of acsi's PLS, vectorised over a batch of fits.

    A fit is inadmissible when a path coefficient exceeds 1 in absolute value or an
    R-squared exceeds 1; under PLSc also when a rho_A is not positive, the disattenuated
    construct correlation matrix is not positive definite, a disattenuated correlation or
    a loading exceeds 1 in absolute value. "Exceeds 1" allows a rounding slack of
    :data:`ADMISSIBILITY_SLACK`. The point estimate's warning
    (:func:`acsi.plspm.api.admissibility_problems`) and the bootstrap's ``n_inadmissible``
    both use this function.

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.plspm.spec import PLSSpec
    >>> plan = make_plan(PLSSpec.from_model("X =~ x1; Y =~ y1; Y ~ X"))
    >>> B = np.array([[[0, 1.2], [0, 0]]])
    >>> chk = admissibility_checks(np.eye(2)[None], B, np.eye(2)[None], np.array([[0, 1.44]]),
    ...                            np.ones((1, 2)), plan, consistent=False)
    >>> inadmissible(chk).tolist(), bool(chk.paths[0, 0, 1]), bool(chk.r2[0, 1])
    ([True], True, True)
    """
    one = 1.0 + ADMISSIBILITY_SLACK
    nb, k = r2.shape
    with np.errstate(invalid="ignore"):
        paths = (np.abs(Bm) > one) & plan.inner
        r2_bad = r2 > one
    rho_bad = np.zeros((nb, k), dtype=bool)
    not_pd = np.zeros(nb, dtype=bool)
    min_ev = np.full(nb, np.nan)
    corr = np.zeros((nb, k, k), dtype=bool)
    load = np.zeros(L.shape[:2], dtype=bool)
    if consistent:
        rho_bad = ~(rho > 0)
        okC = np.isfinite(C).all(axis=(1, 2))
        if okC.any():
            min_ev[okC] = np.linalg.eigvalsh(C[okC])[:, 0]
            not_pd[okC] = min_ev[okC] <= 0
        with np.errstate(invalid="ignore"):
            corr = (np.abs(C) > one) & np.triu(np.ones((k, k), dtype=bool), 1)
            load = np.abs(L[:, plan.ar, plan.block]) > one
    return AdmissibilityChecks(
        paths=paths, r2=r2_bad, rho_a=rho_bad, not_pd=not_pd, min_eigenvalue=min_ev,
        correlations=corr, loadings=load,
    )


def inadmissible(checks: AdmissibilityChecks) -> np.ndarray:
    """(B,) bool: any check of :func:`admissibility_checks` violated."""
    return (
        checks.paths.any(axis=(1, 2))
        | checks.r2.any(axis=1)
        | checks.rho_a.any(axis=1)
        | checks.not_pd
        | checks.correlations.any(axis=(1, 2))
        | checks.loadings.any(axis=1)
    )


# ----------------------------------------------------------------------------- derived
def htmt_batched(R: np.ndarray, plan: BatchPlan) -> np.ndarray:
    """Heterotrait-monotrait ratios (B, k, k) from item correlations (upper triangle used).

    HTMT_ij = mean |r| between the blocks of i and j / sqrt(mean off-diagonal |r| within
    block i * within block j); a single-item block's monotrait mean is 1 (seminr).
    """
    M = plan.mask
    # block sums M'|R|M: two stacked products, matrix by matrix (batch-invariant)
    sums = np.matmul(M.T, np.matmul(np.abs(R), M))
    sizes = M.sum(axis=0)
    diag = np.diagonal(sums, axis1=1, axis2=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mono = np.where(sizes > 1, (diag - sizes) / (sizes * (sizes - 1)), 1.0)
        het = sums / np.outer(sizes, sizes)
        return het / np.sqrt(mono[:, :, None] * mono[:, None, :])


def _moments_from_cov(
    cov: np.ndarray,
    tot: np.ndarray,
    m: np.ndarray,
    center: np.ndarray | None,
    iu: np.ndarray,
    ju: np.ndarray,
    diag: np.ndarray,
    p: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means, SDs (n-1) and (B, p, p) correlations from per-resample sums of centred
    cross-products ``cov`` (B, p(p+1)/2) over the upper-triangle pairs ``(iu, ju)``."""
    nb = cov.shape[0]
    var = cov[:, diag]
    var[var < 0] = 0.0
    sd_sum = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cov / (sd_sum[:, iu] * sd_sum[:, ju])
    r[:, diag] = np.where(var > 0, 1.0, np.nan)
    R = np.take(r, _pairs(p)[3], axis=1).reshape(nb, p, p)
    sds = np.sqrt(var / np.maximum(tot - 1.0, 1.0)[:, None])
    means = m if center is None else m + center
    return means, sds, R
