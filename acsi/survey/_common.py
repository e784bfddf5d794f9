"""Shared pieces of acsi.survey: proportion confidence intervals, input checks, results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._lazy import special, stats  # scipy's, imported on first use
from acsi._validation import check_choice, check_level, parse_na_values
from acsi._validation import check_scale as _check_scale
from acsi.data import check_finite
from acsi.exceptions import DataError, DegenerateStatisticWarning, MissingDataWarning
from acsi.exceptions import warn as _warn
from acsi.results.base import CopyTables, ResultMixin, Summary

__all__ = ["proportion_ci", "Proportion", "CI_METHODS"]

CI_METHODS = ("wilson", "wald", "agresti_coull", "clopper_pearson", "jeffreys", "jeffreys_modified")


#: accepted spellings of the interval methods (statsmodels' "normal" and "beta" too)
_CI_CHOICES = {**{m: m for m in CI_METHODS}, "normal": "wald", "beta": "clopper_pearson"}


def check_ci(ci: Any, argument: str = "ci") -> str:
    """The canonical name of a proportion-interval method (SpecificationError otherwise)."""
    return check_choice(ci, _CI_CHOICES, argument, case_sensitive=True)


def _z(level: float) -> float:
    """The normal quantile of a two-sided ``level`` interval (validates ``level``)."""
    lv = check_level(level)
    return float(special.ndtri(0.5 + lv / 2))  # the normal quantile (scipy.stats.norm.ppf)


def proportion_ci(
    count: np.ndarray | float, n: np.ndarray | float, method: str = "wilson", level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of a binomial proportion ``count / n`` (vectorised).

    Methods (equal to ``statsmodels.stats.proportion.proportion_confint`` with ``method=``
    ``"wilson"``, ``"normal"``, ``"agresti_coull"``, ``"beta"``, ``"jeffreys"``):

    * ``"wilson"``: :math:`\\frac{x + z^2/2}{n + z^2} \\pm \\frac{z}{n + z^2}
      \\sqrt{x(n-x)/n + z^2/4}` (Wilson 1927);
    * ``"wald"``: :math:`p \\pm z\\sqrt{p(1-p)/n}` (clipped to [0, 1] like statsmodels);
    * ``"agresti_coull"``: Wald on :math:`(x + z^2/2)/(n + z^2)` with
      :math:`\\tilde n = n + z^2` (clipped);
    * ``"clopper_pearson"``: beta quantiles :math:`B(\\alpha/2; x, n-x+1)`,
      :math:`B(1-\\alpha/2; x+1, n-x)` (exact);
    * ``"jeffreys"``: central beta quantiles of :math:`B(x + 1/2, n - x + 1/2)` (as statsmodels;
      at :math:`x = 0` the lower limit is above 0 and at :math:`x = n` the upper limit is below
      1, so the interval excludes the estimate there);
    * ``"jeffreys_modified"``: the same with the lower limit 0 when :math:`x = 0` and the upper
      limit 1 when :math:`x = n` (Brown, Cai and DasGupta 2001, section 4.1.2).

    statsmodels' names ``"normal"`` and ``"beta"`` are accepted for ``"wald"`` and
    ``"clopper_pearson"``.

    References
    ----------
    Brown, Cai and DasGupta (2001). Interval estimation for a binomial proportion.
    *Statistical Science* 16, 101-133.

    Examples
    --------
    >>> lo, hi = proportion_ci(28, 54)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.3885, 0.6461)
    """
    method = check_ci(method, "method")
    z = _z(level)
    x = np.asarray(count, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(m <= 0):
        raise DataError("a proportion needs at least one observation (n > 0)")
    if np.any((x < 0) | (x > m)):
        raise DataError("counts must lie between 0 and n")
    alpha = 1.0 - level
    p = x / m
    if method == "wilson":
        denom = m + z**2
        centre = (x + z**2 / 2) / denom
        half = z / denom * np.sqrt(x * (m - x) / m + z**2 / 4)
        return centre - half, centre + half
    if method == "wald":
        half = z * np.sqrt(p * (1 - p) / m)
        return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
    if method == "agresti_coull":
        nt = m + z**2
        pt = (x + z**2 / 2) / nt
        half = z * np.sqrt(pt * (1 - pt) / nt)
        return np.clip(pt - half, 0, 1), np.clip(pt + half, 0, 1)
    if method == "clopper_pearson":
        with np.errstate(invalid="ignore"):
            lo = np.where(x > 0, stats.beta.ppf(alpha / 2, x, m - x + 1), 0.0)
            hi = np.where(x < m, stats.beta.ppf(1 - alpha / 2, x + 1, m - x), 1.0)
        return lo, hi
    # jeffreys, jeffreys_modified
    lo = stats.beta.ppf(alpha / 2, x + 0.5, m - x + 0.5)
    hi = stats.beta.ppf(1 - alpha / 2, x + 0.5, m - x + 0.5)
    if method == "jeffreys_modified":
        lo, hi = np.where(x > 0, lo, 0.0), np.where(x < m, hi, 1.0)
    return lo, hi


@dataclass(frozen=True, eq=False)
class Proportion(CopyTables, ResultMixin):
    """A share with its confidence interval.

    Attributes
    ----------
    label : str
    count : int
    nobs : int
        Answers counted (the denominator; ``n`` is an alias, the older name).
    estimate : float
        ``count / n``.
    ci_lower, ci_upper : float
    level : float
    method : str
    """

    label: str
    count: int
    nobs: int
    estimate: float
    ci_lower: float
    ci_upper: float
    level: float
    method: str

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs` (the older name)."""
        return self.nobs

    def _summary(self) -> Summary:
        table = pd.DataFrame(
            {"count": [self.count], "n": [self.nobs], "share": [self.estimate],
             "ci_lower": [self.ci_lower], "ci_upper": [self.ci_upper]},
            index=[self.label],
        )
        return Summary(self.label, [("CI", f"{self.level:.0%} {self.method}")], [("share", table)])

    def to_frame(self) -> pd.DataFrame:
        """One-row table: count, n, share, ci_lower, ci_upper."""
        return self._summary().tables[0][1]


def make_proportion(label: str, count: int, n: int, method: str, level: float) -> Proportion:
    lo, hi = proportion_ci(count, n, method, level)
    if method == "wald" and count in (0, n):
        _warn(
            f"the Wald interval of {label!r} is [{lo:g}, {hi:g}]: with {count} of {n} it collapses onto "
            "the boundary and claims certainty; use ci='wilson' (the default) or 'clopper_pearson'",
            DegenerateStatisticWarning,
        )
    return Proportion(label, int(count), int(n), count / n, float(lo), float(hi), level, method)


def as_series(x: Any, argument: str) -> pd.Series:
    """A Series from a Series, 1-d array or list; DataError otherwise."""
    if isinstance(x, pd.Series):
        return x
    if isinstance(x, pd.DataFrame):
        if x.shape[1] == 1:
            return x.iloc[:, 0]
        raise DataError(f"`{argument}` must be one column (a Series), not a table of {x.shape[1]} columns")
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise DataError(f"`{argument}` must be one-dimensional (one answer per respondent)")
    return pd.Series(arr, name=argument)


def col_name(s: pd.Series, argument: str) -> str:
    return str(s.name) if s.name is not None else argument


def drop_missing(s: pd.Series, argument: str, warn: bool = True) -> pd.Series:
    """Drop missing answers with a MissingDataWarning that counts them."""
    miss = s.isna()
    if miss.all():
        raise DataError(f"column {col_name(s, argument)!r} has no answer (all values are missing)")
    if miss.any():
        if warn:
            _warn(
                f"{int(miss.sum())} of {len(s)} answers in {col_name(s, argument)!r} are missing "
                "and were left out of the shares",
                MissingDataWarning,
            )
        return s[~miss]
    return s


def numeric(s: pd.Series, argument: str) -> pd.Series:
    """Numeric values of ``s`` or a DataError naming the column and a bad value."""
    name = col_name(s, argument)
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if pd.api.types.is_numeric_dtype(cats.dtype) and not pd.api.types.is_bool_dtype(cats.dtype):
            # a categorical of scale points (e.g. read with dtype="category"): its values
            return pd.Series(np.asarray(s.astype(object).astype("float64")), index=s.index, name=s.name)
        raise DataError(
            f"column {name!r} is categorical with text labels ({', '.join(map(repr, list(cats)[:5]))}"
            f"{', ...' if len(cats) > 5 else ''}); rating functions need numbers: map the labels to "
            "their scale points, e.g. s.map({'agree': 4, ...})"
        )
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    if not pd.api.types.is_numeric_dtype(s):
        conv = pd.to_numeric(s, errors="coerce")
        bad = s[conv.isna() & s.notna()]
        if len(bad):
            raise DataError(
                f"column {name!r} is not numeric (for example {bad.iloc[0]!r} in row {bad.index[0]!r})"
            )
        return _finite(conv, name)
    return _finite(s.astype(float), name)


def _finite(s: pd.Series, name: str) -> pd.Series:
    """``s`` unchanged, or DataError for an infinite or absurdly large value (NaN is missing)."""
    check_finite(s.to_numpy(dtype=np.float64, na_value=np.nan).reshape(-1, 1), [name], s.index,
                 context="analysis")
    return s


def check_scale(s: pd.Series, scale: Sequence[float], argument: str, integers: bool = True) -> None:
    """Raise DataError if a value of ``s`` (no NaN) lies outside ``scale`` or is not a scale point."""
    lo, hi = check_scale_arg(scale)
    name = col_name(s, argument)
    out = s[(s < lo) | (s > hi)]
    if len(out):
        raise DataError(
            f"column {name!r} holds {float(out.iloc[0]):g} (row {out.index[0]!r}), outside the scale "
            f"{lo:g}-{hi:g}; pass the right scale=(min, max) or recode the value (a missing-value "
            "code such as -99 to NaN)"
        )
    if integers:
        frac = s[s != np.round(s)]
        if len(frac):
            raise DataError(
                f"column {name!r} holds {float(frac.iloc[0]):g} (row {frac.index[0]!r}), not a scale "
                "point; rating answers must be whole numbers (a score with decimals, such as a mean of "
                "items, is not a rating)"
            )


def check_scale_arg(scale: Any, argument: str = "scale") -> tuple[float, float]:
    """The ``scale=(min, max)`` argument (SpecificationError when it is not one)."""
    return _check_scale(scale, argument)


def declared_missing(s: pd.Series, na_values: Any, argument: str = "na_values") -> pd.Series:
    """``s`` with the declared missing-value codes (numbers or text) turned into NaN."""
    codes = parse_na_values(na_values, argument)
    if not codes:
        return s
    return s.mask(s.astype(object).isin(codes))
