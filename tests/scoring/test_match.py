"""The matcher on hand-made vectors: margins, ranks, scopes and decisions."""

from __future__ import annotations

import numpy as np
import pytest

from aligner.scoring.content import embedding_text, has_content
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


def test_embedding_text_strips_what_states_nothing():
    tweet = ("RT @someone: Troops, protesters clash on #Almaty main square; shots heard | Malay Mail "
             "https://t.co/clVOShfreC pic.twitter.com/q9y1Q3MGNp 🇰🇿")
    assert embedding_text(tweet) == "Troops, protesters clash on Almaty main square; shots heard"
    assert embedding_text("@a @b thanks for the update on the fires @c") == "thanks for the update on the fires"


@pytest.mark.parametrize("text,ok", [
    ("7,8 Ρίχτερ 20.000", False), ("https://t.co/x @a @b", False), ("Κ. Μητσοτάκης, Α. Τσίπρας", False),
    ("Troops clash in Almaty", True), ("Ισχυρός σεισμός στην Κρήτη", True)])
def test_low_content_texts_are_not_eligible(text, ok):
    assert has_content(text) is ok


def test_missing_neighbours_are_left_out_of_pairs_and_means():
    # an approximate index returns id -1 where a query's probed lists held fewer than k rows
    from aligner.scoring.match import _mean_first, _pairs

    ids = np.array([[3, 1], [2, -1]])
    cosines = np.array([[0.9, 0.5], [0.8, -np.inf]], dtype=np.float32)
    assert _pairs(ids, tweet_rows=True).tolist() == [[0, 3], [0, 1], [1, 2]]
    assert _pairs(ids, tweet_rows=False).tolist() == [[3, 0], [1, 0], [2, 1]]
    np.testing.assert_allclose(_mean_first(cosines, ids < 0, 2), [0.7, 0.8])
