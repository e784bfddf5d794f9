"""Rating scales of survey items: declared, read from file metadata, or inferred and stated.

Every analysis that depends on where an answer sits on its scale (the 0-100 index, top and
bottom boxes, Likert bins, the "satisfied" and "loyal" thresholds, response styles) needs
the item's scale. :func:`resolve_scales` finds it for every item, in this order:

1. declared per item (``item_scales``, e.g. an item map line ``quality[1-7]: q1 q2``);
2. declared for all items (``scale=(min, max)``, ``--scale MIN MAX``);
3. the file's metadata (SPSS value labels: the lowest and highest labelled code);
4. inferred from the answers: the observed minimum and maximum snapped to the smallest
   common scale holding them (:data:`COMMON_SCALES`: 1-5, 1-6, 1-7, 1-10, 0-10), or the
   observed range when none holds them. Answers with decimals (means of items, say) make a
   continuous score on that range.

The source is kept with the scale (:attr:`ItemScale.source`), so that a report can state
"scale inferred from the data: 1-7". A declared scale is checked: an answer outside it is a
:class:`~acsi.DataError` naming the item and the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._validation import check_scale
from acsi.exceptions import DataError, SpecificationError

__all__ = ["COMMON_SCALES", "ItemScale", "infer_scale", "resolve_scales", "default_bins",
           "default_threshold", "parse_scale_text"]

#: Scales an inferred scale snaps to, smallest first (the first one holding the answers wins).
COMMON_SCALES: tuple[tuple[float, float], ...] = ((1.0, 5.0), (1.0, 6.0), (1.0, 7.0), (1.0, 10.0), (0.0, 10.0))

#: Where a scale came from.
SOURCES = ("item", "declared", "metadata", "inferred")


@dataclass(frozen=True)
class ItemScale:
    """The scale of one item.

    Attributes
    ----------
    lo, hi : float
        The lowest and highest possible answer.
    source : {"item", "declared", "metadata", "inferred"}
        Declared for this item, declared for all items, from the file's value labels, or
        inferred from the answers.
    continuous : bool
        The answers hold decimals (a score such as a mean of items), not scale points.
    """

    lo: float
    hi: float
    source: str = "declared"
    continuous: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.lo, self.hi)

    @property
    def text(self) -> str:
        """``"1-7"``."""
        return f"{self.lo:g}-{self.hi:g}"

    @property
    def points(self) -> int:
        """Number of scale points (0 for a continuous score)."""
        return 0 if self.continuous else int(round(self.hi - self.lo)) + 1


def parse_scale_text(text: str, where: str) -> tuple[float, float]:
    """``"1-7"``, ``"0..10"`` or ``"1,5"`` -> ``(1.0, 7.0)``; ``where`` names the source in errors.

    Examples
    --------
    >>> parse_scale_text("1-7", "item map line 1")
    (1.0, 7.0)
    >>> parse_scale_text("0..10", "x")
    (0.0, 10.0)
    """
    import re

    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(?:-|\.\.|,|to)\s*(-?\d+(?:\.\d+)?)\s*", text)
    if not m:
        raise SpecificationError(f"{where}: scale {text!r} is not 'MIN-MAX' (e.g. 1-7 or 0-10)")
    lo, hi = float(m.group(1)), float(m.group(2))
    if not lo < hi:
        raise SpecificationError(f"{where}: scale {text!r} needs MIN below MAX")
    return lo, hi


def infer_scale(values: Any, name: str = "") -> ItemScale:
    """The scale of answers without a declared one: the observed range snapped to a common scale.

    Whole-number answers between 1 and 7 give 1-7, between 0 and 8 give 0-10; answers with
    decimals give a continuous score on the same range. Answers that no common scale holds
    (a -99 code, a 0-100 score, 1-11) are a :class:`~acsi.DataError`: declare the scale or
    the missing-value code.

    Examples
    --------
    >>> infer_scale([2, 5, 7]).text, infer_scale([0, 8]).text, infer_scale([1.5, 4.25]).continuous
    ('1-7', '0-10', True)
    """
    x = np.asarray(pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce"), dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise DataError("no answers to infer a scale from; declare the scale (scale=(min, max) or --scale MIN MAX)")
    mn, mx = float(x.min()), float(x.max())
    continuous = bool(np.any(x != np.round(x)))
    for lo, hi in COMMON_SCALES:
        if lo <= mn and mx <= hi:
            return ItemScale(lo, hi, "inferred", continuous)
    v = mn if mn < 0 else mx
    raise DataError(
        f"{name or 'the item'} holds {v:g}: its answers ({mn:g} to {mx:g}) fit none of the common rating scales "
        "(1-5, 1-6, 1-7, 1-10, 0-10); give the scale (scale=(min, max) / --scale MIN MAX, or per item), or, if "
        f"{v:g} is a code for 'no answer', declare it (na_values / --na-values {v:g})"
    )


def resolve_scales(
    data: pd.DataFrame,
    items: Sequence[str],
    scale: Sequence[float] | None = None,
    item_scales: Mapping[str, Sequence[float]] | None = None,
    value_labels: Mapping[str, Mapping[Any, Any]] | None = None,
) -> dict[str, ItemScale]:
    """The scale of every item (see the module docstring for the order), checked against the answers.

    Parameters
    ----------
    data : DataFrame
        The answers (declared missing codes already missing).
    items : sequence of str
    scale : (min, max), optional
        One scale for every item without its own.
    item_scales : dict item -> (min, max), optional
    value_labels : dict item -> {code: label}, optional
        SPSS value labels (``DataFrame.attrs["value_labels"]`` of :func:`acsi.cli.read_data`).

    Raises
    ------
    acsi.DataError
        An answer outside its item's declared scale (names the item and the value).
    acsi.SpecificationError
        A malformed scale, or ``item_scales`` naming a column that is not an item.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 7, 4], "b": [2, 5, 3]})
    >>> {k: (v.text, v.source) for k, v in resolve_scales(df, ["a", "b"], item_scales={"b": (1, 5)}).items()}
    {'a': ('1-7', 'inferred'), 'b': ('1-5', 'item')}
    """
    base = None if scale is None else check_scale(scale, "scale")
    own = {}
    for name, bounds in (item_scales or {}).items():
        if name not in items:
            raise SpecificationError(f"item_scales names {name!r}, which is not an item of the model")
        own[name] = check_scale(bounds, f"item_scales[{name!r}]")
    out: dict[str, ItemScale] = {}
    sc: ItemScale
    for it in items:
        x = pd.to_numeric(data[it], errors="coerce").to_numpy(dtype=float)
        obs = x[np.isfinite(x)]
        continuous = bool(np.any(obs != np.round(obs)))
        if it in own:
            sc = ItemScale(*own[it], "item", continuous)
        elif base is not None:
            sc = ItemScale(*base, "declared", continuous)
        elif value_labels and it in value_labels and len(value_labels[it]) >= 2:
            codes = [float(c) for c in value_labels[it] if isinstance(c, (int, float, np.number))]
            lo, hi = (min(codes), max(codes)) if len(codes) >= 2 else (np.nan, np.nan)
            if np.isfinite(lo) and lo < hi and (obs.size == 0 or (obs.min() >= lo and obs.max() <= hi)):
                sc = ItemScale(lo, hi, "metadata", continuous)
            else:
                if obs.size == 0:
                    raise DataError(f"item {it!r} has no answers: no scale can be inferred; declare its scale")
                sc = infer_scale(obs, f"item {it!r}")
        else:
            if obs.size == 0:
                raise DataError(f"item {it!r} has no answers: no scale can be inferred; declare its scale")
            sc = infer_scale(obs, f"item {it!r}")
        outside = obs[(obs < sc.lo) | (obs > sc.hi)]
        if outside.size:
            how = {"item": "declared for it", "declared": "declared", "metadata": "of its value labels"}[sc.source]
            raise DataError(
                f"item {it!r} holds {outside[0]:g}, outside its scale {sc.text} ({how}); correct the value, "
                f"declare it missing (na_values / --na-values {outside[0]:g}) or give the right scale"
            )
        out[it] = sc
    return out


def default_bins(sc: ItemScale) -> tuple[list[tuple[float, float]], list[str]]:
    """Bins for the answer distribution of an item: one per scale point on a scale of up to 7
    points; pairs of points on 1-10 (the seed report's 1-2 ... 9-10); on 0-10 the NPS-style
    0-2 / 3-4 / 5 / 6-7 / 8-10 split into five; five equal intervals for a continuous score.
    Labels are the ranges (``"1-2"``, ``"7"``).

    Examples
    --------
    >>> default_bins(ItemScale(1, 5))[1]
    ['1', '2', '3', '4', '5']
    >>> default_bins(ItemScale(1, 10))[1]
    ['1-2', '3-4', '5-6', '7-8', '9-10']
    """
    lo, hi = sc.lo, sc.hi
    if sc.continuous:
        edges = np.linspace(lo, hi, 6)
        eps = 1e-9 * (hi - lo)
        bins = [(float(edges[k]) if k == 0 else float(edges[k]) + eps, float(edges[k + 1])) for k in range(5)]
        labels = [f"{edges[k]:.3g}-{edges[k + 1]:.3g}" for k in range(5)]
        return bins, labels
    k = sc.points
    if k <= 7:
        pts = [lo + j for j in range(k)]
        return [(p, p) for p in pts], [f"{p:g}" for p in pts]
    if (lo, hi) == (0.0, 10.0):
        bins = [(0.0, 2.0), (3.0, 4.0), (5.0, 5.0), (6.0, 7.0), (8.0, 10.0)]
    else:
        cuts = np.linspace(lo, hi + 1, 6)
        bins = [(float(np.ceil(cuts[j] - 1e-9)), float(np.ceil(cuts[j + 1] - 1e-9)) - 1) for j in range(5)]
    return bins, [f"{a:g}-{b:g}" if a != b else f"{a:g}" for a, b in bins]


def default_threshold(sc: ItemScale, top: float = 0.3) -> float:
    """The default "satisfied" / "loyal" cut-off: the top ``top`` share of the scale's range,
    ``hi - top * (hi - lo)`` (1-10: 7.3; 1-7: 5.2; 1-5: 3.8; 0-10: 7). A respondent qualifies
    when the mean of the items is at least this value.

    Examples
    --------
    >>> default_threshold(ItemScale(1, 7)), default_threshold(ItemScale(0, 10))
    (5.2, 7.0)
    """
    return round(sc.hi - top * (sc.hi - sc.lo), 10)
