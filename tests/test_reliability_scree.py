"""scree_plot (acsi/plotting/factor.py) and parallel analysis."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import acsi
from acsi import DataError
from acsi.plotting.factor import parallel_eigenvalues, scree_plot


def test_scree_from_data_and_from_efa(hs: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    hs = hs[[f"x{i}" for i in range(1, 10)]]
    fig = scree_plot(hs, parallel=True, n_iter=20, seed=1)
    ax = fig.axes[0]
    y = ax.lines[0].get_ydata()
    assert_allclose(y, np.linalg.eigvalsh(np.corrcoef(hs.to_numpy(float), rowvar=False))[::-1])
    assert ax.lines[1].get_ydata()[0] == 1.0  # Kaiser line
    assert len(ax.lines) == 3
    res = acsi.reliability.efa(hs, 3, "pa", None)
    fig2 = scree_plot(res, kaiser=False)
    assert_allclose(fig2.axes[0].lines[0].get_ydata(), res.eigenvalues.to_numpy())
    _, given = plt.subplots()
    assert scree_plot([2.5, 1.2, 0.3], ax=given) is given
    plt.close("all")


def test_parallel_is_seeded() -> None:
    a = parallel_eigenvalues(200, 6, n_iter=30, seed=5)
    b = parallel_eigenvalues(200, 6, n_iter=30, seed=5)
    c = parallel_eigenvalues(200, 6, n_iter=30, seed=6)
    assert_allclose(a, b)
    assert not np.allclose(a, c)
    assert_allclose(a.sum(), 6.0, atol=1e-10)  # eigenvalues of a correlation matrix sum to p
    q95 = parallel_eigenvalues(200, 6, n_iter=30, quantile=0.95, seed=5)
    assert q95[0] > a[0]


def test_errors(hs: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="parallel=True"):
        scree_plot([2.0, 1.0, 0.5], parallel=True)
    with pytest.raises(DataError, match="eigenvalues"):
        scree_plot([np.nan, 1.0])
    with pytest.raises(DataError, match="'x99'"):
        scree_plot(hs, columns=["x1", "x99"])
