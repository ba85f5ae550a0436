"""Which format a source holds: by its suffix, or for standard input by its first line."""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

from aligner.errors import InputError
from aligner.readers.fields import TEXT_KEYS
from aligner.readers.lines import Errors, read_lines
from aligner.readers.report import IngestReport
from aligner.readers.sources import Source

_KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "json", ".js": "js",
          ".html": "html", ".htm": "html", ".warc": "warc"}  # others: txt
PAGE_KINDS = ("html", "warc")  # read as documents (pages) by every reader

# The first line of a JSON document that is not JSON Lines: "[" or "{" alone, or opening an
# object or array ('[{', '{"'); "[BREAKING] ..." stays a line of text.
_JSON_START = re.compile(r"\[\s*(?:[{\[\]]|$)|\{\s*(?:[\"}]|$)")
_HEADER_CELL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def open_as(src: Source, errors: Errors, report: IngestReport,
            skip_bad_lines: bool) -> tuple[str, Iterator[tuple[int, str]]]:
    """The source's format (``txt``, ``jsonl``, ``json``, ``js``, ``csv``, ``html``, ``warc``)
    and its lines (not read yet: pages and archives of a file are read as bytes instead)."""
    lines = read_lines(src, errors, report, skip_bad_lines)
    if src.path is not None:
        return _KINDS.get(src.suffix, "txt"), lines
    head: list[tuple[int, str]] = []
    for item in lines:
        head.append(item)
        if item[1].strip():
            break
    kind = _sniff(head[-1][1].strip(), src, head[-1][0]) if head else "txt"
    return kind, itertools.chain(head, lines)


def _sniff(first: str, src: Source, line: int) -> str:
    """Standard input's format from its first non-blank line. A line that reads as a CSV header
    without a text column is refused: read as text, the header would become an item."""
    if first.startswith("{") and isinstance(_loads(first), dict):
        return "jsonl"
    if first.lower().startswith(("<!doctype html", "<html")):
        return "html"
    if first.startswith("window.YTD."):
        return "js"
    if first.startswith("WARC/"):
        raise InputError("a WARC file on standard input: name the file instead", path=src.display, line=line)
    if _JSON_START.match(first):
        return "json"
    try:
        cells = next(csv.reader([first]), [])
    except csv.Error:
        cells = []
    if set(TEXT_KEYS) & set(cells):
        return "csv"
    if len(cells) > 1 and all(_HEADER_CELL.fullmatch(c) for c in cells):
        raise InputError(f"this reads as a CSV header without a 'text' or 'full_text' column "
                         f"(columns: {', '.join(cells)}); add one, or save the input as a .txt file "
                         "to read it as lines of text", path=src.display, line=line)
    return "txt"


def _loads(text: str) -> Any:
    """``json.loads``, or None where it fails for any reason (a test, not a reader)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
