"""From satisfied to loyal: the conversion table, odds ratio, risk ratio and "6 times as likely"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._lazy import special  # scipy's, imported on first use
from acsi._validation import check_bool, check_number
from acsi.exceptions import DataError, MissingDataWarning, SpecificationError, warn
from acsi.results.base import CopyTables, ResultMixin, Summary, freeze_fields
from acsi.stats.exact import fisher_exact_2x2
from acsi.survey._common import (
    Proportion,
    _z,
    as_series,
    check_scale,
    check_scale_arg,
    col_name,
    declared_missing,
    make_proportion,
    numeric,
)

__all__ = ["conversion", "ConversionResult"]

Rule = float | Callable[[pd.Series], Any]


def _apply(rule: Rule, x: pd.Series, argument: str) -> tuple[np.ndarray, str]:
    if callable(rule):
        out = np.asarray(rule(x))
        if out.shape != (len(x),):
            raise SpecificationError(
                f"{argument}: the function must return one True/False per respondent ({len(x)}), got shape {out.shape}"
            )
        if out.dtype != bool:
            if not np.isin(out, [0, 1]).all():
                raise SpecificationError(f"{argument}: the function must return True/False values")
            out = out.astype(bool)
        return out, getattr(rule, "__name__", "rule")
    t = check_number(rule, argument, hint="a threshold (score >= it) or a function of the scores")
    return (x >= t).to_numpy(), f">= {t:g}"


@dataclass(frozen=True, eq=False)
class ConversionResult(CopyTables, ResultMixin):
    """Satisfaction-to-loyalty conversion.

    Attributes
    ----------
    table : DataFrame
        2 x 2 counts: rows ``satisfied`` / ``comparison`` (not satisfied, or dissatisfied),
        columns ``loyal`` / ``not loyal``.
    not_loyal : Proportion
        Share of satisfied respondents who are not loyal, with a Wilson CI.
    odds_ratio, or_ci_lower, or_ci_upper : float
        Odds of loyalty among the satisfied over the odds in the comparison group (Woolf CI).
    fisher_pvalue : float
        Fisher's exact test of OR = 1 (two-sided, on the uncorrected counts).
    risk_ratio, rr_ci_lower, rr_ci_upper : float
        P(loyal | satisfied) / P(loyal | comparison), Katz log CI.
    rr_null : float
        The risk ratio tested (default 6: "a satisfied customer is 6 times as likely to buy
        again as a dissatisfied one").
    rr_z, rr_pvalue : float
        Wald z test of H0: RR = ``rr_null`` on the log scale, two-sided.
    haldane : bool
        Whether 0.5 was added to every cell for the OR/RR and their CIs.
    notes : tuple of str
    """

    table: pd.DataFrame
    not_loyal: Proportion
    odds_ratio: float
    or_ci_lower: float
    or_ci_upper: float
    fisher_pvalue: float
    risk_ratio: float
    rr_ci_lower: float
    rr_ci_upper: float
    rr_null: float
    rr_z: float
    rr_pvalue: float
    level: float
    haldane: bool
    satisfied_rule: str
    loyal_rule: str
    comparison: str
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        freeze_fields(self)

    @property
    def nobs(self) -> int:
        """Respondents in the 2 x 2 table (satisfied plus the comparison group)."""
        return int(self.table.to_numpy().sum())

    @property
    def n_satisfied(self) -> int:
        """Satisfied respondents."""
        return int(self.table.loc["satisfied"].sum())

    @property
    def n_satisfied_not_loyal(self) -> int:
        """Satisfied respondents who are not loyal."""
        return int(self.table.loc["satisfied", "not loyal"])

    @property
    def loyal_given_satisfied(self) -> float:
        """P(loyal | satisfied)."""
        return float(self.table.loc["satisfied", "loyal"] / self.n_satisfied)

    @property
    def loyal_given_comparison(self) -> float:
        """P(loyal | comparison group)."""
        row = self.table.iloc[1]
        return float(row["loyal"] / row.sum())

    def to_frame(self) -> pd.DataFrame:
        """The estimates as a table (estimate, ci_lower, ci_upper, pvalue)."""
        return pd.DataFrame(
            {
                "estimate": [self.not_loyal.estimate, self.odds_ratio, self.risk_ratio],
                "ci_lower": [self.not_loyal.ci_lower, self.or_ci_lower, self.rr_ci_lower],
                "ci_upper": [self.not_loyal.ci_upper, self.or_ci_upper, self.rr_ci_upper],
                "pvalue": [np.nan, self.fisher_pvalue, self.rr_pvalue],
                "null": [np.nan, 1.0, self.rr_null],
            },
            index=pd.Index(["share of satisfied not loyal", "odds ratio (loyal | satisfied)",
                            "risk ratio (loyal | satisfied)"], name="measure"),
        )

    def _summary(self) -> Summary:
        header = [
            ("satisfied", f"{self.satisfied_rule} ({self.n_satisfied} respondents)"),
            ("loyal", self.loyal_rule),
            ("compared with", self.comparison),
            ("satisfied but not loyal", f"{self.n_satisfied_not_loyal} of {self.n_satisfied}"),
            ("CI level", self.level),
        ]
        return Summary("Satisfaction-to-loyalty conversion", header,
                       [("counts", self.table), ("estimates", self.to_frame())], list(self.notes))


def conversion(
    satisfaction: Any,
    loyalty: Any,
    satisfied: Rule = 7,
    loyal: Rule = 7,
    dissatisfied: Rule | None = None,
    rr_null: float = 6.0,
    level: float = 0.95,
    haldane: bool = False,
    *,
    scale: Any = None,
    na_values: Any = None,
) -> ConversionResult:
    """How many satisfied respondents are not loyal, and how much more likely the satisfied are
    to be loyal.

    With the 2 x 2 table (a = satisfied & loyal, b = satisfied & not loyal, c = comparison &
    loyal, d = comparison & not loyal):

    * share of satisfied not loyal :math:`b/(a+b)` with a Wilson CI;
    * odds ratio :math:`OR = ad/(bc)`, Woolf CI :math:`\\exp(\\log OR \\pm z
      \\sqrt{1/a+1/b+1/c+1/d})`, Fisher's exact p of OR = 1;
    * risk ratio :math:`RR = \\frac{a/(a+b)}{c/(c+d)}`, Katz CI :math:`\\exp(\\log RR \\pm z\\,
      \\mathrm{se})` with :math:`\\mathrm{se}^2 = 1/a - 1/(a+b) + 1/c - 1/(c+d)`;
    * the test of H0: RR = ``rr_null``: :math:`z = (\\log RR - \\log RR_0)/\\mathrm{se}`.

    "A satisfied customer is 6 times as likely to buy again as a dissatisfied one" is a
    statement about probabilities, i.e. a **risk ratio** of 6, which is what ``rr_null``
    tests (the odds ratio is larger than the risk ratio whenever loyalty is common).
    Haldane's correction (0.5 added to every cell) is applied to the OR, the RR and their CIs
    only when ``haldane=True`` or when a cell is 0 (a note says so); Fisher's p always uses the
    raw counts. OR, RR, their CIs and the RR test equal ``statsmodels`` ``Table2x2`` on the
    same table (statsmodels' own ``shift_zeros`` replaces only a zero cell by 0.5).

    Parameters
    ----------
    satisfaction, loyalty : Series or 1-d arrays
        One score per respondent (for several items pass their mean). Rows with a missing
        value in either are rejected (DataError): decide about them first.
    satisfied : float or callable
        Threshold (``score >= satisfied``) or a function returning True/False per respondent.
    loyal : float or callable
        Same for loyalty.
    dissatisfied : float or callable, optional
        If given, the comparison group is the respondents for whom this rule is true (a
        threshold means ``score <= dissatisfied``) and neither satisfied nor dissatisfied
        respondents are left out of OR/RR; by default the comparison group is everyone not
        satisfied.
    rr_null : float
        Risk ratio under H0 (default 6).
    level : float
    haldane : bool
    scale : (min, max), optional
        The answer scale; a value outside it is a DataError naming the column and the value.
        Without it a negative value (e.g. a ``-99`` "no answer" code) is a DataError too:
        declare such codes in ``na_values`` or pass the scale (e.g. ``scale=(-3, 3)``).
    na_values : number, str or list of them, optional
        Declared missing-value codes (e.g. ``-99``); respondents with a declared code in
        either column are left out with a :class:`~acsi.MissingDataWarning`.

    Returns
    -------
    ConversionResult

    References
    ----------
    Woolf, B. (1955). On estimating the relation between blood group and disease.
    *Annals of Human Genetics* 19, 251-253. Katz, D. et al. (1978). Obtaining confidence
    intervals for the risk ratio in cohort studies. *Biometrics* 34, 469-474.

    Examples
    --------
    >>> from acsi.survey import conversion
    >>> sat = [9, 8, 8, 7, 9, 3, 4, 5, 8, 2]
    >>> loy = [9, 8, 5, 4, 8, 3, 7, 2, 9, 2]
    >>> r = conversion(sat, loy)
    >>> r.n_satisfied, r.n_satisfied_not_loyal, round(r.risk_ratio, 3)
    (6, 2, 2.667)
    """
    rr_null = check_number(rr_null, "rr_null", minimum=0.0, strict=True, hint="a risk ratio")
    z = _z(level)
    haldane = check_bool(haldane, "haldane")
    if dissatisfied is not None and not callable(dissatisfied):
        dissatisfied = check_number(dissatisfied, "dissatisfied", hint="a threshold (score <= it) or a function")
    sc = None if scale is None else check_scale_arg(scale)
    s0, y0 = as_series(satisfaction, "satisfaction"), as_series(loyalty, "loyalty")
    if len(s0) != len(y0):
        raise DataError(
            f"`satisfaction` has {len(s0)} values and `loyalty` {len(y0)}; they must come from the same respondents"
        )
    s = numeric(declared_missing(s0, na_values), "satisfaction")
    y = numeric(declared_missing(y0.set_axis(s0.index), na_values), "loyalty")
    if na_values is not None:
        declared = (s.isna() & s0.notna()).to_numpy() | (y.isna() & y0.notna()).to_numpy()
        if declared.any():
            warn(
                f"{int(declared.sum())} of {len(s)} respondents with a declared missing code "
                f"(na_values={na_values!r}) were left out of the conversion analysis",
                MissingDataWarning,
            )
            s, y = s[~declared], y[~declared]
    for v, arg in ((s, "satisfaction"), (y, "loyalty")):
        obs = v.dropna()
        if sc is not None:
            check_scale(obs, sc, col_name(v, arg), integers=False)
        elif (obs < 0).any():
            bad = obs[obs < 0]
            raise DataError(
                f"column {col_name(v, arg)!r} holds {bad.iloc[0]:g} (row {bad.index[0]!r}), a negative "
                "score that looks like a missing-value code and would count as a real answer; declare "
                f"it with na_values=[{bad.iloc[0]:g}] or give the answer scale with scale=(min, max)"
            )
    for v, arg in ((s, "satisfaction"), (y, "loyalty")):
        if v.isna().any():
            raise DataError(
                f"{int(v.isna().sum())} missing values in {col_name(v, arg)!r}; drop or impute those "
                "respondents before the conversion analysis"
            )
    sat, sat_rule = _apply(satisfied, s, "satisfied")
    loy, loy_rule = _apply(loyal, y, "loyal")
    if dissatisfied is None:
        comp = ~sat
        comparison = "not satisfied"
    else:
        if callable(dissatisfied):
            comp, rule = _apply(dissatisfied, s, "dissatisfied")
        else:
            comp = (s <= dissatisfied).to_numpy()
            rule = f"<= {dissatisfied:g}"
        if (comp & sat).any():
            raise DataError("the `dissatisfied` rule overlaps `satisfied`: a respondent cannot be both")
        comparison = f"dissatisfied ({rule}); {int((~comp & ~sat).sum())} neither satisfied nor dissatisfied left out"
    a = int((sat & loy).sum())
    b = int((sat & ~loy).sum())
    c = int((comp & loy).sum())
    d = int((comp & ~loy).sum())
    if a + b == 0:
        raise DataError(f"no respondent is satisfied ({sat_rule}); lower the `satisfied` threshold")
    if c + d == 0:
        raise DataError(f"the comparison group ({comparison}) is empty; nothing to compare the satisfied with")
    table = pd.DataFrame(
        [[a, b], [c, d]],
        index=pd.Index(
            ["satisfied", "dissatisfied" if dissatisfied is not None else "not satisfied"], name="satisfaction"
        ),
        columns=pd.Index(["loyal", "not loyal"], name="loyalty"),
    )
    notes: list[str] = []
    used = haldane or min(a, b, c, d) == 0
    if used:
        notes.append(
            "Haldane's correction: 0.5 added to every cell for the odds ratio, the risk ratio and "
            "their CIs" + (" (asked for)." if haldane else " because a cell is 0.")
        )
    A, B, C, D = (float(v) + (0.5 if used else 0.0) for v in (a, b, c, d))
    log_or = np.log(A * D / (B * C))
    se_or = np.sqrt(1 / A + 1 / B + 1 / C + 1 / D)
    p1, p0 = A / (A + B), C / (C + D)
    log_rr = np.log(p1 / p0)
    se_rr = np.sqrt(1 / A - 1 / (A + B) + 1 / C - 1 / (C + D))
    rr_z = float((log_rr - np.log(rr_null)) / se_rr)
    rr_p = float(2 * special.ndtr(-abs(rr_z)))  # normal upper tail
    fisher_p = fisher_exact_2x2(a, b, c, d)
    notes.append(
        f"Risk ratio test: H0 RR = {rr_null:g} (a satisfied respondent {rr_null:g} times as likely to be "
        f"loyal as one {'dissatisfied' if dissatisfied is not None else 'not satisfied'}); z = {rr_z:.3f}, "
        f"p = {rr_p:.4g}."
    )
    return ConversionResult(
        table=table,
        not_loyal=make_proportion("satisfied but not loyal", b, a + b, "wilson", level),
        odds_ratio=float(np.exp(log_or)),
        or_ci_lower=float(np.exp(log_or - z * se_or)),
        or_ci_upper=float(np.exp(log_or + z * se_or)),
        fisher_pvalue=fisher_p,
        risk_ratio=float(np.exp(log_rr)),
        rr_ci_lower=float(np.exp(log_rr - z * se_rr)),
        rr_ci_upper=float(np.exp(log_rr + z * se_rr)),
        rr_null=float(rr_null),
        rr_z=rr_z,
        rr_pvalue=rr_p,
        level=level,
        haldane=used,
        satisfied_rule=sat_rule,
        loyal_rule=loy_rule,
        comparison=comparison,
        notes=tuple(notes),
    )
