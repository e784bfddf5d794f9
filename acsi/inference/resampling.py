"""Scheduling and seeding of resampling runs (bootstrap, permutation tests), family-agnostic.

A run of ``n`` resamples is cut into *seed blocks* of :func:`seed_block_size` resamples;
block ``i`` draws from ``numpy.random.default_rng(SeedSequence(seed).spawn(n_blocks)[i])``.
Work *chunks* (runs of consecutive resamples) only decide who computes which resamples: a
chunk draws the whole seed blocks it overlaps, so the same ``seed`` gives the same draws
however the run is chunked or executed (in this process, in threads, in processes, on a
dask cluster). The estimator-specific part (what a chunk computes) is a function of one
task object; this module builds the seeds and chunk ranges, pins BLAS threads, runs the
tasks on an executor and reports progress.

Examples
--------
>>> from acsi.inference.resampling import block_seeds, chunk_ranges, seed_blocks
>>> seeds = block_seeds(np.random.SeedSequence(1), n=250, block=100)
>>> len(seeds)
3
>>> [(c.start, c.stop) for c in chunk_ranges(250, chunk=120, block=100)]
[(0, 120), (120, 240), (240, 250)]
>>> [(b.index, b.lo, b.hi) for b in seed_blocks(120, 240, n=250, block=100)]
[(1, 20, 100), (2, 0, 40)]
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from acsi._validation import check_executor, check_progress
from acsi.exceptions import SpecificationError

__all__ = [
    "SEED_BLOCK",
    "SeedBlock",
    "ChunkRange",
    "seed_block_size",
    "block_seeds",
    "seed_blocks",
    "chunk_ranges",
    "default_chunk_size",
    "pinned_blas",
    "progress_callback",
    "run_tasks",
    "check_indices",
]

#: resamples drawn from one child of the SeedSequence (for up to 41943 data rows)
SEED_BLOCK = 100

#: elements of a (resamples x rows) block kept in memory at once
_MEMORY_ELEMENTS = 1 << 22

T = TypeVar("T")
R = TypeVar("R")


def seed_block_size(n_rows: int) -> int:
    """Resamples per seed block for data of ``n_rows`` rows (bounds the block's memory).

    :data:`SEED_BLOCK`, fewer when ``n_rows > 2**22 / SEED_BLOCK``; it depends only on the
    number of rows, so it is part of what a seed means.

    Examples
    --------
    >>> seed_block_size(250), seed_block_size(100_000)
    (100, 41)
    """
    return max(1, min(SEED_BLOCK, _MEMORY_ELEMENTS // max(int(n_rows), 1)))


def block_seeds(root: np.random.SeedSequence, n: int, block: int) -> tuple[np.random.SeedSequence, ...]:
    """One child of ``root`` per seed block of ``block`` resamples (``ceil(n / block)``)."""
    return tuple(root.spawn(-(-int(n) // int(block))))


@dataclass(frozen=True)
class SeedBlock:
    """A whole seed block overlapping a chunk.

    Attributes
    ----------
    index : int
        Block number (its seed is ``seeds[index]``).
    start, stop : int
        Resamples ``[start, stop)`` of the run that the block holds.
    lo, hi : int
        The chunk's resamples within the block: block positions ``[lo, hi)``.
    """

    index: int
    start: int
    stop: int
    lo: int
    hi: int


def seed_blocks(start: int, stop: int, n: int, block: int) -> list[SeedBlock]:
    """The whole seed blocks overlapping resamples ``[start, stop)`` of a run of ``n``."""
    out = []
    for blk in range(start // block, (stop - 1) // block + 1):
        b0 = blk * block
        b1 = min(n, b0 + block)
        out.append(SeedBlock(blk, b0, b1, max(start, b0) - b0, min(stop, b1) - b0))
    return out


@dataclass(frozen=True)
class ChunkRange:
    """Resamples ``[start, stop)`` of a work chunk and the whole-block span
    ``[block_start, block_stop)`` it draws."""

    start: int
    stop: int
    block_start: int
    block_stop: int


def chunk_ranges(n: int, chunk: int, block: int) -> list[ChunkRange]:
    """Consecutive chunks of ``chunk`` resamples covering ``n``, with their block spans."""
    out = []
    for s0 in range(0, n, chunk):
        s1 = min(n, s0 + chunk)
        out.append(ChunkRange(s0, s1, (s0 // block) * block, min(n, -(-s1 // block) * block)))
    return out


def default_chunk_size(n: int, n_rows: int, block: int, parallel: bool) -> int:
    """All resamples at once when run here, about 8 chunks on an executor; at most
    ``2**22 / n_rows`` resamples (but a whole seed block) per chunk to bound memory."""
    mem_cap = max(block, _MEMORY_ELEMENTS // max(n_rows, 1))
    return min(n, mem_cap) if not parallel else min(max(1, -(-n // 8)), mem_cap)


_BLAS_LOCK = threading.Lock()
_BLAS_STATE: dict[str, Any] = {"depth": 0, "limiter": None}


@contextmanager
def pinned_blas(threads: int | None) -> Iterator[None]:
    """Limit BLAS threads while any resampling chunk of this process runs.

    threadpoolctl's limits are process-wide, so chunks running in several threads of one
    process share one limiter (the first sets it, the last restores the original); nested
    per-thread contexts would restore the limit under a chunk still running. ``None``
    leaves BLAS alone.
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


def progress_callback(
    progress: Any, total: int, desc: str = "bootstrap", unit: str = "resample"
) -> tuple[Callable[[int], None], Callable[[], None]]:
    """``(update(done), close())`` for ``progress``: None/False (silent), True (a tqdm bar,
    tqdm imported on demand) or a callable ``progress(done, total)``."""
    progress = check_progress(progress)
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
        bar = tqdm(total=total, unit=unit, desc=desc)
        state = {"done": 0}

        def upd(done: int) -> None:
            bar.update(done - state["done"])
            state["done"] = done

        return upd, bar.close
    return (lambda done: progress(done, total)), (lambda: None)


def run_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    sizes: Sequence[int],
    *,
    executor: Any = None,
    progress: Any = None,
    blas_threads: int | None = 1,
    desc: str = "bootstrap",
) -> list[R]:
    """Run ``fn(task)`` for every task, here or on ``executor``; results in task order.

    Parameters
    ----------
    fn : callable
        A module-level function (picklable for process executors and dask).
    tasks : sequence
        One picklable task per chunk.
    sizes : sequence of int
        Resamples per task (for progress).
    executor : Executor, dask Client or None
        Anything with ``submit(fn, arg) -> future``; ``None`` runs here.
    progress : None, bool or callable
        See :func:`progress_callback`.
    blas_threads : int or None
        BLAS threads while the run lasts (:func:`pinned_blas`). The calling thread holds
        the limit for the whole run, so chunks in threads of this process never see it
        lifted; worker processes must pin their own (call :func:`pinned_blas` in ``fn``).
    """
    executor = check_executor(executor)
    update, close = progress_callback(progress, int(sum(sizes)), desc=desc)
    outs: list[R] = []
    with pinned_blas(blas_threads):
        try:
            done = 0
            if executor is None:
                for task, size in zip(tasks, sizes):
                    outs.append(fn(task))
                    done += size
                    update(done)
            else:
                futures = [executor.submit(fn, task) for task in tasks]
                for fut, size in zip(futures, sizes):
                    outs.append(fut.result())
                    done += size
                    update(done)
        finally:
            close()
    return outs


def check_indices(indices: Any, n: Any, n_rows: int, *, origin: str = "R's") -> tuple[np.ndarray, int]:
    """Given resample rows as an ``intp`` array ``(n_boot, n_rows)`` of 0-based positions, and
    their number; ``n`` (when given) must equal that number.

    Raises :class:`acsi.SpecificationError` naming the expected shape, the range found and,
    for 1-based rows from another program (``origin``), the way out.

    Examples
    --------
    >>> idx, n = check_indices([[0, 2, 2], [1, 1, 0]], None, 3)
    >>> n, idx.dtype == np.intp
    (2, True)
    """
    idx = np.asarray(indices)
    if idx.ndim != 2 or idx.shape[1] != n_rows or not np.issubdtype(idx.dtype, np.integer):
        raise SpecificationError(
            f"indices must be an integer array of shape (n_boot, {n_rows}) of 0-based row positions "
            f"(the fit used {n_rows} rows); got shape {idx.shape} and dtype {idx.dtype}"
        )
    if idx.size and (idx.min() < 0 or idx.max() >= n_rows):
        raise SpecificationError(
            f"indices must be 0-based row positions in [0, {n_rows - 1}]; found values from "
            f"{int(idx.min())} to {int(idx.max())} ({origin} rows are 1-based: subtract 1)"
        )
    if n is not None and int(n) != idx.shape[0]:
        raise SpecificationError(f"n={n} but indices holds {idx.shape[0]} resamples; give one or the other")
    return idx.astype(np.intp), int(idx.shape[0])
