"""Many fits and big simulations, serially and on a Dask LocalCluster (issue 15, items 5 and 7).

Usage::

    python benchmarks/bench_many.py [--companies 400] [--rows 250] [--boot 1000]
        [--reps 1000] [--workers 2] [--skip-cluster] [--out benchmarks/results/bench_many.json]

Two jobs, each timed serially (``executor=None``) and on a ``dask.distributed.LocalCluster``
of ``--workers`` single-threaded worker processes, with the numbers of the two runs checked
to be bit-identical:

* ``fit_many``: ``--companies`` companies x ``--rows`` respondents (1-10 ratings simulated
  from the ACSI chain below, one seed per company), PLS with a ``--boot``-resample bootstrap
  per company (``acsi.fit_many(..., bootstrap=--boot, seed=1)``); target <= 60 s.
* ``power``: ``acsi.power`` of the ACSI chain, ML, ``--reps`` replicates at n = 54, 100, 200
  and 400; target <= 20 s.

Reported: wall time, CPU time of this process and (cluster) of the workers, and the
speed-up (serial wall / cluster wall). The machine may be shared: CPU times are the robust
figure, wall times depend on the load (recorded, with the load average, in the JSON).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import acsi  # noqa: E402
from acsi.simulation import simulate  # noqa: E402

HERE = Path(__file__).resolve().parent

#: the ACSI chain of docs/methods/power-simulation.md: standardized loadings 0.8
CHAIN = """
Expectations =~ e1 + e2 + e3
Quality =~ q1 + q2 + q3
Value =~ v1 + v2
Satisfaction =~ s1 + s2 + s3
Loyalty =~ l1 + l2
Quality ~ Expectations
Value ~ Expectations + Quality
Satisfaction ~ Expectations + Quality + Value
Loyalty ~ Satisfaction
"""


def chain_population() -> str:
    """The chain with standardized values: loadings 0.8, paths 0.5, 0.2/0.5, 0.1/0.4/0.4, 0.6."""
    paths = {("Quality", "Expectations"): 0.5, ("Value", "Expectations"): 0.2, ("Value", "Quality"): 0.5,
             ("Satisfaction", "Expectations"): 0.1, ("Satisfaction", "Quality"): 0.4,
             ("Satisfaction", "Value"): 0.4, ("Loyalty", "Satisfaction"): 0.6}
    order = ["Expectations", "Quality", "Value", "Satisfaction", "Loyalty"]
    B = np.zeros((5, 5))
    for (lhs, rhs), v in paths.items():
        B[order.index(lhs), order.index(rhs)] = v
    # residual variances that give every construct variance 1
    cov = np.zeros((5, 5))
    psi = np.zeros(5)
    for i in range(5):
        b = B[i, :i]
        explained = float(b @ cov[:i, :i] @ b) if i else 0.0
        psi[i] = 1.0 - explained
        cov[i, :i] = cov[:i, :i] @ b
        cov[:i, i] = cov[i, :i]
        cov[i, i] = 1.0
    items = {"Expectations": ["e1", "e2", "e3"], "Quality": ["q1", "q2", "q3"], "Value": ["v1", "v2"],
             "Satisfaction": ["s1", "s2", "s3"], "Loyalty": ["l1", "l2"]}
    lines = [f"{c} =~ " + " + ".join(f"0.8*{x}" for x in xs) for c, xs in items.items()]
    lines += [f"{lhs} ~ {v}*{rhs}" for (lhs, rhs), v in paths.items()]
    lines += [f"{c} ~~ {float(psi[i])!r}*{c}" for i, c in enumerate(order)]
    lines += [f"{x} ~~ 0.36*{x}" for xs in items.values() for x in xs]
    return "\n".join(lines)


def companies(k: int, rows: int) -> pd.DataFrame:
    """``k`` companies of ``rows`` respondents, 1-10 ratings, company means spread by 0.05 SD steps."""
    pop = chain_population()
    frames = []
    for j in range(k):
        raw = simulate(pop, rows, seed=1000 + j)
        f = np.clip(np.round(7.0 + 0.05 * (j % 20 - 10) + 1.4 * raw), 1, 10)
        f.insert(0, "company", f"C{j:03d}")
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def worker_cpu(client: Any) -> float:
    """Summed CPU seconds (user + system) of the cluster's worker processes."""
    def cpu() -> float:
        t = os.times()
        return float(t.user + t.system)

    return float(sum(client.run(cpu).values()))


def big_power(a: argparse.Namespace) -> None:
    """A power study of ``a.big_power`` replicates at n = 54 on a LocalCluster (chunks of 2500)."""
    import distributed

    out: dict[str, Any] = {"settings": vars(a), "load_before": os.getloadavg()}
    with distributed.LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:
        client.run(lambda: None)
        c0 = worker_cpu(client)
        pw, w, c = timed(lambda: acsi.power(CHAIN, population=chain_population(), n=[54], reps=a.big_power,
                                            method="ml", seed=1, executor=client, chunk_size=2500))
        out["big_power"] = {"reps": a.big_power, "wall_s": w, "cpu_s_client": c,
                            "cpu_s_workers": worker_cpu(client) - c0}
    t = pw.table.query("op == '~'")
    out["big_power"]["table"] = t[["lhs", "rhs", "pop_value", "power", "power_mcse", "coverage", "nonconverged",
                                   "inadmissible"]].to_dict(orient="records")
    out["load_after"] = os.getloadavg()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--companies", type=int, default=400)
    ap.add_argument("--rows", type=int, default=250)
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-cluster", action="store_true")
    ap.add_argument("--big-power", type=int, default=0, metavar="R",
                    help="only run a power study of R replicates at n = 54 on the cluster (e.g. 100000)")
    ap.add_argument("--out", default=str(HERE / "results" / "bench_many.json"))
    a = ap.parse_args()
    if a.big_power:
        big_power(a)
        return
    data = companies(a.companies, a.rows)
    pop = chain_population()
    ns = [54, 100, 200, 400]
    out: dict[str, Any] = {"settings": vars(a), "load_before": os.getloadavg(), "python": platform.python_version(),
                           "numpy": np.__version__, "cores": os.cpu_count()}

    def run_fm(ex: Any = None) -> Any:
        return acsi.fit_many(CHAIN, data, by="company", method="pls", bootstrap=a.boot, seed=1, executor=ex)

    def run_pw(ex: Any = None) -> Any:
        return acsi.power(CHAIN, population=pop, n=ns, reps=a.reps, method="ml", seed=1, executor=ex,
                          chunk_size=None if ex is None else max(1, a.reps // 8))

    fm, w, c = timed(run_fm)
    out["fit_many_serial"] = {"wall_s": w, "cpu_s": c, "groups": int(fm.status.shape[0]),
                              "failed": int((fm.status.status == "failed").sum())}
    print(f"fit_many serial: {w:.1f} s wall, {c:.1f} s CPU", flush=True)
    pw, w, c = timed(run_pw)
    out["power_serial"] = {"wall_s": w, "cpu_s": c, "fits": a.reps * len(ns)}
    print(f"power serial: {w:.1f} s wall, {c:.1f} s CPU", flush=True)
    if not a.skip_cluster:
        import distributed

        with distributed.LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=50) as cluster, \
                distributed.Client(cluster) as client:
            client.run(lambda: None)  # workers up before the clock starts
            c0 = worker_cpu(client)
            fm_d, w, c = timed(lambda: run_fm(client))
            c1 = worker_cpu(client)
            same = bool(fm_d.indices.equals(fm.indices) and fm_d.paths.equals(fm.paths))
            out["fit_many_cluster"] = {"wall_s": w, "cpu_s_client": c, "cpu_s_workers": c1 - c0,
                                       "bit_identical": same,
                                       "speedup": out["fit_many_serial"]["wall_s"] / w}
            print(f"fit_many cluster: {w:.1f} s wall, workers {c1 - c0:.1f} s CPU, identical={same}", flush=True)
            pw_d, w, c = timed(lambda: run_pw(client))
            c2 = worker_cpu(client)
            same = bool(pw_d.table.equals(pw.table))
            out["power_cluster"] = {"wall_s": w, "cpu_s_client": c, "cpu_s_workers": c2 - c1, "bit_identical": same,
                                    "speedup": out["power_serial"]["wall_s"] / w}
            print(f"power cluster: {w:.1f} s wall, workers {c2 - c1:.1f} s CPU, identical={same}", flush=True)
    out["load_after"] = os.getloadavg()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
