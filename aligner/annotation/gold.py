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
against recall)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aligner.annotation.answers import Answer, Gold, latest
from aligner.annotation.labelstudio import labelstudio_gold
from aligner.annotation.prodigy import prodigy_answer
from aligner.annotation.table import csv_gold
from aligner.errors import InputError

GOLD_FORMATS = ("gold is a Label Studio JSON export (or its JSON-MIN or CSV export), Prodigy JSONL (db-out) "
                "or native JSONL with a 'label' field")


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
    if "answer" in item:
        return prodigy_answer(item, str(pid), path, number)
    if "label" in item:
        return Answer(str(pid), [item["label"]], path=path, line=number)
    raise InputError("neither a Prodigy answer nor a native record with 'label'", path=path, line=number)
