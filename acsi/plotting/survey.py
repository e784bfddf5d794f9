"""Survey plots: diverging stacked Likert bars, frequency bars with CIs, correlation heatmap.

Every function draws on a new :class:`matplotlib.figure.Figure` (no pyplot state, safe on
the Agg backend and in servers) and returns it, or draws into a given Axes and returns that
Axes. Save with ``fig.savefig("plot.png", dpi=150)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from acsi.data import as_frame, prepare_data
from acsi.exceptions import DataError
from acsi.survey.descriptives import frequencies, likert_table

__all__ = ["likert_bars", "frequency_bars", "correlation_heatmap"]


def _new_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _diverging_colors(k: int, neutral: int | None) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["RdBu"]
    if k == 1:
        return [cmap(0.75)]
    cols = [cmap(v) for v in np.linspace(0.08, 0.92, k)]
    if neutral is not None:
        cols[neutral] = (0.82, 0.82, 0.82, 1.0)
    return cols


def likert_bars(
    data: Any,
    items: Sequence[str] | None = None,
    *,
    bins: Sequence[tuple[float, float]] | Mapping[str, tuple[float, float]] | None = None,
    labels: Sequence[str] | None = None,
    neutral: str | None = "auto",
    item_labels: Mapping[str, str] | None = None,
    sort: bool = False,
    annotate: bool = True,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Diverging stacked bars of rating items, centred on the neutral category.

    Each item is one horizontal bar split into the shares of its Likert bins (by default the
    seed report's 1-2 / 3-4 / 5-6 / 7-8 / 9-10 bins): disagreement to the left of 0, agreement
    to the right, the neutral share straddling 0 (half on each side).

    Parameters
    ----------
    data : DataFrame
        Numeric rating items.
    items : sequence of str, optional
        Items to plot, top to bottom (default: every column).
    bins, labels
        As :func:`acsi.survey.likert_bins`.
    neutral : str, "auto" or None
        Label of the centre bin; ``"auto"`` takes the middle bin when the number of bins is
        odd; ``None`` (or an even number of bins with "auto") splits the bins at the middle
        with nothing straddling 0.
    item_labels : dict, optional
        Item -> text shown on the axis (e.g. the question wording); wrapped at 40 characters.
    sort : bool
        Order the items by their agreement share (most agreement on top).
    annotate : bool
        Write the percentage in segments of at least 6 %.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure (or the given Axes)

    Examples
    --------
    >>> from acsi.datasets import load_ebanking
    >>> from acsi.plotting import likert_bars
    >>> fig = likert_bars(load_ebanking(), [f"Q{k}" for k in range(8, 16)])  # doctest: +SKIP
    """
    df = as_frame(data)
    items = [str(c) for c in (items if items is not None else df.columns)]
    counts = likert_table(df, items, bins=bins, labels=labels)
    n = counts.sum(axis=1)
    if (n == 0).any():
        raise DataError(f"item {counts.index[int(np.argmax((n == 0).to_numpy()))]!r} has no answer to plot")
    shares = counts.div(n, axis=0)
    cats = list(shares.columns)
    k = len(cats)
    if neutral == "auto":
        mid: int | None = k // 2 if k % 2 == 1 else None
    elif neutral is None:
        mid = None
    else:
        if neutral not in cats:
            raise DataError(f"neutral={neutral!r} is not one of the bin labels {cats}")
        mid = cats.index(neutral)
    split = mid if mid is not None else k // 2  # bins [0, split) are negative
    S = shares.to_numpy()
    centre = S[:, mid] / 2 if mid is not None else np.zeros(len(items))
    left_total = S[:, :split].sum(axis=1) + centre
    if sort:
        right_total = S[:, (mid + 1 if mid is not None else split):].sum(axis=1)
        order = np.argsort(-right_total, kind="stable")
        S, left_total, centre = S[order], left_total[order], centre[order]
        items = [items[i] for i in order]
    import textwrap

    shown = [textwrap.fill(str(item_labels.get(i, i) if item_labels else i), 40) for i in items]
    widest = max(len(line) for lab in shown for line in lab.split("\n"))
    lines = max(lab.count("\n") + 1 for lab in shown)
    fig, axis = _new_axes(ax, (7.0 + 0.075 * widest, (0.45 + 0.17 * (lines - 1)) * len(items) + 1.6))
    y = np.arange(len(items))[::-1]
    colors = _diverging_colors(k, mid)
    start = -left_total.copy()
    for j, cat in enumerate(cats):
        width = S[:, j]
        bars = axis.barh(y, width * 100, left=start * 100, color=colors[j], edgecolor="white",
                         linewidth=0.6, label=cat, height=0.7)
        if annotate:
            for rect, w in zip(bars, width):
                if w >= 0.06:
                    r, g, b, _ = colors[j]
                    dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
                    axis.text(rect.get_x() + rect.get_width() / 2, rect.get_y() + rect.get_height() / 2,
                              f"{100 * w:.0f}", ha="center", va="center", fontsize=7.5,
                              color="white" if dark else "black")
        start = start + width
    axis.axvline(0, color="#444444", linewidth=0.8)
    lim = 100 * max(float(left_total.max()), float((S.sum(axis=1) - left_total).max()), 0.05)
    lim = min(100.0, np.ceil(lim / 10) * 10)
    axis.set_xlim(-lim, lim)
    ticks = axis.get_xticks()
    axis.set_xticks(ticks)
    axis.set_xticklabels([f"{abs(t):.0f}%" for t in ticks])
    axis.set_xlim(-lim, lim)
    axis.set_yticks(y)
    axis.set_yticklabels(shown, fontsize=9 if lines > 1 else None)
    axis.set_xlabel("share of answers (disagree left, agree right)")
    axis.legend(ncols=min(k, 5), loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(items) > 3 else -0.25),
                frameon=False, fontsize=8)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    if title:
        axis.set_title(title)
    return axis if ax is not None else fig


def frequency_bars(
    data: Any,
    *,
    ci: str | None = "wilson",
    level: float = 0.95,
    labels: Mapping[Any, str] | Sequence[Any] | None = None,
    horizontal: bool = False,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Bar chart of a question's answer shares with confidence-interval whiskers.

    Parameters
    ----------
    data : Series, 1-d array, or a table from :func:`acsi.survey.frequencies`
        The answers (their frequency table is computed, with Wilson CIs by default), or a
        frequency table with ``share`` (and ``ci_lower``, ``ci_upper``) columns, such as
        :func:`acsi.survey.multi_select`'s (column ``share_of_respondents`` is used there).
    ci, level, labels
        As :func:`acsi.survey.frequencies`; ``ci=None`` draws no whiskers.
    horizontal : bool
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure (or the given Axes)

    Examples
    --------
    >>> from acsi.datasets import load_ebanking
    >>> from acsi.plotting import frequency_bars
    >>> fig = frequency_bars(load_ebanking()["Q5"])  # doctest: +SKIP
    """
    if isinstance(data, pd.DataFrame) and ({"share", "count"} <= set(data.columns)
                                            or {"share_of_respondents", "count"} <= set(data.columns)):
        table = data.rename(columns={"share_of_respondents": "share"})
        name = table.index.name
    else:
        table = frequencies(data, ci=ci, level=level, labels=labels)
        name = table.index.name
    has_ci = ci is not None and {"ci_lower", "ci_upper"} <= set(table.columns)
    cats = [str(c) for c in table.index]
    share = table["share"].to_numpy(dtype=float) * 100
    fig, axis = _new_axes(ax, (7.0, 4.0) if not horizontal else (7.0, 0.45 * len(cats) + 1.4))
    pos = np.arange(len(cats))
    err = None
    if has_ci:
        lo = table["ci_lower"].to_numpy(dtype=float) * 100
        hi = table["ci_upper"].to_numpy(dtype=float) * 100
        err = np.vstack([share - lo, hi - share])
    color = "#1f4e79"
    if horizontal:
        pos = pos[::-1]
        bars = axis.barh(pos, share, xerr=err, color=color, ecolor="#333333", capsize=3, height=0.65)
        axis.set_yticks(pos)
        axis.set_yticklabels(cats)
        axis.set_xlabel("share of respondents (%)")
    else:
        bars = axis.bar(pos, share, yerr=err, color=color, ecolor="#333333", capsize=3, width=0.65)
        axis.set_xticks(pos)
        axis.set_xticklabels(cats, rotation=30 if max(map(len, cats)) > 8 else 0,
                             ha="right" if max(map(len, cats)) > 8 else "center")
        axis.set_ylabel("share of respondents (%)")
    counts = table["count"].to_numpy()
    top = hi if has_ci else share
    if horizontal:
        axis.set_xlim(0, min(100.0, float(np.max(top))) * 1.1 + 12)
    for rect, c, s, t in zip(bars, counts, share, top):
        if horizontal:
            axis.text(t + 1.5, rect.get_y() + rect.get_height() / 2, f"{int(c)} ({s:.0f}%)",
                      va="center", ha="left", fontsize=8)
        else:
            axis.text(rect.get_x() + rect.get_width() / 2, 1, f"{int(c)}\n({s:.0f}%)", ha="center",
                      va="bottom", fontsize=8, color="white")
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    if title or name:
        axis.set_title(title if title else str(name))
    if has_ci:
        axis.annotate(f"whiskers: {level:.0%} {ci} CI", xy=(1, 1), xycoords="axes fraction",
                      ha="right", va="bottom", fontsize=7, color="#555555")
    return axis if ax is not None else fig


def correlation_heatmap(
    data: Any,
    items: Sequence[str] | None = None,
    *,
    method: str = "pearson",
    annotate: bool = True,
    digits: int = 2,
    lower: bool = False,
    missing: str = "listwise",
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Annotated heatmap of the item correlation matrix (colour scale fixed at -1 to 1).

    Parameters
    ----------
    data : DataFrame
    items : sequence of str, optional
        Items in display order (default: every column).
    method : {"pearson", "spearman"}
    annotate : bool
        Write each correlation in its cell.
    digits : int
    lower : bool
        Show only the lower triangle (with the diagonal).
    missing : {"listwise", "mean", "error"}
        Missing-data policy (:func:`acsi.data.prepare_data`).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure (or the given Axes)

    Examples
    --------
    >>> from acsi.datasets import load_ebanking
    >>> from acsi.plotting import correlation_heatmap
    >>> fig = correlation_heatmap(load_ebanking(), [f"Q{k}" for k in range(8, 18)])  # doctest: +SKIP
    """
    df = as_frame(data)
    items = [str(c) for c in (items if items is not None else df.columns)]
    if len(items) < 2:
        raise DataError("a correlation heatmap needs at least two items")
    if method not in ("pearson", "spearman"):
        raise DataError(f"method={method!r} must be 'pearson' or 'spearman'")
    prep = prepare_data(df, items, missing=missing, context="correlation heatmap")  # type: ignore[arg-type]
    X = prep.X
    sd = X.std(axis=0)
    if (sd == 0).any():
        raise DataError(f"item {items[int(np.argmax(sd == 0))]!r} is constant: its correlations are undefined")
    if method == "spearman":
        from scipy.stats import rankdata

        X = np.apply_along_axis(rankdata, 0, X)
    R = np.corrcoef(X, rowvar=False)
    p = len(items)
    shown = R.copy()
    if lower:
        shown[np.triu_indices(p, 1)] = np.nan
    size = max(4.0, 0.55 * p + 2.0)
    fig, axis = _new_axes(ax, (size + 1.0, size))
    im = axis.imshow(np.ma.masked_invalid(shown), cmap="RdBu_r", vmin=-1, vmax=1)
    axis.set_xticks(range(p))
    axis.set_xticklabels(items, rotation=45 if max(map(len, items)) > 3 else 0,
                         ha="right" if max(map(len, items)) > 3 else "center")
    axis.set_yticks(range(p))
    axis.set_yticklabels(items)
    if annotate:
        for i in range(p):
            for j in range(p):
                if np.isnan(shown[i, j]):
                    continue
                axis.text(j, i, f"{R[i, j]:.{digits}f}", ha="center", va="center",
                          fontsize=8 if p <= 12 else 6, color="white" if abs(R[i, j]) > 0.6 else "black")
    fig.colorbar(im, ax=axis, shrink=0.8, label=f"{method} correlation")
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    axis.set_title(title if title else f"Item correlations (n = {prep.n})")
    return axis if ax is not None else fig
