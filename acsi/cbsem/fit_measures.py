"""Fit measures of a covariance-based SEM, with the values of lavaan's ``fitMeasures()``.

:func:`compute_fit_measures` turns a fitted model (an ``EstimationCore``) and, for MLR, its
Yuan-Bentler scaled test (:func:`acsi.cbsem.robust.yuan_bentler_mplus`) into a frozen
:class:`FitMeasures`.  The formulas are lavaan 0.6-14's (``likelihood = "normal"``, so ``N``
and not ``N - 1`` everywhere):

* ``chisq = 2 N F_ML``; baseline: the independence model (free variances, and free means with
  a mean structure; the block of fixed.x covariates is kept at its sample values).
* ``cfi = 1 - max(T - df, 0) / max(T - df, T_0 - df_0, 0)``,
  ``tli = 1 - ((T - df) df_0) / ((T_0 - df_0) df)``, ``nfi = (T_0 - T) / T_0``.
* ``rmsea = sqrt(max(T / (N df) - 1 / N, 0))``; its 90% interval inverts the noncentral
  chi-square distribution in its noncentrality (Brent's root finder with R's ``uniroot``
  tolerance, as lavaan does); ``rmsea_pvalue`` is ``P(chi2(df, ncp = N df 0.05^2) > T)``.
* ``srmr``: Bentler's standardized root mean square residual on ``[mean, vech(S)]``
  residuals scaled by the sample standard deviations (the means are included when the model
  has a mean structure, as lavaan's ``srmr``).
* ``logl``: normal log-likelihood of the model (fixed.x: minus the log-likelihood of the
  covariates' marginal), ``aic = -2 logl + 2 npar``, ``bic = -2 logl + npar log N``.
* ``gfi = 1 - e' W e / s' W s`` with ``e = s - sigma`` (moments) and ``W`` the normal-theory
  weight at the implied covariance; ``agfi = 1 - (nel / df)(1 - gfi)``.
* MLR: ``chisq_scaled = T / c``; ``cfi_robust``, ``tli_robust`` and ``rmsea_robust`` after
  Brosseau-Liard & Savalei (2014) and Brosseau-Liard, Savalei & Li (2012), i.e. with
  ``c df`` in place of ``df``; the "scaled" versions plug the scaled statistics into the
  ordinary formulas (``rmsea_scaled`` uses ``trace(U Gamma)`` as its df).

References
----------
Bentler, P. M. (1990). Comparative fit indexes in structural models. *Psychological
Bulletin*, 107, 238-246.

Browne, M. W., & Cudeck, R. (1993). Alternative ways of assessing model fit. In Bollen &
Long (Eds.), *Testing Structural Equation Models* (pp. 136-162).

Brosseau-Liard, P. E., Savalei, V., & Li, L. (2012). An investigation of the sample
performance of two nonnormality corrections for RMSEA. *Multivariate Behavioral Research*,
47, 904-930.

Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for
nonnormality. *Multivariate Behavioral Research*, 49, 460-470.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from acsi._linalg import vech, vech_indices
from acsi.cbsem.fiml_kernel import (
    FIMLBaseline,
    FIMLState,
    _x_keep,
    fiml_baseline,
    fixed_x_loglik,
    moment_hessian,
    pairwise_cov,
)
from acsi.cbsem.missing import available_moments, expected_quadratic, fiml_casewise
from acsi.cbsem.moments import CoreLike, baseline_moments, exo_indices, h1_quadratic, x_indices, x_mask
from acsi.cbsem.robust import RobustTest, yuan_bentler_mplus

__all__ = ["FitMeasures", "compute_fit_measures", "LAVAAN_NAMES"]

Array = np.ndarray
_NAN = math.nan
_R_EPS = float(np.finfo(float).eps)
_UNIROOT_TOL = _R_EPS**0.25  # R's uniroot() default tolerance


@dataclass(frozen=True)
class FitMeasures:
    """Fit measures of a fitted model, named as lavaan names them (dots become underscores).

    Every field is a float; NaN where a measure does not apply (e.g. the scaled and robust
    measures of an ML fit, p-values of a model with ``df = 0``).  :meth:`to_series` gives a
    Series; ``to_series(lavaan_names=True)`` uses lavaan's own names (``rmsea.ci.lower``,
    ``chisq.scaling.factor``, ...).

    Examples
    --------
    >>> from acsi.cbsem.fit_measures import FitMeasures
    >>> fm = FitMeasures(chisq=85.3, df=24.0)
    >>> fm.to_series()["df"]
    np.float64(24.0)
    """

    npar: float = _NAN
    nobs: float = _NAN
    fmin: float = _NAN
    chisq: float = _NAN
    df: float = _NAN
    pvalue: float = _NAN
    chisq_scaled: float = _NAN
    df_scaled: float = _NAN
    pvalue_scaled: float = _NAN
    scaling_factor: float = _NAN
    baseline_chisq: float = _NAN
    baseline_df: float = _NAN
    baseline_pvalue: float = _NAN
    baseline_chisq_scaled: float = _NAN
    baseline_df_scaled: float = _NAN
    baseline_pvalue_scaled: float = _NAN
    baseline_scaling_factor: float = _NAN
    cfi: float = _NAN
    tli: float = _NAN
    cfi_scaled: float = _NAN
    tli_scaled: float = _NAN
    cfi_robust: float = _NAN
    tli_robust: float = _NAN
    nnfi: float = _NAN
    rfi: float = _NAN
    nfi: float = _NAN
    pnfi: float = _NAN
    ifi: float = _NAN
    rni: float = _NAN
    nnfi_scaled: float = _NAN
    rfi_scaled: float = _NAN
    nfi_scaled: float = _NAN
    pnfi_scaled: float = _NAN
    ifi_scaled: float = _NAN
    rni_scaled: float = _NAN
    nnfi_robust: float = _NAN
    rni_robust: float = _NAN
    logl: float = _NAN
    unrestricted_logl: float = _NAN
    aic: float = _NAN
    bic: float = _NAN
    bic2: float = _NAN
    scaling_factor_h1: float = _NAN
    scaling_factor_h0: float = _NAN
    rmsea: float = _NAN
    rmsea_ci_lower: float = _NAN
    rmsea_ci_upper: float = _NAN
    rmsea_ci_level: float = _NAN
    rmsea_pvalue: float = _NAN
    rmsea_close_h0: float = _NAN
    rmsea_notclose_pvalue: float = _NAN
    rmsea_notclose_h0: float = _NAN
    rmsea_scaled: float = _NAN
    rmsea_ci_lower_scaled: float = _NAN
    rmsea_ci_upper_scaled: float = _NAN
    rmsea_pvalue_scaled: float = _NAN
    rmsea_notclose_pvalue_scaled: float = _NAN
    rmsea_robust: float = _NAN
    rmsea_ci_lower_robust: float = _NAN
    rmsea_ci_upper_robust: float = _NAN
    rmsea_pvalue_robust: float = _NAN
    rmsea_notclose_pvalue_robust: float = _NAN
    rmr: float = _NAN
    rmr_nomean: float = _NAN
    srmr: float = _NAN
    srmr_bentler: float = _NAN
    srmr_bentler_nomean: float = _NAN
    crmr: float = _NAN
    crmr_nomean: float = _NAN
    srmr_mplus: float = _NAN
    srmr_mplus_nomean: float = _NAN
    cn_05: float = _NAN
    cn_01: float = _NAN
    gfi: float = _NAN
    agfi: float = _NAN
    pgfi: float = _NAN
    mfi: float = _NAN
    ecvi: float = _NAN
    wrmr: float = _NAN

    @classmethod
    def from_values(cls, values: dict[str, float]) -> FitMeasures:
        """The measures in ``values`` (field names), NaN for every other field.

        Equal to ``FitMeasures(**values)`` with every value converted to ``float``, built
        without the frozen dataclass' ``__init__`` (one ``object.__setattr__`` per field:
        the largest fixed cost of a small model's fit measures).

        Examples
        --------
        >>> fm = FitMeasures.from_values({"chisq": 85.3, "df": 24})
        >>> fm == FitMeasures(chisq=85.3, df=24.0), fm.cfi != fm.cfi  # unset fields are NaN
        (True, True)
        """
        unknown = values.keys() - _DEFAULTS.keys()
        if unknown:
            raise TypeError(f"FitMeasures has no field(s) {sorted(unknown)}")
        obj = object.__new__(cls)
        d = obj.__dict__
        d.update(_DEFAULTS)
        for k, val in values.items():
            d[k] = float(val)
        return obj

    def to_series(self, lavaan_names: bool = False) -> pd.Series:
        """All measures as a float Series (index: field names, or lavaan's names)."""
        values = np.fromiter(map(self.__dict__.__getitem__, _FIELD_NAMES), dtype=float, count=len(_FIELD_NAMES))
        # the index is built once per naming (pandas' dict path costs more than the
        # measures themselves for a small model); each Series gets its own view of it,
        # so renaming one Series' index leaves the cached one as it is
        index = _series_index(lavaan_names).view()
        return pd.Series(values, index=index, dtype=float, name="value")

    def _table(self) -> pd.DataFrame:
        keys = [
            ("Model test", ["chisq", "df", "pvalue", "chisq_scaled", "scaling_factor",
                            "pvalue_scaled"]),
            ("Baseline model", ["baseline_chisq", "baseline_df", "baseline_pvalue",
                                "baseline_chisq_scaled", "baseline_scaling_factor"]),
            ("Incremental fit", ["cfi", "tli", "nfi", "cfi_robust", "tli_robust"]),
            ("RMSEA", ["rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "rmsea_pvalue",
                       "rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust"]),
            ("Residuals and other", ["srmr", "gfi", "agfi"]),
            ("Information criteria", ["logl", "unrestricted_logl", "npar", "aic", "bic",
                                      "bic2"]),
        ]
        rows = []
        for section, names in keys:
            for k in names:
                v = float(getattr(self, k))
                if not math.isnan(v):
                    rows.append((section, k, v))
        df = pd.DataFrame(rows, columns=["section", "measure", "value"])
        return df.set_index(["section", "measure"])

    def __str__(self) -> str:
        from acsi.results.base import Summary

        return Summary("Fit measures", tables=[("", self._table())]).as_text()

    def _repr_html_(self) -> str:
        from acsi.results.base import Summary

        return Summary("Fit measures", tables=[("", self._table())]).as_html()


#: the fields in declaration order (the order of :meth:`FitMeasures.to_series`)
_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(FitMeasures))
_DEFAULTS: dict[str, float] = {f.name: f.default for f in fields(FitMeasures)}  # type: ignore[misc]
_SERIES_INDEX: dict[bool, pd.Index] = {}


def _series_index(lavaan_names: bool) -> pd.Index:
    """The index of :meth:`FitMeasures.to_series` (field names or lavaan's), built once."""
    idx = _SERIES_INDEX.get(lavaan_names)
    if idx is None:
        names = [LAVAAN_NAMES[k] for k in _FIELD_NAMES] if lavaan_names else list(_FIELD_NAMES)
        idx = _SERIES_INDEX[lavaan_names] = pd.Index(names)
    return idx


#: field name -> lavaan's fitMeasures() name
LAVAAN_NAMES: dict[str, str] = {
    f.name: f.name.replace("_", ".") for f in fields(FitMeasures)
}
LAVAAN_NAMES.update(
    {
        "scaling_factor": "chisq.scaling.factor",
        "baseline_scaling_factor": "baseline.chisq.scaling.factor",
        "nobs": "ntotal",
        # lavaan keeps underscores in these
        "rmr_nomean": "rmr_nomean",
        "srmr_bentler": "srmr_bentler",
        "srmr_bentler_nomean": "srmr_bentler_nomean",
        "crmr_nomean": "crmr_nomean",
        "srmr_mplus": "srmr_mplus",
        "srmr_mplus_nomean": "srmr_mplus_nomean",
        "cn_05": "cn_05",
        "cn_01": "cn_01",
    }
)


# --------------------------------------------------------------------------------------------
# small formulas (lavaan's conventions, including its edge cases)
# --------------------------------------------------------------------------------------------


def _r_divide(a: float, b: float) -> float:
    """``a / b`` with R's semantics (``x / 0`` is ``Inf`` or ``NaN``, never an exception)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / np.float64(b))


def _near_zero(x: float) -> bool:
    """R's ``isTRUE(all.equal(x, 0))`` (tolerance 1.5e-8)."""
    return abs(x) <= 1.5e-8


def _cfi(x2: float, df: float, x2n: float, dfn: float, c: float = 1.0, cn: float = 1.0) -> float:
    if any(map(math.isnan, (x2, df, x2n, dfn, c, cn))):
        return _NAN
    if not (df > 0 and c != 1.0 and cn != 1.0):
        c = cn = 1.0
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x2n - cn * dfn, 0.0)
    if _near_zero(t1) and _near_zero(t2):
        return 1.0
    return 1.0 - t1 / t2


def _rni(x2: float, df: float, x2n: float, dfn: float, c: float = 1.0, cn: float = 1.0) -> float:
    if any(map(math.isnan, (x2, df, x2n, dfn, c, cn))):
        return _NAN
    if not (df > 0 and c != 1.0 and cn != 1.0):
        c = cn = 1.0
    t1 = x2 - c * df
    t2 = x2n - cn * dfn
    if _near_zero(t2) or not (math.isfinite(t1) and math.isfinite(t2)):
        return _NAN
    return 1.0 - t1 / t2


def _tli(x2: float, df: float, x2n: float, dfn: float, c: float = 1.0, cn: float = 1.0) -> float:
    if any(map(math.isnan, (x2, df, x2n, dfn, c, cn))):
        return _NAN
    if not (df > 0 and c != 1.0 and cn != 1.0):
        c = cn = 1.0
    t1 = (x2 - c * df) * dfn
    t2 = (x2n - cn * dfn) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return _NAN
    return 1.0


def _rfi(x2: float, df: float, x2n: float, dfn: float) -> float:
    if any(map(math.isnan, (x2, df, x2n, dfn))):
        return _NAN
    if df > dfn:
        return _NAN
    if df > 0 and dfn > 0:
        t1 = x2n / dfn - x2 / df
        t2 = x2n / dfn
        if not (math.isfinite(t1) and math.isfinite(t2)):
            return _NAN
        if t1 < 0 or t2 < 0:
            return 1.0
        return t1 / t2
    return 1.0


def _nfi(x2: float, df: float, x2n: float, dfn: float) -> float:
    if any(map(math.isnan, (x2, df, x2n, dfn))):
        return _NAN
    if df > dfn or _near_zero(x2n):
        return _NAN
    if df > 0:
        return (x2n - x2) / x2n
    return 1.0


def _pnfi(x2: float, df: float, x2n: float, dfn: float) -> float:
    if any(map(math.isnan, (x2, df, x2n, dfn))):
        return _NAN
    if dfn > 0 and x2n > 0:
        return (df / dfn) * ((x2n - x2) / x2n)
    return _NAN


def _ifi(x2: float, df: float, x2n: float, dfn: float) -> float:
    if any(map(math.isnan, (x2, df, x2n, dfn))):
        return _NAN
    t1 = x2n - x2
    t2 = x2n - df
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return _NAN
    if t2 < 0:
        return 1.0
    if _near_zero(t2):
        return _NAN
    return t1 / t2


def _rmsea(x2: float, df: float, n: float, c: float = 1.0) -> float:
    if math.isnan(x2) or math.isnan(df):
        return _NAN
    if df > 0:
        return math.sqrt(max(x2 / n / df - c / n, 0.0))
    return 0.0


def _pchisq_nc(x: float, df: float, ncp: float) -> float:
    """``pchisq(x, df, ncp)`` (R computes the noncentral distribution even for ``ncp = 0``)."""
    if ncp <= 0.0:
        return float(special.chdtr(df, x))
    return float(special.chndtr(x, df, ncp))


def _zeroin(
    f: Callable[[float], float], lower: float, upper: float, f_lower: float, f_upper: float,
    tol: float = _UNIROOT_TOL, maxiter: int = 1000,
) -> float:
    """Brent's (1973) root finder in the form R's ``uniroot`` uses (same steps and stopping).

    Reproducing R's iterates (and not only the root) matters: lavaan's RMSEA interval is
    R's root at R's default tolerance ``eps^0.25``, not the exact root.
    """
    a, b = lower, upper
    fa, fb = f_lower, f_upper
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _R_EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def _uniroot(
    f: Callable[[float], float], lower: float, upper: float,
    fl: float | None = None, fu: float | None = None,
) -> float:
    """R's ``uniroot(f, c(lower, upper))$root``; NaN where R would fail (no sign change).

    ``fl``, ``fu``: ``f(lower)``, ``f(upper)`` when the caller has them already.
    """
    if fl is None:
        fl = f(lower)
    if fu is None:
        fu = f(upper)
    if math.isnan(fl) or math.isnan(fu) or fl * fu > 0:
        return _NAN
    return _zeroin(f, lower, upper, fl, fu)


def _rmsea_ci(
    x2: float, df: float, n: float, c: float = 1.0, level: float = 0.90
) -> tuple[float, float]:
    if not (math.isfinite(x2) and math.isfinite(df) and math.isfinite(n)):
        return _NAN, _NAN
    upper_p = 1.0 - (1.0 - level) / 2.0
    lower_p = (1.0 - level) / 2.0

    def f_low(lam: float) -> float:
        return _pchisq_nc(x2, df, lam) - upper_p

    def f_up(lam: float) -> float:
        return _pchisq_nc(x2, df, lam) - lower_p

    if df < 1:
        return 0.0, 0.0
    p0 = _pchisq_nc(x2, df, 0.0)  # shared by both bounds' checks and brackets
    if p0 - upper_p < 0.0:
        lo = 0.0
    else:
        lam = _uniroot(f_low, 0.0, x2, fl=p0 - upper_p)
        lo = math.sqrt(c * lam / (n * df)) if not math.isnan(lam) else _NAN
    n_rmsea = max(n, x2 * 4.0)
    f_up_hi = f_up(n_rmsea)
    if f_up_hi > 0 or p0 - lower_p < 0:
        hi = 0.0
    else:
        lam = _uniroot(f_up, 0.0, n_rmsea, fl=p0 - lower_p, fu=f_up_hi)
        hi = math.sqrt(c * lam / (n * df)) if not math.isnan(lam) else _NAN
    return lo, hi


def _rmsea_pvalue(
    x2: float, df: float, n: float, c: float = 1.0, h0: float = 0.05, close: bool = True
) -> float:
    if not (math.isfinite(x2) and math.isfinite(df) and math.isfinite(n)) or not df > 0:
        return _NAN
    ncp = n * df / c * h0**2
    p = _pchisq_nc(x2, df, ncp)
    return 1.0 - p if close else p


def _chisq_sf(x2: float, df: float) -> float:
    """``1 - pchisq(x2, df)`` as lavaan computes it (NaN for ``df = 0``).

    lavaan subtracts the distribution function from 1 rather than using the upper tail, so
    p-values below ~1e-12 carry its rounding; they are reproduced, not improved.
    """
    if not (math.isfinite(x2) and df > 0):
        return _NAN
    return 1.0 - float(special.chdtr(df, x2))


# --------------------------------------------------------------------------------------------
# residual-based measures
# --------------------------------------------------------------------------------------------


def _rescale(m: Array, scale: Array) -> Array:
    """lavaan's residual rescaling: entries with ``|m| < 1e-5`` keep their raw value."""
    sc = np.where(np.abs(m) < 1e-05, 1.0, scale)
    return m * sc


def _sigma_inv(core: CoreLike) -> Array:
    """``Sigma^-1`` at the solution: the one the estimation kept, else computed."""
    parts = getattr(core, "parts", None)
    si = parts.get("Sigma_inv") if isinstance(parts, dict) else None
    return np.linalg.inv(core.Sigma) if si is None else si


def _logdet_s(core: CoreLike) -> float:
    """``log|S|``: the estimation kernel's, else computed."""
    val = getattr(getattr(core, "kernel", None), "logdetS", None)
    return float(np.linalg.slogdet(core.S)[1]) if val is None else float(val)


@lru_cache(maxsize=64)
def _vech_plan(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat positions of the vech elements of a ``p x p`` matrix, the same of a ``(2, p, p)``
    stack (both matrices' vech in one gather) and the vech positions off the diagonal."""
    r, c = vech_indices(p)
    flat = r * p + c
    out = (flat, np.concatenate([flat, flat + p * p]), np.flatnonzero(r != c))
    for arr in out:
        arr.flags.writeable = False
    return out


def _residual_measures(core: CoreLike) -> dict[str, float]:
    """rmr, srmr (Bentler), crmr (Bollen) and Mplus' srmr, each with and without the means.

    rmr: raw residuals; srmr: observed and implied moments both scaled by the sample SDs;
    crmr: the implied covariances scaled by their own SDs, the diagonal left out; Mplus:
    correlation residuals, relative variance residuals and standardized means. Entries
    below 1e-5 keep their raw value (lavaan's rescaling, :func:`_rescale`).
    """
    s, sig = core.S, core.Sigma
    ms = bool(core.meanstructure)
    ybar = core.mean
    mu = core.mu if ms else core.mean
    p = s.shape[0]
    flat, flat2, off = _vech_plan(p)
    pstar = flat.size
    var = np.stack([np.diagonal(s), np.diagonal(sig)])  # (2, p): sample, implied variances
    regular = float(var.min()) >= _R_EPS and math.isfinite(float(var.sum()))
    if regular:
        sd = 1.0 / np.sqrt(var)  # rows: sd_obs, sd_est (as reciprocals)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = 1.0 / np.sqrt(np.where(np.isfinite(var) & (var >= _R_EPS), var, np.nan))
    sd_obs = sd[0]
    # every measure works on the vech elements only: both matrices' in one gather
    both = np.stack([s, sig]).reshape(-1)[flat2].reshape(2, pstar)  # s_v, sig_v
    scale = (sd[:, :, None] * sd[:, None, :]).reshape(-1)[flat2].reshape(2, pstar)  # obs, est
    # rows: S and Sigma scaled by the sample SDs, Sigma by its own (crmr and Mplus)
    scaled = np.empty((3, pstar))
    np.multiply(both, scale[0], out=scaled[:2])
    np.multiply(both[1], scale[1], out=scaled[2])
    small = np.abs(both) < 1e-05
    kept = scaled
    if small.any():  # lavaan's rescaling: entries below 1e-5 keep their raw value
        kept = np.where(small[[0, 1, 1]], both[[0, 1, 1]], scaled)
    # rows: rmr, srmr, crmr residuals of the covariances
    v = np.empty((3, pstar))
    np.subtract(both[0], both[1], out=v[0])
    np.subtract(kept[0], kept[1:], out=v[1:])
    ss_cov = np.einsum("ij,ij->i", v, v).tolist()
    n_cov = (pstar, pstar, pstar - p)
    out: dict[str, float] = {}
    if ms:
        res_mean = ybar - mu
        b_mean = _rescale(ybar, sd_obs) - _rescale(mu, sd_obs)
        ss_b = float(b_mean @ b_mean)
        ss_mean = (float(res_mean @ res_mean), ss_b, ss_b)
    for t, name in enumerate(("rmr", "srmr", "crmr")):
        n_t, ss_t = n_cov[t], ss_cov[t]
        # no element: undefined; NaN variances make the measures NaN (not an error)
        out[f"{name}_nomean"] = math.sqrt(ss_t / n_t) if n_t and ss_t >= 0 else math.nan
        if ms:
            tot = ss_t + ss_mean[t]
            out[name] = math.sqrt(tot / (n_t + p)) if tot >= 0 else math.nan
        else:
            out[name] = out[f"{name}_nomean"]
    # Mplus' SRMR: correlation residuals (off the diagonal, no rescaling), relative variance
    # residuals, standardized means
    diag_s, diag_sig = var
    rel_var = (diag_s - diag_sig) / diag_s
    if regular:  # the crmr residuals before lavaan's rescaling, off the diagonal
        rcor = (scaled[0] - scaled[2])[off]
    else:  # a variance not positive: from the raw square roots (NaN where negative)
        d_s, d_sig = np.sqrt(diag_s), np.sqrt(diag_sig)
        r, c = vech_indices(p)
        rr, cc = r[off], c[off]
        rcor = both[0][off] / (d_s[rr] * d_s[cc]) - both[1][off] / (d_sig[rr] * d_sig[cc])
    cor_part = float(rcor @ rcor)
    var_part = float(rel_var @ rel_var)
    mplus_nomean = math.sqrt((cor_part + var_part) / pstar) if cor_part + var_part >= 0 else math.nan
    if ms:
        zm = ybar / np.sqrt(diag_s) - mu / np.sqrt(diag_sig)
        tot = cor_part + float(zm @ zm) + var_part
        mplus = math.sqrt(tot / (pstar + p)) if tot >= 0 else math.nan
    else:
        mplus = mplus_nomean
    out["srmr_mplus"] = mplus
    out["srmr_mplus_nomean"] = mplus_nomean
    return out


def _gfi(core: CoreLike, x_idx: np.ndarray) -> tuple[float, int]:
    """GFI with lavaan's normal-theory weight at the implied covariance, and ``nel``.

    ``gfi = 1 - e' V e / s' V s`` with ``s = [mean, vech(S)]``, ``e = s - [mu, vech(Sigma)]``
    and ``V = diag(Sigma^-1, 1/2 D'(Sigma^-1 kron Sigma^-1) D)`` without the fixed.x block.
    """
    ms = bool(core.meanstructure)
    mu = core.mu if ms else core.mean
    if not x_idx.size:
        # no fixed.x block to leave out: ``vech(Z)' D'(W kron W) D vech(Z) = tr(W Z W Z)``
        # on the full matrices, no vech
        w = _sigma_inv(core)
        ws = w @ core.S
        we = ws - w @ core.Sigma
        t1 = 0.5 * float(np.vdot(we, we.T))
        t2 = 0.5 * float(np.vdot(ws, ws.T))
        p = w.shape[0]
        nel = p * (p + 1) // 2
        if ms:
            d = core.mean - mu
            t1 += float(d @ w @ d)
            t2 += float(core.mean @ w @ core.mean)
            nel += p
        return 1.0 - t1 / t2, nel
    obs = vech(core.S)
    est = vech(core.Sigma)
    if ms:
        obs = np.concatenate([core.mean, obs])
        est = np.concatenate([mu, est])
    mask = x_mask(core.S.shape[0], x_idx, ms)
    rows = np.vstack([obs - est, obs])
    rows[:, mask] = 0.0
    t1, t2 = h1_quadratic(_sigma_inv(core), rows, ms)
    return 1.0 - float(t1) / float(t2), obs.size


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def _logl_pair(core: CoreLike, x_idx: np.ndarray) -> tuple[float, float]:
    """Model and unrestricted (h1) log-likelihoods, minus the fixed.x marginal if any."""
    n = core.N
    p = core.S.shape[0]
    ms = bool(core.meanstructure)
    mu = core.mu if ms else core.mean
    sigma = core.Sigma
    w = _sigma_inv(core)
    _, logdet_sig = np.linalg.slogdet(sigma)
    d = core.mean - mu
    log2pi = math.log(2.0 * math.pi)
    logl = -0.5 * n * (p * log2pi + logdet_sig + float(np.sum(w * core.S)) + float(d @ w @ d))
    logdet_s = _logdet_s(core)
    logl_h1 = -0.5 * n * (p * log2pi + logdet_s + p)
    if x_idx.size:
        px = x_idx.size
        _, logdet_x = np.linalg.slogdet(core.S[np.ix_(x_idx, x_idx)])
        logl_x = -0.5 * n * (px * log2pi + logdet_x + px)
        logl -= logl_x
        logl_h1 -= logl_x
    return float(logl), float(logl_h1)


def _fiml_logl_pair(core: CoreLike, fiml: FIMLState) -> tuple[float, float]:
    """FIML ``logl`` (at the implied moments) and ``unrestricted.logl`` (at the EM moments),
    each minus lavaan's fixed.x term (:func:`acsi.cbsem.fiml_kernel.fixed_x_loglik`)."""
    x = np.asarray(fiml.x_idx, dtype=np.intp)
    if not x.size:
        return float(fiml.loglik), float(fiml.em.loglik)
    n = fiml.patterns.nobs
    em_x = np.asarray(fiml.em.cov)[np.ix_(x, x)]
    cov_x = pairwise_cov(np.asarray(core.X, dtype=float)[:, x])
    return float(fiml.loglik) - fixed_x_loglik(em_x, n), float(fiml.em.loglik) - fixed_x_loglik(cov_x, n)


def _fiml_baseline(core: CoreLike, fiml: FIMLState) -> tuple[float, float]:
    """Chi-square and df of the independence model fitted by FIML (:func:`_fiml_baseline_model`)."""
    base = _fiml_baseline_model(core, fiml)
    return 2.0 * (float(fiml.em.loglik) - base.loglik), float(base.df)


def _fiml_baseline_model(core: CoreLike, fiml: FIMLState) -> FIMLBaseline:
    """Chi-square and df of the independence model fitted by FIML
    (:func:`acsi.cbsem.fiml_kernel.fiml_baseline`: each variable's mean and variance over its
    observed values, the fixed.x covariates' block at its h1 values); the statistic is
    ``2 (unrestricted.logl - logl_0)``.
    """
    return fiml_baseline(np.asarray(core.X, dtype=float), fiml.patterns, fiml.em, np.asarray(fiml.x_idx, np.intp),
                         fiml.weights)


def _fiml_corrected(
    core: CoreLike, fiml: FIMLState, scaled: bool = False, base: FIMLBaseline | None = None
) -> tuple[float, float, float, float, float]:
    """lavaan's FIML-corrected statistics for the robust CFI/TLI/RMSEA of a FIML fit.

    Zhang & Savalei (2020) "FIML-C (V6)", as lavaan 0.6-14's ``lav_fit_fiml_corrected``:
    ``XX3`` is the complete-data ML statistic ``N F_ML`` of the FIML estimates against the
    h1 (EM) moments; ``c3 = tr(W_c W_m^-1 U W_m^-1) / df`` with ``W_m`` the observed h1
    information of the incomplete data (unstructured, at the EM moments), ``W_c`` the
    complete-data h1 information at the EM moments,
    ``U = W_m - W_m Delta (Delta' W_m Delta)^-1 Delta' W_m``; the same for the independence
    model (each variable's FIML mean and variance) gives ``XX3_null`` and ``c3_null``.
    ``scaled=True`` (MLR, lavaan's "V3"): ``c3 = tr(U W_m^-1 W_c W_m^-1 U Gamma) / df`` with
    ``Gamma = W_m^-1 J_m W_m^-1`` and ``J_m`` the first-order h1 information.

    Returns
    -------
    XX3, c3, XX3_null, c3_null, df_null
    """
    mp = fiml.patterns
    n = float(core.N)
    s_t, m_t = np.asarray(core.S), np.asarray(core.mean)
    p = s_t.shape[0]
    r, c = vech_indices(p)
    ps = r.size
    _, logdet_s = np.linalg.slogdet(s_t)

    def xx(sig: Array, mu: Array) -> float:
        si = np.linalg.inv(sig)
        d = m_t - mu
        _, ld = np.linalg.slogdet(sig)
        return n * (ld + float(np.sum(si * s_t)) - logdet_s - p + float(d @ si @ d))

    keep = _x_keep(p, np.asarray(fiml.x_idx, dtype=np.intp))  # lavaan's x.idx: the covariates' block leaves
    h1 = fiml.em.hessian if fiml.em.hessian is not None else moment_hessian(mp, m_t, s_t, observed=True)
    wm = -np.asarray(h1)[np.ix_(keep, keep)] / mp.nobs
    wmi = np.linalg.inv(wm)
    si = np.linalg.inv(s_t)
    mult = np.where(r == c, 1.0, 2.0)
    wc = np.zeros((p + ps, p + ps))
    wc[:p, :p] = si
    # 0.5 D'(S^-1 (x) S^-1) D element by element (no p^2 x p^2 Kronecker product)
    kr = si[np.ix_(r, r)] * si[np.ix_(c, c)] + si[np.ix_(r, c)] * si[np.ix_(c, r)]
    wc[p:, p:] = 0.25 * kr * np.outer(mult, mult)
    wc = wc[np.ix_(keep, keep)]
    a = wc @ wmi
    if scaled:
        _, sc = fiml_casewise(np.asarray(core.X, dtype=float), mp, m_t, s_t, fiml.weights)
        sc = sc[:, keep]
        gamma = wmi @ (sc.T @ sc / mp.nobs) @ wmi
        b = wmi @ wc @ wmi

    # lavaan's U uses the model's information with h1.information = "unstructured" and
    # observed.information = "h1": Delta' W Delta with W the observed h1 information at the
    # EM moments, or (se="expected") the expected one there
    we = (-moment_hessian(mp, m_t, s_t, observed=False)[np.ix_(keep, keep)] / mp.nobs
          if fiml.information == "expected" else wm)

    def k_of(delta: Array) -> float:
        delta = delta[keep]
        wd = wm @ delta
        e = delta.T @ we @ delta
        u = wm - wd @ np.linalg.solve(e, wd.T)
        if scaled:
            return float(np.trace(u @ b @ u @ gamma))
        return float(np.trace(a @ u @ wmi))

    df = float(core.df)
    xx3 = xx(np.asarray(core.Sigma), np.asarray(core.mu))
    c3 = k_of(np.asarray(core.Delta)) / df if df > 0 else _NAN
    if base is None:
        base = _fiml_baseline_model(core, fiml)
    xx3_null = xx(base.cov, base.mean)
    dfn = float(base.df)
    c3_null = k_of(base.delta) / dfn if dfn > 0 else _NAN
    return xx3, c3, xx3_null, c3_null, dfn


def _fiml_gfi(core: CoreLike, fiml: FIMLState) -> tuple[float, int]:
    """GFI of a FIML fit, as lavaan 0.6-14 computes it with missing data.

    ``s`` is lavaan's ``wls.obs`` for incomplete data: the available-case means and the
    pairwise-complete covariances (R's ``cov(use = "pairwise")``, pair means, divisor
    ``n_ij - 1``) times ``(N - 1) / N``; ``e = s - [mu, vech(Sigma)]``; the weight is the
    structured expected information of the incomplete data at the implied moments
    (:func:`acsi.cbsem.fiml_kernel.moment_hessian` with ``observed=False``; the two quadratic
    forms by :func:`acsi.cbsem.missing.expected_quadratic`, without the matrix). With sampling
    weights ``s`` holds the h1 (EM) moments; with fixed.x covariates the weight has no rows
    or columns for the covariates' own moments.
    """
    p = core.S.shape[0]
    if fiml.weights is not None:  # lavaan: with sampling weights the h1 (EM) moments
        obs = np.concatenate([np.asarray(fiml.em.mean), vech(np.asarray(fiml.em.cov))])
    else:  # from the pattern statistics: no pass over the rows
        mean, cov = available_moments(fiml.patterns, np.asarray(core.X).shape[0])
        obs = np.concatenate([mean, vech(cov)])
    est = np.concatenate([core.mu, vech(core.Sigma)])
    z = np.stack([obs - est, obs])
    drop = np.setdiff1d(np.arange(obs.size), _x_keep(p, np.asarray(fiml.x_idx, np.intp)))
    z[:, drop] = 0.0  # lavaan's x.idx: no weight on the fixed covariates' own moments
    # the two quadratic forms in the expected information, without forming it (O(G p^3))
    q = expected_quadratic(fiml.patterns, core.mu, core.Sigma, z)
    return 1.0 - float(q[0]) / float(q[1]), obs.size


def _baseline(core: CoreLike, x_idx: np.ndarray) -> tuple[float, float]:
    """Chi-square and df of lavaan's independence model.

    Without observed covariates ``Sigma0 = diag(S)``: ``chisq = N (sum log S_ii - log|S|)``
    on ``p* - p`` degrees of freedom (the means, with a mean structure, are saturated).
    """
    if not x_idx.size and not exo_indices(core).size:
        p = core.S.shape[0]
        logdet_0 = float(np.log(np.diagonal(core.S)).sum())
        return float(core.N * (logdet_0 - _logdet_s(core))), float(p * (p + 1) // 2 - p)
    sigma0, sel0 = baseline_moments(core, x_idx)
    logdet_s = _logdet_s(core)
    _, logdet_0 = np.linalg.slogdet(sigma0)
    p = core.S.shape[0]
    mask = x_mask(p, x_idx, bool(core.meanstructure))
    ndat = int((~mask).sum())
    return float(core.N * (logdet_0 - logdet_s)), float(ndat - sel0.size)


def compute_fit_measures(
    core: CoreLike, robust: RobustTest | bool | None = None, *, ci_level: float = 0.90,
    close_h0: float = 0.05, notclose_h0: float = 0.08,
) -> FitMeasures:
    """Fit measures of a model fitted by ML (and MLR), as lavaan's ``fitMeasures()``.

    Parameters
    ----------
    core : EstimationCore
        The fitted model (moments, implied moments, chi-square, df, npar, ...).
    robust : RobustTest, bool or None
        The Yuan-Bentler scaled test of an MLR fit (``True``: compute it here with
        :func:`acsi.cbsem.robust.yuan_bentler_mplus`); ``None``/``False`` for ML, which leaves
        the scaled and robust measures NaN.
    ci_level : float
        Level of the RMSEA confidence interval (lavaan: 0.90).
    close_h0, notclose_h0 : float
        RMSEA values of the close-fit and not-close-fit tests (lavaan: 0.05 and 0.08).

    Returns
    -------
    FitMeasures

    Notes
    -----
    The formulas are those of the module docstring; ``N`` is the number of observations (not
    ``N - 1``), as lavaan's ``likelihood = "normal"``.

    Examples
    --------
    >>> import acsi
    >>> from acsi.cbsem.fit_measures import compute_fit_measures
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
    ...                "speed =~ x7 + x8 + x9", hs)
    >>> fm = compute_fit_measures(res.core)
    >>> round(fm.cfi, 3), round(fm.rmsea, 3), round(fm.rmsea_ci_upper, 3)
    (0.931, 0.092, 0.114)
    """
    if not 0.0 < ci_level < 1.0:
        from acsi.exceptions import SpecificationError

        raise SpecificationError(f"ci_level must lie strictly between 0 and 1, got {ci_level!r}")
    if getattr(core, "dwls", None) is not None:  # ordinal least squares (WLSMV, ...)
        return dwls_fit_measures(core, ci_level=ci_level, close_h0=close_h0, notclose_h0=notclose_h0)
    if robust is True:
        robust = yuan_bentler_mplus(core)
    elif robust is False:
        robust = None
    x_idx = x_indices(core)
    n = float(core.N)
    x2 = float(core.chisq)
    df = float(core.df)
    npar = float(core.npar)
    fiml: FIMLState | None = getattr(core, "fiml", None)
    base = None if fiml is None else _fiml_baseline_model(core, fiml)
    if base is None:
        x2n, dfn = _baseline(core, x_idx)
    else:
        assert fiml is not None
        x2n, dfn = 2.0 * (float(fiml.em.loglik) - base.loglik), float(base.df)
    v: dict[str, float] = {
        "npar": npar,
        "nobs": n,
        "fmin": float(core.fmin),
        "chisq": x2,
        "df": df,
        "pvalue": _chisq_sf(x2, df),
        "baseline_chisq": x2n,
        "baseline_df": dfn,
        "baseline_pvalue": _chisq_sf(x2n, dfn),
        "cfi": _cfi(x2, df, x2n, dfn),
        "tli": _tli(x2, df, x2n, dfn),
        "nnfi": _tli(x2, df, x2n, dfn),
        "rfi": _rfi(x2, df, x2n, dfn),
        "nfi": _nfi(x2, df, x2n, dfn),
        "pnfi": _pnfi(x2, df, x2n, dfn),
        "ifi": _ifi(x2, df, x2n, dfn),
        "rni": _rni(x2, df, x2n, dfn),
    }
    logl, logl_h1 = _logl_pair(core, x_idx) if fiml is None else _fiml_logl_pair(core, fiml)
    v.update(
        logl=logl,
        unrestricted_logl=logl_h1,
        aic=-2.0 * logl + 2.0 * npar,
        bic=-2.0 * logl + npar * math.log(n),
        bic2=-2.0 * logl + npar * math.log((n + 2.0) / 24.0),
    )
    lo, hi = _rmsea_ci(x2, df, n, level=ci_level)
    v.update(
        rmsea=_rmsea(x2, df, n),
        rmsea_ci_lower=lo,
        rmsea_ci_upper=hi,
        rmsea_ci_level=ci_level,
        rmsea_pvalue=_rmsea_pvalue(x2, df, n, h0=close_h0),
        rmsea_close_h0=close_h0,
        rmsea_notclose_pvalue=_rmsea_pvalue(x2, df, n, h0=notclose_h0, close=False),
        rmsea_notclose_h0=notclose_h0,
    )
    v.update(_residual_measures(core))
    v["srmr_bentler"] = v["srmr"]
    v["srmr_bentler_nomean"] = v["srmr_nomean"]
    del v["srmr_nomean"]
    if df == 0 and x2 < _R_EPS:
        v["cn_05"] = v["cn_01"] = _NAN
    else:
        for key, alpha in (("cn_05", 0.05), ("cn_01", 0.01)):
            q = float(special.chdtri(df, alpha)) if df > 0 else 0.0
            v[key] = _r_divide(q, x2 / n) + 1.0
    gfi, nel = _gfi(core, x_idx) if fiml is None else _fiml_gfi(core, fiml)
    v["gfi"] = gfi
    v["agfi"] = 1.0 - (nel / df) * (1.0 - gfi) if df > 0 else 1.0
    v["pgfi"] = (df / nel) * gfi if nel > 0 else _NAN
    v["mfi"] = math.exp(-0.5 * (x2 - df) / n)
    v["ecvi"] = x2 / n + 2.0 * npar / n

    if robust is not None:
        c = float(robust.scaling_factor)
        c0 = float(robust.baseline_scaling_factor)
        x2s = float(robust.chisq_scaled)
        x2ns = float(robust.baseline_chisq_scaled)
        df2 = float(robust.trace_ugamma)
        if not math.isfinite(df2) or df2 == 0:
            df2 = _NAN
        v.update(
            chisq_scaled=x2s,
            df_scaled=df,
            pvalue_scaled=_chisq_sf(x2s, df),
            scaling_factor=c,
            baseline_chisq_scaled=x2ns,
            baseline_df_scaled=dfn,
            baseline_pvalue_scaled=_chisq_sf(x2ns, dfn),
            baseline_scaling_factor=c0,
            cfi_scaled=_cfi(x2s, df, x2ns, dfn),
            tli_scaled=_tli(x2s, df, x2ns, dfn),
            nnfi_scaled=_tli(x2s, df, x2ns, dfn),
            rfi_scaled=_rfi(x2s, df, x2ns, dfn),
            nfi_scaled=_nfi(x2s, df, x2ns, dfn),
            pnfi_scaled=_pnfi(x2s, df, x2ns, dfn),
            ifi_scaled=_ifi(x2s, df, x2ns, dfn),
            rni_scaled=_rni(x2s, df, x2ns, dfn),
            cfi_robust=_cfi(x2, df, x2n, dfn, c, c0),
            tli_robust=_tli(x2, df, x2n, dfn, c, c0),
            nnfi_robust=_tli(x2, df, x2n, dfn, c, c0),
            rni_robust=_rni(x2, df, x2n, dfn, c, c0),
            scaling_factor_h1=float(robust.scaling_factor_h1),
            scaling_factor_h0=float(robust.scaling_factor_h0),
        )
        lo_s, hi_s = _rmsea_ci(x2, df2, n, level=ci_level)
        lo_r, hi_r = _rmsea_ci(x2s, df, n, c=c, level=ci_level)
        v.update(
            rmsea_scaled=_rmsea(x2, df2, n),
            rmsea_ci_lower_scaled=lo_s,
            rmsea_ci_upper_scaled=hi_s,
            rmsea_pvalue_scaled=_rmsea_pvalue(x2, df2, n, h0=close_h0),
            rmsea_notclose_pvalue_scaled=_rmsea_pvalue(x2, df2, n, h0=notclose_h0, close=False),
            rmsea_robust=_rmsea(x2, df, n, c),
            rmsea_ci_lower_robust=lo_r,
            rmsea_ci_upper_robust=hi_r,
            rmsea_pvalue_robust=_rmsea_pvalue(x2s, df, n, c=c, h0=close_h0),
            rmsea_notclose_pvalue_robust=_rmsea_pvalue(
                x2s, df, n, c=c, h0=notclose_h0, close=False
            ),
        )
    if fiml is not None:
        xx3, c3, xx3n, c3n, _ = _fiml_corrected(core, fiml, scaled=robust is not None, base=base)
        lo_r, hi_r = _rmsea_ci(xx3 / c3, df, n, c=c3, level=ci_level)
        v.update(
            cfi_robust=_cfi(xx3, df, xx3n, dfn, c3, c3n),
            tli_robust=_tli(xx3, df, xx3n, dfn, c3, c3n),
            nnfi_robust=_tli(xx3, df, xx3n, dfn, c3, c3n),
            rni_robust=_rni(xx3, df, xx3n, dfn, c3, c3n),
            rmsea_robust=_rmsea(xx3, df, n, c3),
            rmsea_ci_lower_robust=lo_r,
            rmsea_ci_upper_robust=hi_r,
            rmsea_pvalue_robust=_rmsea_pvalue(xx3 / c3, df, n, c=c3, h0=close_h0),
            rmsea_notclose_pvalue_robust=_rmsea_pvalue(xx3 / c3, df, n, c=c3, h0=notclose_h0, close=False),
        )
    return FitMeasures.from_values(v)


# --------------------------------------------------------------------------------------------
# least-squares estimators of ordinal data (WLSMV, DWLS, ULSMV, WLS, ...)
# --------------------------------------------------------------------------------------------


def _cat_residual_rms(core: CoreLike) -> dict[str, float]:
    """rmr/srmr/crmr of an ordinal fit as lavaan's ``lav_residuals_summary`` (categorical):
    residuals of the correlations (below the diagonal) and of the thresholds, divided by
    ``p* + p`` (``crmr``: by ``p*``); ``srmr`` rescales by the observed variances
    (Bentler), ``crmr`` observed by observed and implied by implied variances (Bollen)."""
    st: Any = core.dwls  # type: ignore[attr-defined]
    kern = st.kernel
    p = kern.p
    obs_cov = np.asarray(st.moments.cov)
    est_cov = np.asarray(st.sigma_star)
    th_obs = np.asarray(kern.obs)[kern.th_pos]
    th_est = np.asarray(st.kappa)[kern.th_pos]
    var_obs, var_est = np.diag(obs_cov).copy(), np.diag(est_cov).copy()

    def rescale(m: Array, d1: Array, d2: Array | None = None) -> Array:
        d = np.where(np.isfinite(d1) & (d1 >= _R_EPS), d1, np.nan)
        sc = np.outer(1.0 / np.sqrt(d), 1.0 / np.sqrt(d))
        sc[np.abs(m) < 1e-5] = 1.0
        return m * sc

    r, c = np.tril_indices(p, -1)
    out: dict[str, float] = {}
    for key, o, e in (
        ("rmr", obs_cov, est_cov),
        ("srmr", rescale(obs_cov, var_obs), rescale(est_cov, var_obs)),
        ("crmr", rescale(obs_cov, var_obs), rescale(est_cov, var_est)),
    ):
        res = (o - e)[r, c]
        extra = 0 if key == "crmr" else p
        tot = np.concatenate([res, th_obs - th_est])
        out[key + "_nomean"] = math.sqrt(float(res @ res) / (res.size + extra)) if res.size else 0.0
        out[key] = math.sqrt(float(tot @ tot) / (tot.size + extra)) if tot.size else 0.0
    return out


def dwls_fit_measures(
    core: CoreLike, *, ci_level: float = 0.90, close_h0: float = 0.05, notclose_h0: float = 0.08,
) -> FitMeasures:
    """Fit measures of an ordinal least-squares fit, as lavaan's ``fitMeasures()``.

    ``chisq = 2 N fmin`` (lavaan's ``fmin`` of this family carries ``(N-1)/N``); the
    baseline model has free thresholds (means and variances of continuous items) and no
    correlations; the scaled statistics are those of the estimator's test
    (:func:`acsi.cbsem.dwls.scaled_test`: scaled-shifted for WLSMV/ULSMV, mean-and-variance
    adjusted, mean-adjusted); ``rmsea_scaled`` uses the scaled statistic (with its df);
    ``srmr`` is the correlation part (lavaan's ``srmr_bentler_nomean`` for categorical data);
    ``gfi = 1 - e'We / s'Ws``; ``wrmr = sqrt(chisq / nel)``. Log-likelihoods and
    information criteria do not exist for these estimators (NaN). ``cfi_robust``,
    ``tli_robust`` and ``rmsea_robust`` (all-ordinal data with a scaled test) are lavaan's
    "catML" versions (Savalei 2021; :func:`acsi.cbsem.dwls.catml`); NaN with continuous
    items, as lavaan.
    """
    from acsi.cbsem.dwls import baseline_chisq, catml, scaled_test

    st: Any = core.dwls  # type: ignore[attr-defined]
    kern = st.kernel
    n = float(core.N)
    x2 = float(core.chisq)
    df = float(core.df)
    npar = float(core.npar)
    x2n, dfn = baseline_chisq(kern, int(n))
    v: dict[str, float] = {
        "npar": npar, "nobs": n, "fmin": float(core.fmin), "chisq": x2, "df": df,
        "pvalue": _chisq_sf(x2, df), "baseline_chisq": x2n, "baseline_df": dfn,
        "baseline_pvalue": _chisq_sf(x2n, dfn),
        "cfi": _cfi(x2, df, x2n, dfn), "tli": _tli(x2, df, x2n, dfn), "nnfi": _tli(x2, df, x2n, dfn),
        "rfi": _rfi(x2, df, x2n, dfn), "nfi": _nfi(x2, df, x2n, dfn), "pnfi": _pnfi(x2, df, x2n, dfn),
        "ifi": _ifi(x2, df, x2n, dfn), "rni": _rni(x2, df, x2n, dfn),
    }
    n1 = n - 1.0  # lavaan's N of the least-squares family in RMSEA, CN and MFI
    if st.fitting == "ULS":  # lavaan: the unweighted statistic has no chi-square p-value
        v["pvalue"] = v["baseline_pvalue"] = _NAN
    lo, hi = _rmsea_ci(x2, df, n1, level=ci_level)
    v.update(
        rmsea=_rmsea(x2, df, n1), rmsea_ci_lower=lo, rmsea_ci_upper=hi, rmsea_ci_level=ci_level,
        rmsea_pvalue=_rmsea_pvalue(x2, df, n1, h0=close_h0), rmsea_close_h0=close_h0,
        rmsea_notclose_pvalue=_rmsea_pvalue(x2, df, n1, h0=notclose_h0, close=False),
        rmsea_notclose_h0=notclose_h0,
    )
    if st.test != "standard":
        t = scaled_test(kern, np.asarray(st.jacobian), np.asarray(st.moments.nacov), st.test, x2, df, x2n, dfn)
        x2s, dfs = t.chisq_scaled, t.df_scaled
        x2ns, dfns = t.baseline_chisq_scaled, t.baseline_df_scaled
        v.update(
            chisq_scaled=x2s, df_scaled=dfs, pvalue_scaled=_chisq_sf(x2s, dfs),
            scaling_factor=t.scaling_factor, baseline_chisq_scaled=x2ns, baseline_df_scaled=dfns,
            baseline_pvalue_scaled=_chisq_sf(x2ns, dfns), baseline_scaling_factor=t.baseline_scaling_factor,
            cfi_scaled=_cfi(x2s, dfs, x2ns, dfns), tli_scaled=_tli(x2s, dfs, x2ns, dfns),
            nnfi_scaled=_tli(x2s, dfs, x2ns, dfns), rfi_scaled=_rfi(x2s, dfs, x2ns, dfns),
            nfi_scaled=_nfi(x2s, dfs, x2ns, dfns), pnfi_scaled=_pnfi(x2s, dfs, x2ns, dfns),
            ifi_scaled=_ifi(x2s, dfs, x2ns, dfns), rni_scaled=_rni(x2s, dfs, x2ns, dfns),
        )
        # lavaan: the scaled RMSEA plugs in the scaled statistic with the model df for the
        # scaled-shifted test, the unscaled one with df = tr(U Gamma) for the others
        xx2, df2 = (x2s, df) if st.test == "scaled.shifted" else (x2, t.trace_ugamma)
        lo_s, hi_s = _rmsea_ci(xx2, df2, n1, level=ci_level)
        v.update(
            rmsea_scaled=_rmsea(xx2, df2, n1), rmsea_ci_lower_scaled=lo_s, rmsea_ci_upper_scaled=hi_s,
            rmsea_pvalue_scaled=_rmsea_pvalue(xx2, df2, n1, h0=close_h0),
            rmsea_notclose_pvalue_scaled=_rmsea_pvalue(xx2, df2, n1, h0=notclose_h0, close=False),
        )
    cm = catml(st, int(n), df) if st.test != "standard" else None
    if cm is not None:  # lavaan's robust CFI/RMSEA of all-ordinal data (Savalei 2021)
        x3, c3, x3n, c3n, df3 = cm.chisq, cm.c, cm.baseline_chisq, cm.baseline_c, cm.df
        lo_r, hi_r = _rmsea_ci(cm.chisq_scaled, df3, n1, c=c3, level=ci_level)
        v.update(
            # lavaan: CFI/TLI with the model's df, RMSEA with the catML df (they differ when
            # thresholds are fixed in the model)
            cfi_robust=_cfi(x3, df, x3n, dfn, c3, c3n), tli_robust=_tli(x3, df, x3n, dfn, c3, c3n),
            nnfi_robust=_tli(x3, df, x3n, dfn, c3, c3n), rni_robust=_rni(x3, df, x3n, dfn, c3, c3n),
            rmsea_robust=_rmsea(x3, df3, n1, c3), rmsea_ci_lower_robust=lo_r, rmsea_ci_upper_robust=hi_r,
            rmsea_pvalue_robust=_rmsea_pvalue(cm.chisq_scaled, df3, n1, c=c3, h0=close_h0),
            rmsea_notclose_pvalue_robust=_rmsea_pvalue(cm.chisq_scaled, df3, n1, c=c3, h0=notclose_h0,
                                                       close=False),
        )
    rms = _cat_residual_rms(core)
    v.update(
        rmr=rms["rmr"], rmr_nomean=rms["rmr_nomean"], srmr=rms["srmr_nomean"],
        srmr_bentler=rms["srmr"], srmr_bentler_nomean=rms["srmr_nomean"], crmr=rms["crmr"],
        crmr_nomean=rms["crmr_nomean"],
    )
    if df == 0 and x2 < _R_EPS:
        v["cn_05"] = v["cn_01"] = _NAN
    else:
        for key, alpha in (("cn_05", 0.05), ("cn_01", 0.01)):
            q = float(special.chdtri(df, alpha)) if df > 0 else 0.0
            v[key] = _r_divide(q, x2 / n1) + 1.0
    obs = np.asarray(kern.obs)
    e = obs - np.asarray(st.kappa)
    W = np.asarray(kern.weight)
    gfi = 1.0 - float(e @ W @ e) / float(obs @ W @ obs)
    nel = float(obs.size)
    v["gfi"] = gfi
    v["agfi"] = 1.0 - (nel / df) * (1.0 - gfi) if df > 0 else 1.0
    v["pgfi"] = (df / nel) * gfi if nel > 0 else _NAN
    v["mfi"] = math.exp(-0.5 * (x2 - df) / n1)
    v["wrmr"] = math.sqrt(x2 / nel) if nel > 0 else _NAN
    return FitMeasures.from_values(v)
