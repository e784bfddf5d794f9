"""Result of a covariance-based SEM fit (immutable, typed, lavaan-like tables)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from acsi._blas import single_threaded_blas
from acsi._lazy import special, stats  # scipy's, imported on first use
from acsi._validation import check_level
from acsi.cbsem.core import EstimationCore
from acsi.cbsem.standardized import defined_function, nonfinite_defined, r_squared, standardize
from acsi.inference.delta import delta_method
from acsi.results.base import ResultMixin, Summary, compact_repr, freeze, frozen_copy, frozen_table
from acsi.results.structural import LOADING_COLUMNS, PATH_COLUMNS
from acsi.spec.partable import ParameterTable

__all__ = ["SEMResult"]

_ESTIMATE_COLUMNS = [
    "lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all",
]


_COLUMNS_INDEX = pd.Index(_ESTIMATE_COLUMNS)
try:  # pandas >= 2.3: a frame straight from its blocks (one float block, four string columns)
    from pandas.api.internals import create_dataframe_from_blocks as _from_blocks
except ImportError:  # pragma: no cover - older pandas: the dict constructor below
    _from_blocks = None
_STR_DTYPE = pd.Series(["a"]).dtype  # the dtype pandas infers for text (str in pandas 3)
_STR_ARRAY = _STR_DTYPE.construct_array_type() if isinstance(_STR_DTYPE, pd.StringDtype) else None
_FLOAT_PLACEMENT = np.arange(4, 12)
_STR_PLACEMENTS = tuple(np.array([i]) for i in range(4))


def _frame_from_blocks(floats: np.ndarray, strings: tuple[tuple[str, ...], ...]) -> pd.DataFrame | None:
    """The estimates table from a (8, n) float block and the lhs/op/rhs/label tuples.

    Builds the same frame as ``pd.DataFrame({...})`` (text columns with the dtype pandas
    infers for strings, float64 columns) without pandas' per-column inference, which
    dominates the cost for tables of a few dozen rows. ``None`` when pandas has no public
    block constructor or text is not inferred as a string extension dtype.
    """
    if _from_blocks is None or _STR_ARRAY is None:
        return None
    n = floats.shape[1]
    blocks: list[tuple[Any, np.ndarray]] = [(np.ascontiguousarray(floats), _FLOAT_PLACEMENT)]
    for col, place in zip(strings, _STR_PLACEMENTS):
        # the extension-array constructor of the interface (pd.array() dispatches to it)
        blocks.append((_STR_ARRAY._from_sequence(col, dtype=_STR_DTYPE), place))
    return _from_blocks(blocks, index=pd.RangeIndex(n), columns=_COLUMNS_INDEX.copy())


#: kept for acsi.cbsem.api, which imports it from here (the check lives in acsi._validation)
_check_level = check_level


@dataclass(frozen=True, eq=False)
class SEMResult(ResultMixin):
    """A fitted covariance-based SEM (``acsi.sem`` / ``acsi.cfa``).

    Attributes
    ----------
    core : EstimationCore
        Moments, estimates and implied moments (see :mod:`acsi.cbsem.core`).
    estimator : {"ML", "MLR"}
    se_type : {"expected", "observed", "robust"}
        Where the standard errors come from.
    level : float
        Confidence level of ``estimates``' intervals.
    theta_vcov : ndarray
        Covariance matrix of the free parameters after equality constraints (q, q).
    n_dropped : int
        Rows removed by listwise deletion.
    """

    core: EstimationCore
    estimator: str
    se_type: str
    level: float
    theta_vcov: np.ndarray = field(repr=False)
    n_dropped: int = 0
    model_text: str = field(default="", repr=False)
    #: the FIML robust record (sandwich and scaled test) when the fit already computed it
    _fiml_robust: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # hold the estimation record and the covariance of theta read-only, so that no
        # table handed out (or array reached through ``core``) can change the result
        object.__setattr__(self, "core", frozen_copy(self.core))
        object.__setattr__(self, "theta_vcov", freeze(np.asarray(self.theta_vcov)))
        if self._fiml_robust is not None:
            object.__setattr__(self, "_fiml_robust", frozen_copy(self._fiml_robust))

    def _equality_values(self) -> tuple[Any, ...]:
        # the core holds the optimiser (no value equality): compare what it estimated
        c = self.core
        return (
            self.estimator, self.se_type, self.level, self.theta_vcov, self.n_dropped, self.model_text,
            c.partable, c.ov_names, c.X, c.S, c.mean, c.theta, c.x, c.Sigma, c.mu, c.chisq, c.df,
            c.converged, c.iterations,
        )

    def __repr__(self) -> str:
        return compact_repr(
            self, estimator=self.estimator, nobs=self.nobs, npar=self.core.npar,
            chisq=round(float(self.core.chisq), 4), df=self.core.df, converged=self.converged,
        )

    # ------------------------------------------------------------------ basics
    @property
    def partable(self) -> ParameterTable:
        """The parameter table (the model as estimated)."""
        return self.core.partable

    @property
    def converged(self) -> bool:
        """Whether the optimiser converged."""
        return self.core.converged

    @property
    def iterations(self) -> int:
        """Number of optimiser iterations."""
        return self.core.iterations

    @property
    def nobs(self) -> int:
        """Number of observations used."""
        return self.core.N

    @cached_property
    def _defined(self) -> tuple[np.ndarray, np.ndarray]:
        pt = self.partable
        rows = [k for k, o in enumerate(pt.op) if o == ":="]
        if not rows:
            return np.zeros(0), np.zeros(0)
        f = defined_function(pt)
        kern = self.core.kernel

        def g(theta: np.ndarray) -> np.ndarray:
            x = kern.x_base.astype(theta.dtype)
            x[kern.free_rows] = theta[kern.par_of_free]
            return f(x)

        with single_threaded_blas(), np.errstate(all="ignore"):
            est, se, _ = delta_method(g, self.core.theta, self.theta_vcov)
        # the complex step hides a domain error (Re sqrt(-a + 0j) = 0): judge the real value
        real = g(np.asarray(self.core.theta, dtype=float))
        bad = nonfinite_defined(pt, self.core.x, real, se)
        est = np.where(bad, np.nan, est)
        se = np.where(bad | ~np.isfinite(se), np.nan, se)
        return est, se

    @cached_property
    def _est_se(self) -> tuple[np.ndarray, np.ndarray]:
        pt = self.partable
        n = len(pt)
        est = np.full(n, np.nan)
        se = np.full(n, np.nan)
        nx = len(self.core.x)
        est[:nx] = self.core.x
        par = np.asarray(pt.par)
        free = par >= 0
        d = np.diag(self.theta_vcov)
        sev = np.where(d >= 0, np.sqrt(np.abs(d)), np.nan)
        se[free] = sev[par[free]]
        dv, ds = self._defined
        def_rows = [k for k, o in enumerate(pt.op) if o == ":="]
        est[def_rows] = dv
        se[def_rows] = ds
        return freeze(est), freeze(se)

    @cached_property
    def _std(self) -> tuple[np.ndarray, np.ndarray]:
        est, _ = self._est_se
        parts = self.core.parts
        s_lv, s_all = standardize(self.partable, est, self.core.Sigma, parts["Veta"], self.core.model.eta_names)
        return freeze(s_lv), freeze(s_all)

    def _table(self, level: float) -> pd.DataFrame:
        pt = self.partable
        est, se = self._est_se
        with np.errstate(divide="ignore", invalid="ignore"):
            z = est / se
        pval = 2.0 * special.ndtr(-np.abs(z))  # two-sided normal p-value
        crit = float(special.ndtri(0.5 + level / 2.0))
        lo = np.where(np.isnan(se), est, est - crit * se)
        hi = np.where(np.isnan(se), est, est + crit * se)
        s_lv, s_all = self._std
        floats = np.vstack([est, se, z, pval, lo, hi, s_lv, s_all])
        strings = (pt.lhs, pt.op, pt.rhs, pt.label)
        fast = _frame_from_blocks(floats, strings)
        if fast is not None:
            return fast
        return pd.DataFrame(
            {
                "lhs": list(pt.lhs),
                "op": list(pt.op),
                "rhs": list(pt.rhs),
                "label": list(pt.label),
                "est": est,
                "se": se,
                "z": z,
                "pvalue": pval,
                "ci_lower": lo,
                "ci_upper": hi,
                "std_lv": s_lv,
                "std_all": s_all,
            },
            columns=_ESTIMATE_COLUMNS,
        )

    @frozen_table
    def estimates(self) -> pd.DataFrame:
        """One row per lavaan ``parameterEstimates()`` row, in lavaan's order.

        Columns ``lhs, op, rhs, label, est, se, z, pvalue, ci_lower, ci_upper, std_lv,
        std_all``; fixed parameters have NaN ``se``, ``z``, ``pvalue`` and ``ci_lower =
        ci_upper = est`` (as lavaan).
        """
        return self._table(self.level)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals ``est -/+ z_(1+level)/2 se`` for every row.

        Returns a DataFrame with ``lhs, op, rhs, label, est, ci_lower, ci_upper``.
        """
        lv = check_level(level)
        t = self._table(lv)
        return t[["lhs", "op", "rhs", "label", "est", "ci_lower", "ci_upper"]]

    @cached_property
    def _free_names(self) -> list[str]:
        pt = self.partable
        rows = pt.free_rows
        return [pt.label[k] if pt.label[k] else f"{pt.lhs[k]}{pt.op[k]}{pt.rhs[k]}" for k in rows]

    @frozen_table
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the free parameters, as lavaan's ``vcov()``.

        One row/column per free row of the table (equality-constrained parameters repeat,
        named by their label), i.e. ``K V K'`` with ``V`` the covariance of ``theta``.
        """
        K = self.core.K
        V = K @ self.theta_vcov @ K.T
        names = self._free_names
        return pd.DataFrame(V, index=names, columns=names)

    @frozen_table
    def implied_cov(self) -> pd.DataFrame:
        """Model-implied covariance matrix of the observed variables."""
        names = list(self.core.ov_names)
        return pd.DataFrame(self.core.Sigma, index=names, columns=names)

    @frozen_table
    def sample_cov(self) -> pd.DataFrame:
        """Sample covariance matrix (divisor N)."""
        names = list(self.core.ov_names)
        return pd.DataFrame(self.core.S, index=names, columns=names)

    @frozen_table
    def implied_mean(self) -> pd.Series:
        """Model-implied means (the sample means without a mean structure)."""
        return pd.Series(self.core.mu, index=list(self.core.ov_names), name="mean")

    @frozen_table
    def r_squared(self) -> pd.Series:
        """R-squared of every indicator and dependent variable (lavaan's ``lavInspect(fit, "r2")``)."""
        names, vals = r_squared(self.partable, self._std[1])
        return pd.Series(vals, index=pd.Index(names, name="variable"), name="r_squared")

    @frozen_table
    def robust_test(self) -> Any:
        """The Yuan-Bentler scaled test (MLR only; else None)."""
        if self.estimator != "MLR" and self.core.weights is None:  # weights: lavaan's ML is robust
            return None
        fiml = self.core.fiml
        if fiml is not None:  # missing="ml": lavaan's MLR with missing data
            if self._fiml_robust is not None:  # computed once, with the standard errors
                return self._fiml_robust.test
            from acsi.cbsem.fiml_kernel import fiml_robust

            c = self.core
            with single_threaded_blas():
                return fiml_robust(c.X, fiml.patterns, fiml.em, fiml.kernel, c.theta, c.chisq, c.df).test
        from acsi.cbsem.robust import yuan_bentler_mplus

        # lavaan: MLR with standard errors from the expected information (se = "standard")
        # uses the expected information in the scaled test as well
        info = "expected" if self.se_type == "expected" else "observed"
        core: Any = self.core  # robust.CoreLike declares writable attributes; the core is frozen
        with single_threaded_blas():
            return yuan_bentler_mplus(core, info)

    @frozen_table
    def fit_measures(self) -> Any:
        """Fit measures as lavaan's ``fitMeasures()`` (see :mod:`acsi.cbsem.fit_measures`)."""
        from acsi.cbsem.fit_measures import compute_fit_measures

        robust = self.robust_test
        core: Any = self.core  # see robust_test
        with single_threaded_blas():
            return compute_fit_measures(core, robust)

    # ------------------------------------------------------------------ StructuralResult
    @property
    def family(self) -> str:
        """``"cbsem"`` (see :class:`acsi.results.structural.StructuralResult`)."""
        return "cbsem"

    @property
    def constructs(self) -> tuple[str, ...]:
        """The latent variables, in the parameter table's order."""
        return tuple(self.partable.lv_names)

    @cached_property
    def _blocks(self) -> dict[str, tuple[str, ...]]:
        pt = self.partable
        lv = set(pt.lv_names)
        out: dict[str, list[str]] = {}
        for a, o, b in zip(pt.lhs, pt.op, pt.rhs):
            if o == "=~" and b not in lv:
                out.setdefault(a, []).append(b)
        return {c: tuple(v) for c, v in out.items()}

    @property
    def blocks(self) -> Mapping[str, tuple[str, ...]]:
        """Latent variable -> its observed indicators (``=~`` rows; higher-order factors,
        whose indicators are latent, have no block)."""
        return dict(self._blocks)

    @property
    def indicators(self) -> tuple[str, ...]:
        """Observed indicators of the measurement model, in the order of the ``=~`` rows."""
        return tuple(dict.fromkeys(x for items in self._blocks.values() for x in items))

    @frozen_table
    def path_table(self) -> pd.DataFrame:
        """Structural paths (the ``~`` rows) in the layout of
        :data:`acsi.results.structural.PATH_COLUMNS`: ``source`` is lavaan's ``rhs``,
        ``target`` its ``lhs``, ``std`` the ``std_all`` value."""
        t = self.estimates
        reg = t[t["op"] == "~"]
        out = pd.DataFrame(
            {
                "source": reg["rhs"].astype(str).to_numpy(),
                "target": reg["lhs"].astype(str).to_numpy(),
                "est": reg["est"].to_numpy(float),
                "std": reg["std_all"].to_numpy(float),
                "se": reg["se"].to_numpy(float),
                "z": reg["z"].to_numpy(float),
                "pvalue": reg["pvalue"].to_numpy(float),
                "ci_lower": reg["ci_lower"].to_numpy(float),
                "ci_upper": reg["ci_upper"].to_numpy(float),
            },
            columns=list(PATH_COLUMNS),
        )
        return out

    @frozen_table
    def loadings_table(self) -> pd.DataFrame:
        """Loadings (the ``=~`` rows with an observed indicator) in the layout of
        :data:`acsi.results.structural.LOADING_COLUMNS`; ``weight`` is NaN."""
        t = self.estimates
        lv = set(self.partable.lv_names)
        m = t[(t["op"] == "=~") & ~t["rhs"].isin(lv)]
        return pd.DataFrame(
            {
                "construct": m["lhs"].astype(str).to_numpy(),
                "indicator": m["rhs"].astype(str).to_numpy(),
                "est": m["est"].to_numpy(float),
                "std": m["std_all"].to_numpy(float),
                "se": m["se"].to_numpy(float),
                "z": m["z"].to_numpy(float),
                "pvalue": m["pvalue"].to_numpy(float),
                "weight": np.full(len(m), np.nan),
            },
            columns=list(LOADING_COLUMNS),
        )

    @frozen_table
    def latent_cov(self) -> pd.DataFrame:
        """Model-implied covariance of the latent variables (lavaan's ``lavInspect(fit,
        "cov.lv")``): ``(I - B)^-1 Psi (I - B)^-T`` at the estimates, over the factors."""
        lv = list(self.partable.lv_names)
        V = np.asarray(self.core.parts["Veta"])[: len(lv), : len(lv)]
        return pd.DataFrame(V.copy(), index=lv, columns=lv)

    @frozen_table
    def indicator_cov(self) -> pd.DataFrame:
        """Sample covariance of the observed variables (divisor N; the same as
        :attr:`sample_cov`)."""
        return self.sample_cov

    # ------------------------------------------------------------------ display
    def _summary(self) -> Summary:
        core = self.core
        pv = float(stats.chi2.sf(core.chisq, core.df)) if core.df > 0 else float("nan")
        header: list[tuple[str, Any]] = [
            ("Estimator", self.estimator),
            ("Optimisation", "Fisher scoring, then Newton (analytic Hessian)"),
            ("Converged", core.converged),
            ("Iterations", core.iterations),
            ("Observations", core.N),
            ("Free parameters", core.npar),
            ("Standard errors", self.se_type),
            ("Chi-square", core.chisq),
            ("Degrees of freedom", core.df),
            ("P-value (chi-square)", pv),
        ]
        rt = self.robust_test
        if rt is not None:
            header += [
                ("Chi-square (Yuan-Bentler scaled)", rt.chisq_scaled),
                ("Scaling factor", rt.scaling_factor),
                ("P-value (scaled)", rt.pvalue_scaled),
            ]
        if core.dwls is not None:  # ordinal items: least squares on polychoric correlations
            st = core.dwls
            header[1] = ("Optimisation", f"Gauss-Newton ({st.fitting}, {st.parameterization} parameterization)")
            fm = self.fit_measures
            if not math.isnan(fm.chisq_scaled):
                header += [(f"Chi-square ({st.test})", fm.chisq_scaled), ("Scaling factor", fm.scaling_factor),
                           ("P-value (scaled)", fm.pvalue_scaled)]
        if core.weights is not None:
            header.insert(2, ("Sampling weights", "yes (normalised to sum to N; robust inference)"))
        if core.fiml is not None:
            header.insert(2, ("Missing data", "FIML (missing='ml'), h1 by EM"))
            header.insert(5, ("Missing-data patterns", core.fiml.patterns.n_patterns))
        if self.n_dropped:
            header.append(("Rows dropped (missing)", self.n_dropped))
        t = self.estimates
        cols = ["est", "se", "z", "pvalue", "std_lv", "std_all"]

        def block(mask: pd.Series) -> pd.DataFrame:
            sub = t[mask]
            idx = [
                f"{a} {o} {b}" + (f" ({lab})" if lab else "")
                for a, o, b, lab in zip(sub["lhs"], sub["op"], sub["rhs"], sub["label"])
            ]
            out = sub[cols].copy()
            out.index = pd.Index(idx)
            return out

        tables = []
        for title, mask in (
            ("Latent variables", t["op"] == "=~"),
            ("Regressions", t["op"] == "~"),
            ("Covariances", (t["op"] == "~~") & (t["lhs"] != t["rhs"])),
            ("Intercepts", t["op"] == "~1"),
            ("Thresholds", t["op"] == "|"),
            ("Variances", (t["op"] == "~~") & (t["lhs"] == t["rhs"])),
            ("Scales y*", t["op"] == "~*~"),
        ):
            if mask.any():
                tables.append((title, block(mask)))
        if (t["op"] == ":=").any():
            sub = t[t["op"] == ":="]
            d = sub[cols].copy()
            d.index = pd.Index([f"{a} := {b}" for a, b in zip(sub["lhs"], sub["rhs"])])
            tables.append(("Defined parameters", d))
        if len(self.r_squared):
            tables.append(("R-squared", self.r_squared.to_frame()))
        return Summary(title=f"Structural equation model ({self.estimator})", header=header, tables=tables)
