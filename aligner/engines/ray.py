"""The Ray engine: the same alignment as one process, with the two heavy steps on a Ray cluster.

`align(..., engine=RayEngine(...))` (or ``engine="ray"``, CLI ``--engine ray``) reads the inputs,
folds copies and decides exactly as the local engine does, on the driver; only these move out:

- embedding: Ray Data streams chunks of texts through a pool of encoder actors
  (`aligner.engines.ray_pool`), one model per actor, on a GPU where ``num_gpus`` gives it one. The
  embedding cache is the driver's: consulted before anything is sent, filled as chunks return.
- search: each shard of queries is a Ray task against the index, which is built (and trained)
  once and put in the object store (`aligner.scoring.index` runs the shards through ``map_shards``).

Both are cut so that every text meets the same batch and every neighbour the same dot product
as in one process, so the output is byte-identical to the local engine's (docs/scale.md).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aligner.errors import InputError, printable
from embeddings.cache import ChunkEncoder
from embeddings.encoder import Encoder, ModelLoadError

# stderr is for our summary: Ray Data's plans, timings and tuning hints are not shown, nor the
# notice that a local Ray uses token authentication (it does; nothing to act on). Failures still
# reach the run as exceptions.
QUIET_LOGGERS = {"ray.data": logging.CRITICAL, "ray._private.authentication": logging.ERROR}
LOOPBACK_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
IN_FLIGHT_PER_CPU = 2  # search shards submitted ahead of the one being collected, per cluster CPU


class EngineError(Exception):
    """The cluster failed the run (a worker lost for good, Ray not reachable): one line, no output."""

    def __init__(self, message: str) -> None:
        super().__init__(printable(message))


@dataclass
class RayEngine:
    """Where and how wide to run. ``address``: a running cluster (``ray start --head`` prints it;
    ``$RAY_ADDRESS`` when None); without one, a Ray on this machine for the run, on 127.0.0.1.
    ``actors``: encoder actors (default: one per CPU, or per GPU share with ``num_gpus``)."""

    address: str | None = None
    actors: int | None = None
    num_gpus: float = 0.0
    num_cpus: int | None = None  # of a Ray started here [default: Ray's count, which respects cgroups]
    _entered: list[Callable[[], None]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.actors is not None and self.actors < 1:
            raise InputError(f"actors must be at least 1, not {self.actors}")
        if self.num_gpus < 0:
            raise InputError(f"num-gpus must be 0 or more, not {self.num_gpus}")

    def __enter__(self) -> RayEngine:
        """Join (or start) Ray, quietly. Entered again (``with engine: align(..., engine=engine)``),
        it only leaves Ray at the outermost exit."""
        ray = _ray()
        connected_here = not ray.is_initialized()
        if connected_here:
            address = self.address or os.environ.get("RAY_ADDRESS")
            try:
                # a cluster on this machine's loopback (or one started here) is joined from loopback
                with _quiet_ray_logs(), bind_to_loopback() if _on_loopback(address) else nullcontext():
                    ray.init(address=address or "local", log_to_driver=False, logging_level=logging.WARNING,
                             **({} if address else {"num_cpus": self.num_cpus, "include_dashboard": False}))
            except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; each is the same to a user
                ray.shutdown()  # whatever it had started
                raise EngineError(f"cannot start or reach Ray{f' at {address}' if address else ''}: "
                                  f"{_last_line(exc)}") from None
        self._entered.append(_settings_restored(ray, leave=connected_here))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._entered.pop()()

    def pool_size(self) -> int:
        if self.actors is not None:
            return self.actors
        resources = _ray().cluster_resources()
        if self.num_gpus:
            return max(1, int(resources.get("GPU", 0) / self.num_gpus))
        return max(1, int(resources.get("CPU", 1)))

    def encode_chunks(self, encoder: Encoder) -> ChunkEncoder:
        from aligner.engines.ray_pool import encode_on_ray

        actors = self.pool_size()
        gpus = _ray().cluster_resources().get("GPU", 0)
        if actors * self.num_gpus > gpus:  # Ray would wait for them for ever
            raise EngineError(f"{actors} actors x {self.num_gpus:g} GPUs each: the cluster has {gpus:g} GPUs")
        if self.num_gpus and encoder.backend != "torch":
            raise EngineError(f"--num-gpus needs the torch backend (the {encoder.backend} one runs on CPUs)")

        def encode(texts: Sequence[str]) -> Iterator[tuple[int, np.ndarray]]:
            with _failures():
                yield from encode_on_ray(encoder, texts, actors=actors, num_gpus=self.num_gpus)

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
            try:
                for shard in shards:
                    pending.append(remote.remote(*shared_refs, *(np.ascontiguousarray(part)
                                                                if isinstance(part, np.ndarray) else part
                                                                for part in shard)))
                    if len(pending) >= window:
                        yield ray.get(pending.popleft())
                while pending:
                    yield ray.get(pending.popleft())
            finally:  # stopped early (an error here or in a shard): the rest need not run
                for task in pending:
                    ray.cancel(task)


@contextmanager
def bind_to_loopback() -> Iterator[None]:
    """Within it, a Ray started here (and every server it starts) listens on 127.0.0.1 only.

    Ray has no public option for it on Linux: its servers listen on every interface unless Ray
    believes it runs on macOS or Windows, where it keeps a single-node Ray on loopback. This is
    that switch, for this process (the constant) and the servers it starts (the variable), set
    back afterwards so that a later join of a real cluster is not confined to this machine.
    """
    _, ray_constants = private_switches()
    variable, constant = os.environ.get(LOOPBACK_SWITCH), ray_constants.ENABLE_RAY_CLUSTER
    os.environ[LOOPBACK_SWITCH], ray_constants.ENABLE_RAY_CLUSTER = "0", False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = constant
        if variable is None:
            os.environ.pop(LOOPBACK_SWITCH, None)
        else:
            os.environ[LOOPBACK_SWITCH] = variable


def _on_loopback(address: str | None) -> bool:
    """No address (a Ray started here), or one on 127.0.0.0/8, ::1 or localhost."""
    if not address:
        return True
    host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def _quiet_ray_logs() -> Iterator[None]:
    loggers = {name: logging.getLogger(name) for name in QUIET_LOGGERS}
    levels = {name: logger.level for name, logger in loggers.items()}
    for name, logger in loggers.items():
        logger.setLevel(QUIET_LOGGERS[name])
    try:
        yield
    finally:
        for name, logger in loggers.items():
            logger.setLevel(levels[name])


def _settings_restored(ray: Any, leave: bool) -> Callable[[], None]:
    """Quiet Ray for a run; returns what undoes it (and leaves Ray when ``leave``)."""
    worker, context = private_switches()[0], ray.data.DataContext.get_current()
    saved = (worker._worker_logs_enabled, context.enable_progress_bars, context.print_on_execution_start)
    quiet = _quiet_ray_logs()
    quiet.__enter__()
    # "(raylet) A worker died..." would be printed on stdout, which carries our output; Ray
    # retries the work, and a failure it cannot recover reaches the run as an exception.
    worker._worker_logs_enabled = False
    context.enable_progress_bars = context.print_on_execution_start = False

    def restore() -> None:
        worker._worker_logs_enabled, context.enable_progress_bars, context.print_on_execution_start = saved
        quiet.__exit__(None, None, None)
        if leave:
            ray.shutdown()  # stops the processes of a Ray started here; leaves a cluster running

    return restore


def private_switches() -> tuple[Any, Any]:
    """The only place this engine reaches into Ray's internals, for two switches that have no
    public option on Linux (Ray 2.50-2.63): the worker module, whose ``_worker_logs_enabled``
    keeps "(raylet) ..." lines off stdout, and ``ray_constants``, whose ``ENABLE_RAY_CLUSTER``
    (with the ``LOOPBACK_SWITCH`` variable) keeps a Ray started here on 127.0.0.1.
    tests/engines/test_ray.py fails when a Ray release moves either."""
    from ray._private import ray_constants, worker

    return worker, ray_constants


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
    """Ray's wrappers off: a user's mistake raised in a worker reads as it would locally; anything
    else that stops the cluster's work (a chunk that kills its worker at every retry, a lost
    node, an actor that cannot start, Ray Data's timeout) as one line."""
    try:
        yield
    except (InputError, ModelLoadError, EngineError):
        raise
    except Exception as exc:  # noqa: BLE001 - Ray and Ray Data raise many kinds
        cause = _cause(exc)
        if isinstance(cause, (InputError, ModelLoadError)):
            raise cause from None
        raise EngineError(f"the Ray engine failed: {_last_line(exc)}") from exc


def _cause(exc: BaseException) -> BaseException:
    """The exception a worker raised, under Ray's (and Ray Data's) wrappers."""
    seen = [exc]
    while (inner := getattr(seen[-1], "cause", None) or seen[-1].__cause__) is not None and inner not in seen:
        seen.append(inner)
    return seen[-1]


def _last_line(exc: BaseException) -> str:
    """Ray's errors end with what went wrong (``ValueError: ...``) after a traceback in colour."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__

