"""The block-wise (chunked) MLR kernels equal the direct casewise computation.

:func:`acsi.cbsem.robust.first_order_information`, the h1 trace and the baseline first-order
information accumulate over blocks of rows and (for LISREL models) build the casewise
gradients from small products; here they are checked against the textbook computation
(all casewise scores materialised, times ``Delta``) to 1e-12, for several block sizes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.cbsem import robust
from acsi.cbsem.moments import (
    baseline_moments,
    casewise_scores,
    h1_quadratic,
    moment_deviations,
    x_indices,
    x_mask,
)

PD_MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"""
REG_MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem60 ~ ind60
y5 ~ dem60 + x1
"""
PATH_MODEL = "y1 ~ x1 + x2; y2 ~ y1 + x3"


def _fits(hs: pd.DataFrame, poldem: pd.DataFrame) -> list[acsi.cbsem.results.SEMResult]:
    hs_model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    return [
        acsi.cfa(hs_model, hs, estimator="MLR"),
        acsi.cfa(hs_model, hs, estimator="MLR", meanstructure=True),
        acsi.sem(PD_MODEL, poldem, estimator="MLR"),
        acsi.sem(PD_MODEL, poldem, estimator="MLR", meanstructure=True),
        acsi.sem(REG_MODEL, poldem, estimator="MLR"),
        acsi.sem(REG_MODEL, poldem, estimator="MLR", meanstructure=True),
        acsi.sem(PATH_MODEL, poldem, estimator="MLR"),
        acsi.sem(PATH_MODEL, poldem, estimator="MLR", meanstructure=True),
    ]


def _direct_b0(core) -> np.ndarray:
    mu = core.mu if core.meanstructure else core.mean
    sc = casewise_scores(core.X, mu, core.Sigma, core.meanstructure, x_indices(core))
    g = sc @ core.Delta
    return (g.T @ g) / core.N


def _close(a: np.ndarray, b: np.ndarray) -> None:
    scale = max(1.0, float(np.max(np.abs(b))))
    assert np.max(np.abs(np.asarray(a) - np.asarray(b))) <= 1e-12 * scale


@pytest.mark.parametrize("chunk", [None, 1, 7, 10_000])
def test_first_order_information_chunked_equals_direct(hs, poldem, chunk):
    for res in _fits(hs, poldem):
        core = res.core
        _close(robust.first_order_information(core, chunk_rows=chunk), _direct_b0(core))


def test_h1_trace_chunked_equals_direct(hs, poldem):
    for res in _fits(hs, poldem):
        core = res.core
        x_idx = x_indices(core)
        mask = x_mask(core.S.shape[0], x_idx, core.meanstructure)
        zc = moment_deviations(core.X, core.meanstructure, x_idx)
        zc[:, mask] = 0.0
        direct = float(h1_quadratic(np.linalg.inv(core.S), zc, core.meanstructure).sum() / core.N)
        for chunk in (None, 3, 100_000):
            tr, ndat = robust._h1_trace(core, x_idx, chunk_rows=chunk)
            assert ndat == int((~mask).sum())
            assert abs(tr - direct) <= 1e-12 * abs(direct)


def test_baseline_first_order_chunked_equals_direct(hs, poldem):
    for res in _fits(hs, poldem):
        core = res.core
        x_idx = x_indices(core)
        sigma0, sel0 = baseline_moments(core, x_idx)
        sc0 = casewise_scores(core.X, core.mean, sigma0, core.meanstructure, x_idx)[:, sel0]
        direct = (sc0.T @ sc0) / core.N
        for chunk in (None, 5):
            _close(robust._baseline_first_order(core, sigma0, sel0, chunk_rows=chunk), direct)


def test_fixed_x_is_covered(hs, poldem):
    assert any(res.core.fixed_x for res in _fits(hs, poldem))


def test_general_path_equals_structural_path(hs, poldem):
    """The Delta-based fallback (used for non-LISREL cores) agrees with the structural one."""
    for res in _fits(hs, poldem):
        core = res.core
        si = np.linalg.inv(core.Sigma)
        assert robust._score_plan(core, si, np.asarray(core.Delta), x_indices(core)) is not None

        class Plain:  # the same numbers, not an EstimationCore: the general path
            def __init__(self, inner):
                self._inner = inner

            def __getattr__(self, name):
                return getattr(self._inner, name)

        _close(robust.first_order_information(Plain(core), chunk_rows=11), _direct_b0(core))
        # the cached B0 (computed once per fit) is the direct one
        _close(robust.first_order_information(core), _direct_b0(core))
