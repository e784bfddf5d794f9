"""Bootstrap of a PLS path model: all resamples at once, from row counts.

A resample is a vector of row counts; the correlation matrices of a block of resamples
come from one matrix product (:func:`acsi.pls.batched.resample_moments`) and the PLS
algorithm runs on the stack of a whole chunk (:func:`acsi.pls.batched.fit_batched`).
Nothing is parsed or validated per resample.

Reproducibility: resamples are drawn in fixed blocks of :data:`SEED_BLOCK` resamples
(fewer when the data have more than ``2**22 / SEED_BLOCK`` rows, to bound memory; the
block size depends only on the number of rows); block ``i`` draws from
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

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from acsi._graph import indirect_reachability, reachability, total_effects
from acsi.exceptions import AcsiError, DataError, SpecificationError
from acsi.pls.batched import (
    BatchPlan,
    counts_from_indices,
    fit_batched,
    htmt_batched,
    make_plan,
    resample_moments,
    resample_moments_mean_replaced,
)
from acsi.results.base import ResultMixin, Summary

__all__ = ["BootstrapResult", "bootstrap_pls", "SEED_BLOCK", "percentile_ci", "bca_ci"]

#: resamples drawn from one child of the SeedSequence (for up to 41943 data rows)
SEED_BLOCK = 100


def seed_block_size(n_rows: int) -> int:
    """Resamples per seed block for data of ``n_rows`` rows (bounds the block's memory)."""
    return max(1, min(SEED_BLOCK, (1 << 22) // max(int(n_rows), 1)))

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

    @property
    def m(self) -> int:
        return len(self.names)


def _make_layout(spec: Any, index_constructs: Sequence[int], lo: np.ndarray, hi: np.ndarray) -> _Layout:
    C = spec.constructs
    ind = spec.indicators
    k = len(C)
    paths = np.argwhere(np.asarray(spec.inner, dtype=bool))
    load = np.column_stack([np.arange(len(ind)), np.asarray(spec.block)])
    written = tuple(getattr(spec, "item_order", ()) or ())
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


def _extract(kr: Any, R: np.ndarray, means: np.ndarray, sds: np.ndarray, layout: _Layout, plan: BatchPlan) -> np.ndarray:
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
class _Task:
    """Everything a worker needs for resamples [start, stop) (picklable)."""

    D: np.ndarray  # centred data (n, p)
    center: np.ndarray
    raw: np.ndarray | None  # data with NaN (missing="mean"), else None
    plan: BatchPlan
    layout: _Layout
    scheme: str
    consistent: bool
    tol: float
    max_iter: int
    start: int
    stop: int
    n_boot: int
    seeds: tuple[np.random.SeedSequence, ...]  # one per seed block (all blocks)
    indices: np.ndarray | None  # given rows of the whole seed blocks the chunk touches, or None
    indices_offset: int  # resample number of indices[0]
    n_inner: int  # studentized: inner resamples per outer one (0: none)
    blas_threads: int | None
    seed_block: int = SEED_BLOCK
    keep: np.ndarray | None = None  # (n,) 1.0 for complete rows (listwise per resample), or None


@dataclass(frozen=True)
class _ChunkOut:
    start: int
    stats: np.ndarray  # (b, m)
    failed: np.ndarray
    inadmissible: np.ndarray
    inner_se: np.ndarray | None  # (b, m)
    inner_failed: int


def _blocks(task: _Task) -> list[tuple[np.ndarray, np.random.Generator | None, int, int]]:
    """Whole seed blocks overlapping [start, stop): (rows (b, n), the block's generator, lo, hi).

    ``rows[lo:hi]`` are the resamples of the chunk. Whole blocks are drawn (and their moments
    computed) so that every number is the same however the resamples are chunked. The
    generator, positioned after the outer draws, gives the inner (studentized) draws.
    """
    n = task.D.shape[0]
    out = []
    sb = task.seed_block
    first = task.start // sb
    last = (task.stop - 1) // sb
    for blk in range(first, last + 1):
        b0 = blk * sb
        b1 = min(task.n_boot, b0 + sb)
        lo = max(task.start, b0) - b0
        hi = min(task.stop, b1) - b0
        rng = np.random.default_rng(task.seeds[blk]) if task.seeds else None
        if task.indices is not None:
            off = b0 - task.indices_offset
            rows = task.indices[off : off + (b1 - b0)]
        elif rng is not None:
            rows = rng.integers(0, n, size=(b1 - b0, n))
        else:  # pragma: no cover - the driver always gives seeds or indices
            raise AcsiError("internal error: neither seeds nor indices for a bootstrap block")
        out.append((rows, rng, lo, hi))
    return out


def _moments(task: _Task, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = task.D.shape[0]
    if task.raw is None:
        counts = counts_from_indices(idx, n)
        if task.keep is not None:  # listwise deletion within the resample (seminr's na.omit)
            counts *= task.keep
        return resample_moments(task.D, counts, task.center)
    # missing="mean": replace by the resample's own column means, as a refit would
    obs = ~np.isnan(task.raw)
    counts = counts_from_indices(idx, n)
    return resample_moments_mean_replaced(task.D, obs, counts, task.center)


def _fit_stats(
    task: _Task, moments: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    means, sds, R = moments
    kr = fit_batched(R, task.plan, scheme=task.scheme, consistent=task.consistent, tol=task.tol, max_iter=task.max_iter)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        stats = _extract(kr, R, means, sds, task.layout, task.plan)
    return stats, kr.failed, kr.inadmissible


_BLAS_LOCK = threading.Lock()
_BLAS_STATE: dict[str, Any] = {"depth": 0, "limiter": None}


@contextmanager
def _pinned_blas(threads: int | None) -> Iterator[None]:
    """Limit BLAS threads while any chunk of this process runs.

    threadpoolctl's limits are process-wide, so chunks running in several threads of one
    process share one limiter (the first sets it, the last restores the original); nested
    per-thread contexts would restore the limit under a chunk still running.
    """
    if threads is None:
        yield
        return
    with _BLAS_LOCK:
        if _BLAS_STATE["depth"] == 0:
            from threadpoolctl import threadpool_limits

            _BLAS_STATE["limiter"] = threadpool_limits(limits=threads)
        _BLAS_STATE["depth"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_STATE["depth"] -= 1
            if _BLAS_STATE["depth"] == 0 and _BLAS_STATE["limiter"] is not None:
                _BLAS_STATE["limiter"].restore_original_limits()
                _BLAS_STATE["limiter"] = None


def _run_chunk(task: _Task) -> _ChunkOut:
    """Draw, fit and summarise resamples [start, stop) (runs in a worker)."""
    with _pinned_blas(task.blas_threads):
        blocks = _blocks(task)
        mom = [_moments(task, rows) for rows, _, _, _ in blocks]
        moments = tuple(
            np.concatenate([m[i][lo:hi] for m, (_, _, lo, hi) in zip(mom, blocks)], axis=0) for i in range(3)
        )
        stats, failed, inadm = _fit_stats(task, moments)  # type: ignore[arg-type]
        inner_se = None
        inner_failed = 0
        if task.n_inner > 0:
            inner_se, inner_failed = _inner_se(task, blocks)
    return _ChunkOut(task.start, stats, failed, inadm, inner_se, inner_failed)


def _inner_se(task: _Task, blocks: list[tuple[np.ndarray, np.random.Generator | None, int, int]]) -> tuple[np.ndarray, int]:
    """Studentized interval: each resample's SE from ``n_inner`` resamples of its own rows.

    Resample b of a block draws its inner rows with ``rng.integers(0, n, (n_inner, n))`` in
    turn (positions within its rows); each one's moments are computed on their own and the
    fits run in groups, so memory stays bounded and the numbers do not depend on chunking.
    """
    m = task.n_inner
    n = task.D.shape[0]
    p = task.D.shape[1]
    group = max(1, (1 << 22) // (m * max(p * p, n)))
    ses: list[np.ndarray] = []
    failed = 0
    pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def flush() -> None:
        nonlocal failed
        if not pending:
            return
        mom = tuple(np.concatenate([x[i] for x in pending], axis=0) for i in range(3))
        s_in, f_in, _ = _fit_stats(task, mom)  # type: ignore[arg-type]
        s_in = s_in.reshape(len(pending), m, -1)
        f_in = f_in.reshape(len(pending), m)
        failed += int(f_in.sum())
        s_in = np.where(f_in[:, :, None], np.nan, s_in)
        ses.append(_mean_sd(s_in, axis=1)[1])
        pending.clear()

    for rows, rng, lo, hi in blocks:
        if rng is None:  # pragma: no cover - the driver always passes seeds for studentized
            raise AcsiError("internal error: no generator for the studentized interval")
        for b in range(hi):
            pos = rng.integers(0, n, size=(m, n))
            if b < lo:
                continue  # keeps the block's stream aligned
            pending.append(_moments(task, rows[b][pos]))
            if len(pending) >= group:
                flush()
    flush()
    return np.concatenate(ses, axis=0), failed


def _colsum(x: np.ndarray, axis: int) -> np.ndarray:
    """Sum along ``axis`` in row order, bit-for-bit independent of memory alignment.

    numpy's reductions may reassociate (SIMD, pairwise) depending on where an array sits in
    memory; a running sum cannot, so the same replicates always give the same summaries.
    """
    if x.shape[axis] == 0:
        return np.zeros(np.delete(x.shape, axis))
    return np.take(np.add.accumulate(x, axis=axis), -1, axis=axis)


def _mean_sd(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, SD (n-1) and count of the finite values along ``axis`` (deterministic sums)."""
    fin = np.isfinite(x)
    nb = fin.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = _colsum(np.where(fin, x, 0.0), axis) / nb
        dev = np.where(fin, x - np.expand_dims(mean, axis), 0.0)
        sd = np.sqrt(_colsum(dev * dev, axis) / (nb - 1))
    return mean, sd, nb


# ----------------------------------------------------------------------------- intervals
def percentile_ci(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column (R's quantile type 7), ignoring NaN."""
    return _quantiles(draws, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])


def _quantiles(x: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """Type-7 quantiles per column, NaN ignored (fast path for complete columns)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full((len(probs), x.shape[1]), np.nan)
    full = np.isfinite(x).all(axis=0)
    if full.any():
        out[:, full] = np.quantile(x[:, full], probs, axis=0)
    part = np.flatnonzero(~full)
    for j in part:
        col = x[:, j]
        col = col[np.isfinite(col)]
        if col.size:
            out[:, j] = np.quantile(col, probs)
    return out


def bca_ci(draws: np.ndarray, est: np.ndarray, jack: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated (BCa) percentile interval per column.

    ``z0 = Phi^-1((#{b < est} + #{b <= est}) / 2B)``; acceleration from the jackknife
    values ``theta_(i)``: ``a = sum U^3 / (6 (sum U^2)^(3/2))``, ``U = mean(theta_(.)) -
    theta_(i)``; the interval is the type-7 quantiles at
    ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` for ``z = Phi^-1(alpha/2), Phi^-1(1-alpha/2)``
    (Efron & Tibshirani 1993, ch. 14; the tie handling of ``scipy.stats.bootstrap``).
    """
    a_ = (1.0 - level) / 2.0
    lo = np.full(draws.shape[1], np.nan)
    hi = np.full(draws.shape[1], np.nan)
    for j in range(draws.shape[1]):
        d = draws[:, j]
        d = d[np.isfinite(d)]
        jk = jack[:, j]
        jk = jk[np.isfinite(jk)]
        if d.size < 2 or jk.size < 2 or not np.isfinite(est[j]):
            continue
        z0 = ndtri((np.count_nonzero(d < est[j]) + np.count_nonzero(d <= est[j])) / (2.0 * d.size))
        U = jk.mean() - jk
        den = (U**2).sum() ** 1.5
        acc = (U**3).sum() / (6.0 * den) if den > 0 else 0.0
        out = []
        for z in (ndtri(a_), ndtri(1.0 - a_)):
            num = z0 + z
            out.append(ndtr(z0 + num / (1.0 - acc * num)))
        if not np.all(np.isfinite(out)):
            continue
        lo[j], hi[j] = np.quantile(d, out)
    return lo, hi


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True)
class BootstrapResult(ResultMixin):
    """Bootstrap of a PLS path model (immutable).

    Attributes
    ----------
    paths, loadings, weights, htmt, total_indirect, total_effects, index : DataFrame
        Long tables with columns ``source, target, est, boot_mean, boot_se, t, pvalue,
        ci_lower, ci_upper`` (loadings and weights: ``source`` the indicator, ``target``
        the construct; ``index``: the construct in both, plus ``n_undefined``, the
        replicates in which a negative rescaled weight left the index undefined).
    n : int
        Resamples requested.
    n_failed : int
        Replicates that did not converge or gave non-finite estimates (excluded).
    n_inadmissible : int
        Replicates with |path| > 1, R-squared > 1 or (PLSc) non positive definite
        construct correlations (kept, as seminr keeps them; counted here).
    seed : int or None
        Entropy of the root ``SeedSequence`` (None when every row index was given and no
        random draw was needed).
    settings : dict
        ``ci``, ``level``, ``chunk_size``, ``seed_block``, ``scheme``, ``consistent``, ...
    """

    paths: pd.DataFrame
    loadings: pd.DataFrame
    weights: pd.DataFrame
    htmt: pd.DataFrame
    total_indirect: pd.DataFrame
    total_effects: pd.DataFrame
    index: pd.DataFrame
    n: int
    n_failed: int
    n_inadmissible: int
    seed: int | None
    settings: dict[str, Any] = field(default_factory=dict)
    draws_array: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)
    draw_labels: tuple[tuple[str, str, str], ...] = field(default=(), repr=False)
    notes: tuple[str, ...] = ()

    @cached_property
    def draws(self) -> pd.DataFrame:
        """The successful replicates (rows) of every statistic (columns: table, source, target)."""
        cols = pd.MultiIndex.from_tuples(self.draw_labels, names=["table", "source", "target"])
        return pd.DataFrame(self.draws_array, columns=cols)

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
            df = getattr(self, name)
            if len(df):
                tables.append((name, df.set_index(["source", "target"])))
        notes = list(self.notes)
        notes.append(
            "boot_se: SD of the replicates (n-1); t = est / boot_se (HTMT: (1 - est) / boot_se); "
            "pvalue = 2 min(p0, 1 - p0), p0 the share of replicates <= 0 (HTMT: < 1), as seminr."
        )
        return Summary(title="PLS bootstrap", header=header, tables=tables, notes=notes)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in _TABLES}


def _summarise(
    est: np.ndarray,
    draws: np.ndarray,
    layout: _Layout,
    ci: str,
    level: float,
    jack: np.ndarray | None,
    inner_se: np.ndarray | None,
) -> dict[str, pd.DataFrame]:
    mean, se, nb = _mean_sd(draws, axis=0)
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
        with np.errstate(invalid="ignore", divide="ignore"):
            tstar = (draws - est) / inner_se
        tstar[~np.isfinite(tstar)] = np.nan
        a = (1.0 - level) / 2.0
        q = _quantiles(tstar, [a, 1.0 - a])
        lo = est - q[1] * se
        hi = est - q[0] * se
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
            df = df.drop(columns="target").rename(columns={"source": "construct"})
            df.insert(1, "target", df["construct"])
            df = df.rename(columns={"construct": "source"})
            df["n_undefined"] = (draws.shape[0] - nb[sel]).astype(int)
        out[name] = df
    return out


# ----------------------------------------------------------------------------- driver
def _root_seed(seed: Any) -> tuple[np.random.SeedSequence, int | None]:
    if seed is None:
        ss = np.random.SeedSequence()
        return ss, int(ss.entropy)  # type: ignore[arg-type]
    if isinstance(seed, np.random.SeedSequence):
        return seed, int(seed.entropy)  # type: ignore[arg-type]
    if isinstance(seed, np.random.Generator):
        s = int(seed.integers(0, 2**63 - 1))
        return np.random.SeedSequence(s), s
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.SeedSequence(int(seed)), int(seed)
    raise SpecificationError(
        f"seed must be a non-negative int, a numpy SeedSequence or Generator, or None; got {seed!r}"
    )


def _progress_callback(progress: Any, total: int) -> tuple[Callable[[int], None], Callable[[], None]]:
    if progress is None or progress is False:
        return (lambda done: None), (lambda: None)
    if progress is True:
        try:
            from tqdm.auto import tqdm
        except ImportError as exc:
            raise ImportError(
                "progress=True needs tqdm: pip install 'acsi[progress]' (or pass a callable "
                "progress(done, total))"
            ) from exc
        bar = tqdm(total=total, unit="resample", desc="bootstrap")
        state = {"done": 0}

        def upd(done: int) -> None:
            bar.update(done - state["done"])
            state["done"] = done

        return upd, bar.close
    if callable(progress):
        return (lambda done: progress(done, total)), (lambda: None)
    raise SpecificationError(
        f"progress must be None, True (a tqdm bar) or a callable progress(done, total); got {progress!r}"
    )


def _index_setup(res: Any, spec: Any, X: np.ndarray, scale: Any, item_scales: Any) -> tuple[list[int], np.ndarray, np.ndarray, list[str]]:
    """Constructs whose ACSI index is bootstrapped, with the item bounds."""
    from acsi.index import IndexUndefinedError, acsi_index, item_bounds

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
    keep: list[int] = []
    for c, name in enumerate(spec.constructs):
        try:
            acsi_index(res, scale=sc, item_scales=item_scales, constructs=[name])
        except IndexUndefinedError as exc:
            notes.append(f"index of {name!r} not bootstrapped: {str(exc).splitlines()[0]}")
            continue
        keep.append(c)
    return keep, lo, hi, notes


def bootstrap_pls(
    res: Any,
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
        Theoretical item bounds for the ACSI index (see :func:`acsi.index.acsi_index`).
        With neither given, ``(1, 10)`` is used when the data lie within it; otherwise
        the index table is left empty with a note.
    blas_threads : int or None, default 1
        BLAS threads while the bootstrap runs (threadpoolctl); ``None`` leaves BLAS alone.
        The calling thread holds the limit for the whole run (OpenBLAS ignores limits set
        from other threads) and worker processes set their own. A multi-threaded BLAS
        splits matrix products differently, which changes the last bits; for bit-identical
        results on executors that run chunks in threads of other processes (dask workers
        with ``nthreads > 1``), start those workers with ``OPENBLAS_NUM_THREADS=1``.

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
    if ci not in ("percentile", "bca", "studentized"):
        raise SpecificationError(f"ci={ci!r} is not one of 'percentile', 'bca', 'studentized'")
    if not (isinstance(level, (int, float)) and 0.0 < float(level) < 1.0):
        raise SpecificationError(f"level must be a number between 0 and 1 (e.g. 0.95), not {level!r}")
    spec = res.spec
    settings_in = res.settings
    get = settings_in.get if isinstance(settings_in, dict) else (lambda key, d=None: getattr(settings_in, key, d))
    scheme = str(get("scheme", "path"))
    consistent = bool(get("consistent", False))
    tol = float(get("tol", 1e-7))
    max_iter = int(get("max_iter", 300))
    missing = str(get("missing", "listwise"))
    X = np.ascontiguousarray(res.data.X, dtype=np.float64)
    n_rows = X.shape[0]
    raw = None
    if missing == "mean":
        if hasattr(res.data, "missing_mask"):
            miss = res.data.missing_mask
        elif hasattr(res, "missing_mask"):
            miss = res.missing_mask
        else:
            raise AcsiError(
                "bootstrap with missing='mean' must redo the mean replacement in every resample "
                "(as seminr does) and needs to know which values were missing, but this result "
                "does not record them (missing_mask); impute the data before acsi.pls, "
                "or use missing='listwise'"
            )
        miss = np.zeros(X.shape, dtype=bool) if miss is None else np.asarray(miss, dtype=bool)
        raw = np.where(miss, np.nan, X) if miss.any() else None
    # missing="listwise" with rows removed: resample all rows and drop the incomplete ones
    # in every resample, as seminr's bootstrap_model (it resamples the raw data)
    rows_all = getattr(res, "rows_all", None) if missing == "listwise" else None
    complete = None
    if rows_all is not None:
        A = np.asarray(rows_all, dtype=np.float64)
        complete = ~np.isnan(A).any(axis=1)
        if A.ndim != 2 or A.shape[1] != X.shape[1] or int(complete.sum()) != n_rows:
            raise AcsiError("internal error: the result's rows_all does not match its data")
        n_rows = A.shape[0]

    if indices is not None:
        idx_all = np.asarray(indices)
        if idx_all.ndim != 2 or idx_all.shape[1] != n_rows or not np.issubdtype(idx_all.dtype, np.integer):
            raise SpecificationError(
                f"indices must be an integer array of shape (n_boot, {n_rows}) of 0-based row "
                f"positions; got shape {idx_all.shape} and dtype {idx_all.dtype}"
            )
        if idx_all.size and (idx_all.min() < 0 or idx_all.max() >= n_rows):
            raise SpecificationError(
                f"indices must be 0-based row positions in [0, {n_rows - 1}]; found values from "
                f"{int(idx_all.min())} to {int(idx_all.max())} (R's 1-based rows: subtract 1)"
            )
        if n is not None and n != idx_all.shape[0]:
            raise SpecificationError(
                f"n={n} but indices holds {idx_all.shape[0]} resamples; give one or the other"
            )
        n = idx_all.shape[0]
        idx_all = idx_all.astype(np.intp)
    else:
        idx_all = None
        n = 5000 if n is None else n
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 2:
            raise SpecificationError(f"n (the number of resamples) must be an integer >= 2, not {n!r}")
        n = int(n)
    if ci == "studentized" and (not isinstance(n_inner, (int, np.integer)) or n_inner < 2):
        raise SpecificationError(f"n_inner must be an integer >= 2 for ci='studentized', not {n_inner!r}")
    need_seed = idx_all is None or ci == "studentized"
    if need_seed:
        root, seed_out = _root_seed(seed)
    else:
        root, seed_out = np.random.SeedSequence(0), (None if seed is None else _root_seed(seed)[1])
    sb = seed_block_size(n_rows)
    n_blocks = -(-n // sb)
    seeds = tuple(root.spawn(n_blocks)) if need_seed else ()

    plan = make_plan(spec)
    index_c, lo, hi, notes = _index_setup(res, spec, X, scale, item_scales)
    layout = _make_layout(spec, index_c, lo, hi)
    center = X.mean(axis=0)
    D = X - center
    if raw is not None:
        D[np.isnan(raw)] = 0.0  # mean-replaced cells sit at the mean (missing="mean")
    keep = None
    D_complete = D
    if complete is not None:
        D = np.zeros((n_rows, X.shape[1]))
        D[complete] = D_complete  # incomplete rows: zero weight in every resample
        keep = complete.astype(np.float64)

    # the estimates on the full sample, from the same code
    full_task = _Task(D, center, raw, plan, layout, scheme, consistent, tol, max_iter, 0, 1, 1,
                      (), np.arange(n_rows)[None], 0, 0, None, keep=keep)
    est, f0, _ = _fit_stats(full_task, _moments(full_task, np.arange(n_rows)[None]))
    est = est[0]
    if f0[0]:
        raise AcsiError("the model does not converge on the full sample; the bootstrap needs a converged fit")

    if chunk_size is None:
        mem_cap = max(sb, (1 << 22) // max(n_rows, 1))
        chunk = min(n, mem_cap) if executor is None else min(max(1, -(-n // 8)), mem_cap)
    else:
        if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            raise SpecificationError(f"chunk_size must be a positive integer, not {chunk_size!r}")
        chunk = int(chunk_size)

    tasks = []
    for s0 in range(0, n, chunk):
        s1 = min(n, s0 + chunk)
        a0 = (s0 // sb) * sb
        a1 = min(n, -(-s1 // sb) * sb)
        tasks.append(
            _Task(D, center, raw, plan, layout, scheme, consistent, tol, max_iter, s0, s1, n, seeds,
                  None if idx_all is None else idx_all[a0:a1], a0,
                  n_inner if ci == "studentized" else 0, blas_threads, sb, keep=keep)
        )
    update, close = _progress_callback(progress, n)
    outs: list[_ChunkOut] = []
    # the driver holds the BLAS limit for the whole run, so chunks in threads of this
    # process never see it lifted (worker processes set their own in _run_chunk)
    with _pinned_blas(blas_threads):
        try:
            if executor is None:
                done = 0
                for task in tasks:
                    outs.append(_run_chunk(task))
                    done += task.stop - task.start
                    update(done)
            else:
                futures = [executor.submit(_run_chunk, task) for task in tasks]
                done = 0
                for task, fut in zip(tasks, futures):
                    outs.append(fut.result())
                    done += task.stop - task.start
                    update(done)
        finally:
            close()
    outs.sort(key=lambda o: o.start)
    stats = np.concatenate([o.stats for o in outs], axis=0)
    failed = np.concatenate([o.failed for o in outs])
    inadm = np.concatenate([o.inadmissible for o in outs])
    ok = ~failed
    draws = stats[ok]
    inner_se = None
    if ci == "studentized":
        inner_se = np.concatenate([o.inner_se for o in outs], axis=0)[ok]  # type: ignore[misc]
        n_in_failed = sum(o.inner_failed for o in outs)
        if n_in_failed:
            notes.append(f"{n_in_failed} inner (studentized) resamples failed and were excluded")
    jack = None
    if ci == "bca":
        if keep is None:
            jack = _jackknife(full_task, n_rows)
        else:  # leave out each complete row (an incomplete one changes nothing)
            jack = _jackknife(replace(full_task, D=D_complete, keep=None), int(keep.sum()))
    if draws.shape[0] < 2:
        raise AcsiError(
            f"only {draws.shape[0]} of {n} resamples could be estimated ({int(failed.sum())} failed); "
            "the bootstrap cannot summarise them"
        )
    tables = _summarise(est, draws, layout, ci, float(level), jack, inner_se)
    for v in tables.values():
        for col in v.columns:
            arr = v[col].to_numpy()
            if arr.dtype.kind == "f":
                arr.setflags(write=False)
    draws.setflags(write=False)
    settings = {
        "n": n, "ci": ci, "level": float(level), "chunk_size": chunk, "seed_block": sb,
        "scheme": scheme, "consistent": consistent, "tol": tol, "max_iter": max_iter,
        "missing": missing, "indices_given": idx_all is not None,
        "n_inner": n_inner if ci == "studentized" else None,
        "executor": None if executor is None else type(executor).__name__,
        "elapsed_s": time.perf_counter() - t0,
    }
    if int(failed.sum()):
        notes.append(f"{int(failed.sum())} of {n} resamples failed (not converged or singular) and were excluded")
    if keep is not None:
        notes.append(
            f"listwise deletion within each resample: rows drawn from all {n_rows} rows, the "
            f"{n_rows - int(keep.sum())} with missing values dropped from every resample (as seminr)"
        )
    return BootstrapResult(
        paths=tables["paths"], loadings=tables["loadings"], weights=tables["weights"],
        htmt=tables["htmt"], total_indirect=tables["total_indirect"],
        total_effects=tables["total_effects"], index=tables["index"],
        n=n, n_failed=int(failed.sum()), n_inadmissible=int(inadm.sum()), seed=seed_out,
        settings=settings, draws_array=draws,
        draw_labels=tuple(zip(layout.names, layout.sources, layout.targets)), notes=tuple(notes),
    )


def _jackknife(task: _Task, n_rows: int) -> np.ndarray:
    """Leave-one-out statistics (n_rows, m), computed in batches that bound memory."""
    block = max(1, min(2000, (1 << 22) // max(n_rows, 1)))
    out = []
    for r0 in range(0, n_rows, block):
        r1 = min(n_rows, r0 + block)
        if task.raw is None:
            counts = np.ones((r1 - r0, n_rows))
            counts[np.arange(r1 - r0), np.arange(r0, r1)] = 0.0
            means, sds, R = resample_moments(task.D, counts, task.center)
            kr = fit_batched(R, task.plan, scheme=task.scheme, consistent=task.consistent, tol=task.tol, max_iter=task.max_iter)
            s = _extract(kr, R, means, sds, task.layout, task.plan)
            f = kr.failed
        else:
            rows = np.array([np.delete(np.arange(n_rows), i) for i in range(r0, r1)])
            s, f, _ = _fit_stats(task, _moments(task, rows))
        s = np.where(f[:, None], np.nan, s)
        out.append(s)
    return np.concatenate(out, axis=0)
