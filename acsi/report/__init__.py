"""The HTML report: one self-contained file (figures embedded, no external resources).

Examples
--------
>>> from acsi.report import DEMO_MODEL, model_blocks
>>> blocks, paths = model_blocks(DEMO_MODEL)
>>> blocks["Loyalty"], paths[0]
(['Q16', 'Q17'], ('Tangibles', 'Loyalty'))
"""

from __future__ import annotations

from acsi.report.build import DEMO_MODEL, Report, ReportOptions, build_report, demo_report, model_blocks
from acsi.report.power import inverse_sqrt_min_n, n_for_power, path_power

__all__ = ["DEMO_MODEL", "Report", "ReportOptions", "build_report", "demo_report", "model_blocks",
           "path_power", "n_for_power", "inverse_sqrt_min_n"]
