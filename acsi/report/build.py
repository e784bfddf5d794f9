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
from acsi.report import sections as S
from acsi.report.families import METHODS, family_part
from acsi.results.base import ResultMixin, Summary, TableMap, compact_repr, write_excel
from acsi.spec.syntax import ParsedModel, parse_model

__all__ = ["Report", "ReportOptions", "build_report", "model_blocks"]


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
        ``satisfied_min`` (default 7 of 10: "agree" or better),
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


#: The anchors of the report's sections, in order (the overview comes first).
SECTION_ANCHORS = ("profile", "items", "measurement", "structural", "fit", "index", "loyalty", "limitations", "method")


def _find(blocks: Mapping[str, list[str]], *names: str) -> str | None:
    low = {k.lower(): k for k in blocks}
    for n in names:
        if n in low:
            return low[n]
    return None


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
    notes: Mapping[str, str] | None = None,
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
    notes : mapping of section anchor -> HTML, optional
        Extra text appended to a section (``"profile"``, ``"items"``, ``"measurement"``,
        ``"structural"``, ``"fit"``, ``"index"``, ``"loyalty"``, ``"limitations"``,
        ``"method"``): the context of a particular study (the demo's story uses it).

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
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise SpecificationError(f"bootstrap must be a whole number >= 0; got {bootstrap!r}")
    lo, hi = (float(scale[0]), float(scale[1]))
    if not lo < hi:
        raise SpecificationError(f"scale must be (min, max) with min < max; got {tuple(scale)!r}")
    blocks, struct = model_blocks(model)
    if not blocks:
        raise SpecificationError(
            "the model has no measurement blocks (=~ lines); the report needs constructs measured by items"
        )
    if not struct:
        raise SpecificationError("the model has no structural paths (~ lines); the report needs at least one path")
    nas: tuple[float, ...]
    if na_values is None:
        nas = ()
    elif isinstance(na_values, (int, float, np.number)):
        nas = (float(na_values),)
    else:
        nas = tuple(float(v) for v in na_values)
    sat = _find(blocks, "satisfaction", "sat", "cusa")
    loy = _find(blocks, "loyalty", "loy", "cusl")
    opts = ReportOptions(
        method=method, bootstrap=int(bootstrap), seed=int(seed), scale=(lo, hi), na_values=nas,
        recommend=recommend,
        satisfaction_items=(tuple(satisfaction_items) if satisfaction_items is not None
                            else tuple(blocks[sat]) if sat else ()),
        loyalty_items=tuple(loyalty_items) if loyalty_items is not None else tuple(blocks[loy]) if loy else (),
    )
    from acsi.data import prepare_data

    family = family_part(method)
    model_items = [i for b in blocks.values() for i in b]
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

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        prepared = prepare_data(data, model_items, missing="listwise", na_values=nas or None, context="model")
        # the rows used by the model, with NA codes as missing values
        clean = data.loc[prepared.index].copy()
        clean[list(prepared.columns)] = prepared.X
        if recommend is not None and recommend not in data.columns:
            raise DataError(f"recommend column {recommend!r} not found in the data")
        res, boot = family.fit(model, data, clean, model_items, opts, progress)
        n = int(len(clean))
        add("profile", "Sample profile and usage", S.profile_section(data, set(model_items)))
        add("items", "Rating items", S.items_section(clean, blocks, opts))
        add("measurement", "Reliability and validity", S.measurement_section(res, clean, blocks, family, boot))
        part, tabs, ptab = S.structural_section(res, boot, family)
        add("structural", "Structural model", (part, tabs))
        add("fit", "Model fit", family.fit_section(res))
        head, anchor, made = family.index_section(res, boot, opts, sat or loy or struct[-1][1])
        add(anchor, head, made)
        add("loyalty", "From satisfaction to loyalty", S.loyalty_section(clean, opts))
        add("limitations", "Limitations", S.limitations_section(res, clean, ptab, blocks, family, opts, len(data) - n))
        add("method", "Method notes", (S.method_notes(model, opts, family, boot), {}))
    caught = list(dict.fromkeys(_warn_text(w) for w in rec))
    constructs = ", ".join(f"{c} ({len(v)} item{'s' if len(v) > 1 else ''})" for c, v in blocks.items())
    overview = [
        ("data", source or "user data"), ("respondents", f"{len(data)} rows; {n} used by the model"),
        ("method", METHODS[method]), ("constructs", constructs),
        ("paths", ", ".join(f"{s} -> {t}" for s, t in struct)),
    ]
    overview += family.overview(opts)
    ov = H.kv_table(overview, "What was analysed")
    if caught:
        listed = "".join(f"<li>{H.esc(w)}</li>" for w in caught)
        ov += H.callout(f"<b>Warnings while analysing:</b><ul>{listed}</ul>", "warn")
    sections.insert(0, ("overview", "Overview", ov))
    html = H.page(title, source or "acsi report", sections,
                  footer=f"Made with acsi {acsi.__version__}. All figures are embedded; this file needs no network.")
    return Report(title=title, html=html, tables=tables, result=res, bootstrap=boot,
                  warnings=tuple(caught), sections=tuple(a for a, _, _ in sections))
