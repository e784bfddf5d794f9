"""PLS-MGA's permutation test and MICOM's permutations on executors (issue 15, item 5):
threads and processes give the numbers of the run here, bit for bit, for the same seed
(the dask LocalCluster case is in tests/test_fit_many.py)."""

from __future__ import annotations

from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest

import acsi

MODEL = "Image =~ IMAG1 + IMAG2 + IMAG3; Sat =~ CUSA1 + CUSA2 + CUSA3; Sat ~ Image"


@pytest.fixture(scope="module")
def fitted() -> tuple[Any, pd.Series]:
    mobi = acsi.datasets.load_mobi()
    return acsi.pls(MODEL, mobi), mobi["CUEX1"] >= 8


def run_both(res: Any, group: pd.Series, executor: Executor | Any = None) -> tuple[Any, Any]:
    # 350 permutations: 4 seed blocks, 4 chunks (here as on an executor)
    mga = res.mga(group, n=120, n_perm=350, seed=11, executor=executor)
    mi = res.micom(group, n_perm=350, seed=12, executor=executor)
    return mga, mi


def assert_identical(a: tuple[Any, Any], b: tuple[Any, Any]) -> None:
    pd.testing.assert_frame_equal(a[0].table, b[0].table, check_exact=True)
    pd.testing.assert_frame_equal(a[0].details, b[0].details, check_exact=True)
    assert a[0].n_perm_failed == b[0].n_perm_failed
    pd.testing.assert_frame_equal(a[1].table, b[1].table, check_exact=True)
    assert np.array_equal(a[1].permutation_draws, b[1].permutation_draws, equal_nan=True)


@pytest.fixture(scope="module")
def serial(fitted: tuple[Any, pd.Series]) -> tuple[Any, Any]:
    return run_both(*fitted)


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_permutations_bit_identical_on_executors(fitted: tuple[Any, pd.Series], serial: tuple[Any, Any],
                                                 kind: str) -> None:
    make = ThreadPoolExecutor if kind == "threads" else ProcessPoolExecutor
    with make(2) as ex:
        assert_identical(run_both(*fitted, executor=ex), serial)


def test_permutations_are_really_tested(serial: tuple[Any, Any]) -> None:
    mga, mi = serial
    assert mga.n_perm == 350 and mi.permutation_draws.shape[0] == 350 - mi.n_perm_failed
    assert mga.table["p_permutation"].between(0, 1).all()


def test_progress_counts_every_permutation(fitted: tuple[Any, pd.Series]) -> None:
    seen: list[tuple[int, int]] = []
    with ThreadPoolExecutor(2) as ex:
        fitted[0].micom(fitted[1], n_perm=250, seed=1, executor=ex, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (250, 250) and len(seen) == 3


def test_bad_executor_is_refused(fitted: tuple[Any, pd.Series]) -> None:
    with pytest.raises(acsi.SpecificationError, match="executor"):
        fitted[0].micom(fitted[1], n_perm=100, seed=1, executor="dask")
