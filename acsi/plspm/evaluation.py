"""Measurement and structural model evaluation for PLS path models, from moments.

Pure numpy functions of the indicator correlations ``R`` (p x p), the block mask
(p x k), the outer weights ``W`` (scaled to unit-variance scores), the loadings ``L`` and
the construct correlations ``C``. They follow seminr's conventions (``summary()`` of a
``seminr_model``) and are reused by :mod:`acsi.reliability`:

==================  ==========================================================  =========
function            formula                                                      seminr
==================  ==========================================================  =========
cronbach_alpha      ``k/(k-1) (1 - k / sum(R_bb))`` (standardized alpha)          alpha
rho_c_ave           ``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))``, ``mean(l^2)``     rhoC, AVE
htmt                mean |r| between blocks / sqrt(product of the mean |r|        HTMT
                    within each block) (Henseler, Ringle & Sarstedt 2015)
fornell_larcker     score correlations below, sqrt(AVE) on the diagonal           FL
cross_loadings      ``R W`` (item/score correlations)                             cross
item_vif            ``diag(R_bb^-1)`` per block                                   item VIF
inner_vif           ``diag(C_XX^-1)`` over the antecedents X of every target      VIF
total_effects       ``(I - B)^-1 - I``                                            total
==================  ==========================================================  =========

Single-indicator constructs get alpha = rho_C = AVE = 1, a within-block HTMT term of 1
and an item VIF of 1, as in seminr. A target with a single antecedent has inner VIF NaN.
``total_effects`` and ``reachability`` are those of :mod:`acsi._graph` (one implementation
for every family), re-exported here with the other evaluation functions.
"""

from __future__ import annotations

import numpy as np

from acsi._graph import reachability, total_effects

__all__ = [
    "cronbach_alpha",
    "rho_c_ave",
    "htmt",
    "fornell_larcker",
    "cross_loadings",
    "item_vif",
    "inner_vif",
    "total_effects",
    "reachability",
    "adjusted_r2",
]


def _mask(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The block mask as 0/1 floats and the block sizes."""
    M = (np.asarray(mask) != 0).astype(np.float64)
    return M, M.sum(axis=0)


def _block_sums(A: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``T[c, d]``: the sum of ``A`` over the rows of block c and the columns of block d
    (``M' A M``); NaN where that part of ``A`` holds a NaN, and only there."""
    nan = np.isnan(A)
    if not nan.any():
        return M.T @ A @ M
    T = M.T @ np.where(nan, 0.0, A) @ M
    T[(M.T @ nan.astype(np.float64) @ M) > 0] = np.nan
    return T


def _blocks(mask: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero(mask[:, c] != 0) for c in range(mask.shape[1])]


def cronbach_alpha(R: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Standardized Cronbach's alpha of every block (1 for single items).

    .. math:: \\alpha = \\frac{q}{q-1}\\Big(1 - \\frac{q}{\\mathbf 1' R_{bb} \\mathbf 1}\\Big)

    Reference: Cronbach (1951), *Psychometrika* 16, 297-334.

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1, .5, .5], [.5, 1, .5], [.5, .5, 1]])
    >>> cronbach_alpha(R, np.ones((3, 1))).round(6).tolist()
    [0.75]
    """
    M, q = _mask(mask)
    total = np.diag(_block_sums(np.asarray(R, dtype=np.float64), M))  # each block's sum
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q < 2, 1.0, q / (q - 1.0) * (1.0 - q / total))


def rho_c_ave(L: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Composite reliability rho_C (Joereskog 1971) and AVE (Fornell & Larcker 1981).

    ``rho_C = (sum l)^2 / ((sum l)^2 + sum(1 - l^2))``, ``AVE = sum(l^2) / q`` over the
    loadings ``l`` of a block; both 1 for single-indicator blocks (seminr's convention).

    Examples
    --------
    >>> import numpy as np
    >>> rc, ave = rho_c_ave(np.array([[0.8], [0.8]]), np.ones((2, 1)))
    >>> round(float(rc[0]), 6), round(float(ave[0]), 6)
    (0.780488, 0.64)
    """
    M, q = _mask(mask)
    lam = np.where(M > 0, np.asarray(L, dtype=np.float64), 0.0)
    ssum = lam.sum(axis=0)
    sq = (lam * lam).sum(axis=0)
    multi = q >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        rc = np.where(multi, ssum * ssum / (ssum * ssum + (q - sq)), 1.0)
        ave = np.where(multi, sq / q, 1.0)
    return rc, ave


def htmt(R: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Heterotrait-monotrait ratio of correlations (upper triangle; NaN elsewhere).

    .. math::

        HTMT_{ij} = \\frac{\\overline{|r_{ij}|}}{\\sqrt{\\overline{|r_{ii}|}\\;
        \\overline{|r_{jj}|}}}

    with the mean absolute correlation between the items of blocks i and j in the
    numerator and the mean absolute off-diagonal correlation within each block below
    (1 for a single-item block), as seminr computes it.

    Reference: Henseler, Ringle & Sarstedt (2015), *J. Acad. Mark. Sci.* 43, 115-135.

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .6], [.3, .3, .6, 1.]])
    >>> mask = np.array([[1, 0], [1, 0], [0, 1], [0, 1.]])
    >>> round(float(htmt(R, mask)[0, 1]), 6)
    0.5
    """
    M, q = _mask(mask)
    A = np.abs(np.asarray(R, dtype=np.float64))
    T = _block_sums(A, M)  # sums of |r| within and between blocks
    k = T.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        within = (np.diag(T) - M.T @ np.nan_to_num(np.diag(A), nan=0.0)) / (q * (q - 1.0))
        mono = np.where(q < 2, 1.0, within)
        out = T / np.outer(q, q) / np.sqrt(np.outer(mono, mono))
    out[~np.triu(np.ones((k, k), dtype=bool), 1)] = np.nan
    return out


def fornell_larcker(C: np.ndarray, ave: np.ndarray) -> np.ndarray:
    """Fornell-Larcker table: sqrt(AVE) on the diagonal, construct correlations below it,
    NaN above (seminr's layout). Reference: Fornell & Larcker (1981), *JMR* 18, 39-50.
    """
    k = C.shape[0]
    out = np.where(np.tril(np.ones((k, k), dtype=bool), -1), C, np.nan)
    out[np.diag_indices(k)] = np.sqrt(ave)
    return out


def cross_loadings(R: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Correlations of every indicator with every construct score, ``R W / sqrt(diag(W'RW))``."""
    RW = R @ W
    sd = np.sqrt(np.einsum("pk,pk->k", W, RW))
    return RW / sd


def _vif_diag(S: np.ndarray) -> np.ndarray:
    """``diag(S^-1)`` of a correlation matrix; ``inf`` for a variable that is a perfect
    linear combination of the others (R-squared 1), where R's ``solve`` (seminr) stops
    with "computationally singular" and a plain inverse gives huge or negative numbers.

    Computed from the eigen decomposition: eigenvalues below ``q * eps * max`` count as
    zero; a variable with weight on such a null direction has VIF ``inf``.
    """
    return _vif_diags([S])[0]


def _vif_diags(mats: list[np.ndarray]) -> list[np.ndarray]:
    """:func:`_vif_diag` of several matrices with one batched eigen decomposition: each
    ``q x q`` matrix is padded to the largest size with the identity (``diag`` of the
    inverse of ``[[S, 0], [0, I]]`` is that of ``S^-1`` followed by ones, and the padding's
    eigenvalues of 1 are never null), the null threshold uses each matrix's own size."""
    if not mats:
        return []
    sizes = np.array([m.shape[0] for m in mats])
    q = int(sizes.max())
    stack = np.zeros((len(mats), q, q))
    stack[:, np.arange(q), np.arange(q)] = 1.0
    for t, m in enumerate(mats):
        stack[t, : m.shape[0], : m.shape[0]] = m
    lam, V = np.linalg.eigh(stack)
    V2 = V * V
    null = lam <= (sizes * np.finfo(float).eps)[:, None] * np.maximum(lam[:, -1:], 1.0)
    with np.errstate(divide="ignore"):
        out = np.matmul(V2, np.where(null, 0.0, 1.0 / lam)[:, :, None])[:, :, 0]
    if null.any():
        out[np.matmul(V2, null[:, :, None].astype(np.float64))[:, :, 0] > 1e-8] = np.inf
    return [out[t, :n] for t, n in enumerate(sizes)]


def _vifs(
    R: np.ndarray, blocks: list[np.ndarray], C: np.ndarray, targets: list[tuple[int, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`item_vif` and :func:`inner_vif` from one batched eigen decomposition, for
    the multi-item ``blocks`` (indicator indices) and the ``targets`` with two or more
    antecedents (target, antecedent indices)."""
    vals = _vif_diags([R[np.ix_(b, b)] for b in blocks] + [C[np.ix_(a, a)] for _, a in targets])
    item = np.ones(R.shape[0])
    for b, v in zip(blocks, vals):
        item[b] = v
    k = C.shape[0]
    inner = np.full((k, k), np.nan)
    for (j, a), v in zip(targets, vals[len(blocks):]):
        inner[a, j] = v
    return item, inner


def _multi_blocks(mask: np.ndarray) -> list[np.ndarray]:
    return [idx for idx in _blocks(mask) if idx.size >= 2]


def _vif_targets(inner: np.ndarray) -> list[tuple[int, np.ndarray]]:
    inner = np.asarray(inner, dtype=bool)
    return [(int(j), np.flatnonzero(inner[:, j])) for j in np.flatnonzero(inner.sum(axis=0) >= 2)]


def item_vif(R: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """VIF of every indicator within its block, ``diag(R_bb^-1)`` (1 for single items;
    ``inf`` for an indicator that is a perfect linear combination of its block's others).

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[1, .5, .5], [.5, 1, .5], [.5, .5, 1]])
    >>> item_vif(R, np.ones((3, 1))).round(6).tolist()
    [1.5, 1.5, 1.5]
    >>> item_vif(np.array([[1, 1, .3], [1, 1, .3], [.3, .3, 1.]]), np.ones((3, 1))).round(6).tolist()
    [inf, inf, 1.098901]
    """
    return _vifs(R, _multi_blocks(mask), np.zeros((0, 0)), [])[0]


def inner_vif(C: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """VIF of each antecedent per target (``out[i, j]`` for i -> j; NaN elsewhere and for
    targets with a single antecedent, as seminr)."""
    return _vifs(np.zeros((0, 0)), [], C, _vif_targets(inner))[1]


def adjusted_r2(r2: np.ndarray, n: float, n_predictors: np.ndarray) -> np.ndarray:
    """``1 - (1 - R^2) (n - 1) / (n - q - 1)`` with q predictors."""
    return 1.0 - (1.0 - r2) * (n - 1) / (n - n_predictors - 1)
