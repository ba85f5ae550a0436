"""Which FAISS index for which pool size, and k-NN search over it (inner product = cosine).

Small pools are searched exactly. Large ones get an inverted file (IVF): about 4·sqrt(n) lists,
of which 16 are probed per query (recall@4 against exact search on clustered stand-in vectors
at 300k: 0.988 with 4 probes, 0.991 with 8, 0.994 with 16, 1.000 with 64; the time per query
grows with the probes; on the harder data of tests/test_index.py 16 of 256 lists give 0.945). Any FAISS
``index_factory`` string can be given instead (``--index``); IVF and HNSW search parameters are
then set the same way. The IVF training sample is a fixed random draw: the same inputs give the
same index and the same neighbours. Pools and queries may be memory-mapped arrays: they are
added and searched in batches, so memory grows with the index, not with the queries.
"""

from __future__ import annotations

import math

import faiss
import numpy as np

EXACT_UP_TO = 200_000   # pool rows; up to here exact search is affordable and has perfect recall
SEARCH_BATCH = 16_384   # query rows per search call
ADD_BATCH = 65_536      # pool rows copied into the index at a time
TRAIN_PER_LIST = 64     # k-means sample per inverted list (FAISS warns under 39)
NPROBE = 16             # lists probed per query: see the module docstring
HNSW_EF_SEARCH = 128


def index_factory_for(size: int) -> str:
    """Exact search for small pools; an inverted file with ~4·sqrt(n) lists for large ones."""
    if size <= EXACT_UP_TO:
        return "Flat"
    return f"IVF{4 * int(math.sqrt(size))},Flat"


def build_index(pool: np.ndarray, factory: str | None = None) -> faiss.Index:
    """An inner-product index over ``pool`` (float32 rows), trained and tuned for its size."""
    factory = factory or index_factory_for(len(pool))
    index = faiss.index_factory(pool.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    ivf = _ivf(index)
    if not index.is_trained:
        lists = ivf.nlist if ivf is not None else 256
        rng = np.random.default_rng(0)  # fixed sample: the same inputs give the same index
        rows = np.sort(rng.choice(len(pool), size=min(len(pool), TRAIN_PER_LIST * lists), replace=False))
        if ivf is not None:
            ivf.cp.max_points_per_centroid = TRAIN_PER_LIST
        index.train(np.ascontiguousarray(pool[rows], dtype=np.float32))
    for start in range(0, len(pool), ADD_BATCH):
        index.add(np.ascontiguousarray(pool[start:start + ADD_BATCH], dtype=np.float32))
    if ivf is not None:
        ivf.nprobe = min(NPROBE, ivf.nlist)
    hnsw = getattr(index, "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = HNSW_EF_SEARCH
    return index


def _ivf(index: faiss.Index):
    """The inverted-file part of ``index`` (also inside a pre-transform or refine), else None."""
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def search(pool: np.ndarray, queries: np.ndarray, k: int,
           factory: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cosines and row ids of each query's k nearest pool rows, best first."""
    index = build_index(pool, factory)
    sims = np.empty((len(queries), k), dtype=np.float32)
    ids = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), SEARCH_BATCH):
        batch = np.ascontiguousarray(queries[start:start + SEARCH_BATCH], dtype=np.float32)
        sims[start:start + len(batch)], ids[start:start + len(batch)] = index.search(batch, k)
    return sims, ids
