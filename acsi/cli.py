"""The ``acsi`` command: from a survey file to a finished HTML report.

``acsi demo`` analyses the shipped e-banking survey; ``acsi analyze DATA --model FILE``
analyses your own CSV, Excel or SPSS file. Exit codes: 0 success, 2 an input error (bad option,
file not found or unreadable, an output that would overwrite an input, a data or model error
naming the column or model line), 3 the estimation failed. Every failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import re
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from acsi.exceptions import AcsiError, DataError, IdentificationError, ModelSyntaxError, SpecificationError

__all__ = ["main", "read_data", "read_model", "read_model_file", "parse_item_map", "parse_item_map_scales",
           "split_scales", "decode_text", "sniff_sep"]

#: exit codes: success; a usage, file, data or model error (fix the input); an estimation failure
EXIT_OK, EXIT_USAGE, EXIT_ESTIMATION = 0, 2, 3
EXIT_DATA = EXIT_USAGE  # data and model errors are input errors: exit code 2

_ACSI_CONSTRUCTS = ("expectations", "quality", "value", "satisfaction", "complaints", "loyalty")

_DESCRIPTION = """\
acsi: customer satisfaction and loyalty analysis, from a survey file to an HTML report.

Start with the demo (no data needed); it writes acsi-demo-report.html:

    acsi demo

Then analyse your own survey:

    acsi analyze answers.csv --model model.txt --out report.html
"""

_ANALYZE_EPILOG = """\
The model file is either lavaan-style syntax

    quality      =~ q1 + q2 + q3
    satisfaction =~ s1 + s2 + s3
    loyalty      =~ l1 + l2
    satisfaction ~ quality
    loyalty      ~ satisfaction

or an item map for the ACSI model (Fornell et al. 1996), one construct per line
(constructs: expectations, quality, value, satisfaction, complaints, loyalty;
quality and satisfaction are required):

    quality: q1 q2 q3
    satisfaction: s1 s2 s3
    loyalty: l1 l2

or the same item map as JSON: {"quality": ["q1", "q2"], "satisfaction": [...]}.

Each item's rating scale comes from the model file (a line 'scale 1-7: q1 q2', or in an
item map 'quality[1-7]: q1 q2 q3'), from --scale, from SPSS value labels, or is inferred
from the answers (1-5, 1-6, 1-7, 1-10 or 0-10) and stated in the report.
A model with =~ blocks only gives the reliability and validity report.

examples:
    acsi analyze answers.csv --model items.txt
    acsi analyze answers.xlsx --model model.txt --method mlr --out fit.html
    acsi analyze survey.sav --model items.json --xlsx results.xlsx --bootstrap 5000 --seed 7
    acsi analyze answers.csv --model model.txt --na-values -99 --scale 1 10
    acsi analyze answers.csv --model model.txt --sep ';' --na-values DK "n/a"
    acsi analyze survey.xlsx --model model.txt --sheet answers
    acsi analyze euro.csv --model items.txt --decimal ','
    acsi analyze 问卷.csv --model 模型.txt --lang zh --segment 性别 --value 价值
    acsi analyze answers.csv --model items.txt --satisfied 6 --loyal 6

CSV delimiters are sniffed (--sep to override); text encodings are detected (UTF-8 with or
without BOM, GB18030/GBK; --encoding to override).

Only empty cells are missing; text such as NA, None or n/a is an answer unless you
declare it with --na-values. Outputs are written atomically and never over an input.

exit codes: 0 ok, 2 usage, file, data or model error, 3 estimation failed.
"""


class _UsageError(SpecificationError):
    """A usage problem (missing file, bad option value): exit code 2."""


# --------------------------------------------------------------------------- inputs

_CSV = (".csv", ".txt", ".tsv", ".tab")
_XLSX = (".xlsx", ".xlsm")
_SAV = (".sav", ".zsav")


def _check_input(p: Path, what: str, flag: str) -> None:
    """A missing file, a directory or something that is not a regular file: usage error."""
    if p.is_dir():
        raise _UsageError(f"{what} {str(p)!r} is a directory, not a file; give the file itself ({flag})")
    if not p.exists():
        folder = p.parent if str(p.parent) else Path(".")
        near: list[str] = []
        if folder.is_dir():
            import difflib

            with contextlib.suppress(OSError):
                near = difflib.get_close_matches(p.name, [f.name for f in folder.iterdir() if f.is_file()], n=1)
        hint = f"; did you mean {str(folder / near[0])!r}?" if near else "; check the path"
        raise _UsageError(f"{what} {str(p)!r} not found{hint}")
    if not p.is_file():
        raise _UsageError(f"{what} {str(p)!r} is not a regular file; give the file itself ({flag})")


def _encoding(encoding: str) -> str:
    """UTF-8 is read with an optional byte-order mark; any other name must be a known codec."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise _UsageError(
            f"--encoding {encoding!r} is not a known text encoding; use e.g. utf-8, gb18030, cp1252 or latin-1"
        ) from None
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def _decode_error(p: Path, what: str, encoding: str, exc: UnicodeDecodeError) -> str:
    bad = exc.object[exc.start:exc.start + 1].hex() if isinstance(exc.object, bytes) else "?"
    enc = "UTF-8" if encoding.startswith("utf-8") else encoding
    return (
        f"{what} {p.name} is not {enc} text (byte 0x{bad} at position {exc.start}); save it as UTF-8, "
        "or give its encoding with --encoding (e.g. --encoding gb18030, cp1252 or latin-1)"
    )


_CJK_TEXT = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def decode_text(raw: bytes, name: str, what: str, encoding: str | None = None) -> tuple[str, str]:
    """Text of a file and the encoding it was read with.

    With ``encoding`` given, that one (UTF-8 with or without byte-order mark for ``utf-8``).
    Without, UTF-8 (with or without BOM, also UTF-16 with BOM) when the bytes are valid
    UTF-8, else GB18030 (which covers GBK and GB2312) when every non-ASCII character decodes
    to Chinese text; anything else is an error naming the file and ``--encoding``.

    Examples
    --------
    >>> decode_text("满意度,q1\\n".encode("gbk"), "a.csv", "data file")
    ('满意度,q1\\n', 'gb18030')
    >>> decode_text("\\ufeffq1\\n".encode("utf-8"), "a.csv", "data file")
    ('q1\\n', 'utf-8-sig')
    """
    if encoding is not None:
        enc = _encoding(encoding)
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError as exc:
            raise DataError(_decode_error(Path(name), what, enc, exc)) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        first = exc
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    # Chinese text: every non-ASCII character is CJK, and its second byte is not ASCII (GB2312's
    # common characters; a Latin-1 accent followed by a letter decodes to a CJK character too,
    # but with an ASCII second byte)
    wide = [c for c in text if ord(c) > 127]
    if wide and all(_CJK_TEXT.match(c) and all(b >= 0x80 for b in c.encode("gb18030")) for c in wide):
        return text, "gb18030"
    bad = raw[first.start:first.start + 1].hex()
    raise DataError(
        f"{what} {name}: cannot tell its text encoding (not UTF-8: byte 0x{bad} at position {first.start}; "
        "not Chinese GB18030/GBK text either); give it with --encoding (e.g. --encoding cp1252, latin-1 "
        "or big5), or save the file as UTF-8"
    )


def sniff_sep(text: str, default: str = ",") -> str:
    """The delimiter of CSV text: the one of ``, ; tab |`` that splits the first lines into the
    same number (> 1) of fields; ``default`` when none does.

    Examples
    --------
    >>> sniff_sep("a;b;c\\n1;2,5;3\\n")
    ';'
    >>> sniff_sep("a\\tb\\n1\\t2\\n")
    '\\t'
    """
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return default
    best, score = default, 0
    for cand in (",", ";", "\t", "|"):
        try:
            rows = list(csv.reader(lines, delimiter=cand))
        except csv.Error:
            continue
        counts = {len(r) for r in rows}
        if len(counts) == 1 and (k := counts.pop()) > 1 and k > score:
            best, score = cand, k
    return best


def _read_csv(p: Path, sep: str | None, encoding: str | None, decimal: str | None = None) -> Any:
    import io

    import pandas as pd

    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise _UsageError(f"data file {str(p)!r} cannot be read ({exc.strerror or exc})") from None
    text, used = decode_text(raw, p.name, "data file", encoding)
    if sep is not None:
        delimiter = sep
    elif p.suffix.lower() in (".tsv", ".tab"):
        delimiter = "\t"
    else:
        delimiter = sniff_sep(text)
    if decimal is not None and decimal == delimiter:
        shown = "tab" if delimiter == "\t" else repr(delimiter)
        raise _UsageError(f"--decimal {decimal!r} must be one character other than the delimiter ({shown}), "
                          "e.g. --decimal ','")
    try:
        # only empty cells are missing: "NA", "None", "n/a" stay text unless declared with --na-values
        df = pd.read_csv(io.StringIO(text), sep=delimiter, keep_default_na=False, na_values=[""],
                         decimal=decimal or ".", engine="c" if len(delimiter) == 1 else "python")
    except pd.errors.EmptyDataError:
        raise DataError(f"data file {p.name} is empty; it needs a header line and one row per respondent") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise DataError(
            f"cannot read {p.name} as a table separated by {delimiter!r} ({' '.join(str(exc).split())}); "
            "check the delimiter (--sep) and the quoting"
        ) from None
    if df.shape[1] == 1:
        head = str(df.columns[0])
        for cand, shown in ((";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','")):
            if cand != delimiter and cand in head:
                flag = "--sep ';'" if cand == ";" else "--sep '\\t'" if cand == "\t" else f"--sep '{cand}'"
                raise DataError(
                    f"data file {p.name} was read as one column {head[:40]!r}: its values look separated by "
                    f"{shown}, not {delimiter!r}; read it with {flag}"
                )
    df.attrs["encoding"] = used
    df.attrs["sep"] = delimiter
    return df


def _read_xlsx(p: Path, sheet: str | None) -> Any:
    import pandas as pd

    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise _UsageError(f"reading {p.name} needs openpyxl: pip install 'acsi[io]'") from None
    with open(p, "rb") as fh:
        magic = fh.read(8)
    if not magic.startswith(b"PK"):
        if magic.startswith(b"\xd0\xcf\x11\xe0"):
            kind = "an old-style .xls workbook (or an encrypted one); save it as .xlsx or .csv"
        elif magic and all(32 <= b < 127 or b in (9, 10, 13) for b in magic):
            kind = "a text file, not an Excel workbook; if it is a CSV file, rename it to .csv"
        else:
            kind = "not an Excel workbook (not a zip archive); open and save it as .xlsx, or export a .csv"
        raise DataError(f"data file {p.name} is {kind}")
    try:
        book = pd.ExcelFile(p, engine="openpyxl")
    except Exception as exc:  # zipfile.BadZipFile, openpyxl's InvalidFileException, KeyError, ...
        raise DataError(
            f"data file {p.name} is not a readable Excel workbook ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:120]}); open and save it as .xlsx again, or export a .csv"
        ) from None
    with book:
        names = [str(n) for n in book.sheet_names]
        if sheet is None:
            chosen = names[0]
        elif sheet in names:
            chosen = sheet
        elif sheet.isdigit() and 1 <= int(sheet) <= len(names):
            chosen = names[int(sheet) - 1]
        else:
            raise _UsageError(
                f"--sheet {sheet!r}: {p.name} has no such sheet; its sheets are {', '.join(map(repr, names))}"
            )
        try:
            df = pd.read_excel(book, sheet_name=chosen, keep_default_na=False, na_values=[""])
        except Exception as exc:
            raise DataError(
                f"cannot read sheet {chosen!r} of {p.name} ({type(exc).__name__}: "
                f"{' '.join(str(exc).split())[:120]})"
            ) from None
    df.attrs["sheet"] = chosen
    df.attrs["sheets"] = names
    return df


def read_data(
    path: str | Path, *, sep: str | None = None, sheet: str | None = None, encoding: str | None = None,
    decimal: str | None = None,
) -> Any:
    """Read a ``.csv`` (``.txt``, ``.tsv``), ``.xlsx`` or SPSS ``.sav`` file into a DataFrame.

    Only empty cells are missing: text such as ``"NA"``, ``"None"`` or ``"n/a"`` is kept as
    written (pandas' default list of missing-value spellings is off), so that nothing becomes
    missing unless declared (``--na-values``). ``sep`` is the CSV delimiter (default ``,``;
    tab for ``.tsv``), ``sheet`` the workbook sheet by name or 1-based number (default the
    first; ``attrs["sheet"]`` and ``attrs["sheets"]`` say which was read), ``encoding`` the
    text encoding of a CSV (UTF-8, with or without a byte-order mark, by default).

    SPSS value labels are kept: a column with value labels becomes a pandas categorical of
    its labels, unless it is a model item (those stay numeric; see :func:`main`); variable
    labels go to ``DataFrame.attrs["questions"]``.

    Raises
    ------
    SpecificationError
        The file does not exist, is a directory, has an unknown type, or an option does not
        apply to it.
    DataError
        The file exists but cannot be read as its type (corrupt, mislabelled, empty, header only,
        wrong delimiter or encoding).
    """
    p = Path(path)
    _check_input(p, "data file", "DATA")
    suffix = p.suffix.lower()
    if suffix not in _CSV + _XLSX + _SAV:
        raise _UsageError(
            f"data file {p.name!r}: unknown type {suffix!r}; use .csv, .xlsx or .sav"
            + (" (save an old .xls workbook as .xlsx)" if suffix == ".xls" else "")
        )
    if sep is not None and suffix not in _CSV:
        raise _UsageError(f"--sep applies to CSV files; {p.name} is read as {suffix[1:]}")
    if sheet is not None and suffix not in _XLSX:
        raise _UsageError(f"--sheet applies to Excel workbooks; {p.name} is read as {suffix[1:]}")
    if sep is not None and (sep == "" or sep in ('"', "\n", "\r")):
        raise _UsageError(f"--sep {sep!r} cannot separate columns; use e.g. --sep ';' or --sep '\\t'")
    if decimal is not None and suffix not in _CSV:
        raise _UsageError(f"--decimal applies to CSV files; {p.name} is read as {suffix[1:]}")
    if decimal is not None and (len(decimal) != 1 or decimal.isalnum() or decimal in ('"', "\n", "\r")):
        raise _UsageError(f"--decimal {decimal!r} must be one character other than the delimiter, e.g. --decimal ','")
    if suffix in _CSV:
        df = _read_csv(p, sep, encoding, decimal)
    elif suffix in _XLSX:
        df = _read_xlsx(p, sheet)
    else:
        try:
            import pyreadstat
        except ImportError as exc:
            raise _UsageError(f"reading {p.name} needs {exc.name}: pip install 'acsi[io]'") from None
        try:
            df, meta = pyreadstat.read_sav(str(p))
        except Exception as exc:  # pyreadstat.ReadstatError and friends
            raise DataError(
                f"cannot read {p.name} as SPSS ({type(exc).__name__}: {' '.join(str(exc).split())[:120]}); "
                "save it again from SPSS, or export a .csv"
            ) from None
        df.attrs["value_labels"] = {c: dict(v) for c, v in meta.variable_value_labels.items()}
        df.attrs["questions"] = {c: lab for c, lab in meta.column_names_to_labels.items() if lab}
    if len(df.columns) == 0:
        raise DataError(f"data file {p.name} has no columns; it needs a header line and one row per respondent")
    if len(df) == 0:
        raise DataError(
            f"data file {p.name} has a header ({len(df.columns)} columns) but no rows; "
            "it needs one row per respondent"
        )
    df.columns = [str(c) for c in df.columns]
    return df


def apply_value_labels(df: Any, keep_numeric: Sequence[str]) -> Any:
    """Turn SPSS-labelled columns (``attrs["value_labels"]``) into categoricals of their labels,
    except the columns in ``keep_numeric`` (the model's rating items)."""
    import pandas as pd

    labels = df.attrs.get("value_labels", {})
    out = df.copy()
    for col, mapping in labels.items():
        if col in keep_numeric or col not in out.columns:
            continue
        codes = sorted(mapping)
        unknown = set(out[col].dropna().unique()) - set(codes)
        cats = [mapping[c] for c in codes] + [str(u) for u in sorted(unknown)]
        values = out[col].map(lambda v, m=mapping: m.get(v, v if pd.isna(v) else str(v)))
        out[col] = pd.Categorical(values, categories=list(dict.fromkeys(cats)), ordered=True)
    out.attrs = dict(df.attrs)
    return out


_SCALE_LINE = re.compile(r"^\s*scale\s+(-?\d+(?:\.\d+)?\s*(?:-|\.\.|to)\s*-?\d+(?:\.\d+)?)\s*:\s*(.+)$", re.I)
_BRACKET = re.compile(r"^\s*([^\[\]:]+?)\s*\[\s*([^\]]+)\]\s*$")


def _split_items(rest: str) -> list[str]:
    return [i for i in re.split(r"[\s,+]+", rest.strip()) if i]


def split_scales(text: str) -> tuple[str, dict[str, tuple[float, float]]]:
    """Take the scale lines ``scale MIN-MAX: item item ...`` out of a model file.

    Returns the text without them (blank lines keep the line numbers) and the item scales.
    Works for lavaan syntax and item maps alike.

    Examples
    --------
    >>> split_scales("scale 1-7: q1 q2\\nf =~ q1 + q2")
    ('\\nf =~ q1 + q2', {'q1': (1.0, 7.0), 'q2': (1.0, 7.0)})
    """
    from acsi.survey.scales import parse_scale_text

    scales: dict[str, tuple[float, float]] = {}
    lines = text.splitlines()
    for k, line in enumerate(lines):
        m = _SCALE_LINE.match(line.split("#", 1)[0])
        if m:
            sc = parse_scale_text(m.group(1), f"model file line {k + 1}")
            for it in _split_items(m.group(2)):
                scales[it] = sc
            lines[k] = ""
    return ("\n".join(lines) if scales else text), scales


def parse_item_map(text: str) -> dict[str, list[str]]:
    """Parse an item map: JSON ``{"construct": [items]}`` or lines ``construct: item item ...``.

    Items may be separated by spaces, commas or ``+``; ``#`` starts a comment. A scale may
    follow the construct (``quality[1-7]: q1 q2``; see :func:`parse_item_map_scales`).

    Examples
    --------
    >>> parse_item_map("quality: q1 q2, q3\\nsatisfaction: s1 + s2  # overall")
    {'quality': ['q1', 'q2', 'q3'], 'satisfaction': ['s1', 's2']}
    """
    return parse_item_map_scales(text)[0]


def parse_item_map_scales(text: str) -> tuple[dict[str, list[str]], dict[str, tuple[float, float]]]:
    """An item map with the scales it declares: ``quality[1-7]: q1 q2`` (text) or
    ``{"quality": {"items": ["q1", "q2"], "scale": [1, 7]}}`` (JSON).

    Examples
    --------
    >>> parse_item_map_scales("quality[1-7]: q1 q2\\nsatisfaction: s1")
    ({'quality': ['q1', 'q2'], 'satisfaction': ['s1']}, {'q1': (1.0, 7.0), 'q2': (1.0, 7.0)})
    """
    from acsi._validation import check_scale
    from acsi.survey.scales import parse_scale_text

    stripped = text.strip()
    scales: dict[str, tuple[float, float]] = {}
    out: dict[str, list[str]] = {}
    if stripped.startswith("{"):
        try:
            raw = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise SpecificationError(f"item map JSON, line {exc.lineno}: {exc.msg}") from None
        if not isinstance(raw, dict):
            raise SpecificationError("item map JSON must be an object {\"construct\": [\"item\", ...]}")
        for k, v in raw.items():
            sc = None
            if isinstance(v, dict):
                extra = set(v) - {"items", "scale"}
                if extra or "items" not in v:
                    raise SpecificationError(
                        f"item map JSON: construct {k!r} must be a list of items or "
                        "{\"items\": [...], \"scale\": [min, max]}"
                    )
                if "scale" in v:
                    sc = check_scale(v["scale"], f"item map JSON: scale of {k!r}")
                v = v["items"]
            items = [v] if isinstance(v, str) else v
            if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
                raise SpecificationError(f"item map JSON: construct {k!r} must list item names as strings")
            out[str(k)] = items
            if sc is not None:
                scales.update({i: sc for i in items})
        return out, scales
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if ":" not in line:
            raise SpecificationError(f"item map line {lineno}: expected 'construct: item item ...', got {line!r}")
        name, rest = line.split(":", 1)
        name = name.strip()
        m = _BRACKET.match(name)
        sc = None
        if m:
            name = m.group(1).strip()
            sc = parse_scale_text(m.group(2), f"item map line {lineno}")
        items = _split_items(rest)
        if not name or not items:
            raise SpecificationError(f"item map line {lineno}: {line!r} needs a construct name and at least one item")
        if name in out:
            raise SpecificationError(f"item map line {lineno}: construct {name!r} is listed twice")
        out[name] = items
        if sc is not None:
            scales.update({i: sc for i in items})
    if not out:
        raise SpecificationError("the item map is empty")
    return out, scales


def read_model(path: str | Path, *, encoding: str | None = None) -> str:
    """Model syntax from a model file: lavaan syntax as is, or an item map through the ACSI builder.

    The encoding is detected as for data files (UTF-8 with or without byte-order mark, or
    GB18030/GBK; :func:`decode_text`) unless ``encoding`` is given. Scale lines and
    bracketed scales are taken out (:func:`read_model_file` returns them).
    """
    return read_model_file(path, encoding=encoding)[0]


def read_model_file(path: str | Path, *, encoding: str | None = None) -> tuple[str, dict[str, tuple[float, float]]]:
    """Model syntax and the item scales a model file declares.

    Scales are declared in either form, per item:

    * a line ``scale MIN-MAX: item item ...`` (lavaan syntax or item map);
    * in an item map, after the construct: ``quality[1-7]: q1 q2 q3``, or in JSON
      ``{"quality": {"items": ["q1", "q2"], "scale": [1, 7]}}``.
    """
    p = Path(path)
    _check_input(p, "model file", "--model")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise _UsageError(f"model file {str(p)!r} cannot be read ({exc.strerror or exc})") from None
    try:
        text, _ = decode_text(raw, p.name, "model file", encoding)
    except DataError as exc:
        raise SpecificationError(str(exc)) from None
    if "\x00" in text:
        raise SpecificationError(f"model file {p.name} holds NUL bytes: it is not a text file; give the model as text")
    if not text.strip():
        raise SpecificationError(
            f"model file {p.name} is empty; write the model in lavaan syntax (=~ and ~ lines) or as an item map"
        )
    text, scales = split_scales(text)
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    if "~" in body and not body.strip().startswith("{"):
        return text, scales
    items, more = parse_item_map_scales(text)
    scales.update(more)
    unknown = [k for k in items if k.lower() not in _ACSI_CONSTRUCTS]
    if unknown:
        raise SpecificationError(
            f"item map {p.name}: {unknown[0]!r} is not an ACSI construct (use "
            f"{', '.join(_ACSI_CONSTRUCTS)}), or write the model in lavaan syntax with =~ and ~ lines"
        )
    from acsi.spec.models import acsi as acsi_model

    blocks = {k.lower(): v for k, v in items.items()}
    return acsi_model(
        expectations=blocks.get("expectations"), quality=blocks.get("quality"), value=blocks.get("value"),
        satisfaction=blocks.get("satisfaction"), complaints=blocks.get("complaints"), loyalty=blocks.get("loyalty"),
    ), scales


# --------------------------------------------------------------------------- parser


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="acsi", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    from acsi import __version__

    parser.add_argument("--version", action="version", version=f"acsi {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser(
        "demo", help="analyse the shipped e-banking survey and write an HTML report",
        description="Analyse the shipped (synthetic) e-banking survey of 54 respondents: the ACSI chain "
                    "SERVQUAL dimensions -> Satisfaction (a higher-order construct) -> Loyalty, by PLS with "
                    "bootstrap, beside the CB-SEM second-order model; write one self-contained HTML report.",
        epilog="example:\n    acsi demo --out ebanking.html --bootstrap 2000 --seed 7",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--out", default="acsi-demo-report.html", metavar="PATH",
                      help="HTML report to write (default: %(default)s)")
    demo.add_argument("--xlsx", metavar="PATH", help="also write every result table to this Excel file")
    demo.add_argument("--docx", metavar="PATH", help="also write the APA tables to this Word file (acsi[word])")
    demo.add_argument("--bootstrap", type=_nonneg_int, default=1000, metavar="N",
                      help="bootstrap resamples (default: %(default)s)")
    demo.add_argument("--seed", type=_seed, default=1, metavar="S", help="bootstrap seed (default: %(default)s)")
    demo.add_argument("--lang", choices=("en", "zh"), default="en",
                      help="language of the report: en (English, default) or zh (Simplified Chinese)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar or messages")

    an = sub.add_parser(
        "analyze", help="analyse your own survey file (CSV, Excel, SPSS)",
        description="Analyse a survey file with a structural model and write an HTML report.",
        epilog=_ANALYZE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    an.add_argument("data", metavar="DATA", help="survey answers: .csv, .xlsx or .sav (one row per respondent)")
    an.add_argument("--model", required=True, metavar="FILE",
                    help="lavaan-style model file, or an ACSI item map (text or JSON)")
    an.add_argument("--method", choices=("pls", "ml", "mlr"), default="pls",
                    help="pls: PLS path modelling (default); ml / mlr: CB-SEM (maximum likelihood / robust)")
    an.add_argument("--out", default="report.html", metavar="PATH", help="HTML report (default: %(default)s)")
    an.add_argument("--xlsx", metavar="PATH", help="also write every result table to this Excel file")
    an.add_argument("--docx", metavar="PATH", help="also write the APA tables to this Word file (acsi[word])")
    an.add_argument("--bootstrap", type=_nonneg_int, default=1000, metavar="N",
                    help="PLS bootstrap resamples, 0 for none (default: %(default)s)")
    an.add_argument("--seed", type=_seed, default=1, metavar="S", help="bootstrap seed (default: %(default)s)")
    an.add_argument("--na-values", nargs="+", metavar="V",
                    help="codes that mean 'missing', numbers or text, e.g. -99 DK \"n/a\" (rows with a "
                         "missing item are dropped); only empty cells are missing otherwise")
    an.add_argument("--scale", type=_finite, nargs=2, default=None, metavar=("MIN", "MAX"),
                    help="bounds of the rating scale of every item (default: per item from the model file, the "
                         "SPSS value labels, or inferred from the answers and stated in the report)")
    an.add_argument("--satisfied", type=_finite, metavar="X",
                    help="a respondent is satisfied when the mean of the satisfaction items is at least X "
                         "(default: the top 30%% of their scale's range, e.g. 5.2 on 1-7)")
    an.add_argument("--loyal", type=_finite, metavar="X",
                    help="a respondent is loyal when the mean of the loyalty items is at least X (default: the "
                         "top 30%% of their scale's range)")
    an.add_argument("--recommend", metavar="COLUMN",
                    help="the 'would recommend' item, for the Net Promoter Score (a proxy unless the scale is 0-10)")
    an.add_argument("--segment", nargs="+", metavar="COLUMN",
                    help="profile questions to compare satisfaction across (e.g. --segment gender region)")
    an.add_argument("--value", metavar="COLUMN",
                    help="customer value column: the share satisfied is also weighted by value")
    an.add_argument("--sep", metavar="CHAR",
                    help="CSV delimiter (default: sniffed from the file among , ; tab |), e.g. --sep ';'")
    an.add_argument("--decimal", metavar="CHAR",
                    help="decimal mark of a CSV file (default '.'), e.g. --decimal ',' for 4,5")
    an.add_argument("--sheet", metavar="NAME",
                    help="Excel sheet to read, by name or number (default: the first; acsi says which)")
    an.add_argument("--encoding", default=None, metavar="ENC",
                    help="text encoding of a CSV data file and of the model file (default: detected, UTF-8 with "
                         "or without BOM, or GB18030/GBK), e.g. gb18030, cp1252 or latin-1")
    an.add_argument("--lang", choices=("en", "zh"), default="en",
                    help="language of the report: en (English, default) or zh (Simplified Chinese)")
    an.add_argument("--title", default=None, help="report title (default: 'Customer satisfaction and loyalty "
                                                  "report', in the report's language)")
    an.add_argument("--quiet", action="store_true", help="no progress bar or messages")
    return parser


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (``acsi: error: ...``) and exit code 2."""

    def error(self, message: str) -> Any:
        raise _UsageError(f"{message} (see '{self.prog} --help')")


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= v < 2**32:
        raise argparse.ArgumentTypeError(f"{v} is outside 0 .. 2**32-1")
    return v


def _finite(text: str) -> float:
    import math

    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return v


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"{v} is negative")
    return v


# --------------------------------------------------------------------------- commands


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


# library hints name Python arguments; on the command line they are flags
_CLI_WORDS = [
    (re.compile(r"\s*,?\s*or item_scales=\{[^}]*\}"), ""),
    (re.compile(r"\bscale=\(\s*min\s*,\s*max\s*\)"), "--scale MIN MAX"),
    (re.compile(r"\bscale=\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)"), r"--scale \1 \2"),
    (re.compile(r"\bna_values=?"), "--na-values "),
    (re.compile(r"\bbootstrap\(n=|\bn_boot=|\bbootstrap="), "--bootstrap "),
    (re.compile(r"\b(seed|method|recommend|title|satisfied|loyal|segment|value|lang)="), r"--\1 "),
    (re.compile(r"\s*Pass missing='mean'[^.]*\."), ""),
    (re.compile(r"\buse acsi\.sem\b"), "use --method ml"),
]


def _cli_message(exc: BaseException) -> str:
    """One line, with Python argument names in hints replaced by the CLI flags."""
    msg = _one_line(exc)
    for pattern, repl in _CLI_WORDS:
        msg = pattern.sub(repl, msg)
    return re.sub(r"  +", " ", msg)


def _progress(args: argparse.Namespace) -> bool | None:
    """A tqdm bar on the bootstrap when tqdm is installed and --quiet is not given."""
    import importlib.util

    return None if args.quiet or importlib.util.find_spec("tqdm") is None else True


def _say(args: argparse.Namespace, msg: str) -> None:
    if not args.quiet:
        print(msg, file=sys.stderr)


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output location is checked before any work starts: not a directory, in an
    existing writable folder, not an input file, and no two outputs on the same file."""
    from acsi._files import check_output_path, same_file

    inputs: list[tuple[str, str]] = []
    if args.command == "analyze":
        inputs = [("the data file DATA", args.data), ("the model file --model", args.model)]
    outs = [(flag, value) for flag, value in (("--out", args.out), ("--xlsx", args.xlsx), ("--docx", args.docx))
            if value is not None]
    done: list[tuple[str, str]] = []
    for flag, value in outs:
        try:
            check_output_path(value, argument=flag, inputs=inputs)
        except SpecificationError as exc:
            raise _UsageError(str(exc)) from None
        for other_flag, other in done:
            if same_file(value, other):
                raise _UsageError(f"{flag} {value!r} is the same file as {other_flag}; give each output its own name")
        done.append((flag, value))
    if args.xlsx is not None and Path(args.xlsx).suffix.lower() not in (".xlsx", ".xlsm"):
        raise _UsageError(f"--xlsx {args.xlsx!r}: the Excel file name must end in .xlsx")
    if args.docx is not None and Path(args.docx).suffix.lower() != ".docx":
        raise _UsageError(f"--docx {args.docx!r}: the Word file name must end in .docx")


def _finish(args: argparse.Namespace, report: Any, t0: float) -> None:
    out = report.write(args.out)
    for w in report.warnings:
        print(f"acsi: warning: {_cli_message(Exception(w))}", file=sys.stderr)
    if args.xlsx:
        report.to_excel(args.xlsx)
        _say(args, f"acsi: wrote {args.xlsx}")
    if args.docx:
        report.to_docx(args.docx)
        _say(args, f"acsi: wrote {args.docx}")
    _say(args, f"acsi: wrote {out} ({time.perf_counter() - t0:.1f} s); open it in a browser")


def _run_demo(args: argparse.Namespace) -> None:
    from acsi.report import demo_report

    t0 = time.perf_counter()
    _say(args, "acsi: analysing the e-banking demo survey (synthetic, 54 respondents): "
               "SERVQUAL dimensions -> Satisfaction -> Loyalty")
    report = demo_report(bootstrap=args.bootstrap, seed=args.seed, progress=_progress(args), lang=args.lang)
    _finish(args, report, t0)


def _na_codes(tokens: Sequence[str] | None) -> tuple[list[float], list[str]]:
    """--na-values tokens: numbers are numeric codes, anything else a text code."""
    import math

    numbers: list[float] = []
    texts: list[str] = []
    for tok in tokens or ():
        if tok == "":
            raise _UsageError("--na-values holds an empty code; empty cells are missing already: leave it out")
        try:
            v = float(tok)
        except ValueError:
            texts.append(tok)
            continue
        if math.isnan(v):
            raise _UsageError(f"--na-values {tok}: NaN is missing already; leave it out")
        numbers.append(v)
        texts.append(tok)  # a number written in a text column (e.g. "-99" next to "DK") is the code too
    return numbers, texts


def _check_item_text(data: Any, items: Sequence[str], texts: Sequence[str], source: str, header_rows: int) -> None:
    """An item column holding text that is neither a number nor a declared code: name the
    value and the line, and point at --na-values (before any estimation)."""
    import pandas as pd

    for name in dict.fromkeys(items):
        if name not in data.columns or isinstance(data.dtypes[name], pd.Series):
            continue  # reported by the data checks
        col = data[name]
        if pd.api.types.is_numeric_dtype(col.dtype) or isinstance(col.dtype, pd.CategoricalDtype):
            continue
        obj = col.astype(object)
        bad = obj.notna() & pd.to_numeric(obj, errors="coerce").isna() & ~obj.astype(str).isin(list(texts))
        if bad.any():
            pos = int(bad.to_numpy().nonzero()[0][0])
            value = str(obj.iloc[pos])
            shown = value if re.fullmatch(r"[\w.+-]+", value) else f'"{value}"'
            if re.fullmatch(r"\s*-?\d+,\d+\s*", value):
                raise DataError(
                    f"column {name!r} holds {value!r} (line {pos + header_rows + 1} of {source}): a number with a "
                    "decimal comma; read the file with --decimal ',' (and --sep ';' if the columns are separated "
                    "by semicolons)"
                )
            raise DataError(
                f"column {name!r} holds the text {value!r} (line {pos + header_rows + 1} of {source}); acsi reads "
                f"only empty cells as missing: if {value!r} means missing, declare it with --na-values {shown}, "
                "otherwise correct the data"
            )


def _check_scale(data: Any, items: Sequence[str], numbers: Sequence[float], scale: Sequence[float] | None,
                 item_scales: dict[str, tuple[float, float]], source: str) -> None:
    """A rating outside its declared scale (--scale, or the model file's), and not a declared
    code: name the value, the line and the flags."""
    import numpy as np
    import pandas as pd

    for name in dict.fromkeys(items):
        if name not in data.columns or isinstance(data.dtypes[name], pd.Series):
            continue
        bounds = item_scales.get(name, scale)
        if bounds is None:
            continue  # inferred later from the answers, and stated in the report
        lo, hi = float(bounds[0]), float(bounds[1])
        values = pd.to_numeric(data[name].astype(object), errors="coerce").to_numpy(dtype=float)
        outside = np.isfinite(values) & ((values < lo) | (values > hi)) & ~np.isin(values, list(numbers))
        if outside.any():
            pos = int(np.flatnonzero(outside)[0])
            v = float(values[pos])
            how = "the scale declared for it in the model file" if name in item_scales else "the rating scale"
            raise DataError(
                f"column {name!r} holds {v:g} (line {pos + 2} of {source}), outside {how} "
                f"{lo:g}-{hi:g}: give the scale's bounds with --scale MIN MAX (or in the model file), or, if "
                f"{v:g} is a code for 'no answer', declare it with --na-values {v:g}"
            )


def _run_analyze(args: argparse.Namespace) -> None:
    from acsi.data import apply_na_values
    from acsi.plspm.hoc import observed_items
    from acsi.report import build_report, model_blocks

    t0 = time.perf_counter()
    if args.scale is not None and args.scale[0] >= args.scale[1]:
        raise _UsageError(f"--scale {args.scale[0]:g} {args.scale[1]:g}: MIN must be below MAX")
    numbers, texts = _na_codes(args.na_values)
    model, item_scales = read_model_file(args.model, encoding=args.encoding)
    data = read_data(args.data, sep=args.sep, sheet=args.sheet, encoding=args.encoding, decimal=args.decimal)
    source = Path(args.data).name
    if data.attrs.get("encoding") == "gb18030" and args.encoding is None:
        _say(args, f"acsi: read {source} as Chinese GB18030/GBK text (not UTF-8); give --encoding to override")
    if args.sep is None and data.attrs.get("sep", ",") != "," and Path(args.data).suffix.lower() == ".csv":
        shown = "tab" if data.attrs["sep"] == "\t" else repr(data.attrs["sep"])
        _say(args, f"acsi: {source} is separated by {shown} (detected; give --sep to override)")
    sheets = data.attrs.get("sheets", [])
    if len(sheets) > 1:
        how = "as asked (--sheet)" if args.sheet is not None else "the first; choose another with --sheet NAME"
        _say(args, f"acsi: read sheet {data.attrs['sheet']!r} of {source} ({len(sheets)} sheets: "
                   f"{', '.join(sheets)}), {how}")
    blocks, _ = model_blocks(model)
    items = list(observed_items(model))  # a higher-order construct is measured by constructs
    unknown = sorted(set(item_scales) - set(items))
    if unknown:
        raise SpecificationError(f"model file {Path(args.model).name}: a scale is declared for {unknown[0]!r}, "
                                 "which is not an item of the model")
    missing = [i for i in dict.fromkeys(items) if i not in data.columns]
    if missing and len(sheets) > 1:
        raise DataError(
            f"variable {missing[0]!r} used in the model is not a column of sheet {data.attrs['sheet']!r} of "
            f"{source}; its sheets are {', '.join(map(repr, sheets))}: choose the one with the answers "
            "with --sheet NAME"
        )
    data = apply_value_labels(data, items)
    _check_item_text(data, items, texts, source, 1)
    _check_scale(data, items, numbers, args.scale, item_scales, source)
    if texts:  # declared codes written as text (DK, n/a, or -99 in a text column) become missing
        data, _ = apply_na_values(data, list(data.columns), texts, argument="--na-values")
    if args.recommend is not None and args.recommend not in data.columns:
        raise DataError(f"--recommend: column {args.recommend!r} not found in {source}")
    _say(args, f"acsi: {len(data)} rows, {len(blocks)} constructs, method {args.method}")
    for flag, cols in (("--segment", args.segment or []), ("--value", [args.value] if args.value else [])):
        for col in cols:
            if col not in data.columns:
                raise DataError(f"{flag}: column {col!r} not found in {source}")
    report = build_report(
        data, model, method=args.method, bootstrap=args.bootstrap, seed=args.seed,
        scale=tuple(args.scale) if args.scale is not None else None, item_scales=item_scales or None,
        na_values=numbers or None, title=args.title,
        source=(f"{source}，模型 {Path(args.model).name}" if args.lang == "zh"
                else f"{source} with model {Path(args.model).name}"),
        recommend=args.recommend, satisfied=args.satisfied, loyal=args.loyal, segment=args.segment,
        value=args.value, lang=args.lang, progress=_progress(args),
    )
    _finish(args, report, t0)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """Warnings outside the report (reading a file, say) as one line, like the report's."""
    print(f"acsi: warning: {category.__name__}: {_cli_message(Exception(str(message)))}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``acsi`` command; returns the exit code.

    Every failure is one line on stderr (``acsi: error: ...``) and exit code 2 (usage, file,
    data or model error) or 3 (the estimation failed); never a traceback.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("acsi: error: interrupted; no output was written over an existing file", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help / --version (0)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    except _UsageError as exc:
        print(f"acsi: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if args.command is None:
        print("acsi: error: give a command: 'acsi demo' or 'acsi analyze DATA --model FILE' "
              "(see 'acsi --help')", file=sys.stderr)
        return EXIT_USAGE
    import importlib.util

    if args.xlsx and importlib.util.find_spec("openpyxl") is None:
        print("acsi: error: --xlsx needs openpyxl: pip install 'acsi[io]'", file=sys.stderr)
        return EXIT_USAGE
    if args.docx and importlib.util.find_spec("docx") is None:
        print("acsi: error: --docx needs python-docx: pip install 'acsi[word]'", file=sys.stderr)
        return EXIT_USAGE
    import matplotlib

    matplotlib.use("Agg")  # the command line draws into files only
    try:
        _check_outputs(args)  # before any work: a bad output location costs nothing
        with warnings.catch_warnings():
            # warnings raised while estimating are collected by the report and printed once
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning  # any other warning: one line too
            if args.command == "demo":
                _run_demo(args)
            else:
                _run_analyze(args)
    except _UsageError as exc:
        print(f"acsi: error: {_cli_message(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except IdentificationError as exc:
        print(f"acsi: error: {_cli_message(exc)}", file=sys.stderr)
        return EXIT_ESTIMATION
    except (DataError, ModelSyntaxError, SpecificationError) as exc:
        print(f"acsi: error: {_cli_message(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except AcsiError as exc:
        print(f"acsi: error: {_cli_message(exc)}", file=sys.stderr)
        return EXIT_ESTIMATION
    except OSError as exc:  # writing an output failed (disk full, permissions changed meanwhile)
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"acsi: error: cannot write{where}: {exc.strerror or exc}; nothing was overwritten", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # the last line of defence: never a traceback
        # an internal failure while estimating: one line, never a traceback
        print(f"acsi: error: the analysis failed ({type(exc).__name__}: {_one_line(exc)[:200]}); "
              "please report it with the command you ran", file=sys.stderr)
        return EXIT_ESTIMATION
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
