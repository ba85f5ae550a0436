"""Evidence beyond the sentence vector: does a tweet report the statement's *event*, or only its
topic? Three signals, each explainable on its own and each weighed as a log-likelihood ratio
(log P(signal | same event) / P(signal | no partner)) measured on public data
(`python benchmarks/evidence_weights.py`; docs/decisions.md):

- names and numbers across scripts (`mentions`): shared ones, or a clash (both sides name or
  count something, nothing is shared);
- token agreement from the model's own token vectors (`tokens`);
- the days between the tweet and its statement's article, where both are dated (`dates`).

Evidence is gathered for the candidates that can be accepted (see `aligner.decision.in_play`), so
its cost grows with the candidates, not with the corpus; the decision adds ``log_odds`` to what
the margin says.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from aligner.evidence.dates import gap_days
from aligner.evidence.mentions import MentionMatch, Mentions, compare, mentions
from aligner.evidence.tokens import agreement

# Log-likelihood ratios, fitted jointly with the event margin by logistic regression on every
# tweet's best candidate (event margin >= 1) of three public pools (FLORES + elNER + UK MP tweets,
# the same without FLORES, the articles with bursts): `python benchmarks/evidence_weights.py`.
SHARED = 2.53          # at least one name or number on both sides
CLASH = -2.93          # names or numbers on both sides, none shared
TOKEN_SLOPE = 74.7     # per unit of token agreement above TOKEN_CENTER
TOKEN_CENTER = 0.80    # between partnerless best candidates (median 0.76) and true pairs (0.80-0.84)
TOKEN_CAP = 3.5        # no single signal outweighs the rest: at most about e^3.5 = 33 either way
# A tweet dated more than this many days from its statement's article reports another event or
# looks back on this one. Not measured (no public set dates both sides): a prior as strong as a clash.
DATE_GAP_DAYS = 7
DATE_CLASH = CLASH


@dataclass(frozen=True)
class PairEvidence:
    """Why a pair is or is not the same event, beyond its margin."""

    mentions: MentionMatch
    token_agreement: float | None  # None where the margin alone decides (not computed)
    date_gap_days: int | None      # None where a side is undated
    log_odds: float


def log_odds(match: MentionMatch, token_agreement: float | None, date_gap: int | None) -> float:
    total = SHARED if match.shared else CLASH if match.clash else 0.0
    if token_agreement is not None:
        total += min(max(TOKEN_SLOPE * (token_agreement - TOKEN_CENTER), -TOKEN_CAP), TOKEN_CAP)
    if date_gap is not None and date_gap > DATE_GAP_DAYS:
        total += DATE_CLASH
    return total


def gather(pairs: Sequence[tuple[int, int]], tweet_text: Callable[[int], str],
           statement_text: Callable[[int], str], dates: Sequence[int | None], *,
           token_vectors: Callable[[list[str]], list[np.ndarray]] | None,
           with_tokens: Sequence[bool]) -> list[PairEvidence]:
    """Evidence for each (tweet row, statement row) of ``pairs``; ``dates`` are their date gaps.
    Token agreement is computed where ``with_tokens`` says, each distinct text embedded once."""
    seen: dict[str, Mentions] = {}

    def mentions_of(text: str) -> Mentions:
        if text not in seen:
            seen[text] = mentions(text)
        return seen[text]

    texts = [(tweet_text(t), statement_text(s)) for t, s in pairs]
    agreements: list[float | None] = [None] * len(pairs)
    if token_vectors is not None and any(with_tokens):
        wanted = sorted({text for pair, use in zip(texts, with_tokens) if use for text in pair})
        vectors = dict(zip(wanted, token_vectors(wanted)))
        agreements = [_finite(agreement(vectors[a], vectors[b])) if use else None
                      for (a, b), use in zip(texts, with_tokens)]
    out = []
    for (a, b), tokens, gap in zip(texts, agreements, dates):
        match = compare(mentions_of(a), mentions_of(b))
        out.append(PairEvidence(match, tokens, gap, log_odds(match, tokens, gap)))
    return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


__all__ = ["PairEvidence", "gap_days", "gather", "log_odds"]
