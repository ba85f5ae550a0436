"""`aligner inspect`: table and JSONL output, and every bad-input case as one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared
from typer.testing import CliRunner

from aligner.cli import app
from aligner.documents import Tweet
from aligner.inspect import table_row

runner = CliRunner()


def invoke(*args: str, input: bytes | str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_inspect_seed_jsonl() -> None:
    seed = require_shared("seeds/000_7a4eea344678cd8c.txt")
    result = invoke("inspect", "--jsonl", str(seed))
    assert result.exit_code == 0, result.output
    units = [json.loads(line) for line in result.stdout.splitlines()]
    tweets = [u for u in units if u["kind"] == "tweet"]
    statements = [u for u in units if u["kind"] == "statement"]
    assert [t["handle"] for t in tweets] == ["atlantikfedaisi", "malaymail", "RobTheRich0001", "RT_com"]
    assert tweets[0]["author"] == "Churchill 🇰🇿" and tweets[0]["urls"] == ["pic.twitter.com/q9y1Q3MGNp"]
    assert len(statements) == 14 and all(u["lang"] == "el" for u in statements)
    assert {"kind", "id", "doc_id", "text", "lang"} <= set(statements[0])
    assert "read 1 file(s), 1 document(s), 14 statement(s), 4 tweet(s)" in result.stderr


def test_inspect_table_on_examples() -> None:
    result = invoke("inspect", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["KIND", "ID", "LANG", "TEXT"]
    assert any(line.startswith("tweet") and "@" in line for line in lines)
    assert any(line.startswith("statement") for line in lines)


def test_inspect_streams_and_stdin(tmp_path: Path) -> None:
    greek = tmp_path / "g.txt"
    greek.write_text("Πρώτη. Δεύτερη.\n", encoding="utf-8")
    result = invoke("inspect", "--jsonl", "--greek", str(greek), "--english", "-",
                    input="Fire near Athens — Desk (@desk) July 18, 2024\nΕλληνικό τουίτ\n")
    assert result.exit_code == 0, result.output
    units = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(u["kind"], u["id"]) for u in units] == [("statement", "g.txt:1:p0s0"), ("statement", "g.txt:1:p0s1"),
                                                     ("tweet", "stdin:1:t0")]
    assert "--include-non-english" in result.stderr
    result = invoke("inspect", "--jsonl", "--include-non-english", "--english", "-", input="Ελληνικό τουίτ\n")
    assert json.loads(result.stdout)["lang"] == "el"


@pytest.mark.parametrize("name, content, args, message", [
    ("bad.txt", b"\xce\xb1\xff", [], "bad.txt (byte 2): not valid UTF-8 (byte 0xff)"),
    ("c.jsonl", b'{"text": "\xce\xb1"}\n{oops\n', [], "c.jsonl:2: malformed JSON"),
    ("c.jsonl", b'{"no_text": 1}\n', [], 'c.jsonl:1: not a JSON object with a "text"'),
    ("t.csv", b"id,body\n1,x\n", ["--english"], "t.csv:1: no 'text' or 'full_text' column"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, name: str, content: bytes, args: list[str],
                                          message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = invoke("inspect", *args, str(path))
    assert result.exit_code == 2  # (units read before the bad line may already be on stdout: we stream)
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and message in line
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    (["nope.txt"], "nope.txt: no such file or directory"),
    ([], "nothing to read"),
    (["--encoding-errors", "ignore", "x"], "--encoding-errors must be"),
])
def test_user_mistakes_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("inspect", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_options_that_repair_and_count(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes("Η φωτιά ".encode() + b"\xff" + " έσβησε.".encode())
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    lines = tmp_path / "c.jsonl"
    lines.write_text('{"text": "Μια πρόταση."}\nnot json\n', encoding="utf-8")
    result = invoke("inspect", "--encoding-errors", "replace", "--skip-bad-lines", str(bad), str(empty), str(lines))
    assert result.exit_code == 0, result.output
    assert f"warning: {empty}: empty file, skipped" in result.stderr
    assert f"warning: {lines}:2: malformed JSON" in result.stderr
    assert "1 empty file(s) skipped" in result.stderr and "1 bad line(s) skipped" in result.stderr
    assert "1 undecodable byte(s) replaced" in result.stderr


def test_inspect_escapes_terminal_control_codes():
    row = table_row(Tweet(id="t", doc_id="d", text="hi \x1b]0;title\x07 \x1b[2J", lang="en", handle="h"))
    assert "\x1b" not in row and "\x07" not in row and "\\x1b]0;title\\x07" in row
