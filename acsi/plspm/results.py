"""Result of :func:`acsi.pls`: an immutable record with every table as a cached view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi.plspm import evaluation as ev
from acsi.plspm.algorithm import KernelResult, standardize
from acsi.results.base import (
    FrozenDict,
    ResultMixin,
    Summary,
    compact_repr,
    freeze,
    frozen_copy,
    frozen_table,
)
from acsi.results.structural import LOADING_COLUMNS, PATH_COLUMNS

if TYPE_CHECKING:
    from acsi.data import PreparedData
    from acsi.plspm.spec import PLSSpec

__all__ = ["PLSSettings", "PLSResult", "PEER_DIFFERENCES"]

_RELIABILITY_COLUMNS = pd.Index(["alpha", "rho_a", "rho_c", "ave"])
_PATH_COLUMNS = pd.Index(list(PATH_COLUMNS))
_LOADING_COLUMNS = pd.Index(list(LOADING_COLUMNS))
_VIF_COLUMNS = pd.Index(["kind", "construct", "variable", "vif"])

#: What other software does differently from acsi's (= seminr's) defaults.
PEER_DIFFERENCES: dict[str, str] = {
    "seminr": (
        "same algorithm and defaults (path weighting, initial outer weights 1, stop when "
        "sum |w_new - w_old| < 1e-7, at most 300 iterations, indicators standardized with "
        "n-1); seminr's default missing-data treatment is mean replacement, acsi's is "
        "listwise deletion with a warning (pass missing='mean' for seminr's); seminr's "
        "reflective() means PLSc, acsi's '=~' is Mode A and PLSc only with consistent=True "
        "(or a list of constructs; as in seminr 2.5, PLSc then also divides the correlations "
        "of Mode A composites by their rho_A); seminr's bootstrap keeps resamples that stop at "
        "max_iter without converging, acsi counts them as failed (with the default 300 "
        "iterations this practically never happens)"
    ),
    "SmartPLS": (
        "path weighting, initial outer weights 1, stop criterion 1e-7, at most 300 "
        "iterations; its 'reflective' measurement is Mode A without correction (PLSc is a "
        "separate algorithm, 'consistent PLS')"
    ),
    "plspm": (
        "R plspm and the PyPI plspm default to the centroid scheme; their default scaling "
        "(scaled=TRUE) standardizes the indicators, but the PyPI port divides by a pooled "
        "standard deviation computed with n, which changes the paths; the stop criterion is "
        "on the change of the outer weights (tol 1e-6, maxiter 100)"
    ),
}


@dataclass(frozen=True)
class PLSSettings:
    """The options a PLS model was estimated with (all of them, defaults included)."""

    scheme: str = "path"
    consistent: bool | tuple[str, ...] = False
    max_iter: int = 300
    tol: float = 1e-7
    missing: str = "listwise"
    na_values: Any = None
    weights: str | None = None
    preset: str = "seminr"
    standardization: str = "z-scores, standard deviation with divisor n-1"
    initial_weights: str = "1 for every indicator of its block"
    stop_criterion: str = "sum of absolute changes of the outer weights < tol"
    path_estimation: str = "OLS on the construct correlations"
    peers: dict[str, str] = field(default_factory=lambda: dict(PEER_DIFFERENCES), compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Settings (and the peer differences) as a two-column table."""
        rows = [
            ("scheme", self.scheme),
            ("consistent (PLSc)", self.consistent if isinstance(self.consistent, bool) else ", ".join(self.consistent)),
            ("max_iter", self.max_iter),
            ("tol", self.tol),
            ("missing", self.missing),
            ("na_values", "" if self.na_values is None else str(self.na_values)),
            ("weights", "" if self.weights is None else f"case weights in column {self.weights!r} (weighted PLS)"),
            ("preset", self.preset),
            ("standardization", self.standardization),
            ("initial weights", self.initial_weights),
            ("stop criterion", self.stop_criterion),
            ("paths", self.path_estimation),
        ]
        rows += [(f"vs {k}", v) for k, v in self.peers.items()]
        return pd.DataFrame(rows, columns=["setting", "value"]).set_index("setting")


def _labels(values: Any) -> Any:
    """The column pandas makes of a list of labels (its inferred string array), built once
    per model and shared by every result's tables (read-only; tables are copies)."""
    return pd.Series(list(values), dtype=None).array


class SpecShared:
    """What every fit of one model shares: the kernel plan, the axis labels and the
    label columns of the tables, the inner models of the f-squared refits.

    A pure function of the (immutable) spec: :func:`acsi.pls` keeps one per model text
    with the parsed spec, so a refit of the same model builds none of it again; a result
    built otherwise makes its own. Each part is computed on first use.
    """

    def __init__(self, spec: PLSSpec, plan: Any = None) -> None:
        self.spec = spec
        if plan is not None:
            self.__dict__["plan"] = plan

    @cached_property
    def plan(self) -> Any:
        from acsi.plspm.batched import make_plan

        return make_plan(self.spec)

    @cached_property
    def cidx(self) -> pd.Index:
        """The constructs (one Index shared by every table: Index objects are immutable)."""
        return pd.Index(list(self.spec.constructs))

    @cached_property
    def xidx(self) -> pd.Index:
        return pd.Index(list(self.spec.indicators))

    @cached_property
    def endogenous(self) -> tuple[np.ndarray, pd.Index]:
        """Indices of the endogenous constructs and their Index."""
        endo = np.flatnonzero(self.spec.endogenous)
        return endo, self.cidx[endo]

    @cached_property
    def paths(self) -> tuple[np.ndarray, np.ndarray, Any, Any]:
        """Sources and targets of the paths (target by target) and their label columns."""
        tj, si = np.nonzero(np.asarray(self.spec.inner, dtype=bool).T)
        names = self.spec.constructs
        return si, tj, _labels(names[i] for i in si), _labels(names[j] for j in tj)

    @cached_property
    def items(self) -> tuple[np.ndarray, np.ndarray, Any, Any]:
        """Indicator and construct positions of the measurement model and their label columns."""
        c = np.asarray(self.spec.block, dtype=np.intp)
        names = self.spec.constructs
        return np.arange(self.spec.p), c, _labels(names[k] for k in c), _labels(self.spec.indicators)

    @cached_property
    def vif(self) -> tuple[Any, Any, Any]:
        """The kind, construct and variable columns of the VIF table."""
        si, tj, src, tgt = self.paths
        _, _, cons, ind = self.items
        p, m = self.spec.p, si.size
        return (
            _labels(["indicator"] * p + ["inner"] * m),
            _labels(list(cons) + list(tgt)),
            _labels(list(ind) + list(src)),
        )

    @cached_property
    def vif_systems(self) -> tuple[list[np.ndarray], list[tuple[int, np.ndarray]]]:
        """The multi-item blocks and the targets with two or more antecedents (VIFs)."""
        return ev._multi_blocks(self.spec.mask), ev._vif_targets(self.spec.inner)

    @cached_property
    def f2(self) -> tuple[np.ndarray, np.ndarray, Any]:
        """f-squared: the paths whose target keeps a predecessor without them (refitted),
        as (sources, targets), and the stack of their inner models (None: no refit)."""
        from acsi.plspm.batched import make_structures

        base = np.asarray(self.spec.inner, dtype=bool)
        si, tj, _, _ = self.paths
        refit = base[:, tj].sum(axis=0) > 1
        ri, rj = si[refit], tj[refit]
        if not ri.size:
            return ri, rj, None
        inner = np.repeat(base[None], ri.size, axis=0)
        inner[np.arange(ri.size), ri, rj] = False
        return ri, rj, make_structures(inner)


@dataclass(frozen=True, eq=False)
class PLSResult(ResultMixin):
    """A fitted PLS path model (returned by :func:`acsi.pls`).

    Attributes
    ----------
    spec : PLSSpec
        Blocks, modes and inner model.
    data : PreparedData
        The validated data (indicators in spec order, after missing-data handling).
    kernel : KernelResult
        Raw estimates in spec order (PLSc-corrected when ``settings.consistent``).
    R : ndarray (p, p)
        Indicator correlations.
    settings : PLSSettings
    raw : ndarray (n, p) or None
        With ``missing="mean"`` and values replaced: the model columns (spec order) with
        NaN where a value was missing, so a bootstrap can redo the mean replacement in
        every resample as seminr does; None otherwise.
    rows_all : ndarray (n_total, p) or None
        With ``missing="listwise"`` and rows removed: the model columns (spec order) of
        all rows, NaN where missing, so a bootstrap resamples all rows and deletes the
        incomplete ones in every resample, as seminr's ``bootstrap_model`` does; None
        otherwise.
    covariates : DataFrame or None
        (a copy) The columns of the data that the model does not use, for every row given
        to :func:`acsi.pls` (before missing-data handling), so that ``res.mga("gender")``
        and ``res.micom("gender")`` can group by a column name; None when not recorded.
    """

    spec: PLSSpec
    data: PreparedData
    kernel: KernelResult
    R: np.ndarray
    settings: PLSSettings
    raw: np.ndarray | None = field(default=None, repr=False)
    rows_all: np.ndarray | None = field(default=None, repr=False)
    _covariates: Mapping[str, np.ndarray] | None = field(default=None, repr=False, compare=False)
    case_weights: np.ndarray | None = field(default=None, repr=False)
    _shared: SpecShared | None = field(default=None, repr=False, compare=False)  # of the spec, when known

    def __post_init__(self) -> None:
        # hold the estimation records read-only: ``res.kernel.B[0, 1] = 7`` raises
        for name in ("spec", "data", "kernel"):
            object.__setattr__(self, name, frozen_copy(getattr(self, name)))
        for name in ("R", "raw", "rows_all", "case_weights"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, freeze(np.asarray(value)))
        if self._covariates is not None:
            frozen = FrozenDict({str(k): freeze(np.array(v, copy=True)) for k, v in self._covariates.items()})
            object.__setattr__(self, "_covariates", frozen)

    def __repr__(self) -> str:
        return compact_repr(
            self, nobs=self.nobs, constructs=len(self.spec.constructs), indicators=self.spec.p,
            consistent=bool(self.kernel.consistent), converged=self.converged,
        )

    # ------------------------------------------------------------------ basics
    @property
    def nobs(self) -> int:
        """Number of observations used."""
        return self.data.n

    @property
    def n(self) -> int:
        """Number of observations used (alias of :attr:`nobs`)."""
        return self.data.n

    @property
    def missing_mask(self) -> np.ndarray | None:
        """(n, p) bool, True where a value was missing and replaced by the column mean
        (``missing="mean"``); None when nothing was replaced."""
        return None if self.raw is None else np.isnan(self.raw)

    @property
    def iterations(self) -> int:
        """Index of the last PLS pass (seminr's count)."""
        return self.kernel.iterations

    @property
    def converged(self) -> bool:
        """Whether the outer weights converged within ``max_iter``."""
        return self.kernel.converged

    @property
    def _c(self) -> list[str]:
        return list(self.spec.constructs)

    @property
    def _x(self) -> list[str]:
        return list(self.spec.indicators)

    @cached_property
    def _sh(self) -> SpecShared:
        """The spec's shared labels and plan (:class:`SpecShared`; its own when the one it
        was given describes another model, e.g. after ``dataclasses.replace``)."""
        sh, spec = self._shared, self.spec
        if sh is not None and (
            sh.spec.constructs == spec.constructs and sh.spec.indicators == spec.indicators
            and sh.spec.mode == spec.mode and np.array_equal(sh.spec.inner, spec.inner)
        ):
            return sh
        return SpecShared(spec)

    @property
    def _cidx(self) -> pd.Index:
        return self._sh.cidx

    @property
    def _xidx(self) -> pd.Index:
        return self._sh.xidx

    @property
    def _plan(self) -> Any:
        return self._sh.plan

    def _ck(self, values: np.ndarray) -> pd.DataFrame:
        """A construct x construct table."""
        return pd.DataFrame(values, index=self._cidx, columns=self._cidx)

    @cached_property
    def _score_cor(self) -> np.ndarray:
        """Correlations of the (uncorrected) construct scores."""
        C = self.kernel.W.T @ self.R @ self.kernel.W
        d = np.sqrt(np.diag(C))
        C = C / np.outer(d, d)
        return (C + C.T) / 2.0

    # ------------------------------------------------------------------ estimates
    @frozen_table
    def paths(self) -> pd.DataFrame:
        """Path coefficients, rows sources and columns targets (0 where there is no path),
        as seminr's ``path_coef``."""
        return self._ck(self.kernel.B)

    @frozen_table
    def loadings(self) -> pd.DataFrame:
        """Loadings, indicator x construct (0 outside the blocks); consistent loadings for
        reflective constructs under PLSc."""
        return pd.DataFrame(self.kernel.L, index=self._xidx, columns=self._cidx)

    @frozen_table
    def weights(self) -> pd.DataFrame:
        """Outer weights (for standardized indicators; unit-variance scores)."""
        return pd.DataFrame(self.kernel.W, index=self._xidx, columns=self._cidx)

    @frozen_table
    def r_squared(self) -> pd.Series:
        """R-squared of the endogenous constructs."""
        endo, idx = self._sh.endogenous
        return pd.Series(self.kernel.r2[endo], index=idx, name="r_squared")

    @frozen_table
    def adj_r_squared(self) -> pd.Series:
        """Adjusted R-squared ``1 - (1 - R^2)(n - 1)/(n - q - 1)`` (``n`` the sum of the case
        weights for a weighted model)."""
        endo, idx = self._sh.endogenous
        q = self.spec.inner.sum(axis=0)[endo]
        n = self.n if self.case_weights is None else float(np.sum(self.case_weights))
        adj = ev.adjusted_r2(self.kernel.r2[endo], n, q)
        return pd.Series(adj, index=idx, name="adj_r_squared")

    @frozen_table
    def scores(self) -> pd.DataFrame:
        """Construct scores (standardized: mean 0, variance 1 with divisor n-1; weighted
        mean and variance for a weighted model)."""
        Z = standardize(self.data.X, self.case_weights)
        return pd.DataFrame(Z @ self.kernel.W, index=self.data.index, columns=self._c)

    @frozen_table
    def construct_correlations(self) -> pd.DataFrame:
        """Construct correlations used for the paths (disattenuated under PLSc)."""
        return self._ck(self.kernel.C)

    # ------------------------------------------------------------------ evaluation
    @cached_property
    def _rho_a_values(self) -> np.ndarray:
        from acsi.plspm.batched import rho_a_batched

        W = np.asarray(self.kernel.W)
        return freeze(rho_a_batched(self.R[None], W[None], self._plan)[0])

    @cached_property
    def _rc_ave(self) -> tuple[np.ndarray, np.ndarray]:
        rc, ave = ev.rho_c_ave(self.kernel.L, self.spec.mask)
        return freeze(rc), freeze(ave)

    @frozen_table
    def rho_a(self) -> pd.Series:
        """Dijkstra-Henseler rho_A per construct."""
        return pd.Series(self._rho_a_values, index=self._cidx, name="rho_a")

    @frozen_table
    def reliability(self) -> pd.DataFrame:
        """alpha (standardized), rho_a, rho_c and ave per construct (seminr's
        ``summary()$reliability``)."""
        alpha = ev.cronbach_alpha(self.R, self.spec.mask)
        rc, ave = self._rc_ave
        rho = self.__dict__.get("_frozen_rho_a")
        if rho is not None:
            rho_v = rho.to_numpy()
        elif type(self).rho_a is PLSResult.rho_a:  # not overridden: no Series needed
            rho_v = self._rho_a_values
        else:  # a subclass's rho_a (interaction terms: 1)
            rho_v = self.rho_a.to_numpy()
        return pd.DataFrame(
            np.column_stack([alpha, rho_v, rc, ave]), index=self._cidx, columns=_RELIABILITY_COLUMNS
        )

    @frozen_table
    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratios (upper triangle, NaN elsewhere)."""
        return self._ck(ev.htmt(self.R, self.spec.mask))

    @frozen_table
    def fornell_larcker(self) -> pd.DataFrame:
        """sqrt(AVE) on the diagonal, score correlations below (seminr's layout)."""
        if type(self).reliability is PLSResult.reliability:  # not overridden: its ave column
            ave = self._rc_ave[1]
        else:  # a subclass's reliability may list more constructs (a higher-order model's LOCs)
            rel = self.__dict__.get("_frozen_reliability")
            ave_s = (rel if rel is not None else self.reliability)["ave"]
            ave = (ave_s if ave_s.index is self._cidx else ave_s.reindex(self._cidx)).to_numpy()
        return self._ck(ev.fornell_larcker(self._score_cor, ave))

    @frozen_table
    def cross_loadings(self) -> pd.DataFrame:
        """Correlations of every indicator with every construct score."""
        return pd.DataFrame(ev.cross_loadings(self.R, self.kernel.W), index=self._xidx, columns=self._cidx)

    @frozen_table
    def vif(self) -> pd.DataFrame:
        """VIFs: of each indicator within its block (``kind="indicator"``, construct =
        its block) and of each antecedent per target in the inner model (``kind="inner"``,
        construct = target; NaN when the target has one antecedent), as seminr."""
        blocks, targets = self._sh.vif_systems
        iv, V = ev._vifs(self.R, blocks, self._score_cor, targets)
        si, tj, _, _ = self._sh.paths  # target by target, sources in order
        kind, construct, variable = self._sh.vif
        return pd.DataFrame({
            "kind": kind, "construct": construct, "variable": variable,
            "vif": np.concatenate([iv, V[si, tj]]).astype(float),
        }, columns=_VIF_COLUMNS)

    @frozen_table
    def f_squared(self) -> pd.DataFrame:
        """Cohen's f-squared of every path, ``(R^2_in - R^2_out) / (1 - R^2_in)``, where
        R^2_out comes from re-estimating the model without the path (seminr's method);
        source x target, 0 where there is no path."""
        from acsi.plspm.batched import refit_r2

        k = self.spec.k
        r2 = self.kernel.r2
        si, tj, _, _ = self._sh.paths
        ri, rj, structures = self._sh.f2
        r2_out = np.zeros((k, k))  # 0 where the path is the target's only predecessor
        if structures is not None:  # every refit in one batch: one inner model per path left out
            s = self.settings
            r2_all = refit_r2(self.R, self._plan, structures, scheme=s.scheme, tol=s.tol,
                              max_iter=s.max_iter, consistent=bool(self.kernel.consistent))
            r2_out[ri, rj] = r2_all[np.arange(ri.size), rj]
        out = np.zeros((k, k))
        out[si, tj] = (r2[tj] - r2_out[si, tj]) / (1.0 - r2[tj])
        return self._ck(out)

    @frozen_table
    def total_effects(self) -> pd.DataFrame:
        """Total effects, source x target."""
        return self._ck(ev.total_effects(self.kernel.B))

    @frozen_table
    def effects(self) -> pd.DataFrame:
        """Direct, total indirect and total effects of every construct on every construct it
        reaches (long table: source, target, direct, indirect, total)."""
        B = self.kernel.B
        T = ev.total_effects(B)
        reach = ev.reachability(self.spec.inner)
        rows = [
            (self._c[i], self._c[j], float(B[i, j]), float(T[i, j] - B[i, j]), float(T[i, j]))
            for i in range(self.spec.k)
            for j in range(self.spec.k)
            if reach[i, j]
        ]
        return pd.DataFrame(rows, columns=["source", "target", "direct", "indirect", "total"])

    # ------------------------------------------------------------------ delegation
    def bootstrap(self, **kwargs: Any) -> Any:
        """Bootstrap this model; see :func:`acsi.plspm.bootstrap.bootstrap_pls`."""
        from acsi.plspm.bootstrap import bootstrap_pls

        return bootstrap_pls(self, **kwargs)

    def index(self, scale: Any = (1, 10), **kwargs: Any) -> Any:
        """ACSI 0-100 indices; see :func:`acsi.plspm.index.acsi_index`."""
        from acsi.plspm.index import acsi_index

        return acsi_index(self, scale=scale, **kwargs)

    def ipma(self, target: str = "Satisfaction", scale: Any = (1, 10), **kwargs: Any) -> Any:
        """Importance-performance map of ``target``'s drivers; see :func:`acsi.plspm.ipma.ipma`."""
        from acsi.plspm.ipma import ipma

        return ipma(self, target=target, scale=scale, **kwargs)

    # ------------------------------------------------------------------ StructuralResult
    @property
    def family(self) -> str:
        """``"pls"`` (see :class:`acsi.results.structural.StructuralResult`)."""
        return "pls"

    @property
    def constructs(self) -> tuple[str, ...]:
        """The constructs, in seminr's order (the spec's)."""
        return tuple(self.spec.constructs)

    @property
    def indicators(self) -> tuple[str, ...]:
        """The indicators, grouped by construct."""
        return tuple(self.spec.indicators)

    @property
    def blocks(self) -> Mapping[str, tuple[str, ...]]:
        """Construct -> its indicators."""
        return {c: tuple(x for x, b in zip(self._x, self.spec.block) if b == k) for k, c in enumerate(self._c)}

    @frozen_table
    def path_table(self) -> pd.DataFrame:
        """Structural paths in the layout of :data:`acsi.results.structural.PATH_COLUMNS`,
        target by target: ``est = std`` the path coefficient; ``se`` to ``ci_upper`` NaN (a
        bootstrap supplies them)."""
        si, tj, src, tgt = self._sh.paths
        est = np.asarray(self.kernel.B)[si, tj].astype(float)
        n = si.size
        return pd.DataFrame(
            {
                "source": src, "target": tgt, "est": est, "std": est.copy(), "se": np.full(n, np.nan),
                "z": np.full(n, np.nan), "pvalue": np.full(n, np.nan), "ci_lower": np.full(n, np.nan),
                "ci_upper": np.full(n, np.nan),
            },
            columns=_PATH_COLUMNS,
        )

    @frozen_table
    def loadings_table(self) -> pd.DataFrame:
        """Measurement model in the layout of :data:`acsi.results.structural.LOADING_COLUMNS`:
        ``est = std`` the loading, ``weight`` the outer weight, ``se`` to ``pvalue`` NaN."""
        j, c, cons, ind = self._sh.items
        est = np.asarray(self.kernel.L)[j, c].astype(float)
        p = j.size
        return pd.DataFrame(
            {
                "construct": cons, "indicator": ind, "est": est, "std": est.copy(),
                "se": np.full(p, np.nan), "z": np.full(p, np.nan), "pvalue": np.full(p, np.nan),
                "weight": np.asarray(self.kernel.W)[j, c].astype(float),
            },
            columns=_LOADING_COLUMNS,
        )

    @frozen_table
    def latent_cov(self) -> pd.DataFrame:
        """Construct correlations (disattenuated under PLSc; the same as
        :attr:`construct_correlations`)."""
        return self.construct_correlations

    @frozen_table
    def indicator_cov(self) -> pd.DataFrame:
        """Indicator correlations (PLS standardizes the indicators)."""
        return pd.DataFrame(np.array(self.R), index=self._x, columns=self._x)

    # ------------------------------------------------------------------ output
    def _paths_long(self) -> pd.DataFrame:
        return self.path_table[["source", "target", "est"]].set_index(["source", "target"])

    def _measurement_long(self) -> pd.DataFrame:
        t = self.loadings_table.rename(columns={"est": "loading"})
        return t[["construct", "indicator", "loading", "weight"]].set_index(["construct", "indicator"])

    def _r2_table(self) -> pd.DataFrame:
        return pd.DataFrame({"r_squared": self.r_squared, "adj_r_squared": self.adj_r_squared})

    def _summary(self) -> Summary:
        s = self.settings
        title = "PLSc path model (consistent PLS)" if self.kernel.consistent else "PLS path model"
        modes = ", ".join(f"{c} ({m})" for c, m in zip(self._c, self.spec.mode))
        header = [
            ("Observations", self.nobs),
            ("Constructs (mode)", modes),
            ("Indicators", self.spec.p),
            ("Inner scheme", s.scheme),
            ("Consistent (PLSc)", s.consistent if isinstance(s.consistent, bool) else ", ".join(s.consistent)),
            ("Iterations", self.iterations),
            ("Converged", self.converged),
            ("Missing data", s.missing if not (self.data.n_dropped or self.data.n_replaced)
             else f"{s.missing} ({self.data.n_dropped} rows dropped, {self.data.n_replaced} values replaced)"),
        ]
        if self.case_weights is not None:
            total = float(np.sum(self.case_weights))
            header.append(("Case weights", f"column {s.weights!r} (weighted PLS), sum {total:g}"))
        tables = [
            ("Paths", self._paths_long()),
            ("R-squared", self._r2_table()),
            ("Measurement", self._measurement_long()),
            ("Reliability", self.reliability),
            ("HTMT", self.htmt),
        ]
        notes = [
            "Defaults as seminr: path weighting, initial weights 1, stop 1e-7 on the change "
            "of the outer weights, at most 300 iterations, indicators standardized with n-1."
        ]
        return Summary(title=title, header=header, tables=tables, notes=notes)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {
            "paths": self.paths,
            "r_squared": self._r2_table(),
            "loadings": self.loadings,
            "weights": self.weights,
            "reliability": self.reliability,
            "htmt": self.htmt,
            "fornell_larcker": self.fornell_larcker,
            "cross_loadings": self.cross_loadings,
            "vif": self.vif,
            "f_squared": self.f_squared,
            "effects": self.effects,
            "scores": self.scores,
            "settings": self.settings.to_frame(),
        }

    # ------------------------------------------------------------------ multigroup (issue 12)
    @property
    def covariates(self) -> pd.DataFrame | None:
        """The data's columns that the model does not use (all rows given to :func:`acsi.pls`),
        for grouping by name in :meth:`mga` and :meth:`micom`; a copy, or None."""
        if self._covariates is None:
            return None
        return pd.DataFrame({k: np.array(v, copy=True) for k, v in self._covariates.items()})

    def mga(
        self,
        group: Any,
        n: int | None = None,
        seed: Any = None,
        indices: Any = None,
        n_perm: int = 5000,
        level: float = 0.95,
        executor: Any = None,
        progress: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Multigroup analysis (PLS-MGA, parametric, Welch-Satterthwaite and permutation
        tests) by a column name, a boolean mask or labels; ``n`` resamples per group (default
        5000), ``indices=(idx_g1, idx_g2)`` 0-based rows within each group. See
        :func:`acsi.plspm.mga.pls_mga` (also ``correction=``, ``perm_indices=``)."""
        from acsi.plspm.mga import pls_mga

        return pls_mga(self, group, n=n, seed=seed, indices=indices, n_perm=n_perm, level=level,
                       executor=executor, progress=progress, **kwargs)

    def micom(
        self, group: Any, n_perm: int = 5000, seed: Any = None, level: float = 0.95, **kwargs: Any
    ) -> Any:
        """Measurement invariance of composites (MICOM, steps 1-3); see
        :func:`acsi.plspm.micom.micom` (also ``correction=``, ``perm_indices=``)."""
        from acsi.plspm.micom import micom

        return micom(self, group, n_perm=n_perm, seed=seed, level=level, **kwargs)
    # ------------------------------------------------------------------ prediction and fit
    def predict(self, folds: int = 10, reps: int = 10, seed: Any = None, technique: str = "direct",
                folds_indices: Any = None, lm_predictors: str | None = None) -> Any:
        """PLSpredict (Shmueli et al. 2016, 2019); see :func:`acsi.plspm.predict.predict_pls`."""
        from acsi.plspm.predict import predict_pls

        return predict_pls(self, folds=folds, reps=reps, seed=seed, technique=technique,
                           folds_indices=folds_indices, lm_predictors=lm_predictors)

    def cvpat(self, folds: int = 10, reps: int = 10, seed: Any = None, **kwargs: Any) -> Any:
        """CVPAT against the LM and IA benchmarks (Liengaard et al. 2021; Sharma et al.
        2023); see :func:`acsi.plspm.cvpat.cvpat`."""
        from acsi.plspm.cvpat import cvpat

        return cvpat(self, folds=folds, reps=reps, seed=seed, **kwargs)

    def cvpat_compare(self, other: PLSResult, folds: int = 10, reps: int = 10, seed: Any = None,
                      **kwargs: Any) -> Any:
        """CVPAT comparison of this model with ``other`` (same endogenous part, same rows);
        see :func:`acsi.plspm.cvpat.cvpat_compare`."""
        from acsi.plspm.cvpat import cvpat_compare

        return cvpat_compare(self, other, folds=folds, reps=reps, seed=seed, **kwargs)

    @cached_property
    def fit_measures(self) -> Any:
        """SRMR, d_ULS and d_G of the saturated and the estimated model
        (:class:`~acsi.plspm.fit.PLSFitMeasures`; ``.table``, ``.to_series()``); for the
        Bollen-Stine bootstrap quantiles call :meth:`model_fit`."""
        from acsi.plspm.fit import fit_measures

        return fit_measures(self)

    def model_fit(self, n: int = 0, seed: Any = None, composites: str = "formative",
                  indices: Any = None) -> Any:
        """Model fit with Bollen-Stine bootstrap quantiles (95%, 99%) from ``n`` resamples;
        see :func:`acsi.plspm.fit.fit_measures`."""
        from acsi.plspm.fit import fit_measures

        return fit_measures(self, n=n, seed=seed, composites=composites, indices=indices)
