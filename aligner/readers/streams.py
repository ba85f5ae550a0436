"""Streamed readers: files, directories, globs and stdin, one item at a time.

Formats, by suffix (standard input is recognised from its first line):

- ``.txt``: an article (articles), or one item per line (``--greek``/``--english`` streams);
- ``.jsonl``/``.ndjson``: a JSON object per line, or a Twitter API v2 page per line (twarc);
- ``.json``: one JSON value, read whole: an array of objects, a Twitter API v2 page
  (``{"data": [...], "includes": {"users": [...], "tweets": [...]}}``) or a single object;
  anything else is refused, never read as lines of text;
- ``.js``: a Twitter/X archive's ``tweets.js`` (``window.YTD.tweets.part0 = [...]``);
- ``.csv``: a header with a ``text`` or ``full_text`` column, parsed strictly;
- ``.html``/``.htm``: a news page, and ``.warc``: a web archive of them (`html`, `warc`): a
  document a page for every reader (articles; its statements for ``--greek``, its embedded
  tweets for ``--english``).

Any of them may be compressed (``.gz``, ``.bz2``, ``.xz``, ``.zst``; `compressed`): the suffix
before names the format. Directories are searched for .txt, .jsonl, .ndjson, .csv, .html, .htm
and .warc: a .json or .js beside articles is usually something else (labels, metadata), so it
is read only when named. .json, .js and pages are read whole: JSONL and CSV go line by line, an
article file is one document. Bytes are decoded line by line so an error can name its byte
offset.

Tweets from Twitter's own formats (v1.1, v2, archives) keep their tweet id as their id. A tweet
that retweets or quotes another is followed by that tweet as a unit of its own (v1.1 nests it,
v2 pages keep it in ``includes.tweets``); a retweet's text is its original's whole text after
``RT @handle:`` (its own, cut at 140 characters, is kept in ``raw``). A tweet id read a second
time in a run is the same tweet, left out and counted (``duplicate_tweets``). Twitter's ``lang``
is taken over the guess by script.

Every field a reader uses is checked: strings where strings belong (an integer id becomes its
digits), dates parsed or left out and counted (``bad_dates``). A record that cannot be used is
a bad line: an InputError with its line, or counted and skipped with ``skip_bad_lines``.

Ids are stable across runs: an item's own ``id`` is kept exactly (as a string); otherwise the
document id is the file's path relative to the argument that named it, plus ``:N`` for an item
of a stream (``news.jsonl:12``: the line in txt/JSONL/CSV, the item's number in a .json array, ``LINE:ITEM``
for a v2 page on a line of JSONL);
statements add ``:p{paragraph}s{sentence}`` and tweets ``:t{n}``. When two files would share an
id (``a/report.txt`` and ``b/report.txt``), every file's path is taken relative to the folder
the inputs share instead. An own id used twice in a run (two CSVs numbered from 1) becomes
``1#2`` on its second use, counted in ``duplicate_ids``.

A line of a Greek ``.txt`` stream (or a JSONL/CSV item without its own id) is split into
sentences: a long line is usually a paragraph, and a sentence is the unit a tweet matches. An
item that carries its own id stays one statement, because the user's id names that unit and
annotations are joined back to it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator

from aligner.documents import Document, Statement, Tweet
from aligner.errors import InputError
from aligner.readers.article import parse_article
from aligner.readers.formats import PAGE_KINDS, open_as
from aligner.readers.greek import has_greek, split_sentences
from aligner.readers.ids import place, unique_id
from aligner.readers.lines import Errors
from aligner.readers.pages import pages
from aligner.readers.records import items, records
from aligner.readers.report import IngestReport
from aligner.readers.sources import expand
from aligner.readers.tweets import find_attribution, keep_tweet, make_tweet


def iter_articles(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                  skip_bad_lines: bool = False) -> Iterator[Document]:
    """Documents from article files (``.txt``: one article), JSONL/JSON/CSV corpora (one per
    record: ``text``, optional ``id``, ``date``), HTML pages and WARC files (one a page),
    directories, globs and ``-``; any of them compressed."""
    for src in expand(paths, report=report):
        kind, lines = open_as(src, errors, report, skip_bad_lines)
        if kind in PAGE_KINDS:
            yield from pages(src, kind, lines, errors, skip_bad_lines, report)
            continue
        if kind == "js":
            raise InputError("a Twitter archive file holds tweets, not articles: give it with --english",
                             path=src.display)
        if kind == "txt":
            text = "\n".join(t for _, t in lines)
            if text.strip():
                doc_id = unique_id(src.rel, "document", src, 1, report)
                yield parse_article(text, doc_id, source=src.display, report=report)
            continue
        for rec in records(src, kind, lines, tweet=False, date_keys=("date",), errors=errors,
                           skip_bad_lines=skip_bad_lines, report=report):
            doc_id = unique_id(rec.own_id or place(src, rec.key), "document", src, rec.line, report)
            yield parse_article(rec.text, doc_id, source=f"{src.display}:{rec.line}", date=rec.date,
                                report=report)


def iter_statements(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                    skip_bad_lines: bool = False) -> Iterator[Statement]:
    """Greek statements from ``--greek`` inputs (``.txt`` one item per line, JSONL, JSON, CSV; the
    body of HTML pages and of the pages in WARC files)."""
    for src in expand(paths, report=report):
        kind, lines = open_as(src, errors, report, skip_bad_lines)
        if kind in PAGE_KINDS:
            for doc in pages(src, kind, lines, errors, skip_bad_lines, report):
                yield from doc.statements
            continue
        for rec in items(src, kind, lines, errors, skip_bad_lines, report, tweet=False):
            report.documents += 1
            # Own ids are made unique before anything is left out, so they never depend on options.
            item_id = rec.own_id and unique_id(rec.own_id, "statement", src, rec.line, report)
            doc_id = item_id or place(src, rec.key)
            text = rec.text
            if not has_greek(text):
                report.docs_without_greek += 1
                continue
            if item_id:  # the user's own unit: kept whole, id kept exactly
                lead = len(text) - len(text.lstrip())
                body = text.strip()
                found = [(unicodedata.normalize("NFC", body), lead, lead + len(body))]
            else:
                found = [(s.text, s.start, s.end) for s in split_sentences(text)]
            for k, (sent, start, end) in enumerate(found):
                report.statements += 1
                yield Statement(item_id or f"{doc_id}:p0s{k}", doc_id, sent, 0, k, start, end, date=rec.date)


def iter_tweets(paths: Iterable[str], *, report: IngestReport, errors: Errors = "strict",
                skip_bad_lines: bool = False, include_non_english: bool = False) -> Iterator[Tweet]:
    """Tweets from ``--english`` inputs: ``.txt`` (one per line, attribution optional), JSONL and
    JSON (ours, Twitter API v2 and v1.1 shapes), Twitter/X archives' ``tweets.js``, CSV, and the
    tweets embedded in HTML pages and WARC files. A Twitter tweet id read again (a retweeted or
    quoted tweet in many records, pages that overlap) is the same tweet: left out and counted.
    Non-English tweets are counted and left out unless ``include_non_english``."""
    for src in expand(paths, report=report):
        kind, lines = open_as(src, errors, report, skip_bad_lines)
        if kind in PAGE_KINDS:
            for doc in pages(src, kind, lines, errors, skip_bad_lines, report):
                yield from (t for t in doc.tweets if keep_tweet(t, include_non_english))
            continue
        for rec in items(src, kind, lines, errors, skip_bad_lines, report, tweet=True):
            if rec.twitter and rec.own_id and not report.first_reading(rec.own_id):
                report.duplicate_tweets += 1
                continue
            report.documents += 1
            item_id = rec.own_id and unique_id(rec.own_id, "tweet", src, rec.line, report)
            doc_id = item_id or place(src, rec.key)
            body, handle, author, date = rec.text, rec.handle, rec.author, rec.date
            attribution = find_attribution(rec.text)
            if attribution:  # what the text itself says wins over the record's fields
                body, handle, author = rec.text[:attribution.start], attribution.handle, attribution.author
                date = date or attribution.date
            tweet = make_tweet(item_id or f"{doc_id}:t0", doc_id, body, handle=handle, author=author,
                               date=date, raw=rec.raw or rec.text, lang=rec.lang)
            if not tweet.text:
                report.empty_tweets += 1
                continue
            report.tweets += 1
            if tweet.lang != "en":
                report.non_english_tweets += 1
            if keep_tweet(tweet, include_non_english):
                yield tweet
