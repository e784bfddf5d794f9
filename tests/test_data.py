"""Data validation: unknown / non-numeric columns, missing values, NA codes."""

import warnings

import numpy as np
import pandas as pd
import pytest

from acsi import DataError, MissingDataWarning
from acsi.data import prepare_data


@pytest.fixture
def df():
    return pd.DataFrame({"q1": [1.0, 2, 3, 4, 5], "q2": [2, 1, 4, 3, 5], "txt": list("abcde")})


def test_unknown_column_names_it_and_suggests(df):
    with pytest.raises(DataError, match=r"'q3'.*did you mean 'q1'|'q3'.*did you mean 'q2'"):
        prepare_data(df, ["q1", "q3"])


def test_unknown_column_reports_model_line(df):
    with pytest.raises(DataError, match="line 2: F =~ q1 \\+ Q2"):
        prepare_data(df, ["q1", "Q2"], where={"Q2": "line 2: F =~ q1 + Q2"})


def test_non_numeric_column(df):
    with pytest.raises(DataError, match=r"column 'txt' is not numeric.*'a'"):
        prepare_data(df, ["q1", "txt"])


def test_categorical_column(df):
    df = df.assign(cat=pd.Categorical(list("xyxyx")))
    with pytest.raises(DataError, match="categorical"):
        prepare_data(df, ["cat"])


def test_listwise_warns_with_count(df):
    df.loc[1, "q2"] = np.nan
    with pytest.warns(MissingDataWarning, match="1 of 5 rows"):
        d = prepare_data(df, ["q1", "q2"])
    assert d.n == 4 and d.n_dropped == 1
    assert list(d.index) == [0, 2, 3, 4]


def test_mean_replacement_and_na_code(df):
    df.loc[0, "q1"] = -99
    with pytest.warns(MissingDataWarning, match="replaced by column means"):
        d = prepare_data(df, ["q1", "q2"], missing="mean", na_values=-99)
    assert d.X[0, 0] == pytest.approx(np.mean([2, 3, 4, 5]))
    assert d.n_replaced == 1


def test_na_code_not_applied_unless_declared(df):
    df.loc[0, "q1"] = -99
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = prepare_data(df, ["q1", "q2"])
    assert d.X[0, 0] == -99


def test_missing_error_policy(df):
    df.loc[1, "q2"] = np.nan
    with pytest.raises(DataError, match="missing='listwise'"):
        prepare_data(df, ["q1", "q2"], missing="error")


def test_too_few_rows(df):
    with pytest.raises(DataError, match="at least 10"):
        prepare_data(df, ["q1"], min_rows=10)


def test_not_a_frame():
    with pytest.raises(DataError, match="must be a pandas DataFrame"):
        prepare_data([1, 2, 3], ["a"])
