"""Multiple-group ML estimation: one parameter vector, one model per group.

lavaan's multigroup ML (Rosseel 2012; Joreskog 1971): every group ``g`` has its own sample
moments (divisor ``N_g``) and its own LISREL model; the free parameters of all groups form
one vector ``theta`` (equality constraints across groups are shared entries). The
discrepancy is the sample-size weighted sum

.. math::

    F(\\theta) = \\sum_g \\frac{N_g}{N} F_{ML,g}(\\theta), \\qquad T = N F = \\sum_g N_g F_{ML,g},

so lavaan's ``fmin`` is ``F / 2`` and the chi-square of group ``g`` is ``N_g F_{ML,g}``.
The gradient, the expected and the observed information are the same weighted sums of
the groups' pieces (each group's kernel maps the global ``theta`` to its own free rows),
and the covariance of ``theta`` is ``inv(sum_g (N_g/N) I_g) / N``.

:func:`estimate_groups` builds one :class:`~acsi.cbsem.ml.MLKernel` per group (all
with the global parameter count), minimises ``F`` by Fisher scoring then Newton with the
analytic Hessians (no parsing or validation inside the loop) and returns a
:class:`MultiGroupCore` holding a per-group :class:`~acsi.cbsem.core.EstimationCore`
(``groups``) at the common solution. Fit measures, the MLR sandwich and the Yuan-Bentler
test combine the groups' pieces as lavaan does (:func:`multigroup_fit_measures`,
:func:`multigroup_robust_vcov`, :func:`multigroup_robust_test`).

References
----------
Joreskog, K. G. (1971). Simultaneous factor analysis in several populations.
*Psychometrika*, 36, 409-426.

Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2), 1-36.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
from scipy import special
from scipy.linalg.lapack import dpotrf as _dpotrf
from scipy.linalg.lapack import dpotrs as _dpotrs

from acsi._blas import single_threaded_blas
from acsi._validation import check_choice
from acsi.cbsem.core import EstimationCore, sample_moments, start_values
from acsi.cbsem.matrices import LisrelModel
from acsi.cbsem.ml import MLKernel
from acsi.results.base import freeze
from acsi.spec.partable import ParameterTable, group_table

__all__ = [
    "MultiGroupCore", "estimate_groups", "multigroup_fit_measures", "multigroup_robust_vcov",
    "multigroup_robust_test",
]


@dataclass(frozen=True, eq=False)
class MultiGroupCore:
    """Fitted state of a multigroup ML model (all arrays read-only).

    Attributes
    ----------
    partable : ParameterTable
        The multigroup table (``partable.group``: 1..G, 0 for ``:=`` rows).
    groups : tuple of EstimationCore
        One core per group at the common solution: the group's data, moments, implied
        moments, ``Delta`` w.r.t. the global ``theta``, ``chisq = N_g F_g`` (the group's
        contribution to the test statistic); ``df`` and ``npar`` are the model's.
    group_labels : tuple of str
        The groups' names in lavaan's order.
    theta : (q,) ndarray
        Free parameters after equality constraints (all groups).
    x : ndarray
        Value of every row of the table (``:=`` rows excluded), in the table's order.
    N : int
        Total number of observations.
    fmin, chisq : float
        lavaan's ``fmin`` (``sum_g (N_g/N) F_g / 2``) and ``chisq`` (``2 N fmin``).
    df, npar : int
    converged : bool
    iterations : int
    grad_max : float
    """

    partable: ParameterTable = field(repr=False)
    groups: tuple[EstimationCore, ...] = field(repr=False)
    group_labels: tuple[str, ...]
    theta: np.ndarray
    x: np.ndarray
    N: int
    fmin: float
    chisq: float
    df: int
    npar: int
    converged: bool
    iterations: int
    grad_max: float
    fiml: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("theta", "x"):
            object.__setattr__(self, name, freeze(np.asarray(getattr(self, name), dtype=float)))

    # -------------------------------------------------------------- single-group look-alikes
    @property
    def ngroups(self) -> int:
        """Number of groups."""
        return len(self.groups)

    @property
    def nobs_group(self) -> tuple[int, ...]:
        """Observations per group."""
        return tuple(c.N for c in self.groups)

    @property
    def weights(self) -> np.ndarray:
        """``N_g / N`` per group."""
        return np.asarray(self.nobs_group, dtype=float) / float(self.N)

    @property
    def ov_names(self) -> tuple[str, ...]:
        """Observed variables (the same in every group)."""
        return self.partable.ov_names

    @property
    def meanstructure(self) -> bool:
        """Always True for several groups (lavaan's default)."""
        return True

    @property
    def fixed_x(self) -> tuple[str, ...]:
        """The fixed.x covariates."""
        return self.groups[0].fixed_x

    @cached_property
    def S(self) -> np.ndarray:
        """Pooled within-group covariance ``sum_g (N_g / N) S_g`` (p, p); the groups' own
        are ``groups[g].S``."""
        return freeze(sum(wg * c.S for wg, c in zip(self.weights, self.groups)))

    @cached_property
    def mean(self) -> np.ndarray:
        """Overall mean ``sum_g (N_g / N) ybar_g``; the groups' own are ``groups[g].mean``."""
        return freeze(sum(wg * c.mean for wg, c in zip(self.weights, self.groups)))

    @property
    def chisq_group(self) -> tuple[float, ...]:
        """Each group's contribution ``N_g F_g`` to the chi-square (lavaan's ``stat.group``)."""
        return tuple(float(c.chisq) for c in self.groups)

    @cached_property
    def K(self) -> np.ndarray:
        """(n_free, q) 0/1 matrix mapping ``theta`` to lavaan's free rows (all groups)."""
        pt = self.partable
        rows = pt.free_rows
        K = np.zeros((rows.size, self.npar))
        K[np.arange(rows.size), np.asarray(pt.par)[rows]] = 1.0
        return freeze(K)

    @cached_property
    def _info(self) -> dict[str, np.ndarray]:
        return {}

    def information(self, kind: Literal["expected", "observed"] = "expected") -> np.ndarray:
        """Unit information ``sum_g (N_g / N) I_g`` (lavaan's multigroup information), (q, q)."""
        which = check_choice(kind, ("expected", "observed"), "kind")
        cache = self._info
        if which not in cache:
            w = self.weights
            total = np.zeros((self.npar, self.npar))
            for wg, c in zip(w, self.groups):
                total += wg * np.asarray(c.information(which))  # type: ignore[arg-type]
            cache[which] = freeze(total)
        return cache[which]


# ------------------------------------------------------------------------------ estimation
def _theta_start(kernels: list[MLKernel], x0s: list[np.ndarray], q: int) -> np.ndarray:
    """The global start vector: each parameter's start in the first group that has it."""
    theta = np.zeros(q)
    seen = np.zeros(q, dtype=bool)
    for kern, x0 in zip(kernels, x0s):
        par = np.asarray(kern.par_of_free)
        vals = x0[kern.free_rows]
        for j, v in zip(par.tolist(), vals.tolist()):
            if not seen[j]:
                theta[j] = v
                seen[j] = True
    return theta


class _GroupPoint:
    """The groups' evaluations at one ``theta`` and their weighted sums."""

    __slots__ = ("F", "g", "pts")

    def __init__(self, F: float, g: np.ndarray, pts: list[Any]) -> None:
        self.F, self.g, self.pts = F, g, pts


def _eval(kernels: list[MLKernel], w: np.ndarray, theta: np.ndarray) -> _GroupPoint | None:
    pts = []
    F = 0.0
    g = np.zeros(theta.size)
    for wg, kern in zip(w, kernels):
        pt = kern._eval(theta)
        if pt is None:
            return None
        pts.append(pt)
        F += wg * pt.F
        g += wg * pt.g
    return _GroupPoint(F, g, pts)


def _well_conditioned(C: np.ndarray, rel: float = 1e-11) -> bool:
    """Whether the Cholesky factor ``C`` has no pivot below ``sqrt(rel)`` times the largest
    (the matrix is not numerically singular)."""
    d = np.abs(np.diag(C))
    return bool(d.size == 0 or d.min() > math.sqrt(rel) * d.max())


def _pinv_solve(A: np.ndarray, b: np.ndarray, rel: float = 1e-10) -> np.ndarray:
    """Minimum-norm solution of ``A x = b`` for a symmetric positive semi-definite ``A``
    whose null space (directions the objective does not depend on) is dropped."""
    w, V = np.linalg.eigh(0.5 * (A + A.T))
    keep = w > rel * max(1.0, float(abs(w[-1])))
    return np.asarray(V[:, keep] @ ((V[:, keep].T @ b) / w[keep]))


def minimize_groups(
    kernels: list[MLKernel], w: np.ndarray, theta0: np.ndarray, *, max_iter: int = 500,
    tol: float = 1e-10, n_fisher: int = 3,
) -> tuple[np.ndarray, _GroupPoint | None, int, bool, float]:
    """Minimise ``sum_g w_g F_g``: Fisher scoring, then Newton (analytic Hessians).

    The same steps, line search and convergence rules as
    :meth:`acsi.cbsem.ml.MLKernel.minimize`, on the weighted sums of the groups' pieces.

    Returns
    -------
    theta, point (None when Sigma is not positive definite at ``theta0``), iterations,
    converged, largest absolute gradient element
    """
    theta = np.array(theta0, dtype=float)
    cur = _eval(kernels, w, theta)
    if cur is None:
        return theta, None, 0, False, math.inf
    q = theta.size
    F, g = cur.F, cur.g
    gmax = float(np.max(np.abs(g))) if q else 0.0
    if q == 0:
        return theta, cur, 0, True, 0.0
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
            Hm = np.zeros((q, q))
            for wg, kern, pt in zip(w, kernels, cur.pts):
                Hm += wg * kern._hessian_at(pt.mu, pt.parts, pt.Si, pt.Draw, pt.P, pt.W)
            C, info = _dpotrf(Hm, lower=1, clean=1, overwrite_a=0)
            if info == 0 and _well_conditioned(C):
                sol, info = _dpotrs(C, g, lower=1)
                step = -sol if info == 0 else None
        if step is None or not np.all(np.isfinite(step)):
            info2 = np.zeros((q, q))
            for wg, kern, pt in zip(w, kernels, cur.pts):
                info2 += 2.0 * wg * kern.fisher(pt.D, pt.Si, pt.parts)
            C2, info = _dpotrf(info2, lower=1, clean=1, overwrite_a=0)
            if info == 0 and _well_conditioned(C2):
                sol, info = _dpotrs(C2, g, lower=1)
            else:
                info = 1
            if info == 0:
                step = -sol
            else:
                step = -_pinv_solve(info2, g)
        slope = float(g @ step)
        if np.isfinite(slope) and -slope < dec_tol:
            converged = True
            break
        if not np.isfinite(slope) or slope >= 0:
            step = -g * (1.0 / max(1.0, float(np.max(np.abs(g)))))
            slope = float(g @ step)
        t = 1.0
        trial = None
        for _ in range(60):
            trial = _eval(kernels, w, theta + t * step)
            if trial is not None and trial.F <= F + 1e-4 * t * slope + 1e-14 * max(1.0, abs(F)):
                break
            trial = None
            t *= 0.5
        if trial is None:
            break
        if -slope < 1e-9 * max(1.0, abs(F)) and trial.F >= F - 1e-15 * max(1.0, abs(F)):
            stalls += 1
        else:
            stalls = 0
        theta = theta + t * step
        cur = trial
        F, g = cur.F, cur.g
        gmax = float(np.max(np.abs(g)))
        it += 1
        if stalls >= 2:
            converged = True
            break
    else:
        converged = gmax < tol
    return theta, cur, it, bool(converged), gmax


def group_df(pt: ParameterTable, p: int) -> int:
    """Degrees of freedom: the groups' moments (without fixed.x ones) minus ``npar``."""
    G = pt.ngroups
    n_exo = sum(1 for e, g in zip(pt.exo, pt.group) if e and g >= 1)
    n_mom = G * (p * (p + 1) // 2 + p) - n_exo
    return int(n_mom - pt.npar)


def estimate_groups(
    pt: ParameterTable,
    Xs: list[np.ndarray],
    group_labels: tuple[str, ...],
    *,
    max_iter: int = 500,
    tol: float = 1e-10,
    x_start: MultiGroupCore | None = None,
) -> MultiGroupCore:
    """Fit the multigroup table ``pt`` by ML to the groups' complete data ``Xs``.

    Parameters
    ----------
    pt : ParameterTable
        From :func:`acsi.spec.partable.build_multigroup_partable`.
    Xs : list of (N_g, p) ndarray
        Each group's data, columns in ``pt.ov_names`` order.
    group_labels : tuple of str
    max_iter, tol
        As :func:`acsi.cbsem.core.estimate` (``tol`` on the gradient of the weighted ``F``).
    x_start : MultiGroupCore, optional
        A fit of a model with the same rows (e.g. the previous level of an invariance
        sequence): its values start the free rows (fixed rows keep their values).

    Returns
    -------
    MultiGroupCore

    Examples
    --------
    >>> import acsi
    >>> from acsi.spec.partable import build_multigroup_partable
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> pt = build_multigroup_partable("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
    ...                                "speed =~ x7 + x8 + x9", 2)
    >>> Xs = [hs.loc[hs.school == s, list(pt.ov_names)].to_numpy(float)
    ...       for s in ("Pasteur", "Grant-White")]
    >>> core = estimate_groups(pt, Xs, ("Pasteur", "Grant-White"))
    >>> round(core.chisq, 3), core.df
    (115.851, 48)
    """
    with single_threaded_blas():
        return _estimate_groups(pt, Xs, group_labels, max_iter=max_iter, tol=tol, warm=x_start)


def _estimate_groups(
    pt: ParameterTable, Xs: list[np.ndarray], group_labels: tuple[str, ...], *, max_iter: int,
    tol: float, warm: MultiGroupCore | None = None,
) -> MultiGroupCore:
    G = len(Xs)
    q = pt.npar
    views = [group_table(pt, g + 1) for g in range(G)]
    model = LisrelModel.from_partable(views[0])  # the same matrices in every group
    kernels: list[MLKernel] = []
    x0s: list[np.ndarray] = []
    moments = []
    for g, (view, X) in enumerate(zip(views, Xs)):
        if warm is not None:  # the same data: reuse its moments
            mom = (warm.groups[g].mean, warm.groups[g].S)
        else:
            mom = sample_moments(X)
        rows = view.free_rows
        if warm is not None:
            # the previous solution; rows fixed in this table take their fixed value
            # (fixed.x rows, whose value is the sample moment, keep it)
            x0 = np.array(warm.groups[g].x, dtype=float)
            ust = np.asarray(view.ustart[: x0.size], dtype=float)
            fixed = (np.asarray(view.free[: x0.size]) == 0) & np.isfinite(ust) & (np.asarray(view.exo[: x0.size]) == 0)
            x0[fixed] = ust[fixed]
        else:
            x0 = start_values(view, model, mom[1], mom[0])
        kernels.append(MLKernel(model, x0, rows, np.asarray(view.par)[rows], q, mom[1], mom[0]))
        x0s.append(x0)
        moments.append(mom)
    Ns = np.array([X.shape[0] for X in Xs], dtype=float)
    N = int(Ns.sum())
    w = Ns / N
    theta0 = _theta_start(kernels, x0s, q)
    # from a neighbouring solution Newton steps can start at once (no Fisher-scoring phase)
    theta, cur, it, conv, gmax = minimize_groups(kernels, w, theta0, max_iter=max_iter, tol=tol,
                                                 n_fisher=0 if warm is not None else 3)
    p = len(pt.ov_names)
    df = group_df(pt, p)
    cores = []
    F = 0.0
    for g, (view, X, kern, mom) in enumerate(zip(views, Xs, kernels, moments)):
        if cur is not None:  # the optimiser's last evaluation is at theta
            sol = kern._solution(theta, cur.pts[g], it, conv, gmax)
        else:
            sol = kern.solution_at(theta, iterations=it, converged=conv, grad_max=gmax)
        parts = dict(sol.parts)
        if sol.Sigma_inv is not None:
            parts["Sigma_inv"] = sol.Sigma_inv
        F += w[g] * sol.F
        cores.append(EstimationCore(
            ov_names=view.ov_names, X=np.asarray(X, dtype=float), N=int(X.shape[0]), S=mom[1],
            mean=mom[0], meanstructure=True, fixed_x=view.ov_x if view.fixed_x else (),
            theta=theta, x=kern.x_of(theta), Sigma=sol.Sigma, mu=sol.mu, Delta=sol.Delta,
            fmin=0.5 * sol.F, chisq=X.shape[0] * sol.F, df=df, npar=q, converged=conv,
            iterations=it, grad_max=gmax, partable=view, model=model, kernel=kern, parts=parts,
            solution=sol,
        ))
    x = np.concatenate([c.x for c in cores])
    return MultiGroupCore(
        partable=pt, groups=tuple(cores), group_labels=tuple(group_labels), theta=theta, x=x,
        N=N, fmin=float(0.5 * F), chisq=float(N * F), df=df, npar=q, converged=conv and cur is not None,
        iterations=it, grad_max=gmax,
    )


# ------------------------------------------------------------------------------ MLR
def multigroup_robust_vcov(core: MultiGroupCore) -> np.ndarray:
    """Huber-White covariance of ``theta``: ``A^-1 B A^-1 / N`` with ``A = sum_g w_g A_g``
    (observed information) and ``B = sum_g w_g B_g`` (first-order information of each
    group at its implied moments), ``w_g = N_g / N`` (lavaan's multigroup sandwich)."""
    from acsi.cbsem.robust import _inv_information, first_order_information

    a_inv = _inv_information(np.asarray(core.information("observed")), "observed")
    b = sum(wg * first_order_information(c) for wg, c in zip(core.weights, core.groups))
    v = a_inv @ b @ a_inv / core.N
    return 0.5 * (v + v.T)


def multigroup_robust_test(core: MultiGroupCore, information: str = "observed") -> Any:
    """Yuan-Bentler (Mplus) scaled test of a multigroup model, as lavaan's MLR.

    ``c = (sum_g tr(A1_g^-1 B1_g) - sum_g w_g tr(B0_g E^-1)) / df`` with the groups' h1
    traces, their first-order information ``B0_g`` and the inverse ``E^-1`` of the total
    information (lavaan's ``lav_test_yuan_bentler_mplus_trace``); the baseline (independence)
    model has no parameters shared across groups, so its scaling factor sums the groups'
    traces.
    """
    from acsi.cbsem.moments import baseline_moments, x_indices
    from acsi.cbsem.robust import (
        RobustTest,
        _baseline_first_order,
        _baseline_information,
        _h1_trace,
        _inv_information,
        _r_divide,
        first_order_information,
    )

    kind = check_choice(information, ("observed", "expected"), "information")
    e_inv = _inv_information(np.asarray(core.information(kind)), kind)  # type: ignore[arg-type]
    tr_h1 = tr_h0 = tr_h0_base = 0.0
    base_chisq = base_df = 0.0
    ndat_total = 0
    for wg, c in zip(core.weights, core.groups):
        x_idx = x_indices(c)
        t1, ndat = _h1_trace(c, x_idx)
        tr_h1 += t1
        ndat_total += ndat
        tr_h0 += wg * float(np.sum(first_order_information(c) * e_inv.T))
        sigma0, sel0 = baseline_moments(c, x_idx)
        _, logdet_s = np.linalg.slogdet(c.S)
        _, logdet_0 = np.linalg.slogdet(sigma0)
        base_chisq += float(c.N * (logdet_0 - logdet_s))
        base_df += float(ndat - sel0.size)
        e0 = _baseline_information(c, sigma0, sel0, kind)
        b00 = _baseline_first_order(c, sigma0, sel0)
        tr_h0_base += float(np.sum(b00 * np.linalg.inv(e0).T))
    df = float(core.df)
    chisq = float(core.chisq)
    if df > 0:
        cf = (tr_h1 - tr_h0) / df
        if cf < 0:
            cf = math.nan
        scaled = _r_divide(chisq, cf)
        p_scaled = 1.0 - float(special.chdtr(df, scaled))
        trace_ug = tr_h1 - tr_h0
        # lavaan divides the h0 trace by the free parameters before equality constraints
        sf_h1, sf_h0 = tr_h1 / ndat_total, tr_h0 / core.K.shape[0]
    else:
        cf, scaled, p_scaled, trace_ug = math.nan, chisq, math.nan, math.nan
        sf_h1 = sf_h0 = math.nan
    if base_df > 0:
        c0 = (tr_h1 - tr_h0_base) / base_df
        if c0 < 0:
            c0 = math.nan
        base_scaled = _r_divide(base_chisq, c0)
        base_p = 1.0 - float(special.chdtr(base_df, base_scaled))
    else:
        c0, base_scaled, base_p = math.nan, base_chisq, math.nan
    return RobustTest(
        chisq=chisq, df=df, chisq_scaled=float(scaled), scaling_factor=float(cf),
        pvalue_scaled=p_scaled, trace_ugamma=float(trace_ug), scaling_factor_h1=float(sf_h1),
        scaling_factor_h0=float(sf_h0), baseline_chisq=base_chisq,
        baseline_df=base_df, baseline_chisq_scaled=float(base_scaled),
        baseline_scaling_factor=float(c0), baseline_pvalue_scaled=base_p,
    )


# ------------------------------------------------------------------------------ fit measures
def multigroup_fit_measures(
    core: MultiGroupCore, robust: Any = None, *, ci_level: float = 0.90, close_h0: float = 0.05,
    notclose_h0: float = 0.08,
) -> Any:
    """Fit measures of a multigroup model, as lavaan's ``fitMeasures()`` for several groups.

    ``chisq`` and ``df`` are the model's (sum over groups of ``N_g F_g``); the baseline is
    the independence model in every group (chi-squares and df summed); CFI, TLI and the
    other incremental indices use these totals; ``rmsea = sqrt(max(T / (N df) - 1 / N, 0))
    sqrt(G)`` (its interval and p-values with lavaan's ``G`` correction); ``srmr`` (and the
    other residual measures) the ``N_g / N`` weighted mean of the groups'; ``logl`` the sum
    over groups; ``aic``/``bic`` with the total ``npar`` and ``N``; ``gfi`` the ``N_g / N``
    weighted mean of the groups' GFI, ``agfi``/``pgfi`` from it with the moments of all
    groups. With FIML (``missing="ml"``) the groups' pieces are the FIML ones (baseline,
    log-likelihoods, EM moments), and the robust CFI/TLI/RMSEA are lavaan's FIML-corrected
    ones (:func:`_fiml_corrected_groups`).
    """
    from acsi.cbsem import fit_measures as fm
    from acsi.cbsem.moments import x_indices

    if core.groups[0].dwls is not None:  # ordinal items (WLSMV, ...)
        from acsi.cbsem.mg_dwls import mg_dwls_fit_measures

        return mg_dwls_fit_measures(core, ci_level=ci_level, close_h0=close_h0, notclose_h0=notclose_h0)
    G = core.ngroups
    n = float(core.N)
    x2, df, npar = float(core.chisq), float(core.df), float(core.npar)
    x2n = dfn = logl = logl_h1 = gfi = 0.0
    nel = 0
    resid: dict[str, float] = {}
    for wg, c in zip(core.weights, core.groups):
        x_idx = x_indices(c)
        fiml = c.fiml
        gfi_g, nel_g = fm._gfi(c, x_idx) if fiml is None else fm._fiml_gfi(c, fiml)
        gfi += wg * gfi_g
        nel += nel_g
        b, bd = fm._baseline(c, x_idx) if fiml is None else fm._fiml_baseline(c, fiml)
        x2n += b
        dfn += bd
        lg, lh = fm._logl_pair(c, x_idx) if fiml is None else fm._fiml_logl_pair(c, fiml)
        logl += lg
        logl_h1 += lh
        for k, val in fm._residual_measures(c).items():
            resid[k] = resid.get(k, 0.0) + wg * val
    rg = math.sqrt(G)
    v: dict[str, float] = {
        "npar": npar, "nobs": n, "fmin": float(core.fmin), "chisq": x2, "df": df,
        "pvalue": fm._chisq_sf(x2, df), "baseline_chisq": x2n, "baseline_df": dfn,
        "baseline_pvalue": fm._chisq_sf(x2n, dfn), "cfi": fm._cfi(x2, df, x2n, dfn),
        "tli": fm._tli(x2, df, x2n, dfn), "nnfi": fm._tli(x2, df, x2n, dfn),
        "rfi": fm._rfi(x2, df, x2n, dfn), "nfi": fm._nfi(x2, df, x2n, dfn),
        "pnfi": fm._pnfi(x2, df, x2n, dfn), "ifi": fm._ifi(x2, df, x2n, dfn),
        "rni": fm._rni(x2, df, x2n, dfn),
        "logl": logl, "unrestricted_logl": logl_h1, "aic": -2.0 * logl + 2.0 * npar,
        "bic": -2.0 * logl + npar * math.log(n),
        "bic2": -2.0 * logl + npar * math.log((n + 2.0) / 24.0),
    }
    lo, hi = fm._rmsea_ci(x2, df, n, level=ci_level)
    v.update(
        rmsea=fm._rmsea(x2, df, n) * rg, rmsea_ci_lower=lo * rg, rmsea_ci_upper=hi * rg,
        rmsea_ci_level=ci_level,
        rmsea_pvalue=fm._rmsea_pvalue(x2, df, n / G, h0=close_h0),
        rmsea_close_h0=close_h0,
        rmsea_notclose_pvalue=fm._rmsea_pvalue(x2, df, n / G, h0=notclose_h0, close=False),
        rmsea_notclose_h0=notclose_h0,
    )
    v.update(resid)
    v["srmr_bentler"] = v["srmr"]
    v["srmr_bentler_nomean"] = v.pop("srmr_nomean")
    if df == 0 and x2 < fm._R_EPS:
        v["cn_05"] = v["cn_01"] = math.nan
    else:
        for key, alpha in (("cn_05", 0.05), ("cn_01", 0.01)):
            qv = float(special.chdtri(df, alpha)) if df > 0 else 0.0
            v[key] = fm._r_divide(qv, x2 / n) + 1.0

    def fiml_corrected(scaled: bool) -> dict[str, float]:
        """lavaan's FIML-corrected robust CFI/TLI/RMSEA (``scaled``: its "V3" for MLR)."""
        xx3, c3, xx3n, c3n = _fiml_corrected_groups(core, scaled=scaled)
        lo_r, hi_r = fm._rmsea_ci(xx3 / c3, df, n, c=c3, level=ci_level)
        return dict(
            cfi_robust=fm._cfi(xx3, df, xx3n, dfn, c3, c3n),
            tli_robust=fm._tli(xx3, df, xx3n, dfn, c3, c3n),
            nnfi_robust=fm._tli(xx3, df, xx3n, dfn, c3, c3n),
            rni_robust=fm._rni(xx3, df, xx3n, dfn, c3, c3n),
            rmsea_robust=fm._rmsea(xx3, df, n, c3) * rg,
            rmsea_ci_lower_robust=lo_r * rg, rmsea_ci_upper_robust=hi_r * rg,
            rmsea_pvalue_robust=fm._rmsea_pvalue(xx3 / c3, df, n / G, c=c3, h0=close_h0),
            rmsea_notclose_pvalue_robust=fm._rmsea_pvalue(xx3 / c3, df, n / G, c=c3, h0=notclose_h0,
                                                          close=False),
        )

    if core.fiml:
        v.update(fiml_corrected(scaled=False))
    v["gfi"] = gfi
    v["agfi"] = 1.0 - (nel / df) * (1.0 - gfi) if df > 0 else 1.0
    v["pgfi"] = (df / nel) * gfi if nel > 0 else math.nan
    v["mfi"] = math.exp(-0.5 * (x2 - df) / n)
    v["ecvi"] = x2 / n + 2.0 * npar / n
    if robust is not None:
        cf = float(robust.scaling_factor)
        c0 = float(robust.baseline_scaling_factor)
        x2s = float(robust.chisq_scaled)
        x2ns = float(robust.baseline_chisq_scaled)
        v.update(
            chisq_scaled=x2s, df_scaled=df, pvalue_scaled=fm._chisq_sf(x2s, df), scaling_factor=cf,
            baseline_chisq_scaled=x2ns, baseline_df_scaled=dfn,
            baseline_pvalue_scaled=fm._chisq_sf(x2ns, dfn), baseline_scaling_factor=c0,
            cfi_scaled=fm._cfi(x2s, df, x2ns, dfn), tli_scaled=fm._tli(x2s, df, x2ns, dfn),
            nnfi_scaled=fm._tli(x2s, df, x2ns, dfn), rfi_scaled=fm._rfi(x2s, df, x2ns, dfn),
            nfi_scaled=fm._nfi(x2s, df, x2ns, dfn), pnfi_scaled=fm._pnfi(x2s, df, x2ns, dfn),
            ifi_scaled=fm._ifi(x2s, df, x2ns, dfn), rni_scaled=fm._rni(x2s, df, x2ns, dfn),
            cfi_robust=fm._cfi(x2, df, x2n, dfn, cf, c0), tli_robust=fm._tli(x2, df, x2n, dfn, cf, c0),
            nnfi_robust=fm._tli(x2, df, x2n, dfn, cf, c0), rni_robust=fm._rni(x2, df, x2n, dfn, cf, c0),
        )
        df2 = float(robust.trace_ugamma)
        if not math.isfinite(df2) or df2 == 0:
            df2 = math.nan
        lo_s, hi_s = fm._rmsea_ci(x2, df2, n, level=ci_level)
        v.update(
            scaling_factor_h1=float(robust.scaling_factor_h1),
            scaling_factor_h0=float(robust.scaling_factor_h0),
            rmsea_scaled=fm._rmsea(x2, df2, n) * rg, rmsea_ci_lower_scaled=lo_s * rg,
            rmsea_ci_upper_scaled=hi_s * rg,
            rmsea_pvalue_scaled=fm._rmsea_pvalue(x2, df2, n / G, h0=close_h0),
            rmsea_notclose_pvalue_scaled=fm._rmsea_pvalue(x2, df2, n / G, h0=notclose_h0, close=False),
        )
        lo_r, hi_r = fm._rmsea_ci(x2s, df, n, c=cf, level=ci_level)
        v.update(
            rmsea_robust=fm._rmsea(x2, df, n, cf) * rg, rmsea_ci_lower_robust=lo_r * rg,
            rmsea_ci_upper_robust=hi_r * rg,
            rmsea_pvalue_robust=fm._rmsea_pvalue(x2s, df, n / G, c=cf, h0=close_h0),
            rmsea_notclose_pvalue_robust=fm._rmsea_pvalue(x2s, df, n / G, c=cf, h0=notclose_h0,
                                                          close=False),
        )
    # MLR with FIML: lavaan's scaled ("V3") FIML-corrected robust CFI/TLI/RMSEA replace the above
    if core.fiml and robust is not None:
        v.update(fiml_corrected(scaled=True))
    return fm.FitMeasures.from_values(v)


# ------------------------------------------------------------------------------ FIML
def estimate_groups_fiml(
    pt: ParameterTable,
    Xs: list[np.ndarray],
    group_labels: tuple[str, ...],
    *,
    max_iter: int = 500,
    tol: float = 1e-10,
    em_tol: float = 1e-11,
) -> MultiGroupCore:
    """Fit the multigroup table ``pt`` by full-information ML to data with holes (NaN).

    lavaan's ``missing = "ml"`` with groups: per group the h1 moments by EM and a FIML
    kernel; the objective is ``sum_g (N_g / N) fmin_g`` (``N_g`` the group's non-empty
    rows), minimised by Newton steps with the summed exact Hessians (Fisher scoring where
    it is not positive definite) from the complete-data ML fit to the EM moments.
    Each group's core carries its :class:`~acsi.cbsem.fiml_kernel.FIMLState`.
    """
    from scipy.linalg import cho_solve

    from acsi.cbsem.fiml_kernel import FIMLKernel, FIMLState, _cholesky, _solve_spd, saturated_moments
    from acsi.cbsem.missing import missing_patterns

    with single_threaded_blas():
        G = len(Xs)
        q = pt.npar
        views = [group_table(pt, g + 1) for g in range(G)]
        model = LisrelModel.from_partable(views[0])
        mls: list[MLKernel] = []
        fks: list[FIMLKernel] = []
        x0s: list[np.ndarray] = []
        ems = []
        mps = []
        for view, X in zip(views, Xs):
            mp = missing_patterns(X, names=view.ov_names)
            em = saturated_moments(X, mp, tol=em_tol)
            x0 = start_values(view, model, em.cov, em.mean)
            rows = view.free_rows
            par = np.asarray(view.par)[rows]
            mls.append(MLKernel(model, x0, rows, par, q, em.cov, em.mean))
            fks.append(FIMLKernel(model, x0, rows, par, q, mp, em.loglik))
            x0s.append(x0)
            ems.append(em)
            mps.append(mp)
        Ns = np.array([mp.nobs for mp in mps], dtype=float)
        N = float(Ns.sum())
        w = Ns / N
        theta = _theta_start(mls, x0s, q)
        # the complete-data ML fit to the EM moments: a cheap start close to the FIML optimum
        t1, cur, _, _, _ = minimize_groups(mls, w, theta, max_iter=max_iter, tol=1e-6)
        if cur is not None:
            theta = t1

        def fg(th: np.ndarray) -> tuple[float, np.ndarray]:
            f = 0.0
            g = np.zeros(q)
            for wg, k in zip(w, fks):
                fk, gk = k.objective_gradient(th)
                f += wg * fk
                g += wg * gk
            return f, g

        def info(th: np.ndarray, kind: str) -> np.ndarray:
            return sum(wg * k.information(th, kind) for wg, k in zip(w, fks))

        f, g = fg(theta)
        it = 0
        converged = False
        gmax = float(np.abs(g).max()) if np.isfinite(f) else math.inf
        while np.isfinite(f) and it < max_iter:
            if gmax < tol:
                converged = True
                break
            chol = _cholesky(info(theta, "observed"))
            step = np.asarray(cho_solve((chol, True), g)) if chol is not None else None
            if step is None:
                step = _solve_spd(info(theta, "expected"), g)
            if step is None:
                step = g
            alpha = 1.0
            for _ in range(30):
                f_new, g_new = fg(theta - alpha * step)
                if np.isfinite(f_new) and f_new <= f + 1e-12 * abs(f):
                    break
                alpha *= 0.5
            else:
                break
            theta, f, g = theta - alpha * step, f_new, g_new
            gmax = float(np.abs(g).max())
            it += 1
        else:
            converged = bool(np.isfinite(f) and gmax < tol)
        p = len(pt.ov_names)
        df = group_df(pt, p)
        cores = []
        fmin = 0.0
        for gi, (view, X, mlk, fk, em, mp) in enumerate(zip(views, Xs, mls, fks, ems, mps)):
            sigma, mu, parts = fk.implied(theta)
            parts = dict(parts)
            parts["Sigma_inv"] = np.linalg.inv(sigma)
            fmin_g = fk.objective(theta)
            fmin += w[gi] * fmin_g
            loglik = fk.h1_loglik - fmin_g * mp.nobs
            cores.append(EstimationCore(
                ov_names=view.ov_names, X=np.asarray(X, dtype=float), N=int(round(mp.nobs)),
                S=em.cov, mean=em.mean, meanstructure=True,
                fixed_x=view.ov_x if view.fixed_x else (), theta=theta, x=mlk.x_of(theta),
                Sigma=sigma, mu=mu, Delta=fk.moments_jacobian(theta), fmin=fmin_g,
                chisq=2.0 * mp.nobs * fmin_g, df=df, npar=q, converged=converged, iterations=it,
                grad_max=gmax, partable=view, model=model, kernel=mlk, parts=parts,
                fiml=FIMLState(patterns=mp, em=em, kernel=fk, loglik=loglik),
            ))
        x = np.concatenate([c.x for c in cores])
        return MultiGroupCore(
            partable=pt, groups=tuple(cores), group_labels=tuple(group_labels), theta=theta, x=x,
            N=int(round(N)), fmin=float(fmin), chisq=float(2.0 * N * fmin), df=df, npar=q,
            converged=converged,
            iterations=it, grad_max=gmax, fiml=True,
        )


def _fiml_corrected_groups(core: MultiGroupCore, scaled: bool = False) -> tuple[float, float, float, float]:
    """lavaan's FIML-corrected statistics (Zhang & Savalei 2020, "V6") for several groups.

    As :func:`acsi.cbsem.fit_measures._fiml_corrected` with the groups' matrices stacked as
    lavaan's ``lav_fit_fiml_corrected`` does: ``W_m``, ``W_c`` block-diagonal with blocks
    ``(N_g/N) W_{m,g}``, ``(N_g/N) W_{c,g}`` (``W_m^-1`` with ``(N/N_g) W_{m,g}^-1``),
    ``Delta`` the groups' Jacobians stacked, ``U = W_m - W_m Delta (Delta' W_m Delta)^-1
    Delta' W_m``, ``c3 = tr(W_c W_m^-1 U W_m^-1) / df``; ``XX3`` sums the groups'
    complete-data statistics against their EM moments; the same for the independence model
    (block-diagonal ``Delta``). ``scaled=True`` (MLR, lavaan's "V3"): ``c3 = tr(U W_m^-1 W_c
    W_m^-1 U Gamma) / df`` with ``Gamma`` block-diagonal, blocks ``(N/N_g) W_{m,g}^-1 J_{m,g}
    W_{m,g}^-1`` (``J_{m,g}`` the first-order h1 information at the EM moments).

    Returns
    -------
    XX3, c3, XX3_null, c3_null
    """
    from scipy.linalg import block_diag

    from acsi._linalg import vech_indices
    from acsi.cbsem.fiml_kernel import _first_order, moment_hessian

    wm_b, wmi_b, wc_b, deltas, deltas0, gam_b = [], [], [], [], [], []
    xx3 = xx3n = 0.0
    dfn = 0.0
    for wg, c in zip(core.weights, core.groups):
        fiml = c.fiml
        assert fiml is not None
        mp = fiml.patterns
        s_t, m_t = np.asarray(c.S), np.asarray(c.mean)
        p = s_t.shape[0]
        r, cc = vech_indices(p)
        ps = r.size
        _, logdet_s = np.linalg.slogdet(s_t)

        def xx(sig: np.ndarray, mu: np.ndarray, n: float = float(c.N), s_t: np.ndarray = s_t,
               m_t: np.ndarray = m_t, logdet_s: float = logdet_s, p: int = p) -> float:
            si = np.linalg.inv(sig)
            d = m_t - mu
            _, ld = np.linalg.slogdet(sig)
            return n * (ld + float(np.sum(si * s_t)) - logdet_s - p + float(d @ si @ d))

        wm = -moment_hessian(mp, m_t, s_t, observed=True) / mp.nobs
        si = np.linalg.inv(s_t)
        dup = np.zeros((p * p, ps))
        dup[r * p + cc, np.arange(ps)] = 1.0
        dup[cc * p + r, np.arange(ps)] = 1.0
        wc = np.zeros_like(wm)
        wc[:p, :p] = si
        wc[p:, p:] = 0.5 * dup.T @ np.kron(si, si) @ dup
        wm_b.append(wg * wm)
        wmi_b.append(np.linalg.inv(wm) / wg)
        wc_b.append(wg * wc)
        if scaled:
            wmi_g = np.linalg.inv(wm)
            gam_b.append(wmi_g @ _first_order(np.asarray(c.X, dtype=float), mp, m_t, s_t) @ wmi_g / wg)
        deltas.append(np.asarray(c.Delta))
        xx3 += xx(np.asarray(c.Sigma), np.asarray(c.mu))
        x = np.asarray(c.X, dtype=float)
        m0 = np.nanmean(x, axis=0)
        v0 = np.nanmean((x - m0) ** 2, axis=0)
        xx3n += xx(np.diag(v0), m0)
        d0 = np.zeros((p + ps, 2 * p))
        d0[np.arange(p), np.arange(p)] = 1.0
        diag_pos = np.flatnonzero(r == cc)
        d0[p + diag_pos[np.argsort(r[diag_pos])], p + np.arange(p)] = 1.0
        deltas0.append(d0)
        dfn += float(p * (p - 1) // 2)
    wm_all, wmi_all, wc_all = block_diag(*wm_b), block_diag(*wmi_b), block_diag(*wc_b)
    a = wc_all @ wmi_all
    if scaled:
        gam_all = block_diag(*gam_b)
        bmat = wmi_all @ wc_all @ wmi_all

    def k_of(delta: np.ndarray) -> float:
        wd = wm_all @ delta
        u = wm_all - wd @ np.linalg.solve(delta.T @ wd, wd.T)
        if scaled:
            return float(np.trace(u @ bmat @ u @ gam_all))
        return float(np.trace(a @ u @ wmi_all))

    df = float(core.df)
    c3 = k_of(np.vstack(deltas)) / df if df > 0 else math.nan
    c3n = k_of(block_diag(*deltas0)) / dfn if dfn > 0 else math.nan
    return xx3, c3, xx3n, c3n


# ------------------------------------------------------------------------------ MLR with FIML
def multigroup_fiml_robust(core: MultiGroupCore) -> tuple[np.ndarray, Any]:
    """Huber-White covariance and Yuan-Bentler (Mplus) test of a multigroup FIML fit
    (lavaan's ``estimator = "MLR"`` with ``missing = "ml"`` and ``group =``).

    The groups' pieces of :func:`acsi.cbsem.fiml_kernel.fiml_robust`, combined as
    :func:`multigroup_robust_vcov` and :func:`multigroup_robust_test` combine complete-data
    ones: with ``w_g = N_g / N``, ``E = sum_g w_g E_g`` (observed information of the FIML
    ``fmin``) and ``B0 = sum_g w_g Delta_g' B1_g(mu_g, Sigma_g) Delta_g`` (first-order
    information of the casewise scores at the implied moments), ``vcov = E^-1 B0 E^-1 / N``;
    ``trace(U Gamma) = sum_g tr(A1_g^-1 B1_g) - tr(E^-1 B0)`` with the groups' h1 pieces at
    their EM moments, ``c = trace / df``. The baseline (independence) model has no parameter
    shared across groups: its trace sums the groups' traces, its statistic the groups'
    ``2 (logl_h1 - logl_0)``.

    Returns
    -------
    vcov : (q, q) ndarray
    test : acsi.cbsem.robust.RobustTest
    """
    from scipy.special import chdtrc

    from acsi._linalg import vech_indices
    from acsi.cbsem.fiml_kernel import _first_order, moment_hessian
    from acsi.cbsem.missing import fiml_loglik
    from acsi.cbsem.robust import RobustTest

    e = np.asarray(core.information("observed"))
    e_inv = np.linalg.inv(e)
    b0 = np.zeros_like(e)
    tr_h1 = tr0_sum = chisq0 = 0.0
    ndat = 0
    df0 = 0
    for wg, c in zip(core.weights, core.groups):
        fiml = c.fiml
        assert fiml is not None
        mp, em = fiml.patterns, fiml.em
        y = np.asarray(c.X, dtype=float)
        n_g = mp.nobs
        p = mp.p
        delta = np.asarray(c.Delta)
        b0 += wg * (delta.T @ _first_order(y, mp, np.asarray(c.mu), np.asarray(c.Sigma)) @ delta)
        a1 = -moment_hessian(mp, np.asarray(em.mean), np.asarray(em.cov), observed=True) / n_g
        b1 = _first_order(y, mp, np.asarray(em.mean), np.asarray(em.cov))
        tr_h1 += float(np.sum(b1 * np.linalg.inv(a1).T))
        ndat += a1.shape[0]
        r, cc = vech_indices(p)
        ps = r.size
        m0 = np.nanmean(y, axis=0)
        v0 = np.nanmean((y - m0) ** 2, axis=0)
        s0 = np.diag(v0)
        d0 = np.zeros((p + ps, 2 * p))
        d0[np.arange(p), np.arange(p)] = 1.0
        diag_pos = np.flatnonzero(r == cc)
        d0[p + diag_pos[np.argsort(r[diag_pos])], p + np.arange(p)] = 1.0
        e0 = -(d0.T @ moment_hessian(mp, m0, s0, observed=True) @ d0) / n_g
        b00 = d0.T @ _first_order(y, mp, m0, s0) @ d0
        tr0_sum += float(np.sum(b00 * np.linalg.inv(e0).T))
        df0 += p * (p - 1) // 2
        chisq0 += 2.0 * (float(em.loglik) - float(fiml_loglik(mp, m0, s0)))
    vcov = e_inv @ b0 @ e_inv / core.N
    tr_h0 = float(np.sum(b0 * e_inv.T))
    df = float(core.df)
    tr = tr_h1 - tr_h0
    c_f = tr / df if df > 0 else math.nan
    if c_f < 0:
        c_f = math.nan
    tr0 = tr_h1 - tr0_sum
    c0 = tr0 / df0 if df0 > 0 else math.nan
    chisq = float(core.chisq)
    chisq_s = chisq / c_f
    test = RobustTest(
        chisq=chisq, df=df, chisq_scaled=float(chisq_s), scaling_factor=float(c_f),
        pvalue_scaled=float(chdtrc(df, chisq_s)) if df > 0 else math.nan, trace_ugamma=float(tr),
        scaling_factor_h1=tr_h1 / ndat, scaling_factor_h0=tr_h0 / core.K.shape[0],
        baseline_chisq=float(chisq0), baseline_df=float(df0), baseline_chisq_scaled=float(chisq0 / c0),
        baseline_scaling_factor=float(c0), baseline_pvalue_scaled=float(chdtrc(df0, chisq0 / c0)),
    )
    return 0.5 * (vcov + vcov.T), test


def fiml_core_at(core: MultiGroupCore, theta: np.ndarray) -> MultiGroupCore:
    """A multigroup FIML core moved to the parameter vector ``theta`` (the groups' implied
    moments, Jacobians and objectives there; the data, patterns and EM moments unchanged),
    e.g. lavaan's ``M10`` point of the Satorra-Bentler (2010) difference test."""
    from dataclasses import replace

    theta = np.asarray(theta, dtype=float)
    groups = []
    fmin = 0.0
    for wg, c in zip(core.weights, core.groups):
        fiml = c.fiml
        assert fiml is not None
        fk = fiml.kernel
        sigma, mu, parts = fk.implied(theta)
        parts = dict(parts)
        parts["Sigma_inv"] = np.linalg.inv(sigma)
        f_g = fk.objective(theta)
        fmin += wg * f_g
        groups.append(replace(c, theta=theta, x=c.kernel.x_of(theta), Sigma=sigma, mu=mu,
                              Delta=fk.moments_jacobian(theta), fmin=f_g, chisq=2.0 * c.N * f_g,
                              parts=parts))
    return replace(core, groups=tuple(groups), theta=theta, x=np.concatenate([g.x for g in groups]),
                   fmin=float(fmin), chisq=float(2.0 * core.N * fmin))
