"""acsi.reliability._lbfgsb: R's L-BFGS-B (version 2.3), used to follow psych::fa's optimiser.

Its agreement with psych is tested end to end in tests/test_reliability_zoo.py (Heywood cases
included); here: optima of bound-constrained problems with known solutions, R's stopping and
iteration rules, and the Moré-Thuente line search step for step against scipy's MINPACK-2 port.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from acsi.reliability._lbfgsb import _LineSearch, lbfgsb_r


def test_box_constrained_quadratic_reaches_the_kkt_point() -> None:
    rng = np.random.default_rng(4)
    A = rng.normal(size=(8, 8))
    H = A @ A.T + 8 * np.eye(8)
    b = rng.normal(size=8) * 10
    lo, hi = np.full(8, -0.5), np.full(8, 0.5)
    res = lbfgsb_r(lambda x: 0.5 * x @ H @ x - b @ x, lambda x: H @ x - b, np.zeros(8), lo, hi,
                   factr=1.0, maxit=1000)
    assert res.convergence == 0
    x, g = res.x, H @ res.x - b
    # KKT: zero gradient inside, the right sign at the bounds
    inside = (x > lo + 1e-9) & (x < hi - 1e-9)
    assert np.any(~inside) and np.any(inside)
    assert_allclose(g[inside], 0, atol=1e-6)
    assert np.all(g[x <= lo + 1e-9] >= -1e-8) and np.all(g[x >= hi - 1e-9] <= 1e-8)


def test_rosenbrock_with_an_active_bound() -> None:
    f = lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # noqa: E731
    g = lambda x: np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])  # noqa: E731
    # unconstrained optimum (1, 1); with x1 <= 0.5 the optimum is on the bound x1 = 0.5, x2 = 0.25
    res = lbfgsb_r(f, g, np.array([-1.2, 1.0]), np.array([-2.0, -2.0]), np.array([0.5, 2.0]), factr=1.0, maxit=1000)
    assert res.convergence == 0
    assert_allclose(res.x, [0.5, 0.25], atol=1e-6)


def test_iteration_limit_is_rs_maxit() -> None:
    f = lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # noqa: E731
    g = lambda x: np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])  # noqa: E731
    res = lbfgsb_r(f, g, np.array([-1.2, 1.0]), np.array([-5.0, -5.0]), np.array([5.0, 5.0]), maxit=3)
    assert res.convergence == 1 and res.iterations == 4  # R stops once iter > maxit
    # the start is projected into the box first, as R's optim does
    res = lbfgsb_r(
        lambda x: float(x @ x), lambda x: 2 * x, np.array([3.0, -3.0]), np.array([1.0, -1.0]), np.array([2.0, 1.0])
    )
    assert_allclose(res.x, [1.0, 0.0], atol=1e-8)


def test_line_search_equals_minpack2_dcsrch() -> None:
    dcsrch = pytest.importorskip("scipy.optimize._dcsrch").DCSRCH
    rng = np.random.default_rng(0)
    compared = 0
    for _ in range(400):
        c = rng.normal(size=3)
        a = abs(rng.normal()) * 10 ** rng.uniform(-3, 3)
        shift = rng.uniform(0.01, 20)

        def phi(t: float, a: float = a, shift: float = shift, c: np.ndarray = c) -> float:
            return a * (t - shift) ** 2 + c[0] * np.sin(c[1] * t) + 0.01 * c[2] * t**4

        def dphi(t: float, a: float = a, shift: float = shift, c: np.ndarray = c) -> float:
            return 2 * a * (t - shift) + c[0] * c[1] * np.cos(c[1] * t) + 0.04 * c[2] * t**3

        if dphi(0.0) >= 0:
            continue
        stpmax = 10 ** rng.uniform(0, 10)
        ours = _LineSearch(1e-3, 0.9, 0.1, 0.0, stpmax)
        stp, task = ours.start(1.0, phi(0.0), dphi(0.0))
        seq = [stp]
        for _k in range(30):
            stp, task = ours.step(stp, phi(stp), dphi(stp))
            seq.append(stp)
            if task != "FG":
                break
        ref = dcsrch(None, None, 1e-3, 0.9, 0.1, 0.0, stpmax)
        rstp, f, g, rtask = 1.0, phi(0.0), dphi(0.0), b"START"
        rseq = []
        for _k in range(31):
            rstp, f, g, rtask = ref._iterate(rstp, f, g, rtask)
            rseq.append(rstp)
            if rtask[:2] != b"FG":
                break
            f, g = phi(rstp), dphi(rstp)
        assert seq == rseq and task == rtask[:4].decode()
        compared += 1
    assert compared > 300
