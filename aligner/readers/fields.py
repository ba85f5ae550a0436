"""Checked fields of a JSON object or CSV row: strings where strings belong, dates parsed or
left out and counted, no half surrogate pairs. A field that cannot be used makes its record bad
(`BadRecord`), which the caller reports as a bad line."""

from __future__ import annotations

import re
import reprlib
from typing import Any

from aligner.errors import printable
from aligner.readers.lines import Errors
from aligner.readers.report import IngestReport
from aligner.readers.sources import Source
from aligner.readers.tweets import parse_date

TEXT_KEYS = ("full_text", "text")
NO_TEXT = 'not a JSON object with a "text" (or "full_text") string'

_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlevel = 40, 40, 2  # a user's value, shown in a message


class BadRecord(Exception):
    """Why a record cannot be used; the caller reports it as a bad line."""


def shown(value: Any) -> str:
    """A user's value, cut short and printable, for a message."""
    return printable(_short.repr(value))


def string_field(record: dict[str, Any], keys: tuple[str, ...], prefix: str = "", *,
                 ids: bool = False) -> str | None:
    """The first of ``keys`` holding a non-blank string (with ``ids``, an integer's digits too).
    Any of them holding something else makes the record bad: a list or number where a name
    belongs would reach the output as something that is not a name."""
    found = None
    for key in keys:
        value = record.get(key)
        if ids and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRecord(f'"{prefix}{key}" is {kind_of(value)}, not a {"string or an integer" if ids else "string"}')
        if found is None and value.strip():
            found = value
    return found


def kind_of(value: Any) -> str:
    """What a JSON value is, for a message."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else "something else"


def characters(text: str | None, errors: Errors, report: IngestReport) -> str | None:
    """``text`` without lone surrogates: JSON can escape half a pair (``\\ud83d``), which is no
    character and which no UTF-8 output can hold. Replaced (and counted) or refused, as bytes are."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    if errors != "replace":
        raise BadRecord("a string holds half of a surrogate pair (\\ud800-\\udfff), which is no character; "
                        "use --encoding-errors replace to replace it")
    fixed = re.sub("[\ud800-\udfff]", "\ufffd", text)
    report.replaced_bytes += sum(a != b for a, b in zip(text, fixed))
    return fixed


def date_field(record: dict[str, Any], keys: tuple[str, ...], src: Source, line: int,
               report: IngestReport) -> str | None:
    """The first of ``keys`` that is given, as ISO 8601; one that is no date (``2024-13-45``, an
    object) is left out and counted, with one warning per file."""
    for key in keys:
        raw = record.get(key)
        if raw is None or raw == "":
            continue
        date = parse_date(raw)
        if date is None:
            report.bad_dates += 1
            report.warn_once(f"date:{src.display}", f"{src.display}:{line}: {key} {shown(raw)} "
                             "is not a date, left out (any more in this file are only counted)")
        return date
    return None
