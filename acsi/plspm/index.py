"""The ACSI 0-100 index of a construct (Fornell et al. 1996) from a PLS fit.

The American Customer Satisfaction Index reports a construct's level on 0-100 from its
PLS outer weights. The standardized weights ``w_i`` are made unstandardized by dividing by
the item SDs (divisor n-1), ``w_i / s_i``, and the index is the position of the weighted
item mean between the weighted theoretical minimum and maximum:

.. math::

    \\text{index} = 100 \\, \\frac{\\sum_i (w_i/s_i)(\\bar x_i - \\min_i)}
                            {\\sum_i (w_i/s_i)(\\max_i - \\min_i)}
                  = \\sum_i v_i \\, 100 \\frac{\\bar x_i - \\min_i}{\\max_i - \\min_i},
    \\qquad v_i = \\frac{(w_i/s_i)(\\max_i - \\min_i)}{\\sum_l (w_l/s_l)(\\max_l - \\min_l)}.

With one scale for all items ``v_i = (w_i/s_i) / \\sum_l (w_l/s_l)``: the unstandardized
weights rescaled to sum to 1, and ``index = 100 (\\sum_i v_i \\bar x_i - \\min) / (\\max -
\\min)``. The rescaled weights ``v_i`` are also the weights of the 0-100 rescaled items in
SmartPLS's importance-performance map, so the index is IPMA's "performance".

The index is a weighted average of the items' 0-100 positions only when every ``v_i`` is
non-negative; a negative weight (typically a reverse-worded item or a suppressor in a Mode
B block) makes it undefined, and :func:`acsi_index` raises :class:`IndexUndefinedError`.

References
----------
Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The American
Customer Satisfaction Index: Nature, purpose, and findings. *Journal of Marketing*, 60(4),
7-18. Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results:
The importance-performance map analysis. *Industrial Management & Data Systems*, 116(9),
1865-1886.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._validation import check_choice, check_scale
from acsi.exceptions import DataError, SpecificationError
from acsi.results.base import ResultMixin, Summary, freeze, frozen_table

__all__ = ["acsi_index", "IndexResult", "IndexUndefinedError", "item_bounds", "rescaled_weights"]


def suggest(name: str, options: Sequence[str]) -> str:
    """"; did you mean 'X'?" for the closest option (case-insensitive match first), or ""."""
    lowered = {str(o).lower(): str(o) for o in options}
    if str(name).lower() in lowered:
        return f"; did you mean {lowered[str(name).lower()]!r}?"
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class IndexUndefinedError(SpecificationError):
    """A construct's ACSI index is undefined because a rescaled outer weight is negative."""


def item_bounds(
    indicators: Sequence[str],
    scale: Any = (1, 10),
    item_scales: Mapping[str, Any] | None = None,
    X: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Theoretical minimum and maximum of each item, checked against the data.

    Parameters
    ----------
    indicators : sequence of str
    scale : (min, max)
        Bounds of every item not in ``item_scales``.
    item_scales : dict, optional
        Item -> (min, max) overrides.
    X : ndarray (n, p), optional
        Data in ``indicators`` order; a value outside its item's bounds raises.

    Returns
    -------
    lo, hi : ndarray (p,)

    Raises
    ------
    acsi.SpecificationError
        A malformed bound or an ``item_scales`` key that is not an item of the model.
    acsi.DataError
        Data outside the theoretical bounds.
    """
    lo0, hi0 = check_scale(scale, "scale")
    lo = np.full(len(indicators), lo0)
    hi = np.full(len(indicators), hi0)
    for name, sc in (item_scales or {}).items():
        if name not in indicators:
            hint = suggest(name, indicators)
            raise SpecificationError(f"item_scales names {name!r}, which is not an indicator of the model{hint}")
        j = list(indicators).index(name)
        lo[j], hi[j] = check_scale(sc, f"item_scales[{name!r}]")
    if X is not None:
        mn = X.min(axis=0)
        mx = X.max(axis=0)
        bad = np.flatnonzero((mn < lo) | (mx > hi))
        if bad.size:
            j = int(bad[0])
            raise DataError(
                f"item {indicators[j]!r} has values from {mn[j]:g} to {mx[j]:g}, outside its scale "
                f"[{lo[j]:g}, {hi[j]:g}]; pass the item's theoretical bounds with scale=(min, max) "
                f"or item_scales={{{indicators[j]!r}: (min, max)}}"
            )
    return lo, hi


def rescaled_weights(W: np.ndarray, sd: np.ndarray, lo: np.ndarray, hi: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rescaled weights ``v`` (p, k): ``(w_i/s_i)(max_i - min_i)``, summing to 1 per construct."""
    u = W * mask * ((hi - lo) / sd)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return u / u.sum(axis=0, keepdims=True)


@dataclass(frozen=True, eq=False)
class IndexResult(ResultMixin):
    """ACSI index of the constructs of a PLS fit.

    Attributes
    ----------
    table : DataFrame
        One row per construct: ``index`` (PLS weights) and ``unit_weighted_index``
        (equal weights), both on 0-100.
    weights : DataFrame
        One row per item: ``construct, indicator, weight`` (standardized outer weight),
        ``sd`` (n-1), ``unstandardized`` (``weight / sd``), ``rescaled`` (``v_i``, summing to
        1 per construct), ``mean``, ``min``, ``max``, ``performance`` (item mean on 0-100).
    scale : tuple
    weighting : str
    """

    _table: pd.DataFrame
    _weights: pd.DataFrame
    scale: tuple[float, float]
    weighting: str
    _X: np.ndarray
    _columns: tuple[str, ...]
    _row_index: pd.Index

    def __post_init__(self) -> None:
        for name in ("_table", "_weights", "_X"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

    @frozen_table
    def table(self) -> pd.DataFrame:
        """One row per construct: ``index`` and ``unit_weighted_index`` (0-100)."""
        return self._table

    @frozen_table
    def weights(self) -> pd.DataFrame:
        """One row per item: the weights used and the item's performance."""
        return self._weights

    @frozen_table
    def scores(self) -> pd.DataFrame:
        """Per-respondent index (rows x constructs) on 0-100: ``sum_i v_i * 100 (x_i - min_i) / (max_i - min_i)``."""
        out = {}
        col = {c: j for j, c in enumerate(self._columns)}
        for construct, grp in self._weights.groupby("construct", sort=False):
            j = [col[x] for x in grp["indicator"]]
            x = self._X[:, j]
            perf = 100.0 * (x - grp["min"].to_numpy()) / (grp["max"].to_numpy() - grp["min"].to_numpy())
            out[construct] = perf @ grp["rescaled"].to_numpy()
        return pd.DataFrame(out, index=self._row_index)[list(self._table.index)]

    def __getitem__(self, construct: str) -> float:
        """The index of one construct."""
        return float(self._table.loc[construct, "index"])

    def _summary(self) -> Summary:
        return Summary(
            title="ACSI index (0-100)",
            header=[("scale", f"{self.scale[0]:g} to {self.scale[1]:g}"), ("weighting", self.weighting)],
            tables=[("index", self._table), ("weights", self._weights.set_index(["construct", "indicator"]))],
            notes=["index = 100 (sum v_i mean_i - min) / (max - min), v_i = unstandardized PLS "
                   "weights rescaled to sum to 1 (Fornell et al. 1996)"],
        )

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"index": self.table, "weights": self.weights}


def acsi_index(
    res: Any,
    scale: Any = (1, 10),
    item_scales: Mapping[str, Any] | None = None,
    constructs: Sequence[str] | None = None,
    *,
    weighting: str = "pls",
) -> IndexResult:
    """ACSI 0-100 index per construct from a PLS fit (Fornell et al. 1996).

    Parameters
    ----------
    res : PLSResult
        ``acsi.pls(...)``; also available as ``res.index(...)``.
    scale : (min, max), default (1, 10)
        Theoretical bounds of the items (the ACSI uses 10-point scales).
    item_scales : dict, optional
        Per-item bounds overriding ``scale``, e.g. ``{"CUSCO": (1, 5)}``.
    constructs : sequence of str, optional
        Constructs to index (default: all).
    weighting : {"pls", "unit"}
        ``"unit"`` gives every item the same weight (the index is then the mean of the
        items' 0-100 positions); use it when PLS weights are negative.

    Returns
    -------
    IndexResult
        ``table`` (``index``, ``unit_weighted_index`` per construct), ``weights`` (the
        weights used), ``scores`` (per respondent, 0-100).

    Raises
    ------
    IndexUndefinedError
        A rescaled weight is negative: the index is then no weighted average of the items.
    acsi.DataError
        Data outside the stated scale.

    Notes
    -----
    ``index = sum_i v_i 100 (mean_i - min_i) / (max_i - min_i)``, ``v_i`` proportional to
    ``(w_i / s_i)(max_i - min_i)`` and summing to 1 (with one scale for all items: the
    unstandardized weights ``w_i / s_i`` rescaled to sum to 1). ``s_i`` is the item SD
    with divisor n-1.

    Examples
    --------
    >>> import acsi
    >>> mobi = acsi.datasets.load_mobi()
    >>> res = acsi.pls("Sat =~ CUSA1 + CUSA2 + CUSA3; Loy =~ CUSL1 + CUSL3; Loy ~ Sat", mobi)
    >>> idx = acsi_index(res, scale=(1, 10))
    >>> round(idx["Sat"], 2), round(float(idx.table.loc["Sat", "unit_weighted_index"]), 2)
    (72.55, 71.97)
    >>> round(float(idx.weights.rescaled[idx.weights.construct == "Sat"].sum()), 12)
    1.0
    """
    weighting = check_choice(weighting, ("pls", "unit"), "weighting")
    spec = res.spec
    X = np.asarray(res.data.X, dtype=np.float64)
    W = np.asarray(res.kernel.W, dtype=np.float64)
    mask = np.asarray(spec.mask, dtype=np.float64)
    inds = tuple(spec.indicators)
    lo, hi = item_bounds(inds, scale, item_scales, X)
    sc = check_scale(scale, "scale")
    if constructs is None:
        chosen = list(range(len(spec.constructs)))
    else:
        if isinstance(constructs, str):
            constructs = [constructs]
        chosen = []
        for cname in constructs:
            if cname not in spec.constructs:
                hint = suggest(cname, spec.constructs)
                raise SpecificationError(f"{cname!r} is not a construct of the model{hint}")
            chosen.append(spec.constructs.index(cname))
    if res.case_weights is None:
        mean = X.mean(axis=0)
        sd = X.std(axis=0, ddof=1)
    else:  # weighted PLS: weighted item means and SDs (divisor sum w - 1)
        cw = np.asarray(res.case_weights, dtype=np.float64)
        mean = cw @ X / cw.sum()
        sd = np.sqrt(cw @ (X - mean) ** 2 / (cw.sum() - 1.0))
    Wuse = mask.copy() if weighting == "unit" else W
    v = rescaled_weights(Wuse, sd if weighting == "pls" else np.ones_like(sd), lo, hi, mask)
    if weighting == "unit":
        v = mask / mask.sum(axis=0, keepdims=True)
    perf = 100.0 * (mean - lo) / (hi - lo)
    rows = []
    wrows = []
    for c in chosen:
        bl = np.flatnonzero(np.asarray(spec.block) == c)
        name = spec.constructs[c]
        neg = [inds[i] for i in bl if v[i, c] < 0]
        if neg:
            detail = ", ".join(f"{inds[i]} ({v[i, c]:+.3f})" for i in bl if v[i, c] < 0)
            raise IndexUndefinedError(
                f"the ACSI index of {name!r} is undefined: the rescaled outer weight of {detail} "
                "is negative, so the weights no longer form a weighted average of the item means "
                "and the index can leave 0-100 without measuring the construct's level. Check "
                "whether the item is reverse-worded (recode it), drop it from the block, or use "
                "equal weights with weighting='unit'."
            )
        idx = float(v[bl, c] @ perf[bl])
        rows.append((name, idx, float(perf[bl].mean())))
        for i in bl:
            wrows.append((name, inds[i], float(W[i, c]), float(sd[i]), float(W[i, c] / sd[i]),
                          float(v[i, c]), float(mean[i]), float(lo[i]), float(hi[i]), float(perf[i])))
    table = pd.DataFrame(rows, columns=["construct", "index", "unit_weighted_index"]).set_index("construct")
    weights = pd.DataFrame(
        wrows,
        columns=[
            "construct", "indicator", "weight", "sd", "unstandardized", "rescaled", "mean", "min", "max",
            "performance",
        ],
    )
    row_index = res.data.index
    if row_index is None or len(row_index) != X.shape[0]:
        row_index = pd.RangeIndex(X.shape[0])
    return IndexResult(
        _table=table, _weights=weights, scale=sc, weighting=weighting, _X=X, _columns=inds, _row_index=row_index
    )
