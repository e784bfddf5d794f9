"""Plot of a measurement-invariance sequence (:func:`acsi.invariance`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from acsi.exceptions import SpecificationError

__all__ = ["invariance_plot"]


def invariance_plot(inv: Any, *, ax: Any = None, title: str | None = "Measurement invariance") -> Any:
    """CFI and RMSEA of every level of an invariance sequence, with the cut-offs.

    Two panels (or twin axes when ``ax`` is given): CFI per level with a band of 0.01 below
    the previous level's CFI (Cheung & Rensvold 2002), and RMSEA per level with a band of
    0.015 above the previous level's (Chen 2007). A level whose step is not supported is
    drawn in red, a questionable one in orange.

    Parameters
    ----------
    inv : InvarianceResult
        From :func:`acsi.invariance`.
    ax : matplotlib Axes, optional
        Draw CFI on ``ax`` and RMSEA on a twin axis (default: a new figure with two panels).
    title : str or None

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> inv = acsi.invariance("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
    ...                       "speed =~ x7 + x8 + x9", hs, group="school")
    >>> fig = inv.plot()  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    from acsi.cbsem.invariance import CFI_CUTOFF, RMSEA_CUTOFF, InvarianceResult

    if not isinstance(inv, InvarianceResult):
        raise SpecificationError(
            f"invariance_plot needs the result of acsi.invariance(), not {type(inv).__name__}"
        )
    t = inv.table
    levels = list(t.index)
    x = np.arange(len(levels))
    colours = {"supported": "#2e7d32", "questionable": "#ef6c00", "not supported": "#c62828",
               "reference": "#37474f"}
    point_col = [colours.get(v, "#37474f") for v in t["verdict"]]
    if ax is None:
        fig, (ax_cfi, ax_rmsea) = plt.subplots(1, 2, figsize=(9.0, 3.6))
    else:
        fig = ax.figure
        ax_cfi, ax_rmsea = ax, ax.twinx()
    label = "robust " if inv.robust else ""
    for axis, col, cut, sign, name in (
        (ax_cfi, "cfi", CFI_CUTOFF, 1.0, f"{label}CFI"),
        (ax_rmsea, "rmsea", RMSEA_CUTOFF, 1.0, f"{label}RMSEA"),
    ):
        vals = t[col].to_numpy(float)
        axis.plot(x, vals, color="#607d8b", lw=1.2, zorder=1)
        axis.scatter(x, vals, c=point_col, s=45, zorder=2)
        for i in range(1, len(levels)):
            lim = vals[i - 1] + sign * cut
            axis.plot([i - 0.3, i + 0.3], [lim, lim], color="#b22222", ls="--", lw=1)
        for i, v in enumerate(vals):
            axis.annotate(f"{v:.3f}", (x[i], v), textcoords="offset points", xytext=(0, 7),
                          ha="center", fontsize=8)
        axis.set_xticks(x)
        axis.set_xticklabels(levels)
        axis.set_ylabel(name)
    ax_cfi.set_title(f"CFI (dashed: previous {CFI_CUTOFF:+g})", fontsize=9)
    ax_rmsea.set_title(f"RMSEA (dashed: previous {RMSEA_CUTOFF:+g})", fontsize=9)
    if title:
        fig.suptitle(f"{title}: highest level supported = {inv.highest_level}", fontsize=10)
    fig.tight_layout()
    return fig
