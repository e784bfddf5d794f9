"""The ``acsi`` command: from a survey file to a finished HTML report.

``acsi demo`` analyses the shipped e-banking survey; ``acsi analyze DATA --model FILE``
analyses your own CSV, Excel or SPSS file. Exit codes: 0 success, 2 usage error (bad option,
file not found), 3 data or model error (named column or model line).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from acsi.exceptions import AcsiError, DataError, SpecificationError

__all__ = ["main", "read_data", "read_model", "parse_item_map"]

EXIT_OK, EXIT_USAGE, EXIT_DATA = 0, 2, 3

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

examples:
    acsi analyze answers.csv --model items.txt
    acsi analyze answers.xlsx --model model.txt --method mlr --out fit.html
    acsi analyze survey.sav --model items.json --xlsx results.xlsx --bootstrap 5000 --seed 7
    acsi analyze answers.csv --model model.txt --na-values -99 --scale 1 10

exit codes: 0 ok, 2 usage error, 3 data or model error.
"""


class _UsageError(Exception):
    """A usage problem (missing file, bad option value): exit code 2."""


# --------------------------------------------------------------------------- inputs


def read_data(path: str | Path) -> Any:
    """Read a ``.csv``, ``.xlsx``/``.xls`` or SPSS ``.sav`` file into a DataFrame.

    SPSS value labels are kept: a column with value labels becomes a pandas categorical of
    its labels, unless it is a model item (those stay numeric; see :func:`main`); variable
    labels go to ``DataFrame.attrs["questions"]``.
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise _UsageError(f"data file {str(p)!r} not found")
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".tab", ".xlsx", ".xlsm", ".sav", ".zsav"):
        raise _UsageError(f"data file {p.name!r}: unknown type {suffix!r}; use .csv, .xlsx or .sav")
    try:
        if suffix in (".csv", ".txt"):
            df = pd.read_csv(p)
        elif suffix in (".tsv", ".tab"):
            df = pd.read_csv(p, sep="\t")
        elif suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(p, engine="openpyxl")
        else:
            import pyreadstat

            df, meta = pyreadstat.read_sav(str(p))
            df.attrs["value_labels"] = {c: dict(v) for c, v in meta.variable_value_labels.items()}
            df.attrs["questions"] = {c: lab for c, lab in meta.column_names_to_labels.items() if lab}
    except ImportError as exc:
        raise _UsageError(f"reading {p.name} needs {exc.name}: pip install 'acsi[io]'") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError) as exc:
        # the file exists but cannot be read as its type: a data error naming the file
        raise DataError(f"cannot read {p.name} as {suffix[1:]}: {' '.join(str(exc).split())}") from None
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


def parse_item_map(text: str) -> dict[str, list[str]]:
    """Parse an item map: JSON ``{"construct": [items]}`` or lines ``construct: item item ...``.

    Items may be separated by spaces, commas or ``+``; ``#`` starts a comment.

    Examples
    --------
    >>> parse_item_map("quality: q1 q2, q3\\nsatisfaction: s1 + s2  # overall")
    {'quality': ['q1', 'q2', 'q3'], 'satisfaction': ['s1', 's2']}
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            raw = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise SpecificationError(f"item map JSON, line {exc.lineno}: {exc.msg}") from None
        if not isinstance(raw, dict):
            raise SpecificationError("item map JSON must be an object {\"construct\": [\"item\", ...]}")
        out: dict[str, list[str]] = {}
        for k, v in raw.items():
            items = [v] if isinstance(v, str) else v
            if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
                raise SpecificationError(f"item map JSON: construct {k!r} must list item names as strings")
            out[str(k)] = items
        return out
    out = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if ":" not in line:
            raise SpecificationError(f"item map line {lineno}: expected 'construct: item item ...', got {line!r}")
        name, rest = line.split(":", 1)
        name = name.strip()
        items = [i for i in re.split(r"[\s,+]+", rest.strip()) if i]
        if not name or not items:
            raise SpecificationError(f"item map line {lineno}: {line!r} needs a construct name and at least one item")
        if name in out:
            raise SpecificationError(f"item map line {lineno}: construct {name!r} is listed twice")
        out[name] = items
    if not out:
        raise SpecificationError("the item map is empty")
    return out


def read_model(path: str | Path) -> str:
    """Model syntax from a model file: lavaan syntax as is, or an item map through the ACSI builder."""
    p = Path(path)
    if not p.is_file():
        raise _UsageError(f"model file {str(p)!r} not found")
    text = p.read_text(encoding="utf-8")
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    if "~" in body and not body.strip().startswith("{"):
        return text
    items = parse_item_map(text)
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
    )


# --------------------------------------------------------------------------- parser


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acsi", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    from acsi import __version__

    parser.add_argument("--version", action="version", version=f"acsi {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo", help="analyse the shipped e-banking survey and write an HTML report",
        description="Analyse the shipped (synthetic) e-banking survey of 54 respondents: SERVQUAL "
                    "dimensions as drivers of loyalty, by PLS with bootstrap; write one self-contained "
                    "HTML report.",
        epilog="example:\n    acsi demo --out ebanking.html --bootstrap 2000 --seed 7",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--out", default="acsi-demo-report.html", metavar="PATH",
                      help="HTML report to write (default: %(default)s)")
    demo.add_argument("--xlsx", metavar="PATH", help="also write every result table to this Excel file")
    demo.add_argument("--bootstrap", type=_nonneg_int, default=1000, metavar="N",
                      help="bootstrap resamples (default: %(default)s)")
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="bootstrap seed (default: %(default)s)")
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
    an.add_argument("--bootstrap", type=_nonneg_int, default=1000, metavar="N",
                    help="PLS bootstrap resamples, 0 for none (default: %(default)s)")
    an.add_argument("--seed", type=int, default=1, metavar="S", help="bootstrap seed (default: %(default)s)")
    an.add_argument("--na-values", type=float, nargs="+", metavar="V",
                    help="codes that mean 'missing', e.g. -99 (rows with a missing item are dropped)")
    an.add_argument("--scale", type=float, nargs=2, default=(1.0, 10.0), metavar=("MIN", "MAX"),
                    help="bounds of the rating scale (default: 1 10)")
    an.add_argument("--recommend", metavar="COLUMN",
                    help="the 'would recommend' item, for the Net Promoter Score (a proxy unless --scale 0 10)")
    an.add_argument("--title", default="Customer satisfaction and loyalty report", help="report title")
    an.add_argument("--quiet", action="store_true", help="no progress bar or messages")
    return parser


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


def _progress(args: argparse.Namespace) -> bool | None:
    """A tqdm bar on the bootstrap when tqdm is installed and --quiet is not given."""
    import importlib.util

    return None if args.quiet or importlib.util.find_spec("tqdm") is None else True


def _say(args: argparse.Namespace, msg: str) -> None:
    if not args.quiet:
        print(msg, file=sys.stderr)


def _finish(args: argparse.Namespace, report: Any, t0: float) -> None:
    out = report.write(args.out)
    for w in report.warnings:
        print(f"acsi: warning: {_one_line(Exception(w))}", file=sys.stderr)
    if args.xlsx:
        report.to_excel(args.xlsx)
        _say(args, f"acsi: wrote {args.xlsx}")
    _say(args, f"acsi: wrote {out} ({time.perf_counter() - t0:.1f} s); open it in a browser")


def _run_demo(args: argparse.Namespace) -> None:
    from acsi.report import demo_report

    t0 = time.perf_counter()
    _say(args, "acsi: analysing the e-banking demo survey (synthetic, 54 respondents)")
    report = demo_report(bootstrap=args.bootstrap, seed=args.seed, progress=_progress(args))
    _finish(args, report, t0)


def _run_analyze(args: argparse.Namespace) -> None:
    from acsi.report import build_report, model_blocks

    t0 = time.perf_counter()
    if args.scale[0] >= args.scale[1]:
        raise _UsageError(f"--scale {args.scale[0]:g} {args.scale[1]:g}: MIN must be below MAX")
    data = read_data(args.data)
    model = read_model(args.model)
    blocks, _ = model_blocks(model)
    items = [i for b in blocks.values() for i in b]
    data = apply_value_labels(data, items)
    if args.recommend is not None and args.recommend not in data.columns:
        raise DataError(f"--recommend: column {args.recommend!r} not found in {Path(args.data).name}")
    _say(args, f"acsi: {len(data)} rows, {len(blocks)} constructs, method {args.method}")
    report = build_report(
        data, model, method=args.method, bootstrap=args.bootstrap, seed=args.seed,
        scale=tuple(args.scale), na_values=args.na_values, title=args.title,
        source=f"{Path(args.data).name} with model {Path(args.model).name}",
        recommend=args.recommend, progress=_progress(args),
    )
    _finish(args, report, t0)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``acsi`` command; returns the exit code."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help / --version (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    import importlib.util

    if args.xlsx and importlib.util.find_spec("openpyxl") is None:
        print("acsi: error: --xlsx needs openpyxl: pip install 'acsi[io]'", file=sys.stderr)
        return EXIT_USAGE
    import matplotlib

    matplotlib.use("Agg")  # the command line draws into files only
    try:
        with warnings.catch_warnings():
            # warnings raised while estimating are collected by the report and printed once
            warnings.simplefilter("default")
            if args.command == "demo":
                _run_demo(args)
            else:
                _run_analyze(args)
    except _UsageError as exc:
        print(f"acsi: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except AcsiError as exc:
        print(f"acsi: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_DATA
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
