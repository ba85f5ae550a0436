"""End-to-end `aligner align`: a cold run, then the same run with a warm embedding cache.

    python benchmarks/end_to_end.py [--texts 1000] [--examples]

Input: ``--texts`` Greek posts and English tweets (half each) from ../shared/data/mp_tweets_gr_en
as --greek/--english streams (corpus scope), or with ``--examples`` the articles in examples/.
The vector cache starts empty (a fresh cache folder that shares the built and converted model); the runs
are `--no-cache` (what every run cost before the cache), cold (embeds and fills the cache),
warm (same command again). The outputs must be byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import DATA, ROOT, fresh_cache

TWEETS = DATA / "mp_tweets_gr_en"


def write_streams(folder: Path, n: int) -> list[str]:
    for name, out in (("gr_combined.csv", "greek.txt"), ("en_combined.csv", "english.txt")):
        with open(TWEETS / name, encoding="utf-8", newline="") as handle:
            texts = [" ".join(row["full_text"].split()) for row in csv.DictReader(handle)][:n // 2]
        (folder / out).write_text("\n".join(texts) + "\n", encoding="utf-8")
    return ["--greek", str(folder / "greek.txt"), "--english", str(folder / "english.txt")]


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=1000, help="texts in all, half Greek, half English")
    parser.add_argument("--examples", action="store_true", help="use examples/ instead of ../shared/data")
    args = parser.parse_args()
    if not args.examples and not TWEETS.is_dir():
        sys.exit(f"{TWEETS} is absent: this benchmark needs ../shared/data beside the repository "
                 "(or run it with --examples)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "ALIGNER_CACHE_DIR": str(fresh_cache(folder / "cache"))}
        inputs = [str(ROOT / "examples")] if args.examples else write_streams(folder, args.texts)
        align = [sys.executable, "-c", "from aligner.cli import app; app()", "align", *inputs, "-q"]
        runs = {}
        for name, extra in (("no cache", ["--no-cache"]), ("cold", []), ("warm", [])):
            print(f"{name}...", file=sys.stderr, flush=True)
            runs[name] = timed([*align, *extra, "-o", str(folder / f"{name}.jsonl")], env)
        identical = all(filecmp.cmp(folder / "cold.jsonl", folder / f"{n}.jsonl", shallow=False)
                        for n in ("no cache", "warm"))
        pairs = sum(1 for _ in open(folder / "cold.jsonl", encoding="utf-8"))
    source = "examples/" if args.examples else f"{args.texts} texts from mp_tweets_gr_en (corpus scope)"
    print(f"input: {source}; {pairs} pairs written")
    print(f"{'run':<10}{'seconds':>9}{'vs no-cache':>13}")
    for name, seconds in runs.items():
        print(f"{name:<10}{seconds:>9.1f}{runs['no cache'] / seconds:>12.1f}x")
    print(f"cold / warm: {runs['cold'] / runs['warm']:.1f}x; outputs byte-identical: {identical}")


if __name__ == "__main__":
    main()
