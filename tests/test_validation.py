# ruff: noqa: E501  (a table of cases: one line each)
"""One validation layer: the same argument mistake raises the same class everywhere.

A table of cases, one line each: the callable, its keyword arguments, the exception class
expected and a regular expression that the message must match (it names the argument).
Arguments are :class:`~acsi.SpecificationError`, data :class:`~acsi.DataError`; never a bare
``ValueError``/``TypeError``. Adding a case is one line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from acsi import _validation as v
from acsi import datasets, reliability, survey
from acsi.data import prepare_data
from acsi.exceptions import AcsiError, DataError, SpecificationError

rng = np.random.default_rng(0)
ITEMS = pd.DataFrame(rng.integers(1, 8, size=(40, 4)), columns=["a", "b", "c", "d"]).astype(float)
ITEMS["b"] = ITEMS["a"] + rng.integers(0, 2, size=40)
ITEMS["c"] = ITEMS["a"] + rng.integers(0, 3, size=40)
ITEMS["d"] = ITEMS["b"] + rng.integers(0, 2, size=40)
SCORES = pd.Series([10, 9, 9, 8, 7, 6, 3, 10, 9, 5], name="rec")
RATINGS = pd.Series([1, 5, 6, 10, 9, 2], name="Q8")
SURVEY = pd.DataFrame({
    "sat": [9, 8, 8, 7, 9, 3, 4, 5, 8, 2, 6, 7],
    "loy": [9, 8, 5, 4, 8, 3, 7, 2, 9, 2, 5, 8],
    "q1": [1, 5, 7, 9, 3, 4, 6, 8, 2, 10, 5, 6],
    "q2": [2, 5, 6, 9, 4, 4, 7, 8, 3, 9, 5, 7],
    "seg": list("ab") * 6,
    "val": [1.0, 2.0] * 6,
    "opt": [0, 1] * 6,
})
COUNTS = pd.DataFrame([[30, 20, 10, 3, 1], [10, 20, 20, 10, 4]], index=["return", "fees"])

S, D = SpecificationError, DataError

CASES = [
    # --- shared checks (acsi._validation)
    (v.check_level, dict(level=1.5), S, r"level must lie strictly between 0 and 1.*1\.5"),
    (v.check_level, dict(level=95), S, r"level.*for 95% write 0\.95"),
    (v.check_level, dict(level="0.9"), S, r"level must be a number"),
    (v.check_level, dict(level=float("nan")), S, r"level must be a number"),
    (v.check_level, dict(level=True), S, r"level must be a number"),
    (v.check_choice, dict(value="x", choices=("a", "b"), argument="method"), S, r"method='x' is not one of 'a', 'b'"),
    (v.check_choice, dict(value=3, choices=("a",), argument="method"), S, r"method=3"),
    (v.check_int, dict(value=2.0, argument="n"), S, r"n must be an integer"),
    (v.check_int, dict(value=True, argument="n"), S, r"n must be an integer"),
    (v.check_int, dict(value=1, argument="n", minimum=2), S, r"n must be an integer >= 2"),
    (v.check_positive, dict(value=0, argument="tol"), S, r"tol must be a positive finite number"),
    (v.check_number, dict(value="6", argument="rr_null"), S, r"rr_null must be a finite number"),
    (v.check_number, dict(value=-1, argument="rr_null", minimum=0, strict=True), S, r"rr_null must be > 0"),
    (v.check_bool, dict(value="yes", argument="haldane"), S, r"haldane must be True or False"),
    (v.check_bool, dict(value=1, argument="haldane"), S, r"haldane must be True or False"),
    (v.check_scale, dict(scale=(10, 1)), S, r"scale must satisfy min < max"),
    (v.check_scale, dict(scale="1-10"), S, r"scale must be a pair \(min, max\)"),
    (v.check_scale, dict(scale=(1, 5, 10)), S, r"scale must be a pair"),
    (v.check_range, dict(value=(10, 9), argument="midpoint"), S, r"midpoint=\(10, 9\) must be a range"),
    (v.check_range, dict(value=5, argument="agree"), S, r"agree must be a range"),
    (v.check_names, dict(value=5.5, argument="drivers"), S, r"drivers must be a column name"),
    (v.check_names, dict(value=[None], argument="items"), S, r"items must hold column names"),
    (v.check_name, dict(value=["a", "b"], argument="target"), S, r"target must be one column name"),
    (v.check_seed, dict(seed=-1), S, r"seed must be a non-negative integer"),
    (v.check_seed, dict(seed=1.5), S, r"seed must be"),
    (v.make_rng, dict(seed="7"), S, r"seed must be"),
    (v.check_executor, dict(executor="threads"), S, r"executor must be None, a concurrent\.futures\.Executor"),
    (v.check_progress, dict(progress="yes"), S, r"progress must be None, True"),
    (v.parse_na_values, dict(na_values=[float("nan")]), S, r"na_values holds NaN"),
    (v.parse_na_values, dict(na_values=[""]), S, r"na_values holds an empty text code"),
    (v.parse_na_values, dict(na_values=[None]), S, r"na_values must hold numbers or text codes"),
    (v.parse_na_values, dict(na_values=object()), S, r"na_values must be a number, a text code or a list"),
    (v.alias, dict(value=10, old_value=20, name="n", old_name="n_boot"), S, r"n=10 and n_boot=20 disagree"),
    (v.check_resamples, dict(n=None, old=1, default=100), S, r"n_boot must be an integer >= 2"),
    # --- data
    (datasets.load_corp_rep, dict(na_code="-99"), S, r"na_code must be a finite number"),
    (prepare_data, dict(data=ITEMS, columns=["a", "b"], missing="drop"), S, r"missing='drop' is not one of"),
    (prepare_data, dict(data=ITEMS, columns=["a", "b"], na_values=[None]), S, r"na_values must hold"),
    (prepare_data, dict(data=ITEMS, columns=5, ), S, r"columns must be a column name"),
    (prepare_data, dict(data=ITEMS, columns=["a", "b"], min_rows=0), S, r"min_rows must be an integer >= 1"),
    (prepare_data, dict(data=ITEMS, columns=["a", "zz"]), D, r"variable 'zz'"),
    (prepare_data, dict(data=[1, 2, 3], columns=["a"]), D, r"`data` must be a pandas DataFrame"),
    (prepare_data, dict(data=pd.DataFrame([[1, 2], [3, 5], [4, 4]]), columns=["0", "1"]), D, r"variable '0' .* column label of type int.*data\.columns = data\.columns\.astype\(str\)"),
    (prepare_data, dict(data=pd.DataFrame({"a": pd.Series([], dtype=object)}), columns=["a"]), D, r"column 'a' holds no value \(the data has no rows\)"),
    # --- reliability
    (reliability.cronbach_alpha, dict(items=ITEMS, level=1.5), S, r"level must lie strictly between 0 and 1"),
    (reliability.cronbach_alpha, dict(items=ITEMS, level=95), S, r"level.*0\.95"),
    (reliability.cronbach_alpha, dict(items=ITEMS, ci="exact"), S, r"ci='exact' is not one of 'feldt'"),
    (reliability.cronbach_alpha, dict(items=ITEMS, ci="bootstrap", n=1), S, r"n must be an integer >= 2"),
    (reliability.cronbach_alpha, dict(items=ITEMS, ci="bootstrap", n_boot=1), S, r"n_boot must be an integer >= 2"),
    (reliability.cronbach_alpha, dict(items=ITEMS, n=100, n_boot=200), S, r"n=100 and n_boot=200 disagree"),
    (reliability.cronbach_alpha, dict(items=ITEMS, ci="bootstrap", seed=-3), S, r"seed must be"),
    (reliability.cronbach_alpha, dict(items=ITEMS, missing="drop"), S, r"missing='drop' is not one of 'listwise', 'pairwise'"),
    (reliability.cronbach_alpha, dict(items=ITEMS, na_values=[float("nan")]), S, r"na_values holds NaN"),
    (reliability.cronbach_alpha, dict(items=ITEMS, keys=3.5), S, r"keys must be a column name"),
    (reliability.cronbach_alpha, dict(items=ITEMS, keys=["a"], scale=(7, 1)), S, r"scale must satisfy min < max"),
    (reliability.cronbach_alpha, dict(items=ITEMS, cumulative="yes"), S, r"cumulative must be True or False"),
    (reliability.cronbach_alpha, dict(items=ITEMS, columns=7), S, r"columns must be a column name"),
    (reliability.cronbach_alpha, dict(items=ITEMS, keys=["zz"]), D, r"keys \['zz'\] are not among the items"),
    (reliability.omega, dict(items=ITEMS, missing="pairwise"), S, r"missing='pairwise' is not one of 'listwise', 'mean', 'error'"),
    (reliability.omega, dict(items=ITEMS, na_values=[None]), S, r"na_values must hold"),
    (reliability.efa, dict(data=ITEMS, n_factors=0), S, r"n_factors must be an integer >= 1"),
    (reliability.efa, dict(data=ITEMS, n_factors=1.0), S, r"n_factors must be an integer"),
    (reliability.efa, dict(data=ITEMS, n_factors=1, method="uls"), S, r"method='uls' is not one of 'ml', 'pa', 'minres'"),
    (reliability.efa, dict(data=ITEMS, n_factors=2, rotation="equamax"), S, r"rotation='equamax' is not one of"),
    (reliability.efa, dict(data=ITEMS, n_factors=1, convergence="loose"), S, r"convergence='loose' is not one of"),
    (reliability.efa, dict(data=ITEMS, n_factors=1, missing="drop"), S, r"missing='drop' is not one of"),
    (reliability.kmo, dict(data=ITEMS, missing="drop"), S, r"missing='drop' is not one of"),
    (reliability.bartlett_sphericity, dict(data=ITEMS, missing=None), S, r"missing=None is not one of"),
    (reliability.bartlett_sphericity, dict(data=ITEMS, na_values=[""]), S, r"na_values holds an empty"),
    # --- survey
    (survey.proportion_ci, dict(count=1, n=2, method="exact"), S, r"method='exact' is not one of 'wilson'"),
    (survey.proportion_ci, dict(count=1, n=2, level=95), S, r"level.*0\.95"),
    (survey.proportion_ci, dict(count=3, n=2), D, r"counts must lie between 0 and n"),
    (survey.frequencies, dict(series=RATINGS, ci="exact"), S, r"ci='exact' is not one of"),
    (survey.frequencies, dict(series=RATINGS, level=0), S, r"level must lie strictly between 0 and 1"),
    (survey.likert_bins, dict(series=RATINGS, bins=[(1, 5), (4, 10)]), S, r"bins .* overlap"),
    (survey.likert_bins, dict(series=RATINGS, bins=[(5, 1)]), S, r"bins\[0\]=\(5, 1\) must be a range"),
    (survey.likert_bins, dict(series=RATINGS, bins="1-5"), S, r"bins must be a list of \(lo, hi\) ranges"),
    (survey.likert_bins, dict(series=RATINGS, bins=[(1, 5), (6, 10)], labels="ab"), S, r"labels must be a list"),
    (survey.likert_table, dict(data=SURVEY, items=["q1"], normalize="yes"), S, r"normalize must be True or False"),
    (survey.likert_table, dict(data=SURVEY, items=3.5), S, r"items must be a column name"),
    (survey.describe_items, dict(data=SURVEY, items=["q1"], k=0), S, r"k must be an integer >= 1"),
    (survey.describe_items, dict(data=SURVEY, items=["q1"], k=11), S, r"k must be an integer between 1 and 10"),
    (survey.describe_items, dict(data=SURVEY, items=["q1"], scale=(10, 1)), S, r"scale must satisfy min < max"),
    (survey.describe_items, dict(data=SURVEY, items=["q1"], level=-0.5), S, r"level must lie strictly"),
    (survey.top_box, dict(series=RATINGS, k=2.5), S, r"k must be an integer"),
    (survey.top_box, dict(series=RATINGS, ci="exact"), S, r"ci='exact' is not one of"),
    (survey.bottom_box, dict(series=RATINGS, scale=(1,)), S, r"scale must be a pair"),
    (survey.multi_select, dict(df=SURVEY, columns=["opt"], ci="exact"), S, r"ci='exact'"),
    (survey.multi_select, dict(df=SURVEY, columns=[]), S, r"columns must name at least 1 column"),
    (survey.crosstab, dict(a=SURVEY["seg"], b=SURVEY["opt"], test="g"), S, r"test='g' is not one of 'auto'"),
    (survey.crosstab, dict(a=SURVEY["seg"], b=SURVEY["opt"], correction="no"), S, r"correction must be True or False"),
    (survey.crosstab, dict(a=SURVEY["seg"], b=SURVEY["opt"], n=10), S, r"n must be an integer >= 100"),
    (survey.crosstab, dict(a=SURVEY["seg"], b=SURVEY["opt"], n_resamples=10), S, r"n_resamples must be an integer >= 100"),
    (survey.crosstab, dict(a=SURVEY["seg"], b=SURVEY["opt"], seed="x"), S, r"seed must be"),
    (survey.conversion, dict(satisfaction=SURVEY["sat"], loyalty=SURVEY["loy"], rr_null=0), S, r"rr_null must be > 0"),
    (survey.conversion, dict(satisfaction=SURVEY["sat"], loyalty=SURVEY["loy"], level=1), S, r"level must lie strictly"),
    (survey.conversion, dict(satisfaction=SURVEY["sat"], loyalty=SURVEY["loy"], satisfied="high"), S, r"satisfied must be a finite number"),
    (survey.conversion, dict(satisfaction=SURVEY["sat"], loyalty=SURVEY["loy"], dissatisfied="low"), S, r"dissatisfied must be a finite number"),
    (survey.conversion, dict(satisfaction=SURVEY["sat"], loyalty=SURVEY["loy"], haldane="no"), S, r"haldane must be True or False"),
    (survey.conversion, dict(satisfaction=SURVEY["sat"], loyalty=SURVEY["loy"], loyal=lambda x: [True]), S, r"loyal: the function must return one True/False"),
    (survey.nps, dict(scores=SCORES, ci="exact"), S, r"ci='exact' is not one of 'wald', 'bootstrap'"),
    (survey.nps, dict(scores=SCORES, level=95), S, r"level.*0\.95"),
    (survey.nps, dict(scores=SCORES, ci="bootstrap", n=10), S, r"n must be an integer >= 100"),
    (survey.nps, dict(scores=SCORES, ci="bootstrap", n_boot=10), S, r"n_boot must be an integer >= 100"),
    (survey.nps, dict(scores=SCORES, ci="bootstrap", seed=-1), S, r"seed must be"),
    (survey.nps, dict(scores=SCORES, scale=(1, 10)), S, r"scale=1-10 give an explicit mapping"),
    (survey.nps, dict(scores=SCORES, mapping={"promoter": (9, 10)}), S, r"mapping must have exactly the keys"),
    (survey.nps, dict(scores=SCORES, mapping={"promoter": (10, 9), "detractor": (0, 6)}), S, r"mapping\['promoter'\]=\(10, 9\) must be a range"),
    (survey.nps, dict(scores=SCORES, mapping={"promoter": (6, 10), "detractor": (0, 6)}), S, r"mapping: the promoter and detractor ranges overlap"),
    (survey.nps, dict(scores=SCORES, mapping=[(9, 10)]), S, r"mapping must be a dict"),
    (survey.nps_test, dict(a=SCORES, b=SCORES, level=2), S, r"level must lie strictly"),
    (survey.stated_importance, dict(data=COUNTS, kind="ranks"), S, r"kind='ranks' is not one of 'counts', 'ratings'"),
    (survey.stated_importance, dict(data=COUNTS, weights=5), S, r"weights must list one weight per response level"),
    (survey.stated_importance, dict(data=COUNTS, weights=(5, "x")), S, r"weights must be a finite number"),
    (survey.stated_importance, dict(data=COUNTS, kind="ratings", levels="abc"), S, r"levels must list one level code"),
    (survey.derived_importance, dict(data=SURVEY, drivers=["q1", "q2"], target="sat", methods=["anova"]), S, r"methods='anova' is not one of"),
    (survey.derived_importance, dict(data=SURVEY, drivers=["q1", "q2"], target="q1"), S, r"target 'q1' is also listed among the drivers"),
    (survey.derived_importance, dict(data=SURVEY, drivers=["q1"], target=["sat"]), S, r"target must be one column name"),
    (survey.derived_importance, dict(data=SURVEY, drivers=["q1"], target="sat", missing="drop"), S, r"missing='drop' is not one of"),
    (survey.derived_importance, dict(data=SURVEY, drivers=["q1", "zz"], target="sat"), D, r"variable 'zz'"),
    (survey.response_styles, dict(data=SURVEY, items=["q1", "q2"], level=95), S, r"level.*0\.95"),
    (survey.response_styles, dict(data=SURVEY, items=["q1"]), S, r"items: response styles need at least two items"),
    (survey.response_styles, dict(data=SURVEY, items=["q1", "q2"], scale=(1.5, 10)), S, r"scale=\(1\.5, 10\) must be whole numbers"),
    (survey.response_styles, dict(data=SURVEY, items=["q1", "q2"], midpoint=(6, 5)), S, r"midpoint=\(6, 5\) must be a range"),
    (survey.response_styles, dict(data=SURVEY, items=["q1", "q2"], extreme=(1, 2)), S, r"extreme\[0\] must be a range"),
    (survey.response_styles, dict(data=SURVEY, items=["q1", "q2"], extreme="1-2"), S, r"extreme must be two ranges"),
    (survey.response_styles, dict(data=SURVEY, items=["q1", "q2"], missing="drop"), S, r"missing='drop' is not one of"),
    (survey.by_segment, dict(data=SURVEY, value="sat", segment="seg", level=95), S, r"level.*0\.95"),
    (survey.by_segment, dict(data=SURVEY, value=["sat"], segment="seg"), S, r"value must be one column name"),
    (survey.by_segment, dict(data=SURVEY, value="sat", segment="seg", threshold="7"), S, r"threshold must be a finite number"),
    (survey.value_weighted_index, dict(data=SURVEY, satisfaction="sat", segment=None, value="val"), S, r"segment must be one column name"),
    (survey.value_weighted_index, dict(data=SURVEY, satisfaction="sat", segment="seg", value="val", threshold="x"), S, r"threshold must be a finite number"),
    (survey.value_weighted_index, dict(data=SURVEY.assign(seg=["overall", "b"] * 6), satisfaction="sat", segment="seg", value="val"), D, r"column 'seg' holds a segment named 'overall'.*rename"),
]


def _id(case: tuple) -> str:
    fn, kwargs, _, _ = case
    return f"{fn.__name__}-{'-'.join(f'{k}' for k in kwargs if k not in ('data', 'items', 'series', 'scores', 'df'))}"


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{_id(c)}" for i, c in enumerate(CASES)])
def test_same_mistake_same_class(case):
    fn, kwargs, expected, pattern = case
    with pytest.raises(AcsiError) as info:
        fn(**kwargs)
    assert type(info.value) is expected, f"{fn.__name__}: {type(info.value).__name__}: {info.value}"
    assert info.match(pattern)


def test_the_table_is_large():
    assert len(CASES) >= 60


def test_text_na_values_are_one_code_each():
    df = pd.DataFrame({"a": [1, "DK", 3, 4, 5], "b": [2, 3, "abc", 5, 7], "c": [1, 2, 3, 5, 4]})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = prepare_data(df, ["a", "b", "c"], na_values=["DK", "abc"])
    assert d.nobs == 3 and d.n_dropped == 2
    assert v.parse_na_values("abc") == ("abc",)  # a string is never split into characters
    assert v.parse_na_values([-99, "DK", -99]) == (-99.0, "DK")
    with pytest.raises(DataError, match="column 'a' is not numeric"):
        prepare_data(df, ["a", "c"], na_values="abc")  # "DK" is not declared: an honest DataError


def test_text_na_values_in_reliability_pairwise():
    df = ITEMS.copy()
    df["a"] = df["a"].astype(object)
    df.loc[0, "a"] = "DK"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = reliability.cronbach_alpha(df, na_values="DK", missing="pairwise")
        r2 = reliability.cronbach_alpha(df, na_values=["DK"])
    assert r.nobs == 40 and r2.nobs == 39


def test_old_spellings_are_aliases():
    a = reliability.cronbach_alpha(ITEMS, ci="bootstrap", n=200, seed=3)
    b = reliability.cronbach_alpha(ITEMS, ci="bootstrap", n_boot=200, seed=3)
    assert a == b and a.n_boot == 200 and a.n == a.nobs
    c = survey.nps(SCORES, ci="bootstrap", n=500, seed=1)
    d = survey.nps(SCORES, ci="bootstrap", n_boot=500, seed=1)
    assert c == d and c.n == c.nobs == 10
    t = survey.crosstab([1, 1, 2, 2, 3, 3] * 2, [1, 2] * 6, test="fisher", n=200, seed=1)
    u = survey.crosstab([1, 1, 2, 2, 3, 3] * 2, [1, 2] * 6, test="fisher", n_resamples=200, seed=1)
    assert t.pvalue == u.pvalue and t.n == t.nobs == 12


def test_generator_seed_keeps_its_stream():
    g = np.random.default_rng(5)
    assert v.make_rng(g) is g
    a = survey.nps(SCORES, ci="bootstrap", seed=np.random.default_rng(5))
    b = survey.nps(SCORES, ci="bootstrap", seed=5)  # the same stream as default_rng(5), as before
    assert (a.ci_lower, a.ci_upper) == (b.ci_lower, b.ci_upper)
