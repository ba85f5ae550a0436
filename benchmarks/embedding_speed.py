"""Embedding throughput, peak RSS and accuracy per precision, against plain sentence-transformers.

    python benchmarks/embedding_speed.py [--texts 600] [--rounds 2] [--threads 2]

Speed texts: real tweets and Greek posts from ../shared/data/mp_tweets_gr_en. Accuracy: Tatoeba
ell->eng top-1 by ratio margin (k=4) and by cosine, on ../shared/data/tatoeba_ell_eng. Each
variant runs in its own process (so peak RSS is its own), rounds alternate between variants
(so load from other programs hits all of them alike); the median texts/s is reported.
The baseline is `SentenceTransformer(folder).encode(..., normalize_embeddings=True)` in fp32.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TWEETS = DATA / "mp_tweets_gr_en"
TATOEBA = DATA / "tatoeba_ell_eng"
VARIANTS = ("baseline", "fp32", "int8")


def speed_texts(n: int) -> list[str]:
    texts = []
    for name in ("en_combined.csv", "gr_combined.csv"):
        with open(TWEETS / name, encoding="utf-8", newline="") as handle:
            texts += [row["full_text"] for row in csv.DictReader(handle)]
    return texts[::max(1, len(texts) // n)][:n]  # both languages, evenly spread


def tatoeba() -> tuple[list[str], list[str]]:
    read = lambda side: [t.strip() for t in  # noqa: E731
                         (TATOEBA / f"tatoeba.ell-eng.{side}").read_text(encoding="utf-8").splitlines()]
    return read("ell"), read("eng")


def margin_top1(src: np.ndarray, tgt: np.ndarray, k: int = 4) -> tuple[float, float]:
    """(margin top-1, cosine top-1) of src row i retrieving tgt row i (LASER ratio margin)."""
    sims = src @ tgt.T
    src_mean = np.sort(sims, axis=1)[:, -k:].mean(axis=1)
    tgt_mean = np.sort(sims, axis=0)[-k:, :].mean(axis=0)
    margin = sims / ((src_mean[:, None] + tgt_mean[None, :]) / 2)
    gold = np.arange(len(src))
    return float((margin.argmax(1) == gold).mean()), float((sims.argmax(1) == gold).mean())


def run_variant(variant: str, n: int, threads: int, vectors_out: str | None) -> dict:
    """In a child process: load, warm up, time one pass over the speed texts, then Tatoeba."""
    import torch

    torch.set_num_threads(threads)
    from embeddings import Encoder

    encoder = Encoder(precision="fp32" if variant == "baseline" else variant)
    if variant == "baseline":
        plain = encoder.model
        encode = lambda texts: plain.encode(texts, batch_size=32, normalize_embeddings=True,  # noqa: E731
                                            prompt_name=encoder.prompt_name, convert_to_numpy=True)
    else:
        encode = encoder.encode
    texts = speed_texts(n)
    encode(texts[:32])
    started = time.perf_counter()
    encode(texts)
    seconds = time.perf_counter() - started
    result = {"variant": variant, "texts_per_s": n / seconds,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if vectors_out is None:  # accuracy is measured once, in the first round
        return result
    greek, english = tatoeba()
    g, e = encode(greek), encode(english)
    np.save(vectors_out, np.concatenate([g, e]).astype(np.float32))
    margin, cosine = margin_top1(g, e)
    return {**result, "margin_top1": margin, "cosine_top1": cosine}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=600, help="speed texts per pass")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--vectors", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for folder in (TWEETS, TATOEBA):
        if not folder.is_dir():
            sys.exit(f"{folder} is absent: this benchmark needs ../shared/data beside the repository")
    if args.child:
        print(json.dumps(run_variant(args.child, args.texts, args.threads, args.vectors)))
        return

    variants = args.variants.split(",")
    results: dict[str, list[dict]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            for variant in variants:
                print(f"round {round_ + 1}/{args.rounds}: {variant}", file=sys.stderr, flush=True)
                accuracy = ["--vectors", f"{tmp}/{variant}.npy"] if round_ == 0 else []
                out = subprocess.run([sys.executable, __file__, "--child", variant, "--texts", str(args.texts),
                                      "--threads", str(args.threads), *accuracy],
                                     check=True, capture_output=True, text=True).stdout
                results[variant].append(json.loads(out.strip().splitlines()[-1]))
        vectors = {v: np.load(f"{tmp}/{v}.npy") for v in variants}

    reference = "baseline" if "baseline" in variants else variants[0]
    base_speed = statistics.median(r["texts_per_s"] for r in results[reference])
    print(f"texts: {args.texts} tweets/posts per pass, {args.rounds} rounds, torch threads {args.threads}")
    print(f"{'variant':<10}{'texts/s':>9}{'ratio':>7}{'peak RSS MB':>13}{'tatoeba margin':>16}"
          f"{'tatoeba cos':>13}{'min cos vs ' + reference:>20}")
    for variant in variants:
        speed = statistics.median(r["texts_per_s"] for r in results[variant])
        last = results[variant][0]
        agreement = float((vectors[variant] * vectors[reference]).sum(axis=1).min())
        print(f"{variant:<10}{speed:>9.1f}{speed / base_speed:>7.2f}"
              f"{max(r['peak_rss_mb'] for r in results[variant]):>13.0f}"
              f"{last['margin_top1']:>16.3f}{last['cosine_top1']:>13.3f}{agreement:>20.4f}")


if __name__ == "__main__":
    main()
