"""Measure Greek sentence segmentation on elNER newswire sentences (one gold sentence per line).

Consecutive groups of GROUP gold sentences are re-joined with a space into a paragraph and
segmented again; we count gold sentences reproduced exactly, split wrongly (a predicted
boundary falls inside them) and gold boundaries missed (two sentences merged). Run:

    python benchmarks/segmentation.py [--group 5]

Reads ../shared/data/elner_greek_news/ relative to the repository root; exits if it is absent.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Callable

from common import DATA, require

from aligner.readers.greek import split_sentences

ELNER = DATA / "elner_greek_news"
FILES = ("elner4_dev.sentences.el.txt", "elner4_test.sentences.el.txt")

# The naive rule a few lines of regex give: end punctuation, space, capital.
_NAIVE = re.compile(r"(?<=[.;!?…])\s+(?=[«\"“(]?[Α-ΩΆΈΉΊΌΎΏA-Z0-9])")


_ENDS_PUNCTUATED = re.compile(r"[.;!?…][»\"”')]*$")


def naive_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _NAIVE.finditer(text)]


def segmenter_starts(fixes: bool) -> Callable[[str], list[int]]:
    def starts(text: str) -> list[int]:
        return [s.start for s in split_sentences(text, fixes=fixes, merge_non_greek=fixes)]
    return starts


def evaluate(groups: list[list[str]], starts_of: Callable[[str], list[int]]) -> dict[str, float]:
    exact = split_wrong = merged = spurious = total = 0
    for sents in groups:
        text = " ".join(sents)
        gold, pos = [], 0
        for s in sents:
            gold.append((pos, pos + len(s)))
            pos += len(s) + 1
        pred = set(starts_of(text)) - {0}
        gold_starts = {a for a, _ in gold} - {0}
        for a, b in gold:
            total += 1
            inside = any(a < p < b for p in pred)
            if inside:
                split_wrong += 1
            elif (a == 0 or a in pred) and (b + 1 >= len(text) or b + 1 in pred):
                exact += 1
        merged += len(gold_starts - pred)
        spurious += len(pred - gold_starts)
    return {"sentences": total, "exact": exact, "split_wrong": split_wrong,
            "boundaries_missed": merged, "boundaries_spurious": spurious}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--group", type=int, default=5, help="gold sentences per re-joined paragraph")
    args = ap.parse_args()
    require(ELNER)
    lines = []
    for name in FILES:
        for line in (ELNER / name).read_text(encoding="utf-8").splitlines():
            line = unicodedata.normalize("NFC", line).strip()
            if line:
                lines.append(" ".join(line.split()))
    # ~15% of elNER lines are headlines or bylines with no final punctuation: once joined with a
    # space no segmenter can find their end, so we also report the punctuated lines alone.
    punctuated = [s for s in lines if _ENDS_PUNCTUATED.search(s)]
    for title, pool in (("all lines", lines), ("lines ending in . ; ! ? …", punctuated)):
        groups = [pool[i:i + args.group] for i in range(0, len(pool), args.group)]
        print(f"\nelNER dev+test, {title}: {len(pool)} sentences in {len(groups)} paragraphs of {args.group}")
        print(f"{'segmenter':<20}{'exact':>13}{'split wrong':>13}{'missed bnd':>12}{'spurious bnd':>14}")
        for name, fn in (("naive regex", naive_starts), ("sentencex alone", segmenter_starts(False)),
                         ("sentencex + fixes", segmenter_starts(True))):
            r = evaluate(groups, fn)
            pct = 100 * r["exact"] / r["sentences"]
            print(f"{name:<20}{r['exact']:>6} ({pct:4.1f}%){r['split_wrong']:>13}{r['boundaries_missed']:>12}"
                  f"{r['boundaries_spurious']:>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
