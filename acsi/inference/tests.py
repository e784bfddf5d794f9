"""Likelihood-ratio (chi-square difference) tests of nested models, as lavaan's lavTestLRT."""

from __future__ import annotations

from typing import Any

__all__ = ["chisq_diff"]


def chisq_diff(restricted: Any, unrestricted: Any, method: str = "default") -> Any:
    """Chi-square difference test of two nested fitted models (skeleton)."""
    raise NotImplementedError
