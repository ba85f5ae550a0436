"""Items of a stream or corpus with their fields checked (`RawItem`): from lines of text, JSON
Lines, .json, tweets.js or CSV. A record that cannot be used is a bad line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aligner.readers.bad_input import refuse_or_skip
from aligner.readers.fields import NO_TEXT, BadRecord, characters, date_field, string_field
from aligner.readers.jsonfiles import archive_values, json_values, jsonl_values
from aligner.readers.lines import Errors
from aligner.readers.report import IngestReport
from aligner.readers.sources import Source
from aligner.readers.tables import csv_values
from aligner.readers.tweets import language_code
from aligner.readers.twitter import is_twitter, names, retweet_text, text_of, with_referenced


@dataclass(frozen=True)
class RawItem:
    """One item of a stream or corpus as the file gives it, its fields checked: not yet a
    Document, Statement or Tweet."""

    line: int  # where it starts, for messages
    key: str  # its place in the file, for ids: a line, an item number, or "" (the whole file)
    text: str
    own_id: str | None
    date: str | None
    handle: str | None = None
    author: str | None = None
    lang: str | None = None  # the language the record names (Twitter's ``lang``)
    raw: str | None = None  # a retweet's own text, when ``text`` is its original's in full
    twitter: bool = False  # ``own_id`` is a Twitter id: read twice, it is the same tweet


def items(src: Source, kind: str, lines: Iterator[tuple[int, str]], errors: Errors, skip_bad_lines: bool,
          report: IngestReport, *, tweet: bool) -> Iterator[RawItem]:
    """Every item of a stream: a non-blank line of text, or a record."""
    if kind == "txt":
        for n, line in lines:
            if line.strip():
                yield RawItem(n, str(n), line, None, None)
        return
    yield from records(src, kind, lines, tweet=tweet, date_keys=("created_at", "date"), errors=errors,
                       skip_bad_lines=skip_bad_lines, report=report)


def records(src: Source, kind: str, lines: Iterator[tuple[int, str]], *, tweet: bool,
            date_keys: tuple[str, ...], errors: Errors, skip_bad_lines: bool,
            report: IngestReport) -> Iterator[RawItem]:
    """Checked records of a JSONL, JSON, tweets.js or CSV source; the ones that cannot be used
    are bad lines. Tweets a tweet retweets or quotes follow it as records of their own."""
    if kind == "csv":
        values = csv_values(src, lines, skip_bad_lines, report)
    elif kind == "json":
        values = json_values(src, "\n".join(t for _, t in lines), report)
    elif kind == "js":
        values = archive_values(src, lines, report)
    else:
        values = jsonl_values(src, lines, skip_bad_lines, report)
    for line, key, value in values:
        for item_key, item in with_referenced(key, value) if tweet else [(key, value)]:
            try:
                record = _record(item, line, item_key, tweet=tweet, date_keys=date_keys, src=src,
                                 errors=errors, report=report)
            except BadRecord as bad:
                refuse_or_skip(src, str(bad), skip_bad_lines, report, "line", line=line)
                continue
            yield record


def _record(value: Any, line: int, key: str, *, tweet: bool, date_keys: tuple[str, ...], src: Source,
            errors: Errors, report: IngestReport) -> RawItem:
    """A RawItem from a JSON object or CSV row, or ``BadRecord`` saying which field is unusable."""
    if not isinstance(value, dict):
        raise BadRecord(NO_TEXT)
    whole = text_of(value)
    own = string_field(value, ("id_str", "id"), ids=True)  # id_str first: v1.1 ids overflow JSON doubles
    handle = author = raw = None
    if tweet:
        handle, author = names(value)
        whole, raw = retweet_text(value, whole)
    text, own, handle, author, raw = (characters(s, errors, report) for s in (whole, own, handle, author, raw))
    return RawItem(line, key, text or "", own, date_field(value, date_keys, src, line, report), handle, author,
                   lang=language_code(value.get("lang")) if tweet else None, raw=raw,
                   twitter=tweet and is_twitter(value))
