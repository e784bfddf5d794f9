"""LISREL representation of a parameter table: Lambda, Theta, Psi, Beta (nu, alpha).

The model-implied moments are (all-y LISREL notation, as lavaan's
``lav_representation_lisrel``)

.. math::

    \\Sigma = \\Lambda (I - B)^{-1} \\Psi (I - B)^{-T} \\Lambda^\\top + \\Theta, \\qquad
    \\mu = \\nu + \\Lambda (I - B)^{-1} \\alpha .

Observed variables that take part in regressions (``y ~ x`` with observed ``y`` or ``x``)
become "phantom" latent variables with a loading fixed to 1 and no residual variance, so
that their regressions live in ``B`` and their (residual) variances in ``Psi``; the
implied moments are the same as lavaan's.

:class:`LisrelModel` precomputes every index map once, so that :meth:`LisrelModel.implied`
and :meth:`LisrelModel.delta` are a handful of small dense numpy operations (no pandas, no
Python loops over parameters) and can be called thousands of times.

Reference: Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley, ch. 8.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from acsi._linalg import vech_indices
from acsi.exceptions import SpecificationError
from acsi.spec.partable import ParameterTable

__all__ = ["LisrelModel", "vech_indices"]

# matrix codes
_LAMBDA, _THETA, _PSI, _BETA, _NU, _ALPHA = range(6)


@dataclass(frozen=True, eq=False)
class LisrelModel:
    """Index maps between the parameter table and the LISREL matrices.

    Attributes
    ----------
    ov_names : tuple of str
        Observed variables (rows of Lambda, order of Sigma).
    eta_names : tuple of str
        Latent variables: the model's factors, then the phantom latents of observed
        variables in the structural part.
    p, m : int
        Numbers of observed and latent variables.
    meanstructure : bool
    rows_mat, rows_i, rows_j : ndarray
        For each parameter-table row (``:=`` rows excluded) its matrix code and position.
    """

    ov_names: tuple[str, ...]
    eta_names: tuple[str, ...]
    p: int
    m: int
    meanstructure: bool
    rows_mat: np.ndarray
    rows_i: np.ndarray
    rows_j: np.ndarray
    n_rows: int
    lambda_base: np.ndarray
    # flat scatter maps per matrix (targets in ravel order, source row index)
    _scatter: tuple[tuple[np.ndarray, np.ndarray], ...]
    vech_r: np.ndarray
    vech_c: np.ndarray
    phantom: tuple[str, ...]
    has_beta: bool = True
    # one buffer for all six matrices (see _pack), built with the model
    _packed: tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_packed", self._pack())

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_partable(cls, pt: ParameterTable) -> LisrelModel:
        """Compile the index maps of ``pt``."""
        ov = list(pt.ov_names)
        lv = list(pt.lv_names)
        ovset = set(ov)
        # phantom latents: observed variables in regressions, closed over covariances
        phantom = set()
        for a, o, b in zip(pt.lhs, pt.op, pt.rhs):
            if o == "~":
                for v in (a, b):
                    if v in ovset:
                        phantom.add(v)
        changed = True
        lvset = set(lv)
        while changed:
            changed = False
            for a, o, b in zip(pt.lhs, pt.op, pt.rhs):
                if o == "~~" and a != b:
                    in_eta_a = a in lvset or a in phantom
                    in_eta_b = b in lvset or b in phantom
                    if in_eta_a != in_eta_b:
                        v = b if in_eta_a else a
                        if v in ovset and v not in phantom:
                            phantom.add(v)
                            changed = True
        phantom_list = [v for v in ov if v in phantom]
        eta = lv + phantom_list
        p, m = len(ov), len(eta)
        ov_idx = {v: i for i, v in enumerate(ov)}
        eta_idx = {v: i for i, v in enumerate(eta)}
        lambda_base = np.zeros((p, m))
        for v in phantom_list:
            lambda_base[ov_idx[v], eta_idx[v]] = 1.0

        n = sum(1 for o in pt.op if o != ":=")
        rm = np.full(n, -1, dtype=np.intp)
        ri = np.zeros(n, dtype=np.intp)
        rj = np.zeros(n, dtype=np.intp)
        for k in range(n):
            a, o, b = pt.lhs[k], pt.op[k], pt.rhs[k]
            if o == "=~":
                if b in eta_idx:
                    rm[k], ri[k], rj[k] = _BETA, eta_idx[b], eta_idx[a]
                else:
                    rm[k], ri[k], rj[k] = _LAMBDA, ov_idx[b], eta_idx[a]
            elif o == "~":
                if a not in eta_idx or b not in eta_idx:  # pragma: no cover - by construction
                    raise SpecificationError(f"cannot place the regression {pt.where[k] or f'{a} {o} {b}'}")
                rm[k], ri[k], rj[k] = _BETA, eta_idx[a], eta_idx[b]
            elif o == "~~":
                if a in eta_idx and b in eta_idx:
                    i, j = eta_idx[a], eta_idx[b]
                    rm[k], ri[k], rj[k] = _PSI, max(i, j), min(i, j)
                elif a in ov_idx and b in ov_idx:
                    i, j = ov_idx[a], ov_idx[b]
                    rm[k], ri[k], rj[k] = _THETA, max(i, j), min(i, j)
                else:
                    raise SpecificationError(
                        f"the covariance {a} ~~ {b} ({pt.where[k] or f'{a} {o} {b}'}) joins an observed and a latent "
                        "variable, which a covariance-based SEM cannot represent"
                    )
            elif o == "~1":
                if a in eta_idx:
                    rm[k], ri[k] = _ALPHA, eta_idx[a]
                else:
                    rm[k], ri[k] = _NU, ov_idx[a]
            elif o in ("|", "~*~"):  # thresholds and scale factors: not in LISREL (cbsem.dwls)
                continue
            else:  # pragma: no cover - partable holds no other operators
                raise SpecificationError(f"operator {o!r} cannot be estimated ({pt.where[k] or f'{a} {o} {b}'})")
        # scatter maps
        scat = []
        shapes = {_LAMBDA: (p, m), _THETA: (p, p), _PSI: (m, m), _BETA: (m, m), _NU: (p, 1), _ALPHA: (m, 1)}
        for code in range(6):
            rows = np.flatnonzero(rm == code)
            nr, nc = shapes[code]
            tgt = ri[rows] * nc + rj[rows]
            src = rows
            if code in (_THETA, _PSI):
                off = ri[rows] != rj[rows]
                tgt = np.concatenate([tgt, rj[rows][off] * nc + ri[rows][off]])
                src = np.concatenate([src, rows[off]])
            scat.append((tgt.astype(np.intp), src.astype(np.intp)))
        vr, vc = vech_indices(p)
        return cls(
            ov_names=tuple(ov),
            eta_names=tuple(eta),
            p=p,
            m=m,
            meanstructure=pt.meanstructure,
            rows_mat=rm,
            rows_i=ri,
            rows_j=rj,
            n_rows=n,
            lambda_base=lambda_base,
            _scatter=tuple(scat),
            vech_r=vr,
            vech_c=vc,
            phantom=tuple(phantom_list),
            has_beta=bool(np.any(rm == _BETA)),
        )

    # ------------------------------------------------------------------ matrices
    def _pack(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
        """One buffer for all six matrices: its template (Lambda's fixed base, zeros), the
        combined scatter targets and sources, and the offsets of the matrices in it."""
        p, m = self.p, self.m
        sizes = (p * m, p * p, m * m, m * m, p, m)
        offs = [0]
        for size in sizes:
            offs.append(offs[-1] + size)
        base = np.zeros(offs[-1])
        base[: p * m] = self.lambda_base.reshape(-1)
        tgt = np.concatenate([t + offs[k] for k, (t, _) in enumerate(self._scatter)]).astype(np.intp, copy=False)
        src = np.concatenate([s_ for _, s_ in self._scatter]).astype(np.intp, copy=False)
        for arr in (base, tgt, src):
            arr.flags.writeable = False
        return base, tgt, src, tuple(offs)

    def matrices(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        """Lambda, Theta, Psi, Beta, nu, alpha from the row values ``x``."""
        base, tgt, src, _ = self._packed
        buf = base.copy()
        buf[tgt] = x[src]
        return self._unpack(buf)

    def _unpack(self, buf: np.ndarray) -> tuple[np.ndarray, ...]:
        """The six matrices as views of the packed buffer (see :attr:`_packed`)."""
        p, m = self.p, self.m
        o = self._packed[3]
        return (
            buf[o[0]:o[1]].reshape(p, m),
            buf[o[1]:o[2]].reshape(p, p),
            buf[o[2]:o[3]].reshape(m, m),
            buf[o[3]:o[4]].reshape(m, m),
            buf[o[4]:o[5]],
            buf[o[5]:o[6]],
        )

    def free_scatter(
        self, x_base: np.ndarray, free_rows: np.ndarray, par_of_free: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Packed buffer with the values of ``x_base`` and the map of free parameters into it.

        Returns ``(buf0, tgt, par)`` such that ``buf = buf0.copy(); buf[tgt] = theta[par]``
        is the packed buffer of ``x`` with ``x[free_rows] = theta[par_of_free]`` (the
        same values as :meth:`matrices` of that ``x``, without forming ``x``).
        """
        base, tgt, src, _ = self._packed
        buf0 = base.copy()
        buf0[tgt] = x_base[src]
        pos = np.full(self.n_rows, -1, dtype=np.intp)
        pos[free_rows] = par_of_free
        p_src = pos[src]
        keep = p_src >= 0
        return buf0, tgt[keep], p_src[keep]

    def implied(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Implied covariance, implied mean and the intermediate matrices.

        Returns
        -------
        Sigma : (p, p) ndarray
        mu : (p,) ndarray
            ``nu + Lambda A alpha`` (zeros without a mean structure).
        parts : dict
            ``Lambda, Theta, Psi, Beta, nu, alpha, A = (I-B)^-1, LA = Lambda A,
            Veta = A Psi A'`` (the latent covariance matrix).
        """
        base, tgt, src, _ = self._packed
        buf = base.copy()
        buf[tgt] = x[src]
        return self.implied_packed(buf)

    def implied_packed(self, buf: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """:meth:`implied` from the packed buffer of the six matrices."""
        L, T, P, B, nu, al = self._unpack(buf)
        if self.has_beta:
            A = np.linalg.inv(np.eye(self.m) - B)
            LA = L @ A
            Veta = A @ P @ A.T
        else:
            A = _identity(self.m)
            LA = L
            Veta = P
        G = L @ Veta
        Sigma = G @ L.T + T
        Sigma = 0.5 * (Sigma + Sigma.T)
        # without a mean structure nu and alpha are zero, and so is mu
        mu = nu + LA @ al if self.meanstructure else nu
        return Sigma, mu, {
            "Lambda": L, "Theta": T, "Psi": P, "Beta": B, "nu": nu, "alpha": al,
            "A": A, "LA": LA, "Veta": Veta, "G": G,
        }

    def delta_plan(self, rows: np.ndarray) -> DeltaPlan:
        """Precompute the gathers of :meth:`delta` for the table rows ``rows``."""
        return DeltaPlan(self, np.asarray(rows, dtype=np.intp))

    def delta(self, parts: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray:
        """Jacobian of (mean part if meanstructure, vech(Sigma)) w.r.t. the values of ``rows``.

        Parameters
        ----------
        parts : dict
            From :meth:`implied`.
        rows : ndarray of int
            Parameter-table rows (free parameters), one column each.

        Returns
        -------
        ndarray of shape ([p +] p*, len(rows))
        """
        return self.delta_plan(rows)(parts)


@lru_cache(maxsize=32)
def _identity(m: int) -> np.ndarray:
    """Read-only identity matrix (``(I - B)^-1`` of a model without regressions)."""
    eye = np.eye(m)
    eye.flags.writeable = False
    return eye


class DeltaPlan:
    """Index arrays for the vectorised Jacobian of (mu, vech Sigma) (built once per fit).

    With ``G = Lambda Veta`` and ``LA = Lambda (I-B)^-1`` the derivative of
    ``Sigma_ab`` is ``[a=i] G_bj + G_aj [b=i]`` for ``Lambda_ij``, ``[a=i][b=j] +
    [a=j][b=i]`` for ``Theta_ij``, ``LA_ai LA_bj + LA_aj LA_bi`` for ``Psi_ij`` (halved on
    the diagonal) and ``LA_ai G_bj + LA_bi G_aj`` for ``B_ij``; with a mean structure the
    derivative of ``mu_r`` is ``[r=i]`` for ``nu_i``, ``LA_ri`` for ``alpha_i``,
    ``[r=i] (A alpha)_j`` for ``Lambda_ij`` and ``LA_ri (A alpha)_j`` for ``B_ij``.

    Every element has the form ``(v[I1] v[I2] + v[I3] v[I4]) c`` with
    ``v = [G, LA, A alpha, 1, 0]`` (flattened), so the whole Jacobian is four gathers
    with precomputed index arrays ``I1..I4`` and a factor ``c`` (1, or 1/2 for the
    diagonal of Psi); the elements that are zero by structure (a loading's column outside
    its indicator's rows, ...; most of them) are left out of the gathers.
    """

    def __init__(self, model: LisrelModel, rows: np.ndarray) -> None:
        m, p = model.m, model.p
        ms = model.meanstructure
        self.meanstructure = ms
        a = model.vech_r[:, None]
        b = model.vech_c[:, None]
        code = model.rows_mat[rows]
        ii = model.rows_i[rows]
        jj = model.rows_j[rows]
        self.nv = len(model.vech_r)
        self.k = len(rows)
        self.p = p
        pm = p * m
        o_la, o_al = pm, 2 * pm  # G starts at 0
        one = 2 * pm + (m if ms else 0)
        zero = one + 1
        L, T = (code == _LAMBDA)[None, :], (code == _THETA)[None, :]
        P, B = (code == _PSI)[None, :], (code == _BETA)[None, :]
        PB = P | B
        i, j = ii[None, :], jj[None, :]
        am, bm = a * m, b * m
        a_i, b_i = a == i, b == i
        ami, amj, bmi, bmj = am + i, am + j, bm + i, bm + j
        t_const = (a_i & (b == j)) | ((a == j) & b_i)
        w = np.where
        I1 = w(L, w(a_i, one, zero), w(T, w(t_const, one, zero), w(PB, o_la + ami, zero)))
        I2 = w(L | B, bmj, w(T, one, w(P, o_la + bmj, zero)))
        I3 = w(L, amj, w(P, o_la + amj, w(B, o_la + bmi, zero)))
        I4 = w(L, w(b_i, one, zero), w(P, o_la + bmi, w(B, amj, zero)))
        # the factor depends on the column only (1/2 for Psi diagonal columns, whose mean
        # rows are zero anyway): one row, broadcast in __call__
        pdiag = P & (i == j)
        coef = w(pdiag, 0.5, 1.0) if pdiag.any() else None
        if ms:
            r = np.arange(p)[:, None]
            NL = (code == _NU)[None, :] | L
            AB = (code == _ALPHA)[None, :] | B
            M1 = w(NL, w(r == i, one, zero), w(AB, o_la + r * m + i, zero))
            M2 = np.repeat(w(NL & ~L, one, w(AB & ~B, one, w(L | B, o_al + j, zero))), p, axis=0)
            Mz = np.full(M1.shape, zero, dtype=np.intp)
            I1, I2, I3, I4 = (np.vstack([M1, I1]), np.vstack([M2, I2]), np.vstack([Mz, I3]),
                              np.vstack([Mz, I4]))
        # most elements are structurally zero (both products gather the zero): only the
        # others are gathered, by flat position, and scattered into zeros (the same values)
        nz = ~(((I1 == zero) | (I2 == zero)) & ((I3 == zero) | (I4 == zero)))
        self.shape = I1.shape
        self._pos = np.flatnonzero(nz)
        self._I = tuple(a[nz] for a in (I1, I2, I3, I4))
        self._coef = None if coef is None else np.broadcast_to(coef, I1.shape)[nz]
        for arr in (self._pos, *self._I) + (() if self._coef is None else (self._coef,)):
            arr.flags.writeable = False
        self._tail = np.array([1.0, 0.0])

    def __call__(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        LA = parts["LA"].reshape(-1)
        G = parts.get("G")
        G = (parts["Lambda"] @ parts["Veta"] if G is None else G).reshape(-1)
        if self.meanstructure:
            v = np.concatenate([G, LA, parts["A"] @ parts["alpha"], self._tail])
        else:
            v = np.concatenate([G, LA, self._tail])
        I1, I2, I3, I4 = self._I
        vals = v[I1] * v[I2] + v[I3] * v[I4]
        if self._coef is not None:
            vals *= self._coef
        out = np.zeros(self.shape)
        out.reshape(-1)[self._pos] = vals
        return out
