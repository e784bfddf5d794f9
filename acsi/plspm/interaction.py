"""Moderation analysis of a PLS model with interaction terms: simple slopes.

With a target ``Y`` regressed on ``X``, the moderator ``M`` and the interaction ``X*M``
(``Y ~ X + M + X:M`` in :func:`acsi.pls`), the effect of ``X`` on ``Y`` at a moderator
value ``m`` (in standard deviations of ``M``) is the simple slope

.. math:: \\frac{\\partial Y}{\\partial X}\\Big|_{M = m} = \\beta_{X} + \\beta_{X \\times M}\\, m,

read at ``m = -1, 0, +1`` (Aiken & West 1991), with the path coefficients of seminr's
``path_coef`` (as seminr's ``slope_analysis`` draws them). With a bootstrap of the model
(``res.bootstrap(...)``), every resample's slope ``beta_X^b + beta_XM^b m`` gives the
standard error (SD of the replicates, divisor B-1) and the percentile interval, as for a
path coefficient.

References
----------
Aiken, L. S., & West, S. G. (1991). *Multiple Regression: Testing and Interpreting
Interactions*. Sage. Henseler, J., & Chin, W. W. (2010). *Structural Equation Modeling*,
17(1), 82-109.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from acsi._validation import check_level
from acsi.exceptions import SpecificationError
from acsi.inference.intervals import mean_sd, percentile_ci

__all__ = ["simple_slopes"]


def _slope_parts(res: Any, iv: str, moderator: str, target: str) -> tuple[float, float, str]:
    terms = res.interactions
    row = terms[(terms.iv == iv) & (terms.moderator == moderator)]
    if row.empty:
        row = terms[(terms.iv == moderator) & (terms.moderator == iv)]
    if row.empty:
        have = ", ".join(terms.construct) or "none"
        raise SpecificationError(
            f"the model has no interaction of {iv!r} and {moderator!r} (interaction terms: {have}); "
            f"write '{target} ~ {iv} + {moderator} + {iv}:{moderator}'"
        )
    name = str(row.construct.iloc[0])
    P = res.paths
    if target not in P.columns:
        raise SpecificationError(f"{target!r} is not a construct of the model")
    if not res.spec.inner[res.spec.constructs.index(name), res.spec.constructs.index(target)]:
        raise SpecificationError(f"the interaction {name!r} has no path to {target!r}")
    if not res.spec.inner[res.spec.constructs.index(iv), res.spec.constructs.index(target)]:
        raise SpecificationError(
            f"{iv!r} has no direct path to {target!r}; a simple slope needs the main effect "
            f"('{target} ~ {iv}')"
        )
    return float(P.loc[iv, target]), float(P.loc[name, target]), name


def simple_slopes(
    res: Any,
    iv: str,
    moderator: str,
    target: str,
    boot: Any = None,
    at: Sequence[float] = (-1.0, 0.0, 1.0),
    level: float = 0.95,
) -> pd.DataFrame:
    """Effect of ``iv`` on ``target`` at moderator values ``at`` (in SDs of the moderator).

    Parameters
    ----------
    res : ExtendedPLSResult
        A model with the interaction ``iv:moderator`` (``acsi.pls``).
    iv, moderator, target : str
    boot : BootstrapResult, optional
        ``res.bootstrap(...)``: adds ``boot_se``, ``t``, ``pvalue`` (seminr's rule) and the
        percentile interval of each slope.
    at : sequence of float, default (-1, 0, 1)
    level : float, default 0.95

    Returns
    -------
    DataFrame
        One row per moderator value: ``moderator_sd``, ``slope`` and, with ``boot``,
        ``boot_se``, ``t``, ``pvalue``, ``ci_lower``, ``ci_upper``.

    Examples
    --------
    >>> import acsi
    >>> res = acsi.pls('''
    ...     Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ...     Expectation =~ CUEX1 + CUEX2 + CUEX3
    ...     Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ...     Satisfaction ~ Image + Expectation + Image:Expectation
    ... ''', acsi.datasets.load_mobi())
    >>> simple_slopes(res, "Image", "Expectation", "Satisfaction").round(3).slope.tolist()
    [0.74, 0.605, 0.469]
    """
    level = check_level(level)
    b_x, b_xm, name = _slope_parts(res, iv, moderator, target)
    m = np.asarray(at, dtype=np.float64).ravel()
    if m.size == 0 or not np.isfinite(m).all():
        raise SpecificationError(f"at must be finite moderator values in SDs, not {at!r}")
    out = pd.DataFrame({"moderator_sd": m, "slope": b_x + b_xm * m})
    out.insert(0, "target", target)
    out.insert(0, "iv", iv)
    out.insert(0, "moderator", moderator)
    if boot is None:
        return out
    d = boot.draws
    try:
        bx = d[("paths", iv, target)].to_numpy()
        bxm = d[("paths", name, target)].to_numpy()
    except KeyError:
        raise SpecificationError(
            "boot is not a bootstrap of this model (its draws lack the paths "
            f"{iv} -> {target} and {name} -> {target}); pass res.bootstrap(...)"
        ) from None
    draws = bx[:, None] + bxm[:, None] * m[None, :]
    _, se, nb = mean_sd(draws, axis=0)
    est = out["slope"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        t = est / se
    p0 = np.sum(draws <= 0, axis=0) / nb
    lo, hi = percentile_ci(draws, level)
    out["boot_se"] = se
    out["t"] = t
    out["pvalue"] = 2.0 * np.minimum(p0, 1.0 - p0)
    out["ci_lower"] = lo
    out["ci_upper"] = hi
    return out
