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

from acsi.spec.partable import ParameterTable
from acsi.spec.syntax import compile_expression

__all__ = ["defined_function", "standardize", "r_squared"]


def defined_function(pt: ParameterTable) -> Callable[[np.ndarray], np.ndarray]:
    """A function mapping the row values (``:=`` rows excluded) to the ``:=`` values.

    Labels take the value of their (first) row; later ``:=`` may use earlier ones. Works
    with complex arrays (for complex-step derivatives).
    """
    n_def = [k for k, o in enumerate(pt.op) if o == ":="]
    first: dict[str, int] = {}
    for k, lab in enumerate(pt.label):
        if lab and pt.op[k] != ":=" and lab not in first:
            first[lab] = k
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
        else:
            w = v
        s_lv[k] = v
        s_all[k] = w

    def_rows = [k for k in range(n) if op[k] == ":="]
    if def_rows:
        f = defined_function(pt)
        with np.errstate(all="ignore"):
            s_lv[def_rows] = f(s_lv)
            s_all[def_rows] = f(s_all)
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
