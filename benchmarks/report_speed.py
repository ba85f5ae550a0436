"""The HTML report at scale: a 10k-pair file, built and opened in headless Chromium.

    python benchmarks/report_speed.py [--pairs 10000]

The pairs are the examples' records (aligned once) repeated under new ids and events until there
are ``--pairs``. Prints the time to build the page, its weight without and with the pairs' own
text, and the time Chromium takes from navigation to the first page of cards drawn. Targets
(issue: the report): opens in < 3 s at 10k pairs; < 2 MB before the pairs' own text.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

from aligner.annotation.report import html
from aligner.api import align
from aligner.settings import Settings


def many(records: list[dict], count: int) -> list[dict]:
    out = []
    while len(out) < count:
        copy = len(out) // len(records)
        for record in records[:count - len(out)]:
            r = json.loads(json.dumps(record))
            r["pair_id"] = f"{copy:08x}{r['pair_id'][8:]}"
            r["english"]["id"] += f"#{copy}"
            r["greek"]["id"] += f"#{copy}"
            r["event"] = r["event"] and f"{r['event']}-{copy}"
            out.append(r)
    return out


def own(page: str) -> int:
    """Bytes of the strings the pairs brought (texts, ids, handles, authors, dates, matched names)
    in the page's data, as JSON writes them."""
    data = json.loads(page.split('<script type="application/json" id="data">')[1].split("</script>")[0])

    def strings(value) -> int:
        if isinstance(value, str):
            return len(json.dumps(value, ensure_ascii=False).encode())
        if isinstance(value, dict):  # "why" is the page's own summary of the evidence, not the pairs' text
            return sum(strings(v) for k, v in value.items() if k != "why")
        if isinstance(value, list):
            return sum(strings(v) for v in value)
        return 0
    return strings(data["cards"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    args = parser.parse_args()
    base = align([ROOT / "examples"], settings=Settings(include_rejected=True)).records()
    records = many(base, args.pairs)
    started = time.perf_counter()
    page = html(records)
    built = time.perf_counter() - started
    size = len(page.encode())
    print(f"{len(records)} pairs: built in {built:.2f} s; {size / 1e6:.2f} MB; {(size - own(page)) / 1e6:.2f} MB "
          f"without the pairs' own strings (texts, ids, names, dates); the page itself (no pairs) "
          f"{len(html([]).encode()) / 1e3:.0f} kB")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("no chromium on PATH: the opening time needs it")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        path = Path(folder) / "report.html"
        path.write_text(page, encoding="utf-8")
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        tab = browser.new_page()
        started = time.perf_counter()
        tab.goto(path.as_uri())
        tab.wait_for_selector("article.card")
        opened = time.perf_counter() - started
        started = time.perf_counter()
        tab.fill("#search", "ierapetra")
        tab.wait_for_function("document.querySelectorAll('article.card').length > 0")
        searched = time.perf_counter() - started
        browser.close()
    print(f"opened in {opened:.2f} s (navigation to the first cards drawn); a search over all of them "
          f"{searched:.2f} s")


if __name__ == "__main__":
    main()
