"""The Ray engine against the local one, on this machine, in the same run (issue 12's targets).

    python benchmarks/ray_engine.py [--json docs/scale.json]

1. Overhead: wall time of `align()` on the FLORES mining set (benchmarks/run_all.py's pools,
   corpus scope), embedding cache off, local engine against ``engine=RayEngine()``, whose timed
   call starts a local Ray with one worker per CPU and stops it. Target: at most 1.3x. The two
   outputs are compared byte for byte.
2. Embedding throughput on the same distinct texts: `encode_in_chunks` in this process against
   `encode_on_ray` on a running local Ray (one actor per CPU, one thread each), texts/s over the
   whole call, the actors' start-up and model loading included. Target: within 10% of the local
   engine. (Texts go longest first, so a rate between chunks is not a fair "steady state".)

Needs the [ray] extra and ../shared/data. Prints the CPU (lscpu) with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from common import cpu_name, flores_units, mining_pools, write_jsonl

from aligner.api import align, load_encoder
from aligner.engines.ray import RayEngine
from aligner.engines.ray_pool import encode_on_ray
from aligner.scoring.content import embedding_text
from aligner.settings import Settings
from embeddings.cache import encode_in_chunks
from embeddings.encoder import length_order


def mining_files(folder: Path) -> tuple[Path, Path, list[str]]:
    greek, tweets, english_lines = mining_pools()
    english = flores_units(english_lines) + tweets
    write_jsonl(folder / "greek.jsonl", greek)
    write_jsonl(folder / "english.jsonl", english)
    texts = sorted({g["text"] for g in greek} | {embedding_text(e["text"]) for e in english})
    return folder / "greek.jsonl", folder / "english.jsonl", texts


def overhead(greek: Path, english: Path) -> dict:
    settings = Settings(cache=False)
    walls, outputs = {}, {}
    for name, engine in (("local", "local"), ("ray", RayEngine())):
        started = time.perf_counter()
        result = align(greek=[greek], english=[english], settings=settings, engine=engine)
        walls[name] = time.perf_counter() - started
        outputs[name] = [json.dumps(record, ensure_ascii=False) for record in result.records()]
        print(f"  align, {name} engine: {walls[name]:.1f} s, {len(outputs[name])} pairs", file=sys.stderr)
    return {"local_s": round(walls["local"], 1), "ray_s": round(walls["ray"], 1),
            "ratio": round(walls["ray"] / walls["local"], 3), "pairs": len(outputs["local"]),
            "byte_identical": outputs["local"] == outputs["ray"]}


def throughput(texts: list[str]) -> dict:
    encoder = load_encoder(None)
    ordered = [texts[i] for i in length_order(encoder.lengths(texts))]
    started = time.perf_counter()
    for _ in encode_in_chunks(encoder, ordered):
        pass
    local = len(texts) / (time.perf_counter() - started)
    with RayEngine() as engine:
        actors = engine.pool_size()
        started = time.perf_counter()
        embedded = sum(len(vectors) for _, vectors in encode_on_ray(encoder, ordered, actors=actors))
        on_ray = embedded / (time.perf_counter() - started)
    figures = {"texts": len(texts), "local_texts_per_s": round(local, 1), "actors": actors,
               "ray_texts_per_s": round(on_ray, 1), "ray_texts_per_s_per_actor": round(on_ray / actors, 1),
               "ratio": round(on_ray / local, 3)}
    print(f"  embedding: {figures}", file=sys.stderr)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="Write the figures here as JSON.")
    args = parser.parse_args()
    machine = {"cpu": cpu_name(), "cpus": os.cpu_count()}
    print(f"CPU: {machine['cpu']}, {machine['cpus']} CPUs", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        greek, english, texts = mining_files(Path(folder))
        results = {"machine": machine, "overhead": overhead(greek, english), "embedding": throughput(texts)}
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
