"""Survey and reliability results are read-only values: mutating a returned table never
changes the result, arrays are read-only, fields cannot be reassigned, ``==`` compares values
and never raises, results are unhashable."""

from __future__ import annotations

import copy
import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from acsi import reliability, survey
from acsi.data import prepare_data
from acsi.results.base import ResultMixin


def _results(hs: pd.DataFrame, eb: pd.DataFrame) -> dict[str, object]:
    x = hs[[f"x{i}" for i in range(1, 10)]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "alpha": reliability.cronbach_alpha(hs[["x1", "x2", "x3"]]),
            "alpha_boot": reliability.cronbach_alpha(hs[["x1", "x2", "x3"]], ci="bootstrap", n=50, seed=1),
            "omega": reliability.omega(hs[["x1", "x2", "x3"]]),
            "efa": reliability.efa(x, 3, rotation="oblimin"),
            "efa_varimax": reliability.efa(x, 2, method="pa", rotation="varimax"),
            "kmo": reliability.kmo(x),
            "bartlett": reliability.bartlett_sphericity(x),
            "proportion": survey.top_box(eb["Q16"]),
            "crosstab": survey.crosstab(eb["Q1"], eb["Q16"] >= 9),
            "conversion": survey.conversion(eb["Q12"], eb["Q16"]),
            "nps": survey.nps(eb["Q16"], scale=(1, 10), mapping={"promoter": (9, 10), "detractor": (1, 6)}),
            "nps_test": survey.nps_test(eb["Q16"][:27], eb["Q16"][27:], scale=(1, 10),
                                        mapping={"promoter": (9, 10), "detractor": (1, 6)}),
            "derived": survey.derived_importance(
                eb, ["Q8", "Q9", "Q10"], "Q16", methods=("correlation", "regression", "relative_weights", "dominance")
            ),
            "styles": survey.response_styles(eb, [f"Q{k}" for k in range(8, 18)]),
            "vwi": survey.value_weighted_index(
                pd.DataFrame({"sat": [1, 0, 1, 1, 0, 1], "seg": list("ababab"), "val": [1, 2, 1, 2, 1, 2],
                              "wave": [1, 1, 1, 2, 2, 2]}), "sat", "seg", "val", period="wave"),
        }


@pytest.fixture(scope="module")
def results(hs, ebanking):
    return _results(hs, ebanking)


@pytest.fixture(scope="module")
def twins(hs, ebanking):
    return _results(hs, ebanking)


def _public(obj: object) -> dict[str, object]:
    out = {}
    for name in dir(obj):
        if name.startswith("_"):
            continue
        value = getattr(obj, name)
        if not callable(value):
            out[name] = value
    return out


def _mutate(value: object) -> bool:
    if isinstance(value, pd.DataFrame) and value.size:
        value.iloc[0, 0] = "changed" if value.dtypes.iloc[0] is np.dtype(object) else 12345
        return True
    if isinstance(value, pd.Series) and value.size:
        value.iloc[0] = "changed" if value.dtype is np.dtype(object) else 12345
        return True
    if isinstance(value, dict) and value:
        value[next(iter(value))] = "changed"
        return True
    return False


NAMES = ["alpha", "alpha_boot", "omega", "efa", "efa_varimax", "kmo", "bartlett", "proportion", "crosstab",
         "conversion", "nps", "nps_test", "derived", "styles", "vwi"]


@pytest.mark.parametrize("name", NAMES)
def test_mutating_every_public_table_leaves_the_result_unchanged(results, name):
    res = results[name]
    before = str(res)
    snapshot = copy.deepcopy(res)
    mutated = 0

    def walk(obj: object, where: str) -> None:
        nonlocal mutated
        for attr, value in _public(obj).items():
            if isinstance(value, ResultMixin):
                walk(value, f"{where}.{attr}")  # a result inside a result (nps_test.a)
            elif isinstance(value, np.ndarray):
                assert not value.flags.writeable, f"{where}.{attr} is a writeable array"
                with pytest.raises(ValueError):
                    value.flat[0] = 7
            elif _mutate(value):
                mutated += 1

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        walk(res, name)
    assert res == snapshot
    assert str(res) == before
    if name not in ("bartlett", "proportion"):
        assert mutated, f"{name}: no table was mutated (the test would be empty)"


@pytest.mark.parametrize("name", NAMES)
def test_fields_cannot_be_reassigned(results, name):
    res = results[name]
    first = dataclasses.fields(res)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, first, None)


@pytest.mark.parametrize("name", NAMES)
def test_value_equality_never_raises(results, twins, name):
    a, b = results[name], twins[name]
    assert a == b  # computed twice: equal by value
    assert not (a != b)
    assert (a == 1) is False and (a == "x") is False
    other = results["kmo" if name != "kmo" else "bartlett"]
    assert a != other
    with pytest.raises(TypeError):
        hash(a)


def test_nobs_and_the_old_n(results):
    for name in ("alpha", "omega", "efa", "bartlett", "proportion", "crosstab", "nps", "derived"):
        res = results[name]
        assert res.n == res.nobs > 0, name
    assert results["conversion"].nobs == int(results["conversion"].table.to_numpy().sum())
    assert results["styles"].nobs == 54


def test_prepared_data_is_read_only(hs):
    d = prepare_data(hs, ["x1", "x2"])
    with pytest.raises(ValueError):
        d.X[0, 0] = 1.0
    assert d == prepare_data(hs, ["x1", "x2"]) and d.nobs == d.n == 301
