"""Annotations as read from any tool: one `Answer` per annotation, and each pair's label from
its latest answer (the rule the module `aligner.annotation.gold` documents)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aligner.errors import InputError
from aligner.output.labels import LABELS


@dataclass(frozen=True)
class Gold:
    """Labels by pair id, and how many annotated pairs got no label (skipped, ignored, cancelled)."""

    labels: dict[str, str]
    skipped: int = 0
    source: str = ""


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


def _label(choices: Sequence[Any], answer: Answer) -> str:
    if len(choices) != 1:
        raise answer.error(f"expected one choice of {', '.join(LABELS)}, got {list(choices)!r}")
    if choices[0] not in LABELS:
        raise answer.error(f"unknown label {choices[0]!r}; expected one of {', '.join(LABELS)}")
    return str(choices[0])


def row_answer(row: dict[str, Any], path: str, line: int | None = None, number: int = 0) -> Answer | None:
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
    return Answer(str(row["pair_id"]), choices, saved_at(row, what, path, line), number_of(annotation),
                  path=path, line=line, what=what)


def saved_at(item: dict[str, Any], what: str, path: str, line: int | None = None) -> datetime:
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


def number_of(value: Any) -> int:
    return int(value) if str(value).isdigit() else -1
