"""One place for argument checks shared by every family.

Every public entry point validates its arguments here, so the same mistake gives the same
exception class and the same kind of message everywhere: :class:`~acsi.SpecificationError`
for an argument (naming the argument, what was given and what is accepted),
:class:`~acsi.DataError` for data. Warnings go through :func:`acsi.exceptions.warn`, which
attributes them to the user's line.

Names across families: the resample count is ``n`` (``bootstrap(n=...)``), the observation
count ``nobs``, the confidence level ``level``. Old spellings stay accepted through
:func:`alias`.

Examples
--------
>>> from acsi._validation import check_level, parse_na_values
>>> check_level(0.9)
0.9
>>> parse_na_values([-99, "DK"])
(-99.0, 'DK')
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from acsi.exceptions import DegenerateStatisticWarning, SpecificationError, warn

__all__ = [
    "min_resamples",
    "warn_few_resamples",
    "check_level",
    "check_choice",
    "check_int",
    "check_positive",
    "check_scale",
    "check_seed",
    "make_rng",
    "check_executor",
    "check_progress",
    "check_number",
    "check_bool",
    "check_range",
    "check_names",
    "check_name",
    "parse_na_values",
    "alias",
    "check_resamples",
]

_MISSING = object()


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_level(level: Any, argument: str = "level") -> float:
    """A confidence level strictly between 0 and 1 (returned as float).

    Raises
    ------
    SpecificationError
        Not a number, or not in (0, 1) (a percentage such as 95 gets the hint 0.95).
    """
    if not _is_real(level) or not math.isfinite(float(level)):
        raise SpecificationError(f"{argument} must be a number strictly between 0 and 1 (e.g. 0.95), not {level!r}")
    lv = float(level)
    if not 0.0 < lv < 1.0:
        hint = f" (for {lv:g}% write {lv / 100:g})" if 50.0 <= lv < 100.0 else ""
        raise SpecificationError(f"{argument} must lie strictly between 0 and 1 (e.g. 0.95), not {level!r}{hint}")
    return lv


def check_choice(
    value: Any,
    choices: Iterable[str] | Mapping[str, str],
    argument: str,
    *,
    hint: str = "",
    case_sensitive: bool = False,
) -> str:
    """One of ``choices`` (returned in its canonical spelling).

    ``choices`` may map accepted spellings (aliases) to the canonical value, e.g.
    ``{"ml": "ml", "fiml": "ml", "direct": "ml"}``.
    """
    table = dict(choices) if isinstance(choices, Mapping) else {c: c for c in choices}
    if isinstance(value, str):
        if value in table:
            return table[value]
        if not case_sensitive:
            folded = {k.lower(): v for k, v in table.items()}
            if value.lower() in folded:
                return folded[value.lower()]
    shown = ", ".join(repr(c) for c in dict.fromkeys(table))
    extra = f"; {hint}" if hint else ""
    raise SpecificationError(f"{argument}={value!r} is not one of {shown}{extra}")


def check_int(value: Any, argument: str, *, minimum: int = 0, hint: str = "") -> int:
    """An integer (not bool, not a float) at least ``minimum``."""
    if not _is_int(value) or int(value) < minimum:
        extra = f" ({hint})" if hint else ""
        raise SpecificationError(f"{argument} must be an integer >= {minimum}{extra}, not {value!r}")
    return int(value)


def check_positive(value: Any, argument: str, *, hint: str = "") -> float:
    """A finite number > 0 (a tolerance, a threshold)."""
    if not _is_real(value) or not (math.isfinite(float(value)) and float(value) > 0):
        extra = f" ({hint})" if hint else ""
        raise SpecificationError(f"{argument} must be a positive finite number{extra}, not {value!r}")
    return float(value)


def check_number(
    value: Any,
    argument: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict: bool = False,
    hint: str = "",
) -> float:
    """A finite real number (not bool), optionally within ``[minimum, maximum]``.

    With ``strict=True`` the bounds are excluded.

    Examples
    --------
    >>> check_number(6, "rr_null", minimum=0, strict=True)
    6.0
    >>> check_number("6", "rr_null")
    Traceback (most recent call last):
    ...
    acsi.exceptions.SpecificationError: rr_null must be a finite number, not '6'
    """
    extra = f" ({hint})" if hint else ""
    if not _is_real(value) or not math.isfinite(float(value)):
        raise SpecificationError(f"{argument} must be a finite number{extra}, not {value!r}")
    v = float(value)
    below = minimum is not None and (v <= minimum if strict else v < minimum)
    above = maximum is not None and (v >= maximum if strict else v > maximum)
    if below or above:
        lo = "" if minimum is None else (f"> {minimum:g}" if strict else f">= {minimum:g}")
        hi = "" if maximum is None else (f"< {maximum:g}" if strict else f"<= {maximum:g}")
        bounds = " and ".join(b for b in (lo, hi) if b)
        raise SpecificationError(f"{argument} must be {bounds}{extra}, not {value!r}")
    return v


def check_bool(value: Any, argument: str) -> bool:
    """``True`` or ``False`` (numpy booleans too; not 0/1, not a string such as ``"no"``).

    Examples
    --------
    >>> check_bool(False, "haldane")
    False
    >>> check_bool("no", "haldane")
    Traceback (most recent call last):
    ...
    acsi.exceptions.SpecificationError: haldane must be True or False, not 'no'
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise SpecificationError(f"{argument} must be True or False, not {value!r}")


def check_range(value: Any, argument: str) -> tuple[float, float]:
    """An inclusive range ``(lo, hi)`` of finite numbers with ``lo <= hi`` (a bin, a
    promoter range); ``lo == hi`` is one point.

    Examples
    --------
    >>> check_range((9, 10), "mapping['promoter']")
    (9.0, 10.0)
    >>> check_range((10, 9), "midpoint")
    Traceback (most recent call last):
    ...
    acsi.exceptions.SpecificationError: midpoint=(10, 9) must be a range (lo, hi) with lo <= hi
    """
    ok = (
        not isinstance(value, (str, bytes))
        and isinstance(value, (tuple, list, np.ndarray))
        and len(value) == 2
        and all(_is_real(v) and math.isfinite(float(v)) for v in value)
    )
    if not ok:
        raise SpecificationError(f"{argument} must be a range (lo, hi) of two numbers, e.g. (9, 10); got {value!r}")
    lo, hi = float(value[0]), float(value[1])
    if lo > hi:
        raise SpecificationError(f"{argument}={tuple(value)!r} must be a range (lo, hi) with lo <= hi")
    return lo, hi


def check_names(value: Any, argument: str, *, minimum: int = 0) -> list[str]:
    """Column or item names as a list of str.

    A single name (a string) is one name, never split into characters; integer labels are
    turned into their text; anything else that is not a list/tuple/Index of names raises.

    Examples
    --------
    >>> check_names("Q1", "drivers")
    ['Q1']
    >>> check_names(("Q1", "Q2"), "drivers")
    ['Q1', 'Q2']
    >>> check_names(5.5, "drivers")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    acsi.exceptions.SpecificationError: drivers must be a column name or a list of column names ..., not 5.5
    """
    if isinstance(value, str):
        names: list[Any] = [value]
    elif isinstance(value, (Mapping, bytes)) or not isinstance(value, Iterable):
        raise SpecificationError(
            f"{argument} must be a column name or a list of column names (e.g. ['Q1', 'Q2']), not {value!r}"
        )
    else:
        names = list(value)
    for v in names:
        if not (isinstance(v, str) or _is_int(v)):
            raise SpecificationError(
                f"{argument} must hold column names (text), not {v!r} ({type(v).__name__})"
            )
    out = [str(v) for v in names]
    if len(out) < minimum:
        raise SpecificationError(
            f"{argument} must name at least {minimum} column(s); got {len(out)} ({value!r})"
        )
    return out


def check_name(value: Any, argument: str) -> str:
    """One column name (text, or an integer label turned into text).

    Examples
    --------
    >>> check_name("Q1", "target")
    'Q1'
    >>> check_name(["Q1", "Q2"], "target")
    Traceback (most recent call last):
    ...
    acsi.exceptions.SpecificationError: target must be one column name (text), not ['Q1', 'Q2']
    """
    if isinstance(value, str):
        return value
    if _is_int(value):
        return str(value)
    raise SpecificationError(f"{argument} must be one column name (text), not {value!r}")


def check_scale(scale: Any, argument: str = "scale") -> tuple[float, float]:
    """A rating scale ``(min, max)`` of finite numbers with ``min < max``."""
    if isinstance(scale, (str, bytes)) or not isinstance(scale, (tuple, list, np.ndarray)) or len(scale) != 2:
        raise SpecificationError(f"{argument} must be a pair (min, max) of numbers, e.g. (1, 10); got {scale!r}")
    lo, hi = scale[0], scale[1]
    if not (_is_real(lo) and _is_real(hi)):
        raise SpecificationError(f"{argument} must be a pair (min, max) of numbers, e.g. (1, 10); got {scale!r}")
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        raise SpecificationError(f"{argument} must satisfy min < max (finite numbers); got {scale!r}")
    return lo, hi


def check_seed(seed: Any, argument: str = "seed") -> tuple[np.random.SeedSequence, int | None]:
    """The root :class:`numpy.random.SeedSequence` of a seeded computation.

    Accepts ``None`` (fresh entropy, recorded so that the run can be repeated), a
    non-negative integer, a ``SeedSequence`` or a ``Generator`` (one integer is drawn from
    it). Returns the sequence and the integer to record.
    """
    if seed is None:
        ss = np.random.SeedSequence()
        return ss, int(ss.entropy)  # type: ignore[arg-type]
    if isinstance(seed, np.random.SeedSequence):
        ent = seed.entropy
        return seed, (int(ent) if isinstance(ent, (int, np.integer)) else None)
    if isinstance(seed, np.random.Generator):
        s = int(seed.integers(0, 2**63 - 1))
        return np.random.SeedSequence(s), s
    if _is_int(seed) and int(seed) >= 0:
        return np.random.SeedSequence(int(seed)), int(seed)
    raise SpecificationError(
        f"{argument} must be a non-negative integer, a numpy SeedSequence or Generator, or None; got {seed!r}"
    )


def make_rng(seed: Any, argument: str = "seed") -> np.random.Generator:
    """A :class:`numpy.random.Generator` for a seeded computation.

    A ``Generator`` is used as it is (its stream continues); anything else goes through
    :func:`check_seed`, so ``make_rng(7)`` gives the same stream as
    ``numpy.random.default_rng(7)``.

    Examples
    --------
    >>> float(make_rng(7).random()) == float(np.random.default_rng(7).random())
    True
    >>> make_rng(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    acsi.exceptions.SpecificationError: seed must be a non-negative integer, ... or None; got -1
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed, argument)[0])


def check_executor(executor: Any, argument: str = "executor") -> Any:
    """``None``, a :class:`concurrent.futures.Executor` or a ``dask.distributed.Client``.

    Anything with a callable ``submit`` is accepted (both kinds have one); a string such as
    ``"threads"`` gets the way to make an executor.
    """
    if executor is None:
        return None
    submit = getattr(executor, "submit", None)
    if callable(submit):
        return executor
    raise SpecificationError(
        f"{argument} must be None, a concurrent.futures.Executor (e.g. "
        "concurrent.futures.ThreadPoolExecutor(2)) or a dask.distributed.Client, not "
        f"{executor!r}"
    )


def check_progress(progress: Any, argument: str = "progress") -> Any:
    """``None``/``False`` (silent), ``True`` (a tqdm bar) or a callable ``progress(done, total)``."""
    if progress is None or progress is False or progress is True or callable(progress):
        return progress
    raise SpecificationError(
        f"{argument} must be None, True (a tqdm bar) or a callable progress(done, total); got {progress!r}"
    )


def parse_na_values(na_values: Any, argument: str = "na_values") -> tuple[float | str, ...]:
    """Declared missing-value codes as a tuple (numbers as float, text as str).

    ``None`` gives ``()``; a single number or string is one code (a string is never split
    into characters); a list/tuple/set holds several. NaN is not a code (it is missing
    already).
    """
    if na_values is None:
        return ()
    try:
        items: list[Any] = (
            [na_values] if isinstance(na_values, (str, bytes, numbers.Number)) else list(na_values)
        )
    except TypeError:
        raise SpecificationError(
            f"{argument} must be a number, a text code or a list of them (e.g. [-99, 'DK']), not {na_values!r}"
        ) from None
    out: list[float | str] = []
    for v in items:
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        if isinstance(v, str):
            if v == "":
                raise SpecificationError(f"{argument} holds an empty text code; give the code as written in the data")
            out.append(v)
        elif isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)):
            f = float(v)
            if math.isnan(f):
                raise SpecificationError(f"{argument} holds NaN, which is missing already; leave it out")
            out.append(f)
        else:
            raise SpecificationError(
                f"{argument} must hold numbers or text codes (e.g. [-99, 'DK']); {v!r} is neither"
            )
    return tuple(dict.fromkeys(out))


def alias(value: Any, old_value: Any, name: str, old_name: str) -> Any:
    """Reconcile a harmonised argument ``name`` with its older spelling ``old_name``.

    Returns whichever was given; giving both with different values is a
    :class:`~acsi.SpecificationError`. Pass ``_MISSING``-style sentinels as ``None``.
    """
    if old_value is None:
        return value
    if value is not None and value != old_value:
        raise SpecificationError(
            f"{name}={value!r} and {old_name}={old_value!r} disagree; {old_name} is the older "
            f"spelling of {name}: give only {name}"
        )
    return old_value


def check_resamples(
    n: Any,
    *,
    default: int,
    minimum: int = 2,
    old: Any = None,
    old_name: str = "n_boot",
    argument: str = "n",
    hint: str = "resamples",
) -> int:
    """A resample count given as ``n`` (the harmonised name) or its older spelling.

    ``None`` for both gives ``default``; the message names the spelling the caller used.

    Examples
    --------
    >>> check_resamples(None, default=1000)
    1000
    >>> check_resamples(None, old=500, default=1000)
    500
    >>> check_resamples(None, old=1, default=1000)
    Traceback (most recent call last):
    ...
    acsi.exceptions.SpecificationError: n_boot must be an integer >= 2 (resamples), not 1
    """
    value = alias(n, old, argument, old_name)
    if value is None:
        return default
    return check_int(value, old_name if old is not None else argument, minimum=minimum, hint=hint)


#: resamples each tail of a quantile interval (percentile, BCa, basic, studentized) must hold
TAIL_RESAMPLES = 2
#: fewest resamples for an interval from the resampling standard error (ci="normal")
SE_RESAMPLES = 30


def min_resamples(level: float, method: str = "percentile") -> int:
    """Fewest resamples for a ``level`` interval of kind ``method`` to mean what it says.

    A quantile interval (percentile, BCa, basic, studentized) reads its bounds from the
    tails, each holding a share ``(1 - level) / 2`` of the resamples; with fewer than
    ``TAIL_RESAMPLES`` = 2 resamples beyond each bound, the bound is the most extreme draw or
    an interpolation next to it. So ``n >= 4 / (1 - level)``: 80 for 95%, 400 for 99%
    (a stable interval needs far more, 1000 or more; this rule flags the degenerate ones).
    An interval from the resampling standard error needs ``SE_RESAMPLES`` = 30.

    Examples
    --------
    >>> min_resamples(0.95), min_resamples(0.99), min_resamples(0.9), min_resamples(0.95, "normal")
    (80, 400, 40, 30)
    """
    if method in ("normal", "wald", "se"):
        return SE_RESAMPLES
    return math.ceil(round(2 * TAIL_RESAMPLES / (1.0 - level), 6))


def warn_few_resamples(n: int, level: float, method: str = "percentile", argument: str = "n") -> None:
    """Warn (DegenerateStatisticWarning) when ``n`` resamples are too few for the interval.

    The rule is :func:`min_resamples`; the message names ``argument`` and the count needed.
    """
    need = min_resamples(level, method)
    if n >= need:
        return
    if method in ("normal", "wald", "se"):
        why = f"its standard error rests on {n} draws (acsi's rule: at least {SE_RESAMPLES})"
    else:
        why = (f"each tail holds {n * (1 - level) / 2:.3g} resamples (acsi's rule: at least "
               f"{TAIL_RESAMPLES} per tail, n >= 4 / (1 - level))")
    warn(
        f"{argument}={n} resamples are too few for a {100 * level:g}% {method} interval: {why}. "
        f"Use {argument}>={need}",
        DegenerateStatisticWarning,
    )
