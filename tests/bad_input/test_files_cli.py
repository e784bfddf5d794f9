"""Bad-input catalogue: files and the command line.

One line per case: ``(id, argv or callable, expected, regex)``. ``argv`` is a list of strings
formatted with the paths of the :func:`files` fixture (``{csv}``, ``{model}``, ``{dir}``, ...);
the command runs in-process (``acsi.cli.main``) from the fixture's folder and must exit with
``expected`` (2 input error, 3 estimation failed, 0 success), print no traceback and, on
failure, exactly one line on stderr that matches ``regex`` (the culprit and the way out). A
callable gets the paths and must raise ``expected`` (an exception class) matching ``regex``.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import openpyxl
import pandas as pd
import pytest

import acsi
from acsi.cli import EXIT_ESTIMATION, EXIT_OK, EXIT_USAGE, main, parse_item_map, read_data, read_model
from acsi.report.build import Report
from acsi.results.base import write_excel

MODEL = "quality =~ q1 + q2 + q3\nsatisfaction =~ s1 + s2 + s3\nsatisfaction ~ quality\n"


def _answers(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    f = rng.normal(size=n)
    g = 0.6 * f + 0.8 * rng.normal(size=n)
    cols = {f"q{i}": np.clip(np.round(5 + 1.5 * f + rng.normal(size=n)), 1, 10) for i in (1, 2, 3)}
    cols |= {f"s{i}": np.clip(np.round(5 + 1.5 * g + rng.normal(size=n)), 1, 10) for i in (1, 2, 3)}
    return pd.DataFrame(cols)


def _with(df: pd.DataFrame, col: str, row: int, value: Any) -> pd.DataFrame:
    out = df.astype(object)
    out.loc[row, col] = value
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("bad_input_files")
    df = _answers()
    p: dict[str, str] = {"dir": str(d)}

    def put(key: str, name: str, content: str | bytes | pd.DataFrame, **kw: Any) -> None:
        path = d / name
        if isinstance(content, pd.DataFrame):
            content.to_csv(path, index=False, **kw)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=kw.get("encoding", "utf-8"))
        p[key] = str(path)

    put("csv", "answers.csv", df)
    put("model", "model.txt", MODEL)
    put("semi", "semi.csv", df, sep=";")
    put("tabbed", "tabbed.csv", df, sep="\t")
    put("piped", "piped.csv", df, sep="|")
    put("header", "header.csv", "q1,q2,q3,s1,s2,s3\n")
    put("empty", "empty.csv", b"")
    put("ragged", "ragged.csv", "q1,q2,q3,s1,s2,s3\n1,2,3,4,5,6\n1,2,3,4,5,6,7,8\n")
    put("latin1csv", "latin1.csv", "q1,q2,q3,s1,s2,s3,city\n" + "1,2,3,4,5,6,Gen\xe8ve\n" * 3, encoding="latin-1")
    put("na_text", "na_text.csv", _with(df, "q1", 4, "NA"))
    put("none_text", "none_text.csv", _with(df, "s2", 6, "None"))
    put("nslash", "nslash.csv", _with(df, "q3", 2, "n/a"))
    put("dk", "dk.csv", _with(_with(df, "q2", 1, "DK"), "s1", 3, "n/a"))
    put("semi_dk", "semi_dk.csv", _with(_with(df, "q2", 1, "DK"), "s1", 3, "n/a"), sep=";")
    put("code99", "code99.csv", _with(df, "s3", 5, -99))
    put("semi_dec", "semi_dec.csv", _with(df, "q1", 0, "4,5"), sep=";")
    put("scale5_model", "scale5_model.txt", "scale 1-5: q1\n" + MODEL)
    put("scale_unknown", "scale_unknown.txt", "scale 1-7: x9\n" + MODEL)
    put("scale_bad", "scale_bad.txt", "quality[7-1]: q1 q2 q3\nsatisfaction: s1 s2 s3\n")
    put("outside", "outside.csv", _with(df, "q1", 0, 12))
    put("fake_xlsx", "renamed.xlsx", (d / "answers.csv").read_bytes())
    put("random_xlsx", "random.xlsx", np.random.default_rng(0).bytes(2048))
    put("old_xls", "old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    put("empty_xlsx", "empty.xlsx", b"")
    with zipfile.ZipFile(d / "zip.xlsx", "w") as z:
        z.writestr("readme.txt", "not a workbook")
    p["zip_xlsx"] = str(d / "zip.xlsx")
    with pd.ExcelWriter(d / "book.xlsx", engine="openpyxl") as w:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(w, sheet_name="cover", index=False)
        df.to_excel(w, sheet_name="answers", index=False)
    p["book"] = str(d / "book.xlsx")
    pd.DataFrame(columns=list(df.columns)).to_excel(d / "header.xlsx", index=False)
    p["header_xlsx"] = str(d / "header.xlsx")
    put("sav", "broken.sav", b"$FL2" + np.random.default_rng(1).bytes(500))
    put("parquet", "answers.parquet", b"PAR1")
    put("xls", "answers.xls", b"\xd0\xcf\x11\xe0")
    put("bom_model", "bom.txt", "\ufeff" + MODEL)
    put("bom_csv", "bom.csv", "\ufeff" + df.to_csv(index=False))
    put("latin1_model", "latin1_model.txt", "# mod\xe8le\n" + MODEL, encoding="latin-1")
    put("utf16_model", "utf16.txt", MODEL.encode("utf-16"))
    put("random_model", "random_model.txt", np.random.default_rng(2).bytes(300))
    put("empty_model", "empty_model.txt", "  \n\n")
    put("nul_model", "nul_model.txt", "quality =~ q1 + q2\x00\n")
    put("bad_map", "bad_map.txt", "quality: q1 q2\nimage: i1 i2\n")
    put("colonless", "colonless.txt", "quality: q1 q2\nsatisfaction s1 s2\n")
    put("bad_json", "bad_json.txt", '{"quality": [q1]}')
    put("syntax", "syntax.txt", "quality =~ q1 + q2\nsatisfaction =~ s1 ~~\nsatisfaction ~ quality\n")
    put("unknown_col", "unknown_col.txt", MODEL.replace("s3", "s4"))
    put("no_path", "no_path.txt", "quality =~ q1 + q2 + q3\nsatisfaction =~ s1 + s2 + s3\n")
    put("cycle", "cycle.txt", MODEL + "quality ~ satisfaction\n")
    put("unidentified", "unidentified.txt",
        "quality =~ q1 + q2\nsatisfaction =~ s1\nsatisfaction ~ quality\nq1 ~~ s1\nq2 ~~ s1\n")
    (d / "folder").mkdir()
    p["folder"] = str(d / "folder")
    os.symlink(d / "answers.csv", d / "link.html")
    p["link"] = str(d / "link.html")
    os.link(d / "model.txt", d / "hard.html")
    p["hard"] = str(d / "hard.html")
    return p


# ---------------------------------------------------------------------------- library callables


def _report() -> Report:
    return Report(title="t", html="<p>x</p>", tables={"paths": pd.DataFrame({"a": [1.0]})}, result=None)


def _nps_result() -> Any:
    return acsi.survey.nps([9, 10, 3, 7, 8], scale=(0, 10))


A = "analyze"
B0 = ["--bootstrap", "0"]
D = [A, "{csv}", "--model", "{model}"]


def _on(data: str) -> list[str]:
    return [A, "{" + data + "}", "--model", "{model}"]


CASES: list[tuple[str, list[str] | Callable[[dict[str, str]], Any], int | type[BaseException], str]] = [
    # --- outputs that would destroy an input, or cannot be written (exit 2, before any work)
    ("out-is-data", D + ["--out", "{csv}"], 2, r"--out .*data file.*another output"),
    ("out-is-model", D + ["--out", "{model}"], 2, r"--out .*model file.*another"),
    ("xlsx-is-data", D + ["--xlsx", "{csv}"], 2, r"--xlsx .*data file"),
    ("xlsx-is-model", D + ["--xlsx", "{model}"], 2, r"--xlsx .*model file"),
    ("out-relative-to-data", [A, "answers.csv", "--model", "model.txt", "--out", "folder/../answers.csv"], 2,
     r"--out .*data file.*another output"),
    ("out-absolute-vs-relative", [A, "answers.csv", "--model", "model.txt", "--out", "{csv}"], 2, r"data file"),
    ("out-symlink-to-data", D + ["--out", "{link}"], 2, r"--out .*link\.html.*data"),
    ("out-hardlink-to-model", D + ["--out", "{hard}"], 2, r"--out .*model file"),
    ("out-dot-slash-model", [A, "{csv}", "--model", "model.txt", "--out", "./model.txt"], 2, r"model file"),
    ("out-is-directory", D + ["--out", "{folder}"], 2, r"--out .*is a directory.*file"),
    ("xlsx-is-directory", D + ["--xlsx", "{folder}"], 2, r"--xlsx .*is a directory"),
    ("out-dot", D + ["--out", "."], 2, r"--out '\.' is a directory"),
    ("out-missing-folder", D + ["--out", "nope/r.html"], 2,
     r"--out .*folder 'nope' does not exist; create it"),
    ("xlsx-missing-folder", D + ["--xlsx", "nope/r.xlsx"], 2,
     r"--xlsx .*folder 'nope' does not exist"),
    ("out-unwritable-folder", D + ["--out", "/proc/r.html"], 2,
     r"--out .*folder '/proc' is not writable; write elsewhere"),
    ("xlsx-unwritable-folder", D + ["--xlsx", "/proc/r.xlsx"], 2,
     r"--xlsx .*'/proc' is not writable"),
    ("out-under-a-file", D + ["--out", "answers.csv/r.html"], 2,
     r"--out .*'answers\.csv' is not a folder"),
    ("out-equals-xlsx", D + ["--out", "r.xlsx", "--xlsx", "r.xlsx"], 2,
     r"--xlsx .*same file as --out"),
    ("xlsx-wrong-suffix", D + ["--xlsx", "tables.csv"], 2, r"--xlsx .*must end in \.xlsx"),
    ("out-is-a-device", D + ["--out", "/dev/null"], 2, r"--out '/dev/null' exists and is not a regular file"),
    ("out-empty", D + ["--out", ""], 2, r"--out must be a file name"),
    ("demo-out-directory", ["demo", "--out", "{folder}"], 2, r"--out .*is a directory"),
    ("demo-out-missing-folder", ["demo", "--out", "no/such/demo.html"], 2, r"--out .*'no/such' does not exist"),
    ("demo-cwd-unwritable", ["demo", "--out", "/proc/acsi-demo-report.html"], 2, r"folder '/proc' is not writable"),
    ("demo-xlsx-unwritable", ["demo", "--xlsx", "/proc/t.xlsx"], 2, r"--xlsx .*not writable"),
    ("demo-out-equals-xlsx", ["demo", "--out", "d.xlsx", "--xlsx", "d.xlsx"], 2, r"same file as --out"),
    # --- data files (exit 2)
    ("quiet-error-is-one-line", _on("semi") + ["--quiet", "--sep", ","], 2, r"^acsi: error: .*--sep"),
    ("data-missing", [A, "nope.csv", "--model", "{model}"], 2, r"data file 'nope\.csv' not found"),
    ("data-missing-near", [A, "answer.csv", "--model", "{model}"], 2, r"not found; did you mean .*answers\.csv"),
    ("data-directory", _on("folder"), 2, r"data file .*folder.* is a directory, not a file"),
    ("data-parquet", _on("parquet"), 2, r"unknown type '\.parquet'; use \.csv, \.xlsx"),
    ("data-old-xls-suffix", _on("xls"), 2, r"unknown type '\.xls'.*save .* as \.xlsx"),
    ("xlsx-is-renamed-csv", _on("fake_xlsx"), 2, r"renamed\.xlsx is a text file.*rename it to \.csv"),
    ("xlsx-random-bytes", _on("random_xlsx"), 2, r"random\.xlsx is not an Excel workbook.*\.csv"),
    ("xlsx-old-format", _on("old_xls"), 2, r"old\.xlsx is an old-style \.xls.*save it as \.xlsx"),
    ("xlsx-empty-file", _on("empty_xlsx"), 2, r"empty\.xlsx is not an Excel workbook"),
    ("xlsx-zip-not-book", _on("zip_xlsx"), 2, r"zip\.xlsx is not a readable Excel workbook"),
    ("xlsx-header-only", _on("header_xlsx"), 2, r"header\.xlsx has a header .* but no rows"),
    ("csv-header-only", _on("header"), 2, r"header\.csv has a header \(6 columns\) but no rows"),
    ("csv-empty", _on("empty"), 2, r"empty\.csv is empty; it needs a header"),
    ("csv-semicolon", _on("semi") + ["--sep", ","], 2, r"semi\.csv .*separated by ';'.*--sep ';'"),
    ("csv-tab", _on("tabbed") + ["--sep", ","], 2, r"tabbed\.csv .*separated by tab.*--sep"),
    ("csv-pipe", _on("piped") + ["--sep", ","], 2, r"piped\.csv .*'\|'.*--sep '\|'"),
    ("csv-decimal-comma", _on("semi_dec"), 2, r"'q1' holds '4,5' .*decimal comma.*--decimal ','"),
    ("decimal-for-xlsx", _on("book") + ["--decimal", ","], 2, r"--decimal applies to CSV files"),
    ("decimal-is-sep", _on("semi") + ["--decimal", ";"], 2, r"--decimal ';' must be one character other than"),
    ("csv-wrong-sep-given", D + ["--sep", ";"], 2, r"answers\.csv .*','.*--sep ','"),
    ("csv-ragged", _on("ragged"), 2, r"cannot read ragged\.csv .*--sep"),
    ("csv-not-utf8", _on("latin1csv"), 2,
     r"latin1\.csv: cannot tell its text encoding \(not UTF-8: byte 0xe8.*--encoding cp1252"),
    ("csv-not-utf8-given", _on("latin1csv") + ["--encoding", "utf-8"], 2,
     r"latin1\.csv is not UTF-8 text \(byte 0xe8.*--encoding"),
    ("sep-for-xlsx", _on("book") + ["--sep", ";"], 2, r"--sep applies to CSV files; book\.xlsx"),
    ("sheet-for-csv", D + ["--sheet", "x"], 2, r"--sheet applies to Excel workbooks"),
    ("sheet-unknown", _on("book") + ["--sheet", "Sheet9"], 2,
     r"--sheet 'Sheet9': book\.xlsx has no such sheet; its sheets are 'cover', 'answers'"),
    ("sheet-number-too-big", _on("book") + ["--sheet", "3"], 2, r"--sheet '3'.*its sheets are"),
    ("first-sheet-is-not-data", _on("book"), 2, r"'q1' .*not a column of sheet 'cover' of book\.xlsx.*--sheet"),
    ("sep-empty", D + ["--sep", ""], 2, r"--sep '' cannot separate columns"),
    ("encoding-unknown", D + ["--encoding", "klingon"], 2,
     r"--encoding 'klingon' is not a known text encoding; use e\.g\. utf-8"),
    ("text-NA-undeclared", _on("na_text"), 2,
     r"column 'q1' holds the text 'NA' \(line 6 of na_text\.csv\).*--na-values NA"),
    ("text-None-undeclared", _on("none_text"), 2, r"'s2' holds the text 'None'.*--na-values None"),
    ("text-n/a-undeclared", _on("nslash"), 2, r"'q3' holds the text 'n/a'.*--na-values \"n/a\""),
    ("text-DK-partly-declared", _on("dk") + ["--na-values", "DK"], 2, r"'s1' .*'n/a'.*--na-values"),
    ("code-99-undeclared", _on("code99"), 2,
     r"'s3' holds -99: .*common rating scales.*--scale MIN MAX.*--na-values -99"),
    ("code-99-outside-given-scale", _on("code99") + ["--scale", "1", "10"], 2,
     r"'s3' holds -99 .*--scale MIN MAX.*--na-values -99"),
    ("outside-scale", _on("outside") + ["--scale", "1", "10"], 2, r"'q1' holds 12 \(line 2 of outside\.csv\).*--scale"),
    ("outside-common-scales", _on("outside"), 2, r"'q1' holds 12: .*fit none of the common rating scales.*--scale"),
    ("outside-model-scale", [A, "{csv}", "--model", "{scale5_model}"], 2,
     r"'q1' holds \d+ .*declared for it in the model file 1-5"),
    ("model-scale-unknown-item", [A, "{csv}", "--model", "{scale_unknown}"], 2,
     r"scale is declared for 'x9', which is not an item"),
    ("model-scale-malformed", [A, "{csv}", "--model", "{scale_bad}"], 2,
     r"item map line 1: scale '7-1' needs MIN below"),
    ("satisfied-outside-scale", D + ["--satisfied", "12"], 2, r"--satisfied 12 is outside the items' scale 1-10"),
    ("segment-unknown", D + ["--segment", "region"], 2, r"--segment: column 'region' not found in answers\.csv"),
    ("value-unknown", D + ["--value", "clv"], 2, r"--value: column 'clv' not found"),
    ("lang-unknown", D + ["--lang", "fr"], 2, r"--lang: invalid choice: 'fr'"),
    ("scale-too-narrow", D + ["--scale", "1", "5"], 2, r"outside the rating scale 1-5.*--scale"),
    ("recommend-unknown", D + ["--recommend", "nps"], 2,
     r"--recommend: column 'nps' not found in answers\.csv"),
    ("sav-corrupt", _on("sav"), 2, r"broken\.sav"),
    # --- model files (exit 2)
    ("model-missing", [A, "{csv}", "--model", "nomodel.txt"], 2, r"model file 'nomodel\.txt' not found"),
    ("model-directory", [A, "{csv}", "--model", "{folder}"], 2, r"model file .* is a directory.*--model"),
    ("model-latin1", [A, "{csv}", "--model", "{latin1_model}"], 2,
     r"model file latin1_model\.txt: cannot tell its text encoding.*--encoding.*save the file as UTF-8"),
    ("model-utf16-as-utf8", [A, "{csv}", "--model", "{utf16_model}", "--encoding", "utf-8"], 2,
     r"utf16\.txt is not UTF-8 .*0xff.*--encoding"),
    ("model-random-bytes", [A, "{csv}", "--model", "{random_model}"], 2,
     r"random_model\.txt: cannot tell its text encoding"),
    ("model-empty", [A, "{csv}", "--model", "{empty_model}"], 2, r"empty_model\.txt is empty; write the model"),
    ("model-nul", [A, "{csv}", "--model", "{nul_model}"], 2, r"nul_model\.txt holds NUL bytes"),
    ("model-unknown-construct", [A, "{csv}", "--model", "{bad_map}"], 2, r"'image' is not an ACSI construct"),
    ("model-map-no-colon", [A, "{csv}", "--model", "{colonless}"], 2, r"item map line 2: expected 'construct: item"),
    ("model-bad-json", [A, "{csv}", "--model", "{bad_json}"], 2, r"item map JSON, line 1"),
    ("model-syntax", [A, "{csv}", "--model", "{syntax}"], 2, r"line 2"),
    ("model-unknown-column", [A, "{csv}", "--model", "{unknown_col}"], 2, r"'s4'.*not a column.*s3"),
    ("model-cycle-pls", [A, "{csv}", "--model", "{cycle}"] + B0, 2, r"cycle.*use --method ml"),
    ("encoding-wrong-for-model", [A, "{csv}", "--model", "{utf16_model}", "--encoding", "ascii"], 2,
     r"not ascii text.*--encoding"),
    # --- options (exit 2)
    ("no-command", [], 2, r"give a command: 'acsi demo'"),
    ("unknown-command", ["frobnicate"], 2, r"invalid choice: 'frobnicate'"),
    ("no-model", [A, "{csv}"], 2, r"--model"),
    ("no-data", [A], 2, r"DATA"),
    ("unknown-option", D + ["--foo"], 2, r"unrecognized arguments: --foo"),
    ("method-unknown", D + ["--method", "spss"], 2, r"--method.*invalid choice: 'spss'"),
    ("scale-reversed", D + ["--scale", "10", "1"], 2, r"--scale 10 1: MIN must be below MAX"),
    ("scale-nan", D + ["--scale", "1", "nan"], 2, r"--scale.*'nan' is not a finite number"),
    ("scale-inf", D + ["--scale", "1", "inf"], 2, r"--scale.*not a finite number"),
    ("scale-text", D + ["--scale", "low", "high"], 2, r"--scale.*'low' is not a number"),
    ("scale-one-value", D + ["--scale", "5"], 2, r"--scale.*expected 2 arguments"),
    ("bootstrap-negative", D + ["--bootstrap", "-5"], 2, r"--bootstrap.*-5 is negative"),
    ("bootstrap-text", D + ["--bootstrap", "many"], 2, r"--bootstrap.*not a whole number"),
    ("seed-negative", D + ["--seed", "-1"], 2, r"--seed.*outside 0"),
    ("seed-huge", D + ["--seed", str(2**40)], 2, r"--seed.*outside 0 \.\. 2\*\*32-1"),
    ("na-values-empty", D + ["--na-values", ""], 2, r"--na-values holds an empty code"),
    ("na-values-nan", D + ["--na-values", "nan"], 2, r"--na-values nan: NaN is missing"),
    ("na-values-none-given", D + ["--na-values"], 2, r"--na-values: expected at least one"),
    ("demo-bootstrap-negative", ["demo", "--bootstrap", "-1"], 2, r"--bootstrap.*negative"),
    # --- estimation failures (exit 3)
    ("not-identified-ml", [A, "{csv}", "--model", "{unidentified}", "--method", "ml"] + B0, 3,
     r"not identified.*df = -2.*Add indicators"),
    ("not-identified-cycle-ml", [A, "{csv}", "--model", "{cycle}", "--method", "ml"] + B0, 3,
     r"not identified.*line 4"),
    # --- successes that used to be silent or wrong (exit 0; regex on stderr)
    ("semicolon-and-text-codes", _on("semi_dk") + ["--sep", ";", "--na-values", "DK", "n/a"] + B0, 0,
     r"MissingDataWarning: 2 of 40 rows"),
    ("bom-model-and-csv", [A, "{bom_csv}", "--model", "{bom_model}"] + B0, 0, r"40 rows"),
    ("latin1-model-declared", [A, "{csv}", "--model", "{latin1_model}", "--encoding", "latin-1"] + B0, 0, r"40 rows"),
    ("sheet-by-name-said", _on("book") + ["--sheet", "answers"] + B0, 0,
     r"read sheet 'answers' of book\.xlsx \(2 sheets: cover, answers\), as asked"),
    # --- library readers and writers (exception class)
    ("read-data-directory", lambda p: read_data(p["folder"]), acsi.SpecificationError, r"is a directory"),
    ("read-data-missing", lambda p: read_data(Path(p["dir"]) / "x.csv"), acsi.SpecificationError, r"not found"),
    ("read-data-renamed", lambda p: read_data(p["fake_xlsx"]), acsi.DataError, r"rename it to \.csv"),
    ("read-data-header-only", lambda p: read_data(p["header"]), acsi.DataError, r"no rows"),
    ("read-data-semicolon", lambda p: read_data(p["semi"], sep=","), acsi.DataError, r"--sep ';'"),
    ("read-model-latin1", lambda p: read_model(p["latin1_model"]), acsi.SpecificationError, r"not UTF-8.*--encoding"),
    ("read-model-directory", lambda p: read_model(p["folder"]), acsi.SpecificationError, r"is a directory"),
    ("item-map-empty", lambda p: parse_item_map("# nothing\n"), acsi.SpecificationError, r"item map is empty"),
    ("write-excel-directory", lambda p: write_excel({"t": pd.DataFrame({"a": [1]})}, p["folder"]),
     acsi.SpecificationError, r"is a directory; give a file name"),
    ("write-excel-missing-folder", lambda p: write_excel({"t": pd.DataFrame({"a": [1]})}, Path(p["dir"]) / "no/t.xlsx"),
     acsi.SpecificationError, r"folder .*no' does not exist"),
    ("report-write-directory", lambda p: _report().write(p["folder"]), acsi.SpecificationError, r"is a directory"),
    ("report-write-unwritable", lambda p: _report().write("/proc/r.html"), acsi.SpecificationError, r"not writable"),
    ("report-excel-directory", lambda p: _report().to_excel(p["folder"]), acsi.SpecificationError, r"is a directory"),
    ("result-excel-directory", lambda p: _nps_result().to_excel(p["folder"]), acsi.SpecificationError,
     r"is a directory"),
    ("result-excel-missing-folder", lambda p: _nps_result().to_excel("/no/such/dir/t.xlsx"), acsi.SpecificationError,
     r"'/no/such/dir' does not exist"),
]


def test_catalogue_is_large_and_ids_unique() -> None:
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 70


@pytest.mark.parametrize(("argv", "expected", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_case(argv: Any, expected: Any, pattern: str, files: dict[str, str], capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(files["dir"])
    before = {k: Path(v).read_bytes() for k, v in files.items() if Path(v).is_file()}
    if callable(argv):
        with pytest.raises(expected, match=pattern):
            argv(files)
    else:
        rc = main([a.format(**files) for a in argv])
        captured = capsys.readouterr()
        err = [line for line in captured.err.splitlines() if line.strip()]
        assert "Traceback" not in captured.err + captured.out
        assert rc == expected, captured.err
        if expected == EXIT_OK:
            assert re.search(pattern, captured.err), captured.err
        else:
            # one error line; anything else is acsi's own progress notes (absent with --quiet)
            errors = [line for line in err if line.startswith("acsi: error: ")]
            assert len(errors) == 1 and all(line.startswith("acsi: ") for line in err), err
            assert re.search(pattern, errors[0]), errors[0]
            assert not re.search(r"\b(na_values|scale|bootstrap|seed|item_scales|missing)=", errors[0]), errors[0]
    # no input was touched, and no temporary file was left behind
    for k, data in before.items():
        assert Path(files[k]).read_bytes() == data, f"{k} was changed"
    assert not [f for f in os.listdir(files["dir"]) if ".tmp" in f]


# ---------------------------------------------------------------------------- beyond the table


def test_exit_codes_are_distinct() -> None:
    assert (EXIT_OK, EXIT_USAGE, EXIT_ESTIMATION) == (0, 2, 3)


def test_outputs_checked_before_any_work(files, tmp_path, capsys, monkeypatch) -> None:
    import acsi.report

    called = []
    monkeypatch.setattr(acsi.report, "build_report", lambda *a, **k: called.append(1))
    out = tmp_path / "r.html"
    rc = main([A, files["csv"], "--model", files["model"], "--out", str(out), "--xlsx", str(tmp_path / "no/x.xlsx")])
    assert rc == EXIT_USAGE and not called and not out.exists()
    assert "--xlsx" in capsys.readouterr().err


def test_an_internal_failure_is_one_line_exit_3(files, tmp_path, capsys, monkeypatch) -> None:
    import acsi.report

    def boom(*a: Any, **k: Any) -> None:
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(acsi.report, "build_report", boom)
    rc = main([A, files["csv"], "--model", files["model"], "--out", str(tmp_path / "r.html")])
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("acsi: error")]
    assert rc == EXIT_ESTIMATION
    assert len(err) == 1 and "LinAlgError: Singular matrix" in err[0] and "report it" in err[0]
    assert not (tmp_path / "r.html").exists()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"old contents")
    os.chmod(target, 0o640)

    import acsi._files

    calls: list[int] = []
    real = acsi._files.defuse_formulas

    def broken(ws: Any) -> int:  # the disk fills up while the second sheet is written
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(ws)

    monkeypatch.setattr(acsi._files, "defuse_formulas", broken)
    tables = {"t": pd.DataFrame({"a": [1]}), "u": pd.DataFrame({"b": [2]})}
    with pytest.raises(OSError, match="No space"):
        write_excel(tables, target)
    assert target.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["t.xlsx"]
    monkeypatch.undo()
    write_excel({"t": pd.DataFrame({"a": [1]})}, target)
    assert target.read_bytes().startswith(b"PK") and (target.stat().st_mode & 0o777) == 0o640


def test_report_write_is_atomic(tmp_path) -> None:
    target = tmp_path / "r.html"
    assert _report().write(target) == target
    assert target.read_text(encoding="utf-8") == "<p>x</p>"
    assert os.listdir(tmp_path) == ["r.html"]
    assert (target.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


DANGEROUS = ["=HYPERLINK(\"http://evil\",\"click\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)",
             "\t=1+1", "\r=1+1", "-", "=", "=1"]


def test_formula_like_text_is_written_as_text(tmp_path) -> None:
    df = pd.DataFrame({"answer": DANGEROUS, "n": np.arange(len(DANGEROUS), dtype=float) - 3},
                      index=pd.Index([f"=r{i}" if i % 2 else f"-r{i}" for i in range(len(DANGEROUS))], name="@id"))
    df["=col"] = -1
    target = write_excel({"answers": df}, tmp_path / "f.xlsx")
    book = openpyxl.load_workbook(target)
    ws = book["answers"]
    seen: dict[str, Any] = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                seen[cell.value] = cell
            elif cell.value is not None:
                assert cell.data_type == "n"  # numbers stay numbers
    for text in DANGEROUS + ["@id", "=col", "=r1", "-r0"]:
        assert text.replace("\r", "\n") in seen or text in seen, text
        cell = seen.get(text, seen.get(text.replace("\r", "\n")))
        assert cell.quotePrefix
    assert ws["C2"].value == -3  # the negative number is a number
    # pandas reads back exactly the text written
    back = pd.read_excel(target, index_col=0)
    assert list(back["answer"][: 5]) == DANGEROUS[:5]


def test_cli_workbook_has_no_formulas(files, tmp_path, capsys) -> None:
    df = pd.read_csv(files["csv"])
    df["comment"] = ["=HYPERLINK(\"http://x\",\"y\")", "-cmd|calc", "+1", "@x"] * (len(df) // 4)
    data = tmp_path / "c.csv"
    df.to_csv(data, index=False)
    xl = tmp_path / "c.xlsx"
    rc = main([A, str(data), "--model", files["model"], "--bootstrap", "0", "--quiet", "--out",
               str(tmp_path / "c.html"), "--xlsx", str(xl)])
    assert rc == EXIT_OK, capsys.readouterr().err
    book = openpyxl.load_workbook(xl)
    formulas = [(ws.title, c.coordinate) for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "=HYPERLINK(\"http://x\",\"y\")" in texts and "-cmd|calc" in texts


def test_first_of_several_sheets_is_named(files, tmp_path, capsys, monkeypatch) -> None:
    book = tmp_path / "two.xlsx"
    df = pd.read_csv(files["csv"])
    with pd.ExcelWriter(book, engine="openpyxl") as w:
        df.to_excel(w, sheet_name="wave1", index=False)
        df.head(3).to_excel(w, sheet_name="wave2", index=False)
    data = read_data(book)
    assert data.attrs["sheet"] == "wave1" and data.attrs["sheets"] == ["wave1", "wave2"]
    assert len(read_data(book, sheet="2")) == 3
    import acsi.report

    def stop(*a: Any, **k: Any) -> None:  # the note is printed before the analysis starts
        raise acsi.DataError("stopped here")

    monkeypatch.setattr(acsi.report, "build_report", stop)
    rc = main([A, str(book), "--model", files["model"], "--bootstrap", "0", "--out", str(tmp_path / "r.html")])
    assert rc == EXIT_USAGE
    assert "read sheet 'wave1' of two.xlsx (2 sheets: wave1, wave2), the first; choose another with --sheet" in (
        capsys.readouterr().err)


def test_text_answers_are_not_missing_by_default(files) -> None:
    df = read_data(files["na_text"])
    assert df["q1"].iloc[4] == "NA"  # kept as written
    assert df["q1"].isna().sum() == 0
    csv = Path(files["dir"]) / "gaps.csv"
    csv.write_text("a,b\n1,\n,None\n", encoding="utf-8")
    gaps = read_data(csv)
    assert gaps["a"].isna().tolist() == [False, True] and gaps["b"].tolist()[1] == "None"
