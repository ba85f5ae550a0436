"""`aligner.decide.accept`: one entry point, the rules in the order they take over."""

from __future__ import annotations

import numpy as np

from aligner.decide import accept
from aligner.decide.calibrated import Calibration
from aligner.decide.threshold import Threshold
from aligner.scoring.match import Candidates
from aligner.settings import Settings

# two tweets, each with a best (rank 1) and a second candidate; event margins well over 1
CANDIDATES = Candidates(tweet=np.array([0, 0, 1, 1]), statement=np.array([0, 1, 1, 0]),
                        cosine=np.array([0.9, 0.8, 0.85, 0.7], dtype=np.float32),
                        margin=np.array([1.20, 1.05, 1.10, 1.01], dtype=np.float32),
                        event_margin=np.array([1.20, 1.05, 1.10, 1.01], dtype=np.float32),
                        rank=np.array([1, 2, 1, 2]))
ALL = np.ones(4, dtype=bool)
NO_EVIDENCE = np.zeros(4)
# P(same event) rising with the event margin alone
BY_MARGIN = Calibration(("event_margin",), [1.1], [0.05], [4.0], 0.0, 1.0)


def test_the_fixed_rule_decides_without_a_calibration():
    verdict = accept(CANDIDATES, ALL, ALL, NO_EVIDENCE, Settings(threshold=1.08), None, None)
    assert verdict.threshold.rule == "manual" and verdict.probability is None
    assert verdict.accepted.tolist() == [True, False, True, False]


def test_a_failed_model_check_accepts_nothing():
    refused = Threshold(np.inf, "model_check", "test")
    verdict = accept(CANDIDATES, ALL, ALL, NO_EVIDENCE, Settings(threshold=1.08), None, refused)
    assert verdict.threshold is refused and not verdict.accepted.any()


def test_a_calibration_adds_probabilities_and_min_precision_replaces_the_threshold():
    scored = accept(CANDIDATES, ALL, ALL, NO_EVIDENCE, Settings(threshold=1.08, calibration="c.json"),
                    BY_MARGIN, None)
    assert scored.threshold.rule == "manual" and scored.probability is not None
    assert scored.accepted.tolist() == [True, False, True, False]
    by_probability = accept(CANDIDATES, ALL, ALL, NO_EVIDENCE,
                            Settings(calibration="c.json", min_precision=0.95, mode="all"), BY_MARGIN, None)
    assert by_probability.threshold.rule == "min_precision"
    assert by_probability.accepted.tolist() == [True, False, False, False]  # only the surest pair
