"""The matcher on hand-made vectors: margins, ranks, scopes and decisions."""

from __future__ import annotations

import numpy as np
import pytest

from aligner.scoring.match import match, ratio_margin


def unit(rows: list[list[float]]) -> np.ndarray:
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


# Three events on orthogonal axes; tweet 0 is event 0, tweet 1 is event 1, tweet 2 is vague.
STATEMENTS = unit([[1, 0.1, 0], [0, 1, 0.1], [0.1, 0, 1], [0.9, 0.2, 0.1]])
TWEETS = unit([[1, 0.05, 0.05], [0.05, 1, 0], [0.5, 0.5, 0.5]])


def test_margin_is_cosine_over_mean_neighbourhood():
    c = match(TWEETS, STATEMENTS, k=2)
    t, s = 0, 0
    row = np.flatnonzero((c.tweet == t) & (c.statement == s))[0]
    cos = TWEETS @ STATEMENTS.T
    tweet_mean = np.sort(cos[t])[-2:].mean()
    statement_mean = np.sort(cos[:, s])[-2:].mean()
    assert c.cosine[row] == pytest.approx(cos[t, s], abs=1e-6)
    assert c.margin[row] == pytest.approx(cos[t, s] / ((tweet_mean + statement_mean) / 2), abs=1e-6)
    assert ratio_margin(np.float32(0.8), np.float32(0.8), np.float32(0.8)) == pytest.approx(1.0)


def test_candidates_are_sorted_and_ranked_per_tweet():
    c = match(TWEETS, STATEMENTS, k=2)
    for t in range(len(TWEETS)):
        margins = c.margin[c.tweet == t]
        assert list(margins) == sorted(margins, reverse=True)
        assert list(c.rank[c.tweet == t]) == list(range(1, len(margins) + 1))
    assert list(c.tweet) == sorted(c.tweet)


def test_given_pairs_are_the_candidates():
    wanted = np.array([[0, 0], [0, 3], [1, 1], [1, 2], [2, 1], [2, 2]])
    c = match(TWEETS, STATEMENTS, k=2, pairs=wanted)
    assert set(zip(c.tweet.tolist(), c.statement.tolist())) == {tuple(p) for p in wanted.tolist()}




def test_take_reranks():
    c = match(TWEETS, STATEMENTS, k=2)
    kept = c.take(np.flatnonzero(c.rank != 1))
    assert all(kept.rank[kept.tweet == t][0] == 1 for t in np.unique(kept.tweet))


def test_match_is_deterministic_and_handles_empty_sides():
    a, b = match(TWEETS, STATEMENTS, k=3), match(TWEETS, STATEMENTS, k=3)
    assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("tweet", "statement", "margin"))
    empty = match(TWEETS[:0], STATEMENTS, k=3)
    assert len(empty) == 0






def test_missing_neighbours_are_left_out_of_pairs_and_means():
    # an approximate index returns id -1 where a query's probed lists held fewer than k rows
    from aligner.scoring.match import _mean_first, _pairs

    ids = np.array([[3, 1], [2, -1]])
    cosines = np.array([[0.9, 0.5], [0.8, -np.inf]], dtype=np.float32)
    assert _pairs(ids, tweet_rows=True).tolist() == [[0, 3], [0, 1], [1, 2]]
    assert _pairs(ids, tweet_rows=False).tolist() == [[3, 0], [1, 0], [2, 1]]
    np.testing.assert_allclose(_mean_first(cosines, ids < 0, 2), [0.7, 0.8])
