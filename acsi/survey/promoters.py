"""Net Promoter Score with a confidence interval, and a two-group test."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from acsi._lazy import stats  # scipy.stats, imported on first use
from acsi._validation import check_choice, check_level, check_range, check_resamples, make_rng, warn_few_resamples
from acsi.exceptions import DataError, DegenerateStatisticWarning, SpecificationError
from acsi.exceptions import warn as _warn
from acsi.results.base import CopyTables, ResultMixin, Summary
from acsi.survey._common import _z, as_series, check_scale, check_scale_arg, col_name, drop_missing, numeric

__all__ = ["nps", "nps_test", "NPSResult", "NPSTestResult", "STANDARD_MAPPING"]

#: Reichheld's groups on the 0-10 "would you recommend" scale.
STANDARD_MAPPING: dict[str, tuple[float, float]] = {"promoter": (9, 10), "detractor": (0, 6)}


@dataclass(frozen=True, eq=False)
class NPSResult(CopyTables, ResultMixin):
    """Net Promoter Score.

    Attributes
    ----------
    nps : float
        :math:`100 (p_P - p_D)`, between -100 and 100.
    se : float
        Its standard error (same units).
    ci_lower, ci_upper : float
    nobs : int
        Answers used (``n`` is an alias, the older name).
    n_promoters, n_passives, n_detractors : int
    level : float
    method : {"wald", "bootstrap"}
    proxy : bool
        True when the scale is not 0-10 or the mapping is not Reichheld's: an NPS-like index,
        not comparable with published NPS benchmarks.
    mapping : dict
    note : str
    """

    nps: float
    se: float
    ci_lower: float
    ci_upper: float
    nobs: int
    n_promoters: int
    n_passives: int
    n_detractors: int
    level: float
    method: str
    proxy: bool
    mapping: dict[str, tuple[float, float]]
    scale: tuple[float, float]
    note: str = ""
    n_boot: int = 0

    @property
    def n(self) -> int:
        """Alias of :attr:`nobs` (the older name)."""
        return self.nobs

    @property
    def share_promoters(self) -> float:
        """Promoters / nobs."""
        return self.n_promoters / self.nobs

    @property
    def share_detractors(self) -> float:
        """Detractors / nobs."""
        return self.n_detractors / self.nobs

    @property
    def share_passives(self) -> float:
        """Passives / nobs."""
        return self.n_passives / self.nobs

    def to_frame(self) -> pd.DataFrame:
        """Groups with counts and shares."""
        return pd.DataFrame(
            {"count": [self.n_promoters, self.n_passives, self.n_detractors],
             "share": [self.share_promoters, self.share_passives, self.share_detractors]},
            index=pd.Index(["promoters", "passives", "detractors"], name="group"),
        )

    def _summary(self) -> Summary:
        header = [
            ("NPS" + (" (proxy)" if self.proxy else ""), self.nps),
            ("se", self.se),
            (f"{self.level:.0%} CI ({self.method})", f"{self.ci_lower:.1f} to {self.ci_upper:.1f}"),
            ("n", self.nobs),
            ("promoters", f"{self.mapping['promoter'][0]:g}-{self.mapping['promoter'][1]:g}"),
            ("detractors", f"{self.mapping['detractor'][0]:g}-{self.mapping['detractor'][1]:g}"),
        ]
        return Summary("Net Promoter Score", header, [("groups", self.to_frame())], [self.note] if self.note else [])


@dataclass(frozen=True, eq=False)
class NPSTestResult(CopyTables, ResultMixin):
    """Two-group NPS comparison: difference ``a - b`` with its z test.

    Attributes
    ----------
    a, b : NPSResult
    difference, se, z, pvalue, ci_lower, ci_upper : float
    """

    a: NPSResult
    b: NPSResult
    difference: float
    se: float
    z: float
    pvalue: float
    ci_lower: float
    ci_upper: float
    level: float

    @property
    def nobs(self) -> int:
        """Answers in both groups."""
        return self.a.nobs + self.b.nobs

    def _summary(self) -> Summary:
        table = pd.DataFrame(
            {"n": [self.a.nobs, self.b.nobs], "nps": [self.a.nps, self.b.nps], "se": [self.a.se, self.b.se]},
            index=pd.Index(["a", "b"], name="group"),
        )
        header = [("difference (a - b)", self.difference), ("se", self.se), ("z", self.z),
                  ("pvalue", self.pvalue), (f"{self.level:.0%} CI", f"{self.ci_lower:.1f} to {self.ci_upper:.1f}")]
        notes = ["NPS proxy on a non 0-10 scale or with a custom mapping."] if (self.a.proxy or self.b.proxy) else []
        return Summary("NPS: two-group z test", header, [("groups", table)], notes)


def _mapping_arg(
    scale: tuple[float, float], mapping: Mapping[str, Sequence[float]] | None
) -> tuple[dict[str, tuple[float, float]], bool, str]:
    if mapping is None:
        if scale != (0.0, 10.0):
            raise SpecificationError(
                f"the NPS is defined on the 0-10 'would you recommend' scale; for scale={scale[0]:g}-{scale[1]:g} "
                "give an explicit mapping, e.g. mapping={'promoter': (9, 10), 'detractor': (1, 6)}, "
                "and the result will be flagged as a proxy"
            )
        return dict(STANDARD_MAPPING), False, ""
    if not isinstance(mapping, Mapping):
        raise SpecificationError(
            f"mapping must be a dict such as {{'promoter': (9, 10), 'detractor': (0, 6)}}, not {mapping!r}"
        )
    keys = set(mapping)
    if keys != {"promoter", "detractor"}:
        raise SpecificationError(
            f"mapping must have exactly the keys 'promoter' and 'detractor', not {sorted(map(str, keys))}"
        )
    m: dict[str, tuple[float, float]] = {}
    for k in ("promoter", "detractor"):
        lo, hi = check_range(mapping[k], f"mapping[{k!r}]")
        if lo < scale[0] or hi > scale[1]:
            raise SpecificationError(
                f"mapping[{k!r}]=({lo:g}, {hi:g}) must be a range inside the scale {scale[0]:g}-{scale[1]:g}"
            )
        m[k] = (lo, hi)
    (plo, phi), (dlo, dhi) = m["promoter"], m["detractor"]
    if not (dhi < plo or phi < dlo):
        raise SpecificationError("mapping: the promoter and detractor ranges overlap; make them disjoint")
    proxy = not (scale == (0.0, 10.0) and m == STANDARD_MAPPING)
    note = ""
    if proxy:
        note = (
            f"NPS proxy: promoters {plo:g}-{phi:g}, detractors {dlo:g}-{dhi:g} on a {scale[0]:g}-{scale[1]:g} "
            "scale; not Reichheld's 0-10 definition, so not comparable with published NPS figures."
        )
    return m, proxy, note


def nps(
    scores: Any,
    scale: Sequence[float] = (0, 10),
    mapping: Mapping[str, Sequence[float]] | None = None,
    level: float = 0.95,
    ci: str = "wald",
    n: int | None = None,
    seed: int | np.random.Generator | None = None,
    *,
    n_boot: int | None = None,
) -> NPSResult:
    """Net Promoter Score (Reichheld 2003) with a confidence interval.

    :math:`NPS = 100\\,(p_P - p_D)` with promoters answering 9-10 and detractors 0-6 on the
    0-10 recommend question. Its variance is that of a difference of two multinomial
    proportions,

    .. math:: \\mathrm{Var}(\\hat p_P - \\hat p_D) = \\frac{p_P + p_D - (p_P - p_D)^2}{n},

    and the Wald interval is :math:`NPS \\pm z \\cdot 100\\sqrt{\\mathrm{Var}}`. With
    ``ci="bootstrap"`` the percentile interval of ``n`` multinomial resamples (equivalent
    to resampling respondents) is given instead, from a seeded generator.

    On another scale the NPS is not defined: pass an explicit ``mapping`` (for a 1-10 item
    e.g. ``{"promoter": (9, 10), "detractor": (1, 6)}``); the result is then flagged
    ``proxy=True`` with a note.

    Parameters
    ----------
    scores : Series or 1-d array
        Answers; missing ones are left out with a warning.
    scale : (min, max)
    mapping : dict, optional
        ``{"promoter": (lo, hi), "detractor": (lo, hi)}``, inclusive ranges.
    level : float
    ci : {"wald", "bootstrap"}
    n : int, default 2000
        Bootstrap resamples (``ci="bootstrap"``), at least 100.
    seed : int or Generator, optional
        For the bootstrap (required for reproducible intervals).
    n_boot : int, optional
        Older spelling of ``n`` (accepted alias).

    Returns
    -------
    NPSResult

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*
    81(12), 46-54.

    Examples
    --------
    >>> from acsi.survey import nps
    >>> r = nps([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    >>> r.nps, round(r.se, 3)
    (20.0, 27.568)
    >>> nps([10, 9, 4, 7], scale=(1, 10), mapping={"promoter": (9, 10), "detractor": (1, 6)}).proxy
    True
    """
    z = _z(level)
    ci = check_choice(ci, ("wald", "bootstrap"), "ci", case_sensitive=True)
    n_res = check_resamples(n, old=n_boot, default=2000, minimum=100, hint="bootstrap resamples")
    level = check_level(level)
    rng = make_rng(seed)
    sc = check_scale_arg(scale)
    m, proxy, note = _mapping_arg(sc, mapping)
    if ci == "bootstrap":
        warn_few_resamples(n_res, level, "percentile", "n_boot" if n_boot is not None else "n")
    s = as_series(scores, "scores")
    name = col_name(s, "scores")
    x = drop_missing(numeric(s, "scores"), "scores")
    check_scale(x, sc, name, integers=True)
    v = x.to_numpy(dtype=float)
    nobs = len(v)
    n_p = int(((v >= m["promoter"][0]) & (v <= m["promoter"][1])).sum())
    n_d = int(((v >= m["detractor"][0]) & (v <= m["detractor"][1])).sum())
    pp, pd_ = n_p / nobs, n_d / nobs
    est = 100.0 * (pp - pd_)
    se = 100.0 * float(np.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0) / nobs))
    if ci == "wald":
        lo, hi = est - z * se, est + z * se
        nb = 0
    else:
        draws = rng.multinomial(nobs, [pp, pd_, max(1.0 - pp - pd_, 0.0)], size=n_res)
        boot = 100.0 * (draws[:, 0] - draws[:, 1]) / nobs
        lo, hi = (float(q) for q in np.quantile(boot, [(1 - level) / 2, (1 + level) / 2]))
        nb = n_res
    if not hi > lo or lo < -100.0 or hi > 100.0:
        _warn(
            f"the {100 * level:g}% {ci} interval of the NPS of {name!r} is [{lo:.4g}, {hi:.4g}] "
            f"({nobs} answers, {n_p} promoters, {n_d} detractors): "
            + ("it collapses onto one value because every answer falls in one group, which does not "
               "mean the NPS is known exactly" if not hi > lo else "it reaches beyond the possible "
               "range -100..100")
            + "; collect more answers, or report the interval as degenerate",
            DegenerateStatisticWarning,
        )
    return NPSResult(est, se, float(lo), float(hi), nobs, n_p, nobs - n_p - n_d, n_d, level, ci, proxy, m, sc, note, nb)


def nps_test(
    a: Any,
    b: Any,
    scale: Sequence[float] = (0, 10),
    mapping: Mapping[str, Sequence[float]] | None = None,
    level: float = 0.95,
) -> NPSTestResult:
    """Compare the NPS of two independent groups with a z test.

    :math:`z = (NPS_a - NPS_b) / \\sqrt{se_a^2 + se_b^2}`, two-sided p from the normal
    distribution; the Wald CI of the difference uses the same standard error.

    Parameters
    ----------
    a, b : Series or 1-d arrays
        The two groups' answers (or already computed :class:`NPSResult` objects).

    Examples
    --------
    >>> from acsi.survey import nps_test
    >>> t = nps_test([10, 9, 9, 8, 3], [6, 5, 9, 7, 2])
    >>> round(t.difference, 1), round(t.pvalue, 3)
    (80.0, 0.114)
    """
    ra = a if isinstance(a, NPSResult) else nps(a, scale, mapping, level)
    rb = b if isinstance(b, NPSResult) else nps(b, scale, mapping, level)
    if ra.proxy != rb.proxy or ra.mapping != rb.mapping:
        raise DataError("the two groups use different NPS definitions (scale or mapping); compute both the same way")
    diff = ra.nps - rb.nps
    se = float(np.hypot(ra.se, rb.se))
    if se == 0:
        raise DataError("both groups have zero NPS variance (every answer in one group); the z test is undefined")
    z = diff / se
    p = float(2 * stats.norm.sf(abs(z)))
    q = _z(level)
    return NPSTestResult(ra, rb, diff, se, float(z), p, diff - q * se, diff + q * se, level)
