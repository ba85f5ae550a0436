"""The calibrated rule: P(same event) from a calibration (`aligner calibrate`) in place of the margin.

A calibration maps a candidate's scores to a probability; ``--min-precision P`` then accepts,
among the candidates the mode lets compete, those whose mean probability is P. Its scores must
mean what they meant when it was fitted: the same model and the same k.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aligner.errors import InputError
from aligner.output.files import atomic_write
from aligner.output.labels import POSITIVE_STRICT
from aligner.output.record import Model
from aligner.scoring.match import Candidates

FORMAT = "aligner-calibration"
VERSION = 1
FEATURES = ("event_margin", "margin", "cosine", "inverse_rank", "event_score", "evidence")
SOURCE = {"event_margin": "event_margin", "margin": "margin", "cosine": "cosine", "inverse_rank": "rank",
           "event_score": "event_score", "evidence": "evidence"}


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic model; ``predict`` turns score arrays into probabilities."""

    features: tuple[str, ...]
    mean: list[float]
    scale: list[float]
    coefficients: list[float]
    intercept: float
    l2: float
    positive: tuple[str, ...] = tuple(sorted(POSITIVE_STRICT))
    trained_on: dict[str, Any] = field(default_factory=dict)  # counts, model, date: provenance only

    def predict(self, scores: Mapping[str, np.ndarray]) -> np.ndarray:
        """P(positive) from score arrays of equal length, by name (`SOURCE`: ``event_margin``,
        ``margin``, ``cosine``, ``rank``, ``event_score``, ``evidence``)."""
        x = (feature_matrix(scores, self.features) - np.array(self.mean)) / np.array(self.scale)
        return sigmoid(self.intercept + x @ np.array(self.coefficients))

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "model": "logistic", **asdict(self)}

    @classmethod
    def from_json(cls, data: Any, source: str = "calibration") -> Calibration:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"not an aligner calibration file (no \"format\": \"{FORMAT}\")", path=source)
        if data.get("version") != VERSION:
            raise InputError(f"calibration version {data.get('version')!r}; this aligner reads "
                             f"version {VERSION}", path=source)
        try:
            calibration = cls(features=tuple(data["features"]), mean=list(data["mean"]),
                              scale=list(data["scale"]), coefficients=list(data["coefficients"]),
                              intercept=float(data["intercept"]), l2=float(data["l2"]),
                              positive=tuple(data.get("positive", ("same_event",))),
                              trained_on=dict(data.get("trained_on", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"malformed calibration ({exc!r})", path=source) from None
        unknown = set(calibration.features) - set(FEATURES)
        if unknown or not len(calibration.features) == len(calibration.mean) == len(calibration.scale) \
                == len(calibration.coefficients):
            raise InputError(f"malformed calibration (features {list(calibration.features)})", path=source)
        return calibration

    def save(self, path: str) -> None:
        atomic_write(Path(path), [json.dumps(self.to_json(), indent=2) + "\n"])


def load(path: str) -> Calibration:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg})", path=path, line=exc.lineno) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text: not an aligner calibration file", path=path) from None
    return Calibration.from_json(data, path)


def feature_matrix(scores: Mapping[str, np.ndarray], features: Sequence[str] = FEATURES) -> np.ndarray:
    missing = [name for name in features if SOURCE[name] not in scores]
    if missing:
        raise InputError(f"the calibration uses {', '.join(missing)}, which these pairs do not have "
                         f"(pairs from an older aligner: run `aligner calibrate` on new ones)")
    columns = [np.asarray(scores[SOURCE[name]], dtype=float) for name in features]
    return np.stack([1.0 / column if name == "inverse_rank" else column
                     for name, column in zip(features, columns)], axis=1)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow warnings


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
