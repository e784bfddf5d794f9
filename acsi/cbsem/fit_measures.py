"""Fit measures of a covariance-based SEM, as lavaan's ``fitMeasures()`` reports them."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

__all__ = ["FitMeasures", "compute_fit_measures"]

_NAN = math.nan


@dataclass(frozen=True)
class FitMeasures:
    """Fit measures of a fitted model (NaN where a measure does not apply)."""

    chisq: float = _NAN
    df: float = _NAN
    pvalue: float = _NAN
    baseline_chisq: float = _NAN
    baseline_df: float = _NAN
    baseline_pvalue: float = _NAN
    cfi: float = _NAN
    tli: float = _NAN
    nfi: float = _NAN
    rmsea: float = _NAN
    rmsea_ci_lower: float = _NAN
    rmsea_ci_upper: float = _NAN
    rmsea_pvalue: float = _NAN
    srmr: float = _NAN
    logl: float = _NAN
    unrestricted_logl: float = _NAN
    aic: float = _NAN
    bic: float = _NAN
    gfi: float = _NAN
    agfi: float = _NAN
    npar: float = _NAN
    nobs: float = _NAN
    chisq_scaled: float = _NAN
    scaling_factor: float = _NAN
    pvalue_scaled: float = _NAN
    baseline_chisq_scaled: float = _NAN
    baseline_scaling_factor: float = _NAN
    cfi_robust: float = _NAN
    tli_robust: float = _NAN
    rmsea_robust: float = _NAN

    def to_series(self) -> pd.Series:
        """All measures as a float Series indexed by name."""
        return pd.Series({f.name: float(getattr(self, f.name)) for f in fields(self)}, dtype=float)

    def _repr_html_(self) -> str:
        return self.to_series().to_frame("value").to_html()


def compute_fit_measures(core: Any, robust: Any = None) -> FitMeasures:
    """Fit measures of a fitted model (skeleton; implementation follows)."""
    raise NotImplementedError
