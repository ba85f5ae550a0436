"""Margin-based matching: pure functions over L2-normalised matrices and integer group ids.

The recipe is LASER's (`mine_bitexts.py`): k nearest neighbours in both directions, and the
ratio margin  cos(x, y) / ((mean cos of x to its k neighbours + mean cos of y to its k
neighbours) / 2).  A margin above 1 says "closer to each other than to the rest of the pool".
No files, no models: vectors in, arrays of candidates out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aligner.index import search_both_ways

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


def neighbourhoods(tweets: np.ndarray, statements: np.ndarray, k: int, index: str | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each tweet's k nearest statements and each statement's k nearest tweets, as
    (tweet pairs, statement pairs, tweet mean cosines, statement mean cosines); a pair is a
    (tweet row, statement row) array row, and k is capped at the other side's size."""
    (t_cos, t_ids), (s_cos, s_ids) = search_both_ways(tweets, statements, k, index)
    tweet_pairs = _pairs(t_ids, tweet_rows=True)
    statement_pairs = _pairs(s_ids, tweet_rows=False)
    return tweet_pairs, statement_pairs, _mean_found(t_cos, t_ids), _mean_found(s_cos, s_ids)


def _pairs(ids: np.ndarray, tweet_rows: bool) -> np.ndarray:
    """(tweet, statement) rows from a neighbour table; -1 (fewer neighbours found) left out."""
    rows = np.repeat(np.arange(len(ids)), ids.shape[1])
    found = ids.ravel() >= 0
    pairs = np.stack([rows, ids.ravel()] if tweet_rows else [ids.ravel(), rows], axis=1)
    return pairs[found].astype(np.int64)


def _mean_found(cosines: np.ndarray, ids: np.ndarray) -> np.ndarray:
    found = ids >= 0
    sums = np.where(found, cosines, np.float32(0)).sum(axis=1, dtype=np.float32)
    return sums / np.maximum(found.sum(axis=1), 1).astype(np.float32)


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
    tweet_pairs, statement_pairs, tweet_mean, statement_mean = neighbourhoods(tweets, statements, k, index)
    if tweet_groups is None:
        pairs = np.concatenate([tweet_pairs, statement_pairs])
    else:
        pairs = _same_group_pairs(tweet_groups, statement_groups)
    pairs = np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)
    t, s = pairs[:, 0], pairs[:, 1]
    cosine = _row_dots(tweets, t, statements, s)
    margin = ratio_margin(cosine, tweet_mean[t], statement_mean[s]).astype(np.float32)
    # sort by tweet, then margin descending (statement row breaks ties: deterministic)
    order = np.lexsort((s, -margin, t))
    t, s, cosine, margin = t[order], s[order], cosine[order], margin[order]
    return Candidates(t, s, cosine, margin, _ranks(t))


def _row_dots(a: np.ndarray, a_rows: np.ndarray, b: np.ndarray, b_rows: np.ndarray,
              batch: int = 65_536) -> np.ndarray:
    """``a[a_rows[i]] · b[b_rows[i]]`` for each i, a batch at a time: the matrices may be memory-mapped
    and the pairs many, so the gathered rows must not all be in memory at once."""
    out = np.empty(len(a_rows), dtype=np.float32)
    for start in range(0, len(a_rows), batch):
        rows = slice(start, start + batch)
        out[rows] = np.einsum("ij,ij->i", a[a_rows[rows]], b[b_rows[rows]])
    return out


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
