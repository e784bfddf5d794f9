"""One summary drives the text, the notebook HTML and the Excel export of every result.

A result class implements :meth:`ResultMixin._summary` returning a :class:`Summary` (a title,
a header of key/value facts and a list of titled tables); the mixin gives it ``summary()``,
``__str__``, ``_repr_html_`` and ``to_excel()``.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Summary",
    "ResultMixin",
    "format_value",
    "latex_escape",
    "write_excel",
    "frozen_table",
    "freeze",
    "frozen_copy",
    "FrozenDict",
    "TableMap",
    "values_equal",
    "compact_repr",
    "CopyTables",
    "freeze_fields",
]


def format_value(value: Any, digits: int = 3) -> str:
    """Format a scalar for display: floats with ``digits`` decimals, NaN as blank."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return ""
        if v != 0 and (abs(v) < 10 ** (-digits) or abs(v) >= 1e7):
            return f"{v:.{digits}e}"
        return f"{v:.{digits}f}"
    return str(value)


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
}


def latex_escape(text: str) -> str:
    r"""Escape LaTeX's special characters in ``text`` (one pass, so an escape is never escaped again).

    Examples
    --------
    >>> print(latex_escape("R^2 & 50% of {x_1}"))
    R\textasciicircum{}2 \& 50\% of \{x\_1\}
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


@dataclass
class Summary:
    """A printable, exportable summary (what every result's ``summary()`` returns).

    ``str(summary)`` (and ``print``) gives the text, ``_repr_html_`` the notebook HTML,
    :meth:`to_latex` a LaTeX fragment and :meth:`to_frame` one long table of all tables.

    Attributes
    ----------
    title : str
    header : list of (label, value)
        Facts shown above the tables (estimator, n, converged, ...).
    tables : list of (title, DataFrame)
    notes : list of str
    """

    title: str
    header: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digits: int = 3

    def _fmt_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        return df.map(lambda v: format_value(v, self.digits))

    def as_text(self) -> str:
        """Plain-text rendering."""
        width = 78
        out = [self.title, "=" * min(width, max(len(self.title), 20))]
        if self.header:
            lw = max(len(str(k)) for k, _ in self.header)
            for k, v in self.header:
                out.append(f"{str(k):<{lw}}  {format_value(v, self.digits)}")
        for title, df in self.tables:
            out.append("")
            out.append(title)
            out.append("-" * min(width, max(len(title), 10)))
            out.append(self._fmt_frame(df).to_string())
        for note in self.notes:
            out.append("")
            out.append(note)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def __contains__(self, text: object) -> bool:
        """``"R-squared" in res.summary()``: substring of the text rendering."""
        return isinstance(text, str) and text in self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()

    def to_latex(self, *, label: str | None = None) -> str:
        r"""LaTeX rendering in the booktabs style (``\usepackage{booktabs}`` in the preamble).

        The title as an unnumbered section, the header facts as a two-column tabular, then
        each table as a ``table`` float with its caption and horizontal rules only
        (``\toprule``, ``\midrule``, ``\bottomrule``); numbers right-aligned with the
        summary's decimals, blank for NaN; every text (titles, labels, cells, notes) escaped
        for LaTeX. ``label`` prefixes ``\label{label:k}`` on the k-th table (1-based).

        Examples
        --------
        >>> import pandas as pd
        >>> s = Summary("Fit", tables=[("Paths & loadings", pd.DataFrame({"est_%": [0.5]}, index=["a_b"]))])
        >>> print(s.to_latex())  # doctest: +NORMALIZE_WHITESPACE
        \section*{Fit}
        \begin{table}[htbp]
        \centering
        \caption{Paths \& loadings}
        \begin{tabular}{lr}
        \toprule
         & est\_\% \\
        \midrule
        a\_b & 0.500 \\
        \bottomrule
        \end{tabular}
        \end{table}
        """
        out = [f"\\section*{{{latex_escape(self.title)}}}"]
        if self.header:
            out.append("\\begin{tabular}{ll}")
            out.append("\\toprule")
            out += [f"{latex_escape(str(k))} & {latex_escape(format_value(v, self.digits))} \\\\"
                    for k, v in self.header]
            out.append("\\bottomrule")
            out.append("\\end{tabular}")
        for k, (title, df) in enumerate(self.tables, start=1):
            frame = self._fmt_frame(df)
            labels = [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in frame.index]
            numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
                       for c in df.columns] if df.columns.is_unique else [True] * df.shape[1]
            out.append("\\begin{table}[htbp]")
            out.append("\\centering")
            if title:
                out.append(f"\\caption{{{latex_escape(str(title))}}}")
            if label:
                out.append(f"\\label{{{label}:{k}}}")
            out.append("\\begin{tabular}{l" + "".join("r" if n else "l" for n in numeric) + "}")
            out.append("\\toprule")
            out.append(" & ".join([""] + [latex_escape(str(c)) for c in frame.columns]) + " \\\\")
            out.append("\\midrule")
            for lab, row in zip(labels, frame.itertuples(index=False)):
                out.append(" & ".join([latex_escape(lab)] + [latex_escape(str(v)) for v in row]) + " \\\\")
            out.append("\\bottomrule")
            out.append("\\end{tabular}")
            out.append("\\end{table}")
        out += [latex_escape(note) for note in self.notes]
        return "\n".join(out)

    def to_frame(self) -> pd.DataFrame:
        """All tables in one long frame: ``table, row, column, value`` (header facts as
        table ``"header"``, column ``"value"``)."""
        rows: list[tuple[str, str, str, Any]] = [("header", str(k), "value", v) for k, v in self.header]
        for title, df in self.tables:
            labels = [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in df.index]
            for label, (_, rec) in zip(labels, df.iterrows()):
                rows += [(title, label, str(c), v) for c, v in rec.items()]
        return pd.DataFrame(rows, columns=["table", "row", "column", "value"])

    def as_html(self) -> str:
        """HTML rendering for notebooks and reports (self-contained, no scripts)."""
        parts = [f'<div class="acsi-summary"><h4>{html.escape(self.title)}</h4>']
        if self.header:
            rows = "".join(
                f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                f"<td style='text-align:left'>{html.escape(format_value(v, self.digits))}</td></tr>"
                for k, v in self.header
            )
            parts.append(f"<table>{rows}</table>")
        for title, df in self.tables:
            parts.append(f"<h5>{html.escape(title)}</h5>")
            parts.append(self._fmt_frame(df).to_html(border=0, classes="acsi-table", na_rep=""))
        for note in self.notes:
            parts.append(f"<p><em>{html.escape(note)}</em></p>")
        parts.append("</div>")
        return "\n".join(parts)


def freeze(value: Any) -> Any:
    """Return ``value`` made read-only: an ndarray as a read-only array (a view when it was
    writeable, so the caller's array is untouched), a DataFrame/Series as a copy; other
    values unchanged."""
    if isinstance(value, np.ndarray):
        if value.flags.writeable:
            value = value.view()
            value.flags.writeable = False
        return value
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy()
    return value


class FrozenDict(dict):
    """A dict that refuses changes (item assignment, deletion, update, ...); picklable."""

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("this mapping belongs to a result and is read-only")

    __setitem__ = __delitem__ = _readonly
    clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]
    __ior__ = _readonly  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))


class TableMap(Mapping[str, Any]):
    """A read-only mapping of named tables that hands out copies (arrays read-only), so
    that ``report.tables["paths"].loc[0, "est"] = 9`` changes the caller's copy only."""

    def __init__(self, tables: Mapping[str, Any] | None = None) -> None:
        self._tables = {str(k): freeze(v) for k, v in (tables or {}).items()}

    def __getitem__(self, key: str) -> Any:
        return freeze(self._tables[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __repr__(self) -> str:
        return f"TableMap({list(self._tables)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return values_equal(dict(self.items()), dict(other.items()))

    __hash__ = None  # type: ignore[assignment]


def frozen_copy(obj: Any) -> Any:
    """A shallow copy of the dataclass instance ``obj`` whose ndarray fields are read-only
    views and whose dict fields are :class:`FrozenDict` of frozen values (the original
    object is untouched). Used by results to hold the estimation records they wrap
    (``EstimationCore``, ``KernelResult``, ...) read-only. A class that freezes its own
    array and dict fields when it is built (its ``_FROZEN_ON_INIT`` is true, as
    :class:`acsi.cbsem.core.EstimationCore`) is returned as it is: a copy would hold the
    same read-only values."""
    import copy
    import dataclasses

    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return obj
    if type(obj).__dict__.get("_FROZEN_ON_INIT", False):
        return obj
    out = copy.copy(obj)
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            object.__setattr__(out, f.name, freeze(value))
        elif isinstance(value, dict) and not isinstance(value, FrozenDict):
            object.__setattr__(out, f.name, FrozenDict({k: freeze(v) for k, v in value.items()}))
    return out


class CopyTables:
    """Mixin: public DataFrame/Series/dict attributes are returned as copies.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> import pandas as pd
    >>> @dataclass(frozen=True, eq=False)
    ... class R(CopyTables):
    ...     table: pd.DataFrame
    >>> r = R(pd.DataFrame({"a": [1]}))
    >>> t = r.table
    >>> t.loc[0, "a"] = 9
    >>> int(r.table.loc[0, "a"])
    1
    """

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name[:1] != "_":
            if isinstance(value, (pd.DataFrame, pd.Series)):
                return value.copy()
            if type(value) is dict:
                return dict(value)
        return value


def freeze_fields(obj: Any) -> None:
    """Store every ndarray field of the frozen dataclass ``obj`` as a read-only array and every
    DataFrame/Series field as a private copy (call it from ``__post_init__``): the in-place
    counterpart of :func:`frozen_copy` for a result's own fields."""
    import dataclasses

    for f in dataclasses.fields(obj):
        value = object.__getattribute__(obj, f.name)
        if isinstance(value, (np.ndarray, pd.DataFrame, pd.Series)):
            object.__setattr__(obj, f.name, freeze(value))


def compact_repr(obj: Any, **facts: Any) -> str:
    """``ClassName(key=value, ...)`` from a few scalar facts (no arrays or tables)."""
    inner = ", ".join(f"{k}={v!r}" for k, v in facts.items())
    return f"{type(obj).__name__}({inner})"[:1999]


def values_equal(a: Any, b: Any) -> bool:
    """Equality that never raises: arrays by shape and value (NaN equal to NaN), pandas
    objects by ``equals`` plus labels, sequences and mappings element-wise, else ``==``
    (identity when ``==`` raises or returns something that is not a bool)."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        try:
            return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc" and b.dtype.kind in "fc"))
        except (TypeError, ValueError):
            return False
    if isinstance(a, (pd.DataFrame, pd.Series, pd.Index)) or isinstance(b, (pd.DataFrame, pd.Series, pd.Index)):
        if type(a) is not type(b):
            return False
        try:
            return bool(a.equals(b)) and (
                isinstance(a, pd.Index) or (a.index.equals(b.index) and (
                    not isinstance(a, pd.DataFrame) or a.columns.equals(b.columns)))
            )
        except (TypeError, ValueError):
            return False
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return list(a.keys()) == list(b.keys()) and all(values_equal(a[k], b[k]) for k in a)
    if (
        type(a) is type(b)
        and dataclasses.is_dataclass(a)
        and not isinstance(a, type)
        and not isinstance(a, ResultMixin)  # a record: field by field (its own == may raise)
    ):
        return all(
            values_equal(getattr(a, f.name), getattr(b, f.name))
            for f in dataclasses.fields(a)
            if f.compare
        )
    try:
        out = a == b
    except Exception:  # noqa: BLE001 - equality must never raise
        return False
    return out if isinstance(out, bool) else bool(out) if isinstance(out, np.bool_) else False


class frozen_table:
    """A cached, read-only table property: computed once, handed out as a copy.

    Use instead of ``functools.cached_property`` for every public table (DataFrame,
    Series, ndarray) of a result, so that ``res.estimates.loc[0, "est"] = 99`` changes the
    caller's copy and never the result. Works on frozen dataclasses (the cache lives in the
    instance ``__dict__``, like ``cached_property``). Arrays are returned read-only.
    """

    def __init__(self, func: Any) -> None:
        self.func = func
        self.__doc__ = func.__doc__
        self.__wrapped__ = func
        self.attrname: str | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.attrname = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        key = f"_frozen_{self.attrname}"
        cache = obj.__dict__
        try:
            value = cache[key]
        except KeyError:
            value = self.func(obj)
            if isinstance(value, np.ndarray):
                value = freeze(value)
            cache[key] = value
        if isinstance(value, (pd.DataFrame, pd.Series)):
            return value.copy(deep=not _COPY_ON_WRITE)
        return value


#: pandas >= 3 always copies on write: a shallow copy is then as independent as a deep one
#: (writing into it copies the data first; its arrays come out read-only), at half the cost
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def _unhashable(self: Any) -> int:
    raise TypeError(f"unhashable type: {type(self).__name__!r} (results compare by value, like DataFrames)")


class ResultMixin:
    """Text, HTML and Excel output for result classes that implement ``_summary()``.

    Also value equality: two results are equal when they are of the same class and every
    dataclass field is equal (:func:`values_equal`; arrays and tables by value). ``==``
    never raises. Results are not hashable (like DataFrames).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A result class is decorated with @dataclass after this runs; an ``__eq__`` (and
        # ``__hash__``) already in the class body keeps the decorator from generating the
        # field-tuple ``__eq__`` that raises on arrays and tables, so every subclass has the
        # value equality below even when declared ``@dataclass(frozen=True)``.
        if "__eq__" not in cls.__dict__:
            cls.__eq__ = ResultMixin.__eq__  # type: ignore[method-assign]
        if "__hash__" not in cls.__dict__:
            cls.__hash__ = _unhashable  # type: ignore[assignment]
        # likewise a compact ``__repr__`` (the dataclass one would print every array and table)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = ResultMixin.__repr__  # type: ignore[method-assign]

    def __repr__(self) -> str:
        """``ClassName(title; fact=value, ...)`` from the summary's header: a few scalar facts,
        never arrays or tables, under 2,000 characters (``print(result)`` gives the tables)."""
        try:
            s = self._summary()
        except Exception:  # noqa: BLE001 - a repr must never raise: the scalar fields instead
            scalars: dict[str, Any] = {}
            if dataclasses.is_dataclass(self):
                for f in dataclasses.fields(self):
                    value = getattr(self, f.name, None)
                    if isinstance(value, (str, int, float, bool, np.number)) and f.repr:
                        scalars[f.name] = value if not isinstance(value, str) or len(value) < 60 else value[:57] + "..."
            return compact_repr(self, **scalars)
        facts = []
        for key, value in s.header:
            if isinstance(value, (np.ndarray, pd.DataFrame, pd.Series, list, tuple, dict)):
                continue
            text = format_value(value, s.digits)
            if len(text) > 60:
                text = text[:57] + "..."
            facts.append(f"{key}={text}")
        inner = "; ".join([s.title, ", ".join(facts)] if facts else [s.title])
        tables = f" [{len(s.tables)} tables]" if len(s.tables) > 1 else ""
        return f"{type(self).__name__}({inner}){tables}"[:1999]

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(self) is not type(other):
            return NotImplemented
        return values_equal(self._equality_values(), other._equality_values())

    def _equality_values(self) -> tuple[Any, ...]:
        """What ``==`` compares: every compared dataclass field (a result whose fields hold
        objects without value equality overrides this with the values that define it)."""
        if not dataclasses.is_dataclass(self):
            return (id(self),)
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self) if f.compare)

    __hash__ = None  # type: ignore[assignment]

    def _summary(self) -> Summary:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError

    def _tables(self) -> dict[str, pd.DataFrame]:
        """Tables written by :meth:`to_excel`; default: those of the summary."""
        return {title: df for title, df in self._summary().tables}

    def summary(self) -> Summary:
        """The result's :class:`Summary`: ``print(result.summary())`` shows the text;
        ``_repr_html_``, ``to_latex()`` and ``to_frame()`` give the other renderings."""
        return self._summary()

    def __str__(self) -> str:
        return self._summary().as_text()

    def _repr_html_(self) -> str:
        return self._summary().as_html()

    def to_excel(self, path: str | Path) -> Path:
        """Write every table to its own sheet of an ``.xlsx`` workbook (needs openpyxl).

        Returns the path written.
        """
        try:
            import openpyxl  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "to_excel needs openpyxl: pip install 'acsi[io]' (or pip install openpyxl)"
            ) from exc
        return write_excel(self._tables(), path)


    def to_docx(self, path: str | Path, *, digits: int = 2, title: str | None = None) -> Path:
        """Write the result's tables to a Word file in APA style (needs python-docx:
        ``pip install 'acsi[word]'``).

        A CB-SEM or PLS result gives the measurement model, the structural paths, model fit
        (CB-SEM) or explained variance (PLS), reliability and convergent validity, and HTMT;
        other results the tables of their summary. See :mod:`acsi.report.docx`. An existing
        file is replaced atomically, like :meth:`to_excel`. Returns the path written.
        """
        import acsi  # the report layer, through the facade (results/ sits below it)

        return acsi.report.to_docx(self, path, digits=digits, title=title)


def write_excel(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write each table to its own sheet (names cleaned to Excel's rules, made unique).

    The workbook is written atomically (a temporary file in the same folder, then renamed),
    so a failure leaves no half-written file; a directory as ``path`` raises
    :class:`~acsi.exceptions.SpecificationError`. Text cells that a spreadsheet would run as
    a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return), in the
    values, the index labels and the column names alike, are stored as text; numbers stay
    numbers.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> write_excel({"answers": pd.DataFrame({"text": ["=1+1"], "n": [2]})}, target).name
    't.xlsx'
    """
    from acsi._files import atomic_write, defuse_formulas

    def write(tmp: Path) -> None:
        used: set[str] = set()
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for title, df in tables.items():
                sheet = "".join(c for c in str(title) if c not in "[]:*?/\\")[:31].strip("'") or "table"
                base, k = sheet, 2
                while sheet.lower() in used:
                    sheet = f"{base[:28]}_{k}"
                    k += 1
                used.add(sheet.lower())
                df.to_excel(writer, sheet_name=sheet)
                defuse_formulas(writer.sheets[sheet])

    return atomic_write(path, write)
