"""Heavy modules imported on first use (keeps ``import acsi`` and the first fit fast).

``from acsi._lazy import stats`` gives ``scipy.stats`` as far as type checkers are concerned;
at run time a proxy that imports the module on its first attribute access (``scipy.stats``
alone takes about a third of a second to import).

Examples
--------
>>> from acsi._lazy import stats
>>> round(float(stats.norm.cdf(0.0)), 2)
0.5
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

__all__ = ["optimize", "special", "stats"]


class _LazyModule(ModuleType):
    """A module proxy: imports ``name`` when an attribute is first read."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_lazy_target"] = name

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self.__dict__["_lazy_target"])
        self.__dict__.update(module.__dict__)
        return getattr(module, attr)

    def __dir__(self) -> list[str]:
        return dir(importlib.import_module(self.__dict__["_lazy_target"]))


if TYPE_CHECKING:
    from scipy import optimize, special, stats
else:
    stats = _LazyModule("scipy.stats")
    optimize = _LazyModule("scipy.optimize")
    special = _LazyModule("scipy.special")
