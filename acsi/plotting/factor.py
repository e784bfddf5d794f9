"""Scree plot of the eigenvalues of an item correlation matrix, with Kaiser's line and
optional parallel analysis (Horn 1965)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from acsi.data import prepare_data
from acsi.exceptions import DataError

__all__ = ["scree_plot", "parallel_eigenvalues"]


def parallel_eigenvalues(
    n: int, p: int, n_iter: int = 100, quantile: float | None = None, seed: int | np.random.Generator | None = None
) -> np.ndarray:
    """Eigenvalues expected from uncorrelated normal data of the same size (Horn 1965).

    The mean (or the ``quantile``, e.g. 0.95) over ``n_iter`` simulated ``n x p`` data sets of
    the sorted eigenvalues of their correlation matrices.

    Examples
    --------
    >>> ev = parallel_eigenvalues(300, 9, n_iter=20, seed=1)
    >>> ev.shape, bool(ev[0] > 1 > ev[-1])
    ((9,), True)
    """
    if n < 3 or p < 2:
        raise DataError(f"parallel analysis needs at least 3 rows and 2 items (got {n} x {p})")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    sims = np.empty((int(n_iter), p))
    for b in range(int(n_iter)):
        Z = rng.standard_normal((n, p))
        sims[b] = np.linalg.eigvalsh(np.corrcoef(Z, rowvar=False))[::-1]
    return sims.mean(axis=0) if quantile is None else np.quantile(sims, quantile, axis=0)


def scree_plot(
    data: Any,
    *,
    columns: Sequence[str] | None = None,
    kaiser: bool = True,
    parallel: bool = False,
    n_iter: int = 100,
    quantile: float | None = None,
    seed: int | np.random.Generator | None = None,
    ax: Any = None,
    title: str | None = "Scree plot",
) -> Any:
    """Scree plot: eigenvalues of the item correlation matrix against their rank.

    Parameters
    ----------
    data : DataFrame, EFAResult or sequence of eigenvalues
        Item data (the correlation matrix's eigenvalues are computed, incomplete rows dropped
        with a warning), a result of :func:`acsi.reliability.efa` (its ``eigenvalues``) or the
        eigenvalues themselves.
    columns : sequence of str, optional
        Items to use from ``data``.
    kaiser : bool
        Draw Kaiser's criterion (eigenvalue 1).
    parallel : bool
        Add parallel analysis (needs item data or an EFA result for n and p).
    n_iter, quantile, seed
        Parallel analysis: simulated data sets, quantile (default: the mean) and seed.
    ax : matplotlib Axes, optional
        Draw into this Axes (then the Axes is returned).
    title : str or None

    Returns
    -------
    matplotlib.figure.Figure (or the given Axes)

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> fig = acsi.plotting.scree_plot(hs[[f"x{i}" for i in range(1, 10)]], parallel=True, seed=1)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    from acsi.reliability import EFAResult

    n: int | None = None
    if isinstance(data, pd.DataFrame):
        cols = list(data.columns) if columns is None else list(columns)
        prep = prepare_data(data, cols, context="scree plot")
        X = prep.X
        sd = X.std(axis=0)
        if np.any(sd == 0):
            raise DataError(f"item {cols[int(np.flatnonzero(sd == 0)[0])]!r} is constant; remove it")
        ev = np.linalg.eigvalsh(np.corrcoef(X, rowvar=False))[::-1]
        n = X.shape[0]
    elif isinstance(data, EFAResult):
        ev = np.asarray(data.eigenvalues, dtype=float)
        n = int(data.n)
    else:
        ev = np.asarray(data, dtype=float).ravel()
        if ev.size < 2 or not np.all(np.isfinite(ev)):
            raise DataError("scree_plot needs item data, an EFA result or at least 2 finite eigenvalues")
    if parallel and n is None:
        raise DataError("parallel=True needs the item data (or an EFA result) to know n and p")
    if ax is None:
        fig, axis = plt.subplots(figsize=(6, 4))
    else:
        axis, fig = ax, ax.figure
    k = np.arange(1, ev.size + 1)
    axis.plot(k, ev, marker="o", color="#1f4e79", label="eigenvalues")
    if kaiser:
        axis.axhline(1.0, color="#888888", linestyle="--", linewidth=1, label="Kaiser criterion (1)")
    if parallel:
        pe = parallel_eigenvalues(int(n), ev.size, n_iter=n_iter, quantile=quantile, seed=seed)  # type: ignore[arg-type]
        lab = "parallel analysis" + ("" if quantile is None else f" ({100 * quantile:g}th pct)")
        axis.plot(k, pe, marker="x", linestyle=":", color="#c0504d", label=lab)
    axis.set_xlabel("component")
    axis.set_ylabel("eigenvalue")
    axis.set_xticks(k)
    if title:
        axis.set_title(title)
    axis.legend(frameon=False)
    return axis if ax is not None else fig
