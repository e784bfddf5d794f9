"""Fit measures against R lavaan 0.6-14 ``fitMeasures()``.

References: tests/data/lavaan/a2_<case>.json, made by tests/reference/a2_make_reference.R
(lavaan's solution, Delta, information matrices and all fitMeasures() of each case), and the
cases of tests/reference/make_reference.R (tests/data/lavaan/<case>.json).

Two levels:
* kernel: :func:`compute_fit_measures` evaluated at lavaan's own solution (an estimation core
  assembled from lavaan's outputs) must give every one of lavaan's fit measures to
  ``rtol = 1e-6`` (they agree to ~1e-10; SRMR of the exactly fitting Heywood case, ~1e-8 in
  size, within ``atol = 1e-12``);
* end to end: ``acsi.sem(...).fit_measures`` (acsi's own estimates) against lavaan at
  ``rtol = 1e-4`` (the contract's tolerance).
"""

from __future__ import annotations

import json
import math
from dataclasses import FrozenInstanceError, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from acsi.cbsem.fit_measures import (
    LAVAAN_NAMES,
    _pchisq_nc,
    _uniroot,
    compute_fit_measures,
)
from acsi.cbsem.robust import RobustTest, yuan_bentler_mplus
from acsi.exceptions import SpecificationError

LAV = Path(__file__).parent / "data" / "lavaan"
DATASETS = Path(__file__).parent.parent / "acsi" / "datasets" / "data"
CSV = {
    "hs": DATASETS / "holzinger_swineford_1939.csv",
    "poldem": DATASETS / "political_democracy.csv",
    "mobi": DATASETS / "mobi.csv",
    "heywood": LAV / "heywood.csv",
}
CASES = [
    "hs_cfa_ml",
    "hs_cfa_mlr",
    "hs_cfa_mlr_meanstructure",
    "hs_cfa_observed_info",
    "hs_cfa_stdlv",
    "poldem_sem_ml",
    "poldem_sem_mlr",
    "poldem_indirect",
    "poldem_equal_mlr",
    "hs_fixedx",
    "hs_fixedx_mlr",
    "hs_path_fixedx",
    "hs_path_fixedx_mlr",
    "hs_path_randomx",
    "hs_path_randomx_mlr",
    "mobi_acsi_ml",
    "mobi_acsi_mlr",
    "mobi_acsi_ml_bfgs",
    "mobi_acsi_mlr_bfgs",
    "heywood",
    "heywood_mlr",
]


def _mat(d: dict[str, Any]) -> np.ndarray:
    return np.array(d["values"], dtype=float)


@dataclass(frozen=True)
class LavaanCore:
    """An EstimationCore assembled from lavaan's solution (for testing the kernels alone)."""

    ov_names: tuple[str, ...]
    X: np.ndarray
    N: int
    S: np.ndarray
    mean: np.ndarray
    meanstructure: bool
    fixed_x: tuple[str, ...]
    ov_x: tuple[str, ...]
    theta: np.ndarray
    Sigma: np.ndarray
    mu: np.ndarray
    Delta: np.ndarray
    fmin: float
    chisq: float
    df: float
    npar: int
    K: np.ndarray
    info: dict[str, np.ndarray] = field(repr=False)

    def information(self, kind: str = "expected") -> np.ndarray:
        return self.info[kind]


def lavaan_core(case: str) -> tuple[LavaanCore, dict[str, Any]]:
    """Core at lavaan's solution; equality-constrained parameters reduced with ``K``."""
    ref = json.loads((LAV / f"a2_{case}.json").read_text())
    data = pd.read_csv(CSV[case.split("_")[0]])
    ov = tuple(ref["ov_names"])
    x = data[list(ov)].dropna().to_numpy(float)
    assert x.shape[0] == ref["nobs"]
    mean = x.mean(axis=0)
    s = np.cov(x.T, bias=True)
    ms = bool(ref["meanstructure"])
    names = ref["delta"]["colnames"]
    uniq = list(dict.fromkeys(names))
    k = np.zeros((len(names), len(uniq)))
    k[np.arange(len(names)), [uniq.index(n) for n in names]] = 1.0
    fit = ref["fit"]
    core = LavaanCore(
        ov_names=ov,
        X=x,
        N=x.shape[0],
        S=s,
        mean=mean,
        meanstructure=ms,
        fixed_x=tuple(ref["ov_x"]) if ref["fixed_x"] else (),
        ov_x=tuple(ref["ov_x"]),
        theta=np.array([ref["theta"][u] for u in uniq]),
        Sigma=_mat(ref["implied_cov"]),
        mu=np.array(list(ref["implied_mean"].values())) if ms else mean,
        Delta=_mat(ref["delta"]) @ k,
        fmin=fit["fmin"],
        chisq=fit["chisq"],
        df=fit["df"],
        npar=int(fit["npar"]),
        K=k,
        info={
            kind: k.T @ _mat(ref[f"info_{kind.replace('.', '')}"]) @ k
            for kind in ("expected", "observed", "first.order")
        },
    )
    return core, ref


def _compare(mine: pd.Series, ref: dict[str, Any], rtol: float, atol: float) -> list[str]:
    bad = []
    for name, value in ref.items():
        assert name in mine.index, f"lavaan's {name} is missing"
        got = float(mine[name])
        if value is None:
            if not math.isnan(got):
                bad.append(f"{name}: {got} (lavaan NA)")
            continue
        if not np.isclose(got, value, rtol=rtol, atol=atol):
            bad.append(f"{name}: {got!r} vs lavaan {value!r} (rel {abs(got / value - 1):.2e})")
    return bad


@pytest.mark.parametrize("case", CASES)
def test_every_fit_measure_matches_lavaan_at_lavaans_solution(case: str) -> None:
    core, ref = lavaan_core(case)
    robust = "chisq.scaled" in ref["fit"]
    fm = compute_fit_measures(core, robust=robust)
    mine = fm.to_series(lavaan_names=True)
    bad = _compare(mine, ref["fit"], rtol=1e-6, atol=1e-12)
    assert not bad, "\n".join(bad)
    # nothing reported that lavaan does not report
    extra = [k for k in mine.index if k not in ref["fit"] and not math.isnan(mine[k])]
    assert not extra


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in CASES
        if (LAV / f"{c}.json").exists()
    ],
)
def test_reference_refit_is_the_fixture_fit(case: str) -> None:
    """The a2 refit is the same lavaan fit as the shared fixture (same data, same model)."""
    a2 = json.loads((LAV / f"a2_{case}.json").read_text())["fit"]
    base = json.loads((LAV / f"{case}.json").read_text())["fit"]
    for k, v in base.items():
        if v is None:
            assert a2[k] is None
        else:
            assert a2[k] == pytest.approx(v, rel=1e-10, abs=1e-14), k


def test_ml_fit_leaves_scaled_and_robust_measures_nan() -> None:
    core, _ = lavaan_core("hs_cfa_ml")
    fm = compute_fit_measures(core)
    for name in ("chisq_scaled", "scaling_factor", "cfi_robust", "tli_robust", "rmsea_robust",
                 "baseline_chisq_scaled", "rmsea_scaled"):
        assert math.isnan(getattr(fm, name)), name
    assert fm.cfi == pytest.approx(0.930559651799336, rel=1e-9)


def test_precomputed_robust_test_gives_the_same_measures() -> None:
    core, _ = lavaan_core("hs_cfa_mlr")
    rt = yuan_bentler_mplus(core)
    assert isinstance(rt, RobustTest)
    a = compute_fit_measures(core, robust=rt).to_series()
    b = compute_fit_measures(core, robust=True).to_series()
    pd.testing.assert_series_equal(a, b)


def test_rmsea_interval_at_another_level_brackets_the_90_interval() -> None:
    core, _ = lavaan_core("hs_cfa_ml")
    f90 = compute_fit_measures(core)
    f95 = compute_fit_measures(core, ci_level=0.95)
    assert f95.rmsea_ci_level == 0.95
    assert f95.rmsea_ci_lower < f90.rmsea_ci_lower < f90.rmsea < f90.rmsea_ci_upper
    assert f90.rmsea_ci_upper < f95.rmsea_ci_upper


@pytest.mark.parametrize("level", [0.0, 1.0, -0.1, 1.5])
def test_bad_ci_level_raises(level: float) -> None:
    core, _ = lavaan_core("hs_cfa_ml")
    with pytest.raises(SpecificationError, match="ci_level"):
        compute_fit_measures(core, ci_level=level)


# R: uniroot(f, interval)$root printed with %.17g (R 4.2.2); the port must follow R's iterates,
# not merely find the root (R's default tolerance eps^0.25 leaves ~1e-5 of slack).
@pytest.mark.parametrize(
    ("f", "lower", "upper", "r_root"),
    [
        (lambda x: x**3 - 2.0, 0.0, 2.0, 1.2599338350608136),
        (lambda x: math.exp(x) - 5.0 + x, -3.0, 4.0, 1.3065351081569643),
        (
            lambda lam: _pchisq_nc(85.3055217699727, 24.0, lam) - 0.95,
            0.0,
            85.3055217699727,
            36.84674001102195,
        ),
    ],
)
def test_uniroot_port_follows_r(f: Any, lower: float, upper: float, r_root: float) -> None:
    assert _uniroot(f, lower, upper) == pytest.approx(r_root, rel=1e-13)


def test_uniroot_without_sign_change_is_nan() -> None:
    assert math.isnan(_uniroot(lambda x: x * x + 1.0, -1.0, 1.0))


def test_fit_measures_is_frozen_and_renders() -> None:
    core, _ = lavaan_core("poldem_sem_mlr")
    fm = compute_fit_measures(core, robust=True)
    with pytest.raises(FrozenInstanceError):
        fm.cfi = 1.0  # type: ignore[misc]
    s = fm.to_series()
    assert s.dtype == float and s["df"] == 35.0
    assert set(fm.to_series(lavaan_names=True).index) == set(LAVAAN_NAMES.values())
    html = fm._repr_html_()
    assert "<table" in html and "cfi_robust" in html
    text = str(fm)
    assert "rmsea_ci_upper" in text and "chisq_scaled" in text


# ------------------------------------------------------------------------------------------
# end to end: acsi's own estimates
# ------------------------------------------------------------------------------------------

E2E = {
    "hs_cfa_ml": ("cfa", "hs", {}),
    "hs_cfa_mlr": ("cfa", "hs", {"estimator": "MLR"}),
    "hs_cfa_mlr_meanstructure": ("cfa", "hs", {"estimator": "MLR", "meanstructure": True}),
    "heywood": ("cfa", "heywood", {}),
    "hs_cfa_stdlv": ("cfa", "hs", {"std_lv": True}),
    "hs_cfa_observed_info": ("cfa", "hs", {"se": "observed"}),
    "poldem_sem_ml": ("sem", "poldem", {}),
    "poldem_sem_mlr": ("sem", "poldem", {"estimator": "MLR"}),
    "poldem_equal": ("sem", "poldem", {}),
    "poldem_indirect": ("sem", "poldem", {}),
    "hs_fixedx": ("sem", "hs", {}),
    "hs_path_fixedx": ("sem", "hs", {}),
    "hs_path_randomx": ("sem", "hs", {"fixed_x": False}),
    "hs_fixedx_mlr": ("sem", "hs", {"estimator": "MLR"}),
    "hs_path_fixedx_mlr": ("sem", "hs", {"estimator": "MLR", "meanstructure": True}),
    "poldem_equal_mlr": ("sem", "poldem", {"estimator": "MLR"}),
    "heywood_mlr": ("cfa", "heywood", {"estimator": "MLR"}),
    "mobi_acsi_mlr_bfgs": ("sem", "mobi", {"estimator": "MLR"}),
    "hs_path_randomx_mlr": ("sem", "hs", {"fixed_x": False, "estimator": "MLR"}),
    "mobi_acsi_ml": ("sem", "mobi", {}),
    "mobi_acsi_mlr": ("sem", "mobi", {"estimator": "MLR"}),
}


def _fit_acsi(case: str) -> tuple[Any, dict[str, Any]]:
    import warnings

    import acsi

    file = LAV / f"{case}.json"
    if not file.exists():  # cases made by a2_make_reference.R only
        file = LAV / f"a2_{case}.json"
    ref = json.loads(file.read_text())
    fun, data_key, kwargs = E2E[case]
    data = pd.read_csv(CSV[data_key])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # listwise deletion of hs_fixedx's incomplete row
        res = getattr(acsi, fun)(ref["model"], data, **kwargs)
    return res, ref


@pytest.mark.parametrize("case", sorted(E2E))
def test_acsi_fit_measures_match_lavaan(case: str) -> None:
    res, ref = _fit_acsi(case)
    mine = res.fit_measures.to_series(lavaan_names=True)
    # the contract's measures, at the contract's tolerance
    contract = [
        "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "nfi",
        "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr", "logl",
        "unrestricted.logl", "aic", "bic", "gfi", "agfi", "npar",
    ]
    if "chisq.scaled" in ref["fit"]:
        contract += ["chisq.scaled", "chisq.scaling.factor", "cfi.robust", "tli.robust",
                     "rmsea.robust", "baseline.chisq.scaled", "cfi.scaled", "tli.scaled",
                     "rmsea.scaled"]
    subset = {k: ref["fit"][k] for k in contract if k != "srmr"}
    bad = _compare(mine, subset, rtol=1e-4, atol=1e-10)
    # srmr of the saturated Heywood fit is 0 up to the optimisers' residuals (lavaan: 7e-9),
    # where no relative tolerance applies: absolute 1e-7 on the correlation scale
    bad += _compare(mine, {"srmr": ref["fit"]["srmr"]}, rtol=1e-4, atol=1e-7)
    assert not bad, "\n".join(bad)


def test_zero_chisq_with_positive_df_follows_r_arithmetic() -> None:
    """A (hypothetical) perfect fit with df > 0: R gives CN = Inf, RMSEA 0, CFI 1; no error."""
    from dataclasses import replace

    core, _ = lavaan_core("hs_cfa_ml")
    fm = compute_fit_measures(replace(core, chisq=0.0, fmin=0.0))
    assert fm.cn_05 == math.inf and fm.cn_01 == math.inf
    assert fm.rmsea == 0.0 and fm.rmsea_ci_lower == 0.0 and fm.rmsea_ci_upper == 0.0
    assert fm.cfi == 1.0 and fm.pvalue == 1.0
