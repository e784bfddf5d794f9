"""acsi.sem / acsi.cfa against a "zoo" of lavaan 0.6-14 fits (hardening beyond the core cases).

References: tests/data/lavaan/zoo_*.json, made by tests/reference/make_reference_cbsem_zoo.R
(lavaan 0.6-14 with optim.method = "BFGS", reltol 1e-20, so that lavaan's own optimisation
error does not hide acsi's; see the script's header). Each case is fitted by acsi with the
same options (estimator, std_lv, se from lavaan's se/information, meanstructure, level) and
compared on every ``parameterEstimates(standardized = TRUE)`` row (est, se, z, pvalue,
ci_lower, ci_upper, std_lv, std_all), R-squared and every fit measure of the public contract.

Tolerance: rtol 1e-6 (ML/observed-information standard errors; measured agreement 3e-7 or
better, mostly ~1e-10) and 1e-5 for robust (MLR) standard errors, which lavaan computes from
a numerically differentiated Hessian (measured 2e-6 on the 0-100 scaled servqual items);
an absolute floor (``atol``) of 1e-6 for values near zero (p-values of 1e-20, z of tiny
estimates). The bad-input cases check that acsi refuses what lavaan only
warns about (not identified, non-positive-definite sample covariance) with its own errors.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.cbsem.fit_measures import LAVAAN_NAMES

DATA = Path(__file__).parent / "data" / "lavaan"
DATASETS = Path(acsi.__file__).parent / "datasets" / "data"

RTOL, RTOL_ROBUST, ATOL = 1e-6, 1e-5, 1e-6
CASES = sorted(p.stem for p in DATA.glob("zoo_*.json") if not p.stem.startswith("zoo_bad_"))
CONTRACT = ["chisq", "df", "pvalue", "cfi", "tli", "nfi", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
            "rmsea_pvalue", "srmr", "logl", "aic", "bic", "gfi", "agfi", "chisq_scaled",
            "scaling_factor", "cfi_robust", "tli_robust", "rmsea_robust"]
COLUMNS = [("est", "est"), ("se", "se"), ("z", "z"), ("pvalue", "pvalue"), ("ci_lower", "ci.lower"),
           ("ci_upper", "ci.upper"), ("std_lv", "std.lv"), ("std_all", "std.all")]


def load(name: str) -> dict:
    with open(DATA / f"{name}.json") as fh:
        return json.load(fh)


def lavaan_warnings(ref: dict) -> str:
    """lavaan's warnings while fitting, whitespace normalised (a single one is stored unboxed)."""
    w = ref.get("warnings") or []
    return " ".join(" ".join([w] if isinstance(w, str) else w).split())


def data_of(ref: dict) -> pd.DataFrame:
    f = ref["data"]
    if f.startswith("tests/"):
        return pd.read_csv(Path(__file__).parent.parent / f)
    if f == "corp_rep_data.csv":
        return acsi.datasets.load_corp_rep()  # -99 read as missing
    if f == "ebanking.csv":
        return acsi.datasets.load_ebanking()[[f"Q{i}" for i in range(8, 18)]]
    return pd.read_csv(DATASETS / f)


def fit_like(ref: dict) -> acsi.cbsem.results.SEMResult:
    o = ref["options"]
    if o["se"] == "robust.huber.white":
        se = "robust"
    else:
        se = "observed" if o["information"][0] == "observed" else "expected"
    estimator = "MLR" if o["test"] == "yuan.bentler.mplus" else "ML"
    fn = acsi.cfa if ref["fun"] == "cfa" else acsi.sem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", acsi.InadmissibleSolutionWarning)
        warnings.simplefilter("ignore", acsi.MissingDataWarning)  # HS grade: 1 row (lavaan too)
        return fn(ref["model"], data_of(ref), estimator=estimator, std_lv=o["std.lv"], se=se,
                  meanstructure=o["meanstructure"], fixed_x=o["fixed.x"], level=ref["level"])


_cache: dict[str, tuple[dict, object]] = {}


def rtol_of(ref: dict) -> float:
    return RTOL_ROBUST if ref["options"]["se"] == "robust.huber.white" else RTOL


def get(name: str) -> tuple[dict, acsi.cbsem.results.SEMResult]:
    if name not in _cache:
        ref = load(name)
        _cache[name] = (ref, fit_like(ref))
    return _cache[name]  # type: ignore[return-value]


def test_enough_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", CASES)
def test_inadmissible_warnings(name: str) -> None:
    """acsi warns where lavaan warns about negative variances or a non-PD latent covariance."""
    ref = load(name)
    o = ref["options"]
    lav = lavaan_warnings(ref)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fn = acsi.cfa if ref["fun"] == "cfa" else acsi.sem
        fn(ref["model"], data_of(ref), std_lv=o["std.lv"], meanstructure=o["meanstructure"],
           fixed_x=o["fixed.x"])
    msgs = [str(w.message) for w in rec if issubclass(w.category, acsi.InadmissibleSolutionWarning)]
    P = pd.DataFrame(ref["params"])
    neg = P[(P["op"] == "~~") & (P["lhs"] == P["rhs"]) & (P["est"] < 0)]
    if "ov variances are negative" in lav:
        assert len(neg) > 0
        for _, row in neg.iterrows():
            assert any(f"{row['lhs']} ~~ {row['lhs']}" in m for m in msgs), msgs
    if "covariance matrix of latent variables" in lav:
        assert any("latent variables" in m and "not positive definite" in m for m in msgs), msgs
    if not lav:
        assert msgs == []


def test_bad_not_identified() -> None:
    """lavaan only warns ("could not compute standard errors"); acsi refuses with the reason."""
    for name in ("zoo_bad_underidentified", "zoo_bad_underidentified2"):
        ref = load(name)
        assert "could not be inverted" in lavaan_warnings(ref)
        with pytest.raises(acsi.IdentificationError, match="not identified"), warnings.catch_warnings():
            warnings.simplefilter("ignore", acsi.InadmissibleSolutionWarning)
            acsi.cfa(ref["model"], data_of(ref))


def test_bad_sample_cov_not_positive_definite() -> None:
    """x10 = x1 + x2: lavaan's optimiser fails; acsi names the collinear columns up front."""
    ref = load("zoo_bad_notpd")
    assert "NOT been found" in lavaan_warnings(ref)
    with pytest.raises(acsi.DataError, match="not positive definite") as err:
        acsi.cfa(ref["model"], data_of(ref))
    assert all(v in str(err.value) for v in ("x1", "x2", "x10"))


@pytest.mark.parametrize("name", CASES)
def test_rows(name: str) -> None:
    ref, res = get(name)
    P = pd.DataFrame(ref["params"])
    E = res.estimates
    assert ref["converged"] is True and res.converged is True
    assert res.core.npar == ref["fit"]["npar"]  # after equality constraints, as fitMeasures()
    assert list(zip(E["lhs"], E["op"], E["rhs"])) == list(zip(P["lhs"], P["op"], P["rhs"]))
    assert list(E["label"]) == list(P["label"])


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("col,refcol", COLUMNS)
def test_columns(name: str, col: str, refcol: str) -> None:
    ref, res = get(name)
    P = pd.DataFrame(ref["params"])
    want = P[refcol].astype(float).to_numpy()
    got = res.estimates[col].to_numpy()
    if col in ("se", "z", "pvalue"):
        fixed = ((P["se"] == 0) & P["z"].isna()).to_numpy()
        assert np.all(np.isnan(got[fixed]))
        got, want = got[~fixed], want[~fixed]
    np.testing.assert_allclose(got, want, rtol=rtol_of(ref), atol=ATOL)


@pytest.mark.parametrize("name", CASES)
def test_r_squared(name: str) -> None:
    ref, res = get(name)
    want = pd.Series(ref["r2"], dtype=float)
    assert list(res.r_squared.index) == list(want.index)
    np.testing.assert_allclose(res.r_squared.to_numpy(), want.to_numpy(), rtol=rtol_of(ref), atol=ATOL)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("measure", CONTRACT)
def test_fit_measures(name: str, measure: str) -> None:
    ref, res = get(name)
    fm = res.fit_measures
    got = getattr(fm, measure)
    want = ref["fit"].get(LAVAAN_NAMES[measure])
    if want is None:  # not reported by lavaan for this estimator (e.g. robust measures under ML)
        assert np.isnan(got)
        return
    np.testing.assert_allclose(got, float(want), rtol=rtol_of(ref), atol=ATOL)


@pytest.mark.parametrize(
    "model,match",
    [
        ("visual =~ x1 + a*x2 + x3\na == zz", "'zz' in the constraint line 2: a == zz is not a label"),
        ("visual =~ x1 + a*x2 + x3\nx1 ~~ v*x1\na == v", "equates a loading or regression coefficient and a variance"),
        ("visual =~ x1 + a*x2 + 1*b*x3\na == b", "involves a fixed parameter"),
        # general constraints are estimated since issue 11; their own errors:
        ("visual =~ x1 + a*x2 + b*x3\na == 2*zz",
         r"'a == 2\*zz' \(line 2: a == 2\*zz\) uses 'zz', which is not a label"),
        ("visual =~ x1 + a*x2 + b*x3\na > 1\na < 0",
         r"'a > 1' \(line 2: a > 1\); 'a < 0' \(line 3: a < 0\) cannot hold"),
    ],
)
def test_explicit_constraint_errors(model: str, match: str) -> None:
    hs = acsi.datasets.load_holzinger_swineford()
    with pytest.raises(acsi.SpecificationError, match=match):
        acsi.cfa(model, hs)


def test_explicit_equality_is_a_shared_label() -> None:
    hs = acsi.datasets.load_holzinger_swineford()
    a = acsi.cfa("visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\na == b", hs)
    b = acsi.cfa("visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6", hs)
    np.testing.assert_allclose(a.estimates["est"], b.estimates["est"], rtol=1e-10)
    np.testing.assert_allclose(a.estimates["se"], b.estimates["se"], rtol=1e-8)
    assert a.core.npar == b.core.npar == 12
