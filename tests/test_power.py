"""acsi.power: Monte Carlo power against the analytic power of a regression slope, against
lavaan's Monte Carlo on the Muthen & Muthen (2002) CFA design, determinism, errors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import acsi
from acsi.simulation import PowerResult, population_moments, simulate

REF = Path(__file__).parent / "reference"
POP = "y ~ 0.25*x\nx ~~ 1*x\ny ~~ 0.9375*y"


@pytest.fixture(scope="module")
def pw() -> PowerResult:
    # the contract call
    return acsi.power("y ~ b*x", population=POP, n=[80], reps=400, alpha=0.05, method="ml", seed=3)


def _analytic(n: int, b: float = 0.25, s2: float = 0.9375, alpha: float = 0.05) -> tuple[float, float]:
    """Power of the ML Wald z test of the slope: asymptotic, and exact for normal x and y.

    ML (fixed x): se^2 = RSS / (n Sxx), so z = t sqrt(n / (n - 2)) with t the OLS t
    statistic; given x, t is noncentral t(n - 2, b sqrt(Sxx) / sigma), Sxx ~ chi2(n - 1)."""
    c = stats.norm.ppf(1 - alpha / 2)
    d = b / np.sqrt(s2 / n)
    asym = stats.norm.cdf(d - c) + stats.norm.cdf(-d - c)
    cp = c * np.sqrt((n - 2) / n)

    def f(q: float) -> float:
        delta = b * np.sqrt(q / s2)
        return float((stats.nct.sf(cp, n - 2, delta) + stats.nct.cdf(-cp, n - 2, delta)) * stats.chi2.pdf(q, n - 1))

    lo, hi = stats.chi2.ppf([1e-12, 1 - 1e-12], n - 1)
    exact, _ = integrate.quad(f, lo, hi)
    return float(asym), float(exact)


def test_contract_table(pw: PowerResult) -> None:
    t = pw.table
    assert list(t.columns[:5]) == ["lhs", "op", "rhs", "label", "n"]
    assert {"power", "bias", "coverage", "rel_se_bias", "nonconverged", "inadmissible"} <= set(t.columns)
    assert len(t) == 2  # y ~ x and the residual variance (x ~~ x is fixed.x, not estimated)
    row = t.query("op == '~'").iloc[0]
    assert (row.lhs, row.rhs, row.label, row.n) == ("y", "x", "b", 80)
    assert row.pop_value == pytest.approx(0.25, abs=1e-12)
    assert t.query("op == '~~'").pop_value.iloc[0] == pytest.approx(0.9375, abs=1e-12)
    assert row.n_valid == 400 and row.nonconverged == 0 and row.failed == 0


def test_power_matches_analytic_z_test(pw: PowerResult) -> None:
    asym, exact = _analytic(80)
    assert asym == pytest.approx(0.6366, abs=1e-4)
    row = pw.table.query("op == '~'").iloc[0]
    for target in (asym, exact):
        mcse = np.sqrt(target * (1 - target) / 400)
        assert abs(row.power - target) < 3 * mcse, (row.power, target)
    # the 95% Wald interval covers 0.25 at the nominal rate (3 Monte Carlo SEs)
    assert abs(row.coverage - 0.95) < 3 * np.sqrt(0.95 * 0.05 / 400)
    # the SE estimates the spread of the estimates (ML: slightly small at n = 80)
    assert abs(row.rel_se_bias) < 0.1 and abs(row.bias) < 3 * row.sd_est / np.sqrt(400)


def test_against_lavaan_monte_carlo_muthen_muthen_cfa() -> None:
    ref = pd.read_csv(REF / "power_cfa_lavaan.csv")
    model = "f1 =~ y1 + y2 + y3 + y4 + y5\nf2 =~ y6 + y7 + y8 + y9 + y10"
    pop = ("f1 =~ " + " + ".join(f"0.8*y{i}" for i in range(1, 6)) + "\n"
           "f2 =~ " + " + ".join(f"0.8*y{i}" for i in range(6, 11)) + "\n"
           "f1 ~~ 1*f1\nf2 ~~ 1*f2\nf1 ~~ 0.25*f2\n" + "\n".join(f"y{i} ~~ 0.36*y{i}" for i in range(1, 11)))
    R = 150
    res = acsi.power(model, population=pop, n=[150], reps=R, seed=2002, std_lv=True)
    mine = res.table.assign(param=lambda d: d.lhs + " " + d.op + " " + d.rhs).set_index("param")
    r = ref.set_index("param").loc["f1 ~~ f2"]
    m = mine.loc["f1 ~~ f2"]
    assert m.pop_value == pytest.approx(0.25, abs=1e-10)
    # two independent Monte Carlo estimates of the same power: within 3 combined SEs
    se = np.sqrt(r.power * (1 - r.power) / r.n_valid + m.power * (1 - m.power) / m.n_valid)
    assert abs(m.power - r.power) < 3 * se, (m.power, r.power)
    se_sd = r.sd_est / np.sqrt(R)
    assert abs(m.mean_est - r.mean_est) < 3 * np.sqrt(2) * se_sd
    assert abs(m.coverage - r.coverage) < 3 * np.sqrt(2 * 0.95 * 0.05 / R)
    # the published value: Muthen & Muthen (2002), CFA, normal data without missing values,
    # N = 150: power 0.81 for the factor correlation of 0.25 (10,000 Mplus replicates)
    assert abs(m.power - 0.81) < 3 * np.sqrt(0.81 * 0.19 / m.n_valid), m.power
    # loadings: power 1 in both
    assert (mine.query("op == '=~'").power == 1).all()
    assert (ref[ref.param.str.contains("=~")].power == 1).all()


def test_deterministic_over_chunks_and_executors() -> None:
    a = acsi.power("y ~ x", population="y ~ 0.3*x", n=[30, 50], reps=24, seed=9)
    b = acsi.power("y ~ x", population="y ~ 0.3*x", n=[30, 50], reps=24, seed=9, chunk_size=5)
    with ThreadPoolExecutor(2) as ex:
        c = acsi.power("y ~ x", population="y ~ 0.3*x", n=[30, 50], reps=24, seed=9, executor=ex)
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    pd.testing.assert_frame_equal(a.table, c.table, check_exact=True)
    assert a == b
    # replicate r at size n depends on (seed, n, r) only: adding a size changes nothing
    d = acsi.power("y ~ x", population="y ~ 0.3*x", n=[50], reps=24, seed=9)
    pd.testing.assert_frame_equal(d.table, a.table[a.table.n == 50].reset_index(drop=True), check_exact=True)


def test_min_n_and_plot() -> None:
    res = acsi.power("y ~ x", population="y ~ 0.3*x", n=[20, 150], reps=40, seed=1)
    mn = res.min_n(0.8).set_index("op")
    assert mn.loc["~", "min_n"] == 150 and mn.loc["~", "power"] >= 0.8
    assert np.isnan(res.min_n(0.999999).set_index("op").loc["~", "min_n"])
    fig = res.plot()
    assert fig.axes[0].get_ylabel().startswith("power")
    with pytest.raises(acsi.SpecificationError, match="not in the table"):
        res.plot(["y ~ z"])
    assert "Monte Carlo power" in str(res)


def test_population_from_a_fit_and_missing_data() -> None:
    df = simulate(POP, 300, seed=4)
    fit = acsi.sem("y ~ x", df)
    names, S, mu = population_moments(POP)
    assert names == ("y", "x") and np.allclose(S, [[1.0, 0.25], [0.25, 1.0]])
    res = acsi.power("y ~ x", population=fit, n=[60], reps=30, seed=2)
    slope = float(fit.estimates.query("op == '~'").est.iloc[0])
    assert res.table.query("op == '~'").pop_value.iloc[0] == pytest.approx(slope, abs=1e-8)
    full = acsi.power("y ~ x", population=POP, n=[60], reps=30, seed=2)
    holes = acsi.power("y ~ x", population=POP, n=[60], reps=30, seed=2, missing=0.3)
    assert holes.table.query("op == '~'").sd_est.iloc[0] > full.table.query("op == '~'").sd_est.iloc[0]


def test_pls_power() -> None:
    model = "X =~ x1 + x2 + x3; Y =~ y1 + y2 + y3; Y ~ X"
    pop = ("X =~ 0.8*x1 + 0.8*x2 + 0.8*x3\nY =~ 0.8*y1 + 0.8*y2 + 0.8*y3\nY ~ 0.4*X\nX ~~ 1*X\n"
           "Y ~~ 0.84*Y\n" + "\n".join(f"{v} ~~ 0.36*{v}" for v in ("x1", "x2", "x3", "y1", "y2", "y3")))
    res = acsi.power(model, population=pop, n=[100], reps=8, method="pls", bootstrap=50, seed=1)
    t = res.table.set_index(["lhs", "op", "rhs"])
    assert t.loc[("Y", "~", "X"), "pop_value"] == pytest.approx(0.4, abs=1e-8)  # standardized
    assert t.loc[("Y", "~", "X"), "power"] > 0.5
    # PLS (Mode A) attenuates the path between common factors
    assert t.loc[("Y", "~", "X"), "bias"] < 0
    assert t.loc[("X", "=~", "x1"), "pop_value"] == pytest.approx(0.8, abs=1e-8)


def test_bad_arguments() -> None:
    with pytest.raises(acsi.SpecificationError, match="n must be"):
        acsi.power("y ~ x", population=POP, n="many")
    with pytest.raises(acsi.SpecificationError, match="n must be an integer >= 3"):
        acsi.power("y ~ x", population=POP, n=[2])
    with pytest.raises(acsi.SpecificationError, match="reps"):
        acsi.power("y ~ x", population=POP, n=[50], reps=1)
    with pytest.raises(acsi.SpecificationError, match="alpha"):
        acsi.power("y ~ x", population=POP, n=[50], alpha=5)
    with pytest.raises(acsi.SpecificationError, match="method"):
        acsi.power("y ~ x", population=POP, n=[50], method="wls")
    with pytest.raises(acsi.SpecificationError, match="population must be"):
        acsi.power("y ~ x", population=42, n=[50])
    with pytest.raises(acsi.SpecificationError, match="missing must be"):
        acsi.power("y ~ x", population=POP, n=[50], missing=1.5)
    with pytest.raises(acsi.SpecificationError, match="not positive definite"):
        acsi.power("y ~ x", population="y ~ 2*x\ny ~~ -5*y", n=[50])
    with pytest.raises(acsi.SpecificationError, match="cannot be fitted to the population"):
        acsi.power("y ~ z", population=POP, n=[50])
    with pytest.raises(acsi.SpecificationError, match="set alpha instead"):
        acsi.power("y ~ x", population=POP, n=[50], level=0.9)


def test_immutable(pw: PowerResult) -> None:
    t = pw.table
    t["power"] = -1.0
    assert (pw.table["power"] >= 0).all()
    with pytest.raises(AttributeError):
        pw.reps = 5  # type: ignore[misc]


def test_path_power_survives_large_noncentrality():
    # cephes' ncfdtr returns NaN at this noncentrality; the power is 1 to double precision
    from acsi.stats.power import path_power

    assert path_power(6.167762675887786, 250, 2) == 1.0
    assert 0.05 < path_power(0.02, 250, 2) < 1.0


@pytest.mark.parametrize("model, pop, opts, method", [
    ("f1 =~ y1 + y2 + y3\nf2 =~ y4 + y5 + y6\nf2 ~ f1",
     "f1 =~ 0.7*y1 + 0.7*y2 + 0.7*y3\nf2 =~ 0.6*y4 + 0.6*y5 + 0.6*y6\nf2 ~ 0.3*f1", {"std_lv": True}, "ml"),
    ("f1 =~ a*y1 + a*y2 + y3\ny3 ~~ y2\nf1 ~ x", "f1 =~ 0.7*y1 + 0.7*y2 + 0.5*y3\nf1 ~ 0.3*x\nx ~~ 1*x",
     {"se": "observed", "meanstructure": True}, "ml"),
    ("f1 =~ y1 + y2 + y3\nf1 ~ x", "f1 =~ 0.7*y1 + 0.7*y2 + 0.5*y3\nf1 ~ 0.3*x\nx ~~ 1*x", {}, "mlr"),
])
def test_moment_replicates_equal_full_fits(monkeypatch: pytest.MonkeyPatch, model: str, pop: str,
                                           opts: dict, method: str) -> None:
    """Complete-data ML/MLR replicates are fitted from their moments with the model prepared
    once per chunk; every number equals a full acsi.sem fit of the replicate's data frame,
    including non-converged, inadmissible and failed replicates (small n provokes them)."""
    import acsi.simulation as sim

    fast = acsi.power(model, population=pop, n=[25, 60], reps=40, method=method, seed=11, **opts)
    monkeypatch.setattr(sim._ReplicateFit, "make", staticmethod(lambda ch: None))
    full = acsi.power(model, population=pop, n=[25, 60], reps=40, method=method, seed=11, **opts)
    pd.testing.assert_frame_equal(fast.table, full.table, check_exact=True)
    assert fast.table[["nonconverged", "inadmissible"]].to_numpy().max() > 0 or method == "mlr"
