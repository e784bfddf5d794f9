# ruff: noqa: E501  (the catalogue is a table: one case per line, however long its regex)
"""Bad-input catalogue: model text, labels, `:=` expressions, names vs data, model builders.

Each case is one line: the callable and its arguments, the exception or warning class, and
a regex that the message must match: it names the culprit (model line and column, label,
column or argument) and the way out. ``HS`` stands for the Holzinger-Swineford data (the
session fixture), ``D(f)`` for data made from it by ``f`` (renamed columns and the like).

Below the table: hypothesis property tests (random texts through the parser, random
expressions through the evaluator) that allow only acsi's own exceptions and bound the time.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import acsi
from acsi.exceptions import (
    AcsiError,
    AcsiWarning,
    DataError,
    IdentificationError,
    ModelSyntaxError,
    SpecificationError,
)
from acsi.spec.partable import build_partable
from acsi.spec.syntax import compile_expression, parse_model

parse, sem, cfa, pls = parse_model, acsi.sem, acsi.cfa, acsi.pls
m_acsi, m_ecsi, m_servqual = acsi.models.acsi, acsi.models.ecsi, acsi.models.servqual


class D:
    """Data derived from the Holzinger-Swineford fixture when the case runs."""

    def __init__(self, make: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
        self.make = make


HS = D(lambda hs: hs)
CF = "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\n"  # two factors with labels a, b
PL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual\n"
SPACE = D(lambda hs: hs.rename(columns={"x1": "x 1"}))
INTS = D(lambda hs: hs[[f"x{i}" for i in range(1, 10)]].set_axis(range(1, 10), axis=1))
MULTI = D(lambda hs: hs[[f"x{i}" for i in range(1, 10)]].set_axis(
    pd.MultiIndex.from_tuples([("x", str(i)) for i in range(1, 10)]), axis=1))
WIDE = D(lambda hs: hs.rename(columns={"x1": "\uff58\uff11"}))  # full-width "x1"
DIGIT = D(lambda hs: hs.rename(columns={"x1": "1x1"}))
DOT = D(lambda hs: hs.rename(columns={"x1": "x1?"}))
# x1-x4 cut into three ordered categories at their terciles
ORDD = D(lambda hs: hs.assign(**{f"x{i}": np.digitize(hs[f"x{i}"], hs[f"x{i}"].quantile([1 / 3, 2 / 3])) + 1
                                 for i in range(1, 5)}))


def case(id: str, fn: Callable[..., Any], *args: Any, exc: type[BaseException] | type[Warning],
         match: str, **kwargs: Any) -> Any:
    return pytest.param(fn, args, kwargs, exc, match, id=id)


SUM300 = "d := " + " + ".join(["a", "b"] * 150)

CASES = [
    # ---- operators from other notations, typos, missing sides ---------------------------
    case("arrow-right", parse, "Sat -> Loy", exc=ModelSyntaxError, match=r"line 1, column 5: '->'.*'Loy ~ Sat'"),
    case("arrow-right-sem", sem, "F =~ x1 + x2 + x3\nF -> x4", HS, exc=ModelSyntaxError, match=r"line 2.*'x4 ~ F'"),
    case("arrow-left", parse, "Loy <- Sat", exc=ModelSyntaxError, match=r"line 1, column 5: '<-'.*'Loy ~ Sat'"),
    case("arrow-left-nospace", parse, "Loy<-Sat + Val", exc=ModelSyntaxError, match=r"'Loy ~ Sat \+ Val'"),
    case("tilde-equals", parse, "F ~= x1 + x2", exc=ModelSyntaxError, match=r"column 3: '~='.*'F =~ x1 \+ x2'"),
    case("tilde-equals-pls", pls, "F ~= x1 + x2 + x3", HS, exc=ModelSyntaxError, match=r"'~='.*'F =~ x1"),
    case("equals-space-tilde", parse, "F = ~ x1 + x2", exc=ModelSyntaxError, match=r"column 3: '= ~' has a space.*'F =~ x1 \+ x2'"),
    case("single-equals", parse, "F = x1 + x2", exc=ModelSyntaxError, match=r"column 3: '=' is not an operator.*'=~'"),
    case("colon", parse, "F: x1 + x2", exc=ModelSyntaxError, match=r"column 2: ':' is not an operator.*'=~'.*':='"),
    case("less-equal", parse, "a <= 0", exc=ModelSyntaxError, match=r"'<=' and '>=' are not operators.*'a > 0'"),
    case("greater-equal", parse, "a >= 0", exc=ModelSyntaxError, match=r"'<=' and '>=' are not operators"),
    case("no-operator", parse, "F x1 x2", exc=ModelSyntaxError, match=r"line 1, column 1: no operator.*F =~ x1 \+ x2"),
    case("nothing-left", parse, "=~ x1 + x2", exc=ModelSyntaxError, match=r"column 1: nothing before '=~'.*'F =~ x1 \+ x2'"),
    case("nothing-right", parse, "F =~", exc=ModelSyntaxError, match=r"column 4: nothing after '=~'.*'F =~ x1 \+ x2'"),
    case("nothing-right-regression", parse, "F =~ x1 + x2\nY ~", exc=ModelSyntaxError, match=r"line 2.*nothing after '~'.*'Y ~ x1"),
    case("nothing-after-define", parse, "d :=", exc=ModelSyntaxError, match=r"column 4: nothing after ':=': write an expression.*'ind := a\*b'"),
    case("two-operators", parse, "F =~ x1 ~ x2", exc=ModelSyntaxError, match=r"column 9: a second operator '~'.*new line or ';'"),
    case("plus-plus", parse, "F =~ x1 ++ x2", exc=ModelSyntaxError, match=r"column 10: an empty term: two '\+' in a row"),
    case("trailing-plus", parse, "F =~ x1 + x2 +", exc=ModelSyntaxError, match=r"line 1.*an empty term.*'\+' at the end"),
    case("comma-separated", parse, "F =~ x1, x2", exc=ModelSyntaxError, match=r"column 8: separate the terms with '\+', not ','"),
    case("minus-between-terms", parse, "F =~ x1 - x2", exc=ModelSyntaxError, match=r"column 9: .*'-' cannot join terms.*-1\*x"),
    case("hyphen-name", parse, "F =~ x-1 + x2", exc=ModelSyntaxError, match=r"column 7: .*'-' cannot join terms.*if 'x-1' is one column name, rename it.*re.sub"),
    case("hyphen-column", cfa, "F =~ x1 + x2 + x3", D(lambda hs: hs.rename(columns={"x1": "x-1"})), exc=DataError, match=r"the column 'x-1'.*rename\(columns=\{'x-1': 'x_1'\}\).*re.sub"),
    case("missing-plus", parse, "F =~ x1 x2", exc=ModelSyntaxError, match=r"column 9: a '\+' is missing between 'x1' and 'x2'.*rename"),
    case("unbalanced-open", parse, "F =~ start(0.5*x1 + x2", exc=ModelSyntaxError, match=r"unbalanced '\(': a '\)' is missing"),
    case("unbalanced-close", parse, "F =~ x1 + x2)", exc=ModelSyntaxError, match=r"column 13: unbalanced '\)'"),
    case("parens-around-names", parse, "F =~ (x1 + x2)", exc=ModelSyntaxError, match=r"column 6: parentheses are only for modifiers"),
    case("lhs-ends-plus", parse, "y1 + ~ x", exc=ModelSyntaxError, match=r"left-hand side cannot end in '\+'"),
    case("two-constructs-one-block", parse, "F + G =~ x1", exc=ModelSyntaxError, match=r"one construct per '=~' formula"),
    case("intercept-with-measure", parse, "F =~ 1", exc=ModelSyntaxError, match=r"column 6: expected a variable name, found the number 1"),
    case("na-as-variable", parse, "F =~ NA", exc=ModelSyntaxError, match=r"'NA' is a modifier \('NA\*x'\)"),
    case("unknown-modifier", parse, "F =~ foo(1)*x1", exc=ModelSyntaxError, match=r"unknown modifier foo\(\); use a number, NA, a label, start\(\)"),
    case("start-na", parse, "F =~ start(NA)*x1", exc=ModelSyntaxError, match=r"start\(NA\) is not a start value; give a number"),
    case("multigroup-modifier", build_partable, "y ~ c(a, b)*x", exc=SpecificationError, match=r"c\(\.\.\.\) modifier of y ~ x \(line 1: .*\) gives 2 labels, one per group, but the model is fitted to a single group"),
    case("multigroup-modifier-mixed", parse, "y ~ c(1, a)*x", exc=ModelSyntaxError, match=r"c\(\.\.\.\) mixes numbers and labels"),
    case("multigroup-length", cfa, CF.replace("a*x2", "c(a, b, c)*x2"), HS, group="school", exc=SpecificationError, match=r"gives 3 labels but the data have 2 groups \(Pasteur, Grant-White\)"),
    case("unterminated-string", parse, 'F =~ label("a)*x1', exc=ModelSyntaxError, match=r"column 12: unterminated string"),
    case("freed-and-fixed", parse, "F =~ NA*x1 + 1*x1", exc=ModelSyntaxError, match=r"'x1' is both freed \(NA\*\) and fixed"),
    case("conflicting-labels", parse, "F =~ a*x1 + b*x1", exc=ModelSyntaxError, match=r"conflicting modifiers for 'x1': label 'a' and 'b'"),
    case("empty-model", parse, "# only a comment\n", exc=ModelSyntaxError, match=r"the model is empty.*'F =~ x1 \+ x2 \+ x3'"),
    case("not-a-string", parse, ["F =~ x1"], exc=ModelSyntaxError, match=r"must be a string of lavaan-style syntax, not list"),
    case("second-line-position", sem, "visual =~ x1 + x2 + x3\ntextual =~ x4 ++ x5", HS, exc=ModelSyntaxError, match=r"line 2, column 16: an empty term"),
    # ---- names the syntax cannot express ----------------------------------------------
    case("name-with-space", parse, "F =~ Q 1 + Q2", exc=ModelSyntaxError, match=r"'Q 1' is one column name, rename it.*replace\(' ', '_'\)"),
    case("name-leading-digit", parse, "F =~ 1x + x2", exc=ModelSyntaxError, match=r"column 6: '1x' is not a valid name.*rename\(columns=\{'1x': 'q1x'\}\)"),
    case("integer-name", parse, "F =~ 8 + 9 + 10", exc=ModelSyntaxError, match=r"found the number 8.*if '8' is a column label.*f'q\{c\}'"),
    case("column-with-space-sem", cfa, CF, SPACE, exc=DataError, match=r"'x1' \(line 1: .*the column 'x 1'.*space.*rename\(columns=\{'x 1': 'x_1'\}\)"),
    case("column-with-space-pls", pls, PL, SPACE, exc=DataError, match=r"'x1' \(line 1: .*the column 'x 1'.*rename"),
    case("integer-columns-sem", cfa, "F =~ x1 + x2 + x3", INTS, exc=DataError, match=r"'x1' \(line 1.*the column 1 .*type int.*df.columns = \[f'q\{c\}'"),
    case("integer-columns-pls", pls, "F =~ x1 + x2 + x3", INTS, exc=DataError, match=r"the column 1 .*type int.*f'q\{c\}'"),
    case("multiindex-sem", cfa, "F =~ x1 + x2 + x3", MULTI, exc=DataError, match=r"'x1' \(line 1.*MultiIndex columns.*'_'.join\(map\(str, c\)\)"),
    case("multiindex-pls", pls, "F =~ x1 + x2 + x3", MULTI, exc=DataError, match=r"MultiIndex columns.*Flatten"),
    case("fullwidth-column-sem", cfa, CF, WIDE, exc=DataError, match=r"'x1'.*'\uff58\uff11' differs from it only by Unicode normalisation.*NFKC"),
    case("fullwidth-column-pls", pls, PL, WIDE, exc=DataError, match=r"only by Unicode normalisation.*unicodedata.normalize"),
    case("leading-digit-column", cfa, "F =~ x1 + x2 + x3", DIGIT, exc=DataError, match=r"the column '1x1'.*starts with a digit.*'q1x1'"),
    case("odd-character-column", cfa, "F =~ x1 + x2 + x3", DOT, exc=DataError, match=r"the column 'x1\?'.*cannot hold.*'x1'"),
    case("typo-suggests-nameable", cfa, "F =~ x1 + x2 + xx3", HS, exc=DataError, match=r"'xx3'.*did you mean 'x3'"),
    # ---- duplicates and Unicode normalisation -----------------------------------------
    case("indicator-twice", parse, "F =~ x1 + x1 + x2", exc=ModelSyntaxError, match=r"line 1, column 11: the indicator 'x1' is listed twice.*remove one"),
    case("indicator-twice-apart", parse, "F =~ x1 + x2 + x1", exc=ModelSyntaxError, match=r"column 16: the indicator 'x1' is listed twice"),
    case("indicator-twice-sem", cfa, "F =~ x1 + x1 + x2 + x3", HS, exc=ModelSyntaxError, match=r"line 1.*'x1' is listed twice"),
    case("indicator-twice-pls", pls, "F =~ x1 + x1 + x2", HS, exc=ModelSyntaxError, match=r"line 1.*'x1' is listed twice"),
    case("indicator-twice-labelled", parse, "F =~ a*x1 + a*x1 + x2", exc=ModelSyntaxError, match=r"'x1' is listed twice.*a\*x1 \+ start\(0.5\)\*x1"),
    case("predictor-twice", parse, "y ~ x1 + x1", exc=ModelSyntaxError, match=r"the variable 'x1' is listed twice on the right of '~'"),
    case("outcome-twice", parse, "y1 + y1 ~ x", exc=ModelSyntaxError, match=r"column 6: 'y1' is listed twice on the left of '~'"),
    case("indicator-two-lines-sem", cfa, "F =~ x1 + x2 + x3\nF =~ x1", HS, exc=SpecificationError, match=r"written twice \(line 1: .* and line 2: .*\); keep one"),
    case("indicator-two-lines-pls", pls, "F =~ x1 + x2 + x3\nF =~ x1", HS, exc=SpecificationError, match=r"line 2: .*'x1' is listed twice in the block of 'F'"),
    case("indicator-two-blocks-pls", pls, "F =~ x1 + x2\nG =~ x2 + x3", HS, exc=SpecificationError, match=r"'x2' is already in the block of 'F'.*Duplicate the column"),
    case("fullwidth-label", parse, "F =~ x1 + \uff42*x2 + b*x3", exc=ModelSyntaxError, match=r"line 1, column 20: the names '\uff42' .* and 'b' differ only by Unicode normalisation"),
    case("fullwidth-label-in-define", cfa, "F =~ x1 + b*x2 + x3\nd := \uff42^2", HS, exc=ModelSyntaxError, match=r"line 2.*'b' \(line 1: .*\) and '\uff42' differ only by Unicode"),
    case("fullwidth-construct", parse, "\uff26 =~ x1 + x2\nF ~ x3", exc=ModelSyntaxError, match=r"line 2.*'\uff26' \(line 1.*and 'F'.*NFKC"),
    # ---- := expressions: read errors (at parse time, naming the line) ------------------
    case("define-huge-power", cfa, CF + "d := 9^9^9^9", HS, exc=ModelSyntaxError, match=r"line 3, column 6: the constant part .* not a finite number"),
    case("define-huge-power-parse", parse, "d := a * 9^9^9^9", exc=ModelSyntaxError, match=r"line 1.*not a finite number in float arithmetic"),
    case("define-big-exponent", parse, "d := a^100000", exc=ModelSyntaxError, match=r"column 7: the exponent 100000 is too large \(at most 1024"),
    case("define-constant-div-zero", parse, "d := a + 1/0", exc=ModelSyntaxError, match=r"line 1.*constant part.*division by zero"),
    case("define-log-zero-constant", parse, "d := a*log(0)", exc=ModelSyntaxError, match=r"constant part log\(0\) is not a finite number"),
    case("define-sqrt-negative-constant", parse, "d := a*sqrt(-4)", exc=ModelSyntaxError, match=r"constant part sqrt\(-4\)"),
    case("define-exp-overflow-constant", parse, "d := a*exp(1000)", exc=ModelSyntaxError, match=r"constant part exp\(1000\).*overflow"),
    case("define-number-overflow", parse, "d := a*1e999", exc=ModelSyntaxError, match=r"column 8: the number 1e999 is too large for floating point"),
    case("fixed-value-overflow", parse, "F =~ 1e999*x1 + x2", exc=ModelSyntaxError, match=r"column 6: the fixed value inf is not a finite number"),
    case("start-value-overflow", parse, "F =~ start(-1e999)*x1 + x2", exc=ModelSyntaxError, match=r"column 6: the start value -inf is not a finite number"),
    case("define-arity-two", parse, "d := sqrt(a, b)", exc=ModelSyntaxError, match=r"line 1, column 6: sqrt\(\) takes one argument, got 2"),
    case("define-arity-zero", parse, "d := exp()", exc=ModelSyntaxError, match=r"exp\(\) takes one argument, got none"),
    case("define-unknown-function", parse, "d := foo(a)", exc=ModelSyntaxError, match=r"column 6: unknown function foo\(\); allowed: abs\(\)"),
    case("define-python-injection", parse, "d := __import__('os')", exc=ModelSyntaxError, match=r"line 1"),
    case("define-dotted-name", cfa, CF + "d := a.real", HS, exc=SpecificationError, match=r"'d' \(line 3: d := a.real\) uses 'a.real', which is not a label"),
    case("define-unbalanced", parse, "d := (a + b", exc=ModelSyntaxError, match=r"column 6: unbalanced '\(': a '\)' is missing"),
    case("define-unbalanced-close", parse, "d := a + b)", exc=ModelSyntaxError, match=r"column 11: unbalanced '\)'"),
    case("define-ends-early", parse, "d := a *", exc=ModelSyntaxError, match=r"ends too early: a number, a label or '\(' is missing"),
    case("define-two-names", parse, "d := a b", exc=ModelSyntaxError, match=r"column 8: expected an operator \(\+ - \* / \^\) before 'b'"),
    case("define-equals", parse, "d := a = b", exc=ModelSyntaxError, match=r"'=' is not an operator"),
    case("define-too-deep", parse, "d := " + "(" * 80 + "a" + ")" * 80, exc=ModelSyntaxError, match=r"nested too deeply \(more than 64"),
    case("define-too-large", parse, "d := " + "+".join(["a"] * 5000), exc=ModelSyntaxError, match=r"too large \(more than 4000.*split it"),
    case("define-too-long", parse, "d := " + "a" * 30000, exc=ModelSyntaxError, match=r"too long \(30000 characters; at most 20000\)"),
    case("define-left-not-name", parse, "a + b := c", exc=ModelSyntaxError, match=r"the left of ':=' must be one new parameter name"),
    case("define-unknown-label", cfa, CF + "d := a*c", HS, exc=SpecificationError, match=r"'d' \(line 3: d := a\*c\) uses 'c', which is not a label.*labels are: a, b"),
    case("define-redefines-label", cfa, CF + "a := b^2", HS, exc=SpecificationError, match=r"'a' \(line 3: a := b\^2\) already names a parameter; choose a new name"),
    case("define-in-pls", pls, PL + "d := 2", HS, exc=SpecificationError, match=r"line 4: d := 2.*defined parameters are not supported by acsi.pls.*acsi.sem"),
    case("compile-not-string", compile_expression, 3.0, exc=ModelSyntaxError, match=r"an expression must be a string, not float"),
    # ---- := values at the estimate: a warning naming the parameter, and NaN --------------
    case("define-sqrt-negative", cfa, CF + "d := sqrt(-a)", HS, exc=AcsiWarning, match=r"'d' \(line 3: d := sqrt\(-a\)\) is not a finite number at the estimate \(a = 0.55.*NaN"),
    case("define-div-zero", cfa, CF + "d := a/(b-b)", HS, exc=AcsiWarning, match=r"'d' \(line 3: d := a/\(b-b\)\).*divides by zero.*NaN"),
    case("define-log-zero", cfa, CF + "d := log(a-a)", HS, exc=AcsiWarning, match=r"'d' \(line 3.*logarithm outside its domain.*NaN"),
    case("define-log-negative", cfa, CF + "d := log(a - 1)", HS, exc=AcsiWarning, match=r"'d' \(line 3.*\(a = 0.55.*reported as NaN"),
    case("define-overflow", cfa, CF + "d := exp(a*2000)", HS, exc=AcsiWarning, match=r"'d' \(line 3.*overflows"),
    case("define-se-overflow", cfa, CF + "d := exp(a*1000)", HS, exc=AcsiWarning, match=r"standard error of the defined parameter 'd' \(line 3.*NaN"),
    case("define-chain", cfa, CF + "d := a - a\ne := 1/d", HS, exc=AcsiWarning, match=r"'e' \(line 4: e := 1/d\) is not a finite number"),
    # ---- constraints and specification errors of sem/cfa --------------------------------
    case("measured-by-itself", cfa, "F =~ F + x1 + x2", HS, exc=SpecificationError, match=r"'F' is measured by itself \(line 1"),
    case("regressed-on-itself", sem, "F =~ x1 + x2 + x3\nx4 ~ x4", HS, exc=SpecificationError, match=r"'x4' is regressed on itself \(line 2"),
    case("label-is-variable", cfa, "F =~ x1 + x2 + x4*x3\nG =~ x4 + x5 + x6", HS, exc=SpecificationError, match=r"label 'x4' \(line 1.*is also the name of a variable; choose another label"),
    case("composite-in-sem", sem, "F <~ x1 + x2", HS, exc=SpecificationError, match=r"composite formula '<~' \(line 1.*use acsi.pls\(\)"),
    case("constraint-unknown-label", cfa, CF + "a > 2*zz", HS, exc=SpecificationError, match=r"constraint 'a > 2\*zz' \(line 3: a > 2\*zz\) uses 'zz', which is not a label.*labels are: a, b"),
    case("constraint-no-parameter", cfa, "visual =~ x1 + a*x2 + 1*b*x3\ntextual =~ x4 + x5 + x6\nb == 2", HS, exc=SpecificationError, match=r"'b == 2' \(line 3: b == 2\) involves no free parameter"),
    case("constraint-cannot-hold", cfa, CF + "a > 1\na < 0", HS, exc=SpecificationError, match=r"'a > 1' \(line 3: a > 1\); 'a < 0' \(line 4: a < 0\) cannot hold"),
    case("constraint-impossible", cfa, CF + "a^2 == -1", HS, exc=SpecificationError, match=r"'a\^2 == -1' \(line 3: a\^2 == -1\) cannot hold"),
    case("equality-unknown-label", cfa, CF + "a == c", HS, exc=SpecificationError, match=r"'c' in the constraint line 3: a == c is not a label.*labels are: a, b"),
    case("label-mixed-kinds", cfa, "F =~ x1 + a*x2 + x3\nx4 ~~ a*x4\nF =~ x4", HS, exc=SpecificationError, match=r"label 'a' is shared by parameters of different kinds"),
    case("no-scale", cfa, "F =~ NA*x1 + x2 + x3", HS, exc=IdentificationError, match=r"factor 'F' has no scale.*std_lv=True"),
    case("only-defined", cfa, "d := 1", HS, exc=SpecificationError, match=r"no '=~', '~' or '~~' formula"),
    # ---- PLS-specific text ----------------------------------------------------------------
    case("pls-label", pls, "F =~ x1 + a*x2 + x3", HS, exc=SpecificationError, match=r"line 1.*label 'a\*' has no meaning in PLS.*write 'x2' without"),
    case("pls-fixed", pls, "F =~ x1 + 1*x2 + x3", HS, exc=SpecificationError, match=r"line 1.*fixed values.*write 'x2' without the modifier"),
    case("pls-covariance", pls, PL + "x1 ~~ x2", HS, exc=SpecificationError, match=r"line 4: x1 ~~ x2.*Remove the line"),
    case("pls-path-to-indicator", pls, PL + "x1 ~ visual", HS, exc=SpecificationError, match=r"line 4.*'x1' in a structural path.*indicator of 'visual'"),
    case("pls-cycle", pls, PL + "visual ~ textual", HS, exc=SpecificationError, match=r"cycle.*Remove one of the paths"),
    case("pls-model-not-text", pls, 42, HS, exc=SpecificationError, match=r"model must be lavaan-style model syntax \(a str\), not int"),
    # ---- model builders: a str is one item, never characters -----------------------------
    case("builder-str-list", m_acsi, quality="q1, q2", satisfaction=["s1"], exc=SpecificationError, match=r"quality='q1, q2' is one string.*ONE item name.*quality=\['q1', 'q2'\]"),
    case("builder-str-spaces", m_ecsi, image="i1 i2", exc=SpecificationError, match=r"image='i1 i2' is one string.*image=\['i1', 'i2'\]"),
    case("builder-str-plus", m_servqual, tangibles="t1+t2", exc=SpecificationError, match=r"tangibles='t1\+t2'.*\['t1', 't2'\]"),
    case("builder-int", m_acsi, quality=5, satisfaction=["s1"], exc=SpecificationError, match=r"quality must be a list of column names.*not int 5"),
    case("builder-dict", m_acsi, quality={"q1": 1}, satisfaction=["s1"], exc=SpecificationError, match=r"quality must be a list.*not dict"),
    case("builder-set", m_acsi, quality={"q1", "q2"}, satisfaction=["s1"], exc=SpecificationError, match=r"a set has no order"),
    case("builder-bytes", m_acsi, quality=b"q1", satisfaction=["s1"], exc=SpecificationError, match=r"not bytes"),
    case("builder-int-items", m_acsi, quality=[8, 9], satisfaction=["s1"], exc=SpecificationError, match=r"quality: item 8 is not a column name.*f'q\{c\}'.*quality=\['q8'"),
    case("builder-space-item", m_acsi, quality=["q 1"], satisfaction=["s1"], exc=SpecificationError, match=r"quality: 'q 1' cannot be used in model syntax.*rename\(columns=\{'q 1': 'q_1'\}\)"),
    case("builder-empty", m_acsi, quality=[], satisfaction=["s1"], exc=SpecificationError, match=r"quality=\[\] has no items"),
    case("builder-duplicate", m_acsi, quality=["q1", "q1"], satisfaction=["s1"], exc=SpecificationError, match=r"quality: item\(s\) \['q1'\] are listed more than once"),
    case("builder-item-twice", m_acsi, quality=["q1"], satisfaction=["q1"], exc=SpecificationError, match=r"item 'q1' is given for both quality and satisfaction"),
    case("builder-required", m_acsi, quality=["q1"], exc=SpecificationError, match=r"needs satisfaction=\[\.\.\.\]"),
    case("builder-mode", m_acsi, quality=["q1"], satisfaction=["s1"], mode="C", exc=SpecificationError, match=r"mode 'C' for Quality is not 'A'.*or 'B'"),
    case("builder-mode-unknown", m_acsi, quality=["q1"], satisfaction=["s1"], mode={"Qual": "B"}, exc=SpecificationError, match=r"mode has entries for \['Qual'\]"),
    # ---- thresholds in the model text (y | t1 + t2): names, items, the data's categories --
    case("threshold-name", parse, "F =~ y1 + y2 + y3\ny1 | tau1", exc=ModelSyntaxError, match=r"line 2, column 6: 'tau1' is not a threshold name.*t1, t2"),
    case("threshold-t0", parse, "F =~ y1 + y2 + y3\ny1 | t0 + t1", exc=ModelSyntaxError, match=r"'t0' is not a threshold name"),
    case("threshold-number", parse, "F =~ y1 + y2 + y3\ny1 | 1", exc=ModelSyntaxError, match=r"expected a threshold name.*'1\*t1'"),
    case("threshold-latent", sem, "F =~ x1 + x2 + x3\nF | t1", ORDD, ordered=True, exc=ModelSyntaxError, match=r"line 2.*'F' is a latent variable.*thresholds"),
    case("threshold-not-in-model", sem, "F =~ x1 + x2 + x3\nx4 | t1", ORDD, ordered=True, exc=ModelSyntaxError, match=r"'x4' has thresholds but is not in any other formula"),
    case("threshold-not-ordered", sem, "F =~ x1 + x2 + x3\nx1 | t1", ORDD, ordered=["x2", "x3"], exc=ModelSyntaxError, match=r"line 2.*'x1' has thresholds.*not an ordinal item: add it to ordered="),
    case("threshold-continuous-fit", sem, "F =~ x1 + x2 + x3\nx1 | t1", HS, exc=ModelSyntaxError, match=r"line 2.*'x1' has thresholds.*no item is ordinal.*ordered=\['x1'"),
    case("threshold-beyond-categories", sem, "F =~ x1 + x2 + x3\nx1 | t1 + t3", ORDD, ordered=True, exc=ModelSyntaxError, match=r"line 2.*x1 \| t3: 'x1' has 3 observed categories, so its thresholds are t1 .. t2; there is no t3"),
    case("threshold-twice", sem, "F =~ x1 + x2 + x3\nx1 | t1\nx1 | 0.5*t1", ORDD, ordered=True, exc=SpecificationError, match=r"x1 \| t1 is written twice"),
    case("threshold-label-kinds", sem, "F =~ x1 + a*x2 + x3\nx1 | a*t1", ORDD, ordered=True, exc=SpecificationError, match=r"label 'a' is shared by parameters of different kinds.*a threshold"),
    case("threshold-pls", pls, "F =~ x1 + x2 + x3\nx1 | t1", HS, exc=SpecificationError, match=r"'\|' thresholds of ordinal items are not parameters of a PLS"),
    case("servqual-loyalty-alone", m_servqual, tangibles=["t1"], loyalty=["l1"], exc=SpecificationError, match=r"loyalty needs satisfaction"),
]


def _resolve(arg: Any, hs: pd.DataFrame) -> Any:
    return arg.make(hs) if isinstance(arg, D) else arg


@pytest.mark.parametrize(("fn", "args", "kwargs", "exc", "match"), CASES)
def test_bad_model_text(fn, args, kwargs, exc, match, hs) -> None:
    args = tuple(_resolve(a, hs) for a in args)
    if issubclass(exc, Warning):
        with pytest.warns(exc, match=match):
            res = fn(*args, **kwargs)
            est = res.estimates
        row = est[est["op"] == ":="].iloc[-1]
        assert np.isnan(row["se"]), "a non-finite defined parameter is reported as NaN"
        return
    with pytest.raises(exc, match=match) as err:
        fn(*args, **kwargs)
    assert isinstance(err.value, AcsiError)


def test_catalogue_size() -> None:
    assert len(CASES) >= 70
    assert len({p.id for p in CASES}) == len(CASES)


# ----------------------------------------------------------------------- working inputs


def test_long_defined_sum_is_accepted(hs) -> None:
    res = cfa(CF + SUM300, hs)
    est = res.estimates.set_index("label")["est"]
    assert est["d"] == pytest.approx(150 * (est["a"] + est["b"]), rel=1e-12)


def test_huge_power_does_not_hang() -> None:
    start = time.perf_counter()
    with pytest.raises(ModelSyntaxError, match="line 1"):
        parse("d := 9^9^9^9^9^9^9^9")
    assert time.perf_counter() - start < 1.0


def test_power_of_a_parameter_is_float_arithmetic() -> None:
    f, names = compile_expression("a^b^c")
    assert names == ("a", "b", "c")
    assert np.isinf(f({"a": 9.0, "b": 9.0, "c": 9.0}))  # overflow is inf, reported by the caller


def test_r_precedence() -> None:
    f, _ = compile_expression("-a^2 + 2^-1*b + a**2 + 2^3^2")
    assert f({"a": 3.0, "b": 4.0}) == pytest.approx(-9 + 2 + 9 + 512)


def test_abs_keeps_the_complex_step() -> None:
    f, _ = compile_expression("abs(a)*2")
    h = 1e-20
    assert f({"a": -1.5 + 1j * h}).imag / h == pytest.approx(-2.0)
    assert f({"a": -1.5}) == 3.0


def test_abs_in_defined_parameter_has_delta_se(hs) -> None:
    est = cfa(CF + "d := abs(a - 2)\ne := 2 - a", hs).estimates.set_index("label")
    assert est.loc["d", "est"] == pytest.approx(est.loc["e", "est"], rel=1e-12)
    assert est.loc["d", "se"] == pytest.approx(est.loc["e", "se"], rel=1e-10)


def test_repeated_term_with_modifiers_is_lavaans_idiom() -> None:
    got = [(s.rhs, s.label, s.start) for s in parse("F =~ x1 + a*x2 + start(0.5)*x2 + x3")]
    assert got == [("x1", None, None), ("x2", "a", 0.5), ("x3", None, None)]


def test_same_fullwidth_spelling_everywhere_is_kept() -> None:
    pt = build_partable("F =~ x1 + \uff42*x2 + \uff42*x3\nd := \uff42*2")
    assert "\uff42" in pt.label and pt.rhs[-1] == "\uff42*2"


def test_inequality_with_negative_number_still_parses() -> None:
    assert [(s.lhs, s.op, s.rhs) for s in parse("a < -1")] == [("a", "<", "-1")]


def test_str_item_is_one_item() -> None:
    assert m_servqual(tangibles="sat").splitlines() == ["Tangibles =~ sat"]


# ----------------------------------------------------------------------- property tests

_pieces = st.sampled_from(
    ["F", "G", "x1", "x2", "a", "b", "\uff42", " ", "\n", ";", "#", "+", "-", "*", "/", "^", "(", ")",
     ",", "=", "~", "<", ">", ":", "=~", "~~", ":=", "->", "<-", "~=", "NA", "1", "0", "9", "1e308",
     "start(", "label(", '"', "sqrt(", "log(", "exp("]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_pieces, max_size=30).map("".join))
def test_random_text_raises_only_model_syntax_error(text: str) -> None:
    start = time.perf_counter()
    try:
        parse(text)
    except ModelSyntaxError as err:
        assert str(err)
    assert time.perf_counter() - start < 1.0


_leaf = st.one_of(
    st.sampled_from(["a", "b", "c"]),
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(repr),
    st.integers(min_value=0, max_value=99).map(str),
)


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", "**"]), children).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"),
        children.map(lambda s: f"({s})"),
        children.map(lambda s: f"-{s}"),
        st.tuples(st.sampled_from(["exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "foo"]),
                  children).map(lambda t: f"{t[0]}({t[1]})"),
    )


_expr = st.recursive(_leaf, _grow, max_leaves=25)
_value = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=400, deadline=None)
@given(_expr, _value, _value, _value)
def test_random_expressions_raise_only_acsi_errors(expr: str, a: float, b: float, c: float) -> None:
    start = time.perf_counter()
    try:
        f, names = compile_expression(expr)
    except ModelSyntaxError as err:
        assert str(err)
        return
    assert set(names) <= {"a", "b", "c"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # evaluation neither raises nor warns on arithmetic
        value = f({"a": a, "b": b, "c": c})
        cvalue = f({"a": complex(a, 1e-20), "b": b, "c": c})
    assert isinstance(value, float) and isinstance(cvalue, (float, complex))
    assert time.perf_counter() - start < 1.0


@settings(max_examples=150, deadline=None)
@given(_expr)
def test_random_expressions_in_a_model_text(expr: str) -> None:
    try:
        parsed = parse(f"F =~ x1 + a*x2 + b*x3 + c*x4\nd := {expr}")
    except ModelSyntaxError:
        return
    assert parsed.statements[-1].op == ":="
    assert re.sub(r"\s", "", parsed.statements[-1].rhs) == re.sub(r"\s", "", expr)
