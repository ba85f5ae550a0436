"""Calibration on synthetic scores whose true P(same_event) is known."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aligner.annotation.calibrate import fit
from aligner.decide.calibrated import Calibration, load, threshold_for_precision
from aligner.errors import InputError

TOLERANCE = 0.05  # max |fitted - true| probability over the score range, with 20,000 samples


def true_probability(margin: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-40 * (margin - 1.04)))


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(7)
    n = 20_000
    margin = rng.uniform(0.95, 1.15, n)
    scores = {"margin": margin, "cosine": 0.7 + 0.2 * rng.random(n), "rank": rng.integers(1, 5, n)}
    return scores, rng.random(n) < true_probability(margin)


def grid(n: int = 41) -> dict[str, np.ndarray]:
    return {"margin": np.linspace(0.95, 1.15, n), "cosine": np.full(n, 0.8), "rank": np.ones(n)}


def test_recovers_a_known_relation(synthetic):
    scores, positive = synthetic
    calibration = fit(scores, positive)  # all features; cosine and rank carry no signal here
    fitted = calibration.predict(grid())
    assert np.all(np.diff(fitted) > 0)  # monotone in the margin
    assert np.abs(fitted - true_probability(grid()["margin"])).max() < TOLERANCE
    assert abs(calibration.coefficients[1]) < 0.1 and abs(calibration.coefficients[2]) < 0.1


def test_json_round_trip(synthetic, tmp_path):
    scores, positive = synthetic
    calibration = fit(scores, positive, trained_on={"pairs": len(positive)})
    calibration.save(str(tmp_path / "calibration.json"))
    data = json.loads((tmp_path / "calibration.json").read_text())
    assert data["format"] == "aligner-calibration" and data["version"] == 1
    again = load(str(tmp_path / "calibration.json"))
    assert again == calibration
    np.testing.assert_allclose(again.predict(grid()), calibration.predict(grid()))


def test_separable_labels_give_finite_probabilities():
    margin = np.array([0.98, 0.99, 1.00, 1.05, 1.06, 1.07])
    calibration = fit({"margin": margin, "cosine": margin, "rank": np.ones(6)}, margin > 1.02)
    probability = calibration.predict({"margin": margin, "cosine": margin, "rank": np.ones(6)})
    assert np.all(np.isfinite(calibration.coefficients))
    assert probability[:3].max() < 0.5 < probability[3:].min()


def test_one_class_is_an_error():
    with pytest.raises(InputError, match="both positive and negative"):
        fit({"margin": np.ones(3), "cosine": np.ones(3), "rank": np.ones(3)}, np.ones(3, dtype=bool))


@pytest.mark.parametrize("data, message", [
    ({"format": "something"}, "not an aligner calibration"),
    ({"format": "aligner-calibration", "version": 99}, "version 99"),
    ({"format": "aligner-calibration", "version": 1, "features": ["margin"]}, "malformed"),
    ({"format": "aligner-calibration", "version": 1, "features": ["length"], "mean": [0], "scale": [1],
      "coefficients": [1], "intercept": 0, "l2": 1}, "malformed"),
])
def test_bad_calibration_files(tmp_path, data, message):
    (tmp_path / "c.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match=message):
        load(str(tmp_path / "c.json"))


def test_threshold_for_precision():
    p = np.array([0.99, 0.95, 0.9, 0.8, 0.5, 0.1])
    # expected precision of accepting the top n: 0.99, 0.97, 0.947, 0.91, 0.828...
    assert threshold_for_precision(p, 0.9) == 0.8
    assert threshold_for_precision(p, 0.95) == 0.95
    labels = np.array([True, False, True, True, False, False])
    assert threshold_for_precision(p, 0.75, labels=labels) == 0.8  # 3 of the top 4
    assert threshold_for_precision(p, 1.0, labels=labels) == 0.99
    assert threshold_for_precision(np.array([0.2, 0.1]), 0.9) == float("inf")


def test_calibration_equality_is_by_value():
    a = Calibration(("margin",), [1.0], [0.1], [2.0], -1.0, 1.0)
    assert Calibration.from_json(a.to_json()) == a


def test_the_evidence_is_a_feature_when_every_record_carries_it():
    """Annotations weigh the same signals the label-free rule does: the evidence's log-odds."""
    from aligner.annotation.calibrate import scores_of

    rng = np.random.default_rng(1)
    n = 300
    evidence = rng.normal(0, 2, n)
    margin = 1 + rng.normal(0.01, 0.01, n)
    same = rng.random(n) < 1 / (1 + np.exp(-(evidence + 100 * (margin - 1.01))))
    records = [{"scores": {"cosine": 0.8, "margin": float(m), "event_margin": float(m), "rank": 1,
                           "event_score": float(m + e / 100)}, "evidence": {"log_odds": float(e)}}
               for m, e in zip(margin, evidence)]
    scores = scores_of(records)  # type: ignore[arg-type]
    assert set(scores) >= {"event_score", "evidence"}
    calibration = fit(scores, same)
    weight = dict(zip(calibration.features, calibration.coefficients))
    assert weight["evidence"] > 0.5  # standardised: the evidence carries the signal it was built with
    # a record without an evidence block (schema 1.2) leaves the feature out, not the record
    assert "evidence" not in scores_of([*records[:2], {"scores": records[2]["scores"]}])  # type: ignore[list-item]
