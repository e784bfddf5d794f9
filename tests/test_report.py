"""The HTML report: structure, self-containment, content (always runs; no browser needed)."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import acsi
from acsi.report import DEMO_MODEL, build_report, demo_report, model_blocks
from acsi.report import html as H

SECTIONS = ["overview", "findings", "profile", "items", "measurement", "structural", "fit", "index",
            "loyalty", "limitations", "method"]


@pytest.fixture(scope="module")
def demo():
    return demo_report(bootstrap=200, seed=3)


def test_all_sections_present_in_order(demo) -> None:
    assert list(demo.sections) == SECTIONS
    pos = [demo.html.index(f'<section id="{s}">') for s in SECTIONS]
    assert pos == sorted(pos)
    for s in SECTIONS:  # each is reachable from the table of contents
        assert f'href="#{s}"' in demo.html


def test_self_contained_no_external_resources(demo) -> None:
    html = demo.html
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.I)
    assert "url(" not in html  # no CSS fetches
    imgs = re.findall(r'<img [^>]*src="([^"]+)"', html)
    assert len(imgs) >= 5  # likert, reliability, loadings, path diagram, IPMA
    assert all(src.startswith("data:image/png;base64,") for src in imgs)


def test_tables_scroll_inside_their_box(demo) -> None:
    html = demo.html
    n_tables = html.count('<table class="t">')
    assert n_tables > 10
    assert html.count('<div class="scroll"><table class="t">') == n_tables
    assert ".scroll{overflow-x:auto" in html


def test_content_matches_the_results(demo) -> None:
    res, boot = demo.result, demo.bootstrap
    assert boot.n == 200
    # every path with its coefficient in the paths table and the figure caption
    paths = demo.tables["paths"]
    assert set(zip(paths["source"], paths["target"])) == {("Satisfaction", "Loyalty")}
    for _, r in paths.iterrows():
        assert r["est"] == pytest.approx(res.paths.loc[r["source"], r["target"]], abs=1e-12)
        assert f"{r['est']:.3f}" in demo.html
    # the chain: Satisfaction is a higher-order construct of the four SERVQUAL dimensions
    from acsi.plspm.hoc import ExtendedPLSResult

    assert isinstance(res, ExtendedPLSResult)
    assert res.higher_order == {"Satisfaction": ("Tangibles", "Assurance", "Responsiveness", "Empathy")}
    ho = demo.tables["higher-order"]
    assert list(ho["source"]) == ["Tangibles", "Assurance", "Responsiveness", "Empathy"]
    for _, r in ho.iterrows():
        assert r["est"] == pytest.approx(res.weights.loc[r["source"], "Satisfaction"], abs=1e-12)
        assert r["ci_lower"] <= r["est"] <= r["ci_upper"]
    # both levels' reliability (Sarstedt et al. 2019)
    rel = demo.tables["reliability"]
    assert {"Satisfaction", "Loyalty", "Tangibles", "Responsiveness", "Empathy"} <= set(rel.index)
    # the second-order factor by CB-SEM side by side, with its admissibility stated
    side = demo.tables["second-order CB-SEM"]
    cb = acsi.sem(DEMO_MODEL, acsi.datasets.load_ebanking())
    est = cb.estimates.set_index(["lhs", "op", "rhs"])["std_all"]
    for _, r in side.iterrows():
        op = "~" if r["source"] == "Satisfaction" else "=~"
        key = (r["target"], op, r["source"]) if op == "~" else (r["target"], "=~", r["source"])
        assert r["cbsem_std_all"] == pytest.approx(est[key], abs=1e-10)
    assert "The same chain as a second-order factor model (CB-SEM)" in demo.html
    assert "The CB-SEM solution is admissible" in demo.html or "Heywood case" in demo.html
    # the headline: Satisfaction's index with its bootstrap interval, from the items Q8-Q15
    idx = demo.tables["index"]
    assert {"index", "ci_lower", "ci_upper"} <= set(idx.columns)
    assert (idx["ci_lower"] <= idx["index"]).all() and (idx["index"] <= idx["ci_upper"]).all()
    assert {"Satisfaction", "Loyalty", "Tangibles", "Assurance", "Responsiveness", "Empathy"} <= set(idx.index)
    sat = idx.loc["Satisfaction"]
    assert res.index(scale=(1, 10)).table.loc["Satisfaction", "index"] == pytest.approx(sat["index"], abs=1e-12)
    assert (f"Satisfaction index: <b>{sat['index']:.1f}</b> of 100 (95% CI {sat['ci_lower']:.1f} to "
            f"{sat['ci_upper']:.1f})") in demo.html
    assert f'<span class="big">{sat["index"]:.1f}</span>' in demo.html
    # the definitions in words next to the numbers that use them
    assert demo.html.count("satisfied: mean of Q8-Q15 at least 7") >= 4
    assert "the satisfied share is computed from the same items" in demo.html
    # NPS on a 1-10 item is flagged as a proxy
    assert "<b>Proxy.</b>" in demo.html
    # conversion: satisfied but not loyal, counted from the data
    data = acsi.datasets.load_ebanking()
    sat = data[[f"Q{k}" for k in range(8, 16)]].mean(axis=1) >= 7
    loy = data[["Q16", "Q17"]].mean(axis=1) >= 7
    assert f"{int((sat & ~loy).sum())} of {int(sat.sum())}</b> satisfied" in demo.html
    # power per path, recomputed
    pw = demo.tables["power"]
    f2 = res.f_squared
    for _, r in pw.iterrows():
        expect = acsi.report.path_power(f2.loc[r["source"], r["target"]], 54, 1)  # Loyalty ~ Satisfaction
        assert r["power"] == pytest.approx(expect, rel=1e-12)
    assert "Limitations" in demo.html and "Response styles" in demo.html


def test_same_seed_same_report(demo) -> None:
    again = demo_report(bootstrap=200, seed=3)
    assert again.html == demo.html


def test_write_and_excel(demo, tmp_path) -> None:
    out = demo.write(tmp_path / "r.html")
    assert out.read_text(encoding="utf-8") == demo.html
    xl = demo.to_excel(tmp_path / "r.xlsx")
    with pd.ExcelFile(xl) as book:
        sheets = book.sheet_names
    assert {"paths", "index", "power", "reliability", "HTMT"} <= set(sheets)


def test_model_blocks() -> None:
    blocks, paths = model_blocks(DEMO_MODEL)
    assert blocks["Responsiveness"] == ["Q11", "Q14", "Q15"]
    assert paths == [("Satisfaction", "Loyalty")]
    from acsi.report.build import expand_items, higher_order_blocks, item_blocks

    assert higher_order_blocks(blocks) == {"Satisfaction": ["Tangibles", "Assurance", "Responsiveness", "Empathy"]}
    assert "Satisfaction" not in item_blocks(blocks)
    assert expand_items(blocks, "Satisfaction") == [f"Q{k}" for k in (8, 9, 10, 11, 14, 15, 12, 13)]


def test_chain_in_cbsem_report_and_path_diagram() -> None:
    """The demo's model in a CB-SEM report: the second-order loadings are the higher-order
    table; the PLS path diagram draws LOC -> HOC -> Loyalty."""
    import matplotlib

    matplotlib.use("Agg")
    from acsi.plotting.paths import path_edges

    data = acsi.datasets.load_ebanking()
    rep = build_report(data, DEMO_MODEL, method="ml", bootstrap=0)
    ho = rep.tables["higher-order"]
    est = rep.result.estimates
    row = est[(est["lhs"] == "Satisfaction") & (est["op"] == "=~") & (est["rhs"] == "Empathy")]
    assert float(ho.set_index("source").loc["Empathy", "est"]) == pytest.approx(float(row["std_all"].iloc[0]))
    res = acsi.pls(DEMO_MODEL, data)
    boot = res.bootstrap(n=50, seed=1)
    edges, _ = path_edges(res, boot)
    got = {(e.source, e.target) for e in edges}
    assert got == {("Tangibles", "Satisfaction"), ("Assurance", "Satisfaction"), ("Responsiveness", "Satisfaction"),
                   ("Empathy", "Satisfaction"), ("Satisfaction", "Loyalty")}
    bw = boot.weights.set_index(["source", "target"])["pvalue"]
    for e in edges:
        if e.target == "Satisfaction":
            assert e.est == pytest.approx(res.weights.loc[e.source, "Satisfaction"])
            assert e.pvalue == bw[(e.source, e.target)]


def test_cbsem_report_shows_where_the_model_misfits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CB-SEM report lists lavaan's largest modification indices and correlation residuals
    (the result's own numbers), and says why when a fit does not have them."""
    data = acsi.datasets.load_ebanking()
    rep = build_report(data, DEMO_MODEL, method="ml", bootstrap=0)
    mi = rep.tables["modification indices"]
    ref = rep.result.modindices(sort=True, minimum_value=3.84).head(10)
    assert mi["mi"].tolist() == ref["mi"].tolist()
    assert "Where the model misfits" in rep.html
    from acsi.cbsem.results import SEMResult

    def refuse(self, *a, **k):
        raise acsi.SpecificationError("not for this fit")

    monkeypatch.setattr(SEMResult, "modindices", refuse)
    rep = build_report(data, DEMO_MODEL, method="ml", bootstrap=0)
    assert "not available for this fit: not for this fit" in rep.html
    assert "modification indices" not in rep.tables


def test_bad_arguments_raise_named_errors() -> None:
    data = acsi.datasets.load_ebanking()
    with pytest.raises(acsi.SpecificationError, match="method='spss'"):
        build_report(data, DEMO_MODEL, method="spss")
    with pytest.raises(acsi.SpecificationError, match="satisfied=11 is outside the items' scale 1-10"):
        build_report(data, DEMO_MODEL, bootstrap=0, satisfied=11, satisfaction_items=["Q8", "Q9"],
                     loyalty_items=["Q16"])
    with pytest.raises(acsi.SpecificationError, match="lang='fr'"):
        build_report(data, DEMO_MODEL, bootstrap=0, lang="fr")
    with pytest.raises(acsi.DataError, match="segment: column 'region' not found"):
        build_report(data, DEMO_MODEL, bootstrap=0, segment="region")
    with pytest.raises(acsi.SpecificationError, match="bootstrap"):
        build_report(data, DEMO_MODEL, bootstrap=-1)
    with pytest.raises(acsi.DataError, match="Q99"):
        build_report(data, DEMO_MODEL.replace("Q17", "Q99"), bootstrap=0)


def test_missing_codes_are_dropped_and_reported() -> None:
    data = acsi.datasets.load_ebanking()
    data.loc[data.index[:3], "Q9"] = -99
    rep = build_report(data, DEMO_MODEL, bootstrap=0, na_values=-99)
    assert rep.result.n == 51
    assert any("MissingDataWarning" in w and "3" in w for w in rep.warnings)
    assert "3 rows with missing answers were dropped" in rep.html


def test_html_table_formats_numbers_and_escapes_text() -> None:
    df = pd.DataFrame({"name": ["<b>x</b>"], "v": [0.123456], "miss": [np.nan]}, index=["r1"])
    out = H.table(df, "cap & more", digits=2)
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<td>0.12</td>" in out and "cap &amp; more" in out
    assert "<td>nan</td>" not in out


@pytest.mark.parametrize("method", ["ml", "mlr"])
def test_cbsem_report_fit_against_cutoffs(method: str) -> None:
    mobi = acsi.datasets.load_mobi()
    model = acsi.models.acsi(quality=["PERQ1", "PERQ2", "PERQ3"], satisfaction=["CUSA1", "CUSA2", "CUSA3"],
                             loyalty=["CUSL1", "CUSL3"])
    rep = build_report(mobi, model, method=method, bootstrap=0)
    assert list(rep.sections) == SECTIONS
    fm = rep.result.fit_measures
    html = rep.html
    fit_html = html[html.index('<section id="fit">'):html.index('<section id="index">')]
    for key, label, ok in [("cfi", "CFI", fm.cfi >= 0.95), ("rmsea", "RMSEA", fm.rmsea <= 0.06),
                           ("srmr", "SRMR", fm.srmr <= 0.08)]:
        row = fit_html[fit_html.index(f"<th>{label}</th>"):]
        row = row[:row.index("</tr>")]
        assert f"{getattr(fm, key):.3f}" in row
        assert ('class="ok">meets' in row) == ok and ('class="no">misses' in row) == (not ok)
    if method == "mlr":
        assert "CFI (robust)" in fit_html and "(scaled)" in fit_html
    # R² only of the structural outcomes, paths as lavaan's regressions
    assert list(rep.tables["r_squared"].index) == ["Satisfaction", "Loyalty"]
    reg = rep.result.estimates.query("op == '~'")
    assert rep.tables["paths"]["est"].tolist() == reg["est"].tolist()
    assert "defined from PLS outer weights" in html  # no index for CB-SEM, said so


def test_undefined_index_is_explained_not_fatal() -> None:
    mobi = acsi.datasets.load_mobi()
    mobi["REV"] = 11 - mobi["CUSA3"]  # a reverse-worded item left unrecoded: negative weight
    model = "Quality =~ PERQ1 + PERQ2 + PERQ3\nSatisfaction =~ CUSA1 + CUSA2 + REV\nSatisfaction ~ Quality"
    rep = build_report(mobi, model, bootstrap=50, seed=1)
    idx = rep.tables["index"]
    assert list(idx.index) == ["Quality"]
    assert idx.loc["Quality", "index"] == pytest.approx(rep.result.index(constructs=["Quality"])["Quality"])
    assert "No index for Satisfaction.</b>" in rep.html and "REV" in rep.html
    assert "no map is drawn" in rep.html and "IPMA" not in rep.tables


def test_profile_skips_identifier_like_text_columns() -> None:
    data = acsi.datasets.load_ebanking()
    data["comment"] = [f"free text {i}" for i in range(len(data))]
    rep = build_report(data, DEMO_MODEL, bootstrap=0)
    assert "profile comment" not in rep.tables and "profile Q1" in rep.tables
    assert "Not tabulated" in rep.html and "comment" in rep.html


def test_demo_story_never_in_a_report_on_other_data(demo) -> None:
    """The seed study's narrative belongs to the demo; a report on other data shows none of it."""
    from acsi.report.demo import DEMO_STORY

    model = """
    Image =~ IMAG1 + IMAG2 + IMAG3
    Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    Loyalty =~ CUSL1 + CUSL2 + CUSL3
    Satisfaction ~ Image
    Loyalty ~ Satisfaction
    """
    for method in ("pls", "ml"):
        rep = build_report(acsi.datasets.load_mobi(), model, method=method, bootstrap=0)
        text = rep.html.lower()
        for phrase in ("seed study", "seed report", "six times", "e-banking", "students of one university"):
            assert phrase not in text, (method, phrase)
        assert rep.sections == demo.sections
    for html in DEMO_STORY.values():  # the demo tells its story
        assert html in demo.html
    assert "seed study" in demo.html and "six times" in demo.html


def test_notes_go_to_named_sections_only() -> None:
    data = acsi.datasets.load_ebanking()
    with pytest.raises(acsi.SpecificationError, match="notes"):
        build_report(data, DEMO_MODEL, bootstrap=0, notes={"nowhere": "<p>x</p>"})
    rep = build_report(data, DEMO_MODEL, bootstrap=0, notes={"fit": "<p>ZZ-NOTE</p>"})
    fit = rep.html.index('id="fit"')
    assert fit < rep.html.index("ZZ-NOTE") < rep.html.index('id="index"')


def test_second_order_heywood_case_is_stated() -> None:
    """With the 24 women alone the CB-SEM second-order solution has a negative variance: the
    report says so (callout and key findings) instead of presenting its numbers as usable."""
    import warnings

    data = acsi.datasets.load_ebanking()
    women = data[data.Q1 == "female"].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = build_report(women, DEMO_MODEL, bootstrap=0, scale=(1, 10))
    assert rep.tables["second-order CB-SEM fit"].loc["admissible", "value"] == 0.0
    assert "<b>Heywood case.</b> The CB-SEM solution is inadmissible" in rep.html
    assert "the solution is inadmissible (Heywood case)" in rep.html
