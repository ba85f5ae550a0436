"""Documents of news pages: an HTML file (one page) or a WARC file (one a page); see `html` and
`warc`. Read whole, as bytes: a page's encoding is the page's to say."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from aligner.documents import Document
from aligner.readers.bad_input import refuse_or_skip
from aligner.readers.compressed import DAMAGED
from aligner.readers.ids import unique_id
from aligner.readers.lines import Errors, decompression, open_source
from aligner.readers.report import IngestReport
from aligner.readers.sources import Source

# What one page may weigh: past it memory would grow with the input's shape, not its number of texts.
MAX_PAGE = 64 << 20


def pages(src: Source, kind: str, lines: Iterator[tuple[int, str]], errors: Errors, skip_bad_lines: bool,
          report: IngestReport) -> Iterator[Document]:
    """The documents of an HTML page (one, its id the file's, as an article's) or of a WARC file
    (one a page, its id the page's URL). A page that is no HTML, or a record that cannot be
    read, is an InputError, or with ``skip_bad_lines`` counted and skipped."""
    from aligner.readers import html, warc  # trafilatura takes 0.3 s to import: only when pages are read

    def page(text: str | bytes, doc_id: str, source: str, url: str | None = None, charset: str | None = None,
             offset: int | None = None) -> Document | None:
        try:
            decoded = text if isinstance(text, str) else html.page_text(text, charset, errors, report)
            return html.read_page(decoded, unique_id(doc_id, "document", src, None, report), source=source,
                                  report=report, url=url)
        except html.PageError as exc:
            if offset is None:  # a file: the place is in it
                refuse_or_skip(src, str(exc), skip_bad_lines, report, "page", line=exc.line, offset=exc.offset)
            else:  # a WARC record: the place is the record
                refuse_or_skip(src, f"the page {url}: {exc}", skip_bad_lines, report, "page", offset=offset)
            return None

    if src.path is None:  # standard input, recognised by its first line: already decoded
        text = "\n".join(t for _, t in lines)
        doc = page(text, src.rel, src.display) if text.strip() else None
        yield from [doc] if doc else []
        return
    report.files += 1
    # warcio reads a .warc.gz's gzip members itself, to know the offset of each record in the file
    handle = open_source(src, "" if kind == "warc" and src.compression == ".gz" else None)
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
            refuse_or_skip(src, str(exc), skip_bad_lines, report, "rest", offset=exc.offset)
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
            refuse_or_skip(src, decompression(src, exc), skip, report, "rest", offset=size)
            return None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_PAGE:
            refuse_or_skip(src, f"a page larger than {MAX_PAGE >> 20} MB (news pages are a few MB at most)", skip,
                           report, "page")
            return None
    data = b"".join(chunks)
    if not data.strip():
        report.empty_files += 1
        report.warn(f"{src.display}: empty file, skipped")
        return None
    return data
