"""Frequency tables, Likert bins, top/bottom box, multiple-choice summaries and cross-tabs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from acsi._lazy import stats  # scipy.stats, imported on first use
from acsi._validation import check_bool, check_choice, check_int, check_names, check_range, check_resamples, make_rng
from acsi.data import as_frame, check_columns
from acsi.exceptions import (
    DataError,
    DegenerateStatisticWarning,
    MissingDataWarning,
    SpecificationError,
    warn,
)
from acsi.results.base import CopyTables, ResultMixin, Summary, freeze_fields
from acsi.survey._common import (
    Proportion,
    _z,
    as_series,
    check_ci,
    check_scale,
    check_scale_arg,
    col_name,
    drop_missing,
    make_proportion,
    numeric,
    proportion_ci,
)

__all__ = [
    "describe_items",
    "frequencies",
    "likert_bins",
    "likert_table",
    "top_box",
    "bottom_box",
    "multi_select",
    "crosstab",
    "CrosstabResult",
    "DEFAULT_BINS",
    "DEFAULT_BIN_LABELS",
]

#: The seed report's bins for 1-10 items.
DEFAULT_BINS: tuple[tuple[int, int], ...] = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10))
DEFAULT_BIN_LABELS: tuple[str, ...] = ("strongly disagree", "disagree", "neutral", "agree", "strongly agree")


def _mixed_key(v: Any) -> tuple[int, float, str]:
    if isinstance(v, (int, float, np.number)) and not isinstance(v, str):
        return (0, float(v), "")
    return (1, 0.0, str(v))


def frequencies(
    series: Any,
    ci: str | None = "wilson",
    level: float = 0.95,
    labels: Mapping[Any, str] | Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Frequency table of one question: counts, shares and confidence intervals of the shares.

    Each share :math:`p_k = x_k / n` (``n`` the number of non-missing answers) gets a
    binomial interval, by default Wilson's:

    .. math:: \\frac{x + z^2/2}{n + z^2} \\pm \\frac{z}{n + z^2}\\sqrt{\\frac{x(n-x)}{n} + \\frac{z^2}{4}}

    equal to ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    Parameters
    ----------
    series : Series or 1-d array
        The answers. A categorical keeps its categories (in order, zero counts shown);
        otherwise the distinct values are sorted.
    ci : {"wilson", "wald", "agresti_coull", "clopper_pearson", "jeffreys", "jeffreys_modified"} or None
        Interval for each share; ``None`` for none.
    level : float
        Confidence level.
    labels : dict or sequence, optional
        A dict maps each possible answer to the label shown (and fixes the order and the full
        set of answers, so answers nobody gave appear with 0); a sequence lists the possible
        answers in order. An answer not listed raises :class:`~acsi.DataError`.

    Returns
    -------
    DataFrame
        Indexed by answer, columns ``count, share, ci_lower, ci_upper, cumulative_share``;
        ``attrs["n"]`` valid answers, ``attrs["n_missing"]`` missing ones (left out with a
        :class:`~acsi.MissingDataWarning`).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22, 209-212.

    Examples
    --------
    >>> import pandas as pd
    >>> from acsi.survey import frequencies
    >>> t = frequencies(pd.Series(["male"] * 30 + ["female"] * 24, name="Q1"))
    >>> t.round(3)  # doctest: +NORMALIZE_WHITESPACE
            count  share  ci_lower  ci_upper  cumulative_share
    Q1
    female     24  0.444     0.320     0.576             0.444
    male       30  0.556     0.424     0.680             1.000
    """
    if ci is not None:
        ci = check_ci(ci)
    _z(level)
    s = as_series(series, "series")
    name = col_name(s, "series")
    n_missing = int(s.isna().sum())
    valid = drop_missing(s, "series")
    if pd.api.types.is_numeric_dtype(valid.dtype) and not pd.api.types.is_bool_dtype(valid.dtype):
        numeric(valid, "series")  # an infinite or absurdly large answer is a DataError naming it
    if labels is not None:
        if isinstance(labels, Mapping):
            keys, shown = list(labels.keys()), [str(v) for v in labels.values()]
        else:
            keys = list(labels)
            shown = keys
        unknown = valid[~valid.isin(keys)]
        if len(unknown):
            raise DataError(
                f"column {name!r} holds {unknown.iloc[0]!r} (row {unknown.index[0]!r}), which is "
                f"not among the labels given ({', '.join(map(repr, keys[:10]))}); add it to `labels`"
            )
        counts = valid.value_counts().reindex(keys, fill_value=0)
        counts.index = pd.Index(shown, name=name)
    elif isinstance(s.dtype, pd.CategoricalDtype):
        counts = valid.value_counts(sort=False).reindex(s.cat.categories, fill_value=0)
        counts.index = pd.CategoricalIndex(counts.index, categories=s.cat.categories,
                                           ordered=s.cat.ordered, name=name)
    else:
        counts = valid.value_counts()
        try:
            counts = counts.sort_index()
        except TypeError:  # numbers and text mixed: numbers first (in order), then text
            counts = counts.loc[sorted(counts.index, key=_mixed_key)]
        counts.index.name = name
    n = int(counts.sum())
    out = pd.DataFrame({"count": counts.to_numpy(dtype=np.int64)}, index=counts.index)
    out["share"] = out["count"] / n
    if ci is not None:
        lo, hi = proportion_ci(out["count"].to_numpy(), n, ci, level)
        out["ci_lower"] = lo
        out["ci_upper"] = hi
    out["cumulative_share"] = out["share"].cumsum()
    out.attrs.update({"n": n, "n_missing": n_missing, "ci": ci, "level": level})
    return out


def _bins_arg(bins: Any, labels: Any) -> tuple[list[tuple[float, float]], list[str]]:
    if bins is None:
        edges = [(float(lo), float(hi)) for lo, hi in DEFAULT_BINS]
        if labels is None:
            labels = list(DEFAULT_BIN_LABELS)
    elif isinstance(bins, Mapping):
        if labels is not None:
            raise SpecificationError("give the bin labels either as the keys of `bins` or as `labels`, not both")
        labels = [str(k) for k in bins]
        edges = [check_range(v, f"bins[{k!r}]") for k, v in bins.items()]
    elif isinstance(bins, (str, bytes)) or not isinstance(bins, (list, tuple, np.ndarray)):
        raise SpecificationError(
            f"bins must be a list of (lo, hi) ranges or a dict label -> (lo, hi), e.g. [(1, 4), (5, 6), (7, 10)]; "
            f"got {bins!r}"
        )
    else:
        edges = [check_range(b, f"bins[{i}]") for i, b in enumerate(bins)]
    if not edges:
        raise SpecificationError("bins is empty; give at least one (lo, hi) range")
    if labels is None:
        labels = [f"{lo:g}-{hi:g}" if lo != hi else f"{lo:g}" for lo, hi in edges]
    elif isinstance(labels, str):
        raise SpecificationError(f"labels must be a list of bin labels (one per bin), not the string {labels!r}")
    labels = [str(lab) for lab in labels]
    if len(labels) != len(edges):
        raise SpecificationError(
            f"labels: {len(labels)} labels were given for {len(edges)} bins; give one label per bin"
        )
    if len(set(labels)) != len(labels):
        raise SpecificationError(f"labels: bin labels must be distinct, got {labels}")
    srt = sorted(edges)
    for (a0, a1), (b0, b1) in zip(srt, srt[1:]):
        if b0 <= a1:
            raise SpecificationError(f"bins ({a0:g}, {a1:g}) and ({b0:g}, {b1:g}) overlap; give non-overlapping ranges")
    return edges, labels


def likert_bins(
    series: Any,
    bins: Sequence[tuple[float, float]] | Mapping[str, tuple[float, float]] | None = None,
    labels: Sequence[str] | None = None,
) -> pd.Series | pd.DataFrame:
    """Group rating answers into labelled bins (an ordered categorical).

    By default the seed report's bins for 1-10 items: 1-2 strongly disagree, 3-4 disagree,
    5-6 neutral, 7-8 agree, 9-10 strongly agree. A bin ``(lo, hi)`` holds the answers
    :math:`lo \\le x \\le hi`.

    Parameters
    ----------
    series : Series, 1-d array or DataFrame
        Numeric answers; a DataFrame is binned column by column.
    bins : sequence of (lo, hi) or dict label -> (lo, hi), optional
        Inclusive, non-overlapping ranges, in display order.
    labels : sequence of str, optional
        One label per bin (default: the report's labels for the default bins, else "lo-hi").

    Returns
    -------
    Series or DataFrame
        Ordered categoricals with the bin labels as categories; missing stays missing.

    Raises
    ------
    acsi.DataError
        A value that falls in no bin (named with its column and row), or bad bins.

    Examples
    --------
    >>> import pandas as pd
    >>> from acsi.survey import likert_bins
    >>> likert_bins(pd.Series([1, 5, 6, 10], name="Q8")).tolist()
    ['strongly disagree', 'neutral', 'neutral', 'strongly agree']
    >>> likert_bins([2, 7], bins={"low": (1, 4), "mid": (5, 6), "high": (7, 10)}).tolist()
    ['low', 'high']
    """
    if isinstance(series, pd.DataFrame):
        return pd.DataFrame({c: likert_bins(series[c], bins, labels) for c in series.columns}, index=series.index)
    s = as_series(series, "series")
    name = col_name(s, "series")
    x = numeric(s, "series")
    edges, labs = _bins_arg(bins, labels)
    codes = np.full(len(x), -1, dtype=np.int64)
    vals = x.to_numpy(dtype=float)
    for k, (lo, hi) in enumerate(edges):
        codes[(vals >= lo) & (vals <= hi)] = k
    bad = (codes < 0) & ~np.isnan(vals)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"column {name!r} holds {vals[i]:g} (row {s.index[i]!r}), which falls in no bin "
            f"({', '.join(f'{lo:g}-{hi:g}' for lo, hi in edges)}); widen the bins or recode it"
        )
    cat = pd.Categorical.from_codes(codes, categories=labs, ordered=True)
    return pd.Series(cat, index=s.index, name=s.name)


def likert_table(
    data: Any,
    items: Sequence[str] | None = None,
    bins: Sequence[tuple[float, float]] | Mapping[str, tuple[float, float]] | None = None,
    labels: Sequence[str] | None = None,
    normalize: bool = False,
) -> pd.DataFrame:
    """Counts (or shares) of each item's answers per Likert bin: items x bins.

    Missing answers are not counted: a :class:`~acsi.MissingDataWarning` says how many, and
    ``attrs["n_missing"]`` holds the count per item.

    Examples
    --------
    >>> import pandas as pd
    >>> from acsi.survey import likert_table
    >>> df = pd.DataFrame({"Q8": [1, 5, 7, 9], "Q9": [6, 6, 8, 10]})
    >>> likert_table(df)
        strongly disagree  disagree  neutral  agree  strongly agree
    Q8                  1         0        1      1               1
    Q9                  0         0        2      1               1
    """
    normalize = check_bool(normalize, "normalize")
    df = as_frame(data)
    items = [str(c) for c in df.columns] if items is None else check_names(items, "items")
    check_columns(df, items, context="Likert table")
    binned = likert_bins(df[items], bins, labels)
    rows = {c: binned[c].value_counts(sort=False) for c in items}
    out = pd.DataFrame(rows).T.astype("int64")
    out.columns = pd.Index([str(c) for c in out.columns])
    out.attrs["n_missing"] = {c: int(df[c].isna().sum()) for c in items}
    missing = {c: m for c, m in out.attrs["n_missing"].items() if m}
    if missing:
        warn(
            "missing answers were left out of the Likert counts: "
            + ", ".join(f"{c} ({m})" for c, m in missing.items()),
            MissingDataWarning,
        )
    if normalize:
        out = out.div(out.sum(axis=1), axis=0)
    return out


def describe_items(
    data: Any,
    items: Sequence[str] | None = None,
    scale: Sequence[float] = (1, 10),
    k: int = 2,
    level: float = 0.95,
) -> pd.DataFrame:
    """Item statistics of rating questions (SPSS "Descriptives" plus top/bottom box).

    Per item over its non-missing answers: ``n``, ``n_missing``, ``mean``, ``sd`` (ddof = 1),
    ``se`` :math:`= sd/\\sqrt n`, the t interval ``ci_lower``/``ci_upper`` of the mean,
    ``median``, ``min``, ``max``, and the top-``k`` / bottom-``k`` box shares (the ``k``
    highest / lowest scale points).

    Parameters
    ----------
    data : DataFrame
    items : sequence of str, optional
        Default: every column.
    scale : (min, max)
        Answers outside it raise :class:`~acsi.DataError`.
    k : int
        Scale points in the top and bottom boxes.
    level : float

    Returns
    -------
    DataFrame
        Indexed by item.

    Examples
    --------
    >>> from acsi.datasets import load_ebanking
    >>> from acsi.survey import describe_items
    >>> describe_items(load_ebanking(), ["Q8", "Q13"])[["n", "mean", "top2", "bottom2"]].round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
           n   mean   top2  bottom2
    item
    Q8    54  6.407  0.167    0.056
    Q13   54  5.204  0.074    0.130
    """
    _z(level)
    lo, hi = check_scale_arg(scale)
    k = _check_k(k, lo, hi)
    df = as_frame(data)
    items = [str(c) for c in df.columns] if items is None else check_names(items, "items")
    check_columns(df, items, context="item statistics")
    rows = []
    for c in items:
        x = df[c].astype(float)
        v = x.dropna()
        check_scale(v, (lo, hi), c, integers=False)
        n = len(v)
        sd = float(v.std(ddof=1)) if n > 1 else float("nan")
        se = sd / np.sqrt(n) if n > 1 else float("nan")
        tq = float(stats.t.ppf(0.5 + level / 2, n - 1)) if n > 1 else float("nan")
        mean = float(v.mean()) if n else float("nan")
        rows.append({
            "n": n, "n_missing": int(x.isna().sum()), "mean": mean, "sd": sd, "se": se,
            "ci_lower": mean - tq * se, "ci_upper": mean + tq * se,
            "median": float(v.median()) if n else float("nan"),
            "min": float(v.min()) if n else float("nan"), "max": float(v.max()) if n else float("nan"),
            f"top{k}": float((v >= hi - k + 1).mean()) if n else float("nan"),
            f"bottom{k}": float((v <= lo + k - 1).mean()) if n else float("nan"),
        })
    out = pd.DataFrame(rows, index=pd.Index(items, name="item"))
    out.attrs.update({"scale": (lo, hi), "k": k, "level": level})
    return out


def _check_k(k: Any, lo: float, hi: float) -> int:
    points = int(hi - lo + 1)
    kk = check_int(k, "k", minimum=1, hint=f"scale points in the box, at most {points}")
    if kk > points:
        raise SpecificationError(f"k must be an integer between 1 and {points} (the scale's points), not {k!r}")
    return kk


def _box(series: Any, k: int, scale: Sequence[float], top: bool, ci: str, level: float) -> Proportion:
    ci = check_ci(ci)
    _z(level)
    lo, hi = check_scale_arg(scale)
    k = _check_k(k, lo, hi)
    s = as_series(series, "series")
    name = col_name(s, "series")
    x = drop_missing(numeric(s, "series"), "series")
    check_scale(x, (lo, hi), "series")
    mask = x >= hi - k + 1 if top else x <= lo + k - 1
    rng = f"{hi - k + 1:g}-{hi:g}" if top else f"{lo:g}-{lo + k - 1:g}"
    return make_proportion(f"{name}: {'top' if top else 'bottom'}-{k} box ({rng})", int(mask.sum()), len(x), ci, level)


def top_box(series: Any, k: int = 2, scale: Sequence[float] = (1, 10), ci: str = "wilson",
            level: float = 0.95) -> Proportion:
    """Share of answers in the top ``k`` points of the scale, with a Wilson CI.

    For ``scale=(1, 10)`` and ``k=2`` that is the share answering 9 or 10.

    Examples
    --------
    >>> from acsi.survey import top_box
    >>> r = top_box([10, 9, 8, 3, 9], k=2)
    >>> r.count, r.n, r.estimate
    (3, 5, 0.6)
    """
    return _box(series, k, scale, True, ci, level)


def bottom_box(series: Any, k: int = 2, scale: Sequence[float] = (1, 10), ci: str = "wilson",
               level: float = 0.95) -> Proportion:
    """Share of answers in the bottom ``k`` points of the scale, with a Wilson CI.

    Examples
    --------
    >>> from acsi.survey import bottom_box
    >>> bottom_box([1, 2, 5, 9], k=2).estimate
    0.5
    """
    return _box(series, k, scale, False, ci, level)


def multi_select(
    df: Any,
    columns: Sequence[str],
    labels: Mapping[str, str] | None = None,
    ci: str = "wilson",
    level: float = 0.95,
) -> pd.DataFrame:
    """Summary of a multiple-choice question coded as one 0/1 column per option.

    * share of respondents: :math:`x_j / n` (the options' shares sum to more than 1), with a
      Wilson CI;
    * share of mentions: :math:`x_j / \\sum_k x_k` (sums to 1).

    Parameters
    ----------
    df : DataFrame
    columns : sequence of str
        The 0/1 (or boolean) columns, one per option.
    labels : dict, optional
        Column -> option label for the index.

    Returns
    -------
    DataFrame
        Indexed by option: ``count, share_of_respondents, ci_lower, ci_upper,
        share_of_mentions``; ``attrs``: ``n_respondents``, ``n_mentions``,
        ``mean_mentions``, ``n_none`` (respondents who ticked nothing).

    Raises
    ------
    acsi.DataError
        A value other than 0/1, or a missing answer (a blank in a multiple-choice column is
        ambiguous: recode it as 0 if it means "not ticked").

    Examples
    --------
    >>> import pandas as pd
    >>> from acsi.survey import multi_select
    >>> d = pd.DataFrame({"shop": [1, 1, 1, 0], "topup": [0, 1, 0, 1]})
    >>> multi_select(d, ["shop", "topup"])[["count", "share_of_respondents", "share_of_mentions"]]
    ... # doctest: +NORMALIZE_WHITESPACE
            count  share_of_respondents  share_of_mentions
    option
    shop        3                  0.75                0.6
    topup       2                  0.50                0.4
    """
    ci = check_ci(ci)
    _z(level)
    frame = as_frame(df, argument="df")
    columns = check_names(columns, "columns", minimum=1)
    check_columns(frame, columns, context="multiple-choice question")
    sub = frame[columns]
    for c in columns:
        col = sub[c]
        if col.isna().any():
            raise DataError(
                f"column {c!r} has {int(col.isna().sum())} missing answers; in a multiple-choice "
                "question recode them as 0 (not ticked) or drop those respondents first"
            )
        bad = col[~col.isin([0, 1])]
        if len(bad):
            raise DataError(f"column {c!r} holds {bad.iloc[0]!r} (row {bad.index[0]!r}); options must be coded 0/1")
    X = sub.to_numpy(dtype=float)
    n = X.shape[0]
    counts = X.sum(axis=0).astype(np.int64)
    mentions = int(counts.sum())
    lo, hi = proportion_ci(counts, n, ci, level)
    index = [labels.get(c, c) if labels else c for c in columns]
    out = pd.DataFrame(
        {
            "count": counts,
            "share_of_respondents": counts / n,
            "ci_lower": lo,
            "ci_upper": hi,
            "share_of_mentions": counts / mentions if mentions else np.nan,
        },
        index=pd.Index(index, name="option"),
    )
    out.attrs.update(
        {"n_respondents": n, "n_mentions": mentions, "mean_mentions": mentions / n,
         "n_none": int((X.sum(axis=1) == 0).sum()), "ci": ci, "level": level}
    )
    return out


@dataclass(frozen=True, eq=False)
class CrosstabResult(CopyTables, ResultMixin):
    """A cross-tabulation with its test of independence and Cramer's V.

    Attributes
    ----------
    observed, expected : DataFrame
    test : {"chi2", "fisher"}
    statistic : float
        Pearson chi-square (with Yates' correction on 2 x 2 tables when ``correction``), or
        for Fisher's test on a 2 x 2 table the sample odds ratio (NaN for larger tables).
    df : int
    pvalue : float
    cramers_v : float
        :math:`V = \\sqrt{\\chi^2 / (n\\,(\\min(r, c) - 1))}` from the uncorrected chi-square.
    cramers_v_corrected : float
        Bergsma's (2013) bias-corrected V.
    min_expected : float
    n_small_expected : int
        Cells with expected count below 5.
    notes : tuple of str
    """

    observed: pd.DataFrame
    expected: pd.DataFrame
    test: str
    statistic: float
    df: int
    pvalue: float
    chi2: float
    cramers_v: float
    cramers_v_corrected: float
    correction: bool
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        freeze_fields(self)

    @property
    def nobs(self) -> int:
        """Number of respondents in the table."""
        return int(self.observed.to_numpy().sum())

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs` (the older name)."""
        return self.nobs

    @property
    def min_expected(self) -> float:
        """Smallest expected count."""
        return float(self.expected.to_numpy().min())

    @property
    def n_small_expected(self) -> int:
        """Cells with an expected count below 5."""
        return int((self.expected.to_numpy() < 5).sum())

    def _summary(self) -> Summary:
        header: list[tuple[str, Any]] = [
            ("n", self.nobs),
            ("test", "Fisher's exact test" if self.test == "fisher" else
             "Pearson chi-square" + (" (Yates' continuity correction)" if self.correction and self.df == 1 else "")),
        ]
        if self.test == "chi2":
            header += [("chisq", self.statistic), ("df", self.df)]
        header += [("pvalue", self.pvalue), ("Cramer's V", self.cramers_v),
                   ("Cramer's V (bias-corrected)", self.cramers_v_corrected),
                   ("smallest expected count", self.min_expected),
                   ("cells with expected < 5", f"{self.n_small_expected} of {self.expected.size}")]
        return Summary(
            f"Cross-tab {self.observed.index.name} x {self.observed.columns.name}",
            header,
            [("observed", self.observed), ("expected", self.expected)],
            list(self.notes),
        )


def _cramers_v(chi2: float, n: int, r: int, c: int) -> tuple[float, float]:
    k = min(r, c)
    if k < 2:
        return float("nan"), float("nan")
    phi2 = chi2 / n
    v = float(np.sqrt(phi2 / (k - 1)))
    phi2c = max(0.0, phi2 - (r - 1) * (c - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    cc = c - (c - 1) ** 2 / (n - 1)
    den = min(rc - 1, cc - 1)
    vc = float(np.sqrt(phi2c / den)) if den > 0 else float("nan")
    return v, vc


def crosstab(
    a: Any,
    b: Any,
    test: str = "auto",
    correction: bool = True,
    n: int | None = None,
    seed: int | np.random.Generator | None = None,
    *,
    n_resamples: int | None = None,
) -> CrosstabResult:
    """Cross-tabulate two questions and test their independence.

    Pearson's :math:`\\chi^2 = \\sum (O - E)^2 / E` with :math:`E_{ij} = r_i c_j / n` on
    :math:`(r-1)(c-1)` df (as ``scipy.stats.chi2_contingency``; with ``correction`` Yates'
    continuity correction is applied on 1-df tables, like R's ``chisq.test``), or Fisher's exact
    test (``scipy.stats.fisher_exact``, two-sided). Cramer's V is
    :math:`\\sqrt{\\chi^2 / (n(\\min(r,c)-1))}` from the uncorrected statistic; the bias-corrected
    V of Bergsma (2013) replaces :math:`\\phi^2` by :math:`\\max(0, \\phi^2 - (r-1)(c-1)/(n-1))` and
    ``r, c`` by :math:`r - (r-1)^2/(n-1)`, :math:`c - (c-1)^2/(n-1)`.

    Parameters
    ----------
    a, b : Series or 1-d arrays of equal length
        Rows with a missing value in either are left out (with a warning).
    test : {"auto", "chi2", "fisher"}
        ``"auto"`` uses Fisher's exact test on a 2 x 2 table with an expected count below 5
        and the chi-square test otherwise (adding a note when more than 20 % of the expected
        counts are below 5, Cochran's rule).
    correction : bool
        Yates' continuity correction for 1-df chi-square tests.
    n : int, default 9999
        Fisher's test on a table larger than 2 x 2 has no closed form here: its p-value is a
        Monte Carlo estimate from ``n`` (at least 100) random tables with the observed margins
        (``scipy.stats.fisher_exact`` with ``MonteCarloMethod``); a note says so.
    seed : int or Generator, optional
        Seed of that Monte Carlo (pass one for a reproducible p-value).
    n_resamples : int, optional
        Older spelling of ``n`` (accepted alias).

    Returns
    -------
    CrosstabResult

    References
    ----------
    Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed. Wiley.
    Bergsma, W. (2013). A bias-correction for Cramer's V and Tschuprow's T. *Journal of the
    Korean Statistical Society* 42, 323-328.

    Examples
    --------
    >>> from acsi.survey import crosstab
    >>> r = crosstab(["m"] * 6 + ["f"] * 6, ["y"] * 5 + ["n"] * 4 + ["y"] * 3)
    >>> r.test, round(r.pvalue, 4)
    ('fisher', 0.5455)
    """
    test = check_choice(test, ("auto", "chi2", "fisher"), "test", case_sensitive=True)
    correction = check_bool(correction, "correction")
    n_mc = check_resamples(n, old=n_resamples, old_name="n_resamples", default=9999, minimum=100,
                           hint="Monte Carlo tables")
    rng = make_rng(seed)
    sa, sb = as_series(a, "a"), as_series(b, "b")
    if len(sa) != len(sb):
        raise DataError(f"`a` has {len(sa)} answers and `b` {len(sb)}; they must come from the same respondents")
    sa = sa.reset_index(drop=True)
    sb = sb.reset_index(drop=True)
    miss = sa.isna() | sb.isna()
    if miss.all():
        raise DataError("no respondent answered both questions")
    if miss.any():
        warn(f"{int(miss.sum())} of {len(sa)} respondents with a missing answer were left out "
             "of the cross-tab", MissingDataWarning)
    table = pd.crosstab(sa[~miss], sb[~miss])
    table.index.name = col_name(sa, "a")
    table.columns.name = col_name(sb, "b")
    # categories nobody chose (among the rows used) have no expected counts: they are left
    # out of the table and the test, with a note naming them
    unused: list[str] = []
    for ser, labels, nm in ((sa, table.index, table.index.name), (sb, table.columns, table.columns.name)):
        if isinstance(ser.dtype, pd.CategoricalDtype):
            unused += [f"{nm!r} = {v!r}" for v in ser.cat.categories if v not in set(labels)]
    table = table.loc[(table.sum(axis=1) > 0), (table.sum(axis=0) > 0)]
    r, c = table.shape
    if r < 2 or c < 2:
        raise DataError(
            f"the cross-tab of {table.index.name!r} by {table.columns.name!r} is {r} x {c}; each "
            "question needs at least two different answers"
        )
    O = table.to_numpy(dtype=float)
    singles = [f"{table.index.name!r} = {v!r}" for v, t in zip(table.index, O.sum(axis=1)) if t == 1]
    singles += [f"{table.columns.name!r} = {v!r}" for v, t in zip(table.columns, O.sum(axis=0)) if t == 1]
    if singles:
        warn(
            f"{len(singles)} categor{'y has' if len(singles) == 1 else 'ies have'} a single respondent "
            f"({', '.join(singles[:5])}{', ...' if len(singles) > 5 else ''}): a group of one gives no "
            "information on the association and makes the test unstable; merge such categories",
            DegenerateStatisticWarning,
        )
    n = int(O.sum())
    E = np.outer(O.sum(axis=1), O.sum(axis=0)) / n
    dof = (r - 1) * (c - 1)
    chi2_raw = float(((O - E) ** 2 / E).sum())
    v, vc = _cramers_v(chi2_raw, n, r, c)
    notes: list[str] = []
    if unused:
        notes.append(f"Categories without answers were left out of the table and the test: {', '.join(unused)}.")
    small = int((E < 5).sum())
    chosen = test
    if test == "auto":
        chosen = "fisher" if (r == 2 and c == 2 and small > 0) else "chi2"
        if chosen == "fisher":
            notes.append(f"Fisher's exact test was used: {small} of 4 expected counts are below 5.")
    if chosen == "chi2":
        chi = stats.chi2_contingency(O, correction=correction)
        stat, pval = float(chi.statistic), float(chi.pvalue)
        if small / E.size > 0.2:
            notes.append(
                f"{small} of {E.size} expected counts are below 5 (smallest {E.min():.2f}): the "
                "chi-square approximation may be poor; use test='fisher' or merge categories."
            )
            warn(notes[-1], DegenerateStatisticWarning)
    elif r == 2 and c == 2:
        res = stats.fisher_exact(O.astype(np.int64))
        stat, pval = float(res.statistic), float(res.pvalue)
    else:
        res = stats.fisher_exact(O.astype(np.int64), method=stats.MonteCarloMethod(n_resamples=n_mc, rng=rng))
        stat, pval = float("nan"), float(res.pvalue)
        notes.append(
            f"Fisher's test on a {r} x {c} table: Monte Carlo p-value from {n_mc} random tables "
            f"with the observed margins (seed {seed!r})."
        )
    expected = pd.DataFrame(E, index=table.index, columns=table.columns)
    return CrosstabResult(table, expected, chosen, stat, dof, pval, chi2_raw, v, vc, correction, tuple(notes))
