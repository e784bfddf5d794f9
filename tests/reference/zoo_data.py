"""Write the data files that tests/reference/r_zoo_reliability.R reads (run from the repo root).

tests/data/psych/zoo_ebanking.csv: the numeric columns of acsi.datasets.load_ebanking()
(Q7_* and Q8-Q17; synthetic data, see acsi.datasets.ebanking).
tests/data/psych/zoo_mixed_scales.csv: items on very different scales built from
satisfaction.csv: s1-s3 = sat1-sat3, big = 25 * sat4, small = loy1 / 10, rev = 11 - loy2
(a reverse-worded item), sum12 = sat1 + sat2 (an exact linear combination: a singular
correlation matrix).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import acsi

out = Path("tests/data/psych")
eb = acsi.datasets.load_ebanking()
cols = [c for c in eb.columns if c.startswith("Q7_")] + [f"Q{k}" for k in range(8, 18)]
eb[cols].to_csv(out / "zoo_ebanking.csv", index=False)
sat = acsi.datasets.load_satisfaction()
mix = pd.DataFrame({"s1": sat["sat1"], "s2": sat["sat2"], "s3": sat["sat3"], "big": 25 * sat["sat4"],
                    "small": sat["loy1"] / 10, "rev": 11 - sat["loy2"],
                    "sum12": sat["sat1"] + sat["sat2"]})
mix.to_csv(out / "zoo_mixed_scales.csv", index=False)
