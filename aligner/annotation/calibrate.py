"""From scores to P(same_event): a small logistic regression fitted on annotated pairs.

Why logistic regression: it uses several scores at once (margin, cosine, rank), gives smooth
probabilities that can be read as "how often a pair like this is the same event", and has three
or four numbers that fit in a readable JSON file. Isotonic regression on the margin alone would
need no assumption of shape but ignores the other scores and is a step function that
overfits a few hundred labels.

The model: features are standardised (mean and scale stored), then
    P(same_event) = 1 / (1 + exp(-(intercept + coefficients . standardised features)))
fitted by Newton's method (IRLS) with a small L2 penalty on the coefficients (not the
intercept). The penalty keeps the fit finite when a small gold set is perfectly separable,
which happens often with a few dozen annotated pairs; with hundreds of labels it is negligible.

Features: ``event_margin``, ``margin``, ``cosine`` and ``event_score`` as written in ``scores``,
``inverse_rank`` = 1 / rank (1 for a tweet's best statement, 0.5 for its second...), and
``evidence``, the evidence block's log-odds (names and numbers, token agreement, dates), so that
annotations weigh the same signals the label-free rule does. Margins depend on the model and on
k, so a calibration holds for the model and settings of the run it was fitted on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from aligner.annotation.answers import Gold
from aligner.decide.calibrated import FEATURES, SOURCE, Calibration, feature_matrix, sigmoid, threshold_for_precision
from aligner.errors import InputError
from aligner.output.labels import POSITIVE_STRICT
from aligner.output.record import Record


def scores_of(records: Sequence[Record]) -> dict[str, np.ndarray]:
    """Score arrays from native pair records, each only when every record has it (event_margin
    came with schema 1.1, event_score and evidence with 1.3)."""
    rows: list[dict[str, float]] = []
    for record in records:
        evidence = record.get("evidence")
        rows.append({**{name: float(value) for name, value in record["scores"].items()},  # type: ignore[arg-type]
                     **({"evidence": evidence["log_odds"]} if evidence else {})})
    names = [name for name in SOURCE.values() if all(name in row for row in rows)]
    return {name: np.array([row[name] for row in rows], dtype=float) for name in names}


def fit(scores: Mapping[str, np.ndarray], positive: np.ndarray, *, features: Sequence[str] | None = None,
        l2: float = 1.0, trained_on: dict[str, Any] | None = None) -> Calibration:
    """Fit P(positive | scores) by penalised IRLS. ``positive`` is a boolean array; ``features``
    default to every known one that ``scores`` has."""
    features = features or [name for name in FEATURES if SOURCE[name] in scores]
    y = np.asarray(positive, dtype=float)
    if len(y) == 0 or y.min() == y.max():
        raise InputError(f"calibration needs both positive and negative labelled pairs "
                         f"(got {int(y.sum())} positive of {len(y)}): align with --include-rejected so "
                         f"that annotators see rejected candidates too")
    raw = feature_matrix(scores, features)
    mean, scale = raw.mean(axis=0), raw.std(axis=0)
    scale[scale == 0] = 1.0  # a constant feature (e.g. every rank 1) then gets coefficient 0
    w = fit_logistic((raw - mean) / scale, y, l2)
    return Calibration(tuple(features), mean.tolist(), scale.tolist(), w[1:].tolist(), float(w[0]), l2,
                       trained_on=trained_on or {})


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """[intercept, coefficients...] of P(y | x) by Newton's method (IRLS), the coefficients (not
    the intercept) penalised by ``l2``."""
    x = np.c_[np.ones(len(y)), x]
    penalty = np.diag([0.0] + [l2] * (x.shape[1] - 1))
    w = np.zeros(x.shape[1])
    for _ in range(100):
        p = sigmoid(x @ w)
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w


def fit_records(records: Sequence[Record], gold: Gold, **options: Any) -> Calibration:
    """Fit on the records that have a gold label; positive = same_event."""
    labelled = [r for r in records if r["pair_id"] in gold.labels]
    if not labelled:
        raise InputError(f"{gold.source or 'gold'}: no gold label matches a pair in PAIRS")
    positive = np.array([gold.labels[r["pair_id"]] in POSITIVE_STRICT for r in labelled])
    trained_on = {"pairs": len(labelled), "positives": int(positive.sum()),
                  "embedding_model": labelled[0].get("model", {}), "decision": labelled[0].get("decision", {}),
                  "date": date.today().isoformat()}
    return fit(scores_of(labelled), positive, trained_on=trained_on, **options)



@dataclass(frozen=True)
class PrecisionCheck:
    """What ``--min-precision`` would do on annotated pairs: for each wanted precision, the
    probability cut it sets (from the probabilities alone, as at align time) and the precision
    the annotations measure there (None: nothing accepted)."""

    mode: str
    pairs: int  # the annotated pairs the mode lets compete
    rows: list[tuple[float, float, float | None]]  # (wanted, cut, measured)


def check_precision(calibration: Calibration, records: Sequence[Record], gold: Gold,
                    wanted: Sequence[float] = (0.8, 0.9, 0.95)) -> PrecisionCheck:
    """``--min-precision`` against the annotations, on the candidates the run's mode lets compete
    (a tweet's best statement for best and mutual): what it sees at align time."""
    labelled = [r for r in records if r["pair_id"] in gold.labels]
    mode = (labelled[0].get("decision") or {}).get("mode", "best") if labelled else "best"
    competing = [r for r in labelled if mode == "all" or r["scores"]["rank"] == 1]
    probability = calibration.predict(scores_of(competing)) if competing else np.zeros(0)
    truth = np.array([gold.labels[r["pair_id"]] in POSITIVE_STRICT for r in competing], dtype=bool)
    rows = []
    for precision in wanted:
        cut = threshold_for_precision(probability, precision)
        kept = probability >= cut
        rows.append((precision, cut, float(truth[kept].mean()) if kept.any() else None))
    return PrecisionCheck(mode, len(competing), rows)
