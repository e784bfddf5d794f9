"""The interface every structural-model result offers (CB-SEM, PLS, and what comes next).

Plots, reliability (CR, AVE, HTMT, Fornell-Larcker), the ACSI index, IPMA and the report
consume a fitted structural model only through :class:`StructuralResult`; they never probe
a result with ``hasattr``. A new family (multigroup, higher-order, ...) implements these
members and every consumer works with it.

Table layouts (fixed columns; NaN where a family has no such number):

``path_table``
    one row per structural path, in the model's order: ``source, target, est, std, se, z,
    pvalue, ci_lower, ci_upper``. ``est`` is the estimate on the family's own scale
    (CB-SEM: unstandardized; PLS: standardized), ``std`` the completely standardized value
    (lavaan's ``std.all``; for PLS equal to ``est``). PLS has no analytic standard errors:
    ``se`` to ``ci_upper`` are NaN until a bootstrap supplies them.
``loadings_table``
    one row per (construct, indicator) pair of the measurement model: ``construct,
    indicator, est, std, se, z, pvalue, weight`` (``weight`` the PLS outer weight; NaN
    for CB-SEM).

Examples
--------
>>> import acsi
>>> from acsi.results.structural import PATH_COLUMNS, StructuralResult
>>> PATH_COLUMNS[:3]
('source', 'target', 'est')
>>> mobi = acsi.datasets.load_mobi()
>>> model = '''Image =~ IMAG1 + IMAG2 + IMAG3
... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
... Satisfaction ~ Image'''
>>> res = acsi.pls(model, mobi)
>>> isinstance(res, StructuralResult), res.family
(True, 'pls')
>>> tuple(res.path_table.columns) == PATH_COLUMNS
True
>>> isinstance(acsi.sem(model, mobi), StructuralResult)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import pandas as pd

__all__ = ["StructuralResult", "PATH_COLUMNS", "LOADING_COLUMNS"]

#: Columns of :attr:`StructuralResult.path_table`, in order.
PATH_COLUMNS: tuple[str, ...] = (
    "source", "target", "est", "std", "se", "z", "pvalue", "ci_lower", "ci_upper",
)
#: Columns of :attr:`StructuralResult.loadings_table`, in order.
LOADING_COLUMNS: tuple[str, ...] = (
    "construct", "indicator", "est", "std", "se", "z", "pvalue", "weight",
)


@runtime_checkable
class StructuralResult(Protocol):
    """What a fitted structural equation model offers to plots, reliability, index and report.

    Attributes
    ----------
    family : str
        ``"cbsem"`` or ``"pls"`` (later families add their own name).
    constructs : tuple of str
        Latent variables / composites, in the result's table order.
    indicators : tuple of str
        Observed indicators of the measurement model, in the result's order.
    blocks : Mapping[str, tuple of str]
        Construct -> its indicators.
    path_table : DataFrame
        Long table of the structural paths (see the module docstring for the columns).
    loadings_table : DataFrame
        Long table of the measurement model (see the module docstring).
    r_squared : Series
        R-squared of the endogenous constructs (and, for CB-SEM, of every indicator and
        dependent variable), indexed by name.
    nobs : int
        Number of observations used.
    latent_cov : DataFrame
        Fitted covariance of the constructs (CB-SEM: model-implied ``cov.lv``; PLS: the
        construct correlations, disattenuated under PLSc).
    indicator_cov : DataFrame
        Sample covariance of the observed variables used, at least the indicators (CB-SEM:
        every observed variable of the model, covariates included, divisor N; PLS: the
        indicator correlation matrix, since PLS standardizes).
    """

    @property
    def family(self) -> str: ...

    @property
    def constructs(self) -> tuple[str, ...]: ...

    @property
    def indicators(self) -> tuple[str, ...]: ...

    @property
    def blocks(self) -> Mapping[str, tuple[str, ...]]: ...

    @property
    def path_table(self) -> pd.DataFrame: ...

    @property
    def loadings_table(self) -> pd.DataFrame: ...

    @property
    def r_squared(self) -> pd.Series: ...

    @property
    def nobs(self) -> int: ...

    @property
    def latent_cov(self) -> pd.DataFrame: ...

    @property
    def indicator_cov(self) -> pd.DataFrame: ...
