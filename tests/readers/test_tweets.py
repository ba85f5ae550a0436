"""Attributions, links, tags, emoji, dates and language guesses, on made-up and real tweets."""

from __future__ import annotations

import csv
import unicodedata

import pytest
from conftest import require_shared_data

from aligner.readers.tweets import (
    extract_hashtags,
    extract_mentions,
    extract_urls,
    find_attribution,
    guess_language,
    make_tweet,
    parse_date,
)
from aligner.scoring.content import embedding_text


@pytest.mark.parametrize("dash", ["—", "–", "--", "&mdash;"])
def test_attribution_dash_variants(dash: str) -> None:
    text = f"Ferries stay in port. pic.twitter.com/abc123 {dash} Harbour 🇬🇷 Watch (@harbour_w) May 2, 2024"
    a = find_attribution(text)
    assert a is not None
    assert (a.author, a.handle, a.date) == ("Harbour 🇬🇷 Watch", "harbour_w", "2024-05-02")
    assert text[:a.start].rstrip().endswith("pic.twitter.com/abc123")


def test_hyphen_inside_tweet_is_not_the_attribution_dash() -> None:
    text = "we hold power, in every country - and we can change things. — Ghost (@ghost_01) January 5, 2022"
    a = find_attribution(text)
    assert a is not None and a.author == "Ghost"


@pytest.mark.parametrize("text", [
    "Απλή ελληνική πρόταση χωρίς τίποτε.",
    "Mentions @someone — but no date or closing",
    "— (@) January 5, 2022",
])
def test_no_attribution(text: str) -> None:
    assert find_attribution(text) is None


def test_dates() -> None:
    assert parse_date("January 6, 2022") == "2022-01-06"
    assert parse_date("6 Jan 2022") == "2022-01-06"
    assert parse_date("Sept 9, 2021") == "2021-09-09"
    assert parse_date("2022-01-06T10:00:00.000Z") == "2022-01-06T10:00:00+00:00"
    assert parse_date("Wed Oct 10 20:19:24 +0000 2018") == "2018-10-10T20:19:24+00:00"
    assert parse_date("February 30, 2022") is None
    assert parse_date("soon") is None


@pytest.mark.parametrize("value, expected", [
    ("2024-13-45", None), ("2024-02-30", None), ("2024-00", None), ("2024-07", "2024-07"),
    ("2024-02-29", "2024-02-29"), (1539202764, "2018-10-10T20:19:24+00:00"),
    (1539202764000, "2018-10-10T20:19:24+00:00"),  # timestamp_ms
    (2024, None), (-5, None), (10 ** 30, None), (10 ** 400, None), (float("nan"), None), (float("inf"), None), (True, None), ({"y": 2024}, None), (["2024-07-18"], None),
])
def test_dates_that_do_not_exist_or_are_not_strings(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


def test_entities() -> None:
    text = "Fire near #Αθήνα and #Penteli, via @fire_gr (mail me: a@b.com) https://t.co/xY1z. pic.twitter.com/Q9 #1"
    assert extract_urls(text) == ("https://t.co/xY1z", "pic.twitter.com/Q9")
    assert extract_hashtags(text) == ("Αθήνα", "Penteli")
    assert extract_mentions(text) == ("fire_gr",)


@pytest.mark.parametrize("text, lang", [
    ("Troops, protesters clash on Almaty main square in Kazakhstan; shots heard", "en"),
    ("Στρατιώτες και διαδηλωτές συγκρούονταν στην πλατεία", "el"),
    ("Rwyf am benodi Swyddog Cefnogi Etholaeth i ymuno â thîm Dwyfor Meirionnydd", "other"),
    ("Войска вошли на площадь в Алматы", "other"),
    ("https://t.co/abc 👀", "other"),
    ("Sounds fabulous! https://t.co/csItoQ690z", "en"),
])
def test_language_guess(text: str, lang: str) -> None:
    assert guess_language(text) == lang


def _rows(name: str) -> list[dict[str, str]]:
    path = require_shared_data("mp_tweets_gr_en") / name
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_real_tweets_links_mentions_emoji() -> None:
    rows = _rows("en_combined.csv") + _rows("gr_combined.csv")
    with_links = [r["full_text"] for r in rows if "https://t.co/" in r["full_text"]]
    assert len(with_links) > 100
    for text in with_links:
        urls = extract_urls(text)
        assert urls and all(u.startswith("https://t.co/") and len(u) > len("https://t.co/") for u in urls)
        assert all(u in text for u in urls)
    mentions = [m for r in rows for m in extract_mentions(r["full_text"])]
    assert len(mentions) > 100 and all(1 <= len(m) <= 15 for m in mentions)
    # emoji stay in the tweet's text and are left out of what the model sees
    with_emoji = [r["full_text"] for r in rows if any(unicodedata.category(c) == "So" for c in r["full_text"])]
    assert len(with_emoji) > 20
    for text in with_emoji:
        tweet = make_tweet("t", "d", text)
        assert [c for c in text if unicodedata.category(c) == "So"] == \
            [c for c in tweet.text if unicodedata.category(c) == "So"]
        assert not any(unicodedata.category(c) == "So" for c in embedding_text(tweet.text))
    hashtags = [h for r in rows for h in extract_hashtags(r["full_text"])]
    assert any(any("\u0370" <= c <= "\u03ff" for c in h) for h in hashtags)  # Greek hashtags


def test_real_tweets_language_by_script() -> None:
    en = [guess_language(r["full_text"]) for r in _rows("en_combined.csv")]
    gr = [guess_language(r["full_text"]) for r in _rows("gr_combined.csv")]
    assert en.count("en") / len(en) > 0.9
    assert gr.count("el") / len(gr) > 0.85
