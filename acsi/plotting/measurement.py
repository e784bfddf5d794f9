"""Measurement-model charts: indicator loadings and construct reliability against thresholds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from acsi.exceptions import SpecificationError

__all__ = ["loadings_chart", "reliability_chart", "loadings_table"]

#: Usual thresholds (Hair et al. 2019, *A primer on PLS-SEM*; Fornell and Larcker 1981).
LOADING_THRESHOLD = 0.708
RELIABILITY_THRESHOLD = 0.7
AVE_THRESHOLD = 0.5


def loadings_table(res: Any) -> pd.DataFrame:
    """Long table ``construct, indicator, loading`` of a result's measurement model.

    Accepts a fitted structural model (:class:`acsi.results.structural.StructuralResult`:
    the standardized ``std`` column of its ``loadings_table``; PLS loadings, CB-SEM
    ``std_all``), an indicator x construct DataFrame, or a long DataFrame with
    ``construct, indicator, loading`` (lavaan's ``lhs, op, rhs, est``/``std_all`` also works).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"a": [0.8, 0.7, 0.0], "b": [0.0, 0.0, 0.9]}, index=["x1", "x2", "y1"])
    >>> loadings_table(m)["indicator"].tolist()
    ['x1', 'x2', 'y1']
    """
    from acsi.results.structural import StructuralResult

    if isinstance(res, StructuralResult):
        lt = res.loadings_table
        col = "std" if lt["std"].notna().all() else "est"
        return pd.DataFrame(
            {"construct": lt["construct"].astype(str).to_numpy(), "indicator": lt["indicator"].astype(str).to_numpy(),
             "loading": lt[col].to_numpy(float)}
        )
    if isinstance(res, pd.DataFrame):
        df = res
    else:
        raise SpecificationError(
            "loadings_chart: pass a PLS or CB-SEM result or a loadings DataFrame; "
            f"got {type(res).__name__}"
        )
    cols = set(df.columns)
    if {"construct", "indicator", "loading"} <= cols:
        return df[["construct", "indicator", "loading"]].reset_index(drop=True)
    if {"lhs", "op", "rhs"} <= cols:
        m = df[df["op"] == "=~"]
        col = "std_all" if "std_all" in m.columns and m["std_all"].notna().all() else "est"
        return pd.DataFrame(
            {"construct": m["lhs"].astype(str).values, "indicator": m["rhs"].astype(str).values,
             "loading": m[col].astype(float).values}
        )
    rows = []
    for ind in df.index:
        for con in df.columns:
            v = df.loc[ind, con]
            if pd.notna(v) and float(v) != 0.0:
                rows.append((str(con), str(ind), float(v)))
    return pd.DataFrame(rows, columns=["construct", "indicator", "loading"])


def loadings_chart(
    res: Any,
    *,
    threshold: float = LOADING_THRESHOLD,
    ax: Any = None,
    title: str | None = "Indicator loadings",
) -> Any:
    """Horizontal bars of the indicator loadings, grouped and coloured by construct.

    A dashed line marks ``threshold`` (0.708 by default: the loading at which a construct
    explains half an indicator's variance, 0.708^2 = 0.5; Hair et al. 2019). Bars below it
    are hatched.

    Parameters
    ----------
    res
        PLS or CB-SEM result or loadings table (see :func:`loadings_table`).
    threshold
        Reference line.
    ax
        Axes to draw into (new figure when omitted).
    title
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"a": [0.8, 0.65, 0.0], "b": [0.0, 0.0, 0.9]}, index=["x1", "x2", "y1"])
    >>> fig = loadings_chart(m)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    tab = loadings_table(res)
    if tab.empty:
        raise SpecificationError("loadings_chart: the result has no loadings to draw")
    n = len(tab)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, max(2.5, 0.32 * n + 1.2)))
    else:
        fig = ax.figure
    cmap = plt.get_cmap("tab10")
    constructs = list(dict.fromkeys(tab["construct"]))
    colour = {c: cmap(i % 10) for i, c in enumerate(constructs)}
    y = np.arange(n)[::-1]
    for yi, (_, r) in zip(y, tab.iterrows()):
        low = abs(r["loading"]) < threshold
        ax.barh(yi, r["loading"], color=colour[r["construct"]], alpha=0.85,
                hatch="//" if low else None, edgecolor="white" if not low else "black")
        ax.text(r["loading"] + (0.01 if r["loading"] >= 0 else -0.01), yi, f"{r['loading']:.2f}",
                va="center", ha="left" if r["loading"] >= 0 else "right", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r['indicator']} ({r['construct']})" for _, r in tab.iterrows()], fontsize=8)
    ax.axvline(threshold, color="#b22222", ls="--", lw=1)
    ax.axvline(0, color="black", lw=0.8)
    lo = min(0.0, float(tab["loading"].min()) - 0.1)
    ax.set_xlim(lo, max(1.05, float(tab["loading"].max()) + 0.1))
    ax.set_xlabel(f"loading (dashed line: {threshold:g})")
    if title:
        ax.set_title(title)
    fig.set_layout_engine("tight")  # laid out when drawn (once, not again for a tight crop)
    return fig


_MEASURES = {
    "alpha": ("Cronbach's alpha", RELIABILITY_THRESHOLD),
    "rho_a": ("rho_A", RELIABILITY_THRESHOLD),
    "rho_c": ("rho_C (composite)", RELIABILITY_THRESHOLD),
    "omega": ("omega", RELIABILITY_THRESHOLD),
    "ave": ("AVE", AVE_THRESHOLD),
}


def reliability_chart(
    res: Any,
    *,
    measures: tuple[str, ...] | None = None,
    ax: Any = None,
    title: str | None = "Reliability and convergent validity",
) -> Any:
    """Grouped bars per construct of alpha, rho_A, rho_C and AVE, with threshold lines.

    Thresholds: 0.7 for alpha, rho_A and rho_C (Nunnally and Bernstein 1994; Hair et al.
    2019) and 0.5 for AVE (Fornell and Larcker 1981). Constructs measured by a single item
    have all values 1 and are drawn as such.

    Parameters
    ----------
    res
        A PLS result (``.reliability``: construct x ``alpha, rho_a, rho_c, ave``) or such a
        DataFrame (any subset of the columns ``alpha, rho_a, rho_c, omega, ave``).
    measures
        Columns to draw (default: those present, in the order above).
    ax
        Axes (new figure when omitted).
    title
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> rel = pd.DataFrame({"alpha": [0.8, 0.6], "rho_c": [0.85, 0.7], "ave": [0.6, 0.45]},
    ...                    index=["quality", "loyalty"])
    >>> fig = reliability_chart(rel)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    from acsi.plspm.results import PLSResult

    if isinstance(res, pd.DataFrame):
        df = res
    elif isinstance(res, PLSResult):
        df = res.reliability
    else:
        raise SpecificationError(
            "reliability_chart: pass a PLS result or a construct x measure DataFrame "
            f"(columns among {list(_MEASURES)}); got {type(res).__name__}"
        )
    cols = [c for c in (measures or tuple(_MEASURES)) if c in df.columns]
    if measures is not None:
        missing = [c for c in measures if c not in df.columns]
        if missing:
            raise SpecificationError(
                f"reliability_chart: measure(s) {missing} not in the table; it has {list(df.columns)}"
            )
    if not cols:
        raise SpecificationError(
            f"reliability_chart: the table has none of the columns {list(_MEASURES)}"
        )
    k, m = len(df.index), len(cols)
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(7.0, 0.3 * k * m + 4.0), 4.0))
    else:
        fig = ax.figure
    width = 0.8 / m
    x = np.arange(k)
    cmap = plt.get_cmap("tab10")
    for j, c in enumerate(cols):
        ax.bar(x - 0.4 + width * (j + 0.5), df[c].astype(float).values, width,
               label=_MEASURES[c][0], color=cmap(j))
    ax.axhline(RELIABILITY_THRESHOLD, color="#b22222", ls="--", lw=1, label="0.7 (reliability)")
    if "ave" in cols:
        ax.axhline(AVE_THRESHOLD, color="#555555", ls=":", lw=1.2, label="0.5 (AVE)")
    ax.set_xticks(x)
    ax.set_xticklabels([str(i) for i in df.index], rotation=20 if k > 4 else 0, ha="right" if k > 4 else "center")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title)
    fig.set_layout_engine("tight")  # laid out when drawn (once, not again for a tight crop)
    return fig
