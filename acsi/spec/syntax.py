"""Parser for lavaan-style model syntax.

The grammar is lavaan's (Rosseel 2012, *J. Stat. Softw.* 48(2)):

=========  ===========================================  ==============================
operator   meaning                                       example
=========  ===========================================  ==============================
``=~``     is measured by (reflective, Mode A in PLS)    ``Quality =~ q1 + q2 + q3``
``<~``     is formed by (composite, Mode B in PLS)       ``Value <~ v1 + v2``
``~``      is regressed on                               ``Loyalty ~ Satisfaction``
``~~``     is (co)varied with                            ``x1 ~~ x4``
``~ 1``    intercept                                     ``y ~ 1``
``|``      thresholds of an ordinal item                 ``y1 | t1 + a*t2 + 0.5*t3``
``:=``     defined parameter                             ``ind := a*b``
``==``     equality constraint                           ``a == b``
``<``/``>`` inequality constraint                        ``a > 0``
=========  ===========================================  ==============================

Right-hand terms take modifiers joined by ``*``: a number fixes the parameter
(``1*x1``), ``NA`` frees it (``NA*x1``), a name labels it (``a*x1``; shared labels are
equality constraints), ``start(v)`` gives a start value, ``label("a")`` and ``equal("a")``
name a label explicitly. Several left-hand names may share one right-hand side
(``y1 + y2 ~ x``). Formulas are separated by new lines or ``;``; a formula continues on
the next line when a line ends in an operator, ``+`` or ``*``, or the next line starts with
``+`` or ``*``. ``#`` and ``!`` start a comment.

Any text either parses or raises :class:`acsi.ModelSyntaxError` with the 1-based line and
column and the offending text; no other exception escapes :func:`parse_model`. Operators
from other notations (``Sat -> Loy``, ``Loy <- Sat``, ``F ~= x1``) get a message with the
fix; a term listed twice without modifiers (``F =~ x1 + x1``) and two names that differ
only by Unicode normalisation (``ｂ`` and ``b``) are errors, never merged or folded. ``:=``
and constraint expressions are read by :func:`compile_expression`: float arithmetic only,
bounded in size, nesting and exponent.

Examples
--------
>>> from acsi.spec.syntax import parse_model
>>> m = parse_model('''
...     visual =~ x1 + a*x2 + a*x3   # shared label: equal loadings
...     speed  =~ NA*x7 + x8; speed ~~ 1*speed
... ''')
>>> [(s.lhs, s.op, s.rhs, s.fixed, s.label) for s in m.statements][:3]
[('visual', '=~', 'x1', None, None), ('visual', '=~', 'x2', None, 'a'), ('visual', '=~', 'x3', None, 'a')]
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi.exceptions import DataError, ModelSyntaxError, SpecificationError

__all__ = [
    "Statement", "ParsedModel", "parse_model", "compile_expression", "expressible",
    "check_model_names", "OPERATORS",
]

#: Operators in the order they must be matched (longest first).
OPERATORS = ("=~", "<~", "~~", ":=", "==", "~", "<", ">", "|")
_MEASUREMENT_OPS = frozenset({"=~", "<~"})
_TERM_OPS = frozenset({"=~", "<~", "~", "~~"})
_EXPR_OPS = frozenset({":=", "==", "<", ">"})

#: a threshold name: ``t1``, ``t2``, ... (lavaan's)
_THRESHOLD_RE = re.compile(r"t([1-9][0-9]*)")

_NAME_RE = re.compile(r"[^\W\d]\w*(?:\.\w*)*|\.[^\W\d]\w*(?:\.\w*)*", re.UNICODE)
_NUMBER_RE = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True, slots=True)
class Statement:
    """One parsed model element (one left-hand name with one right-hand term).

    Attributes
    ----------
    lhs, op, rhs : str
        As in lavaan's parameter table. For an intercept ``y ~ 1`` the operator is ``"~1"``
        and ``rhs`` is ``""``. For ``:=``, ``==``, ``<``, ``>`` ``rhs`` is the expression.
    fixed : float or None
        Value of a numeric modifier (``1*x``), else None.
    label : str or None
        Label modifier (``a*x``), else None.
    free : bool
        True when ``NA*`` frees a parameter that would be fixed by default.
    start : float or None
        ``start(v)`` value, else None.
    fixed_g : tuple or None
        Per-group values of a ``c(1, NA)*x`` modifier (multiple groups; ``None`` entries
        are free), else None.
    label_g : tuple of str or None
        Per-group labels of a ``c(a1, a2)*x`` modifier (``""`` for ``NA``), else None.
    start_g : tuple of float or None
        Per-group start values of ``start(c(0.5, 0.7))*x``, else None.
    line, column : int
        1-based position of the right-hand term (or of the formula) in the source.
    text : str
        The source line, for messages.
    """

    lhs: str
    op: str
    rhs: str
    fixed: float | None = None
    label: str | None = None
    free: bool = False
    start: float | None = None
    line: int = 0
    column: int = 0
    text: str = ""
    fixed_g: tuple[float | None, ...] | None = None
    label_g: tuple[str, ...] | None = None
    start_g: tuple[float, ...] | None = None

    def where(self) -> str:
        """``"line L: <source line>"`` for error messages."""
        return f"line {self.line}: {self.text.strip()}"


@dataclass(frozen=True, slots=True)
class ParsedModel:
    """The statements of a model, in source order, and the source text."""

    statements: tuple[Statement, ...]
    source: str

    def by_op(self, *ops: str) -> list[Statement]:
        """Statements whose operator is one of ``ops``."""
        return [s for s in self.statements if s.op in ops]

    @property
    def latent_names(self) -> list[str]:
        """Names defined with ``=~`` or ``<~``, in order of appearance."""
        out: list[str] = []
        for s in self.statements:
            if s.op in _MEASUREMENT_OPS and s.lhs not in out:
                out.append(s.lhs)
        return out

    def __iter__(self) -> Iterator[Statement]:
        return iter(self.statements)

    def __len__(self) -> int:
        return len(self.statements)


# --------------------------------------------------------------------------- lexing


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # NAME, NUMBER, STRING, OP, PLUS, MINUS, STAR, LPAR, RPAR, COMMA, OTHER
    value: str
    pos: int  # 0-based offset within the logical formula text


def _strip_comment(line: str) -> str:
    out = []
    quote = None
    for ch in line:
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "#!":
            break
        out.append(ch)
    return "".join(out)


def _split_semicolons(line: str) -> list[tuple[int, str]]:
    """Split on ``;`` outside quotes; return (offset, piece) pairs."""
    parts: list[tuple[int, str]] = []
    quote = None
    start = 0
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == ";":
            parts.append((start, line[start:i]))
            start = i + 1
    parts.append((start, line[start:]))
    return parts


def _tokenize(text: str, posmap: list[tuple[int, int]], lines: list[str]) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        matched = False
        for op in OPERATORS:
            if text.startswith(op, i):
                toks.append(_Tok("OP", op, i))
                i += len(op)
                matched = True
                break
        if matched:
            continue
        if ch in "\"'":
            j = text.find(ch, i + 1)
            if j < 0:
                _raise_at(i, posmap, lines, "unterminated string")
            toks.append(_Tok("STRING", text[i + 1 : j], i))
            i = j + 1
            continue
        m = _NUMBER_RE.match(text, i)
        if m and not (ch == "." and _NAME_RE.match(text, i)):
            toks.append(_Tok("NUMBER", m.group(0), i))
            i = m.end()
            continue
        m = _NAME_RE.match(text, i)
        if m:
            toks.append(_Tok("NAME", m.group(0), i))
            i = m.end()
            continue
        kind = {"+": "PLUS", "-": "MINUS", "*": "STAR", "(": "LPAR", ")": "RPAR", ",": "COMMA"}.get(
            ch, "OTHER"
        )
        toks.append(_Tok(kind, ch, i))
        i += 1
    return toks


def _locate(pos: int, posmap: list[tuple[int, int]]) -> tuple[int, int]:
    """Map an offset in a logical formula to (line index, column index) in the source."""
    line_idx, col0 = posmap[min(max(pos, 0), len(posmap) - 1)] if posmap else (0, 0)
    return line_idx, col0


def _raise_at(pos: int, posmap: list[tuple[int, int]], lines: list[str], msg: str) -> None:
    li, col = _locate(pos, posmap)
    text = lines[li] if 0 <= li < len(lines) else ""
    raise ModelSyntaxError(msg, line=li + 1, column=col + 1, text=text.rstrip())


# --------------------------------------------------------------------------- formulas


def _logical_formulas(source: str) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """Yield (formula text, position map) pairs.

    The position map gives, for every character of the formula text, its (line, column) in
    the source, so that errors point at the original text.
    """
    lines = source.splitlines()
    pieces: list[tuple[str, list[tuple[int, int]]]] = []
    for li, raw in enumerate(lines):
        body = _strip_comment(raw)
        for off, piece in _split_semicolons(body):
            if piece.strip():
                pieces.append((piece, [(li, off + k) for k in range(len(piece))]))
            else:
                pieces.append(("", []))  # a separator: ends any open formula
        pieces.append(("\n", [(li, len(body))]))

    cont_end = ("+", "*", "=~", "<~", "~~", "~", ":=", "==", "<", ">", "(", ",", "-", "/", "^", "|")
    cont_start = ("+", "*", ")", ",", "/", "^")
    buf = ""
    bmap: list[tuple[int, int]] = []
    for piece, pmap in pieces:
        if piece == "\n" or piece == "":
            if piece == "" and buf.strip():
                yield buf, bmap
                buf, bmap = "", []
            continue
        stripped = piece.strip()
        if buf.strip():
            prev = buf.rstrip()
            if prev.endswith(cont_end) or stripped.startswith(cont_start) or _open_parens(prev):
                buf += " " + piece
                bmap += [bmap[-1]] + pmap
                continue
            yield buf, bmap
        buf, bmap = piece, pmap
    if buf.strip():
        yield buf, bmap


def _open_parens(text: str) -> bool:
    return text.count("(") > text.count(")")


def parse_model(source: str) -> ParsedModel:
    """Parse lavaan-style model syntax into statements.

    Parameters
    ----------
    source : str
        The model text.

    Returns
    -------
    ParsedModel

    Raises
    ------
    acsi.ModelSyntaxError
        For any text that is not valid model syntax, with line, column and offending text.

    Examples
    --------
    >>> parse_model("Satisfaction ~ Quality + Value").statements[1].rhs
    'Value'
    """
    if not isinstance(source, str):
        raise ModelSyntaxError(
            f"the model must be a string of lavaan-style syntax, not {type(source).__name__}"
        )
    hit = _PARSED.get(source)
    if hit is not None:  # the same text parses to the same (immutable) statements
        return hit
    lines = source.splitlines() or [""]
    out: list[Statement] = []
    try:
        for text, posmap in _logical_formulas(source):
            out.extend(_parse_formula(text, posmap, lines))
        if out:
            _check_normalisation(out)
    except ModelSyntaxError:
        raise
    except Exception as exc:  # pragma: no cover - defensive: the contract is one exception type
        raise ModelSyntaxError(f"cannot parse model ({type(exc).__name__}: {exc})") from exc
    if not out:
        raise ModelSyntaxError(
            "the model is empty: write at least one formula such as 'F =~ x1 + x2 + x3'"
        )
    parsed = ParsedModel(tuple(out), source)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[source] = parsed
    return parsed


#: parsed models by source text (a refit, a bootstrap or fit_many parses a text once)
_PARSED: dict[str, ParsedModel] = {}
_PARSED_MAX = 256


def _statement_names(s: Statement) -> list[str]:
    """Every name a statement uses: variables, labels, defined parameters, expression names."""
    if s.op in _EXPR_OPS:
        sides = [s.rhs] if s.op == ":=" else [s.lhs, s.rhs]
        names = [s.lhs] if s.op == ":=" else []
        for side in sides:
            names.extend(_read_expression(side)[1])
        return names
    return [n for n in (s.lhs, s.rhs, s.label) if n]


def _check_normalisation(statements: list[Statement]) -> None:
    """Two spellings of one name under Unicode NFKC (``ｂ`` and ``b``) are an error.

    Python identifiers, spreadsheets and many tools fold such names silently; acsi keeps
    names exactly as written, so two names that only differ by compatibility characters
    (full-width letters, ligatures, superscripts) would be two different parameters that
    look the same.
    """
    seen: dict[str, tuple[str, Statement]] = {}
    for st in statements:
        for name in _statement_names(st):
            key = unicodedata.normalize("NFKC", name)
            prev = seen.get(key)
            if prev is None:
                seen[key] = (name, st)
            elif prev[0] != name:
                raise ModelSyntaxError(
                    f"the names {prev[0]!r} ({prev[1].where()}) and {name!r} differ only by "
                    "Unicode normalisation (full-width or compatibility characters, NFKC); "
                    "acsi does not fold them into one. Write both the same way (for a column, "
                    "rename it: df.columns = [unicodedata.normalize('NFKC', str(c)) for c in "
                    "df.columns]), or choose clearly different names",
                    line=st.line, column=st.column, text=st.text.rstrip(),
                )


def _side(toks: list[_Tok], default: str) -> str:
    """The names of a run of tokens joined by ' + ' (for a suggested fix), or ``default``."""
    names = [t.value for t in toks if t.kind == "NAME"]
    return " + ".join(names) if names else default


def _operator_mistakes(toks: list[_Tok], posmap: list[tuple[int, int]], lines: list[str]) -> None:
    """Operators from other notations or with a typo: a ModelSyntaxError with the fix."""
    for i, t in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        adjacent = nxt is not None and nxt.pos == t.pos + len(t.value)
        before, after = toks[:i], toks[i + 2 :]
        if t.kind == "MINUS" and adjacent and nxt is not None and nxt.value in (">", ">="):
            _raise_at(t.pos, posmap, lines,
                      "'->' is not an operator of the model syntax: a regression is written "
                      f"outcome ~ predictor, here '{_side(after, 'Y')} ~ {_side(before, 'X')}'")
        if t.kind == "OP" and t.value == "<" and adjacent and nxt is not None and nxt.kind == "MINUS":
            rest = toks[i + 2 :]
            if rest and rest[0].kind == "NAME":
                _raise_at(t.pos, posmap, lines,
                          "'<-' is not an operator of the model syntax: a regression is written "
                          f"outcome ~ predictor, here '{_side(before, 'Y')} ~ {_side(rest, 'X')}' "
                          "(for an inequality constraint write '<' and '-' apart: 'a < -b')")
        if t.kind == "OP" and t.value == "~" and adjacent and nxt is not None and nxt.value == "=":
            _raise_at(t.pos, posmap, lines,
                      "'~=' is not an operator: 'is measured by' is written '=~' (equals sign "
                      f"first), here '{_side(before, 'F')} =~ {_side(after, 'x1 + x2')}'")
        if t.kind == "OTHER" and t.value == "=":
            if nxt is not None and nxt.kind == "OP" and nxt.value in ("~", "~~"):
                _raise_at(t.pos, posmap, lines,
                          "'= ~' has a space inside the operator: write '=~' without a space, "
                          f"here '{_side(before, 'F')} =~ {_side(toks[i + 2 :], 'x1 + x2')}'")
            if nxt is not None and nxt.kind == "OP" and nxt.value in ("<", ">") or (
                i > 0 and toks[i - 1].kind == "OP" and toks[i - 1].value in ("<", ">")
                and toks[i - 1].pos + 1 == t.pos
            ):
                _raise_at(t.pos, posmap, lines,
                          "'<=' and '>=' are not operators of the model syntax; an inequality "
                          "constraint is written with '<' or '>' ('a > 0')")
            _raise_at(t.pos, posmap, lines,
                      "'=' is not an operator of the model syntax: write '=~' for 'is measured "
                      "by' (F =~ x1 + x2), '~' for a regression (Y ~ X), ':=' for a defined "
                      "parameter or '==' for an equality constraint")
        if t.kind == "OTHER" and t.value == ":":
            _raise_at(t.pos, posmap, lines,
                      "':' is not an operator of the model syntax: write '=~' for 'is measured "
                      "by' (F =~ x1 + x2) or ':=' for a defined parameter (ind := a*b)")


def _merge_interaction_terms(toks: list[_Tok]) -> list[_Tok]:
    """In a regression (``~``), ``A:B`` written without spaces is one term named ``"A:B"``
    (an interaction term, read by acsi.pls; lavaan's product of observed variables)."""
    if not any(t.kind == "OP" and t.value == "~" for t in toks):
        return toks
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if (
            t.kind == "NAME" and i + 2 < len(toks) and toks[i + 1].kind == "OTHER"
            and toks[i + 1].value == ":" and toks[i + 2].kind == "NAME"
            and toks[i + 1].pos == t.pos + len(t.value) and toks[i + 2].pos == toks[i + 1].pos + 1
        ):
            out.append(_Tok("NAME", f"{t.value}:{toks[i + 2].value}", t.pos))
            i += 3
            continue
        out.append(t)
        i += 1
    return out


def _parse_formula(text: str, posmap: list[tuple[int, int]], lines: list[str]) -> list[Statement]:
    toks = _merge_interaction_terms(_tokenize(text, posmap, lines))
    _operator_mistakes(toks, posmap, lines)
    ops = [t for t in toks if t.kind == "OP"]
    first = toks[0] if toks else None
    if not ops:
        _raise_at(first.pos if first else 0, posmap, lines,
                  "no operator: a formula needs one of =~ <~ ~ ~~ | := == < > "
                  "(e.g. 'F =~ x1 + x2' or 'Y ~ X')")
    op_tok = ops[0]
    op = op_tok.value
    if op not in _EXPR_OPS and len(ops) > 1:
        _raise_at(ops[1].pos, posmap, lines, f"a second operator {ops[1].value!r} in one formula "
                  "(separate formulas with a new line or ';')")
    li, _ = _locate(op_tok.pos, posmap)
    src_line = lines[li] if li < len(lines) else ""
    lhs_toks = [t for t in toks if t.pos < op_tok.pos]
    rhs_toks = [t for t in toks if t.pos > op_tok.pos]

    def stmt(lhs: str, op_: str, rhs: str, pos: int, **kw: object) -> Statement:
        l2, c2 = _locate(pos, posmap)
        return Statement(lhs, op_, rhs, line=l2 + 1, column=c2 + 1,
                         text=lines[l2] if l2 < len(lines) else src_line, **kw)  # type: ignore[arg-type]

    if op in _EXPR_OPS:
        if not rhs_toks:
            _raise_at(op_tok.pos + len(op), posmap, lines, f"nothing after {op!r}: write an expression "
                      "of labels (e.g. 'ind := a*b')" if op == ":=" else
                      f"nothing after {op!r}: write a label or a number (e.g. 'a {op} b')")
        rhs_text = text[rhs_toks[0].pos :].strip()
        lhs_text = text[: op_tok.pos].strip()
        if op == ":=":
            if len(lhs_toks) != 1 or lhs_toks[0].kind != "NAME":
                _raise_at(lhs_toks[0].pos if lhs_toks else 0, posmap, lines,
                          "the left of ':=' must be one new parameter name")
            _check_expression(rhs_text, rhs_toks[0].pos, posmap, lines)
            return [stmt(lhs_toks[0].value, op, rhs_text, op_tok.pos)]
        if not lhs_toks:
            _raise_at(op_tok.pos, posmap, lines, f"nothing before {op!r}: write a label (e.g. 'a {op} b')")
        _check_expression(lhs_text, lhs_toks[0].pos, posmap, lines)
        _check_expression(rhs_text, rhs_toks[0].pos, posmap, lines)
        return [stmt(lhs_text, op, rhs_text, op_tok.pos)]

    # lhs: NAME ('+' NAME)*
    lhs_names: list[str] = []
    expect_name = True
    if not lhs_toks:
        _raise_at(op_tok.pos, posmap, lines, f"nothing before {op!r}: name a variable "
                  f"(e.g. 'F {op} x1 + x2')")
    for t in lhs_toks:
        if expect_name:
            if t.kind != "NAME":
                _raise_at(t.pos, posmap, lines, f"expected a variable name, found {t.value!r}")
            lhs_names.append(t.value)
        elif t.kind != "PLUS":
            _raise_at(t.pos, posmap, lines, f"expected '+' or an operator, found {t.value!r}")
        expect_name = not expect_name
    if expect_name:
        _raise_at(lhs_toks[-1].pos, posmap, lines, "a left-hand side cannot end in '+'")
    for k, name in enumerate(lhs_names):
        if name in lhs_names[:k]:
            _raise_at(lhs_toks[2 * k].pos, posmap, lines,
                      f"{name!r} is listed twice on the left of {op!r}; remove one of them")
    if op in _MEASUREMENT_OPS and len(lhs_names) > 1:
        _raise_at(lhs_toks[0].pos, posmap, lines, f"one construct per {op!r} formula")

    if not rhs_toks:
        _raise_at(op_tok.pos + len(op), posmap, lines, f"nothing after {op!r}: name the variables "
                  f"(e.g. '{lhs_names[0]} {op} x1 + x2')")

    terms = _parse_terms(rhs_toks, posmap, lines, op)
    if op == "|":
        _check_threshold_terms(terms, posmap, lines, lhs_names[0])
    result: list[Statement] = []
    for name in lhs_names:
        for rhs, mods, pos in terms:
            if rhs == "1":
                if op != "~":
                    _raise_at(pos, posmap, lines, f"'1' (intercept) is only valid with '~', not {op!r}")
                result.append(stmt(name, "~1", "", pos, **mods))
            else:
                result.append(stmt(name, op, rhs, pos, **mods))
    return result


def _check_threshold_terms(
    terms: list[tuple[str, dict[str, object], int]], posmap: list[tuple[int, int]], lines: list[str],
    item: str,
) -> None:
    """The right of ``|`` names thresholds ``t1``, ``t2``, ... (lavaan's names)."""
    for name, _, pos in terms:
        if not _THRESHOLD_RE.fullmatch(name):
            _raise_at(pos, posmap, lines,
                      f"{name!r} is not a threshold name: the right of '|' lists the thresholds of "
                      f"an ordinal item as t1, t2, ... (e.g. '{item} | t1 + t2 + t3'; with labels "
                      f"'{item} | a*t1', fixed values '{item} | 0.5*t1')")


def _parse_terms(
    toks: list[_Tok], posmap: list[tuple[int, int]], lines: list[str], op: str
) -> list[tuple[str, dict[str, object], int]]:
    """Parse ``term ('+' term)*`` where ``term = (modifier '*')* NAME | 1``."""
    groups: list[list[_Tok]] = [[]]
    plus_pos: list[int] = [toks[0].pos if toks else 0]
    depth = 0
    for t in toks:
        if t.kind == "LPAR":
            depth += 1
        elif t.kind == "RPAR":
            depth -= 1
            if depth < 0:
                _raise_at(t.pos, posmap, lines, "unbalanced ')'")
        if t.kind == "PLUS" and depth == 0:
            groups.append([])
            plus_pos.append(t.pos)
        else:
            groups[-1].append(t)
    if depth != 0:
        _raise_at(toks[-1].pos, posmap, lines, "unbalanced '(': a ')' is missing")
    merged: dict[str, tuple[dict[str, object], int]] = {}
    order: list[str] = []
    for gi, g in enumerate(groups):
        if not g:
            pos = plus_pos[gi + 1] if gi + 1 < len(plus_pos) else plus_pos[gi]
            _raise_at(pos, posmap, lines, "an empty term: two '+' in a row, or a '+' at the end")
        # split on '*' at depth 0
        parts: list[list[_Tok]] = [[]]
        depth = 0
        for t in g:
            if t.kind == "LPAR":
                depth += 1
            elif t.kind == "RPAR":
                depth -= 1
            if t.kind == "STAR" and depth == 0:
                parts.append([])
            else:
                parts[-1].append(t)
        var = parts[-1]
        if len(var) != 1 or var[0].kind not in ("NAME", "NUMBER"):
            pos, msg = _term_problem(var, g)
            _raise_at(pos, posmap, lines, msg)
        v = var[0]
        if v.kind == "NUMBER" and op == "|":
            _raise_at(v.pos, posmap, lines, f"expected a threshold name (t1, t2, ...) after '|', found the "
                      f"number {v.value} (a fixed threshold is written '{v.value}*t1')")
        if v.kind == "NUMBER":
            if v.value not in ("1", "1.0") or op != "~":
                hint = (
                    f" (a modifier is written 'value*name'; if {v.value!r} is a column label, "
                    "rename the columns: a name in the model syntax starts with a letter, e.g. "
                    "df.columns = [f'q{c}' for c in df.columns])"
                    if len(parts) == 1
                    else ""
                )
                _raise_at(v.pos, posmap, lines,
                          f"expected a variable name, found the number {v.value}{hint}")
            name = "1"
        else:
            name = v.value
            if name == "NA":
                _raise_at(v.pos, posmap, lines, "'NA' is a modifier ('NA*x'), not a variable")
        mods: dict[str, object] = {}
        for p in parts[:-1]:
            _apply_modifier(p, mods, posmap, lines, g[0].pos)
        if name in merged:
            prev, ppos = merged[name]
            if mods == prev or not mods and not prev:
                what = "indicator" if op in _MEASUREMENT_OPS else "variable"
                _raise_at(v.pos, posmap, lines,
                          f"the {what} {name!r} is listed twice on the right of {op!r}; remove "
                          "one of them (to give one term several modifiers write each on its "
                          f"own repetition, e.g. a*{name} + start(0.5)*{name})")
            for k, val in mods.items():
                if k in prev and prev[k] != val:
                    _raise_at(v.pos, posmap, lines,
                              f"conflicting modifiers for {name!r}: {k} {prev[k]!r} and {val!r}")
                prev[k] = val
        else:
            merged[name] = (mods, v.pos)
            order.append(name)
    out = []
    for name in order:
        mods, pos = merged[name]
        if mods.get("free") and "fixed" in mods:
            _raise_at(pos, posmap, lines, f"{name!r} is both freed (NA*) and fixed to a number")
        for one, per_group in (("fixed", "fixed_g"), ("label", "label_g"), ("start", "start_g")):
            if one in mods and per_group in mods:
                _raise_at(pos, posmap, lines, f"{name!r} has a {one} and a c(...) vector of {one}s; "
                          "give one of them")
        if mods.get("free") and "fixed_g" in mods:
            _raise_at(pos, posmap, lines, f"{name!r} is both freed (NA*) and given c(...) values")
        out.append((name, mods, pos))
    return out


_SPACE_FIX = "df.columns = [str(c).strip().replace(' ', '_') for c in df.columns]"


def _term_problem(var: list[_Tok], group: list[_Tok]) -> tuple[int, str]:
    """Position and message for a right-hand term that is not ``modifiers*name``."""
    if not var:
        return group[-1].pos, "expected a variable name after the modifier ('a*' must be followed by a name)"
    for a, b in zip(var, var[1:]):
        if a.kind == "NUMBER" and b.kind == "NAME" and b.pos == a.pos + len(a.value):
            bad = a.value + b.value
            return a.pos, (
                f"{bad!r} is not a valid name: a name in the model syntax starts with a letter "
                f"or '.'; rename the column (e.g. df = df.rename(columns={{{bad!r}: 'q{bad}'}}))"
            )
    for t in var:
        if t.kind == "COMMA":
            return t.pos, "separate the terms with '+', not ','"
        if t.kind == "MINUS":
            k = var.index(t)
            glued = ""
            if 0 < k < len(var) - 1 and var[k - 1].pos + len(var[k - 1].value) == t.pos == var[k + 1].pos - 1:
                name = f"{var[k - 1].value}-{var[k + 1].value}"
                glued = (f"; if {name!r} is one column name, rename it: a name in the model syntax "
                         "holds letters, digits, '_' and '.' only (e.g. df.columns = "
                         "[re.sub(r'\\W+', '_', str(c)) for c in df.columns])")
            return t.pos, ("terms are joined with '+'; '-' cannot join terms (a negative fixed "
                           f"value is written as a modifier: -1*x){glued}")
        if t.kind in ("LPAR", "RPAR"):
            return t.pos, ("parentheses are only for modifiers such as start(0.5)*x or "
                           "label(\"a\")*x; remove them around the names")
        if t.kind == "OTHER":
            return t.pos, f"unexpected {t.value!r}; terms are names joined by '+'"
    for a, b in zip(var, var[1:]):
        if a.kind in ("NAME", "NUMBER", "STRING") and b.kind in ("NAME", "NUMBER", "STRING"):
            joined = f"{a.value} {b.value}"
            return b.pos, (
                f"a '+' is missing between {a.value!r} and {b.value!r}; if {joined!r} is one "
                "column name, rename it: a name in the model syntax cannot contain spaces "
                f"(e.g. {_SPACE_FIX})"
            )
    return var[0].pos, "expected a variable name after the modifiers"


def _apply_modifier(
    p: list[_Tok], mods: dict[str, object], posmap: list[tuple[int, int]], lines: list[str], gpos: int
) -> None:
    if not p:
        _raise_at(gpos, posmap, lines, "an empty modifier: '**' or '*' at the start of a term")

    def put(key: str, val: object, pos: int) -> None:
        if isinstance(val, float) and not math.isfinite(val):
            _raise_at(pos, posmap, lines, f"the {key} value {val} is not a finite number; give a "
                      "number such as 1*x or start(0.5)*x")
        if key in mods and mods[key] != val:
            _raise_at(pos, posmap, lines, f"two different {key} modifiers on one term")
        mods[key] = val

    t0 = p[0]
    if len(p) == 1 and t0.kind == "NUMBER":
        put("fixed", float(t0.value), t0.pos)
        return
    if len(p) == 2 and t0.kind == "MINUS" and p[1].kind == "NUMBER":
        put("fixed", -float(p[1].value), t0.pos)
        return
    if len(p) == 1 and t0.kind == "NAME":
        if t0.value == "NA":
            put("free", True, t0.pos)
        else:
            put("label", t0.value, t0.pos)
        return
    if len(p) == 1 and t0.kind == "STRING":
        put("label", t0.value, t0.pos)
        return
    if t0.kind == "NAME" and len(p) >= 3 and p[1].kind == "LPAR" and p[-1].kind == "RPAR":
        fn = t0.value
        args = p[2:-1]
        if fn in ("start", "fixed") and args and args[0].kind == "NAME" and args[0].value == "c":
            vec = _c_vector(args[1:], posmap, lines, t0.pos)
            if any(isinstance(v, str) and v != "NA" for v in vec):
                _raise_at(t0.pos, posmap, lines, f"{fn}(c(...)) takes numbers, e.g. {fn}(c(0.5, 0.7))")
            if fn == "start" and any(v == "NA" for v in vec):
                _raise_at(t0.pos, posmap, lines, "start(c(...)) takes numbers; NA is not a start value")
            key = "start_g" if fn == "start" else "fixed_g"
            put(key, tuple(None if v == "NA" else float(v) for v in vec), t0.pos)
            return
        if fn in ("start", "fixed"):
            val = _number_arg(args, posmap, lines, t0.pos, fn)
            put("start" if fn == "start" else "fixed", val, t0.pos)
            return
        if fn in ("label", "equal"):
            if len(args) == 1 and args[0].kind in ("STRING", "NAME"):
                put("label", args[0].value, t0.pos)
                return
            _raise_at(t0.pos, posmap, lines, f"{fn}() takes one name, e.g. {fn}(\"a\")")
        if fn == "c":
            # one value per group (lavaan's c(a1, a2)*x, c(1, NA)*x): numbers (NA = free)
            # fix, names (NA = no label) label
            vec = _c_vector(p[1:], posmap, lines, t0.pos)
            names = [v for v in vec if isinstance(v, str) and v != "NA"]
            nums = [v for v in vec if not isinstance(v, str)]
            if names and nums:
                _raise_at(t0.pos, posmap, lines, "c(...) mixes numbers and labels; give one kind, "
                          "e.g. c(1, NA)*x (fixed values) or c(a1, a2)*x (labels per group)")
            if names:
                put("label_g", tuple("" if v == "NA" else str(v) for v in vec), t0.pos)
            else:
                put("fixed_g", tuple(None if v == "NA" else float(v) for v in vec), t0.pos)
            return
        _raise_at(t0.pos, posmap, lines,
                  f"unknown modifier {fn}(); use a number, NA, a label, start(), label() or equal()")
    _raise_at(t0.pos, posmap, lines,
              "cannot read this modifier: use a number (1*x), NA (NA*x), a label (a*x) or start(v)*x")


def _c_vector(
    toks: list[_Tok], posmap: list[tuple[int, int]], lines: list[str], pos: int
) -> list[float | str]:
    """The elements of ``( e1, e2, ... )`` (tokens from the opening parenthesis on): numbers
    (with a sign), ``"NA"``, names and strings (as ``str``)."""
    if len(toks) < 2 or toks[0].kind != "LPAR" or toks[-1].kind != "RPAR":
        _raise_at(pos, posmap, lines, "c(...) needs its values in parentheses, e.g. c(a1, a2)*x")
    inner = toks[1:-1]
    items: list[list[_Tok]] = [[]]
    for t in inner:
        if t.kind == "COMMA":
            items.append([])
        else:
            items[-1].append(t)
    out: list[float | str] = []
    for it in items:
        if len(it) == 1 and it[0].kind == "NUMBER":
            out.append(float(it[0].value))
        elif len(it) == 2 and it[0].kind == "MINUS" and it[1].kind == "NUMBER":
            out.append(-float(it[1].value))
        elif len(it) == 1 and it[0].kind in ("NAME", "STRING"):
            out.append(it[0].value)
        else:
            _raise_at(it[0].pos if it else pos, posmap, lines,
                      "c(...) takes numbers, NA or labels separated by commas, e.g. c(1, NA) or c(a1, a2)")
    return out


def _number_arg(args: list[_Tok], posmap: list[tuple[int, int]], lines: list[str], pos: int, fn: str) -> float:
    sign = 1.0
    if args and args[0].kind == "MINUS":
        sign, args = -1.0, args[1:]
    if len(args) == 1 and args[0].kind == "NUMBER":
        return sign * float(args[0].value)
    if len(args) == 1 and args[0].kind == "NAME" and args[0].value == "NA" and fn == "start":
        _raise_at(pos, posmap, lines, "start(NA) is not a start value; give a number")
    _raise_at(pos, posmap, lines, f"{fn}() takes one number, e.g. {fn}(0.5)")
    raise AssertionError  # unreachable


# --------------------------------------------------------------------------- expressions
#
# ``:=`` and constraint expressions are read by a small recursive-descent parser of their
# own (not Python's ``ast``: that folds Unicode names by NFKC and evaluates integer powers
# with unbounded integers). The grammar, with R's precedence:
#
#     expr  := term (('+' | '-') term)*
#     term  := unary (('*' | '/') unary)*
#     unary := ('+' | '-') unary | power
#     power := atom (('^' | '**') unary)?          (right-associative: 2^3^2 = 2^9)
#     atom  := NUMBER | NAME | NAME '(' expr ')' | '(' expr ')'
#
# Every number is a float; the expression is bounded in length, in nodes (one float
# operation each: the operation budget of one evaluation) and in nesting; constant
# sub-expressions are evaluated once when the model is read, so that an overflow, a
# division by zero or a domain error in them is a ModelSyntaxError naming the line.

#: Longest ``:=`` / constraint expression, in characters.
MAX_EXPRESSION_CHARS = 20_000
#: Most nodes (numbers, names, operations, calls) in one expression: the operation budget.
MAX_EXPRESSION_NODES = 4_000
#: Deepest nesting of parentheses, calls, powers and signs in one expression.
MAX_EXPRESSION_DEPTH = 64
#: Largest magnitude of a constant exponent (``a^e``).
MAX_EXPONENT = 1024.0


def _cs_abs(x: Any) -> Any:
    """``abs`` that keeps the complex step: ``-z`` where ``Re z < 0`` (not the modulus)."""
    if np.iscomplexobj(x):
        z = np.asarray(x)
        out = np.where(z.real < 0, -z, z)
        return out[()] if out.ndim == 0 else out
    return np.abs(x)


_FUNCS: dict[str, Callable[[Any], Any]] = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": _cs_abs,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "tanh": np.tanh,
}
_MATH: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs,
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "tanh": math.tanh,
}
_EXPR_TOKEN_KIND = {"+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "^": "CARET",
                    "(": "LPAR", ")": "RPAR", ",": "COMMA"}


class _ExprError(Exception):
    """An expression error at an offset (converted to ModelSyntaxError by the caller)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# A node is a tuple: ("num", value) | ("var", name) | ("neg", node) | ("sum", [(sign, node)])
# | ("prod", [(op, node)]) with op "*" or "/" | ("pow", base, exponent) | ("call", fn, node).
_Node = tuple


@dataclass(frozen=True, slots=True)
class _ExprTok:
    kind: str
    value: str
    pos: int


def _expr_tokens(expr: str) -> list[_ExprTok]:
    toks: list[_ExprTok] = []
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch.isspace():
            i += 1
            continue
        m = _NUMBER_RE.match(expr, i)
        if m and not (ch == "." and _NAME_RE.match(expr, i)):
            toks.append(_ExprTok("NUMBER", m.group(0), i))
            i = m.end()
            continue
        m = _NAME_RE.match(expr, i)
        if m:
            toks.append(_ExprTok("NAME", m.group(0), i))
            i = m.end()
            continue
        if expr.startswith("**", i):
            toks.append(_ExprTok("CARET", "**", i))
            i += 2
            continue
        kind = _EXPR_TOKEN_KIND.get(ch)
        if kind is None:
            hint = ""
            if ch in "=<>:~":
                hint = "; one formula has one operator (separate formulas with a new line or ';')"
            raise _ExprError(f"unexpected character {ch!r} in the expression{hint}; use numbers, "
                             "labels, + - * / ^, parentheses and " + ", ".join(f"{f}()" for f in _FUNCS), i)
        toks.append(_ExprTok(kind, ch, i))
        i += 1
    return toks


class _ExprParser:
    def __init__(self, expr: str) -> None:
        if len(expr) > MAX_EXPRESSION_CHARS:
            raise _ExprError(f"the expression is too long ({len(expr)} characters; at most "
                             f"{MAX_EXPRESSION_CHARS}); split it into several ':=' lines", 0)
        self.expr = expr
        self.toks = _expr_tokens(expr)
        self.i = 0
        self.nodes = 0
        self.depth = 0
        self.names: list[str] = []

    # helpers
    def peek(self) -> _ExprTok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def end_pos(self) -> int:
        return len(self.expr.rstrip())

    def node(self, n: _Node, pos: int) -> _Node:
        self.nodes += 1
        if self.nodes > MAX_EXPRESSION_NODES:
            raise _ExprError(f"the expression is too large (more than {MAX_EXPRESSION_NODES} "
                             "numbers, names and operations); split it into several ':=' lines", pos)
        return n

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_EXPRESSION_DEPTH:
            raise _ExprError(f"the expression is nested too deeply (more than {MAX_EXPRESSION_DEPTH} "
                             "levels of parentheses, signs, powers or calls); simplify it", pos)

    def parse(self) -> _Node:
        if not self.toks:
            raise _ExprError("the expression is empty", 0)
        tree = self.expr_()
        t = self.peek()
        if t is not None:
            if t.kind == "RPAR":
                raise _ExprError("unbalanced ')': it closes no '('", t.pos)
            if t.kind == "LPAR" or t.kind in ("NAME", "NUMBER"):
                raise _ExprError(f"expected an operator (+ - * / ^) before {t.value!r}", t.pos)
            raise _ExprError(f"unexpected {t.value!r}", t.pos)
        return tree

    def expr_(self) -> _Node:
        first = self.peek()
        pos = first.pos if first else self.end_pos()
        items = [(1, self.term())]
        while (t := self.peek()) is not None and t.kind in ("PLUS", "MINUS"):
            self.i += 1
            items.append((1 if t.kind == "PLUS" else -1, self.term()))
        return items[0][1] if len(items) == 1 else self.node(("sum", items), pos)

    def term(self) -> _Node:
        first = self.peek()
        pos = first.pos if first else self.end_pos()
        items = [("*", self.unary())]
        while (t := self.peek()) is not None and t.kind in ("STAR", "SLASH"):
            self.i += 1
            items.append(("*" if t.kind == "STAR" else "/", self.unary()))
        return items[0][1] if len(items) == 1 else self.node(("prod", items), pos)

    def unary(self) -> _Node:
        t = self.peek()
        if t is not None and t.kind in ("PLUS", "MINUS"):
            self.i += 1
            self.enter(t.pos)
            inner = self.unary()
            self.depth -= 1
            return inner if t.kind == "PLUS" else self.node(("neg", inner), t.pos)
        return self.power()

    def power(self) -> _Node:
        base = self.atom()
        t = self.peek()
        if t is not None and t.kind == "CARET":
            self.i += 1
            self.enter(t.pos)
            exponent = self.unary()
            self.depth -= 1
            if exponent[0] == "num" and abs(exponent[1]) > MAX_EXPONENT:
                raise _ExprError(f"the exponent {exponent[1]:g} is too large (at most "
                                 f"{MAX_EXPONENT:g} in magnitude)", t.pos)
            return self.node(("pow", base, exponent), t.pos)
        return base

    def atom(self) -> _Node:
        t = self.peek()
        if t is None:
            raise _ExprError("the expression ends too early: a number, a label or '(' is missing",
                             self.end_pos())
        self.i += 1
        if t.kind == "NUMBER":
            value = float(t.value)
            if not math.isfinite(value):
                raise _ExprError(f"the number {t.value} is too large for floating point (at most "
                                 "about 1.8e308)", t.pos)
            return self.node(("num", value), t.pos)
        if t.kind == "NAME":
            nxt = self.peek()
            if nxt is not None and nxt.kind == "LPAR":
                return self.call(t)
            if t.value not in self.names:
                self.names.append(t.value)
            return self.node(("var", t.value), t.pos)
        if t.kind == "LPAR":
            self.enter(t.pos)
            inner = self.expr_()
            close = self.peek()
            if close is None or close.kind != "RPAR":
                raise _ExprError("unbalanced '(': a ')' is missing", t.pos)
            self.i += 1
            self.depth -= 1
            return inner
        if t.kind == "RPAR":
            raise _ExprError("unbalanced ')' (or an empty '()')", t.pos)
        raise _ExprError(f"expected a number, a label or '(', found {t.value!r}", t.pos)

    def call(self, name: _ExprTok) -> _Node:
        fn = name.value
        if fn not in _FUNCS:
            raise _ExprError(f"unknown function {fn}(); allowed: "
                             + ", ".join(f"{f}()" for f in sorted(_FUNCS)), name.pos)
        lpar = self.toks[self.i]
        self.i += 1
        self.enter(lpar.pos)
        args: list[_Node] = []
        if self.peek() is not None and self.peek().kind == "RPAR":  # type: ignore[union-attr]
            raise _ExprError(f"{fn}() takes one argument, got none", name.pos)
        while True:
            args.append(self.expr_())
            t = self.peek()
            if t is not None and t.kind == "COMMA":
                self.i += 1
                continue
            if t is None or t.kind != "RPAR":
                raise _ExprError(f"unbalanced '(' in {fn}(: a ')' is missing", lpar.pos)
            self.i += 1
            break
        self.depth -= 1
        if len(args) != 1:
            raise _ExprError(f"{fn}() takes one argument, got {len(args)}", name.pos)
        return self.node(("call", fn, args[0]), name.pos)


def _fold(node: _Node, expr: str) -> _Node:
    """Evaluate constant sub-expressions once, with float arithmetic (bounded: see above)."""
    kind = node[0]
    if kind in ("num", "var"):
        return node
    if kind == "neg":
        a = _fold(node[1], expr)
        return ("num", -a[1]) if a[0] == "num" else ("neg", a)
    if kind == "call":
        a = _fold(node[2], expr)
        if a[0] != "num":
            return ("call", node[1], a)
        try:
            val = _MATH[node[1]](a[1])
        except (ValueError, OverflowError):
            val = math.nan
        return _constant(val, f"{node[1]}({a[1]:g})", expr)
    if kind == "pow":
        a, b = _fold(node[1], expr), _fold(node[2], expr)
        if a[0] == "num" and b[0] == "num":
            try:
                val = a[1] ** b[1]
            except (ZeroDivisionError, OverflowError):
                val = math.inf
            if isinstance(val, complex):
                val = math.nan
            return _constant(val, f"{a[1]:g}^{b[1]:g}", expr)
        if b[0] == "num" and abs(b[1]) > MAX_EXPONENT:
            raise _ExprError(f"the exponent {b[1]:g} is too large (at most {MAX_EXPONENT:g} in "
                             "magnitude)", 0)
        return ("pow", a, b)
    items = [(op, _fold(n, expr)) for op, n in node[1]]
    if all(n[0] == "num" for _, n in items):
        try:
            if kind == "sum":
                val = math.fsum(s * n[1] for s, n in items)
            else:
                val = items[0][1][1]
                for op, n in items[1:]:
                    val = val * n[1] if op == "*" else val / n[1]
        except ZeroDivisionError:
            val = math.inf
        except OverflowError:
            val = math.inf
        return _constant(val, "a constant sum or product", expr)
    return (kind, items)


def _constant(val: float, what: str, expr: str) -> _Node:
    if not math.isfinite(val):
        raise _ExprError(f"the constant part {what} is not a finite number in float arithmetic "
                         "(overflow, division by zero or a value outside the function's domain); "
                         "correct the expression", 0)
    return ("num", float(val))


def _closure(node: _Node) -> Callable[[dict[str, object]], object]:
    """Compile a (folded) node into nested closures (no ``eval``)."""
    kind = node[0]
    if kind == "num":
        c = np.float64(node[1])
        return lambda env: c
    if kind == "var":
        name = node[1]
        return lambda env: env[name]
    if kind == "neg":
        f = _closure(node[1])
        return lambda env: -f(env)  # type: ignore[operator]
    if kind == "call":
        fn, g = _FUNCS[node[1]], _closure(node[2])
        return lambda env: fn(g(env))
    if kind == "pow":
        fa, fb = _closure(node[1]), _closure(node[2])
        return lambda env: fa(env) ** fb(env)  # type: ignore[operator]
    parts = [(op, _closure(n)) for op, n in node[1]]
    if kind == "sum":
        def total(env: dict[str, object]) -> object:
            acc: object = 0.0
            for s, f in parts:
                acc = acc + f(env) if s > 0 else acc - f(env)  # type: ignore[operator]
            return acc
        return total

    def product(env: dict[str, object]) -> object:
        acc: object = parts[0][1](env)
        for op, f in parts[1:]:
            acc = acc * f(env) if op == "*" else acc / f(env)  # type: ignore[operator]
        return acc
    return product


def _read_expression(expr: str) -> tuple[_Node, tuple[str, ...]]:
    """Parse and fold ``expr``; raise _ExprError with an offset into ``expr``."""
    p = _ExprParser(expr)
    tree = p.parse()
    return _fold(tree, expr), tuple(p.names)


def _check_expression(expr: str, pos: int, posmap: list[tuple[int, int]], lines: list[str]) -> tuple[str, ...]:
    """Validate an expression of the model text; return the names it uses."""
    try:
        return _read_expression(expr)[1]
    except _ExprError as err:
        _raise_at(pos + err.offset, posmap, lines, err.message)
    except RecursionError:  # pragma: no cover - the depth bound comes first
        _raise_at(pos, posmap, lines, "the expression is nested too deeply; simplify it")
    raise AssertionError  # unreachable


def _as_number(v: object) -> object:
    if isinstance(v, bool):
        raise SpecificationError(f"a value of an expression must be a number, not {v!r}")
    if isinstance(v, (int, float)):
        return np.float64(v)
    if isinstance(v, complex):
        return np.complex128(v)
    return v


def compile_expression(expr: str) -> tuple[Callable[[dict[str, object]], object], tuple[str, ...]]:
    """Compile a ``:=`` / constraint expression into a function of named values.

    The expression uses numbers, names, ``+ - * / ^`` (``**`` as in R), parentheses and
    the functions ``exp log sqrt abs sin cos tan tanh``. Arithmetic is floating point only
    (numbers are floats, so ``9^9^9^9`` is an overflow, never an endless integer power);
    the expression is bounded (:data:`MAX_EXPRESSION_CHARS` characters,
    :data:`MAX_EXPRESSION_NODES` operations, :data:`MAX_EXPRESSION_DEPTH` levels of
    nesting, constant exponents up to :data:`MAX_EXPONENT`), so one evaluation costs at
    most a few thousand float operations. Works with floats, numpy arrays (batched
    evaluation) and complex numbers (complex-step derivatives; ``abs`` keeps the step).
    Evaluation never raises or warns on arithmetic: a division by zero, an overflow or a
    value outside a function's domain gives ``inf``/``nan``, which the caller reports.

    Returns
    -------
    func : callable
        ``func(values)`` evaluates the expression with ``values[name]`` for each name.
    names : tuple of str
        The names the expression uses, in first-use order.

    Raises
    ------
    acsi.ModelSyntaxError
        The expression does not parse, is too large, calls an unknown function or a
        function with the wrong number of arguments, or has a constant part that is not
        finite (``1/0``, ``9^9^9^9``, ``log(0)``).

    Examples
    --------
    >>> f, names = compile_expression("a*b + c^2")
    >>> names, f({"a": 2.0, "b": 3.0, "c": 1.0})
    (('a', 'b', 'c'), 7.0)
    """
    if not isinstance(expr, str):
        raise ModelSyntaxError(f"an expression must be a string, not {type(expr).__name__}")
    try:
        tree, names = _read_expression(expr)
    except _ExprError as err:
        raise ModelSyntaxError(err.message, column=err.offset + 1, text=expr) from None
    run = _closure(tree)
    used = frozenset(names)

    def func(values: dict[str, object]) -> object:
        missing = [n for n in names if n not in values]
        if missing:
            raise SpecificationError(
                f"the expression {expr!r} needs a value for {', '.join(map(repr, missing))}"
            )
        env = {k: _as_number(v) for k, v in values.items() if k in used}
        with np.errstate(all="ignore"):
            out = run(env)
        if isinstance(out, np.floating):
            return float(out)
        if isinstance(out, np.complexfloating):
            return complex(out)
        return out

    return func, names


# --------------------------------------------------------------------------- names vs data


def expressible(name: object) -> bool:
    """True when ``name`` can be written in the model syntax as one variable name.

    A name is text that starts with a letter (or ``.`` and a letter) and holds letters,
    digits, ``_`` and ``.``; ``NA`` is a modifier, not a name.

    Examples
    --------
    >>> expressible("Q1"), expressible("Q 1"), expressible(8), expressible("1x")
    (True, False, False, False)
    """
    return isinstance(name, str) and name != "NA" and _NAME_RE.fullmatch(name) is not None


def _syntax_name(label: object) -> str:
    """A name the syntax can express, made from a column label (for the suggested rename)."""
    text = "_".join(map(str, label)) if isinstance(label, tuple) else str(label)
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"\W+", "_", text).strip("_") or "x"
    return text if _NAME_RE.fullmatch(text) else f"q{text}"


def check_model_names(names: Sequence[str], data: object, where: Mapping[str, str] | None = None) -> None:
    """Model names that are not columns because the data's columns cannot be named.

    Raises a :class:`acsi.DataError` with the rename when a name of the model is absent
    from ``data.columns`` and the column it most likely means cannot be written in the
    syntax (a label with a space, a leading digit, an integer label, a tuple of a
    MultiIndex, a Unicode compatibility spelling); other absent names are left to the data
    checks, which then never suggest a column the syntax cannot name.

    Parameters
    ----------
    names : sequence of str
        The observed-variable names of the model.
    data : object
        The data; anything but a pandas DataFrame is left alone.
    where : mapping, optional
        Name -> model line, for the message.
    """
    if not isinstance(data, pd.DataFrame):
        return
    cols = data.columns
    if not isinstance(cols, pd.MultiIndex) and all(name in cols for name in names):
        return  # every name is a column: nothing to explain
    where = where or {}
    present = set(cols)
    labels = list(cols)
    text = [str(c) for c in labels]
    fix = "df.columns = [" + ("'_'.join(map(str, c))" if isinstance(cols, pd.MultiIndex) else
                              "str(c).strip().replace(' ', '_')") + " for c in df.columns]"
    fix_any = "df.columns = [re.sub(r'\\W+', '_', str(c)) for c in df.columns]"
    for name in names:
        if name in present:
            continue
        loc = f" ({where[name]})" if name in where else ""
        if isinstance(cols, pd.MultiIndex):
            raise DataError(
                f"variable {name!r}{loc} is not a column: the data has MultiIndex columns "
                f"(tuples such as {labels[0]!r}), which the model syntax cannot name. Flatten "
                f"them first: {fix}"
            )
        key = unicodedata.normalize("NFKC", name)
        same = [lab for lab, t in zip(labels, text) if unicodedata.normalize("NFKC", t) == key]
        close = difflib.get_close_matches(name, text, n=1, cutoff=0.5)
        if not close and name.lower() in {t.lower() for t in text}:
            close = [next(t for t in text if t.lower() == name.lower())]
        target = same[0] if same else (labels[text.index(close[0])] if close else None)
        if same and isinstance(target, str) and expressible(target):
            raise DataError(
                f"variable {name!r}{loc} is not a column of the data; the column {target!r} "
                "differs from it only by Unicode normalisation (full-width or compatibility "
                "characters, NFKC), and acsi does not fold names silently. Write the name as in "
                f"the data, or normalise the columns: df.columns = "
                "[unicodedata.normalize('NFKC', str(c)) for c in df.columns]"
            )
        if target is None or expressible(target):
            continue
        why = "is most likely meant"
        if not isinstance(target, str):
            kind = f"a label of type {type(target).__name__}, not text"
        elif not target.strip() or " " in target or "\t" in target:
            kind = "a label with a space"
        elif target[:1].isdigit():
            kind = "a label that starts with a digit"
        elif unicodedata.normalize("NFKC", target) != target:
            kind = "a label with compatibility (full-width) characters"
        else:
            kind = "a label with characters the syntax cannot hold"
        raise DataError(
            f"variable {name!r}{loc} is not a column of the data; the column {target!r} {why}, "
            f"but it is {kind}, which the model syntax cannot name. Rename the column first, e.g. "
            f"df = df.rename(columns={{{target!r}: {_syntax_name(target)!r}}}) or for all columns "
            f"{_INT_FIX if not isinstance(target, str) else fix if ' ' in target else fix_any}"
        )


_INT_FIX = "df.columns = [f'q{c}' for c in df.columns]"
