"""Bootstrap of a PLS path model: all resamples at once, from row counts.

A resample is a vector of row counts; the correlation matrices of a block of resamples
come from one matrix product (:func:`acsi.plspm.batched.resample_moments`) and the PLS
algorithm runs on the stack of a whole chunk (:func:`acsi.plspm.batched.fit_batched`).
Nothing is parsed or validated per resample.

The work is split in three layers: scheduling and seeding
(:mod:`acsi.inference.resampling`: seed blocks, chunks, executors, BLAS pinning,
progress), the PLS work of one chunk (:func:`_run_chunk` on a :class:`BootstrapTask`,
here) and the interval maths (:mod:`acsi.inference.intervals`).

Reproducibility: resamples are drawn in fixed blocks of
:data:`~acsi.inference.resampling.SEED_BLOCK` resamples (fewer when the data have more
than ``2**22 / SEED_BLOCK`` rows, to bound memory; the block size depends only on the
number of rows); block ``i`` draws from
``numpy.random.default_rng(SeedSequence(seed).spawn(n_blocks)[i])``. Work chunks
(``chunk_size``) and executors only decide who computes which blocks; moments are computed
per whole block and the kernel works matrix by matrix, so the same ``seed`` gives
bit-identical numbers however the work is split or executed.

Conventions (seminr's ``bootstrap_model`` / ``summary``): ``boot_se`` is the standard
deviation of the replicates (divisor B-1); ``t = est / boot_se``; the p-value is
``2 min(p0, 1 - p0)`` with ``p0`` the share of replicates <= 0; percentile intervals use
R's quantile type 7. For HTMT (a test of discriminant validity, HTMT < 1) ``t = (1 - est) /
boot_se`` and ``p0`` is the share of replicates < 1, as in seminr.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi._graph import indirect_reachability, reachability, total_effects
from acsi._validation import (
    check_choice,
    check_executor,
    check_int,
    check_level,
    check_progress,
    check_seed,
    warn_few_resamples,
)
from acsi.exceptions import AcsiError, DataError
from acsi.inference.intervals import bca_ci, mean_sd, percentile_ci, studentized_ci
from acsi.inference.resampling import (
    SEED_BLOCK,
    block_seeds,
    check_indices,
    chunk_ranges,
    default_chunk_size,
    pinned_blas,
    run_tasks,
    seed_block_size,
    seed_blocks,
)
from acsi.plspm.batched import (
    BatchedKernelResult,
    BatchPlan,
    counts_from_indices,
    fit_batched,
    htmt_batched,
    make_plan,
    pair_products,
    resample_moments,
    resample_moments_mean_replaced,
)
from acsi.plspm.hoc import (
    ExtendedModel,
    ExtendedPLSResult,
    IndexMap,
    ext_plan,
    interaction_adjustment,
    stage2_from_R,
    stage2_moments,
)
from acsi.results.base import ResultMixin, Summary, freeze, frozen_table

if TYPE_CHECKING:
    from acsi.plspm.results import PLSResult

__all__ = ["BootstrapResult", "bootstrap_pls", "SEED_BLOCK", "seed_block_size", "CI_METHODS"]

#: Interval methods of :func:`bootstrap_pls`.
CI_METHODS: tuple[str, ...] = ("percentile", "bca", "studentized")

_TABLES = ("paths", "loadings", "weights", "htmt", "total_indirect", "total_effects", "index")
_COLUMNS = ["source", "target", "est", "boot_mean", "boot_se", "t", "pvalue", "ci_lower", "ci_upper"]


# ----------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class _Layout:
    """Which statistics a replicate yields, in which column of the draws matrix."""

    names: tuple[str, ...]  # table of each column
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    paths: np.ndarray  # (m, 2) construct pairs
    loadings: np.ndarray  # (p, 2) indicator, construct
    htmt: np.ndarray  # (h, 2)
    total_effects: np.ndarray  # (t, 2)
    total_indirect: np.ndarray  # (u, 2)
    index_constructs: np.ndarray  # (c,)
    lo: np.ndarray  # (p,) item lower bounds (index)
    hi: np.ndarray  # (p,) item upper bounds
    first_items: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.intp))
    # (q, 2) stage-1 (indicator, construct) of the LOC blocks of a two-stage HOC model,
    # appended to the loadings and weights tables

    @property
    def m(self) -> int:
        return len(self.names)


def _make_layout(spec: Any, index_constructs: Sequence[int], lo: np.ndarray, hi: np.ndarray) -> _Layout:
    C = spec.constructs
    ind = spec.indicators
    k = len(C)
    paths = np.argwhere(np.asarray(spec.inner, dtype=bool))
    load = np.column_stack([np.arange(len(ind)), np.asarray(spec.block)])
    written = tuple(spec.item_order)
    if sorted(written) == sorted(ind):  # rows in seminr's item order (blocks as written)
        load = load[[ind.index(x) for x in written]]
    htmt = np.array([(i, j) for i in range(k) for j in range(i + 1, k)], dtype=np.intp).reshape(-1, 2)
    inner = np.asarray(spec.inner, dtype=bool)
    te = np.argwhere(reachability(inner))
    ti = np.argwhere(indirect_reachability(inner))
    names: list[str] = []
    src: list[str] = []
    tgt: list[str] = []

    def add(table: str, pairs: np.ndarray, a: Sequence[str], b: Sequence[str]) -> None:
        for i, j in pairs:
            names.append(table)
            src.append(a[i])
            tgt.append(b[j])

    add("paths", paths, C, C)
    add("loadings", load, ind, C)
    add("weights", load, ind, C)
    add("htmt", htmt, C, C)
    add("total_indirect", ti, C, C)
    add("total_effects", te, C, C)
    for c in index_constructs:
        names.append("index")
        src.append(C[c])
        tgt.append(C[c])
    return _Layout(
        names=tuple(names), sources=tuple(src), targets=tuple(tgt), paths=paths, loadings=load,
        htmt=htmt, total_effects=te, total_indirect=ti,
        index_constructs=np.asarray(index_constructs, dtype=np.intp), lo=lo, hi=hi,
    )


def _with_lower_order(layout: _Layout, ext: ExtendedModel) -> _Layout:
    """The layout plus the LOC blocks of stage 1 (loadings, then weights), in block order."""
    first = ext.first
    if first is None:
        return layout
    pairs = np.array(
        [(j, int(first.block[j])) for j in range(first.p) if first.constructs[first.block[j]] in ext.lower_order],
        dtype=np.intp,
    ).reshape(-1, 2)
    names = list(layout.names)
    src = list(layout.sources)
    tgt = list(layout.targets)
    for table in ("loadings", "weights"):
        for j, c in pairs:
            names.append(table)
            src.append(first.indicators[j])
            tgt.append(first.constructs[c])
    return replace(layout, names=tuple(names), sources=tuple(src), targets=tuple(tgt), first_items=pairs)


def _index_values(W: np.ndarray, means: np.ndarray, sds: np.ndarray, layout: _Layout, plan: BatchPlan) -> np.ndarray:
    """ACSI index (B, c) from standardized weights, item means and SDs; NaN when undefined."""
    nb = W.shape[0]
    out = np.full((nb, layout.index_constructs.size), np.nan)
    rng_ = layout.hi - layout.lo
    for col, c in enumerate(layout.index_constructs):
        bl = plan.blocks[c]
        with np.errstate(invalid="ignore", divide="ignore"):
            v = W[:, bl, c] * rng_[bl] / sds[:, bl]
            v = v / v.sum(axis=1, keepdims=True)
            perf = 100.0 * (means[:, bl] - layout.lo[bl]) / rng_[bl]
            val = (v * perf).sum(axis=1)
        bad = (v < 0).any(axis=1) | ~np.isfinite(val)
        val[bad] = np.nan
        out[:, col] = val
    return out


def _extract(
    kr: Any, R: np.ndarray, means: np.ndarray, sds: np.ndarray, layout: _Layout, plan: BatchPlan
) -> np.ndarray:
    """The (B, m) statistics of a batch of fits."""
    nb = R.shape[0]
    parts = [
        kr.B[:, layout.paths[:, 0], layout.paths[:, 1]],
        kr.L[:, layout.loadings[:, 0], layout.loadings[:, 1]],
        kr.W[:, layout.loadings[:, 0], layout.loadings[:, 1]],
    ]
    H = htmt_batched(R, plan)
    parts.append(H[:, layout.htmt[:, 0], layout.htmt[:, 1]])
    T = total_effects(kr.B)
    parts.append((T - kr.B)[:, layout.total_indirect[:, 0], layout.total_indirect[:, 1]])
    parts.append(T[:, layout.total_effects[:, 0], layout.total_effects[:, 1]])
    if layout.index_constructs.size:
        parts.append(_index_values(kr.W, means, sds, layout, plan))
    return np.concatenate([p.reshape(nb, -1) for p in parts], axis=1)


# ----------------------------------------------------------------------------- chunk work
@dataclass(frozen=True)
class BootstrapProblem:
    """What every chunk of one bootstrap shares (picklable; built once by the driver).

    Attributes
    ----------
    D : ndarray (n, p)
        The data centred by ``center`` (0 where a value is missing under
        ``missing="mean"``; all-zero rows for incomplete rows under listwise deletion).
    center : ndarray (p,)
        Column means subtracted from ``D``.
    raw : ndarray (n, p) or None
        ``missing="mean"``: the data with NaN where missing (each resample redoes the
        mean replacement); None otherwise.
    keep : ndarray (n,) or None
        Listwise deletion within each resample: 1.0 for complete rows, 0.0 for the others;
        None when no row is incomplete.
    plan : BatchPlan
    layout : _Layout
        Which statistic goes to which column of the replicate matrix.
    scheme : str
    consistent : bool
    tol : float
    max_iter : int
    """

    D: np.ndarray
    center: np.ndarray
    raw: np.ndarray | None
    keep: np.ndarray | None
    plan: BatchPlan
    layout: _Layout
    scheme: str
    consistent: bool
    tol: float
    max_iter: int
    sign_change: str = "none"
    reference: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # W, L, B of the fit
    ext: ExtendedModel | None = None  # higher-order / interaction model: every stage per resample
    ext_index: _ExtIndex | None = None  # its ACSI index (HOCs from their LOC items)
    products: np.ndarray | None = None  # row-wise products of D's column pairs (small data)


#: Sign-change options of the bootstrap (SmartPLS 3; Tenenhaus et al. 2005).
SIGN_CHANGES: tuple[str, ...] = ("none", "individual", "construct")


def _sign_changed(kr: BatchedKernelResult, problem: BootstrapProblem) -> BatchedKernelResult:
    """Replicates with their signs aligned to the original fit (Tenenhaus et al. 2005).

    ``"individual"``: every outer weight, loading and path gets the sign of its original
    estimate. ``"construct"``: a construct whose replicate loadings satisfy
    ``|sum(l + l0)| < |sum(l - l0)|`` (the replicate is closer to the reversed original)
    has its weights, loadings, correlations and paths in and out multiplied by -1.
    """
    if problem.reference is None:
        return kr
    W0, L0, B0 = problem.reference
    if problem.sign_change == "individual":
        return replace(kr, W=np.abs(kr.W) * np.sign(W0), L=np.abs(kr.L) * np.sign(L0),
                       B=np.abs(kr.B) * np.sign(B0))
    mask = problem.plan.mask
    plus = np.abs(((kr.L + L0) * mask).sum(axis=1))
    minus = np.abs(((kr.L - L0) * mask).sum(axis=1))
    f = np.where(plus < minus, -1.0, 1.0)  # (S, k)
    ff = f[:, :, None] * f[:, None, :]
    return replace(kr, W=kr.W * f[:, None, :], L=kr.L * f[:, None, :], B=kr.B * ff, C=kr.C * ff)


@dataclass(frozen=True)
class _ExtIndex:
    """The ACSI index of a higher-order / interaction model in a bootstrap: the index view
    (:class:`acsi.plspm.hoc.IndexMap`), its plan and the index layout (constructs, bounds)."""

    imap: IndexMap
    plan: BatchPlan
    layout: _Layout


@dataclass(frozen=True)
class BootstrapTask:
    """Resamples ``[start, stop)`` of a bootstrap of ``n_boot`` (picklable).

    Attributes
    ----------
    problem : BootstrapProblem
    start, stop : int
    n_boot : int
        Resamples of the whole run.
    seed_block : int
        Resamples per seed block.
    seeds : tuple of SeedSequence
        One per seed block of the whole run (empty when every row index is given and no
        draw is needed).
    indices : ndarray or None
        Given rows of the whole seed blocks the chunk touches.
    indices_offset : int
        Resample number of ``indices[0]``.
    n_inner : int
        Studentized interval: inner resamples per resample (0: none).
    blas_threads : int or None
    """

    problem: BootstrapProblem
    start: int
    stop: int
    n_boot: int
    seed_block: int
    seeds: tuple[np.random.SeedSequence, ...] = ()
    indices: np.ndarray | None = None
    indices_offset: int = 0
    n_inner: int = 0
    blas_threads: int | None = None


@dataclass(frozen=True)
class _ChunkOut:
    start: int
    stats: np.ndarray  # (b, m)
    failed: np.ndarray
    inadmissible: np.ndarray
    inner_se: np.ndarray | None  # (b, m)
    inner_failed: int


_Block = tuple[np.ndarray, "np.random.Generator | None", int, int]


def _blocks(task: BootstrapTask) -> list[_Block]:
    """Whole seed blocks overlapping [start, stop): (rows (b, n), the block's generator, lo, hi).

    ``rows[lo:hi]`` are the resamples of the chunk. Whole blocks are drawn (and their moments
    computed) so that every number is the same however the resamples are chunked. The
    generator, positioned after the outer draws, gives the inner (studentized) draws.
    """
    n = task.problem.D.shape[0]
    out: list[_Block] = []
    for blk in seed_blocks(task.start, task.stop, task.n_boot, task.seed_block):
        rng = np.random.default_rng(task.seeds[blk.index]) if task.seeds else None
        if task.indices is not None:
            off = blk.start - task.indices_offset
            rows = task.indices[off : off + (blk.stop - blk.start)]
        elif rng is not None:
            rows = rng.integers(0, n, size=(blk.stop - blk.start, n))
        else:  # pragma: no cover - the driver always gives seeds or indices
            raise AcsiError("internal error: neither seeds nor indices for a bootstrap block")
        out.append((rows, rng, blk.lo, blk.hi))
    return out


def _moments(problem: BootstrapProblem, idx: np.ndarray) -> tuple[np.ndarray, ...]:
    """Means, SDs and correlation matrices of the resamples with rows ``idx`` (B, n)."""
    n = problem.D.shape[0]
    counts = counts_from_indices(idx, n)
    if problem.ext is not None and not problem.ext.linear:
        return _ext_moments(problem, problem.ext, counts)
    if problem.raw is None:
        if problem.keep is not None:  # listwise deletion within the resample (seminr's na.omit)
            counts *= problem.keep
        return resample_moments(problem.D, counts, problem.center, products=problem.products)
    # missing="mean": replace by the resample's own column means, as a refit would
    obs = ~np.isnan(problem.raw)
    return resample_moments_mean_replaced(problem.D, obs, counts, problem.center)


def _ext_moments(
    problem: BootstrapProblem, ext: ExtendedModel, counts: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Stage-2 moments of resamples of a higher-order / interaction model: the first
    stages, scores and interaction items redone in every resample (NaN where a first
    stage failed, so the replicate counts as failed).

    Returns the stage-2 means, SDs and correlations, then the stage-1 weights and loadings
    (B, p1, k1; empty without a HOC stage) and the observed items' means and SDs."""
    if problem.keep is not None:
        counts = counts * problem.keep
    opts = {"scheme": problem.scheme, "tol": problem.tol, "max_iter": problem.max_iter}
    X = problem.D + problem.center
    parts = []
    step = max(1, (1 << 21) // max(1, X.size))
    for b0 in range(0, counts.shape[0], step):
        c = counts[b0 : b0 + step]
        Xb: np.ndarray = X
        if problem.raw is not None:  # mean replacement with the resample's own means
            obs = ~np.isnan(problem.raw)
            vals = np.where(obs, problem.raw, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                m = (c @ vals) / (c @ obs.astype(np.float64))
            Xb = np.where(obs[None], vals[None], m[:, None, :])
        out = stage2_moments(ext, Xb, c, **opts)  # type: ignore[arg-type]
        R2 = np.array(out.R)
        R2[out.failed] = np.nan
        empty = np.zeros((c.shape[0], 0, 0))
        W1 = empty if out.first is None else out.first.W
        L1 = empty if out.first is None else out.first.L
        if out.item_means is None or out.item_sds is None:  # pragma: no cover - always set
            raise AcsiError("internal error: the stage-2 moments lack the item moments")
        parts.append((out.means, out.sds, R2, W1, L1, out.item_means, out.item_sds))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(len(parts[0])))


def _fit_stats(
    problem: BootstrapProblem, moments: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Replicate statistics (B, m), failed (B,) and inadmissible (B,) of a stack of moments
    (means, SDs, correlations; for a higher-order / interaction model resampled by rows also
    the stage-1 weights and loadings and the observed items' means and SDs)."""
    means, sds, R = moments[:3]
    item_means, item_sds = means, sds
    first_W: np.ndarray | None = None
    first_L: np.ndarray | None = None
    if len(moments) > 3:  # row route (see _ext_moments)
        W1, L1, item_means, item_sds = moments[3:7]
        if W1.size:
            first_W, first_L = W1, L1
    if problem.ext is not None and problem.ext.linear:
        # item moments -> stage 1 -> stage-2 moments T'RT (the HOC's two stages per resample)
        out = stage2_from_R(problem.ext, R, means, sds, scheme=problem.scheme, tol=problem.tol,
                            max_iter=problem.max_iter)
        means, sds, R = out.means, out.sds, np.array(out.R)
        R[out.failed] = np.nan
        if out.first is not None:
            first_W, first_L = out.first.W, out.first.L
    kr = fit_batched(
        R, problem.plan, scheme=problem.scheme, consistent=problem.consistent,
        tol=problem.tol, max_iter=problem.max_iter,
    )
    if problem.sign_change != "none":
        kr = _sign_changed(kr, problem)
    if problem.ext is not None and problem.ext.interactions:
        Badj, Ladj, _ = interaction_adjustment(problem.ext, kr, sds, paths=not problem.consistent)
        kr = replace(kr, B=Badj, L=Ladj)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        stats = _extract(kr, R, means, sds, problem.layout, problem.plan)
    ei = problem.ext_index
    if ei is not None:
        w = ei.imap.weights(kr.W, first_W)
        cols = ei.imap.src
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            iv = _index_values(w[:, :, None] * ei.plan.mask, item_means[:, cols], item_sds[:, cols],
                               ei.layout, ei.plan)
        stats = np.concatenate([stats, iv], axis=1)
    fi = problem.layout.first_items
    if first_W is not None and first_L is not None and fi.size:
        stats = np.concatenate(
            [stats, first_L[:, fi[:, 0], fi[:, 1]], first_W[:, fi[:, 0], fi[:, 1]]], axis=1
        )
    return stats, kr.failed, kr.inadmissible


#: Elements of the (resamples, p, p) correlation stack fitted at a time within a chunk:
#: the kernel's passes then work on a stack that stays in the processor's cache (about
#: 4 MB) instead of streaming the whole chunk's stack from memory in every pass.
_FIT_ELEMENTS = 1 << 19


def _fit_groups(blocks: list[_Block], p: int) -> list[list[_Block]]:
    """Consecutive seed blocks in groups of about :data:`_FIT_ELEMENTS` correlation entries
    (at least one block per group)."""
    cap = max(1, _FIT_ELEMENTS // max(1, p * p))
    groups: list[list[_Block]] = []
    size = 0
    for blk in blocks:
        b = blk[3] - blk[2]
        if groups and size + b <= cap:
            groups[-1].append(blk)
            size += b
        else:
            groups.append([blk])
            size = b
    return groups


def _run_chunk(task: BootstrapTask) -> _ChunkOut:
    """Draw, fit and summarise resamples [start, stop) (runs in a worker).

    The chunk's seed blocks are fitted in groups (:func:`_fit_groups`): the kernel works
    matrix by matrix, so the numbers are the same as for one stack of the whole chunk."""
    with pinned_blas(task.blas_threads):
        blocks = _blocks(task)
        parts = []
        for group in _fit_groups(blocks, task.problem.plan.p):
            mom = [_moments(task.problem, rows) for rows, _, _, _ in group]
            moments = tuple(
                np.concatenate([m[i][lo:hi] for m, (_, _, lo, hi) in zip(mom, group)], axis=0)
                for i in range(len(mom[0]))
            )
            parts.append(_fit_stats(task.problem, moments))
        stats, failed, inadm = (np.concatenate([part[i] for part in parts], axis=0) for i in range(3))
        inner_se = None
        inner_failed = 0
        if task.n_inner > 0:
            inner_se, inner_failed = _inner_se(task, blocks)
    return _ChunkOut(task.start, stats, failed, inadm, inner_se, inner_failed)


def _inner_se(task: BootstrapTask, blocks: list[_Block]) -> tuple[np.ndarray, int]:
    """Studentized interval: each resample's SE from ``n_inner`` resamples of its own rows.

    Resample b of a block draws its inner rows with ``rng.integers(0, n, (n_inner, n))`` in
    turn (positions within its rows); each one's moments are computed on their own and the
    fits run in groups, so memory stays bounded and the numbers do not depend on chunking.
    """
    m = task.n_inner
    n, p = task.problem.D.shape
    group = max(1, (1 << 22) // (m * max(p * p, n)))
    ses: list[np.ndarray] = []
    failed = 0
    pending: list[tuple[np.ndarray, ...]] = []

    def flush() -> None:
        nonlocal failed
        if not pending:
            return
        mom = tuple(np.concatenate([x[i] for x in pending], axis=0) for i in range(len(pending[0])))
        s_in, f_in, _ = _fit_stats(task.problem, mom)
        s_in = s_in.reshape(len(pending), m, -1)
        f_in = f_in.reshape(len(pending), m)
        failed += int(f_in.sum())
        s_in = np.where(f_in[:, :, None], np.nan, s_in)
        ses.append(mean_sd(s_in, axis=1)[1])
        pending.clear()

    for rows, rng, lo, hi in blocks:
        if rng is None:  # pragma: no cover - the driver always passes seeds for studentized
            raise AcsiError("internal error: no generator for the studentized interval")
        for b in range(hi):
            pos = rng.integers(0, n, size=(m, n))
            if b < lo:
                continue  # keeps the block's stream aligned
            pending.append(_moments(task.problem, rows[b][pos]))
            if len(pending) >= group:
                flush()
    flush()
    return np.concatenate(ses, axis=0), failed


def _jackknife(problem: BootstrapProblem, n_rows: int) -> np.ndarray:
    """Leave-one-out statistics (n_rows, m), computed in batches that bound memory."""
    block = max(1, min(2000, (1 << 22) // max(n_rows, 1)))
    out = []
    for r0 in range(0, n_rows, block):
        r1 = min(n_rows, r0 + block)
        if problem.raw is None and problem.ext is None:
            counts = np.ones((r1 - r0, n_rows))
            counts[np.arange(r1 - r0), np.arange(r0, r1)] = 0.0
            if problem.keep is not None:  # case weights (weighted PLS)
                counts *= problem.keep
            s, f, _ = _fit_stats(problem, resample_moments(problem.D, counts, problem.center))
        else:
            rows = np.array([np.delete(np.arange(n_rows), i) for i in range(r0, r1)])
            s, f, _ = _fit_stats(problem, _moments(problem, rows))
        out.append(np.where(f[:, None], np.nan, s))
    return np.concatenate(out, axis=0)


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class BootstrapResult(ResultMixin):
    """Bootstrap of a PLS path model (immutable; tables are handed out as copies).

    Attributes
    ----------
    paths, loadings, weights, htmt, total_indirect, total_effects, index : DataFrame
        Long tables with columns ``source, target, est, boot_mean, boot_se, t, pvalue,
        ci_lower, ci_upper`` (loadings and weights: ``source`` the indicator, ``target``
        the construct; ``index``: the construct in both, plus ``n_undefined``, the
        replicates in which a negative rescaled weight left the index undefined).
    draws : DataFrame
        The successful replicates (rows) of every statistic (columns: table, source, target).
    n : int
        Resamples requested.
    n_failed : int
        Replicates that did not converge or gave non-finite estimates (excluded).
    n_inadmissible : int
        Replicates that are inadmissible by the rule of the point estimate's warning
        (:func:`acsi.plspm.batched.admissibility_checks`: |path| > 1, R-squared > 1; under
        PLSc also rho_A not positive, construct correlations not positive definite or
        above 1, loadings above 1); kept, as seminr keeps them, and counted here.
    seed : int or None
        Entropy of the root ``SeedSequence`` (None when every row index was given and no
        random draw was needed).
    settings : dict
        ``ci``, ``level``, ``chunk_size``, ``seed_block``, ``scheme``, ``consistent``, ...
        (not part of ``==``: two runs with the same numbers are equal however executed).
    draws_array : ndarray (read-only)
        The replicates as an array (columns labelled by ``draw_labels``).
    """

    _frames: dict[str, pd.DataFrame] = field(repr=False)
    n: int
    n_failed: int
    n_inadmissible: int
    seed: int | None
    settings: dict[str, Any] = field(default_factory=dict, compare=False)
    draws_array: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)
    draw_labels: tuple[tuple[str, str, str], ...] = field(default=(), repr=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_frames", {k: freeze(v) for k, v in self._frames.items()})
        object.__setattr__(self, "settings", dict(self.settings))
        object.__setattr__(self, "draws_array", freeze(np.asarray(self.draws_array)))

    @frozen_table
    def paths(self) -> pd.DataFrame:
        """Path coefficients (source, target, est, boot_mean, boot_se, t, pvalue, ci_lower, ci_upper)."""
        return self._frames["paths"]

    @frozen_table
    def loadings(self) -> pd.DataFrame:
        """Loadings (source: indicator, target: construct)."""
        return self._frames["loadings"]

    @frozen_table
    def weights(self) -> pd.DataFrame:
        """Outer weights (source: indicator, target: construct)."""
        return self._frames["weights"]

    @frozen_table
    def htmt(self) -> pd.DataFrame:
        """HTMT ratios (t and p-value against 1, as seminr)."""
        return self._frames["htmt"]

    @frozen_table
    def total_indirect(self) -> pd.DataFrame:
        """Total indirect effects (routes of two or more paths)."""
        return self._frames["total_indirect"]

    @frozen_table
    def total_effects(self) -> pd.DataFrame:
        """Total effects."""
        return self._frames["total_effects"]

    @frozen_table
    def index(self) -> pd.DataFrame:
        """ACSI 0-100 indices (plus ``n_undefined``)."""
        return self._frames["index"]

    @frozen_table
    def draws(self) -> pd.DataFrame:
        """The successful replicates (rows) of every statistic (columns: table, source, target)."""
        cols = pd.MultiIndex.from_tuples(self.draw_labels, names=["table", "source", "target"])
        return pd.DataFrame(np.array(self.draws_array), columns=cols)

    def _summary(self) -> Summary:
        s = self.settings
        header = [
            ("resamples", self.n),
            ("failed (excluded)", self.n_failed),
            ("inadmissible (kept)", self.n_inadmissible),
            ("confidence interval", f"{s.get('ci')} {100 * float(s.get('level', 0.95)):g}%"),
            ("seed", self.seed if self.seed is not None else "(row indices given)"),
            ("scheme", s.get("scheme")),
            ("consistent (PLSc)", s.get("consistent")),
        ]
        tables = []
        for name in _TABLES:
            df = self._frames[name]
            if len(df):
                tables.append((name, df.set_index(["source", "target"])))
        notes = list(self.notes)
        notes.append(
            "boot_se: SD of the replicates (n-1); t = est / boot_se (HTMT: (1 - est) / boot_se); "
            "pvalue = 2 min(p0, 1 - p0), p0 the share of replicates <= 0 (HTMT: < 1), as seminr."
        )
        return Summary(title="PLS bootstrap", header=header, tables=tables, notes=notes)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {name: self._frames[name].copy() for name in _TABLES}

    # ------------------------------------------------------------------ mediation (issue 12)
    def specific_effect(self, from_: str, through: Any, to: str, level: float | None = None) -> Any:
        """A specific (direct or mediated) effect, as seminr's ``specific_effect_significance``;
        see :func:`acsi.plspm.mediation.specific_effect`."""
        from acsi.plspm.mediation import specific_effect

        return specific_effect(self, from_, through, to, level=level)

    def mediation(self, level: float | None = None) -> Any:
        """Every specific indirect effect with the direct, total indirect and total effects and
        the Zhao, Lynch & Chen (2010) type; see :func:`acsi.plspm.mediation.mediation`."""
        from acsi.plspm.mediation import mediation

        return mediation(self, level=level)


def _summarise(
    est: np.ndarray,
    draws: np.ndarray,
    layout: _Layout,
    ci: str,
    level: float,
    jack: np.ndarray | None,
    inner_se: np.ndarray | None,
    se_divisor: str = "n-1",
) -> dict[str, pd.DataFrame]:
    """The long tables from the estimates, the replicates and the interval's inputs."""
    mean, se_boot, nb = mean_sd(draws, axis=0)  # se_boot (n-1) feeds the studentized interval
    se = se_boot
    if se_divisor == "n":  # the reported standard error and t with divisor n
        with np.errstate(invalid="ignore", divide="ignore"):
            se = se_boot * np.sqrt((nb - 1.0) / nb)
    is_htmt = np.array([n == "htmt" for n in layout.names])
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(is_htmt, (1.0 - est) / se, est / se)
        ref0 = np.sum(draws <= 0, axis=0)
        ref1 = np.sum(draws < 1, axis=0)
        p0 = np.where(is_htmt, ref1, ref0) / nb
    pval = 2.0 * np.minimum(p0, 1.0 - p0)
    # seminr reports t as NA past 999999999 (a bootstrap SD of ~0, e.g. a single item's loading)
    t = np.where(np.isfinite(t) & (t <= 999999999), t, np.nan)
    if ci == "percentile":
        lo, hi = percentile_ci(draws, level)
    elif ci == "bca" and jack is not None:
        lo, hi = bca_ci(draws, est, jack, level)
    elif ci == "studentized" and inner_se is not None:
        lo, hi = studentized_ci(draws, est, se_boot, inner_se, level)
    else:  # pragma: no cover - the driver always passes what the interval needs
        raise AcsiError(f"internal error: no inputs for the {ci} interval")
    out: dict[str, pd.DataFrame] = {}
    names = np.array(layout.names)
    for name in _TABLES:
        sel = np.flatnonzero(names == name)
        df = pd.DataFrame(
            {
                "source": [layout.sources[i] for i in sel],
                "target": [layout.targets[i] for i in sel],
                "est": est[sel],
                "boot_mean": mean[sel],
                "boot_se": se[sel],
                "t": t[sel],
                "pvalue": pval[sel],
                "ci_lower": lo[sel],
                "ci_upper": hi[sel],
            },
            columns=_COLUMNS,
        )
        if name == "index":
            df["n_undefined"] = (draws.shape[0] - nb[sel]).astype(int)
        out[name] = df
    return out


# ----------------------------------------------------------------------------- driver
def _index_setup(
    res: Any, spec: Any, X: np.ndarray, scale: Any, item_scales: Any
) -> tuple[list[int], np.ndarray, np.ndarray, list[str]]:
    """Constructs whose ACSI index is bootstrapped, with the item bounds."""
    from acsi.plspm.index import IndexUndefinedError, acsi_index, item_bounds

    notes: list[str] = []
    explicit = scale is not None or item_scales is not None
    sc = (1, 10) if scale is None else scale
    try:
        lo, hi = item_bounds(spec.indicators, sc, item_scales, X)
    except DataError as exc:
        if explicit:
            raise
        notes.append(f"index not bootstrapped: {exc} (pass scale=(min, max))")
        return [], np.zeros(len(spec.indicators)), np.ones(len(spec.indicators)), notes
    try:  # the common case: every index is defined (one call instead of one per construct)
        acsi_index(res, scale=sc, item_scales=item_scales, constructs=list(spec.constructs))
        return list(range(len(spec.constructs))), lo, hi, notes
    except IndexUndefinedError:
        pass
    keep: list[int] = []
    for c, name in enumerate(spec.constructs):
        try:
            acsi_index(res, scale=sc, item_scales=item_scales, constructs=[name])
        except IndexUndefinedError as exc:
            notes.append(f"index of {name!r} not bootstrapped: {str(exc).splitlines()[0]}")
            continue
        keep.append(c)
    return keep, lo, hi, notes



def _ext_index_setup(
    res: ExtendedPLSResult, ext: ExtendedModel, scale: Any, item_scales: Any
) -> tuple[_ExtIndex | None, list[str]]:
    """The index of an extended model per resample, on its index view (None with a note
    when it cannot be bootstrapped)."""
    imap = res.index_map
    view = res._index_view
    index_c, lo, hi, notes = _index_setup(
        view, view.spec, np.asarray(view.data.X), scale, res._item_scales(item_scales)
    )
    if not index_c:
        return None, notes
    plan = make_plan(view.spec)
    return _ExtIndex(imap=imap, plan=plan, layout=_make_layout(view.spec, index_c, lo, hi)), notes


def _missing_layout(res: PLSResult, missing: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The data of the fit, the data with NaN (``missing="mean"``, values replaced) and the
    complete-row mask of all rows (``missing="listwise"``, rows removed)."""
    X = np.ascontiguousarray(
        res.extension.observed.X if isinstance(res, ExtendedPLSResult) and res.extension is not None
        else res.data.X, dtype=np.float64,
    )
    raw = None
    if missing == "mean":
        try:
            miss = res.missing_mask
        except AttributeError:
            raise AcsiError(
                "bootstrap with missing='mean' must redo the mean replacement in every resample "
                "(as seminr does) and needs to know which values were missing, but this result "
                "does not record them (missing_mask); impute the data before acsi.pls, "
                "or use missing='listwise'"
            ) from None
        miss = np.zeros(X.shape, dtype=bool) if miss is None else np.asarray(miss, dtype=bool)
        raw = np.where(miss, np.nan, X) if miss.any() else None
    # missing="listwise" with rows removed: resample all rows and drop the incomplete ones
    # in every resample, as seminr's bootstrap_model (it resamples the raw data)
    complete: np.ndarray | None = None
    if missing == "listwise" and res.rows_all is not None:
        A = np.asarray(res.rows_all, dtype=np.float64)
        complete = np.asarray(~np.isnan(A).any(axis=1))
        if A.ndim != 2 or A.shape[1] != X.shape[1] or int(complete.sum()) != X.shape[0]:
            raise AcsiError("internal error: the result's rows_all does not match its data")
    return X, raw, complete


#: Largest products matrix (rows x column pairs) kept for a whole bootstrap (16 MB).
_PRODUCTS_ELEMENTS = 1 << 21


def _build_problem(
    res: PLSResult,
    X: np.ndarray,
    raw: np.ndarray | None,
    complete: np.ndarray | None,
    scale: Any,
    item_scales: Any,
) -> tuple[BootstrapProblem, np.ndarray, list[str]]:
    """The data, plan, layout and kernel settings every chunk shares; the centred data of
    the complete rows (for the jackknife) and notes on the index."""
    s = res.settings
    ext = res.extension.model if isinstance(res, ExtendedPLSResult) and res.extension is not None else None
    ext_index = None
    if ext is None or not isinstance(res, ExtendedPLSResult):
        index_c, lo, hi, notes = _index_setup(res, res.spec, X, scale, item_scales)
    else:
        index_c, lo, hi = [], np.zeros(res.spec.p), np.ones(res.spec.p)
        ext_index, notes = _ext_index_setup(res, ext, scale, item_scales)
        notes += [
            "every resample redoes the whole procedure: "
            + ("the stage-1 estimation and the lower-order scores" if ext.hocs else "")
            + (" and " if ext.hocs and ext.interactions else "")
            + (f"the {ext.interaction_method} interaction items" if ext.interactions else "")
        ]
    center = X.mean(axis=0)
    D = X - center
    if raw is not None:
        D[np.isnan(raw)] = 0.0  # mean-replaced cells sit at the mean (missing="mean")
    keep = None
    D_complete = D
    if complete is not None:
        D = np.zeros((complete.size, X.shape[1]))
        D[complete] = D_complete  # incomplete rows: zero weight in every resample
        keep = complete.astype(np.float64)
    if res.case_weights is not None:  # weighted PLS: a drawn row counts with its case weight
        keep = np.asarray(res.case_weights, dtype=np.float64)
    layout = _make_layout(res.spec, index_c, lo, hi)
    if ext_index is not None:
        extra = [ext_index.imap.constructs[c] for c in ext_index.layout.index_constructs]
        layout = replace(layout, names=layout.names + ("index",) * len(extra),
                         sources=layout.sources + tuple(extra), targets=layout.targets + tuple(extra))
    if ext is not None and ext.first is not None:
        layout = _with_lower_order(layout, ext)
    products = None
    n_pairs = D.shape[1] * (D.shape[1] + 1) // 2
    if raw is None and ext is None and D.shape[0] * n_pairs <= _PRODUCTS_ELEMENTS:
        products = pair_products(D)  # once for every seed block (small data)
    problem = BootstrapProblem(
        D=D, center=center, raw=raw, keep=keep, plan=make_plan(res.spec) if ext is None else ext_plan(ext),
        layout=layout, scheme=s.scheme,
        consistent=bool(s.consistent), tol=float(s.tol), max_iter=int(s.max_iter), ext=ext,
        ext_index=ext_index, products=products,
    )
    return problem, D_complete, notes


def bootstrap_pls(
    res: PLSResult,
    n: int | None = None,
    seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    indices: np.ndarray | Sequence[Sequence[int]] | None = None,
    ci: str = "percentile",
    level: float = 0.95,
    executor: Any = None,
    progress: Any = None,
    chunk_size: int | None = None,
    *,
    n_inner: int = 50,
    scale: tuple[float, float] | None = None,
    item_scales: dict[str, tuple[float, float]] | None = None,
    blas_threads: int | None = 1,
    sign_change: str = "none",
    se_divisor: str | None = None,
) -> BootstrapResult:
    """Bootstrap a PLS path model: paths, loadings, weights, HTMT, effects and the ACSI index.

    Every resample is refitted with the settings of ``res`` (scheme, PLSc, tolerance,
    iterations, missing-data policy), exactly as seminr's ``bootstrap_model`` refits the
    model on the resampled rows; the refits run batched (all resamples of a chunk at once).

    Parameters
    ----------
    res : PLSResult
        A fitted model (``acsi.pls(...)``); usually called as ``res.bootstrap(...)``.
    n : int, default 5000
        Number of resamples (with ``indices``: their number; a different ``n`` raises).
    seed : int, SeedSequence, Generator or None
        Root of ``numpy.random.SeedSequence(seed).spawn(n_blocks)``; resamples are drawn
        in blocks of :data:`SEED_BLOCK`, one child per block, so the numbers do not depend
        on ``chunk_size`` or ``executor``. ``None`` draws fresh entropy, recorded in the
        result's ``seed`` so the run can be repeated.
    indices : array (n_boot, n_rows), optional
        0-based row positions of each resample (for example R's ``sample.int`` rows minus
        1): reproduces another program's bootstrap exactly. With ``missing="listwise"``
        and rows removed, the positions refer to all rows of the data (before deletion):
        like seminr, every resample draws from all rows and then drops its incomplete
        ones; seeded draws do the same.
    ci : {"percentile", "bca", "studentized"}
        Percentile (type-7 quantiles, seminr's); BCa (bias-corrected and accelerated,
        acceleration from a jackknife: one extra batched fit per data row); studentized
        (bootstrap-t, Efron & Tibshirani 1993 ch. 12: each resample's SE from ``n_inner``
        resamples of its own rows, drawn after the block's outer rows from the same
        generator; the interval is ``[est - t*_(1-a/2) se, est - t*_(a/2) se]`` with
        ``t*_b = (theta_b - est) / se_b`` and ``se`` the bootstrap SE. It costs ``n_inner``
        times the percentile bootstrap: a genuine double bootstrap, no approximation).
    level : float, default 0.95
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Anything with ``submit(fn, arg) -> future`` and ``future.result()``; chunks are
        submitted to it. ``None`` computes in this process.
    progress : None, True or callable
        ``True`` shows a tqdm bar (tqdm imported on demand); a callable is called as
        ``progress(done, total)`` after every chunk.
    chunk_size : int, optional
        Resamples per work chunk (default: all at once when run here, about 8 chunks
        with an executor; large data sets get smaller chunks to bound memory).
    n_inner : int, default 50
        Inner resamples per resample for ``ci="studentized"``.
    scale, item_scales
        Theoretical item bounds for the ACSI index (see :func:`acsi.plspm.index.acsi_index`).
        With neither given, ``(1, 10)`` is used when the data lie within it; otherwise
        the index table is left empty with a note.
    blas_threads : int or None, default 1
        BLAS threads while the bootstrap runs (threadpoolctl); ``None`` leaves BLAS alone.
        The calling thread holds the limit for the whole run (OpenBLAS ignores limits set
        from other threads) and worker processes set their own. A multi-threaded BLAS
        splits matrix products differently, which changes the last bits; for bit-identical
        results on executors that run chunks in threads of other processes (dask workers
        with ``nthreads > 1``), start those workers with ``OPENBLAS_NUM_THREADS=1``.
    sign_change : {"none", "individual", "construct"}, default "none"
        Sign-change correction of the replicates (SmartPLS 3's options; Tenenhaus et al.
        2005): none (seminr, SmartPLS's default); every weight, loading and path with the
        sign of its original estimate; or whole constructs reversed when their loadings
        are closer to the reversed original.
    se_divisor : {"n-1", "n"}, optional
        Divisor of the bootstrap standard error: ``"n-1"`` (seminr's ``sd``) or ``"n"``;
        default ``"n"`` when the model was fitted with ``preset="smartpls"``, else ``"n-1"``.

    Returns
    -------
    BootstrapResult

    Notes
    -----
    Moments of all resamples of a chunk come from one product of the (chunk x n) row-count
    matrix with the (n x p(p+1)/2) matrix of row-wise cross-products; the PLS iteration
    then runs on the (chunk, p, p) stack of correlation matrices. Replicates that do not
    converge or are numerically singular are excluded and counted in ``n_failed``;
    inadmissible ones are kept and counted in ``n_inadmissible``.

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman &
    Hall. Ray, S., Danks, N. P., & Calero Valdez, A. (2022). seminr (``bootstrap_model``).

    Examples
    --------
    >>> import acsi
    >>> mobi = acsi.datasets.load_mobi()
    >>> res = acsi.pls("Image =~ IMAG1 + IMAG2 + IMAG3; Sat =~ CUSA1 + CUSA2 + CUSA3; Sat ~ Image", mobi)
    >>> boot = res.bootstrap(n=200, seed=1)
    >>> boot.paths[["source", "target", "est"]].round(3).to_string(index=False)
    'source target   est\\n Image    Sat 0.621'
    >>> bool(boot.paths.ci_lower[0] < 0.621 < boot.paths.ci_upper[0])
    True
    """
    t0 = time.perf_counter()
    # ---- arguments (validated once, before any work)
    ci = check_choice(ci, CI_METHODS, "ci")
    level = check_level(level)
    sign_change = check_choice(sign_change, SIGN_CHANGES, "sign_change", hint="seminr's is 'none'")
    if se_divisor is None:
        se_divisor = "n" if res.settings.preset == "smartpls" else "n-1"
    se_divisor = check_choice(se_divisor, ("n-1", "n"), "se_divisor", hint="seminr's sd() uses 'n-1'")
    executor = check_executor(executor)
    progress = check_progress(progress)
    if blas_threads is not None:
        blas_threads = check_int(blas_threads, "blas_threads", minimum=1, hint="or None to leave BLAS alone")
    if ci == "studentized":
        n_inner = check_int(n_inner, "n_inner", minimum=2, hint="inner resamples for ci='studentized'")
    missing = str(res.settings.missing)

    # ---- data, with the fit's missing-data policy redone in every resample
    X, raw, complete = _missing_layout(res, missing)
    n_rows = X.shape[0] if complete is None else complete.size
    if indices is not None:
        idx_all: np.ndarray | None
        idx_all, n = check_indices(indices, n, n_rows, origin="R's")
    else:
        idx_all = None
        n = check_int(5000 if n is None else n, "n", minimum=2, hint="the number of resamples")
    chunk = None if chunk_size is None else check_int(chunk_size, "chunk_size", minimum=1)

    # ---- seeds: one SeedSequence child per seed block
    need_seed = idx_all is None or ci == "studentized"
    if need_seed:
        root, seed_out = check_seed(seed)
    else:
        root, seed_out = np.random.SeedSequence(0), (None if seed is None else check_seed(seed)[1])
    warn_few_resamples(n, level, ci, "n")  # after every argument check: a bad call raises, no warning first
    sb = seed_block_size(n_rows)
    seeds = block_seeds(root, n, sb) if need_seed else ()

    # ---- the problem every chunk shares
    problem, D_complete, notes = _build_problem(res, X, raw, complete, scale, item_scales)
    if sign_change != "none":
        k0 = res.kernel
        problem = replace(problem, sign_change=sign_change, reference=(k0.W, k0.L, k0.B))
    keep = problem.keep
    layout = problem.layout

    # ---- the estimates on the full sample, from the same code
    est, f0, _ = _fit_stats(problem, _moments(problem, np.arange(n_rows)[None]))
    est = est[0]
    if f0[0]:
        raise AcsiError("the model does not converge on the full sample; the bootstrap needs a converged fit")

    # ---- the resamples, chunk by chunk (here or on the executor)
    if chunk is None:
        chunk = default_chunk_size(n, n_rows, sb, parallel=executor is not None)
    tasks = [
        BootstrapTask(
            problem=problem, start=c.start, stop=c.stop, n_boot=n, seed_block=sb, seeds=seeds,
            indices=None if idx_all is None else idx_all[c.block_start : c.block_stop],
            indices_offset=c.block_start, n_inner=n_inner if ci == "studentized" else 0,
            blas_threads=blas_threads,
        )
        for c in chunk_ranges(n, chunk, sb)
    ]
    outs = run_tasks(
        _run_chunk, tasks, [t.stop - t.start for t in tasks], executor=executor,
        progress=progress, blas_threads=blas_threads,
    )
    outs.sort(key=lambda o: o.start)
    stats = np.concatenate([o.stats for o in outs], axis=0)
    failed = np.concatenate([o.failed for o in outs])
    inadm = np.concatenate([o.inadmissible for o in outs])
    draws = stats[~failed]
    if draws.shape[0] < 2:
        raise AcsiError(
            f"only {draws.shape[0]} of {n} resamples could be estimated ({int(failed.sum())} failed); "
            "the bootstrap cannot summarise them"
        )

    # ---- what the interval needs beyond the replicates
    inner_se = None
    if ci == "studentized":
        inner_se = np.concatenate([o.inner_se for o in outs if o.inner_se is not None], axis=0)[~failed]
        n_in_failed = sum(o.inner_failed for o in outs)
        if n_in_failed:
            notes.append(f"{n_in_failed} inner (studentized) resamples failed and were excluded")
    jack = None
    if ci == "bca":
        if keep is None or res.case_weights is not None:
            jack = _jackknife(problem, n_rows)
        else:  # leave out each complete row (an incomplete one changes nothing)
            jack = _jackknife(replace(problem, D=D_complete, keep=None), int(keep.sum()))
    tables = _summarise(est, draws, layout, ci, level, jack, inner_se, se_divisor)
    settings = {
        "n": n, "ci": ci, "level": level, "chunk_size": chunk, "seed_block": sb,
        "scheme": problem.scheme, "consistent": problem.consistent, "tol": problem.tol,
        "max_iter": problem.max_iter,
        "sign_change": sign_change, "se_divisor": se_divisor,
        "missing": missing, "indices_given": idx_all is not None,
        "n_inner": n_inner if ci == "studentized" else None,
        "executor": None if executor is None else type(executor).__name__,
        "elapsed_s": time.perf_counter() - t0,
    }
    if int(failed.sum()):
        notes.append(f"{int(failed.sum())} of {n} resamples failed (not converged or singular) and were excluded")
    if res.case_weights is not None:
        notes.append("weighted PLS: every drawn row enters its resample with its case weight")
    elif keep is not None:
        notes.append(
            f"listwise deletion within each resample: rows drawn from all {n_rows} rows, the "
            f"{n_rows - int(keep.sum())} with missing values dropped from every resample (as seminr)"
        )
    return BootstrapResult(
        _frames=tables, n=n, n_failed=int(failed.sum()), n_inadmissible=int(inadm.sum()),
        seed=seed_out, settings=settings, draws_array=draws,
        draw_labels=tuple(zip(layout.names, layout.sources, layout.targets)), notes=tuple(notes),
    )

