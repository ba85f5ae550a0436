"""Readers: turn the user's files into Documents, Statements and Tweets, streamed.

Entry points (all lazy; pass an ``IngestReport`` to learn what was read, skipped or repaired):

- ``read_articles(paths)`` -> Documents from articles in the seed's format (``.txt`` files,
  JSONL/JSON/CSV corpora with ``text``, optional ``id``/``date``; directories, globs, ``-``),
  news pages (``.html``, `html`) and web archives (``.warc``, `warc`); any of them compressed
  (`compressed`).

Formats, field checks and how ids are made (and kept unique) are described in `streams`, which
composes one module a job: `sources` (which files), `lines` (bytes to lines), `formats`,
`jsonfiles`, `tables` (CSV), `twitter` (Twitter's JSON shapes), `fields`, `records`, `ids`,
`pages` (HTML, WARC) and `bad_input` (refuse, or count and skip). Pass
one report to every reader of a run: it also keeps the ids handed out, so that two inputs
numbered from 1 give ``1`` and ``1#2``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from aligner.documents import Document, Statement, Tweet
from aligner.readers.article import parse_article
from aligner.readers.lines import Errors
from aligner.readers.report import IngestReport
from aligner.readers.streams import iter_articles, iter_statements, iter_tweets
from aligner.readers.tweets import keep_tweet

__all__ = ["IngestReport", "parse_article", "read_articles", "read_statements", "read_tweets",
           "Errors", "keep_tweet"]


def read_articles(paths: Iterable[str], *, report: IngestReport | None = None,
                  errors: Errors = "strict", skip_bad_lines: bool = False) -> Iterator[Document]:
    """Documents from article inputs, one at a time. Every tweet is kept with its ``lang``;
    choosing English-only is the caller's (``report.non_english_tweets`` counts the others)."""
    return iter_articles(paths, report=report if report is not None else IngestReport(),
                         errors=errors, skip_bad_lines=skip_bad_lines)


def read_statements(paths: Iterable[str], *, report: IngestReport | None = None,
                    errors: Errors = "strict", skip_bad_lines: bool = False) -> Iterator[Statement]:
    """Greek statements from ``--greek`` inputs, one at a time."""
    return iter_statements(paths, report=report if report is not None else IngestReport(),
                           errors=errors, skip_bad_lines=skip_bad_lines)


def read_tweets(paths: Iterable[str], *, report: IngestReport | None = None, errors: Errors = "strict",
                skip_bad_lines: bool = False, include_non_english: bool = False) -> Iterator[Tweet]:
    """Tweets from ``--english`` inputs, one at a time; English only unless ``include_non_english``
    (`keep_tweet`)."""
    return iter_tweets(paths, report=report if report is not None else IngestReport(), errors=errors,
                       skip_bad_lines=skip_bad_lines, include_non_english=include_non_english)
