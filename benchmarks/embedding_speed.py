"""Embedding throughput, peak RSS and accuracy per backend and precision, against plain
sentence-transformers.

    python benchmarks/embedding_speed.py [--texts 600] [--rounds 3] [--threads 2] [--mining]

Speed texts: real tweets and Greek posts (../shared/data/mp_tweets_gr_en) and Greek newswire
statements (../shared/data/elner_greek_news), timed separately. Accuracy: Tatoeba ell->eng
top-1 by ratio margin, as `run_all.py` measures it; with --mining also the FLORES mining F1 of
align() at default settings (a few minutes a variant). Each variant runs in its own process (so
peak RSS is its own), and rounds alternate between variants (so load from other programs hits
all of them alike); the median texts/s is reported. The baseline is
`SentenceTransformer(folder).encode(..., normalize_embeddings=True)` in fp32.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import run_all
from common import DATA, cpu_name, require

TWEETS = DATA / "mp_tweets_gr_en"
NEWS = DATA / "elner_greek_news"
# name -> (backend, precision); "baseline" is sentence-transformers' own encode() on torch fp32
VARIANTS = {"baseline": ("torch", "fp32"), "torch-fp32": ("torch", "fp32"), "torch-int8": ("torch", "int8"),
            "ctranslate2-fp32": ("ctranslate2", "fp32"), "ctranslate2-int8": ("ctranslate2", "int8")}


def speed_texts(kind: str, n: int) -> list[str]:
    """``n`` texts spread evenly over the set: tweets and posts in both languages, or statements."""
    if kind == "tweets":
        texts = []
        for name in ("en_combined.csv", "gr_combined.csv"):
            with open(TWEETS / name, encoding="utf-8", newline="") as handle:
                texts += [row["full_text"] for row in csv.DictReader(handle)]
    else:
        texts = [line.strip() for name in sorted(NEWS.glob("*.txt"))
                 for line in name.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts[::max(1, len(texts) // n)][:n]


def run_variant(variant: str, n: int, accuracy: bool, mining: bool) -> dict:
    """In a child process: load, warm up, time one pass over each set of speed texts, then accuracy."""
    from embeddings import Encoder

    backend, precision = VARIANTS[variant]
    encoder = Encoder(backend=backend, precision=precision)
    if variant == "baseline":
        plain = encoder.model
        encode = lambda texts: plain.encode(texts, batch_size=32, normalize_embeddings=True,  # noqa: E731
                                            prompt=encoder.prompt, convert_to_numpy=True)
    else:
        encode = encoder.encode
    result: dict = {"variant": variant}
    for kind in ("tweets", "statements"):
        texts = speed_texts(kind, n)
        encode(texts[:32])
        started = time.perf_counter()
        encode(texts)
        result[kind] = n / (time.perf_counter() - started)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if accuracy and variant != "baseline":  # the baseline's vectors are torch-fp32's
        result["tatoeba_margin"] = run_all.run_tatoeba(encoder, run_all.DEFAULT_K)["src_to_tgt_margin"]
        if mining:
            result["mining_f1"] = run_all.run_mining(encoder, run_all.DEFAULT_K)["f1"]
    return result


def cpu() -> str:
    """The CPU's model name and whether it has the int8 dot-product instructions (VNNI)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), []))
    isa = [flag for flag in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if flag in flags]
    return f"{cpu_name()} ({', '.join(isa) or 'no AVX2'}; {os.cpu_count()} CPUs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=600, help="texts of each kind per pass")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="OMP_NUM_THREADS for each variant")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--mining", action="store_true", help="also FLORES mining F1 (slow)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--accuracy", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    require(TWEETS, NEWS, DATA / "tatoeba_ell_eng")
    if args.child:
        print(json.dumps(run_variant(args.child, args.texts, args.accuracy, args.mining)))
        return

    variants = args.variants.split(",")
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        sys.exit(f"unknown variants {sorted(unknown)}: choose from {', '.join(VARIANTS)}")
    results: dict[str, list[dict]] = {v: [] for v in variants}
    environment = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}  # torch and CTranslate2 alike
    for round_ in range(args.rounds):
        for variant in variants:
            print(f"round {round_ + 1}/{args.rounds}: {variant}", file=sys.stderr, flush=True)
            extra = ["--accuracy"] + (["--mining"] if args.mining else []) if round_ == 0 else []
            out = subprocess.run([sys.executable, __file__, "--child", variant, "--texts", str(args.texts), *extra],
                                 check=True, capture_output=True, text=True, env=environment).stdout
            results[variant].append(json.loads(out.strip().splitlines()[-1]))

    reference = "baseline" if "baseline" in variants else variants[0]
    base = {kind: statistics.median(r[kind] for r in results[reference]) for kind in ("tweets", "statements")}
    print(f"CPU: {cpu()}; {args.texts} texts of each kind per pass, {args.rounds} rounds, {args.threads} threads")
    print(f"{'variant':<18}{'tweets/s':>9}{'ratio':>7}{'stmts/s':>9}{'ratio':>7}{'peak RSS MB':>13}"
          f"{'tatoeba margin':>16}" + (f"{'mining F1':>11}" if args.mining else ""))
    for variant in variants:
        first = results[variant][0]
        row = f"{variant:<18}"
        for kind in ("tweets", "statements"):
            speed = statistics.median(r[kind] for r in results[variant])
            row += f"{speed:>9.1f}{speed / base[kind]:>7.2f}"
        row += f"{max(r['peak_rss_mb'] for r in results[variant]):>13.0f}"
        row += f"{first['tatoeba_margin']:>16.3f}" if "tatoeba_margin" in first else f"{'-':>16}"
        print(row + (f"{first.get('mining_f1', float('nan')):>11.4f}" if args.mining else ""))


if __name__ == "__main__":
    main()
