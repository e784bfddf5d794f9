"""Notebook manners: every result family prints a compact ``repr`` (a few facts, no arrays or
tables, under 2,000 characters); ``print(res)`` and ``summary()`` give the tables; the report
shows itself in a notebook; a CB-SEM summary shows the fit indices."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi import reliability, survey
from acsi.results.base import ResultMixin

HS = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
MOBI = """
Image =~ IMAG1 + IMAG2 + IMAG3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Image
Loyalty ~ Satisfaction + Image
"""


@pytest.fixture(scope="module")
def results(hs: pd.DataFrame, ebanking: pd.DataFrame, mobi: pd.DataFrame) -> dict[str, object]:
    x = hs[[f"x{i}" for i in range(1, 10)]]
    eb = ebanking
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb = acsi.cfa(HS, hs)
        mlr = acsi.sem(HS, hs, estimator="MLR")
        pls = acsi.pls(MOBI, mobi)
        boot = pls.bootstrap(n=50, seed=1)
        small = mobi.iloc[:240].copy()
        small["company"] = np.repeat(["A", "B", "C"], 80)
        many = acsi.fit_many(MOBI, small, by="company", method="pls", seed=1)
        out: dict[str, object] = {
            "cbsem": cb,
            "cbsem_mlr": mlr,
            "chisq_diff": acsi.chisq_diff(acsi.cfa(HS + "; visual ~~ 0*textual", hs), cb),
            "pls": pls,
            "pls_bootstrap": boot,
            "index": pls.index(scale=(1, 10)),
            "ipma": pls.ipma("Loyalty", scale=(1, 10)),
            "alpha": reliability.cronbach_alpha(hs[["x1", "x2", "x3"]]),
            "omega": reliability.omega(hs[["x1", "x2", "x3"]]),
            "efa": reliability.efa(x, 3, rotation="oblimin"),
            "kmo": reliability.kmo(x),
            "bartlett": reliability.bartlett_sphericity(x),
            "proportion": survey.top_box(eb["Q16"]),
            "crosstab": survey.crosstab(eb["Q1"], eb["Q16"] >= 9),
            "conversion": survey.conversion(eb["Q12"], eb["Q16"]),
            "nps": survey.nps(eb["Q16"], scale=(1, 10), mapping={"promoter": (9, 10), "detractor": (1, 6)}),
            "nps_test": survey.nps_test(eb["Q16"][:27], eb["Q16"][27:], scale=(1, 10),
                                        mapping={"promoter": (9, 10), "detractor": (1, 6)}),
            "derived": survey.derived_importance(eb, ["Q8", "Q9", "Q10"], "Q16", methods=("correlation",)),
            "styles": survey.response_styles(eb, [f"Q{k}" for k in range(8, 18)]),
            "vwi": survey.value_weighted_index(
                pd.DataFrame({"sat": [1, 0, 1, 1, 0, 1], "seg": list("ababab"), "val": [1, 2, 1, 2, 1, 2]}),
                "sat", "seg", "val"),
            "fit_many": many,
            "aggregate": acsi.aggregate(many, weights={"A": 1.0, "B": 2.0, "C": 1.0}, levels=["company", "nation"]),
            "power": acsi.power("y ~ b*x", population="y ~ 0.3*x", n=[40], reps=20, seed=3),
        }
        # the families added in issues 10-12
        sem_boot = cb.bootstrap(n=20, seed=1)
        mediated = acsi.pls(MOBI, mobi).bootstrap(n=50, seed=1)
        hoc = acsi.pls("Image =~ IMAG1 + IMAG2 + IMAG3\nValue =~ PERV1 + PERV2\nSat =~ Image + Value\n"
                       "Loyalty =~ CUSL1 + CUSL2 + CUSL3\nLoyalty ~ Sat", mobi)
        mask = np.arange(pls.nobs) % 2 == 0
        out.update({
            "sem_bootstrap": sem_boot,
            "bollen_stine": cb.bootstrap(n=20, seed=1, type="bollen.stine").bollen_stine,
            "compare": acsi.compare(acsi.cfa(HS + "; visual ~~ 0*textual", hs), cb),
            "residuals": cb.residuals(),
            "multigroup": acsi.cfa(HS, hs, group="school"),
            "invariance": acsi.invariance(HS, hs, group="school", levels=("configural", "metric")),
            "hoc": hoc,
            "mga": pls.mga(mask, n=20, n_perm=20, seed=1),
            "micom": pls.micom(mask, n_perm=20, seed=1),
            "mediation": mediated.mediation(),
            "specific_effect": mediated.specific_effect("Image", "Satisfaction", "Loyalty"),
            "predict": pls.predict(folds=3, reps=1, seed=1),
            "cvpat": pls.cvpat(folds=3, reps=1, seed=1),
            "pls_fit": pls.fit_measures,
            "moments": acsi.moments(hs, columns=[f"x{i}" for i in range(1, 10)], chunksize=100),
        })
    return out


NAMES = ["cbsem", "cbsem_mlr", "chisq_diff", "pls", "pls_bootstrap", "index", "ipma", "alpha", "omega", "efa",
         "kmo", "bartlett", "proportion", "crosstab", "conversion", "nps", "nps_test", "derived", "styles", "vwi",
         "fit_many", "aggregate", "power", "sem_bootstrap", "bollen_stine", "compare", "residuals", "multigroup",
         "invariance", "hoc", "mga", "micom", "mediation", "specific_effect", "predict", "cvpat", "pls_fit"]


@pytest.mark.parametrize("name", NAMES)
def test_repr_is_compact(results: dict[str, object], name: str) -> None:
    res = results[name]
    assert isinstance(res, ResultMixin)
    text = repr(res)
    assert text.startswith(type(res).__name__ + "(") and text.endswith((")", "tables]"))
    assert len(text) < 2000, len(text)
    assert "array(" not in text and "DataFrame" not in text and "\n" not in text
    # the full tables are one print away
    assert len(str(res)) > len(text) or len(str(res).splitlines()) > 1


def test_every_result_family_is_covered(results: dict[str, object]) -> None:
    """A new public result class gets a case here (the classes found by walking the package)."""
    import importlib
    import pkgutil

    seen = {type(r).__name__ for r in results.values()}
    classes = set()
    for mod in pkgutil.walk_packages(acsi.__path__, "acsi."):
        if mod.name.startswith(("acsi.report", "acsi.cli", "acsi.__main__")):
            continue
        module = importlib.import_module(mod.name)
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, ResultMixin) and obj is not ResultMixin
                    and obj.__module__ == mod.name and not obj.__name__.startswith("_")):
                classes.add(obj.__name__)
    assert classes - seen == set()


def test_report_repr_and_notebook_display() -> None:
    from acsi.report import build_report

    data = acsi.datasets.load_ebanking()
    from acsi.report.demo import DEMO_MODEL

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = build_report(data, DEMO_MODEL, bootstrap=0, seed=1)
    text = repr(rep)
    assert text.startswith("Report(") and len(text) < 500 and "<" not in text
    shown = rep._repr_html_()
    # the whole document, isolated in an iframe (its styles cannot leak into the notebook)
    assert shown.startswith("<iframe") and "srcdoc=" in shown and len(shown) > len(rep.html)
    assert "&lt;html" in shown or "&lt;!DOCTYPE" in shown


def test_cbsem_summary_shows_fit_indices(results: dict[str, object]) -> None:
    res = results["cbsem"]
    s = res.summary()  # type: ignore[attr-defined]
    titles = [t for t, _ in s.tables]
    assert titles[0] == "Fit indices"
    fit = dict(s.tables)["Fit indices"]["value"]
    fm = res.fit_measures.to_series(lavaan_names=True)  # type: ignore[attr-defined]
    for name in ("cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic"):
        assert fit[name] == fm[name]
    text = str(s)
    assert "cfi" in text and "rmsea" in text and "srmr" in text
    robust = dict(results["cbsem_mlr"].summary().tables)["Fit indices"]["value"]  # type: ignore[attr-defined]
    assert "cfi.robust" in robust.index and "rmsea.robust" in robust.index
