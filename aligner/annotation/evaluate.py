"""How good were the pairs? Precision, recall and F1 of the accepted pairs against gold labels
(`aligner.annotation.gold` reads them), precision-recall curves over each score, and their plot."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aligner.annotation.answers import Gold
from aligner.errors import InputError
from aligner.output.files import atomic_write
from aligner.output.labels import POSITIVE_LOOSE, POSITIVE_STRICT
from aligner.output.record import Record

# event_margin: pairs of schema 1.1 and later; event_score (the margin with the evidence): 1.3
SCORES = ("event_score", "event_margin", "margin", "cosine")


@dataclass(frozen=True)
class Counts:
    """Confusion counts of the accepted pairs against the gold positives."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


@dataclass(frozen=True)
class Curve:
    """Precision and recall of "accept every labelled pair whose score >= threshold" (rank and
    mode ignored), one point per distinct score, thresholds descending."""

    score: str
    thresholds: list[float]
    precision: list[float]
    recall: list[float]
    f1: list[float]

    @property
    def best(self) -> dict[str, float]:
        """The point with the highest F1 (the highest threshold among ties)."""
        if not self.thresholds:
            return {"threshold": float("nan"), "precision": 0.0, "recall": 0.0, "f1": 0.0}
        i = int(np.argmax(self.f1))
        return {"threshold": self.thresholds[i], "precision": self.precision[i],
                "recall": self.recall[i], "f1": self.f1[i]}


@dataclass(frozen=True)
class Evaluation:
    labelled: int        # pairs in PAIRS with a gold label
    unlabelled: int      # pairs in PAIRS without one (not counted anywhere)
    gold_missing: int    # gold labels whose pair is not in PAIRS (their positives are misses)
    gold_skipped: int    # annotated pairs without a label (skipped, ignored, cancelled, empty)
    labels: dict[str, int]
    same_event: Counts   # positive = same_event
    related_too: Counts  # positive = same_event or related
    curves: dict[str, Curve] = field(default_factory=dict)  # by score, positive = same_event

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["same_event"] = self.same_event.to_dict()
        out["related_too"] = self.related_too.to_dict()
        out["curves"] = {name: {**asdict(c), "best": c.best} for name, c in self.curves.items()}
        return out

    def summary(self) -> str:
        lines = [(f"{self.labelled} labelled pairs ({', '.join(f'{k} {v}' for k, v in sorted(self.labels.items()))}); "
                  f"{self.unlabelled} unlabelled, {self.gold_missing} gold pairs not in PAIRS, "
                  f"{self.gold_skipped} annotated pairs without a label")]
        for name, c in (("same_event", self.same_event), ("same_event+related", self.related_too)):
            lines.append(f"accepted pairs vs {name}: precision {c.precision:.3f}  recall {c.recall:.3f}  "
                         f"F1 {c.f1:.3f}  (tp {c.tp}, fp {c.fp}, fn {c.fn})")
        for name, curve in self.curves.items():
            b = curve.best
            lines.append(f"best F1 over {name}: threshold {b['threshold']:.4f}  precision {b['precision']:.3f}  "
                         f"recall {b['recall']:.3f}  F1 {b['f1']:.3f}")
        return "\n".join(lines)


def evaluate(records: Sequence[Record], gold: Gold | dict[str, str]) -> Evaluation:
    """Grade native pair records against gold labels (how several answers and gold pairs missing
    from the records count: `aligner.annotation.gold`)."""
    gold = gold if isinstance(gold, Gold) else Gold(dict(gold))
    by_id = {r["pair_id"]: r for r in records}
    joined = [(by_id[pid], label) for pid, label in gold.labels.items() if pid in by_id]
    if not gold.labels:
        raise InputError(f"{gold.source or 'gold'}: no labelled pairs (every item skipped or unannotated)")
    if not joined:
        raise InputError(f"{gold.source or 'gold'}: none of its {len(gold.labels)} pair ids is in PAIRS "
                         "(labels for another corpus?)")
    missing = [label for pid, label in gold.labels.items() if pid not in by_id]
    accepted = np.array([r["accepted"] for r, _ in joined], dtype=bool)
    labels = [label for _, label in joined]
    curves = {score: pr_curve(np.array([dict(r["scores"])[score] for r, _ in joined], dtype=float),
                              _is(labels, POSITIVE_STRICT), name=score,
                              extra_positives=_is(missing, POSITIVE_STRICT).sum())
              for score in SCORES if all(score in r["scores"] for r, _ in joined)}
    return Evaluation(
        labelled=len(joined), unlabelled=len(by_id) - len(joined), gold_missing=len(missing),
        gold_skipped=gold.skipped, labels=dict(Counter(labels)),
        same_event=counts(accepted, _is(labels, POSITIVE_STRICT), _is(missing, POSITIVE_STRICT).sum()),
        related_too=counts(accepted, _is(labels, POSITIVE_LOOSE), _is(missing, POSITIVE_LOOSE).sum()),
        curves=curves)


def counts(accepted: np.ndarray, positive: np.ndarray, extra_positives: int = 0) -> Counts:
    """TP/FP/FN of the accepted mask; ``extra_positives`` are gold positives never proposed."""
    return Counts(tp=int((accepted & positive).sum()), fp=int((accepted & ~positive).sum()),
                  fn=int((~accepted & positive).sum()) + int(extra_positives))


def pr_curve(scores: np.ndarray, positive: np.ndarray, *, name: str = "", extra_positives: int = 0) -> Curve:
    """Precision/recall/F1 of thresholding ``scores`` at each distinct value, highest first."""
    order = np.argsort(-scores, kind="stable")
    s, pos = scores[order], positive[order]
    tp = np.cumsum(pos)
    predicted = np.arange(1, len(s) + 1)
    last = np.r_[s[1:] != s[:-1], True] if len(s) else np.zeros(0, dtype=bool)  # end of each tie run
    tp, predicted = tp[last], predicted[last]
    total = int(pos.sum()) + int(extra_positives)
    precision = tp / predicted
    recall = tp / total if total else np.zeros_like(precision, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return Curve(name, s[last].tolist(), precision.tolist(), recall.tolist(), f1.tolist())


def _is(labels: Sequence[str], positive: frozenset[str]) -> np.ndarray:
    return np.array([label in positive for label in labels], dtype=bool)


def plot(evaluation: Evaluation, path: str) -> None:
    """Draw the precision-recall curves to ``path`` (PNG); needs matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'greek-tweet-aligner[plot]'") from None
    fig, ax = plt.subplots(figsize=(5, 4))
    for name, curve in evaluation.curves.items():
        ax.plot(curve.recall, curve.precision, marker=".", label=f"{name} (best F1 {curve.best['f1']:.2f} "
                f"at {curve.best['threshold']:.3f})")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02),
           title="Precision-recall, positive = same_event")
    ax.legend(loc="lower left")
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=120)
    plt.close(fig)
    atomic_write(Path(path), [png.getvalue()], binary=True)  # whole or not at all; /dev/full says so
