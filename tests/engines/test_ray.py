"""The Ray engine (`--engine ray`) on a local Ray with two CPUs: byte for byte what the local engine
writes, on the examples, the seed and the FLORES mining set; errors and lost workers as locally."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import threading
from pathlib import Path

import pytest
from conftest import DATA, EXAMPLES, SEED, numbered_lines, ray_running, require_ray, require_shared
from typer.testing import CliRunner

from aligner.cli import app
from aligner.engines.ray import RayEngine

ray = require_ray()
runner = CliRunner()


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray with two CPUs for the module; `--engine ray` runs on it (Ray is initialised)."""
    engine = RayEngine(num_cpus=2)
    with ray_running(engine.__enter__, engine.__exit__) as processes:
        yield processes


def aligned(args: list[str], engine: str, output: Path | str) -> tuple[bytes, str]:
    """What `aligner align ARGS --no-cache` writes with this engine (a file's bytes or stdout),
    and its stderr. No cache: the vectors must be computed by the engine, not looked up."""
    result = runner.invoke(app, ["align", *args, "--no-cache", "--engine", engine, "-o", str(output)])
    assert result.exit_code == 0, result.stderr
    return (result.stdout_bytes if output == "-" else Path(output).read_bytes()), result.stderr


def assert_same_output(args: list[str], tmp_path: Path) -> bytes:
    local, _ = aligned(args, "local", tmp_path / "local.jsonl")
    on_ray, _ = aligned(args, "ray", tmp_path / "ray.jsonl")
    assert local and on_ray == local
    return local


def test_local_ray_listens_on_loopback_only(local_ray):
    for process in local_ray:
        for connection in process.net_connections(kind="inet"):
            if connection.status == "LISTEN":
                assert connection.laddr.ip in ("127.0.0.1", "::ffff:127.0.0.1", "::1"), (process, connection)


@pytest.mark.slow
def test_examples_are_byte_identical_and_stdout_is_data_only(local_ray, tmp_path):
    written = assert_same_output([str(EXAMPLES)], tmp_path)
    assert any(json.loads(line)["accepted"] for line in written.splitlines())
    stdout, stderr = aligned([str(EXAMPLES)], "ray", "-")
    assert stdout == written  # Ray's own logs stay off stdout
    assert stderr.startswith("read ") or "aligned " in stderr


@pytest.mark.slow
def test_the_seed_is_byte_identical(local_ray, tmp_path):
    require_shared(str(SEED.relative_to(SEED.parents[1])))
    assert_same_output([str(SEED), "--include-rejected"], tmp_path)


@pytest.mark.slow
def test_the_flores_mining_set_is_byte_identical(local_ray, tmp_path):
    require_shared("data/flores200_devtest_ell_eng")
    # the benchmarks' shared module, loaded from its file: benchmarks/ is a folder of scripts, not a package
    spec = importlib.util.spec_from_file_location("common", EXAMPLES.parent / "benchmarks" / "common.py")
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    greek, tweets, english_lines = common.mining_pools()
    common.write_jsonl(tmp_path / "greek.jsonl", greek)
    common.write_jsonl(tmp_path / "english.jsonl", common.flores_units(english_lines) + tweets)
    written = assert_same_output(["--greek", str(tmp_path / "greek.jsonl"),
                                  "--english", str(tmp_path / "english.jsonl")], tmp_path)
    assert written.count(b"\n") > 900  # the FLORES pairs are found
    assert DATA.exists()


def test_bad_input_is_the_same_one_line_error(local_ray, tmp_path):
    bad = tmp_path / "greek.jsonl"
    bad.write_text('{"id": "g1", "text": "Σεισμός στην Κρήτη."}\n{"id": "g2", "text": \n', encoding="utf-8")
    tweets = tmp_path / "english.jsonl"
    tweets.write_text('{"id": "t1", "text": "Earthquake hits Crete"}\n', encoding="utf-8")
    errors = []
    for engine in ("local", "ray"):
        result = runner.invoke(app, ["align", "--greek", str(bad), "--english", str(tweets), "--engine", engine,
                                     "-o", str(tmp_path / f"{engine}.jsonl")])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert not (tmp_path / f"{engine}.jsonl").exists()
        errors.append(result.stderr)
    assert errors[0] == errors[1] and errors[0].startswith(f"error: {bad}:2: ")


def test_ray_options_need_the_ray_engine(tmp_path):
    result = runner.invoke(app, ["align", str(EXAMPLES), "--actors", "2", "-o", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2 and "go with --engine ray" in result.stderr
    result = runner.invoke(app, ["align", str(EXAMPLES), "--engine", "spark", "-o", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2 and "engine must be local or ray" in result.stderr


@pytest.mark.slow
def test_an_encoder_worker_killed_mid_run_is_replaced(local_ray, tmp_path):
    """Ray restarts a lost actor and runs its chunk again: the output is still the local one."""
    import psutil

    greek = numbered_lines(tmp_path / "greek.txt", "Δήλωση αριθμός {i} για την κακοκαιρία στη Θεσσαλία.", 1500)
    english = numbered_lines(tmp_path / "english.txt", "Statement number {i} on the storm in Thessaly.", 600)
    killed: list[int] = []
    stop = threading.Event()

    def kill_one_encoder() -> None:
        while not (killed or stop.is_set()):
            for process in psutil.process_iter(["pid", "cmdline"]):
                try:
                    if "_EncoderActor" in " ".join(process.info["cmdline"] or []) and process.cpu_times().user > 3:
                        os.kill(process.info["pid"], signal.SIGKILL)  # mid-run: it has been embedding a while
                        killed.append(process.info["pid"])
                        return
                except (psutil.Error, ProcessLookupError):
                    continue  # it ended by itself
            stop.wait(0.2)

    killer = threading.Thread(target=kill_one_encoder, daemon=True)
    killer.start()
    args = ["--greek", str(greek), "--english", str(english)]
    try:
        on_ray, _ = aligned(args, "ray", "-")  # stdout: Ray's "(raylet) A worker died" must not reach it
    finally:
        stop.set()
        killer.join()
    assert killed, "no encoder actor was found to kill"
    local, _ = aligned(args, "local", tmp_path / "local.jsonl")
    assert on_ray == local


@pytest.mark.parametrize("factory", [None, "IVF16,Flat", "HNSW16"])
def test_search_shards_as_ray_tasks_find_what_one_process_finds(local_ray, monkeypatch, factory):
    """Past the exact budget the search is the shared IVF scanned list by list (None), or an index
    FAISS trains once on the driver (--index): its shards, as Ray tasks, give the same bytes."""
    import numpy as np

    from aligner.scoring import index

    monkeypatch.setattr(index, "EXACT_UP_TO", 100)
    monkeypatch.setattr(index, "EXACT_BUDGET", 1_000)
    monkeypatch.setattr(index, "SEARCH_BATCH", 300)
    monkeypatch.setattr(index, "LIST_SCAN_BATCH", 300)
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((40, 48))
    a, b = (centres[rng.integers(0, 40, n)] + 0.4 * rng.standard_normal((n, 48)) for n in (1_500, 2_000))
    a, b = ((x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32) for x in (a, b))
    here = index.search_both_ways(a, b, 8, factory)
    with RayEngine() as engine:  # joins the module's Ray
        on_ray = index.search_both_ways(a, b, 8, factory, engine.map_shards)
    for (sims, ids), (ray_sims, ray_ids) in zip(here, on_ray):
        assert sims.tobytes() == ray_sims.tobytes() and ids.tobytes() == ray_ids.tobytes()


@pytest.mark.slow
def test_a_node_with_another_model_stops_the_run_in_one_line(local_ray):
    """Each encoder actor checks its model against the driver's (another version on a node would
    give other vectors): the run stops, in one line, before a vector is taken."""
    from aligner.engines.ray import EngineError
    from embeddings import Encoder

    class Elsewhere(Encoder):
        cache_key = "multilingual-e5-small-q4@another-build/fp32"  # what the driver says it has

    with RayEngine() as engine, pytest.raises(EngineError) as failure:
        list(engine.encode_chunks(Elsewhere())(["Σεισμός στην Κρήτη", "Earthquake hits Crete"]))
    message = str(failure.value)
    assert message.count("\n") == 0 and "install the same model on every node" in message, message
