"""Estimation core: the fitted ML state that standard errors, fit measures and MLR use.

:func:`estimate` turns a :class:`~acsi.spec.partable.ParameterTable` and a complete data
matrix into an :class:`EstimationCore`: sample moments (divisor N), the free-parameter
estimates ``theta`` (after equality constraints), the implied moments, the Jacobian
``Delta`` and lavaan's ``fmin``/``chisq``/``df``. It validates nothing about the user's
input beyond what the numbers need; :mod:`acsi.cbsem.api` does the checking.

Examples
--------
>>> import acsi
>>> from acsi.spec.partable import build_partable
>>> from acsi.cbsem.core import estimate
>>> hs = acsi.datasets.load_holzinger_swineford()
>>> pt = build_partable("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9")
>>> core = estimate(pt, hs[list(pt.ov_names)].to_numpy(float))
>>> round(core.chisq, 3), core.df, core.npar
(85.306, 24, 21)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Literal

import numpy as np

from acsi._blas import single_threaded_blas
from acsi._validation import check_choice
from acsi.cbsem.fiml_kernel import FIMLKernel, FIMLState, saturated_moments
from acsi.cbsem.matrices import LisrelModel
from acsi.cbsem.missing import missing_patterns
from acsi.cbsem.ml import MLKernel, MLSolution
from acsi.results.base import FrozenDict, freeze
from acsi.spec.partable import ParameterTable

__all__ = ["EstimationCore", "estimate", "estimate_fiml", "sample_moments", "start_values"]


def sample_moments(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample mean and covariance with divisor N (lavaan's ``sampstat``)."""
    n = X.shape[0]
    mean = X.mean(axis=0)
    if n <= _MOMENT_BLOCK:
        Xc = X - mean
        S = (Xc.T @ Xc) / n
    else:  # centred cross-products block by block: no centred copy of a large data set
        S = np.zeros((X.shape[1], X.shape[1]))
        for start in range(0, n, _MOMENT_BLOCK):
            Xc = X[start:start + _MOMENT_BLOCK] - mean
            S += Xc.T @ Xc
        S /= n
    return mean, 0.5 * (S + S.T)


#: Rows per block of the centred cross-products of a large data set (a few MB per block).
_MOMENT_BLOCK = 16384


@dataclass(frozen=True, eq=False)
class EstimationCore:
    """Fitted ML state of one model on one complete data set (single group).

    Attributes
    ----------
    ov_names : tuple of str
        Observed variables in lavaan's order (the order of ``X``, ``S``, ``Sigma``).
    X : (N, p) ndarray
        The complete data used.
    N : int
    S : (p, p) ndarray
        Sample covariance, divisor N.
    mean : (p,) ndarray
        Sample mean.
    meanstructure : bool
    fixed_x : tuple of str
        Observed covariates whose (co)variances are fixed at the sample values.
    theta : (q,) ndarray
        Free-parameter estimates after equality constraints (q = ``npar``).
    x : ndarray
        Value of every parameter-table row (``:=`` rows excluded).
    Sigma : (p, p) ndarray
        Implied covariance.
    mu : (p,) ndarray
        Implied mean (the sample mean without a mean structure).
    Delta : ndarray
        d(mu, vech Sigma)/d theta' (mean rows first with a mean structure; vech is the
        lower triangle column by column, as lavaan's ``lav_matrix_vech``).
    fmin : float
        lavaan's fmin, ``F_ML / 2``.
    chisq : float
        ``N F_ML``.
    df : int
        Moments (without those of fixed.x covariates) minus ``npar``.
    npar : int
    converged : bool
    iterations : int
    grad_max : float
        Largest absolute gradient element of ``F_ML`` at the solution.
    partable : ParameterTable
    model : LisrelModel
    kernel : MLKernel
        The (immutable) ML problem: index maps and sample moments.
    parts : dict
        LISREL matrices and products at the solution (with ``Sigma_inv``).
    solution : MLSolution
        The optimiser's record (``theta``, ``F``, moments, iterations, ...).

    Every array attribute is read-only.
    """

    ov_names: tuple[str, ...]
    X: np.ndarray
    N: int
    S: np.ndarray
    mean: np.ndarray
    meanstructure: bool
    fixed_x: tuple[str, ...]
    theta: np.ndarray
    x: np.ndarray
    Sigma: np.ndarray
    mu: np.ndarray
    Delta: np.ndarray
    fmin: float
    chisq: float
    df: int
    npar: int
    converged: bool
    iterations: int
    grad_max: float
    partable: ParameterTable = field(repr=False)
    model: LisrelModel = field(repr=False)
    kernel: MLKernel = field(repr=False)
    parts: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    solution: MLSolution | None = field(repr=False, default=None)
    fiml: FIMLState | None = field(repr=False, default=None)
    #: ordinal least-squares fits (WLSMV, ...): an :class:`acsi.cbsem.dwls.DWLSState`
    dwls: Any = field(repr=False, default=None)
    #: sampling weights of the rows of ``X`` (normalised to sum to ``N``), or None
    weights: np.ndarray | None = field(repr=False, default=None)
    #: every array and dict field is made read-only here: results hold the core as it is
    #: (:func:`acsi.results.base.frozen_copy`)
    _FROZEN_ON_INIT: ClassVar[bool] = True

    def __post_init__(self) -> None:
        for name in ("X", "S", "mean", "theta", "x", "Sigma", "mu", "Delta"):
            object.__setattr__(self, name, freeze(getattr(self, name)))
        # read-only now, so a result's frozen_copy of the core keeps it as it is
        object.__setattr__(self, "parts", FrozenDict({k: freeze(v) for k, v in self.parts.items()}))
        if self.weights is not None:
            object.__setattr__(self, "weights", freeze(self.weights))

    @cached_property
    def _expected(self) -> np.ndarray:
        with single_threaded_blas():
            Si = self.parts.get("Sigma_inv") if self.parts else None
            if Si is None:
                return self.kernel.expected_information(self.theta)
            # the same as kernel.expected_information(theta), from the pieces kept at the
            # solution (no second Cholesky/inverse of Sigma)
            return self.kernel.fisher(self.Delta, Si, self.parts)

    @cached_property
    def _observed(self) -> np.ndarray:
        with single_threaded_blas():
            return self.kernel.observed_information(self.theta)

    def information(self, kind: Literal["expected", "observed"] = "expected") -> np.ndarray:
        """Information matrix per observation (lavaan's unit information), (q, q).

        ``"expected"``: ``Delta' H Delta`` at the implied moments (lavaan's default,
        ``h1.information = "structured"``). ``"observed"``: the Hessian of ``F_ML / 2``
        (numerical derivative of the analytic gradient, as lavaan). The covariance matrix of
        ``theta`` is ``inv(information) / N``. With ``missing="ml"`` (``fiml`` set): the
        information of the FIML ``fmin`` (:meth:`acsi.cbsem.fiml_kernel.FIMLKernel.information`;
        ``"observed"`` is its exact Hessian).
        """
        which = check_choice(kind, ("expected", "observed"), "kind")
        if self.fiml is not None:
            if which == "observed" and self.fiml.observed_information is not None:
                return np.array(self.fiml.observed_information)
            with single_threaded_blas():
                return self.fiml.kernel.information(self.theta, which)
        if which == "expected":
            return self._expected
        return self._observed

    def gradient(self) -> np.ndarray:
        """Gradient of ``F_ML`` w.r.t. ``theta`` at the solution."""
        return self.kernel.gradient(self.theta)

    @property
    def Sigma_inv(self) -> np.ndarray:
        """Inverse of the implied covariance (the optimiser's, computed at the solution)."""
        si = self.parts.get("Sigma_inv")
        return si if si is not None else freeze(np.linalg.inv(self.Sigma))

    @property
    def K(self) -> np.ndarray:
        """(n_free, q) 0/1 matrix mapping ``theta`` to lavaan's free parameters."""
        return self.kernel.K


def _principal_axis(C: np.ndarray) -> tuple[float, np.ndarray]:
    """Largest eigenvalue and its eigenvector, oriented as lavaan orients a factor.

    lavaan keeps a factor's first indicator loading positive when the factor's sign is free
    (``std_lv``, ``NA*`` markers): the start values point that way and the optimum found
    from them does too. (Orienting by the sum of the loadings flips factors whose first
    item is reverse-keyed.)
    """
    w, V = np.linalg.eigh(C)
    v = V[:, -1]
    if v[0] < 0:
        v = -v
    return float(w[-1]), v


def _principal_axes(S: np.ndarray, blocks: list[list[int]]) -> list[tuple[float, np.ndarray]]:
    """:func:`_principal_axis` of ``S[ii, ii]`` for every index list ``ii`` of ``blocks``.

    Blocks of the same size share one (stacked) eigen-decomposition call.
    """
    out: list[tuple[float, np.ndarray]] = [(0.0, np.zeros(0))] * len(blocks)
    by_size: dict[int, list[int]] = {}
    for t, ii in enumerate(blocks):
        by_size.setdefault(len(ii), []).append(t)
    for ts in by_size.values():
        idx = np.array([blocks[t] for t in ts], dtype=np.intp)  # (nb, size)
        C = S[idx[:, :, None], idx[:, None, :]]
        w, V = np.linalg.eigh(C)
        for u, t in enumerate(ts):
            v = V[u, :, -1]
            if v[0] < 0:  # the first indicator's loading positive, as lavaan
                v = -v
            out[t] = (float(w[u, -1]), v)
    return out


def start_values(pt: ParameterTable, model: LisrelModel, S: np.ndarray, ybar: np.ndarray) -> np.ndarray:
    """Start (and fixed) values of every parameter-table row.

    Fixed rows take their value (fixed.x rows the sample moments); free rows take the
    user's ``start()`` or: loadings and factor variances from the first principal axis of
    each factor's indicators (scaled to the fixed loading), residual variances half the
    sample variance (lavaan's "simple" rule), exogenous covariates' (co)variances the
    sample values, regressions and covariances 0, observed intercepts the sample means.

    Which rule applies to which row depends on the table only (:func:`_start_plan`,
    cached); a call computes the data-dependent values and scatters them.
    """
    plan = _start_plan(pt, model)
    ov, ust, ind_rows, n_load = plan.ov, plan.ust, plan.ind_rows, plan.n_load
    x = np.zeros(model.n_rows)
    free = pt.free
    rhs = pt.rhs
    lv_var: dict[str, float] = {}
    lam: dict[int, float] = {}
    axes = _principal_axes(S, plan.blocks)
    for (f, idx), (e1, v1), (marker, vr, var_fixed) in zip(ind_rows.items(), axes, plan.factor_info):
        raw = math.sqrt(max(e1, 1e-8)) * v1
        if marker is not None and abs(raw[marker]) > 1e-8:
            scale = raw[marker] / ust[idx[marker]]  # lambda = raw / scale, psi = scale^2
            vals = raw / scale
            lv_var[f] = scale**2
        elif var_fixed:
            vals = raw / math.sqrt(ust[vr])  # type: ignore[index]
            lv_var[f] = ust[vr]  # type: ignore[index]
        else:
            vals = raw
            lv_var[f] = 1.0
        lam.update(zip(idx, vals.tolist()))
    # indicators loading on exactly one factor: communality-based residual start
    resid: dict[str, float] = {}
    lam_of: dict[str, tuple[str, float]] = {}
    for f, idx in ind_rows.items():
        for k in idx:
            v = rhs[k]
            lk = lam[k] if free[k] else ust[k]
            if n_load[v] == 1 and math.isfinite(lk):
                lam_of[v] = (f, lk)
                svv = S[ov[v], ov[v]]
                resid[v] = max(svv - lk * lk * lv_var[f], 0.1 * svv)
    rk, ri, rj = plan.from_s
    x[rk] = S[ri, rj]
    x[plan.from_mean[0]] = ybar[plan.from_mean[1]]
    x[plan.from_ust[0]] = plan.from_ust[1]
    if plan.loadings:
        x[list(plan.loadings)] = [lam.get(k, 1.0) for k in plan.loadings]
    if plan.residuals:
        x[[k for k, _, _ in plan.residuals]] = [
            resid.get(a, 0.5 * S[i, i]) for _, a, i in plan.residuals
        ]
    if plan.lv_variances:
        x[[k for k, _ in plan.lv_variances]] = [lv_var.get(a, 0.05) for _, a in plan.lv_variances]
    if plan.lv_covariances:
        _factor_covariance_starts(x, plan.lv_covariances, lam_of, lv_var, ov, S)
    if plan.mean_row:
        _mean_starts(x, pt, plan.mean_row, ov, ind_rows, lam, ust, free, ybar)
    return x


def _factor_covariance_starts(
    x: np.ndarray, rows: tuple[tuple[int, str, str], ...], lam_of: dict[str, tuple[str, float]],
    lv_var: dict[str, float], ov: dict[str, int], S: np.ndarray,
) -> None:
    """Exogenous factor covariances: the average of ``S_ij / (lambda_i lambda_j)`` over the
    single-factor indicators ``i`` of one factor and ``j`` of the other (non-zero loadings),
    within 0.95 of the bound the two variances allow (unchanged when a factor has no such
    item). All pairs at once: ``W' S W`` with ``W[i, f] = 1 / lambda_i`` for the items of
    ``f``, divided by the numbers of items."""
    col = {f: t for t, f in enumerate(dict.fromkeys(f for _, a, b in rows for f in (a, b)))}
    W = np.zeros((S.shape[0], len(col)))
    cnt = [0] * len(col)
    for name, (fa, la) in lam_of.items():
        t = col.get(fa)
        if la != 0 and t is not None:
            W[ov[name], t] = 1.0 / la
            cnt[t] += 1
    C = W.T @ S @ W
    for k, a, b in rows:
        ta, tb = col[a], col[b]
        n_ab = cnt[ta] * cnt[tb]
        if n_ab:
            bound = 0.95 * math.sqrt(lv_var[a] * lv_var[b])
            x[k] = min(max(float(C[ta, tb]) / n_ab, -bound), bound)


@dataclass(frozen=True, eq=False)
class _StartPlan:
    """The bookkeeping of :func:`start_values` that depends on the table only (cached)."""

    ov: dict[str, int]
    ust: list[float]
    #: factor -> its indicator rows (``=~`` rows with an observed right-hand side)
    ind_rows: dict[str, list[int]]
    #: the indicators' column indices of each factor (the blocks of the principal axes)
    blocks: list[list[int]]
    #: per factor: position of the first fixed non-zero loading (or None), its variance
    #: row (or None), whether that variance is fixed at a positive value
    factor_info: list[tuple[int | None, int | None, bool]]
    #: indicator -> number of factors it loads on
    n_load: dict[str, int]
    #: rows whose start is a sample (co)variance: rows, row and column of ``S``
    from_s: tuple[np.ndarray, np.ndarray, np.ndarray]
    #: rows whose start is a sample mean: rows, variable
    from_mean: tuple[np.ndarray, np.ndarray]
    #: rows with a finite fixed value or ``start()``: rows, values
    from_ust: tuple[np.ndarray, np.ndarray]
    #: free loadings without a start (principal axis; 1 for a loading on a latent)
    loadings: tuple[int, ...]
    #: free residual variances of observed variables: (row, name, column)
    residuals: tuple[tuple[int, str, int], ...]
    #: free latent variances: (row, factor)
    lv_variances: tuple[tuple[int, str], ...]
    #: free covariances of two exogenous factors with indicators: (row, a, b)
    lv_covariances: tuple[tuple[int, str, str], ...]
    #: latent or observed name -> its intercept row (``~1``); empty without them
    mean_row: dict[str, int]


def _start_plan(pt: ParameterTable, model: LisrelModel) -> _StartPlan:
    """:class:`_StartPlan` of ``pt`` (built once per table; the table is immutable).

    The cached containers are never changed by :func:`start_values` (read only). Every row
    is assigned the first rule that applies, in this order: fixed.x (exogenous) rows the
    sample moments; a finite fixed value or ``start()``; fixed rows without a value 0;
    then by operator (loading, variance, covariance, intercept), else 0.
    """
    key = (pt, model.n_rows)
    hit = _START_PLANS.get(key)
    if hit is not None:
        return hit
    n = model.n_rows
    ov = {v: i for i, v in enumerate(model.ov_names)}
    ust = [float(u) for u in pt.ustart[:n]]
    free = pt.free
    lhs, op, rhs = pt.lhs, pt.op, pt.rhs
    ovx = frozenset(pt.ov_x)
    lv_x = frozenset(pt.lv_x)
    ind_rows: dict[str, list[int]] = {}
    var_row: dict[str, int] = {}
    for k in range(n):
        if op[k] == "=~" and rhs[k] in ov:
            ind_rows.setdefault(lhs[k], []).append(k)
        elif op[k] == "~~" and lhs[k] == rhs[k]:
            var_row[lhs[k]] = k
    info: list[tuple[int | None, int | None, bool]] = []
    for f, idx in ind_rows.items():
        marker = next(
            (t for t, k in enumerate(idx) if free[k] == 0 and ust[k] != 0 and math.isfinite(ust[k])), None
        )
        vr = var_row.get(f)
        var_fixed = vr is not None and free[vr] == 0 and math.isfinite(ust[vr]) and ust[vr] > 0
        info.append((marker, vr, bool(var_fixed)))
    n_load: dict[str, int] = {}
    for idx in ind_rows.values():
        for k in idx:
            n_load[rhs[k]] = n_load.get(rhs[k], 0) + 1
    from_s: list[tuple[int, int, int]] = []
    from_mean: list[tuple[int, int]] = []
    from_ust: list[tuple[int, float]] = []
    loadings: list[int] = []
    residuals: list[tuple[int, str, int]] = []
    lv_variances: list[tuple[int, str]] = []
    lv_covariances: list[tuple[int, str, str]] = []
    for k in range(n):
        a, o, b = lhs[k], op[k], rhs[k]
        if pt.exo[k]:
            if o == "~~":
                from_s.append((k, ov[a], ov[b]))
            else:
                from_mean.append((k, ov[a]))
        elif math.isfinite(ust[k]):
            from_ust.append((k, ust[k]))
        elif free[k] == 0:  # pragma: no cover - fixed rows always carry a value
            continue
        elif o == "=~":
            loadings.append(k)
        elif o == "~~":
            if a == b:
                if a in ov:
                    if a in ovx:
                        from_s.append((k, ov[a], ov[a]))
                    else:
                        residuals.append((k, a, ov[a]))
                else:
                    lv_variances.append((k, a))
            elif a in ovx and b in ovx:
                from_s.append((k, ov[a], ov[b]))
            elif a in ind_rows and b in ind_rows and a in lv_x and b in lv_x:
                lv_covariances.append((k, a, b))
        elif o == "~1" and a in ov:
            from_mean.append((k, ov[a]))

    def cols(pairs: list[Any], dtypes: tuple[Any, ...]) -> tuple[np.ndarray, ...]:
        arrays = tuple(np.array([t[c] for t in pairs], dtype=d) for c, d in enumerate(dtypes))
        for arr in arrays:
            arr.flags.writeable = False
        return arrays

    ip = np.intp
    plan = _StartPlan(
        ov=ov, ust=ust, ind_rows=ind_rows,
        blocks=[[ov[rhs[k]] for k in idx] for idx in ind_rows.values()], factor_info=info, n_load=n_load,
        from_s=cols(from_s, (ip, ip, ip)),  # type: ignore[arg-type]
        from_mean=cols(from_mean, (ip, ip)),  # type: ignore[arg-type]
        from_ust=cols(from_ust, (ip, float)),  # type: ignore[arg-type]
        loadings=tuple(loadings), residuals=tuple(residuals), lv_variances=tuple(lv_variances),
        lv_covariances=tuple(lv_covariances),
        mean_row={lhs[k]: k for k in range(n) if op[k] == "~1"},
    )
    if len(_START_PLANS) >= 64:
        _START_PLANS.clear()
    _START_PLANS[key] = plan
    return plan


_START_PLANS: dict[tuple[ParameterTable, int], _StartPlan] = {}


def _mean_starts(
    x: np.ndarray,
    pt: ParameterTable,
    mean_row: dict[str, int],
    ov: dict[str, int],
    ind_rows: dict[str, list[int]],
    lam: dict[int, float],
    ust: list[float],
    free: Any,
    ybar: np.ndarray,
) -> None:
    """Consistent starts for free latent means and the intercepts of their indicators.

    A free latent mean starts at the average of ``(ybar_i - nu_i) / lambda_i`` over its
    indicators whose intercepts are fixed (the usual marker-intercept identification);
    free indicator intercepts then start at ``ybar_i - sum_f lambda_if alpha_f`` so that the
    implied means equal the sample means at the start.
    """
    alpha: dict[str, float] = {}
    for f, idx in ind_rows.items():
        kf = mean_row.get(f)
        if kf is None or not free[kf] or math.isfinite(ust[kf]):
            if kf is not None:
                alpha[f] = float(x[kf])
            continue
        vals = []
        for k in idx:
            ki = mean_row.get(pt.rhs[k])
            lk = lam[k] if free[k] else ust[k]
            if ki is not None and not free[ki] and math.isfinite(ust[ki]) and abs(lk) > 1e-8:
                vals.append((ybar[ov[pt.rhs[k]]] - ust[ki]) / lk)
        if vals:
            alpha[f] = float(np.mean(vals))
            x[kf] = alpha[f]
    if not any(alpha.values()):
        return
    for f, idx in ind_rows.items():
        af = alpha.get(f, 0.0)
        if af == 0.0:
            continue
        for k in idx:
            ki = mean_row.get(pt.rhs[k])
            if ki is not None and free[ki] and not math.isfinite(ust[ki]):
                lk = lam[k] if free[k] else ust[k]
                x[ki] -= lk * af


def _admissible_start(pt: ParameterTable, kern: MLKernel, theta0: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Shrink free loadings/regressions and raise residual variances until Sigma is PD."""
    x = kern.x_of(theta0)
    ov = {v: i for i, v in enumerate(pt.ov_names)}
    n = len(x)
    free = np.asarray(pt.free[:n]) > 0
    coef = np.array([free[k] and pt.op[k] in ("=~", "~") for k in range(n)])
    resid = [k for k in range(n) if free[k] and pt.op[k] == "~~" and pt.lhs[k] == pt.rhs[k] and pt.lhs[k] in ov]
    for k in resid:
        x[k] = S[ov[pt.lhs[k]], ov[pt.lhs[k]]]
    for _ in range(30):
        th = kern.theta_of(x)
        if np.isfinite(kern.objective(th)):
            return th
        x[coef] *= 0.5
    return kern.theta_of(x)


def _structure(pt: ParameterTable) -> tuple[LisrelModel, MLKernel]:
    """The LISREL index maps of ``pt`` and an ML kernel holding its index plans.

    Both depend on the (immutable) table only, so they are built once per table and reused
    by every fit of it; each fit takes :meth:`MLKernel.with_moments` of the template (its
    own moments and start values, the shared read-only index maps).
    """
    hit = _STRUCTURES.get(pt)
    if hit is None:
        model = LisrelModel.from_partable(pt)
        free_rows = pt.free_rows
        par = np.asarray(pt.par)[free_rows]
        p = len(pt.ov_names)
        hit = (model, MLKernel(model, np.zeros(model.n_rows), free_rows, par, pt.npar, np.eye(p), np.zeros(p)))
        if len(_STRUCTURES) >= 64:
            _STRUCTURES.clear()
        _STRUCTURES[pt] = hit
    return hit


_STRUCTURES: dict[ParameterTable, tuple[LisrelModel, MLKernel]] = {}


def estimate(
    pt: ParameterTable,
    X: np.ndarray,
    *,
    max_iter: int = 500,
    tol: float = 1e-10,
    x_start: np.ndarray | None = None,
    moments: tuple[np.ndarray, np.ndarray] | None = None,
) -> EstimationCore:
    """Fit ``pt`` by ML to the complete data ``X`` (columns in ``pt.ov_names`` order).

    Parameters
    ----------
    pt : ParameterTable
    X : (N, p) ndarray
    max_iter : int
        Largest number of Fisher-scoring iterations.
    tol : float
        Convergence: largest absolute gradient element of ``F_ML``.
    x_start : ndarray, optional
        Start values for every table row (default :func:`start_values`).
    moments : (ybar, S), optional
        ``sample_moments(X)`` when the caller has computed them already.

    Returns
    -------
    EstimationCore
    """
    with single_threaded_blas():
        return _estimate(pt, X, max_iter=max_iter, tol=tol, x_start=x_start, moments=moments)


def _estimate(
    pt: ParameterTable, X: np.ndarray, *, max_iter: int, tol: float, x_start: np.ndarray | None,
    moments: tuple[np.ndarray, np.ndarray] | None = None,
) -> EstimationCore:
    model, template = _structure(pt)
    X = np.asarray(X, dtype=float)
    N = X.shape[0]
    ybar, S = sample_moments(X) if moments is None else moments
    x0 = start_values(pt, model, S, ybar) if x_start is None else np.asarray(x_start, float)
    kern = template.with_moments(S, ybar, x0)
    theta0 = kern.theta_of(x0)
    sol = kern.minimize(theta0, max_iter=max_iter, tol=tol)
    if sol is None and x_start is None:
        # the start values give a non-positive-definite Sigma: shrink them and retry
        theta0 = _admissible_start(pt, kern, theta0, S)
        sol = kern.minimize(theta0, max_iter=max_iter, tol=tol)
    if sol is None:  # no admissible start: the moments at the start, not converged
        sol = kern.solution_at(theta0)
    parts = dict(sol.parts)
    if sol.Sigma_inv is not None:
        parts["Sigma_inv"] = sol.Sigma_inv
    p = len(pt.ov_names)
    n_exo = sum(1 for e in pt.exo if e)
    n_mom = p * (p + 1) // 2 + (p if pt.meanstructure else 0) - n_exo
    return EstimationCore(
        ov_names=pt.ov_names,
        X=X,
        N=int(N),
        S=S,
        mean=ybar,
        meanstructure=pt.meanstructure,
        fixed_x=pt.ov_x if pt.fixed_x else (),
        theta=sol.theta,
        x=kern.x_of(sol.theta),
        Sigma=sol.Sigma,
        mu=sol.mu,
        Delta=sol.Delta,
        fmin=0.5 * sol.F,
        chisq=N * sol.F,
        df=int(n_mom - pt.npar),
        npar=pt.npar,
        converged=sol.converged,
        iterations=sol.iterations,
        grad_max=sol.grad_max,
        partable=pt,
        model=model,
        kernel=kern,
        parts=parts,
        solution=sol,
    )


def estimate_fiml(
    pt: ParameterTable,
    X: np.ndarray,
    *,
    max_iter: int = 500,
    tol: float = 1e-10,
    em_tol: float = 1e-11,
    weights: np.ndarray | None = None,
) -> EstimationCore:
    """Fit ``pt`` (with a mean structure) by full-information ML to data with holes (NaN).

    lavaan's ``missing = "ml"``: the saturated (h1) moments by EM (to ``em_tol``), start
    values from them, then :meth:`acsi.cbsem.fiml_kernel.FIMLKernel.fit`. The core's ``S`` and
    ``mean`` are the EM moments (lavaan's ``sampstat`` with missing data), ``N`` the number
    of rows that are not empty, ``fmin`` lavaan's FIML ``fmin`` and ``chisq = 2 N fmin``.

    Parameters
    ----------
    pt : ParameterTable
        Built with ``meanstructure=True``.
    X : (N, p) ndarray
        Columns in ``pt.ov_names`` order, NaN for missing values, no empty row.
    max_iter, tol : int, float
        Newton iterations; convergence when the largest absolute gradient element of
        ``fmin`` is below ``tol``.
    em_tol : float
        Convergence of the h1 moments (:func:`acsi.cbsem.fiml_kernel.saturated_moments`;
        lavaan's ``em.h1.tol`` is 1e-5, the default here makes them exact to about 1e-11).
    weights : (N,) ndarray, optional
        Sampling weights normalised to sum to ``N`` (every row's likelihood is weighted).

    Returns
    -------
    EstimationCore
        With ``fiml`` holding the patterns, the EM result and the FIML kernel.

    Examples
    --------
    >>> import numpy as np, acsi
    >>> from acsi.spec.partable import build_partable
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> X = hs[[f"x{i}" for i in range(1, 10)]].to_numpy(float)
    >>> X[np.random.default_rng(1).random(X.shape) < 0.1] = np.nan
    >>> pt = build_partable("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
    ...                     "speed =~ x7 + x8 + x9", meanstructure=True)
    >>> core = estimate_fiml(pt, X)
    >>> core.converged, core.df, core.fiml.patterns.n_patterns > 1
    (True, 24, True)
    """
    with single_threaded_blas():
        model = LisrelModel.from_partable(pt)
        X = np.asarray(X, dtype=float)
        mp = missing_patterns(X, weights, names=pt.ov_names)
        em = saturated_moments(X, mp, tol=em_tol, weights=weights)
        x0 = start_values(pt, model, em.cov, em.mean)
        free_rows = pt.free_rows
        par = np.asarray(pt.par)[free_rows]
        ml = MLKernel(model, x0, free_rows, par, pt.npar, em.cov, em.mean)
        kern = FIMLKernel(model, x0, free_rows, par, pt.npar, mp, em.loglik)
        theta0 = ml.theta_of(x0)
        # the complete-data ML fit to the h1 moments is close to the FIML solution (equal
        # for a saturated model): a cheap start for the Newton steps
        two_stage = ml.minimize(theta0, max_iter=max_iter, tol=1e-6)
        fit = None if two_stage is None else kern.fit(two_stage.theta, max_iter=max_iter, tol=tol)
        if fit is None or not np.isfinite(fit.fmin):  # start from the default values instead
            if not np.isfinite(kern.objective(theta0)):
                theta0 = _admissible_start(pt, ml, theta0, em.cov)
            fit = kern.fit(theta0, max_iter=max_iter, tol=tol)
        sigma, mu, parts = kern.implied(fit.theta)
        parts = dict(parts)
        parts["Sigma_inv"] = np.linalg.inv(sigma)
        p = len(pt.ov_names)
        n_exo = sum(1 for e in pt.exo if e)
        n_mom = p * (p + 1) // 2 + p - n_exo
        nobs = mp.nobs
        return EstimationCore(
            ov_names=pt.ov_names,
            X=X,
            N=int(round(nobs)),
            S=em.cov,
            mean=em.mean,
            meanstructure=True,
            fixed_x=pt.ov_x if pt.fixed_x else (),
            theta=fit.theta,
            x=ml.x_of(fit.theta),
            Sigma=sigma,
            mu=mu,
            Delta=kern.moments_jacobian(fit.theta),
            fmin=fit.fmin,
            chisq=2.0 * nobs * fit.fmin,
            df=int(n_mom - pt.npar),
            npar=pt.npar,
            converged=fit.converged,
            iterations=fit.iterations,
            grad_max=fit.grad_max,
            partable=pt,
            model=model,
            kernel=ml,
            parts=parts,
            fiml=FIMLState(patterns=mp, em=em, kernel=kern, loglik=fit.loglik, weights=weights,
                           observed_information=fit.information if fit.converged else None,
                           x_idx=tuple(pt.ov_names.index(v) for v in pt.ov_x) if pt.fixed_x else ()),
        )
