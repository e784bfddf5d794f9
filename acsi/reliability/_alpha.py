"""Cronbach's alpha with psych's item statistics, Feldt and bootstrap intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from acsi._lazy import special  # scipy's, imported on first use
from acsi._validation import (
    check_bool,
    check_choice,
    check_level,
    check_names,
    check_resamples,
    check_scale,
    make_rng,
    warn_few_resamples,
)
from acsi.exceptions import AcsiWarning, DataError, DegenerateStatisticWarning, warn
from acsi.reliability._common import (
    check_variation,
    corr_from_cov,
    cov_pairwise,
    item_matrix,
    pairwise_correlation,
    smc,
)
from acsi.results.base import CopyTables, ResultMixin, Summary, freeze_fields

__all__ = ["AlphaResult", "cronbach_alpha", "alpha_kernel"]


def alpha_kernel(C: np.ndarray) -> tuple[float, float]:
    """Raw and standardized alpha of a covariance matrix (no checks; used by the bootstrap).

    ``alpha = k/(k-1) (1 - tr(C)/sum(C))``; standardized alpha is the same on ``cov2cor(C)``.
    """
    k = C.shape[0]
    raw = (1.0 - np.trace(C) / C.sum()) * k / (k - 1)
    R = corr_from_cov(C)
    std = (1.0 - k / R.sum()) * k / (k - 1)
    return float(raw), float(std)


def _alpha_stats(C: np.ndarray) -> dict[str, float]:
    """psych's ``alpha.1``: raw/std alpha, G6, average r, S/N, Q (for the ase), var.r, med.r."""
    k = C.shape[0]
    R = corr_from_cov(C)
    sumC, sumR, trC = C.sum(), R.sum(), np.trace(C)
    raw = (1.0 - trC / sumC) * k / (k - 1)
    std = (1.0 - k / sumR) * k / (k - 1)
    g6 = 1.0 - (k - smc(R).sum()) / sumR
    av_r = (sumR - k) / (k * (k - 1))
    low = R[np.tril_indices(k, -1)]
    CC = C @ C
    Q = (2.0 * k**2 / ((k - 1) ** 2 * sumC**3)) * (sumC * (np.trace(CC) + trC**2) - 2.0 * trC * CC.sum())
    return {
        "raw_alpha": float(raw),
        "std_alpha": float(std),
        "g6": float(g6),
        "average_r": float(av_r),
        "signal_noise": float(k * av_r / (1.0 - av_r)) if av_r != 1.0 else math.inf,  # psych: Inf
        "Q": float(Q),
        "var_r": float(np.var(low, ddof=1)) if low.size > 1 else math.nan,
        "med_r": float(np.median(low)),
    }


def _safe_sqrt(x: float) -> float:
    """sqrt that gives NaN (as R) for a negative argument."""
    return math.sqrt(x) if x >= 0 else math.nan


def _pair_corr(a: np.ndarray, b: np.ndarray) -> float:
    m = ~(np.isnan(a) | np.isnan(b))
    return float(np.corrcoef(a[m], b[m])[0, 1])


@dataclass(frozen=True, eq=False)
class AlphaResult(CopyTables, ResultMixin):
    """Cronbach's alpha of a scale with psych's item statistics.

    Attributes
    ----------
    alpha : float
        Raw alpha (from the covariance matrix).
    std_alpha : float
        Standardized alpha (from the correlation matrix).
    g6 : float
        Guttman's lambda 6 (from squared multiple correlations).
    average_r : float
        Mean inter-item correlation.
    signal_noise : float
        Signal-to-noise ratio ``k r / (1 - r)``.
    ase : float
        Asymptotic standard error of raw alpha (Duhachek and Iacobucci 2004, as psych).
    ci_lower, ci_upper : float
        Confidence interval of raw alpha (``ci_method``: Feldt or percentile bootstrap).
    ci_method : str
    level : float
    items : DataFrame
        One row per item (index: item names, reversed items keep their name and are marked in
        column ``reversed``): ``n, mean, sd, raw_r, std_r, r_cor, r_drop, alpha_if_deleted,
        std_alpha_if_deleted, average_r_if_deleted`` and ``reversed``.
    alpha_drop : DataFrame
        psych's full "reliability if an item is dropped" table: ``raw_alpha, std_alpha, g6,
        average_r, signal_noise, alpha_se, var_r, med_r``.
    nobs : int
        Rows used (after listwise deletion, or all rows with ``missing="pairwise"``);
        ``n`` is an alias (the older name).
    n_dropped : int
    keys : tuple of str
        Reverse-keyed items.
    reverse_constant : float or None
        ``max + min`` used to reverse items (``None`` when nothing is reversed).
    total_mean, total_sd : float
        Mean and SD of the mean score (psych's ``total$mean``, ``total$sd``).
    n_boot, n_boot_failed : int
        Bootstrap resamples asked for and those whose alpha was undefined (bootstrap only).
    """

    alpha: float
    std_alpha: float
    g6: float
    average_r: float
    signal_noise: float
    ase: float
    median_r: float
    ci_lower: float
    ci_upper: float
    ci_method: str
    level: float
    items: pd.DataFrame
    alpha_drop: pd.DataFrame
    nobs: int
    n_dropped: int
    keys: tuple[str, ...]
    reverse_constant: float | None
    total_mean: float
    total_sd: float
    missing: str
    n_boot: int = 0
    n_boot_failed: int = 0

    def __post_init__(self) -> None:
        freeze_fields(self)

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs` (the older name)."""
        return self.nobs

    @property
    def n_items(self) -> int:
        """Number of items."""
        return int(self.items.shape[0])

    def _summary(self) -> Summary:
        pct = f"{100 * self.level:g}%"
        header: list[tuple[str, object]] = [
            ("items", self.n_items),
            ("observations", self.nobs),
            ("raw alpha", self.alpha),
            ("standardized alpha", self.std_alpha),
            (f"{pct} CI ({self.ci_method})", f"[{self.ci_lower:.3f}, {self.ci_upper:.3f}]"),
            ("Guttman lambda 6", self.g6),
            ("average inter-item r", self.average_r),
        ]
        if self.keys:
            header.append(("reverse-keyed", ", ".join(self.keys)))
        notes = []
        if self.n_boot_failed:
            notes.append(f"{self.n_boot_failed} of {self.n_boot} bootstrap resamples gave no alpha.")
        return Summary("Cronbach's alpha", header, [("Item statistics", self.items)], notes)


def cronbach_alpha(
    items: pd.DataFrame,
    keys: Sequence[str] | str | None = None,
    ci: Literal["feldt", "duhachek", "bootstrap"] = "feldt",
    level: float = 0.95,
    n: int | None = None,
    seed: int | np.random.Generator | None = None,
    *,
    columns: Sequence[str] | None = None,
    missing: Literal["listwise", "pairwise", "mean", "error"] = "listwise",
    na_values: float | str | Sequence[float | str] | None = None,
    scale: tuple[float, float] | None = None,
    cumulative: bool = False,
    n_boot: int | None = None,
) -> AlphaResult:
    r"""Cronbach's alpha with item statistics, equal to R ``psych::alpha``.

    .. math::

        \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\operatorname{tr} C}{\mathbf 1' C \mathbf 1}\Bigr),
        \qquad
        \alpha_{std} = \frac{k \bar r}{1 + (k-1)\bar r}

    with ``C`` the item covariance matrix (divisor n - 1), ``k`` items and ``r̄`` the mean
    inter-item correlation. The corrected item-total correlation of item ``i`` is
    ``r_drop = (1'C_i - C_ii) / sqrt(C_ii · 1'C_{-i}1)``; ``alpha_if_deleted`` is alpha of the
    other ``k - 1`` items. Feldt's interval is
    ``1 - (1 - alpha) F_{1-a/2 | 1-a/2}(n-1, (n-1)(k-1))`` (Feldt, Woodruff and Salih 1987);
    the Duhachek-Iacobucci (2004) interval is ``alpha -/+ z_{1-a/2} ase`` with psych's
    asymptotic standard error ``ase``; the bootstrap interval is the percentile interval of raw
    alpha over ``n`` resamples of rows.

    Parameters
    ----------
    items : DataFrame
        One column per item (all columns are used unless ``columns`` is given).
    keys : sequence of str, optional
        Reverse-keyed items. As in psych, they are reversed as ``max + min - x`` with the
        largest and smallest value over *all* items (give ``scale=(1, 10)`` to use the
        response scale instead); their covariances change sign.
    ci : {"feldt", "duhachek", "bootstrap"}
    level : float
        Confidence level of the interval.
    n : int, default 1000
        Bootstrap resamples (``ci="bootstrap"``), at least 2.
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap (give it for reproducible intervals).
    columns : sequence of str, optional
        The items to use from ``items``.
    missing : {"listwise", "pairwise", "mean", "error"}
        acsi's default drops incomplete rows (with a warning). ``"pairwise"`` reproduces psych's
        default: covariances from pairwise-complete rows, item means and SDs from all observed
        values, the total score as the mean of the observed items, n = all rows.
    na_values : float, str or sequence, optional
        Codes meaning "missing" (for example ``-99`` or ``"DK"``; a string is one code).
    scale : (min, max), optional
        Response-scale bounds used to reverse ``keys`` (default: the observed range, as psych).
    cumulative : bool
        The total score is the sum of the items (psych's ``cumulative = TRUE``; with
        ``missing="pairwise"`` the sum of the answered items) instead of their mean; this
        changes ``total_mean``, ``total_sd`` and, with missing answers, ``raw_r``.
    n_boot : int, optional
        Older spelling of ``n`` (accepted alias).

    Returns
    -------
    AlphaResult

    Raises
    ------
    acsi.DataError
        Fewer than two items, an item not in the data, a constant item, a key that is not an item.

    Notes
    -----
    Validated against R psych 2.2.9 (``psych::alpha``): every statistic agrees to 1e-10 or
    better on the test cases (tests/data/psych: every block of mobi, satisfaction, servqual,
    corp_rep with missing values, the e-banking items, reverse keys, two-item scales, items on
    very different scales). With two items psych's "alpha if deleted" is not an alpha (it
    reports ``C12/C22``); acsi reports the same numbers for compatibility. Where psych takes
    the square root of a negative number (negatively correlated items) the statistic is NaN,
    as in psych. ``psych::alpha(check.keys = TRUE)`` reverses items loading negatively on the
    first principal component by itself; acsi never reverses silently: it warns, naming
    them and the ``keys=`` to pass.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297-334.
    Feldt, L. S., Woodruff, D. J. and Salih, F. A. (1987). Statistical inference for
    coefficient alpha. Applied Psychological Measurement, 11, 93-103.

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.reliability.cronbach_alpha(hs[["x1", "x2", "x3"]])
    >>> round(res.alpha, 4), round(res.ci_lower, 4), round(res.ci_upper, 4)
    (0.6261, 0.5465, 0.6938)
    >>> res.items.loc["x3", ["r_drop", "alpha_if_deleted"]].round(4).tolist()
    [0.4843, 0.4584]
    """
    ci = check_choice(ci, ("feldt", "duhachek", "bootstrap"), "ci", case_sensitive=True)  # type: ignore[assignment]
    level = check_level(level)
    n_res = check_resamples(n, old=n_boot, default=1000, minimum=2, hint="bootstrap resamples")
    rng = make_rng(seed)
    cumulative = check_bool(cumulative, "cumulative")
    if scale is not None:
        scale = check_scale(scale)
    if ci == "bootstrap":
        warn_few_resamples(n_res, level, "percentile", "n_boot" if n_boot is not None else "n")
    X, names, n_dropped = item_matrix(items, columns, missing=missing, na_values=na_values, context="scale")
    check_variation(X, names)
    key_list = [] if keys is None else check_names(keys, "keys")
    unknown = [k for k in key_list if k not in names]
    if unknown:
        raise DataError(
            f"keys {unknown} are not among the items ({', '.join(names)}); `keys` names the "
            "reverse-keyed items"
        )
    sign = np.array([-1.0 if nm in key_list else 1.0 for nm in names])
    reverse_constant: float | None = None
    if key_list:
        if scale is not None:
            lo, hi = float(scale[0]), float(scale[1])
            if np.nanmin(X) < lo or np.nanmax(X) > hi:
                raise DataError(
                    f"scale={scale!r} does not contain every answer (range {np.nanmin(X):g}..{np.nanmax(X):g})"
                )
        else:
            lo, hi = float(np.nanmin(X)), float(np.nanmax(X))
        reverse_constant = lo + hi
        X = np.where(sign < 0, reverse_constant - X, X)
    n, k = X.shape
    C = cov_pairwise(X)
    R = corr_from_cov(C)
    i_hi, j_hi = np.nonzero(np.triu(np.abs(R) >= 1.0 - 1e-12, 1))
    if i_hi.size:
        warn(
            f"items {names[i_hi[0]]!r} and {names[j_hi[0]]!r} are perfectly correlated (|r| = 1): they "
            "repeat one another, so the signal/noise ratio of the scale without another item is "
            "infinite and alpha overstates reliability; keep only one of them",
            DegenerateStatisticWarning,
        )
    tot = _alpha_stats(C)
    if not key_list:
        # psych's check: items loading negatively on the first principal component of the
        # (pairwise) correlation matrix, psych::principal(x)
        w, v = np.linalg.eigh(pairwise_correlation(X)[0] if np.isnan(X).any() else R)
        first = v[:, -1] * (1.0 if v[:, -1].sum() >= 0 else -1.0)
        neg = [names[j] for j in np.flatnonzero(first < 0)]
        if neg:
            warn(
                f"item(s) {', '.join(neg)} correlate negatively with the scale's first principal "
                f"component; if they are reverse-worded pass keys={neg!r}",
                AcsiWarning,
            )

    # item statistics
    with np.errstate(invalid="ignore"):
        total = np.nansum(X, axis=1) if cumulative else np.nanmean(X, axis=1)
    raw_r = np.array([_pair_corr(total, X[:, j]) for j in range(k)])
    # a negative total (negatively correlated items) gives NaN, as R's sqrt does in psych
    std_r = R.sum(axis=0) / _safe_sqrt(float(R.sum()))
    RC = R.copy()
    np.fill_diagonal(RC, smc(R))
    r_cor = RC.sum(axis=0) / _safe_sqrt(float(RC.sum()))
    colsum = C.sum(axis=0)
    diagC = np.diag(C)
    with np.errstate(invalid="ignore"):
        r_drop = (colsum - diagC) / np.sqrt(diagC * (C.sum() - 2 * colsum + diagC))
    n_obs = (~np.isnan(X)).sum(axis=0)
    means = np.nanmean(X, axis=0)
    sds = np.nanstd(X, axis=0, ddof=1)

    drops = []
    for i in range(k):
        keep = [j for j in range(k) if j != i]
        if k > 2:
            st = _alpha_stats(C[np.ix_(keep, keep)])
            drops.append(
                [st["raw_alpha"], st["std_alpha"], st["g6"], st["average_r"], st["signal_noise"],
                 _safe_sqrt(st["Q"] / n), st["var_r"], st["med_r"]]
            )
        else:  # psych's two-item convention
            j = keep[0]
            r12 = R[0, 1]
            drops.append([C[0, 1] / C[j, j], r12, float(smc(R)[0]), r12, r12 / (1 - r12), math.nan, 0.0, r12])
    alpha_drop = pd.DataFrame(
        drops,
        index=pd.Index(names, name="item"),
        columns=["raw_alpha", "std_alpha", "g6", "average_r", "signal_noise", "alpha_se", "var_r", "med_r"],
    )
    table = pd.DataFrame(
        {
            "n": n_obs.astype(int),
            "mean": means,
            "sd": sds,
            "raw_r": raw_r,
            "std_r": std_r,
            "r_cor": r_cor,
            "r_drop": r_drop,
            "alpha_if_deleted": alpha_drop["raw_alpha"].to_numpy(),
            "std_alpha_if_deleted": alpha_drop["std_alpha"].to_numpy(),
            "average_r_if_deleted": alpha_drop["average_r"].to_numpy(),
            "reversed": sign < 0,
        },
        index=pd.Index(names, name="item"),
    )

    a = 1.0 - level
    n_boot_failed = 0
    if ci == "feldt":
        df1, df2 = n - 1, (n - 1) * (k - 1)
        lower = 1.0 - (1.0 - tot["raw_alpha"]) * special.fdtri(df1, df2, 1 - a / 2)
        upper = 1.0 - (1.0 - tot["raw_alpha"]) * special.fdtri(df1, df2, a / 2)
        used_boot = 0
    elif ci == "duhachek":
        z = special.ndtri(1 - a / 2)
        se = _safe_sqrt(tot["Q"] / n)
        lower, upper = tot["raw_alpha"] - z * se, tot["raw_alpha"] + z * se
        used_boot = 0
    else:
        boots = bootstrap_alpha(X, n_res, rng)
        ok = np.isfinite(boots)
        n_boot_failed = int((~ok).sum())
        if ok.sum() < 2:
            raise DataError("fewer than 2 bootstrap resamples gave a finite alpha; the interval is undefined")
        lower, upper = (float(v) for v in np.quantile(boots[ok], [a / 2, 1 - a / 2]))
        used_boot = n_res
    return AlphaResult(
        alpha=tot["raw_alpha"],
        std_alpha=tot["std_alpha"],
        g6=tot["g6"],
        average_r=tot["average_r"],
        signal_noise=tot["signal_noise"],
        ase=_safe_sqrt(tot["Q"] / n),
        median_r=tot["med_r"],
        ci_lower=float(lower),
        ci_upper=float(upper),
        ci_method=ci,
        level=float(level),
        items=table,
        alpha_drop=alpha_drop,
        nobs=int(n),
        n_dropped=int(n_dropped),
        keys=tuple(key_list),
        reverse_constant=reverse_constant,
        total_mean=float(np.nanmean(total)),
        total_sd=float(np.nanstd(total, ddof=1)),
        missing=missing,
        n_boot=used_boot,
        n_boot_failed=n_boot_failed,
    )


def bootstrap_alpha(X: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Raw alpha of ``n_boot`` row resamples of the (already keyed) item matrix ``X``.

    Undefined resamples (an item constant in the resample) give NaN; they are counted by the
    caller, never dropped silently.
    """
    n = X.shape[0]
    out = np.empty(n_boot)
    has_nan = np.isnan(X).any()
    for b in range(n_boot):
        Xb = X[rng.integers(0, n, size=n)]
        C = cov_pairwise(Xb) if has_nan else np.cov(Xb, rowvar=False, ddof=1)
        d = np.diag(C)
        if not np.all(d > 0):
            out[b] = np.nan
            continue
        out[b] = alpha_kernel(C)[0]
    return out
