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

matplotlib is imported only when a plot is drawn. The functions draw with a font chain that
includes the CJK fonts installed on the machine (:mod:`acsi.plotting._fonts`), so Chinese item
and construct names show as text, not as boxes.
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
    import functools

    from acsi.plotting._fonts import font_context

    module = importlib.import_module(f"acsi.plotting.{_WHERE[name]}")
    func = getattr(module, name)

    @functools.wraps(func)
    def drawn_with_cjk_fonts(*args: Any, **kwargs: Any) -> Any:
        with font_context():
            return func(*args, **kwargs)

    globals()[name] = drawn_with_cjk_fonts  # resolved once
    return drawn_with_cjk_fonts


def __dir__() -> list[str]:
    return __all__
