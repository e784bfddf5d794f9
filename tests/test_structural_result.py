"""Both structural families implement the StructuralResult interface with the fixed layouts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.results.structural import LOADING_COLUMNS, PATH_COLUMNS, StructuralResult

MODEL = """
Image =~ IMAG1 + IMAG2 + IMAG3
Expectation =~ CUEX1 + CUEX2 + CUEX3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Expectation ~ Image
Satisfaction ~ Image + Expectation
"""


@pytest.fixture(scope="module")
def fits():
    mobi = acsi.datasets.load_mobi()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", acsi.exceptions.InadmissibleSolutionWarning)  # PLSc path > 1
        plsc = acsi.pls(MODEL, mobi, consistent=True)
    return {"cbsem": acsi.sem(MODEL, mobi), "pls": acsi.pls(MODEL, mobi), "plsc": plsc}


@pytest.mark.parametrize("name", ["cbsem", "pls", "plsc"])
def test_protocol_and_layouts(fits, name):
    res = fits[name]
    assert isinstance(res, StructuralResult)
    assert res.family == ("cbsem" if name == "cbsem" else "pls")
    assert set(res.constructs) == {"Image", "Expectation", "Satisfaction"}
    assert res.blocks["Image"] == ("IMAG1", "IMAG2", "IMAG3")
    assert set(res.indicators) == {x for b in res.blocks.values() for x in b}
    pt, lt = res.path_table, res.loadings_table
    assert tuple(pt.columns) == PATH_COLUMNS and tuple(lt.columns) == LOADING_COLUMNS
    assert set(zip(pt["source"], pt["target"])) == {
        ("Image", "Expectation"), ("Image", "Satisfaction"), ("Expectation", "Satisfaction")}
    assert len(lt) == 9 and list(lt["indicator"]) == list(res.indicators)
    assert res.nobs == 250
    assert list(res.latent_cov.index) == list(res.latent_cov.columns)
    assert set(res.latent_cov.index) == set(res.constructs)
    assert set(res.indicators) <= set(res.indicator_cov.index)
    assert isinstance(res.r_squared, pd.Series) and "Satisfaction" in res.r_squared.index


def test_cbsem_tables_are_views_of_the_estimates(fits):
    res = fits["cbsem"]
    est = res.estimates
    reg = est[est["op"] == "~"]
    np.testing.assert_array_equal(res.path_table["est"], reg["est"])
    np.testing.assert_array_equal(res.path_table["std"], reg["std_all"])
    np.testing.assert_array_equal(res.path_table["pvalue"], reg["pvalue"])
    assert res.loadings_table["weight"].isna().all()
    # latent covariance: the model-implied one, whose standardization gives std_all of "~~"
    V = res.latent_cov.to_numpy()
    d = np.sqrt(np.diag(V))
    np.testing.assert_allclose(V, V.T, atol=1e-12)
    row = est[(est["op"] == "~~") & (est["lhs"] == "Image") & (est["rhs"] == "Image")]
    assert V[0, 0] == pytest.approx(float(row["est"].iloc[0]), abs=1e-12)
    assert np.all(d > 0)
    pd.testing.assert_frame_equal(res.indicator_cov, res.sample_cov)


@pytest.mark.parametrize("name", ["pls", "plsc"])
def test_pls_tables(fits, name):
    res = fits[name]
    pt = res.path_table
    np.testing.assert_array_equal(pt["est"], pt["std"])
    assert pt[["se", "z", "pvalue", "ci_lower", "ci_upper"]].isna().all().all()
    for s, t, b in zip(pt["source"], pt["target"], pt["est"]):
        assert b == res.paths.loc[s, t]
    lt = res.loadings_table
    for c, x, lo, w in zip(lt["construct"], lt["indicator"], lt["est"], lt["weight"]):
        assert lo == res.loadings.loc[x, c] and w == res.weights.loc[x, c]
    pd.testing.assert_frame_equal(res.latent_cov, res.construct_correlations)
    assert res.n == res.nobs


def test_pls_kernel_is_read_only(fits) -> None:
    res = fits["pls"]
    effects = res.effects
    with pytest.raises(ValueError, match="read-only"):
        res.kernel.B[0, 1] = 7.0
    with pytest.raises(ValueError, match="read-only"):
        res.R[0, 0] = 7.0
    pd.testing.assert_frame_equal(res.effects, effects)
    assert len(repr(res)) < 2000 and repr(res).startswith("PLSResult(")
