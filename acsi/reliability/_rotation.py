"""Factor rotations reproducing R's conventions (stats::varimax, psych's Promax with Kaiser
normalisation, GPArotation's gradient-projection oblimin), including their stopping rules, so
that rotated loadings equal R's to rounding error for the same unrotated loadings.

Own implementations of the published algorithms (Kaiser 1958; Hendrickson and White 1964;
Jennrich 2002; Bernaards and Jennrich 2005).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from acsi._validation import check_choice
from acsi.exceptions import ConvergenceWarning, warn

__all__ = [
    "Rotation",
    "varimax",
    "promax",
    "oblimin",
    "quartimax",
    "geomin",
    "gp_orthogonal",
    "gp_oblique",
    "rotate",
    "ROTATIONS",
    "OBLIQUE",
]


@dataclass(frozen=True)
class Rotation:
    """Rotated loadings ``L``, factor correlations ``phi`` (identity for orthogonal rotations)
    and the matrix ``T`` with ``L = A T`` (A: unrotated loadings)."""

    loadings: np.ndarray
    phi: np.ndarray
    rotmat: np.ndarray
    converged: bool
    iterations: int


def varimax(A: np.ndarray, normalize: bool = True, eps: float = 1e-5, max_iter: int = 1000) -> Rotation:
    """Varimax by the SVD algorithm with R ``stats::varimax``'s stopping rule.

    Maximises ``sum_j [sum_i l_ij^4 / p - (sum_i l_ij^2 / p)^2]`` over orthogonal ``T``; the
    iteration stops when the criterion's SVD sum grows by less than the factor ``1 + eps``.
    With ``normalize`` rows are scaled to unit length first (Kaiser normalisation).
    """
    x = np.asarray(A, dtype=float)
    p, k = x.shape
    if k < 2:
        return Rotation(x.copy(), np.eye(k), np.eye(k), True, 0)
    sc = np.sqrt((x**2).sum(axis=1)) if normalize else np.ones(p)
    x = x / sc[:, None]
    T = np.eye(k)
    d = 0.0
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        z = x @ T
        B = x.T @ (z**3 - z * ((z**2).sum(axis=0) / p))
        u, s, vt = np.linalg.svd(B)
        T = u @ vt
        d_past, d = d, float(s.sum())
        if d < d_past * (1 + eps):
            converged = True
            break
    L = (x @ T) * sc[:, None]
    return Rotation(L, np.eye(k), T, converged, it)


def promax(A: np.ndarray, m: float = 4.0) -> Rotation:
    """Promax as R ``psych`` does it (``rotate="promax"``): Kaiser-normalised rows, varimax,
    target ``L |L|^(m-1)``, least-squares transformation rescaled to unit-variance factors.

    Returns ``L = A T`` with ``T`` not orthogonal and ``phi = T^-1 T^-T``.
    """
    A = np.asarray(A, dtype=float)
    p, k = A.shape
    if k < 2:
        return Rotation(A.copy(), np.eye(k), np.eye(k), True, 0)
    h = np.sqrt((A**2).sum(axis=1))
    W = A / h[:, None]
    vm = varimax(W, normalize=True)
    x = vm.loadings
    Q = x * np.abs(x) ** (m - 1)
    U = np.linalg.lstsq(x, Q, rcond=None)[0]
    d = np.diag(np.linalg.inv(U.T @ U))
    U = U * np.sqrt(d)[None, :]
    z = x @ U
    T = vm.rotmat @ U
    Ti = np.linalg.inv(T)
    phi = Ti @ Ti.T
    return Rotation(z * h[:, None], phi, T, vm.converged, vm.iterations)


def _oblimin_criterion(L: np.ndarray, gamma: float) -> tuple[float, np.ndarray]:
    k = L.shape[1]
    L2 = L**2
    N = np.ones((k, k)) - np.eye(k)
    X = L2 @ N
    if gamma != 0:
        p = L.shape[0]
        X = (np.eye(p) - gamma / p) @ X
    return float((L2 * X).sum() / 4.0), L * X


Criterion = Callable[[np.ndarray], tuple[float, np.ndarray]]


def _quartimax_criterion(L: np.ndarray) -> tuple[float, np.ndarray]:
    """``f = -sum l^4 / 4`` and its gradient ``-L^3`` (GPArotation's vgQ.quartimax)."""
    return float(-(L**4).sum() / 4.0), -(L**3)


def _geomin_criterion(L: np.ndarray, delta: float = 0.01) -> tuple[float, np.ndarray]:
    """Geomin (Yates 1987): ``f = sum_i (prod_j (l_ij^2 + delta))^(1/k)``, gradient
    ``(2/k) l_ij / (l_ij^2 + delta) * pro_i``."""
    k = L.shape[1]
    L2 = L**2 + delta
    pro = np.exp(np.log(L2).sum(axis=1) / k)
    return float(pro.sum()), (2.0 / k) * (L / L2) * pro[:, None]


def gp_orthogonal(A: np.ndarray, criterion: Criterion, name: str, eps: float = 1e-5, max_iter: int = 1000) -> Rotation:
    """Orthogonal rotation by gradient projection (Jennrich 2001), with GPArotation
    ``GPForth``'s start (identity), step doubling and halving (11 tries, Armijo rule
    ``f_new < f - s^2 al / 2``), projection onto the orthogonal matrices by the SVD and
    stopping rule (norm of the projected gradient below ``eps``). ``L = A T``."""
    A = np.asarray(A, dtype=float)
    k = A.shape[1]
    if k < 2:
        return Rotation(A.copy(), np.eye(k), np.eye(k), True, 0)
    T = np.eye(k)
    al = 1.0
    f, Gq = criterion(A @ T)
    G = A.T @ Gq
    converged = False
    it = 0
    Tt = T
    for it in range(0, max_iter + 1):  # noqa: B007 - the count is returned
        M = T.T @ G
        Gp = G - T @ ((M + M.T) / 2.0)
        s = float(np.sqrt((Gp**2).sum()))
        if s < eps:
            converged = True
            break
        al *= 2.0
        for _ in range(11):
            u, _sv, vt = np.linalg.svd(T - al * Gp)
            Tt = u @ vt
            ft, Gqt = criterion(A @ Tt)
            if ft < f - 0.5 * s**2 * al:
                break
            al /= 2.0
        T = Tt
        f = ft
        G = A.T @ Gqt
    if not converged:
        warn(
            f"{name} rotation did not converge in {max_iter} iterations; the loadings may not be "
            "the criterion's optimum",
            ConvergenceWarning,
        )
    return Rotation(A @ T, np.eye(k), T, converged, it)


def gp_oblique(A: np.ndarray, criterion: Criterion, name: str, eps: float = 1e-5, max_iter: int = 1000) -> Rotation:
    """Oblique rotation by gradient projection (Bernaards and Jennrich 2005), with
    GPArotation ``GPFoblq``'s start (identity), step-halving rule and stopping rule (norm of
    the projected gradient below ``eps``). ``L = A (T')^-1`` and ``phi = T'T``."""
    A = np.asarray(A, dtype=float)
    k = A.shape[1]
    if k < 2:
        return Rotation(A.copy(), np.eye(k), np.eye(k), True, 0)
    T = np.eye(k)
    al = 1.0
    L = A @ np.linalg.inv(T).T
    f, Gq = criterion(L)
    G = -(L.T @ Gq @ np.linalg.inv(T)).T
    converged = False
    it = 0
    for it in range(0, max_iter + 1):  # noqa: B007 - the count is returned
        Gp = G - T * (T * G).sum(axis=0)[None, :]
        s = float(np.sqrt((Gp**2).sum()))
        if s < eps:
            converged = True
            break
        al *= 2.0
        for _ in range(11):
            X = T - al * Gp
            Tt = X / np.sqrt((X**2).sum(axis=0))[None, :]
            L = A @ np.linalg.inv(Tt).T
            ft, Gqt = criterion(L)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2.0
        T = Tt
        f = ft
        G = -(L.T @ Gqt @ np.linalg.inv(Tt)).T
    if not converged:
        warn(
            f"{name} rotation did not converge in {max_iter} iterations; the loadings may not "
            "be the criterion's minimum",
            ConvergenceWarning,
        )
    L = A @ np.linalg.inv(T).T
    return Rotation(L, T.T @ T, np.linalg.inv(T).T, converged, it)


def oblimin(A: np.ndarray, gamma: float = 0.0, eps: float = 1e-5, max_iter: int = 1000) -> Rotation:
    """Oblimin (quartimin for ``gamma = 0``) by gradient projection (:func:`gp_oblique`), as
    ``psych::fa(rotate="oblimin")`` uses GPArotation.

    Criterion ``f(L) = 1/4 sum_i sum_{j != l} l_ij^2 l_il^2`` (for gamma = 0) with
    ``L = A (T')^-1`` and ``phi = T'T``.
    """
    return gp_oblique(A, lambda L: _oblimin_criterion(L, gamma), "oblimin", eps, max_iter)


def quartimax(A: np.ndarray) -> Rotation:
    """Quartimax (GPArotation ``quartimax``: orthogonal, maximises ``sum l^4``), as psych::fa."""
    return gp_orthogonal(A, _quartimax_criterion, "quartimax")


def geomin(A: np.ndarray, oblique: bool = True, delta: float = 0.01) -> Rotation:
    """Geomin (GPArotation ``geominQ`` oblique / ``geominT`` orthogonal, ``delta = 0.01``)."""
    crit: Criterion = lambda L: _geomin_criterion(L, delta)  # noqa: E731
    return gp_oblique(A, crit, "geominQ") if oblique else gp_orthogonal(A, crit, "geominT")


def rotate(A: np.ndarray, method: str | None) -> Rotation:
    """Dispatch: ``None``/"none", "varimax", "quartimax", "geominT" (orthogonal), "promax",
    "oblimin", "geominQ" (oblique), as psych::fa names them."""
    k = A.shape[1]
    if method is not None:
        method = check_choice(method, ("none", *ROTATIONS), "rotation", hint="or None for no rotation",
                              case_sensitive=True)
    if method is None or method == "none" or k < 2:
        return Rotation(np.asarray(A, float).copy(), np.eye(k), np.eye(k), True, 0)
    if method == "varimax":
        return varimax(A)
    if method == "promax":
        return promax(A)
    if method == "oblimin":
        return oblimin(A)
    if method == "quartimax":
        return quartimax(A)
    if method == "geominQ":
        return geomin(A, oblique=True)
    return geomin(A, oblique=False)


ROTATIONS = ("varimax", "quartimax", "geominT", "promax", "oblimin", "geominQ")
OBLIQUE = ("promax", "oblimin", "geominQ")
