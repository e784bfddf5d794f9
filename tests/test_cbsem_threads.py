"""Thread safety and determinism of CB-SEM: fits and kernel calls in a thread pool give the
same bits as the serial run, and the kernel keeps no state between calls."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import FrozenInstanceError
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import HS_MODEL
from conftest import POLDEM_MODEL as PD_MODEL

import acsi
from acsi.cbsem.core import estimate
from acsi.cbsem.ml import MLSolution
from acsi.spec.partable import build_partable

PD_DEFINED = """
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ a*ind60
  dem65 ~ c*ind60 + b*dem60
  ind := a*b
  total := c + a*b
"""
N_RUNS = 16


def _hs() -> pd.DataFrame:
    return acsi.datasets.load_holzinger_swineford()


def _pd() -> pd.DataFrame:
    return acsi.datasets.load_political_democracy()


FITS: dict[str, Callable[[], Any]] = {
    "hs_cfa": lambda: acsi.cfa(HS_MODEL, _hs()),
    "poldem_sem": lambda: acsi.sem(PD_MODEL, _pd()),
    "hs_mlr_meanstructure": lambda: acsi.cfa(HS_MODEL, _hs(), estimator="MLR", meanstructure=True),
    "poldem_defined_std_lv": lambda: acsi.sem(PD_DEFINED, _pd(), std_lv=True, se="observed"),
}


def _numbers(res: Any) -> dict[str, np.ndarray]:
    """Every number a user reads from a fit: estimates (all numeric columns), SEs, the
    covariance matrix of the estimates and the fit measures."""
    est = res.estimates
    return {
        "estimates": est.select_dtypes("number").to_numpy(),
        "se": est["se"].to_numpy(),
        "vcov": np.asarray(res.vcov, dtype=float),
        "fit_measures": res.fit_measures.to_series().to_numpy(dtype=float),
        "theta": np.asarray(res.core.theta),
    }


def _assert_identical(got: dict[str, np.ndarray], want: dict[str, np.ndarray], what: str) -> None:
    for key, w in want.items():
        assert np.array_equal(got[key], w, equal_nan=True), f"{what}: {key} differs from the serial run"


@pytest.mark.parametrize("name", sorted(FITS))
def test_fit_in_thread_pool_is_bit_identical_to_serial(name: str) -> None:
    fit = FITS[name]
    serial = _numbers(fit())
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda _: _numbers(fit()), range(N_RUNS)))
    for r in runs:
        _assert_identical(r, serial, name)


def test_mixed_models_in_one_pool_are_bit_identical() -> None:
    """Different models fitted concurrently (one thread's BLAS limit never lifts another's)."""
    serial = {name: _numbers(fit()) for name, fit in FITS.items()}
    jobs = [name for _ in range(N_RUNS // len(FITS)) for name in sorted(FITS)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda n: (n, _numbers(FITS[n]())), jobs))
    for name, r in runs:
        _assert_identical(r, serial[name], name)


@pytest.fixture(scope="module")
def core_pd() -> Any:
    pt = build_partable(PD_MODEL, meanstructure=True)
    return estimate(pt, _pd()[list(pt.ov_names)].to_numpy(float))


def _kernel_calls(kern: Any, thetas: list[np.ndarray], theta0: np.ndarray) -> list[Any]:
    out: list[Any] = []
    for th in thetas:
        out += [kern.objective(th), kern.gradient(th), kern.expected_information(th), kern.hessian(th)]
    sol = kern.minimize(theta0)
    out += [sol.theta, sol.F, sol.Sigma, sol.Delta, sol.iterations]
    return out


def test_kernel_called_from_several_threads_at_once(core_pd: Any) -> None:
    kern = core_pd.kernel
    rng = np.random.default_rng(8)
    thetas = [core_pd.theta * (1 + 0.05 * rng.standard_normal(core_pd.npar)) for _ in range(3)]
    theta0 = core_pd.theta * 1.1
    serial = _kernel_calls(kern, thetas, theta0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda _: _kernel_calls(kern, thetas, theta0), range(N_RUNS)))
    for r in runs:
        for a, b in zip(r, serial):
            assert np.array_equal(a, b)
    # a second optimisation from the solution remembers nothing of the first
    again = kern.minimize(core_pd.theta)
    assert again is not None and np.array_equal(again.theta, core_pd.solution.theta)


def test_kernel_and_solution_are_immutable(core_pd: Any) -> None:
    kern = core_pd.kernel
    with pytest.raises(AttributeError, match="immutable"):
        kern.q = 3
    with pytest.raises(AttributeError, match="immutable"):
        kern._cache = {}
    for arr in (kern.x_base, kern.free_rows, kern.par_of_free, kern.S, kern.ybar, kern.K):
        with pytest.raises(ValueError):
            arr[0] = 0
    sol = core_pd.solution
    assert isinstance(sol, MLSolution)
    with pytest.raises(FrozenInstanceError):
        sol.F = 0.0  # type: ignore[misc]
    for arr in (sol.theta, sol.Sigma, sol.mu, sol.Delta, sol.Sigma_inv, sol.parts["Veta"]):
        with pytest.raises(ValueError):
            arr.reshape(-1)[0] = 0.0
    for arr in (core_pd.theta, core_pd.x, core_pd.Sigma, core_pd.S, core_pd.Delta, core_pd.parts["Veta"]):
        with pytest.raises(ValueError):
            arr.reshape(-1)[0] = 0.0
    # the core's numbers are the record's
    assert core_pd.chisq == core_pd.N * sol.F
    assert np.array_equal(core_pd.theta, sol.theta) and core_pd.iterations == sol.iterations


def _blas_threads() -> list[int]:
    from acsi import _blas

    libs = _blas._blas_libraries()
    assert libs, "threadpoolctl finds no BLAS library"
    return [lib.num_threads for lib in libs]


def test_blas_limit_is_process_wide_and_reference_counted() -> None:
    """Main thread enters, a worker enters, the main thread leaves first: the limit stays
    while the worker runs; the user's setting comes back once nobody holds the limit (a
    restore ignored in the worker thread is retried by the next user)."""
    import threading

    from acsi._blas import single_threaded_blas

    before = _blas_threads()
    inside, release, seen = threading.Event(), threading.Event(), []

    def worker() -> None:
        with single_threaded_blas():
            inside.set()
            release.wait(10)
            seen.append(_blas_threads())

    t = threading.Thread(target=worker)
    with single_threaded_blas():
        assert all(n == 1 for n in _blas_threads())
        t.start()
        assert inside.wait(10)
    assert all(n == 1 for n in _blas_threads())  # the worker still holds the limit
    release.set()
    t.join(10)
    assert seen and all(n == 1 for n in seen[0])
    with single_threaded_blas():  # nested use from the main thread
        with single_threaded_blas():
            assert all(n == 1 for n in _blas_threads())
    assert _blas_threads() == before
