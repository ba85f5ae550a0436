"""The calibrated rule: P(same event) from a calibration (`aligner calibrate`) in place of the margin.

A calibration maps a candidate's scores to a probability; ``--min-precision P`` then accepts,
among the candidates the mode lets compete, those whose mean probability is P. Its scores must
mean what they meant when it was fitted: the same model and the same k.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from aligner.errors import InputError
from aligner.output.record import Model
from aligner.scoring.match import Candidates

if TYPE_CHECKING:  # the calibration file is the annotation loop's; this module only reads it
    from aligner.annotation.calibrate import Calibration


def check_fits(calibration: Calibration, model: Model, k: int) -> None:
    """Scores from another model or another k mean something else: refuse rather than mislabel
    probabilities."""
    fitted = (calibration.trained_on.get("embedding_model") or {}).get("fingerprint")
    if fitted and fitted != model["fingerprint"]:
        raise InputError(f"the calibration was fitted on scores of model {fitted}, this run uses "
                         f"{model['fingerprint']}: run `aligner calibrate` again for this model")
    fitted_k = (calibration.trained_on.get("decision") or {}).get("k")
    if fitted_k is not None and fitted_k != k:
        raise InputError(f"the calibration was fitted on margins with k={fitted_k}, this run uses "
                         f"k={k}: align with --k {fitted_k} or calibrate again")


def probabilities(calibration: Calibration, candidates: Candidates, event_score: np.ndarray,
                  log_odds: np.ndarray) -> np.ndarray:
    """P(same event) per candidate, from the scores the calibration was fitted on."""
    return calibration.predict({"cosine": candidates.cosine, "margin": candidates.margin,
                                "event_margin": candidates.event_margin, "event_score": event_score,
                                "evidence": log_odds, "rank": candidates.rank})


def threshold_for_precision(probabilities: np.ndarray, min_precision: float,
                            labels: np.ndarray | None = None) -> float:
    """The lowest probability threshold whose accepted set reaches ``min_precision``.

    Without ``labels`` the precision is the expected one, the mean probability of the pairs at or
    over the threshold (what calibrated probabilities promise, no gold needed: usable at align
    time); with boolean ``labels`` it is the measured one. Returns ``inf`` (accept nothing) when
    no threshold reaches it.
    """
    p = np.asarray(probabilities, dtype=float)
    order = np.argsort(-p, kind="stable")
    hits = (np.asarray(labels, dtype=float) if labels is not None else p)[order]
    precision = np.cumsum(hits) / np.arange(1, len(p) + 1)
    last = np.r_[p[order][1:] != p[order][:-1], True]  # a threshold takes a whole tie run
    ok = np.flatnonzero(last & (precision >= min_precision - 1e-12))
    return float(p[order][ok[-1]]) if len(ok) else float("inf")
