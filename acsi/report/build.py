"""Build the HTML report: from a data set and a model to one self-contained file.

:func:`build_report` runs every analysis (measurement, structural model, bootstrap, index,
IPMA, survey analyses, power) and assembles the sections of :mod:`acsi.report.sections`;
the estimator-specific parts come from :mod:`acsi.report.families`. The analyses are the
library's public functions (the power of a path's test is :mod:`acsi.stats.power`): the
report adds layout and the usual thresholds, never its own statistics. The shipped demo and
its story live in :mod:`acsi.report.demo`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from acsi.exceptions import DataError, SpecificationError
from acsi.report import html as H
from acsi.report import i18n
from acsi.report import sections as S
from acsi.report.families import METHODS, family_part
from acsi.report.i18n import t
from acsi.results.base import ResultMixin, Summary, TableMap, compact_repr, write_excel
from acsi.spec.syntax import ParsedModel, parse_model
from acsi.survey.scales import ItemScale, default_threshold, resolve_scales

__all__ = ["Report", "ReportOptions", "build_report", "model_blocks", "item_blocks", "higher_order_blocks",
           "expand_items"]


@dataclass(frozen=True)
class ReportOptions:
    """What the report is built from (recorded in the report's method section).

    Attributes
    ----------
    method : {"pls", "ml", "mlr"}
    bootstrap : int
        PLS bootstrap resamples (0: none; significance then unavailable).
    seed : int
    scale : (float, float) or None
        The scale given for every item (None: per item, see ``item_scales``).
    item_scales : dict of str -> ItemScale
        The scale of every model item, with where it came from (declared, file metadata or
        inferred; :func:`acsi.survey.scales.resolve_scales`).
    na_values : tuple of float
        Codes declared missing.
    satisfied_min, loyal_min : float
        A respondent is *satisfied* when the mean of the satisfaction items is at least
        ``satisfied_min`` (default: the top 30% of their scale's range,
        :func:`acsi.survey.scales.default_threshold`), *loyal* when the mean of the loyalty
        items is at least ``loyal_min``.
    satisfied_default, loyal_default : bool
        Whether the thresholds are the defaults (the report says which).
    recommend : str or None
        The "would recommend" item used for the NPS (proxy on a scale other than 0-10).
    satisfaction_items, loyalty_items : tuple of str
        Items of the two sides of the conversion table.
    segment : tuple of str
        Profile questions the satisfaction is compared across.
    value : str or None
        Customer-value column for the value-weighted index.
    lang : {"en", "zh"}
    """

    method: str = "pls"
    bootstrap: int = 1000
    seed: int = 1
    scale: tuple[float, float] | None = None
    item_scales: Mapping[str, ItemScale] = field(default_factory=dict)
    na_values: tuple[float, ...] = ()
    satisfied_min: float = 7.0
    loyal_min: float = 7.0
    satisfied_default: bool = True
    loyal_default: bool = True
    recommend: str | None = None
    satisfaction_items: tuple[str, ...] = ()
    loyalty_items: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    value: str | None = None
    lang: str = "en"

    def scale_of(self, items: Sequence[str]) -> ItemScale:
        """The common scale of ``items`` (the widest bounds when they differ)."""
        scs = [self.item_scales[i] for i in items if i in self.item_scales]
        if not scs:
            lo, hi = self.scale or (1.0, 10.0)
            return ItemScale(lo, hi, "declared")
        return ItemScale(min(s.lo for s in scs), max(s.hi for s in scs), scs[0].source,
                         any(s.continuous for s in scs))


@dataclass(frozen=True, eq=False)
class Report(ResultMixin):
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", TableMap(self.tables))

    def __repr__(self) -> str:
        return compact_repr(self, title=self.title, sections=len(self.sections), tables=len(self.tables),
                            warnings=len(self.warnings))

    def _repr_html_(self) -> str:
        """The whole report in a notebook, in an ``<iframe>`` (its styles stay inside)."""
        import html as _html

        return ('<iframe style="width:100%;height:720px;border:1px solid #d0d7de" '
                f'title="{_html.escape(self.title)}" srcdoc="{_html.escape(self.html)}"></iframe>')

    def _equality_values(self) -> tuple[Any, ...]:
        # the HTML embeds figures whose bytes may differ between runs: compare what was computed
        return (self.title, dict(self.tables), self.result, self.bootstrap, self.warnings, self.sections)

    def _summary(self) -> Summary:
        return Summary(title=self.title, header=[("sections", ", ".join(self.sections)),
                                                 ("warnings", len(self.warnings))],
                       tables=list(self.tables.items()))

    def write(self, path: str | Path) -> Path:
        """Write the HTML file (UTF-8, atomically: a failure leaves no half file); returns its path.

        A directory, a missing or read-only folder raises
        :class:`~acsi.exceptions.SpecificationError`.
        """
        from acsi._files import atomic_write

        return atomic_write(path, lambda tmp: tmp.write_text(self.html, encoding="utf-8"))

    def to_excel(self, path: str | Path) -> Path:
        """Write every table to its own sheet of an ``.xlsx`` workbook (needs openpyxl)."""
        return write_excel(dict(self.tables), path)


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


def higher_order_blocks(blocks: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The higher-order constructs of a model's blocks: ``{HOC: [lower-order constructs]}``.

    Examples
    --------
    >>> blocks, _ = model_blocks("A =~ a1 + a2; B =~ b1; H =~ A + B; Y =~ y1; Y ~ H")
    >>> higher_order_blocks(blocks)
    {'H': ['A', 'B']}
    """
    return {c: list(v) for c, v in blocks.items() if any(i in blocks for i in v)}


def item_blocks(blocks: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The blocks measured by items (data columns): a higher-order construct's block (made of
    constructs) is left out; :func:`expand_items` gives its items.

    Examples
    --------
    >>> blocks, _ = model_blocks("A =~ a1 + a2; B =~ b1; H =~ A + B; Y =~ y1; Y ~ H")
    >>> item_blocks(blocks)
    {'A': ['a1', 'a2'], 'B': ['b1'], 'Y': ['y1']}
    """
    hocs = higher_order_blocks(blocks)
    return {c: list(v) for c, v in blocks.items() if c not in hocs}


def expand_items(blocks: Mapping[str, list[str]], construct: str) -> list[str]:
    """The items of ``construct``, through its lower-order constructs for a higher-order one.

    Examples
    --------
    >>> blocks, _ = model_blocks("A =~ a1 + a2; B =~ b1; H =~ A + B; Y =~ y1; Y ~ H")
    >>> expand_items(blocks, "H")
    ['a1', 'a2', 'b1']
    """
    out: list[str] = []
    for i in blocks.get(construct, []):
        for j in (expand_items(blocks, i) if i in blocks else [i]):
            if j not in out:
                out.append(j)
    return out


#: The anchors of the report's sections, in order (the overview comes first).
SECTION_ANCHORS = ("findings", "profile", "items", "measurement", "structural", "fit", "index", "loyalty",
                   "segments", "limitations", "method")


def _find(blocks: Mapping[str, list[str]], *names: str) -> str | None:
    low = {k.lower(): k for k in blocks}
    for n in names:
        if n in low:
            return low[n]
    return None


def _warn_text(w: warnings.WarningMessage) -> str:
    return f"{w.category.__name__}: {w.message}"


def _answers(data: pd.DataFrame, items: Sequence[str], nas: tuple[float, ...]) -> pd.DataFrame:
    """Every row of ``data`` with the model items as floats and declared codes missing (no
    listwise deletion: the descriptives use every answer an item has)."""
    out = data.copy()
    for it in dict.fromkeys(items):
        x = pd.to_numeric(out[it], errors="coerce").astype(float)
        if nas:
            x = x.mask(x.isin(nas))
        out[it] = x
    return out


def _threshold(value: float | None, sc: ItemScale, argument: str) -> tuple[float, bool]:
    from acsi._validation import check_number

    if value is None:
        return default_threshold(sc), True
    v = check_number(value, argument)
    if not sc.lo < v <= sc.hi:
        raise SpecificationError(
            f"{argument}={v:g} is outside the items' scale {sc.text}; give a mean score in ({sc.lo:g}, {sc.hi:g}]"
        )
    return v, False


def build_report(
    data: pd.DataFrame,
    model: str,
    *,
    method: str = "pls",
    bootstrap: int = 1000,
    seed: int = 1,
    scale: Sequence[float] | None = None,
    item_scales: Mapping[str, Sequence[float]] | None = None,
    na_values: float | Sequence[float] | None = None,
    title: str | None = None,
    source: str = "",
    recommend: str | None = None,
    satisfaction_items: Sequence[str] | None = None,
    loyalty_items: Sequence[str] | None = None,
    satisfied: float | None = None,
    loyal: float | None = None,
    segment: str | Sequence[str] | None = None,
    value: str | None = None,
    lang: str = "en",
    progress: Any = None,
    notes: Mapping[str, str] | None = None,
) -> Report:
    """Run the whole analysis of a survey and assemble a self-contained HTML report.

    Sections: key findings (the headline index with its CI, the strongest and weakest
    driver, the satisfied-but-not-loyal share, what the sample size can detect); sample
    profile; rating items (answer distributions on each item's scale, every available answer
    with n and missing, top and bottom box); reliability and validity (alpha with CI, omega,
    rho_A, rho_C, AVE, loadings, HTMT); the structural model (path diagram, R², effects);
    fit measures with their usual cut-offs (CB-SEM); the ACSI index with its bootstrap CI
    and the importance-performance map (PLS); the satisfaction-to-loyalty conversion and
    the NPS; segment comparisons; limitations (power per path, minimum sample, response
    styles); method notes. A model without structural paths (measurement only) gives the
    reliability and validity report without the structural part.

    Parameters
    ----------
    data : DataFrame
        One row per respondent. Categorical (or text) columns outside the model are shown as
        profile questions, 0/1 columns outside the model as multiple-choice options.
    model : str
        lavaan-style model syntax (``=~`` blocks and ``~`` paths). A block of constructs
        (``Satisfaction =~ Tangibles + Assurance``) is a higher-order construct: PLS
        estimates it by the two-stage approach (its lower-order constructs' weights in the
        diagram and a table, reliability of both levels, its index from the items of its
        lower-order constructs) and the report puts the same model as a second-order factor
        by CB-SEM beside it; CB-SEM reports show the second-order loadings.
    method : {"pls", "ml", "mlr"}
        PLS path modelling (with bootstrap), or CB-SEM by ML or MLR.
    bootstrap : int
        PLS bootstrap resamples (0 for none).
    seed : int
        Bootstrap seed.
    scale : (min, max), optional
        The scale of every item without its own. Without it (and without ``item_scales``
        or SPSS value labels), each item's scale is inferred from its answers (observed
        range snapped to 1-5, 1-6, 1-7, 1-10 or 0-10) and the report states it.
    item_scales : dict item -> (min, max), optional
        Scales of single items.
    na_values : float or sequence, optional
        Codes meaning "missing" (e.g. -99); the model drops rows with missing model items
        listwise (a warning and the report say how many); descriptives use every answer.
    title, source : str
        Heading (default "Customer satisfaction and loyalty report", in ``lang``) and the
        data's description.
    recommend : str, optional
        The "would recommend" item for the NPS (a proxy unless the scale is 0-10).
    satisfaction_items, loyalty_items : sequence of str, optional
        Items of the conversion table; by default the items of the constructs named
        ``satisfaction`` and ``loyalty`` (case-insensitive).
    satisfied, loyal : float, optional
        A respondent is satisfied (loyal) when the mean of the satisfaction (loyalty) items is
        at least this; default the top 30% of the items' scale range (1-10: 7.3, 1-7: 5.2,
        1-5: 3.8, 0-10: 7). The report states the definition next to every number using it.
    segment : str or sequence of str, optional
        Profile questions to compare satisfaction across.
    value : str, optional
        A customer-value column: the share satisfied is also weighted by value (overall, and
        per segment with ``segment``).
    lang : {"en", "zh"}
        Language of every heading, sentence, table header and axis label (zh: Simplified
        Chinese).
    progress : None, True or callable
        Bootstrap progress (True: a tqdm bar).
    notes : mapping of section anchor -> HTML, optional
        Extra text appended to a section (one of :data:`SECTION_ANCHORS`): the context of a
        particular study (the demo's story uses it).

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
    from acsi._validation import check_choice

    method = check_choice(method, tuple(METHODS), "method")
    lang = i18n.check_lang(lang)
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    # the file's metadata is read here once; the frame goes on without it (pandas deep-copies
    # ``attrs`` into the result of every operation, a fifth of the report's table work)
    meta = dict(data.attrs)
    data = data.copy(deep=False)
    data.attrs = {}
    labels = meta.get("value_labels") if isinstance(meta.get("value_labels"), dict) else None
    questions = meta.get("questions") if isinstance(meta.get("questions"), dict) else {}
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise SpecificationError(f"bootstrap must be a whole number >= 0; got {bootstrap!r}")
    common: tuple[float, float] | None = None
    if scale is not None:
        lo, hi = (float(scale[0]), float(scale[1]))
        if not lo < hi:
            raise SpecificationError(f"scale must be (min, max) with min < max; got {tuple(scale)!r}")
        common = (lo, hi)
    blocks, struct = model_blocks(model)
    if not blocks:
        raise SpecificationError(
            "the model has no measurement blocks (=~ lines); the report needs constructs measured by items"
        )
    nas: tuple[float, ...]
    if na_values is None:
        nas = ()
    elif isinstance(na_values, (int, float, np.number)):
        nas = (float(na_values),)
    else:
        nas = tuple(float(v) for v in na_values)
    segs = (segment,) if isinstance(segment, str) else tuple(segment or ())
    for col, arg in [(c, "segment") for c in segs] + ([(value, "value")] if value is not None else []):
        if col not in data.columns:
            raise DataError(f"{arg}: column {col!r} not found in the data")
    sat = _find(blocks, "satisfaction", "sat", "cusa", "满意度", "顾客满意度", "满意", "滿意度")
    loy = _find(blocks, "loyalty", "loy", "cusl", "忠诚度", "顾客忠诚度", "忠诚", "忠誠度")
    sat_items = (tuple(satisfaction_items) if satisfaction_items is not None
                 else tuple(expand_items(blocks, sat)) if sat else ())
    loy_items = (tuple(loyalty_items) if loyalty_items is not None
                 else tuple(expand_items(blocks, loy)) if loy else ())
    from acsi.data import check_columns, prepare_data
    from acsi.plspm.hoc import observed_items

    # the data columns the model reads (a higher-order construct is measured by constructs)
    model_items = list(observed_items(model))
    hocs = higher_order_blocks(blocks)
    iblocks = item_blocks(blocks)
    check_columns(data, model_items, context="model")
    answers = _answers(data, list(dict.fromkeys(model_items + list(sat_items) + list(loy_items))), nas)
    scales = resolve_scales(answers, list(dict.fromkeys(model_items + list(sat_items) + list(loy_items))),
                            scale=common, item_scales=item_scales, value_labels=labels)
    sat_sc = ItemScale(1, 10) if not sat_items else ReportOptions(item_scales=scales).scale_of(sat_items)
    loy_sc = ItemScale(1, 10) if not loy_items else ReportOptions(item_scales=scales).scale_of(loy_items)
    sat_min, sat_def = _threshold(satisfied, sat_sc, "satisfied")
    loy_min, loy_def = _threshold(loyal, loy_sc, "loyal")
    opts = ReportOptions(
        method=method, bootstrap=int(bootstrap), seed=int(seed), scale=common, item_scales=scales, na_values=nas,
        satisfied_min=sat_min, loyal_min=loy_min, satisfied_default=sat_def, loyal_default=loy_def,
        recommend=recommend, satisfaction_items=sat_items, loyalty_items=loy_items, segment=segs, value=value,
        lang=lang,
    )
    family = family_part(method)
    extra = dict(notes or {})
    unknown = sorted(set(extra) - set(SECTION_ANCHORS))
    if unknown:
        raise SpecificationError(f"notes: unknown section(s) {unknown}; the sections are {list(SECTION_ANCHORS)}")
    sections: list[tuple[str, str, str]] = []
    tables: dict[str, pd.DataFrame] = {}

    def add(anchor: str, head: str, made: tuple[str, dict[str, pd.DataFrame]]) -> None:
        part, tabs = made
        sections.append((anchor, head, part + extra.get(anchor, "")))
        tables.update(tabs)

    import acsi
    from acsi.plotting._fonts import font_context

    with i18n.use(lang), font_context(), warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        prepared = prepare_data(data, model_items, missing="listwise", na_values=nas or None, context="model")
        # the rows used by the model, with NA codes as missing values
        clean = data.loc[prepared.index].copy()
        clean[list(prepared.columns)] = prepared.X
        if recommend is not None and recommend not in data.columns:
            raise DataError(f"recommend column {recommend!r} not found in the data")
        res, boot = family.fit(model, data, clean, model_items, opts, progress)
        n = int(len(clean))
        add("profile", t("Sample profile and usage"), S.profile_section(data, set(model_items), questions))
        add("items", t("Rating items"), S.items_section(answers, iblocks, opts, questions))
        add("measurement", t("Reliability and validity"),
            S.measurement_section(res, clean, iblocks, family, boot, hocs))
        ptab = None
        idx_tab = None
        if struct:
            part, tabs, ptab = S.structural_section(res, boot, family, hocs)
            if hocs:
                more, more_tabs = S.second_order_section(res, clean, model, model_items, hocs, family, boot)
                part += more
                tabs = {**tabs, **more_tabs}
            add("structural", t("Structural model"), (part, tabs))
        add("fit", t("Model fit"), family.fit_section(res))
        if struct:
            endogenous = [tg for _, tg in struct]
            target = next((c for c in (sat, loy) if c in endogenous), endogenous[-1])
            head, anchor, made = family.index_section(res, boot, opts, target, headline=sat or loy)
            add(anchor, head, made)
            idx_tab = made[1].get("index")
        else:
            head, anchor, made = family.index_section(res, boot, opts, None)
            add(anchor, head, made)
            idx_tab = made[1].get("index")
        add("loyalty", t("From satisfaction to loyalty"), S.loyalty_section(answers, opts))
        if segs or value is not None:
            add("segments", t("Segments"), S.segments_section(answers, opts))
        add("limitations", t("Limitations"),
            S.limitations_section(res, clean, answers, ptab, iblocks, family, opts, len(data) - n))
        add("method", t("Method notes"), (S.method_notes(model, opts, family, boot), {}))
        headline = sat or loy or (struct[-1][1] if struct else None)
        findings = S.key_findings(res, struct, headline, idx_tab, ptab, tables, opts, n, answers)
        caught = list(dict.fromkeys(_warn_text(w) for w in rec))
        constructs = ", ".join(
            t("{c} (higher-order, of {k} constructs)", c=c, k=len(v)) if c in hocs
            else t("{c} ({k} items)", c=c, k=len(v)) if len(v) > 1 else t("{c} (1 item)", c=c)
            for c, v in blocks.items())
        overview = [
            (t("data"), source or t("user data")),
            (t("respondents"), t("{rows} rows; {n} used by the model", rows=len(data), n=n)),
            (t("method"), t(METHODS[method])), (t("constructs"), constructs),
            (t("paths"), ", ".join([f"{d} -> {h}" for h, ds in hocs.items() for d in ds]
                                   + [f"{s} -> {tg}" for s, tg in struct]) if struct
             else t("none (measurement model only)")),
            (t("rating scales"), S.scales_text(opts)),
        ]
        overview += family.overview(opts)
        ov = H.kv_table(overview, t("What was analysed"))
        if any(s.source == "inferred" for s in scales.values()):
            ov += H.callout(t(
                "Scales were inferred from the answers (the observed lowest and highest answers, snapped to the "
                "nearest common scale). If a scale is wrong, declare it ({flag}, {arg}, or per item in the item map, "
                "e.g. {example}): the index, the boxes and the thresholds depend on it.",
                flag="<code>--scale MIN MAX</code>", arg="<code>scale=(min, max)</code>",
                example="<code>quality[1-7]: q1 q2</code>"), "warn")
        if caught:
            listed = "".join(f"<li>{H.esc(w)}</li>" for w in caught)
            ov += H.callout(f"<b>{t('Warnings while analysing:')}</b><ul>{listed}</ul>", "warn")
        sections.insert(0, ("findings", t("Key findings"), findings + extra.get("findings", "")))
        sections.insert(0, ("overview", t("Overview"), ov))
        shown_title = title if title is not None else t("Customer satisfaction and loyalty report")
        html = H.page(shown_title, source or t("acsi report"), sections,
                      footer=t("Made with acsi {version}. All figures are embedded; this file needs no network.",
                               version=acsi.__version__), lang=lang)
    return Report(title=shown_title, html=html, tables=tables, result=res, bootstrap=boot,
                  warnings=tuple(caught), sections=tuple(a for a, _, _ in sections))
