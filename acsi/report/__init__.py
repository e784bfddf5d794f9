"""The HTML report: one self-contained file (figures embedded, no external resources).

:func:`build_report` is the generic report of any data set and model (sections in
:mod:`acsi.report.sections`, the estimator-specific parts in :mod:`acsi.report.families`);
:func:`demo_report` is the shipped e-banking demo with its story (:mod:`acsi.report.demo`): the
ACSI chain SERVQUAL dimensions -> Satisfaction (a higher-order construct) -> Loyalty.

Examples
--------
>>> from acsi.report import DEMO_MODEL, model_blocks
>>> blocks, paths = model_blocks(DEMO_MODEL)
>>> blocks["Loyalty"], paths[0]
(['Q16', 'Q17'], ('Satisfaction', 'Loyalty'))
>>> blocks["Satisfaction"]
['Tangibles', 'Assurance', 'Responsiveness', 'Empathy']
"""

from __future__ import annotations

from acsi.report.build import Report, ReportOptions, build_report, model_blocks
from acsi.report.demo import DEMO_MODEL, demo_report
from acsi.report.docx import to_docx
from acsi.stats.power import inverse_sqrt_min_n, n_for_power, path_power

__all__ = ["DEMO_MODEL", "Report", "ReportOptions", "build_report", "demo_report", "model_blocks",
           "path_power", "n_for_power", "inverse_sqrt_min_n", "to_docx"]
