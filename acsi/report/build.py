"""Build the HTML report: from a data set and a model to one self-contained file.

:func:`build_report` runs every analysis (measurement, structural model, bootstrap, index,
IPMA, survey analyses, power) and assembles the sections; :func:`demo_report` does it for the
shipped e-banking survey. The analyses are the library's public functions: the report adds
layout and the usual thresholds, never its own statistics (except the power of each path,
:mod:`acsi.report.power`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from acsi.exceptions import DataError, SpecificationError
from acsi.report import html as H
from acsi.report.power import inverse_sqrt_min_n, n_for_power, path_power
from acsi.datasets.ebanking import MODEL as EBANKING_MODEL
from acsi.spec.syntax import ParsedModel, parse_model

__all__ = ["Report", "ReportOptions", "build_report", "demo_report", "DEMO_MODEL", "model_blocks"]

#: The e-banking demo model: the SERVQUAL dimensions of the questionnaire (seed report,
#: Q8-Q15) as drivers of loyalty intention (Q16 recommend, Q17 first choice); the model
#: shipped with the data set (``acsi.datasets.ebanking.MODEL``).
DEMO_MODEL = EBANKING_MODEL

#: Profile questions with more distinct answers than this are not tabulated.
_MAX_CATEGORIES = 20

_METHODS = {"pls": "PLS path modelling", "ml": "CB-SEM, maximum likelihood", "mlr": "CB-SEM, robust ML (MLR)"}


@dataclass(frozen=True)
class ReportOptions:
    """What the report is built from (recorded in the report's method section).

    Attributes
    ----------
    method : {"pls", "ml", "mlr"}
    bootstrap : int
        PLS bootstrap resamples (0: none; significance then unavailable).
    seed : int
    scale : (float, float)
        Theoretical bounds of the rating items (index, boxes, bins).
    na_values : tuple of float
        Codes declared missing.
    satisfied_min, loyal_min : float
        A respondent is *satisfied* when the mean of the satisfaction items is at least
        ``satisfied_min`` (default 7 of 10: "agree" or better, the seed report's reading),
        *loyal* when the mean of the loyalty items is at least ``loyal_min``.
    recommend : str or None
        The "would recommend" item used for the NPS (proxy on a scale other than 0-10).
    satisfaction_items, loyalty_items : tuple of str
        Items of the two sides of the conversion table.
    """

    method: str = "pls"
    bootstrap: int = 1000
    seed: int = 1
    scale: tuple[float, float] = (1.0, 10.0)
    na_values: tuple[float, ...] = ()
    satisfied_min: float = 7.0
    loyal_min: float = 7.0
    recommend: str | None = None
    satisfaction_items: tuple[str, ...] = ()
    loyalty_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """A finished report: the HTML text, the tables behind it and the fitted results.

    Attributes
    ----------
    title : str
    html : str
        The whole self-contained document.
    tables : dict of str -> DataFrame
        Every result table (written by :meth:`to_excel`).
    result : object
        The PLS or CB-SEM result.
    bootstrap : object or None
        The PLS bootstrap result.
    warnings : tuple of str
        Warnings raised while the analyses ran (also listed in the report).
    """

    title: str
    html: str
    tables: Mapping[str, pd.DataFrame]
    result: Any
    bootstrap: Any = None
    warnings: tuple[str, ...] = ()
    sections: tuple[str, ...] = field(default=())

    def write(self, path: str | Path) -> Path:
        """Write the HTML file (UTF-8); returns its path."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def to_excel(self, path: str | Path) -> Path:
        """Write every table to its own sheet of an ``.xlsx`` workbook (needs openpyxl)."""
        from acsi.results.base import write_excel

        return write_excel(self.tables, path)


# --------------------------------------------------------------------------- model helpers


def model_blocks(model: str | ParsedModel) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Measurement blocks ``{construct: [items]}`` and structural paths ``[(source, target)]``.

    Examples
    --------
    >>> blocks, paths = model_blocks("sat =~ s1 + s2; loy =~ l1; loy ~ sat")
    >>> blocks, paths
    ({'sat': ['s1', 's2'], 'loy': ['l1']}, [('sat', 'loy')])
    """
    parsed = model if isinstance(model, ParsedModel) else parse_model(model)
    blocks: dict[str, list[str]] = {}
    for s in parsed.by_op("=~", "<~"):
        blocks.setdefault(s.lhs, [])
        if s.rhs not in blocks[s.lhs]:
            blocks[s.lhs].append(s.rhs)
    paths = [(s.rhs, s.lhs) for s in parsed.by_op("~") if s.rhs]
    return blocks, paths


def _find(blocks: Mapping[str, list[str]], *names: str) -> str | None:
    low = {k.lower(): k for k in blocks}
    for n in names:
        if n in low:
            return low[n]
    return None


# --------------------------------------------------------------------------- sections


def _profile_section(data: pd.DataFrame, model_items: set[str]) -> tuple[str, dict[str, pd.DataFrame]]:
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
    many = [c for c in cats if data[c].nunique(dropna=True) > _MAX_CATEGORIES]
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
        parts.append(f"<p class='muted'>Not tabulated (more than {_MAX_CATEGORIES} distinct answers, e.g. "
                     f"identifiers or free text): {H.esc(', '.join(map(str, many)))}.</p>")
    if not parts:
        parts.append("<p class='muted'>The data hold no categorical profile questions.</p>")
    return "".join(parts), tables


def _items_section(data: pd.DataFrame, blocks: Mapping[str, list[str]], opts: ReportOptions) -> tuple[str, dict[str, pd.DataFrame]]:
    import acsi.plotting as P
    from acsi.survey import likert_table, top_box, bottom_box

    items = [i for b in blocks.values() for i in b]
    questions = data.attrs.get("questions", {}) if isinstance(data.attrs.get("questions"), dict) else {}
    lo, hi = opts.scale
    parts = []
    default_bins = (lo, hi) == (1.0, 10.0)
    fig = P.likert_bars(data, items) if default_bins else None
    if fig is not None:
        parts.append(H.figure_img(fig, "Answers per item, binned 1-2 / 3-4 / 5-6 / 7-8 / 9-10 (left: disagree, right: agree)."))
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
        agree = float(np.mean(pooled >= 7))
        disagree = float(np.mean(pooled <= 4))
        parts.append(H.callout(
            f"Pooling all {pooled.size} answers of {H.esc(_item_range(pool_items))}: <b>{100 * agree:.0f}%</b> agree or "
            f"strongly agree (7-10), <b>{100 * disagree:.0f}%</b> disagree or strongly disagree (1-4), "
            f"the rest are neutral (5-6)."))
    else:
        parts.append(H.callout(f"Pooled mean of all {pooled.size} answers of {H.esc(_item_range(pool_items))}: {pooled.mean():.2f} "
                               f"(scale midpoint {mid:g})."))
    return "".join(parts), tables


def _item_range(items: Sequence[str]) -> str:
    return f"{items[0]}-{items[-1]}" if len(items) > 3 else ", ".join(items)


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return ""
    return '<span class="ok">meets</span>' if ok else '<span class="no">misses</span>'


def _measurement_section(res: Any, data: pd.DataFrame, blocks: Mapping[str, list[str]], method: str,
                         boot: Any = None) -> tuple[str, dict[str, pd.DataFrame]]:
    import acsi.plotting as P
    from acsi import reliability as R

    parts: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    multi = {c: it for c, it in blocks.items() if len(it) >= 2}
    # sample-based reliability of each multi-item scale
    rows = []
    for c, it in multi.items():
        a = R.cronbach_alpha(data[it])
        row = {"construct": c, "items": len(it), "alpha": a.alpha, "alpha 95% CI low": a.ci_lower,
               "alpha 95% CI high": a.ci_upper}
        if len(it) >= 3:
            row["omega"] = R.omega(data[it]).omega
        else:
            row["omega"] = float("nan")
        rows.append(row)
    if method == "pls":
        rel = res.reliability.copy()
    else:
        rel = pd.DataFrame({"rho_c": R.composite_reliability(res), "ave": R.ave(res)})
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
    lt = P.loadings_chart(res)
    parts.append("<h3>Loadings</h3>")
    parts.append(H.figure_img(lt, "Indicator loadings; hatched bars fall below 0.708 (less than half of the item's variance explained)."))
    from acsi.plotting.measurement import loadings_table

    tables["loadings"] = loadings_table(res)
    # discriminant validity
    if method == "pls":
        htmt = res.htmt
    else:
        htmt = R.htmt(data, dict(blocks))
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
    if method == "pls":
        tables["Fornell-Larcker"] = res.fornell_larcker
        parts.append(H.table(res.fornell_larcker, "Fornell-Larcker: diagonal sqrt(AVE), off-diagonal construct correlations"))
    return "".join(parts), tables


def _paths_table(res: Any, boot: Any, method: str) -> pd.DataFrame:
    if method == "pls":
        if boot is not None:
            t = boot.paths.copy()
            return t[["source", "target", "est", "boot_se", "t", "pvalue", "ci_lower", "ci_upper"]]
        return res._paths_long().reset_index() if hasattr(res, "_paths_long") else pd.DataFrame()
    est = res.estimates
    reg = est[est["op"] == "~"]
    out = pd.DataFrame({"source": reg["rhs"].values, "target": reg["lhs"].values,
                        "est": reg["est"].values, "se": reg["se"].values, "z": reg["z"].values,
                        "pvalue": reg["pvalue"].values, "ci_lower": reg["ci_lower"].values,
                        "ci_upper": reg["ci_upper"].values, "std_all": reg["std_all"].values})
    return out


def _structural_section(res: Any, boot: Any, method: str) -> tuple[str, dict[str, pd.DataFrame], pd.DataFrame]:
    import acsi.plotting as P
    from acsi.plotting.paths import significance_stars

    parts = []
    fig = P.path_diagram(res, boot if method == "pls" else None)
    how = (f"bootstrap p-values ({boot.n} resamples)" if method == "pls" and boot is not None
           else "z tests" if method != "pls" else "no significance test (bootstrap off)")
    parts.append(H.figure_img(fig, f"Structural model: path coefficients with significance stars from {how}; "
                                   "R² inside the endogenous constructs; dashed arrows are not significant at 5%."))
    tab = _paths_table(res, boot, method)
    if "pvalue" in tab.columns:
        tab = tab.assign(sig=[significance_stars(p) for p in tab["pvalue"]])
    parts.append(H.table(tab.set_index(["source", "target"]),
                         "Path coefficients" + (" (standardized: std_all)" if method != "pls" else " (standardized)")))
    r2 = res.r_squared
    if method != "pls":  # lavaan's r2 also lists the indicators: keep the structural outcomes
        outcomes = list(dict.fromkeys(str(t) for t in tab["target"]))
        r2 = r2[[i for i in r2.index if i in outcomes]]
    r2t = pd.DataFrame({"r_squared": r2})
    if method == "pls":
        r2t["adj_r_squared"] = res.adj_r_squared
    parts.append(H.table(r2t, "Explained variance (R²) of the endogenous constructs"))
    tables = {"paths": tab, "r_squared": r2t}
    if method == "pls":
        eff = res.effects
        tables["effects"] = eff
        parts.append(H.table(eff.set_index(["source", "target"]), "Direct, indirect and total effects"))
    return "".join(parts), tables, tab


_THRESHOLDS = [
    ("cfi", "CFI", ">=", 0.95), ("tli", "TLI", ">=", 0.95), ("rmsea", "RMSEA", "<=", 0.06),
    ("srmr", "SRMR", "<=", 0.08), ("gfi", "GFI", ">=", 0.90), ("agfi", "AGFI", ">=", 0.90),
    ("cfi_robust", "CFI (robust)", ">=", 0.95), ("tli_robust", "TLI (robust)", ">=", 0.95),
    ("rmsea_robust", "RMSEA (robust)", "<=", 0.06),
]


def _fit_section(res: Any, method: str) -> tuple[str, dict[str, pd.DataFrame]]:
    if method == "pls":
        return ("<p>PLS path modelling maximises explained variance and has no likelihood, so "
                "there is no chi-square test of the model and the CB-SEM fit indices do not apply "
                "(Hair et al. 2017). Judge the model by the reliability and validity above, the "
                "R² and the significance of the paths; estimate the same model with "
                "<code>--method ml</code> for a test of fit.</p>"), {}
    fm = res.fit_measures
    s = fm.to_series()
    rows = []
    chisq = ("chisq_scaled" if method == "mlr" and np.isfinite(getattr(fm, "chisq_scaled", np.nan)) else "chisq")
    rows.append(("chi-square" + (" (scaled)" if chisq == "chisq_scaled" else ""),
                 f"{s[chisq]:.3f} on {s['df']:.0f} df, p = {s['pvalue']:.3f}", "p > .05", ""))
    for key, label, op, thr in _THRESHOLDS:
        if key not in s.index or not np.isfinite(s[key]):
            continue
        v = float(s[key])
        ok = v >= thr if op == ">=" else v <= thr
        extra = ""
        if key == "rmsea" and np.isfinite(s.get("rmsea_ci_lower", np.nan)):
            extra = f" (90% CI {s['rmsea_ci_lower']:.3f}-{s['rmsea_ci_upper']:.3f})"
        rows.append((label, f"{v:.3f}{extra}", f"{op} {thr:g}", _verdict(ok)))
    for key, label in (("aic", "AIC"), ("bic", "BIC")):
        if key in s.index and np.isfinite(s[key]):
            rows.append((label, f"{s[key]:.1f}", "smaller is better", ""))
    head = "<tr><th>measure</th><th>value</th><th>usual cut-off</th><th></th></tr>"
    trs = "".join(f"<tr><th>{H.esc(a)}</th><td class='txt'>{H.esc(b)}</td><td class='txt'>{H.esc(c)}</td><td class='txt'>{d}</td></tr>"
                  for a, b, c, d in rows)
    body = (f'<div class="scroll"><table class="t"><caption>Fit measures against Hu and Bentler (1999) '
            f'cut-offs</caption><thead>{head}</thead><tbody>{trs}</tbody></table></div>'
            "<p class='muted'>Cut-offs are conventions derived for ML with moderate samples; with small "
            "samples RMSEA is inflated and its interval wide.</p>")
    return body, {"fit measures": s.to_frame("value")}


def _index_section(res: Any, boot: Any, opts: ReportOptions, target: str | None) -> tuple[str, dict[str, pd.DataFrame]]:
    import acsi.plotting as P
    from acsi.pls.ipma import ipma

    from acsi.pls.index import IndexUndefinedError

    # the index is defined construct by construct: one with a negative rescaled weight is
    # reported as undefined (with the reason), the others are shown
    tabs, weights, undefined = [], [], {}
    for c in res.spec.constructs:
        try:
            one = res.index(scale=opts.scale, constructs=[c])
        except IndexUndefinedError as exc:
            undefined[c] = str(exc)
            continue
        tabs.append(one.table)
        weights.append(one.weights)
    tab = pd.concat(tabs) if tabs else pd.DataFrame(columns=["index", "unit_weighted_index"])
    if boot is not None and len(tab):
        bi = boot.index.set_index("target")
        tab["ci_lower"] = bi["ci_lower"].reindex(tab.index)
        tab["ci_upper"] = bi["ci_upper"].reindex(tab.index)
        tab["boot_se"] = bi["boot_se"].reindex(tab.index)
    parts = [
        "<p>Each construct on the ACSI's 0-100 scale (Fornell et al. 1996): the item means, "
        f"weighted by the unstandardized PLS outer weights rescaled to sum to 1, placed between the "
        f"scale bounds {opts.scale[0]:g} and {opts.scale[1]:g}. The unit-weighted index (plain "
        "mean of the items) is shown as a check"
        + (f"; the interval is the bootstrap percentile CI ({boot.n} resamples)." if boot is not None else ".")
        + "</p>"
    ]
    if target is not None and target in tab.index:
        row = tab.loc[target]
        ci = (f" (95% CI {row['ci_lower']:.1f} to {row['ci_upper']:.1f})" if "ci_lower" in tab.columns else "")
        parts.append(f'<p><span class="big">{row["index"]:.1f}</span> &nbsp;{H.esc(target)} index{H.esc(ci)}</p>')
    parts.append(H.table(tab, "ACSI index per construct (0-100)", digits=1))
    for c, why in undefined.items():
        parts.append(H.callout(f"<b>No index for {H.esc(c)}.</b> {H.esc(why)}", "bad"))
    tables: dict[str, pd.DataFrame] = {"index": tab}
    if weights:
        tables["index weights"] = pd.concat(weights, ignore_index=True)
    blocked = [c for c in undefined if target is not None and (c == target or res.total_effects.loc[c, target] != 0)]
    if blocked:
        parts.append(H.callout(f"The importance-performance map for {H.esc(str(target))} needs the index of "
                               f"{H.esc(', '.join(blocked))}, which is undefined (above): no map is drawn.", "warn"))
        target = None
    if target is not None:
        imp = ipma(res, target=target, scale=opts.scale)
        itab = imp.table
        tables["IPMA"] = itab
        parts.append(f"<h3>Importance-performance map (target: {H.esc(target)})</h3>")
        parts.append("<p>Importance is a construct's unstandardized total effect on the target, "
                     "performance its 0-100 index (Ringle and Sarstedt 2016). Constructs to the "
                     "lower right (important but performing below average) are where improvement "
                     "pays most.</p>")
        parts.append(H.figure_img(P.ipma_plot(imp), f"Importance-performance map for {target}."))
        parts.append(H.table(itab, "IPMA", digits=3))
        ind = imp.indicators
        tables["IPMA items"] = ind
        parts.append(H.table(ind.sort_values("importance", ascending=False),
                             "Items: importance for the target and performance (0-100), most important first",
                             digits=3))
    return "".join(parts), tables


def _loyalty_section(data: pd.DataFrame, opts: ReportOptions) -> tuple[str, dict[str, pd.DataFrame]]:
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
            f"<p>A respondent counts as <b>satisfied</b> when the mean of {H.esc(_item_range(sat_items))} is at "
            f"least {opts.satisfied_min:g}, and as <b>loyal</b> when the mean of {H.esc(_item_range(loy_items))} "
            f"is at least {opts.loyal_min:g}.</p>")
        parts.append(H.callout(
            f"<b>{conv.n_satisfied_not_loyal} of {conv.n_satisfied}</b> satisfied respondents "
            f"({100 * nl.estimate:.0f}%, 95% CI {100 * nl.ci_lower:.0f}-{100 * nl.ci_upper:.0f}%) are "
            "not loyal: the customers lost between satisfied and loyal.", "warn"))
        parts.append(H.table(conv.table, "Satisfied x loyal (counts)"))
        parts.append(H.table(conv.to_frame(), "Conversion: share not loyal, odds ratio and risk ratio "
                                              f"(the risk ratio is tested against {conv.rr_null:g}, the "
                                              "'six times as likely' claim)"))
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


def _power_table(res: Any, paths: pd.DataFrame, method: str, n: int) -> pd.DataFrame:
    """Power of each path's test at 5% for the effect size the sample estimated."""
    rows = []
    if method == "pls":
        f2 = res.f_squared
        inner = res.paths
        for _, r in paths.iterrows():
            s, t = r["source"], r["target"]
            k = int((inner[t] != 0).sum())
            e = float(f2.loc[s, t])
            rows.append({"source": s, "target": t, "est": float(r["est"]), "f2": e, "predictors": k,
                         "power": path_power(max(e, 0.0), n, k), "n for 80% power": n_for_power(max(e, 0.0), k)})
    else:
        from scipy import stats

        zc = stats.norm.ppf(0.975)
        for _, r in paths.iterrows():
            z = abs(float(r["z"])) if np.isfinite(r["z"]) else np.nan
            pw = float(stats.norm.sf(zc - z) + stats.norm.cdf(-zc - z)) if np.isfinite(z) else np.nan
            need = int(np.ceil(n * ((zc + stats.norm.ppf(0.8)) / z) ** 2)) if np.isfinite(z) and z > 0 else np.nan
            rows.append({"source": r["source"], "target": r["target"], "est": float(r["est"]), "z": z,
                         "power": pw, "n for 80% power": need})
    return pd.DataFrame(rows).set_index(["source", "target"])


def _limitations_section(res: Any, data: pd.DataFrame, paths: pd.DataFrame, blocks: Mapping[str, list[str]],
                         method: str, opts: ReportOptions, n_dropped: int) -> tuple[str, dict[str, pd.DataFrame]]:
    from acsi.survey import response_styles

    n = int(res.n) if hasattr(res, "n") else int(len(data))
    parts = [f"<h3>Sample size and power</h3><p>The model was estimated on <b>n = {n}</b> respondents"
             + (f" ({n_dropped} rows with missing answers were dropped)" if n_dropped else "") + ". "]
    if method == "pls":
        parts.append("For every path the table gives the effect size f² the sample estimated, and the "
                     "power the sample had to detect an effect of that size with the F test of one "
                     "coefficient at 5% (noncentrality f² n; Cohen 1988, Faul et al. 2009), with the "
                     "sample size that would give 80% power. Power computed from the estimated effect "
                     "is optimistic for effects a small sample overestimates.</p>")
    else:
        parts.append("For every path the table gives the power of its two-sided z test at 5% if the "
                     "true effect equalled the estimate, and the sample size giving 80% power for it.</p>")
    pw = _power_table(res, paths, method, n)
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
    parts.append("<h3>Response styles</h3><p>The seed study worried that a 1-10 scale invites answers in "
                 "the middle. Per respondent: the share of midpoint answers, of extreme answers, of "
                 "agreeing answers, and straight-lining (the same answer to every item).</p>")
    parts.append(_response_styles_html(rs))
    parts.append("<h3>What the data cannot tell</h3><ul>"
                 "<li>Loyalty is measured as intention (would recommend, would choose first), not as "
                 "behaviour (repurchase, retention, share of wallet).</li>"
                 "<li>A convenience sample (the seed study: about half students of one university) does "
                 "not represent the bank's customers; weights by segment and customer value would be needed "
                 "for population figures.</li>"
                 "<li>Cross-sectional data: the paths are associations consistent with the model, not "
                 "proof of causation.</li></ul>")
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


def _warn_text(w: warnings.WarningMessage) -> str:
    return f"{w.category.__name__}: {w.message}"


def build_report(
    data: pd.DataFrame,
    model: str,
    *,
    method: str = "pls",
    bootstrap: int = 1000,
    seed: int = 1,
    scale: Sequence[float] = (1, 10),
    na_values: float | Sequence[float] | None = None,
    title: str = "Customer satisfaction and loyalty report",
    source: str = "",
    recommend: str | None = None,
    satisfaction_items: Sequence[str] | None = None,
    loyalty_items: Sequence[str] | None = None,
    progress: Any = None,
) -> Report:
    """Run the whole analysis of a survey and assemble a self-contained HTML report.

    Sections: sample profile and usage; rating items (Likert bars, bins, top box);
    reliability and validity (alpha with CI, omega, rho_A, rho_C, AVE, loadings, HTMT);
    the structural model (path diagram with coefficients and significance, R², effects);
    fit measures with their usual cut-offs (CB-SEM); the ACSI index with its bootstrap CI
    and the importance-performance map (PLS); the satisfaction-to-loyalty conversion and
    the NPS; limitations (power per path, minimum sample, response styles); method notes.

    Parameters
    ----------
    data : DataFrame
        One row per respondent. Categorical (or text) columns outside the model are shown as
        profile questions, 0/1 columns outside the model as multiple-choice options.
    model : str
        lavaan-style model syntax (``=~`` blocks and ``~`` paths).
    method : {"pls", "ml", "mlr"}
        PLS path modelling (with bootstrap), or CB-SEM by ML or MLR.
    bootstrap : int
        PLS bootstrap resamples (0 for none).
    seed : int
        Bootstrap seed.
    scale : (min, max)
        Bounds of the rating items.
    na_values : float or sequence, optional
        Codes meaning "missing" (e.g. -99); rows with missing model items are dropped listwise
        (a warning and the report say how many).
    title, source : str
        Heading and the data's description.
    recommend : str, optional
        The "would recommend" item for the NPS (a proxy unless the scale is 0-10).
    satisfaction_items, loyalty_items : sequence of str, optional
        Items of the conversion table; by default the items of the constructs named
        ``satisfaction`` and ``loyalty`` (case-insensitive).
    progress : None, True or callable
        Bootstrap progress (True: a tqdm bar).

    Returns
    -------
    Report

    Examples
    --------
    >>> import acsi
    >>> from acsi.report import build_report, DEMO_MODEL
    >>> rep = build_report(acsi.datasets.load_ebanking(), DEMO_MODEL, bootstrap=200, seed=1)  # doctest: +SKIP
    >>> rep.write("report.html")  # doctest: +SKIP
    """
    method = method.lower()
    if method not in _METHODS:
        raise SpecificationError(f"method={method!r} is not one of 'pls', 'ml', 'mlr'")
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise SpecificationError(f"bootstrap must be a whole number >= 0; got {bootstrap!r}")
    lo, hi = (float(scale[0]), float(scale[1]))
    if not lo < hi:
        raise SpecificationError(f"scale must be (min, max) with min < max; got {tuple(scale)!r}")
    blocks, struct = model_blocks(model)
    if not blocks:
        raise SpecificationError("the model has no measurement blocks (=~ lines); the report needs constructs measured by items")
    if not struct:
        raise SpecificationError("the model has no structural paths (~ lines); the report needs at least one path")
    nas: tuple[float, ...] = () if na_values is None else (
        (float(na_values),) if np.isscalar(na_values) else tuple(float(v) for v in na_values))  # type: ignore[arg-type]
    sat = _find(blocks, "satisfaction", "sat", "cusa")
    loy = _find(blocks, "loyalty", "loy", "cusl")
    opts = ReportOptions(
        method=method, bootstrap=int(bootstrap), seed=int(seed), scale=(lo, hi), na_values=nas,
        recommend=recommend,
        satisfaction_items=tuple(satisfaction_items) if satisfaction_items is not None else tuple(blocks[sat]) if sat else (),
        loyalty_items=tuple(loyalty_items) if loyalty_items is not None else tuple(blocks[loy]) if loy else (),
    )
    from acsi.data import prepare_data

    model_items = [i for b in blocks.values() for i in b]
    sections: list[tuple[str, str, str]] = []
    tables: dict[str, pd.DataFrame] = {}

    def add(anchor: str, head: str, made: tuple[str, dict[str, pd.DataFrame]]) -> None:
        part, tabs = made
        sections.append((anchor, head, part))
        tables.update(tabs)

    import acsi

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        prepared = prepare_data(data, model_items, missing="listwise", na_values=nas or None, context="model")
        # the rows used by the model, with NA codes as missing values
        clean = data.loc[prepared.index].copy()
        clean[list(prepared.columns)] = prepared.X
        if recommend is not None and recommend not in data.columns:
            raise DataError(f"recommend column {recommend!r} not found in the data")
        if method == "pls":
            res = acsi.pls(model, data, na_values=nas or None)
            boot = res.bootstrap(n=int(bootstrap), seed=int(seed), progress=progress, scale=(lo, hi)) if bootstrap else None
        else:
            res = acsi.sem(model, clean[model_items], estimator=method.upper())
            boot = None
        n = int(len(clean))
        add("profile", "Sample profile and usage", _profile_section(data, set(model_items)))
        add("items", "Rating items", _items_section(clean, blocks, opts))
        add("measurement", "Reliability and validity", _measurement_section(res, clean, blocks, method, boot))
        part, tabs, ptab = _structural_section(res, boot, method)
        sections.append(("structural", "Structural model", part))
        tables.update(tabs)
        add("fit", "Model fit", _fit_section(res, method))
        if method == "pls":
            target = sat or loy or struct[-1][1]
            add("index", "ACSI index and importance-performance map", _index_section(res, boot, opts, target))
        else:
            sections.append(("index", "ACSI index", "<p>The 0-100 ACSI index is defined from PLS outer weights "
                             "(Fornell et al. 1996); run the analysis with <code>--method pls</code> for the index "
                             "and the importance-performance map.</p>"))
        add("loyalty", "From satisfaction to loyalty", _loyalty_section(clean, opts))
        add("limitations", "Limitations", _limitations_section(res, clean, ptab, blocks, method, opts, len(data) - n))
        sections.append(("method", "Method notes", _method_notes(model, opts, boot)))
    caught = list(dict.fromkeys(_warn_text(w) for w in rec))
    constructs = ", ".join(f"{c} ({len(v)} item{'s' if len(v) > 1 else ''})" for c, v in blocks.items())
    overview = [
        ("data", source or "user data"), ("respondents", f"{len(data)} rows; {n} used by the model"),
        ("method", _METHODS[method]), ("constructs", constructs),
        ("paths", ", ".join(f"{s} -> {t}" for s, t in struct)),
    ]
    if method == "pls":
        overview.append(("significance", f"bootstrap, {bootstrap} resamples, seed {seed}" if bootstrap else "none (bootstrap 0)"))
    ov = H.kv_table(overview, "What was analysed")
    if caught:
        ov += H.callout("<b>Warnings while analysing:</b><ul>" + "".join(f"<li>{H.esc(w)}</li>" for w in caught) + "</ul>", "warn")
    sections.insert(0, ("overview", "Overview", ov))
    html = H.page(title, source or "acsi report", sections,
                  footer=f"Made with acsi {acsi.__version__}. All figures are embedded; this file needs no network.")
    return Report(title=title, html=html, tables=tables, result=res, bootstrap=boot,
                  warnings=tuple(caught), sections=tuple(a for a, _, _ in sections))


def _method_notes(model: str, opts: ReportOptions, boot: Any) -> str:
    settings = [("method", _METHODS[opts.method]), ("rating scale", f"{opts.scale[0]:g} to {opts.scale[1]:g}"),
                ("missing codes", ", ".join(f"{v:g}" for v in opts.na_values) or "none"),
                ("satisfied / loyal", f"mean >= {opts.satisfied_min:g} / mean >= {opts.loyal_min:g}")]
    if opts.method == "pls":
        settings.append(("PLS", "path weighting scheme, Mode A for =~ blocks, indicators standardized (n-1); seminr's defaults"))
        if boot is not None:
            settings.append(("bootstrap", f"{boot.n} resamples, seed {opts.seed}, percentile CIs, "
                                          f"{boot.n_failed} failed, {boot.n_inadmissible} inadmissible"))
    else:
        settings.append(("CB-SEM", "lavaan sem() defaults: first loading fixed to 1, ML with divisor N"
                         + ("; Huber-White SEs and Yuan-Bentler scaled test" if opts.method == "mlr" else "")))
    return (H.kv_table(settings, "Settings") + "<h3>Model</h3>"
            + f"<div class='scroll'><pre>{H.esc(model)}</pre></div>"
            + "<p class='muted'>Thresholds: Hair et al. (2017, 2019) for reliability and loadings, "
              "Henseler et al. (2015) for HTMT, Hu and Bentler (1999) for fit, Cohen (1988) for f².</p>")


def demo_report(bootstrap: int = 1000, seed: int = 1, progress: Any = None) -> Report:
    """The report of the shipped (synthetic) e-banking survey, :data:`DEMO_MODEL` by PLS.

    Examples
    --------
    >>> from acsi.report import demo_report
    >>> rep = demo_report(bootstrap=200)  # doctest: +SKIP
    """
    from acsi.datasets import load_ebanking

    data = load_ebanking()
    return build_report(
        data, DEMO_MODEL, method="pls", bootstrap=bootstrap, seed=seed, scale=data.attrs.get("scale", (1, 10)),
        title="E-banking customer satisfaction and loyalty",
        source="acsi.datasets.load_ebanking(): SYNTHETIC reconstruction of the 54-respondent e-banking survey of the seed study",
        recommend="Q16",
        satisfaction_items=[f"Q{k}" for k in range(8, 16)], loyalty_items=["Q16", "Q17"],
        progress=progress,
    )
