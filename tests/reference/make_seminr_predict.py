"""PLSpredict reference fixtures from the PyPI seminr port (tests/data/seminr_port/predict_*.json).

Run from the repository root:

    python tests/reference/make_seminr_predict.py

The port's ``predict_pls`` (seminr 2.5's algorithm: one refit of the model per fold, the
LM benchmark on the direct antecedents' items under predict_DA and on the purely
exogenous constructs' items under predict_EA) is run with fixed row orderings (the
port's ``ordering``: a 0-based permutation cut into contiguous folds, R's
``cut(seq(1, n), breaks = noFolds)``). For ``reps > 1`` the script averages the
per-repetition predictions as R seminr's ``predict_pls(reps=)`` does. Each JSON holds the
orderings, the endogenous indicator names and the averaged out-of-sample / in-sample PLS
and LM predictions; the tests turn the orderings into ``folds_indices``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import seminr as sm

sys.path.insert(0, str(Path(__file__).parent))
from make_seminr_port import (  # noqa: E402
    CORP_BLOCKS,
    CORP_PATHS,
    DATA,
    MOBI_BLOCKS,
    MOBI_PATHS,
    OUT,
    acsi_syntax,
    seminr_models,
)


def run(name, blocks, paths, data, technique, folds, reps, seed, missing_value=None, note=""):
    mm, smm = seminr_models(blocks, paths)
    model = sm.estimate_pls(data, mm, smm, missing=sm.mean_replacement, missing_value=missing_value)
    n = int(model.data.values.shape[0])
    rng = np.random.default_rng(seed)
    orderings = [rng.permutation(n).tolist() for _ in range(reps)]
    tech = sm.predict_DA if technique == "direct" else sm.predict_EA
    acc: dict[str, list[np.ndarray]] = {k: [] for k in ("pls", "pls_in", "lm", "lm_in")}
    items = None
    for order in orderings:
        pr = sm.predict_pls(model, technique=tech, no_folds=folds, ordering=order)
        it = pr.items
        items = list(it.pls_out_of_sample.cols)
        assert list(it.lm_out_of_sample.cols) == items
        acc["pls"].append(np.asarray(it.pls_out_of_sample.values))
        acc["pls_in"].append(np.asarray(it.pls_in_sample.values))
        acc["lm"].append(np.asarray(it.lm_out_of_sample.values))
        acc["lm_in"].append(np.asarray(it.lm_in_sample.values))
    avg = {k: np.mean(v, axis=0).tolist() for k, v in acc.items()}
    out = {
        "generator": f"PyPI seminr {sm.__version__} (port of R seminr), tests/reference/make_seminr_predict.py",
        "note": note,
        "acsi_model": acsi_syntax(blocks, paths),
        "consistent": any(m == "C" for _, _, m in blocks),
        "missing_value": missing_value,
        "technique": technique,
        "folds": folds,
        "reps": reps,
        "n": n,
        "orderings": orderings,
        "items": items,
        **avg,
    }
    (OUT / f"{name}.json").write_text(json.dumps(out))
    print(name, n, items, file=sys.stderr)


def main() -> None:
    corp = pd.read_csv(DATA / "corp_rep_data.csv")
    mobi = pd.read_csv(DATA / "mobi.csv")
    run("predict_corp_rep_da", CORP_BLOCKS, CORP_PATHS, corp, "direct", 10, 10, 2026_1203,
        missing_value=-99,
        note="Hair et al. (PLS-SEM using R, ch. 6) corporate reputation model, mean replacement, "
             "predict_DA, 10 folds x 10 repetitions")
    mobi_a = [(c, items, "A") for c, items, _ in MOBI_BLOCKS]
    run("predict_mobi_ea", mobi_a, MOBI_PATHS, mobi, "earliest", 5, 2, 7,
        note="ECSI on mobi, Mode A composites, predict_EA, 5 folds x 2 repetitions")
    run("predict_mobi_plsc_da", MOBI_BLOCKS, MOBI_PATHS, mobi, "direct", 10, 1, 11,
        note="ECSI on mobi, every construct reflective() (PLSc), predict_DA, 10 folds")


if __name__ == "__main__":
    main()
