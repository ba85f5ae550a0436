"""The Ray engine: the same alignment as one process, with the two heavy steps on a Ray cluster.

`align(..., engine=RayEngine(...))` (or ``engine="ray"``, CLI ``--engine ray``) reads the inputs,
folds copies and decides exactly as the local engine does, on the driver; only these move out:

- embedding: Ray Data streams chunks of texts through a pool of encoder actors
  (`embeddings.ray_pool`), one model per actor, on a GPU where ``num_gpus`` gives it one. The
  embedding cache is the driver's: consulted before anything is sent, filled as chunks return.
- search: each shard of queries is a Ray task against the index, which is built (and trained)
  once and put in the object store (`aligner.index` runs the shards through ``map_shards``).

Both are cut so that every text meets the same batch and every neighbour the same dot product
as in one process, so the output is byte-identical to the local engine's (docs/scale.md).
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aligner.errors import InputError
from embeddings.cache import ChunkEncoder
from embeddings.encoder import Encoder, ModelLoadError

# stderr is for our summary: Ray Data's plans, timings and tuning hints are not shown, nor the
# notice that a local Ray uses token authentication (it does; nothing to act on). Failures still
# reach the run as exceptions.
QUIET_LOGGERS = {"ray.data": logging.ERROR, "ray._private.authentication": logging.ERROR}
IN_FLIGHT_PER_CPU = 2  # search shards submitted ahead of the one being collected, per cluster CPU


class EngineError(Exception):
    """The cluster failed the run (a worker lost for good, Ray not reachable): one line, no output."""


@dataclass
class RayEngine:
    """Where and how wide to run. ``address``: a running cluster (``ray start --head`` prints it;
    ``$RAY_ADDRESS`` when None); without one, a Ray on this machine for the run, on 127.0.0.1.
    ``actors``: encoder actors (default: one per CPU, or per GPU share with ``num_gpus``)."""

    address: str | None = None
    actors: int | None = None
    num_gpus: float = 0.0
    num_cpus: int | None = None  # of a Ray started here [default: all of this machine's]
    _connected_here: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.actors is not None and self.actors < 1:
            raise InputError(f"actors must be at least 1, not {self.actors}")
        if self.num_gpus < 0:
            raise InputError(f"num-gpus must be 0 or more, not {self.num_gpus}")

    def __enter__(self) -> RayEngine:
        ray = _ray()
        for name, level in QUIET_LOGGERS.items():
            logging.getLogger(name).setLevel(level)
        if not ray.is_initialized():
            address = self.address or os.environ.get("RAY_ADDRESS")
            options: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False,
                                       "configure_logging": True}
            try:
                if address:
                    ray.init(address=address, **options)
                else:
                    bind_to_loopback()
                    ray.init(address="local", num_cpus=self.num_cpus or os.cpu_count(), include_dashboard=False,
                             _node_ip_address="127.0.0.1", **options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise EngineError(f"cannot start or reach Ray{f' at {address}' if address else ''}: "
                                  f"{_first_line(exc)}") from None
            self._connected_here = True
        # "(raylet) A worker died..." would be printed on stdout, which carries our output; Ray
        # retries the work, and a failure it cannot recover reaches the run as an exception.
        ray._private.worker._worker_logs_enabled = False
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._connected_here:
            _ray().shutdown()  # stops the processes of a Ray started here; leaves a cluster running
            self._connected_here = False

    def pool_size(self) -> int:
        if self.actors is not None:
            return self.actors
        resources = _ray().cluster_resources()
        if self.num_gpus:
            return max(1, int(resources.get("GPU", 0) / self.num_gpus))
        return max(1, int(resources.get("CPU", 1)))

    def encode_chunks(self, encoder: Encoder) -> ChunkEncoder:
        from embeddings.ray_pool import encode_on_ray

        gpus = _ray().cluster_resources().get("GPU", 0)
        if self.num_gpus > gpus:  # Ray would wait for them for ever
            raise EngineError(f"--num-gpus {self.num_gpus:g}: the cluster has {gpus:g} GPUs")

        def encode(texts: Sequence[str]) -> Iterator[tuple[int, np.ndarray]]:
            with _failures():
                yield from encode_on_ray(encoder, texts, actors=self.pool_size(), num_gpus=self.num_gpus)

        return encode

    def map_shards(self, fn: Callable[..., Any], shared: tuple, shards: Iterable[tuple]) -> Iterator[Any]:
        """``fn(*shared, *shard)`` as Ray tasks, results in shard order; ``shared`` is put in the
        object store once, and only so many shards are in flight that the driver holds a few."""
        ray = _ray()
        remote = _remote(fn)
        with _failures():
            # a memmap is put as a plain array: workers then read it in place, not a copy each
            shared_refs = [ray.put(np.asarray(value) if isinstance(value, np.ndarray) else value) for value in shared]
            window = IN_FLIGHT_PER_CPU * max(1, int(ray.cluster_resources().get("CPU", 1)))
            pending: deque = deque()
            for shard in shards:
                pending.append(remote.remote(*shared_refs, *(np.ascontiguousarray(part)
                                                            if isinstance(part, np.ndarray) else part
                                                            for part in shard)))
                if len(pending) >= window:
                    yield ray.get(pending.popleft())
            while pending:
                yield ray.get(pending.popleft())


def bind_to_loopback() -> None:
    """Make the Ray about to be started here listen on 127.0.0.1 only.

    Ray has no public option for it on Linux: its servers listen on every interface unless Ray
    believes it runs on macOS or Windows, where it keeps a single-node Ray on loopback. This is
    that switch, for this process (the constant) and the servers it starts (the variable).
    """
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    from ray._private import ray_constants

    ray_constants.ENABLE_RAY_CLUSTER = False


def engine(name: str | RayEngine) -> RayEngine | None:
    """``"local"`` (None: this process does everything), ``"ray"``, or a configured RayEngine."""
    if isinstance(name, RayEngine) or name == "local":
        return name if isinstance(name, RayEngine) else None
    if name == "ray":
        return RayEngine()
    raise InputError(f"engine must be local or ray, not {name!r}")


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401 - the embedding step needs Ray Data, not only Ray core
    except ImportError:
        raise InputError("the Ray engine needs Ray: pip install 'greek-tweet-aligner[ray]' "
                         "(or pip install -e '.[ray]' in a checkout)") from None
    return ray


@functools.lru_cache(maxsize=None)
def _remote(fn: Callable[..., Any]):
    return _ray().remote(num_cpus=1)(fn)


@contextmanager
def _failures() -> Iterator[None]:
    """Ray's wrappers off: a user's mistake raised in a worker reads as it would locally, anything
    else that stops the cluster's work (a chunk that kills its worker at every retry, a lost
    node) as one line."""
    from ray.exceptions import RayError

    try:
        yield
    except RayError as exc:
        cause = _cause(exc)
        if isinstance(cause, (InputError, ModelLoadError)):
            raise cause from None
        raise EngineError(f"the Ray engine failed: {_last_line(exc)}") from None


def _cause(exc: BaseException) -> BaseException:
    """The exception a worker raised, under Ray's (and Ray Data's) wrappers."""
    seen = exc
    while True:
        inner = getattr(seen, "cause", None) or seen.__cause__
        if inner is None or inner is seen:
            return seen
        seen = inner


def _last_line(exc: BaseException) -> str:
    """Ray's errors end with what went wrong (``ValueError: ...``) after a traceback in colour."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
