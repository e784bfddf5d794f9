"""acsi: customer satisfaction and loyalty research in Python.

Structural equation models of the ACSI causal chain (quality -> satisfaction -> loyalty),
estimated covariance-based (lavaan-exact ML and MLR) or with PLS path modelling (seminr-exact,
the ACSI's own method); reliability and validity; survey analysis (NPS, Likert, conversion).

Examples
--------
>>> import acsi
>>> data = acsi.datasets.load_holzinger_swineford()
>>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", data)
>>> round(res.fit_measures.df)
8
"""

from __future__ import annotations

import importlib
from typing import Any

from acsi.exceptions import (
    AcsiError,
    AcsiWarning,
    ConvergenceWarning,
    DataError,
    DegenerateStatisticWarning,
    IdentificationError,
    InadmissibleSolutionWarning,
    MissingDataWarning,
    ModelSyntaxError,
    SpecificationError,
)

__version__ = "0.1.0"

# Public names resolved lazily so that `import acsi` stays fast and optional parts load on use.
_LAZY: dict[str, tuple[str, str | None]] = {
    "sem": ("acsi.cbsem.api", "sem"),
    "cfa": ("acsi.cbsem.api", "cfa"),
    "pls": ("acsi.plspm.api", "pls"),
    "parse_model": ("acsi.spec.syntax", "parse_model"),
    "chisq_diff": ("acsi.cbsem.compare", "chisq_diff"),
    "compare": ("acsi.cbsem.compare", "compare"),
    "datasets": ("acsi.datasets", None),
    "models": ("acsi.spec.models", None),
    "reliability": ("acsi.reliability", None),
    "survey": ("acsi.survey", None),
    "plotting": ("acsi.plotting", None),
    "index": ("acsi.plspm.index", None),
    "report": ("acsi.report", None),
    "fit_many": ("acsi.many", "fit_many"),
    "aggregate": ("acsi.national", "aggregate"),
    "power": ("acsi.simulation", "power"),
    "invariance": ("acsi.cbsem.invariance", "invariance"),
    "moments": ("acsi.streaming", "moments"),
    "Moments": ("acsi.streaming", "Moments"),
}

__all__ = [
    "AcsiError",
    "AcsiWarning",
    "ConvergenceWarning",
    "DataError",
    "IdentificationError",
    "InadmissibleSolutionWarning",
    "MissingDataWarning",
    "DegenerateStatisticWarning",
    "ModelSyntaxError",
    "SpecificationError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'acsi' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
