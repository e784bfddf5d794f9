"""Reliability and validity: alpha, omega, composite reliability, AVE, HTMT, Fornell-Larcker,
KMO, Bartlett's sphericity test and exploratory factor analysis.

Every function validates its input (acsi.data), returns a typed, read-only result that prints
itself in a terminal and a notebook, and is tested against R psych / semTools.
"""

from __future__ import annotations

from acsi.reliability._alpha import AlphaResult, cronbach_alpha
from acsi.reliability._efa import BartlettResult, EFAResult, KMOResult, bartlett_sphericity, efa, kmo

__all__ = [
    "AlphaResult",
    "BartlettResult",
    "EFAResult",
    "KMOResult",
    "bartlett_sphericity",
    "cronbach_alpha",
    "efa",
    "kmo",
]
