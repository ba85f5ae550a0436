"""Encoder: texts in, L2-normalised float32 rows out, from any sentence-transformers model."""

from __future__ import annotations

import json
import logging
import os
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embeddings.ctranslate2_model import CTranslate2Model, UnsupportedModel, prepare_converted, read_pipeline
from embeddings.default_model import DEFAULT_MODEL_NAME, default_model_dir, forget_build, prepare_default_model
from embeddings.errors import ModelLoadError
from embeddings.fingerprint import content_fingerprint, folder_fingerprint

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_ENV = "ALIGNER_MODEL"
PRECISIONS = ("fp32", "int8")
BACKENDS = ("ctranslate2", "torch")
# Each backend's measured best (docs/speed.md): CTranslate2 int8 is about 2x plain fp32 at the
# same accuracy; torch's dynamic int8 is 1.3x but loses 0.010 Tatoeba margin top-1.
DEFAULT_PRECISION = {"ctranslate2": "int8", "torch": "fp32"}
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


def resolve_model(model: str | None = None) -> tuple[str, Path]:
    """Map a name or path (or `$ALIGNER_MODEL`, or the bundled default) to ``(name, folder)``."""
    model = model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL_NAME
    if model == DEFAULT_MODEL_NAME:
        return model, prepare_default_model()
    path = Path(model).expanduser()
    if path.is_dir():
        if not any((path / name).is_file() for name in ("modules.json", "config.json")):
            # before anything under it is hashed: `--model /usr` would read gigabytes to say no
            raise ModelLoadError(f"model {model!r} is a folder without modules.json or config.json: not a "
                                 "sentence-transformers or transformers model")
        return path.name, path.resolve()
    if path.exists():
        raise ModelLoadError(f"model {model!r} is a file, not a sentence-transformers folder")
    if model.startswith((".", "/", "~")):
        raise ModelLoadError(f"model {model!r}: no such folder")
    return model, _from_hub_cache(model)


def _from_hub_cache(name: str) -> Path:
    """A hub model already in the local Hugging Face cache; we never download at run time."""
    from huggingface_hub import snapshot_download

    candidates = [name] if "/" in name else [name, f"sentence-transformers/{name}"]
    for repo_id in candidates:
        try:
            return Path(snapshot_download(repo_id, local_files_only=True))
        except Exception:  # noqa: BLE001 - any failure means "not available offline"
            continue
    raise ModelLoadError(
        f"model {name!r} is not a local folder and not in the Hugging Face cache (no download at "
        f"run time); use the bundled default ({DEFAULT_MODEL_NAME}, no --model), a local "
        "sentence-transformers folder, or a hub model downloaded beforehand")


def describe_model(model: str | None = None) -> dict:
    """Name, folder, dimension, fingerprint and the backend and precision it would run with,
    without loading the weights where the folder states its dimension."""
    encoder = Encoder(model)
    return {"name": encoder.name, "path": str(encoder.path), "dimension": encoder.dimension,
            "fingerprint": encoder.fingerprint, "backend": encoder.backend, "precision": encoder.precision}


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@contextmanager
def _quiet_loading() -> Iterator[None]:
    """Loading reports and progress bars from transformers are noise for our users."""
    import transformers

    verbosity = transformers.logging.get_verbosity()
    st_logger = logging.getLogger("sentence_transformers")
    st_level = st_logger.level
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    st_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        transformers.logging.set_verbosity(verbosity)
        transformers.logging.enable_progress_bar()
        st_logger.setLevel(st_level)


class Encoder:
    """A sentence-transformers model that embeds texts as L2-normalised float32 rows.

    >>> encoder = Encoder()                 # the bundled multilingual-e5-small
    >>> vectors = encoder.encode(["Σεισμός στην Κρήτη", "Earthquake hits Crete"])
    >>> float(vectors[0] @ vectors[1])      # cosine similarity

    ``backend``: ``ctranslate2`` (CPU) or ``torch`` (sentence-transformers itself); by default
    CTranslate2 on a CPU for the models it runs, torch otherwise. ``precision``: ``fp32`` or
    ``int8``; by default the backend's measured best (`DEFAULT_PRECISION`).
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
    def backend(self) -> str:
        """Decided without importing torch, so that a run served from the cache never does."""
        if self._backend:
            return self._backend
        if self._device not in (None, "cpu") or (self._device is None and _cuda_visible()):
            return "torch"
        try:
            read_pipeline(self.path)
        except UnsupportedModel:
            return "torch"
        return "ctranslate2"

    @cached_property
    def precision(self) -> str:
        return self._precision or DEFAULT_PRECISION[self.backend]

    @cached_property
    def model(self):
        """The model, loaded on first use: a run whose texts are all in the embedding cache never
        pays for importing torch and loading the weights."""
        self._check_files()
        if self.backend == "ctranslate2":
            return self._ctranslate2_model()
        model = self._sentence_transformer(self.device)
        return quantize_int8(model) if self.precision == "int8" else model

    def _sentence_transformer(self, device: str):
        from sentence_transformers import SentenceTransformer

        try:
            with _quiet_loading():
                return SentenceTransformer(str(self.path), device=device, local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - every loader failure reads the same to a user
            raise ModelLoadError(f"model {self.name!r} at {self.path} cannot be loaded: {_first_line(exc)}") from exc

    def _ctranslate2_model(self) -> CTranslate2Model:
        try:
            pipeline = read_pipeline(self.path)
            with _quiet_loading():  # the converter loads the model with transformers
                folder = prepare_converted(self.path, self.fingerprint, self.precision, self.prompt, self.tokenizer,
                                           reference=lambda: self._sentence_transformer("cpu"))
            return CTranslate2Model(self.tokenizer, folder, pipeline, self.precision, threads=cpu_threads())
        except UnsupportedModel as exc:
            raise ModelLoadError(f"model {self.name!r} cannot run on the ctranslate2 backend: {exc}; "
                                 "use backend torch") from exc
        except (OSError, RuntimeError, ValueError) as exc:  # conversion or loading failed
            raise ModelLoadError(f"model {self.name!r}: CTranslate2 cannot convert or load it "
                                 f"({_first_line(exc)}); use backend torch") from exc

    @cached_property
    def device(self) -> str:
        if self.backend == "ctranslate2" or self.precision == "int8":  # torch's int8 layers are CPU-only too
            return "cpu"
        return self._device or pick_device()

    @cached_property
    def dimension(self) -> int:
        pooling = self.path / "1_Pooling" / "config.json"
        if pooling.is_file() and "model" not in self.__dict__:  # read it without loading the weights
            try:
                return int(json.loads(pooling.read_text())["word_embedding_dimension"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ModelLoadError(f"model {self.name!r}: {pooling} gives no word_embedding_dimension "
                                     f"({_first_line(exc)})") from exc
        if self.backend == "ctranslate2":
            return self.model.pipeline.dimension
        return int(self.model.get_embedding_dimension())

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
        """The prompt put before every text: the model's default, else its `query` prompt.

        e5 models are trained with `query: ` for symmetric tasks such as ours; models without
        prompts (LaBSE, mpnet) get none.
        """
        config = self.path / "config_sentence_transformers.json"
        try:
            settings = json.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"model {self.name!r}: {config} cannot be read: {_first_line(exc)}") from exc
        prompts = settings.get("prompts") or {}
        name = settings.get("default_prompt_name")
        if name not in prompts:
            name = "query" if "query" in prompts else None
        return prompts[name] if name else ""

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Embed ``texts`` (NFC-normalised first) as an ``(n, dimension)`` float32 matrix.

        Texts are embedded in batches of ``batch_size`` neighbours in `length_order`, so a text's
        vector depends on its batch alone: texts given already in that order, cut at multiples of
        ``batch_size``, come out byte-identical however the calls are split (across processes too).
        """
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        normalised, batches = self._batches(texts)
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        embedded = self._embed([[normalised[i] for i in rows] for rows in batches])
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
            batch = [normalised[i] for i in rows]
            if self.backend == "ctranslate2":
                hidden = self.model.token_vectors(batch, self.prompt)
            else:
                hidden = [t.float().cpu().numpy() for t in self.model.encode(
                    batch, prompt=self.prompt or None, batch_size=len(batch), output_value="token_embeddings",
                    convert_to_numpy=False, show_progress_bar=False)]
            for row, vectors in zip(rows, hidden):
                own = np.asarray(vectors[skip:len(vectors) - 1], dtype=np.float32)  # without </s>
                out[row] = own / np.maximum(np.linalg.norm(own, axis=1, keepdims=True), 1e-12)
        return out

    def _batches(self, texts: Sequence[str]) -> tuple[list[str], list[np.ndarray]]:
        """The texts NFC-normalised, and their row numbers cut into batches of ``batch_size``
        neighbours in `length_order` (as `encode_cached` orders them)."""
        normalised = [unicodedata.normalize("NFC", text) for text in texts]
        order = length_order(self.lengths(normalised))
        return normalised, [order[start:start + self.batch_size] for start in range(0, len(texts), self.batch_size)]

    @cached_property
    def _prompt_tokens(self) -> int:
        if not self.prompt or self.tokenizer is None:
            return 0
        return len(self.tokenizer.encode(self.prompt.rstrip(), add_special_tokens=False).ids)

    @cached_property
    def tokenizer(self) -> Tokenizer | None:
        """The model's fast tokenizer (its tokenizer.json, read by the tokenizers library: neither
        transformers nor torch is imported, about 250 MB less), or None where the model has none."""
        from tokenizers import Tokenizer

        path = self.path / "tokenizer.json"
        if not path.is_file():
            return None
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:  # noqa: BLE001 - every loader failure reads the same to a user
            raise ModelLoadError(f"model {self.name!r}: {path} cannot be read: {_first_line(exc)}") from exc
        tokenizer.no_padding()
        tokenizer.no_truncation()
        return tokenizer

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

    def _embed(self, batches: list[list[str]]) -> Iterator[np.ndarray]:
        """Each batch's vectors, in order."""
        if self.backend == "ctranslate2":
            yield from self.model.encode_batches(batches, self.prompt)
            return
        for batch in batches:
            yield self.model.encode(batch, prompt=self.prompt or None, batch_size=len(batch),
                                    normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _cuda_visible() -> bool:
    """Whether a CUDA device is there for torch to use, asked of CTranslate2 (imports in 0.1 s, torch in 2 s)."""
    import ctranslate2

    return ctranslate2.get_cuda_device_count() > 0


def cpu_threads() -> int:
    """The threads a CPU backend may use: `OMP_NUM_THREADS` where set (Ray sets it for its
    workers), else the CPUs this process may run on."""
    if os.environ.get("OMP_NUM_THREADS", "").isdigit() and int(os.environ["OMP_NUM_THREADS"]) > 0:
        return int(os.environ["OMP_NUM_THREADS"])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def length_order(lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    """Row order by length, longest first, ties in input order: padding is shortest when each
    batch holds texts of similar length, and a stable sort leaves texts already in it in place."""
    return np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")


def _progress(items: Iterable, total: int, show: bool) -> Iterable:
    if not show:
        return items
    from tqdm import tqdm  # sentence-transformers' own progress bars

    return tqdm(items, total=total, desc="Batches", unit="batch", file=sys.stderr)


def quantize_int8(model):
    """Dynamic int8 quantisation of the model's linear layers, for the CPU.

    Weights get one scale per output channel (per-tensor scales lose too much accuracy), and the
    feed-forward output projections stay fp32: their inputs carry the outlier activations that
    per-tensor dynamic activation scales handle badly (Tatoeba figures in the README).
    """
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    spec = {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and not _is_ffn_output(name)}
    with warnings.catch_warnings():  # torch.ao's deprecation notice points at torchao, not installed
        warnings.simplefilter("ignore")
        return quantize_dynamic(model.cpu(), spec, dtype=torch.qint8)


def _is_ffn_output(name: str) -> bool:
    return name.endswith("output.dense") and "attention" not in name
