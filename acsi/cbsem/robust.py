"""Robust (MLR) inference: Huber-White sandwich and the Yuan-Bentler (Mplus) scaled test."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["RobustTest", "huber_white_vcov", "yuan_bentler_mplus"]


@dataclass(frozen=True)
class RobustTest:
    """The Yuan-Bentler (Mplus variant) scaled chi-square test."""

    chisq_scaled: float = math.nan
    scaling_factor: float = math.nan
    df: float = math.nan
    pvalue_scaled: float = math.nan
    baseline_chisq_scaled: float = math.nan
    baseline_scaling_factor: float = math.nan


def huber_white_vcov(core: Any) -> np.ndarray:
    """Sandwich covariance of the free parameters (skeleton)."""
    raise NotImplementedError


def yuan_bentler_mplus(core: Any) -> RobustTest:
    """Yuan-Bentler scaled test (skeleton)."""
    raise NotImplementedError
