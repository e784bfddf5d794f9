"""Survey analysis for rating questions (1-10 or any scale).

=============================  =========================================================
function                       what
=============================  =========================================================
``describe_items``             item statistics: n, mean, sd, CI, median, top/bottom box
``frequencies``                counts, shares and Wilson (or other) CIs of one question
``likert_bins``                1-2 / 3-4 / 5-6 / 7-8 / 9-10 bins (configurable)
``likert_table``               items x bins counts or shares
``top_box`` / ``bottom_box``   share of the top / bottom k scale points with CI
``multi_select``               multiple-choice (0/1 columns) summary
``crosstab``                   cross-tab, chi-square or Fisher test, Cramer's V
``conversion``                 satisfied-but-not-loyal share, odds ratio, risk ratio
``nps`` / ``nps_test``         Net Promoter Score with CI; two-group test
``stated_importance``          weighted importance ranking (5..1 weights)
``derived_importance``         correlation, standardized regression, relative weights,
                               general dominance
``response_styles``            midpoint, extreme, acquiescent answering, straight-lining
``by_segment``                 satisfaction by segment with CIs
``value_weighted_index``       value-weighted satisfaction; "overall up, high-value down"
=============================  =========================================================
"""

from __future__ import annotations

from acsi.survey._common import Proportion, proportion_ci
from acsi.survey.descriptives import (
    CrosstabResult,
    bottom_box,
    crosstab,
    describe_items,
    frequencies,
    likert_bins,
    likert_table,
    multi_select,
    top_box,
)
from acsi.survey.importance import (
    DerivedImportance,
    derived_importance,
    general_dominance,
    relative_weights,
    stated_importance,
)
from acsi.survey.loyalty import ConversionResult, conversion
from acsi.survey.promoters import NPSResult, NPSTestResult, nps, nps_test
from acsi.survey.response_style import ResponseStyles, longest_string, response_styles
from acsi.survey.segments import ValueWeightedIndex, by_segment, value_weighted_index

__all__ = [
    "describe_items",
    "frequencies",
    "likert_bins",
    "likert_table",
    "top_box",
    "bottom_box",
    "multi_select",
    "crosstab",
    "conversion",
    "nps",
    "nps_test",
    "stated_importance",
    "derived_importance",
    "relative_weights",
    "general_dominance",
    "response_styles",
    "longest_string",
    "by_segment",
    "value_weighted_index",
    "proportion_ci",
    "Proportion",
    "CrosstabResult",
    "ConversionResult",
    "NPSResult",
    "NPSTestResult",
    "DerivedImportance",
    "ResponseStyles",
    "ValueWeightedIndex",
]
