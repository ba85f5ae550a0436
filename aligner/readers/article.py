"""The article format: a Greek wire report with English tweets embedded as text.

An optional leading ``date YYYY-MM`` (or ``YYYY-MM-DD``) token; paragraphs separated by blank
lines; a paragraph that ends with an attribution (``— Name (@handle) Month D, YYYY``) holds a
tweet. Greek paragraphs become statements; every offset points into the text as given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aligner.documents import Document, Statement, Tweet
from aligner.readers.greek import has_greek, split_sentences, split_spans
from aligner.readers.report import IngestReport
from aligner.readers.tweets import find_attribution, guess_language, make_tweet, parse_date

_DATE_TOKEN = re.compile(r"\A\s*date[ \t]+(\d{4}-\d{2}(?:-\d{2})?)(?=\s|\Z)[ \t]*", re.IGNORECASE)


def paragraphs(text: str, start: int = 0) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each run of non-blank lines in ``text[start:]``."""
    pos, para_start, para_end = 0, None, 0
    for line in text.splitlines(keepends=True):
        line_start, pos = pos, pos + len(line)
        if pos <= start:
            continue
        line_start = max(line_start, start)
        if text[line_start:pos].strip():
            if para_start is None:
                para_start = line_start
            para_end = pos
        elif para_start is not None:
            yield para_start, para_end
            para_start = None
    if para_start is not None:
        yield para_start, para_end


def _tweet_start(text: str, start: int, dash: int) -> int:
    """Where the tweet begins in the paragraph ``text[start:dash]`` that ends with its attribution.

    Usually the whole paragraph. When the attribution follows Greek prose without a blank line,
    the tweet is the trailing run of non-Greek lines; inside the attribution's own line, the
    trailing run of non-Greek sentences.
    """
    end = start + len(text[start:dash].rstrip())  # the attribution may sit on its own line
    line_starts = sorted({start, *(start + m.end() for m in re.finditer(r"\n", text[start:end]))})
    tweet = line_starts[-1]
    if guess_language(text[tweet:end]) != "el":
        for s in reversed(line_starts[:-1]):
            if guess_language(text[s:tweet]) == "el" or not text[s:tweet].strip():
                break
            tweet = s
    if guess_language(text[tweet:end]) == "el" or not has_greek(text[tweet:end]):
        return tweet
    # Greek sentences then a non-Greek tweet on one line: cut after the last Greek sentence.
    spans = split_spans(text[tweet:end], fixes=True)
    last_greek = max((i for i, (a, b) in enumerate(spans)
                      if guess_language(text[tweet + a:tweet + b]) == "el"), default=None)
    if last_greek is not None and last_greek + 1 < len(spans):
        return tweet + spans[last_greek + 1][0]
    return tweet


def parse_article(text: str, doc_id: str, *, source: str = "", date: str | None = None,
                  report: IngestReport | None = None) -> Document:
    """Parse one article into a Document: Greek statements and embedded tweets.

    ``date`` (from metadata such as a JSONL field) wins over the text's own ``date`` token.
    Never raises on odd text: what is neither Greek nor a tweet is counted and left out.
    """
    report = report if report is not None else IngestReport()
    body = 0
    m = _DATE_TOKEN.match(text)
    if m:
        body = m.end()  # the token is not text, even when its date is impossible
        token = parse_date(m.group(1))
        if token is None:
            report.bad_dates += 1
            report.warn(f"{source or doc_id}: date {m.group(1)} does not exist, left out")
        date = date or token
    statements: list[Statement] = []
    tweets: list[Tweet] = []
    for p, (a, b) in enumerate(paragraphs(text, body)):
        greek_end = b
        attribution = find_attribution(text[a:b])
        if attribution:
            dash = a + attribution.start
            t_start = _tweet_start(text, a, dash)
            said = text[t_start:dash]
            if said.strip():
                lead = len(said) - len(said.lstrip())
                tweets.append(make_tweet(
                    f"{doc_id}:t{len(tweets)}", doc_id, said, handle=attribution.handle,
                    author=attribution.author, date=attribution.date, raw=text[t_start:b].strip(),
                    start=t_start + lead, end=t_start + len(said.rstrip())))
            else:
                report.other_paragraphs += 1  # an attribution with nothing to attribute
            greek_end = t_start
        region = text[a:greek_end]
        if not has_greek(region):
            if region.strip():
                report.other_paragraphs += 1
            continue
        for s, sent in enumerate(split_sentences(region, base=a)):
            statements.append(Statement(f"{doc_id}:p{p}s{s}", doc_id, sent.text, p, s,
                                        sent.start, sent.end, date=date))
    return counted(Document(doc_id, source, date, tuple(statements), tuple(tweets)), report)


def counted(document: Document, report: IngestReport) -> Document:
    """``document``, its statements and tweets added to the report's counts (every reader of
    articles and pages counts the same way)."""
    report.documents += 1
    report.statements += len(document.statements)
    report.tweets += len(document.tweets)
    report.docs_without_greek += not document.statements
    report.docs_without_tweets += not document.tweets
    report.non_english_tweets += sum(t.lang != "en" for t in document.tweets)
    return document
