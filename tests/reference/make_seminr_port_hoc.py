"""Bootstrap references for higher-order and interaction models from the PyPI seminr port.

Run from the repository root with the dev environment (writes
tests/data/seminr/port_hoc_interaction_boot.json):

    python tests/reference/make_seminr_port_hoc.py

R seminr is not installable here; the PyPI port (0.2.1) refits ``estimate_pls`` on every
resample exactly as R's ``bootstrap_model`` (for a HOC the whole two-stage procedure, for
an interaction the product items / orthogonal residuals / first stage), and accepts the
resamples as 0-based row indices. The same indices are given to acsi's bootstrap; the
tests compare every replicate's path coefficients (and for the HOC its stage-2 weights).

Cases (mobi, seminr's default mean replacement; mobi has no missing values):

* ``hoc``: seminr's test-hoc.R model: Satisfaction = higher_composite(Image, Value),
  Expectation + Quality -> Satisfaction -> Complaints, Loyalty.
* ``pi``, ``orthogonal``, ``two_stage``: Image, Expectation, Value, Image*Expectation ->
  Satisfaction with the three interaction methods, path weighting.
* ``hoc_2si``: seminr's second test-hoc.R model (a HOC and a two-stage interaction).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import seminr as sm

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "seminr" / "port_hoc_interaction_boot.json"
N_BOOT = 40
SEED = 2026


def items(prefix: str, n: int, start: int = 1) -> list[str]:
    return [f"{prefix}{i}" for i in range(start, n + 1)]


def models() -> dict[str, tuple[list, list]]:
    hoc_mm = sm.constructs(
        sm.composite("Image", items("IMAG", 5)),
        sm.composite("Expectation", items("CUEX", 3)),
        sm.composite("Quality", items("PERQ", 7)),
        sm.composite("Value", items("PERV", 2)),
        sm.higher_composite("Satisfaction", ["Image", "Value"]),
        sm.composite("Complaints", sm.single_item("CUSCO")),
        sm.composite("Loyalty", items("CUSL", 3)),
    )
    hoc_sm = sm.relationships(
        sm.paths(from_=["Expectation", "Quality"], to="Satisfaction"),
        sm.paths(from_="Satisfaction", to=["Complaints", "Loyalty"]),
    )
    out = {"hoc": (hoc_mm, hoc_sm)}
    for name, method in (("pi", sm.product_indicator), ("orthogonal", sm.orthogonal),
                         ("two_stage", sm.two_stage)):
        mm = sm.constructs(
            sm.composite("Image", items("IMAG", 5)),
            sm.composite("Expectation", items("CUEX", 3)),
            sm.composite("Value", items("PERV", 2)),
            sm.composite("Satisfaction", items("CUSA", 3)),
            sm.interaction_term("Image", "Expectation", method=method),
        )
        smm = sm.relationships(
            sm.paths(from_=["Image", "Expectation", "Value", "Image*Expectation"], to="Satisfaction")
        )
        out[name] = (mm, smm)
    mm = sm.constructs(
        sm.composite("Image", items("IMAG", 5)),
        sm.composite("Expectation", items("CUEX", 3)),
        sm.composite("Quality", items("PERQ", 5)),
        sm.composite("Loyalty", items("CUSL", 3)),
        sm.composite("Value", items("PERV", 2)),
        sm.higher_composite("Nick", ["Quality", "Loyalty"]),
        sm.composite("Satisfaction", items("CUSA", 3)),
        sm.interaction_term("Image", "Expectation", method=sm.two_stage),
    )
    smm = sm.relationships(
        sm.paths(from_=["Image", "Expectation", "Value", "Nick", "Image*Expectation"], to="Satisfaction")
    )
    out["hoc_2si"] = (mm, smm)
    return out


def main() -> None:
    mobi = pd.read_csv(ROOT / "acsi" / "datasets" / "data" / "mobi.csv")
    idx = np.random.default_rng(SEED).integers(0, len(mobi), size=(N_BOOT, len(mobi)))
    cases = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (mm, smm) in models().items():
            model = sm.estimate_pls(mobi, mm, smm)
            boot = sm.bootstrap_model(model, nboot=N_BOOT, indices=idx)
            pc = model.path_coef
            pairs = [(r, c) for i, r in enumerate(pc.rows) for j, c in enumerate(pc.cols) if pc.values[i, j] != 0]
            reps = [[float(b.values[b.rows.index(r), b.cols.index(c)]) for r, c in pairs] for b in boot.boot_paths]
            w = model.outer_weights
            wpairs = [(r, c) for i, r in enumerate(w.rows) for j, c in enumerate(w.cols) if w.values[i, j] != 0]
            wreps = [[float(b.values[b.rows.index(r), b.cols.index(c)]) for r, c in wpairs] for b in boot.boot_weights]
            cases[name] = {
                "paths": [list(p) for p in pairs],
                "boot_paths": reps,
                "weights": [list(p) for p in wpairs],
                "boot_weights": wreps,
                "fails": int(boot.fails),
            }
    OUT.write_text(json.dumps({
        "generator": f"seminr (PyPI port) {sm.__version__}",
        "indices_0based": idx.tolist(),
        "cases": cases,
    }))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
