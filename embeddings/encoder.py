"""Encoder: texts in, L2-normalised float32 rows out, from any sentence-transformers model."""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embeddings.backends import BACKENDS, DEFAULT_PRECISION, PRECISIONS, Backend, choose_backend_and_device
from embeddings.default_model import DEFAULT_MODEL_NAME, default_model_dir, forget_build
from embeddings.errors import ModelLoadError
from embeddings.fingerprint import content_fingerprint, folder_fingerprint
from embeddings.model_files import (
    MODEL_ENV,
    read_prompt,
    read_tokenizer,
    resolve_model,
    runs_on_ctranslate2,
    stated_dimension,
)

if TYPE_CHECKING:
    from tokenizers import Tokenizer

LENGTHS_AT_ONCE = 4096  # texts tokenised together to measure their lengths
UNIT_TOLERANCE = 1e-3  # |length - 1| of a normalised float32 row is ~1e-7; int8 adds no more


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """For each row: finite and of length 1 (within rounding), as every vector we use must be."""
    with np.errstate(all="ignore"):  # an overflowing norm is simply not 1
        lengths = np.linalg.norm(vectors, axis=1)
    return np.isfinite(vectors).all(axis=1) & (np.abs(lengths - 1) <= UNIT_TOLERANCE)


def check_vectors(vectors: np.ndarray, count: int, dimension: int | None, model: str) -> None:
    """Raise ``ModelLoadError`` unless ``vectors`` are ``count`` finite unit rows (of ``dimension``):
    a NaN would otherwise reach the output as invalid JSON, and a wrong vector the cache."""
    if vectors.ndim != 2 or len(vectors) != count or dimension not in (None, vectors.shape[1]):
        expected = f"{count} rows" + (f" of {dimension}" if dimension else "")
        raise ModelLoadError(f"model {model} gave vectors of shape {vectors.shape}, not {expected}")
    bad = int(count - unit_rows(vectors).sum())
    if bad:
        raise ModelLoadError(f"model {model} gave {bad} of {count} vectors that are not finite unit "
                             "vectors (NaN, infinite or not of length 1); its files may be damaged")


def describe_model(model: str | None = None) -> dict:
    """Name, folder, dimension, fingerprint and the backend and precision it would run with,
    without loading the weights where the folder states its dimension."""
    encoder = Encoder(model)
    return {"name": encoder.name, "path": str(encoder.path), "dimension": encoder.dimension,
            "fingerprint": encoder.fingerprint, "backend": encoder.backend, "precision": encoder.precision}


class Encoder:
    """A sentence-transformers model that embeds texts as L2-normalised float32 rows.

    >>> encoder = Encoder()                 # the bundled multilingual-e5-small
    >>> vectors = encoder.encode(["Σεισμός στην Κρήτη", "Earthquake hits Crete"])
    >>> float(vectors[0] @ vectors[1])      # cosine similarity

    ``backend``: ``ctranslate2`` (CPU) or ``torch`` (sentence-transformers itself); by default
    torch on a GPU that torch can use, else CTranslate2 for the models it runs, else torch
    (`choose_backend_and_device`). ``precision``: ``fp32`` or ``int8``; by default the backend's
    measured best (`DEFAULT_PRECISION`). The prompt, NFC, batching in `length_order` and the
    checks on the vectors are done here, once for both backends (`Backend`).
    """

    def __init__(self, model: str | None = None, *, device: str | None = None, batch_size: int = 32,
                 precision: str | None = None, backend: str | None = None) -> None:
        if precision not in (*PRECISIONS, None):
            raise ModelLoadError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        if backend not in (*BACKENDS, None):
            raise ModelLoadError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        spec = model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL_NAME
        self.name, self.path = resolve_model(spec)
        # What names this model in another process or on another machine: a folder by its
        # absolute path, the bundled default and hub models by name (each machine has its own copy).
        self.spec = str(self.path) if spec != DEFAULT_MODEL_NAME and Path(spec).expanduser().is_dir() else spec
        self._precision = precision
        self._backend = backend
        self._device = device
        self.batch_size = batch_size
        if backend == "ctranslate2" and device not in (None, "cpu"):
            raise ModelLoadError(f"the ctranslate2 backend runs on the CPU, not {device!r}: use backend torch")

    @cached_property
    def _choice(self) -> tuple[str, str]:
        return choose_backend_and_device(self._backend, self._device, self._precision,
                                         runs_on_ctranslate2=lambda: runs_on_ctranslate2(self.path))

    @property
    def backend(self) -> str:
        """Decided without importing torch where no GPU is seen, so that a run served from the
        cache never does."""
        return self._choice[0]

    @property
    def device(self) -> str:
        return self._choice[1]

    @cached_property
    def precision(self) -> str:
        return self._precision or DEFAULT_PRECISION[self.backend]

    @cached_property
    def runner(self) -> Backend:
        """The backend, loaded on first use: a run whose texts are all in the embedding cache
        never pays for importing torch and loading the weights."""
        self._check_files()
        if self.backend == "ctranslate2":
            from embeddings.ctranslate2_backend import load_ctranslate2

            return load_ctranslate2(self.name, self.path, self.fingerprint, self.precision, self.prompt,
                                    self.tokenizer)
        from embeddings.torch_backend import TorchBackend

        return TorchBackend(self.name, self.path, self.device, self.precision)

    @property
    def model(self):
        """What the backend loaded: a SentenceTransformer (torch) or a ctranslate2.Encoder."""
        return self.runner.model

    @cached_property
    def dimension(self) -> int:
        if "runner" in self.__dict__:
            return self.runner.dimension
        return stated_dimension(self.name, self.path) or self.runner.dimension  # without loading the weights

    @cached_property
    def fingerprint(self) -> str:
        """Name plus a hash of the model's config, tokenizer and weight files."""
        return folder_fingerprint(self.name, self.path)

    def _check_files(self) -> None:
        """Hash the files about to be loaded (once per process) and hold them to the fingerprint.

        The fingerprint trusts the manifest while sizes and times match, so bytes that rot in
        place would otherwise be loaded and their vectors cached under the good fingerprint.
        """
        fingerprint, changed = content_fingerprint(self.name, self.path)
        if changed:
            if self.path == default_model_dir():
                forget_build(self.path)  # so that `aligner model prepare` rebuilds it
                fix = f"run `aligner model prepare` to rebuild it (or delete {self.path})"
            else:
                fix = "restore its files or use another copy of the model"
            raise ModelLoadError(f"model {self.name!r} at {self.path} is damaged: its files differ from the "
                                 f"hashes recorded when it was built ({', '.join(changed)}); {fix}")
        if fingerprint != self.fingerprint:
            raise ModelLoadError(f"model {self.name!r} at {self.path} changed on disk while in use (it was "
                                 f"{self.fingerprint}, now {fingerprint}); run again")

    @property
    def cache_key(self) -> str:
        """What the embedding cache keys vectors by: the model's fingerprint, backend and precision."""
        return f"{self.fingerprint}/{self.backend}/{self.precision}"

    @cached_property
    def prompt(self) -> str:
        """The prompt put before every text (`read_prompt`)."""
        return read_prompt(self.name, self.path)

    @cached_property
    def tokenizer(self) -> Tokenizer | None:
        """The model's tokenizer.json, or None (`read_tokenizer`)."""
        return read_tokenizer(self.name, self.path)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False, ordered: bool = False) -> np.ndarray:
        """Embed ``texts`` (NFC-normalised first) as an ``(n, dimension)`` float32 matrix.

        Texts are embedded in batches of ``batch_size`` neighbours in `length_order`, so a text's
        vector depends on its batch alone: texts given already in that order, cut at multiples of
        ``batch_size``, come out byte-identical however the calls are split (across processes too).
        ``ordered``: the texts are in `length_order` already (a chunk of `encode_cached`'s), so
        they are not tokenised again to order them (a stable sort would leave them as they are).
        """
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        normalised, batches = self._batches(texts, ordered)
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        embedded = self.runner.embed([[normalised[i] for i in rows] for rows in batches], self.prompt)
        for rows, batch_vectors in _progress(zip(batches, embedded), len(batches), show_progress):
            vectors[rows] = batch_vectors
        check_vectors(vectors, len(texts), self.dimension, repr(self.name))
        return vectors

    def token_vectors(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's last-layer vectors of its own tokens, L2-normalised rows: the special tokens
        and the prompt's tokens left out (what a BERTScore-style comparison matches).

        Batched in `length_order` like `encode`, so a text's rows depend on its batch alone.
        """
        normalised, batches = self._batches(texts)
        out: list[np.ndarray] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(texts)
        skip = self._prompt_tokens + 1  # <s> and the prompt
        for rows in batches:
            states = self.runner.token_states([normalised[i] for i in rows], self.prompt)
            for row, vectors in zip(rows, states):
                own = np.asarray(vectors[skip:len(vectors) - 1], dtype=np.float32)  # without </s>
                out[row] = own / np.maximum(np.linalg.norm(own, axis=1, keepdims=True), 1e-12)
        return out

    def _batches(self, texts: Sequence[str], ordered: bool = False) -> tuple[list[str], list[np.ndarray]]:
        """The texts NFC-normalised, and their row numbers cut into batches of ``batch_size``
        neighbours in `length_order` (as `encode_cached` orders them; ``ordered``: they are)."""
        normalised = [unicodedata.normalize("NFC", text) for text in texts]
        order = np.arange(len(texts)) if ordered else length_order(self.lengths(normalised))
        return normalised, [order[start:start + self.batch_size] for start in range(0, len(texts), self.batch_size)]

    @cached_property
    def _prompt_tokens(self) -> int:
        if not self.prompt or self.tokenizer is None:
            return 0
        return len(self.tokenizer.encode(self.prompt.rstrip(), add_special_tokens=False).ids)

    def lengths(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's length in tokens (NFC, after the prompt), what `length_order` sorts by: by
        characters, Greek and English texts of one length differ in tokens, and batches of 32
        tweets and posts were a third padding (3-5% by tokens, docs/speed.md). A model without a
        tokenizer.json is ordered by characters."""
        counts = np.empty(len(texts), dtype=np.int64)
        for start in range(0, len(texts), LENGTHS_AT_ONCE):  # the token ids of a million texts would not fit
            batch = [self.prompt + unicodedata.normalize("NFC", text)
                     for text in texts[start:start + LENGTHS_AT_ONCE]]
            counts[start:start + len(batch)] = [len(text) for text in batch] if self.tokenizer is None else \
                [len(encoding.ids) for encoding in self.tokenizer.encode_batch(batch, add_special_tokens=False)]
        return counts


def length_order(lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    """Row order by length, longest first, ties in input order: padding is shortest when each
    batch holds texts of similar length, and a stable sort leaves texts already in it in place."""
    return np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")


def _progress(items: Iterable, total: int, show: bool) -> Iterable:
    if not show:
        return items
    from tqdm import tqdm  # sentence-transformers' own progress bars

    return tqdm(items, total=total, desc="Batches", unit="batch", file=sys.stderr)
