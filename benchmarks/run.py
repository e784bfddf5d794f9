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
* ``scale``: 30 items (5 factors x 6) x N rows for ML, MLR and PLS, N = 10k .. 1M (quick:
  up to 100k): CPU time and peak RSS, each point in a fresh process; drawn log-log as a PNG.

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
TASKS = ("hs_cfa", "big_cfa", "pls_mobi", "pls_boot", "scale")
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


def scale_point(kind: str, n: int) -> dict[str, float]:
    """One point of the scale curve (run in a fresh process): CPU, wall and peak RSS."""
    small, model = factor_data(2000, 5, 6)
    warm = (lambda d: acsi.pls(pls_model_for(5, 6), d)) if kind == "PLS" else (
        lambda d: acsi.cfa(model, d, estimator=kind))
    r = warm(small)
    if kind != "PLS":
        _ = (r.estimates, r.fit_measures)
    data, _ = factor_data(n, 5, 6)
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
    for kind in ("ML", "MLR", "PLS"):
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
    args = ap.parse_args(argv)
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
