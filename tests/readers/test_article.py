"""The article format: the seed, our examples, tweets without a blank line, and arbitrary text."""

from __future__ import annotations

import re
import unicodedata

from conftest import EXAMPLES, require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from aligner.readers import IngestReport, parse_article, read_articles

ATTRIBUTION = re.compile(r"\(@\w+\)\s*\w+ \d{1,2}, \d{4}")


def _seed():
    path = require_shared("seeds/000_7a4eea344678cd8c.txt")
    text = path.read_text(encoding="utf-8")
    return text, parse_article(text, "seed")


def test_seed_tweets() -> None:
    _, doc = _seed()
    assert [t.handle for t in doc.tweets] == ["atlantikfedaisi", "malaymail", "RobTheRich0001", "RT_com"]
    assert [t.date for t in doc.tweets] == ["2022-01-06", "2022-01-06", "2022-01-05", "2022-01-05"]
    assert all(t.lang == "en" for t in doc.tweets)
    assert doc.tweets[0].author == "Churchill 🇰🇿"
    assert doc.tweets[0].urls == ("pic.twitter.com/q9y1Q3MGNp",)
    assert doc.tweets[0].hashtags == ("Kazakhstan",)
    assert doc.tweets[1].urls == ("https://t.co/clVOShfreC",)
    assert all("—" not in t.text and "(@" not in t.text for t in doc.tweets)
    assert doc.date == "2022-01"


def test_seed_statements_are_clean_greek() -> None:
    text, doc = _seed()
    assert len(doc.statements) == 14
    for s in doc.statements:
        assert "pic.twitter.com" not in s.text and "t.co/" not in s.text
        assert not ATTRIBUTION.search(s.text) and "(@" not in s.text
        assert not s.text.startswith("date ")
        assert unicodedata.normalize("NFC", text[s.start:s.end]) == s.text
        assert s.id == f"seed:p{s.paragraph}s{s.sentence}"


def test_seed_quotation_is_one_statement() -> None:
    _, doc = _seed()
    quoted = [s.text for s in doc.statements if s.text.startswith("«Στρατιώτες έφτασαν")]
    assert quoted == ["«Στρατιώτες έφτασαν στην πλατεία, άρχισαν εκκαθαριστική επιχείρηση εναντίον των "
                      "ταραχοποιών. Σφοδρή ανταλλαγή πυροβολισμών βρίσκεται σε εξέλιξη», σύμφωνα με το TASS."]
    police = [s.text for s in doc.statements if s.text.startswith("«Απόπειρα")]
    assert police and police[0].endswith("», ανακοίνωσε η αστυνομία.")


def test_attribution_without_blank_line() -> None:
    text = ("Η φωτιά έφτασε στα σπίτια. Οι κάτοικοι απομακρύνθηκαν.\n"
            "Fire reaches homes near Athens, residents evacuated — Fire Desk (@firedesk_x) July 18, 2024\n\n"
            "Νέα παράγραφος.")
    doc = parse_article(text, "d")
    assert [s.text for s in doc.statements] == ["Η φωτιά έφτασε στα σπίτια.", "Οι κάτοικοι απομακρύνθηκαν.",
                                                "Νέα παράγραφος."]
    (tweet,) = doc.tweets
    assert tweet.text == "Fire reaches homes near Athens, residents evacuated"
    assert text[tweet.start:tweet.end] == tweet.text


def test_attribution_on_its_own_line_and_greek_tweet() -> None:
    text = ("Wildfire out of control pic.twitter.com/AbC\n— Desk (@desk) July 18, 2024\n\n"
            "Η φωτιά σβήνει, λέει ο δήμαρχος. — Δήμος (@dimos_x) July 19, 2024")
    report = IngestReport()
    doc = parse_article(text, "d", report=report)
    assert [(t.text, t.lang) for t in doc.tweets] == [("Wildfire out of control pic.twitter.com/AbC", "en"),
                                                      ("Η φωτιά σβήνει, λέει ο δήμαρχος.", "el")]
    assert doc.statements == ()
    assert report.docs_without_greek == 1 and report.non_english_tweets == 1


def test_examples_parse_with_tweets_and_statements() -> None:
    report = IngestReport()
    docs = list(read_articles([str(EXAMPLES)], report=report))
    assert len(docs) >= 3
    for doc in docs:
        assert 2 <= len(doc.tweets) <= 4 and all(t.lang == "en" and t.handle and t.date for t in doc.tweets)
        assert len({s.paragraph for s in doc.statements}) >= 4
        assert all("t.co/" not in s.text and "pic.twitter" not in s.text for s in doc.statements)
    assert report.docs_without_greek == report.docs_without_tweets == 0


_pieces = st.sampled_from([
    "Η φωτιά έφτασε. ", "«Ήρθαμε. Φύγαμε», είπε. ", "Ο κ. Ν. Παπάς, 7,8 Ρίχτερ. ", "\n\n", "\n",
    "Fire! pic.twitter.com/x — Desk 🇬🇷 (@desk) July 18, 2024", " -- ", "&mdash;", "(@a) May 1, 2024",
    "date 2022-01 ", "Ε\u0301να. ", "https://t.co/abc ", "…", ";", "\r\n", "   ",
])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(_pieces, max_size=25).map("".join)))
def test_arbitrary_text_never_raises_and_offsets_hold(text: str) -> None:
    doc = parse_article(text, "x")
    for s in doc.statements:
        assert unicodedata.normalize("NFC", text[s.start:s.end]) == s.text
    for t in doc.tweets:
        assert t.start is not None and t.end is not None and 0 <= t.start <= t.end <= len(text)


def test_impossible_date_token_is_left_out_and_counted() -> None:
    report = IngestReport()
    doc = parse_article("date 2024-13-45 Η φωτιά έφτασε στα σπίτια.\n", "x", source="x.txt", report=report)
    assert doc.date is None and doc.statements[0].text == "Η φωτιά έφτασε στα σπίτια."
    assert report.bad_dates == 1 and report.warnings == ["x.txt: date 2024-13-45 does not exist, left out"]
    assert parse_article("date 2024-07 Η φωτιά έφτασε.\n", "y").date == "2024-07"
