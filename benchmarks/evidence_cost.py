"""What the evidence stage costs within a run that embeds everything (no vector cache).

    python benchmarks/evidence_cost.py

Runs align() with cache=False on the public pools of benchmarks/run_all.py (no partners, 100
sparse pairs, the full mining pool, the articles with bursts) and prints each stage's seconds
(RunStats.stages) and the evidence's share of the run. Target: <= 15%.
"""

from __future__ import annotations

import platform
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from aligner.api import align

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_all import BASE, DATA, Embedder, _align_streams, article_sets, mining_pools  # noqa: E402

UNCACHED = replace(BASE, cache=False)


def cpu() -> str:
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return platform.processor() or "unknown CPU"


def main() -> None:
    if not DATA.is_dir():
        sys.exit(f"{DATA} is absent: the evaluation data lives in ../shared/data beside the repository")
    embed = Embedder(None)
    greek, tweets, eng = mining_pools()
    elner = [g for g in greek if not g["id"].startswith("flores:")]
    flores = {g["id"]: g for g in greek if g["id"].startswith("flores:")}
    lines = sorted(random.Random(100).sample(range(len(eng)), 100))
    runs = {
        "no partners": lambda: _align_streams(embed, elner, tweets, UNCACHED),
        "sparse, 100 pairs": lambda: _align_streams(embed, [flores[f"flores:{i}"] for i in lines] + elner,
                                                    [{"id": f"flores:{i}", "text": eng[i]} for i in lines] + tweets,
                                                    UNCACHED),
        "mining": lambda: _align_streams(embed, greek, [{"id": f"flores:{i}", "text": t} for i, t in enumerate(eng)]
                                         + tweets, UNCACHED),
        "articles with bursts": lambda: align(article_sets()[3], settings=UNCACHED, encoder=embed.encoder),
    }
    print(f"{cpu()}, {embed.encoder.backend} {embed.encoder.precision}, no vector cache\n")
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
