"""Read-only table fields for frozen result dataclasses.

:func:`acsi.results.base.frozen_table` covers computed table *properties*; a result that
stores its tables as dataclass *fields* (most survey and reliability results) mixes in
:class:`CopyTables`, so that every public DataFrame, Series or dict field is handed out as a
copy: ``res.items.loc["x1", "mean"] = 99`` changes the caller's copy, never the result.
Array fields are made read-only in ``__post_init__`` with :func:`freeze_fields`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from acsi.results.base import freeze

__all__ = ["CopyTables", "freeze_fields"]


class CopyTables:
    """Mixin: public DataFrame/Series/dict attributes are returned as copies.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> import pandas as pd
    >>> @dataclass(frozen=True, eq=False)
    ... class R(CopyTables):
    ...     table: pd.DataFrame
    >>> r = R(pd.DataFrame({"a": [1]}))
    >>> t = r.table
    >>> t.loc[0, "a"] = 9
    >>> int(r.table.loc[0, "a"])
    1
    """

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name[:1] != "_":
            if isinstance(value, (pd.DataFrame, pd.Series)):
                return value.copy()
            if type(value) is dict:
                return dict(value)
        return value


def freeze_fields(obj: Any) -> None:
    """Store every ndarray field of the frozen dataclass ``obj`` as a read-only array and every
    DataFrame/Series field as a private copy (call it from ``__post_init__``)."""
    import dataclasses

    for f in dataclasses.fields(obj):
        value = object.__getattribute__(obj, f.name)
        if isinstance(value, (np.ndarray, pd.DataFrame, pd.Series)):
            object.__setattr__(obj, f.name, freeze(value))
