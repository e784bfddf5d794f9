"""Generate PLS reference fixtures with the PyPI seminr port (tests/data/seminr_port/).

Run from the repository root with the dev environment:

    python tests/reference/make_seminr_port.py

The PyPI package ``seminr`` (0.2.1) is a Python port of R seminr that matches R seminr to
~1e-15 on the mobi fixtures (see its documentation). It is used here because R seminr is
not installable in this environment. It is a dev-only dependency: the tests read only the
JSON written here.

Cases
-----
* ``satisfaction_centroid``: the bank ``satisfaction`` data (R plspm), plspm's ECSI
  example model (6 Mode A blocks), centroid inner scheme. Neither R seminr nor the port
  ships a centroid scheme; it is passed to the port's ``estimate_pls`` as an
  ``inner_weights`` function written here from the definition of the centroid scheme
  (Wold 1982; Lohmoeller 1989; R plspm's ``get_weights``): the inner weight of a
  neighbour i of construct j is ``sign(cor(y_i, y_j))``, zero for non-neighbours. The rest
  of the algorithm (initial weights, stop rule, outer modes, paths) is seminr's.
* ``satisfaction_factorial``: the same with seminr's ``path_factorial``.
* ``satisfaction_path_modeB``: path weighting with Value as a Mode B block.
* ``satisfaction_factorial_modeB``: factorial with Value Mode B.
* ``corp_rep_mean``: Hair et al.'s corporate reputation model (seminr's
  ``corp_rep_data`` example: QUAL, PERF, CSOR, ATTR Mode B; COMP, LIKE, CUSA, CUSL Mode A)
  with -99 declared missing and seminr's default ``mean_replacement``.
* ``corp_rep_naomit``: the same with ``na_omit`` (rows with a missing value dropped).
* ``mobi_m2_plsc``: the full ECSI model on mobi with every construct ``reflective()``
  (PLSc, Complaints single-item), with seminr's whole ``summary()`` evaluation: reliability,
  HTMT, Fornell-Larcker, cross-loadings, item and antecedent VIFs, f-squared (re-estimated
  with PLSc), total effects.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import seminr as sm
from seminr.math import stats
from seminr.math.named_matrix import NamedMatrix

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "seminr_port"
DATA = ROOT / "acsi" / "datasets" / "data"


def centroid(sm_matrix, construct_scores, dependant, paths_matrix):  # noqa: ARG001
    """Centroid scheme: signs of the score correlations for adjacent constructs."""
    cors = stats.col_cor(construct_scores.values, construct_scores.values)
    adj = paths_matrix.values + paths_matrix.values.T
    return NamedMatrix(paths_matrix.rows, paths_matrix.rows, np.ascontiguousarray(np.sign(cors) * adj))


SCHEMES = {"path": sm.path_weighting, "factorial": sm.path_factorial, "centroid": centroid}

SAT_BLOCKS = [
    ("IMAG", [f"imag{i}" for i in range(1, 6)], "A"),
    ("EXPE", [f"expe{i}" for i in range(1, 6)], "A"),
    ("QUAL", [f"qual{i}" for i in range(1, 6)], "A"),
    ("VAL", [f"val{i}" for i in range(1, 5)], "A"),
    ("SAT", [f"sat{i}" for i in range(1, 5)], "A"),
    ("LOY", [f"loy{i}" for i in range(1, 5)], "A"),
]
SAT_PATHS = [
    ("IMAG", ["EXPE", "SAT", "LOY"]),
    ("EXPE", ["QUAL", "VAL", "SAT"]),
    ("QUAL", ["VAL", "SAT"]),
    ("VAL", ["SAT"]),
    ("SAT", ["LOY"]),
]
CORP_BLOCKS = [
    ("QUAL", [f"qual_{i}" for i in range(1, 9)], "B"),
    ("PERF", [f"perf_{i}" for i in range(1, 6)], "B"),
    ("CSOR", [f"csor_{i}" for i in range(1, 6)], "B"),
    ("ATTR", [f"attr_{i}" for i in range(1, 4)], "B"),
    ("COMP", [f"comp_{i}" for i in range(1, 4)], "A"),
    ("LIKE", [f"like_{i}" for i in range(1, 4)], "A"),
    ("CUSA", ["cusa"], "A"),
    ("CUSL", [f"cusl_{i}" for i in range(1, 4)], "A"),
]
CORP_PATHS = [
    ("QUAL", ["COMP", "LIKE"]),
    ("PERF", ["COMP", "LIKE"]),
    ("CSOR", ["COMP", "LIKE"]),
    ("ATTR", ["COMP", "LIKE"]),
    ("COMP", ["CUSA", "CUSL"]),
    ("LIKE", ["CUSA", "CUSL"]),
    ("CUSA", ["CUSL"]),
]

MOBI_BLOCKS = [
    ("Image", [f"IMAG{i}" for i in range(1, 6)], "C"),
    ("Expectation", [f"CUEX{i}" for i in range(1, 4)], "C"),
    ("Quality", [f"PERQ{i}" for i in range(1, 8)], "C"),
    ("Value", ["PERV1", "PERV2"], "C"),
    ("Satisfaction", [f"CUSA{i}" for i in range(1, 4)], "C"),
    ("Complaints", ["CUSCO"], "C"),
    ("Loyalty", [f"CUSL{i}" for i in range(1, 4)], "C"),
]
MOBI_PATHS = [
    ("Image", ["Expectation", "Satisfaction", "Loyalty"]),
    ("Expectation", ["Quality", "Value", "Satisfaction"]),
    ("Quality", ["Value", "Satisfaction"]),
    ("Value", ["Satisfaction"]),
    ("Satisfaction", ["Complaints", "Loyalty"]),
    ("Complaints", ["Loyalty"]),
]


def acsi_syntax(blocks, paths) -> str:
    lines = [f"{c} {'<~' if m == 'B' else '=~'} {' + '.join(items)}" for c, items, m in blocks]
    targets: dict[str, list[str]] = {}
    for src, tgts in paths:
        for t in tgts:
            targets.setdefault(t, []).append(src)
    lines += [f"{t} ~ {' + '.join(s)}" for t, s in targets.items()]
    return "\n".join(lines)


def _construct(c, items, m):
    if m == "C":  # reflective(): PLSc
        return sm.reflective(c, items)
    return sm.composite(c, items, weights=sm.mode_A if m == "A" else sm.mode_B)


def seminr_models(blocks, paths):
    mm = sm.constructs(*[_construct(c, items, m) for c, items, m in blocks])
    smm = sm.relationships(*[sm.paths(from_=s, to=t) for s, t in paths])
    return mm, smm


def nm(m: NamedMatrix) -> dict:
    return {"rows": list(m.rows), "cols": list(m.cols), "values": np.asarray(m.values).tolist()}


def run(name, blocks, paths, data, scheme, missing="mean", missing_value=None, note="", extras=False):
    mm, smm = seminr_models(blocks, paths)
    model = sm.estimate_pls(
        data,
        mm,
        smm,
        inner_weights=SCHEMES[scheme],
        missing=sm.mean_replacement if missing == "mean" else sm.na_omit,
        missing_value=missing_value,
    )
    out = {
        "generator": f"PyPI seminr {sm.__version__} (port of R seminr), tests/reference/make_seminr_port.py",
        "note": note,
        "scheme": scheme,
        "missing": missing,
        "missing_value": missing_value,
        "acsi_model": acsi_syntax(blocks, paths),
        "n": int(model.data.values.shape[0]),
        "iterations": int(model.iterations),
        "pathCoef": nm(model.path_coef),
        "outerWeights": nm(model.outer_weights),
        "outerLoadings": nm(model.outer_loadings),
        "rSquared": nm(model.r_squared),
        "reliability": nm(sm.reliability_table(model)),
        "htmt": nm(sm.htmt(model)),
        "scoresHead": np.asarray(model.construct_scores.values[:5]).tolist(),
        "scoresCols": list(model.construct_scores.cols),
    }
    if extras:
        from seminr.evaluate.constructs_in_model import constructs_in_model

        mc = constructs_in_model(model)
        out["consistent"] = True
        out["flCriteria"] = nm(sm.fl_criteria_table(model, mc))
        out["crossLoadings"] = nm(sm.cross_loadings(model, mc))
        out["itemVifs"] = sm.item_vifs(model, mc)
        out["antecedentVifs"] = sm.pls_antecedent_vifs(model, mc)
        out["fSquare"] = nm(sm.model_fsquares(model))
        out["totalEffects"] = nm(sm.total_effects(model.path_coef))
    (OUT / f"{name}.json").write_text(json.dumps(out, indent=1))
    print(name, "iterations", out["iterations"], "n", out["n"], file=sys.stderr)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    sat = pd.read_csv(DATA / "satisfaction.csv").drop(columns=["gender"])
    corp = pd.read_csv(DATA / "corp_rep_data.csv")
    run("satisfaction_centroid", SAT_BLOCKS, SAT_PATHS, sat, "centroid",
        note="centroid inner weights = sign(cor) of adjacent constructs, passed to the port")
    run("satisfaction_factorial", SAT_BLOCKS, SAT_PATHS, sat, "factorial")
    sat_b = [(c, items, "B" if c == "VAL" else m) for c, items, m in SAT_BLOCKS]
    run("satisfaction_path_modeB", sat_b, SAT_PATHS, sat, "path")
    run("satisfaction_factorial_modeB", sat_b, SAT_PATHS, sat, "factorial")
    run("satisfaction_centroid_modeB", sat_b, SAT_PATHS, sat, "centroid",
        note="centroid inner weights = sign(cor) of adjacent constructs, passed to the port")
    run("corp_rep_mean", CORP_BLOCKS, CORP_PATHS, corp, "path", missing="mean", missing_value=-99)
    run("corp_rep_naomit", CORP_BLOCKS, CORP_PATHS, corp, "path", missing="naomit", missing_value=-99)
    mobi = pd.read_csv(DATA / "mobi.csv")
    run("mobi_m2_plsc", MOBI_BLOCKS, MOBI_PATHS, mobi, "path", extras=True,
        note="all constructs reflective(): PLSc; acsi: consistent=True")


if __name__ == "__main__":
    main()
