"""Coverage of acsi's 95% intervals for the ACSI chain (issue 15, item 4).

Usage::

    python benchmarks/coverage_study.py [--reps 2000] [--ns 54,200,1000] [--boot 1000]
        [--workers 2] [--seed 20261203] [--out benchmarks/results/coverage.json]

The population is the ACSI chain (Expectations -> Quality -> Value -> Satisfaction ->
Loyalty, :func:`acsi.spec.models.acsi` on the ``mobi`` items) fitted by ML to ``mobi``;
its model-implied moments are the population. For every ``n`` and replicate ``r`` a sample
of ``n`` rows is drawn from ``N(mu, Sigma)`` with the generator
``SeedSequence(seed, spawn_key=(n, r))`` and

* ML and MLR: :func:`acsi.power` fits the CB-SEM model; an interval covers when the
  population value (the ML estimate on the exact population moments) lies in acsi's 95%
  Wald interval;
* PLS: :func:`acsi.pls` fits the same model as composites (Mode A), ``res.bootstrap`` with
  ``--boot`` resamples gives the percentile and BCa intervals of every path. The "true
  value" of a PLS path is the population composite-model parameter: PLS fitted to the
  population covariance matrix itself (a data set whose moments are exactly ``Sigma``,
  ``mu``), i.e. the value PLS estimates consistently as ``n`` grows; it is not the
  common-factor path, which PLS (Mode A, without PLSc) underestimates.

Coverage is the share of replicates whose interval holds the true value; its Monte Carlo
error is ``sqrt(p (1 - p) / R)``. Everything runs on a ``ProcessPoolExecutor(--workers)``;
the numbers do not depend on the number of workers. The JSON holds one row per method,
interval type, n and path, plus the run's settings and times.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import acsi  # noqa: E402
from acsi.datasets import load_mobi  # noqa: E402
from acsi.inference.intervals import percentile_ci  # noqa: E402
from acsi.inference.resampling import run_tasks  # noqa: E402
from acsi.simulation import _exact_sample, population_moments  # noqa: E402
from acsi.spec.models import acsi as acsi_model  # noqa: E402

HERE = Path(__file__).resolve().parent
MODEL = acsi_model(
    expectations=["CUEX1", "CUEX2", "CUEX3"],
    quality=[f"PERQ{i}" for i in range(1, 8)],
    value=["PERV1", "PERV2"],
    satisfaction=["CUSA1", "CUSA2", "CUSA3"],
    loyalty=["CUSL1", "CUSL2", "CUSL3"],
)
LEVEL = 0.95


def population() -> str:
    """The population model: the ACSI chain's ML estimates on ``mobi`` as fixed values."""
    est = acsi.sem(MODEL, load_mobi()).estimates
    lines = []
    for lhs, op, rhs, v in zip(est["lhs"], est["op"], est["rhs"], est["est"]):
        if op in ("=~", "~", "~~"):
            lines.append(f"{lhs} {op} {float(v)!r}*{rhs}")
    return "\n".join(lines)


@dataclass(frozen=True)
class PLSChunk:
    """Replicates ``start:stop`` at size ``n`` (picklable)."""

    names: tuple[str, ...]
    L: np.ndarray
    mu: np.ndarray
    n: int
    start: int
    stop: int
    entropy: int
    boot: int
    paths: tuple[tuple[str, str], ...]  # (source, target)


def pls_chunk(ch: PLSChunk) -> dict[str, np.ndarray]:
    """Estimates and percentile/BCa intervals of every path for replicates ``start:stop``."""
    from acsi._blas import single_threaded_blas

    r, k = ch.stop - ch.start, len(ch.paths)
    out = {key: np.full((r, k), np.nan) for key in ("est", "perc_lo", "perc_hi", "bca_lo", "bca_hi")}
    failed = np.zeros(r, dtype=bool)
    cols = [("paths", s, t) for s, t in ch.paths]
    with single_threaded_blas():
        for i in range(r):
            rng = np.random.default_rng(np.random.SeedSequence(ch.entropy, spawn_key=(ch.n, ch.start + i)))
            X = ch.mu + rng.standard_normal((ch.n, len(ch.names))) @ ch.L.T
            try:
                res = acsi.pls(MODEL, pd.DataFrame(X, columns=list(ch.names)))
                b = res.bootstrap(n=ch.boot, seed=np.random.SeedSequence(int(rng.integers(0, 2**63 - 1))),
                                  ci="bca", level=LEVEL, scale=None)
            except acsi.AcsiError:
                failed[i] = True
                continue
            P = b.paths.set_index(["source", "target"])
            draws = b.draws[cols].to_numpy(dtype=float)
            plo, phi = percentile_ci(draws, LEVEL)
            for j, key in enumerate(ch.paths):
                out["est"][i, j] = P.loc[key, "est"]
                out["bca_lo"][i, j] = P.loc[key, "ci_lower"]
                out["bca_hi"][i, j] = P.loc[key, "ci_upper"]
            out["perc_lo"][i], out["perc_hi"][i] = plo, phi
    out["failed"] = failed.astype(float)
    return out


def pls_truth(names: tuple[str, ...], Sigma: np.ndarray, mu: np.ndarray) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The population composite-model paths: PLS fitted to the population covariance itself."""
    ref = acsi.pls(MODEL, _exact_sample(names, Sigma, mu))
    P = ref.paths
    pairs = [(s, t) for s in P.index for t in P.columns if P.loc[s, t] != 0]
    return pairs, np.array([float(P.loc[s, t]) for s, t in pairs])


def coverage_rows(method: str, interval: str, n: int, pairs: list[tuple[str, str]], truth: np.ndarray,
                  est: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[dict[str, Any]]:
    """One row per path: coverage, its Monte Carlo error, bias and the replicates used."""
    rows = []
    for j, (s, t) in enumerate(pairs):
        ok = np.isfinite(lo[:, j]) & np.isfinite(hi[:, j])
        R = int(ok.sum())
        cov = float(np.mean((lo[ok, j] <= truth[j]) & (truth[j] <= hi[ok, j]))) if R else float("nan")
        rows.append({"method": method, "interval": interval, "n": n, "path": f"{s} -> {t}",
                     "true": float(truth[j]), "bias": float(np.nanmean(est[ok, j]) - truth[j]) if R else float("nan"),
                     "coverage": cov, "mcse": float(np.sqrt(cov * (1 - cov) / R)) if R else float("nan"),
                     "reps": R, "below": float(np.mean(truth[j] < lo[ok, j])) if R else float("nan"),
                     "above": float(np.mean(truth[j] > hi[ok, j])) if R else float("nan")})
    return rows


def run_pls(ns: list[int], reps: int, boot: int, seed: int, executor: Any, chunk: int = 25) -> pd.DataFrame:
    """Percentile and BCa coverage of the PLS paths (see the module docstring)."""
    names, Sigma, mu = population_moments(population())
    pairs, truth = pls_truth(names, Sigma, mu)
    L = np.linalg.cholesky(Sigma)
    rows: list[dict[str, Any]] = []
    for n in ns:
        chunks = [PLSChunk(tuple(names), L, mu, n, s, min(reps, s + chunk), seed, boot, tuple(pairs))
                  for s in range(0, reps, chunk)]
        outs = run_tasks(pls_chunk, chunks, [c.stop - c.start for c in chunks], executor=executor, desc="pls")
        cat = {key: np.concatenate([o[key] for o in outs]) for key in outs[0]}
        for interval in ("percentile", "bca"):
            key = "perc" if interval == "percentile" else "bca"
            new = coverage_rows("pls", interval, n, pairs, truth, cat["est"], cat[f"{key}_lo"], cat[f"{key}_hi"])
            for row in new:
                row["nonconverged"], row["inadmissible"] = float(np.mean(cat["failed"])), float("nan")
            rows += new
    return pd.DataFrame(rows)


def run_cbsem(ns: list[int], reps: int, seed: int, executor: Any,
              methods: tuple[str, ...] = ("ml", "mlr")) -> pd.DataFrame:
    """Wald coverage of the structural paths by :func:`acsi.power` (ML and MLR)."""
    frames = []
    for m in methods:
        pw = acsi.power(MODEL, population=population(), n=ns, reps=reps, alpha=1 - LEVEL, method=m,
                        executor=executor, seed=seed)
        t = pw.table.query("op == '~'")
        for _, row in t.iterrows():
            cov, R = float(row["coverage"]), int(row["n_valid"])
            frames.append({"method": m, "interval": "wald", "n": int(row["n"]), "path": f"{row['rhs']} -> {row['lhs']}",
                           "true": float(row["pop_value"]), "bias": float(row["bias"]), "coverage": cov,
                           "mcse": float(np.sqrt(cov * (1 - cov) / R)), "reps": R,
                           "below": float("nan"), "above": float("nan"),
                           "nonconverged": float(row["nonconverged"]) + float(row["failed"]),
                           "inadmissible": float(row["inadmissible"])})
    return pd.DataFrame(frames)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Coverage averaged over the paths, per method, interval and n (MC error of one path's rate)."""
    g = df.groupby(["method", "interval", "n"], sort=False)
    s = g.agg(mean_coverage=("coverage", "mean"), min_coverage=("coverage", "min"),
              max_coverage=("coverage", "max"), reps=("reps", "min"), nonconverged=("nonconverged", "first"),
              inadmissible=("inadmissible", "first")).reset_index()
    p = 0.95
    s["mcse_at_95"] = np.sqrt(p * (1 - p) / s["reps"])
    return s


def markdown(paths: list[Path]) -> str:
    """The tables of docs/methods/coverage.md from result JSONs (rows of later files win)."""
    df = pd.concat([pd.DataFrame(json.loads(Path(p).read_text())["rows"]) for p in paths], ignore_index=True)
    df = df.drop_duplicates(["method", "interval", "n", "path"], keep="last")
    label = {("ml", "wald"): "ML, Wald", ("mlr", "wald"): "MLR, Wald (robust SE)",
             ("pls", "percentile"): "PLS, bootstrap percentile", ("pls", "bca"): "PLS, bootstrap BCa"}
    ns = sorted(df.n.unique())
    out = ["| interval | " + " | ".join(f"n = {n}" for n in ns) + " |", "|---|" + "---|" * len(ns)]
    for key, name in label.items():
        sub = df[(df.method == key[0]) & (df.interval == key[1])]
        if sub.empty:
            continue
        cells = []
        for n in ns:
            t = sub[sub.n == n]
            cells.append(f"{t.coverage.mean():.3f} ({t.coverage.min():.3f}-{t.coverage.max():.3f})")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += ["", "| path | " + " | ".join(f"{m} n={n}" for m in ("ML", "MLR", "perc.", "BCa") for n in ns) + " |",
            "|---|" + "---|" * (4 * len(ns))]
    for path in dict.fromkeys(df.path):
        cells = []
        for key in label:
            for n in ns:
                t = df[(df.method == key[0]) & (df.interval == key[1]) & (df.n == n) & (df.path == path)]
                cells.append(f"{float(t.coverage.iloc[0]):.3f}" if len(t) else "")
        out.append(f"| {path} | " + " | ".join(cells) + " |")
    rates = []
    for key, what in ((("ml", "wald"), "nonconverged"), (("ml", "wald"), "inadmissible"),
                      (("pls", "bca"), "nonconverged")):
        sub = df[(df.method == key[0]) & (df.interval == key[1])]
        if sub.empty or what not in sub or sub[what].isna().all():
            continue
        rates.append(f"| {key[0].upper()} {what} | " + " | ".join(
            f"{float(sub[sub.n == n][what].iloc[0]):.1%}" for n in ns) + " |")
    if rates:
        out += ["", "| | " + " | ".join(f"n = {n}" for n in ns) + " |", "|---|" + "---|" * len(ns), *rates]
    if (df.method == "ml").any():
        out.append("")
        out.append("Converged ML/MLR replicates (of the rates' R): " + ", ".join(
            f"n = {n}: {int(df[(df.method == 'ml') & (df.n == n)].reps.min())}" for n in ns) + "; PLS: " + ", ".join(
            f"n = {n}: {int(df[(df.method == 'pls') & (df.n == n)].reps.min())}" for n in ns
            if (df.method == "pls").any()) + ".")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--ns", default="54,200,1000")
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--methods", default="ml,mlr,pls")
    ap.add_argument("--out", default=str(HERE / "results" / "coverage.json"))
    ap.add_argument("--render", default=None, help="print the docs tables of result JSONs (comma-separated) and stop")
    a = ap.parse_args()
    if a.render:
        print(markdown([Path(v) for v in a.render.split(",")]))
        return
    ns = [int(v) for v in a.ns.split(",")]
    methods = a.methods.split(",")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    parts: list[pd.DataFrame] = []
    times: dict[str, float] = {}
    with ProcessPoolExecutor(a.workers) as ex:
        cb = tuple(m for m in methods if m in ("ml", "mlr"))
        if cb:
            t = time.perf_counter()
            parts.append(run_cbsem(ns, a.reps, a.seed, ex, cb))
            times["cbsem_wall_s"] = time.perf_counter() - t
        if "pls" in methods:
            t = time.perf_counter()
            parts.append(run_pls(ns, a.reps, a.boot, a.seed, ex))
            times["pls_wall_s"] = time.perf_counter() - t
    df = pd.concat(parts, ignore_index=True)
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    meta = {"command": "python benchmarks/coverage_study.py " + " ".join(
                f"--{k} {v}" for k, v in (("reps", a.reps), ("ns", a.ns), ("boot", a.boot), ("workers", a.workers),
                                          ("seed", a.seed), ("methods", a.methods))),
            "model": MODEL, "level": LEVEL, "wall_s": time.perf_counter() - t0,
            "cpu_s_main": time.process_time() - c0, "cpu_s_workers": child.ru_utime + child.ru_stime,
            **times, "python": platform.python_version(), "acsi": getattr(acsi, "__version__", "?"),
            "numpy": np.__version__}
    out.write_text(json.dumps({"meta": meta, "rows": df.to_dict(orient="records"),
                               "summary": summary(df).to_dict(orient="records")}, indent=1))
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(summary(df).to_string(index=False))
        print(df.to_string(index=False))
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
