"""Benchmark: 5000-resample bootstrap of the full mobi ECSI model (seminr fixture M2).

acsi (batched kernel, one process; and with a 2-thread executor) against the PyPI
``seminr`` port (a faithful port of R seminr: one full refit per resample) and the PyPI
``plspm`` (Bootstrap with ``processes=1``: its default of 2 forked processes draws the
same resamples in both processes, and its workers swallow every exception with a bare
``except: pass``, so failed replicates vanish uncounted).

Usage::

    python benchmarks/bench_pls_bootstrap.py            # real figures (peers take minutes)
    python benchmarks/bench_pls_bootstrap.py --quick    # peers on fewer resamples,
                                                        # extrapolated and labelled so

Peers are run in one process each after acsi; a peer that fails (plspm on pandas 3) is
reported with its error instead of stopping the run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import acsi

M2 = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Expectation  ~ Image
Quality      ~ Expectation
Value        ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints   ~ Satisfaction
Loyalty      ~ Image + Satisfaction + Complaints
"""

BLOCKS = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Quality": ["PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
PATHS = [
    ("Image", "Expectation"),
    ("Expectation", "Quality"),
    ("Expectation", "Value"),
    ("Quality", "Value"),
    ("Image", "Satisfaction"),
    ("Expectation", "Satisfaction"),
    ("Quality", "Satisfaction"),
    ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"),
    ("Image", "Loyalty"),
    ("Satisfaction", "Loyalty"),
    ("Complaints", "Loyalty"),
]


def time_acsi(n: int, repeats: int) -> dict[str, float]:
    mobi = acsi.datasets.load_mobi()
    res = acsi.pls(M2, mobi)
    res.bootstrap(n=200, seed=0)  # warm-up (imports, caches)
    serial = []
    cpu = []
    for r in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        boot = res.bootstrap(n=n, seed=r)
        serial.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    threaded = []
    with ThreadPoolExecutor(max_workers=2) as ex:
        res.bootstrap(n=200, seed=0, executor=ex)
        for r in range(repeats):
            t0 = time.perf_counter()
            boot_t = res.bootstrap(n=n, seed=r, executor=ex, chunk_size=-(-n // 2))
            threaded.append(time.perf_counter() - t0)
    same = np.array_equal(boot_t.paths.to_numpy(), res.bootstrap(n=n, seed=repeats - 1).paths.to_numpy())
    return {
        "serial_min": min(serial),
        "serial_median": statistics.median(serial),
        "serial_cpu_min": min(cpu),
        "threaded_min": min(threaded),
        "threaded_median": statistics.median(threaded),
        "failed": boot.n_failed,
        "threaded_identical": float(same),
    }


def time_seminr(n: int) -> float:
    import seminr

    mobi = acsi.datasets.load_mobi()
    mm = seminr.constructs(
        *[seminr.composite(c, items) if len(items) > 1 else seminr.composite(c, seminr.single_item(items[0]))
          for c, items in BLOCKS.items()]
    )
    sm = seminr.relationships(*[seminr.paths(from_=a, to=b) for a, b in PATHS])
    model = seminr.estimate_pls(mobi, mm, sm)
    t0 = time.perf_counter()
    seminr.bootstrap_model(model, nboot=n, seed=1)
    return time.perf_counter() - t0


def time_plspm(n: int) -> float:
    import plspm.config as c
    from plspm.mode import Mode
    from plspm.plspm import Plspm
    from plspm.scheme import Scheme

    mobi = acsi.datasets.load_mobi()
    structure = c.Structure()
    for a, b in PATHS:
        structure.add_path([a], [b])
    config = c.Config(structure.path(), scaled=True)
    for construct, items in BLOCKS.items():
        config.add_lv(construct, Mode.A, *[c.MV(x) for x in items])
    np.random.seed(1)  # noqa: NPY002 - plspm draws its resamples from numpy's global RNG
    t0 = time.perf_counter()
    model = Plspm(mobi, config, Scheme.PATH, bootstrap=True, bootstrap_iterations=n, processes=1)
    boot = model.bootstrap()
    elapsed = time.perf_counter() - t0
    got = boot.paths()
    if got.empty or not np.isfinite(got["std.error"].to_numpy(dtype=float)).all():
        raise RuntimeError(
            "plspm returned no usable bootstrap replicates (its workers swallow every error with "
            "a bare `except: pass`)"
        )
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="resamples (default 5000)")
    ap.add_argument("--quick", action="store_true", help="peers on --peer-n resamples, extrapolated")
    ap.add_argument("--peer-n", type=int, default=250, help="peer resamples with --quick (default 250)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-peers", action="store_true")
    args = ap.parse_args(argv)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores (load average {load:.2f}); numpy {np.__version__}; acsi {acsi.__version__}")
    print(f"model: mobi ECSI (M2), 7 constructs, 24 indicators, 12 paths; {args.n} resamples\n")
    a = time_acsi(args.n, args.repeats)
    print(f"acsi, one process           : {a['serial_min']:.3f} s wall (best of {args.repeats}; median "
          f"{a['serial_median']:.3f} s; CPU {a['serial_cpu_min']:.3f} s)")
    print(f"acsi, 2-thread executor     : {a['threaded_min']:.3f} s (best of {args.repeats}; median "
          f"{a['threaded_median']:.3f} s); identical to one process: {bool(a['threaded_identical'])}")
    best = min(a["serial_min"], a["threaded_min"])
    if args.skip_peers:
        return 0
    peer_n = args.peer_n if args.quick else args.n
    label = f" (measured on {peer_n} resamples, extrapolated linearly to {args.n})" if peer_n != args.n else ""
    for name, fn in (("seminr (PyPI port)", time_seminr), ("plspm (PyPI, processes=1)", time_plspm)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = fn(peer_n) * args.n / peer_n
            print(f"{name:<28}: {t:.2f} s{label}; acsi is {t / a['serial_min']:.0f}x faster in one process, "
                  f"{t / best:.0f}x at best")
        except Exception as exc:  # a peer failing is a result to report, not a crash
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if "site-packages" in f.filename]
            where = f" (in {'/'.join(frames[0].filename.split('/')[-2:])}:{frames[0].lineno})" if frames else ""
            import pandas as pd

            print(f"{name:<28}: FAILED{where} with pandas {pd.__version__} - {last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
