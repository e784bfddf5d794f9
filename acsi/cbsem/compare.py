"""Comparison of nested CB-SEM fits: the chi-square difference (likelihood-ratio) test, as
lavaan's ``lavTestLRT`` (``acsi.chisq_diff``).

For ML fits the test statistic is the plain difference of the two chi-squares; for MLR fits
(Yuan-Bentler scaled chi-squares) it is the Satorra-Bentler (2001) scaled difference, which is
lavaan's default ``method = "satorra.bentler.2001"`` for these fits:

.. math::

    c_d = \\frac{df_0 c_0 - df_1 c_1}{df_0 - df_1}, \\qquad
    T_d = \\frac{T_0 - T_1}{c_d} \\sim \\chi^2(df_0 - df_1)

with ``T`` the unscaled ML chi-squares, ``c`` the scaling factors, index 0 the restricted and 1
the unrestricted model (``c_1 = 1`` for a saturated unrestricted model).

References
----------
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for moment
structure analysis. *Psychometrika*, 66, 507-514.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._lazy import stats  # scipy.stats, imported on first use
from acsi._validation import check_choice
from acsi.exceptions import AcsiWarning, SpecificationError, warn
from acsi.results.base import ResultMixin, Summary, freeze, frozen_table

__all__ = ["ChisqDiffTest", "chisq_diff"]

_METHODS = ("default", "standard", "satorra.bentler.2001")


@dataclass(frozen=True, eq=False)
class ChisqDiffTest(ResultMixin):
    """Result of :func:`chisq_diff`: lavaan's ``lavTestLRT`` table and the test itself.

    Attributes
    ----------
    table : DataFrame
        One row per model, the less restricted first (lavaan's order), with columns ``Df``,
        ``AIC``, ``BIC``, ``Chisq`` (the unscaled chi-squares, also for MLR), ``Chisq diff``
        (the possibly scaled difference), ``RMSEA`` (ML only: RMSEA of the difference),
        ``Df diff`` and ``Pr(>Chisq)``.
    method : str
        ``"standard"`` or ``"satorra.bentler.2001"``.
    scaling_factor : float
        The difference test's scaling factor ``c_d`` (NaN for the standard test).
    """

    _table: pd.DataFrame
    method: str
    scaling_factor: float = math.nan

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", freeze(self._table))

    @frozen_table
    def table(self) -> pd.DataFrame:
        """lavaan's ``lavTestLRT`` table (a copy)."""
        return self._table

    @property
    def chisq_diff(self) -> float:
        """The (scaled) chi-square difference."""
        return float(self._table["Chisq diff"].iloc[1])

    @property
    def df_diff(self) -> float:
        """Difference of the degrees of freedom."""
        return float(self._table["Df diff"].iloc[1])

    @property
    def pvalue(self) -> float:
        """``P(chi2(df_diff) > chisq_diff)``."""
        return float(self._table["Pr(>Chisq)"].iloc[1])

    def to_frame(self) -> pd.DataFrame:
        """The lavTestLRT-style table (a copy)."""
        return self._table.copy()

    def _summary(self) -> Summary:
        title = (
            "Scaled chi-squared difference test (Satorra-Bentler 2001)"
            if self.method == "satorra.bentler.2001"
            else "Chi-squared difference test"
        )
        notes = []
        if self.method == "satorra.bentler.2001":
            notes.append(
                "The Chisq column holds the standard (unscaled) statistics; the robust "
                "difference is a function of two standard statistics and their scaling factors."
            )
        header: list[tuple[str, Any]] = [("method", self.method)]
        if not math.isnan(self.scaling_factor):
            header.append(("scaling factor of the difference", self.scaling_factor))
        return Summary(title, header=header, tables=[("", self._table)], notes=notes)


def _facts(res: Any, what: str) -> tuple[Any, Any]:
    """The FitMeasures of a fitted result and its estimation core (None for bare FitMeasures)."""
    from acsi.cbsem.fit_measures import FitMeasures
    from acsi.cbsem.results import SEMResult

    if isinstance(res, SEMResult):
        return res.fit_measures, res.core
    if isinstance(res, FitMeasures):
        return res, None
    raise SpecificationError(
        f"{what} must be a fitted CB-SEM result (acsi.sem / acsi.cfa) or its fit_measures, "
        f"not {type(res).__name__}"
    )


def _same_data(core0: Any, core1: Any) -> str | None:
    """A reason why two fitted models are not on the same data, or None.

    ``core0``/``core1`` are estimation cores (``ov_names``, ``S``, ``meanstructure``) or None
    (a bare FitMeasures, whose data cannot be checked).
    """
    if core0 is None or core1 is None:
        return None
    names0 = tuple(core0.ov_names)
    names1 = tuple(core1.ov_names)
    if sorted(names0) != sorted(names1):
        only0 = sorted(set(names0) - set(names1))
        only1 = sorted(set(names1) - set(names0))
        return (
            "the models use different observed variables "
            f"(only in restricted: {only0}; only in unrestricted: {only1})"
        )
    pos1 = [names1.index(v) for v in names0]
    s0 = np.asarray(core0.S)
    s1 = np.asarray(core1.S)[np.ix_(pos1, pos1)]
    if not np.allclose(s0, s1, rtol=1e-10, atol=1e-12):
        return "the models were fitted to different data (their sample covariances differ)"
    if bool(core0.meanstructure) != bool(core1.meanstructure):
        return "one model has a mean structure and the other has not"
    return None


def chisq_diff(
    restricted: Any,
    unrestricted: Any,
    method: str = "default",
    *,
    names: tuple[str, str] = ("restricted", "unrestricted"),
) -> ChisqDiffTest:
    """Chi-square difference test of two nested models, as lavaan's ``lavTestLRT``.

    Parameters
    ----------
    restricted, unrestricted : CB-SEM result
        Two fits (``acsi.sem`` / ``acsi.cfa``) of nested models on the same data with the
        same estimator; ``restricted`` has more degrees of freedom.
    method : {"default", "standard", "satorra.bentler.2001"}
        ``"default"``: the plain difference for ML fits, the Satorra-Bentler (2001) scaled
        difference for MLR fits (lavaan's defaults). ``"standard"`` forces the plain
        difference.
    names : (str, str)
        Row labels of the restricted and unrestricted model.

    Returns
    -------
    ChisqDiffTest
        ``.table`` (lavaan's columns), ``.chisq_diff``, ``.df_diff``, ``.pvalue``.

    Raises
    ------
    SpecificationError
        Models on different data or variables, one with and one without a mean structure,
        one ML and one MLR, equal degrees of freedom, the restricted model with fewer degrees
        of freedom than the unrestricted one (swapped arguments), or a restricted model that
        fits better than the unrestricted one (the models are not nested, or one did not
        converge).

    References
    ----------
    Satorra, A., & Bentler, P. M. (2001). *Psychometrika*, 66, 507-514.

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> m1 = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"
    >>> fit1 = acsi.cfa(m1, hs)
    >>> fit0 = acsi.cfa(m1 + "; visual ~~ 0*textual", hs)
    >>> test = acsi.chisq_diff(fit0, fit1)
    >>> test.df_diff, round(test.chisq_diff, 2)
    (1.0, 35.58)
    """
    method = check_choice(method, _METHODS, "method", hint="'default' follows lavaan")
    fm0, core0 = _facts(restricted, "restricted")
    fm1, core1 = _facts(unrestricted, "unrestricted")
    if fm0.nobs != fm1.nobs:
        raise SpecificationError(
            f"the models were fitted to different numbers of observations ({fm0.nobs:g} and "
            f"{fm1.nobs:g}); a difference test needs both models fitted to the same data"
        )
    reason = _same_data(core0, core1)
    if reason is not None:
        raise SpecificationError(f"cannot compare the models: {reason}")
    scaled0 = not math.isnan(fm0.chisq_scaled)
    scaled1 = not math.isnan(fm1.chisq_scaled)
    if scaled0 != scaled1:
        raise SpecificationError(
            "one model has a scaled (MLR) test statistic and the other has not: fit both "
            "with the same estimator"
        )
    r0, r1 = float(fm0.df), float(fm1.df)
    if r0 == r1:
        raise SpecificationError(
            f"both models have {r0:g} degrees of freedom: nested models differ in their "
            "degrees of freedom"
        )
    if r0 < r1:
        raise SpecificationError(
            f"the restricted model has fewer degrees of freedom ({r0:g}) than the unrestricted "
            f"one ({r1:g}): pass the more restricted model first"
        )
    t0, t1 = float(fm0.chisq), float(fm1.chisq)
    delta = t0 - t1
    if delta < -(np.finfo(float).eps ** (1.0 / 3.0)):
        raise SpecificationError(
            f"the restricted model fits better than the unrestricted one (chisq {t0:.6g} < "
            f"{t1:.6g}): the models are not nested, or the less restricted model did not "
            "reach its optimum"
        )
    m = r0 - r1
    scaled = scaled0 and method != "standard"
    cd = math.nan
    if scaled:
        used = "satorra.bentler.2001"
        c0 = float(fm0.scaling_factor)
        c1 = 1.0 if r1 == 0 else float(fm1.scaling_factor)
        cd = (r0 * c0 - r1 * c1) / m
        if cd < 0:
            warn(
                f"the scaling factor of the difference test is negative ({cd:.4g}); the "
                "scaled difference is undefined (NaN)",
                AcsiWarning,
            )
            cd = math.nan
        stat = delta / cd
    else:
        used = "standard"
        if method == "satorra.bentler.2001":
            warn(
                "method 'satorra.bentler.2001' needs scaled (MLR) test statistics; the "
                "models were fitted by ML, so the standard difference test is used",
                AcsiWarning,
            )
        stat = delta
    pval = float(stats.chi2.sf(stat, m)) if math.isfinite(stat) else math.nan
    cols: dict[str, list[float]] = {
        "Df": [r1, r0],
        "AIC": [float(fm1.aic), float(fm0.aic)],
        "BIC": [float(fm1.bic), float(fm0.bic)],
        "Chisq": [t1, t0],
        "Chisq diff": [math.nan, stat],
    }
    if used == "standard":
        n = float(fm0.nobs)
        rmsea = math.sqrt(max(delta / n / m - 1.0 / n, 0.0))
        cols["RMSEA"] = [math.nan, rmsea]
    cols["Df diff"] = [math.nan, m]
    cols["Pr(>Chisq)"] = [math.nan, pval]
    table = pd.DataFrame(cols, index=pd.Index([names[1], names[0]], name="model"), dtype=float)
    return ChisqDiffTest(_table=table, method=used, scaling_factor=cd)
