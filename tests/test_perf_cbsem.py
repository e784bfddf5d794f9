"""The fast paths of a CB-SEM fit give the numbers of the checked paths (issue 14).

* ``prepare_data`` reads plain numeric columns straight into one matrix (column-major for a
  large one) and checks NaN/inf/huge values and the spread from two reductions: the same
  matrix and the same errors as the column-by-column route.
* ``parse_model``/``build_partable`` cache their immutable results; the LISREL index maps and
  the ML kernel's plans are built once per parameter table.
* a large data set's sample moments are accumulated block by block.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.cbsem.core import _MOMENT_BLOCK, sample_moments
from acsi.data import _ROW_MAJOR_MAX, prepare_data
from acsi.exceptions import DataError
from acsi.spec.partable import build_partable
from acsi.spec.syntax import parse_model

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _factor_frame(n: int, k: int = 5, m: int = 6, seed: int = 3) -> tuple[pd.DataFrame, str]:
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, k)) @ np.linalg.cholesky(0.3 + 0.7 * np.eye(k)).T
    lam = rng.uniform(0.5, 0.9, k * m)
    x = np.repeat(f, m, axis=1) * lam + rng.standard_normal((n, k * m)) * np.sqrt(1 - lam**2)
    x += 0.3 * (x**2 - 1) + 4.0  # skewed, off-centre: a real test of the centring
    cols = [f"y{i + 1}" for i in range(k * m)]
    model = "\n".join(f"f{j + 1} =~ " + " + ".join(cols[j * m:(j + 1) * m]) for j in range(k))
    return pd.DataFrame(x, columns=cols), model


def test_plain_matrix_equals_checked_route() -> None:
    df = pd.DataFrame({
        "a": [1.5, 2.0, 3.25, 4.0], "b": np.array([1, 2, 3, 5], dtype=np.int64),
        "c": [True, False, True, True], "d": np.array([7, 8, 9, 1], dtype=np.uint8), "t": list("wxyz"),
    })
    fast = prepare_data(df, ["d", "a", "c", "b"])
    slow = prepare_data(df.astype({"a": "Float64"}), ["d", "a", "c", "b"])  # extension dtype: checked route
    assert fast.X.flags.c_contiguous and not fast.X.flags.writeable
    np.testing.assert_array_equal(fast.X, slow.X)
    np.testing.assert_array_equal(fast.X, np.column_stack([df[c].to_numpy(float) for c in ["d", "a", "c", "b"]]))
    assert fast.columns == ("d", "a", "c", "b") and fast.index.equals(df.index)


@pytest.mark.parametrize(
    ("value", "match"),
    [(np.inf, "infinite value"), (1e200, "beyond the largest magnitude"), (np.nan, "missing values")],
)
def test_fast_path_checks(value: float, match: str) -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 4.0, 3.0]})
    df.loc[2, "b"] = value
    if np.isnan(value):
        with pytest.warns(acsi.MissingDataWarning, match=match):
            out = prepare_data(df, ["a", "b"])
        assert out.X.shape == (3, 2) and out.n_dropped == 1
    else:
        with pytest.raises(DataError, match=match):
            prepare_data(df, ["a", "b"])


def test_fast_path_spread_check_and_names() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 1.0 + 1e-15, 1.0], "s": ["u", "v", "w"]})
    with pytest.raises(DataError, match="constant up to rounding"):
        prepare_data(df, ["a", "b"])
    with pytest.raises(DataError, match="not numeric"):
        prepare_data(df, ["a", "s"])
    with pytest.raises(DataError, match="did you mean 'A'"):
        prepare_data(df.rename(columns={"a": "A"}), ["a"])
    dup = pd.concat([df[["a"]], df[["a"]]], axis=1)
    with pytest.raises(DataError, match="more than once"):
        prepare_data(dup, ["a"])


def test_large_matrix_column_major_and_block_moments() -> None:
    n = _ROW_MAJOR_MAX // 30 + 1000
    df, _ = _factor_frame(n)
    prep = prepare_data(df, list(df.columns))
    assert prep.X.flags.f_contiguous and not prep.X.flags.c_contiguous
    np.testing.assert_array_equal(prep.X, df.to_numpy())
    assert n > _MOMENT_BLOCK
    mean, S = sample_moments(prep.X)
    Xc = df.to_numpy() - df.to_numpy().mean(axis=0)
    np.testing.assert_allclose(mean, df.to_numpy().mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(S, Xc.T @ Xc / n, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_large_fit_equals_checked_route(estimator: str) -> None:
    n = _ROW_MAJOR_MAX // 30 + 1000
    df, model = _factor_frame(n)
    fast = acsi.cfa(model, df, estimator=estimator)
    assert fast.core.X.flags.f_contiguous
    slow = acsi.cfa(model, df.astype("Float64"), estimator=estimator)  # row-major, checked route
    assert slow.core.X.flags.c_contiguous
    a, b = fast.estimates, slow.estimates
    np.testing.assert_allclose(a["est"], b["est"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-9, atol=1e-12)
    fa, fb = fast.fit_measures.to_series(), slow.fit_measures.to_series()
    np.testing.assert_allclose(fa.to_numpy(), fb.to_numpy(), rtol=1e-9, atol=1e-12, equal_nan=True)


def test_parse_and_table_caches_are_pure() -> None:
    p1, p2 = parse_model(HS), parse_model(HS)
    assert p1 is p2
    t1 = build_partable(p1)
    assert build_partable(HS) is t1
    t2 = build_partable(HS, std_lv=True)
    assert t2 is not t1 and t2.std_lv and not t1.std_lv
    # an equal text parsed from another string object hits the same entry
    assert parse_model("".join(list(HS))) is p1
    with pytest.raises(acsi.ModelSyntaxError):  # errors are not cached
        parse_model("f =~ ")
    with pytest.raises(acsi.ModelSyntaxError):
        parse_model("f =~ ")


def test_refit_gives_the_same_result(hs: pd.DataFrame) -> None:
    r1 = acsi.cfa(HS, hs)
    r2 = acsi.cfa(HS, hs)
    assert r1 == r2
    assert r1.core.kernel is not r2.core.kernel  # one kernel per fit, shared read-only plans
    pd.testing.assert_frame_equal(r1.estimates, r2.estimates)
    # a result's tables stay its own when another result of the same table is changed
    t = r2.estimates
    t.loc[0, "lhs"] = "changed"
    assert r1.estimates.loc[0, "lhs"] == "visual" and r2.estimates.loc[0, "lhs"] == "visual"


def test_small_model_newton_from_the_third_step(hs: pd.DataFrame, poldem: pd.DataFrame) -> None:
    """Small models switch to Newton after two Fisher steps: fewer steps, the same optimum."""
    from acsi.cbsem.core import _structure, start_values

    pd_model = (
        "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\n"
        "dem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8"
    )
    for data, text, iters in ((hs, HS, 6), (poldem, pd_model, None)):
        pt = build_partable(parse_model(text))
        X = data[list(pt.ov_names)].to_numpy(float)
        ybar, S = sample_moments(X)
        model, template = _structure(pt)
        x0 = start_values(pt, model, S, ybar)
        kern = template.with_moments(S, ybar, x0)
        new = kern.minimize(kern.theta_of(x0))
        old = kern.minimize(kern.theta_of(x0), n_fisher=3)
        assert new is not None and old is not None and new.converged and old.converged
        assert new.grad_max < 1e-10
        np.testing.assert_allclose(new.theta, old.theta, rtol=0, atol=1e-9)
        assert abs(new.F - old.F) < 1e-13
        if iters is not None:
            assert new.iterations == iters < old.iterations


def test_start_plan_cache_gives_identical_starts(hs: pd.DataFrame) -> None:
    """The cached start bookkeeping is read only: repeated and interleaved calls agree."""
    from acsi.cbsem.core import _structure, start_values

    pts = [build_partable(parse_model(HS)), build_partable(parse_model(HS), std_lv=True)]
    X = hs[list(pts[0].ov_names)].to_numpy(float)
    ybar, S = sample_moments(X)
    first = [start_values(pt, _structure(pt)[0], S, ybar) for pt in pts]
    for _ in range(2):
        for pt, ref in zip(pts, first):
            np.testing.assert_array_equal(start_values(pt, _structure(pt)[0], S, ybar), ref)
    # a marker loading of 1 for the default table, a unit factor variance for std_lv
    assert first[0][0] == 1.0 and first[1][0] != 1.0


def test_fit_measures_series_index_not_shared(hs: pd.DataFrame) -> None:
    """``to_series`` reuses a cached index: renaming one Series leaves the next unchanged."""
    fm = acsi.cfa(HS, hs).fit_measures
    s = fm.to_series()
    s.index.name = "renamed"
    s.iloc[0] = -1.0
    t = fm.to_series(lavaan_names=True)
    assert fm.to_series().index.name is None and fm.to_series().iloc[0] == fm.npar
    assert t.index.name is None and "rmsea.ci.lower" in t.index and "ntotal" in t.index
    assert list(fm.to_series().index)[:3] == ["npar", "nobs", "fmin"]
