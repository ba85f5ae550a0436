"""`align()`: the Python API that notebooks call and the CLI wraps."""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from aligner.decide import accept, run_threshold
from aligner.decide.calibrated import Calibration, check_fits
from aligner.decide.calibrated import load as load_calibration
from aligner.decide.model_check import refusal
from aligner.decide.threshold import Threshold, event_score, in_play, null_probability, undecided
from aligner.documents import Document, Statement, Tweet
from aligner.engines import Engine, engine_for
from aligner.engines.spool import Spool, disk_array, pick
from aligner.errors import InputError
from aligner.output.pairs import Pair
from aligner.output.record import Decision, MixtureBlock, Model, Record
from aligner.readers import IngestReport, keep_tweet, read_articles, read_statements, read_tweets
from aligner.scoring.content import embedding_text, has_content
from aligner.scoring.distinct import Distinct, distinct
from aligner.scoring.events import event_ids
from aligner.scoring.evidence import TOKEN_RANGE, PairEvidence, gap_days, gather, with_token_agreement
from aligner.scoring.index import check_factory
from aligner.scoring.match import Candidates
from aligner.scoring.scope import corpus_candidates, document_candidates, within_window
from aligner.settings import DEFAULT_K, Settings
from embeddings import Encoder
from embeddings.cache import VectorCache, encode_cached


@dataclass
class RunStats:
    documents: int = 0
    statements: int = 0
    tweets: int = 0
    statement_copies: int = 0  # statements folded into an identical one (aligner.scoring.distinct)
    tweet_copies: int = 0      # tweets the same as another once reduced to what the model sees
    candidates: int = 0
    accepted: int = 0
    events: int = 0
    threshold: Threshold | None = None
    seconds: float = 0.0
    # seconds per stage: reading, embedding and search, evidence, deciding (the rest of the run)
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def texts_per_second(self) -> float:
        return (self.statements + self.tweets) / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        """What the run did, on two lines: counts, then the threshold and why."""
        counts = (f"{self.documents} documents, {self.statements} statements, {self.tweets} tweets "
                  f"({self.tweet_copies} tweet and {self.statement_copies} statement copies folded), "
                  f"{self.candidates} candidates, {self.accepted} accepted pairs in {self.events} events, "
                  f"{self.seconds:.1f} s ({self.texts_per_second:.0f} texts/s)")
        return counts + (f"\n{self.threshold.describe()}" if self.threshold else "")


@dataclass
class AlignResult:
    """The pairs of a run, in output order, with the model, what was read, and counts."""

    pairs: list[Pair]
    model: Model
    report: IngestReport
    decision: Decision  # scope, k, mode, threshold: in every record
    stats: RunStats = field(default_factory=RunStats)

    def records(self) -> list[Record]:
        return [pair.to_record(self.model, self.decision) for pair in self.pairs]

    def to_dataframe(self):
        """The pairs as a flat pandas DataFrame (needs pandas)."""
        import pandas as pd

        return pd.json_normalize(self.records())


def align(articles: Iterable[str | Path | Document] = (), *, greek: Iterable[str | Path] = (),
          english: Iterable[str | Path] = (), settings: Settings = Settings(),
          encoder: Encoder | None = None, progress: bool = False,
          engine: str | Engine = "local") -> AlignResult:
    """Align Greek statements with English tweets.

    ``articles`` are paths (files, directories, globs, ``-``) or in-memory ``Document``s in the
    seed's format; ``greek``/``english`` are separate streams. Returns every accepted pair (and,
    with ``settings.include_rejected``, each tweet's best rejected candidates). ``engine="ray"``
    (or a `aligner.engines.ray.RayEngine`) embeds and searches on a Ray cluster, with the same result.

    Inputs are streamed: statements, tweets and their vectors wait in temporary files (see
    `aligner.engines.spool`), so memory grows with the search index, not with the input.
    """
    started = time.perf_counter()
    articles, greek, english = list(articles), list(greek), list(english)  # iterated more than once
    if [str(p) for p in (*articles, *greek, *english)].count("-") > 1:
        raise InputError("'-' (stdin) can be read once: give the other inputs as files")
    engine = engine_for(engine)  # a bad name fails before anything is read
    calibration = load_calibration(settings.calibration) if settings.calibration else None  # so does a bad one
    report = IngestReport()
    statements, tweets, groups = _gather(articles, greek, english, settings, report)
    try:
        with engine:
            return _align(statements, tweets, groups, bool(greek or english), report, settings, calibration,
                          encoder, progress, started, engine)
    finally:
        statements.close()
        tweets.close()


def _align(statements: Spool[Statement], tweets: Spool[Tweet], groups: tuple[np.ndarray, np.ndarray],
           streams: bool, report: IngestReport, settings: Settings, calibration: Calibration | None,
           encoder: Encoder | None,
           progress: bool, started: float, engine: Engine) -> AlignResult:
    scope = settings.scope or ("corpus" if streams else "document")
    if scope == "document" and streams:
        raise InputError("--scope document needs articles; separate --greek/--english streams "
                         "have no documents to pair within (use --scope corpus)")
    backend = settings.backend or ("torch" if engine.num_gpus else None)  # the GPU's
    encoder = encoder or load_encoder(settings.model, settings.precision, backend)
    if settings.index and len(statements) and len(tweets):
        check_factory(settings.index, encoder.dimension, min(len(statements), len(tweets)))
    model: Model = {"name": encoder.name, "fingerprint": encoder.fingerprint,  # strs the encoder checked:
                    "backend": encoder.backend, "precision": encoder.precision}  # type: ignore[typeddict-item]
    if calibration:
        check_fits(calibration, model, settings.k)
    pool = min(len(statements), len(tweets))
    if settings.k > max(DEFAULT_K, pool) and pool:
        raise InputError(f"--k {settings.k} is more than the {pool} texts on the smaller side of this run: every "
                         "margin would compare a pair with the whole pool, and topical neighbours would pass "
                         f"(use at most {max(DEFAULT_K, pool)})")
    stats = RunStats(documents=report.documents, statements=len(statements), tweets=len(tweets))
    stats.stages["read"] = time.perf_counter() - started
    pairs: list[Pair] = []
    if statements and tweets:
        statement_texts = distinct(s.text for s in statements)
        tweet_texts = distinct(embedding_text(t.text) for t in tweets)
        stats.statement_copies, stats.tweet_copies = statement_texts.copies, tweet_texts.copies
        cache = VectorCache() if settings.cache else None
        refused = refusal(encoder, cache)
        candidates = _candidates(statements, tweets, statement_texts, tweet_texts,
                                 groups if scope == "document" else None, settings, encoder, cache, progress, engine)
        eligible = _eligible(candidates, statements, tweets)
        stats.stages["embed and search"] = time.perf_counter() - started - stats.stages["read"]
        shown_rank = settings.show if settings.include_rejected else 0
        counted = eligible & _first_copies(tweet_texts)[candidates.tweet]
        evidence = _evidence(candidates, eligible, counted, shown_rank, statements, tweets, statement_texts,
                             tweet_texts, settings, encoder, refused)
        stats.stages["evidence"] = time.perf_counter() - started - sum(stats.stages.values())
        log_odds = np.array([0.0 if e is None else e.log_odds for e in evidence])
        verdict = accept(candidates, eligible, counted, log_odds, settings, calibration, refused)
        accepted, probability, stats.threshold = verdict.accepted, verdict.probability, verdict.threshold
        scores = event_score(candidates.event_margin, log_odds)
        mixture = stats.threshold.mixture
        null = null_probability(mixture, candidates.event_margin, log_odds) if mixture else None
        shown = np.flatnonzero(accepted | (candidates.rank <= shown_rank))
        tweet_of = tweets.take(candidates.tweet[shown].tolist())
        statement_of = statements.take(candidates.statement[shown].tolist())
        events = event_ids([t.id for t in tweet_of], [s.id for s in statement_of], accepted[shown].tolist())
        pairs = [Pair(greek=statement, english=tweet, cosine=float(candidates.cosine[i]),
                      margin=float(candidates.margin[i]), event_margin=float(candidates.event_margin[i]),
                      rank=int(candidates.rank[i]), accepted=bool(accepted[i]),
                      flags=() if eligible[i] else ("low_content",),
                      probability=None if probability is None else float(probability[i]), event=event,
                      event_score=float(scores[i]), null_probability=None if null is None else float(null[i]),
                      evidence=evidence[i])
                 for i, tweet, statement, event in zip(shown, tweet_of, statement_of, events)]
        stats.candidates, stats.accepted = len(candidates), int(accepted.sum())
        stats.events = len({p.event for p in pairs if p.accepted})
    stats.seconds = time.perf_counter() - started
    stats.stages["decide"] = stats.seconds - sum(stats.stages.values())
    threshold = stats.threshold
    decision: Decision = {"scope": scope, "k": settings.k, "mode": settings.mode,
                          "threshold": None if threshold is None or not np.isfinite(threshold.value)
                          else round(threshold.value, 6),
                          "rule": None if threshold is None else threshold.rule, "fdr": settings.fdr,
                          "min_precision": settings.min_precision, "mixture": _mixture(threshold)}
    return AlignResult(pairs, model, report, decision, stats)


def _candidates(statements: Spool[Statement], tweets: Spool[Tweet], statement_texts: Distinct,
                tweet_texts: Distinct, groups: tuple[np.ndarray, np.ndarray] | None, settings: Settings,
                encoder: Encoder, cache: VectorCache | None, progress: bool, engine: Engine) -> Candidates:
    """Embed each distinct text once (through the cache), score the distinct candidate pairs,
    and give every copy its pair."""
    # Both sides in one call: one pass over the cache, one pool of workers on a cluster. The texts
    # wait in a spool of their own, written in one pass and read in blocks.
    texts = Spool(chain((s.text for s in pick(statements, statement_texts.first_row)),
                        (embedding_text(t.text) for t in pick(tweets, tweet_texts.first_row))))
    try:
        vectors = encode_cached(encoder, texts, cache, encoder.cache_key, show_progress=progress,
                                encode_chunks=engine.encode_chunks(encoder),
                                out=disk_array(len(texts), encoder.dimension))
    finally:
        texts.close()
    split = len(statement_texts.first_row)
    statement_vectors, tweet_vectors = vectors[:split], vectors[split:]
    if groups is None:
        candidates = corpus_candidates(tweet_vectors, statement_vectors, tweet_texts, statement_texts,
                                       k=settings.k, index=settings.index, map_shards=engine.map_shards)
    else:
        candidates = document_candidates(tweet_vectors, statement_vectors, tweet_texts, statement_texts, groups,
                                         k=settings.k, index=settings.index, map_shards=engine.map_shards)
    if settings.window_days is None:
        return candidates
    return within_window(candidates, [t.date for t in tweets], [s.date for s in statements], settings.window_days)


def _eligible(candidates: Candidates, statements: Spool[Statement], tweets: Spool[Tweet]) -> np.ndarray:
    """Both sides have enough words to match on (see aligner.scoring.content)."""
    tweet_ok = np.array([has_content(t.text) for t in tweets], dtype=bool)
    statement_ok = np.array([has_content(s.text) for s in statements], dtype=bool)
    return tweet_ok[candidates.tweet] & statement_ok[candidates.statement]


def _mixture(threshold: Threshold | None) -> MixtureBlock | None:
    if threshold is None or threshold.mixture is None:
        return None
    m = threshold.mixture
    return {"weight": [round(w, 6) for w in m.weight], "mean": [round(x, 6) for x in m.mean],
            "sd": [round(x, 6) for x in m.sd]}


def _first_copies(texts: Distinct) -> np.ndarray:
    """Per row, whether it is the first copy of its distinct text."""
    first = np.zeros(len(texts.of_row), dtype=bool)
    first[texts.first_row] = True
    return first


def _evidence(candidates: Candidates, eligible: np.ndarray, counted: np.ndarray, shown_rank: int,
              statements: Spool[Statement],
              tweets: Spool[Tweet], statement_texts: Distinct, tweet_texts: Distinct, settings: Settings,
              encoder: Encoder, refused: Threshold | None) -> list[PairEvidence | None]:
    """Evidence for the candidates that can be accepted or are written; None for the rest. Token
    agreement, which runs the model again, only where it can change the decision: for the
    candidates that the threshold of names, numbers and dates leaves undecided."""
    playing = in_play(candidates, settings.mode, eligible)
    rows = np.flatnonzero(playing | (candidates.rank <= shown_rank))
    keys = list(zip(tweet_texts.of_row[candidates.tweet[rows]].tolist(),
                    statement_texts.of_row[candidates.statement[rows]].tolist()))
    texts: list[tuple[str, str]] = []
    gaps: dict[tuple[int, int], int] = {}
    # read back from the spool in blocks, once for all the rows
    for tweet, statement, key in zip(tweets.take(candidates.tweet[rows].tolist()),
                                     statements.take(candidates.statement[rows].tolist()), keys):
        texts.append((embedding_text(tweet.text), statement.text))
        gap = gap_days(tweet.date, statement.date)
        if gap is not None:  # copies share their evidence: the smallest gap over the copies of the texts
            gaps[key] = min(gap, gaps.get(key, gap))
    found = gather(texts, [gaps.get(key) for key in keys])
    log_odds = np.zeros(len(candidates))
    log_odds[rows] = [item.log_odds for item in found]
    without_tokens = refused or run_threshold(candidates, counted, log_odds, settings)
    open_ = np.flatnonzero((playing & undecided(candidates, without_tokens, log_odds, TOKEN_RANGE))[rows])
    weighed = with_token_agreement([found[i] for i in open_], [texts[i] for i in open_], encoder.token_vectors)
    for i, item in zip(open_.tolist(), weighed):
        found[i] = item
    evidence: list[PairEvidence | None] = [None] * len(candidates)
    for row, item in zip(rows.tolist(), found):
        evidence[row] = item
    return evidence


@lru_cache(maxsize=2)
def load_encoder(model: str | None, precision: str | None = None, backend: str | None = None) -> Encoder:
    """Loaded once per process and model: notebooks and tests call align() many times."""
    return Encoder(model, precision=precision, backend=backend)


def _gather(articles, greek, english, settings: Settings,
            report: IngestReport) -> tuple[Spool[Statement], Spool[Tweet], tuple[np.ndarray, np.ndarray]]:
    """Read everything into statements and tweets, with each one's document number (its group)."""
    statements: Spool[Statement] = Spool()
    tweets: Spool[Tweet] = Spool()
    statement_groups = array("q")  # each unit's document number, 8 bytes a unit
    tweet_groups = array("q")
    paths = [str(a) for a in articles if not isinstance(a, Document)]
    documents = [a for a in articles if isinstance(a, Document)]
    if documents:
        report.documents += len(documents)
    read = read_articles(paths, report=report, errors=settings.errors,
                         skip_bad_lines=settings.skip_bad_lines) if paths else ()
    for number, document in enumerate(chain(documents, read)):  # streamed: one document in memory
        statements.extend(document.statements)
        statement_groups.extend([number] * len(document.statements))
        for tweet in document.tweets:
            if keep_tweet(tweet, settings.include_non_english):
                tweets.append(tweet)
                tweet_groups.append(number)
    if greek:
        statements.extend(read_statements([str(p) for p in greek], report=report,
                                          errors=settings.errors, skip_bad_lines=settings.skip_bad_lines))
    if english:
        tweets.extend(read_tweets([str(p) for p in english], report=report, errors=settings.errors,
                                  skip_bad_lines=settings.skip_bad_lines,
                                  include_non_english=settings.include_non_english))
    return statements, tweets, (np.array(tweet_groups, dtype=np.int64),
                                np.array(statement_groups, dtype=np.int64))
