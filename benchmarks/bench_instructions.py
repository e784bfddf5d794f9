"""Instructions per HS CFA job, counted by valgrind (deterministic, unlike CPU time).

Usage::

    python benchmarks/bench_instructions.py [--jobs 100] [--stage job|cfa|minimize|fit_measures|estimates]

Runs the stage under ``valgrind --tool=callgrind`` twice, after the same warm-up: once with
``--jobs`` repetitions and once with none; the difference of the two totals divided by
``--jobs`` is the number of machine instructions of one repetition (repeatable to well
under 1%: the garbage collector and allocator add a little jitter). On a shared machine CPU
medians drift by 10-20% between minutes; the instruction count does not, so changes worth
1-2% can be compared (it does not see cache misses: confirm a gain with ``run.py``). Each
count takes about a minute (valgrind runs Python ~50x slower). Needs ``valgrind`` on the
PATH (Debian: ``apt-get install valgrind``).

``job`` is the ``hs_cfa`` task of ``run.py`` (``cfa()`` + ``estimates`` + ``fit_measures``);
``cfa`` the fit alone; ``minimize`` the optimiser from the start values; ``fit_measures``
and ``estimates`` those of a fitted result (each on a fresh copy of the result, so nothing
is cached).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

WORKER = """
import os, sys
os.environ["OPENBLAS_NUM_THREADS"] = "1"
sys.path.insert(0, {here!r})
import dataclasses
import acsi
from acsi.cbsem import core
from acsi.cbsem.fit_measures import compute_fit_measures
from run import HS_MODEL

hs = acsi.datasets.load_holzinger_swineford()
res = acsi.cfa(HS_MODEL, hs)
pt = res.partable
X = res.core.X
mom = core.sample_moments(X)
model, template = core._structure(pt)
x0 = core.start_values(pt, model, mom[1], mom[0])
kern = template.with_moments(mom[1], mom[0], x0)
theta0 = kern.theta_of(x0)


def job():
    r = acsi.cfa(HS_MODEL, hs)
    _ = (r.estimates, r.fit_measures)


stages = {{
    "job": job,
    "cfa": lambda: acsi.cfa(HS_MODEL, hs),
    "minimize": lambda: kern.minimize(theta0),
    "fit_measures": lambda: compute_fit_measures(dataclasses.replace(res).core),
    "estimates": lambda: dataclasses.replace(res).estimates,
}}
fn = stages[sys.argv[1]]
for _ in range(30):
    fn()
for _ in range(int(sys.argv[2])):
    fn()
"""


def count(stage: str, jobs: int, script: Path) -> int:
    """Instructions of the whole worker process (valgrind's ``Collected`` total)."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, str(script), stage,
         str(jobs)],
        capture_output=True, text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"), check=True,
    )
    found = re.search(r"Collected\s*:\s*(\d+)", out.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction total:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=100)
    ap.add_argument("--stage", choices=("job", "cfa", "minimize", "fit_measures", "estimates"), default="job")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "worker.py"
        script.write_text(WORKER.format(here=str(HERE)))
        base = count(args.stage, 0, script)
        total = count(args.stage, args.jobs, script)
    per = (total - base) / args.jobs
    print(f"{args.stage}: {per / 1e3:,.0f}k instructions per call ({args.jobs} calls, valgrind callgrind)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
