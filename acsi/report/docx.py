"""Word tables in APA style (7th edition) for papers and theses: ``res.to_docx(path)``.

Every result has ``to_docx`` (:meth:`acsi.results.base.ResultMixin.to_docx`), which calls
:func:`to_docx` here. A CB-SEM or PLS result (or a :class:`~acsi.report.Report`) gives the
tables a structural-equation paper reports: the measurement model, the structural paths,
model fit (CB-SEM) or explained variance (PLS), reliability and convergent validity, and
discriminant validity (HTMT); any other result writes the tables of its ``summary()``.

Each table follows APA 7 (section 7.8-7.21): the table number in bold, the title in italic
title case on the next line, horizontal rules only (above and below the column headings
and below the last row), numbers aligned on the decimal point (right-aligned, with one
number of decimals per column), no leading zero for values that cannot exceed 1 (p values,
standardized loadings and paths' R-squared, reliabilities, AVE, CFI, SRMR), ``p < .001``
for small p values, and a *Note.* line under the table.

python-docx is an optional dependency (``pip install 'acsi[word]'``), imported on use.

Examples
--------
>>> import acsi, tempfile, pathlib
>>> res = acsi.cfa("visual =~ x1 + x2 + x3", acsi.datasets.load_holzinger_swineford())
>>> [t.title for t in apa_tables(res)]
['Measurement Model Estimates', 'Model Fit', 'Reliability and Convergent Validity']
>>> fmt_number(0.0421, 2, bounded=True), fmt_p(0.0004).replace("\\xa0", " ")
('.04', '< .001')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from acsi._validation import check_int
from acsi.exceptions import SpecificationError
from acsi.results.base import ResultMixin

__all__ = ["ApaTable", "apa_tables", "to_docx", "write_docx", "fmt_number", "fmt_p", "DOCX_HINT"]

DOCX_HINT = "writing Word files needs python-docx: pip install 'acsi[word]' (or pip install python-docx)"

#: column kinds: "text" (left), "num" (decimal-aligned), "bounded" (no leading zero), "p", "int"
Kind = str


@dataclass(frozen=True)
class ApaTable:
    """One APA table: a title, columns with their kind, rows of raw values and a note.

    ``kinds`` gives each column's kind: ``"text"`` (left-aligned), ``"num"`` (decimal-aligned),
    ``"bounded"`` (decimal-aligned, no leading zero: the value cannot exceed 1), ``"p"`` (a p
    value: ``< .001`` below .001, no leading zero), ``"int"``, ``"ci"`` (a pair shown as
    ``[lower, upper]``) or ``"pre"`` (text formatted already, decimal-aligned).
    """

    title: str
    columns: tuple[str, ...]
    kinds: tuple[Kind, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""
    digits: int = 2

    def cells(self) -> list[list[str]]:
        """The formatted cells, row by row (what Word shows)."""
        out = []
        for row in self.rows:
            out.append([_fmt(v, k, self.digits) for v, k in zip(row, self.kinds)])
        return out


def fmt_number(value: Any, digits: int = 2, *, bounded: bool = False) -> str:
    """A number with ``digits`` decimals (APA: leading zero dropped when ``bounded``; blank for NaN)."""
    if value is None:
        return ""
    v = float(value)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    text = f"{v:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    if bounded:
        if text.startswith("0."):
            text = text[1:]
        elif text.startswith("-0."):
            text = "-" + text[2:]
    return text


def fmt_p(value: Any) -> str:
    """A p value as APA writes it: three decimals without the leading zero, ``< .001`` below."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    v = float(value)
    if math.isnan(v):
        return ""
    if v < 0.001:
        return "<\u00a0.001"  # a no-break space: "< .001" never splits across lines
    return fmt_number(v, 3, bounded=True)


def _fmt(value: Any, kind: Kind, digits: int) -> str:
    if kind == "text":
        return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if kind == "p":
        return fmt_p(value)
    if kind == "int":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return f"{int(round(float(value)))}"
    if kind == "pre":  # formatted already (a column mixing formats, e.g. the fit indices)
        return str(value)
    if kind == "ci":  # a pair (lower, upper)
        lo, hi = value
        if any(v is None or math.isnan(float(v)) for v in (lo, hi)):
            return ""
        return f"[{fmt_number(lo, digits)}, {fmt_number(hi, digits)}]"
    return fmt_number(value, digits, bounded=kind == "bounded")


# --------------------------------------------------------------------------- tables


def _is_sem(obj: Any) -> bool:
    from acsi.cbsem.results import SEMResult

    return isinstance(obj, SEMResult)


def _is_pls(obj: Any) -> bool:
    from acsi.plspm.results import PLSResult

    return isinstance(obj, PLSResult)


def _arrow(a: Any, b: Any) -> str:
    return f"{a} → {b}"


def _measurement(res: Any, digits: int, sem: bool) -> ApaTable:
    lt = res.loadings_table
    rows: list[tuple[Any, ...]] = []
    if sem:
        # every "=~" row of the estimates: a second-order factor's loadings too
        est = res.estimates
        est = est[est["op"] == "=~"]
        for lhs, rhs, b, se, beta, p in zip(est["lhs"], est["rhs"], est["est"], est["se"], est["std_all"],
                                            est["pvalue"]):
            rows.append((lhs, rhs, b, se, beta, p))
        return ApaTable(
            "Measurement Model Estimates",
            ("Construct", "Indicator", "B", "SE", "β", "p"),
            ("text", "text", "num", "num", "bounded", "p"), tuple(rows),
            note=(f"N = {res.nobs}. B = unstandardized loading; β = standardized loading (std.all). "
                  "Loadings fixed to 1 to set a factor's scale have no SE or p value."),
            digits=digits)
    for r in lt.itertuples(index=False):
        rows.append((r.construct, r.indicator, r.std, r.weight))
    return ApaTable(
        "Measurement Model Estimates",
        ("Construct", "Indicator", "Loading", "Weight"),
        ("text", "text", "bounded", "num"), tuple(rows),
        note=f"N = {res.nobs}. Standardized outer loadings and outer weights of the PLS path model.",
        digits=digits)


def _paths_from_table(paths: pd.DataFrame, digits: int, nobs: int, note: str) -> ApaTable:
    has_se = "se" in paths or "boot_se" in paths
    se = paths["se"] if "se" in paths else paths.get("boot_se")
    stat_col = "z" if "z" in paths else ("t" if "t" in paths else None)
    cols: list[str] = ["Path", "β"]
    kinds: list[str] = ["text", "num"]
    if has_se:
        cols += ["SE"]
        kinds += ["num"]
    if stat_col is not None:
        cols += [stat_col]
        kinds += ["num"]
    if "pvalue" in paths:
        cols += ["p"]
        kinds += ["p"]
    if "ci_lower" in paths:
        cols += ["95% CI"]
        kinds += ["ci"]
    est = paths["std"] if "std" in paths and paths["std"].notna().any() else paths["est"]
    rows = []
    for i in range(len(paths)):
        row: list[Any] = [_arrow(paths["source"].iloc[i], paths["target"].iloc[i]), est.iloc[i]]
        if has_se and se is not None:
            row.append(se.iloc[i])
        if stat_col is not None:
            row.append(paths[stat_col].iloc[i])
        if "pvalue" in paths:
            row.append(paths["pvalue"].iloc[i])
        if "ci_lower" in paths:
            row.append((paths["ci_lower"].iloc[i], paths["ci_upper"].iloc[i]))
        rows.append(tuple(row))
    # drop columns that are empty throughout (a PLS fit without bootstrap has no SE or p)
    keep = [j for j in range(len(cols)) if j < 2 or any(_fmt(r[j], kinds[j], digits) for r in rows)]
    return ApaTable("Structural Model Estimates", tuple(cols[j] for j in keep), tuple(kinds[j] for j in keep),
                    tuple(tuple(r[j] for j in keep) for r in rows), note=f"N = {nobs}. {note}", digits=digits)


def _sem_paths(res: Any, digits: int) -> ApaTable | None:
    pt = res.path_table
    if not len(pt):
        return None
    rows = []
    for r in pt.itertuples(index=False):
        rows.append((_arrow(r.source, r.target), r.est, r.se, r.std, r.z, r.pvalue, (r.ci_lower, r.ci_upper)))
    return ApaTable(
        "Structural Model Estimates",
        ("Path", "B", "SE", "β", "z", "p", "95% CI"),
        ("text", "num", "num", "num", "num", "p", "ci"), tuple(rows),
        note=(f"N = {res.nobs}. B = unstandardized coefficient; β = standardized coefficient (std.all); "
              "CI = confidence interval of B (Wald)."),
        digits=digits)


def _sem_fit(res: Any, digits: int) -> ApaTable:
    fm = res.fit_measures
    robust = not math.isnan(float(fm.chisq_scaled))
    chisq = fm.chisq_scaled if robust else fm.chisq
    p = fm.pvalue_scaled if robust else fm.pvalue
    cfi = fm.cfi_robust if robust else fm.cfi
    tli = fm.tli_robust if robust else fm.tli
    rmsea = fm.rmsea_robust if robust else fm.rmsea
    lo = fm.rmsea_ci_lower_robust if robust else fm.rmsea_ci_lower
    hi = fm.rmsea_ci_upper_robust if robust else fm.rmsea_ci_upper
    rows = (("χ²", fmt_number(chisq, digits)), ("df", f"{int(fm.df)}"), ("p", fmt_p(p)),
            ("CFI", fmt_number(cfi, digits, bounded=True)), ("TLI", fmt_number(tli, digits)),
            ("RMSEA", fmt_number(rmsea, digits)), ("RMSEA 90% CI", _fmt((lo, hi), "ci", digits)),
            ("SRMR", fmt_number(fm.srmr, digits, bounded=True)), ("AIC", fmt_number(fm.aic, digits)),
            ("BIC", fmt_number(fm.bic, digits)))
    note = (f"N = {res.nobs}. χ² = chi-square test of exact fit; CFI = comparative fit index; TLI = "
            "Tucker-Lewis index; RMSEA = root mean square error of approximation with its 90% CI; "
            "SRMR = standardized root mean square residual; AIC, BIC = information criteria.")
    if robust:
        note += (" Estimator MLR: χ² is the Yuan-Bentler scaled statistic and CFI, TLI and RMSEA are "
                 "the robust versions.")
    return ApaTable("Model Fit", ("Index", "Value"), ("text", "pre"), tuple(rows), note=note, digits=digits)


def _pls_r2(res: Any, digits: int) -> ApaTable | None:
    r2 = res.r_squared
    if not len(r2):
        return None
    n = res.nobs
    rows = []
    for name, value in r2.items():
        k = int(res.path_table["target"].eq(name).sum())
        adj = 1 - (1 - float(value)) * (n - 1) / (n - k - 1) if n - k - 1 > 0 else float("nan")
        rows.append((str(name), float(value), adj, k))
    return ApaTable("Explained Variance of the Endogenous Constructs", ("Construct", "R²", "Adjusted R²", "Predictors"),
                    ("text", "bounded", "bounded", "int"), tuple(rows),
                    note=f"N = {n}. Adjusted R² = 1 - (1 - R²)(N - 1)/(N - k - 1), k predictors.", digits=digits)


def _reliability(rel: pd.DataFrame, digits: int, nobs: int, sem: bool) -> ApaTable:
    names = {"alpha": "α", "rho_a": "ρA", "rho_c": "ρC", "ave": "AVE", "omega": "ω"}
    cols = [c for c in ("alpha", "rho_a", "rho_c", "omega", "ave") if c in rel.columns]
    rows = tuple((str(idx), *(float(rel.loc[idx, c]) for c in cols)) for idx in rel.index)
    if sem:
        note = ("ρC = composite reliability (semTools' compRelSEM, model-implied); AVE = average variance "
                "extracted. Values of .70 (ρC) and .50 (AVE) are the usual minimums.")
    else:
        note = ("α = Cronbach's alpha; ρA = Dijkstra-Henseler's rho; ρC = composite reliability; AVE = average "
                "variance extracted. Values of .70 (α, ρA, ρC) and .50 (AVE) are the usual minimums; a "
                "single-item construct has 1 by definition.")
    return ApaTable("Reliability and Convergent Validity", ("Construct", *(names[c] for c in cols)),
                    ("text", *(["bounded"] * len(cols))), rows, note=f"N = {nobs}. {note}", digits=digits)


def _htmt(ht: pd.DataFrame, digits: int) -> ApaTable | None:
    names = [str(c) for c in ht.columns]
    k = len(names)
    if k < 2:
        return None
    vals = ht.to_numpy(dtype=float)
    rows = []
    for i in range(k):
        row: list[Any] = [f"{i + 1}. {names[i]}"]
        for j in range(k - 1):
            if j < i:
                v = vals[j, i] if not math.isnan(vals[j, i]) else vals[i, j]
                row.append(v)
            else:
                row.append(float("nan"))
        rows.append(tuple(row))
    return ApaTable(
        "Heterotrait-Monotrait Ratios (HTMT)", ("Construct", *(str(j + 1) for j in range(k - 1))),
        ("text", *(["num"] * (k - 1))), tuple(rows),
        note=("HTMT = heterotrait-monotrait ratio of correlations (Henseler et al., 2015); values below "
              ".85 (.90 for conceptually close constructs) support discriminant validity."),
        digits=digits)


def _sem_htmt(res: Any) -> pd.DataFrame:
    from acsi.plspm.evaluation import htmt as htmt_kernel

    cov = res.indicator_cov
    # first-order constructs only (a second-order factor's indicators are constructs)
    blocks = {c: list(v) for c, v in res.blocks.items() if len(v) and all(i in cov.index for i in v)}
    items = [i for v in blocks.values() for i in v]
    S = cov.loc[items, items].to_numpy(dtype=float)
    d = np.sqrt(np.diag(S))
    R = S / np.outer(d, d)
    mask = np.zeros((len(items), len(blocks)))
    pos = 0
    for c, its in enumerate(blocks.values()):
        mask[pos:pos + len(its), c] = 1.0
        pos += len(its)
    return pd.DataFrame(htmt_kernel(R, mask), index=list(blocks), columns=list(blocks))


def _structural(res: Any, digits: int, *, paths: pd.DataFrame | None = None,
                reliability: pd.DataFrame | None = None, htmt: pd.DataFrame | None = None) -> list[ApaTable]:
    sem = _is_sem(res)
    out: list[ApaTable | None] = [_measurement(res, digits, sem)]
    if sem:
        out.append(_sem_paths(res, digits))
        out.append(_sem_fit(res, digits))
        if reliability is None:
            from acsi import reliability as R

            reliability = pd.DataFrame({"rho_c": R.composite_reliability(res), "ave": R.ave(res)})
        if htmt is None:
            htmt = _sem_htmt(res)
            if htmt.shape[0] < 2:
                htmt = None
    else:
        pt = paths if paths is not None else res.path_table
        if len(pt):
            out.append(_paths_from_table(
                pt, digits, res.nobs,
                "β = standardized path coefficient" + ("; SE, t, p and CI from the bootstrap (percentile CI)."
                                                       if "boot_se" in pt else ".")))
        out.append(_pls_r2(res, digits))
        reliability = res.reliability if reliability is None else reliability
        htmt = res.htmt if htmt is None else htmt
    out.append(_reliability(reliability, digits, res.nobs, sem))
    out.append(_htmt(htmt, digits) if htmt is not None else None)
    return [t for t in out if t is not None]


def _generic(summary: Any, digits: int) -> list[ApaTable]:
    out = []
    for title, df in summary.tables:
        frame = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
        cols = tuple(str(c) for c in frame.columns)
        kinds = []
        for c in frame.columns:
            col = frame[c]
            if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
                kinds.append("text")
            elif str(c) in ("p", "pvalue") or str(c).endswith("_pvalue"):
                kinds.append("p")
            elif pd.api.types.is_integer_dtype(col):
                kinds.append("int")
            else:
                kinds.append("num")
        rows = tuple(tuple(r) for r in frame.itertuples(index=False))
        out.append(ApaTable(str(title) or summary.title, cols, tuple(kinds), rows, note="", digits=digits))
    return out


def apa_tables(obj: Any, *, digits: int = 2) -> list[ApaTable]:
    """The APA tables of a result (see the module docstring for what each family gives)."""
    from acsi.report.build import Report

    digits = check_int(digits, "digits", minimum=0)
    if isinstance(obj, Report):
        res = obj.result
        tables = obj.tables
        if _is_pls(res):
            return _structural(res, digits, paths=tables.get("paths"),
                               reliability=tables.get("reliability"), htmt=tables.get("HTMT"))
        if _is_sem(res):
            return _structural(res, digits, reliability=tables.get("reliability"), htmt=tables.get("HTMT"))
        return _generic(obj.summary(), digits)
    if _is_sem(obj) or _is_pls(obj):
        return _structural(obj, digits)
    if isinstance(obj, ResultMixin):
        return _generic(obj.summary(), digits)
    raise SpecificationError(f"to_docx needs an acsi result or report, not {type(obj).__name__}")


# --------------------------------------------------------------------------- Word


def _require_docx() -> Any:
    try:
        import docx
    except ImportError as exc:
        raise ImportError(DOCX_HINT) from exc
    return docx


def _borders(cell: Any, **edges: bool) -> None:
    """Set single-line top/bottom borders of a table cell (others none)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    old = tc_pr.find(qn("w:tcBorders"))
    if old is not None:
        tc_pr.remove(old)
    borders = OxmlElement("w:tcBorders")
    for edge in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{edge}")
        if edges.get(edge):
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "8")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    tc_pr.append(borders)


def _no_table_borders(table: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


#: usable width of a portrait page with 2.54 cm margins (US Letter, APA), in cm
_PAGE_CM = 16.4
_ITALIC_HEADS = {"B", "SE", "p", "z", "t", "df", "N", "n", "M", "SD", "R²"}


def _split_decimal(text: str) -> tuple[str, str]:
    """(left of the decimal point, the point and right of it) of a formatted number."""
    k = text.find(".")
    return (text, "") if k < 0 else (text[:k], text[k:])


_CELL_MARGINS_CM = 0.38  # Word's default left + right cell margins


def _min_right(column: list[str]) -> int:
    """Fewest characters from the decimal point on in a column (0 for whole numbers)."""
    return min(len(_split_decimal(c)[1]) for c in column) if column else 0


def _layout(table: ApaTable, cells: list[list[str]], char_cm: float) -> tuple[list[float], list[float | None]]:
    """Column widths (cm) and right indents of the numbers (cm; None for a text column) from the
    longest entries of each column."""
    widths: list[float] = []
    tabs: list[float | None] = []
    for j, (name, kind) in enumerate(zip(table.columns, table.kinds)):
        column = [row[j] for row in cells if row[j]]
        if kind == "text":
            longest = max([len(name)] + [len(w) for c in column for w in c.split(" ")] + [0])
            full = max([len(name)] + [len(c) for c in column])
            widths.append(_CELL_MARGINS_CM + 0.2 + char_cm * min(full, max(longest, 26)))
            tabs.append(None)
            continue
        if kind == "ci":
            widths.append(_CELL_MARGINS_CM + 0.2 + char_cm * max([len(name)] + [len(c) for c in column]))
            tabs.append(None)
            continue
        if kind == "pre":  # mixed formats (the fit indices): right-aligned, as wide as the longest
            widths.append(_CELL_MARGINS_CM + 0.4 + char_cm * max([len(name)] + [len(c) for c in column]))
            tabs.append(0.1)
            continue
        left = max([len(_split_decimal(c)[0]) for c in column] + [1])
        right = max([len(_split_decimal(c)[1]) for c in column] + [0])
        body = left + right
        text_cm = 0.2 + char_cm * max(len(name), body)
        widths.append(_CELL_MARGINS_CM + text_cm)
        # right-aligned with this right indent: the numbers centred under the heading; every
        # column has one number of decimals, so their decimal points line up
        tabs.append(max(0.0, (text_cm - char_cm * body) / 2 + char_cm * (right - _min_right(column))))
    return widths, tabs


def _add_table(document: Any, number: int, table: ApaTable) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    label = document.add_paragraph()
    label.add_run(f"Table {number}").bold = True
    label.paragraph_format.keep_with_next = True
    label.paragraph_format.space_after = Pt(0)
    head = document.add_paragraph()
    head.add_run(table.title).italic = True
    head.paragraph_format.keep_with_next = True
    # numbers with a true minus sign (it never breaks from its digits)
    cells = [[c.replace("-", "\u2212") if k not in ("text",) else c for c, k in zip(row, table.kinds)]
             for row in table.cells()]
    size = 12.0
    widths, tabs = _layout(table, cells, 0.235)
    if sum(widths) > _PAGE_CM:  # a wide table is set in 10 point, as APA allows
        size = 10.0
        widths, tabs = _layout(table, cells, 0.235 * size / 12)
    t = document.add_table(rows=1 + len(cells), cols=len(table.columns))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _no_table_borders(t)
    last = len(cells)
    for j, name in enumerate(table.columns):
        cell = t.cell(0, j)
        par = cell.paragraphs[0]
        run = par.add_run(name)
        run.font.size = Pt(size)
        run.italic = name in _ITALIC_HEADS  # statistical symbols in italics (APA 6.45)
        par.alignment = WD_ALIGN_PARAGRAPH.LEFT if tabs[j] is None and table.kinds[j] == "text" \
            else WD_ALIGN_PARAGRAPH.CENTER
        _borders(cell, top=True, bottom=True)
    for i, row in enumerate(cells, start=1):
        for j, text in enumerate(row):
            cell = t.cell(i, j)
            par = cell.paragraphs[0]
            par.paragraph_format.space_after = Pt(0)
            indent = tabs[j]
            if indent is not None and text:
                # right-aligned, one number of decimals per column: the decimal points line up in
                # every word processor (a decimal tab stop is drawn differently by each)
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                par.paragraph_format.right_indent = Cm(indent)
                run = par.add_run(text)
            else:
                run = par.add_run(text)
                if table.kinds[j] == "ci":
                    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.font.size = Pt(size)
            _borders(cell, bottom=i == last)
    for j, width in enumerate(widths):
        t.columns[j].width = Cm(width)  # the grid (read by LibreOffice) and every cell (read by Word)
        for row in t.rows:
            row.cells[j].width = Cm(width)
    if table.note:
        note = document.add_paragraph()
        note.add_run("Note.").italic = True
        note.add_run(" " + table.note)
    document.add_paragraph()


def write_docx(tables: Sequence[ApaTable], path: str | Path, *, title: str | None = None,
               start: int = 1) -> Path:
    """Write APA tables to a Word file (atomically: a failure leaves no half-written file).

    An existing file at ``path`` is replaced as every acsi output is
    (:func:`acsi._files.atomic_write`); a directory, a missing or read-only folder raises
    :class:`~acsi.exceptions.SpecificationError`. Tables are numbered from ``start``.
    Needs python-docx (``pip install 'acsi[word]'``).
    """
    from acsi._files import atomic_write, check_output_path

    p = check_output_path(path)
    if p.suffix.lower() != ".docx":
        raise SpecificationError(f"path {str(p)!r}: a Word file name must end in .docx")
    docx = _require_docx()
    from docx.shared import Pt

    def write(tmp: Path) -> None:
        document = docx.Document()
        style = document.styles["Normal"]
        style.font.name = "Times New Roman"
        style.font.size = Pt(12)
        if title:
            document.add_heading(title, level=1)
        for k, table in enumerate(tables, start=start):
            _add_table(document, k, table)
        document.save(str(tmp))

    return atomic_write(p, write)


def to_docx(obj: Any, path: str | Path, *, digits: int = 2, title: str | None = None) -> Path:
    """Write the APA tables of ``obj`` (a result or a report) to the Word file ``path``.

    ``digits`` decimals for estimates (p values always with three, APA style). Returns the path.
    """
    if isinstance(obj, Mapping):
        raise SpecificationError("to_docx needs an acsi result or report, not a mapping")
    tables = apa_tables(obj, digits=digits)
    if title is None:
        from acsi.report.build import Report

        title = obj.title if isinstance(obj, Report) else None
    return write_docx(tables, path, title=title)
