"""PLS path modelling: :func:`acsi.pls` (estimation, PLSc) and its building blocks.

- ``acsi.plspm.spec``: :class:`PLSSpec`, blocks, modes and inner model as arrays;
- ``acsi.plspm.batched``: the PLS-PM kernel on a stack of correlation matrices (the only
  kernel), PLSc, the admissibility rule, resample moments;
- ``acsi.plspm.algorithm``: :func:`fit_kernel`, one fit (the batched kernel on ``R[None]``);
- ``acsi.plspm.plsc``: rho_A and the PLSc correction of a single fit;
- ``acsi.plspm.evaluation``: reliability, HTMT, Fornell-Larcker, VIF, effects (pure functions);
- ``acsi.plspm.results``: :class:`PLSResult`;
- ``acsi.plspm.api``: :func:`pls`, the validating entry point;
- ``acsi.plspm.bootstrap``: the batched bootstrap (``res.bootstrap``);
- ``acsi.plspm.index``: the ACSI 0-100 index (``res.index``, ``acsi.index``);
- ``acsi.plspm.ipma``: importance-performance map analysis (``res.ipma``);
- ``acsi.plspm.mga``: multigroup analysis (``res.mga``: PLS-MGA, parametric, Welch, permutation);
- ``acsi.plspm.micom``: measurement invariance of composites (``res.micom``);
- ``acsi.plspm.mediation``: specific indirect effects and mediation types
  (``boot.specific_effect``, ``boot.mediation``).

The estimator is :func:`acsi.pls` (a function, whatever was imported before): this
subpackage is named ``plspm`` so that the name ``acsi.pls`` is never rebound to a module.
"""

from __future__ import annotations

from typing import Any

__all__ = ["pls", "PLSSpec", "PLSResult", "fit_kernel", "KernelResult"]


def __getattr__(name: str) -> Any:
    if name == "pls":
        from acsi.plspm.api import pls

        return pls
    if name == "PLSSpec":
        from acsi.plspm.spec import PLSSpec

        return PLSSpec
    if name == "PLSResult":
        from acsi.plspm.results import PLSResult

        return PLSResult
    if name in ("fit_kernel", "KernelResult"):
        from acsi.plspm import algorithm

        return getattr(algorithm, name)
    raise AttributeError(f"module 'acsi.plspm' has no attribute {name!r}")
