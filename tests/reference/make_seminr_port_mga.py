"""MGA and mediation references from the PyPI seminr port (tests/data/seminr/mga_port_mobi.json).

Run from the repository root with the dev environment:

    python tests/reference/make_seminr_port_mga.py

The PyPI package ``seminr`` (0.2.1, a port of R seminr matching it to ~1e-15 on mobi)
implements ``estimate_pls_mga`` (R seminr's estimate_pls_mga.R: per-group refit, per-group
bootstrap, Henseler's ``pls_mga_p``) and ``specific_effect_significance`` /
``total_indirect_ci`` (report_paths_and_intervals.R) and accepts given resample rows, so
acsi can be compared with it resample by resample. It is a dev-only peer: the tests read
only the JSON written here.

Cases
-----
* ``mga``: the full ECSI model (M2: 7 Mode A composites) on mobi with seminr's default mean
  replacement, split by seminr's own test grouping (``set.seed(798234); sample(c(TRUE,
  FALSE), 250, replace = TRUE)``, stored in mga_mobi_100.json), 100 resamples per group
  whose 0-based rows within each group are drawn here with ``numpy.random.default_rng(2026)``.
* ``mediation``: M2 bootstrapped with the 100 resamples R drew (boot_indices_m2.json, minus
  1); specific effects of several chains (0 to 4 mediators) and a total indirect interval.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import seminr as sm

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "seminr" / "mga_port_mobi.json"
DATA = ROOT / "acsi" / "datasets" / "data"

BLOCKS = [
    ("Image", [f"IMAG{i}" for i in range(1, 6)]),
    ("Expectation", [f"CUEX{i}" for i in range(1, 4)]),
    ("Quality", [f"PERQ{i}" for i in range(1, 8)]),
    ("Value", [f"PERV{i}" for i in range(1, 3)]),
    ("Satisfaction", [f"CUSA{i}" for i in range(1, 4)]),
    ("Complaints", ["CUSCO"]),
    ("Loyalty", [f"CUSL{i}" for i in range(1, 4)]),
]
PATHS = [
    ("Image", ["Expectation", "Satisfaction", "Loyalty"]),
    ("Expectation", ["Quality", "Value", "Satisfaction"]),
    ("Quality", ["Value", "Satisfaction"]),
    ("Value", ["Satisfaction"]),
    ("Satisfaction", ["Complaints", "Loyalty"]),
    ("Complaints", ["Loyalty"]),
]
CHAINS = [
    ("Image", [], "Loyalty"),
    ("Image", ["Expectation"], "Satisfaction"),
    ("Image", ["Satisfaction"], "Loyalty"),
    ("Expectation", ["Quality", "Satisfaction"], "Loyalty"),
    ("Image", ["Expectation", "Quality", "Value"], "Satisfaction"),
    ("Image", ["Expectation", "Quality", "Satisfaction", "Complaints"], "Loyalty"),
]


def main() -> None:
    mobi = pd.read_csv(DATA / "mobi.csv")
    mm = sm.constructs(*[sm.composite(c, items) for c, items in BLOCKS])
    smm = sm.relationships(*[sm.paths(from_=s, to=t) for s, t in PATHS])
    model = sm.estimate_pls(mobi, mm, smm)
    cond = np.array(json.loads((ROOT / "tests/data/seminr/mga_mobi_100.json").read_text())["condition"])
    rng = np.random.default_rng(2026)
    n1, n2 = int(cond.sum()), int((~cond).sum())
    idx1 = rng.integers(0, n1, size=(100, n1))
    idx2 = rng.integers(0, n2, size=(100, n2))
    rows = sm.estimate_pls_mga(model, cond, nboot=100, group1_indices=idx1, group2_indices=idx2)
    mga = {
        "condition": cond.tolist(),
        "group1_indices": idx1.tolist(),
        "group2_indices": idx2.tolist(),
        "table": [r.__dict__ for r in rows],
    }
    bidx = np.asarray(json.loads((ROOT / "tests/data/seminr/boot_indices_m2.json").read_text())["indices"]) - 1
    boot = sm.bootstrap_model(model, 100, indices=bidx)
    effects = []
    for f, through, t in CHAINS:
        e = sm.specific_effect_significance(boot, from_=f, to=t, through=through, alpha=0.05)
        effects.append({"from": f, "through": through, "to": t, **e.__dict__})
    ti = sm.total_indirect_ci(boot, from_="Image", to="Loyalty", alpha=0.05)
    out = {
        "generator": f"PyPI seminr {sm.__version__} (port of R seminr), tests/reference/make_seminr_port_mga.py",
        "mga": mga,
        "mediation": {"indices": "boot_indices_m2.json minus 1", "specific_effects": effects,
                      "total_indirect_ci_image_loyalty": [ti.lower, ti.upper]},
    }
    OUT.write_text(json.dumps(out, indent=0))


if __name__ == "__main__":
    main()
