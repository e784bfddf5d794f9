"""CB-SEM bootstrap: 1000 resamples of the Holzinger-Swineford CFA, acsi against lavaan.

Usage::

    python benchmarks/bench_cbsem_bootstrap.py [--n 1000] [--repeat 3] [--extra 100]

Jobs (the same model, data and number of resamples):

* acsi, here (one process, BLAS pinned to one thread): ``res.bootstrap(n, seed=1)``;
* acsi on a ``ProcessPoolExecutor`` with 2 workers (the machine's cores);
* lavaan 0.6-14 (``Rscript``, when installed): ``bootstrapLavaan(fit, R = n, FUN = "coef")``,
  serial (lavaan's default), timed inside R with ``system.time`` (R's start-up excluded).

``--extra B`` also times B resamples of the fits that are refitted from raw rows (one process,
CPU seconds, against lavaan's ``bootstrapLavaan`` CPU time inside R): the HS CFA by FIML on
``hs_mcar`` (``missing = "ml"``) and by WLSMV on the 3-category ``hs_cat3`` items
(tests/data/lavaan_issue10).

Before timing, acsi's replicates on lavaan's own resample rows (``keep.idx = TRUE``) are
checked against lavaan's (largest relative difference printed). Wall-clock medians over
``--repeat`` runs; the ratio lavaan / acsi is printed for each acsi job.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import acsi  # noqa: E402

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

R_JOB = r"""
suppressMessages(library(lavaan))
d <- read.csv("{csv}")
fit <- cfa('{model}', data = d)
b <- bootstrapLavaan(fit, R = 20, FUN = "coef", keep.idx = TRUE, iseed = 1)
write.csv(attr(b, "boot.idx")[[1]], "{idx}", row.names = FALSE)
write.csv(unclass(b), "{coef}", row.names = FALSE)
for (i in seq_len({repeat})) {{
  t <- system.time(bootstrapLavaan(fit, R = {n}, FUN = "coef", iseed = i))[["elapsed"]]
  cat(sprintf("elapsed %.6f\n", t))
}}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--extra", type=int, default=0, help="also time this many FIML and ordinal resamples")
    args = ap.parse_args()
    hs = acsi.datasets.load_holzinger_swineford()
    res = acsi.cfa(HS_MODEL, hs)
    times: dict[str, list[float]] = {"acsi (1 process)": [], "acsi (2 processes)": []}
    res.bootstrap(n=50, seed=0)  # warm-up
    with ProcessPoolExecutor(2) as ex:
        res.bootstrap(n=50, seed=0, executor=ex)
        for i in range(args.repeat):
            t0 = time.perf_counter()
            res.bootstrap(n=args.n, seed=i + 1)
            times["acsi (1 process)"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            res.bootstrap(n=args.n, seed=i + 1, executor=ex, chunk_size=-(-args.n // 2))
            times["acsi (2 processes)"].append(time.perf_counter() - t0)
    lavaan_s = None
    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            csv, idx, coef = (str(Path(tmp) / f) for f in ("hs.csv", "idx.csv", "coef.csv"))
            hs.to_csv(csv, index=False)
            script = Path(tmp) / "job.R"
            script.write_text(R_JOB.format(csv=csv, model=HS_MODEL, idx=idx, coef=coef, n=args.n,
                                           repeat=args.repeat))
            out = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, timeout=3600)
            if out.returncode == 0:
                lavaan_s = statistics.median(
                    float(line.split()[1]) for line in out.stdout.splitlines() if line.startswith("elapsed")
                )
                rows = np.loadtxt(idx, delimiter=",", skiprows=1, dtype=int) - 1
                ref = np.loadtxt(coef, delimiter=",", skiprows=1)
                got = res.bootstrap(indices=rows).draws.to_numpy()
                print(f"replicates on lavaan's rows: largest relative difference "
                      f"{np.max(np.abs(got - ref) / np.abs(ref)):.1e} (lavaan's default convergence)")
            else:
                print("lavaan failed:", out.stderr[-500:])
    print(f"\n{args.n} bootstrap resamples of the HS CFA (wall seconds, median of {args.repeat})")
    for k, v in times.items():
        med = statistics.median(v)
        ratio = f"   lavaan / acsi = {lavaan_s / med:.0f}x" if lavaan_s else ""
        print(f"  {k:<20} {med:8.3f} s{ratio}")
    if lavaan_s:
        print(f"  {'lavaan (serial)':<20} {lavaan_s:8.3f} s")
    if args.extra:
        extra(args.extra)


R_EXTRA = r"""
suppressMessages(library(lavaan))
m <- '{model}'
mcar <- read.csv("{mcar}")
cat3 <- read.csv("{cat3}")
f1 <- cfa(m, mcar, missing = "ml")
f2 <- cfa(m, cat3, ordered = paste0("x", 1:9))
cpu <- function(t) t[["user.self"]] + t[["sys.self"]]
cat(sprintf("fiml %.6f\n", cpu(system.time(bootstrapLavaan(f1, R = {n}, FUN = "coef", iseed = 1)))))
cat(sprintf("ordinal %.6f\n", cpu(system.time(bootstrapLavaan(f2, R = {n}, FUN = "coef", iseed = 1)))))
"""


def extra(n: int) -> None:
    """B resamples of the FIML and the ordinal fit (raw-row refits), acsi against lavaan."""
    import pandas as pd

    data = Path(__file__).resolve().parents[1] / "tests" / "data" / "lavaan_issue10"
    fits = {
        "fiml": acsi.cfa(HS_MODEL, pd.read_csv(data / "hs_mcar.csv"), missing="ml"),
        "ordinal": acsi.cfa(HS_MODEL, pd.read_csv(data / "hs_cat3.csv"), ordered=[f"x{i}" for i in range(1, 10)]),
    }
    acsi_s = {}
    for name, res in fits.items():
        res.bootstrap(n=4, seed=0, ci="norm")  # warm-up
        t0 = time.process_time()
        res.bootstrap(n=n, seed=1)
        acsi_s[name] = time.process_time() - t0
    lav: dict[str, float] = {}
    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "extra.R"
            script.write_text(R_EXTRA.format(model=HS_MODEL, mcar=data / "hs_mcar.csv", cat3=data / "hs_cat3.csv",
                                             n=n))
            out = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, timeout=7200)
            for line in out.stdout.splitlines():
                key, val = line.split()
                lav[key] = float(val)
    print(f"\n{n} bootstrap resamples refitted from raw rows (CPU seconds, one process each)")
    for name, sec in acsi_s.items():
        ratio = f"   lavaan {lav[name]:8.2f} s, lavaan / acsi = {lav[name] / sec:.0f}x" if name in lav else ""
        print(f"  {name:<8} acsi {sec:8.2f} s{ratio}")


if __name__ == "__main__":
    main()
