"""Copies folded before mining, in order of first appearance."""

from __future__ import annotations

import numpy as np

from aligner.scoring.distinct import distinct


def test_distinct_folds_copies_in_order_of_first_appearance():
    folded = distinct(["a", "b", "a", "c", "b"])
    assert folded.of_row.tolist() == [0, 1, 0, 2, 1] and folded.first_row.tolist() == [0, 1, 3]
    assert folded.copies == 2
    position, rows = folded.rows(np.array([1, 0]))
    assert position.tolist() == [0, 0, 1, 1] and rows.tolist() == [1, 4, 0, 2]
