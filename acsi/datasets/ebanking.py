"""The e-banking survey: a SYNTHETIC reconstruction of the seed study's 54 questionnaires.

The seed study (a student research report on the online banking service of a large Chinese
commercial bank) published only counts and percentages, never its raw answers. This module
rebuilds a plausible raw data set that reproduces every published figure exactly, so that the
analyses the report could not do (reliability, structural model, NPS, conversion) can be shown
on data with the same marginals. It is **not** the original data: only the published
marginals are real; joint distributions, within-bin splits and correlations are modelled.

How the data are made (:func:`generate_ebanking`)
-------------------------------------------------
1. A latent model is drawn for 54 respondents with a seeded :class:`numpy.random.Generator`:
   a general satisfaction factor ``S``; four SERVQUAL dimensions ``D_d = l_d S + e_d``
   (tangibles: Q8, Q9; assurance: Q10; reliability/responsiveness: Q11, Q14, Q15;
   empathy: Q12, Q13); loyalty ``L = b S + e``; item scores ``y = l D + e``.
2. Each 1-10 item gets a fixed target multiset of 54 answers (``TARGET_COUNTS``) whose
   bin counts are the published ones; the answers are handed out by rank of the latent item
   score (lowest latent score gets the lowest answer, ties in the answers broken by the
   latent order). The assignment keeps the latent ordering exactly, so every item is a
   monotone function of its latent score and the published marginals hold by construction.
3. The profile (Q1-Q4) and usage (Q5-Q7) questions are assigned the same way from latent
   Gaussian scores (age, education and income share a "seniority" factor; use of this
   bank's online banking, Q6, never exceeds use of online banking in general, Q5); the
   multiple-choice Q7 columns have the published counts and every respondent uses at least
   one function.

Choices that are ours, not the report's: the four smallest age brackets (2, 4, 3, 1), the
two extreme education levels (2 below high school, 4 above master's), the three income
levels the report calls "differ little" (6, 6, 6), every split inside a published bin, and
all of Q12, Q14, Q15, Q16, Q17 (see ``TARGET_COUNTS``). The pooled satisfaction figures use
exactly 251 agree (7-10) and 73 disagree (1-4) answers of the 432 Q8-Q15 answers
(251/432 = 58.1 %, 73/432 = 16.9 %, printed as 58 % and 17 %).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "load_ebanking",
    "generate_ebanking",
    "DEFAULT_SEED",
    "TARGET_COUNTS",
    "QUESTIONS",
    "CATEGORIES",
    "PUBLISHED",
    "MODEL",
]

#: Seed of the shipped file ``acsi/datasets/data/ebanking.csv``.
DEFAULT_SEED = 20061

N_RESPONDENTS = 54

#: Category labels of the categorical questions, in their natural order.
CATEGORIES: dict[str, list[str]] = {
    "Q1": ["male", "female"],
    "Q2": ["under 18", "18-29", "30-39", "40-49", "50 and over"],
    "Q3": ["below high school", "high school", "associate/bachelor", "master's", "above master's"],
    "Q4": ["<1000", "1000-2000", "2000-3000", "3000-5000", ">5000"],
    "Q5": ["fewer than 3", "3-5", "6-8", "9-10", "more than 10"],
    "Q6": ["fewer than 3", "3-5", "6-8", "9-10", "more than 10"],
}

#: Which categorical questions are ordinal.
ORDERED = {"Q1": False, "Q2": True, "Q3": True, "Q4": True, "Q5": True, "Q6": True}

#: Counts of the categorical questions (published, except where the module docstring says).
CATEGORY_COUNTS: dict[str, list[int]] = {
    "Q1": [30, 24],
    "Q2": [2, 44, 4, 3, 1],
    "Q3": [2, 6, 34, 8, 4],
    "Q4": [26, 6, 10, 6, 6],
    "Q5": [26, 16, 4, 4, 4],
    "Q6": [36, 10, 4, 2, 2],
}

Q7_COLUMNS = ["Q7_shopping", "Q7_topup", "Q7_transfer", "Q7_tickets", "Q7_investing"]
Q7_COUNTS = {"Q7_shopping": 48, "Q7_topup": 20, "Q7_transfer": 8, "Q7_tickets": 8, "Q7_investing": 6}

RATING_ITEMS = [f"Q{k}" for k in range(8, 18)]
SATISFACTION_ITEMS = [f"Q{k}" for k in range(8, 16)]
LOYALTY_ITEMS = ["Q16", "Q17"]

#: Target counts of the answers 1..10 per rating item (54 each). Their 1-4 / 5-6 / 7-10 sums
#: are the published ones for Q8-Q11 and Q13; Q12, Q14, Q15 together hold 108 agree and 10
#: disagree answers (the pooled 251 / 73 of 432); Q16, Q17 are our choice.
TARGET_COUNTS: dict[str, list[int]] = {
    #       1  2  3  4   5   6  7   8  9  10
    "Q8":  [1, 2, 3, 4, 7, 9, 10, 9, 5, 4],     # 10 / 16 / 28
    "Q9":  [1, 1, 2, 4, 3, 5, 11, 13, 8, 6],    # 8 / 8 / 38
    "Q10": [1, 2, 3, 4, 4, 6, 10, 12, 7, 5],    # 10 / 10 / 34
    "Q11": [2, 3, 4, 5, 5, 7, 10, 9, 5, 4],     # 14 / 12 / 28
    "Q12": [0, 1, 1, 2, 5, 7, 12, 13, 8, 5],    # 4 / 12 / 38
    "Q13": [3, 4, 6, 8, 8, 10, 6, 5, 2, 2],     # 21 / 18 / 15
    "Q14": [0, 0, 1, 2, 7, 9, 12, 12, 7, 4],    # 3 / 16 / 35
    "Q15": [0, 1, 1, 1, 7, 9, 12, 11, 8, 4],    # 3 / 16 / 35
    "Q16": [2, 3, 4, 5, 8, 10, 9, 7, 4, 2],     # 14 / 18 / 22
    "Q17": [2, 4, 5, 5, 9, 10, 8, 6, 3, 2],     # 16 / 19 / 19
}

#: Wording of every question (English translation of the seed questionnaire).
QUESTIONS: dict[str, str] = {
    "Q1": "gender",
    "Q2": "age bracket",
    "Q3": "education",
    "Q4": "monthly income (CNY)",
    "Q5": "online-banking uses per month (any bank)",
    "Q6": "uses per month of this bank's online banking",
    "Q7_shopping": "functions used: online shopping (multiple choice, 0/1)",
    "Q7_topup": "functions used: mobile top-up (multiple choice, 0/1)",
    "Q7_transfer": "functions used: transfers (multiple choice, 0/1)",
    "Q7_tickets": "functions used: air tickets etc. (multiple choice, 0/1)",
    "Q7_investing": "functions used: stocks/funds (multiple choice, 0/1)",
    "Q8": "applying for online banking is easy (tangibles)",
    "Q9": "the login page is clear (tangibles)",
    "Q10": "information is secure (assurance)",
    "Q11": "online staff feedback is timely and reliable (reliability/responsiveness)",
    "Q12": "the range of products is rich (empathy)",
    "Q13": "the service meets my personal needs (empathy)",
    "Q14": "staff handle complaints kindly (reliability/responsiveness)",
    "Q15": "staff handle complaints fairly (reliability/responsiveness)",
    "Q16": "I would recommend it to others (loyalty)",
    "Q17": "I would choose this bank's online-banking products first (loyalty)",
}

#: SERVQUAL dimension of each satisfaction item, and the loyalty block.
DIMENSIONS: dict[str, list[str]] = {
    "tangibles": ["Q8", "Q9"],
    "assurance": ["Q10"],
    "responsiveness": ["Q11", "Q14", "Q15"],
    "empathy": ["Q12", "Q13"],
    "loyalty": ["Q16", "Q17"],
}

#: A SERVQUAL-to-loyalty model of the items in lavaan syntax (the dimensions of the seed
#: report's mapping; assurance has one item).
MODEL = """\
Tangibles =~ Q8 + Q9
Assurance =~ Q10
Responsiveness =~ Q11 + Q14 + Q15
Empathy =~ Q12 + Q13
Loyalty =~ Q16 + Q17
Loyalty ~ Tangibles + Assurance + Responsiveness + Empathy
"""

#: The published figures the data reproduce (counts out of 54).
PUBLISHED: dict[str, Any] = {
    "Q1": {"male": 30, "female": 24},
    "Q2": {"18-29": 44},
    "Q3": {"associate/bachelor": 34, "master's": 8, "high school": 6,
           "below high school + above master's": 6},
    "Q4": {"<1000": 26, "2000-3000": 10, "1000-2000 + 3000-5000 + >5000": 18},
    "Q5": dict(zip(CATEGORIES["Q5"], [26, 16, 4, 4, 4])),
    "Q6": dict(zip(CATEGORIES["Q6"], [36, 10, 4, 2, 2])),
    "Q7": {"Q7_shopping": 48, "Q7_topup": 20, "Q7_transfer": 8, "Q7_tickets": 8, "Q7_investing": 6},
    "bins": {  # 1-4 disagree, 5-6 neutral, 7-10 agree
        "Q8": (10, 16, 28), "Q9": (8, 8, 38), "Q10": (10, 10, 34),
        "Q11": (14, 12, 28), "Q13": (21, 18, 15),
    },
    "pooled_Q8_Q15": {"agree": 251, "disagree": 73, "answers": 432,
                      "agree_pct": 58, "disagree_pct": 17},
}

# Latent model (standardised): loadings of the dimensions on S, of the items on their
# dimension, and the path S -> loyalty.
_DIM_ON_S = {"tangibles": 0.80, "assurance": 0.75, "responsiveness": 0.80, "empathy": 0.80}
_ITEM_LOADING = 0.85
_SINGLE_ITEM_LOADING = 0.90
_S_TO_LOYALTY = 0.75
_LOYALTY_LOADING = 0.90


def _assign_by_rank(score: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Give the sorted ``values`` to respondents in the order of ``score`` (ties by index)."""
    order = np.argsort(score, kind="stable")
    out = np.empty_like(values)
    out[order] = np.sort(values, kind="stable")
    return out


def _expand(counts: list[int]) -> np.ndarray:
    """Codes 0..k-1 repeated by their counts."""
    return np.repeat(np.arange(len(counts)), counts)


def _latent(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    S = rng.standard_normal(n)
    scores: dict[str, np.ndarray] = {}
    for dim, items in DIMENSIONS.items():
        if dim == "loyalty":
            lam, load = _S_TO_LOYALTY, _LOYALTY_LOADING
        else:
            lam = _DIM_ON_S[dim]
            load = _ITEM_LOADING if len(items) > 1 else _SINGLE_ITEM_LOADING
        D = lam * S + np.sqrt(1.0 - lam**2) * rng.standard_normal(n)
        for item in items:
            scores[item] = load * D + np.sqrt(1.0 - load**2) * rng.standard_normal(n)
    return scores


def _usage(rng: np.random.Generator, n: int, satisfaction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q5 and Q6 codes with the published counts and Q6 <= Q5 for every respondent."""
    u = 0.8 * rng.standard_normal(n) + 0.2 * satisfaction
    q5 = _assign_by_rank(u, _expand(CATEGORY_COUNTS["Q5"]))
    # comonotone start (feasible because Q6 is stochastically smaller than Q5) ...
    q6 = _assign_by_rank(q5 + 1e-3 * u, _expand(CATEGORY_COUNTS["Q6"]))
    # ... then seeded swaps that keep the constraint mix the pairing.
    for _ in range(4000):
        i, j = rng.integers(0, n, size=2)
        if q6[i] <= q5[j] and q6[j] <= q5[i]:
            q6[i], q6[j] = q6[j], q6[i]
    return q5, q6


def _functions(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Q7 0/1 columns with the published counts; every respondent uses at least one."""
    for _ in range(10_000):
        cols = {}
        for name in Q7_COLUMNS:
            x = np.zeros(n, dtype=np.int64)
            x[rng.permutation(n)[: Q7_COUNTS[name]]] = 1
            cols[name] = x
        if (np.vstack(list(cols.values())).sum(axis=0) >= 1).all():
            return cols
    raise RuntimeError("no Q7 assignment found")  # pragma: no cover - probability ~0


def generate_ebanking(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Generate the SYNTHETIC e-banking survey (54 respondents, Q1-Q17) from a seed.

    Every published figure of the seed study holds for every seed (they are imposed by the
    rank assignment described in :mod:`acsi.datasets.ebanking`); the seed changes only who
    answers what. ``generate_ebanking(DEFAULT_SEED)`` equals :func:`load_ebanking`.

    Parameters
    ----------
    seed : int
        Seed of the :class:`numpy.random.Generator` (PCG64).

    Returns
    -------
    DataFrame
        54 rows; ``Q1``-``Q6`` categoricals, ``Q7_*`` 0/1 integers, ``Q8``-``Q17`` integers
        1-10; ``attrs`` says it is synthetic and describes each column.

    Examples
    --------
    >>> from acsi.datasets.ebanking import generate_ebanking
    >>> df = generate_ebanking(seed=1)
    >>> df.shape, int((df["Q1"] == "male").sum()), int(df["Q7_shopping"].sum())
    ((54, 21), 30, 48)
    """
    rng = np.random.default_rng(seed)
    n = N_RESPONDENTS
    latent = _latent(rng, n)
    data: dict[str, Any] = {}

    # Profile: gender at random; age, education, income share a "seniority" factor.
    data["Q1"] = rng.permutation(_expand(CATEGORY_COUNTS["Q1"]))
    senior = rng.standard_normal(n)
    for q, rho in (("Q2", 0.7), ("Q3", 0.5), ("Q4", 0.7)):
        z = rho * senior + np.sqrt(1 - rho**2) * rng.standard_normal(n)
        data[q] = _assign_by_rank(z, _expand(CATEGORY_COUNTS[q]))
    sat = np.mean([latent[i] for i in SATISFACTION_ITEMS], axis=0)
    data["Q5"], data["Q6"] = _usage(rng, n, sat)
    data.update(_functions(rng, n))
    for item in RATING_ITEMS:
        data[item] = _assign_by_rank(latent[item], _expand(TARGET_COUNTS[item]) + 1)

    df = pd.DataFrame({k: data[k] for k in ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", *Q7_COLUMNS, *RATING_ITEMS]})
    df.index = pd.RangeIndex(1, n + 1, name="respondent")
    for item in [*Q7_COLUMNS, *RATING_ITEMS]:
        df[item] = df[item].astype("int64")
    return _finish(df, seed)


def _finish(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Codes -> labelled categoricals, and the metadata."""
    for q, labels in CATEGORIES.items():
        codes = df[q].to_numpy()
        if not np.issubdtype(codes.dtype, np.integer):
            raise ValueError(f"column {q} must hold integer codes")  # pragma: no cover
        df[q] = pd.Categorical.from_codes(codes, categories=labels, ordered=ORDERED[q])
    df.attrs.update(_metadata(seed))
    return df


def _metadata(seed: int) -> dict[str, Any]:
    return {
        "source": "SYNTHETIC reconstruction of the e-banking satisfaction survey of the acsi seed "
        "study (54 questionnaires on a large Chinese commercial bank's online banking); "
        "generated by acsi.datasets.ebanking.generate_ebanking",
        "synthetic": True,
        "note": "synthetic reconstruction; reproduces published marginals only",
        "seed": seed,
        "scale": (1, 10),
        "questions": dict(QUESTIONS),
        "dimensions": {k: list(v) for k, v in DIMENSIONS.items()},
        "model": MODEL,
        "bins": {"1-2": "strongly disagree", "3-4": "disagree", "5-6": "neutral",
                 "7-8": "agree", "9-10": "strongly agree"},
    }


def _data_path(name: str) -> Any:
    return resources.files("acsi.datasets") / "data" / name


def load_ebanking() -> pd.DataFrame:
    """The SYNTHETIC e-banking survey of the seed study: 54 respondents, questions Q1-Q17.

    A synthetic reconstruction, not the original answers: it reproduces every figure the
    seed report published (Q1 30/24; 44 aged 18-29; education 34/8/6 + 6; income 26 below
    1000 and 10 at 2000-3000; the Q5 and Q6 usage tables; Q7 shares 48/20/8/8/6; the
    1-4 / 5-6 / 7-10 counts of Q8-Q11 and Q13; 251 agree and 73 disagree of the 432
    Q8-Q15 answers, i.e. 58 % and 17 %) and is otherwise modelled (SERVQUAL dimensions ->
    satisfaction -> loyalty). See :mod:`acsi.datasets.ebanking` for how it is made.

    Columns: ``Q1`` gender, ``Q2`` age bracket, ``Q3`` education, ``Q4`` monthly income,
    ``Q5`` / ``Q6`` online-banking uses per month (any bank / this bank) as pandas
    categoricals (ordered where ordinal); ``Q7_shopping``, ``Q7_topup``, ``Q7_transfer``,
    ``Q7_tickets``, ``Q7_investing`` (0/1, multiple choice); ``Q8``-``Q15`` satisfaction
    and ``Q16``-``Q17`` loyalty on a 1-10 agreement scale. ``DataFrame.attrs`` holds the
    source, the wording of each question, the scale, the seed and the word "synthetic".

    Examples
    --------
    >>> from acsi.datasets import load_ebanking
    >>> df = load_ebanking()
    >>> df.shape, df.attrs["synthetic"]
    ((54, 21), True)
    >>> int((df[[f"Q{k}" for k in range(8, 16)]] >= 7).to_numpy().sum())
    251
    """
    meta_path = _data_path("ebanking.json")
    with resources.as_file(meta_path) as p:
        meta = json.loads(p.read_text(encoding="utf-8"))
    with resources.as_file(_data_path("ebanking.csv")) as p:
        raw = pd.read_csv(p, index_col="respondent")
    for q, labels in CATEGORIES.items():
        raw[q] = raw[q].map({lab: i for i, lab in enumerate(labels)}).astype("int64")
    df = _finish(raw, int(meta["seed"]))
    df.attrs["scale"] = tuple(df.attrs["scale"])
    return df


def _write_shipped(seed: int = DEFAULT_SEED) -> None:  # pragma: no cover - maintenance
    """Regenerate ``data/ebanking.csv`` and ``data/ebanking.json`` (run by the maintainers)."""
    from pathlib import Path

    here = Path(__file__).parent / "data"
    df = generate_ebanking(seed)
    out = df.copy()
    for q in CATEGORIES:
        out[q] = out[q].astype(str)
    out.to_csv(here / "ebanking.csv")
    meta = _metadata(seed)
    meta["scale"] = list(meta["scale"])
    meta["categories"] = CATEGORIES
    (here / "ebanking.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
