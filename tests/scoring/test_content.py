"""`embedding_text` drops symbols with `str.translate` (issue 21): the same text, byte for byte,
as the per-character loop it replaced, kept here as the reference."""

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aligner.scoring.content import embedding_text, has_content

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_RETWEET = re.compile(r"^RT @\w+:\s*")
_EDGE_MENTIONS = re.compile(r"^(?:@\w+[\s,:]*)+|(?:[\s,:]*@\w+)+$")
_SOURCE_SUFFIX = re.compile(r"\s+[|–—]\s+[^|–—.!?]{1,40}$")


def reference(text: str) -> str:
    """embedding_text before issue 21."""
    text = unicodedata.normalize("NFC", text)
    text = _RETWEET.sub("", text)
    text = _URL.sub(" ", text)
    text = _EDGE_MENTIONS.sub(" ", text.strip())
    text = _SOURCE_SUFFIX.sub("", text.strip())
    text = text.replace("#", "").replace("@", "")
    text = "".join(c for c in text if unicodedata.category(c) != "So")
    return " ".join(text.split())


PIECES = st.sampled_from([
    "RT @user_1: ", "@ΕΡΤ", "@bbc_news", "#σεισμός", "#Crete", "https://t.co/abc123", "www.ert.gr/x",
    "pic.twitter.com/Zz9", " | Malay Mail", " — Reuters", "👍", "🇬🇷", "👩‍👩‍👧", "❤️", "©", "°C", "™", "\u0301",
    "e\u0301", "ά", "ϊ", "Σεισμός 5,2 Ρίχτερ στην Κρήτη.", "Earthquake hits Crete;", "\u200d", "\ufe0f", "\n",
    "\t", " ", ",", ":", "…", "½", "€", "\U0001d400", "\ud800",
])
TEXTS = st.one_of(st.text(), st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=12).map("".join))


@settings(max_examples=2000, deadline=None)
@given(TEXTS)
@example("RT @ertnews: Σεισμός 5,2 Ρίχτερ στην Κρήτη 🇬🇷 https://t.co/x #σεισμός | ΕΡΤ")
@example("Troops, protesters clash on Almaty main square; shots heard | Malay Mail")
@example("@a @b thanks for the update on the fires @c")
@example("⚡️ Breaking: ☀️ ☂ ♻️ \u2603\ufe0f")
def test_embedding_text_is_the_per_character_loop(text):
    assert embedding_text(text) == reference(text)


def test_every_symbol_character_is_dropped_and_nothing_else():
    every = "".join(map(chr, range(0x110000)))
    assert embedding_text(every) == reference(every)


def test_embedding_text_strips_what_states_nothing():
    tweet = ("RT @someone: Troops, protesters clash on #Almaty main square; shots heard | Malay Mail "
             "https://t.co/clVOShfreC pic.twitter.com/q9y1Q3MGNp 🇰🇿")
    assert embedding_text(tweet) == "Troops, protesters clash on Almaty main square; shots heard"
    assert embedding_text("@a @b thanks for the update on the fires @c") == "thanks for the update on the fires"


@pytest.mark.parametrize("text,ok", [
    ("7,8 Ρίχτερ 20.000", False), ("https://t.co/x @a @b", False), ("Κ. Μητσοτάκης, Α. Τσίπρας", False),
    ("Troops clash in Almaty", True), ("Ισχυρός σεισμός στην Κρήτη", True)])
def test_low_content_texts_are_not_eligible(text, ok):
    assert has_content(text) is ok
