# ruff: noqa: E501  (a table of cases: one line each)
"""Bad-input catalogue: numerically hostile data and degenerate statistics.

One line per case: ``(id, call, expected, regex)``. ``call`` is a function of no argument;
``expected`` an exception class (the call must raise exactly it) or a warning class (the
call must succeed and warn with it). ``regex`` must match the message: it names the culprit
(column, row, argument or group) and the way out. Adding a case is one line.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi import reliability as rel
from acsi import survey as sv
from acsi.data import prepare_data
from acsi.exceptions import (
    AcsiError,
    AcsiWarning,
    DataError,
    DegenerateStatisticWarning,
    MissingDataWarning,
)

D, W = DataError, DegenerateStatisticWarning
HS = acsi.datasets.load_holzinger_swineford()
CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PM = "A =~ x1 + x2 + x3\nB =~ x4 + x5 + x6\nB ~ A"
PMB = "A <~ x1 + x2 + x3\nB =~ x4 + x5 + x6\nB ~ A"
ITEMS = ["x1", "x2", "x3"]


def put(col: str, row: int, value: Any, df: pd.DataFrame = HS) -> pd.DataFrame:
    """A copy of ``df`` with one cell replaced."""
    out = df.copy()
    if not isinstance(value, float | int) or isinstance(value, bool):
        out[col] = out[col].astype(object)
    out.loc[out.index[row], col] = value
    return out


def with_col(col: str, values: Any, df: pd.DataFrame = HS) -> pd.DataFrame:
    out = df.copy()
    out[col] = values
    return out


NEAR = 1e6 + np.arange(len(HS)) * 1e-9  # varies in the 15th digit only
# the nine HS items cut into three ordered categories (1, 2, 3) at their terciles
ORD = HS.assign(**{f"x{i}": np.digitize(HS[f"x{i}"], HS[f"x{i}"].quantile([1 / 3, 2 / 3])) + 1 for i in range(1, 10)})
SEG = pd.DataFrame({"sat": [8, 9, 7, 4, 6, 5, 3], "tier": ["gold"] * 3 + ["basic"] * 3 + ["solo"], "val": [1.0] * 7})
VWI = pd.DataFrame({"s": [1, 0, 1, 1, 0], "tier": ["a", "a", "b", "b", "c"], "v": [2.0, 2.0, 1.0, 1.0, 3.0]})
SAT = [9, 8, 8, 7, 9, 3, 4, 5, 8, -99]
LOY = [9, 8, 5, 4, 8, 3, 7, 2, 9, 2]
IDX = pd.DataFrame({"company": ["A", "B", "C"], "construct": "Satisfaction", "index": [80.0, 70.0, 60.0],
                    "industry": ["banks", "banks", "airlines"], "revenue": [3.0, 1.0, 2.0]})
LEVELS = ["company", "industry", "nation"]
PLS_FIT = acsi.pls(PM, HS)
_split = HS.assign(g=["a"] * 150 + ["b"] * 150 + ["c"])

CASES: list[tuple[str, Callable[[], Any], type[BaseException] | type[Warning], str]] = [
    # --- non-finite and absurdly large values: DataError naming column and row, before any kernel
    ("cfa inf", lambda: acsi.cfa(CFA, put("x4", 3, np.inf)), D, r"column 'x4' holds an infinite value \(inf\) in row 3.*fix or remove the entry"),
    ("cfa -inf", lambda: acsi.cfa(CFA, put("x9", 0, -np.inf)), D, r"column 'x9' holds an infinite value \(-inf\) in row 0.*NaN to treat it as missing"),
    ("cfa 1e300", lambda: acsi.cfa(CFA, put("x1", 0, 1e300)), D, r"column 'x1' holds the value 1e\+300 in row 0.*rescale the column \(e\.g\. data\['x1'\] / 1e6\)"),
    ("cfa -1e200", lambda: acsi.cfa(CFA, put("x2", 5, -1e200)), D, r"column 'x2' holds the value -1e\+200 in row 5.*largest magnitude acsi accepts \(1e\+100\)"),
    ("sem MLR 1e300", lambda: acsi.sem(CFA, put("x1", 0, 1e300), estimator="MLR"), D, r"column 'x1' holds the value 1e\+300.*Fix the entry"),
    ("sem 1e300 with missing", lambda: acsi.sem(CFA, put("x3", 2, 1e300), missing="listwise"), D, r"column 'x3'.*1e\+300 in row 2"),
    ("pls 1e300", lambda: acsi.pls(PM, put("x1", 0, 1e300)), D, r"column 'x1' holds the value 1e\+300 in row 0.*rescale"),
    ("pls inf", lambda: acsi.pls(PM, put("x5", 7, np.inf)), D, r"column 'x5' holds an infinite value \(inf\) in row 7"),
    ("pls mode B 1e300", lambda: acsi.pls(PMB, put("x2", 1, 1e300)), D, r"column 'x2' holds the value 1e\+300"),
    ("pls inf mean policy", lambda: acsi.pls(PM, put("x6", 1, -np.inf), missing="mean"), D, r"column 'x6' holds an infinite value \(-inf\) in row 1"),
    ("omega 1e300", lambda: rel.omega(put("x1", 0, 1e300)[ITEMS]), D, r"column 'x1' holds the value 1e\+300 in row 0"),
    ("alpha 1e300", lambda: rel.cronbach_alpha(put("x2", 3, 1e300)[ITEMS]), D, r"column 'x2' holds the value 1e\+300 in row 3"),
    ("alpha pairwise inf", lambda: rel.cronbach_alpha(put("x2", 3, np.inf)[ITEMS], missing="pairwise"), D, r"column 'x2' holds an infinite value \(inf\) in row 3"),
    ("alpha pairwise 1e300", lambda: rel.cronbach_alpha(put("x3", 4, 1e300)[ITEMS], missing="pairwise"), D, r"column 'x3' holds the value 1e\+300 in row 4"),
    ("efa 1e300", lambda: rel.efa(put("x1", 0, 1e300)[[*ITEMS, "x4"]], 1), D, r"column 'x1'.*1e\+300"),
    ("kmo inf", lambda: rel.kmo(put("x1", 0, np.inf)[ITEMS]), D, r"column 'x1' holds an infinite value"),
    ("bartlett 1e300", lambda: rel.bartlett_sphericity(put("x3", 9, 1e300)[ITEMS]), D, r"column 'x3'.*1e\+300 in row 9"),
    ("htmt inf", lambda: rel.htmt(put("x4", 0, np.inf), {"A": ITEMS, "B": ["x4", "x5", "x6"]}), D, r"column 'x4' holds an infinite value"),
    ("prepare_data inf", lambda: prepare_data(pd.DataFrame({"a": [1.0, np.inf, 2.0], "b": [1.0, 2.0, 3.0]}), ["a", "b"]), D, r"column 'a' holds an infinite value \(inf\) in row 1"),
    ("prepare_data 1e101", lambda: prepare_data(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, -2e101, 3.0]}), ["a", "b"]), D, r"column 'b' holds the value -2e\+101 in row 1"),
    ("prepare_data labelled row", lambda: prepare_data(pd.DataFrame({"a": [1.0, 2.0, 1e300]}, index=["r1", "r2", "r3"]), ["a"]), D, r"column 'a'.*in row 'r3'"),
    ("prepare_data Float64 inf", lambda: prepare_data(pd.DataFrame({"a": pd.array([1.0, None, np.inf], dtype="Float64"), "b": [1, 2, 3]}), ["a", "b"]), D, r"column 'a' holds an infinite value"),
    ("response_styles 1e300", lambda: sv.response_styles(put("x1", 0, 1e300), ITEMS, scale=(0, 10)), D, r"column 'x1' holds the value 1e\+300"),
    ("derived_importance inf", lambda: sv.derived_importance(put("x2", 0, np.inf), ["x1", "x2"], "x3"), D, r"column 'x2' holds an infinite value"),
    ("top_box inf", lambda: sv.top_box(pd.Series([9, 10, np.inf], name="q"), scale=(0, 10)), D, r"column 'q' holds an infinite value \(inf\) in row 2"),
    ("nps 1e300", lambda: sv.nps(pd.Series([9, 10, 1e300], name="rec")), D, r"column 'rec' holds the value 1e\+300 in row 2"),
    ("frequencies inf", lambda: sv.frequencies(pd.Series([1.0, 2.0, -np.inf], name="q")), D, r"column 'q' holds an infinite value \(-inf\)"),
    ("conversion inf", lambda: sv.conversion(pd.Series([9.0, np.inf, 3.0, 2.0], name="s"), [9, 8, 2, 3]), D, r"column 's' holds an infinite value"),
    ("by_segment inf", lambda: sv.by_segment(SEG.assign(sat=[8, 9, np.inf, 4, 6, 5, 3]), "sat", "tier"), D, r"column 'sat' holds an infinite value \(inf\) in row 2"),
    ("by_segment weights 1e300", lambda: sv.by_segment(SEG.assign(val=[1, 1, 1, 1e300, 1, 1, 1]), "sat", "tier", weights="val"), D, r"column 'val' holds the value 1e\+300 in row 3"),
    ("value_weighted_index inf value", lambda: sv.value_weighted_index(VWI.assign(v=[2, np.inf, 1, 1, 3]), "s", "tier", "v"), D, r"column 'v' holds an infinite value"),
    ("aggregate inf index", lambda: acsi.aggregate(IDX.assign(index=[80.0, np.inf, 60.0]), weights="revenue", levels=LEVELS), D, r"column 'index' holds an infinite value \(inf\) in row 1.*indices table"),
    ("aggregate 1e300 index", lambda: acsi.aggregate(IDX.assign(index=[1e300, 70.0, 60.0]), weights="revenue", levels=LEVELS), D, r"column 'index' holds the value 1e\+300 in row 0"),
    ("aggregate text index", lambda: acsi.aggregate(IDX.assign(index=["80", "x", 60.0]), weights="revenue", levels=LEVELS), D, r"column 'index' is not numeric.*the value 'x' in row 1"),
    ("aggregate inf weight", lambda: acsi.aggregate(IDX.assign(revenue=[3.0, np.inf, 2.0]), weights="revenue", levels=LEVELS), D, r"weights: the weight of 'B' must be a finite number >= 0"),
    # --- constant up to rounding, constant, collinear
    ("cfa near-constant", lambda: acsi.cfa(CFA, with_col("x3", NEAR)), D, r"column 'x3' is constant up to rounding.*subtract its typical value first"),
    ("pls near-constant", lambda: acsi.pls(PM, with_col("x2", NEAR)), D, r"column 'x2' is constant up to rounding.*remove it"),
    ("alpha near-constant", lambda: rel.cronbach_alpha(with_col("x1", NEAR)[ITEMS]), D, r"column 'x1' is constant up to rounding"),
    ("alpha pairwise near-constant", lambda: rel.cronbach_alpha(with_col("x1", NEAR)[ITEMS], missing="pairwise"), D, r"column 'x1' is constant up to rounding"),
    ("cfa constant", lambda: acsi.cfa(CFA, with_col("x1", 3.0)), D, r"column\(s\) x1 have zero variance \(constant\); remove them"),
    ("pls constant", lambda: acsi.pls(PM, with_col("x5", 2.0)), D, r"indicator 'x5' \(line 2: .*\) has no variance.*Remove it from its block"),
    ("alpha constant", lambda: rel.cronbach_alpha(with_col("x2", 4.0)[ITEMS]), D, r"item 'x2' is constant \(every answer is 4\).*remove it"),
    ("omega constant", lambda: rel.omega(with_col("x3", 1.0)[ITEMS]), D, r"item 'x3' is constant.*remove it"),
    ("cfa collinear", lambda: acsi.cfa(CFA, with_col("x2", HS["x1"] * 2 + 1)), D, r"columns x2, x1 are \(nearly\) collinear.*Remove a redundant column"),
    ("pls mode B collinear", lambda: acsi.pls(PMB, with_col("x2", HS["x1"] * 2 + 1)), D, r"Mode B construct 'A' \(x1, x2, x3\) are perfectly collinear.*Remove a redundant indicator"),
    # --- too few rows
    ("cfa n < p", lambda: acsi.cfa(CFA, HS.head(5)), D, r"only 5 complete rows for 9 observed variables.*needs more rows than variables"),
    ("pls 3 rows mode B", lambda: acsi.pls(PMB, HS.head(3)), D, r"only 3 rows for a PLS model whose largest regression has 3 predictors.*Collect more data"),
    ("pls mode B 4 rows", lambda: acsi.pls(PMB, HS.head(4)), D, r"only 4 rows.*3 predictors.*more than 4 rows"),
    ("pls 2 rows", lambda: acsi.pls(PM, HS.head(2)), D, r"only 2 complete rows remain for the model; at least 3 are needed"),
    ("pls rows after listwise", lambda: acsi.pls(PMB, HS.head(6).assign(x1=[1, np.nan, np.nan, 2, 3, 4])), D, r"only 4 rows \(after removing 2 rows with missing values\)"),
    ("pls weights negative", lambda: acsi.pls(PM, HS.assign(w=np.r_[-1.0, np.ones(len(HS) - 1)]), weights="w"), D, r"weight column 'w' has negative weights.*must be >= 0"),
    ("pls weights nan", lambda: acsi.pls(PM, HS.assign(w=np.r_[np.nan, np.ones(len(HS) - 1)]), weights="w"), D, r"weight column 'w' has 1 missing or infinite value.*finite weight"),
    ("pls weights sum <= 1", lambda: acsi.pls(PM, HS.assign(w=0.5 / len(HS)), weights="w"), D, r"weights in 'w' sum to 0.5.*rescale them"),
    ("alpha 2 rows", lambda: rel.cronbach_alpha(HS.head(2)[ITEMS]), D, r"only 2 complete rows remain for the scale; at least 3"),
    ("prepare_data all missing", lambda: prepare_data(pd.DataFrame({"a": [np.nan, 1.0], "b": [1.0, np.nan]}), ["a", "b"]), D, r"every row has a missing value.*most in a \(1\), b \(1\)"),
    # --- one-variable model works (df = 0; undefined measures NaN)
    # (tested below, not an error)
    # --- declared-missing codes that would reach a computation
    ("conversion -99", lambda: sv.conversion(SAT, LOY), D, r"column 'satisfaction' holds -99 \(row 9\).*declare it with na_values=\[-99\] or give the answer scale"),
    ("conversion named -99", lambda: sv.conversion(pd.Series(SAT, name="q_sat"), LOY), D, r"column 'q_sat' holds -99"),
    ("conversion loyalty -9", lambda: sv.conversion(LOY, [9, 8, 5, 4, 8, 3, 7, 2, 9, -9]), D, r"column 'loyalty' holds -9 \(row 9\).*na_values=\[-9\]"),
    ("conversion outside scale", lambda: sv.conversion(SAT, LOY, scale=(0, 10)), D, r"column 'satisfaction' holds -99 \(row 9\), outside the scale 0-10.*recode the value"),
    ("conversion 11 on 0-10", lambda: sv.conversion([9, 8, 11, 2], [9, 8, 5, 2], scale=(0, 10)), D, r"column 'satisfaction' holds 11 \(row 2\), outside the scale 0-10"),
    ("conversion declared code", lambda: sv.conversion(SAT, LOY, na_values=-99), MissingDataWarning, r"1 of 10 respondents with a declared missing code \(na_values=-99\) were left out"),
    ("nps -99", lambda: sv.nps(pd.Series([9, 10, -99], name="rec")), D, r"column 'rec' holds -99 \(row 2\), outside the scale 0-10"),
    ("top_box 99", lambda: sv.top_box(pd.Series([9, 10, 99], name="q"), scale=(1, 10)), D, r"column 'q' holds 99 \(row 2\), outside the scale 1-10"),
    # --- too few resamples for the requested interval (rule: n >= 4 / (1 - level))
    ("pls bootstrap n=2", lambda: PLS_FIT.bootstrap(n=2, seed=1), W, r"n=2 resamples are too few for a 95% percentile interval.*Use n>=80"),
    ("pls bootstrap n=150 at 99%", lambda: PLS_FIT.bootstrap(n=150, seed=1, level=0.99), W, r"n=150 resamples are too few for a 99% percentile interval.*Use n>=400"),
    ("pls bootstrap bca n=20", lambda: PLS_FIT.bootstrap(n=20, seed=1, ci="bca"), W, r"n=20 resamples are too few for a 95% bca interval"),
    ("alpha bootstrap n_boot=2", lambda: rel.cronbach_alpha(HS[ITEMS], ci="bootstrap", n_boot=2, seed=1), W, r"n_boot=2 resamples are too few.*Use n_boot>=80"),
    ("alpha bootstrap n=50", lambda: rel.cronbach_alpha(HS[ITEMS], ci="bootstrap", n=50, seed=1), W, r"n=50 resamples are too few.*Use n>=80"),
    ("nps bootstrap n=100", lambda: sv.nps([10, 9, 5, 3, 8, 7], ci="bootstrap", n=100, seed=1, level=0.99), W, r"n=100 resamples are too few for a 99% percentile interval.*Use n>=400"),
    ("fit_many bootstrap=50", lambda: acsi.fit_many(PM, _split.iloc[:300], by="g", bootstrap=50, seed=1, scale=(0, 10)), W, r"bootstrap=50 resamples are too few.*Use bootstrap>=80"),
    # --- groups of one
    ("by_segment group of one", lambda: sv.by_segment(SEG, "sat", "tier"), W, r"1 segment\(s\) of 'tier' have fewer than 2 respondents \('solo'\).*merge small segments"),
    ("by_segment weighted group of one", lambda: sv.by_segment(SEG, "sat", "tier", weights="val"), W, r"fewer than 2 effective respondents \('solo' \(1 effective\)\)"),
    ("value_weighted_index group of one", lambda: sv.value_weighted_index(VWI, "s", "tier", "v"), W, r"segment\(s\) of 'tier' with fewer than 2 customers: 'c' \(1\).*Merge small segments"),
    ("value_weighted_index empty segment in a period", lambda: sv.value_weighted_index(VWI.assign(p=[1, 1, 2, 2, 2]), "s", "tier", "v", period="p"), W, r"period 1: segment\(s\) of 'tier' with fewer than 2 customers: 'b' \(0\), 'c' \(0\)"),
    ("crosstab category of one", lambda: sv.crosstab(["m"] * 6 + ["f"] * 5 + ["x"], ["y", "n"] * 6), W, r"1 category has a single respondent \('a' = 'x'\).*merge such categories"),
    ("fit_many group of one", lambda: acsi.fit_many(PM, _split, by="g", bootstrap=0, scale=(0, 10)), W, r"1 group\(s\) of g have a single row \(c\).*merge or drop such groups"),
    # --- intervals at the boundary
    ("nps one promoter", lambda: sv.nps([10]), W, r"95% wald interval of the NPS of 'scores' is \[100, 100\].*every answer falls in one group.*collect more answers"),
    ("nps all detractors", lambda: sv.nps(pd.Series([1, 2, 3], name="rec")), W, r"NPS of 'rec' is \[-100, -100\]"),
    ("nps beyond range", lambda: sv.nps([10] * 9 + [8]), W, r"reaches beyond the possible range -100\.\.100"),
    ("top_box wald at 1", lambda: sv.top_box(pd.Series([10, 10, 9], name="q"), ci="wald"), W, r"Wald interval of 'q: top-2 box \(9-10\)' is \[1, 1\].*use ci='wilson'"),
    ("bottom_box wald at 0", lambda: sv.bottom_box(pd.Series([10, 10, 9], name="q"), ci="wald"), W, r"with 0 of 3 it collapses onto the boundary.*'clopper_pearson'"),
    ("alpha perfectly correlated items", lambda: rel.cronbach_alpha(with_col("x2", HS["x1"] * 2 + 1)[ITEMS]), W, r"items 'x1' and 'x2' are perfectly correlated \(\|r\| = 1\).*keep only one of them"),
    # --- small samples
    ("pls 3 rows", lambda: acsi.pls(PM, HS.head(3)), W, r"only 3 rows for a PLS model whose largest regression has 1 predictor; below the ten-times rule \(10 rows\).*descriptive"),
    ("pls mode B below ten-times rule", lambda: acsi.pls(PMB, HS.head(20)), W, r"only 20 rows for a PLS model whose largest regression has 3 predictors; below the ten-times rule \(30 rows\)"),
    # --- value_weighted_index segment named like a column of the table
    ("value_weighted_index segment 'overall'", lambda: sv.value_weighted_index(VWI.assign(tier=["overall", "overall", "b", "b", "b"]), "s", "tier", "v"), D, r"column 'tier' holds a segment named 'overall'.*rename that segment"),
    ("value_weighted_index segment 'value_weighted'", lambda: sv.value_weighted_index(VWI.assign(tier=["value_weighted"] * 2 + ["b"] * 3), "s", "tier", "v"), D, r"segment named 'value_weighted'"),
    # --- ordinal items (ordered=) and sampling weights
    ("cfa ordered one category", lambda: acsi.cfa(CFA, ORD.assign(x2=3), ordered=True), D, r"ordinal item 'x2' has only one observed value.*remove it from the model"),
    ("cfa ordered sparse category", lambda: acsi.cfa(CFA, put("x4", 0, 9, ORD), ordered=True), W, r"x4: 9 \(1x\).*Merge sparse categories.*or\s+treat items with many scale points"),
    ("cfa ordered empty middle category", lambda: acsi.cfa(CFA, ORD.assign(x5=ORD["x5"].replace({2: 3})), ordered=True), W, r"empty category between used ones \(x5: 2\).*merge it with a neighbour"),
    ("sem weights negative", lambda: acsi.sem(CFA, HS.assign(w=-1.0), sampling_weights="w"), D, r"sampling weights column 'w' has 301 negative value.*non-negative"),
    ("sem weights missing", lambda: acsi.sem(CFA, put("w", 4, np.nan, HS.assign(w=1.0)), sampling_weights="w"), D, r"sampling weights column 'w' has 1 missing or infinite value\(s\) \(first at row 4\)"),
    ("sem weights all zero", lambda: acsi.sem(CFA, HS.assign(w=0.0), sampling_weights="w"), D, r"sampling weights column 'w' is zero for every row.*positive sum"),
    ("sem weights not a column", lambda: acsi.sem(CFA, HS.assign(w=1.0), sampling_weights="wt"), D, r"sampling_weights='wt' is not a column of the data; did you mean 'w'"),
    ("cfa ordered weights negative", lambda: acsi.cfa(CFA, ORD.assign(w=-1.0), ordered=True, sampling_weights="w"), D, r"sampling weights column 'w' has 301 negative value.*non-negative"),
    ("cfa ordered weights missing", lambda: acsi.cfa(CFA, put("w", 4, np.nan, ORD.assign(w=1.0)), ordered=True, sampling_weights="w"), D, r"sampling weights column 'w' has 1 missing or infinite value\(s\) \(first at row 4\)"),
    ("cfa ordered weights in model", lambda: acsi.cfa(CFA, ORD, ordered=True, sampling_weights="x1"), acsi.SpecificationError, r"sampling_weights='x1' is a variable of the model"),
    ("cfa ordered fiml", lambda: acsi.cfa(CFA, put("x1", 0, np.nan, ORD), ordered=True, missing="ml"), acsi.SpecificationError, r"missing='ml'.*not available with ordinal items.*missing='pairwise'"),
    ("cfa ordered pairwise empty rows", lambda: acsi.cfa(CFA, put("x1", 0, np.nan, ORD).assign(**{f"x{i}": ORD[f"x{i}"].where(ORD.index != 3) for i in range(1, 10)}), ordered=True, missing="pairwise"), MissingDataWarning, r"1 of 301 rows are missing on every model variable and were removed"),
    ("cfa ordered listwise holes", lambda: acsi.cfa(CFA, put("x1", 0, np.nan, ORD), ordered=True), MissingDataWarning, r"1 of 301 rows have missing values.*listwise"),
    ("cfa ordered pairwise never together", lambda: acsi.cfa(CFA, ORD.assign(x1=ORD["x1"].where(ORD.index < 150), x2=ORD["x2"].where(ORD.index >= 150)), ordered=True, missing="pairwise"), D, r"items 'x2' and 'x1' are never answered by the same respondent.*remove one of them"),
    ("cfa pairwise without ordered", lambda: acsi.cfa(CFA, HS, missing="pairwise"), acsi.SpecificationError, r"missing.*'pairwise'"),
    ("moments inf", lambda: acsi.moments(put("x4", 3, np.inf)[ITEMS + ["x4"]]), D, r"column 'x4' holds an infinite value \(inf\) in data row 4; fix or remove"),
    ("moments 1e300", lambda: acsi.moments(put("x1", 0, 1e300)[ITEMS], chunksize=50), D, r"column 'x1' holds the value 1e\+300 in data row 1.*rescale"),
    ("moments NaN", lambda: acsi.moments(put("x2", 120, np.nan)[ITEMS], chunksize=50), D, r"column 'x2' has a missing value in data row 121.*missing='listwise'"),
    ("moments listwise", lambda: acsi.moments(put("x2", 120, np.nan)[ITEMS], missing="listwise"), MissingDataWarning, r"1 of 301 rows with missing values were left out.*x2 \(1\)"),
    ("moments text", lambda: acsi.moments(put("x3", 7, "n/a")[ITEMS]), D, r"column 'x3' is not numeric .*'n/a' in data row 8.*na_values="),
    ("sem on moments fiml", lambda: acsi.cfa(CFA, acsi.moments(HS[[f"x{i}" for i in range(1, 10)]]), missing="ml"), acsi.SpecificationError, r"missing='ml' \(FIML\) needs the respondents' rows.*missing='listwise'"),
    ("sem on moments const", lambda: acsi.cfa(CFA, acsi.moments(with_col("x5", 2.0)[[f"x{i}" for i in range(1, 10)]])), D, r"column\(s\) x5 have zero variance"),
    ("pls on moments const", lambda: acsi.pls(PM, acsi.moments(with_col("x5", 2.0)[[f"x{i}" for i in range(1, 10)]])), D, r"indicator 'x5' .* has no variance"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_case(case: tuple[str, Callable[[], Any], type, str]) -> None:
    _, call, expected, pattern = case
    if issubclass(expected, Warning):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        hits = [w for w in caught if issubclass(w.category, expected)]
        assert hits, f"no {expected.__name__}; got {[(w.category.__name__, str(w.message)) for w in caught]}"
        assert any(__import__("re").search(pattern, str(w.message)) for w in hits), [str(w.message) for w in hits]
        others = [w for w in caught if not issubclass(w.category, AcsiWarning)]
        assert not others, [(w.category.__name__, str(w.message)) for w in others]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingDataWarning)
            with pytest.raises(AcsiError) as info:
                call()
        assert type(info.value) is expected, f"{type(info.value).__name__}: {info.value}"
        assert info.match(pattern)


def test_the_table_is_large() -> None:
    assert len(CASES) >= 70


def test_one_variable_model() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = acsi.sem("x1 ~~ x1", HS)
        fm = res.fit_measures.to_series()
    assert fm["df"] == 0 and abs(fm["chisq"]) < 1e-10
    assert np.isnan(fm["crmr"]) and np.isnan(fm["pvalue"])
    assert res.estimates.loc[0, "est"] == pytest.approx(HS["x1"].var(ddof=0))


def test_segment_named_overall_in_by_segment_keeps_pooled_row() -> None:
    out = sv.by_segment(pd.DataFrame({"v": [1, 2, 3, 4], "s": ["all", "all", "b", "b"]}), "v", "s")
    assert list(out.index) == ["all", "b", "all (pooled)"]
    assert out.loc["all (pooled)", "n"] == 4


def test_kernels_never_zero_a_weight_silently() -> None:
    """Large but admissible values keep every PLS weight non-zero and finite."""
    big = HS.copy()
    big[ITEMS] = big[ITEMS] * 1e90
    w = acsi.pls(PM, big).weights
    ref = acsi.pls(PM, HS).weights
    assert np.isfinite(w.to_numpy()).all()
    np.testing.assert_allclose(w.to_numpy(), ref.to_numpy(), rtol=1e-10, atol=1e-12)
