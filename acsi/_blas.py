"""Run small-matrix kernels with a single BLAS thread.

The CB-SEM, EFA and omega kernels work on matrices of a few dozen rows. A multi-threaded BLAS (OpenBLAS
by default in numpy/scipy wheels) gains nothing at that size and, on a busy machine, can
lose milliseconds per call synchronising its threads. When ``threadpoolctl`` is installed
the kernels limit BLAS to one thread for their duration (the user's setting is restored on
exit); without it they run unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

__all__ = ["single_threaded_blas"]

_controller: Any = None
_checked = False


_state = threading.local()


@contextmanager
def _limited(libs: list[Any]) -> Iterator[None]:
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        if _state.depth == 1:
            # what ``ThreadpoolController.limit(limits=1, user_api="blas")`` does, without
            # its per-call set-up: remember each BLAS library's thread count, set it to 1,
            # restore it on exit
            orig = [lib.num_threads for lib in libs]
            for lib, n in zip(libs, orig):
                if n != 1:
                    lib.set_num_threads(1)
            try:
                yield
            finally:
                for lib, n in zip(libs, orig):
                    if n != 1:
                        lib.set_num_threads(n)
        else:  # already limited by an enclosing call in this thread
            yield
    finally:
        _state.depth -= 1


def single_threaded_blas() -> AbstractContextManager[Any]:
    """Context manager limiting BLAS to one thread (no-op without threadpoolctl).

    Nested uses in the same thread cost nothing: only the outermost sets and restores the
    limit.
    """
    global _controller, _checked
    if not _checked:
        _checked = True
        try:
            import scipy.linalg  # noqa: F401  - load scipy's BLAS before inspecting
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - optional dependency
            _controller = None
        else:
            _controller = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    if not _controller:  # pragma: no cover - optional dependency (or no BLAS found)
        return nullcontext()
    return _limited(_controller)
