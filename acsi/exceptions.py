"""Exceptions and warnings raised by acsi.

Every error names the column, model line or argument at fault and the way out.
"""

from __future__ import annotations

__all__ = [
    "AcsiError",
    "ModelSyntaxError",
    "SpecificationError",
    "IdentificationError",
    "DataError",
    "AcsiWarning",
    "ConvergenceWarning",
    "InadmissibleSolutionWarning",
    "MissingDataWarning",
    "DegenerateStatisticWarning",
    "AcsiDeprecationWarning",
]


class AcsiError(Exception):
    """Base class of all acsi errors."""


class ModelSyntaxError(AcsiError, ValueError):
    """A model string that cannot be parsed.

    Attributes
    ----------
    line, column : int
        1-based position of the offending text in the model string.
    text : str
        The offending text (the token, or the whole line).
    """

    def __init__(self, message: str, *, line: int = 0, column: int = 0, text: str = "") -> None:
        self.line = line
        self.column = column
        self.text = text
        where = f"line {line}, column {column}: " if line else ""
        shown = f"\n    {text}" if text else ""
        super().__init__(f"{where}{message}{shown}")


class SpecificationError(AcsiError, ValueError):
    """A model that parses but cannot be estimated as written (unknown variable, bad option)."""


class IdentificationError(SpecificationError):
    """A model that is not identified (more free parameters than moments, no scale, ...)."""


class DataError(AcsiError, ValueError):
    """Data that cannot be used: unknown or non-numeric column, too few rows, not positive definite."""


class AcsiWarning(UserWarning):
    """Base class of all acsi warnings."""


class ConvergenceWarning(AcsiWarning):
    """The optimiser or the PLS iteration stopped before converging."""


class InadmissibleSolutionWarning(AcsiWarning):
    """A solution outside the admissible space: negative variance (Heywood case),
    |standardized path| > 1, R-squared > 1, a non positive definite latent covariance."""


class MissingDataWarning(AcsiWarning):
    """Rows were removed (listwise deletion) or values replaced because of missing data."""


class DegenerateStatisticWarning(AcsiWarning):
    """A statistic computed from too little information to mean what it says: too few
    resamples for the requested interval, a group of one respondent, a confidence interval
    that collapses onto a bound of the parameter space. The thresholds are listed on the
    docs page "Errors and warnings"."""


class AcsiDeprecationWarning(AcsiWarning, DeprecationWarning):
    """A feature that will be removed."""


def warn(message: str, category: type[Warning]) -> None:
    """Issue ``message`` as a warning attributed to the first caller outside acsi.

    A fixed ``stacklevel`` points into acsi whenever the call passes through another acsi
    layer; this walks the stack to the user's line instead.
    """
    import os
    import sys
    import types
    import warnings

    package_dir = os.path.dirname(os.path.abspath(__file__))
    level = 2
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package_dir):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
