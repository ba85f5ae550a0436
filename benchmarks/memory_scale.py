"""Peak memory of a whole `aligner align` run as the input grows (target: 200k x 50k under 3 GB).

    python benchmarks/memory_scale.py [--sizes 20000x5000,200000x50000]

Input, per size STATEMENTSxTWEETS: real-length texts from ../shared/data as --greek and --english
JSONL streams (corpus scope). Statements are the Greek sentences of elNER newswire, FLORES,
Tatoeba and the MP posts; tweets are the English MP tweets, FLORES and Tatoeba sentences. There
are fewer distinct texts than units, so the texts are cycled: every copy is its own unit in the
spools and in the output. Since 1.1 copies are folded before mining (aligner.scoring.distinct), so the
vector matrices and the search index hold only the distinct texts; the search at full size is
measured by benchmarks/search_scale.py. The table says how many distinct texts were embedded.

The sizes run in order and share one fresh vector cache. Each size runs `aligner align` twice
in fresh processes: first (the model loads and embeds the distinct texts that no smaller size
had; the table says how many) and again (every vector comes from the cache). Peak RSS is the
child's own maximum resident set (`os.wait4`); memory-mapped vector pages count in it.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import cycle, islice
from pathlib import Path

from common import DATA, fresh_cache, require, write_jsonl

GREEK = ["elner_greek_news/elner4_dev.sentences.el.txt", "elner_greek_news/elner4_test.sentences.el.txt",
         "flores200_devtest_ell_eng/ell_Grek.devtest", "tatoeba_challenge_ell_eng/tatoeba-test-v2021-08-07.ell",
         "mp_tweets_gr_en/gr_combined.csv"]
ENGLISH = ["mp_tweets_gr_en/en_combined.csv", "flores200_devtest_ell_eng/eng_Latn.devtest",
           "tatoeba_challenge_ell_eng/tatoeba-test-v2021-08-07.eng"]


def read_texts(names: list[str]) -> list[str]:
    """Distinct non-blank texts, in file order."""
    texts: dict[str, None] = {}
    for name in names:
        path = DATA / name
        with open(path, encoding="utf-8", newline="") as handle:
            rows = (row["full_text"] for row in csv.DictReader(handle)) if path.suffix == ".csv" else handle
            texts.update((" ".join(row.split()), None) for row in rows if row.strip())
    return list(texts)


def cycled(texts: list[str], n: int, prefix: str) -> Iterator[dict]:
    """``n`` units with ids PREFIX0, PREFIX1, ..., cycling through ``texts``."""
    return ({"id": f"{prefix}{number}", "text": text} for number, text in enumerate(islice(cycle(texts), n)))


def peak_run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20000x5000,200000x50000", help="STATEMENTSxTWEETS, comma-separated")
    args = parser.parse_args()
    require(DATA)
    greek, english = read_texts(GREEK), read_texts(ENGLISH)
    print(f"{len(greek)} distinct Greek texts (mean {sum(map(len, greek)) / len(greek):.0f} chars), "
          f"{len(english)} distinct English texts (mean {sum(map(len, english)) / len(english):.0f} chars)")
    print(f"{'statements':>11}{'tweets':>8}{'embedded':>10}{'first s':>9}{'first peak MB':>15}"
          f"{'again s':>9}{'again peak MB':>15}{'pairs':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "ALIGNER_CACHE_DIR": str(fresh_cache(folder / "cache")), "TMPDIR": tmp}
        aligner = [sys.executable, "-c", "from aligner.cli import app; app()"]
        for size in args.sizes.split(","):
            n_statements, n_tweets = (int(part) for part in size.lower().split("x"))
            write_jsonl(folder / "greek.jsonl", cycled(greek, n_statements, "g"))
            write_jsonl(folder / "english.jsonl", cycled(english, n_tweets, "t"))
            align = [*aligner, "align", "--greek", str(folder / "greek.jsonl"),
                     "--english", str(folder / "english.jsonl"), "-q"]
            cached = cache_entries(aligner, env)
            first_s, first_mb = peak_run([*align, "-o", str(folder / "first.jsonl")], env)
            embedded = cache_entries(aligner, env) - cached
            again_s, again_mb = peak_run([*align, "-o", str(folder / "again.jsonl")], env)
            if not filecmp.cmp(folder / "first.jsonl", folder / "again.jsonl", shallow=False):
                sys.exit(f"{size}: the run from the cache wrote other pairs")
            pairs = sum(1 for _ in open(folder / "again.jsonl", encoding="utf-8"))
            print(f"{n_statements:>11}{n_tweets:>8}{embedded:>10}{first_s:>9.0f}{first_mb:>15.0f}"
                  f"{again_s:>9.0f}{again_mb:>15.0f}{pairs:>8}", flush=True)


def cache_entries(aligner: list[str], env: dict[str, str]) -> int:
    info = subprocess.run([*aligner, "cache", "info", "--json"], env=env, check=True,
                          capture_output=True, text=True).stdout
    return json.loads(info)["entries"]

if __name__ == "__main__":
    main()
