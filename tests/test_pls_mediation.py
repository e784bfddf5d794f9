"""Mediation (boot.specific_effect, boot.mediation) against the seminr PyPI port given R's
resample rows (boot_indices_m2.json, whose bootstrap equals R seminr's M6b fixture), direct
products of the path draws, and the Zhao, Lynch & Chen (2010) rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.exceptions import SpecificationError
from acsi.plspm.mediation import ZHAO_TYPES, zhao_type
from tests.conftest import ECSI_MOBI

DATA = Path(__file__).parent / "data" / "seminr"
PORT = json.loads((DATA / "mga_port_mobi.json").read_text())["mediation"]
IDX = np.asarray(json.loads((DATA / "boot_indices_m2.json").read_text())["indices"]) - 1


@pytest.fixture(scope="module")
def boot() -> acsi.plspm.bootstrap.BootstrapResult:
    res = acsi.pls(ECSI_MOBI, acsi.datasets.load_mobi())
    return res.bootstrap(indices=IDX)


@pytest.mark.parametrize(
    "case", PORT["specific_effects"], ids=lambda c: " -> ".join([c["from"], *c["through"], c["to"]])
)
def test_specific_effect_equals_seminr(boot: acsi.plspm.bootstrap.BootstrapResult, case: dict) -> None:
    eff = boot.specific_effect(case["from"], case["through"], case["to"])
    got = [eff.est, eff.boot_mean, eff.boot_se, eff.t, eff.ci_lower, eff.ci_upper, eff.pvalue]
    keys = ("original_est", "bootstrap_mean", "bootstrap_sd", "t_stat", "ci_lower", "ci_upper", "bootstrap_p")
    want = [case[k] for k in keys]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    assert eff.route == (case["from"], *case["through"], case["to"])


def test_specific_effect_is_the_product_of_the_path_draws(boot: acsi.plspm.bootstrap.BootstrapResult) -> None:
    draws = boot.draws
    route = ["Image", "Satisfaction", "Complaints", "Loyalty"]
    prod = np.ones(len(draws))
    est = 1.0
    paths = boot.paths.set_index(["source", "target"]).est
    for a, b in zip(route[:-1], route[1:]):
        prod *= draws[("paths", a, b)].to_numpy()
        est *= paths[(a, b)]
    eff = boot.specific_effect("Image", ["Satisfaction", "Complaints"], "Loyalty", level=0.9)
    assert eff.est == pytest.approx(est, rel=1e-14)
    assert eff.boot_se == pytest.approx(prod.std(ddof=1), rel=1e-12)
    np.testing.assert_allclose([eff.ci_lower, eff.ci_upper], np.quantile(prod, [0.05, 0.95]), rtol=1e-12)
    assert boot.specific_effect("Image", "Satisfaction", "Loyalty").est == pytest.approx(
        paths[("Image", "Satisfaction")] * paths[("Satisfaction", "Loyalty")], rel=1e-14
    )


def test_mediation_table(boot: acsi.plspm.bootstrap.BootstrapResult) -> None:
    med = boot.mediation()
    t = med.table
    # every route of two or more paths: the specific effects sum to the total indirect effect
    eff = med.effects.set_index(["source", "target"])
    for (s, tg), grp in t.groupby(["source", "target"]):
        assert grp.est.sum() == pytest.approx(eff.loc[(s, tg), "total_indirect"], abs=1e-12)
        assert len(grp) == eff.loc[(s, tg), "n_routes"]
    il = t[(t.source == "Image") & (t.target == "Loyalty")]
    assert len(il) == 10  # 2 via Satisfaction alone + 4 routes Image -> ... -> Satisfaction x 2 endings
    lo, hi = PORT["total_indirect_ci_image_loyalty"]
    assert eff.loc[("Image", "Loyalty"), "ti_ci_lower"] == pytest.approx(lo, rel=1e-9)
    assert eff.loc[("Image", "Loyalty"), "ti_ci_upper"] == pytest.approx(hi, rel=1e-9)
    assert set(t["type"]) <= set(ZHAO_TYPES)
    for row in t.itertuples():
        ind = row.ci_lower > 0 or row.ci_upper < 0
        dsig = bool(row.direct_ci_lower > 0 or row.direct_ci_upper < 0)
        assert row.type == zhao_type(ind, dsig, row.est * row.direct)
    assert "PLS mediation analysis" in str(med.summary())
    tab = med.table
    tab.iloc[0, 3] = 7.0
    assert med.table.iloc[0, 3] != 7.0


def test_zhao_types() -> None:
    assert zhao_type(True, True, 0.3) == "complementary mediation"
    assert zhao_type(True, True, -0.3) == "competitive mediation"
    assert zhao_type(True, False, 0.0) == "indirect-only mediation"
    assert zhao_type(False, True, 0.1) == "direct-only (no mediation)"
    assert zhao_type(False, False, 0.1) == "no effect (no mediation)"


def test_bad_routes(boot: acsi.plspm.bootstrap.BootstrapResult) -> None:
    msg = r"through=\['Quality'\] does not give a route from 'Image' to 'Loyalty'.*Quality -> Loyalty"
    with pytest.raises(SpecificationError, match=msg):
        boot.specific_effect("Image", ["Quality"], "Loyalty")
    with pytest.raises(SpecificationError, match="Mediators on a route from Image to Expectation: none"):
        boot.specific_effect("Image", "Loyalty", "Expectation")
    with pytest.raises(SpecificationError, match="from_='Nope' is not a construct"):
        boot.specific_effect("Nope", None, "Loyalty")
    with pytest.raises(SpecificationError, match="through must be a construct name"):
        boot.specific_effect("Image", 3, "Loyalty")
    assert isinstance(boot.specific_effect("Image", None, "Loyalty").to_series(), pd.Series)


def test_specific_effect_intervals_equal_r_seminr_fixture() -> None:
    """seminr's own fixture conf_ints.csv (R, tests/testthat/test-bootstrap.R): the intervals
    of specific_effect_significance, with the 200 resample rows R drew (set.seed(123 + i);
    sample.int(250, replace = TRUE)), factorial scheme."""
    ref = json.loads((DATA / "mga_conf_ints.json").read_text())
    idx = np.asarray(ref["indices_1based"]) - 1
    model = """
    Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    Expectation =~ CUEX1 + CUEX2 + CUEX3
    Value =~ PERV1 + PERV2
    Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    Satisfaction ~ Image + Expectation + Value
    Expectation ~ Image
    """
    boot = acsi.pls(model, acsi.datasets.load_mobi(), scheme="factorial").bootstrap(indices=idx)
    e95 = boot.specific_effect("Image", "Expectation", "Satisfaction")
    e90 = boot.specific_effect("Image", "Expectation", "Satisfaction", level=0.9)
    direct = boot.specific_effect("Image", None, "Satisfaction")
    got = [e95.ci_lower, e95.ci_upper, e90.ci_lower, e90.ci_upper, direct.ci_lower, direct.ci_upper]
    np.testing.assert_allclose(got, ref["values"], atol=1e-12, rtol=0)
