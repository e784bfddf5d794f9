"""Covariance-based structural equation modelling with lavaan's numbers.

Stages (one module each): :mod:`acsi.spec.partable` (parameter table with lavaan's
defaults) -> :mod:`acsi.cbsem.matrices` (LISREL matrices, implied moments, Jacobian) ->
:mod:`acsi.cbsem.ml` (ML fit function, analytic gradient/Hessian/information, optimiser) ->
:mod:`acsi.cbsem.core` (the fitted state, :class:`~acsi.cbsem.core.EstimationCore`) ->
:mod:`acsi.cbsem.standardized`, :mod:`acsi.cbsem.fit_measures`, :mod:`acsi.cbsem.robust`
(MLR) -> :mod:`acsi.cbsem.results` (:class:`~acsi.cbsem.results.SEMResult`).
The user-facing functions are :func:`acsi.sem` and :func:`acsi.cfa`
(:mod:`acsi.cbsem.api`).
"""
