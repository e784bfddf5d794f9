"""Benchmark: the four-step measurement-invariance sequence, acsi vs lavaan.

Holzinger-Swineford 3-factor CFA by school: configural, metric, scalar and strict fits
(``group.equal``) plus the chi-square difference tests. Each tool does the full job:

* acsi: ``acsi.invariance(model, hs, group="school")`` and its ``.table`` (four fits, their
  fit measures, the three difference tests, deltas and verdicts);
* lavaan 0.6-14 (when ``Rscript`` is on PATH): four ``cfa(..., group = "school",
  group.equal = ...)`` fits, ``fitMeasures()`` of each and ``lavTestLRT()`` of the four,
  timed inside R (``system.time`` over a batch of runs), so R's start-up is not counted.

Times are medians (milliseconds) over repeated runs after a warm-up, as wall time and as CPU
time of the process; the ratio is lavaan / acsi. BLAS is limited to one thread for both.

Usage::

    python benchmarks/bench_invariance.py [--repeat 20] [--estimator ML|MLR] [--no-r]
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
from pathlib import Path  # noqa: E402

import acsi  # noqa: E402

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
DATA = Path(acsi.__file__).parent / "datasets" / "data" / "holzinger_swineford_1939.csv"

R_SCRIPT = r"""
suppressMessages(library(lavaan))
HS <- read.csv("{data}")
m <- 'visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9'
job <- function() {{
  f1 <- cfa(m, HS, group = "school", estimator = "{est}")
  f2 <- cfa(m, HS, group = "school", group.equal = "loadings", estimator = "{est}")
  f3 <- cfa(m, HS, group = "school", group.equal = c("loadings", "intercepts"), estimator = "{est}")
  f4 <- cfa(m, HS, group = "school", group.equal = c("loadings", "intercepts", "residuals"),
            estimator = "{est}")
  fm <- lapply(list(f1, f2, f3, f4), fitMeasures)
  lavTestLRT(f1, f2, f3, f4)
}}
invisible(job())
t <- numeric({repeat})
c <- numeric({repeat})
for (i in seq_len({repeat})) {{
  s <- system.time(job())
  t[i] <- s[["elapsed"]]
  c[i] <- s[["user.self"]] + s[["sys.self"]]
}}
cat(sprintf("%.6f %.6f\n", median(t), median(c)))
"""


def _acsi_ms(repeat: int, est: str) -> tuple[float, float]:
    hs = acsi.datasets.load_holzinger_swineford()

    def job() -> None:
        inv = acsi.invariance(HS_MODEL, hs, group="school", estimator=est)
        _ = inv.table

    job()  # warm-up (imports)
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        job()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1e3 * statistics.median(wall), 1e3 * statistics.median(cpu)


def _lavaan_ms(repeat: int, est: str) -> tuple[float, float] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(R_SCRIPT.format(data=DATA, est=est, repeat=repeat))
        path = fh.name
    try:
        out = subprocess.run([rscript, path], capture_output=True, text=True, check=True,
                             env=dict(os.environ))
    finally:
        os.unlink(path)
    wall, cpu = (float(v) for v in out.stdout.split()[-2:])
    return 1e3 * wall, 1e3 * cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--estimator", default="ML", choices=["ML", "MLR"])
    ap.add_argument("--no-r", action="store_true")
    args = ap.parse_args()
    a_wall, a_cpu = _acsi_ms(args.repeat, args.estimator)
    print(f"invariance sequence, HS by school ({args.estimator}), medians of {args.repeat} runs")
    print(f"  acsi   : {a_wall:8.1f} ms wall  {a_cpu:8.1f} ms CPU")
    lav = None if args.no_r else _lavaan_ms(args.repeat, args.estimator)
    if lav is not None:
        l_wall, l_cpu = lav
        print(f"  lavaan : {l_wall:8.1f} ms wall  {l_cpu:8.1f} ms CPU")
        print(f"  ratio lavaan/acsi: {l_wall / a_wall:.1f}x wall, {l_cpu / a_cpu:.1f}x CPU")


if __name__ == "__main__":
    main()
