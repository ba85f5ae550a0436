"""Embedding on a Ray cluster: Ray Data streams chunks of texts through a pool of actors, each
holding one `Encoder` (on a GPU when it is given one), and the vectors back as each chunk is done.

The chunks are cut from texts in `length_order` at multiples of the batch size, so every text
meets the batch it meets in one process and gets the same bytes (`Encoder.encode`). What the
texts are, and where the vectors go, is the caller's business (`aligner.engines.ray`).
"""

from __future__ import annotations

import socket
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from embeddings.encoder import Encoder, ModelLoadError

BATCHES_PER_CHUNK = 8  # texts per actor call: 8 batches (256 texts), few enough to keep every actor busy
# A chunk whose actor dies is given to a restarted actor this many times (Ray's default is for
# ever: a chunk that kills every worker, say out of memory, would never end the run).
TASK_RETRIES = 3


class _EncoderActor:
    """One model per actor process, loaded once, checked to be the driver's model."""

    def __init__(self, spec: str, backend: str, precision: str, batch_size: int, cache_key: str,
                 device: str) -> None:
        self.encoder = Encoder(spec, backend=backend, precision=precision, batch_size=batch_size, device=device)
        if self.encoder.cache_key != cache_key:  # another copy of the model on this node
            raise ModelLoadError(f"model {spec!r} on {socket.gethostname()} is {self.encoder.cache_key}, "
                                 f"the driver's is {cache_key}: install the same model on every node")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        (start,), (texts,) = batch["start"], batch["texts"]  # map_batches(batch_size=1): one chunk
        return {"start": np.array([start]), "vectors": self.encoder.encode(list(texts), ordered=True)[None]}


def encode_on_ray(encoder: Encoder, texts: Sequence[str], *, actors: int,
                  num_gpus: float = 0.0) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, vectors) for each chunk of ``texts``, in the order the actors finish them.

    Each chunk is one block in Ray's object store (Ray Data gives an actor a block at a time, so
    blocks of one chunk keep every actor busy). All chunks are put there before the actors start
    (Ray spills them to disk when they do not fit); the vectors come back chunk by chunk. Actors
    without a GPU share run on the CPU, whatever the node has. Needs a connected Ray.
    """
    import pyarrow as pa
    import ray

    chunk = BATCHES_PER_CHUNK * encoder.batch_size  # cut between batches: see encode_cached
    blocks: list[Any] = [ray.put(pa.table({"start": pa.array([start], pa.int64()),
                                           "texts": pa.array([texts[start:start + chunk]],
                                                             pa.list_(pa.string()))}))
                         for start in range(0, len(texts), chunk)]
    if not blocks:
        return
    with warnings.catch_warnings():  # max_task_retries has no named parameter yet (Ray 2.60)
        warnings.filterwarnings("ignore", "`ray_remote_args` is deprecated")
        vectors = ray.data.from_arrow_refs(blocks).map_batches(
            _EncoderActor, batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(actors, len(blocks))), num_cpus=1, num_gpus=num_gpus,
            max_task_retries=TASK_RETRIES,
            fn_constructor_kwargs={"spec": encoder.spec, "backend": encoder.backend, "precision": encoder.precision,
                                   "batch_size": encoder.batch_size, "cache_key": encoder.cache_key,
                                   "device": "cuda" if num_gpus else "cpu"})
    for batch in vectors.iter_batches(batch_size=None, batch_format="numpy"):
        for start, chunk_vectors in zip(batch["start"], batch["vectors"]):
            yield int(start), np.ascontiguousarray(chunk_vectors, dtype=np.float32)
