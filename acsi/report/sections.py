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
from acsi.report.i18n import t
from acsi.stats.power import inverse_sqrt_min_n
from acsi.survey.scales import ItemScale, default_bins

if TYPE_CHECKING:
    from acsi.report.build import ReportOptions

__all__ = [
    "key_findings", "profile_section", "items_section", "measurement_section", "structural_section",
    "loyalty_section", "segments_section", "limitations_section", "method_notes", "scales_text",
    "second_order_section",
]

#: Profile questions with more distinct answers than this are not tabulated.
MAX_CATEGORIES = 20

Section = tuple[str, dict[str, pd.DataFrame]]


def profile_section(data: pd.DataFrame, model_items: set[str],
                    questions: Mapping[str, str] | None = None) -> tuple[str, dict[str, pd.DataFrame]]:
    from acsi.survey import frequencies, multi_select

    tables: dict[str, pd.DataFrame] = {}
    parts: list[str] = []
    questions = questions or {}
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
        freq = frequencies(data[c])
        tables[f"profile {c}"] = freq
        label = f"{c}: {questions[c]}" if c in questions else str(c)
        show = freq[["count", "share", "ci_lower", "ci_upper"]].copy()
        show["share"] = 100 * show["share"]
        show["ci_lower"] = 100 * show["ci_lower"]
        show["ci_upper"] = 100 * show["ci_upper"]
        show.columns = pd.Index(["n", "%", "95% CI low", "95% CI high"])
        grid.append(H.table(show, label, digits=1))
    if grid:
        parts.append("<p>" + t("Counts and shares of each profile and usage question, with Wilson 95% "
                               "confidence intervals of the shares.") + "</p>")
        parts.append(f'<div class="grid">{"".join(grid)}</div>')
    if binary:
        labels = {c: questions.get(c, c) for c in binary}
        tab = multi_select(data, binary, labels=labels)
        tables["multiple choice"] = tab
        parts.append(f"<h3>{t('Multiple-choice questions')}</h3>")
        parts.append(H.table(tab, t("share of respondents choosing each option"), digits=3))
    if many:
        parts.append("<p class='muted'>" + t("Not tabulated (more than {k} distinct answers, e.g. identifiers or "
                                             "free text): {cols}.", k=MAX_CATEGORIES,
                                             cols=H.esc(", ".join(map(str, many)))) + "</p>")
    if not parts:
        parts.append(f"<p class='muted'>{t('The data hold no categorical profile questions.')}</p>")
    return "".join(parts), tables


def scales_text(opts: ReportOptions) -> str:
    """The items' scales in words, grouped: ``Q1-Q8: scale inferred from the data: 1-7``."""
    groups: dict[tuple[float, float, str, bool], list[str]] = {}
    for it, sc in opts.item_scales.items():
        groups.setdefault((sc.lo, sc.hi, sc.source, sc.continuous), []).append(it)
    out = []
    for (lo, hi, src, cont), its in groups.items():
        sc = ItemScale(lo, hi, src, cont)
        txt = t("{s} (continuous score)", s=sc.text) if cont else sc.text
        desc = {"inferred": t("scale inferred from the data: {s}", s=txt),
                "declared": t("scale declared: {s}", s=txt),
                "item": t("scale declared for the item: {s}", s=txt),
                "metadata": t("scale from the file's value labels: {s}", s=txt)}[src]
        out.append(desc if len(groups) == 1 else t("{items}: {desc}", items=item_range(its), desc=desc))
    return "; ".join(out)


def _box_share(x: np.ndarray, sc: ItemScale, top: bool) -> float:
    """Share of answers in the top (bottom) box."""
    if sc.continuous:
        cut = sc.hi - 0.2 * (sc.hi - sc.lo) if top else sc.lo + 0.2 * (sc.hi - sc.lo)
        hit = x >= cut if top else x <= cut
    else:
        k = 2 if sc.points >= 5 else 1
        hit = x >= sc.hi - k + 1 if top else x <= sc.lo + k - 1
    return float(hit.mean()) if x.size else float("nan")


def items_section(data: pd.DataFrame, blocks: Mapping[str, list[str]], opts: ReportOptions,
                  questions: Mapping[str, str] | None = None) -> Section:
    """Answer distributions on each item's scale, and item statistics over every available answer."""
    import warnings

    import acsi.plotting as P
    from acsi.exceptions import MissingDataWarning
    from acsi.survey import likert_table

    items = list(dict.fromkeys(i for b in blocks.values() for i in b))
    questions = questions or {}
    parts: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    groups: dict[ItemScale, list[str]] = {}
    for i in items:
        sc = opts.item_scales[i]
        groups.setdefault(ItemScale(sc.lo, sc.hi, "", sc.continuous), []).append(i)
    with warnings.catch_warnings():
        # the missing answers are counted in the table below, item by item
        warnings.simplefilter("ignore", MissingDataWarning)
        for sc, its in groups.items():
            bins, labels = default_bins(sc)
            answered = [i for i in its if data[i].notna().any()]
            if not answered:
                continue
            parts.append(H.figure_img(
                P.likert_bars(data, answered, bins=bins, labels=labels),
                t("Answers per item on its scale {s} (left: low, right: high).", s=sc.text)))
            lt = likert_table(data, answered, bins=bins, labels=labels)
            tables["answer ranges " + sc.text if len(groups) > 1 else "likert bins"] = lt
            parts.append(H.table(lt, t("Counts per answer range (scale {s})", s=sc.text)))
    rows = []
    for i in items:
        sc = opts.item_scales[i]
        x = data[i].to_numpy(dtype=float)
        obs = x[np.isfinite(x)]
        tb = _box_share(obs, sc, True)
        bb = _box_share(obs, sc, False)
        rows.append({
            "item": i, "question": questions.get(i, ""), "scale": sc.text, "n": int(obs.size),
            "missing": int(x.size - obs.size),
            "mean": float(obs.mean()) if obs.size else float("nan"),
            "sd": float(obs.std(ddof=1)) if obs.size > 1 else float("nan"),
            "top box %": 100 * tb, "bottom box %": 100 * bb,
        })
    desc = pd.DataFrame(rows).set_index("item")
    if not desc["question"].astype(bool).any():
        desc = desc.drop(columns="question")
    tables["item statistics"] = desc
    cont = all(opts.item_scales[i].continuous for i in items)
    k = 2 if all(opts.item_scales[i].points >= 5 for i in items) else 1
    caption = (t("Item statistics: every answer available for each item (n answers, missing); top / bottom box: "
                 "answers in the top / bottom fifth of the score's range") if cont else
               t("Item statistics: every answer available for each item (n answers, missing); top / bottom box: "
                 "the highest / lowest {k} point(s) of the item's scale", k=k))
    parts.append(H.table(desc, caption, digits=2))
    pool_items = [i for i in (list(opts.satisfaction_items) or items) if i in data.columns]
    sc = opts.scale_of(pool_items)
    pooled = data[pool_items].to_numpy(dtype=float)
    pooled = pooled[~np.isnan(pooled)]
    mid = (sc.lo + sc.hi) / 2
    if pooled.size and not sc.continuous and sc.points >= 3:
        from acsi.survey.response_style import _default_ranges

        rg = _default_ranges(int(sc.lo), int(sc.hi))
        (a0, a1), (d0, d1) = rg["agree"], rg["disagree"]
        up, low = (pooled >= a0) & (pooled <= a1), (pooled >= d0) & (pooled <= d1)
        parts.append(H.callout(t(
            "Pooling all {n} answers of {items}: <b>{a:.0f}%</b> in the upper part of the scale ({up}), "
            "<b>{d:.0f}%</b> in the lower part ({low}), the rest at the midpoint.",
            n=pooled.size, items=H.esc(item_range(pool_items)), a=100 * up.mean(), d=100 * low.mean(),
            up=f"{a0:g}-{a1:g}", low=f"{d0:g}-{d1:g}")))
    elif pooled.size:
        parts.append(H.callout(t("Pooled mean of all {n} answers of {items}: {m:.2f} (scale midpoint {mid:g}).",
                                 n=pooled.size, items=H.esc(item_range(pool_items)), m=pooled.mean(), mid=mid)))
    return "".join(parts), tables


def item_range(items: Sequence[str]) -> str:
    return f"{items[0]}-{items[-1]}" if len(items) > 3 else ", ".join(items)


def measurement_section(res: Any, data: pd.DataFrame, blocks: Mapping[str, list[str]], family: FamilyPart,
                        boot: Any = None, hocs: Mapping[str, list[str]] | None = None) -> Section:
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
    parts.append("<p>" + t(
        "Internal consistency should reach 0.7 (Cronbach's alpha, omega, rho_A, rho_C; Nunnally and Bernstein "
        "1994) and the average variance extracted (AVE) 0.5 (Fornell and Larcker 1981). Single-item constructs "
        "have reliability 1 by definition (their measurement error cannot be estimated); omega needs at least "
        "three items.") + "</p>")
    if hocs:
        parts.append("<p>" + t(
            "Higher-order constructs ({hocs}) are evaluated as Sarstedt et al. (2019) prescribe: the lower-order "
            "constructs with their items, the higher-order construct with its lower-order constructs as its "
            "indicators (their scores); both levels should meet the same thresholds.",
            hocs=H.esc(", ".join(f"{h}: {' + '.join(v)}" for h, v in hocs.items()))) + "</p>")
    parts.append(H.table(rel, t("Reliability and convergent validity")))
    drawn = rel[[c for c in ("alpha", "rho_a", "rho_c", "ave") if c in rel.columns]]
    parts.append(H.figure_img(P.reliability_chart(drawn),
                              t("Reliability per construct: dashed line 0.7, dotted line 0.5 (AVE).")))
    parts.append(f"<h3>{t('Loadings')}</h3>")
    parts.append(H.figure_img(P.loadings_chart(res), t("Indicator loadings; hatched bars fall below 0.708 (less "
                                                       "than half of the item's variance explained).")))
    tables["loadings"] = loadings_table(res)
    # discriminant validity
    if len(blocks) >= 2:
        htmt = family.htmt(res, data, blocks)
        tables["HTMT"] = htmt
        parts.append(f"<h3>{t('Discriminant validity (HTMT)')}</h3>")
        parts.append("<p>" + t("Heterotrait-monotrait ratios below 0.85 (0.90 for conceptually close constructs) "
                               "support discriminant validity (Henseler, Ringle and Sarstedt 2015).") + "</p>")
        parts.append(H.table(htmt, "HTMT"))
        vals = htmt.to_numpy(dtype=float)
        high = [(htmt.index[i], htmt.columns[j], vals[i, j]) for i in range(vals.shape[0])
                for j in range(vals.shape[1]) if np.isfinite(vals[i, j]) and i != j and vals[i, j] >= 0.85]
        if high:
            txt = "; ".join(f"{a} - {b}: {v:.2f}" for a, b, v in high)
            parts.append(H.callout(t("HTMT at or above 0.85: {pairs}.", pairs=H.esc(txt)), "warn"))
        if boot is not None:
            bh = boot.htmt[["source", "target", "est", "ci_lower", "ci_upper"]].copy()
            tables["HTMT bootstrap"] = bh
            parts.append(H.table(bh.set_index(["source", "target"]),
                                 t("HTMT with bootstrap percentile intervals ({n} resamples): an upper limit "
                                   "below 0.85 (or 1) supports discriminant validity", n=boot.n)))
        for key, caption, tab in family.validity_tables(res):
            tables[key] = tab
            parts.append(H.table(tab, t(caption)))
    return "".join(parts), tables


def structural_section(res: Any, boot: Any, family: FamilyPart, hocs: Mapping[str, list[str]] | None = None,
                       ) -> tuple[str, dict[str, pd.DataFrame], pd.DataFrame]:
    """Path diagram, path table with significance stars, R-squared and effects (and the
    lower-order -> higher-order weights of a model with higher-order constructs); also returns
    the path table (the limitations section's power uses it)."""
    import acsi.plotting as P
    from acsi.plotting.paths import significance_stars

    parts = []
    fig = P.path_diagram(res, boot)
    parts.append(H.figure_img(fig, t("Structural model: path coefficients with significance stars from {how}; "
                                     "R² inside the endogenous constructs; dashed arrows are not significant at 5%.",
                                     how=family.significance(boot))))
    tab = family.paths(res, boot)
    if "pvalue" in tab.columns:
        tab = tab.assign(sig=[significance_stars(p) for p in tab["pvalue"]])
    parts.append(H.table(tab.set_index(["source", "target"]), t(family.path_caption)))
    tables: dict[str, pd.DataFrame] = {}
    if hocs:
        ho = family.higher_order(res, boot, hocs)
        tables["higher-order"] = ho
        parts.append(f"<h3>{t('Higher-order constructs')}</h3>")
        parts.append("<p>" + t(family.higher_order_text) + "</p>")
        parts.append(H.table(ho.set_index(["source", "target"]), t("Lower-order constructs in their higher-order "
                                                                   "construct")))
    outcomes = list(dict.fromkeys(str(x) for x in tab["target"]))
    r2t = family.r_squared(res, outcomes)
    parts.append(H.table(r2t, t("Explained variance (R²) of the endogenous constructs")))
    tables.update({"paths": tab, "r_squared": r2t})
    eff = family.effects(res)
    if eff is not None:
        tables["effects"] = eff
        parts.append(H.table(eff.set_index(["source", "target"]), t("Direct, indirect and total effects")))
    return "".join(parts), tables, tab


def second_order_section(res: Any, data: pd.DataFrame, model: str, items: Sequence[str],
                         hocs: Mapping[str, list[str]], family: FamilyPart, boot: Any) -> Section:
    """The same model in the other family, side by side (PLS report: the second-order factor
    model by CB-SEM ML, lavaan's defaults): the higher-order weights/loadings and the paths of
    both, CB-SEM's fit, and whether the CB-SEM solution is admissible (Heywood cases)."""
    import warnings

    if family.method != "pls":
        return "", {}
    from acsi.cbsem.api import sem

    parts = [f"<h3>{t('The same chain as a second-order factor model (CB-SEM)')}</h3>",
             "<p>" + t("For comparison, the same syntax estimated by CB-SEM (maximum likelihood, lavaan's defaults): "
                       "{hocs} becomes a second-order common factor whose first-order factors carry the items' "
                       "shared variance. PLS gives composites (weights); CB-SEM gives standardized loadings of the "
                       "first-order factors on the second-order factor.",
                       hocs=H.esc(", ".join(hocs))) + "</p>"]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            cb = sem(model, data[list(items)])
        except Exception as exc:  # a failed comparison fit must not stop the report; it is shown
            parts.append(H.callout(t("The CB-SEM fit failed: {why}", why=H.esc(f"{type(exc).__name__}: {exc}")),
                                   "bad"))
            return "".join(parts), {}
    est = cb.estimates
    pls_ho = family.higher_order(res, boot, hocs).set_index(["source", "target"])
    pls_paths = res.path_table.set_index(["source", "target"])["est"]
    rows = []
    for h, dims in hocs.items():
        for d in dims:
            r = est[(est["lhs"] == h) & (est["op"] == "=~") & (est["rhs"] == d)]
            rows.append({"source": d, "target": h, "pls_est": float(pls_ho.loc[(d, h), "est"]),
                         "pls_loading": float(pls_ho.loc[(d, h), "loading"]) if "loading" in pls_ho.columns
                         else np.nan,
                         "cbsem_std_all": float(r["std_all"].iloc[0]) if len(r) else np.nan,
                         "cbsem_pvalue": float(r["pvalue"].iloc[0]) if len(r) else np.nan})
    for (a, b), v in pls_paths.items():
        r = est[(est["lhs"] == b) & (est["op"] == "~") & (est["rhs"] == a)]
        rows.append({"source": a, "target": b, "pls_est": float(v), "pls_loading": np.nan,
                     "cbsem_std_all": float(r["std_all"].iloc[0]) if len(r) else np.nan,
                     "cbsem_pvalue": float(r["pvalue"].iloc[0]) if len(r) else np.nan})
    side = pd.DataFrame(rows)
    parts.append(H.table(side.set_index(["source", "target"]),
                         t("PLS (higher-order weights and loadings, path coefficients) and CB-SEM (standardized "
                           "loadings and paths) side by side"), digits=3))
    fm = cb.fit_measures.to_series()
    parts.append("<p>" + t("CB-SEM fit: chi-square {chisq:.2f} on {df:.0f} df (p = {p:.3f}), CFI {cfi:.3f}, "
                           "RMSEA {rmsea:.3f}, SRMR {srmr:.3f}.", chisq=fm["chisq"], df=fm["df"], p=fm["pvalue"],
                           cfi=fm["cfi"], rmsea=fm["rmsea"], srmr=fm["srmr"]) + "</p>")
    var = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"])]
    neg = [f"{a} ({v:.3f})" for a, v in zip(var["lhs"], var["est"]) if v < 0]
    big = [f"{a} {o} {b} ({v:.3f})" for a, o, b, v in zip(est["lhs"], est["op"], est["rhs"], est["std_all"])
           if o in ("=~", "~") and np.isfinite(v) and abs(v) > 1]
    caught = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in rec))
    if neg or big:
        parts.append(H.callout(t("<b>Heywood case.</b> The CB-SEM solution is inadmissible: {what}. Its estimates "
                                 "are not interpretable as they stand; with n = {n} this is a common small-sample "
                                 "outcome.", what=H.esc("; ".join(neg + big)), n=int(cb.nobs)), "bad"))
    else:
        parts.append("<p>" + t("The CB-SEM solution is admissible: no negative variance and no standardized loading "
                               "or path beyond 1 in absolute value.") + "</p>")
    if caught:
        parts.append(H.callout(H.esc("; ".join(caught)), "warn"))
    loads = est[(est["op"] == "=~") & est["rhs"].isin(list(items))]
    fixed = [f"{c} ({v.iloc[0]})" for c, v in loads.groupby("lhs", sort=False)["rhs"] if len(v) == 1]
    if fixed:
        single = t("Single-item factors ({items}) have their item's residual variance fixed at 0 in CB-SEM (the "
                   "item is taken as error-free), matching the reliability of 1 that PLS assumes for them.",
                   items=H.esc(", ".join(fixed)))
        parts.append(f"<p class='muted'>{single}</p>")
    fit = fm.to_frame("value")
    fit.loc["admissible", "value"] = float(not (neg or big))
    tables = {"second-order CB-SEM": side, "second-order CB-SEM fit": fit}
    return "".join(parts), tables


def definitions(opts: ReportOptions) -> str:
    """"satisfied: mean of S1-S3 at least 5.2 on 1-7; loyal: ..." (next to every number using them)."""
    sat, loy = list(opts.satisfaction_items), list(opts.loyalty_items)
    return t("satisfied: mean of {sat} at least {s:g} on {ssc}; loyal: mean of {loy} at least {l:g} on {lsc}",
             sat=item_range(sat), s=opts.satisfied_min, ssc=opts.scale_of(sat).text,
             loy=item_range(loy), l=opts.loyal_min, lsc=opts.scale_of(loy).text)


def _scores(data: pd.DataFrame, opts: ReportOptions) -> tuple[pd.Series, pd.Series]:
    """Per respondent the mean of the answered satisfaction (loyalty) items."""
    sat = data[list(opts.satisfaction_items)].mean(axis=1).rename("satisfaction")
    loy = data[list(opts.loyalty_items)].mean(axis=1).rename("loyalty")
    return sat, loy


def conversion_of(data: pd.DataFrame, opts: ReportOptions) -> tuple[Any, str]:
    """The satisfied-to-loyal conversion and why it is missing: ``(result, "")``, or ``(None,
    "none")`` when nobody is satisfied, ``(None, "all")`` when everybody is (no comparison
    group), ``(None, "items")`` without satisfaction or loyalty items."""
    from acsi.survey import conversion

    if not (opts.satisfaction_items and opts.loyalty_items):
        return None, "items"
    sat, loy = _scores(data, opts)
    both = sat.notna() & loy.notna()
    satisfied = sat[both] >= opts.satisfied_min
    if not satisfied.any():
        return None, "none"
    if satisfied.all():
        return None, "all"
    return conversion(sat[both], loy[both], satisfied=opts.satisfied_min, loyal=opts.loyal_min), ""


def satisfied_not_loyal(data: pd.DataFrame, opts: ReportOptions) -> tuple[int, int]:
    """(satisfied and not loyal, satisfied) among the respondents with both scores."""
    sat, loy = _scores(data, opts)
    both = sat.notna() & loy.notna()
    s = sat[both] >= opts.satisfied_min
    return int((s & (loy[both] < opts.loyal_min)).sum()), int(s.sum())


def loyalty_section(data: pd.DataFrame, opts: ReportOptions) -> tuple[str, dict[str, pd.DataFrame]]:
    from acsi.survey import nps

    parts: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    sat_items, loy_items = list(opts.satisfaction_items), list(opts.loyalty_items)
    if sat_items and loy_items:
        defs = definitions(opts)
        parts.append("<p>" + t(
            "A respondent counts as <b>satisfied</b> when the mean of {sat} is at least {s:g} on its scale {ssc} "
            "({sdef}), and as <b>loyal</b> when the mean of {loy} is at least {l:g} on {lsc} ({ldef}).",
            sat=H.esc(item_range(sat_items)), s=opts.satisfied_min, ssc=opts.scale_of(sat_items).text,
            sdef=t("the top 30% of the scale's range (default)") if opts.satisfied_default else t("as set"),
            loy=H.esc(item_range(loy_items)), l=opts.loyal_min, lsc=opts.scale_of(loy_items).text,
            ldef=t("the top 30% of the scale's range (default)") if opts.loyal_default else t("as set")) + "</p>")
        conv, why = conversion_of(data, opts)
        if why == "none":
            parts.append(H.callout(t("No respondent is satisfied ({defs}); set a lower threshold (satisfied=..., "
                                     "--satisfied) if the definition is too strict.", defs=H.esc(defs)), "warn"))
        elif why == "all":
            k, m = satisfied_not_loyal(data, opts)
            parts.append(H.callout(t("Every respondent is satisfied ({defs}): there is no one to compare them with; "
                                     "{k} of {n} are not loyal. Set a higher threshold (satisfied=..., --satisfied) "
                                     "for the conversion table.", defs=H.esc(defs), k=k, n=m), "warn"))
        else:
            tables["conversion counts"] = conv.table
            tables["conversion"] = conv.to_frame()
            nl = conv.not_loyal
            parts.append(H.callout(t(
                "<b>{k} of {n}</b> satisfied respondents ({p:.0f}%, 95% CI {lo:.0f}-{hi:.0f}%) are not loyal: the "
                "customers lost between satisfied and loyal ({defs}).", k=conv.n_satisfied_not_loyal,
                n=conv.n_satisfied, p=100 * nl.estimate, lo=100 * nl.ci_lower, hi=100 * nl.ci_upper,
                defs=H.esc(defs)), "warn"))
            parts.append(H.table(conv.table, t("Satisfied x loyal (counts)")))
            parts.append(H.table(conv.to_frame(), t("Conversion: share not loyal, odds ratio and risk ratio (the "
                                                    "risk ratio is tested against {rr:g})", rr=conv.rr_null)))
            if opts.lang == "en":
                for note in conv.notes:
                    parts.append(f"<p class='muted'>{H.esc(note)}</p>")
    if opts.recommend is not None:
        sc = opts.item_scales.get(opts.recommend) or opts.scale_of([opts.recommend])
        lo, hi = sc.lo, sc.hi
        rec = data[opts.recommend]
        if (lo, hi) == (0.0, 10.0):
            r = nps(rec, scale=(0, 10))
        else:
            top = (hi - 1, hi)
            det = (lo, lo + round(0.6 * (hi - lo + 1)) - 1) if (lo, hi) != (1.0, 10.0) else (1, 6)
            r = nps(rec, scale=(lo, hi), mapping={"promoter": top, "detractor": det})
        tables["NPS"] = r.to_frame()
        parts.append(f"<h3>{t('Net Promoter Score')}</h3>")
        parts.append(f'<p><span class="big">{r.nps:+.0f}</span> &nbsp;'
                     + t("NPS of {item} (95% CI {lo:+.0f} to {hi:+.0f}; n = {n})", item=H.esc(opts.recommend),
                         lo=r.ci_lower, hi=r.ci_upper, n=r.n) + "</p>")
        if r.proxy:
            mp = r.mapping
            parts.append(H.callout(t(
                "<b>Proxy.</b> The NPS is defined on the 0-10 recommend question (promoters 9-10, detractors 0-6; "
                "Reichheld 2003). This item is on {sc}, so the score uses promoters {p} and detractors {d}: an "
                "NPS-like index, not comparable with published NPS benchmarks.", sc=sc.text,
                p=f"{mp['promoter'][0]:g}-{mp['promoter'][1]:g}", d=f"{mp['detractor'][0]:g}-{mp['detractor'][1]:g}"),
                "warn"))
        parts.append(H.table(r.to_frame(), t("Promoters, passives and detractors")))
    if not parts:
        parts.append("<p class='muted'>" + t(
            "No satisfaction and loyalty items were identified (name the constructs <code>satisfaction</code> and "
            "<code>loyalty</code>), so the conversion and the NPS are not computed.") + "</p>")
    return "".join(parts), tables


def segments_section(data: pd.DataFrame, opts: ReportOptions) -> Section:
    """Satisfaction by each profile question of ``opts.segment`` (mean with CI and the share
    satisfied), and the value-weighted share satisfied when ``opts.value`` is given."""
    from acsi.survey import by_segment, value_weighted_index

    sat_items = list(opts.satisfaction_items)
    if not sat_items:
        return f"<p class='muted'>{t('Segments need satisfaction items (a construct named satisfaction).')}</p>", {}
    parts: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    frame = data.copy()
    frame["__score"] = data[sat_items].mean(axis=1)
    frame["__satisfied"] = (frame["__score"] >= opts.satisfied_min).astype(float)
    sat_def = t("satisfied: mean of {sat} at least {s:g} on {ssc}; loyal: mean of {loy} at least {l:g} on {lsc}",
                sat=item_range(sat_items), s=opts.satisfied_min, ssc=opts.scale_of(sat_items).text,
                loy=item_range(list(opts.loyalty_items) or sat_items), l=opts.loyal_min,
                lsc=opts.scale_of(list(opts.loyalty_items) or sat_items).text).split(";")[0]
    if not opts.segment:  # the value-weighted share of everyone
        frame["__everyone"] = t("all")
    for seg in opts.segment or ("__everyone",):
        rows = frame[frame["__score"].notna() & frame[seg].notna()].copy()
        rows[seg] = rows[seg].astype(str) if not isinstance(rows[seg].dtype, pd.CategoricalDtype) else rows[seg]
        if seg != "__everyone":
            tab = by_segment(rows, "__score", seg, threshold=opts.satisfied_min)
            tab = tab.rename(columns=lambda c: str(c))
            tables[f"segments {seg}"] = tab
            parts.append(f"<h3>{t('Satisfaction by {seg}', seg=H.esc(seg))}</h3>")
            parts.append("<p>" + t("Satisfaction (mean of {items}, on {sc}) by {seg}, with 95% t intervals; the "
                                   "share satisfied uses {defs}.", items=H.esc(item_range(sat_items)),
                                   sc=opts.scale_of(sat_items).text, seg=H.esc(seg), defs=H.esc(sat_def)) + "</p>")
            parts.append(H.table(tab, t("Satisfaction by {seg}", seg=seg), digits=2))
        if opts.value is not None:
            vrows = rows[pd.to_numeric(rows[opts.value], errors="coerce").notna()].copy()
            vrows[opts.value] = pd.to_numeric(vrows[opts.value], errors="coerce")
            vwi = value_weighted_index(vrows, "__satisfied", seg, opts.value)
            vt = vwi.table
            if seg == "__everyone":
                vt = vt.drop(columns=[c for c in vt.columns if c not in ("overall", "value_weighted")])
            tables[f"value-weighted {seg}" if seg != "__everyone" else "value-weighted"] = vt
            overall = float(vt["overall"].iloc[0])
            weighted = float(vt["value_weighted"].iloc[0])
            parts.append(H.callout(t("Share satisfied: overall {o:.1f}%, weighted by {v}: {w:.1f}%.",
                                     o=100 * overall, v=H.esc(opts.value), w=100 * weighted)
                                   + " (" + H.esc(sat_def) + ")"
                                   + (" " + t("The high-value customers are less satisfied than the average "
                                              "customer.") if weighted < overall else ""),
                                   "warn" if weighted < overall else ""))
            parts.append(H.table(vt, t("Value-weighted index: share satisfied weighted by {v}", v=opts.value),
                                 digits=3))
    return "".join(parts), tables


def limitations_section(res: Any, data: pd.DataFrame, answers: pd.DataFrame, paths: pd.DataFrame | None,
                        blocks: Mapping[str, list[str]], family: FamilyPart, opts: ReportOptions,
                        n_dropped: int) -> Section:
    """Sample size and the power of each path's test, the minimum sample, response styles and
    what a cross-sectional survey cannot tell."""
    from acsi.survey import response_styles

    n = int(res.nobs)
    parts = [f"<h3>{t('Sample size and power')}</h3><p>" + t("The model was estimated on <b>n = {n}</b> respondents",
                                                             n=n)
             + (t(" ({k} rows with missing answers were dropped)", k=n_dropped) if n_dropped else "") + t(". ")]
    tables: dict[str, pd.DataFrame] = {}
    if paths is not None and len(paths):
        how, pw = family.power(res, paths, n)
        parts.append(t(how) + "</p>")
        tables["power"] = pw.reset_index()
        low = pw[pw["power"] < 0.8]
        parts.append(H.table(pw, t("Power per path (5% level)"), digits=3))
        if len(low):
            parts.append(H.callout(t("{k} of {m} paths had less than 80% power: a non-significant path here is weak "
                                     "evidence of no effect, not evidence of none.", k=len(low), m=len(pw)), "warn"))
        est = paths["est"].abs()
        est = est[est > 0]
        if len(est):
            pmin = float(est.min())
            nmin = inverse_sqrt_min_n(pmin)
            parts.append("<p>" + t("Kock and Hadaya's (2018) inverse square root rule asks for n &ge; {nmin} to "
                                   "detect the smallest path (|{p:.2f}|) at 5% with 80% power; the sample has {n}.",
                                   nmin=nmin, p=pmin, n=n) + "</p>")
    else:
        parts.append("</p>")
    items = list(dict.fromkeys(i for b in blocks.values() for i in b))
    scs = {(opts.item_scales[i].lo, opts.item_scales[i].hi) for i in items}
    whole = not any(opts.item_scales[i].continuous for i in items)
    parts.append(f"<h3>{t('Response styles')}</h3><p>" + t(
        "A long rating scale can invite answers in the middle. Per respondent: the share of midpoint answers, of "
        "extreme answers, of agreeing answers, and straight-lining (the same answer to every item).") + "</p>")
    if len(scs) == 1 and whole and len(items) >= 2 and (lambda s: s[1] - s[0] >= 2)(next(iter(scs))):
        rs = response_styles(data, items, scale=next(iter(scs)))
        parts.append(_response_styles_html(rs))
        tables["response styles"] = rs.overall
        tables["response styles per respondent"] = rs.respondents
    else:
        parts.append("<p class='muted'>" + t(
            "Response styles are computed for items sharing one whole-number scale; the items here are on "
            "different scales or hold decimals.") + "</p>")
    parts.append(f"<h3>{t('What the data cannot tell')}</h3><ul>"
                 f"<li>{t('Cross-sectional data: the paths are associations consistent with the model, not proof of causation.')}</li>"  # noqa: E501
                 "<li>" + t("The estimates describe the sample; figures for a population need a random sample (or "
                            "weights by segment and customer value).") + "</li></ul>")
    return "".join(parts), tables


def _response_styles_html(rs: Any) -> str:
    m = rs.overall.loc["midpoint"]
    # central tendency: more midpoint answers than an even spread would give, and the answers are
    # not piled at the top of the scale (answers at the top are agreement, not a central tendency)
    agree = rs.overall.loc["agree"] if "agree" in rs.overall.index else None
    central = bool(m["ci_lower"] > m["uniform_share"]
                   and (agree is None or agree["share"] <= m["share"] or agree["share"] < 0.5))
    verdict = (
        t("Midpoint answers ({lo:g}-{hi:g}) are <b>{p:.0f}%</b> of all answers (95% CI {a:.0f}-{b:.0f}%), "
          "against {u:.0f}% for an answerer spreading evenly over the scale: ",
          lo=rs.ranges["midpoint"][0], hi=rs.ranges["midpoint"][1], p=100 * m["share"], a=100 * m["ci_lower"],
          b=100 * m["ci_upper"], u=100 * m["uniform_share"])
        + (t("<b>central tendency is present</b>.") if central else t("no sign of central tendency beyond that."))
        + t(" Straight-liners (the same answer to every item): <b>{k}</b> of {n}.", k=rs.n_straightliners,
            n=len(rs.respondents))
    )
    return (H.callout(verdict, "warn" if central or rs.n_straightliners else "")
            + H.table(rs.overall, t("Pooled answers by response range"))
            + H.table(rs.items, t("Response styles per item")))


def method_notes(model: str, opts: ReportOptions, family: FamilyPart, boot: Any) -> str:
    """Settings, the model text and the sources of the thresholds."""
    settings = [(t("method"), t(METHODS[opts.method])), (t("rating scale"), scales_text(opts)),
                (t("missing codes"), ", ".join(f"{v:g}" for v in opts.na_values) or t("none")),
                (t("satisfied / loyal"), definitions(opts) if opts.satisfaction_items and opts.loyalty_items
                 else t("mean >= {s:g} / mean >= {l:g}", s=opts.satisfied_min, l=opts.loyal_min))]
    settings += family.settings(opts, boot)
    return (H.kv_table(settings, t("Settings")) + f"<h3>{t('Model')}</h3>"
            + f"<div class='scroll'><pre>{H.esc(model)}</pre></div>"
            + "<p class='muted'>" + t("Thresholds: Hair et al. (2017, 2019) for reliability and loadings, Henseler "
                                      "et al. (2015) for HTMT, Hu and Bentler (1999) for fit, Cohen (1988) for f².")
            + "</p>")


def key_findings(res: Any, struct: Sequence[tuple[str, str]], headline: str | None, index: pd.DataFrame | None,
                 paths: pd.DataFrame | None, tables: Mapping[str, pd.DataFrame], opts: ReportOptions,
                 n: int, answers: pd.DataFrame) -> str:
    """The block at the top, in plain language: the headline index with its CI, the strongest
    and weakest driver, the satisfied-but-not-loyal share (with its definition) and what this
    sample size can and cannot detect (:mod:`acsi.stats.power`)."""
    from acsi.stats.power import f2_for_power

    items: list[str] = []
    if index is not None and headline is not None and headline in index.index:
        row = index.loc[headline]
        ci = (t(" (95% CI {lo:.1f} to {hi:.1f})", lo=row["ci_lower"], hi=row["ci_upper"])
              if "ci_lower" in index.columns and np.isfinite(row["ci_lower"]) else "")
        items.append(t("{c} index: <b>{v:.1f}</b> of 100{ci}", c=H.esc(headline), v=row["index"], ci=ci)
                     + " (" + H.esc(scales_text(opts)) + ")")
    elif headline is not None and opts.method == "pls":
        items.append(t("The index is undefined for {c}: see the index section.", c=H.esc(headline)))
    if paths is not None and len(paths):
        target = headline if headline in set(paths["target"]) else str(paths["target"].iloc[-1])
        into = paths[paths["target"] == target].copy()
        into = into.assign(absest=into["est"].abs()).sort_values("absest", ascending=False)
        if len(into) >= 2:
            s, w = into.iloc[0], into.iloc[-1]
            items.append(t("Strongest driver of {t}: <b>{s}</b> (path {b:.2f}); weakest: <b>{w}</b> (path {c:.2f}).",
                           t=H.esc(target), s=H.esc(s["source"]), b=s["est"], w=H.esc(w["source"]), c=w["est"]))
        elif len(into) == 1:
            s = into.iloc[0]
            items.append(t("Only driver of {t}: <b>{s}</b> (path {b:.2f}).", t=H.esc(target), s=H.esc(s["source"]),
                           b=s["est"]))
    ho = tables.get("higher-order")
    if ho is not None and len(ho):
        for h, part in ho.groupby("target", sort=False):
            part = part.sort_values("est", ascending=False)
            s, w = part.iloc[0], part.iloc[-1]
            items.append(t("Strongest dimension of {h}: <b>{s}</b> (weight {b:.2f}); weakest: <b>{w}</b> (weight "
                           "{c:.2f}).", h=H.esc(str(h)), s=H.esc(s["source"]), b=s["est"], w=H.esc(w["source"]),
                           c=w["est"]))
    cfit, cside = tables.get("second-order CB-SEM fit"), tables.get("second-order CB-SEM")
    if cfit is not None and cside is not None:
        v = cfit["value"]
        line = t("The same chain by CB-SEM (second-order factor): chi-square {chisq:.1f} on {df:.0f} df (p = {p:.3f}), "
                 "CFI {cfi:.3f}, RMSEA {rmsea:.3f}; ", chisq=v["chisq"], df=v["df"], p=v["pvalue"], cfi=v["cfi"],
                 rmsea=v["rmsea"])
        line += (t("the solution is admissible.") if v["admissible"] else
                 t("<b>the solution is inadmissible (Heywood case)</b>: see the structural model."))
        paths_cb = cside[~cside["source"].isin(list(dict.fromkeys(ho["source"])) if ho is not None else [])]
        for _, r in paths_cb.iterrows():
            line += " " + t("Standardized {s} -> {t}: {b:.2f} (PLS: {p:.2f}).", s=H.esc(r["source"]),
                            t=H.esc(r["target"]), b=r["cbsem_std_all"], p=r["pls_est"])
        items.append(line)
    if opts.satisfaction_items and opts.loyalty_items:
        k, m = satisfied_not_loyal(answers, opts)
        if m:
            items.append(t("<b>{k} of {n}</b> satisfied respondents ({p:.0f}%) are not loyal ({defs}).", k=k, n=m,
                           p=100 * k / m, defs=H.esc(definitions(opts))))
        else:
            items.append(t("No respondent is satisfied ({defs}): the satisfied-but-not-loyal share is undefined.",
                           defs=H.esc(definitions(opts))))
    if paths is not None and len(paths):
        k_max = int(paths.groupby("target").size().max())
        b_min = 2.486 / np.sqrt(n)  # Kock and Hadaya's inverse square root rule
        f2 = float("nan")
        if n - k_max - 1 >= 1:
            f2 = f2_for_power(n, k_max)
        pw = tables.get("power")
        low = int((pw["power"] < 0.8).sum()) if pw is not None else 0
        items.append(t("Sample size: with n = {n}, a path as weak as {b:.2f} is detected with 80% power (5% level); "
                       "weaker paths (f² below {f2:.3f}) may be missed; {k} of {m} paths here had less than 80% "
                       "power.", n=n, b=b_min, f2=f2, k=low, m=len(paths)))
    else:
        items.append(t("Sample size: n = {n}. The model has no structural paths, so no path power is computed.", n=n))
        items.append(t("Measurement model only: reliability and validity are reported; there is no structural part."))
    return "<ul class='findings'>" + "".join(f"<li>{x}</li>" for x in items) + "</ul>"
