"""Web archives (issue 11): a WARC written here with warcio from our Greek pages, the fixture
WARCs counted by hand, and archives cut in the middle."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import require_shared_data
from test_html import EXAMPLES, comparable, example_pages
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from aligner.api import align
from aligner.cli import app
from aligner.errors import InputError
from aligner.readers import IngestReport, read_articles, read_statements, read_tweets
from aligner.settings import Settings

runner = CliRunner()
SITE = "https://news.example.gr/2024/"


def write_warc(path: Path, pages: list[Path], gzip: bool = True) -> list[str]:
    """A crawl of ``pages`` as warcio writes one: warcinfo, then for each page a request and a
    response, with an image, a redirect and a revisit among them. Returns the pages' URLs."""
    urls = []
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test_warc.py"}))
        for k, page in enumerate(pages):
            url = f"{SITE}{page.stem}"
            urls.append(url)
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(page.read_bytes()),
                                                          http_headers=headers))
            if k == 0:
                image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"{SITE}logo.png", "response",
                                                              payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(64)),
                                                              http_headers=image))
                moved = StatusAndHeaders("301 Moved Permanently", [("Content-Type", "text/html"),
                                                                   ("Location", url)], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"{SITE}old", "response",
                                                              payload=io.BytesIO(b"<html>Moved</html>"),
                                                              http_headers=moved))
    return urls


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[str]]:
    folder = tmp_path_factory.mktemp("warc")
    pages = example_pages(folder / "pages")
    path = folder / "crawl.warc.gz"
    return path, pages, write_warc(path, pages)


def test_each_html_response_is_a_document_with_its_url_as_id(crawl) -> None:
    path, pages, urls = crawl
    report = IngestReport()
    docs = list(read_articles([str(path)], report=report))
    assert [d.id for d in docs] == urls
    # warcinfo, 4 requests, the image and the redirect: 7 records, none of them a page
    assert report.other_records == 7 and report.files == 1 and report.bad_records == 0
    offsets = [int(d.source.rsplit("(byte ", 1)[1].rstrip(")")) for d in docs]
    with path.open("rb") as fh:
        responses = [it.offset for it in [ArchiveIterator(fh)] for r in it
                     if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI") in urls]
    assert offsets == responses  # the source names where each page's record starts
    first = docs[0]
    assert first.statements[0].id == f"{urls[0]}:p0s0" and first.date == "2024-03-12"
    assert [t.handle for t in first.tweets] == ["quakenotes_med", "islandbulletin_gr", "danf_travels_99"]
    assert all(t.id.startswith(f"{urls[0]}:status/") for t in first.tweets)
    html = [next(read_articles([str(p)])) for p in pages]
    assert [[s.text for s in d.statements] for d in docs] == [[s.text for s in d.statements] for d in html]


def test_a_crawl_aligns_as_the_pages_and_texts_do(crawl) -> None:
    path, _, _ = crawl
    settings = Settings(include_rejected=True)
    assert comparable(align([path], settings=settings).pairs) == \
           comparable(align(sorted(EXAMPLES.glob("*.txt")), settings=settings).pairs)


def test_crawl_as_greek_and_english_streams_and_uncompressed(crawl, tmp_path: Path) -> None:
    path, pages, urls = crawl
    statements = list(read_statements([str(path)]))
    tweets = list(read_tweets([str(path)]))
    assert len(statements) == 37 and len(tweets) == 12 and statements[0].doc_id == urls[0]
    plain = tmp_path / "crawl.warc"
    write_warc(plain, pages, gzip=False)
    assert [d.id for d in read_articles([str(plain)])] == urls


def test_inspect_a_crawl(crawl) -> None:
    path, _, urls = crawl
    result = runner.invoke(app, ["inspect", "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    units = [json.loads(line) for line in result.stdout.splitlines()]
    assert {u["doc_id"] for u in units} == set(urls)
    assert "7 WARC record(s) other than HTML pages skipped" in result.stderr


# ---- cut and damaged archives ------------------------------------------------------------------

def record_offsets(path: Path) -> list[int]:
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        return [it.offset for _ in it]


@pytest.mark.parametrize("gzip", [True, False])
def test_a_warc_cut_in_the_middle_names_the_record_and_exits_2(crawl, tmp_path: Path, gzip: bool) -> None:
    _, pages, urls = crawl
    whole = tmp_path / ("whole.warc.gz" if gzip else "whole.warc")
    write_warc(whole, pages, gzip=gzip)
    offsets = record_offsets(whole)
    data = whole.read_bytes()
    last = offsets[-1]  # the last page's response
    cut = tmp_path / whole.name.replace("whole", "cut")
    cut.write_bytes(data[:last + (len(data) - last) // 2])
    with pytest.raises(InputError, match=rf"^{cut} \(byte {last}\): the file ends inside this record"):
        list(read_articles([str(cut)]))
    out = tmp_path / "pairs.jsonl"
    for command in (["inspect", str(cut)], ["align", str(cut), "-o", str(out)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {cut} (byte {last}): the file ends inside")
        assert not out.exists()
    report = IngestReport()
    docs = list(read_articles([str(cut)], report=report, skip_bad_lines=True))
    assert [d.id for d in docs] == urls[:-1] and report.bad_records == 1
    [warning] = report.warnings
    assert warning.startswith(f"{cut} (byte {last}): the file ends inside this record (")
    assert warning.endswith("bytes are missing), skipped with the rest of the file")


def test_a_warc_cut_inside_a_records_headers(crawl, tmp_path: Path) -> None:
    _, pages, _ = crawl
    whole = tmp_path / "whole.warc"
    write_warc(whole, pages, gzip=False)
    last = record_offsets(whole)[-1]
    cut = tmp_path / "cut.warc"
    cut.write_bytes(whole.read_bytes()[:last + 40])  # "WARC/1.1\r\nWARC-Type: response\r\n..." and no more
    with pytest.raises(InputError, match=rf"^{cut} \(byte {last}\): "):
        list(read_articles([str(cut)]))


def test_not_a_warc(tmp_path: Path) -> None:
    fake = tmp_path / "notes.warc"
    fake.write_text("these are notes, not an archive\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{fake} \(byte 0\): not a WARC record"):
        list(read_articles([str(fake)]))


def test_a_page_record_that_is_binary_is_skipped_on_request(crawl, tmp_path: Path) -> None:
    _, pages, urls = crawl
    bad = tmp_path / "bad.html"
    bad.write_bytes(b"<html>\x00\x01\x02</html>")
    path = tmp_path / "mixed.warc.gz"
    urls = write_warc(path, [pages[0], bad, pages[1]])
    with pytest.raises(InputError, match=rf"^{path} \(byte \d+\): the page {urls[1]}: binary data"):
        list(read_articles([str(path)]))
    report = IngestReport()
    assert [d.id for d in read_articles([str(path)], report=report, skip_bad_lines=True)] == [urls[0], urls[2]]
    assert report.bad_records == 1  # and reading went on past it


# ---- the fixture WARCs, counted by hand --------------------------------------------------------

# file: (pages, other records); the pages' URLs
WARCS = {
    "warcio_example.warc.gz": (1, 5, ["http://example.com/"]),
    "warcio_example.warc": (1, 5, ["http://example.com/"]),
    "jwarc_cc.warc.gz": (1, 0, ["http://commoncrawl.org/"]),
    "webarchive-commons_IAH-urls-wget.warc.gz": (2, 34, ["https://archive.org/", "https://archive.org/#2"]),
    "sfm_twitter_api_v2_search_recent.responses-only.warc.gz": (0, 2, []),  # API JSON, not a page
}


@pytest.mark.parametrize("name", sorted(WARCS))
def test_fixture_warcs(name: str) -> None:
    path = require_shared_data("web_fixtures") / "warc" / name
    pages, others, urls = WARCS[name]
    report = IngestReport()
    docs = list(read_articles([str(path)], report=report))
    assert [d.id for d in docs] == urls and report.other_records == others and report.bad_records == 0
    assert len(docs) == pages and all(d.tweets == () for d in docs)  # none of them embeds a tweet


def test_fixture_warc_cut_anywhere_is_an_error_or_whole_records(tmp_path: Path) -> None:
    """Cut at every 97th byte, the example WARC gives whole pages or one error naming a record's
    offset: never a page read from half a record."""
    path = require_shared_data("web_fixtures") / "warc" / "warcio_example.warc.gz"
    data = path.read_bytes()
    starts = set(record_offsets(path))
    cut = tmp_path / "cut.warc.gz"
    for end in range(1, len(data), 97):
        cut.write_bytes(data[:end])
        try:
            docs = list(read_articles([str(cut)]))
        except InputError as exc:
            assert exc.offset in starts and "\n" not in str(exc)
            continue
        assert all(len(d.statements) + len(d.tweets) == 0 for d in docs)  # example.com has no Greek


def test_the_servers_charset_is_used_when_the_page_is_not_utf8(tmp_path: Path) -> None:
    greek = "<html><body><article><p>Σεισμός στην Κρήτη. Δεν υπάρχουν ζημιές.</p></article></body></html>"
    path = tmp_path / "legacy.warc"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", 'text/html; charset="windows-1253"')],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(SITE, "response", payload=io.BytesIO(greek.encode("cp1253")),
                                                      http_headers=headers))
    [doc] = list(read_articles([str(path)]))
    assert [s.text for s in doc.statements] == ["Σεισμός στην Κρήτη.", "Δεν υπάρχουν ζημιές."]
