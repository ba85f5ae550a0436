"""The torch backend: sentence-transformers itself, on a GPU or the CPU, in fp32 or dynamic int8.

It runs any sentence-transformers pipeline (Dense layers, other poolings, slow tokenizers), so it
keeps sentence-transformers' own tokenisation and pooling: its vectors are sentence-transformers'
bytes, and the reference the CTranslate2 backend is held to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from embeddings.errors import ModelLoadError, first_line


class TorchBackend:
    """A SentenceTransformer, loaded (and quantised for int8) once."""

    def __init__(self, name: str, path: Path, device: str, precision: str) -> None:
        model = load_sentence_transformer(name, path, device)
        self.model = quantize_int8(model) if precision == "int8" else model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed(self, batches: list[list[str]], prompt: str) -> Iterator[np.ndarray]:
        for batch in batches:
            yield self.model.encode(batch, prompt=prompt or None, batch_size=len(batch),
                                    normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def token_states(self, texts: list[str], prompt: str) -> list[np.ndarray]:
        return [states.float().cpu().numpy() for states in self.model.encode(
            texts, prompt=prompt or None, batch_size=len(texts), output_value="token_embeddings",
            convert_to_numpy=False, show_progress_bar=False)]


def load_sentence_transformer(name: str, path: Path, device: str):
    from sentence_transformers import SentenceTransformer

    try:
        with quiet_loading():
            return SentenceTransformer(str(path), device=device, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - every loader failure reads the same to a user
        raise ModelLoadError(f"model {name!r} at {path} cannot be loaded: {first_line(exc)}") from exc


@contextmanager
def quiet_loading() -> Iterator[None]:
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
