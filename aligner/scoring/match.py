"""Scoring candidate pairs: pure functions over L2-normalised matrices of distinct texts.

Two margins are computed for every candidate (tweet x, statement y):

- ``margin``, LASER's ratio margin (`mine_bitexts.py`): cos(x, y) / ((m(x) + m(y)) / 2), where
  m(x) is the mean cosine of x to its k nearest statements and m(y) of y to its k nearest
  tweets. Built for 1:1 bitext: when several tweets report y they fill y's neighbourhood, and
  every one of them loses margin.
- ``event_margin``, the same ratio with the candidate's *burst* counted once. When y is x's
  nearest statement, the other near-duplicates of x (cosine >= ``NEAR_DUPLICATE``: rewordings,
  outlets' copies) are left out of y's neighbourhood: they are co-reports of x's event, not
  competitors for y. Likewise, when x is y's nearest tweet, the near-duplicates of y are left
  out of x's neighbourhood (one tweet reporting several statements). Adding rewordings of x
  therefore leaves the score of x's chosen pair as it was. Pairs that are not a side's choice
  keep LASER's neighbourhoods: "He is buying" against the Greek for "She is buying" is still
  penalised by its near-duplicate, which is the ambiguity the margin exists to see.

The decision on these scores is `aligner.decide.threshold`'s; no files, no models here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aligner.scoring.index import ShardMap, in_process, row_dots, search_both_ways

# Two texts on one side at this cosine or above say the same thing. With the default model,
# rewordings of one tweet score 0.94-0.99 against it, different tweets on the same story
# 0.83-0.90 (docs/decisions.md).
NEAR_DUPLICATE = 0.93
# Neighbours fetched beyond k, so that a neighbourhood can skip a burst of up to this many.
BURST_DEPTH = 16


@dataclass(frozen=True)
class Neighbours:
    """Each tweet's nearest statements and each statement's nearest tweets, nearest first
    (ids -1 where fewer were found)."""

    tweet_cos: np.ndarray      # (tweets, depth)
    tweet_ids: np.ndarray      # statement rows
    statement_cos: np.ndarray  # (statements, depth)
    statement_ids: np.ndarray  # tweet rows

    def candidate_pairs(self, k: int) -> np.ndarray:
        """(tweet, statement) rows: each tweet's k nearest statements and each statement's k
        nearest tweets, once each."""
        pairs = np.concatenate([_pairs(self.tweet_ids[:, :k], tweet_rows=True),
                                _pairs(self.statement_ids[:, :k], tweet_rows=False)])
        return np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)


@dataclass(frozen=True)
class Candidates:
    """Parallel arrays, one entry per (tweet, statement) candidate, sorted by tweet then rank."""

    tweet: np.ndarray         # row in the tweet matrix
    statement: np.ndarray     # row in the statement matrix
    cosine: np.ndarray
    margin: np.ndarray        # LASER's ratio margin
    event_margin: np.ndarray  # the ratio margin with the candidate's burst counted once
    rank: np.ndarray          # 1 = the tweet's best statement by event margin

    def __len__(self) -> int:
        return len(self.tweet)

    def take(self, rows: np.ndarray, tweet: np.ndarray | None = None,
             statement: np.ndarray | None = None) -> Candidates:
        """The candidates at ``rows`` (optionally renamed to other tweet/statement rows), sorted
        and ranked again among themselves."""
        return ranked(self.tweet[rows] if tweet is None else tweet,
                      self.statement[rows] if statement is None else statement,
                      self.cosine[rows], self.margin[rows], self.event_margin[rows])


def ranked(tweet: np.ndarray, statement: np.ndarray, cosine: np.ndarray, margin: np.ndarray,
           event_margin: np.ndarray) -> Candidates:
    """Candidates sorted by tweet, then event margin descending (statement row breaks ties, so
    the order is deterministic), with ranks."""
    order = np.lexsort((statement, -event_margin, tweet))
    tweet = tweet[order]
    return Candidates(tweet, statement[order], cosine[order], margin[order], event_margin[order],
                      _ranks(tweet))


def neighbours(tweets: np.ndarray, statements: np.ndarray, depth: int, index: str | None = None,
               map_shards: ShardMap = in_process) -> Neighbours:
    """Search both ways, ``depth`` deep (capped at the other side's size)."""
    (t_cos, t_ids), (s_cos, s_ids) = search_both_ways(tweets, statements, depth, index, map_shards)
    return Neighbours(t_cos, t_ids, s_cos, s_ids)


def match(tweets: np.ndarray, statements: np.ndarray, *, k: int, pairs: np.ndarray | None = None,
          index: str | None = None, map_shards: ShardMap = in_process) -> Candidates:
    """Score candidate pairs by cosine, ratio margin and event margin.

    ``pairs`` are the (tweet row, statement row) candidates to score (document scope: the pairs
    within each document); without them (corpus scope) each tweet's k nearest statements and
    each statement's k nearest tweets. Neighbourhoods always come from the whole pool, so a
    margin means the same in a four-tweet article as in a large corpus. ``map_shards`` runs the
    search's shards (`aligner.scoring.index`).
    """
    found = neighbours(tweets, statements, k + BURST_DEPTH, index, map_shards)
    pairs = found.candidate_pairs(k) if pairs is None else pairs.reshape(-1, 2).astype(np.int64)
    t, s = pairs[:, 0], pairs[:, 1]
    cosine = row_dots(tweets, t, statements, s)
    margin = ratio_margin(cosine, _mean_first(found.tweet_cos[t], found.tweet_ids[t] < 0, k),
                          _mean_first(found.statement_cos[s], found.statement_ids[s] < 0, k))
    burst = event_margin(tweets, statements, found, t, s, cosine, k)
    return ranked(t, s, cosine, margin.astype(np.float32), burst.astype(np.float32))


def ratio_margin(cosine: np.ndarray, tweet_mean: np.ndarray, statement_mean: np.ndarray) -> np.ndarray:
    return cosine / ((tweet_mean + statement_mean) / 2)


def event_margin(tweets: np.ndarray, statements: np.ndarray, found: Neighbours, t: np.ndarray,
                 s: np.ndarray, cosine: np.ndarray, k: int, batch: int = 65_536) -> np.ndarray:
    """The ratio margin of each (t, s) with the pair's co-reports left out of both
    neighbourhoods (module docstring)."""
    out = np.empty(len(t), dtype=np.float32)
    if len(t) == 0:
        return out
    nearest_statement = found.tweet_ids[:, 0]
    nearest_tweet = found.statement_ids[:, 0]
    for start in range(0, len(t), batch):
        rows = slice(start, start + batch)
        tt, ss = t[rows], s[rows]
        near_s = found.statement_ids[ss]  # tweets near ss: rewordings of tt leave, when ss is tt's choice
        co_tweets = _co_reports(near_s, tt, nearest_statement[tt] == ss, tweets)
        near_t = found.tweet_ids[tt]      # statements near tt: rewordings of ss leave, when tt is ss's
        co_statements = _co_reports(near_t, ss, nearest_tweet[ss] == tt, statements)
        statement_mean = _mean_first(found.statement_cos[ss], (near_s < 0) | co_tweets, k)
        tweet_mean = _mean_first(found.tweet_cos[tt], (near_t < 0) | co_statements, k)
        out[rows] = ratio_margin(cosine[rows], tweet_mean, statement_mean)
    return out


def _co_reports(near: np.ndarray, own: np.ndarray, chosen: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Mask over ``near`` (rows on ``own``'s side, near its partner): the near-duplicates of
    ``own`` other than itself, in the rows where the pair is the choice (``chosen``)."""
    mask = (near >= 0) & (near != own[:, None]) & chosen[:, None]
    i, j = np.nonzero(mask)
    close = row_dots(vectors, own[i], vectors, near[i, j]) >= NEAR_DUPLICATE
    mask[i[~close], j[~close]] = False
    return mask


def _mean_first(cosines: np.ndarray, skip: np.ndarray, k: int) -> np.ndarray:
    """Mean of the first k entries of each row that are not skipped (rows are nearest first)."""
    keep = ~skip
    keep &= np.cumsum(keep, axis=1) <= k
    sums = np.where(keep, cosines, np.float32(0)).sum(axis=1, dtype=np.float32)
    return sums / np.maximum(keep.sum(axis=1), 1).astype(np.float32)


def _pairs(ids: np.ndarray, tweet_rows: bool) -> np.ndarray:
    """(tweet, statement) rows from a neighbour table; -1 (fewer neighbours found) left out."""
    rows = np.repeat(np.arange(len(ids)), ids.shape[1])
    found = ids.ravel() >= 0
    pairs = np.stack([rows, ids.ravel()] if tweet_rows else [ids.ravel(), rows], axis=1)
    return pairs[found].astype(np.int64)


def _ranks(sorted_tweets: np.ndarray) -> np.ndarray:
    """1, 2, 3... within each run of equal tweet ids."""
    if len(sorted_tweets) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_tweets)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(sorted_tweets)]))
    return np.arange(len(sorted_tweets)) - run_start + 1
