"""Where the time of one CB-SEM fit goes: the stages of ``acsi.cfa`` timed one by one.

Usage::

    python benchmarks/bench_cbsem_stages.py [--repeat 300] [--model hs|big]

``hs`` is the Holzinger-Swineford 3-factor CFA (the ``hs_cfa`` task of ``run.py``), ``big``
the 10 factors x 6 items model with n = 2000 (``big_cfa``). Every stage is called on its own
inputs, the way ``acsi.cfa`` calls it, ``--repeat`` times after a warm-up; the table gives
the median CPU time in microseconds (robust on a busy machine; one BLAS thread). The whole
job is timed three ways: the fit alone, the fit plus ``estimates``, and the fit plus
``estimates`` plus every fit measure (``fit_measures.to_series()``, so that the measures
are computed and read, not only the object built). The stages do not add up exactly to the
whole job: the API's argument and name checks, the warnings' context and the BLAS thread
limit are only in the latter.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import acsi  # noqa: E402
from acsi.cbsem import api, core  # noqa: E402
from acsi.cbsem.fit_measures import compute_fit_measures  # noqa: E402
from acsi.cbsem.results import SEMResult  # noqa: E402
from acsi.data import prepare_data  # noqa: E402
from acsi.spec.partable import build_partable  # noqa: E402
from acsi.spec.syntax import parse_model  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import HS_MODEL, factor_data  # noqa: E402


def cpu_us(fn: Callable[[], Any], repeat: int) -> float:
    """Median CPU time of ``fn()`` in microseconds (after five warm-up calls)."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times) * 1e6


def stages(model: str, data: Any, repeat: int) -> list[tuple[str, float]]:
    res = acsi.cfa(model, data)
    pt = res.partable
    cols = list(pt.ov_names)
    X = prepare_data(data, cols).X
    mom = core.sample_moments(X)
    lisrel, template = core._structure(pt)
    x0 = core.start_values(pt, lisrel, mom[1], mom[0])
    kern = template.with_moments(mom[1], mom[0], x0)
    theta0 = kern.theta_of(x0)
    fitted = core.estimate(pt, X, moments=mom)

    def fresh_result() -> SEMResult:
        return SEMResult(core=fitted, estimator="ML", se_type="expected", level=0.95,
                         theta_vcov=res.theta_vcov)

    return [
        ("parse + parameter table (cached)", cpu_us(lambda: build_partable(parse_model(model)), repeat)),
        ("data checks + numeric matrix", cpu_us(lambda: prepare_data(data, cols), repeat)),
        ("sample moments", cpu_us(lambda: core.sample_moments(X), repeat)),
        ("start values", cpu_us(lambda: core.start_values(pt, lisrel, mom[1], mom[0]), repeat)),
        ("optimiser (Fisher scoring, Newton)", cpu_us(lambda: kern.minimize(theta0), repeat)),
        ("estimate() in all", cpu_us(lambda: core.estimate(pt, X, moments=mom), repeat)),
        ("standard errors (information, inverse)",
         cpu_us(lambda: api._theta_vcov(core.estimate(pt, X, moments=mom), "expected", "expected",
                                        lambda: None), repeat)
         - cpu_us(lambda: core.estimate(pt, X, moments=mom), repeat)),
        ("result + estimates table", cpu_us(lambda: fresh_result().estimates, repeat)),
        ("fit measures (computed)", cpu_us(lambda: compute_fit_measures(fitted), repeat)),
        ("whole: cfa()", cpu_us(lambda: acsi.cfa(model, data), repeat)),
        ("whole: cfa() + estimates", cpu_us(lambda: acsi.cfa(model, data).estimates, repeat)),
        ("whole: cfa() + estimates + fit measures",
         cpu_us(lambda: (lambda r: (r.estimates, r.fit_measures.to_series()))(acsi.cfa(model, data)),
                repeat)),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=300)
    ap.add_argument("--model", choices=("hs", "big"), default="hs")
    args = ap.parse_args(argv)
    if args.model == "hs":
        data, model = acsi.datasets.load_holzinger_swineford(), HS_MODEL
        repeat = args.repeat
    else:
        data, model = factor_data(2000, 10, 6)
        repeat = max(args.repeat // 10, 5)
    print(f"{args.model}: median CPU time over {repeat} runs, one BLAS thread")
    for name, us in stages(model, data, repeat):
        print(f"  {name:42s} {us:9.0f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
