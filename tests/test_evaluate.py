"""The annotation loop: align the examples, export for Label Studio and Prodigy, annotate in each
tool's export shape, evaluate, calibrate, align again; figures checked against hand counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aligner.api import align
from aligner.cli import app
from aligner.errors import InputError
from aligner.evaluate import Gold, evaluate, read_gold
from aligner.export import read_records, write
from aligner.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

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
    """TP, FP, FN by a plain loop, independent of aligner.evaluate."""
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
    assert gold.labels == labels and gold.skipped == 1
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
    assert set(figures["curves"]) == {"event_margin", "margin", "cosine"}

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
    from aligner.evaluate import plot

    _, records = run
    result = evaluate(records, {r["pair_id"]: annotate(r["english"]["id"], r["greek"]["id"]) for r in records})
    plot(result, str(tmp_path / "pr.png"))
    assert (tmp_path / "pr.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("content, message", [
    ('[{"data": {"pair_id": "a"}, "annotations": [{"result": [{"value": {"choices": ["maybe"]}}]}]}]',
     "task 1: unknown label 'maybe'"),
    ('[{"data": {}, "annotations": []}]', "task 1: no data.pair_id"),
    ('{"pair_id": "a", "label": "same_event"}\n{"pair_id": "b", "label": "yes"}', "gold:2: unknown label 'yes'"),
    ('{"pair_id": "a", "answer": "accept", "accept": ["related", "same_event"]}', "gold:1: expected one choice"),
    ('{"pair_id": "a", "answer": "skip"}', "gold:1: Prodigy answer must be"),
    ('{"label": "related"}', "gold:1: no pair_id"),
    ('{"pair_id": "a"}\n', "gold:1: neither a Prodigy answer"),
    ('{"pair_id": "a", "label": "related"}\nnot json', "gold:2: not JSON"),
])
def test_bad_gold_names_file_and_line(tmp_path, content, message):
    (tmp_path / "gold").write_text(content)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
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
    from aligner.calibrate import Calibration

    Calibration(("margin",), [1.0], [0.1], [2.0], -1.0, 1.0,
                trained_on={"embedding_model": {"fingerprint": "other-model@0123"}}).save(str(tmp_path / "c.json"))
    with pytest.raises(InputError, match="fitted on scores of model other-model@0123"):
        align([EXAMPLES], settings=Settings(calibration=str(tmp_path / "c.json")), encoder=encoder)
