"""Higher-order constructs and interaction terms: the model expanded into PLS stages.

A model with a construct measured by constructs (``Sat =~ Tangibles + Assurance``) or with
interaction terms in a regression (``Loy ~ Sat + Exp + Sat:Exp``) is estimated as a short
sequence of ordinary PLS path models (:class:`~acsi.plspm.spec.PLSSpec`) on derived data:

1. **Higher-order constructs** (``hoc=``):

   * ``"two_stage"`` (seminr's ``higher_composite``, the *disjoint two-stage* approach of
     Sarstedt et al. 2019; ``"disjoint_two_stage"`` is the same method): stage 1 estimates
     the model with every higher-order construct (HOC) replaced by its lower-order
     constructs (LOCs), which take over its structural paths; stage 2 measures the HOC by
     the stage-1 LOC scores.
   * ``"embedded_two_stage"`` (Becker et al. 2012; Sarstedt et al. 2019): stage 1 is the
     repeated-indicators model; stage 2 as above.
   * ``"repeated_indicators"`` (Lohmoeller 1989; Becker et al. 2012): one stage; the HOC's
     block repeats every item of its LOCs (named ``"item@HOC"``), paths HOC -> LOC for a
     Mode A (``=~``) HOC and LOC -> HOC for a Mode B (``<~``) HOC.

2. **Interaction terms** (``interaction=``, seminr's ``interaction_term``; Henseler & Chin
   2010): the construct ``"X*M"`` (seminr's name) is measured by

   * ``"product_indicator"``: the products of the standardized items of X and M
     (items named ``"x1*m1"``, X's items outer);
   * ``"orthogonal"``: those products, each residualized on all items of X and M
     (least squares with an intercept; Little, Bovaird & Widaman 2006);
   * ``"two_stage"``: the single item ``"X*M_intxn"``, the product of the X and M scores
     of a first-stage estimation of the model without interaction terms.

   As seminr, the interaction construct's scores are then rescaled by the loading-weighted
   mean standard deviation of its (unstandardized) items (``sum sd_i |l_i| / sum |l_i|``),
   which divides its path coefficients and multiplies its loadings by that factor.

Everything is computed for a stack of resamples at once (:func:`stage2_moments`), from
row weights on the data: the point estimate is the stack of one, the bootstrap redoes the
whole procedure (first stage, scores, products, residuals, rescaling) in every resample.
Models without interaction terms take a faster route: the stage-2 correlation matrix is
``T' R T`` where ``T`` maps the items to the stage-1 LOC scores (:func:`stage2_from_R`).

References
----------
Becker, J.-M., Klein, K., & Wetzels, M. (2012). Hierarchical latent variable models in
PLS-SEM. *Long Range Planning*, 45(5-6), 359-394. Henseler, J., & Chin, W. W. (2010). A
comparison of approaches for the analysis of interaction effects between latent variables
using partial least squares path modeling. *Structural Equation Modeling*, 17(1), 82-109.
Sarstedt, M., Hair, J. F., Cheah, J.-H., Becker, J.-M., & Ringle, C. M. (2019). How to
specify, estimate, and validate higher-order constructs in PLS-SEM. *Australasian Marketing
Journal*, 27(3), 197-211.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi.exceptions import SpecificationError
from acsi.plspm.algorithm import KernelResult
from acsi.plspm.batched import BatchedKernelResult, BatchPlan, fit_batched, make_plan
from acsi.plspm.results import PLSResult
from acsi.plspm.spec import PLSSpec
from acsi.results.base import Summary, freeze, frozen_table
from acsi.spec.syntax import ParsedModel, Statement

if TYPE_CHECKING:
    from acsi.data import PreparedData

__all__ = [
    "HOC_METHODS",
    "INTERACTION_METHODS",
    "HigherOrder",
    "InteractionTerm",
    "ExtendedModel",
    "ExtendedPLSResult",
    "ExtensionInfo",
    "IndexMap",
    "pls_extended",
    "interaction_adjustment",
    "StageOutput",
    "expand_model",
    "has_extensions",
    "observed_items",
    "stage2_moments",
    "stage2_from_R",
]

#: ``hoc=`` choices (``"disjoint_two_stage"`` is the canonical name of ``"two_stage"``'s method).
HOC_METHODS: tuple[str, ...] = (
    "two_stage", "disjoint_two_stage", "embedded_two_stage", "repeated_indicators",
)
#: ``interaction=`` choices (seminr's ``product_indicator``, ``orthogonal``, ``two_stage``).
INTERACTION_METHODS: tuple[str, ...] = ("product_indicator", "orthogonal", "two_stage")


@dataclass(frozen=True)
class HigherOrder:
    """A higher-order construct: its name, lower-order constructs (dimensions) and mode."""

    name: str
    dimensions: tuple[str, ...]
    mode: str  # "A" (=~) or "B" (<~)
    where: str


@dataclass(frozen=True)
class InteractionTerm:
    """An interaction construct ``iv*moderator`` and its items (stage-2 indicator names)."""

    name: str
    iv: str
    moderator: str
    items: tuple[str, ...]
    where: str


# ----------------------------------------------------------------------------- recipes
# Stage-2 columns are built from "layer A" (the observed items, standardized, followed by
# the stage-1 LOC scores) and interaction items computed from layer A.
@dataclass(frozen=True, eq=False)
class _Recipe:
    """How the stage-2 data are derived from the observed items (index arrays)."""

    h_idx: np.ndarray | None  # stage-1 (HOC) indicators -> observed columns
    loc_cols: np.ndarray  # stage-1 constructs whose scores join layer A
    int_idx: np.ndarray | None  # interaction first-stage indicators -> layer A columns
    products: tuple[tuple[str, int, int, np.ndarray, int, int], ...]
    # (kind, a, b, basis (layer A), iv construct, moderator construct) per interaction item;
    # kind "pi" / "orth" use layer A columns a, b; "ts" uses first-stage constructs iv, mod
    take: np.ndarray  # stage-2 columns: >= 0 layer A column, < 0: -1 - product index
    int_groups: tuple[tuple[int, np.ndarray], ...]  # (stage-2 construct, its item columns)

    def __post_init__(self) -> None:
        for name in ("h_idx", "loc_cols", "int_idx", "take"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, freeze(value))
        object.__setattr__(self, "products", tuple((k, a, b, freeze(bs), i, j) for k, a, b, bs, i, j in self.products))
        object.__setattr__(self, "int_groups", tuple((c, freeze(g)) for c, g in self.int_groups))


@dataclass(frozen=True, eq=False)
class ExtendedModel:
    """A PLS model with higher-order constructs and/or interaction terms, as stages.

    Attributes
    ----------
    spec : PLSSpec
        The final (stage-2) model: a HOC measured by its LOC names (two-stage methods) or
        by repeated items; an interaction construct ``"X*M"`` by its product items.
    observed : tuple of str
        The data columns the model uses.
    hocs, interactions : tuples
        The higher-order constructs and interaction terms.
    hoc_method, interaction_method : str
    first : PLSSpec or None
        Stage 1 of a two-stage HOC method (LOC scores come from it).
    int_first : PLSSpec or None
        First stage of two-stage interactions (the stage-2 model without interaction terms).
    lower_order : tuple of str
        The LOCs of two-stage methods (constructs of ``first`` only, not of ``spec``).
    statements : tuple of Statement
        The model as written (for re-estimation without a path, e.g. f-squared).
    """

    spec: PLSSpec
    observed: tuple[str, ...]
    hocs: tuple[HigherOrder, ...]
    interactions: tuple[InteractionTerm, ...]
    hoc_method: str
    interaction_method: str
    first: PLSSpec | None
    int_first: PLSSpec | None
    lower_order: tuple[str, ...]
    statements: tuple[Statement, ...]
    recipe: _Recipe

    @property
    def linear(self) -> bool:
        """True when stage 2 is a linear map of the item correlations (no interactions)."""
        return not self.interactions

    def plans(self) -> tuple[BatchPlan, BatchPlan | None, BatchPlan | None]:
        """Batch plans of stage 2, stage 1 and the interaction first stage."""
        return (
            make_plan(self.spec),
            None if self.first is None else make_plan(self.first),
            None if self.int_first is None else make_plan(self.int_first),
        )


def observed_items(model: str | ParsedModel) -> tuple[str, ...]:
    """The data columns a PLS model reads: its items, not the constructs that measure a
    higher-order construct nor interaction terms (for callers that select columns before
    :func:`acsi.pls`, e.g. a report).

    Examples
    --------
    >>> observed_items("A =~ a1 + a2; B =~ b1; H =~ A + B; Y =~ y1; Y ~ H + A:B")
    ('a1', 'a2', 'b1', 'y1')
    """
    from acsi.spec.syntax import parse_model

    parsed = parse_model(model) if isinstance(model, str) else model
    blocks = {s.lhs for s in parsed.statements if s.op in ("=~", "<~")}
    out: list[str] = []
    for s in parsed.statements:
        if s.op in ("=~", "<~") and s.rhs not in blocks and s.rhs not in out:
            out.append(s.rhs)
    return tuple(out)


def has_extensions(parsed: ParsedModel) -> bool:
    """Whether the model has a construct measured by constructs or an interaction term."""
    blocks = {s.lhs for s in parsed.statements if s.op in ("=~", "<~")}
    return any(
        (s.op in ("=~", "<~") and s.rhs in blocks) or (s.op == "~" and ":" in s.rhs + s.lhs)
        for s in parsed.statements
    )


def _stmt(s: Statement, lhs: str, op: str, rhs: str) -> Statement:
    return replace(s, lhs=lhs, op=op, rhs=rhs)


def expand_model(parsed: ParsedModel, hoc: str = "two_stage", interaction: str = "product_indicator") -> ExtendedModel:
    """Expand a model with HOCs and interaction terms into its PLS stages.

    Raises
    ------
    acsi.SpecificationError
        A HOC with fewer than two LOCs or mixing items and constructs, a LOC in two HOCs,
        a LOC with structural paths of its own, a HOC measured by a HOC, an interaction of
        a construct with itself, an interaction whose parts are not constructs, an
        interaction on the left of ``~``; each message names the model line.

    Examples
    --------
    >>> from acsi.spec.syntax import parse_model
    >>> ext = expand_model(parse_model('''
    ...     A =~ a1 + a2
    ...     B =~ b1 + b2
    ...     H =~ A + B
    ...     M =~ m1 + m2
    ...     Y =~ y1 + y2
    ...     Y ~ H + M + H:M
    ... '''))
    >>> ext.first.constructs          # stage 1: the LOCs take over the HOC's paths
    ('A', 'B', 'M', 'Y')
    >>> ext.spec.block_indicators("H"), ext.spec.block_indicators("H*M")
    (('A', 'B'), ('A*m1', 'A*m2', 'B*m1', 'B*m2'))
    """
    stmts = parsed.statements
    meas = [s for s in stmts if s.op in ("=~", "<~")]
    paths = [s for s in stmts if s.op == "~"]
    others = [s for s in stmts if s.op not in ("=~", "<~", "~")]
    blocks: dict[str, list[Statement]] = {}
    for s in meas:
        blocks.setdefault(s.lhs, []).append(s)

    # ---- higher-order constructs
    hocs: list[HigherOrder] = []
    owner: dict[str, str] = {}
    for name, ss in blocks.items():
        dims = [s.rhs for s in ss if s.rhs in blocks]
        if not dims:
            continue
        items = [s.rhs for s in ss if s.rhs not in blocks]
        where = ss[0].where()
        if items:
            raise SpecificationError(
                f"{where}: {name!r} is measured by constructs ({', '.join(dims)}) and by items "
                f"({', '.join(items)}); a higher-order construct is measured by lower-order "
                "constructs only. Put the items in a lower-order construct of their own."
            )
        if len(dims) < 2:
            raise SpecificationError(
                f"{where}: the higher-order construct {name!r} has one lower-order construct "
                f"({dims[0]!r}); it needs at least two (with one it is the same construct). "
                f"Use {dims[0]!r} directly or add dimensions."
            )
        for d in dims:
            if any(t.rhs in blocks for t in blocks[d]):
                raise SpecificationError(
                    f"{where}: {d!r} is itself a higher-order construct; acsi.pls estimates "
                    "second-order constructs (constructs measured by first-order constructs) only"
                )
            if d in owner:
                raise SpecificationError(
                    f"{where}: the lower-order construct {d!r} is already a dimension of "
                    f"{owner[d]!r}; as in seminr, each lower-order construct belongs to one "
                    "higher-order construct (its score is one indicator). Duplicate its block "
                    "under another name if it must measure both."
                )
            owner[d] = name
        modes = {s.op for s in ss}
        hocs.append(HigherOrder(name, tuple(dims), "A" if modes == {"=~"} else "B", where))
    locs = set(owner)
    for s in paths:
        for nm in (s.lhs, *s.rhs.split(":")):
            if nm in locs:
                raise SpecificationError(
                    f"{s.where()}: {nm!r} is a lower-order construct of {owner[nm]!r} and cannot "
                    "have structural paths of its own; the higher-order construct carries them "
                    f"(write the path with {owner[nm]!r})"
                )

    # ---- interaction terms
    ints: dict[str, tuple[str, str, Statement]] = {}
    for s in paths:
        if ":" in s.lhs:
            raise SpecificationError(
                f"{s.where()}: the interaction term {s.lhs!r} cannot be an outcome; write it on "
                "the right of '~' (Y ~ X + M + X:M)"
            )
        if ":" not in s.rhs:
            continue
        a, b = s.rhs.split(":", 1)
        if a == b:
            raise SpecificationError(
                f"{s.where()}: '{s.rhs}' is the interaction of {a!r} with itself (a quadratic "
                "term); interaction terms need two different constructs"
            )
        for part in (a, b):
            if part not in blocks:
                raise SpecificationError(
                    f"{s.where()}: {part!r} in the interaction term '{s.rhs}' is not a construct "
                    "of the model; both parts of an interaction are constructs with a block "
                    f"(a single item: '{part} =~ {part}')"
                )
        name = f"{a}*{b}"
        if name in blocks:
            raise SpecificationError(f"{s.where()}: the interaction construct {name!r} is also a block name")
        if f"{b}*{a}" in ints:
            raise SpecificationError(
                f"{s.where()}: '{s.rhs}' and '{b}:{a}' are the same interaction; write it once"
            )
        ints.setdefault(name, (a, b, s))

    two_stage_hoc = hoc in ("two_stage", "disjoint_two_stage", "embedded_two_stage")
    hoc_of = {h.name: h for h in hocs}

    # ---- stage 2 (final) statements
    s2: list[Statement] = []
    rep: dict[str, str] = {}  # repeated item name -> observed item
    for name, ss in blocks.items():
        if name in locs and two_stage_hoc:
            continue
        if name in hoc_of and not two_stage_hoc:
            for s in ss:
                for t in blocks[s.rhs]:
                    nm = f"{t.rhs}@{name}"
                    rep[nm] = t.rhs
                    s2.append(_stmt(s, name, s.op, nm))
            continue
        s2.extend(ss)
    int_terms: list[InteractionTerm] = []
    items_of: dict[str, list[str]] = {}
    for s in s2:
        items_of.setdefault(s.lhs, []).append(s.rhs)
    for name, (a, b, s) in ints.items():
        if interaction == "two_stage":
            items = [f"{name}_intxn"]
        else:
            items = [f"{x}*{y}" for x in items_of[a] for y in items_of[b]]
        int_terms.append(InteractionTerm(name, a, b, tuple(items), s.where()))
        s2.extend(_stmt(s, name, "=~", it) for it in items)
    main_paths = [s for s in paths if ":" not in s.rhs]
    s2_paths = [_stmt(s, s.lhs, "~", s.rhs.replace(":", "*")) for s in paths]
    if not two_stage_hoc:
        for h in hocs:
            ref = next(s for s in blocks[h.name])
            for d in h.dimensions:
                s2_paths.append(_stmt(ref, d, "~", h.name) if h.mode == "A" else _stmt(ref, h.name, "~", d))
    spec2 = PLSSpec.from_model(ParsedModel(tuple(s2 + s2_paths + others), parsed.source))

    # ---- stage 1 of two-stage HOC methods
    first = None
    if hocs and two_stage_hoc:
        s1: list[Statement] = []
        for name, ss in blocks.items():
            if name in hoc_of:
                if hoc == "embedded_two_stage":
                    for s in ss:
                        for t in blocks[s.rhs]:
                            s1.append(_stmt(s, name, s.op, f"{t.rhs}@{name}"))
                            rep[f"{t.rhs}@{name}"] = t.rhs
                continue
            s1.extend(ss)
        p1: list[Statement] = []
        for s in main_paths:
            lhs_list = list(hoc_of[s.lhs].dimensions) if s.lhs in hoc_of and hoc != "embedded_two_stage" else [s.lhs]
            rhs_list = list(hoc_of[s.rhs].dimensions) if s.rhs in hoc_of and hoc != "embedded_two_stage" else [s.rhs]
            p1.extend(_stmt(s, lh, "~", rh) for lh in lhs_list for rh in rhs_list)
        if hoc == "embedded_two_stage":
            for h in hocs:
                ref = blocks[h.name][0]
                for d in h.dimensions:
                    p1.append(_stmt(ref, d, "~", h.name) if h.mode == "A" else _stmt(ref, h.name, "~", d))
        first = PLSSpec.from_model(ParsedModel(tuple(s1 + p1), parsed.source))

    # ---- first stage of two-stage interactions: stage 2 without interaction terms
    int_first = None
    if int_terms and interaction == "two_stage":
        names = {t.name for t in int_terms}
        keep = [s for s in s2 if s.lhs not in names] + [s for s in s2_paths if s.rhs not in names]
        int_first = PLSSpec.from_model(ParsedModel(tuple(keep), parsed.source))

    # ---- observed columns and the recipe
    observed: list[str] = []
    for s in meas:
        if s.rhs not in blocks and s.rhs not in observed:
            observed.append(s.rhs)
    obs_idx = {x: i for i, x in enumerate(observed)}
    lower = tuple(h_d for h in hocs for h_d in h.dimensions) if (hocs and two_stage_hoc) else ()
    layer_a = list(observed) + list(lower)
    a_idx = {x: i for i, x in enumerate(layer_a)}
    h_idx = None
    loc_cols = np.zeros(0, dtype=np.intp)
    if first is not None:
        h_idx = np.array([obs_idx[rep.get(x, x)] for x in first.indicators], dtype=np.intp)
        loc_cols = np.array([first.constructs.index(d) for d in lower], dtype=np.intp)

    def a_col(x: str) -> int:
        return a_idx[rep.get(x, x)]

    products: list[tuple[str, int, int, np.ndarray, int, int]] = []
    prod_pos: dict[str, int] = {}
    int_idx = None
    if int_first is not None:
        int_idx = np.array([a_col(x) for x in int_first.indicators], dtype=np.intp)
    for term in int_terms:
        ia = [a_col(x) for x in items_of[term.iv]]
        ib = [a_col(x) for x in items_of[term.moderator]]
        basis = np.array(ia + ib, dtype=np.intp)
        if interaction == "two_stage":
            if int_first is None:  # pragma: no cover - built above for two-stage interactions
                raise SpecificationError("internal error: no first stage for a two-stage interaction")
            prod_pos[term.items[0]] = len(products)
            products.append(("ts", -1, -1, basis, int_first.constructs.index(term.iv),
                             int_first.constructs.index(term.moderator)))
            continue
        kind = "pi" if interaction == "product_indicator" else "orth"
        for x, y in ((x, y) for x in ia for y in ib):
            products.append((kind, x, y, basis, -1, -1))
        for k, it in enumerate(term.items):
            prod_pos[it] = len(products) - len(term.items) + k
    take = np.array(
        [-1 - prod_pos[x] if x in prod_pos else a_col(x) for x in spec2.indicators], dtype=np.intp
    )
    groups = tuple(
        (spec2.constructs.index(t.name), np.flatnonzero(np.asarray(spec2.block) == spec2.constructs.index(t.name)))
        for t in int_terms
    )
    recipe = _Recipe(
        h_idx=h_idx, loc_cols=loc_cols, int_idx=int_idx, products=tuple(products), take=take,
        int_groups=groups,
    )
    return ExtendedModel(
        spec=spec2, observed=tuple(observed), hocs=tuple(hocs), interactions=tuple(int_terms),
        hoc_method=hoc, interaction_method=interaction, first=first, int_first=int_first,
        lower_order=lower, statements=tuple(stmts), recipe=recipe,
    )


# ----------------------------------------------------------------------------- batched stages
@dataclass(frozen=True, eq=False)
class StageOutput:
    """Stage-2 moments of a stack of (re)samples and the stage-1 fits behind them.

    Attributes
    ----------
    R : ndarray (B, p2, p2)
        Correlations of the stage-2 indicators.
    means, sds : ndarray (B, p2)
        Their means and SDs (n-1); derived columns (scores, products) have their own.
    first : BatchedKernelResult or None
        Stage-1 fits (two-stage HOC methods).
    int_first : BatchedKernelResult or None
        First-stage fits of two-stage interactions.
    failed : ndarray (B,) bool
        A first stage that did not converge or gave non-finite scores.
    X2 : ndarray (B, n, p2) or None
        The stage-2 data (row route only; the point estimate keeps it for scores).
    item_means, item_sds : ndarray (B, q) or None
        Means and SDs of the observed items (row route).
    """

    R: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    first: BatchedKernelResult | None
    int_first: BatchedKernelResult | None
    failed: np.ndarray
    X2: np.ndarray | None = None
    item_means: np.ndarray | None = None
    item_sds: np.ndarray | None = None


@dataclass(frozen=True)
class _Fit:
    scheme: str
    tol: float
    max_iter: int


def _fit(R: np.ndarray, plan: BatchPlan, opt: _Fit) -> BatchedKernelResult:
    return fit_batched(R, plan, scheme=opt.scheme, tol=opt.tol, max_iter=opt.max_iter)


def _wcorr(Z: np.ndarray, c: np.ndarray, tot: np.ndarray) -> np.ndarray:
    """Weighted correlations (B, q, q) of weighted-standardized columns Z (B, n, q)."""
    S = np.matmul(np.swapaxes(Z * c[:, :, None], 1, 2), Z) / (tot - 1.0)[:, None, None]
    d = np.sqrt(np.diagonal(S, axis1=1, axis2=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        S = S / (d[:, :, None] * d[:, None, :])
    return (S + np.swapaxes(S, 1, 2)) / 2.0


def _wstd(X: np.ndarray, c: np.ndarray, tot: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted means (B, q), SDs (n-1 divisor) and standardized columns of X (B, n, q)."""
    m = np.einsum("bn,bnq->bq", c, X) / tot[:, None]
    Xc = X - m[:, None, :]
    var = np.einsum("bn,bnq->bq", c, Xc * Xc) / (tot - 1.0)[:, None]
    sd = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        return m, sd, Xc / sd[:, None, :]


def stage2_moments(
    ext: ExtendedModel,
    X: np.ndarray,
    c: np.ndarray,
    *,
    scheme: str,
    tol: float,
    max_iter: int,
    keep_data: bool = False,
) -> StageOutput:
    """Run the first stages and build the stage-2 moments of a stack of weighted samples.

    Parameters
    ----------
    ext : ExtendedModel
    X : ndarray (n, q) or (B, n, q)
        The observed items (``ext.observed`` order); a stack when each sample has its own
        values (mean replacement redone per resample).
    c : ndarray (B, n)
        Row weights of each sample (bootstrap counts; 0 drops a row).
    scheme, tol, max_iter
        The PLS settings of every stage.
    keep_data : bool
        Keep the stage-2 data (for the point estimate's scores).
    """
    opt = _Fit(scheme, tol, max_iter)
    rc = ext.recipe
    c = np.asarray(c, dtype=np.float64)
    nb = c.shape[0]
    tot = c.sum(axis=1)
    Xs = np.broadcast_to(X, (nb, *X.shape[-2:])) if X.ndim == 2 else X
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m0, s0, Z = _wstd(Xs, c, tot)
        failed = np.zeros(nb, dtype=bool)
        first = None
        layer = Z
        if rc.h_idx is not None and ext.first is not None:
            Zh = Z[:, :, rc.h_idx]
            first = _fit(_wcorr(Zh, c, tot), make_plan(ext.first), opt)
            failed |= first.failed
            scores = np.matmul(Zh, first.W[:, :, rc.loc_cols])
            layer = np.concatenate([Z, scores], axis=2)
        int_first = None
        prods: list[np.ndarray] = []
        if rc.products:
            if rc.int_idx is not None and ext.int_first is not None:
                Zi = layer[:, :, rc.int_idx]
                _, _, Zi = _wstd(Zi, c, tot)
                int_first = _fit(_wcorr(Zi, c, tot), make_plan(ext.int_first), opt)
                failed |= int_first.failed
                S_int = np.matmul(Zi, int_first.W)
            for kind, a, b, basis, ci, cj in rc.products:
                if kind == "ts":
                    prods.append(S_int[:, :, ci] * S_int[:, :, cj])
                    continue
                p_ab = layer[:, :, a] * layer[:, :, b]
                if kind == "orth":
                    Q = np.concatenate([np.ones((nb, layer.shape[1], 1)), layer[:, :, basis]], axis=2)
                    Qw = Q * c[:, :, None]
                    beta = np.linalg.solve(np.matmul(np.swapaxes(Qw, 1, 2), Q),
                                           np.einsum("bnq,bn->bq", Qw, p_ab)[..., None])[..., 0]
                    p_ab = p_ab - np.einsum("bnq,bq->bn", Q, beta)
                prods.append(p_ab)
        P = np.stack(prods, axis=2) if prods else np.zeros((nb, layer.shape[1], 0))
        # observed columns keep their own scale (means and SDs for the index); derived
        # columns (scores, products) are as computed
        full = np.concatenate([Xs, layer[:, :, Xs.shape[2]:], P], axis=2)
        cols = np.where(rc.take >= 0, rc.take, layer.shape[2] - 1 - rc.take)
        X2 = full[:, :, cols]
        means, sds, Z2 = _wstd(X2, c, tot)
        R2 = _wcorr(Z2, c, tot)
        failed |= ~np.isfinite(R2).all(axis=(1, 2))
    return StageOutput(R=R2, means=means, sds=sds, first=first, int_first=int_first, failed=failed,
                       X2=X2 if keep_data else None, item_means=m0, item_sds=s0)


def stage2_from_R(
    ext: ExtendedModel, R: np.ndarray, means: np.ndarray, sds: np.ndarray,
    *, scheme: str, tol: float, max_iter: int,
) -> StageOutput:
    """Stage-2 moments of a model without interaction terms from item correlations.

    The LOC scores are ``Z w_l`` (unit variance), so the correlations of the stage-2
    columns are ``T' R T`` with ``T`` stacking the item selection and the stage-1 weights:
    the two-stage procedure of a resample costs two batched PLS fits and one product.
    """
    rc = ext.recipe
    nb, q, _ = R.shape
    failed = np.zeros(nb, dtype=bool)
    first = None
    T = np.broadcast_to(np.eye(q), (nb, q, q))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if rc.h_idx is not None and ext.first is not None:
            Rh = R[:, rc.h_idx[:, None], rc.h_idx[None, :]]
            first = _fit(Rh, make_plan(ext.first), opt=_Fit(scheme, tol, max_iter))
            failed |= first.failed
            Wl = np.zeros((nb, q, rc.loc_cols.size))
            for j, src in enumerate(rc.h_idx):  # repeated items map to one column: add
                Wl[:, src, :] += first.W[:, j, :][:, rc.loc_cols]
            T = np.concatenate([T, Wl], axis=2)
        RA = np.matmul(np.matmul(np.swapaxes(T, 1, 2), R), T)
        R2 = RA[:, rc.take[:, None], rc.take[None, :]]
        d = np.sqrt(np.diagonal(R2, axis1=1, axis2=2))
        R2 = R2 / (d[:, :, None] * d[:, None, :])
        R2 = (R2 + np.swapaxes(R2, 1, 2)) / 2.0
        nA = T.shape[2]
        mA = np.concatenate([means, np.zeros((nb, nA - q))], axis=1)
        sA = np.concatenate([sds, np.ones((nb, nA - q))], axis=1)
        failed |= ~np.isfinite(R2).all(axis=(1, 2))
    return StageOutput(R=R2, means=mA[:, rc.take], sds=sA[:, rc.take], first=first, int_first=None,
                       failed=failed)


def ext_plan(ext: ExtendedModel) -> BatchPlan:
    """The batch plan of the final model: interaction constructs are composites whose rho_A
    is 1 (seminr), so PLSc never divides their correlations."""
    plan = make_plan(ext.spec)
    if not ext.interactions:
        return plan
    rho = np.array(plan.rho_corrected)
    for c, _ in ext.recipe.int_groups:
        rho[c] = False
    return replace(plan, rho_corrected=rho)


def interaction_adjustment(
    ext: ExtendedModel, kr: BatchedKernelResult, sds: np.ndarray, paths: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """seminr's rescaling of interaction scores (Henseler & Chin 2010) applied to a stack.

    The interaction construct's scores are multiplied by ``a = sum_i sd_i |l_i| / sum_i
    |l_i|`` (``sd_i`` the SD of item i before standardization, ``l_i`` its loading), so its
    loadings are multiplied and its path coefficients divided by ``a``.

    Under PLSc (``paths=False``) seminr re-estimates the paths from the (scale-free)
    corrected correlations afterwards, so only the loadings are rescaled.

    Returns
    -------
    B, L : the adjusted paths (B, k, k) and loadings (B, p, k); factors (B, m) per interaction.
    """
    B = np.array(kr.B)
    L = np.array(kr.L)
    factors = np.ones((B.shape[0], len(ext.recipe.int_groups)))
    for g, (c, cols) in enumerate(ext.recipe.int_groups):
        lab = np.abs(L[:, cols, c])
        with np.errstate(invalid="ignore", divide="ignore"):
            a = (sds[:, cols] * lab).sum(axis=1) / lab.sum(axis=1)
        factors[:, g] = a
        if paths:
            B[:, c, :] = B[:, c, :] / a[:, None]
        L[:, cols, c] = L[:, cols, c] * a[:, None]
    return B, L, factors


# ----------------------------------------------------------------------------- estimation
def _kernel_from(kr: BatchedKernelResult, plan: BatchPlan, B: np.ndarray | None = None,
                 L: np.ndarray | None = None) -> KernelResult:
    k = KernelResult.from_batched(kr, plan)
    if B is None:
        return k
    return replace(k, B=B[0], L=L[0] if L is not None else k.L)


def pls_extended(
    ext: ExtendedModel,
    data: object,
    *,
    scheme: str,
    consistent: object,
    max_iter: int,
    tol: float,
    missing: str,
    codes: tuple[float | str, ...],
    na_values: object,
) -> ExtendedPLSResult:
    """Estimate a model with higher-order constructs and/or interaction terms (the API's
    arguments already checked; called by :func:`acsi.pls`)."""
    from acsi.data import prepare_data
    from acsi.exceptions import ConvergenceWarning, DataError, warn
    from acsi.plspm.api import _check_admissible, _check_rows, _raw_with_nan
    from acsi.plspm.results import PLSSettings
    from acsi.spec.syntax import check_model_names

    spec = ext.spec
    wants = bool(consistent) if isinstance(consistent, (bool, np.bool_)) else bool(consistent)
    if wants and ext.hocs:
        raise SpecificationError(
            "consistent (PLSc) is not available for models with higher-order constructs (seminr's "
            "higher_composite is a composite of composites); estimate with consistent=False"
        )
    ints = {t.name for t in ext.interactions}
    consistent_flag: bool | tuple[str, ...] = False
    if isinstance(consistent, (list, tuple)):
        chosen = tuple(str(c) for c in consistent)
        for name in chosen:
            if name not in spec.constructs or name in ints:
                raise SpecificationError(
                    f"consistent names {name!r}, which is not a construct of the model that PLSc can "
                    f"correct ({', '.join(c for c in spec.constructs if c not in ints)}); interaction "
                    "constructs are composites (rho_A = 1, as seminr)"
                )
            if spec.mode[spec.constructs.index(name)] != "A":
                raise SpecificationError(
                    f"consistent names {name!r}, a Mode B ('<~') composite; only '=~' constructs "
                    "can be corrected as common factors"
                )
        refl = tuple(c in chosen for c in spec.constructs)
        consistent_flag = chosen
    else:
        refl = tuple(m == "A" and c not in ints for c, m in zip(spec.constructs, spec.mode))
        consistent_flag = wants
    apply_plsc = bool(consistent_flag)
    if apply_plsc:
        spec = replace(spec, reflective=refl)
        ext = replace(ext, spec=spec)
    where = dict(spec.where)
    if ext.first is not None:
        where.update(ext.first.where)
    check_model_names(ext.observed, data, where)
    prepared = prepare_data(
        data, ext.observed, missing=missing,  # type: ignore[arg-type]
        na_values=list(codes) if codes else None, context="model", where=where, min_rows=3,
    )
    X = np.ascontiguousarray(prepared.X, dtype=np.float64)
    _check_rows(spec, prepared.n, prepared.n_dropped)
    if ext.first is not None:
        _check_rows(ext.first, prepared.n, prepared.n_dropped)
    sd = X.std(axis=0, ddof=1)
    if (sd == 0).any():
        j = int(np.flatnonzero(sd == 0)[0])
        raise DataError(
            f"indicator {ext.observed[j]!r} ({where.get(ext.observed[j], 'model')}) has no "
            "variance in the data used; it cannot be standardized. Remove it from its block."
        )
    out = stage2_moments(ext, X, np.ones((1, X.shape[0])), scheme=scheme, tol=tol,
                         max_iter=max_iter, keep_data=True)
    plan2, plan1, plan_i = ext.plans()
    for label, kr in (("stage 1 (lower-order constructs)", out.first),
                      ("the first stage of the two-stage interaction", out.int_first)):
        if kr is not None and not bool(kr.converged[0]):
            warn(
                f"the PLS algorithm of {label} did not converge in max_iter={max_iter} "
                "iterations; the estimates are not final. Increase max_iter.",
                ConvergenceWarning,
            )
    R2 = out.R[0]
    if not np.isfinite(R2).all():
        raise DataError(
            "the stage-2 data (lower-order scores or interaction items) have no variance or "
            "are not finite; check the first-stage model"
        )
    for c, m in enumerate(spec.mode):
        idx = np.flatnonzero(spec.block == c)
        if m == "B" and idx.size > 1:
            ev = np.linalg.eigvalsh(R2[np.ix_(idx, idx)])
            if ev[0] <= 1e-12 * max(1.0, ev[-1]):
                raise DataError(
                    f"the indicators of the Mode B construct {spec.constructs[c]!r} "
                    f"({', '.join(spec.block_indicators(c))}) are perfectly collinear; Mode B "
                    "weights cannot be estimated. Use '=~' (Mode A)."
                )
    plan2 = ext_plan(ext)
    kr2 = fit_batched(R2[None], plan2, scheme=scheme, tol=tol, max_iter=max_iter, consistent=apply_plsc)
    Badj, Ladj, factors = interaction_adjustment(ext, kr2, out.sds, paths=not apply_plsc)
    kernel = _kernel_from(kr2, plan2, Badj, Ladj)
    if not kernel.converged:
        warn(
            f"the PLS algorithm did not converge in max_iter={max_iter} iterations (last change "
            f"of the outer weights {kernel.weight_diff:.3g} >= tol={tol:g}); the estimates are "
            "not final. Increase max_iter, or try scheme='factorial'.",
            ConvergenceWarning,
        )
    _check_admissible(spec, _kernel_from(kr2, plan2), plan2)
    settings = PLSSettings(scheme=scheme, consistent=consistent_flag, max_iter=max_iter, tol=tol,
                           missing=missing, na_values=na_values)
    if out.X2 is None:  # pragma: no cover - keep_data=True above
        raise SpecificationError("internal error: the stage-2 data were not kept")
    prep2 = replace(prepared, X=np.ascontiguousarray(out.X2[0]), columns=tuple(spec.indicators))
    stage1 = None
    if ext.first is not None and out.first is not None and plan1 is not None and ext.recipe.h_idx is not None:
        h = ext.recipe.h_idx
        X1 = X[:, h]
        from acsi.plspm.algorithm import correlation

        stage1 = PLSResult(
            spec=ext.first, data=replace(prepared, X=np.ascontiguousarray(X1), columns=tuple(ext.first.indicators)),
            kernel=_kernel_from(out.first, plan1), R=correlation(X1), settings=settings,
        )
    raw = rows_all = None
    if prepared.n_replaced:
        raw = _raw_with_nan(data, ext.observed, codes)
    elif prepared.n_dropped:
        rows_all = _raw_with_nan(data, ext.observed, codes)
    info = ExtensionInfo(
        model=ext, lower=stage1, factors=freeze(factors[0]), observed=prepared,
        int_first_W=None if out.int_first is None else freeze(np.array(out.int_first.W[0])),
    )
    return ExtendedPLSResult(spec=spec, data=prep2, kernel=kernel, R=R2, settings=settings,
                             raw=raw, rows_all=rows_all, extension=info)


@dataclass(frozen=True, eq=False)
class IndexMap:
    """The constructs of an extended model as the ACSI index and IPMA see them.

    Every construct but the interactions, each measured by observed items: a HOC of a
    two-stage method by all items of its LOCs (named ``"item@HOC"``) with the effective
    weights ``w_il w_l`` (its score is that combination of the standardized items); a LOC's
    effect on its HOC (``B``) is its stage-2 weight (the HOC score is the weighted sum of the
    standardized LOC scores).

    Attributes
    ----------
    constructs, indicators : tuple of str
    src : ndarray (p,)
        Observed column of each indicator.
    block : ndarray (p,)
        Construct of each indicator.
    rows : ndarray (p, 5)
        ``(kind, i, c, l, h)``: kind 0 the stage-2 weight ``W2[i, c]``, kind 1 the stage-1
        weight ``W1[i, c]``, kind 2 the effective weight ``W1[i, c] * W2[l, h]``.
    B : ndarray (k, k)
        Effects among the constructs (stage-2 paths, LOC -> HOC weights).
    """

    constructs: tuple[str, ...]
    indicators: tuple[str, ...]
    src: np.ndarray
    block: np.ndarray
    rows: np.ndarray
    B: np.ndarray

    def __post_init__(self) -> None:
        for name in ("src", "block", "rows", "B"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

    def weights(self, W2: np.ndarray, W1: np.ndarray | None) -> np.ndarray:
        """(B, p) standardized weight of every indicator from stacks of stage-2 (B, p2, k2)
        and stage-1 (B, p1, k1) weights."""
        r = self.rows
        out = np.zeros((W2.shape[0], r.shape[0]))
        k0, k1, k2 = r[:, 0] == 0, r[:, 0] == 1, r[:, 0] == 2
        out[:, k0] = W2[:, r[k0, 1], r[k0, 2]]
        if W1 is not None:
            out[:, k1] = W1[:, r[k1, 1], r[k1, 2]]
            out[:, k2] = W1[:, r[k2, 1], r[k2, 2]] * W2[:, r[k2, 3], r[k2, 4]]
        return out


@dataclass(frozen=True, eq=False)
class _IndexView:
    """Items -> constructs view of an extended fit, read by the index and IPMA."""

    spec: PLSSpec
    data: PreparedData
    kernel: KernelResult
    settings: Any
    case_weights: None = None  # weighted PLS is not available for extended models


@dataclass(frozen=True, eq=False)
class ExtensionInfo:
    """What an :class:`ExtendedPLSResult` knows beyond an ordinary fit.

    Attributes
    ----------
    model : ExtendedModel
        The stages.
    lower : PLSResult or None
        Stage 1 of a two-stage HOC method: the lower-order constructs' own results
        (reliability, HTMT, loadings, scores).
    factors : ndarray (m,)
        seminr's rescaling factor of each interaction construct (1 without interactions).
    observed : PreparedData
        The observed items (``model.observed`` order) after missing-data handling.
    int_first_W : ndarray or None
        Weights of the first stage of two-stage interactions.
    """

    model: ExtendedModel
    lower: PLSResult | None
    factors: np.ndarray
    observed: PreparedData
    int_first_W: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class ExtendedPLSResult(PLSResult):
    """A PLS fit with higher-order constructs and/or interaction terms (``acsi.pls``).

    The final (stage-2) model is the result's model: ``constructs``, ``paths``,
    ``r_squared``, ``effects``, ``reliability`` etc. list the higher-order construct as a
    construct (under the two-stage methods measured by its lower-order constructs' scores,
    which are its "indicators": ``loadings.loc["Image", "Satisfaction"]``) and an
    interaction as the construct ``"X*M"``. As seminr's ``outer_loadings`` /
    ``outer_weights``, :attr:`loadings` and :attr:`weights` add the lower-order
    constructs' blocks (rows: their items, columns: the LOCs) from stage 1;
    :attr:`reliability` adds their rows (Sarstedt et al. 2019: LOC reliability from stage
    1, HOC reliability from the LOC scores as its indicators); :attr:`lower_order` is the
    whole stage-1 result.

    Examples
    --------
    >>> import acsi
    >>> res = acsi.pls('''
    ...     Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ...     Value        =~ PERV1 + PERV2
    ...     Satisfaction =~ Image + Value
    ...     Loyalty      =~ CUSL1 + CUSL2 + CUSL3
    ...     Loyalty ~ Satisfaction
    ... ''', acsi.datasets.load_mobi())
    >>> res.constructs, res.blocks["Satisfaction"]
    (('Satisfaction', 'Loyalty'), ('Image', 'Value'))
    >>> list(res.reliability.index)
    ['Satisfaction', 'Loyalty', 'Image', 'Value']
    >>> round(float(res.paths.loc["Satisfaction", "Loyalty"]), 4)
    0.6318
    """

    extension: ExtensionInfo | None = field(default=None, repr=False)

    @property
    def _ext(self) -> ExtensionInfo:
        if self.extension is None:  # pragma: no cover - pls_extended always sets it
            raise SpecificationError("internal error: an ExtendedPLSResult without its extension")
        return self.extension

    @property
    def lower_order(self) -> PLSResult | None:
        """The stage-1 result of a two-stage HOC method (None otherwise)."""
        return self._ext.lower

    @property
    def higher_order(self) -> dict[str, tuple[str, ...]]:
        """Higher-order construct -> its lower-order constructs."""
        return {h.name: h.dimensions for h in self._ext.model.hocs}

    @property
    def interactions(self) -> pd.DataFrame:
        """One row per interaction construct: name, iv, moderator, method, items and
        seminr's rescaling factor of its scores."""
        m = self._ext.model
        return pd.DataFrame(
            [(t.name, t.iv, t.moderator, m.interaction_method, ", ".join(t.items), float(f))
             for t, f in zip(m.interactions, self._ext.factors)],
            columns=["construct", "iv", "moderator", "method", "items", "factor"],
        )

    def _combined(self, mine: pd.DataFrame, theirs: pd.DataFrame | None) -> pd.DataFrame:
        if theirs is None:
            return mine
        locs = list(self._ext.model.lower_order)
        rows = [x for x in theirs.index if x not in mine.index and theirs.loc[x, locs].abs().sum() > 0]
        out = mine.reindex(index=list(mine.index) + rows, columns=list(mine.columns) + locs, fill_value=0.0)
        out.loc[rows, locs] = theirs.loc[rows, locs].to_numpy()
        return out

    @frozen_table
    def loadings(self) -> pd.DataFrame:
        """Loadings, indicator x construct; stage-2 blocks (a HOC's rows are its LOCs)
        followed by the LOC blocks of stage 1 (seminr's ``outer_loadings``)."""
        low = self._ext.lower
        return self._combined(super().loadings, None if low is None else low.loadings)

    @frozen_table
    def weights(self) -> pd.DataFrame:
        """Outer weights, laid out as :attr:`loadings` (seminr's ``outer_weights``)."""
        low = self._ext.lower
        return self._combined(super().weights, None if low is None else low.weights)

    @frozen_table
    def rho_a(self) -> pd.Series:
        """Dijkstra-Henseler rho_A per construct; 1 for interaction constructs (seminr)."""
        out = super().rho_a
        for t in self._ext.model.interactions:
            out[t.name] = 1.0
        return out

    @frozen_table
    def reliability(self) -> pd.DataFrame:
        """alpha, rho_a, rho_c, ave of the stage-2 constructs (a HOC's from its LOC
        scores) followed by the LOCs' from stage 1 (Sarstedt et al. 2019)."""
        mine = super().reliability
        low = self._ext.lower
        if low is None:
            return mine
        locs = list(self._ext.model.lower_order)
        return pd.concat([mine, low.reliability.loc[locs]])

    @frozen_table
    def scores(self) -> pd.DataFrame:
        """Construct scores of stage 2 (interaction scores rescaled as seminr's) and, for
        two-stage HOC methods, the LOC scores of stage 1."""
        from acsi.plspm.algorithm import standardize

        Z = standardize(self.data.X)
        S = Z @ np.asarray(self.kernel.W)
        for (c, _), f in zip(self._ext.model.recipe.int_groups, self._ext.factors):
            S[:, c] = S[:, c] * f
        out = pd.DataFrame(S, index=self.data.index, columns=list(self.spec.constructs))
        low = self._ext.lower
        if low is not None:
            for loc in self._ext.model.lower_order:
                out[loc] = low.scores[loc].to_numpy()
        return out

    @frozen_table
    def f_squared(self) -> pd.DataFrame:
        """Cohen's f-squared of every path from a full re-estimation (both stages) without
        the path, as seminr; NaN for the parts of an interaction (seminr: dropping one
        would break the interaction)."""
        m = self._ext.model
        k = self.spec.k
        C = list(self.spec.constructs)
        out = pd.DataFrame(np.zeros((k, k)), index=C, columns=C)
        r2 = self.kernel.r2
        for j in np.flatnonzero(self.spec.endogenous):
            parts = {p for t in m.interactions if self.spec.inner[C.index(t.name), j] for p in (t.iv, t.moderator)}
            for i in np.flatnonzero(self.spec.inner[:, j]):
                if C[i] in parts:
                    out.iloc[i, j] = np.nan
                    continue
                out.iloc[i, j] = (r2[j] - self._r2_without(C[i], C[j])) / (1.0 - r2[j])
        return out

    def _r2_without(self, source: str, target: str) -> float:
        m = self._ext.model
        name = source.replace("*", ":")
        keep = tuple(s for s in m.statements if not (s.op == "~" and s.lhs == target and s.rhs in (source, name)))
        if not any(s.op == "~" and s.lhs == target for s in keep):
            return 0.0
        used = {p for s in keep if s.op == "~" for p in s.rhs.split(":")} | {s.lhs for s in keep if s.op == "~"}
        keep = tuple(s for s in keep if s.op != "=~" and s.op != "<~" or s.lhs in used
                     or any(s.lhs in self.higher_order.get(u, ()) for u in used))
        parsed = ParsedModel(keep, "")
        s = self.settings
        sub = (expand_model(parsed, m.hoc_method, m.interaction_method) if has_extensions(parsed)
               else None)
        X = np.asarray(self._ext.observed.X)
        cols = list(m.observed)
        if sub is None:
            from acsi.plspm.algorithm import correlation, fit_kernel

            spec = PLSSpec.from_model(parsed)
            Xs = X[:, [cols.index(x) for x in spec.indicators]]
            if self.kernel.consistent:
                refl = {c for c, r in zip(self.spec.constructs, self.spec.reflective) if r}
                spec = replace(spec, reflective=tuple(c in refl for c in spec.constructs))
            kr = fit_kernel(correlation(Xs), spec, scheme=s.scheme, tol=s.tol, max_iter=s.max_iter,
                            consistent=bool(self.kernel.consistent))
            return float(kr.r2[spec.constructs.index(target)])
        Xs = X[:, [cols.index(x) for x in sub.observed]]
        o = stage2_moments(sub, Xs, np.ones((1, Xs.shape[0])), scheme=s.scheme, tol=s.tol, max_iter=s.max_iter)
        if self.kernel.consistent:
            refl = {c for c, r in zip(self.spec.constructs, self.spec.reflective) if r}
            sub = replace(sub, spec=replace(sub.spec, reflective=tuple(c in refl for c in sub.spec.constructs)))
        kr2 = fit_batched(o.R, ext_plan(sub), scheme=s.scheme, tol=s.tol, max_iter=s.max_iter,
                          consistent=bool(self.kernel.consistent))
        return float(kr2.r2[0, sub.spec.constructs.index(target)])

    @cached_property
    def index_map(self) -> IndexMap:
        """How the ACSI index and IPMA see this model (see :class:`IndexMap`)."""
        m = self._ext.model
        low = self._ext.lower
        obs = list(m.observed)
        ints = {t.name for t in m.interactions}
        C2 = list(self.spec.constructs)
        X2 = list(self.spec.indicators)
        names = [c for c in C2 if c not in ints] + list(m.lower_order)
        hocs = {h.name: h for h in m.hocs} if low is not None else {}
        cols: list[str] = []
        src: list[int] = []
        block: list[int] = []
        rows: list[tuple[int, int, int, int, int]] = []
        for ci, c in enumerate(names):
            if c in hocs and low is not None:
                h2 = C2.index(c)
                for d in hocs[c].dimensions:
                    l1 = low.spec.constructs.index(d)
                    for x in low.spec.block_indicators(d):
                        cols.append(f"{x}@{c}")
                        src.append(obs.index(x))
                        block.append(ci)
                        rows.append((2, low.spec.indicators.index(x), l1, X2.index(d), h2))
            elif c in C2:
                c2 = C2.index(c)
                for x in self.spec.block_indicators(c):
                    cols.append(x)
                    src.append(obs.index(x.split("@")[0]))
                    block.append(ci)
                    rows.append((0, X2.index(x), c2, 0, 0))
            elif low is not None:
                c1 = low.spec.constructs.index(c)
                for x in low.spec.block_indicators(c):
                    cols.append(x)
                    src.append(obs.index(x))
                    block.append(ci)
                    rows.append((1, low.spec.indicators.index(x), c1, 0, 0))
        k = len(names)
        B = np.zeros((k, k))
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                if a in C2 and b in C2:
                    B[i, j] = float(self.kernel.B[C2.index(a), C2.index(b)])
        for h in hocs.values():
            for d in h.dimensions:
                B[names.index(d), names.index(h.name)] = float(self.kernel.W[X2.index(d), C2.index(h.name)])
        return IndexMap(constructs=tuple(names), indicators=tuple(cols), src=np.asarray(src, dtype=np.intp),
                        block=np.asarray(block, dtype=np.intp), rows=np.asarray(rows, dtype=np.intp).reshape(-1, 5),
                        B=B)

    @cached_property
    def _index_view(self) -> _IndexView:
        """The model as items -> constructs for the ACSI index and IPMA (:attr:`index_map`)."""
        im = self.index_map
        low = self._ext.lower
        W1 = None if low is None else np.asarray(low.kernel.W)[None]
        w = im.weights(np.asarray(self.kernel.W)[None], W1)[0]
        k, p = len(im.constructs), len(im.indicators)
        mask = np.zeros((p, k))
        mask[np.arange(p), im.block] = 1.0
        Wm = mask * w[:, None]
        spec = PLSSpec(
            constructs=im.constructs, indicators=im.indicators, block=im.block,
            mask=mask, mode=tuple("A" for _ in im.constructs), reflective=tuple(False for _ in im.constructs),
            inner=im.B != 0,
        )
        Xo = np.asarray(self._ext.observed.X)
        data = replace(self._ext.observed, X=np.ascontiguousarray(Xo[:, im.src]), columns=im.indicators)
        kernel = replace(self.kernel, W=Wm, B=im.B, L=Wm, C=np.eye(k), r2=np.zeros(k))
        return _IndexView(spec=spec, data=data, kernel=kernel, settings=self.settings)

    def _item_scales(self, item_scales: Any) -> Any:
        if not item_scales:
            return item_scales
        out = dict(item_scales)
        for x in self._index_view.spec.indicators:
            base = x.split("@")[0]
            if base in item_scales:
                out[x] = item_scales[base]
        return out

    def index(self, scale: Any = (1, 10), **kwargs: Any) -> Any:
        """ACSI 0-100 indices of every construct but the interactions, a HOC's from the
        items of its LOCs with its effective weights (see :attr:`_index_view`); see
        :func:`acsi.plspm.index.acsi_index`."""
        from acsi.plspm.index import acsi_index

        if "item_scales" in kwargs:
            kwargs["item_scales"] = self._item_scales(kwargs["item_scales"])
        return acsi_index(self._index_view, scale=scale, **kwargs)

    def ipma(self, target: str = "Satisfaction", scale: Any = (1, 10), **kwargs: Any) -> Any:
        """Importance-performance map of ``target``'s drivers, LOCs included (their effect
        on the HOC is their stage-2 weight); see :func:`acsi.plspm.ipma.ipma`."""
        from acsi.plspm.ipma import ipma

        if "item_scales" in kwargs:
            kwargs["item_scales"] = self._item_scales(kwargs["item_scales"])
        return ipma(self._index_view, target=target, scale=scale, **kwargs)

    def _not_yet(self, what: str) -> SpecificationError:
        return SpecificationError(
            f"{what} is not available for models with higher-order constructs or interaction terms "
            "yet: it would treat the stage-2 data (lower-order scores, products) as observed instead of "
            "re-estimating every stage; run it on the model without them"
        )

    def mga(self, *args: Any, **kwargs: Any) -> Any:
        """Not available for these models (see :meth:`PLSResult.mga`)."""
        raise self._not_yet("res.mga()")

    def micom(self, *args: Any, **kwargs: Any) -> Any:
        """Not available for these models (see :meth:`PLSResult.micom`)."""
        raise self._not_yet("res.micom()")

    def predict(self, *args: Any, **kwargs: Any) -> Any:
        """Not available for these models (seminr's ``predict_pls`` refuses them too)."""
        raise self._not_yet("res.predict()")

    def cvpat(self, *args: Any, **kwargs: Any) -> Any:
        """Not available for these models (see :meth:`PLSResult.cvpat`)."""
        raise self._not_yet("res.cvpat()")

    def bootstrap(self, *args: Any, **kwargs: Any) -> Any:
        """The bootstrap of every stage (see :meth:`PLSResult.bootstrap`); ``sign_change``
        other than "none" is not available for these models."""
        if kwargs.get("sign_change", "none") != "none":
            raise self._not_yet(f"sign_change={kwargs['sign_change']!r}")
        return super().bootstrap(*args, **kwargs)

    def simple_slopes(self, iv: str, moderator: str, target: str, boot: Any = None,
                      at: Sequence[float] = (-1.0, 0.0, 1.0), level: float = 0.95) -> pd.DataFrame:
        """Simple slopes; see :func:`acsi.plspm.interaction.simple_slopes` (the plot:
        :func:`acsi.plotting.plot_simple_slopes`)."""
        from acsi.plspm.interaction import simple_slopes

        return simple_slopes(self, iv, moderator, target, boot=boot, at=at, level=level)

    def _summary(self) -> Summary:
        s = super()._summary()
        m = self._ext.model
        notes = list(s.notes)
        if m.hocs:
            notes.append(
                f"Higher-order constructs ({m.hoc_method}): "
                + "; ".join(f"{h.name} ({h.mode}) <- {', '.join(h.dimensions)}" for h in m.hocs)
            )
        if m.interactions:
            notes.append(
                f"Interaction terms ({m.interaction_method}): "
                + ", ".join(t.name for t in m.interactions)
                + "; their scores rescaled as seminr's (paths divided, loadings multiplied by the factor)"
            )
        tables = list(s.tables)
        if self._ext.lower is not None:
            tables.append(("Lower-order reliability (stage 1)", self._ext.lower.reliability))
        return Summary(title=s.title + " with " + ", ".join(
            x for x in ("higher-order constructs" if m.hocs else "",
                        "interaction terms" if m.interactions else "") if x),
            header=s.header, tables=tables, notes=notes)
