"""`align()` end to end against plain `SentenceTransformer.encode`, on whatever device is there.

    python benchmarks/gpu.py [--size 25000] [--model zero-layer|random|default] [--out FILE.json]

The same command on a CPU and on a CUDA machine (torch picks the device). Input: ``--size``
distinct Greek and as many distinct English texts, each two real sentences (or posts) from
../shared/data (FLORES, elNER, MP tweets) joined, so every text is embedded. Models:

- ``zero-layer`` (default): the default model's tokenizer and embeddings with no transformer
  layer and random weights. The model costs next to nothing, so the ratio shows what the aligner
  adds around it (reading, ordering, spooling, search, evidence, writing).
- ``random``: full depth, random weights: the model's real cost without building the default.
- ``default``: the bundled model itself.

Random weights mean the model check refuses the model and nothing is accepted: the run still
embeds, searches and gathers evidence for every candidate; only the output is small.

Each side runs in its own process (its own peak RSS and CUDA peak), with the model loaded and
warmed before the clock starts. The baseline encodes exactly the texts the aligner embeds, with
its prompt, at batch sizes 32, 64, 128 and 256; the fastest counts. The aligner runs `align()`
with backend torch and no cache, then writes JSONL; its time is align() plus the write. The
ratio is given in wall-clock seconds and in the CPU seconds of each process, which a busy
machine disturbs less.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import DATA, cpu_name

BATCHES = (32, 64, 128, 256)


def _lines(path: Path) -> list[str]:
    return [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _posts(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [" ".join(row["full_text"].split()) for row in csv.DictReader(handle) if row["full_text"].strip()]


def _pool(language: str) -> list[str]:
    flores = DATA / "flores200_devtest_ell_eng"
    if language == "greek":
        return [*_lines(flores / "ell_Grek.devtest"), *_posts(DATA / "mp_tweets_gr_en" / "gr_combined.csv"),
                *(line for name in ("dev", "test")
                  for line in _lines(DATA / "elner_greek_news" / f"elner4_{name}.sentences.el.txt"))]
    return [*_lines(flores / "eng_Latn.devtest"), *_posts(DATA / "mp_tweets_gr_en" / "en_combined.csv")]


def one_statement(text: str) -> str | None:
    """The text if the reader keeps it as one statement (a --greek line is cut into sentences)."""
    from aligner.readers.greek import split_sentences

    sentences = split_sentences(text)
    return text if len(sentences) == 1 and sentences[0].text == text else None


def greek_texts(n: int) -> list[str]:
    """Two Greek sentences joined by a comma, so that each text stays one statement."""
    pool = [text.rstrip(".;!·…") for text in _pool("greek") if one_statement(text)]
    return distinct_texts(pool, n, 1, ", ", one_statement)


def distinct_texts(pool: list[str], n: int, seed: int, glue: str, seen_as) -> list[str]:
    """``n`` texts of two pool items each, distinct as the aligner sees them (``seen_as``; None
    where it would not see one text)."""
    rng, texts, seen = random.Random(seed), [], set()
    while len(texts) < n:
        first, second = rng.sample(pool, 2)
        text = f"{first}{glue}{second}"
        key = seen_as(text)
        if key is not None and key not in seen:
            seen.add(key)
            texts.append(text)
    return texts


def model_folder(kind: str, tmp: Path) -> Path:
    """The default model's folder, or a copy of it with random weights (and no layer)."""
    import torch
    from transformers import BertConfig, BertModel

    from embeddings import Encoder

    default = Encoder(None).path
    if kind == "default":
        return default
    folder = tmp / kind
    shutil.copytree(default, folder, ignore=shutil.ignore_patterns("model.safetensors", "aligner-manifest.json"))
    config = BertConfig.from_pretrained(folder)
    if kind == "zero-layer":
        config.num_hidden_layers = 0
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    return folder


def _peaks() -> dict[str, float]:
    import torch

    peaks = {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if torch.cuda.is_available():
        peaks["cuda_max_allocated_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return peaks


def run_plain(folder: str, greek: str, english: str) -> dict:
    """Plain sentence-transformers on the texts the aligner embeds, at its best batch size."""
    from sentence_transformers import SentenceTransformer

    from aligner.scoring.content import embedding_text
    from embeddings import Encoder

    prompt = Encoder(folder, backend="torch").prompt or None
    texts = [*_lines(Path(greek)), *(embedding_text(t) for t in _lines(Path(english)))]
    model = SentenceTransformer(folder)
    model.encode(texts[:256], prompt=prompt, batch_size=32)  # warm: kernels, allocator
    seconds, cpu = {}, {}
    for batch in BATCHES:
        started, cpu_started = time.perf_counter(), time.process_time()
        model.encode(texts, prompt=prompt, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True)
        seconds[batch], cpu[batch] = time.perf_counter() - started, time.process_time() - cpu_started
    best = min(seconds, key=seconds.__getitem__)
    return {"device": str(model.device), "seconds_by_batch": seconds, "best_batch": best,
            "seconds": seconds[best], "cpu_seconds": cpu[best], **_peaks()}


def run_aligner(folder: str, greek: str, english: str) -> dict:
    """align() and the JSONL write, with the encoder loaded and warmed as align() will find it."""
    from aligner.annotation.export import write
    from aligner.api import align, load_encoder
    from aligner.settings import Settings

    encoder = load_encoder(folder, None, "torch")  # the instance align() gets from its cache
    encoder.encode(["Καλημέρα.", "Good morning."])
    started, cpu_started = time.perf_counter(), time.process_time()
    result = align(greek=[greek], english=[english], settings=Settings(model=folder, backend="torch", cache=False))
    aligned = time.perf_counter()
    write(result.records(), str(Path(greek).with_name("pairs.jsonl")), "jsonl")
    stages = {**result.stats.stages, "write": time.perf_counter() - aligned}
    stats = result.stats
    return {"device": str(encoder.model.device), "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu_started, "stages": stages,
            "statements": stats.statements, "tweets": stats.tweets, "copies": stats.statement_copies +
            stats.tweet_copies, "candidates": stats.candidates, "pairs": len(result.pairs), **_peaks()}


def _child(side: str, folder: Path, greek: Path, english: Path) -> dict:
    command = [sys.executable, __file__, "--side", side, str(folder), str(greek), str(english)]
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.splitlines()[-1])


def report(size: int, kind: str, plain: dict, aligner: dict) -> dict:
    ratio = aligner["seconds"] / plain["seconds"]
    print(f"{size:,} x {size:,} texts, model {kind}, device {aligner['device']} ({cpu_name()})")
    print("plain encode: " + ", ".join(f"batch {b} {s:.1f} s" for b, s in plain["seconds_by_batch"].items())
          + f"; best {plain['best_batch']} ({plain['cpu_seconds']:.1f} s CPU); peak RSS {plain['peak_rss_mb']:,.0f} MB"
          + (f", CUDA {plain['cuda_max_allocated_mb']:,.0f} MB" if "cuda_max_allocated_mb" in plain else ""))
    print(f"aligner: {aligner['seconds']:.1f} s, {aligner['cpu_seconds']:.1f} s CPU ("
          + ", ".join(f"{name} {s:.1f}" for name, s in aligner["stages"].items())
          + f"); {aligner['statements']:,} statements, {aligner['tweets']:,} tweets, {aligner['copies']} copies, "
          f"{aligner['candidates']:,} candidates; peak RSS {aligner['peak_rss_mb']:,.0f} MB"
          + (f", CUDA {aligner['cuda_max_allocated_mb']:,.0f} MB" if "cuda_max_allocated_mb" in aligner else ""))
    cpu_ratio = aligner["cpu_seconds"] / plain["cpu_seconds"]
    print(f"aligner / plain encode: {ratio:.2f}x wall clock, {cpu_ratio:.2f}x CPU time of the process "
          "(steadier on a shared machine)")
    return {"size": size, "model": kind, "cpu": cpu_name(), "ratio": ratio, "cpu_time_ratio": cpu_ratio,
            "plain": plain, "aligner": aligner}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=25000, help="distinct texts on each side")
    parser.add_argument("--model", choices=("zero-layer", "random", "default"), default="zero-layer")
    parser.add_argument("--out", help="also write the figures to this JSON file")
    parser.add_argument("--side", choices=("plain", "aligner"), help=argparse.SUPPRESS)  # a child's run
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps((run_plain if args.side == "plain" else run_aligner)(*args.paths)))
        return
    from aligner.scoring.content import embedding_text

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        folder = model_folder(args.model, tmp)
        greek, english = tmp / "greek.txt", tmp / "english.txt"
        greek.write_text("\n".join(greek_texts(args.size)) + "\n", encoding="utf-8")
        english.write_text("\n".join(distinct_texts(_pool("english"), args.size, 2, " ", embedding_text)) + "\n",
                           encoding="utf-8")
        figures = report(args.size, args.model, _child("plain", folder, greek, english),
                         _child("aligner", folder, greek, english))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
