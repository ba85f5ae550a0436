"""CSV: one row per pair for a spreadsheet, and labels read back from a table with ``pair_id`` and
``label`` columns (Label Studio's CSV export, or our CSV with a label column added)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from aligner.annotation.answers import Answer, Gold, latest, row_answer
from aligner.annotation.tasks import evidence_summary
from aligner.errors import InputError
from aligner.output.record import Record

CSV_COLUMNS = ["pair_id", "accepted", "event", "event_score", "event_margin", "cosine", "margin", "rank", "flags",
               "evidence", "greek_id",
               "greek_doc_id",
               "greek_text", "english_id", "english_doc_id", "english_handle", "english_date",
               "english_text"]


def csv_row(record: Record, raw: bool = False) -> list[Any]:
    """One CSV row; unless ``raw``, text cells a spreadsheet would run as a formula get a leading '."""
    g, e, s = record["greek"], record["english"], record["scores"]
    safe = (lambda v: v) if raw else _formula_safe
    return [record["pair_id"], record["accepted"], record.get("event") or "", s.get("event_score", ""),
            s.get("event_margin", ""), s["cosine"], s["margin"], s["rank"], " ".join(record["flags"]),
            safe(evidence_summary(record)), safe(g["id"]), safe(g["doc_id"]), safe(g["text"]), safe(e["id"]),
            safe(e["doc_id"]), safe(e["handle"] or ""), e["date"] or "", safe(e["text"])]


def _formula_safe(cell: str) -> str:
    # Excel, LibreOffice and Sheets evaluate a cell starting with these (OWASP "CSV injection")
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


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
                answer = row_answer(row, path, line)
                if answer:
                    yield answer
                line = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(f"not CSV ({exc})", path=path, line=reader.line_num) from None

    return latest(answers(), path)
