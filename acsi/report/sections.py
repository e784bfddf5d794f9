"""The sections of the generic report, one function per section.

Each returns ``(html, tables)``. Sections that show a fitted model read it only through
:class:`acsi.results.structural.StructuralResult`; what depends on the estimator comes from
the report's :class:`acsi.report.families.FamilyPart`. No statistic is computed here: the
numbers come from the library's public functions (survey, reliability, stats).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi.report import html as H
from acsi.report.families import METHODS, FamilyPart
from acsi.stats.power import inverse_sqrt_min_n

if TYPE_CHECKING:
    from acsi.report.build import ReportOptions

__all__ = [
    "profile_section", "items_section", "measurement_section", "structural_section", "loyalty_section",
    "limitations_section", "method_notes",
]

#: Profile questions with more distinct answers than this are not tabulated.
MAX_CATEGORIES = 20

Section = tuple[str, dict[str, pd.DataFrame]]


def profile_section(data: pd.DataFrame, model_items: set[str]) -> tuple[str, dict[str, pd.DataFrame]]:
    from acsi.survey import frequencies, multi_select

    tables: dict[str, pd.DataFrame] = {}
    parts: list[str] = []
    questions = data.attrs.get("questions", {}) if isinstance(data.attrs.get("questions"), dict) else {}
    cats = [
        c for c in data.columns
        if c not in model_items and (isinstance(data[c].dtype, pd.CategoricalDtype)
                                     or data[c].dtype == object or data[c].dtype == bool
                                     or pd.api.types.is_string_dtype(data[c].dtype))
    ]
    many = [c for c in cats if data[c].nunique(dropna=True) > MAX_CATEGORIES]
    cats = [c for c in cats if c not in many]
    binary = [
        c for c in data.columns
        if c not in model_items and c not in cats and pd.api.types.is_numeric_dtype(data[c])
        and set(pd.unique(data[c].dropna())) <= {0, 1} and data[c].notna().any()
    ]
    grid: list[str] = []
    for c in cats:
        t = frequencies(data[c])
        tables[f"profile {c}"] = t
        label = f"{c}: {questions[c]}" if c in questions else str(c)
        show = t[["count", "share", "ci_lower", "ci_upper"]].copy()
        show["share"] = 100 * show["share"]
        show["ci_lower"] = 100 * show["ci_lower"]
        show["ci_upper"] = 100 * show["ci_upper"]
        show.columns = ["n", "%", "95% CI low", "95% CI high"]
        grid.append(H.table(show, label, digits=1))
    if grid:
        parts.append("<p>Counts and shares of each profile and usage question, with Wilson 95% "
                     "confidence intervals of the shares.</p>")
        parts.append(f'<div class="grid">{"".join(grid)}</div>')
    if binary:
        labels = {c: questions.get(c, c) for c in binary}
        t = multi_select(data, binary, labels=labels)
        tables["multiple choice"] = t
        parts.append("<h3>Multiple-choice questions</h3>")
        parts.append(H.table(t, "share of respondents choosing each option", digits=3))
    if many:
        parts.append(f"<p class='muted'>Not tabulated (more than {MAX_CATEGORIES} distinct answers, e.g. "
                     f"identifiers or free text): {H.esc(', '.join(map(str, many)))}.</p>")
    if not parts:
        parts.append("<p class='muted'>The data hold no categorical profile questions.</p>")
    return "".join(parts), tables


def items_section(data: pd.DataFrame, blocks: Mapping[str, list[str]], opts: ReportOptions) -> Section:
    import acsi.plotting as P
    from acsi.survey import bottom_box, likert_table, top_box

    items = [i for b in blocks.values() for i in b]
    questions = data.attrs.get("questions", {}) if isinstance(data.attrs.get("questions"), dict) else {}
    lo, hi = opts.scale
    parts = []
    default_bins = (lo, hi) == (1.0, 10.0)
    fig = P.likert_bars(data, items) if default_bins else None
    if fig is not None:
        parts.append(H.figure_img(fig, "Answers per item, binned 1-2 / 3-4 / 5-6 / 7-8 / 9-10 "
                                       "(left: disagree, right: agree)."))
    rows = []
    for i in items:
        x = data[i]
        tb, bb = top_box(x, k=2, scale=opts.scale), bottom_box(x, k=2, scale=opts.scale)
        rows.append({
            "item": i, "question": questions.get(i, ""), "n": int(x.notna().sum()),
            "mean": float(x.mean()), "sd": float(x.std()),
            "top-2 box %": 100 * tb.estimate, "bottom-2 box %": 100 * bb.estimate,
        })
    desc = pd.DataFrame(rows).set_index("item")
    if not desc["question"].astype(bool).any():
        desc = desc.drop(columns="question")
    tables = {"item statistics": desc}
    if default_bins:
        lt = likert_table(data, items)
        tables["likert bins"] = lt
        parts.append(H.table(lt, "Counts per bin"))
    parts.append(H.table(desc, "Item statistics (top-2 box: the two highest scale points)", digits=2))
    pool_items = list(opts.satisfaction_items) or items
    pooled = data[pool_items].to_numpy(dtype=float)
    pooled = pooled[~np.isnan(pooled)]
    mid = (lo + hi) / 2
    if default_bins:
        # 7-10 and 1-4 are the top and bottom four points of the 1-10 scale
        agree = top_box(pooled, k=4, scale=opts.scale).estimate
        disagree = bottom_box(pooled, k=4, scale=opts.scale).estimate
        parts.append(H.callout(
            f"Pooling all {pooled.size} answers of {H.esc(item_range(pool_items))}: <b>{100 * agree:.0f}%</b> agree or "
            f"strongly agree (7-10), <b>{100 * disagree:.0f}%</b> disagree or strongly disagree (1-4), "
            f"the rest are neutral (5-6)."))
    else:
        parts.append(H.callout(f"Pooled mean of all {pooled.size} answers of {H.esc(item_range(pool_items))}: "
                               f"{pooled.mean():.2f} (scale midpoint {mid:g})."))
    return "".join(parts), tables


def item_range(items: Sequence[str]) -> str:
    return f"{items[0]}-{items[-1]}" if len(items) > 3 else ", ".join(items)


def measurement_section(res: Any, data: pd.DataFrame, blocks: Mapping[str, list[str]], family: FamilyPart,
                        boot: Any = None) -> Section:
    """Reliability (sample-based alpha and omega, the model's rho/AVE), loadings and
    discriminant validity (HTMT, with bootstrap intervals when there is a bootstrap)."""
    import acsi.plotting as P
    from acsi import reliability as R
    from acsi.plotting.measurement import loadings_table

    parts: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    multi = {c: it for c, it in blocks.items() if len(it) >= 2}
    # sample-based reliability of each multi-item scale
    rows = []
    for c, it in multi.items():
        a = R.cronbach_alpha(data[it])
        rows.append({"construct": c, "items": len(it), "alpha": a.alpha, "alpha 95% CI low": a.ci_lower,
                     "alpha 95% CI high": a.ci_upper,
                     "omega": R.omega(data[it]).omega if len(it) >= 3 else float("nan")})
    rel = family.reliability(res)
    if rows:
        sample = pd.DataFrame(rows).set_index("construct")
        rel = rel.join(sample[["alpha 95% CI low", "alpha 95% CI high", "omega"]], how="left")
        if "alpha" not in rel.columns:
            rel.insert(0, "alpha", sample["alpha"].reindex(rel.index))
    tables["reliability"] = rel
    parts.append("<p>Internal consistency should reach 0.7 (Cronbach's alpha, omega, rho_A, "
                 "rho_C; Nunnally and Bernstein 1994) and the average variance extracted (AVE) "
                 "0.5 (Fornell and Larcker 1981). Single-item constructs have reliability 1 by "
                 "definition (their measurement error cannot be estimated); omega needs at least "
                 "three items.</p>")
    parts.append(H.table(rel, "Reliability and convergent validity"))
    drawn = rel[[c for c in ("alpha", "rho_a", "rho_c", "ave") if c in rel.columns]]
    parts.append(H.figure_img(P.reliability_chart(drawn),
                              "Reliability per construct: dashed line 0.7, dotted line 0.5 (AVE)."))
    parts.append("<h3>Loadings</h3>")
    parts.append(H.figure_img(P.loadings_chart(res), "Indicator loadings; hatched bars fall below 0.708 "
                                                     "(less than half of the item's variance explained)."))
    tables["loadings"] = loadings_table(res)
    # discriminant validity
    htmt = family.htmt(res, data, blocks)
    tables["HTMT"] = htmt
    parts.append("<h3>Discriminant validity (HTMT)</h3>")
    parts.append("<p>Heterotrait-monotrait ratios below 0.85 (0.90 for conceptually close "
                 "constructs) support discriminant validity (Henseler, Ringle and Sarstedt 2015).</p>")
    parts.append(H.table(htmt, "HTMT"))
    vals = htmt.to_numpy(dtype=float)
    high = [(htmt.index[i], htmt.columns[j], vals[i, j]) for i in range(vals.shape[0])
            for j in range(vals.shape[1]) if np.isfinite(vals[i, j]) and i != j and vals[i, j] >= 0.85]
    if high:
        txt = "; ".join(f"{a} - {b}: {v:.2f}" for a, b, v in high)
        parts.append(H.callout(f"HTMT at or above 0.85: {H.esc(txt)}.", "warn"))
    if boot is not None:
        bh = boot.htmt[["source", "target", "est", "ci_lower", "ci_upper"]].copy()
        tables["HTMT bootstrap"] = bh
        parts.append(H.table(bh.set_index(["source", "target"]),
                             f"HTMT with bootstrap percentile intervals ({boot.n} resamples): an upper limit "
                             "below 0.85 (or 1) supports discriminant validity"))
    for key, caption, tab in family.validity_tables(res):
        tables[key] = tab
        parts.append(H.table(tab, caption))
    return "".join(parts), tables


def structural_section(res: Any, boot: Any, family: FamilyPart) -> tuple[str, dict[str, pd.DataFrame], pd.DataFrame]:
    """Path diagram, path table with significance stars, R-squared and effects; also returns
    the path table (the limitations section's power uses it)."""
    import acsi.plotting as P
    from acsi.plotting.paths import significance_stars

    parts = []
    fig = P.path_diagram(res, boot)
    parts.append(H.figure_img(fig, f"Structural model: path coefficients with significance stars from "
                                   f"{family.significance(boot)}; R² inside the endogenous constructs; "
                                   "dashed arrows are not significant at 5%."))
    tab = family.paths(res, boot)
    if "pvalue" in tab.columns:
        tab = tab.assign(sig=[significance_stars(p) for p in tab["pvalue"]])
    parts.append(H.table(tab.set_index(["source", "target"]), family.path_caption))
    outcomes = list(dict.fromkeys(str(t) for t in tab["target"]))
    r2t = family.r_squared(res, outcomes)
    parts.append(H.table(r2t, "Explained variance (R²) of the endogenous constructs"))
    tables = {"paths": tab, "r_squared": r2t}
    eff = family.effects(res)
    if eff is not None:
        tables["effects"] = eff
        parts.append(H.table(eff.set_index(["source", "target"]), "Direct, indirect and total effects"))
    return "".join(parts), tables, tab


def loyalty_section(data: pd.DataFrame, opts: ReportOptions) -> tuple[str, dict[str, pd.DataFrame]]:
    from acsi.survey import conversion, nps

    parts: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    sat_items, loy_items = list(opts.satisfaction_items), list(opts.loyalty_items)
    if sat_items and loy_items:
        sat = data[sat_items].mean(axis=1).rename("satisfaction")
        loy = data[loy_items].mean(axis=1).rename("loyalty")
        conv = conversion(sat, loy, satisfied=opts.satisfied_min, loyal=opts.loyal_min)
        tables["conversion counts"] = conv.table
        tables["conversion"] = conv.to_frame()
        nl = conv.not_loyal
        parts.append(
            f"<p>A respondent counts as <b>satisfied</b> when the mean of {H.esc(item_range(sat_items))} is at "
            f"least {opts.satisfied_min:g}, and as <b>loyal</b> when the mean of {H.esc(item_range(loy_items))} "
            f"is at least {opts.loyal_min:g}.</p>")
        parts.append(H.callout(
            f"<b>{conv.n_satisfied_not_loyal} of {conv.n_satisfied}</b> satisfied respondents "
            f"({100 * nl.estimate:.0f}%, 95% CI {100 * nl.ci_lower:.0f}-{100 * nl.ci_upper:.0f}%) are "
            "not loyal: the customers lost between satisfied and loyal.", "warn"))
        parts.append(H.table(conv.table, "Satisfied x loyal (counts)"))
        parts.append(H.table(conv.to_frame(), "Conversion: share not loyal, odds ratio and risk ratio "
                                              f"(the risk ratio is tested against {conv.rr_null:g})"))
        for n in conv.notes:
            parts.append(f"<p class='muted'>{H.esc(n)}</p>")
    if opts.recommend is not None:
        lo, hi = opts.scale
        if (lo, hi) == (0.0, 10.0):
            r = nps(data[opts.recommend], scale=(0, 10))
        else:
            top = (hi - 1, hi)
            det = (lo, lo + round(0.6 * (hi - lo + 1)) - 1) if (lo, hi) != (1.0, 10.0) else (1, 6)
            r = nps(data[opts.recommend], scale=(lo, hi), mapping={"promoter": top, "detractor": det})
        tables["NPS"] = r.to_frame()
        parts.append("<h3>Net Promoter Score</h3>")
        parts.append(f'<p><span class="big">{r.nps:+.0f}</span> &nbsp;NPS of {H.esc(opts.recommend)} '
                     f"(95% CI {r.ci_lower:+.0f} to {r.ci_upper:+.0f}; n = {r.n})</p>")
        if r.proxy:
            parts.append(H.callout(
                "<b>Proxy.</b> The NPS is defined on the 0-10 recommend question (promoters 9-10, "
                f"detractors 0-6; Reichheld 2003). This item is on {lo:g}-{hi:g}, so the score uses "
                f"promoters {r.mapping['promoter'][0]:g}-{r.mapping['promoter'][1]:g} and detractors "
                f"{r.mapping['detractor'][0]:g}-{r.mapping['detractor'][1]:g}: an NPS-like index, not "
                "comparable with published NPS benchmarks.", "warn"))
        parts.append(H.table(r.to_frame(), "Promoters, passives and detractors"))
    if not parts:
        parts.append("<p class='muted'>No satisfaction and loyalty items were identified (name the "
                     "constructs <code>satisfaction</code> and <code>loyalty</code>), so the conversion "
                     "and the NPS are not computed.</p>")
    return "".join(parts), tables


def limitations_section(res: Any, data: pd.DataFrame, paths: pd.DataFrame, blocks: Mapping[str, list[str]],
                        family: FamilyPart, opts: ReportOptions, n_dropped: int) -> Section:
    """Sample size and the power of each path's test, the minimum sample, response styles and
    what a cross-sectional survey cannot tell."""
    from acsi.survey import response_styles

    n = int(res.nobs)
    how, pw = family.power(res, paths, n)
    parts = [f"<h3>Sample size and power</h3><p>The model was estimated on <b>n = {n}</b> respondents"
             + (f" ({n_dropped} rows with missing answers were dropped)" if n_dropped else "") + ". "
             + how + "</p>"]
    low = pw[pw["power"] < 0.8]
    parts.append(H.table(pw, "Power per path (5% level)", digits=3))
    if len(low):
        parts.append(H.callout(
            f"{len(low)} of {len(pw)} paths had less than 80% power: a non-significant path here is "
            "weak evidence of no effect, not evidence of none.", "warn"))
    est = paths["est"].abs()
    est = est[est > 0]
    if len(est):
        pmin = float(est.min())
        nmin = inverse_sqrt_min_n(pmin)
        parts.append(f"<p>Kock and Hadaya's (2018) inverse square root rule asks for n &ge; {nmin} to detect "
                     f"the smallest path (|{pmin:.2f}|) at 5% with 80% power; the sample has {n}.</p>")
    items = [i for b in blocks.values() for i in b]
    rs = response_styles(data, items, scale=opts.scale)
    parts.append("<h3>Response styles</h3><p>A long rating scale can invite answers in the middle. Per "
                 "respondent: the share of midpoint answers, of extreme answers, of agreeing answers, "
                 "and straight-lining (the same answer to every item).</p>")
    parts.append(_response_styles_html(rs))
    parts.append("<h3>What the data cannot tell</h3><ul>"
                 "<li>Cross-sectional data: the paths are associations consistent with the model, not "
                 "proof of causation.</li>"
                 "<li>The estimates describe the sample; figures for a population need a random sample "
                 "(or weights by segment and customer value).</li></ul>")
    return "".join(parts), {"power": pw.reset_index(), "response styles": rs.overall,
                            "response styles per respondent": rs.respondents}


def _response_styles_html(rs: Any) -> str:
    m = rs.overall.loc["midpoint"]
    central = m["ci_lower"] > m["uniform_share"]
    verdict = (
        f"Midpoint answers ({rs.ranges['midpoint'][0]:g}-{rs.ranges['midpoint'][1]:g}) are "
        f"<b>{100 * m['share']:.0f}%</b> of all answers (95% CI {100 * m['ci_lower']:.0f}-{100 * m['ci_upper']:.0f}%), "
        f"against {100 * m['uniform_share']:.0f}% for an answerer spreading evenly over the scale: "
        + ("<b>central tendency is present</b>." if central else "no sign of central tendency beyond that.")
        + f" Straight-liners (the same answer to every item): <b>{rs.n_straightliners}</b> of {len(rs.respondents)}."
    )
    return (H.callout(verdict, "warn" if central or rs.n_straightliners else "")
            + H.table(rs.overall, "Pooled answers by response range")
            + H.table(rs.items, "Response styles per item"))


def method_notes(model: str, opts: ReportOptions, family: FamilyPart, boot: Any) -> str:
    """Settings, the model text and the sources of the thresholds."""
    settings = [("method", METHODS[opts.method]), ("rating scale", f"{opts.scale[0]:g} to {opts.scale[1]:g}"),
                ("missing codes", ", ".join(f"{v:g}" for v in opts.na_values) or "none"),
                ("satisfied / loyal", f"mean >= {opts.satisfied_min:g} / mean >= {opts.loyal_min:g}")]
    settings += family.settings(opts, boot)
    return (H.kv_table(settings, "Settings") + "<h3>Model</h3>"
            + f"<div class='scroll'><pre>{H.esc(model)}</pre></div>"
            + "<p class='muted'>Thresholds: Hair et al. (2017, 2019) for reliability and loadings, "
              "Henseler et al. (2015) for HTMT, Hu and Bentler (1999) for fit, Cohen (1988) for f².</p>")
