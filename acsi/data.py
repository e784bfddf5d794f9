"""Data validation shared by every estimator: column checks, missing data, numeric matrix.

Nothing is silently dropped, replaced or converted: an unknown column raises
:class:`~acsi.DataError` with the closest existing name, a non-numeric column raises with
the column and its type, missing values are removed listwise with a
:class:`~acsi.MissingDataWarning` that counts the rows (or replaced by column means when
asked, with a warning), and a declared missing-value code (for example ``-99``) is turned
into a missing value only when the user declares it.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from acsi._validation import check_choice, check_int, check_names, parse_na_values
from acsi.exceptions import DataError, MissingDataWarning, warn
from acsi.results.base import freeze, values_equal

__all__ = [
    "PreparedData",
    "prepare_data",
    "prepare_complete",
    "check_columns",
    "as_frame",
    "apply_na_values",
    "check_finite",
    "check_resolution",
    "LARGEST_VALUE",
]

#: Largest absolute value accepted in the data. Squares and cross-products of larger numbers
#: overflow float64 (1e300 squared is infinite) or swamp every other column in a covariance
#: matrix; no survey, rating or business measure comes near it.
LARGEST_VALUE = 1e100

#: A column whose spread (max - min) is at most this fraction of its largest absolute value
#: varies only in the last digits of a float64: its variance is rounding noise.
RELATIVE_RESOLUTION = 1e-12

MISSING_POLICIES = ("listwise", "mean", "error", "ml")

#: Largest matrix (in values) that :func:`prepare_data` turns row-major; a larger complete
#: one stays in the column order it is read in (no second copy of a large data set).
_ROW_MAJOR_MAX = 1 << 20

MissingPolicy = Literal["listwise", "mean", "error", "ml"]


@dataclass(frozen=True, eq=False)
class PreparedData:
    """A validated numeric data matrix.

    Attributes
    ----------
    X : ndarray of shape (n, p)
        float64, no missing values (with ``missing="ml"``: NaN in the holes, no row missing
        on every column); C-contiguous, except a complete matrix of more than
        ``2**20`` values read straight from a frame's numeric columns, which is
        Fortran-contiguous (one column after the other, as the frame holds them).
    columns : tuple of str
        Column names in the order of ``X``'s columns.
    n_dropped : int
        Rows removed by listwise deletion (``missing="ml"``: rows missing on every column).
    n_replaced : int
        Values replaced by column means (``missing="mean"``).
    index : pandas.Index
        Index labels of the rows kept.
    """

    X: np.ndarray
    columns: tuple[str, ...]
    n_dropped: int
    n_replaced: int
    index: pd.Index

    def __post_init__(self) -> None:
        object.__setattr__(self, "X", freeze(self.X))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PreparedData):
            return NotImplemented
        return all(values_equal(getattr(self, f), getattr(other, f))
                   for f in ("X", "columns", "n_dropped", "n_replaced", "index"))

    __hash__ = None  # type: ignore[assignment]

    @property
    def nobs(self) -> int:
        """Number of rows (observations)."""
        return int(self.X.shape[0])

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs` (the older name)."""
        return self.nobs

    def frame(self) -> pd.DataFrame:
        """The data as a DataFrame."""
        return pd.DataFrame(self.X, columns=list(self.columns), index=self.index)


def as_frame(data: object, *, argument: str = "data") -> pd.DataFrame:
    """Return ``data`` as a DataFrame, or raise a DataError that says what is accepted."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, np.ndarray) and data.ndim == 2:
        return pd.DataFrame(data, columns=[f"x{j + 1}" for j in range(data.shape[1])])
    if isinstance(data, dict):
        try:
            return pd.DataFrame(data)
        except (ValueError, TypeError) as exc:
            raise DataError(f"`{argument}` could not be made into a table: {exc}") from exc
    raise DataError(
        f"`{argument}` must be a pandas DataFrame (one column per item, one row per "
        f"respondent), not {type(data).__name__}"
    )


def apply_na_values(
    df: pd.DataFrame, columns: Sequence[str], na_values: Any, argument: str = "na_values"
) -> tuple[pd.DataFrame, tuple[float, ...]]:
    """Turn declared text codes (e.g. ``"DK"``) in ``df[columns]`` into missing values.

    Returns the frame (a copy when something changed; a text column that holds only numbers
    and codes becomes numeric) and the numeric codes, which the caller applies to its float
    matrix. ``na_values`` is parsed by :func:`acsi._validation.parse_na_values` (a string is
    one code, never split into characters).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [1, "DK", 3], "r": [4, -99, 6]})
    >>> out, codes = apply_na_values(df, ["q", "r"], [-99, "DK"])
    >>> out["q"].tolist(), codes
    ([1.0, nan, 3.0], (-99.0,))
    """
    codes = parse_na_values(na_values, argument)
    text = [c for c in codes if isinstance(c, str)]
    numeric = tuple(float(c) for c in codes if not isinstance(c, str))
    if not text:
        return df, numeric
    changed: dict[str, pd.Series] = {}
    for name in dict.fromkeys(columns):
        if name not in df.columns or isinstance(df.dtypes[name], pd.Series):
            continue  # unknown or duplicated: check_columns reports it
        col = df[name]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            continue
        hit = col.astype(object).isin(text)
        if not hit.any():
            continue
        masked = col.astype(object).mask(hit)
        conv = pd.to_numeric(masked, errors="coerce")
        changed[name] = conv if not (conv.isna() & masked.notna()).any() else masked
    if not changed:
        return df, numeric
    out = df.copy()
    for name, col in changed.items():
        out[name] = col
    return out, numeric


def check_finite(
    X: np.ndarray, columns: Sequence[str], index: Sequence[Any] | None = None, *, context: str = "model"
) -> None:
    """Raise DataError for the first column holding an infinite or absurdly large value.

    NaN is a missing value and passes (the missing-data policy handles it); ``inf``, ``-inf``
    and values with ``|x| >`` :data:`LARGEST_VALUE` are data errors: their squares overflow,
    so a covariance, a standard deviation or a PLS weight would silently become ``inf``,
    NaN or zero.

    Examples
    --------
    >>> import numpy as np
    >>> check_finite(np.array([[1.0, 2.0], [3.0, np.nan]]), ["a", "b"])  # NaN is missing: fine
    >>> try:
    ...     check_finite(np.array([[1.0, 2.0], [3.0, 1e300]]), ["a", "b"])
    ... except Exception as e:
    ...     print(type(e).__name__)
    DataError
    """
    with np.errstate(invalid="ignore"):
        bad = np.abs(X) > LARGEST_VALUE  # NaN compares False; inf is caught
    if not bad.any():
        return
    i, j = (int(k[0]) for k in np.nonzero(bad))
    value = float(X[i, j])
    row = index[i] if index is not None else i
    name = columns[j]
    if np.isinf(value):
        raise DataError(
            f"column {name!r} holds an infinite value ({value}) in row {row!r}; acsi needs finite "
            f"numbers for every variable in the {context}: fix or remove the entry (or set it to "
            "NaN to treat it as missing)"
        )
    raise DataError(
        f"column {name!r} holds the value {value:.6g} in row {row!r}, beyond the largest magnitude "
        f"acsi accepts ({LARGEST_VALUE:g}): its square overflows floating point. Fix the entry, "
        f"or rescale the column (e.g. data[{name!r}] / 1e6)"
    )


def check_resolution(X: np.ndarray, columns: Sequence[str], *, context: str = "model") -> None:
    """Raise DataError for a column that varies only in its last floating-point digits.

    A column whose spread ``max - min`` is positive but at most ``RELATIVE_RESOLUTION``
    (1e-12) times its largest absolute value is constant up to rounding: its variance is
    noise. (An exactly constant column passes here; the estimators that need variance say
    so.)

    Examples
    --------
    >>> import numpy as np
    >>> check_resolution(np.array([[1.0, 5.0], [2.0, 5.0]]), ["a", "b"])  # b constant: passes here
    """
    if X.size == 0:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        hi = np.nanmax(X, axis=0)
        lo = np.nanmin(X, axis=0)
        top = np.nanmax(np.abs(X), axis=0)
    _check_spread(hi, lo, top, columns, context)


def _check_spread(hi: np.ndarray, lo: np.ndarray, top: np.ndarray, columns: Sequence[str], context: str) -> None:
    """:func:`check_resolution` from the column maxima, minima and largest absolute values."""
    spread = hi - lo
    bad = (spread > 0) & (spread <= RELATIVE_RESOLUTION * top)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"column {columns[j]!r} is constant up to rounding (its values span {spread[j]:.3g} "
            f"around {hi[j]:.12g}, a relative spread below {RELATIVE_RESOLUTION:g}); it carries "
            f"no information for the {context}: remove it, or subtract its typical value first "
            f"(data[{columns[j]!r}] - {hi[j]:.12g})"
        )


def _suggest(name: str, columns: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, [str(c) for c in columns], n=1, cutoff=0.5)
    if not close:
        lowered = {str(c).lower(): str(c) for c in columns}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_columns(
    df: pd.DataFrame,
    columns: Iterable[str],
    *,
    context: str = "model",
    where: dict[str, str] | None = None,
) -> None:
    """Raise DataError for the first name in ``columns`` that is not a numeric column.

    Parameters
    ----------
    df : DataFrame
    columns : iterable of str
    context : str
        What asks for the columns, used in the message ("model", "blocks", ...).
    where : dict, optional
        Column name -> location text (e.g. ``"line 3: F =~ x1 + x2"``) for the message.
    """
    where = where or {}
    present = set(df.columns)
    dtypes = df.dtypes
    for name in columns:
        if name not in present:
            available = [str(c) for c in df.columns]
            loc = f" ({where[name]})" if name in where else ""
            if name in available:  # the label exists, but not as text (an integer label)
                raise DataError(
                    f"variable {name!r} used in the {context}{loc} is a column label of type "
                    f"{type(df.columns[available.index(name)]).__name__}, not text; name the columns by "
                    "text first: data.columns = data.columns.astype(str)"
                )
            raise DataError(
                f"variable {name!r} used in the {context}{loc} is not a column of the data"
                f"{_suggest(name, available)}. Columns are: {', '.join(available[:30])}"
                f"{' ...' if len(available) > 30 else ''}"
            )
        dtype = dtypes[name]
        if isinstance(dtype, pd.Series):
            raise DataError(f"column {name!r} appears more than once in the data; rename the duplicates")
        if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
            continue  # plain numpy numeric or boolean: the common, fast case
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            continue
        col = df[name]
        hint = ""
        if not col.notna().any():
            raise DataError(
                f"column {name!r} holds no value ({'the data has no rows' if len(col) == 0 else 'every cell is empty'})"
                f"; acsi needs numbers for every variable in the {context}: check the file or drop the column"
            )
        if isinstance(dtype, pd.CategoricalDtype):
            if pd.api.types.is_numeric_dtype(dtype.categories.dtype):
                hint = (" (a categorical column of numbers: convert it with "
                        f"data[{name!r}].astype(float))")
            else:
                hint = (" (a categorical column of labels: map each label to its scale value, "
                        f"e.g. data[{name!r}].map({{'agree': 4, ...}}))")
        else:
            bad = pd.to_numeric(col, errors="coerce")
            non_num = col[bad.isna() & col.notna()]
            if len(non_num):
                hint = f" (for example the value {non_num.iloc[0]!r} in row {non_num.index[0]!r})"
        raise DataError(
            f"column {name!r} is not numeric (dtype {dtype}){hint}; acsi needs numbers "
            f"for every variable in the {context}"
        )


def _plain_matrix(df: pd.DataFrame, columns: Sequence[str]) -> np.ndarray | None:
    """``df[columns]`` as float64 when every column is a unique plain numpy numeric one, else None.

    One contiguous copy per column into a Fortran-ordered matrix, reading the column arrays
    straight from the frame (a pandas ``Series`` per column costs more than the copy on
    small data, and a row-major gather costs several times the copy on large data). Any
    other case (unknown, duplicated, text, categorical or extension-dtype columns, or a
    pandas without the block manager) returns None: the caller takes the checked route,
    which gives the same matrix or the error that names the column.
    """
    try:
        mgr = df._mgr
        get_loc = df.columns.get_loc
        arrays = []
        for name in columns:
            loc = get_loc(name)
            if not isinstance(loc, (int, np.integer)):
                return None
            values = mgr.iget_values(int(loc))
            if not isinstance(values, np.ndarray) or values.ndim != 1 or values.dtype.kind not in "fiub":
                return None
            arrays.append(values)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, pd.errors.InvalidIndexError):
        return None
    X = np.empty((len(df), len(arrays)), dtype=np.float64, order="F")
    for j, values in enumerate(arrays):
        X[:, j] = values
    return X
def prepare_complete(data: object, columns: Sequence[str], *, min_rows: int = 2) -> PreparedData | None:
    """:func:`prepare_data` for the common case, fast: a DataFrame whose ``columns`` are
    present once, of numpy numeric dtypes, with no missing, infinite, huge or
    rounding-constant values; ``None`` for anything else (then call :func:`prepare_data`,
    which gives the messages, warnings and missing-data handling).

    One conversion of the model columns to a float64 matrix (the frame as a whole when all
    its columns are numeric and it has few columns beyond the model's) and two column
    reductions (minimum, maximum) that answer the missing, finite and resolution checks at
    once; no per-column pandas work. The result equals ``prepare_data(data, columns)``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 4], "b": [2, 1, 3], "g": ["x", "y", "x"]})
    >>> prepare_complete(df, ["b", "a"]).X.tolist()
    [[2.0, 1.0], [1.0, 2.0], [3.0, 4.0]]
    >>> prepare_complete(pd.DataFrame({"a": [1.0, None, 2.0]}), ["a"]) is None  # missing value
    True
    """
    if not isinstance(data, pd.DataFrame) or not isinstance(data.columns, pd.Index):
        return None
    cols = list(columns)
    if not cols or not all(isinstance(c, str) for c in cols) or len(set(cols)) != len(cols):
        return None
    if isinstance(data.columns, pd.MultiIndex) or not data.columns.is_unique:
        return None
    position = {c: j for j, c in enumerate(data.columns.tolist())}
    if not all(c in position for c in cols):
        return None
    idx = np.array([position[c] for c in cols], dtype=np.intp)
    dtypes = data.dtypes.to_numpy()
    if not all(isinstance(dtypes[j], np.dtype) and dtypes[j].kind in "fiub" for j in idx):
        return None
    all_numeric = all(isinstance(d, np.dtype) and d.kind in "fiub" for d in dtypes)
    if all_numeric and data.shape[1] <= 2 * len(cols) + 8:
        whole = data.to_numpy(dtype=np.float64, copy=False)
        X = np.empty((whole.shape[0], idx.size), dtype=np.float64)  # a copy, never a view
        step = 1 << 15  # by blocks of rows: no second full-size temporary
        for a in range(0, X.shape[0], step):
            X[a : a + step] = whole[a : a + step, idx]
    else:
        X = np.empty((data.shape[0], len(cols)), dtype=np.float64)
        for k, j in enumerate(idx):
            X[:, k] = data.iloc[:, j].to_numpy(dtype=np.float64)
    if X.shape[0] < max(int(min_rows), 1):
        return None
    with np.errstate(invalid="ignore"):
        hi = X.max(axis=0)  # NaN when a value is missing
        lo = X.min(axis=0)
        top = np.maximum(np.abs(hi), np.abs(lo))
    if not (top <= LARGEST_VALUE).all():  # missing, infinite or too large: the full checks
        return None
    spread = hi - lo
    if ((spread > 0) & (spread <= RELATIVE_RESOLUTION * top)).any():
        return None
    return PreparedData(X, tuple(cols), 0, 0, data.index)


def prepare_data(
    data: object,
    columns: Sequence[str],
    *,
    missing: MissingPolicy = "listwise",
    na_values: float | str | Sequence[float | str] | None = None,
    context: str = "model",
    where: dict[str, str] | None = None,
    min_rows: int = 2,
) -> PreparedData:
    """Validate ``data[columns]`` and return it as a float matrix without missing values.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    columns : sequence of str
        The columns the model uses, in the order wanted.
    missing : {"listwise", "mean", "error"}, default "listwise"
        ``"listwise"`` drops every row with a missing value in ``columns`` and warns with the
        count; ``"mean"`` replaces missing values by the column mean (seminr's
        ``mean_replacement``) and warns with the count; ``"error"`` raises; ``"ml"`` (for
        full-information ML) keeps the holes (NaN) and drops only rows missing on every
        column, warning with their count.
    na_values : float, str or sequence of them, optional
        Codes that mean "missing" in the file (for example ``-99`` or ``"DK"``); they become
        NaN before the policy applies. A string is one code (never split into characters);
        a text column holding only numbers and declared text codes becomes numeric. Nothing
        is treated as missing unless declared.
    context : str
        Used in messages ("model", "blocks", ...).
    where : dict, optional
        Column -> model location for messages.
    min_rows : int
        Fewest rows accepted after missing-data handling.

    Returns
    -------
    PreparedData

    Raises
    ------
    acsi.DataError
        Unknown or non-numeric column, infinite values, all rows missing, too few rows.

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> df = pd.DataFrame({"a": [1, 2, None, 4], "b": [2, 1, 3, 5]})
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     d = prepare_data(df, ["a", "b"])
    >>> d.X.shape, d.n_dropped, str(w[0].message).split(":")[0]
    ((3, 2), 1, '1 of 4 rows have missing values in the model variables and were removed (listwise deletion)')
    """
    missing = check_choice(missing, MISSING_POLICIES, "missing", case_sensitive=True)  # type: ignore[assignment]
    min_rows = check_int(min_rows, "min_rows", minimum=1)
    df = as_frame(data)
    columns = check_names(columns, "columns")
    df, codes = apply_na_values(df, columns, na_values)
    dup = sorted({c for c in columns if columns.count(c) > 1})
    if dup:
        raise DataError(f"column(s) {dup} are listed more than once in the {context}")
    X = _plain_matrix(df, columns)
    if X is None:  # anything but unique plain numpy numeric columns: the checked route
        check_columns(df, columns, context=context, where=where)
        dtypes = df.dtypes
        if all(isinstance(dtypes[c], np.dtype) for c in columns):
            X = np.column_stack([df[c].to_numpy(dtype=np.float64) for c in columns])
        else:  # pandas extension dtypes (Int64, Float64, boolean): pd.NA becomes NaN
            X = np.column_stack([df[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in columns])
    if codes:
        X[np.isin(X, codes)] = np.nan
    elif X.size and X.shape[0] >= min_rows:
        # one reduction per bound (max/min propagate NaN): finite bounds within LARGEST_VALUE
        # mean no NaN, no infinity, no huge value, so the checks below reduce to the spread
        hi, lo = X.max(axis=0), X.min(axis=0)
        top = np.maximum(np.abs(hi), np.abs(lo))
        if np.isfinite(top).all() and top.max() <= LARGEST_VALUE:
            _check_spread(hi, lo, top, columns, context)
            # a large matrix keeps the column order it was filled in (a row-major copy
            # would cost another pass and another copy of the data)
            big = X.shape[0] * X.shape[1] > _ROW_MAJOR_MAX
            return PreparedData(X if big else np.ascontiguousarray(X), tuple(columns), 0, 0, df.index)
    check_finite(X, columns, df.index, context=context)
    miss = np.isnan(X)
    n_total = X.shape[0]
    n_dropped = 0
    n_replaced = 0
    index = df.index
    if miss.any():
        per_col = miss.sum(axis=0)
        detail = ", ".join(f"{columns[j]} ({int(per_col[j])})" for j in np.argsort(-per_col)[:5] if per_col[j])
        if missing == "error":
            raise DataError(
                f"{int(miss.any(axis=1).sum())} rows have missing values (most in {detail}); "
                "use missing='listwise' or missing='mean', or impute them first"
            )
        if missing == "listwise":
            keep = ~miss.any(axis=1)
            n_dropped = int(n_total - keep.sum())
            if keep.sum() == 0:
                raise DataError(
                    f"every row has a missing value in the {context} variables (most in {detail}); "
                    "listwise deletion leaves no data"
                )
            X = X[keep]
            index = index[keep]
            warn(
                f"{n_dropped} of {n_total} rows have missing values in the {context} variables "
                f"and were removed (listwise deletion): most in {detail}. Pass missing='mean' "
                "to replace them by column means instead.",
                MissingDataWarning,
            )
        elif missing == "ml":
            empty = miss.all(axis=1)
            n_dropped = int(empty.sum())
            if n_dropped == n_total:
                raise DataError(f"every row is missing on every {context} variable; nothing to analyse")
            if n_dropped:
                X, index = X[~empty], index[~empty]
                warn(
                    f"{n_dropped} of {n_total} rows are missing on every {context} variable and were "
                    "removed (they carry no information for full-information ML)",
                    MissingDataWarning,
                )
        else:
            col_all_missing = miss.all(axis=0)
            if col_all_missing.any():
                j = int(np.where(col_all_missing)[0][0])
                raise DataError(f"column {columns[j]!r} has no observed value; remove it from the {context}")
            means = np.nanmean(X, axis=0)
            n_replaced = int(miss.sum())
            X = np.where(miss, means, X)
            warn(
                f"{n_replaced} missing values in {int(miss.any(axis=1).sum())} of {n_total} rows "
                f"were replaced by column means (missing='mean'): most in {detail}.",
                MissingDataWarning,
            )
    check_resolution(X, columns, context=context)
    if X.shape[0] < min_rows:
        raise DataError(
            f"only {X.shape[0]} complete rows remain for the {context}; at least {min_rows} are needed"
        )
    return PreparedData(np.ascontiguousarray(X), tuple(columns), n_dropped, n_replaced, index)
