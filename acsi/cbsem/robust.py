"""Robust (MLR) inference: Huber-White sandwich covariance and the Yuan-Bentler scaled test.

This reproduces lavaan's ``estimator = "MLR"`` for complete data: standard errors from the
sandwich ``A^-1 B A^-1 / N`` (``A`` the observed information of the model, ``B`` the
first-order information from casewise scores) and the Yuan-Bentler (Mplus variant) scaled
chi-square with its scaling factor, for the model and for the independence (baseline) model.

The moment kernels (casewise scores, the ADF ``Gamma``, the h1 information, the baseline
model) live in :mod:`acsi.cbsem.moments`, shared with :mod:`acsi.cbsem.fit_measures`.

Conventions (lavaan's): ``vech`` stacks the lower triangle column by column; a moment vector
is ``[mean (if meanstructure), vech(Sigma)]``; information matrices are per observation.

References
----------
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance
structure analysis with nonnormal missing data. *Sociological Methodology*, 30, 165-200.

Asparouhov, T., & Muthen, B. (2005). Multivariate statistical modeling with survey data.
Proceedings of the FCSM Research Conference (the Mplus variant of the trace).

Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software*, 48(2), 1-36.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from acsi._linalg import duplication_pre_post_kron
from acsi._validation import check_choice
from acsi.cbsem.moments import (
    CoreLike,
    baseline_moments,
    casewise_scores,
    h1_quadratic,
    moment_deviations,
    x_indices,
    x_mask,
)
from acsi.exceptions import AcsiError

__all__ = ["CoreLike", "RobustTest", "huber_white_vcov", "yuan_bentler_mplus", "first_order_information"]

Array = NDArray[Any]


# --------------------------------------------------------------------------------------------
# moment kernels
# --------------------------------------------------------------------------------------------


def _r_divide(a: float, b: float) -> float:
    """``a / b`` with R's semantics (``x / 0`` is ``Inf`` or ``NaN``, never an exception)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / np.float64(b))


def _inv_information(info: Array, what: str) -> Array:
    try:
        inv = np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise AcsiError(
            f"the {what} information matrix is singular: the model may not be identified; "
            "robust (MLR) standard errors and test statistics need an invertible information"
        ) from exc
    return inv


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def first_order_information(core: CoreLike) -> Array:
    """Unit first-order information ``B0 = Delta' B1 Delta`` of the model's free parameters.

    ``B1 = 1/N sum s_i s_i'`` from the casewise scores ``s_i`` of the normal log-likelihood in
    ``[mu, vech(Sigma)]`` at the model-implied moments (the sample mean when there is no mean
    structure); this is lavaan's ``lavInspect(fit, "information.first.order")`` for MLR.

    Parameters
    ----------
    core : EstimationCore
        The fitted model.

    Returns
    -------
    ndarray, shape (q, q)
    """
    mu = core.mu if core.meanstructure else core.mean
    sc = casewise_scores(core.X, mu, core.Sigma, core.meanstructure, x_indices(core))
    g = sc @ core.Delta
    return (g.T @ g) / core.N


def huber_white_vcov(core: CoreLike) -> Array:
    """Huber-White (sandwich) covariance matrix of the free parameters, as lavaan's MLR.

    .. math:: \\widehat{V} = \\frac{1}{N} A^{-1} B A^{-1}

    with ``A`` the unit observed information (the Hessian of lavaan's fit function) and
    ``B = Delta' B1 Delta`` the unit first-order information from the casewise scores of the
    normal log-likelihood at the model-implied moments (see :func:`first_order_information`).

    Parameters
    ----------
    core : EstimationCore
        The fitted model (``core.information("observed")`` gives ``A``).

    Returns
    -------
    ndarray, shape (q, q)

    References
    ----------
    White, H. (1982). Maximum likelihood estimation of misspecified models. *Econometrica*,
    50, 1-25.  Yuan, K.-H., & Bentler, P. M. (2000), *Sociological Methodology*, 30, 165-200.

    Examples
    --------
    >>> import acsi
    >>> from acsi.cbsem.robust import huber_white_vcov
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs, estimator="MLR")
    >>> huber_white_vcov(res.core).shape
    (13, 13)
    """
    a_inv = _inv_information(np.asarray(core.information("observed"), dtype=float), "observed")
    b0 = first_order_information(core)
    v = a_inv @ b0 @ a_inv / core.N
    return 0.5 * (v + v.T)


@dataclass(frozen=True)
class RobustTest:
    """The Yuan-Bentler (Mplus variant) scaled chi-square of a model and of its baseline.

    Attributes
    ----------
    chisq : float
        The ML chi-square ``T`` (unscaled).
    df : float
    chisq_scaled : float
        ``T / c`` with ``c = trace(U Gamma) / df``.
    scaling_factor : float
        ``c`` (NaN when ``df = 0``).
    pvalue_scaled : float
    trace_ugamma : float
        ``trace(U Gamma) = trace_h1 - trace_h0``.
    scaling_factor_h1, scaling_factor_h0 : float
        ``trace_h1 / ndat_h1`` and ``trace_h0 / npar`` (lavaan's ``scaling.factor.h1/h0``).
    baseline_chisq, baseline_df, baseline_chisq_scaled, baseline_scaling_factor,
    baseline_pvalue_scaled : float
        The same for lavaan's independence (baseline) model.
    """

    chisq: float = math.nan
    df: float = math.nan
    chisq_scaled: float = math.nan
    scaling_factor: float = math.nan
    pvalue_scaled: float = math.nan
    trace_ugamma: float = math.nan
    scaling_factor_h1: float = math.nan
    scaling_factor_h0: float = math.nan
    baseline_chisq: float = math.nan
    baseline_df: float = math.nan
    baseline_chisq_scaled: float = math.nan
    baseline_scaling_factor: float = math.nan
    baseline_pvalue_scaled: float = math.nan

    def to_series(self) -> pd.Series:
        """All fields as a float Series."""
        return pd.Series({f.name: float(getattr(self, f.name)) for f in fields(self)})

    def _repr_html_(self) -> str:
        return self.to_series().to_frame("value").to_html()


def _h1_trace(core: CoreLike, x_idx: NDArray[np.intp]) -> tuple[float, int]:
    """``trace(A1^-1 B1)`` of the unstructured h1 model and the number of its moments.

    ``A1`` is the h1 information at the sample moments and ``B1 = A1 Gamma A1`` (``Gamma``
    the ADF covariance of the moments), both without the fixed.x block, so the trace is
    ``tr(Gamma A1) = 1/N sum z_i' A1 z_i`` over the centered casewise moments ``z_i``.
    """
    mask = x_mask(core.S.shape[0], x_idx, core.meanstructure)
    zc = moment_deviations(core.X, core.meanstructure, x_idx)
    if mask.any():
        zc[:, mask] = 0.0
    w = np.linalg.inv(core.S)
    return float(h1_quadratic(w, zc, core.meanstructure).sum() / core.N), int((~mask).sum())


def _baseline_information(
    core: CoreLike, sigma0: Array, sel: NDArray[np.intp], kind: str = "observed"
) -> Array:
    """Unit observed (or expected) information of the baseline model, whose free parameters
    are the moments ``sel`` of ``[mean, vech(Sigma)]`` (its ``Delta`` holds unit columns).

    The observed information of the normal log-likelihood in ``[mu, vech(Sigma)]`` at
    ``Sigma0`` (mean at the sample mean): ``W`` for the means, ``1/2 D'(W kron W(2S - Sigma0)W) D``
    for the covariances, no cross terms; ``W = Sigma0^-1``. The expected information has
    ``W`` in place of ``W(2S - Sigma0)W``.
    """
    p = sigma0.shape[0]
    w = np.linalg.inv(sigma0)
    aaa = w if kind == "expected" else w @ (2.0 * core.S - sigma0) @ w
    nmean = p if core.meanstructure else 0
    msel = sel[sel < nmean]
    csel = sel[sel >= nmean] - nmean
    i22 = 0.5 * duplication_pre_post_kron(w, aaa, csel)
    i22 = 0.5 * (i22 + i22.T)
    out = np.zeros((sel.size, sel.size))
    out[: msel.size, : msel.size] = w[np.ix_(msel, msel)]
    out[msel.size :, msel.size :] = i22
    return out


def yuan_bentler_mplus(core: CoreLike, information: str = "observed") -> RobustTest:
    """Yuan-Bentler (Mplus variant) scaled chi-square, as lavaan's ``estimator = "MLR"``.

    .. math::

        c = \\frac{\\operatorname{tr}(A_1^{-1} B_1) - \\operatorname{tr}(A_0^{-1} B_0)}{df},
        \\qquad T_{scaled} = T / c

    ``A1``/``B1``: information and first-order information of the unrestricted (h1) model at
    the sample moments (``B1 = A1 Gamma A1``, ``Gamma`` the ADF covariance of the moments);
    ``A0``: the model's observed information; ``B0 = Delta' B1s Delta`` its first-order
    information at the implied moments.  The same is done for lavaan's independence model
    (free variances, and means with a mean structure; fixed.x covariates' block kept at the
    sample values) to give the baseline scaling factor used by the robust CFI/TLI.

    Parameters
    ----------
    core : EstimationCore
        A model fitted by ML.
    information : {"observed", "expected"}, default "observed"
        The information matrix ``A0`` of the model and of the baseline model: observed for
        lavaan's ``estimator = "MLR"``; expected when MLR is combined with standard errors
        from the expected information (lavaan's ``estimator = "MLR", se = "standard"``,
        which sets ``information = "expected"`` for the test as well).

    Returns
    -------
    RobustTest

    References
    ----------
    Yuan, K.-H., & Bentler, P. M. (2000). *Sociological Methodology*, 30, 165-200.
    Muthen, L. K., & Muthen, B. O. Mplus technical appendices (MLR chi-square).

    Examples
    --------
    >>> import acsi
    >>> from acsi.cbsem.robust import yuan_bentler_mplus
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
    ...                "speed =~ x7 + x8 + x9", hs)
    >>> test = yuan_bentler_mplus(res.core)
    >>> round(test.scaling_factor, 4), round(test.chisq_scaled, 2)
    (0.979, 87.13)
    """
    kind: Literal["observed", "expected"] = (
        "observed" if check_choice(information, ("observed", "expected"), "information") == "observed" else "expected"
    )
    x_idx = x_indices(core)
    n = core.N
    chisq = float(core.chisq)
    df = float(core.df)
    trace_h1, ndat = _h1_trace(core, x_idx)

    # model
    a0_inv = _inv_information(np.asarray(core.information(kind), dtype=float), kind)
    b0 = first_order_information(core)
    trace_h0 = float(np.sum(b0 * a0_inv.T))
    trace_ug = trace_h1 - trace_h0
    # lavaan divides trace_h0 by its number of free parameters before equality constraints
    k = getattr(core, "K", None)
    npar = int(np.shape(k)[0]) if k is not None else b0.shape[0]
    if df > 0:
        c = trace_ug / df
        if c < 0:
            c = math.nan
        chisq_scaled = _r_divide(chisq, c)
        p_scaled = 1.0 - float(special.chdtr(df, chisq_scaled))  # lavaan's 1 - pchisq
        sf_h1, sf_h0, trace_reported = trace_h1 / ndat, trace_h0 / npar, trace_ug
    else:
        # lavaan stops before the traces when df = 0: no scaling factor, the unscaled statistic
        c = math.nan
        chisq_scaled = chisq
        p_scaled = math.nan
        sf_h1 = sf_h0 = trace_reported = math.nan

    # independence (baseline) model
    sigma0, sel0 = baseline_moments(core, x_idx)
    _, logdet_s = np.linalg.slogdet(core.S)
    _, logdet_0 = np.linalg.slogdet(sigma0)
    base_chisq = float(n * (logdet_0 - logdet_s))
    base_df = float(ndat - sel0.size)
    e0 = _baseline_information(core, sigma0, sel0, kind)
    sc0 = casewise_scores(core.X, core.mean, sigma0, core.meanstructure, x_idx)[:, sel0]
    b00 = (sc0.T @ sc0) / n
    trace_h0_base = float(np.sum(b00 * np.linalg.inv(e0).T))
    if base_df > 0:
        c0 = (trace_h1 - trace_h0_base) / base_df
        if c0 < 0:
            c0 = math.nan
        base_scaled = _r_divide(base_chisq, c0)
        base_p = 1.0 - float(special.chdtr(base_df, base_scaled))
    else:
        c0, base_scaled, base_p = math.nan, base_chisq, math.nan
    return RobustTest(
        chisq=chisq,
        df=df,
        chisq_scaled=float(chisq_scaled),
        scaling_factor=float(c),
        pvalue_scaled=p_scaled,
        trace_ugamma=float(trace_reported),
        scaling_factor_h1=float(sf_h1),
        scaling_factor_h0=float(sf_h0),
        baseline_chisq=base_chisq,
        baseline_df=base_df,
        baseline_chisq_scaled=float(base_scaled),
        baseline_scaling_factor=float(c0),
        baseline_pvalue_scaled=base_p,
    )
