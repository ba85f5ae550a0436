"""Peak memory of a whole `aligner align` run as the input grows (target: 200k x 50k under 3 GB).

    python benchmarks/memory_scale.py [--sizes 20000x5000,200000x50000]

Input, per size STATEMENTSxTWEETS: real-length texts from ../shared/data as --greek and --english
JSONL streams (corpus scope). Statements are the Greek sentences of elNER newswire, FLORES,
Tatoeba and the MP posts; tweets are the English MP tweets, FLORES and Tatoeba sentences. There
are fewer distinct texts than units, so the texts are cycled: every copy is its own unit, its
own row in the vector matrices and in the search index, and only the embedding work is shared.
The table says how many distinct texts were embedded.

Each size runs `aligner align` twice in fresh processes with a fresh vector cache: cold (the
model loads and embeds every distinct text) and warm (every vector comes from the cache). Peak
RSS is the child's own maximum resident set (`os.wait4`); memory-mapped vector pages count in it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
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


def write_stream(path: Path, texts: list[str], n: int, prefix: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for number, text in enumerate(islice(cycle(texts), n)):
            out.write(json.dumps({"id": f"{prefix}{number}", "text": text}, ensure_ascii=False) + "\n")


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
    if not DATA.is_dir():
        sys.exit(f"{DATA} is absent: this benchmark needs ../shared/data beside the repository")
    from embeddings.default_model import cache_root, prepare_default_model

    prepare_default_model()  # converting the model is a one-off, not part of either run
    greek, english = read_texts(GREEK), read_texts(ENGLISH)
    print(f"{len(greek)} distinct Greek texts (mean {sum(map(len, greek)) / len(greek):.0f} chars), "
          f"{len(english)} distinct English texts (mean {sum(map(len, english)) / len(english):.0f} chars)")
    print(f"{'statements':>11}{'tweets':>8}{'distinct':>10}{'cold s':>8}{'cold peak MB':>14}"
          f"{'warm s':>8}{'warm peak MB':>14}{'pairs':>8}")
    for size in args.sizes.split(","):
        n_statements, n_tweets = (int(part) for part in size.lower().split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "cache").mkdir()
            (folder / "cache" / "models").symlink_to(cache_root() / "models")
            env = {**os.environ, "ALIGNER_CACHE_DIR": str(folder / "cache"), "TMPDIR": tmp}
            write_stream(folder / "greek.jsonl", greek, n_statements, "g")
            write_stream(folder / "english.jsonl", english, n_tweets, "t")
            align = [sys.executable, "-c", "from aligner.cli import app; app()", "align",
                     "--greek", str(folder / "greek.jsonl"), "--english", str(folder / "english.jsonl"), "-q"]
            cold_s, cold_mb = peak_run([*align, "-o", str(folder / "cold.jsonl")], env)
            warm_s, warm_mb = peak_run([*align, "-o", str(folder / "warm.jsonl")], env)
            pairs = sum(1 for _ in open(folder / "warm.jsonl", encoding="utf-8"))
            distinct = min(n_statements, len(greek)) + min(n_tweets, len(english))
        print(f"{n_statements:>11}{n_tweets:>8}{distinct:>10}{cold_s:>8.0f}{cold_mb:>14.0f}"
              f"{warm_s:>8.0f}{warm_mb:>14.0f}{pairs:>8}", flush=True)


if __name__ == "__main__":
    main()
