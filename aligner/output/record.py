"""The native output record, typed once: `aligner.output.pairs` fills it, the exporters, `evaluate` and
`calibrate` read it, and `aligner/output/pair.schema.json` is generated from it:

    python -m aligner.output.record > aligner/output/pair.schema.json

A test checks that the file and these classes agree.
"""

from __future__ import annotations

import json
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal, TypedDict, Union, get_args, get_origin, get_type_hints

from aligner.settings import Mode, Scope
from embeddings.backends import BackendName, PrecisionName

SCHEMA_PATH = Path(__file__).with_name("pair.schema.json")  # written by `python -m aligner.output.record`

SCHEMA_VERSION: Final = "1.3"  # 1.1: scores.event_margin, event, decision; 1.2: model.backend; 1.3: evidence
Flag = Literal["low_content"]
Rule = Literal["fdr", "fallback", "manual", "min_precision", "model_check"]  # which rule set a run's threshold


@dataclass(frozen=True)
class Doc:
    """What the schema says of a field beyond its type."""

    description: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None


class GreekSide(TypedDict):
    id: str
    doc_id: str
    text: Annotated[str, Doc("The sentence, Unicode NFC.")]
    paragraph: Annotated[int, Doc(minimum=0)]
    sentence: Annotated[int, Doc(minimum=0)]
    start: Annotated[int, Doc("Character offset into the original document text.", minimum=0)]
    end: Annotated[int, Doc(minimum=0)]
    date: str | None


class EnglishSide(TypedDict):
    id: str
    doc_id: str
    text: Annotated[str, Doc("The tweet body without its attribution.")]
    handle: str | None
    author: str | None
    date: Annotated[str | None, Doc("ISO 8601 date of the tweet, when known.")]
    urls: list[str]
    lang: str


class _Scores(TypedDict):
    cosine: Annotated[float, Doc(minimum=-1, maximum=1)]
    margin: Annotated[float, Doc(
        "cosine / ((mean cosine of the tweet to its k nearest statements + mean cosine of the statement "
        "to its k nearest tweets) / 2), over the whole pool of the run (LASER's ratio margin).")]
    event_margin: Annotated[float, Doc(
        "The ratio margin with the pair's burst counted once: when the statement is the tweet's nearest, "
        "the tweet's near-duplicates (cosine >= 0.93) are left out of the statement's neighbourhood mean, "
        "and the other way round. The decision is taken on this score.")]
    rank: Annotated[int, Doc("Rank of this statement among the tweet's candidates by event margin (1 = best).",
                             minimum=1)]


class Scores(_Scores, total=False):
    event_score: Annotated[float, Doc(
        "The event margin moved by the evidence (evidence.log_odds / 100): what a fixed threshold (the "
        "fallback, or --threshold) is held against.")]
    null_probability: Annotated[float, Doc(
        "Under the fdr rule: the estimated probability that the tweet has no partner, from the run's mixture "
        "of best event margins and the evidence.", minimum=0, maximum=1)]
    probability: Annotated[float, Doc("P(same event) from a calibration, when one was given.", minimum=0, maximum=1)]


class EvidenceBlock(TypedDict):
    names: Annotated[list[list[str]], Doc("Names both sides mention: [as the tweet writes it, as the statement does].")]
    numbers: Annotated[list[list[str]], Doc("Numbers both sides give (either separator convention, magnitudes read).")]
    clash: Annotated[bool, Doc("Both sides name or count something and share none of it.")]
    token_agreement: Annotated[float | None, Doc(
        "BERTScore-style F1 of the two texts' token vectors from the same model; null where it could not change "
        "the decision (not computed).")]
    date_gap_days: Annotated[int | None, Doc("Days between the tweet and its statement's article; null when "
                                             "either is undated.", minimum=0)]
    log_odds: Annotated[float, Doc("The evidence's log-likelihood ratio for the same event (docs/decisions.md).")]


class Model(TypedDict):
    name: str
    fingerprint: Annotated[str, Doc("name@hash of the model's config, tokenizer and weight files.")]
    backend: Annotated[BackendName, Doc(
        "What ran the model: CTranslate2, or sentence-transformers on PyTorch.")]
    precision: Annotated[PrecisionName, Doc("How the vectors were computed.")]


class MixtureBlock(TypedDict):
    weight: list[float]
    mean: list[float]
    sd: list[float]


class Decision(TypedDict):
    scope: Scope
    k: Annotated[int, Doc("Neighbours in the margins' means.", minimum=1)]
    mode: Mode
    threshold: Annotated[float | None, Doc(
        "The event-score threshold the run used (rule fdr: the highest null_probability accepted; rule "
        "min_precision: the calibrated probability it accepted from).")]
    rule: Annotated[Rule | None, Doc(
        "fdr: chosen from the run's scores for the fdr below; fallback: the fixed default; manual: "
        "--threshold; min_precision: by calibrated probability; model_check: the model failed the probe "
        "translations and nothing was accepted (threshold null).")]
    fdr: float
    min_precision: float | None
    mixture: Annotated[MixtureBlock | None, Doc(
        "Rule fdr: the two Gaussians fitted to the tweets' best event margins, [without a partner, with one].")]


class Record(TypedDict):
    """A candidate pairing of a Greek statement with an English tweet, its scores and the decision."""

    pair_id: Annotated[str, Doc("sha1(english.id TAB greek.id), first 16 hex digits: stable across runs and "
                                "settings.", pattern="^[0-9a-f]{16}$")]
    greek: GreekSide
    english: EnglishSide
    scores: Scores
    accepted: bool
    event: Annotated[str | None, Doc("The event group: tweets and statements connected by accepted pairs; a "
                                     "rejected pair carries its tweet's event, or null.", pattern="^ev-[0-9a-f]{12}$")]
    flags: Annotated[list[Flag], Doc(
        "low_content: a side has fewer than three words of three letters or more (numbers, names, links); "
        "never accepted.")]
    evidence: Annotated[EvidenceBlock | None, Doc(
        "Why the pair is or is not the same event beyond its margin; null for a candidate that no threshold "
        "could accept and that is not shown.")]
    model: Model
    decision: Annotated[Decision, Doc("How the run decided: the same in every record of a run.")]
    schema_version: Literal["1.3"]


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `Record`."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://github.com/greek-tweet-aligner/aligner/pair.schema.json",
            "title": "Aligned pair (native JSONL, one object per line)",
            **_schema(Record),
            "description": f"{Record.__doc__} schema_version {SCHEMA_VERSION} (1.1 added scores.event_margin, "
                           "event and decision; 1.2 model.backend; 1.3 evidence, scores.event_score and "
                           "scores.null_probability)."}


def _schema(kind: Any) -> dict[str, Any]:
    doc = Doc()
    if get_origin(kind) is Annotated:
        kind, doc = get_args(kind)[0], get_args(kind)[1]
    out = _type(kind)
    out.update({key: value for key, value in vars(doc).items() if value is not None})
    return out


def _type(kind: Any) -> dict[str, Any]:
    if isinstance(kind, type) and issubclass(kind, dict):  # a TypedDict
        hints = get_type_hints(kind, include_extras=True)
        return {"type": "object", "required": [k for k in hints if k in getattr(kind, "__required_keys__")],
                "additionalProperties": False, "properties": {k: _schema(v) for k, v in hints.items()}}
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        inner = _type(next(a for a in args if a is not type(None)))
        if "enum" in inner:
            return {"enum": [*inner["enum"], None]}
        return {**inner, "type": [inner["type"], "null"]}
    if origin is Literal:
        return {"const": args[0]} if len(args) == 1 else {"enum": list(args)}
    if origin is list:
        return {"type": "array", "items": _type(args[0])}
    return {"type": {str: "string", int: "integer", float: "number", bool: "boolean"}[kind]}


if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
