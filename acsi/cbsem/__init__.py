"""Covariance-based structural equation modelling with lavaan's numbers.

Stages (one module each): :mod:`acsi.spec.partable` (parameter table with lavaan's
defaults) -> :mod:`acsi.cbsem.matrices` (LISREL matrices, implied moments, Jacobian) ->
:mod:`acsi.cbsem.ml` (the immutable ML problem :class:`~acsi.cbsem.ml.MLKernel`: fit
function, analytic gradient/Hessian/information; its optimiser returns an
:class:`~acsi.cbsem.ml.MLSolution`) -> :mod:`acsi.cbsem.core` (the fitted state,
:class:`~acsi.cbsem.core.EstimationCore`) -> :mod:`acsi.cbsem.standardized`,
:mod:`acsi.cbsem.fit_measures`, :mod:`acsi.cbsem.robust` (MLR), both on the moment kernels
of :mod:`acsi.cbsem.moments` -> :mod:`acsi.cbsem.results`
(:class:`~acsi.cbsem.results.SEMResult`). Shared linear algebra (vech, duplication
products, Cholesky checks and inverses) is in :mod:`acsi._linalg`.
The user-facing functions are :func:`acsi.sem` and :func:`acsi.cfa`
(:mod:`acsi.cbsem.api`).
"""
