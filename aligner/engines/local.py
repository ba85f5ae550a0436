"""The local engine: embedding and search in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from aligner.scoring.index import in_process
from embeddings.cache import ChunkEncoder
from embeddings.encoder import Encoder


class LocalEngine:
    num_gpus = 0.0  # the encoder picks this machine's device itself

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def encode_chunks(self, encoder: Encoder) -> ChunkEncoder | None:
        return None  # encode_cached encodes in this process

    def map_shards(self, fn: Callable[..., Any], shared: tuple, shards: Iterable[tuple]) -> Iterator[Any]:
        return in_process(fn, shared, shards)
