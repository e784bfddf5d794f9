"""FIML (missing="ml") and WLSMV (ordered=) speed: acsi against lavaan and against acsi's
complete-data ML fit of the same model, in one run.

Usage::

    python benchmarks/bench_fiml.py [--repeat K] [--no-r]

Tasks (each: the fit, its standard errors and every fit measure):

* ``fiml_hs``: Holzinger-Swineford 3-factor CFA, 20% of the cells missing completely at
  random (tests/data/lavaan_issue10/hs_mcar.csv), ``missing="ml"``;
* ``fiml_mobi``: the ACSI chain on mobi with 10-20% skipped answers (mobi_skip.csv);
* ``wlsmv_hs``: the same CFA on the nine items cut into 5 categories (hs_cat5.csv),
  ``ordered=True`` (WLSMV; thresholds, polychorics and their NACOV included);
* ``fimlx_hs``: the CFA with ``visual ~ ageyr + sex``, ``textual ~ ageyr``, ``speed ~ sex``
  on tests/data/lavaan_fimlx/hsx.csv (holes in items and covariates), ``missing="ml.x"``;
* ``ml_hs`` / ``ml_mobi`` / ``mlx_hs``: the complete-data ML fit of the same model on the
  complete data, the yardstick of the "within 5x of complete-data ML" target.

Every tool runs single-threaded BLAS; times are CPU seconds of the process, the minimum over
``--repeat`` rounds in which the acsi jobs run round-robin (a job and its yardstick see the
same load of a shared machine); lavaan's are measured inside one ``Rscript``
process with ``system.time`` around the same job (fit + ``parameterEstimates`` +
``fitMeasures``), also the minimum over the repeats. Ratios are from this one run.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

import acsi  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "lavaan_issue10"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
CHAIN = (
    "EXPE =~ CUEX1 + CUEX2 + CUEX3\nQUAL =~ PERQ1 + PERQ2 + PERQ3\nSAT =~ CUSA1 + CUSA2 + CUSA3\n"
    "LOY =~ CUSL1 + CUSL2 + CUSL3\nQUAL ~ EXPE\nSAT ~ EXPE + QUAL\nLOY ~ SAT"
)
HSX = HS + "\nvisual ~ ageyr + sex\ntextual ~ ageyr\nspeed ~ sex"


def cpu_times(jobs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Minimum CPU seconds of every job over ``repeat`` rounds (after one warm-up run each).

    The jobs run round-robin (one of each per round), so that a FIML job and its
    complete-data ML yardstick are measured under the same load of a shared machine.
    """
    for job in jobs.values():
        job()
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(repeat):
        for name, job in jobs.items():
            t0 = time.process_time()
            job()
            best[name] = min(best[name], time.process_time() - t0)
    return best


def acsi_jobs() -> dict[str, Callable[[], object]]:
    hs_mcar = pd.read_csv(DATA / "hs_mcar.csv")
    mobi_skip = pd.read_csv(DATA / "mobi_skip.csv")
    hs_cat5 = pd.read_csv(DATA / "hs_cat5.csv")
    hsx = pd.read_csv(ROOT / "tests" / "data" / "lavaan_fimlx" / "hsx.csv")
    hs = acsi.datasets.load_holzinger_swineford()
    mobi = pd.read_csv(ROOT / "acsi" / "datasets" / "data" / "mobi.csv")

    def job(model: str, data: pd.DataFrame, **kw: object) -> Callable[[], object]:
        def run() -> object:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = acsi.cfa(model, data, **kw) if " ~ " not in model else acsi.sem(model, data, **kw)
                res.estimates  # noqa: B018 (the job includes the tables)
                return res.fit_measures
        return run

    return {
        "fiml_hs": job(HS, hs_mcar, missing="ml"),
        "fiml_mobi": job(CHAIN, mobi_skip, missing="ml"),
        "fimlx_hs": job(HSX, hsx, missing="ml.x"),
        "wlsmv_hs": job(HS, hs_cat5, ordered=True),
        "ml_hs": job(HS, hs),
        "ml_mobi": job(CHAIN, mobi),
        "mlx_hs": job(HSX, hs),
    }


R_SCRIPT = r"""
suppressMessages(library(lavaan))
d <- "{data}"; k <- {repeat}
HS <- ' visual =~ x1 + x2 + x3
 textual =~ x4 + x5 + x6
 speed =~ x7 + x8 + x9 '
CHAIN <- ' EXPE =~ CUEX1 + CUEX2 + CUEX3
 QUAL =~ PERQ1 + PERQ2 + PERQ3
 SAT =~ CUSA1 + CUSA2 + CUSA3
 LOY =~ CUSL1 + CUSL2 + CUSL3
 QUAL ~ EXPE
 SAT ~ EXPE + QUAL
 LOY ~ SAT '
hs_mcar <- read.csv(file.path(d, "hs_mcar.csv")); mobi_skip <- read.csv(file.path(d, "mobi_skip.csv"))
hs_cat5 <- read.csv(file.path(d, "hs_cat5.csv")); hsx <- read.csv(file.path(d, "../lavaan_fimlx/hsx.csv"))
HSX <- paste(HS, "\n visual ~ ageyr + sex\n textual ~ ageyr\n speed ~ sex")
tm <- function(f) {{ f(); min(sapply(seq_len(k), function(i) {{
  t <- proc.time(); f(); sum((proc.time() - t)[1:2]) }})) }}
job <- function(fun, ...) function() {{ fit <- fun(...); parameterEstimates(fit); fitMeasures(fit) }}
cat("fiml_hs", tm(job(cfa, HS, hs_mcar, missing = "ml")), "\n")
cat("fiml_mobi", tm(job(sem, CHAIN, mobi_skip, missing = "ml")), "\n")
cat("fimlx_hs", tm(job(sem, HSX, hsx, missing = "ml.x")), "\n")
cat("wlsmv_hs", tm(job(cfa, HS, hs_cat5, ordered = paste0("x", 1:9))), "\n")
"""


def lavaan_times(repeat: int) -> dict[str, float]:
    if shutil.which("Rscript") is None:
        return {}
    env = dict(os.environ)
    out = subprocess.run(
        ["Rscript", "-e", R_SCRIPT.format(data=DATA, repeat=repeat)], capture_output=True, text=True,
        env=env, check=True,
    ).stdout
    return {line.split()[0]: float(line.split()[1]) for line in out.splitlines() if line.strip()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--no-r", action="store_true", help="skip lavaan")
    args = ap.parse_args()
    mine = cpu_times(acsi_jobs(), args.repeat)
    theirs = {} if args.no_r else lavaan_times(max(1, args.repeat // 2))
    print(f"{'task':<12}{'acsi (ms)':>12}{'lavaan (ms)':>14}{'lavaan/acsi':>13}{'acsi/ML':>10}")
    for task, base in (("fiml_hs", "ml_hs"), ("fiml_mobi", "ml_mobi"), ("fimlx_hs", "mlx_hs"), ("wlsmv_hs", "ml_hs")):
        lav = theirs.get(task)
        lav_s = f"{1000 * lav:14.1f}{lav / mine[task]:13.1f}" if lav else f"{'-':>14}{'-':>13}"
        print(f"{task:<12}{1000 * mine[task]:12.1f}{lav_s}{mine[task] / mine[base]:10.1f}")
    for task in ("ml_hs", "ml_mobi", "mlx_hs"):
        print(f"{task:<12}{1000 * mine[task]:12.1f}")


if __name__ == "__main__":
    main()
