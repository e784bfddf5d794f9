"""Path diagram of a structural (inner) model, drawn with matplotlib only (no Graphviz).

Constructs are laid out left to right in layers: exogenous constructs first, every other
construct one layer to the right of its furthest predecessor (longest path). Arrows carry
the coefficient and significance stars; endogenous constructs show their R-squared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi.exceptions import SpecificationError

__all__ = ["path_diagram", "significance_stars", "PathEdge", "path_edges", "layered_layout"]


@dataclass(frozen=True)
class PathEdge:
    """One structural path ``source -> target`` with its estimate and p-value (NaN if none)."""

    source: str
    target: str
    est: float
    pvalue: float = float("nan")


def significance_stars(pvalue: float) -> str:
    """Conventional stars: ``***`` p < .001, ``**`` p < .01, ``*`` p < .05, else ``""``.

    Examples
    --------
    >>> [significance_stars(p) for p in (0.0004, 0.004, 0.04, 0.4, float("nan"))]
    ['***', '**', '*', '', '']
    """
    if pvalue is None or not np.isfinite(pvalue):
        return ""
    if pvalue < 0.001:
        return "***"
    if pvalue < 0.01:
        return "**"
    if pvalue < 0.05:
        return "*"
    return ""


def _edges_from_long(table: pd.DataFrame) -> list[PathEdge]:
    cols = set(table.columns)
    if {"source", "target"} <= cols:
        src, tgt = "source", "target"
    elif {"lhs", "op", "rhs"} <= cols:
        table = table[table["op"] == "~"]
        # lavaan: lhs ~ rhs means rhs -> lhs
        src, tgt = "rhs", "lhs"
    else:
        raise SpecificationError(
            "path_diagram: a paths table needs columns 'source', 'target', 'est' "
            "(optionally 'pvalue'), or lavaan's 'lhs', 'op', 'rhs', 'est'; "
            f"got columns {sorted(map(str, table.columns))}"
        )
    if "est" not in cols:
        raise SpecificationError("path_diagram: the paths table has no 'est' column")
    has_p = "pvalue" in table.columns
    return [
        PathEdge(
            str(row[src]),
            str(row[tgt]),
            float(row["est"]),
            float(row["pvalue"]) if has_p else float("nan"),
        )
        for _, row in table.iterrows()
    ]


def _edges_from_matrix(paths: pd.DataFrame) -> list[PathEdge]:
    non_numeric = [str(c) for c in paths.columns if not pd.api.types.is_numeric_dtype(paths[c])]
    if non_numeric:
        raise SpecificationError(
            "path_diagram: a paths table needs columns 'source', 'target', 'est' (long form) "
            f"or a numeric source x target matrix; columns {non_numeric} are not numeric"
        )
    edges = []
    for s in paths.index:
        for t in paths.columns:
            v = paths.loc[s, t]
            if pd.notna(v) and float(v) != 0.0:
                edges.append(PathEdge(str(s), str(t), float(v)))
    return edges


def path_edges(res: Any, bootstrap: Any = None) -> tuple[list[PathEdge], dict[str, float]]:
    """The structural edges and R-squared values of a fitted model, for :func:`path_diagram`.

    Parameters
    ----------
    res
        A fitted structural model (:class:`acsi.results.structural.StructuralResult`: a
        PLS or CB-SEM result; the standardized ``std`` value of its ``path_table`` is
        shown, with the table's p-values), a long DataFrame (``source, target, est[,
        pvalue]``, or lavaan's ``lhs, op, rhs, est``) or a source x target matrix DataFrame.
    bootstrap
        Optional bootstrap result of a PLS model (or its ``paths`` table with ``source,
        target, pvalue``); its p-values replace those of the model for the stars.

    Returns
    -------
    edges : list of PathEdge
    r_squared : dict of construct -> R-squared (empty when unknown)
    """
    from acsi.plspm.bootstrap import BootstrapResult
    from acsi.results.structural import StructuralResult

    r2: dict[str, float] = {}
    if isinstance(res, pd.DataFrame):
        if {"source", "target"} <= set(res.columns) or {"lhs", "op", "rhs"} <= set(res.columns):
            edges = _edges_from_long(res)
        else:
            edges = _edges_from_matrix(res)
    elif isinstance(res, StructuralResult):
        pt = res.path_table
        col = "std" if pt["std"].notna().all() else "est"
        edges = [
            PathEdge(str(a), str(b), float(v), float(p))
            for a, b, v, p in zip(pt["source"], pt["target"], pt[col], pt["pvalue"])
        ]
        r2 = _as_r2(res.r_squared)
        edges = _hoc_edges(res, bootstrap) + edges
    else:
        raise SpecificationError(
            "path_diagram: pass a PLS or CB-SEM result, or a paths DataFrame; "
            f"got {type(res).__name__}"
        )
    if bootstrap is not None:
        bt = bootstrap.paths if isinstance(bootstrap, BootstrapResult) else bootstrap
        if not isinstance(bt, pd.DataFrame) or not {"source", "target", "pvalue"} <= set(bt.columns):
            raise SpecificationError(
                "path_diagram: bootstrap must be a bootstrap result (or its paths table) "
                "with columns 'source', 'target', 'pvalue'"
            )
        pmap = {(str(s), str(t)): float(p) for s, t, p in zip(bt["source"], bt["target"], bt["pvalue"])}
        if isinstance(bootstrap, BootstrapResult) and isinstance(res, StructuralResult):
            bw = bootstrap.weights
            pmap.update({(str(s), str(t)): float(p) for s, t, p in zip(bw["source"], bw["target"], bw["pvalue"])
                         if (str(s), str(t)) not in pmap})
        edges = [PathEdge(e.source, e.target, e.est, pmap.get((e.source, e.target), e.pvalue)) for e in edges]
    return edges, r2


def _hoc_edges(res: Any, bootstrap: Any = None) -> list[PathEdge]:
    """The arrows lower-order construct -> higher-order construct of a PLS model with
    higher-order constructs (:class:`acsi.plspm.hoc.ExtendedPLSResult`): each labelled with
    the lower-order construct's stage-2 outer weight (p-values from the bootstrap's
    ``weights`` table when given), so that the diagram shows the whole chain."""
    from acsi.plspm.hoc import ExtendedPLSResult

    if not isinstance(res, ExtendedPLSResult) or not res.higher_order:
        return []
    W = res.weights
    return [PathEdge(str(d), str(h), float(W.loc[d, h])) for h, dims in res.higher_order.items() for d in dims]


def _as_r2(obj: Any) -> dict[str, float]:
    if obj is None:
        return {}
    if isinstance(obj, pd.DataFrame):
        col = "r_squared" if "r_squared" in obj.columns else obj.columns[0]
        obj = obj[col]
    if isinstance(obj, (Mapping, pd.Series)):
        return {str(k): float(v) for k, v in obj.items()}
    return {}


def layered_layout(
    edges: Sequence[PathEdge], nodes: Sequence[str] | None = None
) -> dict[str, tuple[float, float]]:
    """Left-to-right layered positions ``{construct: (x, y)}`` in unit coordinates.

    The layer of a construct is the length of the longest path reaching it from an
    exogenous construct; within a layer constructs keep their order of first appearance
    and are spread evenly in ``y`` (top to bottom). Cycles (non-recursive models) are
    broken by ignoring edges that close a cycle.

    Examples
    --------
    >>> pos = layered_layout([PathEdge("a", "b", 0.5), PathEdge("b", "c", 0.4), PathEdge("a", "c", 0.1)])
    >>> [pos[k][0] for k in "abc"]
    [0.0, 1.0, 2.0]
    """
    order: list[str] = list(nodes) if nodes is not None else []
    for e in edges:
        for n in (e.source, e.target):
            if n not in order:
                order.append(n)
    preds: dict[str, list[str]] = {n: [] for n in order}
    for e in edges:
        if e.source != e.target:
            preds[e.target].append(e.source)
    layer: dict[str, int] = {}
    visiting: set[str] = set()

    def depth(n: str) -> int:
        if n in layer:
            return layer[n]
        visiting.add(n)
        d = 0
        for p in preds[n]:
            if p in visiting:  # edge closes a cycle: ignore it for the layout
                continue
            d = max(d, depth(p) + 1)
        visiting.discard(n)
        layer[n] = d
        return d

    for n in order:
        depth(n)
    by_layer: dict[int, list[str]] = {}
    for n in order:
        by_layer.setdefault(layer[n], []).append(n)
    # a chain of single-construct layers with paths skipping layers (the ACSI model) is drawn
    # as a zig-zag, so that the skipping arrows pass between the constructs, not through them
    skips = any(layer[e.target] - layer[e.source] > 1 for e in edges if e.source != e.target)
    pos: dict[str, tuple[float, float]] = {}
    for lx, members in by_layer.items():
        k = len(members)
        for i, n in enumerate(members):
            if k == 1:
                y = (0.5 if lx % 2 == 0 else -0.5) if skips else 0.0
            else:
                y = 1.0 - 2.0 * i / (k - 1)
            pos[n] = (float(lx), y)
    return pos


def path_diagram(
    res: Any,
    bootstrap: Any = None,
    *,
    ax: Any = None,
    digits: int = 2,
    title: str | None = None,
    show_r2: bool = True,
    figsize: tuple[float, float] | None = None,
) -> Any:
    """Draw the structural model: constructs as ellipses, paths as arrows with coefficients.

    Each arrow is labelled with its coefficient and significance stars (``*`` p < .05,
    ``**`` p < .01, ``***`` p < .001): p-values from the bootstrap for PLS (pass the
    bootstrap result) or from the z tests of a CB-SEM result (standardized ``std_all``
    coefficients are shown). Non-significant paths are drawn dashed; negative paths in red.
    Endogenous constructs show their R-squared. A PLS model with higher-order constructs
    shows the whole chain: arrows from the lower-order constructs into their higher-order
    construct carry their (stage-2) outer weights.

    Parameters
    ----------
    res
        PLS result, CB-SEM result or a paths table (see :func:`path_edges`).
    bootstrap
        Optional PLS bootstrap result (or its long ``paths`` table).
    ax
        Matplotlib Axes to draw into; a new figure is made when omitted.
    digits
        Decimals of the coefficients.
    title
        Optional title.
    show_r2
        Write R-squared inside endogenous constructs.
    figsize
        Size of a new figure; by default it grows with the number of layers and rows.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (the Axes' figure when ``ax`` is given).

    Examples
    --------
    >>> import pandas as pd
    >>> from acsi.plotting import path_diagram
    >>> tab = pd.DataFrame({"source": ["quality", "satisfaction"],
    ...                     "target": ["satisfaction", "loyalty"],
    ...                     "est": [0.61, 0.48], "pvalue": [0.0001, 0.02]})
    >>> fig = path_diagram(tab)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Ellipse, FancyArrowPatch

    edges, r2 = path_edges(res, bootstrap)
    if not edges:
        raise SpecificationError("path_diagram: the model has no structural paths to draw")
    pos = layered_layout(edges)
    n_layers = int(max(x for x, _ in pos.values())) + 1
    max_rows = max(sum(1 for x, _ in pos.values() if x == lx) for lx in range(n_layers))
    if ax is None:
        if figsize is None:
            figsize = (max(6.0, 2.4 * n_layers + 1.0), max(3.5, 1.5 * max_rows + 1.5))
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    # scale unit coordinates: x step 3, y spread by rows
    xs, ys = 2.8, max(1.6, 0.9 * (max_rows - 1))
    P = {n: (x * xs, y * ys) for n, (x, y) in pos.items()}
    w, h = 1.9, 0.8
    for n, (x, y) in P.items():
        ax.add_patch(Ellipse((x, y), w, h, facecolor="#e8f0fb", edgecolor="#1f4e8c", lw=1.5, zorder=3))
        label = n
        if show_r2 and n in r2 and np.isfinite(r2[n]):
            label = f"{n}\nR² = {r2[n]:.{digits}f}"
        fs = 10 if len(n) <= 14 else 8
        ax.text(x, y, label, ha="center", va="center", fontsize=fs, zorder=4, wrap=True)

    def boundary(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
        # point on ellipse centred at p in direction of q
        dx, dy = q[0] - p[0], q[1] - p[1]
        if dx == 0 and dy == 0:
            return p
        t = 1.0 / np.sqrt((dx / (w / 2)) ** 2 + (dy / (h / 2)) ** 2)
        return (p[0] + t * dx, p[1] + t * dy)

    has_p = any(np.isfinite(e.pvalue) for e in edges)
    arcs = {1: 0, -1: 0}  # arcs drawn above (+1) and below (-1) the rows, to stack them
    extra_y: list[float] = []
    for e in edges:
        p, q = P[e.source], P[e.target]
        # a straight arrow that would pass through another construct is drawn as an arc
        # bending away from the middle of the diagram (above the top row, below the bottom)
        blocked = abs(pos[e.target][0] - pos[e.source][0]) > 1 and any(
            abs(P[m][1] - (p[1] + (q[1] - p[1]) * (P[m][0] - p[0]) / (q[0] - p[0] or 1))) < h
            and min(p[0], q[0]) < P[m][0] < max(p[0], q[0])
            for m in P
            if m not in (e.source, e.target)
        )
        a, b = boundary(p, q), boundary(q, p)
        dx, dy = b[0] - a[0], b[1] - a[1]
        chord = float(np.hypot(dx, dy)) or 1.0
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        rad = 0.0
        if blocked:
            side = 1 if mid[1] >= 0 else -1
            peak = 0.7 + 0.45 * arcs[side]  # height of the arc above its chord
            arcs[side] += 1
            # matplotlib's arc3 puts the control point at mid + rad * (dy, -dx); a quadratic
            # Bezier curve peaks at half the control point's offset
            ny = -dx
            rad = (2.0 * peak / chord) * (side * (1 if ny >= 0 else -1))
        ctrl = (mid[0] + rad * dy, mid[1] - rad * dx)
        sig = (not has_p) or (np.isfinite(e.pvalue) and e.pvalue < 0.05)
        colour = "#b22222" if e.est < 0 else "#333333"
        ax.add_patch(
            FancyArrowPatch(
                a, b, arrowstyle="-|>", mutation_scale=14, lw=1.6 if sig else 1.1,
                color=colour, linestyle="-" if sig else "--",
                connectionstyle=f"arc3,rad={rad}", zorder=2,
            )
        )
        if rad:
            # label on top of the arc (the curve's midpoint)
            mx = 0.25 * a[0] + 0.5 * ctrl[0] + 0.25 * b[0]
            my = 0.25 * a[1] + 0.5 * ctrl[1] + 0.25 * b[1]
            extra_y.append(my)
        else:
            # 45% along a path between neighbouring layers; nearer the source for a path that
            # skips layers, so that it does not sit where the skipped paths cross it
            span = max(1.0, abs(pos[e.target][0] - pos[e.source][0]))
            frac = 0.45 if span == 1 else 0.5 / span + 0.1
            mx, my = a[0] + frac * dx, a[1] + frac * dy
        txt = f"{e.est:.{digits}f}{significance_stars(e.pvalue)}"
        ax.text(
            mx, my, txt, ha="center", va="center", fontsize=9, color=colour, zorder=5,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.9},
        )
    allx = [x for x, _ in P.values()]
    ally = [y for _, y in P.values()]
    ax.set_xlim(min(allx) - w, max(allx) + w)
    ax.set_ylim(min(ally + extra_y) - h - 0.2, max(ally + extra_y) + h)
    ax.set_aspect("equal", adjustable="box")
    ax.axis("off")
    if title:
        ax.set_title(title)
    if has_p:
        ax.text(
            0.0, 0.0, "* p < .05   ** p < .01   *** p < .001   dashed: not significant",
            transform=ax.transAxes, fontsize=8, color="#555555", va="bottom",
        )
    return fig
