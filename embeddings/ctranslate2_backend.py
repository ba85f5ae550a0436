"""A sentence-transformers model run by CTranslate2: the same pipeline, about twice as fast on a CPU.

CTranslate2 runs the transformer; we do what sentence-transformers does around it (prompt,
tokenizer, mean or CLS pooling, normalisation). Its int8 mode quantises each token's activations
with a scale of its own, which is why it keeps the accuracy that per-batch scales lose
(docs/speed.md). Only the plain pipeline is taken (a BERT-family encoder, then pooling, then
optionally `Normalize`); anything else stays with sentence-transformers.

A model is converted once per precision into the cache, and the conversion is kept only if it
reproduces sentence-transformers: the same token ids and nearly the same vectors on probe texts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.default_model import build_once, cache_root
from embeddings.fingerprint import content_fingerprint, verified_manifest, write_manifest

COMPUTE_TYPES = {"fp32": "float32", "int8": "int8"}
# The encoder families CTranslate2's Transformers converter reads (config.json model_type).
MODEL_TYPES = {"bert", "distilbert", "roberta", "xlm-roberta", "camembert"}
POOLING = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
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


class UnsupportedModel(Exception):
    """CTranslate2 cannot run this sentence-transformers pipeline the way sentence-transformers does."""


@dataclass(frozen=True)
class Pipeline:
    """What sentence-transformers does around the transformer, read from the model's folder."""

    max_length: int  # tokens, as sentence-transformers truncates
    lower_case: bool
    pooling: str  # "mean" or "cls"
    dimension: int


def read_pipeline(folder: Path) -> Pipeline:
    """The folder's pipeline, or ``UnsupportedModel`` saying why CTranslate2 cannot run it."""
    try:
        modules = _json(folder / "modules.json")
        kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
        config = _json(folder / "config.json")
        st_config = _json(folder / "sentence_bert_config.json")
        tokenizer_path = folder / "tokenizer_config.json"
        tokenizer_config = _json(tokenizer_path) if tokenizer_path.is_file() else {}
        pooling_config = _json(folder / modules[1]["path"] / "config.json") if kinds[1:2] == ["Pooling"] else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise UnsupportedModel(f"its sentence-transformers files cannot be read ({exc})") from exc
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]) or modules[0].get("path"):
        raise UnsupportedModel(f"its modules are {' -> '.join(kinds)}, not Transformer -> Pooling [-> Normalize]")
    if config.get("model_type") not in MODEL_TYPES:
        raise UnsupportedModel(f"its transformer is a {config.get('model_type')!r}, not one of {sorted(MODEL_TYPES)}")
    if not isinstance(config.get("max_position_embeddings"), int):
        raise UnsupportedModel("its config.json gives no max_position_embeddings")
    if not (folder / "tokenizer.json").is_file():
        raise UnsupportedModel("it has no tokenizer.json (a fast tokenizer)")
    modes = sorted(key for key, value in pooling_config.items() if key.startswith("pooling_mode") and value)
    if len(modes) != 1 or modes[0] not in POOLING or pooling_config.get("include_prompt") is False:
        raise UnsupportedModel(f"its pooling is {modes or 'none'}, not mean or CLS alone")
    if not isinstance(pooling_config.get("word_embedding_dimension"), int):
        raise UnsupportedModel("its pooling config gives no word_embedding_dimension")
    if set(st_config) - {"max_seq_length", "do_lower_case"}:
        raise UnsupportedModel(f"its tokenizer settings {sorted(set(st_config))} go beyond max_seq_length, "
                               "do_lower_case")
    # sentence-transformers: max_seq_length, else the tokenizer's limit capped at the model's positions
    max_length = st_config.get("max_seq_length") or min(int(tokenizer_config.get("model_max_length") or 1e9),
                                                         config["max_position_embeddings"])
    return Pipeline(max_length=int(max_length), lower_case=bool(st_config.get("do_lower_case")),
                    pooling=POOLING[modes[0]], dimension=pooling_config["word_embedding_dimension"])


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


class CTranslate2Model:
    """Texts in, pooled and L2-normalised float32 rows out."""

    def __init__(self, tokenizer, converted: Path, pipeline: Pipeline, precision: str, threads: int) -> None:
        import ctranslate2

        self.pipeline = pipeline
        self.tokenizer = tokenizer  # the model's tokenizer.json (tokenizers.Tokenizer)
        self.room = pipeline.max_length - tokenizer.num_special_tokens_to_add(False)  # for the text's tokens
        # One thread per batch and batches side by side: 1.3-1.5x two threads on each batch in
        # turn (2 cores, docs/speed.md), as no layer waits for the slowest thread. The bytes are
        # the same either way.
        self.workers = max(1, threads)
        self.model = ctranslate2.Encoder(str(converted), device="cpu", compute_type=COMPUTE_TYPES[precision],
                                         intra_threads=1, inter_threads=self.workers)

    def token_ids(self, texts: list[str], prompt: str) -> list[list[int]]:
        texts = [prompt + text for text in texts]
        if self.pipeline.lower_case:
            texts = [text.lower() for text in texts]
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        for encoding in encodings:  # truncated as transformers does: the text, then <s> and </s> around it
            encoding.truncate(self.room)
        return [self.tokenizer.post_process(encoding).ids for encoding in encodings]

    def encode_batches(self, batches: list[list[str]], prompt: str = "") -> Iterator[np.ndarray]:
        """``encode`` of each batch, in order, ``workers`` batches at a time (CTranslate2 lets go
        of the GIL while it computes)."""
        # map() tokenizes every batch here, in this thread, before the workers start on them
        ids = (self.token_ids(batch, prompt) for batch in batches)
        with ThreadPoolExecutor(self.workers) as pool:
            yield from pool.map(self._forward, ids)

    def encode(self, texts: list[str], prompt: str = "") -> np.ndarray:
        return self._forward(self.token_ids(texts, prompt))

    def token_vectors(self, texts: list[str], prompt: str = "") -> list[np.ndarray]:
        """Each text's last-layer token vectors, special tokens included, in order."""
        ids = self.token_ids(texts, prompt)
        hidden = self._hidden(ids)
        return [hidden[row, :len(row_ids)] for row, row_ids in enumerate(ids)]

    def _hidden(self, ids: list[list[int]]) -> np.ndarray:
        return np.asarray(self.model.forward_batch(ids).last_hidden_state, dtype=np.float32)

    def _forward(self, ids: list[list[int]]) -> np.ndarray:
        hidden = self._hidden(ids)
        lengths = np.array([len(row) for row in ids])
        if self.pipeline.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = np.arange(hidden.shape[1])[None, :] < lengths[:, None]
            pooled = np.einsum("bt,btd->bd", mask.astype(np.float32), hidden) / lengths[:, None]
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


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
        check_agreement(reference(), CTranslate2Model(tokenizer, folder, read_pipeline(source), precision, 0),
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


def check_agreement(reference, model: CTranslate2Model, precision: str, prompt: str) -> None:
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
