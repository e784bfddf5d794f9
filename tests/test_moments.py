"""acsi.moments: chunked moments of big files, and CB-SEM/PLS fits on them (issue 14)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import acsi
import acsi.streaming as streaming
from acsi._linalg import vech_indices
from tests.conftest import ECSI_MOBI, HS_MODEL

HS_COLS = [f"x{i}" for i in range(1, 10)]


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(invalid="ignore"):
        return float(np.nanmax(np.abs(a - b)) / max(1.0, float(np.nanmax(np.abs(b)))))


def _same_fit(a, b, tol: float = 1e-10) -> None:
    cols = ["est", "se", "z", "pvalue", "std_all"]
    assert _rel(b.estimates[cols].to_numpy(float), a.estimates[cols].to_numpy(float)) < tol
    fa, fb = a.fit_measures.to_series(), b.fit_measures.to_series()
    assert list(fa.index) == list(fb.index)
    for k in fa.index:
        x, y = float(fa[k]), float(fb[k])
        assert (np.isnan(x) and np.isnan(y)) or abs(x - y) <= tol * max(1.0, abs(x)), k


def test_chunk_merge_is_exact_with_offset():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1001, 4)) ** 2
    m = acsi.moments(pd.DataFrame(x + 1e4, columns=list("abcd")), chunksize=37, fourth_order=True)
    c = x - x.mean(axis=0)
    r, cc = vech_indices(4)
    z = c[:, r] * c[:, cc]
    assert m.n == 1001 and m.n_chunks == 28
    np.testing.assert_allclose(m.mean_vector - 1e4, x.mean(axis=0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(m.cov_n, c.T @ c / 1001, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(m.third, c.T @ z / 1001, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(m.fourth, z.T @ z / 1001, rtol=1e-9, atol=1e-9)
    zz = np.hstack([x, z])
    zc = zz - zz.mean(axis=0)
    np.testing.assert_allclose(m.gamma(True), zc.T @ zc / 1001, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(m.covariance(1).to_numpy(), np.cov(x.T), rtol=1e-10)
    np.testing.assert_allclose(m.correlation.to_numpy(), np.corrcoef(x.T), rtol=1e-10)


def test_merge_of_parts_equals_whole(hs):
    cols = HS_COLS
    whole = acsi.moments(hs, columns=cols, fourth_order=True)
    parts = acsi.moments(hs.iloc[:120], columns=cols, fourth_order=True).merge(
        acsi.moments(hs.iloc[120:], columns=cols, fourth_order=True))
    assert parts.n == whole.n and parts.n_chunks == 2
    for name in ("mean_vector", "cov_n", "third", "fourth"):
        np.testing.assert_allclose(getattr(parts, name), getattr(whole, name), rtol=1e-12, atol=1e-12)
    with pytest.raises(acsi.DataError, match="different columns"):
        whole.merge(acsi.moments(hs, columns=cols[:3], fourth_order=True))
    with pytest.raises(acsi.SpecificationError, match="fourth_order"):
        whole.merge(acsi.moments(hs, columns=cols))


def test_moments_immutable():
    m = acsi.moments(acsi.datasets.load_holzinger_swineford()[HS_COLS])
    with pytest.raises(ValueError):
        m.cov_n[0, 0] = 1.0
    cov = m.cov
    cov.iloc[0, 0] = 99.0
    assert m.cov.iloc[0, 0] != 99.0
    assert "Rows used" in str(m.summary()) and "n=" not in repr(m)[:8]


@pytest.mark.parametrize("kw", [
    {}, {"estimator": "MLR"}, {"estimator": "MLR", "meanstructure": True}, {"se": "observed"},
    {"std_lv": True, "estimator": "MLR", "se": "expected"}, {"estimator": "ML", "se": "robust"},
])
def test_cfa_on_moments_equals_frame(hs, kw):
    m = acsi.moments(hs, columns=HS_COLS, chunksize=37, fourth_order=True)
    a, b = acsi.cfa(HS_MODEL, hs, **kw), acsi.cfa(HS_MODEL, m, **kw)
    _same_fit(a, b)
    if a.robust_test is not None:
        assert _rel(b.robust_test.to_series(), a.robust_test.to_series()) < 1e-10
    assert b.nobs == 301
    np.testing.assert_allclose(b.modindices()["mi"], a.modindices()["mi"], rtol=1e-9)
    ra, rb = a.residuals("standardized"), b.residuals("standardized")
    np.testing.assert_allclose(np.asarray(rb.cov, float), np.asarray(ra.cov, float), rtol=1e-8, atol=1e-10)


def test_sem_with_constraint(poldem):
    model = "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + a*y2 + y3 + y4\ndem60 ~ ind60\na == 1.2"
    m = acsi.moments(poldem)
    _same_fit(acsi.sem(model, poldem), acsi.sem(model, m))


def test_csv_streaming_bounded_and_exact(tmp_path, monkeypatch):
    data, _ = _factor_frame(200_000)
    path = tmp_path / "big.csv"
    data.to_csv(path, index=False, float_format="%.6f")
    frame = pd.read_csv(path)
    seen: list[int] = []
    real = streaming._update

    def spy(x, fourth, r, c):
        seen.append(x.shape[0])
        return real(x, fourth, r, c)

    monkeypatch.setattr(streaming, "_update", spy)
    m = acsi.moments(path, chunksize=7_000, fourth_order=True)
    assert max(seen) <= 7_000 and sum(seen) == 200_000 and len(seen) == 29
    model = "f1 =~ y1 + y2 + y3\nf2 =~ y4 + y5 + y6"
    _same_fit(acsi.cfa(model, frame), acsi.cfa(model, m))
    _same_fit(acsi.cfa(model, frame, estimator="MLR"), acsi.cfa(model, m, estimator="MLR"))
    pm = "f1 =~ y1 + y2 + y3\nf2 =~ y4 + y5 + y6\nf2 ~ f1"
    assert _rel(acsi.pls(pm, m).paths, acsi.pls(pm, frame).paths) < 1e-10


def _factor_frame(n: int) -> tuple[pd.DataFrame, str]:
    rng = np.random.default_rng(7)
    f = rng.standard_normal((n, 2)) @ np.array([[1.0, 0.0], [0.5, 0.8]])
    x = np.repeat(f, 3, axis=1) * 0.7 + rng.standard_normal((n, 6)) * 0.6
    x += 0.2 * x**2 + 3.0
    return pd.DataFrame(x, columns=[f"y{i}" for i in range(1, 7)]), ""


@pytest.mark.filterwarnings("ignore::acsi.InadmissibleSolutionWarning")
def test_pls_on_moments_equals_frame(mobi):
    m = acsi.moments(mobi, chunksize=40)
    for cons in (False, True):
        a, b = acsi.pls(ECSI_MOBI, mobi, consistent=cons), acsi.pls(ECSI_MOBI, m, consistent=cons)
        for t in ("paths", "loadings", "weights", "r_squared", "adj_r_squared", "reliability", "htmt",
                  "f_squared", "cross_loadings", "total_effects", "fornell_larcker"):
            assert _rel(getattr(b, t), getattr(a, t)) < 1e-10, t
        assert b.nobs == a.nobs


def test_missing_values(hs):
    df = hs[HS_COLS].copy()
    df.iloc[10, 3] = np.nan
    df.iloc[20, 5] = -99
    with pytest.raises(acsi.DataError, match=r"column 'x4' has a missing value in data row 11"):
        acsi.moments(df)
    with pytest.warns(acsi.MissingDataWarning, match=r"2 of 301 rows .* x4 \(1\), x6 \(1\)"):
        m = acsi.moments(df, missing="listwise", na_values=-99, chunksize=50)
    assert (m.n, m.n_dropped) == (299, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = acsi.cfa(HS_MODEL, df, na_values=-99)
    b = acsi.cfa(HS_MODEL, m)
    _same_fit(a, b)


def test_text_codes_and_csv_options(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("a;b;c\n1,5;2;DK\n2;3,5;1\n3;1;2\n4;4;5\n", encoding="latin-1")
    with pytest.warns(acsi.MissingDataWarning):
        m = acsi.moments(path, sep=";", decimal=",", na_values="DK", missing="listwise", encoding="latin-1")
    assert m.n == 3
    np.testing.assert_allclose(m.mean_vector, [3.0, 8.5 / 3, 8 / 3])


@pytest.mark.parametrize(("call", "match"), [
    (lambda m, hs: acsi.cfa(HS_MODEL, m, missing="ml"), r"missing='ml' \(FIML\) needs the respondents' rows"),
    (lambda m, hs: acsi.cfa(HS_MODEL, m).bootstrap(n=10, seed=1), r"the bootstrap .* needs the respondents' rows"),
    (lambda m, hs: acsi.cfa(HS_MODEL, m, group="school"), r"group= .* needs the respondents' rows"),
    (lambda m, hs: acsi.cfa(HS_MODEL, m, ordered=True), r"ordinal items .* needs the respondents' rows"),
    (lambda m, hs: acsi.cfa(HS_MODEL, m, sampling_weights="w"), r"sampling_weights needs"),
    (lambda m, hs: acsi.cfa(HS_MODEL, m, estimator="MLR"), r"fourth_order=True"),
    (lambda m, hs: acsi.cfa(HS_MODEL, m, na_values=-9), r"acsi.moments\(\.\.\., na_values"),
    (lambda m, hs: acsi.pls("A =~ x1 + x2\nB =~ x3 + x4\nB ~ A", m).scores, r"needs the respondents' rows"),
    (lambda m, hs: acsi.pls("A =~ x1 + x2\nB =~ x3 + x4\nB ~ A", m).bootstrap(n=5, seed=1), r"respondents' rows"),
    (lambda m, hs: acsi.pls("A =~ x1 + x2\nB =~ x3 + x4\nB ~ A", m, weights="w"), r"weights= .* rows"),
    (lambda m, hs: acsi.pls("A =~ x1 + x2\nB =~ x3 + x4\nC =~ x5 + x6\nB ~ A + C + A:C", m),
     r"interaction terms need the respondents' rows"),
    (lambda m, hs: acsi.cfa("f =~ x1 + x2 + xx3", m), r"xx3"),
])
def test_refusals(hs, call, match):
    m = acsi.moments(hs, columns=HS_COLS)
    with pytest.raises((acsi.SpecificationError, acsi.DataError), match=match):
        call(m, hs)


@pytest.mark.parametrize("meanstructure", [False, True])
def test_mlr_with_fixed_x_covariates(poldem, meanstructure):
    m = acsi.moments(poldem, fourth_order=True)
    for model in ("dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ x1 + x2",
                  "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem60 ~ ind60 + y5"):
        a = acsi.sem(model, poldem, estimator="MLR", meanstructure=meanstructure)
        b = acsi.sem(model, m, estimator="MLR", meanstructure=meanstructure)
        _same_fit(a, b)
        assert _rel(b.robust_test.to_series(), a.robust_test.to_series()) < 1e-10
    # ML with the covariates fixed at their sample values (fixed.x), and fixed_x=False
    for fx in (True, False):
        _same_fit(acsi.sem("dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ x1 + x2", poldem, fixed_x=fx),
                  acsi.sem("dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ x1 + x2", m, fixed_x=fx))


def test_bad_arguments(hs, tmp_path):
    with pytest.raises(acsi.SpecificationError, match="chunksize"):
        acsi.moments(hs, chunksize=0)
    with pytest.raises(acsi.SpecificationError, match="missing"):
        acsi.moments(hs, missing="mean")
    with pytest.raises(acsi.DataError, match=r"'school' is not numeric"):
        acsi.moments(hs)
    with pytest.raises(acsi.DataError, match=r"did you mean 'x1'"):
        acsi.moments(hs, columns=["x1", "x_1"])
    with pytest.raises(acsi.DataError, match="no such file"):
        acsi.moments(tmp_path / "nope.csv")
    with pytest.raises(acsi.SpecificationError, match="CSV or Parquet"):
        acsi.moments(hs.to_numpy())
    with pytest.raises(acsi.SpecificationError, match="fourth_order=True"):
        acsi.moments(hs, columns=HS_COLS).gamma()


def test_parquet(hs, tmp_path):
    path = tmp_path / "hs.parquet"
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        path.write_bytes(b"PAR1")
        with pytest.raises(acsi.SpecificationError, match="pip install pyarrow"):
            acsi.moments(path)
        return
    hs[HS_COLS].to_parquet(path)
    m = acsi.moments(path, chunksize=50)
    assert m.n == 301
    _same_fit(acsi.cfa(HS_MODEL, hs), acsi.cfa(HS_MODEL, m))
