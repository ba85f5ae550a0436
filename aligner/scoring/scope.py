"""Which pairs are candidates. Corpus scope: each tweet's nearest statements over the whole run.
Document scope: every pair within one article. Either way each distinct pair of texts is scored
once (`aligner.scoring.distinct`) and every copy gets its pair; a date window then drops pairs
too far apart."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aligner.scoring.distinct import Distinct
from aligner.scoring.evidence import gap_days
from aligner.scoring.index import ShardMap
from aligner.scoring.match import Candidates, match


def corpus_candidates(tweet_vectors: np.ndarray, statement_vectors: np.ndarray, tweet_texts: Distinct,
                      statement_texts: Distinct, *, k: int, index: str | None, map_shards: ShardMap) -> Candidates:
    """The nearest distinct statements of each distinct tweet, then all their copies."""
    scored = match(tweet_vectors, statement_vectors, k=k, index=index, map_shards=map_shards)
    position, tweet = tweet_texts.rows(scored.tweet)
    inner, statement = statement_texts.rows(scored.statement[position])
    return scored.take(position[inner], tweet=tweet[inner], statement=statement)


def document_candidates(tweet_vectors: np.ndarray, statement_vectors: np.ndarray, tweet_texts: Distinct,
                        statement_texts: Distinct, groups: tuple[np.ndarray, np.ndarray], *, k: int,
                        index: str | None, map_shards: ShardMap) -> Candidates:
    """Every (tweet, statement) of the same document (``groups``: each row's document number,
    tweets then statements), scored once per distinct pair of texts."""
    tweet, statement = same_group_pairs(*groups).T
    keys = tweet_texts.of_row[tweet] * len(statement_texts.first_row) + statement_texts.of_row[statement]
    unique_keys, rows = np.unique(keys, return_inverse=True)
    scored = match(tweet_vectors, statement_vectors, k=k, index=index, map_shards=map_shards,
                   pairs=np.stack(np.divmod(unique_keys, len(statement_texts.first_row)), axis=1))
    # match() returns its pairs ranked: find each unique key again among them
    ranked_keys = scored.tweet * len(statement_texts.first_row) + scored.statement
    order = np.argsort(ranked_keys)
    rows = order[np.searchsorted(ranked_keys[order], unique_keys)][rows]
    return scored.take(rows, tweet=tweet, statement=statement)


def same_group_pairs(tweet_groups: np.ndarray, statement_groups: np.ndarray) -> np.ndarray:
    """Every (tweet row, statement row) of the same document."""
    by_group: dict[int, list[int]] = {}
    for row, group in enumerate(statement_groups):
        by_group.setdefault(int(group), []).append(row)
    pairs = [(t, s) for t, group in enumerate(tweet_groups) for s in by_group.get(int(group), ())]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def within_window(candidates: Candidates, tweet_dates: Sequence[str | None], statement_dates: Sequence[str | None],
                  days: float) -> Candidates:
    """The candidates whose dates are at most ``days`` apart, or unknown on either side."""
    keep = [gap is None or gap <= days
            for gap in (gap_days(tweet_dates[t], statement_dates[s])
                        for t, s in zip(candidates.tweet, candidates.statement))]
    return candidates.take(np.flatnonzero(np.array(keep, dtype=bool)))
