"""Separate streams and corpora: formats, stable ids, stdin-free paths, and bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared_data

from aligner.errors import InputError
from aligner.output.pairs import pair_id
from aligner.readers import IngestReport, read_articles, read_statements, read_tweets

ARTICLE = "date 2024-07-18 Η φωτιά έφτασε. Οι κάτοικοι έφυγαν.\n\nFire reaches homes — Desk (@desk) July 18, 2024\n"


def write(path: Path, content: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def test_jsonl_articles_keep_own_ids_or_get_line_ids(tmp_path: Path) -> None:
    f = write(tmp_path / "corpus.jsonl", json.dumps({"id": 7, "text": ARTICLE, "date": "2024-07-19"}) + "\n\n"
              + json.dumps({"text": ARTICLE}) + "\n")
    docs = list(read_articles([f]))
    assert [d.id for d in docs] == ["7", "corpus.jsonl:3"]
    assert docs[0].date == "2024-07-19" and docs[1].date == "2024-07-18"
    assert docs[0].statements[0].id == "7:p0s0" and docs[0].tweets[0].id == "7:t0"
    assert [d.id for d in read_articles([f])] == ["7", "corpus.jsonl:3"]  # stable across runs


def test_directory_recursive_and_glob_ids_are_relative(tmp_path: Path) -> None:
    write(tmp_path / "a" / "one.txt", ARTICLE)
    write(tmp_path / "a" / "sub" / "two.txt", ARTICLE)
    write(tmp_path / "a" / "skip.bin", b"\x00")
    assert [d.id for d in read_articles([str(tmp_path / "a")])] == ["one.txt", "sub/two.txt"]
    assert [d.id for d in read_articles([str(tmp_path / "a" / "**" / "*.txt")])] == ["one.txt", "sub/two.txt"]


def test_greek_txt_lines_are_segmented_with_stable_ids(tmp_path: Path) -> None:
    f = write(tmp_path / "greek.txt", "Πρώτη πρόταση. Δεύτερη πρόταση.\n\nEnglish only line\nΤρίτη.\n")
    report = IngestReport()
    got = [(s.id, s.text) for s in read_statements([f], report=report)]
    assert got == [("greek.txt:1:p0s0", "Πρώτη πρόταση."), ("greek.txt:1:p0s1", "Δεύτερη πρόταση."),
                   ("greek.txt:4:p0s0", "Τρίτη.")]
    assert report.docs_without_greek == 1


def test_greek_jsonl_and_csv_items_with_ids_stay_whole(tmp_path: Path) -> None:
    j = write(tmp_path / "g.jsonl", json.dumps({"id": "s-1", "text": " Ένα. Δύο. "}) + "\n")
    c = write(tmp_path / "g.csv", 'id,text\n42,"Τρία, τέσσερα. Πέντε."\n,Έξι. Επτά.\n')
    got = [(s.id, s.text, s.start, s.end) for s in read_statements([j, c])]
    assert got == [("s-1", "Ένα. Δύο.", 1, 10), ("42", "Τρία, τέσσερα. Πέντε.", 0, 21),
                   ("g.csv:3:p0s0", "Έξι.", 0, 4), ("g.csv:3:p0s1", "Επτά.", 5, 10)]


def test_twitter_exports(tmp_path: Path) -> None:
    v2 = {"id": "1478999", "text": "Troops clash in Almaty &amp; shots heard https://t.co/x", "created_at":
          "2022-01-06T10:00:00.000Z", "author_id": "123"}
    v11 = {"id": 1479000000000000001, "id_str": "1479000000000000001", "full_text": "Protests in #Almaty @RT_com",
           "created_at": "Wed Jan 05 20:19:24 +0000 2022", "user": {"screen_name": "someone", "name": "Some One"}}
    greek = {"id": "9", "text": "Ελληνικό τουίτ για την Αλμάτι"}
    f = write(tmp_path / "t.jsonl", "\n".join(json.dumps(x) for x in (v2, v11, greek)) + "\n")
    txt = write(tmp_path / "t.txt", "Fire near Athens — Desk (@desk) July 18, 2024\nplain english tweet here\n")
    report = IngestReport()
    tweets = list(read_tweets([f, txt], report=report))
    assert [t.id for t in tweets] == ["1478999", "1479000000000000001", "t.txt:1:t0", "t.txt:2:t0"]
    assert tweets[0].text == "Troops clash in Almaty & shots heard https://t.co/x"
    assert tweets[0].date == "2022-01-06T10:00:00+00:00" and tweets[0].urls == ("https://t.co/x",)
    assert (tweets[1].handle, tweets[1].author, tweets[1].date) == ("someone", "Some One", "2022-01-05T20:19:24+00:00")
    assert tweets[1].hashtags == ("Almaty",) and tweets[1].mentions == ("RT_com",)
    assert (tweets[2].text, tweets[2].handle, tweets[2].date) == ("Fire near Athens", "desk", "2024-07-18")
    assert report.non_english_tweets == 1
    assert [t.id for t in read_tweets([f], include_non_english=True)][-1] == "9"


def test_streams_are_lazy(tmp_path: Path) -> None:
    statements = read_statements([str(tmp_path / "missing.txt")])  # nothing read until consumed
    with pytest.raises(InputError, match="no such file"):
        next(statements)


def test_not_utf8_strict_names_byte_offset(tmp_path: Path) -> None:
    f = write(tmp_path / "bad.txt", "Καλή γραμμή.\n".encode() + b"abc\xff\xfedef\n")
    with pytest.raises(InputError) as exc:
        list(read_statements([f]))
    assert str(exc.value).startswith(f"{f} (byte {len('Καλή γραμμή.'.encode()) + 1 + 3}): not valid UTF-8")


def test_not_utf8_replace_counts(tmp_path: Path) -> None:
    f = write(tmp_path / "bad.txt", "Καλή γραμμή.\nΚακή ".encode() + b"\xff\xfe" + " γραμμή.".encode())
    report = IngestReport()
    got = [s.text for s in read_statements([f], report=report, errors="replace")]
    assert got == ["Καλή γραμμή.", "Κακή \ufffd\ufffd γραμμή."]
    assert report.replaced_bytes == 2


def test_empty_file_is_warned_and_counted(tmp_path: Path) -> None:
    e = write(tmp_path / "empty.txt", "")
    b = write(tmp_path / "blank.jsonl", "\n  \n")
    report = IngestReport()
    assert list(read_articles([e, b], report=report)) == []
    assert report.empty_files == 2 and report.files == 2
    assert report.warnings == [f"{e}: empty file, skipped", f"{b}: empty file, skipped"]


def test_malformed_jsonl_line(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", json.dumps({"text": ARTICLE}) + '\n{"text": broken\n[1, 2]\n')
    with pytest.raises(InputError, match=rf"^{f}:2: malformed JSON"):
        list(read_articles([f]))
    report = IngestReport()
    assert len(list(read_articles([f], report=report, skip_bad_lines=True))) == 1
    assert report.bad_lines == 2 and report.warnings[0].startswith(f"{f}:2: malformed JSON")


def test_csv_without_text_column(tmp_path: Path) -> None:
    f = write(tmp_path / "t.csv", "id,body\n1,hello\n")
    with pytest.raises(InputError, match="no 'text' or 'full_text' column"):
        list(read_tweets([f]))


def test_documents_without_greek_or_tweets_are_counted(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", "\n".join(json.dumps({"text": t}) for t in (
        "Μόνο ελληνικά εδώ.", "Only English, no attribution.", ARTICLE)) + "\n")
    report = IngestReport()
    docs = list(read_articles([f], report=report))
    assert len(docs) == 3
    assert (report.docs_without_greek, report.docs_without_tweets, report.other_paragraphs) == (1, 2, 1)
    assert "3 document(s)" in report.summary()


def test_missing_path_and_unmatched_glob(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        list(read_articles([str(tmp_path / "nope.txt")]))
    with pytest.raises(InputError, match="no files match"):
        list(read_articles([str(tmp_path / "*.txt")]))


def test_tweet_with_only_an_attribution_is_counted_not_kept(tmp_path: Path) -> None:
    f = write(tmp_path / "t.txt", "— Desk (@desk) July 18, 2024\nFire reaches homes — Desk (@desk) July 18, 2024\n")
    report = IngestReport()
    tweets = list(read_tweets([f], report=report))
    assert [t.text for t in tweets] == ["Fire reaches homes"]
    assert (report.tweets, report.empty_tweets) == (1, 1)
    assert "1 tweet(s) without text (blank, or only an attribution) skipped" in report.summary()


# ---- issue 15: .json read as records, CSV on stdin, fields checked, ids unique ------------------

TWEETS = [{"id": "1", "text": "Earthquake hits Crete, buildings damaged", "handle": "desk"},
          {"text": "Ferry strike in Piraeus today", "created_at": "2024-07-18"}]


def stdin(monkeypatch: pytest.MonkeyPatch, data: str | bytes) -> None:
    """Standard input holding ``data`` (the readers read ``sys.stdin.buffer``)."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))


def test_pretty_printed_json_array_is_records_not_lines(tmp_path: Path) -> None:
    f = write(tmp_path / "t.json", json.dumps(TWEETS, indent=2))
    tweets = list(read_tweets([f]))
    assert [(t.id, t.doc_id, t.text, t.handle, t.date) for t in tweets] == [
        ("1", "1", "Earthquake hits Crete, buildings damaged", "desk", None),
        ("t.json:2:t0", "t.json:2", "Ferry strike in Piraeus today", None, "2024-07-18")]
    g = write(tmp_path / "g.json", json.dumps([{"text": "Σεισμός στην Κρήτη. Ζημιές."}, {"id": 5, "text": "Απεργία."}],
                                              indent=1, ensure_ascii=False))
    assert [s.id for s in read_statements([g])] == ["g.json:1:p0s0", "g.json:1:p0s1", "5"]
    a = write(tmp_path / "a.json", json.dumps([{"id": "x", "text": ARTICLE}, {"text": ARTICLE, "date": "2024-07-19"}]))
    assert [(d.id, d.date) for d in read_articles([a])] == [("x", "2024-07-18"), ("a.json:2", "2024-07-19")]


def test_bad_item_of_a_json_array_is_reported_with_its_line(tmp_path: Path) -> None:
    f = write(tmp_path / "t.json", json.dumps([TWEETS[0], {"text": "ok", "handle": ["a", "b"]}], indent=2))
    with pytest.raises(InputError, match=rf'^{f}:7: "handle" is a list, not a string'):
        list(read_tweets([f]))
    report = IngestReport()
    assert [t.id for t in read_tweets([f], report=report, skip_bad_lines=True)] == ["1"]
    assert report.bad_lines == 1


def test_twitter_v2_page_fills_handle_and_author_from_includes(tmp_path: Path) -> None:
    page = {"data": [{"id": "101", "text": "Storm hits Thessaly", "author_id": "7", "created_at": "2023-09-05T10:00:00.000Z"},
                     {"id": "102", "text": "Floods in Volos tonight", "author_id": "8"}],
            "includes": {"users": [{"id": "7", "username": "meteo", "name": "Meteo Desk"}]},
            "meta": {"result_count": 2}}
    f = write(tmp_path / "page.json", json.dumps(page))
    got = [(t.id, t.handle, t.author, t.date) for t in read_tweets([f])]
    assert got == [("101", "meteo", "Meteo Desk", "2023-09-05T10:00:00+00:00"), ("102", None, None, None)]
    # twarc writes one such page per line of JSONL
    j = write(tmp_path / "twarc.jsonl", json.dumps(page) + "\n" + json.dumps({"data": {"text": "One more tweet here"}}) + "\n")
    assert [(t.id, t.handle) for t in read_tweets([j])] == [("101", "meteo"), ("102", None), ("twarc.jsonl:2:1:t0", None)]
    report = IngestReport()
    assert list(read_tweets([write(tmp_path / "none.json", '{"meta": {"result_count": 0}}')], report=report)) == []
    assert report.empty_files == 1


def test_one_object_per_json_file(tmp_path: Path) -> None:
    t = write(tmp_path / "tweet.json", json.dumps({"text": "Fire near Athens", "user": {"screen_name": "desk", "name": "Desk"}}))
    assert [(x.id, x.handle, x.author) for x in read_tweets([t])] == [("tweet.json:t0", "desk", "Desk")]
    a = write(tmp_path / "article.json", json.dumps({"text": ARTICLE}))
    assert [d.id for d in read_articles([a])] == ["article.json"]


@pytest.mark.parametrize("content, message", [
    ('{"description": "labels", "same_event": {}}', "not a JSON array of records, a Twitter API v2 page"),
    ('"just a string"', "not a JSON array of records"),
    ('[{"text": "a"},\n {"text": "b"', "malformed JSON"),
])
def test_json_of_another_shape_is_refused(tmp_path: Path, content: str, message: str) -> None:
    f = write(tmp_path / "x.json", content)
    for read in (read_articles, read_statements, read_tweets):
        with pytest.raises(InputError, match=message) as exc:
            list(read([f], skip_bad_lines=True))
        assert "\n" not in str(exc.value) and str(exc.value).startswith(f)


def test_json_and_csv_on_stdin_are_recognised(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, json.dumps(TWEETS, indent=2))
    assert [t.id for t in read_tweets(["-"])] == ["1", "stdin:2:t0"]
    stdin(monkeypatch, 'id,full_text\n7,"Earthquake hits Crete, buildings damaged"\n')
    assert [(t.id, t.text) for t in read_tweets(["-"])] == [("7", "Earthquake hits Crete, buildings damaged")]
    stdin(monkeypatch, "[BREAKING] Earthquake hits Crete\nyes, I think so\n")  # text stays text
    assert [t.text for t in read_tweets(["-"])] == ["[BREAKING] Earthquake hits Crete", "yes, I think so"]
    stdin(monkeypatch, "id,body\n1,Earthquake hits Crete\n")
    with pytest.raises(InputError, match=r"^<stdin>:1: this reads as a CSV header without a 'text'"):
        list(read_tweets(["-"]))


def test_csv_quote_left_open_is_reported_with_its_line(tmp_path: Path) -> None:
    f = write(tmp_path / "t.csv", 'id,text\n1,"Earthquake hits Crete\n2,Ferry strike in Piraeus\n3,"Storm", now\n4,Fire near Athens\n')
    with pytest.raises(InputError, match=rf"^{f}:2: malformed CSV from here to line 4"):
        list(read_tweets([f]))
    report = IngestReport()
    assert [t.id for t in read_tweets([f], report=report, skip_bad_lines=True)] == ["4"]
    assert report.bad_lines == 1 and report.warnings[0].startswith(f"{f}:2: malformed CSV")
    open_to_the_end = write(tmp_path / "u.csv", 'id,text\n1,ok then\n2,"never closed\n3,lost\n')
    with pytest.raises(InputError, match=rf"^{open_to_the_end}:3: malformed CSV from here to line 4"):
        list(read_tweets([open_to_the_end]))


def test_csv_row_with_another_number_of_fields(tmp_path: Path) -> None:
    f = write(tmp_path / "g.csv", 'id,text\n1,"Σεισμός στην Κρήτη",extra\n2,Απεργία\n')
    with pytest.raises(InputError, match=rf"^{f}:2: 3 field\(s\) where the header has 2"):
        list(read_statements([f]))


@pytest.mark.parametrize("record, message", [
    ({"text": "ok", "handle": ["a"]}, '"handle" is a list, not a string'),
    ({"text": "ok", "author": 12}, '"author" is a number, not a string'),
    ({"text": "ok", "user": {"screen_name": "x", "name": 5}}, '"user.name" is a number, not a string'),
    ({"text": "ok", "username": {"a": 1}}, '"username" is an object, not a string'),
    ({"text": "ok", "id": 1.5}, '"id" is a number, not a string or an integer'),
    ({"text": "ok", "id": True}, '"id" is true/false, not a string or an integer'),
    ({"text": ["ok"]}, '"text" is a list, not a string'),
])
def test_fields_of_the_wrong_type_are_bad_lines(tmp_path: Path, record: dict, message: str) -> None:
    f = write(tmp_path / "t.jsonl", json.dumps(TWEETS[0]) + "\n" + json.dumps(record) + "\n")
    with pytest.raises(InputError) as exc:
        list(read_tweets([f]))
    assert str(exc.value).startswith(f"{f}:2: {message}")
    report = IngestReport()
    assert len(list(read_tweets([f], report=report, skip_bad_lines=True))) == 1 and report.bad_lines == 1


def test_integer_ids_and_names_come_out_as_strings(tmp_path: Path) -> None:
    f = write(tmp_path / "t.jsonl", json.dumps({"id": 1479000000000000001, "text": "Fire near Athens tonight",
                                                "user": {"screen_name": "desk", "name": "Desk"}}) + "\n")
    (t,) = read_tweets([f])
    assert (t.id, t.doc_id, t.handle, t.author) == ("1479000000000000001", "1479000000000000001", "desk", "Desk")


@pytest.mark.parametrize("value, expected", [
    ("2024-13-45", None), ({"y": 2024}, None), ([2024], None), ("soon", None),
    (1539202764, "2018-10-10T20:19:24+00:00"), ("Wed Oct 10 20:19:24 +0000 2018", "2018-10-10T20:19:24+00:00"),
    ("2024-07-18", "2024-07-18"),
])
def test_dates_are_parsed_or_left_out_and_counted(tmp_path: Path, value: object, expected: str | None) -> None:
    f = write(tmp_path / "t.jsonl", json.dumps({"text": "Fire near Athens", "created_at": value}) + "\n"
              + json.dumps({"text": "Fire near Patras", "created_at": value}) + "\n")
    report = IngestReport()
    assert [t.date for t in read_tweets([f], report=report)] == [expected, expected]
    assert report.bad_dates == (0 if expected else 2)
    if not expected:
        assert len(report.warnings) == 1 and report.warnings[0].startswith(f"{f}:1: created_at ")
        assert "2 unreadable date(s) left out" in report.summary()
    g = write(tmp_path / "g.csv", f"text,date\nΣεισμός στην Κρήτη,{value if isinstance(value, str) else ''}\n")
    report = IngestReport()
    assert [s.date for s in read_statements([g], report=report)] == [expected if isinstance(value, str) else None]


def test_article_with_an_impossible_date(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", json.dumps({"text": ARTICLE, "date": "2024-02-30"}) + "\n")
    report = IngestReport()
    (doc,) = read_articles([f], report=report)
    assert doc.date == "2024-07-18" and report.bad_dates == 1  # the article's own date token is used


def test_lone_surrogate_is_refused_or_replaced(tmp_path: Path) -> None:
    f = write(tmp_path / "t.jsonl", '{"text": "Fire \\ud83d near Athens"}\n')
    with pytest.raises(InputError, match=rf"^{f}:1: a string holds half of a surrogate pair"):
        list(read_tweets([f]))
    report = IngestReport()
    assert [t.text for t in read_tweets([f], report=report, errors="replace")] == ["Fire \ufffd near Athens"]
    assert report.replaced_bytes == 1


def test_v11_streaming_extended_tweet_gives_the_whole_text(tmp_path: Path) -> None:
    whole = "Fire near Athens: residents of three villages evacuated as the wind turns " * 3
    f = write(tmp_path / "t.jsonl", json.dumps({"id_str": "9", "text": whole[:140] + "…", "truncated": True,
                                                "extended_tweet": {"full_text": whole}}) + "\n")
    assert [t.text for t in read_tweets([f])] == [whole.strip()]


def test_same_file_name_in_two_folders_gets_two_doc_ids(tmp_path: Path) -> None:
    a = write(tmp_path / "a" / "report.txt", ARTICLE)
    b = write(tmp_path / "b" / "report.txt", ARTICLE)
    docs = list(read_articles([a, b]))
    assert [d.id for d in docs] == ["a/report.txt", "b/report.txt"]
    statements = [s for d in docs for s in d.statements]
    tweets = [t for d in docs for t in d.tweets]
    assert len({pair_id(t.id, s.id) for t in tweets for s in statements}) == len(tweets) * len(statements) == 8
    assert [d.id for d in read_articles([str(tmp_path / "a"), str(tmp_path / "b")])] == ["a/report.txt", "b/report.txt"]
    ga = write(tmp_path / "a" / "g.txt", "Σεισμός στην Κρήτη.\n")
    gb = write(tmp_path / "b" / "g.txt", "Σεισμός στην Κρήτη.\n")
    assert [s.id for s in read_statements([ga, gb])] == ["a/g.txt:1:p0s0", "b/g.txt:1:p0s0"]
    # no collision: ids as they always were
    assert [d.id for d in read_articles([a])] == ["report.txt"]
    assert [d.id for d in read_articles([str(tmp_path / "a")])] == ["g.txt", "report.txt"]


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    a = write(tmp_path / "a" / "report.txt", ARTICLE)
    report = IngestReport()
    assert [d.id for d in read_articles([str(tmp_path / "a"), a], report=report)] == ["report.txt"]
    assert report.warnings == [f"{a}: named more than once, read once"]


def test_examples_keep_the_ids_their_labels_use() -> None:
    labels = json.loads((EXAMPLES / "same_event.json").read_text(encoding="utf-8"))["same_event"]
    units = {u.id for d in read_articles([str(EXAMPLES)]) for u in (*d.statements, *d.tweets)}
    assert set(labels) <= units and {s for ids in labels.values() for s in ids} <= units


def test_shared_own_ids_are_made_unique_and_counted(tmp_path: Path) -> None:
    one = write(tmp_path / "one.csv", "id,text\n1,Earthquake hits Crete\n2,Ferry strike in Piraeus\n")
    two = write(tmp_path / "two.csv", "id,text\n1,Storm hits Thessaly\n2,Fire near Athens\n")
    report = IngestReport()
    tweets = list(read_tweets([one, two], report=report))
    assert [t.id for t in tweets] == ["1", "2", "1#2", "2#2"]
    assert len({pair_id(t.id, "s") for t in tweets}) == 4
    assert report.duplicate_ids == 2 and "2 duplicate id(s) made unique" in report.summary()
    assert report.warnings == [f"{two}:2: id '1' was used before, renamed '1#2' (any more in this file are only counted)"]
    g1 = write(tmp_path / "g1.jsonl", json.dumps({"id": 1, "text": "Σεισμός."}) + "\n")
    g2 = write(tmp_path / "g2.jsonl", json.dumps({"id": "1", "text": "Απεργία."}) + "\n")
    assert [s.id for s in read_statements([g1, g2])] == ["1", "1#2"]
    c1 = write(tmp_path / "c1.jsonl", json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    c2 = write(tmp_path / "c2.jsonl", json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    docs = list(read_articles([c1, c2]))
    assert [d.id for d in docs] == ["a", "a#2"] and docs[1].tweets[0].id == "a#2:t0"
    # one report per run: statements and tweets are separate kinds, so "1" may name one of each
    report = IngestReport()
    statements, tweets = read_statements([g1], report=report), read_tweets([one], report=report)
    assert [s.id for s in statements] == ["1"] and [t.id for t in tweets][0] == "1"
    assert report.duplicate_ids == 0


def test_real_twitter_exports_as_json_and_twarc_pages() -> None:
    root = require_shared_data("web_fixtures") / "twitter"
    v2 = root / "api_v2" / "sfm_v2_search_recent_response.json"
    page = json.loads(v2.read_text(encoding="utf-8"))
    users = {u["id"]: (u["username"], u["name"]) for u in page["includes"]["users"]}
    tweets = list(read_tweets([str(v2)], include_non_english=True))
    assert [(t.id, t.handle, t.author) for t in tweets] == [(d["id"], *users[d["author_id"]]) for d in page["data"]]
    v11 = root / "api_v1.1" / "twitter-to-sqlite_tweets.json"  # a pretty-printed array
    records = json.loads(v11.read_text(encoding="utf-8"))
    tweets = list(read_tweets([str(v11)], include_non_english=True))
    top = {r["id_str"] for r in records}  # each followed by the tweet it retweets or quotes (issue 11)
    assert [(t.id, t.handle) for t in tweets if t.id in top] == [(r["id_str"], r["user"]["screen_name"]) for r in records]
    assert [t.id for t in tweets if t.id not in top] == [r[k]["id_str"] for r in records
                                                         for k in ("retweeted_status", "quoted_status") if k in r]
    twarc = sorted((root / "api_v2").glob("twarc-*.jsonl"))
    expected = [d["id"] for f in twarc for line in f.read_text(encoding="utf-8").splitlines() if line.strip()
                for d in json.loads(line)["data"]]
    report = IngestReport()
    got = list(read_tweets([str(f) for f in twarc], report=report, include_non_english=True))
    ids = [t.id for t in got]  # a tweet quoted before its own record comes is read there, once
    assert len(ids) == len(set(ids)) and set(expected) <= set(ids) and all(t.handle and t.author and t.date for t in got)
    assert report.bad_lines == report.duplicate_ids == 0


@pytest.mark.parametrize("what, where, error, warning, counted", [
    ("line", {"line": 3}, "f.jsonl:3: broken; fix it or use --skip-bad-lines", "f.jsonl:3: broken, skipped",
     "bad_lines"),
    ("page", {"offset": 9}, "f.jsonl (byte 9): broken", "f.jsonl (byte 9): broken, skipped", "bad_records"),
    ("page", {}, "f.jsonl: broken", "f.jsonl: broken, skipped", "bad_records"),
    ("rest", {"line": 3}, "f.jsonl:3: broken; the file is cut short or damaged (--skip-bad-lines keeps what "
     "comes before)", "f.jsonl:3: broken, skipped with the rest of the file", "bad_records"),
])
def test_one_policy_refuses_or_counts_and_skips(what, where: dict, error: str, warning: str, counted: str) -> None:
    """Every reader refuses unusable input, or with --skip-bad-lines counts and skips it, through
    one function: the message is the same either way, only the hint and the count differ."""
    from aligner.readers.bad_input import refuse_or_skip
    from aligner.readers.sources import Source

    src = Source("f.jsonl", "f.jsonl", Path("f.jsonl"), ".jsonl")
    with pytest.raises(InputError) as exc:
        refuse_or_skip(src, "broken", False, IngestReport(), what, **where)
    assert str(exc.value) == error
    report = IngestReport()
    refuse_or_skip(src, "broken", True, report, what, **where)
    assert report.warnings == [warning] and getattr(report, counted) == 1
    assert report.bad_lines + report.bad_records == 1


def test_input_that_stops_being_read_on_says_so_without_calling_it_damaged() -> None:
    from aligner.readers.bad_input import refuse_or_skip
    from aligner.readers.sources import Source

    src = Source("f.jsonl.gz", "f.jsonl.gz", Path("f.jsonl.gz"), ".jsonl", ".gz")
    with pytest.raises(InputError, match=r"^f\.jsonl\.gz \(byte 5\): not read on: big "
                                         r"\(--skip-bad-lines keeps what comes before\)$"):
        refuse_or_skip(src, "not read on: big", False, IngestReport(), "rest", offset=5)
