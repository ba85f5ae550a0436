"""A persistent embedding cache: a re-run embeds only the texts it has not seen.

One SQLite file under ``cache_root()/vectors/``, in WAL mode, so several runs can read and write
it at once. Rows are keyed by (model key, sha256 of the NFC text); the model key is the
encoder's fingerprint plus its precision, so vectors of different models or precisions never
mix. Each chunk of new vectors is committed in its own transaction: a run killed midway keeps
everything committed before the kill, and SQLite never exposes a half-written row.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np

from embeddings.default_model import cache_root

CHUNK = 2048           # texts embedded (and committed) at a time
_LOOKUP_BATCH = 900    # keys per SELECT, under SQLite's variable limit on old builds
_BUSY_TIMEOUT_S = 120  # another run holding the write lock commits within seconds


def default_cache_path() -> Path:
    return cache_root() / "vectors" / "vectors.sqlite3"


def text_key(text: str) -> bytes:
    """sha256 of the NFC-normalised UTF-8 text (what the encoder embeds)."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).digest()


class VectorCache:
    """Float32 vectors by (model key, text), in one SQLite file shared by concurrent runs."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
            db.execute("CREATE TABLE IF NOT EXISTS models (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (model INTEGER NOT NULL, text BLOB NOT NULL, "
                       "vector BLOB NOT NULL, PRIMARY KEY (model, text)) WITHOUT ROWID")
            yield db

    @staticmethod
    def _model_id(db: sqlite3.Connection, model_key: str, create: bool) -> int | None:
        if create:
            db.execute("INSERT OR IGNORE INTO models (key) VALUES (?)", (model_key,))
        row = db.execute("SELECT id FROM models WHERE key = ?", (model_key,)).fetchone()
        return row[0] if row else None

    def get(self, model_key: str, keys: Sequence[bytes], dimension: int) -> dict[bytes, np.ndarray]:
        """The cached vectors among ``keys`` (see ``text_key``), by key."""
        found: dict[bytes, np.ndarray] = {}
        with self._connect() as db:
            model = self._model_id(db, model_key, create=False)
            if model is None:
                return found
            for start in range(0, len(keys), _LOOKUP_BATCH):
                batch = list(keys[start:start + _LOOKUP_BATCH])
                marks = ",".join("?" * len(batch))
                for key, blob in db.execute(f"SELECT text, vector FROM vectors WHERE model = ? "
                                            f"AND text IN ({marks})", (model, *batch)):
                    if len(blob) == 4 * dimension:  # a row of another shape is not ours to use
                        found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, model_key: str, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store rows in one transaction (all or nothing); rows already there are kept."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # take the write lock now, waiting for another writer
            try:
                model = self._model_id(db, model_key, create=True)
                db.executemany("INSERT OR IGNORE INTO vectors (model, text, vector) VALUES (?, ?, ?)",
                               ((model, key, row.tobytes()) for key, row in zip(keys, vectors)))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def info(self) -> dict:
        """Path, entries, size on disk (with the WAL) and entries per model key."""
        files = [self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]
        size = sum(p.stat().st_size for p in files if p.exists())
        models: dict[str, int] = {}
        if self.path.exists():
            with self._connect() as db:
                models = dict(db.execute("SELECT m.key, COUNT(*) FROM vectors v JOIN models m "
                                         "ON m.id = v.model GROUP BY m.key ORDER BY m.key").fetchall())
        return {"path": str(self.path), "entries": sum(models.values()), "bytes": size, "models": models}

    def clear(self) -> int:
        """Delete every entry and give the space back; returns how many there were."""
        if not self.path.exists():
            return 0
        with self._connect() as db:
            count = db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
            db.execute("DELETE FROM vectors")
            db.execute("DELETE FROM models")
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count


class _Embedder(Protocol):
    dimension: int

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray: ...


def encode_cached(encoder: _Embedder, texts: Sequence[str], cache: VectorCache | None, model_key: str, *,
                  show_progress: bool = False, chunk: int = CHUNK, out: np.ndarray | None = None) -> np.ndarray:
    """Embed ``texts`` like ``encoder.encode``, taking known texts from ``cache``.

    Duplicates are embedded once. New texts are embedded ``chunk`` at a time and each chunk is
    stored as soon as it is done, so an interrupted run loses at most one chunk of work. The
    vectors are written into ``out`` when given (say, a memory-mapped ``(len(texts), dimension)``
    matrix), so only one chunk of texts and vectors is in memory at a time.
    """
    dimension = encoder.dimension
    out = np.empty((len(texts), dimension), dtype=np.float32) if out is None else out
    keys = [text_key(t) for t in texts]
    rows_of: dict[bytes, list[int]] = {}
    for row, key in enumerate(keys):
        rows_of.setdefault(key, []).append(row)
    unique = list(rows_of)
    missing: list[bytes] = []
    for start in range(0, len(unique), chunk):
        batch = unique[start:start + chunk]
        found = cache.get(model_key, batch, dimension) if cache is not None else {}
        for key in batch:
            if key in found:
                out[rows_of[key]] = found[key]
            else:
                missing.append(key)
    if show_progress and texts:
        print(f"embedding cache: {len(unique) - len(missing)} of {len(unique)} distinct texts cached, "
              f"{len(missing)} to embed", file=sys.stderr)
    for start in range(0, len(missing), chunk):
        batch = missing[start:start + chunk]
        vectors = encoder.encode([texts[rows_of[key][0]] for key in batch], show_progress=show_progress)
        if cache is not None:
            cache.put(model_key, batch, vectors)
        for key, vector in zip(batch, vectors):
            out[rows_of[key]] = vector
    return out

