"""``acsi.sem`` and ``acsi.cfa``: covariance-based SEM with lavaan's numbers.

Both take lavaan model syntax and a DataFrame and return an immutable
:class:`~acsi.cbsem.results.SEMResult`. Defaults are those of lavaan 0.6's ``sem()`` and
``cfa()`` (which share them): ML with the covariance divisor N, chi-square ``N F_ML``,
standard errors from the expected information, the first loading of each factor fixed
to 1, ``fixed.x = TRUE``, listwise deletion.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2), 1-36.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from scipy.linalg.lapack import dpotrf as _dpotrf

from acsi._blas import single_threaded_blas
from acsi._linalg import cholesky, dominant_indices, near_singular_direction, scaled_spd_inverse
from acsi._validation import check_choice, check_int, check_level, check_positive
from acsi.cbsem.core import EstimationCore, estimate, estimate_fiml, sample_moments
from acsi.cbsem.fiml_kernel import fiml_robust
from acsi.cbsem.results import SEMResult
from acsi.data import as_frame, prepare_data
from acsi.exceptions import (
    ConvergenceWarning,
    DataError,
    IdentificationError,
    InadmissibleSolutionWarning,
    MissingDataWarning,
    SpecificationError,
    warn,
)
from acsi.spec.partable import ParameterTable, build_partable
from acsi.spec.syntax import ParsedModel, check_model_names, parse_model

__all__ = ["sem", "cfa"]

# accepted spellings (case-insensitive) -> canonical value; lavaan's names are aliases
_ESTIMATORS = {"ML": "ML", "MLR": "MLR"}
# least-squares estimators of ordinal data (``ordered=``): lavaan's names
_LS_ESTIMATORS = {k: k for k in ("WLSMV", "WLSM", "WLSMVS", "DWLS", "ULSMV", "ULSM", "ULSMVS", "ULS", "WLS")}
_PARAMETERIZATION = {"delta": "delta", "theta": "theta"}
_SE = {
    "expected": "expected", "standard": "expected",  # lavaan's se = "standard"
    "observed": "observed",
    "robust": "robust", "robust.huber.white": "robust",  # lavaan's name of the sandwich
}
_MISSING = {
    "listwise": "listwise", "error": "error",
    "ml": "ml", "fiml": "ml", "direct": "ml",  # full-information ML (lavaan's missing = "ml")
    "ml.x": "ml.x",  # FIML keeping rows with missing exogenous covariates (lavaan's "ml.x")
}


def _validate_options(
    estimator: str, se: str | None, missing: str, level: float, max_iter: int, tol: float
) -> tuple[str, str, Literal["listwise", "error", "ml"]]:
    """Check the options of :func:`sem`/:func:`cfa`: the canonical estimator, SE type and
    missing-data policy."""
    est = check_choice(
        estimator, _ESTIMATORS, "estimator",
        hint="'ML' (maximum likelihood), 'MLR' (ML with Huber-White standard errors and the "
        "Yuan-Bentler scaled test), or for ordinal items (with ordered=) 'WLSMV', 'DWLS', "
        "'ULSMV', 'ULS', 'WLS' (and lavaan's 'WLSM', 'WLSMVS', 'ULSM', 'ULSMVS')",
    )
    miss = check_choice(
        missing, _MISSING, "missing",
        hint="'listwise' drops incomplete rows, 'error' raises on them, 'ml' (alias 'fiml', "
        "'direct') uses every observed value (full-information ML)",
    )
    if se is None:  # lavaan's default for the estimator (observed information with FIML)
        se_type = "robust" if est == "MLR" else ("observed" if miss in ("ml", "ml.x") else "expected")
    else:
        se_type = check_choice(
            se, _SE, "se", hint="'expected' or 'observed' information, or 'robust' (Huber-White sandwich)"
        )
    check_level(level)
    check_int(max_iter, "max_iter", minimum=1, hint="the largest number of optimiser iterations")
    if check_positive(tol, "tol", hint="a small convergence tolerance, e.g. 1e-10") >= 1:
        raise SpecificationError(f"tol must be a small positive number below 1 (e.g. 1e-10), not {tol!r}")
    return est, se_type, "error" if miss == "error" else ("ml" if miss in ("ml", "ml.x") else "listwise")


def _is_ml_x(missing: Any) -> bool:
    """Whether ``missing`` spells lavaan's ``"ml.x"`` (FIML keeping rows with missing covariates)."""
    return isinstance(missing, str) and missing.strip().lower() == "ml.x"


def _check_sample_cov(S: np.ndarray, names: tuple[str, ...]) -> None:
    var = np.diag(S)
    const = [names[j] for j in range(len(names)) if not var[j] > 0]
    if const:
        raise DataError(
            f"the sample covariance matrix is not positive definite: column(s) {', '.join(const)} "
            "have zero variance (constant); remove them from the model"
        )
    d = 1.0 / np.sqrt(var)
    R = S * d[:, None] * d[None, :]
    if cholesky(R, min_pivot_sq=1e-10) is not None:  # fast path: well-conditioned
        return
    found = near_singular_direction(R)
    if found is not None:
        w0, v = found
        involved = [names[j] for j in dominant_indices(v)]
        raise DataError(
            "the sample covariance matrix is not positive definite: the columns "
            f"{', '.join(involved)} are (nearly) collinear (smallest eigenvalue of the correlation "
            f"matrix {w0:.3g}). Remove a redundant column or combine them"
        )


def _check_model_columns(parsed: ParsedModel, pt: ParameterTable, df: Any, what: str = "data",
                         group: str | None = None) -> dict[str, str]:
    """The checks of the model against the data's columns (a latent named like a column, the
    group column used in the model, a missing variable, an undefined latent); returns each
    name's place in the model text (for later messages)."""
    where = _model_places(parsed)
    clash = [f for f in pt.lv_names if f in df.columns]
    if clash:
        raise SpecificationError(
            f"latent variable name(s) {', '.join(map(repr, clash))} are also columns of the {what} "
            f"({where.get(clash[0], '')}); rename the factor(s)"
        )
    if group is not None and str(group) in pt.ov_names:
        raise SpecificationError(
            f"the group column {group!r} is also a variable of the model ({where.get(str(group), '')}); "
            "a grouping variable cannot be modelled within the groups"
        )
    check_model_names(pt.ov_names, df, where)
    _check_undefined_latents(pt, df, where)
    return where


def _model_places(parsed: ParsedModel) -> dict[str, str]:
    """Each name's first place in the model text (``"line L: ..."``), a fresh dict.

    Kept per parsed model (parsing is cached by the text, so a refit of the same text
    finds its entry by identity; the entry holds the model, so the identity stays unique).
    """
    hit = _PLACES.get(id(parsed))
    if hit is None or hit[0] is not parsed:
        where: dict[str, str] = {}
        for s in parsed.statements:
            for v in (s.lhs, s.rhs):
                if v and v not in where:
                    where[v] = s.where()
        if len(_PLACES) >= 64:
            _PLACES.clear()
        hit = _PLACES[id(parsed)] = (parsed, where)
    return dict(hit[1])


_PLACES: dict[int, tuple[ParsedModel, dict[str, str]]] = {}


def _check_undefined_latents(pt: ParameterTable, df: Any, where: dict[str, str]) -> None:
    """A name used only in structural formulas, absent from the data and unlike any column.

    Such a name is most likely a latent variable whose measurement formula (``=~``) is
    missing; a near-miss of a column name is left to :func:`acsi.data.prepare_data`, which
    raises a DataError suggesting the column.
    """
    indicators = set(pt.ov_ind)
    for v in pt.ov_names:
        if v in df.columns or v in indicators:
            continue
        columns = [str(c) for c in df.columns]
        if difflib.get_close_matches(v, columns, n=1, cutoff=0.6) or v.lower() in {c.lower() for c in columns}:
            continue
        raise SpecificationError(
            f"{v!r} ({where.get(v, '')}) is neither a column of the data nor a latent variable "
            f"with indicators; if it is a latent variable, define it with '{v} =~ item1 + item2 + "
            "...', otherwise add the column to the data"
        )


def _check_identification_counts(pt: ParameterTable, p: int) -> None:
    n_exo = sum(1 for e in pt.exo if e)
    n_mom = p * (p + 1) // 2 + (p if pt.meanstructure else 0) - n_exo
    df = n_mom - pt.npar
    if df < 0:
        raise IdentificationError(
            f"the model is not identified: it has {pt.npar} free parameters but the data give only "
            f"{n_mom} distinct (co)variances{' and means' if pt.meanstructure else ''} (df = {df}). "
            "Add indicators (at least three per factor for a single factor), fix parameters or "
            "set equality constraints"
        )


def _singular_message(core: EstimationCore, info: np.ndarray, kind: str) -> str | None:
    if not np.all(np.isfinite(info)):
        return f"the {kind} information matrix could not be computed"
    # fast path: a well-conditioned positive definite matrix (Cholesky of the scaled matrix)
    if scaled_spd_inverse(info) is not None:
        return None
    found = near_singular_direction(info)
    if found is None:
        return None
    w0, v = found
    pt = core.partable
    names: dict[int, str] = {}
    for k in pt.free_rows:
        names.setdefault(pt.par[k], pt.where[k] or f"{pt.lhs[k]} {pt.op[k]} {pt.rhs[k]}")
    involved = [names[j] for j in dominant_indices(v)]
    return (
        f"the model is not identified: the {kind} information matrix is singular at the "
        f"solution (smallest eigenvalue {w0:.3g}); the parameters involved are "
        f"{'; '.join(involved)}. Fix one of them, add equality constraints or indicators"
    )


def _variance_rows(pt: ParameterTable) -> np.ndarray:
    """Rows of ``pt`` that are variances (``a ~~ a``), cached on the (immutable) table."""
    hit = _VARIANCE_ROWS.get(pt)
    if hit is None:
        hit = np.array([k for k, (a, o, b) in enumerate(zip(pt.lhs, pt.op, pt.rhs)) if o == "~~" and a == b],
                       dtype=np.intp)
        hit.flags.writeable = False
        if len(_VARIANCE_ROWS) >= 64:
            _VARIANCE_ROWS.clear()
        _VARIANCE_ROWS[pt] = hit
    return hit


_VARIANCE_ROWS: dict[ParameterTable, np.ndarray] = {}


def _check_admissible(core: EstimationCore) -> None:
    pt = core.partable
    x = core.x
    rows = _variance_rows(pt)
    rows = rows[rows < len(x)]
    if rows.size and (x[rows] < 0).any():
        neg = [f"{pt.lhs[k]} ~~ {pt.rhs[k]} = {x[k]:.4g}" for k in rows if x[k] < 0]
        warn(
            "inadmissible solution (Heywood case): negative variance estimate(s) "
            f"{'; '.join(neg)}. The estimates are reported as found (not clamped); consider a "
            "misspecified model, too few indicators or outliers",
            InadmissibleSolutionWarning,
        )
    nlv = len(pt.lv_names)
    if nlv:
        Veta = core.parts["Veta"][:nlv, :nlv]
        Vs = 0.5 * (Veta + Veta.T)
        # a Cholesky factor exists only for a positive definite matrix: the eigenvalues
        # are needed (for the message) only when it fails
        w = np.ones(1) if _dpotrf(Vs, lower=1, clean=0, overwrite_a=0)[1] == 0 else np.linalg.eigvalsh(Vs)
        if w[0] < 0:
            warn(
                "inadmissible solution: the covariance matrix of the latent variables "
                f"({', '.join(pt.lv_names)}) is not positive definite (smallest eigenvalue "
                f"{w[0]:.3g}); check correlations above 1 in std_all",
                InadmissibleSolutionWarning,
            )


def _theta_vcov(core: EstimationCore, se_type: str, kind: Literal["expected", "observed"],
                robust: Callable[[], np.ndarray]) -> np.ndarray:
    """Covariance of the free parameters after a fit (the last stage shared by every path).

    Warns when the optimiser did not converge; raises :class:`IdentificationError` when the
    information at a converged solution is singular (no standard errors, NaN, when it did not
    converge); warns about an inadmissible solution; ``robust()`` gives the sandwich.
    """
    if not core.converged:
        warn(
            f"the optimiser did not converge in {core.iterations} iterations (largest absolute "
            f"gradient {core.grad_max:.3g}); the estimates are not a maximum of the likelihood. "
            "Raise max_iter, check the model for misspecification or give start values",
            ConvergenceWarning,
        )
    info = core.information(kind)
    info_inv = scaled_spd_inverse(info)
    msg = None if info_inv is not None else _singular_message(core, info, kind)
    _check_admissible(core)
    if msg is not None and core.converged:
        raise IdentificationError(msg)
    if msg is not None:
        # not converged (already warned): no standard errors rather than a misleading
        # identification error at a point that is not the optimum
        vcov = np.full((core.npar, core.npar), np.nan)
    elif se_type == "robust":
        vcov = np.asarray(robust(), dtype=float)
    else:
        vcov = (info_inv if info_inv is not None else np.linalg.inv(info)) / core.N
    return 0.5 * (vcov + vcov.T)


def _fit(*args: Any, **kwargs: Any) -> SEMResult:
    with single_threaded_blas():
        return _fit_impl(*args, **kwargs)


def _fit_impl(
    model: str | ParsedModel,
    data: Any,
    *,
    estimator: str | None,
    std_lv: bool,
    se: str | None,
    meanstructure: bool | None,
    fixed_x: bool,
    level: float,
    missing: str,
    na_values: Any,
    max_iter: int,
    tol: float,
    group: Any = None,
    group_equal: Any = None,
    group_partial: Any = None,
    ordered: Any = None,
    parameterization: str = "delta",
    sampling_weights: str | None = None,
) -> SEMResult:
    from acsi.streaming import Moments

    if isinstance(data, Moments):  # precomputed moments (acsi.moments): no rows
        from acsi.cbsem.from_moments import fit_moments

        return fit_moments(model, data, estimator=estimator, std_lv=std_lv, se=se, meanstructure=meanstructure,
                           fixed_x=fixed_x, level=level, missing=missing, na_values=na_values,
                           max_iter=max_iter, tol=tol, group=group, group_equal=group_equal,
                           group_partial=group_partial, ordered=ordered, parameterization=parameterization,
                           sampling_weights=sampling_weights)
    if group is not None and sampling_weights is not None:
        raise SpecificationError(
            "multiple groups (group=...) with sampling_weights are not implemented in acsi yet; "
            "fit each group separately"
        )
    if group is not None and _is_ordinal(estimator, ordered):
        from acsi.cbsem.mg_dwls import fit_groups_ordinal

        with single_threaded_blas():
            return fit_groups_ordinal(
                model, data, group, group_equal, group_partial, estimator=estimator, ordered=ordered,
                parameterization=parameterization, std_lv=bool(std_lv), se=se,
                meanstructure=meanstructure, fixed_x=bool(fixed_x), level=level, missing=missing,
                na_values=na_values, max_iter=int(max_iter), tol=float(tol))
    if _is_ordinal(estimator, ordered):
        return _fit_ordinal(model, data, estimator=estimator, ordered=ordered,
                            parameterization=parameterization, std_lv=std_lv, se=se,
                            meanstructure=meanstructure, fixed_x=fixed_x, level=level,
                            missing=missing, na_values=na_values, max_iter=max_iter, tol=tol,
                            sampling_weights=sampling_weights)
    est, se_type, miss = _validate_options(estimator or "ML", se, missing, level, max_iter, tol)
    parsed = model if isinstance(model, ParsedModel) else parse_model(model)
    _check_no_thresholds(parsed)
    if group is not None:
        from acsi.cbsem.mg_api import fit_groups

        return fit_groups(parsed, data, group, group_equal, group_partial, est=est, se_type=se_type,
                          miss=miss, std_lv=bool(std_lv), meanstructure=meanstructure,
                          fixed_x=bool(fixed_x), level=level, na_values=na_values,
                          max_iter=int(max_iter), tol=float(tol))
    if group_equal or group_partial:
        raise SpecificationError(
            "group_equal and group_partial constrain parameters across groups: pass group='column' "
            "(the column holding each respondent's group) as well"
        )
    if miss == "ml" and meanstructure is False:
        raise SpecificationError(
            "missing='ml' needs the mean structure (lavaan switches it on); leave meanstructure "
            "unset or pass meanstructure=True"
        )
    pt = build_partable(
        parsed,
        std_lv=bool(std_lv),
        meanstructure=True if miss == "ml" else (bool(meanstructure) if meanstructure is not None else False),
        fixed_x=bool(fixed_x),
    )
    df = as_frame(data)
    where = _check_model_columns(parsed, pt, df)
    if sampling_weights is not None:
        _check_weights_options(sampling_weights, pt, miss)
        df = df.reset_index(drop=True) if not df.index.is_unique else df
    prepared = prepare_data(df, list(pt.ov_names), missing=miss, na_values=na_values,
                            context="model", where=where)
    X = prepared.X
    n_dropped, index = prepared.n_dropped, prepared.index
    if miss == "ml" and pt.fixed_x and pt.ov_x and not _is_ml_x(missing):
        keep = _rows_with_covariates(X, pt)
        X, index, n_dropped = X[keep], index[keep], n_dropped + int((~keep).sum())
    n, p = X.shape
    if miss == "ml" and pt.constraints:
        raise SpecificationError(
            f"general constraints ({pt.constraints[0][4]}) with missing='ml' are not implemented in "
            "acsi yet; use missing='listwise', or shared labels for equal parameters"
        )
    wt = None if sampling_weights is None else _sampling_weights(df, sampling_weights, index)
    if wt is not None and pt.constraints:
        raise SpecificationError(
            f"general constraints ({pt.constraints[0][4]}) with sampling_weights are not implemented in "
            "acsi yet; use shared labels for equal parameters"
        )
    if wt is not None and se is None:
        se_type = "robust"  # lavaan: sampling weights give Huber-White SEs and the scaled test
    if miss == "ml":
        fitted = _fit_fiml(pt, X, est=est, se_type=se_type, level=level, max_iter=max_iter, tol=tol,
                           n_dropped=n_dropped, source=parsed.source, weights=wt)
        if _is_ml_x(missing) and fitted.core.fiml is not None:  # the summary header names "ml.x"
            fitted = dataclasses.replace(fitted, core=dataclasses.replace(
                fitted.core, fiml=dataclasses.replace(fitted.core.fiml, missing="ml.x")))
        return fitted
    if n <= p:
        raise DataError(
            f"only {n} complete rows for {p} observed variables: the sample covariance matrix is "
            "singular; covariance-based SEM needs more rows than variables (many more in practice)"
        )
    moments = sample_moments(X) if wt is None else _weighted_moments(X, wt)
    S = moments[1]
    _check_sample_cov(S, pt.ov_names)
    _check_identification_counts(pt, p)

    core = estimate(pt, X, max_iter=int(max_iter), tol=float(tol), moments=moments)
    if pt.constraints:  # a == 2*b, a > 0, ...: the constrained optimum (acsi.cbsem.constraints)
        from acsi.cbsem.constraints import estimate_constrained

        core = estimate_constrained(core, max_iter=int(max_iter))
    if wt is not None:
        core = dataclasses.replace(core, weights=wt)
    if core.iterations == 0 and not core.converged and not np.isfinite(core.grad_max):
        raise SpecificationError(
            "the model-implied covariance matrix is not positive definite at any start value "
            "tried, so the likelihood cannot be evaluated; check the fixed values of the model "
            "(e.g. a fixed covariance larger than the variances allow)"
        )
    kind: Literal["expected", "observed"] = "observed" if se_type in ("observed", "robust") else "expected"

    def robust() -> np.ndarray:
        from acsi.cbsem.robust import huber_white_vcov

        return np.asarray(huber_white_vcov(core), dtype=float)

    vcov = _theta_vcov(core, se_type, kind, robust)
    if pt.constraints:
        from acsi.cbsem.constraints import constrained_vcov

        vcov = constrained_vcov(core, se_type, kind)
    return SEMResult(
        core=core,
        estimator=est,
        se_type=se_type,
        level=float(level),
        theta_vcov=vcov,
        n_dropped=prepared.n_dropped,
        model_text=parsed.source,
    )


def _rows_with_covariates(X: np.ndarray, pt: ParameterTable) -> np.ndarray:
    """Rows observed on every fixed exogenous covariate; warns with the count of the others.

    lavaan 0.6-14's ``missing = "ml"`` with ``fixed.x = TRUE`` deletes the rows with a missing
    covariate (their values are conditioned on, so they must be known); ``"ml.x"`` keeps them.
    """
    cols = [pt.ov_names.index(v) for v in pt.ov_x]
    holes = np.isnan(X[:, cols])
    keep = ~holes.any(axis=1)
    dropped = int((~keep).sum())
    if dropped:
        per = ", ".join(f"{pt.ov_x[j]} ({int(holes[:, j].sum())})" for j in range(len(cols)) if holes[:, j].any())
        warn(
            f"{dropped} of {X.shape[0]} rows have missing values in the exogenous covariate(s) "
            f"{per} and were removed: with fixed_x=True their values are taken as given (lavaan's "
            "missing='ml' does the same). Pass missing='ml.x' to keep these rows (the covariates "
            "then enter the likelihood), or fixed_x=False",
            MissingDataWarning,
        )
    return keep


def _fit_fiml(
    pt: ParameterTable, X: np.ndarray, *, est: str, se_type: str, level: float, max_iter: int,
    tol: float, n_dropped: int, source: str, weights: np.ndarray | None = None,
) -> SEMResult:
    """``missing="ml"``: EM h1, the FIML fit and observed-information standard errors."""
    n, p = X.shape
    if n <= p:
        raise DataError(
            f"only {n} rows with an observed value for {p} observed variables; FIML needs more "
            "rows than variables (many more in practice)"
        )
    _check_identification_counts(pt, p)
    # a column whose observed values are all equal (largest = smallest; NaN-ignoring
    # reductions, no copy of the data)
    hi, lo = np.fmax.reduce(X, axis=0), np.fmin.reduce(X, axis=0)
    const = [pt.ov_names[j] for j in range(p) if hi[j] == lo[j]]
    if const:
        raise DataError(
            f"column(s) {', '.join(const)} have zero variance over their observed values (constant); "
            "remove them from the model"
        )
    core = estimate_fiml(pt, X, max_iter=int(max_iter), tol=float(tol), weights=weights)
    if weights is not None:
        core = dataclasses.replace(core, weights=weights)
    if se_type == "expected" and core.fiml is not None:
        core = dataclasses.replace(core, fiml=dataclasses.replace(core.fiml, information="expected"))
    _check_sample_cov(core.S, pt.ov_names)

    computed: list[Any] = []  # the robust record, kept for the scaled test (computed once)

    def robust() -> np.ndarray:
        fiml = core.fiml
        assert fiml is not None
        computed.append(fiml_robust(core.X, fiml.patterns, fiml.em, fiml.kernel, core.theta, core.chisq, core.df,
                                    np.asarray(fiml.x_idx, np.intp), fiml.weights))
        return np.asarray(computed[-1].vcov)

    vcov = _theta_vcov(core, se_type, "expected" if se_type == "expected" else "observed", robust)
    return SEMResult(
        core=core, estimator=est, se_type=se_type, level=float(level), theta_vcov=vcov,
        n_dropped=n_dropped, model_text=source, _fiml_robust=computed[-1] if computed else None,
    )


# --------------------------------------------------------------------------- sampling weights


def _check_weights_options(column: Any, pt: ParameterTable, miss: str) -> None:
    """What ``sampling_weights=`` can be combined with."""
    if not isinstance(column, str):
        raise SpecificationError(
            f"sampling_weights must be the name of the weight column (a string), not {column!r}"
        )
    if column in pt.ov_names:
        raise SpecificationError(
            f"sampling_weights={column!r} is a variable of the model; the weight column must not "
            "be used in the model"
        )
    if pt.fixed_x and pt.ov_x:
        raise SpecificationError(
            f"sampling_weights with observed exogenous covariates ({', '.join(pt.ov_x)}) fixed "
            "at their sample values is not implemented in acsi; pass fixed_x=False"
        )


def _sampling_weights(df: Any, column: str, index: Any) -> np.ndarray:
    """The weights of the rows kept (``index``), checked and normalised to sum to their
    number (lavaan's ``sampling.weights.normalization = "total"``)."""
    if column not in df.columns:
        close = difflib.get_close_matches(column, [str(c) for c in df.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DataError(f"sampling_weights={column!r} is not a column of the data{hint}")
    col = df[column]
    try:
        w_all = np.asarray(col, dtype=float)
    except (TypeError, ValueError):
        raise DataError(
            f"the sampling weights column {column!r} is not numeric (dtype {col.dtype}); give one "
            "non-negative number per row"
        ) from None
    bad = np.flatnonzero(~np.isfinite(w_all))
    if bad.size:
        raise DataError(
            f"the sampling weights column {column!r} has {bad.size} missing or infinite value(s) "
            f"(first at row {df.index[bad[0]]!r}); give every row a weight (0 leaves a row out)"
        )
    neg = np.flatnonzero(w_all < 0)
    if neg.size:
        raise DataError(
            f"the sampling weights column {column!r} has {neg.size} negative value(s) (first "
            f"{w_all[neg[0]]:g} at row {df.index[neg[0]]!r}); weights must be non-negative"
        )
    w = w_all[df.index.get_indexer(index)]
    if not w.sum() > 0:
        raise DataError(
            f"the sampling weights column {column!r} is zero for every row used; weights must "
            "have a positive sum"
        )
    return w * (w.size / w.sum())


def _weighted_moments(X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and covariance (divisor the sum of the weights, lavaan's)."""
    mean = w @ X / w.sum()
    Xc = X - mean
    S = (Xc * w[:, None]).T @ Xc / w.sum()
    return mean, 0.5 * (S + S.T)


# --------------------------------------------------------------------------- ordinal items


#: ``missing=`` with ordinal items (lavaan's names; the FIML ones are refused with advice)
_ORDINAL_MISSING = {
    "listwise": "listwise", "error": "error", "pairwise": "pairwise", "available.cases": "pairwise",
    "ml": "ml", "fiml": "ml", "direct": "ml", "ml.x": "ml",
}


def _prepare_ordinal_data(df: Any, pt: ParameterTable, miss: str, na_values: Any, where: dict[str, str]) -> Any:
    """The model columns of an ordinal fit: complete rows (``listwise``/``error``) or every row
    with an answer (``pairwise``; rows missing on every item are dropped with a warning)."""
    import warnings

    from acsi.exceptions import MissingDataWarning

    if miss != "pairwise":
        return prepare_data(df, list(pt.ov_names), missing="error" if miss == "error" else "listwise",
                            na_values=na_values, context="model", where=where)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingDataWarning)
        prepared = prepare_data(df, list(pt.ov_names), missing="ml", na_values=na_values, context="model",
                                where=where)
    for w_ in caught:
        if issubclass(w_.category, MissingDataWarning):
            warn(
                f"{prepared.n_dropped} of {prepared.n_dropped + prepared.X.shape[0]} rows are missing on "
                "every model variable and were removed (as lavaan: empty cases are ignored)",
                MissingDataWarning,
            )
        else:
            warn(str(w_.message), w_.category)
    return prepared


def _check_no_thresholds(parsed: ParsedModel) -> None:
    """Thresholds (``y | t1``) in the model of a fit without ordinal items."""
    from acsi.exceptions import ModelSyntaxError

    for s_ in parsed.statements:
        if s_.op == "|":
            raise ModelSyntaxError(
                f"{s_.lhs!r} has thresholds in the model ({s_.lhs} | {s_.rhs}) but no item is ordinal: "
                f"name the ordinal items with ordered=[{s_.lhs!r}, ...] (estimator WLSMV), or remove "
                "the threshold formula to treat the item as continuous",
                line=s_.line, column=s_.column, text=s_.text.rstrip(),
            )


def _is_ordinal(estimator: str | None, ordered: Any) -> bool:
    """Whether the call asks for the ordinal (least-squares) path."""
    if ordered is not None and ordered is not False:
        return True
    return isinstance(estimator, str) and estimator.upper() in _LS_ESTIMATORS


def _ordered_names(ordered: Any, pt: ParameterTable, df: Any) -> list[str]:
    """The ordinal items named by ``ordered=`` (``True``: every observed variable)."""
    if ordered is True:
        return list(pt.ov_names)
    if isinstance(ordered, str):
        ordered = [ordered]
    try:
        names = [str(v) for v in ordered]
    except TypeError:
        raise SpecificationError(
            f"ordered must be True (every observed variable is ordinal) or a list of column "
            f"names, not {ordered!r}"
        ) from None
    if not names:
        raise SpecificationError("ordered=[] names no item; pass the ordinal items' names or ordered=True")
    model_vars = set(pt.ov_names)
    for v in names:
        if v not in model_vars:
            where = "a column of the data" if v in getattr(df, "columns", ()) else "not a column of the data"
            raise SpecificationError(
                f"ordered= names {v!r}, which is not an observed variable of the model ({where}); "
                f"the model's observed variables are {', '.join(pt.ov_names)}. Remove it from "
                "ordered= or add it to the model"
            )
    return [v for v in pt.ov_names if v in set(names)]


#: a category chosen by fewer respondents than this makes the polychoric correlations of
#: its item rest on a handful of answers (a warning names the item and the category)
SPARSE_CATEGORY = 5


def _check_categories(X: np.ndarray, names: tuple[str, ...], ordm: np.ndarray) -> None:
    """Warn about sparse categories and about integer codes with an empty category
    between used ones (lavaan numbers the observed values, so such a category vanishes)."""
    from acsi.exceptions import DegenerateStatisticWarning

    sparse, gaps = [], []
    for j in np.flatnonzero(ordm):
        cats, counts = np.unique(X[:, j], return_counts=True)
        few = [f"{c:g} ({k}x)" for c, k in zip(cats, counts) if k < SPARSE_CATEGORY]
        if few:
            sparse.append(f"{names[j]}: {', '.join(few)}")
        if cats.size > 1 and np.all(cats == np.round(cats)):
            missing_codes = sorted(set(range(int(cats[0]), int(cats[-1]) + 1)) - {int(c) for c in cats})
            if missing_codes:
                gaps.append(f"{names[j]}: {', '.join(map(str, missing_codes))}")
    if gaps:
        warn(
            "ordinal item(s) with an empty category between used ones (" + "; ".join(gaps) + "): "
            "as lavaan, the observed values are numbered in order, so the empty category has no "
            "threshold and its neighbours become adjacent categories. If the scale point exists, "
            "merge it with a neighbour explicitly (recode) or treat the item as continuous",
            DegenerateStatisticWarning,
        )
    if sparse:
        warn(
            f"ordinal item(s) with categories chosen by fewer than {SPARSE_CATEGORY} respondents ("
            + "; ".join(sparse) + "): their thresholds and polychoric correlations rest on very "
            "few answers and are unstable. Merge sparse categories with a neighbour (recode), or "
            "treat items with many scale points (e.g. 1-10) as continuous (estimator='MLR')",
            DegenerateStatisticWarning,
        )


def _fit_ordinal(
    model: str | ParsedModel, data: Any, *, estimator: str | None, ordered: Any, parameterization: str,
    std_lv: bool, se: str | None, meanstructure: bool | None, fixed_x: bool, level: float, missing: str,
    na_values: Any, max_iter: int, tol: float, sampling_weights: str | None = None,
) -> SEMResult:
    """``ordered=``: thresholds and polychoric correlations fitted by WLSMV (or DWLS, ULS, WLS);
    ``missing="listwise"`` (lavaan's default for ordinal items) or ``"pairwise"``
    (``"available.cases"``), optionally with sampling weights."""
    from acsi.cbsem.dwls import ESTIMATORS, dwls_vcov, estimate_dwls
    from acsi.cbsem.ordinal import ordinal_moments
    from acsi.spec.partable import ordinal_partable

    if isinstance(estimator, str) and estimator.upper() in _ESTIMATORS:
        raise SpecificationError(
            f"estimator={estimator!r} treats the items as continuous and cannot be combined with "
            "ordered=; leave estimator unset (WLSMV, lavaan's default for ordinal items) or drop "
            "ordered= to treat the items as continuous"
        )
    est = check_choice(
        "WLSMV" if estimator is None else estimator, _LS_ESTIMATORS, "estimator",
        hint="with ordered= use 'WLSMV' (default), 'DWLS', 'ULSMV', 'ULS', 'WLS', 'WLSM', 'WLSMVS', "
        "'ULSM' or 'ULSMVS'",
    )
    if ordered is None or ordered is False:
        raise SpecificationError(
            f"estimator={estimator!r} is for ordinal items: name them with ordered=['item1', ...] "
            "(or ordered=True for every observed variable); for continuous data use 'ML' or 'MLR'"
        )
    param = check_choice(parameterization, _PARAMETERIZATION, "parameterization",
                         hint="'delta' (lavaan's default) or 'theta'")
    fitting, se_default, _ = ESTIMATORS[est]
    if se is None:
        se_kind = se_default
    else:
        se_kind = check_choice(
            se, {"robust": "robust.sem", "robust.sem": "robust.sem", "standard": "standard",
                 "expected": "standard"}, "se",
            hint="with ordered=: 'robust' (the sandwich, lavaan's robust.sem) or 'standard'",
        )
    miss = check_choice(missing, _ORDINAL_MISSING, "missing",
                        hint="with ordered=: 'listwise' (the default, as lavaan), 'pairwise' (alias "
                        "'available.cases': each polychoric correlation from the rows that answered "
                        "both items) or 'error'")
    if miss == "ml":
        raise SpecificationError(
            f"missing={missing!r} (full-information ML) is not available with ordinal items (ordered=; "
            "lavaan: not available in the categorical setting); use missing='pairwise' (pairwise "
            "polychoric correlations, WLSMV) or missing='listwise'"
        )
    if meanstructure is False:
        raise SpecificationError(
            "ordered= needs the mean structure (thresholds); leave meanstructure unset"
        )
    check_level(level)
    check_int(max_iter, "max_iter", minimum=1, hint="the largest number of optimiser iterations")
    if check_positive(tol, "tol", hint="a small convergence tolerance, e.g. 1e-10") >= 1:
        raise SpecificationError(f"tol must be a small positive number below 1 (e.g. 1e-10), not {tol!r}")
    parsed = model if isinstance(model, ParsedModel) else parse_model(model)
    pt = build_partable(parsed, std_lv=bool(std_lv), meanstructure=True, fixed_x=bool(fixed_x))
    if pt.constraints:
        raise SpecificationError(
            f"general constraints ({pt.constraints[0][4]}) with ordinal items (ordered=) are not "
            "implemented in acsi yet; use shared labels for equal parameters"
        )
    df = as_frame(data)
    where = _check_model_columns(parsed, pt, df)
    names = _ordered_names(ordered, pt, df)
    if pt.fixed_x and pt.ov_x:
        raise SpecificationError(
            f"observed exogenous covariates ({', '.join(pt.ov_x)}) with ordinal items need lavaan's "
            "conditional.x, which acsi does not implement; pass fixed_x=False (the covariates "
            "become continuous variables of the model) or treat the items as continuous"
        )
    if sampling_weights is not None:
        _check_weights_options(sampling_weights, pt, "listwise")
        df = df.reset_index(drop=True) if not df.index.is_unique else df
    prepared = _prepare_ordinal_data(df, pt, miss, na_values, where)
    X = prepared.X
    wt = None if sampling_weights is None else _sampling_weights(df, sampling_weights, prepared.index)
    ordm = np.array([v in set(names) for v in pt.ov_names])
    _check_categories(X, pt.ov_names, ordm)
    om = ordinal_moments(X, ordm, names=pt.ov_names, weights=wt, pairwise=miss == "pairwise")
    th_item = np.asarray(om.th_item)
    nth = {v: int((th_item == j).sum()) for j, v in enumerate(pt.ov_names) if ordm[j]}
    opt = ordinal_partable(pt, nth, param)
    nk = len(om.wls_obs)
    if nk - opt.npar < 0:
        raise IdentificationError(
            f"the model is not identified: it has {opt.npar} free parameters but the data give "
            f"only {nk} thresholds, means, variances and correlations (df = {nk - opt.npar}). "
            "Add indicators, fix parameters or set equality constraints"
        )
    core = estimate_dwls(opt, om, X, estimator=est, parameterization=param, max_iter=int(max_iter),
                         tol=float(tol))
    if not core.converged:
        warn(
            f"the optimiser did not converge in {core.iterations} iterations (largest absolute "
            f"gradient {core.grad_max:.3g}); the estimates are not a minimum of the {fitting} "
            "function. Raise max_iter or check the model for misspecification",
            ConvergenceWarning,
        )
    W = np.asarray(core.dwls.kernel.weight)
    J = np.asarray(core.dwls.jacobian)
    E = J.T @ W @ J
    if scaled_spd_inverse(E) is None:
        msg = _singular_message(core, E, "expected")
        if msg is not None and core.converged:
            raise IdentificationError(msg)
        vcov = np.full((core.npar, core.npar), np.nan)
    else:
        vcov = dwls_vcov(W, J, np.asarray(om.nacov), core.N, se_kind)
    _check_admissible(core)
    return SEMResult(
        core=core, estimator=est, se_type="robust" if se_kind == "robust.sem" else "expected",
        level=float(level), theta_vcov=vcov, n_dropped=prepared.n_dropped, model_text=parsed.source,
    )


def sem(
    model: str | ParsedModel,
    data: Any,
    estimator: str | None = None,
    std_lv: bool = False,
    se: str | None = None,
    *,
    meanstructure: bool | None = None,
    fixed_x: bool = True,
    level: float = 0.95,
    missing: str = "listwise",
    na_values: Any = None,
    max_iter: int = 500,
    tol: float = 1e-10,
    group: str | None = None,
    group_equal: Any = None,
    group_partial: Any = None,
    ordered: bool | list[str] | None = None,
    parameterization: str = "delta",
    sampling_weights: str | None = None,
) -> SEMResult:
    """Fit a structural equation model by maximum likelihood, as lavaan's ``sem()``.

    Minimises ``F_ML = log|Sigma| + tr(S Sigma^-1) - log|S| - p`` (S with divisor N;
    chi-square ``N F_ML``) by Fisher scoring followed by BFGS, to a gradient below ``tol``.

    Parameters
    ----------
    model : str
        lavaan syntax (``=~``, ``~``, ``~~``, ``~1``, ``:=``, labels, fixed values, ``NA*``,
        ``start()``).
    data : pandas.DataFrame or acsi.Moments
        One row per respondent; the model's observed variables are its columns. Or the
        moments of a big file from :func:`acsi.moments` (ML exactly; MLR with
        ``fourth_order=True``; nothing that needs rows, see :mod:`acsi.cbsem.from_moments`).
    estimator : str, optional
        ``"ML"`` (default for continuous items); ``"MLR"``: ML estimates with Huber-White
        (sandwich) standard errors and the Yuan-Bentler (Mplus) scaled chi-square, as
        lavaan's ``estimator = "MLR"``. With ``ordered=``: ``"WLSMV"`` (the default; DWLS
        estimates, robust standard errors, the scaled-shifted test), ``"DWLS"``, ``"ULSMV"``,
        ``"ULS"``, ``"WLS"``, ``"WLSM"``/``"ULSM"`` (mean-adjusted test), ``"WLSMVS"``/``"ULSMVS"``
        (mean-and-variance adjusted test), as lavaan (see the WLSMV method note).
    std_lv : bool, default False
        Fix latent variances to 1 and free all loadings (instead of fixing first loadings).
    se : {"expected", "observed", "robust"}, optional
        Standard errors from the expected (default for ML) or observed information, or
        robust Huber-White (default for MLR). As in lavaan, ``se`` and ``estimator`` are
        separate choices: ``estimator="MLR", se="expected"`` gives the ML standard errors
        with the Yuan-Bentler scaled test, ``estimator="ML", se="robust"`` the sandwich
        standard errors with the ordinary chi-square.
    meanstructure : bool, optional
        Add intercepts (default False, as lavaan 0.6-14 for complete data with ML and MLR;
        switched on by any ``~ 1`` formula).
    fixed_x : bool, default True
        Observed exogenous covariates fixed at their sample (co)variances.
    level : float, default 0.95
        Confidence level of ``ci_lower``/``ci_upper``.
    missing : {"listwise", "error", "ml", "ml.x"}, default "listwise"
        ``"listwise"``: rows with a missing value in a model variable are dropped with a
        warning. ``"ml"`` (aliases ``"fiml"``, ``"direct"``): full-information ML as lavaan's
        ``missing = "ml"`` (mean structure, h1 by EM, chi-square against h1, standard errors
        from the observed information, or the expected one with ``se="expected"``; rows
        missing on every model variable are dropped with a warning; see the FIML method
        note), also with ``estimator="MLR"`` and ``sampling_weights``. With observed
        exogenous covariates fixed at their sample values (``fixed_x=True``) the rows with a
        missing covariate are dropped with a warning, as lavaan; ``"ml.x"`` keeps them (the
        covariates enter the likelihood, their moments fixed at the h1 values). With
        ``ordered=``: ``"listwise"`` (the default, as lavaan) or ``"pairwise"`` (alias
        ``"available.cases"``: thresholds from each item's answers, each polychoric
        correlation from the rows that answered both items, as lavaan's WLSMV with
        ``missing = "pairwise"``); ``"ml"`` is refused, as by lavaan.
    na_values : number or list, optional
        Codes meaning "missing" in the data (e.g. -99).
    max_iter : int, default 500
    tol : float, default 1e-10
        Convergence: largest absolute gradient element of ``F_ML``.
    group : str, optional
        Column holding each respondent's group: fit the model to every group at once, as
        lavaan's ``group =`` (mean structure on; groups in the order of first appearance, or
        the categories' order of a pandas categorical). Returns a
        :class:`~acsi.cbsem.mg_results.MultiGroupSEMResult`; the model syntax may give
        per-group labels and values (``c(a1, a2)*x2``, ``c(1, NA)*x3``). See the multigroup
        method note.
    group_equal : list of str, optional
        Parameter kinds constrained equal across groups, lavaan's ``group.equal``:
        ``"loadings"``, ``"intercepts"``, ``"means"``, ``"thresholds"``, ``"residuals"``,
        ``"residual.covariances"``, ``"lv.variances"``, ``"lv.covariances"``,
        ``"regressions"``.
    group_partial : list of str, optional
        Parameters freed from ``group_equal`` (``"visual=~x2"``, ``"x3~1"``), lavaan's
        ``group.partial``.
    ordered : list of str or True, optional
        Ordinal items (``True``: every observed variable), as lavaan's ``ordered=``:
        thresholds (rows ``item | t1``, ...), polychoric/polyserial correlations and a
        least-squares estimator (``estimator``). Thresholds may also be written in the model
        (``q1 | a*t1 + t2``, ``q2 | a*t1``, ``q3 | 0.5*t1``: labels, equalities, fixed values).
        With ``group=`` (complete rows): lavaan's multigroup categorical conventions (see
        :mod:`acsi.cbsem.mg_dwls`: ``"thresholds"`` and ``"intercepts"`` in
        ``group_equal`` go together; with equal thresholds the scale factors, or in the
        theta parameterization the residual variances, of groups 2, 3, ... are free).
    parameterization : {"delta", "theta"}, default "delta"
        Scale of the latent responses of ordinal items: ``"delta"`` fixes their total
        variance to 1 (scale rows ``item ~*~ item`` = 1, residual variances computed),
        ``"theta"`` fixes their residual variances to 1.
    sampling_weights : str, optional
        Column of sampling weights, as lavaan's ``sampling.weights`` (normalised to sum to
        the number of rows): weighted moments, Huber-White standard errors and the
        Yuan-Bentler scaled test (also with ``estimator="ML"``, as lavaan); complete data or
        ``missing="ml"`` (weighted FIML). With ``ordered=``: weighted thresholds, polychoric
        correlations and their asymptotic covariance (WLSMV's robust SEs and test), as lavaan.

    Returns
    -------
    SEMResult
        ``.estimates`` (lavaan's ``parameterEstimates(standardized=TRUE)``),
        ``.fit_measures``, ``.r_squared``, ``.vcov``, ``.implied_cov``, ``.summary()``.

    Raises
    ------
    acsi.ModelSyntaxError, acsi.SpecificationError, acsi.IdentificationError, acsi.DataError

    Warns
    -----
    acsi.ConvergenceWarning, acsi.InadmissibleSolutionWarning, acsi.MissingDataWarning

    Examples
    --------
    >>> import acsi
    >>> pd_data = acsi.datasets.load_political_democracy()
    >>> res = acsi.sem('''
    ...     ind60 =~ x1 + x2 + x3
    ...     dem60 =~ y1 + y2 + y3 + y4
    ...     dem60 ~ a*ind60
    ... ''', pd_data)
    >>> round(float(res.estimates.query("op == '~'")["est"].iloc[0]), 3)
    1.439
    """
    return _fit(model, data, estimator=estimator, std_lv=std_lv, se=se, meanstructure=meanstructure,
                fixed_x=fixed_x, level=level, missing=missing, na_values=na_values,
                max_iter=max_iter, tol=tol, group=group, group_equal=group_equal,
                group_partial=group_partial, ordered=ordered, parameterization=parameterization,
                sampling_weights=sampling_weights)


def cfa(
    model: str | ParsedModel,
    data: Any,
    estimator: str | None = None,
    std_lv: bool = False,
    se: str | None = None,
    *,
    meanstructure: bool | None = None,
    fixed_x: bool = True,
    level: float = 0.95,
    missing: str = "listwise",
    na_values: Any = None,
    max_iter: int = 500,
    tol: float = 1e-10,
    group: str | None = None,
    group_equal: Any = None,
    group_partial: Any = None,
    ordered: bool | list[str] | None = None,
    parameterization: str = "delta",
    sampling_weights: str | None = None,
) -> SEMResult:
    """Confirmatory factor analysis, as lavaan's ``cfa()`` (same defaults as :func:`sem`).

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", hs)
    >>> round(res.core.chisq, 3), res.core.df
    (85.306, 24)
    """
    return _fit(model, data, estimator=estimator, std_lv=std_lv, se=se, meanstructure=meanstructure,
                fixed_x=fixed_x, level=level, missing=missing, na_values=na_values,
                max_iter=max_iter, tol=tol, group=group, group_equal=group_equal,
                group_partial=group_partial, ordered=ordered, parameterization=parameterization,
                sampling_weights=sampling_weights)
