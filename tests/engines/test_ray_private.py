"""The Ray internals the engine relies on are still where it sets them: when a Ray release moves
one, this fails, not a run (which would print worker logs on stdout or listen on every interface)."""

from __future__ import annotations

import inspect

from conftest import require_ray

from aligner.engines.ray import LOOPBACK_SWITCH, private_switches


def test_the_private_switches_are_where_the_engine_sets_them():
    require_ray()
    worker, ray_constants = private_switches()
    assert isinstance(worker._worker_logs_enabled, bool)
    assert isinstance(ray_constants.ENABLE_RAY_CLUSTER, bool)
    # the constant is read from the variable that the servers Ray starts read too
    assert LOOPBACK_SWITCH in inspect.getsource(ray_constants)


def test_map_batches_still_takes_the_retry_bound_only_as_a_deprecated_remote_argument():
    """aligner/engines/ray_pool.py bounds an actor's retries with ``max_task_retries`` through
    ``**ray_remote_args`` (deprecated, its warning silenced): when Ray gives it a named parameter,
    or drops the route, this fails and the pool should move to the new one."""
    ray = require_ray()
    parameters = inspect.signature(ray.data.Dataset.map_batches).parameters
    assert "max_task_retries" not in parameters
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
