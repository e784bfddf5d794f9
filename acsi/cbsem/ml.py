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

The optimiser is Fisher scoring, then Newton, with a backtracking line search; it needs
no pandas and no validation and is meant to be called from :mod:`acsi.cbsem.core` only.
It returns an immutable :class:`MLSolution`; the kernel itself holds no state.

References
----------
Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley, ch. 4.
Lee, S.-Y., & Jennrich, R. I. (1979). A study of algorithms for covariance structure
analysis. *Psychometrika*, 44, 99-113.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy.linalg.lapack import dpotrf as _dpotrf
from scipy.linalg.lapack import dpotrs as _dpotrs

from acsi._linalg import spd_inverse_logdet, vech_positions
from acsi.cbsem.matrices import _ALPHA, _BETA, _LAMBDA, _PSI, _THETA, LisrelModel

__all__ = ["MLKernel", "MLSolution"]


#: Observed variables from which the rank-two derivative algebra (:func:`_lowrank_plan`)
#: replaces the dense p* gathers: below it the dense path costs fewer instructions (measured
#: with callgrind on HS, p = 9: the low-rank path added ~10% to a whole fit), above it the
#: low-rank path wins by far (10 factors x 6 items: 123 ms -> 22 ms).
LOWRANK_MIN_P = 20


def _second_plan(
    rows: dict[str, np.ndarray], p: int, m: int, nf: int, ms: bool
) -> tuple[tuple[str, ...], tuple[np.ndarray, ...]]:
    """Gathers of the second-derivative term of the ML Hessian (:meth:`MLKernel._hessian_at`).

    Every non-zero element of ``sum_k (dF/dsigma_k) d2 sigma_k / dx dx'`` is a sum of
    products ``a[u] b[v]`` of two elements of the small matrices ``W`` (``Sigma^-1 -
    Sigma^-1 S Sigma^-1``), ``M = Veta``, ``A = (I - B)^-1``, ``R = LA' W``, ``N = M Lambda'
    W``, ``Qm = R LA``, ``U = N LA`` and, with a mean structure, ``h = -2 Sigma^-1 (ybar -
    mu)``, ``hLA = h' LA``, ``Y1 = h (A alpha)'``, ``Y2 = (A alpha) hLA'``. Returns the names
    of the matrices used (in the order they are concatenated, flattened) and ``(pos, ia, ib,
    coef)``: the Hessian is ``bincount(pos, coef z[ia] z[ib])`` over ``nf x nf``.
    """
    hL, hP, hB, hA = rows["L"], rows["P"], rows["B"], rows["A"]
    iL, jL, iP, jP = rows["iL"], rows["jL"], rows["iP"], rows["jP"]
    iB, jB, iA = rows["iB"], rows["jB"], rows["iA"]
    halfP = np.where(iP == jP, 0.5, 1.0)
    shapes = {"W": (p, p), "M": (m, m), "A": (m, m), "R": (m, p)}
    if hB.size:
        shapes.update(N=(m, p), Qm=(m, m), U=(m, m))
    if ms:
        shapes.update(h=(1, p), hLA=(1, m), Y1=(p, m), Y2=(m, m))
    off, o = {}, 0
    for name, (r_, c_) in shapes.items():
        off[name] = (o, c_)
        o += r_ * c_
    out: list[list[np.ndarray]] = [[], [], [], []]

    def term(hr: np.ndarray, hc: np.ndarray, a: tuple[str, Any, Any], b: tuple[str, Any, Any],
             coef: Any, mirror: bool) -> None:
        # element (r, c) of the block (rows hr, columns hc): coef * a[.] * b[.], each index
        # a function of the row r (column vector) and the column c (row vector)
        if not (hr.size and hc.size):
            return
        shape = (hr.size, hc.size)
        pos = [hr[:, None] * nf + hc[None, :]]
        if mirror:
            pos.append(hc[None, :] * nf + hr[:, None])
        for rep in pos:
            out[0].append(np.broadcast_to(rep, shape).ravel())
            for slot, (name, ri, ci) in ((1, a), (2, b)):
                o_, nc = off[name]
                out[slot].append(np.broadcast_to(o_ + np.asarray(ri) * nc + np.asarray(ci), shape).ravel())
            out[3].append(np.broadcast_to(np.asarray(coef, dtype=float), shape).ravel())

    r, c = (lambda v: v[:, None]), (lambda v: v[None, :])
    z = 0  # a vector source is a one-row matrix
    term(hL, hL, ("W", r(iL), c(iL)), ("M", r(jL), c(jL)), 2.0, False)
    for a, b in ((("A", r(jL), c(iP)), ("R", c(jP), r(iL))), (("A", r(jL), c(jP)), ("R", c(iP), r(iL)))):
        term(hL, hP, a, b, 2.0 * c(halfP), True)
    for a, b in ((("A", r(jL), c(iB)), ("N", c(jB), r(iL))), (("M", r(jL), c(jB)), ("R", c(iB), r(iL)))):
        term(hL, hB, a, b, 2.0, True)
    for a, b in ((("A", c(jB), r(iP)), ("Qm", r(jP), c(iB))), (("A", c(jB), r(jP)), ("Qm", r(iP), c(iB)))):
        term(hP, hB, a, b, 2.0 * r(halfP), True)
    for a, b in ((("A", c(jB), r(iB)), ("U", r(jB), c(iB))), (("A", r(jB), c(iB)), ("U", c(jB), r(iB))),
                 (("Qm", c(iB), r(iB)), ("M", r(jB), c(jB)))):
        term(hB, hB, a, b, 2.0, False)
    if ms:
        term(hL, hA, ("h", z, r(iL)), ("A", r(jL), c(iA)), 1.0, True)
        term(hL, hB, ("A", r(jL), c(iB)), ("Y1", r(iL), c(jB)), 1.0, True)
        term(hB, hA, ("hLA", z, r(iB)), ("A", r(jB), c(iA)), 1.0, True)
        for a, b in ((("A", c(jB), r(iB)), ("Y2", r(jB), c(iB))), (("A", r(jB), c(iB)), ("Y2", c(jB), r(iB)))):
            term(hB, hB, a, b, 1.0, False)
    empty = (np.zeros(0, np.intp),) * 3 + (np.zeros(0),)
    arrays = tuple(
        np.concatenate(parts).astype(np.intp if k < 3 else float) if parts else empty[k]
        for k, parts in enumerate(out)
    )
    return tuple(shapes), _frozen(*arrays)


def _weight_index(vr: np.ndarray, vc: np.ndarray, p: int, mult: np.ndarray) -> tuple[np.ndarray, ...]:
    """Gather indices (aa, bb, ab, ba) and factors of the p* x p* weight matrices."""
    return _frozen(
        vr[:, None] * p + vr[None, :],
        vc[:, None] * p + vc[None, :],
        vr[:, None] * p + vc[None, :],
        vc[:, None] * p + vr[None, :],
        np.outer(mult, mult) / 4.0,
    )


def _frozen(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays made read-only (views of writeable ones)."""
    out = []
    for a in arrays:
        if a.flags.writeable:
            a = a.view()
            a.flags.writeable = False
        out.append(a)
    return tuple(out)


def _lowrank_plan(model: LisrelModel, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Columns ``u_k, v_k`` and factors ``c_k`` with ``dSigma/dx_k = c_k (u_k v_k' + v_k u_k')``.

    Column indices into ``[I_p, G, LA]`` (``G = Lambda Veta``, ``LA = Lambda (I - B)^-1``):
    ``Lambda_ij``: ``e_i, G_j``; ``Theta_ij``: ``e_i, e_j``; ``Psi_ij``: ``LA_i, LA_j``;
    ``B_ij``: ``LA_i, G_j``; ``c = 1/2`` on the diagonal of Theta and Psi, else 1.
    ``None`` when a row is of another kind (means).
    """
    code = model.rows_mat[rows]
    ii = model.rows_i[rows].astype(np.intp)
    jj = model.rows_j[rows].astype(np.intp)
    p, m = model.p, model.m
    o_g, o_la = p, p + m
    offsets = {_LAMBDA: (0, o_g), _THETA: (0, 0), _PSI: (o_la, o_la), _BETA: (o_la, o_g)}
    if not np.isin(code, list(offsets)).all():
        return None
    iu = np.empty(rows.size, dtype=np.intp)
    iv = np.empty(rows.size, dtype=np.intp)
    for c_, (ou, ov) in offsets.items():
        sel = code == c_
        iu[sel] = ou + ii[sel]
        iv[sel] = ov + jj[sel]
    c = np.where(np.isin(code, (_THETA, _PSI)) & (ii == jj), 0.5, 1.0)
    return _frozen(iu, iv, c)  # type: ignore[return-value]


class _Point(NamedTuple):
    """Everything one evaluation of the objective computes (local to one optimisation)."""

    F: float
    g: np.ndarray  # gradient w.r.t. theta
    D: np.ndarray | None  # Delta w.r.t. theta (None: not needed, see MLKernel._eval)
    Draw: np.ndarray | None  # Delta w.r.t. the free rows
    Sigma: np.ndarray
    mu: np.ndarray
    parts: dict[str, np.ndarray]
    Si: np.ndarray
    P: np.ndarray
    W: np.ndarray


@dataclass(frozen=True, eq=False)
class MLSolution:
    """What :meth:`MLKernel.minimize` found: the estimates and the moments there.

    Every array is read-only; the pieces are those of the optimiser's last accepted
    evaluation, made at exactly ``theta`` (so they equal a fresh evaluation there).

    Attributes
    ----------
    theta : (q,) ndarray
        Estimates of the reduced parameters.
    F : float
        ``F_ML(theta)`` (``inf`` when Sigma is not positive definite).
    Sigma, mu : ndarray
        Implied covariance and mean (the sample mean without a mean structure).
    parts : dict
        The LISREL matrices and intermediate products (:meth:`LisrelModel.implied`).
    Sigma_inv : ndarray or None
        Inverse of ``Sigma`` (``None`` when Sigma is not positive definite).
    Delta : ndarray
        Jacobian of (mu, vech Sigma) w.r.t. ``theta``.
    iterations : int
    converged : bool
    grad_max : float
        Largest absolute gradient element of ``F_ML`` at ``theta``.
    """

    theta: np.ndarray
    F: float
    Sigma: np.ndarray
    mu: np.ndarray
    parts: dict[str, np.ndarray]
    Sigma_inv: np.ndarray | None
    Delta: np.ndarray
    iterations: int
    converged: bool
    grad_max: float

    def __post_init__(self) -> None:
        for name in ("theta", "Sigma", "mu", "Delta"):
            object.__setattr__(self, name, _frozen(getattr(self, name))[0])
        if self.Sigma_inv is not None:
            object.__setattr__(self, "Sigma_inv", _frozen(self.Sigma_inv)[0])
        object.__setattr__(self, "parts", {k: _frozen(v)[0] for k, v in self.parts.items()})


class MLKernel:
    """Precomputed ML problem: the model's index maps plus the sample moments.

    An immutable problem description: everything is built in ``__init__`` (read-only
    arrays; setting an attribute afterwards raises ``AttributeError``) and no method keeps
    anything between calls, so one kernel can serve several threads at once (e.g. a
    bootstrap). :meth:`minimize` returns its result as an :class:`MLSolution`.

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

    Examples
    --------
    >>> import acsi
    >>> from acsi.cbsem.core import estimate
    >>> from acsi.spec.partable import build_partable
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> pt = build_partable("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6")
    >>> core = estimate(pt, hs[list(pt.ov_names)].to_numpy(float))
    >>> sol = core.kernel.minimize(core.kernel.theta_of(core.kernel.x_base))  # from the start
    >>> sol.converged, round(core.N * sol.F, 3), round(core.chisq, 3)
    (True, 24.361, 24.361)
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
        self.x_base, self.free_rows, self.par_of_free, self.S, self.ybar = _frozen(
            np.asarray(x_base, dtype=float), np.asarray(free_rows, dtype=np.intp),
            np.asarray(par_of_free, dtype=np.intp), np.asarray(S), np.asarray(ybar),
        )
        self.q = int(q)
        p = self.p = S.shape[0]
        self.meanstructure = model.meanstructure
        self._buf0, self._buf_tgt, self._buf_par = _frozen(
            *model.free_scatter(self.x_base, self.free_rows, self.par_of_free)
        )
        nf = len(self.free_rows)
        K = np.zeros((nf, self.q))
        K[np.arange(nf), self.par_of_free] = 1.0
        self.K: np.ndarray = _frozen(K)[0]  # (n_free, q): reduced parameters -> free rows
        self._identity_K = nf == self.q and bool((self.par_of_free == np.arange(nf)).all())
        sign, logdet = np.linalg.slogdet(S)
        self.logdetS = logdet
        vr, vc = model.vech_r, model.vech_c
        self._mult = _frozen(np.where(vr == vc, 1.0, 2.0))[0]
        self._vech_flat = _frozen(vr * p + vc)[0]
        # the p* x p* gathers of the weight matrices serve the mean-structure Fisher
        # information and Hessian only (large for many variables: not built otherwise)
        self._w = _weight_index(vr, vc, p, self._mult) if self.meanstructure else None
        small = p < LOWRANK_MIN_P
        self._lowrank = None if (self.meanstructure or small) else _lowrank_plan(model, self.free_rows)
        # the gathers of the dense Delta: only when the low-rank form does not apply
        self._plan = model.delta_plan(self.free_rows) if self._lowrank is None else None
        code = model.rows_mat[self.free_rows]
        ri = model.rows_i[self.free_rows]
        rj = model.rows_j[self.free_rows]
        hL, hP, hB, hA = (np.flatnonzero(code == c) for c in (_LAMBDA, _PSI, _BETA, _ALPHA))
        self._h2_names, self._h2 = _second_plan({
            "L": hL, "P": hP, "B": hB, "A": hA, "iL": ri[hL], "jL": rj[hL], "iP": ri[hP],
            "jP": rj[hP], "iB": ri[hB], "jB": rj[hB], "iA": ri[hA],
        }, p, model.m, nf, self.meanstructure)
        self._vmap = vech_positions(p).reshape(-1)  # flat (i, j) of a p x p matrix -> its vech coordinate
        self._sealed = True

    def with_moments(self, S: np.ndarray, ybar: np.ndarray, x_base: np.ndarray | None = None) -> MLKernel:
        """The same problem for other sample moments (and other fixed values).

        Shares every index map with this kernel (nothing is rebuilt), so a bootstrap or a
        simulation makes one cheap kernel per replicate. ``x_base`` replaces the fixed
        values of the table rows (e.g. the sample moments of fixed.x covariates).

        Examples
        --------
        >>> import acsi
        >>> from acsi.cbsem.core import estimate, sample_moments
        >>> from acsi.spec.partable import build_partable
        >>> hs = acsi.datasets.load_holzinger_swineford()
        >>> pt = build_partable("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6")
        >>> X = hs[list(pt.ov_names)].to_numpy(float)
        >>> core = estimate(pt, X)
        >>> ybar, S = sample_moments(X[:150])
        >>> sol = core.kernel.with_moments(S, ybar).minimize(core.theta)
        >>> bool(abs(sol.F - 2 * estimate(pt, X[:150]).fmin) < 1e-10)
        True
        """
        new = object.__new__(MLKernel)
        d = dict(self.__dict__)
        S = np.asarray(S, dtype=float)
        d["S"], d["ybar"] = _frozen(S.copy(), np.array(ybar, dtype=float))
        d["logdetS"] = np.linalg.slogdet(S)[1]
        if x_base is not None:
            xb = np.array(x_base, dtype=float)
            d["x_base"] = _frozen(xb)[0]
            d["_buf0"], d["_buf_tgt"], d["_buf_par"] = _frozen(
                *self.model.free_scatter(xb, self.free_rows, self.par_of_free)
            )
        new.__dict__.update(d)
        return new

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_sealed", False):
            raise AttributeError(f"MLKernel is immutable: cannot set {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"MLKernel is immutable: cannot delete {name!r}")

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
        buf = self._buf0.copy()
        buf[self._buf_tgt] = theta[self._buf_par]
        Sigma, mu, parts = self.model.implied_packed(buf)
        if not self.meanstructure:
            mu = self.ybar
        return Sigma, mu, parts

    def delta(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        """Jacobian of (mu, vech Sigma) w.r.t. the reduced parameters."""
        D = self.delta_rows(parts)
        return D if self._identity_K else D @ self.K

    def delta_rows(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        """Jacobian of (mu, vech Sigma) w.r.t. the free table rows (before ``K``).

        Without a mean structure column ``k`` is ``vech(c_k (u_k v_k' + v_k u_k'))``
        (:func:`_lowrank_plan`): four row gathers of the small ``U``, ``V``.
        """
        if self._plan is not None:
            return self._plan(parts)
        U, V, c = self._uvc(parts)
        r, cc = self.model.vech_r, self.model.vech_c
        return (U[r] * V[cc] + V[r] * U[cc]) * c

    def _uvc(self, parts: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``U``, ``V`` (p x k) and ``c`` of the rank-2 derivatives (:func:`_lowrank_plan`)."""
        assert self._lowrank is not None
        iu, iv, c = self._lowrank
        G = parts["G"] if "G" in parts else parts["Lambda"] @ parts["Veta"]
        cols = np.concatenate([np.eye(self.p), G, parts["LA"]], axis=1)
        return cols[:, iu], cols[:, iv], c

    def fmin_parts(self, Sigma: np.ndarray, mu: np.ndarray) -> tuple[float, np.ndarray | None]:
        """``F_ML`` and the inverse of Sigma (``inf, None`` if Sigma is not positive definite)."""
        out = spd_inverse_logdet(Sigma)
        if out is None:
            return np.inf, None
        Si, logdet = out
        F = logdet + float(np.vdot(self.S, Si)) - self.logdetS - self.p
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
        return self._grad_moments(Si, mu)[0]

    def _grad_moments(self, Si: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """dF/d(mu, vech Sigma), ``P = Sigma^-1 (S + d d') Sigma^-1`` and ``W = Sigma^-1 - P``."""
        if self.meanstructure:
            d = self.ybar - mu
            Sd = self.S + np.outer(d, d)
        else:
            Sd = self.S
        P = Si @ Sd @ Si
        W = Si - P
        gv = W.reshape(-1)[self._vech_flat] * self._mult
        if self.meanstructure:
            return np.concatenate([-2.0 * (Si @ d), gv]), P, W
        return gv, P, W

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
        w = self._w
        if w is None:
            w = _weight_index(self.model.vech_r, self.model.vech_c, self.p, self._mult)
        w_aa, w_bb, w_ab, w_ba, w_fac = w
        Hc = (f[w_aa] * f[w_bb] + f[w_ab] * f[w_ba]) * w_fac
        if not self.meanstructure:
            return Hc
        p = self.p
        nv = len(self._vech_flat)
        H = np.zeros((p + nv, p + nv))
        H[:p, :p] = Si
        H[p:, p:] = Hc
        return H

    def _trace_pair(self, D: np.ndarray, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """``tr(A Sigma_k B Sigma_l)`` for all column pairs of ``D`` (vech derivatives).

        ``Sigma_k`` is the symmetric matrix whose vech is column k of ``D``; equal to
        ``D' M D`` with ``M[u, v] = tr(A E_u B E_v)`` (:meth:`_mpair`) but with three
        matrix products on the unvech'ed columns instead of a p* x p* gather.
        """
        p = self.p
        q = D.shape[1]
        Df = D[self._vmap]  # (p*p, q): Sigma_k flattened, column k
        X1 = A @ Df.reshape(p, p * q)  # (A Sigma_k)[i, l] at [i, (l, k)]
        X2 = X1.reshape(p, p, q).transpose(0, 2, 1).reshape(p * q, p) @ B  # [(i, k), m]
        return X2.reshape(p, q, p).transpose(1, 0, 2).reshape(q, p * p) @ Df

    def _trace_pair_lowrank(self, parts: dict[str, np.ndarray], A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """``tr(A Sigma_k B Sigma_l)`` over the free rows from the rank-2 form of each derivative.

        Every ``Sigma_k = c_k (u_k v_k' + v_k u_k')`` (:func:`_lowrank_plan`), so with
        ``U = [u_k]``, ``V = [v_k]`` (p x k) the trace is ``c_k c_l`` times
        ``(U'AV)(V'BU) + (U'AU)(V'BV) + (V'AV)(U'BU) + (V'AU)(U'BV)`` (elementwise
        products of k x k matrices): ``O(p^2 k + p k^2)`` instead of ``O(p^2 k^2)``.
        """
        U, V, c = self._uvc(parts)
        AU, AV = A @ U, A @ V
        if B is A:
            BU, BV = AU, AV
        else:
            BU, BV = B @ U, B @ V
        uau, uav, vav = U.T @ AU, U.T @ AV, V.T @ AV
        ubu, ubv, vbv = U.T @ BU, U.T @ BV, V.T @ BV
        out = uav * ubv.T + uau * vbv + vav * ubu + uav.T * ubv
        out *= np.outer(c, c)
        return out

    def fisher(
        self, D: np.ndarray | None, Si: np.ndarray, parts: dict[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """``D' H D`` with the normal-theory weight ``H`` (:meth:`weight`) at ``Si``.

        Without a mean structure and with ``parts`` (the LISREL matrices at the point of
        ``D``) the block structure of the derivatives is used (no ``D`` products; ``D`` may
        then be ``None``).
        """
        if parts is not None and self._lowrank is not None:
            H = 0.5 * self._trace_pair_lowrank(parts, Si, Si)
            return H if self._identity_K else self.K.T @ H @ self.K
        if D is None:
            raise ValueError("fisher needs D, or parts of a model without a mean structure")
        if self.meanstructure:
            return D.T @ self.weight(Si) @ D
        return 0.5 * self._trace_pair(D, Si, Si)

    def expected_information(self, theta: np.ndarray) -> np.ndarray:
        """Expected information per observation (lavaan's unit information)."""
        Sigma, mu, parts = self.implied(theta)
        _, Si = self.fmin_parts(Sigma, mu)
        if Si is None:
            return np.full((self.q, self.q), np.nan)
        return self.fisher(self.delta(parts), Si, parts)

    def _mpair(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """``tr(A E_u B E_v)`` for vech coordinates u, v (A, B symmetric)."""
        a, b = A.reshape(-1), B.reshape(-1)
        w = self._w
        if w is None:
            w = _weight_index(self.model.vech_r, self.model.vech_c, self.p, self._mult)
        w_aa, w_bb, w_ab, w_ba, w_fac = w
        return (
            a[w_ab] * b[w_ba] + a[w_aa] * b[w_bb]
            + a[w_bb] * b[w_aa] + a[w_ba] * b[w_ab]
        ) * w_fac

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Analytic Hessian of ``F_ML`` w.r.t. the reduced parameters.

        ``H = Delta' Q Delta + sum_k (dF/dsigma_k) d2 sigma_k / dtheta dtheta'``: ``Q`` the
        second derivatives of F w.r.t. (mu, vech Sigma) (``-tr(S^-1 dS S^-1 dS) +
        2 tr(S^-1 dS S^-1 T S^-1 dS)``, ``2 S^-1`` for the means, a mixed mean/covariance
        term), and the second derivatives of the LISREL moments, which are non-zero for
        pairs of loadings, loadings and Psi/B, Psi and B, B and B (and alpha for the means).
        """
        Sigma, mu, parts = self.implied(theta)
        _, Si = self.fmin_parts(Sigma, mu)
        if Si is None:
            return np.full((self.q, self.q), np.nan)
        return self._hessian_at(mu, parts, Si, self.delta_rows(parts) if self._lowrank is None else None)

    def _hessian_at(
        self, mu: np.ndarray, parts: dict[str, np.ndarray], Si: np.ndarray, D: np.ndarray | None,
        P: np.ndarray | None = None, W: np.ndarray | None = None,
    ) -> np.ndarray:
        """Hessian from the pieces of :meth:`_eval` (``D`` w.r.t. the free rows; ``P`` and
        ``W`` as returned by :meth:`_grad_moments`, computed here when not given)."""
        ms = self.meanstructure
        if ms:
            d = self.ybar - mu
        if P is None or W is None:
            T = self.S + np.outer(d, d) if ms else self.S
            P = Si @ T @ Si
            W = Si - P
        if not ms:
            # D' M(Si, 2P - Si) D (bilinear: 2 M(Si, P) - M(Si, Si)) by matrix products
            if self._lowrank is not None:
                H = self._trace_pair_lowrank(parts, Si, 2.0 * P - Si)
            else:
                assert D is not None
                H = self._trace_pair(D, Si, 2.0 * P - Si)
        else:
            Qss = self._mpair(Si, 2.0 * P - Si)
        if ms:
            p = self.p
            nv = len(self._vech_flat)
            Q = np.zeros((p + nv, p + nv))
            Q[:p, :p] = 2.0 * Si
            sd = Si @ d
            r, c = self.model.vech_r, self.model.vech_c
            # Q[i, (r, c)] = (sd_r Si_ci + sd_c Si_ri) * m / 2 * 2
            cross = (sd[r][None, :] * Si[:, c] + sd[c][None, :] * Si[:, r]) * self._mult[None, :]
            Q[:p, p:] = cross
            Q[p:, :p] = cross.T
            Q[p:, p:] = Qss
            assert D is not None
            H = D.T @ Q @ D
        # second-derivative terms: one gather of the small matrices (:func:`_second_plan`)
        L, A, M, LA = parts["Lambda"], parts["A"], parts["Veta"], parts["LA"]
        R = LA.T @ W  # (m, p)
        src = {"W": W, "M": M, "A": A, "R": R}
        if "N" in self._h2_names:  # only the Beta blocks use these
            N = M @ L.T @ W  # (m, p)
            src.update(N=N, Qm=R @ LA, U=N @ LA)
        if ms:
            h = -2.0 * (Si @ d)
            hLA = h @ LA
            Aal = A @ parts["alpha"]
            src.update(h=h, hLA=hLA, Y1=np.outer(h, Aal), Y2=np.outer(Aal, hLA))
        pos, ia, ib, coef = self._h2
        z = np.concatenate([src[k].reshape(-1) for k in self._h2_names])
        vals = z[ia]
        vals *= z[ib]
        vals *= coef
        nf = H.shape[0]
        H2 = np.bincount(pos, vals, minlength=nf * nf).reshape(nf, nf)
        H = H + H2
        H = 0.5 * (H + H.T)
        return H if self._identity_K else self.K.T @ H @ self.K

    def observed_information(self, theta: np.ndarray) -> np.ndarray:
        """Observed information per observation: the Hessian of ``F_ML / 2`` (analytic)."""
        return 0.5 * self.hessian(theta)

    def observed_information_numeric(self, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
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
    def _eval(self, theta: np.ndarray) -> _Point | None:
        """Every piece of one evaluation at ``theta`` (``None`` when Sigma is not PD)."""
        try:
            Sigma, mu, parts = self.implied(theta)
        except np.linalg.LinAlgError:
            return None
        F, Si = self.fmin_parts(Sigma, mu)
        if Si is None:
            return None
        gm, P, W = self._grad_moments(Si, mu)
        if self._lowrank is not None:
            # dF/dx_k = tr(dSigma_k W) = 2 c_k u_k' W v_k: no Delta inside the optimiser
            U, V, c = self._uvc(parts)
            g = 2.0 * c * np.einsum("ik,ik->k", U, W @ V)
            if not self._identity_K:
                g = g @ self.K
            return _Point(F, g, None, None, Sigma, mu, parts, Si, P, W)
        Draw = self.delta_rows(parts)
        D = Draw if self._identity_K else Draw @ self.K
        return _Point(F, D.T @ gm, D, Draw, Sigma, mu, parts, Si, P, W)

    def solution_at(
        self, theta: np.ndarray, *, iterations: int = 0, converged: bool = False, grad_max: float = np.inf
    ) -> MLSolution:
        """The moments at ``theta`` as an :class:`MLSolution` (for a point not found by
        :meth:`minimize`, e.g. an inadmissible start; ``Sigma_inv`` is ``None`` and ``F``
        infinite when Sigma is not positive definite).

        Raises
        ------
        numpy.linalg.LinAlgError
            When ``I - B`` is singular at ``theta``.
        """
        theta = np.array(theta, dtype=float)
        Sigma, mu, parts = self.implied(theta)
        F, Si = self.fmin_parts(Sigma, mu)
        return MLSolution(
            theta=theta, F=F, Sigma=Sigma, mu=mu, parts=parts, Sigma_inv=Si, Delta=self.delta(parts),
            iterations=iterations, converged=converged, grad_max=grad_max,
        )

    def minimize(
        self, theta0: np.ndarray, *, max_iter: int = 500, tol: float = 1e-10, n_fisher: int | None = None
    ) -> MLSolution | None:
        """Minimise ``F_ML``: Fisher scoring, then Newton with the analytic Hessian.

        The first ``n_fisher`` steps are Fisher-scoring steps (robust far from the optimum;
        default: 2 for models below :data:`LOWRANK_MIN_P` observed variables, whose dense
        Hessian costs about two Fisher informations, so that Newton's quadratic convergence
        pays from the third step (Holzinger-Swineford: 6 steps instead of 7); 3 above,
        where the Hessian costs more and Fisher scoring converges fast on large models);
        then Newton steps with the exact Hessian (:meth:`hessian`) converge quadratically;
        whenever the Hessian is not positive definite the step falls back to Fisher scoring.
        Every step uses a backtracking (Armijo) line search that also rejects
        non-positive-definite implied covariances. Converged means the largest absolute
        gradient element of ``F_ML`` is below ``tol``, or the Newton decrement
        ``g' H^-1 g`` is below ``tol^2`` (a scale-free criterion: the remaining distance
        to the optimum is then below ~1e-9 standard errors), or F stops decreasing at a
        decrement below ``1e-9`` (machine precision reached, e.g. for variables on a
        very large or small scale, where the absolute gradient cannot get below ``tol``).

        The kernel is not changed: the method can run in several threads at once.

        Returns
        -------
        MLSolution or None
            The solution record (the pieces of the last accepted evaluation); ``None`` when
            the implied covariance is not positive definite at ``theta0``.
        """
        theta = np.array(theta0, dtype=float)
        cur = self._eval(theta)
        if cur is None:
            return None
        if self.q == 0:
            return self._solution(theta, cur, 0, True, 0.0)
        if n_fisher is None:
            n_fisher = 2 if self._lowrank is None and self.p < LOWRANK_MIN_P else 3
        F, g = cur.F, cur.g
        gmax = float(np.abs(g).max())
        it = 0
        converged = False
        stalls = 0
        dec_tol = tol * tol
        while it < max_iter:
            if gmax < tol:
                converged = True
                break
            step = None
            if it >= n_fisher:
                Hm = self._hessian_at(cur.mu, cur.parts, cur.Si, cur.Draw, cur.P, cur.W)
                C, info = _dpotrf(Hm, lower=1, clean=1, overwrite_a=0)
                if info == 0:
                    sol, info = _dpotrs(C, g, lower=1)
                    step = -sol if info == 0 else None
            # a sum is finite only when every element is (inf - inf is NaN): one reduction
            if step is None or not math.isfinite(float(step.sum())):
                info2 = 2.0 * self.fisher(cur.D, cur.Si, cur.parts)
                C2, info = _dpotrf(info2, lower=1, clean=1, overwrite_a=0)
                if info == 0:
                    sol, info = _dpotrs(C2, g, lower=1)
                if info == 0:
                    step = -sol
                else:
                    try:
                        step = -np.linalg.solve(info2, g)
                    except np.linalg.LinAlgError:
                        step = -np.linalg.lstsq(info2, g, rcond=None)[0]
            slope = float(g @ step)
            if math.isfinite(slope) and -slope < dec_tol:
                # Newton (or Fisher) decrement below tolerance: converged at machine
                # precision whatever the scale of the variables
                converged = True
                break
            if not math.isfinite(slope) or slope >= 0:
                step = -g * (1.0 / max(1.0, float(np.max(np.abs(g)))))
                slope = float(g @ step)
            t = 1.0
            trial = None
            for _ in range(60):
                theta_t = theta + step if t == 1.0 else theta + t * step
                trial = self._eval(theta_t)
                if trial is not None and trial.F <= F + 1e-4 * t * slope + 1e-14 * max(1.0, abs(F)):
                    break
                trial = None
                t *= 0.5
            if trial is None:
                break
            # stall at machine precision: a tiny decrement and no decrease of F
            if -slope < 1e-9 * max(1.0, abs(F)) and trial.F >= F - 1e-15 * max(1.0, abs(F)):
                stalls += 1
            else:
                stalls = 0
            theta = theta_t
            cur = trial
            F, g = cur.F, cur.g
            if stalls >= 2:
                converged = True
                gmax = float(np.abs(g).max())
                it += 1
                break
            gmax = float(np.abs(g).max())
            it += 1
        else:
            converged = gmax < tol
        return self._solution(theta, cur, it, bool(converged), gmax)

    def _solution(self, theta: np.ndarray, pt: _Point, iterations: int, converged: bool, grad_max: float) -> MLSolution:
        D = pt.D if pt.D is not None else self.delta(pt.parts)
        return MLSolution(
            theta=theta, F=pt.F, Sigma=pt.Sigma, mu=pt.mu, parts=pt.parts, Sigma_inv=pt.Si, Delta=D,
            iterations=int(iterations), converged=bool(converged), grad_max=float(grad_max),
        )
