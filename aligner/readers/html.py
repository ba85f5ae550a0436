"""News pages: the article's own text, by trafilatura, and the tweets embedded in it.

A page becomes one Document laid out as the seed format lays out a page copied as text: the
body's paragraphs in order, and each embedded tweet a paragraph of its own where its embed
stood, so statements are numbered and tweets placed as `article.parse_article` does. Offsets
point into that text: paragraphs joined by blank lines, a tweet's paragraph being its text and
then its credit (``— Name (@handle) Date``) as the page shows them. The page's date (its
metadata: ``article:published_time``, JSON-LD and the like) is the document's date.

An embed is Twitter's markup, ``<blockquote class="twitter-tweet">``: the tweet's text in a
``<p>`` (with ``lang`` and ``dir`` in the modern markup), then ``— Name (@handle)`` and a link to
``https://twitter.com/<handle>/status/<ID>`` whose text is the date. Each becomes a Tweet:

- id ``<document id>:status/<ID>``: the tweet's own id follows ``status/``, and the prefix keeps
  it unique in a run where two pages embed the same tweet (``<document id>:t<n>`` for an embed
  without a status link). A tweet embedded twice in one page is kept once (``duplicate_tweets``).
- lang: the ``<p lang>`` (Twitter's detection, written into the embed), else the blockquote's
  ``lang`` (legacy markup) or ``data-lang``, else the guess by script.
- handle and author from the credit (the handle from the link when the credit has none); date:
  the link's text when it reads as one, else the time in the status id (Snowflake ids, since
  November 2010, carry their creation time), as a day.

Only parsed elements count: an embed that appears escaped inside a script (JSON, a template
string) is data, not markup. A ``<textarea>`` holding embed markup is read as markup: consent
managers keep embeds inert there until the reader agrees.

Embeds are taken out before extraction, so their text never becomes statements. In place of
each (with any wrapper that holds nothing else: extractors drop embed wrappers whole) a marker
paragraph is left, and the marker's place in trafilatura's output is the tweet's place. A tweet
whose marker does not come through (its embed was outside what trafilatura took for the
article) follows the last paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import cast

import lxml.html
import trafilatura
from lxml import etree
from lxml.etree import LxmlError, XPath
from lxml.html import HtmlElement
from trafilatura.utils import detect_encoding

from aligner.documents import Document, Statement, Tweet
from aligner.readers.article import counted
from aligner.readers.greek import has_greek, split_sentences
from aligner.readers.report import IngestReport
from aligner.readers.tweets import guess_language, language_code, make_tweet, parse_date

_EMBED = 'blockquote[contains(concat(" ", normalize-space(@class), " "), " twitter-tweet ")]'
_EMBEDS = XPath(f"//{_EMBED}")
_CONSENT_BOXES = XPath('//textarea[contains(., "twitter-tweet")]')
_OTHER_TEXT = XPath(f".//text()[not(ancestor::{_EMBED}) and not(ancestor::script) and not(ancestor::style)]")
_STATUS = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:#!/)?(?P<handle>\w{1,50})/status(?:es)?/"
                     r"(?P<id>\d+)", re.IGNORECASE)
_HANDLE = re.compile(r"\(\s*@(\w{1,50})\s*\)")
_DASH = re.compile("[—–―]")
_SPACES = re.compile(r"\s+")
_MARKER = "alignerembed{}x"
_MARKERS = re.compile(r"alignerembed(\d+)x")
_SNOWFLAKE_EPOCH_MS = 1288834974657
# Page dates from the page's metadata only: htmldate's extensive search reads dates out of the
# text (an embedded tweet's, a comment's) and took 4 s on one fixture page.
DATE_SEARCH = {"extensive_search": False, "original_date": True}


class PageError(Exception):
    """Why a page cannot be read, with its ``line`` or byte ``offset`` where that is known;
    callers add the file or record."""

    def __init__(self, message: str, *, line: int | None = None, offset: int | None = None) -> None:
        super().__init__(message)
        self.line, self.offset = line, offset


@dataclass(frozen=True)
class Embed:
    """What one embed says, before it becomes a Tweet of its document."""

    status: str | None  # the tweet's id, from its link
    text: str
    credit: str  # "— Name (@handle) Date" as the page shows it
    lang: str
    handle: str | None
    author: str | None
    date: str | None


def page_text(data: bytes, charset: str | None, errors: str, report: IngestReport) -> str:
    """The page's text: UTF-8 when it is valid UTF-8 (text in another encoding rarely is, and
    servers often declare ISO-8859-1 for UTF-8 pages), else the charset its server declared
    (``charset``, from a WARC record), else the encoding charset_normalizer recognises, as
    trafilatura does with bytes. When none decodes it: a PageError at the first byte that is not
    UTF-8 ('strict'), or UTF-8 with the bad bytes replaced and counted ('replace'). Binary data
    is a PageError in any case."""
    _check_not_binary(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    for encoding in _other_encodings(data, charset):
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    if errors != "replace":
        raise PageError(f"not valid UTF-8 (byte 0x{data[bad]:02x}) and in no encoding that could be "
                        "recognised; use --encoding-errors replace", offset=bad)
    text = data.decode("utf-8", "replace")
    report.replaced_bytes += text.count("\ufffd") - data.count("\ufffd".encode())
    return text


def _other_encodings(data: bytes, charset: str | None) -> Iterator[str]:
    """The server's charset, then charset_normalizer's guesses (asked for only when needed: it
    reads the whole page)."""
    if charset:
        yield charset
    yield from detect_encoding(data)


def read_page(text: str, doc_id: str, *, source: str, report: IngestReport, url: str | None = None) -> Document:
    """One page as a Document (see the module's note); its counts go to ``report``. Raises
    PageError when the text is no HTML page (binary data, or no markup at all)."""
    _check_not_binary(text)
    tree = trafilatura.load_html(text)
    if tree is None:
        raise PageError("no HTML page in it (no <html> element, and too little markup to be a fragment of one)")
    if _depth(tree) >= PARSER_DEPTH:  # libxml2 stops there and drops what is deeper: parse again without the limit
        tree = lxml.html.document_fromstring(text.encode("utf-8"), parser=_DEEP_PARSER)
        report.deep_pages += 1
    for box in _CONSENT_BOXES(tree):
        try:
            _replace(box, lxml.html.fragments_fromstring(box.text_content()))
        except (LxmlError, ValueError):  # no markup in it after all: left as the text it is
            continue
    embeds = _take_embeds(tree)
    extracted = cast("trafilatura.settings.Document | None", trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, date_extraction_params=DATE_SEARCH))
    body = extracted.text if extracted is not None and extracted.text else ""
    date = parse_date(extracted.date) if extracted is not None else None
    document = _document(doc_id, source, date, _paragraphs(body, embeds), report)
    if extracted is not None:
        document = replace(document, title=extracted.title or None, url=extracted.url or url)
    return counted(document, report)


# How deep libxml2 parses HTML without its "huge" option (what trafilatura.load_html uses): text
# nested deeper was dropped. Pages are at most 64 MB (pages.MAX_PAGE), so parsing them whole is bounded.
PARSER_DEPTH = 255
# trafilatura's own parser options (trafilatura.utils.HTML_PARSER) without the depth limit; fed
# bytes, so a page that declares its encoding (<?xml ... encoding=...?>) parses as it does there
_DEEP_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                    remove_comments=True, remove_pis=True, huge_tree=True)


def _depth(tree: HtmlElement) -> int:
    """The deepest nesting of elements in ``tree``."""
    depth = deepest = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _check_not_binary(data: str | bytes) -> None:
    """A PageError at the line of the first NUL: HTML never holds one, images and archives do."""
    text = data if isinstance(data, str) else data.decode("latin-1")  # any bytes, one character each
    nul = text.find("\x00")
    if nul >= 0:
        raise PageError("binary data (a NUL character), not an HTML page", line=text.count("\n", 0, nul) + 1)


def _take_embeds(tree: HtmlElement) -> list[Embed]:
    """Every embed of the page, read, and replaced by marker paragraph ``k`` for ``embeds[k]``."""
    embeds: list[Embed] = []
    boxes: dict[HtmlElement, list[HtmlElement]] = {}  # one wrapper may hold several embeds
    texty: dict[HtmlElement, bool] = {}  # each ancestor's text is read once, not once per embed under it
    for quote in _EMBEDS(tree):
        boxes.setdefault(_wrapper(quote, texty), []).append(quote)
    for box, quotes in boxes.items():
        markers = []
        for quote in quotes:
            markers.append(lxml.html.Element("p"))
            markers[-1].text = _MARKER.format(len(embeds))
            embeds.append(_embed(quote))
        _replace(box, markers)
    return embeds


def _wrapper(quote: HtmlElement, texty: dict[HtmlElement, bool]) -> HtmlElement:
    """The outermost element around an embed that holds no text but embeds' (a figure or div
    that extractors would drop whole, marker and all); the embed itself when there is none.
    ``texty`` remembers which ancestors hold other text, across the embeds of one page."""
    box = quote
    for parent in quote.iterancestors():
        if parent.tag in ("body", "html"):
            break
        if parent not in texty:
            texty[parent] = bool("".join(_OTHER_TEXT(parent)).strip())
        if texty[parent]:
            break
        box = parent
    return box


def _replace(element: HtmlElement, new: list) -> None:
    """Put ``new`` (elements; leading text is kept as text) where ``element`` is, keeping its tail."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    index = parent.index(element)
    parent.remove(element)
    previous = parent[index - 1] if index else None
    elements = []
    for item in new:
        if isinstance(item, str):  # text before the first element of a fragment
            if previous is None:
                parent.text = (parent.text or "") + item
            else:
                previous.tail = (previous.tail or "") + item
        else:
            elements.append(item)
    for offset, item in enumerate(elements):
        parent.insert(index + offset, item)
    last = elements[-1] if elements else previous
    if last is None:
        parent.text = (parent.text or "") + (tail or "")
    else:
        last.tail = (last.tail or "") + (tail or "")


def _embed(quote: HtmlElement) -> Embed:
    """The tweet an embed shows: text, credit, language, handle, author, date and status id."""
    link, status = None, None
    for a in quote.iter("a"):  # the status link is the last: links in the text come before it
        match = _STATUS.match(a.get("href") or "")
        if match:
            link, status = a, match
    date_text = " ".join(link.text_content().split()) if link is not None else ""
    whole = _shown_text(quote)
    handles = list(_HANDLE.finditer(whole))
    dashes = [m.start() for m in _DASH.finditer(whole, 0, handles[-1].start() if handles else len(whole))]
    cut = dashes[-1] if dashes else len(whole)  # the credit starts at the dash before "(@handle)"
    text, credit = whole[:cut].strip(), " ".join(whole[cut:].split())
    author = " ".join(whole[cut + 1:handles[-1].start()].split()) if dashes and handles else ""
    tagged = next((p.get("lang") for p in quote.iter("p") if p.get("lang")), None)
    lang = (language_code(tagged) or language_code(quote.get("lang")) or language_code(quote.get("data-lang"))
            or guess_language(text))
    return Embed(status=status.group("id") if status else None, text=text, credit=credit, lang=lang,
                 handle=handles[-1].group(1) if handles else status.group("handle") if status else None,
                 author=author or None,
                 date=parse_date(date_text) or _snowflake_day(status.group("id") if status else None))


def _shown_text(element: HtmlElement) -> str:
    """The text as a browser lays it out: a run of whitespace is one space, and lines end at each
    ``<br>`` and ``</p>`` (WordPress splits a tweet's lines into paragraphs)."""
    out: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node.tag == "br":
            out.append("\n")
        elif isinstance(node.tag, str) and node.tag not in ("script", "style"):
            out.append(_SPACES.sub(" ", node.text or ""))
            for child in node:
                walk(child)
                out.append(_SPACES.sub(" ", child.tail or ""))
            if node.tag == "p":
                out.append("\n")

    walk(element)
    return "\n".join(line.strip() for line in "".join(out).split("\n")).strip()


def _snowflake_day(status: str | None) -> str | None:
    """The UTC day a Snowflake tweet id was made (ids before November 2010 carry no time)."""
    if status is None or int(status) < 10 ** 15:
        return None
    seconds = ((int(status) >> 22) + _SNOWFLAKE_EPOCH_MS) / 1000
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc).date().isoformat()
    except (OverflowError, OSError, ValueError):  # an id too large to be a real one
        return None


def _paragraphs(body: str, embeds: list[Embed]) -> Iterator[str | Embed]:
    """The page in order: body paragraphs (a line of trafilatura's text each) and the embeds where
    their markers are; embeds whose markers were dropped come last."""
    placed: set[int] = set()
    for k, piece in enumerate(_MARKERS.split(body)):
        if k % 2:  # split() puts the captured marker numbers at odd places
            if int(piece) < len(embeds):
                placed.add(int(piece))
                yield embeds[int(piece)]
            continue
        yield from (line.strip() for line in piece.splitlines() if line.strip())
    yield from (embed for k, embed in enumerate(embeds) if k not in placed)


def _document(doc_id: str, source: str, date: str | None, parts: Iterator[str | Embed],
              report: IngestReport) -> Document:
    """Statements and tweets from the page's paragraphs, numbered and placed as in the seed format."""
    statements: list[Statement] = []
    tweets: list[Tweet] = []
    seen: set[str] = set()
    pos = 0
    for p, part in enumerate(parts):
        if isinstance(part, str):
            if has_greek(part):
                statements += [Statement(f"{doc_id}:p{p}s{s}", doc_id, sent.text, p, s, sent.start, sent.end,
                                         date=date) for s, sent in enumerate(split_sentences(part, base=pos))]
            else:
                report.other_paragraphs += 1
            pos += len(part) + 2
            continue
        paragraph = f"{part.text} {part.credit}".strip()
        if part.status in seen:
            report.duplicate_tweets += 1
        elif not part.text:
            report.empty_tweets += 1
        else:
            if part.status:
                seen.add(part.status)
            tweet_id = f"{doc_id}:status/{part.status}" if part.status else f"{doc_id}:t{len(tweets)}"
            tweets.append(make_tweet(tweet_id, doc_id, part.text, handle=part.handle, author=part.author,
                                     date=part.date, raw=paragraph, start=pos, end=pos + len(part.text),
                                     lang=part.lang))
        pos += len(paragraph) + 2
    return Document(doc_id, source, date, tuple(statements), tuple(tweets))
