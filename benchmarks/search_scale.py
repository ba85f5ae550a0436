"""Candidate search at scale: time, peak RSS and recall@k of `aligner.scoring.index.search_both_ways`.

    python benchmarks/search_scale.py [--sizes 10000,100000,1000000] [--data random|clustered] [--k 4]
                                      [--index IVF1264,Flat]

Stand-in vectors, d=384, n per side, written in chunks to memory-mapped files. ``random``: uniform
unit vectors, the issue's stand-in, and the worst case for any approximate index (no point has
a near neighbour, so IVF/HNSW recall collapses); ``clustered``: unit vectors around n/20 random
centres, closer to real sentence embeddings. The baseline is what the reference tools do:
`faiss.IndexFlatIP` over the pool, all queries, both ways; where that takes too long it is
timed on a query sample and extrapolated (marked ~). Recall@k is measured on 1,000 queries
against exact search. Each size runs in its own process, so peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

D = 384
CHUNK = 100_000
SAMPLE = 1_000
EXACT_FULL_UP_TO = 20_000  # above this the baseline is timed on a sample and extrapolated


def make_vectors(path: Path, n: int, kind: str, seed: int, centres: np.ndarray | None) -> np.ndarray:
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, D))
    rng = np.random.default_rng(seed)
    for start in range(0, n, CHUNK):
        rows = min(CHUNK, n - start)
        x = rng.standard_normal((rows, D), dtype=np.float32)
        if kind == "clustered":
            x = centres[rng.integers(0, len(centres), rows)] + 0.5 * x  # cosine to own centre ~0.9
        out[start:start + rows] = x / np.linalg.norm(x, axis=1, keepdims=True)
    out.flush()
    return np.load(path, mmap_mode="r")


def run_size(n: int, kind: str, k: int, tmp: str, factory: str | None) -> dict:
    import faiss

    from aligner.scoring import index

    centres = np.random.default_rng(99).standard_normal((max(1, n // 20), D)).astype(np.float32) \
        if kind == "clustered" else None
    statements = make_vectors(Path(tmp, "s.npy"), n, kind, 1, centres)
    tweets = make_vectors(Path(tmp, "t.npy"), n, kind, 2, centres)
    del centres
    started = time.perf_counter()
    (_, t_ids), _ = index.search_both_ways(tweets, statements, k, factory)
    ours = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the baseline's index

    sample = np.sort(np.random.default_rng(3).choice(n, size=min(n, SAMPLE), replace=False))
    exact = faiss.IndexFlatIP(D)
    for start in range(0, n, CHUNK):
        exact.add(np.ascontiguousarray(statements[start:start + CHUNK]))
    queries = tweets if n <= EXACT_FULL_UP_TO else np.ascontiguousarray(tweets[sample])
    started = time.perf_counter()
    _, gold = exact.search(np.ascontiguousarray(queries), k)
    baseline = 2 * (time.perf_counter() - started) * n / len(queries)  # both ways, same cost
    gold_sample = gold[sample] if n <= EXACT_FULL_UP_TO else gold
    recall = float(np.mean([len(set(a) & set(b)) / k for a, b in zip(t_ids[sample], gold_sample)]))
    return {"n": n, "factory": index.search_plan(n, n, factory), "ours_s": ours, "baseline_s": baseline,
            "baseline_extrapolated": n > EXACT_FULL_UP_TO, "recall": recall,
            "peak_rss_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="vectors per side, comma-separated")
    parser.add_argument("--data", choices=("random", "clustered"), default="random")
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--index", help="FAISS index_factory string instead of the size-based choice")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(run_size(args.child, args.data, args.k, tmp, args.index)))
        return
    print(f"data {args.data}, d={D}, k={args.k}, both directions; baseline faiss.IndexFlatIP")
    print(f"{'n per side':>11}{'index':>24}{'ours s':>9}{'baseline s':>12}{'ratio':>7}"
          f"{'recall@k':>10}{'peak RSS MB':>13}")
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"n={n}...", file=sys.stderr, flush=True)
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "--data", args.data, "--k", str(args.k),
                              *(["--index", args.index] if args.index else [])],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        base = f"{'~' if r['baseline_extrapolated'] else ''}{r['baseline_s']:.1f}"
        print(f"{r['n']:>11}{r['factory']:>24}{r['ours_s']:>9.1f}{base:>12}{r['baseline_s'] / r['ours_s']:>7.2f}"
              f"{r['recall']:>10.3f}{r['peak_rss_mb']:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
