"""Streamed readers: files, directories, globs and stdin, one item at a time.

Formats, by suffix (standard input is recognised from its first line):

- ``.txt``: an article (articles), or one item per line (``--greek``/``--english`` streams);
- ``.jsonl``/``.ndjson``: a JSON object per line, or a Twitter API v2 page per line (twarc);
- ``.json``: one JSON value, read whole: an array of objects, a Twitter API v2 page
  (``{"data": [...], "includes": {"users": [...]}}``) or a single object; anything else is
  refused, never read as lines of text;
- ``.csv``: a header with a ``text`` or ``full_text`` column, parsed strictly.

Directories are searched for .txt, .jsonl, .ndjson and .csv: a .json beside articles is usually
something else (labels, metadata), so it is read only when named. Nothing but a .json file is
read whole: JSONL and CSV go line by line, an article file is one document. Bytes are decoded
line by line so an error can name its byte offset.

Every field a reader uses is checked: strings where strings belong (an integer id becomes its
digits), dates parsed or left out and counted (``bad_dates``). A record that cannot be used is
a bad line: an InputError with its line, or counted and skipped with ``skip_bad_lines``.

Ids are stable across runs: an item's own ``id`` is kept exactly (as a string); otherwise the
document id is the file's path relative to the argument that named it, plus ``:N`` for an item
of a stream (``news.jsonl:12``: the line in txt/JSONL/CSV, the item's number in a .json array, ``LINE:ITEM``
for a v2 page on a line of JSONL);
statements add ``:p{paragraph}s{sentence}`` and tweets ``:t{n}``. When two files would share an
id (``a/report.txt`` and ``b/report.txt``), every file's path is taken relative to the folder
the inputs share instead. An own id used twice in a run (two CSVs numbered from 1) becomes
``1#2`` on its second use, counted in ``duplicate_ids``.

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
import re
import reprlib
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Literal

from aligner.documents import Document, Statement, Tweet
from aligner.errors import InputError
from aligner.readers.article import parse_article
from aligner.readers.greek import has_greek, split_sentences
from aligner.readers.report import IngestReport
from aligner.readers.tweets import find_attribution, make_tweet, parse_date

Errors = Literal["strict", "replace"]
STREAM_SUFFIXES = (".txt", ".jsonl", ".ndjson", ".csv")  # what a directory is searched for
_KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "json"}  # others: txt
_GLOB_CHARS = set("*?[")
_TEXT_KEYS = ("full_text", "text")
_NO_TEXT = 'not a JSON object with a "text" (or "full_text") string'


@dataclass(frozen=True)
class Source:
    """One input: ``display`` names it in messages, ``rel`` starts its document ids."""

    display: str
    rel: str
    path: Path | None  # None: standard input
    suffix: str


@dataclass(frozen=True)
class Record:
    """One item of a stream or corpus, its fields checked."""

    line: int  # where it starts, for messages
    key: str  # its place in the file, for ids: a line, an item number, or "" (the whole file)
    text: str
    own_id: str | None
    date: str | None
    handle: str | None = None
    author: str | None = None


class _Bad(Exception):
    """Why a record cannot be used; the caller reports it as a bad line."""


# ---- which files ------------------------------------------------------------------------------

def expand(paths: Iterable[str], suffixes: tuple[str, ...] = STREAM_SUFFIXES,
           report: IngestReport | None = None) -> list[Source]:
    """Files named by ``paths``: files as given, directories recursively (files with
    ``suffixes``, sorted), glob patterns, and ``-`` for standard input. A file named twice is
    read once; ``rel`` is unique (see the module's note on ids)."""
    sources: list[Source] = []
    seen: set[str] = set()
    for src in _expand(paths, suffixes):
        real = os.path.realpath(src.path) if src.path is not None else "-"
        if real in seen:  # read twice, its items would be there twice under the same ids
            if report is not None:
                report.warn(f"{src.display}: named more than once, read once")
            continue
        seen.add(real)
        sources.append(src)
    if len({s.rel for s in sources}) < len(sources):
        files = [os.path.abspath(s.path) for s in sources if s.path is not None]
        root = os.path.commonpath([os.path.dirname(f) for f in files])
        sources = [s if s.path is None else
                   replace(s, rel=Path(os.path.relpath(os.path.abspath(s.path), root)).as_posix())
                   for s in sources]
    return sources


def _expand(paths: Iterable[str], suffixes: tuple[str, ...]) -> Iterator[Source]:
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


# ---- bytes and lines --------------------------------------------------------------------------

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


def _printable(text: str) -> str:
    """``text`` for a one-line message: control characters escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlevel = 40, 40, 2  # a user's value, shown in a message


# ---- which format -----------------------------------------------------------------------------

# The first line of a JSON document that is not JSON Lines: "[" or "{" alone, or opening an
# object or array ('[{', '{"'); "[BREAKING] ..." stays a line of text.
_JSON_START = re.compile(r"\[\s*(?:[{\[\]]|$)|\{\s*(?:[\"}]|$)")
_HEADER_CELL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _open_as(src: Source, errors: Errors, report: IngestReport) -> tuple[str, Iterator[tuple[int, str]]]:
    """The source's format (``txt``, ``jsonl``, ``json``, ``csv``) and its lines."""
    lines = _lines(src, errors, report)
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
    if _JSON_START.match(first):
        return "json"
    try:
        cells = next(csv.reader([first]), [])
    except csv.Error:
        cells = []
    if set(_TEXT_KEYS) & set(cells):
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


# ---- records from JSONL, JSON and CSV ---------------------------------------------------------

def _records(src: Source, kind: str, lines: Iterator[tuple[int, str]], *, tweet: bool,
             date_keys: tuple[str, ...], errors: Errors, skip_bad_lines: bool,
             report: IngestReport) -> Iterator[Record]:
    """Checked records of a JSONL, JSON or CSV source; the ones that cannot be used are bad lines."""
    if kind == "csv":
        values = _csv_values(src, lines, skip_bad_lines, report)
    elif kind == "json":
        values = _json_values(src, lines, report)
    else:
        values = _jsonl_values(src, lines, skip_bad_lines, report)
    for line, key, value in values:
        try:
            record = _record(value, line, key, tweet=tweet, date_keys=date_keys, src=src,
                             errors=errors, report=report)
        except _Bad as bad:
            _bad_line(src, line, str(bad), skip_bad_lines, report)
            continue
        yield record


def _jsonl_values(src: Source, lines: Iterator[tuple[int, str]], skip: bool,
                  report: IngestReport) -> Iterator[tuple[int, str, Any]]:
    """``(line, key, value)`` for each line of JSON Lines; a line holding a Twitter API v2 page
    (as twarc writes them) gives its tweets, keyed ``LINE:ITEM``."""
    for n, line in lines:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            _bad_line(src, n, f"malformed JSON ({exc.msg} at column {exc.colno})", skip, report)
            continue
        except (ValueError, RecursionError):  # a number over Python's 4300 digits, deep nesting
            _bad_line(src, n, "unreadable JSON (a number too long or nesting too deep)", skip, report)
            continue
        if _is_page(value):
            for k, item in enumerate(_page_items(value), start=1):
                yield n, f"{n}:{k}", item
        else:
            yield n, str(n), value


def _json_values(src: Source, lines: Iterator[tuple[int, str]],
                 report: IngestReport) -> Iterator[tuple[int, str, Any]]:
    """``(line, key, value)`` for each item of a .json source (key: its number in the array,
    or "" for a single object). A file of any other shape is refused as a whole."""
    text = "\n".join(t for _, t in lines)
    if not text.strip():
        return  # already counted as empty
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON ({exc.msg} at column {exc.colno})", path=src.display,
                         line=exc.lineno) from None
    except (ValueError, RecursionError):
        raise InputError("unreadable JSON (a number too long or nesting too deep)", path=src.display) from None
    line_at = _line_counter(text)
    start = _skip_ws(text, 0)
    if isinstance(value, list):
        for k, (pos, item) in enumerate(zip(_array_offsets(text, start), value), start=1):
            yield line_at(pos), str(k), item
        if not value:
            _no_records(src, report)
    elif _is_page(value):
        pos = _member_offset(text, start, "data")
        many = isinstance(value["data"], list)
        offsets = _array_offsets(text, pos) if many else iter([pos])
        for k, (at, item) in enumerate(zip(offsets, _page_items(value)), start=1):
            yield line_at(at), str(k) if many else "", item
        if many and not value["data"]:
            _no_records(src, report)
    elif isinstance(value, dict) and any(k in value for k in _TEXT_KEYS):
        yield line_at(start), "", value
    elif isinstance(value, dict) and "meta" in value:  # a v2 page with no results has no "data"
        _no_records(src, report)
    else:
        raise InputError('not a JSON array of records, a Twitter API v2 page ({"data": [...]}) '
                         'or one object with a "text" field', path=src.display)


def _no_records(src: Source, report: IngestReport) -> None:
    report.empty_files += 1
    report.warn(f"{src.display}: no records in it, skipped")


def _is_page(value: Any) -> bool:
    """A Twitter API v2 response: ``data`` (a list, or one tweet) and no text of its own."""
    return isinstance(value, dict) and "data" in value and not any(k in value for k in _TEXT_KEYS)


def _page_items(page: dict[str, Any]) -> list[Any]:
    """The tweets of a v2 page, each with its author's ``username`` and ``name`` from
    ``includes.users`` (v2 keeps them there, joined by ``author_id``)."""
    data = page["data"]
    items = data if isinstance(data, list) else [data]
    includes = page.get("includes")
    users = includes.get("users") if isinstance(includes, dict) else None
    by_id = {str(u["id"]): u for u in users if isinstance(u, dict) and isinstance(u.get("id"), (str, int))} \
        if isinstance(users, list) else {}
    out = []
    for item in items:
        author = item.get("author_id") if isinstance(item, dict) else None
        user = by_id.get(str(author)) if isinstance(author, (str, int)) else None
        out.append({"username": user.get("username"), "name": user.get("name"), **item} if user else item)
    return out


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip_ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]  # "*": it always matches


def _array_offsets(text: str, pos: int) -> Iterator[int]:
    """Where each element starts in the valid JSON array at ``text[pos]`` (for line numbers)."""
    pos = _skip_ws(text, pos + 1)
    while text[pos] != "]":
        yield pos
        pos = _skip_ws(text, _DECODER.raw_decode(text, pos)[1])
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)


def _member_offset(text: str, pos: int, name: str) -> int:
    """Where the value of ``name`` starts in the valid JSON object at ``text[pos]`` (the last
    one, as ``json.loads`` keeps)."""
    found = pos
    pos = _skip_ws(text, pos + 1)
    while text[pos] != "}":
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past the ":"
        if key == name:
            found = pos
        pos = _skip_ws(text, _DECODER.raw_decode(text, pos)[1])
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
    return found


def _line_counter(text: str) -> Callable[[int], int]:
    """The line of an offset into ``text``, counted on from the last one asked (offsets grow)."""
    last = [0, 1]

    def line_at(pos: int) -> int:
        if pos < last[0]:
            last[:] = [0, 1]
        last[1] += text.count("\n", last[0], pos)
        last[0] = pos
        return last[1]
    return line_at


def _csv_values(src: Source, lines: Iterator[tuple[int, str]], skip: bool,
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
    if not set(_TEXT_KEYS) & set(fields):
        raise InputError(f"no 'text' or 'full_text' column (columns: {_printable(', '.join(fields))})",
                         path=src.display, line=reader.line_num)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            upto = f" to line {reader.line_num}" if reader.line_num > start else ""
            _bad_line(src, start, f"malformed CSV from here{upto} ({exc}; a quote left open?)", skip, report)
            continue
        if not row:
            continue  # a blank line
        if len(row) != len(fields):
            _bad_line(src, start, f"{len(row)} field(s) where the header has {len(fields)}", skip, report)
            continue
        yield start, str(reader.line_num), dict(zip(fields, row))


# ---- fields -----------------------------------------------------------------------------------

def _record(value: Any, line: int, key: str, *, tweet: bool, date_keys: tuple[str, ...], src: Source,
            errors: Errors, report: IngestReport) -> Record:
    """A Record from a JSON object or CSV row, or ``_Bad`` saying which field is unusable."""
    if not isinstance(value, dict):
        raise _Bad(_NO_TEXT)
    text = _text_of(value)
    own = _string(value, ("id_str", "id"), ids=True)  # id_str first: v1.1 ids overflow JSON doubles
    handle = author = None
    if tweet:
        user = value.get("user") if isinstance(value.get("user"), dict) else {}  # v1.1 nests it
        names = (_string(user, ("screen_name",), "user."), _string(value, ("screen_name", "handle", "username")),
                 _string(user, ("name",), "user."), _string(value, ("author", "name")))
        handle, author = names[0] or names[1], names[2] or names[3]
    text, own, handle, author = (_characters(s, errors, report) for s in (text, own, handle, author))
    return Record(line, key, text or "", own, _date(value, date_keys, src, line, report), handle, author)


def _text_of(record: dict[str, Any]) -> str:
    """The whole text: v1.1 streaming cuts ``text`` at 140 characters and keeps all of it in
    ``extended_tweet.full_text``, v2 keeps a long tweet in ``note_tweet.text``."""
    for holder, key in (("extended_tweet", "full_text"), ("note_tweet", "text")):
        nested = record.get(holder)
        if isinstance(nested, dict):
            whole = _string(nested, (key,), f"{holder}.")
            if whole is not None:
                return whole
    found = None
    for key in _TEXT_KEYS:
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _Bad(f'"{key}" is {_a(value)}, not a string')
        if found is None or (not found.strip() and value.strip()):
            found = value
    if found is None:
        raise _Bad(_NO_TEXT)
    return found


def _string(record: dict[str, Any], keys: tuple[str, ...], prefix: str = "", *, ids: bool = False) -> str | None:
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
            raise _Bad(f'"{prefix}{key}" is {_a(value)}, not a {"string or an integer" if ids else "string"}')
        if found is None and value.strip():
            found = value
    return found


def _a(value: Any) -> str:
    """What a JSON value is, for a message."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else "something else"


def _characters(text: str | None, errors: Errors, report: IngestReport) -> str | None:
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
        raise _Bad("a string holds half of a surrogate pair (\\ud800-\\udfff), which is no character; "
                   "use --encoding-errors replace to replace it")
    fixed = re.sub("[\ud800-\udfff]", "\ufffd", text)
    report.replaced_bytes += sum(a != b for a, b in zip(text, fixed))
    return fixed


def _date(record: dict[str, Any], keys: tuple[str, ...], src: Source, line: int,
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
            report.warn_once(f"date:{src.display}", f"{src.display}:{line}: {key} {_printable(_short.repr(raw))} "
                             "is not a date, left out (any more in this file are only counted)")
        return date
    return None


def _unique_id(wanted: str, namespace: str, src: Source, line: int, report: IngestReport) -> str:
    """``wanted``, or ``wanted#2``... when an earlier item of the run has it: pair ids are made
    from unit ids, and annotations joined by pair id would land on the wrong pair."""
    got = report.claim_id(namespace, wanted)
    if got != wanted:
        report.duplicate_ids += 1
        report.warn_once(f"id:{src.display}", f"{src.display}:{line}: id {_printable(_short.repr(wanted))} "
                         f"was used before, renamed {_printable(_short.repr(got))} "
                         "(any more in this file are only counted)")
    return got


def _place(src: Source, key: str) -> str:
    """The id an item without its own gets from where it is."""
    return f"{src.rel}:{key}" if key else src.rel


# ---- articles ---------------------------------------------------------------------------------

def iter_articles(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                  skip_bad_lines: bool = False) -> Iterator[Document]:
    """Documents from article files (``.txt``: one article), JSONL/JSON/CSV corpora (one per
    record: ``text``, optional ``id``, ``date``), directories, globs and ``-``."""
    for src in expand(paths, (".txt", ".jsonl", ".ndjson", ".csv"), report):
        kind, lines = _open_as(src, errors, report)
        if kind == "txt":
            text = "\n".join(t for _, t in lines)
            if text.strip():
                doc_id = _unique_id(src.rel, "document", src, 1, report)
                yield parse_article(text, doc_id, source=src.display, report=report)
            continue
        for rec in _records(src, kind, lines, tweet=False, date_keys=("date",), errors=errors,
                            skip_bad_lines=skip_bad_lines, report=report):
            doc_id = _unique_id(rec.own_id or _place(src, rec.key), "document", src, rec.line, report)
            yield parse_article(rec.text, doc_id, source=f"{src.display}:{rec.line}", date=rec.date,
                                report=report)


# ---- separate streams -------------------------------------------------------------------------

def iter_statements(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                    skip_bad_lines: bool = False) -> Iterator[Statement]:
    """Greek statements from ``--greek`` inputs (``.txt`` one item per line, JSONL, JSON, CSV)."""
    for src in expand(paths, report=report):
        for rec in _items(src, errors, skip_bad_lines, report, tweet=False):
            report.documents += 1
            # Own ids are made unique before anything is left out, so they never depend on options.
            item_id = rec.own_id and _unique_id(rec.own_id, "statement", src, rec.line, report)
            doc_id = item_id or _place(src, rec.key)
            text = rec.text
            if not has_greek(text):
                report.docs_without_greek += 1
                continue
            if item_id:  # the user's own unit: kept whole, id kept exactly
                lead = len(text) - len(text.lstrip())
                body = text.strip()
                found = [(unicodedata.normalize("NFC", body), lead, lead + len(body))]
            else:
                found = [(s.text, s.start, s.end) for s in split_sentences(text)]
            for k, (sent, start, end) in enumerate(found):
                report.statements += 1
                yield Statement(item_id or f"{doc_id}:p0s{k}", doc_id, sent, 0, k, start, end, date=rec.date)


def iter_tweets(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                skip_bad_lines: bool = False, include_non_english: bool = False) -> Iterator[Tweet]:
    """Tweets from ``--english`` inputs: ``.txt`` (one per line, attribution optional), JSONL and
    JSON (ours, Twitter API v2 and v1.1 shapes) and CSV. Non-English tweets are counted and left
    out unless ``include_non_english``."""
    for src in expand(paths, report=report):
        for rec in _items(src, errors, skip_bad_lines, report, tweet=True):
            report.documents += 1
            item_id = rec.own_id and _unique_id(rec.own_id, "tweet", src, rec.line, report)
            doc_id = item_id or _place(src, rec.key)
            body, handle, author, date = rec.text, rec.handle, rec.author, rec.date
            attribution = find_attribution(rec.text)
            if attribution:  # what the text itself says wins over the record's fields
                body, handle, author = rec.text[:attribution.start], attribution.handle, attribution.author
                date = date or attribution.date
            tweet = make_tweet(item_id or f"{doc_id}:t0", doc_id, body, handle=handle, author=author,
                               date=date, raw=rec.text)
            if not tweet.text:
                report.empty_tweets += 1
                continue
            report.tweets += 1
            if tweet.lang != "en":
                report.non_english_tweets += 1
                if not include_non_english:
                    continue
            yield tweet


def _items(src: Source, errors: Errors, skip_bad_lines: bool, report: IngestReport, *,
           tweet: bool) -> Iterator[Record]:
    """Every item of a stream: a non-blank line of text, or a record."""
    kind, lines = _open_as(src, errors, report)
    if kind == "txt":
        for n, line in lines:
            if line.strip():
                yield Record(n, str(n), line, None, None)
        return
    yield from _records(src, kind, lines, tweet=tweet, date_keys=("created_at", "date"), errors=errors,
                        skip_bad_lines=skip_bad_lines, report=report)
