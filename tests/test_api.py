"""The main job end to end: the seed's targets, the JSONL contract, formats, determinism, errors."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from conftest import EXAMPLES, SEED, one_line_error, require_shared
from typer.testing import CliRunner

from aligner.api import align
from aligner.cli import app
from aligner.output.record import SCHEMA_PATH
from aligner.settings import Settings

runner = CliRunner()


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "pairs.jsonl"
    result = runner.invoke(app, ["align", str(EXAMPLES), "-o", str(out), "--include-rejected"])
    assert result.exit_code == 0, result.output
    return out, result


def test_seed_targets():
    require_shared("seeds")
    pairs = align([SEED]).pairs
    accepted = {(p.english.handle, p.greek.text) for p in pairs if p.accepted}
    assert ("malaymail", "Στρατιώτες και διαδηλωτές συγκρούονταν νωρίτερα σήμερα στην κύρια "
            "πλατεία της Αλμάτι.") in accepted
    assert not any(handle == "RobTheRich0001" for handle, _ in accepted)


def test_output_validates_against_the_schema(example_run):
    out, _ = example_run
    schema = json.loads(SCHEMA_PATH.read_text())
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records and any(r["accepted"] for r in records) and any(not r["accepted"] for r in records)
    for record in records:
        jsonschema.validate(record, schema)
    # rejected near-misses are each tweet's best k, ranks consecutive from 1
    by_tweet: dict[str, list[int]] = {}
    for r in records:
        by_tweet.setdefault(r["english"]["id"], []).append(r["scores"]["rank"])
    assert all(ranks == list(range(1, len(ranks) + 1)) for ranks in by_tweet.values())


def test_schema_file_is_generated_from_the_typed_record():
    from aligner.output.record import json_schema

    assert json.loads(SCHEMA_PATH.read_text()) == json_schema(), "run: python -m aligner.output.record > aligner/output/pair.schema.json"


def test_output_is_byte_identical_across_runs(example_run, tmp_path):
    out, _ = example_run
    again = tmp_path / "again.jsonl"
    assert runner.invoke(app, ["align", str(EXAMPLES), "-o", str(again), "--include-rejected"]).exit_code == 0
    assert again.read_bytes() == out.read_bytes()


def test_summary_goes_to_stderr_and_data_to_stdout():
    result = runner.invoke(app, ["align", str(EXAMPLES), "-o", "-"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines and all(json.loads(line)["accepted"] for line in lines)  # only accepted by default
    assert "accepted pairs" in result.stderr and "texts/s" in result.stderr


def test_examples_pair_the_tweets_written_to_match():
    records = align([EXAMPLES]).records()
    accepted = [r for r in records if r["accepted"]]
    handles = {r["english"]["handle"] for r in accepted}
    # each example has two tweets that report a stated event and one commentary tweet
    assert len(handles & {"aegeandesk_live", "hellaswirewatch", "quakenotes_med", "islandbulletin_gr",
                          "gr_travelalerts", "harbourwatch_ath", "thessaly_now_en", "balkanwxroom"}) >= 6, handles
    assert not handles & {"mirakostel_writes", "danf_travels_99", "sunnyside_sam_77", "lenawhitcombe_"}


@pytest.mark.parametrize("fmt", ["labelstudio", "prodigy", "csv"])
def test_annotation_formats(example_run, tmp_path, fmt):
    out, _ = example_run
    target = tmp_path / f"tasks.{fmt}"
    result = runner.invoke(app, ["export", str(out), "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    n = len(out.read_text().splitlines())
    if fmt == "labelstudio":
        tasks = json.loads(target.read_text())
        assert len(tasks) == n
        task = tasks[0]
        assert {"greek", "english", "pair_id", "event"} <= set(task["data"])
        # the annotator sees the texts, not the model's answer or scores
        assert "predictions" not in task and not {"accepted", "margin", "cosine"} & set(task["data"])
        config = target.with_suffix(".labelconfig.xml").read_text()
        for label in ("same_event", "related", "unrelated", "$greek", "$english"):
            assert label in config
        assert "$margin" not in config
        shown = tmp_path / "shown.json"
        assert runner.invoke(app, ["export", str(out), "-f", fmt, "-o", str(shown), "--predictions",
                                   "--show-scores"]).exit_code == 0
        task = json.loads(shown.read_text())[0]
        assert task["predictions"][0]["model_version"] and "score" not in task["predictions"][0]  # no probability
        assert {"margin", "event_margin"} <= set(task["data"]) and "$event_margin" in \
            shown.with_suffix(".labelconfig.xml").read_text()
    elif fmt == "prodigy":
        tasks = [json.loads(line) for line in target.read_text().splitlines()]
        assert len(tasks) == n and [o["id"] for o in tasks[0]["options"]] == ["same_event", "related", "unrelated"]
        assert set(tasks[0]["meta"]) == {"pair_id", "event"}  # nothing that leads the annotator
    else:
        rows = list(csv.DictReader(io.StringIO(target.read_text())))
        assert len(rows) == n and rows[0]["greek_text"] and rows[0]["english_text"]


def test_window_drops_pairs_far_apart_in_time(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(
        "date 2023-08-01 Ισχυρός σεισμός 6,1 Ρίχτερ έπληξε την Κρήτη το πρωί της Τρίτης.\n\n"
        "Strong 6.1 earthquake hits Crete on Tuesday morning — Quake Watch (@quakewatch) "
        "March 3, 2020\n", encoding="utf-8")
    assert align([article], settings=Settings(threshold=0)).pairs
    assert not align([article], settings=Settings(threshold=0, window_days=30)).pairs


def test_low_content_pairs_are_reported_not_accepted(tmp_path):
    article = tmp_path / "numbers.txt"
    article.write_text("Οι νεκροί έφτασαν τους 20.000 σύμφωνα με τις αρχές της χώρας.\n\n"
                       "20.000 — Counter (@counter) March 3, 2020\n", encoding="utf-8")
    settings = Settings(threshold=0, include_rejected=True, include_non_english=True)
    pairs = align([article], settings=settings).pairs
    assert pairs and all(not p.accepted and p.flags == ("low_content",) for p in pairs)


def test_bad_options_and_inputs_are_one_line_errors(tmp_path):
    out = tmp_path / "keep.jsonl"
    out.write_text("previous\n")
    cases = [
        ["align", str(EXAMPLES), "--mode", "some"],
        ["align", str(EXAMPLES), "--format", "xml"],
        ["align", "--greek", str(EXAMPLES / "nope.txt")],
        ["align", str(tmp_path / "missing.txt"), "-o", str(out)],
        ["export", str(tmp_path / "missing.jsonl"), "--format", "csv"],
    ]
    for args in cases:
        one_line_error(args)
    assert out.read_text() == "previous\n"  # a failed run leaves the old output untouched


def test_export_rejects_a_file_that_is_not_pairs(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"pair_id": "x", "scores": {}}\nnot json\n')
    result = runner.invoke(app, ["export", str(bad), "--format", "csv"])
    assert result.exit_code == 2 and f"{bad}:2" in result.stderr


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


def test_showing_more_near_misses_changes_no_score(tmp_path):
    few = align([EXAMPLES], settings=Settings(include_rejected=True, show=1))
    many = align([EXAMPLES], settings=Settings(include_rejected=True, show=10))
    assert len(many.pairs) > len(few.pairs)
    scores = {p.pair_id: (p.event_margin, p.margin, p.rank, p.accepted) for p in many.pairs}
    assert all(scores[p.pair_id] == (p.event_margin, p.margin, p.rank, p.accepted) for p in few.pairs)
    assert all(p.rank == 1 or p.accepted for p in few.pairs)
