"""Bytes to lines of text: a source opened (decompressed), read line by line and decoded as
UTF-8 one line at a time, so that an error can name its line and byte offset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Literal

from aligner.errors import InputError
from aligner.readers.bad_input import refuse_or_skip
from aligner.readers.compressed import COMPRESSIONS, DAMAGED, Expanded, open_input
from aligner.readers.report import IngestReport
from aligner.readers.sources import Source

Errors = Literal["strict", "replace"]

# What one line (a text, a JSON object, a twarc page of 100 tweets: about 1 MB) may weigh: past
# it memory would grow with the input's shape, not its number of texts.
MAX_LINE = 8 << 20


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


def open_source(src: Source, compression: str | None = None) -> IO[bytes]:
    """The source's bytes, decompressed (``compression`` overrides the source's own: a .warc.gz
    is given to warcio as it is)."""
    try:
        return open_input(src.path, src.compression if compression is None else compression)
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=src.display) from None


def read_lines(src: Source, errors: Errors, report: IngestReport, skip_bad_lines: bool) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line; an empty file is warned about and counted. Data
    that stops decompressing is reported at the line it breaks off in (the rest of the file is
    skipped, or refused)."""
    report.files += 1
    handle = open_source(src)
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
                refuse_or_skip(src, decompression(src, exc), skip_bad_lines, report, "rest", line=n + 1)
                return  # counted as damaged, not as empty
            if not raw and not overlong:
                break
            n += 1
            if overlong:
                offset += len(raw)
                blank = False
                refuse_or_skip(src, f"a line longer than {MAX_LINE >> 20} MB (one text is never that long)",
                               skip_bad_lines, report, "line", line=n)
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


def decompression(src: Source, exc: BaseException) -> str:
    """What went wrong reading a (compressed) file, in one line."""
    if isinstance(exc, Expanded):
        return f"not read on: {exc}"
    what = f"damaged {COMPRESSIONS[src.compression]} data" if src.compression else "cannot read"
    return f"{what} ({' '.join(str(exc).split()) or type(exc).__name__})"
