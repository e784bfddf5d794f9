"""One benchmark command: acsi and its peers on the same tasks, in one run.

Usage::

    python benchmarks/run.py [--quick] [--tasks hs_cfa,big_cfa,...] [--out DIR] [--repeat K]

Tasks (``--tasks`` takes a comma-separated subset):

* ``hs_cfa``: Holzinger-Swineford 3-factor CFA, fit + standard errors + fit measures
  (acsi, lavaan through ``Rscript`` when installed, semopy).
* ``big_cfa``: 10 factors x 6 items, n = 2000 (simulated, seed 1), the same job.
* ``pls_mobi``: PLS point estimate of the ECSI model on mobi, then every evaluation table
  (acsi, the PyPI seminr port).
* ``pls_boot``: PLS bootstrap with 5000 resamples on mobi, one thread (acsi; seminr in quick
  mode: 50 resamples, extrapolated linearly and marked so; plspm when it works).
* ``fiml``: the HS CFA with 10% of the values missing completely at random (seed 1), FIML
  (acsi ``missing="ml"``, lavaan ``missing = "ml"``), fit + SEs + fit measures.
* ``wlsmv``: the HS CFA on the nine items cut into 4 ordered categories, WLSMV (acsi
  ``ordered=True``, lavaan ``ordered = TRUE``), fit + SEs + fit measures.
* ``cb_boot``: the HS CFA bootstrap, 1000 resamples (acsi ``res.bootstrap``, lavaan
  ``bootstrapLavaan``); checked resample by resample on the rows lavaan drew (``keep.idx``).
* ``invariance``: configural, metric, scalar and strict invariance of the HS CFA across
  schools with the comparison table (acsi ``acsi.invariance``; lavaan: the four fits and
  ``lavTestLRT``).
* ``pls_mga``: PLS-MGA of the mobi ECSI model on seminr's test split, 5000 resamples per
  group, no permutations (acsi ``res.mga``; the seminr port's ``estimate_pls_mga`` on the
  same resample rows, in quick mode 50 per group extrapolated and marked so).
* ``scale``: 30 items (5 factors x 6) x N rows for ML, MLR, FIML and PLS, N = 10k .. 1M
  (quick: up to 100k): CPU time and peak RSS, each point in a fresh process; drawn log-log
  as a PNG. FIML: in each block of 6 items 10% of the rows skip three (32 patterns).
* ``stream``: a CSV of N rows x 30 Likert items (10M; quick 1M) written to the temporary
  directory, reduced by ``acsi.moments`` in chunks of 100,000 rows and fitted (ML), in a
  fresh process: CPU time and peak RSS of the whole process; the same with
  ``fourth_order=True`` and MLR on min(N, 1M) rows. The file is deleted afterwards.

Every tool gets the same BLAS setting (``OPENBLAS_NUM_THREADS = OMP_NUM_THREADS =
MKL_NUM_THREADS = 1``, set before numpy is imported and passed to Rscript and to the scale
processes). Before a peer is timed its numbers are compared with acsi's (chi-square for
CB-SEM, path coefficients for PLS); a peer that disagrees is reported, not timed. Times are
CPU times of the process (robust on a busy machine; wall times are kept in the JSON),
medians with min and max over repeated runs, the tools of a task run round-robin so that
they share the machine's load. Results: a table on stdout, ``results.json`` and
``scale.png`` in ``--out`` (default ``benchmarks/results``).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import acsi  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_pls_bootstrap import BLOCKS, M2, PATHS  # noqa: E402

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
TASKS = ("hs_cfa", "big_cfa", "pls_mobi", "pls_boot", "fiml", "wlsmv", "cb_boot", "invariance", "pls_mga",
         "scale", "stream")
Job = Callable[[], Any]


# ------------------------------------------------------------------------------------ data
def factor_data(n: int, k: int, m: int, seed: int = 1) -> tuple[pd.DataFrame, str]:
    """``k`` correlated factors with ``m`` (mildly non-normal) indicators each, and the CFA."""
    rng = np.random.default_rng(seed)
    phi = 0.3 + 0.7 * np.eye(k)
    f = rng.standard_normal((n, k)) @ np.linalg.cholesky(phi).T
    lam = rng.uniform(0.5, 0.9, k * m)
    x = np.repeat(f, m, axis=1) * lam + rng.standard_normal((n, k * m)) * np.sqrt(1 - lam**2)
    x += 0.3 * (x**2 - 1)
    cols = [f"x{i + 1}" for i in range(k * m)]
    model = "\n".join(f"f{j + 1} =~ " + " + ".join(cols[j * m : (j + 1) * m]) for j in range(k))
    return pd.DataFrame(x, columns=cols), model


def pls_model_for(k: int, m: int) -> str:
    """A chain of composites over the ``factor_data`` blocks (f1 -> f2 -> ... )."""
    lines = [f"f{j + 1} =~ " + " + ".join(f"x{j * m + i + 1}" for i in range(m)) for j in range(k)]
    lines += [f"f{j + 2} ~ f{j + 1}" for j in range(k - 1)]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ timing
def measure(jobs: dict[str, Job], repeat: int) -> dict[str, dict[str, float]]:
    """CPU and wall time (ms) of each job: warm-up, then ``repeat`` round-robin runs."""
    for fn in jobs.values():
        fn()
    cpu: dict[str, list[float]] = {k: [] for k in jobs}
    wall: dict[str, list[float]] = {k: [] for k in jobs}
    for _ in range(repeat):
        for k, fn in jobs.items():
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            cpu[k].append(1e3 * (time.process_time() - c0))
            wall[k].append(1e3 * (time.perf_counter() - w0))
    return {
        k: {
            "median_ms": statistics.median(cpu[k]), "min_ms": min(cpu[k]), "max_ms": max(cpu[k]),
            "wall_median_ms": statistics.median(wall[k]), "runs": repeat,
        }
        for k in jobs
    }


def agree(name: str, got: np.ndarray, ref: np.ndarray, rtol: float) -> str | None:
    """``None`` when ``got`` matches ``ref`` to ``rtol`` (relative to max |ref|), else why not."""
    got, ref = np.asarray(got, float), np.asarray(ref, float)
    if got.shape != ref.shape:
        return f"{name}: shape {got.shape} != {ref.shape}"
    err = float(np.max(np.abs(got - ref)) / max(1e-300, float(np.max(np.abs(ref)))))
    return None if err <= rtol else f"{name}: relative difference {err:.2e} > {rtol:.0e}"


# ------------------------------------------------------------------------------------ peers
def semopy_job(desc: str, data: pd.DataFrame) -> Callable[[], float]:
    import semopy

    def run() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mod = semopy.Model(desc)
            mod.fit(data)
            mod.inspect()
            stats = semopy.calc_stats(mod)
        return float(stats["chi2"].iloc[0])

    return run


R_CFA = r"""
suppressMessages(library(lavaan))
d <- read.csv("{csv}")
model <- '{model}'
job <- function() {{ f <- cfa(model, data = d); parameterEstimates(f); fitMeasures(f) }}
f <- cfa(model, data = d)
cat(sprintf("chisq %.12g\n", fitMeasures(f, "chisq")))
job()
for (i in seq_len({repeat})) {{
  st <- system.time(job())
  cat(sprintf("run %.6f %.6f\n", 1000 * (st[["user.self"]] + st[["sys.self"]]), 1000 * st[["elapsed"]]))
}}
"""


def lavaan_cfa(data: pd.DataFrame, model: str, repeat: int) -> tuple[float, dict[str, float]] | str:
    """lavaan's chi-square and its CPU times (inside R: R's start-up is not counted)."""
    if shutil.which("Rscript") is None:
        return "Rscript not installed"
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        data.to_csv(csv, index=False)
        script = Path(tmp) / "job.R"
        script.write_text(R_CFA.format(csv=csv, model=model, repeat=repeat))
        out = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, timeout=3600,
                             env=os.environ.copy())
    if out.returncode != 0:
        return f"lavaan failed: {out.stderr.strip()[:200]}"
    chisq, cpu, wall = float("nan"), [], []
    for line in out.stdout.splitlines():
        parts = line.split()
        if parts[0] == "chisq":
            chisq = float(parts[1])
        elif parts[0] == "run":
            cpu.append(float(parts[1]))
            wall.append(float(parts[2]))
    return chisq, {"median_ms": statistics.median(cpu), "min_ms": min(cpu), "max_ms": max(cpu),
                   "wall_median_ms": statistics.median(wall), "runs": len(cpu)}


def seminr_model() -> Callable[[], Any]:
    import seminr

    mobi = acsi.datasets.load_mobi()
    mm = seminr.constructs(*[
        seminr.composite(c, items) if len(items) > 1 else seminr.composite(c, seminr.single_item(items[0]))
        for c, items in BLOCKS.items()
    ])
    sm = seminr.relationships(*[seminr.paths(from_=a, to=b) for a, b in PATHS])

    def run() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return seminr.estimate_pls(mobi, mm, sm)

    return run


# ------------------------------------------------------------------------------------ tasks
def cbsem_task(name: str, data: pd.DataFrame, model: str, repeat: int) -> dict[str, Any]:
    res = acsi.cfa(model, data)
    ref = float(res.fit_measures.to_series()["chisq"])

    def acsi_job() -> None:
        r = acsi.cfa(model, data)
        _ = (r.estimates, r.fit_measures)

    jobs: dict[str, Job] = {"acsi": acsi_job}
    notes: dict[str, str] = {}
    try:
        sj = semopy_job(model, data)
        why = agree("semopy chi-square", np.array([sj()]), np.array([ref]), 1e-3)
        if why is None:
            jobs["semopy"] = sj
        else:
            notes["semopy"] = why
    except ImportError:
        notes["semopy"] = "not installed"
    out: dict[str, Any] = {"task": name, "check": {"acsi chisq": ref}, "tools": measure(jobs, repeat)}
    lav = lavaan_cfa(data, model, max(5, repeat // 2))
    if isinstance(lav, str):
        notes["lavaan"] = lav
    else:
        why = agree("lavaan chi-square", np.array([lav[0]]), np.array([ref]), 1e-6)
        if why is None:
            out["tools"]["lavaan"] = lav[1]
        else:
            notes["lavaan"] = why
    out["notes"] = notes
    return out


def pls_mobi_task(repeat: int) -> dict[str, Any]:
    mobi = acsi.datasets.load_mobi()
    res = acsi.pls(M2, mobi)
    order = list(BLOCKS)
    ref = res.paths.loc[order, order].to_numpy(float)

    def fit() -> None:
        acsi.pls(M2, mobi)

    def fit_tables() -> None:
        r = acsi.pls(M2, mobi)
        _ = (r.paths, r.loadings_table, r.path_table, r.r_squared, r.reliability, r.htmt,
             r.fornell_larcker, r.cross_loadings, r.vif, r.f_squared, r.total_effects, r.weights)

    jobs: dict[str, Job] = {"acsi": fit, "acsi (all tables)": fit_tables}
    notes: dict[str, str] = {}
    try:
        sm = seminr_model()
        import seminr

        why = agree("seminr paths", np.asarray(sm().path_coef.values, float), ref, 1e-6)
        if why is None:
            jobs["seminr"] = sm

            def seminr_tables() -> None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    seminr.summarize(sm())

            jobs["seminr (all tables)"] = seminr_tables
        else:
            notes["seminr"] = why
    except ImportError:
        notes["seminr"] = "not installed"
    return {"task": "pls_mobi", "tools": measure(jobs, repeat), "notes": notes}


def _cpu_of(fn: Job) -> float:
    """CPU seconds of ``fn()`` in this process and its child processes (peers may fork)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c0 = time.process_time()
    fn()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() - c0 + (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def pls_boot_task(quick: bool, repeat: int) -> dict[str, Any]:
    import bench_pls_bootstrap as bb

    mobi = acsi.datasets.load_mobi()
    res = acsi.pls(M2, mobi)
    n = 5000

    def boot() -> None:
        res.bootstrap(n=n, seed=1, executor=None)

    tools = measure({"acsi": boot}, max(3, repeat // 10))
    notes: dict[str, str] = {}
    nq = 50 if quick else n
    try:
        t = _cpu_of(lambda: bb.time_seminr(nq)) * 1e3 * n / nq
        tools["seminr"] = {"median_ms": t, "min_ms": t, "max_ms": t, "runs": 1,
                           "note": f"{nq} resamples, x {n / nq:g}" if nq != n else "one run"}
    except Exception as exc:  # a peer's failure is reported, not fatal
        notes["seminr"] = f"failed: {exc!r}"[:200]
    try:
        t = _cpu_of(lambda: bb.time_plspm(nq)) * 1e3 * n / nq
        tools["plspm"] = {"median_ms": t, "min_ms": t, "max_ms": t, "runs": 1,
                          "note": f"{nq} resamples, x {n / nq:g}" if nq != n else "one run"}
    except Exception as exc:
        notes["plspm"] = f"failed: {exc!r}"[:200]
    return {"task": "pls_boot", "tools": tools, "notes": notes}


R_JOB = r"""
suppressMessages(library(lavaan))
d <- read.csv("{csv}")
model <- '{model}'
{setup}
check()
job()
for (i in seq_len({repeat})) {{
  st <- system.time(job())
  cat(sprintf("run %.6f %.6f\n", 1000 * (st[["user.self"]] + st[["sys.self"]]), 1000 * st[["elapsed"]]))
}}
"""


def lavaan_job(data: pd.DataFrame, model: str, setup: str, repeat: int,
               files: dict[str, str] | None = None) -> tuple[dict[str, float], dict[str, float], dict[str, Path]] | str:
    """Run ``setup`` (R code defining ``job()`` and ``check()``) in Rscript on ``data``.

    ``check()`` prints lines ``check <key> <value>``; returns those values, the CPU times of
    ``job()`` (inside R) and the paths of the ``files`` R was asked to write (kept until the
    process ends, in a temporary directory)."""
    if shutil.which("Rscript") is None:
        return "Rscript not installed"
    tmp = Path(tempfile.mkdtemp(prefix="acsi_bench_"))
    csv = tmp / "d.csv"
    data.to_csv(csv, index=False)
    paths = {k: tmp / v for k, v in (files or {}).items()}
    script = tmp / "job.R"
    for key, value in paths.items():  # R code is full of braces: plain replacement, no str.format
        setup = setup.replace("{" + key + "}", str(value))
    script.write_text(R_JOB.format(csv=csv, model=model, repeat=repeat, setup=setup))
    out = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, timeout=7200,
                         env=os.environ.copy())
    if out.returncode != 0:
        return f"lavaan failed: {out.stderr.strip()[-300:]}"
    checks: dict[str, float] = {}
    cpu, wall = [], []
    for line in out.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] == "check":
            checks[parts[1]] = float(parts[2])
        elif parts and parts[0] == "run":
            cpu.append(float(parts[1]))
            wall.append(float(parts[2]))
    if not cpu:
        return f"lavaan gave no timings: {out.stdout[-200:]}"
    return checks, {"median_ms": statistics.median(cpu), "min_ms": min(cpu), "max_ms": max(cpu),
                    "wall_median_ms": statistics.median(wall), "runs": len(cpu)}, paths


def _with_lavaan(out: dict[str, Any], lav: Any, ref: dict[str, float], rtol: float,
                 extra: Callable[[dict[str, Path]], str | None] | None = None) -> None:
    """Add lavaan's timing to ``out`` when its check values agree with acsi's ``ref``."""
    if isinstance(lav, str):
        out["notes"]["lavaan"] = lav
        return
    checks, timing, paths = lav
    for key, value in ref.items():
        why = agree(f"lavaan {key}", np.array([checks.get(key, np.nan)]), np.array([value]), rtol)
        if why is not None:
            out["notes"]["lavaan"] = why
            return
    if extra is not None:
        why = extra(paths)
        if why is not None:
            out["notes"]["lavaan"] = why
            return
    out["check"].update({f"lavaan {k}": v for k, v in checks.items()})
    out["tools"]["lavaan"] = timing


def hs_with_holes(seed: int = 1) -> pd.DataFrame:
    """The HS items with 10% of the values missing completely at random."""
    hs = acsi.datasets.load_holzinger_swineford()[[f"x{i}" for i in range(1, 10)]].copy()
    mask = np.random.default_rng(seed).random(hs.shape) < 0.10
    return hs.mask(mask)


def hs_ordinal() -> pd.DataFrame:
    """The HS items cut at their quartiles into 4 ordered categories (1..4)."""
    hs = acsi.datasets.load_holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    return hs.apply(lambda col: pd.Series(np.searchsorted(np.quantile(col, [0.25, 0.5, 0.75]), col,
                                                          side="right") + 1, index=col.index))


def fiml_task(repeat: int) -> dict[str, Any]:
    data = hs_with_holes()
    res = acsi.cfa(HS_MODEL, data, missing="ml")
    ref = {"chisq": float(res.fit_measures.to_series()["chisq"])}

    def job() -> None:
        r = acsi.cfa(HS_MODEL, data, missing="ml")
        _ = (r.estimates, r.fit_measures)

    out: dict[str, Any] = {"task": "fiml", "check": {"acsi chisq": ref["chisq"]},
                           "tools": measure({"acsi": job}, repeat), "notes": {}}
    setup = """job <- function() { f <- cfa(model, data = d, missing = "ml"); parameterEstimates(f); fitMeasures(f) }
check <- function() { f <- cfa(model, data = d, missing = "ml")
  cat(sprintf("check chisq %.12g\\n", fitMeasures(f, "chisq"))) }"""
    _with_lavaan(out, lavaan_job(data, HS_MODEL, setup, max(3, repeat // 2)), ref, 1e-6)
    out["notes"]["semopy"] = "not compared (no lavaan-equivalent FIML fit measures)"
    return out


def wlsmv_task(repeat: int) -> dict[str, Any]:
    data = hs_ordinal()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = acsi.cfa(HS_MODEL, data, ordered=True)
    fm = res.fit_measures.to_series()
    ref = {"chisq": float(fm["chisq"]), "chisq.scaled": float(fm["chisq_scaled"])}

    def job() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = acsi.cfa(HS_MODEL, data, ordered=True)
            _ = (r.estimates, r.fit_measures)

    out: dict[str, Any] = {"task": "wlsmv", "check": {f"acsi {k}": v for k, v in ref.items()},
                           "tools": measure({"acsi": job}, repeat), "notes": {}}
    setup = """job <- function() { f <- cfa(model, data = d, ordered = TRUE); parameterEstimates(f); fitMeasures(f) }
check <- function() { f <- cfa(model, data = d, ordered = TRUE)
  cat(sprintf("check chisq %.12g\\ncheck chisq.scaled %.12g\\n", fitMeasures(f, "chisq"),
              fitMeasures(f, "chisq.scaled"))) }"""
    _with_lavaan(out, lavaan_job(data, HS_MODEL, setup, max(3, repeat // 2)), ref, 1e-6)
    return out


def cb_boot_task(quick: bool, repeat: int) -> dict[str, Any]:
    hs = acsi.datasets.load_holzinger_swineford()
    data = hs[[f"x{i}" for i in range(1, 10)]]
    res = acsi.cfa(HS_MODEL, data)
    n = 1000

    def job() -> None:
        res.bootstrap(n=n, seed=1)

    out: dict[str, Any] = {"task": "cb_boot", "check": {}, "tools": measure({"acsi": job}, max(3, repeat // 5)),
                           "notes": {}}
    setup = """f <- cfa(model, data = d)
job <- function() bootstrapLavaan(f, R = 1000L, FUN = "coef")
check <- function() { b <- bootstrapLavaan(f, R = 1000L, FUN = "coef", keep.idx = TRUE, iseed = 1L)
  write.csv(attr(b, "boot.idx"), "{idx}", row.names = FALSE)
  write.csv(b[, ], "{draws}", row.names = FALSE)
  cat(sprintf("check chisq %.12g\\n", fitMeasures(f, "chisq"))) }"""

    def same_draws(paths: dict[str, Path]) -> str | None:
        idx = pd.read_csv(paths["idx"]).to_numpy() - 1
        draws = pd.read_csv(paths["draws"]).to_numpy(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mine = res.bootstrap(indices=idx).draws_array[:, : draws.shape[1]]
        ok = np.isfinite(draws).all(axis=1)
        # lavaan's optimiser stops at a looser tolerance than acsi's (1e-10 gradient)
        why = agree("lavaan bootstrap draws (the same rows)", mine[ok], draws[ok], 1e-4)
        out["check"]["max relative difference of the 1000 draws"] = float(
            np.max(np.abs(mine[ok] - draws[ok])) / np.max(np.abs(draws[ok])))
        return why

    lav = lavaan_job(data, HS_MODEL, setup, 1 if quick else 3, files={"idx": "idx.csv", "draws": "draws.csv"})
    _with_lavaan(out, lav, {"chisq": float(res.fit_measures.to_series()["chisq"])}, 1e-6, same_draws)
    return out


def invariance_task(repeat: int) -> dict[str, Any]:
    hs = acsi.datasets.load_holzinger_swineford()
    data = hs[[f"x{i}" for i in range(1, 10)] + ["school"]]
    inv = acsi.invariance(HS_MODEL, data, group="school")
    chis = inv.table["chisq"].to_numpy(float)
    ref = {f"chisq_{k}": float(v) for k, v in zip(("configural", "metric", "scalar", "strict"), chis)}

    def job() -> None:
        r = acsi.invariance(HS_MODEL, data, group="school")
        _ = r.table

    out: dict[str, Any] = {"task": "invariance", "check": {f"acsi {k}": v for k, v in ref.items()},
                           "tools": measure({"acsi": job}, max(3, repeat // 3)), "notes": {}}
    setup = """fits <- function() list(
  configural = cfa(model, data = d, group = "school"),
  metric = cfa(model, data = d, group = "school", group.equal = "loadings"),
  scalar = cfa(model, data = d, group = "school", group.equal = c("loadings", "intercepts")),
  strict = cfa(model, data = d, group = "school", group.equal = c("loadings", "intercepts", "residuals")))
job <- function() { f <- fits(); lavTestLRT(f$configural, f$metric, f$scalar, f$strict)
  lapply(f, fitMeasures) }
check <- function() { f <- fits()
  for (k in names(f)) cat(sprintf("check chisq_%s %.12g\\n", k, fitMeasures(f[[k]], "chisq"))) }"""
    _with_lavaan(out, lavaan_job(data, HS_MODEL, setup, max(3, repeat // 3)), ref, 1e-6)
    return out


def pls_mga_task(quick: bool, repeat: int) -> dict[str, Any]:
    root = HERE.parent
    cond = np.array(json.loads((root / "tests/data/seminr/mga_mobi_100.json").read_text())["condition"])
    mobi = acsi.datasets.load_mobi()
    res = acsi.pls(M2, mobi)
    n = 5000
    rng = np.random.default_rng(1)
    n1, n2 = int(cond.sum()), int((~cond).sum())
    idx = (rng.integers(0, n1, size=(n, n1)), rng.integers(0, n2, size=(n, n2)))

    def job() -> None:
        res.mga(cond, n=n, indices=idx, n_perm=0)

    out: dict[str, Any] = {"task": "pls_mga", "check": {}, "tools": measure({"acsi": job}, max(3, repeat // 5)),
                           "notes": {}}
    nq = 50 if quick else 500
    try:
        import seminr as sm

        mm = sm.constructs(*[sm.composite(c, items) for c, items in BLOCKS.items()])
        smm = sm.relationships(*[sm.paths(from_=a, to=b) for a, b in PATHS])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sm.estimate_pls(mobi, mm, smm)
        sub = (idx[0][:nq], idx[1][:nq])

        def port() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return sm.estimate_pls_mga(model, cond, nboot=nq, group1_indices=sub[0], group2_indices=sub[1])

        rows = port()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            det = res.mga(cond, n=nq, indices=sub, n_perm=0).details
        mine = det.set_index(["source", "target"])[["boot_mean1", "boot_mean2"]]
        ref = np.array([[r.group1_beta_mean, r.group2_beta_mean] for r in rows])
        got = mine.loc[[(r.source, r.target) for r in rows]].to_numpy(float)
        why = agree("seminr port bootstrap means (the same rows)", got, ref, 1e-8)
        if why is None:
            t = _cpu_of(port) * 1e3 * n / nq
            out["tools"]["seminr"] = {"median_ms": t, "min_ms": t, "max_ms": t, "runs": 1,
                                      "note": f"{nq} resamples per group, x {n / nq:g}"}
        else:
            out["notes"]["seminr"] = why
    except ImportError:
        out["notes"]["seminr"] = "not installed"
    return out


# ------------------------------------------------------------------------------------ streaming
def write_likert_csv(path: Path, n: int, p: int = 30, chunk: int = 200_000, seed: int = 1) -> None:
    """``n`` rows of ``p`` 7-point items from a 5-factor model, written fast as bytes."""
    rng = np.random.default_rng(seed)
    k, m = 5, p // 5
    lam = rng.uniform(0.5, 0.9, p)
    phi = np.linalg.cholesky(0.3 + 0.7 * np.eye(k)).T
    with path.open("wb") as fh:
        fh.write((",".join(f"x{i + 1}" for i in range(p)) + "\n").encode())
        for lo in range(0, n, chunk):
            rows = min(chunk, n - lo)
            f = rng.standard_normal((rows, k)) @ phi
            x = np.repeat(f, m, axis=1) * lam + rng.standard_normal((rows, p)) * np.sqrt(1 - lam**2)
            digits = np.clip(np.rint(4.0 + 1.4 * x), 1, 7).astype(np.uint8)
            buf = np.full((rows, 2 * p), ord(","), dtype=np.uint8)
            buf[:, 0::2] = digits + ord("0")
            buf[:, -1] = ord("\n")
            fh.write(buf.tobytes())


def stream_point(path: str, fourth: bool) -> dict[str, float]:
    """One streaming fit (in a fresh process): acsi.moments of the file, then the CFA."""
    model = "\n".join(f"f{j + 1} =~ " + " + ".join(f"x{j * 6 + i + 1}" for i in range(6)) for j in range(5))
    c0, w0 = time.process_time(), time.perf_counter()
    m = acsi.moments(path, chunksize=100_000, fourth_order=fourth)
    c1 = time.process_time()
    r = acsi.cfa(model, m, estimator="MLR" if fourth else "ML")
    _ = (r.estimates, r.fit_measures)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    return {"rows": m.n, "cpu_s": cpu, "read_cpu_s": c1 - c0, "wall_s": wall,
            "peak_rss_mb": _peak_rss(),  # VmHWM: this process only (ru_maxrss may carry the parent's)
            "rss_note": "peak RSS of the whole process (Python, numpy, pandas, acsi included)"}


def stream_task(quick: bool) -> dict[str, Any]:
    n = 1_000_000 if quick else 10_000_000
    points: list[dict[str, Any]] = []
    tmp = Path(tempfile.gettempdir()) / f"acsi_stream_{os.getpid()}"
    tmp.mkdir(exist_ok=True)
    try:
        for rows, fourth in ((n, False), (min(n, 1_000_000), True)):
            path = tmp / f"likert_{rows}.csv"
            if not path.exists():
                write_likert_csv(path, rows)
            size_mb = path.stat().st_size / 2**20
            out = subprocess.run([sys.executable, __file__, "--stream-point", str(path), str(int(fourth))],
                                 capture_output=True, text=True, env=os.environ.copy(), timeout=7200)
            rec: dict[str, Any] = {"n": rows, "fourth_order": fourth, "file_mb": size_mb}
            if out.returncode != 0:
                rec["error"] = out.stderr.strip()[-300:]
            else:
                rec.update(json.loads(out.stdout.strip().splitlines()[-1]))
            points.append(rec)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"task": "stream", "points": points}


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1]) / 1024
    return float("nan")


def _reset_peak_rss() -> float:
    """Reset the kernel's peak-RSS counter (Linux) and return the current RSS in MB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_mb("VmRSS")
    except OSError:  # not Linux: the process's peak so far
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_rss() -> float:
    """Peak RSS (MB) since :func:`_reset_peak_rss` (the data set included)."""
    peak = _status_mb("VmHWM")
    return peak if peak == peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def skipped_items(data: pd.DataFrame, seed: int = 2) -> pd.DataFrame:
    """``data`` with survey-like holes: in each block of 6 items, 10% of the respondents skip
    the first three (independently per block), so 32 missing-data patterns whatever ``n``."""
    rng = np.random.default_rng(seed)
    x = data.to_numpy(dtype=float, copy=True)
    for j in range(0, x.shape[1] - 5, 6):
        x[rng.random(x.shape[0]) < 0.1, j : j + 3] = np.nan
    return pd.DataFrame(x, columns=data.columns)


def scale_point(kind: str, n: int) -> dict[str, float]:
    """One point of the scale curve (run in a fresh process): CPU, wall and peak RSS."""
    small, model = factor_data(2000, 5, 6)
    if kind == "PLS":
        def warm(d: pd.DataFrame) -> Any:
            return acsi.pls(pls_model_for(5, 6), d)
    elif kind == "FIML":
        def warm(d: pd.DataFrame) -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the count of empty rows, if any
                return acsi.cfa(model, d, missing="ml")

        small = skipped_items(small)
    else:
        def warm(d: pd.DataFrame) -> Any:
            return acsi.cfa(model, d, estimator=kind)
    r = warm(small)
    if kind != "PLS":
        _ = (r.estimates, r.fit_measures)
    data, _ = factor_data(n, 5, 6)
    if kind == "FIML":
        data = skipped_items(data)
    del small
    rss0 = _reset_peak_rss()
    c0, w0 = time.process_time(), time.perf_counter()
    r = warm(data)
    if kind == "PLS":
        _ = (r.paths, r.loadings_table)
    else:
        _ = (r.estimates, r.fit_measures)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    rss = _peak_rss()
    return {"cpu_s": cpu, "wall_s": wall, "peak_rss_mb": rss, "rss_before_mb": rss0,
            "rss_note": "peak RSS of the fit, the data frame included",
            "data_mb": data.memory_usage(deep=True).sum() / 2**20}


def scale_task(quick: bool) -> dict[str, Any]:
    sizes = [10_000, 30_000, 100_000] if quick else [10_000, 30_000, 100_000, 300_000, 1_000_000]
    points: dict[str, list[dict[str, float]]] = {}
    for kind in ("ML", "MLR", "FIML", "PLS"):
        points[kind] = []
        for n in sizes:
            out = subprocess.run([sys.executable, __file__, "--point", kind, str(n)], capture_output=True,
                                 text=True, env=os.environ.copy(), timeout=3600)
            if out.returncode != 0:
                points[kind].append({"n": n, "error": out.stderr.strip()[-300:]})
                continue
            rec = json.loads(out.stdout.strip().splitlines()[-1])
            rec["n"] = n
            points[kind].append(rec)
    return {"task": "scale", "points": points}


def draw_scale(scale: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for kind, pts in scale["points"].items():
        ok = [p for p in pts if "error" not in p]
        if not ok:
            continue
        n = [p["n"] for p in ok]
        ax1.loglog(n, [p["cpu_s"] for p in ok], "o-", label=kind)
        ax2.loglog(n, [p["peak_rss_mb"] for p in ok], "o-", label=kind)
    ax1.set(xlabel="rows (30 items)", ylabel="CPU seconds", title="time")
    ax2.set(xlabel="rows (30 items)", ylabel="peak RSS (MB)", title="peak memory")
    for ax in (ax1, ax2):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------------------------ output
def print_task(rec: dict[str, Any]) -> None:
    if rec["task"] == "stream":
        print("\nstream: acsi.moments of a CSV (30 Likert items, chunks of 100,000 rows) + CFA, fresh process")
        for p in rec["points"]:
            what = f"{p['n']:>11,} rows, {'MLR (fourth_order=True)' if p['fourth_order'] else 'ML'}"
            if "error" in p:
                print(f"  {what}: error {p['error']}")
            else:
                print(f"  {what}: {p['cpu_s']:.1f} s CPU ({p['read_cpu_s']:.1f} s reading), "
                      f"{p['wall_s']:.1f} s wall, peak RSS {p['peak_rss_mb']:.0f} MB, file {p['file_mb']:.0f} MB")
        return
    if rec["task"] == "scale":
        print("\nscale: 30 items x N rows (CPU s / peak RSS MB, fresh process per point)")
        for kind, pts in rec["points"].items():
            cells = [f"{p['n']:>9,}: " + ("error" if "error" in p else f"{p['cpu_s']:.2f}s/{p['peak_rss_mb']:.0f}MB")
                     for p in pts]
            print(f"  {kind:<4} " + "  ".join(cells))
        return
    tools = rec["tools"]
    print(f"\n{rec['task']}  (CPU ms: median [min .. max], ratio to acsi on the same job)")
    for name, t in tools.items():
        suffix = name[name.index(" ("):] if " (" in name else ""
        base = tools.get("acsi" + suffix, tools.get("acsi", {})).get("median_ms")
        ratio = t["median_ms"] / base if base else float("nan")
        extra = f"  ({t['note']})" if "note" in t else ""
        print(f"  {name:<22} {t['median_ms']:>11.2f} ms  [{t['min_ms']:.2f} .. {t['max_ms']:.2f}]"
              f"  x{ratio:,.1f}{extra}")
    for name, why in rec.get("notes", {}).items():
        print(f"  {name:<22} not timed: {why}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs, smaller scale curve")
    ap.add_argument("--tasks", default=",".join(TASKS), help=f"comma-separated subset of {TASKS}")
    ap.add_argument("--out", default=str(HERE / "results"), help="directory for results.json, scale.png")
    ap.add_argument("--repeat", type=int, default=None, help="timed runs per tool (default 30, quick 7)")
    ap.add_argument("--point", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--stream-point", nargs=2, metavar=("PATH", "FOURTH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.stream_point:
        print(json.dumps(stream_point(args.stream_point[0], args.stream_point[1] == "1")))
        return 0
    if args.point:
        print(json.dumps(scale_point(args.point[0], int(args.point[1]))))
        return 0
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    bad = sorted(set(tasks) - set(TASKS))
    if bad:
        ap.error(f"unknown task(s) {bad}; choose from {TASKS}")
    repeat = args.repeat or (7 if args.quick else 30)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "python": sys.version.split()[0],
            "platform": platform.platform(), "cpus": os.cpu_count(), "load_avg_start": os.getloadavg()[0],
            "blas_threads": 1, "acsi": getattr(acsi, "__version__", "?"), "quick": args.quick}
    results: list[dict[str, Any]] = []
    for task in tasks:
        if task == "hs_cfa":
            rec = cbsem_task(task, acsi.datasets.load_holzinger_swineford(), HS_MODEL, repeat)
        elif task == "big_cfa":
            data, model = factor_data(2000, 10, 6)
            rec = cbsem_task(task, data, model, max(3, repeat // 3))
        elif task == "pls_mobi":
            rec = pls_mobi_task(repeat)
        elif task == "pls_boot":
            rec = pls_boot_task(args.quick, repeat)
        elif task == "fiml":
            rec = fiml_task(repeat)
        elif task == "wlsmv":
            rec = wlsmv_task(repeat)
        elif task == "cb_boot":
            rec = cb_boot_task(args.quick, repeat)
        elif task == "invariance":
            rec = invariance_task(repeat)
        elif task == "pls_mga":
            rec = pls_mga_task(args.quick, repeat)
        elif task == "stream":
            rec = stream_task(args.quick)
        else:
            rec = scale_task(args.quick)
            draw_scale(rec, out_dir / "scale.png")
        print_task(rec)
        results.append(rec)
    (out_dir / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"\nwritten: {out_dir / 'results.json'}" + (f", {out_dir / 'scale.png'}" if "scale" in tasks else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
