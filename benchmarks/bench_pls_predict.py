"""Benchmark: PLSpredict (10 folds x 10 repetitions) and CVPAT, acsi vs the seminr PyPI port.

Model: Hair et al.'s corporate reputation model (seminr's ``corp_rep_data``, 344 rows, mean
replacement of -99), with the same 10 row orderings (folds) for both programs.

* acsi: ``res.predict(folds=10, reps=10, folds_indices=...)`` (one batched kernel call for
  the 100 training fits) and ``res.cvpat(...)`` (the same plus the loss tests).
* seminr port 0.2.1: ``seminr.predict_pls(model, no_folds=10, ordering=...)`` once per
  repetition (a refit per fold), averaged as R seminr's ``reps=``. The port has no CVPAT;
  its cost is that of the PLSpredict run it needs (seminrExtras's ``assess_cvpat`` calls
  ``predict_pls`` and then runs cheap loss tests), so the CVPAT row compares acsi's CVPAT
  with the port's PLSpredict.

Times are medians (wall and process CPU), in milliseconds. The issue's target: PLSpredict
10 x 10 in at most 0.5 s.

Usage::

    python benchmarks/bench_pls_predict.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import acsi
from acsi.plspm.predict import cut_folds

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reference"))


def _median_ms(fn, repeat: int) -> tuple[float, float]:
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1000 * statistics.median(wall), 1000 * statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from make_seminr_port import CORP_BLOCKS, CORP_PATHS, DATA, acsi_syntax, seminr_models

    corp = pd.read_csv(DATA / "corp_rep_data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = acsi.pls(acsi_syntax(CORP_BLOCKS, CORP_PATHS), corp, missing="mean", na_values=-99)
    n = res.nobs
    rng = np.random.default_rng(1)
    orders = [rng.permutation(n) for _ in range(10)]
    folds = np.empty((10, n), dtype=int)
    for r, o in enumerate(orders):
        folds[r, o] = cut_folds(n, 10)

    rows = []
    a_pred = _median_ms(lambda: res.predict(folds_indices=folds), args.repeat)
    a_cvpat = _median_ms(lambda: res.cvpat(folds_indices=folds), args.repeat)
    try:
        import seminr as sm
    except ImportError:  # pragma: no cover - the port is a dev-only peer
        sm = None
    p_pred = (float("nan"), float("nan"))
    if sm is not None:
        mm, smm = seminr_models(CORP_BLOCKS, CORP_PATHS)
        model = sm.estimate_pls(corp, mm, smm, missing=sm.mean_replacement, missing_value=-99)

        def port() -> None:
            preds = [sm.predict_pls(model, no_folds=10, ordering=o.tolist()) for o in orders]
            np.mean([p.items.pls_out_of_sample.values for p in preds], axis=0)

        p_pred = _median_ms(port, max(1, args.repeat // 2))
    rows.append(("PLSpredict 10 folds x 10 reps", *a_pred, *p_pred))
    rows.append(("CVPAT (port: its PLSpredict)", *a_cvpat, *p_pred))
    out = pd.DataFrame(rows, columns=["task", "acsi_wall_ms", "acsi_cpu_ms", "port_wall_ms", "port_cpu_ms"])
    out["ratio_wall"] = out["port_wall_ms"] / out["acsi_wall_ms"]
    out["ratio_cpu"] = out["port_cpu_ms"] / out["acsi_cpu_ms"]
    with pd.option_context("display.width", 160):
        print(out.round(1).to_string(index=False))
    print(f"target: PLSpredict <= 500 ms -> {'met' if a_pred[0] <= 500 else 'NOT met'}")


if __name__ == "__main__":
    main()
