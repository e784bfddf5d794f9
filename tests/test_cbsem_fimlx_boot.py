"""The bootstrap of FIML fits with fixed.x covariates (``missing="ml"`` / ``"ml.x"``) against
lavaan 0.6-14's ``bootstrapLavaan`` on the same resampled rows.

References: tests/data/lavaan_fimlx/boot_*.json, made by tests/reference/make_reference_bootstrap_fimlx.R
(data and models of make_reference_fimlx.R; empty rows removed first). lavaan's replicates keep
the covariates' fixed means and (co)variances at their full-sample values (for ``"ml"`` the free
estimates do not depend on them; the standardized solution does, and equals lavaan's only so).

Tolerances: the replicates against tight refits of lavaan (Newton-polished) rtol 1e-6 (measured
1.5e-7); against lavaan's own replicates (its default convergence) and their standardized
solutions rtol 1e-3, atol 1e-5 (measured 5e-5 relative), as tests/test_cbsem_bootstrap_extra.py.
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi

REF = Path(__file__).parent / "data" / "lavaan_fimlx"
CASES = ("pdx_ml", "pdx_mlx", "hsx_ml", "hsx_mlx")


@cache
def _case(name: str) -> tuple:
    ref = json.loads((REF / f"boot_{name}.json").read_text())
    data = pd.read_csv(REF / ref["data"])
    data = data[data.notna().any(axis=1)].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = acsi.sem(ref["model"], data, missing=ref["missing"])
        boot = res.bootstrap(indices=np.asarray(ref["idx"]) - 1)  # (too few replicates for an interval)
    return ref, res, boot


@pytest.mark.parametrize("name", CASES)
def test_replicates_equal_lavaan(name: str) -> None:
    ref, res, boot = _case(name)
    assert res.nobs == len(ref["case_idx"])
    assert boot.draws.shape == (len(ref["idx"]), len(ref["coef_names"]))
    tight = np.asarray(ref["tight_coef"], dtype=float)
    assert ref["tight_grad_max"] < 1e-8
    np.testing.assert_allclose(boot.draws.to_numpy(), tight, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(boot.draws.to_numpy(), np.asarray(ref["coef"], dtype=float), rtol=1e-3, atol=1e-5)
    assert boot.n_failed == len(ref["error_idx"]) == 0
    # lavaan's nonadmissible replicates (1-based; a single one is stored as a number)
    lav = list(np.atleast_1d(np.asarray(ref["nonadmissible"], dtype=int)))
    assert list(np.flatnonzero(boot.inadmissible_mask) + 1) == lav


@pytest.mark.parametrize("name", CASES)
def test_standardized_replicates_equal_lavaan(name: str) -> None:
    ref, res, boot = _case(name)
    rows = pd.DataFrame(ref["std_rows"])
    e = res.estimates
    keys = list(zip(e.lhs, e.op, e.rhs))
    pos = [keys.index(k) for k in zip(rows.lhs, rows.op, rows.rhs)]
    got = boot.standardized_draws.to_numpy()[:, pos]
    np.testing.assert_allclose(got, np.asarray(ref["std_boot_lavaan"], dtype=float), rtol=1e-3, atol=1e-5)
