"""Standardized solutions (``std_lv``, ``std_all``), defined parameters and R-squared.

As lavaan's ``standardizedSolution()`` / ``parameterEstimates(standardized = TRUE)``:

* ``std_lv``: latent variables scaled to unit variance (``sd`` from the implied latent
  covariance ``Veta = (I-B)^-1 Psi (I-B)^-T``): loadings times ``sd(factor)``,
  regressions times ``sd(rhs) / sd(lhs)``, latent (residual) variances divided by the
  variance, latent covariances divided by the square roots of the two (residual)
  variance *estimates*;
* ``std_all``: in addition observed variables scaled by their implied standard deviation
  (``sqrt(diag(Sigma))``); residual variances divided by the implied variance, residual
  covariances by the square roots of the two residual variance estimates;
* defined parameters (``:=``) are their expression evaluated on the standardized values;
* R-squared of every indicator and dependent variable is ``1 - std_all`` of its
  (residual) variance row (NaN when above 1).

Reference: Rosseel, Y. (2012). lavaan. *J. Stat. Softw.* 48(2) (``lav_standardize_lv``,
``lav_standardize_all``, ``lav_object_inspect_rsquare``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from acsi.cbsem.matrices import LisrelModel
from acsi.exceptions import AcsiWarning, warn
from acsi.spec.partable import ParameterTable
from acsi.spec.syntax import compile_expression

__all__ = [
    "STD_TYPES", "StdPlan", "batched_implied_diagonals", "defined_function", "nonfinite_defined",
    "r_squared", "standardize", "standardized_jacobian", "standardized_values",
]


def _label_rows(pt: ParameterTable) -> dict[str, int]:
    """The row of every label (its first row; ``:=`` rows excluded)."""
    first: dict[str, int] = {}
    for k, lab in enumerate(pt.label):
        if lab and pt.op[k] != ":=" and lab not in first:
            first[lab] = k
    return first


def defined_function(pt: ParameterTable) -> Callable[[np.ndarray], np.ndarray]:
    """A function mapping the row values (``:=`` rows excluded) to the ``:=`` values.

    Labels take the value of their (first) row; later ``:=`` may use earlier ones. Works
    with complex arrays (for complex-step derivatives). The evaluation is bounded float
    arithmetic (:func:`acsi.spec.syntax.compile_expression`) and never raises on
    arithmetic: a value outside a function's domain, a division by zero or an overflow
    gives ``nan``/``inf``, which :func:`nonfinite_defined` reports.
    """
    n_def = [k for k, o in enumerate(pt.op) if o == ":="]
    first = _label_rows(pt)
    compiled = [compile_expression(pt.rhs[k]) for k in n_def]
    names = [pt.lhs[k] for k in n_def]

    def f(x: np.ndarray) -> np.ndarray:
        env: dict[str, object] = {lab: x[k] for lab, k in first.items()}
        out = []
        for name, (fn, _) in zip(names, compiled):
            v = fn(env)
            env[name] = v
            out.append(v)
        return np.asarray(out, dtype=x.dtype if np.iscomplexobj(x) else float)

    return f


def nonfinite_defined(
    pt: ParameterTable, x: np.ndarray, values: np.ndarray, se: np.ndarray | None = None,
    *, what: str = "estimate",
) -> np.ndarray:
    """Warn about every ``:=`` parameter whose value (or standard error) is not finite.

    Parameters
    ----------
    pt : ParameterTable
    x : ndarray
        The row values the ``:=`` values were computed from (``:=`` rows excluded).
    values : ndarray
        The ``:=`` values, in the order of the ``:=`` rows.
    se : ndarray, optional
        Their standard errors.
    what : str
        What ``values`` are (``"estimate"``, ``"standardized value"``), for the message.

    Returns
    -------
    ndarray of bool
        True for the ``:=`` rows whose value is not finite (to report as NaN); a
        standard error that is not finite is warned about but not part of the mask.

    Warns
    -----
    acsi.AcsiWarning
        Naming the parameter, its line, the values of the labels it uses and the reason.
    """
    n_def = [k for k, o in enumerate(pt.op) if o == ":="]
    values = np.asarray(values)
    bad_val = ~np.isfinite(values)
    bad_se = np.zeros(len(n_def), dtype=bool) if se is None else ~np.isfinite(np.asarray(se)) & ~bad_val
    first = _label_rows(pt)
    for j in np.flatnonzero(bad_val | bad_se):
        k = n_def[j]
        _, used = compile_expression(pt.rhs[k])
        at = ", ".join(f"{u} = {float(np.real(x[first[u]])):.6g}" for u in used if u in first)
        where = pt.where[k] or f"{pt.lhs[k]} := {pt.rhs[k]}"
        if bad_val[j]:
            msg = (
                f"the defined parameter {pt.lhs[k]!r} ({where}) is not a finite number at the "
                f"{what}{' (' + at + ')' if at else ''}: the expression takes a square root or "
                "logarithm outside its domain (a negative number, log(0)), divides by zero or "
                f"overflows; its {what} and standard error are reported as NaN. Check the "
                "expression and the signs of the parameters it uses"
            )
        else:
            msg = (
                f"the standard error of the defined parameter {pt.lhs[k]!r} ({where}) is not "
                f"finite at the {what}{' (' + at + ')' if at else ''}: the expression is not "
                "differentiable there (e.g. sqrt(0)) or its derivative overflows; the standard "
                "error is reported as NaN"
            )
        warn(msg, AcsiWarning)
    return bad_val


def _table_plan(pt: ParameterTable, eta_names: tuple[str, ...]) -> tuple[StdPlan, np.ndarray]:
    """:class:`StdPlan` of every row of ``pt`` and the positions of its factors in
    ``eta_names`` (cached per table: both depend on it only)."""
    key = (pt, eta_names)
    hit = _TABLE_PLANS.get(key)
    if hit is None:
        eidx = {v: i for i, v in enumerate(eta_names)}
        hit = (StdPlan(pt.lhs, pt.op, pt.rhs, pt.lv_names, pt.ov_names, pt.ov_x),
               np.array([eidx[v] for v in pt.lv_names], dtype=np.intp))
        if len(_TABLE_PLANS) >= 64:
            _TABLE_PLANS.clear()
        _TABLE_PLANS[key] = hit
    return hit


_TABLE_PLANS: dict[tuple[ParameterTable, tuple[str, ...]], tuple[StdPlan, np.ndarray]] = {}
_ONE_NAN = np.array([1.0, np.nan])
_ONE_NAN.flags.writeable = False


def standardize(
    pt: ParameterTable,
    est: np.ndarray,
    Sigma: np.ndarray,
    Veta: np.ndarray,
    eta_names: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """``std_lv`` and ``std_all`` for every table row (``:=`` rows included).

    ``std_lv`` scales by the latent variables' implied SDs (loadings times the factor SD,
    regressions by the SDs of both latent ends, latent (co)variances by the SDs or, for
    covariances, the residual SDs); ``std_all`` also by the observed variables' implied
    SDs (residual SDs for covariances of observed variables), as lavaan's
    ``standardizedSolution``. Defined parameters (``:=``) are their expressions of the
    standardized values.

    Parameters
    ----------
    pt : ParameterTable
    est : ndarray
        Estimates of every row (``:=`` rows may hold anything; they are recomputed).
    Sigma : (p, p) ndarray
        Implied covariance of ``pt.ov_names``.
    Veta : (m, m) ndarray
        Implied latent covariance of ``eta_names`` (factors first).
    eta_names : tuple of str

    Returns
    -------
    std_lv, std_all : ndarray
    """
    est = np.asarray(est, dtype=float)
    plan, lv_pos = _table_plan(pt, eta_names if isinstance(eta_names, tuple) else tuple(eta_names))
    s_lv, s_all = plan.lv_all(est, np.diagonal(Sigma), np.diagonal(Veta)[lv_pos])
    def_rows = [k for k, o in enumerate(pt.op) if o == ":="]
    if def_rows:
        f = defined_function(pt)
        d_lv, d_all = f(s_lv), f(s_all)
        ok = np.isfinite(np.asarray(est, dtype=float)[def_rows])
        # the estimate's own warning covers a non-finite estimate; warn for the rest
        bad = nonfinite_defined(pt, s_lv, np.where(ok, d_lv, 0.0), what="standardized (std.lv) value")
        d_lv[bad | ~ok] = np.nan
        bad = nonfinite_defined(pt, s_all, np.where(ok, d_all, 0.0), what="standardized (std.all) value")
        d_all[bad | ~ok] = np.nan
        s_lv[def_rows] = d_lv
        s_all[def_rows] = d_all
    return s_lv, s_all


def r_squared(pt: ParameterTable, std_all: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Names and R-squared of indicators and dependent variables (lavInspect "r2")."""
    y = set(pt.rhs[k] for k in range(len(pt)) if pt.op[k] == "=~") | set(
        pt.lhs[k] for k in range(len(pt)) if pt.op[k] == "~"
    )
    names, vals = [], []
    for k in range(len(pt)):
        if pt.op[k] == "~~" and pt.lhs[k] == pt.rhs[k] and pt.lhs[k] in y:
            r2 = 1.0 - std_all[k]
            names.append(pt.lhs[k])
            vals.append(np.nan if r2 > 1 else r2)
    return names, np.asarray(vals, dtype=float)


# --------------------------------------------------------------------------- vectorised plan
#
# lavaan's three standardizations (``lav_standardize_lv``, ``lav_standardize_all``,
# ``lav_standardize_all_nox``) multiply every row's estimate by a product of at most four
# scale factors taken from one vector per evaluation point,
#
#     v = [1, nan, sd(eta), sd(ov), var(ov), rv(lv), rv(ov)]
#
# (``sd(eta)`` from the implied latent covariance, ``sd(ov)``/``var(ov)`` from the implied
# observed covariance, ``rv`` the square roots of the (residual) variance estimates, used for
# covariances: lavaan's ``cov.std = TRUE``). :class:`StdPlan` holds the four gather indices
# per row and type, built once per parameter table; :meth:`StdPlan.values` evaluates them for
# a whole stack of points at once (the columns of a complex-step Jacobian), so the delta
# method needs one batched evaluation instead of a Python loop over the parameters.

STD_TYPES = ("std.all", "std.lv", "std.nox")


class StdPlan:
    """Gather indices of lavaan's standardizations for one group's parameter-table rows.

    Parameters
    ----------
    lhs, op, rhs : sequence of str
        The group's rows (``:=`` rows excluded).
    lv_names : sequence of str
        The factors (lavaan's ``lv``), in the order of the first rows/columns of ``Veta``.
    ov_names : sequence of str
        The observed variables, in the order of ``Sigma``.
    ov_x : sequence of str
        Observed exogenous covariates (lavaan's ``ov.x``; not rescaled by ``std.nox``).

    Notes
    -----
    The plan is plain index arrays (no state between calls), so one plan serves every
    evaluation of a fit (point estimate, Jacobian, bootstrap replicates). A multigroup fit
    builds one plan per group.
    """

    def __init__(
        self,
        lhs: tuple[str, ...] | list[str],
        op: tuple[str, ...] | list[str],
        rhs: tuple[str, ...] | list[str],
        lv_names: tuple[str, ...] | list[str],
        ov_names: tuple[str, ...] | list[str],
        ov_x: tuple[str, ...] | list[str] = (),
    ) -> None:
        n = len(lhs)
        nl, p = len(lv_names), len(ov_names)
        lv = {v: i for i, v in enumerate(lv_names)}
        ov = {v: i for i, v in enumerate(ov_names)}
        ovx = set(ov_x)
        ONE, NAN = 0, 1
        o_eta, o_sd, o_var = 2, 2 + nl, 2 + nl + p
        o_rvl, o_rvo = 2 + nl + 2 * p, 2 + 2 * nl + 2 * p
        self.n_rows, self.n_lv, self.p = n, nl, p
        self.lv_index = np.array([lv[v] for v in lv_names], dtype=np.intp)
        # rows of the (residual) variances used for covariances (lavaan's rv.idx)
        rv_lv = np.full(nl, -1, dtype=np.intp)
        rv_ov = np.full(p, -1, dtype=np.intp)
        rv_ov_nox = np.full(p, -1, dtype=np.intp)
        for k in range(n):
            if op[k] == "~~" and lhs[k] == rhs[k]:
                a = lhs[k]
                if a in lv:
                    rv_lv[lv[a]] = k
                elif a in ov:
                    rv_ov[ov[a]] = k
                    if a not in ovx:
                        rv_ov_nox[ov[a]] = k
        self.rv_lv, self.rv_ov, self.rv_ov_nox = rv_lv, rv_ov, rv_ov_nox

        def eta(v: str) -> int:
            return o_eta + lv[v] if v in lv else NAN

        def sd(v: str) -> int:
            return o_sd + ov[v] if v in ov else NAN

        def rvl(v: str) -> int:
            return o_rvl + lv[v] if v in lv and rv_lv[lv[v]] >= 0 else NAN

        def rvo(v: str, nox: bool) -> int:
            if v not in ov:
                return NAN
            r = (rv_ov_nox if nox else rv_ov)[ov[v]]
            return o_rvo + ov[v] if r >= 0 else NAN

        idx = {t: np.full((4, n), ONE, dtype=np.intp) for t in ("lv_num", "lv_den", "all_num", "all_den",
                                                                  "nox_num", "nox_den")}
        for k in range(n):
            a, o, b = lhs[k], op[k], rhs[k]
            ln, ld = [ONE, ONE], [ONE, ONE]
            an, ad = [ONE, ONE], [ONE, ONE]
            xn, xd = [ONE, ONE], [ONE, ONE]
            if o == "=~":
                ln[0] = eta(a)
                if b in lv:
                    ld[0] = eta(b)
                else:
                    ad[0] = xd[0] = sd(b)
            elif o == "~":
                if a in lv:
                    ld[0] = eta(a)
                if b in lv:
                    ln[0] = eta(b)
                if a in ov:
                    ad[0] = xd[0] = sd(a)
                if b in ov:
                    an[0] = sd(b)
                    if b not in ovx:
                        xn[0] = sd(b)
            elif o == "~~":
                if a == b:
                    if a in lv:
                        ld = [eta(a), eta(a)]
                    else:
                        ad[0] = o_var + ov[a] if a in ov else NAN
                        if a not in ovx:
                            xd[0] = ad[0]
                else:
                    if a in lv:
                        ld[0] = rvl(a)
                    else:
                        ad[0] = rvo(a, False)
                        if a not in ovx:
                            xd[0] = rvo(a, True)
                    if b in lv:
                        ld[1] = rvl(b)
                    else:
                        ad[1] = rvo(b, False)
                        if b not in ovx:
                            xd[1] = rvo(b, True)
            elif o == "~1":
                if a in lv:
                    ld[0] = eta(a)
                else:
                    ad[0] = sd(a)
                    if a not in ovx:
                        xd[0] = sd(a)
            elif o == "|":  # threshold of an ordinal item: on the scale of its latent response
                ad[0] = xd[0] = sd(a)
            elif o == "~*~":  # scale factor: 1 on the standardized scale
                an[0] = xn[0] = sd(a)
            idx["lv_num"][:2, k], idx["lv_den"][:2, k] = ln, ld
            idx["all_num"][:2, k], idx["all_den"][:2, k] = ln, ld
            idx["all_num"][2:, k], idx["all_den"][2:, k] = an, ad
            idx["nox_num"][:2, k], idx["nox_den"][:2, k] = ln, ld
            idx["nox_num"][2:, k], idx["nox_den"][2:, k] = xn, xd
        self._idx = {k: v for k, v in idx.items()}
        self._size = o_rvo + p
        # one point's std.lv and std.all (:meth:`lv_all`): the four factor products in one gather
        self._lv_all = np.stack([idx["lv_num"], idx["lv_den"], idx["all_num"], idx["all_den"]])
        rv = np.concatenate([rv_lv, rv_ov])
        self._rv_rows, self._rv_missing = np.maximum(rv, 0), np.flatnonzero(rv < 0)

    def scale_vector(
        self, est: np.ndarray, sigma_diag: np.ndarray, veta_diag: np.ndarray, *, nox: bool = False
    ) -> np.ndarray:
        """The scale vectors ``v`` for a stack of points, shape ``(batch, size)``.

        ``est`` (batch, n_rows), ``sigma_diag`` (batch, p), ``veta_diag`` (batch, >= n_lv)
        may be complex (a complex-step evaluation); real input follows lavaan's real-valued
        rules (negative latent variances and implied variances that are zero or negative
        give NaN; residual variances enter as ``sqrt(|est|)``), complex input lavaan's
        complex ones (``sqrt(est)``).
        """
        est = np.atleast_2d(est)
        sd2 = np.atleast_2d(sigma_diag)
        eta2 = np.atleast_2d(veta_diag)[:, : self.n_lv]
        cplx = np.iscomplexobj(est) or np.iscomplexobj(sd2) or np.iscomplexobj(eta2)
        b = est.shape[0]
        v = np.empty((b, self._size), dtype=complex if cplx else float)
        v[:, 0] = 1.0
        v[:, 1] = np.nan
        nl, p = self.n_lv, self.p
        rv_ov = self.rv_ov_nox if nox else self.rv_ov
        if cplx:
            eta = np.sqrt(eta2)
            var = sd2
            sd = np.sqrt(sd2)
            rvl = np.where(self.rv_lv >= 0, np.sqrt(est[:, np.maximum(self.rv_lv, 0)]), np.nan)
            rvo = np.where(rv_ov >= 0, np.sqrt(est[:, np.maximum(rv_ov, 0)]), np.nan)
        else:
            with np.errstate(invalid="ignore"):
                eta = np.sqrt(np.where(eta2 < 0, np.nan, eta2))
                var = np.where(np.abs(sd2) < np.finfo(float).eps, np.nan, sd2)
                sd = np.sqrt(np.where(var < 0, np.nan, var))
            rvl = np.where(self.rv_lv >= 0, np.sqrt(np.abs(est[:, np.maximum(self.rv_lv, 0)])), np.nan)
            rvo = np.where(rv_ov >= 0, np.sqrt(np.abs(est[:, np.maximum(rv_ov, 0)])), np.nan)
        o = 2
        v[:, o:o + nl] = eta
        o += nl
        v[:, o:o + p] = sd
        o += p
        v[:, o:o + p] = var
        o += p
        v[:, o:o + nl] = rvl
        o += nl
        v[:, o:o + p] = rvo
        return v

    def lv_all(
        self, est: np.ndarray, sigma_diag: np.ndarray, veta_diag: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``std.lv`` and ``std.all`` of one real point (vectors): :meth:`values` of the two
        kinds with the scale vector built once and each row's four numerator and four
        denominator factors multiplied in one gather (the same factors, so the same values
        up to the order of the products)."""
        est = np.asarray(est, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            eta2 = veta_diag[: self.n_lv]
            var = np.where(np.abs(sigma_diag) < np.finfo(float).eps, np.nan, sigma_diag)
            rv = np.sqrt(np.abs(est[self._rv_rows]))
            rv[self._rv_missing] = np.nan
            v = np.concatenate([
                _ONE_NAN, np.sqrt(np.where(eta2 < 0, np.nan, eta2)), np.sqrt(np.where(var < 0, np.nan, var)),
                var, rv,
            ])
            f = v[self._lv_all].prod(axis=1)  # (4, n): lv numerator, denominator, all ...
            return est * f[0] / f[1], est * f[2] / f[3]

    def values(
        self, kind: str, est: np.ndarray, sigma_diag: np.ndarray, veta_diag: np.ndarray
    ) -> np.ndarray:
        """Standardized values of every row for a stack of points, shape ``(batch, n_rows)``.

        ``kind`` is one of ``"std.lv"``, ``"std.all"``, ``"std.nox"``.
        """
        key = {"std.lv": "lv", "std.all": "all", "std.nox": "nox"}[kind]
        est = np.atleast_2d(est)
        v = self.scale_vector(est, sigma_diag, veta_diag, nox=key == "nox")
        num, den = self._idx[f"{key}_num"], self._idx[f"{key}_den"]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = est * v[:, num[0]] * v[:, num[1]] * v[:, num[2]] * v[:, num[3]]
            out = out / (v[:, den[0]] * v[:, den[1]] * v[:, den[2]] * v[:, den[3]])
        return out


def batched_implied_diagonals(model: LisrelModel, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``diag(Sigma)`` and ``diag(Veta)`` for a stack of row-value vectors ``X`` (batch, n_rows).

    Works with complex ``X`` (complex-step Jacobians): the LISREL matrices of every point
    are gathered into one stacked buffer and multiplied with batched matrix products.
    """
    base, tgt, src, offs = model._packed
    X = np.atleast_2d(X)
    b = X.shape[0]
    buf = np.broadcast_to(base, (b, base.size)).astype(X.dtype if np.iscomplexobj(X) else float)
    buf[:, tgt] = X[:, src]
    p, m = model.p, model.m
    L = buf[:, offs[0]:offs[1]].reshape(b, p, m)
    T = buf[:, offs[1]:offs[2]].reshape(b, p, p)
    P = buf[:, offs[2]:offs[3]].reshape(b, m, m)
    if model.has_beta:
        B = buf[:, offs[3]:offs[4]].reshape(b, m, m)
        A = np.linalg.inv(np.eye(m) - B)
        V = A @ P @ np.swapaxes(A, 1, 2)
    else:
        V = P
    sig = np.einsum("bij,bjk,bik->bi", L, V, L) + np.einsum("bii->bi", T)
    return sig, np.einsum("bii->bi", V)


def standardized_values(
    plan: StdPlan, model: LisrelModel, kind: str, X: np.ndarray,
    defined: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Standardized values (``kind``) of every row, ``:=`` values appended, for a stack ``X``.

    ``X`` holds the row values (``:=`` rows excluded), shape (batch, n_rows); ``defined``
    maps one vector of (standardized) row values to the ``:=`` values.
    """
    X = np.atleast_2d(X)
    sig, veta = batched_implied_diagonals(model, X)
    out = plan.values(kind, X, sig, veta)
    if defined is None:
        return out
    d = np.stack([np.atleast_1d(defined(row)) for row in out])
    return np.concatenate([out, d.reshape(out.shape[0], -1)], axis=1)


def standardized_jacobian(
    plan: StdPlan,
    model: LisrelModel,
    kind: str,
    x_base: np.ndarray,
    free_rows: np.ndarray,
    par_of_free: np.ndarray,
    theta: np.ndarray,
    defined: Callable[[np.ndarray], np.ndarray] | None = None,
    h: float = 1e-20,
) -> tuple[np.ndarray, np.ndarray]:
    """Standardized values and their Jacobian w.r.t. ``theta`` (complex step, one batch).

    Returns ``(values (n,), J (n, q))`` with ``n`` the rows (plus ``:=`` rows when
    ``defined`` is given) and ``q = len(theta)``.
    """
    q = len(theta)
    x0 = np.asarray(x_base, dtype=float).copy()
    x0[free_rows] = theta[par_of_free]
    X = np.broadcast_to(x0, (q + 1, x0.size)).astype(complex)
    steps = np.zeros((q + 1, q), dtype=complex)
    steps[np.arange(1, q + 1), np.arange(q)] = 1j * h
    X[:, free_rows] += steps[:, par_of_free]
    vals = standardized_values(plan, model, kind, X[1:], defined)
    J = np.imag(vals).T / h
    real = standardized_values(plan, model, kind, x0[None, :], defined)[0].real
    return real, J
