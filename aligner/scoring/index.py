"""Which index for which pool, and k-NN search over it (inner product = cosine).

Matching searches both ways (tweets among statements, statements among tweets). That is exact
while affordable (rows of one side x rows of the other up to EXACT_BUDGET). Beyond it both
sides share one inverted file (IVF): k-means splits the vector space into about 4·sqrt(n)
lists, and each row is scored exactly against the other side's rows in the 16 lists nearest
to it.

FAISS scans an IVF query by query, re-reading each probed list from memory for every query;
with a million queries that memory traffic is the whole cost (1M x 1M both ways: 1,105 s;
list by list, below: 407 s at recall@4 0.977, benchmarks/search_scale.py).
`_scan` turns the loop inside out: for each list, all the queries that probe it are scored in
one matrix product, so BLAS does the work at full speed. The lists are trained and each row's
nearest lists found once, for both directions. The cosines are exact; only rows outside the
probed lists are missed (recall@k in docs/speed.md).

Any FAISS ``index_factory`` string can be given instead (``--index``): FAISS then searches it,
with IVF and HNSW search parameters set as here. Training samples are fixed random draws, so
the same inputs give the same lists and the same neighbours. Pools and queries may be
memory-mapped: they are read in batches, so memory grows with the index, not with the queries.

Queries are searched in shards, through a ``ShardMap``: one after another here, or as Ray tasks
(`aligner.engines.ray`). Whatever the shards, each neighbour's cosine is then computed again as
one dot product of the two rows, and the neighbours ordered by it: a matrix product's rounding
depends on how many rows it multiplies at once, a row-by-row dot product's does not, so the
cosines are the same bytes however the queries are cut. (Which rows make the top k is still the
search's choice; only a near-tie within 1e-7 at the k-th place could go the other way. With a
compressed index, PQ or SQ, the cosines reported are the exact ones, not the index's estimates.)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import faiss
import numpy as np

from aligner.errors import InputError

EXACT_UP_TO = 20_000                # a side this small is always searched exactly
EXACT_BUDGET = 10_000_000_000       # rows x rows searched exactly (~3 min both ways on 2 cores)
SEARCH_BATCH = 16_384               # query rows per FAISS search call
LIST_SCAN_BATCH = 262_144           # query rows per pass over the inverted lists
ADD_BATCH = 65_536                  # pool rows copied into an index at a time
TRAIN_PER_LIST = 64                 # k-means sample per inverted list (40: 1M recall@4 0.950, 64: see docs/speed.md)
NPROBE = 16                         # lists probed per query: see docs/speed.md
HNSW_EF_SEARCH = 128


# Calls fn(*shared, *shard) for each shard and yields the results in shard order.
ShardMap = Callable[[Callable[..., Any], tuple, Iterable[tuple]], Iterator[Any]]


def in_process(fn: Callable[..., Any], shared: tuple, shards: Iterable[tuple]) -> Iterator[Any]:
    """The local engine's ``ShardMap``: each shard in turn, in this process."""
    return (fn(*shared, *shard) for shard in shards)


def _lists_for(size: int) -> int:
    return 4 * int(math.sqrt(size))


def search_both_ways(a: np.ndarray, b: np.ndarray, k: int, factory: str | None = None,
                     map_shards: ShardMap = in_process
                     ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(cosines, ids) of each ``a`` row's k nearest ``b`` rows, and of each ``b`` row's in ``a``.

    Exact when ``len(a) * len(b)`` is affordable, else a shared IVF (module docstring); a
    ``factory`` string makes FAISS search that index instead, each way.
    """
    if factory is None and search_plan(len(a), len(b)) != "Flat":
        return _ivf_both_ways(a, b, k, _lists_for(max(len(a), len(b))), map_shards)
    try:
        return (search(b, a, min(k, len(b)), factory or "Flat", map_shards),
                search(a, b, min(k, len(a)), factory or "Flat", map_shards))
    except RuntimeError as exc:
        if factory is None:
            raise
        raise InputError(f"--index {factory!r}: {faiss_reason(exc)}") from None


def check_factory(factory: str, dimension: int, rows: int) -> None:
    """Refuse, before any embedding, a factory string FAISS cannot parse or an inverted file with
    more lists than the smaller side has rows to train them."""
    try:
        index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as exc:
        raise InputError(f"--index {factory!r}: {faiss_reason(exc)}") from None
    ivf = _ivf(index)
    if ivf is not None and ivf.nlist > rows:
        raise InputError(f"--index {factory!r}: {ivf.nlist} lists need at least as many rows to train on; "
                         f"the smaller side has {rows}")


def faiss_reason(exc: RuntimeError) -> str:
    """The sentence of a FAISS error, without its C++ location ("Error in ... at x.cpp:66: ...")."""
    found = re.search(r"\.cpp:\d+: (?:Error: '.*?' failed: )?(.*)", str(exc), re.DOTALL)
    return (found.group(1) if found else str(exc)).strip().splitlines()[0]


def search_plan(a_rows: int, b_rows: int, factory: str | None = None) -> str:
    """What `search_both_ways` does for sides of these sizes: ``Flat`` (exact), the shared IVF
    (``IVF<lists>,Flat by list``), or the FAISS ``factory`` given."""
    if factory is not None:
        return factory
    if a_rows * b_rows <= EXACT_BUDGET or min(a_rows, b_rows) <= EXACT_UP_TO:
        return "Flat"
    return f"IVF{_lists_for(max(a_rows, b_rows))},Flat by list"


def search(pool: np.ndarray, queries: np.ndarray, k: int, factory: str = "Flat",
           map_shards: ShardMap = in_process) -> tuple[np.ndarray, np.ndarray]:
    """Cosines and row ids of each query's k nearest pool rows, best first, with FAISS."""
    sims = np.empty((len(queries), k), dtype=np.float32)
    ids = np.empty((len(queries), k), dtype=np.int64)
    if sims.size == 0:
        return sims, ids
    starts = range(0, len(queries), SEARCH_BATCH)
    shards = ((queries[start:start + SEARCH_BATCH], k) for start in starts)
    index = None if factory == "Flat" else build_index(pool, factory)  # exact: the pool is the index
    for start, (shard_sims, shard_ids) in zip(starts, map_shards(_search_shard, (index, pool), shards)):
        sims[start:start + len(shard_sims)], ids[start:start + len(shard_ids)] = shard_sims, shard_ids
    return sims, ids


def _search_shard(index: faiss.Index | None, pool: np.ndarray, queries: np.ndarray,
                  k: int) -> tuple[np.ndarray, np.ndarray]:
    """A shard of queries against ``index``, or against ``pool`` exactly when there is none."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    found = index.search(queries, k) if index is not None else \
        faiss.knn(queries, np.ascontiguousarray(pool, dtype=np.float32), k, metric=faiss.METRIC_INNER_PRODUCT)
    return exact_order(queries, pool, *found)


def exact_order(queries: np.ndarray, pool: np.ndarray, sims: np.ndarray, ids: np.ndarray,
                batch: int = 4_096) -> tuple[np.ndarray, np.ndarray]:
    """Each found neighbour's cosine as a row-by-row dot product, and the neighbours sorted by it
    (module docstring); entries with id -1 (none found) stay last as they were."""
    found = ids >= 0
    exact = np.empty(ids.shape, dtype=np.float32)
    for start in range(0, len(ids), batch):  # each query row read once for all its neighbours
        rows = slice(start, start + batch)
        exact[rows] = np.einsum("ij,ikj->ik", queries[rows], pool[np.where(found[rows], ids[rows], 0)])
    sims = np.where(found, exact, sims)
    order = np.lexsort((ids, -np.where(found, sims, 0), ~found), axis=1)
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(ids, order, axis=1)


def row_dots(a: np.ndarray, a_rows: np.ndarray, b: np.ndarray, b_rows: np.ndarray,
             batch: int = 65_536) -> np.ndarray:
    """``a[a_rows[i]] · b[b_rows[i]]`` for each i, a batch at a time: the matrices may be memory-mapped
    and the pairs many, so the gathered rows must not all be in memory at once. Each dot product
    is rounded the same way whatever else is in the batch."""
    out = np.empty(len(a_rows), dtype=np.float32)
    for start in range(0, len(a_rows), batch):
        rows = slice(start, start + batch)
        out[rows] = np.einsum("ij,ij->i", a[a_rows[rows]], b[b_rows[rows]])
    return out


def build_index(pool: np.ndarray, factory: str) -> faiss.Index:
    """A FAISS inner-product index over ``pool`` (float32 rows) made by ``factory``, trained and tuned."""
    index = _trained(pool, factory)
    for start in range(0, len(pool), ADD_BATCH):
        index.add(np.ascontiguousarray(pool[start:start + ADD_BATCH], dtype=np.float32))
    hnsw = getattr(index, "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = HNSW_EF_SEARCH
    return index


def _trained(sample: np.ndarray, factory: str) -> faiss.Index:
    """An empty index made by ``factory``, trained on a fixed draw of ``sample``'s rows."""
    index = faiss.index_factory(sample.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    ivf = _ivf(index)
    if not index.is_trained:
        lists = ivf.nlist if ivf is not None else 256
        rng = np.random.default_rng(0)  # fixed sample: the same inputs give the same index
        rows = np.sort(rng.choice(len(sample), size=min(len(sample), TRAIN_PER_LIST * lists), replace=False))
        if ivf is not None:
            ivf.cp.max_points_per_centroid = TRAIN_PER_LIST
        index.train(np.ascontiguousarray(sample[rows], dtype=np.float32))
    if ivf is not None:
        ivf.nprobe = min(NPROBE, ivf.nlist)
    return index


def _ivf(index: faiss.Index):
    """The inverted-file part of ``index`` (also inside a pre-transform or refine), else None."""
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def _ivf_both_ways(a: np.ndarray, b: np.ndarray, k: int, lists: int, map_shards: ShardMap
                   ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(1)
    half = TRAIN_PER_LIST * lists // 2  # trained on both sides: the lists must fit both
    sample = np.concatenate([a[np.sort(rng.choice(len(a), min(len(a), half), replace=False))],
                             b[np.sort(rng.choice(len(b), min(len(b), half), replace=False))]])
    ivf = _trained(sample, f"IVF{lists},Flat")  # holds its quantizer: keep it alive while in use
    del sample
    nprobe = min(NPROBE, lists)
    quantizer = faiss.extract_index_ivf(ivf).quantizer
    a_lists, b_lists = _nearest_lists(quantizer, a, nprobe), _nearest_lists(quantizer, b, nprobe)
    return (_scan(a, a_lists, b, b_lists[:, 0], lists, k, map_shards),
            _scan(b, b_lists, a, a_lists[:, 0], lists, k, map_shards))


def _nearest_lists(quantizer: faiss.Index, rows: np.ndarray, count: int) -> np.ndarray:
    out = np.empty((len(rows), count), dtype=np.int64)
    for start in range(0, len(rows), SEARCH_BATCH):
        batch = np.ascontiguousarray(rows[start:start + SEARCH_BATCH], dtype=np.float32)
        out[start:start + len(batch)] = quantizer.search(batch, count)[1]
    return out


def _scan(queries: np.ndarray, probes: np.ndarray, pool: np.ndarray, home: np.ndarray, lists: int,
          k: int, map_shards: ShardMap = in_process) -> tuple[np.ndarray, np.ndarray]:
    """Each query's k best pool rows among those whose ``home`` list the query ``probes``
    (ties: the row first in list order)."""
    members = np.argsort(home, kind="stable")  # pool rows grouped by list, ascending within each
    bounds = np.searchsorted(home[members], np.arange(lists + 1))
    vectors = np.ascontiguousarray(pool[members], dtype=np.float32)  # the index: rows in list order
    sims = np.empty((len(queries), k), dtype=np.float32)
    ids = np.empty((len(queries), k), dtype=np.int64)
    starts = range(0, len(queries), LIST_SCAN_BATCH)
    shards = ((queries[start:start + LIST_SCAN_BATCH], probes[start:start + LIST_SCAN_BATCH], k) for start in starts)
    for start, (shard_sims, positions) in zip(starts, map_shards(_scan_shard, (vectors, bounds), shards)):
        rows = slice(start, start + len(positions))
        sims[rows], ids[rows] = shard_sims, np.where(positions >= 0, members[positions], -1)
    return sims, ids


def _scan_shard(vectors: np.ndarray, bounds: np.ndarray, queries: np.ndarray, probes: np.ndarray,
                k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosines and positions in ``vectors`` of each query's k best rows in its probed lists."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    return exact_order(queries, vectors, *_scan_batch(queries, probes, vectors, bounds, k))


def _scan_batch(queries: np.ndarray, probes: np.ndarray, vectors: np.ndarray, bounds: np.ndarray,
                k: int) -> tuple[np.ndarray, np.ndarray]:
    """k best per (query, probed list), one matrix product per list; then k best per query."""
    nprobe = probes.shape[1]
    best = np.full((len(queries), nprobe * k), -np.inf, dtype=np.float32)
    best_ids = np.full((len(queries), nprobe * k), -1, dtype=np.int64)
    by_list = np.argsort(probes.ravel(), kind="stable")  # (query, probe) entries grouped by list
    starts = np.searchsorted(probes.ravel()[by_list], np.arange(len(bounds)))
    for lst in range(len(bounds) - 1):
        entries = by_list[starts[lst]:starts[lst + 1]]
        first, last = bounds[lst], bounds[lst + 1]
        if len(entries) == 0 or first == last:
            continue
        rows, slots = np.divmod(entries, nprobe)
        scores = queries[rows] @ vectors[first:last].T
        kk = min(k, last - first)
        top = np.argpartition(-scores, kk - 1, axis=1)[:, :kk] if kk < last - first \
            else np.broadcast_to(np.arange(kk), (len(rows), kk))
        columns = slots[:, None] * k + np.arange(kk)
        best[rows[:, None], columns] = np.take_along_axis(scores, top, axis=1)
        best_ids[rows[:, None], columns] = first + top
    order = np.argsort(-best, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(best, order, axis=1), np.take_along_axis(best_ids, order, axis=1)
