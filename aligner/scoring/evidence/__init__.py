"""Evidence beyond the sentence vector: does a tweet report the statement's *event*, or only its
topic? Three signals, each explainable on its own and each weighed as a log-likelihood ratio
(log P(signal | same event) / P(signal | no partner)) measured on public data
(`python benchmarks/evidence_weights.py`; docs/decisions.md):

- names and numbers across scripts (`mentions`): shared ones, or a clash (both sides name or
  count something, nothing is shared);
- token agreement from the model's own token vectors (`tokens`);
- the days between the tweet and its statement's article, where both are dated (`dates`).

Names, numbers and dates are gathered for the candidates that can be accepted (see
`aligner.decide.threshold.in_play`); token agreement, which runs the model again, only for those whose
decision it can change (`aligner.decide.threshold.undecided`). So the cost grows with the undecided
candidates, not with the corpus; the decision adds ``log_odds`` to what the margin says.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from aligner.scoring.evidence.dates import gap_days
from aligner.scoring.evidence.mentions import MentionMatch, compare, find_mentions
from aligner.scoring.evidence.tokens import agreement

# Log-likelihood ratios, fitted jointly with the event margin by logistic regression on every
# tweet's best candidate (event margin >= 1) of three public pools (FLORES + elNER + UK MP tweets,
# the same without FLORES, the articles with bursts): `python benchmarks/evidence_weights.py`.
SHARED = 2.53          # at least one name or number on both sides
CLASH = -2.93          # names or numbers on both sides, none shared
TOKEN_SLOPE = 74.7     # per unit of token agreement above TOKEN_CENTER
TOKEN_CENTER = 0.80    # between partnerless best candidates (median 0.76) and true pairs (0.80-0.84)
# What token agreement can add, least and most: a high agreement lifts a pair a little (short
# sentences and near-duplicates agree highly by chance: at +3.5 the many-to-one set lost 0.07
# precision), a low one can sink it.
TOKEN_RANGE = (-3.5, 1.0)
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
        total += min(max(TOKEN_SLOPE * (token_agreement - TOKEN_CENTER), TOKEN_RANGE[0]), TOKEN_RANGE[1])
    if date_gap is not None and date_gap > DATE_GAP_DAYS:
        total += DATE_CLASH
    return total


def gather(texts: Sequence[tuple[str, str]], gaps: Sequence[int | None]) -> list[PairEvidence]:
    """The cheap evidence of each (tweet text, statement text): names, numbers and the date gap
    ``gaps``; token agreement comes from `with_token_agreement` where it can change a decision."""
    seen = {text: find_mentions(text) for pair in texts for text in pair}
    out = []
    for (tweet, statement), gap in zip(texts, gaps):
        match = compare(seen[tweet], seen[statement])
        out.append(PairEvidence(match, None, gap, log_odds(match, None, gap)))
    return out


def with_token_agreement(evidence: Sequence[PairEvidence], texts: Sequence[tuple[str, str]],
                         token_vectors: Callable[[list[str]], list[np.ndarray]]) -> list[PairEvidence]:
    """``evidence`` with the token agreement of each pair's ``texts`` added (each distinct text
    embedded once)."""
    wanted = sorted({text for pair in texts for text in pair})
    vectors = dict(zip(wanted, token_vectors(wanted)))
    out = []
    for item, (tweet, statement) in zip(evidence, texts):
        tokens = _finite(agreement(vectors[tweet], vectors[statement]))
        out.append(replace(item, token_agreement=tokens,
                           log_odds=log_odds(item.mentions, tokens, item.date_gap_days)))
    return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


__all__ = ["TOKEN_RANGE", "PairEvidence", "gap_days", "gather", "log_odds", "with_token_agreement"]
