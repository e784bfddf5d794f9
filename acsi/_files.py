"""Safe file output: every file acsi writes goes through :func:`atomic_write`.

A writer first checks the target (:func:`check_output_path`: not a directory, the folder
exists and is writable, not one of the inputs), then writes a temporary file in the same
folder and renames it over the target with :func:`os.replace`, so a failure leaves neither a
half-written file nor a damaged earlier version. Spreadsheet cells that a spreadsheet program
would run as a formula are written as text (:func:`defuse_formulas`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from acsi.exceptions import SpecificationError

__all__ = ["check_output_path", "atomic_write", "same_file", "defuse_formulas", "FORMULA_STARTS"]

#: leading characters that make a spreadsheet program treat a text cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when ``a`` and ``b`` name the same file (symlinks, relative paths and the
    file system's case rules resolved)."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    ra, rb = os.path.normcase(str(pa.resolve())), os.path.normcase(str(pb.resolve()))
    return ra == rb


def _writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried for real: permission bits do not tell
    the whole story for root, read-only mounts or special file systems)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def check_output_path(
    path: str | os.PathLike[str],
    *,
    argument: str = "path",
    inputs: Iterable[tuple[str, str | os.PathLike[str]]] = (),
) -> Path:
    """Check that ``path`` can receive a new file; return it as a :class:`~pathlib.Path`.

    Raises :class:`~acsi.exceptions.SpecificationError` naming ``argument`` when the path is
    a directory, its folder does not exist or is not writable, or it resolves to one of
    ``inputs`` (pairs of a description and a path, e.g. ``("the data file", "answers.csv")``).
    """
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise SpecificationError(f"{argument} must be a file name such as 'report.html', not {path!r}")
    p = Path(path)
    if p.is_dir():
        raise SpecificationError(
            f"{argument} {str(p)!r} is a directory; give a file name inside it, e.g. {str(p / 'report.html')!r}"
        )
    if p.exists() and not p.is_file():
        raise SpecificationError(
            f"{argument} {str(p)!r} exists and is not a regular file (a device, pipe or socket); "
            "give the name of a file to write"
        )
    for what, other in inputs:
        if same_file(p, other):
            raise SpecificationError(
                f"{argument} {str(p)!r} is {what} ({str(other)!r}); writing there would destroy it: "
                "choose another output file name"
            )
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.exists():
        raise SpecificationError(
            f"{argument} {str(p)!r}: the folder {str(folder)!r} does not exist; create it first or write elsewhere"
        )
    if not folder.is_dir():
        raise SpecificationError(f"{argument} {str(p)!r}: {str(folder)!r} is not a folder")
    if not _writable(folder):
        where = repr(str(folder.resolve())) + (" (the current folder)" if str(folder) == "." else "")
        raise SpecificationError(f"{argument} {str(p)!r}: the folder {where} is not writable; write elsewhere")
    if p.exists() and not os.access(p, os.W_OK):
        raise SpecificationError(f"{argument} {str(p)!r}: the file exists and is read-only; write elsewhere")
    return p


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], Any], *, argument: str = "path") -> Path:
    """Write a file atomically: ``write(tmp)`` fills a temporary file in the target's folder,
    which then replaces ``path`` in one step (:func:`os.replace`).

    On any failure the temporary file is removed and ``path`` is left as it was. The new
    file gets the permissions of the file it replaces, or the usual ones (``0o666`` less the
    umask) for a new file. Returns ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(target, lambda tmp: tmp.write_text("hello", encoding="utf-8")).read_text()
    'hello'
    """
    p = check_output_path(path, argument=argument)
    mode = (p.stat().st_mode & 0o7777) if p.exists() else (0o666 & ~_UMASK)
    folder = p.parent if str(p.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{p.stem}.", suffix=f".tmp{p.suffix}")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return p


def defuse_formulas(worksheet: Any) -> int:
    """Mark every text cell of an openpyxl worksheet that a spreadsheet would run as a formula
    (text starting with ``= + - @``, a tab or a carriage return) as plain text.

    The cell keeps its value and becomes a string cell with Excel's "quote prefix" style, so
    it is shown and stored as typed, never evaluated. Numbers are left alone. Returns the
    number of cells changed.
    """
    n = 0
    for row in worksheet.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True
                n += 1
    return n
