"""What annotation tasks show, whatever the tool: options, the evidence in one line, events together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aligner.output.record import Record


@dataclass(frozen=True)
class ExportOptions:
    """What annotation tasks show. By default the two texts only: an annotator who sees the
    model's answer or its scores tends to agree with it, and the gold then grades the model
    against itself."""

    predictions: bool = False  # Label Studio: the model's answer as a prediction (pre-selected in the editor)
    scores: bool = False       # show the scores (Label Studio header, Prodigy meta)
    raw_csv: bool = False      # CSV: cells as they are, not formula-safe
    excel: bool = False        # CSV: a byte-order mark first (Excel reads UTF-8 only with one)


def evidence_summary(record: Record, mentions: bool = True) -> str:
    """The evidence block in one line, for annotators who asked to see scores; without the shared
    names and numbers when ``mentions`` is false (the report highlights them in the texts)."""
    e = record.get("evidence")
    if not e:
        return ""
    parts = [f"names {', '.join(f'{a} = {b}' for a, b in e['names'])}" if mentions and e["names"] else "",
             f"numbers {', '.join(f'{a} = {b}' for a, b in e['numbers'])}" if mentions and e["numbers"] else "",
             "names or numbers clash" if e["clash"] else "",
             f"token agreement {e['token_agreement']:.3f}" if e["token_agreement"] is not None else "",
             f"{e['date_gap_days']} day{'' if e['date_gap_days'] == 1 else 's'} apart"
             if e["date_gap_days"] is not None else "",
             f"log-odds {e['log_odds']:+.2f}"]
    return "; ".join(part for part in parts if part)


def by_event(records: Iterable[Record]) -> list[Record]:
    """Annotation tasks with each event's pairs together (events in order of first appearance),
    then the pairs without an event, so an annotator sees a burst at once."""
    records = list(records)
    first: dict[Any, int] = {}
    for n, record in enumerate(records):
        first.setdefault(record.get("event"), n)
    return sorted(records, key=lambda r: (r.get("event") is None, first[r.get("event")]))
