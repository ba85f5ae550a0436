"""Top-1 retrieval on line-parallel files: does the model find each line's translation?

The quickest check of a model on a language pair (the Tatoeba/FLORES protocol of LASER and
MTEB): embed both sides, retrieve each source line's nearest target and count how often it is
the line's own translation, both ways, by plain cosine, by LASER's ratio margin and by the
event margin that ``aligner.scoring.match`` computes (each query's candidates and ranks come
from ``match`` itself, so this measures the matcher that ``align`` runs, not a copy of it).

A retrieved line whose text is identical to the true translation counts as correct: test sets
repeat short sentences, and the model cannot tell copies apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aligner.errors import InputError
from aligner.scoring.match import match
from aligner.settings import DEFAULT_K


@dataclass(frozen=True)
class BitextResult:
    pairs: int
    k: int
    accuracy: dict[str, float]  # {src_to_tgt,tgt_to_src}_{cosine,margin,event_margin}
    model: dict[str, str]

    def summary(self) -> str:
        return "\n".join(f"{name:<20}{value:.4f}" for name, value in self.accuracy.items())


def read_lines(path: str) -> list[str]:
    """A line-parallel file: one text per line, trailing spaces stripped, NFC."""
    try:
        with open(path, encoding="utf-8") as handle:
            return [unicodedata.normalize("NFC", line.rstrip()) for line in handle.read().splitlines()]
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte {exc.start})", path=path) from None


SCORES = ("cosine", "margin", "event_margin")


def top1(queries: np.ndarray, pool: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Each query's best pool row by each score (k neighbours for the margins).

    A query's candidates include its k nearest rows by cosine, so every answer comes from them.
    """
    c = match(queries, pool, k=k)
    best = {}
    for score in SCORES:
        order = np.lexsort((c.statement, -getattr(c, score), c.tweet))  # per query, highest first
        first = np.r_[True, np.diff(c.tweet[order]) != 0]
        best[score] = np.full(len(queries), -1, dtype=np.int64)
        best[score][c.tweet[order][first]] = c.statement[order][first]
    return best


def accuracy(predicted: np.ndarray, texts: Sequence[str] | None = None) -> float:
    """Share of queries i whose prediction is row i (or a row with the same text)."""
    rows = np.arange(len(predicted))
    correct = predicted == rows
    if texts is not None:
        correct |= np.array([texts[p] == texts[i] for i, p in enumerate(predicted)], dtype=bool)
    return float(correct.mean()) if len(correct) else 0.0


def retrieval_accuracy(src: np.ndarray, tgt: np.ndarray, *, k: int = DEFAULT_K,
                       src_texts: Sequence[str] | None = None,
                       tgt_texts: Sequence[str] | None = None) -> dict[str, float]:
    """Top-1 accuracy both ways, by each score; row i of ``src`` translates row i of ``tgt``."""
    if len(src) != len(tgt):
        raise InputError(f"the sides are not line-parallel: {len(src)} and {len(tgt)} lines")
    out = {}
    for name, queries, pool, pool_texts in (("src_to_tgt", src, tgt, tgt_texts),
                                            ("tgt_to_src", tgt, src, src_texts)):
        for score, predicted in top1(queries, pool, k).items():
            out[f"{name}_{score}"] = accuracy(predicted, pool_texts)
    return out


def benchmark_bitext(src_path: str, tgt_path: str, *, k: int = DEFAULT_K, model: str | None = None,
                     encoder=None) -> BitextResult:
    """Read two line-parallel files, embed them, and measure retrieval both ways."""
    from embeddings import Encoder

    src_texts, tgt_texts = read_lines(src_path), read_lines(tgt_path)
    if len(src_texts) != len(tgt_texts):
        raise InputError(f"{src_path} has {len(src_texts)} lines and {tgt_path} {len(tgt_texts)}: "
                         "not line-parallel")
    if not src_texts:
        raise InputError("no lines to compare", path=src_path)
    encoder = encoder or Encoder(model)
    src, tgt = encoder.encode(src_texts), encoder.encode(tgt_texts)
    return BitextResult(len(src_texts), k, retrieval_accuracy(src, tgt, k=k, src_texts=src_texts,
                                                              tgt_texts=tgt_texts),
                        {"name": encoder.name, "fingerprint": encoder.fingerprint})
