"""What of a text the model should see, and whether there is enough of it to match on.

Links, handles and "| Outlet" suffixes carry no event but pull every tweet's vector toward
"a tweet"; stripping them before embedding separates a tweet that reports an event from one
that only shares its topic. Texts with too few real words are the known failure of margin
mining (numbers, lists of names, URLs score high against each other), so they are never
accepted, only reported as rejected candidates.
"""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_RETWEET = re.compile(r"^RT @\w+:\s*")
_EDGE_MENTIONS = re.compile(r"^(?:@\w+[\s,:]*)+|(?:[\s,:]*@\w+)+$")
_SOURCE_SUFFIX = re.compile(r"\s+[|–—]\s+[^|–—.!?]{1,40}$")  # "... shots heard | Malay Mail"
_WORD = re.compile(r"[^\W\d_]{3,}")
MIN_CONTENT_WORDS = 3


class _Symbols(dict[int, "int | None"]):
    """`str.translate`'s table that drops the characters of category So (emoji, pictographs):
    filled as characters first appear, so each is looked up in `unicodedata` once per process
    rather than once per use, and the loop over a text's characters runs in C (issue 21)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)) == "So" else code
        self[code] = kept
        return kept


_NO_SYMBOLS = _Symbols()


def embedding_text(text: str) -> str:
    """The part of a tweet (or statement) that states something: no links, edge handles, outlet."""
    text = unicodedata.normalize("NFC", text)
    text = _RETWEET.sub("", text)
    text = _URL.sub(" ", text)
    text = _EDGE_MENTIONS.sub(" ", text.strip())
    text = _SOURCE_SUFFIX.sub("", text.strip())
    text = text.replace("#", "").replace("@", "")
    text = text.translate(_NO_SYMBOLS)  # emoji, pictographs
    return " ".join(text.split())


def content_words(text: str) -> int:
    """Words of three or more letters, not counting links, handles or numbers."""
    return len(_WORD.findall(_URL.sub(" ", re.sub(r"@\w+", " ", text))))


def has_content(text: str) -> bool:
    return content_words(text) >= MIN_CONTENT_WORDS
