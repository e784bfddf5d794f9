"""Generic inference tools, independent of the model family.

=================================  ==========================================================
module                             content
=================================  ==========================================================
``acsi.inference.resampling``      seed blocks, chunks, executors, BLAS pinning, progress
``acsi.inference.intervals``       percentile, basic, normal, BCa and studentized intervals
``acsi.inference.delta``           the delta method (complex-step Jacobians)
=================================  ==========================================================

Family-specific drivers live with their family: the PLS bootstrap in
:mod:`acsi.plspm.bootstrap`, the CB-SEM chi-square difference test in
:mod:`acsi.cbsem.compare`.
"""
