"""Exploratory factor analysis (ML, principal axis), KMO and Bartlett's sphericity test,
with psych's conventions (psych::fa, psych::KMO, psych::cortest.bartlett)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from acsi._lazy import optimize, stats  # scipy's, imported on first use
from acsi._validation import check_choice, check_int
from acsi.exceptions import ConvergenceWarning, DataError, IdentificationError, InadmissibleSolutionWarning, warn
from acsi.reliability._common import (
    MISSING_POLICIES,
    check_variation,
    item_matrix,
    one_blas_thread,
    pairwise_correlation,
    smc,
)
from acsi.reliability._lbfgsb import lbfgsb_r
from acsi.reliability._rotation import OBLIQUE, ROTATIONS
from acsi.reliability._rotation import rotate as _rotate
from acsi.results.base import CopyTables, ResultMixin, Summary, freeze_fields, frozen_table

__all__ = [
    "EFAResult",
    "efa",
    "KMOResult",
    "kmo",
    "BartlettResult",
    "bartlett_sphericity",
    "fa_ml_kernel",
    "fa_pa_kernel",
]


# ----------------------------------------------------------------------------- kernels
def _eigh_desc(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w, v = np.linalg.eigh(S)
    return w[::-1], v[:, ::-1]


def _ml_objective(psi: np.ndarray, R: np.ndarray, nf: int) -> float:
    sc = 1.0 / np.sqrt(psi)
    e = np.linalg.eigvalsh(R * sc[:, None] * sc[None, :])[::-1][nf:]
    return float(-(np.sum(np.log(e) - e) - nf + R.shape[0]))


def _ml_loadings(psi: np.ndarray, R: np.ndarray, nf: int) -> np.ndarray:
    sc = 1.0 / np.sqrt(psi)
    w, v = _eigh_desc(R * sc[:, None] * sc[None, :])
    return np.sqrt(psi)[:, None] * (v[:, :nf] * np.sqrt(np.maximum(w[:nf] - 1.0, 0.0)))


def _ml_gradient(psi: np.ndarray, R: np.ndarray, nf: int) -> np.ndarray:
    L = _ml_loadings(psi, R, nf)
    return ((L**2).sum(axis=1) + psi - np.diag(R)) / psi**2


def _psych_optim(
    objective: Callable[[np.ndarray, np.ndarray, int], float],
    gradient: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
    start: np.ndarray,
    R: np.ndarray,
    nf: int,
    lower: float,
) -> tuple[np.ndarray, bool]:
    """psych::fa's call ``optim(start, fn, gr, method = "L-BFGS-B", lower = 0.005, upper = 1,
    control = list(parscale = rep(0.01, p)))``: R's L-BFGS-B (version 2.3, see
    :mod:`acsi.reliability._lbfgsb`) on ``psi / 0.01`` with ``factr = 1e7``, ``pgtol = 0``,
    ``maxit = 100``, 5 corrections. Returns (psi, converged)."""
    scale = 0.01
    p = R.shape[0]
    res = lbfgsb_r(
        lambda x: objective(x * scale, R, nf),
        lambda x: gradient(x * scale, R, nf) * scale,
        start / scale,
        np.full(p, lower / scale),
        np.full(p, 1.0 / scale),
    )
    return res.x * scale, res.convergence == 0


def fa_ml_kernel(
    R: np.ndarray, nf: int, lower: float = 0.005, convergence: str = "psych"
) -> tuple[np.ndarray, np.ndarray, bool]:
    r"""Maximum-likelihood factor analysis of a correlation matrix (Jöreskog 1967).

    Minimises over the uniquenesses ``psi`` the concentrated discrepancy
    ``F(psi) = sum_{j>nf} (e_j - log e_j - 1)`` where ``e_j`` are the eigenvalues of
    ``Psi^-1/2 R Psi^-1/2`` (the ML discrepancy ``tr(Sigma^-1 R) - log|Sigma^-1 R| - p`` at the
    optimal loadings), by L-BFGS-B from ``psi = 1 - smc`` within ``[lower, 1]`` as psych/factanal.

    ``convergence="psych"`` uses R ``optim``'s settings in psych::fa (5 corrections,
    ``factr = 1e7``, no gradient test, ``parscale = 0.01``, at most 100 iterations), which
    reproduce psych's iterates; ``"strict"`` converges to rounding level (the exact ML
    solution, as R ``factanal`` with ``factr = 1``).
    Returns (unrotated loadings, psi, converged). No checks (kernel).
    """
    start = np.clip(1.0 - smc(R), lower, 1.0)
    p = R.shape[0]
    if convergence == "psych":
        psi, converged = _psych_optim(_ml_objective, _ml_gradient, start, R, nf, lower)
    else:
        res = optimize.minimize(
            _ml_objective, start, args=(R, nf), jac=_ml_gradient, method="L-BFGS-B",
            bounds=[(lower, 1.0)] * p,
            options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 5000, "maxcor": 20},
        )
        psi = res.x
        # converged when the projected gradient vanishes (scipy may report a line-search stop
        # at the optimum because the tolerances asked for are at rounding level)
        g = _ml_gradient(psi, R, nf)
        g = np.where((psi <= lower) & (g > 0), 0.0, g)
        g = np.where((psi >= 1.0) & (g < 0), 0.0, g)
        converged = bool(np.max(np.abs(g)) < 1e-6)
    return _ml_loadings(psi, R, nf), psi, converged


def _minres_loadings(psi: np.ndarray, R: np.ndarray, nf: int) -> np.ndarray:
    w, v = _eigh_desc(R - np.diag(psi))
    return v[:, :nf] * np.sqrt(np.maximum(w[:nf], 0.0))


def _minres_objective(psi: np.ndarray, R: np.ndarray, nf: int) -> float:
    w, v = _eigh_desc(R - np.diag(psi))
    w = np.where(w < np.finfo(float).eps, 100 * np.finfo(float).eps, w)
    L = v[:, :nf] * np.sqrt(w[:nf])
    res = (R - L @ L.T)[np.tril_indices(R.shape[0], -1)]
    return float((res**2).sum())


def _minres_gradient(psi: np.ndarray, R: np.ndarray, nf: int) -> np.ndarray:
    L = _minres_loadings(psi, R, nf)
    return (L**2).sum(axis=1) + psi - np.diag(R)


def fa_minres_kernel(R: np.ndarray, nf: int, lower: float = 0.005) -> tuple[np.ndarray, np.ndarray, bool]:
    r"""Minimum-residual (unweighted least squares) factor analysis as psych::fa(fm = "minres").

    Minimises the sum of squared off-diagonal residuals ``sum_{i>j} (r_ij - (LL')_ij)^2`` over
    the uniquenesses, ``L`` from the first ``nf`` eigenpairs of ``R - Psi``, with R optim's
    L-BFGS-B settings that psych uses (start ``1 - smc``, bounds ``[0.005, 1]``,
    ``parscale = 0.01``, ``factr = 1e7``) so that the iterates are psych's.
    Returns (loadings, psi, converged). No checks (kernel).
    """
    start = np.clip(1.0 - smc(R), lower, 1.0)
    psi, converged = _psych_optim(_minres_objective, _minres_gradient, start, R, nf, lower)
    return _minres_loadings(psi, R, nf), psi, converged


def fa_pa_kernel(
    R: np.ndarray, nf: int, min_err: float = 0.001, max_iter: int = 50
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    r"""Iterated principal-axis factoring as psych::fa(fm = "pa").

    Start with squared multiple correlations on the diagonal; repeat: loadings = first ``nf``
    eigenvectors times sqrt(eigenvalues) of the reduced matrix, new diagonal = row sums of
    squared loadings; stop when the sum of communalities changes by less than ``min_err``
    (psych's default 0.001) or after ``max_iter`` (50) iterations.
    Returns (loadings, eigenvalues of the last reduced matrix, iterations, converged).
    """
    Rm = R.copy()
    np.fill_diagonal(Rm, smc(R))
    comm = float(np.trace(Rm))
    converged = False
    it = 0
    while True:
        w, v = _eigh_desc(Rm)
        L = v[:, :nf] * np.sqrt(w[:nf])
        new = (L**2).sum(axis=1)
        comm1 = float(new.sum())
        np.fill_diagonal(Rm, new)
        err = abs(comm - comm1)
        comm = comm1
        it += 1
        if err <= min_err:
            converged = True
            break
        if it + 1 > max_iter:
            break
    return L, w, it, converged


def _fit_statistics(
    R: np.ndarray, L: np.ndarray, phi: np.ndarray, n: int, counts: np.ndarray | None = None
) -> dict[str, float]:
    """psych::fa.stats: ML discrepancy of the fitted correlation matrix, Bartlett-corrected
    chi-square, TLI, RMSEA, BIC, RMS of the residual correlations (with pairwise counts
    ``counts``: residuals weighted by them and the harmonic mean count, as psych)."""
    p, nf = L.shape
    model = L @ phi @ L.T
    resid = R - model
    np.fill_diagonal(resid, 0.0)
    rstar_off = float((resid**2).sum())
    dof = p * (p - 1) / 2 - p * nf + nf * (nf - 1) / 2
    Sigma = model.copy()
    np.fill_diagonal(Sigma, np.diag(R))
    M = np.linalg.solve(Sigma, R)
    sign, logdet = np.linalg.slogdet(M)
    objective = float(np.trace(M) - logdet - p)
    factor = (n - 1) - (2 * p + 5) / 6 - 2 * nf / 3
    chisq = max(objective * factor, 0.0)
    F0 = float(np.trace(R) - np.linalg.slogdet(R)[1] - p)
    null_dof = p * (p - 1) / 2
    null_chisq = F0 * ((n - 1) - (2 * p + 5) / 6)
    out = {
        "objective": objective,
        "chisq": chisq,
        "df": dof,
        "pvalue": float(stats.chi2.sf(chisq, dof)) if dof > 0 else math.nan,
        "baseline_chisq": null_chisq,
        "baseline_df": null_dof,
        "rms": math.sqrt(rstar_off / (p * (p - 1))),
        "chisq_empirical": rstar_off * n,
    }
    if counts is not None:
        weighted = float((resid**2 * counts).sum())
        nh = float(counts.size / np.sum(1.0 / counts))
        out["rms"] = math.sqrt(weighted / (nh * p * (p - 1)))
        out["chisq_empirical"] = weighted
    if dof > 0:
        Mm = objective / dof
        M0 = F0 * 2 / (p * (p - 1))
        out["tli"] = (M0 - Mm) / (M0 - 1 / factor)
        out["rmsea"] = math.sqrt(max(chisq / (dof * n) - 1 / (n - 1), 0.0))
        out["bic"] = chisq - dof * math.log(n)
    else:
        out["tli"] = out["rmsea"] = out["bic"] = math.nan
    return out


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class EFAResult(CopyTables, ResultMixin):
    """Exploratory factor analysis (psych::fa conventions).

    Attributes
    ----------
    loadings : DataFrame
        Items x factors (pattern loadings for oblique rotations). Factors are named as psych
        names them (``ML1``, ``PA2``, ...: the number is the factor's position before
        rotation), signed so that every column sums to a positive value, and ordered by the
        variance they account for.
    phi : DataFrame or None
        Factor correlations (oblique rotations only).
    communalities : Series
        ``h2``: squared multiple correlation of each item with the factors.
    uniquenesses : Series
        ``u2 = 1 - h2``.
    eigenvalues : Series
        Eigenvalues of the item correlation matrix (for a scree plot).
    common_eigenvalues : Series
        Eigenvalues of the reduced correlation matrix (communalities on the diagonal).
    variance : DataFrame
        ``ss_loadings, proportion_var, cumulative_var, proportion_explained,
        cumulative_proportion`` per factor (psych's ``Vaccounted``).
    fit : Series
        ``objective, chisq, df, pvalue, baseline_chisq, baseline_df, tli, rmsea, bic, rms,
        chisq_empirical`` (psych's ``fa.stats``; chisq is Bartlett-corrected).
    rotation_matrix : ndarray or None
        psych's ``rot.mat``: the transformation of the unrotated loadings (columns in the
        order and signs before psych's final reflection and sorting).
    method, rotation : str
    nobs : int
        Rows used (``n`` is an alias, the older name).
    converged : bool
    iterations : int
        Principal-axis iterations (0 for ML).
    """

    loadings: pd.DataFrame
    phi: pd.DataFrame | None
    communalities: pd.Series
    uniquenesses: pd.Series
    eigenvalues: pd.Series
    common_eigenvalues: pd.Series
    variance: pd.DataFrame
    fit: pd.Series
    rotation_matrix: np.ndarray | None
    method: str
    rotation: str
    nobs: int
    n_dropped: int
    converged: bool
    iterations: int

    def __post_init__(self) -> None:
        freeze_fields(self)

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs` (the older name)."""
        return self.nobs

    @property
    def n_factors(self) -> int:
        """Number of factors."""
        return int(self.loadings.shape[1])

    @frozen_table
    def structure(self) -> pd.DataFrame:
        """Structure matrix (item-factor correlations): ``loadings @ phi`` (= loadings when orthogonal)."""
        if self.phi is None:
            return self.loadings.copy()
        return self.loadings @ self.phi

    def _summary(self) -> Summary:
        tab = self.loadings.copy()
        tab["h2"] = self.communalities
        tab["u2"] = self.uniquenesses
        header: list[tuple[str, object]] = [
            ("method", {"ml": "maximum likelihood", "pa": "principal axis", "minres": "minimum residual"}[self.method]),
            ("rotation", self.rotation),
            ("factors", self.n_factors),
            ("observations", self.nobs),
        ]
        if self.method == "ml":
            f = self.fit
            header += [("chi-square", f["chisq"]), ("df", int(f["df"])), ("p-value", f["pvalue"]),
                       ("TLI", f["tli"]), ("RMSEA", f["rmsea"])]
        tables = [("Loadings", tab), ("Variance accounted for", self.variance.T)]
        if self.phi is not None:
            tables.append(("Factor correlations", self.phi))
        return Summary("Exploratory factor analysis", header, tables)


@dataclass(frozen=True, eq=False)
class KMOResult(CopyTables, ResultMixin):
    """Kaiser-Meyer-Olkin measure of sampling adequacy.

    Attributes
    ----------
    msa : float
        Overall MSA.
    msa_items : Series
        MSA of each item.
    """

    msa: float
    msa_items: pd.Series

    def __post_init__(self) -> None:
        freeze_fields(self)

    def _summary(self) -> Summary:
        return Summary(
            "Kaiser-Meyer-Olkin measure of sampling adequacy",
            [("overall MSA", self.msa)],
            [("MSA per item", self.msa_items.to_frame("msa"))],
        )


@dataclass(frozen=True, eq=False)
class BartlettResult(CopyTables, ResultMixin):
    """Bartlett's test that the correlation matrix is an identity matrix.

    Attributes
    ----------
    chisq, df, pvalue : float
    nobs : int
        Rows used (``n`` is an alias, the older name).
    """

    chisq: float
    df: float
    pvalue: float
    nobs: int

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs` (the older name)."""
        return self.nobs

    def _summary(self) -> Summary:
        return Summary(
            "Bartlett's test of sphericity",
            [("chi-square", self.chisq), ("df", int(self.df)), ("p-value", self.pvalue), ("n", self.nobs)],
        )


# ----------------------------------------------------------------------------- API
def _correlation(
    data: object, columns: Sequence[str] | None, missing: str, context: str,
    na_values: float | str | Sequence[float | str] | None = None,
) -> tuple[np.ndarray, list[str], int, int, np.ndarray | None]:
    """Item correlations, names, n, rows dropped and (pairwise only) the pairwise counts."""
    missing = check_choice(missing, MISSING_POLICIES, "missing", case_sensitive=True)
    X, names, n_dropped = item_matrix(
        data, columns, missing=missing, na_values=na_values, context=context, min_items=2,  # type: ignore[arg-type]
        argument="data",
    )
    check_variation(X, names, context)
    if missing == "pairwise":
        R, counts = pairwise_correlation(X)
        if np.isnan(R).any():
            i, j = (int(v) for v in np.argwhere(np.isnan(R))[0])
            raise DataError(
                f"items {names[i]!r} and {names[j]!r} have too few rows answered together for a "
                "correlation; use missing='listwise' or drop one of them"
            )
        if np.linalg.eigvalsh(R)[0] < 0:
            warn(
                "the pairwise correlation matrix is not positive definite (its smallest eigenvalue "
                "is negative); results may be improper: consider missing='listwise'",
                InadmissibleSolutionWarning,
            )
        return R, names, X.shape[0], 0, counts
    R = np.corrcoef(X, rowvar=False)
    return R, names, X.shape[0], n_dropped, None


@one_blas_thread
def efa(
    data: pd.DataFrame,
    n_factors: int,
    method: Literal["ml", "pa", "minres"] = "ml",
    rotation: Literal["varimax", "quartimax", "geominT", "promax", "oblimin", "geominQ"] | None = "oblimin",
    *,
    columns: Sequence[str] | None = None,
    missing: Literal["listwise", "pairwise", "mean", "error"] = "listwise",
    convergence: Literal["psych", "strict"] = "psych",
    na_values: float | Sequence[float] | None = None,
) -> EFAResult:
    r"""Exploratory factor analysis of the item correlations, equal to R ``psych::fa``.

    The model is ``R = L Phi L' + Psi``. ``method="ml"`` minimises the ML discrepancy
    ``tr(Sigma^-1 R) - log|Sigma^-1 R| - p`` over the uniquenesses (Jöreskog 1967);
    ``method="pa"`` iterates principal axes from squared multiple correlations until the sum
    of communalities changes by less than 0.001 (psych's rule); ``method="minres"`` (psych's
    default) minimises the squared off-diagonal residuals. Rotations: ``"varimax"``
    (R stats::varimax), ``"promax"`` (psych: Kaiser-normalised, power 4), ``"oblimin"``
    (GPArotation quartimin, gradient projection), ``"quartimax"`` (GPArotation, orthogonal),
    ``"geominQ"`` / ``"geominT"`` (GPArotation geomin, delta 0.01, oblique / orthogonal), or
    ``None``. The chi-square is
    ``F (n - 1 - (2p + 5)/6 - 2k/3)`` with ``df = p(p-1)/2 - pk + k(k-1)/2``.

    Parameters
    ----------
    data : DataFrame
        One column per item (all columns unless ``columns`` is given).
    n_factors : int
    method : {"ml", "pa", "minres"}
    rotation : {"varimax", "quartimax", "geominT", "promax", "oblimin", "geominQ", None}
        psych's default is ``"oblimin"``.
    columns : sequence of str, optional
    missing : {"listwise", "pairwise", "mean", "error"}
        acsi's default drops incomplete rows with a warning. ``"pairwise"`` is psych's default
        for raw data: each correlation from the rows where both items are answered
        (``cor(x, use = "pairwise")``), n = all rows, and the residual-based statistics
        (``rms``, ``chisq_empirical``) weighted by the pairwise counts; a warning says when
        the pairwise matrix is not positive definite.
    na_values : float or sequence, optional
        Codes meaning "missing" (for example -99), as in :func:`cronbach_alpha`.
    convergence : {"psych", "strict"}
        ML only. ``"psych"`` (default) stops the optimiser where psych::fa does (R optim's
        L-BFGS-B defaults, ``factr = 1e7``), reproducing psych's numbers; ``"strict"``
        converges fully (the exact ML solution, as R ``factanal`` with ``factr = 1``); the two
        differ by about 1e-6 to 1e-4 in the loadings.

    Returns
    -------
    EFAResult

    Raises
    ------
    acsi.IdentificationError
        More factors than the correlations identify (negative degrees of freedom).
    acsi.DataError
        Unknown or constant item, fewer than 3 items.

    Notes
    -----
    Validated against R psych 2.2.9 (``psych::fa``) with GPArotation 2022.10-2: every
    statistic agrees to ~1e-9 or better (rotations and the principal-axis iteration are
    reproduced with their stopping rules; ML and minres follow the path of R's L-BFGS-B,
    version 2.3 of the algorithm, :mod:`acsi.reliability._lbfgsb`, which matters when a
    uniqueness reaches the bound 0.005). Cases: mobi, satisfaction, servqual, corp_rep
    (pairwise), e-banking (n = 54, Heywood cases), 1-7 factors, every method and rotation
    (tests/test_efa.py, tests/test_reliability_zoo.py). With ``convergence="strict"`` the ML
    uniquenesses agree with R ``factanal(control = list(opt = list(factr = 1)))`` to ~1e-8.

    psych's warnings have acsi counterparts: an ultra-Heywood case (communality above 1) and
    a uniqueness at the bound 0.005 give an :class:`~acsi.InadmissibleSolutionWarning`;
    principal axes that do not converge in 50 iterations a :class:`~acsi.ConvergenceWarning`.

    References
    ----------
    Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor analysis.
    Psychometrika, 32, 443-482.
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research. R package version 2.2.9.

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.reliability.efa(hs[[f"x{i}" for i in range(1, 10)]], 3, method="pa", rotation="varimax")
    >>> list(res.loadings.columns)
    ['PA1', 'PA3', 'PA2']
    >>> res.loadings.loc["x1"].round(2).tolist(), round(float(res.communalities["x1"]), 3)
    ([0.28, 0.61, 0.15], 0.477)
    """
    method = check_choice(method, ("ml", "pa", "minres"), "method", case_sensitive=True)  # type: ignore[assignment]
    if rotation is not None:
        rotation = check_choice(  # type: ignore[assignment]
            rotation, ("none", *ROTATIONS), "rotation", hint="or None for no rotation", case_sensitive=True
        )
    check_int(n_factors, "n_factors", minimum=1)
    convergence = check_choice(convergence, ("psych", "strict"), "convergence", case_sensitive=True)  # type: ignore[assignment]
    R, names, n, n_dropped, counts = _correlation(data, columns, missing, "factor analysis", na_values)
    p = len(names)
    nf = int(n_factors)
    dof = p * (p - 1) / 2 - p * nf + nf * (nf - 1) / 2
    if nf >= p or dof < 0:
        max_nf = max(k for k in range(0, p) if p * (p - 1) / 2 - p * k + k * (k - 1) / 2 >= 0)
        raise IdentificationError(
            f"{nf} factors are not identified by {p} items (degrees of freedom {dof:g} < 0); "
            f"use at most {max_nf} factor(s) or add items"
        )
    smallest = float(np.linalg.eigvalsh(R)[0])
    if smallest <= 1e-12:
        if counts is not None and smallest < 0:
            raise DataError(
                f"the pairwise correlation matrix is not positive definite (smallest eigenvalue "
                f"{smallest:.3g}): it mixes different respondents; use missing='listwise'"
            )
        raise DataError(
            "the item correlation matrix is singular (an item is a linear combination of others); "
            "remove redundant items"
        )
    iterations = 0
    if method in ("ml", "minres"):
        if method == "ml":
            L, psi, converged = fa_ml_kernel(R, nf, convergence=convergence)
        else:
            L, psi, converged = fa_minres_kernel(R, nf)
        if not converged:
            warn(f"the {method} factor analysis did not converge", ConvergenceWarning)
        if np.any(psi <= 0.005 + 1e-9):
            bad = [names[j] for j in np.where(psi <= 0.005 + 1e-9)[0]]
            warn(
                f"Heywood case: the uniqueness of {', '.join(bad)} is at the lower bound 0.005",
                InadmissibleSolutionWarning,
            )
        model = L @ L.T
        S = R.copy()
        np.fill_diagonal(S, np.diag(model))
        common = np.linalg.eigvalsh(S)[::-1]
    else:
        L, common, iterations, converged = fa_pa_kernel(R, nf)
        if not converged:
            warn(
                f"principal axis factoring stopped after {iterations} iterations without the "
                "communalities converging (psych's max.iter = 50)",
                ConvergenceWarning,
            )
        if not np.all(np.isfinite(L)):
            raise DataError(
                "principal axis factoring met a negative eigenvalue among the first factors; "
                "use method='ml' or fewer factors"
            )
    model = L @ L.T
    h2 = np.diag(model).copy()
    if np.any(h2 > 1):
        warn(
            f"ultra-Heywood case: communality above 1 for {', '.join(names[j] for j in np.where(h2 > 1)[0])}",
            InadmissibleSolutionWarning,
        )
    # psych: sign so that column sums are positive, rotate, sign again, order by variance
    sgn = np.sign(L.sum(axis=0))
    sgn[sgn == 0] = 1.0
    L = L * sgn
    rot_name = "none" if rotation in (None, "none") or nf < 2 else str(rotation)
    rot = _rotate(L, None if rot_name == "none" else rot_name)
    if not rot.converged and rot_name == "varimax":
        warn("varimax did not converge in 1000 iterations", ConvergenceWarning)
    Lr = rot.loadings
    phi = rot.phi
    oblique = rot_name in OBLIQUE
    sgn = np.sign(Lr.sum(axis=0))
    sgn[sgn == 0] = 1.0
    Lr = Lr * sgn
    phi = phi * sgn[:, None] * sgn[None, :]
    prefix = {"ml": "ML", "pa": "PA", "minres": "MR"}[method]
    fnames = [f"{prefix}{j + 1}" for j in range(nf)]
    vx = np.diag(phi @ Lr.T @ Lr) if oblique else (Lr**2).sum(axis=0)
    order = np.argsort(-vx, kind="stable")
    Lr, phi, vx = Lr[:, order], phi[np.ix_(order, order)], vx[order]
    fnames = [fnames[j] for j in order]
    fit = _fit_statistics(R, Lr, phi if oblique else np.eye(nf), n, counts)
    vtotal = float(p)
    variance = pd.DataFrame(
        {
            "ss_loadings": vx,
            "proportion_var": vx / vtotal,
            "cumulative_var": np.cumsum(vx / vtotal),
            "proportion_explained": vx / vx.sum(),
            "cumulative_proportion": np.cumsum(vx / vx.sum()),
        },
        index=pd.Index(fnames, name="factor"),
    )
    idx = pd.Index(names, name="item")
    return EFAResult(
        loadings=pd.DataFrame(Lr, index=idx, columns=pd.Index(fnames, name="factor")),
        phi=pd.DataFrame(phi, index=fnames, columns=fnames) if oblique else None,
        communalities=pd.Series(h2, index=idx, name="h2"),
        uniquenesses=pd.Series(1.0 - h2, index=idx, name="u2"),
        eigenvalues=pd.Series(
            np.linalg.eigvalsh(R)[::-1], index=pd.RangeIndex(1, p + 1, name="component"), name="eigenvalue"
        ),
        common_eigenvalues=pd.Series(common, index=pd.RangeIndex(1, p + 1, name="factor"), name="eigenvalue"),
        variance=variance,
        fit=pd.Series(fit, name="fit"),
        rotation_matrix=None if rot_name == "none" else rot.rotmat,
        method=method,
        rotation=rot_name,
        nobs=n,
        n_dropped=n_dropped,
        converged=bool(converged),
        iterations=int(iterations),
    )


def kmo(
    data: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    missing: Literal["listwise", "pairwise", "mean", "error"] = "listwise",
    na_values: float | Sequence[float] | None = None,
) -> KMOResult:
    r"""Kaiser-Meyer-Olkin measure of sampling adequacy, equal to R ``psych::KMO``.

    With ``r_ij`` the correlations and ``q_ij`` the partial (anti-image) correlations
    ``-(R^-1)_ij / sqrt((R^-1)_ii (R^-1)_jj)``:
    ``MSA = sum_{i!=j} r_ij^2 / (sum_{i!=j} r_ij^2 + sum_{i!=j} q_ij^2)``, and per item the same
    sums over ``j`` only (Kaiser 1970; Kaiser and Rice 1974).

    ``missing``: incomplete rows are dropped (``"listwise"``, with a warning) unless
    ``missing="pairwise"`` (psych's default for raw data: ``cor(x, use = "pairwise")``).

    Validated against R psych 2.2.9 (to 1e-12).

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> round(acsi.reliability.kmo(hs[[f"x{i}" for i in range(1, 10)]]).msa, 4)
    0.7522
    """
    R, names, _, _, _ = _correlation(data, columns, missing, "KMO", na_values)
    try:
        Ri = np.linalg.inv(R)
    except np.linalg.LinAlgError as exc:
        raise DataError("the item correlation matrix is singular; remove redundant items") from exc
    d = 1.0 / np.sqrt(np.diag(Ri))
    Q = Ri * d[:, None] * d[None, :]
    np.fill_diagonal(Q, 0.0)
    r = R.copy()
    np.fill_diagonal(r, 0.0)
    r2, q2 = (r**2).sum(axis=0), (Q**2).sum(axis=0)
    return KMOResult(
        float(r2.sum() / (r2.sum() + q2.sum())),
        pd.Series(r2 / (r2 + q2), index=pd.Index(names, name="item"), name="msa"),
    )


def bartlett_sphericity(
    data: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    missing: Literal["listwise", "pairwise", "mean", "error"] = "listwise",
    na_values: float | Sequence[float] | None = None,
) -> BartlettResult:
    r"""Bartlett's (1951) test of sphericity, equal to R ``psych::cortest.bartlett``.

    ``chisq = -(n - 1 - (2p + 5)/6) log|R|`` on ``p(p-1)/2`` degrees of freedom.

    ``missing``: as :func:`kmo`; with ``"pairwise"`` n is the number of rows (as psych).

    Validated against R psych 2.2.9 (to 1e-10 relative).

    Examples
    --------
    >>> import acsi
    >>> hs = acsi.datasets.load_holzinger_swineford()
    >>> res = acsi.reliability.bartlett_sphericity(hs[[f"x{i}" for i in range(1, 10)]])
    >>> round(res.chisq, 2), res.df
    (904.1, 36.0)
    """
    R, names, n, _, _ = _correlation(data, columns, missing, "sphericity test", na_values)
    p = len(names)
    sign, logdet = np.linalg.slogdet(R)
    if sign <= 0:
        raise DataError("the item correlation matrix is singular; remove redundant items")
    chisq = float(-logdet * (n - 1 - (2 * p + 5) / 6))
    df = p * (p - 1) / 2
    return BartlettResult(chisq, float(df), float(stats.chi2.sf(chisq, df)), n)
