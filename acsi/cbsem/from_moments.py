"""CB-SEM fitted to precomputed moments (:class:`acsi.Moments`) instead of rows.

``acsi.sem(model, moments)`` and ``acsi.cfa`` land here. For complete data the ML estimates,
standard errors (expected or observed information), chi-square and every fit measure depend
on the data only through ``N``, the means and the covariance matrix (divisor ``N``), so they
equal the fit on the frame. MLR (Huber-White standard errors, Yuan-Bentler test) needs the
casewise scores' outer products, which are quadratic forms in the third- and fourth-order
central moments of the rows: with ``acsi.moments(..., fourth_order=True)`` they are exact
too (:meth:`acsi.streaming.Moments.score_information`).

Everything that needs the rows refuses with a SpecificationError that names the way out:
FIML, ordinal items, sampling weights, groups and the bootstrap. With fixed.x covariates
the MLR h1 trace (of the moments minus those of the regression fitted values) is a linear
transform of the stored ``Gamma`` (:meth:`acsi.streaming.Moments.h1_trace_fixed_x`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
import pandas as pd

from acsi._blas import single_threaded_blas
from acsi.cbsem.core import EstimationCore, estimate
from acsi.cbsem.results import SEMResult
from acsi.exceptions import DataError, SpecificationError
from acsi.spec.partable import build_partable
from acsi.spec.syntax import ParsedModel, parse_model
from acsi.streaming import Moments

__all__ = ["MomentsCore", "fit_moments", "stored_moments", "needs_rows"]


@dataclass(frozen=True, eq=False)
class MomentsCore(EstimationCore):
    """An :class:`~acsi.cbsem.core.EstimationCore` fitted to moments: ``X`` has no rows,
    ``N`` is the moments' ``n``, ``source`` holds the moments (of the model's variables)."""

    source: Moments | None = field(default=None, repr=False)


def stored_moments(core: Any) -> Moments | None:
    """The moments a core was fitted to, or None for a fit on rows."""
    return core.source if isinstance(core, MomentsCore) else None


def needs_rows(core: Any, what: str) -> None:
    """Refuse ``what`` for a fit on moments (it needs the respondents' rows)."""
    if isinstance(core, MomentsCore):
        raise SpecificationError(
            f"{what} needs the respondents' rows, but this model was fitted to precomputed moments "
            "(acsi.moments); fit the model to the data frame itself for it"
        )


def _refuse(what: str, way_out: str) -> SpecificationError:
    return SpecificationError(
        f"{what} needs the respondents' rows, which acsi.Moments does not hold; {way_out}"
    )


def fit_moments(
    model: str | ParsedModel, m: Moments, *, estimator: str | None, std_lv: bool, se: str | None,
    meanstructure: bool | None, fixed_x: bool, level: float, missing: str, na_values: Any,
    max_iter: int, tol: float, group: Any = None, group_equal: Any = None, group_partial: Any = None,
    ordered: Any = None, parameterization: str = "delta", sampling_weights: str | None = None,
) -> SEMResult:
    """:func:`acsi.sem` on :class:`acsi.Moments` (see the module docstring)."""
    from acsi.cbsem import api

    if group is not None or group_equal or group_partial:
        raise _refuse("group= (multiple groups from a column)",
                      "compute one acsi.moments per group and fit each, or fit the data frame")
    if api._is_ordinal(estimator, ordered):
        raise _refuse("ordinal items (ordered=, WLSMV/DWLS/ULS: polychoric correlations)",
                      "fit the data frame with ordered=")
    if sampling_weights is not None:
        raise _refuse("sampling_weights", "fit the data frame with sampling_weights=")
    if na_values is not None:
        raise SpecificationError(
            "na_values= applies to rows; declare the missing codes when computing the moments: "
            "acsi.moments(..., na_values=...)"
        )
    est, se_type, miss = api._validate_options(estimator or "ML", se, missing, level, max_iter, tol)
    if miss == "ml":
        raise _refuse("missing='ml' (FIML)",
                      "fit the data frame with missing='ml', or compute the moments of the complete "
                      "rows with acsi.moments(..., missing='listwise')")
    parsed = model if isinstance(model, ParsedModel) else parse_model(model)
    pt = build_partable(parsed, std_lv=bool(std_lv),
                        meanstructure=bool(meanstructure) if meanstructure is not None else False,
                        fixed_x=bool(fixed_x))
    api._check_model_columns(parsed, pt, pd.DataFrame(columns=list(m.columns)), what="moments")
    mm = m.select(pt.ov_names)
    n, p = mm.n, len(pt.ov_names)
    robust = est == "MLR" or se_type == "robust"
    if robust:
        if not mm.has_fourth_order:
            raise SpecificationError(
                "MLR (robust standard errors and the scaled test) needs the fourth-order moments of "
                "the rows; compute them with acsi.moments(..., fourth_order=True), or use "
                "estimator='ML'"
            )
    if n <= p:
        raise DataError(
            f"only {n} rows for {p} observed variables: the sample covariance matrix is singular; "
            "covariance-based SEM needs more rows than variables (many more in practice)"
        )
    mean, S = np.array(mm.mean_vector), np.array(mm.cov_n)
    api._check_sample_cov(S, pt.ov_names)
    api._check_identification_counts(pt, p)
    with single_threaded_blas():
        core0 = estimate(pt, np.empty((0, p)), max_iter=int(max_iter), tol=float(tol), moments=(mean, S))
    kw = {f.name: getattr(core0, f.name) for f in fields(core0)}
    kw.update(N=int(n), chisq=float(n * 2.0 * core0.fmin), source=mm)
    core: EstimationCore = MomentsCore(**kw)
    if pt.constraints:
        from acsi.cbsem.constraints import estimate_constrained

        core = estimate_constrained(core, max_iter=int(max_iter))
    if core.iterations == 0 and not core.converged and not np.isfinite(core.grad_max):
        raise SpecificationError(
            "the model-implied covariance matrix is not positive definite at any start value "
            "tried, so the likelihood cannot be evaluated; check the fixed values of the model"
        )
    kind: Literal["expected", "observed"] = "observed" if se_type in ("observed", "robust") else "expected"

    def robust_vcov() -> np.ndarray:
        from acsi.cbsem.robust import huber_white_vcov

        return np.asarray(huber_white_vcov(core), dtype=float)

    vcov = api._theta_vcov(core, se_type, kind, robust_vcov)
    if pt.constraints:
        from acsi.cbsem.constraints import constrained_vcov

        vcov = constrained_vcov(core, se_type, kind)
    return SEMResult(core=core, estimator=est, se_type=se_type, level=float(level), theta_vcov=vcov,
                     n_dropped=int(m.n_dropped), model_text=parsed.source)
