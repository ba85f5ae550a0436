"""The decision rules: modes, the threshold rule on best scores, its fallback, and the record of why."""

from __future__ import annotations

import numpy as np
import pytest

from aligner.decide.threshold import (
    FALLBACK_THRESHOLD,
    MIN_TWEETS,
    Threshold,
    choose_threshold,
    decide,
    fit_mixture,
    null_probability,
)
from aligner.scoring.match import Candidates


def test_decide_modes():
    c = Candidates(tweet=np.array([0, 0, 1, 1]), statement=np.array([0, 1, 0, 2]),
                   cosine=np.full(4, 0.9, dtype=np.float32),
                   margin=np.array([1.2, 1.1, 1.3, 1.05], dtype=np.float32),
                   event_margin=np.array([1.2, 1.1, 1.3, 1.05], dtype=np.float32), rank=np.array([1, 2, 1, 2]))
    at = Threshold(1.08, "manual", "test")
    assert decide(c, threshold=at, mode="all").tolist() == [True, True, True, False]
    assert decide(c, threshold=at, mode="best").tolist() == [True, False, True, False]
    # statement 0's best tweet is tweet 1 (1.3 > 1.2): tweet 0's best is not mutual
    assert decide(c, threshold=at, mode="mutual").tolist() == [False, False, True, False]
    ineligible = np.array([True, True, False, True])
    low = Threshold(1.0, "manual", "test")
    assert decide(c, threshold=low, mode="best", eligible=ineligible).tolist() == [True, False, False, False]
    # evidence moves a pair across a fixed threshold: 1.05 + 4 log-odds / 100 > 1.08
    assert decide(c, threshold=at, mode="all", log_odds=np.array([0, 0, 0, 4.0])).tolist() == [True] * 4
    assert decide(c, threshold=at, mode="all", log_odds=np.array([-15.0, 0, 0, 0])).tolist() == [False, True, True, False]
    # below an event margin of 1 nothing is accepted, whatever the threshold or the evidence
    under = Threshold(0.5, "manual", "test")
    c_low = Candidates(c.tweet, c.statement, c.cosine, c.margin, np.array([0.99, 0.98, 1.01, 1.0], dtype=np.float32),
                       c.rank)
    assert decide(c_low, threshold=under, mode="all", log_odds=np.full(4, 9.0)).tolist() == [False, False, True, True]
    with pytest.raises(ValueError):
        decide(c, threshold=at, mode="some")


def test_threshold_rule_finds_the_gap_between_two_populations():
    rng = np.random.default_rng(0)
    without = rng.normal(1.000, 0.007, 600)
    with_partner = rng.normal(1.050, 0.018, 400)
    best = np.r_[without, with_partner]
    chosen = choose_threshold(best, fdr=0.01)
    assert chosen.rule == "fdr" and 1.010 < lowest_accepted(chosen, best) < 1.030, chosen
    # the same data on another model's scale: the rule moves with it, and accepts the same tweets
    scaled = choose_threshold(1 + 3 * (best - 1), fdr=0.01)
    assert lowest_accepted(scaled, 1 + 3 * (best - 1)) - 1 == pytest.approx(3 * (lowest_accepted(chosen, best) - 1))
    # a stricter FDR accepts less
    assert lowest_accepted(choose_threshold(best, fdr=0.001), best) > lowest_accepted(chosen, best)
    # evidence against a pair (a clash) asks more of its margin; evidence for it, less
    against = choose_threshold(best, np.full(len(best), -2.0), fdr=0.01)
    assert lowest_accepted(against, best, -2.0) > lowest_accepted(chosen, best) > lowest_accepted(chosen, best, 2.0)
    mixture = fit_mixture(np.r_[without, with_partner])
    assert mixture.mean[0] == pytest.approx(1.0, abs=0.003) and mixture.weight[0] == pytest.approx(0.6, abs=0.05)


def test_threshold_rule_falls_back_and_says_why():
    rng = np.random.default_rng(0)
    few = choose_threshold(rng.normal(1.02, 0.01, MIN_TWEETS - 1))
    one_bell = choose_threshold(rng.normal(1.0, 0.007, 500))
    assert few.value == one_bell.value == FALLBACK_THRESHOLD
    assert few.rule == one_bell.rule == "fallback" and "too few" in few.reason and "split" in one_bell.reason
    manual = choose_threshold(rng.normal(1.0, 0.007, 500), manual=1.03)
    assert (manual.value, manual.rule) == (1.03, "manual")


def lowest_accepted(threshold: Threshold, best: np.ndarray, log_odds: float = 0.0) -> float:
    """The lowest of ``best`` that the FDR rule accepts with this much evidence."""
    assert threshold.mixture is not None
    return float(best[null_probability(threshold.mixture, best, np.full(len(best), log_odds)) <= threshold.value].min())
