"""Reliability and validity: alpha, omega, composite reliability, AVE, HTMT, Fornell-Larcker,
KMO, Bartlett's sphericity test and exploratory factor analysis.

Every function validates its input (acsi.data), returns a typed, read-only result that prints
itself in a terminal and a notebook, and is tested against R psych / semTools / seminr.

=========================  ==================================================  ================
function                   what                                                equal to
=========================  ==================================================  ================
``cronbach_alpha``         alpha, item statistics, Feldt / bootstrap CI        psych::alpha
``omega``                  McDonald's omega from a one-factor ML model         semTools::compRelSEM
``composite_reliability``  CR per factor of a CB-SEM or PLS result             compRelSEM / seminr
``ave``                    average variance extracted                          semTools::AVE / seminr
``htmt``                   heterotrait-monotrait ratio                          seminr
``fornell_larcker``        sqrt(AVE) vs construct correlations                 seminr
``kmo``                    Kaiser-Meyer-Olkin MSA                              psych::KMO
``bartlett_sphericity``    Bartlett's test of sphericity                       psych::cortest.bartlett
``efa``                    exploratory factor analysis (ML, PA; rotations)     psych::fa
=========================  ==================================================  ================
"""

from __future__ import annotations

from acsi.reliability._alpha import AlphaResult, cronbach_alpha
from acsi.reliability._composite import ave, composite_reliability, fornell_larcker, htmt
from acsi.reliability._efa import BartlettResult, EFAResult, KMOResult, bartlett_sphericity, efa, kmo
from acsi.reliability._omega import OmegaResult, omega

__all__ = [
    "AlphaResult",
    "BartlettResult",
    "EFAResult",
    "KMOResult",
    "OmegaResult",
    "ave",
    "bartlett_sphericity",
    "composite_reliability",
    "cronbach_alpha",
    "efa",
    "fornell_larcker",
    "htmt",
    "kmo",
    "omega",
]
