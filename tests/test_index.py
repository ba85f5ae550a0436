"""Index choice by pool size, approximate recall against exact search, determinism."""

from __future__ import annotations

import numpy as np

from aligner.index import EXACT_UP_TO, build_index, index_factory_for, search


def clustered(n: int, d: int = 32, clusters: int = 50, seed: int = 0) -> np.ndarray:
    """Unit vectors around random centres: structure like real embeddings have (uniform random
    vectors in high dimension have no near neighbours for any approximate index to find)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, d))
    x = centres[rng.integers(0, clusters, n)] + 0.5 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_factory_by_size():
    assert index_factory_for(10) == "Flat"
    assert index_factory_for(EXACT_UP_TO) == "Flat"
    assert index_factory_for(1_000_000) == "IVF4000,Flat"


def test_forced_ivf_recall_and_determinism():
    pool, queries = clustered(20_000), clustered(500, seed=1)
    _, exact = search(pool, queries, 4, "Flat")
    _, approx = search(pool, queries, 4, "IVF256,Flat")
    recall = np.mean([len(set(a) & set(b)) / 4 for a, b in zip(approx, exact)])
    assert recall >= 0.9, recall  # measured 0.945
    _, again = search(pool, queries, 4, "IVF256,Flat")
    np.testing.assert_array_equal(approx, again)
    assert build_index(pool, "IVF256,Flat").nprobe == 16


def test_exact_search_is_brute_force():
    pool, queries = clustered(1000), clustered(20, seed=2)
    sims, ids = search(pool, queries, 3)
    brute = np.argsort(-(queries @ pool.T), axis=1)[:, :3]
    np.testing.assert_array_equal(ids, brute)
    np.testing.assert_allclose(sims, np.take_along_axis(queries @ pool.T, brute, axis=1), rtol=1e-5)


def test_memory_mapped_pool(tmp_path):
    pool = clustered(3000)
    mapped = np.lib.format.open_memmap(tmp_path / "pool.npy", mode="w+", dtype=np.float32, shape=pool.shape)
    mapped[:] = pool
    np.testing.assert_array_equal(search(mapped, pool[:10], 2)[1], search(pool, pool[:10], 2)[1])
