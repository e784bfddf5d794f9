"""The fast routes of the PLS point estimate (issue 14) give the numbers of the plain ones.

* ``refit_r2`` (every f-squared refit in one batch) against one ``fit_kernel`` per path
  left out, for every scheme, PLSc, Mode B and a refit that isolates a construct;
* ``data.prepare_complete`` against ``prepare_data``, and ``None`` for every case that
  needs the full checks (missing values, codes, text, infinite values, duplicates, ...);
* ``correlation_sd`` against numpy;
* the vectorised alpha / rho_C / AVE / HTMT against block-by-block loops, NaN included;
* the model text is parsed once, and errors are raised on every call;
* (issue 14, round 3) the joint regressions of a single fit against one solve per target,
  the padded batched VIFs against a plain inverse per block, the labels, plan and f-squared
  structures shared per model text against a result that builds its own.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import ECSI_MOBI

import acsi
from acsi.data import prepare_complete, prepare_data
from acsi.exceptions import DataError, ModelSyntaxError, SpecificationError
from acsi.plspm import evaluation as ev
from acsi.plspm.algorithm import correlation_sd, fit_kernel
from acsi.plspm.api import _model_from_text
from acsi.plspm.batched import fit_batched, make_plan, refit_r2
from acsi.plspm.plsc import plsc_correct

MODEL = """
Image        =~ IMAG1 + IMAG2 + IMAG3
Value        <~ PERV1 + PERV2
Quality      =~ PERQ1 + PERQ2 + PERQ3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2
Satisfaction ~ Image + Value + Quality
Loyalty ~ Satisfaction + Image
"""
ISOLATING = """
A =~ IMAG1 + IMAG2 + IMAG3
B =~ PERQ1 + PERQ2
C =~ CUSA1 + CUSA2 + CUSA3
C ~ A + B
"""


def _f2_one_by_one(res: acsi.plspm.PLSResult) -> np.ndarray:
    """f-squared with one refit per path (the definition; the pre-issue-14 code)."""
    spec = res.spec
    s = res.settings
    out = np.zeros((spec.k, spec.k))
    r2 = res.kernel.r2
    for j in np.flatnonzero(spec.endogenous):
        for i in np.flatnonzero(spec.inner[:, j]):
            inner = np.array(spec.inner, copy=True)
            inner[i, j] = False
            if not inner[:, j].any():
                r2_out = 0.0
            else:
                sub = dataclasses.replace(spec, inner=inner)
                k = fit_kernel(res.R, sub, scheme=s.scheme, tol=s.tol, max_iter=s.max_iter)
                if res.kernel.consistent:
                    k = plsc_correct(res.R, sub, k)
                r2_out = k.r2[j]
            out[i, j] = (r2[j] - r2_out) / (1.0 - r2[j])
    return out


@pytest.mark.parametrize(
    ("model", "kw"),
    [
        (MODEL, {}),
        (MODEL, {"scheme": "factorial"}),
        (MODEL, {"scheme": "centroid"}),
        (MODEL, {"consistent": ["Image", "Quality"]}),
        (ISOLATING, {}),
        (ISOLATING, {"consistent": True}),
        (ECSI_MOBI, {}),
        (ECSI_MOBI, {"consistent": True}),
    ],
)
def test_f_squared_batch_equals_one_refit_per_path(mobi: pd.DataFrame, model: str, kw: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = acsi.pls(model, mobi, **kw)
    np.testing.assert_allclose(res.f_squared.to_numpy(), _f2_one_by_one(res), rtol=0, atol=1e-12)


def test_refit_r2_keeps_the_full_model_and_zero_without_predecessors(mobi: pd.DataFrame) -> None:
    res = acsi.pls(MODEL, mobi)
    plan = make_plan(res.spec)
    inner = np.repeat(np.asarray(res.spec.inner)[None], 2, axis=0)
    j = res.spec.constructs.index("Loyalty")
    inner[1, :, j] = False  # Loyalty without any predecessor
    r2 = refit_r2(res.R, plan, inner)
    np.testing.assert_allclose(r2[0, res.spec.endogenous], res.kernel.r2[res.spec.endogenous], atol=1e-14)
    assert r2[1, j] == 0.0


def test_prepare_complete_equals_prepare_data(mobi: pd.DataFrame) -> None:
    cols = ["CUSL3", "IMAG1", "PERV2", "CUSA1"]
    fast = prepare_complete(mobi, cols)
    full = prepare_data(mobi, cols)
    assert fast is not None
    assert fast == full
    assert fast.X.flags.c_contiguous and not fast.X.flags.writeable
    assert not np.shares_memory(fast.X, mobi.to_numpy())
    # mixed dtypes and a text column beside the model columns: per-column route
    df = mobi[cols].astype({"IMAG1": "float32", "PERV2": "int8"}).assign(group=["a", "b"] * 125)
    fast2 = prepare_complete(df, cols)
    assert fast2 is not None and fast2 == prepare_data(df, cols)


@pytest.mark.parametrize(
    "case",
    ["nan", "inf", "huge", "text", "missing_column", "duplicate_name", "resolution", "few_rows", "array",
     "nullable", "duplicate_label"],
)
def test_prepare_complete_declines_what_needs_the_full_checks(case: str) -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 4.0, 3.0]})
    cols = ["a", "b"]
    min_rows = 2
    data: object = df
    if case == "nan":
        df.loc[1, "a"] = np.nan
    elif case == "inf":
        df.loc[1, "a"] = np.inf
    elif case == "huge":
        df.loc[1, "a"] = 1e200
    elif case == "text":
        df["b"] = ["x", "y", "z", "w"]
    elif case == "missing_column":
        cols = ["a", "c"]
    elif case == "duplicate_name":
        cols = ["a", "a"]
    elif case == "resolution":
        df["b"] = 1.0 + np.arange(4) * 1e-15
    elif case == "few_rows":
        min_rows = 5
    elif case == "array":
        data = df.to_numpy()
    elif case == "nullable":
        df["a"] = pd.array([1, 2, 3, 4], dtype="Int64")
    elif case == "duplicate_label":
        data = pd.concat([df, df[["a"]]], axis=1)
    assert prepare_complete(data, cols, min_rows=min_rows) is None


def test_pls_messages_unchanged_by_the_fast_route(mobi: pd.DataFrame) -> None:
    bad = mobi.astype({"IMAG1": float})
    bad.loc[3, "IMAG1"] = np.inf
    with pytest.raises(DataError, match="infinite value"):
        acsi.pls(MODEL, bad)
    const = mobi.copy()
    const["PERV1"] = 5
    with pytest.raises(DataError, match="has no variance"):
        acsi.pls(MODEL, const)


def test_correlation_sd_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(5.0, 2.0, size=(70_000, 4))  # more rows than one block
    R, sd = correlation_sd(X)
    np.testing.assert_allclose(R, np.corrcoef(X.T), rtol=0, atol=1e-13)
    np.testing.assert_allclose(sd, X.std(axis=0, ddof=1), rtol=1e-13)
    assert np.array_equal(R, R.T)


def _loop_tables(R: np.ndarray, L: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    blocks = [np.flatnonzero(mask[:, c]) for c in range(mask.shape[1])]
    k = len(blocks)
    alpha, rc, ave, mono = np.ones(k), np.ones(k), np.ones(k), np.ones(k)
    A = np.abs(R)
    for c, idx in enumerate(blocks):
        q = idx.size
        if q < 2:
            continue
        alpha[c] = q / (q - 1) * (1 - q / R[np.ix_(idx, idx)].sum())
        lam = L[idx, c]
        rc[c] = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
        ave[c] = (lam**2).mean()
        sub = A[np.ix_(idx, idx)]
        mono[c] = (sub.sum() - np.trace(sub)) / (q * (q - 1))
    H = np.full((k, k), np.nan)
    for i in range(k - 1):
        for j in range(i + 1, k):
            H[i, j] = A[np.ix_(blocks[i], blocks[j])].mean() / np.sqrt(mono[i] * mono[j])
    return alpha, rc, ave, H


@pytest.mark.parametrize("with_nan", [False, True])
def test_vectorised_evaluation_equals_block_loops(mobi: pd.DataFrame, with_nan: bool) -> None:
    res = acsi.pls(MODEL, mobi)
    R = np.array(res.R)
    L = np.array(res.kernel.L)
    mask = np.asarray(res.spec.mask)
    if with_nan:  # a NaN within the Quality block stays in that block's numbers
        q = np.flatnonzero(mask[:, res.spec.constructs.index("Quality")])
        R[q[0], q[1]] = R[q[1], q[0]] = np.nan
    alpha, rc, ave, H = _loop_tables(R, L, mask)
    np.testing.assert_allclose(ev.cronbach_alpha(R, mask), alpha, rtol=0, atol=1e-14)
    got_rc, got_ave = ev.rho_c_ave(L, mask)
    np.testing.assert_allclose(got_rc, rc, rtol=0, atol=1e-14)
    np.testing.assert_allclose(got_ave, ave, rtol=0, atol=1e-14)
    np.testing.assert_allclose(ev.htmt(R, mask), H, rtol=0, atol=1e-14)


def test_model_text_parsed_once_and_errors_every_time(mobi: pd.DataFrame) -> None:
    first = _model_from_text(MODEL)
    assert _model_from_text(MODEL) is first
    spec, plan = first[1]
    assert not spec.inner.flags.writeable and not plan.mask.flags.writeable
    a, b = acsi.pls(MODEL, mobi), acsi.pls(MODEL, mobi)
    assert a == b
    for _ in range(2):
        with pytest.raises(ModelSyntaxError):
            acsi.pls("Image =~ IMAG1 +", mobi)
        with pytest.raises(SpecificationError):
            acsi.pls(MODEL, mobi, consistent=["Value"])


CHAIN = """
A =~ IMAG1 + IMAG2 + IMAG3
B <~ PERQ1 + PERQ2
C =~ CUSA1 + CUSA2 + CUSA3
B ~ A
C ~ B
"""


@pytest.mark.parametrize("model", [MODEL, ISOLATING, ECSI_MOBI, CHAIN])
@pytest.mark.parametrize("kw", [{}, {"consistent": True}, {"scheme": "factorial"}])
def test_joint_regressions_equal_one_solve_per_target(mobi: pd.DataFrame, model: str, kw: dict) -> None:
    """fit_kernel (all regressions of a pass in one solve) and the bootstrap's kernel (one
    solve per target, two predecessors in closed form) give the same fit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = acsi.pls(model, mobi, **kw)
    plan = make_plan(res.spec)
    consistent = bool(res.kernel.consistent)
    scheme = res.settings.scheme
    a = fit_batched(np.array(res.R)[None], plan, scheme=scheme, consistent=consistent, joint=True)
    b = fit_batched(np.array(res.R)[None], plan, scheme=scheme, consistent=consistent, joint=False)
    assert a.iterations[0] == b.iterations[0] == res.iterations
    for name in ("W", "B", "L", "C", "r2"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=0, atol=1e-13, err_msg=name)
    np.testing.assert_array_equal(a.B[0], res.kernel.B)  # acsi.pls is fit_kernel, the joint route


def test_padded_vifs_equal_inverse_per_block(mobi: pd.DataFrame) -> None:
    res = acsi.pls(ECSI_MOBI, mobi)
    R = np.array(res.R)
    spec = res.spec
    item = np.ones(spec.p)
    for c in range(spec.k):
        idx = np.flatnonzero(spec.block == c)
        if idx.size > 1:
            item[idx] = np.diag(np.linalg.inv(R[np.ix_(idx, idx)]))
    C = res._score_cor
    inner = np.full((spec.k, spec.k), np.nan)
    for j in range(spec.k):
        pred = np.flatnonzero(spec.inner[:, j])
        if pred.size > 1:
            inner[pred, j] = np.diag(np.linalg.inv(C[np.ix_(pred, pred)]))
    np.testing.assert_allclose(ev.item_vif(R, spec.mask), item, rtol=1e-13)
    np.testing.assert_allclose(ev.inner_vif(C, spec.inner), inner, rtol=1e-13)
    table = res.vif
    got = table.loc[table["kind"] == "inner", "vif"].to_numpy()
    si, tj = np.nonzero(np.asarray(spec.inner))
    order = np.lexsort((si, tj))  # target by target
    np.testing.assert_allclose(got, inner[si[order], tj[order]], rtol=1e-13)
    # blocks of different sizes padded together; a singular block (IMAG1 == IMAG2) is inf
    Rs = R.copy()
    Rs[0, 1] = Rs[1, 0] = 1.0
    Rs[1, 2:5] = Rs[0, 2:5]
    Rs[2:5, 1] = Rs[2:5, 0]
    v = ev.item_vif(Rs, spec.mask)
    assert np.isinf(v[:2]).all() and np.isfinite(v[2:]).all()
    np.testing.assert_allclose(v[5:], item[5:], rtol=1e-13)


def test_tables_shared_per_model_text_equal_a_result_of_its_own(mobi: pd.DataFrame) -> None:
    a, b = acsi.pls(ECSI_MOBI, mobi), acsi.pls(ECSI_MOBI, mobi)
    assert a._sh is b._sh  # labels, plan and f-squared structures built once per text
    own = dataclasses.replace(a, _shared=None)
    assert own._sh is not a._sh
    other = acsi.pls(MODEL, mobi)  # a shared part of another model is not used
    assert dataclasses.replace(a, _shared=other._sh)._sh is not other._sh
    for name in ("paths", "loadings_table", "path_table", "r_squared", "adj_r_squared", "reliability",
                 "rho_a", "htmt", "fornell_larcker", "cross_loadings", "vif", "f_squared",
                 "total_effects", "weights"):
        x, y = getattr(a, name), getattr(own, name)
        (pd.testing.assert_frame_equal if isinstance(x, pd.DataFrame) else pd.testing.assert_series_equal)(
            x, y, check_exact=True
        )
    # label columns are what pandas infers from the names (same dtype as before)
    pairs = [(i, j) for j in range(a.spec.k) for i in range(a.spec.k) if a.spec.inner[i, j]]
    expected = pd.DataFrame({"source": [a.spec.constructs[i] for i, _ in pairs],
                             "target": [a.spec.constructs[j] for _, j in pairs]})
    pd.testing.assert_frame_equal(a.path_table[["source", "target"]], expected)
    # a changed label column is the caller's copy
    t = a.path_table
    t.loc[0, "source"] = "changed"
    assert a.path_table.loc[0, "source"] != "changed" and b.path_table.loc[0, "source"] != "changed"


def test_ldl_solve_equals_lapack_and_is_batch_invariant() -> None:
    from acsi.plspm.batched import _ldl_solve

    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 30, 6))
    C = np.einsum("bni,bnj->bij", X, X) / 30
    for pred in (np.array([0, 2, 4]), np.array([5, 1, 3, 0])):
        j = 2 if 2 not in pred else 1
        ref = np.linalg.solve(C[:, pred[:, None], pred[None, :]], C[:, pred, j][..., None])
        got = _ldl_solve(C, pred, j)
        np.testing.assert_allclose(got, ref[..., 0], rtol=1e-12, atol=1e-13)
        assert np.array_equal(got, np.concatenate([_ldl_solve(C[i : i + 3], pred, j) for i in range(0, 40, 3)]))
    S = C.copy()
    S[0, 1, :] = S[0, 0, :]  # predecessors 0 and 1 identical in replicate 0
    S[0, :, 1] = S[0, :, 0]
    with np.errstate(all="ignore"):
        out = _ldl_solve(S, np.array([0, 1, 3]), 4)
    assert not np.isfinite(out[0]).all() and np.isfinite(out[1:]).all()
