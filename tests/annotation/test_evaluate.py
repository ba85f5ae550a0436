"""The annotation loop: align the examples, export for Label Studio and Prodigy, annotate in each
tool's export shape, evaluate, calibrate, align again; figures checked against hand counts."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

from aligner.annotation.evaluate import evaluate
from aligner.annotation.export import read_records, write
from aligner.annotation.gold import Gold, read_gold
from aligner.api import align
from aligner.cli import app
from aligner.errors import InputError
from aligner.settings import Settings

# Read by a person from examples/: each news tweet and the statements reporting the same event.
SAME_EVENT = json.loads((EXAMPLES / "same_event.json").read_text())["same_event"]


def annotate(tweet_id: str, statement_id: str) -> str:
    """What an annotator answers: the same event, the same story (a news tweet's other
    statements), or unrelated (the chatter tweets)."""
    if statement_id in SAME_EVENT.get(tweet_id, ()):
        return "same_event"
    return "related" if tweet_id in SAME_EVENT else "unrelated"


@pytest.fixture(scope="module")
def run(tmp_path_factory, encoder):
    """The examples aligned with every tweet's near misses, as written by `aligner align`."""
    folder = tmp_path_factory.mktemp("loop")
    result = align([EXAMPLES], settings=Settings(include_rejected=True), encoder=encoder)
    write(result.records(), str(folder / "pairs.jsonl"))
    return folder, list(read_records(str(folder / "pairs.jsonl")))


def hand_count(records, labels, positive=("same_event",)):
    """TP, FP, FN by a plain loop, independent of aligner.annotation.evaluate."""
    tp = fp = fn = 0
    for r in records:
        label = labels.get(r["pair_id"])
        if label is None:
            continue
        if r["accepted"] and label in positive:
            tp += 1
        elif r["accepted"]:
            fp += 1
        elif label in positive:
            fn += 1
    return tp, fp, fn


def test_labelstudio_round_trip(run):
    folder, records = run
    write(records, str(folder / "tasks.json"), "labelstudio")
    tasks = json.loads((folder / "tasks.json").read_text())
    by_id = {r["pair_id"]: r for r in records}
    for number, task in enumerate(tasks):  # what Label Studio's "Export > JSON" gives back
        r = by_id[task["data"]["pair_id"]]
        label = annotate(r["english"]["id"], r["greek"]["id"])
        task["id"] = number
        task["annotations"] = [{"id": number, "was_cancelled": False, "result": [
            {"from_name": "label", "to_name": "english", "type": "choices", "value": {"choices": [label]}}]}]
    # a first annotator's mistake, corrected by a later annotation; and one cancelled task
    tasks[0]["annotations"].insert(0, {"was_cancelled": False, "result": [
        {"type": "choices", "value": {"choices": ["unrelated" if records[0]["accepted"] else "same_event"]}}]})
    tasks[-1]["annotations"][0]["was_cancelled"] = True
    (folder / "export.json").write_text(json.dumps(tasks))

    gold = read_gold(str(folder / "export.json"))
    expected = {r["pair_id"]: annotate(r["english"]["id"], r["greek"]["id"]) for r in records[:-1]}
    assert gold.labels == {t["data"]["pair_id"]: expected[t["data"]["pair_id"]] for t in tasks[:-1]}
    assert gold.skipped == 1

    result = evaluate(records, gold)
    tp, fp, fn = hand_count(records, expected)
    assert (result.same_event.tp, result.same_event.fp, result.same_event.fn) == (tp, fp, fn)
    assert result.same_event.precision == pytest.approx(tp / (tp + fp))
    assert result.same_event.recall == pytest.approx(tp / (tp + fn))
    assert (result.related_too.tp, result.related_too.fp, result.related_too.fn) == \
        hand_count(records, expected, ("same_event", "related"))
    assert result.labelled == len(records) - 1 and result.unlabelled == 1
    assert tp > 0  # the examples do align


# Label Studio 1.23's export of one task (id 4, pair "p4") annotated twice: annotation 5 made first
# and edited last (same_event), annotation 6 made in between (unrelated). Then a task annotated
# once, one skipped, one submitted with no choice and one nobody opened. Field names and time
# stamps as Label Studio 1.23 writes them (tests/annotation/test_labelstudio_server.py runs the real server).
def ls_annotation(ident, label, created, updated=None, cancelled=False):
    result = [] if label is None else [{"from_name": "label", "to_name": "english", "type": "choices",
                                        "value": {"choices": [label]}}]
    return {"id": ident, "completed_by": 1, "result": result, "was_cancelled": cancelled,
            "created_at": f"2026-11-27T13:45:{created}Z", "updated_at": f"2026-11-27T13:45:{updated or created}Z"}


LS_JSON = [
    {"id": 4, "data": {"pair_id": "p4", "event": "ev-1"}, "predictions": [], "annotations": [
        ls_annotation(5, "same_event", "24.538913", "27.318180"), ls_annotation(6, "unrelated", "25.866078")]},
    {"id": 1, "data": {"pair_id": "p1", "event": ""}, "annotations": [ls_annotation(3, "related", "23.970780")]},
    {"id": 2, "data": {"pair_id": "p2", "event": ""}, "annotations": [ls_annotation(7, None, "26.0", cancelled=True)]},
    {"id": 3, "data": {"pair_id": "p3", "event": ""}, "annotations": [ls_annotation(8, None, "26.5")]},
    {"id": 5, "data": {"pair_id": "p5", "event": ""}, "annotations": []},
]


def json_min(tasks):
    """What JSON-MIN makes of LS_JSON: a row per annotation, newest created first; skipped ones
    left out; a row without label or annotation for a task nobody annotated."""
    rows = []
    for task in tasks:
        kept = sorted((a for a in task["annotations"] if not a["was_cancelled"]),
                      key=lambda a: a["created_at"], reverse=True)
        if not task["annotations"]:
            rows.append({**task["data"], "id": task["id"], "annotator": None, "annotation_id": None,
                         "created_at": None, "updated_at": None, "lead_time": None})
        for a in kept:
            label = {"label": a["result"][0]["value"]["choices"][0]} if a["result"] else {}
            rows.append({**task["data"], "id": task["id"], **label, "annotator": 1, "annotation_id": a["id"],
                         "created_at": a["created_at"], "updated_at": a["updated_at"], "lead_time": None})
    return rows


def as_csv(rows, delimiter=","):
    """Label Studio's CSV: the JSON-MIN rows, columns sorted, text quoted, numbers bare."""
    buffer = io.StringIO()
    columns = sorted({key for row in rows for key in row})
    writer = csv.DictWriter(buffer, columns, quoting=csv.QUOTE_NONNUMERIC, delimiter=delimiter)
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


@pytest.mark.parametrize("shape", ["json", "json-min", "json-min reversed", "csv", "tsv", "csv with BOM"])
def test_labelstudio_exports_take_the_latest_annotation_by_time(tmp_path, shape):
    rows = json_min(LS_JSON)
    assert [r["annotation_id"] for r in rows[:2]] == [6, 5]  # the first row is not the latest
    content = {"json": json.dumps(LS_JSON), "json-min": json.dumps(rows), "json-min reversed": json.dumps(rows[::-1]),
               "csv": as_csv(rows), "tsv": as_csv(rows, "\t"), "csv with BOM": "\ufeff" + as_csv(rows)}[shape]
    (tmp_path / "export").write_text(content, encoding="utf-8")
    gold = read_gold(str(tmp_path / "export"))
    assert gold.labels == {"p4": "same_event", "p1": "related"}
    # skipped task 2 is in the JSON export only (Label Studio leaves skipped annotations out of
    # JSON-MIN and CSV); task 3 was submitted without a choice; task 5 was never annotated
    assert gold.skipped == (2 if shape == "json" else 1)


def test_labelstudio_same_time_the_higher_annotation_id_wins(tmp_path):
    task = {"id": 1, "data": {"pair_id": "p1"}, "annotations": [
        ls_annotation(9, "related", "20.0"), ls_annotation(8, "unrelated", "20.0")]}
    (tmp_path / "export.json").write_text(json.dumps([task]))
    assert read_gold(str(tmp_path / "export.json")).labels == {"p1": "related"}


def test_prodigy_takes_the_latest_answer_by_timestamp(tmp_path):
    lines = [{"pair_id": "p1", "answer": "accept", "accept": ["related"], "_timestamp": 1700000200},
             {"pair_id": "p1", "answer": "reject", "_timestamp": 1700000100},  # older, saved later in the file
             {"pair_id": "p2", "answer": "ignore", "_timestamp": 1700000300}]
    (tmp_path / "db-out.jsonl").write_text("\n".join(map(json.dumps, lines)))
    gold = read_gold(str(tmp_path / "db-out.jsonl"))
    assert gold.labels == {"p1": "related"} and gold.skipped == 1


def test_prodigy_round_trip_and_curves(run):
    folder, records = run
    write(records, str(folder / "tasks.jsonl"), "prodigy")
    answers = []
    for task in map(json.loads, (folder / "tasks.jsonl").read_text().splitlines()):
        r = next(r for r in records if r["pair_id"] == task["meta"]["pair_id"])
        label = annotate(r["english"]["id"], r["greek"]["id"])
        # `prodigy db-out`: the task plus answer and the chosen option ids; "unrelated" answered
        # by rejecting the pair, as annotators often do
        answer = {"answer": "reject", "accept": []} if label == "unrelated" else \
            {"answer": "accept", "accept": [label]}
        answers.append({**task, "_task_hash": len(answers), **answer})
    del answers[0]["pair_id"]  # the pair id is also found in meta
    answers.append({**answers[1], "answer": "ignore"})  # a later "ignore" does not erase the answer
    (folder / "answers.jsonl").write_text("\n".join(json.dumps(a) for a in answers) + "\n")

    gold = read_gold(str(folder / "answers.jsonl"))
    labels = {r["pair_id"]: annotate(r["english"]["id"], r["greek"]["id"]) for r in records}
    assert gold.labels == labels and gold.skipped == 0  # the ignored pair kept its label
    result = evaluate(records, gold)
    assert (result.same_event.tp, result.same_event.fp, result.same_event.fn) == hand_count(records, labels)

    # each curve point: accept every labelled pair scoring at least the threshold, by hand
    for score, curve in result.curves.items():
        assert curve.thresholds == sorted(set(curve.thresholds), reverse=True)
        for t, p, r in zip(curve.thresholds, curve.precision, curve.recall):
            kept = [labels[x["pair_id"]] for x in records if x["scores"][score] >= t]
            positives = sum(label == "same_event" for label in labels.values())
            assert p == pytest.approx(kept.count("same_event") / len(kept))
            assert r == pytest.approx(kept.count("same_event") / positives)
        assert curve.best["f1"] == pytest.approx(max(curve.f1))


def test_native_labels_and_pairs_missing_from_the_run(run):
    folder, records = run
    labels = {r["pair_id"]: annotate(r["english"]["id"], r["greek"]["id"]) for r in records}
    missing = {"0123456789abcdef": "same_event", "fedcba9876543210": "unrelated"}
    lines = [{**r, "label": labels[r["pair_id"]]} for r in records]
    lines += [{"pair_id": pid, "label": label} for pid, label in missing.items()]
    (folder / "native.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    result = evaluate(records, read_gold(str(folder / "native.jsonl")))
    tp, fp, fn = hand_count(records, labels)
    assert result.gold_missing == 2
    assert (result.same_event.tp, result.same_event.fp, result.same_event.fn) == (tp, fp, fn + 1)


def test_cli_loop_evaluate_calibrate_align(run, tmp_path):
    folder, records = run
    labels = [{"pair_id": r["pair_id"], "label": annotate(r["english"]["id"], r["greek"]["id"])}
              for r in records]
    (tmp_path / "gold.jsonl").write_text("\n".join(json.dumps(x) for x in labels))
    runner = CliRunner()
    out = runner.invoke(app, ["evaluate", str(folder / "pairs.jsonl"), "--gold", str(tmp_path / "gold.jsonl"),
                              "--json"])
    assert out.exit_code == 0, out.output
    figures = json.loads(out.stdout)
    tp, fp, fn = hand_count(records, {x["pair_id"]: x["label"] for x in labels})
    assert (figures["same_event"]["tp"], figures["same_event"]["fp"], figures["same_event"]["fn"]) == (tp, fp, fn)
    assert set(figures["curves"]) == {"event_score", "event_margin", "margin", "cosine"}

    out = runner.invoke(app, ["calibrate", str(folder / "pairs.jsonl"), "--gold", str(tmp_path / "gold.jsonl"),
                              "-o", str(tmp_path / "calibration.json")])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["align", "examples", "--calibration", str(tmp_path / "calibration.json"),
                              "--min-precision", "0.8", "--include-rejected", "-q"])
    assert out.exit_code == 0, out.output
    again = [json.loads(line) for line in out.stdout.splitlines()]
    assert all(0 <= r["scores"]["probability"] <= 1 for r in again)
    accepted = [r["scores"]["probability"] for r in again if r["accepted"]]
    assert accepted and sum(accepted) / len(accepted) >= 0.8  # the expected precision asked for


def test_plot_writes_a_png(run, tmp_path):
    pytest.importorskip("matplotlib")
    from aligner.annotation.evaluate import plot

    _, records = run
    result = evaluate(records, {r["pair_id"]: annotate(r["english"]["id"], r["greek"]["id"]) for r in records})
    plot(result, str(tmp_path / "pr.png"))
    assert (tmp_path / "pr.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("content, message", [
    ('[{"id": 7, "data": {"pair_id": "a"}, "annotations": [{"id": 3, "result": [{"value": {"choices": ["maybe"]}}]}]}]',
     "gold: task 7, annotation 3: unknown label 'maybe'"),
    ('[{"data": {}, "annotations": []}]', "gold: item 1: no data.pair_id"),
    ('[{"id": 7, "text": "a"}]', "gold: item 1: neither a Label Studio task (data.pair_id) nor a JSON-MIN row"),
    ('[{"pair_id": "a", "id": 9, "label": "maybe", "annotation_id": 12}]', "gold: task 9, annotation 12: unknown label"),
    ('[{"pair_id": "a", "id": 9, "label": {"choices": ["related", "unrelated"]}, "annotation_id": 12}]',
     "gold: task 9, annotation 12: expected one choice"),
    ('[{"pair_id": "a", "id": 9, "label": "related", "annotation_id": 12, "updated_at": "yesterday"}]',
     "gold: task 9, annotation 12: 'yesterday' is not a time"),
    ('"id","label","pair_id"\n9,"related","a"\n10,"mabye","b"\n', "gold:3: task 10: unknown label 'mabye'"),
    ('{"pair_id": "a", "answer": "reject", "_timestamp": 1e20}', "gold:1: _timestamp 1e+20 is not a time"),
    ('pair_id,accepted,event\nabc,True,ev-1\n', "gold:1: a CSV of annotations needs 'pair_id' and 'label' columns"),
    ('{"pair_id": "a", "label": "same_event"}\n{"pair_id": "b", "label": "yes"}', "gold:2: unknown label 'yes'"),
    ('{"pair_id": "a", "answer": "accept", "accept": ["related", "same_event"]}', "gold:1: expected one choice"),
    ('{"pair_id": "a", "answer": "skip"}', "gold:1: Prodigy answer must be"),
    ('{"label": "related"}', "gold:1: no pair_id"),
    ('{"pair_id": "a"}\n', "gold:1: neither a Prodigy answer"),
    ('{"pair_id": "a", "label": "related"}\nnot json', "gold:2: not JSON"),
])
def test_bad_gold_names_file_and_line(tmp_path, content, message):
    (tmp_path / "gold").write_text(content)
    with pytest.raises(InputError, match=re.escape(message)):
        read_gold(str(tmp_path / "gold"))


def test_gold_for_another_corpus_is_an_error(run):
    _, records = run
    with pytest.raises(InputError, match="none of its 1 pair ids"):
        evaluate(records, Gold({"0000000000000000": "same_event"}, source="other.jsonl"))


def test_gold_without_labels_is_an_error(run, tmp_path):
    _, records = run
    (tmp_path / "gold.jsonl").write_text(json.dumps({"pair_id": records[0]["pair_id"], "answer": "ignore"}))
    with pytest.raises(InputError, match="no labelled pairs"):
        evaluate(records, read_gold(str(tmp_path / "gold.jsonl")))


def test_cli_bad_gold_is_one_line(run, tmp_path):
    folder, _ = run
    (tmp_path / "gold.jsonl").write_text('{"pair_id": "x", "label": "sameevent"}\n')
    out = CliRunner().invoke(app, ["evaluate", str(folder / "pairs.jsonl"), "--gold", str(tmp_path / "gold.jsonl")])
    assert out.exit_code == 2
    assert "gold.jsonl:1: unknown label 'sameevent'" in out.output


def test_min_precision_needs_a_calibration():
    out = CliRunner().invoke(app, ["align", "examples", "--min-precision", "0.9"])
    assert out.exit_code == 2 and "--min-precision needs --calibration" in out.output


def test_calibration_from_another_model_is_refused(tmp_path, encoder):
    from aligner.decide.calibrated import Calibration

    Calibration(("margin",), [1.0], [0.1], [2.0], -1.0, 1.0,
                trained_on={"embedding_model": {"fingerprint": "other-model@0123"}}).save(str(tmp_path / "c.json"))
    with pytest.raises(InputError, match="fitted on scores of model other-model@0123"):
        align([EXAMPLES], settings=Settings(calibration=str(tmp_path / "c.json")), encoder=encoder)
