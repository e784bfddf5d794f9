"""The national index: company indices aggregated up the ACSI hierarchy, with intervals.

The ACSI reports a score for every company, industry, economic sector and the nation
(Fornell et al. 1996; ACSI Methodology Report). An industry's score is the mean of its
companies' scores weighted by their revenue (sales), a sector's the mean of its
industries' scores weighted by industry revenue, the nation's the mean of the sector scores
weighted by the sectors' shares of GDP. :func:`aggregate` computes every level and, from
the company-level bootstrap replicates kept by :func:`acsi.fit_many`, an interval for
every aggregate: replicate ``b`` of an aggregate is the same weighted mean of replicate
``b`` of its companies, and its percentile interval comes from those aggregated replicates.
Companies are independent samples, so pairing their replicates by position is a draw from
the joint bootstrap distribution; a company that enters an industry, its sector and the
nation enters all of them with the *same* replicate, so comparisons between levels keep
their dependence. See ``docs/methods/national-index.md`` for every choice the published
methodology leaves open.

Examples
--------
>>> import pandas as pd
>>> import acsi
>>> idx = pd.DataFrame({"company": ["A", "B", "C"], "construct": "Satisfaction",
...                     "index": [80.0, 70.0, 60.0], "industry": ["banks", "banks", "airlines"],
...                     "revenue": [3.0, 1.0, 2.0]})
>>> nat = acsi.aggregate(idx, weights="revenue", levels=["company", "industry", "nation"])
>>> nat.table.query("level != 'company'")[["level", "unit", "index"]].round(2).to_string(index=False)
'   level     unit  index\\nindustry    banks  77.50\\nindustry airlines  60.00\\n  nation   nation  71.67'
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from acsi._validation import check_level
from acsi.data import check_columns, check_finite
from acsi.exceptions import DataError, SpecificationError
from acsi.results.base import ResultMixin, Summary, freeze, frozen_table

__all__ = ["aggregate", "NationalIndex"]

_TABLE_COLS = ["level", "unit", "parent", "construct", "index", "boot_se", "ci_lower", "ci_upper",
               "n_draws", "n_companies", "weight", "share"]
_CHANGE_COLS = ["level", "unit", "construct", "period_from", "period_to", "index_from", "index_to",
                "change", "ci_lower", "ci_upper", "pvalue", "significant", "n_draws"]


def _hint(name: str, options: Sequence[Any]) -> str:
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _quantiles(x: np.ndarray, level: float) -> tuple[float, float, float, int]:
    """Percentile interval (type 7), SD (n-1) and count of the finite values of ``x``."""
    fin = x[np.isfinite(x)]
    if fin.size < 2:
        return np.nan, np.nan, np.nan, int(fin.size)
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(fin, [a, 1.0 - a])
    return float(lo), float(hi), float(fin.std(ddof=1)), int(fin.size)


# ----------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class _Company:
    unit: Any  # company label
    period: Any  # period label or None
    construct: str
    index: float
    draws: np.ndarray | None


def _from_fit_many(fm: Any, unit_col: str, period: str | None) -> tuple[list[_Company], pd.DataFrame, set[Any]]:
    """Company records and the attribute table (one row per group) of a FitManyResult."""
    by = tuple(fm.by)
    if unit_col not in by:
        raise SpecificationError(
            f"levels[0]={unit_col!r} is not the group column of the fit (by={list(by)}); the first "
            "level names the units that were fitted"
        )
    if period is not None and period not in by and len(by) > 1:
        raise SpecificationError(f"period={period!r} is not a group column of the fit (by={list(by)})")
    if len(by) > 1 and period is None:
        raise SpecificationError(
            f"the fit is grouped by {list(by)}; name the column that is not part of the hierarchy "
            f"with period= (e.g. period={[c for c in by if c != unit_col][0]!r})"
        )
    if len(by) > 2:
        raise SpecificationError(f"aggregate handles a fit grouped by a unit and a period, not by {list(by)}")
    idx = fm.indices
    if not len(idx):
        raise SpecificationError(
            "the fit has no ACSI indices (they are defined from PLS weights): fit with method='pls'"
        )
    draws = fm._draws()
    recs = []
    for row in idx.itertuples(index=False):
        r = row._asdict()
        key = tuple(r[c] for c in by) if len(by) > 1 else r[by[0]]
        d, cons = draws.get(key, (None, ()))
        col = None
        if d is not None and r["construct"] in cons:
            col = np.asarray(d[:, list(cons).index(r["construct"])])
        recs.append(_Company(r[unit_col], r[period] if period is not None else None, str(r["construct"]),
                             float(r["index"]), col))
    st = fm.status
    failed = set(st.loc[st["status"] == "failed", unit_col])
    return recs, fm._data, failed


def _from_frame(df: pd.DataFrame, unit_col: str, period: str | None) -> tuple[list[_Company], pd.DataFrame]:
    for c in (unit_col, "index"):
        if c not in df.columns:
            raise DataError(f"the indices table has no column {c!r}{_hint(c, list(df.columns))}")
    if not pd.api.types.is_numeric_dtype(df["index"]) or pd.api.types.is_bool_dtype(df["index"]):
        check_columns(df, ["index"], context="indices table")  # raises, naming a value that is not a number
    check_finite(df["index"].to_numpy(dtype=np.float64, na_value=np.nan).reshape(-1, 1), ["index"], df.index,
                 context="indices table")
    cons = df["construct"] if "construct" in df.columns else pd.Series("index", index=df.index)
    per = list(df[period]) if period is not None else [None] * len(df)
    recs = [_Company(u, p, str(c), float(v), None)
            for u, p, c, v in zip(df[unit_col], per, cons, df["index"].astype(float))]
    return recs, df


def _attribute(first: pd.DataFrame, column: str, unit_col: str, period: str | None, what: str) -> dict[Any, Any]:
    """(unit[, period]) -> value of ``column`` (constant within the unit)."""
    if column not in first.columns:
        raise DataError(f"{what}: {column!r} is not a column of the data{_hint(column, list(first.columns))}")
    keys = [unit_col] + ([period] if period is not None else [])
    g = first.groupby(keys, sort=False, dropna=False)[column]
    nun = g.nunique(dropna=False)
    bad = nun[nun > 1]
    if len(bad):
        raise DataError(
            f"{what}: column {column!r} takes several values within {unit_col} {bad.index[0]!r}; "
            "each unit must have one value"
        )
    out = g.first()
    return {k: out[k] for k in out.index}


def _weights_of(spec: Any, units: Sequence[Any], attrs: pd.DataFrame | None, unit_col: str,
                period: str | None, what: str, periods: Sequence[Any]) -> dict[Any, float]:
    """Weight of every unit (keys ``(unit, period)``) from a column name, a mapping or a Series."""
    out: dict[Any, float] = {}
    if isinstance(spec, str):
        if attrs is None:
            raise SpecificationError(f"{what}={spec!r} names a column, but there is no data to read it from")
        col = _attribute(attrs, spec, unit_col, period, what)
        for u, p in zip(units, periods):
            k = (u, p) if period is not None else u
            if k not in col:
                raise DataError(f"{what}: no {spec!r} value for {unit_col} {u!r}")
            out[(u, p)] = col[k]
    elif isinstance(spec, (Mapping, pd.Series)):
        m = dict(spec.items())
        for u, p in zip(units, periods):
            if (u, p) in m:
                out[(u, p)] = m[(u, p)]
            elif u in m:
                out[(u, p)] = m[u]
            else:
                raise DataError(f"{what} has no weight for {u!r}{_hint(str(u), list(m))}; give every unit a weight")
    else:
        raise SpecificationError(
            f"{what} must be a column name, a mapping unit -> weight or a pandas Series, not {type(spec).__name__}"
        )
    for k, v in out.items():
        try:
            fv = float(v)
        except (TypeError, ValueError):
            raise DataError(f"{what}: the weight of {k[0]!r} is not a number ({v!r})") from None
        if not (np.isfinite(fv) and fv >= 0):
            raise DataError(f"{what}: the weight of {k[0]!r} must be a finite number >= 0, not {v!r}")
        out[k] = fv
    return out


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class NationalIndex(ResultMixin):
    """Indices aggregated up a hierarchy (returned by :func:`aggregate`); immutable.

    Attributes
    ----------
    levels : tuple of str
        The hierarchy, from the fitted units (companies) to the top.
    period : str or None
        The period column, when change over time was asked for.
    level : float
        Confidence level of the intervals.
    n_draws : int
        Bootstrap replicates per unit used to propagate the intervals (0: none).
    table : DataFrame
        One row per level, unit (, period) and construct: ``index``, ``boot_se``,
        ``ci_lower``, ``ci_upper``, ``n_draws`` (replicates in which the aggregate was
        defined), ``n_companies``, ``weight`` (the unit's weight in its parent) and
        ``share`` (that weight normalised within the parent).
    change : DataFrame
        Change between consecutive periods per level, unit and construct, with the
        interval of the change, a bootstrap p-value and ``significant`` (interval
        excluding 0). Empty without a period.
    notes : tuple of str
    """

    levels: tuple[str, ...]
    period: str | None
    level: float
    n_draws: int
    _table: pd.DataFrame = field(repr=False)
    _change: pd.DataFrame = field(repr=False)
    _draws: dict[tuple[Any, ...], np.ndarray] = field(repr=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", freeze(self._table))
        object.__setattr__(self, "_change", freeze(self._change))
        object.__setattr__(self, "_draws", {k: freeze(v) for k, v in self._draws.items()})

    @frozen_table
    def table(self) -> pd.DataFrame:
        """Every unit of every level (see the class docstring)."""
        return self._table

    @frozen_table
    def change(self) -> pd.DataFrame:
        """Change over consecutive periods (see the class docstring)."""
        return self._change

    def draws(self, level: str, unit: Any, construct: str, period: Any = None) -> np.ndarray:
        """The aggregated bootstrap replicates of one unit (read-only; NaN where undefined)."""
        key = (level, unit, period, construct)
        if key not in self._draws:
            raise KeyError(f"no replicates for {key!r} (level, unit, period, construct)")
        return self._draws[key]

    def plot(self, construct: str = "Satisfaction", level: str | None = None, *, ax: Any = None) -> Any:
        """Forest plot of the units of one level (index and interval), or with a period
        column, their index over time with interval bands.

        Returns the matplotlib Figure (or the given Axes' figure).
        """
        t = self.table
        if construct not in set(t["construct"]):
            raise SpecificationError(
                f"construct={construct!r} is not in the table{_hint(construct, sorted(set(t['construct'])))}"
            )
        lv = level if level is not None else (self.levels[1] if len(self.levels) > 1 else self.levels[0])
        if lv not in self.levels:
            raise SpecificationError(f"level={lv!r} is not one of {list(self.levels)}")
        sub = t[(t["construct"] == construct) & (t["level"] == lv)]
        if ax is None:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(7.0, max(2.5, 0.35 * sub["unit"].nunique() + 1.2)), layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        if self.period is None:
            sub = sub.sort_values("index")
            y = np.arange(len(sub))
            err = np.vstack([sub["index"] - sub["ci_lower"], sub["ci_upper"] - sub["index"]])
            ax.errorbar(sub["index"], y, xerr=np.where(np.isfinite(err), err, 0.0), fmt="o", capsize=3)
            ax.set_yticks(y, [str(u) for u in sub["unit"]])
            ax.set_xlabel(f"{construct} index (0-100), {100 * self.level:g}% interval")
        else:
            for unit, g in sub.groupby("unit", sort=True):
                g = g.sort_values("period")
                x = [str(p) for p in g["period"]]
                ax.plot(x, g["index"], marker="o", label=str(unit))
                ax.fill_between(x, g["ci_lower"], g["ci_upper"], alpha=0.15)
            ax.set_ylabel(f"{construct} index (0-100)")
            ax.set_xlabel(self.period)
            ax.legend(loc="best", fontsize="small")
        ax.set_title(f"{construct}: {lv}")
        return fig

    def _summary(self) -> Summary:
        header = [("levels", " > ".join(self.levels)), ("period", self.period or ""),
                  ("bootstrap replicates", self.n_draws), ("level", self.level)]
        keys = ["level", "unit"] + (["period"] if self.period else []) + ["construct"]
        tables = [("indices", self.table.set_index(keys))]
        if len(self.change):
            tables.append(("change", self.change.set_index(["level", "unit", "construct"])))
        return Summary(title="Aggregated ACSI index", header=header, tables=tables, notes=list(self.notes))

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"indices": self.table, "change": self.change}


# ----------------------------------------------------------------------------- API
def aggregate(
    indices: Any,
    weights: Any = "revenue",
    levels: Sequence[str] = ("company", "industry", "sector", "nation"),
    level_weights: Mapping[str, Any] | None = None,
    *,
    period: str | None = None,
    units: pd.DataFrame | None = None,
    exclude: Sequence[Any] = (),
    level: float = 0.95,
) -> NationalIndex:
    """Aggregate company indices to industries, sectors and the nation (ACSI methodology).

    With ``w_c`` the weight of company ``c`` (its revenue) and ``W_u`` the weight of a unit
    ``u`` of a higher level in its parent, every level is a weighted mean of the level below,

    .. math:: I_{\\text{industry}} = \\frac{\\sum_{c} w_c I_c}{\\sum_c w_c},\\qquad
              I_{\\text{parent}} = \\frac{\\sum_{u} W_u I_u}{\\sum_u W_u},

    where by default ``W_u`` is the summed revenue of the unit's companies (revenue
    weighting up the hierarchy) and ``level_weights`` replaces it, e.g. by each sector's
    share of GDP for the national index (Fornell et al. 1996). Intervals: replicate ``b``
    of every aggregate is the same weighted mean of replicate ``b`` of its units (from the
    company bootstraps of :func:`acsi.fit_many`); the percentile interval at ``level`` is
    taken over the aggregated replicates, so dependence through shared companies is kept.

    Parameters
    ----------
    indices : FitManyResult or DataFrame
        A PLS :func:`acsi.fit_many` result (intervals propagated from its bootstrap), or a
        table with the unit column ``levels[0]``, ``index`` (and ``construct``) plus the
        attribute columns (point estimates only; the intervals are then NaN).
    weights : str, mapping or Series, default "revenue"
        Company weights: a column of the data (constant within a company), or
        company -> weight. Finite and >= 0.
    levels : sequence of str
        The hierarchy from the fitted unit to the top, e.g. ``["company", "industry",
        "sector", "nation"]``. Every level but the last is a column; the last may be a
        column or a name for the total (one unit, named by the level).
    level_weights : dict, optional
        ``{level: weights}`` for the units of ``level`` (one of ``levels[1:-1]``) in their
        parent: a column name or a mapping unit -> weight (e.g. ``{"sector":
        {"Finance": 0.21, ...}}``, GDP shares; need not sum to 1). Levels not given weigh
        their units by summed company revenue.
    period : str, optional
        Column (or second group column of the fit) holding the period; every period is
        aggregated on its own and ``change`` compares consecutive periods.
    units : DataFrame, optional
        Attribute table (unit column, hierarchy columns, weights, period) when they are
        not in the fitted data or the indices table.
    exclude : sequence, optional
        Companies to leave out (their weight goes to nobody: the others' shares are
        renormalised); recorded in ``notes``. A company without an index must be excluded
        explicitly.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    NationalIndex
        ``table``, ``change``, ``draws(...)``, ``plot(...)``.

    Raises
    ------
    acsi.DataError
        A missing or negative weight, a hierarchy column that varies within a unit, a
        company without an index (not excluded), a parent whose weights sum to 0.
    acsi.SpecificationError
        Bad ``levels``, ``level_weights`` or ``period``.

    References
    ----------
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The
    American Customer Satisfaction Index: Nature, purpose, and findings. *Journal of
    Marketing*, 60(4), 7-18. American Customer Satisfaction Index (2005). *ACSI
    Methodology Report*. Ann Arbor: Stephen M. Ross School of Business, University of
    Michigan.

    Examples
    --------
    >>> import pandas as pd
    >>> import acsi
    >>> idx = pd.DataFrame({"company": list("ABCD"), "index": [80.0, 70.0, 60.0, 75.0],
    ...                     "industry": ["banks", "banks", "airlines", "hotels"],
    ...                     "sector": ["finance", "finance", "transport", "transport"],
    ...                     "revenue": [3.0, 1.0, 2.0, 2.0]})
    >>> nat = acsi.aggregate(idx, weights="revenue",
    ...                      level_weights={"sector": {"finance": 0.4, "transport": 0.6}})
    >>> float(nat.table.query("level == 'nation'")["index"].iloc[0])  # 0.4 * 77.5 + 0.6 * 67.5
    71.5
    """
    lv = check_level(level)
    if isinstance(levels, str) or not isinstance(levels, Sequence) or len(levels) < 2:
        raise SpecificationError(
            f"levels must list at least two levels, e.g. ['company', 'industry', 'sector', 'nation'], not {levels!r}"
        )
    levels = tuple(str(x) for x in levels)
    if len(set(levels)) != len(levels):
        raise SpecificationError(f"levels {list(levels)} name a level twice")
    unit_col = levels[0]
    from acsi.many import FitManyResult

    if isinstance(indices, FitManyResult):
        recs, attrs, failed = _from_fit_many(indices, unit_col, period)
    elif isinstance(indices, pd.DataFrame):
        if period is not None and period not in indices.columns:
            hint = _hint(period, list(indices.columns))
            raise DataError(f"period={period!r} is not a column of the indices table{hint}")
        recs, attrs = _from_frame(indices, unit_col, period)
        failed = set()
    else:
        raise SpecificationError(
            f"indices must be a FitManyResult (acsi.fit_many) or a DataFrame of indices, not {type(indices).__name__}"
        )
    if units is not None:
        if not isinstance(units, pd.DataFrame) or unit_col not in units.columns:
            raise DataError(f"units must be a DataFrame with the unit column {unit_col!r}")
        attrs = units
    excluded = set(exclude)
    unknown = excluded - {r.unit for r in recs} - failed
    if unknown:
        raise SpecificationError(f"exclude names {sorted(map(str, unknown))}, which are not units of the indices")
    recs = [r for r in recs if r.unit not in excluded]
    bad = sorted({str(r.unit) for r in recs if not np.isfinite(r.index)} | {str(u) for u in failed - excluded})
    if bad:
        raise DataError(
            f"no index for {unit_col} {', '.join(bad)} (failed, or undefined for a construct); "
            "see fm.problems, and leave them out explicitly with exclude=[...]"
        )
    top_is_col = levels[-1] in attrs.columns
    hier = list(levels[1:]) if top_is_col else list(levels[1:-1])
    lw = dict(level_weights or {})
    for k in lw:
        if k not in levels[1:-1]:
            raise SpecificationError(
                f"level_weights names {k!r}; it weighs the units of a level in their parent, so its keys "
                f"are among {list(levels[1:-1])}"
            )

    pairs = sorted({(r.unit, r.period) for r in recs}, key=lambda t: (str(t[1]), str(t[0])))
    u_list = [u for u, _ in pairs]
    p_list = [p for _, p in pairs]
    w_company = _weights_of(weights, u_list, attrs, unit_col, period, "weights", p_list)
    chain: dict[tuple[Any, Any], list[Any]] = {}
    for col in hier:
        a = _attribute(attrs, col, unit_col, period, f"levels ({col})")
        for u, p in pairs:
            ak: Any = (u, p) if period is not None else u
            if ak not in a or pd.isna(a[ak]):
                raise DataError(f"{unit_col} {u!r} has no {col!r}")
            chain.setdefault((u, p), []).append(a[ak])
    for pr in pairs:
        chain.setdefault(pr, [])
        if not top_is_col:
            chain[pr].append(levels[-1])
    for i in range(len(levels) - 2):  # every unit has one parent (per period)
        seen: dict[tuple[Any, Any], Any] = {}
        for (_u, p), ch in chain.items():
            up = (ch[i], p)
            if seen.setdefault(up, ch[i + 1]) != ch[i + 1]:
                raise DataError(
                    f"{levels[i + 1]} {ch[i]!r} belongs to two {levels[i + 2]} units ({seen[up]!r} and "
                    f"{ch[i + 1]!r}); the hierarchy must be nested"
                )

    constructs = list(dict.fromkeys(r.construct for r in recs))
    by_key = {(r.unit, r.period, r.construct): r for r in recs}
    n_list = [r.draws.shape[0] for r in recs if r.draws is not None]
    has_draws = bool(n_list) and all(r.draws is not None for r in recs)
    B = min(n_list) if has_draws else 0
    notes: list[str] = []
    if not has_draws:
        notes.append("no bootstrap replicates for every unit: intervals are NaN (aggregate a PLS "
                     "acsi.fit_many result with bootstrap > 0 to get them)")
    elif len(set(n_list)) > 1:
        notes.append(f"units have between {min(n_list)} and {max(n_list)} successful replicates; the first "
                     f"{B} of each are paired")
    if excluded:
        notes.append(f"excluded by request: {', '.join(map(str, sorted(excluded, key=str)))}")

    rows: list[dict[str, Any]] = []
    draws_out: dict[tuple[Any, ...], np.ndarray] = {}
    periods = sorted(set(p_list), key=str)
    for per in periods:
        members = [(u, per) for u, p in pairs if p == per]
        for c in constructs:
            # level 0: companies
            cur: dict[Any, tuple[float, np.ndarray | None, float, int]] = {}
            parent0 = {u: chain[(u, per)][0] for u, _ in members}
            for u, _ in members:
                r = by_key.get((u, per, c))
                if r is None:
                    raise DataError(f"{unit_col} {u!r} has no index of {c!r}")
                d = r.draws[:B] if (has_draws and r.draws is not None) else None
                cur[u] = (r.index, d, w_company[(u, per)], 1)
            parents = parent0
            for li, lvname in enumerate(levels):
                # emit rows of the current level
                tot_w: dict[Any, float] = {}
                if li < len(levels) - 1:
                    for u, (_, _, w, _) in cur.items():
                        tot_w[parents[u]] = tot_w.get(parents[u], 0.0) + w
                for u, (val, d, w, nc) in cur.items():
                    lo, hi, se, nd = _quantiles(d, lv) if d is not None else (np.nan, np.nan, np.nan, 0)
                    par = parents[u] if li < len(levels) - 1 else None
                    share = w / tot_w[par] if par is not None and tot_w[par] > 0 else (1.0 if par is None else np.nan)
                    row = {"level": lvname, "unit": u, "parent": par, "construct": c, "index": val,
                           "boot_se": se, "ci_lower": lo, "ci_upper": hi, "n_draws": nd, "n_companies": nc,
                           "weight": w, "share": share}
                    if period is not None:
                        row["period"] = per
                    rows.append(row)
                    if d is not None:
                        draws_out[(lvname, u, per, c)] = d
                if li == len(levels) - 1:
                    break
                # aggregate to the next level
                nxt_name = levels[li + 1]
                groups: dict[Any, list[Any]] = {}
                for u in cur:
                    groups.setdefault(parents[u], []).append(u)
                lw_next = lw.get(nxt_name)
                nxt: dict[Any, tuple[float, np.ndarray | None, float, int]] = {}
                for g, us in groups.items():
                    ws = np.array([cur[u][2] for u in us])
                    if not ws.sum() > 0:
                        raise DataError(f"the weights of the units of {nxt_name} {g!r} sum to 0; it cannot be averaged")
                    vals = np.array([cur[u][0] for u in us])
                    val = float(ws @ vals / ws.sum())
                    d = None
                    if has_draws:
                        D = np.column_stack([cur[u][1] for u in us])  # type: ignore[misc]
                        d = D @ ws / ws.sum()
                    nc = int(sum(cur[u][3] for u in us))
                    if lw_next is None:
                        wg = float(ws.sum())
                    else:
                        wg = _level_weight(lw_next, g, nxt_name, attrs, per, period)
                    nxt[g] = (val, d, wg, nc)
                # parents of the next level
                new_par: dict[Any, Any] = {}
                if li + 2 < len(levels):
                    for u, _ in members:
                        new_par[chain[(u, per)][li]] = chain[(u, per)][li + 1]
                else:
                    new_par = {g: None for g in nxt}
                cur, parents = nxt, new_par
    cols = _TABLE_COLS[:3] + (["period"] if period is not None else []) + _TABLE_COLS[3:]
    table = pd.DataFrame(rows, columns=cols)
    if period is not None:
        change = _changes(table, draws_out, period, periods, lv)
    else:
        change = pd.DataFrame(columns=_CHANGE_COLS)
    return NationalIndex(levels=levels, period=period, level=lv, n_draws=B, _table=table, _change=change,
                         _draws=draws_out, notes=tuple(notes))


def _level_weight(spec: Any, unit: Any, level_name: str, attrs: pd.DataFrame, per: Any, period: str | None) -> float:
    if isinstance(spec, str):
        if spec not in attrs.columns:
            hint = _hint(spec, list(attrs.columns))
            raise DataError(f"level_weights[{level_name!r}]: {spec!r} is not a column of the data{hint}")
        sub = attrs[attrs[level_name] == unit]
        if period is not None:
            sub = sub[sub[period] == per]
        vals = sub[spec].dropna().unique()
        if len(vals) != 1:
            raise DataError(
                f"level_weights[{level_name!r}]: column {spec!r} must hold one value for {level_name} {unit!r}, "
                f"found {list(vals)[:4]}"
            )
        v: Any = vals[0]
    elif isinstance(spec, (Mapping, pd.Series)):
        m = dict(spec.items())
        if (unit, per) in m:
            v = m[(unit, per)]
        elif unit in m:
            v = m[unit]
        else:
            raise DataError(f"level_weights[{level_name!r}] has no weight for {unit!r}{_hint(str(unit), list(m))}")
    else:
        raise SpecificationError(
            f"level_weights[{level_name!r}] must be a column name or a mapping unit -> weight, "
            f"not {type(spec).__name__}"
        )
    try:
        fv = float(v)
    except (TypeError, ValueError):
        raise DataError(f"level_weights[{level_name!r}]: the weight of {unit!r} is not a number ({v!r})") from None
    if not (np.isfinite(fv) and fv >= 0):
        raise DataError(f"level_weights[{level_name!r}]: the weight of {unit!r} must be finite and >= 0, not {v!r}")
    return fv


def _changes(table: pd.DataFrame, draws: dict[tuple[Any, ...], np.ndarray], period: str,
             periods: list[Any], lv: float) -> pd.DataFrame:
    """Consecutive-period changes with percentile intervals of the replicate differences.

    Periods are independent samples, so replicate ``b`` of one period minus replicate ``b``
    of the other is a draw of the change; the p-value is ``2 min(p0, 1 - p0)`` with ``p0``
    the share of differences <= 0 (seminr's convention for bootstrap p-values)."""
    rows = []
    key = table.set_index(["level", "unit", "period", "construct"])["index"]
    for (lvname, unit, c), _g in table.groupby(["level", "unit", "construct"], sort=False):
        have = [p for p in periods if (lvname, unit, p, c) in key.index]
        for p0, p1 in zip(have[:-1], have[1:]):
            i0 = float(key[(lvname, unit, p0, c)])
            i1 = float(key[(lvname, unit, p1, c)])
            d0 = draws.get((lvname, unit, p0, c))
            d1 = draws.get((lvname, unit, p1, c))
            lo = hi = pv = np.nan
            nd = 0
            sig: Any = np.nan
            if d0 is not None and d1 is not None:
                m = min(len(d0), len(d1))
                diff = d1[:m] - d0[:m]
                lo, hi, _, nd = _quantiles(diff, lv)
                fin = diff[np.isfinite(diff)]
                if fin.size:
                    q = float(np.mean(fin <= 0))
                    pv = 2.0 * min(q, 1.0 - q)
                    sig = bool(lo > 0 or hi < 0)
            rows.append((lvname, unit, c, p0, p1, i0, i1, i1 - i0, lo, hi, pv, sig, nd))
    return pd.DataFrame(rows, columns=_CHANGE_COLS)
