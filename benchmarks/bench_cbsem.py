"""Benchmark: CB-SEM fit + standard errors + fit measures, acsi vs semopy vs lavaan.

Two models: the Holzinger-Swineford 3-factor CFA and Bollen's Political Democracy SEM
(with its six residual covariances). Each tool does the full job a user asks for:
estimates, standard errors and fit measures.

* acsi: ``acsi.cfa/sem(...)`` then ``.estimates`` and ``.fit_measures``.
* semopy 2.3.11 (default settings): ``Model(desc).fit(data)``, ``inspect()``, ``calc_stats()``.
* lavaan 0.6-14 (when ``Rscript`` is on PATH): ``cfa/sem()``, ``parameterEstimates()``,
  ``fitMeasures()``, timed inside R (``system.time`` over batches of runs), so R's start-up
  is not counted.

Times are medians over repeated in-process runs (after a warm-up), in milliseconds, as wall
time and as CPU time of the process (on a machine busy with other work the CPU time is the
better estimate of the unloaded wall time).

Usage::

    python benchmarks/bench_cbsem.py [--repeat 30] [--no-r]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import acsi

HS_MODEL = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"""
PD_MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"""
DATA = Path(acsi.__file__).parent / "datasets" / "data"


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def _interleaved_medians(jobs: dict[str, object], repeat: int, clock=time.perf_counter) -> dict[str, float]:
    """Median time (ms) of each job, the jobs run round-robin so that they share the
    machine's load conditions (a fairer ratio on a busy machine). ``clock`` is
    ``time.perf_counter`` (wall) or ``time.process_time`` (CPU time of this process)."""
    for fn in jobs.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {k: [] for k in jobs}
    for _ in range(repeat):
        for k, fn in jobs.items():
            t0 = clock()
            fn()
            times[k].append(clock() - t0)
    return {k: 1e3 * statistics.median(v) for k, v in times.items()}


def _acsi_jobs() -> dict[str, object]:
    hs = acsi.datasets.load_holzinger_swineford()
    pdem = acsi.datasets.load_political_democracy()

    def hs_job() -> None:
        r = acsi.cfa(HS_MODEL, hs)
        _ = (r.estimates, r.fit_measures)

    def pd_job() -> None:
        r = acsi.sem(PD_MODEL, pdem)
        _ = (r.estimates, r.fit_measures)

    return {"hs_cfa": hs_job, "poldem_sem": pd_job}


def _semopy_jobs() -> dict[str, object] | None:
    try:
        import semopy
    except ImportError:
        return None
    hs = acsi.datasets.load_holzinger_swineford()
    pdem = acsi.datasets.load_political_democracy()

    def job(desc: str, data) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = semopy.Model(desc)
            m.fit(data)
            m.inspect()
            semopy.calc_stats(m)

    return {"hs_cfa": lambda: job(HS_MODEL, hs), "poldem_sem": lambda: job(PD_MODEL, pdem)}


def bench_acsi(repeat: int) -> dict[str, float]:
    """acsi alone: median ms per model."""
    return {k: _median_ms(fn, repeat) for k, fn in _acsi_jobs().items()}


def bench_python(repeat: int, clock=time.perf_counter) -> tuple[dict[str, float], dict[str, float] | None]:
    """acsi, then semopy (not interleaved: semopy's multi-threaded BLAS keeps its worker
    threads spinning for a while after each call, which would be charged to acsi).

    Returns (acsi ms, semopy ms or None).
    """
    a = _interleaved_medians(_acsi_jobs(), repeat, clock)
    s_jobs = _semopy_jobs()
    s = _interleaved_medians(s_jobs, repeat, clock) if s_jobs else None
    return a, s


R_SCRIPT = r"""
suppressMessages(library(lavaan))
hs <- read.csv("{hs}")
pd <- read.csv("{pd}")
hs_model <- '{hs_model}'
pd_model <- '{pd_model}'
job_hs <- function() {{ f <- cfa(hs_model, data = hs); parameterEstimates(f); fitMeasures(f) }}
job_pd <- function() {{ f <- sem(pd_model, data = pd); parameterEstimates(f); fitMeasures(f) }}
med <- function(job, what, batches = {batches}, per = {per}) {{
  job()
  t <- sapply(seq_len(batches), function(b) {{
    st <- system.time(for (i in seq_len(per)) job())
    (if (what == "wall") st[["elapsed"]] else st[["user.self"]] + st[["sys.self"]]) / per
  }})
  1000 * median(t)
}}
cat(sprintf("hs_cfa %.6f %.6f\npoldem_sem %.6f %.6f\n", med(job_hs, "wall"), med(job_hs, "cpu"),
            med(job_pd, "wall"), med(job_pd, "cpu")))
"""


def bench_lavaan(batches: int = 5, per: int = 10) -> dict[str, float] | None:
    if shutil.which("Rscript") is None:
        return None
    script = R_SCRIPT.format(
        hs=DATA / "holzinger_swineford_1939.csv",
        pd=DATA / "political_democracy.csv",
        hs_model=HS_MODEL,
        pd_model=PD_MODEL,
        batches=batches,
        per=per,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(script)
        path = fh.name
    try:
        out = subprocess.run(["Rscript", path], capture_output=True, text=True, timeout=600)
    finally:
        Path(path).unlink(missing_ok=True)
    if out.returncode != 0:
        print(f"lavaan benchmark failed: {out.stderr.strip()[:300]}", file=sys.stderr)
        return None
    res = {}
    for line in out.stdout.strip().splitlines():
        k, wall, cpu = line.split()
        res[k] = float(wall)
        res[k + ":cpu"] = float(cpu)
    return res


def _print_table(title: str, a: dict[str, float], s: dict[str, float] | None,
                 lv: dict[str, float] | None, suffix: str = "") -> None:
    head = f"{'model':<12} {'acsi ms':>9} {'semopy ms':>10} {'lavaan ms':>10} {'semopy/acsi':>12} {'lavaan/acsi':>12}"
    print(title)
    print(head)
    print("-" * len(head))
    for key in ("hs_cfa", "poldem_sem"):
        sv = s[key] if s else float("nan")
        lvv = lv[key + suffix] if lv else float("nan")
        print(f"{key:<12} {a[key]:>9.2f} {sv:>10.2f} {lvv:>10.2f} {sv / a[key]:>12.1f} {lvv / a[key]:>12.1f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30, help="timed runs per tool and model")
    ap.add_argument("--no-r", action="store_true", help="skip lavaan")
    args = ap.parse_args(argv)
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    a, s = bench_python(args.repeat)
    ac, sc = bench_python(args.repeat, clock=time.process_time)
    lv = None if args.no_r else bench_lavaan(batches=5, per=max(2, args.repeat // 5))
    _print_table("CB-SEM fit + SEs + fit measures: wall time, median of repeated in-process runs",
                 a, s, lv)
    print()
    _print_table("Same, CPU time of the process (less sensitive to other load on the machine)",
                 ac, sc, lv, suffix=":cpu")
    print(f"(1-minute load average at start: {load0:.2f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
