"""Many tweets about one event: copies, rewordings, the threshold rule and event groups."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SEED, require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from aligner.api import align
from aligner.scoring.match import NEAR_DUPLICATE, match
from aligner.settings import Settings

REWORDINGS = json.loads((ROOT / "benchmarks" / "article_bursts.json")
                        .read_text())["rewordings"]
MALAY_MAIL = "Troops, protesters clash on Almaty main square in Kazakhstan; shots heard | Malay Mail https://t.co/clVOShfreC"
CLASH = "Στρατιώτες και διαδηλωτές συγκρούονταν νωρίτερα σήμερα στην κύρια πλατεία της Αλμάτι."


def unit(m: np.ndarray) -> np.ndarray:
    return (m / np.linalg.norm(m, axis=-1, keepdims=True)).astype(np.float32)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), copies=st.integers(1, 6))
def test_rewordings_of_a_tweet_leave_its_chosen_pair_unchanged(seed, copies):
    rng = np.random.default_rng(seed)
    statements = unit(rng.normal(size=(12, 16)))
    tweets = unit(rng.normal(size=(8, 16)) + 0.3)
    x = 0
    y = int(np.argmax(statements @ tweets[x]))
    before = match(tweets, statements, k=4)
    # rewordings: x plus a little noise, near-duplicates of x by construction
    noise = unit(rng.normal(size=(copies, 16)))
    rewordings = unit(tweets[x] + 0.15 * noise)
    assert (rewordings @ tweets[x] >= NEAR_DUPLICATE).all()
    after = match(np.vstack([tweets, rewordings]), statements, k=4)

    def score(c, tweet, statement):
        row = np.flatnonzero((c.tweet == tweet) & (c.statement == statement))
        return c.event_margin[row[0]], c.margin[row[0]]

    event_before, margin_before = score(before, x, y)
    event_after, margin_after = score(after, x, y)
    assert event_after == pytest.approx(event_before, abs=1e-6)
    assert margin_after <= margin_before + 1e-6  # LASER's margin is what bursts used to lower


def test_one_tweet_reporting_several_statements_keeps_each():
    # a tweet between three rewordings of one statement, and unrelated statements elsewhere
    rng = np.random.default_rng(1)
    base = unit(rng.normal(size=16))
    rewordings = unit(base + 0.12 * unit(rng.normal(size=(3, 16))))
    statements = np.vstack([rewordings, unit(rng.normal(size=(20, 16)))])
    tweets = np.vstack([unit(base + 0.2 * unit(rng.normal(size=16)))[None], unit(rng.normal(size=(10, 16)))])
    c = match(tweets, statements, k=4)
    mine = c.tweet == 0
    chosen = c.statement[mine][np.argmax(c.cosine[mine])]
    # the tweet's best statement keeps a margin as if it had no rewordings beside it
    alone = match(tweets, np.vstack([statements[[chosen]], statements[3:]]), k=4)
    assert c.event_margin[mine & (c.statement == chosen)][0] == pytest.approx(
        alone.event_margin[(alone.tweet == 0) & (alone.statement == 0)][0], abs=1e-6)
    assert c.event_margin[mine & (c.statement == chosen)][0] > c.margin[mine & (c.statement == chosen)][0]


def _article(tmp_path: Path, extra_tweets: list[str]) -> Path:
    text = SEED.read_text(encoding="utf-8").rstrip("\n")
    for n, tweet in enumerate(extra_tweets):
        text += f"\n\n{tweet} — Echo {n} (@echo{n}) January 6, 2022"
    path = tmp_path / f"seed_{len(extra_tweets)}.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _decisions(result) -> dict[tuple[str, str], bool]:
    return {(p.english.handle, p.greek.text): p.accepted for p in result.pairs}


def test_copies_get_the_original_decision_and_change_no_other(tmp_path):
    require_shared("seeds")
    settings = Settings(include_rejected=True)
    plain = align([_article(tmp_path, [])], settings=settings)
    copies = [f"RT @malaymail: {MALAY_MAIL}", MALAY_MAIL.replace("https://t.co/clVOShfreC", "https://t.co/other"),
              MALAY_MAIL.replace("| Malay Mail", "| Kazakh Desk")]
    bursty = align([_article(tmp_path, copies)], settings=settings)
    assert bursty.stats.tweet_copies == len(copies)
    before, after = _decisions(plain), _decisions(bursty)
    assert {key: after[key] for key in before} == before  # no other decision moved
    original = [p for p in bursty.pairs if p.english.handle == "malaymail" and p.rank == 1][0]
    assert original.accepted and original.greek.text == CLASH
    for n in range(len(copies)):
        copy = [p for p in bursty.pairs if p.english.handle == f"echo{n}" and p.rank == 1][0]
        assert (copy.greek.text, copy.accepted, copy.event_margin, copy.event) == \
               (original.greek.text, original.accepted, original.event_margin, original.event)


def test_rewordings_keep_the_original_accepted(tmp_path):
    require_shared("seeds")
    rewordings = REWORDINGS["000_7a4eea344678cd8c.txt:t1"]
    plain = align([_article(tmp_path, [])])
    for n in range(1, len(rewordings) + 1):
        result = align([_article(tmp_path, rewordings[:n])])
        accepted = {(p.english.handle, p.greek.text) for p in result.pairs if p.accepted}
        assert ("malaymail", CLASH) in accepted, n
        assert all((f"echo{i}", CLASH) in accepted for i in range(n)), accepted
        assert not any(handle == "RobTheRich0001" for handle, _ in accepted)
        mine = [p for p in result.pairs if p.english.handle == "malaymail"][0]
        theirs = [p for p in plain.pairs if p.english.handle == "malaymail"][0]
        assert mine.event_margin == pytest.approx(theirs.event_margin, abs=1e-6)
        assert len({p.event for p in result.pairs if p.greek.text == CLASH}) == 1  # one burst, one event










