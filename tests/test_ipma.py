"""IPMA: importance = unstandardized total effect of the 0-100 rescaled scores, checked
by an independent computation (OLS regressions on the rescaled scores, Ringle & Sarstedt
2016); performance = the ACSI index; the plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.plotting.ipma import ipma_plot
from acsi.plspm.index import IndexUndefinedError, acsi_index
from acsi.plspm.ipma import IPMAResult, ipma

MODEL = """
X1 =~ a1 + a2 + a3
X2 =~ b1 + b2
M  =~ m1 + m2 + m3
Y  =~ y1 + y2 + y3
M ~ X1 + X2
Y ~ M + X1
"""


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    rng = np.random.default_rng(2024)
    n = 400
    x1 = rng.normal(size=n)
    x2 = 0.4 * x1 + rng.normal(size=n)
    m = 0.5 * x1 + 0.3 * x2 + rng.normal(scale=0.8, size=n)
    y = 0.6 * m + 0.2 * x1 + rng.normal(scale=0.7, size=n)
    cols = {}
    for name, lv, k, lam in (("a", x1, 3, (0.8, 0.7, 0.6)), ("b", x2, 2, (0.8, 0.75)),
                             ("m", m, 3, (0.85, 0.7, 0.7)), ("y", y, 3, (0.8, 0.8, 0.6))):
        for j in range(k):
            raw = lam[j] * lv / lv.std() + rng.normal(scale=0.6, size=n)
            cols[f"{name}{j + 1}"] = np.clip(np.round(4 + 1.3 * raw), 1, 7)  # 1-7 items
    return pd.DataFrame(cols)


def _independent_ipma(res, data, target, lo, hi):
    spec = res.spec
    W = res.kernel.W
    scores = {}
    for c, name in enumerate(spec.constructs):
        items = list(spec.block_indicators(name))
        j = [spec.indicators.index(x) for x in items]
        x = data[items].to_numpy(float)
        xs = 100 * (x - lo) / (hi - lo)
        u = W[j, c] / x.std(axis=0, ddof=1)  # unstandardized weights of the raw items
        v = u * (hi - lo) / np.sum(u * (hi - lo))  # weights of the 0-100 items, sum 1
        scores[name] = xs @ v
    S = pd.DataFrame(scores)
    k = spec.k
    Bu = np.zeros((k, k))
    for j in range(k):
        pred = np.flatnonzero(spec.inner[:, j])
        if pred.size:
            Xd = np.column_stack([np.ones(len(S)), S.iloc[:, pred].to_numpy()])
            coef = np.linalg.lstsq(Xd, S.iloc[:, j].to_numpy(), rcond=None)[0]
            Bu[pred, j] = coef[1:]
    T = np.linalg.inv(np.eye(k) - Bu) - np.eye(k)
    t = spec.constructs.index(target)
    return pd.Series(T[:, t], index=spec.constructs), S.mean()


@pytest.mark.parametrize("target", ["Y", "M"])
def test_ipma_equals_regressions_on_rescaled_scores(sim, target):
    res = acsi.pls(MODEL, sim)
    out = ipma(res, target=target, scale=(1, 7))
    imp, perf = _independent_ipma(res, sim, target, 1.0, 7.0)
    expected = [c for c in res.spec.constructs if c != target and abs(imp[c]) > 1e-12]
    assert list(out.table.index) == expected
    np.testing.assert_allclose(out.table["importance"], imp[expected].to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(out.table["performance"], perf[expected].to_numpy(), rtol=1e-12)
    assert out.target_performance == pytest.approx(perf[target], rel=1e-12)
    idx = acsi_index(res, scale=(1, 7))
    np.testing.assert_allclose(out.table["performance"], idx.table.loc[expected, "index"], rtol=1e-12)
    # indicator level: rescaled weight times the construct's importance
    for c in expected:
        sub = out.indicators[out.indicators.construct == c]
        assert sub["importance"].sum() == pytest.approx(out.table.loc[c, "importance"], rel=1e-12)


def test_ipma_errors(sim):
    res = acsi.pls(MODEL, sim)
    with pytest.raises(acsi.SpecificationError, match="did you mean 'M'"):
        ipma(res, target="m", scale=(1, 7))
    with pytest.raises(acsi.SpecificationError, match="no predecessors"):
        ipma(res, target="X1", scale=(1, 7))
    with pytest.raises(acsi.DataError, match="outside its scale"):
        ipma(res, target="Y", scale=(1, 5))
    plsc = acsi.pls(MODEL, sim, consistent=True)
    with pytest.raises(acsi.SpecificationError, match="consistent=False"):
        ipma(plsc, target="Y", scale=(1, 7))
    df = sim.copy()
    df["m2"] = 8 - df["m2"]
    with pytest.raises(IndexUndefinedError, match="m2"):
        ipma(acsi.pls(MODEL, df), target="Y", scale=(1, 7))


def test_ipma_plot_returns_figure(sim):
    import matplotlib.figure

    res = acsi.pls(MODEL, sim)
    out = ipma(res, target="Y", scale=(1, 7))
    assert isinstance(out, IPMAResult)
    fig = ipma_plot(out)
    assert isinstance(fig, matplotlib.figure.Figure)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == len(out.table)
    # quadrant lines at the means
    xs = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]
    assert any(abs(x - out.table["importance"].mean()) < 1e-12 for x in xs)
    fig2 = ipma_plot(res, target="Y", scale=(1, 7), level="indicator")
    assert len(fig2.axes[0].collections[0].get_offsets()) == len(out.indicators)
    assert isinstance(acsi.plotting.ipma_plot(out.table), matplotlib.figure.Figure)
    with pytest.raises(acsi.SpecificationError, match="importance"):
        ipma_plot(pd.DataFrame({"x": [1]}))
    import matplotlib.pyplot as plt

    plt.close("all")
    assert "Importance-performance map" in out.summary()


def test_result_method_equals_function():
    import acsi
    from acsi.plspm.ipma import ipma

    mobi = acsi.datasets.load_mobi()
    res = acsi.pls(
        "Image =~ IMAG1 + IMAG2 + IMAG3\nValue =~ PERV1 + PERV2\nSatisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
        "Satisfaction ~ Image + Value",
        mobi,
    )
    a = res.ipma("Satisfaction").table
    b = ipma(res, target="Satisfaction").table
    pd.testing.assert_frame_equal(a, b)
