"""Every reader fed what a careless or hostile user might give it: random bytes, random JSON in
every field, CSV with random quoting. A reader either returns units whose fields are strings
(or None where a field is optional), or raises InputError with a one-line message: never any
other exception. Kept small (a few seconds) so that it runs with every test run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligner.documents import Document, Statement, Tweet
from aligner.errors import InputError
from aligner.readers import IngestReport, read_articles, read_statements, read_tweets

READERS = (read_articles, read_statements, read_tweets)
FIELDS = ("id", "id_str", "text", "full_text", "date", "created_at", "handle", "author", "username",
          "name", "screen_name", "user", "author_id", "extended_tweet", "note_tweet", "data", "includes")
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Text as tweets and wire reports have it, with the characters that break formats mixed in.
words = st.sampled_from(["Σεισμός", "στην", "Κρήτη.", "Earthquake", "hits", "Crete", "the", "—", "(@desk)",
                         "July 18, 2024", "date 2024-13-45", '"', ",", "\n", "\r\n", "«", "»", "{", "[",
                         "\ud83d", "\x00", "\u2028", "#Αθήνα", "https://t.co/x", "2024-07-18"])
texts = st.lists(words, max_size=8).map(" ".join) | st.text(max_size=30)
big = st.sampled_from([10 ** 400, -(10 ** 30), 2 ** 63, 1539202764000])
scalars = st.none() | st.booleans() | st.integers() | big | st.floats() | texts
# Inputs that break parsers rather than readers: nesting deeper than the recursion limit, a
# number over Python's 4300 digits.
hostile = st.sampled_from([b"[" * 5000 + b"]" * 5000, b'{"text": "a", "id": ' + b"9" * 5000 + b"}",
                           b'[{"text": "a", "created_at": ' + b"9" * 400 + b"}]"])
json_values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=3)
                           | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=4), kids, max_size=3),
                           max_leaves=6)
records = st.builds(lambda text, extra: {"text": text, **extra}, texts,
                    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4)) | json_values
pages = st.builds(lambda data, users: {"data": data, "includes": {"users": users}},
                  st.lists(records, max_size=3) | records, st.lists(json_values | records, max_size=2))


def dumps(value: Any, ascii_only: bool) -> bytes:
    # not ASCII-only, a lone surrogate becomes bytes that are not UTF-8: a case of its own
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@st.composite
def json_files(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(["array", "page", "object", "any"]))
    value = {"array": st.lists(records, max_size=4), "page": pages, "object": records, "any": json_values}[shape]
    indent = draw(st.sampled_from([None, 1, 2]))
    return json.dumps(draw(value), indent=indent, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(records | pages | texts, max_size=5))
    ascii_only = draw(st.booleans())
    return b"\n".join(x.encode("utf-8", "surrogatepass") if isinstance(x, str) else dumps(x, ascii_only)
                      for x in lines) + b"\n"


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A header with a text column (usually), then rows whose cells are quoted at random:
    properly, not at all, opened and never closed, or with a stray quote inside."""
    header = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True))
    if draw(st.integers(0, 9)):
        header = list(dict.fromkeys(["text", *header]))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(header)
    for row in draw(st.lists(st.lists(texts, min_size=len(header) - 1, max_size=len(header) + 1), max_size=4)):
        cells = []
        for cell in row:
            style = draw(st.sampled_from(["proper", "raw", "open", "stray"]))
            cells.append({"proper": '"' + cell.replace('"', '""') + '"', "raw": cell,
                          "open": '"' + cell, "stray": cell + '"x'}[style])
        out.write(",".join(cells) + "\n")
    return out.getvalue().encode("utf-8", "surrogatepass")


def check(unit: Document | Statement | Tweet) -> None:
    """Every field of every unit is of its type, and every string can be written as UTF-8."""
    strings: list[Any] = [unit.id]
    optional: list[Any] = [unit.date]
    if isinstance(unit, Document):
        strings.append(unit.source)
        for child in (*unit.statements, *unit.tweets):
            check(child)
    else:
        strings += [unit.doc_id, unit.text, unit.lang]
    if isinstance(unit, Tweet):
        optional += [unit.handle, unit.author, unit.raw]
        strings += [*unit.urls, *unit.hashtags, *unit.mentions]
    assert all(isinstance(s, str) for s in strings), unit
    assert all(s is None or isinstance(s, str) for s in optional), unit
    for s in strings + [s for s in optional if s is not None]:
        s.encode("utf-8")


def read_all(path: str, skip: bool, errors: str) -> None:
    for read in READERS:
        report = IngestReport()
        try:
            units = list(read([path], report=report, skip_bad_lines=skip, errors=errors))
        except InputError as exc:
            assert "\n" not in str(exc) and "\r" not in str(exc), str(exc)
            continue
        for unit in units:
            check(unit)
        assert all("\n" not in w for w in report.warnings), report.warnings
        report.summary()
        ids = [u.id for u in units]
        assert len(ids) == len(set(ids)), ids


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=st.binary(max_size=200) | hostile, suffix=st.sampled_from([".txt", ".jsonl", ".json", ".csv"]),
       skip=st.booleans(), errors=st.sampled_from(["strict", "replace"]))
def test_random_bytes(folder: Path, data: bytes, suffix: str, skip: bool, errors: str) -> None:
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    read_all(str(path), skip, errors)


@FUZZ
@given(content=st.one_of(json_files().map(lambda b: (".json", b)), jsonl_files().map(lambda b: (".jsonl", b)),
                         csv_files().map(lambda b: (".csv", b))),
       skip=st.booleans(), errors=st.sampled_from(["strict", "replace"]))
def test_random_records(folder: Path, content: tuple[str, bytes], skip: bool, errors: str) -> None:
    suffix, data = content
    path = folder / f"records{suffix}"
    path.write_bytes(data)
    read_all(str(path), skip, errors)


@FUZZ
@given(data=st.one_of(json_files(), jsonl_files(), csv_files(), st.binary(max_size=100), hostile,
                      texts.map(lambda t: t.encode("utf-8", "surrogatepass"))),
       skip=st.booleans())
def test_random_standard_input(data: bytes, skip: bool) -> None:
    for read in READERS:
        with mock.patch("sys.stdin", io.TextIOWrapper(io.BytesIO(data))):
            try:
                units = list(read(["-"], skip_bad_lines=skip, errors="replace"))
            except InputError as exc:
                assert "\n" not in str(exc), str(exc)
                continue
        for unit in units:
            check(unit)
