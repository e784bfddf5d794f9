"""acsi.invariance against lavaan 0.6-14's four fits and lavTestLRT (ML and MLR)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.cbsem.invariance import CFI_CUTOFF, RMSEA_CUTOFF, InvarianceResult, _status
from acsi.exceptions import SpecificationError

DATA = Path(__file__).parent / "data" / "lavaan_issue11"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
LEVELS = ("configural", "metric", "scalar", "strict")


def _ref(name: str) -> dict:
    with open(DATA / f"{name}.json") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def inv_ml() -> InvarianceResult:
    return acsi.invariance(HS_MODEL, acsi.datasets.load_holzinger_swineford(), group="school")


@pytest.fixture(scope="module")
def inv_mlr() -> InvarianceResult:
    return acsi.invariance(HS_MODEL, acsi.datasets.load_holzinger_swineford(), group="school",
                           estimator="MLR")


@pytest.mark.parametrize("est", ["ml", "mlr"])
def test_table_equals_lavtestlrt(est: str, inv_ml: InvarianceResult, inv_mlr: InvarianceResult) -> None:
    inv = inv_ml if est == "ml" else inv_mlr
    lrt = _ref(f"inv_hs_{est}_lrt")
    t = inv.table
    assert list(t.index) == lrt["rows"] == list(LEVELS)
    tab = lrt["table"]
    for ours, theirs in (("df", "Df"), ("aic", "AIC"), ("bic", "BIC"), ("chisq", "Chisq"),
                         ("chisq_diff", "Chisq diff"), ("df_diff", "Df diff"), ("p_diff", "Pr(>Chisq)")):
        ref = np.array([np.nan if v is None else v for v in tab[theirs]], dtype=float)
        np.testing.assert_allclose(t[ours].to_numpy(float), ref, rtol=1e-6, atol=1e-12, err_msg=ours)


@pytest.mark.parametrize("est", ["ml", "mlr"])
def test_fit_columns_equal_lavaan(est: str, inv_ml: InvarianceResult, inv_mlr: InvarianceResult) -> None:
    inv = inv_ml if est == "ml" else inv_mlr
    suffix = ".robust" if est == "mlr" else ""
    for lev in LEVELS:
        fit = _ref(f"inv_hs_{est}_{lev}")["fit"]
        row = inv.table.loc[lev]
        for ours, theirs in (("cfi", f"cfi{suffix}"), ("tli", f"tli{suffix}"), ("rmsea", f"rmsea{suffix}"),
                             ("srmr", "srmr"), ("npar", "npar"), ("chisq", "chisq")):
            np.testing.assert_allclose(row[ours], fit[theirs], rtol=1e-6, err_msg=f"{lev} {ours}")
        if est == "mlr":
            np.testing.assert_allclose(row["chisq_scaled"], fit["chisq.scaled"], rtol=1e-6)
    d = inv.table["delta_cfi"].to_numpy(float)
    np.testing.assert_allclose(d[1:], np.diff(inv.table["cfi"].to_numpy(float)), rtol=1e-12)


def test_fits_and_verdict(inv_ml: InvarianceResult) -> None:
    assert tuple(inv_ml.fits) == LEVELS
    assert inv_ml.fits["metric"].ngroups == 2
    assert inv_ml.table["verdict"].tolist() == ["reference", "supported", "questionable", "supported"]
    assert inv_ml.highest_level == "metric"
    text = inv_ml.summary().as_text()
    assert "Scalar invariance is questionable" in text and "Highest level supported: metric" in text
    assert "Cheung & Rensvold 2002" in text and "Chen 2007" in text
    assert "highest='metric'" in repr(inv_ml)
    assert inv_ml.verdict.startswith("Configural model (2 groups: Pasteur, Grant-White)")


def test_status_rules() -> None:
    assert _status(-0.005, 0.02, 0.5) == ("holds", "holds", "holds", "supported")
    assert _status(CFI_CUTOFF, RMSEA_CUTOFF, 0.01) == ("rejected", "rejected", "rejected", "not supported")
    assert _status(-0.02, 0.01, 0.2)[3] == "questionable"


def test_table_is_frozen(inv_ml: InvarianceResult) -> None:
    t = inv_ml.table
    t.loc["metric", "cfi"] = 0.0
    assert inv_ml.table.loc["metric", "cfi"] != 0.0
    with pytest.raises(TypeError):
        inv_ml.fits["metric"] = None  # type: ignore[index]


def test_partial_invariance_frees_parameters(hs) -> None:
    inv = acsi.invariance(HS_MODEL, hs, group="school", levels=("configural", "metric", "scalar"),
                          group_partial=["x3~1", "x7~1"])
    ref = _ref("mg_hs_partial")  # visual=~x2 and x7~1 free there: not the same model
    assert inv.table.loc["scalar", "df"] == 58
    assert ref["fit"]["df"] == 58
    e = inv.fits["scalar"].estimates
    assert e[(e.lhs == "x3") & (e.op == "~1")]["est"].nunique() == 2
    assert inv.fits["configural"].core.df == 48


def test_level_errors(hs) -> None:
    with pytest.raises(SpecificationError, match="at least two levels"):
        acsi.invariance(HS_MODEL, hs, group="school", levels=("configural",))
    with pytest.raises(SpecificationError, match="must follow the order"):
        acsi.invariance(HS_MODEL, hs, group="school", levels=("metric", "configural"))
    with pytest.raises(SpecificationError, match="levels"):
        acsi.invariance(HS_MODEL, hs, group="school", levels=("configural", "weak"))
    with pytest.raises(SpecificationError, match="sets group_equal from the levels"):
        acsi.invariance(HS_MODEL, hs, group="school", group_equal=["loadings"])


def test_means_level(hs) -> None:
    inv = acsi.invariance(HS_MODEL, hs, group="school", levels=("scalar", "means"))
    assert inv.table["df_diff"].iloc[1] == 3
    assert inv.table.loc["means", "group_equal"] == "loadings, intercepts, means"


def test_plot(inv_ml: InvarianceResult) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = inv_ml.plot()
    assert len(fig.axes) == 2
    plt.close(fig)
    fig2, ax = plt.subplots()
    assert inv_ml.plot(ax=ax) is fig2
    plt.close(fig2)
    with pytest.raises(SpecificationError, match="needs the result of acsi.invariance"):
        acsi.plotting.invariance_plot(pd.DataFrame())


def test_a_step_that_did_not_converge_is_not_assessable() -> None:
    # an undefined difference test (a fit stopped with an infinite chi-square) supports nothing
    from acsi.cbsem.invariance import _status

    assert _status(float("nan"), float("nan"), float("nan"))[3] == "not assessable"
    assert _status(0.0, 0.0, 0.5, fitted=False)[3] == "not assessable"
    assert _status(0.0, 0.0, 0.5)[3] == "supported"
