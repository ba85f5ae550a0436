"""What the evidence stage costs within a run that embeds everything (no vector cache).

    python benchmarks/evidence_cost.py

Runs align() with cache=False on the public pools of benchmarks/run_all.py (no partners, 100
sparse pairs, the full mining pool, the articles with bursts) and prints each stage's seconds
(RunStats.stages) and the evidence's share of the run. Target: <= 15%.
"""

from __future__ import annotations

import common

from aligner.api import align
from aligner.settings import Settings
from embeddings import Encoder

UNCACHED = Settings(cache=False)


def main() -> None:
    common.require(common.DATA)
    encoder = Encoder(None)
    greek, tweets, eng = common.mining_pools()
    runs = {
        "no partners": lambda: common.align_streams(encoder, *common.null_set(), UNCACHED),
        "sparse, 100 pairs": lambda: common.align_streams(encoder, *common.sparse_set(100), UNCACHED),
        "mining": lambda: common.align_streams(encoder, greek, common.flores_units(eng) + tweets, UNCACHED),
        "articles with bursts": lambda: align(common.article_sets()[3], settings=UNCACHED, encoder=encoder),
    }
    print(f"{common.cpu_name()}, {encoder.backend} {encoder.precision}, no vector cache\n")
    print("| run | texts | read s | embed and search s | evidence s | decide s | total s | evidence share |")
    print("|---|---|---|---|---|---|---|---|")
    for name, run in runs.items():
        stats = run().stats
        stages = stats.stages
        print(f"| {name} | {stats.statements + stats.tweets} | {stages['read']:.1f} | {stages['embed and search']:.1f} "
              f"| {stages['evidence']:.1f} | {stages['decide']:.1f} | {stats.seconds:.1f} | "
              f"{stages['evidence'] / stats.seconds:.1%} |", flush=True)


if __name__ == "__main__":
    main()
