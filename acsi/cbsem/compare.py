"""Comparison of nested CB-SEM fits: the chi-square difference (likelihood-ratio) test, as
lavaan's ``lavTestLRT``: :func:`compare` (two or more models, ordered by df, ML and MLR with
the Satorra-Bentler 2001 or 2010 scaled difference, WLSMV-type fits of ordinal data with
Satorra's 2000 scaled-shifted difference) and :func:`chisq_diff` (two models).

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

__all__ = ["ChisqDiffTest", "ModelComparison", "chisq_diff", "compare"]

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
        title = {
            "satorra.bentler.2001": "Scaled chi-squared difference test (Satorra-Bentler 2001)",
            "satorra.2000": "Scaled-shifted chi-squared difference test (Satorra 2000)",
        }.get(self.method, "Chi-squared difference test")
        notes = []
        if self.method != "standard":
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
        difference for MLR fits, Satorra's (2000) scaled-shifted difference for WLSMV-type
        fits (lavaan's defaults). ``"standard"`` forces the plain difference.
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
    ls0 = _ls_test(restricted) if core0 is not None else None
    ls1 = _ls_test(unrestricted) if core1 is not None else None
    if ls0 != ls1:
        raise SpecificationError(
            "the models were fitted with different estimators (e.g. WLSMV and ML): fit both "
            "with the same estimator")
    if scaled and ls0 in ("scaled.shifted", "mean.var.adjusted") and method == "default":
        # lavaan's default for WLSMV-type fits: Satorra (2000), scaled and shifted
        used = "satorra.2000"
        stat, cd = _satorra2000(unrestricted, restricted)
    elif scaled:
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
        # lavaan's multigroup correction: times sqrt(number of groups)
        G = float(getattr(restricted, "ngroups", 1))
        rmsea = math.sqrt(max(delta / n / m - 1.0 / n, 0.0)) * math.sqrt(G)
        cols["RMSEA"] = [math.nan, rmsea]
    cols["Df diff"] = [math.nan, m]
    cols["Pr(>Chisq)"] = [math.nan, pval]
    table = pd.DataFrame(cols, index=pd.Index([names[1], names[0]], name="model"), dtype=float)
    return ChisqDiffTest(_table=table, method=used, scaling_factor=cd)


# --------------------------------------------------------------------------- compare (issue 11)

_COMPARE_METHODS = {
    "default": "default", "standard": "standard",
    "satorra.2000": "satorra.2000", "satorra2000": "satorra.2000",
    "satorra.bentler.2001": "satorra.bentler.2001", "satorrabentler2001": "satorra.bentler.2001",
    "satorra.bentler.2010": "satorra.bentler.2010", "satorrabentler2010": "satorra.bentler.2010",
}


@dataclass(frozen=True, eq=False)
class ModelComparison(ResultMixin):
    """Result of :func:`compare`: lavaan's ``lavTestLRT`` table for two or more models.

    Attributes
    ----------
    table : DataFrame
        One row per model, ordered by degrees of freedom (fewest first, lavaan's order), with
        ``Df, AIC, BIC, Chisq, Chisq diff, [RMSEA,] Df diff, Pr(>Chisq)``; each difference
        row tests that model against the row above it. ``Chisq`` holds the standard
        (unscaled) statistics, also for MLR fits; ``RMSEA`` (of the difference; times
        ``sqrt(G)`` for ``G`` groups, as lavaan) appears for the standard test only, as in lavaan.
    method : str
        ``"standard"``, ``"satorra.bentler.2001"`` or ``"satorra.bentler.2010"``.
    scaling_factors : ndarray
        The scaling factor of each difference (NaN for the first row and the standard test).
    order : tuple of int
        Position (0-based, in the order the models were given) of each table row.
    """

    _table: pd.DataFrame
    method: str
    scaling_factors: np.ndarray
    order: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", freeze(self._table))
        object.__setattr__(self, "scaling_factors", freeze(np.asarray(self.scaling_factors, dtype=float)))

    @frozen_table
    def table(self) -> pd.DataFrame:
        """lavaan's ``lavTestLRT`` table (a copy)."""
        return self._table

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self._table.copy()

    def _summary(self) -> Summary:
        title = {
            "standard": "Chi-squared difference test",
            "satorra.bentler.2001": "Scaled chi-squared difference test (Satorra-Bentler 2001)",
            "satorra.bentler.2010": "Scaled chi-squared difference test (Satorra-Bentler 2010)",
            "satorra.2000": "Scaled-shifted chi-squared difference test (Satorra 2000)",
        }[self.method]
        notes = [
            "Models are ordered by their degrees of freedom; each row is tested against the row "
            "above it. Whether the models are nested is not checked: the test is valid only "
            "if each model is a restricted version of the one above it.",
        ]
        if self.method != "standard":
            notes.append(
                "The Chisq column holds the standard (unscaled) statistics; a robust difference "
                "is a function of two standard statistics and their scaling factors."
            )
        tab = self._table.copy()
        if self.method != "standard":
            tab["scaling factor"] = self.scaling_factors
        return Summary(title, header=[("method", self.method)], tables=[("", tab)], notes=notes)


def _m10_scaling_factor(res1: Any, res0: Any) -> float:
    """Yuan-Bentler scaling factor of the less restricted model ``res1`` evaluated at the
    estimates of the more restricted ``res0`` (lavaan's ``M10`` of Satorra & Bentler 2010).

    Every parameter of model 1 takes the estimate of the same parameter (``lhs op rhs``) of
    model 0, or 0 when model 0 does not have it; fixed parameters keep their values.
    """
    from dataclasses import replace

    from acsi.cbsem.robust import yuan_bentler_mplus

    if getattr(res1, "ngroups", 1) > 1:
        return _m10_scaling_factor_groups(res1, res0)
    c1, c0 = res1.core, res0.core
    pt1, pt0 = c1.partable, c0.partable
    val0: dict[tuple[str, str, str], float] = {}
    for k in range(len(c0.x)):
        a, o, b = pt0.lhs[k], pt0.op[k], pt0.rhs[k]
        val0[(a, o, b)] = float(c0.x[k])
        if o == "~~":
            val0[(b, o, a)] = float(c0.x[k])
    kern = c1.kernel
    x10 = np.asarray(c1.x, dtype=float).copy()
    for k in kern.free_rows:
        x10[k] = val0.get((pt1.lhs[k], pt1.op[k], pt1.rhs[k]), 0.0)
    theta = kern.theta_of(x10)
    if c1.fiml is not None:  # MLR with FIML: its robust pieces at that point
        from acsi.cbsem.fiml_kernel import fiml_robust

        f1 = c1.fiml
        return float(fiml_robust(c1.X, f1.patterns, f1.em, f1.kernel, theta, c1.chisq, c1.df).test.scaling_factor)
    sol = kern.solution_at(theta)
    parts = dict(sol.parts)
    if sol.Sigma_inv is not None:
        parts["Sigma_inv"] = sol.Sigma_inv
    core10 = replace(
        c1, theta=theta, x=kern.x_of(theta), Sigma=sol.Sigma, mu=sol.mu, Delta=sol.Delta,
        fmin=0.5 * sol.F, chisq=c1.N * sol.F, parts=parts, solution=sol,
    )
    info = "expected" if res1.se_type == "expected" else "observed"
    return float(yuan_bentler_mplus(core10, info).scaling_factor)


def compare(*models: Any, method: str | None = None, names: Any = None) -> ModelComparison:
    """Likelihood-ratio (chi-square difference) tests of nested models, as lavaan's
    ``lavTestLRT``.

    Parameters
    ----------
    *models : CB-SEM results
        Two or more fits (``acsi.sem`` / ``acsi.cfa``) of nested models on the same data with
        the same estimator (all ML or all MLR), in any order.
    method : {None, "standard", "satorra.bentler.2001", "satorra.bentler.2010", "satorra.2000"}
        ``None`` (lavaan's ``"default"``): the plain difference for ML fits and the
        Satorra-Bentler (2001) scaled difference for MLR (and WLSM, ULSM) fits, Satorra's
        (2000) scaled-shifted difference for WLSMV, WLSMVS, ULSMV and ULSMVS fits (lavaan's
        ``"satorra.2000"`` with ``scaled.shifted = TRUE``, :func:`_satorra2000`), also with
        several groups. ``"satorra.bentler.2010"`` evaluates the scaling factor of each less
        restricted model at the estimates of the more restricted one (always positive).
    names : sequence of str, optional
        Row labels, in the order the models are given (default ``model1``, ``model2``, ...).

    Returns
    -------
    ModelComparison
        ``.table`` (lavaan's columns and order), ``.method``, ``.scaling_factors``.

    Notes
    -----
    The models are ordered by their degrees of freedom, as lavaan orders them; each row is
    tested against the one above it. Nestedness itself is not (and in general cannot be)
    checked; the summary says so. With the standard test,

    .. math:: T_d = T_0 - T_1 \\sim \\chi^2(df_0 - df_1);

    Satorra-Bentler (2001): ``T_d = (T_0 - T_1) / c_d`` with ``c_d = (df_0 c_0 - df_1
    c_1) / (df_0 - df_1)``; Satorra-Bentler (2010): ``c_1`` replaced by the scaling factor
    of model 1 evaluated at model 0's estimates.

    Raises
    ------
    SpecificationError
        Fewer than two models; a model that is not a CB-SEM fit; models on different data,
        with different variables, with and without mean structure, or mixing ML and MLR;
        a scaled method for ML fits; names of the wrong length.

    References
    ----------
    Satorra, A., & Bentler, P. M. (2001). *Psychometrika*, 66, 507-514.
    Satorra, A., & Bentler, P. M. (2010). Ensuring positiveness of the scaled difference
    chi-square test statistic. *Psychometrika*, 75, 243-248.

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> m = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6"
    >>> free, orth = acsi.cfa(m, hs), acsi.cfa(m + "; visual ~~ 0*textual", hs)
    >>> tab = acsi.compare(orth, free, names=["orth", "free"]).table
    >>> list(tab.index), round(float(tab["Chisq diff"].iloc[1]), 2)
    (['free', 'orth'], 35.58)
    """
    from acsi.cbsem.results import SEMResult

    if len(models) < 2:
        raise SpecificationError(
            f"compare needs at least two fitted models, got {len(models)}: pass them as "
            "acsi.compare(fit_a, fit_b, ...)"
        )
    for i, m in enumerate(models):
        if not isinstance(m, SEMResult):
            raise SpecificationError(
                f"model {i + 1} passed to compare is a {type(m).__name__}, not a fitted CB-SEM "
                "result (acsi.sem / acsi.cfa)"
            )
    meth = "default" if method is None else check_choice(
        method, _COMPARE_METHODS, "method", hint="None follows lavaan's default")
    if names is None:
        labels = [f"model{i + 1}" for i in range(len(models))]
    else:
        labels = [str(v) for v in names]
        if len(labels) != len(models):
            raise SpecificationError(
                f"names has {len(labels)} entries for {len(models)} models: give one name per model"
            )
        if len(set(labels)) != len(labels):
            raise SpecificationError(f"names must be distinct, got {labels}")
    fms = [m.fit_measures for m in models]
    for i in range(1, len(models)):
        if fms[i].nobs != fms[0].nobs:
            raise SpecificationError(
                f"model {i + 1} was fitted to {fms[i].nobs:g} observations and model 1 to "
                f"{fms[0].nobs:g}: a difference test needs all models fitted to the same data"
            )
        reason = _same_data(models[0].core, models[i].core)
        if reason is not None:
            raise SpecificationError(f"cannot compare model 1 and model {i + 1}: {reason}")
    scaled = [not math.isnan(fm.chisq_scaled) for fm in fms]
    dfs = np.array([float(fm.df) for fm in fms])
    if any(scaled) and not all(s or d == 0 for s, d in zip(scaled, dfs)):
        raise SpecificationError(
            "some models have a scaled (MLR) test statistic and others have not: fit all "
            "models with the same estimator"
        )
    is_scaled = any(scaled)
    ls_tests = {_ls_test(m) for m in models}
    if len(ls_tests) > 1:
        raise SpecificationError(
            "the models were fitted with different estimators (e.g. WLSMV and ML): fit all "
            "models with the same estimator"
        )
    ls_test = ls_tests.pop()
    if meth == "default":
        if is_scaled and ls_test in ("scaled.shifted", "mean.var.adjusted"):
            meth = "satorra.2000"  # lavaan's default for WLSMV-type (Satterthwaite) tests
        else:
            meth = "satorra.bentler.2001" if is_scaled else "standard"
    elif meth == "satorra.2000" and (not is_scaled or ls_test is None):
        raise SpecificationError(
            "method='satorra.2000' needs least-squares fits of ordinal data with a scaled test "
            "(estimator='WLSMV', 'WLSM', 'ULSMV', ...); use method=None"
        )
    elif meth == "satorra.bentler.2010" and ls_test is not None:
        raise SpecificationError(
            "method='satorra.bentler.2010' is for MLR fits; with WLSMV-type fits use method=None "
            "(lavaan's satorra.2000)"
        )
    elif meth != "standard" and not is_scaled:
        raise SpecificationError(
            f"method={meth!r} needs scaled (MLR) test statistics; the models were fitted by "
            "ML: use method=None (the standard difference test) or fit with estimator='MLR'"
        )
    order = tuple(int(i) for i in np.argsort(dfs, kind="stable"))
    mods = [models[i] for i in order]
    fm = [fms[i] for i in order]
    df = dfs[list(order)]
    stat = np.array([float(f.chisq) for f in fm])
    d_stat = np.concatenate([[np.nan], np.diff(stat)])
    d_df = np.concatenate([[np.nan], np.diff(df)])
    if np.any(d_stat[1:] < -(np.finfo(float).eps ** (1.0 / 3.0))):
        warn(
            "some restricted models fit better than less restricted models (smallest "
            f"difference {np.nanmin(d_stat[1:]):.6g}): the models are not nested, or a less "
            "restricted model did not reach its optimum",
            AcsiWarning,
        )
    sf = np.full(len(mods), np.nan)
    if meth != "standard":
        for m in range(len(mods) - 1):
            r1, r0 = df[m], df[m + 1]
            if r0 == r1:
                d_stat[m + 1] = stat[m + 1] - stat[m]
                continue
            if meth == "satorra.2000":
                d_stat[m + 1], sf[m + 1] = _satorra2000(mods[m], mods[m + 1])
                continue
            c0 = 1.0 if r0 == 0 else float(fm[m + 1].scaling_factor)
            if meth == "satorra.bentler.2001":
                c1 = 1.0 if r1 == 0 else float(fm[m].scaling_factor)
            else:
                c1 = 1.0 if r1 == 0 else _m10_scaling_factor(mods[m], mods[m + 1])
            cd = (r0 * c0 - r1 * c1) / (r0 - r1)
            sf[m + 1] = cd
            d_stat[m + 1] = (stat[m + 1] - stat[m]) / cd
    with np.errstate(invalid="ignore"):
        pval = np.where(np.isfinite(d_stat) & (d_df > 0), stats.chi2.sf(d_stat, np.where(d_df > 0, d_df, 1)), np.nan)
    cols: dict[str, Any] = {
        "Df": df,
        "AIC": [float(f.aic) for f in fm],
        "BIC": [float(f.bic) for f in fm],
        "Chisq": stat,
        "Chisq diff": d_stat,
    }
    if meth == "standard":
        n = float(fm[0].nobs)
        with np.errstate(invalid="ignore", divide="ignore"):
            # lavaan's multigroup correction: times sqrt(number of groups)
            rm = np.sqrt(np.maximum(d_stat / n / d_df - 1.0 / n, 0.0)) * np.sqrt(float(models[0].ngroups))
        rm[0] = np.nan
        rm[1:][d_df[1:] == 0] = np.nan
        cols["RMSEA"] = rm
    cols["Df diff"] = d_df
    cols["Pr(>Chisq)"] = pval
    if np.any(d_df[1:] == 0):
        warn("some models have the same degrees of freedom: their difference has no test (NaN)", AcsiWarning)
    table = pd.DataFrame(cols, index=pd.Index([labels[i] for i in order], name="model"), dtype=float)
    return ModelComparison(_table=table, method=meth, scaling_factors=sf, order=order)


def _m10_scaling_factor_groups(res1: Any, res0: Any) -> float:
    """:func:`_m10_scaling_factor` for multigroup fits: parameters matched by ``lhs op rhs``
    and group; the multigroup Yuan-Bentler factor at that point."""
    from dataclasses import replace

    from acsi.cbsem.multigroup import multigroup_robust_test

    c1, c0 = res1.core, res0.core
    pt1, pt0 = c1.partable, c0.partable
    val0: dict[tuple[str, str, str, int], float] = {}
    for k in range(len(c0.x)):
        a, o, b, g = pt0.lhs[k], pt0.op[k], pt0.rhs[k], pt0.group[k]
        val0[(a, o, b, g)] = float(c0.x[k])
        if o == "~~":
            val0[(b, o, a, g)] = float(c0.x[k])
    theta = np.zeros(c1.npar)
    seen = np.zeros(c1.npar, dtype=bool)
    par1 = np.asarray(pt1.par)
    for k in pt1.free_rows:
        j = int(par1[k])
        if not seen[j]:
            theta[j] = val0.get((pt1.lhs[k], pt1.op[k], pt1.rhs[k], pt1.group[k]), 0.0)
            seen[j] = True
    if c1.fiml:  # MLR with FIML: the groups' FIML pieces at that point
        from acsi.cbsem.multigroup import fiml_core_at, multigroup_fiml_robust

        return float(multigroup_fiml_robust(fiml_core_at(c1, theta))[1].scaling_factor)
    groups = []
    for c in c1.groups:
        kern = c.kernel
        sol = kern.solution_at(theta)
        parts = dict(sol.parts)
        if sol.Sigma_inv is not None:
            parts["Sigma_inv"] = sol.Sigma_inv
        groups.append(replace(
            c, theta=theta, x=kern.x_of(theta), Sigma=sol.Sigma, mu=sol.mu, Delta=sol.Delta,
            fmin=0.5 * sol.F, chisq=c.N * sol.F, parts=parts, solution=sol,
        ))
    core10 = replace(c1, groups=tuple(groups), theta=theta, x=np.concatenate([g.x for g in groups]))
    info = "expected" if res1.se_type == "expected" else "observed"
    return float(multigroup_robust_test(core10, info).scaling_factor)


def _ls_test(res: Any) -> str | None:
    """The test of a least-squares fit of ordinal data (``"scaled.shifted"``, ...), else None."""
    core = res.core
    c = core.groups[0] if hasattr(core, "groups") else core
    st = getattr(c, "dwls", None)
    return None if st is None else str(st.test)


def _ls_pieces(res: Any) -> list[tuple[float, np.ndarray, np.ndarray, np.ndarray]]:
    """Per group ``(N_g / N, W_g, Gamma_g, Delta_g)`` of a least-squares fit of ordinal data."""
    core = res.core
    cores = list(core.groups) if hasattr(core, "groups") else [core]
    n = float(sum(c.N for c in cores))
    return [(c.N / n, np.asarray(c.dwls.kernel.weight), np.asarray(c.dwls.moments.nacov),
             np.asarray(c.dwls.jacobian)) for c in cores]


def _satorra2000(res1: Any, res0: Any) -> tuple[float, float]:
    """Satorra's (2000) scaled-shifted difference test of two least-squares fits of ordinal
    data, as lavaan's ``lav_test_diff_Satorra2000`` (``A.method = "delta"``, ``H1``).

    With :math:`\\Delta_1, \\Delta_0` the Jacobians of the two models' sample statistics
    (groups stacked), :math:`A` a basis of the orthogonal complement of
    :math:`\\Delta_1^+ \\Delta_0` (the restrictions of model 0 in model 1's parameters),
    :math:`P = \\sum_g f_g \\Delta_{1g}^\\top W_g \\Delta_{1g}` and
    :math:`X = P^{-1} A^\\top (A P^{-1} A^\\top)^+ A P^{-1}`:
    :math:`U = V \\Delta_1 X \\Delta_1^\\top V` with :math:`V = \\oplus_g W_g`,
    :math:`\\Gamma = \\oplus_g f_g \\Gamma_g`, ``tr1 = tr(U Gamma)``, ``tr2 = tr((U Gamma)^2)``;
    :math:`a = \\sqrt{m / tr_2}`, :math:`b = m - a\\,tr_1` and
    :math:`T_d = a (T_0 - T_1) + b \\sim \\chi^2(m)`, ``m`` the difference of the df
    (lavaan's ``lavTestLRT`` uses the scaled-shifted form whenever it uses this method).
    Returns ``(T_d, 1/a)``.
    """
    from scipy.linalg import block_diag, null_space

    p1, p0 = _ls_pieces(res1), _ls_pieces(res0)
    t1, t0 = float(res1.core.chisq), float(res0.core.chisq)
    m = float(res0.core.df - res1.core.df)
    D1 = np.vstack([d for _, _, _, d in p1])
    D0 = np.vstack([d for _, _, _, d in p0])
    H = np.linalg.pinv(D1) @ D0
    A = null_space(H.T).T
    P = sum(f * d.T @ w @ d for f, w, _, d in p1)
    Pi = np.linalg.inv(P)
    X = Pi @ A.T @ np.linalg.pinv(A @ Pi @ A.T) @ A @ Pi
    V = block_diag(*[w for _, w, _, _ in p1])
    Gm = block_diag(*[f * g for f, _, g, _ in p1])
    UG = V @ D1 @ X @ D1.T @ V @ Gm
    tr1 = float(np.trace(UG))
    tr2 = float(np.sum(UG * UG.T))
    a = math.sqrt(m / tr2)
    b = m - a * tr1
    return (t0 - t1) * a + b, 1.0 / a
