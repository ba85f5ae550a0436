"""How good were the pairs? Gold labels from annotation tools, joined to pairs by ``pair_id``.

Gold files (format detected from the content):
- Label Studio JSON export: a list of tasks, each with ``data.pair_id``, its ``id`` and
  ``annotations[]`` (``result[].value.choices``, ``was_cancelled``, ``created_at``, ``updated_at``).
- Label Studio JSON-MIN export: a list of rows, one per annotation (newest first), each with the
  task's data at the top level (``pair_id``), the task ``id``, ``label`` (the choice),
  ``annotation_id``, ``created_at`` and ``updated_at``. Skipped annotations are left out by Label
  Studio; a task without annotations is one row without ``label``.
- Label Studio CSV export (or any CSV with ``pair_id`` and ``label`` columns): the JSON-MIN rows
  as a table; tab-separated (TSV) too.
- Prodigy JSONL (``prodigy db-out``): ``answer`` accept/reject/ignore, ``accept`` the chosen option
  ids, ``pair_id`` at the top level or in ``meta``, ``_timestamp``. ``reject`` means "these two do
  not belong together" and counts as ``unrelated``; ``ignore`` gives no label.
- Native JSONL: any object with ``pair_id`` and ``label``.

A pair annotated more than once (a correction, a reviewer, a second annotator, a task imported
twice) takes the label of its latest annotation that has one: latest by ``updated_at`` (else
``created_at``; Prodigy: ``_timestamp``), then by annotation id, then by position in the file.
Never by position first: JSON-MIN lists annotations newest *created* first, so an older annotation
edited later would lose. Skipped, cancelled, ignored and empty annotations give no label; a pair
that has only those counts as skipped.

Unknown labels and malformed items are errors naming file:line (or the Label Studio task and
annotation ids, to find them in its editor), because a typo in a label would silently shift every
figure. Gold pairs missing from PAIRS are counted, not errors: pair ids are stable across runs, so
old annotations can grade a new run, and a missing same_event pair is exactly a miss (it counts
against recall).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from aligner.annotation.labels import LABELS, POSITIVE_LOOSE, POSITIVE_STRICT
from aligner.errors import InputError
from aligner.output.files import atomic_write
from aligner.output.record import Record

# event_margin: pairs of schema 1.1 and later; event_score (the margin with the evidence): 1.3
SCORES = ("event_score", "event_margin", "margin", "cosine")


@dataclass(frozen=True)
class Gold:
    """Labels by pair id, and how many annotated pairs got no label (skipped, ignored, cancelled)."""

    labels: dict[str, str]
    skipped: int = 0
    source: str = ""


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


# ---- reading gold -----------------------------------------------------------------------------

GOLD_FORMATS = ("gold is a Label Studio JSON export (or its JSON-MIN or CSV export), Prodigy JSONL (db-out) "
                "or native JSONL with a 'label' field")
NEVER = datetime.min.replace(tzinfo=timezone.utc)  # the time of an annotation that gives none


@dataclass(frozen=True)
class Answer:
    """One annotation of one pair as read: its choices (None: skipped, cancelled, ignored or
    empty), when it was made and its id (to pick the latest), and where it is (for messages)."""

    pair_id: str
    choices: list[Any] | None
    time: datetime = NEVER
    annotation_id: int = -1
    path: str = ""
    line: int | None = None
    what: str = ""  # "task 7, annotation 12": what a Label Studio user can look up

    def error(self, message: str) -> InputError:
        return InputError(f"{self.what}: {message}" if self.what else message, path=self.path, line=self.line)


def latest(answers: Iterable[Answer], source: str = "") -> Gold:
    """Each pair's label from its latest answer that has one (time, then id, then file order).
    Every label is checked, the superseded too: a wrong one means a wrong project or config."""
    best: dict[str, tuple[tuple[datetime, int, int], str]] = {}
    annotated: set[str] = set()
    for position, answer in enumerate(answers):
        annotated.add(answer.pair_id)
        if answer.choices is None:
            continue
        label, key = _label(answer.choices, answer), (answer.time, answer.annotation_id, position)
        if answer.pair_id not in best or key > best[answer.pair_id][0]:
            best[answer.pair_id] = (key, label)
    return Gold({pid: label for pid, (_, label) in best.items()}, len(annotated - best.keys()), source)


def read_gold(path: str) -> Gold:
    """Gold labels from any of the formats in the module docstring, recognised from the content."""
    try:
        with open(path, encoding="utf-8-sig") as handle:  # -sig: a CSV saved by Excel starts with a BOM
            text = handle.read()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}): {GOLD_FORMATS}", path=path) from None
    start = text.lstrip()
    if start.startswith("["):
        try:
            tasks = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON ({exc.msg})", path=path, line=exc.lineno) from None
        return labelstudio_gold(tasks, path)
    if start.startswith("{") and len(text.strip().splitlines()) > 1 and _parses(text):
        raise InputError(f"one JSON object, not annotations: {GOLD_FORMATS}", path=path)
    if not start.startswith("{") and "pair_id" in start.partition("\n")[0]:
        return csv_gold(text, path)
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                items.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise InputError(f"not JSON ({exc.msg}); {GOLD_FORMATS}", path=path, line=number) from None
    return jsonl_gold(items, path)


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def labelstudio_gold(items: Any, path: str = "<labelstudio>") -> Gold:
    """Labels from Label Studio's JSON export (tasks with ``annotations``) or JSON-MIN export
    (one row per annotation, the task's data at the top level)."""
    if not isinstance(items, list):
        raise InputError("a Label Studio export is a JSON list of tasks", path=path)
    return latest(_labelstudio_answers(items, path), path)


def _labelstudio_answers(items: list[Any], path: str) -> Iterator[Answer]:
    for number, item in enumerate(items, 1):
        if isinstance(item, dict) and isinstance(item.get("data"), dict):  # JSON: a task
            task = f"task {item['id']}" if "id" in item else f"item {number}"
            pid = item["data"].get("pair_id")
            if not pid:
                raise InputError(f"{task}: no data.pair_id (were the tasks made by `aligner export -f "
                                 "labelstudio`?)", path=path)
            for annotation in item.get("annotations") or []:
                if not isinstance(annotation, dict):
                    raise InputError(f"{task}: an annotation is not a JSON object", path=path)
                what = f"{task}, annotation {annotation.get('id', '?')}"
                yield Answer(str(pid), _annotation_choices(annotation), _when(annotation, what, path),
                             _id(annotation.get("id")), path=path, what=what)
        elif isinstance(item, dict) and "pair_id" in item:  # JSON-MIN: an annotation (or a bare task)
            answer = _row_answer(item, path, number=number)
            if answer:
                yield answer
        else:
            raise InputError(f"item {number}: neither a Label Studio task (data.pair_id) nor a JSON-MIN row "
                             "(pair_id); were the tasks made by `aligner export -f labelstudio`?", path=path)


def _annotation_choices(annotation: dict[str, Any]) -> list[Any] | None:
    """The choices of a JSON-export annotation; None when it was skipped or chose nothing."""
    if annotation.get("was_cancelled") or annotation.get("skipped"):
        return None
    choices = [choice for result in annotation.get("result") or []
               if isinstance(result, dict) and result.get("type", "choices") == "choices"
               for choice in (result.get("value") or {}).get("choices") or []]
    return choices or None


def csv_gold(text: str, path: str = "<csv>") -> Gold:
    """Labels from Label Studio's CSV (or TSV) export, or any table with ``pair_id`` and ``label``."""
    header = text.partition("\n")[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if "\t" in header else ",")
    if not {"pair_id", "label"} <= set(reader.fieldnames or ()):
        raise InputError("a CSV of annotations needs 'pair_id' and 'label' columns (Label Studio's CSV "
                         "export of `aligner export -f labelstudio` tasks has them)", path=path, line=1)

    def answers() -> Iterator[Answer]:
        line = 2  # where the next row starts (a quoted cell can span lines)
        try:
            for row in reader:
                answer = _row_answer(row, path, line)
                if answer:
                    yield answer
                line = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(f"not CSV ({exc})", path=path, line=reader.line_num) from None

    return latest(answers(), path)


def _row_answer(row: dict[str, Any], path: str, line: int | None = None, number: int = 0) -> Answer | None:
    """A JSON-MIN or CSV row as an answer; None for a task nobody annotated (no annotation, no label)."""
    task = f"task {row['id']}" if row.get("id") not in (None, "") else f"item {number}" if number else ""
    annotation = row.get("annotation_id")
    what = ", ".join(filter(None, [task, "" if annotation in (None, "") else f"annotation {annotation}"]))
    if not row.get("pair_id"):
        raise InputError(f"{what or 'row'}: no pair_id (were the tasks made by `aligner export -f labelstudio`?)",
                         path=path, line=line)
    value = row.get("label")
    if isinstance(value, str) and value.startswith(("{", "[")):  # CSV: several choices, JSON-encoded
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
    if isinstance(value, dict):  # JSON-MIN: several choices are {"choices": [...]}
        value = value.get("choices", [value])
    choices = None if value in (None, "", []) else value if isinstance(value, list) else [value]
    if choices is None and annotation in (None, ""):
        return None
    return Answer(str(row["pair_id"]), choices, _when(row, what, path, line), _id(annotation),
                  path=path, line=line, what=what)


def _when(item: dict[str, Any], what: str, path: str, line: int | None = None) -> datetime:
    """When an annotation was last saved: ``updated_at``, else ``created_at``."""
    value = item.get("updated_at") or item.get("created_at")
    if not value:
        return NEVER
    try:  # Python 3.10's fromisoformat does not read the "Z" Label Studio writes
        time = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{what + ': ' if what else ''}{value!r} is not a time (ISO 8601)", path=path,
                         line=line) from None
    return time if time.tzinfo else time.replace(tzinfo=timezone.utc)


def _id(value: Any) -> int:
    return int(value) if str(value).isdigit() else -1


def jsonl_gold(items: Iterable[tuple[int, Any]], path: str = "<jsonl>") -> Gold:
    """Labels from ``(line number, object)`` items: Prodigy answers or native ``label`` records."""
    return latest((_jsonl_answer(item, path, number) for number, item in items), path)


def _jsonl_answer(item: Any, path: str, number: int) -> Answer:
    if not isinstance(item, dict):
        raise InputError("not a JSON object", path=path, line=number)
    meta = item["meta"] if isinstance(item.get("meta"), dict) else {}
    pid = item.get("pair_id") or meta.get("pair_id")
    if not pid:
        raise InputError("no pair_id (top level or in meta)", path=path, line=number)
    if "answer" in item:  # Prodigy
        answer = item["answer"]
        if answer not in ("accept", "reject", "ignore"):
            raise InputError(f"Prodigy answer must be accept, reject or ignore, not {answer!r}", path=path, line=number)
        choices = (None if answer == "ignore" else ["unrelated"] if answer == "reject"
                   else list(item.get("accept") or []))
        stamp = item.get("_timestamp")  # seconds since the epoch, set by Prodigy when it saved the answer
        try:
            time = datetime.fromtimestamp(stamp, timezone.utc) if isinstance(stamp, (int, float)) else NEVER
        except (OverflowError, OSError, ValueError):
            raise InputError(f"_timestamp {stamp!r} is not a time in seconds", path=path, line=number) from None
        return Answer(str(pid), choices, time, path=path, line=number)
    if "label" in item:
        return Answer(str(pid), [item["label"]], path=path, line=number)
    raise InputError("neither a Prodigy answer nor a native record with 'label'", path=path, line=number)


def _label(choices: Sequence[Any], answer: Answer) -> str:
    if len(choices) != 1:
        raise answer.error(f"expected one choice of {', '.join(LABELS)}, got {list(choices)!r}")
    if choices[0] not in LABELS:
        raise answer.error(f"unknown label {choices[0]!r}; expected one of {', '.join(LABELS)}")
    return str(choices[0])


# ---- metrics ----------------------------------------------------------------------------------

def evaluate(records: Sequence[Record], gold: Gold | dict[str, str]) -> Evaluation:
    """Grade native pair records against gold labels (see the module docstring for the rules)."""
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
