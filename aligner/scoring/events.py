"""Event groups: tweets and statements joined by accepted pairs, so annotators see a burst together."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def event_ids(tweet_ids: Sequence[str], statement_ids: Sequence[str], accepted: Sequence[bool]) -> list[str | None]:
    """An event id per pair: the connected component of its tweet among accepted pairs.

    Pair i joins ``tweet_ids[i]`` and ``statement_ids[i]`` when ``accepted[i]``. A rejected
    pair gets its tweet's event when the tweet has one elsewhere, else None. The id is a hash
    of the component's members, so the same accepted pairs give the same ids in any run.
    """
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for tweet, statement, ok in zip(tweet_ids, statement_ids, accepted):
        if ok:
            a, b = root("t:" + tweet), root("s:" + statement)
            if a != b:
                parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = {}
    for node in list(parent):
        members.setdefault(root(node), []).append(node)
    names = {top: "ev-" + hashlib.sha1("\n".join(sorted(nodes)).encode()).hexdigest()[:12]
             for top, nodes in members.items()}
    return [names[root("t:" + t)] if "t:" + t in parent else None for t in tweet_ids]
