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
from acsi._validation import check_bool, check_choice, check_level, check_number
from acsi.cbsem.core import EstimationCore
from acsi.cbsem.standardized import defined_function, nonfinite_defined, r_squared, standardize
from acsi.exceptions import IdentificationError, SpecificationError
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


#: the text columns (lhs, op, rhs, label) of estimates tables, by their tuples
_TEXT_COLUMNS: dict[tuple[str, ...], Any] = {}


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
        arr = _TEXT_COLUMNS.get(col)
        if arr is None:
            # the extension-array constructor of the interface (pd.array() dispatches to it);
            # kept per text tuple: the frame built here is private to its result, which
            # hands out copies only (frozen_table), so no caller can write into it
            arr = _STR_ARRAY._from_sequence(col, dtype=_STR_DTYPE)
            if len(_TEXT_COLUMNS) >= 512:
                _TEXT_COLUMNS.clear()
            _TEXT_COLUMNS[col] = arr
        blocks.append((arr, place))
    return _from_blocks(blocks, index=pd.RangeIndex(n), columns=_COLUMNS_INDEX.copy())


def _row_maps(pt: ParameterTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``pt`` with a free parameter, that parameter's index, and the ``:=`` rows
    (read-only, cached per table: the table is immutable)."""
    hit = _ROW_MAPS.get(pt)
    if hit is None:
        par = np.asarray(pt.par, dtype=np.intp)
        free = np.flatnonzero(par >= 0)
        hit = (free, par[free], np.array([k for k, o in enumerate(pt.op) if o == ":="], dtype=np.intp))
        for arr in hit:
            arr.flags.writeable = False
        if len(_ROW_MAPS) >= 64:
            _ROW_MAPS.clear()
        _ROW_MAPS[pt] = hit
    return hit


_ROW_MAPS: dict[ParameterTable, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


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

    @property
    def group_labels(self) -> tuple[str, ...]:
        """Names of the groups in lavaan's order (``()`` for a single-group fit; see
        :class:`acsi.cbsem.mg_results.MultiGroupSEMResult`)."""
        return ()

    @property
    def ngroups(self) -> int:
        """Number of groups (1 for a single-group fit)."""
        return 1

    @cached_property
    def _defined(self) -> tuple[np.ndarray, np.ndarray]:
        pt = self.partable
        if not _row_maps(pt)[2].size:
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
        free, par_free, def_rows = _row_maps(pt)
        d = np.diag(self.theta_vcov)
        sev = np.where(d >= 0, np.sqrt(np.abs(d)), np.nan)
        se[free] = sev[par_free]
        if def_rows.size:
            dv, ds = self._defined
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
        s_lv, s_all = self._std
        # rows: est, se, z, pvalue, ci_lower, ci_upper, std_lv, std_all
        floats = np.empty((8, est.size))
        floats[0], floats[1], floats[6], floats[7] = est, se, s_lv, s_all
        z = floats[2]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(est, se, out=z)
        np.multiply(2.0, special.ndtr(-np.abs(z)), out=floats[3])  # two-sided normal p-value
        crit = float(special.ndtri(0.5 + level / 2.0))
        half = np.where(np.isnan(se), 0.0, crit * se)  # no standard error: ci_lower = ci_upper = est
        np.subtract(est, half, out=floats[4])
        np.add(est, half, out=floats[5])
        strings = (pt.lhs, pt.op, pt.rhs, pt.label)
        fast = _frame_from_blocks(floats, strings)
        if fast is not None:
            return fast
        return pd.DataFrame(
            {"lhs": list(pt.lhs), "op": list(pt.op), "rhs": list(pt.rhs), "label": list(pt.label),
             **{name: floats[t] for t, name in enumerate(_ESTIMATE_COLUMNS[4:])}},
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

    @property
    def _ml_family(self) -> bool:
        """A single-group fit by (robust) ML without sampling weights."""
        core = self.core
        return not isinstance(core, EstimationCore) or (core.dwls is None and core.weights is None)

    def _only_ml_family(self, what: str, weighted_fiml: bool = False) -> None:
        """Refuse ``what`` for fits whose statistics it does not cover yet (no silent wrong number);
        ``weighted_fiml``: ``what`` is validated against lavaan for FIML fits with sampling weights."""
        core = self.core
        if not isinstance(core, EstimationCore):  # multigroup: its own checks
            if core.groups[0].dwls is not None:
                raise SpecificationError(
                    f"{what} for ordinal (WLSMV/DWLS/ULS) multigroup fits is not implemented in acsi "
                    "yet; it is available for ML and MLR fits of continuous items"
                )
            return
        if core.dwls is not None:
            raise SpecificationError(
                f"{what} for ordinal (WLSMV/DWLS/ULS) fits is not implemented in acsi yet; it is available "
                "for ML and MLR fits of continuous items"
            )
        if core.weights is not None and not (weighted_fiml and core.fiml is not None):
            raise SpecificationError(
                f"{what} for fits with sampling_weights is not implemented in acsi yet; it is available "
                "for unweighted ML and MLR fits"
            )

    def bootstrap(
        self,
        n: int | None = None,
        seed: Any = None,
        indices: Any = None,
        ci: str = "perc",
        level: float = 0.95,
        executor: Any = None,
        progress: Any = None,
        *,
        type: str = "ordinary",
        chunk_size: int | None = None,
        blas_threads: int | None = 1,
    ) -> Any:
        """Nonparametric bootstrap of every parameter, ``:=`` value and the std_all solution.

        See :func:`acsi.cbsem.bootstrap.bootstrap_sem` (lavaan's ``bootstrapLavaan`` and
        ``se = "bootstrap"`` intervals; ``type="bollen.stine"`` for the Bollen-Stine test).

        Examples
        --------
        >>> import acsi
        >>> hs = acsi.datasets.load_holzinger_swineford()
        >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs)
        >>> res.bootstrap(n=50, seed=3, ci="norm").n_failed
        0
        """
        from acsi.cbsem.bootstrap import bootstrap_sem  # it checks which fits it covers
        from acsi.cbsem.from_moments import needs_rows

        needs_rows(self.core, "the bootstrap (resampling respondents)")

        return bootstrap_sem(self, n=n, seed=seed, indices=indices, ci=ci, level=level, executor=executor,
                             progress=progress, type=type, chunk_size=chunk_size, blas_threads=blas_threads)

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
                return fiml_robust(c.X, fiml.patterns, fiml.em, fiml.kernel, c.theta, c.chisq, c.df,
                                   np.asarray(fiml.x_idx, np.intp), fiml.weights).test
        from acsi.cbsem.robust import yuan_bentler_mplus

        # lavaan: MLR with standard errors from the expected information (se = "standard")
        # uses the expected information in the scaled test as well
        info = "expected" if self.se_type == "expected" else "observed"
        if self.partable.constraints:  # the constrained information inverse (issue 11)
            from acsi.cbsem.constraints import robust_test_constrained

            with single_threaded_blas():
                return robust_test_constrained(self.core, info)
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
    def _fit_indices(self) -> pd.DataFrame:
        """The fit indices a reader looks for first (lavaan's names; robust ones with MLR)."""
        fm = self.fit_measures.to_series(lavaan_names=True)
        names = ["cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr", "aic", "bic"]
        if self.robust_test is not None:
            names[2:2] = ["cfi.robust", "tli.robust"]
            names[-2:-2] = ["rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust"]
        fit = fm.reindex(names).dropna()
        return fit.to_frame("value").rename_axis("measure")

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
            header.insert(2, ("Missing data", f"FIML (missing={getattr(core.fiml, 'missing', 'ml')!r}), h1 by EM"))
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

        tables = [("Fit indices", self._fit_indices())]
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
        notes: list[str] = []
        fiml_x = self.core.fiml is not None and bool(self.partable.fixed_x and self.partable.ov_x)
        if not fiml_x and core.df > 0 and self._ml_family:
            try:
                tables += self._diagnostic_tables()
            except IdentificationError as err:
                notes.append(f"No modification indices: {err}")
            notes.append(
                "Modification indices: score tests (1 df) of freeing a fixed or omitted "
                "parameter; free one only if it makes substantive sense, then refit."
            )
        return Summary(
            title=f"Structural equation model ({self.estimator})", header=header, tables=tables, notes=notes
        )

    def _diagnostic_tables(self) -> list[tuple[str, pd.DataFrame]]:
        """The summary's diagnostics: the ten largest modification indices above 3.84 and a
        digest of the correlation residuals."""
        mi = self.modindices(sort=True, minimum_value=3.84).head(10)
        mi.index = pd.Index([f"{a} {o} {b}" for a, o, b in zip(mi["lhs"], mi["op"], mi["rhs"])])
        out = [("Modification indices (largest 10 above 3.84)", mi[["mi", "epc", "sepc_all"]])]
        r = self.residuals("cor")
        big = r.largest
        big = big[big["lhs"] != big["rhs"]].head(5)
        stats_ = r.summary_stats()
        digest = pd.DataFrame(
            {"value": [stats_["mean_abs"], stats_["max_abs"]]},
            index=pd.Index(["mean |correlation residual|", "largest |correlation residual|"]),
        )
        out.append(("Residuals (sample minus implied correlations, cor.bollen)", digest))
        if len(big):
            top = big.copy()
            top.index = pd.Index([f"{a} ~~ {b}" for a, b in zip(top["lhs"], top["rhs"])])
            out.append(("Largest correlation residuals", top[["residual"]]))
        return out

    # ------------------------------------------------------------------ diagnostics (issue 11)
    def standardized_solution(self, type: str = "std.all", level: float = 0.95) -> pd.DataFrame:  # noqa: A002
        """Standardized estimates with delta-method standard errors (lavaan's
        ``standardizedSolution()``).

        Parameters
        ----------
        type : {"std.all", "std.lv", "std.nox"}
            ``"std.lv"``: latent variables scaled to unit variance; ``"std.all"``: observed
            variables too; ``"std.nox"``: as ``"std.all"`` but observed covariates (lavaan's
            ``ov.x``) keep their scale.
        level : float
            Confidence level of ``ci_lower``/``ci_upper``.

        Returns
        -------
        DataFrame
            ``lhs, op, rhs, [label,] est_std, se, z, pvalue, ci_lower, ci_upper``, one row per
            row of :attr:`estimates` (``:=`` rows included, their expressions evaluated on
            the standardized values; ``label`` when the model has labels). The standard
            errors are ``sqrt(diag(J V J'))`` with ``V`` the covariance of the free
            parameters (robust for MLR) and ``J`` the exact (complex-step) Jacobian of the
            standardized values; as lavaan, a standard error below ``eps^(1/4)`` is 0 and
            then ``z`` and ``pvalue`` are NaN and the interval is the point.

        Notes
        -----
        lavaan differentiates by forward differences (step ``sqrt(eps)``), so its standard
        errors differ from these exact ones in about the eighth digit.

        Examples
        --------
        >>> import acsi
        >>> hs = acsi.datasets.load_holzinger_swineford()
        >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs)
        >>> st = res.standardized_solution()
        >>> st.loc[0, ["lhs", "op", "rhs"]].tolist(), round(float(st.loc[0, "est_std"]), 3)
        (['visual', '=~', 'x1'], 0.778)
        """
        self._only_ml_family("the standardized solution with standard errors", weighted_fiml=True)
        from acsi.cbsem.standardized import STD_TYPES, StdPlan, standardized_jacobian

        kind = check_choice(type, STD_TYPES, "type", hint="lavaan's standardizedSolution types")
        lv = check_level(level)
        pt = self.partable
        c = self.core
        kern = c.kernel
        n = c.model.n_rows
        plan = StdPlan(pt.lhs[:n], pt.op[:n], pt.rhs[:n], pt.lv_names, pt.ov_names, pt.ov_x)
        has_def = any(o == ":=" for o in pt.op)
        fdef = defined_function(pt) if has_def else None
        with single_threaded_blas(), np.errstate(all="ignore"):
            est, J = standardized_jacobian(
                plan, c.model, kind, kern.x_base, kern.free_rows, kern.par_of_free, np.asarray(c.theta), fdef
            )
            V = J @ self.theta_vcov @ J.T
        d = np.diag(0.5 * (V + V.T)).copy()
        d[d < 0] = np.nan
        se = np.sqrt(d)
        se[se < np.finfo(float).eps ** 0.25] = 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            z = est / np.where(se == 0, np.nan, se)
        pval = 2.0 * special.ndtr(-np.abs(z))
        crit = float(special.ndtri(0.5 + lv / 2.0))
        cols: dict[str, Any] = {"lhs": list(pt.lhs), "op": list(pt.op), "rhs": list(pt.rhs)}
        if any(pt.label):
            cols["label"] = list(pt.label)
        cols.update({"est_std": est, "se": se, "z": z, "pvalue": pval,
                     "ci_lower": est - crit * se, "ci_upper": est + crit * se})
        return pd.DataFrame(cols)

    def _moment_pieces(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Normal-theory weight ``H`` at the implied moments, sample minus implied moments in
        the layout of ``Delta`` and the vech coordinates (single group, complete data)."""
        c = self.core
        W = c.kernel.weight(np.asarray(c.Sigma_inv))
        vr, vc = c.model.vech_r, c.model.vech_c
        dm = np.asarray(c.mean) - np.asarray(c.mu)
        # the ML score with a mean structure: mean residuals enter the covariance part too
        res = (np.asarray(c.S) + (np.outer(dm, dm) if c.meanstructure else 0.0) - np.asarray(c.Sigma))[vr, vc]
        if c.meanstructure:
            res = np.concatenate([dm, res])
        return W, res, np.stack([vr, vc])

    def _constraint_basis(self) -> np.ndarray | None:
        """Null-space basis of the active general constraints (None without constraints)."""
        if not self.partable.constraints:
            return None
        from acsi.cbsem.constraints import _z

        return _z(self.core)

    def _fixed_x_moments(self) -> np.ndarray | None:
        """Mask of the moments ``([mu,] vech Sigma)`` among fixed-x covariates only (None
        without fixed-x covariates)."""
        pt = self.partable
        if not (pt.fixed_x and pt.ov_x):
            return None
        c = self.core
        ov = list(c.ov_names)
        xs = [ov.index(v) for v in pt.ov_x]
        vr, vc = c.model.vech_r, c.model.vech_c
        mask = np.isin(vr, xs) & np.isin(vc, xs)
        if c.meanstructure:
            mask = np.concatenate([np.isin(np.arange(len(ov)), xs), mask])
        return mask

    def _needs_complete_data(self, what: str) -> None:
        if self.core.fiml is not None:
            raise SpecificationError(
                f"{what} is not available for fits with missing='ml' (full-information ML) in "
                "this version; fit with the default listwise deletion to inspect the model"
            )

    def modindices(self, sort: bool = False, minimum_value: float = 0.0) -> pd.DataFrame:
        """Modification indices, as lavaan's ``modindices()`` (see :mod:`acsi.cbsem.modindices`).

        Parameters
        ----------
        sort : bool
            Largest index first (lavaan's ``sort.``); default the candidate order.
        minimum_value : float
            Keep only the indices above this value (lavaan's ``minimum.value``).

        Returns
        -------
        DataFrame
            ``lhs, op, rhs, mi, epc, sepc_lv, sepc_all, sepc_nox``: the score statistic of
            freeing each fixed or omitted parameter (1 df), its expected parameter change and
            the standardized changes. Candidates that would not be identified are left out.

        Raises
        ------
        SpecificationError
            ``minimum_value`` negative or not a number; a fit with ``missing="ml"`` and
            fixed observed covariates.

        Examples
        --------
        >>> import acsi
        >>> hs = acsi.datasets.load_holzinger_swineford()
        >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
        ...                "speed =~ x7 + x8 + x9", hs)
        >>> mi = res.modindices(sort=True)
        >>> mi.loc[0, ["lhs", "op", "rhs"]].tolist(), round(float(mi.loc[0, "mi"]), 3)
        (['visual', '=~', 'x9'], 36.411)
        """
        self._only_ml_family("modification indices")
        from acsi.cbsem.modindices import modification_indices

        srt = check_bool(sort, "sort")
        mv = check_number(minimum_value, "minimum_value", minimum=0.0)
        c = self.core
        score = None
        if c.fiml is not None:  # FIML: the incomplete-data score and expected information
            from acsi.cbsem.modindices import fiml_moment_pieces

            if self.partable.fixed_x and self.partable.ov_x:
                # lavaan re-represents the covariates for the candidates that regress a covariate on
                # another variable; acsi's score test in the fixed-x model differs there
                raise SpecificationError(
                    "modindices() for fits with missing='ml' (or 'ml.x') and fixed observed covariates "
                    f"({', '.join(self.partable.ov_x)}) is not available in this version; refit with "
                    "fixed_x=False (the covariates' moments then enter the likelihood) or with the "
                    "default listwise deletion to inspect the model"
                )
            W, score = fiml_moment_pieces(c.fiml, np.asarray(c.mu), np.asarray(c.Sigma))
            res = np.zeros(0)
        else:
            W, res, _ = self._moment_pieces()
        D = np.asarray(c.Delta)
        Z = self._constraint_basis()
        if Z is not None:  # the score test against the constrained model
            D = D @ Z
        with single_threaded_blas(), np.errstate(all="ignore"):
            out = modification_indices(self.partable, c.model, np.asarray(c.x), D, W, res, c.N, score=score)
        if srt:
            out = out.iloc[np.argsort(-out["mi"].to_numpy(), kind="stable")].reset_index(drop=True)
        if mv > 0:
            out = out[out["mi"] > mv].reset_index(drop=True)
        return out

    def residuals(self, type: str = "raw") -> Any:  # noqa: A002
        """Residuals of the covariance (and mean) structure, as lavaan's ``residuals()``.

        Parameters
        ----------
        type : {"raw", "cor", "cor.bentler", "normalized", "standardized", "standardized.mplus"}
            ``"cor"`` is lavaan's ``"cor.bollen"`` (sample minus implied correlations); see
            :mod:`acsi.cbsem.residuals` for the others and lavaan's aliases (``"crmr"``,
            ``"srmr"``, ``"cor.eqs"``, ``"rmr"``). With ``missing="ml"`` the sample moments
            are the EM (h1) ones.

        Returns
        -------
        acsi.cbsem.residuals.ResidualsResult
            ``.cov`` (DataFrame), ``.mean`` (Series, None without a mean structure),
            ``.largest`` and ``.summary_stats()``.

        Examples
        --------
        >>> import acsi
        >>> hs = acsi.datasets.load_holzinger_swineford()
        >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs)
        >>> r = res.residuals("cor")
        >>> round(float(r.cov.loc["x2", "x1"]), 4)
        -0.038
        """
        self._only_ml_family("residuals", weighted_fiml=True)
        from acsi.cbsem.residuals import RESIDUAL_TYPES, ResidualsResult, gamma_adf, residual_moments

        kind = check_choice(type, RESIDUAL_TYPES, "type", hint="'cor' is lavaan's 'cor.bollen'")
        c = self.core
        if kind in ("normalized", "standardized", "standardized.mplus"):
            if c.fiml is None and self.partable.fixed_x and self.partable.ov_x and self.se_type == "robust":
                raise SpecificationError(
                    f"residuals(type={kind!r}) is not available for MLR fits with fixed "
                    f"observed covariates ({', '.join(self.partable.ov_x)}) in this version; "
                    "use type='raw' or 'cor'"
                )
        vr, vc = c.model.vech_r, c.model.vech_c
        S, Sigma = np.asarray(c.S), np.asarray(c.Sigma)
        kw: dict[str, Any] = {}
        # fixed-x covariates: lavaan zeroes their moments' rows of the saturated information
        # (and inverts it by a generalized inverse)
        xmask = self._fixed_x_moments()
        if c.fiml is not None and kind in ("normalized", "standardized", "standardized.mplus"):  # FIML: EM h1 moments
            from acsi.cbsem.residuals import fiml_h1_acov, fiml_h1_information

            kw["acov_obs"] = fiml_h1_acov(c.fiml, np.asarray(c.X), self.se_type, xmask)
            if kind == "standardized":
                D = np.asarray(c.Delta)
                Z = self._constraint_basis()
                if Z is not None:
                    D = D @ Z
                a1 = fiml_h1_information(c.fiml, np.asarray(c.mu), Sigma, self.se_type, xmask)
                kw.update(delta=D, a0_inv=np.linalg.inv(D.T @ a1 @ D), a1=a1)
        elif kind in ("normalized", "standardized", "standardized.mplus"):
            kern = c.kernel
            if self.se_type == "robust":
                from acsi.cbsem.from_moments import stored_moments

                src = stored_moments(c)  # fitted to acsi.moments: Gamma from the stored moments
                kw["acov_obs"] = (gamma_adf(np.asarray(c.X), vr, vc, c.meanstructure) if src is None
                                  else src.gamma(c.meanstructure))
            elif xmask is not None:
                h1 = kern.weight(np.linalg.inv(S)).copy()
                h1[xmask, :] = 0.0
                h1[:, xmask] = 0.0
                kw["acov_obs"] = np.linalg.pinv(h1, hermitian=True)
            else:
                kw["acov_obs"] = np.linalg.inv(kern.weight(np.linalg.inv(S)))
        if kind == "standardized" and c.fiml is None:
            # lavaan: A1 the saturated information at the implied moments (expected, or
            # observed for fits with observed-information SEs), A0 = Delta' A1 Delta
            # (its "h1" observed information)
            D = np.asarray(c.Delta)
            Z = self._constraint_basis()
            if Z is not None:
                D = D @ Z
            if self.se_type in ("observed", "robust"):
                a1 = _h1_observed_information(c)
            else:
                a1 = c.kernel.weight(np.asarray(c.Sigma_inv))
            if xmask is not None:
                a1 = a1.copy()
                a1[xmask, :] = 0.0
                a1[:, xmask] = 0.0
            kw["delta"] = D
            kw["a0_inv"] = np.linalg.inv(D.T @ a1 @ D)
            kw["a1"] = a1
        if kind == "standardized.mplus":  # Gamma / N - Delta V Delta'
            D = np.asarray(c.Delta)
            kw["acov_est"] = D @ np.asarray(self.theta_vcov) @ D.T
        with single_threaded_blas(), np.errstate(all="ignore"):
            cov, mean = residual_moments(
                kind, S=S, ybar=np.asarray(c.mean), Sigma=Sigma, mu=np.asarray(c.mu),
                meanstructure=c.meanstructure, vech=(vr, vc), N=float(c.N), **kw,
            )
        names = list(c.ov_names)
        return ResidualsResult(
            type=kind,
            _cov=pd.DataFrame(cov, index=names, columns=names),
            _mean=None if mean is None else pd.Series(mean, index=names, name="mean"),
        )


def _h1_observed_information(core: EstimationCore) -> np.ndarray:
    """Observed information per observation of the saturated model at the implied moments
    (lavaan's ``h1.information = "structured"`` with observed information): the Hessian of
    the saturated ``fmin`` w.r.t. ``(mu, vech Sigma)``, by complex steps of its analytic
    gradient."""
    kern = core.kernel
    vr, vc = core.model.vech_r, core.model.vech_c
    p = core.S.shape[0]
    ms = core.meanstructure
    m0 = np.asarray(core.Sigma)[vr, vc]
    mu0 = np.asarray(core.mu)
    base = np.concatenate([mu0, m0]) if ms else m0
    h = 1e-20
    cols = []
    for j in range(base.size):
        z = base.astype(complex)
        z[j] += 1j * h
        mu = z[:p] if ms else mu0.astype(complex)
        v = z[p:] if ms else z
        Sg = np.zeros((p, p), dtype=complex)
        Sg[vr, vc] = v
        Sg[vc, vr] = v
        Si = np.linalg.inv(Sg)
        cols.append(np.imag(kern._grad_moments(Si, mu)[0]) / h)
    return 0.5 * np.column_stack(cols)
