"""Deciding: which candidates a run accepts, and by which rule (the record's ``decision.rule``).

One entry point, `accept`, over the rules, in the order they take over:

- ``model_check`` (`model_check`): a model that cannot align Greek and English accepts nothing;
- ``fdr``, ``fallback``, ``manual`` (`threshold`): the threshold chosen from the run's own scores
  for ``--fdr``, the fixed fallback when the scores show no two groups, or ``--threshold``;
- ``min_precision`` (`calibrated`): with a calibration and ``--min-precision``, P(same event)
  in place of the margin, among the candidates the mode lets compete.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aligner.decide.calibrated import Calibration, probabilities, threshold_for_precision
from aligner.decide.threshold import Threshold, best_rows, choose_threshold, decide, event_score, in_play
from aligner.scoring.match import Candidates
from aligner.settings import Settings


@dataclass(frozen=True)
class Verdict:
    """The accepted mask, the rule that decided, and P(same event) per candidate when a
    calibration was given."""

    accepted: np.ndarray
    threshold: Threshold
    probability: np.ndarray | None


def run_threshold(candidates: Candidates, counted: np.ndarray, log_odds: np.ndarray, settings: Settings) -> Threshold:
    """The run's threshold from the best candidate of each tweet among the ``counted`` rows (eligible,
    and one copy of each distinct tweet text: copies do not weigh on the rule), with its evidence."""
    best = best_rows(candidates, counted)
    return choose_threshold(candidates.event_margin[best].astype(float), log_odds[best], fdr=settings.fdr,
                            manual=settings.threshold)


def accept(candidates: Candidates, eligible: np.ndarray, counted: np.ndarray, log_odds: np.ndarray,
           settings: Settings, calibration: Calibration | None, refused: Threshold | None) -> Verdict:
    """Which candidates the run accepts. ``refused``: the model check's verdict, when it failed."""
    threshold = refused or run_threshold(candidates, counted, log_odds, settings)
    probability = (probabilities(calibration, candidates, event_score(candidates.event_margin, log_odds), log_odds)
                   if calibration else None)
    if probability is None or settings.min_precision is None:
        return Verdict(decide(candidates, threshold=threshold, mode=settings.mode, eligible=eligible,
                              log_odds=log_odds), threshold, probability)
    # the mode still picks which candidates compete; the probability replaces the margin threshold
    allowed = in_play(candidates, settings.mode, eligible)
    cut = threshold_for_precision(probability[allowed], settings.min_precision)
    return Verdict(allowed & (probability >= cut), Threshold(cut, "min_precision", (
        f"calibrated probability, expected precision {settings.min_precision:g} among the "
        f"{settings.mode!r}-mode candidates")), probability)
