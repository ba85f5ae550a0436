"""Web archives: the HTML pages in a WARC file, with warcio.

A page is a ``response`` record with a 2xx status and an HTML Content-Type (``text/html``,
``application/xhtml+xml``), or a ``resource`` record of those types. Every other record
(warcinfo, request, revisit, metadata, redirects, images, API JSON) is counted in
``other_records`` and skipped.

A record's offset is where it starts in the file as given: in a ``.warc.gz``, its gzip member,
as CDX indexes give it (warcio reads the members itself); in a ``.warc`` or a ``.warc.zst``,
``.bz2`` or ``.xz``, the byte in the uncompressed stream. A record cut short (the file ends
inside it) or one that cannot be parsed raises DamagedRecord with that offset; records carry no
end marker to find the next one by, so nothing after it is read.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataException
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException

from aligner.readers.compressed import DAMAGED
from aligner.readers.report import IngestReport

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# What warcio raises on records that are cut or garbled; AttributeError is its failure on HTTP
# headers cut short (it reads None as the status line), ValueError on a bad Content-Length.
_UNREADABLE = (ArchiveLoadFailed, StatusAndHeadersParserException, ChunkedDataException, AttributeError,
               ValueError, *DAMAGED)


@dataclass(frozen=True)
class Page:
    """One HTML page of the archive: its URL, where its record starts, its bytes and declared charset."""

    url: str
    offset: int
    payload: bytes
    charset: str | None


class DamagedRecord(Exception):
    """A record that cannot be read, and where it starts."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class _Records(ArchiveIterator):
    """warcio's iterator, without the three-line warning it writes to stderr when a record is not
    followed by blank lines (a Content-Length that is wrong): what follows then fails to parse as a
    record, and that is reported, on one line, as the damage it is."""

    def _consume_blanklines(self):  # type: ignore[no-untyped-def]
        with contextlib.redirect_stderr(io.StringIO()):
            return super()._consume_blanklines()


def iter_pages(stream: IO[bytes], report: IngestReport) -> Iterator[Page]:
    """Every HTML page of a WARC stream, in order; other records are counted and skipped. Raises
    DamagedRecord at the first record that is cut short or unreadable."""
    records = _Records(stream)
    try:
        for record in records:
            offset = records.offset
            if record.format != "warc":  # warcio reads any line as an old ARC record's header
                raise DamagedRecord("not a WARC record (each starts with a WARC/1.0 or WARC/1.1 line)", offset)
            content_type = _content_type(record)
            if content_type is None:
                report.other_records += 1
                payload = None
            else:
                payload = record.content_stream().read()
            _check_whole(record, offset)
            if payload is not None:
                yield Page(record.rec_headers.get_header("WARC-Target-URI") or f"record@{offset}", offset,
                           payload, _charset(content_type or ""))
        # warcio stops quietly at a record whose headers are cut: bytes are left past the last one
        if records.offset < records.fh.tell():
            raise DamagedRecord("the file ends inside this record's headers (it is cut short)", records.offset)
    except _UNREADABLE as exc:  # warcio has moved on to the record that failed, or is still in it
        why = ("its HTTP headers are cut short or damaged" if isinstance(exc, AttributeError)
               else f"{type(exc).__name__}: {' '.join(str(exc).split())}")
        raise DamagedRecord(f"unreadable record ({why})", records.offset) from None


def _content_type(record: ArcWarcRecord) -> str | None:
    """The Content-Type of a record that holds an HTML page, or None for any other record."""
    if record.rec_type == "response" and record.http_headers is not None:
        if not (record.http_headers.get_statuscode() or "").startswith("2"):
            return None  # redirects and error pages are not the article
        content_type = record.http_headers.get_header("Content-Type") or ""
    elif record.rec_type == "resource":
        content_type = record.rec_headers.get_header("Content-Type") or ""
    else:
        return None
    return content_type if content_type.split(";")[0].strip().lower() in _HTML_TYPES else None


def _charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if it has one."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _check_whole(record: ArcWarcRecord, offset: int) -> None:
    """Raise DamagedRecord when the record's block is shorter than its Content-Length says (warcio
    returns what there is without a word) or when it has no Content-Length (headers cut)."""
    if record.rec_headers.get_header("Content-Length") is None:
        raise DamagedRecord("a record without Content-Length (its headers are cut short or damaged)", offset)
    while record.raw_stream.read(1 << 16):
        pass
    missing = getattr(record.raw_stream, "limit", 0)
    if missing > 0:
        raise DamagedRecord(f"the file ends inside this record ({missing} of its bytes are missing)", offset)
