"""Satisfaction by customer segment, and the value-weighted index.

A rise in overall satisfaction can hide a fall among the customers who matter most (the seed
material's example: overall 92 % -> 95 % while high-value customers fall 3 points); read
satisfaction by segment and weighted by customer value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._lazy import stats  # scipy.stats, imported on first use
from acsi._validation import check_name, check_number
from acsi.data import as_frame, check_columns, check_finite
from acsi.exceptions import DataError, DegenerateStatisticWarning, warn
from acsi.results.base import CopyTables, ResultMixin, Summary, freeze_fields
from acsi.survey._common import _z, proportion_ci

__all__ = ["by_segment", "value_weighted_index", "ValueWeightedIndex"]


def _segment_column(df: pd.DataFrame, segment: str) -> pd.Series:
    if segment not in df.columns:
        check_columns(df, [segment], context="segment analysis")  # raises with a suggestion
    seg = df[segment]
    if seg.isna().any():
        raise DataError(
            f"column {segment!r} has {int(seg.isna().sum())} missing segments; label them (e.g. 'unknown') first"
        )
    return seg


def _numeric_column(df: pd.DataFrame, name: str, context: str) -> np.ndarray:
    check_columns(df, [name], context=context)
    x = df[name].to_numpy(dtype=float, na_value=np.nan)
    check_finite(x.reshape(-1, 1), [name], df.index, context=context)
    if np.isnan(x).any():
        raise DataError(f"column {name!r} has {int(np.isnan(x).sum())} missing values; drop or impute those rows first")
    return x


def by_segment(
    data: Any,
    value: str,
    segment: str,
    weights: str | None = None,
    threshold: float | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Mean satisfaction (and optionally the satisfied share) by segment, with CIs.

    Per segment: mean :math:`\\bar x`, standard deviation ``sd`` (ddof = 1), :math:`se =
    sd/\\sqrt n` and the t interval :math:`\\bar x \\pm t_{n-1}\\, se`. With ``threshold`` also
    the share with :math:`x \\ge` threshold and its Wilson CI. With ``weights`` (a column of
    case weights, e.g. customer value) the mean is weighted, :math:`\\bar x_w = \\sum w x /
    \\sum w`, the sd is :math:`\\sqrt{\\sum w (x - \\bar x_w)^2 / \\sum w \\cdot n_e/(n_e-1)}`
    and Kish's effective size :math:`n_e = (\\sum w)^2 / \\sum w^2` replaces ``n`` in the se,
    the t df and the Wilson CI. A last row ``"all"`` pools the segments (``"all (pooled)"``
    if a segment is called "all").

    Parameters
    ----------
    data : DataFrame
    value : str
        The satisfaction score column.
    segment : str
        The segment column (categories keep their order).
    weights : str, optional
        Non-negative case weights.
    threshold : float, optional
    level : float

    Returns
    -------
    DataFrame
        Indexed by segment: ``n``, (``n_effective``), ``mean``, ``sd``, ``se``, ``ci_lower``,
        ``ci_upper``, and with ``threshold`` ``share``, ``share_ci_lower``,
        ``share_ci_upper``.

    Examples
    --------
    >>> import pandas as pd
    >>> from acsi.survey import by_segment
    >>> d = pd.DataFrame({"sat": [8, 9, 7, 4, 6, 5], "tier": ["gold"] * 3 + ["basic"] * 3})
    >>> by_segment(d, "sat", "tier")[["n", "mean"]]  # doctest: +NORMALIZE_WHITESPACE
           n  mean
    tier
    basic  3   5.0
    gold   3   8.0
    all    6   6.5
    """
    _z(level)  # validates the level
    value = check_name(value, "value")
    segment = check_name(segment, "segment")
    if weights is not None:
        weights = check_name(weights, "weights")
    if threshold is not None:
        threshold = check_number(threshold, "threshold")
    df = as_frame(data)
    if len(df) == 0:
        raise DataError("the data has no rows; by_segment needs at least one respondent per segment")
    x = _numeric_column(df, value, "segment analysis")
    seg = _segment_column(df, segment)
    w = None
    if weights is not None:
        w = _numeric_column(df, weights, "segment analysis")
        if (w < 0).any():
            raise DataError(f"column {weights!r} holds negative weights")
    if isinstance(seg.dtype, pd.CategoricalDtype):
        groups = [c for c in seg.cat.categories if (seg == c).any()]
    else:
        groups = sorted(seg.unique(), key=lambda v: str(v))
    rows = []
    labels = []
    pooled = "all" if "all" not in {str(g) for g in groups} else "all (pooled)"
    masks = [(g, (seg == g).to_numpy()) for g in groups] + [(pooled, np.ones(len(x), dtype=bool))]
    for g, m in masks:
        xs = x[m]
        n = len(xs)
        if w is None:
            mean = float(xs.mean())
            sd = float(xs.std(ddof=1)) if n > 1 else float("nan")
            ne = float(n)
        else:
            ws = w[m]
            if ws.sum() <= 0:
                raise DataError(f"segment {g!r} has zero total weight")
            ne = float(ws.sum() ** 2 / (ws**2).sum())
            mean = float((ws * xs).sum() / ws.sum())
            var = float((ws * (xs - mean) ** 2).sum() / ws.sum())
            sd = float(np.sqrt(var * ne / (ne - 1))) if ne > 1 else float("nan")
        se = sd / np.sqrt(ne) if ne > 1 else float("nan")
        tq = float(stats.t.ppf(0.5 + level / 2, ne - 1)) if ne > 1 else float("nan")
        row: dict[str, float] = {"n": n}
        if w is not None:
            row["n_effective"] = ne
        row.update({"mean": mean, "sd": sd, "se": se, "ci_lower": mean - tq * se, "ci_upper": mean + tq * se})
        if threshold is not None:
            hit = (xs >= threshold).astype(float)
            share = float(hit.mean()) if w is None else float((w[m] * hit).sum() / w[m].sum())
            lo, hi = proportion_ci(share * ne, ne, "wilson", level)
            row.update({"share": share, "share_ci_lower": float(lo), "share_ci_upper": float(hi)})
        rows.append(row)
        labels.append(g)
    small = [f"{g!r} ({r['n_effective']:.3g} effective)" if w is not None else repr(g)
             for g, r in zip(labels[:-1], rows[:-1]) if (r["n_effective"] if w is not None else r["n"]) < 2]
    if small:
        warn(
            f"{len(small)} segment(s) of {segment!r} have fewer than 2 {'effective ' if w is not None else ''}"
            f"respondents ({', '.join(small[:5])}{', ...' if len(small) > 5 else ''}): their sd, se and "
            "confidence interval are undefined (NaN) and their mean is one person's answer; merge small "
            "segments or report them apart",
            DegenerateStatisticWarning,
        )
    out = pd.DataFrame(rows, index=pd.Index([str(v) for v in labels], name=segment))
    out["n"] = out["n"].astype(np.int64)
    out.attrs.update({"value": value, "weights": weights, "threshold": threshold, "level": level})
    return out


@dataclass(frozen=True, eq=False)
class ValueWeightedIndex(CopyTables, ResultMixin):
    """Overall, value-weighted and per-segment satisfaction, by period.

    Attributes
    ----------
    table : DataFrame
        Indexed by period: ``overall`` (every customer counts once), ``value_weighted``
        (each customer counts by value), then one column per segment.
    changes : DataFrame or None
        Change from each period to the next, in percentage points (shares) or score points.
    trap : bool
        True when the overall index rises between two consecutive periods while the
        value-weighted index or a segment falls.
    notes : tuple of str
    """

    table: pd.DataFrame
    changes: pd.DataFrame | None
    trap: bool
    notes: tuple[str, ...]
    as_share: bool

    def __post_init__(self) -> None:
        freeze_fields(self)

    def _summary(self) -> Summary:
        show = self.table * 100 if self.as_share else self.table
        tables = [("index" + (" (%)" if self.as_share else ""), show)]
        if self.changes is not None:
            tables.append(("change" + (" (points)" if self.as_share else ""), self.changes))
        return Summary("Value-weighted satisfaction index", [("overall up, a segment down", self.trap)], tables,
                       list(self.notes), digits=1 if self.as_share else 3)


def value_weighted_index(
    data: Any,
    satisfaction: str,
    segment: str,
    value: str,
    period: str | None = None,
    count: str | None = None,
    threshold: float | None = None,
) -> ValueWeightedIndex:
    """Satisfaction overall, weighted by customer value, and by segment (per period).

    With :math:`s_i` the satisfaction of customer :math:`i` (1/0 "satisfied", the share with
    a score :math:`\\ge` ``threshold``, or a score), :math:`v_i` its value and :math:`c_i` the
    number of customers the row stands for:

    .. math::
        \\text{overall} = \\frac{\\sum c_i s_i}{\\sum c_i}, \\qquad
        \\text{value-weighted} = \\frac{\\sum c_i v_i s_i}{\\sum c_i v_i},

    and the plain mean within each segment. Between periods, a rise of ``overall`` with a fall
    of ``value_weighted`` or of a segment is flagged (``trap``): the customers who carry the
    value are less satisfied although the headline number improved.

    Parameters
    ----------
    data : DataFrame
        One row per customer, or per group of customers with ``count``.
    satisfaction : str
        0/1 satisfied column, or a score column (with ``threshold``: satisfied = score >=
        threshold; without: the mean score is the index).
    segment : str
    value : str
        Customer value (e.g. yearly contribution); non-negative.
    period : str, optional
        Survey wave; the index is given per period, in sorted order (or category order).
    count : str, optional
        Number of customers each row stands for (aggregated data).
    threshold : float, optional

    Returns
    -------
    ValueWeightedIndex

    Examples
    --------
    The seed material's trap: 100 high-value customers (value 20 each) and 900 others (value
    1); overall satisfaction rises from 92 % to 95 % while the high-value segment falls 3
    points:

    >>> import pandas as pd
    >>> from acsi.survey import value_weighted_index
    >>> d = pd.DataFrame({
    ...     "wave": [1, 1, 1, 1, 2, 2, 2, 2],
    ...     "tier": ["high", "high", "other", "other"] * 2,
    ...     "satisfied": [1, 0, 1, 0] * 2,
    ...     "customers": [90, 10, 830, 70, 87, 13, 863, 37],
    ...     "value": [20, 20, 1, 1] * 2,
    ... })
    >>> r = value_weighted_index(d, "satisfied", "tier", "value", period="wave", count="customers")
    >>> (100 * r.table[["overall", "high"]]).round(1).to_dict("list")
    {'overall': [92.0, 95.0], 'high': [90.0, 87.0]}
    >>> r.trap
    True
    """
    satisfaction = check_name(satisfaction, "satisfaction")
    segment = check_name(segment, "segment")
    value = check_name(value, "value")
    if period is not None:
        period = check_name(period, "period")
    if count is not None:
        count = check_name(count, "count")
    if threshold is not None:
        threshold = check_number(threshold, "threshold")
    df = as_frame(data)
    s = _numeric_column(df, satisfaction, "value-weighted index")
    v = _numeric_column(df, value, "value-weighted index")
    if (v < 0).any():
        raise DataError(f"column {value!r} holds negative customer values")
    c = _numeric_column(df, count, "value-weighted index") if count is not None else np.ones(len(df))
    if (c < 0).any() or (c != np.round(c)).any():
        raise DataError(f"column {count!r} must hold whole non-negative numbers of customers")
    seg = _segment_column(df, segment)
    if threshold is not None:
        s = (s >= threshold).astype(float)
        as_share = True
    else:
        as_share = bool(np.isin(s, [0.0, 1.0]).all())
    if period is not None:
        per = _segment_column(df, period)
        if isinstance(per.dtype, pd.CategoricalDtype):
            periods = [p for p in per.cat.categories if (per == p).any()]
        else:
            periods = sorted(per.unique())
    else:
        per = pd.Series(["all"] * len(df), index=df.index)
        periods = ["all"]
    if isinstance(seg.dtype, pd.CategoricalDtype):
        segments = [g for g in seg.cat.categories if (seg == g).any()]
    else:
        segments = sorted(seg.unique(), key=str)
    taken = [g for g in segments if str(g) in ("overall", "value_weighted")]
    if taken:
        raise DataError(
            f"column {segment!r} holds a segment named {str(taken[0])!r}, which is also the name of a column of the "
            "index table; rename that segment (e.g. data[segment].replace({'overall': 'overall segment'}))"
        )
    rows = []
    for p in periods:
        m = (per == p).to_numpy()
        cm, sm, vm = c[m], s[m], v[m]
        if cm.sum() == 0:
            raise DataError(f"period {p!r} has no customers")
        if (cm * vm).sum() == 0:
            raise DataError(f"period {p!r} has zero total customer value")
        row = {"overall": (cm * sm).sum() / cm.sum(), "value_weighted": (cm * vm * sm).sum() / (cm * vm).sum()}
        for g in segments:
            mg = m & (seg == g).to_numpy()
            row[str(g)] = (c[mg] * s[mg]).sum() / c[mg].sum() if c[mg].sum() > 0 else np.nan
        rows.append(row)
        counts = {str(g): float(c[m & (seg == g).to_numpy()].sum()) for g in segments}
        tiny = [f"{g!r} ({k:g})" for g, k in counts.items() if k < 2]
        if tiny:
            warn(
                f"{f'period {p}: ' if period is not None else ''}segment(s) of {segment!r} with fewer "
                f"than 2 customers: {', '.join(tiny[:5])}{', ...' if len(tiny) > 5 else ''}; a segment of one "
                "is one person's answer and a segment of none is NaN in the table. Merge small segments",
                DegenerateStatisticWarning,
            )
    table = pd.DataFrame(rows, index=pd.Index(periods, name=period or "period"))
    changes = None
    trap = False
    notes: list[str] = []
    if len(periods) > 1:
        diff = table.diff().iloc[1:]
        changes = diff * 100 if as_share else diff
        for p_from, p_to in zip(periods, periods[1:]):
            d = table.loc[p_to] - table.loc[p_from]
            if d["overall"] > 0:
                fallen = [k for k in d.index if k != "overall" and d[k] < 0]
                if fallen:
                    trap = True
                    scale_ = 100 if as_share else 1
                    unit = " points" if as_share else ""
                    notes.append(
                        f"{p_from} -> {p_to}: overall rose {d['overall'] * scale_:+.1f}{unit} while "
                        + ", ".join(f"{k} changed {d[k] * scale_:+.1f}{unit}" for k in fallen)
                        + ": read satisfaction by segment and weighted by customer value."
                    )
    return ValueWeightedIndex(table, changes, trap, tuple(notes), as_share)
