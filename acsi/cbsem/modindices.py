"""Modification indices (score tests of fixed parameters), as lavaan's ``modindices()``.

For every parameter that the model fixes (a marker loading, a fixed-x moment) or leaves out
(lavaan's candidate set, ``lav_partable_full``: every loading of a factor on a
non-covariate observed variable, every covariance among indicators, among covariates and
among factors, every regression among the variables of the structural part and, with a
mean structure, every intercept), the modification index is the one-degree-of-freedom
score (Lagrange multiplier) statistic of freeing it, evaluated at the fitted model:

.. math::

    g_j = \\frac{1}{N}\\frac{\\partial \\log L}{\\partial \\gamma_j}
        = \\Delta_j^\\top H (s - \\sigma), \\qquad
    v_j = I_{jj} - I_{j\\theta} I_{\\theta\\theta}^{-1} I_{\\theta j}, \\qquad
    \\mathrm{MI}_j = N g_j^2 / v_j, \\qquad \\mathrm{EPC}_j = g_j / v_j

with ``Delta_j`` the derivative of the moments ``(mu, vech Sigma)`` with respect to the
parameter, ``H`` the normal-theory weight at the implied moments and ``I = Delta' H Delta``
the expected information per observation (lavaan always uses the expected information
here, also for MLR fits). ``I_theta theta`` is the information of the model's free
parameters after its equality constraints (shared labels), so the index of a parameter is
the score test against the constrained model. A ``v_j`` below ``eps^(1/3)`` (a parameter
that would not be identified) gives no index (the row is left out, as lavaan's
``na.remove``). The standardized EPCs are the EPC standardized as the parameter would be
(``std.lv``, ``std.all``, ``std.nox``; lavaan's ``sepc.lv``, ``sepc.all``, ``sepc.nox``),
with variances standardized at their estimates (lavaan's ``cov.std = TRUE``).

With missing data (``missing="ml"``), ``H (s - sigma)`` is replaced by the gradient of the
observed-data log-likelihood per observation in the moments and ``H`` by the expected
information of the incomplete-data likelihood at the implied moments (per missing-data
pattern, the complete-data weight of its observed variables), as lavaan's ``modindices``
with its FIML gradient and structured expected information (:func:`fiml_moment_pieces`).

References
----------
Sorbom, D. (1989). Model modification. *Psychometrika*, 54, 371-384.
Saris, W. E., Satorra, A., & Sorbom, D. (1987). The detection and correction of
specification errors in structural equation models. *Sociological Methodology*, 17,
105-129.
Examples
--------
>>> import acsi
>>> hs = acsi.datasets.load_holzinger_swineford()
>>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", hs)
>>> top = res.modindices(sort=True).iloc[0]
>>> f"{top['lhs']} {top['op']} {top['rhs']}", round(float(top["mi"]), 2), round(float(top["epc"]), 3)
('visual =~ x9', 36.41, 0.577)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from acsi.cbsem.matrices import LisrelModel
from acsi.cbsem.standardized import StdPlan
from acsi.exceptions import IdentificationError
from acsi.spec.partable import ParameterTable

__all__ = ["MI_COLUMNS", "candidate_rows", "fiml_moment_pieces", "modification_indices"]

MI_COLUMNS = ["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"]
_OPS = ("=~", "~~", "~", "~1")


def fiml_moment_pieces(fiml: Any, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of a FIML fit's modification indices (lavaan's ``modindices`` with
    ``missing = "ml"``): the expected information per observation of the incomplete-data
    likelihood in ``(mu, vech Sigma)`` at the implied moments (lavaan's structured
    ``lav_mvnorm_missing_information_expected``) and the gradient of the observed-data
    log-likelihood per observation there (the score: nonzero in the directions of the fixed
    and omitted parameters).
    """
    from acsi.cbsem.fiml_kernel import moment_hessian
    from acsi.cbsem.missing import fiml_loglik_gradient

    mp = fiml.patterns
    mu, sigma = np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    w = -moment_hessian(mp, mu, sigma, observed=False) / mp.nobs
    _, dmu, dvech = fiml_loglik_gradient(mp, mu, sigma)
    return np.asarray(w), np.concatenate([dmu, dvech]) / mp.nobs


def _lower_pairs(names: list[str]) -> list[tuple[str, str]]:
    """lavaan's lower-triangle order: column j, rows i >= j -> (names[j], names[i])."""
    return [(names[j], names[i]) for j in range(len(names)) for i in range(j, len(names))]


def candidate_rows(pt: ParameterTable) -> tuple[list[int], list[tuple[str, str, str]]]:
    """The parameters a modification index is computed for (lavaan's candidate set).

    Returns the table rows that are fixed (``=~``, ``~~``, ``~``, ``~1``; in table order)
    and the ``(lhs, op, rhs)`` of the parameters the table does not hold, in the order of
    lavaan's ``lav_partable_full``.
    """
    n = len(pt)
    fixed = [k for k in range(n) if pt.free[k] == 0 and pt.op[k] in _OPS]
    ov = list(pt.ov_names)
    ovx = list(pt.ov_x)
    ov_nox = [v for v in ov if v not in ovx]
    ov_ind = set(pt.ov_ind)
    lv = list(pt.lv_names)
    eqs_y = list(dict.fromkeys(pt.lhs[k] for k in range(n) if pt.op[k] == "~"))
    eqs_x = list(dict.fromkeys(pt.rhs[k] for k in range(n) if pt.op[k] == "~"))
    eqs = list(dict.fromkeys(eqs_y + eqs_x))
    full: list[tuple[str, str, str]] = []
    full += [(f, "=~", v) for f in lv for v in ov_nox if v not in eqs]
    other = {v for v in ov if v not in ov_ind}
    full += [(a, "~~", b) for a, b in _lower_pairs(ov_nox) if a not in other and b not in other]
    full += [(a, "~~", b) for a, b in _lower_pairs(ovx)]
    full += [(a, "~~", b) for a, b in _lower_pairs(lv)]
    full += [(a, "~", b) for a in eqs for b in eqs if a != b and not (a in ov_ind and b in lv)]
    if pt.meanstructure:
        full += [(v, "~1", "") for v in ov + lv]
    have = {(a, o, b) for a, o, b in zip(pt.lhs, pt.op, pt.rhs)}
    have |= {(b, o, a) for a, o, b in zip(pt.lhs, pt.op, pt.rhs) if o == "~~"}
    seen: set[tuple[str, str, str]] = set()
    new = []
    for r in full:
        if r not in have and r not in seen:
            seen.add(r)
            new.append(r)
    return fixed, new


def _extended(pt: ParameterTable, new: list[tuple[str, str, str]]) -> ParameterTable:
    """``pt`` without its ``:=`` rows, with the candidate rows appended (fixed at 0)."""
    keep = [k for k in range(len(pt)) if pt.op[k] != ":="]
    m = len(new)

    def strs(vals: tuple[str, ...], fill: str = "") -> tuple[str, ...]:
        return tuple(vals[k] for k in keep) + (fill,) * m

    def ints(vals: tuple[int, ...], fill: int) -> tuple[int, ...]:
        return tuple(vals[k] for k in keep) + (fill,) * m

    return replace(
        pt,
        lhs=tuple(pt.lhs[k] for k in keep) + tuple(r[0] for r in new),
        op=tuple(pt.op[k] for k in keep) + tuple(r[1] for r in new),
        rhs=tuple(pt.rhs[k] for k in keep) + tuple(r[2] for r in new),
        user=ints(pt.user, 10), free=ints(pt.free, 0), par=ints(pt.par, -1),
        ustart=tuple(pt.ustart[k] for k in keep) + (0.0,) * m,
        label=strs(pt.label), plabel=strs(pt.plabel), exo=ints(pt.exo, 0), line=ints(pt.line, 0),
        where=strs(pt.where),
    )


def _placeable(pt: ParameterTable, model: LisrelModel, new: list[tuple[str, str, str]]) -> list[bool]:
    """Whether each candidate fits the model's LISREL matrices without new phantom
    variables (a covariance between an observed variable in the structural part and one
    outside it has no cell; such a candidate gets no index)."""
    eta = set(model.eta_names)
    ov = set(model.ov_names)
    out = []
    for a, o, b in new:
        if o == "~~":
            out.append((a in eta) == (b in eta) and (a in eta or (a in ov and b in ov)))
        elif o == "~":
            out.append(a in eta and b in eta)
        elif o == "=~":
            out.append(a in eta and (b in ov and b not in eta))
        else:
            out.append(True)
    return out


def modification_indices(
    pt: ParameterTable,
    model: LisrelModel,
    x: np.ndarray,
    delta_theta: np.ndarray,
    weight: np.ndarray,
    resid: np.ndarray,
    N: float,
    *,
    group_weight: float = 1.0,
    information: np.ndarray | None = None,
    with_kind: bool = False,
    score: np.ndarray | None = None,
) -> pd.DataFrame:
    """Modification indices of one group (lavaan's ``modindices``, unsorted, NA rows removed).

    Parameters
    ----------
    pt : ParameterTable
        The group's table.
    model : LisrelModel
        Its LISREL maps.
    x : ndarray
        Row values at the estimates (``:=`` rows excluded).
    delta_theta : (m, q) ndarray
        Jacobian of the moments ``(mu, vech Sigma)`` w.r.t. the free parameters after
        equality constraints.
    weight : (m, m) ndarray
        Normal-theory weight ``H`` at the implied moments (expected information per
        observation is ``Delta' H Delta``).
    resid : (m,) ndarray
        Sample minus implied moments in the same layout (``(ybar - mu, vech(S - Sigma))``).
    N : float
        Number of observations (all groups).
    group_weight : float
        ``N_g / N`` of this group in a multigroup model (1 for a single group).
    information : (q, q) ndarray, optional
        The expected information per observation of the whole (multigroup) model; default
        ``delta_theta' weight delta_theta`` (a single group).
    with_kind : bool
        Add a boolean column ``_new`` (True for candidates the table does not hold).
    score : (m,) ndarray, optional
        The group's log-likelihood gradient per observation in the moments (FIML:
        :func:`fiml_moment_pieces`); default ``weight @ resid`` (complete data).

    Returns
    -------
    DataFrame
        Columns :data:`MI_COLUMNS`, one row per candidate with an index.
    """
    fixed, new = candidate_rows(pt)
    ok = _placeable(pt, model, new)
    new = [r for r, good in zip(new, ok) if good]
    ext = _extended(pt, new)
    emodel = LisrelModel.from_partable(ext)
    nk = len(x)
    xe = np.concatenate([np.asarray(x, dtype=float), np.zeros(len(new))])
    cand = np.array(fixed + list(range(nk, nk + len(new))), dtype=np.intp)
    _, _, parts = emodel.implied(xe)
    D_c = emodel.delta(parts, cand)
    HD = group_weight * (weight @ D_c)
    I11 = np.einsum("ij,ij->j", D_c, HD)
    I21 = delta_theta.T @ HD
    I22 = delta_theta.T @ weight @ delta_theta if information is None else information
    try:
        sol = np.linalg.solve(I22, I21)
    except np.linalg.LinAlgError:
        raise IdentificationError(
            "could not compute modification indices: the information matrix of the model is "
            "singular (the model is not identified at the estimates)"
        ) from None
    V = I11 - np.einsum("ij,ij->j", I21, sol)
    V = np.where(V < np.finfo(float).eps ** (1.0 / 3.0), np.nan, V)
    g = group_weight * (D_c.T @ (weight @ resid if score is None else score))
    mi = N * g * g / V
    d = N * g
    d = np.where(np.abs(d) < 1e-15, 1.0, d)
    epc = mi / d
    # standardized EPCs: the candidate rows standardized at |EPC|, variances at their
    # estimates (lavaan's cov.std), tiny variances set to 0
    n_ext = len(ext.lhs)
    EPC = np.zeros(n_ext)
    EPC[:] = np.nan
    EPC[cand] = epc
    is_var = np.array([o == "~~" and a == b for a, o, b in zip(ext.lhs, ext.op, ext.rhs)])
    nonexo = np.array([e == 0 for e in ext.exo])
    EPC[is_var & nonexo] = xe[is_var & nonexo]
    small = is_var & (np.abs(EPC) < np.sqrt(np.finfo(float).eps))
    EPC[small] = np.nan
    sign = np.zeros(n_ext)
    sign[cand] = np.sign(epc)
    plan = StdPlan(ext.lhs, ext.op, ext.rhs, pt.lv_names, pt.ov_names, pt.ov_x)
    sig = np.einsum("ij,jk,ik->i", parts["Lambda"], parts["Veta"], parts["Lambda"]) + np.diag(parts["Theta"])
    veta = np.diag(parts["Veta"])
    est = np.abs(EPC)[None, :]
    sepc = {}
    for kind in ("std.lv", "std.all", "std.nox"):
        with np.errstate(invalid="ignore"):
            s = sign * plan.values(kind, est, sig[None, :], veta[None, :])[0]
        s[small] = 0.0
        sepc[kind] = s[cand]
    frame = pd.DataFrame(
        {
            "lhs": [ext.lhs[k] for k in cand],
            "op": [ext.op[k] for k in cand],
            "rhs": [ext.rhs[k] for k in cand],
            "mi": mi,
            "epc": epc,
            "sepc_lv": sepc["std.lv"],
            "sepc_all": sepc["std.all"],
            "sepc_nox": sepc["std.nox"],
        },
        columns=MI_COLUMNS,
    )
    if with_kind:
        frame["_new"] = cand >= nk
    return frame[~np.isnan(mi)].reset_index(drop=True)
