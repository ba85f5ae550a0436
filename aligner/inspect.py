"""`aligner inspect`: show what the readers made of the input, as a table or as JSONL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from aligner.documents import Statement, Tweet
from aligner.errors import InputError, printable
from aligner.readers import Errors, IngestReport, keep_tweet, read_articles, read_statements, read_tweets

Unit = Statement | Tweet


def iter_units(files: Iterable[str], greek: Iterable[str], english: Iterable[str], *,
               report: IngestReport, errors: Errors = "strict", skip_bad_lines: bool = False,
               include_non_english: bool = False) -> Iterator[Unit]:
    """Statements and tweets in input order: articles first (statements, then tweets of each
    document), then the ``--greek`` and ``--english`` streams. Non-English tweets only on request,
    as the aligner matches them."""
    for doc in read_articles(files, report=report, errors=errors, skip_bad_lines=skip_bad_lines):
        yield from doc.statements
        yield from (t for t in doc.tweets if keep_tweet(t, include_non_english))
    yield from read_statements(greek, report=report, errors=errors, skip_bad_lines=skip_bad_lines)
    yield from read_tweets(english, report=report, errors=errors, skip_bad_lines=skip_bad_lines,
                           include_non_english=include_non_english)


def unit_record(unit: Unit) -> dict[str, Any]:
    """The JSON object for one unit: kind, id, doc_id, text, lang (+ tweet fields, offsets)."""
    if isinstance(unit, Statement):
        return {"kind": "statement", "id": unit.id, "doc_id": unit.doc_id, "text": unit.text,
                "lang": unit.lang, "paragraph": unit.paragraph, "sentence": unit.sentence,
                "start": unit.start, "end": unit.end, "date": unit.date}
    return {"kind": "tweet", "id": unit.id, "doc_id": unit.doc_id, "text": unit.text, "lang": unit.lang,
            "handle": unit.handle, "author": unit.author, "date": unit.date, "urls": list(unit.urls),
            "hashtags": list(unit.hashtags), "mentions": list(unit.mentions),
            "start": unit.start, "end": unit.end}


def table_row(unit: Unit, width: int = 100) -> str:
    """One readable line: kind, id, lang, then the text (tweets led by @handle and date).
    Control characters are shown escaped: a tweet must not drive the user's terminal."""
    text = " ".join(unit.text.split())
    if isinstance(unit, Tweet):
        who = " ".join(x for x in (f"@{unit.handle}" if unit.handle else "", unit.date or "") if x)
        text = f"[{who}] {text}" if who else text
    if len(text) > width:
        text = text[:width - 1] + "…"
    kind = "statement" if isinstance(unit, Statement) else "tweet"
    return printable(f"{kind:<10}{unit.id:<28} {unit.lang:<6}{text}")


def run_inspect(files: list[str], greek: list[str], english: list[str], *, write: Callable[[str], None],
                as_jsonl: bool = False, errors: Errors = "strict", skip_bad_lines: bool = False,
                include_non_english: bool = False) -> IngestReport:
    """Write every unit (``write`` gets one line at a time) and return the report."""
    if not (files or greek or english):
        raise InputError("nothing to read: give article FILEs, --greek FILE or --english FILE")
    if errors not in ("strict", "replace"):
        raise InputError(f"--encoding-errors must be 'strict' or 'replace', not {errors!r}")
    report = IngestReport()
    header = not as_jsonl  # written with the first unit, so an early error leaves stdout empty
    for unit in iter_units(files, greek, english, report=report, errors=errors,
                           skip_bad_lines=skip_bad_lines, include_non_english=include_non_english):
        if header:
            write(f"{'KIND':<10}{'ID':<28} {'LANG':<6}TEXT")
            header = False
        write(json.dumps(unit_record(unit), ensure_ascii=False) if as_jsonl else table_row(unit))
    return report
