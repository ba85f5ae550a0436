"""Tweet-like copies of a sentence: what a burst of outlets and retweets does to one report.

Each variant keeps the sentence and wraps it the way accounts repost news: a retweet prefix, an
outlet credit, hashtags, a link, or a reworded attribution ("BREAKING:", "Reuters:"). Seeded,
so a benchmark sees the same variants every run.
"""

from __future__ import annotations

import random

OUTLETS = ("Reuters", "AP", "AFP", "BBC News", "Kathimerini", "ekathimerini", "Euronews", "Al Jazeera")
USERS = ("newsdesk_gr", "worldwire", "breakingalerts", "euro_watch", "athensbureau", "globalreports")
TAGS = ("Breaking", "News", "Greece", "World", "Update", "Europe")
LEADS = ("BREAKING: ", "JUST IN: ", "Update: ", "Report: ", "{outlet}: ", "Via @{user}: ")


def _link(rng: random.Random) -> str:
    return "https://t.co/" + "".join(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                                     for _ in range(10))


def variant(text: str, rng: random.Random) -> str:
    """One tweet-like rendering of ``text``: one to three of the wrappers, chosen by ``rng``."""
    outlet, user = rng.choice(OUTLETS), rng.choice(USERS)
    wrappers = rng.sample(("retweet", "credit", "hashtags", "link", "lead"), rng.randint(1, 3))
    if "lead" in wrappers:
        text = rng.choice(LEADS).format(outlet=outlet, user=user) + text
    if "hashtags" in wrappers:
        text += " " + " ".join("#" + t for t in rng.sample(TAGS, rng.randint(1, 2)))
    if "credit" in wrappers:
        text += rng.choice((" | ", " — ")) + outlet
    if "link" in wrappers:
        text += " " + _link(rng)
    if "retweet" in wrappers:
        text = f"RT @{user}: " + text
    return text


def burst(texts: list[str], *, seed: int = 0, most: int = 4) -> list[tuple[int, str]]:
    """Every text once as itself and 1..``most`` times as a variant, as (source index, text)."""
    rng = random.Random(seed)
    out: list[tuple[int, str]] = []
    for i, text in enumerate(texts):
        out.append((i, text))
        out.extend((i, variant(text, rng)) for _ in range(rng.randint(1, most)))
    return out
