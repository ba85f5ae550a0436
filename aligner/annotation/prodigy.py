"""Prodigy: the ``choice`` tasks we write, and the answers ``prodigy db-out`` gives back."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from aligner.annotation.answers import NEVER, Answer
from aligner.annotation.tasks import ExportOptions, evidence_summary
from aligner.errors import InputError
from aligner.output.labels import LABELS
from aligner.output.record import Record


def prodigy_task(record: Record, options: ExportOptions = ExportOptions()) -> dict[str, Any]:
    """A Prodigy ``choice`` task. Prodigy shows ``meta`` on the card, so it holds the pair id and
    the event, and the scores only when asked; never the decision."""
    scores = record["scores"]
    meta: dict[str, Any] = {"pair_id": record["pair_id"], "event": record.get("event")}
    if options.scores:
        meta.update({"event_score": scores.get("event_score"), "event_margin": scores.get("event_margin"),
                     "margin": scores["margin"], "cosine": scores["cosine"], "rank": scores["rank"],
                     "evidence": evidence_summary(record)})
    return {
        "pair_id": record["pair_id"],
        "event": record.get("event"),
        "text": f"{record['greek']['text']}\n\n{record['english']['text']}",
        "options": [{"id": label, "text": label.replace("_", " ")} for label in LABELS],
        "meta": meta,
    }


def prodigy_answer(item: dict[str, Any], pair_id: str, path: str, number: int) -> Answer:
    """A ``db-out`` line: ``reject`` means "these two do not belong together" (``unrelated``),
    ``ignore`` gives no label."""
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
    return Answer(pair_id, choices, time, path=path, line=number)
