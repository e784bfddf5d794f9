"""PLS path models fitted to precomputed moments (:class:`acsi.Moments`) instead of rows.

A PLS fit (weights, loadings, paths, R-squared, reliability, HTMT, VIF, f-squared, ...)
depends on the data only through the indicators' correlation matrix, so ``acsi.pls(model,
moments)`` equals the fit on the frame. What needs the rows (construct scores, the bootstrap,
PLSpredict, CVPAT, MGA/MICOM, the model-fit bootstrap, higher-order constructs and
interactions, weighted PLS, mean replacement) refuses with a SpecificationError.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from acsi.exceptions import ConvergenceWarning, DataError, SpecificationError, warn
from acsi.plspm.results import PLSResult, PLSSettings
from acsi.plspm.spec import PLSSpec
from acsi.spec.syntax import check_model_names
from acsi.streaming import Moments

__all__ = ["MomentRows", "pls_on_moments"]


class MomentRows:
    """Stands for the validated data of a PLS fit on moments: the column names and counts,
    and a clear refusal wherever the rows themselves are needed."""

    n_replaced = 0

    def __init__(self, columns: tuple[str, ...], n: int, n_dropped: int) -> None:
        self.columns = columns
        self._n = int(n)
        self.n_dropped = int(n_dropped)

    @property
    def nobs(self) -> int:
        """Rows the moments were computed from."""
        return self._n

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs`."""
        return self._n

    def _refuse(self) -> SpecificationError:
        return SpecificationError(
            "this needs the respondents' rows (construct scores, bootstrap, PLSpredict, CVPAT, "
            "MGA/MICOM, the model-fit bootstrap), but the model was fitted to precomputed moments "
            "(acsi.moments); fit the model to the data frame itself for it"
        )

    @property
    def X(self) -> np.ndarray:  # noqa: N802 - PreparedData's name
        """Refused: a fit on moments has no rows."""
        raise self._refuse()

    @property
    def index(self) -> pd.Index:
        """Refused: a fit on moments has no rows."""
        raise self._refuse()

    def frame(self) -> pd.DataFrame:
        """Refused: a fit on moments has no rows."""
        raise self._refuse()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MomentRows):
            return NotImplemented
        return (self.columns, self._n, self.n_dropped) == (other.columns, other._n, other.n_dropped)

    __hash__ = None  # type: ignore[assignment]


def pls_on_moments(
    spec: PLSSpec, m: Moments, *, scheme: str, consistent: bool | tuple[str, ...], apply_plsc: bool,
    max_iter: int, tol: float, missing: str, na_values: Any, weights: str | None, preset: str,
) -> PLSResult:
    """:func:`acsi.pls` on :class:`acsi.Moments` (see the module docstring)."""
    from acsi.plspm import api
    from acsi.plspm.algorithm import fit_kernel
    from acsi.plspm.batched import make_plan

    if weights is not None:
        raise SpecificationError(
            "weights= (weighted PLS) needs the respondents' rows, which acsi.Moments does not hold; "
            "fit the data frame with weights="
        )
    if missing == "mean":
        raise SpecificationError(
            "missing='mean' replaces values in the rows, which acsi.Moments does not hold; compute the "
            "moments with acsi.moments(..., missing='listwise'), or fit the data frame"
        )
    if na_values is not None:
        raise SpecificationError(
            "na_values= applies to rows; declare the missing codes when computing the moments: "
            "acsi.moments(..., na_values=...)"
        )
    check_model_names(spec.indicators, pd.DataFrame(columns=list(m.columns)), spec.where)
    mm = m.select(spec.indicators)
    api._check_rows(spec, mm.n, mm.n_dropped)
    var = np.diag(mm.cov_n)
    if (var == 0).any():
        j = int(np.flatnonzero(var == 0)[0])
        raise DataError(
            f"indicator {spec.indicators[j]!r} ({spec.where.get(spec.indicators[j], 'model')}) has no "
            "variance in the data used; it cannot be standardized. Remove it from its block."
        )
    R = mm._corr()
    for c, mode in enumerate(spec.mode):
        idx = np.flatnonzero(spec.block == c)
        if mode == "B" and idx.size > 1:
            ev = np.linalg.eigvalsh(R[np.ix_(idx, idx)])
            if ev[0] <= 1e-12 * max(1.0, ev[-1]):
                raise DataError(
                    f"the indicators of the Mode B construct {spec.constructs[c]!r} "
                    f"({', '.join(spec.block_indicators(c))}) are perfectly collinear; Mode B weights "
                    "are regression weights and cannot be estimated. Remove a redundant indicator or "
                    "use '=~' (Mode A)."
                )
    plan = make_plan(spec)
    kernel = fit_kernel(R, spec, scheme=scheme, tol=tol, max_iter=max_iter, consistent=apply_plsc, plan=plan)
    if not kernel.converged:
        warn(
            f"the PLS algorithm did not converge in max_iter={max_iter} iterations (last change of the "
            f"outer weights {kernel.weight_diff:.3g} >= tol={tol:g}); the estimates are not final. "
            "Increase max_iter, or try scheme='factorial'.",
            ConvergenceWarning,
        )
    api._check_admissible(spec, kernel, plan)
    settings = PLSSettings(scheme=scheme, consistent=consistent, max_iter=max_iter, tol=tol, missing=missing,
                           na_values=None, weights=None, preset=preset)
    rows: Any = MomentRows(tuple(spec.indicators), mm.n, mm.n_dropped)
    return PLSResult(spec=spec, data=rows, kernel=kernel, R=R, settings=settings)
