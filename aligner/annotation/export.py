"""Writers: native JSONL, Label Studio, Prodigy and CSV, from native pair records. Atomic."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from aligner.annotation.labels import LABELS
from aligner.errors import InputError
from aligner.output.files import atomic_write, writes_through
from aligner.output.record import Record

FORMATS = ("jsonl", "labelstudio", "prodigy", "csv")

@dataclass(frozen=True)
class ExportOptions:
    """What annotation tasks show. By default the two texts only: an annotator who sees the
    model's answer or its scores tends to agree with it, and the gold then grades the model
    against itself."""

    predictions: bool = False  # Label Studio: the model's answer as a prediction (pre-selected in the editor)
    scores: bool = False       # show the scores (Label Studio header, Prodigy meta)
    raw_csv: bool = False      # CSV: cells as they are, not formula-safe
    excel: bool = False        # CSV: a byte-order mark first (Excel reads UTF-8 only with one)


def labelstudio_config(options: ExportOptions = ExportOptions()) -> str:
    """The labeling config: the two texts side by side, three choices (skipping is Label Studio's
    own button), and the scores only when asked."""
    scores = ('  <Header value="event score $event_score, event margin $event_margin, margin $margin, cosine $cosine, '
              'rank $rank" size="6"/>\n  <Header value="evidence: $evidence" size="6"/>\n') if options.scores else ""
    return f"""<View>
  <Style>.pair {{ display: flex; gap: 1em; }} .pair > div {{ flex: 1; }}</Style>
  <View className="pair">
    <View>
      <Header value="Greek statement ($greek_doc_id)"/>
      <Text name="greek" value="$greek"/>
    </View>
    <View>
      <Header value="English tweet by $english_handle ($english_date)"/>
      <Text name="english" value="$english"/>
    </View>
  </View>
{scores}  <Choices name="label" toName="english" choice="single" showInLine="true">
    <Choice value="same_event" hint="Both describe the same event"/>
    <Choice value="related" hint="Same story or topic, not the same event"/>
    <Choice value="unrelated"/>
  </Choices>
</View>
"""


def labelstudio_task(record: Record, options: ExportOptions = ExportOptions()) -> dict[str, Any]:
    """A Label Studio task: both texts in ``data`` (with the event, to sort and filter a burst
    together); the scores and a prediction only when ``options`` ask; never the decision."""
    scores = record["scores"]
    task: dict[str, Any] = {"data": {
        "pair_id": record["pair_id"], "event": record.get("event") or "",
        "greek": record["greek"]["text"], "greek_id": record["greek"]["id"],
        "greek_doc_id": record["greek"]["doc_id"],
        "english": record["english"]["text"], "english_id": record["english"]["id"],
        "english_handle": record["english"]["handle"] or "", "english_date": record["english"]["date"] or "",
    }}
    if options.scores:
        task["data"].update({"cosine": scores["cosine"], "margin": scores["margin"],
                             "event_margin": scores.get("event_margin", ""), "rank": scores["rank"],
                             "event_score": scores.get("event_score", ""), "evidence": evidence_summary(record)})
    if options.predictions:
        # Label Studio's scores are in [0, 1]: only a calibrated probability is one
        probability = scores.get("probability")
        task["predictions"] = [{
            "model_version": record["model"]["fingerprint"],
            **({} if probability is None else {"score": probability}),
            "result": [{"from_name": "label", "to_name": "english", "type": "choices",
                        "value": {"choices": ["same_event" if record["accepted"] else "unrelated"]}}],
        }]
    return task


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


def _lines(handle, path: str) -> Iterator[tuple[int, str]]:
    """Numbered lines, with bytes that are not UTF-8 reported at their line in one error."""
    number = 0
    try:
        for number, line in enumerate(handle, 1):
            yield number, line
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text: not an aligner pairs file", path=path, line=number + 1) from None


def _formula_safe(cell: str) -> str:
    # Excel, LibreOffice and Sheets evaluate a cell starting with these (OWASP "CSV injection")
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def by_event(records: Iterable[Record]) -> list[Record]:
    """Annotation tasks with each event's pairs together (events in order of first appearance),
    then the pairs without an event, so an annotator sees a burst at once."""
    records = list(records)
    first: dict[Any, int] = {}
    for n, record in enumerate(records):
        first.setdefault(record.get("event"), n)
    return sorted(records, key=lambda r: (r.get("event") is None, first[r.get("event")]))


def render(records: Iterable[Record], fmt: str, options: ExportOptions = ExportOptions()) -> Iterator[str]:
    """The output file's text, in pieces, for ``fmt``."""
    if fmt == "jsonl":
        for record in records:
            yield json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n"
    elif fmt == "prodigy":
        for record in by_event(records):
            yield json.dumps(prodigy_task(record, options), ensure_ascii=False) + "\n"
    elif fmt == "labelstudio":  # Label Studio imports a JSON list of tasks
        tasks = [labelstudio_task(r, options) for r in by_event(records)]
        yield json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"
    elif fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff" if options.excel else "")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_row(r, options.raw_csv) for r in records)
        yield buffer.getvalue()
    else:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def outputs(output: str, fmt: str) -> list[str]:
    """Every file that `write` writes for ``output``: Label Studio's labeling config beside it."""
    if fmt not in FORMATS:  # checked here, before anything is read, as well as in `render`
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if output == "-":
        return [output]
    return [output, *([str(labelstudio_config_path(Path(output)))] if fmt == "labelstudio" else [])]


def labelstudio_config_path(tasks: Path) -> Path:
    return tasks.with_suffix(".labelconfig.xml")


def write(records: Iterable[Record], output: str, fmt: str = "jsonl",
          options: ExportOptions = ExportOptions()) -> list[Path]:
    """Write ``records`` in ``fmt`` to ``output`` (``-`` is stdout). Returns the files written.

    Files appear complete or not at all (`aligner.output.files`). Label Studio also gets its labeling
    config beside the tasks, when the output is a file.
    """
    pieces = render(records, fmt, options)
    if output == "-":
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return []
    target = Path(output)
    written = [atomic_write(target, pieces)]
    if fmt == "labelstudio" and not writes_through(target):
        written.append(atomic_write(labelstudio_config_path(target), [labelstudio_config(options)]))
    return written


def read_records(path: str) -> Iterator[Record]:
    """Native JSONL records back from a file written by ``aligner align``."""
    try:
        handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    with handle:
        for number, line in _lines(handle, path):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"not JSON ({exc.msg})", path=path, line=number) from None
            if not isinstance(record, dict) or "pair_id" not in record or "scores" not in record:
                raise InputError("not an aligner pair record (no pair_id/scores)", path=path, line=number)
            yield cast(Record, record)
