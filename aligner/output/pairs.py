"""The one definition of an aligned pair: what the API returns, exporters write and evaluators read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from aligner.documents import Statement, Tweet
from aligner.output.record import SCHEMA_VERSION, Decision, EvidenceBlock, Flag, Model, Record, Scores
from aligner.scoring.evidence import PairEvidence


def pair_id(tweet_id: str, statement_id: str) -> str:
    """Stable across runs and settings, so annotations join back to pairs."""
    return hashlib.sha1(f"{tweet_id}\t{statement_id}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Pair:
    """A candidate (tweet, statement) pair, its scores, and the decision on it."""

    greek: Statement
    english: Tweet
    cosine: float
    margin: float          # LASER's ratio margin
    event_margin: float    # the ratio margin with the pair's burst counted once (aligner.scoring.match)
    rank: int              # 1 = the tweet's best statement by event margin
    accepted: bool
    flags: tuple[Flag, ...] = ()  # why a high score was not trusted, e.g. "low_content"
    probability: float | None = None  # P(same_event) from a calibration, when one was given
    event: str | None = None  # tweets and statements joined by accepted pairs (aligner.scoring.events)
    event_score: float | None = None       # the event margin moved by the evidence (aligner.decide.threshold)
    null_probability: float | None = None  # P(no partner | margin, evidence), under the FDR rule
    evidence: PairEvidence | None = None   # names, numbers, token agreement, date gap (aligner.scoring.evidence)

    @property
    def pair_id(self) -> str:
        return pair_id(self.english.id, self.greek.id)

    def _scores(self) -> Scores:
        scores: Scores = {"cosine": round(self.cosine, 6), "margin": round(self.margin, 6),
                          "event_margin": round(self.event_margin, 6), "rank": self.rank}
        if self.event_score is not None:
            scores["event_score"] = round(self.event_score, 6)
        if self.null_probability is not None:
            scores["null_probability"] = round(self.null_probability, 6)
        if self.probability is not None:
            scores["probability"] = round(self.probability, 6)
        return scores

    def _evidence(self) -> EvidenceBlock | None:
        e = self.evidence
        if e is None:
            return None
        return {"names": [list(pair) for pair in e.mentions.names],
                "numbers": [list(pair) for pair in e.mentions.numbers], "clash": e.mentions.clash,
                "token_agreement": None if e.token_agreement is None else round(e.token_agreement, 6),
                "date_gap_days": e.date_gap_days, "log_odds": round(e.log_odds, 6)}

    def to_record(self, model: Model, decision: Decision) -> Record:
        """The native JSONL record (`aligner.output.record`); ``decision`` is the run's scope, k, mode and
        threshold."""
        g, e = self.greek, self.english
        return {
            "pair_id": self.pair_id,
            "greek": {"id": g.id, "doc_id": g.doc_id, "text": g.text, "paragraph": g.paragraph,
                      "sentence": g.sentence, "start": g.start, "end": g.end, "date": g.date},
            "english": {"id": e.id, "doc_id": e.doc_id, "text": e.text, "handle": e.handle,
                        "author": e.author, "date": e.date, "urls": list(e.urls), "lang": e.lang},
            "scores": self._scores(),
            "accepted": self.accepted,
            "event": self.event,
            "flags": list(self.flags),
            "evidence": self._evidence(),
            "model": model,
            "decision": decision,
            "schema_version": SCHEMA_VERSION,
        }
