"""What the exact re-scoring of neighbours (`aligner.scoring.index.exact_order`) costs within a search.

    python benchmarks/exact_rescoring.py [--sizes 100000,300000]

Clustered stand-in unit vectors (d=384, n/20 centres), n per side, searched both ways
k + BURST_DEPTH deep as `aligner.scoring.match` does; prints the search's wall time and the share of it
spent re-scoring. Run on a quiet machine; name the CPU (lscpu) with the figures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from aligner.scoring import index
from aligner.scoring.match import BURST_DEPTH
from aligner.settings import DEFAULT_K


def clustered(n: int, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
    x = centres[rng.integers(0, len(centres), n)] + 0.5 * rng.standard_normal((n, centres.shape[1])).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000", help="vectors per side, comma-separated")
    args = parser.parse_args()
    rescoring: list[float] = []
    exact_order = index.exact_order

    def timed(*parts):
        started = time.perf_counter()
        result = exact_order(*parts)
        rescoring.append(time.perf_counter() - started)
        return result

    index.exact_order = timed  # the search looks it up at call time
    for n in (int(size) for size in args.sizes.split(",")):
        rng = np.random.default_rng(0)
        centres = rng.standard_normal((n // 20, 384)).astype(np.float32)
        a, b = clustered(n, rng, centres), clustered(n, rng, centres)
        rescoring.clear()
        started = time.perf_counter()
        index.search_both_ways(a, b, DEFAULT_K + BURST_DEPTH)
        total = time.perf_counter() - started
        print(f"n={n} per side ({index.search_plan(n, n)}): search both ways {total:.1f} s, "
              f"exact re-scoring {sum(rescoring):.1f} s ({100 * sum(rescoring) / total:.1f}%)")


if __name__ == "__main__":
    main()
