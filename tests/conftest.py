"""Shared fixtures of the test suite.

Data sets
    ``hs`` (Holzinger-Swineford), ``poldem`` (Political Democracy), ``mobi`` (ECSI mobile
    phone), ``satisfaction`` (plspm bank survey), ``corp_rep`` (-99 as missing),
    ``corp_rep_raw`` (-99 kept), ``servqual`` and ``ebanking``: session-scoped, loaded once
    per test process. They are shared read-only: a test that wants to change one works on
    ``df.copy()``. Each fixture checks at the end of the session that nobody changed it (a
    test that did fails in teardown, naming the data set).

Models
    ``ECSI_MOBI`` (the full ECSI model on ``mobi``: seminr's ``mobi_mm``/``mobi_sm``, all
    reflective), ``ECSI_MOBI_BASIC`` (Image, Expectation, composite Value -> Satisfaction)
    and ``HS_MODEL`` (the three-factor CFA), also as the fixtures ``ecsi_mobi_model``,
    ``ecsi_mobi_basic_model`` and ``hs_model``.

Reference fixtures
    ``seminr_ref(name)`` loads ``tests/data/seminr/<name>.json``; ``reference(path)`` any JSON
    reference under ``tests/data``; ``DATA_DIR`` is that folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from acsi import datasets

DATA_DIR = Path(__file__).parent / "data"
SEMINR_DIR = DATA_DIR / "seminr"

ECSI_MOBI = """
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

ECSI_MOBI_BASIC = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""

HS_MODEL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"

#: Bollen's Political Democracy SEM with its six residual covariances (lavaan's example).
POLDEM_MODEL = """
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ ind60
  dem65 ~ ind60 + dem60
  y1 ~~ y5
  y2 ~~ y4 + y6
  y3 ~~ y7
  y4 ~~ y8
  y6 ~~ y8
"""

_LOADERS: dict[str, Callable[[], pd.DataFrame]] = {
    "hs": datasets.load_holzinger_swineford,
    "poldem": datasets.load_political_democracy,
    "mobi": datasets.load_mobi,
    "satisfaction": datasets.load_satisfaction,
    "corp_rep": datasets.load_corp_rep,
    "corp_rep_raw": lambda: datasets.load_corp_rep(na_code=None),
    "servqual": datasets.load_servqual,
    "ebanking": datasets.load_ebanking,
}


def _shared(name: str) -> Iterator[pd.DataFrame]:
    df = _LOADERS[name]()
    pristine = df.copy()
    yield df
    unchanged = (
        df.shape == pristine.shape
        and df.columns.equals(pristine.columns)
        and df.index.equals(pristine.index)
        and df.dtypes.equals(pristine.dtypes)
        and df.equals(pristine)
    )
    if not unchanged:
        pytest.fail(
            f"the shared data set fixture {name!r} was changed by a test; work on {name}.copy() instead",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def hs() -> Iterator[pd.DataFrame]:
    """Holzinger and Swineford (1939), 301 rows (lavaan's HolzingerSwineford1939)."""
    yield from _shared("hs")


@pytest.fixture(scope="session")
def poldem() -> Iterator[pd.DataFrame]:
    """Bollen's Political Democracy data, 75 rows."""
    yield from _shared("poldem")


@pytest.fixture(scope="session")
def mobi() -> Iterator[pd.DataFrame]:
    """ECSI mobile-phone survey, 250 x 24 (seminr's mobi)."""
    yield from _shared("mobi")


@pytest.fixture(scope="session")
def satisfaction() -> Iterator[pd.DataFrame]:
    """plspm's bank satisfaction survey, 250 rows."""
    yield from _shared("satisfaction")


@pytest.fixture(scope="session")
def corp_rep() -> Iterator[pd.DataFrame]:
    """Corporate reputation data with -99 turned into NaN."""
    yield from _shared("corp_rep")


@pytest.fixture(scope="session")
def corp_rep_raw() -> Iterator[pd.DataFrame]:
    """Corporate reputation data as shipped (-99 marks a missing answer)."""
    yield from _shared("corp_rep_raw")


@pytest.fixture(scope="session")
def servqual() -> Iterator[pd.DataFrame]:
    """SERVQUAL items plus satisfaction, n = 411 (cSEM)."""
    yield from _shared("servqual")


@pytest.fixture(scope="session")
def ebanking() -> Iterator[pd.DataFrame]:
    """The synthetic e-banking survey (54 respondents, Q1-Q17)."""
    yield from _shared("ebanking")


@pytest.fixture(scope="session")
def ecsi_mobi_model() -> str:
    """The full ECSI model on mobi (seminr's mobi_mm / mobi_sm, all reflective)."""
    return ECSI_MOBI


@pytest.fixture(scope="session")
def ecsi_mobi_basic_model() -> str:
    """Image, Expectation and composite Value -> Satisfaction (seminr fixture M1)."""
    return ECSI_MOBI_BASIC


@pytest.fixture(scope="session")
def hs_model() -> str:
    """The three-factor Holzinger-Swineford CFA."""
    return HS_MODEL


@cache
def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_reference(path: str | Path) -> Any:
    """A JSON reference under tests/data (``"seminr/M2_full_ecsi.json"``), parsed once."""
    p = Path(path)
    return _json(p if p.is_absolute() else DATA_DIR / p)


def load_seminr(name: str) -> Any:
    """The seminr fixture ``tests/data/seminr/<name>.json`` (e.g. ``"M2_full_ecsi"``)."""
    return load_reference(SEMINR_DIR / f"{name}.json")


@pytest.fixture(scope="session")
def seminr_ref() -> Callable[[str], Any]:
    """``seminr_ref("M2_full_ecsi")``: a seminr reference fixture (parsed JSON, shared; do not change it)."""
    return load_seminr


@pytest.fixture(scope="session")
def reference() -> Callable[[str | Path], Any]:
    """``reference("psych/alpha_hs.json")``: any JSON reference under tests/data."""
    return load_reference
