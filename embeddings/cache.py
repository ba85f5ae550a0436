"""A persistent embedding cache: a re-run embeds only the texts it has not seen.

One SQLite file under ``cache_root()/vectors/``, in WAL mode, so several runs can read and write
it at once. Rows are keyed by (model key, sha256 of the NFC text); the model key is the
encoder's fingerprint plus its precision, so vectors of different models or precisions never
mix. Each chunk of new vectors is committed in its own transaction: a run killed midway keeps
everything committed before the kill, and SQLite never exposes a half-written row.

The cache only saves time, so it never stops a run: a damaged file is set aside (renamed to
``vectors.sqlite3.damaged-<time>``, with any WAL left) and a new one started; a cache that cannot be
written is used read-only, and one that cannot be opened at all is skipped, each with one
warning on stderr. Only finite unit vectors go in or come out.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from embeddings.default_model import cache_root, locked
from embeddings.encoder import ModelLoadError, check_vectors, length_order, unit_rows

CHUNK = 2048           # texts embedded (and committed) at a time
_LOOKUP_BATCH = 900    # keys per SELECT, under SQLite's variable limit on old builds
_BUSY_TIMEOUT_S = 120  # another run holding the write lock commits within seconds

T = TypeVar("T")


def default_cache_path() -> Path:
    return cache_root() / "vectors" / "vectors.sqlite3"


def text_key(text: str) -> bytes:
    """sha256 of the NFC-normalised UTF-8 text (what the encoder embeds)."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).digest()


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    # sqlite3 raises the base class exactly for SQLITE_CORRUPT and SQLITE_NOTADB ("database disk
    # image is malformed", "file is not a database"); locks, permissions and I/O are subclasses.
    return type(exc) is sqlite3.DatabaseError


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


class VectorCache:
    """Float32 vectors by (model key, text), in one SQLite file shared by concurrent runs."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.mode = "rw"  # "ro" once it cannot be written, "off" once it cannot be read either
        self._inode: int | None = None  # the file the last connection opened

    @contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[sqlite3.Connection]:
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._inode = self.path.stat().st_ino if self.path.exists() else None
        if read_only:  # no schema, no journal mode: both would write
            with closing(self._read_only()) as db:
                yield db
            return
        with closing(sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
            db.execute("CREATE TABLE IF NOT EXISTS models (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (model INTEGER NOT NULL, text BLOB NOT NULL, "
                       "vector BLOB NOT NULL, PRIMARY KEY (model, text)) WITHOUT ROWID")
            yield db

    def _read_only(self) -> sqlite3.Connection:
        """A connection that writes nothing. A WAL database needs a -shm file beside it even to be
        read; in a folder that cannot be written there is none, and only ``immutable=1`` (which
        trusts that nothing writes the file meanwhile: nothing can, there) opens it."""
        uri = self.path.absolute().as_uri()
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            db.execute("SELECT count(*) FROM sqlite_master").fetchall()  # the open happens here
            return db
        except sqlite3.OperationalError:
            if os.access(self.path.parent, os.W_OK):
                raise
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)

    def _use(self, operation: Callable[[sqlite3.Connection], T], fallback: T, *, write: bool = False) -> T:
        """``operation`` on a connection, or ``fallback`` where the cache cannot serve it.

        A damaged file is set aside and the operation retried on a new one; a file that cannot
        be written or opened turns the cache read-only or off for the rest of this object's life.
        """
        for _ in range(3):  # at most one set-aside and one step down, then give up quietly
            if self.mode == "off" or (write and self.mode == "ro"):
                return fallback
            try:
                with self._connect(read_only=self.mode == "ro") as db:
                    return operation(db)
            except sqlite3.DatabaseError as exc:
                if _is_damage(exc):
                    self._set_aside(exc)
                else:
                    self._step_down(exc)
            except OSError as exc:  # the folder cannot be created, a lock file cannot be opened
                self._step_down(exc)
        return fallback

    def _set_aside(self, exc: Exception) -> None:
        """Rename the damaged file (and its WAL) out of the way, so the next connection starts afresh."""
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S.%f")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        try:
            with locked(self.path.with_name(f"{self.path.name}.lock")):
                # Another run may have set it aside already and started a new file: keep that one.
                if not self.path.exists() or self.path.stat().st_ino != self._inode:
                    return
                for suffix in ("", "-wal", "-shm"):  # a stale WAL would be replayed into the new file
                    if Path(f"{self.path}{suffix}").exists():
                        os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
        except OSError as error:
            self.mode = "off"
            _warn(f"embedding cache {self.path} is damaged ({exc}) and cannot be moved aside ({error}); "
                  "continuing without it")
            return
        _warn(f"embedding cache {self.path} was damaged ({exc}); moved it to {aside.name} and started a new one")

    def _step_down(self, exc: Exception) -> None:
        if self.mode == "rw" and self._readable():
            self.mode = "ro"
            _warn(f"embedding cache {self.path} cannot be written ({exc}); using it read-only "
                  "(nothing is stored or removed)")
        else:
            self.mode = "off"
            _warn(f"embedding cache {self.path} cannot be used ({exc}); continuing without it")

    def _readable(self) -> bool:
        try:
            with self._connect(read_only=True) as db:
                db.execute("SELECT 1 FROM vectors LIMIT 1").fetchall()
            return True
        except (sqlite3.Error, OSError):
            return False

    @staticmethod
    def _model_id(db: sqlite3.Connection, model_key: str, create: bool) -> int | None:
        if create:
            db.execute("INSERT OR IGNORE INTO models (key) VALUES (?)", (model_key,))
        row = db.execute("SELECT id FROM models WHERE key = ?", (model_key,)).fetchone()
        return row[0] if row else None

    def get(self, model_key: str, keys: Sequence[bytes], dimension: int) -> dict[bytes, np.ndarray]:
        """The cached vectors among ``keys`` (see ``text_key``), by key; unusable rows are left out."""
        def lookup(db: sqlite3.Connection) -> dict[bytes, np.ndarray]:
            found: dict[bytes, np.ndarray] = {}
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

        found: dict[bytes, np.ndarray] = self._use(lookup, {})
        if found:  # a NaN or stretched row (written by an older version) is embedded again
            usable = unit_rows(np.stack(list(found.values())))
            found = {key: vector for (key, vector), ok in zip(found.items(), usable) if ok}
        return found

    def put(self, model_key: str, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store rows in one transaction (all or nothing), replacing rows already there (an unusable
        row that ``get`` left out, or the same text stored by another run meanwhile)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        check_vectors(vectors, len(keys), None, model_key)  # nothing unusable is ever stored

        def store(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")  # take the write lock now, waiting for another writer
            try:
                model = self._model_id(db, model_key, create=True)
                db.executemany("INSERT OR REPLACE INTO vectors (model, text, vector) VALUES (?, ?, ?)",
                               ((model, key, row.tobytes()) for key, row in zip(keys, vectors)))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # SQLite rolls back by itself after some errors
                    db.execute("ROLLBACK")
                raise

        self._use(store, None, write=True)

    def info(self) -> dict:
        """Path, entries, size on disk (with the WAL) and entries per model key."""
        models: dict[str, int] = {}
        if self.path.exists():
            models = self._use(lambda db: dict(db.execute(
                "SELECT m.key, COUNT(*) FROM vectors v JOIN models m ON m.id = v.model "
                "GROUP BY m.key ORDER BY m.key").fetchall()), {})
        files = [self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]
        size = sum(p.stat().st_size for p in files if p.exists())
        return {"path": str(self.path), "entries": sum(models.values()), "bytes": size, "models": models}

    def clear(self) -> int:
        """Delete every entry and give the space back; returns how many there were."""
        def delete_all(db: sqlite3.Connection) -> int:
            count = db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
            db.execute("DELETE FROM vectors")
            db.execute("DELETE FROM models")
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return count

        return self._use(delete_all, 0, write=True) if self.path.exists() else 0


class _Embedder(Protocol):
    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], *, show_progress: bool = False, ordered: bool = False) -> np.ndarray: ...

    def lengths(self, texts: Sequence[str]) -> np.ndarray: ...


# Embeds texts (given in `length_order`) and yields (first row, vectors) a chunk at a time, in any
# order: `encode_in_chunks` here, or an engine that spreads the chunks over workers.
ChunkEncoder = Callable[[Sequence[str]], Iterable[tuple[int, np.ndarray]]]


def encode_in_chunks(encoder: _Embedder, texts: Sequence[str], chunk: int = CHUNK, *,
                     show_progress: bool = False) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, vectors) of ``texts``, which are in `length_order`, a chunk at a time."""
    batch = getattr(encoder, "batch_size", 1)
    chunk = max(batch, chunk - chunk % batch)  # cut between batches: see encode_cached
    for start in range(0, len(texts), chunk):
        yield start, encoder.encode(texts[start:start + chunk], show_progress=show_progress, ordered=True)


def encode_cached(encoder: _Embedder, texts: Sequence[str], cache: VectorCache | None, model_key: str, *,
                  show_progress: bool = False, chunk: int = CHUNK, out: np.ndarray | None = None,
                  encode_chunks: ChunkEncoder | None = None) -> np.ndarray:
    """Embed ``texts`` like ``encoder.encode``, taking known texts from ``cache``.

    Duplicates are embedded once. New texts are embedded in `length_order`, in chunks (``chunk``
    at a time here, or as ``encode_chunks`` cuts them), and each chunk is stored as soon as it
    is back, so an interrupted run loses only the chunks not yet back. The order is global and
    chunks are cut at multiples of the encoder's batch size, so every text meets the same batch
    however the chunks are cut. The vectors are written into ``out`` when given (say, a
    memory-mapped ``(len(texts), dimension)`` matrix). Raises ``ModelLoadError`` when the encoder
    gives anything but finite unit vectors, or leaves a text without one.
    """
    dimension = encoder.dimension
    out = np.empty((len(texts), dimension), dtype=np.float32) if out is None else out
    rows_of: dict[bytes, list[int]] = {}
    for row, text in enumerate(texts):
        rows_of.setdefault(text_key(text), []).append(row)
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
              f"{len(missing)} to embed" if cache is not None else
              f"embedding {len(unique)} distinct texts (cache not used)", file=sys.stderr)
    first_rows = [rows_of[key][0] for key in missing]
    order = length_order(encoder.lengths(_Rows(texts, first_rows)) if missing else [])
    missing, new_texts = [missing[i] for i in order], _Rows(texts, [first_rows[i] for i in order])
    chunks = encode_chunks(new_texts) if encode_chunks is not None else \
        encode_in_chunks(encoder, new_texts, chunk, show_progress=show_progress)
    done = np.zeros(len(missing), dtype=bool)
    arriving = iter(chunks)
    try:
        for start, vectors in arriving:
            if not 0 <= start < len(missing) or done[start:start + len(vectors)].any():
                raise ModelLoadError(f"model {model_key}: a chunk of vectors came back for rows "
                                     f"{start}-{start + len(vectors) - 1}, which are not awaited")
            batch = missing[start:start + len(vectors)]
            check_vectors(vectors, len(batch), dimension, model_key)  # before it is cached or returned
            if cache is not None:
                cache.put(model_key, batch, vectors)
            for key, vector in zip(batch, vectors):
                out[rows_of[key]] = vector
            done[start:start + len(vectors)] = True
    finally:  # stopped early: an engine's workers stop with the generator
        getattr(arriving, "close", lambda: None)()
    if not done.all():
        raise ModelLoadError(f"model {model_key}: {int((~done).sum())} of {len(missing)} texts came back "
                             "without a vector")
    return out


class _Rows(Sequence[str]):
    """``texts[rows[i]]``, looked up on access: the texts may be a view of a file on disk."""

    def __init__(self, texts: Sequence[str], rows: list[int]) -> None:
        self.texts, self.rows = texts, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self.texts[row] for row in self.rows[i]]
        return self.texts[self.rows[i]]
