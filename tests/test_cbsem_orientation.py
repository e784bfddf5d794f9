"""Factor orientation as lavaan's: the first indicator's loading positive where a factor's
sign is free (std_lv, NA* markers), also when the first item is reverse-keyed (psychTools'
bfi A1). References: tests/reference/make_reference_orientation.R (lavaan 0.6-14, BFGS with
reltol 1e-20); tolerance 1e-6 relative (measured <= 8e-8, the reference's convergence)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi

DIR = Path(__file__).parent / "data" / "lavaan_orientation"
CASES = ["bfi_agree_stdlv", "bfi_three_stdlv", "bfi_three_marker", "bfi_na_marker"]


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(DIR / "bfi_subset.csv")


@pytest.mark.parametrize("name", CASES)
def test_orientation_equals_lavaan(name: str, bfi: pd.DataFrame) -> None:
    ref = json.loads((DIR / f"{name}.json").read_text())
    p = pd.DataFrame(ref["params"])
    est = acsi.sem(ref["model"], bfi, std_lv=ref["std_lv"]).estimates
    m = est.merge(p, on=["lhs", "op", "rhs"], suffixes=("", "_r"))
    assert len(m) == len(p)
    for ours, theirs in (("est", "est_r"), ("std_all", "std.all")):
        np.testing.assert_allclose(m[ours], m[theirs], rtol=1e-6, atol=1e-9)
    free = m["se_r"] > 0  # lavaan reports se 0 for fixed parameters, acsi NaN
    np.testing.assert_allclose(m.loc[free, "se"], m.loc[free, "se_r"], rtol=1e-6)
    assert m.loc[~free, "se"].isna().all()


def test_first_loading_positive_with_reverse_keyed_first_item(bfi: pd.DataFrame) -> None:
    est = acsi.sem("Agree =~ A1 + A2 + A3 + A4 + A5", bfi, std_lv=True).estimates
    load = est[est.op == "=~"].set_index("rhs")["est"]
    assert load["A1"] > 0 and (load[["A2", "A3", "A4", "A5"]] < 0).all()
