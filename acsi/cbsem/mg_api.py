"""The multigroup path of ``acsi.sem``/``acsi.cfa`` (``group="column"``): checks, the
groups' data, the fit and its standard errors.

Called by :func:`acsi.cbsem.api.sem` after the options are validated; every check of the
grouping column and of the groups' data happens here, before any estimation.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._blas import single_threaded_blas
from acsi._linalg import scaled_spd_inverse
from acsi.cbsem.mg_results import MultiGroupSEMResult
from acsi.cbsem.multigroup import (
    MultiGroupCore,
    estimate_groups,
    estimate_groups_fiml,
    multigroup_robust_vcov,
)
from acsi.data import as_frame, prepare_data
from acsi.exceptions import (
    ConvergenceWarning,
    DataError,
    IdentificationError,
    InadmissibleSolutionWarning,
    SpecificationError,
    warn,
)
from acsi.spec.partable import GROUP_EQUAL, ParameterTable, build_multigroup_partable
from acsi.spec.syntax import ParsedModel

__all__ = ["GroupData", "fit_groups", "fit_prepared", "group_codes", "prepare_groups"]


def _keywords(value: Any, argument: str) -> tuple[str, ...]:
    """``group_equal``/``group_partial`` as a tuple of str (a single string is one entry)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, pd.Index, set, frozenset)) or not all(isinstance(v, str) for v in value):
        raise SpecificationError(
            f"{argument} must be a list of strings (e.g. {argument}=['loadings', 'intercepts']), "
            f"not {value!r}"
        )
    out: list[str] = []
    for v in value:
        key = v.strip()
        if argument == "group_equal":
            key = key.lower()
            if key not in GROUP_EQUAL:
                close = difflib.get_close_matches(key, GROUP_EQUAL, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise SpecificationError(
                    f"group_equal has the unknown keyword {v!r}{hint}; use any of "
                    f"{', '.join(GROUP_EQUAL)}"
                )
        if key not in out:
            out.append(key)
    return tuple(out)


def group_codes(df: pd.DataFrame, group: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each row's group index (0-based) and the groups' labels, in lavaan's order.

    The order is that of first appearance in the data, or the categories' order of a pandas
    categorical column (as lavaan uses a factor's levels).

    Raises
    ------
    DataError
        No such column, missing values in it, fewer than two groups, a category without rows.
    """
    if not isinstance(group, str) and not isinstance(group, (int, np.integer)):
        raise SpecificationError(f"group must be the name of a column of the data, not {group!r}")
    if group not in df.columns:
        cols = [str(c) for c in df.columns]
        close = difflib.get_close_matches(str(group), cols, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DataError(f"group={group!r} is not a column of the data{hint}")
    col = df[group]
    miss = col.isna().to_numpy()
    if miss.any():
        first = df.index[np.flatnonzero(miss)[:3]].tolist()
        raise DataError(
            f"the group column {group!r} is missing for {int(miss.sum())} row(s) (e.g. rows "
            f"{first}); acsi does not drop them silently: drop them (data.dropna(subset=[{group!r}])) "
            "or give them a group of their own"
        )
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = list(col.cat.categories)
        present = set(col.unique().tolist())
        empty = [c for c in cats if c not in present]
        if empty:
            raise DataError(
                f"the categorical group column {group!r} has categories without rows: "
                f"{', '.join(map(repr, empty))}; remove them "
                f"(data[{group!r}] = data[{group!r}].cat.remove_unused_categories())"
            )
        labels = cats
        codes = col.cat.codes.to_numpy().astype(np.intp)
    else:
        codes_arr, uniques = pd.factorize(col, sort=False)
        labels = list(uniques)
        codes = np.asarray(codes_arr, dtype=np.intp)
    if len(labels) < 2:
        raise DataError(
            f"the group column {group!r} has a single value ({labels[0]!r} in every row); a "
            "multigroup model needs at least two groups (fit it without group=)"
        )
    return codes, tuple(str(v) for v in labels)


def _check_group_moments(X: np.ndarray, names: tuple[str, ...], label: str) -> None:
    from acsi.cbsem.api import _check_sample_cov
    from acsi.cbsem.core import sample_moments

    try:
        _check_sample_cov(sample_moments(X)[1], names)
    except DataError as exc:
        raise DataError(f"in group {label!r}: {exc}") from None


@dataclass(frozen=True)
class GroupData:
    """The checked data of a multigroup fit: the groups' complete matrices (columns in the
    model's ``ov_names`` order) and their labels, shared by the fits of one data set (e.g.
    the levels of :func:`acsi.invariance`)."""

    Xs: tuple[np.ndarray, ...]
    labels: tuple[str, ...]
    ov_names: tuple[str, ...]
    n_dropped: int
    fiml: bool = False  #: missing="ml": the matrices keep their holes (NaN)


def _options(group_equal: Any, group_partial: Any, miss: str, meanstructure: bool | None
             ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ge = _keywords(group_equal, "group_equal")
    gp = _keywords(group_partial, "group_partial")
    if meanstructure is False:
        raise SpecificationError(
            "a multigroup model has a mean structure (lavaan's default with group=); leave "
            "meanstructure unset or pass meanstructure=True"
        )
    return ge, gp


def prepare_groups(
    parsed: ParsedModel, data: Any, group: Any,
    build: Callable[[tuple[str, ...]], ParameterTable], *, miss: str, na_values: Any,
) -> tuple[GroupData, ParameterTable]:
    """Check the grouping column and the data, and split the complete rows by group.

    ``build(labels)`` makes the multigroup table once the groups are known. Returns the
    data and the table.
    """
    df = as_frame(data)
    codes, labels = group_codes(df, group)
    pt = build(labels)
    if pt.fixed_x and pt.ov_x:
        raise SpecificationError(
            f"observed exogenous covariates ({', '.join(pt.ov_x)}) with several groups are not "
            "implemented in acsi yet; pass fixed_x=False or model them as indicators"
        )
    from acsi.cbsem.api import _check_model_columns

    where = _check_model_columns(parsed, pt, df, group=str(group))
    frame = df.reset_index(drop=True)
    prepared = prepare_data(frame, list(pt.ov_names), missing=miss, na_values=na_values,  # type: ignore[arg-type]
                            context="model", where=where)
    kept = np.asarray(prepared.index, dtype=np.intp)
    kcodes = codes[kept]
    p = len(pt.ov_names)
    Xs: list[np.ndarray] = []
    for g, lab in enumerate(labels):
        Xg = np.ascontiguousarray(prepared.X[kcodes == g])
        if Xg.shape[0] <= p:
            what = "row(s) with an observed value" if miss == "ml" else "complete row(s)"
            raise DataError(
                f"group {lab!r} ({group}) has only {Xg.shape[0]} {what} for {p} observed "
                "variables: its sample covariance matrix is singular; covariance-based SEM "
                "needs more rows than variables in every group (merge small groups)"
            )
        if miss == "ml":
            _check_group_columns(Xg, pt.ov_names, lab)
        else:
            _check_group_moments(Xg, pt.ov_names, lab)
        Xg.flags.writeable = False
        Xs.append(Xg)
    return GroupData(tuple(Xs), labels, pt.ov_names, prepared.n_dropped, fiml=miss == "ml"), pt


def _check_group_columns(X: np.ndarray, names: tuple[str, ...], label: str) -> None:
    """FIML: every column of a group has an observed value and varies."""
    cnt = (~np.isnan(X)).sum(axis=0)
    with np.errstate(invalid="ignore"):
        m = np.nansum(X, axis=0) / np.maximum(cnt, 1)
        v = np.nansum((X - m) ** 2, axis=0)
    bad = [names[j] for j in range(len(names)) if cnt[j] == 0 or not v[j] > 0]
    if bad:
        raise DataError(
            f"in group {label!r}: column(s) {', '.join(bad)} have no observed value or zero "
            "variance over their observed values; remove them from the model or merge groups"
        )


def fit_prepared(
    pt: ParameterTable, gd: GroupData, *, est: str, se_type: str, level: float, max_iter: int,
    tol: float, source: str, warm: MultiGroupCore | None = None,
) -> MultiGroupSEMResult:
    """Fit the multigroup table ``pt`` to checked group data (no parsing, no data checks);
    ``warm``: a fit of the same rows on the same data whose values start the free rows."""
    _check_counts(pt, len(pt.ov_names))
    computed: list[Any] = []  # MLR with FIML: the robust record, kept for the scaled test
    with single_threaded_blas():
        if gd.fiml:
            core = estimate_groups_fiml(pt, list(gd.Xs), gd.labels, max_iter=max_iter, tol=tol)
        else:
            core = estimate_groups(pt, list(gd.Xs), gd.labels, max_iter=max_iter, tol=tol,
                                   x_start=warm)
        vcov = _vcov(core, se_type, computed)
    return MultiGroupSEMResult(
        core=core, estimator=est, se_type=se_type, level=float(level), theta_vcov=vcov,
        n_dropped=gd.n_dropped, model_text=source, _fiml_robust=computed[-1] if computed else None,
    )


def check_no_general_constraints(parsed: ParsedModel) -> None:
    """General constraints (``a == 2*b``, ``a > 0``) are not estimated with several groups
    yet: refuse them (naming the line) rather than drop them; ``a == b`` (a shared label) is fine."""
    for st in parsed.statements:
        simple = st.op == "==" and st.lhs.strip().isidentifier() and st.rhs.strip().isidentifier()
        if st.op in ("==", "<", ">") and not simple:
            raise SpecificationError(
                f"the general constraint '{st.lhs} {st.op} {st.rhs}' ({st.where()}) is not available "
                "with several groups in acsi yet; use shared labels (c(a, a)*x2) for equalities "
                "across groups, or fit the groups one at a time"
            )


def fit_groups(
    parsed: ParsedModel, data: Any, group: Any, group_equal: Any, group_partial: Any, *, est: str,
    se_type: str, miss: str, std_lv: bool, meanstructure: bool | None, fixed_x: bool,
    level: float, na_values: Any, max_iter: int, tol: float,
) -> MultiGroupSEMResult:
    """Fit ``parsed`` to every group of ``data[group]`` (see :func:`acsi.cbsem.api.sem`)."""
    ge, gp = _options(group_equal, group_partial, miss, meanstructure)
    check_no_general_constraints(parsed)

    def build(labels: tuple[str, ...]) -> ParameterTable:
        return build_multigroup_partable(parsed, len(labels), std_lv=std_lv, fixed_x=fixed_x,
                                         group_equal=ge, group_partial=gp, group_labels=labels)

    gd, pt = prepare_groups(parsed, data, group, build, miss=miss, na_values=na_values)
    warm = None
    if not gd.fiml and _endogenous_auto_means(pt):
        # a second-order model with equal intercepts: lavaan frees the latent intercepts of
        # the first-order factors too (not identified); start from the fit without the
        # intercept equalities (the same rows), as the invariance sequence does
        pre = build_multigroup_partable(
            parsed, len(gd.labels), std_lv=std_lv, fixed_x=fixed_x, group_partial=gp,
            group_equal=tuple(k for k in ge if k not in ("intercepts", "thresholds")),
            group_labels=gd.labels)
        with single_threaded_blas():
            warm = estimate_groups(pre, list(gd.Xs), gd.labels, max_iter=max_iter, tol=tol)
    return fit_prepared(pt, gd, est=est, se_type=se_type, level=level, max_iter=max_iter, tol=tol,
                        source=parsed.source, warm=warm)


def _endogenous_auto_means(pt: ParameterTable) -> bool:
    """Whether lavaan's rule (intercepts equal, means not) freed the intercept of a latent
    variable that depends on another latent variable (groups 2, 3, ...)."""
    lv = set(pt.lv_names)
    endo = {pt.rhs[k] for k in range(len(pt.op)) if pt.op[k] == "=~" and pt.rhs[k] in lv}
    endo |= {pt.lhs[k] for k in range(len(pt.op)) if pt.op[k] == "~" and pt.lhs[k] in lv}
    return any(pt.op[k] == "~1" and pt.lhs[k] in endo and pt.user[k] == 0 and pt.group[k] > 1
               and pt.free[k] for k in range(len(pt.op)))


def _check_counts(pt: ParameterTable, p: int) -> None:
    from acsi.cbsem.multigroup import group_df

    df = group_df(pt, p)
    if df < 0:
        raise IdentificationError(
            f"the model is not identified: it has {pt.npar} free parameters but the "
            f"{pt.ngroups} groups give only {df + pt.npar} distinct (co)variances and means "
            f"(df = {df}). Constrain parameters across groups (group_equal) or fix parameters"
        )


def _check_admissible_groups(core: MultiGroupCore) -> None:
    """Warn about negative variances and non-positive-definite latent covariance matrices,
    naming the group (one warning each)."""
    neg: list[str] = []
    npd: list[str] = []
    for lab, c in zip(core.group_labels, core.groups):
        pt, x = c.partable, c.x
        neg += [
            f"{pt.lhs[k]} ~~ {pt.rhs[k]} = {x[k]:.4g} (group {lab!r})"
            for k in range(len(x)) if pt.op[k] == "~~" and pt.lhs[k] == pt.rhs[k] and x[k] < 0
        ]
        nlv = len(pt.lv_names)
        if nlv:
            veta = np.asarray(c.parts["Veta"])[:nlv, :nlv]
            w0 = float(np.linalg.eigvalsh(0.5 * (veta + veta.T))[0])
            if w0 < 0:
                npd.append(f"group {lab!r} (smallest eigenvalue {w0:.3g})")
    if neg:
        warn(
            "inadmissible solution (Heywood case): negative variance estimate(s) "
            f"{'; '.join(neg)}. The estimates are reported as found (not clamped); consider a "
            "misspecified model, too few indicators, a small group or outliers",
            InadmissibleSolutionWarning,
        )
    if npd:
        warn(
            "inadmissible solution: the covariance matrix of the latent variables is not "
            f"positive definite in {'; '.join(npd)}; check correlations above 1 in std_all",
            InadmissibleSolutionWarning,
        )


def _vcov(core: MultiGroupCore, se_type: str, computed: list[Any] | None = None) -> np.ndarray:
    """Covariance of ``theta`` (warning/identification checks as the single-group path);
    MLR with FIML appends its robust record (vcov and scaled test) to ``computed``."""
    from acsi.cbsem.api import _singular_message

    if not core.converged:
        warn(
            f"the optimiser did not converge in {core.iterations} iterations (largest absolute "
            f"gradient {core.grad_max:.3g}); the estimates are not a maximum of the likelihood. "
            "Raise max_iter, check the model for misspecification or give start values",
            ConvergenceWarning,
        )
    kind = "observed" if se_type in ("observed", "robust") else "expected"
    info = core.information(kind)  # type: ignore[arg-type]
    info_inv = scaled_spd_inverse(info)
    msg = None if info_inv is not None else _singular_message(core, info, kind)  # type: ignore[arg-type]
    _check_admissible_groups(core)
    if msg is not None and core.converged:
        free_means = _auto_freed_means_null(core, info)
        if free_means is None:
            raise IdentificationError(msg)
        return _vcov_auto_means(core, info, se_type, free_means)
    if msg is not None:
        vcov = np.full((core.npar, core.npar), np.nan)
    elif se_type == "robust" and core.fiml:
        from acsi.cbsem.fiml_kernel import FIMLRobust
        from acsi.cbsem.multigroup import multigroup_fiml_robust

        vcov, test = multigroup_fiml_robust(core)
        if computed is not None:
            computed.append(FIMLRobust(vcov=vcov, test=test))
    elif se_type == "robust":
        vcov = multigroup_robust_vcov(core)
    else:
        vcov = (info_inv if info_inv is not None else np.linalg.inv(info)) / core.N
    return 0.5 * (vcov + vcov.T)


def _auto_freed_means_null(core: MultiGroupCore, info: np.ndarray) -> list[int] | None:
    """The parameters of the null space of ``info`` when every one of them is a latent
    intercept that lavaan frees automatically in groups 2, 3, ... (``group_equal`` with
    intercepts but not means: the first-order factors' intercepts of a second-order model
    are then not identified; lavaan fits the model anyway, warns, and counts them in
    ``npar``), else ``None``."""
    w, V = np.linalg.eigh(0.5 * (info + info.T))
    null = V[:, w <= 1e-10 * max(1.0, float(abs(w[-1])))]
    if null.shape[1] == 0:
        return None
    involved = np.flatnonzero(np.abs(null).max(axis=1) > 1e-6)
    pt = core.partable
    auto = set()
    for k in pt.free_rows:
        if (pt.op[k] == "~1" and pt.lhs[k] in pt.lv_names and pt.user[k] == 0
                and pt.group[k] > 1):
            auto.add(int(pt.par[k]))
    if not all(int(j) in auto for j in involved):
        return None
    return [int(j) for j in involved]


def _vcov_auto_means(core: MultiGroupCore, info: np.ndarray, se_type: str, involved: list[int]
                     ) -> np.ndarray:
    """Covariance of ``theta`` when only automatically freed latent intercepts are not
    identified: a generalized inverse of the information (the variances of identified
    parameters do not depend on which one) with the unidentified rows set to NaN, and a
    warning naming them (lavaan reports them with a vcov warning)."""
    from acsi.exceptions import AcsiWarning

    pt = core.partable
    names = sorted({f"{pt.lhs[k]} ~1 (group {core.group_labels[pt.group[k] - 1]!r})"
                    for k in pt.free_rows if int(pt.par[k]) in set(involved)})
    warn(
        "the latent intercepts " + "; ".join(names) + " are not identified: with intercepts "
        "equal across groups lavaan (whose conventions acsi follows) frees every latent "
        "intercept in groups 2, 3, ..., including those of factors that depend on other "
        "factors (a second-order model). The fit (chi-square, df, fit measures) is lavaan's; "
        "these intercepts have no unique estimate and no standard error (NaN). Add "
        "'means' to group_equal or fix them (e.g. c(0, 0)*1 for 'visual ~ 1') to identify them",
        AcsiWarning,
    )
    w, V = np.linalg.eigh(0.5 * (info + info.T))
    keep = w > 1e-10 * max(1.0, float(abs(w[-1])))
    ginv = (V[:, keep] / w[keep]) @ V[:, keep].T
    if se_type == "robust":
        from acsi.cbsem.robust import first_order_information

        b = sum(wg * first_order_information(c) for wg, c in zip(core.weights, core.groups))
        vcov = ginv @ b @ ginv / core.N
    else:
        vcov = ginv / core.N
    vcov = 0.5 * (vcov + vcov.T)
    vcov[involved, :] = np.nan
    vcov[:, involved] = np.nan
    return vcov
