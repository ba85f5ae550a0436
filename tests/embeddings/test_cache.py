"""The embedding cache: round trip, keys, concurrent writers, a writer killed midway, damaged and
read-only caches, and vectors that are not finite unit vectors."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from aligner.cli import app
from embeddings import ModelLoadError
from embeddings.cache import VectorCache, encode_cached, text_key

DIM = 8


class FakeEncoder:
    """Deterministic vectors from the text's hash; counts what it was asked to embed."""

    dimension = DIM

    def __init__(self, delay: float = 0.0) -> None:
        self.seen: list[str] = []
        self.delay = delay

    def lengths(self, texts):
        return np.array([len(text) for text in texts])

    def encode(self, texts, *, show_progress=False, ordered=False):
        self.seen.extend(texts)
        time.sleep(self.delay * len(texts))
        return np.stack([vector_for(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)


def vector_for(text: str) -> np.ndarray:
    seed = int.from_bytes(text_key(text)[:8], "little")
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def test_round_trip_embeds_only_new_texts(tmp_path):
    cache = VectorCache(tmp_path / "v.sqlite3")
    first = FakeEncoder()
    texts = ["α", "b", "α", "c"]
    out = encode_cached(first, texts, cache, "m@1/fp32", chunk=2)
    assert first.seen == ["α", "b", "c"]  # the duplicate is embedded once
    np.testing.assert_array_equal(out, np.stack([vector_for(t) for t in texts]))

    second = FakeEncoder()
    decomposed = unicodedata.normalize("NFD", "ά")
    again = encode_cached(second, ["c", "d", "α", "ά"], cache, "m@1/fp32")
    assert second.seen == ["d", "ά"]
    assert again[[0, 2]].tobytes() == out[[3, 0]].tobytes()  # bit-identical from the cache
    # NFC: the decomposed spelling is the same text
    assert encode_cached(FakeEncoder(), [decomposed], cache, "m@1/fp32").tobytes() == again[3].tobytes()
    assert cache.info()["entries"] == 5


def test_vectors_written_into_a_memory_map_match_in_memory_ones(tmp_path):
    from aligner.engines.spool import disk_array

    cache = VectorCache(tmp_path / "v.sqlite3")
    texts = [f"text {n % 70}" for n in range(100)]  # duplicates, and lookups over several chunks
    encode_cached(FakeEncoder(), texts[::3], cache, "m@1/fp32", chunk=8)
    expected = np.stack([vector_for(t) for t in texts])
    mapped = encode_cached(FakeEncoder(), texts, cache, "m@1/fp32", chunk=8, out=disk_array(100, DIM))
    assert isinstance(mapped, np.memmap)
    assert mapped.tobytes() == expected.tobytes()


def test_key_separates_models_and_precisions(tmp_path):
    cache = VectorCache(tmp_path / "v.sqlite3")
    encode_cached(FakeEncoder(), ["x", "y"], cache, "m@1/fp32")
    for other in ("m@1/int8", "m@2/fp32"):
        encoder = FakeEncoder()
        encode_cached(encoder, ["x", "y"], cache, other)
        assert encoder.seen == ["x", "y"]
    info = cache.info()
    assert info["models"] == {"m@1/fp32": 2, "m@1/int8": 2, "m@2/fp32": 2} and info["entries"] == 6
    assert cache.clear() == 6 and cache.info()["entries"] == 0


def test_no_cache_embeds_everything(tmp_path):
    encoder = FakeEncoder()
    encode_cached(encoder, ["x", "x", "y"], None, "m@1/fp32")
    assert encoder.seen == ["x", "y"]


def _writer(path: str, start: int, delay: float) -> None:
    texts = [f"text {i}" for i in range(start, start + 300)]
    encode_cached(FakeEncoder(delay), texts, VectorCache(path), "m@1/fp32", chunk=25)


def test_concurrent_writers(tmp_path):
    path = str(tmp_path / "v.sqlite3")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, start, 0.0)) for start in (0, 150)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    cache = VectorCache(path)
    assert cache.info()["entries"] == 450  # the 150 shared texts stored once
    texts = [f"text {i}" for i in range(450)]
    encoder = FakeEncoder()
    out = encode_cached(encoder, texts, cache, "m@1/fp32")
    assert encoder.seen == []
    np.testing.assert_array_equal(out, np.stack([vector_for(t) for t in texts]))


def test_killed_writer_leaves_readable_cache(tmp_path):
    path = str(tmp_path / "v.sqlite3")
    context = multiprocessing.get_context("spawn")
    worker = context.Process(target=_writer, args=(path, 0, 0.004))  # 0.1 s per chunk of 25
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _entries(path) < 50:
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = VectorCache(path).info()["entries"]
    assert 50 <= kept < 300 and kept % 25 == 0  # whole chunks only
    texts = [f"text {i}" for i in range(300)]
    encoder = FakeEncoder()
    out = encode_cached(encoder, texts, VectorCache(path), "m@1/fp32")
    assert len(encoder.seen) == 300 - kept
    np.testing.assert_array_equal(out, np.stack([vector_for(t) for t in texts]))


def _entries(path: str) -> int:
    try:
        return VectorCache(path).info()["entries"]
    except sqlite3.OperationalError:
        return 0


def test_cache_info_and_clear_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNER_CACHE_DIR", str(tmp_path))
    encode_cached(FakeEncoder(), ["x", "y"], VectorCache(), "m@1/fp32")
    runner = CliRunner()
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0 and "m@1/fp32" in info.stdout and str(tmp_path) in info.stdout
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.output
    assert VectorCache().info()["entries"] == 0


@pytest.mark.slow
def test_torch_int8_encoder_agrees_with_fp32():
    from embeddings import Encoder

    texts = ["Σεισμός 5,8 Ρίχτερ στην Κρήτη", "Earthquake hits Crete, no damage reported",
             "Οι αγρότες απέκλεισαν την εθνική οδό", "Farmers block the national highway #Greece"]
    int8, fp32 = Encoder(backend="torch", precision="int8"), Encoder(backend="torch")
    assert int8.cache_key.endswith("/torch/int8") and fp32.cache_key.endswith("/torch/fp32")
    cosines = (int8.encode(texts) * fp32.encode(texts)).sum(axis=1)
    # measured: min 0.983-0.988 over the 2,000 Tatoeba sentences (benchmarks/embedding_speed.py)
    assert cosines.min() >= 0.97, cosines


# ---- damaged and read-only caches: set aside or stepped down, one warning, never a traceback ----

KEY = "m@1/fp32"
TEXTS = [f"text {i}" for i in range(3000)]  # about 270 KB: damage lands in the middle of the rows


def _warnings(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert all(line.startswith("warning: ") for line in lines), stderr
    return lines


def _damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "garbage":
        path.write_bytes(os.urandom(size))
        Path(f"{path}-wal").write_bytes(b"stale write-ahead log")  # must not stay beside the new file
    elif how == "truncated":
        os.truncate(path, size // 2 + 100)
    elif how == "header":
        with open(path, "r+b") as handle:
            handle.write(b"x" * 100)
    else:  # pages overwritten in the middle
        with open(path, "r+b") as handle:
            handle.seek(size // 2)
            handle.write(os.urandom(20_000))


@pytest.mark.parametrize("how", ["garbage", "truncated", "header", "middle"])
def test_damaged_cache_is_set_aside_and_rebuilt(tmp_path, capsys, how):
    path = tmp_path / "v.sqlite3"
    encode_cached(FakeEncoder(), TEXTS, VectorCache(path), KEY)
    _damage(path, how)
    capsys.readouterr()

    encoder = FakeEncoder()
    out = encode_cached(encoder, TEXTS, VectorCache(path), KEY)
    np.testing.assert_array_equal(out, np.stack([vector_for(t) for t in TEXTS]))
    (warning,) = _warnings(capsys.readouterr().err)
    aside = list(tmp_path.glob("v.sqlite3.damaged-*[0-9]"))  # the file itself, not its -wal or -shm
    assert len(aside) == 1 and str(path) in warning and aside[0].name in warning and "damaged" in warning
    assert VectorCache(path).info()["entries"] == len(set(encoder.seen)) > 0  # the new cache holds them
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.read_bytes() != b"stale write-ahead log"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_info_and_clear_work_on_a_damaged_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNER_CACHE_DIR", str(tmp_path))
    encode_cached(FakeEncoder(), ["x", "y"], VectorCache(), KEY)
    path = VectorCache().path
    _damage(path, "garbage")
    runner = CliRunner()
    info = runner.invoke(app, ["cache", "info", "--json"])
    assert info.exit_code == 0 and "Traceback" not in info.output, info.output
    assert json.loads(info.stdout)["entries"] == 0
    assert len(_warnings(info.stderr)) == 1
    _damage(path, "header")
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0 and "Traceback" not in cleared.output, cleared.output
    assert len([line for line in cleared.stderr.splitlines() if line.startswith("warning: ")]) == 1
    assert len(list(path.parent.glob("vectors.sqlite3.damaged-*[0-9]"))) == 2
    assert VectorCache().clear() == 0


def test_a_damaged_cache_is_set_aside_once_by_concurrent_runs(tmp_path, monkeypatch):
    path = tmp_path / "v.sqlite3"
    encode_cached(FakeEncoder(), TEXTS, VectorCache(path), KEY)
    _damage(path, "garbage")
    first, second = VectorCache(path), VectorCache(path)
    set_aside = second._set_aside

    def late(exc):  # the second run meets the damage, but the first sets it aside and goes on
        encode_cached(FakeEncoder(), ["x"], first, KEY)
        set_aside(exc)

    monkeypatch.setattr(second, "_set_aside", late)
    encode_cached(FakeEncoder(), ["y"], second, KEY)
    assert len(list(tmp_path.glob("v.sqlite3.damaged-*[0-9]"))) == 1  # the new file was kept
    assert VectorCache(path).info()["models"] == {KEY: 2}


def _read_only_connect(real_connect):
    """sqlite3.connect as on a file we may not write: reads work, the first write fails."""
    def connect(*args, **kwargs):
        db = real_connect(*args, **kwargs)
        db.execute("PRAGMA query_only = ON")
        return db
    return connect


def test_read_only_cache_serves_lookups_and_skips_puts(tmp_path, capsys, monkeypatch):
    path = tmp_path / "v.sqlite3"
    encode_cached(FakeEncoder(), ["x", "y"], VectorCache(path), KEY)
    capsys.readouterr()
    monkeypatch.setattr(sqlite3, "connect", _read_only_connect(sqlite3.connect))

    cache, encoder = VectorCache(path), FakeEncoder()
    texts = ["x", "y", "z", "w"]
    out = encode_cached(encoder, texts, cache, KEY, chunk=1)  # a put per new text, one warning
    assert encoder.seen == ["z", "w"] and cache.mode == "ro"
    np.testing.assert_array_equal(out, np.stack([vector_for(t) for t in texts]))
    (warning,) = _warnings(capsys.readouterr().err)
    assert str(path) in warning and "read-only" in warning
    assert cache.clear() == 0 and cache.info()["entries"] == 2  # nothing stored, nothing removed
    monkeypatch.undo()
    assert VectorCache(path).info()["entries"] == 2


def test_cache_that_cannot_be_created_is_skipped(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    cache, encoder = VectorCache(tmp_path / "file" / "v.sqlite3"), FakeEncoder()
    out = encode_cached(encoder, ["x", "y"], cache, KEY, chunk=1)
    assert encoder.seen == ["x", "y"] and cache.mode == "off"
    np.testing.assert_array_equal(out, np.stack([vector_for(t) for t in ["x", "y"]]))
    (warning,) = _warnings(capsys.readouterr().err)
    assert "cannot be used" in warning and str(cache.path) in warning
    assert cache.info()["entries"] == 0 and cache.clear() == 0


# ---- only finite unit vectors enter the cache or leave encode_cached ----

class BrokenEncoder(FakeEncoder):
    def __init__(self, spoil) -> None:
        super().__init__()
        self.spoil = spoil

    def encode(self, texts, *, show_progress=False, ordered=False):
        vectors = super().encode(texts)
        vectors[-1] = self.spoil(vectors[-1])
        return vectors


@pytest.mark.parametrize("spoil", [lambda v: v * np.nan, lambda v: np.full_like(v, np.inf), lambda v: v * 1.5, lambda v: v * 0],
                         ids=["nan", "inf", "stretched", "zero"])
def test_vectors_that_are_not_finite_unit_vectors_are_refused(tmp_path, spoil):
    cache = VectorCache(tmp_path / "v.sqlite3")
    encode_cached(FakeEncoder(), ["a"], cache, KEY)
    with pytest.raises(ModelLoadError) as error:
        encode_cached(BrokenEncoder(spoil), ["a", "b", "c"], cache, KEY)
    assert "\n" not in str(error.value) and "not finite unit vectors" in str(error.value)
    assert cache.info()["entries"] == 1  # the spoilt batch was not stored
    with pytest.raises(ModelLoadError):
        cache.put(KEY, [text_key("b")], spoil(vector_for("b"))[None])


def test_unusable_cached_rows_are_embedded_again(tmp_path):
    path = tmp_path / "v.sqlite3"
    encode_cached(FakeEncoder(), ["a", "b"], VectorCache(path), KEY)
    with sqlite3.connect(path) as db:  # as an older version wrote from damaged weights
        db.execute("UPDATE vectors SET vector = ? WHERE text = ?",
                   (np.full(DIM, np.nan, np.float32).tobytes(), text_key("b")))
    encoder = FakeEncoder()
    out = encode_cached(encoder, ["a", "b"], VectorCache(path), KEY)
    assert encoder.seen == ["b"] and np.isfinite(out).all()
    np.testing.assert_array_equal(out, np.stack([vector_for(t) for t in ["a", "b"]]))
    again = FakeEncoder()
    encode_cached(again, ["a", "b"], VectorCache(path), KEY)
    assert again.seen == []  # the good vector replaced the NaN row


def test_a_warm_cache_on_a_read_only_file_system_serves_its_vectors(tmp_path):
    """A WAL database cannot be opened mode=ro where its -shm file cannot be made: the cache was
    skipped and everything embedded again. Read-only bind mount: needs root (CI and this
    project's machines run as root), else skipped."""
    import shutil
    import subprocess

    folder = tmp_path / "cache"
    cache = VectorCache(folder / "vectors.sqlite3")
    texts = [f"text {i}" for i in range(20)]
    encode_cached(FakeEncoder(), texts, cache, "m")
    if not shutil.which("mount") or subprocess.run(["mount", "--bind", str(folder), str(folder)],
                                                   capture_output=True).returncode:
        pytest.skip("cannot bind-mount a folder here (needs root): no read-only file system to test on")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True, capture_output=True)
        encoder = FakeEncoder()
        again = encode_cached(encoder, texts, VectorCache(folder / "vectors.sqlite3"), "m")
        assert encoder.seen == [] and np.allclose(again, np.stack([vector_for(t) for t in texts]))
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)  # lazy: detached even if busy
