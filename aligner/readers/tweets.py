"""Embedded tweets: the attribution line, links, tags, dates and a language guess by script.

An embedded tweet pasted from a web page reads
``<text> pic.twitter.com/… — Display Name (@handle) January 6, 2022``; people paste it with an
em dash, an en dash, ``--`` or the HTML entity ``&mdash;``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

from aligner.documents import Tweet

MONTHS: dict[str, int] = {
    m: i for i, names in enumerate((
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
        ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
        ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for m in names
}
_MONTH = r"[A-Za-z]{3,9}\.?"
_DATE = (rf"(?:(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"
         rf"|(?P<day2>\d{{1,2}})\s+(?P<month2>{_MONTH}),?\s+(?P<year2>\d{{4}}))")
# "(@handle) Month D, YYYY" at the very end of a paragraph; the dash and name are found leftwards.
_TAIL = re.compile(rf"\(\s*@(?P<handle>[A-Za-z0-9_]{{1,50}})\s*\)[ \t\u00a0]*(?:{_DATE})?[ \t\u00a0]*$")
_DASH = re.compile(r"&mdash;|&#8212;|&#x2014;|—|–|―|--|(?<=\s)-(?=\s)")

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/|\bt\.co/)[^\s<>\"«»]+", re.IGNORECASE)
_URL_TRAIL = ".,;:!?)]}»”'\"…"
_MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_]{1,15})(?![\w@])")
_HASHTAG = re.compile(r"(?<![\w&/#])[#＃](\w*[^\W\d_]\w*)")

_EN_STOPWORDS = frozenset(
    "the a an and or but of to in on at for with from by as is are was were be been has have had "
    "it its this that these those we you they he she i my our your their his her not no will "
    "would can could should after before about over into than then there here what who when "
    "where why how all just do does did so if up out more also very much many too our us me "
    "should must may new good great thanks thank today well".split()
)
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['’][A-Za-z]+)?")


@dataclass(frozen=True)
class Attribution:
    """Where an attribution sits in a text (``start`` is its dash) and what it says."""

    start: int
    end: int
    author: str
    handle: str
    date: str | None


def find_attribution(text: str) -> Attribution | None:
    """The attribution that ends ``text`` (trailing whitespace allowed), or None."""
    tail = _TAIL.search(text)
    if not tail:
        return None
    dashes = list(_DASH.finditer(text, 0, tail.start()))
    if not dashes:
        return None
    dash = dashes[-1]
    author = text[dash.end():tail.start()].strip()
    # A display name sits on the attribution's own line and is at most 50 characters on Twitter;
    # anything longer means the dash belongs to the tweet's text, not to an attribution.
    if "\n" in author or len(author) > 80:
        return None
    date = None
    if tail.group("year") or tail.group("year2"):
        date = _iso_from_parts(tail.group("month") or tail.group("month2"),
                               tail.group("day") or tail.group("day2"),
                               tail.group("year") or tail.group("year2"))
    end = len(text.rstrip())
    return Attribution(dash.start(), end, html.unescape(author), tail.group("handle"), date)


def _iso_from_parts(month: str, day: str, year: str) -> str | None:
    m = MONTHS.get(month.rstrip(".").lower())
    if not m:
        return None
    try:
        return datetime(int(year), m, int(day)).date().isoformat()
    except ValueError:
        return None


def parse_date(value: object) -> str | None:
    """A date as ISO 8601, from "January 6, 2022", "6 Jan 2022", ISO strings, Twitter v1.1's
    "Wed Oct 10 20:19:24 +0000 2018" or a Unix epoch number (seconds, or milliseconds when it
    has 13 digits, as in ``timestamp_ms``; not before 1973). Anything else, impossible dates such as
    "2024-13-45" included, gives None rather than a guess or the value as given."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(value)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    m = re.fullmatch(_DATE, value)
    if m:
        return _iso_from_parts(m.group("month") or m.group("month2"), m.group("day") or m.group("day2"),
                               m.group("year") or m.group("year2"))
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?", value)
    if m:  # kept as given (a month stays a month), once we know it exists
        try:
            datetime(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
        except ValueError:
            return None
        return value
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    try:
        return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").isoformat()
    except ValueError:
        return None


def _from_epoch(number: float) -> str | None:
    """Seconds since 1970, or milliseconds with 13 digits (1e11 seconds would be the year 5138).
    Below 1e8 (March 1973) it is more likely a year (2024) or a count than an epoch: None."""
    try:
        seconds = number / 1000 if abs(number) >= 1e11 else number
        if not seconds >= 1e8:
            return None
        return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()
    except (OverflowError, OSError, ValueError):  # out of range (an int too big for a float), NaN
        return None


def extract_urls(text: str) -> tuple[str, ...]:
    """Links as written, pic.twitter.com and t.co included, without trailing punctuation."""
    return tuple(m.group(0).rstrip(_URL_TRAIL) for m in _URL.finditer(text))


def extract_mentions(text: str) -> tuple[str, ...]:
    """@handles mentioned (without the @); e-mail addresses are not mentions."""
    return tuple(_MENTION.findall(_without_urls(text)))


def extract_hashtags(text: str) -> tuple[str, ...]:
    """#tags (without the #), Greek ones included; #1 (no letter) is not a tag."""
    return tuple(_HASHTAG.findall(_without_urls(text)))


def _without_urls(text: str) -> str:
    return _URL.sub(" ", text)


def script_counts(text: str) -> tuple[int, int, int]:
    """(Greek, Latin, other) letters in ``text``, links and @mentions left out."""
    text = _MENTION.sub(" ", _without_urls(text))
    greek = latin = other = 0
    for c in text:
        if not c.isalpha():
            continue
        o = ord(c)
        if 0x0370 <= o <= 0x03FF or 0x1F00 <= o <= 0x1FFF:
            greek += 1
        elif o < 0x0250 or 0x1E00 <= o <= 0x1EFF:
            latin += 1
        else:
            other += 1
    return greek, latin, other


def guess_language(text: str) -> str:
    """``el``, ``en`` or ``other``, offline, by script.

    Greek letters in the majority -> ``el``. Latin letters in the majority -> ``en`` if English
    function words are common enough (they are a third of running English), else ``other``
    (French, Turkish, ...). Text without letters (links, emoji only) -> ``other``.
    """
    greek, latin, other = script_counts(text)
    if greek == 0 and latin == 0:
        return "other"
    if greek >= latin:
        return "el"
    if latin < other:
        return "other"  # mostly another script (Cyrillic, Arabic, ...)
    words = [w.lower() for w in _LATIN_WORD.findall(_MENTION.sub(" ", _without_urls(text)))]
    hits = sum(1 for w in words if w in _EN_STOPWORDS)
    if hits / max(len(words), 1) >= 0.1:
        return "en"
    # A short all-ASCII reply ("Sounds fabulous!") is English far more often than not.
    return "en" if len(words) <= 6 and all(w.isascii() for w in words) else "other"


def language_code(value: object) -> str | None:
    """The language a source names for a tweet (an embed's ``lang``, an API's ``lang`` field), as
    a bare ISO 639-1 code (``en-gb`` -> ``en``); None when it names none. Twitter writes ``und``
    (undetermined), ``zxx`` (no text) and ``q…`` codes (only media, hashtags or mentions)."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().split("-")[0]
    return code if code.isalpha() and code not in ("und", "zxx") and not code.startswith("q") else None


def make_tweet(id: str, doc_id: str, body: str, *, handle: str | None = None,
               author: str | None = None, date: str | None = None, raw: str | None = None,
               start: int | None = None, end: int | None = None, lang: str | None = None) -> Tweet:
    """A Tweet from its body text: NFC, HTML entities decoded (&amp; in API exports), links,
    mentions, hashtags and language worked out here so every reader does it the same way.
    ``lang`` (from ``language_code``) is taken over the guess by script when the source names one."""
    text = unicodedata.normalize("NFC", html.unescape(body)).strip()
    return Tweet(id=id, doc_id=doc_id, text=text, lang=lang or guess_language(text), handle=handle,
                 author=unicodedata.normalize("NFC", author) if author else author, date=date,
                 urls=extract_urls(text), hashtags=extract_hashtags(text),
                 mentions=extract_mentions(text), raw=raw, start=start, end=end)


def keep_tweet(tweet: Tweet, include_non_english: bool) -> bool:
    """The aligner matches English tweets; others only when the user asks (``include_non_english``)."""
    return tweet.lang == "en" or include_non_english
