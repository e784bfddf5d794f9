"""Measurement invariance of composites (MICOM; Henseler, Ringle & Sarstedt 2016).

Before comparing paths across groups (:mod:`acsi.plspm.mga`), MICOM checks that the
composites mean the same in every group, in three steps:

1. **Configural invariance** (qualitative): the same indicators, the same model and the
   same algorithm settings in every group. ``res.micom`` establishes it by construction
   (every group is estimated with ``res``'s model and settings) and states it.
2. **Compositional invariance**: with ``w_a``, ``w_b`` a construct's weights estimated in
   groups a and b (for standardized indicators), ``c`` is the correlation of the pooled
   data's composite scores under the two weight vectors,

   .. math:: c = \\frac{w_a' R w_b}{\\sqrt{w_a' R w_a \\; w_b' R w_b}},

   ``R`` the pooled indicator correlations (cSEM's ``testMICOM``: ``cor(X w_a, X w_b)``
   with X the standardized pooled data). Under invariance ``c`` is close to 1; its
   permutation distribution (group labels of the pooled rows permuted, both groups
   re-estimated, all permutations batched) gives ``p = share(c* <= c)`` and the
   ``1 - level`` quantile; compositional invariance holds when ``p >= 1 - level``.
3. **Equal composite means and variances**: the composite scores of the pooled estimation
   (standardized, divisor n - 1) give the mean difference ``mean_a - mean_b`` and the log
   variance ratio ``log(var_a) - log(var_b)``; their permutation distributions (the same
   permutations) give percentile intervals at ``level`` and the two-sided ``p =
   share(d* > |d|) + share(d* < -|d|)`` (cSEM). Equal when ``p >= 1 - level``.

Verdict per construct: **full** invariance (steps 2 and 3 pass: the groups' data may be
pooled), **partial** invariance (step 2 passes, step 3 fails: compare paths by MGA),
**no** invariance (step 2 fails). With more than two groups every pair is compared and the
p-values of a construct are adjusted over the pairs (``correction``, Holm by default)
before deciding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi._validation import check_choice, check_executor, check_int, check_level, check_progress, check_seed
from acsi.exceptions import SpecificationError
from acsi.inference.intervals import quantile7
from acsi.inference.resampling import SEED_BLOCK, pinned_blas, run_tasks
from acsi.plspm.algorithm import correlation
from acsi.plspm.mga import (
    CORRECTIONS,
    RowProblem,
    adjust_pvalues,
    check_perm_indices,
    draw_perm_blocks,
    fit_groups,
    fit_partition,
    fit_subsets,
    perm_blocks,
    perm_chunk,
    perm_task_groups,
    resolve_groups,
    row_problem,
)
from acsi.results.base import ResultMixin, Summary, compact_repr, freeze, frozen_table

if TYPE_CHECKING:
    from acsi.plspm.results import PLSResult

__all__ = ["MICOMResult", "micom", "composite_correlation"]

CONFIGURAL = (
    "established by construction: every group is estimated with the same indicators, the same "
    "model (blocks, modes, paths) and the same algorithm settings (scheme, tolerance, "
    "iterations, missing-data treatment) as the full-sample fit"
)


def composite_correlation(Wa: np.ndarray, Wb: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``c`` of every construct: correlation of ``X W_a`` and ``X W_b`` for data with
    correlation matrix ``R``; ``Wa``, ``Wb`` (..., p, k) block-diagonal weights."""
    RWb = R @ Wb
    RWa = R @ Wa
    ab = (Wa * RWb).sum(axis=-2)
    aa = (Wa * RWa).sum(axis=-2)
    bb = (Wb * RWb).sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ab / np.sqrt(aa * bb)


@dataclass(frozen=True, eq=False)
class MICOMResult(ResultMixin):
    """Measurement invariance of composites (returned by ``res.micom``).

    Attributes
    ----------
    table : DataFrame
        One row per construct (and pair of groups): ``construct``, step 2 (``c``,
        ``c_quantile`` the ``1 - level`` permutation quantile, ``c_pvalue``,
        ``compositional``), step 3 (``mean_diff`` with ``mean_ci_lower/upper`` and
        ``mean_pvalue``, ``equal_means``; ``log_var_ratio`` with ``var_ci_lower/upper`` and
        ``var_pvalue``, ``equal_variances``) and ``invariance`` ("full", "partial", "no").
        More than two groups: leading ``level1, level2`` and adjusted ``*_pvalue_adj``.
    step2, step3 : DataFrame
        The columns of each step.
    verdict : str
        Overall: "full measurement invariance" (every construct full), "partial
        measurement invariance" (every construct at least partial) or "no measurement
        invariance".
    configural : str
        Step 1, stated.
    groups, nobs, n_perm, n_perm_failed, seed, level, correction, settings
    permutation_draws : ndarray (read-only)
        Successful permutations x statistics (``draw_labels``: step, pair, construct).
    """

    _table: pd.DataFrame = field(repr=False)
    groups: tuple[str, ...]
    nobs: tuple[int, ...]
    n_perm: int
    n_perm_failed: int
    seed: int | None
    level: float
    correction: str
    verdict: str
    configural: str = CONFIGURAL
    grouping: str = "group"
    permutation_draws: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)
    draw_labels: tuple[tuple[str, str, str], ...] = field(default=(), repr=False)
    settings: dict[str, Any] = field(default_factory=dict, compare=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", freeze(self._table))
        object.__setattr__(self, "permutation_draws", freeze(np.asarray(self.permutation_draws)))
        object.__setattr__(self, "settings", dict(self.settings))

    def __repr__(self) -> str:
        return compact_repr(self, groups=self.groups, nobs=self.nobs, n_perm=self.n_perm, verdict=self.verdict)

    @property
    def _keys(self) -> list[str]:
        return ["level1", "level2", "construct"] if len(self.groups) > 2 else ["construct"]

    @frozen_table
    def table(self) -> pd.DataFrame:
        """Steps 2 and 3 and the verdict per construct (see the class docstring)."""
        return self._table

    @frozen_table
    def step2(self) -> pd.DataFrame:
        """Compositional invariance: c, its permutation quantile and p-value."""
        cols = [c for c in self._table.columns if c.startswith("c_") or c in ("c", "compositional")]
        return self._table[self._keys + cols]

    @frozen_table
    def step3(self) -> pd.DataFrame:
        """Equality of composite means and variances."""
        cols = [c for c in self._table.columns if c.startswith(("mean_", "var_", "log_var", "equal_"))]
        return self._table[self._keys + cols]

    def _summary(self) -> Summary:
        header = [
            ("Grouping", self.grouping),
            ("Groups (rows)", ", ".join(f"{g} ({k})" for g, k in zip(self.groups, self.nobs))),
            ("Permutations", self.n_perm),
            ("Failed permutations (excluded)", self.n_perm_failed),
            ("Level", self.level),
            ("Seed", self.seed),
            ("Step 1 (configural)", "established (same model, indicators and settings)"),
            ("Verdict", self.verdict),
        ]
        if len(self.groups) > 2:
            header.append(("Multiple testing", f"{self.correction} over the pairs of each construct"))
        t = self._table.set_index(self._keys)
        return Summary(
            title="MICOM: measurement invariance of composites",
            header=header,
            tables=[
                ("Step 2: compositional invariance", t[["c", "c_quantile", "c_pvalue", "compositional"]]),
                ("Step 3a: equal means",
                 t[["mean_diff", "mean_ci_lower", "mean_ci_upper", "mean_pvalue", "equal_means"]]),
                ("Step 3b: equal variances",
                 t[["log_var_ratio", "var_ci_lower", "var_ci_upper", "var_pvalue", "equal_variances"]]),
                ("Verdict", t[["invariance"]]),
            ],
            notes=[f"Step 1: {self.configural}.", *self.notes],
        )

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"micom": self._table.copy()}


def _mean_var(lab: np.ndarray, Y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(B, k_groups, k_constructs) means and variances (n - 1) of Y by label rows (B, npool)."""
    M = np.stack([(lab == g).astype(np.float64) for g in range(k)], axis=1)  # (B, G, npool)
    cnt = M.sum(axis=2)[:, :, None]
    S1 = M @ Y
    S2 = M @ (Y * Y)
    mean = S1 / cnt
    var = (S2 - cnt * mean**2) / (cnt - 1.0)
    return mean, var


def _c_stats(Ws: list[np.ndarray], Rp: np.ndarray, pairs: Any, single: np.ndarray) -> np.ndarray:
    """(B, pairs, k) compositional correlations."""
    out = np.stack([composite_correlation(Ws[a], Ws[b], Rp) for a, b in pairs], axis=1)
    out[..., single] = 1.0
    return out


@dataclass(frozen=True)
class _MicomTask:
    """A chunk of MICOM's permutations (picklable): whole seed blocks (see
    :func:`acsi.plspm.mga.perm_blocks`)."""

    pr: RowProblem
    pooled: np.ndarray
    labels0: np.ndarray
    k: int
    Y: np.ndarray
    Rp: np.ndarray
    single: np.ndarray
    pairs: tuple[tuple[int, int], ...]
    blocks: tuple[tuple[int, Any], ...]


def _micom_chunk(t: _MicomTask) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Compositional correlations, mean differences, log variance ratios and failure flags
    of one chunk of permutations."""
    with pinned_blas(1):
        perms = draw_perm_blocks(t.blocks, t.pooled.size)
        nb = perms.shape[0]
        lab = t.labels0[perms]  # (B, npool): label of each pooled row under the permutation
        krs = fit_partition(t.pr, lab, t.pooled, t.k)
        fail = np.zeros(nb, dtype=bool)
        for kr in krs:
            fail |= kr.failed
        c = _c_stats([np.asarray(kr.W) for kr in krs], t.Rp, t.pairs, t.single)
        mb, vb = _mean_var(lab, t.Y, t.k)
        md = np.stack([mb[:, a] - mb[:, b] for a, b in t.pairs], axis=1)
        lv = np.stack([np.log(vb[:, a]) - np.log(vb[:, b]) for a, b in t.pairs], axis=1)
        return c, md, lv, fail


def micom(
    res: PLSResult,
    group: Any,
    n_perm: int = 5000,
    seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    level: float = 0.95,
    *,
    correction: str = "holm",
    perm_indices: Any = None,
    progress: Any = None,
    executor: Any = None,
) -> MICOMResult:
    """Measurement invariance of composites, steps 1-3 (see the module docstring).

    Parameters
    ----------
    res : PLSResult
    group : str, boolean mask or vector of labels
        As :func:`acsi.plspm.mga.pls_mga`.
    n_perm : int, default 5000
        Permutations (Henseler et al. 2016 recommend at least 5000).
    seed : int, SeedSequence, Generator or None
        Permutations are drawn in blocks of 100 from children of this seed; None draws
        fresh entropy (recorded).
    level : float, default 0.95
        ``1 - level`` is the significance level of every decision.
    correction : {"holm", "bonferroni", "none"}, default "holm"
        With more than two groups: adjustment over the pairs of each construct.
    perm_indices : array (n_perm, pooled rows), optional
        Given permutations of the pooled rows (the rows of all groups, in data order): row
        ``i`` of the pooled data takes the label of pooled row ``perm[b, i]``.
    progress : None, True or callable, optional
        ``True`` shows a tqdm bar; a callable is called as ``progress(done, n_perm)``.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        The permutations run in chunks of whole seed blocks on it; the numbers are
        bit-identical to the run here (``None``) for the same ``seed``.

    Returns
    -------
    MICOMResult

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2016). Testing measurement invariance of
    composites using partial least squares. *International Marketing Review*, 33(3),
    405-431. Rademaker, M. E., & Schuberth, F. (2020). cSEM (``testMICOM``).

    Examples
    --------
    >>> import acsi
    >>> mobi = acsi.datasets.load_mobi()
    >>> res = acsi.pls("Image =~ IMAG1 + IMAG2 + IMAG3; Sat =~ CUSA1 + CUSA2 + CUSA3; Sat ~ Image", mobi)
    >>> mi = res.micom(mobi["CUEX1"] >= 8, n_perm=300, seed=1)
    >>> mi.table[["construct", "compositional", "invariance"]].to_string(index=False)
    'construct  compositional invariance\\n    Image           True    partial\\n      Sat           True    partial'
    """
    t0 = time.perf_counter()
    level = check_level(level)
    correction = check_choice(correction, CORRECTIONS, "correction", hint="Holm is the default")
    n_perm = check_int(n_perm, "n_perm", minimum=1, hint="Henseler et al. (2016) recommend 5000")
    executor = check_executor(executor)
    check_progress(progress)
    grouping = resolve_groups(res, group)
    k = len(grouping.labels)
    codes = grouping.codes
    pooled = np.flatnonzero(codes >= 0)
    labels0 = codes[pooled]
    npool = pooled.size
    perms_given = None
    if perm_indices is not None:
        perms_given = check_perm_indices(perm_indices, None, npool, "perm_indices")
        n_perm = int(perms_given.shape[0])
    root, seed_out = check_seed(seed)
    fits = fit_groups(res, grouping)  # validates every group (too few rows -> DataError)
    pr = row_problem(res)
    plan = pr.plan
    n, p = pr.D.shape
    W0 = [np.asarray(f.kernel.W) for f in fits]
    X = np.asarray(res.data.X)[pooled]
    Rp = correlation(X)
    single = np.array([b.size == 1 for b in plan.blocks])
    pairs = list(combinations(range(k), 2))
    C = list(res.spec.constructs)

    # pooled estimation and its standardized scores (step 3)
    if npool == n:
        Wp = np.asarray(res.kernel.W)
    else:
        cnt = np.zeros((1, n))
        cnt[0, pooled] = 1.0
        Wp = np.asarray(fit_subsets(pr, cnt).W[0])
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    Y = Z @ Wp
    Y = Y / Y.std(axis=0, ddof=1)

    c0 = _c_stats([w[None] for w in W0], Rp, pairs, single)[0]
    m0, v0 = _mean_var(labels0[None], Y, k)
    md0 = np.stack([m0[0, a] - m0[0, b] for a, b in pairs])
    lv0 = np.stack([np.log(v0[0, a]) - np.log(v0[0, b]) for a, b in pairs])

    # permutations, batched, in chunks of whole seed blocks (here or on the executor)
    blocks = perm_blocks(root, n_perm, perms_given)
    step = max(1, perm_chunk(n, p) // SEED_BLOCK // max(1, k - 1))
    groups = perm_task_groups(blocks, step)
    tasks = [_MicomTask(pr, pooled, labels0, k, Y, Rp, single, tuple(pairs), tuple(g)) for g in groups]
    outs = run_tasks(_micom_chunk, tasks, [sum(b for b, _ in g) for g in groups], executor=executor,
                     progress=progress, desc="permutations")
    c_ref = [o[0] for o in outs]
    md_ref = [o[1] for o in outs]
    lv_ref = [o[2] for o in outs]
    failed = [o[3] for o in outs]
    fail_all = np.concatenate(failed)
    cr = np.concatenate(c_ref, axis=0)[~fail_all]
    mdr = np.concatenate(md_ref, axis=0)
    lvr = np.concatenate(lv_ref, axis=0)
    if cr.shape[0] < 2:
        raise SpecificationError(
            f"only {cr.shape[0]} of {n_perm} permutations could be estimated; MICOM needs more "
            "(check the groups' sizes and the model)"
        )
    alpha = 1.0 - level
    rows: list[dict[str, Any]] = []
    for pi, (a, b) in enumerate(pairs):
        cq = quantile7(cr[:, pi, :], [alpha])[0]
        cp = (cr[:, pi, :] <= c0[pi]).mean(axis=0)
        cp[single] = 1.0
        mlo, mhi = quantile7(mdr[:, pi, :], [alpha / 2, 1 - alpha / 2])
        vlo, vhi = quantile7(lvr[:, pi, :], [alpha / 2, 1 - alpha / 2])
        mp = (mdr[:, pi, :] > np.abs(md0[pi])).mean(axis=0) + (mdr[:, pi, :] < -np.abs(md0[pi])).mean(axis=0)
        vp = (lvr[:, pi, :] > np.abs(lv0[pi])).mean(axis=0) + (lvr[:, pi, :] < -np.abs(lv0[pi])).mean(axis=0)
        for j, name in enumerate(C):
            rows.append({
                "level1": grouping.labels[a], "level2": grouping.labels[b], "construct": name,
                "c": c0[pi, j], "c_quantile": cq[j], "c_pvalue": cp[j],
                "mean_diff": md0[pi, j], "mean_ci_lower": mlo[j], "mean_ci_upper": mhi[j], "mean_pvalue": mp[j],
                "log_var_ratio": lv0[pi, j], "var_ci_lower": vlo[j], "var_ci_upper": vhi[j], "var_pvalue": vp[j],
            })
    table = pd.DataFrame(rows)
    dec = {"c_pvalue": "compositional", "mean_pvalue": "equal_means", "var_pvalue": "equal_variances"}
    for col, out in dec.items():
        vals = table[col].to_numpy(dtype=float)
        if k > 2:
            adj = np.empty_like(vals)
            for _, ix in table.groupby("construct", sort=False).indices.items():
                adj[ix] = adjust_pvalues(vals[ix], correction)
            table[f"{col}_adj"] = adj
            vals = adj
        table[out] = vals >= alpha
    table["invariance"] = np.where(
        ~table.compositional, "no", np.where(table.equal_means & table.equal_variances, "full", "partial")
    )
    order = ["construct", "c", "c_quantile", "c_pvalue"] + (["c_pvalue_adj"] if k > 2 else []) + [
        "compositional", "mean_diff", "mean_ci_lower", "mean_ci_upper", "mean_pvalue"
    ] + (["mean_pvalue_adj"] if k > 2 else []) + ["equal_means", "log_var_ratio", "var_ci_lower", "var_ci_upper",
                                                  "var_pvalue"] + (["var_pvalue_adj"] if k > 2 else []) + [
        "equal_variances", "invariance"]
    table = table[(["level1", "level2"] if k > 2 else []) + order]
    inv = set(table.invariance)
    verdict = ("full measurement invariance" if inv == {"full"} else
               "partial measurement invariance" if "no" not in inv else "no measurement invariance")
    labels_out: list[tuple[str, str, str]] = []
    draws: list[np.ndarray] = []
    okm = ~fail_all
    refs = (("c", np.concatenate(c_ref, axis=0)[okm]), ("mean_diff", mdr[okm]), ("log_var_ratio", lvr[okm]))
    for step_name, ref in refs:
        for pi, (a, b) in enumerate(pairs):
            for j, name in enumerate(C):
                labels_out.append((step_name, f"{grouping.labels[a]} vs {grouping.labels[b]}", name))
                draws.append(ref[:, pi, j])
    notes = []
    if int((codes < 0).sum()):
        notes.append(f"{int((codes < 0).sum())} rows with a missing group label belong to no group")
    if res.kernel.consistent and all(res.spec.reflective):
        notes.append("all constructs are common factors (PLSc): MICOM is meant for composites")
    return MICOMResult(
        _table=table.reset_index(drop=True), groups=grouping.labels, nobs=grouping.sizes, n_perm=int(n_perm),
        n_perm_failed=int(fail_all.sum()), seed=seed_out, level=level, correction=correction, verdict=verdict,
        grouping=grouping.name, permutation_draws=np.column_stack(draws), draw_labels=tuple(labels_out),
        settings={"perm_indices_given": perms_given is not None, "elapsed_s": time.perf_counter() - t0},
        notes=tuple(notes),
    )
