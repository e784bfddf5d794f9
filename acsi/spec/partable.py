"""The parameter table: the single source of truth of a covariance-based SEM.

A parsed model (:func:`acsi.spec.syntax.parse_model`) becomes a :class:`ParameterTable`
with lavaan's ``sem()``/``cfa()`` defaults (Rosseel 2012; ``lav_partable_flat``):

* the first loading of each factor is fixed to 1 (unless ``NA*`` frees it, or
  ``std_lv=True``, which fixes every latent variance to 1 and frees all loadings);
* residual variances of observed variables and variances of latent variables are free;
* covariances of exogenous latent variables are free; covariances of endogenous latent
  disturbances only where written, except that pure outcome variables (dependent and
  nowhere a predictor or an indicator) covary freely, as lavaan's ``auto.cov.y``;
* the residual variance of the single indicator of a one-indicator factor is fixed to 0;
* observed exogenous covariates (observed variables that only appear on the right of
  ``~``) are fixed at their sample (co)variances (``fixed.x = TRUE``) and listed;
* with a mean structure, observed intercepts are free and latent intercepts fixed to 0;
* shared labels are equality constraints (one free parameter), and so is an explicit
  ``label1 == label2`` (lavaan drops such rows from ``parameterEstimates()``, and so does
  the table); ``:=`` rows are defined parameters.

The rows come in the order of lavaan's ``parameterEstimates()``: the user's formulas in
the order written, then the automatic variances, latent covariances, covariates'
(co)variances, intercepts, and finally the ``:=`` rows.

Examples
--------
>>> from acsi.spec.partable import build_partable
>>> pt = build_partable("visual =~ x1 + x2 + x3")
>>> [(r, f) for r, f in zip(pt.rows(), pt.free)]  # doctest: +NORMALIZE_WHITESPACE
[('visual=~x1', 0), ('visual=~x2', 1), ('visual=~x3', 2), ('x1~~x1', 3), ('x2~~x2', 4),
 ('x3~~x3', 5), ('visual~~visual', 6)]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from acsi.exceptions import IdentificationError, SpecificationError
from acsi.spec.syntax import ParsedModel, Statement, compile_expression, parse_model

_IDENT = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*")

__all__ = ["ParameterTable", "build_partable"]


@dataclass(frozen=True)
class ParameterTable:
    """lavaan-style parameter table (immutable; one entry per ``parameterEstimates`` row).

    Attributes
    ----------
    lhs, op, rhs : tuple of str
    user : tuple of int
        1 for rows written by the user, 0 for rows added by the defaults.
    free : tuple of int
        lavaan's numbering: 0 for fixed rows, 1..npar_free for free rows (before equality
        constraints).
    par : tuple of int
        Index of the row's parameter in the reduced free vector ``theta`` (shared labels
        map to one entry); -1 for fixed and ``:=`` rows.
    ustart : tuple of float
        Fixed value or user start value (NaN when none).
    label, plabel : tuple of str
    exo : tuple of int
        1 for the fixed.x rows of observed covariates.
    line : tuple of int
        Model line of the user's formula (0 for default rows).
    where : tuple of str
        "line L: <formula>" for messages ("" for default rows).
    ov_names, lv_names, ov_x, ov_y, lv_x, lv_y, ov_ind : tuple of str
        Variable sets as lavaan's ``lavNames`` types ``ov``, ``lv``, ``ov.x`` (the fixed.x
        covariates when ``fixed_x``), ``ov.y``, ``lv.x``, ``lv.y``, ``ov.ind``.
    meanstructure, std_lv, fixed_x : bool
    npar : int
        Number of free parameters after equality constraints (``len(theta)``).
    """

    lhs: tuple[str, ...]
    op: tuple[str, ...]
    rhs: tuple[str, ...]
    user: tuple[int, ...]
    free: tuple[int, ...]
    par: tuple[int, ...]
    ustart: tuple[float, ...]
    label: tuple[str, ...]
    plabel: tuple[str, ...]
    exo: tuple[int, ...]
    line: tuple[int, ...]
    where: tuple[str, ...]
    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    ov_x: tuple[str, ...]
    ov_y: tuple[str, ...]
    lv_x: tuple[str, ...]
    lv_y: tuple[str, ...]
    ov_ind: tuple[str, ...]
    meanstructure: bool
    std_lv: bool
    fixed_x: bool
    npar: int
    source: str = field(default="", repr=False)

    def __len__(self) -> int:
        return len(self.lhs)

    def rows(self) -> list[str]:
        """Row names ``lhs op rhs`` without spaces (``"visual=~x2"``)."""
        return [f"{a}{o}{b}" for a, o, b in zip(self.lhs, self.op, self.rhs)]

    @property
    def n_free(self) -> int:
        """Number of free rows before equality constraints (lavaan's ``max(free)``)."""
        return max(self.free) if self.free else 0

    @property
    def free_rows(self) -> np.ndarray:
        """Row indices of the free parameters, ordered by lavaan's ``free`` number."""
        fr = np.asarray(self.free)
        idx = np.flatnonzero(fr > 0)
        return idx[np.argsort(fr[idx], kind="stable")]

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame with lavaan's ``parTable()`` column names."""
        return pd.DataFrame(
            {
                "id": np.arange(1, len(self) + 1),
                "lhs": self.lhs,
                "op": self.op,
                "rhs": self.rhs,
                "user": self.user,
                "free": self.free,
                "par": self.par,
                "ustart": np.asarray(self.ustart, dtype=float),
                "exo": self.exo,
                "label": self.label,
                "plabel": self.plabel,
                "line": self.line,
            }
        )


# --------------------------------------------------------------------------- building


@dataclass
class _Row:
    lhs: str
    op: str
    rhs: str
    user: int
    free: int = 1
    ustart: float = math.nan
    label: str = ""
    exo: int = 0
    line: int = 0
    where: str = ""
    start_given: bool = False


def _unique(seq: Sequence[str]) -> list[str]:
    out: list[str] = []
    for s in seq:
        if s not in out:
            out.append(s)
    return out


_KIND_NAMES = {
    "coef": "a loading or regression coefficient",
    "var": "a variance",
    "cov": "a covariance",
    "int": "an intercept",
}


def _kind(op: str, lhs: str, rhs: str) -> str:
    if op in ("=~", "~"):
        return "coef"
    if op == "~~":
        return "var" if lhs == rhs else "cov"
    return "int"


def build_partable(
    model: str | ParsedModel,
    *,
    std_lv: bool = False,
    meanstructure: bool = False,
    fixed_x: bool = True,
    auto_fix_first: bool | None = None,
) -> ParameterTable:
    """Build the parameter table of a model with lavaan's ``sem()``/``cfa()`` defaults.

    Parameters
    ----------
    model : str or ParsedModel
        lavaan-style model syntax.
    std_lv : bool, default False
        Identify factors by fixing their variances to 1 (all loadings free) instead of
        fixing the first loading to 1.
    meanstructure : bool, default False
        Add intercept rows (``~1``): observed intercepts free, latent intercepts fixed to 0.
        Switched on automatically when the model contains an intercept formula.
    fixed_x : bool, default True
        Treat observed exogenous covariates as fixed (their (co)variances are the sample
        values and are not estimated).
    auto_fix_first : bool, optional
        Fix the first loading of each factor to 1; default ``not std_lv``.

    Returns
    -------
    ParameterTable

    Raises
    ------
    acsi.ModelSyntaxError
        The model does not parse.
    acsi.SpecificationError
        Composite (``<~``), inequality or ``==`` formulas other than ``label1 == label2``
        (between free parameters of the same kind), a formula written twice, a factor
        measured by itself, a label shared by parameters of different kinds, a ``:=`` that
        uses an unknown label, a label that is also a variable name.
    acsi.IdentificationError
        A factor without a scale (no fixed loading and a free variance).

    Examples
    --------
    >>> pt = build_partable("f =~ a*y1 + a*y2 + y3; ind := a^2")
    >>> pt.npar, pt.label[:3], pt.op[-1]
    (5, ('a', 'a', ''), ':=')
    """
    parsed = model if isinstance(model, ParsedModel) else parse_model(model)
    if auto_fix_first is None:
        auto_fix_first = not std_lv

    user_rows: list[_Row] = []
    def_stmts: list[Statement] = []
    eq_stmts: list[Statement] = []
    seen: dict[tuple[str, str, str], Statement] = {}
    for s in parsed.statements:
        if s.op == "<~":
            raise SpecificationError(
                f"composite formula '<~' ({s.where()}) cannot be estimated by covariance-based "
                "SEM in acsi; use acsi.pls() for composites, or '=~' for a reflective factor"
            )
        if s.op == "==" and _IDENT.fullmatch(s.lhs.strip()) and _IDENT.fullmatch(s.rhs.strip()):
            eq_stmts.append(s)  # label == label: the same as a shared label (checked below)
            continue
        if s.op in ("==", "<", ">"):
            raise SpecificationError(
                f"explicit constraints with '{s.op}' ({s.where()}) are not supported by "
                "acsi.sem yet, except 'label1 == label2' (equal parameters); for equality "
                "give the parameters the same label (a*x1 + a*x2)"
            )
        if s.op == ":=":
            def_stmts.append(s)
            continue
        if s.op == "=~" and s.lhs == s.rhs:
            raise SpecificationError(
                f"factor {s.lhs!r} is measured by itself ({s.where()}); a factor needs "
                "indicators other than itself"
            )
        key = (s.lhs, s.op, s.rhs)
        alt = (s.rhs, s.op, s.lhs) if s.op == "~~" else key
        prev = seen.get(key) or seen.get(alt)
        if prev is not None:
            raise SpecificationError(
                f"the parameter {s.lhs} {s.op} {s.rhs} is written twice ({prev.where()} and "
                f"{s.where()}); keep one of them"
            )
        seen[key] = s
        if s.op == "~" and s.lhs == s.rhs:
            raise SpecificationError(f"{s.lhs!r} is regressed on itself ({s.where()})")
        row = _Row(s.lhs, s.op, s.rhs, user=1, line=s.line, where=s.where())
        if s.fixed is not None:
            row.free, row.ustart = 0, float(s.fixed)
        if s.start is not None:
            row.ustart, row.start_given = float(s.start), True
        if s.label:
            row.label = s.label
        if s.free:
            row.free = 1
        # remember the NA* modifier so that default fixing does not undo it
        row.exo = -1 if s.free else 0
        user_rows.append(row)

    if not user_rows:
        raise SpecificationError("the model has no '=~', '~' or '~~' formula to estimate")
    meanstructure = bool(meanstructure or any(r.op == "~1" for r in user_rows))

    # ---- variable sets (lavaan's lav_partable_vnames) ----
    lv = _unique([r.lhs for r in user_rows if r.op == "=~"])
    eqs_y = _unique([r.lhs for r in user_rows if r.op == "~"])
    eqs_x = _unique([r.rhs for r in user_rows if r.op == "~"])
    v_ind = _unique([r.rhs for r in user_rows if r.op == "=~"])
    ov_ind = [v for v in v_ind if v not in lv]
    ov_y_eq = [v for v in eqs_y if v not in lv and v not in ov_ind]
    ov_x_all = [v for v in eqs_x if v not in lv and v not in ov_ind and v not in ov_y_eq]
    ov_cov = [r.lhs for r in user_rows if r.op == "~~" and r.lhs not in lv] + [
        r.rhs for r in user_rows if r.op == "~~" and r.rhs not in lv
    ]
    ov_int = [r.lhs for r in user_rows if r.op == "~1" and r.lhs not in lv]
    ov_tmp = ov_ind + ov_y_eq + ov_x_all
    ov_names = ov_tmp + [v for v in _unique(ov_cov + ov_int) if v not in ov_tmp]
    user_var_names = {r.lhs for r in user_rows if r.op in ("~1", "~~")} | {
        r.rhs for r in user_rows if r.op == "~~"
    }
    ov_x = [v for v in ov_x_all if v not in user_var_names]
    ov_nox = [v for v in ov_names if v not in ov_x]
    lv_x = [v for v in lv if v not in v_ind and v not in eqs_y]
    ov_y = [v for v in ov_names if v in eqs_y and v not in v_ind and v not in eqs_x and v not in lv]
    lv_y = [v for v in lv if v in eqs_y and v not in v_ind and v not in eqs_x]

    # ---- labels must not be variable names ----
    names = set(lv) | set(ov_names)
    for r in user_rows:
        if r.label and r.label in names:
            raise SpecificationError(
                f"the label {r.label!r} ({r.where}) is also the name of a variable; choose "
                "another label"
            )

    # ---- default rows (lav_partable_flat) ----
    d_lhs: list[str] = []
    d_rhs: list[str] = []
    d_op: list[str] = []
    for v in ov_nox + lv:
        d_lhs.append(v), d_rhs.append(v), d_op.append("~~")
    for a, b in combinations(lv_x, 2):
        d_lhs.append(a), d_rhs.append(b), d_op.append("~~")
    for a, b in combinations(lv_y + ov_y, 2):
        d_lhs.append(a), d_rhs.append(b), d_op.append("~~")
    # lavaan adds the covariates' (co)variances whether or not they are fixed
    nx = len(ov_x)
    for j in range(nx):
        for i in range(j, nx):
            d_lhs.append(ov_x[j]), d_rhs.append(ov_x[i]), d_op.append("~~")
    if meanstructure:
        for v in ov_names + lv:
            d_lhs.append(v), d_rhs.append(""), d_op.append("~1")
    user_keys = set()
    for r in user_rows:
        user_keys.add((r.lhs, r.op, r.rhs))
        if r.op == "~~":
            user_keys.add((r.rhs, r.op, r.lhs))
    defaults = [
        _Row(a, o, b, user=0)
        for a, o, b in zip(d_lhs, d_op, d_rhs)
        if (a, o, b) not in user_keys
    ]
    rows = user_rows + defaults

    # ---- default fixing (applied to rows without user modifiers) ----
    def user_fixed(r: _Row) -> bool:
        return r.user == 1 and (r.free == 0 or r.exo == -1)

    if std_lv:
        for r in rows:
            if r.op == "~~" and r.lhs == r.rhs and r.lhs in lv and not user_fixed(r):
                r.free, r.ustart = 0, 1.0
    if auto_fix_first:
        done: set[str] = set()
        for r in rows:
            if r.op == "=~" and r.lhs not in done:
                done.add(r.lhs)
                if not user_fixed(r):
                    r.free, r.ustart = 0, 1.0
    # single-indicator factors: residual variance of the indicator fixed to 0
    counts: dict[str, int] = {}
    for r in rows:
        if r.op == "=~":
            counts[r.lhs] = counts.get(r.lhs, 0) + 1
    rhs_mm = [r.rhs for r in rows if r.op == "=~"]
    single_ind = {
        r.rhs
        for r in rows
        if r.op == "=~" and counts[r.lhs] == 1 and r.lhs != r.rhs and rhs_mm.count(r.rhs) == 1
    }
    for r in rows:
        if r.user == 0 and r.op == "~~" and r.lhs == r.rhs and r.lhs in single_ind:
            r.free, r.ustart = 0, 0.0
    if meanstructure:
        for r in rows:
            if r.op == "~1" and r.user == 0 and r.lhs in lv:
                r.free, r.ustart = 0, 0.0
    if fixed_x:
        for r in rows:
            if r.user == 0 and r.op in ("~~", "~1") and r.lhs in ov_x and (r.op == "~1" or r.rhs in ov_x):
                r.free, r.ustart, r.exo = 0, math.nan, 1
    for r in rows:
        if r.exo == -1:
            r.exo = 0

    # ---- factor without a scale ----
    if not std_lv:
        for f in lv:
            loadings = [r for r in rows if r.op == "=~" and r.lhs == f]
            var = [r for r in rows if r.op == "~~" and r.lhs == f and r.rhs == f]
            if all(r.free for r in loadings) and (not var or var[0].free):
                raise IdentificationError(
                    f"factor {f!r} has no scale: all its loadings are free ({loadings[0].where}) "
                    f"and its variance is free. Fix one loading (1*{loadings[0].rhs}), fix its "
                    f"variance ({f} ~~ 1*{f}), or pass std_lv=True"
                )

    # ---- labels: equality constraints and kinds ----
    by_label: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r.label:
            by_label.setdefault(r.label, []).append(i)
    for lab, idx in by_label.items():
        kinds = {_kind(rows[i].op, rows[i].lhs, rows[i].rhs) for i in idx}
        if len(kinds) > 1:
            desc = "; ".join(
                f"{rows[i].lhs} {rows[i].op} {rows[i].rhs} ({rows[i].where}) is "
                f"{_KIND_NAMES[_kind(rows[i].op, rows[i].lhs, rows[i].rhs)]}"
                for i in idx
            )
            raise SpecificationError(
                f"the label {lab!r} is shared by parameters of different kinds: {desc}. "
                "Shared labels mean equal parameters; use different labels"
            )
        fixed_vals = {rows[i].ustart for i in idx if rows[i].free == 0}
        if fixed_vals and len(idx) > 1:
            if len(fixed_vals) > 1:
                raise SpecificationError(
                    f"the label {lab!r} is shared by parameters fixed at different values "
                    f"({', '.join(rows[i].where or rows[i].lhs for i in idx)})"
                )
            val = fixed_vals.pop()
            for i in idx:
                rows[i].free, rows[i].ustart = 0, val

    # ---- explicit equalities 'a == b' between labels: merged like a shared label ----
    canon: dict[str, str] = {lab: lab for lab in by_label}

    def find(lab: str) -> str:
        while canon[lab] != lab:
            lab = canon[lab]
        return lab

    for s_eq in eq_stmts:
        a, b = s_eq.lhs.strip(), s_eq.rhs.strip()
        for lab in (a, b):
            if lab not in by_label:
                raise SpecificationError(
                    f"{lab!r} in the constraint {s_eq.where()} is not a label of the model; "
                    f"labels are: {', '.join(sorted(by_label)) or 'none (label parameters with a*x)'}"
                )
        ia, ib = by_label[a][0], by_label[b][0]
        ka, kb = _kind(rows[ia].op, rows[ia].lhs, rows[ia].rhs), _kind(rows[ib].op, rows[ib].lhs, rows[ib].rhs)
        if ka != kb:
            raise SpecificationError(
                f"the constraint {s_eq.where()} equates {_KIND_NAMES[ka]} and {_KIND_NAMES[kb]}; "
                "acsi supports equality of parameters of the same kind only"
            )
        if any(rows[i].free == 0 for i in by_label[a] + by_label[b]):
            raise SpecificationError(
                f"the constraint {s_eq.where()} involves a fixed parameter; fix both "
                "parameters at the same value instead"
            )
        ra, rb = find(a), find(b)
        if ra != rb:
            canon[rb] = ra

    # ---- numbering ----
    free_no: list[int] = []
    par_no: list[int] = []
    k = 0
    q = 0
    label_par: dict[str, int] = {}
    for r in rows:
        if r.free:
            k += 1
            free_no.append(k)
            group = find(r.label) if r.label else ""
            if group and group in label_par:
                par_no.append(label_par[group])
            else:
                par_no.append(q)
                if group:
                    label_par[group] = q
                q += 1
        else:
            free_no.append(0)
            par_no.append(-1)

    # ---- defined parameters ----
    known = set(by_label)
    def_rows: list[_Row] = []
    for s in def_stmts:
        if s.lhs in known:
            raise SpecificationError(
                f"the defined parameter {s.lhs!r} ({s.where()}) already names a parameter; "
                "choose a new name"
            )
        _, used = compile_expression(s.rhs)
        unknown = [u for u in used if u not in known]
        if unknown:
            avail = ", ".join(sorted(known)) or "none (label parameters with a*x)"
            raise SpecificationError(
                f"the defined parameter {s.lhs!r} ({s.where()}) uses {', '.join(map(repr, unknown))}, "
                f"which is not a label of the model; labels are: {avail}"
            )
        known.add(s.lhs)
        def_rows.append(
            _Row(s.lhs, ":=", "".join(s.rhs.split()), user=1, free=0, label=s.lhs, line=s.line, where=s.where())
        )

    all_rows = rows + def_rows
    free_no += [0] * len(def_rows)
    par_no += [-1] * len(def_rows)
    plabel = [f".p{i + 1}." for i in range(len(rows))] + [""] * len(def_rows)
    return ParameterTable(
        lhs=tuple(r.lhs for r in all_rows),
        op=tuple(r.op for r in all_rows),
        rhs=tuple(r.rhs for r in all_rows),
        user=tuple(r.user for r in all_rows),
        free=tuple(free_no),
        par=tuple(par_no),
        ustart=tuple(float(r.ustart) for r in all_rows),
        label=tuple(r.label for r in all_rows),
        plabel=tuple(plabel),
        exo=tuple(r.exo for r in all_rows),
        line=tuple(r.line for r in all_rows),
        where=tuple(r.where for r in all_rows),
        ov_names=tuple(ov_names),
        lv_names=tuple(lv),
        ov_x=tuple(ov_x),
        ov_y=tuple(ov_y),
        lv_x=tuple(lv_x),
        lv_y=tuple(lv_y),
        ov_ind=tuple(ov_ind),
        meanstructure=meanstructure,
        std_lv=std_lv,
        fixed_x=fixed_x,
        npar=q,
        source=parsed.source,
    )
