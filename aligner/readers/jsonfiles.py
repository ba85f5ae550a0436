"""Values of JSON Lines, .json files and Twitter/X archives' ``tweets.js``, each with the line
it starts on and its key (its place, for ids). Fields are checked later (`records`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from aligner.errors import InputError
from aligner.readers.bad_input import refuse_or_skip
from aligner.readers.fields import TEXT_KEYS
from aligner.readers.json_offsets import array_offsets, line_counter, member_offset, skip_ws
from aligner.readers.report import IngestReport
from aligner.readers.sources import Source
from aligner.readers.twitter import archive_json, archive_tweet, is_page, page_items


def jsonl_values(src: Source, lines: Iterator[tuple[int, str]], skip: bool,
                 report: IngestReport) -> Iterator[tuple[int, str, Any]]:
    """``(line, key, value)`` for each line of JSON Lines; a line holding a Twitter API v2 page
    (as twarc writes them) gives its tweets, keyed ``LINE:ITEM``."""
    for n, line in lines:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            refuse_or_skip(src, f"malformed JSON ({exc.msg} at column {exc.colno})", skip, report, "line", line=n)
            continue
        except (ValueError, RecursionError):  # a number over Python's 4300 digits, deep nesting
            refuse_or_skip(src, "unreadable JSON (a number too long or nesting too deep)", skip, report, "line",
                           line=n)
            continue
        if is_page(value):
            for k, item in enumerate(page_items(value), start=1):
                yield n, f"{n}:{k}", item
        else:
            yield n, str(n), value


def json_values(src: Source, text: str, report: IngestReport) -> Iterator[tuple[int, str, Any]]:
    """``(line, key, value)`` for each item of a .json source's ``text`` (key: its number in the
    array, or "" for a single object). A file of any other shape is refused as a whole."""
    if not text.strip():
        return  # already counted as empty
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON ({exc.msg} at column {exc.colno})", path=src.display,
                         line=exc.lineno) from None
    except (ValueError, RecursionError):
        raise InputError("unreadable JSON (a number too long or nesting too deep)", path=src.display) from None
    line_at = line_counter(text)
    start = skip_ws(text, 0)
    if isinstance(value, list):
        for k, (pos, item) in enumerate(zip(array_offsets(text, start), value), start=1):
            yield line_at(pos), str(k), item
        if not value:
            _no_records(src, report)
    elif is_page(value):
        pos = member_offset(text, start, "data")
        many = isinstance(value["data"], list)
        offsets = array_offsets(text, pos) if many else iter([pos])
        for k, (at, item) in enumerate(zip(offsets, page_items(value)), start=1):
            yield line_at(at), str(k) if many else "", item
        if many and not value["data"]:
            _no_records(src, report)
    elif isinstance(value, dict) and any(k in value for k in TEXT_KEYS):
        yield line_at(start), "", value
    elif isinstance(value, dict) and "meta" in value:  # a v2 page with no results has no "data"
        _no_records(src, report)
    else:
        raise InputError('not a JSON array of records, a Twitter API v2 page ({"data": [...]}) '
                         'or one object with a "text" field', path=src.display)


def archive_values(src: Source, lines: Iterator[tuple[int, str]],
                   report: IngestReport) -> Iterator[tuple[int, str, Any]]:
    """``(line, key, tweet)`` for each tweet of a Twitter/X archive's ``tweets.js``: JavaScript
    that assigns a JSON array of ``{"tweet": {...}}`` to ``window.YTD.tweets.part0``."""
    text = "\n".join(t for _, t in lines)
    if not text.strip():
        return  # already counted as empty
    array = archive_json(text)
    if array is None:
        raise InputError('not a Twitter archive file: it does not start with "window.YTD.tweets.part0 = [" '
                         "(a file of plain JSON is read as .json)", path=src.display, line=1)
    for line, key, item in json_values(src, array, report):
        yield line, key, archive_tweet(item)


def _no_records(src: Source, report: IngestReport) -> None:
    report.empty_files += 1
    report.warn(f"{src.display}: no records in it, skipped")
