"""Compressed inputs for every reader (issue 11): .gz, .bz2, .xz and .zst, by suffix or, on
standard input, by their first bytes; cut or damaged data is one line with its place."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz_readers import read_all
from test_html import example_pages
from typer.testing import CliRunner

from aligner.cli import app
from aligner.errors import InputError
from aligner.readers import IngestReport, read_articles, read_statements, read_tweets
from aligner.readers.compressed import open_input, split_suffix

runner = CliRunner()
COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress,
    ".zst": lambda data: zstandard.ZstdCompressor().compress(data)}
TWEETS = "".join(json.dumps({"id": str(n), "text": f"Earthquake report number {n} from Crete"}) + "\n"
                 for n in range(1, 2001))


def compressed(path: Path, data: bytes, suffix: str) -> Path:
    target = path.with_name(path.name + suffix)
    target.write_bytes(COMPRESS[suffix](data))
    return target


def test_split_suffix() -> None:
    assert split_suffix("a/tweets.jsonl.GZ") == (".jsonl", ".gz")
    assert split_suffix("crawl.warc.zst") == (".warc", ".zst")
    assert split_suffix("notes.txt") == (".txt", "")
    assert split_suffix("archive.gz") == ("", ".gz")


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_every_format_reads_the_same_compressed(tmp_path: Path, suffix: str) -> None:
    plain = {
        "t.jsonl": TWEETS.encode(),
        "t.csv": b"id,text\n1,Ferry strike in Piraeus today\n2,Storm floods Volos\n",
        "t.json": json.dumps([{"text": "Fire near Athens spreads"}]).encode(),
        "g.txt": "Πρώτη πρόταση. Δεύτερη πρόταση.\nΤρίτη.\n".encode(),
    }
    for name, data in plain.items():
        (tmp_path / name).write_bytes(data)
        packed = compressed(tmp_path / name, data, suffix)
        read = read_statements if name.startswith("g") else read_tweets
        got = [(u.id.replace(f"{name}{suffix}", name), u.text) for u in read([str(packed)])]
        assert got == [(u.id, u.text) for u in read([str(tmp_path / name)])] and got
    article = (EXAMPLES / "earthquake_crete.txt").read_bytes()
    [doc] = list(read_articles([str(compressed(tmp_path / "quake.txt", article, suffix))]))
    assert doc.id == f"quake.txt{suffix}" and len(doc.statements) == 9 and len(doc.tweets) == 3
    [page] = example_pages(tmp_path / "pages")[:1]
    [doc] = list(read_articles([str(compressed(page, page.read_bytes(), suffix))]))
    assert len(doc.statements) == 9 and [t.handle for t in doc.tweets][0] == "quakenotes_med"


def test_directories_take_compressed_files_by_their_inner_suffix(tmp_path: Path) -> None:
    article = (EXAMPLES / "earthquake_crete.txt").read_bytes()
    compressed(tmp_path / "a.txt", article, ".gz")
    compressed(tmp_path / "b.txt", article, ".zst")
    (tmp_path / "c.bin.gz").write_bytes(gzip.compress(b"\x00\x01"))  # not a format we read: left alone
    assert [d.id for d in read_articles([str(tmp_path)])] == ["a.txt.gz", "b.txt.zst"]


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_standard_input_is_recognised_by_its_first_bytes(monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    data = COMPRESS[suffix](TWEETS.encode())
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert len(list(read_tweets(["-"]))) == 2000


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_cut_stream_is_one_line_with_its_place_or_skipped(tmp_path: Path, suffix: str) -> None:
    packed = COMPRESS[suffix](TWEETS.encode())
    cut = tmp_path / f"cut.jsonl{suffix}"
    cut.write_bytes(packed[:len(packed) * 2 // 3])
    with pytest.raises(InputError) as exc:
        list(read_tweets([str(cut)]))
    message = str(exc.value)
    assert message.startswith(f"{cut}:") and "damaged" in message and "\n" not in message
    line = int(message.split(":")[1])  # bz2 and zstd decompress whole blocks: theirs may be line 1
    assert 1 <= line <= 2000 and (line > 1 or suffix in (".bz2", ".zst"))
    report = IngestReport()
    kept = list(read_tweets([str(cut)], report=report, skip_bad_lines=True))
    assert len(kept) == line - 1 and report.bad_records == 1  # what came before the damage is kept
    assert report.warnings[-1].endswith("skipped with the rest of the file")


def test_cut_stream_exits_2_through_the_cli(tmp_path: Path) -> None:
    cut = tmp_path / "quake.txt.gz"
    cut.write_bytes(gzip.compress((EXAMPLES / "earthquake_crete.txt").read_bytes())[:200])
    out = tmp_path / "pairs.jsonl"
    result = runner.invoke(app, ["align", str(cut), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {cut}:") and "damaged gzip data" in line


def test_not_compressed_at_all(tmp_path: Path) -> None:
    fake = tmp_path / "t.jsonl.gz"
    fake.write_text('{"text": "not gzip"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{fake}:1: damaged gzip data \(Not a gzipped file"):
        list(read_tweets([str(fake)]))


def test_zstd_frames_one_after_another(tmp_path: Path) -> None:
    one = zstandard.ZstdCompressor().compress(b"first line\n")
    two = zstandard.ZstdCompressor().compress(b"second line\n")
    path = tmp_path / "two.txt.zst"
    path.write_bytes(one + two)
    with open_input(path, ".zst") as fh:
        assert fh.read() == b"first line\nsecond line\n"
    path.write_bytes(one + two[:-3])
    with open_input(path, ".zst") as fh, pytest.raises(EOFError, match="cut short"):
        fh.read()


# ---- anything at all, under every new suffix ---------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300) | st.sampled_from([gzip.compress(b"x" * 50)[:20], b"WARC/1.1\r\n\r\n",
                                                        b"window.YTD.tweets.part0 = [{", b"<html>\x00</html>"]),
       suffix=st.sampled_from([".html", ".warc", ".warc.gz", ".js", ".jsonl.gz", ".txt.bz2", ".csv.xz",
                               ".json.zst", ".html.gz"]),
       skip=st.booleans(), errors=st.sampled_from(["strict", "replace"]))
def test_random_bytes_under_new_suffixes(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str,
                                         skip: bool, errors: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    read_all(str(path), skip, errors)  # units of the right types, or one-line InputErrors: nothing else


def test_a_compression_bomb_is_refused_early_or_skipped(tmp_path):
    """100 MB of one byte in a few hundred kB of gzip: refused at the line where it passes 100
    times the compressed bytes read (after the first 64 MB), in one line; skipped with
    --skip-bad-lines, with what came before kept."""
    from aligner.readers.compressed import MAX_EXPANSION, MIN_EXPANDED

    bomb = tmp_path / "tweets.txt.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as handle:
        handle.write(b"Floods in Larissa after the storm, roads closed\n" + b"\0" * (MIN_EXPANDED + (36 << 20)))
    assert bomb.stat().st_size * MAX_EXPANSION < MIN_EXPANDED  # a real bomb, not a big file
    with pytest.raises(InputError, match="compression bomb"):
        list(read_tweets([str(bomb)], report=IngestReport()))
    report = IngestReport()
    tweets = list(read_tweets([str(bomb)], report=report, skip_bad_lines=True))
    assert [t.text for t in tweets] == ["Floods in Larissa after the storm, roads closed"] and report.bad_records == 1


def test_a_line_past_the_cap_is_one_line_or_skipped(tmp_path):
    from aligner.readers.lines import MAX_LINE

    tweets = tmp_path / "tweets.jsonl"
    tweets.write_text("".join(json.dumps({"text": t}) + "\n" for t in
                              ("Floods in Larissa after the storm", "x" * (MAX_LINE + 10), "Roads closed in Volos")))
    with pytest.raises(InputError, match=r"tweets.jsonl:2: a line longer than"):
        list(read_tweets([str(tweets)], report=IngestReport()))
    report = IngestReport()
    kept = list(read_tweets([str(tweets)], report=report, skip_bad_lines=True))
    assert [t.text for t in kept] == ["Floods in Larissa after the storm", "Roads closed in Volos"]
    assert report.bad_lines == 1
