"""Model syntax parser: lavaan's grammar, errors with line/column, and a fuzz contract."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acsi import ModelSyntaxError
from acsi.spec.syntax import compile_expression, parse_model


def rows(src):
    return [(s.lhs, s.op, s.rhs, s.fixed, s.label, s.free, s.start) for s in parse_model(src)]


def test_operators_and_modifiers():
    got = rows(
        """
        visual =~ x1 + a*x2 + a*x3   # shared label
        speed  =~ NA*x7 + x8; speed ~~ 1*speed
        y ~ 1
        ind := b*c
        comp <~ z1 + z2
        """
    )
    assert got == [
        ("visual", "=~", "x1", None, None, False, None),
        ("visual", "=~", "x2", None, "a", False, None),
        ("visual", "=~", "x3", None, "a", False, None),
        ("speed", "=~", "x7", None, None, True, None),
        ("speed", "=~", "x8", None, None, False, None),
        ("speed", "~~", "speed", 1.0, None, False, None),
        ("y", "~1", "", None, None, False, None),
        ("ind", ":=", "b*c", None, None, False, None),
        ("comp", "<~", "z1", None, None, False, None),
        ("comp", "<~", "z2", None, None, False, None),
    ]


def test_multiline_and_multiple_lhs():
    got = rows("y1 + y2 ~ b*x +\n   c*z\nf =~ x1\n  + x2")
    assert got == [
        ("y1", "~", "x", None, "b", False, None),
        ("y1", "~", "z", None, "c", False, None),
        ("y2", "~", "x", None, "b", False, None),
        ("y2", "~", "z", None, "c", False, None),
        ("f", "=~", "x1", None, None, False, None),
        ("f", "=~", "x2", None, None, False, None),
    ]


def test_start_label_negative_fixed_and_merge():
    got = rows('f =~ start(0.5)*x1 + label("q")*x2 + -1*x3 + x4 + a*x4')
    assert got[0][6] == 0.5 and got[1][4] == "q" and got[2][3] == -1.0
    assert got[3] == ("f", "=~", "x4", None, "a", False, None)
    assert len(got) == 4


def test_positions_point_at_the_offending_text():
    with pytest.raises(ModelSyntaxError) as err:
        parse_model("f =~ x1 + x2\ng =~ y1 ++ y2")
    assert err.value.line == 2
    assert err.value.column == 10  # the second "+"
    assert "g =~ y1 ++ y2" in err.value.text


@pytest.mark.parametrize(
    "bad",
    ["", "x =~", "f x1", "f =~ 2", "d := a +", "f =~ x1 ~ x2", "f =~ NA", "f =~ x1 + (x2",
     "y ~ c(1, a)*x", "f =~ 1*NA*x1", "d := __import__('os')", "f + g =~ x1", "f =~ 1*x + NA*x"],
)
def test_bad_syntax_raises_model_syntax_error(bad):
    with pytest.raises(ModelSyntaxError):
        parse_model(bad)


def test_non_string_model():
    with pytest.raises(ModelSyntaxError, match="must be a string"):
        parse_model(None)  # type: ignore[arg-type]


def test_expression_compiles_for_floats_and_complex():
    f, names = compile_expression("a*b + c^2 - exp(0)")
    assert names == ("a", "b", "c")
    assert f({"a": 2.0, "b": 3.0, "c": 1.0}) == pytest.approx(6.0)
    h = 1e-20
    assert f({"a": 2.0 + 1j * h, "b": 3.0, "c": 1.0}).imag / h == pytest.approx(3.0)


_alphabet = st.sampled_from(list("abxyzF12 \n;#!+*~=<>:()\"'.,-^/_NA\t") + ["=~", "~~", ":=", "NA*", "start("])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_alphabet, max_size=40).map("".join))
def test_parser_raises_only_model_syntax_error(text):
    try:
        parse_model(text)
    except ModelSyntaxError:
        pass


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_parser_raises_only_model_syntax_error_on_any_text(text):
    try:
        parse_model(text)
    except ModelSyntaxError:
        pass


def test_intercept_modifiers():
    got = rows("x1 ~ 0*1; x2 ~ a*1; x3 ~ NA*1 + 1")
    assert got == [
        ("x1", "~1", "", 0.0, None, False, None),
        ("x2", "~1", "", None, "a", False, None),
        ("x3", "~1", "", None, None, True, None),
    ]


def test_expression_evaluates_arrays_and_bounds_its_size():
    import numpy as np

    f, names = compile_expression("a*b - sqrt(abs(a))")
    a = np.array([1.0, 4.0])
    np.testing.assert_allclose(f({"a": a, "b": 2.0}), a * 2.0 - np.sqrt(a))
    f, names = compile_expression(" + ".join(f"p{i}" for i in range(500)))  # a long sum is fine
    assert len(names) == 500 and f({f"p{i}": 1.0 for i in range(500)}) == 500.0


def test_expression_values_never_raise_on_arithmetic():
    f, _ = compile_expression("log(a) + 1/b + sqrt(c) + a^1000")
    value = f({"a": 0.0, "b": 0.0, "c": -1.0})
    assert value != value or abs(value) == float("inf")  # nan or inf, for the caller to report


def test_repeated_bare_term_is_an_error_but_modifiers_merge():
    with pytest.raises(ModelSyntaxError, match=r"column 11: the indicator 'x1' is listed twice"):
        parse_model("F =~ x1 + x1 + x2")
    assert rows("f =~ x1 + a*x1")[0] == ("f", "=~", "x1", None, "a", False, None)
