"""A zoo of PLS reference cases made with the PyPI seminr port (tests/data/seminr_port/zoo_*.json).

Run from the repository root with the dev environment:

    python tests/reference/make_seminr_port_zoo.py

The PyPI package ``seminr`` 0.2.1 is a Python port of R seminr (matches R seminr
2.5.0.9000's golden fixtures to ~1e-15 on mobi). It is a dev-only dependency: the tests
(tests/test_pls_zoo.py) read only the JSON written here.

Every case is written in acsi's syntax (``=~`` Mode A, ``<~`` Mode B, ``~`` paths) plus a
list of constructs that are seminr ``reflective()`` (PLSc common factors; acsi
``consistent=[...]``). The script translates it into a seminr measurement and structural
model: ``=~`` constructs not in the list are ``composite(weights=mode_A)``, ``<~`` ones
``composite(weights=mode_B)``; one ``paths(from=X, to=Y)`` per path, in the order written.
Schemes: seminr's ``path_weighting`` and ``path_factorial``; ``centroid`` is passed to
the port as an ``inner_weights`` function (sign of the score correlations of adjacent
constructs), as in make_seminr_port.py.

Each JSON holds the model, the data set and the options, then seminr's results: path
coefficients, outer weights and loadings, R-squared and adjusted R-squared, all construct
scores, the reliability table (alpha, rhoA, rhoC, AVE), HTMT, Fornell-Larcker,
cross-loadings, item and antecedent VIFs, f-squared, total and total indirect effects and
the iteration count. Cases marked ``boot`` also hold a bootstrap with given resample rows
(``indices``, 0-based, drawn here with numpy's default_rng(seed)) run through the port's
``bootstrap_model(indices=...)`` and its ``summarize_pls_boot`` tables.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import seminr as sm
from seminr.bootstrap.summarize import summarize_pls_boot
from seminr.evaluate.constructs_in_model import constructs_in_model
from seminr.evaluate.effects import total_indirect_effects
from seminr.math import stats
from seminr.math.named_matrix import NamedMatrix

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "seminr_port"
sys.path.insert(0, str(ROOT))

import acsi  # noqa: E402  (only for the data sets and the model builders)
from acsi import datasets  # noqa: E402


def centroid(sm_matrix, construct_scores, dependant, paths_matrix):  # noqa: ARG001
    """Centroid scheme: signs of the score correlations for adjacent constructs."""
    cors = stats.col_cor(construct_scores.values, construct_scores.values)
    adj = paths_matrix.values + paths_matrix.values.T
    return NamedMatrix(paths_matrix.rows, paths_matrix.rows, np.ascontiguousarray(np.sign(cors) * adj))


SCHEMES = {"path": sm.path_weighting, "factorial": sm.path_factorial, "centroid": centroid}


# ----------------------------------------------------------------------------- data
def load(name: str) -> pd.DataFrame:
    if name == "mobi":
        return datasets.load_mobi()
    if name == "satisfaction":
        return datasets.load_satisfaction().drop(columns=["gender"])
    if name == "corp_rep_raw":  # the -99 codes kept
        return datasets.load_corp_rep(na_code=None)
    if name == "servqual":
        return datasets.load_servqual()
    if name == "ebanking":
        return datasets.load_ebanking().loc[:, "Q8":"Q17"]
    if name == "mobi_reversed":  # IMAG2 and CUSA3 reverse-coded: negative loadings
        df = datasets.load_mobi().copy()
        df["IMAG2"] = 11 - df["IMAG2"]
        df["CUSA3"] = 11 - df["CUSA3"]
        return df
    if name == "mobi_renamed":  # construct-like names with dots and underscores
        df = datasets.load_mobi().copy()
        return df.rename(columns={"IMAG1": "imag.1", "IMAG2": "imag_2", "CUSA1": "cusa.sat_1"})
    raise KeyError(name)


def parse(model: str):
    """(blocks [(construct, items, '=~' or '<~')], paths [(source, target)])."""
    blocks: list[tuple[str, list[str], str]] = []
    paths: list[tuple[str, str]] = []
    for raw in model.replace(";", "\n").splitlines():
        line = raw.strip()
        if not line:
            continue
        for op in ("=~", "<~", "~"):
            if op in line:
                lhs, rhs = (s.strip() for s in line.split(op, 1))
                rhs_items = [s.strip() for s in rhs.split("+")]
                if op == "~":
                    paths += [(x, lhs) for x in rhs_items]
                else:
                    blocks.append((lhs, rhs_items, op))
                break
    return blocks, paths


def seminr_model(model: str, reflective: list[str]):
    blocks, paths = parse(model)
    cons = []
    for c, items, op in blocks:
        if c in reflective:
            cons.append(sm.reflective(c, items))
        else:
            cons.append(sm.composite(c, items, weights=sm.mode_A if op == "=~" else sm.mode_B))
    rel = sm.relationships(*[sm.paths(from_=s, to=t) for s, t in paths])
    return sm.constructs(*cons), rel


def nm(m: NamedMatrix) -> dict:
    return {"rows": list(m.rows), "cols": list(m.cols), "values": np.asarray(m.values).tolist()}


# ----------------------------------------------------------------------------- cases
MOBI_M2 = """
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
MOBI_M2_B = MOBI_M2.replace("Image        =~", "Image        <~").replace(
    "Quality      =~", "Quality      <~"
)
SAT_ITEMS = {
    "image": [f"imag{i}" for i in range(1, 6)],
    "expectations": [f"expe{i}" for i in range(1, 6)],
    "quality": [f"qual{i}" for i in range(1, 6)],
    "value": [f"val{i}" for i in range(1, 5)],
    "satisfaction": [f"sat{i}" for i in range(1, 5)],
    "loyalty": [f"loy{i}" for i in range(1, 5)],
}
SAT_ECSI = acsi.models.ecsi(**SAT_ITEMS)
SAT_ACSI = acsi.models.acsi(**{k: v for k, v in SAT_ITEMS.items() if k != "image"})
CORP_SIMPLE = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
CORP_EXT = """
QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
ATTR <~ attr_1 + attr_2 + attr_3
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP ~ QUAL + PERF + CSOR + ATTR
LIKE ~ QUAL + PERF + CSOR + ATTR
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
SERVQUAL = """
Tangibles      =~ a01 + a02 + a03 + a04
Reliability    =~ a05 + a06 + a07 + a08 + a09
Responsiveness =~ a10 + a11 + a12 + a13
Assurance      =~ a14 + a15 + a16 + a17
Empathy        =~ a18 + a19 + a20 + a21 + a22
Satisfaction   =~ sat
Satisfaction ~ Tangibles + Reliability + Responsiveness + Assurance + Empathy
"""
SERVQUAL_B = SERVQUAL.replace("=~ a", "<~ a")
EBANK = """
Ease        =~ Q8 + Q9
Reliability =~ Q11 + Q14 + Q15
Support     =~ Q10 + Q12 + Q13
Loyalty     =~ Q16 + Q17
Reliability ~ Ease
Loyalty ~ Ease + Reliability + Support
"""
MOBI_EXO = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Expectation  ~ Image
Value        ~ Image
Satisfaction ~ Image + Expectation + Value
Loyalty      ~ Image + Satisfaction
"""
MOBI_SINGLE = """
Image        =~ IMAG1
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        =~ PERV1
Satisfaction =~ CUSA2
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Image + Expectation + Value
Loyalty      ~ Satisfaction + Image
"""
MOBI_ISOLATED = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation
"""
MOBI_REV = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""
MOBI_NAMES = """
Cust.Image   =~ imag.1 + imag_2 + IMAG3 + IMAG4 + IMAG5
expect_ation =~ CUEX1 + CUEX2 + CUEX3
Sat.isf_1    =~ cusa.sat_1 + CUSA2 + CUSA3
Sat.isf_1 ~ Cust.Image + expect_ation
"""
MOBI_CHAIN = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      <~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Expectation  ~ Image
Quality      ~ Expectation
Satisfaction ~ Quality
Loyalty      ~ Satisfaction
"""
MOBI_SCRAMBLED = """
Loyalty ~ Satisfaction + Image
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Value + Image
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Value        <~ PERV1 + PERV2
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Value ~ Image
"""
MOBI_ITEMS = {
    "expectations": ["CUEX1", "CUEX2", "CUEX3"],
    "quality": [f"PERQ{i}" for i in range(1, 8)],
    "value": ["PERV1", "PERV2"],
    "satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "complaints": ["CUSCO"],
    "loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
MOBI_ACSI = acsi.models.acsi(**MOBI_ITEMS)
MOBI_ACSI_MIXED = acsi.models.acsi(**MOBI_ITEMS, mode={"quality": "B", "value": "B"})
ALL_MOBI = ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty"]

CASES: list[dict] = [
    dict(name="mobi_m2_factorial", data="mobi", model=MOBI_M2, scheme="factorial"),
    dict(name="mobi_m2_centroid", data="mobi", model=MOBI_M2, scheme="centroid"),
    dict(name="mobi_m2_modeB", data="mobi", model=MOBI_M2_B, scheme="path", boot=True),
    dict(name="mobi_m2_modeB_max_it3", data="mobi", model=MOBI_M2_B, scheme="path", max_it=3,
         note="max_it = 3 (converges in 8): not converged, estimates after the last pass"),
    dict(name="mobi_m2_modeB_stop3", data="mobi", model=MOBI_M2_B, scheme="path", stop_criterion=3,
         note="stop_criterion = 3 (tol 1e-3)"),
    dict(name="mobi_m2_modeB_factorial", data="mobi", model=MOBI_M2_B, scheme="factorial"),
    dict(name="mobi_plsc_mixed", data="mobi", model=MOBI_M2_B, scheme="path",
         reflective=["Expectation", "Satisfaction", "Complaints", "Loyalty"], boot=True,
         note="PLSc: Image and Quality Mode B composites, Value a Mode A composite, the rest reflective()"),
    dict(name="mobi_plsc_modeA_composites", data="mobi", model=MOBI_M2, scheme="path",
         reflective=["Image", "Quality", "Satisfaction"],
         note="PLSc with Mode A composites mixed in (Expectation, Value, Complaints, Loyalty composites)"),
    dict(name="mobi_plsc_factorial", data="mobi", model=MOBI_M2, scheme="factorial", reflective=ALL_MOBI,
         boot=True, note="all reflective: some resamples are inadmissible (|path| > 1); seminr keeps them"),
    dict(name="mobi_exo_several_paths", data="mobi", model=MOBI_EXO, scheme="path"),
    dict(name="mobi_single_items", data="mobi", model=MOBI_SINGLE, scheme="path"),
    dict(name="mobi_single_items_plsc", data="mobi", model=MOBI_SINGLE, scheme="path",
         reflective=["Image", "Expectation", "Value", "Satisfaction", "Loyalty"]),
    dict(name="mobi_isolated_construct", data="mobi", model=MOBI_ISOLATED, scheme="path",
         note="Quality has no structural path: seminr leaves it out of the model"),
    dict(name="mobi_reversed_items", data="mobi_reversed", model=MOBI_REV, scheme="path",
         note="IMAG2 and CUSA3 reverse-coded (11 - x): negative loadings and weights"),
    dict(name="mobi_reversed_items_plsc", data="mobi_reversed", model=MOBI_REV, scheme="path",
         reflective=["Image", "Expectation", "Satisfaction"]),
    dict(name="mobi_names_dots", data="mobi_renamed", model=MOBI_NAMES, scheme="path",
         note="construct and indicator names with dots and underscores"),
    dict(name="mobi_scrambled_order", data="mobi", model=MOBI_SCRAMBLED, scheme="path", boot=True,
         note="paths before blocks, blocks not in causal order: seminr's construct order comes "
         "from the structural model, its item order from the measurement model"),
    dict(name="mobi_chain_modeB", data="mobi", model=MOBI_CHAIN, scheme="path"),
    dict(name="sat_ecsi_builder", data="satisfaction", model=SAT_ECSI, scheme="path", boot=True,
         note="acsi.models.ecsi(...) on the bank satisfaction data"),
    dict(name="sat_ecsi_builder_plsc", data="satisfaction", model=SAT_ECSI, scheme="path",
         reflective=["Image", "Expectation", "Quality", "Value", "Satisfaction", "Loyalty"]),
    dict(name="mobi_acsi_builder", data="mobi", model=MOBI_ACSI, scheme="path",
         note="acsi.models.acsi(...) with complaints (single item) on mobi"),
    dict(name="mobi_acsi_builder_mixed_plsc", data="mobi", model=MOBI_ACSI_MIXED, scheme="path",
         reflective=["Expectations", "Satisfaction", "Complaints", "Loyalty"],
         note="acsi.models.acsi(..., mode={'quality': 'B', 'value': 'B'}), the rest reflective()"),
    dict(name="sat_acsi_builder", data="satisfaction", model=SAT_ACSI, scheme="path",
         note="acsi.models.acsi(...) on the bank satisfaction data"),
    dict(name="sat_acsi_builder_factorial", data="satisfaction", model=SAT_ACSI, scheme="factorial"),
    dict(name="corp_rep_simple_mean", data="corp_rep_raw", model=CORP_SIMPLE, scheme="path",
         missing="mean", missing_value=-99, boot=True),
    dict(name="corp_rep_simple_naomit", data="corp_rep_raw", model=CORP_SIMPLE, scheme="path",
         missing="naomit", missing_value=-99, boot=True,
         note="na_omit: the bootstrap resamples all 344 rows and drops the incomplete ones per resample"),
    dict(name="corp_rep_simple_plsc_mean", data="corp_rep_raw", model=CORP_SIMPLE, scheme="path",
         missing="mean", missing_value=-99, reflective=["COMP", "LIKE", "CUSA", "CUSL"]),
    dict(name="corp_rep_ext_factorial_naomit", data="corp_rep_raw", model=CORP_EXT, scheme="factorial",
         missing="naomit", missing_value=-99),
    dict(name="corp_rep_ext_plsc_mean", data="corp_rep_raw", model=CORP_EXT, scheme="path",
         missing="mean", missing_value=-99, reflective=["COMP", "LIKE", "CUSL"]),
    dict(name="servqual_path", data="servqual", model=SERVQUAL, scheme="path"),
    dict(name="servqual_modeB_factorial", data="servqual", model=SERVQUAL_B, scheme="factorial", boot=True),
    dict(name="servqual_plsc", data="servqual", model=SERVQUAL, scheme="path",
         reflective=["Tangibles", "Reliability", "Responsiveness", "Assurance", "Empathy"]),
    dict(name="ebanking_path", data="ebanking", model=EBANK, scheme="path"),
    dict(name="ebanking_plsc_centroid", data="ebanking", model=EBANK, scheme="centroid",
         reflective=["Ease", "Reliability", "Support", "Loyalty"], boot=True,
         note="n = 54: some PLSc resamples fail (rho_A not positive) or are inadmissible"),
]


def run(case: dict) -> None:
    data = load(case["data"])
    reflective = case.get("reflective", [])
    mm, smm = seminr_model(case["model"], reflective)
    missing = case.get("missing", "mean")
    kw = dict(
        inner_weights=SCHEMES[case["scheme"]],
        missing=sm.mean_replacement if missing == "mean" else sm.na_omit,
        missing_value=case.get("missing_value"),
        max_it=case.get("max_it", 300),
        stop_criterion=case.get("stop_criterion", 7),
    )
    model = sm.estimate_pls(data, mm, smm, **kw)
    mc = constructs_in_model(model)
    out = {
        "generator": f"PyPI seminr {sm.__version__} (port of R seminr), tests/reference/make_seminr_port_zoo.py",
        "case": case["name"],
        "note": case.get("note", ""),
        "data": case["data"],
        "acsi_model": case["model"],
        "reflective": reflective,
        "scheme": case["scheme"],
        "missing": missing,
        "missing_value": case.get("missing_value"),
        "max_it": case.get("max_it", 300),
        "stop_criterion": case.get("stop_criterion", 7),
        "n": int(model.data.values.shape[0]),
        "iterations": int(model.iterations),
        "constructs": list(model.constructs),
        "pathCoef": nm(model.path_coef),
        "outerWeights": nm(model.outer_weights),
        "outerLoadings": nm(model.outer_loadings),
        "rSquared": nm(model.r_squared),
        "scores": nm(model.construct_scores),
        "reliability": nm(sm.reliability_table(model)),
        "htmt": nm(sm.htmt(model)),
        "flCriteria": nm(sm.fl_criteria_table(model, mc)),
        "crossLoadings": nm(sm.cross_loadings(model, mc)),
        "itemVifs": sm.item_vifs(model, mc),
        "antecedentVifs": sm.pls_antecedent_vifs(model, mc),
        "fSquare": nm(sm.model_fsquares(model)),
        "totalEffects": nm(sm.total_effects(model.path_coef)),
        "totalIndirect": nm(total_indirect_effects(model.path_coef)),
    }
    if case.get("boot"):
        n_rows = int(model.rawdata.values.shape[0])
        seed = 20261122
        idx = np.random.default_rng(seed).integers(0, n_rows, size=(60, n_rows))
        boot = sm.bootstrap_model(model, indices=idx)
        s = summarize_pls_boot(boot)
        out["boot"] = {
            "seed": seed,
            "indices_note": "0-based rows of the data before missing-data handling: "
            "numpy.random.default_rng(seed).integers(0, n, size=(60, n))",
            "indices": idx.tolist(),
            "boots": int(boot.boots),
            "fails": int(boot.fails),
            "paths": nm(s.bootstrapped_paths),
            "weights": nm(s.bootstrapped_weights),
            "loadings": nm(s.bootstrapped_loadings),
            "htmt": nm(s.bootstrapped_htmt),
            "totalPaths": nm(s.bootstrapped_total_paths),
            "totalIndirectPaths": None
            if s.bootstrapped_total_indirect_paths is None
            else nm(s.bootstrapped_total_indirect_paths),
        }
    path = OUT / f"zoo_{case['name']}.json"
    path.write_text(json.dumps(out, indent=0, allow_nan=True))
    print(case["name"], "n", out["n"], "iterations", out["iterations"], file=sys.stderr)


def main(argv: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    wanted = set(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in CASES:
            if not wanted or case["name"] in wanted:
                run(case)


if __name__ == "__main__":
    main(sys.argv[1:])
