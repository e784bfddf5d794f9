"""How long a new user waits: ``import acsi`` and ``acsi demo`` (1000 bootstrap resamples).

Usage::

    python benchmarks/bench_demo.py [--repeat K] [--check] [--out DIR]

Each measurement runs in a fresh Python process (what a user sees: interpreter start, imports,
work, writing the file), ``--repeat`` times (default 5); the table gives the minimum, the
median and the maximum wall time and the median CPU time (user + system of the child; robust
on a busy machine). The budgets of issue 13: ``import acsi`` at most 0.3 s and ``acsi demo``
at most 3 s on the project's machine (2 cores). ``--check`` exits 1 when a median wall time
is over its budget.

A third block splits one in-process demo into its stages: importing the libraries the report
needs (numpy, pandas, scipy, matplotlib) and acsi's report modules, then building the report
with the time spent drawing and encoding the figures counted apart, then writing the file.

Results: a table on stdout and ``demo.json`` in ``--out`` (default ``benchmarks/results``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUDGET = {"import acsi": 0.3, "acsi demo": 3.0}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["MPLBACKEND"] = "Agg"
    return env


def _child(cmd: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=_env(), cwd=tempfile.gettempdir(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _stats(runs: list[tuple[float, float]]) -> dict[str, float]:
    walls = [w for w, _ in runs]
    return {"min": min(walls), "median": statistics.median(walls), "max": max(walls),
            "cpu_median": statistics.median(c for _, c in runs), "n": len(runs)}


STAGES = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy, pandas, scipy.special, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot
t1 = time.perf_counter()
import acsi.report
from acsi.report import html as H
t2 = time.perf_counter()
drawn = [0.0]
real = H.figure_img
def timed(*a, **k):
    s = time.perf_counter()
    try:
        return real(*a, **k)
    finally:
        drawn[0] += time.perf_counter() - s
H.figure_img = timed
rep = acsi.report.demo_report(bootstrap=1000, seed=1)
t3 = time.perf_counter()
rep.write(sys.argv[1])
t4 = time.perf_counter()
print(json.dumps({"libraries": t1 - t0, "acsi modules": t2 - t1, "analyses": t3 - t2 - drawn[0],
                  "figures": drawn[0], "write": t4 - t3}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 when a median is over its budget")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)

    out_html = Path(tempfile.mkdtemp()) / "demo.html"
    py = sys.executable
    cmds = {
        "import acsi": [py, "-c", "import acsi"],
        "acsi demo": [py, "-m", "acsi", "demo", "--out", str(out_html), "--quiet"],
    }
    # round-robin, so both share the machine's load alike
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    _child([py, "-c", "import acsi.report"])  # warm the file cache
    for _ in range(args.repeat):
        for name, cmd in cmds.items():
            runs[name].append(_child(cmd))
    stages: list[dict[str, float]] = []
    for _ in range(max(1, args.repeat // 2)):
        proc = subprocess.run([py, "-c", STAGES, str(out_html)], check=True, env=_env(), capture_output=True,
                              text=True, cwd=tempfile.gettempdir())
        stages.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    result: dict[str, Any] = {name: _stats(r) for name, r in runs.items()}
    result["stages (min over runs)"] = {k: min(s[k] for s in stages) for k in stages[0]}
    result["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                         "load": os.getloadavg()}

    print(f"{'':14}{'min':>8}{'median':>8}{'max':>8}{'cpu':>8}{'budget':>8}")
    over = False
    for name in cmds:
        s = result[name]
        flag = "" if s["median"] <= BUDGET[name] else "  OVER"
        over = over or bool(flag)
        print(f"{name:14}{s['min']:8.3f}{s['median']:8.3f}{s['max']:8.3f}{s['cpu_median']:8.3f}"
              f"{BUDGET[name]:8.1f}{flag}")
    print("stages of one in-process demo (s):",
          ", ".join(f"{k} {v:.3f}" for k, v in result["stages (min over runs)"].items()))
    print(f"load average {result['machine']['load'][0]:.1f} on {result['machine']['cpus']} cpus")
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demo.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 1 if (args.check and over) else 0


if __name__ == "__main__":
    raise SystemExit(main())
