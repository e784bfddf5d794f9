"""Public data sets shipped with acsi, with their sources.

=========================  ==========================================================
loader                     source
=========================  ==========================================================
``load_mobi``              ECSI mobile-phone survey (Tenenhaus, Esposito Vinzi, Chatelin
                           and Lauro 2005, *Computational Statistics & Data Analysis* 48,
                           159-205); 250 x 24 items on 1-10 scales; as shipped by R seminr.
``load_satisfaction``      ECSI-style bank survey from R plspm (Sanchez 2013, *PLS Path
                           Modeling with R*); 250 x 27 items (1-10) plus gender.
``load_holzinger_swineford`` Holzinger and Swineford (1939) mental ability tests, as in R
                           lavaan (``HolzingerSwineford1939``); 301 rows.
``load_political_democracy`` Bollen (1989) Political Democracy data, as in R lavaan; 75 rows.
``load_corp_rep``          Hair et al. (2017) corporate reputation data (seminr
                           ``corp_rep_data``); -99 marks a missing answer.
``load_servqual``          SERVQUAL 22 items plus satisfaction, n = 411, 0-100 (R cSEM).
``load_ebanking``          SYNTHETIC reconstruction of the seed e-banking survey (54
                           respondents, Q1-Q17); reproduces the published marginals only.
=========================  ==========================================================

Each loader returns a fresh :class:`pandas.DataFrame`; ``DataFrame.attrs`` carries the
source and the item scale.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import pandas as pd

__all__ = [
    "load_mobi",
    "load_satisfaction",
    "load_holzinger_swineford",
    "load_political_democracy",
    "load_corp_rep",
    "load_servqual",
    "load_ebanking",
]


def _read(name: str, attrs: dict[str, Any], **kwargs: Any) -> pd.DataFrame:
    path = resources.files("acsi.datasets") / "data" / name
    with resources.as_file(path) as p:
        df = pd.read_csv(p, **kwargs)
    df.attrs.update(attrs)
    return df


def load_mobi() -> pd.DataFrame:
    """ECSI mobile-phone survey (Tenenhaus et al. 2005): 250 respondents, 24 items on 1-10.

    Items: IMAG1-5 (image), CUEX1-3 (expectations), PERQ1-7 (perceived quality), PERV1-2
    (perceived value), CUSA1-3 (satisfaction), CUSCO (complaints), CUSL1-3 (loyalty).

    Examples
    --------
    >>> from acsi.datasets import load_mobi
    >>> load_mobi().shape
    (250, 24)
    """
    return _read(
        "mobi.csv",
        {
            "source": "Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), CSDA 48:159-205; "
            "data as shipped by R seminr (mobi)",
            "scale": (1, 10),
        },
    )


def load_satisfaction() -> pd.DataFrame:
    """ECSI-style bank customer survey from R plspm: 250 x 27 items on 1-10, plus ``gender``.

    Blocks: imag1-5 (image), expe1-5 (expectations), qual1-5 (quality), val1-4 (value),
    sat1-4 (satisfaction), loy1-4 (loyalty). ``gender`` is a categorical column.

    Examples
    --------
    >>> from acsi.datasets import load_satisfaction
    >>> load_satisfaction().shape
    (250, 28)
    """
    df = _read(
        "satisfaction.csv",
        {"source": "R package plspm, data(satisfaction) (Sanchez 2013)", "scale": (1, 10)},
    )
    df["gender"] = df["gender"].astype("category")
    return df


def load_holzinger_swineford() -> pd.DataFrame:
    """Holzinger & Swineford (1939) mental ability data (lavaan's ``HolzingerSwineford1939``).

    Examples
    --------
    >>> from acsi.datasets import load_holzinger_swineford
    >>> load_holzinger_swineford().shape[0]
    301
    """
    return _read(
        "holzinger_swineford_1939.csv",
        {"source": "Holzinger & Swineford (1939); R lavaan HolzingerSwineford1939"},
    )


def load_political_democracy() -> pd.DataFrame:
    """Bollen's (1989) Political Democracy data (lavaan's ``PoliticalDemocracy``), 75 countries.

    Examples
    --------
    >>> from acsi.datasets import load_political_democracy
    >>> load_political_democracy().shape[0]
    75
    """
    return _read(
        "political_democracy.csv",
        {"source": "Bollen (1989), Structural Equations with Latent Variables; R lavaan PoliticalDemocracy"},
    )


def load_corp_rep(na_code: float | None = -99) -> pd.DataFrame:
    """Hair et al. (2017) corporate reputation data (seminr ``corp_rep_data``).

    Parameters
    ----------
    na_code : float or None, default -99
        The code that marks a missing answer in the file; it is turned into NaN. Pass
        ``None`` to keep the raw codes.

    Examples
    --------
    >>> from acsi.datasets import load_corp_rep
    >>> int(load_corp_rep().isna().sum().sum()) > 0
    True
    """
    if na_code is not None:
        from acsi._validation import check_number

        na_code = check_number(na_code, "na_code", hint="the missing-answer code, e.g. -99, or None")
    df = _read(
        "corp_rep_data.csv",
        {"source": "Hair, Hult, Ringle & Sarstedt (2017), A Primer on PLS-SEM; R seminr corp_rep_data",
         "scale": (1, 7)},
    )
    if na_code is not None:
        df = df.mask(df == na_code)
    return df


def load_servqual() -> pd.DataFrame:
    """SERVQUAL perceptions (22 items) plus satisfaction, n = 411, 0-100 scale (R cSEM).

    Examples
    --------
    >>> from acsi.datasets import load_servqual
    >>> load_servqual().shape[0]
    411
    """
    return _read("servqual_sq.csv", {"source": "R package cSEM", "scale": (0, 100)})


def __dir__() -> list[str]:
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    # load_ebanking lives in its own module (a generator); imported on first use.
    if name == "load_ebanking":
        from acsi.datasets.ebanking import load_ebanking

        return load_ebanking
    raise AttributeError(f"module 'acsi.datasets' has no attribute {name!r}")
