"""Benchmark: PLS multigroup analysis and MICOM on the full mobi ECSI model (seminr's M2).

acsi's ``res.mga`` (5000 bootstrap resamples per group, batched; 5000 permutations,
batched) and ``res.micom`` (5000 permutations) against the PyPI ``seminr`` port's
``estimate_pls_mga`` (a port of R seminr: one full refit per resample), all in one run, on
seminr's own test split of mobi (``set.seed(798234)``, 115 / 135 rows).

Usage::

    python benchmarks/bench_pls_mga.py           # the port on 200 resamples per group,
                                                 # extrapolated linearly to 5000 (labelled)
    python benchmarks/bench_pls_mga.py --full    # the port on 5000 resamples per group

Times are the best of ``--repeats`` runs, wall clock and process CPU (the CPU time is the
fairer figure on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import acsi

sys.path.insert(0, str(Path(__file__).parent))
from bench_pls_bootstrap import BLOCKS, M2, PATHS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COND = np.array(json.loads((ROOT / "tests/data/seminr/mga_mobi_100.json").read_text())["condition"])


def best(fn, repeats: int) -> tuple[float, float, object]:
    wall, cpu, out = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    mobi = acsi.datasets.load_mobi()
    res = acsi.pls(M2, mobi)
    res.mga(COND, n=100, n_perm=100, seed=0)  # warm-up (imports)
    res.micom(COND, n_perm=100, seed=0)

    w_boot, c_boot, _ = best(lambda: res.mga(COND, n=5000, n_perm=0, seed=1), args.repeats)
    w_all, c_all, mga = best(lambda: res.mga(COND, n=5000, n_perm=5000, seed=1), args.repeats)
    w_perm, c_perm = w_all - w_boot, c_all - c_boot
    w_mic, c_mic, _ = best(lambda: res.micom(COND, n_perm=5000, seed=1), args.repeats)
    print("acsi (one process)")
    print(f"  MGA, 5000 resamples per group (no permutations): {w_boot:.3f} s wall, {c_boot:.3f} s CPU")
    print(f"  MGA, 5000 resamples + 5000 permutations:          {w_all:.3f} s wall, {c_all:.3f} s CPU")
    print(f"    of which the 5000 permutations:                {w_perm:.3f} s wall, {c_perm:.3f} s CPU")
    print(f"  MICOM, 5000 permutations:                        {w_mic:.3f} s wall, {c_mic:.3f} s CPU")

    import seminr as sm

    nb = 5000 if args.full else 200
    mm = sm.constructs(*[sm.composite(c, items) for c, items in BLOCKS.items()])
    smm = sm.relationships(*[sm.paths(from_=s, to=t) for s, t in PATHS])
    model = sm.estimate_pls(mobi, mm, smm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0, c0 = time.perf_counter(), time.process_time()
        sm.estimate_pls_mga(model, COND, nboot=nb, seed=1)
        w_port, c_port = time.perf_counter() - t0, time.process_time() - c0
    scale = 5000 / nb
    label = "" if args.full else f" (measured on {nb} per group, x{scale:g} extrapolated)"
    print(f"seminr port {sm.__version__} estimate_pls_mga, 5000 resamples per group{label}:")
    print(f"  {w_port * scale:.1f} s wall, {c_port * scale:.1f} s CPU")
    print(f"ratio port / acsi (MGA bootstrap part): {w_port * scale / w_boot:.0f}x wall, "
          f"{c_port * scale / c_boot:.0f}x CPU")
    print(f"(the port has no permutation test or MICOM; acsi's table: {list(mga.table.columns)})")


if __name__ == "__main__":
    main()
