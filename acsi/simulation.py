"""Power and sample size of a structural equation model by Monte Carlo simulation.

:func:`power` draws ``reps`` samples of every size ``n`` from a population model
(multivariate normal with the population's implied mean and covariance), fits the analysis
model to each (ML, MLR or PLS) and reports per parameter and ``n`` the power (share of
replicates with ``p < alpha``), the bias of the estimates, the relative bias of the standard
errors, the coverage of the ``1 - alpha`` intervals and the rates of non-convergence and of
inadmissible solutions (Muthen & Muthen 2002; Wolf et al. 2013).

Examples
--------
>>> import acsi
>>> pw = acsi.power("y ~ b*x", population="y ~ 0.25*x\\nx ~~ 1*x\\ny ~~ 0.9375*y",
...                 n=[80], reps=100, seed=3)
>>> pw.table[["lhs", "op", "rhs", "n", "power"]].to_string(index=False)
'lhs op rhs  n  power\\n  y  ~   x 80   0.69\\n  y ~~   y 80   1.00'
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from acsi._validation import check_choice, check_executor, check_int, check_level, check_progress, check_seed
from acsi.exceptions import AcsiError, SpecificationError
from acsi.results.base import ResultMixin, Summary, freeze, frozen_table

__all__ = ["power", "PowerResult", "population_moments", "simulate"]

_METHODS = {"ml": "ml", "mlr": "mlr", "pls": "pls"}
_PARAM_OPS = ("=~", "~", "~~", "~1")


# ----------------------------------------------------------------------------- population
def population_moments(population: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Observed names, implied covariance and mean of a population model given in syntax.

    Every parameter takes its fixed value (``0.7*x1``); parameters left free take lavaan
    ``simulateData``'s defaults: 1 for variances, 0 for everything else (covariances,
    regressions, loadings not fixed by the first-indicator rule, means). Then

    .. math:: \\Sigma = \\Lambda (I - B)^{-1} \\Psi (I - B)^{-T} \\Lambda' + \\Theta,
              \\quad \\mu = \\nu + \\Lambda (I - B)^{-1} \\alpha .

    This is the one place that reads acsi's parameter table and LISREL matrices.

    Examples
    --------
    >>> names, S, mu = population_moments("y ~ 0.25*x\\nx ~~ 1*x\\ny ~~ 0.9375*y")
    >>> names, S.round(4).tolist()
    (('y', 'x'), [[1.0, 0.25], [0.25, 1.0]])
    """
    from acsi.cbsem.matrices import LisrelModel
    from acsi.spec.partable import build_partable

    pt = build_partable(population, meanstructure=False, fixed_x=False)
    x = np.asarray(pt.ustart, dtype=float)[: len(pt.lhs)]
    for k in range(len(pt.lhs)):
        if not np.isfinite(x[k]):
            x[k] = 1.0 if (pt.op[k] == "~~" and pt.lhs[k] == pt.rhs[k]) else 0.0
    keep = np.array([o != ":=" for o in pt.op])
    model = LisrelModel.from_partable(pt)
    Sigma, mu, _ = model.implied(x[keep])
    if len(mu) != len(pt.ov_names):
        mu = np.zeros(len(pt.ov_names))
    w = np.linalg.eigvalsh(Sigma)
    if w[0] <= 0:
        raise SpecificationError(
            f"the population model implies a covariance matrix that is not positive definite "
            f"(smallest eigenvalue {w[0]:.3g}); check its fixed values (variances, paths)"
        )
    return tuple(pt.ov_names), np.asarray(Sigma, dtype=float), np.asarray(mu, dtype=float)


def _population(population: Any) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    if isinstance(population, str):
        return population_moments(population)
    from acsi.cbsem.results import SEMResult

    if isinstance(population, SEMResult):
        S = population.implied_cov
        mu = population.implied_mean
        names = tuple(str(c) for c in S.columns)
        return names, S.to_numpy(dtype=float), mu.reindex(list(names)).fillna(0.0).to_numpy(dtype=float)
    raise SpecificationError(
        "population must be model syntax with the population values as fixed values "
        "(e.g. 'y ~ 0.25*x') or a fitted acsi.sem / acsi.cfa result, not "
        f"{type(population).__name__}"
    )


def simulate(population: Any, n: int, seed: Any = None) -> pd.DataFrame:
    """Draw ``n`` rows from the population model (multivariate normal, implied moments).

    ``population`` as for :func:`power`: syntax with fixed values (unstated variances 1,
    other unstated parameters 0, as lavaan's ``simulateData``) or a fitted
    :func:`acsi.sem` result. Rows are ``mu + L z`` with ``L`` the Cholesky factor of the
    implied covariance and ``z`` standard normal from ``numpy.random.default_rng(seed)``.

    Examples
    --------
    >>> df = simulate("y ~ 0.5*x", n=1000, seed=1)
    >>> list(df.columns), round(float(df.cov().loc["x", "y"]), 1)
    (['y', 'x'], 0.5)
    """
    nn = check_int(n, "n", minimum=1)
    root, _ = check_seed(seed)
    names, Sigma, mu = _population(population)
    rng = np.random.default_rng(root)
    Z = rng.standard_normal((nn, len(names)))
    return pd.DataFrame(mu + Z @ np.linalg.cholesky(Sigma).T, columns=list(names))


def _exact_sample(names: Sequence[str], Sigma: np.ndarray, mu: np.ndarray) -> pd.DataFrame:
    """Data whose mean is ``mu`` and covariance (divisor N) is ``Sigma`` exactly."""
    p = len(names)
    N = max(10 * p, 50)
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((N, p))
    Z -= Z.mean(axis=0)
    Q, _ = np.linalg.qr(Z)  # orthonormal columns, still centred
    Z = Q * math.sqrt(N)
    L = np.linalg.cholesky(Sigma)
    return pd.DataFrame(mu + Z @ L.T, columns=list(names))


# ----------------------------------------------------------------------------- replicates
@dataclass(frozen=True)
class _Chunk:
    model: Any
    method: str
    options: dict[str, Any]
    names: tuple[str, ...]
    L: np.ndarray
    mu: np.ndarray
    n: int
    start: int
    stop: int
    entropy: Any
    spawn_key: tuple[int, ...]
    missing: Any
    rows: np.ndarray  # positions of the parameters in the estimates table (CB-SEM)
    pairs: tuple[tuple[str, str, str], ...]  # (lhs, op, rhs) of the parameters
    boot: int
    level: float


@dataclass(frozen=True)
class _ChunkOut:
    est: np.ndarray  # (r, k)
    se: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    pv: np.ndarray
    status: np.ndarray  # (r,) 0 ok, 1 not converged, 2 failed, 3 inadmissible (converged)
    n_used: np.ndarray  # (r,) rows used after missing data


def _simulate(ch: _Chunk, rng: np.random.Generator) -> pd.DataFrame:
    Z = rng.standard_normal((ch.n, len(ch.names)))
    X = ch.mu + Z @ ch.L.T
    if ch.missing is not None:
        if callable(ch.missing):
            return ch.missing(pd.DataFrame(X, columns=list(ch.names)), rng)
        X[rng.random(X.shape) < float(ch.missing)] = np.nan
    return pd.DataFrame(X, columns=list(ch.names))


def _pls_params(res: Any, ch: _Chunk, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    k = len(ch.pairs)
    est = np.full(k, np.nan)
    P, Lo = res.paths, res.loadings
    for j, (lhs, op, rhs) in enumerate(ch.pairs):
        if op == "~":
            est[j] = P.loc[rhs, lhs]
        elif op == "=~":
            est[j] = Lo.loc[rhs, lhs]
    se = np.full(k, np.nan)
    lo = np.full(k, np.nan)
    hi = np.full(k, np.nan)
    pv = np.full(k, np.nan)
    if ch.boot:
        seed = np.random.SeedSequence(int(rng.integers(0, 2**63 - 1)))
        b = res.bootstrap(n=ch.boot, seed=seed, level=ch.level, scale=None)
        tabs = {"~": b.paths, "=~": b.loadings}
        for j, (lhs, op, rhs) in enumerate(ch.pairs):
            t = tabs.get(op)
            if t is None:
                continue
            m = t[(t["source"] == rhs) & (t["target"] == lhs)]
            if len(m):
                cols = ("boot_se", "ci_lower", "ci_upper", "pvalue")
                se[j], lo[j], hi[j], pv[j] = (float(m[c].iloc[0]) for c in cols)
    return est, se, lo, hi, pv


#: options of :func:`acsi.sem` the moment-based replicate fit reproduces exactly
_FAST_OPTIONS = frozenset({"std_lv", "se", "meanstructure", "fixed_x", "max_iter", "tol"})


class _ReplicateFit:
    """The steps of :func:`acsi.sem` for one complete data matrix, prepared once per chunk.

    Parsing, the parameter table, the options and the identification counts are done here;
    per replicate only the sample moments, the start values, the optimiser, the covariance
    of the estimates and the admissibility check run (the same functions, in the same order,
    as :func:`acsi.sem`, so a replicate's numbers equal a full fit of its data frame; a test
    checks that). ``None`` (from :meth:`make`) when the options need the general path.
    """

    def __init__(self, ch: _Chunk) -> None:
        from acsi.cbsem.api import _check_identification_counts, _validate_options
        from acsi.spec.partable import build_partable

        o = ch.options
        est, se_type, _miss = _validate_options(ch.method.upper(), o.get("se"), "listwise", ch.level,
                                                int(o.get("max_iter", 500)), float(o.get("tol", 1e-10)))
        self.se_type = se_type
        self.kind = "observed" if se_type in ("observed", "robust") else "expected"
        self.max_iter = int(o.get("max_iter", 500))
        self.tol = float(o.get("tol", 1e-10))
        ms = o.get("meanstructure")
        self.pt = build_partable(ch.model, std_lv=bool(o.get("std_lv", False)),
                                 meanstructure=bool(ms) if ms is not None else False,
                                 fixed_x=bool(o.get("fixed_x", True)))
        self.cols = np.array([list(ch.names).index(v) for v in self.pt.ov_names], dtype=np.intp)
        _check_identification_counts(self.pt, len(self.pt.ov_names))
        self.par = np.asarray(self.pt.par)

    @staticmethod
    def make(ch: _Chunk) -> _ReplicateFit | None:
        from acsi.spec.syntax import ParsedModel

        if ch.method == "pls" or ch.missing is not None or not set(ch.options) <= _FAST_OPTIONS:
            return None
        if not isinstance(ch.model, ParsedModel):
            return None
        try:
            fit = _ReplicateFit(ch)
        except AcsiError:
            return None  # the general path reports it per replicate
        if fit.pt.constraints or any(v not in ch.names for v in fit.pt.ov_names):
            return None
        return fit

    def __call__(self, Z: np.ndarray) -> tuple[int, tuple[np.ndarray, np.ndarray] | None]:
        """(status, (est, se, lo, hi, p) of the chunk's rows) for the data ``Z`` (population columns)."""
        from acsi.cbsem.api import _check_sample_cov, _theta_vcov
        from acsi.cbsem.core import estimate, sample_moments
        from acsi.cbsem.robust import huber_white_vcov
        from acsi.exceptions import InadmissibleSolutionWarning
        from acsi.many import capture_warnings

        X = np.ascontiguousarray(Z[:, self.cols])
        n, p = X.shape
        if n <= p:
            return 2, None
        moments = sample_moments(X)
        try:
            with capture_warnings() as log:
                _check_sample_cov(moments[1], self.pt.ov_names)
                core = estimate(self.pt, X, max_iter=self.max_iter, tol=self.tol, moments=moments)
                if core.iterations == 0 and not core.converged and not np.isfinite(core.grad_max):
                    return 2, None
                vcov = _theta_vcov(core, self.se_type, self.kind,  # type: ignore[arg-type]
                                   lambda: np.asarray(huber_white_vcov(core), dtype=float))
        except (AcsiError, np.linalg.LinAlgError):
            return 2, None
        if not core.converged:
            return 1, None
        status = 3 if any(issubclass(w.category, InadmissibleSolutionWarning) for w in log) else 0
        return status, (core.x, vcov)

    def values(self, x: np.ndarray, vcov: np.ndarray, rows: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
        """est, se, interval and p-value of table rows ``rows`` (as :class:`SEMResult`'s table)."""
        from scipy import special

        est = x[rows]
        k = self.par[rows]
        d = np.diag(vcov)[k]
        se = np.where(d >= 0, np.sqrt(np.abs(d)), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = est / se
        pv = 2.0 * special.ndtr(-np.abs(z))
        crit = float(special.ndtri(0.5 + level / 2.0))
        return est, se, est - crit * se, est + crit * se, pv


def _run_chunk(ch: _Chunk) -> _ChunkOut:
    import acsi
    from acsi._blas import single_threaded_blas
    from acsi.exceptions import InadmissibleSolutionWarning
    from acsi.many import capture_warnings

    r = ch.stop - ch.start
    k = len(ch.pairs)
    out = {name: np.full((r, k), np.nan) for name in ("est", "se", "lo", "hi", "pv")}
    status = np.zeros(r, dtype=np.int8)
    n_used = np.zeros(r, dtype=np.int64)
    with single_threaded_blas():
        fast = _ReplicateFit.make(ch)
        for i in range(r):
            rng = np.random.default_rng(np.random.SeedSequence(ch.entropy, spawn_key=ch.spawn_key + (ch.start + i,)))
            if fast is not None:  # complete data, ML/MLR: moments and the kernel, no data frame
                Z = ch.mu + rng.standard_normal((ch.n, len(ch.names))) @ ch.L.T
                code, sol = fast(Z)
                status[i] = code
                n_used[i] = ch.n if code != 2 else 0
                if sol is not None:
                    for name, v in zip(("est", "se", "lo", "hi", "pv"), fast.values(sol[0], sol[1], ch.rows, ch.level)):
                        out[name][i] = v
                continue
            frame = _simulate(ch, rng)
            try:
                with capture_warnings() as log:
                    if ch.method == "pls":
                        res = acsi.pls(ch.model, frame, **ch.options)
                    else:
                        res = acsi.sem(ch.model, frame, estimator=ch.method.upper(), level=ch.level, **ch.options)
            except (AcsiError, np.linalg.LinAlgError):
                status[i] = 2
                continue
            n_used[i] = res.nobs if ch.method != "pls" else res.n
            if not res.converged:
                status[i] = 1
                continue
            if any(issubclass(w.category, InadmissibleSolutionWarning) for w in log):
                status[i] = 3
            if ch.method == "pls":
                try:
                    vals = _pls_params(res, ch, rng)
                except AcsiError:
                    status[i] = 2
                    continue
            else:
                e = res.estimates
                cols = ("est", "se", "ci_lower", "ci_upper", "pvalue")
                vals = tuple(e[c].to_numpy(dtype=float)[ch.rows] for c in cols)
            for name, v in zip(("est", "se", "lo", "hi", "pv"), vals):
                out[name][i] = v
    return _ChunkOut(out["est"], out["se"], out["lo"], out["hi"], out["pv"], status, n_used)


# ----------------------------------------------------------------------------- result
_TABLE_COLS = ["lhs", "op", "rhs", "label", "n", "pop_value", "power", "power_mcse", "mean_est", "bias",
               "rel_bias", "sd_est", "mean_se", "rel_se_bias", "coverage", "n_valid", "nonconverged",
               "inadmissible", "failed"]


@dataclass(frozen=True, eq=False)
class PowerResult(ResultMixin):
    """Monte Carlo power of every parameter at every sample size (returned by :func:`power`).

    Attributes
    ----------
    table : DataFrame
        One row per parameter and ``n``: ``lhs, op, rhs, label, n, pop_value`` (the
        population value the estimates are compared with), ``power`` (share of valid
        replicates with ``p < alpha``) and its Monte Carlo SE ``power_mcse =
        sqrt(power (1 - power) / n_valid)``, ``mean_est``, ``bias`` (``mean_est -
        pop_value``), ``rel_bias`` (``bias / pop_value``), ``sd_est`` (SD of the
        estimates), ``mean_se``, ``rel_se_bias`` (``mean_se / sd_est - 1``), ``coverage``
        (share of ``1 - alpha`` intervals containing ``pop_value``), ``n_valid``
        (converged replicates), and the shares of all replicates that did not converge,
        were inadmissible (kept in the statistics) or failed (an error).
    reps, alpha, method, seed, elapsed_s
    """

    method: str
    alpha: float
    reps: int
    ns: tuple[int, ...]
    seed: int | None
    _table: pd.DataFrame = field(repr=False)
    elapsed_s: float = field(default=float("nan"), compare=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", freeze(self._table))

    @frozen_table
    def table(self) -> pd.DataFrame:
        """Per parameter and n (see the class docstring)."""
        return self._table

    def min_n(self, target: float = 0.8) -> pd.DataFrame:
        """Smallest simulated ``n`` whose power reaches ``target``, per parameter.

        ``min_n`` is NaN when no simulated size reaches it (simulate larger ``n``); the
        answer is only as fine as the grid of ``n``.

        Examples
        --------
        >>> import acsi
        >>> pw = acsi.power("y ~ x", population="y ~ 0.3*x", n=[40, 120], reps=50, seed=1)
        >>> pw.min_n(0.8).query("op == '~'")["min_n"].tolist()
        [120.0]
        """
        tg = check_level(target, "target")
        rows = []
        for (lhs, op, rhs), g in self._table.groupby(["lhs", "op", "rhs"], sort=False):
            g = g.sort_values("n")
            ok = g[g["power"] >= tg]
            rows.append((lhs, op, rhs, float(ok["n"].iloc[0]) if len(ok) else np.nan,
                         float(ok["power"].iloc[0]) if len(ok) else np.nan))
        return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "min_n", "power"])

    def plot(self, parameters: Sequence[str] | None = None, *, target: float | None = 0.8, ax: Any = None) -> Any:
        """Power curves (power against n, +-2 Monte Carlo SE) of the chosen parameters.

        ``parameters`` are written ``"lhs op rhs"`` (e.g. ``"Satisfaction ~ Quality"``);
        default: every regression (``~``), else every parameter.
        """
        t = self._table
        t = t.assign(param=t["lhs"] + " " + t["op"] + " " + t["rhs"])
        if parameters is None:
            chosen = list(dict.fromkeys(t.loc[t["op"] == "~", "param"])) or list(dict.fromkeys(t["param"]))
        else:
            chosen = [" ".join(str(p).split()) for p in parameters]
            unknown = [p for p in chosen if p not in set(t["param"])]
            if unknown:
                raise SpecificationError(
                    f"parameters {unknown} are not in the table; write them 'lhs op rhs', e.g. "
                    f"{t['param'].iloc[0]!r}"
                )
        if ax is None:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(6.5, 4.0), layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        for prm in chosen:
            g = t[t["param"] == prm].sort_values("n")
            ax.errorbar(g["n"], g["power"], yerr=2 * g["power_mcse"], marker="o", capsize=3, label=prm)
        if target is not None:
            ax.axhline(target, color="grey", linestyle="--", linewidth=1)
        ax.set_xlabel("sample size n")
        ax.set_ylabel(f"power (alpha = {self.alpha:g})")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="lower right", fontsize="small")
        ax.set_title(f"Monte Carlo power ({self.reps} replicates, {self.method.upper()})")
        return fig

    def _summary(self) -> Summary:
        header = [("method", self.method.upper()), ("replicates per n", self.reps), ("alpha", self.alpha),
                  ("n", ", ".join(map(str, self.ns))), ("seed", self.seed), ("seconds", self.elapsed_s)]
        cols = ["lhs", "op", "rhs", "n", "pop_value", "power", "bias", "rel_se_bias", "coverage",
                "nonconverged", "inadmissible"]
        return Summary(title="Monte Carlo power", header=header,
                       tables=[("power", self._table[cols].set_index(["lhs", "op", "rhs", "n"]))],
                       notes=list(self.notes))

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"power": self.table}


def _summarise(outs: list[_ChunkOut], truth: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    est = np.concatenate([o.est for o in outs])
    se = np.concatenate([o.se for o in outs])
    lo = np.concatenate([o.lo for o in outs])
    hi = np.concatenate([o.hi for o in outs])
    pv = np.concatenate([o.pv for o in outs])
    st = np.concatenate([o.status for o in outs])
    R = st.size
    valid = (st == 0) | (st == 3)
    e, s = est[valid], se[valid]
    nv = int(valid.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        powr = np.mean(pv[valid] < alpha, axis=0) if nv else np.full(est.shape[1], np.nan)
        powr = np.where(np.isfinite(pv[valid]).any(axis=0), powr, np.nan) if nv else powr
        mean_est = e.mean(axis=0) if nv else np.full(est.shape[1], np.nan)
        sd_est = e.std(axis=0, ddof=1) if nv > 1 else np.full(est.shape[1], np.nan)
        mean_se = s.mean(axis=0) if nv else np.full(est.shape[1], np.nan)
        cover = np.mean((lo[valid] <= truth) & (truth <= hi[valid]), axis=0) if nv else np.full(est.shape[1], np.nan)
        cover = np.where(np.isfinite(truth) & np.isfinite(lo[valid]).any(axis=0), cover, np.nan) if nv else cover
        bias = mean_est - truth
    return {
        "power": powr, "power_mcse": np.sqrt(powr * (1 - powr) / max(nv, 1)), "mean_est": mean_est,
        "bias": bias, "rel_bias": np.where(truth != 0, bias / np.where(truth != 0, truth, 1.0), np.nan),
        "sd_est": sd_est, "mean_se": mean_se,
        "rel_se_bias": np.where(sd_est > 0, mean_se / np.where(sd_est > 0, sd_est, 1.0) - 1.0, np.nan),
        "coverage": cover, "n_valid": np.full(est.shape[1], nv),
        "nonconverged": np.full(est.shape[1], float(np.mean(st == 1)) if R else np.nan),
        "inadmissible": np.full(est.shape[1], float(np.mean(st == 3)) if R else np.nan),
        "failed": np.full(est.shape[1], float(np.mean(st == 2)) if R else np.nan),
    }


def _with_starts(parsed: Any, est: pd.DataFrame, free: np.ndarray) -> Any:
    """The analysis model with the population (pseudo-true) values as start values."""
    from acsi.spec.syntax import Statement

    stmts = list(parsed.statements)
    index = {(s.lhs, s.op, s.rhs): i for i, s in enumerate(stmts)}
    for k in np.flatnonzero(free):
        lhs, op, rhs, v = est["lhs"].iloc[k], est["op"].iloc[k], est["rhs"].iloc[k], float(est["est"].iloc[k])
        i = index.get((lhs, op, rhs), index.get((rhs, op, lhs)) if op == "~~" else None)
        if i is not None:
            if stmts[i].fixed is None:
                stmts[i] = dataclasses.replace(stmts[i], start=v)
        elif op in ("~~", "~1"):
            stmts.append(Statement(lhs=lhs, op=op, rhs=rhs, start=v))
    return dataclasses.replace(parsed, statements=tuple(stmts))


def power(
    model: Any,
    population: Any,
    n: Sequence[int] | int = (100, 200, 400),
    reps: int = 1000,
    alpha: float = 0.05,
    method: str = "ml",
    *,
    missing: float | Callable[..., pd.DataFrame] | None = None,
    executor: Any = None,
    seed: Any = None,
    progress: Any = None,
    bootstrap: int = 200,
    chunk_size: int | None = None,
    **options: Any,
) -> PowerResult:
    """Power, bias and coverage of every parameter by Monte Carlo simulation.

    For each ``n`` and replicate ``r``, a sample of ``n`` rows is drawn from
    ``N(mu, Sigma)`` (the population model's implied moments; with ``missing`` some values
    are then removed), the analysis ``model`` is fitted, and for every free parameter the
    estimate, its standard error, its ``1 - alpha`` interval and its p-value are kept. Per
    parameter and ``n`` (over the converged replicates, inadmissible ones included):

    .. math:: \\widehat{\\text{power}} = \\frac1R \\sum_r 1\\{p_r < \\alpha\\},\\qquad
              \\text{MCSE} = \\sqrt{\\widehat{\\text{power}}(1 - \\widehat{\\text{power}})/R},

    bias ``mean(est) - theta``, relative SE bias ``mean(se) / sd(est) - 1`` and coverage of
    ``theta`` by the intervals, where ``theta`` is the population value: for ML/MLR the
    analysis model's estimate on data with exactly the population moments (the population
    value when the model is correct, its pseudo-true value when it is not); for PLS the
    completely standardized population value (``std_all`` of the same model fitted by ML),
    so the table shows PLS's bias against common factors (use ``consistent=True`` for
    PLSc). ML/MLR tests are Wald z tests; PLS tests use a percentile bootstrap of
    ``bootstrap`` resamples per replicate (seminr's p-value).

    Parameters
    ----------
    model : str or ParsedModel
        The analysis model (labels allowed: ``"y ~ b*x"``).
    population : str or SEMResult
        Population model in syntax with fixed values (``"y ~ 0.25*x\\nx ~~ 1*x\\ny ~~
        0.9375*y"``; unstated variances are 1 and other unstated parameters 0, as lavaan's
        ``simulateData``), or a fitted :func:`acsi.sem` result (its implied moments).
    n : int or sequence of int
        Sample sizes.
    reps : int, default 1000
        Replicates per sample size.
    alpha : float, default 0.05
        Significance level; intervals have level ``1 - alpha``.
    method : {"ml", "mlr", "pls"}, default "ml"
    missing : float or callable, optional
        Share of values removed completely at random (MCAR), or a function
        ``missing(frame, rng) -> frame`` (a module-level function when an executor runs
        in other processes) that puts NaN where values are missing; the fit then deletes
        incomplete rows (listwise, the default of :func:`acsi.sem` and :func:`acsi.pls`).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Chunks of replicates are submitted to it; the numbers do not depend on it.
    seed : int, SeedSequence, Generator or None
        Replicate ``r`` at size ``n`` draws from ``SeedSequence(seed, spawn_key=(n, r))``.
    progress : None, True or callable
    bootstrap : int, default 200
        PLS only: resamples per replicate for the SE, interval and p-value.
    chunk_size : int, optional
        Replicates per task (default: ``reps`` here, about 4 tasks per ``n`` with an executor).
    **options
        Passed to :func:`acsi.sem` or :func:`acsi.pls`.

    Returns
    -------
    PowerResult
        ``table``, ``min_n(target)``, ``plot()``.

    Notes
    -----
    ML and MLR fits start from the population values (as Mplus does in Monte Carlo runs),
    which saves iterations and never changes the optimum they converge to. With complete
    data (no ``missing``) the model is parsed, tabled and checked once per chunk and each
    replicate goes from its data matrix straight to the moments, the optimiser and the
    covariance of the estimates, with no data frame or result object; its numbers are those
    of :func:`acsi.sem` on the replicate's data, bit for bit (tested).

    References
    ----------
    Muthen, L. K., & Muthen, B. O. (2002). How to use a Monte Carlo study to decide on
    sample size and determine power. *Structural Equation Modeling*, 9(4), 599-620.
    Wolf, E. J., Harrington, K. M., Clark, S. L., & Miller, M. W. (2013). Sample size
    requirements for structural equation models. *Educational and Psychological
    Measurement*, 73(6), 913-934.

    Examples
    --------
    >>> import acsi
    >>> pw = acsi.power("y ~ b*x", population="y ~ 0.25*x\\nx ~~ 1*x\\ny ~~ 0.9375*y",
    ...                 n=[80], reps=200, alpha=0.05, method="ml", seed=3)
    >>> row = pw.table.query("op == '~'").iloc[0]
    >>> bool(0.5 < row["power"] < 0.8), round(float(row["pop_value"]), 4)
    (True, 0.25)
    """
    import acsi

    t0 = time.perf_counter()
    meth = check_choice(method, _METHODS, "method")
    ns_in = [n] if isinstance(n, (int, np.integer)) and not isinstance(n, bool) else n
    if isinstance(ns_in, (str, bytes)) or not isinstance(ns_in, Sequence) or not len(ns_in):
        raise SpecificationError(f"n must be a sample size or a list of them (e.g. [54, 100, 200]), not {n!r}")
    ns = tuple(check_int(v, "n", minimum=3, hint="sample sizes") for v in ns_in)
    if len(set(ns)) != len(ns):
        raise SpecificationError(f"n lists a sample size twice: {list(ns)}")
    R = check_int(reps, "reps", minimum=2, hint="replicates per sample size; 1000 is usual")
    a = check_level(alpha, "alpha")
    lv = 1.0 - a
    root, seed_out = check_seed(seed)
    executor = check_executor(executor)
    progress = check_progress(progress)
    B = check_int(bootstrap, "bootstrap", minimum=0) if meth == "pls" else 0
    if meth == "pls" and B == 1:
        raise SpecificationError("bootstrap=1 cannot give an interval; use at least 2 (200 or more is usual)")
    if missing is not None and not callable(missing):
        if not isinstance(missing, (int, float)) or isinstance(missing, bool) or not 0.0 <= float(missing) < 1.0:
            raise SpecificationError(
                f"missing must be None, a share of values missing completely at random in [0, 1) "
                f"(e.g. 0.1) or a function missing(frame, rng) -> frame; got {missing!r}"
            )
    if meth != "pls" and "estimator" in options:
        raise SpecificationError("give the estimator through method= ('ml' or 'mlr')")
    if "level" in options:
        raise SpecificationError("the interval level is 1 - alpha; set alpha instead of level")
    parsed = acsi.parse_model(model) if isinstance(model, str) else model
    names, Sigma, mu = _population(population)
    exact = _exact_sample(names, Sigma, mu)

    # the parameters and their population values, from a fit to the exact population moments
    cb_opts = {k: v for k, v in options.items() if meth != "pls" and k not in ("missing", "na_values")}
    notes: list[str] = []
    try:
        ref = acsi.sem(parsed, exact, level=lv, **cb_opts)
        est = ref.estimates
    except AcsiError as exc:
        if meth != "pls":
            raise SpecificationError(
                f"the analysis model cannot be fitted to the population moments: {exc}"
            ) from exc
        est = None
        notes.append(f"no population values for PLS (the model could not be fitted by ML: {exc})")
    if meth == "pls":
        pls_ref = acsi.pls(parsed, exact, **options)
        pairs = [(c2, "~", c1) for c1 in pls_ref.paths.index for c2 in pls_ref.paths.columns
                 if pls_ref.paths.loc[c1, c2] != 0]
        pairs += [(c, "=~", x) for x in pls_ref.loadings.index for c in pls_ref.loadings.columns
                  if pls_ref.loadings.loc[x, c] != 0]
        order = {(s.lhs, s.op, s.rhs): i for i, s in enumerate(parsed.statements)}
        pairs.sort(key=lambda t: order.get(t, len(order)))
        truth = np.full(len(pairs), np.nan)
        labels = [""] * len(pairs)
        if est is not None:
            look = {(a_, o, b_): (float(s), lab) for a_, o, b_, s, lab in
                    zip(est["lhs"], est["op"], est["rhs"], est["std_all"], est["label"])}
            for j, pr in enumerate(pairs):
                if pr in look:
                    truth[j], labels[j] = look[pr]
        rows = np.zeros(0, dtype=np.intp)
        fit_model = parsed
    else:
        assert est is not None
        free = np.isfinite(est["se"].to_numpy(dtype=float)) & est["op"].isin(_PARAM_OPS).to_numpy()
        rows = np.flatnonzero(free)
        pairs = [(est["lhs"].iloc[k], est["op"].iloc[k], est["rhs"].iloc[k]) for k in rows]
        truth = est["est"].to_numpy(dtype=float)[rows]
        labels = [str(est["label"].iloc[k]) for k in rows]
        fit_model = _with_starts(parsed, est, free)
        # explicit start statements can reorder the table: locate the parameters in it
        est2 = acsi.sem(fit_model, exact, level=lv, **cb_opts).estimates
        pos = {(a_, o, b_): k for k, (a_, o, b_) in enumerate(zip(est2["lhs"], est2["op"], est2["rhs"]))}
        rows = np.array([pos[pr] for pr in pairs], dtype=np.intp)
    if not pairs:
        raise SpecificationError("the analysis model has no free parameters to study")

    L = np.linalg.cholesky(Sigma)
    if chunk_size is None:
        per = R if executor is None else max(1, -(-R // 4))
    else:
        per = check_int(chunk_size, "chunk_size", minimum=1)
    chunks = []
    for nn in ns:
        for s0 in range(0, R, per):
            chunks.append(_Chunk(fit_model, meth, dict(options), tuple(names), L, mu, nn, s0, min(R, s0 + per),
                                 root.entropy, tuple(root.spawn_key) + (nn,), missing, rows, tuple(pairs), B, lv))
    from acsi.inference.resampling import run_tasks

    outs = run_tasks(_run_chunk, chunks, [c.stop - c.start for c in chunks], executor=executor, progress=progress,
                     desc="power")
    frames = []
    for nn in ns:
        mine = [o for c, o in zip(chunks, outs) if c.n == nn]
        s = _summarise(mine, truth, a)
        df = pd.DataFrame({"lhs": [p[0] for p in pairs], "op": [p[1] for p in pairs], "rhs": [p[2] for p in pairs],
                           "label": labels, "n": nn, "pop_value": truth, **s})
        frames.append(df[_TABLE_COLS])
    table = pd.concat(frames, ignore_index=True)
    table["n_valid"] = table["n_valid"].astype(int)
    if missing is not None:
        notes.append("missing values: incomplete rows deleted (listwise) before each fit")
    return PowerResult(method=meth, alpha=a, reps=R, ns=ns, seed=seed_out, _table=table,
                       elapsed_s=time.perf_counter() - t0, notes=tuple(notes))
