"""Shared input handling of the reliability functions (validation, moments)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, ParamSpec, TypeVar

import numpy as np
import pandas as pd

from acsi._validation import check_choice, check_names
from acsi.data import apply_na_values, as_frame, check_columns, check_finite, check_resolution, prepare_data
from acsi.exceptions import DataError, MissingDataWarning, warn

#: missing-data policies of the reliability functions (pairwise: psych's default)
MISSING_POLICIES = ("listwise", "pairwise", "mean", "error")

P = ParamSpec("P")
T = TypeVar("T")

__all__ = ["item_matrix", "check_variation", "cov_pairwise", "corr_from_cov", "one_blas_thread", "pairwise_correlation"]


def one_blas_thread(func: Callable[P, T]) -> Callable[P, T]:
    """Run ``func`` with BLAS limited to one thread (small matrices in iterative loops: a
    multi-threaded BLAS only adds synchronisation cost; the user's setting is restored)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with _single_blas_thread():
            return func(*args, **kwargs)

    return wrapper


def _single_blas_thread() -> AbstractContextManager[Any]:
    """BLAS limited to one thread (the shared helper; a no-op without threadpoolctl)."""
    from acsi._blas import single_threaded_blas

    return single_threaded_blas()


def _columns_of(items: object, columns: Sequence[str] | None, argument: str) -> tuple[pd.DataFrame, list[str]]:
    df = as_frame(items, argument=argument)
    if not all(isinstance(c, str) for c in df.columns):
        # e.g. integer column labels (a frame built from an array): items are named by text
        df = df.set_axis([str(c) for c in df.columns], axis=1)
    cols = [str(c) for c in df.columns] if columns is None else check_names(columns, "columns")
    return df, cols


def item_matrix(
    items: object,
    columns: Sequence[str] | None = None,
    *,
    missing: Literal["listwise", "pairwise", "mean", "error"] = "listwise",
    na_values: float | str | Sequence[float | str] | None = None,
    context: str = "scale",
    min_items: int = 2,
    argument: str = "items",
) -> tuple[np.ndarray, list[str], int]:
    """Validated item matrix (may hold NaN when ``missing="pairwise"``), names, rows dropped."""
    missing = check_choice(missing, MISSING_POLICIES, "missing", case_sensitive=True)  # type: ignore[assignment]
    df, cols = _columns_of(items, columns, argument)
    if len(cols) < min_items:
        raise DataError(
            f"`{argument}` has {len(cols)} item(s) ({', '.join(cols) or 'none'}); at least "
            f"{min_items} are needed for a {context}"
        )
    if missing == "pairwise":
        dup = sorted({c for c in cols if cols.count(c) > 1})
        if dup:
            raise DataError(f"column(s) {dup} are listed more than once in the {context}")
        df, codes = apply_na_values(df, cols, na_values)
        check_columns(df, cols, context=context)
        sub = df[cols].astype("float64")
        if codes:
            sub = sub.mask(sub.isin(codes))
        X = sub.to_numpy(dtype=np.float64, copy=True)
        check_finite(X, cols, df.index, context=context)
        check_resolution(X, cols, context=context)
        n_obs = (~np.isnan(X)).sum(axis=0)
        if (n_obs < 2).any():
            j = int(np.argmin(n_obs))
            raise DataError(f"item {cols[j]!r} has fewer than 2 observed values")
        n_miss = int(np.isnan(X).any(axis=1).sum())
        if n_miss:
            warn(
                f"{n_miss} of {X.shape[0]} rows have missing values in the {context} items; "
                "covariances use all pairwise-complete rows (missing='pairwise', psych's default)",
                MissingDataWarning,
            )
        return X, cols, 0
    prepared = prepare_data(df, cols, missing=missing, na_values=na_values, context=context, min_rows=3)
    return prepared.X, list(prepared.columns), prepared.n_dropped


def check_variation(X: np.ndarray, names: Sequence[str], context: str = "scale") -> None:
    """Raise DataError naming the first item without variance."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(X, axis=0)
    bad = np.where(~(sd > 0))[0]
    if bad.size:
        j = int(bad[0])
        raise DataError(
            f"item {names[j]!r} is constant (every answer is {np.nanmax(X[:, j]):g}); it has no "
            f"variance and cannot be part of a {context}: remove it"
        )


def cov_pairwise(X: np.ndarray) -> np.ndarray:
    """Covariance matrix with divisor n - 1 from pairwise-complete rows (R ``cov(use="pairwise")``)."""
    if not np.isnan(X).any():
        return np.cov(X, rowvar=False, ddof=1)
    p = X.shape[1]
    C = np.empty((p, p))
    obs = ~np.isnan(X)
    for i in range(p):
        for j in range(i, p):
            m = obs[:, i] & obs[:, j]
            a, b = X[m, i], X[m, j]
            C[i, j] = C[j, i] = np.dot(a - a.mean(), b - b.mean()) / (m.sum() - 1)
    return C


def corr_from_cov(C: np.ndarray) -> np.ndarray:
    """cov2cor."""
    d = 1.0 / np.sqrt(np.diag(C))
    return C * d[:, None] * d[None, :]


def smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1/diag(R^+)`` as psych::smc: the pseudo-inverse
    drops singular values at or below ``sqrt(eps)`` times the largest (psych's ``Pinv``), and
    values outside [0, 1] (a singular or not positive definite ``R``) are set to 0 or 1."""
    Rp = np.linalg.pinv(R, rcond=float(np.sqrt(np.finfo(float).eps)), hermitian=True)
    with np.errstate(divide="ignore"):
        out = 1.0 - 1.0 / np.diag(Rp)
    return np.clip(out, 0.0, 1.0)


def pairwise_correlation(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R ``cor(X, use = "pairwise")``: each correlation from the rows where both items are
    observed (their own means and SDs); and psych's ``pairwiseCount``."""
    obs = ~np.isnan(X)
    counts = obs.T.astype(float) @ obs.astype(float)
    if not np.isnan(X).any():
        return np.corrcoef(X, rowvar=False), counts
    p = X.shape[1]
    R = np.eye(p)
    for i in range(p):
        for j in range(i + 1, p):
            m = obs[:, i] & obs[:, j]
            R[i, j] = R[j, i] = float(np.corrcoef(X[m, i], X[m, j])[0, 1])
    return R, counts
