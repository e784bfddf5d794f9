"""CB-SEM results survive pickle and deepcopy (process executors, dask, saving a result)."""

from __future__ import annotations

import copy
import pickle
import warnings

import pytest
from conftest import HS_MODEL

import acsi


@pytest.fixture(scope="module")
def fits(hs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        binary = hs.assign(**{f"x{i}": (hs[f"x{i}"] > hs[f"x{i}"].median()).astype(int) for i in range(1, 10)})
        out = {
            "ml": acsi.cfa(HS_MODEL, hs),
            "mlr": acsi.cfa(HS_MODEL, hs, estimator="MLR"),
            "groups": acsi.cfa(HS_MODEL, hs, group="school", group_equal=["loadings"]),
            "fiml": acsi.cfa(HS_MODEL, hs.assign(x1=hs.x1.where(hs.index % 7 != 0)), missing="ml"),
            "ordinal": acsi.cfa(HS_MODEL, binary, ordered=True),
        }
        out["bootstrap"] = out["ml"].bootstrap(n=100, seed=1)
        out["invariance"] = acsi.invariance(HS_MODEL, hs, group="school", levels=("configural", "metric"))
    return out


@pytest.mark.parametrize("name", ["ml", "mlr", "groups", "fiml", "ordinal", "bootstrap", "invariance"])
def test_round_trip(fits, name):
    res = fits[name]
    back = pickle.loads(pickle.dumps(res))
    if name == "invariance":
        assert back.table.equals(res.table)
    else:
        assert back == res
        est = back.estimates
        assert est.equals(res.estimates)
    copy.deepcopy(res)
