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

import dataclasses
import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from acsi.exceptions import IdentificationError, ModelSyntaxError, SpecificationError
from acsi.spec.syntax import ParsedModel, Statement, compile_expression, parse_model

_IDENT = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*")

__all__ = ["ParameterTable", "build_partable", "build_multigroup_partable", "group_table", "GROUP_EQUAL",
           "ordinal_partable"]


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
    #: general constraints (``a == 2*b``, ``a > 0``; acsi.cbsem.constraints): (lhs, op, rhs, line, where)
    constraints: tuple[tuple[str, str, str, int, str], ...] = ()
    #: lavaan's ``group`` column for a multigroup table (1, 2, ...; 0 for ``:=`` rows);
    #: empty for a single group
    group: tuple[int, ...] = ()

    def __hash__(self) -> int:
        # the table keys several caches (model structure, start-value and standardization
        # plans); hashing its tuples costs microseconds, so the hash is computed once. It is
        # not pickled (string hashes differ between processes): see __getstate__
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_hash", None)
        return state

    def __len__(self) -> int:
        return len(self.lhs)

    @property
    def ngroups(self) -> int:
        """Number of groups (1 for a single-group table)."""
        return max(self.group) if self.group else 1

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
#
# build_partable follows lavaan's own steps (lavaanify / lav_partable_flat): flatten the
# parsed statements into user rows, derive the variable sets, add the default rows
# (variances, covariances, intercepts), fix the scale (marker loading or std.lv) and the
# other defaults (single indicators, latent intercepts, fixed.x), check the scale, resolve
# equality labels and explicit label equalities, number the free parameters, and append
# the defined (:=) parameters. Each step is a small function below.


class Modifier(enum.Enum):
    """What the user's own formula says about a row's free/fixed status.

    The default fixing steps (marker loading, ``std.lv`` variance) leave rows with a
    modifier alone: ``1*x`` stays fixed at the user's value, ``NA*x`` stays free.
    """

    NONE = "none"  #: no modifier (or only a start value or a label): the defaults decide
    FIXED = "fixed"  #: a fixed value, ``v*x``
    FREED = "freed"  #: ``NA*x``: explicitly free


@dataclass
class _Row:
    """One row while the table is being built (mutable; frozen into ParameterTable)."""

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
    modifier: Modifier = Modifier.NONE

    @property
    def pinned(self) -> bool:
        """True when the user's modifier decides whether the row is free."""
        return self.modifier is not Modifier.NONE


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
    "th": "a threshold",
}


def _kind(op: str, lhs: str, rhs: str) -> str:
    if op in ("=~", "~"):
        return "coef"
    if op == "~~":
        return "var" if lhs == rhs else "cov"
    if op == "|":
        return "th"
    return "int"


def _row_kind(r: _Row) -> str:
    return _kind(r.op, r.lhs, r.rhs)


@dataclass(frozen=True)
class _Flat:
    """The parsed statements sorted by role: parameter rows, ``:=`` and ``a == b``."""

    rows: list[_Row]
    defined: list[Statement]
    equalities: list[Statement]
    constraints: list[Statement] = field(default_factory=list)
    sources: list[Statement] = field(default_factory=list)  # the statement of each row


@dataclass(frozen=True)
class _VarSets:
    """lavaan's variable sets (``lav_partable_vnames``), in lavaan's order."""

    lv: list[str]
    ov_names: list[str]
    ov_x: list[str]
    ov_nox: list[str]
    ov_y: list[str]
    lv_x: list[str]
    lv_y: list[str]
    ov_ind: list[str]


def _check_statement(s: Statement, seen: dict[tuple[str, str, str], Statement]) -> None:
    """Reject what a covariance-based parameter table cannot hold (one user formula)."""
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


def _user_row(s: Statement, g: int = 0) -> _Row:
    """The row of one user formula with its modifiers (fixed value, start, label, NA*);
    ``g``: the (0-based) group whose element of a ``c(...)`` vector applies."""
    row = _Row(s.lhs, s.op, s.rhs, user=1, line=s.line, where=s.where())
    fixed: float | None = s.fixed
    if s.fixed_g is not None:
        fixed = s.fixed_g[g if len(s.fixed_g) > 1 else 0]
        if fixed is None:  # NA in c(...): free in this group
            row.free, row.modifier = 1, Modifier.FREED
    if fixed is not None:
        row.free, row.ustart, row.modifier = 0, float(fixed), Modifier.FIXED
    start = s.start if s.start_g is None else s.start_g[g if len(s.start_g) > 1 else 0]
    if start is not None:
        row.ustart, row.start_given = float(start), True
    label = s.label if s.label_g is None else s.label_g[g if len(s.label_g) > 1 else 0]
    if label:
        row.label = label
    if s.free:
        row.free, row.modifier = 1, Modifier.FREED
    return row


def _check_group_vectors(s: Statement, ngroups: int, group_labels: Sequence[str] = ()) -> None:
    """A ``c(...)`` modifier has one value per group (or a single value)."""
    for vec, what in ((s.fixed_g, "values"), (s.label_g, "labels"), (s.start_g, "start values")):
        if vec is None or len(vec) == 1 or len(vec) == ngroups:
            continue
        if ngroups == 1:
            raise SpecificationError(
                f"the c(...) modifier of {s.lhs} {s.op} {s.rhs} ({s.where()}) gives {len(vec)} "
                f"{what}, one per group, but the model is fitted to a single group; pass "
                "group='column' or give one value"
            )
        names = f" ({', '.join(map(str, group_labels))})" if group_labels else ""
        raise SpecificationError(
            f"the c(...) modifier of {s.lhs} {s.op} {s.rhs} ({s.where()}) gives {len(vec)} "
            f"{what} but the data have {ngroups} groups{names}; give one per group, in the "
            "groups' order"
        )


def _flatten(parsed: ParsedModel, ngroups: int = 1, group_labels: Sequence[str] = ()) -> _Flat:
    """Step 1: the user's statements as rows (lavaan's ``lav_partable_flat`` user part).

    ``label == label`` equalities and ``:=`` definitions are set aside for later steps;
    composites, other constraints, duplicates and self-loops are rejected.
    """
    rows: list[_Row] = []
    sources: list[Statement] = []
    defined: list[Statement] = []
    equalities: list[Statement] = []
    constraints: list[Statement] = []
    seen: dict[tuple[str, str, str], Statement] = {}
    for s in parsed.statements:
        if s.op == "<~":
            raise SpecificationError(
                f"composite formula '<~' ({s.where()}) cannot be estimated by covariance-based "
                "SEM in acsi; use acsi.pls() for composites, or '=~' for a reflective factor"
            )
        if s.op == "==" and _IDENT.fullmatch(s.lhs.strip()) and _IDENT.fullmatch(s.rhs.strip()):
            equalities.append(s)  # label == label: the same as a shared label (checked below)
            continue
        if s.op in ("==", "<", ">"):
            constraints.append(s)  # a general constraint (acsi.cbsem.constraints)
            continue
        if s.op == ":=":
            defined.append(s)
            continue
        _check_statement(s, seen)
        _check_group_vectors(s, ngroups, group_labels)
        rows.append(_user_row(s))
        sources.append(s)
    if not rows:
        raise SpecificationError("the model has no '=~', '~' or '~~' formula to estimate")
    return _Flat(rows, defined, equalities, constraints=constraints, sources=sources)


def _variable_sets(user_rows: list[_Row]) -> _VarSets:
    """Step 2: latent and observed variables and their roles (``lav_partable_vnames``)."""
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
    # a covariate with a user (co)variance or intercept is not fixed.x (lavaan's ov.x)
    user_var_names = {r.lhs for r in user_rows if r.op in ("~1", "~~")} | {
        r.rhs for r in user_rows if r.op == "~~"
    }
    ov_x = [v for v in ov_x_all if v not in user_var_names]
    return _VarSets(
        lv=lv,
        ov_names=ov_names,
        ov_x=ov_x,
        ov_nox=[v for v in ov_names if v not in ov_x],
        ov_y=[v for v in ov_names if v in eqs_y and v not in v_ind and v not in eqs_x and v not in lv],
        lv_x=[v for v in lv if v not in v_ind and v not in eqs_y],
        lv_y=[v for v in lv if v in eqs_y and v not in v_ind and v not in eqs_x],
        ov_ind=ov_ind,
    )


def _check_labels_not_variables(user_rows: list[_Row], vs: _VarSets) -> None:
    """A label must not be the name of a variable."""
    names = set(vs.lv) | set(vs.ov_names)
    for r in user_rows:
        if r.label and r.label in names:
            raise SpecificationError(
                f"the label {r.label!r} ({r.where}) is also the name of a variable; choose "
                "another label"
            )


def _check_threshold_rows(flat: _Flat, vs: _VarSets) -> None:
    """``y | t1``: ``y`` must be an observed variable of the model (an item named in another
    formula), never a latent variable."""
    for r, s in zip(flat.rows, flat.sources):
        if r.op != "|":
            continue
        if r.lhs in vs.lv:
            raise ModelSyntaxError(
                f"{r.lhs!r} is a latent variable; only an ordinal observed item has thresholds "
                f"('item | t1 + t2'). Write the thresholds of its indicators instead",
                line=s.line, column=s.column, text=s.text.rstrip(),
            )
        if r.lhs not in vs.ov_names:
            raise ModelSyntaxError(
                f"{r.lhs!r} has thresholds but is not in any other formula of the model; make it "
                f"an indicator of a factor ('F =~ {r.lhs} + ...') or a variable of a regression",
                line=s.line, column=s.column, text=s.text.rstrip(),
            )


def _default_rows(user_rows: list[_Row], vs: _VarSets, meanstructure: bool) -> list[_Row]:
    """Step 3: the rows lavaan adds (``lav_partable_flat``), those the user did not write.

    In this order: variances of the observed (non-covariate) and latent variables;
    covariances of the exogenous factors; covariances of the pure outcomes (latent then
    observed, ``auto.cov.y``); the covariates' (co)variances (added whether or not they
    are fixed, as lavaan); with a mean structure the intercepts of all variables.
    """
    keys: list[tuple[str, str, str]] = [(v, "~~", v) for v in vs.ov_nox + vs.lv]
    keys += [(a, "~~", b) for a, b in combinations(vs.lv_x, 2)]
    keys += [(a, "~~", b) for a, b in combinations(vs.lv_y + vs.ov_y, 2)]
    nx = len(vs.ov_x)
    keys += [(vs.ov_x[j], "~~", vs.ov_x[i]) for j in range(nx) for i in range(j, nx)]
    if meanstructure:
        keys += [(v, "~1", "") for v in vs.ov_names + vs.lv]
    written = set()
    for r in user_rows:
        written.add((r.lhs, r.op, r.rhs))
        if r.op == "~~":
            written.add((r.rhs, r.op, r.lhs))
    return [_Row(a, o, b, user=0) for a, o, b in keys if (a, o, b) not in written]


def _fix_scale(rows: list[_Row], lv: list[str], std_lv: bool, auto_fix_first: bool) -> None:
    """Step 4: the factors' scale: latent variances fixed to 1 (``std.lv``) and/or the first
    loading of each factor fixed to 1 (``auto.fix.first``), unless the user's modifier says
    otherwise."""
    if std_lv:
        for r in rows:
            if r.op == "~~" and r.lhs == r.rhs and r.lhs in lv and not (r.user and r.pinned):
                r.free, r.ustart = 0, 1.0
    if auto_fix_first:
        done: set[str] = set()
        for r in rows:
            if r.op == "=~" and r.lhs not in done:
                done.add(r.lhs)
                if not (r.user and r.pinned):
                    r.free, r.ustart = 0, 1.0


def _fix_single_indicators(rows: list[_Row]) -> None:
    """Step 5a: the default residual variance of the only indicator of a one-indicator
    factor (an indicator of nothing else) is fixed to 0."""
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


def _fix_latent_intercepts(rows: list[_Row], lv: list[str]) -> None:
    """Step 5b: with a mean structure the default latent intercepts are fixed to 0."""
    for r in rows:
        if r.op == "~1" and r.user == 0 and r.lhs in lv:
            r.free, r.ustart = 0, 0.0


def _fix_exogenous(rows: list[_Row], ov_x: list[str]) -> None:
    """Step 5c (``fixed.x``): the covariates' default (co)variances and intercepts are
    fixed at their sample values (``exo = 1``; the value is filled in at estimation)."""
    for r in rows:
        if r.user == 0 and r.op in ("~~", "~1") and r.lhs in ov_x and (r.op == "~1" or r.rhs in ov_x):
            r.free, r.ustart, r.exo = 0, math.nan, 1


def _check_scales(rows: list[_Row], lv: list[str]) -> None:
    """Step 6: every factor has a scale (a fixed loading or a fixed variance)."""
    for f in lv:
        loadings = [r for r in rows if r.op == "=~" and r.lhs == f]
        var = [r for r in rows if r.op == "~~" and r.lhs == f and r.rhs == f]
        if all(r.free for r in loadings) and (not var or var[0].free):
            raise IdentificationError(
                f"factor {f!r} has no scale: all its loadings are free ({loadings[0].where}) "
                f"and its variance is free. Fix one loading (1*{loadings[0].rhs}), fix its "
                f"variance ({f} ~~ 1*{f}), or pass std_lv=True"
            )


def _label_groups(rows: list[_Row]) -> dict[str, list[int]]:
    """Step 7a: rows sharing a label (an equality constraint), checked: one kind of
    parameter per label; a label with a fixed row fixes all its rows at that value."""
    by_label: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r.label:
            by_label.setdefault(r.label, []).append(i)
    for lab, idx in by_label.items():
        kinds = {_row_kind(rows[i]) for i in idx}
        if len(kinds) > 1:
            desc = "; ".join(
                f"{rows[i].lhs} {rows[i].op} {rows[i].rhs} ({rows[i].where}) is "
                f"{_KIND_NAMES[_row_kind(rows[i])]}"
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
    return by_label


def _merge_equalities(
    equalities: list[Statement], rows: list[_Row], by_label: dict[str, list[int]]
) -> dict[str, str]:
    """Step 7b: explicit ``a == b`` between labels, merged like a shared label.

    Returns the equality group of every label (its canonical label).
    """
    canon: dict[str, str] = {lab: lab for lab in by_label}

    def find(lab: str) -> str:
        while canon[lab] != lab:
            lab = canon[lab]
        return lab

    for s_eq in equalities:
        a, b = s_eq.lhs.strip(), s_eq.rhs.strip()
        for lab in (a, b):
            if lab not in by_label:
                raise SpecificationError(
                    f"{lab!r} in the constraint {s_eq.where()} is not a label of the model; "
                    f"labels are: {', '.join(sorted(by_label)) or 'none (label parameters with a*x)'}"
                )
        ka, kb = _row_kind(rows[by_label[a][0]]), _row_kind(rows[by_label[b][0]])
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
    return {lab: find(lab) for lab in canon}


def _number(rows: list[_Row], group_of: dict[str, str]) -> tuple[list[int], list[int], int]:
    """Step 8: lavaan's ``free`` numbers (1, 2, ... over free rows) and acsi's ``par``
    (index into the reduced vector: rows of one equality group share it).

    Returns ``(free, par, npar)``.
    """
    free_no: list[int] = []
    par_no: list[int] = []
    k = 0
    q = 0
    label_par: dict[str, int] = {}
    for r in rows:
        if not r.free:
            free_no.append(0)
            par_no.append(-1)
            continue
        k += 1
        free_no.append(k)
        group = group_of[r.label] if r.label else ""
        if group and group in label_par:
            par_no.append(label_par[group])
        else:
            par_no.append(q)
            if group:
                label_par[group] = q
            q += 1
    return free_no, par_no, q


def _defined_rows(defined: list[Statement], labels: set[str]) -> list[_Row]:
    """Step 9: the ``:=`` rows; each may use the labels and the earlier definitions."""
    known = set(labels)
    out: list[_Row] = []
    for s in defined:
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
        out.append(
            _Row(s.lhs, ":=", "".join(s.rhs.split()), user=1, free=0, label=s.lhs, line=s.line, where=s.where())
        )
    return out


def build_partable(
    model: str | ParsedModel,
    *,
    std_lv: bool = False,
    meanstructure: bool = False,
    fixed_x: bool = True,
    auto_fix_first: bool | None = None,
) -> ParameterTable:
    """Build the parameter table of a model with lavaan's ``sem()``/``cfa()`` defaults.

    The steps are lavaan's (``lavaanify``): flatten the statements into rows, derive the
    variable sets, add the default variances, covariances and intercepts, fix the scale
    (marker loading or ``std_lv``) and the other defaults (single indicators, latent
    intercepts, ``fixed_x``), check every factor's scale, resolve shared labels and
    ``a == b`` equalities, number the free parameters, append the ``:=`` rows.

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
    key = (parsed, bool(std_lv), bool(meanstructure), bool(fixed_x), bool(auto_fix_first))
    hit = _TABLES.get(key)
    if hit is None:  # the table is a pure, immutable function of the statements and options
        hit = _build_partable(parsed, bool(std_lv), bool(meanstructure), bool(fixed_x), bool(auto_fix_first))
        if len(_TABLES) >= _TABLES_MAX:
            _TABLES.clear()
        _TABLES[key] = hit
    return hit


#: parameter tables by (statements, options): a refit or a bootstrap builds its table once
_TABLES: dict[tuple[ParsedModel, bool, bool, bool, bool], ParameterTable] = {}
_TABLES_MAX = 256


def _build_partable(
    parsed: ParsedModel, std_lv: bool, meanstructure: bool, fixed_x: bool, auto_fix_first: bool
) -> ParameterTable:
    """:func:`build_partable` without the cache."""
    flat = _flatten(parsed)
    meanstructure = bool(meanstructure or any(r.op == "~1" for r in flat.rows))
    vs = _variable_sets(flat.rows)
    _check_labels_not_variables(flat.rows, vs)
    _check_threshold_rows(flat, vs)
    rows = flat.rows + _default_rows(flat.rows, vs, meanstructure)
    _fix_scale(rows, vs.lv, std_lv, auto_fix_first)
    _fix_single_indicators(rows)
    if meanstructure:
        _fix_latent_intercepts(rows, vs.lv)
    if fixed_x:
        _fix_exogenous(rows, vs.ov_x)
    if not std_lv:
        _check_scales(rows, vs.lv)
    by_label = _label_groups(rows)
    group_of = _merge_equalities(flat.equalities, rows, by_label)
    free_no, par_no, npar = _number(rows, group_of)
    def_rows = _defined_rows(flat.defined, set(by_label))
    pt = _freeze_table(rows, def_rows, free_no, par_no, npar, vs, parsed.source,
                       meanstructure=meanstructure, std_lv=std_lv, fixed_x=fixed_x)
    if flat.constraints:  # estimated by acsi.cbsem.constraints
        for c in flat.constraints:
            used = compile_expression(c.lhs)[1] + compile_expression(c.rhs)[1]
            unknown = [u for u in dict.fromkeys(used) if u not in by_label]
            if unknown:
                raise SpecificationError(
                    f"the constraint '{c.lhs.strip()} {c.op} {c.rhs.strip()}' ({c.where()}) uses "
                    f"{', '.join(map(repr, unknown))}, which is not a label of the model; labels are: "
                    f"{', '.join(sorted(by_label)) or 'none (label parameters with a*x)'}"
                )
        cons = tuple((c.lhs.strip(), c.op, c.rhs.strip(), c.line, c.where()) for c in flat.constraints)
        pt = replace(pt, constraints=cons)
    return pt


#: lavaan's ``group.equal`` keywords
GROUP_EQUAL = (
    "loadings", "intercepts", "means", "thresholds", "residuals", "residual.covariances",
    "lv.variances", "lv.covariances", "regressions",
)


def _row_name(lhs: str, op: str, rhs: str) -> str:
    """lavaan's name of a row in ``group.partial`` (``"visual=~x2"``, ``"x1~1"``)."""
    return f"{lhs}{op}{rhs}" if op != "~1" else f"{lhs}~1"


def _equal_flag(r: _Row, group_equal: Sequence[str], vs: _VarSets) -> bool:
    """Whether ``group_equal`` constrains this (group 1) row across groups (lavaan's
    ``lav_partable_labels``)."""
    o, a, b = r.op, r.lhs, r.rhs
    ge = group_equal
    ov_nox, lv = vs.ov_nox, vs.lv
    return (
        ("loadings" in ge and o == "=~")
        or ("intercepts" in ge and o == "~1" and a in ov_nox)
        or ("means" in ge and o == "~1" and a in lv)
        or ("regressions" in ge and o == "~")
        or ("residuals" in ge and o == "~~" and a in ov_nox and a == b)
        or ("residual.covariances" in ge and o == "~~" and a in ov_nox and a != b)
        or ("lv.variances" in ge and o == "~~" and a in lv and a == b)
        or ("lv.covariances" in ge and o == "~~" and a in lv and a != b)
    )


def build_multigroup_partable(
    model: str | ParsedModel,
    ngroups: int,
    *,
    std_lv: bool = False,
    fixed_x: bool = True,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
    group_labels: Sequence[str] = (),
    auto_fix_first: bool | None = None,
) -> ParameterTable:
    """The parameter table of a multigroup model, as lavaan's ``lavaanify(ngroups = G)``.

    The single-group rows (:func:`build_partable`, always with a mean structure, as lavaan
    for several groups) are repeated for each group, with the group's element of every
    ``c(...)`` modifier. Then, as lavaan: with ``intercepts`` (or ``thresholds``) but not
    ``means`` in ``group_equal`` the latent means are free in groups 2, 3, ...; with
    ``std_lv`` and ``loadings`` but not ``lv.variances`` the latent variances are free
    there. A row of group ``g > 1`` is constrained equal to the group-1 row of the same
    ``lhs op rhs`` when ``group_equal`` names its kind and ``group_partial`` does not name
    it (``"visual=~x2"``, ``"x1~1"``), unless a user label overrides it; a label shared
    across groups (``a*x2`` applies to every group) is an equality constraint too. Rows
    constrained equal carry the label ``.pK.`` of the first row (lavaan's ``plabel``).

    Parameters
    ----------
    model : str or ParsedModel
    ngroups : int
        Number of groups (at least 2).
    std_lv, fixed_x, auto_fix_first
        As :func:`build_partable`.
    group_equal : sequence of str
        Keywords of :data:`GROUP_EQUAL`.
    group_partial : sequence of str
        Rows exempted from ``group_equal`` (``"lhs op rhs"``; spaces are ignored).
    group_labels : sequence of str
        Names of the groups (messages only).

    Returns
    -------
    ParameterTable
        With ``group`` set (1..G; 0 for ``:=`` rows) and ``meanstructure=True``.

    Raises
    ------
    acsi.SpecificationError
        An unknown ``group_equal`` keyword, a ``group_partial`` entry that names no
        parameter of the model, a ``c(...)`` vector whose length is not the number of
        groups, and the errors of :func:`build_partable`.

    Examples
    --------
    >>> pt = build_multigroup_partable("f =~ y1 + y2 + y3", 2, group_equal=["loadings"])
    >>> pt.ngroups, pt.npar, pt.label[1], pt.label[pt.group.index(2) + 1]
    (2, 16, '.p2.', '.p2.')
    """
    parsed = model if isinstance(model, ParsedModel) else parse_model(model)
    G = int(ngroups)
    if auto_fix_first is None:
        auto_fix_first = not std_lv
    bad = [k for k in group_equal if k not in GROUP_EQUAL]
    if bad:
        raise SpecificationError(
            f"unknown group_equal keyword(s) {', '.join(map(repr, bad))}; use any of "
            f"{', '.join(GROUP_EQUAL)}"
        )
    flat = _flatten(parsed, G, group_labels)
    vs = _variable_sets(flat.rows)
    ge = tuple(group_equal)
    shared = [st for st in flat.sources if st.label and st.label_g is None]
    if shared and not ge:
        from acsi.exceptions import AcsiWarning, warn

        warn(
            f"the label(s) {', '.join(sorted({str(st.label) for st in shared}))} "
            f"({shared[0].where()}) apply to every group: a single label in a multigroup "
            "model makes the parameter equal across groups (as in lavaan); give one label per "
            "group, c(a1, a2)*x, if that is not intended",
            AcsiWarning,
        )
    rows: list[_Row] = []
    group_no: list[int] = []
    for g in range(G):
        urows = [_user_row(st, g) for st in flat.sources]
        _check_labels_not_variables(urows, vs)
        rows_g = urows + _default_rows(urows, vs, True)
        _fix_scale(rows_g, vs.lv, std_lv, auto_fix_first)
        _fix_single_indicators(rows_g)
        _fix_latent_intercepts(rows_g, vs.lv)
        if g > 0:
            if ("intercepts" in ge or "thresholds" in ge) and "means" not in ge:
                for r in rows_g:
                    if r.op == "~1" and r.user == 0 and r.lhs in vs.lv:
                        r.free, r.ustart = 1, math.nan
            if std_lv and "loadings" in ge and "lv.variances" not in ge:
                for r in rows_g:
                    if r.op == "~~" and r.lhs == r.rhs and r.user == 0 and r.lhs in vs.lv:
                        r.free, r.ustart = 1, math.nan
        if fixed_x:
            _fix_exogenous(rows_g, vs.ov_x)
        if not std_lv:
            _check_scales(rows_g, vs.lv)
        rows += rows_g
        group_no += [g + 1] * len(rows_g)
    # group.partial: every entry names a parameter of the model
    n1 = group_no.count(1)
    names1 = {_row_name(r.lhs, r.op, r.rhs): k for k, r in enumerate(rows[:n1])}
    partial = set()
    for entry in group_partial:
        key = "".join(str(entry).split())
        if key not in names1:
            close = [n for n in names1 if n.split("~")[0] == key.split("~")[0]][:6]
            hint = f"; parameters of {key.split('~')[0]!r}: {', '.join(close)}" if close else ""
            raise SpecificationError(
                f"group_partial names {entry!r}, which is not a parameter of the model (write "
                f"'lhs op rhs' as in the estimates, e.g. 'visual=~x2' or 'x1~1'){hint}"
            )
        partial.add(key)
    # lavaan's equality labels: user label, else the group-1 row's name when group_equal
    # constrains it, else the row's own name (unique per group)
    eq_label: list[str] = []
    for k, r in enumerate(rows):
        g = group_no[k]
        name = _row_name(r.lhs, r.op, r.rhs)
        ref = names1.get(name)
        if r.label:
            eq_label.append("\0" + r.label)
        elif (g == 1 or (ref is not None and _equal_flag(rows[ref], ge, vs) and name not in partial)):
            eq_label.append(name)
        else:
            eq_label.append(f"{name}.g{g}")
    classes: dict[str, list[int]] = {}
    for k, lab in enumerate(eq_label):
        if not lab.startswith("\0"):
            classes.setdefault(lab, []).append(k)
    for idx in classes.values():
        if len(idx) < 2:
            continue
        fixed = [k for k in idx if rows[k].free == 0]
        if fixed:  # lavaan: every row fixed at the first fixed row's value
            val = rows[fixed[0]].ustart
            for k in idx:
                rows[k].free, rows[k].ustart = 0, val
        else:
            for k in idx:
                rows[k].label = f".p{idx[0] + 1}."
    by_label = _label_groups(rows)
    group_of = _merge_equalities(flat.equalities, rows, by_label)
    free_no, par_no, npar = _number(rows, group_of)
    def_rows = _defined_rows(flat.defined, set(by_label))
    pt = _freeze_table(rows, def_rows, free_no, par_no, npar, vs, parsed.source,
                       meanstructure=True, std_lv=std_lv, fixed_x=fixed_x)
    return dataclasses.replace(pt, group=tuple(group_no + [0] * len(def_rows)))


def group_table(pt: ParameterTable, g: int) -> ParameterTable:
    """The rows of group ``g`` (1-based) of a multigroup table as a table of their own.

    ``par`` keeps the indices into the multigroup parameter vector and ``npar`` its length,
    so a kernel built on this table maps the global parameter vector to the group's model;
    ``:=`` rows are left out.
    """
    lo = pt.group.index(g)  # a group's rows are contiguous
    hi = lo + pt.group.count(g)

    def take(values: tuple) -> tuple:
        return values[lo:hi]

    return dataclasses.replace(
        pt, lhs=take(pt.lhs), op=take(pt.op), rhs=take(pt.rhs), user=take(pt.user),
        free=take(pt.free), par=take(pt.par), ustart=take(pt.ustart), label=take(pt.label),
        plabel=take(pt.plabel), exo=take(pt.exo), line=take(pt.line), where=take(pt.where),
        group=(),
    )


def _freeze_table(
    rows: list[_Row], def_rows: list[_Row], free_no: list[int], par_no: list[int], npar: int,
    vs: _VarSets, source: str, *, meanstructure: bool, std_lv: bool, fixed_x: bool,
) -> ParameterTable:
    """Step 10: the immutable table (the ``:=`` rows last, unnumbered)."""
    all_rows = rows + def_rows
    n_def = len(def_rows)
    return ParameterTable(
        lhs=tuple(r.lhs for r in all_rows),
        op=tuple(r.op for r in all_rows),
        rhs=tuple(r.rhs for r in all_rows),
        user=tuple(r.user for r in all_rows),
        free=tuple(free_no + [0] * n_def),
        par=tuple(par_no + [-1] * n_def),
        ustart=tuple(float(r.ustart) for r in all_rows),
        label=tuple(r.label for r in all_rows),
        plabel=tuple([f".p{i + 1}." for i in range(len(rows))] + [""] * n_def),
        exo=tuple(r.exo for r in all_rows),
        line=tuple(r.line for r in all_rows),
        where=tuple(r.where for r in all_rows),
        ov_names=tuple(vs.ov_names),
        lv_names=tuple(vs.lv),
        ov_x=tuple(vs.ov_x),
        ov_y=tuple(vs.ov_y),
        lv_x=tuple(vs.lv_x),
        lv_y=tuple(vs.lv_y),
        ov_ind=tuple(vs.ov_ind),
        meanstructure=meanstructure,
        std_lv=std_lv,
        fixed_x=fixed_x,
        npar=npar,
        source=source,
    )


# --------------------------------------------------------------------------- ordinal rows


def _user_thresholds(pt: ParameterTable, n_tab: int, nth: dict[str, int]) -> set[tuple[str, int]]:
    """The ``(item, k)`` of the thresholds written in the model, checked against the data:
    the item must be ordinal and ``k`` at most its number of categories minus one."""
    written: set[tuple[str, int]] = set()
    for k in range(n_tab):
        if pt.op[k] != "|":
            continue
        v, t = pt.lhs[k], int(pt.rhs[k][1:])
        where = pt.where[k]
        line = pt.line[k]
        text = where.split(": ", 1)[1] if ": " in where else ""
        col = max(text.find(pt.rhs[k]), 0) + 1
        if v not in nth:
            raise ModelSyntaxError(
                f"{v!r} has thresholds in the model ({v} | {pt.rhs[k]}) but is not an ordinal item: "
                f"add it to ordered= (ordered=[..., {v!r}]) or remove its threshold formula",
                line=line, column=col, text=text,
            )
        if t > nth[v]:
            raise ModelSyntaxError(
                f"{v} | {pt.rhs[k]}: {v!r} has {nth[v] + 1} observed categories, so its thresholds are "
                f"t1 .. t{nth[v]}; there is no {pt.rhs[k]}",
                line=line, column=col, text=text,
            )
        written.add((v, t))
    return written


def ordinal_partable(
    pt: ParameterTable,
    nth: dict[str, int],
    parameterization: str = "delta",
) -> ParameterTable:
    """The table of ``pt`` with lavaan's rows for ordinal indicators (``ordered=``).

    As lavaan's ``lavaanify(..., ordered = )``: every ordinal item ``y`` with ``K``
    categories gets free threshold rows ``y | t1 .. t(K-1)`` (after the user's formulas) and
    a scale-factor row ``y ~*~ y`` (before the intercepts); its intercept ``y ~1`` is fixed
    to 0. With ``parameterization="delta"`` the scale factor is fixed to 1 and the residual
    variance ``y ~~ y`` is fixed and computed (``1 - diag(Lambda Psi Lambda')``); with
    ``"theta"`` the residual variance is fixed to 1 and the scale factor is computed
    (``1 / sqrt(diag(Sigma))``). Computed rows have ``ustart`` NaN.

    Thresholds written in the model (``y | t1 + a*t2 + 0.5*t3``, lavaan's syntax) keep their
    place among the user's rows with their labels and fixed values; the item's other
    thresholds are added as above.

    Parameters
    ----------
    pt : ParameterTable
        Built with ``meanstructure=True``.
    nth : dict
        Number of thresholds of every ordinal item (items in ``pt.ov_names``).
    parameterization : {"delta", "theta"}

    Returns
    -------
    ParameterTable

    Examples
    --------
    >>> pt = build_partable("f =~ y1 + y2 + y3", meanstructure=True)
    >>> opt = ordinal_partable(pt, {"y1": 2, "y2": 1, "y3": 1})
    >>> [r for r in opt.rows() if "|" in r]
    ['y1|t1', 'y1|t2', 'y2|t1', 'y3|t1']
    """
    ordinal = [v for v in pt.ov_names if v in nth]
    n_tab = sum(1 for o in pt.op if o != ":=")
    cols: dict[str, list[Any]] = {
        "lhs": list(pt.lhs[:n_tab]), "op": list(pt.op[:n_tab]), "rhs": list(pt.rhs[:n_tab]),
        "user": list(pt.user[:n_tab]), "free": list(pt.free[:n_tab]), "par": list(pt.par[:n_tab]),
        "ustart": list(pt.ustart[:n_tab]), "label": list(pt.label[:n_tab]),
        "exo": list(pt.exo[:n_tab]), "line": list(pt.line[:n_tab]), "where": list(pt.where[:n_tab]),
    }
    theta = parameterization == "theta"
    ordset = set(ordinal)
    for k in range(n_tab):
        a, o, b = cols["lhs"][k], cols["op"][k], cols["rhs"][k]
        if a not in ordset or cols["user"][k]:
            continue
        if o == "~1":
            cols["free"][k], cols["par"][k], cols["ustart"][k] = 0, -1, 0.0
        elif o == "~~" and a == b:
            cols["free"][k], cols["par"][k], cols["ustart"][k] = 0, -1, 1.0 if theta else math.nan

    def new_rows(rows: list[tuple[str, str, str, int, float]]) -> dict[str, list[Any]]:
        return {
            "lhs": [r[0] for r in rows], "op": [r[1] for r in rows], "rhs": [r[2] for r in rows],
            "user": [0] * len(rows), "free": [r[3] for r in rows], "par": [-2 if r[3] else -1 for r in rows],
            "ustart": [r[4] for r in rows], "label": [""] * len(rows), "exo": [0] * len(rows),
            "line": [0] * len(rows), "where": [""] * len(rows),
        }

    written = _user_thresholds(pt, n_tab, nth)
    th = new_rows([(v, "|", f"t{t + 1}", 1, math.nan) for v in ordinal for t in range(nth[v])
                   if (v, t + 1) not in written])
    sc = new_rows([(v, "~*~", v, 0, math.nan if theta else 1.0) for v in ordinal])
    first_default = next((k for k in range(n_tab) if cols["user"][k] == 0), n_tab)
    first_int = next(
        (k for k in range(n_tab) if cols["user"][k] == 0 and cols["op"][k] == "~1"), n_tab
    )
    out = {
        key: val[:first_default] + th[key] + val[first_default:first_int] + sc[key] + val[first_int:]
        for key, val in cols.items()
    }
    # lavaan's numbering again: free rows 1, 2, ... in table order; the reduced index in
    # order of first appearance (rows sharing a label keep sharing it)
    free_no: list[int] = []
    par_no: list[int] = []
    remap: dict[int, int] = {}
    q = 0
    for f, p_old in zip(out["free"], out["par"]):
        if not f:
            free_no.append(0)
            par_no.append(-1)
            continue
        free_no.append(len([x for x in free_no if x]) + 1)
        if p_old >= 0 and p_old in remap:
            par_no.append(remap[p_old])
            continue
        if p_old >= 0:
            remap[p_old] = q
        par_no.append(q)
        q += 1
    n_def = len(pt) - n_tab
    d = slice(n_tab, len(pt))
    n_rows = len(out["lhs"])
    return ParameterTable(
        lhs=tuple(out["lhs"]) + pt.lhs[d], op=tuple(out["op"]) + pt.op[d], rhs=tuple(out["rhs"]) + pt.rhs[d],
        user=tuple(out["user"]) + pt.user[d], free=tuple(free_no) + (0,) * n_def,
        par=tuple(par_no) + (-1,) * n_def, ustart=tuple(float(u) for u in out["ustart"]) + pt.ustart[d],
        label=tuple(out["label"]) + pt.label[d],
        plabel=tuple(f".p{i + 1}." for i in range(n_rows)) + ("",) * n_def,
        exo=tuple(out["exo"]) + pt.exo[d], line=tuple(out["line"]) + pt.line[d],
        where=tuple(out["where"]) + pt.where[d],
        ov_names=pt.ov_names, lv_names=pt.lv_names, ov_x=pt.ov_x, ov_y=pt.ov_y, lv_x=pt.lv_x,
        lv_y=pt.lv_y, ov_ind=pt.ov_ind, meanstructure=True, std_lv=pt.std_lv, fixed_x=pt.fixed_x,
        npar=q, source=pt.source,
    )
