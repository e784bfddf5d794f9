"""Run small-matrix kernels with a single BLAS thread.

The CB-SEM, EFA and omega kernels work on matrices of a few dozen rows. A multi-threaded
BLAS (OpenBLAS by default in numpy/scipy wheels) gains nothing at that size and, on a busy
machine, can lose milliseconds per call synchronising its threads; its results can also
differ in the last bits from a single-threaded run. When ``threadpoolctl`` is installed
the kernels limit BLAS to one thread for their duration (the user's setting is restored
when the last of them leaves); without it they run unchanged.

The limit is process-wide (a BLAS library has one thread setting for the whole process),
so it is reference counted under a lock: the first kernel to enter, in any thread, sets
one thread; the last one to leave restores the saved counts. A kernel running in one
thread therefore never sees the limit lifted by another thread finishing first.

OpenBLAS (0.3.31, in numpy's and scipy's wheels) ignores a thread count set from a thread
other than the main one. The limit therefore takes effect only when the main thread holds
it, and a restore attempted by a worker thread is kept pending and retried by the next
kernel to leave (the user's setting is never overwritten by the limit). The numbers do not
depend on this: the kernels avoid the LAPACK routines whose results depend on the BLAS
thread count (see :mod:`acsi._linalg`), so the same fit gives the same bits serially and
in a thread pool.

Examples
--------
>>> from acsi._blas import single_threaded_blas
>>> import numpy as np
>>> with single_threaded_blas():
...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
9.0
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any

__all__ = ["single_threaded_blas"]

_lock = threading.Lock()
_controller: list[Any] | None = None
_checked = False
_users = 0  # kernels inside the limit, over all threads
_saved: list[int] = []  # the user's thread counts, to restore when the last user leaves
_changed = False  # whether the first user to enter changed a count (else nothing to restore)


def _blas_libraries() -> list[Any] | None:
    """threadpoolctl's controllers of the loaded BLAS libraries (looked up once)."""
    global _controller, _checked
    if _checked:  # set after _controller: no lock needed once looked up
        return _controller
    with _lock:
        if not _checked:
            try:
                import scipy.linalg  # noqa: F401  - load scipy's BLAS before inspecting
                from threadpoolctl import ThreadpoolController
            except ImportError:  # pragma: no cover - optional dependency
                _controller = None
            else:
                _controller = [
                    lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"
                ]
            _checked = True
    return _controller


class _Limited:
    """The limit as a context manager (one shared instance: the state is the module's).

    A plain class rather than a generator-based ``contextmanager``: entering and leaving
    cost a fraction of a microsecond, and kernels enter it several times per fit.
    """

    __slots__ = ("libs",)

    def __init__(self, libs: list[Any]) -> None:
        self.libs = libs

    def __enter__(self) -> None:
        global _users, _saved, _changed
        libs = self.libs
        with _lock:
            if _users == 0:
                # what ``ThreadpoolController.limit(limits=1, user_api="blas")`` does, without
                # its per-call set-up: remember each library's thread count (unless a restore
                # is still pending, see below) and set it to 1. Each query is a call into the
                # library (microseconds, more after other code ran): asked once per library
                if not _saved:
                    _saved = [lib.num_threads for lib in libs]
                    current = _saved
                else:
                    current = [lib.num_threads for lib in libs]
                for lib, n in zip(libs, current):
                    if n != 1:
                        lib.set_num_threads(1)
                        _changed = True
            _users += 1

    def __exit__(self, *exc: Any) -> None:
        global _users, _saved, _changed
        libs = self.libs
        with _lock:
            _users -= 1
            if _users == 0:
                if not _changed:  # every library ran one thread already: nothing to restore
                    _saved = []
                else:
                    for lib, n in zip(libs, _saved):
                        if lib.num_threads != n:
                            lib.set_num_threads(n)
                    # OpenBLAS ignores set_num_threads from a thread other than the main
                    # one: when the last user was a worker thread the restore may not have
                    # taken effect; it stays pending and the next user to leave retries it
                    if all(lib.num_threads == n for lib, n in zip(libs, _saved)):
                        _saved = []
                        _changed = False


_limit: _Limited | None = None


def single_threaded_blas() -> AbstractContextManager[Any]:
    """Context manager limiting BLAS to one thread (no-op without threadpoolctl).

    Process-wide and reference counted: nested uses and uses from several threads at once
    share one limit, set by the first to enter and lifted by the last to leave.
    """
    global _limit
    if _limit is not None:
        return _limit
    libs = _blas_libraries()
    if not libs:  # pragma: no cover - optional dependency (or no BLAS found)
        return nullcontext()
    _limit = _Limited(libs)
    return _limit
