"""What differs between a PLS and a CB-SEM report, in one small class per family.

The generic sections (:mod:`acsi.report.sections`) read a fitted model only through
:class:`acsi.results.structural.StructuralResult`; everything that depends on the estimator
(how the model is fitted, where reliability and significance come from, fit measures, the
ACSI index, the power of a path's test, the settings shown) is a method of a
:class:`FamilyPart`. A new estimator family adds one subclass here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from acsi.report import html as H
from acsi.report.i18n import t
from acsi.stats.power import n_for_power, path_power, z_test_n_for_power, z_test_power

if TYPE_CHECKING:
    from acsi.report.build import ReportOptions

__all__ = ["FamilyPart", "PLSPart", "CBSEMPart", "family_part", "METHODS"]

#: Report method -> its description (the keys are what ``build_report(method=...)`` accepts).
METHODS = {"pls": "PLS path modelling", "ml": "CB-SEM, maximum likelihood", "mlr": "CB-SEM, robust ML (MLR)"}

Section = tuple[str, dict[str, pd.DataFrame]]

#: How the power of a path is computed (PLS: F test of f²; CB-SEM: z test), in English;
#: the report shows them through :func:`acsi.report.i18n.t`.
PLS_POWER_TEXT = (
    "For every path the table gives the effect size f² the sample estimated, and the power the sample had to detect "
    "an effect of that size with the F test of one coefficient at 5% (noncentrality f² n; Cohen 1988, Faul et al. "
    "2009), with the sample size that would give 80% power. Power computed from the estimated effect is optimistic "
    "for effects a small sample overestimates."
)
Z_POWER_TEXT = (
    "For every path the table gives the power of its two-sided z test at 5% if the true effect equalled the estimate, "
    "and the sample size giving 80% power for it."
)

_THRESHOLDS = [
    ("cfi", "CFI", ">=", 0.95), ("tli", "TLI", ">=", 0.95), ("rmsea", "RMSEA", "<=", 0.06),
    ("srmr", "SRMR", "<=", 0.08), ("gfi", "GFI", ">=", 0.90), ("agfi", "AGFI", ">=", 0.90),
    ("cfi_robust", "CFI (robust)", ">=", 0.95), ("tli_robust", "TLI (robust)", ">=", 0.95),
    ("rmsea_robust", "RMSEA (robust)", "<=", 0.06),
]


def verdict(ok: bool | None) -> str:
    """``meets`` / ``misses`` badge of a threshold check (empty when not applicable)."""
    if ok is None:
        return ""
    return f'<span class="ok">{t("meets")}</span>' if ok else f'<span class="no">{t("misses")}</span>'


class FamilyPart:
    """The estimator-specific part of a report (see the module docstring)."""

    method: str = ""

    @property
    def label(self) -> str:
        return METHODS[self.method]

    def fit(self, model: str, data: pd.DataFrame, clean: pd.DataFrame, items: list[str],
            opts: ReportOptions, progress: Any) -> tuple[Any, Any]:
        """The fitted model and its bootstrap (None when there is none)."""
        raise NotImplementedError

    def reliability(self, res: Any) -> pd.DataFrame:
        """Construct-level reliability and AVE (columns among rho_a, rho_c, ave)."""
        raise NotImplementedError

    def htmt(self, res: Any, data: pd.DataFrame, blocks: Mapping[str, list[str]]) -> pd.DataFrame:
        from acsi.reliability import htmt

        return htmt(data, dict(blocks))

    def validity_tables(self, res: Any) -> list[tuple[str, str, pd.DataFrame]]:
        """Extra discriminant-validity tables: (table key, caption, table)."""
        return []

    def paths(self, res: Any, boot: Any) -> pd.DataFrame:
        """The structural paths as shown (source, target, est, inference columns)."""
        raise NotImplementedError

    def significance(self, boot: Any) -> str:
        """Where the stars of the path diagram come from."""
        raise NotImplementedError

    path_caption = "Path coefficients"

    def r_squared(self, res: Any, outcomes: list[str]) -> pd.DataFrame:
        r2 = res.r_squared
        return pd.DataFrame({"r_squared": r2[[i for i in r2.index if i in outcomes]]})

    def effects(self, res: Any) -> pd.DataFrame | None:
        return None

    def fit_section(self, res: Any) -> Section:
        raise NotImplementedError

    def index_section(self, res: Any, boot: Any, opts: ReportOptions, target: str | None,
                      headline: str | None = None) -> tuple[str, str, Section]:
        """(heading, anchor text, section) of the ACSI index part (``target``: of the
        importance-performance map; ``headline``: the construct whose index is the headline)."""
        raise NotImplementedError

    #: What the higher-order table shows (English; the report translates it).
    higher_order_text = ""

    def higher_order(self, res: Any, boot: Any, hocs: Mapping[str, list[str]]) -> pd.DataFrame:
        """Lower-order -> higher-order relations (source LOC, target HOC, est and inference)."""
        raise NotImplementedError

    def power(self, res: Any, paths: pd.DataFrame, n: int) -> tuple[str, pd.DataFrame]:
        """How the power is computed (a sentence) and the power per path."""
        raise NotImplementedError

    def settings(self, opts: ReportOptions, boot: Any) -> list[tuple[str, str]]:
        raise NotImplementedError

    def overview(self, opts: ReportOptions) -> list[tuple[str, str]]:
        return []


class PLSPart(FamilyPart):
    """PLS path modelling: seminr's tables, bootstrap significance, the ACSI index and IPMA."""

    method = "pls"
    path_caption = "Path coefficients (standardized)"

    def fit(self, model: str, data: pd.DataFrame, clean: pd.DataFrame, items: list[str],
            opts: ReportOptions, progress: Any) -> tuple[Any, Any]:
        from acsi.plspm.api import pls

        res = pls(model, data, na_values=opts.na_values or None)
        scale, item_scales = _bounds(opts, res.indicators)
        boot = (res.bootstrap(n=opts.bootstrap, seed=opts.seed, progress=progress, scale=scale,
                              item_scales=item_scales)
                if opts.bootstrap else None)
        return res, boot

    def reliability(self, res: Any) -> pd.DataFrame:
        return res.reliability

    def htmt(self, res: Any, data: pd.DataFrame, blocks: Mapping[str, list[str]]) -> pd.DataFrame:
        return res.htmt

    def paths(self, res: Any, boot: Any) -> pd.DataFrame:
        if boot is not None:
            return boot.paths[["source", "target", "est", "boot_se", "t", "pvalue", "ci_lower", "ci_upper"]]
        return res.path_table[["source", "target", "est"]]

    def significance(self, boot: Any) -> str:
        if boot is None:
            return t("no significance test (bootstrap off)")
        return t("bootstrap p-values ({n} resamples)", n=boot.n)

    def r_squared(self, res: Any, outcomes: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"r_squared": res.r_squared, "adj_r_squared": res.adj_r_squared})

    def effects(self, res: Any) -> pd.DataFrame | None:
        return res.effects

    def fit_section(self, res: Any) -> Section:
        return ("<p>" + t("PLS path modelling maximises explained variance and has no likelihood, so there is no "
                          "chi-square test of the model and the CB-SEM fit indices do not apply (Hair et al. 2017). "
                          "Judge the model by the reliability and validity above, the R² and the significance of "
                          "the paths; estimate the same model with <code>--method ml</code> for a test of fit.")
                + "</p>"), {}

    def index_section(self, res: Any, boot: Any, opts: ReportOptions, target: str | None,
                      headline: str | None = None) -> tuple[str, str, Section]:
        return (t("ACSI index and importance-performance map"), "index",
                _index_section(res, boot, opts, target, headline))

    higher_order_text = (
        "Two-stage approach (Sarstedt et al. 2019; seminr's default): stage 1 estimates the lower-order constructs "
        "from their items, stage 2 measures the higher-order construct by their scores. The table gives each "
        "lower-order construct's outer weight (its share in the higher-order construct's score) and loading, with "
        "bootstrap intervals; the diagram draws the weights as arrows into the higher-order construct."
    )

    def higher_order(self, res: Any, boot: Any, hocs: Mapping[str, list[str]]) -> pd.DataFrame:
        W, L = res.weights, res.loadings
        rows = [{"source": d, "target": h, "est": float(W.loc[d, h]), "loading": float(L.loc[d, h])}
                for h, dims in hocs.items() for d in dims]
        out = pd.DataFrame(rows)
        if boot is not None:
            bw = boot.weights.set_index(["source", "target"])
            key = list(zip(out["source"], out["target"]))
            for col in ("boot_se", "pvalue", "ci_lower", "ci_upper"):
                out[col] = bw[col].reindex(key).to_numpy()
        return out

    def validity_tables(self, res: Any) -> list[tuple[str, str, pd.DataFrame]]:
        from acsi.plspm.hoc import ExtendedPLSResult

        out = [("Fornell-Larcker", "Fornell-Larcker: diagonal sqrt(AVE), off-diagonal construct correlations",
                res.fornell_larcker)]
        if isinstance(res, ExtendedPLSResult) and res.lower_order is not None:
            out.append(("HTMT lower-order", "HTMT of the lower-order constructs and the other constructs (stage 1)",
                        res.lower_order.htmt))
        return out

    def power(self, res: Any, paths: pd.DataFrame, n: int) -> tuple[str, pd.DataFrame]:
        text = PLS_POWER_TEXT
        f2 = res.f_squared
        predictors = res.path_table.groupby("target").size()
        rows = []
        for src, tgt, b in zip(paths["source"], paths["target"], paths["est"]):
            k = int(predictors[tgt])
            e = max(float(f2.loc[src, tgt]), 0.0)
            rows.append({"source": src, "target": tgt, "est": float(b), "f2": float(f2.loc[src, tgt]),
                         "predictors": k, "power": path_power(e, n, k), "n for 80% power": n_for_power(e, k)})
        return text, pd.DataFrame(rows).set_index(["source", "target"])

    def settings(self, opts: ReportOptions, boot: Any) -> list[tuple[str, str]]:
        out = [("PLS", t("path weighting scheme, Mode A for =~ blocks, indicators standardized (n-1); seminr's "
                         "defaults"))]
        if boot is not None:
            out.append((t("bootstrap"), t("{n} resamples, seed {seed}, percentile CIs, {f} failed, {i} inadmissible",
                                          n=boot.n, seed=opts.seed, f=boot.n_failed, i=boot.n_inadmissible)))
        return out

    def overview(self, opts: ReportOptions) -> list[tuple[str, str]]:
        return [(t("significance"), t("bootstrap, {n} resamples, seed {seed}", n=opts.bootstrap, seed=opts.seed)
                 if opts.bootstrap else t("none (bootstrap 0)"))]


class CBSEMPart(FamilyPart):
    """CB-SEM by ML or MLR: semTools' reliability, z tests, fit measures against cut-offs."""

    path_caption = "Path coefficients (standardized: std_all)"

    def __init__(self, method: str) -> None:
        self.method = method

    def fit(self, model: str, data: pd.DataFrame, clean: pd.DataFrame, items: list[str],
            opts: ReportOptions, progress: Any) -> tuple[Any, Any]:
        from acsi.cbsem.api import sem

        return sem(model, clean[items], estimator=self.method.upper()), None

    def reliability(self, res: Any) -> pd.DataFrame:
        from acsi import reliability as R

        return pd.DataFrame({"rho_c": R.composite_reliability(res), "ave": R.ave(res)})

    def paths(self, res: Any, boot: Any) -> pd.DataFrame:
        t = res.path_table.rename(columns={"std": "std_all"})
        return t[["source", "target", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"]]

    def significance(self, boot: Any) -> str:
        return t("z tests")

    def fit_section(self, res: Any) -> Section:
        fm = res.fit_measures
        s = fm.to_series()
        rows = []
        scaled = self.method == "mlr" and "chisq_scaled" in s.index and np.isfinite(s["chisq_scaled"])
        chisq = "chisq_scaled" if scaled else "chisq"
        rows.append((t("chi-square (scaled)") if scaled else t("chi-square"),
                     t("{chisq:.3f} on {df:.0f} df, p = {p:.3f}", chisq=s[chisq], df=s["df"], p=s["pvalue"]),
                     "p > .05", ""))
        for key, label, op, thr in _THRESHOLDS:
            if key not in s.index or not np.isfinite(s[key]):
                continue
            v = float(s[key])
            ok = v >= thr if op == ">=" else v <= thr
            extra = ""
            if key == "rmsea" and np.isfinite(s.get("rmsea_ci_lower", np.nan)):
                extra = f" (90% CI {s['rmsea_ci_lower']:.3f}-{s['rmsea_ci_upper']:.3f})"
            rows.append((label, f"{v:.3f}{extra}", f"{op} {thr:g}", verdict(ok)))
        for key, label in (("aic", "AIC"), ("bic", "BIC")):
            if key in s.index and np.isfinite(s[key]):
                rows.append((label, f"{s[key]:.1f}", t("smaller is better"), ""))
        head = f"<tr><th>{t('measure')}</th><th>{t('value')}</th><th>{t('usual cut-off')}</th><th></th></tr>"
        trs = "".join(f"<tr><th>{H.esc(a)}</th><td class='txt'>{H.esc(b)}</td><td class='txt'>{H.esc(c)}</td>"
                      f"<td class='txt'>{d}</td></tr>" for a, b, c, d in rows)
        caption = t("Fit measures against Hu and Bentler (1999) cut-offs")
        body = (f'<div class="scroll"><table class="t"><caption>{caption}</caption>'
                f'<thead>{head}</thead><tbody>{trs}</tbody></table></div>'
                "<p class='muted'>" + t("Cut-offs are conventions derived for ML with moderate samples; with small "
                                        "samples RMSEA is inflated and its interval wide.") + "</p>")
        tables = {"fit measures": s.to_frame("value")}
        diag, diag_tables = self._diagnostics(res)
        tables.update(diag_tables)
        return body + diag, tables

    def _diagnostics(self, res: Any) -> Section:
        """Where the model misfits: the largest modification indices (lavaan's ``modindices``)
        and the largest correlation residuals (``residuals(type = "cor")``)."""
        from acsi.exceptions import AcsiError

        try:
            mi = res.modindices(sort=True, minimum_value=3.84).head(10)
            resid = res.residuals(type="cor").largest
        except AcsiError as exc:  # a fit these diagnostics do not cover: say so, keep the report
            return ("<p class='muted'>" + t("Modification indices and residuals are not available for this "
                                            "fit: {why}", why=H.esc(str(exc))) + "</p>"), {}
        mi = mi[["lhs", "op", "rhs", "mi", "epc", "sepc_all"]].reset_index(drop=True)
        resid = resid[(resid["lhs"] != resid["rhs"]) & (resid["residual"].abs() > 0.1)].head(10)
        resid = resid.reset_index(drop=True)
        parts = [f"<h3>{t('Where the model misfits')}</h3>",
                 "<p>" + t("Modification indices estimate how much the chi-square would drop if a fixed or omitted "
                           "parameter were freed (1 df: above 3.84 at the 5% level); sepc_all is the standardized "
                           "value it would take. Correlation residuals are observed minus implied correlations; "
                           "above 0.1 in absolute value they point at relations the model misses. Free a parameter "
                           "only when theory supports it: changes chosen from these indices capitalise on "
                           "chance.") + "</p>"]
        if len(mi):
            parts.append(H.table(mi.set_index(["lhs", "op", "rhs"]), t("Largest modification indices (mi > 3.84)")))
        else:
            parts.append("<p>" + t("No modification index exceeds 3.84.") + "</p>")
        if len(resid):
            parts.append(H.table(resid.set_index(["lhs", "rhs"]),
                                 t("Largest correlation residuals (absolute value above 0.1)")))
        else:
            parts.append("<p>" + t("No correlation residual exceeds 0.1 in absolute value.") + "</p>")
        return "".join(parts), {"modification indices": mi, "correlation residuals": resid}

    higher_order_text = (
        "Second-order factor: the standardized loadings (std_all) of the first-order factors on the higher-order "
        "factor, with z tests; the diagram draws them as arrows into the higher-order construct."
    )

    def higher_order(self, res: Any, boot: Any, hocs: Mapping[str, list[str]]) -> pd.DataFrame:
        est = res.estimates
        rows = []
        for h, dims in hocs.items():
            for d in dims:
                r = est[(est["lhs"] == h) & (est["op"] == "=~") & (est["rhs"] == d)].iloc[0]
                rows.append({"source": d, "target": h, "est": float(r["std_all"]), "se": float(r["se"]),
                             "pvalue": float(r["pvalue"])})
        return pd.DataFrame(rows)

    def index_section(self, res: Any, boot: Any, opts: ReportOptions, target: str | None,
                      headline: str | None = None) -> tuple[str, str, Section]:
        return t("ACSI index"), "index", (
            "<p>" + t("The 0-100 ACSI index is defined from PLS outer weights (Fornell et al. 1996); run the analysis "
                      "with <code>--method pls</code> for the index and the importance-performance map.") + "</p>", {})

    def power(self, res: Any, paths: pd.DataFrame, n: int) -> tuple[str, pd.DataFrame]:
        text = Z_POWER_TEXT
        rows = [{"source": s, "target": t, "est": float(b), "z": abs(float(z)) if np.isfinite(z) else np.nan,
                 "power": z_test_power(float(z)), "n for 80% power": z_test_n_for_power(float(z), n)}
                for s, t, b, z in zip(paths["source"], paths["target"], paths["est"], paths["z"])]
        return text, pd.DataFrame(rows).set_index(["source", "target"])

    def settings(self, opts: ReportOptions, boot: Any) -> list[tuple[str, str]]:
        return [("CB-SEM", t("lavaan sem() defaults: first loading fixed to 1, ML with divisor N")
                 + (t("; Huber-White SEs and Yuan-Bentler scaled test") if self.method == "mlr" else ""))]


def family_part(method: str) -> FamilyPart:
    """The part of ``method`` (one of :data:`METHODS`)."""
    return PLSPart() if method == "pls" else CBSEMPart(method)


def _index_constructs(res: Any) -> list[str]:
    """The constructs with an index: a higher-order construct's lower-order ones too."""
    from acsi.plspm.hoc import ExtendedPLSResult

    out = list(res.constructs)
    if isinstance(res, ExtendedPLSResult):
        out += [d for dims in res.higher_order.values() for d in dims if d not in out]
    return out


def _index_section(res: Any, boot: Any, opts: ReportOptions, target: str | None,
                   headline: str | None = None) -> Section:
    import acsi.plotting as P
    from acsi.plspm.index import IndexUndefinedError
    # the index is defined construct by construct: one with a negative rescaled weight is
    # reported as undefined (with the reason), the others are shown
    tabs, weights, undefined = [], [], {}
    scale, item_scales = _bounds(opts, res.indicators)
    try:  # one call for all constructs; construct by construct only when one is undefined
        whole = res.index(scale=scale, item_scales=item_scales)
        tabs.append(whole.table)
        weights.append(whole.weights)
        todo: list[str] = []
    except IndexUndefinedError:
        todo = _index_constructs(res)
    for c in todo:
        try:
            one = res.index(scale=scale, item_scales=item_scales, constructs=[c])
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
    from acsi.report.sections import scales_text

    parts = [
        "<p>" + t("Each construct on the ACSI's 0-100 scale (Fornell et al. 1996): the item means, weighted by the "
                  "unstandardized PLS outer weights rescaled to sum to 1, each placed between its own scale's bounds "
                  "({scales}). The unit-weighted index (plain mean of the items) is shown as a check",
                  scales=H.esc(scales_text(opts)))
        + (t("; the interval is the bootstrap percentile CI ({n} resamples).", n=boot.n) if boot is not None else ".")
        + "</p>"
    ]
    shown = headline if headline is not None and headline in tab.index else target
    if shown is not None and shown in tab.index:
        row = tab.loc[shown]
        ci = (t(" (95% CI {lo:.1f} to {hi:.1f})", lo=row["ci_lower"], hi=row["ci_upper"])
              if "ci_lower" in tab.columns else "")
        parts.append(f'<p><span class="big">{row["index"]:.1f}</span> &nbsp;{t("{c} index", c=H.esc(shown))}'
                     f'{H.esc(ci)}</p>')
    parts.append(H.table(tab, t("ACSI index per construct (0-100)"), digits=1))
    for c, why in undefined.items():
        parts.append(H.callout(f"<b>{t('No index for {c}.', c=H.esc(c))}</b> {H.esc(why)}", "bad"))
    tables: dict[str, pd.DataFrame] = {"index": tab}
    if weights:
        tables["index weights"] = pd.concat(weights, ignore_index=True)
    te = res.total_effects
    blocked = [c for c in undefined if target is not None
               and (c == target or c not in te.index or target not in te.columns or te.loc[c, target] != 0)]
    if blocked:
        parts.append(H.callout(t("The importance-performance map for {t} needs the index of {cs}, which is undefined "
                                 "(above): no map is drawn.", t=H.esc(str(target)), cs=H.esc(", ".join(blocked))),
                               "warn"))
        target = None
    if target is not None:
        imp = res.ipma(target=target, scale=scale, item_scales=item_scales)
        itab = imp.table
        tables["IPMA"] = itab
        parts.append(f"<h3>{t('Importance-performance map (target: {t})', t=H.esc(target))}</h3>")
        parts.append("<p>" + t("Importance is a construct's unstandardized total effect on the target, performance its "
                               "0-100 index (Ringle and Sarstedt 2016). Constructs to the lower right (important but "
                               "performing below average) are where improvement pays most.") + "</p>")
        parts.append(H.figure_img(P.ipma_plot(imp), t("Importance-performance map for {t}.", t=target)))
        parts.append(H.table(itab, t("IPMA"), digits=3))
        ind = imp.indicators
        tables["IPMA items"] = ind
        parts.append(H.table(ind.sort_values("importance", ascending=False),
                             t("Items: importance for the target and performance (0-100), most important first"),
                             digits=3))
    return "".join(parts), tables


def _bounds(opts: ReportOptions, indicators: Any) -> tuple[tuple[float, float], dict[str, tuple[float, float]]]:
    """``scale`` and ``item_scales`` arguments of the index, IPMA and bootstrap: each item's own scale."""
    own = {i: opts.item_scales[i].bounds for i in indicators if i in opts.item_scales}
    first = next(iter(own.values()), opts.scale or (1.0, 10.0))
    return first, own
