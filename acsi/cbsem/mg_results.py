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
from acsi._lazy import special, stats
from acsi._validation import check_bool, check_choice, check_level, check_number
from acsi.cbsem.multigroup import MultiGroupCore, multigroup_fit_measures, multigroup_robust_test
from acsi.cbsem.results import SEMResult, _h1_observed_information
from acsi.cbsem.standardized import defined_function, nonfinite_defined, r_squared, standardize
from acsi.exceptions import IdentificationError, SpecificationError
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

    # ------------------------------------------------------------------ diagnostics (issue 11)
    def _mg_checks(self, what: str) -> None:
        self._only_ml_family(what)  # ordinal (WLSMV, ...) fits
        if self.partable.constraints:
            raise SpecificationError(
                f"{what} is not available for multigroup fits with general constraints "
                "('==', '<', '>' lines) in this version"
            )

    def standardized_solution(self, type: str = "std.all", level: float = 0.95) -> pd.DataFrame:  # noqa: A002
        """Standardized estimates of every group with delta-method standard errors (lavaan's
        ``standardizedSolution()`` of a multigroup fit).

        Each group's rows are standardized with that group's implied (co)variances; the
        Jacobian of all groups' standardized values w.r.t. the shared parameter vector
        ``theta`` (complex step, exact) is combined with the multigroup covariance of
        ``theta`` (robust for MLR), so equality constraints across groups are accounted for.
        ``:=`` rows are their expressions evaluated on the standardized values of all groups.

        Parameters
        ----------
        type : {"std.all", "std.lv", "std.nox"}
        level : float
            Confidence level of ``ci_lower``/``ci_upper``.

        Returns
        -------
        DataFrame
            ``lhs, op, rhs, group, [label,] est_std, se, z, pvalue, ci_lower, ci_upper`` (the
            rows of :attr:`estimates`; ``group`` is lavaan's 1-based group number, 0 for
            ``:=`` rows). As lavaan, a standard error below ``eps^(1/4)`` is 0 and then ``z``
            and ``pvalue`` are NaN.

        Examples
        --------
        >>> import acsi
        >>> hs = acsi.datasets.load_holzinger_swineford()
        >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs,
        ...                group="school", group_equal=["loadings"])
        >>> st = res.standardized_solution()
        >>> row = st.iloc[0]
        >>> f"{row.lhs} {row.op} {row.rhs} (group {row.group}): {row.est_std:.3f}"
        'visual =~ x1 (group 1): 0.752'
        """
        from acsi.cbsem.standardized import STD_TYPES, StdPlan, standardized_jacobian

        kind = check_choice(type, STD_TYPES, "type", hint="lavaan's standardizedSolution types")
        lv = check_level(level)
        self._mg_checks("standardized_solution()")
        pt = self.partable
        core = self.core
        theta = np.asarray(core.theta, dtype=float)
        q = theta.size
        nx = len(core.x)
        est = np.zeros(nx)
        J = np.zeros((nx, q))
        with single_threaded_blas(), np.errstate(all="ignore"):
            for g, c in enumerate(core.groups, start=1):
                idx = self._group_rows(g)
                gp = c.partable
                n = c.model.n_rows
                plan = StdPlan(gp.lhs[:n], gp.op[:n], gp.rhs[:n], gp.lv_names, gp.ov_names, gp.ov_x)
                kern = c.kernel
                e_g, J_g = standardized_jacobian(plan, c.model, kind, kern.x_base, kern.free_rows,
                                                 kern.par_of_free, theta, None)
                est[idx] = e_g
                J[idx] = J_g
            def_rows = [k for k, o in enumerate(pt.op) if o == ":="]
            if def_rows:
                f = defined_function(pt)
                h = 1e-20
                d_est = np.asarray(f(est.astype(complex)), dtype=complex).real
                # chain rule by complex steps along the columns of J
                d_J = np.column_stack([np.imag(f(est + 1j * h * J[:, j])) / h for j in range(q)])
                est = np.concatenate([est, d_est])
                J = np.vstack([J, d_J.reshape(len(def_rows), q)])
            V = J @ self.theta_vcov @ J.T
        d = np.diag(0.5 * (V + V.T)).copy()
        d[d < 0] = np.nan
        se = np.sqrt(d)
        se[se < np.finfo(float).eps ** 0.25] = 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            z = est / np.where(se == 0, np.nan, se)
        pval = 2.0 * special.ndtr(-np.abs(z))
        crit = float(special.ndtri(0.5 + lv / 2.0))
        cols: dict[str, Any] = {"lhs": list(pt.lhs), "op": list(pt.op), "rhs": list(pt.rhs),
                                "group": np.asarray(pt.group, dtype=np.int64)}
        if any(pt.label):
            cols["label"] = list(pt.label)
        cols.update({"est_std": est, "se": se, "z": z, "pvalue": pval,
                     "ci_lower": est - crit * se, "ci_upper": est + crit * se})
        return pd.DataFrame(cols)

    @staticmethod
    def _group_pieces(c: Any) -> tuple[np.ndarray, np.ndarray]:
        """Normal-theory weight ``H_g`` at the group's implied moments and its residual
        moments ``(ybar - mu, vech(S + (ybar - mu)(ybar - mu)' - Sigma))`` (the ML score with
        a mean structure: mean residuals, nonzero under equal intercepts, enter the
        covariance part too)."""
        W = c.kernel.weight(np.asarray(c.Sigma_inv))
        vr, vc = c.model.vech_r, c.model.vech_c
        dm = np.asarray(c.mean) - np.asarray(c.mu)
        res = np.concatenate([dm, (np.asarray(c.S) + np.outer(dm, dm) - np.asarray(c.Sigma))[vr, vc]])
        return W, res

    def modindices(self, sort: bool = False, minimum_value: float = 0.0) -> pd.DataFrame:
        """Modification indices of a multigroup fit, as lavaan's ``modindices()``.

        Every group's fixed and omitted parameters (lavaan's candidate set, per group) get the
        one-degree-of-freedom score test of freeing that parameter in that group only, against
        the multigroup model with its equality constraints across groups (``group_equal``,
        shared labels): with ``w_g = N_g / N``, ``I`` the multigroup expected information of
        ``theta`` and ``d_j`` the candidate's moment derivatives in group ``g``,
        ``v_j = w_g d_j' H_g d_j - (w_g Delta_g' H_g d_j)' I^-1 (w_g Delta_g' H_g d_j)``,
        ``g_j = w_g d_j' H_g (s_g - sigma_g)``, ``MI = N g_j^2 / v_j``, ``EPC = g_j / v_j``.
        As lavaan 0.6-14, releasing an equality constraint is not listed (that is
        ``lavTestScore``). Rows: the fixed rows of every group in the table's order, then
        each group's omitted candidates (lavaan's order). With ``missing="ml"`` (ML or MLR)
        ``H_g`` is the expected information of the group's incomplete-data likelihood at its
        implied moments and ``H_g (s_g - sigma_g)`` its log-likelihood gradient per
        observation (:func:`acsi.cbsem.modindices.fiml_moment_pieces`).

        Parameters
        ----------
        sort : bool
            Largest index first.
        minimum_value : float
            Keep only indices above this value.

        Returns
        -------
        DataFrame
            ``lhs, op, rhs, group, mi, epc, sepc_lv, sepc_all, sepc_nox``.

        Examples
        --------
        >>> import acsi
        >>> hs = acsi.datasets.load_holzinger_swineford()
        >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs,
        ...                group="school", group_equal=["loadings"])
        >>> list(res.modindices().columns[:4])
        ['lhs', 'op', 'rhs', 'group']
        """
        from acsi.cbsem.modindices import MI_COLUMNS, modification_indices

        srt = check_bool(sort, "sort")
        mv = check_number(minimum_value, "minimum_value", minimum=0.0)
        self._mg_checks("modindices()")
        core = self.core
        w = core.weights
        if core.fiml:  # the incomplete-data score and expected information of each group
            from acsi.cbsem.modindices import fiml_moment_pieces

            fp = [fiml_moment_pieces(c.fiml, np.asarray(c.mu), np.asarray(c.Sigma)) for c in core.groups]
            pieces = [(W, np.zeros(0)) for W, _ in fp]
            scores: list[np.ndarray | None] = [sc for _, sc in fp]
        else:
            pieces = [self._group_pieces(c) for c in core.groups]
            scores = [None] * len(pieces)
        info = sum(wg * np.asarray(c.Delta).T @ W @ np.asarray(c.Delta)
                   for wg, c, (W, _) in zip(w, core.groups, pieces))
        fixed_parts, new_parts = [], []
        with single_threaded_blas(), np.errstate(all="ignore"):
            for g, (c, (W, res)) in enumerate(zip(core.groups, pieces), start=1):
                out = modification_indices(c.partable, c.model, np.asarray(c.x), np.asarray(c.Delta), W,
                                           res, float(core.N), group_weight=float(w[g - 1]),
                                           information=np.asarray(info), with_kind=True,
                                           score=scores[g - 1])
                out.insert(3, "group", np.int64(g))
                fixed_parts.append(out[~out["_new"]])
                new_parts.append(out[out["_new"]])
        cols = MI_COLUMNS[:3] + ["group"] + MI_COLUMNS[3:]
        frame = pd.concat(fixed_parts + new_parts, ignore_index=True)[cols]
        frame["group"] = frame["group"].astype(np.int64)
        if srt:
            frame = frame.iloc[np.argsort(-frame["mi"].to_numpy(), kind="stable")].reset_index(drop=True)
        if mv > 0:
            frame = frame[frame["mi"] > mv].reset_index(drop=True)
        return frame

    def residuals(self, type: str = "raw") -> dict[str, Any]:  # noqa: A002
        """Residuals of every group, as lavaan's ``residuals()`` of a multigroup fit.

        Parameters
        ----------
        type : {"raw", "cor", "cor.bentler", "normalized", "standardized", "standardized.mplus"}
            As :meth:`acsi.cbsem.results.SEMResult.residuals` (``"cor"`` is lavaan's
            ``"cor.bollen"``), each group with its own sample (with ``missing="ml"``: EM)
            and implied moments; the
            standardized residuals use the multigroup covariance of the estimates (the
            group's share ``N_g / N`` of the inverse multigroup information).

        Returns
        -------
        dict
            Group label (lavaan's order) -> :class:`acsi.cbsem.residuals.ResidualsResult`
            (``.cov``, ``.mean``, ``.largest``), as lavaan's list with one element per group.

        Examples
        --------
        >>> import acsi
        >>> hs = acsi.datasets.load_holzinger_swineford()
        >>> res = acsi.cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs, group="school")
        >>> list(res.residuals("cor"))
        ['Pasteur', 'Grant-White']
        """
        self._only_ml_family("residuals()")  # ordinal (WLSMV, ...) fits
        from acsi.cbsem.residuals import (
            RESIDUAL_TYPES,
            ResidualsResult,
            fiml_h1_acov,
            fiml_h1_information,
            gamma_adf,
            residual_moments,
        )

        kind = check_choice(type, RESIDUAL_TYPES, "type", hint="'cor' is lavaan's 'cor.bollen'")
        core = self.core
        pt = self.partable
        if kind in ("normalized", "standardized", "standardized.mplus"):
            self._mg_checks(f"residuals(type={kind!r})")
            if pt.fixed_x and pt.ov_x:
                raise SpecificationError(
                    f"residuals(type={kind!r}) is not available for multigroup fits with fixed "
                    f"observed covariates ({', '.join(pt.ov_x)}) in this version; use type='raw' or 'cor'"
                )
        w = core.weights
        a1s: list[np.ndarray] = []
        a0_inv = None
        if kind == "standardized":
            for c in core.groups:
                if c.fiml is not None:  # FIML: the incomplete-data information at the implied moments
                    a1s.append(fiml_h1_information(c.fiml, np.asarray(c.mu), np.asarray(c.Sigma), self.se_type))
                elif self.se_type in ("observed", "robust"):
                    a1s.append(_h1_observed_information(c))
                else:
                    a1s.append(c.kernel.weight(np.asarray(c.Sigma_inv)))
            A0 = sum(wg * np.asarray(c.Delta).T @ a1 @ np.asarray(c.Delta)
                     for wg, c, a1 in zip(w, core.groups, a1s))
            a0_inv = np.linalg.inv(np.asarray(A0))
        out: dict[str, Any] = {}
        names = list(core.ov_names)
        for g, (lab, c) in enumerate(zip(self.group_labels, core.groups)):
            vr, vc = c.model.vech_r, c.model.vech_c
            S = np.asarray(c.S)
            kw: dict[str, Any] = {}
            if kind in ("normalized", "standardized", "standardized.mplus"):
                if c.fiml is not None:  # FIML: the EM h1 moments' covariance
                    kw["acov_obs"] = fiml_h1_acov(c.fiml, np.asarray(c.X), self.se_type)
                elif self.se_type == "robust":
                    kw["acov_obs"] = gamma_adf(np.asarray(c.X), vr, vc, True)
                else:
                    kw["acov_obs"] = np.linalg.inv(c.kernel.weight(np.linalg.inv(S)))
            if kind == "standardized.mplus":  # Gamma / N - Delta V Delta'
                D = np.asarray(c.Delta)
                kw["acov_est"] = D @ np.asarray(self.theta_vcov) @ D.T
            if kind == "standardized":
                assert a0_inv is not None
                kw["delta"] = np.asarray(c.Delta)
                kw["a0_inv"] = w[g] * a0_inv
                kw["a1"] = a1s[g]
            with single_threaded_blas(), np.errstate(all="ignore"):
                cov, mean = residual_moments(
                    kind, S=S, ybar=np.asarray(c.mean), Sigma=np.asarray(c.Sigma), mu=np.asarray(c.mu),
                    meanstructure=True, vech=(vr, vc), N=float(c.N), **kw,
                )
            out[lab] = ResidualsResult(
                type=kind,
                _cov=pd.DataFrame(cov, index=names, columns=names),
                _mean=None if mean is None else pd.Series(mean, index=names, name="mean"),
            )
        return out

    def _diagnostic_tables(self) -> list[tuple[str, pd.DataFrame]]:
        """The summary's diagnostics: the ten largest modification indices above 3.84 (with
        their group) and each group's digest of the correlation residuals."""
        mi = self.modindices(sort=True, minimum_value=3.84).head(10)
        mi.index = pd.Index([f"{a} {o} {b} [group {g}]" for a, o, b, g in
                             zip(mi["lhs"], mi["op"], mi["rhs"], mi["group"])])
        out = [("Modification indices (largest 10 above 3.84)", mi[["mi", "epc", "sepc_all"]])]
        rows = {}
        for lab, r in self.residuals("cor").items():
            st = r.summary_stats()
            rows[str(lab)] = [st["mean_abs"], st["max_abs"]]
        digest = pd.DataFrame(rows, index=pd.Index(["mean |correlation residual|",
                                                    "largest |correlation residual|"]))
        out.append(("Residuals by group (sample minus implied correlations, cor.bollen)", digest))
        return out

    # ------------------------------------------------------------------ tests
    @frozen_table
    def robust_test(self) -> Any:
        """The Yuan-Bentler scaled test of a multigroup MLR fit (else None)."""
        if self.estimator != "MLR":
            return None
        if self._fiml_robust is not None:  # MLR with FIML: computed once, with the SEs
            return self._fiml_robust.test
        info = "expected" if self.se_type == "expected" else "observed"
        with single_threaded_blas():
            if self.core.fiml:
                from acsi.cbsem.multigroup import multigroup_fiml_robust

                return multigroup_fiml_robust(self.core)[1]
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
        if core.df > 0 and not self.partable.constraints and self.estimator in ("ML", "MLR"):
            try:
                tables += self._diagnostic_tables()
            except IdentificationError as err:
                notes.append(f"No modification indices: {err}")
            notes.append(
                "Modification indices: score tests (1 df) of freeing a fixed or omitted "
                "parameter in one group; free one only if it makes substantive sense, then refit."
            )
        return Summary(
            title=f"Multiple-group structural equation model ({self.estimator}, {self.ngroups} groups)",
            header=header, tables=tables, notes=notes,
        )
