"""Importance-performance map analysis (IPMA) of a PLS path model.

For a target construct (satisfaction or loyalty in ACSI work) IPMA sets each
predecessor's *importance*, its unstandardized total effect on the target, against its
*performance*, its mean on 0-100 (the ACSI index). Following Ringle & Sarstedt (2016)
(SmartPLS's IPMA):

1. every item is rescaled to 0-100, ``x* = 100 (x - min) / (max - min)`` with the
   theoretical bounds of its scale;
2. each construct's rescaled score is ``Y*_j = sum_i v_ij x*_i`` with ``v_ij`` the
   unstandardized outer weights of the rescaled items made to sum to 1 (the weights of
   :func:`acsi.plspm.index.acsi_index`), so its mean is the performance;
3. importance is the total effect on the target in a path model of the ``Y*`` scores
   (unstandardized OLS paths).

Because ``Y*_j = c_j + a_j Y_j`` with the standardized score ``Y_j`` and
``a_j = 100 / sum_i (w_ij / s_i)(max_i - min_i)``, the unstandardized total effects are the
standardized ones rescaled, ``T*_ij = T_ij a_j / a_i``; no second regression is needed.
At the indicator level the importance of item ``i`` of construct ``j`` is ``v_ij T*_j,target``
and its performance is its mean on 0-100.

References
----------
Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: The
importance-performance map analysis. *Industrial Management & Data Systems*, 116(9),
1865-1886.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from acsi._graph import total_effects
from acsi._validation import check_scale
from acsi.exceptions import SpecificationError
from acsi.plspm.index import acsi_index, suggest
from acsi.results.base import ResultMixin, Summary, freeze, frozen_table

__all__ = ["ipma", "IPMAResult"]


@dataclass(frozen=True, eq=False)
class IPMAResult(ResultMixin):
    """Importance-performance map of one target construct.

    Draw it with :func:`acsi.plotting.ipma_plot` (plotting depends on the estimators,
    never the other way round).

    Attributes
    ----------
    target : str
    table : DataFrame
        One row per construct with a total effect on the target: ``importance``
        (unstandardized total effect of its 0-100 score on the target's 0-100 score),
        ``performance`` (0-100), ``total_effect`` (standardized).
    indicators : DataFrame
        One row per item of those constructs: ``construct``, ``importance``,
        ``performance``, ``rescaled_weight``.
    target_performance : float
        The target's own index.
    scale : tuple
    """

    target: str
    _table: pd.DataFrame
    _indicators: pd.DataFrame
    target_performance: float
    scale: tuple[float, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", freeze(self._table))
        object.__setattr__(self, "_indicators", freeze(self._indicators))

    @frozen_table
    def table(self) -> pd.DataFrame:
        """One row per driver: importance, performance (0-100), standardized total effect."""
        return self._table

    @frozen_table
    def indicators(self) -> pd.DataFrame:
        """One row per item of the drivers: construct, importance, performance, rescaled weight."""
        return self._indicators

    def _summary(self) -> Summary:
        return Summary(
            title=f"Importance-performance map: {self.target}",
            header=[("target", self.target), ("target performance", self.target_performance),
                    ("scale", f"{self.scale[0]:g} to {self.scale[1]:g}")],
            tables=[("constructs", self._table), ("indicators", self._indicators)],
            notes=["importance: unstandardized total effect on the target (0-100 scores); "
                   "performance: mean on 0-100 (Ringle & Sarstedt 2016)"],
        )

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"constructs": self.table, "indicators": self.indicators}


def ipma(
    res: Any,
    target: str = "Satisfaction",
    scale: Any = (1, 10),
    item_scales: Mapping[str, Any] | None = None,
) -> IPMAResult:
    """Importance-performance map of the predecessors of ``target``.

    Parameters
    ----------
    res : PLSResult
        ``acsi.pls(...)`` (Mode A or B blocks; not PLSc).
    target : str, default "Satisfaction"
        The construct whose drivers are mapped (often "Satisfaction" or "Loyalty").
    scale, item_scales
        Theoretical item bounds, as in :func:`acsi.plspm.index.acsi_index`.

    Returns
    -------
    IPMAResult
        ``table`` (construct, importance, performance), ``indicators``; draw it with
        :func:`acsi.plotting.ipma_plot`.

    Raises
    ------
    acsi.SpecificationError
        Unknown target, a target without predecessors, or PLSc estimates.
    acsi.plspm.index.IndexUndefinedError
        A negative rescaled weight (the 0-100 scores are then no weighted averages).

    Examples
    --------
    >>> import acsi
    >>> from acsi.plspm.ipma import ipma
    >>> mobi = acsi.datasets.load_mobi()
    >>> res = acsi.pls('''
    ...     Image =~ IMAG1 + IMAG2 + IMAG3
    ...     Value =~ PERV1 + PERV2
    ...     Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ...     Satisfaction ~ Image + Value''', mobi)
    >>> ipma(res, target="Satisfaction").table.round(3)
           importance  performance  total_effect
    Image       0.425       72.180         0.428
    Value       0.290       62.364         0.408
    """
    spec = res.spec
    check_scale(scale)
    if target not in spec.constructs:
        hint = suggest(target, spec.constructs)
        raise SpecificationError(
            f"target {target!r} is not a construct of the model{hint} (constructs: {', '.join(spec.constructs)})"
        )
    if bool(res.settings.consistent):
        raise SpecificationError(
            "IPMA needs composite scores (Mode A/B weights); PLSc corrects correlations, not "
            "scores. Fit the model with consistent=False for the importance-performance map."
        )
    k = spec.k
    t = spec.constructs.index(target)
    T = total_effects(res.kernel.B)
    drivers = [i for i in range(k) if i != t and abs(T[i, t]) > 0]
    if not drivers:
        raise SpecificationError(
            f"{target!r} has no predecessors in the structural model, so nothing has an effect on "
            "it; choose an endogenous construct as the target"
        )
    names = [spec.constructs[i] for i in drivers] + [target]
    idx = acsi_index(res, scale=scale, item_scales=item_scales, constructs=names)
    wt = idx.weights
    # a_j = 100 / sum_i (w_ij / s_i)(max_i - min_i): Y*_j = c_j + a_j Y_j
    u = wt["unstandardized"] * (wt["max"] - wt["min"])
    a = (100.0 / u.groupby(wt["construct"], sort=False).sum()).to_dict()
    rows = []
    irows = []
    for i in drivers:
        c = spec.constructs[i]
        imp = T[i, t] * a[target] / a[c]
        rows.append((c, imp, idx[c], T[i, t]))
        sub = wt[wt["construct"] == c]
        for _, r in sub.iterrows():
            irows.append((r["indicator"], c, r["rescaled"] * imp, r["performance"], r["rescaled"]))
    table = pd.DataFrame(rows, columns=["construct", "importance", "performance", "total_effect"])
    table = table.set_index("construct")
    table.index.name = None
    ind = pd.DataFrame(irows, columns=["indicator", "construct", "importance", "performance", "rescaled_weight"])
    ind = ind.set_index("indicator")
    return IPMAResult(
        target=target, _table=table, _indicators=ind, target_performance=idx[target], scale=idx.scale
    )
