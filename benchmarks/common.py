"""What the benchmarks share: where the data lives, the public sets they align, and the machine's CPU.

The scripts run as ``python benchmarks/NAME.py``, so this folder is first on ``sys.path`` and
they ``import common``.
"""

from __future__ import annotations

import csv
import json
import platform
import random
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from aligner.api import AlignResult, align
from aligner.documents import Document
from aligner.readers import read_articles
from aligner.scoring.bitext import read_lines
from aligner.settings import Settings
from embeddings import Encoder

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SEED = ROOT.parent / "shared" / "seeds" / "000_7a4eea344678cd8c.txt"
FLORES = DATA / "flores200_devtest_ell_eng"


def require(*paths: Path) -> None:
    """Exit naming the first of ``paths`` that is absent."""
    for path in paths:
        if not path.exists():
            sys.exit(f"{path} is absent: this benchmark needs ../shared/data beside the repository")


def flores_units(lines: Sequence[str], rows: Iterable[int] | None = None) -> list[dict]:
    """FLORES lines (all, or those at ``rows``) as units with ids ``flores:ROW``: line i of one
    language is the partner of line i of the other."""
    return [{"id": f"flores:{i}", "text": lines[i]} for i in (range(len(lines)) if rows is None else rows)]


def mining_pools() -> tuple[list[dict], list[dict], list[str]]:
    """Greek = FLORES + elNER sentences, English = UK MP tweets; and the FLORES English lines."""
    greek = flores_units(read_lines(str(FLORES / "ell_Grek.devtest")))
    for split in ("dev", "test"):
        lines = read_lines(str(DATA / "elner_greek_news" / f"elner4_{split}.sentences.el.txt"))
        greek += [{"id": f"elner-{split}:{i}", "text": t} for i, t in enumerate(lines) if t]
    with open(DATA / "mp_tweets_gr_en" / "en_combined.csv", encoding="utf-8", newline="") as handle:
        tweets = [{"id": f"tweet:{row['id']}", "text": unicodedata.normalize("NFC", row["full_text"])}
                  for row in csv.DictReader(handle)]
    return greek, tweets, read_lines(str(FLORES / "eng_Latn.devtest"))


def null_set() -> tuple[list[dict], list[dict]]:
    """No true pairs: the elNER Greek newswire sentences and the UK MP tweets."""
    greek, tweets, _ = mining_pools()
    return [g for g in greek if not g["id"].startswith("flores:")], tweets


def sparse_set(size: int) -> tuple[list[dict], list[dict]]:
    """``size`` FLORES line pairs (sampled with seed ``size``) among the elNER statements and the
    UK MP tweets: (Greek, English)."""
    greek, tweets, english = mining_pools()
    flores = {g["id"]: g for g in greek if g["id"].startswith("flores:")}
    rows = sorted(random.Random(size).sample(range(len(english)), size))
    elner = [g for g in greek if not g["id"].startswith("flores:")]
    return [flores[f"flores:{i}"] for i in rows] + elner, flores_units(english, rows) + tweets


def write_jsonl(path: Path, units: Iterable[dict]) -> None:
    """One JSON object a line, as `aligner align --greek/--english` reads them."""
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(unit, ensure_ascii=False) + "\n" for unit in units)


def align_streams(encoder: Encoder, greek: list[dict], english: list[dict],
                  settings: Settings = Settings()) -> AlignResult:
    """`align()` on ``greek`` and ``english`` as JSONL streams (corpus scope)."""
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / "greek.jsonl", Path(folder) / "english.jsonl"]
        write_jsonl(paths[0], greek)
        write_jsonl(paths[1], english)
        return align(greek=[str(paths[0])], english=[str(paths[1])], settings=settings, encoder=encoder)


def article_sets() -> tuple[list[Document], dict, set, list[Document], dict, set]:
    """The seed and examples/ with their hand labels and commentary tweets, then the same with
    bursts: (documents, labels, commentary, bursty documents, their labels, their commentary)."""
    labels = json.loads((ROOT / "examples" / "same_event.json").read_text())["same_event"]
    extra = json.loads((ROOT / "benchmarks" / "article_bursts.json").read_text())
    documents = list(read_articles([str(SEED), str(ROOT / "examples")]))
    seed_clash = next(s.id for d in documents for s in d.statements if s.text.startswith("Στρατιώτες και διαδηλωτές"))
    labels = {**labels, f"{documents[0].id}:t1": [seed_clash]}  # the Malay Mail tweet (the seed's target)
    commentary = {t.id for d in documents for t in d.tweets if t.id not in labels and t.id != f"{documents[0].id}:t0"
                  and t.id != f"{documents[0].id}:t3"}  # the seed's t0/t3 report the TASS statement loosely: unlabelled
    bursty, burst_labels, burst_commentary = [], dict(labels), set(commentary)
    for document in documents:
        added = []
        for tweet in document.tweets:
            texts = list(extra["rewordings"].get(tweet.id, []))
            texts += [f"RT @{tweet.handle}: {tweet.text}"] * (2 if tweet.id in labels else 0)
            for text in texts:
                added.append(replace(tweet, id=f"{tweet.id}:b{len(added)}", text=text, handle=f"echo{len(added)}"))
                burst_labels[added[-1].id] = labels[tweet.id]
        for text in extra["same_topic"].get(document.id, []):
            added.append(replace(document.tweets[0], id=f"{document.id}:s{len(added)}", text=text, handle="topic"))
            burst_commentary.add(added[-1].id)
        bursty.append(replace(document, tweets=document.tweets + tuple(added)))
    return documents, labels, commentary, bursty, burst_labels, burst_commentary


def cpu_name() -> str:
    """The CPU's model name, as lscpu gives it."""
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return platform.processor() or "unknown CPU"


def fresh_cache(folder: Path) -> Path:
    """Make ``folder`` an embedding cache with no vectors that shares this machine's built and
    converted default model (one-offs, not part of any run a benchmark times); return it (set
    it as ALIGNER_CACHE_DIR)."""
    from embeddings.default_model import cache_root

    Encoder().model  # noqa: B018 - builds the model folder and its CTranslate2 conversion
    folder.mkdir(parents=True, exist_ok=True)
    for built in ("models", "ctranslate2"):
        if (cache_root() / built).is_dir():
            (folder / built).symlink_to(cache_root() / built)
    return folder
