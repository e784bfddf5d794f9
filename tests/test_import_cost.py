"""``import acsi`` stays light: heavy modules load on first use (checked in a fresh process,
which is deterministic; the time itself is measured by ``benchmarks/bench_demo.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ["numpy", "pandas", "scipy", "scipy.stats", "scipy.optimize", "matplotlib", "matplotlib.pyplot",
         "statsmodels", "openpyxl", "docx", "tqdm", "dask", "pyreadstat"]


def _loaded(code: str) -> set[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    probe = code + f"\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_acsi_loads_no_heavy_module() -> None:
    assert _loaded("import acsi") == set()


def test_the_exceptions_and_version_need_nothing_heavy() -> None:
    assert _loaded("import acsi\nacsi.__version__\nacsi.SpecificationError\ndir(acsi)") == set()


def test_a_fit_loads_neither_plotting_nor_optional_packages() -> None:
    loaded = _loaded("import acsi\nacsi.datasets.load_mobi()\n"
                     "acsi.pls('A =~ IMAG1 + IMAG2\\nB =~ CUSA1 + CUSA2\\nB ~ A', acsi.datasets.load_mobi())")
    assert {"numpy", "pandas"} <= loaded
    assert not loaded & {"matplotlib", "matplotlib.pyplot", "statsmodels", "openpyxl", "docx", "tqdm", "dask"}


def test_analysis_modules_import_scipy_stats_on_use() -> None:
    """scipy.stats (and scipy.optimize) come in when a function needs them, not with the module
    (``from acsi._lazy import stats``): the report's own modules load neither."""
    loaded = _loaded("import acsi.survey, acsi.reliability, acsi.stats, acsi.cbsem.api, acsi.plspm.api, acsi.report")
    assert not loaded & {"scipy.stats", "scipy.optimize", "matplotlib.pyplot", "statsmodels"}


def test_the_report_and_conversion_need_no_scipy_stats() -> None:
    """survey.conversion (Fisher's exact test, normal tail) and the Wilson intervals use
    scipy.special and acsi.stats.exact: scipy.stats' import (a third of a second) is saved."""
    loaded = _loaded("import acsi\nd = acsi.datasets.load_ebanking()\n"
                     "acsi.survey.conversion(d['Q12'], d['Q16'])\nacsi.survey.top_box(d['Q16'])\n"
                     "acsi.survey.response_styles(d, ['Q8', 'Q9', 'Q10'])")
    assert "scipy.stats" not in loaded
