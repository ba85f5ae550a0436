"""Rows of a CSV source, parsed strictly: a header with a ``text`` or ``full_text`` column, then
rows of its width. Fields are checked later (`records`)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from aligner.errors import InputError, printable
from aligner.readers.bad_input import refuse_or_skip
from aligner.readers.fields import TEXT_KEYS
from aligner.readers.report import IngestReport
from aligner.readers.sources import Source


def csv_values(src: Source, lines: Iterator[tuple[int, str]], skip: bool,
               report: IngestReport) -> Iterator[tuple[int, str, dict[str, str]]]:
    """``(line, key, row)`` for each row of a CSV source: ``line`` is where the row starts, ``key``
    where it ends (ids have always used that). Parsed strictly, and every row must have the
    header's number of fields: a quote left open would otherwise swallow the rows after it into
    one field without a word."""
    reader = csv.reader((text + "\n" for _, text in lines), strict=True)
    try:
        fields: list[str] | None = next(reader, None)
        while fields == []:  # blank lines before the header
            fields = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"malformed CSV header ({exc})", path=src.display, line=reader.line_num) from None
    if fields is None:
        return  # empty: already counted
    if not set(TEXT_KEYS) & set(fields):
        raise InputError(f"no 'text' or 'full_text' column (columns: {printable(', '.join(fields))})",
                         path=src.display, line=reader.line_num)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            upto = f" to line {reader.line_num}" if reader.line_num > start else ""
            refuse_or_skip(src, f"malformed CSV from here{upto} ({exc}; a quote left open?)", skip, report, "line",
                           line=start)
            continue
        if not row:
            continue  # a blank line
        if len(row) != len(fields):
            refuse_or_skip(src, f"{len(row)} field(s) where the header has {len(fields)}", skip, report, "line",
                           line=start)
            continue
        yield start, str(reader.line_num), dict(zip(fields, row))
