"""Path diagram, loadings and reliability charts (matplotlib, Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.plotting.measurement import loadings_table
from acsi.plotting.paths import PathEdge, layered_layout, path_edges, significance_stars

ACSI_PATHS = pd.DataFrame(
    {
        "source": ["expectations", "quality", "value", "expectations", "quality",
                   "expectations", "satisfaction", "satisfaction", "complaints"],
        "target": ["quality", "value", "satisfaction", "value", "satisfaction",
                   "satisfaction", "complaints", "loyalty", "loyalty"],
        "est": [0.55, 0.56, 0.52, 0.06, 0.40, -0.05, -0.53, 0.46, 0.06],
        "pvalue": [1e-4, 1e-4, 2e-4, 0.4, 0.003, 0.5, 1e-4, 1e-4, 0.3],
    }
)


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_stars_boundaries() -> None:
    assert significance_stars(0.000999) == "***"
    assert significance_stars(0.001) == "**"
    assert significance_stars(0.0099) == "**"
    assert significance_stars(0.01) == "*"
    assert significance_stars(0.0499) == "*"
    assert significance_stars(0.05) == ""
    assert significance_stars(float("nan")) == ""


def test_layout_longest_path_layers() -> None:
    edges = [PathEdge(s, t, e) for s, t, e in ACSI_PATHS[["source", "target", "est"]].itertuples(index=False)]
    pos = layered_layout(edges)
    layers = {k: v[0] for k, v in pos.items()}
    assert layers == {"expectations": 0, "quality": 1, "value": 2, "satisfaction": 3,
                      "complaints": 4, "loyalty": 5}


def test_layout_spreads_a_layer_and_survives_cycles() -> None:
    edges = [PathEdge("a", "c", 0.1), PathEdge("b", "c", 0.2), PathEdge("c", "d", 0.3),
             PathEdge("d", "c", 0.3)]
    pos = layered_layout(edges)
    assert pos["a"][0] == pos["b"][0] == 0
    assert pos["a"][1] != pos["b"][1]
    assert set(pos) == {"a", "b", "c", "d"}  # the cycle c <-> d does not recurse forever


def test_path_diagram_labels_coefficients_and_stars() -> None:
    fig = acsi.plotting.path_diagram(ACSI_PATHS, title="ACSI")
    texts = _texts(fig)
    assert "0.55***" in texts
    assert "0.40**" in texts
    assert "0.06" in texts  # not significant: no star
    assert "-0.53***" in texts
    for name in ("expectations", "loyalty"):
        assert name in texts
    plt.close(fig)


_SMALL = "Image =~ IMAG1 + IMAG2 + IMAG3\nSat =~ CUSA1 + CUSA2 + CUSA3\nSat ~ Image"


def test_path_diagram_from_pls_result_with_r2_and_bootstrap() -> None:
    pls = acsi.pls(_SMALL, acsi.datasets.load_mobi())
    b = float(pls.paths.loc["Image", "Sat"])
    boot = pd.DataFrame({"source": ["Image"], "target": ["Sat"], "pvalue": [0.02]})
    edges, r2 = path_edges(pls, boot)
    assert edges == [PathEdge("Image", "Sat", b, 0.02)]
    assert r2 == {"Sat": float(pls.r_squared["Sat"])}
    fig = acsi.plotting.path_diagram(pls, boot)
    texts = _texts(fig)
    assert f"{b:.2f}*" in texts
    assert f"Sat\nR² = {float(pls.r_squared['Sat']):.2f}" in texts
    plt.close(fig)


def test_path_diagram_from_cbsem_result_uses_std_all() -> None:
    sem = acsi.sem(_SMALL, acsi.datasets.load_mobi())
    row = sem.estimates.query("op == '~'").iloc[0]
    edges, r2 = path_edges(sem)
    assert edges == [PathEdge("Image", "Sat", float(row["std_all"]), float(row["pvalue"]))]
    assert r2["Sat"] == float(sem.r_squared["Sat"])


def test_path_edges_from_lavaan_table() -> None:
    est = pd.DataFrame(
        {"lhs": ["f", "y", "y"], "op": ["=~", "~", "~~"], "rhs": ["x", "f", "y"],
         "est": [1.0, 2.5, 0.3], "pvalue": [np.nan, 0.0004, 0.01]}
    )
    edges, r2 = path_edges(est)
    assert edges == [PathEdge("f", "y", 2.5, 0.0004)] and r2 == {}


def test_path_diagram_errors_name_the_problem() -> None:
    with pytest.raises(acsi.SpecificationError, match="columns"):
        acsi.plotting.path_diagram(pd.DataFrame({"a": ["x"], "b": ["y"], "est": [1.0]}).set_index("a").T.reset_index())
    with pytest.raises(acsi.SpecificationError, match="no structural paths"):
        acsi.plotting.path_diagram(pd.DataFrame(np.zeros((2, 2)), index=["a", "b"], columns=["a", "b"]))
    with pytest.raises(acsi.SpecificationError, match="PLS or CB-SEM"):
        acsi.plotting.path_diagram(42)


def test_loadings_table_and_chart() -> None:
    m = pd.DataFrame({"a": [0.8, 0.65, 0.0], "b": [0.0, 0.0, 0.9]}, index=["x1", "x2", "y1"])
    tab = loadings_table(m)
    assert tab.to_dict("list") == {"construct": ["a", "a", "b"], "indicator": ["x1", "x2", "y1"],
                                   "loading": [0.8, 0.65, 0.9]}
    fig = acsi.plotting.loadings_chart(m)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x1 (a)", "x2 (a)", "y1 (b)"]
    assert any(np.allclose(line.get_xdata(), 0.708) for line in ax.get_lines())
    plt.close(fig)


def test_reliability_chart_thresholds_and_errors() -> None:
    rel = pd.DataFrame({"alpha": [0.8, 0.6], "rho_c": [0.85, 0.7], "ave": [0.6, 0.45]},
                       index=["quality", "loyalty"])
    fig = acsi.plotting.reliability_chart(rel)
    ax = fig.axes[0]
    ys = sorted(float(line.get_ydata()[0]) for line in ax.get_lines())
    assert ys == [0.5, 0.7]
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == sorted([0.8, 0.6, 0.85, 0.7, 0.6, 0.45])
    plt.close(fig)
    with pytest.raises(acsi.SpecificationError, match="rho_a"):
        acsi.plotting.reliability_chart(rel, measures=("rho_a",))


def test_path_through_a_construct_is_drawn_as_an_arc_above_it() -> None:
    # ECSI layout: Image -> Satisfaction would cross Quality (same row): drawn as an arc
    tab = pd.DataFrame({
        "source": ["Image", "Expectation", "Quality", "Image", "Expectation", "Value", "Quality"],
        "target": ["Expectation", "Quality", "Value", "Satisfaction", "Value", "Satisfaction", "Satisfaction"],
        "est": [0.50, 0.56, 0.56, 0.18, 0.05, 0.19, 0.51],
    })
    fig = acsi.plotting.path_diagram(tab)
    ax = fig.axes[0]
    names = set(tab["source"]) | set(tab["target"])
    node_y = {t.get_text(): t.get_position()[1] for t in ax.texts if t.get_text() in names}
    label_y = {t.get_text(): t.get_position()[1] for t in ax.texts}
    assert label_y["0.18"] > max(node_y.values())  # above every construct
    from matplotlib.patches import FancyArrowPatch

    rads = sorted(abs(p.get_connectionstyle().rad) for p in ax.patches if isinstance(p, FancyArrowPatch))
    assert rads.count(0.0) == len(tab) - 1 and rads[-1] > 0
    plt.close(fig)
