"""Maximum-likelihood kernel: fit function, analytic gradient, information, optimiser.

The ML discrepancy (lavaan's conventions; S has divisor N) is

.. math::

    F_{ML}(\\theta) = \\log|\\Sigma| + \\operatorname{tr}(S\\Sigma^{-1}) - \\log|S| - p
        + (\\bar y - \\mu)^\\top \\Sigma^{-1} (\\bar y - \\mu),

the last term only with a mean structure; chi-square is ``N F_ML`` and lavaan's
``fmin`` is ``F_ML / 2``. With ``Delta = d(mu, vech Sigma) / d theta'`` the gradient is
``Delta' g`` where ``g`` holds ``-2 Sigma^-1 (ybar - mu)`` and ``vech`` of
``(2 - [a = b]) W_ab`` with ``W = Sigma^-1 - Sigma^-1 (S + d d') Sigma^-1``. The expected
(Fisher) information per observation is ``Delta' H Delta`` with
``H = diag(Sigma^-1, 1/2 D'(Sigma^-1 (x) Sigma^-1) D)`` (structured, i.e. evaluated at the
model-implied moments, as lavaan's default ``h1.information = "structured"``).

The optimiser is Fisher scoring with step halving; it needs no pandas and no validation
and is meant to be called from :mod:`acsi.cbsem.core` only.

References
----------
Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley, ch. 4.
Lee, S.-Y., & Jennrich, R. I. (1979). A study of algorithms for covariance structure
analysis. *Psychometrika*, 44, 99-113.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg
from scipy.linalg.lapack import dpotrf as _dpotrf
from scipy.linalg.lapack import dpotri as _dpotri

from acsi.cbsem.matrices import LisrelModel

__all__ = ["MLKernel"]


class MLKernel:
    """Precomputed ML problem: the model's index maps plus the sample moments.

    Parameters
    ----------
    model : LisrelModel
    x_base : (n_rows,) ndarray
        Values of every parameter-table row (fixed values; free rows are overwritten).
    free_rows : ndarray of int
        Table rows of the free parameters (lavaan's ``free`` order).
    par_of_free : ndarray of int
        Reduced parameter index of each free row (shared labels share an index).
    q : int
        Length of the reduced parameter vector.
    S : (p, p) ndarray
        Sample covariance, divisor N.
    ybar : (p,) ndarray
        Sample mean.
    """

    def __init__(
        self,
        model: LisrelModel,
        x_base: np.ndarray,
        free_rows: np.ndarray,
        par_of_free: np.ndarray,
        q: int,
        S: np.ndarray,
        ybar: np.ndarray,
    ) -> None:
        self.model = model
        self.x_base = np.asarray(x_base, dtype=float)
        self.free_rows = np.asarray(free_rows, dtype=np.intp)
        self.par_of_free = np.asarray(par_of_free, dtype=np.intp)
        self.q = int(q)
        self.S = S
        self.ybar = ybar
        self.p = S.shape[0]
        self.meanstructure = model.meanstructure
        K = np.zeros((len(self.free_rows), self.q))
        K[np.arange(len(self.free_rows)), self.par_of_free] = 1.0
        self.K = K
        sign, logdet = np.linalg.slogdet(S)
        self.logdetS = logdet
        vr, vc = model.vech_r, model.vech_c
        self._mult = np.where(vr == vc, 1.0, 2.0)
        p = self.p
        self._w_aa = vr[:, None] * p + vr[None, :]
        self._w_bb = vc[:, None] * p + vc[None, :]
        self._w_ab = vr[:, None] * p + vc[None, :]
        self._w_ba = vc[:, None] * p + vr[None, :]
        self._w_fac = np.outer(self._mult, self._mult) / 4.0
        self._vech_flat = vr * p + vc
        self._plan = model.delta_plan(self.free_rows)
        self._identity_K = bool(np.array_equal(self.par_of_free, np.arange(len(self.free_rows))))
        self._eye = np.eye(p)

    # ------------------------------------------------------------------ parameters
    def x_of(self, theta: np.ndarray) -> np.ndarray:
        """Values of every table row for the reduced vector ``theta``."""
        x = self.x_base.copy()
        x[self.free_rows] = theta[self.par_of_free]
        return x

    def theta_of(self, x: np.ndarray) -> np.ndarray:
        """Reduced vector from row values (first free row of each parameter)."""
        theta = np.empty(self.q)
        theta[self.par_of_free[::-1]] = x[self.free_rows[::-1]]
        return theta

    # ------------------------------------------------------------------ pieces
    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Implied Sigma, mu (sample mean without a mean structure) and LISREL parts."""
        Sigma, mu, parts = self.model.implied(self.x_of(theta))
        if not self.meanstructure:
            mu = self.ybar
        return Sigma, mu, parts

    def delta(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        """Jacobian of (mu, vech Sigma) w.r.t. the reduced parameters."""
        D = self._plan(parts)
        return D if self._identity_K else D @ self.K

    def fmin_parts(self, Sigma: np.ndarray, mu: np.ndarray) -> tuple[float, np.ndarray | None]:
        """``F_ML`` and the inverse of Sigma (``inf, None`` if Sigma is not positive definite)."""
        if not np.isfinite(Sigma).all():
            return np.inf, None
        C, info = _dpotrf(Sigma, lower=1, clean=1, overwrite_a=0)
        if info != 0:
            return np.inf, None
        diag = np.diagonal(C)
        if not (diag > 0).all():
            return np.inf, None
        logdet = 2.0 * np.log(diag).sum()
        Si, info = _dpotri(C, lower=1, overwrite_c=0)
        if info != 0:
            return np.inf, None
        Si = np.tril(Si)
        Si = Si + np.tril(Si, -1).T
        F = logdet + np.sum(self.S * Si) - self.logdetS - self.p
        if self.meanstructure:
            d = self.ybar - mu
            F += d @ Si @ d
        return float(F), Si

    def objective(self, theta: np.ndarray) -> float:
        """``F_ML(theta)``."""
        try:
            Sigma, mu, _ = self.implied(theta)
        except np.linalg.LinAlgError:
            return np.inf
        return self.fmin_parts(Sigma, mu)[0]

    def grad_moments(self, Si: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """dF/d(mu, vech Sigma)."""
        if self.meanstructure:
            d = self.ybar - mu
            Sd = self.S + np.outer(d, d)
        else:
            Sd = self.S
        W = Si - Si @ Sd @ Si
        gv = W.reshape(-1)[self._vech_flat] * self._mult
        if self.meanstructure:
            return np.concatenate([-2.0 * (Si @ d), gv])
        return gv

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """Analytic gradient of ``F_ML`` w.r.t. the reduced parameters."""
        Sigma, mu, parts = self.implied(theta)
        _, Si = self.fmin_parts(Sigma, mu)
        if Si is None:
            return np.full(self.q, np.nan)
        return self.delta(parts).T @ self.grad_moments(Si, mu)

    def weight(self, Si: np.ndarray) -> np.ndarray:
        """Normal-theory weight ``H`` for (mu, vech Sigma) at inverse covariance ``Si``."""
        f = Si.reshape(-1)
        Hc = (f[self._w_aa] * f[self._w_bb] + f[self._w_ab] * f[self._w_ba]) * self._w_fac
        if not self.meanstructure:
            return Hc
        p = self.p
        nv = len(self._vech_flat)
        H = np.zeros((p + nv, p + nv))
        H[:p, :p] = Si
        H[p:, p:] = Hc
        return H

    def expected_information(self, theta: np.ndarray) -> np.ndarray:
        """Expected information per observation (lavaan's unit information)."""
        Sigma, mu, parts = self.implied(theta)
        _, Si = self.fmin_parts(Sigma, mu)
        if Si is None:
            return np.full((self.q, self.q), np.nan)
        D = self.delta(parts)
        return D.T @ self.weight(Si) @ D

    def observed_information(self, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
        """Observed information per observation: the Hessian of ``F_ML / 2``.

        By differentiating the analytic gradient with the 4-point central formula
        ``(g(-2h) - 8 g(-h) + 8 g(h) - g(2h)) / (12 h)`` and symmetrising, as lavaan does.
        """
        q = self.q
        H = np.empty((q, q))
        for j in range(q):
            e = np.zeros(q)
            e[j] = h
            g1 = self.gradient(theta - 2 * e)
            g2 = self.gradient(theta - e)
            g3 = self.gradient(theta + e)
            g4 = self.gradient(theta + 2 * e)
            H[:, j] = (g1 - 8 * g2 + 8 * g3 - g4) / (12 * h)
        H = 0.5 * (H + H.T)
        return 0.5 * H

    # ------------------------------------------------------------------ optimiser
    def _eval(self, theta: np.ndarray) -> tuple[float, np.ndarray | None, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """F, gradient, Delta, Sigma^-1 and mu at ``theta`` (F = inf when inadmissible)."""
        try:
            Sigma, mu, parts = self.implied(theta)
        except np.linalg.LinAlgError:
            return np.inf, None, None, None, None
        F, Si = self.fmin_parts(Sigma, mu)
        if Si is None:
            return np.inf, None, None, None, None
        D = self.delta(parts)
        g = D.T @ self.grad_moments(Si, mu)
        return F, g, D, Si, mu

    def _newton_inverse(self, D: np.ndarray, Si: np.ndarray) -> np.ndarray | None:
        """Inverse of the expected Hessian of F (2 x expected information)."""
        info = 2.0 * (D.T @ self.weight(Si) @ D)
        try:
            inv = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(inv)):
            return None
        return inv

    def fit(
        self, theta0: np.ndarray, *, max_iter: int = 500, tol: float = 1e-10, n_fisher: int = 4
    ) -> tuple[np.ndarray, int, bool, float]:
        """Minimise ``F_ML``: Fisher scoring, then BFGS started from the Fisher information.

        The first ``n_fisher`` steps are Fisher-scoring steps (robust far from the optimum);
        then BFGS updates of the inverse Hessian, started from the inverse expected Hessian,
        converge superlinearly. Every step uses a backtracking (Armijo) line search that
        also rejects non-positive-definite implied covariances. Converged means the largest
        absolute gradient element of ``F_ML`` is below ``tol``.

        Returns
        -------
        theta, iterations, converged, gradient max-norm
        """
        theta = np.array(theta0, dtype=float)
        F, g, D, Si, _ = self._eval(theta)
        if g is None:
            return theta, 0, False, np.inf
        q = self.q
        if q == 0:
            return theta, 0, True, 0.0
        gmax = float(np.max(np.abs(g)))
        Hinv = None
        it = 0
        resets = 0
        while gmax >= tol and it < max_iter:
            if it < n_fisher or Hinv is None:
                Hinv = self._newton_inverse(D, Si)
                if Hinv is None:
                    Hinv = np.eye(q) * 1e-2
            step = -(Hinv @ g)
            slope = float(g @ step)
            if not np.isfinite(slope) or slope >= 0:
                Hinv = self._newton_inverse(D, Si) if resets == 0 else np.eye(q) * 1e-2
                resets += 1
                if resets > 2:
                    break
                continue
            t = 1.0
            ok = False
            for _ in range(50):
                F2, g2, D2, Si2, _ = self._eval(theta + t * step)
                if g2 is not None and F2 <= F + 1e-4 * t * slope + 1e-14 * max(1.0, abs(F)):
                    ok = True
                    break
                t *= 0.5
            if not ok:
                if resets < 2:
                    Hinv = self._newton_inverse(D, Si) if resets == 0 else np.eye(q) * 1e-2
                    resets += 1
                    continue
                break
            resets = 0
            s = t * step
            y = g2 - g
            theta = theta + s
            F, g, D, Si = F2, g2, D2, Si2
            gmax = float(np.max(np.abs(g)))
            it += 1
            if it >= n_fisher:
                sy = float(s @ y)
                if sy > 1e-300:
                    Hy = Hinv @ y
                    Hinv = (
                        Hinv
                        + ((sy + y @ Hy) / sy**2) * np.outer(s, s)
                        - (np.outer(Hy, s) + np.outer(s, Hy)) / sy
                    )
        return theta, it, bool(gmax < tol), gmax
