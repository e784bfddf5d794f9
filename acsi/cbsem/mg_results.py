"""Result of a multigroup CB-SEM fit (``acsi.sem/cfa(..., group="column")``).

:class:`MultiGroupSEMResult` is a :class:`~acsi.cbsem.results.SEMResult` whose ``core`` is
a :class:`~acsi.cbsem.multigroup.MultiGroupCore`: the estimates table gains lavaan's
``group`` column (1, 2, ...; 0 for ``:=`` rows), the moment tables are indexed by
``(group, variable)``, and the fit measures are lavaan's multigroup ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from acsi._blas import single_threaded_blas
from acsi._lazy import stats
from acsi.cbsem.multigroup import MultiGroupCore, multigroup_fit_measures, multigroup_robust_test
from acsi.cbsem.results import SEMResult
from acsi.cbsem.standardized import defined_function, nonfinite_defined, r_squared, standardize
from acsi.inference.delta import delta_method
from acsi.results.base import Summary, compact_repr, freeze, frozen_table

__all__ = ["MultiGroupSEMResult"]


@dataclass(frozen=True, eq=False)
class MultiGroupSEMResult(SEMResult):
    """A covariance-based SEM fitted to several groups at once (lavaan's ``group =``).

    Everything of :class:`~acsi.cbsem.results.SEMResult`, with:

    * ``estimates``: lavaan's ``parameterEstimates()`` rows of every group in turn (group 1's
      rows, then group 2's, ...; the ``:=`` rows last) and a ``group`` column after ``rhs``
      (lavaan's 1-based group number, 0 for ``:=`` rows);
    * ``group_labels``: the groups' names in lavaan's order (first appearance in the data,
      or the categories' order of a pandas categorical);
    * ``chisq_group``: each group's contribution to the chi-square;
    * ``implied_cov``, ``sample_cov``, ``implied_mean``, ``latent_cov``, ``r_squared``:
      indexed by ``(group, variable)``;
    * ``fit_measures``: lavaan's multigroup ``fitMeasures()``.
    """

    core: MultiGroupCore  # type: ignore[assignment]

    def _equality_values(self) -> tuple[Any, ...]:
        c = self.core
        return (
            self.estimator, self.se_type, self.level, self.theta_vcov, self.n_dropped,
            self.model_text, c.partable, c.group_labels, c.theta, c.x, c.chisq, c.df,
            c.converged, c.iterations, tuple(g.X for g in c.groups),
        )

    def __repr__(self) -> str:
        return compact_repr(
            self, estimator=self.estimator, groups=self.group_labels, nobs=self.nobs,
            npar=self.core.npar, chisq=round(float(self.core.chisq), 4), df=self.core.df,
            converged=self.converged,
        )

    @property
    def group_labels(self) -> tuple[str, ...]:
        """Names of the groups in lavaan's order (group 1 first)."""
        return self.core.group_labels

    @property
    def ngroups(self) -> int:
        """Number of groups."""
        return self.core.ngroups

    @frozen_table
    def nobs_group(self) -> pd.Series:
        """Observations per group."""
        return pd.Series(self.core.nobs_group, index=pd.Index(self.group_labels, name="group"),
                         name="nobs")

    @frozen_table
    def chisq_group(self) -> pd.Series:
        """Each group's contribution ``N_g F_g`` to the chi-square (lavaan's
        ``lavInspect(fit, "test")$standard$stat.group``)."""
        return pd.Series(self.core.chisq_group, index=pd.Index(self.group_labels, name="group"),
                         name="chisq")

    def _group_rows(self, g: int) -> np.ndarray:
        return np.flatnonzero(np.asarray(self.partable.group) == g)

    # ------------------------------------------------------------------ estimates
    @cached_property
    def _defined(self) -> tuple[np.ndarray, np.ndarray]:
        pt = self.partable
        if ":=" not in pt.op:
            return np.zeros(0), np.zeros(0)
        f = defined_function(pt)
        base = np.asarray(self.core.x, dtype=float)
        rows = pt.free_rows
        par = np.asarray(pt.par)[rows]

        def g(theta: np.ndarray) -> np.ndarray:
            x = base.astype(theta.dtype)
            x[rows] = theta[par]
            return f(x)

        with single_threaded_blas(), np.errstate(all="ignore"):
            est, se, _ = delta_method(g, self.core.theta, self.theta_vcov)
        real = g(np.asarray(self.core.theta, dtype=float))
        bad = nonfinite_defined(pt, self.core.x, real, se)
        est = np.where(bad, np.nan, est)
        se = np.where(bad | ~np.isfinite(se), np.nan, se)
        return est, se

    @cached_property
    def _std(self) -> tuple[np.ndarray, np.ndarray]:
        est, _ = self._est_se
        s_lv = np.array(est, dtype=float)
        s_all = s_lv.copy()
        for g, c in enumerate(self.core.groups, start=1):
            idx = self._group_rows(g)
            a, b = standardize(c.partable, est[idx], c.Sigma, c.parts["Veta"], c.model.eta_names)
            s_lv[idx] = a
            s_all[idx] = b
        pt = self.partable
        def_rows = [k for k, o in enumerate(pt.op) if o == ":="]
        if def_rows:
            nx = len(self.core.x)
            f = defined_function(pt)
            with np.errstate(all="ignore"):
                s_lv[def_rows] = f(s_lv[:nx])
                s_all[def_rows] = f(s_all[:nx])
        return freeze(s_lv), freeze(s_all)

    def _table(self, level: float) -> pd.DataFrame:
        t = super()._table(level)
        t.insert(3, "group", np.asarray(self.partable.group, dtype=np.int64))
        return t

    @cached_property
    def _free_names(self) -> list[str]:
        pt = self.partable
        out = []
        for k in pt.free_rows:
            if pt.label[k]:
                out.append(pt.label[k])
            else:
                name = f"{pt.lhs[k]}{pt.op[k]}{pt.rhs[k]}"
                out.append(name if pt.group[k] == 1 else f"{name}.g{pt.group[k]}")
        return out

    @frozen_table
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the free parameters, as lavaan's ``vcov()`` (rows of groups
        2, 3, ... named ``lhs op rhs.gK`` unless labelled)."""
        K = self.core.K
        V = K @ self.theta_vcov @ K.T
        names = self._free_names
        return pd.DataFrame(V, index=names, columns=names)

    # ------------------------------------------------------------------ moments by group
    def _by_group(self, frames: list[Any]) -> Any:
        return pd.concat(frames, keys=list(self.group_labels), names=["group", None])

    @frozen_table
    def implied_cov(self) -> pd.DataFrame:
        """Model-implied covariance of every group, rows indexed by ``(group, variable)``."""
        names = list(self.core.ov_names)
        return self._by_group([pd.DataFrame(c.Sigma, index=names, columns=names) for c in self.core.groups])

    @frozen_table
    def sample_cov(self) -> pd.DataFrame:
        """Sample covariance (divisor N_g) of every group, rows indexed by ``(group, variable)``."""
        names = list(self.core.ov_names)
        return self._by_group([pd.DataFrame(c.S, index=names, columns=names) for c in self.core.groups])

    @frozen_table
    def implied_mean(self) -> pd.Series:
        """Model-implied means of every group, indexed by ``(group, variable)``."""
        names = list(self.core.ov_names)
        out = self._by_group([pd.Series(c.mu, index=names) for c in self.core.groups])
        out.name = "mean"
        return out

    @frozen_table
    def r_squared(self) -> pd.Series:
        """R-squared of every indicator and dependent variable, per group."""
        parts = []
        s_all = self._std[1]
        for g, c in enumerate(self.core.groups, start=1):
            names, vals = r_squared(c.partable, s_all[self._group_rows(g)])
            parts.append(pd.Series(vals, index=pd.Index(names)))
        out = self._by_group(parts)
        out.index = out.index.set_names(["group", "variable"])
        out.name = "r_squared"
        return out

    @frozen_table
    def latent_cov(self) -> pd.DataFrame:
        """Implied covariance of the latent variables of every group (``(group, factor)`` rows)."""
        lv = list(self.partable.lv_names)
        k = len(lv)
        return self._by_group([
            pd.DataFrame(np.asarray(c.parts["Veta"])[:k, :k].copy(), index=lv, columns=lv)
            for c in self.core.groups
        ])

    # ------------------------------------------------------------------ tests
    @frozen_table
    def robust_test(self) -> Any:
        """The Yuan-Bentler scaled test of a multigroup MLR fit (else None)."""
        if self.estimator != "MLR":
            return None
        info = "expected" if self.se_type == "expected" else "observed"
        with single_threaded_blas():
            return multigroup_robust_test(self.core, info)

    @frozen_table
    def fit_measures(self) -> Any:
        """Fit measures as lavaan's multigroup ``fitMeasures()``
        (:func:`acsi.cbsem.multigroup.multigroup_fit_measures`)."""
        with single_threaded_blas():
            return multigroup_fit_measures(self.core, self.robust_test)

    # ------------------------------------------------------------------ display
    def _summary(self) -> Summary:
        core = self.core
        pv = float(stats.chi2.sf(core.chisq, core.df)) if core.df > 0 else float("nan")
        header: list[tuple[str, Any]] = [
            ("Estimator", self.estimator),
            ("Groups", ", ".join(f"{g} (n = {n})" for g, n in zip(self.group_labels, core.nobs_group))),
            ("Converged", core.converged),
            ("Iterations", core.iterations),
            ("Observations", core.N),
            ("Free parameters", core.npar),
            ("Standard errors", self.se_type),
            ("Chi-square", core.chisq),
            ("Degrees of freedom", core.df),
            ("P-value (chi-square)", pv),
        ]
        for lab, x2 in zip(self.group_labels, core.chisq_group):
            header.append((f"Chi-square, group {lab}", x2))
        rt = self.robust_test
        if rt is not None:
            header += [
                ("Chi-square (Yuan-Bentler scaled)", rt.chisq_scaled),
                ("Scaling factor", rt.scaling_factor),
                ("P-value (scaled)", rt.pvalue_scaled),
            ]
        if core.fiml:
            header.insert(2, ("Missing data", "FIML (missing='ml'), h1 by EM in each group"))
        if self.n_dropped:
            header.append(("Rows dropped (missing)", self.n_dropped))
        t = self.estimates
        cols = ["est", "se", "z", "pvalue", "std_lv", "std_all"]
        tables = []
        for g, lab in enumerate(self.group_labels, start=1):
            tg = t[t["group"] == g]
            for title, mask in (
                ("Latent variables", tg["op"] == "=~"),
                ("Regressions", tg["op"] == "~"),
                ("Covariances", (tg["op"] == "~~") & (tg["lhs"] != tg["rhs"])),
                ("Intercepts", tg["op"] == "~1"),
                ("Variances", (tg["op"] == "~~") & (tg["lhs"] == tg["rhs"])),
            ):
                if mask.any():
                    sub = tg[mask]
                    out = sub[cols].copy()
                    out.index = pd.Index([
                        f"{a} {o} {b}" + (f" ({lb})" if lb else "")
                        for a, o, b, lb in zip(sub["lhs"], sub["op"], sub["rhs"], sub["label"])
                    ])
                    tables.append((f"Group {g} [{lab}]: {title}", out))
        if (t["op"] == ":=").any():
            sub = t[t["op"] == ":="]
            d = sub[cols].copy()
            d.index = pd.Index([f"{a} := {b}" for a, b in zip(sub["lhs"], sub["rhs"])])
            tables.append(("Defined parameters", d))
        notes = [
            "Rows constrained equal across groups share a label (.pK. for group_equal); "
            "'group' in the estimates is lavaan's 1-based group number."
        ]
        return Summary(
            title=f"Multiple-group structural equation model ({self.estimator}, {self.ngroups} groups)",
            header=header, tables=tables, notes=notes,
        )
