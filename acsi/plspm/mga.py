"""Multigroup analysis of a PLS path model (PLS-MGA): are the paths equal across groups?

The model is estimated in every group with the settings of the full-sample fit (scheme,
PLSc, tolerance, iterations, missing-data policy) and bootstrapped in every group with the
batched kernel (:func:`acsi.plspm.bootstrap.bootstrap_pls`). Four tests of each path's
group difference ``d = b1 - b2`` are reported:

* **PLS-MGA** (Henseler, Ringle & Sinkovics 2009), as R seminr's ``estimate_pls_mga``:
  with ``J`` the number of successful resamples kept in both groups (the first ``J`` of
  each), bootstrap means ``m1, m2`` and draws ``b1_j, b2_k``,

  .. math:: p = 1 - \\frac{1}{J^2} \\sum_{j,k} \\Theta(2 m_1 - b_{1j} - 2 m_2 + b_{2k}),

  ``Theta`` the unit step (1 for a positive argument). This is a one-sided p-value of
  H1: ``b1 > b2``: a value near 0 says group 1's path is larger, near 1 that it is
  smaller; a two-sided test at level ``alpha`` rejects when ``p < alpha/2`` or
  ``p > 1 - alpha/2``. Counted exactly with a sort (no ``J x J`` grid), so it equals the
  grid's count bit for bit.
* **Parametric** (Keil et al. 2000, pooled standard error as Henseler 2007 and cSEM):
  ``t = d / (sqrt((n1-1)^2/(n1+n2-2) se1^2 + (n2-1)^2/(n1+n2-2) se2^2) sqrt(1/n1 + 1/n2))``
  with ``n1 + n2 - 2`` degrees of freedom.
* **Welch-Satterthwaite** (Sarstedt et al. 2011; Nitzl 2010; cSEM's "Nitzl"): ``t = d /
  sqrt((n1-1)/n1 se1^2 + (n2-1)/n2 se2^2)`` with ``df = round(((n1-1)/n1 se1^2 +
  (n2-1)/n2 se2^2)^2 / ((n1-1)/n1^2 se1^4 + (n2-1)/n2^2 se2^4) - 2)``.
* **Permutation** (Chin & Dibbern 2010): the group labels of the pooled rows are permuted
  ``n_perm`` times, the model is re-estimated in both permuted groups (batched: all
  permutations of a chunk in one kernel call) and ``p = share(d* >= |d|) + share(d* <=
  -|d|)`` over the successful permutations (cSEM's ``testMGD(.approach_mgd = "Chin")``).

``se1, se2`` are the bootstrap standard errors (SD of the successful replicates, divisor
B - 1) of each group. A grouping with more than two levels compares every pair of levels;
the p-values of the pairs of one path are then adjusted for multiple testing
(``correction``, Holm by default) in extra columns ``*_adj`` (the Henseler p-value made
two-sided, ``2 min(p, 1 - p)``, before adjusting).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi._lazy import stats as _scipy_stats
from acsi._validation import check_choice, check_executor, check_int, check_level, check_progress, check_seed
from acsi.exceptions import DataError, SpecificationError
from acsi.inference.resampling import SEED_BLOCK, block_seeds, pinned_blas, run_tasks
from acsi.plspm.batched import (
    BatchedKernelResult,
    BatchPlan,
    _moments_from_cov,
    fit_batched,
    make_plan,
    resample_moments,
    resample_moments_mean_replaced,
)
from acsi.results.base import ResultMixin, Summary, compact_repr, freeze, frozen_table

if TYPE_CHECKING:
    from acsi.plspm.bootstrap import BootstrapResult
    from acsi.plspm.results import PLSResult

__all__ = ["MGAResult", "pls_mga", "CORRECTIONS", "henseler_p", "adjust_pvalues"]

#: Multiple-testing corrections for groupings with more than two levels.
CORRECTIONS: tuple[str, ...] = ("holm", "bonferroni", "none")

_TABLE = ["source", "target", "group1", "group2", "diff", "p_mga", "p_parametric", "p_welch", "p_permutation"]


# ----------------------------------------------------------------------------- groups
@dataclass(frozen=True)
class Grouping:
    """Groups of the rows of a fitted model.

    Attributes
    ----------
    labels : tuple of str
        The levels, in order (a boolean mask: ``("True", "False")``, group 1 = True rows).
    codes : ndarray (n,) int
        Level of each row of the fitted data (``-1``: in no group, e.g. a missing value).
    name : str
        How the grouping was given (the column name, or ``"mask"``/``"group"``).
    """

    labels: tuple[str, ...]
    codes: np.ndarray
    name: str

    def rows(self, level: int) -> np.ndarray:
        """Positions (in the fitted data) of the rows of a level."""
        return np.flatnonzero(self.codes == level)

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(int((self.codes == g).sum()) for g in range(len(self.labels)))


def resolve_groups(res: PLSResult, group: Any, argument: str = "group") -> Grouping:
    """The grouping of ``res``'s rows given as a column name, a boolean mask or labels.

    A mask or label vector has one entry per row of the fitted data (``res.nobs``) or, when
    listwise deletion removed rows, per row of the data given to :func:`acsi.pls`.
    """
    n = res.nobs
    complete: np.ndarray | None = None
    if res.rows_all is not None:
        complete = ~np.isnan(np.asarray(res.rows_all)).any(axis=1)
    n_all = n if complete is None else complete.size
    name = argument
    if isinstance(group, str):
        cov = res._covariates
        name = group
        if cov is not None and group in cov:
            values = np.asarray(cov[group])
            if complete is not None:
                values = values[complete]
        elif group in res.spec.indicators:
            j = list(res.spec.indicators).index(group)
            src = res.rows_all if res.rows_all is not None else (res.raw if res.raw is not None else res.data.X)
            values = np.asarray(src)[:, j]
            if complete is not None:
                values = values[complete]
        else:
            have = "" if cov is None else f" (columns not in the model: {', '.join(cov) or 'none'})"
            raise SpecificationError(
                f"{argument}={group!r} is not a column of the data the model was fitted on{have}; "
                "name a column of that data frame, or pass a boolean mask or a vector of group labels "
                "with one entry per row"
            )
    else:
        values = group.to_numpy() if isinstance(group, (pd.Series, pd.Index, pd.Categorical)) else np.asarray(group)
        if values.ndim != 1 or values.shape[0] not in (n, n_all):
            lens = f"{n}" if n == n_all else f"{n} (rows used) or {n_all} (rows given)"
            raise SpecificationError(
                f"{argument} must be a column name, or a boolean mask / vector of labels with one entry "
                f"per row of the data ({lens}); got shape {np.shape(values)}"
            )
        if complete is not None and values.shape[0] == n_all and n_all != n:
            values = values[complete]
    if values.dtype == bool:
        codes = np.where(values, 0, 1).astype(np.intp)
        labels: tuple[str, ...] = ("True", "False")
        if name == argument:
            name = "mask"
    else:
        ser = pd.Series(values)
        miss = ser.isna().to_numpy()
        if isinstance(group, pd.Series) and isinstance(group.dtype, pd.CategoricalDtype):
            present = set(ser[~miss])
            levels = [c for c in group.cat.categories if c in present]
        else:
            try:
                levels = sorted(pd.unique(ser[~miss]))
            except TypeError:
                levels = list(pd.unique(ser[~miss]))
        if levels and all(isinstance(v, (bool, np.bool_)) for v in levels):
            levels = sorted(levels, reverse=True)  # a mask with missing values: True rows are group 1
        lut = {v: i for i, v in enumerate(levels)}
        codes = np.array([-1 if m else lut[v] for v, m in zip(ser.tolist(), miss)], dtype=np.intp)
        labels = tuple(str(v) for v in levels)
    present_levels = [lab for g, lab in enumerate(labels) if (codes == g).any()]
    if len(present_levels) < 2:
        raise SpecificationError(
            f"{argument}={name!r} has {len(present_levels)} level"
            f"{'' if len(present_levels) == 1 else 's'} in the rows used "
            f"({', '.join(present_levels) or 'none'}); a multigroup comparison needs at least two "
            "groups: choose a grouping variable with two or more levels"
        )
    if len(present_levels) < len(labels):  # a mask that is all True or all False is caught above
        keep = [g for g, lab in enumerate(labels) if lab in present_levels]
        remap = np.full(len(labels) + 1, -1, dtype=np.intp)
        remap[keep] = np.arange(len(keep))
        codes = remap[codes]
        labels = tuple(present_levels)
    return Grouping(labels=labels, codes=codes, name=str(name))


# ----------------------------------------------------------------------------- kernel side
@dataclass(frozen=True)
class RowProblem:
    """The fitted data prepared for batched fits of row subsets (groups, permuted groups).

    ``D`` is the fitted data centred by its column means (0 where a value was missing and
    replaced, ``missing="mean"``; each subset then redoes the mean replacement with its own
    means, as a refit on the subset would); ``observed`` is None without replaced values.
    """

    D: np.ndarray
    center: np.ndarray
    observed: np.ndarray | None
    plan: BatchPlan
    scheme: str
    consistent: bool
    tol: float
    max_iter: int


def row_problem(res: PLSResult) -> RowProblem:
    """:class:`RowProblem` of a fitted model (built once per analysis)."""
    X = np.asarray(res.data.X, dtype=np.float64)
    center = X.mean(axis=0)
    D = X - center
    observed = None
    if res.raw is not None:
        miss = np.isnan(np.asarray(res.raw))
        if miss.any():
            D[miss] = 0.0
            observed = ~miss
    s = res.settings
    return RowProblem(
        D=D, center=center, observed=observed, plan=make_plan(res.spec), scheme=s.scheme,
        consistent=bool(res.kernel.consistent), tol=float(s.tol), max_iter=int(s.max_iter),
    )


def subset_moments(pr: RowProblem, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means, SDs and correlation matrices of the row subsets given as 0/1 counts (B, n)."""
    if pr.observed is None:
        return resample_moments(pr.D, counts, pr.center)
    return resample_moments_mean_replaced(pr.D, pr.observed, counts, pr.center)


def fit_subsets(pr: RowProblem, counts: np.ndarray) -> BatchedKernelResult:
    """The model fitted on each row subset (B, n) at once."""
    _, _, R = subset_moments(pr, counts)
    return fit_batched(R, pr.plan, scheme=pr.scheme, consistent=pr.consistent, tol=pr.tol, max_iter=pr.max_iter)


def fit_partition(pr: RowProblem, labels: np.ndarray, rows: np.ndarray, k: int) -> list[BatchedKernelResult]:
    """The model fitted in each of ``k`` groups of many partitions of the same rows at once.

    ``labels`` (B, m) gives the group (0..k-1) of each of the rows ``rows`` (m,) of the fitted
    data in each partition (a permutation of group labels). Without replaced values the
    sums and cross-products of the last group are those of all the rows minus the other
    groups' (one product fewer); with ``missing="mean"`` every group's moments are computed
    on their own (each group redoes its own mean replacement).
    """
    nb = labels.shape[0]
    n = pr.D.shape[0]
    out: list[BatchedKernelResult] = []

    def fit(R: np.ndarray) -> BatchedKernelResult:
        return fit_batched(R, pr.plan, scheme=pr.scheme, consistent=pr.consistent, tol=pr.tol, max_iter=pr.max_iter)

    p = pr.D.shape[1]
    if pr.observed is not None or rows.size * p * (p + 1) // 2 > (1 << 25):
        # mean replacement per group, or a products matrix too large to hold: group by group
        for g in range(k):
            cnt = np.zeros((nb, n))
            rr, cc = np.nonzero(labels == g)
            cnt[rr, rows[cc]] = 1.0
            out.append(fit(subset_moments(pr, cnt)[2]))
        return out
    iu, ju = np.triu_indices(p)
    diag = np.flatnonzero(iu == ju)
    Dr = pr.D[rows]
    P2 = Dr[:, iu] * Dr[:, ju]
    tot_all = float(rows.size)
    S1_all = Dr.sum(axis=0)
    S2_all = P2.sum(axis=0)
    S1_rest = np.broadcast_to(S1_all, (nb, p)).copy()
    S2_rest = np.broadcast_to(S2_all, (nb, iu.size)).copy()
    tot_rest = np.full(nb, tot_all)
    for g in range(k):
        if g < k - 1:
            M = (labels == g).astype(np.float64)
            tot = M.sum(axis=1)
            S1 = M @ Dr
            S2 = M @ P2
            S1_rest -= S1
            S2_rest -= S2
            tot_rest -= tot
        else:
            tot, S1, S2 = tot_rest, S1_rest, S2_rest
        m = S1 / tot[:, None]
        cov = S2 - tot[:, None] * m[:, iu] * m[:, ju]
        _, _, R = _moments_from_cov(cov, tot, m, pr.center, iu, ju, diag, p)
        out.append(fit(R))
    return out


def permutations(
    seed: np.random.SeedSequence, n_perm: int, n_rows: int
) -> list[tuple[int, np.ndarray]]:
    """Random permutations of ``range(n_rows)``, ``n_perm`` rows, drawn in blocks of
    :data:`~acsi.inference.resampling.SEED_BLOCK` (block ``i`` from child ``i`` of
    ``seed``), so the draws do not depend on how the work is chunked.
    Returns ``(start, perms)`` per block."""
    out = []
    for i, ss in enumerate(block_seeds(seed, n_perm, SEED_BLOCK)):
        start = i * SEED_BLOCK
        b = min(SEED_BLOCK, n_perm - start)
        rng = np.random.default_rng(ss)
        out.append((start, rng.permuted(np.tile(np.arange(n_rows), (b, 1)), axis=1)))
    return out


def perm_chunk(n_rows: int, p: int) -> int:
    """Permutations per batched fit (bounds the (chunk, n) counts and (chunk, p, p) stacks)."""
    return max(SEED_BLOCK, ((1 << 23) // max(n_rows, p * p)) // SEED_BLOCK * SEED_BLOCK)


def check_perm_indices(value: Any, n_perm: int | None, n_rows: int, argument: str) -> np.ndarray:
    """Given permutations: an integer array (n_perm, n_rows), each row a permutation."""
    arr = np.asarray(value)
    if arr.ndim != 2 or arr.shape[1] != n_rows or not np.issubdtype(arr.dtype, np.integer):
        raise SpecificationError(
            f"{argument} must be an integer array of shape (n_perm, {n_rows}) whose rows are "
            f"permutations of 0..{n_rows - 1}; got shape {arr.shape} and dtype {arr.dtype}"
        )
    if not (np.sort(arr, axis=1) == np.arange(n_rows)).all():
        raise SpecificationError(
            f"every row of {argument} must be a permutation of 0..{n_rows - 1} (each pooled row once)"
        )
    if n_perm is not None and n_perm != arr.shape[0]:
        raise SpecificationError(
            f"n_perm={n_perm} but {argument} holds {arr.shape[0]} permutations; give one or the other"
        )
    return arr.astype(np.intp)


# ----------------------------------------------------------------------------- statistics
def henseler_p(draws1: np.ndarray, draws2: np.ndarray) -> np.ndarray:
    """Henseler's PLS-MGA p-value per column, as seminr's ``pls_mga_p``.

    ``1 - #{(j, k): 2 m1 - b1_j - 2 m2 + b2_k > 0} / J^2`` for two (J, m) arrays of bootstrap
    draws with means ``m1, m2``. The sign of the floating-point sum ``a_j + b2_k`` (``a_j =
    2 m1 - b1_j - 2 m2`` evaluated as R does) is that of the exact sum, so the count is
    ``#{b2_k > -a_j}``: one sort and a search instead of the ``J x J`` grid.

    Examples
    --------
    >>> import numpy as np
    >>> b1 = np.array([[0.5], [0.6], [0.7]]); b2 = np.array([[0.1], [0.2], [0.3]])
    >>> float(henseler_p(b1, b2)[0])   # group 1 clearly larger
    0.0
    """
    b1 = np.asarray(draws1, dtype=np.float64)
    b2 = np.asarray(draws2, dtype=np.float64)
    J = b1.shape[0]
    m1 = b1.mean(axis=0)
    m2 = b2.mean(axis=0)
    out = np.empty(b1.shape[1])
    for c in range(b1.shape[1]):
        a = 2.0 * m1[c] - b1[:, c] - 2.0 * m2[c]
        s = np.sort(b2[:, c])
        count = J * J - np.searchsorted(s, -a, side="right").sum()
        out[c] = 1.0 - count / (J * J)
    return out


def adjust_pvalues(p: np.ndarray, method: str) -> np.ndarray:
    """Holm or Bonferroni adjustment of a family of p-values (R's ``p.adjust``); NaN kept.

    Examples
    --------
    >>> import numpy as np
    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03]), "holm").round(4).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=np.float64)
    out = p.copy()
    ok = np.isfinite(p)
    m = int(ok.sum())
    if method == "none" or m == 0:
        return out
    q = p[ok]
    if method == "bonferroni":
        out[ok] = np.minimum(1.0, q * m)
        return out
    order = np.argsort(q, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * q[order]))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def _two_sided_t(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return 2.0 * _scipy_stats.t.sf(np.abs(t), df)


def parametric_test(
    diff: np.ndarray, se1: np.ndarray, se2: np.ndarray, n1: int, n2: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keil et al. (2000) t-test with the pooled SE of Henseler (2007): (t, df, p)."""
    sp = np.sqrt((n1 - 1) ** 2 / (n1 + n2 - 2) * se1**2 + (n2 - 1) ** 2 / (n1 + n2 - 2) * se2**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = diff / (sp * np.sqrt(1.0 / n1 + 1.0 / n2))
    df = np.full(diff.shape, float(n1 + n2 - 2))
    return t, df, _two_sided_t(t, df)


def welch_test(
    diff: np.ndarray, se1: np.ndarray, se2: np.ndarray, n1: int, n2: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Welch-Satterthwaite t-test (Nitzl 2010; Sarstedt et al. 2011; cSEM's df rounding)."""
    v1 = (n1 - 1) / n1 * se1**2
    v2 = (n2 - 1) / n2 * se2**2
    with np.errstate(invalid="ignore", divide="ignore"):
        t = diff / np.sqrt(v1 + v2)
        df = np.round((v1 + v2) ** 2 / ((n1 - 1) / n1**2 * se1**4 + (n2 - 1) / n2**2 * se2**4) - 2.0)
    return t, df, _two_sided_t(t, df)


def permutation_p(observed: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Two-sided permutation p-value per column (Chin & Dibbern 2010, as cSEM):
    ``mean(ref >= |obs|) + mean(ref <= -|obs|)``."""
    a = np.abs(observed)
    return (ref >= a).mean(axis=0) + (ref <= -a).mean(axis=0)


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class MGAResult(ResultMixin):
    """Multigroup analysis of a PLS path model (returned by ``res.mga``).

    Attributes
    ----------
    table : DataFrame
        One row per structural path (and pair of groups): ``source, target, group1,
        group2`` (the path in each group), ``diff`` (group1 - group2), ``p_mga`` (Henseler,
        one-sided, seminr's), ``p_parametric`` (Keil), ``p_welch`` (Welch-Satterthwaite),
        ``p_permutation`` (Chin & Dibbern). With more than two groups, leading columns
        ``level1, level2`` name the pair and ``p_mga_adj, p_parametric_adj, p_welch_adj,
        p_permutation_adj`` hold the p-values adjusted over the pairs of each path
        (``correction``).
    details : DataFrame
        The same rows with bootstrap means and SEs of both groups, the t statistics and
        degrees of freedom of the parametric and Welch tests and the number of resamples
        ``J`` used for the Henseler p-value.
    groups : tuple of str
        Group labels (group 1 first).
    nobs : tuple of int
        Rows per group.
    group_results : tuple of PLSResult
        The model estimated in each group.
    bootstraps : tuple of BootstrapResult
        The bootstrap of each group.
    n, n_perm : int
        Resamples per group and permutations per pair.
    n_failed : tuple of int
        Failed resamples per group.
    n_perm_failed : tuple of int
        Failed permutations per pair (excluded).
    seed : int or None
        Entropy of the root SeedSequence.
    correction : str
    settings : dict
    notes : tuple of str
    """

    _table: pd.DataFrame = field(repr=False)
    _details: pd.DataFrame = field(repr=False)
    groups: tuple[str, ...]
    nobs: tuple[int, ...]
    group_results: tuple[Any, ...] = field(repr=False, compare=False)
    bootstraps: tuple[Any, ...] = field(repr=False, compare=False)
    n: int = 0
    n_perm: int = 0
    n_failed: tuple[int, ...] = ()
    n_perm_failed: tuple[int, ...] = ()
    seed: int | None = None
    correction: str = "holm"
    grouping: str = "group"
    settings: dict[str, Any] = field(default_factory=dict, compare=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", freeze(self._table))
        object.__setattr__(self, "_details", freeze(self._details))
        object.__setattr__(self, "settings", dict(self.settings))

    def __repr__(self) -> str:
        return compact_repr(self, groups=self.groups, nobs=self.nobs, n=self.n, n_perm=self.n_perm)

    @frozen_table
    def table(self) -> pd.DataFrame:
        """Path differences and the four p-values (see the class docstring)."""
        return self._table

    @frozen_table
    def details(self) -> pd.DataFrame:
        """Bootstrap means and SEs per group, t statistics and degrees of freedom."""
        return self._details

    def _summary(self) -> Summary:
        header = [
            ("Grouping", self.grouping),
            ("Groups (rows)", ", ".join(f"{g} ({k})" for g, k in zip(self.groups, self.nobs))),
            ("Bootstrap resamples per group", self.n),
            ("Failed resamples", ", ".join(str(k) for k in self.n_failed)),
            ("Permutations", self.n_perm),
            ("Failed permutations", ", ".join(str(k) for k in self.n_perm_failed)),
            ("Seed", self.seed),
        ]
        if len(self.groups) > 2:
            header.append(("Multiple testing", f"{self.correction} over the pairs of each path"))
        keys = ["level1", "level2", "source", "target"] if len(self.groups) > 2 else ["source", "target"]
        notes = list(self.notes) + [
            "p_mga: Henseler's PLS-MGA (seminr's pls_mga_p), one-sided for H1 group1 > group2 "
            "(near 1: group1 smaller); p_parametric: Keil et al. (2000) pooled SE; p_welch: "
            "Welch-Satterthwaite; p_permutation: Chin & Dibbern (2010), two-sided."
        ]
        return Summary(
            title="PLS multigroup analysis", header=header,
            tables=[("Path differences", self._table.set_index(keys))], notes=notes,
        )

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"table": self._table.copy(), "details": self._details.copy()}


# ----------------------------------------------------------------------------- driver
def refit_rows(res: PLSResult, rows: np.ndarray) -> PLSResult:
    """The model of ``res`` estimated on the fitted rows ``rows`` with the same settings
    (under ``missing="mean"`` the replacement is redone with the subset's means)."""
    from acsi.plspm.api import pls

    s = res.settings
    cols = list(res.spec.indicators)
    if res.raw is not None:
        frame = pd.DataFrame(np.asarray(res.raw)[rows], columns=cols)
    else:
        frame = pd.DataFrame(np.asarray(res.data.X)[rows], columns=cols)
    return pls(
        res.spec, frame, scheme=s.scheme, consistent=s.consistent, max_iter=s.max_iter, tol=s.tol,
        missing="mean" if res.raw is not None else "listwise",
    )


def fit_groups(res: PLSResult, grouping: Grouping, argument: str = "group") -> list[PLSResult]:
    """The model estimated in each group; a group too small for the model raises a
    DataError naming it."""
    out = []
    for g, label in enumerate(grouping.labels):
        rows = grouping.rows(g)
        try:
            out.append(refit_rows(res, rows))
        except DataError as exc:
            raise DataError(
                f"{argument}={grouping.name!r}: the model cannot be estimated in group {label!r} "
                f"({rows.size} rows): {exc}. Merge small groups, or compare fewer groups"
            ) from None
    return out


def _check_group_indices(indices: Any, grouping: Grouping, n: int | None) -> tuple[list[np.ndarray], int]:
    k = len(grouping.labels)
    if not isinstance(indices, (list, tuple)) or len(indices) != k:
        raise SpecificationError(
            f"indices must be a tuple of {k} integer arrays, one per group in the order "
            f"{', '.join(repr(g) for g in grouping.labels)}, each of shape (n, rows of the group) "
            "with 0-based row positions within the group"
        )
    out = []
    for g, (label, idx) in enumerate(zip(grouping.labels, indices)):
        arr = np.asarray(idx)
        ng = grouping.sizes[g]
        if arr.ndim != 2 or arr.shape[1] != ng or not np.issubdtype(arr.dtype, np.integer):
            raise SpecificationError(
                f"indices[{g}] (group {label!r}) must be an integer array of shape (n, {ng}) of 0-based "
                f"row positions within the group; got shape {arr.shape} and dtype {arr.dtype}"
            )
        if arr.size and (arr.min() < 0 or arr.max() >= ng):
            raise SpecificationError(
                f"indices[{g}] (group {label!r}) must hold 0-based row positions within the group, in "
                f"[0, {ng - 1}]; found values from {int(arr.min())} to {int(arr.max())} (R's 1-based "
                "rows: subtract 1)"
            )
        out.append(arr.astype(np.intp))
    nb = {a.shape[0] for a in out}
    if len(nb) != 1:
        raise SpecificationError(f"indices must hold the same number of resamples for every group; got {sorted(nb)}")
    n_idx = nb.pop()
    if n is not None and n != n_idx:
        raise SpecificationError(f"n={n} but indices hold {n_idx} resamples per group; give one or the other")
    return out, n_idx


def _path_columns(boot: BootstrapResult, pairs: list[tuple[str, str]]) -> np.ndarray:
    lut = {lab: i for i, lab in enumerate(boot.draw_labels)}
    return np.array([lut[("paths", s, t)] for s, t in pairs], dtype=np.intp)


@dataclass(frozen=True)
class PermTask:
    """A chunk of a permutation test (picklable): whole seed blocks of permutations.

    ``blocks`` holds ``(size, source)`` per seed block, ``source`` a ``SeedSequence`` (the
    block's permutations are drawn from it) or given permutations (size, n_rows).
    """

    pr: RowProblem
    pooled: np.ndarray
    na: int
    paths: np.ndarray
    blocks: tuple[tuple[int, Any], ...]


def perm_blocks(seed: np.random.SeedSequence, n_perm: int, given: np.ndarray | None) -> list[tuple[int, Any]]:
    """``(size, source)`` per seed block of a run of ``n_perm`` permutations (block ``i``
    from child ``i`` of ``seed``, as :func:`permutations`), or slices of ``given``."""
    if given is not None:
        return [(min(SEED_BLOCK, n_perm - s), given[s : s + SEED_BLOCK]) for s in range(0, n_perm, SEED_BLOCK)]
    return [(min(SEED_BLOCK, n_perm - i * SEED_BLOCK), ss)
            for i, ss in enumerate(block_seeds(seed, n_perm, SEED_BLOCK))]


def draw_perm_blocks(blocks: Sequence[tuple[int, Any]], n_rows: int) -> np.ndarray:
    """The permutations (rows) of consecutive seed blocks."""
    out = []
    for b, src in blocks:
        if isinstance(src, np.ndarray):
            out.append(src)
        else:
            out.append(np.random.default_rng(src).permuted(np.tile(np.arange(n_rows), (b, 1)), axis=1))
    return np.concatenate(out, axis=0)


def perm_task_groups(blocks: list[tuple[int, Any]], max_step: int) -> list[list[tuple[int, Any]]]:
    """Seed blocks grouped into work chunks: about 8 chunks of at most ``max_step`` blocks.

    Whole blocks only, and the grouping depends on the run's size alone (never on the
    executor), so the batched fits, and hence every bit of the result, are the same here,
    in threads, in processes and on a dask cluster.
    """
    step = min(max(1, max_step), max(1, -(-len(blocks) // 8)))
    return [blocks[i : i + step] for i in range(0, len(blocks), step)]


def _perm_paths_chunk(task: PermTask) -> tuple[np.ndarray, np.ndarray]:
    """Path differences (a - b) and failure flags of one chunk of permutations."""
    with pinned_blas(1):
        perms = draw_perm_blocks(task.blocks, task.pooled.size)
        nb = perms.shape[0]
        lab = np.ones((nb, task.pooled.size), dtype=np.intp)
        np.put_along_axis(lab, perms[:, : task.na], 0, axis=1)
        ka, kb = fit_partition(task.pr, lab, task.pooled, 2)
        p0, p1 = task.paths[:, 0], task.paths[:, 1]
        return ka.B[:, p0, p1] - kb.B[:, p0, p1], ka.failed | kb.failed


def permutation_test_paths(
    pr: RowProblem,
    rows_a: np.ndarray,
    rows_b: np.ndarray,
    paths: np.ndarray,
    n_perm: int,
    seed: np.random.SeedSequence,
    perm_indices: np.ndarray | None,
    progress: Any = None,
    executor: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Path differences (a - b) of permuted groups: (successful perms, m) and failed (n_perm,).

    The pooled rows are ``rows_a`` then ``rows_b``; permutation ``perm`` assigns the pooled
    rows at ``perm[:na]`` to group a and the rest to group b. Chunks of whole seed blocks
    run here or on ``executor`` (:func:`acsi.inference.resampling.run_tasks`); the numbers
    do not depend on it.
    """
    pooled = np.concatenate([rows_a, rows_b])
    n = pr.D.shape[0]
    blocks = perm_blocks(seed, n_perm, perm_indices)
    groups = perm_task_groups(blocks, perm_chunk(n, pr.plan.p) // SEED_BLOCK)
    tasks = [PermTask(pr, pooled, int(rows_a.size), paths, tuple(g)) for g in groups]
    outs = run_tasks(_perm_paths_chunk, tasks, [sum(b for b, _ in g) for g in groups], executor=executor,
                     progress=progress, desc="permutations")
    d = np.concatenate([o[0] for o in outs], axis=0)
    f = np.concatenate([o[1] for o in outs])
    return d[~f], f


def pls_mga(
    res: PLSResult,
    group: Any,
    n: int | None = None,
    seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    indices: Sequence[Any] | None = None,
    n_perm: int = 5000,
    level: float = 0.95,
    executor: Any = None,
    progress: Any = None,
    *,
    correction: str = "holm",
    perm_indices: Any = None,
) -> MGAResult:
    """Multigroup analysis (PLS-MGA, parametric, Welch-Satterthwaite and permutation tests).

    See the module docstring for the formulas. Usually called as ``res.mga(...)``.

    Parameters
    ----------
    res : PLSResult
        The model fitted on all rows.
    group : str, boolean mask or vector of labels
        A column of the data given to :func:`acsi.pls` (one not used by the model, or one of
        its indicators), a boolean mask (True rows are group 1, as seminr's ``condition``)
        or labels (sorted levels; a pandas Categorical keeps its category order). One entry
        per row of the fitted data (or of the data given, when listwise deletion removed
        rows); rows with a missing label belong to no group. More than two levels: every
        pair is compared.
    n : int, default 5000
        Bootstrap resamples per group (with ``indices``: their number).
    seed : int, SeedSequence, Generator or None
        Root of the group bootstraps (child ``g`` for group ``g``) and the permutations
        (the following children, one per pair); None draws fresh entropy (recorded).
    indices : tuple of arrays, optional
        One (n, rows of the group) array per group (in the order of ``groups``) of 0-based
        row positions within the group, e.g. R's rows minus 1: reproduces another
        program's resamples.
    n_perm : int, default 5000
        Permutations per pair for the permutation test (0 skips it: NaN p-values).
    level : float, default 0.95
        Confidence level of the group bootstraps' intervals.
    executor, progress
        As :func:`acsi.plspm.bootstrap.bootstrap_pls`: the group bootstraps and the
        permutations (chunks of whole seed blocks, batched) run on ``executor`` (any
        ``concurrent.futures.Executor`` or a ``dask.distributed.Client``); the numbers are
        bit-identical to the run here for the same ``seed``.
    correction : {"holm", "bonferroni", "none"}, default "holm"
        Adjustment over the pairs of each path when there are more than two groups.
    perm_indices : array or sequence of arrays, optional
        Given permutations (n_perm, rows of the pair) of the pooled rows (group 1's rows
        then group 2's, each in data order; the first ``n1`` positions form permuted group
        1); one array per pair (a single array for two groups).

    Returns
    -------
    MGAResult

    References
    ----------
    Henseler, J., Ringle, C. M., & Sinkovics, R. R. (2009). The use of partial least
    squares path modeling in international marketing. *Advances in International
    Marketing*, 20, 277-319. Keil, M., et al. (2000). A cross-cultural study on escalation
    of commitment behavior in software projects. *MIS Quarterly*, 24(2), 299-325. Sarstedt,
    M., Henseler, J., & Ringle, C. M. (2011). Multigroup analysis in partial least squares
    (PLS) path modeling. *Advances in International Marketing*, 22, 195-218. Chin, W. W., &
    Dibbern, J. (2010). An introduction to a permutation based procedure for multi-group
    PLS analysis. In *Handbook of Partial Least Squares* (pp. 171-193). Springer.

    Examples
    --------
    >>> import acsi
    >>> mobi = acsi.datasets.load_mobi()
    >>> res = acsi.pls("Image =~ IMAG1 + IMAG2 + IMAG3; Sat =~ CUSA1 + CUSA2 + CUSA3; Sat ~ Image", mobi)
    >>> mga = res.mga(mobi["CUEX1"] >= 8, n=200, n_perm=200, seed=1)
    >>> list(mga.table.columns)
    ['source', 'target', 'group1', 'group2', 'diff', 'p_mga', 'p_parametric', 'p_welch', 'p_permutation']
    >>> mga.groups, mga.nobs
    (('True', 'False'), (142, 108))
    """
    t0 = time.perf_counter()
    from acsi.plspm.bootstrap import bootstrap_pls

    level = check_level(level)
    correction = check_choice(correction, CORRECTIONS, "correction", hint="Holm is the default")
    n_perm = check_int(n_perm, "n_perm", minimum=0, hint="0 skips the permutation test; 5000 is usual")
    check_progress(progress)
    executor = check_executor(executor)
    grouping = resolve_groups(res, group)
    k = len(grouping.labels)
    idx_list: list[np.ndarray] | None = None
    if indices is not None:
        idx_list, n = _check_group_indices(indices, grouping, n)
    else:
        n = check_int(5000 if n is None else n, "n", minimum=2, hint="bootstrap resamples per group")
    pairs = list(combinations(range(k), 2))
    perm_list: list[np.ndarray | None] = [None] * len(pairs)
    if perm_indices is not None:
        given = [perm_indices] if (k == 2 and not isinstance(perm_indices, (list, tuple))) else list(perm_indices)
        if len(given) != len(pairs):
            raise SpecificationError(
                f"perm_indices must hold one array per pair of groups ({len(pairs)}); got {len(given)}"
            )
        sizes = grouping.sizes
        for i, (a, b) in enumerate(pairs):
            arg = f"perm_indices[{i}]" if k > 2 else "perm_indices"
            perm_list[i] = check_perm_indices(given[i], None, sizes[a] + sizes[b], arg)
        counts = {x.shape[0] for x in perm_list if x is not None}
        if len(counts) != 1:
            raise SpecificationError("perm_indices must hold the same number of permutations for every pair")
        n_perm = counts.pop()
    root, seed_out = check_seed(seed)
    children = root.spawn(k + len(pairs))

    fits = fit_groups(res, grouping)
    boots = [
        bootstrap_pls(
            fits[g], n=None if idx_list is not None else n, seed=children[g],
            indices=None if idx_list is None else idx_list[g], level=level, executor=executor,
            progress=progress,
        )
        for g in range(k)
    ]
    t_boot = time.perf_counter() - t0
    C = list(res.spec.constructs)
    path_idx = np.argwhere(np.asarray(res.spec.inner, dtype=bool))
    names = [(C[i], C[j]) for i, j in path_idx]
    est = [np.array([f.kernel.B[i, j] for i, j in path_idx]) for f in fits]
    draws = [b.draws_array[:, _path_columns(b, names)] for b in boots]
    ses = [d.std(axis=0, ddof=1) for d in draws]
    pr = row_problem(res)
    rows_out: list[dict[str, Any]] = []
    det_out: list[dict[str, Any]] = []
    perm_failed: list[int] = []
    t1 = time.perf_counter()
    for pi, (a, b) in enumerate(pairs):
        na, nb = grouping.sizes[a], grouping.sizes[b]
        diff = est[a] - est[b]
        J = min(draws[a].shape[0], draws[b].shape[0])
        da, db = draws[a][:J], draws[b][:J]
        p_mga = henseler_p(da, db)
        t_par, df_par, p_par = parametric_test(diff, ses[a], ses[b], na, nb)
        t_w, df_w, p_w = welch_test(diff, ses[a], ses[b], na, nb)
        if n_perm > 0:
            ref, fail = permutation_test_paths(
                pr, grouping.rows(a), grouping.rows(b), path_idx, n_perm, children[k + pi],
                perm_list[pi], None, executor,
            )
            perm_failed.append(int(fail.sum()))
            p_perm = permutation_p(diff, ref) if ref.shape[0] else np.full(diff.shape, np.nan)
        else:
            perm_failed.append(0)
            p_perm = np.full(diff.shape, np.nan)
        for m, (s, t) in enumerate(names):
            row = {"level1": grouping.labels[a], "level2": grouping.labels[b], "source": s, "target": t,
                   "group1": est[a][m], "group2": est[b][m], "diff": diff[m], "p_mga": p_mga[m],
                   "p_parametric": p_par[m], "p_welch": p_w[m], "p_permutation": p_perm[m]}
            rows_out.append(row)
            det_out.append({**row, "boot_mean1": da[:, m].mean(), "boot_mean2": db[:, m].mean(),
                            "boot_se1": ses[a][m], "boot_se2": ses[b][m], "t_parametric": t_par[m],
                            "df_parametric": df_par[m], "t_welch": t_w[m], "df_welch": df_w[m], "J": J})
    table = pd.DataFrame(rows_out)
    details = pd.DataFrame(det_out)
    notes: list[str] = []
    if k > 2:
        for col in ("p_mga", "p_parametric", "p_welch", "p_permutation"):
            vals = table[col].to_numpy(dtype=float)
            if col == "p_mga":
                vals = 2.0 * np.minimum(vals, 1.0 - vals)
            adj = np.empty_like(vals)
            for _, ix in table.groupby(["source", "target"], sort=False).indices.items():
                adj[ix] = adjust_pvalues(vals[ix], correction)
            table[f"{col}_adj"] = adj
        notes.append(
            f"{k} groups: every pair compared; *_adj columns: {correction} adjustment over the "
            f"{len(pairs)} pairs of each path (p_mga made two-sided, 2 min(p, 1 - p), first)"
        )
    else:
        table = table[_TABLE]
        details = details.drop(columns=["level1", "level2"])
    excluded = int((grouping.codes < 0).sum())
    if excluded:
        notes.append(f"{excluded} rows with a missing group label belong to no group")
    Js = {int(x) for x in details["J"]}
    if any(j < n for j in Js):
        notes.append(
            "some resamples failed: the Henseler p-value uses the first J successful resamples of each group (seminr)"
        )
    settings = {
        "level": level, "correction": correction, "indices_given": idx_list is not None,
        "perm_indices_given": perm_indices is not None, "elapsed_bootstrap_s": t_boot,
        "elapsed_permutation_s": time.perf_counter() - t1, "elapsed_s": time.perf_counter() - t0,
    }
    return MGAResult(
        _table=table.reset_index(drop=True), _details=details.reset_index(drop=True),
        groups=grouping.labels, nobs=grouping.sizes, group_results=tuple(fits), bootstraps=tuple(boots),
        n=int(n), n_perm=int(n_perm), n_failed=tuple(int(b.n_failed) for b in boots),
        n_perm_failed=tuple(perm_failed), seed=seed_out, correction=correction,
        grouping=grouping.name, settings=settings, notes=tuple(notes),
    )
