"""Every warning of data, survey and reliability points at the caller's line (this file),
never into acsi: they all go through :func:`acsi.exceptions.warn`."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from acsi import reliability, survey
from acsi.data import prepare_data
from acsi.exceptions import AcsiWarning, MissingDataWarning

HERE = __file__.removesuffix("c")  # .py, also when run from a cached .pyc

rng = np.random.default_rng(1)
ITEMS = pd.DataFrame(rng.integers(1, 8, size=(30, 3)), columns=["a", "b", "c"]).astype(float)
ITEMS["b"] = ITEMS["a"] + rng.integers(0, 2, size=30)
ITEMS["c"] = 8 - ITEMS["a"] + rng.integers(0, 2, size=30)  # reverse-worded: a warning
WITH_NA = ITEMS.copy()
WITH_NA.loc[[2, 5], "a"] = np.nan
SURVEY = pd.DataFrame({"q1": [1, 5, 7, np.nan, 9, 3], "q2": [2, 5, np.nan, 9, 8, 4]})

CASES = [
    ("prepare_data", lambda: prepare_data(WITH_NA, ["a", "b"]), MissingDataWarning),
    ("prepare_data mean", lambda: prepare_data(WITH_NA, ["a", "b"], missing="mean"), MissingDataWarning),
    ("cronbach_alpha keys", lambda: reliability.cronbach_alpha(ITEMS), AcsiWarning),
    ("cronbach_alpha listwise", lambda: reliability.cronbach_alpha(WITH_NA[["a", "b"]]), MissingDataWarning),
    ("cronbach_alpha pairwise", lambda: reliability.cronbach_alpha(WITH_NA[["a", "b"]], missing="pairwise"),
     MissingDataWarning),
    ("kmo", lambda: reliability.kmo(WITH_NA), MissingDataWarning),
    ("kmo pairwise", lambda: reliability.kmo(WITH_NA, missing="pairwise"), MissingDataWarning),
    ("efa", lambda: reliability.efa(WITH_NA, 1), MissingDataWarning),
    ("omega", lambda: reliability.omega(WITH_NA), MissingDataWarning),
    ("frequencies", lambda: survey.frequencies(SURVEY["q1"]), MissingDataWarning),
    ("top_box", lambda: survey.top_box(SURVEY["q1"]), MissingDataWarning),
    ("likert_table", lambda: survey.likert_table(SURVEY), MissingDataWarning),
    ("crosstab missing", lambda: survey.crosstab(SURVEY["q1"], SURVEY["q2"]), MissingDataWarning),
    ("crosstab sparse", lambda: survey.crosstab([1, 2, 3, 1, 2, 3], [1, 1, 2, 2, 3, 3], test="chi2"), AcsiWarning),
    ("nps", lambda: survey.nps(pd.Series([10, 9, None, 3])), MissingDataWarning),
    ("stated_importance", lambda: survey.stated_importance(
        pd.DataFrame({"f": [5, 4, None, 3]}), kind="ratings"), MissingDataWarning),
    ("derived_importance", lambda: survey.derived_importance(
        pd.DataFrame({"x": [1, 2, 3, 4, 5, None, 2], "z": [2, 1, 4, 3, 5, 6, 1], "y": [1, 3, 2, 5, 4, 6, 2]}),
        ["x", "z"], "y"), MissingDataWarning),
    ("response_styles", lambda: survey.response_styles(SURVEY, ["q1", "q2"]), MissingDataWarning),
]


@pytest.mark.parametrize("name, call, category", CASES, ids=[c[0] for c in CASES])
def test_warning_points_at_the_callers_line(name, call, category):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    mine = [w for w in caught if issubclass(w.category, category)]
    assert mine, f"{name}: no {category.__name__}"
    for w in mine:
        assert w.filename == HERE, f"{name}: {w.category.__name__} attributed to {w.filename}:{w.lineno}"
