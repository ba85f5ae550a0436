"""News pages with embedded tweets (issue 11): the fixture pages counted by hand, our own Greek
pages built from examples/ aligning as their text versions do, the embed markups, and bad pages."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import EXAMPLES, SEED, require_shared, require_shared_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aligner.api import align
from aligner.cli import app
from aligner.errors import InputError
from aligner.readers import IngestReport, parse_article, read_articles, read_statements, read_tweets
from aligner.readers.article import paragraphs
from aligner.settings import Settings

runner = CliRunner()


def greek_page(text: str, title: str) -> str:
    """An article in the seed's format as a news page would carry it: its paragraphs in <p>, each
    tweet in Twitter's embed markup (a Snowflake status id of its day), the date in the page's
    metadata, and a menu, a footer and a JSON-LD script holding an escaped copy of an embed
    around it, which are not the article."""
    doc = parse_article(text, title)
    body, tweets, n = [], list(doc.tweets), 0
    for a, b in paragraphs(text):
        token = re.match(r"\s*date\s+\S+\s*", text[a:b])  # the format's date token: metadata here
        a += token.end() if token else 0
        inside = [t for t in tweets if a <= t.start < b]
        prose = text[a:inside[0].start if inside else b].strip()
        if prose:
            body.append(f"<p>{html.escape(prose)}</p>")
        for t in inside:
            day = datetime.fromisoformat(t.date).replace(hour=9, tzinfo=timezone.utc)
            status = ((int(day.timestamp() * 1000) - 1288834974657) << 22) + n
            n += 1
            body.append(f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{html.escape(t.text)}</p>'
                        f"&mdash; {html.escape(t.author)} (@{t.handle}) <a href=\"https://twitter.com/{t.handle}/"
                        f'status/{status}?ref_src=twsrc%5Etfw">{day:%B} {day.day}, {day.year}</a></blockquote> '
                        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>')
    escaped = json.dumps({"@type": "NewsArticle", "embed": '<blockquote class="twitter-tweet"><p lang="en">'
                          'Not a tweet of the page</p>&mdash; X (@x) <a href="https://twitter.com/x/status/1">'
                          "May 1, 2024</a></blockquote>"})
    return f"""<!DOCTYPE html>
<html lang="el"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="article:published_time" content="{doc.date}">
<script type="application/ld+json">{escaped}</script></head>
<body><nav><ul><li><a href="/">Αρχική</a></li><li><a href="/politiki">Πολιτική</a></li>
<li><a href="/kosmos">Κόσμος</a></li></ul></nav>
<main><article><div class="article-body">
{chr(10).join(body)}
</div></article></main>
<footer><p>© 2024 Ειδήσεις. Με την επιφύλαξη παντός δικαιώματος.</p><a href="/oroi">Όροι χρήσης</a></footer>
</body></html>
"""


def example_pages(folder: Path) -> list[Path]:
    """examples/*.txt written as Greek news pages into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for txt in sorted(EXAMPLES.glob("*.txt")):
        pages.append(folder / f"{txt.stem}.html")
        pages[-1].write_text(greek_page(txt.read_text(encoding="utf-8"), txt.stem), encoding="utf-8")
    return pages


# ---- the fixture pages, counted by hand --------------------------------------------------------

# page: (blockquotes in its markup, duplicates among them, Greek statements, page date,
#        first tweet and last tweet as (status id, handle, author, date, lang)), read off each
#        page's markup by hand (dates in German are the ones the status link's text shows).
FIXTURES = {
    "cs_aktualne.cz_source.html": (1, 0, 0, "2021-11-01",
                                   ("1454931184966770696", "WestHam", "West Ham United", "2021-10-31", "en"), None),
    "de_amnesty.de_waffensysteme.html": (  # both embeds wait in consent <textarea>s
        2, 0, 0, "2021-11-02", ("1455512589295816707", "AgnesCallamard", "Agnes Callamard", "2021-11-02", "en"),
        ("1223159406038343685", "BanKillerRobots", "Stop Killer Robots", "2020-01-31", "en")),
    "de_basicthinking.de_tweets.html": (  # data-lang="de" on every blockquote, one tweet <p lang="en">
        12, 0, 0, "2018-12-05", ("1044502590266978309", "diktator", "Peter Wittkamp🐬", "2018-09-25", "de"),
        ("1064548778139676685", "meikyworldwide", "Meike Neitz", "2018-11-19", "de")),
    "de_fr.de_nordkorea.html": (
        2, 0, 0, "2020-05-04", ("1256696015702425601", "realDonaldTrump", "Donald J. Trump", "2020-05-02", "en"),
        ("1252498652507123713", "robbystarbuck", "Robby Starbuck", "2020-04-21", "en")),
    "de_report24.news_drohne.html": (  # each embed inside a <figure> wrapper
        4, 0, 0, "2023-11-06", ("1721144944059118002", "Kanthan2030", "S.L. Kanthan", "2023-11-05", "en"),
        ("1721181306808144065", "MilitaryEye", "Mencho", "2023-11-05", "en")),
    "el_haniotika-nea.gr_no-tweets.html": (0, 0, 6, "2020-08-19", None, None),
    "en_aeb_3f65af7b.html.gz": (  # the same five embeds again, escaped inside a script
        5, 0, 0, "2019-11-18", ("1196501054197649413", "diannaeanderson", "Dianna E. Anderson 🏳️\u200d🌈",
                                "2019-11-18", "en"),
        ("1196532175547572224", "cooperlund", "Cooper Lund", "2019-11-18", "en")),
    "en_goose3_test_tweet_snippet.html": (  # one tweet embedded three times
        3, 2, 0, None, ("527783221539643393", "derekgreene", "Derek Greene", "2014-10-30", "en"), None),
    "en_inquisitr.com.html": (  # the credit in a <p> of its own
        6, 0, 0, "2016-12-12", ("807949237820465152", "abbydphillip", "Abby D. Phillip", "2016-12-11", "en"),
        ("519224951703105536", "realDonaldTrump", "Donald J. Trump", "2014-10-06", "en")),
    "en_telegraph.co.uk1_legacy-embed.html": (  # legacy: lang="en" on the blockquote, bare <p>
        9, 0, 0, "2014-12-31", ("550153893359804418", "tomphillipsin", "Tom Phillips", "2014-12-31", "en"),
        ("550073209379246080", "thatjohn", "John Walton", "2014-12-30", "en")),
    "en_thepoke.com_waddingham.html": (
        11, 0, 0, "2023-11-03", ("1719621634984759346", "marksandspencer", "M&S", "2023-11-01", "en"),
        ("1720386539346100561", "davechannel", "Dave", "2023-11-03", "en")),
    "fr_sciencesetavenir.fr_rumeur.html": (
        3, 0, 0, "2020-09-14", ("1239650597906898947", "elonmusk", "Elon Musk", "2020-03-16", "en"),
        ("1238776545398923264", "olivierveran", "Olivier Véran", "2020-03-14", "fr")),
    "ja_takagi-hiromitsu.jp.html": (  # EUC-JP; one NHK tweet embedded twice
        16, 1, 0, "2021-03-30", ("1088755839102418944", "nhk_nw9", "ニュースウオッチ９", "2019-01-25", "ja"),
        ("1092739232127307776", "Ivarn", "アイヴァーン", "2019-02-05", "ja")),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_pages_every_embed_found_with_its_id_handle_and_date(name: str) -> None:
    path = require_shared_data("web_fixtures") / "html" / name
    quotes, duplicates, statements, date, first, last = FIXTURES[name]
    report = IngestReport()
    [doc] = list(read_articles([str(path)], report=report))
    assert len(doc.tweets) + report.duplicate_tweets == quotes and report.duplicate_tweets == duplicates
    assert len(doc.statements) == statements and doc.date == date and doc.id == name
    described = [(t.id.removeprefix(f"{name}:status/"), t.handle, t.author, t.date, t.lang) for t in doc.tweets]
    if first:
        assert described[0] == first and described[-1] == (last or first)
    assert all(t.id.startswith(f"{name}:status/") and t.id.rsplit("/", 1)[1].isdigit() for t in doc.tweets)
    assert all(t.text and t.handle and t.author and t.date and t.start is not None for t in doc.tweets)
    assert len({t.id for t in doc.tweets}) == len(doc.tweets)


def test_fixture_counts_add_up_and_no_embed_comes_from_a_script() -> None:
    folder = require_shared_data("web_fixtures") / "html"
    report = IngestReport()
    docs = list(read_articles([str(folder)], report=report))  # a directory: .html and .html.gz alike
    assert len(docs) == 13 and report.files == 13
    assert sum(len(d.tweets) for d in docs) + report.duplicate_tweets == 74  # the fixture README's count
    trap = next(d for d in docs if d.id == "en_aeb_3f65af7b.html.gz")
    assert len(trap.tweets) == 5  # not 10: the escaped copies in its script are data
    greek = next(d for d in docs if d.id.startswith("el_"))  # its headline and body, without menus
    assert greek.statements[0].text == "Τον έπιασαν την ώρα που προσπαθούσε να κλέψει αυτοκίνητα"
    assert greek.statements[-1].text.startswith("Η προανάκριση διενεργείται")


def test_german_page_keeps_tweet_language_from_the_tweets_own_markup() -> None:
    path = require_shared_data("web_fixtures") / "html" / "de_basicthinking.de_tweets.html"
    langs = [t.lang for t in next(read_articles([str(path)])).tweets]
    assert langs.count("en") == 1 and langs.count("de") == 11  # data-lang="de" is the widget's language
    english = list(read_tweets([str(path)]))  # --english takes a page's embedded tweets
    assert [t.handle for t in english] == ["TijenOnaran"]


# ---- our own Greek pages -----------------------------------------------------------------------

def comparable(pairs) -> list[tuple]:
    """Pairs without what a page changes: ids, doc ids, paragraph numbers, offsets, event ids."""
    return sorted((p.english.text, p.english.handle, p.english.author, p.english.date, p.english.lang,
                   p.greek.text, p.greek.date, round(p.cosine, 5), round(p.margin, 5), round(p.event_margin, 5),
                   p.rank, p.accepted, p.flags) for p in pairs)


def test_greek_pages_from_examples_align_as_their_text_versions(tmp_path: Path) -> None:
    pages = example_pages(tmp_path / "pages")
    settings = Settings(include_rejected=True)
    from_text = align([EXAMPLES / p.with_suffix(".txt").name for p in pages], settings=settings)
    from_pages = align(pages, settings=settings)
    assert comparable(from_pages.pairs) == comparable(from_text.pairs)
    assert any(p.accepted for p in from_pages.pairs)
    assert all(":status/" in p.english.id for p in from_pages.pairs)  # the status id is the tweet's id
    docs = list(read_articles([str(tmp_path / "pages")]))
    texts = list(read_articles([str(EXAMPLES)]))
    for page, text in zip(docs, texts):
        assert [s.text for s in page.statements] == [s.text for s in text.statements]
        assert [(t.text, t.handle, t.author, t.date) for t in page.tweets] == \
               [(t.text, t.handle, t.author, t.date) for t in text.tweets]
        assert page.date == text.date and page.id == f"{Path(text.id).stem}.html"
        # statements are numbered and tweets placed as the seed format places them: after their paragraph
        order = sorted([(s.start, "s") for s in page.statements] + [(t.start, "t") for t in page.tweets])
        assert [k for _, k in order] == [k for _, k in sorted([(s.start, "s") for s in text.statements]
                                                                + [(t.start, "t") for t in text.tweets])]


def test_the_seed_as_a_page_reads_as_the_seed(tmp_path: Path) -> None:
    require_shared("seeds")
    text = SEED.read_text(encoding="utf-8")
    page = tmp_path / "seed.html"
    page.write_text(greek_page(text, "seed"), encoding="utf-8")
    [doc] = list(read_articles([str(page)]))
    seed = parse_article(text, "seed")
    assert [s.text for s in doc.statements] == [s.text for s in seed.statements]
    assert [(t.text, t.handle, t.author, t.date) for t in doc.tweets] == \
           [(t.text, t.handle, t.author, t.date) for t in seed.tweets]
    assert [t.handle for t in doc.tweets] == ["atlantikfedaisi", "malaymail", "RobTheRich0001", "RT_com"]


def test_inspect_shows_a_page(tmp_path: Path) -> None:
    [page] = example_pages(tmp_path)[:1]
    result = runner.invoke(app, ["inspect", "--jsonl", str(page)])
    assert result.exit_code == 0, result.output
    units = [json.loads(line) for line in result.stdout.splitlines()]
    assert [u["handle"] for u in units if u["kind"] == "tweet"] == ["quakenotes_med", "islandbulletin_gr",
                                                                    "danf_travels_99"]
    assert "read 1 file(s), 1 document(s), 9 statement(s), 3 tweet(s)" in result.stderr


# ---- the embed markups, one at a time ----------------------------------------------------------

PROSE = "<p>Σεισμός μεγέθους 5,8 Ρίχτερ σημειώθηκε στην Κρήτη. Δεν υπάρχουν αναφορές για ζημιές.</p>"


def one_page(tmp_path: Path, body: str, name: str = "p.html") -> Path:
    path = tmp_path / name
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><article>{PROSE}{body}"
                    f"{PROSE.replace('Κρήτη', 'Ιεράπετρα')}</article></body></html>", encoding="utf-8")
    return path


def test_markups_legacy_data_lang_wrapper_consent_box_and_no_link(tmp_path: Path) -> None:
    legacy = ('<blockquote class="twitter-tweet" lang="en"><p>Strong quake off Crete tonight</p>&mdash; Desk '
              '(@desk) <a href="https://twitter.com/desk/status/1767475617592246272">March 12, 2024</a></blockquote>')
    widget = ('<figure class="wp-block-embed-twitter"><div class="wrapper"><blockquote class="twitter-tweet" '
              'data-lang="el"><p lang="en" dir="ltr">Schools in Ierapetra closed<br>today</p>&mdash; Island '
              '(@island) <a href="https://x.com/island/status/1767475617592246273?s=20">12 Μαρτίου 2024</a>'
              "</blockquote></div></figure>")
    consent = ("<textarea class='consent'>" + html.escape(
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Aftershocks expected, says seismologist</p>'
        '&mdash; Quake (@quake) <a href="https://twitter.com/quake/status/1767475617592246274">March 12, 2024</a>'
        "</blockquote>") + "</textarea>")
    bare = '<blockquote class="twitter-tweet"><p lang="en">No link in this embed at all</p>&mdash; N (@n)</blockquote>'
    page = one_page(tmp_path, legacy + "<p>Ο δήμαρχος μίλησε.</p>" + widget + consent + bare)
    [doc] = list(read_articles([str(page)]))
    got = [(t.id, t.text, t.lang, t.handle, t.author, t.date) for t in doc.tweets]
    assert got == [
        ("p.html:status/1767475617592246272", "Strong quake off Crete tonight", "en", "desk", "Desk", "2024-03-12"),
        # Greek link text: the day from the status id itself
        ("p.html:status/1767475617592246273", "Schools in Ierapetra closed\ntoday", "en", "island", "Island",
         "2024-03-12"),
        ("p.html:status/1767475617592246274", "Aftershocks expected, says seismologist", "en", "quake", "Quake",
         "2024-03-12"),
        ("p.html:t3", "No link in this embed at all", "en", "n", "N", None)]
    # placed after the paragraph before them, as the seed format places a tweet
    assert [s.paragraph for s in doc.statements] == [0, 0, 2, 6, 6]
    assert all("quake off" not in s.text and "Schools" not in s.text for s in doc.statements)


def test_a_tweet_embedded_twice_is_one_tweet_but_pages_keep_their_own(tmp_path: Path) -> None:
    embed = ('<blockquote class="twitter-tweet"><p lang="en">Ferry strike in Piraeus today</p>&mdash; A (@a) '
             '<a href="https://twitter.com/a/status/1785595010872246272">May 1, 2024</a></blockquote>')
    one = one_page(tmp_path, embed + embed, "one.html")
    two = one_page(tmp_path, embed, "two.html")
    report = IngestReport()
    docs = list(read_articles([str(one), str(two)], report=report))
    assert [[t.id for t in d.tweets] for d in docs] == [["one.html:status/1785595010872246272"],
                                                       ["two.html:status/1785595010872246272"]]
    assert report.duplicate_tweets == 1 and "1 tweet(s) read before (same tweet id) left out" in report.summary()


def test_greek_stream_from_pages(tmp_path: Path) -> None:
    pages = example_pages(tmp_path)
    statements = list(read_statements([str(pages[0])]))
    assert len(statements) == 9 and statements[0].id == "earthquake_crete.html:p0s0"


def test_legacy_greek_encoding_is_recognised(tmp_path: Path) -> None:
    page = tmp_path / "legacy.html"
    page.write_bytes(("<html><head><title>Ειδήσεις</title></head><body><article>" + PROSE * 3
                      + "</article></body></html>").encode("cp1253"))
    [doc] = list(read_articles([str(page)]))
    assert doc.statements[0].text == "Σεισμός μεγέθους 5,8 Ρίχτερ σημειώθηκε στην Κρήτη."


# ---- bad pages ---------------------------------------------------------------------------------

def test_binary_data_named_html_is_one_line_with_its_line_and_exit_2(tmp_path: Path) -> None:
    page = tmp_path / "photo.html"
    page.write_bytes(b"<html><body><p>\xce\x91\n\x00\x89PNG\r\n</p></body></html>")
    with pytest.raises(InputError, match=rf"^{page}:2: binary data \(a NUL character\), not an HTML page$"):
        list(read_articles([str(page)]))
    for command in (["inspect", str(page)], ["align", str(page), "-o", str(tmp_path / "out.jsonl")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines() == [f"error: {page}:2: binary data (a NUL character), not an HTML page"]
        assert not (tmp_path / "out.jsonl").exists()
    report = IngestReport()
    assert list(read_articles([str(page)], report=report, skip_bad_lines=True)) == []
    assert report.bad_records == 1 and report.warnings[0].startswith(f"{page}:2: binary data")


def test_text_without_markup_is_not_a_page(tmp_path: Path) -> None:
    page = tmp_path / "notes.html"
    page.write_text("just a line of notes, no markup\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{page}: no HTML page in it"):
        list(read_articles([str(page)]))


def test_malformed_and_cut_html_still_reads_what_is_there(tmp_path: Path) -> None:
    whole = greek_page((EXAMPLES / "earthquake_crete.txt").read_text(encoding="utf-8"), "q")
    cut = whole[:whole.index("Crete regional authority")]  # inside the second embed's <p>
    page = tmp_path / "cut.html"
    page.write_text(cut.replace("</p>", "", 3).replace("<blockquote", "<blockquote <<", 1), encoding="utf-8")
    [doc] = list(read_articles([str(page)]))
    assert doc.statements and doc.tweets
    assert doc.tweets[0].handle == "quakenotes_med"


def test_undecodable_page_strict_and_replace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aligner.readers.html.detect_encoding", lambda data: [])  # no encoding recognised
    page = tmp_path / "bad.html"
    page.write_bytes(b"<html><body><p>" + PROSE.encode() + b"\xff\xfe</p></body></html>")
    with pytest.raises(InputError, match=rf"^{page} \(byte {15 + len(PROSE.encode())}\): not valid UTF-8 \(byte 0xff\)"):
        list(read_articles([str(page)]))
    report = IngestReport()
    [doc] = list(read_articles([str(page)], errors="replace", report=report))
    assert report.replaced_bytes == 2 and doc.statements


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.sampled_from(["<p>", "</p>", "<blockquote class='twitter-tweet'>", "</blockquote>",
                                      "<a href='https://twitter.com/a/status/12345678901234567890'>", "</a>",
                                      "Σεισμός στην Κρήτη.", "— A (@a) ", "May 1, 2024", "<br>", "<textarea>",
                                      "&lt;blockquote class=twitter-tweet&gt;", "<script>", "\x00", "\ufffd",
                                      "(@", "<div>", "<figure>", "&mdash;"]), max_size=25).map("".join),
       html_wrapper=st.booleans())
def test_any_markup_gives_documents_or_one_line_errors(tmp_path: Path, body: str, html_wrapper: bool) -> None:
    page = tmp_path / "fuzz.html"
    page.write_text(f"<html><body>{body}</body></html>" if html_wrapper else body, encoding="utf-8")
    for read in (read_articles, read_statements, read_tweets):
        try:
            units = list(read([str(page)], skip_bad_lines=False))
        except InputError as exc:
            assert "\n" not in str(exc)
            continue
        assert all(isinstance(u.id, str) for u in units)


def test_many_embeds_in_one_container_read_each_ancestor_once(tmp_path, monkeypatch) -> None:
    """5,000 embeds side by side in one div took 126 s: every embed read its whole container's
    text again. Now each ancestor's text is read once per page (how many times is counted here,
    the time is in no test)."""
    import aligner.readers.html as reader

    quote = ('<blockquote class="twitter-tweet"><p lang="en">Fire near Penteli, report {i}</p>&mdash; Desk '
             '(@desk{i}) <a href="https://twitter.com/desk{i}/status/{sid}">July 18, 2024</a></blockquote>')
    page = tmp_path / "embeds.html"
    page.write_text("<html><body><article><p>Μεγάλη πυρκαγιά στην Πεντέλη σήμερα.</p><div><section>" +
                    "".join(quote.format(i=i, sid=10**15 + i) for i in range(2000)) +
                    "</section></div></article></body></html>", encoding="utf-8")
    reads = []
    counted = reader._OTHER_TEXT
    monkeypatch.setattr(reader, "_OTHER_TEXT", lambda element: reads.append(element) or counted(element))
    (document,) = read_articles([str(page)])
    assert len(document.tweets) == 2000
    assert len(reads) == len(set(reads)) <= 3  # section, div, article


def test_text_nested_past_the_parsers_depth_is_read_and_counted(tmp_path) -> None:
    """libxml2 stops at 255 levels without its huge option: the sentence below was dropped."""
    deep = 300
    page = tmp_path / "deep.html"
    page.write_text("<html><body><article><p>Μεγάλη πυρκαγιά ξέσπασε σήμερα στην Πεντέλη, ανακοίνωσε η "
                    "Πυροσβεστική.</p>" + "<div>" * deep + "<p>Δεύτερη πρόταση βαθιά μέσα στη σελίδα για την "
                    "πυρκαγιά στην Αττική.</p>" + "</div>" * deep + "</article></body></html>", encoding="utf-8")
    report = IngestReport()
    (document,) = read_articles([str(page)], report=report)
    assert [s.text.split()[0] for s in document.statements] == ["Μεγάλη", "Δεύτερη"]
    assert report.deep_pages == 1 and "nested past 255 levels" in report.summary()


def test_a_deep_page_that_declares_its_encoding_is_read_like_a_shallow_one(tmp_path) -> None:
    """The deep re-parse takes bytes, as trafilatura does: lxml refuses a str that declares one."""
    page = tmp_path / "deep.html"
    page.write_text('<?xml version="1.0" encoding="utf-8"?>\n<html><head><title>Πεντέλη</title></head><body><article>'
                    + "<div>" * 300
                    + "<p>Μεγάλη πυρκαγιά ξέσπασε σήμερα στην Πεντέλη, ανακοίνωσε η Πυροσβεστική.</p>"
                    + "</div>" * 300 + "</article></body></html>", encoding="utf-8")
    report = IngestReport()
    (document,) = read_articles([str(page)], report=report)
    assert [s.text.split()[0] for s in document.statements] == ["Μεγάλη"] and report.deep_pages == 1
