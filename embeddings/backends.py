"""What can run a model, and which of them does: the backend and precision names, the `Backend`
protocol both backends meet, and the one decision of backend and device.

Imports nothing heavy: the settings check names against `BACKENDS` and `PRECISIONS` before any
model is loaded, and a run served from the embedding cache never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal, Protocol, get_args

import numpy as np

BackendName = Literal["ctranslate2", "torch"]
PrecisionName = Literal["fp32", "int8"]
BACKENDS: tuple[str, ...] = get_args(BackendName)
PRECISIONS: tuple[str, ...] = get_args(PrecisionName)
# Each backend's measured best (docs/speed.md): CTranslate2 int8 is about 2x plain fp32 at the
# same accuracy; torch's dynamic int8 is 1.3x but loses 0.010 Tatoeba margin top-1.
DEFAULT_PRECISION = {"ctranslate2": "int8", "torch": "fp32"}


class Backend(Protocol):
    """Runs the transformer: texts of a batch (NFC, in their batch) in, vectors out. The prompt,
    the order of the texts and their batches, and the checks on the vectors are the `Encoder`'s."""

    @property
    def model(self) -> Any:
        """What was loaded (a SentenceTransformer, a ctranslate2.Encoder), for callers that time it."""

    @property
    def dimension(self) -> int: ...

    def embed(self, batches: list[list[str]], prompt: str) -> Iterator[np.ndarray]:
        """Each batch's pooled, L2-normalised float32 rows, in order."""

    def token_states(self, texts: list[str], prompt: str) -> list[np.ndarray]:
        """Each text's last-layer token vectors, special tokens and prompt included, in order."""


def ctranslate2_gpus() -> int:
    """CUDA devices, asked of CTranslate2: it imports in 0.1 s, torch in 2 s."""
    import ctranslate2

    return ctranslate2.get_cuda_device_count()


def torch_has_cuda() -> bool:
    """Whether torch can use CUDA: a CPU-only torch cannot, whatever the machine has."""
    import torch

    return torch.cuda.is_available()


def choose_backend_and_device(backend: str | None, device: str | None, precision: str | None, *,
                              runs_on_ctranslate2: Callable[[], bool]) -> tuple[str, str]:
    """``(backend, device)`` from what was asked (None: no preference) and what is there.

    A GPU is used only where CTranslate2 sees one and torch can use it: a CPU-only torch on a
    GPU machine gets CTranslate2 on the CPU where it runs the model, not torch on the CPU. Torch is asked only where
    a GPU is seen and would be used. Int8 runs on the CPU (torch's int8 layers are CPU-only), and
    CTranslate2 runs on the CPU where ``runs_on_ctranslate2()`` (asked last: it reads files).
    """
    if backend == "ctranslate2":
        return backend, "cpu"
    if device is None:
        device = "cuda" if precision != "int8" and ctranslate2_gpus() > 0 and torch_has_cuda() else "cpu"
    if backend is None:
        backend = "ctranslate2" if device == "cpu" and runs_on_ctranslate2() else "torch"
    return backend, "cpu" if precision == "int8" else device
