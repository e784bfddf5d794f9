"""Stated importance (weighted ranking) and derived importance (correlation, regression,
relative weights)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._lazy import stats  # scipy.stats, imported on first use
from acsi._validation import check_choice, check_name, check_names, check_number
from acsi.data import as_frame, check_columns, prepare_data
from acsi.exceptions import DataError, MissingDataWarning, SpecificationError, warn
from acsi.results.base import CopyTables, ResultMixin, Summary, freeze_fields

__all__ = ["stated_importance", "derived_importance", "relative_weights", "general_dominance", "DerivedImportance"]

_METHODS = ("correlation", "regression", "relative_weights")
_ALL_METHODS = (*_METHODS, "dominance")
_MAX_DOMINANCE = 15


def _rank(x: np.ndarray) -> np.ndarray:
    """1 = largest; ties share the best rank."""
    return stats.rankdata(-np.asarray(x, dtype=float), method="min").astype(np.int64)


def stated_importance(
    data: Any,
    weights: Sequence[float] = (5, 4, 3, 2, 1),
    kind: str = "counts",
    levels: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Weighted importance ranking of factors from stated ratings.

    The score of a factor is :math:`\\sum_k w_k\\, x_k` with :math:`x_k` the number of
    respondents choosing response level ``k`` (by default "very important" = 5 ...
    "not important at all" = 1, as in the seed material's investment survey); the mean score
    is the score divided by the number of answers. Rank 1 is the most important factor.

    Parameters
    ----------
    data : DataFrame
        ``kind="counts"``: one row per factor, one column per response level, ordered as
        ``weights`` (most important level first), holding counts. ``kind="ratings"``: one row
        per respondent, one column per factor, holding the level codes.
    weights : sequence of float
        One weight per level.
    kind : {"counts", "ratings"}
    levels : sequence, optional
        For ``kind="ratings"``: the codes of the levels in the order of ``weights``
        (default: the weights themselves, i.e. the code 5 means weight 5). A code not listed
        raises :class:`~acsi.DataError`; missing answers are left out with a warning.

    Returns
    -------
    DataFrame
        Indexed by factor: the count per level, ``n``, ``score``, ``mean_score``, ``rank``;
        sorted by rank.

    Examples
    --------
    >>> import pandas as pd
    >>> from acsi.survey import stated_importance
    >>> counts = pd.DataFrame(
    ...     [[30, 20, 10, 3, 1], [10, 20, 20, 10, 4], [40, 15, 5, 3, 1]],
    ...     index=["return", "fees", "safety"],
    ...     columns=["very", "important", "neutral", "little", "not at all"],
    ... )
    >>> stated_importance(counts)[["score", "rank"]]  # doctest: +NORMALIZE_WHITESPACE
            score  rank
    factor
    safety    282     1
    return    267     2
    fees      214     3
    """
    kind = check_choice(kind, ("counts", "ratings"), "kind", case_sensitive=True)
    if (
        isinstance(weights, (str, bytes))
        or not isinstance(weights, (list, tuple, np.ndarray, pd.Series))
        or len(weights) < 2
    ):
        raise SpecificationError(f"weights must list one weight per response level (at least two), not {weights!r}")
    w = np.array([check_number(v, "weights") for v in weights], dtype=float)
    if levels is not None and (
        isinstance(levels, (str, bytes)) or not isinstance(levels, (list, tuple, np.ndarray, pd.Series))
    ):
        raise SpecificationError(f"levels must list one level code per weight, not {levels!r}")
    df = as_frame(data)
    if kind == "counts":
        if df.shape[1] != len(w):
            raise DataError(
                f"the counts table has {df.shape[1]} columns but {len(w)} weights were given; give one "
                "column per response level, most important first, and one weight per column"
            )
        check_columns(df, list(df.columns), context="counts table")
        C = df.to_numpy(dtype=float)
        if np.isnan(C).any() or (C < 0).any() or (C != np.round(C)).any():
            raise DataError("the counts table must hold whole non-negative numbers (no missing cells)")
        counts = pd.DataFrame(C.astype(np.int64), index=df.index, columns=df.columns)
    else:  # "ratings"
        codes = list(levels) if levels is not None else [int(v) if float(v).is_integer() else v for v in w]
        if len(codes) != len(w):
            raise SpecificationError(
                f"levels: {len(codes)} levels were given for {len(w)} weights; give one level code per weight"
            )
        rows = {}
        for c in df.columns:
            col = df[c]
            miss = int(col.isna().sum())
            if miss:
                warn(f"{miss} missing answers in {str(c)!r} were left out of its importance score",
                     MissingDataWarning)
            v = col.dropna()
            bad = v[~v.isin(codes)]
            if len(bad):
                raise DataError(
                    f"column {str(c)!r} holds {bad.iloc[0]!r} (row {bad.index[0]!r}), not one of the level codes "
                    f"{codes}; pass levels=[...] in the order of the weights"
                )
            rows[c] = [int((v == code).sum()) for code in codes]
        counts = pd.DataFrame.from_dict(rows, orient="index", columns=[str(c) for c in codes])
    C = counts.to_numpy(dtype=float)
    n = C.sum(axis=1)
    score = C @ w
    out = counts.copy()
    out["n"] = n.astype(np.int64)
    out["score"] = score if not np.all(score == np.round(score)) else score.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_score"] = np.where(n > 0, score / np.where(n > 0, n, 1), np.nan)
    out["rank"] = _rank(score)
    out.index.name = "factor"
    return out.sort_values(["rank"], kind="stable")


def relative_weights(R: np.ndarray) -> tuple[np.ndarray, float]:
    """Johnson's (2000) relative weights from a correlation matrix (kernel, no checks).

    ``R`` is the (p+1) x (p+1) correlation matrix with the target in the last row/column.
    With :math:`R_{xx} = Q \\Lambda Q'`, :math:`\\Lambda^{*} = Q\\Lambda^{1/2}Q'` (the
    correlations of the predictors with their closest orthogonal counterparts),
    :math:`\\beta^{*} = \\Lambda^{*-1} r_{xy}` and
    :math:`\\varepsilon_j = \\sum_k \\lambda^{*2}_{jk} \\beta^{*2}_k`, which sum to
    :math:`R^2`.

    Returns
    -------
    eps : ndarray of shape (p,)
    r2 : float
    """
    Rxx = R[:-1, :-1]
    rxy = R[:-1, -1]
    evals, evecs = np.linalg.eigh(Rxx)
    if evals.min() <= 1e-12:
        raise DataError("the drivers are linearly dependent (singular correlation matrix); drop one of them")
    lam = (evecs * np.sqrt(evals)) @ evecs.T
    beta_star = np.linalg.solve(lam, rxy)
    eps = (lam**2) @ (beta_star**2)
    return eps, float(eps.sum())


def general_dominance(R: np.ndarray) -> tuple[np.ndarray, float]:
    """General dominance weights (Budescu 1993; Azen and Budescu 2003) from a correlation matrix.

    For predictor :math:`j`, the average over subset sizes :math:`k = 0..p-1` of the mean
    increase in :math:`R^2` when :math:`j` is added to a subset of :math:`k` other predictors;
    the weights sum to the full :math:`R^2` (the Shapley value of :math:`R^2`). Exact: all
    :math:`2^p` subset regressions are fitted, so ``p`` is limited to 15.

    Returns
    -------
    weights : ndarray of shape (p,)
    r2 : float
    """
    p = R.shape[0] - 1
    Rxx, rxy = R[:-1, :-1], R[:-1, -1]
    n_sub = 1 << p
    r2 = np.zeros(n_sub)
    for mask in range(1, n_sub):
        idx = [j for j in range(p) if mask >> j & 1]
        r = rxy[idx]
        r2[mask] = float(r @ np.linalg.solve(Rxx[np.ix_(idx, idx)], r))
    sizes = np.array([bin(m).count("1") for m in range(n_sub)])
    from math import comb

    weights = np.zeros(p)
    for j in range(p):
        bit = 1 << j
        without = np.array([m for m in range(n_sub) if not m & bit])
        gains = r2[without | bit] - r2[without]
        k = sizes[without]
        # mean gain within each subset size, then the mean over sizes
        weights[j] = sum(gains[k == s].sum() / comb(p - 1, s) for s in range(p)) / p
    return weights, float(r2[n_sub - 1])


@dataclass(frozen=True, eq=False)
class DerivedImportance(CopyTables, ResultMixin):
    """Derived importance of drivers for a target.

    Attributes
    ----------
    table : DataFrame
        Indexed by driver; columns depend on ``methods``: ``correlation``,
        ``correlation_rank``; ``beta`` (standardized), ``se``, ``t``, ``pvalue``,
        ``beta_rank``; ``raw_weight`` (Johnson's epsilon), ``rescaled_weight`` (share of
        :math:`R^2`), ``relative_weight_rank``; ``dominance`` (general dominance),
        ``dominance_share``, ``dominance_rank``.
    r2 : float
        :math:`R^2` of the regression of the target on all drivers.
    nobs : int
        Complete rows used (``n`` is an alias, the older name).
    target : str
    """

    table: pd.DataFrame
    r2: float
    nobs: int
    target: str
    methods: tuple[str, ...]

    def __post_init__(self) -> None:
        freeze_fields(self)

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs` (the older name)."""
        return self.nobs

    def _summary(self) -> Summary:
        return Summary(
            f"Derived importance for {self.target}",
            [("n", self.nobs), ("R-squared", self.r2), ("methods", ", ".join(self.methods))],
            [("importance", self.table)],
            ["Rank 1 = most important. Relative weights (Johnson 2000) split R-squared among "
             "correlated drivers; standardized betas can be unstable when drivers correlate."],
        )

    def to_frame(self) -> pd.DataFrame:
        """The importance table."""
        return self.table


def derived_importance(
    data: Any,
    drivers: Sequence[str],
    target: str,
    methods: Sequence[str] = _METHODS,
    missing: str = "listwise",
) -> DerivedImportance:
    """Importance of drivers derived from their relation with a target (e.g. satisfaction).

    * ``"correlation"``: Pearson :math:`r_{jy}`;
    * ``"regression"``: standardized OLS coefficients
      :math:`\\beta = R_{xx}^{-1} r_{xy}` with :math:`\\mathrm{se}_j =
      \\sqrt{(1-R^2)(R_{xx}^{-1})_{jj}/(n-p-1)}` and t tests on :math:`n-p-1` df (equal to OLS
      on z-scored data with an intercept);
    * ``"relative_weights"``: Johnson's (2000) relative weights, see :func:`relative_weights`;
    * ``"dominance"`` (not in the default): general dominance weights, see
      :func:`general_dominance`. Thomas et al. (2014) criticise the derivation of relative
      weights and recommend general dominance; the two usually rank drivers alike, and
      showing both lets the reader judge.

    Parameters
    ----------
    data : DataFrame
    drivers : sequence of str
    target : str
    methods : sequence of {"correlation", "regression", "relative_weights", "dominance"}
    missing : {"listwise", "mean", "error"}
        Passed to :func:`acsi.data.prepare_data`.

    Returns
    -------
    DerivedImportance

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. *Multivariate Behavioral Research* 35, 1-19.
    Azen, R. and Budescu, D. V. (2003). The dominance analysis approach for comparing
    predictors in multiple regression. *Psychological Methods* 8, 129-148.
    Thomas, D. R., Zumbo, B. D., Kwan, E. and Schweitzer, L. (2014). On Johnson's (2000)
    relative weights method for assessing variable importance: a reanalysis. *Multivariate
    Behavioral Research* 49, 329-338.

    Examples
    --------
    >>> from acsi.datasets import load_ebanking
    >>> from acsi.survey import derived_importance
    >>> df = load_ebanking()
    >>> res = derived_importance(df, ["Q8", "Q10", "Q11", "Q13"], "Q16")
    >>> round(float(res.table["raw_weight"].sum()) - res.r2, 12)
    0.0
    """
    if isinstance(methods, str):
        methods = (methods,)
    if isinstance(methods, (bytes, Mapping)) or not isinstance(methods, Iterable) or not (methods := tuple(methods)):
        raise SpecificationError(
            f"methods must list one or more of {', '.join(map(repr, _ALL_METHODS))}; got {methods!r}"
        )
    methods = tuple(check_choice(m, _ALL_METHODS, "methods", case_sensitive=True) for m in methods)
    drivers = check_names(drivers, "drivers", minimum=1)
    target = check_name(target, "target")
    if target in drivers:
        raise SpecificationError(f"the target {target!r} is also listed among the drivers; remove it from drivers")
    missing = check_choice(missing, ("listwise", "mean", "error"), "missing", case_sensitive=True)
    prep = prepare_data(data, [*drivers, target], missing=missing, context="importance analysis")  # type: ignore[arg-type]
    X = prep.X
    n, p = X.shape[0], len(drivers)
    if n <= p + 1:
        raise DataError(f"{n} complete rows for {p} drivers: the regression needs more than {p + 1}")
    sd = X.std(axis=0, ddof=1)
    if (sd == 0).any():
        j = int(np.argmax(sd == 0))
        raise DataError(f"column {prep.columns[j]!r} has no variance (every answer is the same)")
    R = np.corrcoef(X, rowvar=False)
    rxy = R[:-1, -1]
    table = pd.DataFrame(index=pd.Index(drivers, name="driver"))
    Rxx = R[:-1, :-1]
    try:
        Rinv = np.linalg.inv(Rxx)
    except np.linalg.LinAlgError:
        raise DataError("the drivers are linearly dependent (singular correlation matrix); drop one of them") from None
    beta = Rinv @ rxy
    r2 = float(rxy @ beta)
    if "correlation" in methods:
        table["correlation"] = rxy
        table["correlation_rank"] = _rank(rxy)
    if "regression" in methods:
        dfree = n - p - 1
        se = np.sqrt((1 - r2) * np.diag(Rinv) / dfree)
        t = beta / se
        table["beta"] = beta
        table["se"] = se
        table["t"] = t
        table["pvalue"] = 2 * stats.t.sf(np.abs(t), dfree)
        table["beta_rank"] = _rank(beta)
    if "relative_weights" in methods:
        eps, _ = relative_weights(R)
        table["raw_weight"] = eps
        table["rescaled_weight"] = eps / eps.sum()
        table["relative_weight_rank"] = _rank(eps)
    if "dominance" in methods:
        if p > _MAX_DOMINANCE:
            raise DataError(
                f"dominance analysis fits all 2^p subset regressions; {p} drivers is too many "
                f"(at most {_MAX_DOMINANCE})"
            )
        dom, _ = general_dominance(R)
        table["dominance"] = dom
        table["dominance_share"] = dom / dom.sum()
        table["dominance_rank"] = _rank(dom)
    return DerivedImportance(table, r2, n, target, methods)
