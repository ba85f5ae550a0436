"""Which FAISS index for which pool size, and k-NN search over it (inner product = cosine)."""

from __future__ import annotations

import math

import faiss
import numpy as np

EXACT_UP_TO = 200_000  # rows; below this, exact search is fast enough on two cores
SEARCH_BATCH = 16_384  # query rows per search call, so memory grows with the index only


def index_factory_for(size: int) -> str:
    """Exact search for small pools; an inverted file with sqrt-sized lists for large ones."""
    if size <= EXACT_UP_TO:
        return "Flat"
    return f"IVF{4 * int(math.sqrt(size))},Flat"


def build_index(pool: np.ndarray, factory: str | None = None) -> faiss.Index:
    factory = factory or index_factory_for(len(pool))
    index = faiss.index_factory(pool.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        rng = np.random.default_rng(0)  # fixed sample: the same inputs give the same index
        sample = pool[np.sort(rng.choice(len(pool), size=min(len(pool), 256 * index.nlist)
                                         if hasattr(index, "nlist") else len(pool), replace=False))]
        index.train(sample)
    index.add(pool)
    if hasattr(index, "nprobe"):
        index.nprobe = max(1, index.nlist // 16)
    return index


def search(pool: np.ndarray, queries: np.ndarray, k: int,
           factory: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cosines and row ids of each query's k nearest pool rows, best first."""
    index = build_index(np.ascontiguousarray(pool, dtype=np.float32), factory)
    sims, ids = [], []
    for start in range(0, len(queries), SEARCH_BATCH):
        batch = np.ascontiguousarray(queries[start:start + SEARCH_BATCH], dtype=np.float32)
        s, i = index.search(batch, k)
        sims.append(s)
        ids.append(i)
    return np.concatenate(sims), np.concatenate(ids)
