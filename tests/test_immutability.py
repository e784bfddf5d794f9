"""Results are immutable: mutating anything a result hands out never changes the result.

For every result family reachable from the public API, the test takes every public table or
array a result exposes (attributes and, one level down, the arrays of the records it holds,
e.g. ``res.kernel.B``), mutates it in place (cell assignment, in-place array writes, a new
column) and checks that the result's tables and its summary text are unchanged. ``==``
between two results of a family never raises: two identical fits are equal, two different
ones are not. Parametrised per family: a family that still leaks state fails on its own.
(``acsi.survey.frequencies`` returns a fresh DataFrame per call, not a result: nothing to hold.)
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.results.base import ResultMixin, values_equal

MODEL = """
Image =~ IMAG1 + IMAG2 + IMAG3
Expectation =~ CUEX1 + CUEX2 + CUEX3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Expectation ~ Image
Satisfaction ~ Image + Expectation
"""
SMALLER = MODEL.replace("Satisfaction ~ Image + Expectation", "Satisfaction ~ Image")  # another model
RESTRICTED = MODEL.replace("Satisfaction ~ Image + Expectation", "Satisfaction ~ Image + 0*Expectation")  # nested


def _mobi() -> pd.DataFrame:
    return acsi.datasets.load_mobi()


def _eb() -> pd.DataFrame:
    return acsi.datasets.load_ebanking()


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


_IMAG = [f"IMAG{i}" for i in range(1, 6)]
_CUSA = ["CUSA1", "CUSA2", "CUSA3"]
_NPS10 = {"promoter": (9, 10), "detractor": (1, 6)}
_VW = pd.DataFrame({"s": [9, 4, 8, 6, 7, 3], "seg": ["a", "a", "b", "b", "a", "b"], "v": [1, 1, 2, 2, 3, 1]})


def _report(bootstrap: int) -> Any:
    from acsi.report import DEMO_MODEL, build_report

    return build_report(_eb(), DEMO_MODEL, bootstrap=bootstrap, seed=1)


_HS3 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _hs() -> pd.DataFrame:
    return acsi.datasets.load_holzinger_swineford()


# family -> (make, make_different): two calls of make give equal results
FAMILIES: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
    "SEMResult": (lambda: acsi.sem(MODEL, _mobi()), lambda: acsi.sem(RESTRICTED, _mobi())),
    "FitMeasures": (lambda: acsi.sem(MODEL, _mobi()).fit_measures, lambda: acsi.sem(RESTRICTED, _mobi()).fit_measures),
    "RobustTest": (lambda: acsi.sem(MODEL, _mobi(), estimator="MLR").robust_test,
                   lambda: acsi.sem(RESTRICTED, _mobi(), estimator="MLR").robust_test),
    "PLSResult": (lambda: acsi.pls(MODEL, _mobi()), lambda: acsi.pls(SMALLER, _mobi())),
    "BootstrapResult": (lambda: acsi.pls(MODEL, _mobi()).bootstrap(n=30, seed=1),
                        lambda: acsi.pls(MODEL, _mobi()).bootstrap(n=30, seed=2)),
    "IndexResult": (lambda: acsi.pls(MODEL, _mobi()).index(scale=(1, 10)),
                    lambda: acsi.pls(SMALLER, _mobi()).index(scale=(1, 10))),
    "IPMAResult": (lambda: acsi.pls(MODEL, _mobi()).ipma(target="Satisfaction", scale=(1, 10)),
                   lambda: acsi.pls(SMALLER, _mobi()).ipma(target="Satisfaction", scale=(1, 10))),
    "ChisqDiffTest": (lambda: acsi.chisq_diff(acsi.sem(RESTRICTED, _mobi()), acsi.sem(MODEL, _mobi())),
                      lambda: acsi.chisq_diff(acsi.sem(RESTRICTED, _mobi(), estimator="MLR"),
                                              acsi.sem(MODEL, _mobi(), estimator="MLR"))),
    "ModelComparison": (lambda: acsi.compare(acsi.sem(RESTRICTED, _mobi()), acsi.sem(MODEL, _mobi())),
                        lambda: acsi.compare(acsi.sem(RESTRICTED, _mobi(), estimator="MLR"),
                                             acsi.sem(MODEL, _mobi(), estimator="MLR"))),
    "ResidualsResult": (lambda: acsi.sem(MODEL, _mobi()).residuals("standardized"),
                        lambda: acsi.sem(RESTRICTED, _mobi()).residuals("standardized")),
    "AlphaResult": (lambda: acsi.reliability.cronbach_alpha(_mobi()[["CUSA1", "CUSA2", "CUSA3"]]),
                    lambda: acsi.reliability.cronbach_alpha(_mobi()[["IMAG1", "IMAG2", "IMAG3"]])),
    "OmegaResult": (lambda: _quiet(lambda: acsi.reliability.omega(_mobi()[_IMAG])),
                    lambda: _quiet(lambda: acsi.reliability.omega(_mobi()[["CUEX1", "CUEX2", "CUEX3", "CUSA1"]]))),
    "EFAResult": (lambda: acsi.reliability.efa(_mobi()[_IMAG + _CUSA], 2),
                  lambda: acsi.reliability.efa(_mobi()[_IMAG + _CUSA], 1)),
    "KMOResult": (lambda: acsi.reliability.kmo(_mobi()[["CUSA1", "CUSA2", "CUSA3", "IMAG1"]]),
                  lambda: acsi.reliability.kmo(_mobi()[["CUSA1", "CUSA2", "CUSA3", "IMAG2"]])),
    "BartlettResult": (lambda: acsi.reliability.bartlett_sphericity(_mobi()[["CUSA1", "CUSA2", "CUSA3"]]),
                       lambda: acsi.reliability.bartlett_sphericity(_mobi()[["IMAG1", "IMAG2", "IMAG3"]])),
    "Proportion": (lambda: acsi.survey.top_box(_eb()["Q8"], k=2, scale=(1, 10)),
                   lambda: acsi.survey.top_box(_eb()["Q9"], k=2, scale=(1, 10))),
    "CrosstabResult": (lambda: _quiet(lambda: acsi.survey.crosstab(_eb()["Q1"], _eb()["Q5"], test="chi2")),
                       lambda: _quiet(lambda: acsi.survey.crosstab(_eb()["Q1"], _eb()["Q2"], test="chi2"))),
    "ConversionResult": (lambda: acsi.survey.conversion(_eb()["Q8"], _eb()["Q16"]),
                         lambda: acsi.survey.conversion(_eb()["Q9"], _eb()["Q16"])),
    "NPSResult": (lambda: acsi.survey.nps(_eb()["Q16"], scale=(1, 10), mapping=_NPS10),
                  lambda: acsi.survey.nps(_eb()["Q17"], scale=(1, 10), mapping=_NPS10)),
    "NPSTestResult": (lambda: acsi.survey.nps_test(_eb()["Q16"], _eb()["Q17"], scale=(1, 10), mapping=_NPS10),
                      lambda: acsi.survey.nps_test(_eb()["Q16"], _eb()["Q8"], scale=(1, 10), mapping=_NPS10)),
    "ResponseStyles": (lambda: acsi.survey.response_styles(_eb(), [f"Q{k}" for k in range(8, 18)], scale=(1, 10)),
                       lambda: acsi.survey.response_styles(_eb(), [f"Q{k}" for k in range(8, 16)], scale=(1, 10))),
    "DerivedImportance": (lambda: acsi.survey.derived_importance(_eb(), ["Q8", "Q9", "Q10"], "Q16"),
                          lambda: acsi.survey.derived_importance(_eb(), ["Q8", "Q9", "Q11"], "Q16")),
    "ValueWeightedIndex": (lambda: acsi.survey.value_weighted_index(_VW, "s", "seg", "v", threshold=7),
                           lambda: acsi.survey.value_weighted_index(_VW, "s", "seg", "v", threshold=5)),
    "PredictResult": (lambda: acsi.pls(MODEL, _mobi()).predict(folds=5, reps=1, seed=1),
                      lambda: acsi.pls(MODEL, _mobi()).predict(folds=5, reps=1, seed=2)),
    "CVPATResult": (lambda: acsi.pls(MODEL, _mobi()).cvpat(folds=5, reps=1, seed=1),
                    lambda: acsi.pls(MODEL, _mobi()).cvpat(folds=5, reps=1, seed=2)),
    "PLSFitMeasures": (lambda: acsi.pls(MODEL, _mobi()).fit_measures, lambda: acsi.pls(SMALLER, _mobi()).fit_measures),
    "Report": (lambda: _report(0), lambda: _report(20)),
    "MultiGroupSEMResult": (lambda: acsi.cfa(_HS3, _hs(), group="school", group_equal=["loadings"]),
                            lambda: acsi.cfa(_HS3, _hs(), group="school")),
    "InvarianceResult": (lambda: acsi.invariance(_HS3, _hs(), group="school", levels=("configural", "metric")),
                         lambda: acsi.invariance(_HS3, _hs(), group="school", levels=("metric", "scalar"))),
}


# ------------------------------------------------------------------------- helpers
def _is_table(v: Any) -> bool:
    return isinstance(v, (pd.DataFrame, pd.Series, np.ndarray))


def _public_names(obj: Any) -> list[str]:
    names = []
    for name in dir(type(obj)):
        if name.startswith("_"):
            continue
        attr = getattr(type(obj), name, None)
        if callable(attr) and not isinstance(attr, property):
            continue  # a method
        names.append(name)
    if dataclasses.is_dataclass(obj):
        names += [f.name for f in dataclasses.fields(obj) if not f.name.startswith("_")]
    return sorted(set(names))


def _exposed(obj: Any) -> dict[str, Any]:
    """Every public table/array of ``obj``, one level into the records and mappings it holds."""
    out: dict[str, Any] = {}
    for name in _public_names(obj):
        try:
            v = getattr(obj, name)
        except Exception:  # noqa: BLE001 - a property that does not apply to this result
            continue
        if _is_table(v):
            out[name] = v
        elif isinstance(v, Mapping):
            for k, x in v.items():
                if _is_table(x):
                    out[f"{name}[{k!r}]"] = x
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            for f in dataclasses.fields(v):
                try:
                    x = getattr(v, f.name)
                except Exception:  # noqa: BLE001
                    continue
                if _is_table(x):
                    out[f"{name}.{f.name}"] = x
                elif isinstance(x, Mapping):
                    for k, y in x.items():
                        if _is_table(y):
                            out[f"{name}.{f.name}[{k!r}]"] = y
    return out


def _snapshot(res: Any) -> tuple[dict[str, Any], str]:
    tables = {k: copy.deepcopy(v) if not isinstance(v, np.ndarray) else np.array(v, copy=True)
              for k, v in _exposed(res).items()}
    text = str(res.summary()) if isinstance(res, ResultMixin) else str(res)
    return tables, text


def _attempt(action: Callable[[], Any]) -> None:
    """Run one mutation; a read-only array may refuse it, a dtype may not take the value."""
    try:
        action()
    except ValueError as exc:
        if "read-only" not in str(exc) and "lossless" not in str(exc).lower():
            raise
    except TypeError:  # the value does not fit the column's dtype: nothing was changed
        pass


def _mutate(v: Any) -> None:
    """Mutate ``v`` in place every way a user might."""
    if isinstance(v, pd.DataFrame):
        if v.shape[0] and v.shape[1]:
            def first() -> None:
                v.iloc[0, 0] = 99.0 if pd.api.types.is_numeric_dtype(v.iloc[:, 0]) else "zz"

            def last() -> None:
                v.iloc[:, -1] = -1.0 if pd.api.types.is_float_dtype(v.iloc[:, -1]) else v.iloc[::-1, -1].to_numpy()

            _attempt(first)
            _attempt(last)
        _attempt(lambda: v.insert(v.shape[1], "__appended__", 1))
    elif isinstance(v, pd.Series):
        if len(v):
            def first_s() -> None:
                v.iloc[0] = 99.0 if pd.api.types.is_numeric_dtype(v) else "zz"

            _attempt(first_s)
        v.name = "__renamed__"
    elif isinstance(v, np.ndarray) and v.size:
        def fill() -> None:
            if v.dtype.kind in "fc":
                v[...] = 99.0
            elif v.dtype.kind in "iub":
                v[...] = 1
            elif v.dtype.kind == "O":
                v[...] = None

        _attempt(fill)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changed = [k for k in before if k not in after or not values_equal(before[k], after[k])]
    return changed + [k for k in after if k not in before]


# ------------------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def made() -> dict[str, Any]:
    return {}


def _make(made: dict[str, Any], family: str, which: int = 0) -> Any:
    key = (family, which)
    if key not in made:
        made[key] = FAMILIES[family][which]()
    return made[key]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_mutating_what_a_result_hands_out_changes_nothing(made: dict[str, Any], family: str) -> None:
    res = FAMILIES[family][0]()  # its own instance: the other tests keep a clean one
    before, text = _snapshot(res)
    assert before or text, f"{family}: nothing public to check"
    for _, v in _exposed(res).items():
        _mutate(v)
    after, text_after = _snapshot(res)
    changed = _diff(before, after)
    assert not changed, f"{family}: mutating these changed the result: {changed}"
    assert text_after == text, f"{family}: the summary text changed after mutating its tables"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_equality_never_raises(made: dict[str, Any], family: str) -> None:
    a = _make(made, family)
    b = FAMILIES[family][0]()
    c = _make(made, family, 1)
    assert (a == a) is True
    assert bool(a == b) is True, f"{family}: two identical results are not equal"
    assert bool(a == c) is False, f"{family}: two different results are equal"
    assert bool(a != c) is True
    assert bool(a == object()) is False
