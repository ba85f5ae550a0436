"""The CTranslate2 backend: the default on a CPU, the same pipeline as sentence-transformers,
conversions kept only when they reproduce it, and a plain error where it cannot run a model."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

from aligner.cli import app
from embeddings import Encoder, ModelLoadError, ctranslate2_backend
from embeddings.ctranslate2_backend import cpu_threads
from embeddings.model_files import UnsupportedModel, read_pipeline

TEXTS = ["Σεισμός 5,8 Ρίχτερ στην Κρήτη, χωρίς ζημιές", "Earthquake hits Crete, no damage reported #Greece",
         "Οι αγρότες απέκλεισαν την εθνική οδό", "Farmers block the national highway https://t.co/x @ERTnews",
         "ok", "  spaces  around  ", "Η Βουλή ψήφισε το νομοσχέδιο. " * 80]  # the last is truncated at 512 tokens


@pytest.fixture(scope="module")
def torch_fp32():
    return Encoder(backend="torch", precision="fp32")


def test_default_on_a_cpu_is_ctranslate2_int8(encoder):
    assert (encoder.backend, encoder.precision, encoder.device) == ("ctranslate2", "int8", "cpu")
    assert encoder.cache_key == f"{encoder.fingerprint}/ctranslate2/int8"


@pytest.mark.parametrize("precision, bound", [("fp32", 0.99999), ("int8", 0.99)])
def test_ctranslate2_reproduces_sentence_transformers(torch_fp32, precision, bound):
    ours = Encoder(backend="ctranslate2", precision=precision)
    ids = ours.runner.token_ids(TEXTS, ours.prompt)
    expected = torch_fp32.model.preprocess(TEXTS, prompt=torch_fp32.prompt)
    assert ids == [row[mask.bool()].tolist() for row, mask in zip(expected["input_ids"], expected["attention_mask"])]
    assert len(ids[-1]) == 512
    cosines = (ours.encode(TEXTS) * torch_fp32.encode(TEXTS)).sum(axis=1)
    # measured over the 2,000 Tatoeba sentences: fp32 1.00000, int8 0.996 at worst, 0.9988 on average
    assert cosines.min() >= bound, cosines


def test_texts_are_ordered_by_their_length_in_tokens(encoder):
    ids = encoder.runner.token_ids(TEXTS[:6], encoder.prompt)
    assert encoder.lengths(TEXTS[:6]).tolist() == [len(row) - 2 for row in ids]  # less <s> and </s>
    assert encoder.lengths(TEXTS)[-1] > 512  # not truncated: only the order depends on it


def test_vectors_depend_neither_on_threads_nor_on_the_run(encoder):
    """Ray actors run with one thread, a local run with all of them: the bytes must not move."""
    one = ctranslate2_backend.CTranslate2Backend(encoder.tokenizer, _converted(encoder),
                                                 read_pipeline(encoder.path), "int8", threads=1)
    batch = TEXTS[:6]
    assert one.encode(batch, encoder.prompt).tobytes() == encoder.runner.encode(batch, encoder.prompt).tobytes()
    assert cpu_threads() >= 1 and encoder.encode(TEXTS).tobytes() == encoder.encode(TEXTS).tobytes()


def _converted(encoder: Encoder) -> Path:
    return ctranslate2_backend.converted_dir(encoder.fingerprint, encoder.precision)


def _variant(tmp_path: Path, source: Path, **changes: dict) -> Path:
    """A copy of ``source`` (weights linked) with some of its small JSON files changed."""
    folder = tmp_path / "variant"
    folder.mkdir()
    for path in source.rglob("*"):
        target = folder / path.relative_to(source)
        if path.is_dir():
            target.mkdir(exist_ok=True)
        elif path.name != "aligner-manifest.json":
            target.symlink_to(path) if path.stat().st_size > 1 << 20 else shutil.copy(path, target)
    for relative, content in changes.items():
        (folder / relative).write_text(json.dumps(content))
    return folder


@pytest.mark.parametrize("changes, reason", [
    ({"1_Pooling/config.json": {"word_embedding_dimension": 384, "pooling_mode_max_tokens": True}},
     "pooling is \\['pooling_mode_max_tokens'\\]"),
    ({"config.json": {"model_type": "gpt2"}}, "transformer is a 'gpt2'"),
    ({"sentence_bert_config.json": {"max_seq_length": 512, "processing_kwargs": {}}}, "tokenizer settings"),
])
def test_pipelines_ctranslate2_cannot_run_stay_with_torch(encoder, tmp_path, changes, reason):
    folder = _variant(tmp_path, encoder.path, **changes)
    with pytest.raises(UnsupportedModel, match=reason):
        read_pipeline(folder)
    assert Encoder(str(folder)).backend == "torch"
    with pytest.raises(ModelLoadError, match=f"cannot run on the ctranslate2 backend: its {reason}") as error:
        Encoder(str(folder), backend="ctranslate2").model  # noqa: B018 - loading is what is refused
    assert "\n" not in str(error.value) and "use backend torch" in str(error.value)


def test_a_conversion_that_does_not_reproduce_the_model_is_refused_and_not_kept(encoder, tmp_path, monkeypatch):
    monkeypatch.setattr(ctranslate2_backend, "cache_root", lambda: tmp_path)
    monkeypatch.setitem(ctranslate2_backend.AGREEMENT, "fp32", 1.5)  # no cosine reaches it
    with pytest.raises(ModelLoadError, match="cosine from sentence-transformers' at worst") as error:
        Encoder(backend="ctranslate2", precision="fp32").model  # noqa: B018
    assert "\n" not in str(error.value)
    assert [p.name for p in (tmp_path / "ctranslate2").iterdir() if p.is_dir()] == []  # no staging left behind


@pytest.mark.slow
def test_a_damaged_conversion_is_made_again(encoder, tmp_path, monkeypatch):
    monkeypatch.setattr(ctranslate2_backend, "cache_root", lambda: tmp_path)
    fresh = Encoder(backend="ctranslate2", precision="fp32")
    expected = fresh.encode(TEXTS)
    weights = _converted(fresh) / "model.bin"
    stat = weights.stat()
    with open(weights, "r+b") as handle:  # bit rot: the bytes change, the size and time do not
        handle.seek(stat.st_size // 2)
        handle.write(b"\x00" * 4096)
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = Encoder(backend="ctranslate2", precision="fp32")
    assert again.encode(TEXTS).tobytes() == expected.tobytes()
    assert ctranslate2_backend._intact(weights.parent)


def test_backend_choices_are_checked():
    with pytest.raises(ModelLoadError, match="backend must be one of ctranslate2, torch"):
        Encoder(backend="onnx")
    with pytest.raises(ModelLoadError, match="runs on the CPU"):
        Encoder(backend="ctranslate2", device="cuda")
    assert Encoder(device="cuda").backend == "torch"  # a GPU asked for: sentence-transformers runs it
    result = CliRunner().invoke(app, ["align", str(EXAMPLES), "--backend", "onnx"])
    assert result.exit_code == 2 and result.stderr.startswith("error: backend must be one of")


def test_the_output_says_what_computed_its_vectors(tmp_path):
    out = tmp_path / "pairs.jsonl"
    result = CliRunner().invoke(app, ["align", str(EXAMPLES), "--backend", "torch", "--no-cache", "-o", str(out)])
    assert result.exit_code == 0, result.output
    models = [json.loads(line)["model"] for line in out.read_text().splitlines()]
    assert models and all(model == models[0] for model in models)
    assert (models[0]["backend"], models[0]["precision"]) == ("torch", "fp32")
