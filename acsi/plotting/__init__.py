"""Plots (matplotlib). Every function returns the matplotlib Figure (or Axes when one is given).

=========================  ===========================================  ==================
function                   what                                         module
=========================  ===========================================  ==================
``likert_bars``            diverging stacked bars of rating items       ``survey``
``frequency_bars``         frequency bars of one question               ``survey``
``correlation_heatmap``    item correlation heatmap                     ``survey``
``scree_plot``             eigenvalues (scree) with Kaiser line         ``factor``
``path_diagram``           structural model with coefficients, stars    ``paths``
``loadings_chart``         outer/factor loadings per construct           ``measurement``
``reliability_chart``      alpha, rho_A, rho_C, AVE against thresholds  ``measurement``
``ipma_plot``              importance-performance map                   ``ipma``
``plot_simple_slopes``     simple slopes of a moderated PLS model       ``moderation``
``invariance_plot``        CFI/RMSEA of a measurement-invariance run    ``invariance``
=========================  ===========================================  ==================

matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "likert_bars": "survey",
    "frequency_bars": "survey",
    "correlation_heatmap": "survey",
    "scree_plot": "factor",
    "path_diagram": "paths",
    "loadings_chart": "measurement",
    "reliability_chart": "measurement",
    "ipma_plot": "ipma",
    "plot_simple_slopes": "moderation",
    "invariance_plot": "invariance",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'acsi.plotting' has no attribute {name!r}")
    module = importlib.import_module(f"acsi.plotting.{_WHERE[name]}")
    return getattr(module, name)


def __dir__() -> list[str]:
    return __all__
