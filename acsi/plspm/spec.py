"""The PLS path model as plain arrays: blocks, modes and the inner (structural) model.

:class:`PLSSpec` is built once from lavaan-style syntax and then read by the numeric
kernels (:func:`acsi.plspm.algorithm.fit_kernel`, the batched bootstrap); nothing in it is
parsed or validated again.

Syntax accepted (lavaan's operators, read as PLS path modelling does):

* ``C =~ x1 + x2``: construct ``C`` with a Mode A block (correlation weights); with
  ``consistent=True`` it is a reflective construct that PLSc corrects.
* ``C <~ x1 + x2``: construct ``C`` with a Mode B block (regression weights, a composite).
* ``Y ~ X1 + X2``: structural paths ``X1 -> Y`` and ``X2 -> Y``.
* a single-item construct is declared like any other: ``Complaints =~ CUSCO``.

``~~``, ``~ 1``, ``:=``, ``==``, ``<``, ``>`` and fixed values or start values
(``1*x``) have no meaning in PLS path modelling and raise
:class:`~acsi.SpecificationError` naming the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from acsi.exceptions import SpecificationError
from acsi.spec.syntax import ParsedModel, Statement, parse_model

__all__ = ["PLSSpec"]


def _where(s: Statement) -> str:
    return s.where()


@dataclass(frozen=True, eq=False)
class PLSSpec:
    """A PLS path model in array form.

    Attributes
    ----------
    constructs : tuple of str
        The k constructs in seminr's order: the sources of the structural paths in the
        order the paths are written, then the targets, then constructs without structural
        paths (in block order). Tables (HTMT, Fornell-Larcker triangles) follow it.
    indicators : tuple of str
        The p indicators grouped by construct, in construct order (within a block, in the
        order written).
    block : ndarray of shape (p,), int
        Construct index of each indicator.
    mask : ndarray of shape (p, k), float
        Block membership, ``mask[j, c] = 1`` when indicator j belongs to construct c.
    mode : tuple of str
        ``"A"`` (``=~``) or ``"B"`` (``<~``) per construct.
    reflective : tuple of bool
        True for ``=~`` constructs (the ones PLSc corrects when ``consistent=True``).
    inner : ndarray of shape (k, k), bool
        ``inner[i, j]`` is True when there is a path construct i -> construct j (rows
        sources, columns targets, like seminr's ``path_coef``).
    where : dict
        Name -> "line L: <text>" of the statement that introduced it (for messages).
    item_order : tuple of str
        The indicators in the order their blocks are written (seminr's item order, used to
        order the rows of bootstrap tables); ``indicators`` itself follows the constructs.

    Examples
    --------
    >>> spec = PLSSpec.from_model('''
    ...     Image =~ IMAG1 + IMAG2
    ...     Value <~ PERV1 + PERV2
    ...     Sat   =~ CUSA1
    ...     Sat ~ Image + Value
    ... ''')
    >>> spec.constructs, spec.mode
    (('Image', 'Value', 'Sat'), ('A', 'B', 'A'))
    >>> spec.inner.astype(int).tolist()
    [[0, 0, 1], [0, 0, 1], [0, 0, 0]]
    """

    constructs: tuple[str, ...]
    indicators: tuple[str, ...]
    block: np.ndarray
    mask: np.ndarray
    mode: tuple[str, ...]
    reflective: tuple[bool, ...]
    inner: np.ndarray
    where: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    item_order: tuple[str, ...] = field(default=(), compare=False, repr=False)

    # ------------------------------------------------------------------ derived
    @property
    def k(self) -> int:
        """Number of constructs."""
        return len(self.constructs)

    @property
    def p(self) -> int:
        """Number of indicators."""
        return len(self.indicators)

    @property
    def endogenous(self) -> np.ndarray:
        """(k,) bool: constructs with at least one incoming path."""
        return np.asarray(self.inner.any(axis=0))

    @property
    def mode_b(self) -> np.ndarray:
        """(k,) bool: Mode B constructs."""
        return np.array([m == "B" for m in self.mode], dtype=bool)

    def block_indicators(self, construct: str | int) -> tuple[str, ...]:
        """Indicators of one construct (by name or index)."""
        c = self.constructs.index(construct) if isinstance(construct, str) else int(construct)
        return tuple(x for x, b in zip(self.indicators, self.block) if b == c)

    def topological_order(self) -> list[int]:
        """Construct indices so that every source precedes its targets."""
        return _topo(self.inner)

    # ------------------------------------------------------------------ builder
    @classmethod
    def from_model(cls, model: str | ParsedModel) -> PLSSpec:
        """Build the spec from model syntax (or an already parsed model).

        Raises
        ------
        acsi.ModelSyntaxError
            Text that does not parse.
        acsi.SpecificationError
            An indicator in two blocks, a construct defined with both ``=~`` and ``<~``,
            a structural variable that is not a construct, a construct without indicators,
            statements that PLS does not estimate (``~~``, ``~ 1``, ``:=``, constraints,
            fixed values, labels), a cycle in the inner model.
        """
        if isinstance(model, ParsedModel):
            parsed = model
        elif isinstance(model, str):
            parsed = parse_model(model)
        else:
            raise SpecificationError(
                f"model must be lavaan-style model syntax (a str), not {type(model).__name__}"
            )
        if not parsed.statements:
            raise SpecificationError("the model is empty; write at least one block such as 'C =~ x1 + x2'")

        # pass 1: statement kinds PLS cannot use
        for s in parsed.statements:
            if s.op in ("~~", "~1", ":=", "==", "<", ">", "|"):
                what = {
                    "|": "thresholds of ordinal items are not parameters of a PLS path model",
                    "~~": "(co)variances are not parameters of a PLS path model",
                    "~1": "intercepts are not estimated in PLS path modelling (scores are standardized)",
                    ":=": "defined parameters are not supported by acsi.pls; use res.effects for indirect effects",
                    "==": "equality constraints are not possible in PLS path modelling",
                    "<": "inequality constraints are not possible in PLS path modelling",
                    ">": "inequality constraints are not possible in PLS path modelling",
                }[s.op]
                raise SpecificationError(
                    f"{_where(s)}: '{s.op}' {what}. Remove the line, or estimate the model "
                    "with acsi.sem (CB-SEM)."
                )
        block_names = {s.lhs for s in parsed.by_op("=~", "<~")}
        for s in parsed.statements:  # then modifiers (a ':=' line explains a label first)
            if s.label and s.op == "~" and s.label in block_names:
                raise SpecificationError(
                    f"{_where(s)}: '{s.label}*{s.rhs}' reads as the label '{s.label}' on "
                    f"'{s.rhs}' (lavaan syntax); interaction terms are written with a colon: "
                    f"'{s.lhs} ~ {s.label}:{s.rhs}' (acsi.pls(..., interaction=...))"
                )
            if s.label:
                raise SpecificationError(
                    f"{_where(s)}: the label '{s.label}*' has no meaning in PLS path modelling "
                    "(there are no equality constraints or defined parameters; indirect effects "
                    f"are in res.effects); write '{s.rhs}' without the label"
                )
            if s.fixed is not None or s.start is not None or s.free:
                raise SpecificationError(
                    f"{_where(s)}: fixed values, start values and NA* are not possible in PLS "
                    f"path modelling (every weight and path is estimated); write '{s.rhs}' "
                    "without the modifier"
                )

        # pass 2: blocks
        constructs: list[str] = []
        mode: dict[str, str] = {}
        blocks: dict[str, list[str]] = {}
        owner: dict[str, str] = {}
        where: dict[str, str] = {}
        for s in parsed.by_op("=~", "<~"):
            m = "A" if s.op == "=~" else "B"
            if s.lhs not in mode:
                constructs.append(s.lhs)
                mode[s.lhs] = m
                blocks[s.lhs] = []
                where[s.lhs] = _where(s)
            elif mode[s.lhs] != m:
                raise SpecificationError(
                    f"{_where(s)}: construct {s.lhs!r} is defined with both '=~' and '<~' "
                    f"(first at {where[s.lhs]}); a block has one mode: use '=~' for Mode A "
                    "(reflective) or '<~' for Mode B (composite)"
                )
            x = s.rhs
            if x in owner:
                if owner[x] == s.lhs:
                    raise SpecificationError(
                        f"{_where(s)}: indicator {x!r} is listed twice in the block of {s.lhs!r}"
                    )
                raise SpecificationError(
                    f"{_where(s)}: indicator {x!r} is already in the block of {owner[x]!r} "
                    f"({where[x]}); in PLS path modelling each indicator belongs to exactly "
                    "one block. Duplicate the column under another name if it must be used twice."
                )
            owner[x] = s.lhs
            where[x] = _where(s)
            blocks[s.lhs].append(x)
        for x, c in owner.items():
            if x in mode and x != c:
                raise SpecificationError(
                    f"{where[x]}: {x!r} is a construct and cannot be an indicator of {c!r} in a "
                    "PLSSpec; a higher-order construct is estimated by acsi.pls (hoc='two_stage', "
                    "'embedded_two_stage' or 'repeated_indicators'), which expands it into stages"
                )

        # pass 3: structural model
        constructs_old = list(constructs)
        k = len(constructs)
        idx = {c: i for i, c in enumerate(constructs)}
        inner = np.zeros((k, k), dtype=bool)
        for s in parsed.by_op("~"):
            for name in (s.lhs, s.rhs):
                if name not in idx:
                    hint = (
                        f" It is an indicator of {owner[name]!r}; a structural path connects "
                        "constructs."
                        if name in owner
                        else f" Declare it as a construct with a block (a single item: '{name} =~ {name}')."
                    )
                    raise SpecificationError(
                        f"{_where(s)}: {name!r} in a structural path is not a construct of the "
                        f"model.{hint}"
                    )
            if s.lhs == s.rhs:
                raise SpecificationError(f"{_where(s)}: {s.lhs!r} cannot be regressed on itself")
            i, j = idx[s.rhs], idx[s.lhs]
            if inner[i, j]:
                raise SpecificationError(f"{_where(s)}: the path {s.rhs} -> {s.lhs} is written twice")
            inner[i, j] = True
            where.setdefault(f"{s.rhs}->{s.lhs}", _where(s))

        # cycles
        spec_tmp_order = _topo(inner)
        if len(spec_tmp_order) < k:
            left = [constructs[i] for i in range(k) if i not in spec_tmp_order]
            cyc = [f"{constructs[i]} -> {constructs[j]}" for i in range(k) for j in range(k)
                   if inner[i, j] and constructs[i] in left and constructs[j] in left]
            line = where.get(cyc[0].replace(" ", ""), "") if cyc else ""
            raise SpecificationError(
                f"the inner model has a cycle among {left} (paths {', '.join(cyc)}"
                f"{'; ' + line if line else ''}); PLS path modelling needs a recursive model. "
                "Remove one of the paths (or use acsi.sem for a non-recursive model)."
            )
        # seminr's construct order: the sources of the structural paths in the order the
        # paths are written, then their targets, then constructs without paths (which
        # seminr leaves out) in block order
        paths = list(parsed.by_op("~"))
        first: list[str] = []
        for name in [s.rhs for s in paths] + [s.lhs for s in paths] + list(constructs):
            if name not in first:
                first.append(name)
        if first != constructs:
            constructs = first
            idx = {c: i for i, c in enumerate(constructs)}
            perm = [constructs_old.index(c) for c in constructs]
            inner = inner[np.ix_(perm, perm)].copy()
        indicators = tuple(x for c in constructs for x in blocks[c])
        block = np.array([idx[owner[x]] for x in indicators], dtype=np.intp)
        mask = np.zeros((len(indicators), k), dtype=np.float64)
        mask[np.arange(len(indicators)), block] = 1.0
        block.setflags(write=False)
        mask.setflags(write=False)
        inner.setflags(write=False)
        return cls(
            constructs=tuple(constructs),
            indicators=indicators,
            block=block,
            mask=mask,
            mode=tuple(mode[c] for c in constructs),
            reflective=tuple(mode[c] == "A" for c in constructs),
            inner=inner,
            where=where,
            item_order=tuple(x for c in constructs_old for x in blocks[c]),
        )


def _topo(inner: np.ndarray) -> list[int]:
    k = inner.shape[0]
    indeg = inner.sum(axis=0).astype(int)
    order: list[int] = []
    ready = [j for j in range(k) if indeg[j] == 0]
    while ready:
        i = ready.pop(0)
        order.append(i)
        for j in np.flatnonzero(inner[i]):
            indeg[j] -= 1
            if indeg[j] == 0:
                ready.append(int(j))
    return order
