"""``acsi.pls``: validate, estimate, return an immutable :class:`~acsi.plspm.results.PLSResult`."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from acsi._validation import check_choice, check_int, check_positive, parse_na_values
from acsi.data import PreparedData, prepare_complete, prepare_data
from acsi.exceptions import (
    ConvergenceWarning,
    DataError,
    DegenerateStatisticWarning,
    InadmissibleSolutionWarning,
    SpecificationError,
    warn,
)
from acsi.plspm.algorithm import SCHEMES, KernelResult, correlation, correlation_sd, fit_kernel
from acsi.plspm.batched import BatchPlan, admissibility_checks, make_plan
from acsi.plspm.hoc import HOC_METHODS, INTERACTION_METHODS, expand_model, has_extensions, pls_extended
from acsi.plspm.results import PLSResult, PLSSettings, SpecShared
from acsi.plspm.spec import PLSSpec
from acsi.results.base import frozen_copy
from acsi.spec.syntax import ParsedModel, check_model_names, parse_model

__all__ = ["pls", "admissibility_problems"]


def _check_rows(spec: PLSSpec, n: int, n_dropped: int) -> None:
    """DataError when a regression of the model has no residual degree of freedom; a
    DegenerateStatisticWarning below the ten-times rule (Hair et al. 2017: ten rows per
    arrow into the construct that receives the most)."""
    n_pred = [int(spec.inner[:, j].sum()) for j in range(len(spec.constructs))]
    n_pred += [int((spec.block == c).sum()) for c, m in enumerate(spec.mode) if m == "B"]
    most = max(n_pred, default=0)
    preds = f"{most} predictor{'s' if most != 1 else ''}"
    after = f" (after removing {n_dropped} rows with missing values)" if n_dropped else ""
    if n <= most + 1:
        raise DataError(
            f"only {n} rows{after} for a PLS model whose largest regression has {preds}: "
            f"it needs more than {most + 1} rows to leave any residual variance. Collect more data "
            "or simplify the model"
        )
    need = max(10 * most, 10)
    if n < need:
        warn(
            f"only {n} rows{after} for a PLS model whose largest regression has {preds}; "
            f"below the ten-times rule ({need} rows) estimates and bootstrap intervals are "
            "unstable. Treat the results as descriptive.",
            DegenerateStatisticWarning,
        )


def pls(
    model: str | ParsedModel | PLSSpec,
    data: object,
    scheme: str = "path",
    consistent: bool | Sequence[str] = False,
    max_iter: int | None = None,
    tol: float = 1e-7,
    missing: str = "listwise",
    na_values: float | Sequence[float] | None = None,
    weights: str | None = None,
    preset: str = "seminr",
    *,
    hoc: str = "two_stage",
    interaction: str = "product_indicator",
) -> PLSResult:
    """Estimate a PLS path model (PLS-PM, Wold/Lohmoeller), optionally consistent (PLSc).

    The model is written in lavaan-style syntax: ``C =~ x1 + x2`` a Mode A block
    (correlation weights), ``C <~ x1 + x2`` a Mode B block (regression weights), ``Y ~ X``
    a structural path; a single-item construct is written ``C =~ item``. Indicators are
    standardized (divisor n-1). Starting from unit outer weights, the algorithm alternates
    inner proxies (``scheme``) and outer weight updates until the summed absolute change
    of the outer weights is below ``tol``; the paths are then OLS regressions on the
    construct correlations ``C = W'RW``,

    .. math:: \\beta_{\\cdot j} = C_{XX}^{-1} C_{Xj}, \\qquad R^2_j = \\beta_{\\cdot j}' C_{Xj}.

    With ``consistent=True`` every ``=~`` construct is treated as reflective and corrected
    by PLSc (Dijkstra & Henseler 2015): construct correlations are divided by
    ``sqrt(rho_A,i rho_A,j)``, paths re-estimated, loadings replaced by
    ``w sqrt(rho_A) / w'w``.

    Tables list the constructs in seminr's order (the sources of the structural paths in
    the order written, then the targets), so HTMT and Fornell-Larcker triangles have
    seminr's layout. A construct without structural paths, which seminr leaves out, is
    kept: under Mode A its weights are the first principal component of its block (the
    fixed point of its own score as inner proxy), under Mode B unit weights; it does not
    affect the other constructs or the iteration count.

    Defaults equal R seminr's ``estimate_pls`` (path weighting, unit initial weights,
    stop 1e-7 on the outer weights, at most 300 iterations); the result's ``settings``
    records them. Differences elsewhere: seminr's default missing-data treatment is mean
    replacement (here ``missing="mean"``) and its ``reflective()`` means PLSc (here
    ``consistent=True``); SmartPLS uses the same defaults, but its "reflective" is Mode A
    without correction; plspm (R and PyPI) defaults to the centroid scheme, and the PyPI
    port's default scaling divides by a pooled standard deviation with divisor n.

    Parameters
    ----------
    model : str, ParsedModel or PLSSpec
        The model syntax.
    data : pandas.DataFrame or acsi.Moments
        One row per respondent; every indicator a numeric column. Or the moments of a big
        file from :func:`acsi.moments` (every table computed from correlations; nothing that
        needs rows, see :mod:`acsi.plspm.from_moments`).
    scheme : {"path", "factorial", "centroid"}, default "path"
        Inner weighting scheme: path weighting (regression weights for predecessors,
        correlations for successors), factorial (correlations), centroid (signs of the
        correlations).
    consistent : bool or list of str, default False
        ``True`` applies PLSc to every ``=~`` construct (all are common factors); a list
        gives consistent loadings only to the named ``=~`` constructs and keeps the others
        as composites, like mixing seminr's ``reflective()`` and ``composite()``. As in
        seminr (2.5), the construct correlations of every multi-item Mode A block,
        composites included, are divided by the square roots of their rho_A; Mode B and
        single-item blocks have rho = 1.
    max_iter : int, optional
        Most iterations (default 300, seminr's; 3000 with ``preset="smartpls"``); a
        :class:`~acsi.ConvergenceWarning` is issued when reached.
    tol : float, default 1e-7
        Stop criterion on ``sum |W_new - W_old|``.
    missing : {"listwise", "mean", "error"}, default "listwise"
        Missing values: drop rows (with a warning giving the count), replace by column means
        (seminr's ``mean_replacement``, with a warning), or raise.
    na_values : float or sequence of float, optional
        Codes meaning "missing" in the data (e.g. ``-99``).
    weights : str, optional
        A column of ``data`` holding case weights: weighted PLS (Becker & Ismail 2016;
        SmartPLS's WPLS). The indicators are standardized with weighted means and SDs, the
        algorithm runs on the weighted correlations (so inner and outer estimation and the
        OLS paths are weighted), the evaluation uses the weighted correlations, the
        bootstrap resamples rows together with their weights and the index uses weighted
        means. Weights are frequency weights: integer weights give exactly the results of
        the data with every row repeated ``w`` times (divisors ``sum w - 1``; the adjusted
        R-squared uses ``sum w`` as the sample size). A row with weight 0 is kept in
        ``nobs`` and gets scores but contributes nothing to any estimate. Weights must be
        numeric, finite, non-negative and sum to more than 1; not with ``missing="mean"``.
    preset : {"seminr", "smartpls"}, default "seminr"
        Defaults of the program to reproduce for ``max_iter`` when it is not given:
        seminr's 300, SmartPLS 4's 3000 (both path weighting, unit initial weights,
        stop criterion 1e-7). See docs/methods/smartpls.md for every difference.
    hoc : {"two_stage", "disjoint_two_stage", "embedded_two_stage", "repeated_indicators"}
        How a higher-order construct (a construct measured by constructs, ``Sat =~
        Tangibles + Assurance``; ``<~`` for a Mode B HOC) is estimated. ``"two_stage"``
        is seminr's ``higher_composite`` (the disjoint two-stage approach): the result is
        then a :class:`~acsi.plspm.hoc.ExtendedPLSResult`. See :mod:`acsi.plspm.hoc`.
    interaction : {"product_indicator", "orthogonal", "two_stage"}
        How an interaction term ``Y ~ X + M + X:M`` is measured (seminr's
        ``interaction_term`` methods; the construct is named ``"X*M"`` as in seminr).

    Returns
    -------
    PLSResult

    Raises
    ------
    acsi.ModelSyntaxError, acsi.SpecificationError, acsi.DataError

    Warns
    -----
    acsi.ConvergenceWarning
        ``max_iter`` reached.
    acsi.InadmissibleSolutionWarning
        |path| > 1, R-squared > 1, a PLSc construct correlation matrix that is not
        positive definite, rho_A not positive.
    acsi.MissingDataWarning
        Rows removed or values replaced.

    References
    ----------
    Lohmoeller (1989), *Latent Variable Path Modeling with Partial Least Squares*;
    Dijkstra & Henseler (2015), *MIS Quarterly* 39(2); Ray, Danks & Calero Valdez (2022),
    seminr (R package).

    Examples
    --------
    >>> import acsi
    >>> from acsi.datasets import load_mobi
    >>> res = acsi.pls('''
    ...     Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ...     Expectation  =~ CUEX1 + CUEX2 + CUEX3
    ...     Value        <~ PERV1 + PERV2
    ...     Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ...     Satisfaction ~ Image + Expectation + Value
    ... ''', load_mobi())
    >>> res.paths.loc[["Image", "Expectation", "Value"], "Satisfaction"].round(4).tolist()
    [0.4312, 0.1748, 0.3311]
    >>> res.converged, res.iterations
    (True, 5)
    """
    scheme = check_choice(
        scheme, SCHEMES, "scheme", hint="path weighting is seminr's and SmartPLS's default"
    )
    if not isinstance(consistent, (bool, np.bool_, list, tuple)):
        raise SpecificationError(
            f"consistent must be True, False or a list of '=~' construct names, not {consistent!r}"
        )
    preset = check_choice(preset, tuple(PRESETS), "preset", hint="'seminr' or 'smartpls'")
    max_iter = check_int(PRESETS[preset] if max_iter is None else max_iter, "max_iter", minimum=0)
    tol = check_positive(tol, "tol", hint="seminr's is 1e-7")
    missing = check_choice(
        missing, ("listwise", "mean", "error"), "missing", hint="'mean' is seminr's mean replacement"
    )
    codes = parse_na_values(na_values)
    if weights is not None and missing == "mean":
        raise SpecificationError(
            "weights= cannot be combined with missing='mean' (the replacement means would have to "
            "be weighted); impute the data first or use missing='listwise'"
        )
    hoc = check_choice(hoc, HOC_METHODS, "hoc", hint="'two_stage' is seminr's higher_composite")
    interaction = check_choice(
        interaction, INTERACTION_METHODS, "interaction", hint="'product_indicator' is seminr's default"
    )
    cached: tuple[PLSSpec, BatchPlan] | None = None
    text = model if isinstance(model, str) else None
    if isinstance(model, str):
        model, cached = _model_from_text(model)
    if isinstance(model, ParsedModel) and has_extensions(model):
        if _is_moments(data):
            raise SpecificationError(
                "higher-order constructs and interaction terms need the respondents' rows (stage-1 "
                "scores, products), which acsi.Moments does not hold; fit the data frame"
            )
        if weights is not None:
            raise SpecificationError(
                "weights= (weighted PLS) is not available for models with higher-order constructs or "
                "interaction terms yet; fit the model unweighted, or estimate the stages yourself"
            )
        return pls_extended(
            expand_model(model, hoc, interaction), data, scheme=scheme, consistent=consistent,
            max_iter=max_iter, tol=tol, missing=missing, codes=codes, na_values=na_values,
        )
    if cached is not None:
        spec = cached[0]
    else:
        spec = model if isinstance(model, PLSSpec) else PLSSpec.from_model(model)
    if isinstance(consistent, (list, tuple)):
        chosen = tuple(str(name) for name in consistent)
        for name in chosen:
            if name not in spec.constructs:
                raise SpecificationError(
                    f"consistent names {name!r}, which is not a construct of the model "
                    f"({', '.join(spec.constructs)})"
                )
            if spec.mode[spec.constructs.index(name)] != "A":
                raise SpecificationError(
                    f"consistent names {name!r}, a Mode B ('<~') composite; only '=~' constructs "
                    "can be corrected as common factors"
                )
        spec = dataclasses.replace(spec, reflective=tuple(name in chosen for name in spec.constructs))
        consistent_flag: bool | tuple[str, ...] = chosen
        apply_plsc = bool(chosen)
    else:
        consistent_flag = bool(consistent)
        apply_plsc = consistent_flag
    if _is_moments(data):  # precomputed moments (acsi.moments): no rows
        from acsi.plspm.from_moments import pls_on_moments

        return pls_on_moments(spec, data, scheme=scheme, consistent=consistent_flag,  # type: ignore[arg-type]
                              apply_plsc=apply_plsc, max_iter=max_iter, tol=tol, missing=missing,
                              na_values=na_values, weights=weights, preset=preset)
    check_model_names(spec.indicators, data, spec.where)
    # complete numeric data take the fast route; anything else (codes, missing values,
    # bad columns) the full checks with their messages and warnings
    prepared = None if codes else prepare_complete(data, spec.indicators, min_rows=3)
    if prepared is None:
        prepared = prepare_data(
            data,
            spec.indicators,
            missing=missing,  # type: ignore[arg-type]
            na_values=list(codes) if codes else None,
            context="model",
            where=spec.where,
            min_rows=3,
        )
    X = prepared.X
    _check_rows(spec, prepared.n, prepared.n_dropped)
    case_w = None if weights is None else _case_weights(data, weights, spec, prepared)
    R_plain = None
    if case_w is None:  # correlations and SDs in one pass (no standardized copy of the data)
        R_plain, sd = correlation_sd(X)
    else:  # weighted spread (rows with weight 0 do not count)
        sd = np.sqrt(case_w @ (X - (case_w @ X) / case_w.sum()) ** 2)
    if (sd == 0).any():
        j = int(np.flatnonzero(sd == 0)[0])
        after = (
            f" (the {prepared.n} rows left after removing {prepared.n_dropped} rows with "
            "missing values; missing='mean' keeps every row)"
            if prepared.n_dropped
            else ""
        )
        raise DataError(
            f"indicator {spec.indicators[j]!r} ({spec.where.get(spec.indicators[j], 'model')}) "
            f"has no variance in the data used{after}; it cannot be standardized. Remove it "
            "from its block."
        )
    R = correlation(X, case_w) if R_plain is None else R_plain
    for c, m in enumerate(spec.mode):
        idx = np.flatnonzero(spec.block == c)
        if m == "B" and idx.size > 1:
            ev = np.linalg.eigvalsh(R[np.ix_(idx, idx)])
            if ev[0] <= 1e-12 * max(1.0, ev[-1]):
                raise DataError(
                    f"the indicators of the Mode B construct {spec.constructs[c]!r} "
                    f"({', '.join(spec.block_indicators(c))}) are perfectly collinear; Mode B "
                    "weights are regression weights and cannot be estimated. Remove a redundant "
                    "indicator or use '=~' (Mode A)."
                )
    shared = _shared_from_text(text) if text is not None and cached is not None and spec is cached[0] else None
    if shared is None or shared.spec is not spec:
        shared = SpecShared(spec, cached[1] if cached is not None and spec is cached[0] else make_plan(spec))
    plan = shared.plan
    kernel = fit_kernel(
        R, spec, scheme=scheme, tol=tol, max_iter=max_iter, consistent=apply_plsc, plan=plan
    )
    if not kernel.converged:
        warn(
            f"the PLS algorithm did not converge in max_iter={max_iter} iterations (last change "
            f"of the outer weights {kernel.weight_diff:.3g} >= tol={tol:g}); the estimates are "
            "not final. Increase max_iter, or try scheme='factorial'.",
            ConvergenceWarning,
        )
    _check_admissible(spec, kernel, plan)
    settings = PLSSettings(
        scheme=scheme,
        consistent=consistent_flag,
        max_iter=max_iter,
        tol=tol,
        missing=missing,
        na_values=na_values,
        weights=weights,
        preset=preset,
    )
    raw = None
    rows_all = None
    if prepared.n_replaced:
        raw = _raw_with_nan(data, spec.indicators, codes)
    elif prepared.n_dropped and case_w is None:
        rows_all = _raw_with_nan(data, spec.indicators, codes)
    return PLSResult(
        spec=spec, data=prepared, kernel=kernel, R=R, settings=settings, raw=raw, rows_all=rows_all,
        _covariates=_covariates(data, spec.indicators), case_weights=case_w, _shared=shared,
    )


def _is_moments(data: object) -> bool:
    from acsi.streaming import Moments

    return isinstance(data, Moments)


@functools.lru_cache(maxsize=64)
def _model_from_text(source: str) -> tuple[ParsedModel, tuple[PLSSpec, BatchPlan] | None]:
    """The parsed model of a syntax string and, for a model without higher-order or
    interaction terms, its spec and plan (read-only), remembered per string: the parse is
    a pure function of the text, so refitting a model (simulations, f-squared, a model on
    many data sets) parses it once. Errors are raised every time (never remembered)."""
    parsed = parse_model(source)
    if has_extensions(parsed):
        return parsed, None
    spec = frozen_copy(PLSSpec.from_model(parsed))
    return parsed, (spec, frozen_copy(make_plan(spec)))


@functools.lru_cache(maxsize=64)
def _shared_from_text(source: str) -> SpecShared | None:
    """The :class:`~acsi.plspm.results.SpecShared` of the spec :func:`_model_from_text`
    remembers for ``source`` (labels, plan and f-squared structures of every fit of it)."""
    cached = _model_from_text(source)[1]
    return None if cached is None else SpecShared(cached[0], cached[1])


def _covariates(data: object, columns: Sequence[str]) -> dict[str, np.ndarray] | None:
    """The columns the model does not use, as arrays (grouping variables for ``res.mga``)."""
    if not isinstance(data, pd.DataFrame):
        return None
    used = set(columns)
    out: dict[str, np.ndarray] = {}
    for j, c in enumerate(data.columns):
        if c not in used and str(c) not in out:
            out[str(c)] = data.iloc[:, j].to_numpy(copy=True)
    return out


#: ``preset`` -> default ``max_iter`` (seminr 2.x: 300; SmartPLS 4: 3000).
PRESETS: dict[str, int] = {"seminr": 300, "smartpls": 3000}


def _case_weights(data: object, column: object, spec: PLSSpec, prepared: PreparedData) -> np.ndarray:
    """The validated case weights of the rows used (weighted PLS)."""
    from acsi.data import as_frame

    if not isinstance(column, str):
        raise SpecificationError(f"weights must be the name of a data column holding case weights, not {column!r}")
    frame = as_frame(data)
    if column not in frame.columns:
        raise SpecificationError(f"weights names the column {column!r}, which is not in the data")
    if column in spec.indicators:
        raise SpecificationError(
            f"weights names {column!r}, an indicator of the model; a weight column must be separate"
        )
    col = frame[column]
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise DataError(f"the weight column {column!r} must be numeric (it is {col.dtype})")
    if prepared.n_dropped:
        if not frame.index.is_unique:
            raise DataError(
                "rows with missing values were removed and the data's index has duplicate labels, so "
                f"the weights of {column!r} cannot be matched to the rows kept; reset the index first"
            )
        col = col.loc[prepared.index]
    w = col.to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(w))
    if bad.size:
        raise DataError(
            f"the weight column {column!r} has {bad.size} missing or infinite value(s) among the rows used "
            f"(first at row {prepared.index[bad[0]]!r}); give every row a finite weight"
        )
    if (w < 0).any():
        raise DataError(
            f"the weight column {column!r} has negative weights (minimum {w.min():g}); weights must be >= 0"
        )
    if w.sum() <= 1.0:
        raise DataError(
            f"the weights in {column!r} sum to {w.sum():g}; weighted PLS uses frequency weights "
            "(divisor sum(w) - 1), so they must sum to more than 1: rescale them, e.g. to the sample size"
        )
    return w


def _raw_with_nan(data: object, columns: Sequence[str], codes: tuple[float | str, ...]) -> np.ndarray:
    """The model columns as floats with the declared codes as NaN (already validated)."""
    from acsi.data import as_frame

    sub = as_frame(data)[list(columns)]
    if codes:
        sub = sub.mask(sub.isin(list(codes)))
    sub = sub.astype("float64")
    raw = sub.to_numpy(dtype=np.float64, copy=True)
    raw.setflags(write=False)
    return raw


def admissibility_problems(spec: PLSSpec, kernel: KernelResult, plan: BatchPlan | None = None) -> list[str]:
    """Reasons a PLS / PLSc solution is inadmissible (empty when it is admissible).

    The rule is :func:`acsi.plspm.batched.admissibility_checks` (the one the bootstrap's
    ``n_inadmissible`` counts with): |path| > 1 and R-squared > 1; under PLSc also rho_A
    not positive, a construct correlation matrix that is not positive definite,
    disattenuated correlations above 1 and consistent loadings above 1. Each reason names
    the paths or constructs. :func:`pls` issues them as an
    :class:`~acsi.InadmissibleSolutionWarning`. ``plan`` (``make_plan(spec)``) may be
    passed when the caller has it.

    Examples
    --------
    >>> import numpy as np
    >>> from acsi.plspm.spec import PLSSpec
    >>> from acsi.plspm.algorithm import KernelResult
    >>> spec = PLSSpec.from_model("X =~ x1; Y =~ y1; Y ~ X")
    >>> k = KernelResult(W=np.eye(2), iterations=0, converged=True,
    ...                  C=np.array([[1, 1.2], [1.2, 1]]), B=np.array([[0, 1.2], [0, 0]]),
    ...                  L=np.eye(2), r2=np.array([np.nan, 1.44]))
    >>> admissibility_problems(spec, k)
    ['path coefficients above 1 in absolute value: X -> Y (1.200)', 'R-squared above 1: Y (1.440)']
    """
    names = spec.constructs
    consistent = bool(kernel.consistent and kernel.rho_a is not None)
    rho = kernel.rho_a if consistent and kernel.rho_a is not None else np.ones(spec.k)
    chk = admissibility_checks(
        kernel.C[None], kernel.B[None], kernel.L[None], kernel.r2[None], rho[None],
        make_plan(spec) if plan is None else plan, consistent,
    )
    C, L, B, r2 = kernel.C, kernel.L, kernel.B, kernel.r2
    problems: list[str] = []
    bad = [names[c] for c in np.flatnonzero(chk.rho_a[0])]
    if bad:
        problems.append(
            f"rho_A is not positive for {', '.join(bad)}, so PLSc cannot correct their "
            "correlations (results are NaN)"
        )
    if chk.not_pd[0]:
        problems.append(
            "the PLSc construct correlation matrix is not positive definite (smallest "
            f"eigenvalue {chk.min_eigenvalue[0]:.3g})"
        )
    big = [f"{names[i]} <-> {names[j]} ({C[i, j]:.3f})" for i, j in np.argwhere(chk.correlations[0])]
    if big:
        problems.append(f"disattenuated correlations above 1 in absolute value: {', '.join(big)}")
    heywood = [
        f"{spec.indicators[j]} on {names[spec.block[j]]} ({L[j, spec.block[j]]:.3f})"
        for j in np.flatnonzero(chk.loadings[0])
    ]
    if heywood:
        problems.append(f"consistent loadings above 1: {', '.join(heywood)}")
    paths = [f"{names[i]} -> {names[j]} ({B[i, j]:.3f})" for i, j in np.argwhere(chk.paths[0])]
    if paths:
        problems.append(f"path coefficients above 1 in absolute value: {', '.join(paths)}")
    r2s = [f"{names[j]} ({r2[j]:.3f})" for j in np.flatnonzero(chk.r2[0])]
    if r2s:
        problems.append(f"R-squared above 1: {', '.join(r2s)}")
    return problems


def _check_admissible(spec: PLSSpec, kernel: KernelResult, plan: BatchPlan) -> None:
    """Warn (InadmissibleSolutionWarning) when :func:`admissibility_problems` finds any."""
    problems = admissibility_problems(spec, kernel, plan)
    if problems:
        warn(
            "inadmissible PLS solution: " + "; ".join(problems) + ". Check the model for "
            "overlapping or unreliable blocks (and consider consistent=False).",
            InadmissibleSolutionWarning,
        )
