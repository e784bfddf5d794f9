"""PLS path modelling: :func:`acsi.pls` (estimation, PLSc) and its building blocks.

=====================  ==================================================================
module                 content
=====================  ==================================================================
``acsi.pls.spec``      :class:`PLSSpec`: blocks, modes and inner model as arrays
``acsi.pls.batched``   the PLS-PM kernel on a stack of correlation matrices (the only
                       kernel), PLSc, the admissibility rule, resample moments
``acsi.pls.algorithm`` :func:`fit_kernel`: one fit (the batched kernel on ``R[None]``)
``acsi.pls.plsc``      rho_A and the PLSc correction of a single fit
``acsi.pls.evaluation`` reliability, HTMT, Fornell-Larcker, VIF, effects (pure functions)
``acsi.pls.results``   :class:`PLSResult`
``acsi.pls.api``       :func:`pls`, the validating entry point
``acsi.pls.bootstrap`` the batched bootstrap (``res.bootstrap``)
``acsi.pls.index``     the ACSI 0-100 index (``res.index``, ``acsi.index``)
``acsi.pls.ipma``      importance-performance map analysis (``res.ipma``)
=====================  ==================================================================

The package itself is callable, so ``acsi.pls(model, data)`` works whether or not a
submodule was imported first.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["pls", "PLSSpec", "PLSResult", "fit_kernel", "KernelResult"]


def __getattr__(name: str) -> Any:
    if name == "pls":
        from acsi.pls.api import pls

        return pls
    if name == "PLSSpec":
        from acsi.pls.spec import PLSSpec

        return PLSSpec
    if name == "PLSResult":
        from acsi.pls.results import PLSResult

        return PLSResult
    if name in ("fit_kernel", "KernelResult"):
        from acsi.pls import algorithm

        return getattr(algorithm, name)
    raise AttributeError(f"module 'acsi.pls' has no attribute {name!r}")


class _CallablePackage(types.ModuleType):
    """Makes ``acsi.pls(...)`` call :func:`acsi.pls.api.pls` even when ``acsi.pls`` is
    bound to this package (after ``import acsi.pls.spec``, say)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from acsi.pls.api import pls

        return pls(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
