"""Write tests/data/partable_pins.json from the build_partable on PYTHONPATH.

Usage (from a checkout whose builder is the one to pin)::

    PYTHONPATH=$PWD python tests/reference/make_partable_pins.py $PWD tests/data/partable_pins.json

Every model of tests/data/lavaan/*.json under its lavaan options and with std_lv,
meanstructure and fixed_x flipped, as SHA-256 digests of the full table (all columns and
variable sets, or the error raised), plus the complete tables of a few zoo models.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from acsi.spec.partable import build_partable

FIELDS = ("lhs", "op", "rhs", "user", "free", "par", "ustart", "label", "plabel", "exo", "line", "where")
SETS = ("ov_names", "lv_names", "ov_x", "ov_y", "lv_x", "lv_y", "ov_ind", "meanstructure", "std_lv",
        "fixed_x", "npar")
FULL = ["zoo_hs_path_defined", "zoo_hs_explicit_equality_var", "zoo_pd_fixedx_path_mlr",
        "zoo_hs_mimic_mlr_meanstructure_defined", "zoo_hs_single_indicator_fixed_resid",
        "zoo_hs_second_order_stdlv_mlr", "zoo_hs_fixed_loadings_na"]


def table(model: str, **kw: bool) -> dict[str, Any]:
    try:
        pt = build_partable(model, **kw)
    except Exception as e:  # noqa: BLE001 - the error is part of the pin
        return {"error": type(e).__name__, "message": str(e)}
    out: dict[str, Any] = {}
    for f in FIELDS + SETS:
        v = getattr(pt, f)
        out[f] = [None if isinstance(x, float) and np.isnan(x) else x for x in v] if isinstance(v, tuple) else v
    return out


def digest(t: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(t, sort_keys=True).encode()).hexdigest()


def main(root: Path, out: str) -> None:
    pins: dict[str, Any] = {"fields": list(FIELDS + SETS), "full": {}, "sha256": {}}
    for f in sorted((root / "tests" / "data" / "lavaan").glob("*.json")):
        d = json.loads(f.read_text())
        if "model" not in d:
            continue
        o = d.get("options", {})
        sl, ms, fx = bool(o.get("std.lv", False)), bool(o.get("meanstructure", False)), bool(o.get("fixed.x", True))
        variants = {
            "ref": dict(std_lv=sl, meanstructure=ms, fixed_x=fx),
            "std_lv": dict(std_lv=not sl, meanstructure=ms, fixed_x=fx),
            "meanstructure": dict(std_lv=sl, meanstructure=not ms, fixed_x=fx),
            "fixed_x": dict(std_lv=sl, meanstructure=ms, fixed_x=not fx),
        }
        for tag, kw in variants.items():
            t = table(d["model"], **kw)
            pins["sha256"][f"{f.stem}|{tag}"] = {"kwargs": kw, "digest": digest(t)}
            if tag == "ref" and f.stem in FULL:
                pins["full"][f.stem] = {"kwargs": kw, "table": t}
    assert set(FULL) <= set(pins["full"]), set(FULL) - set(pins["full"])
    Path(out).write_text(json.dumps(pins, indent=1, sort_keys=True))
    print(len(pins["sha256"]), "cases")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
