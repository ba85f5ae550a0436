"""Event groups: tweets and statements joined by accepted pairs."""

from __future__ import annotations

from aligner.scoring.events import event_ids


def test_event_ids_join_bursts_and_leave_rejected_tweets_out():
    ids = event_ids(["t1", "t2", "t3", "t4", "t4"], ["s1", "s1", "s2", "s3", "s1"], [True, True, True, False, False])
    assert ids[0] == ids[1] != ids[2] and ids[3] is ids[4] is None
    assert ids == event_ids(["t1", "t2", "t3", "t4", "t4"], ["s1", "s1", "s2", "s3", "s1"],
                            [True, True, True, False, False])
    assert event_ids(["t1", "t1"], ["s1", "s2"], [True, False])[1] is not None  # its tweet's event
