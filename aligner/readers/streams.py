"""Streamed readers: files, directories, globs and stdin, one item at a time.

Nothing here reads a whole corpus: JSONL and CSV go line by line, an article file is read whole
(it is one document). Bytes are decoded line by line so an error can name its byte offset.

Ids are stable across runs: an item's own ``id`` is kept exactly (as a string); otherwise the
document id is the file's path relative to the argument that named it, plus ``:LINE`` for an
item on a line of a stream (``news.jsonl:12``); statements add ``:p{paragraph}s{sentence}``
and tweets ``:t{n}``.

A line of a Greek ``.txt`` stream (or a JSONL/CSV item without its own id) is split into
sentences: a long line is usually a paragraph, and a sentence is the unit a tweet matches. An
item that carries its own id stays one statement, because the user's id names that unit and
annotations are joined back to it.
"""

from __future__ import annotations

import csv
import glob
import itertools
import json
import os
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from aligner.documents import Document, Statement, Tweet
from aligner.errors import InputError
from aligner.readers.article import parse_article
from aligner.readers.greek import has_greek, split_sentences
from aligner.readers.report import IngestReport
from aligner.readers.tweets import find_attribution, make_tweet, parse_date

Errors = Literal["strict", "replace"]
STREAM_SUFFIXES = (".txt", ".jsonl", ".ndjson", ".csv")
_JSONL = (".jsonl", ".ndjson")
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Source:
    """One input: ``display`` names it in messages, ``rel`` starts its document ids."""

    display: str
    rel: str
    path: Path | None  # None: standard input
    suffix: str


def expand(paths: Iterable[str], suffixes: tuple[str, ...] = STREAM_SUFFIXES) -> Iterator[Source]:
    """Files named by ``paths``: files as given, directories recursively (files with
    ``suffixes``, sorted), glob patterns, and ``-`` for standard input."""
    for arg in paths:
        if arg == "-":
            yield Source("<stdin>", "stdin", None, "")
            continue
        p = Path(arg)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in suffixes)
            if not found:
                raise InputError(f"no {'/'.join(suffixes)} files in this directory", path=arg)
            for f in found:
                yield Source(str(f), f.relative_to(p).as_posix(), f, f.suffix.lower())
        elif p.is_file():
            yield Source(arg, p.name, p, p.suffix.lower())
        elif _GLOB_CHARS & set(arg):
            matches = sorted(m for m in glob.glob(arg, recursive=True) if os.path.isfile(m))
            if not matches:
                raise InputError("no files match this pattern", path=arg)
            base = _glob_base(arg)
            for m in matches:
                yield Source(m, Path(os.path.relpath(m, base)).as_posix(), Path(m), Path(m).suffix.lower())
        else:
            raise InputError("no such file or directory", path=arg)


def _glob_base(pattern: str) -> str:
    """The directory part of a glob before its first wildcard (ids are relative to it)."""
    parts = Path(pattern).parts
    fixed = list(itertools.takewhile(lambda s: not (_GLOB_CHARS & set(s)), parts))
    return str(Path(*fixed)) if fixed else "."


def decode(data: bytes, src: Source, offset: int, errors: Errors, report: IngestReport) -> str:
    """UTF-8 text of ``data`` (found at byte ``offset`` of ``src``).

    ``strict``: an InputError naming the file and byte offset. ``replace``: bad bytes become
    U+FFFD and are counted in the report.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if errors != "replace":
            raise InputError(
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); convert it to UTF-8 or use "
                "--encoding-errors replace", path=src.display, offset=offset + exc.start) from None
    out, pos = [], 0
    while True:
        try:
            out.append(data[pos:].decode("utf-8"))
            return "".join(out)
        except UnicodeDecodeError as exc:
            out.append(data[pos:pos + exc.start].decode("utf-8"))
            out.append("\ufffd")
            report.replaced_bytes += exc.end - exc.start
            pos += exc.end


def _open(src: Source) -> IO[bytes]:
    if src.path is None:
        return sys.stdin.buffer
    try:
        return src.path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=src.display) from None


def _lines(src: Source, errors: Errors, report: IngestReport,
           fh: IO[bytes] | None = None) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line; an empty file is warned about and counted."""
    report.files += 1
    handle = fh or _open(src)
    offset, blank = 0, True
    try:
        for n, raw in enumerate(handle, start=1):
            text = decode(raw, src, offset, errors, report)
            offset += len(raw)
            if n == 1:
                text = text.removeprefix("\ufeff")  # a BOM from Windows editors is not text
            if text.strip():
                blank = False
            yield n, text.rstrip("\r\n")
    finally:
        if src.path is not None and fh is None:
            handle.close()
    if blank:
        report.empty_files += 1
        report.warn(f"{src.display}: empty file, skipped")


def _bad_line(src: Source, line: int, message: str, skip: bool, report: IngestReport) -> None:
    if not skip:
        raise InputError(f"{message}; fix it or use --skip-bad-lines", path=src.display, line=line)
    report.bad_lines += 1
    report.warn(f"{src.display}:{line}: {message}, skipped")


def _text_of(record: dict[str, Any]) -> str | None:
    for key in ("full_text", "text"):
        if isinstance(record.get(key), str):
            return record[key]
    return None


def _records(src: Source, kind: str, errors: Errors, skip_bad_lines: bool, report: IngestReport,
             lines: Iterator[tuple[int, str]] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, record)`` from a JSONL or CSV source; every record has a string text field."""
    lines = lines if lines is not None else _lines(src, errors, report)
    if kind == "csv":
        yield from _csv_records(src, lines, skip_bad_lines, report)
        return
    for n, line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            _bad_line(src, n, f"malformed JSON ({exc.msg} at column {exc.colno})", skip_bad_lines, report)
            continue
        if not isinstance(record, dict) or _text_of(record) is None:
            _bad_line(src, n, 'not a JSON object with a "text" (or "full_text") string',
                      skip_bad_lines, report)
            continue
        yield n, record


def _csv_records(src: Source, lines: Iterator[tuple[int, str]], skip_bad_lines: bool,
                 report: IngestReport) -> Iterator[tuple[int, dict[str, Any]]]:
    line_no = [0]

    def feed() -> Iterator[str]:
        for n, text in lines:
            line_no[0] = n
            yield text + "\n"

    reader = csv.DictReader(feed())
    try:
        fields = reader.fieldnames
    except csv.Error as exc:
        raise InputError(f"malformed CSV header ({exc})", path=src.display, line=line_no[0]) from None
    if fields is None:
        return  # empty file: already warned about
    if not {"text", "full_text"} & set(fields):
        raise InputError(f"no 'text' or 'full_text' column (columns: {', '.join(fields)})",
                         path=src.display, line=1)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            _bad_line(src, line_no[0], f"malformed CSV ({exc})", skip_bad_lines, report)
            continue
        if _text_of(row) is None:
            _bad_line(src, line_no[0], "row without text", skip_bad_lines, report)
            continue
        yield reader.line_num, row


def _own_id(record: dict[str, Any]) -> str | None:
    """The item's own id, exactly as given (``id_str`` first: v1.1 ids overflow JSON doubles)."""
    for key in ("id_str", "id"):
        value = record.get(key)
        if value is not None and str(value).strip():
            return str(value)
    return None


def _sniff(src: Source, errors: Errors, report: IngestReport) -> tuple[str, Iterator[tuple[int, str]]]:
    """Guess stdin's format from its first non-blank line: ``{`` starts JSONL, else text."""
    lines = _lines(src, errors, report)
    head: list[tuple[int, str]] = []
    for item in lines:
        head.append(item)
        if item[1].strip():
            break
    kind = "jsonl" if head and head[-1][1].lstrip().startswith("{") else "txt"
    return kind, itertools.chain(head, lines)


def _kind(src: Source) -> str:
    if src.suffix in _JSONL:
        return "jsonl"
    return "csv" if src.suffix == ".csv" else "txt"


# ---- articles ---------------------------------------------------------------------------------

def iter_articles(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                  skip_bad_lines: bool = False) -> Iterator[Document]:
    """Documents from article files (``.txt``: one article), JSONL/CSV corpora (one per line:
    ``text``, optional ``id``, ``date``), directories, globs and ``-``."""
    for src in expand(paths, (".txt", ".jsonl", ".ndjson", ".csv")):
        kind, lines = _kind(src), None
        if src.path is None:
            kind, lines = _sniff(src, errors, report)
        if kind == "txt":
            text = "\n".join(t for _, t in (lines if lines is not None else _lines(src, errors, report)))
            if text.strip():
                yield parse_article(text, src.rel, source=src.display, report=report)
            continue
        for n, record in _records(src, kind, errors, skip_bad_lines, report, lines):
            doc_id = _own_id(record) or f"{src.rel}:{n}"
            yield parse_article(_text_of(record) or "", doc_id, source=f"{src.display}:{n}",
                                date=parse_date(record.get("date")), report=report)


# ---- separate streams -------------------------------------------------------------------------

def iter_statements(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                    skip_bad_lines: bool = False) -> Iterator[Statement]:
    """Greek statements from ``--greek`` inputs (``.txt`` one item per line, JSONL, CSV)."""
    for src in expand(paths):
        for doc_id, item_id, text, date in _items(src, errors, skip_bad_lines, report):
            report.documents += 1
            if not has_greek(text):
                report.docs_without_greek += 1
                continue
            if item_id is not None:  # the user's own unit: kept whole, id kept exactly
                lead = len(text) - len(text.lstrip())
                body = text.strip()
                found = [(unicodedata.normalize("NFC", body), lead, lead + len(body))]
            else:
                found = [(s.text, s.start, s.end) for s in split_sentences(text)]
            for k, (sent, start, end) in enumerate(found):
                report.statements += 1
                yield Statement(item_id or f"{doc_id}:p0s{k}", doc_id, sent, 0, k, start, end, date=date)


def iter_tweets(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                skip_bad_lines: bool = False, include_non_english: bool = False) -> Iterator[Tweet]:
    """Tweets from ``--english`` inputs: ``.txt`` (one per line, attribution optional), JSONL
    (ours, Twitter API v2 and v1.1 shapes) and CSV. Non-English tweets are counted and left out
    unless ``include_non_english``."""
    for src in expand(paths):
        for doc_id, item_id, text, date, record in _items(src, errors, skip_bad_lines, report,
                                                          with_record=True):
            report.documents += 1
            handle = author = None
            body = text
            attribution = find_attribution(text)
            if attribution:
                body, handle, author = text[:attribution.start], attribution.handle, attribution.author
                date = date or attribution.date
            user = record.get("user") if isinstance(record.get("user"), dict) else {}
            handle = handle or user.get("screen_name") or record.get("screen_name") \
                or record.get("handle") or record.get("username") or None
            author = author or user.get("name") or record.get("author") or record.get("name") or None
            tweet = make_tweet(item_id or f"{doc_id}:t0", doc_id, body, handle=handle, author=author,
                               date=date, raw=text)
            if not tweet.text:
                report.empty_tweets += 1
                continue
            report.tweets += 1
            if tweet.lang != "en":
                report.non_english_tweets += 1
                if not include_non_english:
                    continue
            yield tweet


def _items(src: Source, errors: Errors, skip_bad_lines: bool, report: IngestReport,
           with_record: bool = False) -> Iterator[Any]:
    """``(doc_id, own_id, text, date[, record])`` for every non-blank item of a stream."""
    kind, lines = _kind(src), None
    if src.path is None:
        kind, lines = _sniff(src, errors, report)
    if kind == "txt":
        for n, line in (lines if lines is not None else _lines(src, errors, report)):
            if line.strip():
                item = (f"{src.rel}:{n}", None, line, None)
                yield (*item, {}) if with_record else item
        return
    for n, record in _records(src, kind, errors, skip_bad_lines, report, lines):
        text = _text_of(record) or ""
        if not text.strip():
            continue
        own = _own_id(record)
        date = parse_date(record.get("created_at") or record.get("date"))
        item = (own or f"{src.rel}:{n}", own, text, date)
        yield (*item, record) if with_record else item
