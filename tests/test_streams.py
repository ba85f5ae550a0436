"""Separate streams and corpora: formats, stable ids, stdin-free paths, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aligner.errors import InputError
from aligner.readers import IngestReport, read_articles, read_statements, read_streams, read_tweets

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


def test_read_streams_is_lazy(tmp_path: Path) -> None:
    statements, tweets = read_streams([str(tmp_path / "missing.txt")], [str(tmp_path / "missing.jsonl")])
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
    assert "1 tweet(s) with no text but the attribution skipped" in report.summary()
