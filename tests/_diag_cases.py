"""Shared loader of the issue-11 diagnostics references (tests/data/lavaan_issue11/diag_*.json)."""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

from conftest import load_reference

import acsi

CASES = ["hs_ml", "hs_mlr", "hs_stdlv_ms", "hs_x", "pd_equal", "pd_indirect", "pd_indirect_mlr",
         "mobi_ml", "mobi_mlr"]
_DATA = {
    "holzinger_swineford_1939.csv": acsi.datasets.load_holzinger_swineford,
    "political_democracy.csv": acsi.datasets.load_political_democracy,
    "mobi.csv": acsi.datasets.load_mobi,
}


def ref(case: str) -> Any:
    return load_reference(f"lavaan_issue11/diag_{case}.json")


@cache
def fitted(case: str) -> Any:
    """The acsi fit of a reference case (same model, data and options as lavaan's)."""
    r = ref(case)
    data = _DATA[r["data"]]()
    est = "MLR" if "MLR" in r["call"] else "ML"
    fun = acsi.cfa if r["call"].startswith("cfa") else acsi.sem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mobi's chain has a Heywood case (as in lavaan)
        return fun(r["model"], data, estimator=est, **(r.get("options") or {}))
