"""The production PLS kernel (batched, :mod:`acsi.plspm.batched`) against the scalar test
oracle (tests/pls_oracle.py) on every seminr fixture model, under every inner scheme, with
and without PLSc: Mode A and Mode B blocks, single items, constructs without structural
paths (isolated), missing-data policies. Agreement to 1e-12 (both are exact algorithms on
the same correlation matrix; they differ only in the order of floating-point operations).
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from pls_oracle import fit_kernel as oracle_fit
from pls_oracle import plsc_correct as oracle_plsc
from pls_oracle import rho_a as oracle_rho_a
from test_pls_seminr import M1, M2, M3
from test_pls_zoo import CASES, load, options, ref

import acsi
from acsi.datasets import load_corp_rep, load_mobi, load_satisfaction
from acsi.plspm.algorithm import fit_kernel
from acsi.plspm.plsc import plsc_correct, rho_a

TOL = 1e-12
PORT = Path(__file__).parent / "data" / "seminr_port"
SCHEMES = ("path", "factorial", "centroid")


def _port(name: str) -> tuple[str, object, dict]:
    r = json.loads((PORT / f"{name}.json").read_text())
    kw: dict = {"scheme": r["scheme"]}
    if name.startswith("corp_rep"):
        data = load_corp_rep(na_code=None)
        kw.update(na_values=-99, missing="mean" if r["missing"] == "mean" else "listwise")
    elif name.startswith("mobi"):
        data = load_mobi()
        kw["consistent"] = True
    else:
        data = load_satisfaction()
    return r["acsi_model"], data, kw


FIXTURES: dict[str, tuple[str, object, dict] | None] = {
    "seminr_M1": None, "seminr_M2": None, "seminr_M3": None,
    **{f"port_{p.stem}": None for p in sorted(PORT.glob("*.json"))
       if not p.stem.startswith(("zoo_", "predict_", "cvpat_"))},
    **{f"zoo_{c}": None for c in CASES},
}


@cache
def fitted(name: str):
    if name.startswith("seminr_"):
        model = {"M1": M1, "M2": M2, "M3": M3}[name[7:]]
        model, data, kw = model, load_mobi(), {"consistent": name == "seminr_M3"}
    elif name.startswith("port_"):
        model, data, kw = _port(name[5:])
    else:
        r = ref(name[4:])
        model, data, kw = r["acsi_model"], load(r["data"]), options(r)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return acsi.pls(model, data, **kw)


def _same(a, b) -> None:
    assert a.iterations == b.iterations
    assert a.converged == b.converged
    for name in ("W", "C", "B", "L", "r2"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), atol=TOL, rtol=0, equal_nan=True, err_msg=name)
    if b.rho_a is not None:
        np.testing.assert_allclose(a.rho_a, b.rho_a, atol=TOL, rtol=0, err_msg="rho_a")


def _oracle(res, scheme: str, consistent: bool):
    s = res.settings
    k = oracle_fit(res.R, res.spec, scheme=scheme, tol=s.tol, max_iter=s.max_iter)
    return oracle_plsc(res.R, res.spec, k) if consistent else k


@pytest.mark.parametrize("name", list(FIXTURES))
def test_point_estimate_equals_oracle(name):
    """acsi.pls's kernel (the batched one on R[None]) equals the oracle for the fixture's options."""
    res = fitted(name)
    _same(res.kernel, _oracle(res, res.settings.scheme, res.kernel.consistent))


@pytest.mark.parametrize("consistent", [False, True])
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", list(FIXTURES))
def test_every_scheme_and_mode_equals_oracle(name, scheme, consistent):
    res = fitted(name)
    s = res.settings
    with np.errstate(all="ignore"):
        mine = fit_kernel(res.R, res.spec, scheme=scheme, tol=s.tol, max_iter=s.max_iter, consistent=consistent)
        _same(mine, _oracle(res, scheme, consistent))
        # the single-fit wrappers apply the same formulas
        expected = oracle_rho_a(res.R, mine.W, res.spec)
        np.testing.assert_allclose(rho_a(res.R, mine.W, res.spec), expected, atol=TOL, rtol=0)
        if not consistent:
            _same(plsc_correct(res.R, res.spec, mine), oracle_plsc(res.R, res.spec, mine))


def test_fixtures_cover_modes_and_isolated_constructs():
    """The parametrization really includes Mode B, PLSc, single items and isolated constructs."""
    specs = [fitted(n).spec for n in FIXTURES]
    assert any("B" in s.mode for s in specs)
    assert any(((s.inner | s.inner.T).any(axis=0) == 0).any() for s in specs)
    assert any((np.bincount(s.block) == 1).any() for s in specs)
    assert any(fitted(n).kernel.consistent for n in FIXTURES)
