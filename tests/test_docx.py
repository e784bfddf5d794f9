"""Word (APA 7) and LaTeX tables, and numbers kept as numbers in the workbook.

The written .docx files are opened again with python-docx and their content checked: table
numbers and italic titles, horizontal rules only, decimal tabs, APA number formats and the
note line.
"""

from __future__ import annotations

import builtins
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import acsi
from acsi.exceptions import SpecificationError
from acsi.report.docx import apa_tables, fmt_number, fmt_p

docx = pytest.importorskip("docx")

MOBI = """
Image =~ IMAG1 + IMAG2 + IMAG3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Image
Loyalty ~ Satisfaction + Image
"""


@pytest.fixture(scope="module")
def sem(mobi: pd.DataFrame):  # type: ignore[no-untyped-def]
    return acsi.sem(MOBI, mobi)


@pytest.fixture(scope="module")
def pls(mobi: pd.DataFrame):  # type: ignore[no-untyped-def]
    return acsi.pls(MOBI, mobi)


def _tables(path: Path) -> tuple[object, list[list[list[str]]]]:
    document = docx.Document(str(path))
    return document, [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


def _border(cell: object, edge: str) -> str | None:
    from docx.oxml.ns import qn

    borders = cell._tc.tcPr.find(qn("w:tcBorders"))  # type: ignore[attr-defined]
    el = borders.find(qn(f"w:{edge}"))
    return None if el is None else el.get(qn("w:val"))


def test_negative_numbers_get_a_minus_sign(tmp_path: Path) -> None:
    from acsi.report.docx import ApaTable, write_docx

    t = ApaTable("Signs", ("Path", "β"), ("text", "num"), (("a → b", -0.25), ("c-d", 0.5)), note="x")
    _, tables = _tables(write_docx([t], tmp_path / "s.docx"))
    assert tables[0][1] == ["a → b", "\u22120.25"] and tables[0][2] == ["c-d", "0.50"]


def test_number_formats() -> None:
    assert fmt_number(0.456, 2, bounded=True) == ".46"
    assert fmt_number(-0.456, 2, bounded=True) == "-.46"
    assert fmt_number(1.456, 2, bounded=True) == "1.46"
    assert fmt_number(-0.001, 2) == "0.00"  # no negative zero
    assert fmt_number(float("nan")) == ""
    assert fmt_p(0.0004) == "<\u00a0.001" and fmt_p(0.04567) == ".046" and fmt_p(1.0) == "1.000"


def test_cbsem_docx(sem, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = sem.to_docx(tmp_path / "sem.docx")
    assert out == tmp_path / "sem.docx"
    document, tables = _tables(out)
    text = [p.text for p in document.paragraphs]
    assert [t for t in text if t.startswith("Table ")] == ["Table 1", "Table 2", "Table 3", "Table 4", "Table 5"]
    titles = [text[i + 1] for i, t in enumerate(text) if t.startswith("Table ")]
    assert titles == ["Measurement Model Estimates", "Structural Model Estimates", "Model Fit",
                      "Reliability and Convergent Validity", "Heterotrait-Monotrait Ratios (HTMT)"]
    title_par = [p for p in document.paragraphs if p.text == "Model Fit"][0]
    assert all(r.italic for r in title_par.runs)
    assert all(r.bold for r in [p for p in document.paragraphs if p.text == "Table 1"][0].runs)
    # structural paths: the numbers of the result, APA-formatted
    paths = tables[1]
    assert paths[0] == ["Path", "B", "SE", "β", "z", "p", "95% CI"]
    pt = sem.path_table
    first = paths[1]
    assert first[0] == f"{pt.source[0]} → {pt.target[0]}"
    assert first[1] == f"{pt.est[0]:.2f}" and first[3] == f"{pt['std'][0]:.2f}"
    p = pt.pvalue[0]
    assert first[5].strip() == ("<\u00a0.001" if p < 0.001 else f"{p:.3f}"[1:])
    # fit: one row per index, CFI and SRMR without their leading zero, chi-square and df of the result
    fit = {row[0]: row[1].strip() for row in tables[2][1:]}
    fm = sem.fit_measures
    assert tables[2][0] == ["Index", "Value"]
    assert fit["χ²"] == f"{fm.chisq:.2f}" and fit["df"] == f"{int(fm.df)}"
    assert fit["CFI"] == f"{fm.cfi:.2f}".lstrip("0") and fit["SRMR"] == f"{fm.srmr:.2f}".lstrip("0")
    assert fit["RMSEA 90% CI"] == f"[{fm.rmsea_ci_lower:.2f}, {fm.rmsea_ci_upper:.2f}]"
    # reliability: rho_c and AVE bounded by 1: no leading zero
    rel = tables[3]
    assert rel[0] == ["Construct", "ρC", "AVE"] and all(c.strip().startswith(".") for r in rel[1:] for c in r[1:])
    # HTMT lower triangle
    ht = tables[4]
    assert ht[0] == ["Construct", "1", "2"] and ht[1][1:] == ["", ""] and ht[2][1].strip() != ""
    # notes under every table
    notes = [p for p in document.paragraphs if p.text.startswith("Note.")]
    assert len(notes) == 5 and notes[0].runs[0].italic and "N = 250" in notes[0].text


def test_rules_and_decimal_tabs(sem, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document(str(sem.to_docx(tmp_path / "t.docx")))
    t = document.tables[1]
    rows = list(t.rows)
    # horizontal rules only: above and below the heading, below the last row
    assert all(_border(c, "top") == "single" and _border(c, "bottom") == "single" for c in rows[0].cells)
    assert all(_border(c, "bottom") == "single" for c in rows[-1].cells)
    assert all(_border(c, "bottom") == "nil" and _border(c, "top") == "nil" for r in rows[1:-1] for c in r.cells)
    assert all(_border(c, e) == "nil" for r in rows for c in r.cells for e in ("left", "right"))
    # numbers right-aligned with one number of decimals per column: the decimal points line up
    for j in (1, 2, 3, 4):
        pars = [r.cells[j].paragraphs[0] for r in rows[1:]]
        assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in pars)
        assert len({len(p.text.split(".")[1]) for p in pars}) == 1


def test_pls_docx_and_existing_file(pls, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "pls.docx"
    target.write_bytes(b"old")
    pls.to_docx(target, digits=3)  # replaced atomically, as every acsi output
    document, tables = _tables(target)
    titles = [p.text for p in document.paragraphs if p.runs and p.runs[0].italic and not p.text.startswith("Note")]
    assert titles == ["Measurement Model Estimates", "Structural Model Estimates",
                      "Explained Variance of the Endogenous Constructs", "Reliability and Convergent Validity",
                      "Heterotrait-Monotrait Ratios (HTMT)"]
    rel = tables[3]
    assert rel[0] == ["Construct", "α", "ρA", "ρC", "AVE"]
    assert rel[1][3].strip() == f"{pls.reliability['rho_c'].iloc[0]:.3f}".lstrip("0")
    assert tables[1][0] == ["Path", "β"]  # no bootstrap: no SE or p
    assert [p.name for p in tmp_path.iterdir()] == ["pls.docx"]  # no temporary file left


def test_report_docx_uses_the_bootstrap(tmp_path: Path) -> None:
    from acsi.report import build_report
    from acsi.report.demo import DEMO_MODEL

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = build_report(acsi.datasets.load_ebanking(), DEMO_MODEL, bootstrap=100, seed=1)
    document, tables = _tables(rep.to_docx(tmp_path / "r.docx"))
    assert document.paragraphs[0].text == rep.title
    assert tables[1][0] == ["Path", "β", "SE", "t", "p", "95% CI"]
    assert tables[1][1][5].startswith("[")


def test_other_results_write_their_summary_tables(hs: pd.DataFrame, tmp_path: Path) -> None:
    alpha = acsi.reliability.cronbach_alpha(hs[["x1", "x2", "x3"]])
    document, tables = _tables(alpha.to_docx(tmp_path / "a.docx"))
    assert len(tables) == len(alpha.summary().tables) >= 1


def test_bad_paths(sem, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecificationError, match=r"must end in \.docx"):
        sem.to_docx(tmp_path / "x.doc")
    with pytest.raises(SpecificationError, match="is a directory"):
        sem.to_docx(tmp_path)
    with pytest.raises(SpecificationError, match="digits"):
        sem.to_docx(tmp_path / "x.docx", digits=-1)


def test_missing_python_docx_names_the_extra(sem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    real = builtins.__import__

    def fake(name: str, *args: object, **kwargs: object) -> object:
        if name == "docx" or name.startswith("docx."):
            raise ImportError("No module named 'docx'")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake)
    monkeypatch.delitem(sys.modules, "docx", raising=False)
    with pytest.raises(ImportError, match=r"acsi\[word\]"):
        sem.to_docx(tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()


def test_latex_booktabs_escaped(sem) -> None:  # type: ignore[no-untyped-def]
    tex = sem.summary().to_latex()
    assert "\\toprule" in tex and "\\midrule" in tex and "\\bottomrule" in tex and "\\hline" not in tex
    assert "\\caption{Fit indices}" in tex
    from acsi.results.base import Summary

    s = Summary("A & B", tables=[("50% of x_1", pd.DataFrame({"n#": [1]}, index=["{a}"]))], notes=["$5 ~ok^"])
    tex = s.to_latex()
    assert "A \\& B" in tex and "50\\% of x\\_1" in tex and "n\\#" in tex and "\\{a\\}" in tex
    assert "\\$5 \\textasciitilde{}ok\\textasciicircum{}" in tex


def test_every_summary_has_latex(sem, pls, hs: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    for res in (sem, pls, pls.index(scale=(1, 10)), acsi.reliability.omega(hs[["x1", "x2", "x3"]])):
        tex = res.summary().to_latex()
        assert tex.count("\\begin{tabular}") >= len(res.summary().tables)


def test_apa_tables_dispatch(sem, pls) -> None:  # type: ignore[no-untyped-def]
    assert [t.title for t in apa_tables(sem)][2] == "Model Fit"
    assert "Model Fit" not in [t.title for t in apa_tables(pls)]
    with pytest.raises(SpecificationError, match="result or report"):
        apa_tables(42)


def test_report_xlsx_keeps_numbers_numeric(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from acsi.report import build_report
    from acsi.report.demo import DEMO_MODEL

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = build_report(acsi.datasets.load_ebanking(), DEMO_MODEL, bootstrap=0, seed=1)
    book = openpyxl.load_workbook(rep.to_excel(tmp_path / "r.xlsx"))
    ws = book["paths"]
    header = [c.value for c in ws[1]]
    est = header.index("est")
    values = [row[est].value for row in ws.iter_rows(min_row=2)]
    assert values and all(isinstance(v, float) for v in values)
    ws = book["reliability"]
    assert all(isinstance(c.value, (int, float)) for row in ws.iter_rows(min_row=2, min_col=2) for c in row
               if c.value is not None)


def test_cli_demo_docx(tmp_path: Path) -> None:
    from acsi.cli import main

    out, doc = tmp_path / "d.html", tmp_path / "d.docx"
    assert main(["demo", "--out", str(out), "--docx", str(doc), "--bootstrap", "100", "--quiet"]) == 0
    document, tables = _tables(doc)
    assert len(tables) >= 4 and tables[1][0][:2] == ["Path", "β"]


def test_cli_docx_checked_before_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from acsi.cli import main

    rc = main(["demo", "--out", str(tmp_path / "d.html"), "--docx", str(tmp_path / "d.doc"), "--quiet"])
    assert rc != 0 and "must end in .docx" in capsys.readouterr().err
    assert not (tmp_path / "d.html").exists()
    rc = main(["demo", "--out", str(tmp_path / "d.docx"), "--docx", str(tmp_path / "d.docx"), "--quiet"])
    assert rc != 0 and "same file" in capsys.readouterr().err


def test_second_order_cbsem(hs: pd.DataFrame, tmp_path: Path) -> None:
    """A second-order factor's indicators are factors: its loadings are in the measurement table,
    and HTMT is over the first-order factors (whose items are observed)."""
    res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9; "
                   "g =~ visual + textual + speed", hs)
    _, tables = _tables(res.to_docx(tmp_path / "g.docx"))
    assert ["g", "visual"] == tables[0][-3][:2]
    assert tables[-1][0] == ["Construct", "1", "2"] and [r[0] for r in tables[-1][1:]] == [
        "1. visual", "2. textual", "3. speed"]
