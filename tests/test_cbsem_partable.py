"""ParameterTable: lavaan's parTable() rows, numbering and defaults."""

from __future__ import annotations

import hashlib
import json
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pytest

from acsi.exceptions import IdentificationError, SpecificationError
from acsi.spec.partable import build_partable

DATA = Path(__file__).parent / "data" / "lavaan"
CASES = sorted(p.stem for p in DATA.glob("*.json") if not p.stem.startswith("a2_"))


def _ref(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.mark.parametrize("name", [c for c in CASES if "partable" in _ref(c)])
def test_partable_matches_lavaan(name: str) -> None:
    ref = _ref(name)
    o = ref["options"]
    pt = build_partable(ref["model"], std_lv=o["std.lv"], meanstructure=o["meanstructure"],
                        fixed_x=o["fixed.x"])
    rows = [r for r in ref["partable"] if r["op"] != "=="]  # lavaan's system equality rows
    assert list(pt.lhs) == [r["lhs"] for r in rows]
    assert list(pt.op) == [r["op"] for r in rows]
    assert list(pt.rhs) == [r["rhs"] for r in rows]
    assert list(pt.user) == [r["user"] for r in rows]
    assert list(pt.free) == [r["free"] for r in rows]
    assert list(pt.exo) == [r["exo"] for r in rows]
    assert list(pt.label) == [r["label"] for r in rows]
    assert list(pt.plabel) == [r["plabel"] for r in rows]
    want_ustart = np.array([np.nan if r["ustart"] is None else r["ustart"] for r in rows], float)
    np.testing.assert_array_equal(np.asarray(pt.ustart), want_ustart)
    assert pt.npar == ref["fit"]["npar"]


@pytest.mark.parametrize("name", [c for c in CASES if c.startswith("a1_") or "partable" in _ref(c)])
def test_parameter_estimates_rows(name: str) -> None:
    ref = _ref(name)
    o = ref["options"]
    pt = build_partable(ref["model"], std_lv=o["std.lv"], meanstructure=o["meanstructure"],
                        fixed_x=o["fixed.x"])
    assert [(a, b, c) for a, b, c in zip(pt.lhs, pt.op, pt.rhs)] == [
        (p["lhs"], p["op"], p["rhs"]) for p in ref["params"]
    ]


def test_variable_sets_and_order() -> None:
    pt = build_partable("x3 ~ x1 + x2\nx6 ~ x3 + x1")
    assert pt.ov_names == ("x3", "x6", "x1", "x2")
    assert pt.ov_x == ("x1", "x2")
    assert pt.ov_y == ("x6",)
    pt = build_partable("f =~ y1 + y2 + y3\ng =~ y4 + y5 + y6\ng ~ f + z")
    assert pt.lv_x == ("f",)
    assert pt.lv_y == ("g",)
    assert pt.ov_ind == ("y1", "y2", "y3", "y4", "y5", "y6")


def test_std_lv_frees_loadings_and_fixes_variances() -> None:
    pt = build_partable("f =~ y1 + y2 + y3", std_lv=True)
    df = pt.to_frame()
    assert (df.loc[df.op == "=~", "free"] > 0).all()
    var = df[(df.op == "~~") & (df.lhs == "f")]
    assert var["free"].iloc[0] == 0 and var["ustart"].iloc[0] == 1.0


def test_na_frees_marker_and_start_keeps_free() -> None:
    pt = build_partable("f =~ NA*y1 + start(0.5)*y2 + y3\nf ~~ 1*f")
    assert pt.free[:3] == (1, 2, 3)
    assert pt.ustart[1] == 0.5


def test_single_indicator_residual_fixed_to_zero() -> None:
    pt = build_partable("f =~ y1 + y2 + y3\ng =~ z1\ng ~ f")
    k = [i for i in range(len(pt)) if pt.lhs[i] == "z1" and pt.op[i] == "~~"][0]
    assert pt.free[k] == 0 and pt.ustart[k] == 0.0


def test_shared_labels_one_parameter_and_defined_rows_last() -> None:
    pt = build_partable("f =~ y1 + a*y2 + a*y3\nind := a^2\ng =~ z1 + z2 + z3")
    assert pt.op[-1] == ":=" and pt.rhs[-1] == "a^2" and pt.label[-1] == "ind"
    pars = [pt.par[k] for k in range(len(pt)) if pt.label[k] == "a"]
    assert pars[0] == pars[1] >= 0
    assert pt.n_free == pt.npar + 1


def test_meanstructure_rows() -> None:
    pt = build_partable("f =~ y1 + y2 + y3", meanstructure=True)
    ints = [(pt.lhs[k], pt.free[k] > 0) for k in range(len(pt)) if pt.op[k] == "~1"]
    assert ints == [("y1", True), ("y2", True), ("y3", True), ("f", False)]


def test_table_is_frozen() -> None:
    pt = build_partable("f =~ y1 + y2 + y3")
    with pytest.raises(FrozenInstanceError):
        pt.npar = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "model,exc,match",
    [
        ("f =~ f + y1 + y2", SpecificationError, "measured by itself"),
        ("y ~ y", SpecificationError, "regressed on itself"),
        ("f =~ y1 + y2 + y3\nf =~ y1", SpecificationError, "written twice"),
        ("f =~ y1 + a*y2 + y3\ny1 ~~ a*y1", SpecificationError, "different kinds"),
        ("f =~ y1 + y1*y2 + y3", SpecificationError, "also the name of a variable"),
        ("f =~ y1 + a*y2 + y3\nd := a*q", SpecificationError, "'q'"),
        ("f =~ y1 + a*y2 + y3\na := 2*a", SpecificationError, "already names a parameter"),
        ("f =~ NA*y1 + y2 + y3", IdentificationError, "no scale"),
        ("f =~ y1 + y2\nf > 0", SpecificationError, "'f', which is not a label"),  # general constraints: issue 11
        ("f =~ y1 + 1*y2 + a*y3 + a*y4\ny2 ~~ b*y2\ny3 ~~ b*y3\nf =~ 2*y5 + c*y6 + c*y7\ny5 ~~ d*y5",
         None, ""),
    ],
)
def test_specification_errors(model: str, exc: type | None, match: str) -> None:
    if exc is None:
        build_partable(model)
        return
    with pytest.raises(exc, match=match):
        build_partable(model)


def test_label_shared_with_fixed_parameter_fixes_all() -> None:
    pt = build_partable("f =~ a*y1 + a*y2 + y3")  # y1 is the marker (fixed at 1)
    assert pt.free[0] == 0 and pt.free[1] == 0 and pt.ustart[1] == 1.0


# ------------------------------------------------------------------ pinned tables
# tests/data/partable_pins.json holds the full ParameterTable (every column and variable
# set) of every reference model under its lavaan options and with std_lv, meanstructure and
# fixed_x flipped, as SHA-256 digests, plus the complete tables of several zoo models. It was
# written by tests/reference/make_partable_pins.py from the builder before it was split
# into lavaan's steps; the split (and any later change) must reproduce it exactly.

PINS = json.loads((Path(__file__).parent / "data" / "partable_pins.json").read_text())


def _pin_table(model: str, **kwargs: bool) -> dict:
    try:
        pt = build_partable(model, **kwargs)
    except (SpecificationError, IdentificationError) as exc:
        return {"error": type(exc).__name__, "message": str(exc)}
    out: dict = {}
    for f in PINS["fields"]:
        v = getattr(pt, f)
        if isinstance(v, tuple):
            v = [None if isinstance(x, float) and np.isnan(x) else x for x in v]
        out[f] = v
    return out


def _pin_digest(table: dict) -> str:
    return hashlib.sha256(json.dumps(table, sort_keys=True).encode()).hexdigest()


def _pin_model(key: str) -> str:
    return _ref(key.split("|")[0])["model"]


@pytest.mark.parametrize("key", sorted(PINS["sha256"]))
def test_partable_pinned_digest(key: str) -> None:
    pin = PINS["sha256"][key]
    assert _pin_digest(_pin_table(_pin_model(key), **pin["kwargs"])) == pin["digest"]


@pytest.mark.parametrize("name", sorted(PINS["full"]))
def test_partable_pinned_full_table(name: str) -> None:
    pin = PINS["full"][name]
    got = _pin_table(_ref(name)["model"], **pin["kwargs"])
    assert got == pin["table"]
    # and the rows, labels and order are lavaan's parameterEstimates()
    ref = _ref(name)
    assert [(a, o, b, lab) for a, o, b, lab in zip(got["lhs"], got["op"], got["rhs"], got["label"])] == [
        (p["lhs"], p["op"], p["rhs"], p["label"]) for p in ref["params"]
    ]


def test_partable_pins_cover_the_interesting_rows() -> None:
    """The pinned full tables include fixed.x rows, shared labels, := rows, NA* and std_lv."""
    tabs = [p["table"] for p in PINS["full"].values()]
    assert any(1 in t["exo"] for t in tabs)
    assert any(len({p for p in t["par"] if p >= 0}) < sum(1 for f in t["free"] if f) for t in tabs)
    assert any(":=" in t["op"] for t in tabs)
    assert any(t["std_lv"] for t in tabs)
    assert any(t["meanstructure"] for t in tabs)


def test_defined_rows_use_labels_with_dots_and_long_sums() -> None:
    pt = build_partable("f =~ y1 + a.1*y2 + b*y3\nd := a.1*b\ns := " + " + ".join(["a.1", "b"] * 200))
    assert pt.op[-2:] == (":=", ":=") and pt.rhs[-2] == "a.1*b"


def test_defined_function_flags_non_finite_values() -> None:
    import warnings

    from acsi.cbsem.standardized import defined_function, nonfinite_defined
    from acsi.exceptions import AcsiWarning

    pt = build_partable("f =~ y1 + a*y2 + y3\nd := sqrt(-a)\ne := 2*a")
    n = sum(o != ":=" for o in pt.op)
    x = np.ones(n)
    vals = defined_function(pt)(x)
    assert np.isnan(vals[0]) and vals[1] == 2.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bad = nonfinite_defined(pt, x, vals)
    assert bad.tolist() == [True, False]
    assert [w.category for w in caught] == [AcsiWarning]
    assert "'d' (line 2: d := sqrt(-a))" in str(caught[0].message) and "a = 1" in str(caught[0].message)
