"""The low-rank (LISREL block) information and Hessian equal the dense vech computation."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import HS_MODEL as HS

import acsi
import acsi.cbsem.core as cbsem_core
import acsi.cbsem.ml as cbsem_ml

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
MODELS = [
    ("hs", HS),
    ("poldem", PD_MODEL),
    ("poldem", "y1 ~ x1 + x2; y2 ~ y1 + x3"),  # observed regressions: phantom latents, fixed.x
    ("poldem", "ind60 =~ x1 + x2 + x3; dem60 =~ y1 + y2 + y3 + y4; dem60 ~ ind60; y5 ~ dem60 + x1"),
]


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


@pytest.mark.parametrize(("data", "model"), MODELS)
def test_lowrank_information_equals_dense(data, model, request, monkeypatch):
    monkeypatch.setattr(cbsem_ml, "LOWRANK_MIN_P", 0)  # the low-rank path on small models too
    # kernels are built once per parameter table: start from an empty cache, so that a kernel
    # built by an earlier test (with the default threshold) is not reused
    monkeypatch.setattr(cbsem_core, "_STRUCTURES", {})
    df = request.getfixturevalue(data)
    core = acsi.sem(model, df).core
    kern = core.kernel
    assert kern._lowrank is not None
    Sigma, mu, parts = kern.implied(core.theta)
    _, Si = kern.fmin_parts(Sigma, mu)
    draw = kern.model.delta(parts, kern.free_rows)  # the dense gathers (DeltaPlan)
    assert _rel(kern.delta_rows(parts), draw) < 1e-14
    D = draw @ kern.K
    assert _rel(kern.delta(parts), D) < 1e-14
    dense = 0.5 * kern._trace_pair(D, Si, Si)
    assert _rel(kern.fisher(D, Si, parts), dense) < 1e-13
    assert _rel(kern.fisher(D, Si), dense) < 1e-13
    # the gradient from u' W v equals Delta' g
    assert _rel(kern._eval(core.theta).g, D.T @ kern.grad_moments(Si, mu)) < 1e-13
    P = Si @ kern.S @ Si
    assert _rel(kern._trace_pair_lowrank(parts, Si, 2.0 * P - Si), kern._trace_pair(draw, Si, 2.0 * P - Si)) < 1e-13
    # the analytic Hessian (low-rank) against lavaan's numerical differentiation of the gradient
    num = kern.observed_information_numeric(core.theta)
    assert _rel(kern.observed_information(core.theta), num) < 1e-6
