"""Response-style diagnostics: midpoint, extreme and acquiescent answering, straight-lining."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._lazy import special  # scipy's, imported on first use
from acsi._validation import check_choice, check_names, check_range
from acsi.data import prepare_data
from acsi.exceptions import DataError, SpecificationError
from acsi.results.base import CopyTables, ResultMixin, Summary, freeze_fields
from acsi.survey._common import _z, check_scale_arg

__all__ = ["response_styles", "ResponseStyles", "longest_string"]


def longest_string(X: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive answers in each row (kernel, no checks).

    Examples
    --------
    >>> import numpy as np
    >>> longest_string(np.array([[5, 5, 5, 2, 2], [1, 2, 3, 4, 5]])).tolist()
    [3, 1]
    """
    X = np.asarray(X)
    n, p = X.shape
    best = np.ones(n, dtype=np.int64)
    run = np.ones(n, dtype=np.int64)
    for j in range(1, p):
        same = X[:, j] == X[:, j - 1]
        run = np.where(same, run + 1, 1)
        best = np.maximum(best, run)
    return best


def _default_ranges(lo: int, hi: int) -> dict[str, tuple[float, float]]:
    k = hi - lo + 1
    if k < 3:
        raise SpecificationError(
            f"scale=({lo}, {hi}) has fewer than 3 points: no midpoint to speak of; give the full rating scale"
        )
    if k % 2 == 0:
        mid = (lo + k // 2 - 1, lo + k // 2)
    else:
        mid = (lo + k // 2, lo + k // 2)
    width = 2 if k >= 7 else 1
    return {
        "midpoint": (float(mid[0]), float(mid[1])),
        "extreme_low": (float(lo), float(lo + width - 1)),
        "extreme_high": (float(hi - width + 1), float(hi)),
        "agree": (float(mid[1] + 1), float(hi)),
        "disagree": (float(lo), float(mid[0] - 1)),
    }


@dataclass(frozen=True, eq=False)
class ResponseStyles(CopyTables, ResultMixin):
    """Response-style indices per respondent and per item, and their summary.

    Attributes
    ----------
    respondents : DataFrame
        Per respondent: ``midpoint_share``, ``extreme_share``, ``agree_share`` (acquiescence),
        ``disagree_share``, ``sd`` (within-person), ``longest_string``, ``straightlining``.
    items : DataFrame
        Per item: ``mean``, ``sd``, ``midpoint_share``, ``extreme_share``, ``agree_share``,
        ``disagree_share``.
    overall : DataFrame
        Pooled shares over all answers (``count``, ``share``) next to the share an answerer
        spreading evenly over the scale would give (``uniform_share``). The pooled share is the
        mean of the respondents' shares, so its ``se`` is their standard deviation over
        :math:`\\sqrt n` and ``ci_lower``/``ci_upper`` a t interval on ``n - 1`` df: answers are
        clustered in respondents, and a binomial CI over all answers would be too narrow.
    ranges : dict
        The scale ranges used (``midpoint``, ``extreme_low``, ``extreme_high``, ``agree``,
        ``disagree``).
    n_straightliners : int
    """

    respondents: pd.DataFrame
    items: pd.DataFrame
    overall: pd.DataFrame
    ranges: dict[str, tuple[float, float]]
    scale: tuple[float, float]
    n_straightliners: int

    def __post_init__(self) -> None:
        freeze_fields(self)

    @property
    def nobs(self) -> int:
        """Respondents analysed."""
        return len(self.respondents)

    @property
    def midpoint_share(self) -> float:
        """Share of all answers at the midpoint."""
        return float(self.overall.loc["midpoint", "share"])

    def _summary(self) -> Summary:
        r = self.ranges
        header = [
            ("respondents", len(self.respondents)),
            ("items", len(self.items)),
            ("scale", f"{self.scale[0]:g}-{self.scale[1]:g}"),
            ("midpoint", f"{r['midpoint'][0]:g}-{r['midpoint'][1]:g}"),
            (
                "extreme",
                f"{r['extreme_low'][0]:g}-{r['extreme_low'][1]:g} and "
                f"{r['extreme_high'][0]:g}-{r['extreme_high'][1]:g}",
            ),
            ("straight-liners (all answers identical)", self.n_straightliners),
        ]
        m = self.overall.loc["midpoint"]
        verdict = (
            f"Midpoint answers are {m['share']:.1%} of all answers (CI {m['ci_lower']:.1%} to {m['ci_upper']:.1%}) "
            f"against {m['uniform_share']:.1%} for an answerer spreading evenly over the scale: "
            + ("more than uniform (central tendency present)." if m["ci_lower"] > m["uniform_share"]
               else "no sign of central tendency beyond that." if m["ci_upper"] >= m["uniform_share"]
               else "fewer than uniform.")
        )
        return Summary("Response styles", header, [("pooled answers", self.overall), ("items", self.items)], [verdict])


def response_styles(
    data: Any,
    items: Sequence[str],
    scale: Sequence[float] = (1, 10),
    midpoint: Sequence[float] | None = None,
    extreme: Sequence[Sequence[float]] | None = None,
    agree: Sequence[float] | None = None,
    level: float = 0.95,
    missing: str = "listwise",
) -> ResponseStyles:
    """Measure midpoint, extreme and acquiescent responding and straight-lining.

    For each respondent :math:`i` over the items, the share of answers in a range ``A`` is
    :math:`\\frac{1}{p}\\sum_j 1(x_{ij} \\in A)`; the same per item over respondents, and
    pooled over all answers with a CI from the spread of the respondents' shares. Default
    ranges on a ``k``-point scale: the midpoint is the middle point (odd ``k``) or the middle
    two (even ``k``; 5-6 on 1-10); the
    extremes the two lowest and two highest points for ``k >= 7`` (1-2 and 9-10), else the
    endpoints; "agree" every point above the midpoint (7-10 on 1-10, acquiescence), "disagree"
    every point below. A straight-liner gives the same answer to every item;
    ``longest_string`` is the longest run of identical consecutive answers (in the order of
    ``items``).

    Parameters
    ----------
    data : DataFrame
    items : sequence of str
        At least two rating items on the same scale.
    scale : (min, max)
        Whole-number scale; answers outside it raise :class:`~acsi.DataError`.
    midpoint, agree : (lo, hi), optional
        Override the default ranges.
    extreme : ((lo, hi), (lo, hi)), optional
        Low and high extreme ranges.
    level : float
    missing : {"listwise", "mean", "error"}

    Returns
    -------
    ResponseStyles

    References
    ----------
    Baumgartner, H. and Steenkamp, J.-B. E. M. (2001). Response styles in marketing
    research: a cross-national investigation. *Journal of Marketing Research* 38, 143-156.

    Examples
    --------
    >>> from acsi.datasets import load_ebanking
    >>> from acsi.survey import response_styles
    >>> rs = response_styles(load_ebanking(), [f"Q{k}" for k in range(8, 16)])
    >>> rs.ranges["midpoint"], round(rs.midpoint_share, 3)
    ((5.0, 6.0), 0.25)
    """
    _z(level)  # validates the level
    items = check_names(items, "items")
    if len(items) < 2:
        raise SpecificationError(f"items: response styles need at least two items, got {items!r}")
    lo, hi = check_scale_arg(scale)
    if lo != int(lo) or hi != int(hi):
        raise SpecificationError(f"scale={tuple(scale)!r} must be whole numbers (the points of a rating scale)")
    missing = check_choice(missing, ("listwise", "mean", "error"), "missing", case_sensitive=True)
    mid = None if midpoint is None else check_range(midpoint, "midpoint")
    agr = None if agree is None else check_range(agree, "agree")
    ext = None
    if extreme is not None:
        if isinstance(extreme, (str, bytes)) or not isinstance(extreme, (list, tuple)) or len(extreme) != 2:
            raise SpecificationError(
                f"extreme must be two ranges ((lo, hi), (lo, hi)), e.g. ((1, 2), (9, 10)); got {extreme!r}"
            )
        ext = (check_range(extreme[0], "extreme[0]"), check_range(extreme[1], "extreme[1]"))
    prep = prepare_data(data, items, missing=missing, context="response-style analysis")  # type: ignore[arg-type]
    X = prep.X
    out_of = (X < lo) | (X > hi) | (X != np.round(X))
    if out_of.any():
        i, j = (int(v[0]) for v in np.where(out_of))
        raise DataError(
            f"column {items[j]!r} holds {X[i, j]:g} (row {prep.index[i]!r}), not a point of the scale "
            f"{lo:g}-{hi:g}; pass the right scale=(min, max)"
        )
    ranges = _default_ranges(int(lo), int(hi))
    if mid is not None:
        ranges["midpoint"] = mid
    if agr is not None:
        ranges["agree"] = agr
    if ext is not None:
        ranges["extreme_low"], ranges["extreme_high"] = ext

    def inside(key: str) -> np.ndarray:
        a, b = ranges[key]
        return (X >= a) & (X <= b)

    M = inside("midpoint")
    E = inside("extreme_low") | inside("extreme_high")
    A = inside("agree")
    D = inside("disagree") if ranges["disagree"][0] <= ranges["disagree"][1] else np.zeros_like(M)
    ls = longest_string(X)
    p = X.shape[1]
    respondents = pd.DataFrame(
        {
            "midpoint_share": M.mean(axis=1),
            "extreme_share": E.mean(axis=1),
            "agree_share": A.mean(axis=1),
            "disagree_share": D.mean(axis=1),
            "sd": X.std(axis=1, ddof=1),
            "longest_string": ls,
            "straightlining": ls == p,
        },
        index=prep.index,
    )
    item_table = pd.DataFrame(
        {
            "mean": X.mean(axis=0),
            "sd": X.std(axis=0, ddof=1),
            "midpoint_share": M.mean(axis=0),
            "extreme_share": E.mean(axis=0),
            "agree_share": A.mean(axis=0),
            "disagree_share": D.mean(axis=0),
        },
        index=pd.Index(items, name="item"),
    )
    k = hi - lo + 1
    total = X.size

    def width(key: str) -> float:
        a, b = ranges[key]
        return max(b - a + 1, 0.0)

    counts = np.array([M.sum(), E.sum(), A.sum(), D.sum()], dtype=float)
    uniform = np.array([width("midpoint"), width("extreme_low") + width("extreme_high"),
                        width("agree"), width("disagree")]) / k
    # pooled share = mean of the respondents' shares; its CI comes from their spread (answers
    # are clustered in respondents, so a binomial CI over all answers would be too narrow)
    per = np.column_stack([M.mean(axis=1), E.mean(axis=1), A.mean(axis=1), D.mean(axis=1)])
    n = per.shape[0]
    se = per.std(axis=0, ddof=1) / np.sqrt(n)
    tq = float(special.stdtrit(n - 1, 0.5 + level / 2))  # t quantile (scipy.stats.t.ppf)
    share = counts / total
    overall = pd.DataFrame(
        {"count": counts.astype(np.int64), "share": share, "se": se, "ci_lower": share - tq * se,
         "ci_upper": share + tq * se, "uniform_share": uniform},
        index=pd.Index(["midpoint", "extreme", "agree", "disagree"], name="style"),
    )
    overall.attrs["n_answers"] = total
    return ResponseStyles(respondents, item_table, overall, ranges, (lo, hi), int((ls == p).sum()))
