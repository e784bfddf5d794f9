"""``acsi.moments``: the sample moments of a big file, read in chunks, for fits without rows.

For complete data the normal likelihood depends on the data only through ``N``, the means and
the covariance matrix, and a PLS path model only through the correlation matrix. So a file
too big for memory can be reduced, one chunk at a time, to a :class:`Moments` object, and
``acsi.sem(model, moments)``, ``acsi.cfa`` and ``acsi.pls(model, moments)`` fit it exactly
(the same numbers as a fit on the whole frame, to round-off). With ``fourth_order=True`` the
third- and fourth-order central moments of the rows are kept as well (``p x p*`` and
``p* x p*``, ``p* = p (p + 1) / 2``): everything lavaan's MLR (Huber-White standard errors,
Yuan-Bentler scaled test) needs for complete data.

Chunks are merged by the pairwise update of Chan, Golub and LeVeque (1979), generalised to the
third and fourth co-moments (Pebay 2008): every chunk's sums are taken about the chunk's own
mean and moved to the merged mean by exact polynomial identities; there are no raw sums of
powers, so a large common offset in the data costs no precision.

What a fit on moments cannot do (each refuses with a SpecificationError naming the way out):
anything that needs the rows, i.e. FIML (``missing="ml"``), bootstraps, ordinal items,
sampling weights, multiple groups from a column, construct scores, PLSpredict, MGA/MICOM,
higher-order constructs and interactions in PLS.

References
----------
Chan, T. F., Golub, G. H., & LeVeque, R. J. (1979). Updating formulae and a pairwise algorithm
for computing sample variances. Technical report STAN-CS-79-773, Stanford University.

Pebay, P. (2008). Formulas for robust, one-pass parallel computation of covariances and
arbitrary-order statistical moments. Sandia Report SAND2008-6212.
"""

from __future__ import annotations

import difflib
import numbers
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from acsi._linalg import vech_indices
from acsi._validation import check_bool, check_choice, check_int, parse_na_values
from acsi.exceptions import DataError, MissingDataWarning, SpecificationError, warn
from acsi.results.base import ResultMixin, Summary, freeze, frozen_table

__all__ = ["Moments", "moments"]

Array = NDArray[np.float64]

#: rows per block inside a chunk for the fourth-order products (bounds the ``rows x p*`` buffer)
_BLOCK = 4096


# --------------------------------------------------------------------------- merge algebra
@dataclass
class _Sums:
    """Central sums of one set of rows: ``n``, mean, ``C = sum e e'``, ``T = sum e vech(ee')'``,
    ``U = sum vech(ee') vech(ee')'`` (``e = x - mean``)."""

    n: int
    mean: Array
    C: Array
    T: Array | None = None
    U: Array | None = None


def _shift_matrix(d: Array, r: NDArray[np.intp], c: NDArray[np.intp]) -> Array:
    """``L`` with ``L e = vech(e d' + d e')`` (``p* x p``)."""
    ps, p = r.size, d.size
    L = np.zeros((ps, p))
    k = np.arange(ps)
    np.add.at(L, (k, r), d[c])
    np.add.at(L, (k, c), d[r])
    return L


def _shifted(s: _Sums, d: Array, r: NDArray[np.intp], c: NDArray[np.intp]) -> tuple[Array, Array | None, Array | None]:
    """The sums of ``s`` about ``mean - d`` (rows ``c_i = e_i + d``), exact.

    With ``z = vech(cc') = u + L e + w`` (``u = vech(ee')``, ``w = vech(dd')``, ``sum e = 0``):
    ``sum cc' = C + n dd'``, ``sum c z' = T + C L' + d s' + n d w'`` and
    ``sum z z' = U + T'L' + L T + s w' + w s' + L C L' + n w w'`` with ``s = vech(C)``.
    """
    n = s.n
    C = s.C + n * np.outer(d, d)
    if s.T is None or s.U is None:
        return C, None, None
    L = _shift_matrix(d, r, c)
    sv = s.C[r, c]
    w = d[r] * d[c]
    CL = s.C @ L.T
    T = s.T + CL + np.outer(d, sv) + n * np.outer(d, w)
    LT = L @ s.T
    U = s.U + LT + LT.T + np.outer(sv, w) + np.outer(w, sv) + L @ CL + n * np.outer(w, w)
    return C, T, U


def _merge(a: _Sums, b: _Sums, r: NDArray[np.intp], c: NDArray[np.intp]) -> _Sums:
    """Chan's pairwise update (with the third and fourth co-moments)."""
    if a.n == 0:
        return b
    if b.n == 0:
        return a
    n = a.n + b.n
    mean = a.mean + (b.mean - a.mean) * (b.n / n)
    Ca, Ta, Ua = _shifted(a, a.mean - mean, r, c)
    Cb, Tb, Ub = _shifted(b, b.mean - mean, r, c)
    C = Ca + Cb
    if Ta is None or Tb is None or Ua is None or Ub is None:
        return _Sums(n, mean, 0.5 * (C + C.T))
    U = Ua + Ub
    return _Sums(n, mean, 0.5 * (C + C.T), Ta + Tb, 0.5 * (U + U.T))


def _chunk_sums(x: Array, fourth: bool, r: NDArray[np.intp], c: NDArray[np.intp]) -> _Sums:
    """Central sums of the rows ``x`` (one chunk), the fourth-order ones block by block."""
    n = x.shape[0]
    mean = x.mean(axis=0)
    e = x - mean
    C = e.T @ e
    if not fourth:
        return _Sums(n, mean, 0.5 * (C + C.T))
    ps = r.size
    T = np.zeros((x.shape[1], ps))
    U = np.zeros((ps, ps))
    for lo in range(0, n, _BLOCK):
        eb = e[lo : lo + _BLOCK]
        z = eb[:, r] * eb[:, c]
        T += eb.T @ z
        U += z.T @ z
    return _Sums(n, mean, 0.5 * (C + C.T), T, 0.5 * (U + U.T))


# --------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class Moments(ResultMixin):
    """Sample moments of the complete rows of a data set (returned by :func:`acsi.moments`).

    Pass it in place of the data to :func:`acsi.sem`, :func:`acsi.cfa` and :func:`acsi.pls`.

    Attributes
    ----------
    columns : tuple of str
        The variables, in the order of every array.
    n : int
        Rows used.
    mean_vector : ndarray (p,)
    cov_n : ndarray (p, p)
        Covariance with divisor ``N`` (lavaan's ``S``); :meth:`covariance` gives ``N - 1``.
    third : ndarray (p, p*) or None
        ``1/N sum c_i vech(c_i c_i')'`` (``c_i`` the centred row; ``vech`` the lower triangle
        column by column, as lavaan); with ``fourth_order=True`` only.
    fourth : ndarray (p*, p*) or None
        ``1/N sum vech(c_i c_i') vech(c_i c_i')'``; with ``fourth_order=True`` only.
    n_dropped : int
        Rows left out for a missing value (``missing="listwise"``).
    n_chunks : int
        Chunks read.
    source : str
        The file, or ``"DataFrame"``.
    """

    columns: tuple[str, ...]
    n: int
    mean_vector: Array
    cov_n: Array
    third: Array | None = field(default=None, repr=False)
    fourth: Array | None = field(default=None, repr=False)
    n_dropped: int = 0
    n_chunks: int = 1
    source: str = "DataFrame"

    def __post_init__(self) -> None:
        for name in ("mean_vector", "cov_n", "third", "fourth"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, freeze(np.asarray(value, dtype=float)))

    @property
    def nobs(self) -> int:
        """Rows used (alias of :attr:`n`)."""
        return self.n

    @property
    def has_fourth_order(self) -> bool:
        """Whether the third- and fourth-order moments (for MLR) were kept."""
        return self.fourth is not None

    @frozen_table
    def mean(self) -> pd.Series:
        """Column means."""
        return pd.Series(self.mean_vector, index=list(self.columns), name="mean")

    @frozen_table
    def cov(self) -> pd.DataFrame:
        """Covariance matrix with divisor ``N - 1`` (as ``DataFrame.cov``)."""
        return self.covariance(ddof=1)

    def covariance(self, ddof: int = 1) -> pd.DataFrame:
        """Covariance matrix with divisor ``N - ddof`` (``ddof=0``: lavaan's ``S``)."""
        dd = check_int(ddof, "ddof", minimum=0, hint="0 (divisor N) or 1 (divisor N - 1)")
        if dd >= self.n:
            raise SpecificationError(f"ddof={dd} leaves no degrees of freedom with n = {self.n} rows")
        s = self.cov_n * (self.n / (self.n - dd))
        return pd.DataFrame(s, index=list(self.columns), columns=list(self.columns))

    @frozen_table
    def correlation(self) -> pd.DataFrame:
        """Pearson correlation matrix."""
        return pd.DataFrame(self._corr(), index=list(self.columns), columns=list(self.columns))

    def _corr(self) -> Array:
        d = 1.0 / np.sqrt(np.diag(self.cov_n))
        R = self.cov_n * d[:, None] * d[None, :]
        R = 0.5 * (R + R.T)
        np.fill_diagonal(R, 1.0)
        return R

    def gamma(self, meanstructure: bool = False) -> Array:
        """The ADF covariance ``Gamma`` of the moments ``[mean, vech(S)]`` (divisor ``N``).

        ``Gamma = 1/N sum (z_i - zbar)(z_i - zbar)'`` with ``z_i = [x_i, vech(c_i c_i')]``
        (``[vech(c_i c_i')]`` without a mean structure), lavaan's ``NACOV`` for complete data
        (``lavInspect(fit, "gamma")``). Needs ``fourth_order=True``.
        """
        third, fourth = self._fourth_order("gamma()")
        r, c = vech_indices(len(self.columns))
        s = self.cov_n[r, c]
        g22 = fourth - np.outer(s, s)
        if not meanstructure:
            return g22
        return np.block([[self.cov_n, third], [third.T, g22]])

    def _fourth_order(self, what: str) -> tuple[Array, Array]:
        if self.third is None or self.fourth is None:
            raise SpecificationError(
                f"{what} needs the third- and fourth-order moments, which these moments do not hold; "
                "compute them with acsi.moments(..., fourth_order=True)"
            )
        return self.third, self.fourth

    def select(self, columns: Sequence[str]) -> Moments:
        """The moments of a subset of the columns (in the order given).

        Raises
        ------
        DataError
            A name that is not a column (with the closest column suggested).
        """
        names = [str(v) for v in columns]
        pos = {v: k for k, v in enumerate(self.columns)}
        for v in names:
            if v not in pos:
                close = difflib.get_close_matches(v, list(self.columns), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise DataError(
                    f"{v!r} is not a column of the moments (columns: {', '.join(self.columns)}){hint}; "
                    "compute the moments with that column included"
                )
        idx = np.array([pos[v] for v in names], dtype=np.intp)
        third = fourth = None
        if self.third is not None and self.fourth is not None:
            p = len(self.columns)
            r, c = vech_indices(p)
            vpos = np.full((p, p), -1, dtype=np.intp)
            vpos[r, c] = np.arange(r.size)
            vpos[c, r] = np.arange(r.size)
            rs, cs = vech_indices(idx.size)
            sel = vpos[idx[rs], idx[cs]]
            third = self.third[np.ix_(idx, sel)]
            fourth = self.fourth[np.ix_(sel, sel)]
        return Moments(
            columns=tuple(names), n=self.n, mean_vector=self.mean_vector[idx],
            cov_n=self.cov_n[np.ix_(idx, idx)], third=third, fourth=fourth, n_dropped=self.n_dropped,
            n_chunks=self.n_chunks, source=self.source,
        )

    def merge(self, other: Moments) -> Moments:
        """The moments of the rows of both (e.g. two files, or parts read in parallel), by the
        same pairwise update as the chunks.

        Examples
        --------
        >>> import acsi
        >>> hs = acsi.datasets.load_holzinger_swineford()[["x1", "x2", "x3"]]
        >>> both = acsi.moments(hs.iloc[:100]).merge(acsi.moments(hs.iloc[100:]))
        >>> both.n, bool(abs(both.cov_n - acsi.moments(hs).cov_n).max() < 1e-12)
        (301, True)
        """
        if not isinstance(other, Moments):
            raise SpecificationError(f"merge() takes another acsi.Moments, not {type(other).__name__}")
        if other.columns != self.columns:
            raise DataError(
                f"the moments have different columns ({', '.join(self.columns)} vs "
                f"{', '.join(other.columns)}); compute both with the same columns=[...]"
            )
        if self.has_fourth_order != other.has_fourth_order:
            raise SpecificationError(
                "only one of the moments holds the fourth-order moments; compute both with the same "
                "fourth_order= setting"
            )
        r, c = vech_indices(len(self.columns))

        def sums(m: Moments) -> _Sums:
            return _Sums(m.n, np.array(m.mean_vector), m.cov_n * m.n,
                         None if m.third is None else m.third * m.n, None if m.fourth is None else m.fourth * m.n)

        t = _merge(sums(self), sums(other), r, c)
        n = t.n
        return Moments(
            columns=self.columns, n=n, mean_vector=t.mean, cov_n=t.C / n,
            third=None if t.T is None else t.T / n, fourth=None if t.U is None else t.U / n,
            n_dropped=self.n_dropped + other.n_dropped, n_chunks=self.n_chunks + other.n_chunks,
            source=self.source if self.source == other.source else f"{self.source} + {other.source}",
        )

    def score_information(self, mu: Array, sigma_inv: Array, meanstructure: bool) -> Array:
        """``B1 = 1/N sum s_i s_i'``: the first-order information of the normal log-likelihood
        in ``[mu, vech(Sigma)]`` (``[vech(Sigma)]`` without a mean structure) at ``mu`` and
        ``Sigma`` (given by its inverse ``W``), from the stored moments.

        With ``c_i = x_i - mu`` the score is ``s_i = [W c_i, h * vech(W c_i c_i' W) - h * vech(W)]``
        (``h`` one half on the diagonal, one elsewhere); ``vech(W c c' W) = K vech(cc')`` is
        linear, so the sum needs only the moments about ``mu``, which are the stored central
        ones moved by ``xbar - mu`` (:func:`_shifted`). This is lavaan's ``B1`` for MLR with
        complete data (the same as from the rows, to round-off).
        """
        third, fourth = self._fourth_order("robust (MLR) statistics")
        p = len(self.columns)
        n = self.n
        r, c = vech_indices(p)
        d = self.mean_vector - np.asarray(mu, dtype=float)
        central = _Sums(n, self.mean_vector, self.cov_n * n, third * n, fourth * n)
        C, T, U = _shifted(central, d, r, c)
        assert T is not None and U is not None
        W = np.asarray(sigma_inv, dtype=float)
        h = np.where(r == c, 0.5, 1.0)
        # K[k, j] with k = (r, c), j = (a, b): W_ra W_cb + W_rb W_ca (a != b), W_ra W_ca (a == b)
        a, b = r, c
        K = W[np.ix_(r, a)] * W[np.ix_(c, b)] + (a != b)[None, :] * (W[np.ix_(r, b)] * W[np.ix_(c, a)])
        G = h[:, None] * K
        wv = W[r, c] * h
        sv = C[r, c]
        Gs = G @ sv
        b22 = G @ U @ G.T - np.outer(Gs, wv) - np.outer(wv, Gs) + n * np.outer(wv, wv)
        if not meanstructure:
            out = b22 / n
        else:
            s1 = n * d
            b11 = W @ C @ W
            b12 = W @ T @ G.T - np.outer(W @ s1, wv)
            out = np.block([[b11, b12], [b12.T, b22]]) / n
        return 0.5 * (out + out.T)

    def h1_trace_fixed_x(
        self, w: Array, meanstructure: bool, x_idx: NDArray[np.intp], mask: NDArray[np.bool_]
    ) -> float:
        """``1/N sum z_i' A1 z_i`` of lavaan's MLR h1 trace with fixed.x covariates, from the moments.

        ``z_i`` are the moments of the row minus those of its regression fitted values (the
        non-covariates regressed on the covariates, the covariates kept): with ``P`` the
        matrix giving the centred fitted values ``P c_i``, ``z_i - zbar = M (g_i - gbar)``
        with ``g_i = [x_i, vech(c_i c_i')]`` and ``M = diag(I - P, I - K_P)``
        (``K_P vech(cc') = vech(P cc' P')``); so the trace is ``tr(A1 M Gamma M')`` with the
        fixed.x moments' rows and columns zeroed (``A1 = diag(W, 1/2 D'(W kron W) D)``).
        """
        from acsi._linalg import duplication_pre_post_kron

        p = len(self.columns)
        r, c = vech_indices(p)
        y_idx = np.setdiff1d(np.arange(p), x_idx)
        S = self.cov_n
        P = np.zeros((p, p))
        P[x_idx, x_idx] = 1.0
        P[np.ix_(y_idx, x_idx)] = np.linalg.solve(S[np.ix_(x_idx, x_idx)], S[np.ix_(x_idx, y_idx)]).T
        K = P[np.ix_(r, r)] * P[np.ix_(c, c)] + (r != c)[None, :] * (P[np.ix_(r, c)] * P[np.ix_(c, r)])
        m22 = np.eye(r.size) - K
        a22 = 0.5 * duplication_pre_post_kron(w, w, np.arange(r.size))
        if meanstructure:
            M = np.zeros((p + r.size, p + r.size))
            M[:p, :p] = np.eye(p) - P
            M[p:, p:] = m22
            A = np.zeros_like(M)
            A[:p, :p] = w
            A[p:, p:] = a22
            G = self.gamma(True)
        else:
            M, A, G = m22, a22, self.gamma(False)
        cov = M @ G @ M.T
        cov[mask, :] = 0.0
        cov[:, mask] = 0.0
        return float(np.sum(A * cov))

    def mahalanobis_moments(self, sigma_inv: Array) -> tuple[float, float]:
        """``mean(d_i)`` and ``mean(d_i^2)`` of ``d_i = c_i' W c_i`` (``c_i`` centred at the mean)."""
        _, fourth = self._fourth_order("robust (MLR) statistics")
        p = len(self.columns)
        r, c = vech_indices(p)
        W = np.asarray(sigma_inv, dtype=float)
        om = W[r, c] * np.where(r == c, 1.0, 2.0)
        m1 = float(om @ self.cov_n[r, c])
        m2 = float(om @ fourth @ om)
        return m1, m2

    def _summary(self) -> Summary:
        p = len(self.columns)
        table = pd.DataFrame(
            {"mean": self.mean_vector, "sd": np.sqrt(np.diag(self.cov_n) * self.n / max(self.n - 1, 1))},
            index=pd.Index(list(self.columns), name="variable"),
        )
        return Summary(
            title="Sample moments",
            header=[
                ("Source", self.source), ("Rows used", self.n), ("Rows dropped (missing)", self.n_dropped),
                ("Variables", p), ("Chunks", self.n_chunks),
                ("Fourth-order moments (MLR)", "yes" if self.has_fourth_order else "no"),
            ],
            tables=[("Means and standard deviations (N - 1)", table)],
        )


# --------------------------------------------------------------------------- reading
def _chunks_of(
    source: Any, columns: list[str] | None, chunksize: int, sep: str, encoding: str | None,
    str_codes: list[str], read_kwargs: dict[str, Any],
) -> tuple[Iterable[pd.DataFrame], str]:
    """An iterator of DataFrame chunks and the source's name."""
    if isinstance(source, pd.DataFrame):
        df = source
        if columns is not None:
            missing_cols = [v for v in columns if v not in df.columns]
            if missing_cols:
                _unknown_column(missing_cols[0], [str(c) for c in df.columns])
            df = df[columns]
        return (df.iloc[lo : lo + chunksize] for lo in range(0, len(df), chunksize)), "DataFrame"
    if not isinstance(source, (str, os.PathLike)):
        raise SpecificationError(
            f"acsi.moments reads a CSV or Parquet file (a path) or a pandas DataFrame, not "
            f"{type(source).__name__}"
        )
    path = Path(source)
    if not path.is_file():
        raise DataError(f"no such file: {str(path)!r}")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq", ".parq"):
        try:
            import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            raise SpecificationError(
                "reading Parquet needs pyarrow, which is not installed; install it "
                "(pip install pyarrow) or convert the file to CSV"
            ) from None
        pf = pq.ParquetFile(path)
        names = list(pf.schema_arrow.names)
        if columns is not None:
            for v in columns:
                if v not in names:
                    _unknown_column(v, names)

        def parquet_chunks() -> Iterator[pd.DataFrame]:
            for batch in pf.iter_batches(batch_size=chunksize, columns=columns):
                yield batch.to_pandas()

        return parquet_chunks(), str(path)
    kw = dict(read_kwargs)
    if columns is not None:
        header = pd.read_csv(path, sep=sep, encoding=encoding, nrows=0, **kw)
        for v in columns:
            if v not in header.columns:
                _unknown_column(v, [str(c) for c in header.columns])
        kw["usecols"] = columns
    reader = pd.read_csv(path, sep=sep, encoding=encoding, chunksize=chunksize,
                         na_values=str_codes or None, **kw)
    return reader, str(path)


def _unknown_column(name: str, columns: list[str]) -> None:
    close = difflib.get_close_matches(name, columns, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise DataError(f"columns= names {name!r}, which is not a column of the data{hint}")


def _numeric_block(chunk: pd.DataFrame, offset: int, str_codes: list[str], num_codes: list[float]) -> Array:
    """The chunk as a float array (NaN where missing or a declared code)."""
    if str_codes and isinstance(chunk, pd.DataFrame):
        obj = [c for c in chunk.columns if chunk[c].dtype == object]
        if obj:
            chunk = chunk.copy()
            for col in obj:
                chunk[col] = chunk[col].where(~chunk[col].isin(str_codes), np.nan)
    for col in chunk.columns:
        dt = chunk[col].dtype
        if not (pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt)):
            try:
                chunk = chunk.assign(**{str(col): pd.to_numeric(chunk[col], errors="raise")})
            except (TypeError, ValueError):
                vals = chunk[col]
                bad = vals[pd.to_numeric(vals, errors="coerce").isna() & vals.notna()]
                first = bad.iloc[0] if len(bad) else None
                raise DataError(
                    f"column {str(col)!r} is not numeric (dtype {dt}; e.g. {first!r} in data row "
                    f"{offset + int(np.flatnonzero(chunk.index == bad.index[0])[0]) + 1 if len(bad) else '?'}); "
                    "leave it out with columns=[...], recode it, or declare the text code missing "
                    "with na_values="
                ) from None
    x = chunk.to_numpy(dtype=float, copy=True)
    if num_codes:
        x[np.isin(x, num_codes)] = np.nan
    return x


def moments(
    source: Any,
    columns: Sequence[str] | None = None,
    *,
    chunksize: int = 100_000,
    sep: str = ",",
    encoding: str | None = None,
    na_values: Any = None,
    missing: str = "error",
    fourth_order: bool = False,
    **read_kwargs: Any,
) -> Moments:
    """Means, covariance (and optionally the moments MLR needs) of a big file, chunk by chunk.

    Reads a CSV file (pandas, ``chunksize`` rows at a time), a Parquet file (pyarrow record
    batches of ``chunksize`` rows; pyarrow is imported only then) or a DataFrame, and merges
    the chunks' central moments by Chan et al.'s pairwise update (see the module docstring),
    so memory is one chunk plus ``O(p^2)`` (``O(p^4)`` with ``fourth_order=True``) whatever
    the number of rows. The result fits :func:`acsi.sem`, :func:`acsi.cfa` (ML exactly; MLR
    exactly with ``fourth_order=True``) and :func:`acsi.pls` exactly as the full frame would.

    Parameters
    ----------
    source : str, path or DataFrame
        ``*.parquet``/``*.pq`` files are read as Parquet, any other file as CSV.
    columns : list of str, optional
        The variables to keep (default every column; each must be numeric).
    chunksize : int, default 100000
        Rows per chunk (memory is about ``chunksize x p`` numbers).
    sep, encoding : str, optional
        The CSV's separator and encoding (``pandas.read_csv``).
    na_values : number, text or list, optional
        Codes meaning "missing" (e.g. ``-99`` or ``"DK"``).
    missing : {"error", "listwise"}, default "error"
        A missing value raises a DataError naming the column and the row, unless
        ``"listwise"``: rows with a missing value are left out, counted
        (``Moments.n_dropped``) and reported in a MissingDataWarning.
    fourth_order : bool, default False
        Keep the third- and fourth-order central moments (for ``estimator="MLR"``); costs
        ``O(N p^4)`` time and ``O(p^4)`` memory (for 30 columns about 13 times an ML pass).
    **read_kwargs
        Passed to ``pandas.read_csv`` (e.g. ``decimal=","``, ``skiprows=``).

    Returns
    -------
    Moments

    Raises
    ------
    DataError
        A missing value (with ``missing="error"``), a non-numeric column, an unknown column,
        fewer than two complete rows, a file that does not exist.
    SpecificationError
        A bad argument; Parquet without pyarrow.

    Warns
    -----
    acsi.MissingDataWarning
        Rows left out with ``missing="listwise"``.

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> m = acsi.moments(hs, columns=[f"x{i}" for i in range(1, 10)], chunksize=50)
    >>> m.n, m.n_chunks
    (301, 7)
    >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", m)
    >>> round(res.core.chisq, 3)
    85.306
    """
    step = check_int(chunksize, "chunksize", minimum=1, hint="rows per chunk, e.g. 100000")
    miss = check_choice(missing, ("error", "listwise"), "missing",
                        hint="'error' refuses missing values, 'listwise' leaves their rows out (counted)")
    fourth = check_bool(fourth_order, "fourth_order")
    if not isinstance(sep, str) or not sep:
        raise SpecificationError(f"sep must be a non-empty string such as ',' or ';', not {sep!r}")
    cols: list[str] | None = None
    if columns is not None:
        if isinstance(columns, str):
            columns = [columns]
        cols = [str(v) for v in columns]
        if not cols:
            raise SpecificationError("columns=[] names no column; leave it unset for every column")
        if len(set(cols)) != len(cols):
            raise SpecificationError(f"columns= names a column twice: {cols}")
    codes = parse_na_values(na_values)
    str_codes = [v for v in codes if isinstance(v, str)]
    num_codes = [float(v) for v in codes if isinstance(v, numbers.Real)]
    chunks, name = _chunks_of(source, cols, step, sep, encoding, str_codes, read_kwargs)
    total: _Sums | None = None
    names: tuple[str, ...] | None = None
    r = c = np.empty(0, dtype=np.intp)
    offset = n_dropped = n_chunks = 0
    dropped_by: dict[str, int] = {}
    for chunk in chunks:
        if names is None:
            names = tuple(str(v) for v in chunk.columns)
            if not names:
                raise DataError(f"{name} has no columns")
            r, c = vech_indices(len(names))
        x = _numeric_block(chunk, offset, str_codes, num_codes)
        _check_finite(x, names, offset)
        bad = np.isnan(x)
        if bad.any():
            rows_bad = bad.any(axis=1)
            if miss == "error":
                i, j = np.argwhere(bad)[0]
                raise DataError(
                    f"column {names[j]!r} has a missing value in data row {offset + int(i) + 1} "
                    f"({int(bad[:, j].sum())} in this chunk); moments need complete rows: pass "
                    "missing='listwise' to leave incomplete rows out (counted and reported), or "
                    "fit the frame with acsi.sem(..., missing='ml') (FIML)"
                )
            for j in np.flatnonzero(bad.any(axis=0)):
                dropped_by[names[j]] = dropped_by.get(names[j], 0) + int(bad[:, j].sum())
            n_dropped += int(rows_bad.sum())
            x = x[~rows_bad]
        offset += len(chunk)
        n_chunks += 1
        if x.shape[0]:
            part = _update(x, fourth, r, c)
            total = part if total is None else _merge(total, part, r, c)
    if names is None:
        raise DataError(f"{name} has no rows")
    if total is None or total.n < 2:
        raise DataError(
            f"{0 if total is None else total.n} complete row(s) in {name}: moments need at least two"
            + (f" ({n_dropped} rows with missing values were left out)" if n_dropped else "")
        )
    if n_dropped:
        per = ", ".join(f"{k} ({v})" for k, v in dropped_by.items())
        warn(
            f"{n_dropped} of {offset} rows with missing values were left out (listwise deletion); "
            f"missing values per column: {per}",
            MissingDataWarning,
        )
    n = total.n
    return Moments(
        columns=names, n=n, mean_vector=total.mean, cov_n=total.C / n,
        third=None if total.T is None else total.T / n, fourth=None if total.U is None else total.U / n,
        n_dropped=n_dropped, n_chunks=n_chunks, source=name,
    )


#: the largest magnitude accepted (as acsi.data.prepare_data): beyond it the fourth powers overflow
_MAX_ABS = 1e100


def _check_finite(x: Array, names: tuple[str, ...], offset: int) -> None:
    """Refuse infinite and absurdly large values (naming the column and the data row)."""
    with np.errstate(invalid="ignore"):
        big = np.abs(x) > _MAX_ABS
    if big.any():
        i, j = np.argwhere(big)[0]
        v = x[i, j]
        what = f"an infinite value ({v})" if np.isinf(v) else f"the value {v:g}"
        raise DataError(
            f"column {names[j]!r} holds {what} in data row {offset + int(i) + 1}; fix or remove the entry, "
            f"declare it missing with na_values=, or rescale the column (largest magnitude accepted "
            f"{_MAX_ABS:g})"
        )


def _update(x: Array, fourth: bool, r: NDArray[np.intp], c: NDArray[np.intp]) -> _Sums:
    """The central sums of one chunk of complete rows (a seam for tests: the largest block
    of rows the reader ever holds is the ``x`` given here)."""
    return _chunk_sums(x, fourth, r, c)
