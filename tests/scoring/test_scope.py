"""Candidates by scope: pairs within a document, and the date window."""

from __future__ import annotations

import numpy as np

from aligner.scoring.match import Candidates
from aligner.scoring.scope import same_group_pairs, within_window


def test_same_group_pairs_pairs_each_tweet_with_its_documents_statements_only():
    pairs = same_group_pairs(np.array([0, 1, 1]), np.array([1, 0, 1, 2]))
    assert pairs.tolist() == [[0, 1], [1, 0], [1, 2], [2, 0], [2, 2]]
    assert same_group_pairs(np.array([5]), np.array([0, 1])).shape == (0, 2)


def test_the_window_keeps_pairs_close_in_time_or_undated():
    candidates = Candidates(tweet=np.array([0, 1, 2]), statement=np.array([0, 0, 0]),
                            cosine=np.ones(3, dtype=np.float32), margin=np.ones(3, dtype=np.float32),
                            event_margin=np.ones(3, dtype=np.float32), rank=np.ones(3, dtype=np.int64))
    kept = within_window(candidates, ["2024-01-03", "2024-02-01", None], ["2024-01-01"], days=7)
    assert kept.tweet.tolist() == [0, 2]
