"""What the readers produce: Greek statements, English tweets, and the documents that hold them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Statement:
    """One Greek sentence, with its place in the source text.

    ``start``/``end`` are character offsets into the document's original text
    (before NFC), so ``original[start:end]`` normalises back to ``text``.
    """

    id: str
    doc_id: str
    text: str
    paragraph: int
    sentence: int
    start: int
    end: int
    date: str | None = None
    lang: str = "el"


@dataclass(frozen=True)
class Tweet:
    """One tweet: its body without the attribution, and what the attribution said.

    ``start``/``end`` are character offsets of the body in the document's original text when
    the tweet was embedded in an article (None for tweets read from a separate stream).
    """

    id: str
    doc_id: str
    text: str
    lang: str
    handle: str | None = None
    author: str | None = None
    date: str | None = None
    urls: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    raw: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Document:
    """A source unit: one article, or one line of a separate stream."""

    id: str
    source: str
    date: str | None = None
    statements: tuple[Statement, ...] = field(default=())
    tweets: tuple[Tweet, ...] = field(default=())
    title: str | None = None  # a web page's title
    url: str | None = None    # a web page's address, when the page or its archive says it
