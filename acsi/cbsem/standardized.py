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

from acsi.exceptions import AcsiWarning, warn
from acsi.spec.partable import ParameterTable
from acsi.spec.syntax import compile_expression

__all__ = ["defined_function", "nonfinite_defined", "standardize", "r_squared"]


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


def _sqrt_nonneg(v: np.ndarray) -> np.ndarray:
    v = np.array(v, dtype=float)
    out = np.full(v.shape, np.nan)
    ok = v >= 0
    out[ok] = np.sqrt(v[ok])
    return out


def standardize(
    pt: ParameterTable,
    est: np.ndarray,
    Sigma: np.ndarray,
    Veta: np.ndarray,
    eta_names: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """``std_lv`` and ``std_all`` for every table row (``:=`` rows included).

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
    n = len(pt)
    est = np.asarray(est, dtype=float)
    lhs, op, rhs = pt.lhs, pt.op, pt.rhs
    lv = set(pt.lv_names)
    eidx = {v: i for i, v in enumerate(eta_names)}
    ETA2 = np.array([Veta[eidx[v], eidx[v]] for v in pt.lv_names]) if pt.lv_names else np.zeros(0)
    ETA = dict(zip(pt.lv_names, _sqrt_nonneg(ETA2)))
    oidx = {v: i for i, v in enumerate(pt.ov_names)}
    OV2 = np.diag(Sigma).copy()
    OV2[np.abs(OV2) < np.finfo(float).eps] = np.nan
    OVs = _sqrt_nonneg(np.where(np.isnan(OV2), -1.0, OV2))
    OV = {v: OVs[i] for v, i in oidx.items()}
    OVV = {v: OV2[i] for v, i in oidx.items()}
    nan = np.nan

    # residual-variance estimates (for covariances)
    RV_lv = {lhs[k]: np.sqrt(abs(est[k])) for k in range(n) if op[k] == "~~" and lhs[k] == rhs[k] and lhs[k] in lv}
    RV_ov = {lhs[k]: np.sqrt(abs(est[k])) for k in range(n) if op[k] == "~~" and lhs[k] == rhs[k] and lhs[k] not in lv}

    # one pass over the rows: std_lv, then std_all from it. The scale factors are numpy
    # scalars, so a zero scale gives inf/nan (with numpy's warning) as array arithmetic would
    s_lv = est.copy()
    s_all = est.copy()
    for k, v in enumerate(est.tolist()):
        a, o, b = lhs[k], op[k], rhs[k]
        if o == "=~":
            if b not in lv:
                v *= ETA.get(a, nan)
                w = v / OV.get(b, nan)
            else:
                v *= ETA.get(a, nan) / ETA.get(b, nan)
                w = v
        elif o == "~":
            if a in lv:
                v /= ETA.get(a, nan)
            if b in lv:
                v *= ETA.get(b, nan)
            w = v
            if a in oidx:
                w /= OV.get(a, nan)
            if b in oidx:
                w *= OV.get(b, nan)
        elif o == "~~":
            if a == b:
                if a in lv:
                    v /= ETA.get(a, nan) * ETA.get(b, nan)
                    w = v
                else:
                    w = v / OVV.get(a, nan)
            else:
                if a in lv:
                    v /= RV_lv.get(a, nan)
                if b in lv:
                    v /= RV_lv.get(b, nan)
                w = v
                if a not in lv:
                    w /= RV_ov.get(a, nan)
                if b not in lv:
                    w /= RV_ov.get(b, nan)
        elif o == "~1":
            if a in lv:
                v /= ETA.get(a, nan)
                w = v
            else:
                w = v / OV.get(a, nan)
        elif o == "|":  # threshold of an ordinal item: on the scale of its latent response
            w = v / OV.get(a, nan)
        elif o == "~*~":  # scale factor: 1 on the standardized scale
            w = v * OV.get(a, nan)
        else:
            w = v
        s_lv[k] = v
        s_all[k] = w

    def_rows = [k for k in range(n) if op[k] == ":="]
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
