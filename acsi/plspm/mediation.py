"""Mediation in a bootstrapped PLS path model: specific indirect effects and their types.

A specific indirect effect of ``X`` on ``Y`` through the mediators ``M1, ..., Mk`` is the
product of the path coefficients along the route ``X -> M1 -> ... -> Mk -> Y``; its
bootstrap distribution is the product of the same paths in every resample (Preacher &
Hayes 2008; R seminr's ``specific_effect_significance``: estimate, bootstrap mean and SD,
``t = estimate / SD``, type-7 percentile interval). The total indirect effect is the sum
over all routes of two or more paths (``total effect - direct effect``).

Zhao, Lynch & Chen (2010) classify a mediation from the significance of the indirect
effect (``a x b``) and of the direct effect ``c'`` (here: the percentile interval at the
bootstrap's level excludes 0):

* both significant, ``a x b x c'`` > 0: **complementary** mediation (partial);
* both significant, ``a x b x c'`` < 0: **competitive** mediation (partial);
* only the indirect effect significant: **indirect-only** mediation (full);
* only the direct effect significant: **direct-only** (no mediation);
* neither: **no effect** (no mediation).

A route whose source has no direct path to its target (``c'`` = 0 by the model) is
indirect-only when significant, no effect otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi._validation import check_level
from acsi.exceptions import SpecificationError
from acsi.inference.intervals import quantile7
from acsi.results.base import ResultMixin, Summary, compact_repr, freeze, frozen_table

if TYPE_CHECKING:
    from acsi.plspm.bootstrap import BootstrapResult

__all__ = ["SpecificEffect", "MediationResult", "specific_effect", "mediation", "zhao_type", "ZHAO_TYPES"]

#: The five outcomes of Zhao, Lynch & Chen (2010).
ZHAO_TYPES: tuple[str, ...] = (
    "complementary mediation",
    "competitive mediation",
    "indirect-only mediation",
    "direct-only (no mediation)",
    "no effect (no mediation)",
)

_STATS = ["est", "boot_mean", "boot_se", "t", "pvalue", "ci_lower", "ci_upper"]


def zhao_type(indirect_sig: bool, direct_sig: bool, sign: float) -> str:
    """Zhao, Lynch & Chen (2010) type from the significance of the indirect and direct
    effects and the sign of ``indirect x direct``.

    Examples
    --------
    >>> zhao_type(True, True, -0.1), zhao_type(True, False, 0.0), zhao_type(False, True, 0.2)
    ('competitive mediation', 'indirect-only mediation', 'direct-only (no mediation)')
    """
    if indirect_sig and direct_sig:
        return ZHAO_TYPES[0] if sign > 0 else ZHAO_TYPES[1]
    if indirect_sig:
        return ZHAO_TYPES[2]
    if direct_sig:
        return ZHAO_TYPES[3]
    return ZHAO_TYPES[4]


# ----------------------------------------------------------------------------- the graph
@dataclass(frozen=True)
class _Paths:
    """Structural paths of a bootstrap: estimates and draw columns by (source, target)."""

    est: dict[tuple[str, str], float]
    cols: dict[tuple[str, str], int]
    constructs: tuple[str, ...]

    def successors(self, c: str) -> list[str]:
        return [t for (s, t) in self.est if s == c]

    def routes(self, source: str, target: str) -> list[tuple[str, ...]]:
        """Every route (directed path) from source to target, in the order of the paths."""
        out: list[tuple[str, ...]] = []

        def walk(node: str, route: tuple[str, ...]) -> None:
            for nxt in self.successors(node):
                if nxt in route:
                    continue
                if nxt == target:
                    out.append(route + (nxt,))
                else:
                    walk(nxt, route + (nxt,))

        walk(source, (source,))
        return out


def _paths(boot: BootstrapResult) -> _Paths:
    tab = boot._frames["paths"]
    est = {(s, t): float(e) for s, t, e in zip(tab.source, tab.target, tab.est)}
    cols = {(s, t): i for i, (tb, s, t) in enumerate(boot.draw_labels) if tb == "paths"}
    order: list[str] = []
    for s, t in est:
        for c in (s, t):
            if c not in order:
                order.append(c)
    return _Paths(est=est, cols=cols, constructs=tuple(order))


def _summ(est: float, draws: np.ndarray, level: float) -> dict[str, float]:
    """seminr's summary of one bootstrapped effect, plus acsi's bootstrap p-value."""
    nb = draws.size
    sd = float(draws.std(ddof=1)) if nb > 1 else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / sd if sd > 0 else float("nan")
    p0 = float((draws <= 0).sum()) / nb
    lo, hi = quantile7(draws[:, None], [(1.0 - level) / 2.0, (1.0 + level) / 2.0])[:, 0]
    return {"est": est, "boot_mean": float(draws.mean()), "boot_se": sd, "t": t,
            "pvalue": 2.0 * min(p0, 1.0 - p0), "ci_lower": float(lo), "ci_upper": float(hi)}


def _route_draws(P: _Paths, boot: BootstrapResult, route: Sequence[str]) -> tuple[float, np.ndarray]:
    d = np.asarray(boot.draws_array)
    est = 1.0
    draws = np.ones(d.shape[0])
    for a, b in zip(route[:-1], route[1:]):
        est *= P.est[(a, b)]
        draws = draws * d[:, P.cols[(a, b)]]
    return est, draws


def _check_route(P: _Paths, from_: Any, through: Any, to: Any) -> tuple[str, ...]:
    for arg, name in (("from_", from_), ("to", to)):
        if not isinstance(name, str) or name not in P.constructs:
            raise SpecificationError(
                f"{arg}={name!r} is not a construct with structural paths; choose one of "
                f"{', '.join(P.constructs)}"
            )
    if through is None:
        mediators: list[str] = []
    elif isinstance(through, str):
        mediators = [through]
    elif isinstance(through, (list, tuple)) and all(isinstance(x, str) for x in through):
        mediators = list(through)
    else:
        raise SpecificationError(
            f"through must be a construct name, a list of them (in route order) or None, not {through!r}"
        )
    route = (from_, *mediators, to)
    missing = [f"{a} -> {b}" for a, b in zip(route[:-1], route[1:]) if (a, b) not in P.est]
    if missing or len(set(route)) != len(route):
        valid = P.routes(from_, to)
        shown = "; ".join(" -> ".join(r) for r in valid) or "none: the model has no route between them"
        on_route = sorted({m for r in valid for m in r[1:-1]})
        raise SpecificationError(
            f"through={through!r} does not give a route from {from_!r} to {to!r}: "
            f"{', '.join(missing) or 'a construct repeats'} is not a path of the model. Mediators on a "
            f"route from {from_} to {to}: {', '.join(on_route) or 'none'}; routes: {shown}. "
            "Name the mediators in route order"
        )
    return route


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class SpecificEffect(ResultMixin):
    """A bootstrapped specific effect (returned by ``boot.specific_effect``).

    Attributes
    ----------
    route : tuple of str
        ``(from_, *through, to)``.
    est : float
        Product of the path coefficients along the route (seminr's "Original Est.").
    boot_mean, boot_se : float
        Mean and SD (divisor B - 1) of the product in the resamples.
    t : float
        ``est / boot_se``.
    pvalue : float
        ``2 min(p0, 1 - p0)``, ``p0`` the share of resamples <= 0 (acsi's bootstrap rule).
    ci_lower, ci_upper : float
        Type-7 percentile interval at ``level``.
    level : float
    n_draws : int
        Resamples used.
    """

    route: tuple[str, ...]
    est: float
    boot_mean: float
    boot_se: float
    t: float
    pvalue: float
    ci_lower: float
    ci_upper: float
    level: float
    n_draws: int

    def __repr__(self) -> str:
        return compact_repr(self, route=" -> ".join(self.route), est=round(self.est, 6),
                            ci=(round(self.ci_lower, 6), round(self.ci_upper, 6)))

    def to_series(self) -> pd.Series:
        """The statistics as a Series (``est`` ... ``ci_upper``), named after the route."""
        return pd.Series({k: getattr(self, k) for k in _STATS}, name=" -> ".join(self.route))

    def _summary(self) -> Summary:
        return Summary(
            title="Specific effect", header=[("route", " -> ".join(self.route)), ("resamples", self.n_draws),
                                             ("level", self.level)],
            tables=[("estimate", self.to_series().to_frame().T)],
        )


@dataclass(frozen=True, eq=False)
class MediationResult(ResultMixin):
    """All mediated effects of a bootstrapped model (returned by ``boot.mediation()``).

    Attributes
    ----------
    table : DataFrame
        One row per specific indirect effect (every route of two or more paths):
        ``source, target, through`` (mediators joined by " -> "), ``est, boot_mean, boot_se,
        t, pvalue, ci_lower, ci_upper``, the direct effect of source on target
        (``direct, direct_ci_lower, direct_ci_upper``; 0 and NaN without a direct path) and
        ``type``, the Zhao, Lynch & Chen (2010) classification in words.
    effects : DataFrame
        One row per (source, target) with an indirect route: ``direct``, ``total_indirect``
        and ``total`` with their percentile intervals and p-values, the number of routes and
        the classification of the total indirect effect.
    level : float
    n_draws : int
    """

    _table: pd.DataFrame = field(repr=False)
    _effects: pd.DataFrame = field(repr=False)
    level: float
    n_draws: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", freeze(self._table))
        object.__setattr__(self, "_effects", freeze(self._effects))

    def __repr__(self) -> str:
        return compact_repr(self, specific_effects=len(self._table), pairs=len(self._effects), level=self.level)

    @frozen_table
    def table(self) -> pd.DataFrame:
        """Specific indirect effects with their type (see the class docstring)."""
        return self._table

    @frozen_table
    def effects(self) -> pd.DataFrame:
        """Direct, total indirect and total effects per (source, target)."""
        return self._effects

    def _summary(self) -> Summary:
        spec = self._table.set_index(["source", "target", "through"])[
            ["est", "boot_se", "ci_lower", "ci_upper", "direct", "type"]
        ]
        eff = self._effects.set_index(["source", "target"])[
            ["direct", "total_indirect", "ti_ci_lower", "ti_ci_upper", "total", "type"]
        ]
        return Summary(
            title="PLS mediation analysis",
            header=[("resamples", self.n_draws), ("interval", f"percentile {100 * self.level:g}%")],
            tables=[("Specific indirect effects", spec), ("Direct, indirect and total effects", eff)],
            notes=[
                "Significant: the percentile interval excludes 0. Types after Zhao, Lynch & Chen (2010): "
                "complementary / competitive (partial mediation), indirect-only (full mediation), "
                "direct-only and no effect (no mediation)."
            ],
        )

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"specific_effects": self._table.copy(), "effects": self._effects.copy()}


# ----------------------------------------------------------------------------- functions
def _level(boot: BootstrapResult, level: float | None) -> float:
    return check_level(boot.settings.get("level", 0.95) if level is None else level)


def specific_effect(
    boot: BootstrapResult, from_: str, through: str | Sequence[str] | None, to: str, level: float | None = None
) -> SpecificEffect:
    """A specific (direct or mediated) effect with its bootstrap summary, as R seminr's
    ``specific_effect_significance(boot, from, to, through, alpha = 1 - level)``.

    Parameters
    ----------
    boot : BootstrapResult
        ``res.bootstrap(...)``; usually called as ``boot.specific_effect(...)``.
    from_, to : str
        Source and target constructs.
    through : str, list of str or None
        The mediators in route order (any number; None or [] gives the direct path).
    level : float, optional
        Interval level (default: the bootstrap's).

    Returns
    -------
    SpecificEffect

    Examples
    --------
    >>> import acsi
    >>> res = acsi.pls('''Image =~ IMAG1 + IMAG2 + IMAG3; Exp =~ CUEX1 + CUEX2 + CUEX3
    ...                   Sat =~ CUSA1 + CUSA2 + CUSA3; Exp ~ Image; Sat ~ Image + Exp''',
    ...                acsi.datasets.load_mobi())
    >>> eff = res.bootstrap(n=200, seed=1).specific_effect("Image", "Exp", "Sat")
    >>> eff.route, round(eff.est, 4)
    (('Image', 'Exp', 'Sat'), 0.1362)
    """
    lv = _level(boot, level)
    P = _paths(boot)
    route = _check_route(P, from_, through, to)
    est, draws = _route_draws(P, boot, route)
    s = _summ(est, draws, lv)
    return SpecificEffect(route=route, level=lv, n_draws=int(draws.size), **s)


def mediation(boot: BootstrapResult, level: float | None = None) -> MediationResult:
    """Every specific indirect effect, the total indirect, direct and total effects, and the
    Zhao, Lynch & Chen (2010) type of each mediation (see the module docstring).

    Parameters
    ----------
    boot : BootstrapResult
        Usually called as ``boot.mediation()``.
    level : float, optional
        Interval level (default: the bootstrap's); significance = the interval excludes 0.

    Returns
    -------
    MediationResult

    References
    ----------
    Zhao, X., Lynch, J. G., & Chen, Q. (2010). Reconsidering Baron and Kenny: Myths and
    truths about mediation analysis. *Journal of Consumer Research*, 37(2), 197-206.
    Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). *A Primer on Partial
    Least Squares Structural Equation Modeling* (3rd ed.), ch. 7. Sage.

    Examples
    --------
    >>> import acsi
    >>> res = acsi.pls('''Image =~ IMAG1 + IMAG2 + IMAG3; Exp =~ CUEX1 + CUEX2 + CUEX3
    ...                   Sat =~ CUSA1 + CUSA2 + CUSA3; Exp ~ Image; Sat ~ Image + Exp''',
    ...                acsi.datasets.load_mobi())
    >>> med = res.bootstrap(n=500, seed=1).mediation()
    >>> med.table[["source", "through", "target", "type"]].to_string(index=False)
    'source through target                    type\\n Image     Exp    Sat complementary mediation'
    """
    lv = _level(boot, level)
    P = _paths(boot)
    d = np.asarray(boot.draws_array)
    lut = {lab: i for i, lab in enumerate(boot.draw_labels)}
    frames = boot._frames
    ti_est = {(s, t): float(e) for s, t, e in zip(frames["total_indirect"].source, frames["total_indirect"].target,
                                                  frames["total_indirect"].est)}
    te_est = {(s, t): float(e) for s, t, e in zip(frames["total_effects"].source, frames["total_effects"].target,
                                                  frames["total_effects"].est)}
    nan = float("nan")
    rows: list[dict[str, Any]] = []
    eff: list[dict[str, Any]] = []

    def sig(s: dict[str, float]) -> bool:
        return bool(s["ci_lower"] > 0 or s["ci_upper"] < 0)

    for src in P.constructs:
        for tgt in P.constructs:
            if src == tgt:
                continue
            routes = [r for r in P.routes(src, tgt) if len(r) > 2]
            if not routes:
                continue
            if (src, tgt) in P.est:
                direct = _summ(P.est[(src, tgt)], d[:, P.cols[(src, tgt)]], lv)
                d_sig = sig(direct)
            else:
                direct = {k: (0.0 if k == "est" else nan) for k in _STATS}
                d_sig = False
            for r in routes:
                est, draws = _route_draws(P, boot, r)
                s = _summ(est, draws, lv)
                rows.append({
                    "source": src, "target": tgt, "through": " -> ".join(r[1:-1]), **s,
                    "direct": direct["est"], "direct_ci_lower": direct["ci_lower"],
                    "direct_ci_upper": direct["ci_upper"],
                    "type": zhao_type(sig(s), d_sig, s["est"] * direct["est"]),
                })
            ti = _summ(ti_est[(src, tgt)], d[:, lut[("total_indirect", src, tgt)]], lv)
            te = _summ(te_est[(src, tgt)], d[:, lut[("total_effects", src, tgt)]], lv)
            eff.append({
                "source": src, "target": tgt, "n_routes": len(routes),
                "direct": direct["est"], "direct_ci_lower": direct["ci_lower"],
                "direct_ci_upper": direct["ci_upper"], "direct_pvalue": direct["pvalue"],
                "total_indirect": ti["est"], "ti_boot_se": ti["boot_se"], "ti_ci_lower": ti["ci_lower"],
                "ti_ci_upper": ti["ci_upper"], "ti_pvalue": ti["pvalue"],
                "total": te["est"], "total_ci_lower": te["ci_lower"], "total_ci_upper": te["ci_upper"],
                "total_pvalue": te["pvalue"],
                "type": zhao_type(sig(ti), d_sig, ti["est"] * direct["est"]),
            })
    cols = ["source", "target", "through", *_STATS, "direct", "direct_ci_lower", "direct_ci_upper", "type"]
    table = pd.DataFrame(rows, columns=cols)
    effects = pd.DataFrame(eff, columns=[
        "source", "target", "n_routes", "direct", "direct_ci_lower", "direct_ci_upper", "direct_pvalue",
        "total_indirect", "ti_boot_se", "ti_ci_lower", "ti_ci_upper", "ti_pvalue", "total", "total_ci_lower",
        "total_ci_upper", "total_pvalue", "type",
    ])
    return MediationResult(_table=table, _effects=effects, level=lv, n_draws=int(d.shape[0]))
