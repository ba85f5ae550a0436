"""The one policy for input that cannot be used: an InputError at its place, or with
``--skip-bad-lines`` counted, warned about and skipped, so that a long run is not lost to one
bad record and the user still learns where it was."""

from __future__ import annotations

from typing import Literal

from aligner.errors import InputError
from aligner.readers.report import IngestReport
from aligner.readers.sources import Source

# What is skipped: a line of a stream (counted in ``bad_lines``), a page (``bad_records``), or the
# rest of a file whose data breaks off (``bad_records``; what came before is kept).
Skipped = Literal["line", "page", "rest"]


def refuse_or_skip(src: Source, message: str, skip: bool, report: IngestReport, what: Skipped, *,
                   line: int | None = None, offset: int | None = None) -> None:
    """Raise an InputError saying ``message`` at ``line`` (or byte ``offset``) of ``src``, or
    with ``skip`` count it and warn."""
    if not skip:
        raise InputError(message + _hint(message, what), path=src.display, line=line, offset=offset)
    if what == "line":
        report.bad_lines += 1
    else:
        report.bad_records += 1
    where = f":{line}" if line is not None else f" (byte {offset})" if offset is not None else ""
    rest = " with the rest of the file" if what == "rest" else ""
    report.warn(f"{src.display}{where}: {message}, skipped{rest}")


def _hint(message: str, what: Skipped) -> str:
    """What the error adds: how to go on, and for a file that breaks off, why."""
    if what == "line":
        return "; fix it or use --skip-bad-lines"
    if what == "page":
        return ""
    why = "" if message.startswith("not read on") else "; the file is cut short or damaged"
    return f"{why} (--skip-bad-lines keeps what comes before)"
