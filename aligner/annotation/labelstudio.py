"""Label Studio: the labeling config and tasks we write, and the annotations its exports give back
(JSON, JSON-MIN; its CSV export is read by `aligner.annotation.table`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aligner.annotation.answers import Answer, Gold, latest, number_of, row_answer, saved_at
from aligner.annotation.tasks import ExportOptions, evidence_summary
from aligner.errors import InputError
from aligner.output.record import Record


def labelstudio_config(options: ExportOptions = ExportOptions()) -> str:
    """The labeling config: the two texts side by side, three choices (skipping is Label Studio's
    own button), and the scores only when asked."""
    scores = ('  <Header value="event score $event_score, event margin $event_margin, margin $margin, cosine $cosine, '
              'rank $rank" size="6"/>\n  <Header value="evidence: $evidence" size="6"/>\n') if options.scores else ""
    return f"""<View>
  <Style>.pair {{ display: flex; gap: 1em; }} .pair > div {{ flex: 1; }}</Style>
  <View className="pair">
    <View>
      <Header value="Greek statement ($greek_doc_id)"/>
      <Text name="greek" value="$greek"/>
    </View>
    <View>
      <Header value="English tweet by $english_handle ($english_date)"/>
      <Text name="english" value="$english"/>
    </View>
  </View>
{scores}  <Choices name="label" toName="english" choice="single" showInLine="true">
    <Choice value="same_event" hint="Both describe the same event"/>
    <Choice value="related" hint="Same story or topic, not the same event"/>
    <Choice value="unrelated"/>
  </Choices>
</View>
"""


def labelstudio_task(record: Record, options: ExportOptions = ExportOptions()) -> dict[str, Any]:
    """A Label Studio task: both texts in ``data`` (with the event, to sort and filter a burst
    together); the scores and a prediction only when ``options`` ask; never the decision."""
    scores = record["scores"]
    task: dict[str, Any] = {"data": {
        "pair_id": record["pair_id"], "event": record.get("event") or "",
        "greek": record["greek"]["text"], "greek_id": record["greek"]["id"],
        "greek_doc_id": record["greek"]["doc_id"],
        "english": record["english"]["text"], "english_id": record["english"]["id"],
        "english_handle": record["english"]["handle"] or "", "english_date": record["english"]["date"] or "",
    }}
    if options.scores:
        task["data"].update({"cosine": scores["cosine"], "margin": scores["margin"],
                             "event_margin": scores.get("event_margin", ""), "rank": scores["rank"],
                             "event_score": scores.get("event_score", ""), "evidence": evidence_summary(record)})
    if options.predictions:
        # Label Studio's scores are in [0, 1]: only a calibrated probability is one
        probability = scores.get("probability")
        task["predictions"] = [{
            "model_version": record["model"]["fingerprint"],
            **({} if probability is None else {"score": probability}),
            "result": [{"from_name": "label", "to_name": "english", "type": "choices",
                        "value": {"choices": ["same_event" if record["accepted"] else "unrelated"]}}],
        }]
    return task


def labelstudio_config_path(tasks: Path) -> Path:
    return tasks.with_suffix(".labelconfig.xml")


def labelstudio_gold(items: Any, path: str = "<labelstudio>") -> Gold:
    """Labels from Label Studio's JSON export (tasks with ``annotations``) or JSON-MIN export
    (one row per annotation, the task's data at the top level)."""
    if not isinstance(items, list):
        raise InputError("a Label Studio export is a JSON list of tasks", path=path)
    return latest(_labelstudio_answers(items, path), path)


def _labelstudio_answers(items: list[Any], path: str) -> Iterator[Answer]:
    for number, item in enumerate(items, 1):
        if isinstance(item, dict) and isinstance(item.get("data"), dict):  # JSON: a task
            task = f"task {item['id']}" if "id" in item else f"item {number}"
            pid = item["data"].get("pair_id")
            if not pid:
                raise InputError(f"{task}: no data.pair_id (were the tasks made by `aligner export -f "
                                 "labelstudio`?)", path=path)
            for annotation in item.get("annotations") or []:
                if not isinstance(annotation, dict):
                    raise InputError(f"{task}: an annotation is not a JSON object", path=path)
                what = f"{task}, annotation {annotation.get('id', '?')}"
                yield Answer(str(pid), _annotation_choices(annotation), saved_at(annotation, what, path),
                             number_of(annotation.get("id")), path=path, what=what)
        elif isinstance(item, dict) and "pair_id" in item:  # JSON-MIN: an annotation (or a bare task)
            answer = row_answer(item, path, number=number)
            if answer:
                yield answer
        else:
            raise InputError(f"item {number}: neither a Label Studio task (data.pair_id) nor a JSON-MIN row "
                             "(pair_id); were the tasks made by `aligner export -f labelstudio`?", path=path)


def _annotation_choices(annotation: dict[str, Any]) -> list[Any] | None:
    """The choices of a JSON-export annotation; None when it was skipped or chose nothing."""
    if annotation.get("was_cancelled") or annotation.get("skipped"):
        return None
    choices = [choice for result in annotation.get("result") or []
               if isinstance(result, dict) and result.get("type", "choices") == "choices"
               for choice in (result.get("value") or {}).get("choices") or []]
    return choices or None
