"""Writers: native JSONL, Label Studio, Prodigy and CSV, from native pair records. Atomic."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import cast

from aligner.annotation.labelstudio import labelstudio_config, labelstudio_config_path, labelstudio_task
from aligner.annotation.prodigy import prodigy_task
from aligner.annotation.table import CSV_COLUMNS, csv_row
from aligner.annotation.tasks import ExportOptions, by_event
from aligner.errors import InputError
from aligner.output.files import atomic_write, writes_through
from aligner.output.record import Record

FORMATS = ("jsonl", "labelstudio", "prodigy", "csv")


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


def _lines(handle, path: str) -> Iterator[tuple[int, str]]:
    """Numbered lines, with bytes that are not UTF-8 reported at their line in one error."""
    number = 0
    try:
        for number, line in enumerate(handle, 1):
            yield number, line
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text: not an aligner pairs file", path=path, line=number + 1) from None
