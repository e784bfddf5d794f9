"""Nonparametric bootstrap of a CB-SEM fit, as lavaan's ``bootstrapLavaan`` / ``se = "bootstrap"``.

Every resample is a refit of the same model on rows drawn with replacement from the rows the
fit used; its estimates are those of ``lavaan::bootstrapLavaan`` on the same rows (the refit
starts from the full-sample solution and is converged to a gradient below ``1e-10``, so it is
the optimum, not an approximation). The sample moments of every resample of a seed block come
from one product with the row counts; each refit then runs the immutable ML kernel with those
moments (:meth:`acsi.cbsem.ml.MLKernel.with_moments`): nothing is parsed, validated or rebuilt
inside the loop.

Full-information ML fits (``missing="ml"``) and ordinal fits (WLSMV, ...) are refitted from
each resample's raw rows, as lavaan's bootstrap does (the resample's missing-data patterns,
respectively its thresholds, polychoric correlations and weights); fits with sampling
weights resample each row with its weight. Several groups: rows are drawn within each group.

``type="bollen.stine"`` resamples the data transformed to fit the model exactly,
``Z = (X - xbar) S^(-1/2) Sigma^(1/2) (+ mu)`` (Bollen & Stine 1992), and returns the
bootstrap p-value of the chi-square test: the share of replicates whose chi-square exceeds
the sample's (lavaan's ``pvalue.boot``).

Intervals are lavaan's (``parameterEstimates(boot.ci.type = ...)``): ``"perc"`` (the
percentile interval with the boot package's normal-scale interpolation of order
statistics), ``"norm"`` (``est - bias -/+ z se``, the bias taken at the mean of the draws),
``"basic"`` (``2 est - q``) and ``"bca.simple"`` (bias-corrected, no acceleration); ``"bca"``
adds Efron's acceleration from a jackknife (one extra refit per row).

References
----------
Bollen, K. A., & Stine, R. A. (1992). Bootstrapping goodness-of-fit measures in structural
equation models. *Sociological Methods & Research*, 21(2), 205-229.
Davison, A. C., & Hinkley, D. V. (1997). *Bootstrap Methods and their Application*.
Cambridge University Press (``norm.inter``).
Rosseel, Y. (2012). lavaan. *J. Stat. Softw.* 48(2) (``bootstrapLavaan``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi._blas import single_threaded_blas
from acsi._validation import (
    check_choice,
    check_executor,
    check_int,
    check_level,
    check_progress,
    check_seed,
    warn_few_resamples,
)
from acsi.cbsem.api import _weighted_moments
from acsi.cbsem.core import sample_moments
from acsi.cbsem.matrices import LisrelModel
from acsi.cbsem.ml import MLKernel
from acsi.cbsem.standardized import defined_function, standardize
from acsi.exceptions import AcsiError, DataError, SpecificationError
from acsi.inference.intervals import norm_inter
from acsi.inference.resampling import (
    block_seeds,
    check_indices,
    chunk_ranges,
    default_chunk_size,
    pinned_blas,
    run_tasks,
    seed_block_size,
    seed_blocks,
)
from acsi.results.base import ResultMixin, Summary, freeze, frozen_table
from acsi.spec.partable import ParameterTable

if TYPE_CHECKING:  # pragma: no cover
    from acsi.cbsem.results import SEMResult

__all__ = ["SEMBootstrapResult", "BollenStine", "bootstrap_sem", "CI_TYPES"]

#: interval types (lavaan's ``boot.ci.type`` names; "percentile" is an alias of "perc")
CI_TYPES = ("perc", "norm", "basic", "bca.simple", "bca")
_CI_ALIASES = {"percentile": "perc", "normal": "norm"}

_EPS_PD = np.finfo(float).eps ** 0.75  # lavaan's post-check tolerance


# ---------------------------------------------------------------------------- the problem
@dataclass(frozen=True)
class _Problem:
    """What every chunk shares (picklable: the kernel is rebuilt once per chunk)."""

    partable: ParameterTable
    X: np.ndarray  # (N, p) rows the fit used (Bollen-Stine: transformed)
    x_full: np.ndarray  # row values at the full-sample solution (start values)
    theta0: np.ndarray
    exo_rows: np.ndarray  # fixed.x rows: their value is a sample moment of each resample
    exo_a: np.ndarray
    exo_b: np.ndarray  # -1: a mean row
    want: str  # "coef" (estimates and standardized values) or "test" (chi-square)
    max_iter: int
    tol: float
    kind: str = "ml"  # "ml": refit to the resample's moments; "fiml"/"ordinal": to its raw rows
    weights: np.ndarray | None = None  # sampling weights of the rows of X (resampled with them)
    # ordinal: (which items are ordinal, lavaan's fitting function, parameterization, number
    # of thresholds and means of the full sample)
    ordinal: tuple[np.ndarray, str, str, int] | None = None


@dataclass(frozen=True)
class _Task:
    problem: _Problem
    start: int
    stop: int
    n_boot: int
    seed_block: int
    seeds: tuple[np.random.SeedSequence, ...] = ()
    indices: np.ndarray | None = None
    indices_offset: int = 0
    blas_threads: int | None = 1


@dataclass(frozen=True)
class _ChunkOut:
    start: int
    theta: np.ndarray  # (b, q)
    std: np.ndarray  # (b, n_rows) std_all of every table row (empty for "test")
    chisq: np.ndarray  # (b,)
    failed: np.ndarray  # (b,) bool
    inadmissible: np.ndarray  # (b,) bool


def _template(problem: _Problem) -> MLKernel:
    pt = problem.partable
    model = LisrelModel.from_partable(pt)
    if problem.kind != "ml":  # raw rows (holes, codes): the template only maps theta to rows
        p = problem.X.shape[1]
        ybar, S = np.zeros(p), np.eye(p)
    elif problem.weights is not None:
        ybar, S = _weighted_moments(problem.X, problem.weights)
    else:
        ybar, S = sample_moments(problem.X)
    free_rows = pt.free_rows
    par = np.asarray(pt.par)[free_rows]
    return MLKernel(model, problem.x_full, free_rows, par, pt.npar, S, ybar)


def _block_moments(
    X: np.ndarray, rows: np.ndarray, w: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Means (B, p) and covariances (B, p, p) (divisor N) of the resamples with rows ``rows``.

    With sampling weights ``w`` each drawn row carries its weight (lavaan's bootstrap
    resamples rows together with their weights): the weighted mean and the weighted
    covariance with divisor the sum of the drawn weights (``cov.wt(method = "ML")``).
    """
    B, N = rows.shape
    counts = np.zeros((B, N))
    np.add.at(counts, (np.repeat(np.arange(B), N), rows.reshape(-1)), 1.0)
    center = X.mean(axis=0)
    Xc = X - center
    if w is None:
        m = counts @ Xc / N
        S = np.einsum("bn,ni,nj->bij", counts, Xc, Xc, optimize=True) / N - m[:, :, None] * m[:, None, :]
        return m + center, S
    c = counts * w
    tot = c.sum(axis=1)
    with np.errstate(all="ignore"):  # every drawn weight zero: NaN moments, a failed refit
        m = c @ Xc / tot[:, None]
        S = (np.einsum("bn,ni,nj->bij", c, Xc, Xc, optimize=True) / tot[:, None, None]
             - m[:, :, None] * m[:, None, :])
    return m + center, S


def _admissible(pt: ParameterTable, x: np.ndarray, parts: dict[str, np.ndarray], var_rows: np.ndarray) -> bool:
    """lavaan's post-check: no negative variance, latent and residual covariances PD."""
    if var_rows.size and bool((x[var_rows] < 0).any()):
        return False
    nlv = len(pt.lv_names)
    if nlv:
        Veta = parts["Veta"][:nlv, :nlv]
        if np.linalg.eigvalsh(0.5 * (Veta + Veta.T))[0] < -_EPS_PD:
            return False
    Th = parts["Theta"]
    return bool(np.linalg.eigvalsh(0.5 * (Th + Th.T))[0] >= -_EPS_PD)


class _Refitter:
    """Refits of one problem for given sample moments (one per chunk, in the worker)."""

    def __init__(self, pr: _Problem) -> None:
        self.pr = pr
        pt = pr.partable
        self.kern = _template(pr)
        nx = len(pr.x_full)
        self.var_rows = np.array(
            [k for k in range(nx) if pt.op[k] == "~~" and pt.lhs[k] == pt.rhs[k]], dtype=np.intp
        )
        self.def_rows = np.array([k for k, o in enumerate(pt.op) if o == ":="], dtype=np.intp)
        self.f_def = defined_function(pt) if pr.want == "coef" and self.def_rows.size else None
        self.n_tab = len(pt.lhs)
        self.free_rows = np.asarray(pt.free_rows, dtype=np.intp)
        self.par_of_free = np.asarray(pt.par, dtype=np.intp)[self.free_rows]

    def fit(self, S: np.ndarray, ybar: np.ndarray, N: float) -> tuple[np.ndarray, np.ndarray, float, bool] | None:
        """(theta, std_all of every row, chi-square, admissible) or None when the refit fails."""
        pr = self.pr
        xb = None
        if pr.exo_rows.size:
            xb = pr.x_full.copy()
            is_mean = pr.exo_b < 0
            xb[pr.exo_rows[is_mean]] = ybar[pr.exo_a[is_mean]]
            xb[pr.exo_rows[~is_mean]] = S[pr.exo_a[~is_mean], pr.exo_b[~is_mean]]
        try:
            kb = self.kern.with_moments(S, ybar, xb)
            sol = kb.minimize(pr.theta0, max_iter=pr.max_iter, tol=pr.tol)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError):
            return None
        if sol is None or not sol.converged:
            return None
        return self._finish(sol.theta, kb.x_of(sol.theta), sol.Sigma, sol.parts, N * sol.F)

    def fit_rows(self, Xb: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, bool] | None:
        """FIML refit to the raw rows ``Xb`` (holes included), as lavaan's bootstrap of a
        ``missing = "ml"`` fit: the resample's missing-data patterns, a FIML kernel for them
        and Newton steps from the full-sample solution (no h1 model: lavaan's ``h1 = FALSE``
        for ``FUN = "coef"``, the chi-square is not computed). Fixed.x covariates
        (``missing="ml"`` and ``"ml.x"``) keep their full-sample means and (co)variances in
        every replicate, as lavaan 0.6-14's bootstrap of these fits (checked on its replicates
        and their standardized solutions, tests/test_cbsem_fimlx_boot.py); with ``"ml"`` the
        free estimates do not depend on them (the covariates are complete), only the
        standardized values do."""
        from acsi.cbsem.fiml_kernel import FIMLKernel
        from acsi.cbsem.missing import missing_patterns

        pr = self.pr
        pt = pr.partable
        try:
            mp = missing_patterns(Xb, names=pt.ov_names)
            kern = FIMLKernel(self.kern.model, pr.x_full, self.free_rows, self.par_of_free, pt.npar, mp, 0.0)
            fit = kern.fit(pr.theta0, max_iter=pr.max_iter, tol=pr.tol)
            if not fit.converged:
                return None
            sigma, _, parts = kern.implied(fit.theta)
        except (DataError, np.linalg.LinAlgError, FloatingPointError, ValueError):
            return None  # e.g. a resample that never observes two variables together
        return self._finish(fit.theta, self.kern.x_of(fit.theta), sigma, parts, np.nan)

    def fit_ordinal(self, Xb: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, bool] | None:
        """Least-squares refit of an ordinal fit to the raw rows ``Xb``, as lavaan's bootstrap:
        the resample's thresholds, polychoric correlations and their NACOV (the DWLS weight),
        then the same fitting function from the full-sample solution."""
        from acsi.cbsem.dwls import DWLSKernel
        from acsi.cbsem.ordinal import ordinal_moments

        pr = self.pr
        pt = pr.partable
        assert pr.ordinal is not None
        ordm, fitting, param, n_th = pr.ordinal
        model = self.kern.model
        try:
            om = ordinal_moments(Xb, ordm, names=pt.ov_names)
            if len(om.th) != n_th:  # a category no row of the resample chose
                return None
            gamma = np.asarray(om.nacov)
            if fitting == "DWLS":
                W = np.diag(1.0 / np.diag(gamma))
            elif fitting == "ULS":
                W = np.eye(gamma.shape[0])
            else:
                W = np.linalg.inv(gamma)
            kern = DWLSKernel(pt, model, pr.x_full, om, W, param)
            theta, _, _, conv, _ = kern.fit(pr.theta0, max_iter=pr.max_iter, tol=pr.tol)
            if not conv:
                return None
            x = kern.x_final(theta, pt)
            Sigma, _, parts = model.implied(x)
        except (DataError, np.linalg.LinAlgError, FloatingPointError, ValueError):
            return None
        return self._finish(theta, x, Sigma, parts, np.nan)

    def _finish(
        self, theta: np.ndarray, x: np.ndarray, Sigma: np.ndarray, parts: dict[str, np.ndarray], chisq: float,
    ) -> tuple[np.ndarray, np.ndarray, float, bool]:
        pr = self.pr
        ok = _admissible(pr.partable, x, parts, self.var_rows)
        std = np.zeros(0)
        if pr.want == "coef":
            est = np.full(self.n_tab, np.nan)
            est[: x.size] = x
            with np.errstate(all="ignore"):
                if self.f_def is not None:
                    est[self.def_rows] = self.f_def(x)
                std = standardize(pr.partable, est, Sigma, parts["Veta"], self.kern.model.eta_names)[1]
        return theta, std, chisq, ok

    def replicate(self, rows: np.ndarray, S: np.ndarray | None, ybar: np.ndarray | None,
                  ) -> tuple[np.ndarray, np.ndarray, float, bool] | None:
        """The refit of one resample (rows ``rows``; its moments ``S``, ``ybar`` unless FIML)."""
        if self.pr.kind == "fiml":
            return self.fit_rows(self.pr.X[rows])
        if self.pr.kind == "ordinal":
            return self.fit_ordinal(self.pr.X[rows])
        assert S is not None and ybar is not None
        w = self.pr.weights
        # lavaan does not renormalise a resample's weights: its chi-square is 2 sum(w) fmin
        return self.fit(S, ybar, rows.size if w is None else float(w[rows].sum()))


def _draw_rows(task: _Task) -> list[tuple[np.ndarray, int, int]]:
    """Whole seed blocks overlapping [start, stop): (rows (b, N), lo, hi)."""
    N = task.problem.X.shape[0]
    out = []
    for blk in seed_blocks(task.start, task.stop, task.n_boot, task.seed_block):
        if task.indices is not None:
            off = blk.start - task.indices_offset
            rows = task.indices[off : off + (blk.stop - blk.start)]
        else:
            rng = np.random.default_rng(task.seeds[blk.index])
            rows = rng.integers(0, N, size=(blk.stop - blk.start, N))
        out.append((rows, blk.lo, blk.hi))
    return out


def _run_chunk(task: _Task) -> _ChunkOut:
    """Refit resamples [start, stop) (runs in a worker)."""
    pr = task.problem
    with pinned_blas(task.blas_threads):
        ref = _Refitter(pr)
        b = task.stop - task.start
        theta = np.full((b, ref.kern.q), np.nan)
        std = np.full((b, ref.n_tab if pr.want == "coef" else 0), np.nan)
        chisq = np.full(b, np.nan)
        failed = np.zeros(b, dtype=bool)
        inadm = np.zeros(b, dtype=bool)
        i = 0
        for rows, lo, hi in _draw_rows(task):
            if pr.kind != "ml":
                means = covs = None
            else:
                means, covs = _block_moments(pr.X, rows, pr.weights)
            for r in range(lo, hi):
                out = ref.replicate(rows[r], None if covs is None else covs[r], None if means is None else means[r])
                if out is None:
                    failed[i] = True
                else:
                    theta[i], s, chisq[i], ok = out
                    if s.size:
                        std[i] = s
                    inadm[i] = not ok
                i += 1
    return _ChunkOut(task.start, theta, std, chisq, failed, inadm)


def _jackknife(problem: _Problem, blas_threads: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-row-out refits: theta (N, q) and std_all (N, rows) (the BCa acceleration)."""
    with pinned_blas(blas_threads):
        ref = _Refitter(problem)
        X = problem.X
        N = X.shape[0]
        th = np.full((N, ref.kern.q), np.nan)
        sd = np.full((N, ref.n_tab), np.nan)
        keep = np.ones(N, dtype=bool)
        w = problem.weights
        for i in range(N):
            keep[i] = False
            if problem.kind == "fiml":
                out = ref.fit_rows(X[keep])
            elif problem.kind == "ordinal":
                out = ref.fit_ordinal(X[keep])
            else:
                ybar, S = sample_moments(X[keep]) if w is None else _weighted_moments(X[keep], w[keep])
                out = ref.fit(S, ybar, N - 1)
            keep[i] = True
            if out is not None:
                th[i], sd[i] = out[0], out[1]
    return th, sd


# ---------------------------------------------------------------------------- several groups
@dataclass(frozen=True)
class _GroupProblem:
    """A multigroup refit problem (picklable; the kernels are rebuilt once per chunk)."""

    partable: ParameterTable
    Xs: tuple[np.ndarray, ...]  # each group's rows the fit used
    x_full: tuple[np.ndarray, ...]  # each group's row values at the full-sample solution
    theta0: np.ndarray
    max_iter: int
    tol: float
    want: str = "coef"  # "coef" or "test" (the chi-square, Bollen-Stine)
    kind: str = "ml"  # "ml" (moments) or "fiml" (raw rows with holes)


@dataclass(frozen=True)
class _GroupTask:
    problem: _GroupProblem
    start: int
    stop: int
    n_boot: int
    seed_block: int
    seeds: tuple[np.random.SeedSequence, ...] = ()
    indices: tuple[np.ndarray, ...] | None = None
    indices_offset: int = 0
    blas_threads: int | None = 1


class _GroupRefitter:
    """Multigroup refits for given per-group sample moments (one per chunk, in the worker)."""

    def __init__(self, pr: _GroupProblem) -> None:
        from acsi.spec.partable import group_table

        self.pr = pr
        pt = pr.partable
        G = len(pr.Xs)
        self.views = [group_table(pt, g + 1) for g in range(G)]
        model = LisrelModel.from_partable(self.views[0])
        self.model = model
        self.kerns = []
        self.exo = []
        self.var_rows = []
        for view, X, x0 in zip(self.views, pr.Xs, pr.x_full):
            # (FIML: raw rows with holes; the template kernel only maps theta to rows)
            ybar, S = (np.zeros(X.shape[1]), np.eye(X.shape[1])) if pr.kind == "fiml" else sample_moments(X)
            rows = view.free_rows
            self.kerns.append(MLKernel(model, x0, rows, np.asarray(view.par)[rows], pt.npar, S, ybar))
            self.exo.append(_exo_layout(view))
            self.var_rows.append(np.array(
                [k for k in range(len(x0)) if view.op[k] == "~~" and view.lhs[k] == view.rhs[k]], dtype=np.intp
            ))
        Ns = np.array([X.shape[0] for X in pr.Xs], dtype=float)
        self.N = Ns
        self.w = Ns / Ns.sum()
        self.rows = [np.flatnonzero(np.asarray(pt.group) == g + 1) for g in range(G)]
        self.def_rows = np.array([k for k, o in enumerate(pt.op) if o == ":="], dtype=np.intp)
        self.f_def = defined_function(pt) if self.def_rows.size else None
        self.n_tab = len(pt.lhs)
        self.nx = sum(len(x) for x in pr.x_full)

    def fit(
        self, moments: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, float, bool] | None:
        """(theta, std_all of every row, chi-square, admissible) or None when the refit fails.
        ``w``: the groups' shares ``N_g / N`` when they differ from the fit's (the jackknife)."""
        from acsi.cbsem.multigroup import minimize_groups

        pr = self.pr
        kerns = []
        for kern, x0, (rows, a, b), (ybar, S) in zip(self.kerns, pr.x_full, self.exo, moments):
            xb = None
            if rows.size:
                xb = x0.copy()
                is_mean = b < 0
                xb[rows[is_mean]] = ybar[a[is_mean]]
                xb[rows[~is_mean]] = S[a[~is_mean], b[~is_mean]]
            kerns.append(kern.with_moments(S, ybar, xb))
        try:
            theta, cur, it, conv, gmax = minimize_groups(kerns, self.w if w is None else w, pr.theta0,
                                                         max_iter=pr.max_iter, tol=pr.tol, n_fisher=0)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError):
            return None
        if cur is None or not conv:
            return None
        points = [(kern.x_of(theta), pnt.Sigma, pnt.parts) for kern, pnt in zip(kerns, cur.pts)]
        return self._finish(theta, points, float(self.N.sum() * cur.F))

    def fit_rows(
        self, Xbs: list[np.ndarray], w: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, float, bool] | None:
        """FIML refit to each group's raw rows (holes included): the resample's patterns per
        group, ``sum_g (N_g / N) fmin_g`` minimised by Newton steps with the summed exact
        information (expected information where the observed one is not positive
        definite), from the full-sample solution (as :func:`acsi.cbsem.multigroup.estimate_groups_fiml`)."""
        from scipy.linalg import cho_solve

        from acsi.cbsem.fiml_kernel import FIMLKernel, _cholesky, _solve_spd
        from acsi.cbsem.missing import missing_patterns

        pr = self.pr
        try:
            fks = []
            for view, x0, Xb in zip(self.views, pr.x_full, Xbs):
                rows = np.asarray(view.free_rows, dtype=np.intp)
                mp = missing_patterns(Xb, names=view.ov_names)
                fks.append(FIMLKernel(self.model, x0, rows, np.asarray(view.par, dtype=np.intp)[rows],
                                      pr.partable.npar, mp, 0.0))
            w = self.w if w is None else w

            def fg(th: np.ndarray) -> tuple[float, np.ndarray]:
                f, g = 0.0, np.zeros(th.size)
                for wg, k in zip(w, fks):
                    fk, gk = k.objective_gradient(th)
                    f += wg * fk
                    g += wg * gk
                return f, g

            theta = np.array(pr.theta0, dtype=float)
            f, g = fg(theta)
            conv = False
            for _ in range(pr.max_iter):
                if not np.isfinite(f):
                    break
                if float(np.abs(g).max()) < pr.tol:
                    conv = True
                    break
                chol = _cholesky(sum(wg * k.information(theta, "observed") for wg, k in zip(w, fks)))
                step = np.asarray(cho_solve((chol, True), g)) if chol is not None else None
                if step is None:
                    step = _solve_spd(sum(wg * k.information(theta, "expected") for wg, k in zip(w, fks)), g)
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
            if not conv:
                return None
            points = []
            for k, kern in zip(fks, self.kerns):
                sigma, _, parts = k.implied(theta)
                points.append((kern.x_of(theta), sigma, parts))
        except (DataError, np.linalg.LinAlgError, FloatingPointError, ValueError):
            return None
        return self._finish(theta, points, np.nan)

    def _finish(
        self, theta: np.ndarray, points: list[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]], chisq: float,
    ) -> tuple[np.ndarray, np.ndarray, float, bool]:
        ok = True
        s_all = np.full(self.n_tab, np.nan)
        with np.errstate(all="ignore"):
            for view, (x, Sigma, parts), idx, vr in zip(self.views, points, self.rows, self.var_rows):
                ok = ok and _admissible(view, x, parts, vr)
                if self.pr.want == "coef":
                    s_all[idx] = standardize(view, x, Sigma, parts["Veta"], self.model.eta_names)[1]
            if self.f_def is not None and self.pr.want == "coef":
                s_all[self.def_rows] = self.f_def(s_all[: self.nx])
        return theta, s_all, chisq, ok


def _draw_group_rows(task: _GroupTask) -> list[tuple[list[np.ndarray], int, int]]:
    """Whole seed blocks overlapping [start, stop): per-group rows (b, N_g), lo, hi. Each
    block's generator draws group 1's rows for the block, then group 2's, ... (lavaan: the
    indices are drawn separately within each group; group sizes are fixed)."""
    Ns = [X.shape[0] for X in task.problem.Xs]
    out = []
    for blk in seed_blocks(task.start, task.stop, task.n_boot, task.seed_block):
        nb = blk.stop - blk.start
        if task.indices is not None:
            off = blk.start - task.indices_offset
            rows = [ix[off : off + nb] for ix in task.indices]
        else:
            rng = np.random.default_rng(task.seeds[blk.index])
            rows = [rng.integers(0, Ng, size=(nb, Ng)) for Ng in Ns]
        out.append((rows, blk.lo, blk.hi))
    return out


def _run_group_chunk(task: _GroupTask) -> _ChunkOut:
    """Refit multigroup resamples [start, stop) (runs in a worker)."""
    pr = task.problem
    with pinned_blas(task.blas_threads):
        ref = _GroupRefitter(pr)
        b = task.stop - task.start
        theta = np.full((b, pr.theta0.size), np.nan)
        std = np.full((b, ref.n_tab if pr.want == "coef" else 0), np.nan)
        chisq = np.full(b, np.nan)
        failed = np.zeros(b, dtype=bool)
        inadm = np.zeros(b, dtype=bool)
        i = 0
        for rows, lo, hi in _draw_group_rows(task):
            mom = [] if pr.kind == "fiml" else [_block_moments(X, r) for X, r in zip(pr.Xs, rows)]
            for r in range(lo, hi):
                if pr.kind == "fiml":
                    out = ref.fit_rows([X[rw[r]] for X, rw in zip(pr.Xs, rows)])
                else:
                    out = ref.fit([(m[0][r], m[1][r]) for m in mom])
                if out is None:
                    failed[i] = True
                else:
                    theta[i], s, chisq[i], ok = out
                    if std.shape[1]:
                        std[i] = s
                    inadm[i] = not ok
                i += 1
    return _ChunkOut(task.start, theta, std, chisq, failed, inadm)


def _check_group_indices(
    indices: Any, n: Any, sizes: Sequence[int], labels: Sequence[str],
) -> tuple[tuple[np.ndarray, ...], int]:
    """Per-group resample rows: a list/tuple with one (n, N_g) integer array per group."""
    if isinstance(indices, np.ndarray) or not isinstance(indices, (list, tuple)) or len(indices) != len(sizes):
        raise SpecificationError(
            f"indices of a multigroup fit must be a list with one integer array of shape (n, N_g) per "
            f"group ({len(sizes)} groups: " + ", ".join(f"{lab} N={Ng}" for lab, Ng in zip(labels, sizes))
            + "), 0-based rows within each group (lavaan's attr(boot, 'boot.idx') minus 1)"
        )
    out = []
    for ix, Ng, lab in zip(indices, sizes, labels):
        try:
            arr, _ = check_indices(ix, None, Ng, origin="lavaan's boot.idx")
        except SpecificationError as exc:
            raise SpecificationError(f"indices of group {lab!r}: {exc}") from None
        out.append(arr)
    nb = {a.shape[0] for a in out}
    if len(nb) != 1:
        raise SpecificationError(f"indices give different numbers of resamples per group: {sorted(nb)}")
    m = nb.pop()
    if n is not None and int(n) != m:
        raise SpecificationError(f"n={n} but indices holds {m} resamples; give one or the other")
    return tuple(out), m


def _bootstrap_groups(
    res: SEMResult, n: int, root: np.random.SeedSequence, seed_out: Any, idx_all: Any, ci: str, level: float,
    executor: Any, progress: Any, chunk: int | None, blas_threads: int | None, t0: float, type: str,
) -> SEMBootstrapResult:
    """The bootstrap of a multigroup fit: rows resampled within each group (lavaan draws each
    group's rows separately; group sizes are fixed). ``type="bollen.stine"`` transforms each
    group's rows with that group's S, Sigma and mu, as lavaan."""
    core = res.core
    groups = core.groups  # type: ignore[attr-defined]
    fiml = bool(getattr(core, "fiml", None))
    Xs = []
    for c in groups:
        X = np.asarray(c.X, dtype=float)
        if type == "bollen.stine":
            X = _bollen_stine_data(X, c.mean, c.S, c.Sigma, c.mu if c.meanstructure else None)
        Xs.append(X)
    problem = _GroupProblem(
        partable=core.partable, Xs=tuple(Xs), x_full=tuple(np.asarray(c.x, dtype=float) for c in groups),
        theta0=np.asarray(core.theta, dtype=float), max_iter=500, tol=1e-10,
        want="coef" if type == "ordinary" else "test", kind="fiml" if fiml else "ml",
    )
    N = core.N
    sb = seed_block_size(N)
    seeds = block_seeds(root, n, sb) if idx_all is None else ()
    if chunk is None:
        chunk = default_chunk_size(n, N, sb, parallel=executor is not None)
    tasks = [
        _GroupTask(problem=problem, start=c.start, stop=c.stop, n_boot=n, seed_block=sb, seeds=seeds,
                   indices=None if idx_all is None else tuple(ix[c.block_start : c.block_stop] for ix in idx_all),
                   indices_offset=c.block_start, blas_threads=blas_threads)
        for c in chunk_ranges(n, chunk, sb)
    ]
    outs = run_tasks(_run_group_chunk, tasks, [t.stop - t.start for t in tasks], executor=executor,
                     progress=progress, blas_threads=blas_threads)
    outs.sort(key=lambda o: o.start)
    theta = np.concatenate([o.theta for o in outs])
    failed = np.concatenate([o.failed for o in outs])
    inadm = np.concatenate([o.inadmissible for o in outs])
    ok = ~failed
    if int(ok.sum()) < 2:
        raise AcsiError(f"only {int(ok.sum())} of {n} resamples converged; the bootstrap cannot summarise them")
    settings = {"n": n, "ci": ci, "level": level, "type": type, "chunk_size": chunk, "seed_block": sb,
                "indices_given": idx_all is not None, "groups": tuple(res.group_labels),
                "executor": None if executor is None else type_name(executor)}
    bs = None
    est_frame = std_frame = None
    std_draws = np.zeros((0, 0))
    if type == "bollen.stine":
        chisq = np.concatenate([o.chisq for o in outs])[ok]
        larger = int(np.count_nonzero(chisq > core.chisq))
        bs = BollenStine(stat=float(core.chisq), df=int(core.df), pvalue=larger / chisq.size,
                         boot_larger=larger, boot_length=int(chisq.size), chisq=chisq)
    else:
        std_draws = np.concatenate([o.std for o in outs])[ok]
        jack = _group_jackknife(problem, blas_threads) if ci == "bca" else None
        est_frame, std_frame = _tables(res, theta[ok], std_draws, ci, level, jack)
    settings["elapsed_s"] = time.perf_counter() - t0
    return SEMBootstrapResult(
        n=n, n_failed=int(failed.sum()), n_inadmissible=int(inadm[ok].sum()), type=type, ci=ci,
        level=level, seed=seed_out, bollen_stine=bs, settings=settings, _estimates=est_frame,
        _std=std_frame, draws_array=theta @ np.asarray(core.K).T, std_draws_array=std_draws,
        draw_names=tuple(res._free_names), failed_mask=failed, inadmissible_mask=inadm,
    )


def _group_jackknife(
    problem: _GroupProblem, blas_threads: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leave-one-row-out refits of a multigroup fit (one row of one group left out, the other
    groups intact): theta (N, q), std_all (N, rows) and each left-out row's group (0-based)."""
    with pinned_blas(blas_threads):
        ref = _GroupRefitter(problem)
        Xs = problem.Xs
        N = sum(X.shape[0] for X in Xs)
        th = np.full((N, problem.theta0.size), np.nan)
        sd = np.full((N, ref.n_tab), np.nan)
        strata = np.concatenate([np.full(X.shape[0], g) for g, X in enumerate(Xs)])
        full = [sample_moments(X) for X in Xs] if problem.kind == "ml" else []
        i = 0
        for g, X in enumerate(Xs):
            keep = np.ones(X.shape[0], dtype=bool)
            sizes = np.array([Xh.shape[0] for Xh in Xs], dtype=float)
            sizes[g] -= 1
            w = sizes / sizes.sum()  # the groups' shares without the left-out row
            for r in range(X.shape[0]):
                keep[r] = False
                if problem.kind == "fiml":
                    out = ref.fit_rows([X[keep] if h == g else Xh for h, Xh in enumerate(Xs)], w)
                else:
                    mom = list(full)
                    mom[g] = sample_moments(X[keep])
                    out = ref.fit([(m[0], m[1]) for m in mom], w)
                keep[r] = True
                if out is not None:
                    th[i], sd[i] = out[0], out[1]
                i += 1
    return th, sd, strata


# ---------------------------------------------------------------------------- intervals
def _intervals(
    ci: str, level: float, est: np.ndarray, draws: np.ndarray, at_mean: np.ndarray, jack: np.ndarray | None,
    ddof: np.ndarray | int = 1, strata: np.ndarray | None = None, factor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SE (divisor ``n - ddof``, per column, times ``factor``) and the ``ci`` interval of every
    column of ``draws``.

    ``ci="bca"``: the acceleration ``a = sum l^3 / (6 (sum l^2)^(3/2))`` from the jackknife
    values ``jack`` (one row per left-out row), ``l_i = mean - jack_i``; with ``strata`` (the
    group of each left-out row) the stratified influence values ``l_i = (N_g - 1)(mean_g -
    jack_i)``, the mean taken within row i's group (Davison & Hinkley 1997, sec. 3.2)."""
    m = draws.shape[1]
    if draws.shape[0] > 1:
        dev = draws - draws.mean(axis=0)
        se = np.sqrt((dev**2).sum(axis=0) / (draws.shape[0] - np.broadcast_to(ddof, (m,))))
    else:
        se = np.full(m, np.nan)
    if factor is not None:  # (ordinal fits: lavaan's N / (N - 1), see _tables)
        se = se * factor
    lo, hi = est.copy(), est.copy()
    for j in range(m):
        t = draws[:, j]
        t = t[np.isfinite(t)]
        if t.size < 2 or not np.isfinite(est[j]):
            continue
        if ci == "perc":
            lo[j], hi[j] = norm_inter(t, np.array([(1 - level) / 2, (1 + level) / 2]))
        elif ci == "basic":
            qh, ql = norm_inter(t, np.array([(1 + level) / 2, (1 - level) / 2]))
            lo[j], hi[j] = 2 * est[j] - qh, 2 * est[j] - ql
        elif ci == "norm":
            z = _ndtri((1 + level) / 2)
            bias = at_mean[j] - est[j]
            lo[j], hi[j] = est[j] - bias - z * se[j], est[j] - bias + z * se[j]
        else:  # bca.simple / bca
            if np.var(t) == 0:
                continue
            w = _ndtri(np.count_nonzero(t < est[j]) / t.size)
            zal = _ndtri(np.array([(1 - level) / 2, (1 + level) / 2]))
            a = 0.0
            if ci == "bca" and jack is not None:
                if strata is None:
                    d = jack[:, j].mean() - jack[:, j]
                else:
                    d = np.empty(strata.size)
                    for g in np.unique(strata):
                        in_g = strata == g
                        d[in_g] = (in_g.sum() - 1) * (jack[in_g, j].mean() - jack[in_g, j])
                den = 6.0 * (d**2).sum() ** 1.5
                a = float((d**3).sum() / den) if den > 0 else 0.0
            adj = _ndtr(w + (w + zal) / (1 - a * (w + zal)))
            lo[j], hi[j] = norm_inter(t, adj)
    return se, lo, hi


def _ndtri(p: Any) -> Any:
    from acsi._lazy import special

    return special.ndtri(p)


def _ndtr(x: Any) -> Any:
    from acsi._lazy import special

    return special.ndtr(x)


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class BollenStine(ResultMixin):
    """The Bollen-Stine bootstrap test of exact fit.

    Attributes
    ----------
    stat : float
        The sample chi-square.
    df : int
    pvalue : float
        Share of the converged replicates whose chi-square exceeds ``stat``
        (lavaan's ``pvalue.boot``: ``boot_larger / boot_length``).
    boot_larger, boot_length : int
    chisq : ndarray
        Chi-square of every converged replicate.
    """

    stat: float
    df: int
    pvalue: float
    boot_larger: int
    boot_length: int
    chisq: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "chisq", freeze(np.asarray(self.chisq, dtype=float)))

    def __repr__(self) -> str:
        return (f"BollenStine(stat={self.stat:.3f}, df={self.df}, pvalue={self.pvalue:.4f}, "
                f"boot_larger={self.boot_larger}, boot_length={self.boot_length})")

    def _summary(self) -> Summary:
        frame = pd.DataFrame({"chisq": [self.stat], "df": [self.df], "pvalue_boot": [self.pvalue],
                              "larger": [self.boot_larger], "replicates": [self.boot_length]})
        return Summary(title="Bollen-Stine bootstrap test of exact fit", tables=[("test", frame)])


@dataclass(frozen=True, eq=False)
class SEMBootstrapResult(ResultMixin):
    """Bootstrap of a CB-SEM fit: SEs and intervals of every parameter, ``:=`` and std_all value.

    Attributes
    ----------
    n : int
        Resamples drawn.
    n_failed : int
        Replicates that did not converge (or whose implied covariance was never positive
        definite); excluded from every statistic and counted here, as lavaan's ``error.idx``.
    n_inadmissible : int
        Converged replicates failing lavaan's post-check (a negative variance, a latent or
        residual covariance matrix not positive definite); kept, as lavaan keeps them.
    type : {"ordinary", "bollen.stine"}
    ci : str
    level : float
    seed : int or None
        The seed (fresh entropy recorded when ``seed=None``).
    bollen_stine : BollenStine or None
        The test (``type="bollen.stine"`` only).
    settings : dict
    """

    n: int
    n_failed: int
    n_inadmissible: int
    type: str
    ci: str
    level: float
    seed: int | None
    bollen_stine: BollenStine | None
    settings: dict[str, Any] = field(repr=False, compare=False)  # how it ran (not what it found)
    _estimates: pd.DataFrame | None = field(repr=False, default=None)
    _std: pd.DataFrame | None = field(repr=False, default=None)
    draws_array: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    draw_names: tuple[str, ...] = field(repr=False, default=())
    std_draws_array: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    failed_mask: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=bool))
    inadmissible_mask: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        for name in ("draws_array", "std_draws_array", "failed_mask", "inadmissible_mask"):
            object.__setattr__(self, name, freeze(np.asarray(getattr(self, name))))

    def __repr__(self) -> str:
        extra = "" if self.bollen_stine is None else f", bollen_stine_p={self.bollen_stine.pvalue:.4f}"
        return (f"SEMBootstrapResult(type={self.type!r}, n={self.n}, n_failed={self.n_failed}, "
                f"n_inadmissible={self.n_inadmissible}, ci={self.ci!r}, level={self.level}{extra})")

    def _need_ordinary(self, what: str) -> None:
        if self.type != "ordinary":
            raise SpecificationError(
                f"{what} is not available for type={self.type!r}: that bootstrap resamples the data "
                "transformed to fit the model exactly, so its replicates test the fit but are no "
                "sampling distribution of the estimates; run res.bootstrap(type='ordinary')"
            )

    @frozen_table
    def estimates(self) -> pd.DataFrame:
        """One row per parameter-table row (lavaan's order): ``lhs, op, rhs, label, est, se,
        ci_lower, ci_upper`` (``se`` NaN and ``ci_lower = ci_upper = est`` for fixed rows)."""
        self._need_ordinary("estimates")
        assert self._estimates is not None
        return self._estimates

    @frozen_table
    def standardized(self) -> pd.DataFrame:
        """std_all of every row with its bootstrap SE and interval: ``lhs, op, rhs, label,
        est_std, se, ci_lower, ci_upper``."""
        self._need_ordinary("standardized")
        assert self._std is not None
        return self._std

    @frozen_table
    def standardized_draws(self) -> pd.DataFrame:
        """std_all of every table row in each converged replicate (one row per replicate)."""
        self._need_ordinary("standardized_draws")
        assert self._std is not None
        cols = [f"{a}{o}{b}" for a, o, b in zip(self._std.lhs, self._std.op, self._std.rhs)]
        return pd.DataFrame(np.asarray(self.std_draws_array), columns=cols)

    @frozen_table
    def draws(self) -> pd.DataFrame:
        """The replicates of the free parameters (one row per resample, NaN for a failed one)."""
        return pd.DataFrame(np.asarray(self.draws_array), columns=list(self.draw_names))

    def _summary(self) -> Summary:
        notes = [
            f"{self.n} resamples; {self.n_failed} failed (excluded), {self.n_inadmissible} "
            "inadmissible (kept, as lavaan)",
        ]
        tables: list[tuple[str, pd.DataFrame]] = []
        if self.type == "ordinary":
            tables.append(("Estimates", self.estimates))
            notes.append(f"{self.ci} intervals at level {self.level}")
        if self.bollen_stine is not None:
            tables.append(("Bollen-Stine test", self.bollen_stine._summary().tables[0][1]))
        return Summary(title="CB-SEM bootstrap", tables=tables, notes=notes)


# ---------------------------------------------------------------------------- driver
def _check_supported(res: SEMResult, type: str) -> None:
    """Refuse what this bootstrap does not reproduce (lavaan's reasons where lavaan refuses)."""
    core = res.core
    pt = core.partable
    fiml = bool(getattr(core, "fiml", None))
    cores = list(core.groups) if res.ngroups > 1 else [core]  # type: ignore[attr-defined]
    ordinal = any(getattr(c, "dwls", None) is not None for c in cores)
    if ordinal and type == "bollen.stine":
        raise SpecificationError(
            "type='bollen.stine' is not defined for ordinal items: the transformation Z = (X - xbar) "
            "S^(-1/2) Sigma^(1/2) needs continuous data (lavaan refuses it too: 'bollen.stine/yuan "
            "bootstrap not available for categorical/ordinal data'); use type='ordinary'"
        )
    if ordinal and res.ngroups > 1:
        raise SpecificationError(
            "the bootstrap of a multigroup ordinal (WLSMV) fit is not implemented in acsi yet; it is "
            "available for single-group ordinal fits"
        )
    if ordinal and bool(np.isnan(np.asarray(core.X, dtype=float)).any()):
        raise SpecificationError(
            "the bootstrap of an ordinal fit with missing values is not implemented in acsi yet; fit "
            "the complete rows (missing='listwise') to bootstrap"
        )
    if pt.constraints:
        raise SpecificationError(
            f"the bootstrap of a model with general constraints ({pt.constraints[0][4]}) is not implemented "
            "in acsi yet (each resample would need the constrained refit); use shared labels for equal "
            "parameters, or the delta-method standard errors of the fit"
        )
    if type == "bollen.stine" and fiml:
        raise SpecificationError(
            "type='bollen.stine' needs complete data: the transformation Z = (X - xbar) S^(-1/2) "
            "Sigma^(1/2) is not defined for rows with holes (lavaan refuses it too: 'bollen.stine/yuan "
            "bootstrap not available for missing data'); use type='ordinary', or missing='listwise'"
        )
    if res.ngroups > 1 and any(getattr(c, "weights", None) is not None for c in cores):
        raise SpecificationError(  # (not reachable while multigroup fits refuse sampling weights)
            "the bootstrap of a multigroup fit with sampling weights is not implemented in acsi"
        )


def _dwls_base(core: Any) -> np.ndarray:
    """The row values an ordinal kernel starts from, as :func:`acsi.cbsem.dwls.estimate_dwls`
    builds them (the computed rows, residual variances of ordinal items in the delta
    parameterization, hold their start values there, not the fitted ones)."""
    from acsi.cbsem.core import start_values

    pt = core.partable
    om = core.dwls.moments
    ordm = np.asarray(om.ordered, dtype=bool)
    mean = np.zeros(len(pt.ov_names))
    mean[~ordm] = np.asarray(om.th)[~ordm[om.th_item]]
    x0 = start_values(pt, core.model, np.asarray(om.cov), mean)
    th_rows = [k for k in range(core.model.n_rows) if pt.op[k] == "|"]
    x0[th_rows] = np.asarray(om.th)[ordm[om.th_item]]
    return np.asarray(x0, dtype=float)


def _bollen_stine_data(
    X: np.ndarray, center: np.ndarray, S: np.ndarray, Sigma: np.ndarray, mu: np.ndarray | None,
) -> np.ndarray:
    """Bollen and Stine's transformed data ``(X - center) S^(-1/2) Sigma^(1/2) (+ mu)``
    (lavaan: ``center`` the column means, also for weighted fits, ``S`` the fit's sample covariance)."""
    Z = (X - center) @ _sym_sqrt(S, inverse=True) @ _sym_sqrt(Sigma)
    return Z if mu is None else Z + mu


def _sym_sqrt(A: np.ndarray, inverse: bool = False) -> np.ndarray:
    w, V = np.linalg.eigh(0.5 * (A + A.T))
    w = np.sqrt(np.clip(w, 0.0, None))
    if inverse:
        w = 1.0 / w
    return (V * w) @ V.T


def _exo_layout(pt: ParameterTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ov = {v: i for i, v in enumerate(pt.ov_names)}
    rows, a, b = [], [], []
    for k, e in enumerate(pt.exo):
        if e and pt.op[k] in ("~~", "~1"):
            rows.append(k)
            a.append(ov[pt.lhs[k]])
            b.append(ov[pt.rhs[k]] if pt.op[k] == "~~" else -1)
    return (np.asarray(rows, dtype=np.intp), np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp))


def bootstrap_sem(
    res: SEMResult,
    n: int | None = None,
    seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    indices: np.ndarray | Sequence[Sequence[int]] | None = None,
    ci: str = "perc",
    level: float = 0.95,
    executor: Any = None,
    progress: Any = None,
    *,
    type: str = "ordinary",
    chunk_size: int | None = None,
    blas_threads: int | None = 1,
) -> SEMBootstrapResult:
    """Bootstrap a CB-SEM fit: every free parameter, every ``:=`` value, the std_all solution.

    Each resample refits the model on ``N`` rows drawn with replacement from the rows the
    fit used, starting from the full-sample estimates; the statistics are those of
    lavaan's ``bootstrapLavaan(fit, FUN = "coef")`` (``se = "bootstrap"``) and
    ``parameterEstimates(boot.ci.type = ci)`` on the same rows. Usually called as
    ``res.bootstrap(...)``.

    Parameters
    ----------
    res : SEMResult
        An ML or MLR fit (``acsi.sem``/``acsi.cfa``): complete data, ``missing="ml"``
        (FIML), ``sampling_weights``, ordinal items (WLSMV and the other least-squares
        estimators), one group or several. Not: general constraints; ``type="bollen.stine"``
        with missing values or ordinal items (lavaan refuses those too).
    n : int, default 1000
        Resamples (with ``indices``: their number; a different ``n`` raises).
    seed : int, SeedSequence, Generator or None
        Root of the seed blocks (:mod:`acsi.inference.resampling`): the same seed gives
        bit-identical results serially, in threads, in processes and on a dask cluster.
        ``None`` draws fresh entropy, recorded in the result's ``seed``.
    indices : array (n, N), optional
        0-based rows of each resample (lavaan's ``attr(boot, "boot.idx")`` minus 1): every
        replicate then equals lavaan's refit on those rows.
    ci : {"perc", "norm", "basic", "bca.simple", "bca"}
        lavaan's ``boot.ci.type`` ("percentile" is an alias of "perc"); "bca" adds the
        jackknife acceleration to lavaan's "bca.simple" (``N`` extra refits).
    level : float, default 0.95
    executor, progress
        See :func:`acsi.inference.resampling.run_tasks`.
    type : {"ordinary", "bollen.stine"}
        "bollen.stine" resamples the model-transformed data and gives the bootstrap p-value
        of the chi-square test (``result.bollen_stine``).
    chunk_size : int, optional
        Resamples per work chunk (the numbers do not depend on it).
    blas_threads : int or None, default 1

    Returns
    -------
    SEMBootstrapResult

    Notes
    -----
    The standard error is the standard deviation of the converged replicates, as lavaan's:
    divisor ``n`` for the free parameters (lavaan's ``cov(COEF) (n - 1) / n``) and ``n - 1``
    for ``:=`` rows (``cov()`` of their draws) and the standardized values; for ordinal
    fits the free parameters' SE is ``sqrt(N / (N - 1))`` larger (lavaan's least-squares
    covariance divides by ``N - 1``). For ``:=`` rows
    the draws are the expression evaluated on each replicate; lavaan's "norm" interval takes
    the bias at the expression of the mean draw.
    Replicates that fail are excluded and counted (``n_failed``); inadmissible ones are
    kept and counted (``n_inadmissible``), as lavaan does.

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", hs)
    >>> boot = res.bootstrap(n=100, seed=1)
    >>> boot.n, boot.n_failed
    (100, 0)
    >>> row = boot.estimates.iloc[1]
    >>> (row.lhs, row.op, row.rhs), bool(row.ci_lower < row.est < row.ci_upper)
    (('visual', '=~', 'x2'), True)
    """
    t0 = time.perf_counter()
    core = res.core
    multi = res.ngroups > 1
    type = check_choice(type, ("ordinary", "bollen.stine"), "type")
    _check_supported(res, type)
    ci = check_choice(_CI_ALIASES.get(ci, ci) if isinstance(ci, str) else ci, CI_TYPES, "ci")
    level = check_level(level)
    executor = check_executor(executor)
    progress = check_progress(progress)
    if blas_threads is not None:
        blas_threads = check_int(blas_threads, "blas_threads", minimum=1, hint="or None to leave BLAS alone")
    N = core.N
    if indices is not None:
        idx_all: Any
        if multi:
            idx_all, n = _check_group_indices(indices, n, core.nobs_group,  # type: ignore[attr-defined]
                                                  res.group_labels)
        else:
            idx_all, n = check_indices(indices, n, N, origin="lavaan's boot.idx")
        root, seed_out = np.random.SeedSequence(0), (None if seed is None else check_seed(seed)[1])
    else:
        idx_all = None
        n = check_int(1000 if n is None else n, "n", minimum=2, hint="the number of resamples")
        root, seed_out = check_seed(seed)
    chunk = None if chunk_size is None else check_int(chunk_size, "chunk_size", minimum=1)
    if type == "ordinary":
        warn_few_resamples(n, level, "normal" if ci == "norm" else "percentile", "n")
    if not core.converged:
        raise AcsiError("the model did not converge on the full sample; the bootstrap needs a converged fit")

    if multi:
        return _bootstrap_groups(res, n, root, seed_out, idx_all, ci, level, executor, progress, chunk,
                                 blas_threads, t0, type)
    pt = core.partable
    X = np.asarray(core.X, dtype=float)
    weights = None if core.weights is None else np.asarray(core.weights, dtype=float)
    if type == "bollen.stine":
        X = _bollen_stine_data(X, core.mean if weights is None else X.mean(axis=0), core.S, core.Sigma,
                               core.mu if core.meanstructure else None)
    exo_rows, exo_a, exo_b = _exo_layout(pt)
    problem = _Problem(
        partable=pt, X=X, x_full=np.asarray(core.x, dtype=float), theta0=np.asarray(core.theta, dtype=float),
        exo_rows=exo_rows, exo_a=exo_a, exo_b=exo_b, want="coef" if type == "ordinary" else "test",
        max_iter=500, tol=1e-10, kind="ml" if core.fiml is None else "fiml", weights=weights,
    )
    if core.dwls is not None:  # ordinal items: every replicate from its raw rows
        st = core.dwls
        problem = dataclasses.replace(problem, kind="ordinal", x_full=_dwls_base(core), ordinal=(
            np.asarray(st.moments.ordered, dtype=bool), str(st.fitting), str(st.parameterization),
            int(len(st.moments.th))))
    sb = seed_block_size(N)
    seeds = block_seeds(root, n, sb) if idx_all is None else ()
    if chunk is None:
        chunk = default_chunk_size(n, N, sb, parallel=executor is not None)
    tasks = [
        _Task(problem=problem, start=c.start, stop=c.stop, n_boot=n, seed_block=sb, seeds=seeds,
              indices=None if idx_all is None else idx_all[c.block_start : c.block_stop],
              indices_offset=c.block_start, blas_threads=blas_threads)
        for c in chunk_ranges(n, chunk, sb)
    ]
    outs = run_tasks(_run_chunk, tasks, [t.stop - t.start for t in tasks], executor=executor,
                     progress=progress, blas_threads=blas_threads)
    outs.sort(key=lambda o: o.start)
    theta = np.concatenate([o.theta for o in outs])
    failed = np.concatenate([o.failed for o in outs])
    inadm = np.concatenate([o.inadmissible for o in outs])
    ok = ~failed
    if int(ok.sum()) < 2:
        raise AcsiError(f"only {int(ok.sum())} of {n} resamples converged; the bootstrap cannot summarise them")
    names = tuple(res._free_names)
    settings = {"n": n, "ci": ci, "level": level, "type": type, "chunk_size": chunk, "seed_block": sb,
                "indices_given": idx_all is not None,
                "executor": None if executor is None else type_name(executor)}
    bs = None
    est_frame = std_frame = None
    std_draws = np.zeros((0, 0))
    if type == "bollen.stine":
        chisq = np.concatenate([o.chisq for o in outs])[ok]
        larger = int(np.count_nonzero(chisq > core.chisq))
        bs = BollenStine(stat=float(core.chisq), df=int(core.df), pvalue=larger / chisq.size,
                         boot_larger=larger, boot_length=int(chisq.size), chisq=chisq)
    else:
        std_draws = np.concatenate([o.std for o in outs])[ok]
        jack = _jackknife(problem, blas_threads) if ci == "bca" else None
        est_frame, std_frame = _tables(res, theta[ok], std_draws, ci, level, jack)
    settings["elapsed_s"] = time.perf_counter() - t0
    return SEMBootstrapResult(
        n=n, n_failed=int(failed.sum()), n_inadmissible=int(inadm[ok].sum()), type=type, ci=ci,
        level=level, seed=seed_out, bollen_stine=bs, settings=settings, _estimates=est_frame,
        _std=std_frame, draws_array=theta @ np.asarray(core.K).T, std_draws_array=std_draws, draw_names=names,
        failed_mask=failed,
        inadmissible_mask=inadm,
    )


def type_name(obj: Any) -> str:
    """The class name of ``obj`` (recorded in settings)."""
    return obj.__class__.__name__


def _tables(
    res: SEMResult, theta: np.ndarray, std_draws: np.ndarray, ci: str, level: float,
    jack: tuple[np.ndarray, ...] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    core = res.core
    pt = core.partable
    nrow = len(pt.lhs)
    nx = len(core.x)
    par = np.asarray(pt.par)
    # every table row's value from theta: the full-sample row values with the free rows replaced
    x_base = np.asarray(core.x, dtype=float)
    free_rows = np.asarray(pt.free_rows, dtype=np.intp)
    par_of_free = par[free_rows]
    def_rows = np.array([k for k, o in enumerate(pt.op) if o == ":="], dtype=np.intp)
    f_def: Callable[[np.ndarray], np.ndarray] | None = defined_function(pt) if def_rows.size else None

    def rows_of(th: np.ndarray) -> np.ndarray:
        """Every table row's value for each replicate of ``th`` (B, q)."""
        out = np.full((th.shape[0], nrow), np.nan)
        for b in range(th.shape[0]):
            x = x_base.copy()
            x[free_rows] = th[b][par_of_free]
            out[b, :nx] = x
            if f_def is not None:
                with np.errstate(all="ignore"):
                    out[b, def_rows] = f_def(x)
        return out

    est_all = np.asarray(res.estimates["est"], dtype=float)
    draws_rows = rows_of(theta)
    at_mean = rows_of(theta.mean(axis=0)[None])[0]
    jack_rows = None if jack is None else rows_of(jack[0])
    strata = jack[2] if jack is not None and len(jack) > 2 else None  # multigroup: each row's group
    stat_cols = np.flatnonzero((par >= 0) | (np.asarray(pt.op) == ":="))
    se = np.full(nrow, np.nan)
    lo, hi = est_all.copy(), est_all.copy()
    # lavaan: free parameters' SE with divisor n (cov(COEF) (n - 1) / n), := rows' with n - 1
    ddof = np.where(np.asarray(pt.op)[stat_cols] == ":=", 1, 0)
    # lavaan's vcov divides N cov(COEF) by N for ML but by N - 1 for the least-squares
    # estimators (ordinal fits): their free parameters' SE is sqrt(N / (N - 1)) larger
    factor = np.ones(stat_cols.size)
    if getattr(core, "dwls", None) is not None:
        factor[ddof == 0] = np.sqrt(core.N / (core.N - 1.0))
    with single_threaded_blas(), np.errstate(all="ignore"):
        s, low, up = _intervals(ci, level, est_all[stat_cols], draws_rows[:, stat_cols], at_mean[stat_cols],
                                None if jack_rows is None else jack_rows[:, stat_cols], ddof, strata, factor)
    se[stat_cols], lo[stat_cols], hi[stat_cols] = s, low, up
    est_frame = pd.DataFrame({"lhs": list(pt.lhs), "op": list(pt.op), "rhs": list(pt.rhs), "label": list(pt.label),
                              "est": est_all, "se": se, "ci_lower": lo, "ci_upper": hi})
    # standardized (std_all): every row that varies
    std_est = np.asarray(res.estimates["std_all"], dtype=float)
    std_mean = np.nanmean(std_draws, axis=0) if std_draws.size else std_est
    sse = np.full(nrow, np.nan)
    slo, shi = std_est.copy(), std_est.copy()
    # rows whose standardized value is fixed (a marker's 1, a fixed.x variance's 1) vary by
    # rounding only: no SE for them
    if std_draws.shape[0] > 1:
        spread = np.nanstd(std_draws, axis=0)
        vary = np.flatnonzero(spread > 1e-10 * np.maximum(1.0, np.abs(np.nan_to_num(std_est))))
    else:
        vary = np.zeros(0, np.intp)
    with np.errstate(all="ignore"):
        s2, l2, u2 = _intervals(ci, level, std_est[vary], std_draws[:, vary], std_mean[vary],
                                None if jack is None else jack[1][:, vary], strata=strata)
    sse[vary], slo[vary], shi[vary] = s2, l2, u2
    std_frame = pd.DataFrame({"lhs": list(pt.lhs), "op": list(pt.op), "rhs": list(pt.rhs), "label": list(pt.label),
                              "est_std": std_est, "se": sse, "ci_lower": slo, "ci_upper": shi})
    if res.ngroups > 1:  # lavaan's group number (0 for := rows)
        for frame in (est_frame, std_frame):
            frame.insert(3, "group", np.asarray(pt.group, dtype=np.int64))
    return est_frame, std_frame
