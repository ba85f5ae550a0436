"""Margin-based matching: pure functions over L2-normalised matrices and integer group ids.

The recipe is LASER's (`mine_bitexts.py`): k nearest neighbours in both directions, and the
ratio margin  cos(x, y) / ((mean cos of x to its k neighbours + mean cos of y to its k
neighbours) / 2).  A margin above 1 says "closer to each other than to the rest of the pool".
No files, no models: vectors in, arrays of candidates out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aligner.index import search

MODES = ("best", "mutual", "all")


@dataclass(frozen=True)
class Candidates:
    """Parallel arrays, one entry per (tweet, statement) candidate, sorted by tweet then rank."""

    tweet: np.ndarray      # row in the tweet matrix
    statement: np.ndarray  # row in the statement matrix
    cosine: np.ndarray
    margin: np.ndarray
    rank: np.ndarray       # 1 = the tweet's best statement by margin

    def __len__(self) -> int:
        return len(self.tweet)

    def subset(self, keep: np.ndarray) -> Candidates:
        """The kept candidates, ranked again among themselves."""
        return Candidates(self.tweet[keep], self.statement[keep], self.cosine[keep],
                          self.margin[keep], _ranks(self.tweet[keep]))


def neighbourhood(queries: np.ndarray, pool: np.ndarray, k: int,
                  index: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each query's k nearest pool rows: (mean cosine, cosines, row ids), k capped at the pool size."""
    k = min(k, len(pool))
    if k == 0 or len(queries) == 0:
        empty = np.zeros((len(queries), 0), dtype=np.float32)
        return np.zeros(len(queries), dtype=np.float32), empty, empty.astype(np.int64)
    cosines, ids = search(pool, queries, k, index)
    return cosines.mean(axis=1), cosines, ids


def ratio_margin(cosine: np.ndarray, tweet_mean: np.ndarray, statement_mean: np.ndarray) -> np.ndarray:
    return cosine / ((tweet_mean + statement_mean) / 2)


def match(tweets: np.ndarray, statements: np.ndarray, *, k: int,
          tweet_groups: np.ndarray | None = None, statement_groups: np.ndarray | None = None,
          index: str | None = None) -> Candidates:
    """Score candidate pairs by cosine and ratio margin.

    Without groups (corpus scope) the candidates are each tweet's k nearest statements and each
    statement's k nearest tweets. With groups (document scope) they are every tweet-statement
    pair that shares a group. The neighbourhood means always come from the whole pool, so a
    margin means the same in a four-tweet article as in a large corpus.
    """
    tweet_mean, t_cos, t_ids = neighbourhood(tweets, statements, k, index)
    statement_mean, s_cos, s_ids = neighbourhood(statements, tweets, k, index)
    if tweet_groups is None:
        pairs = np.concatenate([
            np.stack([np.repeat(np.arange(len(tweets)), t_ids.shape[1]), t_ids.ravel()], axis=1),
            np.stack([s_ids.ravel(), np.repeat(np.arange(len(statements)), s_ids.shape[1])], axis=1),
        ]).astype(np.int64)
    else:
        pairs = _same_group_pairs(tweet_groups, statement_groups)
    pairs = np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)
    t, s = pairs[:, 0], pairs[:, 1]
    cosine = np.einsum("ij,ij->i", tweets[t], statements[s]).astype(np.float32)
    margin = ratio_margin(cosine, tweet_mean[t], statement_mean[s]).astype(np.float32)
    # sort by tweet, then margin descending (statement row breaks ties: deterministic)
    order = np.lexsort((s, -margin, t))
    t, s, cosine, margin = t[order], s[order], cosine[order], margin[order]
    return Candidates(t, s, cosine, margin, _ranks(t))


def _same_group_pairs(tweet_groups: np.ndarray, statement_groups: np.ndarray) -> np.ndarray:
    by_group: dict[int, list[int]] = {}
    for row, group in enumerate(statement_groups):
        by_group.setdefault(int(group), []).append(row)
    pairs = [(t, s) for t, group in enumerate(tweet_groups) for s in by_group.get(int(group), ())]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _ranks(sorted_tweets: np.ndarray) -> np.ndarray:
    """1, 2, 3... within each run of equal tweet ids."""
    if len(sorted_tweets) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_tweets)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(sorted_tweets)]))
    return np.arange(len(sorted_tweets)) - run_start + 1


def decide(candidates: Candidates, *, threshold: float, mode: str,
           eligible: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of accepted candidates.

    A candidate is accepted when its margin reaches ``threshold``, both sides are eligible
    (see ``aligner.content``), and the mode agrees: ``best`` keeps a tweet's top-ranked
    statement, ``mutual`` also needs the tweet to be that statement's best tweet, ``all``
    keeps every candidate over the threshold.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    accepted = candidates.margin >= threshold
    if eligible is not None:
        accepted &= eligible
    if mode in ("best", "mutual"):
        accepted &= candidates.rank == 1
    if mode == "mutual":
        accepted &= _best_for_statement(candidates)
    return accepted


def _best_for_statement(candidates: Candidates) -> np.ndarray:
    order = np.lexsort((candidates.tweet, -candidates.margin, candidates.statement))
    first = np.r_[True, np.diff(candidates.statement[order]) != 0]
    best = np.zeros(len(candidates), dtype=bool)
    best[order[first]] = True
    return best
