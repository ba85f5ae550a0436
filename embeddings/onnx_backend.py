"""The ONNX Runtime backend: the torch path's embeddings, about twice as fast on a CPU.

For a sentence-transformers model whose pipeline is Transformer -> mean Pooling (-> Normalize),
the transformer is exported once to ONNX in the cache (``cache_root()/onnx/``). Texts then go
through the model's own tokenizer (with its prompt and maximum length), ONNX Runtime, mean
pooling over the attention mask and L2 normalisation: what sentence-transformers computes, to
a cosine of 1.000000 (tests/test_embeddings.py), without importing torch. The speed against
plain sentence-transformers: benchmarks/embedding_speed.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.default_model import cache_root, locked

EXPORT_VERSION = 1  # bump when the exported graph changes, so old exports are rebuilt


def supports(folder: Path) -> bool:
    """True for a Transformer -> mean Pooling [-> Normalize] pipeline (the modules we reproduce)."""
    try:
        modules = json.loads((folder / "modules.json").read_text())
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text())
    except (OSError, ValueError, KeyError, IndexError):
        return False
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        value for key, value in pooling.items() if key.startswith("pooling_mode_") and key != "pooling_mode_mean_tokens")
    return kinds in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]) and bool(mean_only) \
        and modules[0]["path"] == ""


def exported_model(folder: Path, fingerprint: str) -> Path:
    """The model's transformer as ONNX in the cache, exported first if missing (under a lock;
    written to a temporary file and renamed, so a killed export leaves nothing half-written)."""
    key = hashlib.sha256(f"{fingerprint}/v{EXPORT_VERSION}".encode()).hexdigest()[:16]
    target = cache_root() / "onnx" / f"{fingerprint.split('@')[0]}-{key}.onnx"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with locked(target.with_suffix(".lock")):
        if not target.is_file():
            handle, staging = tempfile.mkstemp(dir=target.parent, suffix=".partial")
            os.close(handle)
            try:
                _export(folder, Path(staging))
                os.replace(staging, target)
            finally:
                Path(staging).unlink(missing_ok=True)
    return target


def _export(folder: Path, out: Path) -> None:
    """input_ids, attention_mask -> last_hidden_state, fp32, any batch size and length."""
    import torch
    from transformers import AutoModel

    # the TorchScript exporter with eager attention gives a graph ONNX Runtime fuses well
    model = AutoModel.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32,
                                      attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 41, 1294, 12, 7806, 2, 1, 1], [0, 41, 1294, 12, 7806, 5891, 4094, 2]])
    names = ("input_ids", "attention_mask", "last_hidden_state")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notices about shapes: the export is checked by the tests
        torch.onnx.export(LastHiddenState(), (ids, (ids != 1).long()), str(out), dynamo=False, opset_version=17,
                          input_names=list(names[:2]), output_names=[names[2]],
                          dynamic_axes={name: {0: "batch", 1: "tokens"} for name in names})


class OnnxEncoder:
    """Prompted, NFC texts in; L2-normalised float32 rows out (see the module docstring)."""

    def __init__(self, folder: Path, onnx_path: Path, *, prompt: str, batch_size: int) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.max_length = _max_length(folder, self.tokenizer.model_max_length)
        self.prompt = prompt
        self.batch_size = batch_size
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: the graph notices are not for our users
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        from tqdm import tqdm

        texts = [self.prompt + text for text in texts]
        order = np.argsort([-len(text) for text in texts], kind="stable")  # little padding per batch
        out: np.ndarray | None = None
        for start in tqdm(range(0, len(texts), self.batch_size), desc="Batches", disable=not show_progress):
            rows = order[start:start + self.batch_size]
            batch = self.tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                   max_length=self.max_length, return_tensors="np")
            feeds = {name: batch[name].astype(np.int64) for name in ("input_ids", "attention_mask")}
            if "token_type_ids" in self.inputs:
                feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
            hidden = self.session.run(None, feeds)[0]
            mask = feeds["attention_mask"][:, :, None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            if out is None:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


def prompt_text(folder: Path) -> str:
    """The prompt `Encoder` applies: the model's default prompt, else its ``query`` prompt."""
    path = folder / "config_sentence_transformers.json"
    config = json.loads(path.read_text()) if path.is_file() else {}
    prompts = config.get("prompts") or {}
    default = config.get("default_prompt_name")
    return prompts[default] if default in prompts else prompts.get("query", "")


def _max_length(folder: Path, tokenizer_limit: int) -> int:
    """sentence-transformers' max_seq_length, capped by the tokenizer and the position table."""
    path = folder / "sentence_bert_config.json"
    configured = json.loads(path.read_text()).get("max_seq_length") if path.is_file() else None
    positions = json.loads((folder / "config.json").read_text()).get("max_position_embeddings")
    return int(min(x for x in (configured, tokenizer_limit, positions) if x))
