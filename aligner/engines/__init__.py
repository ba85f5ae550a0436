"""Where a run's two heavy steps happen: embedding and search. Everything else (reading, folding
copies, evidence, deciding, writing) runs in the calling process, whatever the engine.

An `Engine` is entered for the run, hands `embeddings.cache.encode_cached` a chunk encoder (or
None: encode here) and runs the search's shards (`aligner.scoring.index`). Every engine gives the
same bytes (docs/scale.md). The spool (`aligner.engines.spool`) is where units wait meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from aligner.engines.local import LocalEngine
from aligner.errors import InputError
from embeddings.cache import ChunkEncoder
from embeddings.encoder import Encoder

ENGINES = ("local", "ray")


class Engine(Protocol):
    num_gpus: float  # per encoder worker; a GPU means the torch backend

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def encode_chunks(self, encoder: Encoder) -> ChunkEncoder | None: ...

    def map_shards(self, fn: Callable[..., Any], shared: tuple, shards: Iterable[tuple]) -> Iterator[Any]: ...


def engine_for(name: str | Engine) -> Engine:
    """The engine ``align(engine=...)`` names; an `Engine` is taken as it is."""
    if not isinstance(name, str):
        return name
    if name not in ENGINES:
        raise InputError(f"engine must be {' or '.join(ENGINES)}, not {name!r}")
    if name == "ray":
        from aligner.engines.ray import RayEngine  # Ray is an extra: imported when asked for

        return RayEngine()
    return LocalEngine()
