"""Prototype FIML kernel: lavaan's ``missing = "ml"`` objective on a LISREL model.

Not wired into :func:`acsi.sem` yet (issue 10). The objective is lavaan 0.6-14's
``fmin`` for ``missing = "ml"``,

.. math::

    F(\\theta) = -\\frac{1}{N}\\big[\\ell(\\mu(\\theta), \\Sigma(\\theta)) - \\ell_{h1}\\big],

with :math:`\\ell` the observed-data log-likelihood (:func:`acsi.cbsem.missing.fiml_loglik`,
Arbuckle 1996) and :math:`\\ell_{h1}` that of the saturated model estimated by EM
(:func:`acsi.cbsem.missing.em_saturated`), so that the likelihood-ratio statistic is
:math:`2 N F`. Its gradient is
:math:`-\\frac1N \\Delta(\\theta)^\\top (\\partial\\ell/\\partial\\mu,
\\partial\\ell/\\partial\\operatorname{vech}\\Sigma)` with :math:`\\Delta` the Jacobian of
the implied moments (:meth:`acsi.cbsem.matrices.LisrelModel.delta_plan`).

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
In G. A. Marcoulides & R. E. Schumacker (Eds.), *Advanced Structural Equation Modeling*.
Erlbaum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from acsi.cbsem.matrices import LisrelModel
from acsi.cbsem.missing import MissingPatterns, fiml_loglik, fiml_loglik_gradient

__all__ = ["FIMLFit", "FIMLKernel"]


@dataclass(frozen=True, eq=False)
class FIMLFit:
    """Result of :meth:`FIMLKernel.fit`.

    Attributes
    ----------
    theta : ndarray
        Free parameters (after equality constraints).
    fmin : float
        lavaan's ``fmin`` at ``theta``.
    loglik : float
        :math:`\\ell` at ``theta`` (lavaan's ``logl``).
    iterations : int
    converged : bool
    grad_max : float
        Largest absolute gradient element of ``fmin`` at ``theta``.
    """

    theta: np.ndarray
    fmin: float
    loglik: float
    iterations: int
    converged: bool
    grad_max: float


class FIMLKernel:
    """FIML objective and gradient for a LISREL model with a mean structure.

    Parameters
    ----------
    model : LisrelModel
        Compiled from a parameter table with ``meanstructure=True``.
    x_base : ndarray
        Values of every parameter-table row (fixed values; free rows are overwritten).
    free_rows, par_of_free : ndarray of int
        Table rows of the free parameters and their reduced index.
    q : int
        Number of reduced parameters.
    patterns : MissingPatterns
        The data's missing-data patterns (:func:`acsi.cbsem.missing.missing_patterns`).
    h1_loglik : float
        :math:`\\ell_{h1}` (``EMResult.loglik``).

    Notes
    -----
    Holds only precomputed, read-only index maps and data summaries; every method is a pure
    function of its arguments (reentrant).
    """

    def __init__(
        self,
        model: LisrelModel,
        x_base: np.ndarray,
        free_rows: np.ndarray,
        par_of_free: np.ndarray,
        q: int,
        patterns: MissingPatterns,
        h1_loglik: float,
    ) -> None:
        self.model = model
        self.q = int(q)
        self.patterns = patterns
        self.h1_loglik = float(h1_loglik)
        self._buf0, self._tgt, self._par = model.free_scatter(
            np.asarray(x_base, float), np.asarray(free_rows, np.intp), np.asarray(par_of_free, np.intp)
        )
        self._plan = model.delta_plan(np.asarray(free_rows, np.intp))
        k = np.zeros((len(free_rows), self.q))
        k[np.arange(len(free_rows)), np.asarray(par_of_free)] = 1.0
        self._k = k

    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Implied covariance, mean and the model matrices at ``theta``."""
        buf = self._buf0.copy()
        buf[self._tgt] = np.asarray(theta, float)[self._par]
        return self.model.implied_packed(buf)

    def objective(self, theta: np.ndarray) -> float:
        """lavaan's ``fmin`` (``inf`` where a pattern's implied covariance is not positive definite)."""
        sigma, mu, _ = self.implied(theta)
        try:
            ll = fiml_loglik(self.patterns, mu, sigma)
        except np.linalg.LinAlgError:
            return float("inf")
        return -(ll - self.h1_loglik) / self.patterns.nobs

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """Gradient of :meth:`objective` with respect to ``theta``."""
        return self.objective_gradient(theta)[1]

    def objective_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """:meth:`objective` and :meth:`gradient` from one evaluation of the implied moments."""
        sigma, mu, parts = self.implied(theta)
        try:
            ll, dmu, dvech = fiml_loglik_gradient(self.patterns, mu, sigma)
        except np.linalg.LinAlgError:
            return float("inf"), np.full(self.q, np.nan)
        delta = self._plan(parts)  # (p + p*, n_free): mean rows first
        n = self.patterns.nobs
        return -(ll - self.h1_loglik) / n, -(np.concatenate([dmu, dvech]) @ delta @ self._k) / n

    def fit(self, theta0: np.ndarray, *, max_iter: int = 10000, tol: float = 1e-10) -> FIMLFit:
        """Minimise :meth:`objective` from ``theta0``.

        Quasi-Newton (BFGS) steps with the analytic gradient, then Newton steps with the
        finite-difference Jacobian of the analytic gradient until the largest gradient
        element is below ``tol`` (or stops decreasing).
        """
        res = minimize(self.objective_gradient, np.asarray(theta0, float), jac=True, method="BFGS",
                       options={"maxiter": max_iter, "gtol": tol})
        theta = res.x
        g = self.gradient(theta)
        it = int(res.nit)
        for _ in range(20):
            if np.abs(g).max() < tol:
                break
            h = self.hessian(theta)
            new = theta - np.linalg.solve(h, g)
            g_new = self.gradient(new)
            if not np.abs(g_new).max() < np.abs(g).max():
                break
            theta, g = new, g_new
            it += 1
        gmax = float(np.abs(g).max())
        f = self.objective(theta)
        ll = self.h1_loglik - f * self.patterns.nobs
        return FIMLFit(theta=theta, fmin=f, loglik=ll, iterations=it, converged=gmax < tol, grad_max=gmax)

    def hessian(self, theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
        """Central-difference Jacobian of :meth:`gradient` (symmetrised)."""
        theta = np.asarray(theta, float)
        h = np.empty((self.q, self.q))
        for j in range(self.q):
            e = np.zeros(self.q)
            step = eps * max(1.0, abs(theta[j]))
            e[j] = step
            h[:, j] = (self.gradient(theta + e) - self.gradient(theta - e)) / (2 * step)
        return 0.5 * (h + h.T)
