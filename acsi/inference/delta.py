"""Delta-method standard errors with complex-step Jacobians.

For a smooth function ``g`` of estimates ``theta`` with covariance ``V``,

.. math::

    \\operatorname{Var}(g(\\hat\\theta)) \\approx J V J^\\top, \\qquad
    J = \\partial g / \\partial \\theta^\\top .

``J`` is computed by the complex step ``J_{.k} = Im g(theta + i h e_k) / h`` (Squire &
Trapp 1998), exact to round-off for analytic ``g`` (no subtractive cancellation), so that
defined parameters (``:=``, e.g. indirect effects ``a*b``) get the same standard errors as
lavaan's analytic/numeric Jacobian.

References
----------
Squire, W., & Trapp, G. (1998). Using complex variables to estimate derivatives of real
functions. *SIAM Review*, 40(1), 110-112.
Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in structural
equation models. *Sociological Methodology*, 13, 290-312.

Examples
--------
>>> import numpy as np
>>> from acsi.inference.delta import delta_method
>>> est, se, J = delta_method(lambda t: np.array([t[0] * t[1]]), np.array([2.0, 3.0]),
...                           np.diag([0.1, 0.2]))
>>> float(est[0]), round(float(se[0]), 6)  # sqrt(3^2*0.1 + 2^2*0.2)
(6.0, 1.30384)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["complex_step_jacobian", "delta_method"]


def complex_step_jacobian(
    func: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-20
) -> np.ndarray:
    """Jacobian of ``func`` at ``x`` by the complex step.

    Parameters
    ----------
    func : callable
        Maps a (complex) vector of length k to a vector of length m; must be analytic and
        written with operations that propagate complex numbers (no ``abs``, no ``.real``).
    x : (k,) ndarray
    h : float
        Step (the result does not depend on it once it is small).

    Returns
    -------
    (m, k) ndarray
    """
    x = np.asarray(x, dtype=float)
    k = x.size
    cols = []
    for j in range(k):
        z = x.astype(complex)
        z[j] += 1j * h
        cols.append(np.imag(np.atleast_1d(func(z))) / h)
    if not cols:
        m = np.atleast_1d(func(x.astype(complex))).size
        return np.zeros((m, 0))
    return np.column_stack(cols)


def delta_method(
    func: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, vcov: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values, delta-method standard errors and Jacobian of ``func(theta)``.

    Parameters
    ----------
    func : callable
        Vector function of the estimates (see :func:`complex_step_jacobian`).
    theta : (k,) ndarray
        Estimates.
    vcov : (k, k) ndarray
        Their covariance matrix.

    Returns
    -------
    est : (m,) ndarray
    se : (m,) ndarray
        ``sqrt(diag(J V J'))``.
    J : (m, k) ndarray
    """
    theta = np.asarray(theta, dtype=float)
    est = np.real(np.atleast_1d(func(theta.astype(complex)))).astype(float)
    J = complex_step_jacobian(func, theta)
    V = J @ np.asarray(vcov, dtype=float) @ J.T
    se = np.sqrt(np.clip(np.diag(V), 0.0, None))
    se = np.where(np.diag(V) < 0, np.nan, se)
    return est, se, J
