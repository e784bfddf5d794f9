"""Property tests: random valid models and random data never crash with a foreign exception.

Random small factor models on simulated data go through ``acsi.cfa``/``acsi.sem`` and
``acsi.pls``; random DataFrames (mixed types, NaN, inf, huge values, text, empty, one row)
go through ``prepare_data`` and the survey and reliability functions. The only exceptions
allowed are acsi's own (:class:`~acsi.AcsiError`), the only warnings acsi's
(:class:`~acsi.AcsiWarning`), and a successful fit has finite estimates. Budgets are bounded
(a few dozen examples per property) so the file runs in well under half a minute.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import acsi
from acsi import survey as sv
from acsi.data import prepare_data
from acsi.exceptions import AcsiError, AcsiWarning

FAST = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _only_acsi(call: Callable[..., Any], *args: Any) -> Any:
    """Run ``call(*args)``: only an AcsiError may escape (returned as None), only AcsiWarning be issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = call(*args)
        except AcsiError:
            out = None
    foreign = [(w.category.__name__, str(w.message)) for w in caught if not issubclass(w.category, AcsiWarning)]
    assert not foreign, foreign
    return out


# ---------------------------------------------------------------- random valid models
def simulate(k: int, sizes: list[int], n: int, seed: int) -> tuple[str, pd.DataFrame]:
    """A factor model with a latent chain F1 -> F2 -> ... and data simulated from it."""
    rng = np.random.default_rng(seed)
    eta = np.empty((n, k))
    eta[:, 0] = rng.normal(size=n)
    lines, paths = [], []
    for j in range(1, k):
        b = rng.uniform(-0.8, 0.8)
        eta[:, j] = b * eta[:, j - 1] + np.sqrt(1 - b * b) * rng.normal(size=n)
        paths.append(f"F{j + 1} ~ F{j}")
    cols: dict[str, np.ndarray] = {}
    for j, m in enumerate(sizes):
        names = []
        for _ in range(m):
            lam = rng.uniform(0.3, 0.95)
            scale = rng.choice([1.0, 1.0, 10.0, 0.01, 1e6])
            name = f"y{len(cols) + 1}"
            cols[name] = scale * (lam * eta[:, j] + np.sqrt(1 - lam * lam) * rng.normal(size=n))
            names.append(name)
        lines.append(f"F{j + 1} =~ " + " + ".join(names))
    return "\n".join(lines + paths), pd.DataFrame(cols)


@st.composite
def factor_models(draw: st.DrawFn) -> tuple[str, pd.DataFrame]:
    k = draw(st.integers(1, 3))
    sizes = [draw(st.integers(2, 4)) for _ in range(k)]
    return simulate(k, sizes, draw(st.integers(15, 150)), draw(st.integers(0, 2**31 - 1)))


@FAST
@given(factor_models(), st.sampled_from(["ML", "MLR"]))
def test_random_models_through_sem(case: tuple[str, pd.DataFrame], estimator: str) -> None:
    model, data = case
    res = _only_acsi(lambda: acsi.sem(model, data, estimator=estimator))
    if res is not None:
        est = res.estimates
        assert np.isfinite(est["est"].to_numpy(dtype=float)).all()


@FAST
@given(factor_models(), st.sampled_from(["path", "factorial", "centroid"]))
def test_random_models_through_pls(case: tuple[str, pd.DataFrame], scheme: str) -> None:
    model, data = case
    res = _only_acsi(acsi.pls, model, data, scheme)
    if res is not None:
        w = res.weights.to_numpy(dtype=float)
        assert np.isfinite(w).all()
        for c, block in res.blocks.items():  # no indicator silently gets a zero weight
            for it in block:
                assert res.weights.loc[it, c] != 0, (c, it)


# ---------------------------------------------------------------- random DataFrames
CELL = st.one_of(
    st.integers(-100, 100),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -1e300, 1e-300, 0.0, -99.0, 5.0, 10.0]),
    st.text(max_size=4),
    st.sampled_from(["NA", "None", "", " ", "=cmd", "5", "DK", None, True, False]),
)
COLUMN = st.one_of(
    st.lists(CELL, min_size=0, max_size=8),
    st.lists(st.integers(0, 10), min_size=0, max_size=8),
    st.lists(st.one_of(st.floats(0, 10), st.just(np.nan)), min_size=0, max_size=8),
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 8))
    k = draw(st.integers(1, 4))
    cols = {}
    for j in range(k):
        values = draw(COLUMN)
        values = (values * (n // max(len(values), 1) + 1))[:n] if values else [np.nan] * n
        text = any(isinstance(v, str | bool) or v is None for v in values)
        cols[f"c{j}"] = pd.Series(values, dtype=object if text else None)
    return pd.DataFrame(cols)


SURVEY_CALLS: list[tuple[str, Callable[[pd.DataFrame], Any]]] = [
    ("prepare_data", lambda d: prepare_data(d, list(d.columns))),
    ("prepare_data mean", lambda d: prepare_data(d, list(d.columns), missing="mean", na_values=[-99, "DK"])),
    ("describe_items", lambda d: sv.describe_items(d, scale=(0, 10))),
    ("likert_table", lambda d: sv.likert_table(d)),
    ("frequencies", lambda d: sv.frequencies(d["c0"])),
    ("top_box", lambda d: sv.top_box(d["c0"], scale=(0, 10))),
    ("nps", lambda d: sv.nps(d["c0"])),
    ("crosstab", lambda d: sv.crosstab(d["c0"], d[d.columns[-1]])),
    ("conversion", lambda d: sv.conversion(d["c0"], d[d.columns[-1]])),
    ("by_segment", lambda d: sv.by_segment(d, "c0", d.columns[-1])),
    ("value_weighted_index", lambda d: sv.value_weighted_index(d, "c0", d.columns[-1], "c0")),
    ("response_styles", lambda d: sv.response_styles(d, list(d.columns), scale=(0, 10))),
    ("stated_importance", lambda d: sv.stated_importance(d)),
    ("cronbach_alpha", lambda d: acsi.reliability.cronbach_alpha(d)),
]


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(frames())
def test_random_frames_through_survey_functions(data: pd.DataFrame) -> None:
    for _, call in SURVEY_CALLS:
        _only_acsi(call, data)


@pytest.mark.parametrize("name,call", SURVEY_CALLS, ids=[c[0] for c in SURVEY_CALLS])
@pytest.mark.parametrize("data", [
    pd.DataFrame({"c0": pd.Series([], dtype=float)}),
    pd.DataFrame({"c0": [7.0]}),
    pd.DataFrame({"c0": [1e300, 2.0, 3.0], "c1": [1.0, 2.0, 3.0]}),
    pd.DataFrame({"c0": ["a", "b", "c"], "c1": [1, 2, np.inf]}),
    pd.DataFrame({"c0": [None, None], "c1": [np.nan, np.nan]}),
], ids=["empty", "one-row", "huge", "text-inf", "all-missing"])
def test_edge_frames_through_survey_functions(
    name: str, call: Callable[[pd.DataFrame], Any], data: pd.DataFrame
) -> None:
    _only_acsi(call, data)



def test_the_model_generator_gives_estimable_models() -> None:
    """Guard against a generator whose models are all rejected: these draws fit."""
    for k, sizes, n in ((1, [3], 80), (2, [3, 3], 100), (3, [2, 3, 4], 150)):
        model, data = simulate(k, sizes, n, seed=k)
        assert _only_acsi(acsi.pls, model, data) is not None, model
        assert _only_acsi(acsi.cfa, model, data) is not None, model
