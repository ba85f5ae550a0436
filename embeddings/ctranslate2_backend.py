"""A sentence-transformers model run by CTranslate2: the same pipeline, about twice as fast on a CPU.

CTranslate2 runs the transformer alone; `embeddings.steps` does what sentence-transformers does
around it (tokenizer, truncation, mean or CLS pooling, normalisation), and the `Encoder` the rest.
Its int8 mode quantises each token's activations with a scale of its own, which is why it keeps
the accuracy that per-batch scales lose (docs/speed.md). Only the plain pipeline is taken (a
BERT-family encoder, then pooling, then optionally `Normalize`); anything else stays with
sentence-transformers.

A model is converted once per precision into the cache, and the conversion is kept only if it
reproduces sentence-transformers: the same token ids and nearly the same vectors on probe texts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from embeddings.default_model import build_once, cache_root
from embeddings.errors import ModelLoadError, first_line
from embeddings.fingerprint import content_fingerprint, verified_manifest, write_manifest
from embeddings.model_files import Pipeline, UnsupportedModel, read_pipeline
from embeddings.steps import pool, token_ids
from embeddings.torch_backend import load_sentence_transformer, quiet_loading

COMPUTE_TYPES = {"fp32": "float32", "int8": "int8"}
# Lowest cosine to sentence-transformers' fp32 vector on the probe texts. int8 measured
# 0.996 at worst on Tatoeba (docs/speed.md); a wrong conversion (other tokens, other
# pooling, lost positions) falls far below either bound.
AGREEMENT = {"fp32": 0.9999, "int8": 0.99}
PROBE_TEXTS = [
    "Ο πρωθυπουργός ανακοίνωσε νέα μέτρα στήριξης για τις οικογένειες.",
    "The prime minister announced new support measures for families.",
    "Σεισμός 5,2 Ρίχτερ στην Κρήτη, χωρίς ζημιές",
    "BREAKING: strong earthquake hits Crete   #Greece @ERTnews https://t.co/x",
    "ok",
    " ".join(["Η Βουλή ψήφισε το νομοσχέδιο για την ενέργεια και τις τιμές του ρεύματος."] * 60),  # truncated
]


class CTranslate2Backend:
    """The transformer run by CTranslate2, between sentence-transformers' own steps (`embeddings.steps`)."""

    def __init__(self, tokenizer, converted: Path, pipeline: Pipeline, precision: str, threads: int) -> None:
        import ctranslate2

        self.pipeline = pipeline
        self.tokenizer = tokenizer  # the model's tokenizer.json (tokenizers.Tokenizer)
        # One thread per batch and batches side by side: 1.3-1.5x two threads on each batch in
        # turn (2 cores, docs/speed.md), as no layer waits for the slowest thread. The bytes are
        # the same either way.
        self.workers = max(1, threads)
        self.model = ctranslate2.Encoder(str(converted), device="cpu", compute_type=COMPUTE_TYPES[precision],
                                         intra_threads=1, inter_threads=self.workers)

    @property
    def dimension(self) -> int:
        return self.pipeline.dimension

    def token_ids(self, texts: list[str], prompt: str) -> list[list[int]]:
        return token_ids(self.tokenizer, self.pipeline, texts, prompt)

    def embed(self, batches: list[list[str]], prompt: str) -> Iterator[np.ndarray]:
        """``encode`` of each batch, in order, ``workers`` batches at a time (CTranslate2 lets go
        of the GIL while it computes)."""
        # map() tokenizes every batch here, in this thread, before the workers start on them
        ids = (self.token_ids(batch, prompt) for batch in batches)
        with ThreadPoolExecutor(self.workers) as pool:
            yield from pool.map(self._pooled, ids)

    def encode(self, texts: list[str], prompt: str = "") -> np.ndarray:
        return self._pooled(self.token_ids(texts, prompt))

    def token_states(self, texts: list[str], prompt: str) -> list[np.ndarray]:
        ids = self.token_ids(texts, prompt)
        hidden = self._hidden(ids)
        return [hidden[row, :len(row_ids)] for row, row_ids in enumerate(ids)]

    def _hidden(self, ids: list[list[int]]) -> np.ndarray:
        """The forward pass, the one step that is CTranslate2's: padded last-layer states."""
        return np.asarray(self.model.forward_batch(ids).last_hidden_state, dtype=np.float32)

    def _pooled(self, ids: list[list[int]]) -> np.ndarray:
        return pool(self._hidden(ids), ids, self.pipeline.pooling)


def load_ctranslate2(name: str, path: Path, fingerprint: str, precision: str, prompt: str,
                     tokenizer) -> CTranslate2Backend:
    """The model's conversion (made and checked first where missing), loaded; ``ModelLoadError``
    where CTranslate2 cannot run it as sentence-transformers does."""
    try:
        pipeline = read_pipeline(path)
        with quiet_loading():  # the converter loads the model with transformers
            folder = prepare_converted(path, fingerprint, precision, prompt, tokenizer,
                                       reference=lambda: load_sentence_transformer(name, path, "cpu"))
        return CTranslate2Backend(tokenizer, folder, pipeline, precision, threads=cpu_threads())
    except UnsupportedModel as exc:
        raise ModelLoadError(f"model {name!r} cannot run on the ctranslate2 backend: {exc}; "
                             "use backend torch") from exc
    except (OSError, RuntimeError, ValueError) as exc:  # conversion or loading failed
        raise ModelLoadError(f"model {name!r}: CTranslate2 cannot convert or load it "
                             f"({first_line(exc)}); use backend torch") from exc


def cpu_threads() -> int:
    """The threads a CPU backend may use: `OMP_NUM_THREADS` where set (Ray sets it for its
    workers), else the CPUs this process may run on."""
    if os.environ.get("OMP_NUM_THREADS", "").isdigit() and int(os.environ["OMP_NUM_THREADS"]) > 0:
        return int(os.environ["OMP_NUM_THREADS"])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def converted_dir(fingerprint: str, precision: str) -> Path:
    import ctranslate2

    safe = re.sub(r"[^\w.@-]", "_", fingerprint).replace("@", "-")
    return cache_root() / "ctranslate2" / f"{safe}-{precision}-ct2-{ctranslate2.__version__}"


def prepare_converted(source: Path, fingerprint: str, precision: str, prompt: str, tokenizer, reference) -> Path:
    """The converted model folder, converting and checking it first if missing or damaged.

    ``reference()`` gives the sentence-transformers model to check the conversion against; it
    is only loaded when a conversion is made (`build_once`: safe between processes).
    """
    def build(folder: Path) -> None:
        _convert(source, folder, precision)
        check_agreement(reference(), CTranslate2Backend(tokenizer, folder, read_pipeline(source), precision, 0),
                        precision, prompt)
        write_manifest(folder)

    return build_once(converted_dir(fingerprint, precision), _intact, build)


def _intact(folder: Path) -> bool:
    """Complete, and its bytes hashed again (once per process): vectors of rotten weights would
    otherwise reach the cache under the model's good fingerprint."""
    return verified_manifest(folder) is not None and not content_fingerprint(folder.name, folder)[1]


def _convert(source: Path, output: Path, precision: str) -> None:
    import contextlib
    import io

    from ctranslate2.converters import TransformersConverter

    # the converter prints a loading report (an unused pooler) on stdout, which carries our data
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        TransformersConverter(str(source)).convert(str(output), quantization=COMPUTE_TYPES[precision], force=True)


def check_agreement(reference, model: CTranslate2Backend, precision: str, prompt: str) -> None:
    """Raise ``UnsupportedModel`` unless ``model`` tokenises the probe texts as ``reference`` (a
    SentenceTransformer) does and embeds them within ``AGREEMENT[precision]`` cosine of it."""
    expected = reference.preprocess(PROBE_TEXTS, prompt=prompt or None)
    mask = expected["attention_mask"].bool()
    expected_ids = [row[keep].tolist() for row, keep in zip(expected["input_ids"], mask)]
    if model.token_ids(PROBE_TEXTS, prompt) != expected_ids:
        raise UnsupportedModel("its tokenizer gives other token ids outside sentence-transformers")
    ours = model.encode(PROBE_TEXTS, prompt)
    theirs = reference.encode(PROBE_TEXTS, prompt=prompt or None, convert_to_numpy=True)
    cosine = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
    if cosine.min() < AGREEMENT[precision]:
        raise UnsupportedModel(f"its {precision} vectors are {cosine.min():.4f} cosine from sentence-transformers' "
                               f"at worst (at least {AGREEMENT[precision]} needed)")
