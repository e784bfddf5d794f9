"""The ``acsi`` command line: demo, analyze (CSV, XLSX, SAV), exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import acsi
from acsi.cli import EXIT_ESTIMATION, EXIT_OK, EXIT_USAGE, main, parse_item_map, read_model

MOBI_MAP = """\
# ECSI mobi items for the ACSI constructs
expectations: CUEX1 CUEX2 CUEX3
quality: PERQ1 PERQ2 PERQ3 PERQ4 PERQ5 PERQ6 PERQ7
value: PERV1 PERV2
satisfaction: CUSA1 CUSA2 CUSA3
complaints: CUSCO
loyalty: CUSL1 CUSL2 CUSL3
"""


@pytest.fixture(scope="module")
def mobi_csv(tmp_path_factory, mobi) -> Path:
    p = tmp_path_factory.mktemp("data") / "mobi.csv"
    mobi.to_csv(p, index=False)
    return p


@pytest.fixture(scope="module")
def item_map(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("model") / "items.txt"
    p.write_text(MOBI_MAP, encoding="utf-8")
    return p


def _stderr_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_parse_item_map_text_and_json() -> None:
    assert parse_item_map("quality: q1 q2, q3\nsatisfaction: s1 + s2  # c\n\n") == {
        "quality": ["q1", "q2", "q3"], "satisfaction": ["s1", "s2"]}
    assert parse_item_map('{"quality": ["q1"], "satisfaction": "s1"}') == {"quality": ["q1"], "satisfaction": ["s1"]}
    with pytest.raises(acsi.SpecificationError, match="line 2"):
        parse_item_map("quality: q1\nsatisfaction s1")
    with pytest.raises(acsi.SpecificationError, match="listed twice"):
        parse_item_map("quality: q1\nquality: q2")
    with pytest.raises(acsi.SpecificationError, match="JSON, line 1"):
        parse_item_map('{"quality": [q1]}')


def test_read_model_item_map_goes_through_the_acsi_builder(item_map, tmp_path) -> None:
    model = read_model(item_map)
    assert model == acsi.models.acsi(
        expectations=["CUEX1", "CUEX2", "CUEX3"], quality=[f"PERQ{i}" for i in range(1, 8)],
        value=["PERV1", "PERV2"], satisfaction=["CUSA1", "CUSA2", "CUSA3"], complaints=["CUSCO"],
        loyalty=["CUSL1", "CUSL2", "CUSL3"])
    lav = tmp_path / "m.lav"
    lav.write_text("Sat =~ CUSA1 + CUSA2\nLoy =~ CUSL1\nLoy ~ Sat\n", encoding="utf-8")
    assert read_model(lav) == lav.read_text(encoding="utf-8")  # lavaan syntax: as written
    bad = tmp_path / "bad.txt"
    bad.write_text("quality: q1\nimage: i1\n", encoding="utf-8")
    with pytest.raises(acsi.SpecificationError, match="'image' is not an ACSI construct"):
        read_model(bad)


def test_demo_writes_a_report(tmp_path, capsys) -> None:
    out = tmp_path / "demo.html"
    assert main(["demo", "--out", str(out), "--bootstrap", "100", "--seed", "2", "--quiet"]) == EXIT_OK
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "E-banking" in html
    assert _stderr_lines(capsys) == []  # --quiet: nothing printed
    # the chain: Satisfaction (higher-order) is the headline, CB-SEM's second-order factor beside it
    assert "Satisfaction index: <b>" in html and "Higher-order constructs" in html
    assert "The same chain as a second-order factor model (CB-SEM)" in html


def test_analyze_a_model_with_a_higher_order_construct(tmp_path, capsys) -> None:
    """A lavaan model file whose construct is measured by constructs: the CLI reads only the
    items as columns (the constructs are not data)."""
    from acsi.report.demo import DEMO_MODEL

    data = tmp_path / "eb.csv"
    acsi.datasets.load_ebanking().to_csv(data, index=False)
    model = tmp_path / "chain.lav"
    model.write_text(DEMO_MODEL, encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["analyze", str(data), "--model", str(model), "--out", str(out), "--bootstrap", "0",
                 "--scale", "1", "10", "--quiet"]) == EXIT_OK
    html = out.read_text(encoding="utf-8")
    assert "Satisfaction (higher-order, of 4 constructs)" in html and "Satisfaction index: <b>" in html


def test_analyze_csv_with_item_map_and_excel(mobi_csv, item_map, tmp_path, capsys) -> None:
    out, xl = tmp_path / "r.html", tmp_path / "r.xlsx"
    rc = main(["analyze", str(mobi_csv), "--model", str(item_map), "--out", str(out), "--xlsx", str(xl),
               "--bootstrap", "100", "--recommend", "CUSL1"])
    assert rc == EXIT_OK
    err = "\n".join(_stderr_lines(capsys))
    assert f"wrote {out}" in err
    html = out.read_text(encoding="utf-8")
    assert "Satisfaction" in html and 'id="index"' in html
    with pd.ExcelFile(xl) as book:
        sheets = book.sheet_names
    assert "paths" in sheets and "index" in sheets


def test_analyze_xlsx_input(tmp_path, item_map, mobi) -> None:
    p = tmp_path / "mobi.xlsx"
    mobi.to_excel(p, index=False)
    assert main(["analyze", str(p), "--model", str(item_map), "--out", str(tmp_path / "x.html"),
                 "--bootstrap", "0", "--quiet"]) == EXIT_OK


def test_analyze_sav_keeps_value_labels(tmp_path, ebanking) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    df = ebanking
    raw = df[[f"Q{k}" for k in range(8, 18)]].astype(float)
    raw.insert(0, "gender", df["Q1"].cat.codes.astype(float) + 1)
    p = tmp_path / "survey.sav"
    pyreadstat.write_sav(raw, str(p), variable_value_labels={"gender": {1.0: "Male-label", 2.0: "Female-label"}},
                         column_labels={"Q16": "would recommend"})
    model = tmp_path / "m.txt"
    model.write_text("quality =~ Q8 + Q9 + Q10 + Q11\nsatisfaction =~ Q12 + Q13 + Q14 + Q15\n"
                     "loyalty =~ Q16 + Q17\nsatisfaction ~ quality\nloyalty ~ satisfaction\n", encoding="utf-8")
    out = tmp_path / "sav.html"
    assert (
        main(["analyze", str(p), "--model", str(model), "--out", str(out), "--bootstrap", "50", "--quiet"]) == EXIT_OK
    )
    html = out.read_text(encoding="utf-8")
    assert "Male-label" in html and "Female-label" in html  # the labels, not the codes
    assert "would recommend" in html  # variable label shown with the item


def test_na_values_drop_rows_and_warn(tmp_path, capsys, mobi) -> None:
    df = mobi.copy()
    df.loc[:4, "CUSA2"] = -99
    p = tmp_path / "na.csv"
    df.to_csv(p, index=False)
    model = tmp_path / "m.txt"
    model.write_text(
        "quality: PERQ1 PERQ2 PERQ3\nsatisfaction: CUSA1 CUSA2 CUSA3\nloyalty: CUSL1 CUSL3\n", encoding="utf-8"
    )
    rc = main(["analyze", str(p), "--model", str(model), "--out", str(tmp_path / "na.html"),
               "--bootstrap", "0", "--na-values", "-99"])
    assert rc == EXIT_OK
    err = _stderr_lines(capsys)
    assert any(line.startswith("acsi: warning: MissingDataWarning") and "5" in line for line in err)


def test_unknown_column_is_a_one_line_data_error(mobi_csv, tmp_path, capsys) -> None:
    m = tmp_path / "m.txt"
    m.write_text(MOBI_MAP.replace("CUSL3", "CUSL4"), encoding="utf-8")
    rc = main(["analyze", str(mobi_csv), "--model", str(m), "--out", str(tmp_path / "o.html"), "--quiet"])
    assert rc == EXIT_USAGE  # data and model errors are input errors
    err = _stderr_lines(capsys)
    assert len(err) == 1 and err[0].startswith("acsi: error: ") and "'CUSL4'" in err[0] and "CUSL3" in err[0]
    assert not (tmp_path / "o.html").exists()


def test_model_syntax_error_names_the_line(mobi_csv, tmp_path, capsys) -> None:
    m = tmp_path / "m.lav"
    m.write_text("Sat =~ CUSA1 + CUSA2\nLoy =~ CUSL1 ~~\nLoy ~ Sat\n", encoding="utf-8")
    rc = main(["analyze", str(mobi_csv), "--model", str(m), "--quiet"])
    assert rc == EXIT_USAGE  # data and model errors are input errors
    err = _stderr_lines(capsys)
    assert len(err) == 1 and "line 2" in err[0]


@pytest.mark.parametrize(
    "argv",
    [[], ["analyze"], ["analyze", "nope.csv", "--model", "m.txt"], ["demo", "--bootstrap", "-5"],
     ["analyze", "x.csv", "--model", "m.txt", "--method", "spss"], ["frobnicate"]],
)
def test_usage_errors_exit_2(argv, capsys) -> None:
    assert main(argv) == EXIT_USAGE
    assert capsys.readouterr().err  # something explains it


def test_bad_scale_and_unknown_file_type(mobi_csv, item_map, tmp_path, capsys) -> None:
    assert main(["analyze", str(mobi_csv), "--model", str(item_map), "--scale", "10", "1"]) == EXIT_USAGE
    odd = tmp_path / "data.parquet"
    odd.write_bytes(b"x")
    assert main(["analyze", str(odd), "--model", str(item_map)]) == EXIT_USAGE
    assert "unknown type '.parquet'" in capsys.readouterr().err


def test_help_and_module_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "acsi", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "acsi demo" in proc.stdout and "analyze" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "acsi", "analyze", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    for word in ("--model", "--method", "--bootstrap", "--na-values", "--scale", "examples:", "exit codes"):
        assert word in proc.stdout


def test_demo_with_no_arguments_as_in_the_readme(tmp_path) -> None:
    # the README's main-job command, run as a user would: defaults only
    proc = subprocess.run([sys.executable, "-m", "acsi", "demo"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "acsi-demo-report.html"
    assert out.is_file() and out.stat().st_size > 100_000
    assert "wrote acsi-demo-report.html" in proc.stderr


def test_other_warnings_are_one_line_each(mobi_csv, item_map, tmp_path, capsys, monkeypatch) -> None:
    import warnings

    import acsi.cli as cli

    real = cli.read_data

    def noisy(*a, **k):
        warnings.warn("an odd\ncell", UserWarning, stacklevel=2)
        return real(*a, **k)

    monkeypatch.setattr(cli, "read_data", noisy)
    rc = main(["analyze", str(mobi_csv), "--model", str(item_map), "--out", str(tmp_path / "w.html"),
               "--bootstrap", "0", "--quiet"])
    assert rc == EXIT_OK
    err = _stderr_lines(capsys)
    assert "acsi: warning: UserWarning: an odd cell" in err
    assert all(line.startswith("acsi: ") for line in err)


def test_any_internal_exception_is_exit_3_without_traceback(mobi_csv, item_map, tmp_path, capsys,
                                                            monkeypatch) -> None:
    import acsi.report

    class Odd(Exception):
        pass

    def boom(*a, **k):
        raise Odd("something unforeseen")

    monkeypatch.setattr(acsi.report, "build_report", boom)
    rc = main(["analyze", str(mobi_csv), "--model", str(item_map), "--out", str(tmp_path / "x.html")])
    captured = capsys.readouterr()
    assert rc == EXIT_ESTIMATION and "Traceback" not in captured.err
    assert "acsi: error: the analysis failed (Odd: something unforeseen)" in captured.err
    assert not (tmp_path / "x.html").exists()
