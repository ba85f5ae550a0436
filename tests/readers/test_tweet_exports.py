"""Tweet collections as the tools that collect them write them (issue 11): Twitter/X archives'
tweets.js, API v2 pages with includes.tweets, v1.1 retweets and quotes; one tweet per tweet id."""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import require_shared_data
from typer.testing import CliRunner

from aligner.cli import app
from aligner.errors import InputError
from aligner.readers import IngestReport, read_articles, read_tweets

runner = CliRunner()


def fixture(relative: str) -> Path:
    return require_shared_data("web_fixtures") / "twitter" / relative


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---- Twitter/X archives: tweets.js -------------------------------------------------------------

def test_archive_tweets_js_real_export() -> None:
    report = IngestReport()
    tweets = list(read_tweets([str(fixture("archive_tweets_js/community-archive_mock_tweets.js"))], report=report))
    # hand count: 7 tweets, their ids, and the first one's text, date and language
    assert [t.id for t in tweets] == ["1627031510963441664", "1627019761950375936", "1626922779105759235",
                                      "1626908498134020098", "1626902980006932483", "1626871062343327744",
                                      "1626745546156257281"]
    assert tweets[0].date == "2023-02-18T19:45:15+00:00" and tweets[0].lang == "en"
    assert tweets[0].text.startswith("Another lesson is: there's a lot of trash")
    assert tweets[0].handle is None  # the archive's owner is named in account.js, not here
    assert report.files == 1 and report.tweets == 7 and report.bad_lines == 0


def test_archive_with_retweets_and_no_final_newline() -> None:
    tweets = list(read_tweets([str(fixture("archive_tweets_js/clio_tweets.js"))]))
    assert [(t.id, t.text.split(":")[0], t.date[:10]) for t in tweets] == [
        ("156", "RT @A_Very_Important_Person", "2022-09-10"), ("115", "RT @fakecamelcase", "2019-08-02"),
        ("123", "RT @businesscat", "2020-03-13")]


def test_archive_variants_and_lines_of_bad_items(tmp_path: Path) -> None:
    item = {"tweet": {"id_str": "1627031510963441664", "full_text": "Storm floods Volos streets", "lang": "en",
                      "created_at": "Sat Feb 18 19:45:15 +0000 2023"}}
    older = write(tmp_path / "tweet.js", "window.YTD.tweet.part0 = " + json.dumps([item], indent=2) + ";\n")
    assert [t.id for t in read_tweets([older])] == ["1627031510963441664"]
    bad = write(tmp_path / "tweets.js", "window.YTD.tweets.part0 = [\n" + json.dumps(item) + ",\n"
                + json.dumps({"tweet": {"id_str": "2", "full_text": 5}}) + "\n]")
    with pytest.raises(InputError, match=rf'^{bad}:3: "full_text" is a number, not a string'):
        list(read_tweets([bad]))


def test_archive_without_its_prefix_is_one_line_and_exit_2(tmp_path: Path) -> None:
    plain = write(tmp_path / "tweets.js", json.dumps([{"tweet": {"id_str": "1", "full_text": "hello there"}}]))
    with pytest.raises(InputError, match=rf'^{plain}:1: not a Twitter archive file: it does not start with '
                                         r'"window\.YTD\.tweets\.part0 = \["'):
        list(read_tweets([plain]))
    result = runner.invoke(app, ["inspect", "--english", plain])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f'error: {plain}:1: not a Twitter archive file: it does not start with "window.YTD.tweets.part0 = [" '
        "(a file of plain JSON is read as .json)"]
    with pytest.raises(InputError, match="holds tweets, not articles: give it with --english"):
        list(read_articles([plain]))


# ---- v1.1: retweets, quotes, extended tweets ---------------------------------------------------

def test_v11_retweet_reads_the_originals_whole_text_and_marks_it() -> None:
    path = fixture("api_v1.1/python-twitter_retweeted_status.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    original = record["retweeted_status"]
    whole = original["extended_tweet"]["full_text"] if "extended_tweet" in original else original.get(
        "full_text", original["text"])
    retweet, source = list(read_tweets([str(path)]))
    assert retweet.id == record["id_str"] and retweet.handle == record["user"]["screen_name"]
    assert retweet.text == f"RT @{original['user']['screen_name']}: {whole}".strip()
    assert retweet.raw == record["text"] and record["text"].endswith("…")  # its own text was cut
    assert source.id == original["id_str"] and source.handle == "xodanix3" and source.text == whole.strip()


def test_v11_quote_and_the_quoted_tweet() -> None:
    path = fixture("api_v1.1/python-twitter_quoted_status.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    quote, quoted = list(read_tweets([str(path)]))
    assert (quote.id, quote.handle) == (record["id_str"], record["user"]["screen_name"])
    assert (quoted.id, quoted.handle) == (record["quoted_status"]["id_str"], "kylesethgray")


def test_v11_streaming_extended_tweet_is_read_whole() -> None:
    path = fixture("api_v1.1/python-twitter_streaming_extended_tweet.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    [tweet] = list(read_tweets([str(path)], include_non_english=True))
    assert tweet.text == html.unescape(record["extended_tweet"]["full_text"]).strip()
    assert len(tweet.text) > len(record["text"])


# ---- v2: includes.tweets -----------------------------------------------------------------------

def test_v2_retweet_gets_the_full_text_from_includes() -> None:
    path = fixture("api_v2/twarc-csv_mentions_tweet.jsonl")
    page = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    [item] = page["data"]
    original = next(t for t in page["includes"]["tweets"] if t["id"] == item["referenced_tweets"][0]["id"])
    retweet, source = list(read_tweets([str(path)]))
    assert item["text"].endswith("…") and retweet.text == f"RT @S3NT1N3L17: {original['text']}".strip()
    assert (retweet.id, retweet.handle, retweet.raw) == (item["id"], "BaldManGamer", item["text"])
    assert (source.id, source.handle) == (original["id"], "S3NT1N3L17")


def test_v2_quote_reads_the_quoted_tweet_not_the_replied_to() -> None:
    path = fixture("api_v2/twarc-csv_quoted_edit.jsonl")
    page = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    refs = {r["type"]: r["id"] for r in page["data"][0]["referenced_tweets"]}
    assert set(refs) == {"quoted", "replied_to"}
    assert [t.id for t in read_tweets([str(path)], include_non_english=True)] == [page["data"][0]["id"], refs["quoted"]]


def test_brexit_page_hand_counts() -> None:
    """100 tweets: 67 retweets and 11 quotes of 46 distinct tweets not otherwise in the page; the
    other 32 references repeat a tweet read before. Languages are Twitter's own, "und" guessed."""
    path = fixture("api_v2/twarc-csv_brexit_100tweets.jsonl")
    report = IngestReport()
    tweets = list(read_tweets([str(path)], report=report, include_non_english=True))
    assert len(tweets) == 146 and len({t.id for t in tweets}) == 146
    assert report.duplicate_tweets == 32 and report.tweets == 146 and report.duplicate_ids == 0
    assert Counter(t.lang for t in tweets) == {"en": 138, "de": 4, "other": 3, "es": 1}
    assert sum(t.text.startswith("RT @") for t in tweets) == 67  # the retweets, each its original whole
    cut = [t for t in tweets if t.raw.startswith("RT @") and t.raw.endswith("…")]  # Twitter cut their own text
    assert len(cut) == 52 and all(len(t.text) > len(t.raw) for t in cut)


# ---- one tweet per tweet id --------------------------------------------------------------------

def test_same_tweet_id_in_two_files_is_one_tweet_but_own_ids_stay_unique(tmp_path: Path) -> None:
    v2 = {"id": "1478999999999999999", "text": "Troops clash in Almaty, shots heard", "author_id": "7"}
    a = write(tmp_path / "a.jsonl", json.dumps(v2) + "\n")
    b = write(tmp_path / "b.jsonl", json.dumps(v2) + "\n" + json.dumps({"id": "1", "text": "Our own tweet one"}) + "\n")
    c = write(tmp_path / "c.jsonl", json.dumps({"id": "1", "text": "Another own tweet one"}) + "\n")
    report = IngestReport()
    assert [t.id for t in read_tweets([a, b, c], report=report)] == ["1478999999999999999", "1", "1#2"]
    assert report.duplicate_tweets == 1 and report.duplicate_ids == 1
    assert "1 tweet(s) read before (same tweet id) left out" in report.summary()
