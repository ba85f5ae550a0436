"""Nothing lost: outputs that never overwrite inputs, settings that check themselves, safe text."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aligner.annotation.export import write
from aligner.annotation.tasks import ExportOptions
from aligner.api import align
from aligner.cli import app
from aligner.documents import Tweet
from aligner.errors import InputError
from aligner.inspect import table_row
from aligner.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def one_line_error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.output)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


@pytest.fixture()
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("earthquake_crete.txt", "wildfire_attica.txt"):
        (folder / name).write_bytes((EXAMPLES / name).read_bytes())
    return folder


def test_outputs_that_would_destroy_or_feed_back_are_refused_before_reading(articles, tmp_path):
    article = articles / "earthquake_crete.txt"
    before = article.read_bytes()
    assert "is the input" in one_line_error(["align", str(article), "-o", str(article)])
    assert "inside the input folder" in one_line_error(["align", str(articles), "-o", str(articles / "p.jsonl")])
    assert "is a directory" in one_line_error(["align", str(article), "-o", str(tmp_path)])
    assert "does not exist" in one_line_error(["align", str(article), "-o", str(tmp_path / "no" / "p.jsonl")])
    # checked before any input is read: the missing input is not what is reported
    assert "does not exist" in one_line_error(["align", str(tmp_path / "missing.txt"), "-o",
                                               str(tmp_path / "no" / "p.jsonl")])
    pairs = tmp_path / "p.jsonl"
    pairs.write_text("{}\n")
    assert "is the input" in one_line_error(["export", str(pairs), "-f", "csv", "-o", str(pairs)])
    assert article.read_bytes() == before and pairs.read_text() == "{}\n"


def test_devices_and_pipes_are_written_through_not_replaced(tmp_path):
    records = [{"pair_id": "x"}]
    write(records, "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if os.path.exists("/dev/full"):
        with pytest.raises(InputError, match="No space left"):
            write(records, "/dev/full")
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write(records, str(fifo))
        assert os.read(reader, 1000) == b'{"pair_id": "x"}\n'
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_modes_symlinks_and_umask(tmp_path):
    records = [{"pair_id": "x"}]
    kept = tmp_path / "kept.jsonl"
    kept.write_text("old\n")
    kept.chmod(0o640)
    write(records, str(kept))
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() == '{"pair_id": "x"}\n'
    link = tmp_path / "link.jsonl"
    link.symlink_to(kept)
    write([{"pair_id": "y"}], str(link))
    assert link.is_symlink() and kept.read_text() == '{"pair_id": "y"}\n'
    old = os.umask(0o022)
    try:
        write(records, str(tmp_path / "new.jsonl"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.jsonl").stat().st_mode) == 0o644


@pytest.mark.parametrize("settings,message", [
    (dict(mode="some"), "mode must be one of"), (dict(scope="corpse"), "scope must be one of"),
    (dict(k=0), "k must be"), (dict(threshold=float("nan")), "threshold must be a finite"),
    (dict(threshold=float("inf")), "threshold must be a finite"), (dict(fdr=0), "fdr must be"),
    (dict(window_days=-1), "window must be"), (dict(min_precision=1.5), "min precision")])
def test_settings_check_themselves_on_construction(settings, message):
    with pytest.raises(InputError, match=message):
        Settings(**settings)


def test_bad_options_are_one_line_before_embedding():
    assert "--index 'Flat2': could not parse index string" in one_line_error(
        ["align", str(EXAMPLES), "--index", "Flat2", "-o", "-"])
    assert "4096 lists need at least as many rows" in one_line_error(
        ["align", str(EXAMPLES), "--index", "IVF4096,Flat", "-o", "-"])
    assert "threshold must be a finite" in one_line_error(["align", str(EXAMPLES), "--threshold", "nan"])
    assert "read once" in one_line_error(["align", "--greek", "-", "--english", "-"])


def test_csv_cells_are_formula_safe_unless_raw(tmp_path):
    pair = align([EXAMPLES]).records()[0]
    evil = dict(pair, english=dict(pair["english"], text='=HYPERLINK("http://x")', handle="@x"))

    def rows(name: str, raw_csv: bool = False) -> list[dict[str, str]]:
        write([evil], str(tmp_path / name), "csv", ExportOptions(raw_csv=raw_csv))
        return list(csv.DictReader(io.StringIO((tmp_path / name).read_text(encoding="utf-8"))))

    safe, raw = rows("safe.csv"), rows("raw.csv", raw_csv=True)
    assert safe[0]["english_text"] == "'=HYPERLINK(\"http://x\")" and safe[0]["english_handle"] == "'@x"
    assert raw[0]["english_text"] == '=HYPERLINK("http://x")'


def test_inspect_escapes_terminal_control_codes():
    row = table_row(Tweet(id="t", doc_id="d", text="hi \x1b]0;title\x07 \x1b[2J", lang="en", handle="h"))
    assert "\x1b" not in row and "\x07" not in row and "\\x1b]0;title\\x07" in row


def test_the_readme_annotation_loop_says_what_to_do(tmp_path):
    accepted_only = tmp_path / "pairs.jsonl"
    assert runner.invoke(app, ["align", str(EXAMPLES), "-o", str(accepted_only)]).exit_code == 0
    records = [json.loads(line) for line in accepted_only.read_text().splitlines()]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"pair_id": r["pair_id"], "label": "same_event"}) + "\n" for r in records))
    assert "--include-rejected" in one_line_error(["calibrate", str(accepted_only), "--gold", str(gold),
                                                   "-o", str(tmp_path / "c.json")])
    assert "Label Studio JSON export" in one_line_error(["evaluate", str(accepted_only), "--gold",
                                                         str(EXAMPLES / "same_event.json")])


def test_pair_ids_are_distinct_across_same_named_files(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_bytes((EXAMPLES / "storm_thessaly.txt").read_bytes())
    records = align([tmp_path / "a", tmp_path / "b"], settings=Settings(include_rejected=True)).records()
    assert len({r["pair_id"] for r in records}) == len(records) > 0


def test_records_say_how_the_run_decided_and_calibrations_check_it(tmp_path):
    result = align([EXAMPLES], settings=Settings(include_rejected=True))
    records = result.records()
    assert {json.dumps(r["decision"], sort_keys=True) for r in records} == {json.dumps(result.decision, sort_keys=True)}
    assert result.decision["threshold"] == round(result.stats.threshold.value, 6) and result.decision["k"] == 4
    from aligner.annotation.calibrate import fit_records
    from aligner.annotation.gold import Gold

    labels = {r["pair_id"]: "same_event" if r["accepted"] else "unrelated" for r in records}
    fit_records(records, Gold(labels)).save(str(tmp_path / "c.json"))
    with pytest.raises(InputError, match="k=4, this run uses k=8"):
        align([EXAMPLES], settings=Settings(k=8, calibration=str(tmp_path / "c.json"), min_precision=0.9))


def test_showing_more_near_misses_changes_no_score(tmp_path):
    few = align([EXAMPLES], settings=Settings(include_rejected=True, show=1))
    many = align([EXAMPLES], settings=Settings(include_rejected=True, show=10))
    assert len(many.pairs) > len(few.pairs)
    scores = {p.pair_id: (p.event_margin, p.margin, p.rank, p.accepted) for p in many.pairs}
    assert all(scores[p.pair_id] == (p.event_margin, p.margin, p.rank, p.accepted) for p in few.pairs)
    assert all(p.rank == 1 or p.accepted for p in few.pairs)


def test_excel_csv_starts_with_a_byte_order_mark(tmp_path):
    pair = align([EXAMPLES]).records()[0]
    write([pair], str(tmp_path / "plain.csv"), "csv")
    write([pair], str(tmp_path / "excel.csv"), "csv", ExportOptions(excel=True))
    assert (tmp_path / "excel.csv").read_bytes() == b"\xef\xbb\xbf" + (tmp_path / "plain.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "excel.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0]["greek_text"] == pair["greek"]["text"]
