"""Measurement invariance across groups: the configural-metric-scalar-strict sequence.

:func:`invariance` fits one multigroup model per level, each adding equality constraints
across groups to the previous one (lavaan's ``group.equal``):

=============  ===============================  ============================================
level          constrained equal across groups  what it licenses
=============  ===============================  ============================================
configural     nothing (same pattern)           the same constructs in every group
metric         loadings                         comparing paths and (co)variances
scalar         + intercepts                     comparing latent means
strict         + residual variances             comparing observed (sum) scores
means          + latent means                   a test of equal latent means
=============  ===============================  ============================================

(``means`` keeps the residual variances free unless ``strict`` is in the sequence.)

Each step is compared with the previous one by the chi-square difference test (lavaan's
``lavTestLRT``: the plain difference for ML, Satorra-Bentler 2001 scaled for MLR, via
:func:`acsi.cbsem.compare.chisq_diff`) and by the change in CFI and RMSEA with the usual
cut-offs:

* Cheung & Rensvold (2002): invariance is rejected when ``delta CFI <= -0.01``;
* Chen (2007), for loadings/intercepts with equal groups of N > 300: rejected when
  ``delta CFI <= -0.01`` together with ``delta RMSEA >= 0.015``.

For MLR the robust CFI and RMSEA (lavaan's ``cfi.robust``, ``rmsea.robust``) are used for
the deltas.

References
----------
Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
measurement invariance. *Structural Equation Modeling*, 9(2), 233-255.

Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
invariance. *Structural Equation Modeling*, 14(3), 464-504.

Putnick, D. L., & Bornstein, M. H. (2016). Measurement invariance conventions and
reporting. *Developmental Review*, 41, 71-90.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from acsi._validation import check_choice
from acsi.cbsem.results import SEMResult
from acsi.exceptions import SpecificationError
from acsi.results.base import FrozenDict, ResultMixin, Summary, compact_repr, freeze, frozen_table

__all__ = ["InvarianceResult", "invariance", "LEVELS", "CFI_CUTOFF", "RMSEA_CUTOFF"]

#: each level's group_equal keywords added to those of the levels before it
LEVELS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("intercepts",),
    "strict": ("residuals",),
    "means": ("means",),
})
#: Cheung & Rensvold (2002) and Chen (2007): a drop of CFI of 0.01 or more
CFI_CUTOFF = -0.01
#: Chen (2007): a rise of RMSEA of 0.015 or more (together with the CFI drop)
RMSEA_CUTOFF = 0.015
_ALPHA = 0.05

_COLUMNS = [
    "level", "group_equal", "npar", "chisq", "df", "pvalue", "chisq_scaled", "scaling_factor",
    "cfi", "tli", "rmsea", "srmr", "aic", "bic", "chisq_diff", "df_diff", "p_diff", "delta_cfi",
    "delta_rmsea", "lrt", "cheung_rensvold", "chen", "verdict",
]


@dataclass(frozen=True, eq=False)
class InvarianceResult(ResultMixin):
    """Result of :func:`invariance` (immutable).

    Attributes
    ----------
    levels : tuple of str
        The levels fitted, in order.
    fits : Mapping[str, SEMResult]
        Level -> its multigroup fit (read-only mapping).
    group : str
        The grouping column.
    group_labels : tuple of str
        The groups, in lavaan's order.
    estimator : str
    robust : bool
        Whether the deltas use the robust CFI/RMSEA (MLR) or, with ordinal items, the scaled
        CFI/RMSEA of the estimator's test (WLSMV, ...).
    """

    levels: tuple[str, ...]
    fits: Mapping[str, SEMResult] = field(repr=False)
    group: str
    group_labels: tuple[str, ...]
    estimator: str
    robust: bool
    _table: pd.DataFrame = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fits", FrozenDict(self.fits))
        object.__setattr__(self, "_table", freeze(self._table))

    def _equality_values(self) -> tuple[Any, ...]:
        return (self.levels, self.group, self.group_labels, self.estimator, self._table,
                tuple(self.fits[k] for k in self.levels))

    def __repr__(self) -> str:
        return compact_repr(self, levels=self.levels, groups=self.group_labels,
                            estimator=self.estimator, highest=self.highest_level)

    @frozen_table
    def table(self) -> pd.DataFrame:
        """One row per level (index ``level``): fit of the step and its comparison with the
        previous step.

        Columns: ``group_equal``, ``npar``, ``chisq``, ``df``, ``pvalue``,
        ``chisq_scaled`` and ``scaling_factor`` (MLR), ``cfi``, ``tli``, ``rmsea``, ``srmr``,
        ``aic``, ``bic`` (for MLR ``cfi``, ``tli`` and ``rmsea`` are lavaan's robust
        versions), ``chisq_diff``, ``df_diff``, ``p_diff`` (lavTestLRT's numbers),
        ``delta_cfi``, ``delta_rmsea`` (this step minus the previous), ``lrt``,
        ``cheung_rensvold``, ``chen`` (each ``"holds"``/``"rejected"``; empty for the first
        level) and ``verdict``.
        """
        return self._table

    @frozen_table
    def lrt(self) -> pd.DataFrame:
        """lavaan's ``lavTestLRT`` table of the sequence (:func:`acsi.compare` of the fits,
        named by level): ``Df, AIC, BIC, Chisq, Chisq diff, [RMSEA,] Df diff, Pr(>Chisq)``,
        each step tested against the previous one (the same tests as :attr:`table`; the RMSEA
        of the difference with lavaan's multigroup ``sqrt(G)`` factor, ML only)."""
        from acsi.cbsem.compare import compare

        return compare(*[self.fits[k] for k in self.levels], names=list(self.levels)).table

    @property
    def highest_level(self) -> str | None:
        """The last level of the unbroken run of supported steps (``None`` if the first
        step after the first level fails: only the first level holds, it is returned)."""
        t = self._table
        best = self.levels[0]
        for lev in self.levels[1:]:
            if t.loc[lev, "verdict"] != "supported":
                break
            best = lev
        return best

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self._table.copy()

    @property
    def _ordinal(self) -> bool:
        """Whether the fits are least-squares fits of ordinal items (WLSMV, ...)."""
        return self.estimator not in ("ML", "MLR")

    def _sentences(self) -> list[str]:
        t = self._table
        fit_names = ("scaled CFI/RMSEA" if self._ordinal else "robust CFI/RMSEA") if self.robust else "CFI/RMSEA"
        first = self.levels[0]
        r0 = t.loc[first]
        out = [
            f"{first.capitalize()} model ({len(self.group_labels)} groups: "
            f"{', '.join(self.group_labels)}): chi-square({int(r0['df'])}) = {r0['chisq']:.2f}, "
            f"CFI = {r0['cfi']:.3f}, RMSEA = {r0['rmsea']:.3f}, SRMR = {r0['srmr']:.3f}."
        ]
        failed = False
        for lev in self.levels[1:]:
            r = t.loc[lev]
            diff = (f"delta CFI = {r['delta_cfi']:+.3f}, delta RMSEA = {r['delta_rmsea']:+.3f}; "
                    f"chi-square difference({int(r['df_diff'])}) = {r['chisq_diff']:.2f}, "
                    f"p = {r['p_diff']:.3g}")
            after = " (tested after a failed step)" if failed else ""
            if r["verdict"] == "supported":
                extra = "" if r["lrt"] == "holds" else (
                    "; the chi-square difference test rejects it, which with a large sample "
                    "often flags trivial differences")
                out.append(f"{lev.capitalize()} invariance holds{after}: {diff}{extra}.")
            elif r["verdict"] == "not assessable":
                out.append(
                    f"{lev.capitalize()} invariance cannot be assessed{after}: the {lev} model (or the "
                    "one before it) did not converge or its chi-square is undefined, so no difference "
                    "test is possible; check each group's fit (small groups, Heywood cases) first."
                )
                failed = True
            elif r["verdict"] == "questionable":
                out.append(
                    f"{lev.capitalize()} invariance is questionable{after}: {diff}. CFI drops by "
                    "0.01 or more (Cheung & Rensvold 2002) but RMSEA does not rise by 0.015 "
                    "(Chen 2007); inspect the constrained parameters (partial invariance)."
                )
                failed = True
            else:
                out.append(
                    f"{lev.capitalize()} invariance does not hold{after}: {diff} (CFI drops by "
                    "0.01 or more and RMSEA rises by 0.015 or more). Free the parameters that "
                    "differ (group_partial) to test partial invariance."
                )
                failed = True
        hl = self.highest_level
        meaning = {
            "configural": "the same factor structure holds in every group, but loadings may "
                          "differ: compare neither paths nor means",
            "metric": "loadings are equal: structural paths and (co)variances can be compared "
                      "across groups, latent means cannot",
            "scalar": "loadings and intercepts are equal: latent means (and paths) can be "
                      "compared across groups",
            "strict": "loadings, intercepts and residual variances are equal: observed scores "
                      "and latent means can be compared",
            "means": "the latent means are equal too",
        }
        out.append(f"Highest level supported: {hl} ({meaning.get(str(hl), '')}). Deltas use "
                   f"the {fit_names}; cut-offs: delta CFI <= {CFI_CUTOFF} (Cheung & Rensvold "
                   f"2002), with delta RMSEA >= {RMSEA_CUTOFF} (Chen 2007).")
        return out

    @property
    def verdict(self) -> str:
        """The plain-language verdict (one paragraph)."""
        return " ".join(self._sentences())

    def _summary(self) -> Summary:
        cols = ["npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr", "aic", "bic", "chisq_diff",
                "df_diff", "p_diff", "delta_cfi", "delta_rmsea", "verdict"]
        if self.robust:
            cols.insert(3, "chisq_scaled")
        header: list[tuple[str, Any]] = [
            ("Grouping column", self.group),
            ("Groups", ", ".join(self.group_labels)),
            ("Estimator", self.estimator),
            ("Difference test", ("Satorra 2000 scaled-shifted" if self._ordinal else "Satorra-Bentler 2001 scaled")
             if self.robust else "chi-square difference"),
            ("Fit indices", (f"scaled CFI/TLI/RMSEA ({self.estimator})" if self._ordinal
                             else "robust CFI/TLI/RMSEA (MLR)") if self.robust else "CFI/TLI/RMSEA"),
            ("Cut-offs", f"delta CFI <= {CFI_CUTOFF} (Cheung & Rensvold 2002); with delta RMSEA "
                         f">= {RMSEA_CUTOFF} (Chen 2007)"),
        ]
        return Summary("Measurement invariance", header=header,
                       tables=[("", self._table[cols])], notes=self._sentences())

    def plot(self, ax: Any = None) -> Any:
        """CFI and RMSEA of the steps with the cut-offs (see
        :func:`acsi.plotting.invariance.invariance_plot`).

        The plotting layer is reached through the public facade when the method is called
        (the estimation layer does not import it; matplotlib loads only here).
        """
        import acsi

        return acsi.plotting.invariance_plot(self, ax=ax)


#: the levels with ordinal items (``ordered=``): ``thresholds`` (Wu & Estabrook 2016) may
#: come before ``metric``; each level's group_equal keywords added to those before it
ORDINAL_LEVELS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "configural": (),
    "thresholds": ("thresholds",),
    "metric": ("loadings",),
    "scalar": ("thresholds",),
    "strict": ("residuals",),
    "means": ("means",),
})


def _levels(levels: Any, ordinal: bool = False) -> tuple[str, ...]:
    table = ORDINAL_LEVELS if ordinal else LEVELS
    if isinstance(levels, str):
        levels = (levels,)
    try:
        seq = [check_choice(v, tuple(table), "levels",
                            hint="levels are cumulative: " + ", ".join(table))
               for v in levels]
    except TypeError:
        raise SpecificationError(
            f"levels must be a sequence of level names (e.g. ('configural', 'metric')), not {levels!r}"
        ) from None
    if len(seq) < 2:
        raise SpecificationError(
            f"invariance needs at least two levels to compare, got {seq}; e.g. "
            "levels=('configural', 'metric', 'scalar', 'strict')"
        )
    if len(set(seq)) != len(seq):
        raise SpecificationError(f"levels lists a level twice: {seq}")
    order = list(table)
    if [order.index(v) for v in seq] != sorted(order.index(v) for v in seq):
        raise SpecificationError(
            f"levels must follow the order {', '.join(order)} (each adds constraints to the one "
            f"before), got {', '.join(seq)}"
        )
    if "thresholds" in seq and "scalar" in seq:
        raise SpecificationError(
            "levels has both 'thresholds' and 'scalar': after a thresholds step the metric step "
            "already holds loadings and thresholds equal (with ordinal items lavaan constrains the "
            "intercepts with the thresholds), so scalar would add nothing; drop 'scalar'"
        )
    return tuple(seq)


def _status(delta_cfi: float, delta_rmsea: float, p: float, fitted: bool = True) -> tuple[str, str, str, str]:
    if not fitted or not all(math.isfinite(v) for v in (delta_cfi, delta_rmsea, p)):
        # a step whose model did not converge (or whose test is undefined) supports nothing
        return "n/a", "n/a", "n/a", "not assessable"
    lrt = "holds" if not (p < _ALPHA) else "rejected"
    cr = "rejected" if delta_cfi <= CFI_CUTOFF else "holds"
    chen = "rejected" if (delta_cfi <= CFI_CUTOFF and delta_rmsea >= RMSEA_CUTOFF) else "holds"
    if cr == "holds":
        verdict = "supported"
    elif chen == "rejected":
        verdict = "not supported"
    else:
        verdict = "questionable"
    return lrt, cr, chen, verdict


def invariance(
    model: Any,
    data: Any,
    group: str,
    levels: Sequence[str] | None = None,
    estimator: str | None = None,
    *,
    group_partial: Any = None,
    ordered: Any = None,
    parameterization: str = "delta",
    **fit_kwargs: Any,
) -> InvarianceResult:
    """Test measurement invariance across groups: fit the sequence and compare the steps.

    Each level is a multigroup CFA (:func:`acsi.cfa` with ``group=group``) whose
    ``group_equal`` adds the level's parameters to those of the levels before it (metric:
    loadings; scalar: + intercepts; strict: + residual variances; means: + latent means).
    Every step is compared with the previous one by lavaan's ``lavTestLRT`` (the chi-square
    difference; Satorra-Bentler 2001 scaled for MLR) and by the changes in CFI and RMSEA.

    Parameters
    ----------
    model : str
        lavaan syntax of the measurement model.
    data : pandas.DataFrame
    group : str
        The column holding each respondent's group.
    levels : sequence of str, optional
        Default ``("configural", "metric", "scalar", "strict")`` (without ``strict`` for
        ordinal items in the delta parameterization, where the residual variances are not
        parameters).
        At least two of ``configural``, ``metric``, ``scalar``, ``strict``, ``means``, in
        that order; each level includes the constraints of the levels before it in this
        list (``scalar`` always includes the loadings; ``means`` includes the residual
        variances only when ``strict`` is in the sequence).
    estimator : str, optional
        ``"ML"`` (default) or ``"MLR"``; with ``ordered=``: ``"WLSMV"`` (default),
        ``"ULSMV"``, ``"WLSMVS"``, ``"WLSM"``, ``"DWLS"``, ... (lavaan's names).
    group_partial : list of str, optional
        Parameters left free across groups in every constrained level (partial invariance,
        e.g. ``["visual=~x2", "x3~1"]``; thresholds ``"x3|t1"``).
    ordered : list of str or True, optional
        Ordinal items (lavaan's ``ordered=``): the levels then follow lavaan's conventions
        for categorical indicators: ``scalar`` constrains the thresholds (and, as lavaan,
        the intercepts with them; the latent means and, in the delta parameterization, the
        scale factors of groups 2, 3, ... are then free; in the theta parameterization the
        items' residual variances), ``strict`` the residual variances (theta
        parameterization; in the delta parameterization they are not parameters and the
        step adds no constraint). A ``thresholds`` level before ``metric`` (Wu & Estabrook
        2016: thresholds first, lavaan's ``group.equal = "thresholds"``, then loadings and
        thresholds; ``scalar`` is then redundant and refused) may be listed in ``levels``.
        The steps are compared by Satorra's (2000) scaled-shifted
        difference test (lavaan's ``lavTestLRT`` default for WLSMV) and by the changes in
        the scaled CFI and RMSEA.
    parameterization : {"delta", "theta"}
        Of the ordinal items (``ordered=`` only).
    **fit_kwargs
        Passed to :func:`acsi.cfa` (``std_lv``, ``se``, ``missing``, ``max_iter``, ...).

    Returns
    -------
    InvarianceResult
        ``.table`` (one row per level), ``.fits`` (level -> fit), ``.verdict``,
        ``.highest_level``, ``.summary()``, ``.plot()``.

    Raises
    ------
    acsi.SpecificationError
        Unknown, repeated or out-of-order levels, fewer than two levels, ``group_equal`` in
        ``fit_kwargs`` (the levels decide it), and the errors of :func:`acsi.cfa`.

    References
    ----------
    Cheung, G. W., & Rensvold, R. B. (2002). *Structural Equation Modeling*, 9, 233-255.
    Chen, F. F. (2007). *Structural Equation Modeling*, 14, 464-504.

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> inv = acsi.invariance("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
    ...                       "speed =~ x7 + x8 + x9", hs, group="school")
    >>> inv.table["df"].astype(int).tolist(), inv.table["df_diff"].iloc[1:].astype(int).tolist()
    ([48, 54, 60, 69], [6, 6, 9])
    >>> inv.highest_level
    'metric'
    """
    from acsi.cbsem.api import _validate_options
    from acsi.cbsem.mg_api import _options, check_no_general_constraints, fit_prepared, prepare_groups
    from acsi.spec.partable import build_multigroup_partable
    from acsi.spec.syntax import ParsedModel, parse_model

    is_ord = ordered is not None and ordered is not False
    if levels is None:
        levels = ("configural", "metric", "scalar") if is_ord and parameterization == "delta" else (
            "configural", "metric", "scalar", "strict")
    seq = _levels(levels, ordinal=is_ord)
    if is_ord and parameterization == "delta" and "strict" in seq:
        raise SpecificationError(
            "strict invariance of ordinal items needs parameterization='theta': in the delta "
            "parameterization their residual variances are not parameters (lavaan's "
            "group.equal='residuals' adds no constraint); drop 'strict' from levels or pass "
            "parameterization='theta'"
        )
    if "group_equal" in fit_kwargs:
        raise SpecificationError(
            "invariance() sets group_equal from the levels; pass levels=(...) instead, and "
            "group_partial=[...] for parameters to leave free"
        )
    if "group" in fit_kwargs:
        raise SpecificationError("pass the grouping column once, as group=")
    opts: dict[str, Any] = dict(std_lv=False, se=None, meanstructure=None, fixed_x=True,
                                level=0.95, missing="listwise", na_values=None, max_iter=500,
                                tol=1e-10)
    unknown = sorted(set(fit_kwargs) - set(opts))
    if unknown:
        raise SpecificationError(
            f"invariance() got unknown argument(s) {', '.join(unknown)}; it takes the options of "
            f"acsi.cfa: {', '.join(opts)}"
        )
    opts.update(fit_kwargs)
    if ordered is not None and ordered is not False:
        return _invariance_ordinal(model, data, group, seq, estimator, group_partial, ordered,
                                   parameterization, opts)
    est, se_type, miss = _validate_options(estimator or "ML", opts["se"], opts["missing"], opts["level"],
                                           opts["max_iter"], opts["tol"])
    _, gp = _options(None, group_partial, miss, opts["meanstructure"])
    parsed = model if isinstance(model, ParsedModel) else parse_model(model)
    check_no_general_constraints(parsed)
    constrained: list[str] = []
    equal_of: dict[str, tuple[str, ...]] = {}
    order = list(LEVELS)
    for lev in order[: order.index(seq[-1]) + 1]:
        if lev != "strict" or "strict" in seq:  # residuals only when strict is tested
            constrained += list(LEVELS[lev])
        if lev in seq:
            equal_of[lev] = tuple(constrained)

    def build(lev: str, labels: tuple[str, ...]) -> Any:
        return build_multigroup_partable(
            parsed, len(labels), std_lv=bool(opts["std_lv"]), fixed_x=bool(opts["fixed_x"]),
            group_equal=equal_of[lev], group_partial=gp if equal_of[lev] else (),
            group_labels=labels)

    # the data are checked and split once; every level reuses them
    gd, pt0 = prepare_groups(parsed, data, group, lambda labels: build(seq[0], labels), miss=miss,
                             na_values=opts["na_values"])
    fits: dict[str, SEMResult] = {}
    warm: Any = None
    for lev in seq:
        pt = pt0 if lev == seq[0] else build(lev, gd.labels)
        # each level starts from the previous level's solution (the same rows): fewer
        # iterations to the same optimum
        fits[lev] = fit_prepared(pt, gd, est=est, se_type=se_type, level=opts["level"],
                                 max_iter=int(opts["max_iter"]), tol=float(opts["tol"]),
                                 source=parsed.source, warm=warm)
        warm = fits[lev].core
    return _steps(seq, fits, equal_of, group, "robust" if fits[seq[0]].estimator == "MLR" else None)


def _steps(seq: tuple[str, ...], fits: Mapping[str, Any], equal_of: Mapping[str, tuple[str, ...]], group: str,
           variant: str | None, equal_df_step: bool = False) -> InvarianceResult:
    """The table of an invariance sequence: each level's fit and its test against the previous
    level. ``variant`` picks CFI/TLI/RMSEA (``"robust"`` for MLR, ``"scaled"`` for the
    WLSMV family, None for the plain ones); with ``equal_df_step`` a step that adds no
    degrees of freedom (strict in the delta parameterization) gets a zero difference."""
    from acsi.cbsem.compare import chisq_diff

    first = fits[seq[0]]
    rows = []
    prev = None
    for lev in seq:
        res = fits[lev]
        fm = res.fit_measures
        cfi, tli, rmsea = ((getattr(fm, f"{m}_{variant}") for m in ("cfi", "tli", "rmsea")) if variant
                           else (fm.cfi, fm.tli, fm.rmsea))
        row: dict[str, Any] = {
            "level": lev, "group_equal": ", ".join(equal_of[lev]) or "none", "npar": fm.npar,
            "chisq": fm.chisq, "df": fm.df, "pvalue": fm.pvalue, "chisq_scaled": fm.chisq_scaled,
            "scaling_factor": fm.scaling_factor, "cfi": cfi, "tli": tli, "rmsea": rmsea,
            "srmr": fm.srmr, "aic": fm.aic, "bic": fm.bic,
            "chisq_diff": math.nan, "df_diff": math.nan, "p_diff": math.nan, "delta_cfi": math.nan,
            "delta_rmsea": math.nan, "lrt": "", "cheung_rensvold": "", "chen": "", "verdict": "reference",
        }
        if prev is not None:
            pfit = fits[prev[0]]
            if equal_df_step and fm.df == pfit.fit_measures.df:
                test_stat, test_df, test_p = 0.0, 0.0, math.nan
            else:
                test = chisq_diff(res, pfit, names=(lev, prev[0]))
                test_stat, test_df, test_p = test.chisq_diff, test.df_diff, test.pvalue
            d_cfi = float(cfi - prev[1])
            d_rmsea = float(rmsea - prev[2])
            fitted = bool(res.converged and pfit.converged and math.isfinite(fm.chisq))
            lrt, cr, chen, verdict = _status(d_cfi, d_rmsea, test_p,
                                             fitted and (test_df > 0 if equal_df_step else True))
            row.update(chisq_diff=test_stat, df_diff=test_df, p_diff=test_p, delta_cfi=d_cfi,
                       delta_rmsea=d_rmsea, lrt=lrt, cheung_rensvold=cr, chen=chen, verdict=verdict)
        rows.append(row)
        prev = (lev, cfi, rmsea)
    flag = variant is not None
    cols = [c for c in _COLUMNS[1:] if flag or c not in ("chisq_scaled", "scaling_factor")]
    table = pd.DataFrame({c: [r[c] for r in rows] for c in cols},
                         index=pd.Index([r["level"] for r in rows], name="level"))
    return InvarianceResult(
        levels=seq, fits=fits, group=str(group), group_labels=first.group_labels,
        estimator=first.estimator, robust=flag, _table=table,
    )


def _equal_lists(seq: tuple[str, ...], table: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Each level's cumulative ``group_equal`` keywords (``thresholds`` only when tested)."""
    constrained: list[str] = []
    equal_of: dict[str, tuple[str, ...]] = {}
    order = list(table)
    for lev in order[: order.index(seq[-1]) + 1]:
        if lev in ("strict", "thresholds") and lev not in seq:
            continue  # residuals only when strict is tested; a thresholds step only when asked
        constrained += [k for k in table[lev] if k not in constrained]
        if lev in seq:
            equal_of[lev] = tuple(constrained)
    return equal_of


def _invariance_ordinal(
    model: Any, data: Any, group: str, seq: tuple[str, ...], estimator: str | None, group_partial: Any,
    ordered: Any, parameterization: str, opts: dict[str, Any],
) -> InvarianceResult:
    """:func:`invariance` with ordinal items: the levels as lavaan's ``group.equal`` lists
    for categorical indicators (``scalar``: loadings and thresholds), each fit by
    :func:`acsi.cbsem.mg_dwls.fit_groups_ordinal`, the steps compared by lavaan's
    ``lavTestLRT`` default for these fits (Satorra 2000, scaled and shifted)."""
    from acsi.cbsem.mg_dwls import fit_groups_ordinal

    if opts["missing"] not in ("listwise", "error"):
        raise SpecificationError("invariance() with ordered= uses missing='listwise'")
    equal_of = _equal_lists(seq, ORDINAL_LEVELS)
    fits: dict[str, SEMResult] = {}
    for lev in seq:
        fits[lev] = fit_groups_ordinal(
            model, data, group, list(equal_of[lev]), group_partial if equal_of[lev] else None,
            estimator=estimator, ordered=ordered, parameterization=parameterization,
            std_lv=bool(opts["std_lv"]), se=opts["se"], meanstructure=opts["meanstructure"],
            fixed_x=bool(opts["fixed_x"]), level=float(opts["level"]), missing=str(opts["missing"]),
            na_values=opts["na_values"], max_iter=int(opts["max_iter"]), tol=float(opts["tol"]))
    scaled = math.isfinite(float(fits[seq[0]].fit_measures.chisq_scaled))
    return _steps(seq, fits, equal_of, group, "scaled" if scaled else None, equal_df_step=True)
