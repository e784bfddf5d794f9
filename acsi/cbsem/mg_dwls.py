"""Ordinal items (WLSMV, DWLS, ULSMV, ...) in several groups, as lavaan 0.6-14.

Every group has its own sample statistics (thresholds, polychoric correlations, their
asymptotic covariance :math:`\\Gamma_g`) and weight :math:`W_g`; the free parameters of all
groups form one vector. lavaan's conventions for a multigroup categorical model:

* ``intercepts`` in ``group_equal`` implies ``thresholds`` and vice versa;
* thresholds are equal across groups with ``thresholds`` (``group_partial`` frees
  ``"x1|t1"``); the latent means are then free in groups 2, 3, ...;
* *delta* parameterization: the scale factors ``y ~*~ y`` are 1 in group 1 and free in
  groups 2, 3, ... when the thresholds are equal; *theta*: the residual variances of the
  ordinal items are 1 in group 1 and free in the other groups when the thresholds are
  equal (fixed at 1 with ``residuals``).

The discrepancy is :math:`F = \\sum_g \\frac{N_g}{N} \\frac{N_g - 1}{N_g} \\tfrac12 r_g^\\top
W_g r_g`; the chi-square of group ``g`` is :math:`(N_g - 1) r_g^\\top W_g r_g`. With
:math:`E = \\sum_g \\frac{N_g}{N} \\Delta_g^\\top W_g \\Delta_g`, the robust covariance is
:math:`E^{-1} (\\sum_g \\frac{N_g}{N} \\Delta_g^\\top W_g \\Gamma_g W_g \\Delta_g) E^{-1} /
(N - G)`; the scaled test uses :math:`U = V - V \\Delta E^{-1} \\Delta^\\top V` with
:math:`V = \\oplus_g (N_g/N) W_g`, :math:`\\Gamma = \\oplus_g (N/N_g) \\Gamma_g` (lavaan's
``lav_test_satorra_bentler_trace_original``).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from acsi.cbsem.dwls import ESTIMATORS, DWLSKernel, DWLSState, _adjust, _traces, baseline_chisq, baseline_design
from acsi.cbsem.matrices import LisrelModel
from acsi.cbsem.multigroup import MultiGroupCore
from acsi.cbsem.ordinal import OrdinalMoments
from acsi.spec.partable import ParameterTable, group_table, ordinal_partable

__all__ = ["mg_ordinal_partable", "estimate_groups_dwls", "MGDWLSKernel", "mg_dwls_vcov",
           "mg_dwls_fit_measures"]


def mg_ordinal_partable(pt: ParameterTable, nth: dict[str, int], parameterization: str,
                        group_equal: tuple[str, ...], group_partial: tuple[str, ...]) -> ParameterTable:
    """The multigroup table ``pt`` with lavaan's rows for ordinal items in every group
    (thresholds, scale factors) and lavaan's multigroup categorical conventions.

    Parameters
    ----------
    pt : ParameterTable
        From :func:`acsi.spec.partable.build_multigroup_partable` (with ``"thresholds"``
        and ``"intercepts"`` both in ``group_equal`` or neither, as lavaan).
    nth : dict
        Number of thresholds of every ordinal item.
    parameterization : {"delta", "theta"}
    group_equal, group_partial : tuple of str
        ``group_partial`` entries for thresholds (``"x1|t1"``) are applied here.

    Returns
    -------
    ParameterTable
        Threshold rows ``|`` (shared across groups when ``"thresholds"`` is in
        ``group_equal``, labelled ``.pK.`` as lavaan), scale rows ``~*~``; the reduced
        parameter index numbered in order of first appearance.

    Examples
    --------
    >>> from acsi.spec.partable import build_multigroup_partable
    >>> ge = ("loadings", "thresholds", "intercepts")
    >>> pt = build_multigroup_partable("f =~ y1 + y2 + y3", 2, group_equal=ge)
    >>> opt = mg_ordinal_partable(pt, {"y1": 2, "y2": 2, "y3": 2}, "delta", ge, ())
    >>> opt.npar, sum(1 for o, f in zip(opt.op, opt.free) if o == "~*~" and f)
    (14, 3)
    """
    G = pt.ngroups
    theta_p = parameterization == "theta"
    th_equal = "thresholds" in group_equal
    partial = {"".join(str(e).split()) for e in group_partial}
    cols: dict[str, list[Any]] = {k: [] for k in (
        "lhs", "op", "rhs", "user", "free", "ustart", "label", "exo", "line", "where", "group", "key",
        "old")}
    for g in range(1, G + 1):
        view = group_table(pt, g)
        lo = pt.group.index(g)
        opt = ordinal_partable(view, nth, parameterization)
        k_old = 0
        for k in range(len(opt.lhs)):
            a, o, b = opt.lhs[k], opt.op[k], opt.rhs[k]
            new = o in ("|", "~*~")
            free = bool(opt.free[k])
            ust = float(opt.ustart[k])
            old = -1
            if new:
                if o == "|":
                    key: Any = ("th", a, b) if th_equal and f"{a}|{b}" not in partial else ("th", g, a, b)
                else:
                    key = ("sc", g, a)
                    if g > 1 and th_equal and not theta_p:
                        free, ust = True, math.nan
            else:
                old = lo + k_old
                k_old += 1
                key = ("old", int(view.par[old - lo])) if free else None
                if (g > 1 and theta_p and th_equal and o == "~~" and a == b and a in nth
                        and "residuals" not in group_equal):
                    free, ust, key = True, math.nan, ("res", g, a)
            if not free:
                key = None
            for name, val in (("lhs", a), ("op", o), ("rhs", b), ("user", opt.user[k]), ("free", free),
                              ("ustart", ust), ("label", opt.label[k]), ("exo", opt.exo[k]),
                              ("line", opt.line[k]), ("where", opt.where[k]), ("group", g),
                              ("key", key), ("old", old)):
                cols[name].append(val)
    n = len(cols["lhs"])
    new_of_old = {o: i for i, o in enumerate(cols["old"]) if o >= 0}
    # equality labels: ".pK." of the first row of the class, K its (1-based) row number
    first: dict[Any, int] = {}
    count: dict[Any, int] = {}
    for i, key in enumerate(cols["key"]):
        if key is not None:
            first.setdefault(key, i)
            count[key] = count.get(key, 0) + 1
    labels = []
    for i in range(n):
        lab = cols["label"][i]
        m = re.fullmatch(r"\.p(\d+)\.", lab or "")
        key = cols["key"][i]
        if m:  # an equality label (none once the row is fixed, e.g. an ordinal item's intercept)
            lab = f".p{new_of_old[int(m.group(1)) - 1] + 1}." if key is not None else ""
        elif not lab and key is not None and key[0] == "th" and count[key] > 1:
            lab = f".p{first[key] + 1}."
        labels.append(lab)
    free_no, par_no = [], []
    index: dict[Any, int] = {}
    nf = 0
    for key in cols["key"]:
        if key is None:
            free_no.append(0)
            par_no.append(-1)
            continue
        nf += 1
        free_no.append(nf)
        if key not in index:
            index[key] = len(index)
        par_no.append(index[key])
    n_tab = sum(1 for o in pt.op if o != ":=")
    d = slice(n_tab, len(pt.op))
    n_def = len(pt.op) - n_tab
    import dataclasses

    return dataclasses.replace(
        pt, lhs=tuple(cols["lhs"]) + pt.lhs[d], op=tuple(cols["op"]) + pt.op[d],
        rhs=tuple(cols["rhs"]) + pt.rhs[d], user=tuple(cols["user"]) + pt.user[d],
        free=tuple(free_no) + (0,) * n_def, par=tuple(par_no) + (-1,) * n_def,
        ustart=tuple(cols["ustart"]) + pt.ustart[d], label=tuple(labels) + pt.label[d],
        plabel=tuple(f".p{i + 1}." for i in range(n)) + ("",) * n_def,
        exo=tuple(cols["exo"]) + pt.exo[d], line=tuple(cols["line"]) + pt.line[d],
        where=tuple(cols["where"]) + pt.where[d], group=tuple(cols["group"]) + (0,) * n_def,
        npar=len(index),
    )


class MGDWLSKernel(DWLSKernel):
    """:class:`~acsi.cbsem.dwls.DWLSKernel` of one group whose scale factors may be free
    parameters (delta parameterization, groups 2, 3, ... with equal thresholds)."""

    sc_rows: np.ndarray  #: each item's scale-factor row (-1: none)
    sc_par: np.ndarray  #: each item's scale-factor parameter (-1: fixed)

    def __init__(self, pt: ParameterTable, model: LisrelModel, x_base: np.ndarray, moments: OrdinalMoments,
                 weight: np.ndarray, parameterization: str) -> None:
        object.__setattr__(self, "_sealed", False)
        rows = {pt.lhs[k]: k for k in range(len(pt.lhs)) if pt.op[k] == "~*~"}
        pos = np.full(len(pt.lhs), -1, dtype=np.intp)
        pos[pt.free_rows] = np.asarray(pt.par)[pt.free_rows]
        sc_rows = np.array([rows.get(v, -1) for v in pt.ov_names], dtype=np.intp)
        sc_par = np.array([pos[k] if k >= 0 else -1 for k in sc_rows], dtype=np.intp)
        super().__init__(pt, model, x_base, moments, weight, parameterization)
        object.__setattr__(self, "sc_rows", sc_rows)
        object.__setattr__(self, "sc_par", sc_par)

    def _d(self, theta: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
        if self.theta_param:
            return self.scales(Sigma)
        d = np.array(self.scale_fixed, dtype=float)
        free = self.sc_par >= 0
        d[free] = np.asarray(theta)[self.sc_par[free]]
        return d

    def jacobian(self, theta: np.ndarray, Sigma: np.ndarray, mu: np.ndarray, parts: dict[str, np.ndarray],
                 d: np.ndarray) -> np.ndarray:
        J = super().jacobian(theta, Sigma, mu, parts, d)
        free = np.flatnonzero(self.sc_par >= 0)
        if self.theta_param or free.size == 0:
            return J
        dd = np.zeros((self.p, self.q))
        dd[free, self.sc_par[free]] = 1.0
        tv = self.th_var
        x = self.ml.x_of(theta)
        J[self.th_pos] += (x[self.th_rows] - mu[tv])[:, None] * dd[tv]
        ci, cj = self.ci, self.cj
        J[self.cov_pos] += Sigma[ci, cj][:, None] * (dd[ci] * d[cj][:, None] + d[ci][:, None] * dd[cj])
        return J

    def x_final(self, theta: np.ndarray, pt: ParameterTable) -> np.ndarray:
        x = super().x_final(theta, pt)
        if self.theta_param:
            return x
        Sigma, _, _ = self.ml.implied(theta)
        d = self._d(theta, Sigma)
        for k in range(len(x)):
            a, o, b = pt.lhs[k], pt.op[k], pt.rhs[k]
            if o == "~~" and a == b and not pt.free[k] and math.isnan(pt.ustart[k]) and a in pt.ov_names:
                j = pt.ov_names.index(a)
                if self.ordered[j]:
                    x[k] = 1.0 / d[j] ** 2 - Sigma[j, j]
        return x


def estimate_groups_dwls(
    pt: ParameterTable, moments: list[OrdinalMoments], Xs: list[np.ndarray], group_labels: tuple[str, ...],
    *, estimator: str, parameterization: str, max_iter: int = 500, tol: float = 1e-10,
) -> MultiGroupCore:
    """Fit the multigroup ordinal table ``pt`` (:func:`mg_ordinal_partable`) to the groups'
    sample statistics by Gauss-Newton steps on the summed least-squares discrepancy.

    Each group's kernel (:class:`MGDWLSKernel`) maps the global ``theta`` to its statistics;
    the step solves :math:`(\\sum_g c_g \\Delta_g^\\top W_g \\Delta_g)\\,\\delta = \\sum_g c_g
    \\Delta_g^\\top W_g r_g` with :math:`c_g = (N_g - 1)/N`, halved until the discrepancy
    does not rise; convergence when the largest absolute gradient element is below ``tol``.

    Returns
    -------
    MultiGroupCore
        One :class:`~acsi.cbsem.core.EstimationCore` per group with its
        :class:`~acsi.cbsem.dwls.DWLSState` (``dwls``); ``chisq`` the sum of the groups'
        :math:`(N_g - 1) r_g^\\top W_g r_g`.

    Examples
    --------
    >>> import numpy as np, acsi
    >>> from acsi.cbsem.ordinal import ordinal_moments
    >>> from acsi.spec.partable import build_multigroup_partable
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> names = ["x1", "x2", "x3", "x4", "x5", "x6"]
    >>> X = np.column_stack([np.digitize(hs[v], np.quantile(hs[v], [0.3, 0.7])) for v in names])
    >>> Xs = [X[(hs.school == s).to_numpy()].astype(float) for s in ("Pasteur", "Grant-White")]
    >>> pt = build_multigroup_partable("f =~ x1 + x2 + x3; g =~ x4 + x5 + x6", 2)
    >>> opt = mg_ordinal_partable(pt, {v: 2 for v in names}, "delta", (), ())
    >>> oms = [ordinal_moments(x, [True] * 6, names=names) for x in Xs]
    >>> core = estimate_groups_dwls(opt, oms, Xs, ("Pasteur", "Grant-White"), estimator="WLSMV",
    ...                             parameterization="delta")
    >>> core.converged, core.df
    (True, 16)
    """
    from acsi.cbsem.core import EstimationCore, start_values
    from acsi.cbsem.multigroup import _theta_start

    fitting, se, test = ESTIMATORS[estimator]
    G = len(Xs)
    q = pt.npar
    views = [group_table(pt, g + 1) for g in range(G)]
    model = LisrelModel.from_partable(views[0])
    kerns: list[MGDWLSKernel] = []
    x0s = []
    for view, om in zip(views, moments):
        p = len(view.ov_names)
        ordm = np.asarray(om.ordered, dtype=bool)
        mean = np.zeros(p)
        mean[~ordm] = np.asarray(om.th)[~ordm[om.th_item]]
        x0 = start_values(view, model, np.asarray(om.cov), mean)
        th_rows = [k for k in range(model.n_rows) if view.op[k] == "|"]
        x0[th_rows] = np.asarray(om.th)[ordm[om.th_item]]
        for k in range(model.n_rows):
            if view.free[k] and (view.op[k] == "~*~" or (view.op[k] == "~~" and view.lhs[k] == view.rhs[k]
                                                          and view.lhs[k] in view.ov_names
                                                          and ordm[view.ov_names.index(view.lhs[k])])):
                x0[k] = 1.0
        gamma = np.asarray(om.nacov)
        if fitting == "DWLS":
            W = np.diag(1.0 / np.diag(gamma))
        elif fitting == "ULS":
            W = np.eye(gamma.shape[0])
        else:
            W = np.linalg.inv(gamma)
        kerns.append(MGDWLSKernel(view, model, x0, om, W, parameterization))
        x0s.append(x0)
    Ns = np.array([int(om.nobs) for om in moments], dtype=float)
    N = float(Ns.sum())
    c = (Ns - 1.0) / N  # d fmin: sum_g (N_g - 1)/N * 0.5 r'Wr
    theta = _theta_start([k.ml for k in kerns], x0s, q)

    def f_of(th: np.ndarray) -> float:
        tot = 0.0
        for cg, kern in zip(c, kerns):
            tot += cg * kern.objective(th)
        return tot

    f = math.inf
    gmax = math.inf
    it = 0
    conv = False
    for it in range(1, max_iter + 1):
        grad = np.zeros(q)
        H = np.zeros((q, q))
        f = 0.0
        for cg, kern in zip(c, kerns):
            kappa, Sigma, mu, parts, d = kern.implied(theta)
            r = kern.obs - kappa
            Jg = kern.jacobian(theta, Sigma, mu, parts, d)
            WJ = kern.weight @ Jg
            f += cg * 0.5 * float(r @ kern.weight @ r)
            grad += cg * (WJ.T @ r)
            H += cg * (Jg.T @ WJ)
        if not math.isfinite(f):
            break
        gmax = float(np.max(np.abs(grad))) if q else 0.0
        if gmax < tol:
            conv = True
            it -= 1
            break
        try:
            step = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, grad, rcond=None)[0]
        t = 1.0
        for _ in range(30):
            cand = theta + t * step
            fc = f_of(cand)
            if math.isfinite(fc) and fc <= f + 1e-15 * max(1.0, abs(f)):
                break
            t *= 0.5
        else:
            break
        theta = cand
    p = len(pt.ov_names)
    nk = sum(k.nk for k in kerns)
    df = int(nk - q)
    cores = []
    fmin = 0.0
    for g, (view, kern, om, X) in enumerate(zip(views, kerns, moments, Xs)):
        x = kern.x_final(theta, view)
        model_sigma, mu, parts = model.implied(x)
        kappa, Sigma0, mu0, parts0, d = kern.implied(theta)
        J = kern.jacobian(theta, Sigma0, mu0, parts0, d)
        n = int(om.nobs)
        r = kern.obs - kappa
        fmin_g = 0.5 * (n - 1) / n * float(r @ kern.weight @ r)
        fmin += Ns[g] / N * fmin_g
        state = DWLSState(moments=om, estimator=estimator, fitting=fitting, se=se, test=test,
                          parameterization=parameterization, kernel=kern, kappa=kappa, jacobian=J,
                          sigma_star=model_sigma * d[:, None] * d[None, :], scales=d)
        ordm = np.asarray(om.ordered, dtype=bool)
        mean = np.zeros(p)
        mean[~ordm] = np.asarray(om.th)[~ordm[om.th_item]]
        cores.append(EstimationCore(
            ov_names=view.ov_names, X=np.asarray(X, dtype=float), N=n, S=np.asarray(om.cov), mean=mean,
            meanstructure=True, fixed_x=(), theta=theta, x=x, Sigma=model_sigma, mu=mu, Delta=J,
            fmin=fmin_g, chisq=2.0 * n * fmin_g, df=df, npar=q, converged=conv, iterations=it,
            grad_max=gmax, partable=view, model=model, kernel=kern.ml, parts=dict(parts), dwls=state,
        ))
    return MultiGroupCore(
        partable=pt, groups=tuple(cores), group_labels=tuple(group_labels), theta=theta,
        x=np.concatenate([cc.x for cc in cores]), N=int(N), fmin=float(fmin), chisq=float(2.0 * N * fmin),
        df=df, npar=q, converged=conv, iterations=it, grad_max=gmax,
    )


def mg_dwls_vcov(core: MultiGroupCore, se: str) -> np.ndarray:
    """lavaan's covariance of ``theta``: ``E^-1 / (N - G)`` or the robust sandwich."""
    w = core.weights
    q = core.npar
    E = np.zeros((q, q))
    B = np.zeros((q, q))
    for wg, c in zip(w, core.groups):
        st: Any = c.dwls
        J = np.asarray(st.jacobian)
        WJ = np.asarray(st.kernel.weight) @ J
        E += wg * J.T @ WJ
        B += wg * WJ.T @ np.asarray(st.moments.nacov) @ WJ
    Ei = np.linalg.inv(E)
    V = Ei @ B @ Ei if se == "robust.sem" else Ei
    V = V / (core.N - core.ngroups)
    return 0.5 * (V + V.T)


def _mg_traces(core: MultiGroupCore) -> tuple[float, float]:
    from scipy.linalg import block_diag

    w = core.weights
    V = block_diag(*[wg * np.asarray(c.dwls.kernel.weight) for wg, c in zip(w, core.groups)])
    Gm = block_diag(*[np.asarray(c.dwls.moments.nacov) / wg for wg, c in zip(w, core.groups)])
    D = np.vstack([np.asarray(c.dwls.jacobian) for c in core.groups])
    tr1, tr2, _ = _traces(V, D, Gm)
    return tr1, tr2


def _mg_catml(core: MultiGroupCore) -> tuple[float, float, float, float, float] | None:
    """lavaan's catML statistics of a multigroup all-ordinal fit (``lav_fit_catml_dwls``):
    ``(XX3, c3, XX3_null, df3_null, c3_null)``, or ``None`` where lavaan reports NA
    (continuous items, a polychoric matrix that is not positive definite, thresholds equal
    across groups: lavaan's catML refit drops the threshold rows and fails then)."""
    from scipy.linalg import block_diag

    pt = core.partable
    th_par = [pt.par[k] for k in pt.free_rows if pt.op[k] == "|"]
    if len(set(th_par)) != len(th_par) or any(pt.op[k] == "~*~" for k in pt.free_rows):
        return None
    w = core.weights
    Ws, Vs, Gs, Ds = [], [], [], []
    x3 = x3n = dfn = 0.0
    for wg, c in zip(w, core.groups):
        st: Any = c.dwls
        kern = st.kernel
        if not np.all(kern.ordered):
            return None
        R = np.asarray(st.moments.cov)
        if np.linalg.eigvalsh(R)[0] < np.sqrt(np.finfo(float).eps):
            return None
        S = np.asarray(st.sigma_star)
        Si = np.linalg.inv(S)
        _, ld_s = np.linalg.slogdet(S)
        _, ld_r = np.linalg.slogdet(R)
        x3 += c.N * (ld_s + float(np.sum(R * Si)) - ld_r - kern.p)
        x3n += -c.N * ld_r
        ci, cj = kern.ci, kern.cj
        Vs.append(wg * (Si[ci][:, ci] * Si[cj][:, cj] + Si[ci][:, cj] * Si[cj][:, ci]))
        cp = kern.cov_pos
        Ws.append(wg * np.asarray(kern.weight)[np.ix_(cp, cp)])
        Gs.append(np.asarray(st.moments.nacov)[np.ix_(cp, cp)] / wg)
        Ds.append(np.asarray(st.jacobian)[cp])
        dfn += float(cp.size)
    q = core.npar
    E = np.zeros((q, q))
    for wg, c in zip(w, core.groups):
        J = np.asarray(c.dwls.jacobian)
        E += wg * J.T @ np.asarray(c.dwls.kernel.weight) @ J
    W_all, V_all, G_all = block_diag(*Ws), block_diag(*Vs), block_diag(*Gs)
    D_all = np.vstack(Ds)
    M = np.eye(W_all.shape[0]) - D_all @ np.linalg.solve(E, D_all.T) @ W_all
    df = float(core.df)
    c3 = float(np.trace(M.T @ V_all @ M @ G_all)) / df if df > 0 else math.nan
    return x3, c3, x3n, dfn, float(np.trace(G_all)) / dfn


def mg_dwls_fit_measures(core: MultiGroupCore, *, ci_level: float = 0.90, close_h0: float = 0.05,
                         notclose_h0: float = 0.08) -> Any:
    """lavaan's ``fitMeasures()`` of a multigroup ordinal least-squares fit."""
    from acsi.cbsem import fit_measures as fm

    G = core.ngroups
    n = float(core.N)
    x2, df, npar = float(core.chisq), float(core.df), float(core.npar)
    st0: Any = core.groups[0].dwls
    x2n = dfn = b1 = b2 = 0.0
    gfi = 0.0
    nel = 0.0
    rms: dict[str, float] = {}
    for wg, c in zip(core.weights, core.groups):
        st: Any = c.dwls
        k = st.kernel
        bx, bd = baseline_chisq(k, int(c.N))
        x2n += bx
        dfn += bd
        t1, t2, _ = _traces(np.asarray(k.weight), baseline_design(k), np.asarray(st.moments.nacov))
        b1 += t1
        b2 += t2
        obs = np.asarray(k.obs)
        e = obs - np.asarray(st.kappa)
        W = np.asarray(k.weight)
        gfi += wg * (1.0 - float(e @ W @ e) / float(obs @ W @ obs))
        nel += float(obs.size)
        for key, val in fm._cat_residual_rms(c).items():
            rms[key] = rms.get(key, 0.0) + wg * val
    v: dict[str, float] = {
        "npar": npar, "nobs": n, "fmin": float(core.fmin), "chisq": x2, "df": df,
        "pvalue": fm._chisq_sf(x2, df), "baseline_chisq": x2n, "baseline_df": dfn,
        "baseline_pvalue": fm._chisq_sf(x2n, dfn),
        "cfi": fm._cfi(x2, df, x2n, dfn), "tli": fm._tli(x2, df, x2n, dfn), "nnfi": fm._tli(x2, df, x2n, dfn),
        "rfi": fm._rfi(x2, df, x2n, dfn), "nfi": fm._nfi(x2, df, x2n, dfn), "pnfi": fm._pnfi(x2, df, x2n, dfn),
        "ifi": fm._ifi(x2, df, x2n, dfn), "rni": fm._rni(x2, df, x2n, dfn),
    }
    if st0.fitting == "ULS":
        v["pvalue"] = v["baseline_pvalue"] = math.nan
    n1 = n - G
    rg = math.sqrt(G)
    lo, hi = fm._rmsea_ci(x2, df, n1, level=ci_level)
    v.update(
        rmsea=fm._rmsea(x2, df, n1) * rg, rmsea_ci_lower=lo * rg, rmsea_ci_upper=hi * rg,
        rmsea_ci_level=ci_level, rmsea_pvalue=fm._rmsea_pvalue(x2, df, n1 / G, h0=close_h0),
        rmsea_close_h0=close_h0,
        rmsea_notclose_pvalue=fm._rmsea_pvalue(x2, df, n1 / G, h0=notclose_h0, close=False),
        rmsea_notclose_h0=notclose_h0,
    )
    if st0.test != "standard":
        tr1, tr2 = _mg_traces(core)
        x2s, dfs, cf, _ = _adjust(st0.test, x2, df, tr1, tr2)
        x2ns, dfns, c0, _ = _adjust(st0.test, x2n, dfn, b1, b2)
        v.update(
            chisq_scaled=x2s, df_scaled=dfs, pvalue_scaled=fm._chisq_sf(x2s, dfs), scaling_factor=cf,
            baseline_chisq_scaled=x2ns, baseline_df_scaled=dfns,
            baseline_pvalue_scaled=fm._chisq_sf(x2ns, dfns), baseline_scaling_factor=c0,
            cfi_scaled=fm._cfi(x2s, dfs, x2ns, dfns), tli_scaled=fm._tli(x2s, dfs, x2ns, dfns),
            nnfi_scaled=fm._tli(x2s, dfs, x2ns, dfns), rfi_scaled=fm._rfi(x2s, dfs, x2ns, dfns),
            nfi_scaled=fm._nfi(x2s, dfs, x2ns, dfns), pnfi_scaled=fm._pnfi(x2s, dfs, x2ns, dfns),
            ifi_scaled=fm._ifi(x2s, dfs, x2ns, dfns), rni_scaled=fm._rni(x2s, dfs, x2ns, dfns),
        )
        xx2, df2 = (x2s, df) if st0.test == "scaled.shifted" else (x2, tr1)
        lo_s, hi_s = fm._rmsea_ci(xx2, df2, n1, level=ci_level)
        v.update(
            rmsea_scaled=fm._rmsea(xx2, df2, n1) * rg, rmsea_ci_lower_scaled=lo_s * rg,
            rmsea_ci_upper_scaled=hi_s * rg,
            rmsea_pvalue_scaled=fm._rmsea_pvalue(xx2, df2, n1 / G, h0=close_h0),
            rmsea_notclose_pvalue_scaled=fm._rmsea_pvalue(xx2, df2, n1 / G, h0=notclose_h0, close=False),
        )
    cm = _mg_catml(core) if st0.test != "standard" else None
    if cm is not None:  # lavaan's robust CFI/RMSEA of all-ordinal data (Savalei 2021)
        x3, c3, x3n, dfn3, c3n = cm
        lo_r, hi_r = fm._rmsea_ci(x3 / c3, df, n1, c=c3, level=ci_level)
        v.update(
            cfi_robust=fm._cfi(x3, df, x3n, dfn3, c3, c3n), tli_robust=fm._tli(x3, df, x3n, dfn3, c3, c3n),
            nnfi_robust=fm._tli(x3, df, x3n, dfn3, c3, c3n), rni_robust=fm._rni(x3, df, x3n, dfn3, c3, c3n),
            rmsea_robust=fm._rmsea(x3, df, n1, c3) * rg, rmsea_ci_lower_robust=lo_r * rg,
            rmsea_ci_upper_robust=hi_r * rg,
            rmsea_pvalue_robust=fm._rmsea_pvalue(x3 / c3, df, n1 / G, c=c3, h0=close_h0),
            rmsea_notclose_pvalue_robust=fm._rmsea_pvalue(x3 / c3, df, n1 / G, c=c3, h0=notclose_h0,
                                                          close=False),
        )
    v.update(
        rmr=rms["rmr"], rmr_nomean=rms["rmr_nomean"], srmr=rms["srmr_nomean"],
        srmr_bentler=rms["srmr"], srmr_bentler_nomean=rms["srmr_nomean"], crmr=rms["crmr"],
        crmr_nomean=rms["crmr_nomean"],
    )
    from scipy import special

    if df == 0 and x2 < fm._R_EPS:
        v["cn_05"] = v["cn_01"] = math.nan
    else:
        for key, alpha in (("cn_05", 0.05), ("cn_01", 0.01)):
            qv = float(special.chdtri(df, alpha)) if df > 0 else 0.0
            v[key] = fm._r_divide(qv, x2 / n1) + 1.0
    v["gfi"] = gfi
    v["agfi"] = 1.0 - (nel / df) * (1.0 - gfi) if df > 0 else 1.0
    v["pgfi"] = (df / nel) * gfi if nel > 0 else math.nan
    v["mfi"] = math.exp(-0.5 * (x2 - df) / n1)
    v["wrmr"] = math.sqrt(x2 / (nel / G)) if nel > 0 else math.nan  # lavaan: statistics per group
    return fm.FitMeasures.from_values(v)


def fit_groups_ordinal(
    model: Any, data: Any, group: Any, group_equal: Any, group_partial: Any, *, estimator: str | None,
    ordered: Any, parameterization: str, std_lv: bool, se: str | None, meanstructure: bool | None,
    fixed_x: bool, level: float, missing: str, na_values: Any, max_iter: int, tol: float,
) -> Any:
    """``acsi.sem(..., group=, ordered=)``: the checks, the groups' statistics and the fit."""
    from acsi._validation import check_choice
    from acsi.cbsem.api import _LS_ESTIMATORS, _PARAMETERIZATION, _check_categories, _ordered_names
    from acsi.cbsem.mg_api import _options, check_no_general_constraints, prepare_groups
    from acsi.cbsem.mg_results import MultiGroupSEMResult
    from acsi.cbsem.ordinal import ordinal_moments
    from acsi.exceptions import DataError, IdentificationError, SpecificationError
    from acsi.spec.partable import build_multigroup_partable
    from acsi.spec.syntax import ParsedModel, parse_model

    est = check_choice("WLSMV" if estimator is None else estimator, _LS_ESTIMATORS, "estimator",
                       hint="with ordered= use 'WLSMV' (default), 'DWLS', 'ULSMV', 'ULS', 'WLS', "
                       "'WLSM', 'WLSMVS', 'ULSM' or 'ULSMVS'")
    param = check_choice(parameterization, _PARAMETERIZATION, "parameterization",
                         hint="'delta' (lavaan's default) or 'theta'")
    fitting, se_default, _ = ESTIMATORS[est]
    se_kind = se_default if se is None else check_choice(
        se, {"robust": "robust.sem", "robust.sem": "robust.sem", "standard": "standard",
             "expected": "standard"}, "se", hint="with ordered=: 'robust' or 'standard'")
    if missing not in ("listwise", "error"):
        raise SpecificationError(
            f"missing={missing!r} cannot be combined with ordered= and several groups; use "
            "missing='listwise'")
    if ordered is None or ordered is False:
        raise SpecificationError(
            f"estimator={estimator!r} is for ordinal items: name them with ordered=[...]")
    ge, gp = _options(group_equal, group_partial, "listwise", meanstructure)
    # lavaan: with ordinal items, intercepts and thresholds go together
    if "intercepts" in ge and "thresholds" not in ge:
        ge = ge + ("thresholds",)
    if "thresholds" in ge and "intercepts" not in ge:
        ge = ge + ("intercepts",)
    parsed = model if isinstance(model, ParsedModel) else parse_model(model)
    check_no_general_constraints(parsed)
    th_partial = tuple(e for e in gp if "|" in e)
    other_partial = tuple(e for e in gp if "|" not in e)

    def build(labels: tuple[str, ...]) -> ParameterTable:
        return build_multigroup_partable(parsed, len(labels), std_lv=std_lv, fixed_x=fixed_x,
                                         group_equal=ge, group_partial=other_partial,
                                         group_labels=labels)

    gd, pt = prepare_groups(parsed, data, group, build, miss=missing, na_values=na_values)
    names = _ordered_names(ordered, pt, None)
    ordm = np.array([v in set(names) for v in pt.ov_names])
    all_cats = {j: np.unique(np.concatenate([X[:, j] for X in gd.Xs])) for j in np.flatnonzero(ordm)}
    moments = []
    for lab, X in zip(gd.labels, gd.Xs):
        _check_categories(X, pt.ov_names, ordm)
        for j, cats in all_cats.items():
            have = np.unique(X[:, j])
            if have.size != cats.size:
                miss_c = [f"{c:g}" for c in cats if c not in set(have.tolist())]
                raise DataError(
                    f"in group {lab!r}: ordinal item {pt.ov_names[j]!r} has no answer in "
                    f"categor{'y' if len(miss_c) == 1 else 'ies'} {', '.join(miss_c)} (used in "
                    "other groups); lavaan cannot fit thresholds equal or free across groups "
                    "then. Merge the category with a neighbour (recode) in all groups")
        moments.append(ordinal_moments(X, ordm, names=pt.ov_names))
    th_item = np.asarray(moments[0].th_item)
    nth = {v: int((th_item == j).sum()) for j, v in enumerate(pt.ov_names) if ordm[j]}
    known = {f"{v}|t{t + 1}" for v in nth for t in range(nth[v])}
    bad = [e for e in th_partial if "".join(e.split()) not in known]
    if bad:
        raise SpecificationError(
            f"group_partial names {bad[0]!r}, which is not a threshold of the model (e.g. "
            f"{sorted(known)[0]!r})")
    opt = mg_ordinal_partable(pt, nth, param, ge, th_partial)
    nk = sum(len(om.wls_obs) for om in moments)
    if nk - opt.npar < 0:
        raise IdentificationError(
            f"the model is not identified: {opt.npar} free parameters but the groups give only "
            f"{nk} sample statistics (df = {nk - opt.npar}); constrain parameters across groups")
    core = estimate_groups_dwls(opt, moments, list(gd.Xs), gd.labels, estimator=est,
                                parameterization=param, max_iter=int(max_iter), tol=float(tol))
    if not core.converged:
        from acsi.exceptions import ConvergenceWarning, warn

        warn(f"the optimiser did not converge in {core.iterations} iterations (largest absolute "
             f"gradient {core.grad_max:.3g}); raise max_iter or check the model", ConvergenceWarning)
    vcov = mg_dwls_vcov(core, se_kind)
    return MultiGroupSEMResult(
        core=core, estimator=est, se_type="robust" if se_kind == "robust.sem" else "expected",
        level=float(level), theta_vcov=vcov, n_dropped=gd.n_dropped, model_text=parsed.source,
    )
