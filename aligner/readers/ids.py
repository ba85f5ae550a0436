"""Ids of documents and items, stable across runs and unique within one (see `streams`)."""

from __future__ import annotations

from aligner.readers.fields import shown
from aligner.readers.report import IngestReport
from aligner.readers.sources import Source


def unique_id(wanted: str, namespace: str, src: Source, line: int | None, report: IngestReport) -> str:
    """``wanted``, or ``wanted#2``... when an earlier item of the run has it: pair ids are made
    from unit ids, and annotations joined by pair id would land on the wrong pair."""
    got = report.claim_id(namespace, wanted)
    if got != wanted:
        report.duplicate_ids += 1
        where = src.display if line is None else f"{src.display}:{line}"
        report.warn_once(f"id:{src.display}", f"{where}: id {shown(wanted)} "
                         f"was used before, renamed {shown(got)} "
                         "(any more in this file are only counted)")
    return got


def place(src: Source, key: str) -> str:
    """The id an item without its own gets from where it is."""
    return f"{src.rel}:{key}" if key else src.rel
