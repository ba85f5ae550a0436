"""A model's folder and what its files say, read in one place for every backend: where the model
is, its prompt, its dimension, its tokenizer, and the pipeline sentence-transformers runs around
its transformer (which says whether CTranslate2 can run it too)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from embeddings.default_model import DEFAULT_MODEL_NAME, prepare_default_model
from embeddings.errors import ModelLoadError, first_line

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_ENV = "ALIGNER_MODEL"
# The encoder families CTranslate2's Transformers converter reads (config.json model_type).
MODEL_TYPES = {"bert", "distilbert", "roberta", "xlm-roberta", "camembert"}
POOLING = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


class UnsupportedModel(Exception):
    """CTranslate2 cannot run this sentence-transformers pipeline the way sentence-transformers does."""


@dataclass(frozen=True)
class Pipeline:
    """What sentence-transformers does around the transformer, read from the model's folder."""

    max_length: int  # tokens, as sentence-transformers truncates
    lower_case: bool
    pooling: str  # "mean" or "cls"
    dimension: int


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


def read_prompt(name: str, folder: Path) -> str:
    """The prompt put before every text: the model's default, else its `query` prompt.

    e5 models are trained with `query: ` for symmetric tasks such as ours; models without
    prompts (LaBSE, mpnet) get none.
    """
    config = folder / "config_sentence_transformers.json"
    try:
        settings = _json(config) if config.is_file() else {}
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"model {name!r}: {config} cannot be read: {first_line(exc)}") from exc
    prompts = settings.get("prompts") or {}
    prompt_name = settings.get("default_prompt_name")
    if prompt_name not in prompts:
        prompt_name = "query" if "query" in prompts else None
    return prompts[prompt_name] if prompt_name else ""


def stated_dimension(name: str, folder: Path) -> int | None:
    """The dimension the pooling config states (known without loading the weights), or None
    where the folder has no such config."""
    pooling = folder / "1_Pooling" / "config.json"
    if not pooling.is_file():
        return None
    try:
        return int(_json(pooling)["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"model {name!r}: {pooling} gives no word_embedding_dimension "
                             f"({first_line(exc)})") from exc


def read_tokenizer(name: str, folder: Path) -> Tokenizer | None:
    """The model's fast tokenizer (its tokenizer.json, read by the tokenizers library: neither
    transformers nor torch is imported, about 250 MB less), or None where the model has none."""
    from tokenizers import Tokenizer

    path = folder / "tokenizer.json"
    if not path.is_file():
        return None
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # noqa: BLE001 - every loader failure reads the same to a user
        raise ModelLoadError(f"model {name!r}: {path} cannot be read: {first_line(exc)}") from exc
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


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


def runs_on_ctranslate2(folder: Path) -> bool:
    try:
        read_pipeline(folder)
    except UnsupportedModel:
        return False
    return True


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
