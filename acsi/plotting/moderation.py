"""Simple-slopes plot of a moderated PLS model (matplotlib imported on first use)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_simple_slopes"]


def plot_simple_slopes(
    res: Any,
    iv: str,
    moderator: str,
    target: str,
    boot: Any = None,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Lines of ``target`` against ``iv`` (both in SDs) at the moderator's -1 SD, mean and
    +1 SD, as seminr's ``slope_analysis``: ``y = (b_X + b_XM m) x + b_M m``.

    Parameters
    ----------
    res : ExtendedPLSResult
        A model with the interaction ``iv:moderator``.
    iv, moderator, target : str
    boot : BootstrapResult, optional
        Adds each slope's percentile interval to the legend.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import acsi
    >>> res = acsi.pls("Image =~ IMAG1 + IMAG2; Expectation =~ CUEX1 + CUEX2; "
    ...                "Sat =~ CUSA1 + CUSA2; Sat ~ Image + Expectation + Image:Expectation",
    ...                acsi.datasets.load_mobi())
    >>> fig = plot_simple_slopes(res, "Image", "Expectation", "Sat")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    table = res.simple_slopes(iv, moderator, target, boot=boot)
    b_m = float(res.paths.loc[moderator, target]) if moderator in res.paths.index else 0.0
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.8))
    else:
        fig = ax.figure
    x = np.array([-1.0, 1.0])
    for (_, row), style in zip(table.iterrows(), ("--", "-", ":")):
        m = float(row["moderator_sd"])
        label = f"{moderator} at {m:+g} SD: slope {row['slope']:.3f}"
        if boot is not None:
            label += f" [{row['ci_lower']:.3f}, {row['ci_upper']:.3f}]"
        ax.plot(x, row["slope"] * x + b_m * m, linestyle=style, color="black", label=label)
    ax.set_xlabel(f"{iv} (SD)")
    ax.set_ylabel(f"{target} (SD)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", frameon=False, fontsize=8)
    ax.set_title(title if title is not None else f"Simple slopes: {iv} -> {target} by {moderator}")
    return fig
