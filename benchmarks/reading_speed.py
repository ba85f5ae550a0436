"""Reading speed of news pages: our HTML and WARC readers against trafilatura's extraction alone.

    python benchmarks/reading_speed.py [--rounds 5]

Input: the news pages in ../shared/data/web_fixtures/html (13 real pages in 6 languages, 74
tweet embeds), read as they are, and the same pages in one WARC.gz written here with warcio.
Every mode reads every page once a round; a mode's figure is its best round (the least
disturbed by the rest of the machine). Modes:

- ``trafilatura.extract``: ``extract(bytes)`` with its defaults, what a user calls first;
- ``trafilatura, our options``: the same call with what our reader asks of it (metadata, no
  comments, dates from the page's metadata only), i.e. trafilatura's share of our reader;
- ``aligner HTML reader``: ``read_articles`` on the page files: decoding, embeds, trafilatura,
  statements and tweets;
- ``aligner WARC reader``: ``read_articles`` on the WARC.gz: warcio, then the same per page.

MB/s counts the pages' HTML (uncompressed) in every mode. The CPU is printed beside the figures.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import DATA, cpu_name, require

PAGES = DATA / "web_fixtures" / "html"


def write_warc(path: Path, pages: dict[str, bytes]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for name, data in pages.items():
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://example.org/{name}", "response",
                                                          payload=io.BytesIO(data), http_headers=headers))


def best_round(work: Callable[[], int], rounds: int) -> tuple[float, int]:
    """The fastest of ``rounds`` runs of ``work`` (seconds), and the pages it read."""
    times, pages = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        pages = work()
        times.append(time.perf_counter() - started)
    return min(times), pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per mode; the best one counts")
    args = parser.parse_args()
    require(PAGES)
    import trafilatura

    from aligner.readers import read_articles
    from aligner.readers.html import DATE_SEARCH

    files = sorted(PAGES.iterdir())
    pages = {f.name: gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes() for f in files}
    megabytes = sum(map(len, pages.values())) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        for name, data in pages.items():
            (folder / name.removesuffix(".gz")).write_bytes(data)
        warc = Path(tmp) / "pages.warc.gz"
        write_warc(warc, pages)

        def extract(**options) -> Callable[[], int]:
            def run() -> int:
                for f in sorted(folder.iterdir()):
                    trafilatura.extract(f.read_bytes(), **options)
                return len(pages)
            return run

        modes = {
            "trafilatura.extract (defaults)": extract(),
            "trafilatura.extract, our options": extract(with_metadata=True, include_comments=False,
                                                        date_extraction_params=DATE_SEARCH),
            "aligner HTML reader": lambda: len(list(read_articles([str(folder)]))),
            "aligner WARC reader": lambda: len(list(read_articles([str(warc)]))),
        }
        for work in modes.values():
            work()  # warm up: imports, caches
        results = {name: best_round(work, args.rounds) for name, work in modes.items()}

    print(f"CPU: {cpu_name()}; Python {sys.version.split()[0]}, trafilatura {trafilatura.__version__}")
    print(f"{len(pages)} pages, {megabytes:.2f} MB of HTML; best of {args.rounds} rounds\n")
    print(f"| {'mode':<34} | {'pages/s':>8} | {'MB/s':>6} | {'vs trafilatura, our options':>27} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 8}|{'-' * 29}|")
    base = results["trafilatura.extract, our options"][0]
    for name, (seconds, n) in results.items():
        print(f"| {name:<34} | {n / seconds:8.1f} | {megabytes / seconds:6.2f} | {seconds / base:26.2f}x |")


if __name__ == "__main__":
    main()
