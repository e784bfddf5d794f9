"""Interaction terms (moderation) in acsi.pls against seminr's fixtures and the seminr port.

References: seminr's test fixtures (tests/data/seminr/coefficients*.csv, weights*.csv from
test-pls.r; interaction_fsquare.csv from test-plsc-fsquared.R) and bootstrap replicates of
the PyPI seminr port on given resamples (port_hoc_interaction_boot.json).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import SEMINR_DIR
from numpy.testing import assert_allclose

import acsi
from acsi.exceptions import ModelSyntaxError, SpecificationError

MOBI_INT = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value + Image:Expectation + Image:Value
"""

MOBI_ONE = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value + Image:Expectation
"""


def _items(prefix: str, n: int) -> str:
    return " + ".join(f"{prefix}{i}" for i in range(1, n + 1))


CORP_MOD = f"""
QUAL <~ {_items('qual_', 8)}
PERF <~ {_items('perf_', 5)}
CSOR <~ {_items('csor_', 5)}
ATTR <~ {_items('attr_', 3)}
COMP =~ {_items('comp_', 3)}
LIKE =~ {_items('like_', 3)}
CUSA =~ cusa
SC   =~ {_items('switch_', 4)}
CUSL =~ {_items('cusl_', 3)}
COMP ~ QUAL + PERF + CSOR + ATTR
LIKE ~ QUAL + PERF + CSOR + ATTR
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA + SC + CUSA:SC
"""


@pytest.mark.parametrize("method,suffix", [("orthogonal", ""), ("product_indicator", "2")])
def test_equals_seminr_fixtures(mobi: pd.DataFrame, method: str, suffix: str) -> None:
    res = acsi.pls(MOBI_INT, mobi, interaction=method, scheme="factorial")
    coef = pd.read_csv(SEMINR_DIR / f"coefficients{suffix}.csv", index_col=0)
    # seminr's coefficients fixtures are printed with 9 decimals
    assert_allclose(res.paths.loc[coef.index, "Satisfaction"].to_numpy(), coef["Satisfaction"].to_numpy(),
                    atol=5e-9, rtol=0)
    w = pd.read_csv(SEMINR_DIR / f"weights{suffix}.csv", index_col=0)
    assert list(res.weights.columns) == list(w.columns)  # "Image*Expectation": seminr's name
    assert_allclose(res.weights.loc[w.index, w.columns].to_numpy(), w.to_numpy(), atol=1e-12, rtol=0)
    items = res.interactions.set_index("construct").loc["Image*Expectation", "items"].split(", ")
    assert items[:3] == ["IMAG1*CUEX1", "IMAG1*CUEX2", "IMAG1*CUEX3"]


def test_f_squared_equals_seminr(corp_rep_raw: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = acsi.pls(CORP_MOD, corp_rep_raw, missing="mean", na_values=-99, interaction="two_stage")
    ref = pd.read_csv(SEMINR_DIR / "interaction_fsquare.csv", index_col=0)
    mine = res.f_squared.loc[ref.index, ref.columns]
    assert (mine.isna().to_numpy() == ref.isna().to_numpy()).all()  # NaN for CUSA, SC -> CUSL
    assert_allclose(mine.fillna(0).to_numpy(), ref.fillna(0).to_numpy(), atol=1e-10, rtol=0)


@pytest.mark.parametrize("method,case", [("product_indicator", "pi"), ("orthogonal", "orthogonal"),
                                         ("two_stage", "two_stage")])
def test_bootstrap_equals_seminr_port_replicates(mobi: pd.DataFrame, method: str, case: str) -> None:
    ref = json.loads((SEMINR_DIR / "port_hoc_interaction_boot.json").read_text())
    idx = np.asarray(ref["indices_0based"])
    c = ref["cases"][case]
    res = acsi.pls(MOBI_ONE, mobi, interaction=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = res.bootstrap(indices=idx)
    d = boot.draws
    mine = np.column_stack([d[("paths", s, t)].to_numpy() for s, t in c["paths"]])
    assert_allclose(mine, np.asarray(c["boot_paths"]), atol=1e-10, rtol=0)


def test_hoc_and_interaction_bootstrap_equals_port(mobi: pd.DataFrame) -> None:
    from test_pls_hoc import HOC_2SI

    ref = json.loads((SEMINR_DIR / "port_hoc_interaction_boot.json").read_text())
    c = ref["cases"]["hoc_2si"]
    res = acsi.pls(HOC_2SI, mobi, interaction="two_stage")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = res.bootstrap(indices=np.asarray(ref["indices_0based"]))
    mine = np.column_stack([boot.draws[("paths", s, t)].to_numpy() for s, t in c["paths"]])
    assert_allclose(mine, np.asarray(c["boot_paths"]), atol=1e-10, rtol=0)


def test_simple_slopes_and_plot(mobi: pd.DataFrame) -> None:
    res = acsi.pls(MOBI_ONE, mobi)
    b = res.paths
    tab = res.simple_slopes("Image", "Expectation", "Satisfaction")
    assert_allclose(tab.slope.to_numpy(),
                    b.loc["Image", "Satisfaction"] + b.loc["Image*Expectation", "Satisfaction"] * np.array([-1, 0, 1]))
    boot = res.bootstrap(n=200, seed=3)
    tab = res.simple_slopes("Image", "Expectation", "Satisfaction", boot=boot)
    d = boot.draws
    draws = d[("paths", "Image", "Satisfaction")] + d[("paths", "Image*Expectation", "Satisfaction")]
    assert_allclose(tab.boot_se.iloc[2], draws.std(ddof=1), rtol=1e-12)
    assert_allclose(tab.ci_lower.iloc[2], np.quantile(draws, 0.025), rtol=1e-12)
    # the moderator may be named first
    alt = res.simple_slopes("Expectation", "Image", "Satisfaction")
    assert alt.iv.iloc[0] == "Expectation"
    with pytest.raises(SpecificationError, match="no interaction of 'Image' and 'Value'"):
        res.simple_slopes("Image", "Value", "Satisfaction")
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from acsi.plotting import plot_simple_slopes

    fig = plot_simple_slopes(res, "Image", "Expectation", "Satisfaction", boot=boot)
    assert len(fig.axes[0].lines) == 3
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_interaction_summary_and_factor(mobi: pd.DataFrame) -> None:
    res = acsi.pls(MOBI_ONE, mobi, interaction="two_stage")
    f = float(res.interactions.factor.iloc[0])
    # seminr: the single item's loading is the SD of the product of the first-stage scores
    assert_allclose(res.loadings.loc["Image*Expectation_intxn", "Image*Expectation"], f, rtol=1e-12)
    assert "Interaction terms (two_stage)" in str(res.summary())


BAD = [
    ("self", "A =~ IMAG1 + IMAG2\nY =~ CUSA1 + CUSA2\nY ~ A + A:A", SpecificationError,
     r"line 3: Y ~ A \+ A:A: 'A:A' is the interaction of 'A' with itself"),
    ("unknown part", "A =~ IMAG1 + IMAG2\nY =~ CUSA1 + CUSA2\nY ~ A + A:M", SpecificationError,
     r"line 3: .*'M' in the interaction term 'A:M' is not a construct of the model"),
    ("outcome", "A =~ IMAG1 + IMAG2\nM =~ CUEX1 + CUEX2\nY =~ CUSA1 + CUSA2\nA:M ~ Y", SpecificationError,
     r"line 4: .*'A:M' cannot be an outcome"),
    ("twice", "A =~ IMAG1 + IMAG2\nM =~ CUEX1 + CUEX2\nY =~ CUSA1 + CUSA2\nY ~ A + M + A:M + M:A",
     SpecificationError, r"'M:A' and 'A:M' are the same interaction"),
    ("lavaan star", "A =~ IMAG1 + IMAG2\nM =~ CUEX1 + CUEX2\nY =~ CUSA1 + CUSA2\nY ~ A + M + A*M",
     SpecificationError, r"line 4: .*written with a colon: 'Y ~ A:M'"),
    ("three-way", "A =~ IMAG1 + IMAG2\nM =~ CUEX1 + CUEX2\nY =~ CUSA1 + CUSA2\nY ~ A + A:M:Y",
     ModelSyntaxError, r"':' is not an operator"),
]


@pytest.mark.parametrize("what,model,exc,match", BAD, ids=[b[0] for b in BAD])
def test_bad_interaction_models(mobi: pd.DataFrame, what: str, model: str, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        acsi.pls(model, mobi)


def test_unknown_interaction_method(mobi: pd.DataFrame) -> None:
    with pytest.raises(SpecificationError, match=r"interaction='product' is not one of 'product_indicator'"):
        acsi.pls(MOBI_ONE, mobi, interaction="product")


def test_index_of_an_interaction_model(mobi: pd.DataFrame) -> None:
    res = acsi.pls(MOBI_ONE, mobi, interaction="orthogonal")
    plain = acsi.pls(MOBI_ONE.replace(" + Image:Expectation", ""), mobi)
    ix = res.index().table
    assert "Image*Expectation" not in ix.index  # no 0-100 level of a product
    boot = res.bootstrap(n=80, seed=2)
    tab = boot.index.set_index("source")
    assert_allclose(tab.est.to_numpy(), ix["index"].loc[tab.index].to_numpy(), atol=1e-10)
    # the data of the fit keep the observed items on their scale
    assert_allclose(res.data.X[:, 0], mobi["IMAG1"].to_numpy(dtype=float))
    assert plain.index().table.shape[0] == ix.shape[0]


PLSC_INT = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX3
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value + Image:Expectation
"""


def test_plsc_with_interaction_equals_seminr(mobi: pd.DataFrame) -> None:
    """seminr's test-consistent-interactions.R: reflective constructs, orthogonal interaction
    (a composite, rho_A = 1); its paths fixture is rounded to 3 decimals, the reliability
    fixture has full precision."""
    res = acsi.pls(PLSC_INT, mobi, consistent=True, interaction="orthogonal")
    paths = pd.read_csv(SEMINR_DIR / "plsc-interaction-paths.csv", index_col=0)["Satisfaction"]
    assert_allclose(res.r_squared["Satisfaction"], paths["R^2"], atol=5e-4)
    got = res.paths.loc[["Image", "Expectation", "Value", "Image*Expectation"], "Satisfaction"]
    assert_allclose(got.to_numpy(), paths.iloc[2:].to_numpy(), atol=5e-4)
    rel = pd.read_csv(SEMINR_DIR / "plsc-interaction-reliability.csv", index_col=0)
    mine = res.reliability.loc[rel.index, ["alpha", "rho_c", "ave", "rho_a"]]
    assert_allclose(mine.to_numpy(), rel.to_numpy(), atol=1e-12, rtol=0)
    boot = res.bootstrap(n=100, seed=1)
    assert boot.n_failed == 0 and boot.settings["consistent"]
    est = boot.paths.set_index("source").est
    assert_allclose(est.loc["Image*Expectation"], res.paths.loc["Image*Expectation", "Satisfaction"], atol=1e-12)
    with pytest.raises(SpecificationError, match="interaction constructs are composites"):
        acsi.pls(PLSC_INT, mobi, consistent=["Image*Expectation"])


HOC_INT = """
Image    =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality  =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5
Value    =~ PERV1 + PERV2
Sat      =~ Quality + Value
Loyalty  =~ CUSL1 + CUSL2 + CUSL3
Loyalty ~ Sat + Expectation + Sat:Expectation + Image
"""


@pytest.mark.parametrize("hoc", ["two_stage", "embedded_two_stage", "repeated_indicators"])
@pytest.mark.parametrize("method", ["product_indicator", "orthogonal", "two_stage"])
def test_moderated_hoc_bootstrap_equals_refit(mobi: pd.DataFrame, hoc: str, method: str) -> None:
    """An interaction with a HOC (its items: the LOC scores, or repeated items): every
    replicate equals acsi.pls on the resampled rows, the stage-1 LOC rows and the index
    included."""
    idx = np.random.default_rng(3).integers(0, len(mobi), (2, len(mobi)))
    res = acsi.pls(HOC_INT, mobi, hoc=hoc, interaction=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = res.bootstrap(indices=idx)
        refit = acsi.pls(HOC_INT, mobi.iloc[idx[1]].reset_index(drop=True), hoc=hoc, interaction=method)
    d = boot.draws.iloc[1]
    for table, ref in (("paths", refit.paths), ("loadings", refit.loadings), ("weights", refit.weights)):
        tab = getattr(boot, table)
        got = np.array([d[(table, s, t)] for s, t in zip(tab.source, tab.target)])
        want = np.array([ref.loc[s, t] for s, t in zip(tab.source, tab.target)])
        assert_allclose(got, want, atol=1e-10, rtol=0)
    ix = boot.index
    assert len(ix) == len(refit.index().table)
    want_ix = refit.index().table["index"].loc[ix.source].to_numpy()
    assert_allclose([d[("index", s, s)] for s in ix.source], want_ix, atol=1e-9)
    if hoc != "repeated_indicators":
        assert "PERQ1" in set(boot.loadings.source)  # the LOC blocks of stage 1
