"""The Ray engine across two nodes (`ray.cluster_utils.Cluster` on this machine, one CPU each):
the multi-node path, with the encoder actors spread over both raylets, writes what one process writes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import EXAMPLES, SEED, numbered_lines, ray_running, require_ray, require_shared
from typer.testing import CliRunner

from aligner.cli import app
from aligner.engines.ray import bind_to_loopback

ray = require_ray()
runner = CliRunner()


@pytest.fixture(scope="module")
def two_nodes():
    from ray.cluster_utils import Cluster

    nodes: list = []

    def start() -> None:
        node = {"num_cpus": 1, "node_ip_address": "127.0.0.1"}
        with bind_to_loopback():
            nodes.append(Cluster(initialize_head=True, head_node_args={"include_dashboard": False, **node}))
            nodes[0].add_node(wait=True, **node)
            nodes[0].wait_for_nodes()

    def stop() -> None:
        ray.shutdown()
        if nodes:
            nodes[0].shutdown()

    with ray_running(start, stop) as processes:
        yield nodes[0].address, processes


def align_bytes(args: list[str], output: Path, *engine: str) -> bytes:
    result = runner.invoke(app, ["align", *args, "--no-cache", "-o", str(output), *engine])
    assert result.exit_code == 0, result.stderr
    return output.read_bytes()


@pytest.mark.slow
def test_two_nodes_write_what_one_process_writes(two_nodes, tmp_path):
    address, processes = two_nodes
    raylets = {p.pid for p in processes if p.name() == "raylet"}
    assert len(raylets) == 2
    greek = numbered_lines(tmp_path / "greek.txt", "Η κυβέρνηση ανακοίνωσε το μέτρο αριθμός {i} για τη στέγαση.", 700)
    english = numbered_lines(tmp_path / "english.txt", "Government announces housing measure number {i}", 300)
    inputs = [[str(EXAMPLES)], ["--greek", str(greek), "--english", str(english)]]
    if (seed := require_shared_or_none()) is not None:
        inputs.append([str(seed), "--include-rejected"])
    for number, args in enumerate(inputs):
        hosts: set[int] = set()
        done = threading.Event()
        watcher = threading.Thread(target=_watch_encoder_parents, args=(hosts, done), daemon=True)
        watcher.start()
        on_cluster = align_bytes(args, tmp_path / f"cluster{number}.jsonl", "--engine", "ray", "--ray-address", address)
        done.set()
        watcher.join()
        assert on_cluster == align_bytes(args, tmp_path / f"local{number}.jsonl"), args
        if number == 1:  # 1,000 texts: four chunks, so both actors work, one per node
            assert hosts == raylets, (hosts, raylets)
    assert all(p.is_running() for p in processes if p.pid in raylets)  # joined the cluster, left it running


def require_shared_or_none() -> Path | None:
    try:
        return require_shared(str(SEED.relative_to(SEED.parents[1])))
    except pytest.skip.Exception:
        return None


def _watch_encoder_parents(parents: set[int], done: threading.Event) -> None:
    """The raylet (parent) of every encoder actor seen while the run lasts."""
    import psutil

    while not done.is_set():
        for process in psutil.process_iter(["cmdline", "ppid"]):
            if "_EncoderActor" in " ".join(process.info["cmdline"] or []):
                parents.add(process.info["ppid"])
        done.wait(0.2)
