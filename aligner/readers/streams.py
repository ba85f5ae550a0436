"""Streamed readers: files, directories, globs and stdin, one item at a time.

Formats, by suffix (standard input is recognised from its first line):

- ``.txt``: an article (articles), or one item per line (``--greek``/``--english`` streams);
- ``.jsonl``/``.ndjson``: a JSON object per line, or a Twitter API v2 page per line (twarc);
- ``.json``: one JSON value, read whole: an array of objects, a Twitter API v2 page
  (``{"data": [...], "includes": {"users": [...], "tweets": [...]}}``) or a single object;
  anything else is refused, never read as lines of text;
- ``.js``: a Twitter/X archive's ``tweets.js`` (``window.YTD.tweets.part0 = [...]``);
- ``.csv``: a header with a ``text`` or ``full_text`` column, parsed strictly;
- ``.html``/``.htm``: a news page, and ``.warc``: a web archive of them (`html`, `warc`): a
  document a page for every reader (articles; its statements for ``--greek``, its embedded
  tweets for ``--english``).

Any of them may be compressed (``.gz``, ``.bz2``, ``.xz``, ``.zst``; `compressed`): the suffix
before names the format. Directories are searched for .txt, .jsonl, .ndjson, .csv, .html, .htm
and .warc: a .json or .js beside articles is usually something else (labels, metadata), so it
is read only when named. .json, .js and pages are read whole: JSONL and CSV go line by line, an
article file is one document. Bytes are decoded line by line so an error can name its byte
offset.

Tweets from Twitter's own formats (v1.1, v2, archives) keep their tweet id as their id. A tweet
that retweets or quotes another is followed by that tweet as a unit of its own (v1.1 nests it,
v2 pages keep it in ``includes.tweets``); a retweet's text is its original's whole text after
``RT @handle:`` (its own, cut at 140 characters, is kept in ``raw``). A tweet id read a second
time in a run is the same tweet, left out and counted (``duplicate_tweets``). Twitter's ``lang``
is taken over the guess by script.

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
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Literal

from aligner.documents import Document, Statement, Tweet
from aligner.errors import InputError, printable
from aligner.readers.article import parse_article
from aligner.readers.compressed import COMPRESSIONS, DAMAGED, Expanded, open_input, split_suffix
from aligner.readers.greek import has_greek, split_sentences
from aligner.readers.report import IngestReport
from aligner.readers.tweets import find_attribution, language_code, make_tweet, parse_date

Errors = Literal["strict", "replace"]
STREAM_SUFFIXES = (".txt", ".jsonl", ".ndjson", ".csv", ".html", ".htm", ".warc")  # what a directory is searched for
_KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "json", ".js": "js",
          ".html": "html", ".htm": "html", ".warc": "warc"}  # others: txt
PAGE_KINDS = ("html", "warc")  # read as documents (pages) by every reader
_GLOB_CHARS = set("*?[")
_TEXT_KEYS = ("full_text", "text")
_NO_TEXT = 'not a JSON object with a "text" (or "full_text") string'


@dataclass(frozen=True)
class Source:
    """One input: ``display`` names it in messages, ``rel`` starts its document ids."""

    display: str
    rel: str
    path: Path | None  # None: standard input
    suffix: str  # of the format: ".jsonl" for tweets.jsonl.gz
    compression: str = ""  # ".gz", ".bz2", ".xz", ".zst" or ""


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
    lang: str | None = None  # the language the record names (Twitter's ``lang``)
    raw: str | None = None  # a retweet's own text, when ``text`` is its original's in full
    twitter: bool = False  # ``own_id`` is a Twitter id: read twice, it is the same tweet


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
            found = sorted(f for f in p.rglob("*") if f.is_file() and split_suffix(f.name)[0] in suffixes)
            if not found:
                raise InputError(f"no {'/'.join(suffixes)} files in this directory (compressed or not)", path=arg)
            for f in found:
                yield Source(str(f), f.relative_to(p).as_posix(), f, *split_suffix(f.name))
        elif p.is_file():
            yield Source(arg, p.name, p, *split_suffix(p.name))
        elif _GLOB_CHARS & set(arg):
            matches = sorted(m for m in glob.glob(arg, recursive=True) if os.path.isfile(m))
            if not matches:
                raise InputError("no files match this pattern", path=arg)
            base = _glob_base(arg)
            for m in matches:
                yield Source(m, Path(os.path.relpath(m, base)).as_posix(), Path(m), *split_suffix(m))
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


def _open(src: Source, compression: str | None = None) -> IO[bytes]:
    """The source's bytes, decompressed (``compression`` overrides the source's own: a .warc.gz
    is given to warcio as it is)."""
    try:
        return open_input(src.path, src.compression if compression is None else compression)
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=src.display) from None


def _lines(src: Source, errors: Errors, report: IngestReport, skip_bad_lines: bool) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line; an empty file is warned about and counted. Data
    that stops decompressing is reported at the line it breaks off in (see ``_damaged``)."""
    report.files += 1
    handle = _open(src)
    offset, blank, n = 0, True, 0
    try:
        while True:
            try:
                raw = handle.readline(MAX_LINE + 1)
                overlong = len(raw) > MAX_LINE and not raw.endswith(b"\n")
                while overlong and not raw.endswith(b"\n"):  # the rest of the line, a chunk at a time
                    offset += len(raw)
                    raw = handle.readline(1 << 20)
                    if not raw:
                        break
            except DAMAGED as exc:
                _damaged(src, _decompression(src, exc), skip_bad_lines, report, line=n + 1)
                return  # counted as damaged, not as empty
            if not raw and not overlong:
                break
            n += 1
            if overlong:
                offset += len(raw)
                blank = False
                _bad_line(src, n, f"a line longer than {MAX_LINE >> 20} MB (one text is never that long)",
                          skip_bad_lines, report)
                continue
            text = decode(raw, src, offset, errors, report)
            offset += len(raw)
            if n == 1:
                text = text.removeprefix("\ufeff")  # a BOM from Windows editors is not text
            if text.strip():
                blank = False
            yield n, text.rstrip("\r\n")
    finally:
        if src.path is not None:
            handle.close()
    if blank:
        report.empty_files += 1
        report.warn(f"{src.display}: empty file, skipped")


def _decompression(src: Source, exc: BaseException) -> str:
    """What went wrong reading a (compressed) file, in one line."""
    if isinstance(exc, Expanded):
        return f"not read on: {exc}"
    what = f"damaged {COMPRESSIONS[src.compression]} data" if src.compression else "cannot read"
    return f"{what} ({' '.join(str(exc).split()) or type(exc).__name__})"


def _damaged(src: Source, message: str, skip: bool, report: IngestReport, *, line: int | None = None,
             offset: int | None = None) -> None:
    """A file that cannot be read on from ``line`` (or byte ``offset``): compressed data cut short
    or damaged, or a WARC record that cannot be parsed. An InputError, or with ``skip`` counted
    and warned about: what came before is kept, nothing after it can be found."""
    if not skip:
        why = "" if message.startswith("not read on") else "; the file is cut short or damaged"
        raise InputError(f"{message}{why} (--skip-bad-lines keeps what comes before)", path=src.display,
                         line=line, offset=offset)
    report.bad_records += 1
    where = f"{src.display}:{line}" if line is not None else f"{src.display} (byte {offset})"
    report.warn(f"{where}: {message}, skipped with the rest of the file")


def _bad_line(src: Source, line: int, message: str, skip: bool, report: IngestReport) -> None:
    if not skip:
        raise InputError(f"{message}; fix it or use --skip-bad-lines", path=src.display, line=line)
    report.bad_lines += 1
    report.warn(f"{src.display}:{line}: {message}, skipped")


# What one line (a text, a JSON object, a twarc page of 100 tweets: about 1 MB) and one page may
# weigh: past them memory would grow with the input's shape, not its number of texts.
MAX_LINE = 8 << 20
MAX_PAGE = 64 << 20

_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlevel = 40, 40, 2  # a user's value, shown in a message


# ---- which format -----------------------------------------------------------------------------

# The first line of a JSON document that is not JSON Lines: "[" or "{" alone, or opening an
# object or array ('[{', '{"'); "[BREAKING] ..." stays a line of text.
_JSON_START = re.compile(r"\[\s*(?:[{\[\]]|$)|\{\s*(?:[\"}]|$)")
_HEADER_CELL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _open_as(src: Source, errors: Errors, report: IngestReport,
             skip_bad_lines: bool) -> tuple[str, Iterator[tuple[int, str]]]:
    """The source's format (``txt``, ``jsonl``, ``json``, ``js``, ``csv``, ``html``, ``warc``)
    and its lines (not read yet: pages and archives of a file are read as bytes instead)."""
    lines = _lines(src, errors, report, skip_bad_lines)
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
    """Checked records of a JSONL, JSON, tweets.js or CSV source; the ones that cannot be used
    are bad lines. Tweets a tweet retweets or quotes follow it as records of their own."""
    if kind == "csv":
        values = _csv_values(src, lines, skip_bad_lines, report)
    elif kind == "json":
        values = _json_values(src, "\n".join(t for _, t in lines), report)
    elif kind == "js":
        values = _archive_values(src, lines, report)
    else:
        values = _jsonl_values(src, lines, skip_bad_lines, report)
    for line, key, value in values:
        for item_key, item in _with_referenced(key, value) if tweet else [(key, value)]:
            try:
                record = _record(item, line, item_key, tweet=tweet, date_keys=date_keys, src=src,
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


def _json_values(src: Source, text: str, report: IngestReport) -> Iterator[tuple[int, str, Any]]:
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


def _archive_values(src: Source, lines: Iterator[tuple[int, str]],
                    report: IngestReport) -> Iterator[tuple[int, str, Any]]:
    """``(line, key, tweet)`` for each tweet of a Twitter/X archive's ``tweets.js``: JavaScript
    that assigns a JSON array of ``{"tweet": {...}}`` to ``window.YTD.tweets.part0``."""
    text = "\n".join(t for _, t in lines)
    if not text.strip():
        return  # already counted as empty
    start = _ARCHIVE_START.match(text)
    if not start:
        raise InputError('not a Twitter archive file: it does not start with "window.YTD.tweets.part0 = [" '
                         "(a file of plain JSON is read as .json)", path=src.display, line=1)
    # The assignment blanked out but for its line breaks, so that lines and columns stay true.
    text = re.sub(r"[^\n]", " ", text[:start.end()]) + text[start.end():].rstrip().removesuffix(";")
    for line, key, item in _json_values(src, text, report):
        tweet = item.get("tweet") if isinstance(item, dict) else None
        yield line, key, tweet if isinstance(tweet, dict) else item


def _no_records(src: Source, report: IngestReport) -> None:
    report.empty_files += 1
    report.warn(f"{src.display}: no records in it, skipped")


def _is_page(value: Any) -> bool:
    """A Twitter API v2 response: ``data`` (a list, or one tweet) and no text of its own."""
    return isinstance(value, dict) and "data" in value and not any(k in value for k in _TEXT_KEYS)


def _page_items(page: dict[str, Any]) -> list[Any]:
    """The tweets of a v2 page, each with its author's ``username`` and ``name`` from
    ``includes.users`` (v2 keeps them there, joined by ``author_id``), and the tweets it retweets
    or quotes from ``includes.tweets`` nested as v1.1 nests them (``retweeted_status``,
    ``quoted_status``), so that both versions are read alike."""
    data = page["data"]
    items = data if isinstance(data, list) else [data]
    includes: dict[str, Any] = page["includes"] if isinstance(page.get("includes"), dict) else {}
    users = _by_id(includes.get("users"))
    referenced = {k: _with_author(t, users) for k, t in _by_id(includes.get("tweets")).items()}
    out = []
    for item in items:
        item = _with_author(item, users)
        refs = item.get("referenced_tweets") if isinstance(item, dict) else None
        for ref in refs if isinstance(refs, list) else []:
            nest = _NESTED.get(str(ref.get("type"))) if isinstance(ref, dict) else None
            if nest and nest not in item and isinstance(ref.get("id"), (str, int)) and str(ref["id"]) in referenced:
                item = {**item, nest: referenced[str(ref["id"])]}
        out.append(item)
    return out


_NESTED = {"retweeted": "retweeted_status", "quoted": "quoted_status"}


def _by_id(objects: Any) -> dict[str, dict[str, Any]]:
    """The objects of an ``includes`` list by their ``id`` (as a string)."""
    return {str(o["id"]): o for o in objects if isinstance(o, dict) and isinstance(o.get("id"), (str, int))} \
        if isinstance(objects, list) else {}


def _with_author(item: Any, users: dict[str, dict[str, Any]]) -> Any:
    """A v2 tweet with its author's ``username`` and ``name`` (from ``includes.users``)."""
    author = item.get("author_id") if isinstance(item, dict) else None
    user = users.get(str(author)) if isinstance(author, (str, int)) else None
    return {"username": user.get("username"), "name": user.get("name"), **item} if user else item


def _with_referenced(key: str, value: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """A tweet, then the tweets it retweets or quotes, each a tweet of its own (keyed after it).
    Two levels deep at most: a retweet of a quote is as deep as Twitter nests them."""
    yield key, value
    if not isinstance(value, dict) or depth >= 2:
        return
    for nest in _NESTED.values():
        nested = value.get(nest)
        if isinstance(nested, dict) and any(k in nested for k in _TEXT_KEYS):
            yield from _with_referenced(f"{key}:{nest.split('_')[0]}", nested, depth + 1)


_ARCHIVE_START = re.compile(r"\s*window\.YTD\.\w+\.part\d+\s*=\s*(?=\[)")
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
    text: str | None = _text_of(value)
    own = _string(value, ("id_str", "id"), ids=True)  # id_str first: v1.1 ids overflow JSON doubles
    handle = author = raw = None
    if tweet:
        handle, author = _names(value)
        original = value.get("retweeted_status")
        if isinstance(original, dict) and any(k in original for k in _TEXT_KEYS):
            # A retweet's own text is "RT @handle: " and the original cut at 140 characters: the
            # original's whole text under the same mark, which the aligner knows to look past.
            raw, by = text, _names(original)[0] or _retweeted_handle(text or "")
            text = f"RT @{by}: {_text_of(original)}" if by else _text_of(original)
    text, own, handle, author, raw = (_characters(s, errors, report) for s in (text, own, handle, author, raw))
    return Record(line, key, text or "", own, _date(value, date_keys, src, line, report), handle, author,
                  lang=language_code(value.get("lang")) if tweet else None, raw=raw,
                  twitter=tweet and any(k in value for k in _TWITTER_KEYS))


# Fields only Twitter's own tweet objects have (v1.1, v2, archives): their ids are tweet ids.
_TWITTER_KEYS = ("id_str", "user", "author_id", "edit_history_tweet_ids", "retweeted_status", "quoted_status")
_RETWEET = re.compile(r"^RT @(\w{1,15}):")


def _names(value: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(handle, author)`` of a tweet object: v1.1 nests them in ``user``, v2 pages have them
    joined from ``includes.users``, our own records name them."""
    user: dict[str, Any] = value["user"] if isinstance(value.get("user"), dict) else {}
    handle = _string(user, ("screen_name",), "user.") or _string(value, ("screen_name", "handle", "username"))
    return handle, _string(user, ("name",), "user.") or _string(value, ("author", "name"))


def _retweeted_handle(text: str) -> str | None:
    match = _RETWEET.match(text)
    return match.group(1) if match else None


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
            report.warn_once(f"date:{src.display}", f"{src.display}:{line}: {key} {printable(_short.repr(raw))} "
                             "is not a date, left out (any more in this file are only counted)")
        return date
    return None


def _unique_id(wanted: str, namespace: str, src: Source, line: int | None, report: IngestReport) -> str:
    """``wanted``, or ``wanted#2``... when an earlier item of the run has it: pair ids are made
    from unit ids, and annotations joined by pair id would land on the wrong pair."""
    got = report.claim_id(namespace, wanted)
    if got != wanted:
        report.duplicate_ids += 1
        where = src.display if line is None else f"{src.display}:{line}"
        report.warn_once(f"id:{src.display}", f"{where}: id {printable(_short.repr(wanted))} "
                         f"was used before, renamed {printable(_short.repr(got))} "
                         "(any more in this file are only counted)")
    return got


def _place(src: Source, key: str) -> str:
    """The id an item without its own gets from where it is."""
    return f"{src.rel}:{key}" if key else src.rel


# ---- pages: HTML and WARC --------------------------------------------------------------------

def _pages(src: Source, kind: str, lines: Iterator[tuple[int, str]], errors: Errors, skip_bad_lines: bool,
           report: IngestReport) -> Iterator[Document]:
    """The documents of an HTML page (one, its id the file's, as an article's) or of a WARC file
    (one a page, its id the page's URL); see `html` and `warc`. A page that is no HTML, or a
    record that cannot be read, is an InputError, or with ``skip_bad_lines`` counted and skipped."""
    from aligner.readers import html, warc  # trafilatura takes 0.3 s to import: only when pages are read

    def page(text: str | bytes, doc_id: str, source: str, url: str | None = None, charset: str | None = None,
             offset: int | None = None) -> Document | None:
        try:
            decoded = text if isinstance(text, str) else html.page_text(text, charset, errors, report)
            return html.read_page(decoded, _unique_id(doc_id, "document", src, None, report), source=source,
                                  report=report, url=url)
        except html.PageError as exc:
            if offset is None:  # a file: the place is in it
                _bad_page(src, str(exc), skip_bad_lines, report, line=exc.line, offset=exc.offset)
            else:  # a WARC record: the place is the record
                _bad_page(src, f"the page {url}: {exc}", skip_bad_lines, report, offset=offset)
            return None

    if src.path is None:  # standard input, recognised by its first line: already decoded
        text = "\n".join(t for _, t in lines)
        doc = page(text, src.rel, src.display) if text.strip() else None
        yield from [doc] if doc else []
        return
    report.files += 1
    # warcio reads a .warc.gz's gzip members itself, to know the offset of each record in the file
    handle = _open(src, "" if kind == "warc" and src.compression == ".gz" else None)
    try:
        if kind == "html":
            data = _read_all(src, handle, skip_bad_lines, report)
            doc = page(data, src.rel, src.display) if data else None
            yield from [doc] if doc else []
            return
        try:
            for found in warc.iter_pages(handle, report):
                doc = page(found.payload, found.url, f"{src.display} (byte {found.offset})", found.url,
                           found.charset, found.offset)
                yield from [doc] if doc else []
        except warc.DamagedRecord as exc:
            _damaged(src, str(exc), skip_bad_lines, report, offset=exc.offset)
    finally:
        handle.close()


def _read_all(src: Source, handle: IO[bytes], skip: bool, report: IngestReport) -> bytes | None:
    """All the bytes of a file read whole, or None when it is empty, (skipped as) damaged, or
    larger than MAX_PAGE (refused, or counted and skipped)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = handle.read(1 << 20)
        except DAMAGED as exc:
            _damaged(src, _decompression(src, exc), skip, report, offset=size)
            return None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_PAGE:
            _bad_page(src, f"a page larger than {MAX_PAGE >> 20} MB (news pages are a few MB at most)", skip,
                      report)
            return None
    data = b"".join(chunks)
    if not data.strip():
        report.empty_files += 1
        report.warn(f"{src.display}: empty file, skipped")
        return None
    return data


def _bad_page(src: Source, message: str, skip: bool, report: IngestReport, *, line: int | None = None,
              offset: int | None = None) -> None:
    """A page that cannot be read: an InputError at its place, or counted and skipped."""
    if not skip:
        raise InputError(message, path=src.display, line=line, offset=offset)
    report.bad_records += 1
    where = f":{line}" if line is not None else f" (byte {offset})" if offset is not None else ""
    report.warn(f"{src.display}{where}: {message}, skipped")


# ---- articles ---------------------------------------------------------------------------------

def iter_articles(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                  skip_bad_lines: bool = False) -> Iterator[Document]:
    """Documents from article files (``.txt``: one article), JSONL/JSON/CSV corpora (one per
    record: ``text``, optional ``id``, ``date``), HTML pages and WARC files (one a page),
    directories, globs and ``-``; any of them compressed."""
    for src in expand(paths, report=report):
        kind, lines = _open_as(src, errors, report, skip_bad_lines)
        if kind in PAGE_KINDS:
            yield from _pages(src, kind, lines, errors, skip_bad_lines, report)
            continue
        if kind == "js":
            raise InputError("a Twitter archive file holds tweets, not articles: give it with --english",
                             path=src.display)
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
    """Greek statements from ``--greek`` inputs (``.txt`` one item per line, JSONL, JSON, CSV; the
    body of HTML pages and of the pages in WARC files)."""
    for src in expand(paths, report=report):
        kind, lines = _open_as(src, errors, report, skip_bad_lines)
        if kind in PAGE_KINDS:
            for doc in _pages(src, kind, lines, errors, skip_bad_lines, report):
                yield from doc.statements
            continue
        for rec in _items(src, kind, lines, errors, skip_bad_lines, report, tweet=False):
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
    JSON (ours, Twitter API v2 and v1.1 shapes), Twitter/X archives' ``tweets.js``, CSV, and the
    tweets embedded in HTML pages and WARC files. A Twitter tweet id read again (a retweeted or
    quoted tweet in many records, pages that overlap) is the same tweet: left out and counted.
    Non-English tweets are counted and left out unless ``include_non_english``."""
    for src in expand(paths, report=report):
        kind, lines = _open_as(src, errors, report, skip_bad_lines)
        if kind in PAGE_KINDS:
            for doc in _pages(src, kind, lines, errors, skip_bad_lines, report):
                yield from (t for t in doc.tweets if include_non_english or t.lang == "en")
            continue
        for rec in _items(src, kind, lines, errors, skip_bad_lines, report, tweet=True):
            if rec.twitter and rec.own_id and not report.first_reading(rec.own_id):
                report.duplicate_tweets += 1
                continue
            report.documents += 1
            item_id = rec.own_id and _unique_id(rec.own_id, "tweet", src, rec.line, report)
            doc_id = item_id or _place(src, rec.key)
            body, handle, author, date = rec.text, rec.handle, rec.author, rec.date
            attribution = find_attribution(rec.text)
            if attribution:  # what the text itself says wins over the record's fields
                body, handle, author = rec.text[:attribution.start], attribution.handle, attribution.author
                date = date or attribution.date
            tweet = make_tweet(item_id or f"{doc_id}:t0", doc_id, body, handle=handle, author=author,
                               date=date, raw=rec.raw or rec.text, lang=rec.lang)
            if not tweet.text:
                report.empty_tweets += 1
                continue
            report.tweets += 1
            if tweet.lang != "en":
                report.non_english_tweets += 1
                if not include_non_english:
                    continue
            yield tweet


def _items(src: Source, kind: str, lines: Iterator[tuple[int, str]], errors: Errors, skip_bad_lines: bool,
           report: IngestReport, *, tweet: bool) -> Iterator[Record]:
    """Every item of a stream: a non-blank line of text, or a record."""
    if kind == "txt":
        for n, line in lines:
            if line.strip():
                yield Record(n, str(n), line, None, None)
        return
    yield from _records(src, kind, lines, tweet=tweet, date_keys=("created_at", "date"), errors=errors,
                        skip_bad_lines=skip_bad_lines, report=report)
