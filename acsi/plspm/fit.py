"""Overall model fit of a PLS path model: SRMR, d_ULS and d_G (Dijkstra & Henseler 2015).

The model-implied indicator correlation matrix is built as cSEM's ``fit()`` builds it
(and as SmartPLS reports it for the "saturated" and the "estimated" model):

* construct correlations ``V``: the saturated model uses the construct correlations of
  the estimates (``C``, disattenuated under PLSc); the estimated model those implied by
  the structural model: with ``Phi`` the correlations of the exogenous constructs,
  ``Gamma`` and ``B`` the paths from exogenous and endogenous constructs to the
  endogenous ones, and ``Psi = diag(1 - R^2)``,

  ``V_xy = Phi Gamma' (I - B)^-T``, ``V_yy = (I - B)^-1 (Gamma Phi Gamma' + Psi) (I - B)^-T``
  (unit diagonal);

* indicators: ``Sigma = Lambda' V Lambda + Theta`` with ``Theta = diag(1 - sum lambda^2)``
  (so ``Sigma`` has a unit diagonal), then the correlations within every composite block
  replaced by the observed ones. Which blocks are composites: ``composites="formative"``
  (cSEM's rule: ``<~`` blocks are composites, ``=~`` blocks common factors, also when
  estimated without the PLSc correction) or ``"all"`` (every block a composite, the
  composite model of Henseler et al. 2014).

Discrepancies between the observed correlations ``S`` and ``Sigma`` (``p`` indicators):

* ``SRMR = sqrt(sum_{i<=j} (S_ij - Sigma_ij)^2 / (p (p + 1) / 2))`` (both matrices as
  correlations; cSEM's ``calculateSRMR``),
* ``d_ULS = 1/2 sum_ij (S_ij - Sigma_ij)^2`` (cSEM's ``calculateDL``),
* ``d_G = 1/2 sum_i (ln phi_i)^2`` with ``phi_i`` the eigenvalues of ``S^-1 Sigma``
  (Dijkstra & Henseler 2015, natural logarithm). cSEM's ``calculateDG`` takes the base-10
  logarithm: its value is acsi's divided by ``(ln 10)^2 = 5.3019``.

The bootstrap quantiles (95% and 99%, type 7) are those of the Bollen-Stine bootstrap
(Beran & Srivastava 1985; cSEM's ``testOMF``, SmartPLS's "complete bootstrap" second
round): the standardized data are transformed to ``Z S^-1/2 Sigma^1/2`` (so that they fit
the model exactly), resampled, refitted and the discrepancies recomputed; one run for
the saturated and one for the estimated model. Resamples whose fit failed or is
inadmissible are dropped and counted (cSEM's default ``.handle_inadmissibles = "drop"``).
A discrepancy above its 95% (99%) quantile rejects exact fit at the 5% (1%) level.

References
----------
Dijkstra, T. K., & Henseler, J. (2015). Consistent and asymptotically normal PLS
estimators for linear structural equations. *Computational Statistics & Data Analysis*,
81, 10-23. Henseler, J., Dijkstra, T. K., Sarstedt, M., et al. (2014). Common beliefs and
reality about PLS. *Organizational Research Methods*, 17(2), 182-209. Beran, R., &
Srivastava, M. S. (1985). Bootstrap tests and confidence regions for functions of a
covariance matrix. *The Annals of Statistics*, 13(1), 95-115.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi._validation import check_choice, check_int, make_rng
from acsi.exceptions import DataError
from acsi.plspm.batched import BatchPlan, fit_batched, make_plan, resample_moments
from acsi.results.base import ResultMixin, Summary, compact_repr, freeze, frozen_table

if TYPE_CHECKING:
    from acsi.plspm.results import PLSResult

__all__ = ["PLSFitMeasures", "implied_correlations", "discrepancies", "fit_measures", "COMPOSITES"]

COMPOSITES: tuple[str, ...] = ("formative", "all")
MEASURES: tuple[str, ...] = ("srmr", "d_uls", "d_g")
QUANTILES: tuple[float, ...] = (0.95, 0.99)


def implied_construct_correlations(C: np.ndarray, B: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Construct correlations (S, k, k) implied by the structural model (see the module)."""
    endo = inner.any(axis=0)
    if not endo.any():
        return C.copy()
    en, ex = np.flatnonzero(endo), np.flatnonzero(~endo)
    Bee = np.swapaxes(B[:, en[:, None], en[None, :]], 1, 2)  # target x source
    G = np.swapaxes(B[:, ex[:, None], en[None, :]], 1, 2)
    Phi = C[:, ex[:, None], ex[None, :]]
    r2 = (B * C).sum(axis=1)[:, en]
    I = np.eye(en.size)
    inv = np.linalg.inv(I - Bee)
    psi = np.zeros_like(Bee)
    psi[:, np.arange(en.size), np.arange(en.size)] = 1.0 - r2
    xy = np.matmul(np.matmul(Phi, np.swapaxes(G, 1, 2)), np.swapaxes(inv, 1, 2))
    yy = np.matmul(np.matmul(inv, np.matmul(np.matmul(G, Phi), np.swapaxes(G, 1, 2)) + psi), np.swapaxes(inv, 1, 2))
    yy[:, np.arange(en.size), np.arange(en.size)] = 1.0
    V = np.empty_like(C)
    V[:, ex[:, None], ex[None, :]] = Phi
    V[:, ex[:, None], en[None, :]] = xy
    V[:, en[:, None], ex[None, :]] = np.swapaxes(xy, 1, 2)
    V[:, en[:, None], en[None, :]] = yy
    return (V + np.swapaxes(V, 1, 2)) / 2.0


def implied_correlations(
    R: np.ndarray, L: np.ndarray, C: np.ndarray, B: np.ndarray, plan: BatchPlan,
    composite: np.ndarray, saturated: bool,
) -> np.ndarray:
    """Model-implied indicator correlations (S, p, p) for a stack of fits.

    ``composite`` (k,) bool marks the blocks whose observed correlations are kept.
    """
    V = C if saturated else implied_construct_correlations(C, B, plan.inner)
    lam = L[:, plan.ar, plan.block]  # each indicator's loading on its construct
    Lam = L * plan.mask
    Sigma = np.matmul(np.matmul(Lam, V), np.swapaxes(Lam, 1, 2))
    idx = plan.ar
    Sigma[:, idx, idx] += 1.0 - lam * lam
    comp = composite[plan.block]
    same = (plan.block[:, None] == plan.block[None, :]) & comp[:, None] & comp[None, :]
    Sigma = np.where(same[None], R, Sigma)
    return (Sigma + np.swapaxes(Sigma, 1, 2)) / 2.0


def discrepancies(S: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
    """(n_stack, 3): SRMR, d_ULS, d_G of observed ``S`` and implied ``Sigma`` (stacks)."""
    p = S.shape[-1]
    d = np.sqrt(np.diagonal(S, axis1=1, axis2=2))
    e = np.sqrt(np.diagonal(Sigma, axis1=1, axis2=2))
    diff = S / (d[:, :, None] * d[:, None, :]) - Sigma / (e[:, :, None] * e[:, None, :])
    il = np.tril_indices(p)
    srmr = np.sqrt((diff[:, il[0], il[1]] ** 2).sum(axis=1) / il[0].size)
    duls = 0.5 * ((S - Sigma) ** 2).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        try:
            Lc = np.linalg.cholesky(S)
            Li = np.linalg.inv(Lc)
            M = np.matmul(np.matmul(Li, Sigma), np.swapaxes(Li, 1, 2))
            phi = np.linalg.eigvalsh((M + np.swapaxes(M, 1, 2)) / 2.0)
        except np.linalg.LinAlgError:
            phi = np.linalg.eigvals(np.linalg.solve(S, Sigma)).real
        dg = 0.5 * (np.log(phi) ** 2).sum(axis=1)
    return np.column_stack([srmr, duls, dg])


def _sqrtm(A: np.ndarray, inverse: bool = False) -> np.ndarray:
    vals, vecs = np.linalg.eigh(A)
    if vals[0] <= 0:
        raise DataError(
            "the Bollen-Stine bootstrap needs positive definite observed and model-implied "
            f"correlation matrices (smallest eigenvalue {vals[0]:.3g}); the model-implied "
            "matrix is not a correlation matrix of any data"
        )
    f = vals ** (-0.5 if inverse else 0.5)
    return (vecs * f) @ vecs.T


@dataclass(frozen=True, eq=False)
class PLSFitMeasures(ResultMixin):
    """SRMR, d_ULS and d_G of the saturated and the estimated model, optionally with
    Bollen-Stine bootstrap quantiles (``res.fit_measures``, ``res.model_fit(n=...)``).

    Attributes
    ----------
    values : ndarray (3, 2)
        Rows srmr, d_uls, d_g; columns saturated, estimated.
    quantiles : ndarray (3, 2, 2) or None
        [measure, model, (95%, 99%)] of the bootstrap distributions.
    n_boot, n_dropped : ndarray (2,) or None
        Resamples kept and dropped (failed or inadmissible) per model.
    composites : str
    """

    values: np.ndarray
    composites: str = "formative"
    quantiles: np.ndarray | None = None
    n_boot: np.ndarray | None = None
    n_dropped: np.ndarray | None = None
    draws: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in ("values", "quantiles", "n_boot", "n_dropped"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, freeze(np.asarray(value)))
        object.__setattr__(self, "draws", {k: freeze(np.asarray(v)) for k, v in self.draws.items()})

    def __repr__(self) -> str:
        return compact_repr(self, srmr=round(float(self.values[0, 1]), 4), bootstrap=self.quantiles is not None)

    @frozen_table
    def table(self) -> pd.DataFrame:
        """Rows ``srmr``, ``d_uls``, ``d_g``; columns ``saturated`` and ``estimated``, and
        after a bootstrap ``saturated_q95``, ``saturated_q99``, ``estimated_q95``,
        ``estimated_q99`` (SmartPLS's "Saturated model" / "Estimated model" with HI95/HI99)."""
        out = pd.DataFrame(self.values, index=list(MEASURES), columns=["saturated", "estimated"])
        if self.quantiles is not None:
            for m, model in enumerate(("saturated", "estimated")):
                for q, level in enumerate(("q95", "q99")):
                    out[f"{model}_{level}"] = self.quantiles[:, m, q]
        return out

    def to_series(self) -> pd.Series:
        """The estimated model's ``srmr``, ``d_uls``, ``d_g`` and the saturated model's as
        ``srmr_saturated`` ... (the PLS counterpart of the CB-SEM ``fit_measures.to_series()``)."""
        v = self.values
        names = list(MEASURES) + [f"{m}_saturated" for m in MEASURES]
        return pd.Series(np.r_[v[:, 1], v[:, 0]], index=names, name="fit")

    def _summary(self) -> Summary:
        header: list[tuple[str, Any]] = [("Composite blocks", self.composites)]
        if self.n_boot is not None and self.n_dropped is not None:
            header.append(("Bollen-Stine resamples kept (saturated, estimated)",
                           f"{int(self.n_boot[0])}, {int(self.n_boot[1])}"))
            header.append(("Dropped (failed or inadmissible)",
                           f"{int(self.n_dropped[0])}, {int(self.n_dropped[1])}"))
        notes = ["SRMR < 0.08 is the usual approximate-fit threshold (Hu & Bentler 1999); exact fit "
                 "is rejected at 5% when a discrepancy exceeds its bootstrap q95."]
        return Summary(title="PLS model fit (Dijkstra & Henseler 2015)", header=header,
                       tables=[("Fit", self.table)], notes=notes)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"fit": self.table}


def _composite_mask(res: PLSResult, composites: str) -> np.ndarray:
    if composites == "all":
        return np.ones(res.spec.k, dtype=bool)
    return np.array([m == "B" for m in res.spec.mode], dtype=bool)


def _point(res: PLSResult, composite: np.ndarray, plan: BatchPlan) -> np.ndarray:
    k = res.kernel
    R = np.asarray(res.R)[None]
    out = np.empty((3, 2))
    for m, sat in enumerate((True, False)):
        Sig = implied_correlations(R, k.L[None], k.C[None], k.B[None], plan, composite, sat)
        out[:, m] = discrepancies(R, Sig)[0]
    return out


def fit_measures(
    res: PLSResult,
    n: int = 0,
    seed: Any = None,
    composites: str = "formative",
    indices: Any = None,
) -> PLSFitMeasures:
    """SRMR, d_ULS and d_G of a PLS model, with Bollen-Stine bootstrap quantiles if ``n > 0``.

    Usually called as ``res.model_fit(n=..., seed=...)`` (``res.fit_measures`` is the call
    without bootstrap). The method is described in :mod:`acsi.plspm.fit`.

    Parameters
    ----------
    res : PLSResult
    n : int, default 0
        Bollen-Stine resamples per model (saturated, estimated); 0 for none. cSEM's
        ``testOMF`` uses 499.
    seed : int, SeedSequence, Generator or None
    composites : {"formative", "all"}, default "formative"
        Blocks whose within-block correlations are taken as observed (see the module).
    indices : array (n, n_rows), optional
        0-based rows of every resample (used for both models).

    Returns
    -------
    PLSFitMeasures

    Examples
    --------
    >>> import acsi
    >>> from acsi.datasets import load_mobi
    >>> res = acsi.pls('''
    ...     Image        =~ IMAG1 + IMAG2 + IMAG3
    ...     Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ...     Loyalty      =~ CUSL1 + CUSL2 + CUSL3
    ...     Satisfaction ~ Image
    ...     Loyalty      ~ Satisfaction
    ... ''', load_mobi())
    >>> fm = res.model_fit(n=100, seed=1)
    >>> list(fm.table.columns)[:2], bool(fm.table.loc["srmr", "estimated"] < 0.1)
    (['saturated', 'estimated'], True)
    """
    composites = check_choice(composites, COMPOSITES, "composites",
                              hint="'formative' treats '=~' blocks as common factors, as cSEM")
    plan = make_plan(res.spec)
    comp = _composite_mask(res, composites)
    values = _point(res, comp, plan)
    if indices is None:
        n = check_int(n, "n", minimum=0, hint="cSEM's testOMF uses 499")
    if n == 0 and indices is None:
        return PLSFitMeasures(values=values, composites=composites)
    X = np.asarray(res.data.X, dtype=np.float64)
    rows = X.shape[0]
    if indices is not None:
        idx = np.asarray(indices)
        if idx.ndim != 2 or idx.shape[1] != rows or not np.issubdtype(idx.dtype, np.integer) \
                or idx.min() < 0 or idx.max() >= rows:
            from acsi.exceptions import SpecificationError

            raise SpecificationError(f"indices must be an integer array (n, {rows}) of 0-based row positions")
    else:
        idx = make_rng(seed).integers(0, rows, size=(n, rows))
    counts = np.zeros((idx.shape[0], rows))
    np.add.at(counts, (np.arange(idx.shape[0])[:, None], idx), 1.0)
    from acsi.plspm.algorithm import standardize

    Z = standardize(X)
    S = np.asarray(res.R)
    k = res.kernel
    s = res.settings
    quant = np.empty((3, 2, 2))
    kept = np.zeros(2, dtype=int)
    dropped = np.zeros(2, dtype=int)
    draws: dict[str, np.ndarray] = {}
    for m, sat in enumerate((True, False)):
        Sig = implied_correlations(S[None], k.L[None], k.C[None], k.B[None], plan, comp, sat)[0]
        Xt = Z @ _sqrtm(S, inverse=True) @ _sqrtm(Sig)
        _, _, Rb = resample_moments(Xt - Xt.mean(axis=0), counts)
        out = fit_batched(Rb, plan, scheme=s.scheme, consistent=bool(k.consistent), tol=s.tol,
                          max_iter=s.max_iter)
        ok = ~(out.failed | out.inadmissible)
        Sb = implied_correlations(Rb[ok], out.L[ok], out.C[ok], out.B[ok], plan, comp, sat)
        d = discrepancies(Rb[ok], Sb)
        kept[m], dropped[m] = int(ok.sum()), int((~ok).sum())
        if kept[m] < 3:
            raise DataError(
                f"fewer than 3 admissible Bollen-Stine resamples ({kept[m]} of {ok.size}); "
                "the model-fit bootstrap cannot give quantiles"
            )
        quant[:, m, :] = np.quantile(d, QUANTILES, axis=0).T
        draws["saturated" if sat else "estimated"] = d
    return PLSFitMeasures(values=values, composites=composites, quantiles=quant, n_boot=kept,
                          n_dropped=dropped, draws=draws)
