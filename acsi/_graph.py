"""Directed graphs of structural models: reachability and total/indirect effects.

One implementation for every family (PLS point estimates, the PLS bootstrap, CB-SEM
indirect effects). A structural model with ``k`` constructs is an adjacency matrix
``inner`` (k x k, bool, ``inner[i, j]`` for the path i -> j) and, once estimated, a
coefficient matrix ``B`` of the same layout. For a recursive (acyclic) model the total
effects are the sums of the products of the coefficients along every directed route,

.. math:: T = \\sum_{m \\geq 1} B^m = (I - B)^{-1} - I,

and the total indirect effects are ``T - B`` (routes of two or more paths).

References
----------
Bollen, K. A. (1987). Total, direct, and indirect effects in structural equation models.
*Sociological Methodology*, 17, 37-69.

Examples
--------
>>> import numpy as np
>>> inner = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=bool)
>>> reachability(inner).astype(int).tolist()
[[0, 1, 1], [0, 0, 1], [0, 0, 0]]
>>> indirect_reachability(inner).astype(int).tolist()
[[0, 0, 1], [0, 0, 0], [0, 0, 0]]
>>> B = np.array([[0, 0.5, 0.2], [0, 0, 0.4], [0, 0, 0]])
>>> total_effects(B).round(2).tolist()
[[0.0, 0.5, 0.4], [0.0, 0.0, 0.4], [0.0, 0.0, 0.0]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["reachability", "indirect_reachability", "total_effects", "indirect_effects"]


def _walks(inner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a route of >= 1 paths, a route of >= 2 paths) from i to j, by powers of ``inner``."""
    k = inner.shape[0]
    A = np.asarray(inner, dtype=bool).astype(np.int64)
    power = A.copy()
    total = np.zeros((k, k), dtype=bool)
    indirect = np.zeros((k, k), dtype=bool)
    for step in range(1, k + 1):
        if not power.any():
            break
        total |= power > 0
        if step >= 2:
            indirect |= power > 0
        power = (power @ A > 0).astype(np.int64)
    return total, indirect


def reachability(inner: np.ndarray) -> np.ndarray:
    """``out[i, j]`` is True when a directed route of one or more paths leads from i to j.

    Parameters
    ----------
    inner : ndarray (k, k) bool
        ``inner[i, j]`` for the structural path i -> j.

    Returns
    -------
    ndarray (k, k) bool
        The pairs with a total effect (the transitive closure of ``inner``).

    Examples
    --------
    >>> import numpy as np
    >>> reachability(np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=bool))[0].tolist()
    [False, True, True]
    """
    return _walks(inner)[0]


def indirect_reachability(inner: np.ndarray) -> np.ndarray:
    """``out[i, j]`` is True when a route of two or more paths leads from i to j (the pairs
    with a total indirect effect).

    Examples
    --------
    >>> import numpy as np
    >>> indirect_reachability(np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=bool))[0].tolist()
    [False, False, True]
    """
    return _walks(inner)[1]


def total_effects(B: np.ndarray) -> np.ndarray:
    """Total effects ``(I - B)^-1 - I`` of one coefficient matrix or of a stack of them.

    Parameters
    ----------
    B : ndarray (..., k, k)
        Coefficients, ``B[..., i, j]`` the direct effect of i on j.

    Returns
    -------
    ndarray (..., k, k)
        ``T[..., i, j]``: the total effect of i on j. A matrix of the stack for which
        ``I - B`` is singular or not finite gives NaN (the others are unaffected).

    Examples
    --------
    >>> import numpy as np
    >>> total_effects(np.array([[0, 0.5], [0, 0]])).tolist()
    [[0.0, 0.5], [0.0, 0.0]]
    """
    B = np.asarray(B, dtype=np.float64)
    k = B.shape[-1]
    eye = np.eye(k)
    with np.errstate(invalid="ignore"):
        try:
            return np.linalg.inv(eye - B) - eye
        except np.linalg.LinAlgError:
            flat = B.reshape(-1, k, k)
            out = np.full(flat.shape, np.nan)
            for i in range(flat.shape[0]):
                if np.isfinite(flat[i]).all():
                    try:
                        out[i] = np.linalg.inv(eye - flat[i]) - eye
                    except np.linalg.LinAlgError:
                        continue  # left NaN
            return out.reshape(B.shape)


def indirect_effects(B: np.ndarray) -> np.ndarray:
    """Total indirect effects ``T - B`` (routes of two or more paths), shape of ``B``.

    Examples
    --------
    >>> import numpy as np
    >>> B = np.array([[0, 0.5, 0], [0, 0, 0.4], [0, 0, 0]])
    >>> float(indirect_effects(B)[0, 2])
    0.2
    """
    B = np.asarray(B, dtype=np.float64)
    return total_effects(B) - B
