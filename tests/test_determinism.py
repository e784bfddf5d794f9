"""The same call gives bit-identical numbers serially, in threads and in processes.

Each job returns the raw bytes of its numbers (estimates, fit measures, intervals), so the
comparison is exact to the last bit, NaN included. Jobs are module-level functions so that
a process pool can run them.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import acsi

CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
SEM = CFA + "\ntextual ~ visual\nspeed ~ visual + textual"
PM = "A =~ x1 + x2 + x3\nB =~ x4 + x5 + x6\nC <~ x7 + x8 + x9\nB ~ A\nC ~ A + B"
NPS = [10, 9, 9, 8, 7, 6, 3, 10, 9, 5, 0, 4, 10, 8, 9, 7, 2, 10]


def _hs() -> pd.DataFrame:
    return acsi.datasets.load_holzinger_swineford()


def _bytes(*parts: object) -> bytes:
    out = b""
    for p in parts:
        if isinstance(p, pd.DataFrame | pd.Series):
            p = p.select_dtypes("number").to_numpy() if isinstance(p, pd.DataFrame) else p.to_numpy()
        out += np.ascontiguousarray(np.asarray(p, dtype=np.float64)).tobytes()
    return out


def job_cfa_ml() -> bytes:
    r = acsi.cfa(CFA, _hs())
    return _bytes(r.estimates, r.fit_measures.to_series())


def job_sem_mlr() -> bytes:
    r = acsi.sem(SEM, _hs(), estimator="MLR")
    return _bytes(r.estimates, r.fit_measures.to_series())


def job_pls() -> bytes:
    r = acsi.pls(PM, _hs())
    return _bytes(r.weights, r.loadings, r.paths, r.r_squared)


def job_pls_bootstrap() -> bytes:
    b = acsi.pls(PM, _hs()).bootstrap(n=200, seed=11)
    return _bytes(b.paths, b.loadings, b.weights)


def job_alpha_bootstrap() -> bytes:
    r = acsi.reliability.cronbach_alpha(_hs()[["x1", "x2", "x3"]], ci="bootstrap", n=200, seed=5)
    return _bytes([r.alpha, r.ci_lower, r.ci_upper])


def job_nps_bootstrap() -> bytes:
    r = acsi.survey.nps(NPS, ci="bootstrap", n=400, seed=3)
    return _bytes([r.nps, r.se, r.ci_lower, r.ci_upper])


JOBS: list[Callable[[], bytes]] = [
    job_cfa_ml, job_sem_mlr, job_pls, job_pls_bootstrap, job_alpha_bootstrap, job_nps_bootstrap,
]


@pytest.fixture(scope="module")
def serial() -> dict[str, bytes]:
    return {job.__name__: job() for job in JOBS}


def test_threads_are_bit_identical(serial: dict[str, bytes]) -> None:
    with ThreadPoolExecutor(max_workers=3) as ex:
        futures = {job.__name__: [ex.submit(job) for _ in range(2)] for job in JOBS}
        for name, fs in futures.items():
            for f in fs:
                assert f.result() == serial[name], name


def test_processes_are_bit_identical(serial: dict[str, bytes]) -> None:
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as ex:
        futures = {job.__name__: ex.submit(job) for job in JOBS}
        for name, f in futures.items():
            assert f.result() == serial[name], name


def test_repeated_serial_calls_are_bit_identical(serial: dict[str, bytes]) -> None:
    for job in JOBS:
        assert job() == serial[job.__name__], job.__name__
