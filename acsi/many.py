"""One model per group in one call: the ACSI's company-by-company estimation.

The American Customer Satisfaction Index is not one model: the same model is estimated
separately for every company (Fornell et al. 1996), and each company's 0-100 index comes
from its own PLS weights. :func:`fit_many` does that for any grouping column, on this
machine or on any executor (a :class:`concurrent.futures.Executor` or a
``dask.distributed.Client``), and returns one typed, immutable :class:`FitManyResult`
with long tables (paths, indices with bootstrap intervals, reliability, fit) and every
group that failed or gave an inadmissible solution, with the reason.

Reproducibility: group ``g`` draws its bootstrap from
``SeedSequence(seed, spawn_key=(k_g,))`` where ``k_g`` is a 64-bit key computed from the
group's label (SHA-256 of its text), not from its position; the numbers of a group
therefore depend only on its rows, the model, the options and ``seed``: not on the
executor, on the order of the groups, or on which other groups are in the data.

Examples
--------
>>> import acsi
>>> mobi = acsi.datasets.load_mobi()
>>> mobi["region"] = ["north" if i % 2 else "south" for i in range(len(mobi))]
>>> fm = acsi.fit_many("Sat =~ CUSA1 + CUSA2 + CUSA3; Loy =~ CUSL1 + CUSL3; Loy ~ Sat",
...                    mobi, by="region", bootstrap=200, seed=1)
>>> fm.indices[["region", "construct", "index"]].round(1).values.tolist()
[['north', 'Sat', 72.1], ['north', 'Loy', 72.9], ['south', 'Sat', 73.0], ['south', 'Loy', 73.5]]
>>> list(fm.status["status"])
['ok', 'ok']
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from acsi._validation import (
    check_choice,
    check_executor,
    check_int,
    check_level,
    check_progress,
    check_scale,
    check_seed,
    warn_few_resamples,
)
from acsi.exceptions import AcsiError, DataError, DegenerateStatisticWarning, SpecificationError, warn
from acsi.inference.resampling import run_tasks
from acsi.results.base import ResultMixin, Summary, freeze, frozen_table

__all__ = ["fit_many", "FitManyResult", "group_seed"]

_METHODS = {"pls": "pls", "ml": "ml", "mlr": "mlr"}
_DEFAULT_BOOT = {"pls": 1000, "ml": 0, "mlr": 0}

#: Serialises the sections that record warnings: ``warnings.catch_warnings`` swaps
#: process-wide state, so two threads must never be inside it at once.
_WARN_LOCK = threading.RLock()


@contextmanager
def capture_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record (and silence) the warnings raised inside the block, thread-safely.

    ``warnings.catch_warnings`` replaces process-wide state; held under one lock, it can
    be used from worker threads without one thread restoring another's filters. Hold it
    only around short sections (a point fit), never around a bootstrap.
    """
    with _WARN_LOCK, warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always")
        yield log


def _key_text(key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return "\x1f".join(str(p.item() if isinstance(p, np.generic) else p) for p in parts)


def group_seed(root: np.random.SeedSequence, key: Any) -> np.random.SeedSequence:
    """The seed of one group: ``SeedSequence(root.entropy, spawn_key=root.spawn_key + (k,))``.

    ``k`` is the first 8 bytes (little endian) of the SHA-256 of the group's label (tuple
    labels joined by the unit separator), so a group's draws depend on its label only.

    Examples
    --------
    >>> import numpy as np
    >>> a = group_seed(np.random.SeedSequence(1), "A")
    >>> b = group_seed(np.random.SeedSequence(1), "A")
    >>> bool((a.generate_state(2) == b.generate_state(2)).all())
    True
    """
    h = hashlib.sha256(_key_text(key).encode("utf-8")).digest()
    k = int.from_bytes(h[:8], "little")
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (k,))


# ----------------------------------------------------------------------------- running
# ----------------------------------------------------------------------------- one group
@dataclass(frozen=True)
class _GroupTask:
    key: Any
    frame: pd.DataFrame
    model: Any
    method: str
    options: dict[str, Any]
    bootstrap: int
    seed: np.random.SeedSequence
    scale: tuple[float, float]
    level: float


@dataclass(frozen=True, eq=False)
class _GroupOut(ResultMixin):
    key: Any
    nobs: int
    status: str  # ok, not converged, inadmissible, failed
    stage: str
    reason: str
    converged: bool
    paths: pd.DataFrame | None = None
    index: pd.DataFrame | None = None
    index_draws: np.ndarray | None = None
    reliability: pd.DataFrame | None = None
    fit: pd.DataFrame | None = None
    problems: tuple[tuple[str, str, str], ...] = ()  # (stage, status, reason)
    error_type: str = ""


def _fit_one(model: Any, frame: pd.DataFrame, method: str, options: Mapping[str, Any]) -> Any:
    import acsi

    if method == "pls":
        return acsi.pls(model, frame, **options)
    return acsi.sem(model, frame, estimator=method.upper(), **options)


_PATH_COLS = ["source", "target", "est", "se", "pvalue", "ci_lower", "ci_upper"]
_INDEX_COLS = ["construct", "index", "boot_se", "ci_lower", "ci_upper", "n_draws"]


def _structural_pairs(model: Any) -> list[tuple[str, str]]:
    """(source, target) of the model's ``~`` formulas, in the order written."""
    import acsi

    parsed = model if not isinstance(model, str) else acsi.parse_model(model)
    out: list[tuple[str, str]] = []
    for s in parsed.statements:
        if s.op == "~" and (s.rhs, s.lhs) not in out:
            out.append((s.rhs, s.lhs))
    return out


def _pls_tables(task: _GroupTask, res: Any) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | None,
                                                      list[tuple[str, str, str]]]:
    import acsi

    problems: list[tuple[str, str, str]] = []
    P = res.paths
    pairs = _structural_pairs(task.model)
    rows = [(s, t, float(P.loc[s, t])) for s, t in pairs if s in P.index and t in P.columns]
    paths = pd.DataFrame(rows, columns=["source", "target", "est"])
    for c in _PATH_COLS[3:]:
        paths[c] = np.nan
    constructs = list(P.index)
    idx = pd.DataFrame({"construct": constructs, "index": np.nan, "boot_se": np.nan,
                        "ci_lower": np.nan, "ci_upper": np.nan, "n_draws": 0})
    try:
        table = res.index(scale=task.scale).table
        idx["index"] = table.reindex(constructs)["index"].to_numpy()
    except acsi.SpecificationError:  # a negative rescaled weight: construct by construct
        for j, c in enumerate(constructs):
            try:
                idx.loc[j, "index"] = float(res.index(scale=task.scale, constructs=[c]).table.loc[c, "index"])
            except acsi.SpecificationError as exc:
                problems.append(("index", "undefined", f"{c}: {exc}"))
    draws = None
    if task.bootstrap > 0 and res.converged:
        try:
            seed = np.random.SeedSequence(task.seed.entropy, spawn_key=task.seed.spawn_key)  # fresh: spawn() counts
            boot = res.bootstrap(n=task.bootstrap, seed=seed, level=task.level, scale=task.scale)
        except AcsiError as exc:
            problems.append(("bootstrap", "failed", str(exc)))
        else:
            bp = boot.paths.set_index(["source", "target"])
            key = list(zip(paths["source"], paths["target"]))
            paths["se"] = bp["boot_se"].reindex(key).to_numpy()
            paths["pvalue"] = bp["pvalue"].reindex(key).to_numpy()
            paths["ci_lower"] = bp["ci_lower"].reindex(key).to_numpy()
            paths["ci_upper"] = bp["ci_upper"].reindex(key).to_numpy()
            bi = boot.index
            bi = bi.set_index("construct" if "construct" in bi.columns else "source")
            if len(bi):
                idx["boot_se"] = bi["boot_se"].reindex(constructs).to_numpy()
                idx["ci_lower"] = bi["ci_lower"].reindex(constructs).to_numpy()
                idx["ci_upper"] = bi["ci_upper"].reindex(constructs).to_numpy()
                d = boot.draws
                sel = [("index", c, c) for c in constructs]
                have = [s for s in sel if s in d.columns]
                if len(have) == len(sel):
                    draws = np.ascontiguousarray(d[sel].to_numpy(dtype=np.float64))
                    idx["n_draws"] = np.isfinite(draws).sum(axis=0)
            if boot.n_failed:
                problems.append(("bootstrap", "resamples failed",
                                 f"{boot.n_failed} of {boot.n} resamples failed and were excluded"))
    return paths, idx, draws, problems


def _ml_tables(res: Any) -> pd.DataFrame:
    est = res.estimates
    reg = est[est["op"] == "~"]
    return pd.DataFrame({
        "source": reg["rhs"].to_numpy(), "target": reg["lhs"].to_numpy(), "est": reg["est"].to_numpy(),
        "se": reg["se"].to_numpy(), "pvalue": reg["pvalue"].to_numpy(),
        "ci_lower": reg["ci_lower"].to_numpy(), "ci_upper": reg["ci_upper"].to_numpy(),
    })


def _fit_group(task: _GroupTask) -> _GroupOut:
    """Fit, bootstrap and summarise one group (runs in a worker; never raises AcsiError)."""
    from acsi._blas import single_threaded_blas
    from acsi.exceptions import ConvergenceWarning, InadmissibleSolutionWarning

    nobs = len(task.frame)
    with single_threaded_blas():
        try:
            with capture_warnings() as log:
                res = _fit_one(task.model, task.frame, task.method, task.options)
        except (AcsiError, np.linalg.LinAlgError) as exc:
            return _GroupOut(task.key, nobs, "failed", "fit", str(exc), False, error_type=type(exc).__name__)
        problems: list[tuple[str, str, str]] = []
        converged = bool(res.converged)
        inadm = [str(w.message) for w in log if issubclass(w.category, InadmissibleSolutionWarning)]
        nonconv = [str(w.message) for w in log if issubclass(w.category, ConvergenceWarning)]
        if not converged:
            problems.append(("fit", "not converged", "; ".join(nonconv) or "the estimation did not converge"))
        for m in inadm:
            problems.append(("fit", "inadmissible", m))
        if task.method == "pls":
            paths, idx, draws, more = _pls_tables(task, res)
            problems += more
            rel = res.reliability.reset_index(names="construct")
            r2 = res.r_squared
            fit = pd.DataFrame({"construct": list(r2.index), "r_squared": r2.to_numpy(dtype=float),
                                "adj_r_squared": res.adj_r_squared.reindex(r2.index).to_numpy(dtype=float)})
        else:
            import acsi

            paths = _ml_tables(res)
            idx, draws = None, None
            try:
                cr = acsi.reliability.composite_reliability(res)
                av = acsi.reliability.ave(res)
                rel = pd.DataFrame({"construct": list(cr.index), "omega": cr.to_numpy(dtype=float),
                                    "ave": av.reindex(cr.index).to_numpy(dtype=float)})
            except AcsiError as exc:
                problems.append(("reliability", "failed", str(exc)))
                rel = pd.DataFrame(columns=["construct", "omega", "ave"])
            fm = res.fit_measures.to_series()
            fit = pd.DataFrame([fm.to_numpy(dtype=float)], columns=list(fm.index))
    status = "not converged" if not converged else ("inadmissible" if inadm else "ok")
    reason = "; ".join(p[2] for p in problems if p[0] == "fit")
    return _GroupOut(task.key, nobs, status, "fit" if status != "ok" else "", reason, converged,
                     paths=paths, index=idx, index_draws=draws, reliability=rel, fit=fit,
                     problems=tuple(problems))


def _fit_groups(tasks: tuple[_GroupTask, ...]) -> list[_GroupOut]:
    """:func:`_fit_group` for a batch of groups (one executor task)."""
    return [_fit_group(t) for t in tasks]


# ----------------------------------------------------------------------------- result
class LazyResults(Mapping[Any, Any]):
    """Group -> fitted result, fitted on first access (and kept).

    ``results[g]`` is exactly ``acsi.pls(model, data[data[by] == g], **options)`` (or
    ``acsi.sem(..., estimator=...)``): the fit is deterministic, so refitting on demand
    gives the numbers the tables were computed from without shipping 400 results back
    from a cluster. With ``bootstrap=True`` the mapping gives the group's bootstrap
    (same seed, same numbers as in the tables). A group whose fit failed raises its error.
    """

    def __init__(self, owner: FitManyResult, bootstrap: bool = False) -> None:
        self._owner = owner
        self._boot = bootstrap
        self._cache: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt empty (results are refitted on access): the lock cannot be pickled
        return (LazyResults, (self._owner, self._boot))

    def __getitem__(self, key: Any) -> Any:
        o = self._owner
        if key not in o._positions:
            shown = ", ".join(repr(k) for k in list(o._positions)[:8])
            more = ", ..." if len(o._positions) > 8 else ""
            raise KeyError(f"{key!r} is not a group of this fit (groups: {shown}{more})")
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        frame = o._data.iloc[o._positions[key]]
        res = _fit_one(o._model, frame, o.method, o._options)
        if self._boot:
            if o.bootstrap < 2:
                raise SpecificationError("this fit ran without a bootstrap (bootstrap=0)")
            res = res.bootstrap(n=o.bootstrap, seed=group_seed(o._root, key), level=o.level, scale=o.scale)
        with self._lock:
            return self._cache.setdefault(key, res)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._owner._positions)

    def __len__(self) -> int:
        return len(self._owner._positions)

    def __repr__(self) -> str:
        return f"<{len(self)} fitted results, materialised on access ({len(self._cache)} so far)>"


def _with_keys(by: tuple[str, ...], key: Any, df: pd.DataFrame) -> pd.DataFrame:
    parts = key if isinstance(key, tuple) else (key,)
    df = df.copy()
    for j, (col, val) in enumerate(zip(by, parts)):
        df.insert(j, col, [val] * len(df))
    return df


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True, eq=False)
class FitManyResult(ResultMixin):
    """One model fitted per group (returned by :func:`fit_many`); immutable.

    Attributes
    ----------
    method : str
        ``"pls"``, ``"ml"`` or ``"mlr"``.
    by : tuple of str
        The grouping column(s); the long tables start with them.
    groups : tuple
        Group labels, sorted (tuples when ``by`` has several columns).
    bootstrap : int
        Resamples per group (0: none).
    seed : int or None
        Entropy of the root ``SeedSequence`` (repeat the run with it).
    scale : (min, max)
        Item bounds of the ACSI index.
    level : float
        Confidence level of the intervals.
    results : Mapping
        Group -> fitted result, materialised on first access (see :class:`LazyResults`).
    bootstraps : Mapping
        Group -> its bootstrap result (PLS with ``bootstrap > 0``), materialised on access.
    status, paths, indices, reliability, fit, problems : DataFrame
        See the properties.
    """

    method: str
    by: tuple[str, ...]
    groups: tuple[Any, ...]
    bootstrap: int
    seed: int | None
    scale: tuple[float, float]
    level: float
    _outs: tuple[_GroupOut, ...] = field(repr=False)
    _data: pd.DataFrame = field(repr=False, compare=False)
    _positions: dict[Any, np.ndarray] = field(repr=False, compare=False)
    _model: Any = field(repr=False, compare=False)
    _options: dict[str, Any] = field(repr=False, compare=False)
    _root: np.random.SeedSequence = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_positions", {k: freeze(np.asarray(v)) for k, v in self._positions.items()})
        object.__setattr__(self, "results", LazyResults(self))
        object.__setattr__(self, "bootstraps", LazyResults(self, bootstrap=True))

    results: LazyResults = field(init=False, repr=False, compare=False)
    bootstraps: LazyResults = field(init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ tables
    @frozen_table
    def status(self) -> pd.DataFrame:
        """One row per group: ``nobs`` (rows), ``status`` (``ok``, ``not converged``,
        ``inadmissible``, ``failed``), ``converged`` and ``reason``."""
        rows = [(*(o.key if isinstance(o.key, tuple) else (o.key,)), o.nobs, o.status, o.converged, o.reason)
                for o in self._outs]
        return pd.DataFrame(rows, columns=[*self.by, "nobs", "status", "converged", "reason"])

    @frozen_table
    def problems(self) -> pd.DataFrame:
        """Every problem of every group (never dropped silently): ``stage`` (``fit``,
        ``bootstrap``, ``index``, ``reliability``), ``status`` and ``reason``. Failed groups
        appear here and have no rows in the other tables."""
        rows = []
        for o in self._outs:
            k = o.key if isinstance(o.key, tuple) else (o.key,)
            if o.status == "failed":
                rows.append((*k, o.stage, "failed", f"{o.error_type}: {o.reason}"))
            for stage, st, reason in o.problems:
                rows.append((*k, stage, st, reason))
        return pd.DataFrame(rows, columns=[*self.by, "stage", "status", "reason"])

    def _long(self, attr: str, columns: list[str]) -> pd.DataFrame:
        frames = [_with_keys(self.by, o.key, getattr(o, attr)) for o in self._outs if getattr(o, attr) is not None]
        return _concat(frames, [*self.by, *columns])

    @frozen_table
    def paths(self) -> pd.DataFrame:
        """Structural paths per group: ``source, target, est, se, pvalue, ci_lower,
        ci_upper`` (PLS: bootstrap SE, seminr's p-value and percentile interval, NaN
        without a bootstrap; ML/MLR: Wald, as ``res.estimates``)."""
        return self._long("paths", _PATH_COLS)

    @frozen_table
    def indices(self) -> pd.DataFrame:
        """ACSI 0-100 index per group and construct (PLS): ``index`` (from the group's own
        PLS weights, :func:`acsi.index.acsi_index`), ``boot_se``, ``ci_lower``,
        ``ci_upper`` (percentile interval of the group's bootstrap at ``level``; NaN
        without one) and ``n_draws`` (replicates in which the index was defined). Empty for
        CB-SEM (the ACSI index is defined from PLS weights)."""
        return self._long("index", _INDEX_COLS)

    @frozen_table
    def reliability(self) -> pd.DataFrame:
        """Per group and construct: PLS ``alpha, rho_a, rho_c, ave`` (seminr's); CB-SEM
        ``omega`` (composite reliability, semTools' ``compRelSEM``) and ``ave``."""
        return self._long("reliability", ["construct"])

    @frozen_table
    def fit(self) -> pd.DataFrame:
        """PLS: R-squared and adjusted R-squared per group and endogenous construct;
        CB-SEM: one row per group with every fit measure (``chisq, df, cfi, tli, rmsea,
        srmr``, ...)."""
        return self._long("fit", [])

    def index_draws(self, group: Any) -> pd.DataFrame:
        """The bootstrap replicates of a group's indices (rows: successful resamples;
        columns: constructs; NaN where the index was undefined in a replicate)."""
        for o in self._outs:
            if o.key == group:
                if o.index_draws is None:
                    return pd.DataFrame(columns=[] if o.index is None else list(o.index["construct"]))
                return pd.DataFrame(np.array(o.index_draws), columns=list(o.index["construct"]))  # type: ignore[index]
        raise KeyError(f"{group!r} is not a group of this fit")

    def _draws(self) -> dict[Any, tuple[np.ndarray | None, tuple[str, ...]]]:
        return {o.key: (o.index_draws, tuple(o.index["construct"]) if o.index is not None else ())
                for o in self._outs}

    def _summary(self) -> Summary:
        st = self.status
        counts = st["status"].value_counts()
        header = [
            ("method", self.method), ("groups", len(self.groups)), ("by", ", ".join(self.by)),
            ("ok", int(counts.get("ok", 0))),
            ("not converged", int(counts.get("not converged", 0))),
            ("inadmissible", int(counts.get("inadmissible", 0))),
            ("failed", int(counts.get("failed", 0))),
            ("bootstrap resamples per group", self.bootstrap),
            ("seed", self.seed),
        ]
        tables = [("status", st.set_index(list(self.by)))]
        if self.method == "pls" and len(self.indices):
            tables.append(("indices", self.indices.set_index([*self.by, "construct"])))
        tables.append(("paths", self.paths.set_index([*self.by, "source", "target"])))
        if len(self.problems):
            tables.append(("problems", self.problems))
        return Summary(title=f"{self.method.upper()} model fitted per {', '.join(self.by)}", header=header,
                       tables=tables, notes=["results[g] refits group g on demand (same numbers)."])

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"status": self.status, "paths": self.paths, "indices": self.indices,
                "reliability": self.reliability, "fit": self.fit, "problems": self.problems}


# ----------------------------------------------------------------------------- API
def _check_frame(data: Any) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame with one row per respondent, not {type(data).__name__}")
    return data


def _check_by(by: Any, data: pd.DataFrame) -> tuple[str, ...]:
    cols = (by,) if isinstance(by, str) else tuple(by) if isinstance(by, (list, tuple)) else None
    if not cols or not all(isinstance(c, str) for c in cols):
        raise SpecificationError(f"by must be a column name or a list of column names (e.g. by='company'), not {by!r}")
    import difflib

    for c in cols:
        if c not in data.columns:
            close = difflib.get_close_matches(c, [str(x) for x in data.columns], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise DataError(f"by={c!r} is not a column of the data{hint}")
        n_na = int(data[c].isna().sum())
        if n_na:
            raise DataError(
                f"the group column {c!r} has {n_na} missing value(s); every row must belong to a "
                f"group: fill them (e.g. data[{c!r}].fillna('unknown')) or drop those rows"
            )
    return cols


def _check_items_in_scale(parsed: Any, df: pd.DataFrame, scale: tuple[float, float]) -> None:
    """Every indicator's observed values lie within ``scale`` (the index needs it)."""
    items = list(dict.fromkeys(st.rhs for st in parsed.statements if st.op in ("=~", "<~")))
    for it in items:
        if it not in df.columns or not pd.api.types.is_numeric_dtype(df[it]):
            continue  # acsi.pls names the problem per group
        col = df[it]
        lo, hi = col.min(skipna=True), col.max(skipna=True)
        if pd.notna(lo) and (lo < scale[0] or hi > scale[1]):
            raise DataError(
                f"item {it!r} has values from {lo:g} to {hi:g}, outside scale=({scale[0]:g}, {scale[1]:g}) "
                "used for the ACSI index; pass the items' theoretical bounds with scale=(min, max)"
            )


def fit_many(
    model: Any,
    data: Any,
    by: str | Sequence[str],
    method: str = "pls",
    *,
    bootstrap: int | None = None,
    seed: Any = None,
    executor: Any = None,
    progress: Any = None,
    scale: Any = (1, 10),
    level: float = 0.95,
    **options: Any,
) -> FitManyResult:
    """Fit one model separately in every group (company), as the ACSI does.

    For each group ``g`` (the rows with ``data[by] == g``) the model is estimated on its
    own (``acsi.pls``, or ``acsi.sem`` with ``estimator="ML"``/``"MLR"``), and for PLS the
    ACSI index of every construct is computed from the group's own weights
    (:func:`acsi.index.acsi_index`):

    .. math:: \\text{index}_{gc} = \\sum_{i \\in c} v_{gi}\\, 100\\,
              \\frac{\\bar x_{gi} - \\min_i}{\\max_i - \\min_i},\\qquad
              v_{gi} \\propto \\frac{w_{gi}}{s_{gi}} (\\max_i - \\min_i),\\ \\sum_{i\\in c} v_{gi} = 1,

    with a percentile bootstrap interval from ``bootstrap`` resamples of the group's rows
    (:func:`acsi.plspm.bootstrap.bootstrap_pls`, seeded per group).

    Parameters
    ----------
    model : str or ParsedModel
        Model syntax (as for :func:`acsi.pls` / :func:`acsi.sem`).
    data : pandas.DataFrame
        All groups' rows; the model's indicators and the ``by`` column(s).
    by : str or list of str
        Grouping column(s), e.g. ``"company"`` or ``["company", "year"]``.
    method : {"pls", "ml", "mlr"}, default "pls"
    bootstrap : int, optional
        Resamples per group. Default: 1000 for PLS (percentile intervals need about 1000,
        Efron & Tibshirani 1993, ch. 19), 0 for ML/MLR (Wald intervals). ``0`` switches
        the bootstrap off (``ci_lower``/``ci_upper`` are then NaN for PLS). ML/MLR with a
        bootstrap is not available here.
    seed : int, SeedSequence, Generator or None
        Root seed; group ``g`` uses :func:`group_seed` ``(root, g)``.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Groups are submitted to it one task each; ``None`` fits them here. The numbers are
        bit-identical either way.
    progress : None, True or callable
        ``True`` shows a tqdm bar; a callable gets ``progress(done, total)`` per group.
    scale : (min, max), default (1, 10)
        Theoretical item bounds of the ACSI index (the ACSI's 10-point scales).
    level : float, default 0.95
        Confidence level of the bootstrap intervals.
    **options
        Passed to :func:`acsi.pls` (``scheme``, ``consistent``, ``missing``, ...) or
        :func:`acsi.sem` (``std_lv``, ``se``, ...).

    Returns
    -------
    FitManyResult
        ``results`` (lazy mapping group -> fitted result), ``status``, ``problems``,
        ``paths``, ``indices``, ``reliability``, ``fit``.

    Raises
    ------
    acsi.DataError
        ``data`` not a DataFrame, a ``by`` column missing or with missing values.
    acsi.SpecificationError
        A bad argument; also the error of the groups when *every* group fails the same
        way (e.g. a model naming a column that is not in the data), raised as its own class.

    Notes
    -----
    A group that cannot be estimated (too few rows, a constant indicator, a singular
    covariance matrix, ...) is kept in ``status`` and ``problems`` with the reason and
    left out of the other tables; a group that does not converge or gives an inadmissible
    solution keeps its estimates and is flagged. Warnings of the groups' fits are recorded
    in ``problems`` instead of being printed.

    References
    ----------
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The
    American Customer Satisfaction Index: Nature, purpose, and findings. *Journal of
    Marketing*, 60(4), 7-18.

    Examples
    --------
    >>> import acsi
    >>> mobi = acsi.datasets.load_mobi()
    >>> mobi["half"] = ["a" if i < 125 else "b" for i in range(len(mobi))]
    >>> fm = acsi.fit_many("Sat =~ CUSA1 + CUSA2 + CUSA3; Loy =~ CUSL1 + CUSL3; Loy ~ Sat",
    ...                    mobi, by="half", bootstrap=100, seed=7)
    >>> float(fm.paths.loc[0, "est"]) == float(acsi.pls(
    ...     "Sat =~ CUSA1 + CUSA2 + CUSA3; Loy =~ CUSL1 + CUSL3; Loy ~ Sat",
    ...     mobi[mobi.half == "a"]).paths.loc["Sat", "Loy"])
    True
    """
    import acsi

    df = _check_frame(data)
    cols = _check_by(by, df)
    meth = check_choice(method, _METHODS, "method", hint="'pls' is the ACSI's own method")
    if bootstrap is None:
        n_boot = _DEFAULT_BOOT[meth]
    else:
        n_boot = check_int(bootstrap, "bootstrap", minimum=0, hint="resamples per group; 0 for none")
        if n_boot == 1:
            raise SpecificationError("bootstrap=1 cannot give an interval; use 0 (none) or at least 2 (1000 is usual)")
    if meth != "pls" and n_boot > 0:
        raise SpecificationError(
            f"bootstrap={n_boot} with method={meth!r}: fit_many bootstraps PLS models only; CB-SEM "
            "groups get Wald intervals (bootstrap=0)"
        )
    if meth != "pls" and "estimator" in options:
        raise SpecificationError(
            f"give the estimator through method= ('ml' or 'mlr'), not estimator={options['estimator']!r}"
        )
    sc = check_scale(scale)
    lv = check_level(level)
    root, seed_out = check_seed(seed)
    executor = check_executor(executor)
    progress = check_progress(progress)
    parsed = acsi.parse_model(model) if isinstance(model, str) else model
    if meth == "pls":
        _check_items_in_scale(parsed, df, sc)

    frame = df.copy()
    grouped = frame.groupby(list(cols) if len(cols) > 1 else cols[0], sort=True)
    positions = {k: np.asarray(v, dtype=np.intp) for k, v in grouped.indices.items()}
    if not positions:
        raise DataError("data has no rows")
    try:
        keys = sorted(positions)
    except TypeError:  # labels of mixed types: sort by their text
        keys = sorted(positions, key=_key_text)
    tiny = [k for k in keys if positions[k].size < 2]
    if tiny:
        warn(
            f"{len(tiny)} group(s) of {', '.join(cols)} have a single row ({', '.join(map(_key_text, tiny[:5]))}"
            f"{', ...' if len(tiny) > 5 else ''}): a group of one cannot be estimated and is reported as "
            "failed in `status`/`problems`; merge or drop such groups first",
            DegenerateStatisticWarning,
        )
    if n_boot > 0:
        warn_few_resamples(n_boot, lv, "percentile", "bootstrap")
    tasks = [
        _GroupTask(k, frame.iloc[positions[k]], parsed, meth, dict(options), n_boot, group_seed(root, k), sc, lv)
        for k in keys
    ]
    if executor is None:
        outs = run_tasks(_fit_group, tasks, [1] * len(tasks), executor=None, progress=progress, desc="fit_many")
    else:
        # batches of groups: an executor's cost per task (scheduling, moving one small frame
        # and its tables) is then paid about 64 times in all, not once per group; the numbers
        # do not depend on the batching (each group has its own seed)
        size = max(1, len(tasks) // 64)
        batches = [tuple(tasks[i:i + size]) for i in range(0, len(tasks), size)]
        outs = [o for b in run_tasks(_fit_groups, batches, [len(b) for b in batches], executor=executor,
                                     progress=progress, desc="fit_many") for o in b]
    if all(o.status == "failed" for o in outs):
        first = outs[0]
        cls = getattr(acsi, first.error_type, None) if first.error_type else None
        if not (isinstance(cls, type) and issubclass(cls, AcsiError)):
            cls = DataError
        raise cls(f"every group failed ({len(outs)}); group {first.key!r}: {first.reason}")
    return FitManyResult(
        method=meth, by=cols, groups=tuple(keys), bootstrap=n_boot, seed=seed_out, scale=sc, level=lv,
        _outs=tuple(outs), _data=frame, _positions=positions, _model=parsed, _options=dict(options), _root=root,
    )
