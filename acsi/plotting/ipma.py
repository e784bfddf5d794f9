"""Importance-performance map (IPMA) plot."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from acsi._validation import check_choice
from acsi.exceptions import SpecificationError
from acsi.plspm.ipma import IPMAResult, ipma
from acsi.plspm.results import PLSResult

__all__ = ["ipma_plot"]


def _table_of(obj: Any, target: str | None, level: str, scale: Any) -> tuple[pd.DataFrame, str]:
    if isinstance(obj, IPMAResult):
        res = obj
    elif isinstance(obj, pd.DataFrame):
        missing = {"importance", "performance"} - set(obj.columns)
        if missing:
            raise SpecificationError(
                f"the table for ipma_plot needs columns 'importance' and 'performance' (missing "
                f"{sorted(missing)}); pass the result of acsi.plspm.ipma.ipma(...) or its .table"
            )
        return obj, target or ""
    elif isinstance(obj, PLSResult):
        res = ipma(obj, target=target or "Satisfaction", scale=scale)
    else:
        raise SpecificationError(
            f"ipma_plot takes an IPMA result, its table or a PLS result, not {type(obj).__name__}"
        )
    level = check_choice(level, ("construct", "indicator"), "level")
    return (res.table if level == "construct" else res.indicators), res.target


def ipma_plot(
    ipma_result: Any,
    *,
    target: str | None = None,
    level: str = "construct",
    scale: Any = (1, 10),
    ax: Any = None,
    annotate: bool = True,
    quadrants: bool = True,
    title: str | None = None,
) -> Any:
    """Draw the importance-performance map: importance (x) against performance (y, 0-100).

    Parameters
    ----------
    ipma_result : IPMAResult, DataFrame or PLSResult
        The output of :func:`acsi.plspm.ipma.ipma`, its ``table`` (columns ``importance``
        and ``performance``, labels in the index), or a fitted PLS model (then ``ipma`` is
        run with ``target`` and ``scale``).
    target : str, optional
        Target construct (when a PLS result is given; default "Satisfaction").
    level : {"construct", "indicator"}
    scale : (min, max)
        Item bounds, when a PLS result is given.
    ax : matplotlib Axes, optional
    annotate : bool
        Label every point.
    quadrants : bool
        Dashed lines at the mean importance and mean performance.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import acsi
    >>> from acsi.plspm.ipma import ipma
    >>> res = acsi.pls("Image =~ IMAG1 + IMAG2; Value =~ PERV1 + PERV2; "
    ...                "Satisfaction =~ CUSA1 + CUSA2; Satisfaction ~ Image + Value",
    ...                acsi.datasets.load_mobi())
    >>> fig = ipma_plot(ipma(res))  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    table, tgt = _table_of(ipma_result, target, level, scale)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.8))
    else:
        fig = ax.figure
    x = table["importance"].to_numpy(dtype=float)
    y = table["performance"].to_numpy(dtype=float)
    ax.scatter(x, y, s=40, color="#1f77b4", zorder=3)
    if annotate:
        _annotate_without_overlap(ax, [str(v) for v in table.index], x, y)
    if quadrants and len(x):
        ax.axvline(float(np.mean(x)), color="grey", linestyle="--", linewidth=1, zorder=1)
        ax.axhline(float(np.mean(y)), color="grey", linestyle="--", linewidth=1, zorder=1)
    ax.set_xlabel("importance (total effect)")
    ax.set_ylabel("performance (0-100)")
    ax.set_ylim(0, 100)
    if len(x):
        span = float(np.nanmax(x) - min(0.0, float(np.nanmin(x))))
        ax.set_xlim(min(0.0, float(np.nanmin(x))) - 0.05 * span, float(np.nanmax(x)) + 0.15 * span)
    default = f"Importance-performance map: {tgt}" if tgt else "Importance-performance map"
    ax.set_title(title if title is not None else default)
    return fig


def _annotate_without_overlap(ax: Any, labels: list[str], x: np.ndarray, y: np.ndarray) -> None:
    """Label points, moving a label to another side of its point when it would overlap one
    already placed (a greedy check on approximate text boxes in axes-fraction units)."""
    if not len(x):
        return
    lo = min(0.0, float(np.nanmin(x)))
    span_x = max(float(np.nanmax(x)) - lo, 1e-12) * 1.2
    fig_w, fig_h = ax.figure.get_size_inches()
    char_w = 9 * 0.6 / 72 / (fig_w * 0.775)  # 9 pt text, ~0.6 em per character, axes width
    line_h = 9 * 1.3 / 72 / (fig_h * 0.77)
    # (dx, dy) offsets in points and where the text box then lies relative to the point
    options = [((4, 4), 0, 0), ((4, -12), 0, -1), ((-4, 4), -1, 0), ((-4, -12), -1, -1), ((4, 16), 0, 1)]
    placed: list[tuple[float, float, float, float]] = []
    for label, xi, yi in sorted(zip(labels, x, y), key=lambda t: -t[2]):
        px, py = (xi - lo) / span_x, yi / 100.0
        w = len(label) * char_w
        choice = options[0]
        for opt in options:
            (dx, dy), sx, sy = opt
            x0 = px + (dx / 72 / (fig_w * 0.775)) + sx * w
            y0 = py + (dy / 72 / (fig_h * 0.77))
            box = (x0, y0, x0 + w, y0 + line_h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                choice = opt
                placed.append(box)
                break
        else:
            (dx, dy), sx, _ = choice
            x0 = px + dx / 72 / (fig_w * 0.775)
            placed.append((x0, py, x0 + w, py + line_h))
        (dx, dy), sx, _ = choice
        ax.annotate(label, (xi, yi), xytext=(dx, dy), textcoords="offset points", fontsize=9,
                    ha="right" if sx < 0 else "left")
